/* The command layer's shared parts (see cli.h): dispatch over the command table, help generated
 * from it, getopt_long per command, the one place errors are printed, exit codes, signals and
 * progress on standard error. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "proc.h"
#include "report.h"
#include "text.h"
#include "util.h"

#ifndef BM_VERSION
#define BM_VERSION "0.1"
#endif

#define FORMATS_MARKER "@FORMATS@\n"

static const struct cli_program *program;	/* for the help command */

const struct cli_cmd *cli_find(const struct cli_program *prog, const char *name)
{
	for (size_t i = 0; i < prog->n_cmds; i++)
		if (strcmp(prog->cmds[i].name, name) == 0)
			return &prog->cmds[i];
	return NULL;
}

void cli_write_overview(FILE *out, const struct cli_program *prog)
{
	fprintf(out, "usage: bootmatrix COMMAND [OPTIONS] [ARGS]\n\n%s\ncommands:\n", prog->summary);
	for (size_t i = 0; i < prog->n_cmds; i++)
		fprintf(out, "  %-10s %s\n", prog->cmds[i].name, prog->cmds[i].usage);
	fprintf(out, "\n'bootmatrix COMMAND --help' for more. man bootmatrix(1).\n");
}

static void write_formats(FILE *out)
{
	fprintf(out, "Formats (F), and the file 'run' writes each to in the run directory:\n");
	for (size_t i = 0; i < report_n_formats; i++)
		fprintf(out, "  %-9s %-12s %s\n", report_formats[i].name, report_formats[i].file,
			report_formats[i].summary);
}

void cli_write_cmd_help(FILE *out, const struct cli_cmd *cmd)
{
	const char *m = cmd->help;

	fprintf(out, "usage: bootmatrix %s %s\n\n", cmd->name, cmd->usage);
	/* The marker counts only as a line of its own. */
	if (strncmp(m, FORMATS_MARKER, strlen(FORMATS_MARKER)) != 0) {
		m = strstr(m, "\n" FORMATS_MARKER);
		m = m ? m + 1 : NULL;
	}
	if (!m) {
		fputs(cmd->help, out);
		return;
	}
	fwrite(cmd->help, 1, (size_t)(m - cmd->help), out);
	write_formats(out);
	fputs(m + strlen(FORMATS_MARKER), out);
}

int cli_cmd_help(const struct cli_cmd *cmd, int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		cli_write_overview(stdout, program);
		return CLI_EXIT_OK;
	}
	c = cli_find(program, argv[1]);
	if (!c)
		return cli_usage(cmd, "unknown command '%s'", argv[1]);
	cli_write_cmd_help(stdout, c);
	return CLI_EXIT_OK;
}

int cli_harness_exit(const struct cli_cmd *cmd)
{
	return cmd->flags & CLI_BISECT_RUN ? CLI_EXIT_BISECT_ABORT : CLI_EXIT_HARNESS;
}

void cli_write_text(FILE *out, const char *s)
{
	_cleanup_free_ char *clean = text_sanitize_str(s ? s : "", TEXT_NEWLINE);

	fputs(clean, out);
}

void cli_write_report(FILE *out, const char *s)
{
	if (isatty(fileno(out)))
		cli_write_text(out, s);
	else
		fputs(s ? s : "", out);
}

/* fmt and its arguments on stderr, made safe: messages carry names and lines from guests, builds
 * and servers. */
static void vwarnf(const char *prefix, const char *fmt, va_list ap, const char *suffix)
	__attribute__((format(printf, 2, 0)));
static void vwarnf(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	_cleanup_free_ char *clean = text_sanitize_str(msg, TEXT_NEWLINE);

	fprintf(stderr, "%s%s%s\n", prefix, clean, suffix);
}

static void warnf(const char *prefix, const char *suffix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warnf(const char *prefix, const char *suffix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnf(prefix, fmt, ap, suffix);
	va_end(ap);
}

int cli_fail(const struct cli_cmd *cmd, struct bm_err *e)
{
	warnf("bootmatrix: ", "", "%s", e ? e->msg : "unknown error");
	bm_err_free(e);
	return cli_harness_exit(cmd);
}

int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = xasprintf("bootmatrix %s: ", cmd->name);
	_cleanup_free_ char *suffix = xasprintf(" (see 'bootmatrix %s --help')", cmd->name);
	va_list ap;

	va_start(ap, fmt);
	vwarnf(prefix, fmt, ap, suffix);
	va_end(ap);
	return cli_harness_exit(cmd);
}

int cli_cmd_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = xasprintf("bootmatrix %s: ", cmd->name);
	va_list ap;

	va_start(ap, fmt);
	vwarnf(prefix, fmt, ap, "");
	va_end(ap);
	return cli_harness_exit(cmd);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnf("bootmatrix: warning: ", fmt, ap, "");
	va_end(ap);
}

int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, int *ret_exit)
{
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (opt == 'h') {
		cli_write_cmd_help(stdout, cmd);
		*ret_exit = CLI_EXIT_OK;
		return CLI_OPT_EXIT;
	}
	if (opt == '?' || opt == ':') {
		*ret_exit = cli_usage(cmd, "%s", "invalid option");
		return CLI_OPT_EXIT;
	}
	return opt;
}

int cli_exit_jobs(const struct job_result *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (job_result_status(&jobs[i]) != BM_PASS)
			return CLI_EXIT_FAILED;
	return CLI_EXIT_OK;
}

int cli_exit_verdict(enum verdict v)
{
	switch (v) {
	case VERDICT_GOOD:
		return CLI_EXIT_OK;
	case VERDICT_BAD:
		return CLI_EXIT_FAILED;
	default:
		return CLI_EXIT_BISECT_SKIP;
	}
}

/* The screen: timestamped log lines and, below them on a terminal, the status lines. */
static struct {
	pthread_mutex_t lock;
	bool tty;
	bool ticking;		/* the ticker thread runs (it is never stopped) */
	unsigned drawn;		/* status lines on screen below the log lines */
	size_t n;
	struct {
		char *job, *stage;
		double since;
	} rows[64];
} screen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void screen_erase(void)
{
	for (; screen.drawn; screen.drawn--)
		fputs("\033[1A\033[2K", stderr);
}

static void screen_draw(void)
{
	double now = now_mono();

	for (size_t i = 0; i < screen.n; i++, screen.drawn++)
		fprintf(stderr, "  %-52s %-16s %5.0f s\n", screen.rows[i].job, screen.rows[i].stage,
			now - screen.rows[i].since);
}

void cli_progress(const char *msg)
{
	/* one line, whatever a console or a build log put into it */
	_cleanup_free_ char *clean = text_sanitize_str(msg ? msg : "", 0);
	time_t t = time(NULL);
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	pthread_mutex_lock(&screen.lock);
	screen_erase();
	fprintf(stderr, "[%s] %s\n", ts, clean);
	if (screen.tty)
		screen_draw();
	pthread_mutex_unlock(&screen.lock);
}

void cli_status(const char *job_raw, const char *stage_raw)
{
	_cleanup_free_ char *job = text_sanitize_str(job_raw, 0);
	_cleanup_free_ char *stage = text_sanitize_str(stage_raw, 0);
	size_t i;

	pthread_mutex_lock(&screen.lock);
	for (i = 0; i < screen.n && strcmp(screen.rows[i].job, job) != 0; i++)
		;
	if (!stage) {
		if (i < screen.n) {
			free(screen.rows[i].job);
			free(screen.rows[i].stage);
			memmove(&screen.rows[i], &screen.rows[i + 1], (screen.n - i - 1) * sizeof(screen.rows[0]));
			screen.n--;
		}
	} else if (i < screen.n) {
		free(screen.rows[i].stage);
		screen.rows[i].stage = xstrdup(stage);
		screen.rows[i].since = now_mono();
	} else if (screen.n < ARRAY_SIZE(screen.rows)) {
		screen.rows[screen.n].job = xstrdup(job);
		screen.rows[screen.n].stage = xstrdup(stage);
		screen.rows[screen.n].since = now_mono();
		screen.n++;
	}
	screen_erase();
	screen_draw();
	pthread_mutex_unlock(&screen.lock);
}

static void *screen_ticker(void *data)
{
	(void)data;
	for (;;) {
		sleep(1);
		pthread_mutex_lock(&screen.lock);
		screen_erase();
		screen_draw();
		pthread_mutex_unlock(&screen.lock);
	}
	return NULL;
}

bool cli_screen_start(void)
{
	pthread_t ticker;

	if (!isatty(STDERR_FILENO))
		return false;
	pthread_mutex_lock(&screen.lock);
	screen.tty = true;
	if (!screen.ticking && pthread_create(&ticker, NULL, screen_ticker, NULL) == 0) {
		pthread_detach(ticker);
		screen.ticking = true;
	}
	pthread_mutex_unlock(&screen.lock);
	return true;
}

void cli_screen_stop(void)
{
	pthread_mutex_lock(&screen.lock);
	screen_erase();
	for (size_t i = 0; i < screen.n; i++) {
		free(screen.rows[i].job);
		free(screen.rows[i].stage);
	}
	screen.tty = false;
	screen.n = 0;
	pthread_mutex_unlock(&screen.lock);
}

static int signal_exit = CLI_EXIT_HARNESS;

/* The first SIGINT/SIGTERM stops the command cleanly (it saves what it has and names how to
 * resume); the second ends the process at once. Its children and guests still die: the reaper
 * (reaper.h) sees the pipe close without a goodbye. Async-signal-safe only. */
static void on_signal(int sig)
{
	static const char stopping[] =
		"\nbootmatrix: interrupted: stopping (interrupt again to exit at once)\n";
	static const char now[] = "\nbootmatrix: interrupted again: exiting now\n";
	int saved = errno;

	(void)sig;
	if (proc_interrupt() > 1) {
		(void)!write(STDERR_FILENO, now, sizeof(now) - 1);
		_exit(signal_exit);
	}
	(void)!write(STDERR_FILENO, stopping, sizeof(stopping) - 1);
	errno = saved;
}

int cli_main(const struct cli_program *prog, int argc, char **argv)
{
	const struct cli_cmd *c;

	program = prog;
	if (argc < 2) {
		cli_write_overview(stdout, prog);
		return CLI_EXIT_HARNESS;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_write_overview(stdout, prog);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("bootmatrix %s\n", BM_VERSION);
		return CLI_EXIT_OK;
	}
	c = cli_find(prog, argv[1]);
	if (!c) {
		fprintf(stderr, "bootmatrix: unknown command '%s' (see 'bootmatrix --help')\n", argv[1]);
		return CLI_EXIT_HARNESS;
	}
	if (c->flags & CLI_SIGNALS) {
		signal_exit = cli_harness_exit(c);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	return c->fn(c, argc - 1, argv + 1);
}
