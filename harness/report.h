/* Reports: the table of formats (report.c), and results and run matrices rendered as JSON
 * (report_json.c, the only module that includes jansson.h: matrix.json, parse --json, KCIDB),
 * text (report_text.c), JUnit XML (report_junit.c), Markdown (report_markdown.c) and HTML
 * (report_html.c; XML and HTML are written with xmlw, the only module that includes libxml2).
 * Pure: no I/O, no printing. Every renderer returns a NUL-terminated heap string, ending in a
 * newline, that the caller frees, or writes the same text to a struct report_out. A job's
 * suites are read with suite_iter (result.h), so they may come from a source that does not
 * hold them all. The JSON shapes are an interface, documented in docs/json.md; the other
 * formats in docs/reports.md. */
#ifndef BM_REPORT_H
#define BM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"
#include "util.h"

struct bm_err;
struct compare_item;

/* Where a renderer writes: text is appended to buf. With flush set, buf is handed to it (and
 * emptied) whenever it holds REPORT_OUT_CHUNK bytes or more, up to its last line break (so a
 * chunk never ends inside a character), and a report as large as its log is never held whole;
 * without flush, buf holds the whole report at the end. */
#define REPORT_OUT_CHUNK (128 * 1024)
struct report_out {
	struct strbuf buf;
	void (*flush)(void *ctx, const char *s, size_t len);
	void *ctx;
};

/* s appended, then flushed when due; report_out_write is the same as a callback (xmlw_new_to). */
void report_out_add(struct report_out *o, const char *s, size_t len);
void report_out_write(void *o, const char *s, size_t len);
void report_out_check(struct report_out *o);	/* flush when due */
void report_out_finish(struct report_out *o);	/* flush all that is left (with flush set) */
/* The whole text of o (without flush) after a renderer returned rc: 0 with *ret a heap string
 * the caller frees, or rc -1 passed on (the text dropped). */
int report_out_take(struct report_out *o, int rc, char **ret);

/* What the reports of a whole run say about it. Strings are borrowed; all but run_id may be
 * NULL (left out of the report). */
struct report_run_meta {
	const char *run_id;	/* "20261121-180102-ab12" */
	const char *plan;	/* the plan file */
	const char *started;	/* UTC start, "YYYY-MM-DDTHH:MM:SSZ" */
	const char *host;	/* the machine that ran the jobs */
	const char *origin;	/* KCIDB origin, [a-z0-9_]; NULL: "bootmatrix" */
};

/* parse --json: {"totals": {...}, "suites": [...]}. 0, or -1 with err set (out of memory). */
int report_json_results(const struct test_results *r, char **ret_json, struct bm_err **err);

/* The same document in pieces appended to out, for writing it as the suites come: the head
 * (up to the suites, with r's totals; r's suites are not looked at), each suite (first: the
 * first one), the tail (any_suite: at least one suite was written). Concatenated they are
 * report_json_results's text byte for byte; the tail carries the parser's note, if any.
 * report_json_results_suite and _tail: 0, or -1 with err set (out of memory). */
void report_json_results_head(const struct test_results *r, struct strbuf *out);
int report_json_results_suite(const struct test_suite *s, bool first, struct strbuf *out,
			      struct bm_err **err);
int report_json_results_tail(const struct test_results *r, bool any_suite, struct strbuf *out,
			     struct bm_err **err);

/* matrix.json: {"run", "plan", "jobs": [...]}, jobs in the given order. plan may be NULL.
 * 0, or -1 with err set (out of memory). */
int report_json_matrix(const char *run_id, const char *plan, const struct job_result *jobs,
		       size_t n, char **ret_json, struct bm_err **err);
int report_json_matrix_out(struct report_out *out, const char *run_id, const char *plan,
			   const struct job_result *jobs, size_t n, struct bm_err **err);

/* The terminal matrix: a header, one row per job (arch, toolchain, kernel, config, build, boot,
 * then one column per KUnit suite seen in any job, in order of first appearance, then one
 * column per kselftest target, headed "ks:DIR"), a legend.
 * Columns aligned; ANSI colors when use_color. */
char *report_text_matrix(const struct job_result *jobs, size_t n, bool use_color);

/* parse's default output: "name: status (P pass, F fail, S skip, C crash)" per suite, then
 * "Totals: P passed, F failed, S skipped, C crashed". */
char *report_text_results(const struct test_results *r);
/* The same in pieces appended to out: one suite's line, then the totals line. */
void report_text_results_suite(const struct test_suite *s, struct strbuf *out);
void report_text_results_totals(const struct test_results *r, struct strbuf *out);

/* The Rust support map (`report --rust`): a line per job with a Rust map (toolchain versions,
 * RUST, options on/dropped/absent, Rust doctests, Rust KUnit, samples), then what did not stick
 * and why. Pure; caller frees. */
char *report_text_rust(const struct job_result *jobs, size_t n);

/* JUnit XML for CI systems (GitLab, Jenkins): <testsuites> with one <testsuite> per job (name:
 * the job id), each with a testcase per stage (classname: the job id; name: build, boot) and per
 * case (classname "<job id>.<suite>", or "<job id>.kselftest.<target>"). fail, timeout and
 * config are <failure>, crash and infra <error>, skip and a stage that did not run <skipped>.
 * 0, or -1 with err set. */
int report_junit(const char *run_id, const struct job_result *jobs, size_t n, char **ret_xml,
		 struct bm_err **err);
int report_junit_out(struct report_out *out, const char *run_id, const struct job_result *jobs,
		     size_t n, struct bm_err **err);

/* A CI job summary in GitHub-flavoured Markdown: a title with counts, the matrix as a table,
 * "Regressions" and "Fixes" from diff (left out when diff is NULL: no previous run), then the
 * failing stages and cases of each job with their details. */
char *report_markdown(const char *run_id, const struct job_result *jobs, size_t n,
		      const struct compare_item *diff, size_t n_diff);

/* KCIDB (KernelCI's common database) I/O schema v5.3: one checkout per kernel, one build per
 * job, one test per stage run and per case; ids "<origin>:<run>:...". Status mapping in
 * docs/reports.md. 0, or -1 with err set (out of memory). */
int report_kcidb(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		 char **ret_json, struct bm_err **err);
int report_kcidb_out(struct report_out *out, const struct report_run_meta *meta,
		     const struct job_result *jobs, size_t n, struct bm_err **err);

/* One static HTML page (inline CSS, no script, nothing external): the matrix, one row per job
 * (<tr class="job">), cells colored by status; the changes since the previous run from diff (NULL:
 * none to compare with); per job a <details> with its failing stages and cases, their details
 * and the paths of its logs. HTML5 in its XHTML-compatible form, so it also parses as XML.
 * 0, or -1 with err set. */
int report_html(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		const struct compare_item *diff, size_t n_diff, char **ret_html,
		struct bm_err **err);
int report_html_out(struct report_out *out, const struct report_run_meta *meta,
		    const struct job_result *jobs, size_t n, const struct compare_item *diff,
		    size_t n_diff, struct bm_err **err);

/* The report formats, in one table (report.c) from which publishing, --format and the help text
 * are generated. The strings and the table are static. */
struct report_format {
	const char *name;	/* what --format takes: "junit" */
	const char *file;	/* what `run` and `merge` write it to in the run directory: "report.xml" */
	const char *summary;	/* one line for --help */
	/* Render a run into out. diff may be NULL (no previous run). 0, or -1 with err set. */
	int (*render)(struct report_out *out, const struct report_run_meta *meta,
		      const struct job_result *jobs, size_t n, const struct compare_item *diff,
		      size_t n_diff, struct bm_err **err);
};

/* f's rendering of a run as a string: 0 with *ret a heap string the caller frees, or -1 with
 * err set. */
int report_render(const struct report_format *f, const struct report_run_meta *meta,
		  const struct job_result *jobs, size_t n, const struct compare_item *diff,
		  size_t n_diff, char **ret, struct bm_err **err);

/* text, json, junit, markdown, kcidb, html: the order help and errors list them in. */
extern const struct report_format report_formats[];
extern const size_t report_n_formats;

/* The format called name: 0 with *ret pointing into report_formats, or -1 with err set
 * (BM_ERR_INPUT, "unknown format 'x' (known: text, json, ...)"). */
int report_format_find(const char *name, const struct report_format **ret, struct bm_err **err);

/* "text, json, junit, markdown, kcidb, html"; the caller frees. */
char *report_format_names(void);

#endif
