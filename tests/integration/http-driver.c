/* A driver for http-fetch.sh and submit.sh, linked against libbm.a:
 *
 *   http-driver fetch URL SHA256 CACHE_DIR [CA_FILE|-] [RETRIES] [BACKOFF]
 *	http_fetch; prints the cached file's path, and on standard error "progress DONE TOTAL"
 *	lines as the callback is called. Exit 0, or 2 with "http-driver: CLASS: MESSAGE"
 *	(CLASS input, system or infra).
 *   http-driver history DB LOG RUN_ID
 *	a history with one run RUN_ID of one job whose KUnit results are the KTAP log LOG (what
 *	`bootmatrix run` would store, without building or booting anything).
 *   http-driver submit ARGS...
 *	cmd_submit, as `bootmatrix submit ARGS...` (for a binary whose table lacks it). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "http.h"
#include "ktap.h"
#include "result.h"
#include "store.h"
#include "util.h"

static int fail(struct bm_err *e)
{
	static const char *const cls[] = { "?", "input", "system", "infra" };

	fprintf(stderr, "http-driver: %s: %s\n", e && e->code >= 1 && e->code <= 3 ? cls[e->code] : "?",
		e ? e->msg : "unknown error");
	bm_err_free(e);
	return 2;
}

static void progress(double done, double total, void *data)
{
	(void)data;
	fprintf(stderr, "progress %.0f %.0f\n", done, total);
}

static int fetch(int argc, char **argv)
{
	struct http_fetch_opts o = {
		.url = argv[2], .sha256 = argv[3], .cache_dir = argv[4],
		.progress = progress,
	};
	_cleanup_free_ char *path = NULL;
	struct bm_err *e = NULL;

	if (argc > 5 && strcmp(argv[5], "-") != 0)
		o.ca_file = argv[5];
	if (argc > 6)
		o.retries = atoi(argv[6]);
	if (argc > 7)
		o.backoff = atof(argv[7]);
	o.timeout = 10;
	if (http_fetch(&o, &path, &e) < 0)
		return fail(e);
	printf("%s\n", path);
	return 0;
}

static int history(char **argv)
{
	_cleanup_(store_freep) struct store *st = NULL;
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	_cleanup_free_ char *log = NULL, *started = now_iso8601();
	struct job_result j = { 0 };
	struct bm_err *e = NULL;
	size_t len = 0;
	int r;

	if (file_read(argv[3], &log, &len, &e) < 0 || store_open(argv[2], &st, &e) < 0)
		return fail(e);
	ktap_parser_feed(p, log, len);
	ktap_parser_finish(p, &j.kunit);
	j.id = xstrdup("x86_64-trixie-6.12.117-rust-kunit");
	j.arch = xstrdup("x86_64");
	j.toolchain = xstrdup("trixie");
	j.kernel = xstrdup("6.12.117");
	j.config = xstrdup("rust-kunit");
	j.build.status = BM_PASS;
	j.build.seconds = 600;
	j.boot.status = BM_PASS;
	j.boot.seconds = 30;
	j.machine = xstrdup("q35 (tcg)");
	r = store_run_insert(st, argv[4], "configs/default.yaml", started, "testhost", &e);
	if (r == 0)
		r = store_job_save(st, argv[4], &j, &e);
	if (r == 0)
		r = store_run_finish(st, argv[4], started, &e);
	job_result_release(&j);
	return r < 0 ? fail(e) : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "fetch") == 0)
		return fetch(argc, argv);
	if (argc == 5 && strcmp(argv[1], "history") == 0)
		return history(argv);
	if (argc >= 2 && strcmp(argv[1], "submit") == 0) {
		static const struct cli_cmd submit = { "submit", cmd_submit, 0, cmd_submit_usage,
						       cmd_submit_help };

		return cmd_submit(&submit, argc - 1, argv + 1);
	}
	fprintf(stderr, "usage: http-driver fetch URL SHA256 CACHE_DIR [CA_FILE|-] [RETRIES] [BACKOFF]\n"
		"       http-driver history DB LOG RUN_ID\n"
		"       http-driver submit ARGS...\n");
	return 2;
}
