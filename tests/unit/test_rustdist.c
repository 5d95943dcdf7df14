/* rustdist: Rust version names (and the bad ones, with their messages), the artifacts' URLs for
 * releases, betas and nightlies, .sha256 files, the components a kernel toolchain keeps, and
 * ranges: releases found by asking a probe (patch releases, minors a server lacks), every day
 * of a nightly range across a month's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "rustdist.h"
#include "util.h"

static void check_name(const char *s)
{
	struct rustdist_version v;
	struct bm_err *err = NULL;
	_cleanup_free_ char *back = NULL;

	if (rustdist_parse(s, &v, &err) < 0)
		fail_msg("'%s': %s", s, err->msg);
	back = rustdist_name(&v);
	assert_string_equal(back, s);
}

static void check_bad(const char *s, const char *msg)
{
	struct rustdist_version v;
	struct bm_err *err = NULL;

	assert_int_equal(rustdist_parse(s, &v, &err), -1);
	assert_non_null(strstr(err->msg, msg));
	bm_err_free(err);
}

static void test_rustdist_parse(void **state)
{
	(void)state;
	check_name("1.90.0");
	check_name("1.85.1");
	check_name("nightly-2026-03-01");
	check_name("beta-2026-01-15");
	check_bad("1.90", "is not a Rust version");
	check_bad("1.090.0", "is not a Rust version");
	check_bad("1.90.0-beta", "is not a Rust version");
	check_bad("stable", "is not a Rust version");
	check_bad("nightly-2026-02-30", "no such date (want nightly-YYYY-MM-DD)");
	check_bad("beta-26-01-01", "no such date (want beta-YYYY-MM-DD)");
}

static void check_urls(const char *server, const char *version, const char *want, const char *want_src)
{
	struct rustdist_version v;
	_cleanup_free_ char *u = NULL, *src = NULL;

	assert_int_equal(rustdist_parse(version, &v, NULL), 0);
	u = rustdist_url(server, &v, "x86_64-unknown-linux-gnu");
	src = rustdist_src_url(server, &v);
	assert_string_equal(u, want);
	assert_string_equal(src, want_src);
}

static void test_rustdist_urls(void **state)
{
	(void)state;
	check_urls("http://127.0.0.1:8000/", "1.90.0",
		   "http://127.0.0.1:8000/dist/rust-1.90.0-x86_64-unknown-linux-gnu.tar.xz",
		   "http://127.0.0.1:8000/dist/rust-src-1.90.0.tar.xz");
	check_urls("https://mirror.example/rust//", "nightly-2026-03-01",
		   "https://mirror.example/rust/dist/2026-03-01/rust-nightly-x86_64-unknown-linux-gnu.tar.xz",
		   "https://mirror.example/rust/dist/2026-03-01/rust-src-nightly.tar.xz");
	check_urls("http://h", "beta-2026-01-15",
		   "http://h/dist/2026-01-15/rust-beta-x86_64-unknown-linux-gnu.tar.xz",
		   "http://h/dist/2026-01-15/rust-src-beta.tar.xz");
}

static void test_rustdist_sha256(void **state)
{
	const char *hex = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *line = xasprintf("%s  rust-1.90.0-x86_64-unknown-linux-gnu.tar.xz\n", hex);
	struct bm_err *err = NULL;
	char got[65];

	(void)state;
	assert_int_equal(rustdist_sha256_parse(line, "u", got, NULL), 0);
	assert_string_equal(got, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(rustdist_sha256_parse("<html>404</html>", "http://h/x.sha256", got, &err), -1);
	assert_string_equal(err->msg, "'http://h/x.sha256' holds no SHA-256 checksum");
	bm_err_free(err);
	err = NULL;
	assert_int_equal(rustdist_sha256_parse("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
					       "u", got, &err), -1);
	bm_err_free(err);
}

static void test_rustdist_components(void **state)
{
	(void)state;
	assert_true(rustdist_component_wanted("rustc"));
	assert_true(rustdist_component_wanted("rust-std-x86_64-unknown-linux-gnu"));
	assert_true(rustdist_component_wanted("rust-src"));
	assert_true(rustdist_component_wanted("rustfmt-preview"));
	assert_false(rustdist_component_wanted("cargo"));
	assert_false(rustdist_component_wanted("rust-docs"));
	assert_false(rustdist_component_wanted("rust-analysis-x86_64-unknown-linux-gnu"));
}

/* A server holding 1.85.0, 1.85.1, 1.86.0, 1.88.0, 1.88.1, 1.88.2, 1.89.0 (no 1.87), counting
 * how often it is asked. */
static int probe(const struct rustdist_version *v, void *data, struct bm_err **err)
{
	static const char *const have[] = { "1.85.0", "1.85.1", "1.86.0", "1.88.0", "1.88.1",
					    "1.88.2", "1.89.0" };
	_cleanup_free_ char *name = rustdist_name(v);

	(void)err;
	(*(unsigned *)data)++;
	for (size_t i = 0; i < sizeof(have) / sizeof(have[0]); i++)
		if (!strcmp(have[i], name))
			return 1;
	return 0;
}

static int probe_fails(const struct rustdist_version *v, void *data, struct bm_err **err)
{
	(void)v;
	(void)data;
	return bm_err_set(err, BM_ERR_INFRA, "server down");
}

static void check_range(const char *range, const char *want)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *got = NULL;
	struct bm_err *err = NULL;
	unsigned asked = 0;

	if (rustdist_range(range, probe, &asked, &v, &err) < 0)
		fail_msg("'%s': %s", range, err->msg);
	got = strv_join(v, " ");
	assert_string_equal(got, want);
}

static void test_rustdist_range(void **state)
{
	_cleanup_strv_ char **v = NULL;
	struct bm_err *err = NULL;

	(void)state;
	check_range("1.85.0..1.89.0", "1.85.0 1.85.1 1.86.0 1.88.0 1.88.1 1.88.2 1.89.0");
	check_range("1.85.1..1.88.1", "1.85.1 1.86.0 1.88.0 1.88.1");
	check_range("1.88.0..1.88.2", "1.88.0 1.88.1 1.88.2");
	/* the ends are taken as given: a missing one fails when it is fetched */
	check_range("1.63.0..1.85.1", "1.63.0 1.85.0 1.85.1");
	check_range("nightly-2026-01-30..nightly-2026-02-02",
		    "nightly-2026-01-30 nightly-2026-01-31 nightly-2026-02-01 nightly-2026-02-02");
	check_range("beta-2024-02-28..beta-2024-03-01", "beta-2024-02-28 beta-2024-02-29 beta-2024-03-01");
	assert_int_equal(rustdist_range("1.89.0..1.85.0", probe, &(unsigned){ 0 }, &v, &err), -1);
	assert_string_equal(err->msg, "range '1.89.0..1.85.0': the first end must come before the last");
	bm_err_free(err);
	err = NULL;
	assert_int_equal(rustdist_range("1.85.0..nightly-2026-01-01", probe, &(unsigned){ 0 }, &v, &err), -1);
	assert_non_null(strstr(err->msg, "both ends must be of one channel"));
	bm_err_free(err);
	err = NULL;
	assert_int_equal(rustdist_range("1.85.0..1.90", probe, &(unsigned){ 0 }, &v, &err), -1);
	assert_non_null(strstr(err->msg, "range '1.85.0..1.90': '1.90' is not a Rust version"));
	bm_err_free(err);
	err = NULL;
	assert_int_equal(rustdist_range("1.85.0..1.89.0", probe_fails, NULL, &v, &err), -1);
	assert_string_equal(err->msg, "server down");
	bm_err_free(err);
	assert_true(rustdist_is_range("1.85.0..1.89.0"));
	assert_false(rustdist_is_range("1.85.0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rustdist_parse),
		cmocka_unit_test(test_rustdist_urls),
		cmocka_unit_test(test_rustdist_sha256),
		cmocka_unit_test(test_rustdist_components),
		cmocka_unit_test(test_rustdist_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
