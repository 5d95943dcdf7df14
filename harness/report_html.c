/* One static HTML page for a run (docs/reports.md). Written with xmlw, so every string is
 * escaped by libxml2 and the page is HTML5 in its XHTML-compatible form. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "err.h"
#include "report.h"
#include "report_matrix.h"
#include "report_rust.h"
#include "util.h"
#include "xmlw.h"

/* Goes through xmlw_text like any text, so it must hold no character XML escapes
 * (less-than, greater-than, ampersand, double quote): CSS in <style> is not unescaped. */
static const char css[] =
	"\n"
	"body { font-family: sans-serif; margin: 1.5em; color: #222; }\n"
	"table { border-collapse: collapse; margin: 0.5em 0; }\n"
	"th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; "
	"vertical-align: top; }\n"
	"th { background: #eee; }\n"
	"td.pass { background: #d4f4d4; }\n"
	"td.fail, td.crash, td.timeout { background: #f8d0d0; }\n"
	"td.skip, td.config { background: #f8f0c0; }\n"
	"td.infra { background: #ecd4f4; }\n"
	"td.none { color: #888; }\n"
	"tr.regression td.change { color: #b00; font-weight: bold; }\n"
	"tr.fix td.change { color: #070; font-weight: bold; }\n"
	"summary { cursor: pointer; font-weight: bold; }\n"
	"details { margin: 0.5em 0; }\n"
	"pre { margin: 0; white-space: pre-wrap; word-break: break-all; }\n"
	".meta { color: #555; }\n"
	"    ";

static const char *str_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* <elem class="cls">text</elem> */
static void element_class(struct xmlw *x, const char *elem, const char *cls, const char *text)
{
	xmlw_start(x, elem);
	xmlw_attr(x, "class", cls);
	xmlw_text(x, text);
	xmlw_end(x);
}

static void td_status(struct xmlw *x, enum bm_status s)
{
	element_class(x, "td", bm_status_name(s), s == BM_NONE ? "-" : bm_status_name(s));
}

/* <table class="cls"><thead><tr><th>head</th>...</tr></thead><tbody>, heads NULL-terminated;
 * the rows follow, then two xmlw_end. */
static void table_start(struct xmlw *x, const char *cls, const char *const *heads)
{
	xmlw_start(x, "table");
	xmlw_attr(x, "class", cls);
	xmlw_start(x, "thead");
	xmlw_start(x, "tr");
	for (size_t c = 0; heads[c]; c++)
		xmlw_element(x, "th", heads[c]);
	xmlw_end(x);
	xmlw_end(x);
	xmlw_start(x, "tbody");
}

/* As in the text matrix: "114/114", "3/5 F", "0/2 S", colored by the worst. */
static void td_suite(struct xmlw *x, const struct job_result *j,
		     const struct report_matrix_col *col)
{
	struct report_matrix_cell cell;
	const struct test_suite *ts;

	report_matrix_cell(j, col, &cell);
	ts = cell.suite;
	if (!ts) {
		element_class(x, "td", "none", "-");
		return;
	}
	xmlw_start(x, "td");
	xmlw_attr(x, "class", bm_status_name(cell.worst));
	xmlw_attrf(x, "title", "%u pass, %u fail, %u skip, %u crash", ts->pass, ts->fail, ts->skip,
		   ts->crash);
	xmlw_text(x, cell.text);
	xmlw_end(x);
}

static void head(struct xmlw *x, const struct report_run_meta *meta)
{
	xmlw_start(x, "head");
	xmlw_start(x, "meta");
	xmlw_attr(x, "charset", "utf-8");
	xmlw_end(x);
	xmlw_start(x, "title");
	xmlw_textf(x, "bootmatrix run %s", str_or_dash(meta->run_id));
	xmlw_end(x);
	xmlw_element(x, "style", css);
	xmlw_end(x);
}

static void summary(struct xmlw *x, const struct report_run_meta *meta,
		    const struct job_result *jobs, size_t n)
{
	_cleanup_strv_ char **parts = NULL, **rest = NULL;
	_cleanup_free_ char *line = NULL, *others = NULL;
	struct report_totals t;

	if (meta->plan)
		strv_pushf(&parts, "plan: %s", meta->plan);
	if (meta->started)
		strv_pushf(&parts, "started: %s", meta->started);
	if (meta->host)
		strv_pushf(&parts, "host: %s", meta->host);
	if (parts) {
		line = strv_join(parts, "; ");
		element_class(x, "p", "meta", line);
		free(line);
	}
	report_matrix_totals(jobs, n, &t);
	for (size_t s = 0; s < ARRAY_SIZE(t.by_status); s++)
		if (s != BM_PASS && t.by_status[s])
			strv_pushf(&rest, "%u %s", t.by_status[s], bm_status_name((enum bm_status)s));
	others = rest ? strv_join(rest, ", ") : NULL;
	line = xasprintf("%u of %zu job%s passed%s%s%s. Test cases: %u passed, %u failed, "
			 "%u crashed, %u skipped.", t.by_status[BM_PASS], n, n == 1 ? "" : "s",
			 others ? " (" : "", others ? others : "", others ? ")" : "", t.pass,
			 t.fail, t.crash, t.skip);
	element_class(x, "p", "summary", line);
}

static void matrix(struct xmlw *x, const struct job_result *jobs, size_t n)
{
	_cleanup_free_ struct report_matrix_col *cols = NULL;
	_cleanup_strv_ char **heads = NULL;
	size_t n_cols;

	if (n == 0) {
		xmlw_element(x, "p", "No jobs.");
		return;
	}
	n_cols = report_matrix_cols(jobs, n, &cols);
	for (size_t c = 0; c < REPORT_MATRIX_N_FIXED; c++)
		strv_push(&heads, report_matrix_fixed[c]);
	for (size_t c = 0; c < n_cols; c++)
		strv_pushf(&heads, "%s%s", report_matrix_col_prefix(&cols[c]), cols[c].name);
	table_start(x, "matrix", (const char *const *)heads);
	for (size_t i = 0; i < n; i++) {
		const struct job_result *j = &jobs[i];

		xmlw_start(x, "tr");
		xmlw_attr(x, "class", "job");
		xmlw_attr(x, "title", j->id);
		/* The arch links to the job's details below. */
		xmlw_start(x, "td");
		xmlw_start(x, "a");
		xmlw_attrf(x, "href", "#job-%zu", i + 1);
		xmlw_text(x, str_or_dash(j->arch));
		xmlw_end(x);
		xmlw_end(x);
		xmlw_element(x, "td", str_or_dash(j->toolchain));
		{
			_cleanup_free_ char *rustc = report_manifest_version(j->manifest, "rustc");

			xmlw_element(x, "td", str_or_dash(rustc));
		}
		xmlw_element(x, "td", str_or_dash(j->kernel));
		xmlw_element(x, "td", str_or_dash(j->config));
		td_status(x, j->build.status);
		td_status(x, j->boot.status);
		for (size_t c = 0; c < n_cols; c++)
			td_suite(x, j, &cols[c]);
		xmlw_end(x);
	}
	xmlw_end(x);
	xmlw_end(x);
	xmlw_element(x, "p", "Suites: passed/total (ks: kselftest targets); F some failed, "
			     "C some crashed, S some skipped; - not run.");
}

static const char *kind_name(enum compare_kind k)
{
	switch (k) {
	case CMP_REGRESSION:
		return "regression";
	case CMP_FIX:
		return "fix";
	case CMP_NEW:
		return "new";
	case CMP_VANISHED:
		break;
	}
	return "vanished";
}

static void changes(struct xmlw *x, const struct compare_item *diff, size_t n_diff)
{
	xmlw_element(x, "h2", "Changes since the previous run");
	if (!diff) {
		xmlw_element(x, "p", "No previous run to compare with.");
		return;
	}
	if (n_diff == 0) {
		xmlw_element(x, "p", "No changes.");
		return;
	}
	table_start(x, "changes", (const char *const[]){ "change", "job", "suite", "case",
							  "before", "after", NULL });
	for (size_t i = 0; i < n_diff; i++) {
		const struct compare_item *it = &diff[i];

		xmlw_start(x, "tr");
		xmlw_attr(x, "class", kind_name(it->kind));
		element_class(x, "td", "change", kind_name(it->kind));
		xmlw_element(x, "td", str_or_dash(it->job));
		xmlw_start(x, "td");
		xmlw_textf(x, "%s%s", it->suite_kind == SUITE_KSELFTEST ? "kselftest " : "",
			   str_or_dash(it->suite));
		xmlw_end(x);
		xmlw_element(x, "td", str_or_dash(it->name));
		td_status(x, it->before);
		xmlw_start(x, "td");
		xmlw_attr(x, "class", bm_status_name(it->after));
		xmlw_textf(x, "%s%s", it->after == BM_NONE ? "-" : bm_status_name(it->after),
			   it->flaky ? " (flaky)" : "");
		xmlw_end(x);
		xmlw_end(x);
	}
	xmlw_end(x);
	xmlw_end(x);
}

static bool is_failure(enum bm_status s)
{
	return s != BM_PASS && s != BM_SKIP && s != BM_NONE;
}

static void failure_row(struct xmlw *x, const char *suite, const char *name, enum bm_status s,
			const char *detail)
{
	xmlw_start(x, "tr");
	xmlw_element(x, "td", suite);
	xmlw_element(x, "td", str_or_dash(name));
	td_status(x, s);
	xmlw_start(x, "td");
	if (detail && *detail)
		xmlw_element(x, "pre", detail);
	xmlw_end(x);
	xmlw_end(x);
}

/* A path relative to the page (results/<run>/report.html) of a file in the job's log directory
 * (results/<run>/<job id>), percent-encoded as a URL path. */
static char *log_href(const char *log_dir, const char *file)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *slash = strrchr(log_dir, '/');
	_cleanup_free_ char *rel = xasprintf("%s/%s", slash ? slash + 1 : log_dir, file);
	char *out = xmalloc(3 * strlen(rel) + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/+", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static void log_link(struct xmlw *x, const char *log_dir, const char *file)
{
	_cleanup_free_ char *href = log_href(log_dir, file);

	xmlw_start(x, "li");
	xmlw_start(x, "a");
	xmlw_attr(x, "href", href);
	xmlw_textf(x, "%s/%s", log_dir, file);
	xmlw_end(x);
	xmlw_end(x);
}

/* <dt>term</dt><dd>value</dd>, if there is a value */
static void dl_item(struct xmlw *x, const char *term, const char *value)
{
	if (!value)
		return;
	xmlw_element(x, "dt", term);
	xmlw_element(x, "dd", value);
}

static void job_details(struct xmlw *x, const struct job_result *j, size_t index)
{
	enum bm_status js = job_result_status(j);
	bool any = is_failure(j->build.status) || is_failure(j->boot.status);
	struct suite_iter it;

	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts && !any;
	     ts = suite_iter_next(&it))
		for (size_t c = 0; c < ts->n_cases && !any; c++)
			any = is_failure(ts->cases[c].status);

	xmlw_start(x, "details");
	xmlw_attrf(x, "id", "job-%zu", index + 1);
	if (js != BM_PASS)
		xmlw_attr(x, "open", "open");
	xmlw_start(x, "summary");
	xmlw_textf(x, "%s: %s", str_or_dash(j->id), bm_status_name(js));
	xmlw_end(x);

	xmlw_start(x, "dl");
	dl_item(x, "machine", j->machine);
	dl_item(x, "host", j->host);
	if (j->requeued) {
		_cleanup_free_ char *n = xasprintf("%u (its host died mid-boot)", j->requeued);

		dl_item(x, "requeued", n);
	}
	dl_item(x, "qemu", j->qemu_version);
	dl_item(x, "libvirt", j->libvirt_version);
	xmlw_end(x);
	if (j->manifest) {
		element_class(x, "pre", "manifest", j->manifest);
	}
	if (j->log_dir) {
		xmlw_start(x, "ul");
		xmlw_attr(x, "class", "logs");
		if (j->build.status != BM_NONE)
			log_link(x, j->log_dir, "build.log");
		if (j->boot.status != BM_NONE)
			log_link(x, j->log_dir, "console.log");
		xmlw_end(x);
	}

	if (!any) {
		xmlw_element(x, "p", "No failures.");
		xmlw_end(x);
		return;
	}
	table_start(x, "failures",
		    (const char *const[]){ "suite", "case", "status", "detail", NULL });
	if (is_failure(j->build.status))
		failure_row(x, "-", "build", j->build.status, j->build.detail);
	if (is_failure(j->boot.status))
		failure_row(x, "-", "boot", j->boot.status, j->boot.detail);
	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts;
	     ts = suite_iter_next(&it)) {
		_cleanup_free_ char *suite = xasprintf("%s%s", ts->kind == SUITE_KSELFTEST ?
						       "kselftest " : "", str_or_dash(ts->name));

		for (size_t c = 0; c < ts->n_cases; c++)
			if (is_failure(ts->cases[c].status))
				failure_row(x, suite, ts->cases[c].name, ts->cases[c].status,
					    ts->cases[c].detail);
	}
	xmlw_end(x);
	xmlw_end(x);
	xmlw_end(x);
}

static void td_f(struct xmlw *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void td_f(struct xmlw *x, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	xmlw_element(x, "td", text);
}

/* The Rust support map: a row per job with one, then what did not stick and why. */
static void rust_map(struct xmlw *x, const struct job_result *jobs, size_t n)
{
	static const char *const heads[] = { "job", "rustc", "bindgen", "libclang", "RUST",
					     "options on", "dropped", "absent", "doctests",
					     "Rust KUnit", "samples", NULL };

	if (!report_rust_any(jobs, n))
		return;
	xmlw_element(x, "h2", "Rust support map");
	table_start(x, "rust", heads);
	for (size_t i = 0; i < n; i++) {
		struct report_rust_summary s;

		if (!jobs[i].rust.n)
			continue;
		report_rust_summary(&jobs[i], &s);
		xmlw_start(x, "tr");
		xmlw_element(x, "td", str_or_dash(jobs[i].id));
		xmlw_element(x, "td", str_or_dash(s.rustc));
		xmlw_element(x, "td", str_or_dash(s.bindgen));
		xmlw_element(x, "td", str_or_dash(s.libclang));
		td_status(x, s.rust == 'y' ? BM_PASS : BM_CONFIG);
		td_f(x, "%u", s.on);
		td_f(x, "%u", s.dropped);
		td_f(x, "%u", s.absent);
		td_f(x, "%u/%u", s.doctests_pass, s.doctests_total);
		td_f(x, "%u/%u", s.kunit_pass, s.kunit_total);
		td_f(x, "%u/%u%s", s.samples_pass, s.samples_total,
		     s.samples_skip ? " (some skipped)" : "");
		xmlw_end(x);
		report_rust_summary_release(&s);
	}
	xmlw_end(x);
	xmlw_end(x);
	xmlw_start(x, "ul");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < jobs[i].rust.n; k++) {
			const struct rust_opt *o = &jobs[i].rust.opts[k];

			if (o->fate == RUST_OPT_ON)
				continue;
			xmlw_start(x, "li");
			xmlw_textf(x, "%s: CONFIG_%s %s: %s", str_or_dash(jobs[i].id), o->name,
				   rust_opt_fate_name(o->fate), str_or_dash(o->reason));
			xmlw_end(x);
		}
	xmlw_end(x);
}

int report_html_out(struct report_out *out, const struct report_run_meta *meta,
		    const struct job_result *jobs, size_t n, const struct compare_item *diff,
		    size_t n_diff, struct bm_err **err)
{
	_cleanup_(xmlw_freep) struct xmlw *x = xmlw_new_to(true, report_out_write, out);

	xmlw_doctype(x, "html");
	xmlw_start(x, "html");
	xmlw_attr(x, "lang", "en");
	head(x, meta);
	xmlw_start(x, "body");
	xmlw_start(x, "h1");
	xmlw_textf(x, "bootmatrix run %s", str_or_dash(meta->run_id));
	xmlw_end(x);
	summary(x, meta, jobs, n);
	matrix(x, jobs, n);
	rust_map(x, jobs, n);
	changes(x, diff, n_diff);
	xmlw_element(x, "h2", "Jobs");
	for (size_t i = 0; i < n; i++)
		job_details(x, &jobs[i], i);
	xmlw_end(x);
	xmlw_end(x);
	if (xmlw_finish(x, NULL, err) < 0)
		return bm_err_prefix(err, "HTML report");
	return 0;
}

int report_html(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		const struct compare_item *diff, size_t n_diff, char **ret_html,
		struct bm_err **err)
{
	struct report_out out = { 0 };

	return report_out_take(&out, report_html_out(&out, meta, jobs, n, diff, n_diff, err),
			       ret_html);
}
