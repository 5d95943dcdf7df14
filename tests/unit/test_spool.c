/* spool: suites written to a temporary file and read back, walked again and again, added to
 * between walks; and every report format of a real console the same, byte for byte, whether the
 * job holds its suites or reads them back from a spool (what parse --format does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "ktap.h"
#include "report.h"
#include "result.h"
#include "spool.h"
#include "util.h"

static void assert_suite_equal(const struct test_suite *a, const struct test_suite *b)
{
	if (a->name || b->name)
		assert_string_equal(a->name, b->name);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->pass, b->pass);
	assert_int_equal(a->fail, b->fail);
	assert_int_equal(a->skip, b->skip);
	assert_int_equal(a->crash, b->crash);
	assert_int_equal(a->n_cases, b->n_cases);
	for (size_t i = 0; i < a->n_cases; i++) {
		const struct test_case *x = &a->cases[i], *y = &b->cases[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->flaky, y->flaky);
		if (x->detail || y->detail)
			assert_string_equal(x->detail, y->detail);
	}
}

/* Walk r from its source: the suites must be want[0..n). */
static void assert_walk(const struct test_results *r, const struct test_suite *want, size_t n)
{
	struct suite_iter it;
	size_t i = 0;

	for (const struct test_suite *s = suite_iter_first(&it, r); s; s = suite_iter_next(&it)) {
		assert_true(i < n);
		assert_suite_equal(s, &want[i++]);
	}
	assert_int_equal(i, n);
}

static void test_round_trip(void **state)
{
	struct test_case c1[] = {
		{ .name = (char *)"a", .status = BM_PASS },
		{ .name = (char *)"b", .status = BM_FAIL, .detail = (char *)"x != y\nline two" },
		{ .name = (char *)"", .status = BM_SKIP, .detail = (char *)"", .flaky = true },
	};
	struct test_case c3[] = { { .name = (char *)"t.#2", .status = BM_TIMEOUT } };
	struct test_suite suites[] = {
		{ .name = (char *)"one", .status = BM_FAIL, .pass = 1, .fail = 1, .skip = 1,
		  .cases = c1, .n_cases = 3 },
		{ .name = (char *)"empty", .status = BM_CRASH },
		{ .name = (char *)"timers", .status = BM_TIMEOUT, .fail = 1, .cases = c3,
		  .n_cases = 1, .kind = SUITE_KSELFTEST },
		/* the same name again, and the same name of another kind */
		{ .name = (char *)"one", .status = BM_PASS, .pass = 1, .cases = c1, .n_cases = 1 },
		{ .name = (char *)"one", .status = BM_PASS, .kind = SUITE_KSELFTEST },
	};
	_cleanup_(spool_freep) struct spool *sp = NULL;
	struct test_results r = { 0 };
	struct bm_err *err = NULL;

	(void)state;
	assert_int_equal(spool_new(&sp, &err), 0);
	spool_add(sp, &suites[0]);
	spool_add(sp, &suites[1]);
	spool_results(sp, &r);
	assert_walk(&r, suites, 2);
	assert_walk(&r, suites, 2);
	/* written to after a walk, read again from the start */
	for (size_t i = 2; i < ARRAY_SIZE(suites); i++)
		spool_add(sp, &suites[i]);
	test_results_release(&r);
	spool_results(sp, &r);
	assert_walk(&r, suites, ARRAY_SIZE(suites));
	/* what a matrix shows: the first of each kind and name, without cases */
	assert_int_equal(r.n_suites, 4);
	assert_string_equal(r.suites[0].name, "one");
	assert_int_equal(r.suites[0].fail, 1);
	assert_int_equal(r.suites[0].n_cases, 0);
	assert_null(r.suites[0].cases);
	assert_string_equal(r.suites[1].name, "empty");
	assert_string_equal(r.suites[2].name, "timers");
	assert_string_equal(r.suites[3].name, "one");
	assert_int_equal(r.suites[3].kind, SUITE_KSELFTEST);
	assert_int_equal(spool_error(sp, &err), 0);
	test_results_release(&r);
}

static void sink_to_spool(void *ctx, struct test_suite *s)
{
	spool_add(ctx, s);
	test_suite_release(s);
}

/* Every format, every real console: the same text from a spool as from memory. */
static void test_formats_same(void **state)
{
	static const char *const logs[] = {
		"x86_64-rust-kunit.log", "x86_64-kselftest-console.log", "kselftest-timeout.log",
		"test_kernel_panic_interrupt.log", "test_is_test_passed-failure.log",
	};
	struct report_run_meta meta = { .run_id = "spool", .plan = "p.yaml" };

	(void)state;
	for (size_t l = 0; l < ARRAY_SIZE(logs); l++) {
		const char *d = getenv("BM_TESTDATA");
		_cleanup_free_ char *path = xasprintf("%s/ktap/%s", d ? d : "tests/data", logs[l]);
		_cleanup_free_ char *buf = NULL;
		_cleanup_(spool_freep) struct spool *sp = NULL;
		struct job_result mem = { .id = (char *)"job", .arch = (char *)"x86_64",
					  .build = { .status = BM_PASS },
					  .boot = { .status = BM_PASS } };
		struct job_result spooled = mem;
		struct ktap_parser *p;
		struct bm_err *err = NULL;
		size_t len;

		if (file_read(path, &buf, &len, &err) < 0)
			fail_msg("%s", err->msg);
		p = ktap_parser_new();
		ktap_parser_feed(p, buf, len);
		ktap_parser_finish(p, &mem.kunit);
		ktap_parser_free(p);

		assert_int_equal(spool_new(&sp, &err), 0);
		p = ktap_parser_new();
		ktap_parser_set_sink(p, sink_to_spool, sp);
		ktap_parser_feed(p, buf, len);
		ktap_parser_finish(p, &spooled.kunit);
		ktap_parser_free(p);
		spool_results(sp, &spooled.kunit);
		assert_non_null(spooled.kunit.source);

		for (size_t i = 0; i < report_n_formats; i++) {
			_cleanup_free_ char *want = NULL, *got = NULL;

			assert_int_equal(report_render(&report_formats[i], &meta, &mem, 1, NULL, 0,
						       &want, &err), 0);
			assert_int_equal(report_render(&report_formats[i], &meta, &spooled, 1, NULL,
						       0, &got, &err), 0);
			if (strcmp(want, got) != 0)
				fail_msg("%s, --format %s: differs from memory", logs[l],
					 report_formats[i].name);
		}
		assert_int_equal(spool_error(sp, &err), 0);
		test_results_release(&mem.kunit);
		test_results_release(&spooled.kunit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_formats_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
