/* Kernel builds: out of tree, inside a toolchain root, with the config verified; the cache keys
 * of build directories. Strings returned through ret_ parameters are the caller's to free; no fd
 * stays open after a call. */
#ifndef BM_BUILD_H
#define BM_BUILD_H

#include <stdbool.h>

#include "arch.h"
#include "result.h"
#include "source.h"
#include "toolchain.h"

struct bm_err;

struct build_spec {
	const struct toolchain *tc;
	const struct kernel_source *src;
	const struct arch *arch;
	char **fragments;	/* host paths of kconfig fragments, merged in this order */
	const char *out_dir;	/* the build directory (kept and reused: builds are incremental) */
	const char *log_path;	/* build.log, appended to */
	double timeout;
	unsigned jobs;		/* make -jN */
	void (*progress)(const char *msg);	/* a heartbeat line now and then, may be NULL */
	/* A digest of every input (source version, toolchain manifest, fragments, arch): when the
	 * build directory holds a finished build of the same inputs, make is not run at all.
	 * NULL: always run make (incremental), e.g. for a tree the user edits. */
	const char *inputs_key;
	const char *label;	/* names the job in progress lines */
	/* The toolchain's compiler cache (toolchain_ccache) and its bound (BUILD_CCACHE_SIZE_ENV);
	 * NULL: compile without ccache. */
	const char *ccache_dir, *ccache_size;
	/* Filled when a fragment holds BUILD_RUST_TESTS_DIRECTIVE and the .config was made (also
	 * for a reused build): every Rust test option of the tree and its verdict. The caller owns
	 * it (rust_opts_free(opts, n)); NULL: not wanted. */
	struct rust_map *rust_map;
};

/* The environment variable bounding each toolchain's compiler cache: a size as ccache reads it
 * (500M, 4G, 2Gi), 0 for no ccache. */
#define BUILD_CCACHE_SIZE_ENV "BOOTMATRIX_CCACHE_SIZE"
#define BUILD_CCACHE_SIZE_DEFAULT "4G"

/* The bound of BUILD_CCACHE_SIZE_ENV (BUILD_CCACHE_SIZE_DEFAULT when unset) into *ret, NULL for
 * 0 (no ccache); -1 with a BM_ERR_INPUT error naming the variable when it is not a size. */
int build_ccache_size(const char **ret, struct bm_err **err);

/* A fragment line asking for every Rust test option the kernel's Kconfig offers (rustopts.h):
 * they are turned on by a generated fragment, and one that does not stick is reported in the
 * Rust map (dropped with its unmet dependency, or not in this kernel), not as a config
 * mismatch. */
#define BUILD_RUST_TESTS_DIRECTIVE "# bootmatrix: all-rust-test-options"

/* What the last full build of the same arch and fragments took: kbuild steps and seconds. */
struct build_estimate {
	unsigned steps;
	double seconds;
};

/* The heartbeat line of a build that has done `done` steps in `elapsed` seconds: with an
 * estimate, "LABEL: building, 412/640 steps, ~1 min left, 120 s", else "LABEL: building,
 * 412 steps done, 120 s". expect may be NULL. Pure; caller frees. */
char *build_progress_line(const char *label, unsigned done, double elapsed,
			  const struct build_estimate *expect);

/* Cache keys. A build directory is builds/<job id>-<build_dir_key>: one per configuration, so
 * switching fragments never thrashes a tree. */

/* A short hash (12 hex digits) of what decides a build's .config: the arch's base config and
 * target, the fragments' text (host paths, in order). *ret_key is caller-freed. */
int build_config_key(const struct arch *a, char *const *frags, char **ret_key, struct bm_err **err);

/* The build directory's key: config_key, with a user's tree (tree: its path; NULL for other
 * sources) hashed in, since make trusts mtimes and another tree of the same name with older
 * files would leave stale objects in place. Caller frees. */
char *build_dir_key(const char *config_key, const char *tree);

/* build_spec.inputs_key for sources that never change under the same name (Debian packages,
 * checksummed tarballs): dir_key, the source's origin and version, the toolchain's recipe and
 * manifest, the arch file's text. *ret_key (hex) is caller-freed. */
int build_inputs_key(const char *dir_key, const struct kernel_source *src,
		     const struct toolchain *tc, const char *manifest, const struct arch *a,
		     char **ret_key, struct bm_err **err);

/* The make variables of a build: ARCH=, LLVM=1, O=. Pure; caller frees with strv_free. */
char **build_make_argv(const struct build_spec *spec, const char *target);

/* Build. The outcome is a result in *ret_stage (pass, fail, config, timeout); -1 only when the
 * harness could not even try (log not writable, fragment unreadable). On pass *ret_image is the
 * kernel image's host path (caller frees). */
int build_kernel(const struct build_spec *spec, struct stage *ret_stage, char **ret_image,
		 struct bm_err **err);

struct kselftest_opts {
	const char *datadir;		/* images/initramfs/ holds the guest tools' sources */
	char *const *targets;		/* selftests directories, e.g. "rust", "size" */
	char *const *extra;		/* out-of-tree selftest directories (host paths): each is a
					 * target named after the directory, whose executable files
					 * are its tests; they run before the kernel's targets */
	unsigned per_test_timeout;	/* seconds, 0: kselftest's own */
	const char *sentinel;		/* printed by /init when everything ran */
};

/* After a passing build_kernel: build the selftests (static, with the arch's cross compiler),
 * the kernel's modules (installed with depmod), the guest tools, and write the initramfs with
 * Debian's busybox-static and bash-static for the guest arch. Outcome in *ret_stage as for
 * build_kernel (a selftest that does not compile is fail); on pass *ret_initramfs (caller
 * frees). */
int build_kselftest(const struct build_spec *spec, const struct kselftest_opts *k,
		    struct stage *ret_stage, char **ret_initramfs, struct bm_err **err);

/* Whether spec->out_dir holds a finished build of spec's inputs (build_spec.inputs_key), and with
 * k non-NULL of the same kselftests and initramfs too: then build_kernel and build_kselftest only
 * read the directory and reuse it (a shared lock on it is enough, cache.h). */
bool build_is_current(const struct build_spec *spec, const struct kselftest_opts *k);

/* The targets asked for that kselftest's install left out (they did not build for this arch:
 * its Makefile goes on past a target that fails). Reads the installed kselftest-list.txt in
 * out_dir. NULL-terminated, caller frees; NULL when none is missing. */
char **build_kselftest_missing(const char *out_dir, char *const *targets);

#endif
