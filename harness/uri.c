/* URI parsing on libcurl's URL API (CURLU): the only module that parses URIs. libcurl checks
 * the syntax and splits the parts; this module adds what libcurl leaves to its caller (strict
 * %XX escapes, an empty authority, a port of 0 or an empty one) and says what was wrong in
 * words of its own. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "err.h"
#include "uri.h"
#include "util.h"

static void curlu_freep(CURLU **h)
{
	if (*h)
		curl_url_cleanup(*h);
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* s[0..n) with %XX decoded (by libcurl), or NULL when a '%' is not followed by two hex digits or
 * the result would hold a NUL byte. Caller frees. */
static char *pct_decode(const char *s, size_t n)
{
	char *dec, *out;
	int len;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '%' && (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])))
			return NULL;
	if (n > (size_t)1 << 30)
		return NULL;
	dec = curl_easy_unescape(NULL, s, (int)n, &len);
	if (!dec)
		abort();	/* out of memory, as xmalloc */
	if (memchr(dec, '\0', (size_t)len)) {
		curl_free(dec);
		return NULL;
	}
	out = xstrndup(dec, (size_t)len);
	curl_free(dec);
	return out;
}

/* A part as libcurl has it, copied (NULL when absent). */
static char *part(CURLU *h, CURLUPart which, unsigned flags)
{
	char *v = NULL, *copy;

	if (curl_url_get(h, which, &v, flags) != CURLUE_OK || !v)
		return NULL;
	copy = xstrdup(v);
	curl_free(v);
	return copy;
}

/* libcurl's error in our words; raw_host is the host[:port] text of the URI, for the cases
 * libcurl lumps together. */
static int curl_error(CURLUcode rc, const char *raw_host, struct bm_err **err)
{
	const char *close = strchr(raw_host, ']');

	switch (rc) {
	case CURLUE_NO_HOST:
		return bm_err_set(err, BM_ERR_INPUT, "no host");
	case CURLUE_BAD_IPV6:
		if (!close)
			return bm_err_set(err, BM_ERR_INPUT, "unterminated '[' in the host");
		return bm_err_set(err, BM_ERR_INPUT, "bad IPv6 address in the host");
	case CURLUE_BAD_PORT_NUMBER:
		if (raw_host[0] == '[' && close && close[1] && close[1] != ':')
			return bm_err_set(err, BM_ERR_INPUT, "junk after ']'");
		return bm_err_set(err, BM_ERR_INPUT, "bad port");
	case CURLUE_BAD_HOSTNAME:
		if (strchr(raw_host, '%'))
			return bm_err_set(err, BM_ERR_INPUT, "bad %%-escape in the host");
		return bm_err_set(err, BM_ERR_INPUT, "bad host name");
	case CURLUE_BAD_LOGIN:
	case CURLUE_BAD_USER:
	case CURLUE_BAD_PASSWORD:
		return bm_err_set(err, BM_ERR_INPUT, "bad user or password");
	case CURLUE_OUT_OF_MEMORY:
		abort();
	default:
		return bm_err_set(err, BM_ERR_INPUT, "not a URI of the form scheme://host/path (%s)",
				  curl_url_strerror(rc));
	}
}

void uri_release(struct uri *u)
{
	if (!u)
		return;
	free(u->scheme);
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->path);
	free(u->query);
	free(u->fragment);
	memset(u, 0, sizeof(*u));
}

int uri_parse(const char *text, struct uri *ret, struct bm_err **err)
{
	static const char scheme_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789+.-";
	_cleanup_(curlu_freep) CURLU *h = curl_url();
	_cleanup_free_ char *rewritten = NULL, *raw_host = NULL, *raw = NULL, *zone = NULL,
			    *port = NULL;
	const char *auth;
	size_t sl;
	bool no_authority;
	struct uri u = { 0 };
	CURLUcode rc;

	if (!h)
		abort();
	if (!text || !*text)
		return bm_err_set(err, BM_ERR_INPUT, "empty URI");
	sl = strspn(text, scheme_chars);
	if (sl == 0 || !str_has_prefix(text + sl, "://"))
		return bm_err_set(err, BM_ERR_INPUT, "not a URI of the form scheme://host/path");
	/* What libcurl cannot tell: it reads "qemu:///system" as the host "system", where
	 * RFC 3986 and libvirt see an empty authority and the path "/system". Such a URI is
	 * parsed with "localhost" put in as its host, which is dropped again below. */
	auth = text + sl + 3;
	no_authority = !*auth || strchr("/?#", *auth);
	if (no_authority)
		rewritten = xasprintf("%.*slocalhost%s", (int)(sl + 3), text, auth);
	/* The host[:port] as written (after the last '@' of the authority), for errors. */
	{
		size_t alen = strcspn(auth, "/?#");
		const char *at = NULL;

		for (const char *p = auth; p < auth + alen; p++)
			if (*p == '@')
				at = p;
		raw_host = at ? xstrndup(at + 1, alen - (size_t)(at + 1 - auth)) : xstrndup(auth, alen);
	}
	rc = curl_url_set(h, CURLUPART_URL, rewritten ? rewritten : text,
			  CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE);
	if (rc != CURLUE_OK)
		return curl_error(rc, raw_host, err);
	/* libcurl takes "host:" for the default port; an empty port is a typo here. */
	if (str_has_suffix(raw_host, ":"))
		return bm_err_set(err, BM_ERR_INPUT, "bad port");

	/* libcurl writes the scheme in lower case; keep it as written. */
	raw = part(h, CURLUPART_SCHEME, 0);
	if (!raw || strlen(raw) != sl) {
		uri_release(&u);
		return bm_err_set(err, BM_ERR_INPUT, "not a URI of the form scheme://host/path");
	}
	u.scheme = xstrndup(text, sl);
	free(raw);
	if ((raw = part(h, CURLUPART_USER, 0))) {
		u.user = pct_decode(raw, strlen(raw));
		if (!u.user) {
			uri_release(&u);
			return bm_err_set(err, BM_ERR_INPUT, "bad %%-escape in the user");
		}
		free(raw);
	}
	if ((raw = part(h, CURLUPART_PASSWORD, 0))) {
		u.password = pct_decode(raw, strlen(raw));
		if (!u.password) {
			uri_release(&u);
			return bm_err_set(err, BM_ERR_INPUT, "bad %%-escape in the password");
		}
		free(raw);
	}
	raw = part(h, CURLUPART_HOST, 0);
	zone = part(h, CURLUPART_ZONEID, 0);
	if (!no_authority && raw && raw[0] == '[') {
		/* "[fe80::1]" and the zone "eth0" (written %25eth0) */
		size_t n = strlen(raw);

		u.host = zone ? xasprintf("%.*s%%%s", (int)(n - 2), raw + 1, zone) :
				xstrndup(raw + 1, n - 2);
	} else if (!no_authority && raw) {
		/* libcurl decodes valid escapes in a name and leaves a bad one as it was */
		if (strchr(raw, '%')) {
			uri_release(&u);
			return bm_err_set(err, BM_ERR_INPUT, "bad %%-escape in the host");
		}
		u.host = xstrdup(raw);
	}
	if (!no_authority && (!u.host || !*u.host)) {
		uri_release(&u);
		return bm_err_set(err, BM_ERR_INPUT, "no host");
	}
	if ((port = part(h, CURLUPART_PORT, 0))) {
		unsigned long p = strtoul(port, NULL, 10);

		if (p == 0 || p > 65535) {
			uri_release(&u);
			return bm_err_set(err, BM_ERR_INPUT, "bad port");
		}
		u.port = (unsigned)p;
	}
	u.path = part(h, CURLUPART_PATH, 0);
	if (!u.path)
		u.path = xstrdup("/");
	u.query = part(h, CURLUPART_QUERY, 0);
	u.fragment = part(h, CURLUPART_FRAGMENT, 0);
	*ret = u;
	return 0;
}

int uri_query_param(const struct uri *u, const char *name, char **ret_value)
{
	const char *p;

	if (!u || !u->query || !name)
		return 0;
	/* Split as libvirt's virURIParseParams does: at '&', or at ';' when no '&' is left. */
	for (p = u->query; *p;) {
		const char *end = strchr(p, '&'), *eq;

		if (!end)
			end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (end > p) {
			size_t nlen = eq ? (size_t)(eq - p) : (size_t)(end - p);
			_cleanup_free_ char *key = pct_decode(p, nlen);

			if (key && !strcmp(key, name)) {
				char *v = eq ? pct_decode(eq + 1, (size_t)(end - eq - 1)) : xstrdup("");

				if (v) {
					*ret_value = v;
					return 1;
				}
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

bool uri_host_is_loopback(const struct uri *u)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!u || !u->host)
		return false;
	if (!strcasecmp(u->host, "localhost") || !strcasecmp(u->host, "localhost."))
		return true;
	if (inet_pton(AF_INET, u->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, u->host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

int uri_libvirt_ssh(const char *libvirt_uri, char **ret_user, char **ret_host, unsigned *ret_port,
		    struct bm_err **err)
{
	static const char *const schemes[] = { "qemu+ssh", "qemu+libssh", "qemu+libssh2" };
	struct uri u;
	bool ssh = false;

	if (!libvirt_uri)
		return bm_err_set(err, BM_ERR_INPUT, "no libvirt URI given");
	if (uri_parse(libvirt_uri, &u, err) < 0)
		return bm_err_prefix(err, "libvirt URI '%s'", libvirt_uri);
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (!strcmp(u.scheme, schemes[i]))
			ssh = true;
	if (!ssh) {
		uri_release(&u);
		return bm_err_set(err, BM_ERR_INPUT,
				  "libvirt URI '%s': not a remote host over ssh (want qemu+ssh://[user@]host[:port]/system or qemu+libssh://...)",
				  libvirt_uri);
	}
	if (u.password) {
		uri_release(&u);
		return bm_err_set(err, BM_ERR_INPUT,
				  "libvirt URI '%s': passwords are not supported (use a key)", libvirt_uri);
	}
	if (u.user && !*u.user) {
		uri_release(&u);
		return bm_err_set(err, BM_ERR_INPUT, "libvirt URI '%s': empty user name", libvirt_uri);
	}
	if (!u.host) {
		uri_release(&u);
		return bm_err_set(err, BM_ERR_INPUT, "libvirt URI '%s': no host", libvirt_uri);
	}
	*ret_user = u.user;
	*ret_host = u.host;
	*ret_port = u.port ? u.port : 22;
	u.user = u.host = NULL;
	uri_release(&u);
	return 0;
}

int uri_libvirt_param(const char *libvirt_uri, const char *name, char **ret_value)
{
	struct uri u;
	int found;

	if (uri_parse(libvirt_uri, &u, NULL) < 0)
		return 0;
	found = uri_query_param(&u, name, ret_value);
	uri_release(&u);
	return found;
}
