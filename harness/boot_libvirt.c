/* The libvirt boot backend. The only module that includes libvirt; the domain XML is written with
 * xmlw. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "boot_console.h"
#include "boot_libvirt.h"
#include "cache.h"
#include "err.h"
#include "proc.h"
#include "reaper.h"
#include "uri.h"
#include "util.h"
#include "xmlw.h"

/* How often the console file and the domain state are looked at, in seconds: a boot's last line
 * is seen half an interval late on average, and a look at a local file is one read(2); a remote
 * console costs SFTP round trips, so less often. */
#define POLL_INTERVAL 0.01
#define POLL_INTERVAL_REMOTE 0.25

/* ---------------------------------------------------------------------------------------------
 * Domain XML */

/* <name attr="value"/> (attr may be NULL) */
static void xw_empty(struct xmlw *x, const char *name, const char *attr, const char *value)
{
	xmlw_start(x, name);
	if (attr)
		xmlw_attr(x, attr, value);
	xmlw_end(x);
}

static int spec_check(const struct boot_spec *spec, struct bm_err **err)
{
	const struct {
		const char *field, *value;
	} required[] = {
		{ "name", spec->name },
		{ "arch", spec->arch },
		{ "machine", spec->machine },
		{ "emulator", spec->emulator },
		{ "kernel", spec->kernel },
		{ "console_log", spec->console_log },
	};

	const struct {
		const char *field, *value;
	} paths[] = {
		{ "emulator", spec->emulator },
		{ "kernel", spec->kernel },
		{ "initrd", spec->initrd },
		{ "firmware", spec->firmware },
		{ "console_log", spec->console_log },
	};

	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (!required[i].value || !*required[i].value)
			return bm_err_set(err, BM_ERR_INPUT, "boot spec lacks '%s'", required[i].field);
	if (spec->console_read && (!spec->console_copy || !*spec->console_copy))
		return bm_err_set(err, BM_ERR_INPUT, "boot spec reads a remote console but lacks 'console_copy'");
	/* libvirt's schema demands absolute paths */
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (paths[i].value && paths[i].value[0] != '/')
			return bm_err_set(err, BM_ERR_INPUT, "boot spec '%s' is not an absolute path: '%s'",
					  paths[i].field, paths[i].value);
	if (spec->memory_mib == 0)
		return bm_err_set(err, BM_ERR_INPUT, "boot spec for '%s' has no memory size", spec->name);
	/* each feature becomes an element name */
	for (size_t i = 0; spec->features && spec->features[i]; i++) {
		const char *f = spec->features[i];

		if (!*f || strspn(f, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(f))
			return bm_err_set(err, BM_ERR_INPUT, "boot spec feature '%s' is not a libvirt feature name", f);
	}
	return 0;
}

static void domain_xml_write(struct xmlw *x, const struct boot_spec *spec, const char *uuid)
{
	char num[32];

	xmlw_start(x, "domain");
	xmlw_attr(x, "type", spec->kvm ? "kvm" : "qemu");
	xmlw_element(x, "name", spec->name);
	if (uuid)
		xmlw_element(x, "uuid", uuid);
	xmlw_start(x, "memory");
	xmlw_attr(x, "unit", "MiB");
	snprintf(num, sizeof(num), "%u", spec->memory_mib);
	xmlw_text(x, num);
	xmlw_end(x);
	snprintf(num, sizeof(num), "%u", spec->vcpus ? spec->vcpus : 1);
	xmlw_element(x, "vcpu", num);

	xmlw_start(x, "os");
	xmlw_start(x, "type");
	xmlw_attr(x, "arch", spec->arch);
	xmlw_attr(x, "machine", spec->machine);
	xmlw_text(x, "hvm");
	xmlw_end(x);
	if (spec->firmware) {
		/* type='rom' is QEMU's -bios */
		xmlw_start(x, "loader");
		xmlw_attr(x, "type", "rom");
		xmlw_text(x, spec->firmware);
		xmlw_end(x);
	}
	xmlw_element(x, "kernel", spec->kernel);
	if (spec->initrd)
		xmlw_element(x, "initrd", spec->initrd);
	if (spec->cmdline)
		xmlw_element(x, "cmdline", spec->cmdline);
	xmlw_end(x);

	if (spec->features && spec->features[0]) {
		xmlw_start(x, "features");
		for (size_t i = 0; spec->features[i]; i++)
			xw_empty(x, spec->features[i], NULL, NULL);
		xmlw_end(x);
	}

	if (spec->kvm) {
		xw_empty(x, "cpu", "mode", "host-passthrough");
	} else if (spec->cpu) {
		xmlw_start(x, "cpu");
		xmlw_attr(x, "mode", "custom");
		xmlw_attr(x, "match", "exact");
		xmlw_start(x, "model");
		xmlw_attr(x, "fallback", "forbid");
		xmlw_text(x, spec->cpu);
		xmlw_end(x);
		xmlw_end(x);
	}

	/* Whatever the guest does to end, QEMU goes: the harness reads the result from the
	 * console and the lifecycle event. */
	xmlw_element(x, "on_poweroff", "destroy");
	xmlw_element(x, "on_reboot", "destroy");
	xmlw_element(x, "on_crash", "destroy");

	xmlw_start(x, "devices");
	xmlw_element(x, "emulator", spec->emulator);
	xmlw_start(x, "serial");
	xmlw_attr(x, "type", "file");
	xw_empty(x, "source", "path", spec->console_log);
	xw_empty(x, "target", "port", "0");
	xmlw_end(x);
	xmlw_start(x, "console");
	xmlw_attr(x, "type", "file");
	xw_empty(x, "source", "path", spec->console_log);
	xmlw_start(x, "target");
	xmlw_attr(x, "type", "serial");
	xmlw_attr(x, "port", "0");
	xmlw_end(x);
	xmlw_end(x);
	/* Only the serial console: no USB controller, balloon, network or display. */
	xmlw_start(x, "controller");
	xmlw_attr(x, "type", "usb");
	xmlw_attr(x, "model", "none");
	xmlw_end(x);
	xw_empty(x, "memballoon", "model", "none");
	if (spec->panic_model)
		xw_empty(x, "panic", "model", spec->panic_model);
	xmlw_end(x);

	xmlw_end(x);
}

/* uuid: NULL to let libvirt choose one. */
static int domain_xml_build(const struct boot_spec *spec, const char *uuid, char **ret_xml, struct bm_err **err)
{
	_cleanup_(xmlw_freep) struct xmlw *x = NULL;

	if (spec_check(spec, err) < 0)
		return -1;
	x = xmlw_new();
	domain_xml_write(x, spec, uuid);
	if (xmlw_finish(x, ret_xml, err) < 0)
		return bm_err_prefix(err, "writing the domain XML for '%s'", spec->name);
	return 0;
}

int boot_libvirt_domain_xml(const struct boot_spec *spec, char **ret_xml, struct bm_err **err)
{
	return domain_xml_build(spec, NULL, ret_xml, err);
}

/* ---------------------------------------------------------------------------------------------
 * Process-wide libvirt setup: error reporting and the event loop */

static pthread_once_t lv_once = PTHREAD_ONCE_INIT;
static char *lv_init_error;	/* set once by lv_init_once when it failed */

/* libvirt prints unhandled errors to stderr by default; we copy each one into a bm_err instead
 * (only the command layer prints). */
static void lv_error_ignore(void *data, virErrorPtr e)
{
	(void)data;
	(void)e;
}

static void *lv_event_thread(void *arg)
{
	(void)arg;
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			usleep(100 * 1000);
	return NULL;
}

static void lv_init_once(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	xmlw_library_init();	/* main() did it already; a program without it needs it here */
	/* libvirt logs its warnings to stderr unless told otherwise; send them to a file next to
	 * the default embedded root (the user's LIBVIRT_LOG_OUTPUTS wins). Before virInitialize:
	 * libvirt reads the variable there, once. */
	if (!getenv("LIBVIRT_LOG_OUTPUTS")) {
		_cleanup_free_ char *cache = cache_dir();
		_cleanup_free_ char *dir = xasprintf("%s/libvirt/log", cache);
		_cleanup_free_ char *outputs = mkdir_p(dir, NULL) == 0
						       ? xasprintf("3:file:%s/libvirt.log", dir)
						       : xstrdup("3:file:/dev/null");

		setenv("LIBVIRT_LOG_OUTPUTS", outputs, 1);
	}
	if (virInitialize() < 0) {
		lv_init_error = xasprintf("cannot initialize libvirt: %s", virGetLastErrorMessage());
		return;
	}
	virSetErrorFunc(NULL, lv_error_ignore);
	/* Events (and the embedded driver) need an event loop running for the whole process:
	 * an embedded driver, once opened, lives until the process exits. */
	if (virEventRegisterDefaultImpl() < 0) {
		lv_init_error = xasprintf("cannot start libvirt's event loop: %s", virGetLastErrorMessage());
		return;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, lv_event_thread, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0)
		lv_init_error = xasprintf("cannot start libvirt's event thread: %s", strerror(r));
}

static int lv_init(struct bm_err **err)
{
	pthread_once(&lv_once, lv_init_once);
	if (lv_init_error)
		return bm_err_set(err, BM_ERR_INFRA, "%s", lv_init_error);
	return 0;
}

/* libvirt's last error in this thread, copied at once (the next call may reset it), on one
 * line: schema errors come as several. Caller frees. */
static char *lv_last_error(void)
{
	_cleanup_free_ char *msg = xstrdup(virGetLastErrorMessage());
	_cleanup_strv_ char **parts = NULL;
	char *save = NULL;

	for (char *l = strtok_r(msg, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (*str_strip(l))
			strv_push(&parts, l);
	return parts ? strv_join(parts, "; ") : xstrdup("unknown error");
}

/* The message of libvirt's last error after the context fmt. Returns -1. */
static int lv_err(struct bm_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lv_err(struct bm_err **err, const char *fmt, ...)
{
	_cleanup_free_ char *msg = lv_last_error();
	_cleanup_free_ char *ctx = NULL;
	va_list ap;

	va_start(ap, fmt);
	ctx = xvasprintf(fmt, ap);
	va_end(ap);
	return bm_err_set(err, BM_ERR_INFRA, "%s: %s", ctx, msg);
}

/* ---------------------------------------------------------------------------------------------
 * Connections */

/* The root directory of an embedded URI ("qemu:///embed?root=DIR"), or NULL. Caller frees. */
static char *embed_root(const char *text)
{
	struct uri u;
	char *root = NULL;

	if (uri_parse(text, &u, NULL) < 0)
		return NULL;
	if (!strcmp(u.scheme, "qemu") && !u.host && !strcmp(u.path, "/embed"))
		uri_query_param(&u, "root", &root);
	uri_release(&u);
	return root;
}

/* Whether uri names this host (no server part), so paths in the spec can be checked here. */
static bool uri_is_local(const char *text)
{
	struct uri u;
	bool local;

	if (uri_parse(text, &u, NULL) < 0)
		return false;
	local = !u.host;
	uri_release(&u);
	return local;
}

/* The embedded driver reads <root>/etc/qemu.conf. Without virtlogd (no daemon) the console and
 * QEMU's log must be plain files. As root, libvirt would run QEMU as libvirt-qemu, chown the
 * kernel and log files to it, build a private /dev namespace and cgroups: none of that helps a
 * throwaway test guest, and each can fail in a container, so QEMU runs as root like the harness.
 * An existing file is left alone: it is the user's to edit. */
static int embed_root_prepare(const char *root, struct bm_err **err)
{
	_cleanup_free_ char *etc = xasprintf("%s/etc", root);
	_cleanup_free_ char *conf = xasprintf("%s/qemu.conf", etc);
	const char *text;

	if (path_exists(conf))
		return 0;
	if (mkdir_p(etc, err) < 0)
		return -1;
	if (geteuid() == 0)
		text = "# Written by bootmatrix for libvirt's embedded QEMU driver (docs/libvirt.md).\n"
		       "# Not rewritten while it exists.\n"
		       "stdio_handler = \"file\"\n"
		       "user = \"root\"\n"
		       "group = \"root\"\n"
		       "dynamic_ownership = 0\n"
		       "remember_owner = 0\n"
		       "security_driver = \"none\"\n"
		       "namespaces = []\n"
		       "cgroup_controllers = []\n";
	else
		text = "# Written by bootmatrix for libvirt's embedded QEMU driver (docs/libvirt.md).\n"
		       "# Not rewritten while it exists.\n"
		       "stdio_handler = \"file\"\n";
	return file_write_atomic(conf, text, strlen(text), err);
}

/* ---------------------------------------------------------------------------------------------
 * Embedded roots: one per process
 *
 * The embedded driver locks its root for one process, so each bootmatrix process gets its own,
 * <cache>/libvirt/<pid>, held by an exclusive lock (cache_lock: <cache>/libvirt/<pid>.lock) for
 * the life of the process. Roots whose lock nobody holds are a dead process's: the next one to
 * make its own root kills their QEMU guests (the dead process's reaper should have) and removes
 * them. The driver sees a short path: QEMU's monitor socket lives below it (ROOT_MAX); a root at
 * a longer path is reached through a symbolic link in a private directory under /tmp.
 * What is worth sharing is copied in: etc/qemu.conf (the user's to edit in <cache>/libvirt/etc)
 * and the probed QEMU capabilities (<cache>/libvirt/cache/qemu/capabilities), which a root that
 * probed anew copies back. */

/* A socket path holds 107 characters; libvirt puts QEMU's monitor at
 * ROOT/lib/qemu/domain-<id>-<20 characters of the name>/monitor.sock: 55 more with a 4-digit id. */
#define ROOT_MAX 52

static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static char *own_root;		/* made once, lives with the process */
static int own_fd = -1;		/* its lock, never closed */
static bool own_caps_synced;

/* The flag that makes libvirt read an x86 guest's CPU feature by feature (below). */
#define CAPS_CPU_FLAG "<flag name='cpu-unavailable-features'/>"

/* An x86 QEMU's capabilities made cheaper to start guests with: without CAPS_CPU_FLAG. With it,
 * libvirt 11 reads the guest CPU after every start (qemuProcessFetchGuestCPU) with one qom-get
 * per feature, 463 QMP commands, 0.25-0.3 s here while the guest waits; without it, as the CPUID
 * words of 'feature-words' and 'filtered-features' in 3 commands, its path for QEMUs without
 * that property. Nothing else a bootmatrix domain uses depends on the flag: the command line,
 * hence the guest's CPU, stays the same (docs/libvirt.md). Other arches are left alone: there
 * the flag decides whether the CPU is read at all. Changes text in place; returns its length. */
static size_t caps_drop_cpu_flag(char *text, size_t len)
{
	char *flag = strstr(text, CAPS_CPU_FLAG), *start, *end;

	if (!flag || (!strstr(text, "<arch>x86_64</arch>") && !strstr(text, "<arch>i686</arch>")))
		return len;
	for (start = flag; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(flag, '\n');
	end = end ? end + 1 : text + len;
	memmove(start, end, (size_t)(text + len - end) + 1);
	return len - (size_t)(end - start);
}

/* The *.xml files of from missing in to or different there, copied into to (each atomically);
 * into a root with caps_drop_cpu_flag applied, so that the shared ones keep what libvirt probed.
 * Best effort: a missing cache costs a probe, nothing else. */
static void caps_copy(const char *from, const char *to, bool into_root)
{
	_cleanup_strv_ char **names = dir_names(from, ".xml");

	if (!names[0] || mkdir_p(to, NULL) < 0)
		return;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *src = xasprintf("%s/%s.xml", from, names[i]);
		_cleanup_free_ char *dst = xasprintf("%s/%s.xml", to, names[i]);
		_cleanup_free_ char *a = NULL, *b = NULL;
		size_t la = 0, lb = 0;

		if (file_read(src, &a, &la, NULL) < 0)
			continue;
		if (into_root)
			la = caps_drop_cpu_flag(a, la);
		if (file_read(dst, &b, &lb, NULL) == 0) {
			/* back from a root: its copy lacks the flag, and is no new probe for that */
			if (!into_root)
				lb = caps_drop_cpu_flag(b, lb);
			if (la == lb && memcmp(a, b, la) == 0)
				continue;
		}
		file_write_atomic(dst, a, la, NULL);
	}
}

/* A root at a long path (a deep BOOTMATRIX_CACHE) is reached through a short one: a symbolic
 * link r in a directory of our own made with mkdtemp under /tmp (mode 0700, a name nobody could
 * have taken first). Its path is kept in ROOT/alias, so that whoever sweeps the root removes it
 * too. Returns the short path, or NULL with err set. */
static char *root_alias(const char *root, struct bm_err **err)
{
	char dir[] = "/tmp/bm-lv-XXXXXX";
	_cleanup_free_ char *note = xasprintf("%s/alias", root);
	char *link;

	if (!mkdtemp(dir)) {
		bm_err_errno(err, errno, "cannot make a short path for the libvirt root '%s' in /tmp",
			     root);
		return NULL;
	}
	link = xasprintf("%s/r", dir);
	if (symlink(root, link) < 0 || file_write_atomic(note, link, strlen(link), err) < 0) {
		if (!*err)
			bm_err_errno(err, errno, "cannot link '%s'", link);
		unlink(link);
		rmdir(dir);
		free(link);
		return NULL;
	}
	return link;
}

/* Remove a root's short path (root_alias), if it has one. */
static void root_alias_remove(const char *root)
{
	_cleanup_free_ char *note = xasprintf("%s/alias", root), *link = NULL;
	char *slash;

	if (file_read(note, &link, NULL, NULL) < 0 || !str_has_prefix(link, "/tmp/bm-lv-"))
		return;
	unlink(link);
	slash = strrchr(link, '/');
	*slash = '\0';
	rmdir(link);
}

/* Remove the roots under roots whose process is gone (their lock is free), their guests killed. */
static void roots_sweep(const char *roots, const char *mine)
{
	_cleanup_strv_ char **names = dir_names(roots, ".lock");

	for (size_t i = 0; names[i]; i++) {
		if (!names[i][0] || strspn(names[i], "0123456789") != strlen(names[i]))
			continue;	/* not a root's */
		_cleanup_free_ char *root = xasprintf("%s/%s", roots, names[i]);
		_cleanup_free_ char *pids = xasprintf("%s/run/qemu", root);
		_cleanup_free_ char *lock = xasprintf("%s.lock", root);
		_cleanup_close_ int fd = -1;

		if (strcmp(root, mine) == 0 || cache_trylock(root, CACHE_LOCK_EXCLUSIVE, &fd, NULL) != 0)
			continue;
		reaper_kill_pidfiles(pids);
		root_alias_remove(root);
		if (rm_rf(root, NULL) == 0)
			unlink(lock);
	}
}

/* This process's root, made on first use. */
static int own_root_get(char **ret_root, struct bm_err **err)
{
	_cleanup_free_ char *cache = NULL, *base = NULL, *roots = NULL, *root = NULL;
	_cleanup_free_ char *conf = NULL, *text = NULL, *caps = NULL, *mycaps = NULL, *myconf = NULL;
	_cleanup_free_ char *myetc = NULL;
	int fd = -1, r = -1;

	pthread_mutex_lock(&own_lock);
	if (own_root) {
		*ret_root = xstrdup(own_root);
		pthread_mutex_unlock(&own_lock);
		return 0;
	}
	cache = cache_dir();
	base = xasprintf("%s/libvirt", cache);
	roots = xstrdup(base);
	root = xasprintf("%s/%d", roots, (int)getpid());
	conf = xasprintf("%s/etc/qemu.conf", base);
	caps = xasprintf("%s/cache/qemu/capabilities", base);
	myetc = xasprintf("%s/etc", root);
	myconf = xasprintf("%s/qemu.conf", myetc);
	mycaps = xasprintf("%s/cache/qemu/capabilities", root);
	if (cache_lock(root, CACHE_LOCK_EXCLUSIVE, NULL, &fd, err) < 0)
		goto out;
	roots_sweep(roots, root);
	/* a dead process of the same pid left it */
	if (path_exists(root)) {
		_cleanup_free_ char *pids = xasprintf("%s/run/qemu", root);

		reaper_kill_pidfiles(pids);
		root_alias_remove(root);
		if (rm_rf(root, err) < 0)
			goto out;
	}
	if (embed_root_prepare(base, err) < 0 || file_read(conf, &text, NULL, err) < 0 ||
	    mkdir_p(myetc, err) < 0)
		goto out;
	if (file_write_atomic(myconf, text, strlen(text), err) < 0)
		goto out;
	caps_copy(caps, mycaps, true);
	/* a cache at a long path: the driver is given a short one that leads there */
	if (strlen(root) > ROOT_MAX) {
		char *alias = root_alias(root, err);

		if (!alias)
			goto out;
		free(root);
		root = alias;
	}
	own_root = xstrdup(root);
	own_fd = fd;
	fd = -1;
	*ret_root = xstrdup(root);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&own_lock);
	if (r < 0)
		bm_err_prefix(err, "making a libvirt root in '%s'", roots);
	return r;
}

/* After the first connect to our own root: what the driver probed, for the next processes. */
static void own_caps_publish(const char *root)
{
	_cleanup_free_ char *cache = NULL, *caps = NULL, *mycaps = NULL;

	pthread_mutex_lock(&own_lock);
	if (!own_caps_synced && own_root && strcmp(root, own_root) == 0) {
		own_caps_synced = true;
		cache = cache_dir();
		caps = xasprintf("%s/libvirt/cache/qemu/capabilities", cache);
		mycaps = xasprintf("%s/cache/qemu/capabilities", root);
		caps_copy(mycaps, caps, false);
	}
	pthread_mutex_unlock(&own_lock);
}

int boot_libvirt_default_uri(char **ret_uri, struct bm_err **err)
{
	_cleanup_free_ char *root = NULL;

	if (own_root_get(&root, err) < 0)
		return -1;
	*ret_uri = xasprintf("qemu:///embed?root=%s", root);
	return 0;
}

int boot_libvirt_pidfile_dir(const char *uri, char **ret_dir, struct bm_err **err)
{
	_cleanup_free_ char *root = NULL;

	if (!uri) {
		if (own_root_get(&root, err) < 0)
			return -1;
	} else {
		root = embed_root(uri);
	}
	*ret_dir = root ? xasprintf("%s/run/qemu", root) : NULL;
	return 0;
}

static pthread_mutex_t lv_connect_lock = PTHREAD_MUTEX_INITIALIZER;

/* Connect to uri (NULL: the default). *ret_uri gets the URI used (caller frees). */
static int lv_connect(const char *uri, virConnectPtr *ret_conn, char **ret_uri, struct bm_err **err)
{
	_cleanup_free_ char *u = NULL, *root = NULL, *msg = NULL;
	virConnectPtr conn;

	if (uri)
		u = xstrdup(uri);
	else if (boot_libvirt_default_uri(&u, err) < 0)
		return -1;
	root = embed_root(u);
	if (lv_init(err) < 0)
		return -1;
	if (root && embed_root_prepare(root, err) < 0)
		return bm_err_prefix(err, "preparing libvirt root '%s'", root);
	/* The first open of an embedded URI initializes the driver, and libvirt does not guard
	 * that against a second thread opening meanwhile (it crashes in the half-made driver):
	 * open one at a time. */
	pthread_mutex_lock(&lv_connect_lock);
	conn = virConnectOpen(u);
	if (!conn)
		msg = lv_last_error();
	pthread_mutex_unlock(&lv_connect_lock);
	if (!conn) {
		/* the embedded driver locks its root: one process at a time (ours have one each) */
		const char *hint = root && strstr(msg, "driver.pid")
					   ? " (another process uses this root: give each its own, or leave "
					     "the URI out)"
					   : "";

		return bm_err_set(err, BM_ERR_INFRA, "connecting to libvirt '%s': %s%s", u, msg, hint);
	}
	if (root)
		own_caps_publish(root);
	/* Notice a daemon going away (the embedded driver has none to lose). */
	if (!root && virConnectSetKeepAlive(conn, 5, 3) < 0)
		virResetLastError();
	*ret_conn = conn;
	if (ret_uri) {
		*ret_uri = u;
		u = NULL;
	}
	return 0;
}

int boot_libvirt_versions(const char *uri, char **ret_libvirt, char **ret_qemu, struct bm_err **err)
{
	_cleanup_free_ char *used = NULL;
	unsigned long lib = 0, hv = 0;
	virConnectPtr conn = NULL;
	int r;

	if (lv_connect(uri, &conn, &used, err) < 0)
		return -1;
	r = virGetVersion(&lib, NULL, NULL);
	if (r < 0)
		lv_err(err, "asking libvirt '%s' for its version", used);
	else if ((r = virConnectGetVersion(conn, &hv)) < 0)
		lv_err(err, "asking libvirt '%s' for the hypervisor version", used);
	virConnectClose(conn);
	if (r < 0)
		return -1;
	*ret_libvirt = xasprintf("%lu.%lu.%lu", lib / 1000000, lib / 1000 % 1000, lib % 1000);
	*ret_qemu = xasprintf("%lu.%lu.%lu", hv / 1000000, hv / 1000 % 1000, hv % 1000);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Following a running domain */

/* What the event thread learns about the domain. */
struct run_events {
	bool stopped;
	int stop_detail;	/* virDomainEventStoppedDetailType */
	bool panicked;		/* a crashed event: the pvpanic device fired */
	bool closed;		/* the connection dropped */
	int close_reason;	/* virConnectCloseReason */
};

/* Shared between the event thread and the thread running the boot. Reference-counted: libvirt
 * drops a callback's reference (its freecb) only once that callback can no longer run. */
struct run_state {
	atomic_int refs;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC; signalled on every change */
	char uuid[VIR_UUID_STRING_BUFLEN];	/* our domain's, set before it starts */
	struct run_events ev;
	pid_t qemu_pid;		/* the embedded driver's QEMU, adopted (proc.h); 0: not ours */
};

static struct run_state *run_state_new(const char *uuid)
{
	struct run_state *st = xcalloc(1, sizeof(*st));
	pthread_condattr_t ca;

	atomic_init(&st->refs, 1);
	pthread_mutex_init(&st->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->cond, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(st->uuid, sizeof(st->uuid), "%s", uuid);
	return st;
}

static struct run_state *run_state_ref(struct run_state *st)
{
	atomic_fetch_add(&st->refs, 1);
	return st;
}

static void run_state_unref(void *p)
{
	struct run_state *st = p;

	if (!st || atomic_fetch_sub(&st->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cond);
	free(st);
}

static struct run_events run_state_get(struct run_state *st)
{
	struct run_events ev;

	pthread_mutex_lock(&st->lock);
	ev = st->ev;
	pthread_mutex_unlock(&st->lock);
	return ev;
}

/* Runs in the event thread. Registered for all domains before ours starts, so that no event
 * can be missed; ours is told by the UUID we gave it (an old domain of the same name may still
 * have events queued). */
static int run_on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct run_state *st = opaque;
	char uuid[VIR_UUID_STRING_BUFLEN];

	(void)conn;
	if (virDomainGetUUIDString(dom, uuid) < 0 || strcmp(uuid, st->uuid) != 0)
		return 0;
	pthread_mutex_lock(&st->lock);
	if (event == VIR_DOMAIN_EVENT_STOPPED && !st->ev.stopped) {
		st->ev.stopped = true;
		st->ev.stop_detail = detail;
	} else if (event == VIR_DOMAIN_EVENT_CRASHED) {
		st->ev.panicked = true;
	}
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static void run_on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct run_state *st = opaque;

	(void)conn;
	pthread_mutex_lock(&st->lock);
	st->ev.closed = true;
	st->ev.close_reason = reason;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

/* QEMU's last own message in its log (embedded driver only: "<time> qemu-system-x86_64: msg"),
 * from the program name on, or NULL. */
static char *qemu_log_tail(const char *root, const char *name)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char *found = NULL, *save = NULL;

	if (!root)
		return NULL;
	path = xasprintf("%s/log/qemu/%s.log", root, name);
	if (file_read(path, &text, NULL, NULL) < 0)
		return NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *prog = strstr(line, "qemu-system-");

		/* timestamped lines only: the command line names the binary too */
		if (prog && line[0] >= '0' && line[0] <= '9')
			found = prog;
	}
	return found ? xstrdup(str_strip(found)) : NULL;
}

/* Destroy the domain unless it is gone already. Returns false, with libvirt's message in
 * *ret_msg, if it is still running afterwards. */
static bool domain_destroy(virDomainPtr dom, char **ret_msg)
{
	_cleanup_free_ char *msg = NULL;

	if (virDomainDestroy(dom) == 0)
		return true;
	msg = lv_last_error();
	if (virDomainIsActive(dom) == 1) {
		*ret_msg = msg;
		msg = NULL;
		return false;
	}
	virResetLastError();
	return true;
}

static const char *close_reason_name(int reason)
{
	switch (reason) {
	case VIR_CONNECT_CLOSE_REASON_ERROR: return "a read or write error";
	case VIR_CONNECT_CLOSE_REASON_EOF: return "end of file";
	case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "no keepalive answer";
	case VIR_CONNECT_CLOSE_REASON_CLIENT: return "closed by the client";
	default: return "unknown reason";
	}
}

/* The outcome once the guest is gone by itself (event: stopped or crashed). */
static void outcome_stopped(struct boot_outcome *o, const struct run_events *ev, enum boot_verdict v,
			    const struct boot_console *c, const char *root, const char *name)
{
	_cleanup_free_ char *tail = NULL;

	if (v == BOOT_PANIC) {
		o->status = BM_CRASH;
		o->detail = xstrdup(c->verdict_line);
	} else if (ev->panicked || (ev->stopped && ev->stop_detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED)) {
		o->status = BM_CRASH;
		o->detail = xstrdup("guest panicked (pvpanic)");
	} else if (v == BOOT_DONE) {
		o->status = BM_PASS;
	} else if (!ev->stopped) {
		o->status = BM_INFRA;
		o->detail = xstrdup("domain vanished without a lifecycle event");
	} else if (ev->stop_detail == VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN) {
		o->status = BM_PASS;
		o->detail = xstrdup("guest stopped by itself");
	} else if (ev->stop_detail == VIR_DOMAIN_EVENT_STOPPED_FAILED) {
		o->status = BM_INFRA;
		tail = qemu_log_tail(root, name);
		o->detail = tail ? xasprintf("QEMU exited unexpectedly: %s", tail)
				 : xstrdup("QEMU exited unexpectedly, without a message");
	} else if (ev->stop_detail == VIR_DOMAIN_EVENT_STOPPED_DESTROYED) {
		o->status = BM_INFRA;
		o->detail = xstrdup("domain destroyed by someone else");
	} else {
		o->status = BM_INFRA;
		o->detail = xasprintf("domain stopped (libvirt stop reason %d)", ev->stop_detail);
	}
}

static void timespec_at(struct timespec *ts, double mono)
{
	ts->tv_sec = (time_t)mono;
	ts->tv_nsec = (long)((mono - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Follow the running domain until it ends one way or another; on return QEMU is gone (the
 * domain destroyed, or its adopted QEMU reaped). */
static void run_follow(virDomainPtr dom, struct run_state *st, const struct boot_spec *spec, const char *root,
		       boot_line_fn on_line, void *data, double t0, struct boot_outcome *o)
{
	struct boot_console c;
	double deadline = t0 + spec->timeout, next_check = t0 + 1.0, gone_since = 0;
	double interval = spec->console_read ? POLL_INTERVAL_REMOTE : POLL_INTERVAL;
	_cleanup_free_ char *destroy_msg = NULL;
	bool gone = false;
	enum boot_verdict v;

	boot_console_init(&c, spec);
	for (;;) {
		struct run_events ev = run_state_get(st);
		struct timespec ts;
		double now;

		if (ev.stopped || ev.panicked || ev.closed) {
			/* QEMU is gone, or going (a panic, a lost connection): make sure, then read
			 * the rest */
			gone = ev.stopped || domain_destroy(dom, &destroy_msg);
			v = boot_console_poll(&c, true, on_line, data);
			if (ev.closed && !ev.stopped && !ev.panicked && v == BOOT_CONTINUE) {
				o->status = BM_INFRA;
				o->detail = xasprintf("connection to libvirt closed (%s)",
						      close_reason_name(ev.close_reason));
			} else {
				outcome_stopped(o, &ev, v, &c, root, spec->name);
			}
			break;
		}
		v = boot_console_poll(&c, false, on_line, data);
		if (v == BOOT_CONTINUE && c.read_error) {
			o->status = BM_INFRA;
			o->detail = xasprintf("console on the host: %s", c.read_error);
			break;
		}
		if (v == BOOT_DONE) {
			o->status = BM_PASS;
			break;
		}
		if (v == BOOT_PANIC) {
			o->status = BM_CRASH;
			o->detail = xstrdup(c.verdict_line);
			break;
		}
		now = now_mono();
		if (proc_interrupted()) {
			o->status = BM_INFRA;
			o->detail = xstrdup("interrupted");
			break;
		}
		if (now >= deadline) {
			o->status = BM_TIMEOUT;
			o->detail = xasprintf("no result after %g s", spec->timeout);
			break;
		}
		if (now >= next_check) {
			/* A safety net for a lost event: the domain is gone and stays unexplained. */
			next_check = now + 1.0;
			if (virDomainIsActive(dom) != 1) {
				virResetLastError();
				if (gone_since == 0) {
					gone_since = now;
				} else if (now - gone_since > 2.0) {
					gone = true;
					v = boot_console_poll(&c, true, on_line, data);
					outcome_stopped(o, &ev, v, &c, root, spec->name);
					break;
				}
			}
		}
		timespec_at(&ts, now + interval < deadline ? now + interval : deadline);
		pthread_mutex_lock(&st->lock);
		if (!st->ev.stopped && !st->ev.panicked && !st->ev.closed)
			pthread_cond_timedwait(&st->cond, &st->lock, &ts);
		pthread_mutex_unlock(&st->lock);
	}
	o->seconds = now_mono() - t0;
	/* The embedded driver's QEMU, stopped and reaped here, is gone: the driver, woken by its
	 * monitor's end, removes the domain in a thread of its own. A destroy would wait for that,
	 * and that waits 200 ms whenever it looked for QEMU before it was reaped (libvirt polls). */
	if (!gone && !destroy_msg && st->qemu_pid)
		gone = proc_adopted_stop(st->qemu_pid, 1.0);
	if (!gone && !destroy_msg)
		gone = domain_destroy(dom, &destroy_msg);
	if (!gone) {
		free(o->detail);
		o->status = BM_INFRA;
		o->detail = xasprintf("cannot destroy domain '%s': %s", spec->name, destroy_msg);
	}
	boot_console_release(&c);
}

/* A transient domain of the same name left by an earlier run that died (the embedded driver
 * reattaches to its QEMU on start): names are unique per job, so it is ours to remove. Listed
 * rather than looked up, which would log an error when there is none. */
static void domain_remove_stale(virConnectPtr conn, const char *name)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE |
							      VIR_CONNECT_LIST_DOMAINS_TRANSIENT);

	if (n < 0) {
		virResetLastError();
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *dname = virDomainGetName(doms[i]);

		if (dname && strcmp(dname, name) == 0 && virDomainDestroy(doms[i]) < 0)
			virResetLastError();
		virDomainFree(doms[i]);
	}
	free(doms);
}

/* Paths the spec names must exist here when libvirt runs here. */
static int spec_check_files(const struct boot_spec *spec, struct bm_err **err)
{
	if (access(spec->emulator, X_OK) < 0)
		return bm_err_errno(err, errno, "emulator '%s'", spec->emulator);
	if (access(spec->kernel, R_OK) < 0)
		return bm_err_errno(err, errno, "kernel '%s'", spec->kernel);
	if (spec->initrd && access(spec->initrd, R_OK) < 0)
		return bm_err_errno(err, errno, "initrd '%s'", spec->initrd);
	if (spec->firmware && access(spec->firmware, R_OK) < 0)
		return bm_err_errno(err, errno, "firmware '%s'", spec->firmware);
	return 0;
}

/* A random (version 4) UUID as libvirt writes them. */
static int uuid_generate(char ret[VIR_UUID_STRING_BUFLEN], struct bm_err **err)
{
	unsigned char u[16];

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return bm_err_errno(err, errno, "cannot get random bytes for a domain UUID");
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(ret, VIR_UUID_STRING_BUFLEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
	return 0;
}

/* path made absolute against the working directory (libvirt wants absolute paths; the embedded
 * driver shares our directory, a daemon would not). NULL stays NULL. */
static char *path_absolute(const char *path)
{
	_cleanup_free_ char *cwd = NULL;

	if (!path || path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return xstrdup(path);	/* spec_check rejects it */
	return xasprintf("%s/%s", cwd, path);
}

int boot_libvirt_run(const char *uri, const struct boot_spec *in, boot_line_fn on_line, void *data,
		     struct boot_outcome *ret, struct bm_err **err)
{
	_cleanup_free_ char *emulator = path_absolute(in->emulator), *kernel = path_absolute(in->kernel);
	_cleanup_free_ char *initrd = path_absolute(in->initrd), *firmware = path_absolute(in->firmware);
	_cleanup_free_ char *console_log = path_absolute(in->console_log);
	struct boot_spec abs = *in;
	const struct boot_spec *spec = &abs;
	_cleanup_free_ char *xml = NULL, *used = NULL, *root = NULL;
	char uuid[VIR_UUID_STRING_BUFLEN];
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	struct run_state *st = NULL;
	struct boot_outcome o = { 0 };
	int cb_id = -1, r = -1;
	bool close_cb = false;
	double t0;

	abs.emulator = emulator;
	abs.kernel = kernel;
	abs.initrd = initrd;
	abs.firmware = firmware;
	abs.console_log = console_log;
	if (uuid_generate(uuid, err) < 0 || domain_xml_build(spec, uuid, &xml, err) < 0)
		return -1;
	if (!(spec->timeout > 0))
		return bm_err_set(err, BM_ERR_INPUT, "boot spec for '%s' has no timeout", spec->name);
	if (lv_connect(uri, &conn, &used, err) < 0)
		return -1;
	root = embed_root(used);
	if (uri_is_local(used) && spec_check_files(spec, err) < 0)
		goto out;
	domain_remove_stale(conn, spec->name);

	st = run_state_new(uuid);
	cb_id = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						 VIR_DOMAIN_EVENT_CALLBACK(run_on_lifecycle),
						 run_state_ref(st), run_state_unref);
	if (cb_id < 0) {
		run_state_unref(st);
		lv_err(err, "watching domain events on '%s'", used);
		goto out;
	}
	/* The embedded driver has no connection to lose, and would accept a close callback
	 * without ever releasing it. */
	if (!root) {
		if (virConnectRegisterCloseCallback(conn, run_on_close, run_state_ref(st), run_state_unref) == 0) {
			close_cb = true;
		} else {
			run_state_unref(st);
			virResetLastError();
		}
	}

	{
		const char *stale = spec->console_read ? spec->console_copy : spec->console_log;

		if (unlink(stale) < 0 && errno != ENOENT) {
			bm_err_errno(err, errno, "cannot remove old console log '%s'", stale);
			goto out;
		}
	}
	/* The embedded driver's QEMU is a daemon: adopted, it is reaped the moment it exits
	 * (proc.h), and destroying the domain does not wait on a slow init. */
	if (root)
		proc_adopt_orphans();
	t0 = now_mono();
	/* Through a daemon, the domain dies with our connection: a harness killed or a host
	 * unreachable mid-boot leaves no guest running there. */
	dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_VALIDATE |
					    (root ? 0 : VIR_DOMAIN_START_AUTODESTROY));
	if (!dom) {
		lv_err(err, "starting domain '%s'", spec->name);
		goto out;
	}
	if (root) {
		_cleanup_free_ char *pidfile = xasprintf("%s/run/qemu/%s.pid", root, spec->name);

		if (proc_reap_pidfile(pidfile, &st->qemu_pid) < 0)
			st->qemu_pid = 0;
	}
	run_follow(dom, st, spec, root, on_line, data, t0, &o);
	*ret = o;
	r = 0;
out:
	if (dom)
		virDomainFree(dom);	/* run_follow ended it */
	if (cb_id >= 0 && virConnectDomainEventDeregisterAny(conn, cb_id) < 0)
		virResetLastError();
	if (close_cb && virConnectUnregisterCloseCallback(conn, run_on_close) < 0)
		virResetLastError();
	run_state_unref(st);
	virConnectClose(conn);
	return r;
}

static char *lv_machine(const struct boot_spec *spec)
{
	return xasprintf("%s (%s)", spec->machine, spec->kvm ? "kvm" : "tcg");
}

const struct boot_backend boot_libvirt_backend = {
	.name = "libvirt",
	.caps = BOOT_CAP_REMOTE | BOOT_CAP_LIBVIRT | BOOT_CAP_EMULATOR,
	.machine = lv_machine,
	.run = boot_libvirt_run,
	.versions = boot_libvirt_versions,
};
