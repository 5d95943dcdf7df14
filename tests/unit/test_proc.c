/* proc.c: what the parent could not write of the child's output is told (out_errno), so a log on
 * a full disk is noticed. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "proc.h"
#include "util.h"

static void run_echo(int out_fd, struct proc_result *r)
{
	char *const argv[] = { (char *)"echo", (char *)"hello", NULL };
	struct proc_spec spec = { .argv = argv, .stdin_fd = -1, .out_fd = out_fd, .timeout = 30,
				  .capture = true };
	struct bm_err *err = NULL;

	assert_int_equal(proc_run(&spec, r, &err), 0);
	assert_true(proc_result_ok(r));
}

static void test_out_errno(void **state)
{
	struct proc_result r;
	int fd;

	(void)state;
	/* /dev/full: every write fails with ENOSPC, as on a full disk */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	run_echo(fd, &r);
	assert_int_equal(r.out_errno, ENOSPC);
	assert_string_equal(r.output, "hello\n");
	proc_result_release(&r);
	close(fd);

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	run_echo(fd, &r);
	assert_int_equal(r.out_errno, 0);
	proc_result_release(&r);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_errno),
	};

	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
