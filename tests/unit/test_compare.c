/* compare: two runs built in memory, the items checked one by one. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare.h"
#include "result.h"
#include "util.h"

/* Building results. Ids are "ARCH-TOOLCHAIN", enough for matching. */
static void job_init(struct job_result *j, const char *arch, const char *toolchain,
		     enum bm_status build, enum bm_status boot)
{
	memset(j, 0, sizeof(*j));
	j->id = xasprintf("%s-%s", arch, toolchain);
	j->arch = xstrdup(arch);
	j->toolchain = xstrdup(toolchain);
	j->build.status = build;
	j->boot.status = boot;
}

static void add_suite(struct job_result *j, enum suite_kind kind, const char *name)
{
	struct test_results *r = &j->kunit;
	struct test_suite *ts;

	r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
	ts = &r->suites[r->n_suites++];
	memset(ts, 0, sizeof(*ts));
	ts->name = xstrdup(name);
	ts->kind = kind;
}

/* A case of the last suite (the counts do not matter to compare). */
static void add_case_flaky(struct job_result *j, const char *name, enum bm_status status,
			   bool flaky)
{
	struct test_suite *ts = &j->kunit.suites[j->kunit.n_suites - 1];

	ts->cases = xrealloc(ts->cases, (ts->n_cases + 1) * sizeof(*ts->cases));
	ts->cases[ts->n_cases++] = (struct test_case){ .name = xstrdup(name), .status = status,
						       .flaky = flaky };
}

static void add_case(struct job_result *j, const char *name, enum bm_status status)
{
	add_case_flaky(j, name, status, false);
}

static void jobs_release(struct job_result *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_result_release(&v[i]);
}

struct cmp {
	struct compare_item *v;
	size_t n;
};

static void cmp_run(struct cmp *c, const struct job_result *a, size_t na,
		    const struct job_result *b, size_t nb)
{
	c->v = (struct compare_item *)&c->n;	/* must be overwritten */
	c->n = 99;
	compare_runs(a, na, b, nb, &c->v, &c->n);
	if (c->n == 0)
		assert_null(c->v);
}

static void cmp_free(struct cmp *c)
{
	compare_items_free(c->v, c->n);
}

static void print_items(const struct cmp *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_item *it = &c->v[i];

		fprintf(stderr, "  %s %s %s:%s %s %s -> %s%s\n", compare_kind_name(it->kind),
			it->job, suite_kind_name(it->suite_kind), it->suite, it->name,
			bm_status_name(it->before), bm_status_name(it->after),
			it->flaky ? " (flaky)" : "");
	}
}

static void expect_n(const struct cmp *c, size_t n)
{
	if (c->n != n) {
		print_items(c);
		fail_msg("%zu items, expected %zu", c->n, n);
	}
}

static void expect_item(const struct cmp *c, size_t i, enum compare_kind kind, const char *job,
			enum suite_kind sk, const char *suite, const char *name,
			enum bm_status before, enum bm_status after, bool flaky)
{
	const struct compare_item *it;

	if (i >= c->n) {
		print_items(c);
		fail_msg("no item %zu", i);
	}
	it = &c->v[i];
	if (it->kind != kind || strcmp(it->job, job) != 0 || it->suite_kind != sk ||
	    strcmp(it->suite, suite) != 0 || strcmp(it->name, name) != 0 ||
	    it->before != before || it->after != after || it->flaky != flaky) {
		print_items(c);
		fail_msg("item %zu: expected %s %s %s:%s %s %s -> %s%s", i,
			 compare_kind_name(kind), job, suite_kind_name(sk), suite, name,
			 bm_status_name(before), bm_status_name(after), flaky ? " (flaky)" : "");
	}
}

#define K SUITE_KUNIT
#define KS SUITE_KSELFTEST

static void test_compare_same(void **state)
{
	struct job_result a, b;
	struct cmp c;

	(void)state;
	job_init(&a, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a, K, "example");
	add_case(&a, "simple", BM_PASS);
	add_case(&a, "skipped", BM_SKIP);
	add_case(&a, "broken", BM_FAIL);
	job_init(&b, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&b, K, "example");
	add_case(&b, "simple", BM_PASS);
	add_case(&b, "skipped", BM_SKIP);
	add_case(&b, "broken", BM_FAIL);

	cmp_run(&c, &a, 1, &b, 1);
	expect_n(&c, 0);
	cmp_free(&c);
	cmp_run(&c, NULL, 0, NULL, 0);
	expect_n(&c, 0);
	cmp_free(&c);
	job_result_release(&a);
	job_result_release(&b);
}

static void test_compare_regressions_fixes(void **state)
{
	struct job_result a, b;
	struct cmp c;

	(void)state;
	job_init(&a, "x86_64", "trixie", BM_PASS, BM_PASS);
	job_init(&b, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a, K, "s");
	add_suite(&b, K, "s");
	/* Regressions: pass or skip before, bad now. */
	add_case(&a, "r_fail", BM_PASS);
	add_case(&b, "r_fail", BM_FAIL);
	add_case(&a, "r_crash", BM_SKIP);
	add_case(&b, "r_crash", BM_CRASH);
	add_case(&a, "r_timeout", BM_PASS);
	add_case(&b, "r_timeout", BM_TIMEOUT);
	/* Fixes: bad before, pass now. */
	add_case(&a, "f_fail", BM_FAIL);
	add_case(&b, "f_fail", BM_PASS);
	add_case(&a, "f_timeout", BM_TIMEOUT);
	add_case(&b, "f_timeout", BM_PASS);
	/* Neither. */
	add_case(&a, "n_fail_skip", BM_FAIL);
	add_case(&b, "n_fail_skip", BM_SKIP);
	add_case(&a, "n_fail_crash", BM_FAIL);
	add_case(&b, "n_fail_crash", BM_CRASH);
	add_case(&a, "n_pass_skip", BM_PASS);
	add_case(&b, "n_pass_skip", BM_SKIP);
	add_case(&a, "n_skip_pass", BM_SKIP);
	add_case(&b, "n_skip_pass", BM_PASS);

	cmp_run(&c, &a, 1, &b, 1);
	expect_n(&c, 5);
	expect_item(&c, 0, CMP_REGRESSION, "x86_64-trixie", K, "s", "r_crash", BM_SKIP, BM_CRASH,
		    false);
	expect_item(&c, 1, CMP_REGRESSION, "x86_64-trixie", K, "s", "r_fail", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 2, CMP_REGRESSION, "x86_64-trixie", K, "s", "r_timeout", BM_PASS,
		    BM_TIMEOUT, false);
	expect_item(&c, 3, CMP_FIX, "x86_64-trixie", K, "s", "f_fail", BM_FAIL, BM_PASS, false);
	expect_item(&c, 4, CMP_FIX, "x86_64-trixie", K, "s", "f_timeout", BM_TIMEOUT, BM_PASS,
		    false);
	assert_string_equal(c.v[0].arch, "x86_64");
	assert_string_equal(c.v[0].toolchain, "trixie");
	cmp_free(&c);
	job_result_release(&a);
	job_result_release(&b);
}

/* Build and boot are pseudo-cases: suite and name "build"/"boot", KUnit kind. */
static void test_compare_stages(void **state)
{
	struct job_result a[3], b[3];
	struct cmp c;

	(void)state;
	job_init(&a[0], "arm64", "trixie", BM_PASS, BM_PASS);
	job_init(&b[0], "arm64", "trixie", BM_PASS, BM_CRASH);
	job_init(&a[1], "riscv64", "trixie", BM_PASS, BM_TIMEOUT);
	job_init(&b[1], "riscv64", "trixie", BM_PASS, BM_PASS);
	/* A dropped config option is a failure of the build stage. */
	job_init(&a[2], "um", "trixie", BM_PASS, BM_PASS);
	job_init(&b[2], "um", "trixie", BM_CONFIG, BM_NONE);

	cmp_run(&c, a, 3, b, 3);
	expect_n(&c, 3);
	expect_item(&c, 0, CMP_REGRESSION, "arm64-trixie", K, "boot", "boot", BM_PASS, BM_CRASH,
		    false);
	/* The boot that did not run after the failed build is not "vanished". */
	expect_item(&c, 1, CMP_REGRESSION, "um-trixie", K, "build", "build", BM_PASS, BM_CONFIG,
		    false);
	expect_item(&c, 2, CMP_FIX, "riscv64-trixie", K, "boot", "boot", BM_TIMEOUT, BM_PASS,
		    false);
	cmp_free(&c);

	/* And back: the build is fixed, the boot that runs again is not "new". */
	cmp_run(&c, b, 3, a, 3);
	expect_n(&c, 3);
	expect_item(&c, 0, CMP_REGRESSION, "riscv64-trixie", K, "boot", "boot", BM_PASS,
		    BM_TIMEOUT, false);
	expect_item(&c, 1, CMP_FIX, "arm64-trixie", K, "boot", "boot", BM_CRASH, BM_PASS, false);
	expect_item(&c, 2, CMP_FIX, "um-trixie", K, "build", "build", BM_CONFIG, BM_PASS, false);
	cmp_free(&c);
	jobs_release(a, 3);
	jobs_release(b, 3);
}

static void test_compare_new_vanished(void **state)
{
	struct job_result a[2], b[2];
	struct cmp c;

	(void)state;
	job_init(&a[0], "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a[0], K, "s");
	add_case(&a[0], "kept", BM_PASS);
	add_case(&a[0], "gone", BM_FAIL);
	add_suite(&a[0], K, "old_suite");
	add_case(&a[0], "x", BM_PASS);
	job_init(&b[0], "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&b[0], K, "s");
	add_case(&b[0], "kept", BM_PASS);
	add_case(&b[0], "added", BM_FAIL);
	/* A whole job only in the older run, and one only in the newer. */
	job_init(&a[1], "arm64", "sid", BM_PASS, BM_PASS);
	add_suite(&a[1], KS, "rust");
	add_case(&a[1], "t", BM_PASS);
	job_init(&b[1], "loongarch64", "trixie", BM_PASS, BM_CRASH);
	add_suite(&b[1], K, "s");
	add_case(&b[1], "kept", BM_PASS);

	cmp_run(&c, a, 2, b, 2);
	expect_n(&c, 9);
	/* A new case that fails is new, not a regression. */
	expect_item(&c, 0, CMP_NEW, "loongarch64-trixie", K, "boot", "boot", BM_NONE, BM_CRASH,
		    false);
	expect_item(&c, 1, CMP_NEW, "loongarch64-trixie", K, "build", "build", BM_NONE, BM_PASS,
		    false);
	expect_item(&c, 2, CMP_NEW, "loongarch64-trixie", K, "s", "kept", BM_NONE, BM_PASS, false);
	expect_item(&c, 3, CMP_NEW, "x86_64-trixie", K, "s", "added", BM_NONE, BM_FAIL, false);
	expect_item(&c, 4, CMP_VANISHED, "arm64-sid", K, "boot", "boot", BM_PASS, BM_NONE, false);
	expect_item(&c, 5, CMP_VANISHED, "arm64-sid", K, "build", "build", BM_PASS, BM_NONE,
		    false);
	expect_item(&c, 6, CMP_VANISHED, "arm64-sid", KS, "rust", "t", BM_PASS, BM_NONE, false);
	expect_item(&c, 7, CMP_VANISHED, "x86_64-trixie", K, "old_suite", "x", BM_PASS, BM_NONE,
		    false);
	expect_item(&c, 8, CMP_VANISHED, "x86_64-trixie", K, "s", "gone", BM_FAIL, BM_NONE, false);
	assert_string_equal(c.v[0].arch, "loongarch64");
	assert_string_equal(c.v[4].toolchain, "sid");
	cmp_free(&c);
	jobs_release(a, 2);
	jobs_release(b, 2);
}

/* infra is the harness's trouble: never a regression, never a fix. */
static void test_compare_infra_ignored(void **state)
{
	struct job_result a[3], b[3];
	struct cmp c;

	(void)state;
	job_init(&a[0], "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a[0], K, "s");
	add_case(&a[0], "to_infra", BM_PASS);
	add_case(&a[0], "from_infra", BM_INFRA);
	add_case(&a[0], "from_infra_bad", BM_INFRA);
	job_init(&b[0], "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&b[0], K, "s");
	add_case(&b[0], "to_infra", BM_INFRA);
	add_case(&b[0], "from_infra", BM_PASS);
	add_case(&b[0], "from_infra_bad", BM_FAIL);
	/* The boot hit infrastructure trouble: its missing cases are not "vanished". */
	job_init(&a[1], "arm64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a[1], K, "s");
	add_case(&a[1], "x", BM_PASS);
	job_init(&b[1], "arm64", "trixie", BM_PASS, BM_INFRA);
	/* The build did (debootstrap failed): the cases that come back are not "new". */
	job_init(&a[2], "riscv64", "trixie", BM_INFRA, BM_NONE);
	job_init(&b[2], "riscv64", "trixie", BM_PASS, BM_PASS);
	add_suite(&b[2], K, "s");
	add_case(&b[2], "x", BM_FAIL);

	cmp_run(&c, a, 3, b, 3);
	expect_n(&c, 0);
	cmp_free(&c);
	cmp_run(&c, b, 3, a, 3);
	expect_n(&c, 0);
	cmp_free(&c);
	jobs_release(a, 3);
	jobs_release(b, 3);
}

/* A build that failed in one run hides that run's cases: one build item, no new/vanished. */
static void test_compare_build_failure_hides_cases(void **state)
{
	struct job_result a, b;
	struct cmp c;

	(void)state;
	job_init(&a, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a, K, "s");
	add_case(&a, "x", BM_PASS);
	add_case(&a, "y", BM_FAIL);
	add_suite(&a, KS, "rust");
	add_case(&a, "t", BM_PASS);
	job_init(&b, "x86_64", "trixie", BM_FAIL, BM_NONE);

	cmp_run(&c, &a, 1, &b, 1);
	expect_n(&c, 1);
	expect_item(&c, 0, CMP_REGRESSION, "x86_64-trixie", K, "build", "build", BM_PASS, BM_FAIL,
		    false);
	cmp_free(&c);
	cmp_run(&c, &b, 1, &a, 1);
	expect_n(&c, 1);
	expect_item(&c, 0, CMP_FIX, "x86_64-trixie", K, "build", "build", BM_FAIL, BM_PASS, false);
	cmp_free(&c);
	job_result_release(&a);
	job_result_release(&b);
}

/* A boot that crashed cuts the output short: the cases it did report are compared, the ones it
 * never reached are not "vanished"; a case only in the complete run's newer side is new. */
static void test_compare_boot_crash_partial(void **state)
{
	struct job_result a, b;
	struct cmp c;

	(void)state;
	job_init(&a, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a, K, "s");
	add_case(&a, "first", BM_PASS);
	add_case(&a, "panics", BM_PASS);
	add_case(&a, "never_reached", BM_PASS);
	add_suite(&a, K, "later");
	add_case(&a, "z", BM_PASS);
	job_init(&b, "x86_64", "trixie", BM_PASS, BM_CRASH);
	add_suite(&b, K, "s");
	add_case(&b, "added", BM_PASS);
	add_case(&b, "first", BM_PASS);
	add_case(&b, "panics", BM_CRASH);

	cmp_run(&c, &a, 1, &b, 1);
	expect_n(&c, 3);
	expect_item(&c, 0, CMP_REGRESSION, "x86_64-trixie", K, "boot", "boot", BM_PASS, BM_CRASH,
		    false);
	expect_item(&c, 1, CMP_REGRESSION, "x86_64-trixie", K, "s", "panics", BM_PASS, BM_CRASH,
		    false);
	expect_item(&c, 2, CMP_NEW, "x86_64-trixie", K, "s", "added", BM_NONE, BM_PASS, false);
	cmp_free(&c);

	/* Reversed: "added" is missing from the complete newer run, so it vanished. */
	cmp_run(&c, &b, 1, &a, 1);
	expect_n(&c, 3);
	expect_item(&c, 0, CMP_FIX, "x86_64-trixie", K, "boot", "boot", BM_CRASH, BM_PASS, false);
	expect_item(&c, 1, CMP_FIX, "x86_64-trixie", K, "s", "panics", BM_CRASH, BM_PASS, false);
	expect_item(&c, 2, CMP_VANISHED, "x86_64-trixie", K, "s", "added", BM_PASS, BM_NONE,
		    false);
	cmp_free(&c);
	job_result_release(&a);
	job_result_release(&b);
}

/* A name may repeat in a suite: the nth before matches the nth after. */
static void test_compare_repeated_names(void **state)
{
	struct job_result a, b;
	struct cmp c;

	(void)state;
	job_init(&a, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a, K, "s");
	add_case(&a, "dup", BM_PASS);
	add_case(&a, "other", BM_PASS);
	add_case(&a, "dup", BM_FAIL);
	job_init(&b, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&b, K, "s");
	add_case(&b, "dup", BM_TIMEOUT);
	add_case(&b, "dup", BM_PASS);
	add_case(&b, "other", BM_PASS);
	add_case(&b, "dup", BM_CRASH);
	/* The same suite name twice (a suite printed twice) pools its cases, still in order. */
	add_suite(&b, K, "s");
	add_case(&b, "dup", BM_FAIL);

	cmp_run(&c, &a, 1, &b, 1);
	expect_n(&c, 4);
	expect_item(&c, 0, CMP_REGRESSION, "x86_64-trixie", K, "s", "dup", BM_PASS, BM_TIMEOUT,
		    false);
	expect_item(&c, 1, CMP_FIX, "x86_64-trixie", K, "s", "dup", BM_FAIL, BM_PASS, false);
	expect_item(&c, 2, CMP_NEW, "x86_64-trixie", K, "s", "dup", BM_NONE, BM_CRASH, false);
	expect_item(&c, 3, CMP_NEW, "x86_64-trixie", K, "s", "dup", BM_NONE, BM_FAIL, false);
	cmp_free(&c);
	job_result_release(&a);
	job_result_release(&b);
}

/* flaky comes from the newer case; a vanished case has none. */
static void test_compare_flaky(void **state)
{
	struct job_result a, b;
	struct cmp c;

	(void)state;
	job_init(&a, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&a, K, "s");
	add_case(&a, "fixed_flaky", BM_FAIL);
	add_case(&a, "still_passes", BM_PASS);
	add_case_flaky(&a, "was_flaky", BM_PASS, true);
	add_case_flaky(&a, "gone", BM_PASS, true);
	job_init(&b, "x86_64", "trixie", BM_PASS, BM_PASS);
	add_suite(&b, K, "s");
	add_case_flaky(&b, "fixed_flaky", BM_PASS, true);
	/* Failed once, passed on the re-run: flaky, not a regression. */
	add_case_flaky(&b, "still_passes", BM_PASS, true);
	add_case(&b, "was_flaky", BM_FAIL);
	add_case_flaky(&b, "new_flaky", BM_PASS, true);

	cmp_run(&c, &a, 1, &b, 1);
	expect_n(&c, 4);
	expect_item(&c, 0, CMP_REGRESSION, "x86_64-trixie", K, "s", "was_flaky", BM_PASS,
		    BM_FAIL, false);
	expect_item(&c, 1, CMP_FIX, "x86_64-trixie", K, "s", "fixed_flaky", BM_FAIL, BM_PASS,
		    true);
	expect_item(&c, 2, CMP_NEW, "x86_64-trixie", K, "s", "new_flaky", BM_NONE, BM_PASS, true);
	expect_item(&c, 3, CMP_VANISHED, "x86_64-trixie", K, "s", "gone", BM_PASS, BM_NONE, false);
	cmp_free(&c);
	job_result_release(&a);
	job_result_release(&b);
}

/* Items by kind, then job, suite (KUnit before kselftest on a tie), name; input order does not
 * matter, and the suite kind is part of the key. */
static void test_compare_order(void **state)
{
	struct job_result a[3], b[3];
	struct cmp c;

	(void)state;
	job_init(&a[0], "x86_64", "trixie", BM_PASS, BM_PASS);
	job_init(&a[1], "arm64", "trixie", BM_PASS, BM_PASS);
	job_init(&a[2], "riscv64", "trixie", BM_PASS, BM_PASS);
	/* Newer run in another order. */
	job_init(&b[0], "riscv64", "trixie", BM_PASS, BM_PASS);
	job_init(&b[1], "x86_64", "trixie", BM_PASS, BM_PASS);
	job_init(&b[2], "arm64", "trixie", BM_PASS, BM_FAIL);
	for (int i = 0; i < 3; i++) {
		add_suite(&a[i], KS, "net");
		add_case(&a[i], "b", BM_PASS);
		add_case(&a[i], "a", BM_FAIL);
		add_suite(&a[i], K, "net");
		add_case(&a[i], "b", BM_PASS);
		add_suite(&a[i], K, "alpha");
		add_case(&a[i], "z", BM_PASS);
	}
	for (int i = 0; i < 3; i++) {
		add_suite(&b[i], K, "net");
		add_case(&b[i], "b", BM_FAIL);
		add_suite(&b[i], K, "alpha");
		add_case(&b[i], "z", BM_FAIL);
		add_suite(&b[i], KS, "net");
		add_case(&b[i], "b", BM_CRASH);
		add_case(&b[i], "a", BM_PASS);
	}

	cmp_run(&c, a, 3, b, 3);
	expect_n(&c, 13);
	expect_item(&c, 0, CMP_REGRESSION, "arm64-trixie", K, "alpha", "z", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 1, CMP_REGRESSION, "arm64-trixie", K, "boot", "boot", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 2, CMP_REGRESSION, "arm64-trixie", K, "net", "b", BM_PASS, BM_FAIL, false);
	expect_item(&c, 3, CMP_REGRESSION, "arm64-trixie", KS, "net", "b", BM_PASS, BM_CRASH,
		    false);
	expect_item(&c, 4, CMP_REGRESSION, "riscv64-trixie", K, "alpha", "z", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 5, CMP_REGRESSION, "riscv64-trixie", K, "net", "b", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 6, CMP_REGRESSION, "riscv64-trixie", KS, "net", "b", BM_PASS, BM_CRASH,
		    false);
	expect_item(&c, 7, CMP_REGRESSION, "x86_64-trixie", K, "alpha", "z", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 8, CMP_REGRESSION, "x86_64-trixie", K, "net", "b", BM_PASS, BM_FAIL,
		    false);
	expect_item(&c, 9, CMP_REGRESSION, "x86_64-trixie", KS, "net", "b", BM_PASS, BM_CRASH,
		    false);
	expect_item(&c, 10, CMP_FIX, "arm64-trixie", KS, "net", "a", BM_FAIL, BM_PASS, false);
	expect_item(&c, 11, CMP_FIX, "riscv64-trixie", KS, "net", "a", BM_FAIL, BM_PASS, false);
	expect_item(&c, 12, CMP_FIX, "x86_64-trixie", KS, "net", "a", BM_FAIL, BM_PASS, false);
	cmp_free(&c);
	jobs_release(a, 3);
	jobs_release(b, 3);
}

static void test_compare_kind_name(void **state)
{
	(void)state;
	assert_string_equal(compare_kind_name(CMP_REGRESSION), "regression");
	assert_string_equal(compare_kind_name(CMP_FIX), "fix");
	assert_string_equal(compare_kind_name(CMP_NEW), "new");
	assert_string_equal(compare_kind_name(CMP_VANISHED), "vanished");
	assert_string_equal(compare_kind_name((enum compare_kind)42), "unknown");
	compare_items_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_same),
		cmocka_unit_test(test_compare_regressions_fixes),
		cmocka_unit_test(test_compare_stages),
		cmocka_unit_test(test_compare_new_vanished),
		cmocka_unit_test(test_compare_infra_ignored),
		cmocka_unit_test(test_compare_build_failure_hides_cases),
		cmocka_unit_test(test_compare_boot_crash_partial),
		cmocka_unit_test(test_compare_repeated_names),
		cmocka_unit_test(test_compare_flaky),
		cmocka_unit_test(test_compare_order),
		cmocka_unit_test(test_compare_kind_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
