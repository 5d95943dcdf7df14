/* cli and the report format table: exit codes, the one error line, option parsing, help
 * generated from the command table, and every report format found, listed and rendered through
 * the table exactly as its renderer renders it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "check.h"
#include "cli.h"
#include "err.h"
#include "report.h"
#include "result.h"
#include "util.h"
#include "xmlw.h"

static int fake_fn(const struct cli_cmd *cmd, int argc, char **argv)
{
	(void)cmd, (void)argc, (void)argv;
	return 0;
}

static const struct cli_cmd fake_cmds[] = {
	{ "run", fake_fn, CLI_SIGNALS, "[-x] PLAN", "Run it.\n\n  -x   an option\n" },
	{ "report", fake_fn, 0, "[--format F]", "Render it.\n\n@FORMATS@\n\nExit: 0.\n" },
	{ "check", fake_fn, CLI_SIGNALS | CLI_BISECT_RUN, "--check C", "Check it.\n" },
};
static const struct cli_program fake_prog = { "A summary.\n", fake_cmds, ARRAY_SIZE(fake_cmds) };

/* What fn writes to a FILE, as a heap string. */
static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void overview(FILE *f, const void *arg)
{
	cli_write_overview(f, arg);
}

static void cmd_help(FILE *f, const void *arg)
{
	cli_write_cmd_help(f, arg);
}

static void test_exit_codes(void **state)
{
	struct job_result jobs[2] = { { .build = { .status = BM_PASS }, .boot = { .status = BM_PASS } },
				      { .build = { .status = BM_PASS }, .boot = { .status = BM_PASS } } };

	(void)state;
	assert_int_equal(cli_exit_jobs(jobs, 0), CLI_EXIT_OK);
	assert_int_equal(cli_exit_jobs(jobs, 2), 0);
	jobs[1].boot.status = BM_CRASH;
	assert_int_equal(cli_exit_jobs(jobs, 2), 1);
	jobs[1].boot.status = BM_INFRA;
	assert_int_equal(cli_exit_jobs(jobs, 2), 1);
	/* git bisect run's codes */
	assert_int_equal(cli_exit_verdict(VERDICT_GOOD), 0);
	assert_int_equal(cli_exit_verdict(VERDICT_BAD), 1);
	assert_int_equal(cli_exit_verdict(VERDICT_SKIP), 125);
	assert_int_equal(cli_exit_verdict(VERDICT_RETRY), 125);
	assert_int_equal(cli_harness_exit(&fake_cmds[0]), 2);
	assert_int_equal(cli_harness_exit(&fake_cmds[2]), 255);
}

static void test_errors(void **state)
{
	struct bm_err *e = NULL;

	(void)state;
	bm_err_set(&e, BM_ERR_INPUT, "unknown arch '%s'", "rsicv64");
	assert_int_equal(cli_fail(&fake_cmds[0], e), 2);	/* e is freed (LeakSanitizer) */
	e = NULL;
	bm_err_set(&e, BM_ERR_SYSTEM, "%s", "disk full");
	assert_int_equal(cli_fail(&fake_cmds[2], e), 255);
	assert_int_equal(cli_fail(&fake_cmds[0], NULL), 2);
	assert_int_equal(cli_usage(&fake_cmds[0], "expects %s", "a PLAN"), 2);
	assert_int_equal(cli_usage(&fake_cmds[2], "%s", "--arch and --check are required"), 255);
	assert_int_equal(cli_cmd_error(&fake_cmds[2], "tree '%s': gone", "/x"), 255);
}

/* What fn writes to standard error (file descriptor 2), as a heap string. */
static char *capture_stderr(void (*fn)(const void *), const void *arg)
{
	char path[] = "/tmp/bm-cli-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *buf = NULL;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_true(dup2(fd, 2) == 2);
	fn(arg);
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	close(fd);
	assert_int_equal(file_read(path, &buf, NULL, NULL), 0);
	unlink(path);
	return buf;
}

/* Guest and build text as a console line, a build log line or a case name would bring it: an
 * OSC title, a screen clear, a C1 CSI, a bidi override, invalid UTF-8, a carriage return. */
#define EVIL "panic: \033]0;pwned\007\033[2J\302\233" "1m\342\200\256drow\377\rok"

static void fail_evil(const void *arg)
{
	struct bm_err *e = NULL;

	bm_err_set(&e, BM_ERR_INFRA, "boot: %s", (const char *)arg);
	cli_fail(&fake_cmds[0], e);
}

static void progress_evil(const void *arg)
{
	cli_progress(arg);
	cli_warn("%s", (const char *)arg);
	cli_usage(&fake_cmds[0], "%s", (const char *)arg);
}

static void text_evil(FILE *f, const void *arg)
{
	cli_write_text(f, arg);
}

static void assert_safe(const char *out)
{
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\r'));
	assert_null(strchr(out, '\377'));
	assert_null(strstr(out, "\302\233"));
	assert_null(strstr(out, "\342\200\256"));
	assert_non_null(strstr(out, "\342\220\233]0;pwned\342\220\207"));
}

static void test_terminal_safe(void **state)
{
	_cleanup_free_ char *failed = capture_stderr(fail_evil, EVIL);
	_cleanup_free_ char *progress = capture_stderr(progress_evil, EVIL);
	_cleanup_free_ char *text = capture(text_evil, EVIL "\nsecond line\n");

	(void)state;
	assert_safe(failed);
	assert_true(str_has_prefix(failed, "bootmatrix: boot: panic: "));
	assert_safe(progress);
	assert_non_null(strstr(progress, "bootmatrix: warning: panic"));
	assert_safe(text);
	assert_non_null(strstr(text, "ok\nsecond line\n"));
}

static int getopt_all(const struct cli_cmd *cmd, char **argv, int argc, int *ret_exit, char *seen)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "x-ray", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 0;	/* glibc: start over */
	opterr = 0;
	while ((opt = cli_getopt(cmd, argc, argv, "hx:", longopts, ret_exit)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return opt;
		*seen++ = (char)opt;
		*seen = 0;
	}
	return opt;
}

static void test_getopt(void **state)
{
	char *ok[] = { (char *)"run", (char *)"-x", (char *)"1", (char *)"--x-ray=2", (char *)"PLAN", NULL };
	char *help[] = { (char *)"run", (char *)"--help", NULL };
	char *bad[] = { (char *)"check", (char *)"--nope", NULL };
	char seen[8] = "";
	int ex = -1;

	(void)state;
	assert_int_equal(getopt_all(&fake_cmds[0], ok, 5, &ex, seen), -1);
	assert_string_equal(seen, "xx");
	assert_int_equal(optind, 4);
	assert_string_equal(ok[optind], "PLAN");
	assert_int_equal(getopt_all(&fake_cmds[0], help, 2, &ex, seen), CLI_OPT_EXIT);
	assert_int_equal(ex, 0);
	assert_int_equal(getopt_all(&fake_cmds[2], bad, 2, &ex, seen), CLI_OPT_EXIT);
	assert_int_equal(ex, 255);
	assert_int_equal(getopt_all(&fake_cmds[0], bad, 2, &ex, seen), CLI_OPT_EXIT);
	assert_int_equal(ex, 2);
}

static void test_help(void **state)
{
	_cleanup_free_ char *all = capture(overview, &fake_prog);
	_cleanup_free_ char *run = capture(cmd_help, &fake_cmds[0]);
	_cleanup_free_ char *report = capture(cmd_help, &fake_cmds[1]);

	(void)state;
	assert_string_equal(all, "usage: bootmatrix COMMAND [OPTIONS] [ARGS]\n\nA summary.\n\n"
				 "commands:\n"
				 "  run        [-x] PLAN\n"
				 "  report     [--format F]\n"
				 "  check      --check C\n"
				 "\n'bootmatrix COMMAND --help' for more. man bootmatrix(1).\n");
	assert_string_equal(run, "usage: bootmatrix run [-x] PLAN\n\nRun it.\n\n  -x   an option\n");
	assert_string_equal(report,
		"usage: bootmatrix report [--format F]\n\nRender it.\n\n"
		"Formats (F), and the file 'run' writes each to in the run directory:\n"
		"  text      report.txt   the terminal matrix, without colors\n"
		"  json      matrix.json  the run as JSON (docs/json.md)\n"
		"  junit     report.xml   JUnit XML for CI systems (GitLab, Jenkins)\n"
		"  markdown  report.md    a CI job summary, with regressions and fixes\n"
		"  kcidb     kcidb.json   KernelCI's KCIDB v5.3 JSON\n"
		"  html      report.html  one static page, with the changes since the last run\n"
		"\nExit: 0.\n");
	assert_ptr_equal(cli_find(&fake_prog, "check"), &fake_cmds[2]);
	assert_null(cli_find(&fake_prog, "chec"));
	assert_null(cli_find(&fake_prog, "checks"));
}

static void test_format_table(void **state)
{
	const struct report_format *f = NULL;
	_cleanup_free_ char *names = report_format_names();
	struct bm_err *e = NULL;

	(void)state;
	assert_string_equal(names, "text, json, junit, markdown, kcidb, html");
	assert_int_equal(report_format_find("junit", &f, &e), 0);
	assert_string_equal(f->file, "report.xml");
	assert_int_equal(report_format_find("JUnit", &f, &e), -1);
	assert_int_equal(e->code, BM_ERR_INPUT);
	assert_string_equal(e->msg, "unknown format 'JUnit' (known: text, json, junit, markdown, kcidb, html)");
	bm_err_free(e);
	for (size_t i = 0; i < report_n_formats; i++) {
		assert_non_null(report_formats[i].summary);
		assert_true(strlen(report_formats[i].name) <= 9);	/* the help's columns */
		assert_true(strlen(report_formats[i].file) <= 12);
		for (size_t k = 0; k < i; k++) {
			assert_string_not_equal(report_formats[i].name, report_formats[k].name);
			assert_string_not_equal(report_formats[i].file, report_formats[k].file);
		}
	}
}

/* Through the table, each format is byte for byte its renderer's output. */
static void test_format_render(void **state)
{
	struct test_case cases[] = { { .name = (char *)"a", .status = BM_PASS },
				     { .name = (char *)"b", .status = BM_FAIL, .detail = (char *)"x != y" } };
	struct test_suite suite = { .name = (char *)"demo", .status = BM_FAIL, .cases = cases,
				    .n_cases = 2 };
	struct job_result job = { .id = (char *)"x86_64-trixie-6.12-rust-kunit", .arch = (char *)"x86_64",
				  .toolchain = (char *)"trixie", .kernel = (char *)"6.12",
				  .config = (char *)"rust-kunit", .build = { .status = BM_PASS },
				  .boot = { .status = BM_PASS },
				  .kunit = { .suites = &suite, .n_suites = 1, .pass = 1, .fail = 1 } };
	struct report_run_meta meta = { .run_id = "20261129-100000-ab12", .plan = "p.yaml" };
	struct bm_err *e = NULL;

	(void)state;
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];
		_cleanup_free_ char *got = NULL, *want = NULL;

		assert_int_equal(report_render(f, &meta, &job, 1, NULL, 0, &got, &e), 0);
		if (strcmp(f->name, "text") == 0)
			want = report_text_matrix(&job, 1, false);
		else if (strcmp(f->name, "json") == 0)
			assert_int_equal(report_json_matrix(meta.run_id, meta.plan, &job, 1, &want, &e), 0);
		else if (strcmp(f->name, "junit") == 0)
			assert_int_equal(report_junit(meta.run_id, &job, 1, &want, &e), 0);
		else if (strcmp(f->name, "markdown") == 0)
			want = report_markdown(meta.run_id, &job, 1, NULL, 0);
		else if (strcmp(f->name, "kcidb") == 0)
			assert_int_equal(report_kcidb(&meta, &job, 1, &want, &e), 0);
		else if (strcmp(f->name, "html") == 0)
			assert_int_equal(report_html(&meta, &job, 1, NULL, 0, &want, &e), 0);
		else
			fail_msg("format '%s' has no check here", f->name);
		assert_string_equal(got, want);
		assert_true(*got && got[strlen(got) - 1] == '\n');
	}
}

/* The man page and docs/reports.md name every format of the table with its file. */
static void test_format_docs(void **state)
{
	_cleanup_free_ char *man = NULL, *md = NULL;
	struct bm_err *e = NULL;

	(void)state;
	if (file_read("docs/bootmatrix.1", &man, NULL, &e) < 0 ||
	    file_read("docs/reports.md", &md, NULL, &e) < 0)
		fail_msg("%s", e->msg);
	for (size_t i = 0; i < report_n_formats; i++) {
		_cleanup_free_ char *in_man = xasprintf(".B %s\n%s: ", report_formats[i].name,
							report_formats[i].file);
		_cleanup_free_ char *in_md = xasprintf("| `%s` | `%s` |", report_formats[i].name,
						       report_formats[i].file);

		if (!strstr(man, in_man))
			fail_msg("docs/bootmatrix.1 lacks '%s'", in_man);
		if (!strstr(md, in_md))
			fail_msg("docs/reports.md lacks '%s'", in_md);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_terminal_safe),
		cmocka_unit_test(test_getopt),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_render),
		cmocka_unit_test(test_format_docs),
	};

	xmlw_library_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
