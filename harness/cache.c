/* The cache's contents: sizes, last use, pruning. See cache.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "err.h"
#include "proc.h"
#include "util.h"


static const struct {
	enum cache_kind kind;
	const char *dir;	/* under the cache */
	const char *name;
} kinds[] = {
	{ CACHE_BUILD, "builds", "build" },
	{ CACHE_SOURCE, "sources", "source" },
	{ CACHE_TOOLCHAIN, "toolchains", "toolchain" },
	{ CACHE_COMPONENT, "components", "component" },
	{ CACHE_CCACHE, "ccache", "ccache" },
	{ CACHE_BISECT, "bisect", "bisect" },
};

const char *cache_kind_name(enum cache_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

/* Disk usage below path, without following symbolic links or leaving its file system. */
static int disk_usage(const char *path, uint64_t *ret, struct bm_err **err)
{
	char *paths[] = { (char *)path, NULL };
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	FTSENT *e;
	uint64_t sum = 0;
	int saved;

	if (!fts)
		return bm_err_errno(err, errno, "cannot read '%s'", path);
	errno = 0;
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_DP)
			continue;	/* a directory again, after its contents */
		if (e->fts_statp && e->fts_info != FTS_NS && e->fts_info != FTS_NSOK)
			sum += (uint64_t)e->fts_statp->st_blocks * 512;
	}
	saved = errno;
	fts_close(fts);
	if (saved)
		return bm_err_errno(err, saved, "cannot read '%s'", path);
	*ret = sum;
	return 0;
}

/* The stamp's time; without one (made before stamps existed), when the directory last changed
 * or was put there (an extracted tree keeps the tarball's old mtimes, its ctime is the
 * extraction). */
static time_t last_used(const char *dir)
{
	_cleanup_free_ char *stamp = xasprintf("%s/%s", dir, CACHE_USED_STAMP);
	struct stat st;

	if (lstat(stamp, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mtime;
	if (stat(dir, &st) == 0)
		return st.st_mtime > st.st_ctime ? st.st_mtime : st.st_ctime;
	return 0;
}

int cache_scan(const char *cache, struct cache_entry **ret, size_t *ret_n, struct bm_err **err)
{
	struct cache_entry *v = NULL;
	size_t n = 0;

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", cache, kinds[k].dir);
		_cleanup_strv_ char **names = dir_names(dir, "");

		for (size_t i = 0; names[i]; i++) {
			_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
			struct cache_entry *e;

			if (!path_is_dir(path))
				continue;
			v = xrealloc(v, (n + 1) * sizeof(*v));
			e = &v[n++];
			memset(e, 0, sizeof(*e));
			e->kind = kinds[k].kind;
			e->name = xstrdup(names[i]);
			e->path = path;
			path = NULL;
			e->used = last_used(e->path);
			if (disk_usage(e->path, &e->bytes, err) < 0) {
				cache_entries_free(v, n);
				return -1;
			}
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void cache_entries_free(struct cache_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

int cache_prunable(const struct cache_entry *e, time_t cutoff)
{
	return e->kind != CACHE_TOOLCHAIN && e->used < cutoff;
}

/* Whether fd is still the file named path (a holder removing it may have unlinked it). */
static bool lock_is_current(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* flock fd to op (LOCK_SH, LOCK_EX), polling so that a Ctrl-C ends the wait: 0, or -1. */
static int lock_wait(int fd, int op, const char *path, void (*progress)(const char *msg),
		     struct bm_err **err)
{
	bool said = false;

	while (flock(fd, op | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return bm_err_errno(err, errno, "cannot lock '%s'", path);
		if (proc_interrupted())
			return bm_err_set(err, BM_ERR_SYSTEM, "interrupted");
		if (progress && !said) {
			_cleanup_free_ char *msg = xasprintf("waiting for another bootmatrix process "
							     "(it holds '%s')", path);

			progress(msg);
			said = true;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	return 0;
}

int cache_lock(const char *dir, enum cache_lock_mode mode, void (*progress)(const char *msg),
	       int *ret_fd, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s.lock", dir);
	_cleanup_free_ char *parent = xstrdup(path);
	int op = mode == CACHE_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH;

	if (strrchr(parent, '/')) {
		*strrchr(parent, '/') = '\0';
		if (*parent && mkdir_p(parent, err) < 0)
			return -1;
	}
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0)
			return bm_err_errno(err, errno, "cannot open the lock '%s'", path);
		if (lock_wait(fd, op, path, progress, err) < 0) {
			close(fd);
			return -1;
		}
		if (lock_is_current(fd, path)) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);	/* removed while we waited: the lock is the new file's */
	}
}

int cache_relock(int fd, const char *dir, enum cache_lock_mode mode,
		 void (*progress)(const char *msg), struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s.lock", dir);

	return lock_wait(fd, mode == CACHE_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH, path, progress, err);
}

int cache_trylock(const char *dir, enum cache_lock_mode mode, int *ret_fd, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s.lock", dir);
	int op = mode == CACHE_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH;

	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0)
			return bm_err_errno(err, errno, "cannot open the lock '%s'", path);
		if (flock(fd, op | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				return 1;
			return bm_err_errno(err, e, "cannot lock '%s'", path);
		}
		if (lock_is_current(fd, path)) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
}

int cache_remove(const struct cache_entry *e, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s.lock", e->path);
	_cleanup_close_ int fd = -1;
	int r = cache_trylock(e->path, CACHE_LOCK_EXCLUSIVE, &fd, err);

	if (r != 0)
		return r;
	if (rm_rf(e->path, err) < 0)
		return bm_err_prefix(err, "removing %s '%s'", cache_kind_name(e->kind), e->name);
	/* still holding it: whoever waits on this file takes the lock again on a new one */
	unlink(path);
	return 0;
}

bool cache_in_use(const struct cache_entry *e)
{
	_cleanup_free_ char *path = xasprintf("%s.lock", e->path);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	/* no lock file: nobody ever locked it */
	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

int cache_dir_check(const char *cache, struct bm_err **err)
{
	struct stat st;

	if (stat(cache, &st) < 0) {
		if (errno != ENOENT)
			return bm_err_errno(err, errno, "cache '%s'", cache);
		if (mkdir_p(cache, err) < 0 || chmod(cache, 0700) < 0)
			return bm_err_prefix(err, "creating the cache '%s'", cache);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return bm_err_set(err, BM_ERR_INPUT, "cache '%s' is not a directory", cache);
	if (st.st_uid != geteuid())
		return bm_err_set(err, BM_ERR_INPUT,
				  "cache '%s' belongs to uid %u, not to you (uid %u): set BOOTMATRIX_CACHE "
				  "to a directory of your own", cache, (unsigned)st.st_uid,
				  (unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return bm_err_set(err, BM_ERR_INPUT,
				  "cache '%s' is writable by others (mode %04o): chmod go-w '%s'", cache,
				  (unsigned)(st.st_mode & 07777), cache);
	return 0;
}

void cache_mark_used(const char *dir)
{
	_cleanup_free_ char *stamp = xasprintf("%s/%s", dir, CACHE_USED_STAMP);
	/* O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead of blocking */
	int fd = open(stamp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	struct stat st;

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		(void)futimens(fd, NULL);
	close(fd);
}
