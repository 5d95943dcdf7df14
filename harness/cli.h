/* The command layer's shared parts: the command table's shape and dispatch, --help generated from
 * the table, option parsing, the one place errors are printed, exit codes, SIGINT/SIGTERM, and
 * progress on standard error. Every harness/cmd_*.c uses these; nothing below the command layer
 * includes this header (modules return errors, they do not print). */
#ifndef BM_CLI_H
#define BM_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "result.h"

struct bm_err;

/* Exit codes (docs/bootmatrix.1). check speaks git bisect run's instead: good 0, bad 1,
 * skip 125, and 255 for a harness failure, which stops git bisect run (it stops on > 127). */
enum {
	CLI_EXIT_OK = 0,		/* everything passed */
	CLI_EXIT_FAILED = 1,		/* a result failed or regressed (a result, not an error) */
	CLI_EXIT_HARNESS = 2,		/* the harness failed, bad input included */
	CLI_EXIT_BISECT_SKIP = 125,	/* check: the commit cannot be tested */
	CLI_EXIT_BISECT_ABORT = 255,	/* check: the harness failed */
};

enum cli_flags {
	/* SIGINT and SIGTERM stop the running subprocesses (proc_interrupt) so the command can
	 * store what it has and return, instead of killing bootmatrix; a second one exits at once
	 * (2, or 255 with CLI_BISECT_RUN), the reaper killing what the command started. */
	CLI_SIGNALS = 1 << 0,
	/* git bisect run's exit codes: harness failures and usage errors exit 255, not 2. */
	CLI_BISECT_RUN = 1 << 1,
};

struct cli_cmd {
	const char *name;
	/* argv[0] is the command's name. Returns the exit code; may print. */
	int (*fn)(const struct cli_cmd *cmd, int argc, char **argv);
	unsigned flags;		/* enum cli_flags */
	const char *usage;	/* after "usage: bootmatrix NAME " */
	/* The rest of --help. A line "@FORMATS@" is replaced by the table of report formats
	 * (report_formats[] in report.h). */
	const char *help;
};

struct cli_program {
	const char *summary;	/* what bootmatrix is, under the usage line of --help */
	const struct cli_cmd *cmds;
	size_t n_cmds;
};

/* Dispatch argv[1] to its command: "--help"/"-h" and "--version" here, no command or an unknown
 * one exit 2. Installs the signal handlers of CLI_SIGNALS commands. prog must outlive the call
 * (the help command reads it). Returns the exit code. */
int cli_main(const struct cli_program *prog, int argc, char **argv);

/* The command called name in prog, or NULL. */
const struct cli_cmd *cli_find(const struct cli_program *prog, const char *name);

/* bootmatrix help [COMMAND]: the overview, or one command's help. */
int cli_cmd_help(const struct cli_cmd *cmd, int argc, char **argv);

/* --help, generated from the table: the overview (every command and its usage), and one
 * command's "usage: bootmatrix NAME USAGE", a blank line, its help. */
void cli_write_overview(FILE *out, const struct cli_program *prog);
void cli_write_cmd_help(FILE *out, const struct cli_cmd *cmd);

/* getopt_long for a command, where longopts has { "help", ..., 'h' } and shortopts "h": returns
 * the next option, or -1 after the last, or CLI_OPT_EXIT after printing --help (*ret_exit 0) or
 * a usage error for an invalid option (*ret_exit the command's harness exit code). */
#define CLI_OPT_EXIT (-2)
int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, int *ret_exit);

/* Errors; each prints one line on standard error and returns cmd's harness exit code (2, or 255
 * with CLI_BISECT_RUN). What reaches the terminal through these, cli_progress, cli_status and
 * cli_write_text is made safe first (text_sanitize: no escape sequences, C0/C1 or bidi
 * controls, invalid UTF-8): messages carry lines and names from guests, builds and servers. */
/* "bootmatrix: MESSAGE" for an error object, which is freed (NULL: "unknown error"). */
int cli_fail(const struct cli_cmd *cmd, struct bm_err *e);
/* "bootmatrix NAME: MESSAGE (see 'bootmatrix NAME --help')": wrong options or arguments. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "bootmatrix NAME: MESSAGE", without the pointer to --help. */
int cli_cmd_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "bootmatrix: warning: MESSAGE"; the command goes on. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* s on out, made safe (text_sanitize with TEXT_NEWLINE): for text from the history, a guest or a
 * build (bisect evidence, a text report without colours). */
void cli_write_text(FILE *out, const char *s);
/* A rendered report on out: as it is into a file or a pipe (each format makes its own fields
 * safe), through cli_write_text on a terminal. */
void cli_write_report(FILE *out, const char *s);
/* The harness exit code of cmd: CLI_EXIT_HARNESS, or CLI_EXIT_BISECT_ABORT. */
int cli_harness_exit(const struct cli_cmd *cmd);

/* CLI_EXIT_FAILED when any job did not pass, else CLI_EXIT_OK. */
int cli_exit_jobs(const struct job_result *jobs, size_t n);
/* check's exit code for a verdict: good 0, bad 1, skip (and retry) 125. */
int cli_exit_verdict(enum verdict v);

/* Progress on standard error: "[HH:MM:SS] msg" lines; while the screen is on (a terminal), under
 * them one status line per running job with its stage and time in it, redrawn every second.
 * Thread-safe; cli_progress and cli_status fit run_opts' progress and status. */
void cli_progress(const char *msg);
/* job enters stage (NULL: job left the screen). */
void cli_status(const char *job, const char *stage);
/* Turn the status lines on when standard error is a terminal; true when they are on. */
bool cli_screen_start(void);
/* Erase the status lines and turn them off. */
void cli_screen_stop(void);

#endif
