/* libFuzzer target: the URI parser (uri.c) on arbitrary text, and everything built on what it
 * parsed: query parameters, the loopback decision, libvirt's SSH URIs. Properties checked: a
 * parsed URI has a scheme and a path; a loopback host is never a name that merely starts like
 * one. Seeds: tests/data/fuzz/fuzz_uri. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "uri.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct bm_err *err = NULL;
	struct uri u;
	char *v = NULL, *user = NULL, *host = NULL;
	unsigned port = 0;

	if (uri_parse(text, &u, &err) == 0) {
		if (!u.scheme || !u.path)
			abort();
		static const char *const names[] = { "socket", "root", "no_verify", "", "keyfile" };
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (uri_query_param(&u, names[i], &v) == 1) {
				if (!v)
					abort();
				free(v);
				v = NULL;
			}
		}
		if (uri_host_is_loopback(&u) && !(u.host && (strncmp(u.host, "127.", 4) == 0 ||
							      strchr(u.host, ':') ||
							      strncasecmp(u.host, "localhost", 9) == 0)))
			abort();
		uri_release(&u);
	} else if (!err || !err->msg) {
		abort();
	}
	bm_err_freep(&err);
	if (uri_libvirt_ssh(text, &user, &host, &port, &err) == 0) {
		if (!host || !*host || port == 0 || port > 65535)
			abort();
		free(user);
		free(host);
	}
	bm_err_freep(&err);
	if (uri_libvirt_param(text, "root", &v) == 1)
		free(v);
	free(text);
	return 0;
}
