/* proc.h: subprocesses from an argv with a clean environment, their own process group, no
 * inherited fds and a deadline (pidfd), the whole group killed on expiry. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "reaper.h"
#include "util.h"

/* Set by a signal handler, read by every worker thread: an atomic, lock-free so the handler
 * may touch it. Counts the interrupts (the second one ends the process, cli.c). */
static atomic_uint interrupted;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the interrupt counter must be lock-free");

unsigned proc_interrupt(void)
{
	return atomic_fetch_add(&interrupted, 1) + 1;
}

bool proc_interrupted(void)
{
	return atomic_load(&interrupted) != 0;
}

static char **clean_env(char *const *extra)
{
	const char *home = getenv("HOME");
	const char *path = getenv("PATH");
	char **env = NULL;

	bool own_home = false;

	for (size_t i = 0; extra && extra[i]; i++)
		own_home = own_home || str_has_prefix(extra[i], "HOME=");
	strv_pushf(&env, "PATH=%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	if (!own_home)
		strv_pushf(&env, "HOME=%s", home && *home ? home : "/");
	strv_push(&env, "LC_ALL=C");
	strv_push_all(&env, extra);
	return env;
}

static void child_exec(const struct proc_spec *spec, int out_fd, char **env)
{
	int devnull = open("/dev/null", O_RDWR);
	int in = spec->stdin_fd >= 0 ? spec->stdin_fd : devnull;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (out_fd < 0)
		out_fd = devnull;
	if (dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	if (spec->cwd && chdir(spec->cwd) < 0) {
		dprintf(2, "bootmatrix: cannot enter '%s': %s\n", spec->cwd, strerror(errno));
		_exit(126);
	}
	execvpe(spec->argv[0], spec->argv, env);
	dprintf(2, "bootmatrix: cannot run '%s': %s\n", spec->argv[0], strerror(errno));
	_exit(127);
}


struct capture {
	char *buf;
	size_t len, cap;
};

/* Read one chunk from the child's pipe: log it, capture it, show it to on_output. Returns the
 * byte count, 0 at EOF, -1 on error (EAGAIN included). */
static ssize_t read_chunk(const struct proc_spec *spec, int fd, struct capture *cap,
			  struct proc_result *r, bool *killed, pid_t pid)
{
	char buf[65536];
	ssize_t got = read(fd, buf, sizeof(buf));

	if (got <= 0)
		return got;
	if (spec->out_fd >= 0 && fd_write_all(spec->out_fd, buf, (size_t)got) < 0 && !r->out_errno)
		r->out_errno = errno;
	if (spec->capture) {
		if (cap->cap - cap->len < (size_t)got + 1) {
			cap->cap = (cap->cap + (size_t)got + 1) * 2;
			cap->buf = xrealloc(cap->buf, cap->cap);
		}
		memcpy(cap->buf + cap->len, buf, (size_t)got);
		cap->len += (size_t)got;
	}
	if (spec->on_output && !*killed && spec->on_output(buf, (size_t)got, spec->data)) {
		r->stopped = true;
		*killed = true;
		kill(-pid, SIGKILL);
	}
	return got;
}

int proc_run(const struct proc_spec *spec, struct proc_result *ret_result, struct bm_err **err)
{
	_cleanup_strv_ char **env = clean_env(spec->env);
	_cleanup_close_ int pidfd = -1;
	struct capture cap = { 0 };
	struct proc_result r = { 0 };
	bool piped = spec->capture || spec->on_output;
	int pipefd[2] = { -1, -1 };
	double start = now_mono(), deadline = spec->timeout > 0 ? start + spec->timeout : 0;
	bool killed = false;
	siginfo_t si;
	pid_t pid;

	if (piped && pipe2(pipefd, O_CLOEXEC) < 0)
		return bm_err_errno(err, errno, "cannot create a pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;

		if (piped) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return bm_err_errno(err, e, "cannot fork '%s'", spec->argv[0]);
	}
	if (pid == 0)
		child_exec(spec, piped ? pipefd[1] : spec->out_fd, env);
	setpgid(pid, pid);	/* no race with the child's own setpgid */
	reaper_watch_pgid(pid);	/* the group dies with bootmatrix, even with a kill -9 */
	if (piped)
		close(pipefd[1]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = pipefd[0], .events = POLLIN },
		};
		int wait_ms = 200, n;

		if (deadline && !killed) {
			double left = deadline - now_mono();

			if (left <= 0) {
				r.timed_out = true;
				killed = true;
				kill(-pid, SIGKILL);
			} else if (left * 1000 < wait_ms) {
				wait_ms = (int)(left * 1000) + 1;
			}
		}
		if (proc_interrupted() && !killed) {
			r.interrupted = true;
			killed = true;
			kill(-pid, SIGKILL);
		}
		n = poll(pfd, pipefd[0] >= 0 ? 2 : 1, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			/* Exited: take what is left in the pipe without waiting for grandchildren
			 * that may still hold it open. */
			if (pipefd[0] >= 0) {
				fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
				while (read_chunk(spec, pipefd[0], &cap, &r, &killed, pid) > 0)
					;
			}
			break;
		}
		if (pipefd[0] >= 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			if (read_chunk(spec, pipefd[0], &cap, &r, &killed, pid) <= 0) {
				close(pipefd[0]);
				pipefd[0] = -1;
			}
			continue;
		}
		if (pidfd < 0) {
			/* No pidfd (old kernel): poll the child. */
			memset(&si, 0, sizeof(si));
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
				break;
		}
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED) < 0 && errno == EINTR)
		;
	/* Leftover grandchildren of the group go too. */
	kill(-pid, SIGKILL);
	reaper_forget_pgid(pid);
	if (si.si_code == CLD_EXITED)
		r.exit_code = si.si_status;
	else
		r.signal = si.si_status;
	r.seconds = now_mono() - start;
	if (spec->capture) {
		cap.buf = xrealloc(cap.buf, cap.len + 1);
		cap.buf[cap.len] = '\0';
		r.output = cap.buf;
	} else {
		free(cap.buf);
	}
	*ret_result = r;
	return 0;
}

void proc_result_release(struct proc_result *r)
{
	if (!r)
		return;
	free(r->output);
	r->output = NULL;
}

bool proc_result_ok(const struct proc_result *r)
{
	return !r->timed_out && !r->stopped && !r->interrupted && r->signal == 0 && r->exit_code == 0;
}

char *proc_result_describe(const struct proc_result *r, double timeout)
{
	if (r->timed_out)
		return xasprintf("timed out after %.0f s", timeout);
	if (r->interrupted)
		return xstrdup("interrupted");
	if (r->signal)
		return xasprintf("killed by signal %d", r->signal);
	return xasprintf("exit status %d", r->exit_code);
}

int proc_output(char *const *argv, const char *cwd, double timeout, char **ret_output,
		struct bm_err **err)
{
	struct proc_spec spec = { .argv = argv, .cwd = cwd, .stdin_fd = -1, .out_fd = -1, .timeout = timeout,
				  .capture = true };
	struct proc_result r;
	_cleanup_free_ char *how = NULL;
	const char *tail;
	int ret;

	if (proc_run(&spec, &r, err) < 0)
		return -1;
	if (proc_result_ok(&r)) {
		*ret_output = r.output;
		return 0;
	}
	how = proc_result_describe(&r, timeout);
	tail = r.output;
	if (strlen(tail) > 300)
		tail += strlen(tail) - 300;
	ret = bm_err_set(err, BM_ERR_SYSTEM, "'%s' failed (%s): %s", argv[0], how, str_strip((char *)tail));
	proc_result_release(&r);
	return ret;
}

static void adopt_once(void)
{
	/* Only a speed-up (the zombie goes to init otherwise): a failure changes nothing else. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

void proc_adopt_orphans(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, adopt_once);
}

static void *reap_thread(void *arg)
{
	siginfo_t si;

	while (waitid(P_PID, (id_t)(intptr_t)arg, &si, WEXITED) < 0 && errno == EINTR)
		;
	return NULL;
}

int proc_reap_pidfile(const char *path, pid_t *ret_pid)
{
	_cleanup_free_ char *text = NULL;
	siginfo_t si = { 0 };
	pthread_attr_t attr;
	pthread_t t;
	char *end;
	long pid;
	int r;

	if (file_read(path, &text, NULL, NULL) < 0)
		return -1;
	pid = strtol(text, &end, 10);
	if (pid <= 0 || pid > INT_MAX || (*end && *end != '\n'))
		return -1;
	/* ECHILD: not ours to wait for (not adopted, or someone else's child). */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, reap_thread, (void *)(intptr_t)pid);
	pthread_attr_destroy(&attr);
	if (r != 0)
		return -1;
	*ret_pid = (pid_t)pid;
	return 0;
}

bool proc_adopted_stop(pid_t pid, double timeout)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	siginfo_t si = { 0 };

	/* Still our child, so the pidfd is the process we adopted, not a reused pid. */
	if (fd < 0 || waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return true;
	/* SIGKILL: after SIGTERM QEMU closes its monitor and exits some milliseconds later; the
	 * driver, woken by the monitor's end, finds it still there and sleeps 200 ms. */
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0)
		return errno == ESRCH;
	if (poll(&p, 1, (int)(timeout * 1000)) <= 0)
		return false;
	/* Exited: reaped here, unless the waiting thread was first (ECHILD). */
	while (waitid(P_PIDFD, (id_t)fd, &si, WEXITED) < 0 && errno == EINTR)
		;
	return true;
}
