/* kselftest results synthesised for targets the guest could not report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kselftest.h"
#include "util.h"

static const struct test_suite *suite(const struct test_results *r, const char *name)
{
	for (size_t i = 0; i < r->n_suites; i++)
		if (strcmp(r->suites[i].name, name) == 0)
			return &r->suites[i];
	return NULL;
}

/* Could not run (infra), then the more precise "did not build" replaces it; absent is skip. */
static void test_targets(void **state)
{
	struct test_results r = { 0 };
	char *const targets[] = { (char *)"rust", (char *)"size", NULL };
	char *const missing[] = { (char *)"rust", NULL };
	char *const absent[] = { (char *)"gone", NULL };
	const struct test_suite *s;

	(void)state;
	kselftest_results_add_targets(&r, targets, BM_INFRA, "run", "UML cannot run user space");
	assert_int_equal(r.n_suites, 2);
	s = suite(&r, "size");
	assert_non_null(s);
	assert_int_equal(s->kind, SUITE_KSELFTEST);
	assert_int_equal(s->status, BM_INFRA);
	assert_string_equal(s->cases[0].name, "run");
	assert_string_equal(s->cases[0].detail, "UML cannot run user space");
	kselftest_results_add_unbuilt(&r, missing, absent, "um", "7.2.0");
	assert_int_equal(r.n_suites, 3);
	s = suite(&r, "rust");
	assert_int_equal(s->status, BM_FAIL);
	assert_int_equal(s->n_cases, 1);
	assert_string_equal(s->cases[0].name, "build");
	assert_string_equal(s->cases[0].detail,
			    "the selftests of 'rust' did not build for um (see build.log)");
	s = suite(&r, "gone");
	assert_int_equal(s->status, BM_SKIP);
	assert_string_equal(s->cases[0].detail, "kernel 7.2.0 has no tools/testing/selftests/gone");
	assert_int_equal(r.fail, 1);
	assert_int_equal(r.skip, 1);
	test_results_release(&r);
}

/* Nothing to add: nothing changes. */
static void test_none(void **state)
{
	struct test_results r = { 0 };

	(void)state;
	kselftest_results_add_unbuilt(&r, NULL, NULL, "x86_64", NULL);
	kselftest_results_add_targets(&r, NULL, BM_INFRA, "run", "why");
	assert_int_equal(r.n_suites, 0);
	test_results_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
