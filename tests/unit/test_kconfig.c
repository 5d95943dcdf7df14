/* Config verification: what the fragments asked for against the final .config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kconfig.h"
#include "util.h"

static const char *final_config =
	"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	"CONFIG_64BIT=y\n"
	"CONFIG_KUNIT=y\n"
	"# CONFIG_RUST is not set\n"
	"CONFIG_PANIC_TIMEOUT=-1\n"
	"CONFIG_CMDLINE=\"console=ttyS0\"\n"
	"# CONFIG_SERIO is not set\n";

static void test_all_stuck(void **state)
{
	const char *frags[] = { "CONFIG_64BIT=y\nCONFIG_KUNIT=y\n# CONFIG_SERIO is not set\n",
				"CONFIG_PANIC_TIMEOUT=-1\nCONFIG_CMDLINE=\"console=ttyS0\"\n" };
	_cleanup_strv_ char **missing = kconfig_verify(frags, 2, final_config);

	(void)state;
	assert_non_null(missing);
	assert_null(missing[0]);
}

static void test_rust_dropped(void **state)
{
	/* The classic: the toolchain check fails and CONFIG_RUST silently goes away. */
	const char *frags[] = { "# comment\nCONFIG_RUST=y\nCONFIG_KUNIT=y\nCONFIG_RUST_KERNEL_DOCTESTS=y\n" };
	_cleanup_strv_ char **missing = kconfig_verify(frags, 1, final_config);

	(void)state;
	assert_int_equal(strv_length(missing), 2);
	assert_string_equal(missing[0], "CONFIG_RUST=y (got n)");
	assert_string_equal(missing[1], "CONFIG_RUST_KERNEL_DOCTESTS=y (got n)");
}

static void test_later_fragment_wins(void **state)
{
	const char *frags[] = { "CONFIG_SERIO=y\nCONFIG_PANIC_TIMEOUT=0\n",
				"# CONFIG_SERIO is not set\nCONFIG_PANIC_TIMEOUT=-1\n" };
	_cleanup_strv_ char **missing = kconfig_verify(frags, 2, final_config);

	(void)state;
	assert_null(missing[0]);
}

static void test_not_set_but_enabled(void **state)
{
	const char *frags[] = { "# CONFIG_KUNIT is not set\nCONFIG_PANIC_TIMEOUT=5" };
	_cleanup_strv_ char **missing = kconfig_verify(frags, 1, final_config);

	(void)state;
	assert_int_equal(strv_length(missing), 2);
	assert_string_equal(missing[0], "CONFIG_KUNIT=n (got y)");
	assert_string_equal(missing[1], "CONFIG_PANIC_TIMEOUT=5 (got -1)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_stuck),
		cmocka_unit_test(test_rust_dropped),
		cmocka_unit_test(test_later_fragment_wins),
		cmocka_unit_test(test_not_set_but_enabled),
	};

	return cmocka_run_group_tests_name("kconfig", tests, NULL, NULL);
}
