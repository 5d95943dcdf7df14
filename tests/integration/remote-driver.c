/* A small command-line driver over harness/remote.h for tests/integration/remote-ssh.sh: one
 * connection per run, one operation.
 *
 *   remote-driver [-p PORT] [-u USER] [-k KNOWN_HOSTS] [-i IDENTITY] [-t TIMEOUT] HOST OP ARGS...
 *
 *   connect                         connect and authenticate only
 *   mkdtemp PREFIX                  print the new directory
 *   upload LOCAL REMOTE
 *   exec [-T SECONDS] ARGV...       print "status N" then the output
 *   read PATH OFFSET                the bytes from OFFSET to the end, on stdout
 *   follow PATH MARK SECONDS        read PATH as it grows (polling from the last offset) until
 *                                   MARK has been seen, writing every byte read to stdout
 *   rmrf DIR
 *   uri URI                         parse a libvirt URI: "user host port"
 *
 * Exit 0 on success, 1 with "remote-driver: CLASS: MESSAGE" on stderr (CLASS: input, system,
 * infra), 2 on bad usage. SIGINT calls proc_interrupt(), as bootmatrix's Ctrl-C does. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "remote.h"
#include "uri.h"
#include "util.h"

static int usage(void)
{
	fputs("usage: remote-driver [-p PORT] [-u USER] [-k KNOWN_HOSTS] [-i IDENTITY] [-t TIMEOUT] HOST OP ARGS...\n",
	      stderr);
	return 2;
}

static int report(struct bm_err *err)
{
	static const char *const cls[] = { "?", "input", "system", "infra" };

	fprintf(stderr, "remote-driver: %s: %s\n",
		err->code >= 1 && err->code <= 3 ? cls[err->code] : "?", err->msg);
	bm_err_free(err);
	return 1;
}

static int write_all(const char *buf, size_t len)
{
	return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
}

static int follow(struct remote *r, const char *path, const char *mark, double seconds,
		  struct bm_err **err)
{
	_cleanup_free_ char *seen = xstrdup("");
	size_t seen_len = 0;
	uint64_t off = 0;
	double deadline = now_mono() + seconds;
	int reads = 0;

	while (!strstr(seen, mark)) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		if (now_mono() > deadline)
			return bm_err_set(err, BM_ERR_INFRA, "'%s' never showed '%s' (%d reads)",
					  path, mark, reads);
		if (remote_read_from(r, path, off, &buf, &len, err) < 0)
			return -1;
		reads++;
		if (len) {
			write_all(buf, len);
			fflush(stdout);
			seen = xrealloc(seen, seen_len + len + 1);
			memcpy(seen + seen_len, buf, len + 1);
			seen_len += len;
			off += len;
		} else {
			usleep(50 * 1000);
		}
	}
	fprintf(stderr, "follow: %d reads\n", reads);
	return 0;
}

static void on_sigint(int sig)
{
	(void)sig;
	proc_interrupt();
}

int main(int argc, char **argv)
{
	struct remote_opts o = { 0 };
	_cleanup_(remote_freep) struct remote *r = NULL;
	struct bm_err *err = NULL;
	const char *op;
	int c;

	signal(SIGINT, on_sigint);
	while ((c = getopt(argc, argv, "+p:u:k:i:t:")) != -1) {
		switch (c) {
		case 'p': o.port = (unsigned)atoi(optarg); break;
		case 'u': o.user = optarg; break;
		case 'k': o.known_hosts = optarg; break;
		case 'i': o.identity = optarg; break;
		case 't': o.timeout = atof(optarg); break;
		default: return usage();
		}
	}
	if (argc - optind < 2)
		return usage();
	o.host = argv[optind];
	op = argv[optind + 1];
	argv += optind + 2;
	argc -= optind + 2;

	if (!strcmp(op, "uri")) {
		_cleanup_free_ char *user = NULL, *host = NULL;
		unsigned port;

		if (argc != 1)
			return usage();
		if (uri_libvirt_ssh(argv[0], &user, &host, &port, &err) < 0)
			return report(err);
		printf("%s %s %u\n", user ? user : "-", host, port);
		return 0;
	}

	if (remote_connect(&o, &r, &err) < 0)
		return report(err);

	if (!strcmp(op, "connect")) {
		printf("connected to %s\n", remote_name(r));
	} else if (!strcmp(op, "mkdtemp") && argc == 1) {
		_cleanup_free_ char *dir = NULL;

		if (remote_mkdir_temp(r, argv[0], &dir, &err) < 0)
			return report(err);
		printf("%s\n", dir);
	} else if (!strcmp(op, "upload") && argc == 2) {
		double t0 = now_mono();

		if (remote_upload(r, argv[0], argv[1], &err) < 0)
			return report(err);
		fprintf(stderr, "upload: %.2f s\n", now_mono() - t0);
	} else if (!strcmp(op, "exec") && argc >= 1) {
		_cleanup_free_ char *out = NULL;
		double timeout = 0;
		int status;

		if (argc >= 3 && !strcmp(argv[0], "-T")) {
			timeout = atof(argv[1]);
			argv += 2;
		}
		if (remote_exec(r, argv, timeout, &status, &out, &err) < 0)
			return report(err);
		printf("status %d\n", status);
		write_all(out, strlen(out));
	} else if (!strcmp(op, "read") && argc == 2) {
		_cleanup_free_ char *buf = NULL;
		size_t len;

		if (remote_read_from(r, argv[0], strtoull(argv[1], NULL, 10), &buf, &len, &err) < 0)
			return report(err);
		write_all(buf, len);
	} else if (!strcmp(op, "follow") && argc == 3) {
		if (follow(r, argv[0], argv[1], atof(argv[2]), &err) < 0)
			return report(err);
	} else if (!strcmp(op, "rmrf") && argc == 1) {
		if (remote_rm_rf(r, argv[0], &err) < 0)
			return report(err);
	} else {
		return usage();
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
