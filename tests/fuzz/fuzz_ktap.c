/* libFuzzer target: the streaming KTAP parser fed arbitrary console bytes in arbitrary chunks,
 * then every report renderer on what it parsed (text, JSON, and a job's matrix, JUnit, Markdown,
 * HTML). Seeds: tests/data/ktap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ktap.h"
#include "report.h"
#include "result.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ktap_parser *p = ktap_parser_new();
	struct job_result j = { 0 };
	struct report_run_meta meta = { .run_id = "fuzz", .plan = "fuzz.yaml" };
	struct bm_err *err = NULL;
	char *out = NULL;
	size_t off = 0, step = 1;

	/* chunk sizes from the data itself, so line splits land everywhere */
	while (off < size) {
		size_t n = step < size - off ? step : size - off;

		ktap_parser_feed(p, (const char *)data + off, n);
		off += n;
		step = step * 7 % 61 + 1;
	}
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
	job_result_release(&j);
	return 0;
}
