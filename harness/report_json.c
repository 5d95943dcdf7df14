/* JSON reports (docs/json.md). The only module that includes jansson.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "report.h"
#include "util.h"

/* Building a tree: jansson returns NULL when out of memory (or for invalid UTF-8, which
 * json_str repairs first); remember that once instead of checking every call. */
struct jb {
	bool failed;
};

/* A copy of s with every byte that is not part of valid UTF-8 replaced by U+FFFD: console logs
 * may carry anything, JSON strings may not. */
static char *utf8_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(3 * strlen(s) + 1), *o = out;

	while (*p) {
		uint32_t cp;
		size_t len, i;

		if (*p < 0x80) {
			*o++ = (char)*p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			len = 2;
			cp = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			len = 3;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			len = 4;
			cp = *p & 0x07;
		} else {
			goto invalid;
		}
		/* A NUL fails the continuation test, so this never reads past the end. */
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				goto invalid;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			goto invalid;
		memcpy(o, p, len);
		o += len;
		p += len;
		continue;
invalid:
		memcpy(o, "\xef\xbf\xbd", 3);
		o += 3;
		p++;
	}
	*o = '\0';
	return out;
}

/* A string, or null for NULL. */
static json_t *json_str(struct jb *b, const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_string(s);
	if (!v) {
		_cleanup_free_ char *clean = utf8_sanitize(s);

		v = json_string(clean);
	}
	if (!v)
		b->failed = true;
	return v;
}

static json_t *json_count(unsigned n)
{
	return json_integer((json_int_t)n);
}

/* Seconds to the millisecond; null if not a number. */
static json_t *json_seconds(double x)
{
	if (!isfinite(x))
		return json_null();
	if (x > -1e12 && x < 1e12)
		x = (double)(long long)(x * 1000 + (x < 0 ? -0.5 : 0.5)) / 1000;
	return json_real(x);
}

static void jb_set(struct jb *b, json_t *obj, const char *key, json_t *v)
{
	/* Releases v when it fails, also for a NULL obj; replacing a key keeps its position. */
	if (json_object_set_new(obj, key, v) < 0)
		b->failed = true;
}

static void jb_append(struct jb *b, json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, v) < 0)
		b->failed = true;
}

static json_t *json_totals(struct jb *b, const struct test_results *r)
{
	json_t *o = json_object();

	jb_set(b, o, "pass", json_count(r->pass));
	jb_set(b, o, "fail", json_count(r->fail));
	jb_set(b, o, "skip", json_count(r->skip));
	jb_set(b, o, "crash", json_count(r->crash));
	return o;
}

static json_t *json_suites(struct jb *b, const struct test_results *r)
{
	json_t *suites = json_array();

	for (size_t i = 0; i < r->n_suites; i++) {
		const struct test_suite *ts = &r->suites[i];
		json_t *o = json_object(), *cases = json_array();

		jb_set(b, o, "name", json_str(b, ts->name));
		jb_set(b, o, "kind", json_string(suite_kind_name(ts->kind)));
		jb_set(b, o, "status", json_string(bm_status_name(ts->status)));
		jb_set(b, o, "pass", json_count(ts->pass));
		jb_set(b, o, "fail", json_count(ts->fail));
		jb_set(b, o, "skip", json_count(ts->skip));
		jb_set(b, o, "crash", json_count(ts->crash));
		for (size_t k = 0; k < ts->n_cases; k++) {
			const struct test_case *tc = &ts->cases[k];
			json_t *c = json_object();

			jb_set(b, c, "name", json_str(b, tc->name));
			jb_set(b, c, "status", json_string(bm_status_name(tc->status)));
			if (tc->detail)
				jb_set(b, c, "detail", json_str(b, tc->detail));
			jb_append(b, cases, c);
		}
		jb_set(b, o, "cases", cases);
		jb_append(b, suites, o);
	}
	return suites;
}

static json_t *json_stage(struct jb *b, const struct stage *st)
{
	json_t *o = json_object();

	jb_set(b, o, "status", json_string(bm_status_name(st->status)));
	jb_set(b, o, "seconds", json_seconds(st->seconds));
	if (st->detail)
		jb_set(b, o, "detail", json_str(b, st->detail));
	return o;
}

/* "key: value" lines to an object; lines without a colon are ignored, a repeated key keeps
 * its first position and its last value. */
static json_t *json_manifest(struct jb *b, const char *manifest)
{
	json_t *o = json_object();
	_cleanup_free_ char *copy = xstrdup(manifest);
	char *save = NULL;

	if (!copy)
		return o;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *key;

		if (!colon)
			continue;
		*colon = '\0';
		key = str_strip(line);
		if (!*key)
			continue;
		/* Keys must be valid UTF-8 too. */
		_cleanup_free_ char *clean = utf8_sanitize(key);

		jb_set(b, o, clean, json_str(b, str_strip(colon + 1)));
	}
	return o;
}

static json_t *json_job(struct jb *b, const struct job_result *j)
{
	json_t *o = json_object();

	jb_set(b, o, "id", json_str(b, j->id));
	jb_set(b, o, "arch", json_str(b, j->arch));
	jb_set(b, o, "toolchain", json_str(b, j->toolchain));
	jb_set(b, o, "kernel", json_str(b, j->kernel));
	jb_set(b, o, "config", json_str(b, j->config));
	jb_set(b, o, "status", json_string(bm_status_name(job_result_status(j))));
	jb_set(b, o, "build", json_stage(b, &j->build));
	jb_set(b, o, "boot", json_stage(b, &j->boot));
	jb_set(b, o, "totals", json_totals(b, &j->kunit));
	jb_set(b, o, "suites", json_suites(b, &j->kunit));
	jb_set(b, o, "machine", json_str(b, j->machine));
	jb_set(b, o, "qemu", json_str(b, j->qemu_version));
	jb_set(b, o, "libvirt", json_str(b, j->libvirt_version));
	jb_set(b, o, "log_dir", json_str(b, j->log_dir));
	jb_set(b, o, "manifest", json_manifest(b, j->manifest));
	return o;
}

static int json_finish(struct jb *b, json_t *root, char **ret_json, struct bm_err **err)
{
	_cleanup_free_ char *text = NULL;

	if (!b->failed)
		text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(15));
	if (!text)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory building JSON");
	*ret_json = xasprintf("%s\n", text);
	return 0;
}

int report_json_results(const struct test_results *r, char **ret_json, struct bm_err **err)
{
	struct jb b = { 0 };
	_cleanup_(json_decrefp) json_t *root = json_object();

	jb_set(&b, root, "totals", json_totals(&b, r));
	jb_set(&b, root, "suites", json_suites(&b, r));
	return json_finish(&b, root, ret_json, err);
}

int report_json_matrix(const char *run_id, const char *plan, const struct job_result *jobs,
		       size_t n, char **ret_json, struct bm_err **err)
{
	struct jb b = { 0 };
	_cleanup_(json_decrefp) json_t *root = json_object();
	json_t *arr = json_array();

	jb_set(&b, root, "run", json_str(&b, run_id));
	jb_set(&b, root, "plan", json_str(&b, plan));
	for (size_t i = 0; i < n; i++)
		jb_append(&b, arr, json_job(&b, &jobs[i]));
	jb_set(&b, root, "jobs", arr);
	return json_finish(&b, root, ret_json, err);
}
