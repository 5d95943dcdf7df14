/* bootmatrix: the command table. The only place that prints errors. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "ktap.h"
#include "proc.h"
#include "report.h"
#include "run.h"
#include "toolchain.h"
#include "util.h"

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

static void progress(const char *msg)
{
	time_t t = time(NULL);
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(stderr, "[%s] %s\n", ts, msg);
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
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("run");
	_cleanup_strv_ char **arches = NULL;
	struct run_opts o = { .progress = progress };
	struct run_report rep = { 0 };
	struct bm_err *e = NULL;
	int opt, ex = 0, r;
	_cleanup_free_ char *text = NULL;

	while ((opt = next_opt(argc, argv, "hr:c:j:qa:", longopts, c, &ex)) != -1) {
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
		}
	}
	if (o.resume ? optind != argc : optind != argc - 1)
		return usage_error(c->name, "%s", o.resume ? "takes no PLAN with --resume (the run's own is used)"
						     : "expects exactly one PLAN");
	o.plan_path = o.resume ? NULL : argv[optind];
	o.arches = arches;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r = run_plan(&o, &rep, &e);
	if (rep.n_jobs) {
		text = report_text_matrix(rep.jobs, rep.n_jobs, isatty(STDOUT_FILENO));
		fputs(text, stdout);
		printf("results: %s\n", rep.dir);
	}
	if (r < 0) {
		run_report_release(&rep);
		return report_error(e);
	}
	for (size_t i = 0; i < rep.n_jobs; i++)
		if (job_result_status(&rep.jobs[i]) != BM_PASS)
			ex = EXIT_RESULTS_FAILED;
	run_report_release(&rep);
	return ex;
}

static int cmd_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c = find_cmd("parse");
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = NULL;
	_cleanup_fclose_ FILE *in = NULL;
	_cleanup_free_ char *out = NULL;
	struct test_results res = { 0 };
	struct bm_err *e = NULL;
	bool json = false;
	int opt, ex = 0;
	char buf[65536];
	size_t n;

	while ((opt = next_opt(argc, argv, "h", longopts, c, &ex)) != -1) {
		if (opt == -2)
			return ex;
		if (opt == 'J')
			json = true;
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
	if (json) {
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
		return usage_error(c->name, "%s", "expects create, list or show");
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

static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "run", cmd_run, "[--results DIR] [--connect URI] [-j N] [--arch A]... [--quiet] PLAN | --resume RUN",
	  "Build, boot and test every job of PLAN (a YAML file, see docs/plan.md); print the\n"
	  "matrix; keep logs, matrix.json and history under DIR (default: results).\n\n"
	  "  -r, --results DIR   where run directories and history.sqlite go (default: results)\n"
	  "  -c, --connect URI   libvirt connection (default: the embedded QEMU driver,\n"
	  "                      qemu:///embed?root=CACHE/libvirt)\n"
	  "  -j, --jobs N        CPU budget: builds run one at a time with make -jN, and up to N\n"
	  "                      boots run beside them (default: the number of CPUs)\n"
	  "  -a, --arch A        run only arch A of the plan (repeatable)\n"
	  "  -q, --quiet         no progress lines on standard error\n"
	  "  -R, --resume RUN    finish RUN (after a crash, kill or Ctrl-C): only the jobs with no\n"
	  "                      final result (or an infra one) run; RUN's plan is used\n\n"
	  "Exit: 0 all passed, 1 a result failed, 2 the harness failed (bad input included).\n" },
	{ "parse", cmd_parse, "[--json] FILE|-",
	  "Parse a console log holding KTAP / TAP output (KUnit, kselftest) and print the totals\n"
	  "per suite; --json prints one object (see docs/json.md).\n\n"
	  "Exit: 0 nothing failed, 1 a test failed or crashed, 2 the file could not be read.\n" },
	{ "toolchain", cmd_toolchain, "create NAME | list | show NAME",
	  "Toolchains are Debian root filesystems made with debootstrap from\n"
	  "images/toolchains/NAME.yaml, kept in the cache ($BOOTMATRIX_CACHE, else\n"
	  "$XDG_CACHE_HOME/bootmatrix, else ~/.cache/bootmatrix).\n\n"
	  "  create NAME   make the root (once per recipe version) and print its manifest\n"
	  "  list          the recipes and whether each root exists\n"
	  "  show NAME     the manifest: rustc, bindgen, clang, lld and gcc versions\n" },
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
