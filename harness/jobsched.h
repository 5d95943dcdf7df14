/* The scheduler: a preparation lane, one build lane (builds take the whole make -jN, one at a
 * time, in job order) and boot workers. The preparation lane runs ahead of the build lane by at
 * most o->prepare_ahead jobs: what a build needs that is not CPU-bound (downloads, roots,
 * sources) is made for the next job while this one builds, and the build lane waits only until
 * its own job is prepared; the first build also waits for the start function, which runs beside
 * the first preparations. Boots of one job overlap the build of the next. A boot is seconds, a
 * build minutes: no job waits on an unrelated one. Workers boot here, or on a slot (a remote
 * host's: one worker per slot); a job whose slot is lost is queued again for another; when every
 * slot is gone, the slot workers still take their jobs, to record that they could not boot.
 *
 * It knows nothing of kernels: the caller gives it the job functions (struct jobsched_ops), so tests
 * drive it with fakes (tests/unit/test_jobsched.c).
 *
 * Ownership: a job belongs to exactly one thread at a time: the preparation lane while it is
 * prepared, then (under the lock) the build lane while it builds, then, through the queue (under
 * the lock), the worker that took it. ops->finish is the handover: called with the scheduler's
 * lock held by the thread that holds the job, which never touches the job again; so what finish
 * publishes (e.g. into a run's list of results) is read safely by anything else that holds the
 * lock, finish itself included. */
#ifndef BM_JOBSCHED_H
#define BM_JOBSCHED_H

#include <stdbool.h>
#include <stddef.h>

struct bm_err;

enum jobsched_boot {
	JOBSCHED_BOOTED,	/* the job's result is final: finish follows */
	JOBSCHED_REQUEUE,	/* its slot was lost: queue it again for another slot */
};

struct jobsched_ops {
	void *data;	/* passed to every function */
	/* On the preparation lane, job i (each job of todo once, in index order), while earlier jobs
	 * build. *ret_build: the job goes on to its build; false: its result is final (finish
	 * follows at once; the jobs after it do not wait for it). -1 is a harness error, as for
	 * build. NULL: no preparation, build does everything. */
	int (*prepare)(void *data, size_t i, bool *ret_build, struct bm_err **err);
	/* On a thread of its own from the start, beside the preparation lane: what no build may start
	 * before (run.c: the check of the boot connection, whose first use on a new cache probes
	 * every QEMU binary for half a minute). -1 is a harness error, as for build. NULL: none. */
	int (*start)(void *data, struct bm_err **err);
	/* On the build lane, job i once prepared (each job of todo that prepare did not end, once,
	 * in index order). *ret_boot: the job now waits for a boot; false: its result is final
	 * (finish follows at once). -1 is a harness error (*err set): nothing new starts, the run
	 * ends with it. */
	int (*build)(void *data, size_t i, bool *ret_boot, struct bm_err **err);
	/* Whether built job i boots on a slot rather than here. Called with the lock held. */
	bool (*on_slot)(void *data, size_t i);
	/* Whether slot can still take boots. Called with the lock held. NULL: always. */
	bool (*slot_alive)(void *data, void *slot);
	/* A worker's own state for slot (NULL: here), e.g. an SSH session: made at the start of its
	 * thread, freed at the end. Both may be NULL. */
	void *(*worker_new)(void *data, void *slot);
	void (*worker_free)(void *data, void *worker);
	/* Boot job i in a worker for slot (NULL: here) with its state worker. stranded: every slot
	 * is gone, the job cannot boot and its result says so. -1: harness error, as for build. */
	int (*boot)(void *data, size_t i, void *slot, void *worker, bool stranded,
		    enum jobsched_boot *ret, struct bm_err **err);
	/* Job i's result is final: take it over. Called with the lock held (see above). -1 with
	 * *err: a harness error, as for build. */
	int (*finish)(void *data, size_t i, struct bm_err **err);
	/* Whether to start nothing new (Ctrl-C). NULL: never. */
	bool (*interrupted)(void);
};

struct jobsched_opts {
	size_t n_jobs;
	const bool *todo;	/* n_jobs flags: the jobs to run; NULL: all */
	void **slots;		/* remote boot slots, one worker each; borrowed */
	size_t n_slots;
	unsigned local_workers;	/* workers booting here (at least 1) */
	/* How many prepared jobs may wait for the build lane (0: 1). The lane does not start a job
	 * while that many wait: one ahead overlaps the next job's preparation with this one's build
	 * without filling the disk with what later jobs need. */
	unsigned prepare_ahead;
};

/* Run every job of o->todo to its end, or until a harness error or an interrupt. Returns 0, or
 * -1 with the first harness error in *err (caller frees). Jobs never finished (error, interrupt)
 * are still the caller's, as they were before. All threads are joined on return. */
int jobsched_run(const struct jobsched_ops *ops, const struct jobsched_opts *o, struct bm_err **err);

#endif
