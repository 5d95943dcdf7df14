/* The scheduler (see jobsched.h): a preparation lane running ahead of the build lane, local boot
 * workers, one worker per remote slot, a queue of built jobs, and the re-queueing of boots lost
 * with their slot. */
#include <pthread.h>
#include <stdlib.h>

#include "err.h"
#include "jobsched.h"
#include "util.h"

#define QUEUE_TAKEN ((size_t)-1)

/* Where a job is between the two lanes. */
enum prep {
	PREP_TODO,	/* the preparation lane has not given it up yet */
	PREP_READY,	/* prepared: the build lane's to take */
	PREP_FINAL,	/* its preparation ended it (finished): no build */
};

struct sched {
	pthread_mutex_t lock;	/* everything below */
	pthread_cond_t cond;	/* signalled on every change */
	const struct jobsched_ops *ops;
	const struct jobsched_opts *o;
	size_t *queue;		/* jobs built and waiting to boot; QUEUE_TAKEN once taken */
	size_t q_head, q_tail, q_cap;
	size_t booting;		/* boots under way: any of them may come back re-queued */
	enum prep *prep;	/* per job */
	unsigned ready;		/* jobs PREP_READY that the build lane has not taken yet */
	bool prepares_done;	/* the preparation lane is gone: nothing becomes ready any more */
	bool started;		/* ops->start returned (or there is none): builds may start */
	bool builds_done;
	bool stop;
	struct bm_err *error;	/* the first harness error */
};

struct worker {
	struct sched *s;
	void *slot;		/* NULL: boots here */
	pthread_t thread;
};

/* Keep the first harness error and stop. Called with s->lock held. */
static void sched_fail_locked(struct sched *s, struct bm_err *e)
{
	if (!s->error)
		s->error = e;
	else
		bm_err_free(e);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
}

static void sched_fail(struct sched *s, struct bm_err *e)
{
	pthread_mutex_lock(&s->lock);
	sched_fail_locked(s, e);
	pthread_mutex_unlock(&s->lock);
}

/* Hand job i over (its result is final). Called with s->lock held. */
static void sched_finish_locked(struct sched *s, size_t i)
{
	struct bm_err *e = NULL;

	if (s->ops->finish(s->ops->data, i, &e) < 0)
		sched_fail_locked(s, e);
}

/* Queue job i for a boot (again). Called with s->lock held. */
static void sched_enqueue(struct sched *s, size_t i)
{
	if (s->q_tail == s->q_cap) {
		s->q_cap *= 2;
		s->queue = xrealloc(s->queue, s->q_cap * sizeof(*s->queue));
	}
	s->queue[s->q_tail++] = i;
	pthread_cond_broadcast(&s->cond);
}

static bool sched_interrupted(const struct sched *s)
{
	return s->ops->interrupted && s->ops->interrupted();
}

/* Set one of s's flags and wake whoever waits for it. */
static void sched_announce(struct sched *s, bool *flag)
{
	pthread_mutex_lock(&s->lock);
	*flag = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static bool sched_todo(const struct sched *s, size_t i)
{
	return !s->o->todo || s->o->todo[i];
}

/* Whether to start no new job (a harness error, Ctrl-C). Called with s->lock held. */
static bool sched_stopping(const struct sched *s)
{
	return s->stop || sched_interrupted(s);
}

static void *sched_prepare_lane(void *data)
{
	struct sched *s = data;
	unsigned ahead = s->o->prepare_ahead ? s->o->prepare_ahead : 1;

	for (size_t i = 0; i < s->o->n_jobs; i++) {
		struct bm_err *e = NULL;
		bool stop, build = true;

		if (!sched_todo(s, i))
			continue;
		pthread_mutex_lock(&s->lock);
		while (!s->stop && !s->builds_done && s->ready >= ahead)
			pthread_cond_wait(&s->cond, &s->lock);
		/* with the build lane gone (Ctrl-C, an error) nothing prepared would be built */
		stop = sched_stopping(s) || s->builds_done;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		if (s->ops->prepare && s->ops->prepare(s->ops->data, i, &build, &e) < 0) {
			sched_fail(s, e);
			break;
		}
		pthread_mutex_lock(&s->lock);
		if (build) {
			s->prep[i] = PREP_READY;
			s->ready++;
		} else {
			s->prep[i] = PREP_FINAL;
			sched_finish_locked(s, i);
		}
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	sched_announce(s, &s->prepares_done);
	return NULL;
}

static void *sched_start(void *data)
{
	struct sched *s = data;
	struct bm_err *e = NULL;

	if (s->ops->start(s->ops->data, &e) < 0)
		sched_fail(s, e);
	sched_announce(s, &s->started);
	return NULL;
}

static void *sched_build_lane(void *data)
{
	struct sched *s = data;

	pthread_mutex_lock(&s->lock);
	while (!s->stop && !s->started)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < s->o->n_jobs; i++) {
		struct bm_err *e = NULL;
		bool stop, boot = false;
		enum prep prep;

		if (!sched_todo(s, i))
			continue;
		pthread_mutex_lock(&s->lock);
		/* the preparation lane signals when it prepares, gives up or ends */
		while (!s->stop && s->prep[i] == PREP_TODO && !s->prepares_done)
			pthread_cond_wait(&s->cond, &s->lock);
		prep = s->prep[i];
		stop = sched_stopping(s) || prep == PREP_TODO;
		if (!stop && prep == PREP_READY) {
			/* taken: the preparation lane may go on with the next one */
			s->ready--;
			pthread_cond_broadcast(&s->cond);
		}
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		if (prep == PREP_FINAL)
			continue;
		if (s->ops->build(s->ops->data, i, &boot, &e) < 0) {
			sched_fail(s, e);
			break;
		}
		pthread_mutex_lock(&s->lock);
		if (boot)
			sched_enqueue(s, i);
		else
			sched_finish_locked(s, i);
		pthread_mutex_unlock(&s->lock);
	}
	sched_announce(s, &s->builds_done);
	return NULL;
}

static bool slot_alive(const struct sched *s, void *slot)
{
	return !s->ops->slot_alive || s->ops->slot_alive(s->ops->data, slot);
}

static bool slots_alive(const struct sched *s)
{
	for (size_t i = 0; i < s->o->n_slots; i++)
		if (slot_alive(s, s->o->slots[i]))
			return true;
	return false;
}

/* The first queued job this worker boots, taken off the queue; QUEUE_TAKEN for none. Called
 * with s->lock held. */
static size_t sched_take(struct sched *s, const struct worker *w)
{
	for (size_t k = s->q_head; k < s->q_tail; k++) {
		size_t i = s->queue[k];

		if (i == QUEUE_TAKEN || s->ops->on_slot(s->ops->data, i) != (w->slot != NULL))
			continue;
		s->queue[k] = QUEUE_TAKEN;
		while (s->q_head < s->q_tail && s->queue[s->q_head] == QUEUE_TAKEN)
			s->q_head++;
		return i;
	}
	return QUEUE_TAKEN;
}

static void *sched_boot_worker(void *data)
{
	struct worker *w = data;
	struct sched *s = w->s;
	void *state = s->ops->worker_new ? s->ops->worker_new(s->ops->data, w->slot) : NULL;

	for (;;) {
		struct bm_err *e = NULL;
		enum jobsched_boot next = JOBSCHED_BOOTED;
		size_t i = QUEUE_TAKEN;
		bool dead = false;

		pthread_mutex_lock(&s->lock);
		for (;;) {
			if (s->stop)
				break;
			dead = w->slot && !slot_alive(s, w->slot);
			/* a dead slot's worker leaves its jobs to the others, while there are any */
			if (dead && slots_alive(s))
				break;
			i = sched_take(s, w);
			if (i != QUEUE_TAKEN || (s->builds_done && s->booting == 0))
				break;
			pthread_cond_wait(&s->cond, &s->lock);
		}
		if (i == QUEUE_TAKEN) {
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
			break;
		}
		s->booting++;
		pthread_mutex_unlock(&s->lock);
		if (s->ops->boot(s->ops->data, i, w->slot, state, dead, &next, &e) < 0) {
			pthread_mutex_lock(&s->lock);
			sched_fail_locked(s, e);
			s->booting--;
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_lock(&s->lock);
		if (next == JOBSCHED_REQUEUE)
			sched_enqueue(s, i);
		else
			sched_finish_locked(s, i);
		s->booting--;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	if (s->ops->worker_free)
		s->ops->worker_free(s->ops->data, state);
	return NULL;
}

int jobsched_run(const struct jobsched_ops *ops, const struct jobsched_opts *o, struct bm_err **err)
{
	struct sched s = { .ops = ops, .o = o };
	size_t n_workers = (o->local_workers ? o->local_workers : 1) + o->n_slots, k = 0;
	struct worker *workers = xcalloc(n_workers, sizeof(*workers));
	pthread_t starter, preparer, builder;

	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	s.q_cap = o->n_jobs + 1;
	s.queue = xcalloc(s.q_cap, sizeof(*s.queue));
	s.prep = xcalloc(o->n_jobs + 1, sizeof(*s.prep));
	for (size_t i = 0; i < o->n_slots; i++)
		workers[k++].slot = o->slots[i];
	s.started = !ops->start;
	if (ops->start)
		pthread_create(&starter, NULL, sched_start, &s);
	pthread_create(&preparer, NULL, sched_prepare_lane, &s);
	pthread_create(&builder, NULL, sched_build_lane, &s);
	for (size_t i = 0; i < n_workers; i++) {
		workers[i].s = &s;
		pthread_create(&workers[i].thread, NULL, sched_boot_worker, &workers[i]);
	}
	if (ops->start)
		pthread_join(starter, NULL);
	pthread_join(preparer, NULL);
	pthread_join(builder, NULL);
	for (size_t i = 0; i < n_workers; i++)
		pthread_join(workers[i].thread, NULL);
	free(s.prep);
	free(s.queue);
	free(workers);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	if (s.error) {
		*err = s.error;
		return -1;
	}
	return 0;
}
