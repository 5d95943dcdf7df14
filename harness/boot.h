/* Booting a built kernel and watching its console. Backends: libvirt (QEMU guests) and UML
 * (a process). Both call the caller's line callback for every console line as it arrives. */
#ifndef BM_BOOT_H
#define BM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

struct bm_err;

/* What the console watcher says about a line. */
enum boot_verdict {
	BOOT_CONTINUE = 0,
	BOOT_DONE,	/* the tests finished: stop the guest, the boot passed */
	BOOT_PANIC,	/* the kernel panicked: stop the guest, the boot crashed */
};

typedef enum boot_verdict (*boot_line_fn)(const char *line, void *data);

struct boot_spec {
	const char *name;	/* unique domain/process name for this job */
	const char *arch;	/* libvirt arch: x86_64, aarch64, riscv64, loongarch64 */
	const char *machine;	/* q35, virt */
	const char *cpu;	/* CPU model, NULL for the machine's default */
	const char *emulator;	/* absolute path of qemu-system-* (or the UML linux binary) */
	const char *firmware;	/* -bios image, NULL for none */
	char *const *features;	/* libvirt <features> elements (acpi), NULL-terminated; NULL: none */
	const char *panic_model;	/* <panic model=...> (isa), NULL for none */
	const char *kernel;
	const char *initrd;	/* NULL for none */
	const char *cmdline;
	const char *console_log;	/* the serial console is written here */
	unsigned memory_mib;
	unsigned vcpus;
	bool kvm;		/* else TCG */
	double timeout;		/* seconds for the whole boot */
	/* A console file on another machine (a remote libvirt host; libvirt backend only):
	 * console_log is its path there; console_read(console_data, offset, ...) returns what was
	 * added from offset on (-1 with err when the host cannot be read: the boot is then infra),
	 * and everything read is copied to the local file console_copy. NULL: console_log is here. */
	int (*console_read)(void *data, uint64_t offset, char **ret_buf, size_t *ret_len,
			    struct bm_err **err);
	void *console_data;
	const char *console_copy;
};

struct boot_outcome {
	/* pass: the guest finished (powered off, or the watcher said done); crash: panic;
	 * timeout: deadline reached; infra: QEMU died or libvirt failed mid-boot. */
	enum bm_status status;
	char *detail;		/* one line, may be NULL */
	double seconds;
};

void boot_outcome_release(struct boot_outcome *o);

/* The accelerator the user forced with BOOTMATRIX_ACCEL: 0 for "tcg", 1 for "kvm", -1 when unset
 * (then it is decided per host). */
int boot_accel_forced(void);

/* Whether KVM really works for a guest of this libvirt arch on this host. cpu_flags (may be NULL):
 * /proc/cpuinfo flags one of which must be there for /dev/kvm to count as hardware virtualization
 * (the arch file's boot.kvm_cpu_flags). */
bool boot_kvm_usable(const char *arch, char *const *cpu_flags);

#endif
