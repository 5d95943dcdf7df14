/* proc: what the parent could not write of the child's output is told (out_errno), so a log on
 * a full disk is noticed; an adopted daemon is reaped as soon as it exits. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A daemon as libvirt starts QEMU: a child forks it and exits at once. Its pid into path. */
static pid_t daemon_start(const char *path)
{
	int fds[2];
	pid_t mid, d = 0;

	assert_int_equal(pipe(fds), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0) {
			execl("/bin/sleep", "sleep", "60", (char *)NULL);
			_exit(127);
		}
		if (write(fds[1], &g, sizeof(g)) != (ssize_t)sizeof(g))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(fds[0], &d, sizeof(d)), (ssize_t)sizeof(d));
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(waitpid(mid, NULL, 0), mid);
	_cleanup_free_ char *text = xasprintf("%d\n", (int)d);

	assert_int_equal(file_write_atomic(path, text, strlen(text), NULL), 0);
	return d;
}

static void test_reap_pidfile(void **state)
{
	char dir[] = "/tmp/bm-test-proc.XXXXXX";
	_cleanup_free_ char *path = NULL, *other = NULL;
	pid_t d, got = 0;
	double t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/qemu.pid", dir);
	other = xasprintf("%s/init.pid", dir);
	proc_adopt_orphans();
	d = daemon_start(path);
	assert_int_equal(proc_reap_pidfile(path, &got), 0);
	assert_int_equal(got, d);
	assert_int_equal(kill(d, SIGTERM), 0);
	/* Gone (reaped, not a zombie) at once, as libvirt's kill(pid, 0) checks. */
	t = mono();
	while (kill(d, 0) == 0 && mono() - t < 5)
		usleep(1000);
	assert_int_equal(kill(d, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_true(mono() - t < 1);
	/* Not ours, or no file: nothing to wait for. */
	assert_int_equal(file_write_atomic(other, "1\n", 2, NULL), 0);
	assert_int_equal(proc_reap_pidfile(other, &got), -1);
	assert_int_equal(proc_reap_pidfile("/nonexistent/qemu.pid", &got), -1);
	/* Stopped: gone when proc_adopted_stop returns; a pid no longer ours is left alone. */
	d = daemon_start(path);
	assert_int_equal(proc_reap_pidfile(path, &got), 0);
	t = mono();
	assert_true(proc_adopted_stop(d, 5));
	assert_int_equal(kill(d, 0), -1);
	assert_true(mono() - t < 1);
	assert_true(proc_adopted_stop(d, 5));
	proc_adopted_stop(1, 5);
	assert_int_equal(kill(1, 0), 0);
	unlink(path);
	unlink(other);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_errno),
		cmocka_unit_test(test_reap_pidfile),
	};

	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
