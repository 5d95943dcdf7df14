/* Checks: parsing, and the verdict on real-shaped job results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "err.h"
#include "util.h"

static void test_parse(void **state)
{
	struct check c;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(check_parse("build, kunit:list-kunit-test.list_test_list_add,kselftest:rust", &c, &e), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.items[0].kind, CHECK_BUILD);
	assert_int_equal(c.items[1].kind, CHECK_SUITE);
	assert_int_equal(c.items[1].suite_kind, SUITE_KUNIT);
	assert_string_equal(c.items[1].suite, "list-kunit-test");
	assert_string_equal(c.items[1].name, "list_test_list_add");
	assert_int_equal(c.items[2].suite_kind, SUITE_KSELFTEST);
	assert_null(c.items[2].name);
	check_release(&c);
	/* A case name may hold dots: only the first one splits. */
	assert_int_equal(check_parse("kselftest:rust.test_probe_samples.sh.rust_minimal", &c, &e), 0);
	assert_string_equal(c.items[0].name, "test_probe_samples.sh.rust_minimal");
	check_release(&c);
	assert_int_equal(check_parse("kunit", &c, &e), -1);
	assert_string_equal(e->msg, "unknown check 'kunit' (known: build, boot, kunit:SUITE[.CASE], "
				    "kselftest:TARGET[.CASE])");
	bm_err_freep(&e);
	assert_int_equal(check_parse("kunit:", &c, &e), -1);
	bm_err_freep(&e);
	assert_int_equal(check_parse("kunit:x.", &c, &e), -1);
	bm_err_freep(&e);
	assert_int_equal(check_parse(",", &c, &e), -1);
	bm_err_freep(&e);
}

static struct test_case cases[] = {
	{ .name = (char *)"list_test_list_init", .status = BM_PASS },
	{ .name = (char *)"list_test_list_add", .status = BM_FAIL },
};
static struct test_suite suites[] = {
	{ .name = (char *)"list-kunit-test", .status = BM_FAIL, .pass = 1, .fail = 1, .cases = cases,
	  .n_cases = 2 },
};

static struct job_result job(enum bm_status build, enum bm_status boot)
{
	struct job_result j = { .build = { .status = build }, .boot = { .status = boot } };

	j.kunit.suites = suites;
	j.kunit.n_suites = 1;
	return j;
}

static enum verdict decide(const char *spec, struct job_result j, const char *why_start)
{
	struct check c;
	struct bm_err *e = NULL;
	char *why = NULL;
	enum verdict v;

	assert_int_equal(check_parse(spec, &c, &e), 0);
	v = check_decide(&c, &j, &why);
	if (strncmp(why, why_start, strlen(why_start)) != 0)
		fail_msg("why: '%s', want it to start with '%s'", why, why_start);
	free(why);
	check_release(&c);
	return v;
}

static void test_decide(void **state)
{
	(void)state;
	cases[1].status = BM_FAIL;
	cases[1].flaky = false;
	assert_int_equal(decide("kunit:list-kunit-test.list_test_list_init", job(BM_PASS, BM_PASS),
				"the check passed"), VERDICT_GOOD);
	assert_int_equal(decide("kunit:list-kunit-test.list_test_list_add", job(BM_PASS, BM_PASS),
				"kunit:list-kunit-test.list_test_list_add fail"), VERDICT_BAD);
	assert_int_equal(decide("kunit:list-kunit-test", job(BM_PASS, BM_PASS),
				"kunit:list-kunit-test fail"), VERDICT_BAD);
	assert_int_equal(decide("kunit:no-such-suite", job(BM_PASS, BM_PASS),
				"kunit:no-such-suite did not run"), VERDICT_BAD);
	/* A build failure the check is not about: skip; one it is about: bad. */
	assert_int_equal(decide("kunit:list-kunit-test", job(BM_FAIL, BM_NONE), "build fail"),
			 VERDICT_SKIP);
	assert_int_equal(decide("build", job(BM_FAIL, BM_NONE), "build fail"), VERDICT_BAD);
	assert_int_equal(decide("build", job(BM_PASS, BM_NONE), "build pass"), VERDICT_GOOD);
	/* Infrastructure: try again, never a verdict on the kernel. */
	assert_int_equal(decide("boot", job(BM_PASS, BM_INFRA), "infrastructure"), VERDICT_RETRY);
	assert_int_equal(decide("boot", job(BM_PASS, BM_CRASH), "boot crash"), VERDICT_BAD);
	assert_int_equal(decide("kselftest:rust", job(BM_PASS, BM_TIMEOUT), "boot timeout"), VERDICT_BAD);
	/* A flaky case is tested again. */
	cases[1].status = BM_PASS;
	cases[1].flaky = true;
	assert_int_equal(decide("kunit:list-kunit-test.list_test_list_add", job(BM_PASS, BM_PASS),
				"kunit:list-kunit-test.list_test_list_add is flaky"), VERDICT_RETRY);
	cases[1].status = BM_FAIL;
	cases[1].flaky = false;
	assert_string_equal(verdict_name(VERDICT_SKIP), "skip");
}

/* A toolchain whose rustc the kernel refuses (the build's config stage, typed by the build) is a
 * skip in a toolchain bisect, in make rustavailable's words; any other config or build failure
 * is not. */
static void test_below_minimum(void **state)
{
	struct job_result j = job(BM_CONFIG, BM_NONE);
	enum verdict v = VERDICT_BAD;
	char *why = xstrdup("build config");

	(void)state;
	j.build.detail = (char *)"options did not stick: CONFIG_RUST (make rustavailable: Rust compiler "
				 "'rustc' is too old. Your version: 1.63.0 Minimum version: 1.78.0)";
	assert_false(check_below_minimum(&j, &v, &why));
	assert_int_equal(v, VERDICT_BAD);
	assert_string_equal(why, "build config");
	j.build.rust_unavailable = true;
	assert_true(check_below_minimum(&j, &v, &why));
	assert_int_equal(v, VERDICT_SKIP);
	assert_string_equal(why, "below the kernel's minimum (Rust compiler 'rustc' is too old. Your "
				 "version: 1.63.0 Minimum version: 1.78.0)");
	/* a failed build that merely quotes the words is not one */
	j = job(BM_FAIL, BM_NONE);
	j.build.detail = (char *)"error: make rustavailable: said something";
	v = VERDICT_BAD;
	assert_false(check_below_minimum(&j, &v, &why));
	assert_int_equal(v, VERDICT_BAD);
	free(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_below_minimum),
	};

	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
