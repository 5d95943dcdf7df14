/* A private apt for another Debian suite: its own sources list, package lists and download cache
 * under the cache directory, so that a package of sid (or trixie) can be looked up and downloaded
 * on a Debian 12 host without touching the host's apt configuration and without a whole root
 * filesystem. Release files are verified with the host's Debian archive keyring, as apt does. */
#ifndef BM_APT_H
#define BM_APT_H

struct bm_err;

/* Lists older than this are refreshed (apt-get update) before the next use. */
#define APT_LISTS_MAX_AGE (12 * 3600)

struct apt_suite {
	char *suite;	/* "sid" */
	char *dir;	/* <cache>/apt/<suite> */
};

/* The argv that runs tool ("apt-get" or "apt-cache") with args against the suite's private
 * state in dir. Pure: builds, never runs. Caller frees with strv_free. */
char **apt_suite_command(const char *dir, const char *tool, char *const *args);

/* The text of the suite's sources.list for mirror (a URI ending in '/' or not). Pure. Caller
 * frees. */
char *apt_suite_sources(const char *mirror, const char *suite);

/* Set up <cache>/apt/<suite> from the host's Debian mirror and update its lists when they are
 * missing or older than APT_LISTS_MAX_AGE. progress may be NULL. On success *ret is filled
 * (release with apt_suite_release). */
int apt_suite_open(const char *cache, const char *suite, void (*progress)(const char *msg),
		   struct apt_suite *ret, struct bm_err **err);
void apt_suite_release(struct apt_suite *a);

#endif
