/* What the matrix reports share (report_matrix.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "report_matrix.h"
#include "util.h"

const char *const report_matrix_fixed[REPORT_MATRIX_N_FIXED] = {
	"arch", "toolchain", "rustc", "kernel", "config", "build", "boot",
};

/* The first word of a manifest line that starts with a digit: "rustc: rustc 1.85.1 (4eb1 ...)"
 * gives "1.85.1"; NULL when the key or a version is missing. Caller frees. */
char *report_manifest_version(const char *manifest, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = manifest; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > n && strncmp(p, key, n) == 0 && p[n] == ':') {
			for (const char *w = p + n + 1; w < p + len; w++)
				if (isdigit((unsigned char)*w) && (w == p + n + 1 || w[-1] == ' ')) {
					size_t k = strcspn(w, " \n()");

					return xstrndup(w, k);
				}
			return NULL;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}


static bool cols_contain(const struct report_matrix_col *cols, size_t n, enum suite_kind kind,
			 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (cols[i].kind == kind && strcmp(cols[i].name, name) == 0)
			return true;
	return false;
}

size_t report_matrix_cols(const struct job_result *jobs, size_t n,
			  struct report_matrix_col **ret_cols)
{
	static const enum suite_kind kinds[] = { SUITE_KUNIT, SUITE_KSELFTEST };
	struct report_matrix_col *cols = NULL;
	size_t n_cols = 0;

	/* Within each kind the Rust suites (named rust*) stand together, first. */
	for (size_t k = 0; k < 2 * ARRAY_SIZE(kinds); k++)
		for (size_t i = 0; i < n; i++)
			for (size_t s = 0; s < jobs[i].kunit.n_suites; s++) {
				const struct test_suite *ts = &jobs[i].kunit.suites[s];
				/* Any kind but kselftest is KUnit. */
				enum suite_kind kind = ts->kind == SUITE_KSELFTEST ? SUITE_KSELFTEST :
					SUITE_KUNIT;
				bool rust_pass = k % 2 == 0;

				if (kind != kinds[k / 2] || !ts->name ||
				    str_has_prefix(ts->name, "rust") != rust_pass ||
				    cols_contain(cols, n_cols, kind, ts->name))
					continue;
				cols = xrealloc(cols, (n_cols + 1) * sizeof(*cols));
				cols[n_cols++] = (struct report_matrix_col){ kind, ts->name };
			}
	*ret_cols = cols;
	return n_cols;
}

const char *report_matrix_col_prefix(const struct report_matrix_col *col)
{
	return col->kind == SUITE_KSELFTEST ? "ks:" : "";
}

void report_matrix_cell(const struct job_result *j, const struct report_matrix_col *col,
			struct report_matrix_cell *ret_cell)
{
	const struct test_suite *ts = NULL;
	char flags[4], *f = flags;

	for (size_t i = 0; i < j->kunit.n_suites && !ts; i++) {
		const struct test_suite *t = &j->kunit.suites[i];

		if (t->kind == col->kind && t->name && strcmp(t->name, col->name) == 0)
			ts = t;
	}
	if (!ts) {
		*ret_cell = (struct report_matrix_cell){ .suite = NULL, .worst = BM_NONE, .text = "-" };
		return;
	}
	/* A suite that could not run at all (infrastructure) says so instead of "0/0". */
	if (ts->status == BM_INFRA && !ts->pass && !ts->fail && !ts->skip && !ts->crash) {
		*ret_cell = (struct report_matrix_cell){ .suite = ts, .worst = BM_INFRA, .text = "infra" };
		return;
	}
	if (ts->fail || ts->status == BM_FAIL)
		*f++ = 'F';
	if (ts->crash || ts->status == BM_CRASH)
		*f++ = 'C';
	if (ts->skip || ts->status == BM_SKIP)
		*f++ = 'S';
	*f = '\0';
	ret_cell->suite = ts;
	ret_cell->worst = flags[0] == 'F' ? BM_FAIL : flags[0] == 'C' ? BM_CRASH :
		flags[0] == 'S' ? BM_SKIP : BM_PASS;
	snprintf(ret_cell->text, sizeof(ret_cell->text), "%u/%u%s%s", ts->pass,
		 ts->pass + ts->fail + ts->skip + ts->crash, *flags ? " " : "", flags);
}

void report_matrix_totals(const struct job_result *jobs, size_t n,
			  struct report_totals *ret_totals)
{
	struct report_totals t = { 0 };

	for (size_t i = 0; i < n; i++) {
		enum bm_status s = job_result_status(&jobs[i]);

		if ((size_t)s < ARRAY_SIZE(t.by_status))
			t.by_status[s]++;
		t.pass += jobs[i].kunit.pass;
		t.fail += jobs[i].kunit.fail;
		t.skip += jobs[i].kunit.skip;
		t.crash += jobs[i].kunit.crash;
	}
	*ret_totals = t;
}
