/* Toolchains: Debian root filesystems made with debootstrap from a recipe in
 * images/toolchains/NAME.yaml, kept in the cache, and commands run inside them with bubblewrap.
 *
 * A recipe may instead name a `base` recipe and replace components of it (component.h): rust
 * (a release, beta or nightly of the Rust distribution, a tarball, a directory), llvm and bindgen
 * (a tarball or a directory). Such a toolchain runs in the base's root with each component's
 * prefix bound read-only at /bm/tc/KIND and its bin/ first in PATH; with llvm, builds use
 * LLVM=/bm/tc/llvm/bin/. A toolchain name is one of:
 *   NAME                  images/toolchains/NAME.yaml
 *   BASE+rust-VERSION     BASE with the Rust distribution's VERSION (1.90.0, nightly-2026-03-01)
 *   PATH.yaml             a recipe file of the user's (a name with '/'); named by its basename */
#ifndef BM_TOOLCHAIN_H
#define BM_TOOLCHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "component.h"

struct arch;
struct bm_err;

struct toolchain {
	char *name;
	char *recipe_path;
	char *recipe_hash;	/* sha256 of the recipe file */
	char *suite;
	char **packages;	/* what every root of the recipe has; arches add theirs (arch.h) */
	char **guest_packages;	/* fetched (not installed) for each guest arch: busybox-static ... */
	char *dir;		/* <cache>/toolchains/BASE: the root's directory (root, arches, lock) */
	char *root;		/* dir/root */
	char *root_hash;	/* sha256 of the recipe that makes the root (the base's) */
	char *base;		/* the base recipe's name, NULL for a Debian recipe */
	char *own_dir;		/* <cache>/toolchains/NAME: this toolchain's manifest (== dir
				 * without a base) */
	struct component comp[COMPONENT_N];	/* used ones replace the root's */
	char *cache;
};

/* The directory a component's prefix appears at inside the root: /bm/tc/KIND. */
#define TC_COMPONENTS "/bm/tc"

/* Where the paths of the host appear inside the root. */
#define TC_SRC "/bm/src"
#define TC_OUT "/bm/out"
#define TC_CFG "/bm/cfg"
/* Where a build finds its toolchain's compiler cache (toolchain_ccache). */
#define TC_CCACHE "/bm/ccache"

struct tc_bind {
	const char *host;
	const char *guest;	/* one of TC_SRC, TC_OUT, TC_CFG, TC_CCACHE */
	bool ro;
};

/* Load the toolchain NAME (see above); cache is the cache directory. A Rust distribution
 * version takes its server from the recipe, else $BOOTMATRIX_RUST_DIST_SERVER, else
 * toolchain_set_dist_server, else $RUSTUP_DIST_SERVER. Nothing is downloaded. */
int toolchain_load(const char *datadir, const char *cache, const char *name,
		   struct toolchain **ret, struct bm_err **err);
/* The plan's rust_dist_server, for a rust component whose recipe and environment name none. */
void toolchain_set_dist_server(struct toolchain *tc, const char *server);
/* Whether NAME names a toolchain (a recipe, BASE+rust-VERSION with a valid VERSION, a recipe
 * file), without loading or downloading anything: 0, or -1 with BM_ERR_INPUT. */
int toolchain_name_check(const char *datadir, const char *name, struct bm_err **err);
/* The toolchains of a comma-separated list, in order: a toolchain name as it is; a Rust
 * version V as BASE+rust-V; a range A..B of Rust releases or nightly (beta) dates as
 * BASE+rust-X for each version of rustdist_range, releases asked of the server named by
 * $BOOTMATRIX_RUST_DIST_SERVER (else $RUSTUP_DIST_SERVER). Caller frees *ret with strv_free. */
int toolchain_list_expand(const char *datadir, const char *base, const char *spec, char ***ret,
			  struct bm_err **err);
/* Download and unpack the components the recipe replaces (component_fetch); a no-op for a
 * Debian recipe and for components in the cache. Errors as component_fetch's. */
int toolchain_fetch(struct toolchain *tc, void (*progress)(const char *msg), struct bm_err **err);
/* What toolchain_fetch would refuse at once (component_check), without downloading: for a run to
 * stop on bad input before any build, while the downloads come later. */
int toolchain_check(struct toolchain *tc, struct bm_err **err);
/* *ret: the directory of this toolchain's own compiler cache on the host, <cache>/ccache/NAME
 * (made when missing; never shared with another toolchain), or NULL when its root has no ccache
 * (a recipe without the package) or no TC_CCACHE to bind it at. Caller frees. */
int toolchain_ccache(const struct toolchain *tc, char **ret, struct bm_err **err);
/* The value for make's LLVM=: "1", or "/bm/tc/llvm/bin/" with an llvm component. */
const char *toolchain_llvm(const struct toolchain *tc);
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
 * processes hold it shared (toolchain_hold). Then the components are fetched (toolchain_fetch)
 * and, for a toolchain with a base, its own manifest written in own_dir. progress, if non-NULL,
 * gets one-line status messages. */
int toolchain_prepare(struct toolchain *tc, const struct arch *const *arches,
		      void (*progress)(const char *msg), struct bm_err **err);
/* toolchain_prepare, then the root held with a shared lock in *ret_fd (close it to let go), so
 * that no other process changes the root while this one builds in it. Not while this process
 * holds the root's lock already (toolchain_prepare would wait for itself). */
int toolchain_hold(struct toolchain *tc, const struct arch *const *arches,
		   void (*progress)(const char *msg), int *ret_fd, struct bm_err **err);
/* toolchain_prepare with no arches. */
int toolchain_create(struct toolchain *tc, void (*progress)(const char *msg),
		     struct bm_err **err);
/* The manifest ("key: value" lines: suite, rustc, rustc-commit-hash, rustc-commit-date, bindgen,
 * clang, lld, gcc, then gcc-PREFIX for the cross compiler of each prepared arch, PREFIX its
 * CROSS_COMPILE up to the first '-': gcc-aarch64, gcc-arm; then for each component where it came
 * from: base, KIND-from (URL sha256:HEX, or PATH (local directory)), rust-src-from), caller frees. */
int toolchain_manifest(const struct toolchain *tc, char **ret, struct bm_err **err);
/* The value of key in a manifest's text ("key: value" lines), or NULL; caller frees. */
char *toolchain_manifest_value(const char *text, const char *key);

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
