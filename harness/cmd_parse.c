/* bootmatrix parse: a console log's KTAP/TAP output (KUnit, kselftest) parsed by ktap.c and
 * printed as totals, as JSON, or as a one-job run in any report format. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "ktap.h"
#include "report.h"
#include "util.h"

const char cmd_parse_usage[] = "[--json | --format F] FILE|-";
const char cmd_parse_help[] =
	"Parse a console log holding KTAP / TAP output (KUnit, kselftest) and print the totals\n"
	"per suite; --json prints one object (see docs/json.md); --format renders the log as a\n"
	"one-job run in report format F.\n\n"
	"@FORMATS@\n\n"
	"Exit: 0 nothing failed, 1 a test failed or crashed, 2 the file could not be read.\n";

int cmd_parse(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct report_format *format = NULL;
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = NULL;
	_cleanup_fclose_ FILE *in = NULL;
	_cleanup_free_ char *out = NULL;
	struct test_results res = { 0 };
	struct bm_err *e = NULL;
	bool json = false;
	int opt, ex = 0;
	char buf[65536];
	size_t n;

	while ((opt = cli_getopt(cmd, argc, argv, "hf:", longopts, &ex)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return ex;
		if (opt == 'J')
			json = true;
		else if (opt == 'f' && report_format_find(optarg, &format, &e) < 0)
			return cli_fail(cmd, e);
	}
	if (optind != argc - 1)
		return cli_usage(cmd, "%s", "expects exactly one FILE (or - for standard input)");
	if (strcmp(argv[optind], "-") != 0) {
		in = fopen(argv[optind], "re");
		if (!in) {
			bm_err_errno(&e, errno, "cannot open '%s'", argv[optind]);
			return cli_fail(cmd, e);
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

		if (format->render(&meta, &job, 1, NULL, 0, &out, &e) < 0) {
			test_results_release(&res);
			return cli_fail(cmd, e);
		}
	} else if (json) {
		if (report_json_results(&res, &out, &e) < 0) {
			test_results_release(&res);
			return cli_fail(cmd, e);
		}
	} else {
		out = report_text_results(&res);
	}
	cli_write_report(stdout, out);
	ex = res.fail || res.crash ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	test_results_release(&res);
	return ex;
}
