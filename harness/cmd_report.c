/* bootmatrix report: a run of the history (publish.c loads it with its differences from the
 * previous run) rendered in one format of report_formats[]. */
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "publish.h"
#include "report.h"
#include "store.h"
#include "util.h"

const char cmd_report_usage[] = "[--results DIR] [--format F | --rust] [RUN]";
const char cmd_report_help[] =
	"Render a run of the history (default: the newest) in one format. `run` writes them all\n"
	"beside its logs. --rust prints the Rust support map instead: per job the rustc, bindgen\n"
	"and libclang, whether RUST stuck, the Rust test options on, dropped and absent, the Rust\n"
	"doctests, Rust KUnit suites and samples; then each option that did not stick, and why.\n\n"
	"  -r, --results DIR   where history.sqlite is (default: results)\n"
	"  -f, --format F      the format (default: text)\n"
	"      --rust          the Rust support map\n\n"
	"@FORMATS@\n\n"
	"Exit: 0 everything passed, 1 a result failed, 2 the harness failed.\n";

int cmd_report(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "rust", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *run = NULL, *out = NULL;
	struct published_run p = { 0 };
	struct report_run_meta meta;
	const struct report_format *format = NULL;
	const char *results = NULL;
	struct bm_err *e = NULL;
	bool rust = false;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "hr:f:", longopts, &ex)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return ex;
		if (opt == 'r')
			results = optarg;
		else if (opt == 'f' && report_format_find(optarg, &format, &e) < 0)
			return cli_fail(cmd, e);
		else if (opt == 'R')
			rust = true;
	}
	if (argc - optind > 1)
		return cli_usage(cmd, "%s", "takes at most one RUN");
	if (!format && report_format_find("text", &format, &e) < 0)
		return cli_fail(cmd, e);
	if (store_open_history(results, &st, &e) < 0)
		return cli_fail(cmd, e);
	if (argc - optind == 1)
		run = xstrdup(argv[optind]);
	else if (store_newest_run(st, &run, &e) < 0)
		return cli_fail(cmd, e);
	if (!run) {
		bm_err_set(&e, BM_ERR_INPUT, "the history has no runs");
		return cli_fail(cmd, e);
	}
	if (publish_load(st, run, &p, &e) < 0)
		return cli_fail(cmd, e);
	meta = publish_meta(&p);
	if (rust) {
		out = report_text_rust(p.jobs, p.n_jobs);
	} else if (report_render(format, &meta, p.jobs, p.n_jobs, p.diff, p.n_diff, &out, &e) < 0) {
		published_run_release(&p);
		return cli_fail(cmd, e);
	}
	cli_write_report(stdout, out);
	ex = cli_exit_jobs(p.jobs, p.n_jobs);
	published_run_release(&p);
	return ex;
}
