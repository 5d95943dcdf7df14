#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "host.h"
#include "ktap.h"
#include "matrix.h"
#include "plan.h"
#include "proc.h"
#include "publish.h"
#include "report.h"
#include "run.h"
#include "source.h"
#include "store.h"
#include "toolchain.h"
#include "util.h"

/* A remote host of the plan and what its libvirt said at the start. */
struct run_host {
	struct host *h;
	char *libvirt_version, *qemu_version;
};

struct run_ctx {
	const struct run_opts *o;
	struct run_host *hosts;		/* the plan's remote hosts; none: boots run here */
	size_t n_hosts;
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

static void stage_enter(const struct run_ctx *c, const char *job, const char *stage)
{
	if (c->o->status)
		c->o->status(job, stage);
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

/* kselftest targets that could not run are results too: a suite each with one case saying why,
 * never a silent gap in the matrix. A target already there as such a suite gets the new reason
 * (the more precise one: "did not build" over "could not run"). */
static void add_target_suites(struct test_results *r, char *const *targets, enum bm_status status,
			      const char *case_name, const char *why)
{
	for (size_t i = 0; targets && targets[i]; i++) {
		struct test_suite *s = NULL;

		for (size_t k = 0; k < r->n_suites && !s; k++)
			if (r->suites[k].kind == SUITE_KSELFTEST &&
			    strcmp(r->suites[k].name, targets[i]) == 0)
				s = &r->suites[k];
		if (s) {
			test_suite_release(s);
		} else {
			r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
			s = &r->suites[r->n_suites++];
			memset(s, 0, sizeof(*s));
		}
		s->name = xstrdup(targets[i]);
		s->kind = SUITE_KSELFTEST;
		s->cases = xcalloc(1, sizeof(*s->cases));
		s->cases[0].name = xstrdup(case_name);
		s->cases[0].status = status;
		s->cases[0].detail = xstrdup(why);
		s->n_cases = 1;
	}
	test_results_recount(r);
	/* recount derives suite status from the cases; infra is not counted there */
	for (size_t i = 0; targets && targets[i]; i++)
		for (size_t k = 0; k < r->n_suites; k++)
			if (r->suites[k].kind == SUITE_KSELFTEST &&
			    strcmp(r->suites[k].name, targets[i]) == 0)
				r->suites[k].status = status;
}

/* Targets the kernel has but that did not build fail; targets this kernel does not have at all
 * (a directory renamed or removed upstream) are skipped, saying so. */
static void add_unbuilt_targets(struct test_results *r, char *const *missing, char *const *absent,
				const char *arch, const char *kernel)
{
	for (size_t i = 0; missing && missing[i]; i++) {
		char *const one[] = { missing[i], NULL };
		_cleanup_free_ char *why = xasprintf("the selftests of '%s' did not build for %s "
						     "(see build.log)", missing[i], arch);

		add_target_suites(r, one, BM_FAIL, "build", why);
	}
	for (size_t i = 0; absent && absent[i]; i++) {
		char *const one[] = { absent[i], NULL };
		_cleanup_free_ char *why = xasprintf("kernel %s has no tools/testing/selftests/%s",
						     kernel ? kernel : "?", absent[i]);

		add_target_suites(r, one, BM_SKIP, "build", why);
	}
}

/* Where a job boots: here (rh NULL), or on a remote host with its files uploaded there. */
struct place {
	struct run_host *rh;
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

/* One boot of the job's kernel: the outcome in *boot, the parsed tests in *tests. */
static int boot_once(struct run_ctx *c, const struct job *job, const struct arch *a,
		     const struct place *pl, const char *image, const char *initramfs,
		     const char *console_name, struct job_result *jr, struct stage *boot,
		     struct test_results *tests, struct bm_err **err)
{
	_cleanup_free_ char *emulator = path_search(a->emulator ? a->emulator : "");
	_cleanup_free_ char *console = xasprintf("%s/%s", jr->log_dir, console_name);
	_cleanup_free_ char *remote_console = NULL;
	const char *uri = c->o->uri, *libvirt_version = c->libvirt_version;
	const char *qemu_version = c->qemu_version;
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
		.features = a->features,
		.panic_model = a->panic_model,
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
		free(jr->machine);
		jr->machine = xstrdup("um");
		say(c, "%s: booting (um, timeout %u s)", job->id, c->plan->boot_timeout);
		stage_enter(c, job->id, strcmp(console_name, "console.log") ? "reboot" : "boot");
		if (boot_uml_run(&spec, watch_line, &w, &out, &e) < 0) {
			if (job_infra(boot, &e, err) < 0)
				r = bm_err_prefix(err, "booting '%s'", job->id);
			goto out;
		}
		goto outcome;
	}
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
	} else if (!emulator) {
		boot->status = BM_INFRA;
		boot->detail = xasprintf("emulator '%s' not found (run 'make deps')", a->emulator);
		goto out;
	} else {
		spec.kvm = boot_kvm_usable(a->qemu_arch, a->kvm_cpu_flags);
	}
	free(jr->machine);
	jr->machine = xasprintf("%s (%s)", a->machine, spec.kvm ? "kvm" : "tcg");
	say(c, "%s: booting (%s%s%s, timeout %u s)", job->id, jr->machine, pl->rh ? " on " : "",
	    pl->rh ? host_name(pl->rh->h) : "", c->plan->boot_timeout);
	stage_enter(c, job->id, strcmp(console_name, "console.log") ? "reboot" : "boot");
	if (!jr->libvirt_version) {
		jr->libvirt_version = xstrdup(libvirt_version);
		jr->qemu_version = xstrdup(qemu_version);
	}
	if (boot_libvirt_run(uri, &spec, watch_line, &w, &out, &e) < 0) {
		if (job_infra(boot, &e, err) < 0)
			r = bm_err_prefix(err, "booting '%s'", job->id);
		goto out;
	}
outcome:
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
static int job_boot_here(struct run_ctx *c, const struct job *job, const struct arch *a,
			 const struct place *pl, const char *image, const char *initramfs,
			 struct job_result *jr, struct bm_err **err)
{
	struct test_results again = { 0 };
	struct stage boot2 = { 0 };
	unsigned flaky = 0;

	if (boot_once(c, job, a, pl, image, initramfs, "console.log", jr, &jr->boot, &jr->kunit,
		      err) < 0)
		return -1;
	if (initramfs && a->backend == ARCH_BACKEND_UML && jr->boot.status == BM_INFRA &&
	    jr->boot.detail && str_has_prefix(jr->boot.detail, "UML cannot run user space")) {
		/* The host cannot run UML's user space: boot again without the initramfs, so the
		 * kernel's own tests count, and say why kselftest could not run. */
		_cleanup_free_ char *why = jr->boot.detail;
		_cleanup_strv_ char **targets = NULL;

		jr->boot.detail = NULL;
		test_results_release(&jr->kunit);
		say(c, "%s: %s; booting again without the initramfs (KUnit only)", job->id, why);
		if (boot_once(c, job, a, pl, image, NULL, "console-kunit.log", jr, &jr->boot,
			      &jr->kunit, err) < 0)
			return -1;
		strv_push_all(&targets, c->plan->kselftest_targets);
		for (size_t i = 0; c->plan->kselftest_extra && c->plan->kselftest_extra[i]; i++) {
			const char *e = c->plan->kselftest_extra[i];

			strv_push(&targets, strrchr(e, '/') ? strrchr(e, '/') + 1 : e);
		}
		add_target_suites(&jr->kunit, targets, BM_INFRA, "run", why);
	}
	if (!(jr->kunit.fail + jr->kunit.crash) || jr->boot.status == BM_INFRA || proc_interrupted() ||
	    c->o->no_confirm)
		return 0;
	say(c, "%s: %u failed, %u crashed: booting again to confirm (console-rerun.log)", job->id,
	    jr->kunit.fail, jr->kunit.crash);
	if (boot_once(c, job, a, pl, image, initramfs, "console-rerun.log", jr, &boot2, &again,
		      err) < 0)
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
	say(c, "%s: second boot %s; %u case%s flaky", job->id, bm_status_name(boot2.status), flaky,
	    flaky == 1 ? "" : "s");
	free(boot2.detail);
	test_results_release(&again);
	return 0;
}

/* Boot the job where pl says: on a remote host, its kernel and initramfs are uploaded into a
 * directory of its own there first, removed afterwards. Trouble with the host is the boot's
 * infra result. */
static int job_boot(struct run_ctx *c, const struct job *job, const struct arch *a,
		    struct place *pl, const char *image, const char *initramfs,
		    struct job_result *jr, struct bm_err **err)
{
	struct bm_err *e = NULL;
	int r;

	if (!pl->rh)
		return job_boot_here(c, job, a, pl, image, initramfs, jr, err);
	stage_enter(c, job->id, "upload");
	if (host_job_dir(pl->ssh, job->id, &pl->dir, &e) < 0 ||
	    host_upload(pl->ssh, pl->dir, image, &pl->image, &e) < 0 ||
	    (initramfs && host_upload(pl->ssh, pl->dir, initramfs, &pl->initramfs, &e) < 0)) {
		free(jr->host);
		jr->host = xstrdup(host_name(pl->rh->h));
		r = job_infra(&jr->boot, &e, err);
		goto out;
	}
	r = job_boot_here(c, job, a, pl, image, initramfs, jr, err);
out:
	if (pl->dir && host_remove(pl->ssh, pl->dir, &e) < 0)
		bm_err_free(e);
	place_release(pl);
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

/* A job between its build and its boot. */
struct job_state {
	const struct job *job;
	struct job_result *jr;
	struct arch *arch;
	char *image, *initramfs;	/* set when the build passed */
	char **ks_missing;		/* kselftest targets that did not build */
	char **ks_absent;		/* kselftest targets this kernel does not have */
};

static void job_state_release(struct job_state *js)
{
	arch_free(js->arch);
	free(js->image);
	free(js->initramfs);
	strv_free(js->ks_missing);
	strv_free(js->ks_absent);
	js->ks_missing = js->ks_absent = NULL;
	js->arch = NULL;
	js->image = js->initramfs = NULL;
}

/* Toolchain, source, kernel, kselftests: everything before the boot. Runs on the build lane,
 * one job at a time, so toolchain roots and sources are made once. */
static int job_build(struct run_ctx *c, struct job_state *js, struct bm_err **err)
{
	const struct job *job = js->job;
	struct job_result *jr = js->jr;
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	_cleanup_strv_ char **frags = NULL;
	_cleanup_free_ char *out_dir = NULL, *log = NULL, *cfg = NULL;
	_cleanup_free_ char *key = NULL, *inputs = NULL;
	struct arch *a;
	struct bm_err *e = NULL;
	struct kernel_source *src;
	struct build_spec bs;

	/* the caller may have named the job already (run_plan does, for the matrix) */
	free(jr->id);
	free(jr->arch);
	free(jr->toolchain);
	free(jr->config);
	free(jr->log_dir);
	jr->id = xstrdup(job->id);
	jr->arch = xstrdup(job->arch);
	jr->toolchain = xstrdup(job->toolchain);
	jr->config = xstrdup(job->config);
	jr->log_dir = xasprintf("%s/%s", c->dir, job->id);
	if (mkdir_p(jr->log_dir, err) < 0)
		return -1;
	if (arch_load(c->datadir, job->arch, &js->arch, err) < 0 ||
	    toolchain_load(c->datadir, c->cache, job->toolchain, &tc, err) < 0)
		return -1;
	a = js->arch;
	if (toolchain_prepare(tc, (const struct arch *const[]){ a, NULL }, c->o->progress, &e) < 0 ||
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
	/* One build directory per configuration: switching fragments never thrashes a tree. A
	 * user's tree also gets one per path: make trusts mtimes, and another tree of the same
	 * name with older files would leave stale objects in place. */
	if (c->plan->sources[job->source].kind == SOURCE_PATH) {
		_cleanup_free_ char *both = xasprintf("%s\n%s", key, src->dir);
		char hex[65];

		sha256_hex(both, strlen(both), hex);
		free(key);
		key = xstrndup(hex, 12);
	}
	out_dir = xasprintf("%s/builds/%s-%s", c->cache, job->id, key);
	/* Debian packages and checksummed tarballs never change under the same name. */
	if (c->plan->sources[job->source].kind != SOURCE_PATH) {
		_cleanup_free_ char *arch_text = NULL, *all = NULL;
		char hex[65];

		if (file_read(a->path, &arch_text, NULL, err) < 0)
			return -1;
		all = xasprintf("%s\n%s\n%s\n%s\n%s\n%s\n", key, src->origin, src->version,
				tc->recipe_hash, jr->manifest, arch_text);
		sha256_hex(all, strlen(all), hex);
		inputs = xstrdup(hex);
	}
	log = xasprintf("%s/build.log", jr->log_dir);
	bs = (struct build_spec){ .tc = tc, .src = src, .arch = a, .fragments = frags,
				  .out_dir = out_dir, .log_path = log,
				  .timeout = c->plan->build_timeout,
				  .jobs = c->o->jobs ? c->o->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
				  .progress = c->o->progress, .label = job->id, .inputs_key = inputs };
	say(c, "%s: building %s with %s (log: %s)", job->id, src->version, tc->name, log);
	stage_enter(c, job->id, "build");
	if (build_kernel(&bs, &jr->build, &js->image, err) < 0)
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
					     .extra = c->plan->kselftest_extra,
					     .sentinel = KSELFTEST_SENTINEL };
		struct stage ks = { 0 };

		say(c, "%s: building kselftests and the initramfs", job->id);
		stage_enter(c, job->id, "kselftest");
		if (build_kselftest(&bs, &ko, &ks, &js->initramfs, err) < 0)
			return -1;
		jr->build.seconds += ks.seconds;
		if (ks.status == BM_PASS) {
			_cleanup_strv_ char **missing =
				build_kselftest_missing(out_dir, c->plan->kselftest_targets);

			for (size_t i = 0; missing && missing[i]; i++) {
				_cleanup_free_ char *dir = xasprintf("%s/tools/testing/selftests/%s",
								     src->dir, missing[i]);

				if (path_is_dir(dir)) {
					strv_push(&js->ks_missing, missing[i]);
					say(c, "%s: kselftest target '%s' did not build (see build.log)",
					    job->id, missing[i]);
				} else {
					strv_push(&js->ks_absent, missing[i]);
					say(c, "%s: kselftest target '%s' does not exist in %s", job->id,
					    missing[i], src->version);
				}
			}
		}
		if (ks.status != BM_PASS) {
			jr->build.status = ks.status;
			free(jr->build.detail);
			jr->build.detail = xasprintf("kselftest: %s", ks.detail ? ks.detail : "failed");
			say(c, "%s: %s", job->id, jr->build.detail);
		}
		free(ks.detail);
	}
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
	for (size_t i = 0; i < c->n_hosts; i++) {
		host_free(c->hosts[i].h);
		free(c->hosts[i].libvirt_version);
		free(c->hosts[i].qemu_version);
	}
	free(c->hosts);
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

/* The scheduler: one build lane (builds take the whole make -jN; toolchain roots and sources
 * are made there once) and boot workers, so boots of one job overlap the build of the next. A
 * boot is seconds, a build minutes: no job waits on an unrelated one. With remote hosts in the
 * plan, each host slot has a worker that boots QEMU jobs there; the workers here then boot only
 * what cannot go remote (UML). */
struct sched {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct run_ctx *c;
	struct run_report *rep;
	struct job_state *states;
	bool *todo;
	size_t n;
	size_t *queue;		/* jobs built and waiting to boot; QUEUE_TAKEN once taken */
	size_t q_head, q_tail, q_cap;
	size_t booting;		/* boots under way: any of them may come back re-queued */
	bool builds_done;
	bool stop;
	struct bm_err *error;	/* the first harness error */
};

#define QUEUE_TAKEN ((size_t)-1)

struct worker {
	struct sched *s;
	struct run_host *rh;	/* the host it boots on; NULL: here */
	pthread_t thread;
};

static void sched_fail(struct sched *s, struct bm_err *e)
{
	pthread_mutex_lock(&s->lock);
	if (!s->error)
		s->error = e;
	else
		bm_err_free(e);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* A job's final result: into the history and matrix.json at once, so a crash of the harness
 * later loses nothing. */
static void sched_finish(struct sched *s, size_t i)
{
	struct bm_err *e = NULL;

	job_state_release(&s->states[i]);
	stage_enter(s->c, s->states[i].job->id, NULL);
	pthread_mutex_lock(&s->lock);
	if (store_job_save(s->c->store, s->c->id, &s->rep->jobs[i], &e) < 0 ||
	    save_matrix(s->c, s->rep, &e) < 0) {
		if (!s->error)
			s->error = e;
		else
			bm_err_free(e);
		s->stop = true;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
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

static void *sched_build_lane(void *data)
{
	struct sched *s = data;

	for (size_t i = 0; i < s->n; i++) {
		struct bm_err *e = NULL;
		bool stop;

		if (!s->todo[i])
			continue;
		pthread_mutex_lock(&s->lock);
		stop = s->stop || proc_interrupted();
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		if (job_build(s->c, &s->states[i], &e) < 0) {
			sched_fail(s, e);
			break;
		}
		if (s->rep->jobs[i].build.status != BM_PASS) {
			sched_finish(s, i);
			continue;
		}
		stage_enter(s->c, s->states[i].job->id, "waiting to boot");
		pthread_mutex_lock(&s->lock);
		sched_enqueue(s, i);
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_lock(&s->lock);
	s->builds_done = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Whether a job boots on the plan's remote hosts (QEMU jobs when there are hosts). */
static bool job_goes_remote(const struct sched *s, size_t i)
{
	return s->c->n_hosts > 0 && s->states[i].arch->backend == ARCH_BACKEND_LIBVIRT;
}

static bool hosts_alive(const struct run_ctx *c)
{
	for (size_t i = 0; i < c->n_hosts; i++)
		if (!host_is_dead(c->hosts[i].h))
			return true;
	return false;
}

/* The first queued job this worker boots, taken off the queue; QUEUE_TAKEN for none. Called
 * with s->lock held. */
static size_t sched_take(struct sched *s, const struct worker *w)
{
	for (size_t k = s->q_head; k < s->q_tail; k++) {
		size_t i = s->queue[k];

		if (i == QUEUE_TAKEN || job_goes_remote(s, i) != (w->rh != NULL))
			continue;
		s->queue[k] = QUEUE_TAKEN;
		while (s->q_head < s->q_tail && s->queue[s->q_head] == QUEUE_TAKEN)
			s->q_head++;
		return i;
	}
	return QUEUE_TAKEN;
}

/* After an infra boot on w's host: is the host gone? A host already marked dead is; else it is
 * probed (a fresh SSH connection) and marked dead when that fails. */
static bool host_lost(struct worker *w)
{
	struct bm_err *e = NULL;

	if (host_is_dead(w->rh->h))
		return true;
	if (host_check(w->rh->h, &e) == 0)
		return false;
	host_mark_dead(w->rh->h, e->msg);
	say(w->s->c, "host %s is gone: %s", host_name(w->rh->h), e->msg);
	bm_err_free(e);
	return true;
}

/* Forget the boot of job i lost with a dead host, so that it runs again on another; its console
 * is kept as console-lost-N.log. */
static void job_requeue_reset(struct sched *s, size_t i)
{
	struct job_result *jr = &s->rep->jobs[i];
	_cleanup_free_ char *from = xasprintf("%s/console.log", jr->log_dir);
	_cleanup_free_ char *to = NULL;

	jr->requeued++;
	to = xasprintf("%s/console-lost-%u.log", jr->log_dir, jr->requeued);
	(void)rename(from, to);	/* none when nothing was read */
	say(s->c, "%s: re-queued (its host %s is gone: %s)", jr->id, jr->host ? jr->host : "?",
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

/* Every remote host is dead: the job is infra without a boot. */
static void job_no_host(struct sched *s, size_t i)
{
	struct job_result *jr = &s->rep->jobs[i];
	struct strbuf why = { 0 };

	strbuf_add(&why, "no remote host left");
	for (size_t k = 0; k < s->c->n_hosts; k++) {
		const char *name = host_name(s->c->hosts[k].h);
		_cleanup_free_ char *dead = host_dead_reason(s->c->hosts[k].h);

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

static void *sched_boot_worker(void *data)
{
	struct worker *w = data;
	struct sched *s = w->s;
	struct place pl = { .rh = w->rh };

	if (w->rh)
		pl.ssh = host_session_new(w->rh->h);
	for (;;) {
		struct job_state *js;
		struct job_result *jr;
		struct bm_err *e = NULL;
		size_t i = QUEUE_TAKEN;
		bool dead = false;

		pthread_mutex_lock(&s->lock);
		for (;;) {
			if (s->stop)
				break;
			dead = w->rh && host_is_dead(w->rh->h);
			/* a dead host's worker leaves its jobs to the others, while there are any */
			if (dead && hosts_alive(s->c))
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
		js = &s->states[i];
		jr = js->jr;
		if (dead) {
			job_no_host(s, i);
		} else if (job_boot(s->c, js->job, js->arch, &pl, js->image, js->initramfs, jr, &e) < 0) {
			sched_fail(s, e);
			pthread_mutex_lock(&s->lock);
			s->booting--;
			pthread_mutex_unlock(&s->lock);
			break;
		}
		if (w->rh && !dead && jr->boot.status == BM_INFRA && !proc_interrupted() &&
		    host_lost(w) && hosts_alive(s->c)) {
			job_requeue_reset(s, i);
			pthread_mutex_lock(&s->lock);
			s->booting--;
			sched_enqueue(s, i);
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		add_unbuilt_targets(&jr->kunit, js->ks_missing, js->ks_absent, jr->arch, jr->kernel);
		say(s->c, "%s: boot %s in %.1f s; %u passed, %u failed, %u skipped, %u crashed",
		    js->job->id, bm_status_name(jr->boot.status), jr->boot.seconds, jr->kunit.pass,
		    jr->kunit.fail, jr->kunit.skip, jr->kunit.crash);
		sched_finish(s, i);
		pthread_mutex_lock(&s->lock);
		s->booting--;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	host_session_free(pl.ssh);
	return NULL;
}

static int sched_run(struct run_ctx *c, const struct matrix *m, bool *todo, struct run_report *rep,
		     unsigned local_workers, struct bm_err **err)
{
	struct sched s = { .c = c, .rep = rep, .todo = todo, .n = m->n_jobs };
	pthread_t builder;
	struct worker *workers;
	size_t n_workers = local_workers, k = 0;

	for (size_t i = 0; i < c->n_hosts; i++)
		n_workers += host_slots(c->hosts[i].h);
	workers = xcalloc(n_workers, sizeof(*workers));
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	s.states = xcalloc(m->n_jobs, sizeof(*s.states));
	s.q_cap = m->n_jobs + 1;
	s.queue = xcalloc(s.q_cap, sizeof(*s.queue));
	for (size_t i = 0; i < m->n_jobs; i++) {
		s.states[i].job = &m->jobs[i];
		s.states[i].jr = &rep->jobs[i];
	}
	for (size_t i = 0; i < c->n_hosts; i++)
		for (unsigned j = 0; j < host_slots(c->hosts[i].h); j++)
			workers[k++].rh = &c->hosts[i];
	pthread_create(&builder, NULL, sched_build_lane, &s);
	for (size_t i = 0; i < n_workers; i++) {
		workers[i].s = &s;
		pthread_create(&workers[i].thread, NULL, sched_boot_worker, &workers[i]);
	}
	pthread_join(builder, NULL);
	for (size_t i = 0; i < n_workers; i++)
		pthread_join(workers[i].thread, NULL);
	for (size_t i = 0; i < m->n_jobs; i++)
		job_state_release(&s.states[i]);
	free(s.states);
	free(s.queue);
	free(workers);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	/* Ctrl-C: whatever it cut short (a build says just "interrupted"), say how to go on. */
	if (proc_interrupted()) {
		bm_err_free(s.error);
		s.error = NULL;
		bm_err_set(&s.error, BM_ERR_SYSTEM, "interrupted (the jobs that finished are saved; "
			   "'bootmatrix run --resume %s' runs the rest)", c->id);
	}
	if (s.error) {
		*err = s.error;
		return -1;
	}
	return 0;
}

/* The plan's remote hosts, each checked (SSH, its run directory, its libvirt) before any build.
 * What the user must fix (a host key not in known_hosts, a refused key) ends the run; a host
 * that cannot be reached is dead from the start, and the run goes on with the others, if any. */
static int hosts_open(struct run_ctx *c, struct bm_err **err)
{
	struct strbuf why = { 0 };
	int r = 0;

	c->hosts = xcalloc(c->plan->n_hosts, sizeof(*c->hosts));
	for (size_t i = 0; i < c->plan->n_hosts; i++) {
		struct run_host *rh = &c->hosts[c->n_hosts];
		struct bm_err *e = NULL;

		if (host_new(c->plan->hosts[i].uri, c->plan->hosts[i].slots, &rh->h, err) < 0)
			return bm_err_prefix(err, "%s", c->plan->path);
		c->n_hosts++;
		if (host_check(rh->h, &e) == 0 &&
		    boot_libvirt_versions(host_uri(rh->h), &rh->libvirt_version, &rh->qemu_version,
					  &e) == 0) {
			say(c, "host %s: libvirt %s, QEMU %s, %u slot%s, files in %s", host_name(rh->h),
			    rh->libvirt_version, rh->qemu_version, host_slots(rh->h),
			    host_slots(rh->h) == 1 ? "" : "s", host_run_dir(rh->h));
			continue;
		}
		if (e->code == BM_ERR_INPUT) {
			*err = e;
			return bm_err_prefix(err, "%s: hosts[%zu]", c->plan->path, i);
		}
		say(c, "host %s is not usable, no boots go there: %s", host_name(rh->h), e->msg);
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
			say(c, "host %s is gone: its run directory %s is left there", host_name(h),
			    host_run_dir(h));
		} else if (host_cleanup(h, &e) < 0) {
			say(c, "%s", e->msg);
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

	if (store_run_jobs(c->store, c->id, &saved, &n, err) < 0)
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

int run_plan(const struct run_opts *o, struct run_report *ret, struct bm_err **err)
{
	struct run_ctx c = { .o = o };
	struct run_report rep = { 0 };
	struct matrix m = { 0 };
	const char *base = o->results_base ? o->results_base : "results";
	_cleanup_free_ char *db = xasprintf("%s/history.sqlite", base);
	_cleanup_free_ char *started = NULL, *finished = NULL, *plan_path = NULL;
	_cleanup_free_ bool *todo = NULL;
	unsigned ncpu = o->jobs ? o->jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_todo = 0;
	char host[256] = "";
	int r = -1;

	c.datadir = data_dir();
	c.cache = cache_dir();
	if (o->resume) {
		struct store_run_info info = { 0 };

		if (store_open(db, &c.store, err) < 0)
			return bm_err_prefix(err, "opening results '%s'", db);
		if (store_run_get(c.store, o->resume, &info, err) < 0)
			goto out;
		plan_path = xstrdup(info.plan);
		store_run_info_release(&info);
		c.id = xstrdup(o->resume);
	} else {
		plan_path = xstrdup(o->plan_path);
		c.id = run_id_new();
	}
	if (plan_load(plan_path, c.datadir, &c.plan, err) < 0 ||
	    (o->arches && plan_restrict_arches(c.plan, o->arches, err) < 0))
		goto out;
	/* A dead libvirt connection is found before hours of builds, not after. */
	if (c.plan->n_hosts > 0) {
		if (hosts_open(&c, err) < 0)
			goto out;
	} else if (plan_uses_libvirt(&c) &&
		   boot_libvirt_versions(o->uri, &c.libvirt_version, &c.qemu_version, err) < 0) {
		bm_err_prefix(err, "libvirt connection");
		goto out;
	}
	matrix_expand(c.plan, &m);
	c.sources = xcalloc(c.plan->n_sources, sizeof(*c.sources));
	c.dir = xasprintf("%s/%s", base, c.id);
	gethostname(host, sizeof(host) - 1);
	started = now_iso8601();
	if (mkdir_p(c.dir, err) < 0 || mkdir_p(c.cache, err) < 0 ||
	    (!c.store && store_open(db, &c.store, err) < 0) ||
	    (!o->resume && store_run_insert(c.store, c.id, c.plan->path, started, host, err) < 0))
		goto out;
	rep.id = xstrdup(c.id);
	rep.dir = xstrdup(c.dir);
	rep.plan = xstrdup(c.plan->path);
	rep.jobs = xcalloc(m.n_jobs, sizeof(*rep.jobs));
	rep.n_jobs = m.n_jobs;
	todo = xcalloc(m.n_jobs ? m.n_jobs : 1, sizeof(*todo));
	for (size_t i = 0; i < m.n_jobs; i++) {
		/* CI shards: a deterministic slice, the same on every machine. */
		todo[i] = !o->shards || i % o->shards == o->shard - 1;
		rep.jobs[i].id = xstrdup(m.jobs[i].id);
		rep.jobs[i].arch = xstrdup(m.jobs[i].arch);
		rep.jobs[i].toolchain = xstrdup(m.jobs[i].toolchain);
		rep.jobs[i].config = xstrdup(m.jobs[i].config);
	}
	if (o->resume && resume_load(&c, &m, todo, &rep, err) < 0)
		goto out;
	for (size_t i = 0; i < m.n_jobs; i++)
		n_todo += todo[i];
	if (o->shards) {
		/* A shard's run holds its own jobs only. */
		size_t k = 0;

		for (size_t i = 0; i < m.n_jobs; i++) {
			if (todo[i]) {
				m.jobs[k] = m.jobs[i];
				rep.jobs[k] = rep.jobs[i];
				todo[k++] = true;
			} else {
				free(m.jobs[i].id);
				job_result_release(&rep.jobs[i]);
			}
		}
		m.n_jobs = rep.n_jobs = k;
	}
	say(&c, "run %s: %zu job%s%s, results in %s", c.id, n_todo, n_todo == 1 ? "" : "s",
	    o->resume ? " left" : "", c.dir);
	r = sched_run(&c, &m, todo, &rep, ncpu, err);
	hosts_close(&c);
	/* Every report format beside the logs, also after a harness error: what ran is there.
	 * Rendered from the history, as `bootmatrix report` does, so both agree to the byte. */
	{
		struct published_run p = { 0 };
		struct bm_err *e = NULL;

		if (publish_load(c.store, c.id, &p, &e) == 0) {
			struct report_run_meta meta = publish_meta(&p);

			if (publish_write_all(&meta, p.jobs, p.n_jobs, p.diff, p.n_diff, c.dir, &e) == 0) {
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
		store_run_finish(c.store, c.id, finished, NULL);
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

static int copy_tree(const char *from, const char *to, struct bm_err **err)
{
	char *const argv[] = { (char *)"cp", (char *)"-a", (char *)from, (char *)to, NULL };
	_cleanup_free_ char *out = NULL;

	return proc_output(argv, NULL, 600, &out, err);
}

int run_merge(char *const *dirs, const char *out_base, struct run_report *ret, struct bm_err **err)
{
	struct run_report rep = { 0 };
	_cleanup_(store_freep) struct store *dst = NULL;
	_cleanup_free_ char *db = xasprintf("%s/history.sqlite", out_base);
	_cleanup_free_ char *started = now_iso8601(), *plan = NULL;
	char host[256] = "";
	int r = -1;

	gethostname(host, sizeof(host) - 1);
	rep.id = run_id_new();
	rep.dir = xasprintf("%s/%s", out_base, rep.id);
	for (size_t d = 0; dirs[d]; d++) {
		_cleanup_(store_freep) struct store *src = NULL;
		_cleanup_free_ char *sdb = xasprintf("%s/history.sqlite", dirs[d]);
		struct store_run_info *runs = NULL;
		size_t n_runs = 0;

		if (!path_exists(sdb)) {
			bm_err_set(err, BM_ERR_INPUT, "no history at '%s'", sdb);
			goto out;
		}
		if (store_open(sdb, &src, err) < 0 || store_runs_list(src, NULL, &runs, &n_runs, err) < 0)
			goto out;
		for (size_t i = 0; i < n_runs; i++) {
			struct job_result *jobs = NULL;
			size_t n = 0;

			if (!plan)
				plan = xstrdup(runs[i].plan);
			if (store_run_jobs(src, runs[i].id, &jobs, &n, err) < 0) {
				store_run_infos_free(runs, n_runs);
				goto out;
			}
			rep.jobs = xrealloc(rep.jobs, (rep.n_jobs + n) * sizeof(*rep.jobs));
			for (size_t j = 0; j < n; j++) {
				for (size_t k = 0; k < rep.n_jobs; k++) {
					if (strcmp(rep.jobs[k].id, jobs[j].id) == 0) {
						bm_err_set(err, BM_ERR_INPUT, "job '%s' is in two of the merged runs",
							   jobs[j].id);
						for (; j < n; j++)
							job_result_release(&jobs[j]);
						free(jobs);
						store_run_infos_free(runs, n_runs);
						goto out;
					}
				}
				rep.jobs[rep.n_jobs++] = jobs[j];
			}
			free(jobs);
		}
		store_run_infos_free(runs, n_runs);
	}
	if (mkdir_p(rep.dir, err) < 0 || store_open(db, &dst, err) < 0 ||
	    store_run_insert(dst, rep.id, plan ? plan : "", started, host, err) < 0)
		goto out;
	rep.plan = xstrdup(plan ? plan : "");
	for (size_t i = 0; i < rep.n_jobs; i++) {
		struct job_result *j = &rep.jobs[i];
		_cleanup_free_ char *to = xasprintf("%s/%s", rep.dir, j->id);

		if (j->log_dir && path_is_dir(j->log_dir) && copy_tree(j->log_dir, to, err) < 0)
			goto out;
		free(j->log_dir);
		j->log_dir = xstrdup(to);
		if (store_job_save(dst, rep.id, j, err) < 0)
			goto out;
	}
	{
		struct report_run_meta meta = { .run_id = rep.id, .plan = rep.plan, .started = started,
						.host = host };

		if (publish_write_all(&meta, rep.jobs, rep.n_jobs, NULL, 0, rep.dir, err) < 0)
			goto out;
	}
	store_run_finish(dst, rep.id, started, NULL);
	r = 0;
out:
	*ret = rep;
	return r;
}

int run_single(const struct run_single_opts *o, struct job_result *ret, struct bm_err **err)
{
	struct place here = { 0 };
	struct run_opts ro = { .uri = o->uri, .jobs = o->jobs, .progress = o->progress,
			       .no_confirm = !o->confirm };
	struct run_ctx c = { .o = &ro };
	struct plan *p = xcalloc(1, sizeof(*p));
	struct job_result jr = { 0 };
	struct job_state js = { 0 };
	struct matrix m = { 0 };
	int r = -1;

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
	c.plan = p;
	c.datadir = data_dir();
	c.cache = cache_dir();
	c.id = run_id_new();
	c.dir = xstrdup(o->dir);
	c.sources = xcalloc(1, sizeof(*c.sources));
	if (plan_uses_libvirt(&c) &&
	    boot_libvirt_versions(o->uri, &c.libvirt_version, &c.qemu_version, err) < 0) {
		bm_err_prefix(err, "libvirt connection");
		goto out;
	}
	matrix_expand(p, &m);
	js.job = &m.jobs[0];
	js.jr = &jr;
	jr.id = xstrdup(m.jobs[0].id);
	jr.arch = xstrdup(o->arch);
	jr.toolchain = xstrdup(o->toolchain);
	jr.config = xstrdup(o->config);
	if (mkdir_p(c.dir, err) < 0 || job_build(&c, &js, err) < 0)
		goto out;
	if (jr.build.status == BM_PASS &&
	    job_boot(&c, js.job, js.arch, &here, js.image, js.initramfs, &jr, err) < 0)
		goto out;
	add_unbuilt_targets(&jr.kunit, js.ks_missing, js.ks_absent, jr.arch, jr.kernel);
	r = 0;
out:
	job_state_release(&js);
	matrix_release(&m);
	run_ctx_release(&c);
	if (r == 0) {
		*ret = jr;
	} else {
		job_result_release(&jr);
	}
	return r;
}
