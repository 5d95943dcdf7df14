/* Publishing a run: a run and its differences from the previous one loaded from the history, and
 * every report format (report_formats[] in report.h) written beside the run's logs. */
#ifndef BM_PUBLISH_H
#define BM_PUBLISH_H

#include <stddef.h>

#include "compare.h"
#include "report.h"
#include "result.h"

struct bm_err;
struct store;

/* A run and its differences from the previous run of the same plan, from the history. */
struct published_run {
	char *id, *plan, *started, *host;
	struct job_result *jobs;
	size_t n_jobs;
	char *previous;			/* the run compared with, NULL for none */
	struct compare_item *diff;
	size_t n_diff;
};

int publish_load(struct store *st, const char *run_id, struct published_run *ret,
		 struct bm_err **err);
/* The differences of jobs (run run_id's) from the previous run of the same plan in the history:
 * *ret_previous is that run's id (NULL, and no diff, when there is none). */
int publish_diff(struct store *st, const char *run_id, const struct job_result *jobs, size_t n,
		 char **ret_previous, struct compare_item **ret_diff, size_t *ret_n_diff,
		 struct bm_err **err);
void published_run_release(struct published_run *p);
/* The report_run_meta view of p (borrowed strings). */
struct report_run_meta publish_meta(const struct published_run *p);

/* Write every format of report_formats[] into dir under its file name (report.txt,
 * matrix.json, report.xml, report.md, kcidb.json, report.html), each atomically. */
int publish_write_all(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		      const struct compare_item *diff, size_t n_diff, const char *dir,
		      struct bm_err **err);

#endif
