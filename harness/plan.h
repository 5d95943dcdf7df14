/* Plans: what to build and boot, loaded from YAML (see docs/plan.md). Validated on load against
 * the data directory, so a typo is one error naming file, line and column. */
#ifndef BM_PLAN_H
#define BM_PLAN_H

#include <stddef.h>

struct bm_err;

enum source_kind { SOURCE_DEBIAN, SOURCE_PATH, SOURCE_URL };

struct plan_source {
	enum source_kind kind;
	char *value;		/* package name, absolute path, or URL of a kernel tarball */
	char *from;		/* SOURCE_DEBIAN: fetched with this toolchain's apt; NULL: the host's */
	char *sha256;		/* SOURCE_URL: the tarball's checksum (required) */
	char **arches;		/* built for these of the plan's arches only; NULL: all */
};

/* A remote libvirt host boot jobs are spread over (docs/remote.md). */
struct plan_host {
	char *uri;		/* qemu+ssh:// or qemu+libssh:// (keyfile= and known_hosts= are
				 * used for SFTP too) */
	unsigned slots;		/* boots at once on it; default 1 */
};

struct plan {
	char *path;
	char *name;		/* the file's base name without .yaml, unless set */
	struct plan_source *sources;
	size_t n_sources;
	char **toolchains;	/* toolchain names (toolchain.h): recipes, BASE+rust-VERSION, recipe
				 * files (made absolute: the plan's own directory for a relative one) */
	char *rust_dist_server;	/* base URL of a Rust distribution server, may be NULL */
	char **arches;		/* arch file names in arch/ */
	char **configs;		/* fragment names in configs/ */
	char **kselftest_targets;	/* NULL: no kselftest */
	unsigned kselftest_timeout;	/* per test, seconds; 0: kselftest's own */
	char **kselftest_extra;		/* directories of out-of-tree selftests (absolute paths) */
	char *boot_args;	/* appended to every arch's kernel command line, may be NULL */
	struct plan_host *hosts;	/* NULL: boots run here (or on --connect's libvirt) */
	size_t n_hosts;
	unsigned repeat;	/* boots of each kernel, each a job of its own (matrix.h); 0 or 1: one */
	unsigned build_timeout;	/* seconds */
	unsigned boot_timeout;
};

int plan_load(const char *path, const char *datadir, struct plan **ret, struct bm_err **err);
/* Keep only the given arches (each must be in the plan: BM_ERR_INPUT otherwise). */
int plan_restrict_arches(struct plan *p, char *const *arches, struct bm_err **err);
void plan_free(struct plan *p);
void plan_freep(struct plan **p);

#endif
