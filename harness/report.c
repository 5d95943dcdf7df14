/* The report formats in one table: the name --format takes, the file `run` and `merge` write
 * into the run directory, the renderer and one line for --help. publish.c, the commands'
 * --format options and the help text are all generated from it. Pure, like the renderers. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "report.h"
#include "util.h"

/* The renderers do not all take the same arguments; these adapt them to one signature. */
static int render_text(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		       const struct compare_item *diff, size_t n_diff, char **ret, struct bm_err **err)
{
	(void)meta, (void)diff, (void)n_diff, (void)err;
	*ret = report_text_matrix(jobs, n, false);
	return 0;
}

static int render_json(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		       const struct compare_item *diff, size_t n_diff, char **ret, struct bm_err **err)
{
	(void)diff, (void)n_diff;
	return report_json_matrix(meta->run_id, meta->plan, jobs, n, ret, err);
}

static int render_junit(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
			const struct compare_item *diff, size_t n_diff, char **ret, struct bm_err **err)
{
	(void)diff, (void)n_diff;
	return report_junit(meta->run_id, jobs, n, ret, err);
}

static int render_markdown(const struct report_run_meta *meta, const struct job_result *jobs,
			   size_t n, const struct compare_item *diff, size_t n_diff, char **ret,
			   struct bm_err **err)
{
	(void)err;
	*ret = report_markdown(meta->run_id, jobs, n, diff, n_diff);
	return 0;
}

static int render_kcidb(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
			const struct compare_item *diff, size_t n_diff, char **ret, struct bm_err **err)
{
	(void)diff, (void)n_diff;
	return report_kcidb(meta, jobs, n, ret, err);
}

const struct report_format report_formats[] = {
	{ "text", "report.txt", "the terminal matrix, without colors", render_text },
	{ "json", "matrix.json", "the run as JSON (docs/json.md)", render_json },
	{ "junit", "report.xml", "JUnit XML for CI systems (GitLab, Jenkins)", render_junit },
	{ "markdown", "report.md", "a CI job summary, with regressions and fixes",
	  render_markdown },
	{ "kcidb", "kcidb.json", "KernelCI's KCIDB v5.3 JSON", render_kcidb },
	{ "html", "report.html", "one static page, with the changes since the last run",
	  report_html },
};
const size_t report_n_formats = ARRAY_SIZE(report_formats);

char *report_format_names(void)
{
	char **names = NULL;
	char *s;

	for (size_t i = 0; i < report_n_formats; i++)
		strv_push(&names, report_formats[i].name);
	s = strv_join(names, ", ");
	strv_free(names);
	return s;
}

int report_format_find(const char *name, const struct report_format **ret, struct bm_err **err)
{
	_cleanup_free_ char *known = NULL;

	for (size_t i = 0; i < report_n_formats; i++) {
		if (strcmp(report_formats[i].name, name) == 0) {
			*ret = &report_formats[i];
			return 0;
		}
	}
	known = report_format_names();
	return bm_err_set(err, BM_ERR_INPUT, "unknown format '%s' (known: %s)", name, known);
}
