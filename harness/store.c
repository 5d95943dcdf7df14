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

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;	/* one transaction at a time on db */
};

static struct store *store_lock(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	return s;
}

static void store_unlockp(struct store **s)
{
	if (*s)
		pthread_mutex_unlock(&(*s)->lock);
}

/* Declared first in a function, so that statements are finalized before the unlock. */
#define STORE_LOCKED(s) \
	_cleanup_(store_unlockp) __attribute__((unused)) struct store *store_locked_ = store_lock(s)

static void stmt_finalizep(sqlite3_stmt **st)
{
	sqlite3_finalize(*st);
}

#define _cleanup_stmt_ _cleanup_(stmt_finalizep)

/* Set err from the connection's last error, with an optional context. */
static int store_fail(struct store *s, struct bm_err **err, const char *ctx)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : "out of memory";

	if (ctx)
		return bm_err_set(err, BM_ERR_SYSTEM, "%s: %s", ctx, msg);
	return bm_err_set(err, BM_ERR_SYSTEM, "%s", msg);
}

static int store_exec(struct store *s, const char *sql, const char *ctx, struct bm_err **err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, ctx);
	return 0;
}

static int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret,
			 struct bm_err **err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, err, NULL);
	*ret = st;
	return 0;
}

/* Step a statement that returns no rows, and reset it for the next use. */
static int store_step_done(struct store *s, sqlite3_stmt *st, struct bm_err **err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, NULL);
	return 0;
}

/* Step a query: 1 for a row, 0 at the end, -1 with err set. */
static int store_step_row(struct store *s, sqlite3_stmt *st, struct bm_err **err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, err, NULL);
}

/* Finish a transaction begun by the caller: commit if r is 0, else roll back. */
static int store_end(struct store *s, int r, struct bm_err **err)
{
	if (r == 0 && store_exec(s, "COMMIT", "committing", err) == 0)
		return 0;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Binding helpers: each returns an SQLite result code; callers OR them together, since
 * SQLITE_OK is 0 and any failure (out of range, too big) is a bug or an absurd value. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_status(sqlite3_stmt *st, int i, enum bm_status v)
{
	return sqlite3_bind_text(st, i, bm_status_name(v), -1, SQLITE_STATIC);
}

static int bind_kind(sqlite3_stmt *st, int i, enum suite_kind v)
{
	return sqlite3_bind_text(st, i, suite_kind_name(v), -1, SQLITE_STATIC);
}

static int bind_seconds(sqlite3_stmt *st, int i, double v)
{
	/* SQLite stores NaN as NULL, which the NOT NULL columns refuse. */
	return sqlite3_bind_double(st, i, isfinite(v) ? v : 0.0);
}

static int bind_count(sqlite3_stmt *st, int i, unsigned v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static int bind_check(int rc, struct bm_err **err)
{
	if (rc == SQLITE_OK)
		return 0;
	return bm_err_set(err, BM_ERR_SYSTEM, "binding a value: %s", sqlite3_errstr(rc));
}

static char *column_str(sqlite3_stmt *st, int i)
{
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static unsigned column_count(sqlite3_stmt *st, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : (sqlite3_uint64)v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

static int column_status(sqlite3_stmt *st, int i, enum bm_status *ret, struct bm_err **err)
{
	const char *w = (const char *)sqlite3_column_text(st, i);
	int v = w ? bm_status_parse(w) : -1;

	if (v < 0)
		return bm_err_set(err, BM_ERR_INPUT, "unknown status '%s' in column '%s'",
				  w ? w : "(null)", sqlite3_column_name(st, i));
	*ret = (enum bm_status)v;
	return 0;
}

static int column_kind(sqlite3_stmt *st, int i, enum suite_kind *ret, struct bm_err **err)
{
	const char *w = (const char *)sqlite3_column_text(st, i);
	int v = w ? suite_kind_parse(w) : -1;

	if (v < 0)
		return bm_err_set(err, BM_ERR_INPUT, "unknown suite kind '%s' in column '%s'",
				  w ? w : "(null)", sqlite3_column_name(st, i));
	*ret = (enum suite_kind)v;
	return 0;
}

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
static int store_run_known(struct store *s, const char *run_id, struct bm_err **err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (store_prepare(s, "SELECT 1 FROM runs WHERE id = ?1", &st, err) < 0 ||
	    bind_check(bind_text(st, 1, run_id), err) < 0)
		return -1;
	return store_step_row(s, st, err);
}

static int store_run_exists(struct store *s, const char *run_id, struct bm_err **err)
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
