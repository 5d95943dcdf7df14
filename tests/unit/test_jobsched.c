/* The scheduler with fake job functions (no kernels): every job built once and handed over once,
 * boots spread over workers, lost slots re-queued, stranded jobs when every slot is gone, the
 * first harness error, an interrupt. Meant to run under ThreadSanitizer too
 * (make B=build-tsan SANITIZE=thread check-unit): each fake job's fields are written by the
 * thread that holds the job, and read by finish under the lock, as a run's results are. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>

#include "err.h"
#include "jobsched.h"
#include "util.h"

#define N_JOBS 40

struct fake_slot {
	int id;
	bool dead;		/* under the fake's own lock, as host.c keeps it */
	unsigned boots;		/* counted under the fake's lock */
};

struct fake_job {
	/* written by the thread that holds the job */
	unsigned built, booted;
	bool needs_boot, on_slot, stranded;
	int slot;		/* the slot that booted it, -1: here */
	pthread_t booted_by;
	/* written by finish, under the scheduler's lock */
	unsigned finished;
	unsigned seen_built, seen_booted;
};

struct fake {
	pthread_mutex_t lock;	/* slots' state and the workers count */
	struct fake_job jobs[N_JOBS];
	struct fake_slot slots[2];
	unsigned order;		/* finishes so far (under the scheduler's lock) */
	size_t fail_boot_of;	/* a harness error when booting this job; N_JOBS: none */
	bool lose_slot0;	/* slot 0 dies during its first boot */
	size_t lost;		/* the job that boot was; N_JOBS: none */
	bool all_slots_dead;
	unsigned workers_alive, workers_max;
};

static void nap(void)
{
	struct timespec ts = { 0, 200 * 1000 };

	nanosleep(&ts, NULL);
}

static int fake_build(void *data, size_t i, bool *ret_boot, struct bm_err **err)
{
	struct fake *f = data;

	(void)err;
	f->jobs[i].built++;
	nap();
	*ret_boot = f->jobs[i].needs_boot;
	return 0;
}

static bool fake_on_slot(void *data, size_t i)
{
	struct fake *f = data;

	return f->jobs[i].on_slot;
}

static bool fake_slot_alive(void *data, void *slot)
{
	struct fake *f = data;
	struct fake_slot *s = slot;
	bool alive;

	pthread_mutex_lock(&f->lock);
	alive = !s->dead && !f->all_slots_dead;
	pthread_mutex_unlock(&f->lock);
	return alive;
}

static void *fake_worker_new(void *data, void *slot)
{
	struct fake *f = data;

	pthread_mutex_lock(&f->lock);
	f->workers_alive++;
	if (f->workers_alive > f->workers_max)
		f->workers_max = f->workers_alive;
	pthread_mutex_unlock(&f->lock);
	return slot ? slot : f;
}

static void fake_worker_free(void *data, void *worker)
{
	struct fake *f = data;

	assert_non_null(worker);
	pthread_mutex_lock(&f->lock);
	f->workers_alive--;
	pthread_mutex_unlock(&f->lock);
}

static int fake_boot(void *data, size_t i, void *slot, void *worker, bool stranded,
		     enum jobsched_boot *ret, struct bm_err **err)
{
	struct fake *f = data;
	struct fake_job *j = &f->jobs[i];
	struct fake_slot *s = slot;

	assert_true(j->built == 1);
	assert_true(j->on_slot == (slot != NULL));
	assert_ptr_equal(worker, slot ? slot : (void *)f);
	if (i == f->fail_boot_of)
		return bm_err_set(err, BM_ERR_SYSTEM, "boot of job %zu broke the harness", i);
	/* Slot 1 waits (10 s at most) until slot 0 has lost a boot, so that the loss happens
	 * whatever the load on the machine; slot 0's worker meanwhile takes the next job. */
	for (int waited = 0; s && s->id == 1 && f->lose_slot0 && waited < 1000; waited++) {
		bool lost;

		pthread_mutex_lock(&f->lock);
		lost = f->lost != N_JOBS;
		pthread_mutex_unlock(&f->lock);
		if (lost)
			break;
		usleep(10000);
	}
	j->booted++;
	j->booted_by = pthread_self();
	j->stranded = stranded;
	j->slot = s ? s->id : -1;
	nap();
	if (s && !stranded) {
		pthread_mutex_lock(&f->lock);
		s->boots++;
		if (s->id == 0 && f->lose_slot0 && f->lost == N_JOBS) {
			s->dead = true;
			f->lost = i;
			pthread_mutex_unlock(&f->lock);
			*ret = JOBSCHED_REQUEUE;
			return 0;
		}
		pthread_mutex_unlock(&f->lock);
	}
	*ret = JOBSCHED_BOOTED;
	return 0;
}

static int fake_finish(void *data, size_t i, struct bm_err **err)
{
	struct fake *f = data;
	struct fake_job *j = &f->jobs[i];

	(void)err;
	/* the handover: the job's fields, written by another thread, read here under the lock */
	j->finished++;
	j->seen_built = j->built;
	j->seen_booted = j->booted;
	f->order++;
	return 0;
}

static bool interrupted_flag;

static bool fake_interrupted(void)
{
	return __atomic_load_n(&interrupted_flag, __ATOMIC_SEQ_CST);
}

static const struct jobsched_ops fake_ops = {
	.build = fake_build,
	.on_slot = fake_on_slot,
	.slot_alive = fake_slot_alive,
	.worker_new = fake_worker_new,
	.worker_free = fake_worker_free,
	.boot = fake_boot,
	.finish = fake_finish,
	.interrupted = fake_interrupted,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->fail_boot_of = N_JOBS;
	f->lost = N_JOBS;
	f->slots[0].id = 0;
	f->slots[1].id = 1;
	for (size_t i = 0; i < N_JOBS; i++) {
		f->jobs[i].needs_boot = i % 5 != 0;	/* every fifth build "fails" */
		f->jobs[i].slot = -2;
	}
}

static int fake_run(struct fake *f, const bool *todo, size_t n_slots, unsigned local,
		    struct bm_err **err)
{
	struct jobsched_ops ops = fake_ops;
	void *slots[2] = { &f->slots[0], &f->slots[1] };
	struct jobsched_opts o = { .n_jobs = N_JOBS, .todo = todo, .slots = slots,
				   .n_slots = n_slots, .local_workers = local };

	ops.data = f;
	return jobsched_run(&ops, &o, err);
}

/* Local workers only: every job built once, booted once if its build passed, finished once. */
static void test_local(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;
	bool todo[N_JOBS];

	(void)state;
	fake_init(&f);
	for (size_t i = 0; i < N_JOBS; i++)
		todo[i] = i != 7;	/* job 7 is done already (resume) */
	assert_int_equal(fake_run(&f, todo, 0, 4, &e), 0);
	assert_null(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		struct fake_job *j = &f.jobs[i];

		if (i == 7) {
			assert_int_equal(j->built + j->finished, 0);
			continue;
		}
		assert_int_equal(j->built, 1);
		assert_int_equal(j->finished, 1);
		assert_int_equal(j->seen_built, 1);
		assert_int_equal(j->booted, j->needs_boot ? 1 : 0);
		assert_int_equal(j->seen_booted, j->booted);
		if (j->needs_boot)
			assert_int_equal(j->slot, -1);
	}
	assert_int_equal(f.order, N_JOBS - 1);
	assert_int_equal(f.workers_max, 4);
	assert_int_equal(f.workers_alive, 0);
}

/* Remote slots: slot jobs go to the slot workers, the others stay here; a boot lost with slot 0
 * is booted again on slot 1, and slot 0's worker takes nothing more. */
static void test_slots_requeue(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	for (size_t i = 0; i < N_JOBS; i++)
		f.jobs[i].on_slot = i % 3 != 0;
	f.lose_slot0 = true;
	assert_int_equal(fake_run(&f, NULL, 2, 2, &e), 0);
	assert_null(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		struct fake_job *j = &f.jobs[i];

		assert_int_equal(j->built, 1);
		assert_int_equal(j->finished, 1);
		if (!j->needs_boot)
			continue;
		if (!j->on_slot) {
			assert_int_equal(j->slot, -1);
			assert_int_equal(j->booted, 1);
		} else if (i == f.lost) {
			/* lost with slot 0, then booted again on the live one */
			assert_int_equal(j->booted, 2);
			assert_int_equal(j->slot, 1);
		} else {
			assert_int_equal(j->booted, 1);
			assert_false(j->stranded);
		}
	}
	/* slot 0's worker boots (and loses) a job: slot 1 waits for that */
	assert_true(f.lost < N_JOBS);
	assert_int_equal(f.slots[0].boots, 1);
	assert_int_equal(f.workers_alive, 0);
}

/* Every slot gone from the start: slot jobs are not lost, they finish stranded. */
static void test_slots_all_dead(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	f.all_slots_dead = true;
	for (size_t i = 0; i < N_JOBS; i++)
		f.jobs[i].on_slot = i % 2;
	assert_int_equal(fake_run(&f, NULL, 2, 1, &e), 0);
	for (size_t i = 0; i < N_JOBS; i++) {
		struct fake_job *j = &f.jobs[i];

		assert_int_equal(j->finished, 1);
		if (j->needs_boot)
			assert_true(j->stranded == j->on_slot);
	}
}

/* A harness error in a boot ends the run with that error; nothing is finished twice. */
static void test_harness_error(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	f.fail_boot_of = 3;
	assert_int_equal(fake_run(&f, NULL, 0, 3, &e), -1);
	assert_non_null(e);
	assert_string_equal(e->msg, "boot of job 3 broke the harness");
	bm_err_free(e);
	assert_int_equal(f.jobs[3].finished, 0);
	for (size_t i = 0; i < N_JOBS; i++)
		assert_true(f.jobs[i].finished <= 1 && f.jobs[i].built <= 1);
	assert_int_equal(f.workers_alive, 0);
}

/* Interrupted before anything started: nothing is built, no error from the scheduler itself. */
static void test_interrupted(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	__atomic_store_n(&interrupted_flag, true, __ATOMIC_SEQ_CST);
	assert_int_equal(fake_run(&f, NULL, 1, 2, &e), 0);
	__atomic_store_n(&interrupted_flag, false, __ATOMIC_SEQ_CST);
	for (size_t i = 0; i < N_JOBS; i++)
		assert_int_equal(f.jobs[i].built + f.jobs[i].finished, 0);
	assert_int_equal(f.workers_alive, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_slots_requeue),
		cmocka_unit_test(test_slots_all_dead),
		cmocka_unit_test(test_harness_error),
		cmocka_unit_test(test_interrupted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
