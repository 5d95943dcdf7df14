/* What the cache ($BOOTMATRIX_CACHE) holds and what can go: kernel build directories, extracted
 * kernel sources, toolchain roots, toolchain components (component.h) and bisect worktrees, each
 * with its size on disk and when a run last used it. Pruning removes builds, sources, components
 * and bisect worktrees a run has not used for a while; toolchain roots stay (few, and slow to
 * make again). */
#ifndef BM_CACHE_H
#define BM_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct bm_err;

enum cache_kind { CACHE_BUILD, CACHE_SOURCE, CACHE_TOOLCHAIN, CACHE_COMPONENT, CACHE_BISECT };

struct cache_entry {
	enum cache_kind kind;
	char *name;		/* its directory's name */
	char *path;
	uint64_t bytes;		/* disk usage, as du counts it (hard links once) */
	time_t used;		/* last use by a run (cache_mark_used), else when the directory
				 * last changed (mtime or ctime) */
};

/* "build", "source", "toolchain", "component", "bisect". */
const char *cache_kind_name(enum cache_kind k);

/* Everything under cache, by kind then name. A missing cache is empty, not an error. *ret is
 * the caller's to free with cache_entries_free(*ret, *ret_n). */
int cache_scan(const char *cache, struct cache_entry **ret, size_t *ret_n, struct bm_err **err);
void cache_entries_free(struct cache_entry *v, size_t n);

/* Whether e goes when pruning what was not used since cutoff (toolchains never do). */
int cache_prunable(const struct cache_entry *e, time_t cutoff);

/* Remove e's directory and everything below it. */
int cache_remove(const struct cache_entry *e, struct bm_err **err);

/* Make sure the cache directory can be trusted before anything is built or run from it: created
 * (mode 0700) when missing, else it must be a directory owned by the user running bootmatrix and
 * writable by nobody else (group and others could otherwise swap toolchains or kernels under a
 * root build). -1 with a BM_ERR_INPUT error saying what is wrong and how to fix it. */
int cache_dir_check(const char *cache, struct bm_err **err);

/* Record that a run uses dir now (a ".bm-used" file whose mtime is the last use). Best effort:
 * a symlink or a FIFO there (a build directory is the untrusted build's to write) is left alone,
 * never followed or waited on. */
#define CACHE_USED_STAMP ".bm-used"
void cache_mark_used(const char *dir);

#endif
