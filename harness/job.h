/* One job's pipeline: build (toolchain root, source, kernel, kselftests and the initramfs), boot
 * where it is placed (here or on a remote host), confirm failing cases with a second boot. Shared
 * by a plan run (run.c through jobsched.c) and by run_single (`check`, bisect steps).
 *
 * Memory: a struct job_state owns its result and its build's products until job_state_release;
 * whoever takes js->result (a struct copy) zeroes it. Nothing here keeps an fd open. */
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
 * field below). While jobs run it is read-only, but for sources, which job_build alone touches
 * (one build at a time). */
struct job_env {
	struct plan *plan;		/* owned */
	char *datadir, *cache;		/* owned */
	char *run_id;			/* owned; guests are named bm-<run_id>-<job id> */
	char *dir;			/* owned; logs go to dir/<job id>/ */
	char *libvirt_version, *qemu_version;	/* owned; of uri, when a job needs libvirt */
	struct kernel_source **sources;	/* owned; per plan source, prepared on first use */
	const char *uri;		/* libvirt connection; NULL: the embedded driver */
	unsigned jobs;			/* make -jN; 0: the CPUs */
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

/* A job between its build and its boot. */
struct job_state {
	const struct job *job;		/* borrowed from the matrix */
	struct job_result result;	/* owned: by one thread at a time (see jobsched.h) */
	struct arch *arch;		/* owned; set by job_build */
	char *image, *initramfs;	/* owned; set when the build passed */
	char **ks_missing;		/* owned; kselftest targets that did not build */
	char **ks_absent;		/* owned; kselftest targets this kernel does not have */
	/* A shared lock on the build directory (cache.h) from the end of job_build until
	 * job_state_release_build: no other process rebuilds the kernel under its boot. */
	bool build_locked;
	int build_lock;
};

/* Free the build's products (arch, image, initramfs, target lists), keep the result. */
void job_state_release_build(struct job_state *js);
/* Free everything, the result too (unless taken: zeroed). */
void job_state_release(struct job_state *js);

/* Toolchain, source, kernel, kselftests: everything before the boot, into js (the result named
 * after js->job, logs in env->dir/<id>). Kernel outcomes are js->result.build; harness trouble
 * inside the job (a debootstrap or download that fails) is its infra result. -1 only for harness
 * errors (bad input, unwritable logs). */
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
