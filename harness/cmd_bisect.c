/* bootmatrix bisect, bisect-toolchain and check: the command layer over bisect.c and check.c.
 * One file for the three because they share their options (parse_args). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bisect.h"
#include "check.h"
#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "toolchain.h"
#include "util.h"

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
	"--toolchains LIST --tree PATH --arch A --check C [--base T] [--config F]\n"
	"       [--kselftest T]... [--confirm] [--results DIR] [--connect URI] [-j N]";
const char cmd_bisect_toolchain_help[] =
	"Find the first toolchain of an ordered list (oldest first: the first is assumed good,\n"
	"the last bad) with which the tree fails the check, by binary search, with the skip,\n"
	"retry and flaky rules of bisect. LIST is comma-separated; each item a toolchain\n"
	"(trixie, sid, trixie+rust-1.90.0, a recipe file), a Rust version (1.90.0,\n"
	"nightly-2026-03-01) or a range of them: 1.86.0..1.96.0 (every stable release in\n"
	"between that the server has), nightly-2026-01-01..nightly-2026-03-01 (every day).\n"
	"Versions come from $BOOTMATRIX_RUST_DIST_SERVER (docs/toolchains.md) on the base root.\n"
	"A version the server lacks, or one below the kernel's minimum rustc, is a skip.\n"
	"Prints both ends' rustc -vV, the upstream commit range between two nightlies, and the\n"
	"manifests' differences (rustc, bindgen, clang, lld, gcc).\n\n"
	"  --base T         the Debian toolchain Rust versions are layered on (default: trixie)\n\n"
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
	const char *base;
};

static void step_line(const char *line)
{
	cli_write_text(stdout, line);
	putchar('\n');
	fflush(stdout);
}

/* Options shared by the three commands. Returns 0, or -1 with *ret_exit set after printing
 * help (0) or an error (the command's harness exit code). */
static int parse_args(const struct cli_cmd *cmd, int argc, char **argv, struct bisect_args *a,
		      int *ret_exit)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tree", required_argument, NULL, 'T' },
		{ "good", required_argument, NULL, 'g' },
		{ "bad", required_argument, NULL, 'b' },
		{ "arch", required_argument, NULL, 'a' },
		{ "toolchain", required_argument, NULL, 't' },
		{ "toolchains", required_argument, NULL, 'L' },
		{ "base", required_argument, NULL, 'B' },
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
	a->base = "trixie";
	a->o.config = "rust-kunit";
	a->o.results = "results";
	a->o.progress = cli_progress;
	a->o.step = step_line;
	while ((opt = cli_getopt(cmd, argc, argv, "hj:", longopts, ret_exit)) != -1) {
		switch (opt) {
		case CLI_OPT_EXIT: return -1;
		case 'T': a->o.tree = optarg; break;
		case 'g': a->o.good = optarg; break;
		case 'b': a->o.bad = optarg; break;
		case 'a': a->o.arch = optarg; break;
		case 't': a->o.toolchain = optarg; break;
		case 'L': a->toolchains_spec = optarg; break;
		case 'B': a->base = optarg; break;
		case 'f': a->o.config = optarg; break;
		case 'c': a->o.check_spec = optarg; break;
		case 'k': strv_push(&a->o.kselftest_targets, optarg); break;
		case 'C': a->o.confirm = true; break;
		case 'r': a->o.results = optarg; break;
		case 'u': a->o.uri = optarg; break;
		case 'j': a->o.jobs = (unsigned)strtoul(optarg, NULL, 10); break;
		}
	}
	if (optind != argc) {
		*ret_exit = cli_cmd_error(cmd, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!a->o.arch || !a->o.check_spec) {
		*ret_exit = cli_usage(cmd, "%s", "--arch and --check are required");
		return -1;
	}
	if (check_parse(a->o.check_spec, &a->check, &e) < 0) {
		*ret_exit = cli_cmd_error(cmd, "--check: %s", e->msg);
		bm_err_free(e);
		return -1;
	}
	a->o.check = &a->check;
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
	_cleanup_free_ char *head = NULL;

	/* commit subjects and console excerpts are the tree's and the guest's words: made safe */
	if (r->first_bad) {
		head = xasprintf("first bad %s: %s%s%s\n", what, r->first_bad, r->subject ? " " : "",
				 r->subject ? r->subject : "");
		cli_write_text(stdout, head);
		if (r->last_good)
			printf("last good %s: %s\n", what, r->last_good);
	} else {
		printf("skipped steps leave %zu candidates for the first bad %s:\n",
		       strv_length(r->candidates), what);
		for (size_t i = 0; r->candidates && r->candidates[i]; i++)
			printf("  %s\n", r->candidates[i]);
	}
	cli_write_text(stdout, r->evidence);
	printf("%u steps, %u boots; history run %s\n", r->steps, r->boots, r->run_id);
}

/* "last good rustc: rustc 1.85.1 (4eb161250 2025-03-15), commit-hash H, commit-date D". */
static void print_rustc(const char *manifest, const char *what)
{
	_cleanup_free_ char *v = toolchain_manifest_value(manifest, "rustc");
	_cleanup_free_ char *h = toolchain_manifest_value(manifest, "rustc-commit-hash");
	_cleanup_free_ char *d = toolchain_manifest_value(manifest, "rustc-commit-date");

	if (v)
		printf("%s rustc: %s, commit-hash %s, commit-date %s\n", what, v, h ? h : "unknown",
		       d ? d : "unknown");
}

/* Between two nightlies, the upstream commits that may hold the change. */
static void print_commit_range(const struct toolchain *g, const char *mg, const struct toolchain *b,
			       const char *mb)
{
	_cleanup_free_ char *hg = toolchain_manifest_value(mg, "rustc-commit-hash");
	_cleanup_free_ char *hb = toolchain_manifest_value(mb, "rustc-commit-hash");
	const char *dg = g->comp[COMPONENT_RUST].dist, *db = b->comp[COMPONENT_RUST].dist;

	if (hg && hb && dg && db && str_has_prefix(dg, "nightly-") && str_has_prefix(db, "nightly-"))
		printf("upstream commits: %s..%s (rust-lang/rust: git log %s..%s)\n", hg, hb, hg, hb);
}

static int run_bisect(const struct cli_cmd *cmd, int argc, char **argv, bool toolchains)
{
	struct bisect_args a = { 0 };
	struct bisect_result r = { 0 };
	struct bm_err *e = NULL;
	int ex = 0;

	if (parse_args(cmd, argc, argv, &a, &ex) < 0)
		goto out;
	if (!a.o.tree || (toolchains ? !a.toolchains_spec : (!a.o.good || !a.o.bad))) {
		ex = cli_cmd_error(cmd, "--tree and %s are required",
				   toolchains ? "--toolchains" : "--good and --bad");
		goto out;
	}
	if (toolchains) {
		_cleanup_free_ char *datadir = data_dir();

		if (toolchain_list_expand(datadir, a.base, a.toolchains_spec, &a.o.toolchains, &e) < 0) {
			ex = cli_cmd_error(cmd, "--toolchains: %s", e->msg);
			bm_err_free(e);
			goto out;
		}
	}
	if ((toolchains ? bisect_toolchain(&a.o, &r, &e) : bisect_kernel(&a.o, &r, &e)) < 0) {
		ex = cli_fail(cmd, e);
		goto out;
	}
	print_result(&r, toolchains ? "toolchain" : "commit");
	if (toolchains && r.first_bad && r.last_good) {
		_cleanup_free_ char *datadir = data_dir();
		_cleanup_free_ char *cache = cache_dir();
		_cleanup_(toolchain_freep) struct toolchain *g = NULL, *b = NULL;
		_cleanup_free_ char *diff = NULL;

		_cleanup_free_ char *mg = NULL, *mb = NULL;

		if (toolchain_load(datadir, cache, r.last_good, &g, &e) == 0 &&
		    toolchain_load(datadir, cache, r.first_bad, &b, &e) == 0 &&
		    toolchain_manifest(g, &mg, &e) == 0 && toolchain_manifest(b, &mb, &e) == 0) {
			print_rustc(mg, "last good");
			print_rustc(mb, "first bad");
			print_commit_range(g, mg, b, mb);
			if (toolchain_diff(g, b, &diff, &e) == 0)
				printf("what differs (%s -> %s):\n%s", r.last_good, r.first_bad, diff);
		}
		bm_err_free(e);
	}
	/* Skips that leave several candidates are an answer, just not a single one. */
	ex = r.first_bad ? CLI_EXIT_OK : CLI_EXIT_FAILED;
out:
	bisect_result_release(&r);
	args_release(&a);
	return ex;
}

int cmd_bisect(const struct cli_cmd *cmd, int argc, char **argv)
{
	return run_bisect(cmd, argc, argv, false);
}

int cmd_bisect_toolchain(const struct cli_cmd *cmd, int argc, char **argv)
{
	return run_bisect(cmd, argc, argv, true);
}

int cmd_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct bisect_args a = { 0 };
	struct job_result jr = { 0 };
	struct bm_err *e = NULL;
	_cleanup_free_ char *tree = NULL, *dir = NULL, *why = NULL, *when = NULL;
	enum verdict v;
	int ex = 0;

	if (parse_args(cmd, argc, argv, &a, &ex) < 0)
		goto out;
	tree = realpath(a.o.tree ? a.o.tree : ".", NULL);
	if (!tree) {
		ex = cli_cmd_error(cmd, "tree '%s': %s", a.o.tree ? a.o.tree : ".", strerror(errno));
		goto out;
	}
	when = now_iso8601();
	dir = xasprintf("%s/check-%s", a.o.results, when);
	{
		struct run_single_opts so = {
			.tree = tree, .toolchain = a.o.toolchain, .arch = a.o.arch, .config = a.o.config,
			.kselftest_targets = a.o.kselftest_targets, .uri = a.o.uri, .jobs = a.o.jobs,
			.dir = dir, .confirm = a.o.confirm, .progress = cli_progress,
		};

		for (unsigned attempt = 0;; attempt++) {
			if (run_single(&so, &jr, &e) < 0) {
				ex = cli_fail(cmd, e);
				goto out;
			}
			free(why);
			v = check_decide(&a.check, &jr, &why);
			if (v != VERDICT_RETRY || attempt == 2)
				break;
			job_result_release(&jr);
		}
	}
	printf("%s: ", verdict_name(v == VERDICT_RETRY ? VERDICT_SKIP : v));
	cli_write_text(stdout, why);
	putchar('\n');
	ex = cli_exit_verdict(v);
out:
	job_result_release(&jr);
	args_release(&a);
	return ex;
}
