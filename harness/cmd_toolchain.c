/* bootmatrix toolchain create|list|show|diff: the Debian root filesystems kernels are built in
 * (toolchain.c), made, listed and described by their manifests. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "toolchain.h"
#include "util.h"

const char cmd_toolchain_usage[] = "create NAME | list | show NAME | diff A B";
const char cmd_toolchain_help[] =
	"Toolchains are Debian root filesystems made with debootstrap from\n"
	"images/toolchains/NAME.yaml, kept in the cache ($BOOTMATRIX_CACHE, else\n"
	"$XDG_CACHE_HOME/bootmatrix, else ~/.cache/bootmatrix), and components layered on them:\n"
	"NAME may also be BASE+rust-VERSION (a Rust release, beta or nightly from the server\n"
	"$BOOTMATRIX_RUST_DIST_SERVER names) or a recipe file PATH.yaml with a base and rust,\n"
	"llvm or bindgen from a tarball or a directory (docs/toolchains.md).\n\n"
	"  create NAME   make the root (once per recipe version), download the components,\n"
	"                print the manifest\n"
	"  list          the recipes and whether each root exists, then the Rust versions made\n"
	"  show NAME     the manifest: rustc (and rustc -vV's commit), bindgen, clang, lld and gcc\n"
	"                versions, and where each component came from\n"
	"  diff A B      the manifest lines that differ between two created toolchains\n";

static int toolchain_named(const char *name, struct toolchain **ret, struct bm_err **err)
{
	_cleanup_free_ char *datadir = data_dir();
	_cleanup_free_ char *cache = cache_dir();

	return toolchain_load(datadir, cache, name, ret, err);
}

/* The BASE+rust-VERSION toolchains the cache has made, after the recipes. */
static int list_layered(void)
{
	_cleanup_free_ char *cache = cache_dir();
	_cleanup_free_ char *dir = xasprintf("%s/toolchains", cache);
	_cleanup_strv_ char **names = dir_names(dir, "");
	struct bm_err *e = NULL;

	for (size_t i = 0; names[i]; i++) {
		_cleanup_(toolchain_freep) struct toolchain *tc = NULL;

		if (!strchr(names[i], '+'))
			continue;
		if (toolchain_named(names[i], &tc, &e) < 0) {
			/* a recipe since removed: not this command's to fail over */
			bm_err_free(e);
			e = NULL;
			continue;
		}
		if (toolchain_ready(tc))
			printf("%-12s %-8s %s (rust %s)\n", names[i], tc->suite, tc->root,
			       tc->comp[COMPONENT_RUST].dist);
	}
	return CLI_EXIT_OK;
}

int cmd_toolchain(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_(toolchain_freep) struct toolchain *tc = NULL;
	_cleanup_free_ char *manifest = NULL;
	struct bm_err *e = NULL;
	const char *sub;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "+h", longopts, &ex)) != -1)
		if (opt == CLI_OPT_EXIT)
			return ex;
	if (optind >= argc)
		return cli_usage(cmd, "%s", "expects create, list, show or diff");
	sub = argv[optind];
	if (strcmp(sub, "list") == 0 && optind == argc - 1) {
		_cleanup_free_ char *datadir = data_dir();
		_cleanup_free_ char *dir = xasprintf("%s/images/toolchains", datadir);
		_cleanup_strv_ char **names = dir_names(dir, ".yaml");

		for (size_t i = 0; names[i]; i++) {
			toolchain_freep(&tc);
			if (toolchain_named(names[i], &tc, &e) < 0)
				return cli_fail(cmd, e);
			printf("%-12s %-8s %s\n", names[i], tc->suite,
			       toolchain_ready(tc) ? tc->root : "(not created)");
		}
		return list_layered();
	}
	if (strcmp(sub, "diff") == 0 && optind == argc - 3) {
		_cleanup_(toolchain_freep) struct toolchain *other = NULL;
		_cleanup_free_ char *diff = NULL;

		if (toolchain_named(argv[optind + 1], &tc, &e) < 0 ||
		    toolchain_named(argv[optind + 2], &other, &e) < 0 ||
		    toolchain_diff(tc, other, &diff, &e) < 0)
			return cli_fail(cmd, e);
		fputs(*diff ? diff : "no differences\n", stdout);
		return CLI_EXIT_OK;
	}
	if (optind != argc - 2 || (strcmp(sub, "create") != 0 && strcmp(sub, "show") != 0))
		return cli_usage(cmd, "unknown or incomplete subcommand '%s'", sub);
	if (toolchain_named(argv[optind + 1], &tc, &e) < 0)
		return cli_fail(cmd, e);
	if (strcmp(sub, "create") == 0) {
		if (toolchain_create(tc, cli_progress, &e) < 0)
			return cli_fail(cmd, e);
	}
	if (toolchain_manifest(tc, &manifest, &e) < 0)
		return cli_fail(cmd, e);
	printf("name: %s\nrecipe: %s\nroot: %s\n%s", tc->name, tc->recipe_path, tc->root, manifest);
	return CLI_EXIT_OK;
}
