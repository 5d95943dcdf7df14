/* Commands that live outside main.c. Each takes the command's own argc/argv (argv[0] is the
 * command's name), parses its options with getopt_long, may print, and returns the exit code:
 * 0 success, 1 a result failed, 2 the harness failed (bad input included). The usage line and
 * the help text are for main.c's command table. */
#ifndef BM_CMDS_H
#define BM_CMDS_H

/* bootmatrix submit: POST a run of the history to a KCIDB submission endpoint or a webhook. */
int cmd_submit(int argc, char **argv);
extern const char cmd_submit_usage[], cmd_submit_help[];

/* bootmatrix bisect: the kernel commit that broke a check (git bisect in a worktree). */
int cmd_bisect(int argc, char **argv);
extern const char cmd_bisect_usage[], cmd_bisect_help[];

/* bootmatrix bisect-toolchain: the first toolchain of an ordered list that breaks a check. */
int cmd_bisect_toolchain(int argc, char **argv);
extern const char cmd_bisect_toolchain_usage[], cmd_bisect_toolchain_help[];

/* bootmatrix check: one commit decided with git-bisect-run exit codes (0, 1, 125; 255 for
 * a harness error, which stops git bisect run). */
int cmd_check(int argc, char **argv);
extern const char cmd_check_usage[], cmd_check_help[];

#endif
