/* The report formats in one table: the name --format takes, the file `run` and `merge` write
 * into the run directory, the renderer and one line for --help. publish.c, the commands'
 * --format options and the help text are all generated from it. Pure, like the renderers. */
#define _GNU_SOURCE	/* memrchr */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "report.h"
#include "util.h"

void report_out_check(struct report_out *o)
{
	const char *nl;
	size_t n;

	if (!o->flush || o->buf.len < REPORT_OUT_CHUNK)
		return;
	nl = memrchr(o->buf.buf, '\n', o->buf.len);
	if (!nl)
		return;
	n = (size_t)(nl + 1 - o->buf.buf);
	o->flush(o->ctx, o->buf.buf, n);
	memmove(o->buf.buf, o->buf.buf + n, o->buf.len - n + 1);
	o->buf.len -= n;
}

void report_out_add(struct report_out *o, const char *s, size_t len)
{
	strbuf_add_len(&o->buf, s, len);
	report_out_check(o);
}

void report_out_write(void *o, const char *s, size_t len)
{
	report_out_add(o, s, len);
}

int report_out_take(struct report_out *o, int rc, char **ret)
{
	char *text = strbuf_take(&o->buf);

	if (rc < 0) {
		free(text);
		return -1;
	}
	*ret = text;
	return 0;
}

void report_out_finish(struct report_out *o)
{
	if (!o->flush || !o->buf.len)
		return;
	o->flush(o->ctx, o->buf.buf, o->buf.len);
	strbuf_reset(&o->buf);
}

/* The renderers do not all take the same arguments; these adapt them to one signature. Text and
 * Markdown are as small as the matrix (a column per suite name, at most 50 failures a job), the
 * others as large as the log: they write as they go. */
static int render_text(struct report_out *out, const struct report_run_meta *meta,
		       const struct job_result *jobs, size_t n, const struct compare_item *diff,
		       size_t n_diff, struct bm_err **err)
{
	_cleanup_free_ char *text = report_text_matrix(jobs, n, false);

	(void)meta, (void)diff, (void)n_diff, (void)err;
	report_out_add(out, text, strlen(text));
	return 0;
}

static int render_json(struct report_out *out, const struct report_run_meta *meta,
		       const struct job_result *jobs, size_t n, const struct compare_item *diff,
		       size_t n_diff, struct bm_err **err)
{
	(void)diff, (void)n_diff;
	return report_json_matrix_out(out, meta->run_id, meta->plan, jobs, n, err);
}

static int render_junit(struct report_out *out, const struct report_run_meta *meta,
			const struct job_result *jobs, size_t n, const struct compare_item *diff,
			size_t n_diff, struct bm_err **err)
{
	(void)diff, (void)n_diff;
	return report_junit_out(out, meta->run_id, jobs, n, err);
}

static int render_markdown(struct report_out *out, const struct report_run_meta *meta,
			   const struct job_result *jobs, size_t n,
			   const struct compare_item *diff, size_t n_diff, struct bm_err **err)
{
	_cleanup_free_ char *text = report_markdown(meta->run_id, jobs, n, diff, n_diff);

	(void)err;
	report_out_add(out, text, strlen(text));
	return 0;
}

static int render_kcidb(struct report_out *out, const struct report_run_meta *meta,
			const struct job_result *jobs, size_t n, const struct compare_item *diff,
			size_t n_diff, struct bm_err **err)
{
	(void)diff, (void)n_diff;
	return report_kcidb_out(out, meta, jobs, n, err);
}

const struct report_format report_formats[] = {
	{ "text", "report.txt", "the terminal matrix, without colors", render_text },
	{ "json", "matrix.json", "the run as JSON (docs/json.md)", render_json },
	{ "junit", "report.xml", "JUnit XML for CI systems (GitLab, Jenkins)", render_junit },
	{ "markdown", "report.md", "a CI job summary, with regressions and fixes",
	  render_markdown },
	{ "kcidb", "kcidb.json", "KernelCI's KCIDB v5.3 JSON", render_kcidb },
	{ "html", "report.html", "one static page, with the changes since the last run",
	  report_html_out },
};
const size_t report_n_formats = ARRAY_SIZE(report_formats);

int report_render(const struct report_format *f, const struct report_run_meta *meta,
		  const struct job_result *jobs, size_t n, const struct compare_item *diff,
		  size_t n_diff, char **ret, struct bm_err **err)
{
	struct report_out out = { 0 };

	return report_out_take(&out, f->render(&out, meta, jobs, n, diff, n_diff, err), ret);
}

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
