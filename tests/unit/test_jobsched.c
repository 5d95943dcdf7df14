/* The scheduler with fake job functions (no kernels): every job prepared and built once and handed
 * over once, the preparation lane ahead of the build lane by no more than its window, a job whose
 * preparation ends it, the start function builds wait for, boots spread over workers, lost slots re-queued, stranded jobs when every
 * slot is gone, the first harness error (in a boot, in a preparation), an interrupt. Meant to run under ThreadSanitizer too
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
	unsigned prepared, built, booted;
	bool needs_boot, on_slot, stranded;
	bool prepare_ends;	/* its preparation makes its result final (e.g. infra) */
	int slot;		/* the slot that booted it, -1: here */
	pthread_t booted_by;
	/* written by finish, under the scheduler's lock */
	unsigned finished;
	unsigned seen_prepared, seen_built, seen_booted;
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
	/* the lanes, under the fake's lock */
	unsigned ahead;		/* the window asked for (0: the default, 1) */
	bool no_prepare;	/* no prepare function */
	size_t next_prepare;	/* the lowest index the next preparation may have */
	unsigned readied;	/* preparations that let their job go on to a build */
	unsigned taken;		/* builds started */
	unsigned ahead_max;	/* the most readied - taken seen when a preparation started */
	bool prep_done[N_JOBS];	/* preparation returned */
	unsigned wait_ahead;	/* a build waits until the job this far ahead is prepared */
	unsigned overlapped;	/* builds during which it was */
	size_t fail_prepare_of;	/* a harness error when preparing this job; N_JOBS: none */
	size_t interrupt_at;	/* Ctrl-C while preparing this job; N_JOBS: none */
	bool with_start;	/* a start function */
	bool start_fails;	/* which is a harness error */
	bool start_saw_prepare;	/* a preparation ended while it ran */
	bool start_done;
};

static void nap(void)
{
	struct timespec ts = { 0, 200 * 1000 };

	nanosleep(&ts, NULL);
}

static bool interrupted_flag;

static int fake_prepare(void *data, size_t i, bool *ret_build, struct bm_err **err)
{
	struct fake *f = data;
	struct fake_job *j = &f->jobs[i];

	pthread_mutex_lock(&f->lock);
	assert_true(i >= f->next_prepare);	/* in index order, each once */
	f->next_prepare = i + 1;
	if (f->readied - f->taken > f->ahead_max)
		f->ahead_max = f->readied - f->taken;
	pthread_mutex_unlock(&f->lock);
	if (i == f->fail_prepare_of)
		return bm_err_set(err, BM_ERR_SYSTEM, "preparing job %zu broke the harness", i);
	if (i == f->interrupt_at)
		__atomic_store_n(&interrupted_flag, true, __ATOMIC_SEQ_CST);
	j->prepared++;
	nap();
	*ret_build = !j->prepare_ends;
	pthread_mutex_lock(&f->lock);
	f->readied += *ret_build;
	f->prep_done[i] = true;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

/* Waits (10 s at most) for the first preparation: the two run side by side. */
static int fake_start(void *data, struct bm_err **err)
{
	struct fake *f = data;

	for (int waited = 0; waited < 1000 && !f->start_saw_prepare; waited++) {
		pthread_mutex_lock(&f->lock);
		f->start_saw_prepare = f->prep_done[0];
		pthread_mutex_unlock(&f->lock);
		if (!f->start_saw_prepare)
			usleep(10000);
	}
	if (f->start_fails)
		return bm_err_set(err, BM_ERR_SYSTEM, "the start broke the harness");
	pthread_mutex_lock(&f->lock);
	f->start_done = true;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int fake_build(void *data, size_t i, bool *ret_boot, struct bm_err **err)
{
	struct fake *f = data;
	struct fake_job *j = &f->jobs[i];

	(void)err;
	pthread_mutex_lock(&f->lock);
	assert_true(f->start_done || !f->with_start);
	pthread_mutex_unlock(&f->lock);
	/* the handover from the preparation lane: its fields are read here */
	assert_int_equal(j->prepared, f->no_prepare ? 0 : 1);
	assert_false(j->prepare_ends);
	pthread_mutex_lock(&f->lock);
	f->taken++;
	pthread_mutex_unlock(&f->lock);
	/* The lane runs the whole window ahead while this job builds (10 s at most, whatever the
	 * load), and no further: the job after the window waits for the build lane. */
	for (int waited = 0; f->wait_ahead && i + f->wait_ahead < N_JOBS && waited < 1000; waited++) {
		bool done;

		pthread_mutex_lock(&f->lock);
		done = f->prep_done[i + f->wait_ahead];
		f->overlapped += done;
		pthread_mutex_unlock(&f->lock);
		if (done) {
			usleep(2000);
			pthread_mutex_lock(&f->lock);
			if (i + f->wait_ahead + 1 < N_JOBS)
				assert_false(f->prep_done[i + f->wait_ahead + 1]);
			pthread_mutex_unlock(&f->lock);
			break;
		}
		usleep(10000);
	}
	j->built++;
	nap();
	*ret_boot = j->needs_boot;
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
	j->seen_prepared = j->prepared;
	j->seen_built = j->built;
	j->seen_booted = j->booted;
	f->order++;
	return 0;
}

static bool fake_interrupted(void)
{
	return __atomic_load_n(&interrupted_flag, __ATOMIC_SEQ_CST);
}

static const struct jobsched_ops fake_ops = {
	.prepare = fake_prepare,
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
	f->fail_prepare_of = N_JOBS;
	f->interrupt_at = N_JOBS;
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
				   .n_slots = n_slots, .local_workers = local,
				   .prepare_ahead = f->ahead };

	ops.data = f;
	if (f->no_prepare)
		ops.prepare = NULL;
	if (f->with_start)
		ops.start = fake_start;
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
			assert_int_equal(j->prepared + j->built + j->finished, 0);
			continue;
		}
		assert_int_equal(j->prepared, 1);
		assert_int_equal(j->seen_prepared, 1);
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
		assert_int_equal(f.jobs[i].prepared + f.jobs[i].built + f.jobs[i].finished, 0);
	assert_int_equal(f.workers_alive, 0);
}

/* The preparation lane runs ahead: each job is prepared before its build, in order, the next
 * ones (the window) while this one builds, and never more than the window ahead. */
static void run_ahead(unsigned ahead)
{
	unsigned window = ahead ? ahead : 1;
	struct fake f;
	struct bm_err *e = NULL;

	fake_init(&f);
	f.ahead = ahead;
	f.wait_ahead = window;
	assert_int_equal(fake_run(&f, NULL, 0, 2, &e), 0);
	assert_null(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		assert_int_equal(f.jobs[i].prepared, 1);
		assert_int_equal(f.jobs[i].built, 1);
		assert_int_equal(f.jobs[i].finished, 1);
	}
	/* every build saw the window's last job prepared meanwhile (but those near the end) */
	assert_int_equal(f.overlapped, N_JOBS - window);
	/* "readied - taken" also counts a job between the build lane's take and its build's start */
	assert_true(f.ahead_max <= window);
	assert_true(f.ahead_max >= window - 1);
}

static void test_prepare_ahead(void **state)
{
	(void)state;
	run_ahead(0);
	run_ahead(1);
	run_ahead(3);
}

/* Without a prepare function the build lane builds every job, as before. */
static void test_no_prepare(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	f.no_prepare = true;
	assert_int_equal(fake_run(&f, NULL, 0, 2, &e), 0);
	for (size_t i = 0; i < N_JOBS; i++) {
		assert_int_equal(f.jobs[i].built, 1);
		assert_int_equal(f.jobs[i].finished, 1);
	}
}

/* The start function runs beside the first preparation, and no build starts before it ends. */
static void test_start(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	f.with_start = true;
	assert_int_equal(fake_run(&f, NULL, 0, 2, &e), 0);
	assert_null(e);
	assert_true(f.start_saw_prepare);
	for (size_t i = 0; i < N_JOBS; i++)
		assert_int_equal(f.jobs[i].finished, 1);
}

/* A start that fails ends the run with its error before any build: the preparation lane stops
 * after the window it had. */
static void test_start_fails(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;
	unsigned prepared = 0;

	(void)state;
	fake_init(&f);
	f.with_start = true;
	f.start_fails = true;
	assert_int_equal(fake_run(&f, NULL, 1, 2, &e), -1);
	assert_non_null(e);
	assert_string_equal(e->msg, "the start broke the harness");
	bm_err_free(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		assert_int_equal(f.jobs[i].built + f.jobs[i].finished, 0);
		prepared += f.jobs[i].prepared;
	}
	assert_int_equal(prepared, 1);
	assert_int_equal(f.workers_alive, 0);
}

/* A preparation that ends its job (infra: a debootstrap that failed) finishes it at once: never
 * built, and the jobs after it are prepared and built as ever. */
static void test_prepare_ends_job(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	for (size_t i = 0; i < N_JOBS; i++)
		f.jobs[i].prepare_ends = i % 7 == 3 || i == N_JOBS - 1;
	f.jobs[0].prepare_ends = f.jobs[1].prepare_ends = true;
	assert_int_equal(fake_run(&f, NULL, 0, 2, &e), 0);
	assert_null(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		struct fake_job *j = &f.jobs[i];

		assert_int_equal(j->prepared, 1);
		assert_int_equal(j->finished, 1);
		assert_int_equal(j->built, j->prepare_ends ? 0 : 1);
		if (j->prepare_ends)
			assert_int_equal(j->booted, 0);
	}
	assert_int_equal(f.order, N_JOBS);
}

/* A harness error in a preparation ends the run with it: nothing after that job is prepared or
 * built, that job is not finished, and no lane waits for it forever. */
static void test_prepare_harness_error(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	f.fail_prepare_of = 5;
	assert_int_equal(fake_run(&f, NULL, 1, 2, &e), -1);
	assert_non_null(e);
	assert_string_equal(e->msg, "preparing job 5 broke the harness");
	bm_err_free(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		struct fake_job *j = &f.jobs[i];

		assert_true(j->finished <= 1 && j->built <= j->prepared && j->prepared <= 1);
		if (i >= 5)
			assert_int_equal(j->prepared + j->built + j->finished, 0);
	}
	assert_int_equal(f.workers_alive, 0);
}

/* Ctrl-C while a job is prepared: it is not built, nothing after it is prepared, what was built
 * before is finished, and the run ends without a harness error of the scheduler's own. */
static void test_prepare_interrupted(void **state)
{
	struct fake f;
	struct bm_err *e = NULL;

	(void)state;
	fake_init(&f);
	f.interrupt_at = 6;
	assert_int_equal(fake_run(&f, NULL, 0, 2, &e), 0);
	__atomic_store_n(&interrupted_flag, false, __ATOMIC_SEQ_CST);
	assert_null(e);
	for (size_t i = 0; i < N_JOBS; i++) {
		struct fake_job *j = &f.jobs[i];

		assert_true(j->built <= j->prepared && j->prepared <= 1);
		assert_int_equal(j->finished, j->built);
		if (i >= 6)
			assert_int_equal(j->built, 0);
		if (i > 6)
			assert_int_equal(j->prepared, 0);
	}
	assert_int_equal(f.jobs[6].prepared, 1);
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
		cmocka_unit_test(test_prepare_ahead),
		cmocka_unit_test(test_no_prepare),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_start_fails),
		cmocka_unit_test(test_prepare_ends_job),
		cmocka_unit_test(test_prepare_harness_error),
		cmocka_unit_test(test_prepare_interrupted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
