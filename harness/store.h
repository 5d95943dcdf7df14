/* The run history: an SQLite database of runs, jobs, suites and cases.
 *
 * One file may be shared by several processes (WAL, busy timeout); one struct store may be shared
 * by several threads (calls are serialized). Every write is one transaction: a crash leaves either
 * the old or the new state, never half a job. Status columns hold the words of bm_status_name().
 * All functions return 0 on success, -1 with *err set on failure; strings are copied. */
#ifndef BM_STORE_H
#define BM_STORE_H

#include <stddef.h>

#include "result.h"

struct bm_err;
struct store;

/* Open (or create) the database at path and create or check its schema. A database written by a
 * newer bootmatrix (higher schema version) is refused. Free with store_free. */
int store_open(const char *path, struct store **ret, struct bm_err **err);
void store_free(struct store *s);	/* accepts NULL */
void store_freep(struct store **s);

/* A new run. run_id is chosen by the caller (e.g. "20261121-180102-ab12") and must be new;
 * started is ISO 8601; host may be NULL. */
int store_run_insert(struct store *s, const char *run_id, const char *plan, const char *started,
		     const char *host, struct bm_err **err);
/* Record when the run ended. Fails if the run is unknown. */
int store_run_finish(struct store *s, const char *run_id, const char *finished,
		     struct bm_err **err);

/* Insert or replace the job j->id of run_id with all its suites and cases, in one transaction.
 * The run must exist and j->id must be set. */
int store_job_save(struct store *s, const char *run_id, const struct job_result *j,
		   struct bm_err **err);

/* All jobs of a run, sorted by job id, suites and cases in the order they were saved, read from
 * one snapshot. The caller owns *ret_jobs: job_result_release each, then free the array (NULL
 * when *ret_n is 0). An unknown run is an error (BM_ERR_INPUT); a run without jobs is not. */
int store_run_jobs(struct store *s, const char *run_id, struct job_result **ret_jobs,
		   size_t *ret_n, struct bm_err **err);

#endif
