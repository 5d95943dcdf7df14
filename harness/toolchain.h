/* Toolchains: Debian root filesystems made with debootstrap from a recipe in
 * images/toolchains/NAME.yaml, kept in the cache, and commands run inside them with bubblewrap. */
#ifndef BM_TOOLCHAIN_H
#define BM_TOOLCHAIN_H

#include <stdbool.h>
#include <stddef.h>

struct arch;
struct bm_err;

struct toolchain {
	char *name;
	char *recipe_path;
	char *recipe_hash;	/* sha256 of the recipe file */
	char *suite;
	char **packages;	/* what every root of the recipe has; arches add theirs (arch.h) */
	char **guest_packages;	/* fetched (not installed) for each guest arch: busybox-static ... */
	char *dir;		/* <cache>/toolchains/NAME */
	char *root;		/* dir/root */
};

/* Where the paths of the host appear inside the root. */
#define TC_SRC "/bm/src"
#define TC_OUT "/bm/out"
#define TC_CFG "/bm/cfg"

struct tc_bind {
	const char *host;
	const char *guest;	/* one of TC_SRC, TC_OUT, TC_CFG */
	bool ro;
};

/* Load the recipe DATADIR/images/toolchains/NAME.yaml; cache is the cache directory. */
int toolchain_load(const char *datadir, const char *cache, const char *name,
		   struct toolchain **ret, struct bm_err **err);
void toolchain_free(struct toolchain *tc);
void toolchain_freep(struct toolchain **tc);

/* true when the root exists and satisfies this very recipe: made from it (dir/stamp), or made
 * from an earlier version and found to have its suite and every package (dir/adopted). */
bool toolchain_ready(const struct toolchain *tc);
/* Make the root ready for the arches (NULL-terminated; NULL or empty: the recipe alone): made
 * with debootstrap unless ready (a root of an earlier recipe version that has the suite and
 * every package the recipe asks for is kept), then, for each arch not prepared yet, its Debian
 * packages (arch.h: cross gcc, libc) installed with apt inside the root and the guest packages
 * fetched for its Debian arch. The prepared arches are recorded in dir/arches, the manifest
 * rewritten; logs go to dir/create.log and dir/arches.log. Serialized between processes by an
 * exclusive lock on the root (cache_lock: dir/root.lock), which waits while builds of other
 * processes hold it shared (toolchain_hold). progress, if non-NULL, gets one-line status
 * messages. */
int toolchain_prepare(const struct toolchain *tc, const struct arch *const *arches,
		      void (*progress)(const char *msg), struct bm_err **err);
/* toolchain_prepare, then the root held with a shared lock in *ret_fd (close it to let go), so
 * that no other process changes the root while this one builds in it. Not while this process
 * holds the root's lock already (toolchain_prepare would wait for itself). */
int toolchain_hold(const struct toolchain *tc, const struct arch *const *arches,
		   void (*progress)(const char *msg), int *ret_fd, struct bm_err **err);
/* toolchain_prepare with no arches. */
int toolchain_create(const struct toolchain *tc, void (*progress)(const char *msg),
		     struct bm_err **err);
/* The manifest ("key: value" lines: suite, rustc, bindgen, clang, lld, gcc, then gcc-PREFIX for
 * the cross compiler of each prepared arch, PREFIX its CROSS_COMPILE up to the first '-':
 * gcc-aarch64, gcc-arm), caller frees. */
int toolchain_manifest(const struct toolchain *tc, char **ret, struct bm_err **err);

/* The argv that runs argv inside the root with binds, cwd inside the root, and env
 * ("KEY=VALUE") set. Pure: builds, never runs. Caller frees with strv_free. */
char **toolchain_command(const struct toolchain *tc, const struct tc_bind *binds, size_t n_binds,
			 const char *cwd, char *const *env, char *const *argv);

/* Directory (inside root, on the host) holding the guest .debs of a Debian arch; caller frees.
 * NULL when none were fetched for that arch (no arch with it was prepared). */
char *toolchain_guest_debs(const struct toolchain *tc, const char *debian_arch);

/* The lines of two toolchains' manifests that differ, as "key: A -> B" (a key missing on one
 * side shows "(none)"); empty when they agree. Both must be created. Caller frees. */
int toolchain_diff(const struct toolchain *a, const struct toolchain *b, char **ret,
		   struct bm_err **err);

/* The host's Debian mirror (from its apt configuration), caller frees. */
int host_debian_mirror(char **ret, struct bm_err **err);

#endif
