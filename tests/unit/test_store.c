/* store: round trips through a real SQLite file in a temporary directory. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>	/* only to build and poke at fixtures; the code under test owns it */

#include "err.h"
#include "result.h"
#include "publish.h"
#include "store.h"
#include "util.h"

struct fixture {
	char *dir;
	char *db;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = xasprintf("%s/bm-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f->dir);
		free(f);
		return -1;
	}
	f->db = xasprintf("%s/history.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->dir, NULL);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* Building results. */
static void add_suite(struct test_results *r, const char *name, enum bm_status status)
{
	struct test_suite *ts;

	r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
	ts = &r->suites[r->n_suites++];
	memset(ts, 0, sizeof(*ts));
	ts->name = xstrdup(name);
	ts->status = status;
}

/* A leaf of the last suite; counts follow. */
static void add_case(struct test_results *r, const char *name, enum bm_status status,
		     const char *detail)
{
	struct test_suite *ts = &r->suites[r->n_suites - 1];
	struct test_case *tc;

	ts->cases = xrealloc(ts->cases, (ts->n_cases + 1) * sizeof(*ts->cases));
	tc = &ts->cases[ts->n_cases++];
	*tc = (struct test_case){ .name = xstrdup(name), .status = status,
				  .detail = xstrdup(detail) };
	switch (status) {
	case BM_PASS:
		ts->pass++;
		r->pass++;
		break;
	case BM_FAIL:
	case BM_TIMEOUT:
		ts->fail++;
		r->fail++;
		break;
	case BM_SKIP:
		ts->skip++;
		r->skip++;
		break;
	default:
		ts->crash++;
		r->crash++;
		break;
	}
}

static void job_init(struct job_result *j, const char *arch, const char *toolchain,
		     const char *kernel)
{
	memset(j, 0, sizeof(*j));
	j->id = xasprintf("%s-%s-%s-rust-kunit", arch, toolchain, kernel);
	j->arch = xstrdup(arch);
	j->toolchain = xstrdup(toolchain);
	j->kernel = xstrdup(kernel);
	j->config = xstrdup("rust-kunit");
	j->log_dir = xasprintf("results/20261121-180102-ab12/%s", j->id);
}

/* A job that booted and ran tests, with every field set and some awkward values. */
static void job_make_full(struct job_result *j, const char *arch)
{
	job_init(j, arch, "trixie", "6.12.117");
	j->build = (struct stage){ .status = BM_PASS, .seconds = 312.0625, .detail = NULL };
	j->boot = (struct stage){ .status = BM_PASS, .seconds = 41.1, .detail = xstrdup("powered off") };
	j->manifest = xstrdup("rustc: 1.85.0\nbindgen: 0.71.1\n");
	j->qemu_version = xstrdup("10.0.2");
	j->libvirt_version = xstrdup("11.3.0");
	j->machine = xstrdup("q35 (tcg)");
	j->host = xstrdup("root@build-2.example:2222");
	j->requeued = 2;
	add_suite(&j->kunit, "example", BM_PASS);
	add_case(&j->kunit, "example_simple_test", BM_PASS, NULL);
	add_case(&j->kunit, "example_skip_test", BM_SKIP, "this test should be skipped");
	add_suite(&j->kunit, "rust_doctests_kernel", BM_FAIL);
	add_case(&j->kunit, "rust_doctest_kernel_alloc_kbox_rs_0", BM_PASS, NULL);
	j->kunit.suites[1].cases[0].flaky = true;
	add_case(&j->kunit, "rust_doctest_kernel_sync_arc_rs_0", BM_FAIL,
		 "Expected 1 == 2, \xff\xfe not UTF-8, 'quotes' \"and\" \\");
	add_case(&j->kunit, "rust_doctest_kernel_sync_arc_rs_0", BM_CRASH, NULL);	/* same name */
	/* A suite that crashed before reporting any leaf. */
	add_suite(&j->kunit, "list-kernel-test", BM_CRASH);
	j->kunit.suites[2].crash = 1;
	j->kunit.crash++;
	/* A kselftest target. */
	add_suite(&j->kunit, "rust", BM_TIMEOUT);
	j->kunit.suites[3].kind = SUITE_KSELFTEST;
	add_case(&j->kunit, "test_probe_samples.sh.rust_minimal", BM_PASS, NULL);
	add_case(&j->kunit, "test_probe_samples.sh.#2", BM_TIMEOUT, "TIMEOUT 45 seconds");
	/* Its Rust map: one option on, one dropped, one not in this kernel. */
	j->rust.opts = xcalloc(3, sizeof(*j->rust.opts));
	j->rust.n = 3;
	j->rust.opts[0] = (struct rust_opt){ .name = xstrdup("RUST_STR_KUNIT_TEST"), .want = 'y',
					     .got = 'y', .fate = RUST_OPT_ON,
					     .depends = xstrdup("RUST_KUNIT_TESTS"),
					     .file = xstrdup("rust/kernel/Kconfig.test") };
	j->rust.opts[1] = (struct rust_opt){ .name = xstrdup("SAMPLE_RUST_DRIVER_PCI"), .want = 'm',
					     .got = 'n', .fate = RUST_OPT_DROPPED,
					     .reason = xstrdup("unmet dependency: PCI (depends on PCI)"),
					     .depends = xstrdup("SAMPLES_RUST && PCI"),
					     .file = xstrdup("samples/rust/Kconfig") };
	j->rust.opts[2] = (struct rust_opt){ .name = xstrdup("RUST_KVEC_KUNIT_TEST"), .want = 'y',
					     .got = 'n', .fate = RUST_OPT_ABSENT,
					     .reason = xstrdup("not in this kernel") };
}

/* A job whose build failed: no suites, NULL strings. */
static void job_make_build_failed(struct job_result *j, const char *arch)
{
	job_init(j, arch, "sid", "6.18.0");
	j->build = (struct stage){ .status = BM_CONFIG, .seconds = 12.5, .detail = xstrdup("CONFIG_RUST is not set") };
	j->boot = (struct stage){ .status = BM_NONE, .seconds = 0, .detail = NULL };
}

static void assert_str_same(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_stage_equal(const struct stage *a, const struct stage *b)
{
	assert_int_equal(a->status, b->status);
	assert_true(a->seconds == b->seconds);
	assert_str_same(a->detail, b->detail);
}

static void assert_job_equal(const struct job_result *a, const struct job_result *b)
{
	assert_str_same(a->id, b->id);
	assert_str_same(a->arch, b->arch);
	assert_str_same(a->toolchain, b->toolchain);
	assert_str_same(a->kernel, b->kernel);
	assert_str_same(a->config, b->config);
	assert_stage_equal(&a->build, &b->build);
	assert_stage_equal(&a->boot, &b->boot);
	assert_str_same(a->log_dir, b->log_dir);
	assert_str_same(a->manifest, b->manifest);
	assert_str_same(a->qemu_version, b->qemu_version);
	assert_str_same(a->libvirt_version, b->libvirt_version);
	assert_str_same(a->machine, b->machine);
	assert_str_same(a->host, b->host);
	assert_int_equal(a->requeued, b->requeued);
	assert_int_equal(a->rust.n, b->rust.n);
	for (size_t i = 0; i < a->rust.n; i++) {
		const struct rust_opt *x = &a->rust.opts[i], *y = &b->rust.opts[i];

		assert_str_same(x->name, y->name);
		assert_int_equal(x->want, y->want);
		assert_int_equal(x->got, y->got);
		assert_int_equal(x->fate, y->fate);
		assert_str_same(x->reason, y->reason);
		assert_str_same(x->depends, y->depends);
		assert_str_same(x->file, y->file);
	}
	assert_int_equal(a->kunit.pass, b->kunit.pass);
	assert_int_equal(a->kunit.fail, b->kunit.fail);
	assert_int_equal(a->kunit.skip, b->kunit.skip);
	assert_int_equal(a->kunit.crash, b->kunit.crash);
	assert_int_equal(a->kunit.n_suites, b->kunit.n_suites);
	for (size_t i = 0; i < a->kunit.n_suites; i++) {
		const struct test_suite *x = &a->kunit.suites[i], *y = &b->kunit.suites[i];

		assert_str_same(x->name, y->name);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->pass, y->pass);
		assert_int_equal(x->fail, y->fail);
		assert_int_equal(x->skip, y->skip);
		assert_int_equal(x->crash, y->crash);
		assert_int_equal(x->n_cases, y->n_cases);
		for (size_t k = 0; k < x->n_cases; k++) {
			assert_str_same(x->cases[k].name, y->cases[k].name);
			assert_int_equal(x->cases[k].status, y->cases[k].status);
			assert_str_same(x->cases[k].detail, y->cases[k].detail);
			assert_int_equal(x->cases[k].flaky, y->cases[k].flaky);
		}
	}
}

static void jobs_free(struct job_result *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_result_release(&jobs[i]);
	free(jobs);
}

/* err is passed by address: it is set by the call in the first argument. */
static void store_ok(int r, struct bm_err **err)
{
	if (r < 0)
		fail_msg("unexpected error: %s", *err ? (*err)->msg : "(no message)");
}

/* Expect a failure with this code and message; frees the error. */
static void expect_err(int r, struct bm_err **err, int code, const char *msg)
{
	assert_int_equal(r, -1);
	assert_non_null(*err);
	assert_string_equal((*err)->msg, msg);
	assert_int_equal((*err)->code, code);
	bm_err_freep(err);
}

static void test_store_roundtrip(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result want[3];
	struct job_result *got = NULL;
	size_t n = 99;

	/* Saved out of order: read back sorted by id. */
	job_make_full(&want[2], "x86_64");
	job_make_full(&want[0], "arm64");
	job_make_build_failed(&want[1], "riscv64");

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_insert(s, "20261121-180102-ab12", "configs/nightly.yaml",
				  "2026-11-21T18:01:02Z", "builder1", &err), &err);
	store_ok(store_job_save(s, "20261121-180102-ab12", &want[2], &err), &err);
	store_ok(store_job_save(s, "20261121-180102-ab12", &want[1], &err), &err);
	store_ok(store_job_save(s, "20261121-180102-ab12", &want[0], &err), &err);
	store_ok(store_run_finish(s, "20261121-180102-ab12", "2026-11-21T19:00:00Z", &err), &err);
	store_freep(&s);
	assert_null(s);

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_jobs(s, "20261121-180102-ab12", &got, &n, &err), &err);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_job_equal(&got[i], &want[i]);
	jobs_free(got, n);
	for (size_t i = 0; i < 3; i++)
		job_result_release(&want[i]);
}

static void test_store_job_replace(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result first, second;
	struct job_result *got = NULL;
	size_t n = 0;

	job_make_full(&first, "x86_64");
	/* Same id, fewer suites and fewer cases: nothing of the first may survive. */
	job_init(&second, "x86_64", "trixie", "6.12.117");
	second.build = (struct stage){ .status = BM_PASS, .seconds = 300, .detail = NULL };
	second.boot = (struct stage){ .status = BM_TIMEOUT, .seconds = 600, .detail = xstrdup("no output for 300 s") };
	add_suite(&second.kunit, "example", BM_PASS);
	add_case(&second.kunit, "example_simple_test", BM_PASS, NULL);

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_insert(s, "r1", "plan.yaml", "2026-11-21T18:01:02Z", NULL, &err), &err);
	store_ok(store_job_save(s, "r1", &first, &err), &err);
	store_ok(store_job_save(s, "r1", &second, &err), &err);
	store_ok(store_run_jobs(s, "r1", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_job_equal(&got[0], &second);
	jobs_free(got, n);

	/* And back to the bigger one. */
	store_ok(store_job_save(s, "r1", &first, &err), &err);
	store_ok(store_run_jobs(s, "r1", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_job_equal(&got[0], &first);
	jobs_free(got, n);

	job_result_release(&first);
	job_result_release(&second);
}

static void test_store_runs_separate(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result a, b;
	struct job_result *got = NULL;
	size_t n = 99;

	job_make_full(&a, "x86_64");
	job_make_full(&b, "x86_64");
	b.boot.status = BM_CRASH;

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_insert(s, "r1", "plan.yaml", "2026-11-21T18:00:00Z", "h", &err), &err);
	store_ok(store_run_insert(s, "r2", "plan.yaml", "2026-11-22T18:00:00Z", "h", &err), &err);
	store_ok(store_run_insert(s, "r3", "plan.yaml", "2026-11-23T18:00:00Z", "h", &err), &err);
	store_ok(store_job_save(s, "r1", &a, &err), &err);
	store_ok(store_job_save(s, "r2", &b, &err), &err);

	store_ok(store_run_jobs(s, "r1", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_job_equal(&got[0], &a);
	jobs_free(got, n);
	store_ok(store_run_jobs(s, "r2", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_job_equal(&got[0], &b);
	jobs_free(got, n);

	/* A run without jobs is empty, not an error. */
	got = (struct job_result *)&a;
	store_ok(store_run_jobs(s, "r3", &got, &n, &err), &err);
	assert_int_equal(n, 0);
	assert_null(got);

	job_result_release(&a);
	job_result_release(&b);
}

static void test_store_errors(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	struct job_result j, *got = NULL;
	size_t n = 99;

	job_make_build_failed(&j, "um");
	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_insert(s, "r1", "plan.yaml", "2026-11-21T18:00:00Z", NULL, &err), &err);

	expect_err(store_run_insert(s, "r1", "other.yaml", "2026-11-21T18:00:00Z", NULL, &err),
		   &err, BM_ERR_INPUT, "inserting run 'r1': already exists");
	expect_err(store_run_finish(s, "nope", "2026-11-21T19:00:00Z", &err), &err, BM_ERR_INPUT,
		   "finishing run 'nope': no such run");
	expect_err(store_job_save(s, "nope", &j, &err), &err, BM_ERR_INPUT,
		   "saving job 'um-sid-6.18.0-rust-kunit' of run 'nope': no such run");
	expect_err(store_run_jobs(s, "nope", &got, &n, &err), &err, BM_ERR_INPUT,
		   "reading jobs of run 'nope': no such run");
	assert_null(got);
	assert_int_equal(n, 99);

	free(j.id);
	j.id = NULL;
	expect_err(store_job_save(s, "r1", &j, &err), &err, BM_ERR_INPUT,
		   "saving a job of run 'r1': the job has no id");

	/* The failures left nothing behind and the connection usable. */
	store_ok(store_run_jobs(s, "r1", &got, &n, &err), &err);
	assert_int_equal(n, 0);
	job_result_release(&j);
}

static void assert_run_info(const struct store_run_info *r, const char *id, const char *plan,
			    const char *started, const char *finished, const char *host)
{
	assert_str_same(r->id, id);
	assert_str_same(r->plan, plan);
	assert_str_same(r->started, started);
	assert_str_same(r->finished, finished);
	assert_str_same(r->host, host);
}

static void test_store_run_info(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	struct store_run_info info = { 0 }, *list = NULL;
	size_t n = 99;

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_runs_list(s, NULL, &list, &n, &err), &err);
	assert_int_equal(n, 0);
	assert_null(list);

	store_ok(store_run_insert(s, "r1", "a.yaml", "2026-11-21T18:00:00Z", "h1", &err), &err);
	store_ok(store_run_insert(s, "r3", "b.yaml", "2026-11-22T18:00:00Z", NULL, &err), &err);
	/* Started in the same second as r3: the id breaks the tie. */
	store_ok(store_run_insert(s, "r2", "a.yaml", "2026-11-22T18:00:00Z", "h2", &err), &err);
	store_ok(store_run_finish(s, "r1", "2026-11-21T19:00:00Z", &err), &err);

	store_ok(store_run_get(s, "r1", &info, &err), &err);
	assert_run_info(&info, "r1", "a.yaml", "2026-11-21T18:00:00Z", "2026-11-21T19:00:00Z",
			"h1");
	store_run_info_release(&info);
	store_ok(store_run_get(s, "r3", &info, &err), &err);
	assert_run_info(&info, "r3", "b.yaml", "2026-11-22T18:00:00Z", NULL, NULL);
	store_run_info_release(&info);
	store_run_info_release(&info);	/* released twice: all NULL by now */
	store_run_info_release(NULL);
	expect_err(store_run_get(s, "nope", &info, &err), &err, BM_ERR_INPUT,
		   "no run 'nope' in the history");
	assert_null(info.id);

	store_ok(store_runs_list(s, NULL, &list, &n, &err), &err);
	assert_int_equal(n, 3);
	assert_run_info(&list[0], "r3", "b.yaml", "2026-11-22T18:00:00Z", NULL, NULL);
	assert_run_info(&list[1], "r2", "a.yaml", "2026-11-22T18:00:00Z", NULL, "h2");
	assert_run_info(&list[2], "r1", "a.yaml", "2026-11-21T18:00:00Z", "2026-11-21T19:00:00Z",
			"h1");
	store_run_infos_free(list, n);

	store_ok(store_runs_list(s, "a.yaml", &list, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, "r2");
	assert_string_equal(list[1].id, "r1");
	store_run_infos_free(list, n);

	store_ok(store_runs_list(s, "other.yaml", &list, &n, &err), &err);
	assert_int_equal(n, 0);
	assert_null(list);
	store_run_infos_free(NULL, 0);
}

/* A job of run_id with one case example.c of the given status. */
static void save_job(struct store *s, const char *run_id, const char *arch,
		     enum bm_status status, bool flaky)
{
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result j;

	job_init(&j, arch, "trixie", "6.12.117");
	j.build.status = BM_PASS;
	j.boot.status = BM_PASS;
	add_suite(&j.kunit, "example", status);
	add_case(&j.kunit, "c", status, NULL);
	j.kunit.suites[0].cases[0].flaky = flaky;
	store_ok(store_job_save(s, run_id, &j, &err), &err);
	job_result_release(&j);
}

static void expect_previous(struct store *s, const char *run_id, const char *want)
{
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	char *got = (char *)"unset";	/* must be overwritten, with NULL too */

	store_ok(store_previous_run(s, run_id, &got, &err), &err);
	assert_str_same(got, want);
	free(got);
}

static void test_store_previous_run(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	char *got = (char *)"unset";

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_insert(s, "n1", "nightly.yaml", "2026-11-20T18:00:00Z", NULL, &err),
		 &err);
	store_ok(store_run_insert(s, "x1", "other.yaml", "2026-11-21T00:00:00Z", NULL, &err),
		 &err);
	store_ok(store_run_insert(s, "n2", "nightly.yaml", "2026-11-21T18:00:00Z", NULL, &err),
		 &err);
	/* Crashed before its first job ended: nothing to compare with. */
	store_ok(store_run_insert(s, "n3", "nightly.yaml", "2026-11-22T18:00:00Z", NULL, &err),
		 &err);
	/* Same second as n4: the lower id comes first. */
	store_ok(store_run_insert(s, "n4a", "nightly.yaml", "2026-11-23T18:00:00Z", NULL, &err),
		 &err);
	store_ok(store_run_insert(s, "n4b", "nightly.yaml", "2026-11-23T18:00:00Z", NULL, &err),
		 &err);
	save_job(s, "n1", "x86_64", BM_PASS, false);
	save_job(s, "x1", "x86_64", BM_PASS, false);
	save_job(s, "n2", "x86_64", BM_PASS, false);
	save_job(s, "n4a", "x86_64", BM_PASS, false);
	save_job(s, "n4b", "x86_64", BM_PASS, false);

	expect_previous(s, "n1", NULL);
	expect_previous(s, "x1", NULL);
	expect_previous(s, "n2", "n1");
	expect_previous(s, "n3", "n2");
	expect_previous(s, "n4a", "n2");
	expect_previous(s, "n4b", "n4a");

	expect_err(store_previous_run(s, "nope", &got, &err), &err, BM_ERR_INPUT,
		   "no run 'nope' in the history");
	assert_string_equal(got, "unset");
}

static void test_store_flake_rate(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	unsigned flaky = 99, runs = 99;
	const char *job = "arm64-trixie-6.12.117-rust-kunit";

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_case_flake_rate(s, job, "example", "c", NULL, &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 0);
	assert_int_equal(runs, 0);

	for (int i = 0; i < 5; i++) {
		_cleanup_free_ char *id = xasprintf("r%d", i);
		_cleanup_free_ char *started = xasprintf("2026-11-2%dT18:00:00Z", i);

		store_ok(store_run_insert(s, id, "plan.yaml", started, NULL, &err), &err);
		/* arm64: flaky in runs 1 and 3, absent from run 4; x86_64 flaky every time. */
		if (i < 4)
			save_job(s, id, "arm64", i == 2 ? BM_FAIL : BM_PASS, i % 2 == 1);
		save_job(s, id, "x86_64", BM_PASS, true);
	}
	store_ok(store_case_flake_rate(s, job, "example", "c", NULL, &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 2);
	assert_int_equal(runs, 4);
	store_ok(store_case_flake_rate(s, "x86_64-trixie-6.12.117-rust-kunit", "example", "c", NULL,
				       &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 5);
	assert_int_equal(runs, 5);
	/* Up to a run: r0..r2 (arm64 flaky in r1 only); an unknown run counts nothing. */
	store_ok(store_case_flake_rate(s, job, "example", "c", "r2", &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 1);
	assert_int_equal(runs, 3);
	store_ok(store_case_flake_rate(s, job, "example", "c", "nope", &flaky, &runs, &err), &err);
	assert_int_equal(runs, 0);
	/* Exact ids: no patterns. */
	store_ok(store_case_flake_rate(s, "%", "example", "c", NULL, &flaky, &runs, &err), &err);
	assert_int_equal(runs, 0);
	store_ok(store_case_flake_rate(s, job, "example", "other", NULL, &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 0);
	assert_int_equal(runs, 0);
}

/* Reports of a run give each flaky case its rate up to that run, the same whenever rendered. */
static void test_publish_flake_rate(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	struct published_run p = { 0 };

	store_ok(store_open(f->db, &s, &err), &err);
	for (int i = 0; i < 3; i++) {
		_cleanup_free_ char *id = xasprintf("r%d", i);
		_cleanup_free_ char *started = xasprintf("2026-11-2%dT18:00:00Z", i);

		store_ok(store_run_insert(s, id, "plan.yaml", started, NULL, &err), &err);
		save_job(s, id, "x86_64", BM_PASS, i != 1);	/* flaky in r0 and r2 */
	}
	store_ok(publish_load(s, "r0", &p, &err), &err);
	assert_string_equal(p.jobs[0].kunit.suites[0].cases[0].detail,
			    "flaky in 1 of 1 run up to this one");
	published_run_release(&p);
	store_ok(publish_load(s, "r1", &p, &err), &err);
	assert_null(p.jobs[0].kunit.suites[0].cases[0].detail);	/* not flaky there */
	published_run_release(&p);
	store_ok(publish_load(s, "r2", &p, &err), &err);
	assert_string_equal(p.jobs[0].kunit.suites[0].cases[0].detail,
			    "flaky in 2 of 3 runs up to this one");
	published_run_release(&p);
}

static void test_store_job_ids(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	_cleanup_strv_ char **ids = NULL;

	store_ok(store_open(f->db, &s, &err), &err);
	store_ok(store_run_insert(s, "r1", "plan.yaml", "2026-11-21T18:00:00Z", NULL, &err), &err);
	store_ok(store_run_insert(s, "r2", "plan.yaml", "2026-11-22T18:00:00Z", NULL, &err), &err);

	store_ok(store_job_ids(s, "r1", &ids, &err), &err);
	assert_non_null(ids);
	assert_null(ids[0]);
	strv_freep(&ids);

	save_job(s, "r1", "x86_64", BM_PASS, false);
	save_job(s, "r1", "arm64", BM_FAIL, false);
	save_job(s, "r2", "um", BM_PASS, false);
	store_ok(store_job_ids(s, "r1", &ids, &err), &err);
	assert_int_equal(strv_length(ids), 2);
	assert_string_equal(ids[0], "arm64-trixie-6.12.117-rust-kunit");
	assert_string_equal(ids[1], "x86_64-trixie-6.12.117-rust-kunit");
	strv_freep(&ids);

	expect_err(store_job_ids(s, "nope", &ids, &err), &err, BM_ERR_INPUT,
		   "no run 'nope' in the history");
	assert_null(ids);
}

/* PRAGMA user_version is the big-endian 32-bit integer at offset 60 of the file header. */
static void test_store_schema_version(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	struct bm_err *err = NULL;
	unsigned char v[4];
	int fd;

	store_ok(store_open(f->db, &s, &err), &err);
	store_freep(&s);

	fd = open(f->db, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, v, 4, 60), 4);
	assert_memory_equal(v, "\0\0\0\6", 4);
	/* Reopening a current database changes nothing. */
	store_ok(store_open(f->db, &s, &err), &err);
	store_freep(&s);
	assert_int_equal(pread(fd, v, 4, 60), 4);
	assert_memory_equal(v, "\0\0\0\6", 4);

	assert_int_equal(pwrite(fd, "\0\0\0\x63", 4, 60), 4);
	close(fd);
	expect_err(store_open(f->db, &s, &err), &err, BM_ERR_INPUT,
		   "schema version 99 is newer than this bootmatrix supports (6)");
	assert_null(s);
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

/* Schema version 1, as released: keep this text frozen. */
#define SCHEMA_V1 \
	"CREATE TABLE runs (id TEXT NOT NULL PRIMARY KEY, plan TEXT NOT NULL," \
	" started TEXT NOT NULL, finished TEXT, host TEXT);\n" \
	"CREATE INDEX runs_by_started ON runs (started);\n" \
	"CREATE TABLE jobs (run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE," \
	" job_id TEXT NOT NULL, arch TEXT, toolchain TEXT, kernel TEXT, config TEXT," \
	" build_status TEXT NOT NULL, build_seconds REAL NOT NULL, build_detail TEXT," \
	" boot_status TEXT NOT NULL, boot_seconds REAL NOT NULL, boot_detail TEXT," \
	" kunit_pass INTEGER NOT NULL, kunit_fail INTEGER NOT NULL," \
	" kunit_skip INTEGER NOT NULL, kunit_crash INTEGER NOT NULL," \
	" manifest TEXT, qemu_version TEXT, libvirt_version TEXT, machine TEXT," \
	" log_dir TEXT, PRIMARY KEY (run_id, job_id));\n" \
	"CREATE INDEX jobs_by_job_id ON jobs (job_id);\n" \
	"CREATE TABLE suites (run_id TEXT NOT NULL, job_id TEXT NOT NULL," \
	" seq INTEGER NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL," \
	" pass INTEGER NOT NULL, fail INTEGER NOT NULL, skip INTEGER NOT NULL," \
	" crash INTEGER NOT NULL, PRIMARY KEY (run_id, job_id, seq)," \
	" FOREIGN KEY (run_id, job_id) REFERENCES jobs (run_id, job_id)" \
	" ON DELETE CASCADE);\n" \
	"CREATE TABLE cases (run_id TEXT NOT NULL, job_id TEXT NOT NULL," \
	" suite_seq INTEGER NOT NULL, seq INTEGER NOT NULL," \
	" suite TEXT NOT NULL, suite_status TEXT NOT NULL," \
	" name TEXT NOT NULL, status TEXT NOT NULL, detail TEXT," \
	" PRIMARY KEY (run_id, job_id, suite_seq, seq)," \
	" FOREIGN KEY (run_id, job_id, suite_seq) REFERENCES suites (run_id, job_id, seq)" \
	" ON DELETE CASCADE);\n" \
	"CREATE INDEX cases_by_name ON cases (suite, name);\n"

/* Version 2, as released: suites got their kind. */
#define SCHEMA_V2 SCHEMA_V1 \
	"ALTER TABLE suites ADD COLUMN kind TEXT NOT NULL DEFAULT 'kunit';\n"

/* PRAGMA user_version, read from the file header as above. */
static unsigned file_user_version(const char *path)
{
	unsigned char v[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, v, 4, 60), 4);
	close(fd);
	return (unsigned)v[0] << 24 | (unsigned)v[1] << 16 | (unsigned)v[2] << 8 | v[3];
}

/* A history written by schema version 1 (no suite kind): opening it runs every later step, the
 * old suites read back as KUnit (and their cases as not flaky), and new kselftest suites go in
 * beside them. */
static void test_store_migrate_v1(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result j, *got = NULL;
	size_t n = 0;

	sql_exec(f->db, SCHEMA_V1
		 "PRAGMA user_version = 1;\n"
		 "INSERT INTO runs VALUES ('old', 'plan.yaml', '2025-01-01T00:00:00Z', NULL,"
		 " NULL);\n"
		 "INSERT INTO jobs VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 'x86_64',"
		 " 'trixie', '6.12.117', 'rust-kunit', 'pass', 300.5, NULL, 'pass', 4.25, NULL,"
		 " 1, 0, 0, 0, NULL, NULL, NULL, NULL, NULL);\n"
		 "INSERT INTO suites VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 0,"
		 " 'example', 'pass', 1, 0, 0, 0);\n"
		 "INSERT INTO cases VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 0, 0,"
		 " 'example', 'pass', 'example_simple_test', 'pass', NULL);\n");

	store_ok(store_open(f->db, &s, &err), &err);
	assert_int_equal(file_user_version(f->db), 6);

	store_ok(store_run_jobs(s, "old", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].kunit.n_suites, 1);
	assert_string_equal(got[0].kunit.suites[0].name, "example");
	assert_int_equal(got[0].kunit.suites[0].kind, SUITE_KUNIT);
	assert_int_equal(got[0].kunit.suites[0].n_cases, 1);
	assert_string_equal(got[0].kunit.suites[0].cases[0].name, "example_simple_test");
	assert_false(got[0].kunit.suites[0].cases[0].flaky);
	assert_true(got[0].build.seconds == 300.5);
	/* jobs from before remote hosts: booted here, never re-queued */
	assert_null(got[0].host);
	assert_int_equal(got[0].requeued, 0);
	jobs_free(got, n);

	job_make_full(&j, "arm64");
	store_ok(store_job_save(s, "old", &j, &err), &err);
	store_ok(store_run_jobs(s, "old", &got, &n, &err), &err);
	assert_int_equal(n, 2);
	assert_job_equal(&got[0], &j);
	assert_int_equal(got[0].kunit.suites[3].kind, SUITE_KSELFTEST);
	jobs_free(got, n);
	store_freep(&s);

	/* A kind this bootmatrix does not know is an error, not a guess. */
	sql_exec(f->db, "UPDATE suites SET kind = 'ltp' WHERE name = 'rust'");
	store_ok(store_open(f->db, &s, &err), &err);
	assert_int_equal(store_run_jobs(s, "old", &got, &n, &err), -1);
	assert_string_equal(err->msg, "reading jobs of run 'old': "
			    "job 'arm64-trixie-6.12.117-rust-kunit': "
			    "unknown suite kind 'ltp' in column 'kind'");
	job_result_release(&j);
}

/* A history written by schema version 2 (no flaky column): opening it adds the column, the old
 * cases read back as not flaky and count in flake rates, new flaky cases go in beside them. */
static void test_store_migrate_v2(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result j, *got = NULL;
	size_t n = 0;
	unsigned flaky = 99, runs = 99;

	sql_exec(f->db, SCHEMA_V2
		 "PRAGMA user_version = 2;\n"
		 "INSERT INTO runs VALUES ('old', 'plan.yaml', '2025-01-01T00:00:00Z',"
		 " '2025-01-01T01:00:00Z', 'h');\n"
		 "INSERT INTO jobs VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 'x86_64',"
		 " 'trixie', '6.12.117', 'rust-kunit', 'pass', 300.5, NULL, 'pass', 4.25, NULL,"
		 " 1, 1, 0, 0, NULL, NULL, NULL, NULL, NULL);\n"
		 "INSERT INTO suites VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 0,"
		 " 'rust', 'fail', 1, 1, 0, 0, 'kselftest');\n"
		 "INSERT INTO cases VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 0, 0,"
		 " 'rust', 'fail', 'a', 'pass', NULL);\n"
		 "INSERT INTO cases VALUES ('old', 'x86_64-trixie-6.12.117-rust-kunit', 0, 1,"
		 " 'rust', 'fail', 'b', 'fail', 'exit=1');\n");

	store_ok(store_open(f->db, &s, &err), &err);
	assert_int_equal(file_user_version(f->db), 6);

	store_ok(store_run_jobs(s, "old", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].kunit.n_suites, 1);
	assert_int_equal(got[0].kunit.suites[0].kind, SUITE_KSELFTEST);
	assert_int_equal(got[0].kunit.suites[0].n_cases, 2);
	assert_false(got[0].kunit.suites[0].cases[0].flaky);
	assert_false(got[0].kunit.suites[0].cases[1].flaky);
	assert_string_equal(got[0].kunit.suites[0].cases[1].detail, "exit=1");
	jobs_free(got, n);

	/* The same job in a new run, its case "a" flaky this time. */
	job_init(&j, "x86_64", "trixie", "6.12.117");
	j.build.status = BM_PASS;
	j.boot.status = BM_PASS;
	add_suite(&j.kunit, "rust", BM_PASS);
	j.kunit.suites[0].kind = SUITE_KSELFTEST;
	add_case(&j.kunit, "a", BM_PASS, NULL);
	j.kunit.suites[0].cases[0].flaky = true;
	store_ok(store_run_insert(s, "new", "plan.yaml", "2026-01-01T00:00:00Z", NULL, &err),
		 &err);
	store_ok(store_job_save(s, "new", &j, &err), &err);
	store_ok(store_run_jobs(s, "new", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_job_equal(&got[0], &j);
	jobs_free(got, n);

	store_ok(store_case_flake_rate(s, j.id, "rust", "a", NULL, &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 1);
	assert_int_equal(runs, 2);
	store_ok(store_case_flake_rate(s, j.id, "rust", "b", NULL, &flaky, &runs, &err), &err);
	assert_int_equal(flaky, 0);
	assert_int_equal(runs, 1);
	job_result_release(&j);
}

static void test_store_not_a_database(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_free_ char *junk = xmalloc(4096);
	_cleanup_free_ char *dir_db = xasprintf("%s/missing/history.db", f->dir);
	struct bm_err *err = NULL;

	memset(junk, 'x', 4096);
	store_ok(file_write_atomic(f->db, junk, 4096, &err), &err);
	assert_int_equal(store_open(f->db, &s, &err), -1);
	assert_null(s);
	assert_non_null(strstr(err->msg, "file is not a database"));
	bm_err_freep(&err);

	assert_int_equal(store_open(dir_db, &s, &err), -1);
	assert_null(s);
	assert_string_equal(err->msg, "unable to open database file");
	bm_err_freep(&err);
}

/* Two connections to one file: what one writes, the other reads. */
static void test_store_two_connections(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *a = NULL;
	_cleanup_(store_freep) struct store *b = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct job_result j, *got = NULL;
	size_t n = 0;

	job_make_full(&j, "loongarch64");
	store_ok(store_open(f->db, &a, &err), &err);
	store_ok(store_open(f->db, &b, &err), &err);
	store_ok(store_run_insert(a, "r1", "plan.yaml", "2026-11-21T18:00:00Z", NULL, &err), &err);
	store_ok(store_job_save(b, "r1", &j, &err), &err);
	store_ok(store_run_jobs(a, "r1", &got, &n, &err), &err);
	assert_int_equal(n, 1);
	assert_job_equal(&got[0], &j);
	jobs_free(got, n);
	job_result_release(&j);
}

#define THREADS 4
#define JOBS_PER_THREAD 10

struct writer {
	struct store *shared;	/* NULL: open an own connection to path */
	const char *path;
	int index;
	int failed;
};

static void *writer_run(void *data)
{
	struct writer *w = data;
	_cleanup_(store_freep) struct store *own = NULL;
	struct store *s = w->shared;
	struct bm_err *err = NULL;

	if (!s) {
		if (store_open(w->path, &own, &err) < 0)
			goto out;
		s = own;
	}
	for (int i = 0; i < JOBS_PER_THREAD; i++) {
		struct job_result j;
		_cleanup_free_ char *arch = xasprintf("t%d-%02d", w->index, i);

		job_make_full(&j, arch);
		if (store_job_save(s, "r1", &j, &err) < 0) {
			job_result_release(&j);
			goto out;
		}
		job_result_release(&j);
	}
out:
	if (err) {
		w->failed = 1;
		fprintf(stderr, "writer %d: %s\n", w->index, err->msg);
		bm_err_free(err);
	}
	return NULL;
}

/* Writers in threads, sharing one handle or each with its own connection (the busy timeout). */
static void concurrent_writers(const char *path, bool shared)
{
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_(bm_err_freep) struct bm_err *err = NULL;
	struct writer w[THREADS];
	pthread_t t[THREADS];
	struct job_result *got = NULL;
	size_t n = 0;

	store_ok(store_open(path, &s, &err), &err);
	store_ok(store_run_insert(s, "r1", "plan.yaml", "2026-11-21T18:00:00Z", NULL, &err), &err);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){ shared ? s : NULL, path, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failed, 0);
	}
	store_ok(store_run_jobs(s, "r1", &got, &n, &err), &err);
	assert_int_equal(n, THREADS * JOBS_PER_THREAD);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i].kunit.suites[1].n_cases, 3);
	jobs_free(got, n);
}

static void test_store_threads_shared(void **state)
{
	struct fixture *f = *state;

	concurrent_writers(f->db, true);
}

static void test_store_threads_connections(void **state)
{
	struct fixture *f = *state;

	concurrent_writers(f->db, false);
}

/* A history that is no database (a disk that filled up mid-write, a stray file) stops nothing:
 * store_open says what is wrong, store_open_recover moves it aside and begins a new one. */
static void test_store_recover(void **state)
{
	struct fixture *f = *state;
	_cleanup_(store_freep) struct store *s = NULL;
	_cleanup_free_ char *moved = NULL, *text = NULL;
	struct bm_err *err = NULL;

	assert_int_equal(file_write_atomic(f->db, "this is not a database, but long enough to look "
					   "like one's header", 66, &err), 0);
	assert_int_equal(store_open(f->db, &s, &err), -1);
	assert_non_null(strstr(err->msg, "not a database"));
	bm_err_freep(&err);
	assert_null(s);

	store_ok(store_open_recover(f->db, &s, &moved, &err), &err);
	assert_non_null(moved);
	assert_true(str_has_prefix(moved, f->db));
	assert_non_null(strstr(moved, ".corrupt-"));
	assert_int_equal(file_read(moved, &text, NULL, &err), 0);
	assert_true(str_has_prefix(text, "this is not a database"));
	store_ok(store_run_insert(s, "new", "plan.yaml", "2026-11-29T10:00:00Z", "h", &err), &err);
	store_freep(&s);
	free(moved);
	moved = NULL;
	/* the new history is sound: opened again, nothing is moved */
	store_ok(store_open_recover(f->db, &s, &moved, &err), &err);
	assert_null(moved);
	unlink(f->db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_job_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_runs_separate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_migrate_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_migrate_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_run_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_previous_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_flake_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_flake_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_job_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_two_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_threads_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_threads_connections, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
