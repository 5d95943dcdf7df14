/* KTAP parser: real console logs (the kernel's own kunit_tool test data and a Rust-enabled x86_64
 * boot), chunking that must not matter, the status rules, several documents on one console, and
 * garbage that must not crash it. */
#include <dirent.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ktap.h"
#include "report.h"
#include "result.h"
#include "util.h"

static char *data(const char *name)
{
	const char *d = getenv("BM_TESTDATA");

	return xasprintf("%s/ktap/%s", d ? d : "tests/data", name);
}

static char *read_log(const char *name, size_t *ret_len)
{
	_cleanup_free_ char *path = data(name);
	char *buf = NULL;

	if (file_read(path, &buf, ret_len, NULL) < 0)
		fail_msg("cannot read '%s' (run from the repo root or set BM_TESTDATA)", path);
	return buf;
}

/* chunk 0: the whole buffer at once; SIZE_MAX: line by line through ktap_parser_feed_line. */
static void parse_buf(const char *buf, size_t len, size_t chunk, struct test_results *ret,
		      bool *ret_done)
{
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();

	if (chunk == SIZE_MAX) {
		_cleanup_free_ char *copy = xstrndup(buf, len);
		char *save = NULL;

		/* strtok_r would merge empty lines; they carry nothing anyway. */
		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			ktap_parser_feed_line(p, l);
	} else if (chunk == 0) {
		ktap_parser_feed(p, buf, len);
	} else {
		for (size_t off = 0; off < len; off += chunk)
			ktap_parser_feed(p, buf + off, len - off < chunk ? len - off : chunk);
	}
	if (ret_done)
		*ret_done = ktap_parser_done(p);
	assert_int_equal(ktap_parser_finish(p, ret), 0);
}

static void parse_log(const char *name, struct test_results *ret, bool *ret_done)
{
	size_t len;
	_cleanup_free_ char *buf = read_log(name, &len);

	parse_buf(buf, len, 0, ret, ret_done);
}

static void parse_str(const char *s, struct test_results *ret, bool *ret_done)
{
	parse_buf(s, strlen(s), 0, ret, ret_done);
}

static void expect_totals(const struct test_results *r, unsigned pass, unsigned fail,
			  unsigned skip, unsigned crash, size_t n_suites)
{
	assert_int_equal(r->pass, pass);
	assert_int_equal(r->fail, fail);
	assert_int_equal(r->skip, skip);
	assert_int_equal(r->crash, crash);
	assert_int_equal(r->n_suites, n_suites);

	/* The totals are the sums of the suites, and each suite's counts those of its cases. */
	unsigned sum[4] = { 0 };

	for (size_t i = 0; i < r->n_suites; i++) {
		const struct test_suite *s = &r->suites[i];
		unsigned c[4] = { 0 };

		assert_non_null(s->name);
		assert_true(s->n_cases > 0);
		for (size_t j = 0; j < s->n_cases; j++) {
			assert_non_null(s->cases[j].name);
			switch (s->cases[j].status) {
			case BM_PASS:
				c[0]++;
				break;
			case BM_FAIL:
			case BM_TIMEOUT:
				c[1]++;
				break;
			case BM_SKIP:
				c[2]++;
				break;
			case BM_CRASH:
				c[3]++;
				break;
			default:
				fail_msg("case '%s' has status %s", s->cases[j].name,
					 bm_status_name(s->cases[j].status));
			}
		}
		assert_int_equal(s->pass, c[0]);
		assert_int_equal(s->fail, c[1]);
		assert_int_equal(s->skip, c[2]);
		assert_int_equal(s->crash, c[3]);
		for (int k = 0; k < 4; k++)
			sum[k] += c[k];
	}
	assert_int_equal(sum[0], pass);
	assert_int_equal(sum[1], fail);
	assert_int_equal(sum[2], skip);
	assert_int_equal(sum[3], crash);
}

static const struct test_suite *suite_find(const struct test_results *r, const char *name)
{
	for (size_t i = 0; i < r->n_suites; i++)
		if (strcmp(r->suites[i].name, name) == 0)
			return &r->suites[i];
	fail_msg("no suite '%s'", name);
	return NULL;
}

static const struct test_case *case_find(const struct test_suite *s, const char *name)
{
	for (size_t i = 0; i < s->n_cases; i++)
		if (strcmp(s->cases[i].name, name) == 0)
			return &s->cases[i];
	fail_msg("no case '%s' in suite '%s'", name, s->name);
	return NULL;
}

static void expect_same(const struct test_results *a, const struct test_results *b)
{
	assert_int_equal(a->pass, b->pass);
	assert_int_equal(a->fail, b->fail);
	assert_int_equal(a->skip, b->skip);
	assert_int_equal(a->crash, b->crash);
	assert_int_equal(a->n_suites, b->n_suites);
	for (size_t i = 0; i < a->n_suites; i++) {
		const struct test_suite *x = &a->suites[i], *y = &b->suites[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->n_cases, y->n_cases);
		for (size_t j = 0; j < x->n_cases; j++) {
			assert_string_equal(x->cases[j].name, y->cases[j].name);
			assert_int_equal(x->cases[j].status, y->cases[j].status);
			if (x->cases[j].detail || y->cases[j].detail)
				assert_string_equal(x->cases[j].detail, y->cases[j].detail);
		}
	}
}

static void test_all_passed(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("test_is_test_passed-all_passed.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 10, 0, 0, 0, 2);
	assert_string_equal(r.suites[0].name, "sysctl_test");
	assert_int_equal(r.suites[0].status, BM_PASS);
	assert_int_equal(r.suites[0].n_cases, 8);
	assert_string_equal(r.suites[0].cases[0].name, "sysctl_test_dointvec_null_tbl_data");
	assert_string_equal(r.suites[1].name, "example");
	assert_string_equal(r.suites[1].cases[1].name, "example_mock_test");
	test_results_release(&r);
}

static void test_failure(void **state)
{
	struct test_results r;

	(void)state;
	parse_log("test_is_test_passed-failure.log", &r, NULL);
	expect_totals(&r, 9, 1, 0, 0, 2);
	const struct test_suite *s = suite_find(&r, "example");

	assert_int_equal(s->status, BM_FAIL);
	assert_int_equal(case_find(s, "example_simple_test")->status, BM_FAIL);
	assert_int_equal(case_find(s, "example_mock_test")->status, BM_PASS);
	assert_int_equal(suite_find(&r, "sysctl_test")->status, BM_PASS);
	test_results_release(&r);
}

static void test_skip(void **state)
{
	struct test_results r;

	(void)state;
	parse_log("test_skip_tests.log", &r, NULL);
	expect_totals(&r, 4, 0, 1, 0, 2);
	const struct test_case *c = case_find(suite_find(&r, "example"), "example_skip_test");

	assert_int_equal(c->status, BM_SKIP);
	assert_string_equal(c->detail, "SKIP this test should be skipped");
	assert_int_equal(suite_find(&r, "example")->status, BM_PASS);
	test_results_release(&r);

	parse_log("test_skip_all_tests.log", &r, NULL);
	expect_totals(&r, 0, 0, 5, 0, 2);
	assert_int_equal(suite_find(&r, "example")->status, BM_SKIP);
	assert_int_equal(suite_find(&r, "string-stream-test")->status, BM_SKIP);
	test_results_release(&r);
}

/* The kernel panics in the middle of string-stream-test: the case that was running crashed,
 * the two that never started are not invented. */
static void test_panic_truncated(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("test_kernel_panic_interrupt.log", &r, &done);
	assert_false(done);
	expect_totals(&r, 8, 0, 0, 1, 3);
	const struct test_suite *s = suite_find(&r, "string-stream-test");

	assert_int_equal(s->status, BM_CRASH);
	assert_int_equal(s->n_cases, 2);
	assert_int_equal(case_find(s, "string_stream_test_empty_on_creation")->status, BM_PASS);
	assert_int_equal(case_find(s, "#2")->status, BM_CRASH);
	assert_int_equal(suite_find(&r, "kunit-try-catch-test")->status, BM_PASS);
	test_results_release(&r);
}

/* A suite nested inside a suite (tab indentation): its cases are flattened with a '.'. */
static void test_nested(void **state)
{
	struct test_results r;

	(void)state;
	parse_log("test_is_test_passed-all_passed_nested.log", &r, NULL);
	expect_totals(&r, 7, 0, 0, 0, 2);
	const struct test_suite *s = suite_find(&r, "sysctl_test");

	assert_int_equal(s->n_cases, 5);
	assert_string_equal(s->cases[1].name, "example.example_simple_test");
	assert_string_equal(s->cases[2].name, "example.example_mock_test");
	assert_string_equal(s->cases[4].name, "sysctl_test_dointvec_table_read_but_position_set");
	test_results_release(&r);

	/* KTAP v1 with two-space indentation and nested version lines. */
	parse_log("test_parse_ktap_output.log", &r, NULL);
	expect_totals(&r, 3, 0, 0, 0, 1);
	assert_string_equal(r.suites[0].name, "suite");
	assert_string_equal(r.suites[0].cases[2].name, "case_3");
	test_results_release(&r);

	/* Attributes ("# module:", "# test.speed:") between header, plan and results. */
	parse_log("test_parse_attributes.log", &r, NULL);
	expect_totals(&r, 1, 0, 0, 0, 1);
	assert_string_equal(r.suites[0].name, "suite");
	assert_string_equal(r.suites[0].cases[0].name, "test");
	test_results_release(&r);

	/* A subtest header with no cases: the subtest is the case. */
	parse_log("test_is_test_passed-no_tests_no_plan.log", &r, NULL);
	expect_totals(&r, 1, 0, 0, 0, 1);
	assert_string_equal(r.suites[0].cases[0].name, "case");
	test_results_release(&r);
}

/* printk timestamps, caller ids, and the prefix before the version line. */
static void test_prefixes(void **state)
{
	static const char *const logs[] = {
		"test_config_printk_time.log",
		"test_multiple_prefixes.log",
		"test_pound_no_prefix.log",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(logs); i++) {
		struct test_results r;
		bool done;

		parse_log(logs[i], &r, &done);
		assert_true(done);
		expect_totals(&r, 10, 0, 0, 0, 3);
		assert_string_equal(r.suites[0].name, "kunit-resource-test");
		assert_string_equal(r.suites[0].cases[4].name,
				    "kunit_resource_test_proper_free_ordering");
		assert_string_equal(r.suites[2].name, "string-stream-test");
		test_results_release(&r);
	}
}

/* Unrelated kernel lines before, between and after the test lines; no top-level plan. */
static void test_noise(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("test_interrupted_tap_output.log", &r, NULL);
	expect_totals(&r, 10, 0, 0, 0, 3);
	test_results_release(&r);

	parse_log("test_output_isolated_correctly.log", &r, &done);
	assert_false(done);
	expect_totals(&r, 2, 0, 0, 0, 1);
	assert_string_equal(r.suites[0].name, "example");
	test_results_release(&r);

	parse_log("test_is_test_passed-missing_plan.log", &r, &done);
	assert_false(done);
	expect_totals(&r, 10, 0, 0, 0, 2);
	test_results_release(&r);

	parse_log("test_strip_hyphen.log", &r, NULL);
	expect_totals(&r, 2, 0, 0, 0, 2);
	assert_string_equal(r.suites[1].name, "example");
	assert_string_equal(r.suites[1].cases[0].name, "example_simple_test");
	test_results_release(&r);
}

static void test_no_tests(void **state)
{
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	size_t len;
	_cleanup_free_ char *buf = read_log("test_is_test_passed-no_tests_run_no_header.log", &len);
	struct test_results r;

	(void)state;
	ktap_parser_feed(p, buf, len);
	assert_false(ktap_parser_started(p));
	assert_false(ktap_parser_done(p));
	ktap_parser_finish(p, &r);
	expect_totals(&r, 0, 0, 0, 0, 0);
	test_results_release(&r);

	/* "1..0": a complete document without tests. */
	ktap_parser_free(p);
	p = ktap_parser_new();
	free(buf);
	buf = read_log("test_is_test_passed-no_tests_run_with_header.log", &len);
	ktap_parser_feed(p, buf, len);
	assert_true(ktap_parser_started(p));
	assert_true(ktap_parser_done(p));
	ktap_parser_finish(p, &r);
	expect_totals(&r, 0, 0, 0, 0, 0);
	test_results_release(&r);
}

static void expect_case(const struct test_suite *s, const char *name, enum bm_status status,
			const char *detail)
{
	const struct test_case *c = case_find(s, name);

	if (c->status != status)
		fail_msg("case '%s': %s, not %s", name, bm_status_name(c->status),
			 bm_status_name(status));
	if (detail)
		assert_string_equal(c->detail, detail);
	else
		assert_null(c->detail);
}

static const struct test_suite *ks_suite(const struct test_results *r, const char *name,
					 enum bm_status status, size_t n_cases)
{
	const struct test_suite *s = suite_find(r, name);

	assert_int_equal(s->kind, SUITE_KSELFTEST);
	assert_string_equal(suite_kind_name(s->kind), "kselftest");
	if (s->status != status)
		fail_msg("suite '%s': %s, not %s", name, bm_status_name(s->status),
			 bm_status_name(status));
	assert_int_equal(s->n_cases, n_cases);
	return s;
}

/* kselftest's runner (the kernel's kunit_tool test data): TAP 13 with the nested output behind
 * "# ". One suite for the target, the programs' nested cases as "TEST.CASE". */
static void test_kselftest(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("test_is_test_passed-kselftest.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 4, 0, 0, 0, 1);
	const struct test_suite *s = ks_suite(&r, "membarrier", BM_PASS, 4);

	assert_string_equal(s->cases[0].name,
			    "membarrier_test_single_thread.sys_membarrier_available");
	assert_string_equal(s->cases[3].name,
			    "membarrier_test_multi_thread.sys_membarrier_invalid_command_test__"
			    "command_=_-1,_flags_=_0,_errno_=_22._Failed_as_expected");
	test_results_release(&r);
}

/* run_kselftest.sh: one document per target, kernel messages (modprobe of the Rust samples)
 * between the lines, a kselftest_harness.h program, a script that prints no TAP. */
static void test_kselftest_pass(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("kselftest-pass.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 7, 0, 0, 0, 3);
	const struct test_suite *s = ks_suite(&r, "rust", BM_PASS, 2);

	assert_string_equal(r.suites[0].name, "rust");
	assert_string_equal(s->cases[0].name, "test_probe_samples.sh.rust_minimal");
	assert_string_equal(s->cases[1].name, "test_probe_samples.sh.rust_print");
	/* The plan after the results (get_size prints it last). */
	s = ks_suite(&r, "size", BM_PASS, 1);
	expect_case(s, "get_size.get_runtime_memory_use", BM_PASS, NULL);
	s = ks_suite(&r, "kcmp", BM_PASS, 4);
	assert_string_equal(s->cases[0].name, "kcmp_test.global.kcmp_basic");
	assert_string_equal(s->cases[2].name, "kcmp_test.global.kcmp_vm");
	expect_case(s, "kcmp_check.sh", BM_PASS, NULL);
	test_results_release(&r);
}

/* exit 4: "# SKIP" on the program's line; the reason from a nested "1..0 # SKIP". */
static void test_kselftest_skip(void **state)
{
	struct test_results r;

	(void)state;
	parse_log("kselftest-skip.log", &r, NULL);
	expect_totals(&r, 2, 0, 3, 0, 1);
	const struct test_suite *s = ks_suite(&r, "rust", BM_PASS, 5);

	expect_case(s, "test_probe_samples.sh", BM_SKIP,
		    "SKIP module rust_minimal is not found in /lib/modules/6.12.117");
	expect_case(s, "needs_root.sh", BM_SKIP, "SKIP");
	expect_case(s, "partly.sh.first", BM_PASS, NULL);
	expect_case(s, "partly.sh.second", BM_SKIP, "SKIP no such device");
	expect_case(s, "partly.sh.third", BM_PASS, NULL);
	test_results_release(&r);

	/* A target whose every program skipped is skipped. */
	parse_str("TAP version 13\n1..1\n# selftests: a: b\nok 1 selftests: a: b # SKIP\n", &r,
		  NULL);
	expect_totals(&r, 0, 0, 1, 0, 1);
	ks_suite(&r, "a", BM_SKIP, 1);
	test_results_release(&r);
}

/* "# TIMEOUT 45 seconds": the nested test that was running, the program itself when it printed
 * nothing, or when all its nested tests had reported. */
static void test_kselftest_timeout(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("kselftest-timeout.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 14, 3, 0, 0, 2);
	const struct test_suite *s = ks_suite(&r, "timers", BM_TIMEOUT, 14);

	expect_case(s, "posix_timers.Check_timer_create()_per_thread_CLOCK_PROCESS_CPUTIME_ID",
		    BM_PASS, NULL);
	expect_case(s, "nsleep-lat.CLOCK_PROCESS_CPUTIME_ID", BM_PASS, NULL);
	expect_case(s, "nsleep-lat.#4", BM_TIMEOUT, "TIMEOUT 45 seconds");
	expect_case(s, "set-timer-lat", BM_TIMEOUT, "TIMEOUT 45 seconds");
	assert_int_equal(s->fail, 2);
	s = ks_suite(&r, "sync", BM_TIMEOUT, 3);
	expect_case(s, "sync_test.sync_merge", BM_PASS, NULL);
	expect_case(s, "sync_test", BM_TIMEOUT, "TIMEOUT 45 seconds");
	test_results_release(&r);
}

/* "# exit=N": a nested failure explains it; else the running test or the program fails. */
static void test_kselftest_fail(void **state)
{
	struct test_results r;

	(void)state;
	parse_log("kselftest-fail.log", &r, NULL);
	expect_totals(&r, 5, 5, 0, 0, 1);
	const struct test_suite *s = ks_suite(&r, "exec", BM_FAIL, 10);

	expect_case(s, "execveat.Check_failure_of_execveat(5,_'no-such-file',_0)_with_ENOENT",
		    BM_FAIL, NULL);
	expect_case(s, "execveat.Check_success_of_execveat(7,_'',_4096)...", BM_PASS, NULL);
	expect_case(s, "recursion-depth.recursion_depth", BM_PASS, NULL);
	expect_case(s, "recursion-depth", BM_FAIL, "exit=1");
	expect_case(s, "null-argv.argv_empty", BM_PASS, NULL);
	expect_case(s, "null-argv.#3", BM_FAIL, "exit=139");
	expect_case(s, "binfmt_script.py", BM_FAIL, NULL);
	expect_case(s, "check-exec", BM_FAIL, "exit=2");
	test_results_release(&r);
}

/* "Bail out! why" (ksft_exit_fail_msg) before the plan was done: why is the evidence for the
 * test that never reported. Captured from UML 7.2.13's signal selftests. */
static void test_kselftest_bailout(void **state)
{
	struct test_results r;

	(void)state;
	parse_log("kselftest-bailout.log", &r, NULL);
	expect_totals(&r, 9, 1, 0, 0, 1);
	const struct test_suite *s = ks_suite(&r, "signal", BM_FAIL, 10);

	expect_case(s, "mangle_uc_sigmask.USR2_present_in_&current->blocked", BM_PASS, NULL);
	expect_case(s, "sas.sigaltstack_is_disabled_in_sighandler", BM_PASS, NULL);
	expect_case(s, "sas.#3", BM_FAIL, "Bail out! ss_flags=2, should be SS_AUTODISARM (exit=1)");
	test_results_release(&r);
}

/* The kernel died while a program ran: the test that was running crashed. */
static void test_kselftest_truncated(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("kselftest-truncated.log", &r, &done);
	assert_false(done);
	expect_totals(&r, 3, 0, 0, 1, 1);
	const struct test_suite *s = ks_suite(&r, "timers", BM_CRASH, 4);

	expect_case(s, "nanosleep.nanosleep", BM_PASS, NULL);
	expect_case(s, "inconsistency-check.CLOCK_MONOTONIC", BM_PASS, NULL);
	expect_case(s, "inconsistency-check.#3", BM_CRASH,
		    "no result: the output stopped while it ran");
	test_results_release(&r);

	/* Started, nothing printed: the program is the crashed case. All its cases reported but
	 * not its own line: the program crashed too. */
	parse_str("TAP version 13\n1..2\n# selftests: a: quiet\n", &r, NULL);
	expect_totals(&r, 0, 0, 0, 1, 1);
	expect_case(ks_suite(&r, "a", BM_CRASH, 1), "quiet", BM_CRASH, "no result line");
	test_results_release(&r);
	parse_str("TAP version 13\n1..2\n# selftests: a: t\n# TAP version 13\n# 1..1\n"
		  "# ok 1 x\n", &r, NULL);
	expect_totals(&r, 1, 0, 0, 1, 1);
	expect_case(ks_suite(&r, "a", BM_CRASH, 2), "t", BM_CRASH, "no result line");
	test_results_release(&r);
}

/* The kernel's own run_kselftest.sh, runner.sh and prefix.pl run on a host ("-o 2", output
 * through a pipe): demo scripts for each outcome, rust/test_probe_samples.sh without modprobe,
 * size/get_size built from the tree. */
static void test_kselftest_runner(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("kselftest-runner.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 4, 3, 3, 0, 3);
	const struct test_suite *s = ks_suite(&r, "demo", BM_FAIL, 8);

	expect_case(s, "pass.sh", BM_PASS, NULL);
	expect_case(s, "nested.sh.first_case", BM_PASS, NULL);
	expect_case(s, "nested.sh.second__case", BM_FAIL, NULL);
	expect_case(s, "nested.sh.third", BM_SKIP, "SKIP not here");
	expect_case(s, "skip.sh", BM_SKIP, "SKIP no widget");
	expect_case(s, "fail.sh", BM_FAIL, "exit=1");
	expect_case(s, "hang.sh.quick", BM_PASS, NULL);
	expect_case(s, "hang.sh.#2", BM_TIMEOUT, "TIMEOUT 2 seconds");
	s = ks_suite(&r, "rust", BM_SKIP, 1);
	assert_true(str_has_prefix(s->cases[0].detail, "SKIP module rust_minimal is not found"));
	expect_case(ks_suite(&r, "size", BM_PASS, 1), "get_size.get_runtime_memory_use", BM_PASS,
		    NULL);
	test_results_release(&r);
}

/* The example of the task: one document, three targets. */
static void test_kselftest_one_document(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("kselftest-one_document.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 3, 1, 0, 0, 3);
	assert_string_equal(r.suites[0].name, "size");
	assert_string_equal(r.suites[1].name, "rust");
	assert_string_equal(r.suites[2].name, "timers");
	expect_case(ks_suite(&r, "size", BM_PASS, 1), "get_size.get_runtime_memory_use", BM_PASS,
		    NULL);
	expect_case(ks_suite(&r, "rust", BM_PASS, 2), "test_probe_samples.sh.rust_minimal",
		    BM_PASS, NULL);
	expect_case(ks_suite(&r, "timers", BM_TIMEOUT, 1), "nsleep-lat", BM_TIMEOUT,
		    "TIMEOUT 45 seconds");
	test_results_release(&r);
}

/* A whole console: KUnit with printk timestamps, boot messages, then kselftest with kernel
 * messages between its lines and a target whose lines went through the kernel log; CRLF. */
static void test_kselftest_after_kunit(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("kselftest-kunit_console.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 7, 1, 1, 0, 4);
	const struct test_suite *s = suite_find(&r, "rust_doctests_kernel");

	assert_int_equal(s->kind, SUITE_KUNIT);
	assert_string_equal(suite_kind_name(s->kind), "kunit");
	assert_int_equal(s->n_cases, 3);
	s = suite_find(&r, "example");
	assert_int_equal(s->kind, SUITE_KUNIT);
	expect_case(s, "example_params_test.example value 0", BM_SKIP,
		    "SKIP unsupported param value 0");
	s = ks_suite(&r, "rust", BM_FAIL, 2);
	assert_string_equal(r.suites[2].name, "rust");
	expect_case(s, "test_probe_samples.sh.rust_minimal", BM_PASS, NULL);
	expect_case(s, "test_probe_samples.sh.rust_print", BM_FAIL, NULL);
	expect_case(ks_suite(&r, "size", BM_PASS, 1), "get_size.get_runtime_memory_use", BM_PASS,
		    NULL);
	test_results_release(&r);
}

/* done is per document: true after KUnit, false while a target runs, true after each target. */
static void test_kselftest_done(void **state)
{
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	size_t len;
	_cleanup_free_ char *buf = read_log("kselftest-kunit_console.log", &len);
	const char *end = buf + len;
	int flips = 0;
	bool was = false;
	struct test_results r;

	(void)state;
	for (const char *l = buf; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(end - l);

		ktap_parser_feed(p, l, n);
		if (ktap_parser_done(p) != was) {
			was = !was;
			flips++;
		}
		l += n;
	}
	/* KUnit done, the rust target started, done, the size target started, done. */
	assert_int_equal(flips, 5);
	assert_true(ktap_parser_done(p));
	ktap_parser_finish(p, &r);
	expect_totals(&r, 7, 1, 1, 0, 4);
	test_results_release(&r);
}

/* Odd shapes: a program's header lost, a result for another program, nested KTAP subtests in a
 * program's output, names with colons and control characters, a target seen again later,
 * nested results without a version line (KSFT_TAP_LEVEL set). */
static void test_kselftest_shapes(void **state)
{
	struct test_results r;

	(void)state;
	parse_str("TAP version 13\n"
		  "1..6\n"
		  "ok 1 selftests: lost: header\n"
		  "# selftests: d: a\n"
		  "# ok 1 printed\n"
		  "not ok 2 selftests: d: b # exit=1\n"
		  "# selftests: d: nested\n"
		  "# TAP version 13\n"
		  "# 1..2\n"
		  "#     KTAP version 1\n"
		  "#     # Subtest: sub\n"
		  "#     1..2\n"
		  "#     ok 1 s1\n"
		  "#     not ok 2 s2\n"
		  "# not ok 1 sub\n"
		  "# ok 2 after: colon\ttab\x01" "ctl\n"
		  "ok 3 selftests: d: nested\n"
		  "# selftests: other: x\n"
		  "ok 4 selftests: other: x\n"
		  "# selftests: d: hang\n"
		  "# TAP version 13\n"
		  "# 1..1\n"
		  "#     KTAP version 1\n"
		  "#     # Subtest: stuck\n"
		  "#     ok 1 first\n"
		  "not ok 5 selftests: d: hang # TIMEOUT 10 seconds\n"
		  "ok 6 selftests: we ird: name: with colons\n", &r, NULL);
	expect_totals(&r, 7, 3, 0, 1, 4);
	const struct test_suite *s = ks_suite(&r, "lost", BM_PASS, 1);

	expect_case(s, "header", BM_PASS, NULL);
	s = ks_suite(&r, "d", BM_FAIL, 8);
	/* a's result never came; b printed nothing but failed. */
	expect_case(s, "a.printed", BM_PASS, NULL);
	expect_case(s, "a", BM_CRASH, "no result line");
	expect_case(s, "b", BM_FAIL, "exit=1");
	expect_case(s, "nested.sub.s1", BM_PASS, NULL);
	expect_case(s, "nested.sub.s2", BM_FAIL, NULL);
	expect_case(s, "nested.after__colon_tab\xe2\x90\x81" "ctl", BM_PASS, NULL);
	/* The subtest that was open when the program timed out. */
	expect_case(s, "hang.stuck.first", BM_PASS, NULL);
	expect_case(s, "hang.stuck.#2", BM_TIMEOUT, "TIMEOUT 10 seconds");
	ks_suite(&r, "other", BM_PASS, 1);
	expect_case(ks_suite(&r, "we_ird", BM_PASS, 1), "name__with_colons", BM_PASS, NULL);
	assert_string_equal(r.suites[1].name, "d");
	assert_string_equal(r.suites[2].name, "other");
	test_results_release(&r);

	/* A target that comes back in a later document is still one suite; no version line. */
	parse_str("TAP version 13\n1..1\n# selftests: t: one\n# 1..1\n# ok 1 x\n"
		  "ok 1 selftests: t: one\n"
		  "TAP version 13\n1..1\n# selftests: t: two\n# ok 1 y\n"
		  "# ok 2 z # SKIP\nok 1 selftests: t: two\n", &r, NULL);
	expect_totals(&r, 2, 0, 1, 0, 1);
	s = ks_suite(&r, "t", BM_PASS, 3);
	expect_case(s, "one.x", BM_PASS, NULL);
	expect_case(s, "two.z", BM_SKIP, "SKIP");
	test_results_release(&r);

	/* In a KTAP (KUnit) document the same lines are diagnostics and names stay as they are. */
	parse_str("KTAP version 1\n1..1\n# selftests: not: a program\n# ok 1 nothing\n"
		  "ok 1 selftests: x: y\n", &r, NULL);
	expect_totals(&r, 1, 0, 0, 0, 1);
	assert_int_equal(r.suites[0].kind, SUITE_KUNIT);
	assert_string_equal(r.suites[0].name, "selftests: x: y");
	test_results_release(&r);
}

/* A Rust-enabled 6.12 x86_64 kernel booted under QEMU: KUnit with the Rust doctests and the
 * example suite's parameterized test. CRLF line ends, BIOS escape sequences before Linux. */
static void test_x86_64_rust(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_log("x86_64-rust-kunit.log", &r, &done);
	assert_true(done);
	expect_totals(&r, 123, 0, 4, 0, 3);
	assert_string_equal(r.suites[0].name, "example_init");
	const struct test_suite *rust = suite_find(&r, "rust_doctests_kernel");

	assert_int_equal(rust->status, BM_PASS);
	assert_true(rust->pass > 100);
	assert_int_equal(rust->pass, 114);
	assert_int_equal(rust->n_cases, 114);
	assert_string_equal(rust->cases[0].name, "rust_doctest_kernel_alloc_kbox_rs_0");

	const struct test_suite *ex = suite_find(&r, "example");

	assert_int_equal(ex->n_cases, 12);
	assert_int_equal(ex->pass, 8);
	assert_int_equal(ex->skip, 4);
	assert_int_equal(case_find(ex, "example_params_test.example value 3")->status, BM_SKIP);
	assert_int_equal(case_find(ex, "example_params_test.example value 2")->status, BM_PASS);
	assert_string_equal(ex->cases[11].name, "example_slow_test");
	test_results_release(&r);
}

/* A real x86_64 guest console: KUnit at boot, then /init ran run_kselftest.sh for five
 * targets (rust probing the Rust sample modules through bm-modprobe; mincore failing two cases
 * on a tinyconfig kernel), kernel messages interleaved. */
static void test_x86_64_kselftest_console(void **state)
{
	struct test_results r;
	const struct test_suite *s;
	bool done;

	(void)state;
	parse_log("x86_64-kselftest-console.log", &r, &done);
	s = suite_find(&r, "rust_doctests_kernel");
	assert_int_equal(s->kind, SUITE_KUNIT);
	assert_int_equal(s->pass, 114);
	assert_int_equal(s->fail, 0);
	s = ks_suite(&r, "rust", BM_PASS, 2);
	expect_case(s, "test_probe_samples.sh.rust_minimal", BM_PASS, NULL);
	expect_case(s, "test_probe_samples.sh.rust_print", BM_PASS, NULL);
	s = ks_suite(&r, "size", BM_PASS, 1);
	expect_case(s, "get_size.get_runtime_memory_use", BM_PASS, NULL);
	s = ks_suite(&r, "sigaltstack", BM_PASS, 3);
	s = ks_suite(&r, "mincore", BM_FAIL, 5);
	assert_int_equal(s->pass, 2);
	assert_int_equal(s->fail, 2);
	assert_int_equal(s->skip, 1);
	assert_int_equal(case_find(s, "mincore_selftest.global.check_file_mmap")->status, BM_FAIL);
	assert_int_equal(case_find(s, "mincore_selftest.global.check_huge_pages")->status, BM_SKIP);
	ks_suite(&r, "kcmp", BM_PASS, 1);
	assert_int_equal(r.fail, 2);
	assert_int_equal(r.crash, 0);
	test_results_release(&r);
}

/* Every log gives the same result whole, line by line, and in odd chunks. */
static void test_chunking(void **state)
{
	_cleanup_free_ char *dir = data("");
	DIR *d = opendir(dir);
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 4093, SIZE_MAX };
	struct dirent *e;
	int n_logs = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!str_has_suffix(e->d_name, ".log"))
			continue;
		size_t len;
		_cleanup_free_ char *buf = read_log(e->d_name, &len);
		struct test_results whole;

		parse_buf(buf, len, 0, &whole, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
			struct test_results r;

			parse_buf(buf, len, chunks[i], &r, NULL);
			expect_same(&whole, &r);
			test_results_release(&r);
		}
		test_results_release(&whole);
		n_logs++;
	}
	closedir(d);
	assert_true(n_logs >= 10);
}

/* The sink: suites collected as they are handed over, and how many came before finish. */
struct sunk {
	struct test_results r;
	size_t cap, before_finish;
	bool finishing;
};

static void sink_collect(void *ctx, struct test_suite *s)
{
	struct sunk *k = ctx;

	if (k->r.n_suites == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 8;
		k->r.suites = xrealloc(k->r.suites, k->cap * sizeof(*k->r.suites));
	}
	k->r.suites[k->r.n_suites++] = *s;
	memset(s, 0, sizeof(*s));
	if (!k->finishing)
		k->before_finish++;
}

/* Streamed, every log gives the suites of the whole parse in the same order, and the totals in
 * the results left; KUnit suites come as they finish, kselftest's at the end. */
static void test_sink(void **state)
{
	_cleanup_free_ char *dir = data("");
	DIR *d = opendir(dir);
	static const size_t chunks[] = { 0, 7, 4093 };
	struct dirent *e;
	int n_logs = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!str_has_suffix(e->d_name, ".log"))
			continue;
		size_t len;
		_cleanup_free_ char *buf = read_log(e->d_name, &len);
		struct test_results whole;

		parse_buf(buf, len, 0, &whole, NULL);
		for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
			_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
			struct sunk k = { 0 };
			struct test_results left;
			size_t c = chunks[i] ? chunks[i] : len;

			ktap_parser_set_sink(p, sink_collect, &k);
			for (size_t off = 0; off < len; off += c)
				ktap_parser_feed(p, buf + off, len - off < c ? len - off : c);
			k.finishing = true;
			assert_int_equal(ktap_parser_finish(p, &left), 0);
			assert_int_equal(left.n_suites, 0);
			k.r.pass = left.pass;
			k.r.fail = left.fail;
			k.r.skip = left.skip;
			k.r.crash = left.crash;
			expect_same(&whole, &k.r);
			if (strcmp(e->d_name, "x86_64-rust-kunit.log") == 0)
				assert_int_equal(k.before_finish, whole.n_suites);
			if (strcmp(e->d_name, "kselftest-kunit_console.log") == 0)
				assert_int_equal(k.before_finish, 2);	/* the KUnit suites */
			test_results_release(&k.r);
			test_results_release(&left);
		}
		test_results_release(&whole);
		n_logs++;
	}
	closedir(d);
	assert_true(n_logs >= 10);
}

/* done turns true on the last top-level result, not before. */
static void test_done(void **state)
{
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	struct test_results r;

	(void)state;
	assert_false(ktap_parser_started(p));
	ktap_parser_feed_line(p, "[    0.1] random noise");
	assert_false(ktap_parser_started(p));
	ktap_parser_feed_line(p, "[    0.2] KTAP version 1\r\n");
	assert_true(ktap_parser_started(p));
	ktap_parser_feed_line(p, "[    0.2] 1..2\n");
	ktap_parser_feed_line(p, "[    0.3]     KTAP version 1");
	ktap_parser_feed_line(p, "[    0.3]     # Subtest: a");
	ktap_parser_feed_line(p, "[    0.3]     1..1");
	ktap_parser_feed_line(p, "[    0.3]     ok 1 a1");
	ktap_parser_feed_line(p, "[    0.3] ok 1 a");
	assert_false(ktap_parser_done(p));
	/* The partial line of feed() is not a line yet. */
	ktap_parser_feed(p, "[    0.4] ok 2 b", 16);
	assert_false(ktap_parser_done(p));
	ktap_parser_feed(p, "\n", 1);
	assert_true(ktap_parser_done(p));
	ktap_parser_feed_line(p, "[    0.5] ok 3 c");	/* after the document: ignored */
	ktap_parser_finish(p, &r);
	expect_totals(&r, 2, 0, 0, 0, 2);
	assert_string_equal(r.suites[1].name, "b");
	assert_string_equal(r.suites[1].cases[0].name, "b");
	test_results_release(&r);
}

static void test_directives(void **state)
{
	struct test_results r;

	(void)state;
	parse_str("KTAP version 2\n"
		  "1..1\n"
		  "    KTAP version 2\n"
		  "    # Subtest: s\n"
		  "    1..9\n"
		  "    ok 1 plain\n"
		  "    not ok 2 - broken\n"
		  "    not ok 3 skipped # SKIP no hardware\n"
		  "    not ok 4 todo # TODO not written yet\n"
		  "    not ok 5 xfail # XFAIL known bug\n"
		  "    not ok 6 slow # TIMEOUT 30 seconds\n"
		  "    not ok 7 broken_env # ERROR cannot open /dev/foo\n"
		  "    ok 8 diag # rcode=0\n"
		  "    ok 9 lower # skip lower case\n"
		  "not ok 1 s\n", &r, NULL);
	expect_totals(&r, 4, 2, 2, 1, 1);
	const struct test_suite *s = &r.suites[0];

	assert_int_equal(s->status, BM_FAIL);
	assert_int_equal(case_find(s, "plain")->status, BM_PASS);
	assert_null(case_find(s, "plain")->detail);
	assert_int_equal(case_find(s, "broken")->status, BM_FAIL);
	assert_int_equal(case_find(s, "skipped")->status, BM_SKIP);
	assert_string_equal(case_find(s, "skipped")->detail, "SKIP no hardware");
	assert_int_equal(case_find(s, "todo")->status, BM_PASS);
	assert_int_equal(case_find(s, "xfail")->status, BM_PASS);
	assert_int_equal(case_find(s, "slow")->status, BM_TIMEOUT);
	assert_string_equal(case_find(s, "slow")->detail, "TIMEOUT 30 seconds");
	assert_int_equal(case_find(s, "broken_env")->status, BM_CRASH);
	assert_int_equal(case_find(s, "diag")->status, BM_PASS);
	assert_string_equal(case_find(s, "diag")->detail, "rcode=0");
	assert_int_equal(case_find(s, "lower")->status, BM_SKIP);
	test_results_release(&r);
}

/* The KTAP spec's own example: three levels, two-space indentation, no "# Subtest:" lines. */
static void test_spec_example(void **state)
{
	struct test_results r;
	bool done;

	(void)state;
	parse_str("KTAP version 1\n"
		  "1..1\n"
		  "  KTAP version 1\n"
		  "  1..3\n"
		  "    KTAP version 1\n"
		  "    1..1\n"
		  "    # test_1: initializing test_1\n"
		  "    ok 1 test_1\n"
		  "  ok 1 example_test_1\n"
		  "    KTAP version 1\n"
		  "    1..2\n"
		  "    ok 1 test_1 # SKIP test_1 skipped\n"
		  "    ok 2 test_2\n"
		  "  ok 2 example_test_2\n"
		  "    KTAP version 1\n"
		  "    1..3\n"
		  "    ok 1 test_1\n"
		  "    # test_2: FAIL\n"
		  "    not ok 2 test_2\n"
		  "    ok 3 test_3 # SKIP test_3 skipped\n"
		  "  not ok 3 example_test_3\n"
		  "not ok 1 main_test\n", &r, &done);
	assert_true(done);
	expect_totals(&r, 3, 1, 2, 0, 1);
	const struct test_suite *s = &r.suites[0];

	assert_string_equal(s->name, "main_test");
	assert_int_equal(s->status, BM_FAIL);
	assert_int_equal(s->n_cases, 6);
	assert_string_equal(s->cases[0].name, "example_test_1.test_1");
	assert_string_equal(s->cases[1].name, "example_test_2.test_1");
	assert_int_equal(s->cases[1].status, BM_SKIP);
	assert_string_equal(s->cases[4].name, "example_test_3.test_2");
	assert_int_equal(s->cases[4].status, BM_FAIL);
	test_results_release(&r);
}

/* KUnit, then user space's kselftest run: both documents, in order. */
static void test_two_documents(void **state)
{
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	struct test_results r;

	(void)state;
	ktap_parser_feed_line(p, "[    1.0] KTAP version 1");
	ktap_parser_feed_line(p, "[    1.0] 1..1");
	ktap_parser_feed_line(p, "[    1.0]     KTAP version 1");
	ktap_parser_feed_line(p, "[    1.0]     # Subtest: k");
	ktap_parser_feed_line(p, "[    1.0]     1..1");
	ktap_parser_feed_line(p, "[    1.0]     ok 1 k1");
	ktap_parser_feed_line(p, "[    1.0] ok 1 k");
	assert_true(ktap_parser_done(p));
	ktap_parser_feed_line(p, "[    2.0] Run /init as init process");
	ktap_parser_feed_line(p, "TAP version 13");
	assert_false(ktap_parser_done(p));
	ktap_parser_feed_line(p, "1..2");
	ktap_parser_feed_line(p, "# selftests: timers: posix_timers");
	ktap_parser_feed_line(p, "# TAP version 13");
	ktap_parser_feed_line(p, "# 1..1");
	ktap_parser_feed_line(p, "# ok 1 Check itimer virtual");
	ktap_parser_feed_line(p, "ok 1 selftests: timers: posix_timers");
	ktap_parser_feed_line(p, "# selftests: timers: nanosleep");
	ktap_parser_feed_line(p, "not ok 2 selftests: timers: nanosleep # TIMEOUT 45 seconds");
	assert_true(ktap_parser_done(p));
	ktap_parser_finish(p, &r);
	expect_totals(&r, 2, 1, 0, 0, 2);
	assert_string_equal(r.suites[0].name, "k");
	assert_int_equal(r.suites[0].kind, SUITE_KUNIT);
	assert_string_equal(r.suites[0].cases[0].name, "k1");
	assert_string_equal(r.suites[1].name, "timers");
	assert_int_equal(r.suites[1].kind, SUITE_KSELFTEST);
	assert_int_equal(r.suites[1].status, BM_TIMEOUT);
	expect_case(&r.suites[1], "posix_timers.Check_itimer_virtual", BM_PASS, NULL);
	expect_case(&r.suites[1], "nanosleep", BM_TIMEOUT, "TIMEOUT 45 seconds");
	test_results_release(&r);
}

/* A document cut short by a new one: the suite in progress crashed, the plan's promise of more
 * top-level tests invents nothing. */
static void test_interrupted_by_new_document(void **state)
{
	struct test_results r;

	(void)state;
	parse_str("KTAP version 1\n"
		  "1..5\n"
		  "    KTAP version 1\n"
		  "    # Subtest: first\n"
		  "    1..1\n"
		  "    ok 1 f1\n"
		  "ok 1 first\n"
		  "    KTAP version 1\n"
		  "    # Subtest: second\n"
		  "    1..3\n"
		  "    ok 1 s1\n"
		  "KTAP version 1\n"
		  "1..1\n"
		  "ok 1 third\n", &r, NULL);
	expect_totals(&r, 3, 0, 0, 1, 3);
	assert_int_equal(suite_find(&r, "first")->status, BM_PASS);
	const struct test_suite *s = suite_find(&r, "second");

	assert_int_equal(s->status, BM_CRASH);
	assert_int_equal(s->n_cases, 2);
	assert_int_equal(case_find(s, "#2")->status, BM_CRASH);
	assert_int_equal(suite_find(&r, "third")->status, BM_PASS);
	test_results_release(&r);
}

static void test_crash_rules(void **state)
{
	struct test_results r;

	(void)state;
	/* A parameterized case that started and never reported. */
	parse_str("KTAP version 1\n"
		  "1..2\n"
		  "    KTAP version 1\n"
		  "    # Subtest: s\n"
		  "    1..3\n"
		  "    ok 1 a\n"
		  "        KTAP version 1\n"
		  "        # Subtest: params\n"
		  "BUG: kernel NULL pointer dereference, address: 0000000000000000\n", &r, NULL);
	expect_totals(&r, 1, 0, 0, 1, 1);
	assert_int_equal(r.suites[0].status, BM_CRASH);
	assert_int_equal(case_find(&r.suites[0], "params")->status, BM_CRASH);
	test_results_release(&r);

	/* ... after two of its parameters passed: the third was running. */
	parse_str("KTAP version 1\n"
		  "1..1\n"
		  "    KTAP version 1\n"
		  "    # Subtest: s\n"
		  "    1..2\n"
		  "        KTAP version 1\n"
		  "        # Subtest: params\n"
		  "        ok 1 p0\n"
		  "        ok 2 p1\n", &r, NULL);
	expect_totals(&r, 2, 0, 0, 1, 1);
	assert_string_equal(r.suites[0].cases[0].name, "params.p0");
	assert_int_equal(case_find(&r.suites[0], "params.#3")->status, BM_CRASH);
	test_results_release(&r);

	/* Every case reported but the suite's own result is missing: the suite crashed. */
	parse_str("KTAP version 1\n"
		  "1..1\n"
		  "    KTAP version 1\n"
		  "    # Subtest: s\n"
		  "    1..2\n"
		  "    ok 1 a\n"
		  "    ok 2 b\n", &r, NULL);
	expect_totals(&r, 2, 0, 0, 0, 1);
	assert_int_equal(r.suites[0].status, BM_CRASH);
	test_results_release(&r);

	/* A suite that crashed before its first case: itself the crashed case. */
	parse_str("KTAP version 1\n"
		  "1..1\n"
		  "    KTAP version 1\n"
		  "    # Subtest: early\n"
		  "    1..4\n", &r, NULL);
	expect_totals(&r, 0, 0, 0, 1, 1);
	assert_string_equal(r.suites[0].name, "early");
	assert_string_equal(r.suites[0].cases[0].name, "early");
	test_results_release(&r);

	/* The top-level plan promised three suites, one arrived: nothing invented. */
	parse_str("KTAP version 1\n1..3\nok 1 only\n", &r, NULL);
	expect_totals(&r, 1, 0, 0, 0, 1);
	test_results_release(&r);
}

/* A suite whose init failed prints only its result: one case of the suite's name. A subtest
 * whose result line is missing while its siblings go on. A parameter header lost to
 * interleaved output: the deeper indentation still nests the parameters. */
static void test_structure_recovery(void **state)
{
	struct test_results r;

	(void)state;
	parse_str("KTAP version 1\n"
		  "1..3\n"
		  "    # failed to initialize (-12)\n"
		  "not ok 1 no_init\n"
		  "    KTAP version 1\n"
		  "    # Subtest: s\n"
		  "    1..3\n"
		  "        KTAP version 1\n"
		  "        # Subtest: lost_result\n"
		  "        ok 1 x\n"
		  "    ok 2 b\n"
		  "    some CPU's printk garbled the header here\n"
		  "        ok 1 q0\n"
		  "        not ok 2 q1\n"
		  "    not ok 3 params\n"
		  "not ok 2 s\n"
		  "ok 3 last\n", &r, NULL);
	expect_totals(&r, 4, 2, 0, 0, 3);
	const struct test_suite *s = &r.suites[0];

	assert_string_equal(s->name, "no_init");
	assert_int_equal(s->status, BM_FAIL);
	assert_int_equal(s->n_cases, 1);
	assert_string_equal(s->cases[0].name, "no_init");
	s = suite_find(&r, "s");
	assert_int_equal(s->n_cases, 4);
	assert_string_equal(s->cases[0].name, "lost_result.x");
	assert_string_equal(s->cases[1].name, "b");
	assert_string_equal(s->cases[2].name, "params.q0");
	assert_int_equal(case_find(s, "params.q1")->status, BM_FAIL);
	test_results_release(&r);

	/* No indentation at all: the plan and the subtest's name say where it ends. */
	parse_str("TAP version 14\n"
		  "1..2\n"
		  "# Subtest: a\n"
		  "1..2\n"
		  "ok 1 a1\n"
		  "ok 2 a2\n"
		  "ok 1 a\n"
		  "# Subtest: b\n"
		  "ok 1 b1\n"
		  "not ok 2 b2\n"
		  "not ok 2 b\n", &r, NULL);
	expect_totals(&r, 3, 1, 0, 0, 2);
	assert_int_equal(r.suites[0].n_cases, 2);
	assert_int_equal(r.suites[1].n_cases, 2);
	assert_int_equal(r.suites[1].status, BM_FAIL);
	test_results_release(&r);
}

/* Names end up in JSON: text.h's policy, invalid UTF-8 as U+FFFD, controls as their Control
 * Pictures. */
static void test_names_sanitized(void **state)
{
	struct test_results r;

	(void)state;
	parse_str("KTAP version 1\n1..2\nok 1 bad\xff\x01name\nok 2 caf\xc3\xa9 \xe2\x82\n", &r,
		  NULL);
	expect_totals(&r, 2, 0, 0, 0, 2);
	assert_string_equal(r.suites[0].name, "bad\xef\xbf\xbd\xe2\x90\x81name");
	assert_string_equal(r.suites[1].name, "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
	test_results_release(&r);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* The longest name and detail of all cases, and whether r's note names what. */
static size_t longest_text(const struct test_results *r)
{
	size_t most = 0;

	for (size_t i = 0; i < r->n_suites; i++) {
		most = strlen(r->suites[i].name) > most ? strlen(r->suites[i].name) : most;
		for (size_t j = 0; j < r->suites[i].n_cases; j++) {
			const struct test_case *c = &r->suites[i].cases[j];

			most = strlen(c->name) > most ? strlen(c->name) : most;
			if (c->detail && strlen(c->detail) > most)
				most = strlen(c->detail);
		}
	}
	return most;
}

static size_t count_cases(const struct test_results *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_suites; i++)
		n += r->suites[i].n_cases;
	return n;
}

/* A hostile console of a few MB: deep nesting of subtests with 60 KB names, each level with
 * results of 60 KB names and directives, then a flood of cases. What the parser keeps stays
 * small (names cut to KTAP_NAME_MAX, nesting to KTAP_DEPTH_MAX, cases to KTAP_CASES_MAX), and
 * the results say that they were cut. */
static void test_hostile_limits(void **state)
{
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	_cleanup_free_ char *big = xmalloc(60001);
	struct strbuf doc = { 0 };
	struct test_results r;
	size_t before = heap_in_use(), fed = 0, peak = 0;
	_cleanup_free_ char *text = NULL;

	(void)state;
	memset(big, 'N', 60000);
	big[60000] = '\0';
	strbuf_add(&doc, "KTAP version 1\n1..1\n");
	for (int i = 0; i < 40; i++) {
		strbuf_add_repeat(&doc, ' ', (size_t)(4 * (i + 1)));
		strbuf_addf(&doc, "# Subtest: %d%s\n", i, big);
		strbuf_add_repeat(&doc, ' ', (size_t)(4 * (i + 1)));
		strbuf_addf(&doc, "ok 1 %s # SKIP %s\n", big, big);
	}
	ktap_parser_feed(p, doc.buf, doc.len);
	fed += doc.len;
	free(doc.buf);
	/* a flood of cases one level down, far more than KTAP_CASES_MAX */
	for (int i = 0; i < 2 * KTAP_CASES_MAX; i++) {
		char line[64];
		int n = snprintf(line, sizeof(line), "    ok %d flood_case_%d\n", i + 2, i);

		ktap_parser_feed(p, line, (size_t)n);
		fed += (size_t)n;
		if (i % 1000 == 0 && heap_in_use() > peak)
			peak = heap_in_use();
	}
	assert_true(fed > (size_t)5 << 20);
	ktap_parser_finish(p, &r);
	/* the parser's own 128 KiB of line buffers, plus at most KTAP_CASES_MAX small cases */
	if (heap_in_use() > peak)
		peak = heap_in_use();
	if (before)	/* mallinfo2 counts nothing under ASan */
		assert_true(peak - before < (size_t)16 << 20);
	assert_true(longest_text(&r) <= KTAP_NAME_MAX);
	assert_true(count_cases(&r) <= KTAP_CASES_MAX);
	assert_true(count_cases(&r) > KTAP_CASES_MAX - 100);
	assert_non_null(r.note);
	assert_non_null(strstr(r.note, "20000 cases"));
	assert_non_null(strstr(r.note, "deeper than 32 levels"));
	assert_non_null(strstr(r.note, "longer than 512 bytes"));
	/* the note shows in the reports */
	text = report_text_results(&r);
	assert_non_null(strstr(text, "\nNote: the console's KTAP was cut down:"));
	test_results_release(&r);

	/* the limits count afresh after finish: a clean document has no note */
	parse_str("KTAP version 1\n1..1\nok 1 fine\n", &r, NULL);
	assert_null(r.note);
	test_results_release(&r);
}

/* A name cut at the limit keeps whole UTF-8 characters; one just at the limit is kept whole. */
static void test_name_cut_utf8(void **state)
{
	struct strbuf in = { 0 };
	struct test_results r;
	const char *name;

	(void)state;
	strbuf_add(&in, "KTAP version 1\n1..2\nok 1 ");
	for (int i = 0; i < 400; i++)
		strbuf_add(&in, "\xc3\xa9");	/* 800 bytes */
	strbuf_add(&in, "\nok 2 ");
	strbuf_add_repeat(&in, 'k', KTAP_NAME_MAX);
	strbuf_add(&in, "\n");
	parse_str(in.buf, &r, NULL);
	free(in.buf);
	assert_int_equal(r.n_suites, 2);
	name = r.suites[0].name;
	assert_true(strlen(name) <= KTAP_NAME_MAX);
	assert_true(str_has_suffix(name, "\xc3\xa9..."));
	assert_int_equal(strlen(r.suites[1].name), KTAP_NAME_MAX);
	assert_non_null(r.note);
	test_results_release(&r);
}

/* Deterministic garbage: random bytes, KTAP-looking fragments, a huge line, deep nesting. */
static void test_garbage(void **state)
{
	static const char *const frags[] = {
		"KTAP version 1\n", "TAP version 13\n", "1..3\n", "1..0\n", "  ", "    ", "\t",
		"# Subtest: x\n", "ok 1 a\n", "not ok 2 - b # SKIP\n", "ok", "not ok 99999999999999999999999 z\n",
		"# TIMEOUT\n", "[    1.000000] ", "\r\n", "\n", "#", "\xff\xfe", "ok 1 # ERROR\n",
		"1..18446744073709551616\n", "# selftests: a: b\n", "ok 1 selftests: a: b\n",
		"not ok 2 selftests: a: c # TIMEOUT 1 seconds\n", "# ", "# ok 1 n\n",
		"# TAP version 13\n", "# 1..2\n", "# 1..0 # SKIP\n", "#     # Subtest: y\n",
		"selftests: q: ",
	};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t cap = 1 << 20;
	_cleanup_free_ char *buf = xmalloc(cap);

	(void)state;
	for (int round = 0; round < 200; round++) {
		_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
		struct test_results r;
		size_t len = 0;

		while (len < 4096 * (size_t)(1 + round % 8)) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			if (seed % 3 == 0) {
				buf[len++] = (char)(seed >> 24);
			} else {
				const char *f = frags[(seed >> 8) % ARRAY_SIZE(frags)];
				size_t n = strlen(f);

				memcpy(buf + len, f, n);
				len += n;
			}
		}
		for (size_t off = 0; off < len;) {
			size_t n = 1 + (size_t)((seed >> (off % 32)) % 97);

			if (n > len - off)
				n = len - off;
			ktap_parser_feed(p, buf + off, n);
			off += n;
		}
		ktap_parser_finish(p, &r);
		for (size_t i = 0; i < r.n_suites; i++)
			for (size_t j = 0; j < r.suites[i].n_cases; j++)
				for (const char *c = r.suites[i].cases[j].name; *c; c++)
					assert_true((unsigned char)*c >= 0x20);
		test_results_release(&r);
	}

	/* A megabyte without a newline, then a deep pile of headers. */
	_cleanup_(ktap_parser_freep) struct ktap_parser *p = ktap_parser_new();
	struct test_results r;

	memset(buf, 'o', cap);
	ktap_parser_feed_line(p, "KTAP version 1");
	ktap_parser_feed(p, buf, cap);
	ktap_parser_feed(p, "\n", 1);
	for (int i = 0; i < 1000; i++) {
		char line[2100];

		snprintf(line, sizeof(line), "%*s# Subtest: deep%d", i * 2 % 2000, "", i);
		ktap_parser_feed_line(p, line);
		ktap_parser_feed_line(p, line + 2 * (i % 3));
	}
	ktap_parser_feed_line(p, "ok 1 leaf");
	ktap_parser_finish(p, &r);
	assert_true(r.crash >= 1);
	test_results_release(&r);

	/* Finishing twice and freeing NULL are fine; the parser can be fed again after finish. */
	ktap_parser_finish(p, &r);
	expect_totals(&r, 0, 0, 0, 0, 0);
	ktap_parser_feed_line(p, "KTAP version 1");
	ktap_parser_feed_line(p, "1..1");
	ktap_parser_feed_line(p, "ok 1 again");
	assert_true(ktap_parser_done(p));
	ktap_parser_finish(p, &r);
	expect_totals(&r, 1, 0, 0, 0, 1);
	test_results_release(&r);
	ktap_parser_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_passed),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_panic_truncated),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_no_tests),
		cmocka_unit_test(test_kselftest),
		cmocka_unit_test(test_kselftest_pass),
		cmocka_unit_test(test_kselftest_skip),
		cmocka_unit_test(test_kselftest_timeout),
		cmocka_unit_test(test_kselftest_fail),
		cmocka_unit_test(test_kselftest_bailout),
		cmocka_unit_test(test_kselftest_truncated),
		cmocka_unit_test(test_kselftest_runner),
		cmocka_unit_test(test_kselftest_one_document),
		cmocka_unit_test(test_kselftest_after_kunit),
		cmocka_unit_test(test_kselftest_done),
		cmocka_unit_test(test_kselftest_shapes),
		cmocka_unit_test(test_x86_64_rust),
		cmocka_unit_test(test_x86_64_kselftest_console),
		cmocka_unit_test(test_chunking),
		cmocka_unit_test(test_sink),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_two_documents),
		cmocka_unit_test(test_interrupted_by_new_document),
		cmocka_unit_test(test_crash_rules),
		cmocka_unit_test(test_structure_recovery),
		cmocka_unit_test(test_names_sanitized),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hostile_limits),
		cmocka_unit_test(test_name_cut_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
