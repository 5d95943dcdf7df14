/* bootmatrix parse: a console log's KTAP/TAP output (KUnit, kselftest) parsed by ktap.c and
 * printed as totals, as JSON, or as a one-job run in any report format. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "ktap.h"
#include "report.h"
#include "spool.h"
#include "util.h"

const char cmd_parse_usage[] = "[--json | --format F] FILE|-";
const char cmd_parse_help[] =
	"Parse a console log holding KTAP / TAP output (KUnit, kselftest) and print the totals\n"
	"per suite; --json prints one object (see docs/json.md); --format renders the log as a\n"
	"one-job run in report format F.\n\n"
	"@FORMATS@\n\n"
	"Exit: 0 nothing failed, 1 a test failed or crashed, 2 the file could not be read.\n";

/* Every output is streamed, so memory does not grow with the log:
 *  - the default and --json: each suite rendered as the parser finishes it and written out by
 *    the chunk. --json's totals come first in the document, so its suites are written to an
 *    unlinked temporary file and copied after the head once the totals are known.
 *  - --format: the suites go to a spool (spool.h) and the first of each name, without its
 *    cases, into the results (what the matrix shows); the format then renders the one-job run,
 *    reading the suites back from the spool, and writes as it renders. */
struct parse_out {
	FILE *to;		/* stdout, or --json's temporary file */
	bool tty;		/* stdout is a terminal */
	bool failed;		/* writing the temporary file failed */
};

/* report_out's flush: a terminal gets the text made safe (cli_write_report): names come from
 * the log. A chunk ends at a line break, never inside a character. */
static void parse_flush(void *ctx, const char *s, size_t len)
{
	struct parse_out *po = ctx;

	if (po->to == stdout && po->tty) {
		_cleanup_free_ char *text = xstrndup(s, len);

		cli_write_report(stdout, text);
	} else if (fwrite(s, 1, len, po->to) != len && po->to != stdout) {
		po->failed = true;	/* stdout gone away: as fwrite would, say nothing */
	}
}

struct parse_sink {
	struct report_out *out;
	bool json;
	struct spool *spool;	/* --format */
	size_t n_suites;
	struct bm_err *err;	/* the first failure; rendering stops there */
};

static void sink_suite(void *ctx, struct test_suite *s)
{
	struct parse_sink *st = ctx;

	if (st->spool) {
		spool_add(st->spool, s);
	} else if (!st->err) {
		if (st->json)
			report_json_results_suite(s, st->n_suites == 0, &st->out->buf, &st->err);
		else
			report_text_results_suite(s, &st->out->buf);
		report_out_check(st->out);
	}
	st->n_suites++;
	test_suite_release(s);
}

/* --json's temporary file to stdout: in the kernel (sendfile) where it can, else through out
 * (to a terminal: made safe, line by line). */
static int json_tmp_copy(FILE *tmp, struct report_out *out, struct bm_err **err)
{
	struct parse_out *po = out->ctx;
	char buf[65536];
	off_t off = 0;
	size_t n;

	if (fflush(tmp) != 0 || fflush(stdout) != 0)
		return bm_err_errno(err, errno, "%s", "writing the temporary file");
	while (!po->tty) {
		ssize_t w = sendfile(STDOUT_FILENO, fileno(tmp), &off, 1 << 30);

		if (w > 0)
			continue;
		if (w == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EINVAL && errno != ENOSYS)
			return 0;	/* stdout went away: as fwrite would, say nothing */
		break;
	}
	if (fseeko(tmp, off, SEEK_SET) != 0)
		return bm_err_errno(err, errno, "%s", "reading the temporary file back");
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		report_out_add(out, buf, n);
	if (ferror(tmp))
		return bm_err_set(err, BM_ERR_SYSTEM, "%s", "reading the temporary file back");
	return 0;
}

#define PARSE_CHUNK (128 * 1024)

/* Feed the whole of fd to p. */
static int parse_read(struct ktap_parser *p, int fd, const char *name, struct bm_err **err)
{
	_cleanup_free_ char *buf = xmalloc(PARSE_CHUNK);

	for (;;) {
		ssize_t n = read(fd, buf, PARSE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bm_err_errno(err, errno, "reading '%s'", name);
		if (n == 0)
			return 0;
		ktap_parser_feed(p, buf, (size_t)n);
	}
}

/* --format F: the log as a one-job run, so people who boot kernels some other way get the same
 * JUnit, KCIDB or HTML. res: the parser's results, its suites in st's spool. */
static int parse_render(const struct report_format *format, const char *file,
			struct parse_sink *st, struct test_results *res, struct bm_err **err)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct job_result job = { .id = (char *)base, .arch = (char *)"unknown",
				  .toolchain = (char *)"unknown", .kernel = (char *)"unknown",
				  .config = (char *)"unknown", .build = { .status = BM_PASS },
				  .boot = { .status = BM_PASS } };
	struct report_run_meta meta = { .run_id = base };

	spool_results(st->spool, res);
	job.kunit = *res;
	if (format->render(st->out, &meta, &job, 1, NULL, 0, err) < 0)
		return -1;
	report_out_finish(st->out);
	return spool_error(st->spool, err);
}

int cmd_parse(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'J' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct report_format *format = NULL;
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = NULL;
	_cleanup_(spool_freep) struct spool *spool = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_fclose_ FILE *json_tmp = NULL;
	struct parse_out po = { .to = stdout, .tty = isatty(STDOUT_FILENO) };
	struct report_out out = { .flush = parse_flush, .ctx = &po };
	struct parse_sink st = { .out = &out };
	struct test_results res = { 0 };
	struct bm_err *e = NULL;
	bool json = false;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "hf:", longopts, &ex)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return ex;
		if (opt == 'J')
			json = true;
		else if (opt == 'f' && report_format_find(optarg, &format, &e) < 0)
			return cli_fail(cmd, e);
	}
	if (optind != argc - 1)
		return cli_usage(cmd, "%s", "expects exactly one FILE (or - for standard input)");
	if (strcmp(argv[optind], "-") != 0) {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			bm_err_errno(&e, errno, "cannot open '%s'", argv[optind]);
			return cli_fail(cmd, e);
		}
	}
	if (format) {
		if (spool_new(&spool, &e) < 0)
			return cli_fail(cmd, e);
		st.spool = spool;
	} else if (json) {
		json_tmp = tmpfile();
		if (!json_tmp) {
			bm_err_errno(&e, errno, "%s", "cannot create a temporary file");
			return cli_fail(cmd, e);
		}
		po.to = json_tmp;
		st.json = true;
	}
	p = ktap_parser_new();
	ktap_parser_set_sink(p, sink_suite, &st);
	if (parse_read(p, fd >= 0 ? fd : STDIN_FILENO, fd >= 0 ? argv[optind] : "-", &e) < 0)
		goto fail;
	ktap_parser_finish(p, &res);
	if (st.err) {
		e = st.err;
		st.err = NULL;
		goto fail;
	}
	if (format) {
		if (parse_render(format, argv[optind], &st, &res, &e) < 0)
			goto fail;
	} else if (json) {
		report_out_finish(&out);
		if (po.failed) {
			bm_err_set(&e, BM_ERR_SYSTEM, "%s", "writing the temporary file");
			goto fail;
		}
		po.to = stdout;
		report_json_results_head(&res, &out.buf);
		report_out_finish(&out);
		if (json_tmp_copy(json_tmp, &out, &e) < 0)
			goto fail;
		if (report_json_results_tail(&res, st.n_suites > 0, &out.buf, &e) < 0)
			goto fail;
		report_out_finish(&out);
	} else {
		report_text_results_totals(&res, &out.buf);
		report_out_finish(&out);
	}
	ex = res.fail || res.crash ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	goto out;
fail:
	ex = cli_fail(cmd, e);
out:
	test_results_release(&res);
	free(strbuf_take(&out.buf));
	bm_err_free(st.err);
	return ex;
}
