/* uri: URIs parsed by libcurl's URL API. libvirt URIs for remote hosts (every malformed shape
 * with the message that names it, as plan errors show them), query parameters split as libvirt
 * does, the empty authority of qemu:///..., and loopback decided from the parsed host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "uri.h"
#include "util.h"

/* libvirt URIs over SSH. */

static void check_uri(const char *uri, const char *user, const char *host, unsigned port)
{
	_cleanup_free_ char *u = NULL, *h = NULL;
	struct bm_err *err = NULL;
	unsigned p = 0;

	if (uri_libvirt_ssh(uri, &u, &h, &p, &err) < 0)
		fail_msg("'%s': %s", uri, err->msg);
	if (user)
		assert_string_equal(u, user);
	else
		assert_null(u);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
}

static void check_uri_bad(const char *uri, const char *want)
{
	char *u = (char *)"untouched", *h = (char *)"untouched";
	struct bm_err *err = NULL;
	unsigned p = 7;

	assert_int_equal(uri_libvirt_ssh(uri, &u, &h, &p, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, BM_ERR_INPUT);
	if (!strstr(err->msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", uri, err->msg, want);
	/* Output parameters are written only on success. */
	assert_string_equal(u, "untouched");
	assert_string_equal(h, "untouched");
	assert_int_equal(p, 7);
	bm_err_free(err);
}

static void test_uri_good(void **state)
{
	(void)state;
	check_uri("qemu+ssh://root@127.0.0.1:2222/system", "root", "127.0.0.1", 2222);
	check_uri("qemu+ssh://host.example/system", NULL, "host.example", 22);
	check_uri("qemu+libssh://builder@10.0.0.5/system?known_hosts=/k&sshauth=privkey", "builder",
		  "10.0.0.5", 22);
	check_uri("qemu+libssh2://u@h:2200/system", "u", "h", 2200);
	check_uri("qemu+ssh://[::1]:2222/system", NULL, "::1", 2222);
	check_uri("qemu+ssh://me@[fe80::1%25eth0]/system", "me", "fe80::1%eth0", 22);
	check_uri("qemu+ssh://a%40b@h/system", "a@b", "h", 22);
	check_uri("qemu+ssh://h:65535", NULL, "h", 65535);
	check_uri("qemu+ssh://h?keyfile=/k", NULL, "h", 22);
	check_uri("qemu+ssh://h#frag", NULL, "h", 22);
}

static void test_uri_bad(void **state)
{
	(void)state;
	check_uri_bad(NULL, "no libvirt URI");
	check_uri_bad("qemu:///system", "not a remote host over ssh");
	check_uri_bad("qemu+tcp://h/system", "not a remote host over ssh");
	check_uri_bad("QEMU+SSH://h/system", "not a remote host over ssh");
	check_uri_bad("qemu+ssh:///system", "no host");
	check_uri_bad("qemu+ssh://root@/system", "no host");
	check_uri_bad("qemu+ssh://@h/system", "empty user");
	check_uri_bad("qemu+ssh://root:secret@h/system", "passwords are not supported");
	check_uri_bad("qemu+ssh://h:0/system", "bad port");
	check_uri_bad("qemu+ssh://h:65536/system", "bad port");
	check_uri_bad("qemu+ssh://h:/system", "bad port");
	check_uri_bad("qemu+ssh://h:22x/system", "bad port");
	check_uri_bad("qemu+ssh://h:-1/system", "bad port");
	check_uri_bad("qemu+ssh://[::1/system", "unterminated");
	check_uri_bad("qemu+ssh://[::1]x/system", "junk after");
	check_uri_bad("qemu+ssh://a%4@h/system", "bad %-escape");
	check_uri_bad("qemu+ssh://a%00b@h/system", "bad %-escape");
	check_uri_bad("qemu+ssh://h%zz/system", "bad %-escape");
}

static void check_param(const char *uri, const char *name, const char *want)
{
	char *v = NULL;
	int rc = uri_libvirt_param(uri, name, &v);

	if (!want) {
		assert_int_equal(rc, 0);
		assert_null(v);
		return;
	}
	assert_int_equal(rc, 1);
	assert_string_equal(v, want);
	free(v);
}

static void test_uri_param(void **state)
{
	const char *u = "qemu+ssh://root@h:2222/system?keyfile=/root/.ssh/id%20x&known_hosts=/k+h&no_verify=0&flag#known_hosts=frag";

	(void)state;
	check_param(u, "keyfile", "/root/.ssh/id x");
	check_param(u, "known_hosts", "/k+h");
	check_param(u, "no_verify", "0");
	check_param(u, "flag", "");
	check_param(u, "missing", NULL);
	check_param(u, "known", NULL);
	check_param("qemu+ssh://h/system", "keyfile", NULL);
	check_param("qemu+ssh://h/system?", "keyfile", NULL);
	check_param("qemu+ssh://h/system?&&keyfile=/a&", "keyfile", "/a");
	check_param("qemu+ssh://h/system?keyfile=/a&keyfile=/b", "keyfile", "/a");
	/* libvirt splits at ';' only where no '&' is left. */
	check_param("qemu+ssh://h/system?a=1;b=2", "b", "2");
	check_param("qemu+ssh://h/system?a=1;b=2&c=3", "a", "1;b=2");
	check_param("qemu+ssh://h/system?%6Beyfile=/x", "keyfile", "/x");
	check_param("qemu+ssh://h/system?keyfile=%zz", "keyfile", NULL);
}

/* Parts of any URI. */
static void test_uri_parse(void **state)
{
	struct uri u;
	struct bm_err *err = NULL;
	char *v = NULL;

	(void)state;
	assert_int_equal(uri_parse("https://u:p%21@Example.org:8443/a/../b%20c?x=1&y#frag", &u, &err), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.user, "u");
	assert_string_equal(u.password, "p!");
	assert_string_equal(u.host, "Example.org");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.path, "/a/../b%20c");	/* as written */
	assert_string_equal(u.query, "x=1&y");
	assert_string_equal(u.fragment, "frag");
	uri_release(&u);

	/* An empty authority: no host, the path is what follows (libcurl alone would read
	 * "embed" as the host). */
	assert_int_equal(uri_parse("qemu:///embed?root=/c/libvirt%20x", &u, &err), 0);
	assert_string_equal(u.scheme, "qemu");
	assert_null(u.host);
	assert_string_equal(u.path, "/embed");
	assert_int_equal(uri_query_param(&u, "root", &v), 1);
	assert_string_equal(v, "/c/libvirt x");
	free(v);
	uri_release(&u);
	assert_int_equal(uri_parse("qemu:///system", &u, &err), 0);
	assert_null(u.host);
	assert_string_equal(u.path, "/system");
	uri_release(&u);

	/* The scheme as written; no path gives "/". */
	assert_int_equal(uri_parse("HTTP://h", &u, &err), 0);
	assert_string_equal(u.scheme, "HTTP");
	assert_string_equal(u.path, "/");
	assert_null(u.query);
	uri_release(&u);

	assert_int_equal(uri_parse("not a uri", &u, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	bm_err_free(err);
	err = NULL;
	assert_int_equal(uri_parse("", &u, &err), -1);
	bm_err_free(err);
	err = NULL;
	assert_int_equal(uri_parse(NULL, &u, &err), -1);
	bm_err_free(err);
	uri_release(NULL);
}

static void check_loopback(const char *text, bool want)
{
	struct uri u;
	struct bm_err *err = NULL;

	if (uri_parse(text, &u, &err) < 0)
		fail_msg("'%s': %s", text, err->msg);
	if (uri_host_is_loopback(&u) != want)
		fail_msg("'%s': loopback should be %s", text, want ? "true" : "false");
	uri_release(&u);
}

/* The "token over plain HTTP" warning of submit: loopback from the parsed host, never a prefix. */
static void test_uri_loopback(void **state)
{
	(void)state;
	check_loopback("http://127.0.0.1:8080/submit", true);
	check_loopback("http://127.255.1.2/", true);
	check_loopback("http://127.1/", true);			/* libcurl: 127.0.0.1 */
	check_loopback("http://0x7f000001/", true);
	check_loopback("http://localhost/", true);
	check_loopback("http://LocalHost:9000", true);
	check_loopback("http://localhost./", true);
	check_loopback("http://[::1]:8080/", true);
	check_loopback("http://[0:0:0:0:0:0:0:1]/", true);
	check_loopback("http://[::ffff:127.0.0.1]/", true);
	check_loopback("http://user@127.0.0.1/", true);

	check_loopback("http://127.evil.example/", false);
	check_loopback("http://127.0.0.1.evil.example/", false);
	check_loopback("http://localhost.evil.example/", false);
	check_loopback("http://localhostx/", false);
	check_loopback("http://128.0.0.1/", false);
	check_loopback("http://10.0.0.1/", false);
	check_loopback("http://[::2]/", false);
	check_loopback("http://[::ffff:10.0.0.1]/", false);
	check_loopback("http://evil.example/?u=http://127.0.0.1/", false);
	check_loopback("http://127.0.0.1@evil.example/", false);	/* 127.0.0.1 is the user */
	check_loopback("qemu:///system", false);		/* no host */
	assert_false(uri_host_is_loopback(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_good),
		cmocka_unit_test(test_uri_bad),
		cmocka_unit_test(test_uri_param),
		cmocka_unit_test(test_uri_parse),
		cmocka_unit_test(test_uri_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
