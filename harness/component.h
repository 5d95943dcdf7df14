/* Toolchain components from outside Debian, layered on a toolchain root (toolchain.h): a Rust
 * release, beta or nightly from a server with the Rust distribution layout (rustdist.h), a
 * tarball by URL and SHA-256 (kernel.org's LLVM and LLVM+Rust toolchains), or a local directory
 * (a rustup toolchain, a rustc built from source) used read-only where it is.
 *
 * Each is an install prefix with bin/ in it. Downloaded ones live in the cache under
 * components/NAME/prefix, checksum-verified, unpacked with libarchive's safe extraction (a Rust
 * tarball component by component, its install.sh never run), made in NAME.tmp and renamed into
 * place: a failure leaves nothing half-installed, and a second use downloads nothing. Concurrent
 * processes wait for each other on components/NAME.lock (cache_lock, which Ctrl-C ends). */
#ifndef BM_COMPONENT_H
#define BM_COMPONENT_H

#include <stdbool.h>

struct bm_err;

enum component_kind { COMPONENT_RUST, COMPONENT_LLVM, COMPONENT_BINDGEN, COMPONENT_N };

struct component {
	bool used;		/* the recipe names this component */
	char *dist;		/* RUST only: a version name (rustdist.h) */
	char *server;		/* with dist: the server's base URL, NULL until resolved */
	char *url, *sha256;	/* a tarball */
	char *dir;		/* a local directory */
	/* Set by component_fetch: */
	char *prefix;		/* the host directory that holds bin/ */
	char *origin;		/* "URL sha256:HEX" lines, or "PATH (local directory)" */
	int lock_fd;		/* with locked: the cache entry's lock, held shared (cache.h) */
	bool locked;
};

/* "rust", "llvm", "bindgen": the recipe's key and the directory under /bm/tc in the root. */
const char *component_kind_name(enum component_kind k);

void component_release(struct component *c);

/* Where the component comes from, one line for messages and hashing: "rust 1.90.0 from SERVER",
 * "llvm URL sha256:HEX", "rust PATH". Caller frees. */
char *component_describe(enum component_kind k, const struct component *c);

/* Make the component available (downloading and unpacking it unless the cache has it), set
 * c->prefix and c->origin. A component in the cache stays locked shared until
 * component_release, so that prune never removes it under a build; another process installing
 * it meanwhile waits, one finding it installed does not. BM_ERR_INPUT for what the user must fix: an unknown version or date
 * (the server's 404), a checksum mismatch, a tarball or directory without the component's tool
 * (bin/rustc, bin/rustdoc and rust-src; bin/clang; bin/bindgen); BM_ERR_INFRA for the network failing.
 * progress, if non-NULL, gets one-line messages. */
int component_fetch(enum component_kind k, struct component *c, const char *cache,
		    void (*progress)(const char *msg), struct bm_err **err);

/* What component_fetch would refuse at once, asking the server only for a checksum file: a
 * directory without the tool, a Rust version without a server, one the server does not have
 * (its 404), with the same errors; nothing is downloaded. A component in the cache, and a tarball
 * by URL (checked when it is fetched), pass. */
int component_check(enum component_kind k, const struct component *c, const char *cache,
		    struct bm_err **err);

/* Whether a release exists on server (its .sha256 file answers): 1, 0 (404), -1 error. */
int component_rust_release_exists(const char *server, const char *version, struct bm_err **err);

#endif
