/* Commands that live outside main.c. Each takes the command's own argc/argv (argv[0] is the
 * command's name), parses its options with getopt_long, may print, and returns the exit code:
 * 0 success, 1 a result failed, 2 the harness failed (bad input included). The usage line and
 * the help text are for main.c's command table. */
#ifndef BM_CMDS_H
#define BM_CMDS_H

/* bootmatrix submit: POST a run of the history to a KCIDB submission endpoint or a webhook. */
int cmd_submit(int argc, char **argv);
extern const char cmd_submit_usage[], cmd_submit_help[];

#endif
