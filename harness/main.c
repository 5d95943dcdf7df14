/* bootmatrix: the command table. The only place that prints errors. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cmds.h"
#include "compare.h"
#include "err.h"
#include "ktap.h"
#include "proc.h"
#include "publish.h"
#include "report.h"
#include "run.h"
#include "store.h"
#include "toolchain.h"
#include "util.h"
#include "xmlw.h"

#define EXIT_RESULTS_FAILED 1
#define EXIT_HARNESS 2

#ifndef BM_VERSION
#define BM_VERSION "0.1"
#endif

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd *find_cmd(const char *name);

/* 1 when any job did not pass, else 0. */
static int jobs_exit(const struct job_result *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (job_result_status(&jobs[i]) != BM_PASS)
			return EXIT_RESULTS_FAILED;
	return 0;
}

static int report_error(struct bm_err *e)
{
	fprintf(stderr, "bootmatrix: %s\n", e ? e->msg : "unknown error");
	bm_err_free(e);
	return EXIT_HARNESS;
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bootmatrix %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'bootmatrix %s --help')\n", cmd);
	return EXIT_HARNESS;
}

static void print_cmd_help(const struct cmd *c)
{
	printf("usage: bootmatrix %s %s\n\n%s", c->name, c->usage, c->help);
}

/* Progress on standard error: timestamped lines; on a terminal, under them, one line per running
 * job with its stage and time in it, redrawn every second. */
static struct {
	pthread_mutex_t lock;
	bool tty;
	unsigned drawn;		/* status lines on screen below the log lines */
	size_t n;
	struct {
		char *job, *stage;
		double since;
	} rows[64];
} screen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void screen_erase(void)
{
	for (; screen.drawn; screen.drawn--)
		fputs("\033[1A\033[2K", stderr);
}

static void screen_draw(void)
{
	double now = now_mono();

	for (size_t i = 0; i < screen.n; i++, screen.drawn++)
		fprintf(stderr, "  %-52s %-16s %5.0f s\n", screen.rows[i].job, screen.rows[i].stage,
			now - screen.rows[i].since);
}

static void progress(const char *msg)
{
	time_t t = time(NULL);
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	pthread_mutex_lock(&screen.lock);
	screen_erase();
	fprintf(stderr, "[%s] %s\n", ts, msg);
	if (screen.tty)
		screen_draw();
	pthread_mutex_unlock(&screen.lock);
}

static void status(const char *job, const char *stage)
{
	size_t i;

	pthread_mutex_lock(&screen.lock);
	for (i = 0; i < screen.n && strcmp(screen.rows[i].job, job) != 0; i++)
		;
	if (!stage) {
		if (i < screen.n) {
			free(screen.rows[i].job);
			free(screen.rows[i].stage);
			memmove(&screen.rows[i], &screen.rows[i + 1], (screen.n - i - 1) * sizeof(screen.rows[0]));
			screen.n--;
		}
	} else if (i < screen.n) {
		free(screen.rows[i].stage);
		screen.rows[i].stage = xstrdup(stage);
		screen.rows[i].since = now_mono();
	} else if (screen.n < ARRAY_SIZE(screen.rows)) {
		screen.rows[screen.n].job = xstrdup(job);
		screen.rows[screen.n].stage = xstrdup(stage);
		screen.rows[screen.n].since = now_mono();
		screen.n++;
	}
	screen_erase();
	screen_draw();
	pthread_mutex_unlock(&screen.lock);
}

static void *screen_ticker(void *data)
{
	(void)data;
	for (;;) {
		sleep(1);
		pthread_mutex_lock(&screen.lock);
		screen_erase();
		screen_draw();
		pthread_mutex_unlock(&screen.lock);
	}
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	proc_interrupt();
}

/* Common getopt loop for commands: --help is handled here. Returns the option, or -1 at the
 * end, or -2 after printing help or a usage error (*ret_exit set). */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		    const struct cmd *c, int *ret_exit)
{
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (opt == 'h') {
		print_cmd_help(c);
		*ret_exit = 0;
		return -2;
	}
	if (opt == '?') {
		*ret_exit = usage_error(c->name, "%s", "invalid option");
		return -2;
	}
	return opt;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ "connect", required_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "arch", required_argument, NULL, 'a' },
		{ "resume", required_argument, NULL, 'R' },
		{ "shard", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("run");
	_cleanup_strv_ char **arches = NULL;
	struct run_opts o = { .progress = progress };
	struct run_report rep = { 0 };
	struct bm_err *e = NULL;
	int opt, ex = 0, r;
	_cleanup_free_ char *text = NULL;

	while ((opt = next_opt(argc, argv, "hr:c:j:qa:R:S:", longopts, c, &ex)) != -1) {
		switch (opt) {
		case -2:
			return ex;
		case 'r':
			o.results_base = optarg;
			break;
		case 'c':
			o.uri = optarg;
			break;
		case 'j':
			o.jobs = (unsigned)strtoul(optarg, NULL, 10);
			if (!o.jobs)
				return usage_error(c->name, "-j takes a positive number, not '%s'", optarg);
			break;
		case 'q':
			o.progress = NULL;
			break;
		case 'a':
			strv_push(&arches, optarg);
			break;
		case 'R':
			o.resume = optarg;
			break;
		case 'S':
			if (sscanf(optarg, "%u/%u", &o.shard, &o.shards) != 2 || !o.shards ||
			    !o.shard || o.shard > o.shards)
				return usage_error(c->name, "--shard takes I/N with 1 <= I <= N, not '%s'", optarg);
			break;
		}
	}
	if (o.resume ? optind != argc : optind != argc - 1)
		return usage_error(c->name, "%s", o.resume ? "takes no PLAN with --resume (the run's own is used)"
						     : "expects exactly one PLAN");
	o.plan_path = o.resume ? NULL : argv[optind];
	o.arches = arches;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	screen.tty = o.progress && isatty(STDERR_FILENO);
	if (screen.tty) {
		pthread_t ticker;

		o.status = status;
		pthread_create(&ticker, NULL, screen_ticker, NULL);
		pthread_detach(ticker);
	}
	r = run_plan(&o, &rep, &e);
	if (screen.tty) {
		pthread_mutex_lock(&screen.lock);
		screen_erase();
		screen.tty = false;
		screen.n = 0;
		pthread_mutex_unlock(&screen.lock);
	}
	if (rep.n_jobs) {
		text = report_text_matrix(rep.jobs, rep.n_jobs, isatty(STDOUT_FILENO));
		fputs(text, stdout);
		printf("results: %s\n", rep.dir);
	}
	if (r < 0) {
		run_report_release(&rep);
		return report_error(e);
	}
	ex = jobs_exit(rep.jobs, rep.n_jobs);
	run_report_release(&rep);
	return ex;
}

static int cmd_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("parse");
	const char *format = NULL;
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = NULL;
	_cleanup_fclose_ FILE *in = NULL;
	_cleanup_free_ char *out = NULL;
	struct test_results res = { 0 };
	struct bm_err *e = NULL;
	bool json = false;
	int opt, ex = 0;
	char buf[65536];
	size_t n;

	while ((opt = next_opt(argc, argv, "hf:", longopts, c, &ex)) != -1) {
		if (opt == -2)
			return ex;
		if (opt == 'J')
			json = true;
		else if (opt == 'f')
			format = optarg;
	}
	if (optind != argc - 1)
		return usage_error(c->name, "%s", "expects exactly one FILE (or - for standard input)");
	if (strcmp(argv[optind], "-") != 0) {
		in = fopen(argv[optind], "re");
		if (!in) {
			bm_err_errno(&e, errno, "cannot open '%s'", argv[optind]);
			return report_error(e);
		}
	}
	p = ktap_parser_new();
	while ((n = fread(buf, 1, sizeof(buf), in ? in : stdin)) > 0)
		ktap_parser_feed(p, buf, n);
	ktap_parser_finish(p, &res);
	if (format) {
		/* One log as a one-job run, so people who boot kernels some other way get the
		 * same JUnit, KCIDB or HTML. */
		const char *base = strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind];
		struct job_result job = { .id = (char *)base, .arch = (char *)"unknown",
					  .toolchain = (char *)"unknown", .kernel = (char *)"unknown",
					  .config = (char *)"unknown", .build = { .status = BM_PASS },
					  .boot = { .status = BM_PASS }, .kunit = res };
		struct report_run_meta meta = { .run_id = base };

		const struct report_format *f;

		if (report_format_find(format, &f, &e) < 0 ||
		    f->render(&meta, &job, 1, NULL, 0, &out, &e) < 0) {
			test_results_release(&res);
			return report_error(e);
		}
	} else if (json) {
		if (report_json_results(&res, &out, &e) < 0) {
			test_results_release(&res);
			return report_error(e);
		}
	} else {
		out = report_text_results(&res);
	}
	fputs(out, stdout);
	ex = res.fail || res.crash ? EXIT_RESULTS_FAILED : 0;
	test_results_release(&res);
	return ex;
}

static void print_compare_item(const struct compare_item *it)
{
	printf("%-10s %s %s%s.%s %s -> %s%s\n", compare_kind_name(it->kind), it->job,
	       it->suite_kind == SUITE_KSELFTEST ? "kselftest:" : "", it->suite, it->name,
	       bm_status_name(it->before), bm_status_name(it->after), it->flaky ? " (flaky)" : "");
}

static int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("compare");
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct job_result *ja = NULL, *jb = NULL;
	struct compare_item *items = NULL;
	size_t na = 0, nb = 0, n = 0;
	unsigned counts[4] = { 0 };
	const char *results = NULL;
	struct bm_err *e = NULL;
	int opt, ex = 0;

	while ((opt = next_opt(argc, argv, "hr:", longopts, c, &ex)) != -1) {
		if (opt == -2)
			return ex;
		if (opt == 'r')
			results = optarg;
	}
	if (argc - optind > 2)
		return usage_error(c->name, "%s", "takes at most two runs");
	if (store_open_history(results, &st, &e) < 0)
		return report_error(e);
	if (argc - optind == 2) {
		a = xstrdup(argv[optind]);
		b = xstrdup(argv[optind + 1]);
	} else {
		if (argc - optind == 1)
			b = xstrdup(argv[optind]);
		else if (store_newest_run(st, &b, &e) < 0)
			return report_error(e);
		if (!b) {
			bm_err_set(&e, BM_ERR_INPUT, "the history has no runs");
			return report_error(e);
		}
		if (store_previous_run(st, b, &a, &e) < 0)
			return report_error(e);
		if (!a) {
			bm_err_set(&e, BM_ERR_INPUT, "no earlier run of the same plan to compare '%s' with", b);
			return report_error(e);
		}
	}
	if (store_run_jobs(st, a, &ja, &na, &e) < 0 || store_run_jobs(st, b, &jb, &nb, &e) < 0) {
		ex = report_error(e);
		goto out;
	}
	compare_runs(ja, na, jb, nb, &items, &n);
	printf("comparing %s (before) with %s (after)\n", a, b);
	for (size_t i = 0; i < n; i++) {
		print_compare_item(&items[i]);
		counts[items[i].kind]++;
	}
	printf("%u regressions, %u fixes, %u new, %u vanished\n", counts[CMP_REGRESSION],
	       counts[CMP_FIX], counts[CMP_NEW], counts[CMP_VANISHED]);
	ex = counts[CMP_REGRESSION] ? EXIT_RESULTS_FAILED : 0;
out:
	compare_items_free(items, n);
	for (size_t i = 0; i < na; i++)
		job_result_release(&ja[i]);
	for (size_t i = 0; i < nb; i++)
		job_result_release(&jb[i]);
	free(ja);
	free(jb);
	return ex;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("report");
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *run = NULL, *out = NULL;
	struct published_run p = { 0 };
	struct report_run_meta meta;
	const struct report_format *f;
	const char *results = NULL, *format = "text";
	struct bm_err *e = NULL;
	int opt, ex = 0;

	while ((opt = next_opt(argc, argv, "hr:f:", longopts, c, &ex)) != -1) {
		if (opt == -2)
			return ex;
		if (opt == 'r')
			results = optarg;
		else if (opt == 'f')
			format = optarg;
	}
	if (argc - optind > 1)
		return usage_error(c->name, "%s", "takes at most one RUN");
	if (store_open_history(results, &st, &e) < 0)
		return report_error(e);
	if (argc - optind == 1)
		run = xstrdup(argv[optind]);
	else if (store_newest_run(st, &run, &e) < 0)
		return report_error(e);
	if (!run) {
		bm_err_set(&e, BM_ERR_INPUT, "the history has no runs");
		return report_error(e);
	}
	if (publish_load(st, run, &p, &e) < 0)
		return report_error(e);
	meta = publish_meta(&p);
	if (report_format_find(format, &f, &e) < 0 ||
	    f->render(&meta, p.jobs, p.n_jobs, p.diff, p.n_diff, &out, &e) < 0) {
		published_run_release(&p);
		return report_error(e);
	}
	fputs(out, stdout);
	ex = jobs_exit(p.jobs, p.n_jobs);
	published_run_release(&p);
	return ex;
}

static int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("merge");
	_cleanup_free_ char *text = NULL;
	struct run_report rep = { 0 };
	const char *results = "results";
	struct bm_err *e = NULL;
	int opt, ex = 0;

	while ((opt = next_opt(argc, argv, "hr:", longopts, c, &ex)) != -1) {
		if (opt == -2)
			return ex;
		if (opt == 'r')
			results = optarg;
	}
	if (optind >= argc)
		return usage_error(c->name, "%s", "expects the results directories to merge");
	if (run_merge(argv + optind, results, &rep, &e) < 0) {
		run_report_release(&rep);
		return report_error(e);
	}
	text = report_text_matrix(rep.jobs, rep.n_jobs, isatty(STDOUT_FILENO));
	fputs(text, stdout);
	printf("results: %s\n", rep.dir);
	ex = jobs_exit(rep.jobs, rep.n_jobs);
	run_report_release(&rep);
	return ex;
}

static int toolchain_named(const char *name, struct toolchain **ret, struct bm_err **err)
{
	_cleanup_free_ char *datadir = data_dir();
	_cleanup_free_ char *cache = cache_dir();

	return toolchain_load(datadir, cache, name, ret, err);
}

static int cmd_toolchain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("toolchain");
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	_cleanup_free_ char *manifest = NULL;
	struct bm_err *e = NULL;
	const char *sub;
	int opt, ex = 0;

	while ((opt = next_opt(argc, argv, "+h", longopts, c, &ex)) != -1)
		if (opt == -2)
			return ex;
	if (optind >= argc)
		return usage_error(c->name, "%s", "expects create, list, show or diff");
	sub = argv[optind];
	if (strcmp(sub, "list") == 0 && optind == argc - 1) {
		_cleanup_free_ char *datadir = data_dir();
		_cleanup_free_ char *dir = xasprintf("%s/images/toolchains", datadir);
		_cleanup_strv_ char **names = dir_names(dir, ".yaml");

		for (size_t i = 0; names[i]; i++) {
			toolchain_freep(&tc);
			if (toolchain_named(names[i], &tc, &e) < 0)
				return report_error(e);
			printf("%-12s %-8s %s\n", names[i], tc->suite,
			       toolchain_ready(tc) ? tc->root : "(not created)");
		}
		return 0;
	}
	if (strcmp(sub, "diff") == 0 && optind == argc - 3) {
		_cleanup_(toolchain_freep) struct toolchain *other = NULL;
		_cleanup_free_ char *diff = NULL;

		if (toolchain_named(argv[optind + 1], &tc, &e) < 0 ||
		    toolchain_named(argv[optind + 2], &other, &e) < 0 ||
		    toolchain_diff(tc, other, &diff, &e) < 0)
			return report_error(e);
		fputs(*diff ? diff : "no differences\n", stdout);
		return 0;
	}
	if (optind != argc - 2 || (strcmp(sub, "create") != 0 && strcmp(sub, "show") != 0))
		return usage_error(c->name, "unknown or incomplete subcommand '%s'", sub);
	if (toolchain_named(argv[optind + 1], &tc, &e) < 0)
		return report_error(e);
	if (strcmp(sub, "create") == 0) {
		if (toolchain_create(tc, progress, &e) < 0)
			return report_error(e);
	}
	if (toolchain_manifest(tc, &manifest, &e) < 0)
		return report_error(e);
	printf("name: %s\nrecipe: %s\nroot: %s\n%s", tc->name, tc->recipe_path, tc->root, manifest);
	return 0;
}

/* "1.4 GiB": sizes for people. */
static char *human_size(uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	return u ? xasprintf("%.1f %s", v, units[u]) : xasprintf("%.0f B", v);
}

static int cmd_cache(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prune", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("cache");
	_cleanup_free_ char *cache = cache_dir(), *total_s = NULL, *freed_s = NULL;
	struct cache_entry *v = NULL;
	struct bm_err *e = NULL;
	uint64_t total = 0, freed = 0;
	time_t now = time(NULL), cutoff = 0;
	bool prune = false, dry = false;
	size_t n = 0;
	int opt, ex = 0;

	while ((opt = next_opt(argc, argv, "p:nh", longopts, c, &ex)) != -1) {
		char *end = NULL;
		unsigned long days;

		switch (opt) {
		case -2: return ex;
		case 'p':
			errno = 0;
			days = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || days > 36500)
				return usage_error(c->name, "--prune expects a number of days, got '%s'", optarg);
			prune = true;
			cutoff = now - (time_t)days * 86400;
			break;
		case 'n': dry = true; break;
		}
	}
	if (optind != argc)
		return usage_error(c->name, "unexpected argument '%s'", argv[optind]);
	if (dry && !prune)
		return usage_error(c->name, "%s", "--dry-run goes with --prune DAYS");
	if (cache_scan(cache, &v, &n, &e) < 0)
		return report_error(e);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *size = human_size(v[i].bytes);
		double days = difftime(now, v[i].used) / 86400;
		const char *action = "";

		if (prune && cache_prunable(&v[i], cutoff)) {
			action = dry ? "  (would remove)" : "  removed";
			if (!dry && cache_remove(&v[i], &e) < 0) {
				cache_entries_free(v, n);
				return report_error(e);
			}
			freed += v[i].bytes;
		} else {
			total += v[i].bytes;
		}
		printf("%-9s %10s  used %5.1f days ago  %s%s\n", cache_kind_name(v[i].kind), size,
		       days < 0 ? 0 : days, v[i].name, action);
	}
	total_s = human_size(total);
	freed_s = human_size(freed);
	if (prune)
		printf("%s %s, %s kept in %s\n", dry ? "would free" : "freed", freed_s, total_s, cache);
	else
		printf("%s in %s\n", total_s, cache);
	cache_entries_free(v, n);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "run", cmd_run, "[--results DIR] [--connect URI] [-j N] [--arch A]... [--shard I/N] [--quiet] PLAN | --resume RUN",
	  "Build, boot and test every job of PLAN (a YAML file, see docs/plan.md); print the\n"
	  "matrix; keep logs, matrix.json and history under DIR (default: results).\n\n"
	  "  -r, --results DIR   where run directories and history.sqlite go (default: results)\n"
	  "  -c, --connect URI   libvirt connection (default: the embedded QEMU driver,\n"
	  "                      qemu:///embed?root=CACHE/libvirt); a plan with hosts: boots\n"
	  "                      its QEMU guests on those instead (docs/remote.md)\n"
	  "  -j, --jobs N        CPU budget: builds run one at a time with make -jN, and up to N\n"
	  "                      boots run beside them (default: the number of CPUs)\n"
	  "  -a, --arch A        run only arch A of the plan (repeatable)\n"
	  "  -q, --quiet         no progress lines on standard error\n"
	  "  -S, --shard I/N     run only the I-th of N deterministic slices of the jobs (CI shards;\n"
	  "                      join them with 'bootmatrix merge')\n"
	  "  -R, --resume RUN    finish RUN (after a crash, kill or Ctrl-C): only the jobs with no\n"
	  "                      final result (or an infra one) run; RUN's plan is used\n\n"
	  "Exit: 0 all passed, 1 a result failed, 2 the harness failed (bad input included).\n" },
	{ "parse", cmd_parse, "[--json | --format F] FILE|-",
	  "Parse a console log holding KTAP / TAP output (KUnit, kselftest) and print the totals\n"
	  "per suite; --json prints one object (see docs/json.md); --format renders the log as a\n"
	  "one-job run in any report format: text, json, junit, markdown, kcidb, html.\n\n"
	  "Exit: 0 nothing failed, 1 a test failed or crashed, 2 the file could not be read.\n" },
	{ "compare", cmd_compare, "[--results DIR] [RUN_A [RUN_B]]",
	  "List what changed between two runs of the history: regressions (pass -> fail, crash,\n"
	  "timeout, config), fixes, new and vanished cases, per job, with build and boot as cases\n"
	  "of their own. Infrastructure trouble is never a regression. Default: the newest run\n"
	  "and the previous run of the same plan; one RUN: that run and its previous one.\n\n"
	  "  -r, --results DIR   where history.sqlite is (default: results)\n\n"
	  "Exit: 0 nothing regressed, 1 something regressed, 2 the harness failed.\n" },
	{ "report", cmd_report, "[--results DIR] [--format F] [RUN]",
	  "Render a run of the history (default: the newest) in one format: text (the terminal\n"
	  "matrix), json (matrix.json), junit, markdown, kcidb (KCIDB v5.3) or html (one static\n"
	  "page, with the changes since the previous run). `run` writes them all beside its logs.\n\n"
	  "  -r, --results DIR   where history.sqlite is (default: results)\n"
	  "  -f, --format F      text, json, junit, markdown, kcidb, html (default: text)\n\n"
	  "Exit: 0 everything passed, 1 a result failed, 2 the harness failed.\n" },
	{ "merge", cmd_merge, "[--results DIR] SHARD_DIR...",
	  "Join the runs in the results directories of CI shards ('run --shard I/N') into one new\n"
	  "run under DIR (default: results): one history, every job's logs, every report.\n\n"
	  "  -r, --results DIR   where the merged run goes (default: results)\n\n"
	  "Exit: 0 everything passed, 1 a result failed, 2 the harness failed.\n" },
	{ "submit", cmd_submit, cmd_submit_usage, cmd_submit_help },
	{ "bisect", cmd_bisect, cmd_bisect_usage, cmd_bisect_help },
	{ "bisect-toolchain", cmd_bisect_toolchain, cmd_bisect_toolchain_usage,
	  cmd_bisect_toolchain_help },
	{ "check", cmd_check, cmd_check_usage, cmd_check_help },
	{ "toolchain", cmd_toolchain, "create NAME | list | show NAME | diff A B",
	  "Toolchains are Debian root filesystems made with debootstrap from\n"
	  "images/toolchains/NAME.yaml, kept in the cache ($BOOTMATRIX_CACHE, else\n"
	  "$XDG_CACHE_HOME/bootmatrix, else ~/.cache/bootmatrix).\n\n"
	  "  create NAME   make the root (once per recipe version) and print its manifest\n"
	  "  list          the recipes and whether each root exists\n"
	  "  show NAME     the manifest: rustc, bindgen, clang, lld and gcc versions\n"
	  "  diff A B      the manifest lines that differ between two created toolchains\n" },
	{ "cache", cmd_cache, "[--prune DAYS [--dry-run]]",
	  "What the cache ($BOOTMATRIX_CACHE, else $XDG_CACHE_HOME/bootmatrix, else\n"
	  "~/.cache/bootmatrix) holds: kernel build directories, extracted sources, toolchain\n"
	  "roots and bisect worktrees, each with its size and when a run last used it.\n\n"
	  "  -p, --prune DAYS    remove the builds, sources and bisect worktrees no run has used\n"
	  "                      for DAYS days (toolchain roots stay); not while a run uses the\n"
	  "                      cache\n"
	  "  -n, --dry-run       with --prune: say what would go, remove nothing\n" },
	{ "help", cmd_help, "[COMMAND]", "Show help for bootmatrix or one of its commands.\n" },
};

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(void)
{
	printf("usage: bootmatrix COMMAND [OPTIONS] [ARGS]\n\n"
	       "Build Rust-enabled Linux kernels with a matrix of toolchains, boot them and\n"
	       "collect their KUnit results.\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].usage);
	printf("\n'bootmatrix COMMAND --help' for more. man bootmatrix(1).\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		print_help();
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return usage_error("help", "unknown command '%s'", argv[1]);
	print_cmd_help(c);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	xmlw_library_init();	/* before any thread (see xmlw.h) */
	if (argc < 2) {
		print_help();
		return EXIT_HARNESS;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_help();
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("bootmatrix %s\n", BM_VERSION);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "bootmatrix: unknown command '%s' (see 'bootmatrix --help')\n", argv[1]);
		return EXIT_HARNESS;
	}
	return c->fn(argc - 1, argv + 1);
}
