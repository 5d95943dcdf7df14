/* source.h: kernel sources made available in the cache: a Debian linux-source package
 * (apt-get download, extracted with archives.c), a tarball at a URL (http.c, checked by
 * sha256), or a tree of the user's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apt.h"
#include "archives.h"
#include "cache.h"
#include "err.h"
#include "http.h"
#include "proc.h"
#include "source.h"
#include "util.h"

#define DOWNLOAD_TIMEOUT (30 * 60)

void kernel_source_free(struct kernel_source *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s->version);
	free(s->origin);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

void kernel_source_freep(struct kernel_source **s)
{
	kernel_source_free(*s);
	*s = NULL;
}

static char *makefile_var(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line;

		if (strncmp(p, name, n) != 0)
			continue;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		return xstrndup(p, strcspn(p, " \t\n#"));
	}
	return NULL;
}

int source_makefile_version(const char *text, char **ret)
{
	_cleanup_free_ char *v = makefile_var(text, "VERSION");
	_cleanup_free_ char *p = makefile_var(text, "PATCHLEVEL");
	_cleanup_free_ char *s = makefile_var(text, "SUBLEVEL");
	_cleanup_free_ char *e = makefile_var(text, "EXTRAVERSION");

	if (!v || !p || !*v || !*p)
		return -1;
	*ret = xasprintf("%s.%s%s%s%s", v, p, s && *s ? "." : "", s ? s : "", e ? e : "");
	return 0;
}

static int tree_version(const char *dir, char **ret, struct bm_err **err)
{
	_cleanup_free_ char *mk = xasprintf("%s/Makefile", dir);
	_cleanup_free_ char *text = NULL;

	if (file_read(mk, &text, NULL, err) < 0)
		return bm_err_prefix(err, "kernel tree '%s'", dir);
	if (source_makefile_version(text, ret) < 0)
		return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a kernel Makefile (no VERSION)", mk);
	return 0;
}

static int run_quiet(char *const *argv, const char *cwd, double timeout, struct bm_err **err)
{
	_cleanup_free_ char *out = NULL;

	return proc_output(argv, cwd, timeout, &out, err);
}

/* An apt command: the host's own apt, or with apt_dir, the private apt of another suite. */
static char **apt_argv(const char *apt_dir, char *const *argv)
{
	char **v = NULL;

	if (apt_dir)
		return apt_suite_command(apt_dir, argv[0], argv + 1);
	strv_push_all(&v, argv);
	return v;
}

int source_debian_resolve(const char *pkg, const char *apt_show, char **ret_pkg, char **ret_version,
			  struct bm_err **err)
{
	_cleanup_free_ char *text = xstrdup(apt_show), *version = NULL, *depends = NULL;
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!version && str_has_prefix(line, "Version: "))
			version = xstrdup(str_strip(line + 9));
		else if (!depends && str_has_prefix(line, "Depends: "))
			depends = xstrdup(line + 9);
	}
	if (!version)
		return bm_err_set(err, BM_ERR_INPUT, "no version for Debian package '%s'", pkg);
	if (strcmp(pkg, "linux-source") == 0) {
		/* "linux-source-7.2 (= 7.2.13-1)", maybe among others, comma-separated */
		for (char *d = strtok_r(depends ? depends : (char *)"", ",", &save); d;
		     d = strtok_r(NULL, ",", &save)) {
			char name[128], ver[128];

			if (sscanf(d, " %127[^ (] (= %127[^)])", name, ver) == 2 &&
			    str_has_prefix(name, "linux-source-") && name[13] >= '0' && name[13] <= '9') {
				*ret_pkg = xstrdup(name);
				*ret_version = xstrdup(ver);
				return 0;
			}
		}
		return bm_err_set(err, BM_ERR_INPUT, "Debian package 'linux-source' %s depends on no "
				  "linux-source-X.Y (=version)", version);
	}
	*ret_pkg = xstrdup(pkg);
	*ret_version = version;
	version = NULL;
	return 0;
}

/* What apt's answer depends on: the mtimes of the lists, the sources, the pins and dpkg's status
 * (host), or of the private apt's lists, sources and status (via). Caller frees. */
static char *apt_state_stamp(const struct apt_suite *via)
{
	static const char *const host[] = { "/var/lib/apt/lists", "/etc/apt/sources.list",
					    "/etc/apt/sources.list.d", "/etc/apt/preferences",
					    "/etc/apt/preferences.d", "/var/lib/dpkg/status" };
	static const char *const priv[] = { "state/lists", "sources.list", "status" };
	const char *const *paths = via ? priv : host;
	size_t n = via ? ARRAY_SIZE(priv) : ARRAY_SIZE(host);
	struct strbuf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = via ? xasprintf("%s/%s", via->dir, paths[i]) : xstrdup(paths[i]);
		struct stat st;

		if (stat(path, &st) == 0)
			strbuf_addf(&b, "%lld.%09ld ", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		else
			strbuf_add(&b, "- ");
	}
	return strbuf_take(&b);
}

int source_resolved_parse(const char *text, const char *stamp, time_t mtime, time_t now,
			  char **ret_pkg, char **ret_version)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *nl = strchr(copy, '\n'), *sp;

	/* "pkg version\nstamp" */
	if (now - mtime < 0 || now - mtime >= SOURCE_RESOLVED_MAX_AGE || !nl)
		return -1;
	*nl = '\0';
	sp = strchr(copy, ' ');
	if (!sp || sp == copy || !sp[1] || strchr(sp + 1, ' ') || strcmp(nl + 1, stamp) != 0)
		return -1;
	*sp = '\0';
	*ret_pkg = xstrdup(copy);
	*ret_version = xstrdup(sp + 1);
	return 0;
}

/* The package and version apt would download for pkg (see source_debian_resolve), remembered in
 * CACHE/resolved while apt's state stays the same (SOURCE_RESOLVED_MAX_AGE at most): running
 * apt-cache costs more than half a second, at every run. */
static int debian_version(const char *cache, const char *pkg, const struct apt_suite *via,
			  char **ret_pkg, char **ret_version, struct bm_err **err)
{
	char *const argv[] = { (char *)"apt-cache", (char *)"show", (char *)"--no-all-versions",
			       (char *)pkg, NULL };
	_cleanup_strv_ char **cmd = apt_argv(via ? via->dir : NULL, argv);
	_cleanup_free_ char *out = NULL, *dir = xasprintf("%s/resolved", cache);
	_cleanup_free_ char *file = xasprintf("%s/%s_%s", dir, via ? via->suite : "host", pkg);
	_cleanup_free_ char *stamp = NULL, *text = NULL, *line = NULL;
	struct stat st;

	for (char *c = file + strlen(dir) + 1; *c; c++)
		if (*c == '/')
			*c = '_';
	/* The stamp before apt runs: an update meanwhile makes the entry stale, not wrong. */
	stamp = apt_state_stamp(via);
	if (stat(file, &st) == 0 && file_read(file, &text, NULL, NULL) == 0 &&
	    source_resolved_parse(text, stamp, st.st_mtime, time(NULL), ret_pkg, ret_version) == 0)
		return 0;
	if (proc_output(cmd, NULL, 120, &out, NULL) < 0)
		return bm_err_set(err, BM_ERR_INPUT, "no Debian package '%s' in %s%s", pkg,
				  via ? "Debian " : "the host's apt sources",
				  via ? via->suite : "");
	if (source_debian_resolve(pkg, out, ret_pkg, ret_version, err) < 0)
		return -1;
	/* Only a speed-up: a cache that cannot be written is no error. */
	line = xasprintf("%s %s\n%s", *ret_pkg, *ret_version, stamp);
	if (mkdir_p(dir, NULL) == 0)
		file_write_atomic(file, line, strlen(line), NULL);
	return 0;
}

static int debian_fetch(const char *pkg, const char *version, const struct apt_suite *via,
			const char *dest, void (*progress)(const char *msg), struct bm_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", dest);
	_cleanup_free_ char *x = xasprintf("%s/x", tmp);
	_cleanup_free_ char *usrsrc = xasprintf("%s/x/usr/src", tmp);
	_cleanup_free_ char *pkgver = xasprintf("%s=%s", pkg, version);
	_cleanup_strv_ char **debs = NULL, **tars = NULL;
	_cleanup_free_ char *deb = NULL, *tar = NULL, *tree = NULL, *msg = NULL;

	if (rm_rf(tmp, err) < 0 || mkdir_p(tmp, err) < 0)
		return -1;
	msg = xasprintf("source %s: downloading %s", pkg, version);
	if (progress)
		progress(msg);
	{
		char *const argv[] = { (char *)"apt-get", (char *)"download", (char *)"-q", (char *)"-o",
				       (char *)"APT::Sandbox::User=root", pkgver, NULL };
		_cleanup_strv_ char **cmd = apt_argv(via ? via->dir : NULL, argv);

		if (run_quiet(cmd, tmp, DOWNLOAD_TIMEOUT, err) < 0)
			return bm_err_prefix(err, "downloading '%s'", pkgver);
	}
	debs = dir_names(tmp, ".deb");
	if (!debs[0])
		return bm_err_set(err, BM_ERR_INFRA, "apt-get download left no .deb for '%s'", pkgver);
	deb = xasprintf("%s/%s.deb", tmp, debs[0]);
	if (mkdir_p(x, err) < 0 || archives_extract_deb(deb, x, err) < 0)
		return bm_err_prefix(err, "unpacking '%s'", deb);
	tars = dir_names(usrsrc, ".tar.xz");
	if (!tars[0])
		return bm_err_set(err, BM_ERR_INPUT, "'%s' carries no kernel tarball in /usr/src", pkg);
	tar = xasprintf("%s/%s.tar.xz", usrsrc, tars[0]);
	free(msg);
	msg = xasprintf("source %s: extracting %s", pkg, tars[0]);
	if (progress)
		progress(msg);
	if (archives_extract_tar(tar, tmp, err) < 0)
		return bm_err_prefix(err, "extracting '%s'", tar);
	tree = xasprintf("%s/%s", tmp, tars[0]);
	if (!path_is_dir(tree))
		return bm_err_set(err, BM_ERR_INPUT, "'%s' did not hold the directory '%s'", tar, tars[0]);
	if (rename(tree, dest) < 0)
		return bm_err_errno(err, errno, "cannot rename '%s'", tree);
	return rm_rf(tmp, err);
}

static void fetch_progress(double done, double total, void *data)
{
	void (*progress)(const char *msg) = *(void (**)(const char *))data;
	_cleanup_free_ char *msg = NULL;

	if (!progress || total <= 0)
		return;
	msg = xasprintf("source: downloaded %.0f of %.0f MiB", done / 1048576, total / 1048576);
	progress(msg);
}

/* The tree dest in the cache locked (*ret_fd): shared when it is there, else exclusive, for the
 * caller to make it (another process making it meanwhile is waited for). */
static int tree_hold(const char *dest, int *ret_fd, void (*progress)(const char *msg),
		     struct bm_err **err)
{
	if (cache_lock(dest, CACHE_LOCK_SHARED, progress, ret_fd, err) < 0)
		return -1;
	if (path_is_dir(dest))
		return 0;
	if (cache_relock(*ret_fd, dest, CACHE_LOCK_EXCLUSIVE, progress, err) < 0) {
		close(*ret_fd);
		*ret_fd = -1;
		return -1;
	}
	return 0;
}

/* A kernel tarball at a URL: fetched into the cache by checksum, extracted once. */
static int url_prepare(const struct plan_source *ps, const char *cache,
		       void (*progress)(const char *msg), char **ret_dir, int *ret_fd, struct bm_err **err)
{
	_cleanup_free_ char *downloads = xasprintf("%s/downloads", cache);
	_cleanup_free_ char *dest = xasprintf("%s/sources/url-%.16s", cache, ps->sha256);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", dest);
	_cleanup_free_ char *tarball = NULL;
	_cleanup_strv_ char **tops = NULL;
	struct http_fetch_opts fo = { .url = ps->value, .sha256 = ps->sha256, .cache_dir = downloads,
				      .progress = fetch_progress, .progress_data = &progress };

	if (tree_hold(dest, ret_fd, progress, err) < 0)
		return -1;
	if (path_is_dir(dest)) {
		*ret_dir = xstrdup(dest);
		return 0;
	}
	if (http_fetch(&fo, &tarball, err) < 0)
		return -1;
	if (rm_rf(tmp, err) < 0 || mkdir_p(tmp, err) < 0)
		return -1;
	if (archives_extract_tar(tarball, tmp, err) < 0)
		return bm_err_prefix(err, "extracting '%s'", ps->value);
	/* A kernel tarball holds one top directory (linux-7.2/). */
	tops = dir_names(tmp, "");
	if (strv_length(tops) == 1) {
		_cleanup_free_ char *top = xasprintf("%s/%s", tmp, tops[0]);

		if (path_is_dir(top)) {
			if (rename(top, dest) < 0)
				return bm_err_errno(err, errno, "cannot rename '%s'", top);
			rm_rf(tmp, NULL);
			*ret_dir = xstrdup(dest);
			return 0;
		}
	}
	if (rename(tmp, dest) < 0)
		return bm_err_errno(err, errno, "cannot rename '%s'", tmp);
	*ret_dir = xstrdup(dest);
	return 0;
}

int source_prepare(const struct plan_source *ps, const char *suite, const char *cache,
		   void (*progress)(const char *msg), struct kernel_source **ret, struct bm_err **err)
{
	struct kernel_source *s = xcalloc(1, sizeof(*s));
	_cleanup_(apt_suite_release) struct apt_suite apt = { 0 };
	struct apt_suite *via = NULL;

	s->lock_fd = -1;

	if (ps->kind == SOURCE_PATH) {
		s->dir = xstrdup(ps->value);
		s->origin = xstrdup(ps->value);
	} else if (ps->kind == SOURCE_URL) {
		if (url_prepare(ps, cache, progress, &s->dir, &s->lock_fd, err) < 0) {
			bm_err_prefix(err, "kernel source '%s'", ps->value);
			goto fail;
		}
		s->origin = xasprintf("%s sha256:%s", ps->value, ps->sha256);
		cache_mark_used(s->dir);
	} else {
		_cleanup_free_ char *pkg = NULL, *version = NULL, *key = NULL;

		if (suite) {
			if (apt_suite_open(cache, suite, progress, &apt, err) < 0)
				goto fail;
			via = &apt;
		}
		if (debian_version(cache, ps->value, via, &pkg, &version, err) < 0)
			goto fail;
		key = xasprintf("%s_%s", pkg, version);
		for (char *c = key; *c; c++)
			if (*c == ':' || *c == '/')
				*c = '_';
		s->dir = xasprintf("%s/sources/%s", cache, key);
		s->origin = xasprintf("%s %s", pkg, version);
		if (tree_hold(s->dir, &s->lock_fd, progress, err) < 0)
			goto fail;
		if (!path_is_dir(s->dir) && debian_fetch(pkg, version, via, s->dir, progress, err) < 0) {
			bm_err_prefix(err, "kernel source '%s'", ps->value);
			goto fail;
		}
		cache_mark_used(s->dir);
	}
	if (tree_version(s->dir, &s->version, err) < 0)
		goto fail;
	/* made: from now on only read, by this process and others */
	if (s->lock_fd >= 0 && cache_relock(s->lock_fd, s->dir, CACHE_LOCK_SHARED, NULL, err) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	kernel_source_free(s);
	return -1;
}
