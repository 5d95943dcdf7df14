/* Kernel builds inside a toolchain root: the make argv, the fragments merged and verified in the
 * final .config (the Rust map for a config asking for every Rust test option), progress against
 * the last full build, reuse when no input changed (the cache keys), the kselftests and the
 * guest initramfs. Build output is read back only through file_*_beneath (docs/security.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "cache.h"
#include "initramfs.h"
#include "err.h"
#include "kconfig.h"
#include "proc.h"
#include "rustopts.h"
#include "util.h"

char **build_make_argv(const struct build_spec *spec, const char *target)
{
	char **v = NULL;

	strv_push(&v, "make");
	strv_pushf(&v, "-j%u", spec->jobs ? spec->jobs : 1);
	strv_push(&v, "-C");
	strv_push(&v, TC_SRC);
	strv_pushf(&v, "O=%s", TC_OUT);
	strv_pushf(&v, "ARCH=%s", spec->arch->linux_arch);
	strv_pushf(&v, "LLVM=%s", toolchain_llvm(spec->tc));
	if (spec->ccache_dir) {
		const char *llvm = toolchain_llvm(spec->tc);
		const char *prefix = strcmp(llvm, "1") == 0 ? "" : llvm;

		/* what LLVM= makes it, behind ccache: kbuild's own CONFIG_CC_VERSION_TEXT and
		 * compiler checks see the same compiler. Not HOSTCC: it is rustc's -Clinker=, one
		 * word (and the host programs are few). */
		strv_pushf(&v, "CC=ccache %sclang", prefix);
	}
	strv_push(&v, target);
	return v;
}

int build_ccache_size(const char **ret, struct bm_err **err)
{
	const char *v = getenv(BUILD_CCACHE_SIZE_ENV), *end;
	size_t digits;

	if (!v || !*v)
		v = BUILD_CCACHE_SIZE_DEFAULT;
	/* NUMBER[.NUMBER][k|M|G|T[i]], as ccache's max_size takes it */
	digits = strspn(v, "0123456789");
	end = v + digits;
	if (digits && *end == '.')
		end += 1 + strspn(end + 1, "0123456789");
	if (digits && (!*end || (strchr("kMGT", *end) && (!end[1] || (end[1] == 'i' && !end[2]))))) {
		*ret = strspn(v, "0.") == (size_t)(end - v) ? NULL : v;
		return 0;
	}
	return bm_err_set(err, BM_ERR_INPUT,
			  "%s: '%s' is not a size (e.g. 500M, 4G, 2Gi; 0 for no ccache)",
			  BUILD_CCACHE_SIZE_ENV, v);
}

/* The last line of the log that names an error, for the matrix's one-line detail. */
static char *log_error_line(const char *log_path)
{
	_cleanup_free_ char *text = NULL;
	char *best = NULL, *line, *save = NULL;
	size_t len;

	if (file_read(log_path, &text, &len, NULL) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "error:") || strstr(line, "Error ") || strstr(line, "*** "))
			if (!best || !strstr(best, "error:") || strstr(line, "error:"))
				best = line;
	return best ? xstrndup(str_strip(best), 300) : NULL;
}

struct step {
	const struct build_spec *spec;
	int logfd;
	double deadline;
	double start, last_beat;
	unsigned objects;	/* kbuild's "  CC", "  RUSTC" ... lines seen */
	bool at_line_start;
	struct build_estimate expect;	/* the last full build of the same arch and fragments */
	int log_errno;		/* the first error writing the log (ENOSPC...), 0: none */
};

/* A line of ours in the log; a write that fails is remembered (step_infra_reason). */
static void step_log(struct step *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_log(struct step *st, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vdprintf(st->logfd, fmt, ap);
	va_end(ap);
	if (r < 0 && !st->log_errno)
		st->log_errno = errno;
}

/* The last line of the log saying a write failed for want of room or permission. */
static char *log_disk_line(const char *log_path)
{
	static const char *const words[] = { "No space left on device", "Disk quota exceeded",
					     "Read-only file system" };
	_cleanup_free_ char *text = NULL;
	char *best = NULL, *line, *save = NULL;

	if (file_read(log_path, &text, NULL, NULL) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(words); i++)
			if (strstr(line, words[i]))
				best = line;
	return best ? xstrndup(str_strip(best), 300) : NULL;
}

/* Why a failing step is the machine's fault, not the kernel's: the log could not be written, the
 * build directory's or the log's file system is full, or the log says a write failed for want of
 * room. NULL: nothing of the kind (the kernel's failure). Caller frees. */
static char *step_infra_reason(const struct step *st)
{
	_cleanup_free_ char *line = NULL;
	char *why;

	if (st->log_errno)
		return xasprintf("cannot write the build log '%s': %s", st->spec->log_path,
				 strerror(st->log_errno));
	if ((why = fs_full_reason(st->spec->out_dir)) || (why = fs_full_reason(st->spec->log_path)))
		return why;
	line = log_disk_line(st->spec->log_path);
	return line ? xasprintf("a write failed: %s", line) : NULL;
}

#define HEARTBEAT_SECONDS 30
/* ccache's stats log of the last kernel build, in the build directory (ccache_line) */
#define CCACHE_STATS ".bm-ccache-stats"

/* Counts what kbuild reports compiling, and says so every HEARTBEAT_SECONDS. */
static int step_output(const char *buf, size_t len, void *data)
{
	struct step *st = data;

	for (size_t i = 0; i < len; i++) {
		if (st->at_line_start && i + 2 < len && buf[i] == ' ' && buf[i + 1] == ' ' &&
		    buf[i + 2] >= 'A' && buf[i + 2] <= 'Z')
			st->objects++;
		st->at_line_start = buf[i] == '\n';
	}
	if (st->spec->progress && now_mono() - st->last_beat >= HEARTBEAT_SECONDS) {
		_cleanup_free_ char *msg = build_progress_line(st->spec->label ? st->spec->label : "build",
							       st->objects, now_mono() - st->start,
							       &st->expect);

		st->last_beat = now_mono();
		st->spec->progress(msg);
	}
	return 0;
}

char *build_progress_line(const char *label, unsigned done, double elapsed,
			  const struct build_estimate *expect)
{
	double left;

	if (!expect || !expect->steps || done >= expect->steps)
		return xasprintf("%s: building, %u steps done, %.0f s", label, done, elapsed);
	/* Early on the pace is the config steps', not the compiler's: trust the last build. */
	if (done * 20 < expect->steps || elapsed <= 0)
		left = expect->seconds - elapsed;
	else
		left = elapsed * (expect->steps - done) / done;
	if (left < 60)
		return xasprintf("%s: building, %u/%u steps, <1 min left, %.0f s", label, done,
				 expect->steps, elapsed);
	return xasprintf("%s: building, %u/%u steps, ~%.0f min left, %.0f s", label, done,
			 expect->steps, left / 60, elapsed);
}

/* Where the last full build of this arch and these fragments left its step count and time:
 * beside the build directories, since every new kernel version gets a directory of its own. */
static char *estimate_path(const struct build_spec *spec)
{
	_cleanup_free_ char *parent = xstrdup(spec->out_dir);
	char *slash = strrchr(parent, '/');
	struct strbuf b = { 0 };

	if (slash)
		*slash = '\0';
	strbuf_addf(&b, "%s/.bm-estimates/%s", slash ? parent : ".", spec->arch->name);
	for (size_t i = 0; spec->fragments && spec->fragments[i]; i++) {
		const char *base = strrchr(spec->fragments[i], '/');

		strbuf_addf(&b, "+%s", base ? base + 1 : spec->fragments[i]);
	}
	return strbuf_take(&b);
}

static void estimate_read(const struct build_spec *spec, struct build_estimate *ret)
{
	_cleanup_free_ char *path = estimate_path(spec), *text = NULL;
	struct build_estimate e = { 0 };

	if (file_read(path, &text, NULL, NULL) == 0 && sscanf(text, "%u %lf", &e.steps, &e.seconds) == 2)
		*ret = e;
}

static void estimate_write(const struct build_spec *spec, unsigned steps, double seconds)
{
	_cleanup_free_ char *path = estimate_path(spec);
	_cleanup_free_ char *dir = xstrdup(path), *text = xasprintf("%u %.0f\n", steps, seconds);

	*strrchr(dir, '/') = '\0';
	if (mkdir_p(dir, NULL) == 0)
		file_write_atomic(path, text, strlen(text), NULL);
}

/* Run one command inside the toolchain, logging it. 0: ran and succeeded; 1: failed (stage
 * filled); -1: harness error. */
static int step_run(struct step *st, char *const *argv, const char *cwd, struct stage *stage,
		    struct bm_err **err)
{
	const struct tc_bind binds[] = {
		{ st->spec->src->dir, TC_SRC, true },
		{ st->spec->out_dir, TC_OUT, false },
		{ st->spec->ccache_dir, TC_CCACHE, false },
	};
	_cleanup_free_ char *size = xasprintf("CCACHE_MAXSIZE=%s", st->spec->ccache_size ?
								 st->spec->ccache_size : "");
	/* depend mode: a miss takes the headers from the compiler's own -MMD file instead of
	 * running the preprocessor once more (kbuild always asks for one) */
	char *const env[] = { (char *)"CCACHE_DIR=" TC_CCACHE, size, (char *)"CCACHE_DEPEND=1",
			      (char *)"CCACHE_STATSLOG=" TC_OUT "/" CCACHE_STATS, NULL };
	bool ccache = st->spec->ccache_dir != NULL;
	_cleanup_strv_ char **cmd = toolchain_command(st->spec->tc, binds, ARRAY_SIZE(binds) - !ccache,
						       cwd, ccache ? env : NULL, argv);
	_cleanup_free_ char *shown = strv_join(argv, " ");
	struct proc_spec ps = { .argv = cmd, .stdin_fd = -1, .out_fd = st->logfd,
				.on_output = step_output, .data = st };
	struct proc_result r;

	step_log(st, "$ %s\n", shown);
	ps.timeout = st->deadline - now_mono();
	if (ps.timeout <= 0) {
		stage->status = BM_TIMEOUT;
		stage->detail = xasprintf("build timed out before '%s'", shown);
		return 1;
	}
	if (proc_run(&ps, &r, err) < 0)
		return -1;
	if (r.out_errno && !st->log_errno)
		st->log_errno = r.out_errno;
	if (proc_result_ok(&r))
		return 0;
	if (r.interrupted)
		return bm_err_set(err, BM_ERR_SYSTEM, "interrupted");
	stage->status = r.timed_out ? BM_TIMEOUT : BM_FAIL;
	{
		_cleanup_free_ char *how = proc_result_describe(&r, ps.timeout);
		_cleanup_free_ char *line = log_error_line(st->spec->log_path);

		stage->detail = line ? xasprintf("%s: %s", how, line) : xasprintf("'%s': %s", shown, how);
	}
	step_log(st, "bootmatrix: %s\n", stage->detail);
	return 1;
}

/* ccache's account of the last make (its stats log in the build directory), as a line for the
 * build log: how many compilations came from the cache. NULL without ccache or its log. */
static char *ccache_line(const struct build_spec *spec)
{
	_cleanup_free_ char *text = NULL;
	unsigned hits = 0, misses = 0;
	char *save = NULL;

	if (!spec->ccache_dir ||
	    file_read_beneath(spec->out_dir, CCACHE_STATS, &text, NULL, NULL) < 0)
		return NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(l, "direct_cache_hit") || !strcmp(l, "preprocessed_cache_hit"))
			hits++;
		else if (!strcmp(l, "cache_miss"))
			misses++;
	}
	return xasprintf("ccache: %u of %u compilations from the cache (%s)", hits, hits + misses,
			 spec->ccache_dir);
}

/* Open the build log (appending) and start the clock. */
static int step_begin(const struct build_spec *spec, struct step *st, struct bm_err **err)
{
	double start = now_mono();

	*st = (struct step){ .spec = spec, .deadline = start + spec->timeout, .start = start,
			     .last_beat = start, .at_line_start = true };
	st->logfd = open(spec->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (st->logfd < 0)
		return bm_err_errno(err, errno, "cannot open build log '%s'", spec->log_path);
	return 0;
}

/* End a stage: r as from step_run (-1 harness error); on pass the product moves to *ret_path.
 * A failure the disk explains (step_infra_reason) is infra, never the kernel's. */
static int step_end(struct step *st, int r, struct stage *stage, char **path,
		    struct stage *ret_stage, char **ret_path)
{
	if (r >= 0 && (stage->status == BM_FAIL || stage->status == BM_CONFIG)) {
		_cleanup_free_ char *why = step_infra_reason(st);

		if (why) {
			char *detail = xasprintf("%s (the build failed: %s)", why,
						 stage->detail ? stage->detail : "?");

			free(stage->detail);
			stage->detail = detail;
			stage->status = BM_INFRA;
			step_log(st, "bootmatrix: %s\n", detail);
		}
	}
	close(st->logfd);
	if (r < 0) {
		free(stage->detail);
		return -1;
	}
	stage->seconds = now_mono() - st->start;
	*ret_stage = *stage;
	if (stage->status == BM_PASS) {
		*ret_path = *path;
		*path = NULL;
	}
	return 0;
}

/* Whether out_dir/name holds key (a finished product of the same inputs); read without following
 * a symlink or opening a FIFO (build_stamps_check refuses those first). */
static bool stamp_matches(const char *out_dir, const char *name, const char *key)
{
	_cleanup_free_ char *text = NULL;

	return key && file_read_beneath(out_dir, name, &text, NULL, NULL) == 0 &&
	       strcmp(str_strip(text), key) == 0;
}

/* The files the host itself opens in the build directory, which the build can write too: a
 * symlink there would be followed, a FIFO would block the open forever (docs/security.md).
 * 0, or 1 with the stage infra and the reason. */
static int build_stamps_check(const struct build_spec *spec, struct stage *stage)
{
	static const char *const stamps[] = { CACHE_USED_STAMP, "bm-built", "bm-kselftest-built" };

	for (size_t i = 0; i < ARRAY_SIZE(stamps); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", spec->out_dir, stamps[i]);
		struct stat st;

		if (lstat(path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			stage->detail = xasprintf("cannot stat '%s': %s", path, strerror(errno));
		} else if (S_ISREG(st.st_mode)) {
			continue;
		} else {
			stage->detail = xasprintf("refusing '%s': not a regular file (an earlier build "
						  "in this directory left it; remove the directory)",
						  path);
		}
		stage->status = BM_INFRA;
		return 1;
	}
	return 0;
}

static void stamp_write(const char *out_dir, const char *name, const char *key)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", out_dir, name);

	if (key)
		file_write_atomic(path, key, strlen(key), NULL);
	else
		unlink(path);
}

/* Copy the fragments into the build directory, so the root sees them at TC_OUT. */
static int fragments_stage(const struct build_spec *spec, char ***ret_guest, char ***ret_texts,
			   struct bm_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/bm-fragments", spec->out_dir);
	char **guest = NULL, **texts = NULL;

	if (rm_rf(dir, err) < 0 || mkdir_p(dir, err) < 0)
		return -1;
	for (size_t i = 0; spec->fragments[i]; i++) {
		const char *base = strrchr(spec->fragments[i], '/');
		_cleanup_free_ char *to = NULL;
		char *text;

		base = base ? base + 1 : spec->fragments[i];
		to = xasprintf("%s/%02zu-%s", dir, i, base);
		if (file_read(spec->fragments[i], &text, NULL, err) < 0 ||
		    file_write_atomic(to, text, strlen(text), err) < 0) {
			strv_free(guest);
			strv_free(texts);
			return -1;
		}
		strv_push(&texts, text);
		free(text);
		strv_pushf(&guest, "%s/bm-fragments/%02zu-%s", TC_OUT, i, base);
	}
	*ret_guest = guest;
	*ret_texts = texts;
	return 0;
}

/* Whether a fragment asks for every Rust test option the kernel offers. */
static bool wants_rust_tests(char *const *texts)
{
	for (size_t i = 0; texts && texts[i]; i++)
		if (strstr(texts[i], "\n" BUILD_RUST_TESTS_DIRECTIVE "\n") ||
		    str_has_prefix(texts[i], BUILD_RUST_TESTS_DIRECTIVE "\n"))
			return true;
	return false;
}

/* The Rust test options of the source tree, with what the fragments name but the tree lacks. */
static int rust_opts_find(const struct build_spec *spec, char *const *texts, struct rust_opt **ret,
			  size_t *ret_n, struct bm_err **err)
{
	if (rustopts_discover(spec->src->dir, ret, ret_n, err) < 0)
		return -1;
	for (size_t i = 0; texts[i]; i++)
		rustopts_add_absent(ret, ret_n, texts[i]);
	return 0;
}

/* The texts of the spec's fragment files, in order (one that cannot be read is left out: the
 * build itself reports it). */
static char **fragments_read(const struct build_spec *spec)
{
	char **texts = NULL;

	for (size_t i = 0; spec->fragments && spec->fragments[i]; i++) {
		_cleanup_free_ char *text = NULL;

		if (file_read(spec->fragments[i], &text, NULL, NULL) == 0)
			strv_push(&texts, text);
	}
	return texts;
}

static bool fragments_want_rust_tests(const struct build_spec *spec)
{
	_cleanup_strv_ char **texts = fragments_read(spec);

	return wants_rust_tests(texts);
}

/* The generated fragment that turns them on, staged after the plan's fragments. */
static int rust_fragment_stage(const struct build_spec *spec, const struct rust_map *opts,
			       char ***guest, struct bm_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/bm-fragments/99-rust-test-options.config",
					      spec->out_dir);
	_cleanup_free_ char *frag = rustopts_fragment(opts->opts, opts->n);
	int r;

	r = file_write_atomic(path, frag, strlen(frag), err);
	if (r == 0)
		strv_push(guest, TC_OUT "/bm-fragments/99-rust-test-options.config");
	return r;
}

/* The verdict on every Rust test option in the final .config, handed to the caller's Rust map
 * (opts is emptied). */
static void rust_map_give(const struct build_spec *spec, struct rust_map *opts, const char *config)
{
	if (!spec->rust_map)
		return;
	rustopts_judge(opts->opts, opts->n, config);
	rust_opts_free(spec->rust_map->opts, spec->rust_map->n);
	*spec->rust_map = *opts;
	*opts = (struct rust_map){ 0 };
}

/* Mismatches that are not the Rust map's news (a Rust test option that did not stick is). */
static void drop_rust_test_options(char **missing)
{
	size_t w = 0;

	for (size_t i = 0; missing[i]; i++) {
		_cleanup_free_ char *name = xstrndup(missing[i] + 7, strcspn(missing[i] + 7, "= "));

		if (str_has_prefix(missing[i], "CONFIG_") && rustopts_is_test_option(name))
			free(missing[i]);
		else
			missing[w++] = missing[i];
	}
	missing[w] = NULL;
}

/* The build's .config, read without following a symlink or opening a FIFO the build may have
 * left there (docs/security.md): 0, or 1 with the stage infra and the reason. */
static int config_read(const struct build_spec *spec, char **ret, struct stage *stage)
{
	struct bm_err *e = NULL;

	if (file_read_beneath(spec->out_dir, ".config", ret, NULL, &e) == 0)
		return 0;
	stage->status = BM_INFRA;
	stage->detail = xstrdup(e->msg);
	bm_err_free(e);
	return 1;
}


/* Why CONFIG_RUST dropped (an arch whose minimum rustc is above the toolchain's: s390 wants
 * 1.96): the first paragraph of `make rustavailable`'s "***" message, its lines joined with
 * "; "; NULL when CONFIG_RUST stuck or the check says nothing. Its output goes to the build log. */
static int rust_unavailable_reason(struct step *st, char *const *missing, char **ret_why,
				   struct bm_err **err)
{
	_cleanup_strv_ char **argv = build_make_argv(st->spec, "rustavailable"), **lines = NULL;
	_cleanup_free_ char *log = NULL;
	struct stage ignored = { .status = BM_PASS };
	bool rust = false;
	off_t start;
	char *save = NULL;
	int r;

	*ret_why = NULL;
	for (size_t i = 0; missing[i]; i++)
		rust = rust || str_has_prefix(missing[i], "CONFIG_RUST=");
	if (!rust)
		return 0;
	start = lseek(st->logfd, 0, SEEK_END);
	r = step_run(st, argv, TC_OUT, &ignored, err);
	free(ignored.detail);
	if (r < 0)
		return -1;
	if (start < 0 || file_read(st->spec->log_path, &log, NULL, NULL) < 0 ||
	    (size_t)start > strlen(log))
		return 0;
	/* the first paragraph of its "***" box: what is wrong, the versions; not the advice */
	for (char *l = strtok_r(log + start, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *text = str_has_prefix(l, "***") ? str_strip(l + 3) : NULL, *w, *wsave = NULL;
		_cleanup_strv_ char **words = NULL;
		_cleanup_free_ char *joined = NULL;

		if (!text)
			continue;
		if (!*text) {
			if (lines)
				break;
			continue;
		}
		for (w = strtok_r(text, " \t", &wsave); w; w = strtok_r(NULL, " \t", &wsave))
			strv_push(&words, w);
		joined = strv_join(words, " ");
		if (str_has_suffix(joined, "."))
			joined[strlen(joined) - 1] = '\0';
		strv_push(&lines, joined);
	}
	if (lines)
		*ret_why = strv_join(lines, "; ");
	return 0;
}

int build_kernel(const struct build_spec *spec, struct stage *ret_stage, char **ret_image,
		 struct bm_err **err)
{
	_cleanup_strv_ char **guest_frags = NULL, **texts = NULL, **missing = NULL;
	_cleanup_strv_ char **base = NULL, **olddef = NULL, **image = NULL, **merge = NULL;
	_cleanup_free_ char *config_path = NULL, *config = NULL, *image_path = NULL;
	_cleanup_free_ char *stats = NULL, *ccache = NULL;
	struct stage stage = { .status = BM_PASS };
	struct rust_map rust = { 0 };	/* the tree's Rust test options, when asked for */
	struct step st;
	bool from_scratch, rust_tests;
	int r;

	if (mkdir_p(spec->out_dir, err) < 0 || step_begin(spec, &st, err) < 0)
		return -1;
	if ((r = build_stamps_check(spec, &stage)) != 0) {
		dprintf(st.logfd, "bootmatrix: %s\n", stage.detail);
		goto out;
	}
	config_path = xasprintf("%s/.config", spec->out_dir);
	/* Only a build from an empty directory tells how long the next such build will take. */
	from_scratch = !path_exists(config_path);
	if (from_scratch)
		estimate_read(spec, &st.expect);
	cache_mark_used(spec->out_dir);
	image_path = xasprintf("%s/%s", spec->out_dir, spec->arch->image);
	if (stamp_matches(spec->out_dir, "bm-built", spec->inputs_key) && path_exists(image_path)) {
		step_log(&st, "bootmatrix: inputs unchanged since the last build (%s): reusing %s\n",
			spec->inputs_key, image_path);
		stage.detail = xstrdup("reused: inputs unchanged");
		r = 0;
		if (spec->rust_map) {
			texts = fragments_read(spec);
			if (wants_rust_tests(texts) &&
			    file_read_beneath(spec->out_dir, ".config", &config, NULL, NULL) == 0 &&
			    rust_opts_find(spec, texts, &rust.opts, &rust.n, NULL) == 0)
				rust_map_give(spec, &rust, config);
		}
		goto out;
	}
	/* A build interrupted half way must not count as finished later. */
	stamp_write(spec->out_dir, "bm-built", NULL);
	if ((r = fragments_stage(spec, &guest_frags, &texts, err)) < 0)
		goto out;
	rust_tests = wants_rust_tests(texts);
	if (rust_tests && ((r = rust_opts_find(spec, texts, &rust.opts, &rust.n, err)) < 0 ||
			   (r = rust_fragment_stage(spec, &rust, &guest_frags, err)) < 0))
		goto out;

	base = build_make_argv(spec, spec->arch->base_config);
	strv_push(&merge, TC_SRC "/scripts/kconfig/merge_config.sh");
	strv_push(&merge, "-m");
	strv_push(&merge, "-O");
	strv_push(&merge, TC_OUT);
	strv_push(&merge, TC_OUT "/.config");
	strv_push_all(&merge, guest_frags);
	olddef = build_make_argv(spec, "olddefconfig");
	image = build_make_argv(spec, spec->arch->make_target);

	/* merge_config.sh makes its temporary files in the current directory. */
	if ((r = step_run(&st, base, TC_OUT, &stage, err)) != 0 ||
	    (r = step_run(&st, merge, TC_OUT, &stage, err)) != 0 ||
	    (r = step_run(&st, olddef, TC_OUT, &stage, err)) != 0)
		goto out;

	/* CONFIG_RUST drops silently when the toolchain check fails: verify every option. */
	if ((r = config_read(spec, &config, &stage)) != 0)
		goto out;
	missing = kconfig_verify((const char *const *)texts, strv_length(texts), config);
	if (rust_tests) {
		drop_rust_test_options(missing);
		rust_map_give(spec, &rust, config);
	}
	if (missing[0]) {
		_cleanup_free_ char *list = strv_join(missing, ", ");
		_cleanup_free_ char *why = NULL;

		if ((r = rust_unavailable_reason(&st, missing, &why, err)) < 0)
			goto out;
		stage.status = BM_CONFIG;
		stage.rust_unavailable = why != NULL;
		stage.detail = why ? xasprintf("options did not stick: %s (make rustavailable: %s)", list, why) :
				     xasprintf("options did not stick: %s", list);
		step_log(&st, "bootmatrix: %s\n", stage.detail);
		r = 1;
		goto out;
	}
	/* the stats of this make alone (unlink follows no symlink the build left there) */
	stats = xasprintf("%s/%s", spec->out_dir, CCACHE_STATS);
	(void)unlink(stats);
	r = step_run(&st, image, TC_OUT, &stage, err);
	if (r >= 0 && (ccache = ccache_line(spec)))
		step_log(&st, "bootmatrix: %s\n", ccache);
	if (r != 0)
		goto out;
	if (!path_exists(image_path)) {
		stage.status = BM_FAIL;
		stage.detail = xasprintf("make succeeded but '%s' is missing", spec->arch->image);
	} else {
		stamp_write(spec->out_dir, "bm-built", spec->inputs_key);
		if (from_scratch)
			estimate_write(spec, st.objects, now_mono() - st.start);
	}
out:
	rust_opts_free(rust.opts, rust.n);	/* when not handed over */
	return step_end(&st, r, &stage, &image_path, ret_stage, ret_image);
}

/* The .deb of a Debian package in dir, e.g. "busybox-static_1%3a1.37.0-6+b9_arm64.deb". */
static char *find_deb(const char *dir, const char *pkg)
{
	_cleanup_strv_ char **names = dir_names(dir, ".deb");
	_cleanup_free_ char *prefix = xasprintf("%s_", pkg);

	for (size_t i = 0; names[i]; i++)
		if (str_has_prefix(names[i], prefix))
			return xasprintf("%s/%s.deb", dir, names[i]);
	return NULL;
}

/* A file unpacked from a .deb, under usr/bin or bin (merged /usr or not). */
static char *find_unpacked(const char *root, const char *name)
{
	static const char *const dirs[] = { "usr/bin", "bin", "usr/sbin", "sbin" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *p = xasprintf("%s/%s/%s", root, dirs[i], name);

		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static int unpack_guest(const struct build_spec *spec, const char *dest, struct stage *stage,
			struct bm_err **err)
{
	_cleanup_free_ char *debs = NULL;
	static const char *const pkgs[] = { "busybox-static", "bash-static" };

	debs = toolchain_guest_debs(spec->tc, spec->arch->debian_arch);
	if (!debs) {
		stage->status = BM_INFRA;
		stage->detail = xasprintf("toolchain '%s' fetched no guest packages for %s",
					  spec->tc->name, spec->arch->debian_arch);
		return 1;
	}
	if (rm_rf(dest, err) < 0 || mkdir_p(dest, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(pkgs); i++) {
		_cleanup_free_ char *deb = find_deb(debs, pkgs[i]);
		_cleanup_free_ char *out = NULL;

		if (!deb) {
			stage->status = BM_INFRA;
			stage->detail = xasprintf("no %s .deb for %s in '%s'", pkgs[i],
						  spec->arch->debian_arch, debs);
			return 1;
		}
		{
			char *const argv[] = { (char *)"dpkg-deb", (char *)"-x", deb, (char *)dest, NULL };

			if (proc_output(argv, NULL, 300, &out, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Out-of-tree selftests: each directory becomes a target of the installed tree, its executable
 * files its tests, listed in kselftest-list.txt as the runner expects. The targets' names are
 * appended to *targets. The installed tree is the untrusted build's: it is written only through
 * a directory fd reached beneath the build directory without a symlink (docs/security.md), and
 * the list read the same way. 0, or 1 with the stage infra and the reason. */
static int add_extra_tests(const struct build_spec *spec, char *const *extra, char ***targets,
			   struct stage *stage)
{
	_cleanup_free_ char *ksdir = xasprintf("%s/bm-kselftest", spec->out_dir);
	_cleanup_free_ char *list = NULL;
	_cleanup_close_ int ksfd = -1;
	struct bm_err *e = NULL;

	ksfd = dir_open_beneath(spec->out_dir, "bm-kselftest", &e);
	if (ksfd < 0 ||
	    file_read_beneath(spec->out_dir, "bm-kselftest/kselftest-list.txt", &list, NULL, &e) < 0)
		goto refused;
	for (size_t i = 0; extra[i]; i++) {
		_cleanup_free_ char *trimmed = xstrdup(extra[i]);
		_cleanup_strv_ char **names = NULL;
		const char *name;

		while (strlen(trimmed) > 1 && str_has_suffix(trimmed, "/"))
			trimmed[strlen(trimmed) - 1] = '\0';
		name = strrchr(trimmed, '/') ? strrchr(trimmed, '/') + 1 : trimmed;
		/* a name inside bm-kselftest: "/x/.." would name the build directory itself */
		if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			bm_err_set(&e, BM_ERR_INPUT, "'%s' names no directory of its own", extra[i]);
			goto refused;
		}
		if (rm_rf_at(ksfd, name, &e) < 0 || dir_copy_at(trimmed, ksfd, ksdir, name, &e) < 0)
			goto refused;
		/* the tests are the plan's files: listed from where they came */
		names = dir_names(trimmed, "");
		for (size_t j = 0; names[j]; j++) {
			_cleanup_free_ char *f = xasprintf("%s/%s", trimmed, names[j]);
			struct stat stb;

			if (stat(f, &stb) == 0 && S_ISREG(stb.st_mode) && (stb.st_mode & 0111)) {
				char *next = xasprintf("%s%s:%s\n", list, name, names[j]);

				free(list);
				list = next;
			}
		}
		strv_push(targets, name);
	}
	if (file_write_atomic_at(ksfd, ksdir, "kselftest-list.txt", list, strlen(list), &e) < 0)
		goto refused;
	return 0;

refused:
	stage->status = BM_INFRA;
	stage->detail = xasprintf("adding the plan's kselftests: %s", e->msg);
	bm_err_free(e);
	return 1;
}

/* What decides the kselftests and the initramfs; NULL: never reused (out-of-tree tests may change
 * under the same path). Caller frees. */
static char *kselftest_key(const struct build_spec *spec, const struct kselftest_opts *k)
{
	_cleanup_free_ char *targets = NULL, *all = NULL;
	char hex[65];

	if (!spec->inputs_key || k->extra)
		return NULL;
	targets = strv_join(k->targets, " ");
	all = xasprintf("%s\n%s\n%u\n%s\n", spec->inputs_key, targets, k->per_test_timeout,
			k->sentinel);
	sha256_hex(all, strlen(all), hex);
	return xstrdup(hex);
}

bool build_is_current(const struct build_spec *spec, const struct kselftest_opts *k)
{
	_cleanup_free_ char *image = xasprintf("%s/%s", spec->out_dir, spec->arch->image);
	_cleanup_free_ char *initramfs = NULL, *ks_key = NULL;

	if (!stamp_matches(spec->out_dir, "bm-built", spec->inputs_key) || !path_exists(image))
		return false;
	if (!k)
		return true;
	initramfs = xasprintf("%s/initramfs.cpio", spec->out_dir);
	ks_key = kselftest_key(spec, k);
	return stamp_matches(spec->out_dir, "bm-kselftest-built", ks_key) && path_exists(initramfs);
}

int build_kselftest(const struct build_spec *spec, const struct kselftest_opts *k,
		    struct stage *ret_stage, char **ret_initramfs, struct bm_err **err)
{
	const struct arch *a = spec->arch;
	const char *uarch = a->user_arch ? a->user_arch : a->linux_arch;
	const char *cross = a->cross_compile ? a->cross_compile : "";
	_cleanup_free_ char *targets = strv_join(k->targets, " ");
	_cleanup_free_ char *tools = xasprintf("%s/bm-tools", spec->out_dir);
	_cleanup_free_ char *guest = xasprintf("%s/bm-guest", spec->out_dir);
	_cleanup_free_ char *ksdir = xasprintf("%s/bm-kselftest", spec->out_dir);
	_cleanup_free_ char *moddir = xasprintf("%s/bm-mod", spec->out_dir);
	_cleanup_free_ char *config = NULL, *initramfs = NULL, *init = NULL;
	_cleanup_free_ char *busybox = NULL, *bash = NULL;
	_cleanup_free_ char *modules = NULL, *ks_key = NULL;
	_cleanup_strv_ char **run_targets = NULL;
	_cleanup_strv_ char **hdr = NULL, **ks = NULL, **mods = NULL, **modinst = NULL;
	struct stage stage = { .status = BM_PASS };
	struct step st;
	bool with_modules;
	int r = 0;

	if (step_begin(spec, &st, err) < 0)
		return -1;
	initramfs = xasprintf("%s/initramfs.cpio", spec->out_dir);
	ks_key = kselftest_key(spec, k);
	if (stamp_matches(spec->out_dir, "bm-kselftest-built", ks_key) && path_exists(initramfs)) {
		step_log(&st, "bootmatrix: kselftest inputs unchanged: reusing %s\n", initramfs);
		r = 0;
		goto out;
	}
	stamp_write(spec->out_dir, "bm-kselftest-built", NULL);
	if ((r = config_read(spec, &config, &stage)) != 0)
		goto out;
	with_modules = strstr(config, "\nCONFIG_MODULES=y\n") != NULL;

	/* User-space headers and selftests in a directory of their own: for um they are
	 * x86_64's, which must not touch the um build's .config. */
	strv_push(&hdr, "make");
	strv_pushf(&hdr, "-j%u", spec->jobs ? spec->jobs : 1);
	strv_push(&hdr, "-C");
	strv_push(&hdr, TC_SRC);
	strv_push(&hdr, "O=" TC_OUT "/bm-hdr");
	strv_pushf(&hdr, "ARCH=%s", uarch);
	strv_push(&hdr, "headers");

	strv_push(&ks, "make");
	strv_pushf(&ks, "-j%u", spec->jobs ? spec->jobs : 1);
	strv_push(&ks, "-C");
	strv_push(&ks, TC_SRC "/tools/testing/selftests");
	strv_push(&ks, "O=" TC_OUT "/bm-hdr");
	strv_pushf(&ks, "ARCH=%s", uarch);
	strv_pushf(&ks, "CROSS_COMPILE=%s", cross);
	strv_pushf(&ks, "TARGETS=%s", targets);
	strv_push(&ks, "LDFLAGS=-static");
	strv_push(&ks, "INSTALL_PATH=" TC_OUT "/bm-kselftest");
	strv_push(&ks, "install");

	if (rm_rf(ksdir, err) < 0 || rm_rf(moddir, err) < 0 || rm_rf(tools, err) < 0 ||
	    mkdir_p(tools, err) < 0) {
		r = -1;
		goto out;
	}
	if ((r = step_run(&st, hdr, TC_OUT, &stage, err)) != 0 ||
	    (r = step_run(&st, ks, TC_OUT, &stage, err)) != 0)
		goto out;
	if (k->extra && (r = add_extra_tests(spec, k->extra, &run_targets, &stage)) != 0) {
		dprintf(st.logfd, "bootmatrix: %s\n", stage.detail);
		goto out;
	}
	strv_push_all(&run_targets, k->targets);
	if (with_modules) {
		mods = build_make_argv(spec, "modules");
		modinst = build_make_argv(spec, "modules_install");
		strv_push(&modinst, "INSTALL_MOD_PATH=" TC_OUT "/bm-mod");
		strv_push(&modinst, "INSTALL_MOD_STRIP=1");
		if ((r = step_run(&st, mods, TC_OUT, &stage, err)) != 0 ||
		    (r = step_run(&st, modinst, TC_OUT, &stage, err)) != 0)
			goto out;
		modules = xasprintf("%s/lib/modules", moddir);
	}

	/* The guest tools: a timeout with --foreground and a modprobe with -n (busybox has
	 * neither), static, for the guest arch. */
	{
		static const char *const srcs[][2] = { { "bm-timeout", "timeout" },
						       { "bm-modprobe", "modprobe" } };

		/* the build ran since bm-tools was made: written only beneath the build directory */
		_cleanup_close_ int toolsfd = -1;
		struct bm_err *e = NULL;

		toolsfd = dir_open_beneath(spec->out_dir, "bm-tools", &e);
		if (toolsfd < 0) {
			stage.status = BM_INFRA;
			stage.detail = xstrdup(e->msg);
			dprintf(st.logfd, "bootmatrix: %s\n", stage.detail);
			bm_err_free(e);
			r = 1;
			goto out;
		}
		for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
			_cleanup_free_ char *from = xasprintf("%s/images/initramfs/%s.c", k->datadir, srcs[i][0]);
			_cleanup_free_ char *to = xasprintf("%s.c", srcs[i][0]);
			_cleanup_free_ char *text = NULL;
			_cleanup_strv_ char **cc = NULL;
			size_t len;

			if ((r = file_read(from, &text, &len, err)) < 0 ||
			    (r = file_write_atomic_at(toolsfd, tools, to, text, len, err)) < 0)
				goto out;
			strv_pushf(&cc, "%sgcc", cross);
			strv_push(&cc, "-static");
			strv_push(&cc, "-O2");
			strv_pushf(&cc, "-o" TC_OUT "/bm-tools/%s", srcs[i][1]);
			strv_pushf(&cc, TC_OUT "/bm-tools/%s.c", srcs[i][0]);
			if ((r = step_run(&st, cc, TC_OUT, &stage, err)) != 0)
				goto out;
		}
	}
	if ((r = unpack_guest(spec, guest, &stage, err)) != 0)
		goto out;
	busybox = find_unpacked(guest, "busybox");
	bash = find_unpacked(guest, "bash-static");
	if (!busybox || !bash) {
		stage.status = BM_INFRA;
		stage.detail = xasprintf("no %s in the unpacked guest packages", busybox ? "bash-static" : "busybox");
		goto out;
	}
	/* What the untrusted build made and the initramfs takes must be its own files: a symlink
	 * to a host file or directory would pack the host's (docs/security.md). */
	{
		static const struct { const char *rel; bool dir; } made[] = {
			{ "bm-kselftest", true }, { "bm-tools/timeout", false },
			{ "bm-tools/modprobe", false }, { "bm-mod/lib/modules", true },
		};
		struct bm_err *e = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(made); i++) {
			if (i == ARRAY_SIZE(made) - 1 && !modules)
				break;
			if (path_check_beneath(spec->out_dir, made[i].rel, made[i].dir, &e) < 0) {
				stage.status = BM_INFRA;
				stage.detail = xstrdup(e->msg);
				step_log(&st, "bootmatrix: %s\n", stage.detail);
				bm_err_free(e);
				r = 1;
				goto out;
			}
		}
	}
	{
		struct initramfs_init_opts io = { .kselftest_dir = "/kselftest", .targets = run_targets,
						  .per_test_timeout = k->per_test_timeout,
						  .sentinel = k->sentinel,
						  .rust_samples = fragments_want_rust_tests(spec) };
		const struct initramfs_entry entries[] = {
			{ .type = IR_FILE, .path = "/init", .content = (init = initramfs_init_script(&io)),
			  .mode = 0755 },
			{ .type = IR_FILE, .path = "/bin/busybox", .source = busybox, .mode = 0755 },
			{ .type = IR_SYMLINK, .path = "/bin/sh", .source = "busybox" },
			{ .type = IR_FILE, .path = "/bin/bash", .source = bash, .mode = 0755 },
			{ .type = IR_FILE, .path = "/usr/bin/timeout", .source = "bm-tools/timeout",
			  .beneath = spec->out_dir, .mode = 0755 },
			{ .type = IR_FILE, .path = "/sbin/modprobe", .source = "bm-tools/modprobe",
			  .beneath = spec->out_dir, .mode = 0755 },
			{ .type = IR_CHARDEV, .path = "/dev/console", .mode = 0600, .major = 5, .minor = 1 },
			{ .type = IR_DIR, .path = "/proc" },
			{ .type = IR_DIR, .path = "/sys" },
			{ .type = IR_DIR, .path = "/tmp" },
			/* the build's: opened beneath its directory, never through a symlink */
			{ .type = IR_TREE, .path = "/kselftest", .source = "bm-kselftest",
			  .beneath = spec->out_dir },
			{ .type = IR_TREE, .path = "/lib/modules", .source = "bm-mod/lib/modules",
			  .beneath = spec->out_dir },
		};

		struct bm_err *e = NULL;

		step_log(&st, "bootmatrix: writing %s\n", initramfs);
		if (initramfs_write(initramfs, entries, ARRAY_SIZE(entries) - (modules ? 0 : 1), &e) < 0) {
			/* What the untrusted build left cannot be packed (a FIFO, a device; symlinks
			 * are archived as symlinks, never followed), or the disk is full: the job's
			 * infra result with the reason, not the end of the run. */
			stage.status = BM_INFRA;
			stage.detail = xasprintf("writing the initramfs: %s", e->msg);
			step_log(&st, "bootmatrix: %s\n", stage.detail);
			bm_err_free(e);
			r = 1;
		} else {
			stamp_write(spec->out_dir, "bm-kselftest-built", ks_key);
		}
	}
out:
	return step_end(&st, r, &stage, &initramfs, ret_stage, ret_initramfs);
}

char **build_kselftest_missing(const char *out_dir, char *const *targets)
{
	_cleanup_free_ char *list = NULL;
	char **missing = NULL;

	if (file_read_beneath(out_dir, "bm-kselftest/kselftest-list.txt", &list, NULL, NULL) < 0)
		list = xstrdup("");
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_free_ char *prefix = xasprintf("%s:", targets[i]);
		bool found = str_has_prefix(list, prefix);

		for (const char *l = strchr(list, '\n'); l && !found; l = strchr(l + 1, '\n'))
			found = str_has_prefix(l + 1, prefix);
		if (!found)
			strv_push(&missing, targets[i]);
	}
	return missing;
}

int build_config_key(const struct arch *a, char *const *frags, char **ret_key, struct bm_err **err)
{
	char *all = xasprintf("%s\n%s\n%s\n", a->linux_arch, a->base_config, a->make_target);
	char hex[65];

	for (size_t i = 0; frags && frags[i]; i++) {
		_cleanup_free_ char *text = NULL;
		char *next;

		if (file_read(frags[i], &text, NULL, err) < 0) {
			free(all);
			return -1;
		}
		next = xasprintf("%s%s\n", all, text);
		free(all);
		all = next;
	}
	sha256_hex(all, strlen(all), hex);
	free(all);
	*ret_key = xstrndup(hex, 12);
	return 0;
}

char *build_dir_key(const char *config_key, const char *tree)
{
	_cleanup_free_ char *both = NULL;
	char hex[65];

	if (!tree)
		return xstrdup(config_key);
	both = xasprintf("%s\n%s", config_key, tree);
	sha256_hex(both, strlen(both), hex);
	return xstrndup(hex, 12);
}

/* The manifest lines a build for a depends on: every tool but the other arches' cross
 * compilers ("gcc-aarch64: ..."), which a root gains as plans ask for more arches and which must
 * not make this arch's kernels look changed. Caller frees. */
static char *manifest_for_arch(const char *manifest, const struct arch *a)
{
	_cleanup_free_ char *copy = xstrdup(manifest ? manifest : "");
	_cleanup_free_ char *mine = a->cross_compile ?
		xasprintf("gcc-%.*s:", (int)strcspn(a->cross_compile, "-"), a->cross_compile) : NULL;
	struct strbuf b = { 0 };
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!str_has_prefix(line, "gcc-") || (mine && str_has_prefix(line, mine)))
			strbuf_addf(&b, "%s\n", line);
	return strbuf_take(&b);
}

int build_inputs_key(const char *dir_key, const struct kernel_source *src,
		     const struct toolchain *tc, const char *manifest, const struct arch *a,
		     char **ret_key, struct bm_err **err)
{
	_cleanup_free_ char *arch_text = NULL, *all = NULL;
	char hex[65];

	_cleanup_free_ char *own = NULL;

	if (file_read(a->path, &arch_text, NULL, err) < 0)
		return -1;
	own = manifest_for_arch(manifest, a);
	all = xasprintf("%s\n%s\n%s\n%s\n%s\n%s\n", dir_key, src->origin, src->version,
			tc->recipe_hash, own, arch_text);
	sha256_hex(all, strlen(all), hex);
	*ret_key = xstrdup(hex);
	return 0;
}
