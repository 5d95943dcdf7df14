/* The history module's private parts, shared by store.c (schema, runs, saving jobs) and
 * store_query.c (reading jobs and runs back): the connection and its lock, statement
 * finalisation, and the bind and column helpers. Only these two files include it; SQLite stays
 * inside the store module. */
#ifndef BM_STORE_PRIVATE_H
#define BM_STORE_PRIVATE_H

#include <limits.h>
#include <math.h>
#include <pthread.h>

#include <sqlite3.h>

#include "err.h"
#include "result.h"
#include "store.h"
#include "util.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;	/* one transaction at a time on db */
};

static inline struct store *store_lock(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	return s;
}

static inline void store_unlockp(struct store **s)
{
	if (*s)
		pthread_mutex_unlock(&(*s)->lock);
}

/* Declared first in a function, so that statements are finalized before the unlock. */
#define STORE_LOCKED(s) \
	_cleanup_(store_unlockp) __attribute__((unused)) struct store *store_locked_ = store_lock(s)

static inline void stmt_finalizep(sqlite3_stmt **st)
{
	sqlite3_finalize(*st);
}

#define _cleanup_stmt_ _cleanup_(stmt_finalizep)

/* Set err from the connection's last error, with an optional context. */
static inline int store_fail(struct store *s, struct bm_err **err, const char *ctx)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : "out of memory";

	if (ctx)
		return bm_err_set(err, BM_ERR_SYSTEM, "%s: %s", ctx, msg);
	return bm_err_set(err, BM_ERR_SYSTEM, "%s", msg);
}

static inline int store_exec(struct store *s, const char *sql, const char *ctx,
			     struct bm_err **err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, ctx);
	return 0;
}

static inline int store_prepare(struct store *s, const char *sql, sqlite3_stmt **ret,
			 struct bm_err **err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, err, NULL);
	*ret = st;
	return 0;
}

/* Step a statement that returns no rows, and reset it for the next use. */
static inline int store_step_done(struct store *s, sqlite3_stmt *st, struct bm_err **err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, NULL);
	return 0;
}

/* Step a query: 1 for a row, 0 at the end, -1 with err set. */
static inline int store_step_row(struct store *s, sqlite3_stmt *st, struct bm_err **err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, err, NULL);
}

/* Finish a transaction begun by the caller: commit if r is 0, else roll back. */
static inline int store_end(struct store *s, int r, struct bm_err **err)
{
	if (r == 0 && store_exec(s, "COMMIT", "committing", err) == 0)
		return 0;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Binding helpers: each returns an SQLite result code; callers OR them together, since
 * SQLITE_OK is 0 and any failure (out of range, too big) is a bug or an absurd value. */
static inline int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static inline int bind_status(sqlite3_stmt *st, int i, enum bm_status v)
{
	return sqlite3_bind_text(st, i, bm_status_name(v), -1, SQLITE_STATIC);
}

static inline int bind_kind(sqlite3_stmt *st, int i, enum suite_kind v)
{
	return sqlite3_bind_text(st, i, suite_kind_name(v), -1, SQLITE_STATIC);
}

static inline int bind_seconds(sqlite3_stmt *st, int i, double v)
{
	/* SQLite stores NaN as NULL, which the NOT NULL columns refuse. */
	return sqlite3_bind_double(st, i, isfinite(v) ? v : 0.0);
}

static inline int bind_count(sqlite3_stmt *st, int i, unsigned v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static inline int bind_check(int rc, struct bm_err **err)
{
	if (rc == SQLITE_OK)
		return 0;
	return bm_err_set(err, BM_ERR_SYSTEM, "binding a value: %s", sqlite3_errstr(rc));
}

static inline char *column_str(sqlite3_stmt *st, int i)
{
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static inline unsigned column_count(sqlite3_stmt *st, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : (sqlite3_uint64)v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

static inline int column_status(sqlite3_stmt *st, int i, enum bm_status *ret, struct bm_err **err)
{
	const char *w = (const char *)sqlite3_column_text(st, i);
	int v = w ? bm_status_parse(w) : -1;

	if (v < 0)
		return bm_err_set(err, BM_ERR_INPUT, "unknown status '%s' in column '%s'",
				  w ? w : "(null)", sqlite3_column_name(st, i));
	*ret = (enum bm_status)v;
	return 0;
}

static inline int column_kind(sqlite3_stmt *st, int i, enum suite_kind *ret, struct bm_err **err)
{
	const char *w = (const char *)sqlite3_column_text(st, i);
	int v = w ? suite_kind_parse(w) : -1;

	if (v < 0)
		return bm_err_set(err, BM_ERR_INPUT, "unknown suite kind '%s' in column '%s'",
				  w ? w : "(null)", sqlite3_column_name(st, i));
	*ret = (enum suite_kind)v;
	return 0;
}

/* 1 when run_id is in the history, 0 when not, -1 with err (the caller holds the lock). */
int store_run_known(struct store *s, const char *run_id, struct bm_err **err);
/* BM_ERR_INPUT "no such run" unless run_id is in the history (the caller holds the lock). */
int store_run_exists(struct store *s, const char *run_id, struct bm_err **err);

#endif
