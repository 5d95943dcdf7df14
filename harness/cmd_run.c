/* bootmatrix run: every job of a plan (or the unfinished jobs of a run, --resume) built, booted
 * and tested by run.c; progress on standard error, the matrix on standard output. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "report.h"
#include "run.h"
#include "util.h"

const char cmd_run_usage[] =
	"[--results DIR] [--connect URI] [-j N] [--arch A]... [--shard I/N] [--quiet] PLAN | --resume RUN";
const char cmd_run_help[] =
	"Build, boot and test every job of PLAN (a YAML file, see docs/plan.md); print the\n"
	"matrix; keep logs, matrix.json and history under DIR (default: results).\n\n"
	"  -r, --results DIR   where run directories and history.sqlite go (default: results)\n"
	"  -c, --connect URI   libvirt connection (default: the embedded QEMU driver,\n"
	"                      qemu:///embed?root=CACHE/libvirt/PID); a plan with hosts: boots\n"
	"                      its QEMU guests on those instead (docs/remote.md)\n"
	"  -j, --jobs N        CPU budget: builds run one at a time with make -jN, and up to N\n"
	"                      boots run beside them (default: the number of CPUs)\n"
	"  -a, --arch A        run only arch A of the plan (repeatable)\n"
	"  -q, --quiet         no progress lines on standard error\n"
	"  -S, --shard I/N     run only the I-th of N deterministic slices of the jobs (CI shards;\n"
	"                      join them with 'bootmatrix merge')\n"
	"  -R, --resume RUN    finish RUN (after a crash, kill or Ctrl-C): only the jobs with no\n"
	"                      final result (or an infra one) run; RUN's plan is used\n\n"
	"Exit: 0 all passed, 1 a result failed, 2 the harness failed (bad input included).\n";

int cmd_run(const struct cli_cmd *cmd, int argc, char **argv)
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
	_cleanup_strv_ char **arches = NULL;
	struct run_opts o = { .progress = cli_progress };
	struct run_report rep = { 0 };
	struct bm_err *e = NULL;
	bool screen = false;
	int opt, ex = 0, r;
	_cleanup_free_ char *text = NULL;

	while ((opt = cli_getopt(cmd, argc, argv, "hr:c:j:qa:R:S:", longopts, &ex)) != -1) {
		switch (opt) {
		case CLI_OPT_EXIT:
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
				return cli_usage(cmd, "-j takes a positive number, not '%s'", optarg);
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
				return cli_usage(cmd, "--shard takes I/N with 1 <= I <= N, not '%s'", optarg);
			break;
		}
	}
	if (o.resume ? optind != argc : optind != argc - 1)
		return cli_usage(cmd, "%s", o.resume ? "takes no PLAN with --resume (the run's own is used)"
						   : "expects exactly one PLAN");
	o.plan_path = o.resume ? NULL : argv[optind];
	o.arches = arches;
	if (o.progress && cli_screen_start()) {
		screen = true;
		o.status = cli_status;
	}
	r = run_plan(&o, &rep, &e);
	if (screen)
		cli_screen_stop();
	if (rep.n_jobs) {
		text = report_text_matrix(rep.jobs, rep.n_jobs, isatty(STDOUT_FILENO));
		fputs(text, stdout);
		printf("results: %s\n", rep.dir);
	}
	if (r < 0) {
		run_report_release(&rep);
		return cli_fail(cmd, e);
	}
	ex = cli_exit_jobs(rep.jobs, rep.n_jobs);
	run_report_release(&rep);
	return ex;
}
