/* Rust test options read from a kernel's own Kconfig (rustopts.c): the Kconfig reader, the
 * dependency evaluator, and the verdicts on a tree where one option the fragment asks for is
 * missing and one sample's dependency is unmet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "result.h"
#include "rustopts.h"
#include "util.h"

static const char *tree(void)
{
	const char *d = getenv("BM_TESTDATA");

	return d ? d : "tests/data";
}

static void test_parse(void **state)
{
	const char *text = "menuconfig A\n\tbool \"a\"\n\tdepends on X || Y\n\thelp\n\t  config HIDDEN\n"
			   "\n\t  more help\n\nif A\nconfig B\n\ttristate \"b\"\n\tdepends on PCI\n"
			   "\tdepends on I2C=y\nmenu \"m\"\n\tdepends on M\nconfig C\n\tdef_bool y\nendmenu\n"
			   "endif\nconfig D\n\tint \"d\"\n";
	struct kc_symbol *v;
	size_t n;

	(void)state;
	kc_symbols_parse(text, "x/Kconfig", &v, &n);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "A");
	assert_int_equal(v[0].type, KC_BOOL);
	assert_string_equal(v[0].depends, "(X || Y)");
	assert_int_equal(v[0].line, 1);
	assert_string_equal(v[1].name, "B");
	assert_int_equal(v[1].type, KC_TRISTATE);
	assert_string_equal(v[1].depends, "A && PCI && I2C=y");
	assert_int_equal(v[1].line, 10);
	assert_string_equal(v[2].name, "C");
	assert_string_equal(v[2].depends, "A && M");
	assert_string_equal(v[3].name, "D");
	assert_int_equal(v[3].type, KC_OTHER);
	assert_null(v[3].depends);
	kc_symbols_free(v, n);
}

static void test_eval(void **state)
{
	const char *config = "CONFIG_RUST=y\nCONFIG_KUNIT=m\nCONFIG_I2C=m\n# CONFIG_PCI is not set\n"
			     "CONFIG_NR=4\nCONFIG_S=\"abc\"\n";
	char **unmet = NULL;

	(void)state;
	assert_int_equal(kc_expr_eval("RUST", config, NULL), 'y');
	assert_int_equal(kc_expr_eval(NULL, config, NULL), 'y');
	assert_int_equal(kc_expr_eval("RUST && KUNIT", config, NULL), 'm');
	assert_int_equal(kc_expr_eval("!PCI", config, NULL), 'y');
	assert_int_equal(kc_expr_eval("NR=4 && S=\"abc\"", config, NULL), 'y');
	assert_int_equal(kc_expr_eval("NR >= 4 && NR < 10 && NR > 3 && NR <= 4", config, NULL), 'y');
	assert_int_equal(kc_expr_eval("RUSTC_VERSION >= 109600", "CONFIG_RUSTC_VERSION=108500\n", NULL),
			 'n');
	assert_int_equal(kc_expr_eval("(PCI || RUST) && !(KUNIT != m)", config, NULL), 'y');

	assert_int_equal(kc_expr_eval("RUST && KUNIT=y", config, &unmet), 'n');
	assert_string_equal(unmet[0], "KUNIT=y");
	assert_null(unmet[1]);
	strv_free(unmet);

	assert_int_equal(kc_expr_eval("SAMPLES_RUST && (PCI || I2C=y) && !RUST", config, &unmet), 'n');
	assert_string_equal(unmet[0], "SAMPLES_RUST");
	assert_string_equal(unmet[1], "PCI");
	assert_string_equal(unmet[2], "I2C=y");
	assert_string_equal(unmet[3], "!RUST");
	assert_null(unmet[4]);
	strv_free(unmet);

	assert_int_equal(kc_expr_eval("RUST", config, &unmet), 'y');
	assert_null(unmet[0]);
	strv_free(unmet);
}

static const struct rust_opt *find(const struct rust_opt *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	fail_msg("no option %s", name);
	return NULL;
}

static void test_tree(void **state)
{
	_cleanup_free_ char *dir = xasprintf("%s/rusttree", tree());
	_cleanup_free_ char *frag = NULL;
	struct bm_err *err = NULL;
	struct rust_opt *v;
	size_t n;
	/* what olddefconfig kept: no PCI, I2C only as a module */
	const char *final = "CONFIG_HAVE_RUST=y\nCONFIG_RUST=y\nCONFIG_KUNIT=y\nCONFIG_RUST_KUNIT_TESTS=y\n"
			    "CONFIG_RUST_ALLOCATOR_KUNIT_TEST=y\nCONFIG_RUST_STR_KUNIT_TEST=y\n"
			    "CONFIG_SAMPLES_RUST=y\nCONFIG_SAMPLE_RUST_MINIMAL=m\nCONFIG_I2C=m\n"
			    "CONFIG_RUST_KERNEL_DOCTESTS=y\n";
	const struct rust_opt *o;

	(void)state;
	assert_int_equal(rustopts_discover(dir, &v, &n, &err), 0);
	/* HAVE_RUST and RUST, the test menu and its two options, the samples menu and three
	 * samples, the doctests; not RUST_IS_AVAILABLE, RUST_DEBUG_ASSERTIONS nor the word in a help
	 * text */
	assert_int_equal(n, 10);
	assert_string_equal(v[0].name, "HAVE_RUST");
	assert_string_equal(v[1].name, "RUST");
	frag = rustopts_fragment(v, n);
	assert_string_equal(frag, "CONFIG_RUST=y\nCONFIG_RUST_KUNIT_TESTS=y\nCONFIG_RUST_ALLOCATOR_KUNIT_TEST=y\n"
			    "CONFIG_RUST_STR_KUNIT_TEST=y\nCONFIG_SAMPLES_RUST=y\n"
			    "CONFIG_SAMPLE_RUST_MINIMAL=m\nCONFIG_SAMPLE_RUST_DRIVER_PCI=m\n"
			    "CONFIG_SAMPLE_RUST_DRIVER_I2C=m\nCONFIG_RUST_KERNEL_DOCTESTS=y\n");
	rustopts_add_absent(&v, &n, "CONFIG_RUST=y\nCONFIG_RUST_KVEC_KUNIT_TEST=y\n"
			    "CONFIG_RUST_STR_KUNIT_TEST=y\n");
	assert_int_equal(n, 11);
	rustopts_judge(v, n, final);

	o = find(v, n, "RUST_STR_KUNIT_TEST");
	assert_int_equal(o->fate, RUST_OPT_ON);
	assert_string_equal(o->file, "rust/kernel/Kconfig.test");
	o = find(v, n, "SAMPLE_RUST_MINIMAL");
	assert_int_equal(o->fate, RUST_OPT_ON);
	assert_int_equal(o->got, 'm');
	o = find(v, n, "SAMPLE_RUST_DRIVER_PCI");
	assert_int_equal(o->fate, RUST_OPT_DROPPED);
	assert_string_equal(o->reason, "unmet dependency: PCI (depends on SAMPLES_RUST && PCI)");
	o = find(v, n, "SAMPLE_RUST_DRIVER_I2C");
	assert_int_equal(o->fate, RUST_OPT_DROPPED);
	assert_string_equal(o->reason, "unmet dependency: I2C=y (depends on SAMPLES_RUST && I2C=y)");
	o = find(v, n, "RUST_KVEC_KUNIT_TEST");
	assert_int_equal(o->fate, RUST_OPT_ABSENT);
	assert_string_equal(o->reason, "not in this kernel");
	o = find(v, n, "RUST_KERNEL_DOCTESTS");
	assert_int_equal(o->fate, RUST_OPT_ON);
	assert_string_equal(o->depends, "RUST && KUNIT=y");
	assert_int_equal(find(v, n, "RUST")->fate, RUST_OPT_ON);
	/* the same kernel with a rustc its check refuses: RUST drops and says why */
	rustopts_judge(v, n, "CONFIG_HAVE_RUST=y\nCONFIG_KUNIT=y\n");
	o = find(v, n, "RUST");
	assert_int_equal(o->fate, RUST_OPT_DROPPED);
	assert_string_equal(o->reason, "unmet dependency: RUST_IS_AVAILABLE (depends on HAVE_RUST && "
			    "RUST_IS_AVAILABLE && (!KASAN_SW_TAGS || RUSTC_VERSION >= 109600))");
	/* an arch without Rust */
	rustopts_judge(v, n, "CONFIG_KUNIT=y\n");
	assert_string_equal(find(v, n, "HAVE_RUST")->reason,
			    "this architecture does not select HAVE_RUST");
	rust_opts_free(v, n);

	assert_int_equal(rustopts_discover("/nonexistent", &v, &n, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	bm_err_free(err);
}

static void test_sample_skips(void **state)
{
	struct rust_opt opts[] = {
		{ .name = (char *)"SAMPLE_RUST_MINIMAL", .fate = RUST_OPT_ON },
		{ .name = (char *)"SAMPLE_RUST_DRIVER_PCI", .fate = RUST_OPT_DROPPED,
		  .reason = (char *)"unmet dependency: PCI (depends on SAMPLES_RUST && PCI)" },
		{ .name = (char *)"RUST_KVEC_KUNIT_TEST", .fate = RUST_OPT_DROPPED, .reason = (char *)"x" },
		{ .name = (char *)"SAMPLE_RUST_SOC", .fate = RUST_OPT_ABSENT },
	};
	struct rust_map map = { opts, 4 };
	struct test_results r = { 0 };

	(void)state;
	/* the guest never ran: nothing to add */
	rustopts_add_sample_skips(&map, &r, "rust_samples");
	assert_int_equal(r.n_suites, 0);

	r.suites = xcalloc(1, sizeof(*r.suites));
	r.n_suites = 1;
	r.suites[0] = (struct test_suite){ .name = xstrdup("example"), .status = BM_PASS };
	rustopts_add_sample_skips(&map, &r, "rust_samples");
	assert_int_equal(r.n_suites, 2);
	assert_string_equal(r.suites[1].name, "rust_samples");
	assert_int_equal(r.suites[1].kind, SUITE_KSELFTEST);
	assert_int_equal(r.suites[1].n_cases, 1);
	assert_string_equal(r.suites[1].cases[0].name, "load_unload.rust_driver_pci");
	assert_int_equal(r.suites[1].cases[0].status, BM_SKIP);
	assert_string_equal(r.suites[1].cases[0].detail, "the config cannot have it: unmet dependency: "
			    "PCI (depends on SAMPLES_RUST && PCI)");
	assert_int_equal(r.skip, 1);
	test_results_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_sample_skips),
	};

	return cmocka_run_group_tests_name("rustopts", tests, NULL, NULL);
}
