/* Plan loading: the good case, and every error names file, line, column and the choices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "err.h"
#include "plan.h"
#include "util.h"

static char *data(const char *name)
{
	const char *d = getenv("BM_TESTDATA");

	return xasprintf("%s/plans/%s", d ? d : "tests/data", name);
}

/* The repo root holds arch/, configs/, images/. */
static const char *datadir(void)
{
	const char *d = getenv("BM_DATADIR_TEST");

	return d ? d : ".";
}

static void test_good(void **state)
{
	_cleanup_free_ char *path = data("good.yaml");
	struct plan *p = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(plan_load(path, datadir(), &p, &e), 0);
	assert_null(e);
	assert_int_equal(p->n_sources, 1);
	assert_int_equal(p->sources[0].kind, SOURCE_DEBIAN);
	assert_string_equal(p->sources[0].value, "linux-source-6.12");
	assert_string_equal(p->toolchains[0], "trixie");
	assert_null(p->toolchains[1]);
	assert_string_equal(p->arches[0], "x86_64");
	assert_string_equal(p->configs[0], "rust-kunit");
	assert_int_equal(p->build_timeout, 100);
	assert_int_equal(p->boot_timeout, 20);
	assert_int_equal(p->repeat, 1);
	assert_string_equal(p->name, "good");
	plan_free(p);
}

/* Load name and expect an input error whose message is exactly want, with the path in front. */
static void expect_error(const char *name, const char *want)
{
	_cleanup_free_ char *path = data(name);
	_cleanup_free_ char *full = xasprintf("%s%s", path, want);
	struct plan *p = NULL;
	struct bm_err *e = NULL;

	assert_int_equal(plan_load(path, datadir(), &p, &e), -1);
	assert_null(p);
	assert_non_null(e);
	assert_int_equal(e->code, BM_ERR_INPUT);
	assert_string_equal(e->msg, full);
	bm_err_free(e);
}

static void test_typo_arch(void **state)
{
	/* the known ones are whatever arch/ holds: a new arch is one file there, no test edit */
	_cleanup_strv_ char **known = arch_list(datadir());
	_cleanup_free_ char *list = strv_join(known, ", ");
	_cleanup_free_ char *want = xasprintf(":6:5: arches: unknown arch 'rsicv64' (known: %s)", list);

	(void)state;
	assert_true(strv_contains(known, "x86_64") && strv_contains(known, "um"));
	expect_error("typo-arch.yaml", want);
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("unknown-key.yaml",
		     ":5:1: plan: unknown key 'config' (known: name, sources, toolchains, arches, "
		     "configs, kselftest, boot_args, timeouts, hosts, rust_dist_server, repeat)");
}

static void test_syntax(void **state)
{
	(void)state;
	expect_error("syntax.yaml",
		     ":4:7: YAML syntax: did not find expected ',' or ']' while parsing a flow sequence");
}

static void test_missing_tree(void **state)
{
	(void)state;
	expect_error("missing-tree.yaml", ":2:11: path: no kernel tree at '/nonexistent/linux'");
}

static void test_bad_timeout(void **state)
{
	(void)state;
	expect_error("bad-timeout.yaml", ":7:9: boot: expected a whole number, got 'soon'");
}

static void test_repeat(void **state)
{
	_cleanup_free_ char *path = data("repeat.yaml");
	struct plan *p = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(plan_load(path, datadir(), &p, &e), 0);
	assert_int_equal(p->repeat, 4);
	plan_free(p);
	expect_error("bad-repeat.yaml", ":6:9: repeat: 0 boots of each kernel: want 1 to 100");
}

static void test_unknown_toolchain(void **state)
{
	(void)state;
	expect_error("unknown-toolchain.yaml",
		     ":3:14: toolchains: unknown toolchain 'trixy' (known: sid, trixie, trixie-rustc-web, "
		     "BASE+rust-VERSION, or a recipe file PATH.yaml)");
}

/* Toolchains from elsewhere: a Rust version layered on a recipe, a recipe file of the user's
 * (relative to the plan), and the server. */
static void test_toolchain_forms(void **state)
{
	(void)state;
	expect_error("bad-rust-version.yaml",
		     ":3:22: toolchains: toolchain 'trixie+rust-1.90': '1.90' is not a Rust version "
		     "(want a release X.Y.Z, beta-YYYY-MM-DD or nightly-YYYY-MM-DD)");
	expect_error("missing-recipe.yaml",
		     ":3:42: toolchains: toolchain recipe 'tests/data/plans/./no-such-recipe.yaml' "
		     "does not exist");
	expect_error("bad-dist-server.yaml",
		     ":3:19: rust_dist_server: 'file:///srv/rust' is not an http:// or https:// URL");
}

static void test_bad_sha(void **state)
{
	(void)state;
	expect_error("bad-sha.yaml", ":3:13: sha256: expected 64 hex digits, got '1234'");
}

static void test_url(void **state)
{
	_cleanup_free_ char *path = data("url.yaml");
	struct plan *p = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(plan_load(path, datadir(), &p, &e), 0);
	assert_int_equal(p->sources[0].kind, SOURCE_URL);
	assert_string_equal(p->sources[0].value, "https://example.org/pub/linux-7.2.tar.xz");
	assert_int_equal(strlen(p->sources[0].sha256), 64);
	plan_free(p);
}

static void test_source_arches(void **state)
{
	(void)state;
	expect_error("source-arches.yaml", ":5:18: arches: 'riscv64' is not one of the plan's "
		     "arches (x86_64, um)");
}

static void test_hosts(void **state)
{
	_cleanup_free_ char *path = data("hosts.yaml");
	struct plan *p = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(plan_load(path, datadir(), &p, &e), 0);
	assert_int_equal(p->n_hosts, 2);
	assert_string_equal(p->hosts[0].uri, "qemu+libssh://root@build-1.example:2222/system"
			    "?keyfile=/k/id&known_hosts=/k/kh&sshauth=privkey");
	assert_int_equal(p->hosts[0].slots, 4);
	assert_string_equal(p->hosts[1].uri, "qemu+ssh://ci@build-2.example/system");
	assert_int_equal(p->hosts[1].slots, 1);
	plan_free(p);
}

static void test_bad_hosts(void **state)
{
	(void)state;
	expect_error("bad-hosts.yaml", ":8:10: uri: libvirt URI 'qemu:///system': not a remote host "
		     "over ssh (want qemu+ssh://[user@]host[:port]/system or qemu+libssh://...)");
	expect_error("hosts-slots.yaml", ":7:54: slots: 0 is not between 1 and 64");
	expect_error("hosts-key.yaml", ":7:47: hosts: unknown key 'slot' (known: uri, slots)");
	expect_error("hosts-twice.yaml", ":8:10: uri: 'qemu+ssh://root@a.example/system' is listed "
		     "twice (give it more slots)");
	/* a host is trusted by its key only: URIs that skip or weaken the check are refused */
	expect_error("hosts-no-verify.yaml", ":7:10: uri: no_verify=1 turns off host-key checking: "
		     "remove it (a host is trusted by its key in known_hosts)");
	expect_error("hosts-known-hosts-verify.yaml", ":7:10: uri: known_hosts_verify=ignore weakens "
		     "host-key checking: remove it or use 'normal' (a host is trusted by its key in "
		     "known_hosts)");
}

static void test_missing_file(void **state)
{
	struct plan *p = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(plan_load("/nonexistent.yaml", datadir(), &p, &e), -1);
	assert_string_equal(e->msg, "cannot open '/nonexistent.yaml': No such file or directory");
	bm_err_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_typo_arch),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_missing_tree),
		cmocka_unit_test(test_bad_timeout),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_unknown_toolchain),
		cmocka_unit_test(test_toolchain_forms),
		cmocka_unit_test(test_bad_sha),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_source_arches),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_bad_hosts),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
