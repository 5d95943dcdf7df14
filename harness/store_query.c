/* Reading the history back: a run's jobs with their suites, cases and Rust maps, runs and
 * their selection, the previous run of a plan, flake rates, job ids, the newest run. */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

static int store_job_read_rust(struct store *s, sqlite3_stmt *st, const char *run_id,
			       struct job_result *j, struct bm_err **err)
{
	int row;

	sqlite3_reset(st);
	if (bind_check(bind_text(st, 1, run_id) | bind_text(st, 2, j->id), err) < 0)
		return -1;
	while ((row = store_step_row(s, st, err)) > 0) {
		_cleanup_free_ char *want = column_str(st, 1), *got = column_str(st, 2);
		_cleanup_free_ char *fate = column_str(st, 3);
		int f = rust_opt_fate_parse(fate);
		struct rust_opt *o;

		if (f < 0)
			return bm_err_set(err, BM_ERR_SYSTEM, "unknown Rust option verdict '%s'", fate);
		j->rust.opts = xrealloc(j->rust.opts, (j->rust.n + 1) * sizeof(*j->rust.opts));
		o = &j->rust.opts[j->rust.n++];
		*o = (struct rust_opt){ .name = column_str(st, 0), .want = want && *want ? *want : 'y',
					.got = got && *got ? *got : 'n', .fate = f,
					.reason = column_str(st, 4), .depends = column_str(st, 5),
					.file = column_str(st, 6) };
	}
	return row;
}

struct job_list {
	struct job_result *v;
	size_t n, cap;
};

static void job_list_release(struct job_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		job_result_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int store_job_read_suites(struct store *s, sqlite3_stmt *suites, sqlite3_stmt *cases,
				 const char *run_id, struct job_result *j, struct bm_err **err)
{
	struct test_results *r = &j->kunit;
	_cleanup_free_ size_t *caps = NULL;
	int row;

	if (bind_check(bind_text(suites, 1, run_id) | bind_text(suites, 2, j->id), err) < 0)
		return -1;
	while ((row = store_step_row(s, suites, err)) > 0) {
		struct test_suite *ts;

		/* Saved as 0, 1, 2...: seq is the index, which the cases refer to. */
		if (sqlite3_column_int64(suites, 0) != (sqlite3_int64)r->n_suites)
			return bm_err_set(err, BM_ERR_INPUT, "suites are not numbered 0..n");
		r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
		ts = &r->suites[r->n_suites++];
		memset(ts, 0, sizeof(*ts));
		ts->name = column_str(suites, 1);
		if (column_status(suites, 2, &ts->status, err) < 0)
			return -1;
		ts->pass = column_count(suites, 3);
		ts->fail = column_count(suites, 4);
		ts->skip = column_count(suites, 5);
		ts->crash = column_count(suites, 6);
		if (column_kind(suites, 7, &ts->kind, err) < 0)
			return -1;
	}
	sqlite3_reset(suites);
	sqlite3_clear_bindings(suites);
	if (row < 0 || r->n_suites == 0)
		return row;

	caps = xcalloc(r->n_suites, sizeof(*caps));
	if (bind_check(bind_text(cases, 1, run_id) | bind_text(cases, 2, j->id), err) < 0)
		return -1;
	while ((row = store_step_row(s, cases, err)) > 0) {
		sqlite3_int64 seq = sqlite3_column_int64(cases, 0);
		struct test_suite *ts;
		struct test_case *tc;

		if (seq < 0 || (uint64_t)seq >= r->n_suites)
			return bm_err_set(err, BM_ERR_INPUT, "a case refers to no suite");
		ts = &r->suites[seq];
		if (ts->n_cases == caps[seq]) {
			caps[seq] = caps[seq] ? 2 * caps[seq] : 8;
			ts->cases = xrealloc(ts->cases, caps[seq] * sizeof(*ts->cases));
		}
		tc = &ts->cases[ts->n_cases++];
		memset(tc, 0, sizeof(*tc));
		tc->name = column_str(cases, 1);
		tc->detail = column_str(cases, 3);
		tc->flaky = sqlite3_column_int64(cases, 4) != 0;
		if (column_status(cases, 2, &tc->status, err) < 0)
			return -1;
	}
	sqlite3_reset(cases);
	sqlite3_clear_bindings(cases);
	return row;
}

static int store_run_jobs_locked(struct store *s, const char *run_id, struct job_list *l,
				 struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *jobs = NULL, *suites = NULL, *cases = NULL, *rust = NULL;
	int row;

	if (store_run_exists(s, run_id, err) < 0)
		return -1;
	if (store_prepare(s,
			  "SELECT job_id, arch, toolchain, kernel, config,"
			  " build_status, build_seconds, build_detail,"
			  " boot_status, boot_seconds, boot_detail,"
			  " kunit_pass, kunit_fail, kunit_skip, kunit_crash,"
			  " manifest, qemu_version, libvirt_version, machine, log_dir, boot_host, requeued"
			  " FROM jobs WHERE run_id = ?1 ORDER BY job_id", &jobs, err) < 0 ||
	    store_prepare(s,
			  "SELECT seq, name, status, pass, fail, skip, crash, kind FROM suites"
			  " WHERE run_id = ?1 AND job_id = ?2 ORDER BY seq", &suites, err) < 0 ||
	    store_prepare(s,
			  "SELECT suite_seq, name, status, detail, flaky FROM cases"
			  " WHERE run_id = ?1 AND job_id = ?2 ORDER BY suite_seq, seq",
			  &cases, err) < 0 ||
	    store_prepare(s,
			  "SELECT name, want, got, fate, reason, depends, file FROM rust_options"
			  " WHERE run_id = ?1 AND job_id = ?2 ORDER BY seq", &rust, err) < 0 ||
	    bind_check(bind_text(jobs, 1, run_id), err) < 0)
		return -1;

	while ((row = store_step_row(s, jobs, err)) > 0) {
		struct job_result *j;

		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 16;
			l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		j = &l->v[l->n++];
		memset(j, 0, sizeof(*j));
		j->id = column_str(jobs, 0);
		j->arch = column_str(jobs, 1);
		j->toolchain = column_str(jobs, 2);
		j->kernel = column_str(jobs, 3);
		j->config = column_str(jobs, 4);
		j->build.seconds = sqlite3_column_double(jobs, 6);
		j->build.detail = column_str(jobs, 7);
		j->boot.seconds = sqlite3_column_double(jobs, 9);
		j->boot.detail = column_str(jobs, 10);
		j->kunit.pass = column_count(jobs, 11);
		j->kunit.fail = column_count(jobs, 12);
		j->kunit.skip = column_count(jobs, 13);
		j->kunit.crash = column_count(jobs, 14);
		j->manifest = column_str(jobs, 15);
		j->qemu_version = column_str(jobs, 16);
		j->libvirt_version = column_str(jobs, 17);
		j->machine = column_str(jobs, 18);
		j->log_dir = column_str(jobs, 19);
		j->host = column_str(jobs, 20);
		j->requeued = column_count(jobs, 21);
		if (column_status(jobs, 5, &j->build.status, err) < 0 ||
		    column_status(jobs, 8, &j->boot.status, err) < 0 ||
		    store_job_read_suites(s, suites, cases, run_id, j, err) < 0 ||
		    store_job_read_rust(s, rust, run_id, j, err) < 0)
			return bm_err_prefix(err, "job '%s'", j->id);
	}
	return row;
}

int store_run_jobs(struct store *s, const char *run_id, struct job_result **ret_jobs,
		   size_t *ret_n, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_(job_list_release) struct job_list l = { 0 };
	int r;

	/* One read transaction: a snapshot, even while another process saves jobs. */
	if (store_exec(s, "BEGIN", NULL, err) < 0)
		r = -1;
	else
		r = store_end(s, store_run_jobs_locked(s, run_id, &l, err), err);
	if (r < 0)
		return bm_err_prefix(err, "reading jobs of run '%s'", run_id);
	/* Ownership of the array and its contents moves to the caller. */
	*ret_jobs = l.v;
	*ret_n = l.n;
	memset(&l, 0, sizeof(l));
	return 0;
}

void store_run_info_release(struct store_run_info *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->plan);
	free(r->started);
	free(r->finished);
	free(r->host);
	free(r->arches);
	memset(r, 0, sizeof(*r));
}

void store_run_infos_free(struct store_run_info *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		store_run_info_release(&v[i]);
	free(v);
}

static int store_no_run(const char *run_id, struct bm_err **err)
{
	return bm_err_set(err, BM_ERR_INPUT, "no run '%s' in the history", run_id);
}

#define RUN_INFO_COLUMNS "id, plan, started, finished, host, arches, shard, shards"

static void column_run_info(sqlite3_stmt *st, struct store_run_info *r)
{
	r->id = column_str(st, 0);
	r->plan = column_str(st, 1);
	r->started = column_str(st, 2);
	r->finished = column_str(st, 3);
	r->host = column_str(st, 4);
	r->arches = column_str(st, 5);
	r->shard = column_count(st, 6);
	r->shards = column_count(st, 7);
}

int store_run_set_selection(struct store *s, const char *run_id, const char *arches,
			    unsigned shard, unsigned shards, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (store_prepare(s, "UPDATE runs SET arches = ?2, shard = ?3, shards = ?4 WHERE id = ?1",
			  &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id) | bind_text(st, 2, arches) |
		       bind_count(st, 3, shard) | bind_count(st, 4, shards), err) < 0 ||
	    store_step_done(s, st, err) < 0)
		return bm_err_prefix(err, "saving the selection of run '%s'", run_id);
	if (sqlite3_changes(s->db) != 1)
		return bm_err_set(err, BM_ERR_INPUT, "no run '%s' in the history", run_id);
	return 0;
}

int store_run_get(struct store *s, const char *run_id, struct store_run_info *ret,
		  struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r;

	if (store_prepare(s, "SELECT " RUN_INFO_COLUMNS " FROM runs WHERE id = ?1", &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id), err) < 0)
		return bm_err_prefix(err, "reading run '%s'", run_id);
	r = store_step_row(s, st, err);
	if (r < 0)
		return bm_err_prefix(err, "reading run '%s'", run_id);
	if (r == 0)
		return store_no_run(run_id, err);
	column_run_info(st, ret);
	return 0;
}

int store_runs_list(struct store *s, const char *plan, struct store_run_info **ret,
		    size_t *ret_n, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	struct store_run_info *v = NULL;
	size_t n = 0, cap = 0;
	int row;

	if (store_prepare(s, "SELECT " RUN_INFO_COLUMNS " FROM runs"
			  " WHERE ?1 IS NULL OR plan = ?1 ORDER BY started DESC, id DESC",
			  &st, err) < 0 ||
	    bind_check(bind_text(st, 1, plan), err) < 0)
		return bm_err_prefix(err, "listing runs");
	while ((row = store_step_row(s, st, err)) > 0) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		column_run_info(st, &v[n++]);
	}
	if (row < 0) {
		store_run_infos_free(v, n);
		return bm_err_prefix(err, "listing runs");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* 1 (nothing set) when the run is unknown. */
static int store_previous_run_locked(struct store *s, const char *run_id, char **ret_id,
				     struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = store_run_known(s, run_id, err);

	if (r <= 0)
		return r < 0 ? -1 : 1;
	/* Ties on started are broken by id, as in store_runs_list. */
	if (store_prepare(s,
			  "SELECT r.id FROM runs AS r, runs AS me WHERE me.id = ?1"
			  " AND r.plan = me.plan"
			  " AND (r.started < me.started OR (r.started = me.started AND r.id < me.id))"
			  " AND EXISTS (SELECT 1 FROM jobs WHERE jobs.run_id = r.id)"
			  " ORDER BY r.started DESC, r.id DESC LIMIT 1", &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id), err) < 0)
		return -1;
	r = store_step_row(s, st, err);
	if (r < 0)
		return -1;
	*ret_id = r ? column_str(st, 0) : NULL;
	return 0;
}

int store_previous_run(struct store *s, const char *run_id, char **ret_id, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_free_ char *id = NULL;
	int r;

	if (store_exec(s, "BEGIN", NULL, err) < 0)
		return bm_err_prefix(err, "finding the run before '%s'", run_id);
	r = store_previous_run_locked(s, run_id, &id, err);
	if (store_end(s, r < 0 ? -1 : 0, err) < 0)
		return bm_err_prefix(err, "finding the run before '%s'", run_id);
	if (r > 0)
		return store_no_run(run_id, err);
	*ret_id = id;
	id = NULL;
	return 0;
}

int store_case_flake_rate(struct store *s, const char *job_id, const char *suite,
			  const char *name, const char *until_run, unsigned *ret_flaky,
			  unsigned *ret_runs, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	/* DISTINCT: a name repeated in a suite is one case of the run. */
	if (store_prepare(s,
			  "SELECT count(DISTINCT run_id),"
			  " count(DISTINCT CASE WHEN flaky THEN run_id END) FROM cases"
			  " WHERE job_id = ?1 AND suite = ?2 AND name = ?3 AND (?4 IS NULL OR run_id IN"
			  " (SELECT id FROM runs WHERE started <="
			  "  (SELECT started FROM runs WHERE id = ?4)))", &st, err) < 0 ||
	    bind_check(bind_text(st, 1, job_id) | bind_text(st, 2, suite) |
		       bind_text(st, 3, name) | bind_text(st, 4, until_run), err) < 0 ||
	    store_step_row(s, st, err) < 0)
		return bm_err_prefix(err, "counting flaky runs of '%s.%s' in job '%s'", suite,
				     name, job_id);
	*ret_runs = column_count(st, 0);
	*ret_flaky = column_count(st, 1);
	return 0;
}

/* 1 (nothing set) when the run is unknown. */
static int store_job_ids_locked(struct store *s, const char *run_id, char ***ret_ids,
				struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_strv_ char **ids = xcalloc(1, sizeof(*ids));
	int row = store_run_known(s, run_id, err);

	if (row <= 0)
		return row < 0 ? -1 : 1;
	if (store_prepare(s, "SELECT job_id FROM jobs WHERE run_id = ?1 ORDER BY job_id", &st,
			  err) < 0 ||
	    bind_check(bind_text(st, 1, run_id), err) < 0)
		return -1;
	while ((row = store_step_row(s, st, err)) > 0)
		strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
	if (row < 0)
		return -1;
	*ret_ids = ids;
	ids = NULL;
	return 0;
}

int store_job_ids(struct store *s, const char *run_id, char ***ret_ids, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_strv_ char **ids = NULL;
	int r;

	if (store_exec(s, "BEGIN", NULL, err) < 0)
		return bm_err_prefix(err, "reading job ids of run '%s'", run_id);
	r = store_job_ids_locked(s, run_id, &ids, err);
	if (store_end(s, r < 0 ? -1 : 0, err) < 0)
		return bm_err_prefix(err, "reading job ids of run '%s'", run_id);
	if (r > 0)
		return store_no_run(run_id, err);
	*ret_ids = ids;
	ids = NULL;
	return 0;
}

int store_open_history(const char *results, struct store **ret, struct bm_err **err)
{
	_cleanup_free_ char *db = xasprintf("%s/history.sqlite", results ? results : "results");

	if (!path_exists(db))
		return bm_err_set(err, BM_ERR_INPUT, "no history at '%s' (run 'bootmatrix run' first)", db);
	if (store_open(db, ret, err) < 0)
		return bm_err_prefix(err, "opening '%s'", db);
	return 0;
}

int store_newest_run(struct store *s, char **ret_id, struct bm_err **err)
{
	struct store_run_info *runs = NULL;
	size_t n = 0;

	if (store_runs_list(s, NULL, &runs, &n, err) < 0)
		return -1;
	*ret_id = n ? xstrdup(runs[0].id) : NULL;
	store_run_infos_free(runs, n);
	return 0;
}
