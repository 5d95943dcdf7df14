/* Remote hosts over SSH with libssh: strict host keys, public key authentication, SFTP, exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "err.h"
#include "proc.h"
#include "remote.h"
#include "util.h"

#define CHUNK (32 * 1024)		/* SFTP read/write size every server accepts */
#define EXEC_OUTPUT_MAX (4u << 20)
#define RM_DEPTH_MAX 64
/* QEMU runs as another user (libvirt-qemu) and opens the kernel itself: it must be able to
 * traverse the run directory. Nobody else may list or write it. */
#define RUN_DIR_MODE 0711

/* libssh 0.10 applies SSH_OPTIONS_TIMEOUT to each poll, but its SFTP client polls again after a
 * timeout, forever: a server that stops answering mid-transfer would hang us. So a watchdog thread
 * shuts the socket down when an operation makes no progress for `timeout` seconds, or at a Ctrl-C
 * (proc_interrupted, looked at every INTERRUPT_POLL seconds); libssh then sees the connection
 * closed and fails the call. */
#define INTERRUPT_POLL 0.2
struct watchdog {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	int fd;				/* the session's socket, not ours to close */
	double last;			/* last progress, now_mono() */
	bool armed, stop, fired;
	bool interrupted;		/* fired because of proc_interrupt() */
};

struct remote {
	ssh_session ssh;
	sftp_session sftp;		/* opened on first use */
	char *name;			/* user@host:port */
	double timeout;
	char *fired_msg;		/* "no answer for N s" */
	struct watchdog wd;
};

static void *wd_main(void *arg)
{
	struct remote *r = arg;
	struct watchdog *wd = &r->wd;

	pthread_mutex_lock(&wd->lock);
	while (!wd->stop) {
		bool interrupted = proc_interrupted();

		if (!wd->armed) {
			pthread_cond_wait(&wd->cond, &wd->lock);
		} else if (interrupted || now_mono() - wd->last >= r->timeout) {
			/* Wakes libssh's poll with an end of file; the fd stays libssh's. */
			shutdown(wd->fd, SHUT_RDWR);
			wd->fired = true;
			wd->interrupted = interrupted;
			wd->armed = false;
		} else {
			double at = wd->last + r->timeout, whole;
			struct timespec now, ts;

			if (at > now_mono() + INTERRUPT_POLL)
				at = now_mono() + INTERRUPT_POLL;
			/* now_mono() and this clock are both CLOCK_MONOTONIC */
			clock_gettime(CLOCK_MONOTONIC, &now);
			at += (double)now.tv_sec + (double)now.tv_nsec / 1e9 - now_mono();
			whole = (double)(long)at;
			ts.tv_sec = (time_t)whole;
			ts.tv_nsec = (long)((at - whole) * 1e9);
			pthread_cond_timedwait(&wd->cond, &wd->lock, &ts);
		}
	}
	pthread_mutex_unlock(&wd->lock);
	return NULL;
}

static int wd_start(struct remote *r, struct bm_err **err)
{
	struct watchdog *wd = &r->wd;
	pthread_condattr_t attr;
	int e;

	wd->fd = ssh_get_fd(r->ssh);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wd->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&wd->lock, NULL);
	e = pthread_create(&wd->thread, NULL, wd_main, r);
	if (e) {
		pthread_cond_destroy(&wd->cond);
		pthread_mutex_destroy(&wd->lock);
		return bm_err_errno(err, e, "starting the watchdog for '%s'", r->name);
	}
	wd->started = true;
	return 0;
}

static void wd_stop(struct remote *r)
{
	struct watchdog *wd = &r->wd;

	if (!wd->started)
		return;
	pthread_mutex_lock(&wd->lock);
	wd->stop = true;
	pthread_cond_signal(&wd->cond);
	pthread_mutex_unlock(&wd->lock);
	pthread_join(wd->thread, NULL);
	pthread_cond_destroy(&wd->cond);
	pthread_mutex_destroy(&wd->lock);
	wd->started = false;
}

/* An operation starts (begin), makes progress (kick), ends (end). */
static void wd_set(struct remote *r, bool armed)
{
	struct watchdog *wd = &r->wd;

	if (!wd->started)
		return;
	pthread_mutex_lock(&wd->lock);
	wd->armed = armed && !wd->fired;
	wd->last = now_mono();
	pthread_cond_signal(&wd->cond);
	pthread_mutex_unlock(&wd->lock);
}

static void wd_begin(struct remote *r)
{
	wd_set(r, true);
}

static void wd_end(struct remote *r)
{
	wd_set(r, false);
}

static void wd_kick(struct remote *r)
{
	struct watchdog *wd = &r->wd;

	if (!wd->started)
		return;
	pthread_mutex_lock(&wd->lock);
	wd->last = now_mono();
	pthread_mutex_unlock(&wd->lock);
}

/* Why the connection failed: the watchdog's verdict, else libssh's message. */
static const char *net_error(struct remote *r)
{
	bool fired = false, interrupted = false;
	const char *m;

	if (r->wd.started) {
		pthread_mutex_lock(&r->wd.lock);
		fired = r->wd.fired;
		interrupted = r->wd.interrupted;
		pthread_mutex_unlock(&r->wd.lock);
	}
	if (interrupted)
		return "interrupted";
	if (fired) {
		if (!r->fired_msg)
			r->fired_msg = xasprintf("no answer for %g s, connection closed", r->timeout);
		return r->fired_msg;
	}
	m = ssh_get_error(r->ssh);
	return m && *m ? m : "connection lost";
}

/* An interrupt is the local side stopping (BM_ERR_SYSTEM, like every "interrupted"), not the
 * network failing. */
static int net_code(struct remote *r)
{
	bool interrupted = false;

	if (r->wd.started) {
		pthread_mutex_lock(&r->wd.lock);
		interrupted = r->wd.interrupted;
		pthread_mutex_unlock(&r->wd.lock);
	}
	return interrupted ? BM_ERR_SYSTEM : BM_ERR_INFRA;
}

static void ssh_string_freep(char **s)
{
	if (*s)
		ssh_string_free_char(*s);
}

static void sftp_attributes_freep(sftp_attributes *a)
{
	if (*a)
		sftp_attributes_free(*a);
}

static char *local_user(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *u = getenv("USER");

	if (pw && pw->pw_name)
		return xstrdup(pw->pw_name);
	return xstrdup(u && *u ? u : "root");
}

/* What libssh takes for ~: the password database, as ssh does. */
static char *home_dir(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *h = getenv("HOME");

	if (pw && pw->pw_dir)
		return xstrdup(pw->pw_dir);
	return xstrdup(h && *h ? h : "/");
}

/* SFTP status codes in words. */
static const char *sftp_status_text(int code)
{
	switch (code) {
	case SSH_FX_EOF: return "end of file";
	case SSH_FX_NO_SUCH_FILE: return "no such file or directory";
	case SSH_FX_PERMISSION_DENIED: return "permission denied";
	case SSH_FX_FAILURE: return "failure";
	case SSH_FX_BAD_MESSAGE: return "bad message";
	case SSH_FX_NO_CONNECTION: return "no connection";
	case SSH_FX_CONNECTION_LOST: return "connection lost";
	case SSH_FX_OP_UNSUPPORTED: return "operation not supported by the server";
	case SSH_FX_INVALID_HANDLE: return "invalid handle";
	case SSH_FX_NO_SUCH_PATH: return "no such path";
	case SSH_FX_FILE_ALREADY_EXISTS: return "file exists";
	case SSH_FX_WRITE_PROTECT: return "read-only file system";
	case SSH_FX_NO_MEDIA: return "no media";
	default: return "unknown sftp error";
	}
}

/* Set err for a failed SFTP call: "<what>: <reason>". The reason is libssh's own message when
 * the connection is gone (lost, timed out), else the server's SFTP status. */
static int sftp_fail(struct remote *r, struct bm_err **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int sftp_fail(struct remote *r, struct bm_err **err, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;
	int code = r->sftp ? sftp_get_error(r->sftp) : SSH_FX_OK;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	if (!ssh_is_connected(r->ssh) || code == SSH_FX_OK || code == SSH_FX_NO_CONNECTION ||
	    code == SSH_FX_CONNECTION_LOST)
		return bm_err_set(err, net_code(r), "%s on '%s': %s", what, r->name, net_error(r));
	/* the host answered: a missing or forbidden file there is not a network failure */
	return bm_err_set(err, code == SSH_FX_NO_SUCH_FILE || code == SSH_FX_PERMISSION_DENIED ?
				       BM_ERR_SYSTEM : BM_ERR_INFRA,
			  "%s on '%s': %s", what, r->name, sftp_status_text(code));
}

static int sftp_ready(struct remote *r, struct bm_err **err)
{
	if (r->sftp)
		return 0;
	r->sftp = sftp_new(r->ssh);
	if (!r->sftp)
		return bm_err_set(err, net_code(r), "starting sftp on '%s': %s", r->name,
				  net_error(r));
	if (sftp_init(r->sftp) != SSH_OK) {
		int code = sftp_get_error(r->sftp);

		bm_err_set(err, net_code(r), "starting sftp on '%s': %s", r->name,
			   code != SSH_FX_OK ? sftp_status_text(code) : net_error(r));
		sftp_free(r->sftp);
		r->sftp = NULL;
		return -1;
	}
	return 0;
}

static int check_host_key(struct remote *r, const char *known_hosts, struct bm_err **err)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hash_len = 0;
	_cleanup_(ssh_string_freep) char *fp = NULL;
	const char *type;
	int rc = -1;

	if (ssh_get_server_publickey(r->ssh, &key) != SSH_OK)
		return bm_err_set(err, BM_ERR_INFRA, "getting the host key of '%s': %s", r->name,
				  ssh_get_error(r->ssh));
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len) != 0) {
		bm_err_set(err, BM_ERR_INFRA, "hashing the host key of '%s'", r->name);
		goto out;
	}
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_len);
	if (!fp) {
		bm_err_set(err, BM_ERR_INFRA, "hashing the host key of '%s'", r->name);
		goto out;
	}
	type = ssh_key_type_to_char(ssh_key_type(key));
	if (!type)
		type = "unknown";

	switch (ssh_session_is_known_server(r->ssh)) {
	case SSH_KNOWN_HOSTS_OK:
		rc = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
		bm_err_set(err, BM_ERR_INPUT,
			   "host key of '%s' has changed: the server offers %s %s, not the key in '%s' (someone may be intercepting the connection; if the host was reinstalled, replace its line)",
			   r->name, type, fp, known_hosts);
		break;
	case SSH_KNOWN_HOSTS_OTHER:
		bm_err_set(err, BM_ERR_INPUT,
			   "host key of '%s' has changed: the server offers %s %s, but '%s' holds a key of another type for it (someone may be intercepting the connection)",
			   r->name, type, fp, known_hosts);
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		bm_err_set(err, BM_ERR_INPUT,
			   "unknown host key of '%s': %s %s is not in '%s' (check the fingerprint on the host with ssh-keygen -lf, then add the key to that file)",
			   r->name, type, fp, known_hosts);
		break;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		bm_err_set(err, BM_ERR_INPUT, "checking the host key of '%s' (%s %s) against '%s': %s",
			   r->name, type, fp, known_hosts, ssh_get_error(r->ssh));
		break;
	}
out:
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return rc;
}

static int authenticate(struct remote *r, const char *identity, struct bm_err **err)
{
	int rc;

	if (identity) {
		ssh_key key = NULL;

		if (access(identity, R_OK) < 0)
			return bm_err_errno(err, errno, "reading the private key '%s'", identity);
		/* No passphrase and no callback: libssh never prompts. */
		if (ssh_pki_import_privkey_file(identity, NULL, NULL, NULL, &key) != SSH_OK)
			return bm_err_set(err, BM_ERR_INPUT,
					  "reading the private key '%s': not a private key, or one protected by a passphrase (load those into ssh-agent)",
					  identity);
		rc = ssh_userauth_publickey(r->ssh, NULL, key);
		ssh_key_free(key);
		if (rc == SSH_AUTH_SUCCESS)
			return 0;
		if (rc == SSH_AUTH_ERROR)
			return bm_err_set(err, net_code(r), "authenticating to '%s': %s", r->name,
					  net_error(r));
		return bm_err_set(err, BM_ERR_INPUT, "'%s' refused the key '%s'", r->name, identity);
	}
	rc = ssh_userauth_publickey_auto(r->ssh, NULL, NULL);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_ERROR)
		return bm_err_set(err, net_code(r), "authenticating to '%s': %s", r->name,
				  net_error(r));
	return bm_err_set(err, BM_ERR_INPUT,
			  "'%s' refused the keys of ssh-agent and ~/.ssh/id_{ed25519,ecdsa,rsa} (give an identity file, or add a key to the agent)",
			  r->name);
}

int remote_connect(const struct remote_opts *o, struct remote **ret, struct bm_err **err)
{
	_cleanup_(remote_freep) struct remote *r = NULL;
	_cleanup_free_ char *user = NULL, *known_hosts = NULL;
	unsigned port = o->port ? o->port : 22;
	double timeout = o->timeout > 0 ? o->timeout : 30;
	long sec = (long)timeout, usec = (long)((timeout - (double)sec) * 1e6);
	int iport = (int)port, nodelay = 1, rc;
	bool no = false;

	if (!o->host || !*o->host)
		return bm_err_set(err, BM_ERR_INPUT, "no remote host given");
	if (port > 65535)
		return bm_err_set(err, BM_ERR_INPUT, "bad port %u for '%s'", port, o->host);
	user = o->user ? xstrdup(o->user) : local_user();
	if (o->known_hosts) {
		known_hosts = xstrdup(o->known_hosts);
	} else {
		_cleanup_free_ char *home = home_dir();

		known_hosts = xasprintf("%s/.ssh/known_hosts", home);
	}

	r = xcalloc(1, sizeof(*r));
	r->name = xasprintf("%s@%s:%u", user, o->host, port);
	r->ssh = ssh_new();
	if (!r->ssh)
		return bm_err_set(err, BM_ERR_SYSTEM, "creating an ssh session");
	if (ssh_options_set(r->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(r->ssh, SSH_OPTIONS_HOST, o->host) < 0 ||
	    ssh_options_set(r->ssh, SSH_OPTIONS_PORT, &iport) < 0 ||
	    ssh_options_set(r->ssh, SSH_OPTIONS_USER, user) < 0 ||
	    ssh_options_set(r->ssh, SSH_OPTIONS_TIMEOUT, &sec) < 0 ||
	    ssh_options_set(r->ssh, SSH_OPTIONS_TIMEOUT_USEC, &usec) < 0 ||
	    ssh_options_set(r->ssh, SSH_OPTIONS_KNOWNHOSTS, known_hosts) < 0 ||
	    /* SFTP waits for each reply: Nagle plus delayed ACKs would cost 40 ms a request. */
	    ssh_options_set(r->ssh, SSH_OPTIONS_NODELAY, &nodelay) < 0 ||
	    /* An explicit file is the only one trusted; by default the system file counts too. */
	    (o->known_hosts &&
	     ssh_options_set(r->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, known_hosts) < 0))
		return bm_err_set(err, BM_ERR_INPUT, "ssh options for '%s': %s", r->name,
				  ssh_get_error(r->ssh));

	if (ssh_connect(r->ssh) != SSH_OK)
		return bm_err_set(err, BM_ERR_INFRA, "connecting to '%s': %s", r->name,
				  ssh_get_error(r->ssh));
	r->timeout = timeout;
	if (check_host_key(r, known_hosts, err) < 0)
		return -1;
	if (wd_start(r, err) < 0)
		return -1;
	wd_begin(r);
	rc = authenticate(r, o->identity, err);
	wd_end(r);
	if (rc < 0)
		return -1;
	*ret = r;
	r = NULL;
	return 0;
}

void remote_free(struct remote *r)
{
	if (!r)
		return;
	/* Closing sends messages too: bounded like the rest. */
	wd_begin(r);
	if (r->sftp)
		sftp_free(r->sftp);
	if (r->ssh && ssh_is_connected(r->ssh))
		ssh_disconnect(r->ssh);
	wd_stop(r);
	if (r->ssh)
		ssh_free(r->ssh);
	free(r->fired_msg);
	free(r->name);
	free(r);
}

void remote_freep(struct remote **r)
{
	remote_free(*r);
	*r = NULL;
}

const char *remote_name(const struct remote *r)
{
	return r->name;
}

static int do_mkdir_temp(struct remote *r, const char *prefix, char **ret_dir, struct bm_err **err)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	if (!prefix || !*prefix)
		return bm_err_set(err, BM_ERR_INPUT, "empty remote directory prefix");
	if (sftp_ready(r, err) < 0)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[6];
		char suffix[7];
		_cleanup_free_ char *path = NULL;
		_cleanup_(ssh_string_freep) char *abs = NULL;
		_cleanup_(sftp_attributes_freep) sftp_attributes a = NULL;

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return bm_err_errno(err, errno, "getrandom");
		for (size_t i = 0; i < sizeof(rnd); i++)
			suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
		suffix[6] = '\0';
		path = xasprintf("%s.%s", prefix, suffix);
		if (sftp_mkdir(r->sftp, path, RUN_DIR_MODE) == 0) {
			/* Exactly that mode, whatever the server's umask. */
			if (sftp_chmod(r->sftp, path, RUN_DIR_MODE) < 0) {
				sftp_fail(r, err, "setting the mode of '%s'", path);
				sftp_rmdir(r->sftp, path);
				return -1;
			}
			abs = sftp_canonicalize_path(r->sftp, path);
			if (!abs) {
				sftp_fail(r, err, "resolving '%s'", path);
				sftp_rmdir(r->sftp, path);
				return -1;
			}
			*ret_dir = xstrdup(abs);
			return 0;
		}
		/* SFTP v3 servers say only "failure" for an existing name: look. */
		if (!ssh_is_connected(r->ssh) || sftp_get_error(r->sftp) != SSH_FX_FAILURE)
			return sftp_fail(r, err, "creating directory '%s'", path);
		a = sftp_lstat(r->sftp, path);
		if (!a) {
			if (sftp_get_error(r->sftp) == SSH_FX_NO_SUCH_FILE)
				return bm_err_set(err, BM_ERR_INFRA,
						  "creating directory '%s' on '%s': failure", path,
						  r->name);
			return sftp_fail(r, err, "creating directory '%s'", path);
		}
	}
	return bm_err_set(err, BM_ERR_INFRA, "creating a directory '%s.XXXXXX' on '%s': all names taken",
			  prefix, r->name);
}

static int do_upload(struct remote *r, const char *local, const char *remote_path,
		  struct bm_err **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	sftp_file f;
	uint64_t total = 0;
	mode_t mode;

	fd = open(local, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bm_err_errno(err, errno, "opening '%s'", local);
	if (fstat(fd, &st) < 0)
		return bm_err_errno(err, errno, "stat '%s'", local);
	if (S_ISDIR(st.st_mode))
		return bm_err_set(err, BM_ERR_INPUT, "uploading '%s': is a directory", local);
	mode = st.st_mode & 07777;
	if (sftp_ready(r, err) < 0)
		return -1;

	f = sftp_open(r->sftp, remote_path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (!f) {
		sftp_fail(r, err, "creating '%s'", remote_path);
		return bm_err_prefix(err, "uploading '%s'", local);
	}
	buf = xmalloc(CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			bm_err_errno(err, errno, "reading '%s'", local);
			goto fail;
		}
		if (n == 0)
			break;
		if (proc_interrupted()) {
			bm_err_set(err, BM_ERR_SYSTEM, "writing '%s' on '%s': interrupted", remote_path,
				   r->name);
			goto fail;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = sftp_write(f, buf + off, (size_t)(n - off));

			if (w <= 0) {
				sftp_fail(r, err, "writing '%s' at byte %llu", remote_path,
					  (unsigned long long)(total + (uint64_t)off));
				goto fail;
			}
			off += w;
			wd_kick(r);
		}
		total += (uint64_t)n;
	}
	if (sftp_close(f) != SSH_NO_ERROR) {
		f = NULL;
		sftp_fail(r, err, "closing '%s'", remote_path);
		goto fail;
	}
	f = NULL;
	/* The server applied its umask to the mode given at open. */
	if (sftp_chmod(r->sftp, remote_path, mode) < 0) {
		sftp_fail(r, err, "setting the mode of '%s'", remote_path);
		goto fail;
	}
	return 0;

fail:
	if (f)
		sftp_close(f);
	if (ssh_is_connected(r->ssh))
		sftp_unlink(r->sftp, remote_path);
	return bm_err_prefix(err, "uploading '%s'", local);
}

static int rm_tree(struct remote *r, const char *path, int depth, struct bm_err **err)
{
	_cleanup_(sftp_attributes_freep) sftp_attributes a = NULL;
	sftp_dir dir;
	bool eof;

	wd_kick(r);
	a = sftp_lstat(r->sftp, path);
	if (!a) {
		if (ssh_is_connected(r->ssh) && sftp_get_error(r->sftp) == SSH_FX_NO_SUCH_FILE)
			return 0;
		return sftp_fail(r, err, "stat '%s'", path);
	}
	if (a->type != SSH_FILEXFER_TYPE_DIRECTORY) {
		if (sftp_unlink(r->sftp, path) < 0)
			return sftp_fail(r, err, "removing '%s'", path);
		return 0;
	}
	if (depth >= RM_DEPTH_MAX)
		return bm_err_set(err, BM_ERR_INFRA, "removing '%s' on '%s': nested too deep", path,
				  r->name);
	dir = sftp_opendir(r->sftp, path);
	if (!dir)
		return sftp_fail(r, err, "opening directory '%s'", path);
	for (;;) {
		_cleanup_(sftp_attributes_freep) sftp_attributes e = sftp_readdir(r->sftp, dir);
		_cleanup_free_ char *child = NULL;

		if (!e)
			break;
		if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
			continue;
		child = xasprintf("%s/%s", path, e->name);
		if (rm_tree(r, child, depth + 1, err) < 0) {
			sftp_closedir(dir);
			return -1;
		}
	}
	eof = sftp_dir_eof(dir);
	if (!eof) {
		sftp_fail(r, err, "reading directory '%s'", path);
		sftp_closedir(dir);
		return -1;
	}
	sftp_closedir(dir);
	if (sftp_rmdir(r->sftp, path) < 0)
		return sftp_fail(r, err, "removing directory '%s'", path);
	return 0;
}

static int do_rm_rf(struct remote *r, const char *dir, struct bm_err **err)
{
	_cleanup_free_ char *path = NULL;
	size_t len;

	if (!dir || !*dir || !strcmp(dir, ".") || !strcmp(dir, ".."))
		return bm_err_set(err, BM_ERR_INPUT, "refusing to remove '%s' on '%s'", dir ? dir : "",
				  r->name);
	path = xstrdup(dir);
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (!strcmp(path, "/"))
		return bm_err_set(err, BM_ERR_INPUT, "refusing to remove '/' on '%s'", r->name);
	if (sftp_ready(r, err) < 0)
		return -1;
	if (rm_tree(r, path, 0, err) < 0)
		return bm_err_prefix(err, "removing '%s'", path);
	return 0;
}

static int do_read_from(struct remote *r, const char *path, uint64_t offset, char **ret_buf,
		     size_t *ret_len, struct bm_err **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = CHUNK + 1;
	sftp_file f;

	if (sftp_ready(r, err) < 0)
		return -1;
	f = sftp_open(r->sftp, path, O_RDONLY, 0);
	if (!f)
		return sftp_fail(r, err, "opening '%s'", path);
	if (sftp_seek64(f, offset) < 0) {
		sftp_close(f);
		return bm_err_set(err, BM_ERR_INFRA, "seeking '%s' on '%s'", path, r->name);
	}
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (proc_interrupted()) {
			sftp_close(f);
			return bm_err_set(err, BM_ERR_SYSTEM, "reading '%s' on '%s': interrupted", path,
					  r->name);
		}
		if (cap - len < CHUNK + 1) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = sftp_read(f, buf + len, CHUNK);
		if (n < 0) {
			sftp_fail(r, err, "reading '%s'", path);
			sftp_close(f);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		wd_kick(r);
	}
	sftp_close(f);
	buf[len] = '\0';
	*ret_buf = buf;
	buf = NULL;
	*ret_len = len;
	return 0;
}

/* Shell quoting. */

char *remote_shell_quote(char *const *argv)
{
	struct strbuf b = { 0 };

	if (!argv || !argv[0])
		return NULL;
	/* The command word is always quoted: never a keyword, an alias or an assignment. */
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_add(&b, " ");
		strbuf_add_shell_word(&b, argv[i], i == 0);
	}
	return strbuf_take(&b);
}

char *remote_command_line(char *const *argv, double timeout)
{
	_cleanup_strv_ char **v = NULL;

	if (!argv || !argv[0])
		return NULL;
	if (timeout <= 0)
		return remote_shell_quote(argv);
	/* timeout(1) leads a process group of its own and signals all of it: nothing the command
	 * started outlives the deadline, even when the connection is gone. */
	strv_push(&v, "timeout");
	strv_push(&v, "-k");
	strv_push(&v, "2");
	strv_pushf(&v, "%.3f", timeout);
	strv_push_all(&v, argv);
	return remote_shell_quote(v);
}

/* Exec. */

struct exec_state {
	int signal;
};

static void on_exit_signal(ssh_session session, ssh_channel channel, const char *sig, int core,
			   const char *errmsg, const char *lang, void *userdata)
{
	struct exec_state *st = userdata;

	(void)session, (void)channel, (void)core, (void)errmsg, (void)lang;
	st->signal = -1;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && sig && !strcmp(abbrev, sig)) {
			st->signal = i;
			break;
		}
	}
}

static void append_capped(struct strbuf *b, const char *data, size_t n)
{
	if (b->len >= EXEC_OUTPUT_MAX)
		return;
	if (n > EXEC_OUTPUT_MAX - b->len)
		n = EXEC_OUTPUT_MAX - b->len;
	strbuf_add_len(b, data, n);
}

static int do_exec(struct remote *r, char *const *argv, double timeout, int *ret_status,
		char **ret_output, struct bm_err **err)
{
	_cleanup_free_ char *cmd = remote_command_line(argv, timeout);
	_cleanup_free_ char *buf = NULL;
	struct strbuf out = { 0 };
	struct exec_state st = { 0 };
	struct ssh_channel_callbacks_struct cb = {
		.userdata = &st,
		.channel_exit_signal_function = on_exit_signal,
	};
	double deadline = timeout > 0 ? now_mono() + timeout : 0;
	ssh_channel ch;
	int status, rc = -1;

	if (!cmd)
		return bm_err_set(err, BM_ERR_INPUT, "empty remote command");
	ch = ssh_channel_new(r->ssh);
	if (!ch)
		return bm_err_set(err, net_code(r), "running '%s' on '%s': %s", argv[0], r->name,
				  net_error(r));
	ssh_callbacks_init(&cb);
	ssh_set_channel_callbacks(ch, &cb);
	if (ssh_channel_open_session(ch) != SSH_OK || ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		bm_err_set(err, net_code(r), "running '%s' on '%s': %s", argv[0], r->name,
			   net_error(r));
		goto out;
	}
	ssh_channel_send_eof(ch);
	buf = xmalloc(CHUNK);
	while (!ssh_channel_is_eof(ch) && !ssh_channel_is_closed(ch)) {
		int ms = 200, n;

		if (proc_interrupted()) {
			ssh_channel_request_send_signal(ch, "KILL");
			bm_err_set(err, BM_ERR_SYSTEM, "'%s' on '%s': interrupted", argv[0], r->name);
			goto out;
		}
		if (deadline) {
			double left = deadline - now_mono();

			if (left <= 0) {
				/* Best effort: sshd signals the process the shell became. */
				ssh_channel_request_send_signal(ch, "KILL");
				bm_err_set(err, BM_ERR_INFRA, "'%s' on '%s' timed out after %g s",
					   argv[0], r->name, timeout);
				goto out;
			}
			if (left * 1000 < ms)
				ms = (int)(left * 1000) + 1;
		}
		/* The deadline, not the watchdog, bounds a quiet command. */
		wd_kick(r);
		n = ssh_channel_read_timeout(ch, buf, CHUNK, 0, ms);
		if (n == SSH_ERROR)
			goto lost;
		append_capped(&out, buf, (size_t)n);
		n = ssh_channel_read_nonblocking(ch, buf, CHUNK, 1);
		if (n == SSH_ERROR)
			goto lost;
		if (n > 0)
			append_capped(&out, buf, (size_t)n);
	}
	/* What is left of stderr after stdout's end. */
	for (;;) {
		int n = ssh_channel_read_nonblocking(ch, buf, CHUNK, 1);

		if (n == SSH_ERROR)
			goto lost;
		if (n <= 0)
			break;
		append_capped(&out, buf, (size_t)n);
	}
	status = ssh_channel_get_exit_status(ch);
	if (st.signal > 0)
		status = 128 + st.signal;
	else if (st.signal < 0)
		status = -1;
	*ret_status = status;
	if (ret_output)
		*ret_output = strbuf_take(&out);
	rc = 0;
	goto out;

lost:
	bm_err_set(err, net_code(r), "running '%s' on '%s': %s", argv[0], r->name,
		   net_error(r));
out:
	free(out.buf);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return rc;
}

/* The public operations: each under the watchdog. */

int remote_mkdir_temp(struct remote *r, const char *prefix, char **ret_dir, struct bm_err **err)
{
	int rc;

	wd_begin(r);
	rc = do_mkdir_temp(r, prefix, ret_dir, err);
	wd_end(r);
	return rc;
}

int remote_upload(struct remote *r, const char *local, const char *remote_path,
		  struct bm_err **err)
{
	int rc;

	wd_begin(r);
	rc = do_upload(r, local, remote_path, err);
	wd_end(r);
	return rc;
}

int remote_rm_rf(struct remote *r, const char *dir, struct bm_err **err)
{
	int rc;

	wd_begin(r);
	rc = do_rm_rf(r, dir, err);
	wd_end(r);
	return rc;
}

int remote_read_from(struct remote *r, const char *path, uint64_t offset, char **ret_buf,
		     size_t *ret_len, struct bm_err **err)
{
	int rc;

	wd_begin(r);
	rc = do_read_from(r, path, offset, ret_buf, ret_len, err);
	wd_end(r);
	return rc;
}

int remote_exec(struct remote *r, char *const *argv, double timeout, int *ret_status,
		char **ret_output, struct bm_err **err)
{
	int rc;

	wd_begin(r);
	rc = do_exec(r, argv, timeout, ret_status, ret_output, err);
	wd_end(r);
	return rc;
}
