/* `bootmatrix merge`: the runs of several results directories (e.g. the CI shards of one plan)
 * joined into one new run, logs copied, history saved, every report written. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "publish.h"
#include "report.h"
#include "run.h"
#include "store.h"
#include "util.h"

static int copy_tree(const char *from, const char *to, struct bm_err **err)
{
	char *const argv[] = { (char *)"cp", (char *)"-a", (char *)from, (char *)to, NULL };
	_cleanup_free_ char *out = NULL;

	return proc_output(argv, NULL, 600, &out, err);
}

int run_merge(char *const *dirs, const char *out_base, struct run_report *ret, struct bm_err **err)
{
	struct run_report rep = { 0 };
	_cleanup_(store_freep) struct store *dst = NULL;
	_cleanup_free_ char *db = xasprintf("%s/history.sqlite", out_base);
	_cleanup_free_ char *started = now_iso8601(), *plan = NULL;
	char host[256] = "";
	int r = -1;

	gethostname(host, sizeof(host) - 1);
	rep.id = run_id_new();
	rep.dir = xasprintf("%s/%s", out_base, rep.id);
	for (size_t d = 0; dirs[d]; d++) {
		_cleanup_(store_freep) struct store *src = NULL;
		_cleanup_free_ char *sdb = xasprintf("%s/history.sqlite", dirs[d]);
		struct store_run_info *runs = NULL;
		size_t n_runs = 0;

		if (!path_exists(sdb)) {
			bm_err_set(err, BM_ERR_INPUT, "no history at '%s'", sdb);
			goto out;
		}
		if (store_open(sdb, &src, err) < 0 || store_runs_list(src, NULL, &runs, &n_runs, err) < 0)
			goto out;
		for (size_t i = 0; i < n_runs; i++) {
			struct job_result *jobs = NULL;
			size_t n = 0;

			if (!plan)
				plan = xstrdup(runs[i].plan);
			if (store_run_jobs(src, runs[i].id, &jobs, &n, err) < 0) {
				store_run_infos_free(runs, n_runs);
				goto out;
			}
			rep.jobs = xrealloc(rep.jobs, (rep.n_jobs + n) * sizeof(*rep.jobs));
			for (size_t j = 0; j < n; j++) {
				for (size_t k = 0; k < rep.n_jobs; k++) {
					if (strcmp(rep.jobs[k].id, jobs[j].id) == 0) {
						bm_err_set(err, BM_ERR_INPUT, "job '%s' is in two of the merged runs",
							   jobs[j].id);
						for (; j < n; j++)
							job_result_release(&jobs[j]);
						free(jobs);
						store_run_infos_free(runs, n_runs);
						goto out;
					}
				}
				rep.jobs[rep.n_jobs++] = jobs[j];
			}
			free(jobs);
		}
		store_run_infos_free(runs, n_runs);
	}
	if (mkdir_p(rep.dir, err) < 0 || store_open(db, &dst, err) < 0 ||
	    store_run_insert(dst, rep.id, plan ? plan : "", started, host, err) < 0)
		goto out;
	rep.plan = xstrdup(plan ? plan : "");
	for (size_t i = 0; i < rep.n_jobs; i++) {
		struct job_result *j = &rep.jobs[i];
		_cleanup_free_ char *to = xasprintf("%s/%s", rep.dir, j->id);

		if (j->log_dir && path_is_dir(j->log_dir) && copy_tree(j->log_dir, to, err) < 0)
			goto out;
		free(j->log_dir);
		j->log_dir = xstrdup(to);
		if (store_job_save(dst, rep.id, j, err) < 0)
			goto out;
	}
	{
		struct report_run_meta meta = { .run_id = rep.id, .plan = rep.plan, .started = started,
						.host = host };

		if (publish_write_all(&meta, rep.jobs, rep.n_jobs, NULL, 0, rep.dir, err) < 0)
			goto out;
	}
	store_run_finish(dst, rep.id, started, NULL);
	r = 0;
out:
	*ret = rep;
	return r;
}
