/* Publishing a run: its reports, rendered from the history, written beside its logs. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "publish.h"
#include "store.h"
#include "util.h"

/* A flaky case's detail gets how often it was flaky in this job's history up to this run: one
 * flaky run is noise, three in five is a test to fix. */
static int add_flake_rates(struct store *st, const char *run_id, struct job_result *jobs, size_t n,
			   struct bm_err **err)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < jobs[i].kunit.n_suites; k++) {
			struct test_suite *s = &jobs[i].kunit.suites[k];

			for (size_t c = 0; c < s->n_cases; c++) {
				struct test_case *tc = &s->cases[c];
				unsigned flaky = 0, runs = 0;
				char *detail;

				if (!tc->flaky)
					continue;
				if (store_case_flake_rate(st, jobs[i].id, s->name, tc->name, run_id,
							  &flaky, &runs, err) < 0)
					return -1;
				detail = xasprintf("%s%sflaky in %u of %u run%s up to this one",
						   tc->detail ? tc->detail : "", tc->detail ? "; " : "",
						   flaky, runs, runs == 1 ? "" : "s");
				free(tc->detail);
				tc->detail = detail;
			}
		}
	}
	return 0;
}

int publish_load(struct store *st, const char *run_id, struct published_run *ret,
		 struct bm_err **err)
{
	struct published_run p = { 0 };
	struct store_run_info info = { 0 };

	if (store_run_get(st, run_id, &info, err) < 0)
		return -1;
	p.id = xstrdup(info.id);
	p.plan = xstrdup(info.plan);
	p.started = xstrdup(info.started);
	p.host = xstrdup(info.host);
	store_run_info_release(&info);
	if (store_run_jobs(st, run_id, &p.jobs, &p.n_jobs, err) < 0 ||
	    add_flake_rates(st, run_id, p.jobs, p.n_jobs, err) < 0 ||
	    publish_diff(st, run_id, p.jobs, p.n_jobs, &p.previous, &p.diff, &p.n_diff, err) < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	published_run_release(&p);
	return -1;
}

int publish_diff(struct store *st, const char *run_id, const struct job_result *jobs, size_t n,
		 char **ret_previous, struct compare_item **ret_diff, size_t *ret_n_diff,
		 struct bm_err **err)
{
	struct job_result *prev = NULL;
	char *previous = NULL;
	size_t n_prev = 0;

	*ret_diff = NULL;
	*ret_n_diff = 0;
	if (store_previous_run(st, run_id, &previous, err) < 0)
		return -1;
	if (previous) {
		if (store_run_jobs(st, previous, &prev, &n_prev, err) < 0) {
			free(previous);
			return -1;
		}
		compare_runs(prev, n_prev, jobs, n, ret_diff, ret_n_diff);
		for (size_t i = 0; i < n_prev; i++)
			job_result_release(&prev[i]);
		free(prev);
	}
	*ret_previous = previous;
	return 0;
}

void published_run_release(struct published_run *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_jobs; i++)
		job_result_release(&p->jobs[i]);
	free(p->jobs);
	compare_items_free(p->diff, p->n_diff);
	free(p->id);
	free(p->plan);
	free(p->started);
	free(p->host);
	free(p->previous);
	memset(p, 0, sizeof(*p));
}

struct report_run_meta publish_meta(const struct published_run *p)
{
	return (struct report_run_meta){ .run_id = p->id, .plan = p->plan, .started = p->started,
					 .host = p->host };
}

int publish_write_all(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		      const struct compare_item *diff, size_t n_diff, const char *dir,
		      struct bm_err **err)
{
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];
		_cleanup_free_ char *text = NULL;
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, f->file);

		if (report_render(f, meta, jobs, n, diff, n_diff, &text, err) < 0 ||
		    file_write_atomic(path, text, strlen(text), err) < 0)
			return bm_err_prefix(err, "writing the %s report", f->name);
	}
	return 0;
}
