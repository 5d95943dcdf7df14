/* bootmatrix submit: a run of the history rendered as KCIDB v5.3 (or matrix.json for a webhook)
 * and POSTed to a results service. Command layer: prints. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "http.h"
#include "publish.h"
#include "report.h"
#include "store.h"
#include "uri.h"
#include "util.h"

const char cmd_submit_usage[] =
	"[--results DIR] (--kcidb URL | --webhook URL) [--token-file F] [--ca-file F] "
	"[--origin O] [RUN]";
const char cmd_submit_help[] =
	"Send a run of the history (default: the newest) to a results service in one HTTP POST:\n"
	"as KCIDB v5.3 JSON to a KCIDB submission URL, or as matrix.json (docs/json.md) to a\n"
	"webhook. 5xx answers and network errors are retried (4 times, after 1, 2, 4, 8 s).\n"
	"The bearer token comes from $BOOTMATRIX_TOKEN or --token-file, never from the command\n"
	"line (see docs/http.md).\n\n"
	"  -r, --results DIR     where history.sqlite is (default: results)\n"
	"  -k, --kcidb URL       POST the run as KCIDB v5.3 JSON\n"
	"  -w, --webhook URL     POST the run as matrix.json\n"
	"  -t, --token-file F    send \"Authorization: Bearer\" with the token in F\n"
	"  -c, --ca-file F       trust the CA certificates in F (PEM) instead of the system's\n"
	"  -o, --origin O        the KCIDB origin, [a-z0-9_]+ (default: bootmatrix)\n\n"
	"Exit: 0 the server accepted the run (2xx), 2 it did not or the harness failed.\n";

/* The token, from --token-file or $BOOTMATRIX_TOKEN; NULL when neither is there. */
static int read_token(const char *file, char **ret, struct bm_err **err)
{
	const char *env = getenv("BOOTMATRIX_TOKEN");
	char *buf = NULL;
	size_t len = 0;

	if (file) {
		if (file_read(file, &buf, &len, err) < 0)
			return bm_err_prefix(err, "%s", "reading the token");
		str_strip(buf);
		if (!*buf) {
			free(buf);
			return bm_err_set(err, BM_ERR_INPUT, "the token file '%s' is empty", file);
		}
		*ret = buf;
		return 0;
	}
	*ret = env && *env ? xstrdup(env) : NULL;
	return 0;
}

static void token_freep(char **t)
{
	if (*t)
		explicit_bzero(*t, strlen(*t));
	free(*t);
}

static bool origin_ok(const char *o)
{
	return *o && strspn(o, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(o);
}

/* A token should not cross the network in the clear; loopback is fine (tests, tunnels). */
static bool plain_http_remote(const char *url)
{
	struct uri u;
	bool remote;

	if (uri_parse(url, &u, NULL) < 0)
		return strncasecmp(url, "http://", 7) == 0;
	remote = !strcasecmp(u.scheme, "http") && !uri_host_is_loopback(&u);
	uri_release(&u);
	return remote;
}

static int submit(const char *results, const char *run_arg, const char *format,
		  const struct http_post_opts *post, const char *origin, struct bm_err **err)
{
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_free_ char *run = NULL, *body = NULL, *response = NULL;
	struct published_run p = { 0 };
	struct report_run_meta meta;
	const struct report_format *f;
	long status = 0;
	int r;

	if (store_open_history(results, &st, err) < 0)
		return -1;
	if (run_arg)
		run = xstrdup(run_arg);
	else if (store_newest_run(st, &run, err) < 0)
		return -1;
	if (!run)
		return bm_err_set(err, BM_ERR_INPUT, "%s", "the history has no runs");
	if (publish_load(st, run, &p, err) < 0)
		return -1;
	meta = publish_meta(&p);
	meta.origin = origin;
	r = report_format_find(format, &f, err);
	if (r == 0)
		r = report_render(f, &meta, p.jobs, p.n_jobs, p.diff, p.n_diff, &body, err);
	if (r == 0 && http_post_json(post, body, &status, &response, err) < 0)
		r = bm_err_prefix(err, "submitting run '%s'", run);
	if (r == 0)
		printf("submitted run %s (%zu job%s, %s) to %s: HTTP %ld\n", run, p.n_jobs,
		       p.n_jobs == 1 ? "" : "s", format, post->url, status);
	published_run_release(&p);
	return r;
}

int cmd_submit(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "results", required_argument, NULL, 'r' },
		{ "kcidb", required_argument, NULL, 'k' },
		{ "webhook", required_argument, NULL, 'w' },
		{ "token-file", required_argument, NULL, 't' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "origin", required_argument, NULL, 'o' },
		{ "token", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(token_freep) char *token = NULL;
	const char *results = NULL, *kcidb = NULL, *webhook = NULL, *token_file = NULL;
	const char *ca_file = NULL, *origin = NULL;
	struct http_post_opts post = { 0 };
	struct bm_err *e = NULL;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "hr:k:w:t:c:o:", longopts, &ex)) != -1) {
		switch (opt) {
		case CLI_OPT_EXIT:
			return ex;
		case 'r':
			results = optarg;
			break;
		case 'k':
			kcidb = optarg;
			break;
		case 'w':
			webhook = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'c':
			ca_file = optarg;
			break;
		case 'o':
			origin = optarg;
			break;
		case 'T':
			/* Never echo it: it is the one thing this refusal is about. */
			return cli_usage(cmd, "%s", "takes no token on the command line (other users "
					 "see it in ps): use BOOTMATRIX_TOKEN or --token-file");
		}
	}
	if (!kcidb == !webhook)
		return cli_usage(cmd, "%s", "needs exactly one of --kcidb URL and --webhook URL");
	if (argc - optind > 1)
		return cli_usage(cmd, "%s", "takes at most one RUN");
	if (origin && !origin_ok(origin))
		return cli_usage(cmd, "origin '%s' is not [a-z0-9_]+", origin);
	if (read_token(token_file, &token, &e) < 0)
		return cli_fail(cmd, e);
	post.url = kcidb ? kcidb : webhook;
	post.token = token;
	post.ca_file = ca_file;
	if (token && plain_http_remote(post.url))
		cli_warn("the token goes to '%s' unencrypted (http://)", post.url);
	if (submit(results, argc - optind == 1 ? argv[optind] : NULL, kcidb ? "kcidb" : "json", &post,
		   origin, &e) < 0)
		return cli_fail(cmd, e);
	return 0;
}
