/* Architectures, one data file each in arch/NAME.yaml. */
#ifndef BM_ARCH_H
#define BM_ARCH_H

struct bm_err;
struct boot_backend;

struct arch {
	char *name;		/* the file's name: x86_64, arm64, riscv64, loongarch64, um */
	char *path;		/* the file it came from */
	char *linux_arch;	/* the kernel's ARCH= */
	char *base_config;	/* make target giving the base .config: tinyconfig, defconfig */
	char *fragment;		/* kconfig fragment name in configs/ (NULL: none) */
	char *make_target;	/* bzImage, Image, vmlinux, linux */
	char *image;		/* the kernel to boot, relative to the build directory */
	char **packages;	/* Debian packages a toolchain root needs for this arch (cross gcc,
				 * libc6-dev-*-cross), installed when a plan asks for it; NULL: none */
	const struct boot_backend *backend;	/* boot: backend: (static, not freed) */
	/* a backend with BOOT_CAP_EMULATOR needs qemu_arch, emulator and machine */
	char *qemu_arch;	/* libvirt's name for the guest arch */
	char *emulator;		/* qemu-system-*, searched in PATH if not absolute */
	char *machine;
	char *cpu;		/* NULL: the machine's default */
	char *firmware;		/* NULL: none */
	char *cmdline;
	unsigned memory_mib;
	char **features;	/* libvirt <features> (x86's q35: acpi); NULL: none */
	char *panic_model;	/* libvirt <panic model=...> (q35: isa); NULL: none */
	char **kvm_cpu_flags;	/* /proc/cpuinfo flags, one of which proves the host's /dev/kvm is
				 * hardware virtualization (x86: vmx, svm); NULL: /dev/kvm alone */
	/* kselftest */
	char *debian_arch;	/* the guest user space's Debian arch: amd64, arm64, loong64 */
	char *debian_suite;	/* its suite when the toolchain's lacks it (loong64: sid); NULL */
	char *cross_compile;	/* CROSS_COMPILE= for the selftests, NULL: native */
	char *user_arch;	/* ARCH= for the selftests (um: x86_64); NULL: linux_arch */
};

/* Load DATADIR/arch/NAME.yaml. An unknown name is a BM_ERR_INPUT naming the known ones. */
int arch_load(const char *datadir, const char *name, struct arch **ret, struct bm_err **err);
void arch_free(struct arch *a);
void arch_freep(struct arch **a);
/* Names of DATADIR/arch/ *.yaml, sorted; NULL-terminated, caller frees with strv_free. */
char **arch_list(const char *datadir);

#endif
