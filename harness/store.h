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
/* As store_open, but a file that is no SQLite database or a damaged one is moved aside to
 * PATH.corrupt-<time> (with its -wal and -shm) and a new history is begun at path: then
 * *ret_moved_to says where the old one went (caller frees; the caller tells the user), else it
 * is NULL. Other failures are errors as for store_open. */
int store_open_recover(const char *path, struct store **ret, char **ret_moved_to,
		       struct bm_err **err);
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

/* Ids of the jobs saved for a run, sorted: a NULL-terminated vector, never NULL, that the caller
 * frees with strv_free. An unknown run is an error (BM_ERR_INPUT). */
int store_job_ids(struct store *s, const char *run_id, char ***ret_ids, struct bm_err **err);

/* A row of the runs table. finished is NULL while the run goes on (or after a crash), host may be
 * NULL. Owns its strings. */
struct store_run_info {
	char *id, *plan, *started, *finished, *host;
	/* The run's selection of its plan's jobs: arches "x86_64,arm64" (NULL: all), CI shard
	 * shard of shards (0 of 0: all). */
	char *arches;
	unsigned shard, shards;
};

void store_run_info_release(struct store_run_info *r);	/* accepts NULL */
/* Record which of its plan's jobs a run holds (see struct store_run_info), so that --resume
 * takes the same ones. */
int store_run_set_selection(struct store *s, const char *run_id, const char *arches,
			    unsigned shard, unsigned shards, struct bm_err **err);
/* Release n infos and free the array (NULL is fine). */
void store_run_infos_free(struct store_run_info *v, size_t n);

/* One run. An unknown run is BM_ERR_INPUT "no run 'ID' in the history". */
int store_run_get(struct store *s, const char *run_id, struct store_run_info *ret,
		  struct bm_err **err);
/* The runs of a plan (plan NULL: all runs), newest first: by started, then id, descending. The
 * caller frees *ret with store_run_infos_free; *ret is NULL when *ret_n is 0. */
int store_runs_list(struct store *s, const char *plan, struct store_run_info **ret,
		    size_t *ret_n, struct bm_err **err);
/* The run to compare run_id with: the newest run of the same plan that comes before it in the
 * order of store_runs_list and has at least one job. *ret_id (caller frees) is NULL when there
 * is none. An unknown run_id is an error (BM_ERR_INPUT). */
int store_previous_run(struct store *s, const char *run_id, char **ret_id, struct bm_err **err);
/* How often a case was flaky: *ret_runs counts the runs in which job job_id (exact id) has a
 * case suite.name (of any suite kind), *ret_flaky those of them where it was flaky. With
 * until_run, only runs started no later than that one count (so a run's reports say the same
 * when rendered again later); NULL: all runs. */
int store_case_flake_rate(struct store *s, const char *job_id, const char *suite,
			  const char *name, const char *until_run, unsigned *ret_flaky,
			  unsigned *ret_runs, struct bm_err **err);

/* The history of a results directory (NULL: "results"): BM_ERR_INPUT when there is none. */
int store_open_history(const char *results, struct store **ret, struct bm_err **err);
/* The newest run's id, or NULL (returning 0) when the history has no run. Caller frees. */
int store_newest_run(struct store *s, char **ret_id, struct bm_err **err);

#endif
