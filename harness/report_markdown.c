/* A CI job summary in GitHub-flavoured Markdown (docs/reports.md).
 *
 * Strings that come from guests or toolchains (suite and case names, details) are written as
 * code spans, which show any character literally; our own words are plain text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "report.h"
#include "report_matrix.h"
#include "report_rust.h"
#include "util.h"
#include "text.h"

/* At most this many failing cases are listed per job; a summary has a size limit (GitHub: 1 MiB). */
#define MAX_LISTED 50

/* Plain text of ours (arch, toolchain, ... from the plan): Markdown's punctuation
 * backslash-escaped, line breaks as spaces. */
static void md_text(struct strbuf *b, const char *s)
{
	_cleanup_free_ char *clean = text_sanitize_str(s && *s ? s : "-", TEXT_MULTILINE);

	for (const char *p = clean; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			strbuf_add(b, " ");
			continue;
		}
		/* An underscore between two alphanumerics never delimits emphasis ("x86_64"). */
		if (strchr("\\`*[]<>|~&", *p) ||
		    (*p == '_' && !(p > clean && isalnum((unsigned char)p[-1]) &&
				    isalnum((unsigned char)p[1]))))
			strbuf_add(b, "\\");
		strbuf_add_len(b, p, 1);
	}
}

/* A code span showing s literally: the fence is one backtick longer than the longest run of
 * backticks inside, line breaks become spaces, and in a table cell '|' is escaped (GFM splits
 * cells before it parses code spans). NULL or empty: "-". */
static void md_code(struct strbuf *b, const char *s, bool in_table)
{
	_cleanup_free_ char *clean = NULL;
	size_t run = 0, longest = 0, len;
	bool pad;

	if (!s || !*s) {
		strbuf_add(b, "-");
		return;
	}
	clean = text_sanitize_str(s, TEXT_MULTILINE);
	for (char *p = clean; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	len = strlen(clean);
	/* CommonMark strips one space from each end when both are there, and a backtick at an
	 * end would merge with the fence. */
	pad = clean[0] == '`' || clean[len - 1] == '`' || (clean[0] == ' ' && clean[len - 1] == ' ');
	strbuf_add_repeat(b, '`', longest + 1);
	if (pad)
		strbuf_add(b, " ");
	for (const char *p = clean; *p; p++) {
		if (*p == '|' && in_table)
			strbuf_add(b, "\\");
		strbuf_add_len(b, p, 1);
	}
	if (pad)
		strbuf_add(b, " ");
	strbuf_add_repeat(b, '`', longest + 1);
}

static const char *status_icon(enum bm_status s)
{
	switch (s) {
	case BM_PASS:
		return "✅";
	case BM_FAIL:
		return "❌";
	case BM_CRASH:
		return "💥";
	case BM_TIMEOUT:
		return "⏱️";
	case BM_INFRA:
		return "🔧";
	case BM_CONFIG:
		return "⚙️";
	case BM_SKIP:
		return "⏭️";
	case BM_NONE:
		break;
	}
	return "";
}

static void md_status(struct strbuf *b, enum bm_status s)
{
	if (s == BM_NONE)
		strbuf_add(b, "-");
	else
		strbuf_addf(b, "%s %s", status_icon(s), bm_status_name(s));
}

/* As in the text matrix, after an icon for the worst: "✅ 114/114", "❌ 3/5 F", "⚠️ 0/2 S". */
static void md_suite_cell(struct strbuf *b, const struct job_result *j,
			  const struct report_matrix_col *col)
{
	struct report_matrix_cell cell;

	report_matrix_cell(j, col, &cell);
	if (!cell.suite)
		strbuf_add(b, "-");
	else
		strbuf_addf(b, "%s %s", cell.worst == BM_SKIP ? "⚠️" : status_icon(cell.worst),
			    cell.text);
}

/* "1 pass, 2 fail" over the given statuses, in enum order, leaving out zeros. */
static void md_status_counts(struct strbuf *b, const unsigned count[], size_t n_status)
{
	bool first = true;

	for (size_t s = 0; s < n_status; s++) {
		if (!count[s])
			continue;
		strbuf_addf(b, "%s%u %s", first ? "" : ", ", count[s],
			    bm_status_name((enum bm_status)s));
		first = false;
	}
}

static void md_title(struct strbuf *b, const char *run_id, const struct job_result *jobs,
		     size_t n)
{
	struct report_totals t;

	report_matrix_totals(jobs, n, &t);
	strbuf_add(b, "## bootmatrix ");
	md_text(b, run_id);
	strbuf_addf(b, ": %u of %zu job%s passed", t.by_status[BM_PASS], n, n == 1 ? "" : "s");
	if (n > t.by_status[BM_PASS]) {
		unsigned rest[ARRAY_SIZE(t.by_status)];

		memcpy(rest, t.by_status, sizeof(rest));
		rest[BM_PASS] = 0;
		strbuf_add(b, " (");
		md_status_counts(b, rest, ARRAY_SIZE(rest));
		strbuf_add(b, ")");
	}
	strbuf_addf(b, "\n\nTest cases: %u passed, %u failed, %u crashed, %u skipped.\n", t.pass,
		    t.fail, t.crash, t.skip);
}

static void md_matrix(struct strbuf *b, const struct job_result *jobs, size_t n)
{
	_cleanup_free_ struct report_matrix_col *cols = NULL;
	size_t n_cols;

	if (n == 0) {
		strbuf_add(b, "\nNo jobs.\n");
		return;
	}
	n_cols = report_matrix_cols(jobs, n, &cols);
	strbuf_add(b, "\n|");
	for (size_t c = 0; c < REPORT_MATRIX_N_FIXED; c++)
		strbuf_addf(b, " %s |", report_matrix_fixed[c]);
	for (size_t c = 0; c < n_cols; c++) {
		strbuf_addf(b, " %s", report_matrix_col_prefix(&cols[c]));
		md_code(b, cols[c].name, true);
		strbuf_add(b, " |");
	}
	strbuf_add(b, "\n|");
	for (size_t c = 0; c < REPORT_MATRIX_N_FIXED + n_cols; c++)
		strbuf_add(b, "---|");
	strbuf_add(b, "\n");
	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];
		_cleanup_free_ char *rustc = report_manifest_version(j->manifest, "rustc");
		const char *fixed[] = { j->arch, j->toolchain, rustc, j->kernel, j->config };

		strbuf_add(b, "|");
		for (size_t c = 0; c < ARRAY_SIZE(fixed); c++) {
			strbuf_add(b, " ");
			md_text(b, fixed[c]);
			strbuf_add(b, " |");
		}
		strbuf_add(b, " ");
		md_status(b, j->build.status);
		strbuf_add(b, " | ");
		md_status(b, j->boot.status);
		strbuf_add(b, " |");
		for (size_t c = 0; c < n_cols; c++) {
			strbuf_add(b, " ");
			md_suite_cell(b, j, &cols[c]);
			strbuf_add(b, " |");
		}
		strbuf_add(b, "\n");
	}
	strbuf_add(b, "\nSuites: passed/total (ks: kselftest targets); F some failed, "
		      "C some crashed, S some skipped; - not run.\n");
}

/* "`job` kselftest `timers` › `nsleep-lat.#2`: pass → timeout" */
static void md_diff_item(struct strbuf *b, const struct compare_item *it)
{
	bool stage = it->suite && (strcmp(it->suite, "build") == 0 || strcmp(it->suite, "boot") == 0) &&
		     it->name && strcmp(it->name, it->suite) == 0;

	strbuf_add(b, "- ");
	md_code(b, it->job, false);
	if (stage) {
		strbuf_addf(b, " %s", it->suite);
	} else {
		strbuf_add(b, it->suite_kind == SUITE_KSELFTEST ? " kselftest " : " ");
		md_code(b, it->suite, false);
		strbuf_add(b, " › ");
		md_code(b, it->name, false);
	}
	strbuf_addf(b, ": %s → %s", bm_status_name(it->before), bm_status_name(it->after));
	if (it->flaky)
		strbuf_add(b, " (flaky)");
	strbuf_add(b, "\n");
}

static void md_diff(struct strbuf *b, const struct compare_item *diff, size_t n_diff)
{
	static const struct {
		enum compare_kind kind;
		const char *title;
	} sections[] = {
		{ CMP_REGRESSION, "Regressions" },
		{ CMP_FIX, "Fixes" },
	};
	size_t n_new = 0, n_vanished = 0;

	if (!diff)
		return;
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
		size_t count = 0;

		for (size_t i = 0; i < n_diff; i++)
			count += diff[i].kind == sections[s].kind;
		strbuf_addf(b, "\n### %s (%zu)\n\n", sections[s].title, count);
		if (!count)
			strbuf_add(b, "None.\n");
		for (size_t i = 0; i < n_diff; i++)
			if (diff[i].kind == sections[s].kind)
				md_diff_item(b, &diff[i]);
	}
	for (size_t i = 0; i < n_diff; i++) {
		n_new += diff[i].kind == CMP_NEW;
		n_vanished += diff[i].kind == CMP_VANISHED;
	}
	if (n_new || n_vanished)
		strbuf_addf(b, "\nAlso %zu new and %zu vanished result%s since the previous run.\n",
			n_new, n_vanished, n_new + n_vanished == 1 ? "" : "s");
}

static bool is_failure(enum bm_status s)
{
	return s != BM_PASS && s != BM_SKIP && s != BM_NONE;
}

static void md_failure(struct strbuf *b, const char *what_kind, const char *suite,
		       const char *name, enum bm_status s, const char *detail)
{
	/* Without a suite, name is a stage of ours ("build", "boot"); guest names go in code. */
	strbuf_add(b, "- ");
	if (suite) {
		strbuf_add(b, what_kind);
		md_code(b, suite, false);
		strbuf_add(b, " › ");
		md_code(b, name ? name : "?", false);
	} else {
		strbuf_add(b, name ? name : "?");
	}
	strbuf_add(b, ": ");
	md_status(b, s);
	if (detail && *detail) {
		strbuf_add(b, " — ");
		md_code(b, detail, false);
	}
	strbuf_add(b, "\n");
}

static void md_failures(struct strbuf *b, const struct job_result *jobs, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];
		enum bm_status js = job_result_status(j);
		size_t listed = 0, more = 0;
		struct suite_iter it;

		if (js == BM_PASS)
			continue;
		if (!any)
			strbuf_add(b, "\n### Failures\n");
		any = true;
		strbuf_add(b, "\n#### ");
		md_code(b, j->id, false);
		strbuf_add(b, ": ");
		md_status(b, js);
		strbuf_add(b, "\n\n");
		if (j->log_dir) {
			strbuf_add(b, "Logs: ");
			md_code(b, j->log_dir, false);
			strbuf_add(b, "\n\n");
		}
		if (is_failure(j->build.status))
			md_failure(b, NULL, NULL, "build", j->build.status, j->build.detail);
		if (is_failure(j->boot.status))
			md_failure(b, NULL, NULL, "boot", j->boot.status, j->boot.detail);
		for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts;
		     ts = suite_iter_next(&it)) {
			for (size_t c = 0; c < ts->n_cases; c++) {
				const struct test_case *tc = &ts->cases[c];

				if (!is_failure(tc->status))
					continue;
				if (listed++ >= MAX_LISTED) {
					more++;
					continue;
				}
				md_failure(b, ts->kind == SUITE_KSELFTEST ? "kselftest " : "",
					   ts->name, tc->name, tc->status, tc->detail);
			}
		}
		if (more)
			strbuf_addf(b, "- … and %zu more\n", more);
	}
}

char *report_markdown(const char *run_id, const struct job_result *jobs, size_t n,
		      const struct compare_item *diff, size_t n_diff)
{
	struct strbuf b = { 0 };

	md_title(&b, run_id, jobs, n);
	md_matrix(&b, jobs, n);
	report_markdown_rust(&b, jobs, n);
	md_diff(&b, diff, n_diff);
	md_failures(&b, jobs, n);
	return strbuf_take(&b);
}
