/* What the boot backends share: the table of backends, the outcome and the KVM check. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "boot.h"
#include "boot_libvirt.h"
#include "boot_uml.h"
#include "util.h"

/* Every backend; adding one means adding it here (and its module). */
static const struct boot_backend *const backends[] = { &boot_libvirt_backend, &boot_uml_backend };

const struct boot_backend *boot_backend_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(backends); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

char *boot_backend_names(void)
{
	char **names = NULL, *out;

	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		strv_push(&names, backends[i]->name);
	out = strv_join(names, ", ");
	strv_free(names);
	return out;
}

bool boot_backend_can(const struct boot_backend *b, unsigned caps)
{
	return b && (b->caps & caps) == caps;
}

void boot_outcome_release(struct boot_outcome *o)
{
	if (!o)
		return;
	free(o->detail);
	memset(o, 0, sizeof(*o));
}

/* Whether a "flags" line of /proc/cpuinfo lists one of flags. */
static bool cpuinfo_has_flag(char *const *flags)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *colon;

		if (!str_has_prefix(line, "flags"))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		for (char *w = strtok_r(colon + 1, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
			if (strv_contains(flags, w))
				return true;
		/* every CPU lists the same flags */
		return false;
	}
	return false;
}

int boot_accel_forced(void)
{
	const char *accel = getenv("BOOTMATRIX_ACCEL");

	if (accel && strcmp(accel, "tcg") == 0)
		return 0;
	if (accel && strcmp(accel, "kvm") == 0)
		return 1;
	return -1;
}

bool boot_kvm_usable(const char *arch, char *const *cpu_flags)
{
	int forced = boot_accel_forced();
	struct utsname u;
	_cleanup_close_ int fd = -1;

	if (forced >= 0)
		return forced;
	if (!arch || uname(&u) < 0 || strcmp(u.machine, arch) != 0)
		return false;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return false;
	/* Some hosts expose a /dev/kvm that is not hardware virtualization (kvm-pvm, nested
	 * emulation); a stock guest kernel hangs there, so where the arch file names the CPU
	 * flags of the real thing (x86: vmx, svm), demand one of them too. */
	if (cpu_flags && cpu_flags[0])
		return cpuinfo_has_flag(cpu_flags);
	return true;
}
