/* plan.h: plans loaded from YAML through conf.c and validated against arch/, configs/ and
 * images/, so every mistake is one error with file, line and column. */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "plan.h"
#include "toolchain.h"
#include "uri.h"
#include "util.h"

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_sources; i++) {
		free(p->sources[i].value);
		free(p->sources[i].from);
		free(p->sources[i].sha256);
		strv_free(p->sources[i].arches);
	}
	free(p->sources);
	for (size_t i = 0; i < p->n_hosts; i++)
		free(p->hosts[i].uri);
	free(p->hosts);
	free(p->path);
	free(p->name);
	free(p->boot_args);
	strv_free(p->kselftest_targets);
	strv_free(p->kselftest_extra);
	strv_free(p->toolchains);
	free(p->rust_dist_server);
	strv_free(p->arches);
	strv_free(p->configs);
	free(p);
}

void plan_freep(struct plan **p)
{
	plan_free(*p);
	*p = NULL;
}

static const char *const plan_keys[] = {
	"name", "sources", "toolchains", "arches", "configs", "kselftest", "boot_args", "timeouts",
	"hosts", "rust_dist_server", "repeat", NULL
};
/* More boots of one kernel than a plan could mean. */
#define REPEAT_MAX 100

static const char *const host_keys[] = { "uri", "slots", NULL };
static const char *const source_keys[] = { "debian", "from", "path", "url", "sha256", "arches",
					    NULL };
static const char *const timeout_keys[] = { "build", "boot", NULL };
static const char *const kselftest_keys[] = { "targets", "timeout", "extra", NULL };

/* Every item of the list field must be one of the names in dir (with suffix). */
static int check_names(const struct conf_doc *d, const char *field, const char *dir,
		       const char *suffix, const char *what, struct bm_err **err)
{
	const struct conf_node *list = conf_map_get(d->root, field);
	_cleanup_strv_ char **known = dir_names(dir, suffix);
	_cleanup_free_ char *joined = strv_join(known, ", ");

	for (size_t i = 0; list && i < (list->type == CONF_SEQ ? list->n : 1); i++) {
		const struct conf_node *n = list->type == CONF_SEQ ? list->items[i] : list;

		if (!strv_contains(known, n->scalar) || strchr(n->scalar, '/'))
			return conf_error(d, n, err, "%s: unknown %s '%s' (known: %s)", field, what,
					  n->scalar, joined);
	}
	return 0;
}

static bool http_url(const char *text);

static int check_dist_server(const struct conf_doc *d, const struct plan *p, struct bm_err **err)
{
	if (p->rust_dist_server && !http_url(p->rust_dist_server))
		return conf_error(d, conf_map_get(d->root, "rust_dist_server"), err,
				  "rust_dist_server: '%s' is not an http:// or https:// URL",
				  p->rust_dist_server);
	return 0;
}

/* Every toolchain must be one toolchain.h knows; a recipe file's path is made absolute against
 * the plan's directory. */
static int check_toolchains(const struct conf_doc *d, const char *datadir, struct plan *p,
			    struct bm_err **err)
{
	const struct conf_node *list = conf_map_get(d->root, "toolchains");
	const char *slash = strrchr(d->path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(d->path, (size_t)(slash - d->path)) : xstrdup(".");

	for (size_t i = 0; p->toolchains[i]; i++) {
		const struct conf_node *n = list->type == CONF_SEQ ? list->items[i] : list;
		struct bm_err *e = NULL;

		if (strchr(p->toolchains[i], '/') && p->toolchains[i][0] != '/') {
			char *abs = xasprintf("%s/%s", dir, p->toolchains[i]);

			free(p->toolchains[i]);
			p->toolchains[i] = abs;
		}
		if (toolchain_name_check(datadir, p->toolchains[i], &e) < 0) {
			conf_error(d, n, err, "toolchains: %s", e->msg);
			bm_err_free(e);
			return -1;
		}
	}
	return 0;
}

/* An http:// or https:// URL with a host, as libcurl will fetch it. */
static bool http_url(const char *text)
{
	struct uri u;
	bool ok;

	if (uri_parse(text, &u, NULL) < 0)
		return false;
	ok = (!strcmp(u.scheme, "http") || !strcmp(u.scheme, "https")) && u.host;
	uri_release(&u);
	return ok;
}

static int parse_sources(const struct conf_doc *d, const char *tcdir, struct plan *p,
			 struct bm_err **err)
{
	const struct conf_node *list = conf_map_get(d->root, "sources");

	if (!list)
		return conf_error(d, d->root, err, "missing required field 'sources'");
	if (list->type != CONF_SEQ || list->n == 0)
		return conf_error(d, list, err, "sources: expected a list of sources");
	p->sources = xcalloc(list->n, sizeof(*p->sources));
	for (size_t i = 0; i < list->n; i++) {
		const struct conf_node *s = list->items[i];
		/* Counted at once, so that plan_free releases what an error leaves half filled. */
		struct plan_source *ps = &p->sources[p->n_sources++];
		_cleanup_free_ char *deb = NULL, *path = NULL, *url = NULL;

		if (conf_map_check(d, s, "sources", source_keys, err) < 0 ||
		    conf_get_strv(d, s, "arches", false, &ps->arches, err) < 0 ||
		    conf_get_string(d, s, "debian", false, &deb, err) < 0 ||
		    conf_get_string(d, s, "path", false, &path, err) < 0 ||
		    conf_get_string(d, s, "url", false, &url, err) < 0)
			return -1;
		if (!!deb + !!path + !!url != 1)
			return conf_error(d, s, err, "sources: give exactly one of 'debian', 'path' or 'url'");
		if (url) {
			if (conf_get_string(d, s, "sha256", true, &ps->sha256, err) < 0)
				return -1;
			if (strlen(ps->sha256) != 64 || strspn(ps->sha256, "0123456789abcdefABCDEF") != 64)
				return conf_error(d, conf_map_get(s, "sha256"), err,
						  "sha256: expected 64 hex digits, got '%s'", ps->sha256);
			if (!http_url(url))
				return conf_error(d, conf_map_get(s, "url"), err,
						  "url: expected an http:// or https:// URL, got '%s'", url);
			ps->kind = SOURCE_URL;
			ps->value = url;
			url = NULL;
		} else if (deb) {
			ps->kind = SOURCE_DEBIAN;
			ps->value = deb;
			deb = NULL;
			if (conf_get_string(d, s, "from", false, &ps->from, err) < 0)
				return -1;
			if (ps->from) {
				_cleanup_strv_ char **known = dir_names(tcdir, ".yaml");

				if (!strv_contains(known, ps->from) || strchr(ps->from, '/')) {
					_cleanup_free_ char *names = strv_join(known, ", ");

					return conf_error(d, conf_map_get(s, "from"), err,
							  "from: unknown toolchain '%s' (known: %s)",
							  ps->from, names);
				}
			}
		} else {
			_cleanup_free_ char *mk = xasprintf("%s/Makefile", path);

			if (!path_exists(mk))
				return conf_error(d, conf_map_get(s, "path"), err,
						  "path: no kernel tree at '%s'", path);
			ps->kind = SOURCE_PATH;
			ps->value = path;
			path = NULL;
		}
	}
	return 0;
}

/* A source's arches must be arches of the plan. */
static int check_source_arches(const struct conf_doc *d, const struct plan *p, struct bm_err **err)
{
	const struct conf_node *list = conf_map_get(d->root, "sources");

	for (size_t i = 0; i < p->n_sources; i++) {
		for (size_t k = 0; p->sources[i].arches && p->sources[i].arches[k]; k++) {
			const char *a = p->sources[i].arches[k];
			const struct conf_node *n = conf_map_get(list->items[i], "arches");
			_cleanup_free_ char *known = NULL;

			if (strv_contains(p->arches, a))
				continue;
			known = strv_join(p->arches, ", ");
			return conf_error(d, n->type == CONF_SEQ ? n->items[k] : n, err,
					  "arches: '%s' is not one of the plan's arches (%s)", a, known);
		}
	}
	return 0;
}

/* A host is trusted only through its key in known_hosts (docs/remote.md): URI parameters with
 * which libvirt's SSH transports would skip or weaken that check are refused, naming the key. */
static int weak_host_key_check(const struct conf_doc *d, const struct conf_node *h,
			       const char *uri, struct bm_err **err)
{
	_cleanup_free_ char *no_verify = NULL, *khv = NULL;

	if (uri_libvirt_param(uri, "no_verify", &no_verify) == 1 && strcmp(no_verify, "0") != 0)
		return conf_error(d, conf_map_get(h, "uri"), err,
				  "uri: no_verify=%s turns off host-key checking: remove it (a host is "
				  "trusted by its key in known_hosts)", no_verify);
	if (uri_libvirt_param(uri, "known_hosts_verify", &khv) == 1 && strcmp(khv, "normal") != 0)
		return conf_error(d, conf_map_get(h, "uri"), err,
				  "uri: known_hosts_verify=%s weakens host-key checking: remove it or "
				  "use 'normal' (a host is trusted by its key in known_hosts)", khv);
	return 0;
}

static int parse_hosts(const struct conf_doc *d, struct plan *p, struct bm_err **err)
{
	const struct conf_node *list = conf_map_get(d->root, "hosts");

	if (!list)
		return 0;
	if (list->type != CONF_SEQ || list->n == 0)
		return conf_error(d, list, err, "hosts: expected a list of {uri, slots}");
	p->hosts = xcalloc(list->n, sizeof(*p->hosts));
	for (size_t i = 0; i < list->n; i++) {
		const struct conf_node *h = list->items[i];
		struct plan_host *ph = &p->hosts[p->n_hosts++];
		_cleanup_free_ char *user = NULL, *host = NULL;
		struct bm_err *e = NULL;
		unsigned port;

		ph->slots = 1;
		if (conf_map_check(d, h, "hosts", host_keys, err) < 0 ||
		    conf_get_string(d, h, "uri", true, &ph->uri, err) < 0 ||
		    conf_get_uint(d, h, "slots", false, &ph->slots, err) < 0)
			return -1;
		if (uri_libvirt_ssh(ph->uri, &user, &host, &port, &e) < 0) {
			conf_error(d, conf_map_get(h, "uri"), err, "uri: %s", e->msg);
			bm_err_free(e);
			return -1;
		}
		if (weak_host_key_check(d, h, ph->uri, err) < 0)
			return -1;
		if (ph->slots == 0 || ph->slots > 64)
			return conf_error(d, conf_map_get(h, "slots"), err,
					  "slots: %u is not between 1 and 64", ph->slots);
		for (size_t j = 0; j + 1 < p->n_hosts; j++)
			if (strcmp(p->hosts[j].uri, ph->uri) == 0)
				return conf_error(d, conf_map_get(h, "uri"), err,
						  "uri: '%s' is listed twice (give it more slots)", ph->uri);
	}
	return 0;
}

static int plan_parse(const struct conf_doc *d, const char *datadir, struct plan *p,
		      struct bm_err **err)
{
	const struct conf_node *t;
	_cleanup_free_ char *tcdir = xasprintf("%s/images/toolchains", datadir);
	_cleanup_free_ char *archdir = xasprintf("%s/arch", datadir);
	_cleanup_free_ char *cfgdir = xasprintf("%s/configs", datadir);

	if (!d->root)
		return conf_error(d, NULL, err, "the plan is empty");
	if (conf_map_check(d, d->root, "plan", plan_keys, err) < 0 ||
	    conf_get_string(d, d->root, "name", false, &p->name, err) < 0 ||
	    conf_get_string(d, d->root, "boot_args", false, &p->boot_args, err) < 0 ||
	    parse_sources(d, tcdir, p, err) < 0 || parse_hosts(d, p, err) < 0 ||
	    conf_get_strv(d, d->root, "toolchains", true, &p->toolchains, err) < 0 ||
	    conf_get_strv(d, d->root, "arches", true, &p->arches, err) < 0 ||
	    conf_get_strv(d, d->root, "configs", true, &p->configs, err) < 0 ||
	    conf_get_string(d, d->root, "rust_dist_server", false, &p->rust_dist_server, err) < 0 ||
	    check_toolchains(d, datadir, p, err) < 0 || check_dist_server(d, p, err) < 0 ||
	    check_names(d, "arches", archdir, ".yaml", "arch", err) < 0 ||
	    check_names(d, "configs", cfgdir, ".config", "config fragment", err) < 0 ||
	    check_source_arches(d, p, err) < 0)
		return -1;
	t = conf_map_get(d->root, "kselftest");
	if (t && (conf_map_check(d, t, "kselftest", kselftest_keys, err) < 0 ||
		  conf_get_strv(d, t, "targets", true, &p->kselftest_targets, err) < 0 ||
		  conf_get_uint(d, t, "timeout", false, &p->kselftest_timeout, err) < 0))
		return -1;
	if (t && conf_get_strv(d, t, "extra", false, &p->kselftest_extra, err) < 0)
		return -1;
	for (size_t i = 0; p->kselftest_extra && p->kselftest_extra[i]; i++) {
		const char *x = p->kselftest_extra[i];

		if (x[0] != '/' || !path_is_dir(x))
			return conf_error(d, conf_map_get(t, "extra"), err,
					  "extra: '%s' is not an absolute path to a directory", x);
	}
	for (size_t i = 0; p->kselftest_targets && p->kselftest_targets[i]; i++) {
		const char *x = p->kselftest_targets[i];

		if (!*x || strspn(x, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") != strlen(x) ||
		    strstr(x, ".."))
			return conf_error(d, conf_map_get(t, "targets"), err,
					  "targets: '%s' is not a selftests directory name", x);
	}
	if (conf_get_uint(d, d->root, "repeat", false, &p->repeat, err) < 0)
		return -1;
	if (p->repeat < 1 || p->repeat > REPEAT_MAX)
		return conf_error(d, conf_map_get(d->root, "repeat"), err,
				  "repeat: %u boots of each kernel: want 1 to %u", p->repeat, REPEAT_MAX);
	t = conf_map_get(d->root, "timeouts");
	if (t && (conf_map_check(d, t, "timeouts", timeout_keys, err) < 0 ||
		  conf_get_uint(d, t, "build", false, &p->build_timeout, err) < 0 ||
		  conf_get_uint(d, t, "boot", false, &p->boot_timeout, err) < 0))
		return -1;
	return 0;
}

int plan_load(const char *path, const char *datadir, struct plan **ret, struct bm_err **err)
{
	_cleanup_(conf_doc_freep) struct conf_doc *d = NULL;
	_cleanup_(plan_freep) struct plan *p = NULL;

	if (conf_load_file(path, &d, err) < 0)
		return -1;
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(path);
	p->build_timeout = 3600;
	p->boot_timeout = 300;
	p->repeat = 1;
	if (plan_parse(d, datadir, p, err) < 0)
		return -1;
	if (!p->name) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

		p->name = xstrdup(base);
		if (str_has_suffix(p->name, ".yaml"))
			p->name[strlen(p->name) - 5] = '\0';
	}
	*ret = p;
	p = NULL;
	return 0;
}

int plan_restrict_arches(struct plan *p, char *const *arches, struct bm_err **err)
{
	char **keep = NULL;

	for (size_t i = 0; arches[i]; i++) {
		if (!strv_contains(p->arches, arches[i])) {
			_cleanup_free_ char *known = strv_join(p->arches, ", ");

			strv_free(keep);
			return bm_err_set(err, BM_ERR_INPUT, "%s: arch '%s' is not in the plan (plan has: %s)",
					  p->path, arches[i], known);
		}
		if (!strv_contains(keep, arches[i]))
			strv_push(&keep, arches[i]);
	}
	strv_free(p->arches);
	p->arches = keep;
	return 0;
}
