/* Text reports for the terminal. Every name in them may come from a guest or the history: each
 * is made safe (text.h) before it goes in, so the only escape sequences are our colours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_matrix.h"
#include "text.h"
#include "util.h"

#define COLOR_RESET "\033[0m"
#define COLOR_RED "\033[31m"
#define COLOR_GREEN "\033[32m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_MAGENTA "\033[35m"

static const char *str_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

void report_text_results_suite(const struct test_suite *ts, struct strbuf *out)
{
	const char *name = str_or_dash(ts->name);
	_cleanup_free_ char *clean = NULL;

	/* names come from the log; most are plain, which sanitizing would only copy */
	if (!text_is_plain(name, strlen(name)))
		name = clean = text_sanitize_str(name, 0);
	strbuf_addf(out, "%s: %s (%u pass, %u fail, %u skip, %u crash)\n", name,
		    bm_status_name(ts->status), ts->pass, ts->fail, ts->skip, ts->crash);
}

void report_text_results_totals(const struct test_results *r, struct strbuf *out)
{
	strbuf_addf(out, "Totals: %u passed, %u failed, %u skipped, %u crashed\n", r->pass,
		    r->fail, r->skip, r->crash);
	if (r->note) {
		_cleanup_free_ char *note = text_sanitize_str(r->note, 0);

		strbuf_addf(out, "Note: %s\n", note);
	}
}

char *report_text_results(const struct test_results *r)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < r->n_suites; i++)
		report_text_results_suite(&r->suites[i], &b);
	report_text_results_totals(r, &b);
	return strbuf_take(&b);
}

struct cell {
	char *text;
	const char *color;	/* NULL: none */
};

static const char *status_color(enum bm_status s)
{
	switch (s) {
	case BM_PASS:
		return COLOR_GREEN;
	case BM_FAIL:
	case BM_CRASH:
	case BM_TIMEOUT:
		return COLOR_RED;
	case BM_SKIP:
	case BM_CONFIG:
		return COLOR_YELLOW;
	case BM_INFRA:
		return COLOR_MAGENTA;
	case BM_NONE:
		break;
	}
	return NULL;
}

static struct cell cell_stage(const struct stage *st)
{
	if (st->status == BM_NONE)
		return (struct cell){ xstrdup("-"), NULL };
	return (struct cell){ xstrdup(bm_status_name(st->status)), status_color(st->status) };
}

static void add_cell(struct strbuf *b, const struct cell *c, size_t width, bool last,
		     bool use_color)
{
	if (use_color && c->color)
		strbuf_addf(b, "%s%s%s", c->color, c->text, COLOR_RESET);
	else
		strbuf_add(b, c->text);
	/* Pad outside the escape sequences, so that colors do not break the alignment. */
	if (!last)
		strbuf_add_repeat(b, ' ', width - strlen(c->text) + 2);
}

char *report_text_matrix(const struct job_result *jobs, size_t n, bool use_color)
{
	const size_t n_fixed = REPORT_MATRIX_N_FIXED;
	_cleanup_free_ struct report_matrix_col *cols = NULL;
	_cleanup_free_ struct cell *cells = NULL;
	_cleanup_free_ size_t *width = NULL;
	size_t n_cols = n_fixed + report_matrix_cols(jobs, n, &cols);
	struct strbuf b = { 0 };

	/* Row 0 is the header. */
	cells = xcalloc((n + 1) * n_cols, sizeof(*cells));
	for (size_t c = 0; c < n_cols; c++)
		cells[c].text = c < n_fixed ? xstrdup(report_matrix_fixed[c]) :
			xasprintf("%s%s", report_matrix_col_prefix(&cols[c - n_fixed]),
				  cols[c - n_fixed].name);
	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];
		struct cell *row = &cells[(i + 1) * n_cols];

		char *rustc = report_manifest_version(j->manifest, "rustc");

		row[0] = (struct cell){ xstrdup(str_or_dash(j->arch)), NULL };
		row[1] = (struct cell){ xstrdup(str_or_dash(j->toolchain)), NULL };
		row[2] = (struct cell){ rustc ? rustc : xstrdup("-"), NULL };
		row[3] = (struct cell){ xstrdup(str_or_dash(j->kernel)), NULL };
		row[4] = (struct cell){ xstrdup(str_or_dash(j->config)), NULL };
		row[5] = cell_stage(&j->build);
		row[6] = cell_stage(&j->boot);
		for (size_t c = n_fixed; c < n_cols; c++) {
			struct report_matrix_cell mc;

			report_matrix_cell(j, &cols[c - n_fixed], &mc);
			row[c] = (struct cell){ xstrdup(mc.text), status_color(mc.worst) };
		}
	}

	width = xcalloc(n_cols, sizeof(*width));
	for (size_t r = 0; r <= n; r++)
		for (size_t c = 0; c < n_cols; c++) {
			struct cell *cell = &cells[r * n_cols + c];
			char *clean = text_sanitize_str(cell->text, 0);
			size_t w;

			free(cell->text);
			cell->text = clean;
			w = strlen(clean);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r <= n; r++) {
		for (size_t c = 0; c < n_cols; c++)
			add_cell(&b, &cells[r * n_cols + c], width[c], c == n_cols - 1, use_color);
		strbuf_add(&b, "\n");
	}
	strbuf_add(&b, "Legend: suites passed/total (ks: kselftest targets), F some failed, "
		      "C some crashed, S some skipped; - not run\n");

	for (size_t i = 0; i < (n + 1) * n_cols; i++)
		free(cells[i].text);
	return strbuf_take(&b);
}
