/* A CI job summary in GitHub-flavoured Markdown (docs/reports.md).
 *
 * Strings that come from guests or toolchains (suite and case names, details) are written as
 * code spans, which show any character literally; our own words are plain text. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "report.h"
#include "util.h"
#include "xmlw.h"

/* At most this many failing cases are listed per job; a summary has a size limit (GitHub: 1 MiB). */
#define MAX_LISTED 50

struct sb {
	char *buf;
	size_t len, cap;
};

static void sb_add_len(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 1024;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_add(struct sb *b, const char *s)
{
	sb_add_len(b, s, strlen(s));
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

/* Plain text of ours (arch, toolchain, ... from the plan): Markdown's punctuation
 * backslash-escaped, line breaks as spaces. */
static void md_text(struct sb *b, const char *s)
{
	_cleanup_free_ char *clean = xmlw_sanitize(s && *s ? s : "-");

	for (const char *p = clean; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			sb_add(b, " ");
			continue;
		}
		/* An underscore between two alphanumerics never delimits emphasis ("x86_64"). */
		if (strchr("\\`*[]<>|~&", *p) ||
		    (*p == '_' && !(p > clean && isalnum((unsigned char)p[-1]) &&
				    isalnum((unsigned char)p[1]))))
			sb_add(b, "\\");
		sb_add_len(b, p, 1);
	}
}

/* A code span showing s literally: the fence is one backtick longer than the longest run of
 * backticks inside, line breaks become spaces, and in a table cell '|' is escaped (GFM splits
 * cells before it parses code spans). NULL or empty: "-". */
static void md_code(struct sb *b, const char *s, bool in_table)
{
	_cleanup_free_ char *clean = NULL;
	size_t run = 0, longest = 0, len;
	bool pad;

	if (!s || !*s) {
		sb_add(b, "-");
		return;
	}
	clean = xmlw_sanitize(s);
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
	for (size_t i = 0; i <= longest; i++)
		sb_add(b, "`");
	if (pad)
		sb_add(b, " ");
	for (const char *p = clean; *p; p++) {
		if (*p == '|' && in_table)
			sb_add(b, "\\");
		sb_add_len(b, p, 1);
	}
	if (pad)
		sb_add(b, " ");
	for (size_t i = 0; i <= longest; i++)
		sb_add(b, "`");
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

static void md_status(struct sb *b, enum bm_status s)
{
	if (s == BM_NONE)
		sb_add(b, "-");
	else
		sb_addf(b, "%s %s", status_icon(s), bm_status_name(s));
}

static const struct test_suite *find_suite(const struct job_result *j, enum suite_kind kind,
					   const char *name)
{
	for (size_t i = 0; i < j->kunit.n_suites; i++) {
		const struct test_suite *t = &j->kunit.suites[i];

		if (t->kind == kind && t->name && strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

/* As in the text matrix: "114/114", "3/5 F", "0/2 S". */
static void md_suite_cell(struct sb *b, const struct job_result *j, enum suite_kind kind,
			  const char *name)
{
	const struct test_suite *ts = find_suite(j, kind, name);
	char flags[4], *f = flags;

	if (!ts) {
		sb_add(b, "-");
		return;
	}
	if (ts->fail || ts->status == BM_FAIL)
		*f++ = 'F';
	if (ts->crash || ts->status == BM_CRASH)
		*f++ = 'C';
	if (ts->skip || ts->status == BM_SKIP)
		*f++ = 'S';
	*f = '\0';
	sb_addf(b, "%s %u/%u%s%s",
		flags[0] == 'F' ? "❌" : flags[0] == 'C' ? "💥" : flags[0] == 'S' ? "⚠️" : "✅",
		ts->pass, ts->pass + ts->fail + ts->skip + ts->crash, *flags ? " " : "", flags);
}

/* "1 pass, 2 fail" over the given statuses, in enum order, leaving out zeros. */
static void md_status_counts(struct sb *b, const unsigned count[], size_t n_status)
{
	bool first = true;

	for (size_t s = 0; s < n_status; s++) {
		if (!count[s])
			continue;
		sb_addf(b, "%s%u %s", first ? "" : ", ", count[s], bm_status_name((enum bm_status)s));
		first = false;
	}
}

static void md_title(struct sb *b, const char *run_id, const struct job_result *jobs, size_t n)
{
	unsigned by_status[BM_CONFIG + 1] = { 0 }, pass = 0, fail = 0, skip = 0, crash = 0;

	for (size_t i = 0; i < n; i++) {
		enum bm_status s = job_result_status(&jobs[i]);

		if ((size_t)s < ARRAY_SIZE(by_status))
			by_status[s]++;
		pass += jobs[i].kunit.pass;
		fail += jobs[i].kunit.fail;
		skip += jobs[i].kunit.skip;
		crash += jobs[i].kunit.crash;
	}
	sb_add(b, "## bootmatrix ");
	md_text(b, run_id);
	sb_addf(b, ": %u of %zu job%s passed", by_status[BM_PASS], n, n == 1 ? "" : "s");
	if (n > by_status[BM_PASS]) {
		unsigned rest[ARRAY_SIZE(by_status)];

		memcpy(rest, by_status, sizeof(rest));
		rest[BM_PASS] = 0;
		sb_add(b, " (");
		md_status_counts(b, rest, ARRAY_SIZE(rest));
		sb_add(b, ")");
	}
	sb_addf(b, "\n\nTest cases: %u passed, %u failed, %u crashed, %u skipped.\n", pass, fail,
		crash, skip);
}

static void md_matrix(struct sb *b, const struct job_result *jobs, size_t n)
{
	_cleanup_strv_ char **suites = NULL, **targets = NULL;

	if (n == 0) {
		sb_add(b, "\nNo jobs.\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < jobs[i].kunit.n_suites; k++) {
			const struct test_suite *ts = &jobs[i].kunit.suites[k];
			char ***list = ts->kind == SUITE_KSELFTEST ? &targets : &suites;

			if (ts->name && !strv_contains(*list, ts->name))
				strv_push(list, ts->name);
		}
	sb_add(b, "\n| arch | toolchain | kernel | config | build | boot |");
	for (size_t c = 0; suites && suites[c]; c++) {
		sb_add(b, " ");
		md_code(b, suites[c], true);
		sb_add(b, " |");
	}
	for (size_t c = 0; targets && targets[c]; c++) {
		sb_add(b, " ks:");
		md_code(b, targets[c], true);
		sb_add(b, " |");
	}
	sb_add(b, "\n|---|---|---|---|---|---|");
	for (size_t c = 0; c < strv_length(suites) + strv_length(targets); c++)
		sb_add(b, "---|");
	sb_add(b, "\n");
	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];
		const char *fixed[] = { j->arch, j->toolchain, j->kernel, j->config };

		sb_add(b, "|");
		for (size_t c = 0; c < ARRAY_SIZE(fixed); c++) {
			sb_add(b, " ");
			md_text(b, fixed[c]);
			sb_add(b, " |");
		}
		sb_add(b, " ");
		md_status(b, j->build.status);
		sb_add(b, " | ");
		md_status(b, j->boot.status);
		sb_add(b, " |");
		for (size_t c = 0; suites && suites[c]; c++) {
			sb_add(b, " ");
			md_suite_cell(b, j, SUITE_KUNIT, suites[c]);
			sb_add(b, " |");
		}
		for (size_t c = 0; targets && targets[c]; c++) {
			sb_add(b, " ");
			md_suite_cell(b, j, SUITE_KSELFTEST, targets[c]);
			sb_add(b, " |");
		}
		sb_add(b, "\n");
	}
	sb_add(b, "\nSuites: passed/total (ks: kselftest targets); F some failed, C some crashed, "
		  "S some skipped; - not run.\n");
}

/* "`job` kselftest `timers` › `nsleep-lat.#2`: pass → timeout" */
static void md_diff_item(struct sb *b, const struct compare_item *it)
{
	bool stage = it->suite && (strcmp(it->suite, "build") == 0 || strcmp(it->suite, "boot") == 0) &&
		     it->name && strcmp(it->name, it->suite) == 0;

	sb_add(b, "- ");
	md_code(b, it->job, false);
	if (stage) {
		sb_addf(b, " %s", it->suite);
	} else {
		sb_add(b, it->suite_kind == SUITE_KSELFTEST ? " kselftest " : " ");
		md_code(b, it->suite, false);
		sb_add(b, " › ");
		md_code(b, it->name, false);
	}
	sb_addf(b, ": %s → %s", bm_status_name(it->before), bm_status_name(it->after));
	if (it->flaky)
		sb_add(b, " (flaky)");
	sb_add(b, "\n");
}

static void md_diff(struct sb *b, const struct compare_item *diff, size_t n_diff)
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
		sb_addf(b, "\n### %s (%zu)\n\n", sections[s].title, count);
		if (!count)
			sb_add(b, "None.\n");
		for (size_t i = 0; i < n_diff; i++)
			if (diff[i].kind == sections[s].kind)
				md_diff_item(b, &diff[i]);
	}
	for (size_t i = 0; i < n_diff; i++) {
		n_new += diff[i].kind == CMP_NEW;
		n_vanished += diff[i].kind == CMP_VANISHED;
	}
	if (n_new || n_vanished)
		sb_addf(b, "\nAlso %zu new and %zu vanished result%s since the previous run.\n",
			n_new, n_vanished, n_new + n_vanished == 1 ? "" : "s");
}

static bool is_failure(enum bm_status s)
{
	return s != BM_PASS && s != BM_SKIP && s != BM_NONE;
}

static void md_failure(struct sb *b, const char *what_kind, const char *suite, const char *name,
		       enum bm_status s, const char *detail)
{
	sb_add(b, "- ");
	if (suite) {
		sb_add(b, what_kind);
		md_code(b, suite, false);
		sb_add(b, " › ");
		md_code(b, name, false);
	} else {
		sb_add(b, name);
	}
	sb_add(b, ": ");
	md_status(b, s);
	if (detail && *detail) {
		sb_add(b, " — ");
		md_code(b, detail, false);
	}
	sb_add(b, "\n");
}

static void md_failures(struct sb *b, const struct job_result *jobs, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];
		enum bm_status js = job_result_status(j);
		size_t listed = 0, more = 0;

		if (js == BM_PASS)
			continue;
		if (!any)
			sb_add(b, "\n### Failures\n");
		any = true;
		sb_add(b, "\n#### ");
		md_code(b, j->id, false);
		sb_add(b, ": ");
		md_status(b, js);
		sb_add(b, "\n\n");
		if (j->log_dir) {
			sb_add(b, "Logs: ");
			md_code(b, j->log_dir, false);
			sb_add(b, "\n\n");
		}
		if (is_failure(j->build.status))
			md_failure(b, NULL, NULL, "build", j->build.status, j->build.detail);
		if (is_failure(j->boot.status))
			md_failure(b, NULL, NULL, "boot", j->boot.status, j->boot.detail);
		for (size_t k = 0; k < j->kunit.n_suites; k++) {
			const struct test_suite *ts = &j->kunit.suites[k];

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
			sb_addf(b, "- … and %zu more\n", more);
	}
}

char *report_markdown(const char *run_id, const struct job_result *jobs, size_t n,
		      const struct compare_item *diff, size_t n_diff)
{
	struct sb b = { 0 };

	md_title(&b, run_id, jobs, n);
	md_matrix(&b, jobs, n);
	md_diff(&b, diff, n_diff);
	md_failures(&b, jobs, n);
	sb_add(&b, "");
	return b.buf;
}
