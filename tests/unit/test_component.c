/* component: a local directory is taken where it is when it holds the tool (and rust-src for
 * rust), refused with what it lacks otherwise; a Rust version without a server says how to name
 * one; the check before a run (component_check) refuses the same, and asks no server for what the
 * cache holds; how components describe themselves (what the toolchain's hash and messages use). The
 * downloads are driven against a real server in tests/integration/toolchain-dist.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "component.h"
#include "err.h"
#include "rustdist.h"
#include "util.h"

static char *tmp_dir(void)
{
	char *d = xstrdup("/tmp/bm-test-component.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void touch_exec(const char *path)
{
	assert_int_equal(file_write_atomic(path, "#!/bin/sh\n", 10, NULL), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static void check_dir_error(enum component_kind k, const char *dir, const char *want)
{
	struct component c = { .used = true, .dir = xstrdup(dir) };
	struct bm_err *err = NULL;
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(component_fetch(k, &c, "/nonexistent-cache", NULL, &err), -1);
	msg = xasprintf("'%s' is not a %s toolchain: %s", dir, component_kind_name(k), want);
	assert_string_equal(err->msg, msg);
	assert_int_equal(err->code, BM_ERR_INPUT);
	assert_null(c.prefix);
	bm_err_freep(&err);
	/* the check before a run says the same */
	assert_int_equal(component_check(k, &c, "/nonexistent-cache", &err), -1);
	assert_string_equal(err->msg, msg);
	assert_int_equal(err->code, BM_ERR_INPUT);
	bm_err_free(err);
	component_release(&c);
}

static void test_component_dir(void **state)
{
	_cleanup_free_ char *d = tmp_dir();
	_cleanup_free_ char *bin = xasprintf("%s/bin", d), *rustc = xasprintf("%s/bin/rustc", d);
	_cleanup_free_ char *src = xasprintf("%s/lib/rustlib/src/rust/library", d);
	_cleanup_free_ char *clang = xasprintf("%s/bin/clang", d), *origin = NULL;
	_cleanup_free_ char *rustdoc = xasprintf("%s/bin/rustdoc", d);
	struct component c = { 0 };

	(void)state;
	check_dir_error(COMPONENT_RUST, d, "no bin/rustc");
	assert_int_equal(mkdir_p(bin, NULL), 0);
	touch_exec(rustc);
	check_dir_error(COMPONENT_RUST, d, "no bin/rustdoc");
	touch_exec(rustdoc);
	check_dir_error(COMPONENT_RUST, d, "no rust-src (lib/rustlib/src/rust/library)");
	check_dir_error(COMPONENT_LLVM, d, "no bin/clang");
	check_dir_error(COMPONENT_BINDGEN, d, "no bin/bindgen");
	assert_int_equal(mkdir_p(src, NULL), 0);
	c = (struct component){ .used = true, .dir = xstrdup(d) };
	assert_int_equal(component_fetch(COMPONENT_RUST, &c, "/nonexistent-cache", NULL, NULL), 0);
	assert_string_equal(c.prefix, d);
	origin = xasprintf("%s (local directory)", d);
	assert_string_equal(c.origin, origin);
	component_release(&c);
	touch_exec(clang);
	c = (struct component){ .used = true, .dir = xstrdup(d) };
	assert_int_equal(component_fetch(COMPONENT_LLVM, &c, "/nonexistent-cache", NULL, NULL), 0);
	component_release(&c);
	assert_int_equal(rm_rf(d, NULL), 0);
}

/* A component the cache holds is used without a download and stays locked shared while it is
 * in use: prune (an exclusive trylock) cannot remove it; after component_release it can. */
static void test_component_cached_locked(void **state)
{
	static const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	_cleanup_free_ char *cache = tmp_dir();
	_cleanup_free_ char *dir = xasprintf("%s/components/llvm-url-0123456789abcdef", cache);
	_cleanup_free_ char *prefix = xasprintf("%s/prefix/bin", dir);
	_cleanup_free_ char *origin = xasprintf("%s/origin", dir);
	struct component c = { .used = true, .url = xstrdup("http://127.0.0.1:9/llvm.tar.xz"),
			       .sha256 = xstrdup(sha) };
	int fd;

	(void)state;
	assert_int_equal(mkdir_p(prefix, NULL), 0);
	assert_int_equal(file_write_atomic(origin, "URL sha256:X\n", 13, NULL), 0);
	assert_int_equal(component_fetch(COMPONENT_LLVM, &c, cache, NULL, NULL), 0);
	assert_string_equal(c.origin, "URL sha256:X");
	assert_true(c.locked);
	assert_int_equal(cache_trylock(dir, CACHE_LOCK_EXCLUSIVE, &fd, NULL), 1);
	/* others may use it meanwhile */
	assert_int_equal(cache_trylock(dir, CACHE_LOCK_SHARED, &fd, NULL), 0);
	close(fd);
	component_release(&c);
	assert_int_equal(cache_trylock(dir, CACHE_LOCK_EXCLUSIVE, &fd, NULL), 0);
	close(fd);
	assert_int_equal(rm_rf(cache, NULL), 0);
}

static void test_component_no_server(void **state)
{
	struct component c = { .used = true, .dist = xstrdup("1.90.0") };
	struct bm_err *err = NULL;

	(void)state;
	assert_int_equal(component_fetch(COMPONENT_RUST, &c, "/nonexistent-cache", NULL, &err), -1);
	assert_string_equal(err->msg, "rust 1.90.0: no Rust distribution server: set "
				      "BOOTMATRIX_RUST_DIST_SERVER or the plan's rust_dist_server");
	bm_err_freep(&err);
	assert_int_equal(component_check(COMPONENT_RUST, &c, "/nonexistent-cache", &err), -1);
	assert_string_equal(err->msg, "rust 1.90.0: no Rust distribution server: set "
				      "BOOTMATRIX_RUST_DIST_SERVER or the plan's rust_dist_server");
	bm_err_free(err);
	component_release(&c);
}

/* The check asks the server only for what the cache lacks: a Rust version installed there
 * passes with a server nobody listens on. */
static void test_component_check_cached(void **state)
{
	static const char server[] = "http://127.0.0.1:9/rust";
	_cleanup_free_ char *cache = tmp_dir(), *triple = rustdist_host_triple();
	_cleanup_free_ char *dir = NULL, *origin = NULL;
	struct component c = { .used = true, .dist = xstrdup("1.90.0"), .server = xstrdup(server) };
	char hex[65];

	(void)state;
	sha256_hex(server, strlen(server), hex);
	dir = xasprintf("%s/components/rust-1.90.0-%s-%.8s", cache, triple, hex);
	origin = xasprintf("%s/origin", dir);
	assert_int_equal(mkdir_p(dir, NULL), 0);
	assert_int_equal(file_write_atomic(origin, "URL sha256:X\n", 13, NULL), 0);
	/* asked, that server would fail it (after http.c's retries) */
	assert_int_equal(component_check(COMPONENT_RUST, &c, cache, NULL), 0);
	component_release(&c);
	assert_int_equal(rm_rf(cache, NULL), 0);
}

static void test_component_describe(void **state)
{
	struct component dist = { .dist = (char *)"nightly-2026-03-01", .server = (char *)"http://m/rust" };
	struct component url = { .url = (char *)"https://k/llvm.tar.xz", .sha256 = (char *)"ab12" };
	struct component dir = { .dir = (char *)"/opt/bindgen" };
	_cleanup_free_ char *a = component_describe(COMPONENT_RUST, &dist);
	_cleanup_free_ char *b = component_describe(COMPONENT_LLVM, &url);
	_cleanup_free_ char *c = component_describe(COMPONENT_BINDGEN, &dir);

	(void)state;
	assert_string_equal(a, "rust nightly-2026-03-01 from http://m/rust");
	assert_string_equal(b, "llvm https://k/llvm.tar.xz sha256:ab12");
	assert_string_equal(c, "bindgen /opt/bindgen");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_component_dir),
		cmocka_unit_test(test_component_cached_locked),
		cmocka_unit_test(test_component_no_server),
		cmocka_unit_test(test_component_check_cached),
		cmocka_unit_test(test_component_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
