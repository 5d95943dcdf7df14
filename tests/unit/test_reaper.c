/* The reaper (reaper.c): a process group a bootmatrix watched dies when that bootmatrix is killed
 * with SIGKILL, and survives when it ended normally (reaper_stop). A stand-in "bootmatrix" is
 * forked, starts the reaper and a child in a group of its own, and is then killed or exits. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "reaper.h"
#include "util.h"

/* Whether pid runs (a zombie or a missing process does not). */
static bool alive(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%*d %*s %c", &state) != 1)
		state = 0;
	fclose(f);
	return state && state != 'Z' && state != 'X';
}

/* Fork the stand-in; it reports its grandchild's pid on the pipe, then waits (killed) or, with
 * stop, calls reaper_stop and exits. */
static pid_t stand_in(bool stop, pid_t *ret_child)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bm_err *err = NULL;
		pid_t child;

		close(fds[0]);
		if (reaper_start(&err) < 0)
			_exit(3);
		child = fork();
		if (child == 0) {
			/* as proc.c's children do: a group of its own, then exec (which closes the
			 * reaper's pipe: O_CLOEXEC) */
			setpgid(0, 0);
			execlp("sleep", "sleep", "1000", (char *)NULL);
			_exit(127);
		}
		setpgid(child, child);
		reaper_watch_pgid(child);
		if (write(fds[1], &child, sizeof(child)) != sizeof(child))
			_exit(4);
		if (stop) {
			reaper_stop();
			_exit(0);
		}
		for (;;)
			pause();
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], ret_child, sizeof(*ret_child)), sizeof(*ret_child));
	close(fds[0]);
	return pid;
}

static bool gone_within(pid_t pid, double seconds)
{
	for (double t = 0; t < seconds; t += 0.02) {
		if (!alive(pid))
			return true;
		usleep(20000);
	}
	return false;
}

static void test_killed(void **state)
{
	pid_t child, pid = stand_in(false, &child);

	(void)state;
	assert_true(alive(child));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(gone_within(child, 5));
}

static void test_stopped(void **state)
{
	pid_t child, pid = stand_in(true, &child);

	(void)state;
	waitpid(pid, NULL, 0);
	usleep(200000);		/* give a wrong reaper the time to kill */
	assert_true(alive(child));
	kill(-child, SIGKILL);	/* the test's own leftover */
	assert_true(gone_within(child, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_stopped),
	};

	return cmocka_run_group_tests_name("reaper", tests, NULL, NULL);
}
