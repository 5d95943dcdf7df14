#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "err.h"
#include "kconfig.h"
#include "proc.h"
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
	strv_push(&v, "LLVM=1");
	strv_push(&v, target);
	return v;
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
};

/* Run one command inside the toolchain, logging it. 0: ran and succeeded; 1: failed (stage
 * filled); -1: harness error. */
static int step_run(struct step *st, char *const *argv, const char *cwd, struct stage *stage,
		    struct bm_err **err)
{
	const struct tc_bind binds[] = {
		{ st->spec->src->dir, TC_SRC, true },
		{ st->spec->out_dir, TC_OUT, false },
	};
	_cleanup_strv_ char **cmd = toolchain_command(st->spec->tc, binds, ARRAY_SIZE(binds), cwd,
						       NULL, argv);
	_cleanup_free_ char *shown = strv_join(argv, " ");
	struct proc_spec ps = { .argv = cmd, .stdin_fd = -1, .out_fd = st->logfd };
	struct proc_result r;

	dprintf(st->logfd, "$ %s\n", shown);
	ps.timeout = st->deadline - now_mono();
	if (ps.timeout <= 0) {
		stage->status = BM_TIMEOUT;
		stage->detail = xasprintf("build timed out before '%s'", shown);
		return 1;
	}
	if (proc_run(&ps, &r, err) < 0)
		return -1;
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
	dprintf(st->logfd, "bootmatrix: %s\n", stage->detail);
	return 1;
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

int build_kernel(const struct build_spec *spec, struct stage *ret_stage, char **ret_image,
		 struct bm_err **err)
{
	_cleanup_strv_ char **guest_frags = NULL, **texts = NULL, **missing = NULL;
	_cleanup_strv_ char **base = NULL, **olddef = NULL, **image = NULL, **merge = NULL;
	_cleanup_free_ char *config_path = NULL, *config = NULL, *image_path = NULL;
	_cleanup_close_ int logfd = -1;
	struct stage stage = { .status = BM_PASS };
	double start = now_mono();
	struct step st = { .spec = spec, .deadline = start + spec->timeout };
	int r;

	if (mkdir_p(spec->out_dir, err) < 0)
		return -1;
	logfd = open(spec->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		return bm_err_errno(err, errno, "cannot open build log '%s'", spec->log_path);
	st.logfd = logfd;
	if (fragments_stage(spec, &guest_frags, &texts, err) < 0)
		return -1;

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
	config_path = xasprintf("%s/.config", spec->out_dir);
	if (file_read(config_path, &config, NULL, err) < 0)
		return -1;
	missing = kconfig_verify((const char *const *)texts, strv_length(texts), config);
	if (missing[0]) {
		_cleanup_free_ char *list = strv_join(missing, ", ");

		stage.status = BM_CONFIG;
		stage.detail = xasprintf("options did not stick: %s", list);
		dprintf(logfd, "bootmatrix: %s\n", stage.detail);
		r = 1;
		goto out;
	}
	if ((r = step_run(&st, image, TC_OUT, &stage, err)) != 0)
		goto out;
	image_path = xasprintf("%s/%s", spec->out_dir, spec->arch->image);
	if (!path_exists(image_path)) {
		stage.status = BM_FAIL;
		stage.detail = xasprintf("make succeeded but '%s' is missing", spec->arch->image);
	}
out:
	if (r < 0) {
		free(stage.detail);
		return -1;
	}
	stage.seconds = now_mono() - start;
	*ret_stage = stage;
	if (stage.status == BM_PASS) {
		*ret_image = image_path;
		image_path = NULL;
	}
	return 0;
}
