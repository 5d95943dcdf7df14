/* kselftest results synthesised by the harness for targets that produced none (see kselftest.h). */
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "util.h"

void kselftest_results_add_targets(struct test_results *r, char *const *targets,
				   enum bm_status status, const char *case_name, const char *why)
{
	for (size_t i = 0; targets && targets[i]; i++) {
		struct test_suite *s = NULL;

		for (size_t k = 0; k < r->n_suites && !s; k++)
			if (r->suites[k].kind == SUITE_KSELFTEST &&
			    strcmp(r->suites[k].name, targets[i]) == 0)
				s = &r->suites[k];
		if (s) {
			test_suite_release(s);
		} else {
			r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
			s = &r->suites[r->n_suites++];
			memset(s, 0, sizeof(*s));
		}
		s->name = xstrdup(targets[i]);
		s->kind = SUITE_KSELFTEST;
		s->cases = xcalloc(1, sizeof(*s->cases));
		s->cases[0].name = xstrdup(case_name);
		s->cases[0].status = status;
		s->cases[0].detail = xstrdup(why);
		s->n_cases = 1;
	}
	test_results_recount(r);
	/* recount derives suite status from the cases; infra is not counted there */
	for (size_t i = 0; targets && targets[i]; i++)
		for (size_t k = 0; k < r->n_suites; k++)
			if (r->suites[k].kind == SUITE_KSELFTEST &&
			    strcmp(r->suites[k].name, targets[i]) == 0)
				r->suites[k].status = status;
}

void kselftest_results_add_unbuilt(struct test_results *r, char *const *missing,
				   char *const *absent, const char *arch, const char *kernel)
{
	for (size_t i = 0; missing && missing[i]; i++) {
		char *const one[] = { missing[i], NULL };
		_cleanup_free_ char *why = xasprintf("the selftests of '%s' did not build for %s "
						     "(see build.log)", missing[i], arch);

		kselftest_results_add_targets(r, one, BM_FAIL, "build", why);
	}
	for (size_t i = 0; absent && absent[i]; i++) {
		char *const one[] = { absent[i], NULL };
		_cleanup_free_ char *why = xasprintf("kernel %s has no tools/testing/selftests/%s",
						     kernel ? kernel : "?", absent[i]);

		kselftest_results_add_targets(r, one, BM_SKIP, "build", why);
	}
}
