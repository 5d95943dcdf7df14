/* bootmatrix merge: the runs of CI shards ('run --shard I/N') joined by run.c into one run, its
 * matrix printed. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "report.h"
#include "run.h"
#include "util.h"

const char cmd_merge_usage[] = "[--results DIR] SHARD_DIR...";
const char cmd_merge_help[] =
	"Join the runs in the results directories of CI shards ('run --shard I/N') into one new\n"
	"run under DIR (default: results): one history, every job's logs, every report.\n\n"
	"  -r, --results DIR   where the merged run goes (default: results)\n\n"
	"Exit: 0 everything passed, 1 a result failed, 2 the harness failed.\n";

int cmd_merge(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *text = NULL;
	struct run_report rep = { 0 };
	const char *results = "results";
	struct bm_err *e = NULL;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "hr:", longopts, &ex)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return ex;
		if (opt == 'r')
			results = optarg;
	}
	if (optind >= argc)
		return cli_usage(cmd, "%s", "expects the results directories to merge");
	if (run_merge(argv + optind, results, &rep, &e) < 0) {
		run_report_release(&rep);
		return cli_fail(cmd, e);
	}
	text = report_text_matrix(rep.jobs, rep.n_jobs, isatty(STDOUT_FILENO));
	fputs(text, stdout);
	printf("results: %s\n", rep.dir);
	ex = cli_exit_jobs(rep.jobs, rep.n_jobs);
	run_report_release(&rep);
	return ex;
}
