/* Remote hosts over SSH: connect with a strictly checked host key, SFTP uploads into a per-run
 * directory, following a growing remote file, running a command.
 *
 * This module is the only one that includes libssh; no libssh type appears here. Every call
 * blocks. opts->timeout bounds every wait on the network: an operation that makes no progress
 * for that long (a host that stops answering mid-upload) fails, never hangs. libssh 0.10 cannot
 * promise that for SFTP, so each struct remote has a watchdog thread that shuts the socket down
 * instead; it also does so within 0.2 s of a proc_interrupt() (Ctrl-C), and the transfer and
 * exec loops stop with "...: interrupted" (BM_ERR_SYSTEM). After a network error (or an
 * interrupt) the connection is dead: free it and connect again. A struct
 * remote is used by one thread at a time; different ones are independent.
 *
 * Errors: an unknown or changed host key and a refused key are BM_ERR_INPUT (the
 * user's to fix); a host that cannot be reached, drops the connection or times out is
 * BM_ERR_INFRA; local file trouble, and a file missing or forbidden on the host (the host
 * answered), is BM_ERR_SYSTEM. See docs/remote.md. */
#ifndef BM_REMOTE_H
#define BM_REMOTE_H

#include <stddef.h>
#include <stdint.h>

struct bm_err;
struct remote;

struct remote_opts {
	const char *host;		/* name or address; required */
	unsigned port;			/* 0: 22 */
	const char *user;		/* NULL: the local user's name */
	const char *known_hosts;	/* NULL: ~/.ssh/known_hosts (and /etc/ssh/ssh_known_hosts) */
	const char *identity;		/* private key file (no passphrase); NULL: the agent
					 * ($SSH_AUTH_SOCK), then ~/.ssh/id_{ed25519,ecdsa,rsa} */
	double timeout;			/* seconds per network wait; 0: 30 */
};

/* Connect and authenticate (public key only: a key file or the agent; never a password, never a
 * prompt). The host key must be in the known hosts file: an unknown host, a changed key or a
 * key of another type is BM_ERR_INPUT naming its SHA256 fingerprint ("SHA256:...", as
 * ssh-keygen -lf shows it). ~/.ssh/config is not read. On success *ret is the caller's to
 * remote_free. */
int remote_connect(const struct remote_opts *o, struct remote **ret, struct bm_err **err);
void remote_free(struct remote *r);
void remote_freep(struct remote **r);

/* "user@host:port", for messages; owned by r. */
const char *remote_name(const struct remote *r);

/* Create a fresh directory "<prefix>.XXXXXX" (random suffix, never an existing one) and return
 * its absolute path (caller frees). Its mode is 0711: QEMU, running as another user on the host,
 * must traverse it to open the kernel and initramfs; nobody else can list or write it. A
 * relative prefix is taken against the login directory, e.g. "/tmp/bootmatrix" or "bm-run". */
int remote_mkdir_temp(struct remote *r, const char *prefix, char **ret_dir, struct bm_err **err);

/* Copy the local file to remote_path over SFTP, streamed in chunks, replacing what is there.
 * The remote file gets the local file's permission bits; a partly written file is removed on
 * error. */
int remote_upload(struct remote *r, const char *local, const char *remote_path,
		  struct bm_err **err);

/* Remove dir and everything below it (symbolic links are removed, not followed). A missing dir
 * is not an error. "/", "", "." and ".." are refused. */
int remote_rm_rf(struct remote *r, const char *dir, struct bm_err **err);

/* Read path from offset to its current end: for following a file that grows (a console log).
 * *ret_buf is NUL-terminated (caller frees), *ret_len its length, 0 when nothing is new. An
 * offset past the end reads nothing. */
int remote_read_from(struct remote *r, const char *path, uint64_t offset, char **ret_buf,
		     size_t *ret_len, struct bm_err **err);

/* Run argv on the host through the login shell (the line is remote_command_line(argv, timeout)),
 * stdin empty. Returns 0 when the command ran, whatever its status: *ret_status is its exit
 * status, 128 + N when killed by signal N, or -1 when the server sent neither. If ret_output is
 * non-NULL, *ret_output gets stdout and stderr together, NUL-terminated (caller frees; the first
 * 4 MiB are kept). -1 with err when it could not be run, the connection failed, or it did not end
 * within timeout seconds (0: no deadline; a quiet command may then run forever). With a timeout
 * the command runs under timeout(1) (coreutils) on the host, so it and everything it started are
 * killed there at the deadline even if the connection is gone; here the channel is closed. */
int remote_exec(struct remote *r, char *const *argv, double timeout, int *ret_status,
		char **ret_output, struct bm_err **err);

/* argv as one POSIX shell command line. argv[0] is always single-quoted (never a keyword, alias or
 * assignment); other words made only of [A-Za-z0-9_@%+=:,./-] and not starting with '=' are kept
 * as they are, the rest single-quoted ('\'' for a quote, '' for an empty word). Pure; caller frees;
 * NULL for an empty argv. The login shell of the remote user must be a POSIX shell (sh, bash,
 * dash, zsh, ksh), not csh or fish. */
char *remote_shell_quote(char *const *argv);

/* The remote command line for argv: remote_shell_quote(argv), or with timeout > 0
 * "'timeout' -k 2 <timeout> argv..." (see remote_exec). Pure; caller frees; NULL for an empty
 * argv. */
char *remote_command_line(char *const *argv, double timeout);

#endif
