/* Bisection: the kernel commit, or the toolchain, that broke a check.
 *
 * Ownership: bisect_opts and everything it points to stay the caller's and are only read. A
 * bisect_result is the caller's struct; its strings and vector are heap-allocated and freed by
 * bisect_result_release. No fd outlives a call: the history database is opened and closed
 * inside it. */
#ifndef BM_BISECT_H
#define BM_BISECT_H

#include "check.h"
#include "run.h"

struct bm_err;

struct bisect_opts {
	const char *tree;		/* the user's git tree: never checked out or written to */
	const char *good, *bad;		/* refs (kernel bisect) */
	char **toolchains;		/* ordered oldest first (toolchain bisect); NULL otherwise */
	const char *arch, *toolchain, *config;
	const struct check *check;
	const char *check_spec;		/* as the user wrote it, for the log */
	char **kselftest_targets;
	const char *results;		/* the results directory (history.sqlite) */
	const char *uri;
	unsigned jobs;
	unsigned boot_timeout, build_timeout;
	bool confirm;			/* re-boot failing steps to catch flaky results */
	void (*progress)(const char *msg);
	void (*step)(const char *line);	/* one line per decided step */
};

struct bisect_result {
	char *run_id;			/* the history's run holding the steps */
	char *first_bad;		/* commit (or toolchain) */
	char *subject;			/* commit subject (kernel bisect) */
	char *last_good;
	char *evidence;			/* lines: why the first bad is bad, the last good good */
	char **candidates;		/* when skips leave several: the commits it could be */
	unsigned steps, boots;
};

/* Frees the contents and zeroes the struct; NULL is fine. */
void bisect_result_release(struct bisect_result *r);

/* git bisect in a worktree of the cache, one incremental build directory; resumable: run the
 * same command again after an interruption and it goes on from where git bisect stands.
 * Both return 0 with *ret filled (the caller releases it), or -1 with *err set and *ret
 * untouched. */
int bisect_kernel(const struct bisect_opts *o, struct bisect_result *ret, struct bm_err **err);
/* Binary search over o->toolchains (the first assumed good, the last bad). */
int bisect_toolchain(const struct bisect_opts *o, struct bisect_result *ret, struct bm_err **err);

#endif
