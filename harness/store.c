/* The run history in SQLite. The only module that includes sqlite3.h. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "store.h"
#include "store_private.h"
#include "util.h"

/* Writers wait this long for another process's transaction before failing. */
#define STORE_BUSY_TIMEOUT_MS 30000

/* migrations[v] turns schema version v into v + 1; the last index + 1 is the current version,
 * stored in PRAGMA user_version. Never edit a released entry: append a new one. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE runs (\n"
	"	id TEXT NOT NULL PRIMARY KEY,\n"
	"	plan TEXT NOT NULL,\n"
	"	started TEXT NOT NULL,\n"	/* ISO 8601 */
	"	finished TEXT,\n"	/* NULL while running or after a crash */
	"	host TEXT\n"
	");\n"
	"CREATE INDEX runs_by_started ON runs (started);\n"
	"CREATE TABLE jobs (\n"
	"	run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"	job_id TEXT NOT NULL,\n"
	"	arch TEXT, toolchain TEXT, kernel TEXT, config TEXT,\n"
	"	build_status TEXT NOT NULL, build_seconds REAL NOT NULL, build_detail TEXT,\n"
	"	boot_status TEXT NOT NULL, boot_seconds REAL NOT NULL, boot_detail TEXT,\n"
	"	kunit_pass INTEGER NOT NULL, kunit_fail INTEGER NOT NULL,\n"
	"	kunit_skip INTEGER NOT NULL, kunit_crash INTEGER NOT NULL,\n"
	"	manifest TEXT, qemu_version TEXT, libvirt_version TEXT, machine TEXT, log_dir TEXT,\n"
	"	PRIMARY KEY (run_id, job_id)\n"
	");\n"
	"CREATE INDEX jobs_by_job_id ON jobs (job_id);\n"
	/* Suites have their own rows: a suite may have no leaves (it crashed before any). */
	"CREATE TABLE suites (\n"
	"	run_id TEXT NOT NULL, job_id TEXT NOT NULL,\n"
	"	seq INTEGER NOT NULL,\n"	/* position in the job's results */
	"	name TEXT NOT NULL, status TEXT NOT NULL,\n"
	"	pass INTEGER NOT NULL, fail INTEGER NOT NULL, skip INTEGER NOT NULL,\n"
	"	crash INTEGER NOT NULL,\n"
	"	PRIMARY KEY (run_id, job_id, seq),\n"
	"	FOREIGN KEY (run_id, job_id) REFERENCES jobs (run_id, job_id) ON DELETE CASCADE\n"
	");\n"
	/* suite and suite_status repeat the suite's row so that cases can be queried alone. */
	"CREATE TABLE cases (\n"
	"	run_id TEXT NOT NULL, job_id TEXT NOT NULL,\n"
	"	suite_seq INTEGER NOT NULL, seq INTEGER NOT NULL,\n"
	"	suite TEXT NOT NULL, suite_status TEXT NOT NULL,\n"
	"	name TEXT NOT NULL, status TEXT NOT NULL, detail TEXT,\n"
	"	PRIMARY KEY (run_id, job_id, suite_seq, seq),\n"
	"	FOREIGN KEY (run_id, job_id, suite_seq) REFERENCES suites (run_id, job_id, seq)\n"
	"	  ON DELETE CASCADE\n"
	");\n"
	"CREATE INDEX cases_by_name ON cases (suite, name);\n",
	/* 1 -> 2: kselftest targets are suites too; kind is suite_kind_name(). */
	"ALTER TABLE suites ADD COLUMN kind TEXT NOT NULL DEFAULT 'kunit';\n",
	/* 2 -> 3: a case that failed and passed when the job was booted again. */
	"ALTER TABLE cases ADD COLUMN flaky INTEGER NOT NULL DEFAULT 0;\n",
	/* 3 -> 4: the remote host that booted the job, and how often it was re-queued because
	 * a host died under it. */
	"ALTER TABLE jobs ADD COLUMN boot_host TEXT;\n"
	"ALTER TABLE jobs ADD COLUMN requeued INTEGER NOT NULL DEFAULT 0;\n",
	/* 4 -> 5: the Rust map: each Rust test option of the job's kernel and its verdict. */
	"CREATE TABLE rust_options (\n"
	"	run_id TEXT NOT NULL, job_id TEXT NOT NULL,\n"
	"	seq INTEGER NOT NULL,\n"
	"	name TEXT NOT NULL, want TEXT NOT NULL, got TEXT NOT NULL,\n"
	"	fate TEXT NOT NULL,\n"	/* rust_opt_fate_name() */
	"	reason TEXT, depends TEXT, file TEXT,\n"
	"	PRIMARY KEY (run_id, job_id, seq),\n"
	"	FOREIGN KEY (run_id, job_id) REFERENCES jobs (run_id, job_id) ON DELETE CASCADE\n"
	");\n",
	/* 5 -> 6: the run's selection of the plan's jobs (run --arch, --shard), for --resume. */
	"ALTER TABLE runs ADD COLUMN arches TEXT;\n"	/* comma-separated, NULL: all */
	"ALTER TABLE runs ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE runs ADD COLUMN shards INTEGER NOT NULL DEFAULT 0;\n",
};
#define STORE_SCHEMA_VERSION ((int)ARRAY_SIZE(migrations))

static int store_user_version(struct store *s, int *ret, struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (store_prepare(s, "PRAGMA user_version", &st, err) < 0 ||
	    store_step_row(s, st, err) < 0)
		return -1;
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

static int store_set_wal(struct store *s, struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	const char *mode;
	int r;

	if (store_prepare(s, "PRAGMA journal_mode = WAL", &st, err) < 0)
		return -1;
	r = store_step_row(s, st, err);
	if (r < 0)
		return -1;
	mode = r ? (const char *)sqlite3_column_text(st, 0) : NULL;
	/* An in-memory database (":memory:", for tests) has no WAL and needs none. */
	if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0))
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot switch to WAL mode (journal mode is '%s')",
				  mode ? mode : "unknown");
	return 0;
}

/* Create or upgrade the schema. Runs in a write transaction so that two processes opening a new
 * file at once do not both create it. */
static int store_migrate_locked(struct store *s, struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int version;

	if (store_user_version(s, &version, err) < 0)
		return -1;
	if (version > STORE_SCHEMA_VERSION)
		return bm_err_set(err, BM_ERR_INPUT,
				  "schema version %d is newer than this bootmatrix supports (%d)",
				  version, STORE_SCHEMA_VERSION);
	if (version == 0) {
		/* Refuse to add tables to somebody else's database. */
		if (store_prepare(s, "SELECT count(*) FROM sqlite_master", &st, err) < 0 ||
		    store_step_row(s, st, err) < 0)
			return -1;
		if (sqlite3_column_int(st, 0) != 0)
			return bm_err_set(err, BM_ERR_INPUT, "not a bootmatrix database");
	}
	for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
		char pragma[64];

		if (store_exec(s, migrations[v], "creating schema", err) < 0)
			return -1;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, pragma, "creating schema", err) < 0)
			return -1;
	}
	return 0;
}

/* As store_open; *ret_rc is SQLite's primary result code of a failure (SQLITE_OK otherwise), so
 * that a file that is no database or a damaged one can be told from other trouble. */
static int store_open_rc(const char *path, struct store **ret, int *ret_rc, struct bm_err **err)
{
	_cleanup_(store_freep) struct store *s = xcalloc(1, sizeof(*s));
	int r;

	*ret_rc = SQLITE_OK;
	pthread_mutex_init(&s->lock, NULL);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(s->db, 1);
	if (sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    store_exec(s, "PRAGMA foreign_keys = ON", NULL, err) < 0 ||
	    store_exec(s, "BEGIN IMMEDIATE", NULL, err) < 0)
		goto fail;
	r = store_migrate_locked(s, err);
	/* WAL only after the checks: never change the journal of somebody else's database. */
	if (store_end(s, r, err) < 0 || store_set_wal(s, err) < 0)
		goto fail;
	*ret = s;
	s = NULL;
	return 0;
fail:
	*ret_rc = s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_NOMEM;
	if (err && !*err)
		store_fail(s, err, NULL);
	return -1;
}

int store_open(const char *path, struct store **ret, struct bm_err **err)
{
	int rc;

	return store_open_rc(path, ret, &rc, err);
}

int store_open_recover(const char *path, struct store **ret, char **ret_moved_to,
		       struct bm_err **err)
{
	struct bm_err *first = NULL;
	_cleanup_free_ char *stamp = NULL, *to = NULL;
	int rc;

	*ret_moved_to = NULL;
	if (store_open_rc(path, ret, &rc, &first) == 0)
		return 0;
	if (rc != SQLITE_NOTADB && rc != SQLITE_CORRUPT) {
		if (err && !*err)
			*err = first;
		else
			bm_err_free(first);
		return -1;
	}
	stamp = now_iso8601();
	for (char *c = stamp; *c; c++)
		if (*c == ':')
			*c = '-';
	to = xasprintf("%s.corrupt-%s", path, stamp);
	if (rename(path, to) < 0) {
		bm_err_free(first);
		return bm_err_errno(err, errno, "history '%s' is damaged and cannot be moved aside", path);
	}
	/* the journal files belong to the damaged database */
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *side = xasprintf("%s%s", path, i ? "-shm" : "-wal");
		_cleanup_free_ char *side_to = xasprintf("%s%s", to, i ? "-shm" : "-wal");

		(void)rename(side, side_to);
	}
	bm_err_free(first);
	if (store_open(path, ret, err) < 0)
		return -1;
	*ret_moved_to = to;
	to = NULL;
	return 0;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	/* Closing the last connection checkpoints the WAL into the database file. */
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void store_freep(struct store **s)
{
	store_free(*s);
	*s = NULL;
}

/* 1 if the run is in the history, 0 if not, -1 with err set. */
int store_run_known(struct store *s, const char *run_id, struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (store_prepare(s, "SELECT 1 FROM runs WHERE id = ?1", &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id), err) < 0)
		return -1;
	return store_step_row(s, st, err);
}

int store_run_exists(struct store *s, const char *run_id, struct bm_err **err)
{
	int r = store_run_known(s, run_id, err);

	if (r == 0)
		return bm_err_set(err, BM_ERR_INPUT, "no such run");
	return r < 0 ? -1 : 0;
}

int store_run_insert(struct store *s, const char *run_id, const char *plan, const char *started,
		     const char *host, struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int rc;

	if (store_prepare(s, "INSERT INTO runs (id, plan, started, host) VALUES (?1, ?2, ?3, ?4)",
			  &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id) | bind_text(st, 2, plan) |
		       bind_text(st, 3, started) | bind_text(st, 4, host), err) < 0)
		return bm_err_prefix(err, "inserting run '%s'", run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return bm_err_set(err, BM_ERR_INPUT, "inserting run '%s': already exists", run_id);
	if (rc != SQLITE_DONE) {
		store_fail(s, err, NULL);
		return bm_err_prefix(err, "inserting run '%s'", run_id);
	}
	return 0;
}

int store_run_finish(struct store *s, const char *run_id, const char *finished,
		     struct bm_err **err)
{
	STORE_LOCKED(s);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (store_prepare(s, "UPDATE runs SET finished = ?2 WHERE id = ?1", &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id) | bind_text(st, 2, finished), err) < 0 ||
	    store_step_done(s, st, err) < 0)
		return bm_err_prefix(err, "finishing run '%s'", run_id);
	if (sqlite3_changes(s->db) == 0)
		return bm_err_set(err, BM_ERR_INPUT, "finishing run '%s': no such run", run_id);
	return 0;
}

/* The job's Rust map, one row per option. */
static int store_job_save_rust(struct store *s, const char *run_id, const struct job_result *j,
			       struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (!j->rust.n)
		return 0;
	if (store_prepare(s,
			  "INSERT INTO rust_options (run_id, job_id, seq, name, want, got, fate,"
			  " reason, depends, file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			  &st, err) < 0)
		return -1;
	for (size_t i = 0; i < j->rust.n; i++) {
		const struct rust_opt *o = &j->rust.opts[i];
		char want[2] = { o->want, 0 }, got[2] = { o->got, 0 };

		if (bind_check(bind_text(st, 1, run_id) | bind_text(st, 2, j->id) |
			       sqlite3_bind_int64(st, 3, (sqlite3_int64)i) | bind_text(st, 4, o->name) |
			       bind_text(st, 5, want) | bind_text(st, 6, got) |
			       bind_text(st, 7, rust_opt_fate_name(o->fate)) |
			       bind_text(st, 8, o->reason) | bind_text(st, 9, o->depends) |
			       bind_text(st, 10, o->file), err) < 0 ||
		    store_step_done(s, st, err) < 0)
			return bm_err_prefix(err, "Rust option '%s'", o->name);
	}
	return 0;
}

static int store_job_save_locked(struct store *s, const char *run_id, const struct job_result *j,
				 struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *del = NULL, *job = NULL, *suite = NULL, *tcase = NULL;

	if (store_run_exists(s, run_id, err) < 0)
		return -1;
	/* Cascades to the job's suites and cases. */
	if (store_prepare(s, "DELETE FROM jobs WHERE run_id = ?1 AND job_id = ?2", &del, err) < 0 ||
	    bind_check(bind_text(del, 1, run_id) | bind_text(del, 2, j->id), err) < 0 ||
	    store_step_done(s, del, err) < 0)
		return -1;

	if (store_prepare(s,
			  "INSERT INTO jobs (run_id, job_id, arch, toolchain, kernel, config,"
			  " build_status, build_seconds, build_detail,"
			  " boot_status, boot_seconds, boot_detail,"
			  " kunit_pass, kunit_fail, kunit_skip, kunit_crash,"
			  " manifest, qemu_version, libvirt_version, machine, log_dir, boot_host, requeued)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
			  " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
			  &job, err) < 0)
		return -1;
	if (bind_check(bind_text(job, 1, run_id) | bind_text(job, 2, j->id) |
		       bind_text(job, 3, j->arch) | bind_text(job, 4, j->toolchain) |
		       bind_text(job, 5, j->kernel) | bind_text(job, 6, j->config) |
		       bind_status(job, 7, j->build.status) |
		       bind_seconds(job, 8, j->build.seconds) |
		       bind_text(job, 9, j->build.detail) |
		       bind_status(job, 10, j->boot.status) |
		       bind_seconds(job, 11, j->boot.seconds) |
		       bind_text(job, 12, j->boot.detail) |
		       bind_count(job, 13, j->kunit.pass) | bind_count(job, 14, j->kunit.fail) |
		       bind_count(job, 15, j->kunit.skip) | bind_count(job, 16, j->kunit.crash) |
		       bind_text(job, 17, j->manifest) | bind_text(job, 18, j->qemu_version) |
		       bind_text(job, 19, j->libvirt_version) | bind_text(job, 20, j->machine) |
		       bind_text(job, 21, j->log_dir) | bind_text(job, 22, j->host) |
		       bind_count(job, 23, j->requeued), err) < 0 ||
	    store_step_done(s, job, err) < 0 || store_job_save_rust(s, run_id, j, err) < 0)
		return -1;

	if (j->kunit.n_suites == 0)
		return 0;
	if (store_prepare(s,
			  "INSERT INTO suites (run_id, job_id, seq, name, status,"
			  " pass, fail, skip, crash, kind)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &suite, err) < 0 ||
	    store_prepare(s,
			  "INSERT INTO cases (run_id, job_id, suite_seq, seq, suite, suite_status,"
			  " name, status, detail, flaky)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &tcase, err) < 0)
		return -1;
	for (size_t i = 0; i < j->kunit.n_suites; i++) {
		const struct test_suite *ts = &j->kunit.suites[i];

		if (bind_check(bind_text(suite, 1, run_id) | bind_text(suite, 2, j->id) |
			       sqlite3_bind_int64(suite, 3, (sqlite3_int64)i) |
			       bind_text(suite, 4, ts->name) | bind_status(suite, 5, ts->status) |
			       bind_count(suite, 6, ts->pass) | bind_count(suite, 7, ts->fail) |
			       bind_count(suite, 8, ts->skip) | bind_count(suite, 9, ts->crash) |
			       bind_kind(suite, 10, ts->kind), err) < 0 ||
		    store_step_done(s, suite, err) < 0)
			return bm_err_prefix(err, "suite '%s'", ts->name ? ts->name : "(null)");
		for (size_t k = 0; k < ts->n_cases; k++) {
			const struct test_case *tc = &ts->cases[k];

			if (bind_check(bind_text(tcase, 1, run_id) | bind_text(tcase, 2, j->id) |
				       sqlite3_bind_int64(tcase, 3, (sqlite3_int64)i) |
				       sqlite3_bind_int64(tcase, 4, (sqlite3_int64)k) |
				       bind_text(tcase, 5, ts->name) |
				       bind_status(tcase, 6, ts->status) |
				       bind_text(tcase, 7, tc->name) |
				       bind_status(tcase, 8, tc->status) |
				       bind_text(tcase, 9, tc->detail) |
				       sqlite3_bind_int(tcase, 10, tc->flaky), err) < 0 ||
			    store_step_done(s, tcase, err) < 0)
				return bm_err_prefix(err, "case '%s.%s'",
						     ts->name ? ts->name : "(null)",
						     tc->name ? tc->name : "(null)");
		}
	}
	return 0;
}

int store_job_save(struct store *s, const char *run_id, const struct job_result *j,
		   struct bm_err **err)
{
	STORE_LOCKED(s);
	int r;

	if (!j->id)
		return bm_err_set(err, BM_ERR_INPUT, "saving a job of run '%s': the job has no id",
				  run_id);
	/* IMMEDIATE: take the write lock now, so the busy timeout applies (a deferred transaction
	 * that later needs to write fails at once instead of waiting). */
	if (store_exec(s, "BEGIN IMMEDIATE", NULL, err) < 0)
		r = -1;
	else
		r = store_end(s, store_job_save_locked(s, run_id, j, err), err);
	if (r < 0)
		return bm_err_prefix(err, "saving job '%s' of run '%s'", j->id, run_id);
	return 0;
}

