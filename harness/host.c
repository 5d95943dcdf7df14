/* Remote boot hosts: the SSH side (files, console, liveness) of booting through a remote libvirt
 * URI. See host.h and docs/remote.md. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "err.h"
#include "host.h"
#include "remote.h"
#include "uri.h"
#include "util.h"

/* Seconds without progress before a network wait gives up (remote_opts.timeout). */
#define HOST_NET_TIMEOUT 30
/* The probe of a host suspected dead is quicker to decide. */
#define HOST_PROBE_TIMEOUT 10
/* Where the run directory goes on the host. */
#define HOST_RUN_PREFIX "/tmp/bootmatrix"

struct kvm_answer {
	char *arch;
	bool usable;
};

struct host {
	char *uri, *name;
	unsigned slots;
	char *user, *address, *keyfile, *known_hosts;
	unsigned port;
	pthread_mutex_t lock;	/* everything below */
	char *run_dir;
	char *dead;		/* why it is dead; NULL while alive */
	struct kvm_answer *kvm;
	size_t n_kvm;
};

struct host_session {
	struct host *h;
	struct remote *r;	/* NULL until used, and again after a failure */
	char *follow;
};

int host_new(const char *uri, unsigned slots, struct host **ret, struct bm_err **err)
{
	struct host *h = xcalloc(1, sizeof(*h));

	if (uri_libvirt_ssh(uri, &h->user, &h->address, &h->port, err) < 0) {
		free(h);
		return -1;
	}
	h->uri = xstrdup(uri);
	h->slots = slots ? slots : 1;
	uri_libvirt_param(uri, "keyfile", &h->keyfile);
	uri_libvirt_param(uri, "known_hosts", &h->known_hosts);
	h->name = xasprintf("%s%s%s:%u", h->user ? h->user : "", h->user ? "@" : "", h->address,
			    h->port);
	pthread_mutex_init(&h->lock, NULL);
	*ret = h;
	return 0;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_kvm; i++)
		free(h->kvm[i].arch);
	free(h->kvm);
	free(h->uri);
	free(h->name);
	free(h->user);
	free(h->address);
	free(h->keyfile);
	free(h->known_hosts);
	free(h->run_dir);
	free(h->dead);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

const char *host_uri(const struct host *h)
{
	return h->uri;
}

const char *host_name(const struct host *h)
{
	return h->name;
}

unsigned host_slots(const struct host *h)
{
	return h->slots;
}

static int host_connect(struct host *h, double timeout, struct remote **ret, struct bm_err **err)
{
	struct remote_opts o = {
		.host = h->address,
		.port = h->port,
		.user = h->user,
		.known_hosts = h->known_hosts,
		.identity = h->keyfile,
		.timeout = timeout,
	};

	return remote_connect(&o, ret, err);
}

int host_check(struct host *h, struct bm_err **err)
{
	_cleanup_(remote_freep) struct remote *r = NULL;
	char cmd[] = "true";
	char *argv[] = { cmd, NULL };
	int status = -1, ret = 0;

	if (host_connect(h, HOST_PROBE_TIMEOUT, &r, err) < 0 ||
	    remote_exec(r, argv, HOST_PROBE_TIMEOUT, &status, NULL, err) < 0)
		return bm_err_prefix(err, "host '%s'", h->name);
	if (status != 0)
		return bm_err_set(err, BM_ERR_INFRA, "host '%s': 'true' exited with status %d",
				  h->name, status);
	pthread_mutex_lock(&h->lock);
	if (!h->run_dir && remote_mkdir_temp(r, HOST_RUN_PREFIX, &h->run_dir, err) < 0)
		ret = bm_err_prefix(err, "host '%s'", h->name);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

void host_mark_dead(struct host *h, const char *why)
{
	pthread_mutex_lock(&h->lock);
	if (!h->dead)
		h->dead = xstrdup(why ? why : "unknown reason");
	pthread_mutex_unlock(&h->lock);
}

bool host_is_dead(struct host *h)
{
	bool dead;

	pthread_mutex_lock(&h->lock);
	dead = h->dead != NULL;
	pthread_mutex_unlock(&h->lock);
	return dead;
}

char *host_dead_reason(struct host *h)
{
	char *why;

	pthread_mutex_lock(&h->lock);
	why = xstrdup(h->dead);
	pthread_mutex_unlock(&h->lock);
	return why;
}

const char *host_run_dir(struct host *h)
{
	const char *dir;

	pthread_mutex_lock(&h->lock);
	dir = h->run_dir;
	pthread_mutex_unlock(&h->lock);
	return dir;
}

int host_cleanup(struct host *h, struct bm_err **err)
{
	_cleanup_(remote_freep) struct remote *r = NULL;
	const char *dir = host_run_dir(h);

	if (!dir)
		return 0;
	if (host_connect(h, HOST_PROBE_TIMEOUT, &r, err) < 0 || remote_rm_rf(r, dir, err) < 0)
		return bm_err_prefix(err, "removing '%s' on host '%s'", dir, h->name);
	return 0;
}

struct host_session *host_session_new(struct host *h)
{
	struct host_session *s = xcalloc(1, sizeof(*s));

	s->h = h;
	return s;
}

void host_session_free(struct host_session *s)
{
	if (!s)
		return;
	remote_free(s->r);
	free(s->follow);
	free(s);
}

/* The session's connection, made if needed. */
static struct remote *session_remote(struct host_session *s, struct bm_err **err)
{
	if (!s->r && host_connect(s->h, HOST_NET_TIMEOUT, &s->r, err) < 0) {
		bm_err_prefix(err, "host '%s'", s->h->name);
		return NULL;
	}
	return s->r;
}

/* After a failed operation the connection is dead (remote.h): drop it; the next use connects
 * again. Returns -1. */
static int session_failed(struct host_session *s, struct bm_err **err, const char *what)
{
	remote_free(s->r);
	s->r = NULL;
	return bm_err_prefix(err, "host '%s': %s", s->h->name, what);
}

int host_job_dir(struct host_session *s, const char *name, char **ret_dir, struct bm_err **err)
{
	struct remote *r = session_remote(s, err);
	const char *run_dir = host_run_dir(s->h);
	_cleanup_free_ char *prefix = NULL;

	if (!r)
		return -1;
	if (!run_dir)
		return bm_err_set(err, BM_ERR_INFRA, "host '%s' has no run directory (not checked)",
				  s->h->name);
	prefix = xasprintf("%s/%s", run_dir, name);
	if (remote_mkdir_temp(r, prefix, ret_dir, err) < 0)
		return session_failed(s, err, "making a job directory");
	return 0;
}

int host_upload(struct host_session *s, const char *dir, const char *local, char **ret_path,
		struct bm_err **err)
{
	struct remote *r = session_remote(s, err);
	const char *base = strrchr(local, '/') ? strrchr(local, '/') + 1 : local;
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, base);

	if (!r)
		return -1;
	if (remote_upload(r, local, path, err) < 0)
		return session_failed(s, err, "uploading");
	*ret_path = path;
	path = NULL;
	return 0;
}

int host_remove(struct host_session *s, const char *dir, struct bm_err **err)
{
	struct remote *r = session_remote(s, err);

	if (!r)
		return -1;
	if (remote_rm_rf(r, dir, err) < 0)
		return session_failed(s, err, "removing a job directory");
	return 0;
}

void host_session_follow(struct host_session *s, const char *path)
{
	free(s->follow);
	s->follow = xstrdup(path);
}

int host_console_read(void *data, uint64_t offset, char **ret_buf, size_t *ret_len,
		      struct bm_err **err)
{
	struct host_session *s = data;
	struct remote *r = session_remote(s, err);
	char *buf = NULL;
	size_t len = 0;

	if (!r)
		return -1;
	if (!s->follow)
		return bm_err_set(err, BM_ERR_SYSTEM, "no console file to follow");
	if (remote_read_from(r, s->follow, offset, &buf, &len, err) < 0) {
		/* libvirt creates the file as QEMU starts: not there yet is nothing yet */
		if (offset == 0 && *err && (*err)->code == BM_ERR_SYSTEM) {
			bm_err_free(*err);
			*err = NULL;
			*ret_buf = NULL;
			*ret_len = 0;
			return 0;
		}
		return session_failed(s, err, "reading the console");
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/* The shell test behind host_kvm_usable; $1 is the arch. */
static char kvm_script[] =
	"[ \"$(uname -m)\" = \"$1\" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || exit 1\n"
	"case $1 in x86_64|i686) grep -qwE 'vmx|svm' /proc/cpuinfo ;; esac\n";

bool host_kvm_usable(struct host_session *s, const char *arch)
{
	struct host *h = s->h;
	int forced = boot_accel_forced();
	char sh[] = "sh", dash_c[] = "-c";
	_cleanup_free_ char *arg = xstrdup(arch);
	char *argv[] = { sh, dash_c, kvm_script, sh, arg, NULL };
	struct bm_err *e = NULL;
	struct remote *r;
	int status = -1;
	bool usable;

	if (forced >= 0)
		return forced;
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < h->n_kvm; i++) {
		if (strcmp(h->kvm[i].arch, arch) == 0) {
			usable = h->kvm[i].usable;
			pthread_mutex_unlock(&h->lock);
			return usable;
		}
	}
	pthread_mutex_unlock(&h->lock);
	r = session_remote(s, &e);
	if (r && remote_exec(r, argv, HOST_PROBE_TIMEOUT, &status, NULL, &e) < 0)
		session_failed(s, &e, "asking for KVM");
	if (e) {
		/* unknown: TCG works everywhere, and the boot will tell whether the host is there */
		bm_err_free(e);
		return false;
	}
	usable = status == 0;
	pthread_mutex_lock(&h->lock);
	h->kvm = xrealloc(h->kvm, (h->n_kvm + 1) * sizeof(*h->kvm));
	h->kvm[h->n_kvm].arch = xstrdup(arch);
	h->kvm[h->n_kvm++].usable = usable;
	pthread_mutex_unlock(&h->lock);
	return usable;
}
