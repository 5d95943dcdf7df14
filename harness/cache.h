/* What the cache ($BOOTMATRIX_CACHE) holds and what can go: kernel build directories, extracted
 * kernel sources, toolchain roots, toolchain components (component.h), each toolchain's compiler
 * cache (ccache, bounded by ccache itself: build.h) and bisect worktrees, each with its size on
 * disk and when a run last used it. Pruning removes builds, sources, components, compiler caches
 * and bisect worktrees a run has not used for a while; toolchain roots stay (few, and slow to
 * make again). */
#ifndef BM_CACHE_H
#define BM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct bm_err;

enum cache_kind { CACHE_BUILD, CACHE_SOURCE, CACHE_TOOLCHAIN, CACHE_COMPONENT, CACHE_CCACHE,
		  CACHE_BISECT };

struct cache_entry {
	enum cache_kind kind;
	char *name;		/* its directory's name */
	char *path;
	uint64_t bytes;		/* disk usage, as du counts it (hard links once) */
	time_t used;		/* last use by a run (cache_mark_used), else when the directory
				 * last changed (mtime or ctime) */
};

/* "build", "source", "toolchain", "component", "ccache", "bisect". */
const char *cache_kind_name(enum cache_kind k);

/* Everything under cache, by kind then name. A missing cache is empty, not an error. *ret is
 * the caller's to free with cache_entries_free(*ret, *ret_n). */
int cache_scan(const char *cache, struct cache_entry **ret, size_t *ret_n, struct bm_err **err);
void cache_entries_free(struct cache_entry *v, size_t n);

/* Whether e goes when pruning what was not used since cutoff (toolchains never do). */
int cache_prunable(const struct cache_entry *e, time_t cutoff);

/* Remove e's directory and everything below it, and its lock file, unless a run holds its lock:
 * then 1 and nothing is removed. 0 removed, -1 error. */
int cache_remove(const struct cache_entry *e, struct bm_err **err);

/* Whether a run holds e's lock now (what cache_remove would keep), touching nothing: for
 * --dry-run. */
bool cache_in_use(const struct cache_entry *e);

/* Make sure the cache directory can be trusted before anything is built or run from it: created
 * (mode 0700) when missing, else it must be a directory owned by the user running bootmatrix and
 * writable by nobody else (group and others could otherwise swap toolchains or kernels under a
 * root build). -1 with a BM_ERR_INPUT error saying what is wrong and how to fix it. */
int cache_dir_check(const char *cache, struct bm_err **err);

/* Locks between bootmatrix processes sharing a cache (docs/design.md, "What is locked"): flock on
 * the file DIR.lock beside a cache entry DIR (a build directory, a source tree, a private apt).
 * Shared while a run reads or uses DIR, exclusive while one writes it; prune removes only what it
 * can lock exclusively at once. Lock files are removed only by their holder (prune), which is why
 * a lock is taken again when the file it was taken on is gone by then. */
enum cache_lock_mode { CACHE_LOCK_SHARED, CACHE_LOCK_EXCLUSIVE };

/* Lock dir in mode, waiting while another process holds it in a conflicting mode (progress, may
 * be NULL, hears once that it waits). On success *ret_fd holds the lock: closing it unlocks.
 * -1 when the lock file cannot be made, or on proc_interrupt() (BM_ERR_SYSTEM "interrupted"). */
int cache_lock(const char *dir, enum cache_lock_mode mode, void (*progress)(const char *msg),
	       int *ret_fd, struct bm_err **err);
/* cache_lock without waiting: 0 locked (*ret_fd), 1 another process holds it, -1 error. */
int cache_trylock(const char *dir, enum cache_lock_mode mode, int *ret_fd, struct bm_err **err);
/* The lock fd (from cache_lock on dir) changed to mode, waiting as cache_lock. Not atomic: from
 * exclusive to shared nobody can come in between, from shared to exclusive someone may. */
int cache_relock(int fd, const char *dir, enum cache_lock_mode mode,
		 void (*progress)(const char *msg), struct bm_err **err);

/* Record that a run uses dir now (a ".bm-used" file whose mtime is the last use). Best effort:
 * a symlink or a FIFO there (a build directory is the untrusted build's to write) is left alone,
 * never followed or waited on. */
#define CACHE_USED_STAMP ".bm-used"
void cache_mark_used(const char *dir);

#endif
