/* One job's pipeline (see job.h): preparation, build, boot here or on a remote host, confirm
 * failing cases, and the UML fallback without user space. Used by the scheduler's threads: a job's
 * state is only ever touched by the thread that holds it, and the job_env only read (sources: the
 * preparation lane). */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "boot.h"
#include "build.h"
#include "cache.h"
#include "err.h"
#include "host.h"
#include "initramfs.h"
#include "job.h"
#include "kselftest.h"
#include "ktap.h"
#include "matrix.h"
#include "plan.h"
#include "proc.h"
#include "source.h"
#include "toolchain.h"
#include "util.h"

void job_say(const struct job_env *env, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!env->progress)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	env->progress(msg);
}

void job_stage(const struct job_env *env, const char *id, const char *stage)
{
	if (env->status)
		env->status(id, stage);
}

void job_env_release(struct job_env *env)
{
	if (env->sources)
		for (size_t i = 0; env->plan && i < env->plan->n_sources; i++)
			kernel_source_free(env->sources[i]);
	free(env->sources);
	plan_free(env->plan);
	free(env->datadir);
	free(env->cache);
	free(env->run_id);
	free(env->dir);
	free(env->libvirt_version);
	free(env->qemu_version);
	memset(env, 0, sizeof(*env));
}

const struct boot_backend *job_plan_backend(const struct plan *plan, const char *datadir,
					    unsigned caps)
{
	for (size_t i = 0; plan->arches && plan->arches[i]; i++) {
		_cleanup_(arch_freep) struct arch *a = NULL;

		if (arch_load(datadir, plan->arches[i], &a, NULL) == 0 &&
		    boot_backend_can(a->backend, caps))
			return a->backend;
	}
	return NULL;
}

/* The first PATH entry holding an executable name; libvirt wants absolute emulator paths. */
static char *path_search(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
	char *dir, *save = NULL;

	if (strchr(name, '/'))
		return xstrdup(name);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", dir, name);

		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Harness trouble inside a job (a toolchain that will not debootstrap, a download that fails)
 * is the job's infra result, not the end of the run; bad input still ends it. */
static int job_infra(struct stage *st, struct bm_err **e, struct bm_err **err)
{
	if ((*e)->code == BM_ERR_INPUT) {
		*err = *e;
		*e = NULL;
		return -1;
	}
	st->status = BM_INFRA;
	st->detail = xstrdup((*e)->msg);
	bm_err_freep(e);
	return 0;
}

struct watch {
	struct ktap_parser *ktap;
	bool kselftest;		/* the boot ends with /init's sentinel, not with KUnit's KTAP */
	bool sentinel_seen;
	char *last_line;	/* the console's last non-empty line, for the evidence */
};

static enum boot_verdict watch_line(const char *line, void *data)
{
	struct watch *w = data;

	ktap_parser_feed_line(w->ktap, line);
	if (line[strspn(line, " \t\r")]) {
		free(w->last_line);
		w->last_line = xstrndup(line, 200);
	}
	if (strstr(line, "Kernel panic - not syncing"))
		return BOOT_PANIC;
	if (w->kselftest) {
		if (strstr(line, KSELFTEST_SENTINEL)) {
			w->sentinel_seen = true;
			return BOOT_DONE;
		}
	} else if (ktap_parser_done(w->ktap)) {
		return BOOT_DONE;
	}
	return BOOT_CONTINUE;
}

/* The arch's command line for this boot: with an initramfs the guest must not stop after
 * KUnit, so kunit_shutdown= goes. */
static char *boot_cmdline(const struct plan *p, const struct arch *a, const char *initramfs)
{
	_cleanup_free_ char *base = xstrdup(a->cmdline);
	char **words = NULL, *tok, *save = NULL, *out;

	for (tok = strtok_r(base, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!(initramfs && str_has_prefix(tok, "kunit_shutdown=")))
			strv_push(&words, tok);
	if (p->boot_args)
		strv_push(&words, p->boot_args);
	out = strv_join(words, " ");
	strv_free(words);
	return out;
}

/* Where a job boots: here (rh NULL), or on a remote host with its files uploaded there. */
struct place {
	struct job_host *rh;
	struct host_session *ssh;
	char *dir;			/* the job's directory on the host */
	char *image, *initramfs;	/* their copies there */
};

static void place_release(struct place *pl)
{
	free(pl->dir);
	free(pl->image);
	free(pl->initramfs);
	pl->dir = pl->image = pl->initramfs = NULL;
}

/* One boot of the job's kernel: the outcome in *boot (what an infra outcome means in
 * *ret_infra), the parsed tests in *tests. */
static int boot_once(const struct job_env *c, struct job_state *js, const struct place *pl,
		     const char *initramfs, const char *console_name, struct stage *boot,
		     enum boot_infra *ret_infra, struct test_results *tests, struct bm_err **err)
{
	const struct job *job = js->job;
	const struct arch *a = js->arch;
	const char *image = js->image;
	struct job_result *jr = &js->result;
	const struct boot_backend *be = a->backend;
	bool uses_emulator = boot_backend_can(be, BOOT_CAP_EMULATOR);
	_cleanup_free_ char *emulator = uses_emulator ? path_search(a->emulator) : NULL;
	_cleanup_free_ char *console = xasprintf("%s/%s", jr->log_dir, console_name);
	_cleanup_free_ char *remote_console = NULL;
	const char *uri = c->uri, *libvirt_version = c->libvirt_version;
	const char *qemu_version = c->qemu_version;
	_cleanup_free_ char *name = xasprintf("bm-%s-%s", c->run_id, job->id);
	_cleanup_free_ char *cmdline = boot_cmdline(c->plan, a, initramfs);
	struct watch w = { .ktap = ktap_parser_new(), .kselftest = initramfs != NULL };
	struct boot_outcome out = { 0 };
	struct boot_spec spec = {
		.name = name,
		.arch = a->qemu_arch,
		.machine = a->machine,
		.cpu = a->cpu,
		.emulator = emulator,
		.firmware = a->firmware,
		.features = a->features,
		.panic_model = a->panic_model,
		.kernel = image,
		.initrd = initramfs,
		.cmdline = cmdline,
		.console_log = console,
		.memory_mib = a->memory_mib,
		.vcpus = 1,
		.timeout = c->plan->boot_timeout,
	};
	struct bm_err *e = NULL;
	int r = 0;

	if (pl->rh) {
		/* QEMU is the host's, at the same path as here (docs/remote.md) */
		if (!emulator)
			emulator = xasprintf("/usr/bin/%s", a->emulator);
		spec.emulator = emulator;
		remote_console = xasprintf("%s/%s", pl->dir, console_name);
		spec.kernel = pl->image;
		spec.initrd = initramfs ? pl->initramfs : NULL;
		spec.console_log = remote_console;
		spec.console_copy = console;
		spec.console_read = host_console_read;
		spec.console_data = pl->ssh;
		host_session_follow(pl->ssh, remote_console);
		spec.kvm = host_kvm_usable(pl->ssh, a->qemu_arch);
		uri = host_uri(pl->rh->h);
		libvirt_version = pl->rh->libvirt_version;
		qemu_version = pl->rh->qemu_version;
		free(jr->host);
		jr->host = xstrdup(host_name(pl->rh->h));
	} else if (uses_emulator && !emulator) {
		boot->status = BM_INFRA;
		boot->detail = xasprintf("emulator '%s' not found (run 'make deps')", a->emulator);
		goto out;
	} else if (uses_emulator) {
		spec.kvm = boot_kvm_usable(a->qemu_arch, a->kvm_cpu_flags);
	}
	free(jr->machine);
	jr->machine = be->machine(&spec);
	job_say(c, "%s: booting (%s%s%s, timeout %u s)", job->id, jr->machine, pl->rh ? " on " : "",
		pl->rh ? host_name(pl->rh->h) : "", c->plan->boot_timeout);
	job_stage(c, job->id, strcmp(console_name, "console.log") ? "reboot" : "boot");
	if (boot_backend_can(be, BOOT_CAP_LIBVIRT) && !jr->libvirt_version) {
		jr->libvirt_version = xstrdup(libvirt_version);
		jr->qemu_version = xstrdup(qemu_version);
	}
	if (be->run(uri, &spec, watch_line, &w, &out, &e) < 0) {
		if (job_infra(boot, &e, err) < 0)
			r = bm_err_prefix(err, "booting '%s'", job->id);
		goto out;
	}
	*ret_infra = out.infra;
	boot->status = out.status;
	boot->seconds = out.seconds;
	if (out.status == BM_PASS && !ktap_parser_started(w.ktap)) {
		boot->status = BM_FAIL;
		boot->detail = xstrdup("the kernel printed no KTAP");
	} else if (out.status == BM_PASS && w.kselftest && !w.sentinel_seen) {
		boot->status = BM_FAIL;
		boot->detail = xstrdup("the guest stopped before kselftest finished");
	} else if ((out.status == BM_TIMEOUT || out.status == BM_INFRA) && w.last_line) {
		boot->detail = xasprintf("%s; console's last line: %s",
					 out.detail ? out.detail : bm_status_name(out.status),
					 str_strip(w.last_line));
	} else {
		boot->detail = xstrdup(out.detail);
	}
out:
	ktap_parser_finish(w.ktap, tests);
	if (tests->note) {
		/* the boot's detail goes everywhere a result goes: matrix, history, reports */
		char *d = boot->detail ? xasprintf("%s; %s", boot->detail, tests->note)
				       : xstrdup(tests->note);

		free(boot->detail);
		boot->detail = d;
	}
	/* A console the disk had no room for is cut short: nothing it says is the kernel's. */
	if (r == 0 && boot->status != BM_INFRA &&
	    (boot->status != BM_PASS || tests->fail || tests->crash)) {
		_cleanup_free_ char *why = fs_full_reason(console);

		if (why) {
			char *detail = xasprintf("%s (the boot ended %s%s%s)", why,
						 bm_status_name(boot->status), boot->detail ? ": " : "",
						 boot->detail ? boot->detail : "");

			free(boot->detail);
			boot->detail = detail;
			boot->status = BM_INFRA;
			*ret_infra = BOOT_INFRA_OTHER;
			test_results_release(tests);
			memset(tests, 0, sizeof(*tests));
		}
	}
	ktap_parser_free(w.ktap);
	free(w.last_line);
	boot_outcome_release(&out);
	return r;
}

static bool status_failed(enum bm_status s)
{
	return s == BM_FAIL || s == BM_CRASH || s == BM_TIMEOUT;
}

static const struct test_case *find_case(const struct test_results *r, const struct test_suite *like,
					 const char *name)
{
	for (size_t i = 0; i < r->n_suites; i++) {
		const struct test_suite *s = &r->suites[i];

		if (s->kind != like->kind || strcmp(s->name, like->name) != 0)
			continue;
		for (size_t j = 0; j < s->n_cases; j++)
			if (strcmp(s->cases[j].name, name) == 0)
				return &s->cases[j];
	}
	return NULL;
}

/* Boot; when a case fails, boot once more before believing it: a case that passes the second
 * time is flaky (it counts as passed, marked so), one that fails twice is a failure. */
static int job_boot_here(const struct job_env *c, struct job_state *js, const struct place *pl,
			 struct bm_err **err)
{
	const struct job *job = js->job;
	const char *initramfs = js->initramfs;
	struct job_result *jr = &js->result;
	struct test_results again = { 0 };
	struct stage boot2 = { 0 };
	enum boot_infra infra = BOOT_INFRA_OTHER, infra2 = BOOT_INFRA_OTHER;
	unsigned flaky = 0;

	if (boot_once(c, js, pl, initramfs, "console.log", &jr->boot, &infra, &jr->kunit, err) < 0)
		return -1;
	if (initramfs && jr->boot.status == BM_INFRA && infra == BOOT_INFRA_NO_USER_SPACE) {
		/* The host cannot run UML's user space: boot again without the initramfs, so the
		 * kernel's own tests count, and say why kselftest could not run. */
		_cleanup_free_ char *why = jr->boot.detail;
		_cleanup_strv_ char **targets = NULL;

		jr->boot.detail = NULL;
		test_results_release(&jr->kunit);
		job_say(c, "%s: %s; booting again without the initramfs (KUnit only)", job->id, why);
		if (boot_once(c, js, pl, NULL, "console-kunit.log", &jr->boot, &infra2, &jr->kunit,
			      err) < 0)
			return -1;
		strv_push_all(&targets, c->plan->kselftest_targets);
		for (size_t i = 0; c->plan->kselftest_extra && c->plan->kselftest_extra[i]; i++) {
			const char *e = c->plan->kselftest_extra[i];

			strv_push(&targets, strrchr(e, '/') ? strrchr(e, '/') + 1 : e);
		}
		kselftest_results_add_targets(&jr->kunit, targets, BM_INFRA, "run", why);
	}
	if (!(jr->kunit.fail + jr->kunit.crash) || jr->boot.status == BM_INFRA || proc_interrupted() ||
	    c->no_confirm)
		return 0;
	job_say(c, "%s: %u failed, %u crashed: booting again to confirm (console-rerun.log)", job->id,
		jr->kunit.fail, jr->kunit.crash);
	if (boot_once(c, js, pl, initramfs, "console-rerun.log", &boot2, &infra2, &again, err) < 0)
		return -1;
	for (size_t i = 0; i < jr->kunit.n_suites; i++) {
		struct test_suite *s = &jr->kunit.suites[i];

		for (size_t j = 0; j < s->n_cases; j++) {
			struct test_case *tc = &s->cases[j];
			const struct test_case *second;
			char *detail;

			if (!status_failed(tc->status))
				continue;
			second = find_case(&again, s, tc->name);
			if (!second || second->status != BM_PASS)
				continue;
			detail = xasprintf("flaky: %s on the first boot, pass on the second%s%s",
					   bm_status_name(tc->status), tc->detail ? ": " : "",
					   tc->detail ? tc->detail : "");
			free(tc->detail);
			tc->detail = detail;
			tc->status = BM_PASS;
			tc->flaky = true;
			flaky++;
		}
	}
	if (flaky)
		test_results_recount(&jr->kunit);
	job_say(c, "%s: second boot %s; %u case%s flaky", job->id, bm_status_name(boot2.status), flaky,
		flaky == 1 ? "" : "s");
	free(boot2.detail);
	test_results_release(&again);
	return 0;
}

int job_boot(const struct job_env *c, struct job_state *js, struct job_host *rh,
	     struct host_session *ssh, struct bm_err **err)
{
	struct place place = { .rh = rh, .ssh = ssh }, *pl = &place;
	const struct job *job = js->job;
	const char *image = js->image, *initramfs = js->initramfs;
	struct job_result *jr = &js->result;
	struct bm_err *e = NULL;
	int r;

	if (!pl->rh)
		return job_boot_here(c, js, pl, err);
	job_stage(c, job->id, "upload");
	if (host_job_dir(pl->ssh, job->id, &pl->dir, &e) < 0 ||
	    host_upload(pl->ssh, pl->dir, image, &pl->image, &e) < 0 ||
	    (initramfs && host_upload(pl->ssh, pl->dir, initramfs, &pl->initramfs, &e) < 0)) {
		free(jr->host);
		jr->host = xstrdup(host_name(pl->rh->h));
		r = job_infra(&jr->boot, &e, err);
		goto out;
	}
	r = job_boot_here(c, js, pl, err);
out:
	if (pl->dir && host_remove(pl->ssh, pl->dir, &e) < 0)
		bm_err_free(e);
	place_release(pl);
	return r;
}

/* Let go of what the preparation holds for the build: the root's lock, the toolchain (and the
 * locks of its components). */
static void job_root_release(struct job_state *js)
{
	if (js->tc_locked)
		close(js->tc_lock);
	js->tc_locked = false;
	toolchain_free(js->tc);
	js->tc = NULL;
}

void job_state_release_build(struct job_state *js)
{
	if (js->build_locked)
		close(js->build_lock);
	js->build_locked = false;
	job_root_release(js);
	js->src = NULL;
	js->prepared = false;
	arch_free(js->arch);
	free(js->image);
	free(js->initramfs);
	strv_free(js->ks_missing);
	strv_free(js->ks_absent);
	js->ks_missing = js->ks_absent = NULL;
	js->arch = NULL;
	js->image = js->initramfs = NULL;
}

void job_state_release(struct job_state *js)
{
	job_state_release_build(js);
	job_result_release(&js->result);
	memset(&js->result, 0, sizeof(js->result));
}

void job_add_unbuilt_targets(struct job_state *js)
{
	kselftest_results_add_unbuilt(&js->result.kunit, js->ks_missing, js->ks_absent,
				      js->result.arch, js->result.kernel);
	/* the Rust samples the config could not have: skips saying why */
	rustopts_add_sample_skips(&js->result.rust, &js->result.kunit, INITRAMFS_RUST_SAMPLES);
}

/* A build the harness could not carry out (a log it cannot write, a full disk): the job's infra
 * result; a Ctrl-C still ends the run. */
static int job_build_error(struct stage *st, struct bm_err **e, struct bm_err **err)
{
	if (proc_interrupted()) {
		*err = *e;
		*e = NULL;
		return -1;
	}
	free(st->detail);
	st->detail = NULL;
	return job_infra(st, e, err);
}

/* A preparation that could not be carried out (a debootstrap or download that failed): the
 * job's infra result; a Ctrl-C ends the run instead (it is not the job's). */
static int job_prepare_error(struct job_state *js, struct bm_err **e, struct bm_err **err)
{
	job_state_release_build(js);
	return job_build_error(&js->result.build, e, err);
}

/* A plan source made on a thread of its own beside the toolchain root (job_prepare): the first
 * job of a cold run needs both, and they share nothing (their own locks and directories). */
struct source_task {
	const struct plan_source *ps;
	const char *suite, *cache;
	void (*progress)(const char *msg);
	struct kernel_source *src;	/* the result, the joining thread's */
	struct bm_err *e;
};

static void *source_task_run(void *data)
{
	struct source_task *t = data;

	(void)source_prepare(t->ps, t->suite, t->cache, t->progress, &t->src, &t->e);
	return NULL;
}

/* Runs on the preparation lane, one job at a time, so toolchain roots and sources are made once. */
int job_prepare(struct job_env *c, struct job_state *js, struct bm_err **err)
{
	const struct job *job = js->job;
	struct job_result *jr = &js->result;
	const struct plan_source *ps = &c->plan->sources[job->source];
	_cleanup_(toolchain_freep) struct toolchain *via = NULL;
	struct source_task st = { .ps = ps, .cache = c->cache, .progress = c->progress };
	struct bm_err *e = NULL;
	pthread_t source_thread;
	bool source_made = false;
	int r;

	job_state_release_build(js);
	job_result_release(jr);
	memset(jr, 0, sizeof(*jr));
	jr->id = xstrdup(job->id);
	jr->arch = xstrdup(job->arch);
	jr->toolchain = xstrdup(job->toolchain);
	jr->config = xstrdup(job->config);
	jr->log_dir = xasprintf("%s/%s", c->dir, job->id);
	if (mkdir_p(jr->log_dir, &e) < 0)
		return job_infra(&jr->build, &e, err);
	if (arch_load(c->datadir, job->arch, &js->arch, err) < 0 ||
	    toolchain_load(c->datadir, c->cache, job->toolchain, &js->tc, err) < 0)
		return -1;
	toolchain_set_dist_server(js->tc, c->plan->rust_dist_server);
	/* a recipe file is named by its base name */
	free(jr->toolchain);
	jr->toolchain = xstrdup(js->tc->name);
	job_stage(c, job->id, "prepare");
	if (!c->sources[job->source]) {
		if (ps->from && toolchain_load(c->datadir, c->cache, ps->from, &via, err) < 0)
			return -1;
		/* Only the suite of the `from` toolchain counts: its root is not made for this. */
		st.suite = via ? via->suite : NULL;
		source_made = pthread_create(&source_thread, NULL, source_task_run, &st) == 0;
		if (!source_made)
			source_task_run(&st);
	}
	/* held until the build is done: no other process changes the root under it */
	r = toolchain_hold(js->tc, (const struct arch *const[]){ js->arch, NULL }, c->progress,
			   &js->tc_lock, &e);
	js->tc_locked = r == 0;
	if (r == 0)
		r = toolchain_manifest(js->tc, &jr->manifest, &e);
	if (source_made)
		pthread_join(source_thread, NULL);
	if (st.src)
		c->sources[job->source] = st.src;
	if (r < 0) {
		bm_err_free(st.e);
		return job_prepare_error(js, &e, err);
	}
	if (st.e)
		return job_prepare_error(js, &st.e, err);
	js->src = c->sources[job->source];
	jr->kernel = xstrdup(js->src->version);
	js->prepared = true;
	return 0;
}

/* The build proper: kernel, kselftests, in the prepared job's root. */
static int build_prepared(struct job_env *c, struct job_state *js, struct bm_err **err)
{
	const struct job *job = js->job;
	struct job_result *jr = &js->result;
	const struct toolchain *tc = js->tc;
	const struct kernel_source *src = js->src;
	const struct arch *a = js->arch;
	_cleanup_strv_ char **frags = NULL;
	_cleanup_free_ char *out_dir = NULL, *log = NULL, *cfg = NULL;
	_cleanup_free_ char *config_key = NULL, *key = NULL, *inputs = NULL, *ccache = NULL;
	struct bm_err *e = NULL;
	struct build_spec bs;
	struct kselftest_opts ko = { .datadir = c->datadir, .targets = c->plan->kselftest_targets,
				     .per_test_timeout = c->plan->kselftest_timeout,
				     .extra = c->plan->kselftest_extra, .sentinel = KSELFTEST_SENTINEL };
	_cleanup_close_ int ccache_lock = -1;

	if (c->ccache_size && toolchain_ccache(tc, &ccache, &e) < 0)
		return job_infra(&jr->build, &e, err);
	/* shared: builds of other processes use it too, and prune leaves it while one does */
	if (ccache) {
		if (cache_lock(ccache, CACHE_LOCK_SHARED, c->progress, &ccache_lock, err) < 0)
			return -1;
		cache_mark_used(ccache);
	}
	if (a->fragment)
		strv_pushf(&frags, "%s/configs/%s.config", c->datadir, a->fragment);
	strv_pushf(&frags, "%s/configs/%s.config", c->datadir, job->config);
	if (c->plan->kselftest_targets)
		strv_pushf(&frags, "%s/configs/kselftest.config", c->datadir);
	if (build_config_key(a, frags, &config_key, err) < 0)
		return -1;
	key = build_dir_key(config_key, c->plan->sources[job->source].kind == SOURCE_PATH ?
					src->dir : NULL);
	out_dir = xasprintf("%s/builds/%s-%s", c->cache, job->build_id, key);
	/* Debian packages and checksummed tarballs never change under the same name. */
	if (c->plan->sources[job->source].kind != SOURCE_PATH &&
	    build_inputs_key(key, src, tc, jr->manifest, a, &inputs, err) < 0)
		return -1;
	log = xasprintf("%s/build.log", jr->log_dir);
	bs = (struct build_spec){ .tc = tc, .src = src, .arch = a, .fragments = frags,
				  .out_dir = out_dir, .log_path = log,
				  .timeout = c->plan->build_timeout,
				  .jobs = c->jobs ? c->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
				  .progress = c->progress, .label = job->id, .inputs_key = inputs,
				  .rust_map = &jr->rust, .ccache_dir = ccache, .ccache_size = c->ccache_size };
	/* The build directory is shared by runs of other processes on the cache: read (a build to
	 * reuse) under a shared lock, written by make under an exclusive one. A process that waited
	 * for another's build of the same inputs finds it current and reuses it. */
	if (js->build_locked) {
		close(js->build_lock);
		js->build_locked = false;
	}
	if (cache_lock(out_dir, CACHE_LOCK_SHARED, c->progress, &js->build_lock, err) < 0)
		return -1;
	js->build_locked = true;
	if (!build_is_current(&bs, c->plan->kselftest_targets ? &ko : NULL) &&
	    cache_relock(js->build_lock, out_dir, CACHE_LOCK_EXCLUSIVE, c->progress, err) < 0)
		return -1;
	job_say(c, "%s: building %s with %s (log: %s)", job->id, src->version, tc->name, log);
	job_stage(c, job->id, "build");
	if (build_kernel(&bs, &jr->build, &js->image, &e) < 0)
		return job_build_error(&jr->build, &e, err);
	cfg = xasprintf("%s/.config", out_dir);
	if (path_exists(cfg)) {
		_cleanup_free_ char *to = xasprintf("%s/config", jr->log_dir);

		/* never through a symlink the build left: it would publish a host file */
		file_copy_beneath(out_dir, ".config", to, NULL);
	}
	job_say(c, "%s: build %s in %.0f s%s%s", job->id, bm_status_name(jr->build.status),
		jr->build.seconds, jr->build.detail ? ": " : "", jr->build.detail ? jr->build.detail : "");
	if (jr->build.status == BM_PASS && c->plan->kselftest_targets) {
		struct stage ks = { 0 };

		job_say(c, "%s: building kselftests and the initramfs", job->id);
		job_stage(c, job->id, "kselftest");
		if (build_kselftest(&bs, &ko, &ks, &js->initramfs, &e) < 0)
			return job_build_error(&jr->build, &e, err);
		jr->build.seconds += ks.seconds;
		if (ks.status == BM_PASS) {
			_cleanup_strv_ char **missing =
				build_kselftest_missing(out_dir, c->plan->kselftest_targets);

			for (size_t i = 0; missing && missing[i]; i++) {
				_cleanup_free_ char *dir = xasprintf("%s/tools/testing/selftests/%s",
								     src->dir, missing[i]);

				if (path_is_dir(dir)) {
					strv_push(&js->ks_missing, missing[i]);
					job_say(c, "%s: kselftest target '%s' did not build (see build.log)",
						job->id, missing[i]);
				} else {
					strv_push(&js->ks_absent, missing[i]);
					job_say(c, "%s: kselftest target '%s' does not exist in %s", job->id,
						missing[i], src->version);
				}
			}
		}
		if (ks.status != BM_PASS) {
			jr->build.status = ks.status;
			free(jr->build.detail);
			jr->build.detail = xasprintf("kselftest: %s", ks.detail ? ks.detail : "failed");
			job_say(c, "%s: %s", job->id, jr->build.detail);
		}
		free(ks.detail);
	}
	/* from now on only read (the boot): others may reuse it meanwhile */
	return cache_relock(js->build_lock, out_dir, CACHE_LOCK_SHARED, NULL, err);
}

/* Runs on the build lane, one job at a time, after job_prepare. */
int job_build(struct job_env *c, struct job_state *js, struct bm_err **err)
{
	int r;

	if (!js->prepared)
		return bm_err_set(err, BM_ERR_SYSTEM, "job '%s' built before it was prepared",
				  js->job->id);
	r = build_prepared(c, js, err);
	/* the build is done: other processes may change the root again */
	job_root_release(js);
	return r;
}

void job_boot_forget(const struct job_env *env, struct job_state *js)
{
	struct job_result *jr = &js->result;
	_cleanup_free_ char *from = xasprintf("%s/console.log", jr->log_dir);
	_cleanup_free_ char *to = NULL;

	jr->requeued++;
	to = xasprintf("%s/console-lost-%u.log", jr->log_dir, jr->requeued);
	(void)rename(from, to);	/* none when nothing was read */
	job_say(env, "%s: re-queued (its host %s is gone: %s)", jr->id, jr->host ? jr->host : "?",
		jr->boot.detail ? jr->boot.detail : "infra");
	free(jr->boot.detail);
	memset(&jr->boot, 0, sizeof(jr->boot));
	test_results_release(&jr->kunit);
	memset(&jr->kunit, 0, sizeof(jr->kunit));
	free(jr->machine);
	free(jr->host);
	free(jr->libvirt_version);
	free(jr->qemu_version);
	jr->machine = jr->host = jr->libvirt_version = jr->qemu_version = NULL;
}
