/* The reaper: kills what a dead bootmatrix left running (reaper.h). The protocol is one line per
 * message on a pipe, each shorter than PIPE_BUF so that writes from several threads never mix:
 *   "G <pgid>"  watch a process group       "g <pgid>"  forget it
 *   "F <dir>"   watch a directory of pid files
 *   "Q"         the run ended normally: exit without killing */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "err.h"
#include "reaper.h"
#include "util.h"

#define MAX_PGIDS 4096
#define MAX_DIRS 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int write_fd = -1;

static void send_line(const char *line)
{
	int saved = errno;
	size_t n = strlen(line);

	pthread_mutex_lock(&lock);
	if (write_fd >= 0 && n < PIPE_BUF)
		(void)fd_write_all(write_fd, line, n);
	pthread_mutex_unlock(&lock);
	errno = saved;
}

/* Whether /proc/pid/cmdline names qemu: a pid file may be stale and its pid reused. */
static bool is_qemu(pid_t pid)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, "qemu") != NULL;
}

void reaper_kill_pidfiles(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX], buf[32];
		size_t len = strlen(e->d_name);
		ssize_t n;
		int fd;

		if (len < 5 || strcmp(e->d_name + len - 4, ".pid") != 0 ||
		    strcmp(e->d_name, "driver.pid") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		pid_t pid = (pid_t)strtol(buf, NULL, 10);

		if (pid > 1 && is_qemu(pid))
			kill(pid, SIGKILL);
	}
	closedir(d);
}

/* The reaper's life: read messages until the pipe closes. */
static void __attribute__((noreturn)) reaper_main(int fd)
{
	static pid_t pgids[MAX_PGIDS];
	static char dirs[MAX_DIRS][PATH_MAX];
	size_t n_pgids = 0, n_dirs = 0, have = 0;
	char buf[PIPE_BUF * 2];

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		for (line = buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			if (line[0] == 'Q')
				_exit(0);
			if (line[0] == 'G' && n_pgids < MAX_PGIDS) {
				pgids[n_pgids++] = (pid_t)strtol(line + 2, NULL, 10);
			} else if (line[0] == 'g') {
				pid_t pg = (pid_t)strtol(line + 2, NULL, 10);

				for (size_t i = 0; i < n_pgids; i++)
					if (pgids[i] == pg) {
						pgids[i] = pgids[--n_pgids];
						break;
					}
			} else if (line[0] == 'F' && n_dirs < MAX_DIRS) {
				snprintf(dirs[n_dirs++], PATH_MAX, "%s", line + 2);
			}
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
	}
	/* bootmatrix is gone without a goodbye */
	for (size_t i = 0; i < n_pgids; i++)
		if (pgids[i] > 1)
			kill(-pgids[i], SIGKILL);
	for (size_t i = 0; i < n_dirs; i++)
		reaper_kill_pidfiles(dirs[i]);
	_exit(0);
}

int reaper_start(struct bm_err **err)
{
	int fds[2];
	pid_t pid;

	pthread_mutex_lock(&lock);
	if (write_fd >= 0) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		pthread_mutex_unlock(&lock);
		return bm_err_errno(err, errno, "cannot make the reaper's pipe");
	}
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		pthread_mutex_unlock(&lock);
		return bm_err_errno(err, errno, "cannot fork the reaper");
	}
	if (pid == 0) {
		/* its own session: a Ctrl-C or a kill of bootmatrix's process group spares it */
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		dup2(fds[0], 3);
		close_range(4, ~0U, 0);
		if (fds[0] != 3)
			close(fds[0]);
		prctl(PR_SET_NAME, "bm-reaper", 0, 0, 0);
		reaper_main(3);
	}
	close(fds[0]);
	write_fd = fds[1];
	pthread_mutex_unlock(&lock);
	return 0;
}

void reaper_watch_pgid(pid_t pgid)
{
	char line[32];

	snprintf(line, sizeof(line), "G %d\n", (int)pgid);
	send_line(line);
}

void reaper_forget_pgid(pid_t pgid)
{
	char line[32];

	snprintf(line, sizeof(line), "g %d\n", (int)pgid);
	send_line(line);
}

void reaper_watch_pidfiles(const char *dir)
{
	char line[PIPE_BUF];

	if ((size_t)snprintf(line, sizeof(line), "F %s\n", dir) < sizeof(line) && !strchr(dir, '\n'))
		send_line(line);
}

void reaper_stop(void)
{
	int saved = errno;

	pthread_mutex_lock(&lock);
	if (write_fd >= 0) {
		(void)fd_write_all(write_fd, "Q\n", 2);
		close(write_fd);
		write_fd = -1;
	}
	pthread_mutex_unlock(&lock);
	errno = saved;
}
