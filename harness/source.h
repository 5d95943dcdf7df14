/* Kernel sources: a Debian linux-source package (downloaded with apt-get, extracted once into the
 * cache, keyed by package version), a tarball at a URL, or a tree the user has. */
#ifndef BM_SOURCE_H
#define BM_SOURCE_H

#include <time.h>

#include "plan.h"
#include "toolchain.h"

struct bm_err;

struct kernel_source {
	char *dir;		/* the tree; not to be written to (builds are out of tree) */
	char *version;		/* the kernel's own version: "6.12.117" */
	char *origin;		/* "linux-source-6.12 6.12.117-1~deb12u1" or the path */
	int lock_fd;		/* a shared lock on a tree in the cache (cache_lock), so that no prune
				 * removes it while the source lives; -1 for a tree of the user's */
};

/* Make the source available (download and extract when needed; under an exclusive lock on the
 * tree, so a process extracting the same one waits and uses the result). A Debian package is looked up
 * with the host's apt, or, with suite non-NULL, with a private apt for that Debian suite (apt.h):
 * no root filesystem is made for it. */
int source_prepare(const struct plan_source *ps, const char *suite, const char *cache,
		   void (*progress)(const char *msg), struct kernel_source **ret, struct bm_err **err);
void kernel_source_free(struct kernel_source *s);
void kernel_source_freep(struct kernel_source **s);

/* VERSION.PATCHLEVEL.SUBLEVEL+EXTRAVERSION from the tree's top Makefile. Pure. */
int source_makefile_version(const char *makefile_text, char **ret);

/* The package to download for the Debian package pkg, from `apt-cache show --no-all-versions pkg`
 * output: pkg itself at its Version, except for the metapackage "linux-source", which stands for
 * the linux-source-X.Y it depends on (at the version of its "(= V)"), so that a plan can follow
 * the newest kernel of a suite. Pure. -1 (BM_ERR_INPUT) when the output has no Version, or the
 * metapackage no such dependency. Both results caller-freed. */
int source_debian_resolve(const char *pkg, const char *apt_show, char **ret_pkg, char **ret_version,
			  struct bm_err **err);

/* How long a remembered answer of apt (CACHE/resolved/SUITE_PKG: which package and version a
 * Debian source stands for) is used at most; it is dropped sooner when apt's state changes (an
 * update, other sources or pins, a package installed). */
#define SOURCE_RESOLVED_MAX_AGE (12 * 3600)

/* A remembered answer: text is the file ("PKG VERSION\nSTAMP"), stamp apt's state now, mtime
 * when the file was written. 0 with both results (caller frees) when it still holds, else -1.
 * Pure. */
int source_resolved_parse(const char *text, const char *stamp, time_t mtime, time_t now,
			  char **ret_pkg, char **ret_version);

#endif
