/* Comparing two runs: what regressed, what was fixed, what is new or gone. Pure. */
#ifndef BM_COMPARE_H
#define BM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

enum compare_kind {
	CMP_REGRESSION,	/* passed (or skipped) before, fails/crashes/times out now */
	CMP_FIX,	/* failed before, passes now */
	CMP_NEW,	/* not in the older run */
	CMP_VANISHED,	/* not in the newer run */
};

struct compare_item {
	enum compare_kind kind;
	char *job;		/* the job id: arch-toolchain-source-config */
	char *arch, *toolchain;
	char *suite;		/* "build" and "boot" for the stages themselves */
	enum suite_kind suite_kind;
	char *name;		/* the case; the stage name for stages */
	enum bm_status before, after;	/* BM_NONE where absent */
	bool flaky;		/* the newer result flipped on a re-run */
};

/* Compare run a (older) with run b (newer): jobs matched by id, cases by (kind, suite, name),
 * a name repeated in a job matched in order; build and boot compared as cases of suites "build"
 * and "boot". infra on either side is neither a regression nor a fix. When a job's build or boot
 * did not pass in one run, cases (and a boot that did not run) missing from that run are not
 * reported as new or vanished: the stage's item says it. Items sorted by kind, then job, suite,
 * suite kind, name, repeats in order. *ret is NULL when *ret_n is 0; the caller frees it with
 * compare_items_free. */
void compare_runs(const struct job_result *a, size_t na, const struct job_result *b, size_t nb,
		  struct compare_item **ret, size_t *ret_n);
void compare_items_free(struct compare_item *items, size_t n);
const char *compare_kind_name(enum compare_kind k);	/* "regression", "fix", "new", "vanished" */

#endif
