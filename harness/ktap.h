/* Streaming parser for KTAP (versions 1 and 2) and TAP 13/14 as printed on a kernel console.
 *
 * Pure: never forks, never touches the network, never prints. Feed it console output in any
 * chunking; it strips printk timestamps ("[    1.234567] ", "[    1.2][    T1] ") and the prefix
 * found before the first version line (as kunit.py does), ignores unrelated kernel lines, and
 * builds one struct test_suite per top-level test. Nested subtests (parameterized tests) are
 * flattened into cases named "case.param". Several documents on one console (KUnit, then a
 * kselftest run) are appended in order.
 *
 * Nesting follows the "KTAP version" and "# Subtest:" headers; indentation (any width, tabs count
 * to the next multiple of 8) says where a subtest ends when it is present, and the plan or the
 * subtest's name does when it is not. A version line at the top-level indentation always starts
 * a new document.
 *
 * Statuses: "ok" pass, "not ok" fail; directives (case-insensitive) SKIP skip, TODO and XFAIL
 * pass, TIMEOUT on "not ok" BM_TIMEOUT (counted in fail), ERROR on "not ok" BM_CRASH. A test
 * whose result line never came is BM_CRASH: a subtest without cases becomes a crashed case
 * itself; when the output stops inside a subtest that reported some cases and promised more (or
 * had no plan), one crashed case "#N" stands for the test that was running. Top-level tests that
 * a plan promised but that never started are not invented.
 *
 * kselftest (run_kselftest.sh, one TAP 13 document per target): a top-level line
 * "# selftests: DIR: TEST" starts a test program, its output follows behind "# " (parsed as a
 * document of its own, so "# TAP version 13", "# ok 1 x"), and "ok N selftests: DIR: TEST" ends
 * it. Every DIR becomes one suite of kind SUITE_KSELFTEST named DIR, in order of first
 * appearance; each program adds its nested cases as "TEST.CASE" (deeper levels joined by '.' as
 * above), or a single case "TEST" when it printed no TAP. Export names: spaces and colons become
 * '_'. The program's own status: SKIP (exit 4) and pass keep the nested statuses; on a failure
 * ("# exit=N", "# TIMEOUT N seconds", no result line at all: BM_CRASH) the nested test that was
 * running (plan not reached) becomes "TEST.#N" with that status, and when no nested case shows a
 * failure one case "TEST" carries it. A target's status is its worst case (fail, timeout, crash,
 * pass, skip in that order). */
#ifndef BM_KTAP_H
#define BM_KTAP_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

/* What one console can make the parser keep, whatever it prints (a few MB of garbage, deep
 * nesting, long names). When one was reached, ktap_parser_finish says so in the results' note. */
#define KTAP_NAME_MAX 512	/* bytes of a name or detail, flattened names too; longer ones
				 * end in "..." */
#define KTAP_DEPTH_MAX 32	/* open subtests; deeper headers are diagnostics, deeper results
				 * count in the deepest subtest */
#define KTAP_CASES_MAX 20000	/* cases; later results are dropped (a kselftest program in
				 * the same parser counts too) */

struct ktap_parser;

/* Never returns NULL (allocation failure aborts). */
struct ktap_parser *ktap_parser_new(void);
/* NULL is fine. Results not yet taken by ktap_parser_finish are freed too. */
void ktap_parser_free(struct ktap_parser *p);
void ktap_parser_freep(struct ktap_parser **p);

/* Feed one console line; a trailing "\n" or "\r\n" is allowed, embedded newlines split it into
 * several lines. Independent of the partial line kept by ktap_parser_feed. */
void ktap_parser_feed_line(struct ktap_parser *p, const char *line);
/* Feed an arbitrary chunk of bytes (NUL bytes are dropped); splits into lines and keeps a partial
 * last line for the next call. Lines longer than 64 KiB are truncated. */
void ktap_parser_feed(struct ktap_parser *p, const char *buf, size_t len);

/* Streaming (parse): each top-level suite goes to fn as soon as it can no longer change, in the
 * order ktap_parser_finish would have listed it; fn takes ownership of *s (test_suite_release)
 * and must not call back into the parser. A kselftest target's suite can grow until the end
 * (run_kselftest.sh prints a document per target and a DIR may come back), so it and every suite
 * after it are held until ktap_parser_finish; memory stays bounded for KUnit output, not for
 * kselftest's. The totals are still counted into the results that ktap_parser_finish returns,
 * whose suites are then empty. Set it before the first feed; fn NULL: suites stay in the
 * results (the default). */
typedef void ktap_suite_fn(void *ctx, struct test_suite *s);
void ktap_parser_set_sink(struct ktap_parser *p, ktap_suite_fn *fn, void *ctx);

/* True while the most recent document is complete: its plan "1..N" was seen and N top-level
 * results arrived (so a boot can be stopped early). A new version line makes it false again.
 * run_kselftest.sh prints one document per target, so this is also true between targets. */
bool ktap_parser_done(const struct ktap_parser *p);
/* True once any KTAP/TAP version line was seen. */
bool ktap_parser_started(const struct ktap_parser *p);

/* Flush the partial line, close every open test as described above and move the results into
 * *ret (zeroed first; the caller releases it with test_results_release). ret->note says which of
 * the limits above cut the output down ("the console's KTAP was cut down: ..."), NULL when none
 * did. The parser is left empty (its limits counted afresh) and may be fed again or freed.
 * Returns 0. */
int ktap_parser_finish(struct ktap_parser *p, struct test_results *ret);

#endif
