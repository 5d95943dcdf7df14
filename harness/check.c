/* check.h: whether a job's result is good or bad for bisect and `bootmatrix check`, from its
 * build, boot and suite or case outcomes. Pure. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "util.h"

void check_release(struct check *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].suite);
		free(c->items[i].name);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

static int parse_item(const char *word, struct check_item *it, struct bm_err **err)
{
	const char *rest, *dot;

	memset(it, 0, sizeof(*it));
	if (strcmp(word, "build") == 0) {
		it->kind = CHECK_BUILD;
		return 0;
	}
	if (strcmp(word, "boot") == 0) {
		it->kind = CHECK_BOOT;
		return 0;
	}
	if (str_has_prefix(word, "kunit:")) {
		it->suite_kind = SUITE_KUNIT;
		rest = word + 6;
	} else if (str_has_prefix(word, "kselftest:")) {
		it->suite_kind = SUITE_KSELFTEST;
		rest = word + 10;
	} else {
		return bm_err_set(err, BM_ERR_INPUT,
				  "unknown check '%s' (known: build, boot, kunit:SUITE[.CASE], "
				  "kselftest:TARGET[.CASE])", word);
	}
	if (!*rest || *rest == '.')
		return bm_err_set(err, BM_ERR_INPUT, "check '%s' names no suite", word);
	it->kind = CHECK_SUITE;
	dot = strchr(rest, '.');
	it->suite = dot ? xstrndup(rest, (size_t)(dot - rest)) : xstrdup(rest);
	if (dot) {
		if (!dot[1]) {
			free(it->suite);
			return bm_err_set(err, BM_ERR_INPUT, "check '%s' names no case", word);
		}
		it->name = xstrdup(dot + 1);
	}
	return 0;
}

int check_parse(const char *spec, struct check *ret, struct bm_err **err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	struct check c = { 0 };
	char *word, *save = NULL;

	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		c.items = xrealloc(c.items, (c.n + 1) * sizeof(*c.items));
		if (parse_item(str_strip(word), &c.items[c.n], err) < 0) {
			check_release(&c);
			return -1;
		}
		c.n++;
	}
	if (!c.n)
		return bm_err_set(err, BM_ERR_INPUT, "an empty check");
	*ret = c;
	return 0;
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "good", "bad", "skip", "retry" };

	return (size_t)v < ARRAY_SIZE(names) ? names[v] : "?";
}

static const struct test_suite *find_suite(const struct job_result *jr, const struct check_item *it)
{
	for (size_t i = 0; i < jr->kunit.n_suites; i++) {
		const struct test_suite *s = &jr->kunit.suites[i];

		if (s->kind == it->suite_kind && strcmp(s->name, it->suite) == 0)
			return s;
	}
	return NULL;
}

static bool failed(enum bm_status s)
{
	return s == BM_FAIL || s == BM_CRASH || s == BM_TIMEOUT || s == BM_CONFIG;
}

enum verdict check_decide(const struct check *c, const struct job_result *jr, char **ret_why)
{
	bool wants_build = false, wants_boot = false;

	for (size_t i = 0; i < c->n; i++) {
		wants_build = wants_build || c->items[i].kind == CHECK_BUILD;
		wants_boot = wants_boot || c->items[i].kind != CHECK_BUILD;
	}
	/* Infrastructure is never a verdict on the kernel. */
	if (jr->build.status == BM_INFRA || jr->boot.status == BM_INFRA) {
		*ret_why = xasprintf("infrastructure: %s", jr->build.status == BM_INFRA ?
				     (jr->build.detail ? jr->build.detail : "build") :
				     (jr->boot.detail ? jr->boot.detail : "boot"));
		return VERDICT_RETRY;
	}
	if (jr->build.status != BM_PASS) {
		*ret_why = xasprintf("build %s%s%s", bm_status_name(jr->build.status),
				     jr->build.detail ? ": " : "", jr->build.detail ? jr->build.detail : "");
		return wants_build ? VERDICT_BAD : VERDICT_SKIP;
	}
	if (!wants_boot) {
		*ret_why = xstrdup("build pass");
		return VERDICT_GOOD;
	}
	if (jr->boot.status != BM_PASS) {
		*ret_why = xasprintf("boot %s%s%s", bm_status_name(jr->boot.status),
				     jr->boot.detail ? ": " : "", jr->boot.detail ? jr->boot.detail : "");
		return VERDICT_BAD;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct check_item *it = &c->items[i];
		const struct test_suite *s;
		const char *kind = it->suite_kind == SUITE_KSELFTEST ? "kselftest" : "kunit";

		if (it->kind != CHECK_SUITE)
			continue;
		s = find_suite(jr, it);
		if (!s) {
			*ret_why = xasprintf("%s:%s did not run", kind, it->suite);
			return VERDICT_BAD;
		}
		if (!it->name) {
			for (size_t j = 0; j < s->n_cases; j++)
				if (s->cases[j].flaky) {
					*ret_why = xasprintf("%s:%s.%s is flaky", kind, s->name, s->cases[j].name);
					return VERDICT_RETRY;
				}
			if (failed(s->status) || s->fail || s->crash) {
				*ret_why = xasprintf("%s:%s %s (%u passed, %u failed, %u crashed)", kind,
						     s->name, bm_status_name(s->status), s->pass, s->fail,
						     s->crash);
				return VERDICT_BAD;
			}
			continue;
		}
		{
			const struct test_case *tc = NULL;

			for (size_t j = 0; j < s->n_cases && !tc; j++)
				if (strcmp(s->cases[j].name, it->name) == 0)
					tc = &s->cases[j];
			if (!tc) {
				*ret_why = xasprintf("%s:%s.%s did not run", kind, it->suite, it->name);
				return VERDICT_BAD;
			}
			if (tc->flaky) {
				*ret_why = xasprintf("%s:%s.%s is flaky", kind, it->suite, it->name);
				return VERDICT_RETRY;
			}
			if (failed(tc->status)) {
				*ret_why = xasprintf("%s:%s.%s %s%s%s", kind, it->suite, it->name,
						     bm_status_name(tc->status), tc->detail ? ": " : "",
						     tc->detail ? tc->detail : "");
				return VERDICT_BAD;
			}
		}
	}
	*ret_why = xstrdup("the check passed");
	return VERDICT_GOOD;
}

bool check_below_minimum(const struct job_result *jr, enum verdict *v, char **why)
{
	const char *d = jr->build.detail;
	const char *said = d ? strstr(d, "make rustavailable: ") : NULL;

	if (!jr->build.rust_unavailable)
		return false;
	free(*why);
	*why = said ? xasprintf("below the kernel's minimum (%.*s)", (int)strcspn(said + 20, ")"),
				said + 20) :
		      xasprintf("below the kernel's minimum (%s)", d ? d : "make rustavailable");
	*v = VERDICT_SKIP;
	return true;
}
