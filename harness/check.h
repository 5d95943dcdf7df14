/* What decides good or bad for bisect and `check`: build, boot, KUnit and kselftest suites or
 * cases, combined. Pure. */
#ifndef BM_CHECK_H
#define BM_CHECK_H

#include <stddef.h>

#include "result.h"

struct bm_err;

enum check_kind { CHECK_BUILD, CHECK_BOOT, CHECK_SUITE };

struct check_item {
	enum check_kind kind;
	enum suite_kind suite_kind;	/* CHECK_SUITE */
	char *suite;
	char *name;			/* a case, NULL for the whole suite */
};

struct check {
	struct check_item *items;
	size_t n;
};

enum verdict {
	VERDICT_GOOD,
	VERDICT_BAD,
	VERDICT_SKIP,	/* untestable: a build failure the check is not about */
	VERDICT_RETRY,	/* infrastructure trouble or a flaky result: test the same thing again */
};

/* "build", "boot", "kunit:SUITE", "kunit:SUITE.CASE", "kselftest:TARGET[.CASE]", joined by
 * commas. A suite's cases may hold dots: the first dot splits suite from case. */
/* On success the caller's *ret holds heap-allocated items, freed by check_release. */
int check_parse(const char *spec, struct check *ret, struct bm_err **err);
void check_release(struct check *c);

/* The verdict on one job's results, and why (one line, caller frees). */
enum verdict check_decide(const struct check *c, const struct job_result *jr, char **ret_why);
/* For a toolchain bisect: whether the job's toolchain could not build the tree's Rust at all
 * (stage.rust_unavailable): it cannot test the tree, so its verdict is a skip, never a bad.
 * true then, with *v = VERDICT_SKIP and *why (replaced) saying so in make rustavailable's
 * words. */
bool check_below_minimum(const struct job_result *jr, enum verdict *v, char **why);
const char *verdict_name(enum verdict v);	/* "good", "bad", "skip", "retry" */

#endif
