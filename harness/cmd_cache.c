/* bootmatrix cache: what the cache holds (cache.c), with sizes and last use, and --prune to
 * remove what no run has used for a number of days. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "build.h"
#include "cache.h"
#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "util.h"

const char cmd_cache_usage[] = "[--prune DAYS [--dry-run]]";
const char cmd_cache_help[] =
	"What the cache ($BOOTMATRIX_CACHE, else $XDG_CACHE_HOME/bootmatrix, else\n"
	"~/.cache/bootmatrix) holds: kernel build directories, extracted sources, toolchain\n"
	"roots, toolchain components, each toolchain's compiler cache (ccache, with the bound\n"
	"$BOOTMATRIX_CCACHE_SIZE, default " BUILD_CCACHE_SIZE_DEFAULT ") and bisect worktrees, each with its size\n"
	"and when a run last used it.\n\n"
	"  -p, --prune DAYS    remove what no run has used for DAYS days (toolchain roots stay);\n"
	"                      what a running bootmatrix uses stays too\n"
	"  -n, --dry-run       with --prune: say what would go, remove nothing\n";

/* "1.4 GiB": sizes for people. */
static char *human_size(uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	return u ? xasprintf("%.1f %s", v, units[u]) : xasprintf("%.0f B", v);
}

int cmd_cache(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prune", required_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *cache = cache_dir(), *total_s = NULL, *freed_s = NULL;
	struct cache_entry *v = NULL;
	struct bm_err *e = NULL;
	const char *bound;
	uint64_t total = 0, freed = 0;
	time_t now = time(NULL), cutoff = 0;
	bool prune = false, dry = false;
	size_t n = 0;
	int opt, ex = 0;

	while ((opt = cli_getopt(cmd, argc, argv, "p:nh", longopts, &ex)) != -1) {
		char *end = NULL;
		unsigned long days;

		switch (opt) {
		case CLI_OPT_EXIT: return ex;
		case 'p':
			errno = 0;
			days = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || days > 36500)
				return cli_usage(cmd, "--prune expects a number of days, got '%s'", optarg);
			prune = true;
			cutoff = now - (time_t)days * 86400;
			break;
		case 'n': dry = true; break;
		}
	}
	if (optind != argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (dry && !prune)
		return cli_usage(cmd, "%s", "--dry-run goes with --prune DAYS");
	if (build_ccache_size(&bound, &e) < 0 || cache_scan(cache, &v, &n, &e) < 0)
		return cli_fail(cmd, e);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *size = human_size(v[i].bytes);
		double days = difftime(now, v[i].used) / 86400;
		const char *action = "";

		int r = 0;

		if (prune && cache_prunable(&v[i], cutoff) && dry && cache_in_use(&v[i]))
			r = 1;
		if (prune && cache_prunable(&v[i], cutoff) && r == 0 &&
		    (dry || (r = cache_remove(&v[i], &e)) == 0)) {
			action = dry ? "  (would remove)" : "  removed";
			freed += v[i].bytes;
		} else if (r < 0) {
			cache_entries_free(v, n);
			return cli_fail(cmd, e);
		} else {
			if (r == 1)
				action = dry ? "  in use by a run: would keep" : "  in use by a run: kept";
			total += v[i].bytes;
		}
		printf("%-9s %10s  used %5.1f days ago  %s%s%s%s\n", cache_kind_name(v[i].kind), size,
		       days < 0 ? 0 : days, v[i].name, v[i].kind == CACHE_CCACHE ? "  bound: " : "",
		       v[i].kind == CACHE_CCACHE ? (bound ? bound : "0 (off)") : "", action);
	}
	total_s = human_size(total);
	freed_s = human_size(freed);
	if (prune)
		printf("%s %s, %s kept in %s\n", dry ? "would free" : "freed", freed_s, total_s, cache);
	else
		printf("%s in %s\n", total_s, cache);
	cache_entries_free(v, n);
	return CLI_EXIT_OK;
}
