/* Result types shared by the parser, the store and the reports. Plain data: no module owns a
 * library type here. Strings are heap-allocated and owned by the struct that holds them. */
#ifndef BM_RESULT_H
#define BM_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "rustopts.h"

/* The status words used everywhere: parse output, matrix.json, the database. */
enum bm_status {
	BM_NONE = 0,	/* not run (a stage after a failed one) */
	BM_PASS,
	BM_FAIL,
	BM_SKIP,
	BM_CRASH,	/* the test never reported, or the kernel panicked */
	BM_TIMEOUT,
	BM_INFRA,	/* the harness or its infrastructure failed, not the kernel */
	BM_CONFIG,	/* the final .config lacks an option the fragments asked for */
};

/* "pass", "fail", ...; "none" for BM_NONE. */
const char *bm_status_name(enum bm_status s);
/* Inverse of bm_status_name; -1 if unknown. */
int bm_status_parse(const char *name);

struct test_case {
	char *name;
	enum bm_status status;
	char *detail;		/* directive text or diagnostic, may be NULL */
	bool flaky;		/* failed, then passed when the job was booted again */
};

/* Where a suite came from: a top-level KUnit suite, or a kselftest target (one directory of
 * tools/testing/selftests, all its test programs). The zero value is KUnit. */
enum suite_kind {
	SUITE_KUNIT = 0,
	SUITE_KSELFTEST,
};

/* "kunit", "kselftest"; "kunit" for a value out of range. */
const char *suite_kind_name(enum suite_kind k);
/* Inverse of suite_kind_name; -1 if unknown. */
int suite_kind_parse(const char *name);

/* A top-level suite and its leaves. Nested subtests are flattened into cases with names
 * joined by '.', so counts are always over leaves. */
struct test_suite {
	char *name;
	enum bm_status status;
	unsigned pass, fail, skip, crash;
	struct test_case *cases;
	size_t n_cases;
	enum suite_kind kind;	/* last, so that positional initializers keep working */
};

/* Suites kept out of memory (parse on a large console writes them to a temporary file as they
 * come): read back in order, one at a time, from the first again after each rewind. The command
 * that made the source owns it and checks it for a read error once the reports are written. */
struct suite_source {
	void (*rewind)(void *ctx);
	/* The next suite (the source's, valid until the next call), or NULL at the end (or after an
	 * error). */
	const struct test_suite *(*next)(void *ctx);
	void *ctx;
};

struct test_results {
	struct test_suite *suites;
	size_t n_suites;
	unsigned pass, fail, skip, crash;	/* totals over all leaves */
	char *note;		/* the parser cut the console's output down (ktap.h), or NULL */
	/* NULL: suites holds every suite. Else every suite comes from source (read them with
	 * suite_iter), and suites holds only the first of each kind and name without its cases,
	 * with its counts and status: what a matrix shows. Borrowed. */
	const struct suite_source *source;
};

void test_suite_release(struct test_suite *s);	/* its name and cases; s is zeroed */
void test_results_release(struct test_results *r);

/* Every suite of r, in order, from its array or its source:
 *	struct suite_iter it;
 *	for (const struct test_suite *s = suite_iter_first(&it, r); s; s = suite_iter_next(&it))
 * A suite is valid until the next call. One walk over a source at a time. */
struct suite_iter {
	const struct test_results *r;
	size_t next;
};
const struct test_suite *suite_iter_first(struct suite_iter *it, const struct test_results *r);
const struct test_suite *suite_iter_next(struct suite_iter *it);
/* Recompute every suite's counts and status, and the totals, from the cases (after cases were
 * changed, e.g. marked flaky). */
void test_results_recount(struct test_results *r);

struct stage {
	enum bm_status status;
	double seconds;
	char *detail;		/* one line: why it failed, what was missing, may be NULL */
	/* A build's: the toolchain cannot build this tree's Rust (`make rustavailable` refused it:
	 * a rustc below the minimum, a bindgen or libclang it rejects), which dropped CONFIG_RUST.
	 * Its words are in detail. Not kept in the history. */
	bool rust_unavailable;
};

/* One job of a run: (source, toolchain, arch, config) built, booted, parsed. */
struct job_result {
	char *id;		/* "x86_64-trixie-6.12.117-rust-kunit" */
	char *arch;
	char *toolchain;
	char *kernel;		/* exact kernel version, e.g. "6.12.117" */
	char *config;		/* fragment set name */
	struct stage build;
	struct stage boot;
	struct test_results kunit;
	char *log_dir;		/* results/<run>/<job id> */
	char *manifest;		/* toolchain manifest, "key: value" lines */
	char *qemu_version;
	char *libvirt_version;
	char *machine;		/* "q35 (tcg)", "um" ... */
	char *host;		/* the remote host that booted it ("user@host:port"); NULL: here */
	unsigned requeued;	/* boots lost to a host that died and run again elsewhere */
	/* The Rust map: every Rust test option the kernel offers and what became of it (only for a
	 * config asking for them all; rustopts.h). Owned. */
	struct rust_map rust;
};

void job_result_release(struct job_result *j);
/* Worst outcome of the job: fail if any stage or case failed, and so on. */
enum bm_status job_result_status(const struct job_result *j);

#endif
