/* Booting a built kernel and watching its console. Backends: libvirt (QEMU guests) and UML
 * (a process). Both call the caller's line callback for every console line as it arrives. */
#ifndef BM_BOOT_H
#define BM_BOOT_H

#include <stdbool.h>

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
	const char *kernel;
	const char *initrd;	/* NULL for none */
	const char *cmdline;
	const char *console_log;	/* the serial console is written here */
	unsigned memory_mib;
	unsigned vcpus;
	bool kvm;		/* else TCG */
	double timeout;		/* seconds for the whole boot */
};

struct boot_outcome {
	/* pass: the guest finished (powered off, or the watcher said done); crash: panic;
	 * timeout: deadline reached; infra: QEMU died or libvirt failed mid-boot. */
	enum bm_status status;
	char *detail;		/* one line, may be NULL */
	double seconds;
};

void boot_outcome_release(struct boot_outcome *o);

/* Whether KVM really works for a guest of this libvirt arch on this host. */
bool boot_kvm_usable(const char *arch);

#endif
