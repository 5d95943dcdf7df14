/* The UML boot backend: user-mode Linux runs as a process of its own, with the same deadline,
 * console capture, panic detection and process-group kill as a VM. */
#ifndef BM_BOOT_UML_H
#define BM_BOOT_UML_H

#include "boot.h"

struct bm_err;

/* The backend: no capabilities (boots here, no libvirt, no emulator); its run is boot_uml_run
 * (the uri is ignored). */
extern const struct boot_backend boot_uml_backend;

/* The argv that boots spec->kernel (the `linux` binary) with spec->cmdline split at spaces, and
 * spec->initrd (if any) as initrd=. Pure; caller frees with strv_free. */
char **boot_uml_argv(const struct boot_spec *spec);

/* boot_uml_argv inside a bubblewrap sandbox: an unprivileged uid in a user namespace of its own,
 * no capabilities, no network, IPC, UTS or PIDs of the host, and of the host's files only the
 * kernel and initramfs (read-only) and home (writable: ~/.uml, the memory file). Pure; caller
 * frees with strv_free. */
char **boot_uml_sandbox_argv(const struct boot_spec *spec, const char *home);

/* Run the UML kernel, sandboxed (boot_uml_sandbox_argv), with stdin from /dev/null, its console (stdout and stderr) written to
 * spec->console_log and passed line by line to on_line. HOME is a fresh directory beside the
 * console log (UML keeps ~/.uml there). Outcomes as for boot_libvirt_run: pass when the process
 * exits after the watcher is satisfied or by itself, crash on BOOT_PANIC or death by a signal,
 * timeout at the deadline, infra when UML's own machinery fails on this host (its user-space
 * stub dies: "wait_stub_done"; ret->infra is then BOOT_INFRA_NO_USER_SPACE). -1 only when the
 * process cannot be started at all. */
int boot_uml_run(const struct boot_spec *spec, boot_line_fn on_line, void *data,
		 struct boot_outcome *ret, struct bm_err **err);

#endif
