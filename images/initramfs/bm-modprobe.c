/* bm-modprobe: a modprobe for the guest initramfs (installed as /sbin/modprobe), enough for
 * kselftests such as rust/test_probe_samples.sh, which run `modprobe -n -q NAME`, `modprobe -q
 * NAME` and `modprobe -q -r NAME` (busybox's modprobe has no -n). Plain C and libc only: built
 * with each arch's cross gcc -static -O2.
 *
 *   modprobe [-n] [-q] [-v] NAME [PARAM=VALUE]...
 *   modprobe [-n] [-q] [-v] -r NAME
 *
 * Modules come from /lib/modules/$(uname -r)/modules.dep as written by depmod
 * ("kernel/samples/rust/rust_minimal.ko: dep1.ko dep2.ko", paths relative to that directory);
 * modules.builtin, when present, names built-in modules, which count as found and loaded.
 * '-' and '_' are the same in names. Loading (finit_module) loads the dependencies first, each
 * once; a module already loaded is success. -r removes (delete_module, non-blocking) the named
 * module only, not its dependencies. -n: do nothing, exit 0 iff the module is found (with -r:
 * iff it is loaded). -v: print each insmod/rmmod (with -n, the plan). -q: no error messages.
 * No aliases, soft dependencies, modprobe.d or compressed modules.
 * BM_MODPROBE_ROOT, if set, is prepended to /lib/modules and /sys (tests use a fake tree).
 * Exit: 0 success, 1 failure or not found, 2 usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

struct module {
	char *name;		/* normalized: '-' as '_' */
	char *path;		/* relative to the modules directory, or absolute */
	char **deps;		/* paths, NULL-terminated */
	int state;		/* 0 not visited, 1 loading, 2 done */
};

static int quiet, verbose, dry_run;
static const char *root = "";
static char moddir[4096];
static struct module *mods;
static size_t n_mods;

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fputs("modprobe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("modprobe: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = xmalloc(strlen(s) + 1);

	return strcpy(d, s);
}

static void normalize(char *name)
{
	for (; *name; name++)
		if (*name == '-')
			*name = '_';
}

/* "kernel/samples/rust/rust-minimal.ko" -> "rust_minimal"; NULL if not a .ko path. */
static char *name_of_path(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	char *name;

	base = base ? base + 1 : path;
	dot = strstr(base, ".ko");
	if (!dot || dot == base)
		return NULL;
	name = xmalloc((size_t)(dot - base) + 1);
	memcpy(name, base, (size_t)(dot - base));
	name[dot - base] = '\0';
	normalize(name);
	return name;
}

static char *full_path(const char *path)
{
	char buf[8192];

	if (path[0] == '/')
		snprintf(buf, sizeof(buf), "%s%s", root, path);
	else
		snprintf(buf, sizeof(buf), "%s/%s", moddir, path);
	return xstrdup(buf);
}

static int load_dep_file(void)
{
	char path[8192], *line = NULL;
	size_t cap = 0, size = 0;
	ssize_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.dep", moddir);
	f = fopen(path, "re");
	if (!f) {
		error("FATAL: cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *colon = strchr(line, ':'), *save = NULL, *tok;
		struct module m = { 0 };
		size_t n_deps = 0;

		if (!colon)
			continue;
		*colon = '\0';
		m.name = name_of_path(line);
		if (!m.name)
			continue;
		m.path = xstrdup(line);
		m.deps = xmalloc(sizeof(char *));
		for (tok = strtok_r(colon + 1, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			m.deps = realloc(m.deps, (n_deps + 2) * sizeof(char *));
			if (!m.deps)
				exit(1);
			m.deps[n_deps++] = xstrdup(tok);
		}
		m.deps[n_deps] = NULL;
		if (n_mods == size) {
			size = size ? size * 2 : 256;
			mods = realloc(mods, size * sizeof(*mods));
			if (!mods)
				exit(1);
		}
		mods[n_mods++] = m;
	}
	free(line);
	fclose(f);
	return 0;
}

static struct module *find_by_name(const char *name)
{
	for (size_t i = 0; i < n_mods; i++)
		if (strcmp(mods[i].name, name) == 0)
			return &mods[i];
	return NULL;
}

static struct module *find_by_path(const char *path)
{
	for (size_t i = 0; i < n_mods; i++)
		if (strcmp(mods[i].path, path) == 0)
			return &mods[i];
	return NULL;
}

/* Whether modules.builtin lists name. */
static int is_builtin(const char *name)
{
	char path[8192], *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && getline(&line, &cap, f) >= 0) {
		char *n;

		line[strcspn(line, "\n")] = '\0';
		n = name_of_path(line);
		found = n && strcmp(n, name) == 0;
		free(n);
	}
	free(line);
	fclose(f);
	return found;
}

static int is_loaded(const char *name)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/sys/module/%s/initstate", root, name);
	return access(path, F_OK) == 0;
}

static int insmod(struct module *m, const char *params)
{
	char *path = full_path(m->path);
	int fd, r;

	if (verbose)
		printf("insmod %s%s%s\n", path, *params ? " " : "", params);
	if (dry_run) {
		free(path);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error("ERROR: could not open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	r = (int)syscall(SYS_finit_module, fd, params, 0);
	if (r < 0 && errno == EEXIST)
		r = 0;
	else if (r < 0)
		error("ERROR: could not insert '%s': %s", m->name, strerror(errno));
	close(fd);
	free(path);
	return r;
}

/* Dependencies first (modules.dep's own line for each gives their order), each once. */
static int load(struct module *m, const char *params)
{
	if (m->state == 2)
		return 0;
	if (m->state == 1) {
		error("ERROR: dependency loop at '%s'", m->name);
		return -1;
	}
	m->state = 1;
	for (char **d = m->deps; *d; d++) {
		struct module *dep = find_by_path(*d);

		if (!dep) {
			char *n = name_of_path(*d);

			dep = n ? find_by_name(n) : NULL;
			free(n);
		}
		if (!dep) {
			error("ERROR: '%s' needs '%s', which modules.dep does not list", m->name, *d);
			return -1;
		}
		if (load(dep, "") < 0)
			return -1;
	}
	m->state = 2;
	return insmod(m, params);
}

static int file_exists(const char *rel)
{
	char *path = full_path(rel);
	int r = access(path, F_OK) == 0;

	free(path);
	return r;
}

static int do_remove(const char *name)
{
	if (verbose)
		printf("rmmod %s\n", name);
	if (dry_run)
		return is_loaded(name) ? 0 : 1;
	if (syscall(SYS_delete_module, name, O_NONBLOCK) < 0) {
		if (errno == ENOENT)
			error("FATAL: Module %s is not currently loaded", name);
		else
			error("FATAL: could not remove '%s': %s", name, strerror(errno));
		return 1;
	}
	return 0;
}

static void usage(void)
{
	fputs("usage: modprobe [-n] [-q] [-v] NAME [PARAM=VALUE]...\n"
	      "       modprobe [-n] [-q] [-v] -r NAME\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "show", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "remove", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int remove = 0, c;
	struct utsname u;
	struct module *m;
	char *name, *params;
	size_t plen = 1;

	while ((c = getopt_long(argc, argv, "+nqrvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'r':
			remove = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || (remove && argc - optind != 1))
		usage();
	if (getenv("BM_MODPROBE_ROOT"))
		root = getenv("BM_MODPROBE_ROOT");
	if (uname(&u) < 0) {
		error("FATAL: uname: %s", strerror(errno));
		return 1;
	}
	snprintf(moddir, sizeof(moddir), "%s/lib/modules/%s", root, u.release);
	name = xstrdup(argv[optind]);
	normalize(name);
	if (remove)
		return do_remove(name);

	if (load_dep_file() < 0)
		return 1;
	m = find_by_name(name);
	if (!m) {
		if (is_builtin(name))
			return 0;
		error("FATAL: Module %s not found in directory %s", argv[optind], moddir);
		return 1;
	}
	if (dry_run && !file_exists(m->path)) {
		error("FATAL: Module %s not found in directory %s", argv[optind], moddir);
		return 1;
	}
	for (int i = optind + 1; i < argc; i++)
		plen += strlen(argv[i]) + 1;
	params = xmalloc(plen);
	params[0] = '\0';
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	return load(m, params) < 0 ? 1 : 0;
}
