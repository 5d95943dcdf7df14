/* bootmatrix compare: two runs of the history compared by compare.c, one line per change. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "compare.h"
#include "err.h"
#include "store.h"
#include "util.h"

const char cmd_compare_usage[] = "[--results DIR] [RUN_A [RUN_B]]";
const char cmd_compare_help[] =
	"List what changed between two runs of the history: regressions (pass -> fail, crash,\n"
	"timeout, config), fixes, new and vanished cases, per job, with build and boot as cases\n"
	"of their own. Infrastructure trouble is never a regression. Default: the newest run\n"
	"and the previous run of the same plan; one RUN: that run and its previous one.\n\n"
	"  -r, --results DIR   where history.sqlite is (default: results)\n\n"
	"Exit: 0 nothing regressed, 1 something regressed, 2 the harness failed.\n";

/* Job, suite and case names come from the history (and so from guests): made safe. */
static void print_compare_item(const struct compare_item *it)
{
	_cleanup_free_ char *line =
		xasprintf("%-10s %s %s%s.%s %s -> %s%s\n", compare_kind_name(it->kind), it->job,
			  it->suite_kind == SUITE_KSELFTEST ? "kselftest:" : "", it->suite, it->name,
			  bm_status_name(it->before), bm_status_name(it->after),
			  it->flaky ? " (flaky)" : "");

	cli_write_text(stdout, line);
}

int cmd_compare(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct job_result *ja = NULL, *jb = NULL;
	struct compare_item *items = NULL;
	size_t na = 0, nb = 0, n = 0;
	unsigned counts[4] = { 0 };
	const char *results = NULL;
	struct bm_err *e = NULL;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "hr:", longopts, &ex)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return ex;
		if (opt == 'r')
			results = optarg;
	}
	if (argc - optind > 2)
		return cli_usage(cmd, "%s", "takes at most two runs");
	if (store_open_history(results, &st, &e) < 0)
		return cli_fail(cmd, e);
	if (argc - optind == 2) {
		a = xstrdup(argv[optind]);
		b = xstrdup(argv[optind + 1]);
	} else {
		if (argc - optind == 1)
			b = xstrdup(argv[optind]);
		else if (store_newest_run(st, &b, &e) < 0)
			return cli_fail(cmd, e);
		if (!b) {
			bm_err_set(&e, BM_ERR_INPUT, "the history has no runs");
			return cli_fail(cmd, e);
		}
		if (store_previous_run(st, b, &a, &e) < 0)
			return cli_fail(cmd, e);
		if (!a) {
			bm_err_set(&e, BM_ERR_INPUT, "no earlier run of the same plan to compare '%s' with", b);
			return cli_fail(cmd, e);
		}
	}
	if (store_run_jobs(st, a, &ja, &na, &e) < 0 || store_run_jobs(st, b, &jb, &nb, &e) < 0) {
		ex = cli_fail(cmd, e);
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
	ex = counts[CMP_REGRESSION] ? CLI_EXIT_FAILED : CLI_EXIT_OK;
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
