/* Bisection: the kernel commit, or the toolchain, that broke a check. */
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

void bisect_result_release(struct bisect_result *r);

/* git bisect in a worktree of the cache, one incremental build directory; resumable: run the
 * same command again after an interruption and it goes on from where git bisect stands. */
int bisect_kernel(const struct bisect_opts *o, struct bisect_result *ret, struct bm_err **err);
/* Binary search over o->toolchains (the first assumed good, the last bad). */
int bisect_toolchain(const struct bisect_opts *o, struct bisect_result *ret, struct bm_err **err);

#endif
