/* libFuzzer target: the streaming KTAP parser fed arbitrary console bytes in arbitrary chunks,
 * then every report renderer on what it parsed (text, JSON, and a job's matrix, JUnit, Markdown,
 * HTML), and every format of the table once more from a spool (as parse --format renders), which
 * must give the same text. Seeds: tests/data/ktap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ktap.h"
#include "report.h"
#include "result.h"
#include "spool.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* chunk sizes from the data itself, so line splits land everywhere */
static void feed(struct ktap_parser *p, const uint8_t *data, size_t size)
{
	size_t off = 0, step = 1;

	while (off < size) {
		size_t n = step < size - off ? step : size - off;

		ktap_parser_feed(p, (const char *)data + off, n);
		off += n;
		step = step * 7 % 61 + 1;
	}
}

static void sink_to_spool(void *ctx, struct test_suite *s)
{
	spool_add(ctx, s);
	test_suite_release(s);
}

/* j's suites again through a spool: every format the same. */
static void check_spooled(const uint8_t *data, size_t size, const struct job_result *j,
			  const struct report_run_meta *meta)
{
	struct ktap_parser *p = ktap_parser_new();
	struct job_result sj = *j;
	struct spool *sp = NULL;
	struct bm_err *err = NULL;

	if (spool_new(&sp, &err) < 0) {
		bm_err_freep(&err);
		ktap_parser_free(p);
		return;
	}
	ktap_parser_set_sink(p, sink_to_spool, sp);
	feed(p, data, size);
	ktap_parser_finish(p, &sj.kunit);
	ktap_parser_free(p);
	spool_results(sp, &sj.kunit);
	for (size_t i = 0; i < report_n_formats; i++) {
		char *want = NULL, *got = NULL;

		if (report_render(&report_formats[i], meta, j, 1, NULL, 0, &want, &err) == 0 &&
		    report_render(&report_formats[i], meta, &sj, 1, NULL, 0, &got, &err) == 0 &&
		    strcmp(want, got) != 0)
			abort();	/* the spool changed a report */
		bm_err_freep(&err);
		free(want);
		free(got);
	}
	if (spool_error(sp, &err) < 0)
		abort();
	test_results_release(&sj.kunit);
	spool_free(sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ktap_parser *p = ktap_parser_new();
	struct job_result j = { 0 };
	struct report_run_meta meta = { .run_id = "fuzz", .plan = "fuzz.yaml" };
	struct bm_err *err = NULL;
	char *out = NULL;

	feed(p, data, size);
	ktap_parser_finish(p, &j.kunit);
	ktap_parser_free(p);

	free(report_text_results(&j.kunit));
	if (report_json_results(&j.kunit, &out, &err) == 0)
		free(out);
	bm_err_freep(&err);
	j.id = xstrdup("fuzz-job");
	j.arch = xstrdup("x86_64");
	j.build.status = BM_PASS;
	j.boot.status = BM_PASS;
	free(report_text_matrix(&j, 1, false));
	free(report_text_rust(&j, 1));
	if (report_junit("fuzz", &j, 1, &out, &err) == 0)
		free(out);
	bm_err_freep(&err);
	free(report_markdown("fuzz", &j, 1, NULL, 0));
	if (report_html(&meta, &j, 1, NULL, 0, &out, &err) == 0)
		free(out);
	bm_err_freep(&err);
	if (report_json_matrix("fuzz", "fuzz.yaml", &j, 1, &out, &err) == 0)
		free(out);
	bm_err_freep(&err);
	check_spooled(data, size, &j, &meta);
	job_result_release(&j);
	return 0;
}
