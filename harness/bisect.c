/* Bisection (bisect.h): kernel bisects with git bisect in a worktree of the cache, each step a
 * build and a boot judged by check.c and marked good, bad or skip; toolchain bisects, a binary
 * search over an ordered list of toolchains. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bisect.h"
#include "cache.h"
#include "err.h"
#include "proc.h"
#include "store.h"
#include "toolchain.h"
#include "util.h"

#define GIT_TIMEOUT (30 * 60)
#define MAX_RETRIES 2

void bisect_result_release(struct bisect_result *r)
{
	if (!r)
		return;
	free(r->run_id);
	free(r->first_bad);
	free(r->subject);
	free(r->last_good);
	free(r->evidence);
	strv_free(r->candidates);
	memset(r, 0, sizeof(*r));
}

static void say(const struct bisect_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct bisect_opts *o, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	o->progress(msg);
}

/* git -C dir ARGS...; the output (stdout and stderr) in *ret_out when non-NULL. */
static int git(const char *dir, char **ret_out, struct bm_err **err, ...)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	va_list ap;
	const char *a;

	strv_push(&argv, "git");
	strv_push(&argv, "-C");
	strv_push(&argv, dir);
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)))
		strv_push(&argv, a);
	va_end(ap);
	if (proc_output(argv, NULL, GIT_TIMEOUT, &out, err) < 0)
		return -1;
	if (ret_out) {
		*ret_out = out;
		out = NULL;
	}
	return 0;
}

static char *git_line(const char *dir, struct bm_err **err, const char *a, const char *b,
		      const char *c)
{
	char *out = NULL;

	if (git(dir, &out, err, a, b, c, (const char *)NULL) < 0)
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* One step: the tree as it stands, built and booted, decided; infrastructure trouble and flaky
 * results are tried again before deciding. */
static int step_test(const struct bisect_opts *o, struct store *st, const char *run_id,
		     const char *tree, const char *toolchain, const char *label, unsigned n,
		     struct job_result *ret_jr, enum verdict *ret_v, char **ret_why,
		     unsigned *boots, struct bm_err **err)
{
	for (unsigned attempt = 0;; attempt++) {
		_cleanup_free_ char *dir = attempt ?
			xasprintf("%s/%s/step-%02u-%s-retry%u", o->results, run_id, n, label, attempt) :
			xasprintf("%s/%s/step-%02u-%s", o->results, run_id, n, label);
		struct run_single_opts so = {
			.tree = tree, .toolchain = toolchain, .arch = o->arch, .config = o->config,
			.kselftest_targets = o->kselftest_targets, .build_timeout = o->build_timeout,
			.boot_timeout = o->boot_timeout, .uri = o->uri, .jobs = o->jobs, .dir = dir,
			.confirm = o->confirm, .progress = o->progress,
		};
		struct job_result jr = { 0 };
		char *why = NULL;
		enum verdict v;

		if (run_single(&so, &jr, err) < 0)
			return -1;
		if (jr.boot.status != BM_NONE)
			*boots += 1 + (o->confirm && (jr.kunit.fail + jr.kunit.crash) ? 1 : 0);
		v = check_decide(o->check, &jr, &why);
		free(jr.id);
		jr.id = xasprintf("step-%02u-%s%s", n, label, attempt ? "-retry" : "");
		if (store_job_save(st, run_id, &jr, err) < 0) {
			job_result_release(&jr);
			free(why);
			return -1;
		}
		if (v == VERDICT_RETRY && attempt < MAX_RETRIES && !proc_interrupted()) {
			say(o, "step %u (%s): %s; trying again", n, label, why);
			job_result_release(&jr);
			free(why);
			continue;
		}
		if (v == VERDICT_RETRY)
			v = VERDICT_SKIP;
		*ret_jr = jr;
		*ret_v = v;
		*ret_why = why;
		return 0;
	}
}

static int history_open(const struct bisect_opts *o, const char *run_id, const char *what,
			struct store **ret, struct bm_err **err)
{
	_cleanup_free_ char *db = xasprintf("%s/history.sqlite", o->results);
	_cleanup_free_ char *started = now_iso8601();
	struct store_run_info info = { 0 };
	struct bm_err *e = NULL;
	char host[256] = "";

	gethostname(host, sizeof(host) - 1);
	if (mkdir_p(o->results, err) < 0 || store_open(db, ret, err) < 0)
		return -1;
	/* Resuming: the run is there already. */
	if (store_run_get(*ret, run_id, &info, &e) == 0) {
		store_run_info_release(&info);
		return 0;
	}
	bm_err_free(e);
	return store_run_insert(*ret, run_id, what, started, host, err);
}

/* One decided step for the user: what was tested, the verdict, why, and how long it took. */
static void step_report(const struct bisect_opts *o, unsigned n, const char *label, enum verdict v,
			const char *why, const struct job_result *jr)
{
	_cleanup_free_ char *line = NULL;

	if (!o->step)
		return;
	line = xasprintf("step %u: %s %s: %s (build %.0f s, boot %.1f s)", n, label, verdict_name(v),
			 why, jr->build.seconds, jr->boot.seconds);
	o->step(line);
}

/* The bisect's run in the history ends now. */
static void history_finish(struct store *st, const char *run_id)
{
	_cleanup_free_ char *now = now_iso8601();

	store_run_finish(st, run_id, now, NULL);
}

/* Evidence of a decided step: the verdict and where its logs are. */
static char *evidence_line(const char *what, const char *label, const char *why, const char *dir)
{
	return xasprintf("%s %s: %s (logs: %s)", what, label, why, dir);
}

int bisect_kernel(const struct bisect_opts *o, struct bisect_result *ret, struct bm_err **err)
{
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *good = NULL, *bad = NULL, *key_src = NULL, *cache = cache_dir();
	_cleanup_free_ char *wt = NULL, *log = NULL, *last_good_why = NULL, *bad_why = NULL;
	_cleanup_free_ char *key_path = NULL, *old_key = NULL;
	_cleanup_close_ int lockfd = -1;
	struct bisect_result res = { 0 };
	char hex[65];
	unsigned n = 0;
	int r = -1;

	if (!(good = git_line(o->tree, err, "rev-parse", "--verify", o->good)) ||
	    !(bad = git_line(o->tree, err, "rev-parse", "--verify", o->bad)))
		return bm_err_prefix(err, "kernel tree '%s'", o->tree);
	/* One worktree (and so one incremental build directory: the tree's name is part of the
	 * build directory's) per tree, arch, toolchain and config; the same bisect (range and
	 * check too) finds its state there again after an interruption. */
	key_src = xasprintf("%s\n%s\n%s\n%s", o->tree, o->arch, o->toolchain, o->config);
	sha256_hex(key_src, strlen(key_src), hex);
	wt = xasprintf("%s/bisect/%.12s/linux-%.12s", cache, hex, hex);
	key_path = xasprintf("%s/bisect/%.12s/bisect.key", cache, hex);
	{
		_cleanup_free_ char *top = xasprintf("%s/bisect/%.12s", cache, hex);

		/* one bisect at a time in a worktree (git's bisect state is the worktree's), and
		 * none removed by a prune while it runs */
		if (mkdir_p(top, err) < 0 || cache_lock(top, CACHE_LOCK_EXCLUSIVE, NULL, &lockfd, err) < 0)
			return -1;
		cache_mark_used(top);
	}
	free(key_src);
	key_src = xasprintf("%s\n%s\n%s\n%s\n", wt, good, bad, o->check_spec);
	sha256_hex(key_src, strlen(key_src), hex);
	res.run_id = xasprintf("bisect-%.12s", hex);
	if (history_open(o, res.run_id, "(bisect)", &st, err) < 0)
		goto out;
	if (path_is_dir(wt) && (file_read(key_path, &old_key, NULL, NULL) < 0 ||
				strcmp(old_key, key_src) != 0)) {
		/* Another bisect used this worktree: start this one afresh in it. */
		git(wt, NULL, NULL, "bisect", "reset", (char *)NULL);
		if (git(wt, &log, err, "bisect", "start", bad, good, (char *)NULL) < 0 ||
		    file_write_atomic(key_path, key_src, strlen(key_src), err) < 0)
			goto out;
		say(o, "bisect %s: %s..%s in %s", res.run_id, o->good, o->bad, wt);
	} else if (!path_is_dir(wt)) {
		_cleanup_free_ char *parent = xstrndup(wt, (size_t)(strrchr(wt, '/') - wt));

		if (mkdir_p(parent, err) < 0 ||
		    git(o->tree, NULL, err, "worktree", "add", "--detach", wt, bad, (char *)NULL) < 0 ||
		    git(wt, &log, err, "bisect", "start", bad, good, (char *)NULL) < 0 ||
		    file_write_atomic(key_path, key_src, strlen(key_src), err) < 0)
			goto out;
		say(o, "bisect %s: %s..%s in %s", res.run_id, o->good, o->bad, wt);
	} else {
		say(o, "bisect %s: resuming in %s", res.run_id, wt);
		/* Steps already decided are in git's bisect log: count them. */
		if (git(wt, &log, err, "bisect", "log", (char *)NULL) < 0)
			goto out;
		for (const char *p = log; (p = strstr(p, "\ngit bisect ")); p++)
			n++;
		if (n)
			n--;	/* the "start" line */
		free(log);
		log = NULL;
	}
	for (;;) {
		_cleanup_free_ char *head = git_line(wt, err, "rev-parse", "--verify", "HEAD");
		_cleanup_free_ char *why = NULL, *out = NULL, *label = NULL;
		struct job_result jr = { 0 };
		enum verdict v;
		char *first;

		if (!head)
			goto out;
		n++;
		label = xstrndup(head, 12);
		if (step_test(o, st, res.run_id, wt, o->toolchain, label, n, &jr, &v, &why, &res.boots,
			      err) < 0)
			goto out;
		res.steps++;
		step_report(o, n, label, v, why, &jr);
		if (v == VERDICT_GOOD) {
			free(last_good_why);
			last_good_why = evidence_line("last good", label, why, jr.log_dir);
			free(res.last_good);
			res.last_good = xstrdup(head);
		} else if (v == VERDICT_BAD) {
			free(bad_why);
			bad_why = evidence_line("first bad", label, why, jr.log_dir);
		}
		job_result_release(&jr);
		if (git(wt, &out, err, "bisect", v == VERDICT_GOOD ? "good" : v == VERDICT_BAD ? "bad" : "skip",
			(char *)NULL) < 0)
			goto out;
		if ((first = strstr(out, " is the first bad commit"))) {
			*first = '\0';
			res.first_bad = xstrdup(strrchr(out, '\n') ? strrchr(out, '\n') + 1 : out);
			break;
		}
		if (strstr(out, "only 'skip'ped commits left")) {
			char *line, *save = NULL;

			for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				if (strlen(line) >= 40 && strspn(line, "0123456789abcdef") >= 40)
					strv_pushf(&res.candidates, "%.40s", line);
			break;
		}
	}
	if (res.first_bad) {
		char *out = NULL;

		if (git(o->tree, &out, err, "log", "-1", "--format=%s", res.first_bad, (char *)NULL) < 0)
			goto out;
		out[strcspn(out, "\n")] = '\0';
		res.subject = out;
	}
	res.evidence = xasprintf("%s\n%s\n", bad_why ? bad_why : "first bad: (the given bad end)",
				 last_good_why ? last_good_why : "last good: (the given good end)");
	history_finish(st, res.run_id);
	/* Done: the worktree stays (detached) with its build directory for the next bisect. */
	git(wt, NULL, NULL, "bisect", "reset", (char *)NULL);
	unlink(key_path);
	r = 0;
out:
	if (r == 0)
		*ret = res;
	else
		bisect_result_release(&res);
	return r;
}

/* Why a toolchain cannot be tried (its components do not download: an unknown version, a
 * nightly missing on that day, a bad checksum), or NULL when it can. */
static char *toolchain_unavailable(const char *name)
{
	_cleanup_free_ char *datadir = data_dir(), *cache = cache_dir();
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	struct bm_err *e = NULL;
	char *why = NULL;

	if (toolchain_load(datadir, cache, name, &tc, &e) < 0 || toolchain_fetch(tc, NULL, &e) < 0) {
		why = xasprintf("unavailable: %s", e->msg);
		bm_err_free(e);
	}
	return why;
}

/* Whether everything strictly between lo and hi turned out not to exist. */
static bool only_absent_between(const bool *absent, size_t lo, size_t hi)
{
	for (size_t i = lo + 1; i < hi; i++)
		if (!absent[i])
			return false;
	return true;
}

int bisect_toolchain(const struct bisect_opts *o, struct bisect_result *ret, struct bm_err **err)
{
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *joined = strv_join(o->toolchains, ",");
	_cleanup_free_ char *key_src = NULL, *lo_why = NULL, *hi_why = NULL;
	_cleanup_free_ bool *skipped = NULL, *absent = NULL;
	struct bisect_result res = { 0 };
	size_t n = strv_length(o->toolchains), lo = 0, hi;
	unsigned steps = 0;
	char hex[65];
	int r = -1;

	if (n < 2)
		return bm_err_set(err, BM_ERR_INPUT, "toolchain bisect needs at least two toolchains");
	hi = n - 1;
	skipped = xcalloc(n, sizeof(*skipped));
	absent = xcalloc(n, sizeof(*absent));
	key_src = xasprintf("%s\n%s\n%s\n%s\n%s", o->tree, joined, o->arch, o->config, o->check_spec);
	sha256_hex(key_src, strlen(key_src), hex);
	res.run_id = xasprintf("bisect-toolchain-%.12s", hex);
	if (history_open(o, res.run_id, "(toolchain bisect)", &st, err) < 0)
		goto out;
	say(o, "toolchain bisect %s: %s (first assumed good, last bad)", res.run_id, joined);
	while (hi - lo > 1) {
		_cleanup_free_ char *why = NULL;
		struct job_result jr = { 0 };
		size_t mid = lo + (hi - lo) / 2;
		enum verdict v;

		/* Skipped toolchains drop out of the range: look for an untested one. */
		while (mid < hi && skipped[mid])
			mid++;
		if (mid == hi) {
			mid = lo + (hi - lo) / 2;
			while (mid > lo && skipped[mid])
				mid--;
			if (mid == lo)
				break;
		}
		why = toolchain_unavailable(o->toolchains[mid]);
		if (why) {
			/* not a toolchain at all (no nightly that day): never a candidate */
			absent[mid] = true;
			v = VERDICT_SKIP;
			steps++;
		} else {
			if (step_test(o, st, res.run_id, o->tree, o->toolchains[mid], o->toolchains[mid],
				      ++steps, &jr, &v, &why, &res.boots, err) < 0)
				goto out;
			/* a rustc that cannot build the kernel's Rust cannot be the first bad */
			if (check_below_minimum(&jr, &v, &why))
				absent[mid] = true;
		}
		res.steps++;
		step_report(o, steps, o->toolchains[mid], v, why, &jr);
		if (v == VERDICT_GOOD) {
			lo = mid;
			free(lo_why);
			lo_why = evidence_line("last good", o->toolchains[mid], why, jr.log_dir);
		} else if (v == VERDICT_BAD) {
			hi = mid;
			free(hi_why);
			hi_why = evidence_line("first bad", o->toolchains[mid], why, jr.log_dir);
		} else {
			skipped[mid] = true;
		}
		job_result_release(&jr);
	}
	if (hi - lo > 1 && !only_absent_between(absent, lo, hi)) {
		for (size_t i = lo + 1; i <= hi; i++)
			if (!absent[i])
				strv_push(&res.candidates, o->toolchains[i]);
	} else {
		res.first_bad = xstrdup(o->toolchains[hi]);
		res.last_good = xstrdup(o->toolchains[lo]);
	}
	res.evidence = xasprintf("%s\n%s\n", hi_why ? hi_why : "first bad: (the given last toolchain)",
				 lo_why ? lo_why : "last good: (the given first toolchain)");
	history_finish(st, res.run_id);
	r = 0;
out:
	if (r == 0)
		*ret = res;
	else
		bisect_result_release(&res);
	return r;
}
