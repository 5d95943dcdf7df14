/* Publishing a run: every report format rendered from the history and written beside the run's
 * logs, and one format rendered on demand (`bootmatrix report`, `bootmatrix parse --format`). */
#ifndef BM_PUBLISH_H
#define BM_PUBLISH_H

#include <stddef.h>

#include "compare.h"
#include "report.h"
#include "result.h"

struct bm_err;
struct store;

/* "text, json, junit, markdown, kcidb, html" */
extern const char *const publish_formats[];

/* Render one format. diff may be NULL. Unknown format: BM_ERR_INPUT naming the known ones. */
int publish_render(const char *format, const struct report_run_meta *meta,
		   const struct job_result *jobs, size_t n, const struct compare_item *diff,
		   size_t n_diff, char **ret, struct bm_err **err);

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

/* Write report.txt, matrix.json, report.xml (JUnit), report.md, kcidb.json and report.html
 * into dir, each atomically. */
int publish_write_all(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		      const struct compare_item *diff, size_t n_diff, const char *dir,
		      struct bm_err **err);

#endif
