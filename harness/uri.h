/* URIs and URLs: libvirt connection URIs (qemu+ssh://user@host:port/system?keyfile=...,
 * qemu:///embed?root=DIR) and http(s) URLs, parsed by libcurl's URL API. uri.c is the only
 * module that parses a URI; no libcurl type appears here (http.c does the transfers). Pure: no
 * network, no name resolution. */
#ifndef BM_URI_H
#define BM_URI_H

#include <stdbool.h>

struct bm_err;

/* A parsed URI. Every string is the caller's (uri_release); NULL when the URI has no such part. */
struct uri {
	char *scheme;		/* as written ("qemu+ssh", "https"); never NULL */
	char *user;		/* %XX decoded; "" for "@host" */
	char *password;		/* %XX decoded */
	char *host;		/* %XX decoded, IPv6 without brackets ("::1", "fe80::1%eth0");
				 * NULL for an empty authority ("qemu:///system") */
	unsigned port;		/* 0: none given */
	char *path;		/* as written (not decoded); "/" when the URI has none */
	char *query;		/* as written, without '?' */
	char *fragment;		/* as written, without '#' */
};

/* Parse text, an absolute URI of any scheme. -1 with BM_ERR_INPUT and a message without the URI
 * itself ("no host", "bad port", "bad %-escape in the user", "unterminated '[' in the host",
 * "junk after ']'", ...: the caller says which URI) when it is malformed; *ret is written only
 * on success. */
int uri_parse(const char *text, struct uri *ret, struct bm_err **err);
void uri_release(struct uri *u);	/* the strings; NULL is fine */

/* The value of query parameter name of u, %XX decoded, split as libvirt does ('&' separates
 * parameters, or ';' where no '&' is left; '+' stays '+'). The first one counts. Returns 1 and
 * *ret_value (caller frees) when present, 0 when absent or badly escaped. */
int uri_query_param(const struct uri *u, const char *name, char **ret_value);

/* Whether u's host is this machine's loopback: 127.0.0.0/8 (libcurl writes "127.1" and other
 * numeric forms as dotted quads), ::1 (also as ::ffff:127.x.y.z), or the name "localhost"
 * (any case, a trailing dot allowed). Decided from the parsed host, never by prefix:
 * "127.evil.example" is a name, not loopback. False without a host. */
bool uri_host_is_loopback(const struct uri *u);

/* A libvirt URI naming a remote host over SSH: "qemu+ssh://[user@]host[:port]/system[?...]"
 * (also qemu+libssh:// and qemu+libssh2://; schemes are matched case-sensitively, as libvirt
 * does). *ret_user is NULL when the URI names none; *ret_port is 22 when none is given. Caller
 * frees the strings. -1 (BM_ERR_INPUT, "libvirt URI '...': ...") for any other scheme, a
 * password, an empty user, no host, port 0 or a malformed URI; outputs written only on
 * success. */
int uri_libvirt_ssh(const char *libvirt_uri, char **ret_user, char **ret_host, unsigned *ret_port,
		    struct bm_err **err);

/* The value of query parameter name of a libvirt URI (see uri_query_param); 0 when absent or
 * when the URI does not parse. */
int uri_libvirt_param(const char *libvirt_uri, const char *name, char **ret_value);

#endif
