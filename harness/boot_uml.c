/* The UML boot backend: the argv, the sandbox it runs in, the process with its deadline, the
 * console, panics. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_uml.h"
#include "err.h"
#include "proc.h"
#include "util.h"

char **boot_uml_argv(const struct boot_spec *spec)
{
	_cleanup_free_ char *cmdline = xstrdup(spec->cmdline ? spec->cmdline : "");
	char **v = NULL, *tok, *save = NULL;

	strv_push(&v, spec->kernel);
	if (spec->memory_mib)
		strv_pushf(&v, "mem=%uM", spec->memory_mib);
	/* before the command line's words, which may end with init's own arguments */
	if (spec->initrd)
		strv_pushf(&v, "initrd=%s", spec->initrd);
	for (tok = strtok_r(cmdline, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strv_push(&v, tok);
	return v;
}

char **boot_uml_sandbox_argv(const struct boot_spec *spec, const char *home)
{
	_cleanup_strv_ char **uml = boot_uml_argv(spec);
	char **v = NULL;

	strv_push(&v, "bwrap");
	/* an unprivileged user of its own namespace, no network, IPC or UTS of the host */
	strv_push(&v, "--unshare-user");
	strv_push(&v, "--uid");
	strv_push(&v, "65534");
	strv_push(&v, "--gid");
	strv_push(&v, "65534");
	strv_push(&v, "--unshare-pid");
	strv_push(&v, "--unshare-net");
	strv_push(&v, "--unshare-ipc");
	strv_push(&v, "--unshare-uts");
	strv_push(&v, "--die-with-parent");
	strv_push(&v, "--cap-drop");
	strv_push(&v, "ALL");
	/* nothing of the host's file system but the kernel (statically linked: arch-um.config),
	 * its initramfs, and its own directory for ~/.uml and the memory file */
	strv_push(&v, "--tmpfs");
	strv_push(&v, "/");
	strv_push(&v, "--proc");
	strv_push(&v, "/proc");
	strv_push(&v, "--dev");
	strv_push(&v, "/dev");
	strv_push(&v, "--tmpfs");
	strv_push(&v, "/tmp");
	strv_push(&v, "--ro-bind");
	strv_push(&v, spec->kernel);
	strv_push(&v, spec->kernel);
	if (spec->initrd) {
		strv_push(&v, "--ro-bind");
		strv_push(&v, spec->initrd);
		strv_push(&v, spec->initrd);
	}
	strv_push(&v, "--bind");
	strv_push(&v, home);
	strv_push(&v, home);
	/* the sandbox's own root read-only too: home (and /tmp) are the only writable places */
	strv_push(&v, "--remount-ro");
	strv_push(&v, "/");
	strv_push(&v, "--chdir");
	strv_push(&v, home);
	strv_push(&v, "--");
	strv_push_all(&v, uml);
	return v;
}

/* Splits the process's output into lines for the watcher. */
struct uml_watch {
	boot_line_fn on_line;
	void *data;
	char *partial;
	size_t len;
	enum boot_verdict verdict;
	char *panic_line;
	char *host_failure;	/* UML itself could not run on this host: infra, not a kernel result */
};

static int uml_line(struct uml_watch *w, const char *line, size_t len)
{
	_cleanup_free_ char *s = xstrndup(line, len);

	if (len && s[len - 1] == '\r')
		s[len - 1] = '\0';
	/* The ptrace stub that runs UML's user space failed: the host cannot run UML processes
	 * (seen on a 6.18 host with a 6.12 UML), whatever the kernel under test does. */
	if (!w->host_failure && strstr(s, "wait_stub_done"))
		w->host_failure = xasprintf("UML cannot run user space on this host: %s", s);
	w->verdict = w->on_line(s, w->data);
	if (w->verdict == BOOT_PANIC)
		w->panic_line = xstrdup(s);
	return w->verdict != BOOT_CONTINUE;
}

static int uml_output(const char *buf, size_t len, void *data)
{
	struct uml_watch *w = data;

	w->partial = xrealloc(w->partial, w->len + len + 1);
	memcpy(w->partial + w->len, buf, len);
	w->len += len;
	for (;;) {
		char *nl = memchr(w->partial, '\n', w->len);
		size_t n;

		if (!nl)
			break;
		n = (size_t)(nl - w->partial);
		if (uml_line(w, w->partial, n))
			return 1;
		memmove(w->partial, nl + 1, w->len - n - 1);
		w->len -= n + 1;
	}
	return 0;
}

int boot_uml_run(const struct boot_spec *spec, boot_line_fn on_line, void *data,
		 struct boot_outcome *ret, struct bm_err **err)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_strv_ char **env = NULL;
	_cleanup_free_ char *home = NULL, *dir = xstrdup(spec->console_log);
	_cleanup_close_ int fd = -1;
	struct uml_watch w = { .on_line = on_line, .data = data };
	struct proc_spec ps = { .stdin_fd = -1, .timeout = spec->timeout, .on_output = uml_output,
				.data = &w };
	struct boot_outcome o = { 0 };
	struct proc_result r;
	char *slash;

	if (access(spec->kernel, X_OK) < 0)
		return bm_err_errno(err, errno, "UML kernel '%s'", spec->kernel);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	home = xasprintf("%s/uml-home", slash ? dir : ".");
	if (rm_rf(home, err) < 0 || mkdir_p(home, err) < 0)
		return -1;
	/* The kernel under test is untrusted: it runs sandboxed (docs/security.md), where only
	 * absolute paths mean the same as here. */
	{
		_cleanup_free_ char *kernel = realpath(spec->kernel, NULL);
		_cleanup_free_ char *initrd = spec->initrd ? realpath(spec->initrd, NULL) : NULL;
		_cleanup_free_ char *home_abs = realpath(home, NULL);
		struct boot_spec abs = *spec;

		if (!kernel || (spec->initrd && !initrd) || !home_abs)
			return bm_err_errno(err, errno, "UML kernel '%s' or its files", spec->kernel);
		abs.kernel = kernel;
		abs.initrd = initrd;
		argv = boot_uml_sandbox_argv(&abs, home_abs);
		strv_pushf(&env, "HOME=%s", home_abs);
		/* UML maps its memory from a file in TMPDIR; keep it beside the job, not in a
		 * small /tmp. */
		strv_pushf(&env, "TMPDIR=%s", home_abs);
	}
	ps.env = env;
	ps.argv = argv;
	fd = open(spec->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return bm_err_errno(err, errno, "cannot create '%s'", spec->console_log);
	ps.out_fd = fd;
	if (proc_run(&ps, &r, err) < 0)
		return -1;
	if (w.len && !r.stopped)
		uml_line(&w, w.partial, w.len);
	o.seconds = r.seconds;
	if (w.host_failure) {
		o.status = BM_INFRA;
		o.infra = BOOT_INFRA_NO_USER_SPACE;
		o.detail = w.host_failure;
		w.host_failure = NULL;
	} else if (w.verdict == BOOT_PANIC) {
		o.status = BM_CRASH;
		o.detail = w.panic_line;
		w.panic_line = NULL;
	} else if (r.timed_out) {
		o.status = BM_TIMEOUT;
		o.detail = xasprintf("no end after %.0f s", spec->timeout);
	} else if (r.interrupted) {
		o.status = BM_INFRA;
		o.detail = xstrdup("interrupted");
	} else if (r.stopped || (!r.signal && r.exit_code == 0)) {
		o.status = BM_PASS;
	} else {
		o.status = BM_CRASH;
		o.detail = proc_result_describe(&r, spec->timeout);
	}
	free(w.partial);
	free(w.panic_line);
	free(w.host_failure);
	rm_rf(home, NULL);
	*ret = o;
	return 0;
}

static char *uml_machine(const struct boot_spec *spec)
{
	(void)spec;
	return xstrdup("um");
}

static int uml_run(const char *uri, const struct boot_spec *spec, boot_line_fn on_line, void *data,
		   struct boot_outcome *ret, struct bm_err **err)
{
	(void)uri;
	return boot_uml_run(spec, on_line, data, ret, err);
}

const struct boot_backend boot_uml_backend = {
	.name = "uml",
	.caps = 0,
	.machine = uml_machine,
	.run = uml_run,
};
