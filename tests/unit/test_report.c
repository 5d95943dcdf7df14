/* report: JSON and text renderings compared byte for byte with golden files in
 * $BM_TESTDATA/report (default tests/data/report). BM_TEST_REGENERATE=1 rewrites the golden
 * files from the current output: review the diff before committing it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "report.h"
#include "result.h"
#include "util.h"

static void assert_golden(const char *name, const char *actual)
{
	const char *dir = getenv("BM_TESTDATA");
	_cleanup_free_ char *path = NULL, *want = NULL;
	struct bm_err *err = NULL;
	const char *a, *w;
	unsigned line = 1;

	path = xasprintf("%s/report/%s", dir && *dir ? dir : "tests/data", name);
	if (getenv("BM_TEST_REGENERATE")) {
		if (file_write_atomic(path, actual, strlen(actual), &err) < 0)
			fail_msg("%s", err->msg);
		return;
	}
	if (file_read(path, &want, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	for (a = actual, w = want; *a && *a == *w; a++, w++)
		if (*a == '\n')
			line++;
	if (*a || *w)
		fail_msg("%s differs from the output at line %u; the output:\n%s", path, line,
			 actual);
}

/* Building results. */
static void add_suite(struct test_results *r, const char *name, enum bm_status status)
{
	struct test_suite *ts;

	r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
	ts = &r->suites[r->n_suites++];
	memset(ts, 0, sizeof(*ts));
	ts->name = xstrdup(name);
	ts->status = status;
}

static void add_target(struct test_results *r, const char *name, enum bm_status status)
{
	add_suite(r, name, status);
	r->suites[r->n_suites - 1].kind = SUITE_KSELFTEST;
}

/* A leaf of the last suite; counts follow. */
static void add_case(struct test_results *r, const char *name, enum bm_status status,
		     const char *detail)
{
	struct test_suite *ts = &r->suites[r->n_suites - 1];
	struct test_case *tc;

	ts->cases = xrealloc(ts->cases, (ts->n_cases + 1) * sizeof(*ts->cases));
	tc = &ts->cases[ts->n_cases++];
	tc->name = xstrdup(name);
	tc->status = status;
	tc->detail = xstrdup(detail);
	switch (status) {
	case BM_PASS:
		ts->pass++;
		r->pass++;
		break;
	case BM_FAIL:
	case BM_TIMEOUT:
		ts->fail++;
		r->fail++;
		break;
	case BM_SKIP:
		ts->skip++;
		r->skip++;
		break;
	default:
		ts->crash++;
		r->crash++;
		break;
	}
}

static void add_example_suite(struct test_results *r)
{
	add_suite(r, "example", BM_PASS);
	add_case(r, "example_simple_test", BM_PASS, NULL);
	add_case(r, "example_skip_test", BM_SKIP, "this test should be skipped");
	add_case(r, "example_mark_skipped_test", BM_SKIP, "this test should be skipped");
	add_case(r, "example_all_expect_macros_test", BM_PASS, NULL);
}

static void job_init(struct job_result *j, const char *arch, const char *toolchain,
		     const char *kernel, const char *machine)
{
	memset(j, 0, sizeof(*j));
	j->id = xasprintf("%s-%s-%s-rust-kunit", arch, toolchain, kernel);
	j->arch = xstrdup(arch);
	j->toolchain = xstrdup(toolchain);
	j->kernel = xstrdup(kernel);
	j->config = xstrdup("rust-kunit");
	j->log_dir = xasprintf("results/20261121-180102-ab12/%s", j->id);
	j->machine = xstrdup(machine);
	j->manifest = xasprintf("toolchain: %s\nrustc: 1.85.0\nbindgen: 0.71.1\n", toolchain);
}

/* Five jobs, one of each kind of outcome. */
#define N_JOBS 5
static void matrix_make(struct job_result *jobs)
{
	struct job_result *j;

	/* Everything passed (but two skips). */
	j = &jobs[0];
	job_init(j, "x86_64", "trixie", "6.12.117", "q35 (kvm)");
	j->build = (struct stage){ BM_PASS, 312.0625, NULL };
	j->boot = (struct stage){ BM_PASS, 4.1, NULL };
	j->qemu_version = xstrdup("10.0.2");
	j->libvirt_version = xstrdup("11.3.0");
	free(j->manifest);
	/* A value with a colon, blank and junk lines, spaces around, a repeated key. */
	j->manifest = xstrdup("toolchain: trixie\n"
			      "rustc: 1.85.0\n"
			      "\n"
			      "not a key value line\n"
			      "  bindgen :  0.71.1  \r\n"
			      "mirror: http://deb.debian.org/debian\n"
			      "rustc: 1.85.1\n");
	add_example_suite(&j->kunit);
	add_suite(&j->kunit, "rust_doctests_kernel", BM_PASS);
	add_case(&j->kunit, "rust_doctest_kernel_alloc_kbox_rs_0", BM_PASS, NULL);
	add_case(&j->kunit, "rust_doctest_kernel_sync_arc_rs_0", BM_PASS, NULL);
	add_case(&j->kunit, "rust_doctest_kernel_sync_lock_rs_0", BM_PASS, NULL);
	add_suite(&j->kunit, "list-kernel-test", BM_PASS);
	add_case(&j->kunit, "list_test_list_init", BM_PASS, NULL);
	add_case(&j->kunit, "list_test_list_add", BM_PASS, NULL);
	/* kselftest targets: after every KUnit column in the matrix. */
	add_target(&j->kunit, "rust", BM_PASS);
	add_case(&j->kunit, "test_probe_samples.sh.rust_minimal", BM_PASS, NULL);
	add_case(&j->kunit, "test_probe_samples.sh.rust_print", BM_PASS, NULL);
	add_target(&j->kunit, "size", BM_PASS);
	add_case(&j->kunit, "get_size.get_runtime_memory_use", BM_PASS, NULL);

	/* A failed doctest, a suite that crashed half way, a suite that never started. */
	j = &jobs[1];
	job_init(j, "arm64", "trixie", "6.12.117", "virt (tcg)");
	j->build = (struct stage){ BM_PASS, 1250.75, NULL };
	j->boot = (struct stage){ BM_PASS, 97.5, NULL };
	j->qemu_version = xstrdup("10.0.2");
	j->libvirt_version = xstrdup("11.3.0");
	add_example_suite(&j->kunit);
	add_suite(&j->kunit, "rust_doctests_kernel", BM_FAIL);
	add_case(&j->kunit, "rust_doctest_kernel_alloc_kbox_rs_0", BM_PASS, NULL);
	add_case(&j->kunit, "rust_doctest_kernel_sync_arc_rs_0", BM_FAIL,
		 "rust/kernel/sync/arc.rs:42: Expected \"a\" == \"b\"");
	add_case(&j->kunit, "rust_doctest_kernel_sync_lock_rs_0", BM_PASS, NULL);
	add_suite(&j->kunit, "list-kernel-test", BM_CRASH);
	add_case(&j->kunit, "list_test_list_init", BM_PASS, NULL);
	add_case(&j->kunit, "list_test_list_add", BM_CRASH, "the test never reported");
	/* ktap reports a suite that never reported a subtest as one case named after it. */
	add_suite(&j->kunit, "string", BM_CRASH);
	add_case(&j->kunit, "string", BM_CRASH, "no result line");
	/* A target that timed out, one that skipped, one only this job ran, one named like a
	 * KUnit suite: its own column. */
	add_target(&j->kunit, "timers", BM_TIMEOUT);
	add_case(&j->kunit, "nsleep-lat.CLOCK_REALTIME", BM_PASS, NULL);
	add_case(&j->kunit, "nsleep-lat.#2", BM_TIMEOUT, "TIMEOUT 45 seconds");
	add_target(&j->kunit, "size", BM_SKIP);
	add_case(&j->kunit, "get_size", BM_SKIP, "SKIP");
	add_target(&j->kunit, "rust", BM_FAIL);
	add_case(&j->kunit, "test_probe_samples.sh.rust_minimal", BM_PASS, NULL);
	add_case(&j->kunit, "test_probe_samples.sh.rust_print", BM_FAIL, NULL);
	add_target(&j->kunit, "string", BM_PASS);
	add_case(&j->kunit, "string_test", BM_PASS, NULL);

	/* The boot timed out before any result. */
	j = &jobs[2];
	job_init(j, "riscv64", "sid", "6.18.0", "virt (tcg)");
	j->build = (struct stage){ BM_PASS, 1800, NULL };
	j->boot = (struct stage){ BM_TIMEOUT, 300.0004, xstrdup("no console output for 300 s") };
	j->qemu_version = xstrdup("10.0.2");
	j->libvirt_version = xstrdup("11.3.0");

	/* The final .config lacked an option: never booted. */
	j = &jobs[3];
	job_init(j, "um", "bookworm", "6.6.63", "um");
	j->build = (struct stage){ BM_CONFIG, 35.25, xstrdup("missing from .config: CONFIG_RUST") };
	j->boot = (struct stage){ BM_NONE, 0, NULL };

	/* QEMU failed to start: infrastructure, not the kernel. */
	j = &jobs[4];
	job_init(j, "loongarch64", "trixie", "6.12.117", NULL);
	j->build = (struct stage){ BM_PASS, 2000.5, NULL };
	j->boot = (struct stage){ BM_INFRA, 0.25,
				  xstrdup("qemu-system-loongarch64: cannot open firmware") };
	free(j->manifest);
	j->manifest = NULL;
}

static void matrix_release(struct job_result *jobs)
{
	for (size_t i = 0; i < N_JOBS; i++)
		job_result_release(&jobs[i]);
}

static void test_report_json_results(void **state)
{
	struct job_result jobs[N_JOBS];
	_cleanup_free_ char *json = NULL;
	struct bm_err *err = NULL;

	(void)state;
	matrix_make(jobs);
	assert_int_equal(report_json_results(&jobs[1].kunit, &json, &err), 0);
	assert_golden("results.json", json);
	matrix_release(jobs);
}

static void test_report_json_results_empty(void **state)
{
	struct test_results r = { 0 };
	_cleanup_free_ char *json = NULL;
	struct bm_err *err = NULL;

	(void)state;
	assert_int_equal(report_json_results(&r, &json, &err), 0);
	assert_string_equal(json, "{\n"
				  "  \"totals\": {\n"
				  "    \"pass\": 0,\n"
				  "    \"fail\": 0,\n"
				  "    \"skip\": 0,\n"
				  "    \"crash\": 0\n"
				  "  },\n"
				  "  \"suites\": []\n"
				  "}\n");
}

static void test_report_json_matrix(void **state)
{
	struct job_result jobs[N_JOBS];
	_cleanup_free_ char *json = NULL, *empty = NULL;
	struct bm_err *err = NULL;

	(void)state;
	matrix_make(jobs);
	assert_int_equal(report_json_matrix("20261121-180102-ab12", "configs/nightly.yaml", jobs,
					    N_JOBS, &json, &err), 0);
	assert_golden("matrix.json", json);
	matrix_release(jobs);

	assert_int_equal(report_json_matrix("r", NULL, NULL, 0, &empty, &err), 0);
	assert_string_equal(empty, "{\n  \"run\": \"r\",\n  \"plan\": null,\n  \"jobs\": []\n}\n");
}

/* Whatever the console produced, the JSON is valid UTF-8: bad bytes become U+FFFD. */
static void test_report_json_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "caf\xc3\xa9", "caf\xc3\xa9" },			/* valid 2 bytes */
		{ "\xe2\x82\xac 5", "\xe2\x82\xac 5" },			/* valid 3 bytes */
		{ "\xf0\x9f\xa6\x80", "\xf0\x9f\xa6\x80" },		/* valid 4 bytes */
		{ "caf\xe9!", "caf\xef\xbf\xbd!" },			/* Latin-1 */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong '/' */
		{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd" },	/* truncated */
		{ "tab\there", "tab\\there" },				/* escaped, not replaced */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct test_results r = { 0 };
		_cleanup_free_ char *json = NULL, *want = NULL;
		struct bm_err *err = NULL;

		add_suite(&r, "s", BM_PASS);
		add_case(&r, "c", BM_PASS, cases[i].in);
		assert_int_equal(report_json_results(&r, &json, &err), 0);
		want = xasprintf("\"detail\": \"%s\"", cases[i].out);
		if (!strstr(json, want))
			fail_msg("case %zu: %s not in\n%s", i, want, json);
		test_results_release(&r);
	}
}

static void test_report_text_results(void **state)
{
	struct job_result jobs[N_JOBS];
	_cleanup_free_ char *text = NULL, *empty = NULL;
	struct test_results r = { 0 };

	(void)state;
	matrix_make(jobs);
	text = report_text_results(&jobs[1].kunit);
	assert_golden("results.txt", text);
	matrix_release(jobs);

	empty = report_text_results(&r);
	assert_string_equal(empty, "Totals: 0 passed, 0 failed, 0 skipped, 0 crashed\n");
}

/* Drop ANSI SGR sequences. */
static char *strip_ansi(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (*s == '\033' && s[1] == '[') {
			s += 2;
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static void test_report_text_matrix(void **state)
{
	struct job_result jobs[N_JOBS];
	_cleanup_free_ char *plain = NULL, *color = NULL, *stripped = NULL, *empty = NULL;

	(void)state;
	matrix_make(jobs);
	plain = report_text_matrix(jobs, N_JOBS, false);
	assert_golden("matrix.txt", plain);
	assert_null(strchr(plain, '\033'));

	/* Colors change nothing but the escapes around cells, so alignment holds. */
	color = report_text_matrix(jobs, N_JOBS, true);
	stripped = strip_ansi(color);
	assert_string_equal(stripped, plain);
	assert_non_null(strstr(color, "\033[31mtimeout\033[0m"));
	assert_non_null(strstr(color, "\033[33mconfig\033[0m"));
	assert_non_null(strstr(color, "\033[35minfra\033[0m"));
	assert_non_null(strstr(color, "\033[32m3/3\033[0m"));
	assert_non_null(strstr(color, "\033[31m2/3 F\033[0m"));
	assert_non_null(strstr(color, "\033[33m2/4 S\033[0m"));
	matrix_release(jobs);

	empty = report_text_matrix(NULL, 0, false);
	assert_golden("matrix-empty.txt", empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_json_results),
		cmocka_unit_test(test_report_json_results_empty),
		cmocka_unit_test(test_report_json_matrix),
		cmocka_unit_test(test_report_json_utf8),
		cmocka_unit_test(test_report_text_results),
		cmocka_unit_test(test_report_text_matrix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
