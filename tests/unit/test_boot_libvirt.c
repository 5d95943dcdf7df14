/* boot_libvirt: the domain XML against golden files (tests/data/domain/ARCH.xml), spec checks,
 * the error for an unreachable libvirt, and the KVM override of boot.c.
 *
 * Run from the repository root, or point BM_TESTDATA at tests/data. BM_UPDATE_GOLDEN=1 rewrites
 * the golden files from the current output (review the diff before committing). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "arch.h"
#include "boot.h"
#include "boot_libvirt.h"
#include "cache.h"
#include "err.h"
#include "util.h"

static char *const x86_features[] = { (char *)"acpi", NULL };

/* The jobs of the libvirt architectures as the harness would describe them (arch/NAME.yaml). */
static const struct boot_spec golden_specs[] = {
	{
		.name = "bm-x86_64-demo",
		.arch = "x86_64",
		.machine = "q35",
		.features = x86_features,
		.panic_model = "isa",
		.emulator = "/usr/bin/qemu-system-x86_64",
		.kernel = "/results/demo/x86_64/bzImage",
		.initrd = "/results/demo/x86_64/initramfs.cpio",
		.cmdline = "console=ttyS0 panic=-1 kunit_shutdown=poweroff",
		.console_log = "/results/demo/x86_64/console.log",
		.memory_mib = 256,
		.vcpus = 1,
		.timeout = 300,
	},
	{
		.name = "bm-aarch64-demo",
		.arch = "aarch64",
		.machine = "virt",
		.cpu = "max",
		.emulator = "/usr/bin/qemu-system-aarch64",
		.kernel = "/results/demo/aarch64/Image",
		.cmdline = "console=ttyAMA0 panic=-1 kunit_shutdown=poweroff",
		.console_log = "/results/demo/aarch64/console.log",
		.memory_mib = 512,
		.vcpus = 2,
		.timeout = 600,
	},
	{
		.name = "bm-riscv64-demo",
		.arch = "riscv64",
		.machine = "virt",
		.emulator = "/usr/bin/qemu-system-riscv64",
		.kernel = "/results/demo/riscv64/Image",
		.cmdline = "console=ttyS0 panic=-1 kunit_shutdown=poweroff",
		.console_log = "/results/demo/riscv64/console.log",
		.memory_mib = 512,
		.vcpus = 1,
		.timeout = 600,
	},
	{
		.name = "bm-loongarch64-demo",
		.arch = "loongarch64",
		.machine = "virt",
		.emulator = "/usr/bin/qemu-system-loongarch64",
		.kernel = "/results/demo/loongarch64/vmlinux",
		.cmdline = "console=ttyS0,115200 panic=-1 kunit_shutdown=poweroff",
		.console_log = "/results/demo/loongarch64/console.log",
		.memory_mib = 1024,
		.vcpus = 1,
		.timeout = 600,
	},
};

static char *golden_path(const char *arch)
{
	const char *dir = getenv("BM_TESTDATA");

	return xasprintf("%s/domain/%s.xml", dir && *dir ? dir : "tests/data", arch);
}

/* The XML for spec against tests/data/domain/GOLDEN.xml. */
static void check_golden_as(const struct boot_spec *spec, const char *golden)
{
	_cleanup_free_ char *xml = NULL, *path = golden_path(golden), *want = NULL;
	struct bm_err *err = NULL;
	const char *update = getenv("BM_UPDATE_GOLDEN");

	assert_int_equal(boot_libvirt_domain_xml(spec, &xml, &err), 0);
	assert_null(err);
	if (update && strcmp(update, "1") == 0) {
		assert_int_equal(file_write_atomic(path, xml, strlen(xml), &err), 0);
		return;
	}
	if (file_read(path, &want, NULL, &err) < 0)
		fail_msg("%s (BM_UPDATE_GOLDEN=1 writes it)", err->msg);
	if (strcmp(xml, want) != 0)
		fail_msg("domain XML for %s differs from %s:\n%s", spec->name, path, xml);
}

static void check_golden(const struct boot_spec *spec)
{
	check_golden_as(spec, spec->arch);
}

static void test_golden_x86_64(void **state)
{
	(void)state;
	check_golden(&golden_specs[0]);
}

static void test_golden_aarch64(void **state)
{
	(void)state;
	check_golden(&golden_specs[1]);
}

static void test_golden_riscv64(void **state)
{
	(void)state;
	check_golden(&golden_specs[2]);
}

static void test_golden_loongarch64(void **state)
{
	(void)state;
	check_golden(&golden_specs[3]);
}

/* Every libvirt arch file gives the domain XML in tests/data/domain/arch/NAME.xml, its fields put
 * into the spec as run.c does: a new arch comes with its golden file, and a change of an arch
 * file's boot data shows as a change of bytes. */
static void test_golden_arch_files(void **state)
{
	_cleanup_strv_ char **names = arch_list(".");
	size_t n = 0;

	(void)state;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_(arch_freep) struct arch *a = NULL;
		_cleanup_free_ char *name = NULL, *kernel = NULL, *console = NULL, *golden = NULL;
		_cleanup_free_ char *emulator = NULL;
		struct bm_err *err = NULL;
		struct boot_spec spec;

		if (arch_load(".", names[i], &a, &err) < 0)
			fail_msg("%s", err->msg);
		if (!boot_backend_can(a->backend, BOOT_CAP_LIBVIRT))
			continue;
		name = xasprintf("bm-demo-%s", a->name);
		kernel = xasprintf("/results/demo/%s/%s", a->name, strrchr(a->image, '/') ?
				   strrchr(a->image, '/') + 1 : a->image);
		console = xasprintf("/results/demo/%s/console.log", a->name);
		golden = xasprintf("arch/%s", a->name);
		/* run.c finds a relative emulator in PATH */
		emulator = a->emulator[0] == '/' ? xstrdup(a->emulator) :
			   xasprintf("/usr/bin/%s", a->emulator);
		spec = (struct boot_spec){
			.name = name,
			.arch = a->qemu_arch,
			.machine = a->machine,
			.cpu = a->cpu,
			.emulator = emulator,
			.firmware = a->firmware,
			.features = a->features,
			.panic_model = a->panic_model,
			.kernel = kernel,
			.cmdline = a->cmdline,
			.console_log = console,
			.memory_mib = a->memory_mib,
			.vcpus = 1,
			.timeout = 300,
		};
		check_golden_as(&spec, golden);
		n++;
	}
	assert_true(n >= 4);
}

/* The XML for spec; fails the test on error. */
static char *xml_for(const struct boot_spec *spec)
{
	struct bm_err *err = NULL;
	char *xml = NULL;

	if (boot_libvirt_domain_xml(spec, &xml, &err) < 0)
		fail_msg("%s", err->msg);
	return xml;
}

static void test_escaping(void **state)
{
	struct boot_spec spec = golden_specs[0];
	_cleanup_free_ char *xml = NULL;

	(void)state;
	spec.cmdline = "console=ttyS0 foo=\"a b\" bar=<x>&'y'";
	spec.console_log = "/tmp/it's & <odd>.log";
	xml = xml_for(&spec);
	assert_non_null(strstr(xml, "<cmdline>console=ttyS0 foo=&quot;a b&quot; bar=&lt;x&gt;&amp;'y'</cmdline>"));
	assert_non_null(strstr(xml, "<source path=\"/tmp/it's &amp; &lt;odd&gt;.log\"/>"));
}

static void test_firmware_kvm(void **state)
{
	struct boot_spec spec = golden_specs[0];
	_cleanup_free_ char *xml = NULL;

	(void)state;
	spec.firmware = "/usr/share/qemu/bios.bin";
	spec.cpu = "Skylake-Client";
	spec.kvm = true;
	xml = xml_for(&spec);
	assert_non_null(strstr(xml, "<domain type=\"kvm\">"));
	assert_non_null(strstr(xml, "<loader type=\"rom\">/usr/share/qemu/bios.bin</loader>"));
	/* under KVM the host CPU, whatever model the arch file names for TCG */
	assert_non_null(strstr(xml, "<cpu mode=\"host-passthrough\"/>"));
	assert_null(strstr(xml, "Skylake"));
}

static void test_no_panic_device_off_x86(void **state)
{
	_cleanup_free_ char *xml = NULL;

	(void)state;
	xml = xml_for(&golden_specs[1]);
	assert_null(strstr(xml, "<panic"));
	assert_null(strstr(xml, "<acpi"));
	assert_null(strstr(xml, "<interface"));
	assert_null(strstr(xml, "<graphics"));
}

static void test_spec_incomplete(void **state)
{
	struct boot_spec spec = golden_specs[0];
	struct bm_err *err = NULL;
	char *xml = NULL;

	(void)state;
	spec.kernel = NULL;
	assert_int_equal(boot_libvirt_domain_xml(&spec, &xml, &err), -1);
	assert_null(xml);
	assert_non_null(err);
	assert_int_equal(err->code, BM_ERR_INPUT);
	assert_string_equal(err->msg, "boot spec lacks 'kernel'");
	bm_err_freep(&err);

	spec = golden_specs[0];
	spec.console_log = "results/console.log";
	assert_int_equal(boot_libvirt_domain_xml(&spec, &xml, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	assert_string_equal(err->msg, "boot spec 'console_log' is not an absolute path: 'results/console.log'");
	bm_err_freep(&err);

	spec = golden_specs[0];
	spec.memory_mib = 0;
	assert_int_equal(boot_libvirt_domain_xml(&spec, &xml, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	bm_err_freep(&err);

	{
		/* arch files name features; each becomes an element, so only a name passes */
		char *const bad[] = { (char *)"acpi", (char *)"apic/><x", NULL };

		spec = golden_specs[0];
		spec.features = bad;
		assert_int_equal(boot_libvirt_domain_xml(&spec, &xml, &err), -1);
		assert_int_equal(err->code, BM_ERR_INPUT);
		assert_string_equal(err->msg, "boot spec feature 'apic/><x' is not a libvirt feature name");
		bm_err_freep(&err);
	}
}

static void test_run_needs_timeout(void **state)
{
	struct boot_spec spec = golden_specs[0];
	struct boot_outcome o = { .status = BM_NONE };
	struct bm_err *err = NULL;

	(void)state;
	spec.timeout = 0;
	assert_int_equal(boot_libvirt_run("test:///default", &spec, NULL, NULL, &o, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	assert_int_equal(o.status, BM_NONE);
	bm_err_freep(&err);
}

/* An unreachable daemon: one line, libvirt's own words, the URI named. No daemon needed. */
static void test_run_unreachable(void **state)
{
	const char *uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock";
	struct boot_spec spec = golden_specs[0];
	struct boot_outcome o = { .status = BM_NONE };
	struct bm_err *err = NULL;
	char *lib = NULL, *qemu = NULL;

	(void)state;
	assert_int_equal(boot_libvirt_run(uri, &spec, NULL, NULL, &o, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, BM_ERR_INFRA);
	assert_true(str_has_prefix(err->msg, "connecting to libvirt 'qemu+unix:///system?socket="));
	assert_non_null(strstr(err->msg, "/nonexistent/libvirt-sock"));
	assert_null(strchr(err->msg, '\n'));
	assert_int_equal(o.status, BM_NONE);
	bm_err_freep(&err);

	assert_int_equal(boot_libvirt_versions(uri, &lib, &qemu, &err), -1);
	assert_null(lib);
	assert_non_null(err);
	bm_err_freep(&err);
}

/* The default URI names this process's own root; making it sweeps the roots of dead processes
 * (their lock free) and keeps those of live ones. Once per process: the root lives with it. */
static void test_default_uri(void **state)
{
	char base[] = "/tmp/bm-roots.XXXXXX";
	_cleanup_free_ char *uri = NULL, *uri2 = NULL, *want = NULL, *pids = NULL, *roots = NULL;
	_cleanup_free_ char *dead = NULL, *dead_pids = NULL, *live = NULL, *pidfile = NULL, *me = NULL;
	_cleanup_free_ char *conf = NULL, *tmpl = NULL, *text = NULL;
	_cleanup_free_ char *caps = NULL, *caps_x86 = NULL, *caps_arm = NULL;
	static const char x86_caps[] = "<qemuCaps>\n  <flag name='cpu-max'/>\n"
				       "  <flag name='cpu-unavailable-features'/>\n  <arch>x86_64</arch>\n"
				       "</qemuCaps>\n";
	static const char arm_caps[] = "<qemuCaps>\n  <flag name='cpu-unavailable-features'/>\n"
				       "  <arch>aarch64</arch>\n</qemuCaps>\n";
	const char *old = getenv("BOOTMATRIX_CACHE");
	_cleanup_free_ char *saved = xstrdup(old);
	struct bm_err *err = NULL;
	int live_fd = -1, dead_fd = -1;

	(void)state;
	assert_non_null(mkdtemp(base));
	setenv("BOOTMATRIX_CACHE", base, 1);
	roots = xasprintf("%s/libvirt", base);
	/* a dead process's root: its lock file is there, nobody holds it; its pid file names a
	 * process that is no QEMU (this one), which must survive */
	dead = xasprintf("%s/1", roots);
	dead_pids = xasprintf("%s/run/qemu", dead);
	pidfile = xasprintf("%s/bm-x.pid", dead_pids);
	me = xasprintf("%d", (int)getpid());
	assert_int_equal(mkdir_p(dead_pids, &err), 0);
	assert_int_equal(file_write_atomic(pidfile, me, strlen(me), &err), 0);
	assert_int_equal(cache_lock(dead, CACHE_LOCK_EXCLUSIVE, NULL, &dead_fd, &err), 0);
	close(dead_fd);
	/* a live one's: held */
	live = xasprintf("%s/2", roots);
	assert_int_equal(mkdir_p(live, &err), 0);
	assert_int_equal(cache_lock(live, CACHE_LOCK_SHARED, NULL, &live_fd, &err), 0);

	/* the probed capabilities every root gets a copy of (trimmed from real ones) */
	caps = xasprintf("%s/cache/qemu/capabilities", roots);
	assert_int_equal(mkdir_p(caps, &err), 0);
	caps_x86 = xasprintf("%s/x86.xml", caps);
	caps_arm = xasprintf("%s/arm.xml", caps);
	assert_int_equal(file_write_atomic(caps_x86, x86_caps, strlen(x86_caps), &err), 0);
	assert_int_equal(file_write_atomic(caps_arm, arm_caps, strlen(arm_caps), &err), 0);

	/* (a root too long for QEMU's sockets is reached through a short link: the root is made
	 * once per process, so tests/integration/long-cache-path.sh tests that in a run of its own) */
	assert_int_equal(boot_libvirt_default_uri(&uri, &err), 0);
	want = xasprintf("qemu:///embed?root=%s/%d", roots, (int)getpid());
	assert_string_equal(uri, want);
	assert_false(path_exists(dead));
	free(dead_pids);
	dead_pids = xasprintf("%s.lock", dead);
	assert_false(path_exists(dead_pids));
	assert_true(path_is_dir(live));
	/* the template and the root's copy of it */
	tmpl = xasprintf("%s/libvirt/etc/qemu.conf", base);
	conf = xasprintf("%s/%d/etc/qemu.conf", roots, (int)getpid());
	assert_true(path_exists(tmpl));
	assert_int_equal(file_read(conf, &text, NULL, &err), 0);
	assert_non_null(strstr(text, "stdio_handler = \"file\""));
	/* the root's capabilities: x86's without the flag that has libvirt read the guest CPU
	 * feature by feature after each start; the others as they were */
	free(text);
	text = NULL;
	free(caps_x86);
	caps_x86 = xasprintf("%s/%d/cache/qemu/capabilities/x86.xml", roots, (int)getpid());
	assert_int_equal(file_read(caps_x86, &text, NULL, &err), 0);
	assert_string_equal(text, "<qemuCaps>\n  <flag name='cpu-max'/>\n  <arch>x86_64</arch>\n</qemuCaps>\n");
	free(text);
	text = NULL;
	free(caps_arm);
	caps_arm = xasprintf("%s/%d/cache/qemu/capabilities/arm.xml", roots, (int)getpid());
	assert_int_equal(file_read(caps_arm, &text, NULL, &err), 0);
	assert_string_equal(text, arm_caps);
	/* the same root again, and the reaper's directory in it */
	assert_int_equal(boot_libvirt_default_uri(&uri2, &err), 0);
	assert_string_equal(uri2, want);
	assert_int_equal(boot_libvirt_pidfile_dir(NULL, &pids, &err), 0);
	free(want);
	want = xasprintf("%s/%d/run/qemu", roots, (int)getpid());
	assert_string_equal(pids, want);
	free(pids);
	assert_int_equal(boot_libvirt_pidfile_dir("qemu:///system", &pids, &err), 0);
	assert_null(pids);
	assert_int_equal(boot_libvirt_pidfile_dir("qemu:///embed?root=/x", &pids, &err), 0);
	assert_string_equal(pids, "/x/run/qemu");
	close(live_fd);
	if (saved)
		setenv("BOOTMATRIX_CACHE", saved, 1);
	else
		unsetenv("BOOTMATRIX_CACHE");
	assert_int_equal(rm_rf(base, &err), 0);
}

/* boot.c */
static void test_kvm_override(void **state)
{
	const char *old = getenv("BOOTMATRIX_ACCEL");
	_cleanup_free_ char *saved = xstrdup(old);

	(void)state;
	char *const no_such_flag[] = { (char *)"bm-no-such-flag", NULL };

	setenv("BOOTMATRIX_ACCEL", "tcg", 1);
	assert_false(boot_kvm_usable("x86_64", NULL));
	setenv("BOOTMATRIX_ACCEL", "kvm", 1);
	assert_true(boot_kvm_usable("s390x", NULL));
	unsetenv("BOOTMATRIX_ACCEL");
	/* never for a guest of another architecture than the host's */
	assert_false(boot_kvm_usable("s390x", NULL));
	assert_false(boot_kvm_usable(NULL, NULL));
	/* nor where the CPU lacks every flag the arch file names */
	assert_false(boot_kvm_usable("x86_64", no_such_flag));
	if (saved)
		setenv("BOOTMATRIX_ACCEL", saved, 1);
}

static void test_outcome_release(void **state)
{
	struct boot_outcome o = { .status = BM_CRASH, .detail = xstrdup("Kernel panic"), .seconds = 1 };

	(void)state;
	boot_outcome_release(&o);
	assert_null(o.detail);
	assert_int_equal(o.status, BM_NONE);
	boot_outcome_release(NULL);
}

static int setup_cache(void **state)
{
	/* libvirt's own log goes under the cache: keep it out of the user's */
	char tmpl[] = "/tmp/bm-test-libvirt-XXXXXX";

	if (!getenv("BOOTMATRIX_CACHE")) {
		if (!mkdtemp(tmpl))
			return -1;
		setenv("BOOTMATRIX_CACHE", tmpl, 1);
		*state = xstrdup(tmpl);
	}
	return 0;
}

static int teardown_cache(void **state)
{
	if (*state) {
		rm_rf(*state, NULL);
		free(*state);
		unsetenv("BOOTMATRIX_CACHE");
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_x86_64),
		cmocka_unit_test(test_golden_aarch64),
		cmocka_unit_test(test_golden_riscv64),
		cmocka_unit_test(test_golden_loongarch64),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_golden_arch_files),
		cmocka_unit_test(test_firmware_kvm),
		cmocka_unit_test(test_no_panic_device_off_x86),
		cmocka_unit_test(test_spec_incomplete),
		cmocka_unit_test(test_run_needs_timeout),
		cmocka_unit_test(test_run_unreachable),
		cmocka_unit_test(test_default_uri),
		cmocka_unit_test(test_kvm_override),
		cmocka_unit_test(test_outcome_release),
	};

	return cmocka_run_group_tests(tests, setup_cache, teardown_cache);
}
