/* The Rust distribution layout (what rustup downloads from): version names, the artifacts' URLs,
 * their .sha256 files and components, and ranges of releases or nightlies. Pure: never touches
 * the network; range expansion asks a caller's probe whether a release exists.
 *
 * Layout, relative to a server's base URL:
 *   dist/rust-1.90.0-TRIPLE.tar.xz, dist/rust-src-1.90.0.tar.xz          (a release)
 *   dist/2026-03-01/rust-nightly-TRIPLE.tar.xz, .../rust-src-nightly.tar.xz (a nightly)
 *   dist/2026-01-15/rust-beta-TRIPLE.tar.xz, .../rust-src-beta.tar.xz    (a beta)
 * each with URL.sha256 beside it ("HEX  FILENAME"). A tarball holds one directory with a
 * `components` file (one name per line) and a directory per component whose files go under the
 * install prefix (bin/, lib/, share/...); its install.sh is never run. */
#ifndef BM_RUSTDIST_H
#define BM_RUSTDIST_H

#include <stdbool.h>

struct bm_err;

enum rustdist_channel { RUSTDIST_STABLE, RUSTDIST_BETA, RUSTDIST_NIGHTLY };

struct rustdist_version {
	enum rustdist_channel channel;
	unsigned major, minor, patch;	/* RUSTDIST_STABLE */
	char date[11];			/* beta and nightly: YYYY-MM-DD */
};

/* "1.90.0", "beta-2026-01-15", "nightly-2026-03-01". Errors name the accepted forms. */
int rustdist_parse(const char *s, struct rustdist_version *ret, struct bm_err **err);
/* The canonical name (as parse accepts it); caller frees. */
char *rustdist_name(const struct rustdist_version *v);

/* The URLs (caller frees) of the host tarball for triple (x86_64-unknown-linux-gnu) and of
 * rust-src, under server (its base URL, a trailing '/' or not). */
char *rustdist_url(const char *server, const struct rustdist_version *v, const char *triple);
char *rustdist_src_url(const char *server, const struct rustdist_version *v);

/* The checksum in the text of a .sha256 file: its first word, when that is 64 hex digits
 * (returned in lower case); -1 with BM_ERR_INPUT naming url otherwise. */
int rustdist_sha256_parse(const char *text, const char *url, char ret_hex[65], struct bm_err **err);

/* Whether a component of a tarball's `components` file belongs in a kernel toolchain: rustc,
 * the standard library for a target (rust-std-*), rust-src, rustfmt. Not cargo, docs, ... */
bool rustdist_component_wanted(const char *name);

/* The host's Rust triple, from uname's machine (x86_64 -> x86_64-unknown-linux-gnu); caller frees. */
char *rustdist_host_triple(void);

/* Whether a release exists on the server: 1 yes, 0 no, -1 error (set). */
typedef int (*rustdist_probe_fn)(const struct rustdist_version *v, void *data, struct bm_err **err);

/* The versions from a range "A..B", in order, as a NULL-terminated vector of names (caller
 * frees with strv_free):
 *   releases: A, every release between that probe says exists, B (A and B are not probed: a
 *     missing one fails later like any missing version); a minor whose X.Y.0 is absent is
 *     skipped whole, and patch releases are found by asking for the next until one is absent;
 *   nightlies and betas: every date from A to B (a date without one is the caller's skip).
 * A and B must be of one channel and A before B. */
int rustdist_range(const char *range, rustdist_probe_fn probe, void *data, char ***ret,
		   struct bm_err **err);
/* Whether s looks like a range ("A..B"). */
bool rustdist_is_range(const char *s);

#endif
