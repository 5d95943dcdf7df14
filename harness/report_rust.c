/* The Rust support map of a run: per job (arch x kernel x toolchain) the toolchain's rustc,
 * bindgen and libclang, whether RUST stuck, how many Rust test options are on, dropped or not in
 * the kernel, and how the Rust doctests, Rust KUnit suites and Rust samples did; as text
 * (`report --rust`) and as a Markdown section. Pure. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_matrix.h"
#include "report_rust.h"
#include "text.h"
#include "util.h"

#define DOCTESTS "rust_doctests_kernel"

void report_rust_summary(const struct job_result *j, struct report_rust_summary *ret)
{
	struct report_rust_summary s = { .rust = '-' };
	struct suite_iter it;

	s.rustc = report_manifest_version(j->manifest, "rustc");
	s.bindgen = report_manifest_version(j->manifest, "bindgen");
	s.libclang = report_manifest_version(j->manifest, "clang");
	for (size_t i = 0; i < j->rust.n; i++) {
		const struct rust_opt *o = &j->rust.opts[i];

		if (strcmp(o->name, "RUST") == 0)
			s.rust = o->got;
		if (o->fate == RUST_OPT_ON)
			s.on++;
		else if (o->fate == RUST_OPT_DROPPED)
			s.dropped++;
		else
			s.absent++;
	}
	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts;
	     ts = suite_iter_next(&it)) {
		unsigned *pass, *total;

		if (ts->kind == SUITE_KSELFTEST && strcmp(ts->name, REPORT_RUST_SAMPLES) == 0) {
			pass = &s.samples_pass;
			total = &s.samples_total;
			s.samples_skip += ts->skip;
		} else if (ts->kind == SUITE_KUNIT && strcmp(ts->name, DOCTESTS) == 0) {
			pass = &s.doctests_pass;
			total = &s.doctests_total;
		} else if (ts->kind == SUITE_KUNIT && str_has_prefix(ts->name, "rust")) {
			pass = &s.kunit_pass;
			total = &s.kunit_total;
			s.kunit_suites++;
		} else {
			continue;
		}
		*pass += ts->pass;
		*total += ts->pass + ts->fail + ts->crash;
	}
	*ret = s;
}

void report_rust_summary_release(struct report_rust_summary *s)
{
	free(s->rustc);
	free(s->bindgen);
	free(s->libclang);
}

bool report_rust_any(const struct job_result *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].rust.n)
			return true;
	return false;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void fraction(char *buf, size_t size, unsigned pass, unsigned total)
{
	if (total)
		snprintf(buf, size, "%u/%u", pass, total);
	else
		snprintf(buf, size, "-");
}

/* One row of the map, as the text and Markdown tables give it: the cells in column order. */
#define ROW_CELLS 9
struct row {
	struct report_rust_summary s;
	char rust[2], opts[32], doc[24], kunit[32], samples[40];
	const char *cell[ROW_CELLS];
};

static void row_make(const struct job_result *j, struct row *r)
{
	struct report_rust_summary *s = &r->s;

	report_rust_summary(j, s);
	r->rust[0] = s->rust;
	r->rust[1] = '\0';
	snprintf(r->opts, sizeof(r->opts), "%u/%u/%u", s->on, s->dropped, s->absent);
	fraction(r->doc, sizeof(r->doc), s->doctests_pass, s->doctests_total);
	if (s->kunit_total)
		snprintf(r->kunit, sizeof(r->kunit), "%u/%u (%u suite%s)", s->kunit_pass,
			 s->kunit_total, s->kunit_suites, s->kunit_suites == 1 ? "" : "s");
	else
		snprintf(r->kunit, sizeof(r->kunit), "-");
	fraction(r->samples, sizeof(r->samples), s->samples_pass, s->samples_total);
	if (s->samples_skip) {
		size_t l = strlen(r->samples);

		snprintf(r->samples + l, sizeof(r->samples) - l, " (%u skipped)", s->samples_skip);
	}
	r->cell[0] = or_dash(j->id);
	r->cell[1] = or_dash(s->rustc);
	r->cell[2] = or_dash(s->bindgen);
	r->cell[3] = or_dash(s->libclang);
	r->cell[4] = r->rust;
	r->cell[5] = r->opts;
	r->cell[6] = r->doc;
	r->cell[7] = r->kunit;
	r->cell[8] = r->samples;
}

char *report_text_rust(const struct job_result *jobs, size_t n)
{
	struct strbuf b = { 0 };
	size_t w = strlen("job");

	for (size_t i = 0; i < n; i++)
		if (jobs[i].id && strlen(jobs[i].id) > w)
			w = strlen(jobs[i].id);
	if (!report_rust_any(jobs, n)) {
		strbuf_add(&b, "no Rust map: no job of this run used a config asking for every Rust test "
			       "option (e.g. configs/rust.config)\n");
		return strbuf_take(&b);
	}
	strbuf_addf(&b, "%-*s %-8s %-8s %-8s %-4s %-11s %-9s %-19s %s\n", (int)w, "job", "rustc",
		    "bindgen", "libclang", "RUST", "on/drop/abs", "doctests", "rust kunit", "samples");
	for (size_t i = 0; i < n; i++) {
		struct row r;

		if (!jobs[i].rust.n)
			continue;
		row_make(&jobs[i], &r);
		strbuf_addf(&b, "%-*s %-8s %-8s %-8s %-4s %-11s %-9s %-19s %s\n", (int)w, r.cell[0],
			    r.cell[1], r.cell[2], r.cell[3], r.cell[4], r.cell[5], r.cell[6], r.cell[7],
			    r.cell[8]);
		report_rust_summary_release(&r.s);
	}
	/* What did not stick, and why, job by job. */
	for (size_t i = 0; i < n; i++) {
		bool head = false;

		for (size_t k = 0; k < jobs[i].rust.n; k++) {
			const struct rust_opt *o = &jobs[i].rust.opts[k];

			if (o->fate == RUST_OPT_ON)
				continue;
			if (!head)
				strbuf_addf(&b, "\n%s:\n", or_dash(jobs[i].id));
			head = true;
			_cleanup_free_ char *name = text_sanitize_str(o->name, 0);
			_cleanup_free_ char *reason = text_sanitize_str(o->reason, 0);

			strbuf_addf(&b, "  %-8s CONFIG_%s: %s\n", rust_opt_fate_name(o->fate), name,
				    or_dash(reason));
		}
	}
	return strbuf_take(&b);
}

/* Markdown text that must not break a table or a list item (made safe by text.h first). */
static void md_text(struct strbuf *b, const char *s)
{
	_cleanup_free_ char *clean = text_sanitize_str(or_dash(s), 0);

	for (const char *c = clean; *c; c++) {
		if (*c == '|')
			strbuf_add(b, "\\|");
		else if (*c == '\n' || *c == '\r')
			strbuf_add(b, " ");
		else
			strbuf_add_len(b, c, 1);
	}
}

static void md_cell(struct strbuf *b, const char *s)
{
	strbuf_add(b, " ");
	md_text(b, s);
	strbuf_add(b, " |");
}

void report_markdown_rust(struct strbuf *b, const struct job_result *jobs, size_t n)
{
	if (!report_rust_any(jobs, n))
		return;
	strbuf_add(b, "\n### Rust support map\n\n"
		      "| job | rustc | bindgen | libclang | RUST | options on/dropped/absent | doctests | "
		      "Rust KUnit | samples |\n|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		struct row r;

		if (!jobs[i].rust.n)
			continue;
		row_make(&jobs[i], &r);
		strbuf_add(b, "|");
		for (size_t c = 0; c < ROW_CELLS; c++)
			md_cell(b, r.cell[c]);
		strbuf_add(b, "\n");
		report_rust_summary_release(&r.s);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < jobs[i].rust.n; k++) {
			const struct rust_opt *o = &jobs[i].rust.opts[k];
			_cleanup_free_ char *line = NULL;

			if (o->fate == RUST_OPT_ON)
				continue;
			line = xasprintf("%s: CONFIG_%s %s: %s", or_dash(jobs[i].id), o->name,
					 rust_opt_fate_name(o->fate), or_dash(o->reason));
			strbuf_add(b, "\n- ");
			md_text(b, line);
		}
	strbuf_add(b, "\n");
}
