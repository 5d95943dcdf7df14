/* Toolchain roots: recipes (images/toolchains/NAME.yaml) made into Debian roots with debootstrap,
 * the packages of the arches a plan needs added on demand, the manifest of tool versions, and
 * the bubblewrap argv that runs a build in a root without network or capabilities. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "conf.h"
#include "cache.h"
#include "err.h"
#include "proc.h"
#include "rustdist.h"
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
	free(tc->dir);
	free(tc->root);
	free(tc->root_hash);
	free(tc->base);
	free(tc->own_dir);
	free(tc->cache);
	for (size_t k = 0; k < COMPONENT_N; k++)
		component_release(&tc->comp[k]);
	free(tc);
}

void toolchain_freep(struct toolchain **tc)
{
	toolchain_free(*tc);
	*tc = NULL;
}

static const char *const recipe_keys[] = { "suite", "packages", "guest", "base", "rust", "llvm",
					   "bindgen", NULL };
static const char *const guest_keys[] = { "packages", NULL };
static const char *const component_keys[] = { "dist", "server", "url", "sha256", "dir", NULL };

#define GUEST_DEBS "/var/lib/bootmatrix/guest"
#define DIST_SERVER_ENV "BOOTMATRIX_RUST_DIST_SERVER"

/* The recipes' directory and the names in it. */
static char **recipe_names(const char *datadir, char **ret_dir)
{
	*ret_dir = xasprintf("%s/images/toolchains", datadir);
	return dir_names(*ret_dir, ".yaml");
}

static int unknown_toolchain(const char *datadir, const char *name, struct bm_err **err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **known = recipe_names(datadir, &dir);
	_cleanup_free_ char *list = strv_join(known, ", ");

	return bm_err_set(err, BM_ERR_INPUT, "unknown toolchain '%s' (known: %s, BASE+rust-VERSION, "
			  "or a recipe file PATH.yaml)", name, list);
}

/* A user's recipe file: a name with '/' ending in .yaml. */
static bool is_recipe_file(const char *name)
{
	return strchr(name, '/') && str_has_suffix(name, ".yaml") && strlen(name) > 5;
}

/* A component's recipe entry: a scalar is a Rust distribution version (rust only), a map one of
 * {dist[, server]}, {url, sha256}, {dir}. */
static int component_parse(const struct conf_doc *d, const struct conf_node *n, enum component_kind k,
			   struct component *c, struct bm_err **err)
{
	const char *what = component_kind_name(k);
	unsigned forms;

	c->used = true;
	if (n->type == CONF_SCALAR && k == COMPONENT_RUST) {
		c->dist = xstrdup(n->scalar);
	} else if (n->type == CONF_MAP) {
		if (conf_map_check(d, n, what, component_keys, err) < 0 ||
		    conf_get_string(d, n, "dist", false, &c->dist, err) < 0 ||
		    conf_get_string(d, n, "server", false, &c->server, err) < 0 ||
		    conf_get_string(d, n, "url", false, &c->url, err) < 0 ||
		    conf_get_string(d, n, "sha256", false, &c->sha256, err) < 0 ||
		    conf_get_string(d, n, "dir", false, &c->dir, err) < 0)
			return -1;
	} else {
		return conf_error(d, n, err, "%s: expected %s{url, sha256} or {dir}", what,
				  k == COMPONENT_RUST ? "a Rust version, {dist[, server]}, " : "");
	}
	forms = !!c->dist + !!c->url + !!c->dir;
	if (forms != 1 || (c->dist && k != COMPONENT_RUST) || (c->server && !c->dist) ||
	    (!c->url != !c->sha256))
		return conf_error(d, n, err, "%s: give exactly one of %s{url, sha256} or {dir}", what,
				  k == COMPONENT_RUST ? "dist (with server), " : "");
	if (c->dist) {
		struct rustdist_version v;
		struct bm_err *e = NULL;

		if (rustdist_parse(c->dist, &v, &e) < 0) {
			conf_error(d, n, err, "%s: %s", what, e->msg);
			bm_err_free(e);
			return -1;
		}
	}
	if (c->sha256 && strlen(c->sha256) != 64)
		return conf_error(d, conf_map_get(n, "sha256"), err, "%s: sha256: want 64 hex digits",
				  what);
	if (c->dir && c->dir[0] != '/')
		return conf_error(d, conf_map_get(n, "dir"), err, "%s: dir: want an absolute path",
				  what);
	return 0;
}

/* The hash that names what the toolchain is: the root's recipe and each component's source. */
static void toolchain_hash(struct toolchain *tc)
{
	struct strbuf b = { 0 };
	_cleanup_free_ char *all = NULL;
	char hex[65];

	free(tc->recipe_hash);
	if (!tc->base) {
		tc->recipe_hash = xstrdup(tc->root_hash);
		return;
	}
	strbuf_addf(&b, "%s\n", tc->root_hash);
	for (size_t k = 0; k < COMPONENT_N; k++)
		if (tc->comp[k].used) {
			_cleanup_free_ char *line = component_describe(k, &tc->comp[k]);

			strbuf_addf(&b, "%s\n", line);
		}
	all = strbuf_take(&b);
	sha256_hex(all, strlen(all), hex);
	tc->recipe_hash = xstrdup(hex);
}

/* A Debian recipe (suite, packages, guest) into tc: suite and packages, the root's hash and dir. */
static int debian_recipe_load(const char *datadir, const char *cache, const char *name,
			      struct toolchain *tc, struct bm_err **err)
{
	_cleanup_(conf_doc_freep) struct conf_doc *d = NULL;
	_cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
	_cleanup_strv_ char **known = recipe_names(datadir, &dir);
	static const char *const keys[] = { "suite", "packages", "guest", NULL };
	char hash[65];
	size_t len;

	if (!strv_contains(known, name) || strchr(name, '/'))
		return unknown_toolchain(datadir, name, err);
	path = xasprintf("%s/%s.yaml", dir, name);
	if (file_read(path, &text, &len, err) < 0 || conf_load_string(path, text, &d, err) < 0 ||
	    conf_map_check(d, d->root, "toolchain recipe", keys, err) < 0 ||
	    conf_get_string(d, d->root, "suite", true, &tc->suite, err) < 0 ||
	    conf_get_strv(d, d->root, "packages", true, &tc->packages, err) < 0)
		return -1;
	if (conf_map_get(d->root, "guest")) {
		const struct conf_node *g = conf_map_get(d->root, "guest");

		if (conf_map_check(d, g, "guest", guest_keys, err) < 0 ||
		    conf_get_strv(d, g, "packages", true, &tc->guest_packages, err) < 0)
			return -1;
	}
	sha256_hex(text, len, hash);
	tc->root_hash = xstrdup(hash);
	tc->dir = xasprintf("%s/toolchains/%s", cache, name);
	tc->root = xasprintf("%s/root", tc->dir);
	return 0;
}

/* A layered recipe (base + components) from a file of the user's or the recipes' directory. */
static int layered_recipe_load(const char *datadir, const char *cache, const char *path,
			       struct toolchain *tc, struct bm_err **err)
{
	_cleanup_(conf_doc_freep) struct conf_doc *d = NULL;
	_cleanup_free_ char *text = NULL;
	struct bm_err *e = NULL;
	size_t len;
	bool any = false;

	if (file_read(path, &text, &len, err) < 0 || conf_load_string(path, text, &d, err) < 0 ||
	    conf_map_check(d, d->root, "toolchain recipe", recipe_keys, err) < 0 ||
	    conf_get_string(d, d->root, "base", true, &tc->base, err) < 0)
		return -1;
	if (conf_map_get(d->root, "suite") || conf_map_get(d->root, "packages") ||
	    conf_map_get(d->root, "guest"))
		return conf_error(d, conf_map_get(d->root, "base"), err, "base: a recipe with a base "
				  "takes its suite, packages and guest packages from it");
	for (size_t k = 0; k < COMPONENT_N; k++) {
		const struct conf_node *n = conf_map_get(d->root, component_kind_name(k));

		if (n && component_parse(d, n, k, &tc->comp[k], err) < 0)
			return -1;
		any = any || n;
	}
	if (!any)
		return conf_error(d, d->root, err, "a recipe with a base replaces at least one of "
				  "rust, llvm, bindgen");
	if (debian_recipe_load(datadir, cache, tc->base, tc, &e) < 0) {
		conf_error(d, conf_map_get(d->root, "base"), err, "base: %s", e->msg);
		bm_err_free(e);
		return -1;
	}
	return 0;
}

int toolchain_name_check(const char *datadir, const char *name, struct bm_err **err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_strv_ char **known = recipe_names(datadir, &dir);
	const char *plus = strchr(name, '+');

	if (is_recipe_file(name)) {
		if (!path_exists(name))
			return bm_err_set(err, BM_ERR_INPUT, "toolchain recipe '%s' does not exist", name);
		return 0;
	}
	if (plus) {
		_cleanup_free_ char *base = xstrndup(name, (size_t)(plus - name));
		struct rustdist_version v;

		if (!strv_contains(known, base) || strchr(base, '/'))
			return unknown_toolchain(datadir, name, err);
		if (!str_has_prefix(plus + 1, "rust-"))
			return bm_err_set(err, BM_ERR_INPUT, "toolchain '%s': after '+' want "
					  "rust-VERSION", name);
		if (rustdist_parse(plus + 6, &v, err) < 0)
			return bm_err_prefix(err, "toolchain '%s'", name);
		return 0;
	}
	if (!strv_contains(known, name) || strchr(name, '/'))
		return unknown_toolchain(datadir, name, err);
	return 0;
}

int toolchain_load(const char *datadir, const char *cache, const char *name,
		   struct toolchain **ret, struct bm_err **err)
{
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	_cleanup_free_ char *dir = xasprintf("%s/images/toolchains", datadir);
	const char *plus = strchr(name, '+'), *env;
	char *own;

	if (toolchain_name_check(datadir, name, err) < 0)
		return -1;
	tc = xcalloc(1, sizeof(*tc));
	tc->cache = xstrdup(cache);
	if (is_recipe_file(name)) {
		const char *slash = strrchr(name, '/');

		tc->name = xstrndup(slash + 1, strlen(slash + 1) - 5);
		tc->recipe_path = xstrdup(name);
		if (layered_recipe_load(datadir, cache, name, tc, err) < 0)
			return -1;
	} else if (plus) {
		tc->name = xstrdup(name);
		tc->base = xstrndup(name, (size_t)(plus - name));
		tc->recipe_path = xasprintf("%s/%s.yaml", dir, tc->base);
		tc->comp[COMPONENT_RUST].used = true;
		tc->comp[COMPONENT_RUST].dist = xstrdup(plus + 6);
		if (debian_recipe_load(datadir, cache, tc->base, tc, err) < 0)
			return -1;
	} else {
		_cleanup_(conf_doc_freep) struct conf_doc *d = NULL;
		_cleanup_free_ char *text = NULL;

		tc->name = xstrdup(name);
		tc->recipe_path = xasprintf("%s/%s.yaml", dir, name);
		if (file_read(tc->recipe_path, &text, NULL, err) < 0 ||
		    conf_load_string(tc->recipe_path, text, &d, err) < 0)
			return -1;
		if (d->root && d->root->type == CONF_MAP && conf_map_get(d->root, "base")) {
			if (layered_recipe_load(datadir, cache, tc->recipe_path, tc, err) < 0)
				return -1;
		} else if (debian_recipe_load(datadir, cache, name, tc, err) < 0) {
			return -1;
		}
	}
	/* the environment names the server for every rust component that names none */
	env = getenv(DIST_SERVER_ENV);
	if (tc->comp[COMPONENT_RUST].dist && !tc->comp[COMPONENT_RUST].server && env && *env)
		tc->comp[COMPONENT_RUST].server = xstrdup(env);
	own = tc->base ? xasprintf("%s/toolchains/%s", cache, tc->name) : xstrdup(tc->dir);
	tc->own_dir = own;
	toolchain_hash(tc);
	*ret = tc;
	tc = NULL;
	return 0;
}

void toolchain_set_dist_server(struct toolchain *tc, const char *server)
{
	struct component *c = &tc->comp[COMPONENT_RUST];

	if (!c->dist || c->server || !server || !*server)
		return;
	c->server = xstrdup(server);
	toolchain_hash(tc);
}

/* The last resort for the server: rustup's own variable. */
static void dist_server_fallback(struct toolchain *tc)
{
	const char *env = getenv("RUSTUP_DIST_SERVER");

	toolchain_set_dist_server(tc, env);
}

int toolchain_fetch(struct toolchain *tc, void (*progress)(const char *msg), struct bm_err **err)
{
	dist_server_fallback(tc);
	for (size_t k = 0; k < COMPONENT_N; k++)
		if (tc->comp[k].used && !tc->comp[k].prefix &&
		    component_fetch(k, &tc->comp[k], tc->cache, progress, err) < 0)
			return bm_err_prefix(err, "toolchain '%s'", tc->name);
	return 0;
}

int toolchain_check(struct toolchain *tc, struct bm_err **err)
{
	dist_server_fallback(tc);
	for (size_t k = 0; k < COMPONENT_N; k++)
		if (tc->comp[k].used && component_check(k, &tc->comp[k], tc->cache, err) < 0)
			return bm_err_prefix(err, "toolchain '%s'", tc->name);
	return 0;
}

const char *toolchain_llvm(const struct toolchain *tc)
{
	return tc->comp[COMPONENT_LLVM].used ? TC_COMPONENTS "/llvm/bin/" : "1";
}

int toolchain_ccache(const struct toolchain *tc, char **ret, struct bm_err **err)
{
	_cleanup_free_ char *bin = xasprintf("%s/usr/bin/ccache", tc->root);
	_cleanup_free_ char *point = xasprintf("%s" TC_CCACHE, tc->root);
	const char *name = strrchr(tc->own_dir, '/');
	char *dir;

	*ret = NULL;
	if (!path_exists(bin) || !path_is_dir(point))
		return 0;
	dir = xasprintf("%s/ccache/%s", tc->cache, name ? name + 1 : tc->own_dir);
	if (mkdir_p(dir, err) < 0) {
		free(dir);
		return -1;
	}
	*ret = dir;
	return 0;
}

/* Whether the file dir/name holds hash. */
static bool hash_file_matches(const char *dir, const char *name, const char *hash)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *text = NULL;

	if (file_read(path, &text, NULL, NULL) < 0)
		return false;
	return strcmp(str_strip(text), hash) == 0;
}

static bool root_ready(const struct toolchain *tc)
{
	return (hash_file_matches(tc->dir, "stamp", tc->root_hash) ||
		hash_file_matches(tc->dir, "adopted", tc->root_hash)) && path_is_dir(tc->root);
}

bool toolchain_ready(const struct toolchain *tc)
{
	return root_ready(tc) &&
	       (!tc->base || hash_file_matches(tc->own_dir, "stamp", tc->recipe_hash));
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

#define ROOT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"

static char **root_command(const char *root, bool writable, const struct tc_bind *binds,
			   size_t n_binds, const char *path, const char *cwd, char *const *env,
			   char *const *argv)
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
	strv_push(&v, path ? path : ROOT_PATH);
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
	_cleanup_free_ struct tc_bind *all = xcalloc(n_binds + COMPONENT_N, sizeof(*all));
	char guest[COMPONENT_N][32];
	struct strbuf path = { 0 };
	_cleanup_free_ char *p = NULL;
	size_t n = 0;

	/* the components' bin/ come first in PATH, in the order rust, llvm, bindgen */
	for (size_t k = 0; k < COMPONENT_N; k++) {
		if (!tc->comp[k].used || !tc->comp[k].prefix)
			continue;
		snprintf(guest[k], sizeof(guest[k]), TC_COMPONENTS "/%s", component_kind_name(k));
		all[n++] = (struct tc_bind){ tc->comp[k].prefix, guest[k], true };
		strbuf_addf(&path, "%s/bin:", guest[k]);
	}
	for (size_t i = 0; i < n_binds; i++)
		all[n++] = binds[i];
	strbuf_add(&path, ROOT_PATH);
	p = strbuf_take(&path);
	return root_command(tc->root, false, all, n, p, cwd, env, argv);
}

char *toolchain_guest_debs(const struct toolchain *tc, const char *debian_arch)
{
	char *dir;

	if (!debian_arch || strchr(debian_arch, '/'))
		return NULL;
	dir = xasprintf("%s%s/%s", tc->root, GUEST_DEBS, debian_arch);
	if (!path_is_dir(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Run a setup command in the (still writable) new root, logging to fd. */
static int setup_run(const char *root, int logfd, char *const *argv, const char *cwd,
		     struct bm_err **err)
{
	char *const env[] = { (char *)"DEBIAN_FRONTEND=noninteractive", NULL };
	_cleanup_strv_ char **cmd = root_command(root, true, NULL, 0, NULL, cwd, env, argv);
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

/* The root's own Debian arch (amd64 here). */
static char *root_native_arch(const char *root, struct bm_err **err)
{
	char *const argv[] = { (char *)"dpkg", (char *)"--print-architecture", NULL };
	_cleanup_strv_ char **cmd = root_command(root, false, NULL, 0, NULL, NULL, NULL, argv);
	_cleanup_free_ char *out = NULL;

	if (proc_output(cmd, NULL, 60, &out, err) < 0)
		return NULL;
	return xstrdup(str_strip(out));
}

/* Whether dpkg in root has pkg installed. */
static bool root_has_package(const char *root, const char *pkg)
{
	char *const argv[] = { (char *)"dpkg-query", (char *)"-W", (char *)"-f=${db:Status-Status}",
			       (char *)pkg, NULL };
	_cleanup_strv_ char **cmd = root_command(root, false, NULL, 0, NULL, NULL, NULL, argv);
	_cleanup_free_ char *out = NULL;

	return proc_output(cmd, NULL, 60, &out, NULL) == 0 && strcmp(str_strip(out), "installed") == 0;
}

/* Whether GUEST_DEBS/ARCH in root has a .deb of every guest package. */
static bool guest_debs_complete(const struct toolchain *tc, const char *root, const char *arch)
{
	_cleanup_free_ char *dir = xasprintf("%s%s/%s", root, GUEST_DEBS, arch);
	_cleanup_strv_ char **names = dir_names(dir, ".deb");

	for (size_t i = 0; tc->guest_packages && tc->guest_packages[i]; i++) {
		_cleanup_free_ char *prefix = xasprintf("%s_", tc->guest_packages[i]);
		bool found = false;

		for (size_t j = 0; names && names[j] && !found; j++)
			found = str_has_prefix(names[j], prefix);
		if (!found)
			return false;
	}
	return true;
}

static int sources_write(const char *root, const char *name, const char *mirror, const char *suite,
			 const char *arches, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/etc/apt/sources.list.d/%s", root, name);
	_cleanup_free_ char *text = xasprintf("Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n"
					      "Architectures: %s\n"
					      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
					      mirror, suite, arches);

	return file_write_atomic(path, text, strlen(text), err);
}

/* apt's sources in root: the recipe's suite for the root's own arch (debootstrap's sources.list
 * names no arch: it would ask every suite for every arch), then apt-get update. */
static int root_apt_update(const struct toolchain *tc, const char *root, const char *mirror,
			   const char *native, int logfd, struct bm_err **err)
{
	_cleanup_free_ char *old = xasprintf("%s/etc/apt/sources.list", root);
	/* sid's Release may be past its Valid-Until on a mirror. */
	char *const update[] = { (char *)"apt-get", (char *)"-q", (char *)"-o",
				 (char *)"Acquire::Check-Valid-Until=false", (char *)"-o",
				 (char *)"APT::Sandbox::User=root", (char *)"update", NULL };

	if (unlink(old) < 0 && errno != ENOENT)
		return bm_err_errno(err, errno, "cannot remove '%s'", old);
	if (sources_write(root, "debian.sources", mirror, tc->suite, native, err) < 0)
		return -1;
	return setup_run(root, logfd, update, NULL, err);
}

/* apt-get install pkgs into root (after root_apt_update). */
static int root_apt_install(const char *root, char *const *pkgs, int logfd, struct bm_err **err)
{
	_cleanup_strv_ char **argv = NULL;

	strv_push(&argv, "apt-get");
	strv_push(&argv, "-q");
	strv_push(&argv, "-y");
	strv_push(&argv, "--no-install-recommends");
	strv_push(&argv, "-o");
	strv_push(&argv, "APT::Sandbox::User=root");
	strv_push(&argv, "install");
	strv_push_all(&argv, pkgs);
	return setup_run(root, logfd, argv, NULL, err);
}

/* Downloaded packages are dead weight. */
static int root_apt_clean(const char *root, int logfd, struct bm_err **err)
{
	char *const clean[] = { (char *)"apt-get", (char *)"clean", NULL };

	return setup_run(root, logfd, clean, NULL, err);
}

/* Install the arches' packages into root with apt and fetch their guest packages into
 * GUEST_DEBS/ARCH. apt's sources: the recipe's suite for the root's own arch, and one file per
 * foreign guest arch with the suite it lives in (loong64: sid), so that no suite is asked for an
 * arch it lacks. */
static int arches_install(const struct toolchain *tc, const char *root, const char *mirror,
			  const struct arch *const *todo, int logfd, struct bm_err **err)
{
	_cleanup_free_ char *native = root_native_arch(root, err);
	_cleanup_strv_ char **install = NULL, **fetch = NULL;

	if (!native)
		return -1;
	for (size_t i = 0; todo[i]; i++) {
		const struct arch *a = todo[i];

		/* what is there stays as it is: apt would upgrade it, and what depends on it */
		for (size_t j = 0; a->packages && a->packages[j]; j++)
			if (!strv_contains(install, a->packages[j]) &&
			    !root_has_package(root, a->packages[j]))
				strv_push(&install, a->packages[j]);
		if (a->debian_arch && tc->guest_packages && !strv_contains(fetch, a->debian_arch) &&
		    !guest_debs_complete(tc, root, a->debian_arch)) {
			if (strchr(a->debian_arch, '/'))
				return bm_err_set(err, BM_ERR_INPUT, "arch '%s': bad Debian arch '%s'",
						  a->name, a->debian_arch);
			strv_push(&fetch, a->debian_arch);
			if (strcmp(a->debian_arch, native) != 0) {
				_cleanup_free_ char *file = xasprintf("bm-guest-%s.sources", a->debian_arch);
				char *const add[] = { (char *)"dpkg", (char *)"--add-architecture",
						      a->debian_arch, NULL };

				if (setup_run(root, logfd, add, NULL, err) < 0 ||
				    sources_write(root, file, mirror,
						  a->debian_suite ? a->debian_suite : tc->suite,
						  a->debian_arch, err) < 0)
					return -1;
			}
		}
	}
	if (!install && !fetch)
		return 0;
	if (root_apt_update(tc, root, mirror, native, logfd, err) < 0 ||
	    (install && root_apt_install(root, install, logfd, err) < 0))
		return -1;
	for (size_t i = 0; fetch && fetch[i]; i++) {
		_cleanup_free_ char *dir = xasprintf("%s%s/%s", root, GUEST_DEBS, fetch[i]);
		_cleanup_free_ char *cwd = xasprintf("%s/%s", GUEST_DEBS, fetch[i]);
		_cleanup_strv_ char **argv = NULL;

		if (rm_rf(dir, err) < 0 || mkdir_p(dir, err) < 0)
			return -1;
		strv_push(&argv, "apt-get");
		strv_push(&argv, "-q");
		strv_push(&argv, "-o");
		strv_push(&argv, "APT::Sandbox::User=root");
		strv_push(&argv, "download");
		for (size_t j = 0; tc->guest_packages[j]; j++)
			strv_pushf(&argv, "%s:%s", tc->guest_packages[j], fetch[i]);
		if (setup_run(root, logfd, argv, cwd, err) < 0)
			return -1;
	}
	return root_apt_clean(root, logfd, err);
}

/* An arch's line in dir/arches: "NAME KEY CROSS_COMPILE" ("-" for none); KEY hashes what the arch
 * asks of a root, so an arch file that asks for more is prepared again. */
static char *arch_line(const struct toolchain *tc, const struct arch *a)
{
	_cleanup_free_ char *pkgs = a->packages ? strv_join(a->packages, " ") : xstrdup("");
	_cleanup_free_ char *guest = tc->guest_packages ? strv_join(tc->guest_packages, " ") : xstrdup("");
	_cleanup_free_ char *all = xasprintf("%s\n%s\n%s\n%s\n%s\n", pkgs,
					     a->cross_compile ? a->cross_compile : "",
					     a->debian_arch ? a->debian_arch : "",
					     a->debian_suite ? a->debian_suite : "", guest);
	char hex[65];

	sha256_hex(all, strlen(all), hex);
	return xasprintf("%s %.16s %s", a->name, hex,
			 a->cross_compile && *a->cross_compile ? a->cross_compile : "-");
}

/* The lines of dir/arches (none when missing). */
static char **arches_recorded(const struct toolchain *tc)
{
	_cleanup_free_ char *path = xasprintf("%s/arches", tc->dir);
	_cleanup_free_ char *text = NULL;
	char **v = NULL, *save = NULL;

	if (file_read(path, &text, NULL, NULL) < 0)
		return NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (*l)
			strv_push(&v, l);
	return v;
}

/* The arches whose line is not in dir/arches yet (borrowed pointers), NULL when none. */
static const struct arch **arches_todo(const struct toolchain *tc, const struct arch *const *arches)
{
	_cleanup_strv_ char **have = arches_recorded(tc);
	const struct arch **todo = NULL;
	size_t n = 0;

	for (size_t i = 0; arches && arches[i]; i++) {
		_cleanup_free_ char *line = arch_line(tc, arches[i]);

		if (strv_contains(have, line))
			continue;
		todo = xrealloc(todo, (n + 2) * sizeof(*todo));
		todo[n++] = arches[i];
		todo[n] = NULL;
	}
	return todo;
}

/* Record the arches as prepared, replacing older lines of the same names. */
static int arches_record(const struct toolchain *tc, const struct arch *const *done,
			 struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/arches", tc->dir), *text = NULL;
	_cleanup_strv_ char **have = arches_recorded(tc), **keep = NULL;

	for (size_t i = 0; have && have[i]; i++) {
		bool replaced = false;

		for (size_t j = 0; done[j] && !replaced; j++) {
			size_t n = strlen(done[j]->name);

			replaced = strncmp(have[i], done[j]->name, n) == 0 && have[i][n] == ' ';
		}
		if (!replaced)
			strv_push(&keep, have[i]);
	}
	for (size_t j = 0; done[j]; j++) {
		_cleanup_free_ char *line = arch_line(tc, done[j]);

		strv_push(&keep, line);
	}
	strv_push(&keep, "");
	text = strv_join(keep, "\n");
	return file_write_atomic(path, text, strlen(text), err);
}

/* A tool's output inside the root (with the components), or NULL when it is not there. */
static char *tool_output(const struct toolchain *tc, const char *tool, const char *flag)
{
	char *const argv[] = { (char *)tool, (char *)flag, NULL };
	_cleanup_strv_ char **cmd = toolchain_command(tc, NULL, 0, NULL, NULL, argv);
	char *out = NULL;

	if (proc_output(cmd, NULL, 60, &out, NULL) < 0)
		return NULL;
	return out;
}

static const struct {
	const char *key, *tool, *flag;
} manifest_tools[] = {
	{ "rustc", "rustc", "-V" },
	{ "bindgen", "bindgen", "--version" },
	{ "clang", "clang", "--version" },
	{ "lld", "ld.lld", "--version" },
	{ "gcc", "gcc", "--version" },
};

/* "key: the first line of the tool's output". */
static void manifest_add(struct strbuf *b, const struct toolchain *tc, const char *key,
			 const char *tool, const char *flag)
{
	_cleanup_free_ char *out = tool_output(tc, tool, flag);

	if (out) {
		out[strcspn(out, "\n")] = '\0';
		strbuf_addf(b, "%s: %s\n", key, str_strip(out));
	}
}

/* rustc -vV's commit-hash and commit-date, which name a nightly exactly. */
static void manifest_add_rustc_commit(struct strbuf *b, const struct toolchain *tc)
{
	_cleanup_free_ char *out = tool_output(tc, "rustc", "-vV");
	static const char *const keys[] = { "commit-hash", "commit-date" };
	char *save = NULL;

	for (char *l = out ? strtok_r(out, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (str_has_prefix(l, keys[i]) && l[strlen(keys[i])] == ':')
				strbuf_addf(b, "rustc-%s\n", l);
}

/* The recipe's tools, then the cross compiler of each prepared arch (dir/arches), then where
 * the components came from; into own_dir/manifest. */
static int manifest_write(const struct toolchain *tc, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/manifest", tc->own_dir), *text = NULL;
	_cleanup_strv_ char **lines = arches_recorded(tc), **keys = NULL;
	struct strbuf b = { 0 };

	strbuf_addf(&b, "suite: %s\n", tc->suite);
	for (size_t i = 0; i < ARRAY_SIZE(manifest_tools); i++) {
		manifest_add(&b, tc, manifest_tools[i].key, manifest_tools[i].tool,
			     manifest_tools[i].flag);
		if (i == 0)
			manifest_add_rustc_commit(&b, tc);
	}
	for (size_t i = 0; lines && lines[i]; i++) {
		const char *cross = strrchr(lines[i], ' ');
		_cleanup_free_ char *key = NULL, *tool = NULL;

		if (!cross || strcmp(++cross, "-") == 0)
			continue;
		key = xasprintf("gcc-%.*s", (int)strcspn(cross, "-"), cross);
		if (strv_contains(keys, key))
			continue;
		strv_push(&keys, key);
		tool = xasprintf("%sgcc", cross);
		manifest_add(&b, tc, key, tool, "--version");
	}
	if (tc->base)
		strbuf_addf(&b, "base: %s\n", tc->base);
	for (size_t k = 0; k < COMPONENT_N; k++) {
		_cleanup_free_ char *origin = xstrdup(tc->comp[k].origin);
		char *save = NULL;
		unsigned n = 0;

		if (!tc->comp[k].used)
			continue;
		/* a Rust version's second line is its rust-src */
		for (char *l = origin ? strtok_r(origin, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save), n++)
			strbuf_addf(&b, "%s-from: %s\n", n ? "rust-src" : component_kind_name(k), l);
	}
	text = strbuf_take(&b);
	if (mkdir_p(tc->own_dir, err) < 0)
		return -1;
	return file_write_atomic(path, text, strlen(text), err);
}

int toolchain_manifest(const struct toolchain *tc, char **ret, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/manifest", tc->own_dir);

	if (!toolchain_ready(tc) || (tc->base && !path_exists(path)))
		return bm_err_set(err, BM_ERR_INPUT,
				  "toolchain '%s' is not created (run 'bootmatrix toolchain create %s')",
				  tc->name, tc->name);
	if (!path_exists(path) && manifest_write(tc, err) < 0)
		return -1;
	return file_read(path, ret, NULL, err);
}

/* The suite of the root's apt sources (deb822 "Suites:" or a one-line "deb URI SUITE"), or NULL. */
static char *root_suite(const char *root)
{
	static const char *const files[] = { "/etc/apt/sources.list.d/debian.sources",
					     "/etc/apt/sources.list" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = xasprintf("%s%s", root, files[i]), *text = NULL;
		char *save = NULL;

		if (file_read(path, &text, NULL, NULL) < 0)
			continue;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *w[3] = { NULL }, *wsave = NULL;

			if (str_has_prefix(l, "Suites:"))
				return xstrndup(l + 7 + strspn(l + 7, " \t"),
						strcspn(l + 7 + strspn(l + 7, " \t"), " \t"));
			w[0] = strtok_r(l, " \t", &wsave);
			w[1] = w[0] ? strtok_r(NULL, " \t", &wsave) : NULL;
			w[2] = w[1] ? strtok_r(NULL, " \t", &wsave) : NULL;
			if (w[2] && strcmp(w[0], "deb") == 0 && w[1][0] != '[')
				return xstrdup(w[2]);
		}
	}
	return NULL;
}

/* Whether a root made from an earlier version of the recipe can serve this one: the same suite.
 * *ret_missing: the packages of the recipe it lacks (NULL: none); apt adds them, so a recipe
 * dropping packages (the cross compilers moved to the arch files) or adding some (ccache) needs
 * no new debootstrap. */
static bool root_adoptable(const struct toolchain *tc, int logfd, char ***ret_missing)
{
	_cleanup_free_ char *suite = root_suite(tc->root);
	char **missing = NULL;

	if (!suite || strcmp(suite, tc->suite) != 0)
		return false;
	for (size_t i = 0; tc->packages && tc->packages[i]; i++)
		if (!root_has_package(tc->root, tc->packages[i]))
			strv_push(&missing, tc->packages[i]);
	dprintf(logfd, "root of an earlier recipe: suite %s, %zu of %zu packages to add\n", suite,
		strv_length(missing), strv_length(tc->packages));
	*ret_missing = missing;
	return true;
}

/* Add to a root of an earlier recipe the packages it lacks (root_adoptable). */
static int root_add_packages(const struct toolchain *tc, const char *mirror, char *const *pkgs,
			     int logfd, struct bm_err **err)
{
	_cleanup_free_ char *native = NULL;

	if (!pkgs)
		return 0;
	native = root_native_arch(tc->root, err);
	if (!native || root_apt_update(tc, tc->root, mirror, native, logfd, err) < 0 ||
	    root_apt_install(tc->root, pkgs, logfd, err) < 0)
		return -1;
	return root_apt_clean(tc->root, logfd, err);
}

/* bwrap cannot create bind points in a read-only root: they are made with the root. */
static int root_bind_points(const char *root, struct bm_err **err)
{
	static const char *const dirs[] = { TC_SRC, TC_OUT, TC_CFG, TC_CCACHE };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", root, dirs[i]);

		if (mkdir_p(p, err) < 0)
			return -1;
	}
	return 0;
}

/* The root's lock (cache.h): exclusive while it is made or changed, shared while builds use it. */
static int root_lock(const struct toolchain *tc, enum cache_lock_mode mode,
		     void (*progress)(const char *msg), int *ret_fd, struct bm_err **err)
{
	if (mkdir_p(tc->dir, err) < 0)
		return -1;
	return cache_lock(tc->root, mode, progress, ret_fd, err);
}

/* The root's own manifest after the root changed: written for a Debian recipe; for a layered one
 * (whose tools are not the root's) removed, so that the base writes it when next asked. */
static int root_manifest_update(const struct toolchain *tc, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/manifest", tc->dir);

	if (!tc->base)
		return manifest_write(tc, err);
	if (unlink(path) < 0 && errno != ENOENT)
		return bm_err_errno(err, errno, "cannot remove '%s'", path);
	return 0;
}

/* debootstrap a new root from the recipe alone; the arches come after. */
static int root_create(const struct toolchain *tc, const char *mirror,
		       void (*progress)(const char *msg), struct bm_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/root.tmp", tc->dir);
	_cleanup_free_ char *logpath = xasprintf("%s/create.log", tc->dir);
	_cleanup_free_ char *stamp = xasprintf("%s/stamp", tc->dir);
	_cleanup_free_ char *adopted = xasprintf("%s/adopted", tc->dir);
	_cleanup_free_ char *arches = xasprintf("%s/arches", tc->dir);
	_cleanup_free_ char *include = NULL, *how = NULL, *msg = NULL;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_close_ int logfd = -1;
	struct proc_spec spec = { .stdin_fd = -1 };
	struct proc_result r;
	_cleanup_strv_ char **missing = NULL;

	if (rm_rf(tmp, err) < 0)
		return -1;
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return bm_err_errno(err, errno, "cannot create '%s'", logpath);
	/* An earlier recipe's root of the same suite is kept, with what this one adds. */
	if (path_is_dir(tc->root) && path_exists(stamp) && root_adoptable(tc, logfd, &missing)) {
		_cleanup_free_ char *adding = missing ? strv_join(missing, ", ") : NULL;

		msg = xasprintf("toolchain %s: the root of an earlier recipe has suite %s: kept%s%s (%s)",
				tc->name, tc->suite, adding ? ", adding " : "", adding ? adding : "",
				tc->root);
		if (progress)
			progress(msg);
		if (root_add_packages(tc, mirror, missing, logfd, err) < 0)
			return bm_err_prefix(err, "toolchain '%s' (see '%s')", tc->name, logpath);
		if (root_bind_points(tc->root, err) < 0)
			return -1;
		return file_write_atomic(adopted, tc->root_hash, strlen(tc->root_hash), err);
	}
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
	if (root_bind_points(tmp, err) < 0)
		return -1;
	/* downloaded packages are dead weight */
	{
		_cleanup_free_ char *debs = xasprintf("%s/var/cache/apt/archives", tmp);
		_cleanup_strv_ char **names = dir_names(debs, ".deb");

		for (size_t i = 0; names[i]; i++) {
			_cleanup_free_ char *p = xasprintf("%s/%s.deb", debs, names[i]);

			unlink(p);
		}
	}
	unlink(stamp);
	unlink(adopted);
	unlink(arches);
	if (rm_rf(tc->root, err) < 0)
		return -1;
	if (rename(tmp, tc->root) < 0)
		return bm_err_errno(err, errno, "cannot rename '%s'", tmp);
	if (root_manifest_update(tc, err) < 0 ||
	    file_write_atomic(stamp, tc->root_hash, strlen(tc->root_hash), err) < 0)
		return -1;
	if (progress) {
		free(msg);
		msg = xasprintf("toolchain %s: ready in %s", tc->base ? tc->base : tc->name, tc->root);
		progress(msg);
	}
	return 0;
}

/* A layered toolchain's own manifest and stamp, when missing or older than the root's arches. */
static int layer_finish(const struct toolchain *tc, struct bm_err **err)
{
	_cleanup_free_ char *manifest = xasprintf("%s/manifest", tc->own_dir);
	_cleanup_free_ char *arches = xasprintf("%s/arches", tc->dir);
	_cleanup_free_ char *stamp = xasprintf("%s/stamp", tc->own_dir);
	struct stat sm, sa;

	if (toolchain_ready(tc) && stat(manifest, &sm) == 0 &&
	    (stat(arches, &sa) < 0 || sa.st_mtim.tv_sec < sm.st_mtim.tv_sec ||
	     (sa.st_mtim.tv_sec == sm.st_mtim.tv_sec && sa.st_mtim.tv_nsec <= sm.st_mtim.tv_nsec)))
		return 0;
	/* bwrap cannot make mount points in the read-only root: they are made here */
	for (size_t k = 0; k < COMPONENT_N; k++) {
		_cleanup_free_ char *p = xasprintf("%s" TC_COMPONENTS "/%s", tc->root,
						   component_kind_name(k));

		if (tc->comp[k].used && mkdir_p(p, err) < 0)
			return -1;
	}
	if (manifest_write(tc, err) < 0)
		return -1;
	return file_write_atomic(stamp, tc->recipe_hash, strlen(tc->recipe_hash), err);
}

int toolchain_prepare(struct toolchain *tc, const struct arch *const *arches,
		      void (*progress)(const char *msg), struct bm_err **err)
{
	_cleanup_free_ const struct arch **todo = NULL;
	_cleanup_free_ char *mirror = NULL, *logpath = NULL, *names = NULL, *msg = NULL;
	_cleanup_strv_ char **shown = NULL;
	_cleanup_close_ int lockfd = -1, logfd = -1;

	/* what comes from outside Debian first: a bad version stops before any root is made */
	if (toolchain_fetch(tc, progress, err) < 0)
		return -1;
	todo = arches_todo(tc, arches);
	if (root_ready(tc) && !todo) {
		if (tc->base && layer_finish(tc, err) < 0)
			return -1;
		cache_mark_used(tc->dir);
		return 0;
	}
	if (geteuid() != 0)
		return bm_err_set(err, BM_ERR_SYSTEM, "preparing toolchain '%s' needs root (debootstrap, apt)",
				  tc->name);
	if (root_lock(tc, CACHE_LOCK_EXCLUSIVE, progress, &lockfd, err) < 0 ||
	    host_debian_mirror(&mirror, err) < 0)
		return -1;
	/* another process may have done it while we waited for the lock */
	if (!root_ready(tc) && root_create(tc, mirror, progress, err) < 0)
		return -1;
	free(todo);
	todo = arches_todo(tc, arches);
	if (todo) {
		for (size_t i = 0; todo[i]; i++)
			strv_push(&shown, todo[i]->name);
		names = strv_join(shown, ", ");
		logpath = xasprintf("%s/arches.log", tc->dir);
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (logfd < 0)
			return bm_err_errno(err, errno, "cannot open '%s'", logpath);
		msg = xasprintf("toolchain %s: adding arch %s (apt in the root, log: %s)",
				tc->base ? tc->base : tc->name, names, logpath);
		if (progress)
			progress(msg);
		dprintf(logfd, "# arches %s\n", names);
		if (arches_install(tc, tc->root, mirror, todo, logfd, err) < 0)
			return bm_err_prefix(err, "toolchain '%s': adding arch %s (see '%s')", tc->name,
					     names, logpath);
		if (arches_record(tc, todo, err) < 0 || root_manifest_update(tc, err) < 0)
			return -1;
	}
	if (tc->base && layer_finish(tc, err) < 0)
		return -1;
	cache_mark_used(tc->dir);
	return 0;
}

int toolchain_hold(struct toolchain *tc, const struct arch *const *arches,
		   void (*progress)(const char *msg), int *ret_fd, struct bm_err **err)
{
	for (;;) {
		_cleanup_free_ const struct arch **todo = NULL;
		int fd;

		if (toolchain_prepare(tc, arches, progress, err) < 0 ||
		    root_lock(tc, CACHE_LOCK_SHARED, progress, &fd, err) < 0)
			return -1;
		/* another process may have changed it between the two locks */
		todo = arches_todo(tc, arches);
		if (toolchain_ready(tc) && !todo) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
}

int toolchain_create(struct toolchain *tc, void (*progress)(const char *msg),
		     struct bm_err **err)
{
	return toolchain_prepare(tc, NULL, progress, err);
}

char *toolchain_manifest_value(const char *text, const char *key)
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
		_cleanup_free_ char *va = toolchain_manifest_value(ma, keys[i]),
				      *vb = toolchain_manifest_value(mb, keys[i]);
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

/* The server range expansion asks, from the environment (no plan here). */
static const char *env_dist_server(void)
{
	const char *s = getenv(DIST_SERVER_ENV);

	if (!s || !*s)
		s = getenv("RUSTUP_DIST_SERVER");
	return s && *s ? s : NULL;
}

static int release_probe(const struct rustdist_version *v, void *data, struct bm_err **err)
{
	_cleanup_free_ char *name = rustdist_name(v);

	return component_rust_release_exists(data, name, err);
}

int toolchain_list_expand(const char *datadir, const char *base, const char *spec, char ***ret,
			  struct bm_err **err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	_cleanup_strv_ char **v = NULL;
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct rustdist_version rv;
		struct bm_err *e = NULL;

		str_strip(t);
		if (rustdist_is_range(t)) {
			_cleanup_strv_ char **names = NULL;
			const char *server = env_dist_server();

			if (!server)
				return bm_err_set(err, BM_ERR_INPUT, "range '%s': no Rust distribution "
						  "server: set %s", t, DIST_SERVER_ENV);
			if (rustdist_range(t, release_probe, (void *)server, &names, err) < 0)
				return -1;
			for (size_t i = 0; names[i]; i++)
				strv_pushf(&v, "%s+rust-%s", base, names[i]);
		} else if (rustdist_parse(t, &rv, &e) == 0) {
			strv_pushf(&v, "%s+rust-%s", base, t);
		} else {
			bm_err_free(e);
			strv_push(&v, t);
		}
	}
	for (size_t i = 0; v && v[i]; i++)
		if (toolchain_name_check(datadir, v[i], err) < 0)
			return -1;
	*ret = v;
	v = NULL;
	return 0;
}
