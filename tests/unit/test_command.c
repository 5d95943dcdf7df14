/* Commands are built apart from running them: the toolchain's bwrap argv, the build's make argv,
 * the job matrix. Compared with what a kernel developer would type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "boot_uml.h"
#include "build.h"
#include "err.h"
#include "matrix.h"
#include "source.h"
#include "toolchain.h"
#include "util.h"

static void test_toolchain_command(void **state)
{
	struct toolchain tc = { .name = (char *)"trixie", .root = (char *)"/c/toolchains/trixie/root" };
	const struct tc_bind binds[] = { { "/src/linux", TC_SRC, true }, { "/c/b", TC_OUT, false } };
	char *const argv[] = { (char *)"make", (char *)"-j2", NULL };
	char *const env[] = { (char *)"KBUILD_BUILD_USER=bm", NULL };
	_cleanup_strv_ char **cmd = toolchain_command(&tc, binds, 2, TC_OUT, env, argv);
	_cleanup_free_ char *line = strv_join(cmd, " ");

	(void)state;
	assert_string_equal(line,
		"bwrap --ro-bind /c/toolchains/trixie/root / --ro-bind /src/linux /bm/src "
		"--bind /c/b /bm/out --proc /proc --dev /dev --tmpfs /tmp --die-with-parent "
		"--unshare-pid --unshare-net --unshare-ipc --unshare-uts --new-session --cap-drop ALL "
		"--setenv HOME /tmp --setenv PATH "
		"/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin --setenv KBUILD_BUILD_USER bm "
		"--chdir /bm/out -- make -j2");
}

/* Components from outside Debian: each prefix bound read-only under /bm/tc, its bin/ first in
 * PATH (rust before llvm); one not fetched yet adds nothing. */
static void test_toolchain_command_components(void **state)
{
	struct toolchain tc = { .name = (char *)"korg", .root = (char *)"/c/toolchains/trixie/root" };
	const struct tc_bind binds[] = { { "/src/linux", TC_SRC, true } };
	char *const argv[] = { (char *)"rustc", (char *)"-vV", NULL };
	_cleanup_strv_ char **cmd = NULL;
	_cleanup_free_ char *line = NULL;

	(void)state;
	tc.comp[COMPONENT_RUST] = (struct component){ .used = true, .prefix = (char *)"/c/components/rust-1.90.0/prefix" };
	tc.comp[COMPONENT_LLVM] = (struct component){ .used = true, .prefix = (char *)"/opt/llvm-19" };
	tc.comp[COMPONENT_BINDGEN] = (struct component){ .used = true };
	cmd = toolchain_command(&tc, binds, 1, NULL, NULL, argv);
	line = strv_join(cmd, " ");
	assert_string_equal(line,
		"bwrap --ro-bind /c/toolchains/trixie/root / "
		"--ro-bind /c/components/rust-1.90.0/prefix /bm/tc/rust --ro-bind /opt/llvm-19 /bm/tc/llvm "
		"--ro-bind /src/linux /bm/src --proc /proc --dev /dev --tmpfs /tmp --die-with-parent "
		"--unshare-pid --unshare-net --unshare-ipc --unshare-uts --new-session --cap-drop ALL "
		"--setenv HOME /tmp --setenv PATH "
		"/bm/tc/rust/bin:/bm/tc/llvm/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "
		"-- rustc -vV");
}

static void test_make_argv(void **state)
{
	struct arch a = { .linux_arch = (char *)"x86_64" };
	struct toolchain tc = { .name = (char *)"trixie" };
	struct build_spec spec = { .arch = &a, .jobs = 2, .tc = &tc };
	_cleanup_strv_ char **v = build_make_argv(&spec, "bzImage");
	_cleanup_free_ char *line = strv_join(v, " ");

	(void)state;
	assert_string_equal(line, "make -j2 -C /bm/src O=/bm/out ARCH=x86_64 LLVM=1 bzImage");
	/* an LLVM from elsewhere (kernel.org's tarball) is named by its prefix */
	tc.comp[COMPONENT_LLVM].used = true;
	strv_free(v);
	free(line);
	v = build_make_argv(&spec, "bzImage");
	line = strv_join(v, " ");
	assert_string_equal(line, "make -j2 -C /bm/src O=/bm/out ARCH=x86_64 LLVM=/bm/tc/llvm/bin/ bzImage");
}

/* With a compiler cache, kbuild's compiler runs behind ccache: the same clang LLVM= names (not
 * HOSTCC, which rustc takes as its linker). */
static void test_make_argv_ccache(void **state)
{
	struct arch a = { .linux_arch = (char *)"arm64" };
	struct toolchain tc = { .name = (char *)"trixie" };
	struct build_spec spec = { .arch = &a, .jobs = 2, .tc = &tc, .ccache_dir = "/c/ccache/trixie",
				   .ccache_size = "4G" };
	_cleanup_strv_ char **v = build_make_argv(&spec, "Image");
	_cleanup_free_ char *line = strv_join(v, " ");

	(void)state;
	assert_string_equal(line, "make -j2 -C /bm/src O=/bm/out ARCH=arm64 LLVM=1 CC=ccache clang Image");
	tc.comp[COMPONENT_LLVM].used = true;
	strv_free(v);
	free(line);
	v = build_make_argv(&spec, "Image");
	line = strv_join(v, " ");
	assert_string_equal(line, "make -j2 -C /bm/src O=/bm/out ARCH=arm64 LLVM=/bm/tc/llvm/bin/ "
				  "CC=ccache /bm/tc/llvm/bin/clang Image");
}

/* BOOTMATRIX_CCACHE_SIZE: ccache's sizes, 0 for none, anything else an input error naming it. */
static void test_ccache_size(void **state)
{
	static const struct {
		const char *env, *want;	/* want NULL: no ccache */
	} ok[] = {
		{ NULL, BUILD_CCACHE_SIZE_DEFAULT }, { "", BUILD_CCACHE_SIZE_DEFAULT },
		{ "500M", "500M" }, { "2Gi", "2Gi" }, { "1.5G", "1.5G" }, { "1073741824", "1073741824" },
		{ "0", NULL }, { "0G", NULL }, { "0.0", NULL },
	};
	static const char *const bad[] = { "4X", "G", "-1G", "1e5G", "4GB", "4Gii", " 4G", "0x10", "inf" };
	const char *size;
	struct bm_err *e = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		if (ok[i].env)
			setenv(BUILD_CCACHE_SIZE_ENV, ok[i].env, 1);
		else
			unsetenv(BUILD_CCACHE_SIZE_ENV);
		assert_int_equal(build_ccache_size(&size, &e), 0);
		if (ok[i].want)
			assert_string_equal(size, ok[i].want);
		else
			assert_null(size);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		setenv(BUILD_CCACHE_SIZE_ENV, bad[i], 1);
		assert_int_equal(build_ccache_size(&size, &e), -1);
		assert_int_equal(e->code, BM_ERR_INPUT);
		assert_non_null(strstr(e->msg, BUILD_CCACHE_SIZE_ENV));
		bm_err_free(e);
		e = NULL;
	}
	unsetenv(BUILD_CCACHE_SIZE_ENV);
}

static void test_matrix(void **state)
{
	struct plan_source srcs[] = { { .kind = SOURCE_DEBIAN, .value = (char *)"linux-source-6.12" },
				      { .kind = SOURCE_PATH, .value = (char *)"/home/me/my linux/" },
				      { .kind = SOURCE_URL,
					.value = (char *)"https://example.org/pub/linux-7.2.tar.xz" } };
	char *tcs[] = { (char *)"trixie", (char *)"sid", NULL };
	char *arches[] = { (char *)"x86_64", (char *)"arm64", NULL };
	char *cfgs[] = { (char *)"rust-kunit", NULL };
	struct plan p = { .sources = srcs, .n_sources = 3, .toolchains = tcs, .arches = arches,
			  .configs = cfgs };
	struct matrix m;

	(void)state;
	matrix_expand(&p, &m);
	assert_int_equal(m.n_jobs, 12);
	assert_string_equal(m.jobs[0].id, "x86_64-trixie-linux-source-6.12-rust-kunit");
	assert_string_equal(m.jobs[1].id, "arm64-trixie-linux-source-6.12-rust-kunit");
	assert_string_equal(m.jobs[2].id, "x86_64-sid-linux-source-6.12-rust-kunit");
	assert_string_equal(m.jobs[7].id, "arm64-sid-my_linux-rust-kunit");
	assert_int_equal(m.jobs[7].source, 1);
	assert_string_equal(m.jobs[11].id, "arm64-sid-linux-7.2-rust-kunit");
	matrix_release(&m);

	/* A source for some arches only: jobs for those only, in the plan's order. */
	{
		char *only_arm64[] = { (char *)"arm64", NULL };

		srcs[2].arches = only_arm64;
		matrix_expand(&p, &m);
		assert_int_equal(m.n_jobs, 10);
		assert_string_equal(m.jobs[8].id, "arm64-trixie-linux-7.2-rust-kunit");
		assert_int_equal(m.jobs[8].source, 2);
		assert_string_equal(m.jobs[9].id, "arm64-sid-linux-7.2-rust-kunit");
		matrix_release(&m);
	}

	/* repeat: each job N times in a row, the repeats named ID~2.. and built as ID */
	{
		char *only_x86[] = { (char *)"x86_64", NULL };

		srcs[2].arches = only_x86;
		p.n_sources = 1;
		p.toolchains[1] = NULL;
		p.repeat = 3;
		matrix_expand(&p, &m);
		assert_int_equal(m.n_jobs, 6);
		assert_string_equal(m.jobs[0].id, "x86_64-trixie-linux-source-6.12-rust-kunit");
		assert_string_equal(m.jobs[1].id, "x86_64-trixie-linux-source-6.12-rust-kunit~2");
		assert_string_equal(m.jobs[2].id, "x86_64-trixie-linux-source-6.12-rust-kunit~3");
		for (size_t i = 0; i < 3; i++)
			assert_string_equal(m.jobs[i].build_id, "x86_64-trixie-linux-source-6.12-rust-kunit");
		assert_string_equal(m.jobs[3].id, "arm64-trixie-linux-source-6.12-rust-kunit");
		assert_string_equal(m.jobs[5].build_id, "arm64-trixie-linux-source-6.12-rust-kunit");
		matrix_release(&m);
	}
}

/* Real `apt-cache show` output (sid root, trimmed). */
static void test_debian_resolve(void **state)
{
	static const char meta[] = "Package: linux-source\nSource: linux-signed-amd64 (7.2.13-1)\n"
				   "Version: 7.2.13-1\nInstalled-Size: 19\n"
				   "Depends: linux-source-7.2 (= 7.2.13-1)\nDescription-en: Linux kernel source "
				   "(meta-package)\n";
	static const char versioned[] = "Package: linux-source-6.12\nVersion: 6.12.117-1~deb12u1\n"
					"Depends: binutils, xz-utils\n";
	char *pkg = NULL, *ver = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(source_debian_resolve("linux-source", meta, &pkg, &ver, &e), 0);
	assert_string_equal(pkg, "linux-source-7.2");
	assert_string_equal(ver, "7.2.13-1");
	free(pkg);
	free(ver);
	assert_int_equal(source_debian_resolve("linux-source-6.12", versioned, &pkg, &ver, &e), 0);
	assert_string_equal(pkg, "linux-source-6.12");
	assert_string_equal(ver, "6.12.117-1~deb12u1");
	free(pkg);
	free(ver);
	pkg = ver = NULL;
	assert_int_equal(source_debian_resolve("linux-source", versioned, &pkg, &ver, &e), -1);
	assert_null(pkg);
	assert_string_equal(e->msg, "Debian package 'linux-source' 6.12.117-1~deb12u1 depends on no "
			    "linux-source-X.Y (=version)");
	bm_err_free(e);
	e = NULL;
	assert_int_equal(source_debian_resolve("x", "Package: x\n", &pkg, &ver, &e), -1);
	assert_string_equal(e->msg, "no version for Debian package 'x'");
	bm_err_free(e);
}

/* A remembered apt answer holds while apt's state is the same and it is young enough. */
static void test_source_resolved(void **state)
{
	static const char text[] = "linux-source-7.2 7.2.13-1\n1.5 - 2.25 ";
	char *pkg = NULL, *ver = NULL;

	(void)state;
	assert_int_equal(source_resolved_parse(text, "1.5 - 2.25 ", 1000, 1000 + 60, &pkg, &ver), 0);
	assert_string_equal(pkg, "linux-source-7.2");
	assert_string_equal(ver, "7.2.13-1");
	free(pkg);
	free(ver);
	pkg = ver = NULL;
	/* apt's lists changed, too old, from the future, broken */
	assert_int_equal(source_resolved_parse(text, "1.6 - 2.25 ", 1000, 1060, &pkg, &ver), -1);
	assert_int_equal(source_resolved_parse(text, "1.5 - 2.25 ", 1000,
					       1000 + SOURCE_RESOLVED_MAX_AGE, &pkg, &ver), -1);
	assert_int_equal(source_resolved_parse(text, "1.5 - 2.25 ", 1000, 999, &pkg, &ver), -1);
	assert_int_equal(source_resolved_parse("linux-source-7.2\n1.5 - 2.25 ", "1.5 - 2.25 ", 1000,
					       1000, &pkg, &ver), -1);
	assert_int_equal(source_resolved_parse("a b c\n", "", 1000, 1000, &pkg, &ver), -1);
	assert_int_equal(source_resolved_parse("", "", 1000, 1000, &pkg, &ver), -1);
	assert_null(pkg);
	assert_null(ver);
}

static void test_makefile_version(void **state)
{
	_cleanup_free_ char *v = NULL, *w = NULL;

	(void)state;
	assert_int_equal(source_makefile_version("# SPDX\nVERSION = 6\nPATCHLEVEL = 12\n"
						 "SUBLEVEL = 117\nEXTRAVERSION =\nNAME = Baby Opossum\n",
						 &v), 0);
	assert_string_equal(v, "6.12.117");
	assert_int_equal(source_makefile_version("VERSION = 7\nPATCHLEVEL = 2\nSUBLEVEL = 0\n"
						 "EXTRAVERSION = -rc3\n", &w), 0);
	assert_string_equal(w, "7.2.0-rc3");
	assert_int_equal(source_makefile_version("all:\n\techo\n", &v), -1);
}

static void test_uml_argv(void **state)
{
	struct boot_spec spec = { .kernel = "/c/builds/um/linux", .memory_mib = 256,
				  .cmdline = "kunit_shutdown=halt  con=null con0=fd:0,fd:1" };
	_cleanup_strv_ char **v = boot_uml_argv(&spec);
	_cleanup_free_ char *line = strv_join(v, " ");

	(void)state;
	assert_string_equal(line, "/c/builds/um/linux mem=256M kunit_shutdown=halt con=null con0=fd:0,fd:1");
}

static void test_uml_argv_initrd(void **state)
{
	struct boot_spec spec = { .kernel = "/c/builds/um/linux", .memory_mib = 256,
				  .initrd = "/r/um/initramfs.cpio", .cmdline = "con=null -- x" };
	_cleanup_strv_ char **v = boot_uml_argv(&spec);
	_cleanup_free_ char *line = strv_join(v, " ");

	(void)state;
	assert_string_equal(line, "/c/builds/um/linux mem=256M initrd=/r/um/initramfs.cpio con=null -- x");
}

/* The untrusted UML kernel runs with nothing of the host but its files. */
static void test_uml_sandbox_argv(void **state)
{
	struct boot_spec spec = { .kernel = "/c/builds/um/linux", .memory_mib = 256,
				  .initrd = "/c/builds/um/initramfs.cpio", .cmdline = "con=null" };
	_cleanup_strv_ char **v = boot_uml_sandbox_argv(&spec, "/r/job/uml-home");
	_cleanup_free_ char *line = strv_join(v, " ");

	(void)state;
	assert_string_equal(line,
		"bwrap --unshare-user --uid 65534 --gid 65534 --unshare-pid --unshare-net "
		"--unshare-ipc --unshare-uts --die-with-parent --cap-drop ALL --tmpfs / --proc /proc "
		"--dev /dev --tmpfs /tmp --ro-bind /c/builds/um/linux /c/builds/um/linux "
		"--ro-bind /c/builds/um/initramfs.cpio /c/builds/um/initramfs.cpio "
		"--bind /r/job/uml-home /r/job/uml-home --remount-ro / --chdir /r/job/uml-home -- "
		"/c/builds/um/linux mem=256M initrd=/c/builds/um/initramfs.cpio con=null");
}

/* Backends are found by name and known by their capabilities. */
static void test_boot_backends(void **state)
{
	const struct boot_backend *lv = boot_backend_find("libvirt"), *uml = boot_backend_find("uml");
	struct boot_spec spec = { .machine = "q35", .kvm = false };
	_cleanup_free_ char *names = boot_backend_names();
	_cleanup_free_ char *m1 = NULL, *m2 = NULL;

	(void)state;
	assert_non_null(lv);
	assert_non_null(uml);
	assert_null(boot_backend_find("qemu"));
	assert_null(boot_backend_find(NULL));
	assert_string_equal(names, "libvirt, uml");
	assert_true(boot_backend_can(lv, BOOT_CAP_REMOTE | BOOT_CAP_LIBVIRT | BOOT_CAP_EMULATOR));
	assert_false(boot_backend_can(uml, BOOT_CAP_REMOTE));
	assert_false(boot_backend_can(uml, BOOT_CAP_LIBVIRT));
	assert_false(boot_backend_can(NULL, 0));
	assert_non_null(lv->versions);
	assert_null(uml->versions);
	m1 = lv->machine(&spec);
	m2 = uml->machine(&spec);
	assert_string_equal(m1, "q35 (tcg)");
	assert_string_equal(m2, "um");
}

/* A build directory's key: the config's alone, or with a user's tree hashed in. */
static void test_build_keys(void **state)
{
	_cleanup_free_ char *plain = build_dir_key("0123456789ab", NULL);
	_cleanup_free_ char *tree1 = build_dir_key("0123456789ab", "/src/linux");
	_cleanup_free_ char *tree2 = build_dir_key("0123456789ab", "/src/linux-2");

	(void)state;
	assert_string_equal(plain, "0123456789ab");
	assert_int_equal(strlen(tree1), 12);
	assert_string_not_equal(tree1, tree2);
	assert_string_not_equal(tree1, plain);
}

/* A build's inputs key: the toolchain's lines it depends on, not another arch's cross compiler
 * that the root gained since (a plan with one more arch must not rebuild every kernel). */
static void test_inputs_key(void **state)
{
	struct arch a = { .name = (char *)"arm64", .path = (char *)"arch/arm64.yaml",
			  .cross_compile = (char *)"aarch64-linux-gnu-" };
	struct kernel_source src = { .origin = (char *)"linux-source-7.2 7.2.13-1",
				     .version = (char *)"7.2.13" };
	struct toolchain tc = { .recipe_hash = (char *)"abc" };
	const char *base = "suite: trixie\nrustc: rustc 1.85.1\ngcc-aarch64: aarch64-linux-gnu-gcc 14.2\n";
	_cleanup_free_ char *more = xasprintf("%sgcc-s390x: s390x-linux-gnu-gcc 14.2\n", base);
	_cleanup_free_ char *k1 = NULL, *k2 = NULL, *k3 = NULL, *k4 = NULL;
	struct bm_err *err = NULL;

	(void)state;
	assert_int_equal(build_inputs_key("key", &src, &tc, base, &a, &k1, &err), 0);
	assert_int_equal(build_inputs_key("key", &src, &tc, more, &a, &k2, &err), 0);
	assert_string_equal(k1, k2);
	/* its own cross compiler, or rustc, changed: a new key */
	assert_int_equal(build_inputs_key("key", &src, &tc, "suite: trixie\nrustc: rustc 1.85.1\n"
					  "gcc-aarch64: aarch64-linux-gnu-gcc 15.1\n", &a, &k3, &err), 0);
	assert_string_not_equal(k1, k3);
	assert_int_equal(build_inputs_key("key", &src, &tc, "suite: trixie\nrustc: rustc 1.96.0\n"
					  "gcc-aarch64: aarch64-linux-gnu-gcc 14.2\n", &a, &k4, &err), 0);
	assert_string_not_equal(k1, k4);
}

static void test_arch_unknown(void **state)
{
	struct arch *a = NULL;
	struct bm_err *e = NULL;

	(void)state;
	assert_int_equal(arch_load(".", "rsicv64", &a, &e), -1);
	assert_true(strncmp(e->msg, "unknown arch 'rsicv64' (known: ", 31) == 0);
	assert_non_null(strstr(e->msg, "x86_64"));
	bm_err_free(e);
	assert_int_equal(arch_load(".", "x86_64", &a, &e), 0);
	assert_string_equal(a->linux_arch, "x86_64");
	assert_string_equal(a->image, "arch/x86/boot/bzImage");
	assert_string_equal(a->backend->name, "libvirt");
	arch_free(a);
}

/* Every arch file loads, and one with a cross compiler brings its package: a toolchain root
 * gets the compiler from the arch file alone (recipes name no arch). */
static void test_arch_files_complete(void **state)
{
	_cleanup_strv_ char **names = arch_list(".");

	(void)state;
	assert_true(strv_length(names) >= 5);
	for (size_t i = 0; names[i]; i++) {
		struct arch *a = NULL;
		struct bm_err *e = NULL;

		if (arch_load(".", names[i], &a, &e) < 0)
			fail_msg("%s", e->msg);
		assert_non_null(a->debian_arch);
		if (a->cross_compile) {
			_cleanup_free_ char *gcc = xasprintf("gcc-%.*s", (int)strlen(a->cross_compile) - 1,
							     a->cross_compile);

			if (!strv_contains(a->packages, gcc))
				fail_msg("arch '%s' cross-compiles with %s but its packages lack %s",
					 a->name, a->cross_compile, gcc);
		}
		arch_free(a);
	}
}

/* Recipes load and name no arch: guest.arches is gone, a stale recipe says so. */
static void test_recipes(void **state)
{
	static const char *const names[] = { "trixie", "sid", "trixie-rustc-web" };
	_cleanup_free_ char *dir = NULL, *recipes = NULL, *bad = NULL;
	struct toolchain *tc = NULL;
	struct bm_err *e = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (toolchain_load(".", "/nonexistent-cache", names[i], &tc, &e) < 0)
			fail_msg("%s", e->msg);
		assert_non_null(tc->guest_packages);
		for (size_t j = 0; tc->packages[j]; j++)
			if (strstr(tc->packages[j], "-linux-gnu") || strstr(tc->packages[j], "-cross"))
				fail_msg("recipe '%s' names an arch's package: %s", names[i], tc->packages[j]);
		toolchain_freep(&tc);
	}
	dir = xstrdup("/tmp/bm-recipes-XXXXXX");
	assert_non_null(mkdtemp(dir));
	recipes = xasprintf("%s/images/toolchains", dir);
	assert_int_equal(mkdir_p(recipes, &e), 0);
	bad = xasprintf("%s/old.yaml", recipes);
	{
		static const char text[] = "suite: trixie\npackages: [gcc]\nguest:\n"
					   "  packages: [busybox-static]\n  arches: [amd64]\n";

		assert_int_equal(file_write_atomic(bad, text, strlen(text), &e), 0);
	}
	assert_int_equal(toolchain_load(dir, "/nonexistent-cache", "old", &tc, &e), -1);
	assert_non_null(strstr(e->msg, "arches"));
	bm_err_free(e);
	e = NULL;
	assert_int_equal(rm_rf(dir, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toolchain_command),
		cmocka_unit_test(test_toolchain_command_components),
		cmocka_unit_test(test_make_argv),
		cmocka_unit_test(test_make_argv_ccache),
		cmocka_unit_test(test_ccache_size),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_makefile_version),
		cmocka_unit_test(test_debian_resolve),
		cmocka_unit_test(test_source_resolved),
		cmocka_unit_test(test_uml_argv),
		cmocka_unit_test(test_uml_argv_initrd),
		cmocka_unit_test(test_uml_sandbox_argv),
		cmocka_unit_test(test_boot_backends),
		cmocka_unit_test(test_build_keys),
		cmocka_unit_test(test_inputs_key),
		cmocka_unit_test(test_arch_unknown),
		cmocka_unit_test(test_arch_files_complete),
		cmocka_unit_test(test_recipes),
	};

	return cmocka_run_group_tests_name("command", tests, NULL, NULL);
}
