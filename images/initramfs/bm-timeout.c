/* bm-timeout: the coreutils `timeout` that kselftest's runner needs, for the guest initramfs
 * (installed as /usr/bin/timeout; the runner calls
 * `/usr/bin/timeout --foreground T /usr/bin/timeout T CMD`, and busybox's timeout has no
 * --foreground). Plain C and libc only: built with each arch's cross gcc -static -O2.
 *
 *   timeout [--foreground] [-k DURATION] [-s SIGNAL] [--preserve-status] [-v] DURATION CMD [ARG]...
 *
 * DURATION: a number (fractions allowed) with an optional s, m, h or d suffix; 0 disables the
 * timeout. On expiry SIGNAL (default TERM) goes to the command and, unless --foreground, to
 * the process group timeout made for it, so the command's children go too; -k sends KILL that
 * much later if the command is still there. Exit: 124 on timeout (128+9 when KILL ended it,
 * and then possibly timeout itself, as with coreutils), else the command's status (128+N when
 * signal N ended it), 125 when timeout itself fails, 126 when the command cannot be run, 127
 * when it is not found. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_TIMEDOUT 124
#define EXIT_CANCELED 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_ENOENT 127

static volatile sig_atomic_t timed_out;
static volatile sig_atomic_t term_signal = SIGTERM;
static volatile pid_t monitored_pid;
static volatile double kill_after;
static int foreground;
static int verbose;
static char verbose_term[256], verbose_kill[256];

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "SYS", SIGSYS },
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("timeout: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: timeout [--foreground] [-k DURATION] [-s SIGNAL] [--preserve-status] "
	      "[-v] DURATION COMMAND [ARG]...\n", stderr);
	exit(EXIT_CANCELED);
}

/* Seconds, or -1 if s is not a duration. */
static double parse_duration(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno || !(d >= 0) || isinf(d))
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		d *= 60;
		break;
	case 'h':
		d *= 3600;
		break;
	case 'd':
		d *= 86400;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	return d;
}

/* Signal number for "TERM", "SIGTERM", "term" or "15"; -1 if unknown. */
static int parse_signal(const char *s)
{
	char *end;
	long n;

	if (isdigit((unsigned char)*s)) {
		n = strtol(s, &end, 10);
		return *end || n < 0 || n > 64 ? -1 : (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}

static const char *signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return "?";
}

static void settimeout(double d)
{
	struct itimerval it = { 0 };

	/* Past ~68 years setitimer may refuse; nobody waits that long. */
	if (d > 2147483647.0)
		d = 2147483647.0;
	it.it_value.tv_sec = (time_t)d;
	it.it_value.tv_usec = (suseconds_t)((d - (double)(time_t)d) * 1e6);
	if (d > 0 && it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* To the whole group timeout leads, ignoring the echo that comes back to us. */
static void send_sig(pid_t where, int sig)
{
	if (where == 0 && sig != SIGKILL)
		signal(sig, SIG_IGN);
	kill(where, sig);
}

static void on_signal(int sig)
{
	if (sig == SIGALRM) {
		timed_out = 1;
		sig = term_signal;
	}
	if (!monitored_pid)
		_exit(128 + sig);
	if (verbose) {
		const char *m = sig == SIGKILL ? verbose_kill : verbose_term;
		ssize_t r = write(STDERR_FILENO, m, strlen(m));

		(void)r;
	}
	if (kill_after > 0) {
		term_signal = SIGKILL;
		settimeout(kill_after);
		kill_after = 0;
	}
	/* The child may have made its own group: signal it directly too. */
	send_sig(monitored_pid, sig);
	/* In the normal case it is still in our group, with its children: signal them all.
	 * KILL reaches timeout itself too, and so the caller sees 137, as with coreutils. */
	if (!foreground) {
		send_sig(0, sig);
		if (sig != SIGKILL && sig != SIGCONT) {
			send_sig(monitored_pid, SIGCONT);
			send_sig(0, SIGCONT);
		}
	}
}

static void install(int sig)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	enum { OPT_FOREGROUND = 256, OPT_PRESERVE };
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "kill-after", required_argument, NULL, 'k' },
		{ "signal", required_argument, NULL, 's' },
		{ "preserve-status", no_argument, NULL, OPT_PRESERVE },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static const int handled[] = { SIGALRM, SIGINT, SIGQUIT, SIGHUP, SIGTERM };
	int preserve_status = 0, c, status;
	sigset_t block, orig;
	double duration;
	pid_t pid;

	opterr = 0;
	/* '+': options end at DURATION, so the command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+k:s:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kill_after = parse_duration(optarg);
			if (kill_after < 0)
				usage_error("invalid time interval '%s'", optarg);
			break;
		case 's':
			term_signal = parse_signal(optarg);
			if (term_signal <= 0)
				usage_error("invalid signal '%s'", optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		case OPT_FOREGROUND:
			foreground = 1;
			break;
		case OPT_PRESERVE:
			preserve_status = 1;
			break;
		default:
			usage_error("invalid option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		usage_error("%s", argc - optind < 1 ? "missing duration" : "missing command");
	duration = parse_duration(argv[optind]);
	if (duration < 0)
		usage_error("invalid time interval '%s'", argv[optind]);
	optind++;
	snprintf(verbose_term, sizeof(verbose_term), "timeout: sending signal %s to command '%s'\n",
		 signal_name(term_signal), argv[optind]);
	snprintf(verbose_kill, sizeof(verbose_kill), "timeout: sending signal KILL to command '%s'\n",
		 argv[optind]);

	/* A group of our own, so the expiry reaches the command's children (coreutils does the
	 * same); --foreground keeps the caller's group (and tty) and signals the command only. */
	if (!foreground)
		setpgid(0, 0);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);

	/* No signal may slip in between fork and monitored_pid being set. */
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&block, handled[i]);
	sigaddset(&block, term_signal);
	sigprocmask(SIG_BLOCK, &block, &orig);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		install(handled[i]);
	if (term_signal != SIGKILL && term_signal != SIGSTOP)
		install(term_signal);

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "timeout: fork failed: %s\n", strerror(errno));
		return EXIT_CANCELED;
	}
	if (pid == 0) {
		signal(SIGTTIN, SIG_DFL);
		signal(SIGTTOU, SIG_DFL);
		sigprocmask(SIG_SETMASK, &orig, NULL);
		execvp(argv[optind], &argv[optind]);
		c = errno;
		fprintf(stderr, "timeout: failed to run command '%s': %s\n", argv[optind],
			strerror(c));
		_exit(c == ENOENT ? EXIT_ENOENT : EXIT_CANNOT_INVOKE);
	}
	monitored_pid = pid;
	if (duration > 0)
		settimeout(duration);
	sigprocmask(SIG_SETMASK, &orig, NULL);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "timeout: waiting for the command: %s\n", strerror(errno));
			return EXIT_CANCELED;
		}
	}
	if (WIFEXITED(status)) {
		status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		if (timed_out && WTERMSIG(status) == SIGKILL)
			preserve_status = 1;
		status = 128 + WTERMSIG(status);
	} else {
		status = EXIT_CANCELED;
	}
	return timed_out && !preserve_status ? EXIT_TIMEDOUT : status;
}
