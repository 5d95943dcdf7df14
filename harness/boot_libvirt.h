/* The libvirt boot backend: QEMU guests as transient libvirt domains.
 *
 * This module is the only one that includes libvirt (the domain XML is written with xmlw). No libvirt
 * type appears here. By default it uses libvirt's embedded QEMU driver (no daemon): the driver runs
 * inside this process, so QEMU is a child of ours and dies with the domain we destroy. One process
 * can use one embedded root only, and a root one process only (libvirt's rules): each process has
 * its own under the cache. Daemon URIs (qemu:///system, qemu+ssh://...) work too. See
 * docs/libvirt.md. */
#ifndef BM_BOOT_LIBVIRT_H
#define BM_BOOT_LIBVIRT_H

#include "boot.h"

struct bm_err;

/* The backend: BOOT_CAP_REMOTE | BOOT_CAP_LIBVIRT | BOOT_CAP_EMULATOR; its run is
 * boot_libvirt_run, its versions boot_libvirt_versions. */
extern const struct boot_backend boot_libvirt_backend;

/* The URI used when none is given: "qemu:///embed?root=<cache_dir()>/libvirt/<pid>", this
 * process's own root (docs/libvirt.md), made on the first call: its qemu.conf and the QEMU
 * capabilities probed before copied from <cache>/libvirt, the roots of dead processes removed
 * (their guests killed first). A root path too long for QEMU's sockets below it is BM_ERR_INPUT.
 * *ret_uri is the caller's to free. */
int boot_libvirt_default_uri(char **ret_uri, struct bm_err **err);

/* Where the embedded driver of uri (NULL: the default, made as above) keeps its QEMU guests' pid
 * files (reaper_watch_pidfiles); *ret_dir (caller frees) is NULL for a URI that is not
 * embedded. */
int boot_libvirt_pidfile_dir(const char *uri, char **ret_dir, struct bm_err **err);

/* The domain XML for spec (pure: no connection, no file access). On success *ret_xml is a
 * NUL-terminated string the caller frees. A spec lacking a required field, or with a relative
 * path, is BM_ERR_INPUT. */
int boot_libvirt_domain_xml(const struct boot_spec *spec, char **ret_xml, struct bm_err **err);

/* Boot spec as a transient domain on uri (NULL: boot_libvirt_default_uri()) and follow
 * spec->console_log (truncated first) as it grows, calling on_line(line, data) for every complete
 * line, without its line ending; once the guest is gone an unterminated last line is passed
 * too. Relative paths in spec are taken against the working directory.
 *
 * The boot ends, and the domain is destroyed, when on_line returns BOOT_DONE (pass) or BOOT_PANIC
 * (crash, detail: the line), when the guest powers off or resets by itself (pass), panics through
 * a pvpanic device (crash), when QEMU dies or the connection drops (infra), when spec->timeout
 * seconds pass from the start of the domain (timeout), or on proc_interrupt() (infra). In all
 * those cases 0 is returned and *ret is filled (the caller releases it with
 * boot_outcome_release); no QEMU process is left behind.
 *
 * -1 with err only when the boot could not even be tried: no connection (the message is libvirt's),
 * a bad spec, a missing emulator or kernel, a domain libvirt or QEMU refused to start. */
int boot_libvirt_run(const char *uri, const struct boot_spec *spec, boot_line_fn on_line, void *data,
		     struct boot_outcome *ret, struct bm_err **err);

/* The libvirt library version and the hypervisor (QEMU) version the connection reports, as
 * "11.3.0" and "10.0.2". Both caller-freed. uri as for boot_libvirt_run. */
int boot_libvirt_versions(const char *uri, char **ret_libvirt, char **ret_qemu, struct bm_err **err);

#endif
