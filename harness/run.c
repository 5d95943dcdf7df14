/* Running a plan: plan -> matrix -> scheduler -> results and reports, and --resume, shards, one
 * job alone (run_single). The job pipeline is job.c, the threads jobsched.c; this file gives the
 * scheduler its job functions and owns the run's results: a job's result enters the run's list
 * only when its thread hands it over (run_finish, under the scheduler's lock). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "boot.h"
#include "boot_libvirt.h"
#include "build.h"
#include "cache.h"
#include "err.h"
#include "host.h"
#include "job.h"
#include "matrix.h"
#include "plan.h"
#include "proc.h"
#include "publish.h"
#include "reaper.h"
#include "report.h"
#include "run.h"
#include "jobsched.h"
#include "source.h"
#include "store.h"
#include "toolchain.h"
#include "util.h"

/* A plan's run. */
struct run_ctx {
	struct job_env env;		/* what its jobs share */
	const struct run_opts *o;
	struct job_host *hosts;		/* the plan's remote hosts; none: boots run here */
	size_t n_hosts;
	struct store *store;		/* used under the scheduler's lock while it runs */
	struct job_state *states;	/* one per job: each owned by one thread at a time */
	struct run_report *rep;		/* rep->jobs[i]: names only until job i is handed over */
	bool *handed;			/* handed[i]: job i's result is in rep */
};

char *run_id_new(void)
{
	unsigned char rnd[2] = { 0 };
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];

	getrandom(rnd, sizeof(rnd), 0);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%02x%02x", buf, rnd[0], rnd[1]);
}

static void run_ctx_release(struct run_ctx *c)
{
	for (size_t i = 0; i < c->n_hosts; i++) {
		host_free(c->hosts[i].h);
		free(c->hosts[i].libvirt_version);
		free(c->hosts[i].qemu_version);
	}
	free(c->hosts);
	store_free(c->store);
	job_env_release(&c->env);
}

static bool hosts_alive(const struct run_ctx *c)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (!host_is_dead(c->hosts[i].h))
			return true;
	return false;
}

/* The scheduler's job functions for a plan run (struct jobsched_ops). */

static int run_prepare(void *data, size_t i, bool *ret_build, struct bm_err **err)
{
	struct run_ctx *c = data;
	struct job_state *js = &c->states[i];

	if (job_prepare(&c->env, js, err) < 0)
		return -1;
	*ret_build = js->prepared;
	job_stage(&c->env, js->job->id, *ret_build ? "waiting to build" : NULL);
	if (!*ret_build)
		job_say(&c->env, "%s: %s before the build: %s", js->job->id,
			bm_status_name(js->result.build.status),
			js->result.build.detail ? js->result.build.detail : "?");
	return 0;
}

/* When a job needs a libvirt connection: its versions, so that a dead connection is found
 * before hours of builds, not after. */
static int libvirt_versions(struct job_env *env, struct bm_err **err)
{
	const struct boot_backend *be = job_plan_backend(env->plan, env->datadir, BOOT_CAP_LIBVIRT);

	if (be && be->versions(env->uri, &env->libvirt_version, &env->qemu_version, err) < 0)
		return bm_err_prefix(err, "libvirt connection");
	return 0;
}

/* Beside the first preparation, before any build: the local libvirt connection checked. Its
 * first open on a new cache probes every QEMU binary (half a minute), which a debootstrap or a
 * download need not wait for. A plan with hosts checked them before the run. */
static int run_start(void *data, struct bm_err **err)
{
	struct run_ctx *c = data;

	return c->n_hosts ? 0 : libvirt_versions(&c->env, err);
}

static int run_build(void *data, size_t i, bool *ret_boot, struct bm_err **err)
{
	struct run_ctx *c = data;
	struct job_state *js = &c->states[i];

	if (job_build(&c->env, js, err) < 0)
		return -1;
	*ret_boot = js->result.build.status == BM_PASS;
	if (*ret_boot) {
		job_stage(&c->env, js->job->id, "waiting to boot");
	} else {
		job_state_release_build(js);
		job_stage(&c->env, js->job->id, NULL);
	}
	return 0;
}

/* Whether a job boots on the plan's remote hosts (when there are hosts and its backend can). */
static bool run_on_slot(void *data, size_t i)
{
	struct run_ctx *c = data;

	return c->n_hosts > 0 && boot_backend_can(c->states[i].arch->backend, BOOT_CAP_REMOTE);
}

static bool run_slot_alive(void *data, void *slot)
{
	struct job_host *rh = slot;

	(void)data;
	return !host_is_dead(rh->h);
}

static void *run_worker_new(void *data, void *slot)
{
	struct job_host *rh = slot;

	(void)data;
	return rh ? host_session_new(rh->h) : NULL;
}

static void run_worker_free(void *data, void *worker)
{
	(void)data;
	host_session_free(worker);
}

/* After an infra boot on rh: is the host gone? A host already marked dead is; else it is probed
 * (a fresh SSH connection) and marked dead when that fails. */
static bool host_lost(const struct run_ctx *c, struct job_host *rh)
{
	struct bm_err *e = NULL;

	if (host_is_dead(rh->h))
		return true;
	if (host_check(rh->h, &e) == 0)
		return false;
	host_mark_dead(rh->h, e->msg);
	job_say(&c->env, "host %s is gone: %s", host_name(rh->h), e->msg);
	bm_err_free(e);
	return true;
}

/* Every remote host is dead: the job is infra without a boot. */
static void job_no_host(const struct run_ctx *c, struct job_result *jr)
{
	struct strbuf why = { 0 };

	strbuf_add(&why, "no remote host left");
	for (size_t k = 0; k < c->n_hosts; k++) {
		const char *name = host_name(c->hosts[k].h);
		_cleanup_free_ char *dead = host_dead_reason(c->hosts[k].h);

		/* most reasons name the host already */
		if (dead && strstr(dead, name))
			strbuf_addf(&why, "%s%s", k ? "; " : " (", dead);
		else
			strbuf_addf(&why, "%s%s: %s", k ? "; " : " (", name, dead ? dead : "?");
	}
	strbuf_add(&why, ")");
	jr->boot.status = BM_INFRA;
	free(jr->boot.detail);
	jr->boot.detail = strbuf_take(&why);
}

static int run_boot(void *data, size_t i, void *slot, void *worker, bool stranded,
		    enum jobsched_boot *ret, struct bm_err **err)
{
	struct run_ctx *c = data;
	struct job_state *js = &c->states[i];
	struct job_result *jr = &js->result;
	struct job_host *rh = slot;

	if (stranded)
		job_no_host(c, jr);
	else if (job_boot(&c->env, js, rh, worker, err) < 0)
		return -1;
	if (rh && !stranded && jr->boot.status == BM_INFRA && !proc_interrupted() &&
	    host_lost(c, rh) && hosts_alive(c)) {
		job_boot_forget(&c->env, js);
		*ret = JOBSCHED_REQUEUE;
		return 0;
	}
	job_add_unbuilt_targets(js);
	job_say(&c->env, "%s: boot %s in %.1f s; %u passed, %u failed, %u skipped, %u crashed",
		js->job->id, bm_status_name(jr->boot.status), jr->boot.seconds, jr->kunit.pass,
		jr->kunit.fail, jr->kunit.skip, jr->kunit.crash);
	job_state_release_build(js);
	job_stage(&c->env, js->job->id, NULL);
	*ret = JOBSCHED_BOOTED;
	return 0;
}

static int save_matrix(const struct run_ctx *c, struct bm_err **err)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_free_ char *path = xasprintf("%s/matrix.json", c->env.dir);

	if (report_json_matrix(c->env.run_id, c->env.plan->path, c->rep->jobs, c->rep->n_jobs, &json,
			       err) < 0)
		return -1;
	return file_write_atomic(path, json, strlen(json), err);
}

/* The handover (under the scheduler's lock): job i's result moves into the run's list, and into
 * the history and matrix.json at once, so a crash of the harness later loses nothing. */
static int run_finish(void *data, size_t i, struct bm_err **err)
{
	struct run_ctx *c = data;
	struct job_result *jr = &c->rep->jobs[i];

	job_result_release(jr);
	*jr = c->states[i].result;
	memset(&c->states[i].result, 0, sizeof(c->states[i].result));
	c->handed[i] = true;
	if (store_job_save(c->store, c->env.run_id, jr, err) < 0)
		return -1;
	return save_matrix(c, err);
}

static int run_jobs(struct run_ctx *c, const struct matrix *m, const bool *todo,
		    unsigned local_workers, struct bm_err **err)
{
	/* One job ahead: the next job's root and source are made while this one builds, and a
	 * prepared job is always the build lane's next (job.h: the locks it holds). */
	const struct jobsched_ops ops = {
		.data = c, .prepare = run_prepare, .start = run_start, .build = run_build,
		.on_slot = run_on_slot, .slot_alive = run_slot_alive, .worker_new = run_worker_new,
		.worker_free = run_worker_free, .boot = run_boot, .finish = run_finish,
		.interrupted = proc_interrupted,
	};
	struct jobsched_opts so = { .n_jobs = m->n_jobs, .todo = todo, .local_workers = local_workers,
				    .prepare_ahead = 1 };
	struct bm_err *e = NULL;
	int r;

	c->states = xcalloc(m->n_jobs ? m->n_jobs : 1, sizeof(*c->states));
	c->handed = xcalloc(m->n_jobs ? m->n_jobs : 1, sizeof(*c->handed));
	for (size_t i = 0; i < m->n_jobs; i++)
		c->states[i].job = &m->jobs[i];
	for (size_t i = 0; i < c->n_hosts; i++)
		for (unsigned j = 0; j < host_slots(c->hosts[i].h); j++) {
			so.slots = xrealloc(so.slots, (so.n_slots + 1) * sizeof(*so.slots));
			so.slots[so.n_slots++] = &c->hosts[i];
		}
	r = jobsched_run(&ops, &so, &e);
	/* The threads are gone: what the jobs cut short had so far is shown too (not saved). */
	for (size_t i = 0; i < m->n_jobs; i++) {
		if (!c->handed[i] && c->states[i].result.id) {
			job_result_release(&c->rep->jobs[i]);
			c->rep->jobs[i] = c->states[i].result;
			memset(&c->states[i].result, 0, sizeof(c->states[i].result));
		}
		job_state_release(&c->states[i]);
	}
	free(c->states);
	free(c->handed);
	free(so.slots);
	c->states = NULL;
	c->handed = NULL;
	/* Ctrl-C: whatever it cut short (a build says just "interrupted"), say how to go on. */
	if (proc_interrupted()) {
		bm_err_free(e);
		e = NULL;
		r = bm_err_set(&e, BM_ERR_SYSTEM, "interrupted (the jobs that finished are saved; "
			       "'bootmatrix run --resume %s' runs the rest)", c->env.run_id);
	}
	if (r < 0)
		*err = e;
	return r;
}

/* The plan's remote hosts, each checked (SSH, its run directory, its libvirt) before any build.
 * What the user must fix (a host key not in known_hosts, a refused key) ends the run; a host
 * that cannot be reached is dead from the start, and the run goes on with the others, if any. */
static int hosts_open(struct run_ctx *c, struct bm_err **err)
{
	struct strbuf why = { 0 };
	int r = 0;

	c->hosts = xcalloc(c->env.plan->n_hosts, sizeof(*c->hosts));
	for (size_t i = 0; i < c->env.plan->n_hosts; i++) {
		struct job_host *rh = &c->hosts[c->n_hosts];
		struct bm_err *e = NULL;

		if (host_new(c->env.plan->hosts[i].uri, c->env.plan->hosts[i].slots, &rh->h, err) < 0)
			return bm_err_prefix(err, "%s", c->env.plan->path);
		c->n_hosts++;
		if (host_check(rh->h, &e) == 0 &&
		    boot_libvirt_versions(host_uri(rh->h), &rh->libvirt_version, &rh->qemu_version,
					  &e) == 0) {
			job_say(&c->env, "host %s: libvirt %s, QEMU %s, %u slot%s, files in %s",
				host_name(rh->h), rh->libvirt_version, rh->qemu_version, host_slots(rh->h),
				host_slots(rh->h) == 1 ? "" : "s", host_run_dir(rh->h));
			continue;
		}
		if (e->code == BM_ERR_INPUT) {
			*err = e;
			return bm_err_prefix(err, "%s: hosts[%zu]", c->env.plan->path, i);
		}
		job_say(&c->env, "host %s is not usable, no boots go there: %s", host_name(rh->h),
			e->msg);
		strbuf_addf(&why, "%s%s: %s", why.len ? "; " : "", host_name(rh->h), e->msg);
		host_mark_dead(rh->h, e->msg);
		bm_err_free(e);
	}
	if (!hosts_alive(c))
		r = bm_err_set(err, BM_ERR_INFRA, "no host of the plan can be used (%s)", why.buf);
	free(why.buf);
	return r;
}

/* Remove the run directories on the hosts. A dead host keeps its own: say where. */
static void hosts_close(struct run_ctx *c)
{
	for (size_t i = 0; i < c->n_hosts; i++) {
		struct host *h = c->hosts[i].h;
		struct bm_err *e = NULL;

		if (!host_run_dir(h))
			continue;
		if (host_is_dead(h)) {
			job_say(&c->env, "host %s is gone: its run directory %s is left there",
				host_name(h), host_run_dir(h));
		} else if (host_cleanup(h, &e) < 0) {
			job_say(&c->env, "%s", e->msg);
			bm_err_free(e);
		}
	}
}

/* With --resume: the run's plan, and the jobs already finished (moved into rep). A job whose
 * saved result is infra is run again. */
static int resume_load(struct run_ctx *c, const struct matrix *m, bool *todo,
		       struct run_report *rep, struct bm_err **err)
{
	struct job_result *saved = NULL;
	size_t n = 0;

	if (store_run_jobs(c->store, c->env.run_id, &saved, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < m->n_jobs; i++) {
		for (size_t j = 0; j < n; j++) {
			if (!saved[j].id || strcmp(saved[j].id, m->jobs[i].id) != 0 ||
			    saved[j].build.status == BM_INFRA || saved[j].boot.status == BM_INFRA)
				continue;
			job_result_release(&rep->jobs[i]);
			rep->jobs[i] = saved[j];
			memset(&saved[j], 0, sizeof(saved[j]));
			todo[i] = false;
		}
	}
	for (size_t j = 0; j < n; j++)
		job_result_release(&saved[j]);
	free(saved);
	return 0;
}

/* Guests and children die with bootmatrix (reaper.h): the process groups proc starts, and the
 * QEMU processes of the embedded libvirt driver, whose pid files are in its root. Before any
 * thread starts (the reaper is forked). */
static int run_reaper_start(const char *uri, struct bm_err **err)
{
	_cleanup_free_ char *pids = NULL;

	if (reaper_start(err) < 0 || boot_libvirt_pidfile_dir(uri, &pids, err) < 0)
		return -1;
	if (pids)
		reaper_watch_pidfiles(pids);
	return 0;
}

/* The toolchains' components from outside Debian, checked before any build: an unknown version
 * or a directory without its tool stops the run here (exit 2). They are downloaded on the
 * preparation lane (job_prepare), beside the builds of the jobs before. */
static int toolchains_check(const struct job_env *env, struct bm_err **err)
{
	for (size_t i = 0; env->plan->toolchains[i]; i++) {
		_cleanup_(toolchain_freep) struct toolchain *tc = NULL;

		if (toolchain_load(env->datadir, env->cache, env->plan->toolchains[i], &tc, err) < 0)
			return -1;
		toolchain_set_dist_server(tc, env->plan->rust_dist_server);
		if (toolchain_check(tc, err) < 0)
			return -1;
	}
	return 0;
}

int run_plan(const struct run_opts *o, struct run_report *ret, struct bm_err **err)
{
	struct run_ctx c = { .o = o };
	struct run_report rep = { 0 };
	struct matrix m = { 0 };
	const char *base = o->results_base ? o->results_base : "results";
	_cleanup_free_ char *db = xasprintf("%s/history.sqlite", base);
	_cleanup_free_ char *started = NULL, *finished = NULL, *plan_path = NULL;
	_cleanup_free_ bool *todo = NULL, *mine = NULL;
	_cleanup_strv_ char **arches = NULL;
	_cleanup_free_ char *arches_joined = NULL;
	unsigned ncpu = o->jobs ? o->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	unsigned shard = o->shard, shards = o->shards;
	size_t n_todo = 0;
	char host[256] = "";
	int r = -1;

	c.env.datadir = data_dir();
	c.env.cache = cache_dir();
	c.env.uri = o->uri;
	c.env.jobs = o->jobs;
	c.env.no_confirm = o->no_confirm;
	c.env.progress = o->progress;
	c.env.status = o->status;
	if (cache_dir_check(c.env.cache, err) < 0 || run_reaper_start(c.env.uri, err) < 0)
		goto out;
	if (o->resume) {
		struct store_run_info info = { 0 };

		if (store_open(db, &c.store, err) < 0) {
			bm_err_prefix(err, "opening results '%s'", db);
			goto out;
		}
		if (store_run_get(c.store, o->resume, &info, err) < 0)
			goto out;
		plan_path = xstrdup(info.plan);
		/* The run's own selection (--arch, --shard), as it was started. */
		for (char *a = info.arches ? strtok(info.arches, ",") : NULL; a; a = strtok(NULL, ","))
			strv_push(&arches, a);
		shard = info.shard;
		shards = info.shards;
		store_run_info_release(&info);
		c.env.run_id = xstrdup(o->resume);
	} else {
		plan_path = xstrdup(o->plan_path);
		c.env.run_id = run_id_new();
		strv_push_all(&arches, o->arches);
	}
	if (arches)
		arches_joined = strv_join(arches, ",");
	if (plan_load(plan_path, c.env.datadir, &c.env.plan, err) < 0 ||
	    (arches && plan_restrict_arches(c.env.plan, arches, err) < 0) ||
	    toolchains_check(&c.env, err) < 0 || build_ccache_size(&c.env.ccache_size, err) < 0)
		goto out;
	/* Dead hosts are found before hours of builds, not after; the local libvirt connection is
	 * checked beside the first preparation (run_start). */
	if (c.env.plan->n_hosts > 0 && hosts_open(&c, err) < 0)
		goto out;
	matrix_expand(c.env.plan, &m);
	c.env.sources = xcalloc(c.env.plan->n_sources, sizeof(*c.env.sources));
	c.env.dir = xasprintf("%s/%s", base, c.env.run_id);
	gethostname(host, sizeof(host) - 1);
	started = now_iso8601();
	if (mkdir_p(c.env.dir, err) < 0 || mkdir_p(c.env.cache, err) < 0)
		goto out;
	if (!c.store) {
		_cleanup_free_ char *moved = NULL;

		if (store_open_recover(db, &c.store, &moved, err) < 0)
			goto out;
		if (moved)
			job_say(&c.env, "history '%s' was damaged (not a SQLite database, or corrupt): "
				"moved aside to '%s'; this run starts a new history", db, moved);
	}
	if (!o->resume &&
	    (store_run_insert(c.store, c.env.run_id, c.env.plan->path, started, host, err) < 0 ||
	     store_run_set_selection(c.store, c.env.run_id, arches_joined, shard, shards, err) < 0))
		goto out;
	rep.id = xstrdup(c.env.run_id);
	rep.dir = xstrdup(c.env.dir);
	rep.plan = xstrdup(c.env.plan->path);
	rep.jobs = xcalloc(m.n_jobs, sizeof(*rep.jobs));
	rep.n_jobs = m.n_jobs;
	todo = xcalloc(m.n_jobs ? m.n_jobs : 1, sizeof(*todo));
	mine = xcalloc(m.n_jobs ? m.n_jobs : 1, sizeof(*mine));
	for (size_t i = 0; i < m.n_jobs; i++) {
		/* CI shards: a deterministic slice, the same on every machine. */
		mine[i] = todo[i] = !shards || i % shards == shard - 1;
		rep.jobs[i].id = xstrdup(m.jobs[i].id);
		rep.jobs[i].arch = xstrdup(m.jobs[i].arch);
		rep.jobs[i].toolchain = xstrdup(m.jobs[i].toolchain);
		rep.jobs[i].config = xstrdup(m.jobs[i].config);
	}
	if (o->resume && resume_load(&c, &m, todo, &rep, err) < 0)
		goto out;
	for (size_t i = 0; i < m.n_jobs; i++)
		n_todo += todo[i];
	if (shards) {
		/* A shard's run holds its own jobs only: those it ran before a --resume too. */
		size_t k = 0;

		for (size_t i = 0; i < m.n_jobs; i++) {
			if (mine[i]) {
				m.jobs[k] = m.jobs[i];
				rep.jobs[k] = rep.jobs[i];
				todo[k++] = todo[i];
			} else {
				free(m.jobs[i].id);
				job_result_release(&rep.jobs[i]);
			}
		}
		m.n_jobs = rep.n_jobs = k;
	}
	job_say(&c.env, "run %s: %zu job%s%s, results in %s", c.env.run_id, n_todo,
		n_todo == 1 ? "" : "s", o->resume ? " left" : "", c.env.dir);
	c.rep = &rep;
	r = run_jobs(&c, &m, todo, ncpu, err);
	hosts_close(&c);
	/* Every report format beside the logs, also after a harness error: what ran is there.
	 * Rendered from the history, as `bootmatrix report` does, so both agree to the byte. */
	{
		struct published_run p = { 0 };
		struct bm_err *e = NULL;

		if (publish_load(c.store, c.env.run_id, &p, &e) == 0) {
			struct report_run_meta meta = publish_meta(&p);

			if (publish_write_all(&meta, p.jobs, p.n_jobs, p.diff, p.n_diff, c.env.dir,
					      &e) == 0) {
				rep.previous = xstrdup(p.previous);
				for (size_t i = 0; i < p.n_diff; i++)
					rep.regressions += p.diff[i].kind == CMP_REGRESSION;
			}
		}
		published_run_release(&p);
		if (e && r == 0) {
			*err = e;
			e = NULL;
			r = -1;
		}
		bm_err_free(e);
	}
out:
	if (c.store) {
		finished = now_iso8601();
		store_run_finish(c.store, c.env.run_id, finished, NULL);
	}
	matrix_release(&m);
	run_ctx_release(&c);
	*ret = rep;
	return r;
}

void run_report_release(struct run_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_jobs; i++)
		job_result_release(&r->jobs[i]);
	free(r->jobs);
	free(r->id);
	free(r->dir);
	free(r->plan);
	free(r->previous);
	memset(r, 0, sizeof(*r));
}

int run_single(const struct run_single_opts *o, struct job_result *ret, struct bm_err **err)
{
	struct job_env env = { .uri = o->uri, .jobs = o->jobs, .progress = o->progress,
			       .no_confirm = !o->confirm };
	struct plan *p;
	struct job_state js = { 0 };
	struct matrix m = { 0 };
	int r = -1;

	if (build_ccache_size(&env.ccache_size, err) < 0)
		return -1;
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup("(single job)");
	p->name = xstrdup("single");
	p->sources = xcalloc(1, sizeof(*p->sources));
	p->sources[0].kind = SOURCE_PATH;
	p->sources[0].value = xstrdup(o->tree);
	p->n_sources = 1;
	strv_push(&p->toolchains, o->toolchain);
	strv_push(&p->arches, o->arch);
	strv_push(&p->configs, o->config);
	strv_push_all(&p->kselftest_targets, o->kselftest_targets);
	p->build_timeout = o->build_timeout ? o->build_timeout : 3600;
	p->boot_timeout = o->boot_timeout ? o->boot_timeout : 600;
	env.plan = p;
	env.datadir = data_dir();
	env.cache = cache_dir();
	env.run_id = run_id_new();
	env.dir = xstrdup(o->dir);
	env.sources = xcalloc(1, sizeof(*env.sources));
	if (cache_dir_check(env.cache, err) < 0 || run_reaper_start(env.uri, err) < 0 ||
	    libvirt_versions(&env, err) < 0)
		goto out;
	matrix_expand(p, &m);
	js.job = &m.jobs[0];
	if (mkdir_p(env.dir, err) < 0 || job_prepare(&env, &js, err) < 0 ||
	    (js.prepared && job_build(&env, &js, err) < 0))
		goto out;
	if (js.result.build.status == BM_PASS && job_boot(&env, &js, NULL, NULL, err) < 0)
		goto out;
	job_add_unbuilt_targets(&js);
	*ret = js.result;
	memset(&js.result, 0, sizeof(js.result));
	r = 0;
out:
	job_state_release(&js);
	matrix_release(&m);
	job_env_release(&env);
	return r;
}
