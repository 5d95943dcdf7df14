/* Remote hosts: what a host is made of, before any connection (the SSH and libvirt side is
 * tests/integration/remote-boot.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "host.h"
#include "util.h"

static void test_host_names(void **state)
{
	struct host *h = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(host_new("qemu+libssh://root@build-1.example:2222/system?keyfile=/k&"
				  "known_hosts=/kh&sshauth=privkey", 4, &h, &e), 0);
	assert_string_equal(host_name(h), "root@build-1.example:2222");
	assert_int_equal(host_slots(h), 4);
	assert_false(host_is_dead(h));
	assert_null(host_dead_reason(h));
	assert_null(host_run_dir(h));
	host_mark_dead(h, "first");
	host_mark_dead(h, "second");
	assert_true(host_is_dead(h));
	{
		_cleanup_free_ char *why = host_dead_reason(h);

		assert_string_equal(why, "first");
	}
	host_free(h);

	/* no user: the name has none; no port: 22; slots 0 means 1 */
	assert_int_equal(host_new("qemu+ssh://[fe80::1]/system", 0, &h, &e), 0);
	assert_string_equal(host_name(h), "fe80::1:22");
	assert_int_equal(host_slots(h), 1);
	host_free(h);
}

static void test_host_bad_uri(void **state)
{
	struct host *h = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(host_new("qemu:///system", 1, &h, &e), -1);
	assert_null(h);
	assert_int_equal(e->code, BM_ERR_INPUT);
	bm_err_free(e);
}

/* A host never checked has no run directory: job directories are refused, nothing connects. */
static void test_host_unchecked(void **state)
{
	struct host *h = NULL;
	struct host_session *s;
	struct bm_err *e = NULL;
	char *dir = NULL;

	(void)state;
	assert_int_equal(host_new("qemu+ssh://u@127.0.0.1:1/system", 1, &h, &e), 0);
	/* nothing to remove */
	assert_int_equal(host_cleanup(h, &e), 0);
	s = host_session_new(h);
	/* port 1: nothing listens, so the connection fails before the directory is looked at */
	assert_int_equal(host_job_dir(s, "job", &dir, &e), -1);
	assert_null(dir);
	assert_int_equal(e->code, BM_ERR_INFRA);
	bm_err_free(e);
	host_session_free(s);
	host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_names),
		cmocka_unit_test(test_host_bad_uri),
		cmocka_unit_test(test_host_unchecked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
