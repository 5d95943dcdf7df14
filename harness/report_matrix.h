/* What the matrix reports (report_text.c, report_markdown.c, report_html.c) share: which suites
 * become columns, what a suite's cell says, the counts in a title. Internal to the report
 * modules; pure: no allocation but the column array, no I/O. */
#ifndef BM_REPORT_MATRIX_H
#define BM_REPORT_MATRIX_H

#include <stddef.h>

#include "result.h"

/* The columns before the suites' (for their cells: the job's fields, "-" when empty, and the
 * build and boot stages' statuses). */
#define REPORT_MATRIX_N_FIXED 7
extern const char *const report_matrix_fixed[REPORT_MATRIX_N_FIXED];

/* The version in a toolchain manifest's line key: the first word starting with a digit
 * ("rustc: rustc 1.85.1 (4eb1 ...)" gives "1.85.1"); NULL when missing. Caller frees. */
char *report_manifest_version(const char *manifest, const char *key);

struct report_matrix_col {
	enum suite_kind kind;
	const char *name;	/* borrowed from the jobs */
};

/* The suites' columns: every KUnit suite of any job, then every kselftest target, each in
 * order of first appearance, but with the Rust ones (named rust*) first, together. Returns their number; *ret_cols (caller frees; NULL when there
 * are none) borrows the names from jobs. */
size_t report_matrix_cols(const struct job_result *jobs, size_t n,
			  struct report_matrix_col **ret_cols);

/* A column's heading is this prefix and then its name: "ks:" for a kselftest target, "" for a
 * KUnit suite. */
const char *report_matrix_col_prefix(const struct report_matrix_col *col);

struct report_matrix_cell {
	const struct test_suite *suite;	/* the job's, NULL: it has none of the column's */
	/* The worst of its leaves (and its own status, as a suite can crash before reporting
	 * any leaf): BM_FAIL, BM_CRASH, BM_SKIP, else BM_PASS; BM_NONE without suite. */
	enum bm_status worst;
	/* "114/114", "3/5 F", "0/2 S": passed/leaves, then a letter for each kind of non-pass
	 * (F failed, C crashed, S skipped); "-" without suite. */
	char text[32];
};

void report_matrix_cell(const struct job_result *j, const struct report_matrix_col *col,
			struct report_matrix_cell *ret_cell);

/* The counts a report's title gives. */
struct report_totals {
	unsigned by_status[BM_CONFIG + 1];	/* jobs by job_result_status */
	unsigned pass, fail, skip, crash;	/* leaves, over all jobs */
};

void report_matrix_totals(const struct job_result *jobs, size_t n,
			  struct report_totals *ret_totals);

#endif
