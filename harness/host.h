/* Remote boot hosts of a plan (`hosts:`, docs/remote.md). For each host: its libvirt URI (the
 * boots themselves go through boot_libvirt on that URI), an SSH side for the files (kernel and
 * initramfs uploaded over SFTP into a per-run directory on the host, removed at the end; the
 * console file followed over SFTP), and whether it is still alive.
 *
 * The SSH key and known_hosts file are the URI's own `keyfile=` and `known_hosts=` parameters
 * (the agent and ~/.ssh/known_hosts when absent), so libvirt and the SFTP side trust the same
 * key. No libssh or libvirt type appears here: this module is built on remote.h.
 *
 * A struct host is shared by the threads booting on it (one per slot); each of them has its own
 * struct host_session (an SSH connection, made again after a failure). */
#ifndef BM_HOST_H
#define BM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bm_err;
struct host;
struct host_session;

/* A host for uri (qemu+ssh://, qemu+libssh://, qemu+libssh2://) with that many boot slots. No
 * connection is made. A malformed URI is BM_ERR_INPUT. */
int host_new(const char *uri, unsigned slots, struct host **ret, struct bm_err **err);
void host_free(struct host *h);

const char *host_uri(const struct host *h);
const char *host_name(const struct host *h);	/* "user@host:port" */
unsigned host_slots(const struct host *h);

/* Connect over SSH, run `true`, and (once per run) make the run directory. -1 with err when that
 * fails: BM_ERR_INPUT for what the user must fix (unknown or changed host key, refused key),
 * BM_ERR_INFRA for a host that cannot be reached or does not answer. Thread-safe. */
int host_check(struct host *h, struct bm_err **err);

/* Dead hosts get no more boots. The first reason given is kept. Thread-safe. */
void host_mark_dead(struct host *h, const char *why);
bool host_is_dead(struct host *h);
/* Why it is dead (caller frees), NULL if it is not. */
char *host_dead_reason(struct host *h);

/* Remove the run directory on the host (over a fresh connection). Nothing to do when none was
 * made. */
int host_cleanup(struct host *h, struct bm_err **err);
/* The run directory on the host, NULL before host_check made it (owned by h). */
const char *host_run_dir(struct host *h);

/* A boot thread's connection to h. Never fails: the connection is made on first use. */
struct host_session *host_session_new(struct host *h);
void host_session_free(struct host_session *s);

/* A fresh directory for one job under the run directory: "<run dir>/<name>.XXXXXX" (caller
 * frees). */
int host_job_dir(struct host_session *s, const char *name, char **ret_dir, struct bm_err **err);
/* Upload local to "<dir>/<its base name>", returning that path (caller frees). */
int host_upload(struct host_session *s, const char *dir, const char *local, char **ret_path,
		struct bm_err **err);
/* Remove a job directory made by host_job_dir. */
int host_remove(struct host_session *s, const char *dir, struct bm_err **err);

/* The console file to follow with host_console_read (the path is copied). */
void host_session_follow(struct host_session *s, const char *path);
/* A boot_spec console_read: what was added to the followed file from offset on. data is the
 * struct host_session. */
int host_console_read(void *data, uint64_t offset, char **ret_buf, size_t *ret_len,
		      struct bm_err **err);

/* Whether a guest of this libvirt arch gets KVM on the host: the host's machine is arch,
 * /dev/kvm is read-write for the SSH user and, on x86, the CPU flags list vmx or svm (the same
 * rule as boot_kvm_usable here; BOOTMATRIX_ACCEL=tcg|kvm overrides both). Asked once per arch. */
bool host_kvm_usable(struct host_session *s, const char *arch);

#endif
