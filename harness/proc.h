/* Subprocesses: an argv, a clean environment, a deadline, the whole process group.
 *
 * The child gets PATH, HOME, LC_ALL=C plus spec->env, stdin from spec->stdin_fd (or /dev/null),
 * stdout and stderr to spec->out_fd (or /dev/null), no other fds, its own process group. On
 * expiry of the deadline, or when on_output asks to stop, the whole group is killed and reaped. */
#ifndef BM_PROC_H
#define BM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bm_err;

/* Called with each chunk the child writes (stdout and stderr together). Return non-zero to stop
 * the child (its group is killed; result->stopped is set). */
typedef int (*proc_output_fn)(const char *buf, size_t len, void *data);

struct proc_spec {
	char *const *argv;	/* argv[0] is searched in the clean PATH */
	char *const *env;	/* extra "KEY=VALUE" entries, may be NULL */
	const char *cwd;	/* NULL: inherit */
	int stdin_fd;		/* -1: /dev/null; not closed by proc */
	int out_fd;		/* -1: /dev/null (or the pipe only); not closed by proc */
	double timeout;		/* seconds; 0: none */
	bool capture;		/* collect stdout+stderr in result->output */
	proc_output_fn on_output;
	void *data;
};

struct proc_result {
	int exit_code;		/* valid when !signaled */
	int signal;		/* the terminating signal, or 0 */
	bool timed_out;
	bool stopped;		/* on_output asked to stop */
	bool interrupted;	/* proc_interrupt() was called */
	double seconds;
	int out_errno;		/* the first error writing the output to spec->out_fd (ENOSPC...),
				 * 0: none; the child's own writes to it are not seen */
	char *output;		/* with capture: NUL-terminated, caller frees */
};

/* Run to completion. Returns 0 when the child ran (whatever its exit status: inspect result),
 * -1 with err set when it could not be started. An argv[0] that is not found gives exit 127. */
int proc_run(const struct proc_spec *spec, struct proc_result *ret_result, struct bm_err **err);
void proc_result_release(struct proc_result *r);
/* true when the child exited 0. */
bool proc_result_ok(const struct proc_result *r);
/* "exit status 2", "killed by signal 9", "timed out after 30 s"; caller frees. */
char *proc_result_describe(const struct proc_result *r, double timeout);

/* Async-signal-safe and thread-safe: every running proc_run kills its child and returns, and
 * every other long wait (downloads, SSH, boots) gives up (for Ctrl-C). Returns how many times it
 * has been called, this call included. */
unsigned proc_interrupt(void);
bool proc_interrupted(void);

/* Convenience: run argv (in cwd, if non-NULL) with a deadline, capture output; 0 and ret_output on exit 0, else -1
 * with an error naming the command and the tail of its output. */
int proc_output(char *const *argv, const char *cwd, double timeout, char **ret_output,
		struct bm_err **err);

/* Daemons a library starts for us (libvirt's embedded driver runs QEMU daemonized): when one
 * exits, its zombie waits for its parent, and orphaned it goes to init, which some hosts (a
 * container's or a microVM's init) reap seconds late, while libvirt polls for the process to be
 * gone. proc_adopt_orphans makes this process the reaper of its orphaned descendants
 * (PR_SET_CHILD_SUBREAPER; once, later calls do nothing), before the daemon starts.
 * proc_reap_pidfile then waits, on a thread of its own, for the process whose pid the file holds,
 * if it is our child (adopted): 0 and the pid, else -1 (no such file, not ours). Other orphans stay zombies
 * until this process exits (init reaps them then): there is no telling them from children that
 * someone waits for. */
void proc_adopt_orphans(void);
int proc_reap_pidfile(const char *path, pid_t *ret_pid);
/* Stop an adopted process (from proc_reap_pidfile): SIGKILL, then up to timeout seconds until it
 * has exited and is reaped (so that whoever polls for the pid to be gone sees it at once).
 * Nothing when pid is no longer our child (reaped already: the pid may be someone else's now).
 * Returns true when it is gone (reaped here or by the thread waiting for it: a pid that is not
 * our child counts as reaped, so give only a pid proc_reap_pidfile returned), false when it
 * still ran at the deadline. */
bool proc_adopted_stop(pid_t pid, double timeout);

#endif
