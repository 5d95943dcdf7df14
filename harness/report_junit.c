/* JUnit XML for CI systems (docs/reports.md), written with xmlw. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "report.h"
#include "util.h"
#include "xmlw.h"

struct counts {
	unsigned tests, failures, errors, skipped;
	double seconds;
};

/* The child element of a testcase that did not pass; NULL for a pass. */
static const char *outcome_element(enum bm_status s)
{
	switch (s) {
	case BM_PASS:
		return NULL;
	case BM_FAIL:
	case BM_TIMEOUT:
	case BM_CONFIG:
		return "failure";
	case BM_CRASH:
	case BM_INFRA:
		return "error";
	case BM_SKIP:
	case BM_NONE:
		break;
	}
	return "skipped";
}

/* The message when there is no detail. */
static const char *outcome_phrase(enum bm_status s)
{
	switch (s) {
	case BM_PASS:
		return "passed";
	case BM_FAIL:
		return "failed";
	case BM_TIMEOUT:
		return "timed out";
	case BM_CONFIG:
		return "the final .config lacks an option the fragments asked for";
	case BM_CRASH:
		return "crashed: the test never reported";
	case BM_INFRA:
		return "infrastructure failure";
	case BM_SKIP:
		return "skipped";
	case BM_NONE:
		break;
	}
	return "not run";
}

static void counts_add(struct counts *c, enum bm_status s)
{
	const char *e = outcome_element(s);

	c->tests++;
	if (!e)
		return;
	if (strcmp(e, "failure") == 0)
		c->failures++;
	else if (strcmp(e, "error") == 0)
		c->errors++;
	else
		c->skipped++;
}

static double stage_seconds(const struct stage *st)
{
	return st->status != BM_NONE && isfinite(st->seconds) && st->seconds > 0 ? st->seconds : 0;
}

static struct counts job_counts(const struct job_result *j)
{
	struct counts c = { 0 };

	struct suite_iter it;

	counts_add(&c, j->build.status);
	counts_add(&c, j->boot.status);
	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts;
	     ts = suite_iter_next(&it))
		for (size_t k = 0; k < ts->n_cases; k++)
			counts_add(&c, ts->cases[k].status);
	c.seconds = stage_seconds(&j->build) + stage_seconds(&j->boot);
	return c;
}

/* Jenkins' xunit schema (junit-10.xsd) allows `skipped` on <testsuite> but not on <testsuites>,
 * whose strict consumers then reject the whole file. */
static void counts_attrs(struct xmlw *x, const struct counts *c, bool with_skipped)
{
	xmlw_attrf(x, "tests", "%u", c->tests);
	xmlw_attrf(x, "failures", "%u", c->failures);
	xmlw_attrf(x, "errors", "%u", c->errors);
	if (with_skipped)
		xmlw_attrf(x, "skipped", "%u", c->skipped);
	xmlw_attrf(x, "time", "%.3f", c->seconds);
}

static void property(struct xmlw *x, const char *name, const char *value)
{
	if (!value)
		return;
	xmlw_start(x, "property");
	xmlw_attr(x, "name", name);
	xmlw_attr(x, "value", value);
	xmlw_end(x);
}

/* The job's identity and environment; the toolchain manifest as "manifest.KEY". */
static void properties(struct xmlw *x, const struct job_result *j)
{
	_cleanup_free_ char *copy = xstrdup(j->manifest);
	char *save = NULL;

	xmlw_start(x, "properties");
	property(x, "arch", j->arch);
	property(x, "toolchain", j->toolchain);
	property(x, "kernel", j->kernel);
	property(x, "config", j->config);
	property(x, "machine", j->machine);
	property(x, "host", j->host);
	if (j->requeued) {
		_cleanup_free_ char *n = xasprintf("%u", j->requeued);

		property(x, "requeued", n);
	}
	property(x, "qemu", j->qemu_version);
	property(x, "libvirt", j->libvirt_version);
	property(x, "log_dir", j->log_dir);
	for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		_cleanup_free_ char *name = NULL;

		if (!colon)
			continue;
		*colon = '\0';
		if (!*str_strip(line))
			continue;
		name = xasprintf("manifest.%s", str_strip(line));
		property(x, name, str_strip(colon + 1));
	}
	xmlw_end(x);
}

/* One testcase. seconds < 0: no time attribute (cases are not timed). */
static void testcase(struct xmlw *x, const char *classname, const char *name, enum bm_status s,
		     const char *detail, double seconds, bool flaky, const char *log_dir)
{
	const char *elem = outcome_element(s);

	xmlw_start(x, "testcase");
	xmlw_attr(x, "classname", classname);
	xmlw_attr(x, "name", name ? name : "-");
	if (seconds >= 0)
		xmlw_attrf(x, "time", "%.3f", seconds);
	if (elem) {
		_cleanup_free_ char *message = xstrdup(detail && *detail ? detail : outcome_phrase(s));
		char *nl = strchr(message, '\n');

		/* The message is one line; the whole detail and where the logs are go in the text,
		 * which is what GitLab shows. */
		if (nl)
			*nl = '\0';
		xmlw_start(x, elem);
		xmlw_attr(x, "message", message);
		if (strcmp(elem, "skipped") != 0) {
			xmlw_attr(x, "type", bm_status_name(s));
			if (detail && *detail && log_dir)
				xmlw_textf(x, "%s\nlogs: %s", detail, log_dir);
			else if (detail && *detail)
				xmlw_text(x, detail);
			else if (log_dir)
				xmlw_textf(x, "logs: %s", log_dir);
		}
		xmlw_end(x);
	}
	if (flaky)
		xmlw_element(x, "system-out", "flaky: failed, then passed when the job was booted again");
	xmlw_end(x);
}

/* (classname, name) pairs seen in a testsuite: GitLab and Jenkins keep only the first of equal
 * pairs, so a repeated one (KUnit's parameterised "fibonacci param: 1" comes twice) gets " #2",
 * " #3"... The set holds "classname\x1fname" keys. */

/* name, or "name #N" for its N-th occurrence with this classname. Caller frees. */
static char *unique_name(struct strset *t, const char *classname, const char *name)
{
	_cleanup_free_ char *key = xasprintf("%s\x1f%s", classname, name);
	unsigned k = strset_add_numbered(t, key, " #");

	return k == 1 ? xstrdup(name) : xasprintf("%s #%u", name, k);
}

static void testsuite(struct xmlw *x, const struct job_result *j)
{
	struct counts c = job_counts(j);
	const char *id = j->id ? j->id : "-";
	struct strset seen = { 0 };
	struct suite_iter it;

	xmlw_start(x, "testsuite");
	xmlw_attr(x, "name", id);
	counts_attrs(x, &c, true);
	properties(x, j);
	testcase(x, id, "build", j->build.status, j->build.detail,
		 stage_seconds(&j->build), false, j->log_dir);
	testcase(x, id, "boot", j->boot.status, j->boot.detail, stage_seconds(&j->boot), false,
		 j->log_dir);
	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts;
	     ts = suite_iter_next(&it)) {
		_cleanup_free_ char *classname =
			xasprintf("%s.%s%s", id, ts->kind == SUITE_KSELFTEST ? "kselftest." : "",
				  ts->name ? ts->name : "-");

		for (size_t k = 0; k < ts->n_cases; k++) {
			const struct test_case *tc = &ts->cases[k];
			_cleanup_free_ char *name = unique_name(&seen, classname,
								tc->name ? tc->name : "-");

			testcase(x, classname, name, tc->status, tc->detail, -1, tc->flaky,
				 j->log_dir);
		}
	}
	strset_release(&seen);
	xmlw_end(x);
}

int report_junit_out(struct report_out *out, const char *run_id, const struct job_result *jobs,
		     size_t n, struct bm_err **err)
{
	_cleanup_(xmlw_freep) struct xmlw *x = xmlw_new_to(false, report_out_write, out);
	struct counts total = { 0 };

	for (size_t i = 0; i < n; i++) {
		struct counts c = job_counts(&jobs[i]);

		total.tests += c.tests;
		total.failures += c.failures;
		total.errors += c.errors;
		total.skipped += c.skipped;
		total.seconds += c.seconds;
	}
	xmlw_declaration(x);
	xmlw_start(x, "testsuites");
	xmlw_attrf(x, "name", "bootmatrix %s", run_id ? run_id : "-");
	counts_attrs(x, &total, false);
	for (size_t i = 0; i < n; i++)
		testsuite(x, &jobs[i]);
	xmlw_end(x);
	if (xmlw_finish(x, NULL, err) < 0)
		return bm_err_prefix(err, "JUnit report");
	return 0;
}

int report_junit(const char *run_id, const struct job_result *jobs, size_t n, char **ret_xml,
		 struct bm_err **err)
{
	struct report_out out = { 0 };

	return report_out_take(&out, report_junit_out(&out, run_id, jobs, n, err), ret_xml);
}
