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

#include "compare.h"
#include "err.h"
#include "report.h"
#include "result.h"
#include "util.h"
#include "report_rust.h"
#include "text.h"
#include "xmlw.h"

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
	memset(tc, 0, sizeof(*tc));
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
	j->build = (struct stage){ .status = BM_PASS, .seconds = 312.0625, .detail = NULL };
	j->boot = (struct stage){ .status = BM_PASS, .seconds = 4.1, .detail = NULL };
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
	/* Failed, then passed when the job was booted again. */
	j->kunit.suites[j->kunit.n_suites - 1].cases[1].flaky = true;
	/* kselftest targets: after every KUnit column in the matrix. */
	add_target(&j->kunit, "rust", BM_PASS);
	add_case(&j->kunit, "test_probe_samples.sh.rust_minimal", BM_PASS, NULL);
	add_case(&j->kunit, "test_probe_samples.sh.rust_print", BM_PASS, NULL);
	add_target(&j->kunit, "size", BM_PASS);
	add_case(&j->kunit, "get_size.get_runtime_memory_use", BM_PASS, NULL);

	/* A failed doctest, a suite that crashed half way, a suite that never started. */
	j = &jobs[1];
	job_init(j, "arm64", "trixie", "6.12.117", "virt (tcg)");
	j->build = (struct stage){ .status = BM_PASS, .seconds = 1250.75, .detail = NULL };
	j->boot = (struct stage){ .status = BM_PASS, .seconds = 97.5, .detail = NULL };
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
	j->build = (struct stage){ .status = BM_PASS, .seconds = 1800, .detail = NULL };
	j->boot = (struct stage){ .status = BM_TIMEOUT, .seconds = 300.0004, .detail = xstrdup("no console output for 300 s") };
	j->qemu_version = xstrdup("10.0.2");
	j->libvirt_version = xstrdup("11.3.0");

	/* The final .config lacked an option: never booted. */
	j = &jobs[3];
	job_init(j, "um", "bookworm", "6.6.63", "um");
	j->build = (struct stage){ .status = BM_CONFIG, .seconds = 35.25, .detail = xstrdup("missing from .config: CONFIG_RUST") };
	j->boot = (struct stage){ .status = BM_NONE, .seconds = 0, .detail = NULL };

	/* QEMU failed to start: infrastructure, not the kernel. */
	j = &jobs[4];
	job_init(j, "loongarch64", "trixie", "6.12.117", NULL);
	j->build = (struct stage){ .status = BM_PASS, .seconds = 2000.5, .detail = NULL };
	j->boot = (struct stage){ .status = BM_INFRA, .seconds = 0.25,
				  .detail = xstrdup("qemu-system-loongarch64: cannot open firmware") };
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
		{ "esc\x1b[1m", "esc\xe2\x90\x9b[1m" },		/* text.h: a Control Picture */
		{ "rlo\xe2\x80\xae!", "rlo\xef\xbf\xbd!" },		/* text.h: bidi control */
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

/* A guest names its suite with an escape sequence (a window title, a screen clear), a C1 CSI,
 * bidi overrides and invalid UTF-8: the text reports, even in colour, carry only our colours. */
#define TERM_HOSTILE "x\033]0;owned\007\033[2J\302\233" "31m\342\200\256gnp.exe\342\201\246\377\r\ny"

static size_t str_count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void assert_terminal_safe(const char *text)
{
	_cleanup_free_ char *stripped = strip_ansi(text);

	assert_null(strchr(stripped, '\033'));
	assert_null(strstr(text, "\302\233"));
	assert_null(strstr(text, "\342\200\256"));
	assert_null(strstr(text, "\342\201\246"));
	assert_null(strchr(text, '\r'));
	assert_null(strchr(text, '\377'));
	assert_non_null(strstr(text, "\342\220\233]0;owned"));	/* ESC shown as U+241B */
}

static void test_report_text_hostile(void **state)
{
	struct job_result j = { .id = xstrdup(TERM_HOSTILE), .arch = xstrdup(TERM_HOSTILE),
				.build = { .status = BM_PASS }, .boot = { .status = BM_PASS } };
	_cleanup_free_ char *results = NULL, *plain = NULL, *color = NULL;

	(void)state;
	add_suite(&j.kunit, TERM_HOSTILE, BM_FAIL);
	add_case(&j.kunit, TERM_HOSTILE, BM_FAIL, TERM_HOSTILE);
	results = report_text_results(&j.kunit);
	plain = report_text_matrix(&j, 1, false);
	color = report_text_matrix(&j, 1, true);
	assert_terminal_safe(results);
	assert_terminal_safe(plain);
	assert_terminal_safe(color);
	/* one line per suite, one per matrix row: no line break smuggled in */
	assert_int_equal(str_count_char(results, '\n'), 2);
	assert_int_equal(str_count_char(plain, '\n'), 3);
	job_result_release(&j);
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

/* ---------------------------------------------------------------------------------------------
 * JUnit, Markdown, KCIDB, HTML */

static const struct report_run_meta run_meta = {
	.run_id = "20261121-180102-ab12",
	.plan = "configs/nightly.yaml",
	.started = "2026-11-21T18:01:02Z",
	.host = "ci-runner-3",
	.origin = NULL,
};

/* What compare_runs would say against an older run; freed with diff_release. */
#define N_DIFF 6
static void diff_make(struct compare_item *d)
{
	static const struct {
		enum compare_kind kind;
		const char *job, *arch, *toolchain, *suite;
		enum suite_kind suite_kind;
		const char *name;
		enum bm_status before, after;
		bool flaky;
	} items[N_DIFF] = {
		{ CMP_REGRESSION, "arm64-trixie-6.12.117-rust-kunit", "arm64", "trixie",
		  "rust_doctests_kernel", SUITE_KUNIT, "rust_doctest_kernel_sync_arc_rs_0", BM_PASS,
		  BM_FAIL, false },
		{ CMP_REGRESSION, "arm64-trixie-6.12.117-rust-kunit", "arm64", "trixie", "timers",
		  SUITE_KSELFTEST, "nsleep-lat.#2", BM_PASS, BM_TIMEOUT, true },
		{ CMP_REGRESSION, "riscv64-sid-6.18.0-rust-kunit", "riscv64", "sid", "boot",
		  SUITE_KUNIT, "boot", BM_PASS, BM_TIMEOUT, false },
		{ CMP_FIX, "x86_64-trixie-6.12.117-rust-kunit", "x86_64", "trixie", "list-kernel-test",
		  SUITE_KUNIT, "list_test_list_add", BM_FAIL, BM_PASS, false },
		{ CMP_NEW, "arm64-trixie-6.12.117-rust-kunit", "arm64", "trixie", "string",
		  SUITE_KSELFTEST, "string_test", BM_NONE, BM_PASS, false },
		{ CMP_VANISHED, "x86_64-trixie-6.12.117-rust-kunit", "x86_64", "trixie", "example",
		  SUITE_KUNIT, "example_removed_test", BM_PASS, BM_NONE, false },
	};

	for (size_t i = 0; i < N_DIFF; i++)
		d[i] = (struct compare_item){
			.kind = items[i].kind,
			.job = xstrdup(items[i].job),
			.arch = xstrdup(items[i].arch),
			.toolchain = xstrdup(items[i].toolchain),
			.suite = xstrdup(items[i].suite),
			.suite_kind = items[i].suite_kind,
			.name = xstrdup(items[i].name),
			.before = items[i].before,
			.after = items[i].after,
			.flaky = items[i].flaky,
		};
}

static void diff_release(struct compare_item *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].job);
		free(d[i].arch);
		free(d[i].toolchain);
		free(d[i].suite);
		free(d[i].name);
	}
}

/* Everything a guest or a plan could throw at a report: markup, a CDATA end, quotes,
 * Markdown's table and code delimiters, control bytes, invalid UTF-8, line breaks. */
#define HOSTILE "<script>alert(1)</script> ]]> \"dq\" 'sq' &amp; a|b `tick` ``two`` " \
	"\x01\x1b[31mred\x1b[0m\x7f \xff\xfe \xc3\x28 \xe2\x82 \xc2\x85 \xef\xbf\xbe end"

static void hostile_make(struct job_result *j, struct compare_item *d)
{
	memset(j, 0, sizeof(*j));
	j->id = xstrdup("x86_64-evil<job>&\"'|`-6.12");
	j->arch = xstrdup("x86_64");
	j->toolchain = xstrdup("tc<i>*_x_*");
	j->kernel = xstrdup("6.12\"1|`");
	j->config = xstrdup("cfg|x\ny");
	j->log_dir = xstrdup("results/r 1/x86_64-evil<job>&\"'|`-6.12");
	j->machine = xstrdup("q35 <tcg> \x1b[1m");
	j->host = xstrdup("root@<h>&\"1\":22");
	j->requeued = 1;
	j->manifest = xstrdup("toolchain: tc<i>\nrustc: rustc 1.85.0 \"]]>\"\n"
			      "clang: \xff clang 19\n<evil key>: <v>\n");
	j->build = (struct stage){ .status = BM_PASS, .seconds = 12.5, .detail = NULL };
	j->boot = (struct stage){ .status = BM_CRASH, .seconds = 3.25, .detail = xstrdup("Kernel panic - " HOSTILE "\nsecond line") };
	add_suite(&j->kunit, "evil<script>alert(1)</script>", BM_FAIL);
	add_case(&j->kunit, "]]>", BM_FAIL, HOSTILE);
	add_case(&j->kunit, "quote\"'&amp;", BM_SKIP, "skip \"why\" <b>");
	add_case(&j->kunit, "pipe|bar`tick`", BM_CRASH, "line1\nline2\r\n`code` | pipe");
	add_case(&j->kunit, "ctl\x01\x1b[31mred\x7f", BM_TIMEOUT, "\x02\x03");
	add_case(&j->kunit, "bad\xff\xfeutf8", BM_PASS, NULL);
	add_case(&j->kunit, "..dots..", BM_FAIL, "`");
	add_case(&j->kunit, "dup?", BM_FAIL, NULL);
	add_case(&j->kunit, "dup!", BM_FAIL, NULL);
	add_target(&j->kunit, "net|<x>", BM_FAIL);
	add_case(&j->kunit, "tcp ao.#1", BM_FAIL, " leading and trailing spaces ");

	*d = (struct compare_item){
		.kind = CMP_REGRESSION,
		.job = xstrdup(j->id),
		.arch = xstrdup("x86_64"),
		.toolchain = xstrdup("tc<i>"),
		.suite = xstrdup("evil<script>alert(1)</script>"),
		.name = xstrdup("]]>"),
		.before = BM_PASS,
		.after = BM_FAIL,
	};
}

/* The text is valid UTF-8 with no control character but tab and line feed: what text_sanitize
 * leaves alone, minus carriage returns. */
static void assert_clean_text(const char *name, const char *text)
{
	_cleanup_free_ char *clean = text_sanitize_str(text, TEXT_MULTILINE);

	if (strcmp(clean, text) != 0 || strchr(text, '\r'))
		fail_msg("%s: invalid UTF-8 or a control character in\n%s", name, text);
}

static void test_report_junit(void **state)
{
	struct job_result jobs[N_JOBS];
	_cleanup_free_ char *xml = NULL, *empty = NULL;
	struct bm_err *err = NULL;

	(void)state;
	matrix_make(jobs);
	assert_int_equal(report_junit("20261121-180102-ab12", jobs, N_JOBS, &xml, &err), 0);
	assert_golden("junit.xml", xml);
	matrix_release(jobs);

	assert_int_equal(report_junit("r", NULL, 0, &empty, &err), 0);
	assert_string_equal(empty, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<testsuites name=\"bootmatrix r\" tests=\"0\" failures=\"0\" "
				   "errors=\"0\" time=\"0.000\"/>\n");
}

static void test_report_markdown(void **state)
{
	struct job_result jobs[N_JOBS];
	struct compare_item diff[N_DIFF];
	_cleanup_free_ char *md = NULL, *nodiff = NULL, *nochange = NULL, *empty = NULL;

	(void)state;
	matrix_make(jobs);
	diff_make(diff);
	md = report_markdown("20261121-180102-ab12", jobs, N_JOBS, diff, N_DIFF);
	assert_golden("report.md", md);

	/* No previous run: no Regressions or Fixes sections; an empty diff: "None." */
	nodiff = report_markdown("20261121-180102-ab12", jobs, N_JOBS, NULL, 0);
	assert_null(strstr(nodiff, "Regressions"));
	assert_null(strstr(nodiff, "Fixes"));
	nochange = report_markdown("20261121-180102-ab12", jobs, N_JOBS, diff, 0);
	assert_non_null(strstr(nochange, "### Regressions (0)\n\nNone.\n"));
	diff_release(diff, N_DIFF);
	matrix_release(jobs);

	empty = report_markdown("r", NULL, 0, NULL, 0);
	assert_string_equal(empty, "## bootmatrix r: 0 of 0 jobs passed\n\n"
				   "Test cases: 0 passed, 0 failed, 0 crashed, 0 skipped.\n\n"
				   "No jobs.\n");
}

static void test_report_kcidb(void **state)
{
	struct job_result jobs[N_JOBS];
	_cleanup_free_ char *json = NULL, *empty = NULL;
	struct bm_err *err = NULL;
	struct report_run_meta meta = run_meta;

	(void)state;
	matrix_make(jobs);
	assert_int_equal(report_kcidb(&meta, jobs, N_JOBS, &json, &err), 0);
	assert_golden("kcidb.json", json);
	matrix_release(jobs);

	/* The origin is forced into [a-z0-9_]. */
	meta = (struct report_run_meta){ .run_id = "r", .origin = "My-CI" };
	assert_int_equal(report_kcidb(&meta, NULL, 0, &empty, &err), 0);
	assert_string_equal(empty, "{\n"
				   "  \"version\": {\n"
				   "    \"major\": 5,\n"
				   "    \"minor\": 3\n"
				   "  },\n"
				   "  \"checkouts\": [],\n"
				   "  \"builds\": [],\n"
				   "  \"tests\": []\n"
				   "}\n");
}

static void test_report_html(void **state)
{
	struct job_result jobs[N_JOBS];
	struct compare_item diff[N_DIFF];
	_cleanup_free_ char *html = NULL, *nodiff = NULL, *empty = NULL;
	struct bm_err *err = NULL;
	struct report_run_meta meta = { .run_id = "r" };

	(void)state;
	matrix_make(jobs);
	diff_make(diff);
	assert_int_equal(report_html(&run_meta, jobs, N_JOBS, diff, N_DIFF, &html, &err), 0);
	assert_golden("report.html", html);
	assert_clean_text("report.html", html);

	assert_int_equal(report_html(&run_meta, jobs, N_JOBS, NULL, 0, &nodiff, &err), 0);
	assert_non_null(strstr(nodiff, "<p>No previous run to compare with.</p>"));
	diff_release(diff, N_DIFF);
	matrix_release(jobs);

	assert_int_equal(report_html(&meta, NULL, 0, NULL, 0, &empty, &err), 0);
	assert_non_null(strstr(empty, "<p>No jobs.</p>"));
}

/* Each line of a Markdown table has as many unescaped '|' as the header. */
static void assert_md_table(const char *md)
{
	_cleanup_free_ char *copy = xstrdup(md);
	char *save = NULL;
	int want = -1;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pipes = 0;

		if (line[0] != '|')
			continue;
		for (char *p = line; *p; p++)
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '|')
				pipes++;
		if (want < 0)
			want = pipes;
		if (pipes != want)
			fail_msg("table row with %d cells, want %d: %s", pipes - 1, want - 1, line);
	}
	assert_true(want > 0);
}

/* Hostile strings: the XML and HTML stay well-formed (tests/integration/report-formats.sh runs
 * xmllint on these golden files), nothing is passed through unescaped. */
static void test_report_hostile(void **state)
{
	struct job_result j;
	struct compare_item d;
	_cleanup_free_ char *xml = NULL, *md = NULL, *json = NULL, *html = NULL;
	struct bm_err *err = NULL;
	struct report_run_meta meta = {
		.run_id = "run<1>&\"'",
		.plan = "plans/<x>.yaml",
		.started = "2026-11-21T18:01:02Z",
		.host = "host\x1b]0;title\x07",
		.origin = "Evil Origin!",
	};

	(void)state;
	hostile_make(&j, &d);
	assert_int_equal(report_junit(meta.run_id, &j, 1, &xml, &err), 0);
	assert_golden("junit-hostile.xml", xml);
	assert_clean_text("junit-hostile.xml", xml);
	assert_null(strstr(xml, "<script>"));
	assert_null(strstr(xml, "]]>"));

	assert_int_equal(report_html(&meta, &j, 1, &d, 1, &html, &err), 0);
	assert_golden("report-hostile.html", html);
	assert_clean_text("report-hostile.html", html);
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "]]>"));

	md = report_markdown(meta.run_id, &j, 1, &d, 1);
	assert_golden("report-hostile.md", md);
	assert_clean_text("report-hostile.md", md);
	assert_md_table(md);

	assert_int_equal(report_kcidb(&meta, &j, 1, &json, &err), 0);
	assert_golden("kcidb-hostile.json", json);
	assert_non_null(strstr(json, "\"origin\": \"evil_origin_\""));
	/* Sanitizing made two paths equal: the second id gets a suffix. */
	assert_non_null(strstr(json, "\"path\": \"kunit.evil_script_alert_1___script_.dup_\""));
	assert_non_null(strstr(json, ".dup_#2\""));

	diff_release(&d, 1);
	job_result_release(&j);
}

static void rust_opt_add(struct job_result *j, const char *name, char want, char got,
			 enum rust_opt_fate fate, const char *reason)
{
	j->rust.opts = xrealloc(j->rust.opts, (j->rust.n + 1) * sizeof(*j->rust.opts));
	j->rust.opts[j->rust.n++] = (struct rust_opt){ .name = xstrdup(name), .want = want, .got = got,
						       .fate = fate, .reason = xstrdup(reason) };
}

/* The Rust support map: versions from the manifest, options by verdict, the Rust suites. */
static void test_report_rust(void **state)
{
	struct job_result jobs[2];
	_cleanup_free_ char *text = NULL, *none = NULL, *json = NULL, *html = NULL;
	struct strbuf md = { 0 };
	struct bm_err *err = NULL;

	(void)state;
	job_init(&jobs[0], "arm64", "trixie", "7.2.13", "virt (tcg)");
	free(jobs[0].manifest);
	jobs[0].manifest = xstrdup("rustc: rustc 1.85.1 (4eb161250 2025-03-15)\n"
				   "bindgen: bindgen 0.71.1\nclang: Debian clang version 19.1.7 (3+b1)\n");
	rust_opt_add(&jobs[0], "HAVE_RUST", 'y', 'y', RUST_OPT_ON, NULL);
	rust_opt_add(&jobs[0], "RUST", 'y', 'y', RUST_OPT_ON, NULL);
	rust_opt_add(&jobs[0], "RUST_STR_KUNIT_TEST", 'y', 'y', RUST_OPT_ON, NULL);
	rust_opt_add(&jobs[0], "SAMPLE_RUST_DMA", 'm', 'n', RUST_OPT_DROPPED,
		     "unmet dependency: PCI (depends on SAMPLES_RUST && PCI)");
	rust_opt_add(&jobs[0], "RUST_KVEC_KUNIT_TEST", 'y', 'n', RUST_OPT_ABSENT, "not in this kernel");
	add_example_suite(&jobs[0].kunit);
	add_suite(&jobs[0].kunit, "rust_doctests_kernel", BM_PASS);
	add_case(&jobs[0].kunit, "rust_doctest_kernel_alloc_rs_0", BM_PASS, NULL);
	add_case(&jobs[0].kunit, "rust_doctest_kernel_str_rs_0", BM_PASS, NULL);
	add_suite(&jobs[0].kunit, "rust_kernel_str", BM_FAIL);
	add_case(&jobs[0].kunit, "test_cstr", BM_PASS, NULL);
	add_case(&jobs[0].kunit, "test_fmt", BM_FAIL, NULL);
	add_target(&jobs[0].kunit, "rust_samples", BM_PASS);
	add_case(&jobs[0].kunit, "load_unload.rust_minimal", BM_PASS, NULL);
	add_case(&jobs[0].kunit, "load_unload.rust_dma", BM_SKIP, "the config cannot have it");
	test_results_recount(&jobs[0].kunit);
	/* a job without a map is left out */
	job_init(&jobs[1], "x86_64", "trixie", "6.12.117", "q35 (tcg)");

	text = report_text_rust(jobs, 2);
	assert_golden("rust.txt", text);
	none = report_text_rust(&jobs[1], 1);
	assert_non_null(strstr(none, "no Rust map"));
	report_markdown_rust(&md, jobs, 2);
	assert_golden("rust.md", md.buf);
	free(md.buf);
	assert_int_equal(report_json_matrix("r", "rust.yaml", jobs, 2, &json, &err), 0);
	assert_non_null(strstr(json, "\"rust\": {\n        \"on\": 3,\n        \"dropped\": 1,\n"
				     "        \"absent\": 1,"));
	assert_int_equal(report_html(&run_meta, jobs, 2, NULL, 0, &html, &err), 0);
	assert_non_null(strstr(html, "<h2>Rust support map</h2>"));
	assert_non_null(strstr(html, "arm64-trixie-7.2.13-rust-kunit: CONFIG_SAMPLE_RUST_DMA dropped: "
				     "unmet dependency: PCI"));
	job_result_release(&jobs[0]);
	job_result_release(&jobs[1]);
}

/* KUnit repeats parameterised case names ("fibonacci param: 1" for 1, 1, 2...): JUnit consumers
 * keep only the first of equal (classname, name) pairs, so repeats get " #2", " #3". */
static void test_report_junit_repeated_names(void **state)
{
	struct job_result j;
	_cleanup_free_ char *xml = NULL;
	struct bm_err *err = NULL;

	(void)state;
	job_init(&j, "um", "trixie", "7.2.13", "um");
	add_suite(&j.kunit, "example", BM_PASS);
	add_case(&j.kunit, "params.fibonacci param: 1", BM_PASS, NULL);
	add_case(&j.kunit, "params.fibonacci param: 1", BM_PASS, NULL);
	add_case(&j.kunit, "params.fibonacci param: 2", BM_PASS, NULL);
	add_case(&j.kunit, "params.fibonacci param: 1", BM_FAIL, NULL);
	test_results_recount(&j.kunit);
	assert_int_equal(report_junit("r", &j, 1, &xml, &err), 0);
	assert_non_null(strstr(xml, "name=\"params.fibonacci param: 1\""));
	assert_non_null(strstr(xml, "name=\"params.fibonacci param: 1 #2\""));
	assert_non_null(strstr(xml, "name=\"params.fibonacci param: 1 #3\""));
	assert_non_null(strstr(xml, "name=\"params.fibonacci param: 2\""));
	job_result_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_junit_repeated_names),
		cmocka_unit_test(test_report_rust),
		cmocka_unit_test(test_report_json_results),
		cmocka_unit_test(test_report_json_results_empty),
		cmocka_unit_test(test_report_json_matrix),
		cmocka_unit_test(test_report_json_utf8),
		cmocka_unit_test(test_report_text_results),
		cmocka_unit_test(test_report_text_hostile),
		cmocka_unit_test(test_report_text_matrix),
		cmocka_unit_test(test_report_junit),
		cmocka_unit_test(test_report_markdown),
		cmocka_unit_test(test_report_kcidb),
		cmocka_unit_test(test_report_html),
		cmocka_unit_test(test_report_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
