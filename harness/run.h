/* Running a plan: every job built, booted and parsed, results saved as they come (run.c); joining
 * runs (run_merge.c); one job outside any plan (run_single, in run.c).
 *
 * Memory: a struct run_report and everything in it belong to the caller, who frees them with
 * run_report_release (also after -1); strings in the opts are borrowed for the call. No fd stays
 * open after a call returns. */
#ifndef BM_RUN_H
#define BM_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

struct bm_err;

struct run_opts {
	const char *plan_path;
	const char *resume;		/* a run id: finish that run's jobs with no final result */
	const char *results_base;	/* run directories go here; NULL: "results" */
	const char *uri;		/* libvirt connection; NULL: the embedded driver */
	unsigned jobs;			/* CPU budget: make -jN, N boots at once; 0: the CPUs */
	char **arches;			/* run only these of the plan's arches; NULL: all */
	unsigned shard, shards;		/* run only jobs i with i % shards == shard - 1; 0: all */
	void (*progress)(const char *msg);	/* one line of progress, may be NULL */
	/* A job entered a stage ("build", "kselftest", "boot", "reboot"), or ended (NULL). Called
	 * from the scheduler's threads; may be NULL. */
	void (*status)(const char *job, const char *stage);
	bool no_confirm;		/* failing cases are not confirmed by a second boot */
};

struct run_report {
	char *id;
	char *dir;		/* results_base/id */
	char *plan;
	struct job_result *jobs;
	size_t n_jobs;
	char *previous;		/* the run of the same plan compared with, NULL for none */
	unsigned regressions;	/* cases and stages that regressed since previous */
};

/* Run the plan. Kernel outcomes are results in ret->jobs; -1 only when the harness failed (bad
 * plan, unusable libvirt connection, results not writable): what was collected until then is
 * still saved. */
int run_plan(const struct run_opts *o, struct run_report *ret, struct bm_err **err);
void run_report_release(struct run_report *r);

/* A new run id: "20260129-101500-a1b2" (UTC time and a random part). Caller frees. */
char *run_id_new(void);

/* Join the runs found in the results directories dirs (e.g. CI shards of one plan) into one new
 * run under out_base: jobs saved in its history, logs copied, every report written. A job id
 * seen twice is an error. */
int run_merge(char *const *dirs, const char *out_base, struct run_report *ret, struct bm_err **err);

#endif

/* One job outside any plan file (bisect steps, `check`): tree built with toolchain for arch
 * with config (+ kselftest.config when targets are given), booted, parsed. Logs go to
 * dir/<job id>/. The build directory in the cache is the same for every call with the same
 * tree path, toolchain, arch and config, so successive calls build incrementally. Kernel
 * outcomes are in *ret (the caller's, released with job_result_release); -1 only for harness
 * errors (then *ret is untouched). */
struct run_single_opts {
	const char *tree;
	const char *toolchain, *arch, *config;
	char **kselftest_targets;	/* NULL: KUnit only */
	unsigned build_timeout, boot_timeout;
	const char *uri;
	unsigned jobs;
	const char *dir;
	bool confirm;			/* confirm failing cases with a second boot (flaky) */
	void (*progress)(const char *msg);
};

int run_single(const struct run_single_opts *o, struct job_result *ret, struct bm_err **err);
