/* component.h: toolchain components downloaded (Rust distribution layout, tarball by URL) or
 * found in a local directory, installed into the cache once. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archives.h"
#include "cache.h"
#include "component.h"
#include "err.h"
#include "http.h"
#include "rustdist.h"
#include "util.h"

static const char *const kind_names[COMPONENT_N] = { "rust", "llvm", "bindgen" };

/* The file in bin/ that makes a prefix this component. */
static const char *const kind_tools[COMPONENT_N] = { "rustc", "clang", "bindgen" };

const char *component_kind_name(enum component_kind k)
{
	return k < COMPONENT_N ? kind_names[k] : "?";
}

void component_release(struct component *c)
{
	if (!c)
		return;
	free(c->dist);
	free(c->server);
	free(c->url);
	free(c->sha256);
	free(c->dir);
	free(c->prefix);
	free(c->origin);
	if (c->locked)
		close(c->lock_fd);
	memset(c, 0, sizeof(*c));
}

char *component_describe(enum component_kind k, const struct component *c)
{
	if (c->dist)
		return xasprintf("%s %s from %s", kind_names[k], c->dist, c->server ? c->server : "?");
	if (c->url)
		return xasprintf("%s %s sha256:%s", kind_names[k], c->url, c->sha256);
	return xasprintf("%s %s", kind_names[k], c->dir);
}

/* What is missing in prefix for a kind: "no bin/rustc", or NULL when it is complete (rust: rustc,
 * rustdoc and rust-src; llvm: clang; bindgen: bindgen). */
static char *prefix_missing(enum component_kind k, const char *prefix)
{
	_cleanup_free_ char *tool = xasprintf("%s/bin/%s", prefix, kind_tools[k]);
	_cleanup_free_ char *src = xasprintf("%s/lib/rustlib/src/rust/library", prefix);
	_cleanup_free_ char *doc = xasprintf("%s/bin/rustdoc", prefix);

	if (access(tool, X_OK) < 0)
		return xasprintf("no bin/%s", kind_tools[k]);
	/* else the root's rustdoc would build the doctests against another rustc's crates */
	if (k == COMPONENT_RUST && access(doc, X_OK) < 0)
		return xstrdup("no bin/rustdoc");
	if (k == COMPONENT_RUST && !path_is_dir(src))
		return xstrdup("no rust-src (lib/rustlib/src/rust/library)");
	return NULL;
}

/* Move everything in from into to (made when missing), merging directories that are in both: the
 * components of a Rust tarball share lib/ and lib/rustlib/. A file in both is an error. */
static int merge_move(const char *from, const char *to, struct bm_err **err)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (mkdir_p(to, err) < 0)
		return -1;
	d = opendir(from);
	if (!d)
		return bm_err_errno(err, errno, "cannot read '%s'", from);
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		struct stat sa, sb;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		src = xasprintf("%s/%s", from, de->d_name);
		dst = xasprintf("%s/%s", to, de->d_name);
		if (lstat(dst, &sb) < 0) {
			if (rename(src, dst) < 0)
				r = bm_err_errno(err, errno, "cannot move '%s'", src);
			continue;
		}
		if (lstat(src, &sa) == 0 && S_ISDIR(sa.st_mode) && S_ISDIR(sb.st_mode))
			r = merge_move(src, dst, err);
		else
			r = bm_err_set(err, BM_ERR_INPUT, "two components both hold '%s'", de->d_name);
	}
	closedir(d);
	return r;
}

/* The one directory a tarball unpacked into (rust-1.90.0-x86_64-unknown-linux-gnu/), or NULL. */
static char *single_top(const char *dir)
{
	_cleanup_strv_ char **tops = dir_names(dir, "");
	char *top;

	if (strv_length(tops) != 1)
		return NULL;
	top = xasprintf("%s/%s", dir, tops[0]);
	if (!path_is_dir(top)) {
		free(top);
		return NULL;
	}
	return top;
}

/* Install the wanted components listed in top/components into prefix. */
static int rust_components_install(const char *url, const char *top, const char *prefix,
				   struct bm_err **err)
{
	_cleanup_free_ char *list = xasprintf("%s/components", top), *text = NULL;
	char *save = NULL;
	unsigned n = 0;

	if (file_read(list, &text, NULL, NULL) < 0)
		return bm_err_set(err, BM_ERR_INPUT,
				  "'%s' is not a Rust distribution tarball (no components file)", url);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *dir = NULL, *manifest = NULL;

		str_strip(l);
		if (!*l || !rustdist_component_wanted(l))
			continue;
		if (strchr(l, '/') || l[0] == '.')
			return bm_err_set(err, BM_ERR_INPUT, "'%s': bad component name '%s'", url, l);
		dir = xasprintf("%s/%s", top, l);
		manifest = xasprintf("%s/manifest.in", dir);
		if (!path_is_dir(dir))
			return bm_err_set(err, BM_ERR_INPUT, "'%s': component '%s' is listed but missing",
					  url, l);
		unlink(manifest);
		if (merge_move(dir, prefix, err) < 0)
			return bm_err_prefix(err, "'%s': installing component '%s'", url, l);
		n++;
	}
	if (n == 0)
		return bm_err_set(err, BM_ERR_INPUT, "'%s' holds no component a kernel needs (rustc, "
				  "rust-std, rust-src)", url);
	return 0;
}

struct fetch_ctx {
	void (*progress)(const char *msg);
	const char *what;
};

static void fetch_progress(double done, double total, void *data)
{
	const struct fetch_ctx *f = data;
	_cleanup_free_ char *msg = NULL;

	if (!f->progress || total <= 0)
		return;
	msg = xasprintf("%s: downloaded %.0f of %.0f MiB", f->what, done / 1048576, total / 1048576);
	f->progress(msg);
}

/* Download url (whose SHA-256 is sha256, or else the one its .sha256 file gives) and unpack it
 * into dir (made here). On success *ret_sha is the checksum. The tarball is removed once unpacked:
 * the unpacked tree is what the cache keeps. */
static int download_unpack(const char *url, const char *sha256, const char *cache, const char *dir,
			   void (*progress)(const char *msg), char ret_sha[65], struct bm_err **err)
{
	_cleanup_free_ char *downloads = xasprintf("%s/downloads", cache), *tarball = NULL;
	struct fetch_ctx fc = { progress, url };
	struct http_fetch_opts fo = { .url = url, .cache_dir = downloads,
				      .progress = fetch_progress, .progress_data = &fc };

	if (sha256) {
		snprintf(ret_sha, 65, "%s", sha256);
	} else {
		_cleanup_free_ char *sum_url = xasprintf("%s.sha256", url), *text = NULL;
		struct http_get_opts go = { .url = sum_url };
		int r = http_get_text(&go, &text, err);

		if (r < 0)
			return -1;
		if (r > 0)
			return bm_err_set(err, BM_ERR_INPUT, "'%s' answered 404 Not Found: no such "
					  "version on the server", sum_url);
		if (rustdist_sha256_parse(text, sum_url, ret_sha, err) < 0)
			return -1;
	}
	fo.sha256 = ret_sha;
	if (progress) {
		_cleanup_free_ char *msg = xasprintf("downloading %s", url);

		progress(msg);
	}
	if (http_fetch(&fo, &tarball, err) < 0)
		return -1;
	if (mkdir_p(dir, err) < 0)
		return -1;
	if (archives_extract_tar(tarball, dir, err) < 0) {
		/* a tarball that matched its checksum but does not unpack is the server's */
		return bm_err_prefix(err, "unpacking '%s'", url);
	}
	unlink(tarball);
	return 0;
}

/* A Rust version from the distribution server into tmp/prefix; *ret_origin the URLs with their
 * checksums. */
static int rust_dist_install(const struct component *c, const char *cache, const char *tmp,
			     void (*progress)(const char *msg), char **ret_origin,
			     struct bm_err **err)
{
	_cleanup_free_ char *triple = rustdist_host_triple(), *prefix = xasprintf("%s/prefix", tmp);
	_cleanup_free_ char *url = NULL, *src_url = NULL;
	struct rustdist_version v;
	char sha[65], src_sha[65];
	const char *const parts[] = { "rustc", "src" };

	if (rustdist_parse(c->dist, &v, err) < 0)
		return -1;
	url = rustdist_url(c->server, &v, triple);
	src_url = rustdist_src_url(c->server, &v);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		_cleanup_free_ char *dir = xasprintf("%s/%s", tmp, parts[i]), *top = NULL;
		const char *u = i == 0 ? url : src_url;

		if (download_unpack(u, NULL, cache, dir, progress, i == 0 ? sha : src_sha, err) < 0)
			return bm_err_prefix(err, "rust %s", c->dist);
		top = single_top(dir);
		if (!top)
			return bm_err_set(err, BM_ERR_INPUT, "rust %s: '%s' is not a Rust distribution "
					  "tarball (not one top directory)", c->dist, u);
		if (rust_components_install(u, top, prefix, err) < 0)
			return -1;
	}
	*ret_origin = xasprintf("%s sha256:%s\n%s sha256:%s", url, sha, src_url, src_sha);
	return 0;
}

/* A tarball by URL into tmp/prefix: its one top directory, else all it holds. */
static int url_install(const struct component *c, const char *cache, const char *tmp,
		       void (*progress)(const char *msg), char **ret_origin, struct bm_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/unpacked", tmp), *top = NULL;
	_cleanup_free_ char *prefix = xasprintf("%s/prefix", tmp);
	char sha[65];

	if (download_unpack(c->url, c->sha256, cache, dir, progress, sha, err) < 0)
		return -1;
	top = single_top(dir);
	if (rename(top ? top : dir, prefix) < 0)
		return bm_err_errno(err, errno, "cannot rename '%s'", top ? top : dir);
	*ret_origin = xasprintf("%s sha256:%s", c->url, sha);
	return 0;
}

/* components/NAME: rust-VERSION-TRIPLE-SERVERHASH (the same version from another server may be
 * another build) or KIND-url-SHA. */
static char *cache_name(enum component_kind k, const struct component *c)
{
	char hex[65];

	if (c->dist) {
		_cleanup_free_ char *triple = rustdist_host_triple();

		sha256_hex(c->server, strlen(c->server), hex);
		return xasprintf("rust-%s-%s-%.8s", c->dist, triple, hex);
	}
	return xasprintf("%s-url-%.16s", kind_names[k], c->sha256);
}

/* Whether the component is installed: its origin file and prefix. *ret_origin: the origin file's
 * text when it is, else NULL. */
static bool installed(const char *origin_path, const char *prefix, char **ret_origin)
{
	free(*ret_origin);
	*ret_origin = NULL;
	if (file_read(origin_path, ret_origin, NULL, NULL) == 0 && path_is_dir(prefix))
		return true;
	free(*ret_origin);
	*ret_origin = NULL;
	return false;
}

/* The installed component into c, its lock *lockfd (taken over) held shared from now on. */
static int component_hold(struct component *c, const char *prefix, char *origin, int *lockfd,
			  const char *dir, struct bm_err **err)
{
	if (cache_relock(*lockfd, dir, CACHE_LOCK_SHARED, NULL, err) < 0)
		return -1;
	c->prefix = xstrdup(prefix);
	c->origin = xstrdup(str_strip(origin));
	if (c->locked)
		close(c->lock_fd);
	c->lock_fd = *lockfd;
	c->locked = true;
	*lockfd = -1;
	return 0;
}

int component_fetch(enum component_kind k, struct component *c, const char *cache,
		    void (*progress)(const char *msg), struct bm_err **err)
{
	_cleanup_free_ char *name = NULL, *base = NULL, *dir = NULL, *tmp = NULL;
	_cleanup_free_ char *prefix = NULL, *origin_path = NULL, *origin = NULL, *missing = NULL;
	_cleanup_close_ int lockfd = -1;
	int r;

	if (c->dir) {
		missing = prefix_missing(k, c->dir);
		if (missing)
			return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a %s toolchain: %s", c->dir,
					  kind_names[k], missing);
		free(c->prefix);
		free(c->origin);
		c->prefix = xstrdup(c->dir);
		c->origin = xasprintf("%s (local directory)", c->dir);
		return 0;
	}
	if (c->dist && !c->server)
		return bm_err_set(err, BM_ERR_INPUT, "rust %s: no Rust distribution server: set "
				  "BOOTMATRIX_RUST_DIST_SERVER or the plan's rust_dist_server", c->dist);
	name = cache_name(k, c);
	base = xasprintf("%s/components", cache);
	dir = xasprintf("%s/%s", base, name);
	tmp = xasprintf("%s.tmp", dir);
	prefix = xasprintf("%s/prefix", dir);
	origin_path = xasprintf("%s/origin", dir);
	if (mkdir_p(base, err) < 0 || cache_lock(dir, CACHE_LOCK_SHARED, progress, &lockfd, err) < 0)
		return -1;
	/* installed (by us earlier, or by another process, maybe while we waited to install it):
	 * nothing to download */
	if (!installed(origin_path, prefix, &origin) &&
	    cache_relock(lockfd, dir, CACHE_LOCK_EXCLUSIVE, progress, err) < 0)
		return -1;
	if (origin || installed(origin_path, prefix, &origin)) {
		cache_mark_used(dir);
		return component_hold(c, prefix, origin, &lockfd, dir, err);
	}
	if (rm_rf(tmp, err) < 0 || mkdir_p(tmp, err) < 0)
		return -1;
	r = c->dist ? rust_dist_install(c, cache, tmp, progress, &origin, err) :
		url_install(c, cache, tmp, progress, &origin, err);
	if (r == 0) {
		_cleanup_free_ char *p = xasprintf("%s/prefix", tmp);
		_cleanup_free_ char *what = c->dist ? xasprintf("rust %s", c->dist) : xstrdup(c->url);

		missing = prefix_missing(k, p);
		if (missing)
			r = bm_err_set(err, BM_ERR_INPUT, "%s is not a %s toolchain: %s", what,
				       kind_names[k], missing);
	}
	if (r == 0) {
		_cleanup_free_ char *o = xasprintf("%s/origin", tmp), *un = xasprintf("%s/unpacked", tmp);
		_cleanup_free_ char *rs = xasprintf("%s/rustc", tmp), *ss = xasprintf("%s/src", tmp);

		/* what the tarballs held beyond the components stays out of the cache */
		if (rm_rf(un, err) < 0 || rm_rf(rs, err) < 0 || rm_rf(ss, err) < 0 ||
		    file_write_atomic(o, origin, strlen(origin), err) < 0 || rm_rf(dir, err) < 0)
			r = -1;
		else if (rename(tmp, dir) < 0)
			r = bm_err_errno(err, errno, "cannot rename '%s'", tmp);
	}
	if (r < 0) {
		rm_rf(tmp, NULL);
		return -1;
	}
	return component_hold(c, prefix, origin, &lockfd, dir, err);
}

/* The checksum file of a Rust version's rustc tarball for this host, on server. */
static char *rust_checksum_url(const char *server, const struct rustdist_version *v)
{
	_cleanup_free_ char *triple = rustdist_host_triple();
	_cleanup_free_ char *url = rustdist_url(server, v, triple);

	return xasprintf("%s.sha256", url);
}

/* Ask for url (a checksum file): 1 it answers, 0 404, -1 error. */
static int url_answers(const char *url, struct bm_err **err)
{
	_cleanup_free_ char *text = NULL;
	struct http_get_opts go = { .url = url };
	int r = http_get_text(&go, &text, err);

	return r < 0 ? -1 : r == 0;
}

int component_check(enum component_kind k, const struct component *c, const char *cache,
		    struct bm_err **err)
{
	_cleanup_free_ char *name = NULL, *origin = NULL, *missing = NULL, *sum = NULL;
	struct rustdist_version v;
	int r;

	if (c->dir) {
		missing = prefix_missing(k, c->dir);
		return missing ? bm_err_set(err, BM_ERR_INPUT, "'%s' is not a %s toolchain: %s", c->dir,
					    kind_names[k], missing) : 0;
	}
	if (!c->dist)
		return 0;
	if (!c->server)
		return bm_err_set(err, BM_ERR_INPUT, "rust %s: no Rust distribution server: set "
				  "BOOTMATRIX_RUST_DIST_SERVER or the plan's rust_dist_server", c->dist);
	name = cache_name(k, c);
	origin = xasprintf("%s/components/%s/origin", cache, name);
	if (path_exists(origin))
		return 0;
	if (rustdist_parse(c->dist, &v, err) < 0)
		return bm_err_prefix(err, "rust %s", c->dist);
	sum = rust_checksum_url(c->server, &v);
	r = url_answers(sum, err);
	if (r < 0)
		return bm_err_prefix(err, "rust %s", c->dist);
	if (r == 0)
		return bm_err_set(err, BM_ERR_INPUT, "rust %s: '%s' answered 404 Not Found: no such "
				  "version on the server", c->dist, sum);
	return 0;
}

int component_rust_release_exists(const char *server, const char *version, struct bm_err **err)
{
	_cleanup_free_ char *sum = NULL;
	struct rustdist_version v;

	if (rustdist_parse(version, &v, err) < 0)
		return -1;
	sum = rust_checksum_url(server, &v);
	return url_answers(sum, err);
}
