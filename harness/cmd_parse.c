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
#include "util.h"

const char cmd_parse_usage[] = "[--json | --format F] FILE|-";
const char cmd_parse_help[] =
	"Parse a console log holding KTAP / TAP output (KUnit, kselftest) and print the totals\n"
	"per suite; --json prints one object (see docs/json.md); --format renders the log as a\n"
	"one-job run in report format F.\n\n"
	"@FORMATS@\n\n"
	"Exit: 0 nothing failed, 1 a test failed or crashed, 2 the file could not be read.\n";

/* Streamed output (the default and --json): each suite rendered as the parser finishes it and
 * written out by the chunk, so memory does not grow with the log. --json's totals come first in
 * the document, so its suites are spooled to an unlinked temporary file and copied after the
 * head once the totals are known. */
struct parse_stream {
	bool json;
	FILE *to;		/* stdout, or the spool */
	struct strbuf buf;
	size_t n_suites;
	bool write_failed;
	struct bm_err *err;	/* the first failure; rendering stops there */
};

#define PARSE_CHUNK (128 * 1024)

static void stream_flush(struct parse_stream *st)
{
	/* a terminal gets the text made safe (cli_write_report): names come from the log */
	if (st->buf.len && st->to == stdout && isatty(STDOUT_FILENO))
		cli_write_report(stdout, st->buf.buf);
	else if (st->buf.len && fwrite(st->buf.buf, 1, st->buf.len, st->to) != st->buf.len)
		st->write_failed = true;
	strbuf_reset(&st->buf);
}

static void stream_suite(void *ctx, struct test_suite *s)
{
	struct parse_stream *st = ctx;

	if (!st->err) {
		if (st->json)
			report_json_results_suite(s, st->n_suites == 0, &st->buf, &st->err);
		else
			report_text_results_suite(s, &st->buf);
	}
	st->n_suites++;
	test_suite_release(s);
	if (st->buf.len >= PARSE_CHUNK)
		stream_flush(st);
}

/* The spool's contents to stdout: in the kernel (sendfile) where it can, else through a buffer. */
static int spool_copy(FILE *spool, struct bm_err **err)
{
	char buf[65536];
	off_t off = 0;
	size_t n;

	if (fflush(spool) != 0 || fflush(stdout) != 0)
		return bm_err_errno(err, errno, "%s", "writing the temporary file");
	for (;;) {
		if (isatty(STDOUT_FILENO))
			break;	/* below, made safe for the terminal */
		ssize_t w = sendfile(STDOUT_FILENO, fileno(spool), &off, 1 << 30);

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
	if (fseeko(spool, off, SEEK_SET) != 0)
		return bm_err_errno(err, errno, "%s", "reading the temporary file back");
	while ((n = fread(buf, 1, sizeof(buf) - 1, spool)) > 0) {
		buf[n] = '\0';
		cli_write_report(stdout, buf);
	}
	if (ferror(spool))
		return bm_err_set(err, BM_ERR_SYSTEM, "%s", "reading the temporary file back");
	return 0;
}

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
	_cleanup_close_ int fd = -1;
	_cleanup_fclose_ FILE *spool = NULL;
	_cleanup_free_ char *out = NULL;
	struct parse_stream st = { .to = stdout };
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
	p = ktap_parser_new();
	if (!format) {
		st.json = json;
		if (json) {
			spool = tmpfile();
			if (!spool) {
				bm_err_errno(&e, errno, "%s", "cannot create a temporary file");
				return cli_fail(cmd, e);
			}
			st.to = spool;
		}
		ktap_parser_set_sink(p, stream_suite, &st);
	}
	if (parse_read(p, fd >= 0 ? fd : STDIN_FILENO, fd >= 0 ? argv[optind] : "-", &e) < 0)
		goto fail;
	ktap_parser_finish(p, &res);
	if (format) {
		/* One log as a one-job run, so people who boot kernels some other way get the
		 * same JUnit, KCIDB or HTML. */
		const char *base = strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind];
		struct job_result job = { .id = (char *)base, .arch = (char *)"unknown",
					  .toolchain = (char *)"unknown", .kernel = (char *)"unknown",
					  .config = (char *)"unknown", .build = { .status = BM_PASS },
					  .boot = { .status = BM_PASS }, .kunit = res };
		struct report_run_meta meta = { .run_id = base };

		if (report_render(format, &meta, &job, 1, NULL, 0, &out, &e) < 0)
			goto fail;
		cli_write_report(stdout, out);
	} else {
		if (st.err) {
			e = st.err;
			st.err = NULL;
			goto fail;
		}
		if (json) {
			stream_flush(&st);
			if (st.write_failed) {
				bm_err_set(&e, BM_ERR_SYSTEM, "%s", "writing the temporary file");
				goto fail;
			}
			st.to = stdout;
			report_json_results_head(&res, &st.buf);
			stream_flush(&st);
			if (spool_copy(spool, &e) < 0)
				goto fail;
			if (report_json_results_tail(&res, st.n_suites > 0, &st.buf, &e) < 0)
				goto fail;
		} else {
			report_text_results_totals(&res, &st.buf);
		}
		stream_flush(&st);
	}
	ex = res.fail || res.crash ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	test_results_release(&res);
	free(strbuf_take(&st.buf));
	return ex;
fail:
	test_results_release(&res);
	free(strbuf_take(&st.buf));
	bm_err_free(st.err);
	return cli_fail(cmd, e);
}
