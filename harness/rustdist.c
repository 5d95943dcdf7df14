/* rustdist.h: names, URLs and ranges of the Rust distribution layout. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "err.h"
#include "rustdist.h"
#include "util.h"

/* A date YYYY-MM-DD that exists on the calendar. */
static bool date_ok(const char *s)
{
	struct tm tm = { 0 };
	char back[11];
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	t = timegm(&tm);
	if (t == (time_t)-1 || !gmtime_r(&t, &tm))
		return false;
	strftime(back, sizeof(back), "%Y-%m-%d", &tm);
	return strcmp(back, s) == 0;
}

/* "N" with no sign, no leading zero (but "0"), no more than 5 digits. */
static bool number(const char *s, size_t n, unsigned *ret)
{
	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	*ret = (unsigned)strtoul(s, NULL, 10);
	return true;
}

int rustdist_parse(const char *s, struct rustdist_version *ret, struct bm_err **err)
{
	struct rustdist_version v = { 0 };
	const char *date = NULL;

	if (str_has_prefix(s, "nightly-")) {
		v.channel = RUSTDIST_NIGHTLY;
		date = s + 8;
	} else if (str_has_prefix(s, "beta-")) {
		v.channel = RUSTDIST_BETA;
		date = s + 5;
	}
	if (date) {
		if (!date_ok(date))
			return bm_err_set(err, BM_ERR_INPUT, "'%s': no such date (want %s-YYYY-MM-DD)", s,
					  v.channel == RUSTDIST_NIGHTLY ? "nightly" : "beta");
		memcpy(v.date, date, 11);
	} else {
		const char *d1 = strchr(s, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

		if (!d2 || !number(s, (size_t)(d1 - s), &v.major) ||
		    !number(d1 + 1, (size_t)(d2 - d1 - 1), &v.minor) ||
		    !number(d2 + 1, strlen(d2 + 1), &v.patch))
			return bm_err_set(err, BM_ERR_INPUT,
					  "'%s' is not a Rust version (want a release X.Y.Z, "
					  "beta-YYYY-MM-DD or nightly-YYYY-MM-DD)", s);
	}
	*ret = v;
	return 0;
}

char *rustdist_name(const struct rustdist_version *v)
{
	switch (v->channel) {
	case RUSTDIST_NIGHTLY:
		return xasprintf("nightly-%s", v->date);
	case RUSTDIST_BETA:
		return xasprintf("beta-%s", v->date);
	default:
		return xasprintf("%u.%u.%u", v->major, v->minor, v->patch);
	}
}

/* server/dist/ or server/dist/DATE/, and the name artifacts carry: 1.90.0, nightly, beta. */
static char *dist_dir(const char *server, const struct rustdist_version *v, char **ret_tag)
{
	size_t n = strlen(server);

	while (n > 0 && server[n - 1] == '/')
		n--;
	if (v->channel == RUSTDIST_STABLE) {
		*ret_tag = rustdist_name(v);
		return xasprintf("%.*s/dist/", (int)n, server);
	}
	*ret_tag = xstrdup(v->channel == RUSTDIST_NIGHTLY ? "nightly" : "beta");
	return xasprintf("%.*s/dist/%s/", (int)n, server, v->date);
}

char *rustdist_url(const char *server, const struct rustdist_version *v, const char *triple)
{
	_cleanup_free_ char *tag = NULL, *dir = dist_dir(server, v, &tag);

	return xasprintf("%srust-%s-%s.tar.xz", dir, tag, triple);
}

char *rustdist_src_url(const char *server, const struct rustdist_version *v)
{
	_cleanup_free_ char *tag = NULL, *dir = dist_dir(server, v, &tag);

	return xasprintf("%srust-src-%s.tar.xz", dir, tag);
}

int rustdist_sha256_parse(const char *text, const char *url, char ret_hex[65], struct bm_err **err)
{
	const char *p = text + strspn(text, " \t\r\n");
	size_t n = strcspn(p, " \t\r\n");

	if (n != 64)
		return bm_err_set(err, BM_ERR_INPUT, "'%s' holds no SHA-256 checksum", url);
	for (size_t i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return bm_err_set(err, BM_ERR_INPUT, "'%s' holds no SHA-256 checksum", url);
		ret_hex[i] = (char)tolower((unsigned char)p[i]);
	}
	ret_hex[64] = '\0';
	return 0;
}

bool rustdist_component_wanted(const char *name)
{
	return strcmp(name, "rustc") == 0 || str_has_prefix(name, "rust-std-") ||
	       strcmp(name, "rust-src") == 0 || str_has_prefix(name, "rustfmt");
}

char *rustdist_host_triple(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return xstrdup("x86_64-unknown-linux-gnu");
	return xasprintf("%s-unknown-linux-gnu", u.machine);
}

bool rustdist_is_range(const char *s)
{
	return strstr(s, "..") != NULL;
}

static int cmp_release(const struct rustdist_version *a, const struct rustdist_version *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	return a->patch < b->patch ? -1 : a->patch > b->patch;
}

/* Push v when the probe finds it: 1 pushed, 0 absent, -1 error. */
static int probe_push(char ***v, rustdist_probe_fn probe, void *data, unsigned major,
		      unsigned minor, unsigned patch, struct bm_err **err)
{
	struct rustdist_version r = { .channel = RUSTDIST_STABLE, major, minor, patch, "" };
	int found = probe(&r, data, err);

	if (found > 0)
		strv_pushf(v, "%u.%u.%u", major, minor, patch);
	return found;
}

static int range_releases(const struct rustdist_version *a, const struct rustdist_version *b,
			  rustdist_probe_fn probe, void *data, char ***ret, struct bm_err **err)
{
	_cleanup_strv_ char **v = NULL;
	int found;

	if (a->major != b->major)
		return bm_err_set(err, BM_ERR_INPUT, "a range of releases stays within one major version");
	strv_pushf(&v, "%u.%u.%u", a->major, a->minor, a->patch);
	/* the patch releases after A in its minor */
	if (a->minor < b->minor)
		for (unsigned p = a->patch + 1;; p++)
			if ((found = probe_push(&v, probe, data, a->major, a->minor, p, err)) <= 0) {
				if (found < 0)
					return -1;
				break;
			}
	for (unsigned m = a->minor + 1; m < b->minor; m++)
		for (unsigned p = 0;; p++)
			if ((found = probe_push(&v, probe, data, a->major, m, p, err)) <= 0) {
				if (found < 0)
					return -1;
				break;
			}
	/* B's minor up to B: each asked for (X.Y.0 may be missing where X.Y.1 is not) */
	for (unsigned p = a->minor == b->minor ? a->patch + 1 : 0; p < b->patch; p++)
		if (probe_push(&v, probe, data, b->major, b->minor, p, err) < 0)
			return -1;
	strv_pushf(&v, "%u.%u.%u", b->major, b->minor, b->patch);
	*ret = v;
	v = NULL;
	return 0;
}

static int range_dates(const struct rustdist_version *a, const struct rustdist_version *b,
		       char ***ret)
{
	const char *prefix = a->channel == RUSTDIST_NIGHTLY ? "nightly" : "beta";
	struct tm tm = { 0 };
	char **v = NULL;
	char day[11];
	time_t t;

	tm.tm_year = atoi(a->date) - 1900;
	tm.tm_mon = atoi(a->date + 5) - 1;
	tm.tm_mday = atoi(a->date + 8);
	tm.tm_hour = 12;
	t = timegm(&tm);
	do {
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		strv_pushf(&v, "%s-%s", prefix, day);
		t += 24 * 3600;
	} while (strcmp(day, b->date) < 0);
	*ret = v;
	return 0;
}

int rustdist_range(const char *range, rustdist_probe_fn probe, void *data, char ***ret,
		   struct bm_err **err)
{
	const char *dots = strstr(range, "..");
	_cleanup_free_ char *left = NULL;
	struct rustdist_version a, b;

	if (!dots)
		return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a range (want A..B)", range);
	left = xstrndup(range, (size_t)(dots - range));
	if (rustdist_parse(left, &a, err) < 0 || rustdist_parse(dots + 2, &b, err) < 0)
		return bm_err_prefix(err, "range '%s'", range);
	if (a.channel != b.channel)
		return bm_err_set(err, BM_ERR_INPUT, "range '%s': both ends must be of one channel "
				  "(releases, betas or nightlies)", range);
	if (a.channel == RUSTDIST_STABLE ? cmp_release(&a, &b) >= 0 : strcmp(a.date, b.date) >= 0)
		return bm_err_set(err, BM_ERR_INPUT, "range '%s': the first end must come before the last",
				  range);
	if (a.channel == RUSTDIST_STABLE)
		return range_releases(&a, &b, probe, data, ret, err);
	return range_dates(&a, &b, ret);
}
