/* Booting a built kernel and watching its console. A backend is a struct boot_backend chosen by
 * name (an arch file's `boot: backend:`); the caller asks it for capabilities, never for its name.
 * Two exist: libvirt (QEMU guests, boot_libvirt.c) and UML (a process, boot_uml.c). Both call the
 * caller's line callback for every console line as it arrives. */
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

/* What an infra outcome means for the caller, where it can act on it. */
enum boot_infra {
	BOOT_INFRA_OTHER = 0,
	/* The host cannot run the guest's user space (UML's ptrace stub fails on some hosts): a
	 * boot without an initramfs still runs the kernel's own tests. */
	BOOT_INFRA_NO_USER_SPACE,
};

struct boot_outcome {
	/* pass: the guest finished (powered off, or the watcher said done); crash: panic;
	 * timeout: deadline reached; infra: QEMU died or libvirt failed mid-boot. */
	enum bm_status status;
	enum boot_infra infra;	/* with status infra */
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

/* What a backend can do. Callers decide by these, never by the backend's name. */
enum boot_cap {
	BOOT_CAP_REMOTE = 1u << 0,	/* can boot on a plan's remote host (files uploaded there) */
	BOOT_CAP_LIBVIRT = 1u << 1,	/* needs a libvirt connection: checked before any build,
					 * its versions recorded with the results */
	BOOT_CAP_EMULATOR = 1u << 2,	/* runs the arch file's emulator, machine and CPU (the arch
					 * file must name them); KVM when the host has it */
};

/* A boot backend: static data, never freed. */
struct boot_backend {
	const char *name;	/* as written in arch files: "libvirt", "uml" */
	unsigned caps;		/* enum boot_cap bits */
	/* The machine as results show it, e.g. "q35 (kvm)" or "um". Caller frees. */
	char *(*machine)(const struct boot_spec *spec);
	/* Boot spec and follow its console, calling on_line for every line; outcomes as described
	 * for boot_libvirt_run (0 and *ret filled, released by the caller with
	 * boot_outcome_release; -1 with err only when the boot could not be tried). uri: the
	 * libvirt connection for BOOT_CAP_LIBVIRT backends (NULL: the default); others ignore it.
	 * spec->initrd is given to the kernel the backend's way. */
	int (*run)(const char *uri, const struct boot_spec *spec, boot_line_fn on_line, void *data,
		   struct boot_outcome *ret, struct bm_err **err);
	/* BOOT_CAP_LIBVIRT only (else NULL): the library's and the hypervisor's versions on uri,
	 * both caller-freed. */
	int (*versions)(const char *uri, char **ret_libvirt, char **ret_qemu, struct bm_err **err);
};

/* The backend called name; NULL when there is none. */
const struct boot_backend *boot_backend_find(const char *name);

/* The known backends' names, "libvirt, uml", for messages. Caller frees. */
char *boot_backend_names(void);

/* Whether b has every capability in caps (b may be NULL: no). */
bool boot_backend_can(const struct boot_backend *b, unsigned caps);

#endif
