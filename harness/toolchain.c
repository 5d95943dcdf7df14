#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "cache.h"
#include "err.h"
#include "proc.h"
#include "toolchain.h"
#include "util.h"

#define DEBOOTSTRAP_TIMEOUT (45 * 60)

void toolchain_free(struct toolchain *tc)
{
	if (!tc)
		return;
	free(tc->name);
	free(tc->recipe_path);
	free(tc->recipe_hash);
	free(tc->suite);
	strv_free(tc->packages);
	strv_free(tc->guest_packages);
	strv_free(tc->guest_arches);
	free(tc->dir);
	free(tc->root);
	free(tc);
}

void toolchain_freep(struct toolchain **tc)
{
	toolchain_free(*tc);
	*tc = NULL;
}

static const char *const recipe_keys[] = { "suite", "packages", "guest", NULL };
static const char *const guest_keys[] = { "packages", "arches", NULL };

#define GUEST_DEBS "/var/lib/bootmatrix/guest"

int toolchain_load(const char *datadir, const char *cache, const char *name,
		   struct toolchain **ret, struct bm_err **err)
{
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	_cleanup_(conf_doc_freep) struct conf_doc *d = NULL;
	_cleanup_free_ char *dir = xasprintf("%s/images/toolchains", datadir);
	_cleanup_strv_ char **known = dir_names(dir, ".yaml");
	_cleanup_free_ char *text = NULL;
	char hash[65];
	size_t len;

	if (!strv_contains(known, name) || strchr(name, '/')) {
		_cleanup_free_ char *list = strv_join(known, ", ");

		return bm_err_set(err, BM_ERR_INPUT, "unknown toolchain '%s' (known: %s)", name, list);
	}
	tc = xcalloc(1, sizeof(*tc));
	tc->name = xstrdup(name);
	tc->recipe_path = xasprintf("%s/%s.yaml", dir, name);
	if (file_read(tc->recipe_path, &text, &len, err) < 0 ||
	    conf_load_string(tc->recipe_path, text, &d, err) < 0 ||
	    conf_map_check(d, d->root, "toolchain recipe", recipe_keys, err) < 0 ||
	    conf_get_string(d, d->root, "suite", true, &tc->suite, err) < 0 ||
	    conf_get_strv(d, d->root, "packages", true, &tc->packages, err) < 0)
		return -1;
	if (conf_map_get(d->root, "guest")) {
		const struct conf_node *g = conf_map_get(d->root, "guest");

		if (conf_map_check(d, g, "guest", guest_keys, err) < 0 ||
		    conf_get_strv(d, g, "packages", true, &tc->guest_packages, err) < 0 ||
		    conf_get_strv(d, g, "arches", true, &tc->guest_arches, err) < 0)
			return -1;
	}
	sha256_hex(text, len, hash);
	tc->recipe_hash = xstrdup(hash);
	tc->dir = xasprintf("%s/toolchains/%s", cache, name);
	tc->root = xasprintf("%s/root", tc->dir);
	*ret = tc;
	tc = NULL;
	return 0;
}

bool toolchain_ready(const struct toolchain *tc)
{
	_cleanup_free_ char *stamp_path = xasprintf("%s/stamp", tc->dir);
	_cleanup_free_ char *stamp = NULL;

	if (file_read(stamp_path, &stamp, NULL, NULL) < 0)
		return false;
	return strcmp(str_strip(stamp), tc->recipe_hash) == 0 && path_is_dir(tc->root);
}

int host_debian_mirror(char **ret, struct bm_err **err)
{
	char *const argv[] = { (char *)"apt-get", (char *)"indextargets", (char *)"--format",
			       (char *)"$(REPO_URI) $(RELEASE)", NULL };
	_cleanup_free_ char *out = NULL;
	char *line, *save = NULL;

	if (proc_output(argv, NULL, 60, &out, err) < 0)
		return bm_err_prefix(err, "reading the host's apt configuration");
	/* The mirror that serves the host's own release, not its security archive. */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || strstr(line, "security") || strchr(sp + 1, '-'))
			continue;
		*sp = '\0';
		*ret = xstrdup(line);
		return 0;
	}
	return bm_err_set(err, BM_ERR_SYSTEM, "no Debian mirror in the host's apt configuration");
}

static char **root_command(const char *root, bool writable, const struct tc_bind *binds,
			   size_t n_binds, const char *cwd, char *const *env, char *const *argv)
{
	char **v = NULL;

	strv_push(&v, "bwrap");
	strv_push(&v, writable ? "--bind" : "--ro-bind");
	strv_push(&v, root);
	strv_push(&v, "/");
	for (size_t i = 0; i < n_binds; i++) {
		strv_push(&v, binds[i].ro ? "--ro-bind" : "--bind");
		strv_push(&v, binds[i].host);
		strv_push(&v, binds[i].guest);
	}
	strv_push(&v, "--proc");
	strv_push(&v, "/proc");
	strv_push(&v, "--dev");
	strv_push(&v, "/dev");
	/* Setup commands keep the root's own /tmp: apt's unprivileged helpers need to write there. */
	if (!writable) {
		strv_push(&v, "--tmpfs");
		strv_push(&v, "/tmp");
	}
	strv_push(&v, "--die-with-parent");
	strv_push(&v, "--unshare-pid");
	/* What runs in a read-only root is a build of an untrusted kernel tree (docs/security.md):
	 * no network (downloads happen before, outside), no capabilities (root's files are then
	 * writable only where they are its own and bound writable: the build directory), no IPC
	 * or terminal of the host. Setup commands (apt in a writable root) need the network. */
	if (!writable) {
		strv_push(&v, "--unshare-net");
		strv_push(&v, "--unshare-ipc");
		strv_push(&v, "--unshare-uts");
		strv_push(&v, "--new-session");
		strv_push(&v, "--cap-drop");
		strv_push(&v, "ALL");
	}
	strv_push(&v, "--setenv");
	strv_push(&v, "HOME");
	strv_push(&v, "/tmp");
	strv_push(&v, "--setenv");
	strv_push(&v, "PATH");
	strv_push(&v, "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');

		if (!eq)
			continue;
		strv_push(&v, "--setenv");
		strv_pushf(&v, "%.*s", (int)(eq - env[i]), env[i]);
		strv_push(&v, eq + 1);
	}
	if (cwd) {
		strv_push(&v, "--chdir");
		strv_push(&v, cwd);
	}
	strv_push(&v, "--");
	strv_push_all(&v, argv);
	return v;
}

char **toolchain_command(const struct toolchain *tc, const struct tc_bind *binds, size_t n_binds,
			 const char *cwd, char *const *env, char *const *argv)
{
	return root_command(tc->root, false, binds, n_binds, cwd, env, argv);
}

char *toolchain_guest_debs(const struct toolchain *tc, const char *debian_arch)
{
	for (size_t i = 0; tc->guest_arches && tc->guest_arches[i]; i++) {
		const char *a = tc->guest_arches[i];
		size_t n = strcspn(a, ":");

		if (strlen(debian_arch) == n && strncmp(a, debian_arch, n) == 0)
			return xasprintf("%s%s/%s", tc->root, GUEST_DEBS, debian_arch);
	}
	return NULL;
}

/* Run a setup command in the (still writable) new root, logging to fd. */
static int setup_run(const char *root, int logfd, char *const *argv, const char *cwd,
		     struct bm_err **err)
{
	char *const env[] = { (char *)"DEBIAN_FRONTEND=noninteractive", NULL };
	_cleanup_strv_ char **cmd = root_command(root, true, NULL, 0, cwd, env, argv);
	_cleanup_free_ char *shown = strv_join(argv, " ");
	struct proc_spec spec = { .argv = cmd, .stdin_fd = -1, .out_fd = logfd, .timeout = 30 * 60 };
	struct proc_result r;

	dprintf(logfd, "$ %s\n", shown);
	if (proc_run(&spec, &r, err) < 0)
		return -1;
	if (!proc_result_ok(&r)) {
		_cleanup_free_ char *how = proc_result_describe(&r, spec.timeout);

		return bm_err_set(err, BM_ERR_INFRA, "'%s' failed (%s)", shown, how);
	}
	return 0;
}

/* Fetch the guest packages for every guest arch into GUEST_DEBS/ARCH inside the root, with
 * apt pointed at the suites those arches live in (loong64 is only in sid). */
static int guest_fetch(const struct toolchain *tc, const char *root, const char *mirror, int logfd,
		       struct bm_err **err)
{
	_cleanup_free_ char *sources = NULL, *same = NULL, *path = NULL, *list = NULL;
	_cleanup_strv_ char **native = NULL;
	/* sid's Release may be past its Valid-Until on a mirror. */
	char *const update[] = { (char *)"apt-get", (char *)"-q", (char *)"-o",
				 (char *)"Acquire::Check-Valid-Until=false", (char *)"-o",
				 (char *)"APT::Sandbox::User=root", (char *)"update", NULL };

	/* The root's own arch must stay in its suite's entry. */
	strv_push(&native, "amd64");
	for (size_t i = 0; tc->guest_arches[i]; i++) {
		const char *a = tc->guest_arches[i];

		if (!strchr(a, ':') && !strv_contains(native, a))
			strv_push(&native, a);
	}
	same = strv_join(native, " ");
	sources = xasprintf("Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nArchitectures: %s\n"
			    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
			    mirror, tc->suite, same);
	for (size_t i = 0; tc->guest_arches[i]; i++) {
		const char *colon = strchr(tc->guest_arches[i], ':');
		char *next;

		if (!colon)
			continue;
		next = xasprintf("%s\nTypes: deb\nURIs: %s\nSuites: %s\nComponents: main\n"
				 "Architectures: %.*s\n"
				 "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
				 sources, mirror, colon + 1, (int)(colon - tc->guest_arches[i]),
				 tc->guest_arches[i]);
		free(sources);
		sources = next;
	}
	path = xasprintf("%s/etc/apt/sources.list", root);
	unlink(path);
	free(path);
	path = xasprintf("%s/etc/apt/sources.list.d/debian.sources", root);
	if (file_write_atomic(path, sources, strlen(sources), err) < 0)
		return -1;
	for (size_t i = 0; tc->guest_arches[i]; i++) {
		_cleanup_free_ char *arch = xstrndup(tc->guest_arches[i], strcspn(tc->guest_arches[i], ":"));
		char *const add[] = { (char *)"dpkg", (char *)"--add-architecture", arch, NULL };

		if (strcmp(arch, "amd64") != 0 && setup_run(root, logfd, add, NULL, err) < 0)
			return -1;
	}
	if (setup_run(root, logfd, update, NULL, err) < 0)
		return -1;
	for (size_t i = 0; tc->guest_arches[i]; i++) {
		_cleanup_free_ char *arch = xstrndup(tc->guest_arches[i], strcspn(tc->guest_arches[i], ":"));
		_cleanup_free_ char *dir = xasprintf("%s%s/%s", root, GUEST_DEBS, arch);
		_cleanup_free_ char *cwd = xasprintf("%s/%s", GUEST_DEBS, arch);
		_cleanup_strv_ char **argv = NULL;

		if (mkdir_p(dir, err) < 0)
			return -1;
		strv_push(&argv, "apt-get");
		strv_push(&argv, "-q");
		strv_push(&argv, "-o");
		strv_push(&argv, "APT::Sandbox::User=root");
		strv_push(&argv, "download");
		for (size_t j = 0; tc->guest_packages[j]; j++)
			strv_pushf(&argv, "%s:%s", tc->guest_packages[j], arch);
		if (setup_run(root, logfd, argv, cwd, err) < 0)
			return -1;
	}
	return 0;
}

/* First line of a tool's version output inside the root, or NULL when it is not there. */
static char *tool_version(const struct toolchain *tc, const char *tool, const char *flag)
{
	char *const argv[] = { (char *)tool, (char *)flag, NULL };
	_cleanup_strv_ char **cmd = toolchain_command(tc, NULL, 0, NULL, NULL, argv);
	_cleanup_free_ char *out = NULL;
	char *nl;

	if (proc_output(cmd, NULL, 60, &out, NULL) < 0)
		return NULL;
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	return xstrdup(str_strip(out));
}

static const struct {
	const char *key, *tool, *flag;
} manifest_tools[] = {
	{ "rustc", "rustc", "-V" },
	{ "bindgen", "bindgen", "--version" },
	{ "clang", "clang", "--version" },
	{ "lld", "ld.lld", "--version" },
	{ "gcc", "gcc", "--version" },
	{ "gcc-aarch64", "aarch64-linux-gnu-gcc", "--version" },
	{ "gcc-riscv64", "riscv64-linux-gnu-gcc", "--version" },
	{ "gcc-loongarch64", "loongarch64-linux-gnu-gcc", "--version" },
};

static int manifest_write(const struct toolchain *tc, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/manifest", tc->dir);
	char *text = xasprintf("suite: %s\n", tc->suite);
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(manifest_tools); i++) {
		_cleanup_free_ char *v = tool_version(tc, manifest_tools[i].tool, manifest_tools[i].flag);
		char *next;

		if (!v)
			continue;
		next = xasprintf("%s%s: %s\n", text, manifest_tools[i].key, v);
		free(text);
		text = next;
	}
	r = file_write_atomic(path, text, strlen(text), err);
	free(text);
	return r;
}

int toolchain_manifest(const struct toolchain *tc, char **ret, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/manifest", tc->dir);

	if (!toolchain_ready(tc))
		return bm_err_set(err, BM_ERR_INPUT,
				  "toolchain '%s' is not created (run 'bootmatrix toolchain create %s')",
				  tc->name, tc->name);
	if (!path_exists(path) && manifest_write(tc, err) < 0)
		return -1;
	return file_read(path, ret, NULL, err);
}

int toolchain_create(const struct toolchain *tc, void (*progress)(const char *msg),
		     struct bm_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/root.tmp", tc->dir);
	_cleanup_free_ char *logpath = xasprintf("%s/create.log", tc->dir);
	_cleanup_free_ char *stamp = xasprintf("%s/stamp", tc->dir);
	_cleanup_free_ char *mirror = NULL, *include = NULL, *how = NULL, *msg = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_close_ int logfd = -1;
	struct proc_spec spec = { .stdin_fd = -1 };
	struct proc_result r;
	static const char *const dirs[] = { TC_SRC, TC_OUT, TC_CFG };

	if (toolchain_ready(tc)) {
		cache_mark_used(tc->dir);
		return 0;
	}
	if (geteuid() != 0)
		return bm_err_set(err, BM_ERR_SYSTEM, "creating toolchain '%s' needs root (debootstrap)",
				  tc->name);
	if (host_debian_mirror(&mirror, err) < 0 || mkdir_p(tc->dir, err) < 0 || rm_rf(tmp, err) < 0)
		return -1;
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return bm_err_errno(err, errno, "cannot create '%s'", logpath);
	include = strv_join(tc->packages, ",");
	strv_push(&argv, "debootstrap");
	strv_push(&argv, "--variant=minbase");
	strv_push(&argv, "--components=main");
	strv_pushf(&argv, "--include=%s", include);
	strv_push(&argv, tc->suite);
	strv_push(&argv, tmp);
	strv_push(&argv, mirror);
	msg = xasprintf("toolchain %s: debootstrap %s from %s (log: %s)", tc->name, tc->suite,
			mirror, logpath);
	if (progress)
		progress(msg);
	spec.argv = argv;
	spec.out_fd = logfd;
	spec.timeout = DEBOOTSTRAP_TIMEOUT;
	if (proc_run(&spec, &r, err) < 0)
		return -1;
	if (!proc_result_ok(&r)) {
		how = proc_result_describe(&r, spec.timeout);
		return bm_err_set(err, BM_ERR_INFRA, "debootstrap of toolchain '%s' failed (%s), see '%s'",
				  tc->name, how, logpath);
	}
	if (tc->guest_packages && guest_fetch(tc, tmp, mirror, logfd, err) < 0)
		return bm_err_prefix(err, "toolchain '%s': fetching guest packages (see '%s')",
				     tc->name, logpath);
	/* bwrap cannot create bind points in a read-only root: make them now. Downloaded
	 * packages are dead weight. */
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", tmp, dirs[i]);

		if (mkdir_p(p, err) < 0)
			return -1;
	}
	{
		_cleanup_free_ char *debs = xasprintf("%s/var/cache/apt/archives", tmp);
		_cleanup_strv_ char **names = dir_names(debs, ".deb");

		for (size_t i = 0; names[i]; i++) {
			_cleanup_free_ char *p = xasprintf("%s/%s.deb", debs, names[i]);

			unlink(p);
		}
	}
	unlink(stamp);
	if (rm_rf(tc->root, err) < 0)
		return -1;
	if (rename(tmp, tc->root) < 0)
		return bm_err_errno(err, errno, "cannot rename '%s'", tmp);
	if (manifest_write(tc, err) < 0 ||
	    file_write_atomic(stamp, tc->recipe_hash, strlen(tc->recipe_hash), err) < 0)
		return -1;
	if (progress) {
		free(msg);
		msg = xasprintf("toolchain %s: ready in %s", tc->name, tc->root);
		progress(msg);
	}
	return 0;
}

/* The value of key in a "key: value" manifest, or NULL. */
static char *manifest_get(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, n) == 0 && l[n] == ':' && l[n + 1] == ' ')
			return xstrndup(l + n + 2, strcspn(l + n + 2, "\n"));
	return NULL;
}

int toolchain_diff(const struct toolchain *a, const struct toolchain *b, char **ret,
		   struct bm_err **err)
{
	_cleanup_free_ char *ma = NULL, *mb = NULL;
	_cleanup_strv_ char **keys = NULL;
	char *out = xstrdup("");

	if (toolchain_manifest(a, &ma, err) < 0 || toolchain_manifest(b, &mb, err) < 0) {
		free(out);
		return -1;
	}
	for (const char *m = ma; m; m = m == ma ? mb : NULL)
		for (const char *l = m; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
			_cleanup_free_ char *k = xstrndup(l, strcspn(l, ":\n"));

			if (*k && !strv_contains(keys, k))
				strv_push(&keys, k);
		}
	for (size_t i = 0; keys && keys[i]; i++) {
		_cleanup_free_ char *va = manifest_get(ma, keys[i]), *vb = manifest_get(mb, keys[i]);
		char *next;

		if (va && vb && strcmp(va, vb) == 0)
			continue;
		next = xasprintf("%s%s: %s -> %s\n", out, keys[i], va ? va : "(none)", vb ? vb : "(none)");
		free(out);
		out = next;
	}
	*ret = out;
	return 0;
}
