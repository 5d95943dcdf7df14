/* Kernel builds: out of tree, inside a toolchain root, with the config verified. */
#ifndef BM_BUILD_H
#define BM_BUILD_H

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
	/* Filled when a fragment holds BUILD_RUST_TESTS_DIRECTIVE and the .config was made (also
	 * for a reused build): every Rust test option of the tree and its verdict. The caller owns
	 * it (rust_opts_free(opts, n)); NULL: not wanted. */
	struct rust_map *rust_map;
};

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

/* The make variables of a build: ARCH=, LLVM=1, O=. Pure; caller frees with strv_free. */
char **build_make_argv(const struct build_spec *spec, const char *target);

/* Build. The outcome is a result in *ret_stage (pass, fail, config, timeout); -1 only when the
 * harness could not even try (log not writable, fragment unreadable). On pass *ret_image is the
 * kernel image's host path. */
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
 * build_kernel (a selftest that does not compile is fail); on pass *ret_initramfs. */
int build_kselftest(const struct build_spec *spec, const struct kselftest_opts *k,
		    struct stage *ret_stage, char **ret_initramfs, struct bm_err **err);

/* The targets asked for that kselftest's install left out (they did not build for this arch:
 * its Makefile goes on past a target that fails). Reads the installed kselftest-list.txt in
 * out_dir. NULL-terminated, caller frees; NULL when none is missing. */
char **build_kselftest_missing(const char *out_dir, char *const *targets);

#endif
