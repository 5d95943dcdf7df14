/* Comparing two runs. Pure: no I/O.
 *
 * Every job is flattened into entries keyed by (suite kind, suite, case, occurrence), the
 * occurrence counting repeats of one key in the job's order; two sorted entry lists are then
 * merged. Jobs are matched the same way, by (id, occurrence). */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "util.h"

/* One case (or stage) of one job. Strings point into the job. */
struct entry {
	enum suite_kind kind;
	const char *suite, *name;
	size_t order;		/* position in the job: keeps repeats in order */
	size_t occ;		/* how many earlier entries of the job have the same key */
	enum bm_status status;
	bool flaky;
};

struct item_list {
	struct compare_item *v;
	size_t n, cap;
};

/* One side of a comparison of a job. */
struct side {
	const struct job_result *job;	/* NULL: the job is not in this run */
	/* Whether a missing case means it is really gone: false when the job's build or boot did
	 * not pass, so that its test output is absent or cut short. */
	bool complete;
};

static const char *const kind_names[] = {
	[CMP_REGRESSION] = "regression",
	[CMP_FIX] = "fix",
	[CMP_NEW] = "new",
	[CMP_VANISHED] = "vanished",
};

const char *compare_kind_name(enum compare_kind k)
{
	if ((size_t)k >= ARRAY_SIZE(kind_names))
		return "unknown";
	return kind_names[k];
}

static int str_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int size_cmp(size_t a, size_t b)
{
	return a < b ? -1 : a > b;
}

/* Outcomes that count against the kernel. infra and none are neither good nor bad. */
static bool status_bad(enum bm_status s)
{
	return s == BM_FAIL || s == BM_CRASH || s == BM_TIMEOUT || s == BM_CONFIG;
}

static bool status_good(enum bm_status s)
{
	return s == BM_PASS || s == BM_SKIP;
}

static void item_push(struct item_list *l, enum compare_kind kind, const struct job_result *job,
		      const struct entry *e, enum bm_status before, enum bm_status after,
		      bool flaky)
{
	struct compare_item *it;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	it = &l->v[l->n++];
	*it = (struct compare_item){
		.kind = kind,
		.job = xstrdup(job->id),
		.arch = xstrdup(job->arch),
		.toolchain = xstrdup(job->toolchain),
		.suite = xstrdup(e->suite),
		.suite_kind = e->kind,
		.name = xstrdup(e->name),
		.before = before,
		.after = after,
		.flaky = flaky,
	};
}

/* x from the older run, y from the newer; either may be NULL (absent). */
static void entry_compare(struct item_list *l, const struct side *a, const struct side *b,
			  const struct entry *x, const struct entry *y)
{
	const struct job_result *job = b->job ? b->job : a->job;

	if (x && y) {
		if (status_good(x->status) && status_bad(y->status))
			item_push(l, CMP_REGRESSION, job, y, x->status, y->status, y->flaky);
		else if (status_bad(x->status) && y->status == BM_PASS)
			item_push(l, CMP_FIX, job, y, x->status, y->status, y->flaky);
	} else if (y && a->complete) {
		item_push(l, CMP_NEW, job, y, BM_NONE, y->status, y->flaky);
	} else if (x && b->complete) {
		/* There is no newer result to be flaky. */
		item_push(l, CMP_VANISHED, job, x, x->status, BM_NONE, false);
	}
}

/* By (kind, suite, case), ignoring the occurrence. */
static int entry_name_cmp(const struct entry *x, const struct entry *y)
{
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = str_cmp(x->suite, y->suite)) != 0)
		return c;
	return str_cmp(x->name, y->name);
}

static int entry_key_cmp(const struct entry *x, const struct entry *y)
{
	int c = entry_name_cmp(x, y);

	return c ? c : size_cmp(x->occ, y->occ);
}

static int entry_sort_cmp(const void *p, const void *q)
{
	const struct entry *x = p, *y = q;
	int c = entry_name_cmp(x, y);

	return c ? c : size_cmp(x->order, y->order);
}

/* The job's cases, sorted by key, occurrences numbered. The caller frees the array. */
static struct entry *job_entries(const struct job_result *j, size_t *ret_n)
{
	struct entry *v;
	size_t n = 0;

	if (!j) {
		*ret_n = 0;
		return NULL;
	}
	for (size_t i = 0; i < j->kunit.n_suites; i++)
		n += j->kunit.suites[i].n_cases;
	v = xcalloc(n ? n : 1, sizeof(*v));
	n = 0;
	for (size_t i = 0; i < j->kunit.n_suites; i++) {
		const struct test_suite *ts = &j->kunit.suites[i];

		for (size_t k = 0; k < ts->n_cases; k++, n++)
			v[n] = (struct entry){ ts->kind, ts->name, ts->cases[k].name, n, 0,
					       ts->cases[k].status, ts->cases[k].flaky };
	}
	qsort(v, n, sizeof(*v), entry_sort_cmp);
	for (size_t i = 1; i < n; i++)
		if (entry_name_cmp(&v[i], &v[i - 1]) == 0)
			v[i].occ = v[i - 1].occ + 1;
	*ret_n = n;
	return v;
}

/* A stage as an entry; NULL when the job is absent or the stage did not run. */
static const struct entry *stage_entry(const struct job_result *j, const struct stage *st,
				       const char *name, struct entry *buf)
{
	if (!j || st->status == BM_NONE)
		return NULL;
	*buf = (struct entry){ SUITE_KUNIT, name, name, 0, 0, st->status, false };
	return buf;
}

static void side_init(struct side *s, const struct job_result *j)
{
	s->job = j;
	/* A whole job missing from a run is reported case by case. */
	s->complete = !j || (j->build.status == BM_PASS && j->boot.status == BM_PASS);
}

/* a or b may be NULL: a job only in the newer or only in the older run. */
static void job_compare(struct item_list *l, const struct job_result *ja,
			const struct job_result *jb)
{
	struct side a, b, boot_a, boot_b;
	struct entry sa, sb;
	_cleanup_free_ struct entry *ea = NULL, *eb = NULL;
	size_t na, nb, i = 0, k = 0;

	side_init(&a, ja);
	side_init(&b, jb);
	/* A boot that did not run because the build failed is hidden like the cases. */
	boot_a = (struct side){ ja, !ja || ja->build.status == BM_PASS };
	boot_b = (struct side){ jb, !jb || jb->build.status == BM_PASS };

	entry_compare(l, &a, &b, stage_entry(ja, ja ? &ja->build : NULL, "build", &sa),
		      stage_entry(jb, jb ? &jb->build : NULL, "build", &sb));
	entry_compare(l, &boot_a, &boot_b, stage_entry(ja, ja ? &ja->boot : NULL, "boot", &sa),
		      stage_entry(jb, jb ? &jb->boot : NULL, "boot", &sb));

	ea = job_entries(ja, &na);
	eb = job_entries(jb, &nb);
	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : entry_key_cmp(&ea[i], &eb[k]);

		if (c < 0)
			entry_compare(l, &a, &b, &ea[i++], NULL);
		else if (c > 0)
			entry_compare(l, &a, &b, NULL, &eb[k++]);
		else
			entry_compare(l, &a, &b, &ea[i++], &eb[k++]);
	}
}

/* Jobs of one run by (id, position). */
struct job_ref {
	const struct job_result *job;
	size_t order, occ;
};

static int job_ref_sort_cmp(const void *p, const void *q)
{
	const struct job_ref *x = p, *y = q;
	int c = str_cmp(x->job->id, y->job->id);

	return c ? c : size_cmp(x->order, y->order);
}

static struct job_ref *job_refs(const struct job_result *jobs, size_t n)
{
	struct job_ref *v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = (struct job_ref){ &jobs[i], i, 0 };
	qsort(v, n, sizeof(*v), job_ref_sort_cmp);
	/* Ids are unique in a stored run; repeats are matched in order all the same. */
	for (size_t i = 1; i < n; i++)
		if (str_cmp(v[i].job->id, v[i - 1].job->id) == 0)
			v[i].occ = v[i - 1].occ + 1;
	return v;
}

static int job_ref_key_cmp(const struct job_ref *x, const struct job_ref *y)
{
	int c = str_cmp(x->job->id, y->job->id);

	return c ? c : size_cmp(x->occ, y->occ);
}

static int item_cmp(const void *p, const void *q)
{
	const struct compare_item *x = p, *y = q;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = str_cmp(x->job, y->job)) != 0 || (c = str_cmp(x->suite, y->suite)) != 0)
		return c;
	if (x->suite_kind != y->suite_kind)
		return x->suite_kind < y->suite_kind ? -1 : 1;
	return str_cmp(x->name, y->name);
}

/* Sort items made in order (stages, then cases by key and occurrence): a stable sort keeps
 * repeated names in the order they ran. qsort is not stable, so the position breaks ties. */
struct item_pos {
	struct compare_item item;
	size_t pos;
};

static int item_pos_cmp(const void *p, const void *q)
{
	const struct item_pos *x = p, *y = q;
	int c = item_cmp(&x->item, &y->item);

	return c ? c : size_cmp(x->pos, y->pos);
}

static void items_sort(struct compare_item *v, size_t n)
{
	_cleanup_free_ struct item_pos *t = xcalloc(n ? n : 1, sizeof(*t));

	for (size_t i = 0; i < n; i++)
		t[i] = (struct item_pos){ v[i], i };
	qsort(t, n, sizeof(*t), item_pos_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = t[i].item;
}

void compare_runs(const struct job_result *a, size_t na, const struct job_result *b, size_t nb,
		  struct compare_item **ret, size_t *ret_n)
{
	_cleanup_free_ struct job_ref *ra = job_refs(a, na), *rb = job_refs(b, nb);
	struct item_list l = { 0 };
	size_t i = 0, k = 0;

	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : job_ref_key_cmp(&ra[i], &rb[k]);

		if (c < 0)
			job_compare(&l, ra[i++].job, NULL);
		else if (c > 0)
			job_compare(&l, NULL, rb[k++].job);
		else
			job_compare(&l, ra[i++].job, rb[k++].job);
	}
	items_sort(l.v, l.n);
	*ret = l.v;
	*ret_n = l.n;
}

void compare_items_free(struct compare_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++) {
		free(items[i].job);
		free(items[i].arch);
		free(items[i].toolchain);
		free(items[i].suite);
		free(items[i].name);
	}
	free(items);
}
