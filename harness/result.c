/* result.h: the status words and the result structs shared by the parser, the store and the
 * reports: releasing and small helpers. */
#include <stdlib.h>
#include <string.h>

#include "result.h"

static const char *const status_names[] = {
	[BM_NONE] = "none",
	[BM_PASS] = "pass",
	[BM_FAIL] = "fail",
	[BM_SKIP] = "skip",
	[BM_CRASH] = "crash",
	[BM_TIMEOUT] = "timeout",
	[BM_INFRA] = "infra",
	[BM_CONFIG] = "config",
};

const char *bm_status_name(enum bm_status s)
{
	if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "none";
	return status_names[s];
}

int bm_status_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(status_names[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *const kind_names[] = {
	[SUITE_KUNIT] = "kunit",
	[SUITE_KSELFTEST] = "kselftest",
};

const char *suite_kind_name(enum suite_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "kunit";
	return kind_names[k];
}

int suite_kind_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

void test_suite_release(struct test_suite *s)
{
	if (!s)
		return;
	for (size_t j = 0; j < s->n_cases; j++) {
		free(s->cases[j].name);
		free(s->cases[j].detail);
	}
	free(s->cases);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

void test_results_release(struct test_results *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_suites; i++)
		test_suite_release(&r->suites[i]);
	free(r->suites);
	free(r->note);
	memset(r, 0, sizeof(*r));
}

const struct test_suite *suite_iter_first(struct suite_iter *it, const struct test_results *r)
{
	*it = (struct suite_iter){ .r = r };
	if (r->source)
		r->source->rewind(r->source->ctx);
	return suite_iter_next(it);
}

const struct test_suite *suite_iter_next(struct suite_iter *it)
{
	const struct test_results *r = it->r;

	if (r->source)
		return r->source->next(r->source->ctx);
	return it->next < r->n_suites ? &r->suites[it->next++] : NULL;
}

void job_result_release(struct job_result *j)
{
	if (!j)
		return;
	free(j->id);
	free(j->arch);
	free(j->toolchain);
	free(j->kernel);
	free(j->config);
	free(j->build.detail);
	free(j->boot.detail);
	test_results_release(&j->kunit);
	free(j->log_dir);
	free(j->manifest);
	free(j->qemu_version);
	free(j->libvirt_version);
	free(j->machine);
	free(j->host);
	rust_opts_free(j->rust.opts, j->rust.n);
	memset(j, 0, sizeof(*j));
}

enum bm_status job_result_status(const struct job_result *j)
{
	if (j->build.status != BM_PASS)
		return j->build.status;
	if (j->boot.status != BM_PASS)
		return j->boot.status;
	if (j->kunit.fail)
		return BM_FAIL;
	if (j->kunit.crash)
		return BM_CRASH;
	return BM_PASS;
}

void test_results_recount(struct test_results *r)
{
	r->pass = r->fail = r->skip = r->crash = 0;
	for (size_t i = 0; i < r->n_suites; i++) {
		struct test_suite *s = &r->suites[i];

		s->pass = s->fail = s->skip = s->crash = 0;
		for (size_t j = 0; j < s->n_cases; j++) {
			switch (s->cases[j].status) {
			case BM_PASS:
				s->pass++;
				break;
			case BM_SKIP:
				s->skip++;
				break;
			case BM_CRASH:
				s->crash++;
				break;
			case BM_FAIL:
			case BM_TIMEOUT:
			case BM_CONFIG:
				s->fail++;
				break;
			default:
				break;
			}
		}
		if (s->fail)
			s->status = BM_FAIL;
		else if (s->crash)
			s->status = BM_CRASH;
		else if (s->pass)
			s->status = BM_PASS;
		else if (s->skip)
			s->status = BM_SKIP;
		r->pass += s->pass;
		r->fail += s->fail;
		r->skip += s->skip;
		r->crash += s->crash;
	}
}
