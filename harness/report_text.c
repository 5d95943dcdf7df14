/* Text reports for the terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

#define COLOR_RESET "\033[0m"
#define COLOR_RED "\033[31m"
#define COLOR_GREEN "\033[32m"
#define COLOR_YELLOW "\033[33m"
#define COLOR_MAGENTA "\033[35m"

struct sb {
	char *buf;
	size_t len, cap;
};

static void sb_grow(struct sb *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? 2 * b->cap : 256;
	b->buf = xrealloc(b->buf, b->cap);
}

static void sb_add(struct sb *b, const char *s)
{
	size_t n = strlen(s);

	sb_grow(b, n);
	memcpy(b->buf + b->len, s, n + 1);
	b->len += n;
}

static void sb_addf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_addf(struct sb *b, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	sb_add(b, s);
}

static void sb_spaces(struct sb *b, size_t n)
{
	sb_grow(b, n);
	memset(b->buf + b->len, ' ', n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/* The string, never NULL. */
static char *sb_take(struct sb *b)
{
	char *s;

	sb_grow(b, 0);
	s = b->buf;
	memset(b, 0, sizeof(*b));
	return s;
}

static const char *str_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

char *report_text_results(const struct test_results *r)
{
	struct sb b = { 0 };

	for (size_t i = 0; i < r->n_suites; i++) {
		const struct test_suite *ts = &r->suites[i];

		sb_addf(&b, "%s: %s (%u pass, %u fail, %u skip, %u crash)\n", str_or_dash(ts->name),
			bm_status_name(ts->status), ts->pass, ts->fail, ts->skip, ts->crash);
	}
	sb_addf(&b, "Totals: %u passed, %u failed, %u skipped, %u crashed\n", r->pass, r->fail,
		r->skip, r->crash);
	return sb_take(&b);
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

/* "114/114", "3/5 F", "0/2 S": passed/leaves, then a letter for each kind of non-pass. */
static struct cell cell_suite(const struct job_result *j, enum suite_kind kind, const char *name)
{
	const struct test_suite *ts = NULL;
	char flags[4], *f = flags;

	for (size_t i = 0; i < j->kunit.n_suites && !ts; i++) {
		const struct test_suite *t = &j->kunit.suites[i];

		if (t->kind == kind && t->name && strcmp(t->name, name) == 0)
			ts = t;
	}
	if (!ts)
		return (struct cell){ xstrdup("-"), NULL };
	/* The suite's own status counts too: a suite can crash before reporting any leaf. */
	if (ts->fail || ts->status == BM_FAIL)
		*f++ = 'F';
	if (ts->crash || ts->status == BM_CRASH)
		*f++ = 'C';
	if (ts->skip || ts->status == BM_SKIP)
		*f++ = 'S';
	*f = '\0';
	return (struct cell){
		xasprintf("%u/%u%s%s", ts->pass, ts->pass + ts->fail + ts->skip + ts->crash,
			  *flags ? " " : "", flags),
		flags[0] == 'F' || flags[0] == 'C' ? COLOR_RED :
		flags[0] == 'S' ? COLOR_YELLOW : COLOR_GREEN,
	};
}

static void sb_cell(struct sb *b, const struct cell *c, size_t width, bool last, bool use_color)
{
	if (use_color && c->color)
		sb_addf(b, "%s%s%s", c->color, c->text, COLOR_RESET);
	else
		sb_add(b, c->text);
	/* Pad outside the escape sequences, so that colors do not break the alignment. */
	if (!last)
		sb_spaces(b, width - strlen(c->text) + 2);
}

char *report_text_matrix(const struct job_result *jobs, size_t n, bool use_color)
{
	static const char *const fixed[] = { "arch", "toolchain", "kernel", "config", "build",
					     "boot" };
	const size_t n_fixed = ARRAY_SIZE(fixed);
	_cleanup_strv_ char **suites = NULL, **targets = NULL;
	_cleanup_free_ struct cell *cells = NULL;
	_cleanup_free_ size_t *width = NULL;
	size_t n_cols, n_kunit;
	struct sb b = { 0 };

	/* Columns: every KUnit suite of any job, then every kselftest target, each in order of
	 * first appearance. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < jobs[i].kunit.n_suites; k++) {
			const struct test_suite *ts = &jobs[i].kunit.suites[k];
			char ***list = ts->kind == SUITE_KSELFTEST ? &targets : &suites;

			if (ts->name && !strv_contains(*list, ts->name))
				strv_push(list, ts->name);
		}
	n_kunit = strv_length(suites);
	n_cols = n_fixed + n_kunit + strv_length(targets);

	/* Row 0 is the header. */
	cells = xcalloc((n + 1) * n_cols, sizeof(*cells));
	for (size_t c = 0; c < n_cols; c++)
		cells[c].text = c < n_fixed ? xstrdup(fixed[c]) :
			c < n_fixed + n_kunit ? xstrdup(suites[c - n_fixed]) :
			xasprintf("ks:%s", targets[c - n_fixed - n_kunit]);
	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];
		struct cell *row = &cells[(i + 1) * n_cols];

		row[0] = (struct cell){ xstrdup(str_or_dash(j->arch)), NULL };
		row[1] = (struct cell){ xstrdup(str_or_dash(j->toolchain)), NULL };
		row[2] = (struct cell){ xstrdup(str_or_dash(j->kernel)), NULL };
		row[3] = (struct cell){ xstrdup(str_or_dash(j->config)), NULL };
		row[4] = cell_stage(&j->build);
		row[5] = cell_stage(&j->boot);
		for (size_t c = n_fixed; c < n_fixed + n_kunit; c++)
			row[c] = cell_suite(j, SUITE_KUNIT, suites[c - n_fixed]);
		for (size_t c = n_fixed + n_kunit; c < n_cols; c++)
			row[c] = cell_suite(j, SUITE_KSELFTEST, targets[c - n_fixed - n_kunit]);
	}

	width = xcalloc(n_cols, sizeof(*width));
	for (size_t r = 0; r <= n; r++)
		for (size_t c = 0; c < n_cols; c++) {
			size_t w = strlen(cells[r * n_cols + c].text);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r <= n; r++) {
		for (size_t c = 0; c < n_cols; c++)
			sb_cell(&b, &cells[r * n_cols + c], width[c], c == n_cols - 1, use_color);
		sb_add(&b, "\n");
	}
	sb_add(&b, "Legend: suites passed/total (ks: kselftest targets), F some failed, "
		   "C some crashed, S some skipped; - not run\n");

	for (size_t i = 0; i < (n + 1) * n_cols; i++)
		free(cells[i].text);
	return sb_take(&b);
}
