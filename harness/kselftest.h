/* kselftest results the guest could not report: targets that did not build, that this kernel
 * does not have, or that could not run. Each becomes a suite of one case saying why, never a
 * silent gap in the matrix. Pure: no fork, no files. */
#ifndef BM_KSELFTEST_H
#define BM_KSELFTEST_H

#include "result.h"

/* The line the guest's /init prints when every kselftest ran: the boot ends there. */
#define KSELFTEST_SENTINEL "bootmatrix: kselftest done"

/* Give each of targets (NULL-terminated, may be NULL) a kselftest suite in r with the one case
 * case_name of status and detail why; a suite of that name already there is replaced (the newer
 * reason is the more precise: "did not build" over "could not run"). Counts are recomputed.
 * Strings are copied. */
void kselftest_results_add_targets(struct test_results *r, char *const *targets,
				   enum bm_status status, const char *case_name, const char *why);

/* Targets the kernel has but that did not build (missing) fail; targets this kernel does not
 * have at all (absent: a directory renamed or removed upstream) are skipped, saying so. arch and
 * kernel (may be NULL) name them in the reasons. */
void kselftest_results_add_unbuilt(struct test_results *r, char *const *missing,
				   char *const *absent, const char *arch, const char *kernel);

#endif
