/* bisect, bisect-toolchain, check: the command layer over bisect.c and check.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisect.h"
#include "check.h"
#include "cmds.h"
#include "err.h"
#include "proc.h"
#include "toolchain.h"
#include "util.h"

#define CHECK_HARNESS_ERROR 255	/* git bisect run stops on codes above 127 */

const char cmd_bisect_usage[] =
	"--tree PATH --good REF --bad REF --arch A --check C [--toolchain T] [--config F]\n"
	"       [--kselftest TARGET]... [--confirm] [--results DIR] [--connect URI] [-j N]";
const char cmd_bisect_help[] =
	"Find the first commit between REF good and REF bad where the check fails, on arch A.\n"
	"The user's tree is never checked out: a git worktree in the cache is, and one\n"
	"out-of-tree build directory is reused (incremental builds). A build failure the check\n"
	"is not about is a skip (git bisect skip); infrastructure trouble tests the step again.\n"
	"Interrupted, the same command resumes where git bisect stands. Steps are stored in the\n"
	"history as a run 'bisect-...'.\n\n"
	"  --check C        build, boot, kunit:SUITE, kunit:SUITE.CASE, kselftest:TARGET[.CASE],\n"
	"                   comma-separated (all must pass for good)\n"
	"  --toolchain T    toolchain recipe (default: trixie)\n"
	"  --config F       configs/F.config (default: rust-kunit)\n"
	"  --kselftest T    run kselftest target T in the guest (repeatable)\n"
	"  --confirm        boot a failing step again: a result that flips is flaky and retried\n"
	"                   (more boots)\n"
	"  --results DIR    where step logs and history.sqlite go (default: results)\n\n"
	"Exit: 0 the first bad commit was found, 1 skips left several candidates, 2 the harness\n"
	"failed.\n";
const char cmd_bisect_toolchain_usage[] =
	"--toolchains T1,T2,...,Tn --tree PATH --arch A --check C [--config F] [--kselftest T]...\n"
	"       [--confirm] [--results DIR] [--connect URI] [-j N]";
const char cmd_bisect_toolchain_help[] =
	"Find the first toolchain of an ordered list (oldest first: the first is assumed good,\n"
	"the last bad) with which the tree fails the check, by binary search, with the skip,\n"
	"retry and flaky rules of bisect. Prints the manifests' differences (rustc, bindgen,\n"
	"clang, lld, gcc) between the last good and the first bad toolchain.\n\n"
	"Exit: 0 found, 1 skips left several candidates, 2 the harness failed.\n";
const char cmd_check_usage[] =
	"--arch A --check C [--tree PATH] [--toolchain T] [--config F] [--kselftest T]...\n"
	"       [--results DIR] [--connect URI] [-j N]";
const char cmd_check_help[] =
	"Build the tree as it is checked out (default: the current directory), boot it and decide\n"
	"the check, with git bisect run's exit codes, so that\n"
	"  git bisect run bootmatrix check --arch x86_64 --check kunit:list-kunit-test\n"
	"works. Logs go to DIR/check-<time>/.\n\n"
	"Exit: 0 good, 1 bad, 125 skip (untestable), 255 the harness failed (git bisect run stops).\n";

struct bisect_args {
	struct bisect_opts o;
	struct check check;
	char *toolchains_spec;
	bool help;
};

static void step_line(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

static void progress_line(const char *msg)
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

/* Options shared by the three commands. Returns 0, or an exit code > 0 after printing. */
static int parse_args(const char *name, const char *usage, const char *help, int argc,
		      char **argv, struct bisect_args *a, int usage_exit)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tree", required_argument, NULL, 'T' },
		{ "good", required_argument, NULL, 'g' },
		{ "bad", required_argument, NULL, 'b' },
		{ "arch", required_argument, NULL, 'a' },
		{ "toolchain", required_argument, NULL, 't' },
		{ "toolchains", required_argument, NULL, 'L' },
		{ "config", required_argument, NULL, 'f' },
		{ "check", required_argument, NULL, 'c' },
		{ "kselftest", required_argument, NULL, 'k' },
		{ "confirm", no_argument, NULL, 'C' },
		{ "results", required_argument, NULL, 'r' },
		{ "connect", required_argument, NULL, 'u' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct bm_err *e = NULL;
	int opt;

	a->o.toolchain = "trixie";
	a->o.config = "rust-kunit";
	a->o.results = "results";
	a->o.progress = progress_line;
	a->o.step = step_line;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			printf("usage: bootmatrix %s %s\n\n%s", name, usage, help);
			a->help = true;
			return 0;
		case 'T': a->o.tree = optarg; break;
		case 'g': a->o.good = optarg; break;
		case 'b': a->o.bad = optarg; break;
		case 'a': a->o.arch = optarg; break;
		case 't': a->o.toolchain = optarg; break;
		case 'L': a->toolchains_spec = optarg; break;
		case 'f': a->o.config = optarg; break;
		case 'c': a->o.check_spec = optarg; break;
		case 'k': strv_push(&a->o.kselftest_targets, optarg); break;
		case 'C': a->o.confirm = true; break;
		case 'r': a->o.results = optarg; break;
		case 'u': a->o.uri = optarg; break;
		case 'j': a->o.jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "bootmatrix %s: invalid option (see 'bootmatrix %s --help')\n",
				name, name);
			return usage_exit;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bootmatrix %s: unexpected argument '%s'\n", name, argv[optind]);
		return usage_exit;
	}
	if (!a->o.arch || !a->o.check_spec) {
		fprintf(stderr, "bootmatrix %s: --arch and --check are required (see 'bootmatrix %s --help')\n",
			name, name);
		return usage_exit;
	}
	if (check_parse(a->o.check_spec, &a->check, &e) < 0) {
		fprintf(stderr, "bootmatrix %s: --check: %s\n", name, e->msg);
		bm_err_free(e);
		return usage_exit;
	}
	a->o.check = &a->check;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	return 0;
}

static void args_release(struct bisect_args *a)
{
	check_release(&a->check);
	strv_free(a->o.kselftest_targets);
	strv_free(a->o.toolchains);
}

static void print_result(const struct bisect_result *r, const char *what)
{
	if (r->first_bad) {
		printf("first bad %s: %s%s%s\n", what, r->first_bad, r->subject ? " " : "",
		       r->subject ? r->subject : "");
		if (r->last_good)
			printf("last good %s: %s\n", what, r->last_good);
	} else {
		printf("skipped steps leave %zu candidates for the first bad %s:\n",
		       strv_length(r->candidates), what);
		for (size_t i = 0; r->candidates && r->candidates[i]; i++)
			printf("  %s\n", r->candidates[i]);
	}
	fputs(r->evidence, stdout);
	printf("%u steps, %u boots; history run %s\n", r->steps, r->boots, r->run_id);
}

static int run_bisect(int argc, char **argv, bool toolchains)
{
	struct bisect_args a = { 0 };
	struct bisect_result r = { 0 };
	struct bm_err *e = NULL;
	int ex;

	ex = parse_args(argv[0], toolchains ? cmd_bisect_toolchain_usage : cmd_bisect_usage,
			toolchains ? cmd_bisect_toolchain_help : cmd_bisect_help, argc, argv, &a, 2);
	if (ex || a.help)
		goto out;
	if (!a.o.tree || (toolchains ? !a.toolchains_spec : (!a.o.good || !a.o.bad))) {
		fprintf(stderr, "bootmatrix %s: --tree and %s are required\n", argv[0],
			toolchains ? "--toolchains" : "--good and --bad");
		ex = 2;
		goto out;
	}
	if (toolchains) {
		_cleanup_free_ char *copy = xstrdup(a.toolchains_spec);
		char *t, *save = NULL;

		for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			strv_push(&a.o.toolchains, str_strip(t));
	}
	if ((toolchains ? bisect_toolchain(&a.o, &r, &e) : bisect_kernel(&a.o, &r, &e)) < 0) {
		fprintf(stderr, "bootmatrix: %s\n", e->msg);
		bm_err_free(e);
		ex = 2;
		goto out;
	}
	print_result(&r, toolchains ? "toolchain" : "commit");
	if (toolchains && r.first_bad && r.last_good) {
		_cleanup_free_ char *datadir = data_dir();
		_cleanup_free_ char *cache = cache_dir();
		_cleanup_(toolchain_freep) struct toolchain *g = NULL, *b = NULL;
		_cleanup_free_ char *diff = NULL;

		if (toolchain_load(datadir, cache, r.last_good, &g, &e) == 0 &&
		    toolchain_load(datadir, cache, r.first_bad, &b, &e) == 0 &&
		    toolchain_diff(g, b, &diff, &e) == 0)
			printf("what differs (%s -> %s):\n%s", r.last_good, r.first_bad, diff);
		bm_err_free(e);
	}
	ex = r.first_bad ? 0 : 1;
out:
	bisect_result_release(&r);
	args_release(&a);
	return ex;
}

int cmd_bisect(int argc, char **argv)
{
	return run_bisect(argc, argv, false);
}

int cmd_bisect_toolchain(int argc, char **argv)
{
	return run_bisect(argc, argv, true);
}

int cmd_check(int argc, char **argv)
{
	struct bisect_args a = { 0 };
	struct job_result jr = { 0 };
	struct bm_err *e = NULL;
	_cleanup_free_ char *tree = NULL, *dir = NULL, *why = NULL, *when = NULL;
	enum verdict v;
	int ex;

	ex = parse_args("check", cmd_check_usage, cmd_check_help, argc, argv, &a, CHECK_HARNESS_ERROR);
	if (ex || a.help)
		goto out;
	tree = realpath(a.o.tree ? a.o.tree : ".", NULL);
	if (!tree) {
		fprintf(stderr, "bootmatrix check: tree '%s': %s\n", a.o.tree ? a.o.tree : ".",
			strerror(errno));
		ex = CHECK_HARNESS_ERROR;
		goto out;
	}
	when = now_iso8601();
	dir = xasprintf("%s/check-%s", a.o.results, when);
	{
		struct run_single_opts so = {
			.tree = tree, .toolchain = a.o.toolchain, .arch = a.o.arch, .config = a.o.config,
			.kselftest_targets = a.o.kselftest_targets, .uri = a.o.uri, .jobs = a.o.jobs,
			.dir = dir, .confirm = a.o.confirm, .progress = progress_line,
		};

		for (unsigned attempt = 0;; attempt++) {
			if (run_single(&so, &jr, &e) < 0) {
				fprintf(stderr, "bootmatrix: %s\n", e->msg);
				bm_err_free(e);
				ex = CHECK_HARNESS_ERROR;
				goto out;
			}
			free(why);
			v = check_decide(&a.check, &jr, &why);
			if (v != VERDICT_RETRY || attempt == 2)
				break;
			job_result_release(&jr);
		}
	}
	printf("%s: %s\n", verdict_name(v == VERDICT_RETRY ? VERDICT_SKIP : v), why);
	ex = v == VERDICT_GOOD ? 0 : v == VERDICT_BAD ? 1 : 125;
out:
	job_result_release(&jr);
	args_release(&a);
	return ex;
}
