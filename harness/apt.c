/* apt for a Debian suite the host does not use (sid, trixie), with a private state directory per
 * suite in the cache: the host's sources, lists and pins are never read or written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "apt.h"
#include "cache.h"
#include "err.h"
#include "proc.h"
#include "toolchain.h"
#include "util.h"

#define UPDATE_TIMEOUT (10 * 60)
#define KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

char **apt_suite_command(const char *dir, const char *tool, char *const *args)
{
	char **v = NULL;

	strv_push(&v, tool);
	strv_pushf(&v, "-oDir::Etc::sourcelist=%s/sources.list", dir);
	/* An empty directory, so the host's sources.list.d and preferences.d stay out. */
	strv_pushf(&v, "-oDir::Etc::sourceparts=%s/empty", dir);
	strv_pushf(&v, "-oDir::Etc::preferences=%s/empty/preferences", dir);
	strv_pushf(&v, "-oDir::Etc::preferencesparts=%s/empty", dir);
	strv_pushf(&v, "-oDir::State=%s/state", dir);
	strv_pushf(&v, "-oDir::State::status=%s/status", dir);
	strv_pushf(&v, "-oDir::Cache=%s/cache", dir);
	strv_push(&v, "-oAcquire::Languages=none");
	/* Downloads land in directories root owns; apt's _apt sandbox user could not write there. */
	strv_push(&v, "-oAPT::Sandbox::User=root");
	strv_push(&v, "-q");
	strv_push_all(&v, args);
	return v;
}

char *apt_suite_sources(const char *mirror, const char *suite)
{
	return xasprintf("deb [signed-by=%s] %s%s %s main\n", KEYRING, mirror,
			 str_has_suffix(mirror, "/") ? "" : "/", suite);
}

static bool lists_fresh(const char *stamp)
{
	struct stat st;

	return stat(stamp, &st) == 0 && time(NULL) - st.st_mtime < APT_LISTS_MAX_AGE;
}

int apt_suite_open(const char *cache, const char *suite, void (*progress)(const char *msg),
		   struct apt_suite *ret, struct bm_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/apt/%s", cache, suite);
	_cleanup_free_ char *stamp = xasprintf("%s/updated", dir);
	_cleanup_free_ char *mirror = NULL, *sources = NULL, *out = NULL;
	static const char *const subdirs[] = { "empty", "state/lists/partial", "cache/archives/partial" };
	_cleanup_close_ int lockfd = -1;

	if (strchr(suite, '/') || !*suite)
		return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a Debian suite name", suite);
	/* apt-get fails at once on lists another apt-get is updating: one process at a time */
	if (!lists_fresh(stamp) && cache_lock(dir, CACHE_LOCK_EXCLUSIVE, progress, &lockfd, err) < 0)
		return -1;
	if (!lists_fresh(stamp)) {
		_cleanup_free_ char *status = xasprintf("%s/status", dir);
		_cleanup_free_ char *list = xasprintf("%s/sources.list", dir);
		char *const args[] = { (char *)"update", NULL };
		_cleanup_strv_ char **argv = apt_suite_command(dir, "apt-get", args);

		for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
			_cleanup_free_ char *d = xasprintf("%s/%s", dir, subdirs[i]);

			if (mkdir_p(d, err) < 0)
				return -1;
		}
		if (host_debian_mirror(&mirror, err) < 0)
			return -1;
		sources = apt_suite_sources(mirror, suite);
		if (file_write_atomic(list, sources, strlen(sources), err) < 0 ||
		    (!path_exists(status) && file_write_atomic(status, "", 0, err) < 0))
			return -1;
		if (progress) {
			_cleanup_free_ char *msg = xasprintf("apt: updating the package lists of %s", suite);

			progress(msg);
		}
		if (proc_output(argv, NULL, UPDATE_TIMEOUT, &out, err) < 0) {
			return bm_err_prefix(err, "updating the package lists of Debian '%s' from '%s'",
					     suite, mirror);
		}
		if (file_write_atomic(stamp, "", 0, err) < 0)
			return -1;
	}
	ret->suite = xstrdup(suite);
	ret->dir = dir;
	dir = NULL;
	return 0;
}

void apt_suite_release(struct apt_suite *a)
{
	if (!a)
		return;
	free(a->suite);
	free(a->dir);
	a->suite = a->dir = NULL;
}
