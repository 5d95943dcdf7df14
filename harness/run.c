#include <stdarg.h>
#include <stdbool.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "boot.h"
#include "boot_libvirt.h"
#include "boot_uml.h"
#include "build.h"
#include "err.h"
#include "ktap.h"
#include "matrix.h"
#include "plan.h"
#include "proc.h"
#include "report.h"
#include "run.h"
#include "source.h"
#include "store.h"
#include "toolchain.h"
#include "util.h"

struct run_ctx {
	const struct run_opts *o;
	struct plan *plan;
	char *datadir, *cache;
	char *id, *dir;
	struct store *store;
	struct kernel_source **sources;	/* per plan source, prepared on first use */
	char *libvirt_version, *qemu_version;
};

static void say(const struct run_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct run_ctx *c, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!c->o->progress)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->o->progress(msg);
}

static char *run_id_new(void)
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

#define KSELFTEST_SENTINEL "bootmatrix: kselftest done"

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
 * KUnit, so kunit_shutdown= goes; UML takes its initramfs on the command line. */
static char *boot_cmdline(const struct plan *p, const struct arch *a, const char *initramfs)
{
	_cleanup_free_ char *base = xstrdup(a->cmdline);
	char **words = NULL, *tok, *save = NULL, *out;

	for (tok = strtok_r(base, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!(initramfs && str_has_prefix(tok, "kunit_shutdown=")))
			strv_push(&words, tok);
	if (initramfs && a->backend == ARCH_BACKEND_UML)
		strv_pushf(&words, "initrd=%s", initramfs);
	if (p->boot_args)
		strv_push(&words, p->boot_args);
	out = strv_join(words, " ");
	strv_free(words);
	return out;
}

static int job_boot(struct run_ctx *c, const struct job *job, const struct arch *a,
		    const char *image, const char *initramfs, struct job_result *jr,
		    struct bm_err **err)
{
	_cleanup_free_ char *emulator = path_search(a->emulator ? a->emulator : "");
	_cleanup_free_ char *console = xasprintf("%s/console.log", jr->log_dir);
	_cleanup_free_ char *name = xasprintf("bm-%s-%s", c->id, job->id);
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
		.kernel = image,
		.initrd = a->backend == ARCH_BACKEND_LIBVIRT ? initramfs : NULL,
		.cmdline = cmdline,
		.console_log = console,
		.memory_mib = a->memory_mib,
		.vcpus = 1,
		.timeout = c->plan->boot_timeout,
	};
	struct bm_err *e = NULL;
	int r = 0;

	if (a->backend == ARCH_BACKEND_UML) {
		jr->machine = xstrdup("um");
		say(c, "%s: booting (um, timeout %u s)", job->id, c->plan->boot_timeout);
		if (boot_uml_run(&spec, watch_line, &w, &out, &e) < 0) {
			if (job_infra(&jr->boot, &e, err) < 0)
				r = bm_err_prefix(err, "booting '%s'", job->id);
			goto out;
		}
		goto outcome;
	}
	if (!emulator) {
		jr->boot.status = BM_INFRA;
		jr->boot.detail = xasprintf("emulator '%s' not found (run 'make deps')", a->emulator);
		goto out;
	}
	spec.kvm = boot_kvm_usable(a->qemu_arch);
	jr->machine = xasprintf("%s (%s)", a->machine, spec.kvm ? "kvm" : "tcg");
	say(c, "%s: booting (%s, timeout %u s)", job->id, jr->machine, c->plan->boot_timeout);
	jr->libvirt_version = xstrdup(c->libvirt_version);
	jr->qemu_version = xstrdup(c->qemu_version);
	if (boot_libvirt_run(c->o->uri, &spec, watch_line, &w, &out, &e) < 0) {
		if (job_infra(&jr->boot, &e, err) < 0)
			r = bm_err_prefix(err, "booting '%s'", job->id);
		goto out;
	}
outcome:
	jr->boot.status = out.status;
	jr->boot.seconds = out.seconds;
	if ((out.status == BM_TIMEOUT || out.status == BM_INFRA) && w.last_line)
		jr->boot.detail = xasprintf("%s; console's last line: %s",
					    out.detail ? out.detail : bm_status_name(out.status),
					    str_strip(w.last_line));
	else
		jr->boot.detail = xstrdup(out.detail);
	if (out.status == BM_PASS && !ktap_parser_started(w.ktap)) {
		jr->boot.status = BM_FAIL;
		jr->boot.detail = xstrdup("the kernel printed no KTAP");
	} else if (out.status == BM_PASS && w.kselftest && !w.sentinel_seen) {
		jr->boot.status = BM_FAIL;
		jr->boot.detail = xstrdup("the guest stopped before kselftest finished");
	}
out:
	ktap_parser_finish(w.ktap, &jr->kunit);
	ktap_parser_free(w.ktap);
	free(w.last_line);
	boot_outcome_release(&out);
	return r;
}

/* A short hash of what decides a build's .config: the arch's base and target, the fragments. */
static int config_key(const struct arch *a, char *const *frags, char **ret, struct bm_err **err)
{
	char *all = xasprintf("%s\n%s\n%s\n", a->linux_arch, a->base_config, a->make_target);
	char hex[65];

	for (size_t i = 0; frags[i]; i++) {
		_cleanup_free_ char *text = NULL;
		char *next;

		if (file_read(frags[i], &text, NULL, err) < 0) {
			free(all);
			return -1;
		}
		next = xasprintf("%s%s\n", all, text);
		free(all);
		all = next;
	}
	sha256_hex(all, strlen(all), hex);
	free(all);
	*ret = xstrndup(hex, 12);
	return 0;
}

static int job_run(struct run_ctx *c, const struct job *job, struct job_result *jr,
		   struct bm_err **err)
{
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	_cleanup_(arch_freep) struct arch *a = NULL;
	_cleanup_strv_ char **frags = NULL;
	_cleanup_free_ char *out_dir = NULL, *log = NULL, *image = NULL, *cfg = NULL;
	_cleanup_free_ char *initramfs = NULL, *key = NULL;
	struct bm_err *e = NULL;
	struct kernel_source *src;
	struct build_spec bs;

	jr->id = xstrdup(job->id);
	jr->arch = xstrdup(job->arch);
	jr->toolchain = xstrdup(job->toolchain);
	jr->config = xstrdup(job->config);
	jr->log_dir = xasprintf("%s/%s", c->dir, job->id);
	if (mkdir_p(jr->log_dir, err) < 0)
		return -1;
	if (arch_load(c->datadir, job->arch, &a, err) < 0 ||
	    toolchain_load(c->datadir, c->cache, job->toolchain, &tc, err) < 0)
		return -1;
	if (toolchain_create(tc, c->o->progress, &e) < 0 ||
	    toolchain_manifest(tc, &jr->manifest, &e) < 0)
		return job_infra(&jr->build, &e, err);
	if (!c->sources[job->source]) {
		const struct plan_source *ps = &c->plan->sources[job->source];
		_cleanup_(toolchain_freep) struct toolchain *via = NULL;

		if (ps->from && toolchain_load(c->datadir, c->cache, ps->from, &via, err) < 0)
			return -1;
		if ((via && toolchain_create(via, c->o->progress, &e) < 0) ||
		    source_prepare(ps, via, c->cache, c->o->progress, &c->sources[job->source], &e) < 0)
			return job_infra(&jr->build, &e, err);
	}
	src = c->sources[job->source];
	jr->kernel = xstrdup(src->version);

	if (a->fragment)
		strv_pushf(&frags, "%s/configs/%s.config", c->datadir, a->fragment);
	strv_pushf(&frags, "%s/configs/%s.config", c->datadir, job->config);
	if (c->plan->kselftest_targets)
		strv_pushf(&frags, "%s/configs/kselftest.config", c->datadir);
	if (config_key(a, frags, &key, err) < 0)
		return -1;
	/* One build directory per configuration: switching fragments never thrashes a tree. */
	out_dir = xasprintf("%s/builds/%s-%s", c->cache, job->id, key);
	log = xasprintf("%s/build.log", jr->log_dir);
	bs = (struct build_spec){ .tc = tc, .src = src, .arch = a, .fragments = frags,
				  .out_dir = out_dir, .log_path = log,
				  .timeout = c->plan->build_timeout,
				  .jobs = c->o->jobs ? c->o->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
				  .progress = c->o->progress, .label = job->id };
	say(c, "%s: building %s with %s (log: %s)", job->id, src->version, tc->name, log);
	if (build_kernel(&bs, &jr->build, &image, err) < 0)
		return -1;
	cfg = xasprintf("%s/.config", out_dir);
	if (path_exists(cfg)) {
		_cleanup_free_ char *to = xasprintf("%s/config", jr->log_dir);

		file_copy(cfg, to, NULL);
	}
	say(c, "%s: build %s in %.0f s%s%s", job->id, bm_status_name(jr->build.status),
	    jr->build.seconds, jr->build.detail ? ": " : "", jr->build.detail ? jr->build.detail : "");
	if (jr->build.status == BM_PASS && c->plan->kselftest_targets) {
		struct kselftest_opts ko = { .datadir = c->datadir, .targets = c->plan->kselftest_targets,
					     .per_test_timeout = c->plan->kselftest_timeout,
					     .sentinel = KSELFTEST_SENTINEL };
		struct stage ks = { 0 };

		say(c, "%s: building kselftests and the initramfs", job->id);
		if (build_kselftest(&bs, &ko, &ks, &initramfs, err) < 0)
			return -1;
		jr->build.seconds += ks.seconds;
		if (ks.status != BM_PASS) {
			jr->build.status = ks.status;
			jr->build.detail = xasprintf("kselftest: %s", ks.detail ? ks.detail : "failed");
		}
		free(ks.detail);
	}
	if (jr->build.status != BM_PASS)
		return 0;
	if (job_boot(c, job, a, image, initramfs, jr, err) < 0)
		return -1;
	say(c, "%s: boot %s in %.1f s; KUnit %u passed, %u failed, %u skipped, %u crashed", job->id,
	    bm_status_name(jr->boot.status), jr->boot.seconds, jr->kunit.pass, jr->kunit.fail,
	    jr->kunit.skip, jr->kunit.crash);
	return 0;
}

static int save_matrix(struct run_ctx *c, const struct run_report *rep, struct bm_err **err)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_free_ char *path = xasprintf("%s/matrix.json", c->dir);

	if (report_json_matrix(c->id, c->plan->path, rep->jobs, rep->n_jobs, &json, err) < 0)
		return -1;
	return file_write_atomic(path, json, strlen(json), err);
}

static bool plan_uses_libvirt(const struct run_ctx *c)
{
	for (size_t i = 0; c->plan->arches[i]; i++) {
		_cleanup_(arch_freep) struct arch *a = NULL;

		if (arch_load(c->datadir, c->plan->arches[i], &a, NULL) == 0 &&
		    a->backend == ARCH_BACKEND_LIBVIRT)
			return true;
	}
	return false;
}

static void run_ctx_release(struct run_ctx *c)
{
	if (c->sources)
		for (size_t i = 0; i < c->plan->n_sources; i++)
			kernel_source_free(c->sources[i]);
	free(c->sources);
	plan_free(c->plan);
	store_free(c->store);
	free(c->datadir);
	free(c->cache);
	free(c->id);
	free(c->dir);
	free(c->libvirt_version);
	free(c->qemu_version);
}

int run_plan(const struct run_opts *o, struct run_report *ret, struct bm_err **err)
{
	struct run_ctx c = { .o = o };
	struct run_report rep = { 0 };
	struct matrix m = { 0 };
	const char *base = o->results_base ? o->results_base : "results";
	_cleanup_free_ char *db = NULL, *started = NULL, *finished = NULL;
	char host[256] = "";
	int r = -1;

	c.datadir = data_dir();
	c.cache = cache_dir();
	if (plan_load(o->plan_path, c.datadir, &c.plan, err) < 0 ||
	    (o->arches && plan_restrict_arches(c.plan, o->arches, err) < 0))
		goto out;
	/* A dead libvirt connection is found before hours of builds, not after. */
	if (plan_uses_libvirt(&c) &&
	    boot_libvirt_versions(o->uri, &c.libvirt_version, &c.qemu_version, err) < 0) {
		bm_err_prefix(err, "libvirt connection");
		goto out;
	}
	matrix_expand(c.plan, &m);
	c.sources = xcalloc(c.plan->n_sources, sizeof(*c.sources));
	c.id = run_id_new();
	c.dir = xasprintf("%s/%s", base, c.id);
	db = xasprintf("%s/history.sqlite", base);
	gethostname(host, sizeof(host) - 1);
	started = now_iso8601();
	if (mkdir_p(c.dir, err) < 0 || mkdir_p(c.cache, err) < 0 ||
	    store_open(db, &c.store, err) < 0 ||
	    store_run_insert(c.store, c.id, c.plan->path, started, host, err) < 0)
		goto out;
	say(&c, "run %s: %zu job%s, results in %s", c.id, m.n_jobs, m.n_jobs == 1 ? "" : "s", c.dir);
	rep.id = xstrdup(c.id);
	rep.dir = xstrdup(c.dir);
	rep.plan = xstrdup(c.plan->path);
	rep.jobs = xcalloc(m.n_jobs, sizeof(*rep.jobs));
	for (size_t i = 0; i < m.n_jobs; i++) {
		struct job_result *jr;

		if (proc_interrupted()) {
			bm_err_set(err, BM_ERR_SYSTEM, "interrupted");
			goto out;
		}
		jr = &rep.jobs[rep.n_jobs++];
		if (job_run(&c, &m.jobs[i], jr, err) < 0)
			goto out;
		/* Each finished job is saved at once, so nothing collected is lost later. */
		if (store_job_save(c.store, c.id, jr, err) < 0 || save_matrix(&c, &rep, err) < 0)
			goto out;
	}
	r = 0;
out:
	if (c.store) {
		finished = now_iso8601();
		store_run_finish(c.store, c.id, finished, NULL);
		if (r < 0 && rep.n_jobs) {
			/* The job in progress when the harness failed is recorded as it stands. */
			struct bm_err *e = NULL;

			if (!rep.jobs[rep.n_jobs - 1].build.status) {
				rep.jobs[rep.n_jobs - 1].build.status = BM_INFRA;
				rep.jobs[rep.n_jobs - 1].build.detail =
					xstrdup(err && *err ? (*err)->msg : "harness error");
			}
			store_job_save(c.store, c.id, &rep.jobs[rep.n_jobs - 1], &e);
			save_matrix(&c, &rep, &e);
			bm_err_free(e);
		}
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
	memset(r, 0, sizeof(*r));
}
