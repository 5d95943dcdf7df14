/* One job's pipeline: preparation (toolchain root, source), build (kernel, kselftests and the
 * initramfs), boot where it is placed (here or on a remote host), confirm failing cases with a second boot. Shared
 * by a plan run (run.c through jobsched.c) and by run_single (`check`, bisect steps).
 *
 * Memory: a struct job_state owns its result, what its preparation made ready and its build's
 * products until job_state_release; whoever takes js->result (a struct copy) zeroes it. The fds a
 * job_state holds (locks) are closed by job_build or job_state_release_build. */
#ifndef BM_JOB_H
#define BM_JOB_H

#include <stdbool.h>

#include "result.h"

struct arch;
struct bm_err;
struct boot_backend;
struct host;
struct host_session;
struct job;
struct kernel_source;
struct plan;

/* A remote host of the plan and what its libvirt said at the start. The run owns it. */
struct job_host {
	struct host *h;
	char *libvirt_version, *qemu_version;
};

/* What the jobs of one run share. The run fills and owns it (job_env_release frees every owned
 * field below). While jobs run it is read-only, but for sources, which job_prepare alone touches
 * (one job at a time, on the preparation lane); a prepared job borrows its source, which does not
 * change once made. */
struct job_env {
	struct plan *plan;		/* owned */
	char *datadir, *cache;		/* owned */
	char *run_id;			/* owned; guests are named bm-<run_id>-<job id> */
	char *dir;			/* owned; logs go to dir/<job id>/ */
	char *libvirt_version, *qemu_version;	/* owned; of uri, when a job needs libvirt: set
						 * before any build (run.c: run_start) */
	struct kernel_source **sources;	/* owned; per plan source, made by its first job_prepare */
	const char *uri;		/* libvirt connection; NULL: the embedded driver */
	unsigned jobs;			/* make -jN; 0: the CPUs */
	const char *ccache_size;	/* build_ccache_size's, read before any job; NULL: no ccache */
	bool no_confirm;		/* failing cases are not confirmed by a second boot */
	void (*progress)(const char *msg);	/* may be NULL; called from any thread */
	void (*status)(const char *job, const char *stage);	/* may be NULL; any thread */
};

void job_env_release(struct job_env *env);

/* One progress line through env->progress. */
void job_say(const struct job_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Job id entered stage ("build", "boot", ...), or ended (stage NULL), through env->status. */
void job_stage(const struct job_env *env, const char *id, const char *stage);

/* The boot backend of the first of the plan's arches whose backend has every capability in caps
 * (enum boot_cap), e.g. the one needing a libvirt connection; NULL for none. Static data. */
const struct boot_backend *job_plan_backend(const struct plan *plan, const char *datadir,
					    unsigned caps);

/* A job from its preparation to its boot. */
struct job_state {
	const struct job *job;		/* borrowed from the matrix */
	struct job_result result;	/* owned: by one thread at a time (see jobsched.h) */
	struct arch *arch;		/* owned; set by job_prepare */
	/* From job_prepare to job_build, which takes them over: the toolchain, a shared lock on its
	 * root (no other process changes it before the build is done), the source. */
	bool prepared;
	struct toolchain *tc;		/* owned */
	bool tc_locked;
	int tc_lock;
	const struct kernel_source *src;	/* borrowed from the job_env */
	char *image, *initramfs;	/* owned; set when the build passed */
	char **ks_missing;		/* owned; kselftest targets that did not build */
	char **ks_absent;		/* owned; kselftest targets this kernel does not have */
	/* A shared lock on the build directory (cache.h) from the end of job_build until
	 * job_state_release_build: no other process rebuilds the kernel under its boot. */
	bool build_locked;
	int build_lock;
};

/* Free what the preparation made ready and the build's products (arch, image, initramfs, target
 * lists), let go of their locks, keep the result. */
void job_state_release_build(struct job_state *js);
/* Free everything, the result too (unless taken: zeroed). */
void job_state_release(struct job_state *js);

/* Everything a build needs that is not CPU-bound, into js (the result named after js->job, logs
 * in env->dir/<id>): the toolchain root with the job's arch (debootstrap, apt) and its components,
 * held shared (toolchain_hold) until job_build ends, and the source (downloaded and extracted
 * once per plan source into env->sources, on a thread of its own beside the root). 0 with
 * js->prepared, or 0 with the job's infra result (js->result.build) when the harness could not
 * do it (a debootstrap or download that failed).
 * -1 only for harness errors (bad input, Ctrl-C).
 *
 * Locks: it may wait for the root's lock exclusively (a new root, a new arch) while a job of this
 * process holds it shared, from its job_prepare to the end of its job_build. That is no deadlock
 * when that job is building: its build ends without waiting for any preparation. It would be one
 * when that job is prepared but never built (the run stopped): so prepare a job only when every
 * earlier prepared job is being built or done, as jobsched's preparation lane does one job ahead
 * (run.c). */
int job_prepare(struct job_env *env, struct job_state *js, struct bm_err **err);

/* The kernel and kselftests of a prepared job (job_prepare), into js; it lets go of the root's
 * lock when done. Kernel outcomes are js->result.build; a build the harness could not carry out
 * is its infra result. -1 only for harness errors (unwritable logs, Ctrl-C). */
int job_build(struct job_env *env, struct job_state *js, struct bm_err **err);

/* Boot the built job: here (rh and ssh NULL), or on the remote host rh through the worker's
 * session ssh (the kernel and initramfs uploaded into a directory of their own there, removed
 * afterwards; trouble with the host is the boot's infra result). A failing case is confirmed by
 * a second boot (console-rerun.log) unless env->no_confirm: passing the second time, it is flaky.
 * When the host cannot run the guest's user space, the kernel boots again without the initramfs
 * (console-kunit.log) and the kselftest targets say why they did not run. Outcomes in
 * js->result; -1 only for harness errors. */
int job_boot(const struct job_env *env, struct job_state *js, struct job_host *rh,
	     struct host_session *ssh, struct bm_err **err);

/* Forget the job's boot, lost with a host that died, so that it boots again elsewhere: its
 * console is kept as console-lost-N.log (N: js->result.requeued after the increment). */
void job_boot_forget(const struct job_env *env, struct job_state *js);

/* After the boot: the kselftest targets that did not build or do not exist as results. */
void job_add_unbuilt_targets(struct job_state *js);

#endif
