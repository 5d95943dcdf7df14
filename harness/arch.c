/* Architectures: arch/NAME.yaml parsed into struct arch (everything arch-specific: the kernel's
 * ARCH=, base config, fragment, image, the Debian packages a toolchain root needs, the boot
 * backend and its QEMU machine, console and firmware, the guest user space for kselftest). */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "boot.h"
#include "conf.h"
#include "err.h"
#include "util.h"

void arch_free(struct arch *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->path);
	free(a->linux_arch);
	free(a->base_config);
	free(a->fragment);
	free(a->make_target);
	free(a->image);
	strv_free(a->packages);
	free(a->qemu_arch);
	free(a->emulator);
	free(a->machine);
	free(a->cpu);
	free(a->firmware);
	free(a->cmdline);
	strv_free(a->features);
	free(a->panic_model);
	strv_free(a->kvm_cpu_flags);
	free(a->debian_arch);
	free(a->debian_suite);
	free(a->cross_compile);
	free(a->user_arch);
	free(a);
}

void arch_freep(struct arch **a)
{
	arch_free(*a);
	*a = NULL;
}

char **arch_list(const char *datadir)
{
	_cleanup_free_ char *dir = xasprintf("%s/arch", datadir);

	return dir_names(dir, ".yaml");
}

static const char *const top_keys[] = {
	"linux_arch", "base_config", "fragment", "make_target", "image", "packages", "boot",
	"kselftest", NULL
};
static const char *const kselftest_keys[] = {
	"debian_arch", "debian_suite", "cross_compile", "arch", NULL
};
static const char *const boot_keys[] = {
	"backend", "arch", "emulator", "machine", "cpu", "firmware", "memory", "cmdline", "features",
	"panic", "kvm_cpu_flags", NULL
};

static int arch_parse(struct conf_doc *d, struct arch *a, struct bm_err **err)
{
	const struct conf_node *root = d->root, *boot;
	_cleanup_free_ char *backend = NULL;

	if (conf_map_check(d, root, "arch file", top_keys, err) < 0 ||
	    conf_get_string(d, root, "linux_arch", true, &a->linux_arch, err) < 0 ||
	    conf_get_string(d, root, "base_config", true, &a->base_config, err) < 0 ||
	    conf_get_string(d, root, "fragment", false, &a->fragment, err) < 0 ||
	    conf_get_string(d, root, "make_target", true, &a->make_target, err) < 0 ||
	    conf_get_string(d, root, "image", true, &a->image, err) < 0 ||
	    conf_get_strv(d, root, "packages", false, &a->packages, err) < 0)
		return -1;
	if (conf_map_get(root, "kselftest")) {
		const struct conf_node *k = conf_map_get(root, "kselftest");

		if (conf_map_check(d, k, "kselftest", kselftest_keys, err) < 0 ||
		    conf_get_string(d, k, "debian_arch", true, &a->debian_arch, err) < 0 ||
		    conf_get_string(d, k, "debian_suite", false, &a->debian_suite, err) < 0 ||
		    conf_get_string(d, k, "cross_compile", false, &a->cross_compile, err) < 0 ||
		    conf_get_string(d, k, "arch", false, &a->user_arch, err) < 0)
			return -1;
	}
	boot = conf_map_get(root, "boot");
	if (!boot)
		return conf_error(d, root, err, "missing required field 'boot'");
	if (conf_map_check(d, boot, "boot", boot_keys, err) < 0 ||
	    conf_get_string(d, boot, "backend", true, &backend, err) < 0 ||
	    conf_get_string(d, boot, "cmdline", true, &a->cmdline, err) < 0 ||
	    conf_get_uint(d, boot, "memory", false, &a->memory_mib, err) < 0)
		return -1;
	a->backend = boot_backend_find(backend);
	if (!a->backend) {
		_cleanup_free_ char *known = boot_backend_names();

		return conf_error(d, conf_map_get(boot, "backend"), err,
				  "backend: unknown backend '%s' (known: %s)", backend, known);
	}
	if (boot_backend_can(a->backend, BOOT_CAP_EMULATOR)) {
		if (conf_get_string(d, boot, "arch", true, &a->qemu_arch, err) < 0 ||
		    conf_get_string(d, boot, "emulator", true, &a->emulator, err) < 0 ||
		    conf_get_string(d, boot, "machine", true, &a->machine, err) < 0 ||
		    conf_get_string(d, boot, "cpu", false, &a->cpu, err) < 0 ||
		    conf_get_string(d, boot, "firmware", false, &a->firmware, err) < 0 ||
		    conf_get_strv(d, boot, "features", false, &a->features, err) < 0 ||
		    conf_get_string(d, boot, "panic", false, &a->panic_model, err) < 0 ||
		    conf_get_strv(d, boot, "kvm_cpu_flags", false, &a->kvm_cpu_flags, err) < 0)
			return -1;
	}
	return 0;
}

int arch_load(const char *datadir, const char *name, struct arch **ret, struct bm_err **err)
{
	_cleanup_(arch_freep) struct arch *a = NULL;
	_cleanup_(conf_doc_freep) struct conf_doc *d = NULL;
	_cleanup_strv_ char **known = arch_list(datadir);
	_cleanup_free_ char *path = NULL;

	if (!strv_contains(known, name) || strchr(name, '/')) {
		_cleanup_free_ char *list = strv_join(known, ", ");

		return bm_err_set(err, BM_ERR_INPUT, "unknown arch '%s' (known: %s)", name, list);
	}
	path = xasprintf("%s/arch/%s.yaml", datadir, name);
	if (conf_load_file(path, &d, err) < 0)
		return -1;
	a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(name);
	a->path = xstrdup(path);
	a->memory_mib = 256;
	if (arch_parse(d, a, err) < 0)
		return -1;
	*ret = a;
	a = NULL;
	return 0;
}
