/* Build progress lines (with and without an estimate from the last full build), the argv of apt
 * for another Debian suite (apt.c), both pure, and whether a build directory holds a current
 * build (what a run that waited for another's build decides on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apt.h"
#include "arch.h"
#include "build.h"
#include "err.h"
#include "util.h"

static void test_progress_without_estimate(void **state)
{
	_cleanup_free_ char *a = build_progress_line("x86_64", 412, 120.4, NULL);
	struct build_estimate none = { 0 };
	_cleanup_free_ char *b = build_progress_line("x86_64", 412, 120.4, &none);

	(void)state;
	assert_string_equal(a, "x86_64: building, 412 steps done, 120 s");
	assert_string_equal(b, a);
}

static void test_progress_with_estimate(void **state)
{
	struct build_estimate e = { .steps = 640, .seconds = 300 };
	/* 412 of 640 in 240 s: 228 more at that pace take 133 s */
	_cleanup_free_ char *mid = build_progress_line("arm64", 412, 240, &e);
	/* 10 of 640: too early for the pace, the last build's 300 s say 260 s are left */
	_cleanup_free_ char *early = build_progress_line("arm64", 10, 40, &e);
	/* nearly there */
	_cleanup_free_ char *late = build_progress_line("arm64", 630, 290, &e);
	/* more steps than last time: no fraction to give */
	_cleanup_free_ char *over = build_progress_line("arm64", 700, 320, &e);

	(void)state;
	assert_string_equal(mid, "arm64: building, 412/640 steps, ~2 min left, 240 s");
	assert_string_equal(early, "arm64: building, 10/640 steps, ~4 min left, 40 s");
	assert_string_equal(late, "arm64: building, 630/640 steps, <1 min left, 290 s");
	assert_string_equal(over, "arm64: building, 700 steps done, 320 s");
}

static void test_apt_suite_command(void **state)
{
	char *const args[] = { (char *)"download", (char *)"linux-source-7.2=7.2.13-1", NULL };
	_cleanup_strv_ char **v = apt_suite_command("/c/apt/sid", "apt-get", args);
	_cleanup_free_ char *line = strv_join(v, " ");
	_cleanup_free_ char *sources = apt_suite_sources("http://mirror.invalid/debian", "sid");
	_cleanup_free_ char *sources2 = apt_suite_sources("http://mirror.invalid/debian/", "sid");

	(void)state;
	assert_string_equal(line,
			    "apt-get -oDir::Etc::sourcelist=/c/apt/sid/sources.list "
			    "-oDir::Etc::sourceparts=/c/apt/sid/empty "
			    "-oDir::Etc::preferences=/c/apt/sid/empty/preferences "
			    "-oDir::Etc::preferencesparts=/c/apt/sid/empty "
			    "-oDir::State=/c/apt/sid/state -oDir::State::status=/c/apt/sid/status "
			    "-oDir::Cache=/c/apt/sid/cache -oAcquire::Languages=none "
			    "-oAPT::Sandbox::User=root -q download linux-source-7.2=7.2.13-1");
	assert_string_equal(sources, "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
			    "http://mirror.invalid/debian/ sid main\n");
	assert_string_equal(sources2, sources);
}

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	struct bm_err *err = NULL;

	assert_int_equal(file_write_atomic(path, text, strlen(text), &err), 0);
}

static void test_is_current(void **state)
{
	char dir[] = "/tmp/bm-test-build.XXXXXX";
	struct arch a = { .image = (char *)"vmlinux" };
	struct build_spec spec = { .arch = &a, .inputs_key = "k1" };
	char *targets[] = { (char *)"size", NULL };
	struct kselftest_opts ko = { .targets = targets, .sentinel = "DONE" };
	struct bm_err *err = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	spec.out_dir = dir;
	assert_false(build_is_current(&spec, NULL));	/* empty */
	put(dir, "bm-built", "k1\n");
	assert_false(build_is_current(&spec, NULL));	/* stamp, but no image */
	put(dir, "vmlinux", "");
	assert_true(build_is_current(&spec, NULL));
	spec.inputs_key = "k2";
	assert_false(build_is_current(&spec, NULL));	/* other inputs */
	spec.inputs_key = NULL;
	assert_false(build_is_current(&spec, NULL));	/* a tree of the user's: always make */
	spec.inputs_key = "k1";
	/* the kselftests too: their stamp is a digest of the kernel's and their options */
	assert_false(build_is_current(&spec, &ko));
	put(dir, "initramfs.cpio", "");
	put(dir, "bm-kselftest-built", "wrong");
	assert_false(build_is_current(&spec, &ko));
	assert_int_equal(rm_rf(dir, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_without_estimate),
		cmocka_unit_test(test_progress_with_estimate),
		cmocka_unit_test(test_apt_suite_command),
		cmocka_unit_test(test_is_current),
	};

	return cmocka_run_group_tests_name("build", tests, NULL, NULL);
}
