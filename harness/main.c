/* bootmatrix: the command table and main(). Each command lives in harness/cmd_NAME.c; dispatch,
 * --help, errors, exit codes, signals and progress are cli.c's. */
#include "cli.h"
#include "cmds.h"
#include "util.h"
#include "xmlw.h"

static const struct cli_cmd commands[] = {
	{ "run", cmd_run, CLI_SIGNALS, cmd_run_usage, cmd_run_help },
	{ "parse", cmd_parse, 0, cmd_parse_usage, cmd_parse_help },
	{ "compare", cmd_compare, 0, cmd_compare_usage, cmd_compare_help },
	{ "report", cmd_report, 0, cmd_report_usage, cmd_report_help },
	{ "merge", cmd_merge, 0, cmd_merge_usage, cmd_merge_help },
	{ "submit", cmd_submit, 0, cmd_submit_usage, cmd_submit_help },
	{ "bisect", cmd_bisect, CLI_SIGNALS, cmd_bisect_usage, cmd_bisect_help },
	{ "bisect-toolchain", cmd_bisect_toolchain, CLI_SIGNALS, cmd_bisect_toolchain_usage,
	  cmd_bisect_toolchain_help },
	{ "check", cmd_check, CLI_SIGNALS | CLI_BISECT_RUN, cmd_check_usage, cmd_check_help },
	{ "toolchain", cmd_toolchain, 0, cmd_toolchain_usage, cmd_toolchain_help },
	{ "cache", cmd_cache, 0, cmd_cache_usage, cmd_cache_help },
	{ "help", cli_cmd_help, 0, "[COMMAND]", "Show help for bootmatrix or one of its commands.\n" },
};

static const struct cli_program program = {
	.summary = "Build Rust-enabled Linux kernels with a matrix of toolchains, boot them and\n"
		   "collect their KUnit results.\n",
	.cmds = commands,
	.n_cmds = ARRAY_SIZE(commands),
};

int main(int argc, char **argv)
{
	xmlw_library_init();	/* before any thread (see xmlw.h) */
	return cli_main(&program, argc, argv);
}
