/* The commands, one harness/cmd_NAME.c each (bisect, bisect-toolchain and check share
 * cmd_bisect.c and its options). Each takes its table entry and its own argc/argv (argv[0] is the
 * command's name), parses its options with cli_getopt, prints through cli.h, and returns the exit
 * code (cli.h: 0 all passed, 1 a result failed or regressed, 2 the harness failed; check speaks
 * git bisect run's 0/1/125/255). The usage line and the help text are for main.c's command
 * table, from which --help is generated. */
#ifndef BM_CMDS_H
#define BM_CMDS_H

struct cli_cmd;

/* bootmatrix run: a plan's jobs built, booted and tested; the matrix printed. */
int cmd_run(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_run_usage[], cmd_run_help[];

/* bootmatrix parse: a console log's KTAP/TAP results. */
int cmd_parse(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_parse_usage[], cmd_parse_help[];

/* bootmatrix compare: what changed between two runs of the history. */
int cmd_compare(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_compare_usage[], cmd_compare_help[];

/* bootmatrix report: a run of the history in one report format. */
int cmd_report(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_report_usage[], cmd_report_help[];

/* bootmatrix merge: CI shards' runs joined into one. */
int cmd_merge(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_merge_usage[], cmd_merge_help[];

/* bootmatrix submit: POST a run of the history to a KCIDB submission endpoint or a webhook. */
int cmd_submit(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_submit_usage[], cmd_submit_help[];

/* bootmatrix bisect: the kernel commit that broke a check (git bisect in a worktree). */
int cmd_bisect(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_bisect_usage[], cmd_bisect_help[];

/* bootmatrix bisect-toolchain: the first toolchain of an ordered list that breaks a check. */
int cmd_bisect_toolchain(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_bisect_toolchain_usage[], cmd_bisect_toolchain_help[];

/* bootmatrix check: one commit decided with git-bisect-run exit codes (0, 1, 125; 255 for
 * a harness error, which stops git bisect run). Its table entry has CLI_BISECT_RUN. */
int cmd_check(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_check_usage[], cmd_check_help[];

/* bootmatrix toolchain create|list|show|diff: the Debian roots kernels are built in. */
int cmd_toolchain(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_toolchain_usage[], cmd_toolchain_help[];

/* bootmatrix cache: what the cache holds; pruning what no run has used. */
int cmd_cache(const struct cli_cmd *cmd, int argc, char **argv);
extern const char cmd_cache_usage[], cmd_cache_help[];

/* bootmatrix help is cli_cmd_help (cli.h): it needs the table, which cli.c holds. */

#endif
