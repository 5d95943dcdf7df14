/* JSON reports (docs/json.md). The only module that includes jansson.h. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "report.h"
#include "text.h"
#include "util.h"

/* Building a tree: jansson returns NULL when out of memory (or for invalid UTF-8, which
 * json_str sanitizes first); remember that once instead of checking every call. */
struct jb {
	bool failed;
};

/* A string (text.h's policy, line breaks kept), or null for NULL. */
static json_t *json_str(struct jb *b, const char *s)
{
	_cleanup_free_ char *clean = NULL;
	json_t *v;

	if (!s)
		return json_null();
	clean = text_sanitize_str(s, TEXT_MULTILINE);
	v = json_string(clean);
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
		_cleanup_free_ char *clean = text_sanitize_str(key, 0);

		jb_set(b, o, clean, json_str(b, str_strip(colon + 1)));
	}
	return o;
}

/* The Rust map: each Rust test option of the kernel with its verdict, and the counts. */
static json_t *json_rust(struct jb *b, const struct job_result *j)
{
	json_t *o = json_object(), *opts = json_array();
	unsigned count[3] = { 0 };

	for (size_t i = 0; i < j->rust.n; i++) {
		const struct rust_opt *r = &j->rust.opts[i];
		json_t *x = json_object();
		char want[2] = { r->want, 0 }, got[2] = { r->got, 0 };

		jb_set(b, x, "name", json_str(b, r->name));
		jb_set(b, x, "want", json_string(want));
		jb_set(b, x, "got", json_string(got));
		jb_set(b, x, "fate", json_string(rust_opt_fate_name(r->fate)));
		if (r->reason)
			jb_set(b, x, "reason", json_str(b, r->reason));
		if (r->depends)
			jb_set(b, x, "depends", json_str(b, r->depends));
		if (r->file)
			jb_set(b, x, "file", json_str(b, r->file));
		if ((size_t)r->fate < 3)
			count[r->fate]++;
		if (json_array_append_new(opts, x) < 0)
			b->failed = true;
	}
	jb_set(b, o, "on", json_count(count[RUST_OPT_ON]));
	jb_set(b, o, "dropped", json_count(count[RUST_OPT_DROPPED]));
	jb_set(b, o, "absent", json_count(count[RUST_OPT_ABSENT]));
	jb_set(b, o, "options", opts);
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
	/* written in its place as the suites are read (job_write) */
	jb_set(b, o, "suites", json_array());
	if (j->kunit.note)
		jb_set(b, o, "note", json_str(b, j->kunit.note));
	jb_set(b, o, "machine", json_str(b, j->machine));
	jb_set(b, o, "host", json_str(b, j->host));
	jb_set(b, o, "requeued", json_count(j->requeued));
	jb_set(b, o, "qemu", json_str(b, j->qemu_version));
	jb_set(b, o, "libvirt", json_str(b, j->libvirt_version));
	jb_set(b, o, "log_dir", json_str(b, j->log_dir));
	jb_set(b, o, "manifest", json_manifest(b, j->manifest));
	if (j->rust.n)
		jb_set(b, o, "rust", json_rust(b, j));
	return o;
}

/* ---------------------------------------------------------------------------------------------
 * parse --json, written piece by piece as the suites come (no tree of the whole log): the
 * framing here, every string escaped by jansson, byte for byte what json_dumps made of the tree
 * with JSON_INDENT(2) | JSON_PRESERVE_ORDER. */

static int dump_to_strbuf(const char *buf, size_t size, void *data)
{
	strbuf_add_len(data, buf, size);
	return 0;
}

/* True when jansson would write s between quotes as it is: printable ASCII without a quote or a
 * backslash, as most names are. */
static bool json_verbatim(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* s as a JSON string (text.h's policy, line breaks kept), or null for NULL. scratch: a jansson
 * string to reuse (one allocation less per string), NULL before the first call; the caller
 * decrefs it. */
static int put_str(struct strbuf *out, const char *s, json_t **scratch, struct bm_err **err)
{
	_cleanup_free_ char *clean = NULL;
	size_t len;

	if (!s) {
		strbuf_add_len(out, "null", 4);
		return 0;
	}
	len = strlen(s);
	/* the hot path of a large log: nothing to escape, nothing for jansson to do */
	if (json_verbatim(s, len)) {
		strbuf_add_len(out, "\"", 1);
		strbuf_add_len(out, s, len);
		strbuf_add_len(out, "\"", 1);
		return 0;
	}
	/* Most names are plain ASCII, which sanitizing would only copy. */
	if (!text_is_plain(s, len)) {
		clean = text_sanitize(s, len, TEXT_MULTILINE);
		s = clean;
		len = strlen(s);
	}
	/* Valid UTF-8 now: no need for jansson to check it again. */
	if (!*scratch)
		*scratch = json_stringn_nocheck(s, len);
	else if (json_string_setn_nocheck(*scratch, s, len) < 0)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory writing JSON");
	if (!*scratch || json_dump_callback(*scratch, dump_to_strbuf, out, JSON_ENCODE_ANY) < 0)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory writing JSON");
	return 0;
}

/* One of our own words ("pass", "kunit"): plain lower-case ASCII, nothing to escape. */
static void put_word(struct strbuf *out, const char *w)
{
	strbuf_add_len(out, "\"", 1);
	strbuf_add(out, w);
	strbuf_add_len(out, "\"", 1);
}

/* A line break and indent spaces (at most 16). */
static void put_newline(struct strbuf *out, unsigned indent)
{
	strbuf_add_len(out, "\n                ", 1 + indent);
}

/* ",\n" before all but the first member, then the indentation and "\"key\": ". Keys are ours
 * and need no escaping. */
static void put_key(struct strbuf *out, unsigned indent, bool first, const char *key)
{
	if (!first)
		strbuf_add_len(out, ",", 1);
	put_newline(out, indent);
	strbuf_add_len(out, "\"", 1);
	strbuf_add(out, key);
	strbuf_add_len(out, "\": ", 3);
}

static void put_count(struct strbuf *out, unsigned indent, const char *key, unsigned n)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", n);

	put_key(out, indent, false, key);
	strbuf_add_len(out, num, (size_t)len);
}

static void put_close(struct strbuf *out, unsigned indent, char c)
{
	put_newline(out, indent);
	strbuf_add_len(out, &c, 1);
}

void report_json_results_head(const struct test_results *r, struct strbuf *out)
{
	strbuf_add(out, "{\n  \"totals\": {");
	put_key(out, 4, true, "pass");
	strbuf_addf(out, "%u", r->pass);
	put_count(out, 4, "fail", r->fail);
	put_count(out, 4, "skip", r->skip);
	put_count(out, 4, "crash", r->crash);
	strbuf_add(out, "\n  },\n  \"suites\": [");
}

/* A suite as an item of an array: "{" indent spaces deep, after ",\n" (but for the first) and
 * the indentation. */
static int suite_write(struct strbuf *out, const struct test_suite *ts, bool first,
		       unsigned indent, struct bm_err **err)
{
	_cleanup_(json_decrefp) json_t *scratch = NULL;
	/* A case is the hot path of a large log: its framing in few, constant pieces. */
	const int ci = (int)indent + 4, ki = (int)indent + 6;
	char open[64], status[64], detail[64], close[64];
	const size_t open_len = (size_t)snprintf(open, sizeof(open), ",\n%*s{\n%*s\"name\": ",
						 ci, "", ki, "");
	const size_t status_len = (size_t)snprintf(status, sizeof(status), ",\n%*s\"status\": \"",
						   ki, "");
	const size_t detail_len = (size_t)snprintf(detail, sizeof(detail), "\",\n%*s\"detail\": ",
						   ki, "");
	const size_t close_len = (size_t)snprintf(close, sizeof(close), "\"\n%*s}", ci, "");

	if (!first)
		strbuf_add_len(out, ",", 1);
	put_newline(out, indent);
	strbuf_add_len(out, "{", 1);
	put_key(out, indent + 2, true, "name");
	if (put_str(out, ts->name, &scratch, err) < 0)
		return -1;
	put_key(out, indent + 2, false, "kind");
	put_word(out, suite_kind_name(ts->kind));
	put_key(out, indent + 2, false, "status");
	put_word(out, bm_status_name(ts->status));
	put_count(out, indent + 2, "pass", ts->pass);
	put_count(out, indent + 2, "fail", ts->fail);
	put_count(out, indent + 2, "skip", ts->skip);
	put_count(out, indent + 2, "crash", ts->crash);
	put_key(out, indent + 2, false, "cases");
	strbuf_add_len(out, "[", 1);
	for (size_t k = 0; k < ts->n_cases; k++) {
		const struct test_case *tc = &ts->cases[k];

		strbuf_add_len(out, open + (k ? 0 : 1), open_len - (k ? 0 : 1));
		if (put_str(out, tc->name, &scratch, err) < 0)
			return -1;
		strbuf_add_len(out, status, status_len);
		strbuf_add(out, bm_status_name(tc->status));
		if (tc->detail) {
			strbuf_add_len(out, detail, detail_len);
			if (put_str(out, tc->detail, &scratch, err) < 0)
				return -1;
			/* the closing quote is put_str's */
			strbuf_add_len(out, close + 1, close_len - 1);
		} else {
			strbuf_add_len(out, close, close_len);
		}
	}
	if (ts->n_cases)
		put_close(out, indent + 2, ']');
	else
		strbuf_add_len(out, "]", 1);
	put_close(out, indent, '}');
	return 0;
}

int report_json_results_suite(const struct test_suite *ts, bool first, struct strbuf *out,
			      struct bm_err **err)
{
	return suite_write(out, ts, first, 4, err);
}

int report_json_results_tail(const struct test_results *r, bool any_suite, struct strbuf *out,
			     struct bm_err **err)
{
	_cleanup_(json_decrefp) json_t *scratch = NULL;

	strbuf_add(out, any_suite ? "\n  ]" : "]");
	/* the parser's note comes last: it is known only once the log has ended */
	if (r->note) {
		put_key(out, 2, false, "note");
		if (put_str(out, r->note, &scratch, err) < 0)
			return -1;
	}
	strbuf_add(out, "\n}\n");
	return 0;
}

int report_json_results(const struct test_results *r, char **ret_json, struct bm_err **err)
{
	struct strbuf b = { 0 };

	report_json_results_head(r, &b);
	for (size_t i = 0; i < r->n_suites; i++) {
		if (report_json_results_suite(&r->suites[i], i == 0, &b, err) < 0) {
			free(strbuf_take(&b));
			return -1;
		}
	}
	if (report_json_results_tail(r, r->n_suites > 0, &b, err) < 0) {
		free(strbuf_take(&b));
		return -1;
	}
	*ret_json = strbuf_take(&b);
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * matrix.json and KCIDB, written as they go: what stands before and after the one array as
 * large as the log (a job's suites, KCIDB's tests) is a jansson tree dumped as json_dumps would
 * dump the whole document, the array's items are written one at a time. */

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* text[0..len), dumped at the top, as if it were indent spaces deeper: each line break gets
 * the indentation after it (JSON holds line breaks only between tokens). */
static void put_reindented(struct strbuf *out, const char *text, size_t len, unsigned indent)
{
	const char *p = text, *end = text + len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		strbuf_add_len(out, p, (size_t)(nl - p));
		put_newline(out, indent);
		p = nl + 1;
	}
	strbuf_add_len(out, p, (size_t)(end - p));
}

/* v (built with b) as an item of an array, "{" indent spaces deep: ",\n" (but for the first),
 * the indentation, the dump. */
static int put_item(struct report_out *out, struct jb *b, json_t *v, bool first, unsigned indent,
		    struct bm_err **err)
{
	_cleanup_free_ char *text = b->failed ? NULL : json_dumps(v, DUMP_FLAGS);

	if (!text)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory building JSON");
	if (!first)
		strbuf_add_len(&out->buf, ",", 1);
	put_newline(&out->buf, indent);
	put_reindented(&out->buf, text, strlen(text), indent);
	report_out_check(out);
	return 0;
}

/* obj (built with b), whose member key is an empty array, dumped indent spaces deep up to that
 * array's "[" into out, the rest (after its "]") into *ret_tail (caller frees): its items go
 * between, then array_end. */
static int dump_around(struct report_out *out, struct jb *b, json_t *obj, const char *key,
		       unsigned indent, char **ret_tail, struct bm_err **err)
{
	_cleanup_free_ char *text = b->failed ? NULL : json_dumps(obj, DUMP_FLAGS);
	_cleanup_free_ char *mark = xasprintf("\n  \"%s\": []", key);
	struct strbuf tail = { 0 };
	const char *at;

	if (!text)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory building JSON");
	/* obj's own members are the only lines two spaces deep */
	at = strstr(text, mark);
	if (!at)
		return bm_err_set(err, BM_ERR_SYSTEM, "JSON without its member '%s'", key);
	at += strlen(mark) - 1;
	put_reindented(&out->buf, text, (size_t)(at - text), indent);
	put_reindented(&tail, at + 1, strlen(at + 1), indent);
	*ret_tail = strbuf_take(&tail);
	report_out_check(out);
	return 0;
}

/* The end of an array whose member stands indent spaces deep, its items written or not. */
static void array_end(struct report_out *out, bool any, unsigned indent)
{
	if (any)
		put_newline(&out->buf, indent);
	strbuf_add_len(&out->buf, "]", 1);
}

/* A job of matrix.json, "{" 4 spaces deep, its suites read one at a time. */
static int job_write(struct report_out *out, const struct job_result *j, bool first,
		     struct bm_err **err)
{
	struct jb b = { 0 };
	_cleanup_(json_decrefp) json_t *o = json_job(&b, j);
	_cleanup_free_ char *tail = NULL;
	struct suite_iter it;
	bool any = false;

	if (!first)
		strbuf_add_len(&out->buf, ",", 1);
	put_newline(&out->buf, 4);
	if (dump_around(out, &b, o, "suites", 4, &tail, err) < 0)
		return -1;
	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts;
	     ts = suite_iter_next(&it)) {
		if (suite_write(&out->buf, ts, !any, 8, err) < 0)
			return -1;
		any = true;
		report_out_check(out);
	}
	array_end(out, any, 6);
	strbuf_add(&out->buf, tail);
	return 0;
}

int report_json_matrix_out(struct report_out *out, const char *run_id, const char *plan,
			   const struct job_result *jobs, size_t n, struct bm_err **err)
{
	struct jb b = { 0 };
	_cleanup_(json_decrefp) json_t *root = json_object();
	_cleanup_free_ char *tail = NULL;

	jb_set(&b, root, "run", json_str(&b, run_id));
	jb_set(&b, root, "plan", json_str(&b, plan));
	jb_set(&b, root, "jobs", json_array());
	if (dump_around(out, &b, root, "jobs", 0, &tail, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (job_write(out, &jobs[i], i == 0, err) < 0)
			return -1;
	array_end(out, n > 0, 2);
	strbuf_add(&out->buf, tail);
	report_out_add(out, "\n", 1);
	return 0;
}

int report_json_matrix(const char *run_id, const char *plan, const struct job_result *jobs,
		       size_t n, char **ret_json, struct bm_err **err)
{
	struct report_out out = { 0 };

	return report_out_take(&out, report_json_matrix_out(&out, run_id, plan, jobs, n, err),
			       ret_json);
}

/* ---------------------------------------------------------------------------------------------
 * KCIDB I/O schema v5.3 (docs/reports.md). The schema allows no nulls: unknown fields are left
 * out. */

/* log_excerpt's maxLength, in characters; cutting at this many bytes is always short enough. */
#define KCIDB_EXCERPT_MAX 16384

/* A string field, left out when NULL. */
static void jb_set_str(struct jb *b, json_t *obj, const char *key, const char *s)
{
	if (s)
		jb_set(b, obj, key, json_str(b, s));
}

/* Our status words in KCIDB's: FAIL the tested code is faulty, ERROR the test did not complete,
 * MISS the harness failed so it did not run. NULL: not run, no status. A crash of the boot is a
 * panic the boot test saw (FAIL); a crashed case is one that never reported (ERROR). */
static const char *kcidb_status(enum bm_status s, bool is_boot)
{
	switch (s) {
	case BM_PASS:
		return "PASS";
	case BM_FAIL:
	case BM_CONFIG:
		return "FAIL";
	case BM_SKIP:
		return "SKIP";
	case BM_CRASH:
		return is_boot ? "FAIL" : "ERROR";
	case BM_TIMEOUT:
		return "ERROR";
	case BM_INFRA:
		return "MISS";
	case BM_NONE:
		break;
	}
	return NULL;
}

/* The origin: [a-z0-9_]+, "bootmatrix" when none is given. */
static char *kcidb_origin(const char *origin)
{
	char *o;

	if (!origin || !*origin)
		return xstrdup("bootmatrix");
	o = xstrdup(origin);
	for (char *p = o; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
	}
	return o;
}

/* "architecture": [a-z0-9_]*. */
static char *kcidb_arch(const char *arch)
{
	_cleanup_free_ char *o = kcidb_origin(arch);

	return xstrdup(arch && *arch ? o : "");
}

/* An id after the origin's colon: anything but line breaks (the schema's ".*"). */
static char *kcidb_id(const char *origin, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *kcidb_id(const char *origin, const char *fmt, ...)
{
	_cleanup_free_ char *rest = NULL;
	va_list ap;

	va_start(ap, fmt);
	rest = xvasprintf(fmt, ap);
	va_end(ap);
	for (char *p = rest; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = '_';
	return xasprintf("%s:%s", origin, rest);
}

/* Append s to a dotted path: every component [a-zA-Z0-9_-]+, other bytes become '_', an empty
 * component "_". */
static void kcidb_path_add(struct strbuf *path, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (path->len)
		strbuf_add(path, ".");
	if (n == 0)
		strbuf_add(path, "_");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (i == 0 || s[i - 1] == '.')
				strbuf_add(path, "_");
			strbuf_add(path, ".");
			continue;
		}
		c = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-' ? c : '_';
		strbuf_add_len(path, &c, 1);
	}
	if (n && s[n - 1] == '.')
		strbuf_add(path, "_");
}

/* The first KCIDB_EXCERPT_MAX bytes of s, cut at a character boundary. */
static char *kcidb_excerpt(const char *s)
{
	size_t n = strlen(s);

	if (n <= KCIDB_EXCERPT_MAX)
		return xstrdup(s);
	n = KCIDB_EXCERPT_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return xstrndup(s, n);
}

/* "rustc 1.85.1 (...), Debian clang version 19.1.7": the manifest's rustc and clang lines (the
 * kernel is built with LLVM=1), each with the tool's name in front unless it holds it. NULL if
 * neither is there. A repeated key: its last value. */
static char *kcidb_compiler(const char *manifest)
{
	static const char *const tools[] = { "rustc", "clang" };
	_cleanup_free_ char *copy = NULL;
	_cleanup_strv_ char **parts = NULL;

	for (size_t t = 0; t < ARRAY_SIZE(tools); t++) {
		const char *value = NULL;
		char *save = NULL;

		free(copy);
		copy = xstrdup(manifest);
		for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(line, ':');

			if (!colon)
				continue;
			*colon = '\0';
			if (strcmp(str_strip(line), tools[t]) == 0 && *str_strip(colon + 1))
				value = str_strip(colon + 1);
		}
		if (value && strstr(value, tools[t]))
			strv_push(&parts, value);
		else if (value)
			strv_pushf(&parts, "%s %s", tools[t], value);
	}
	return parts ? strv_join(parts, ", ") : NULL;
}

/* A checkout per kernel: the sources of one version, as used by every job of the run. */
static json_t *kcidb_checkout(struct jb *b, const struct report_run_meta *meta, const char *origin,
			      const char *kernel, const struct job_result *jobs, size_t n)
{
	_cleanup_free_ char *id = kcidb_id(origin, "%s:%s", meta->run_id, kernel);
	_cleanup_free_ char *comment = xasprintf("Linux %s", kernel);
	json_t *o = json_object(), *misc = json_object();
	bool built = false;

	/* Valid: the sources were there, so that some build ran (or failed because of them). */
	for (size_t i = 0; i < n; i++)
		if (strcmp(jobs[i].kernel ? jobs[i].kernel : "unknown", kernel) == 0 &&
		    jobs[i].build.status != BM_NONE && jobs[i].build.status != BM_INFRA)
			built = true;
	jb_set(b, o, "id", json_str(b, id));
	jb_set(b, o, "origin", json_str(b, origin));
	jb_set_str(b, o, "start_time", meta->started);
	jb_set(b, o, "comment", json_str(b, comment));
	if (built)
		jb_set(b, o, "valid", json_true());
	jb_set(b, misc, "kernel", json_str(b, kernel));
	jb_set(b, misc, "run", json_str(b, meta->run_id));
	jb_set_str(b, misc, "plan", meta->plan);
	jb_set_str(b, misc, "host", meta->host);
	jb_set(b, o, "misc", misc);
	return o;
}

static json_t *kcidb_build(struct jb *b, const struct report_run_meta *meta, const char *origin,
			   const struct job_result *j)
{
	const char *kernel = j->kernel ? j->kernel : "unknown";
	_cleanup_free_ char *id = kcidb_id(origin, "%s:%s", meta->run_id, j->id);
	_cleanup_free_ char *checkout = kcidb_id(origin, "%s:%s", meta->run_id, kernel);
	_cleanup_free_ char *arch = kcidb_arch(j->arch), *compiler = kcidb_compiler(j->manifest);
	_cleanup_free_ char *excerpt = j->build.detail ? kcidb_excerpt(j->build.detail) : NULL;
	const char *status = kcidb_status(j->build.status, false);
	json_t *o = json_object(), *misc = json_object();

	jb_set(b, o, "id", json_str(b, id));
	jb_set(b, o, "checkout_id", json_str(b, checkout));
	jb_set(b, o, "origin", json_str(b, origin));
	jb_set_str(b, o, "comment", j->id);
	if (j->arch)
		jb_set(b, o, "architecture", json_str(b, arch));
	jb_set_str(b, o, "compiler", compiler);
	jb_set_str(b, o, "config_name", j->config);
	if (j->build.status != BM_NONE && isfinite(j->build.seconds))
		jb_set(b, o, "duration", json_seconds(j->build.seconds));
	jb_set_str(b, o, "status", status);
	jb_set_str(b, o, "log_excerpt", excerpt);
	jb_set(b, misc, "status", json_string(bm_status_name(j->build.status)));
	jb_set_str(b, misc, "toolchain", j->toolchain);
	jb_set_str(b, misc, "log_dir", j->log_dir);
	if (j->manifest)
		jb_set(b, misc, "manifest", json_manifest(b, j->manifest));
	jb_set(b, o, "misc", misc);
	return o;
}

/* Where the tests of a job ran, or NULL when unknown. */
static json_t *kcidb_environment(struct jb *b, const struct job_result *j)
{
	json_t *o, *misc;

	if (!j->machine && !j->qemu_version && !j->libvirt_version)
		return NULL;
	o = json_object();
	misc = json_object();
	jb_set_str(b, o, "comment", j->machine);
	jb_set_str(b, misc, "qemu", j->qemu_version);
	jb_set_str(b, misc, "libvirt", j->libvirt_version);
	jb_set(b, o, "misc", misc);
	return o;
}

/* Test ids must be unique: a path that sanitizing made equal to an earlier one of the job gets
 * "#2", "#3", ... */
static char *kcidb_test_id(const char *build_id, const char *path, struct strset *used)
{
	char *id = xasprintf("%s:%s", build_id, path);
	unsigned k = strset_add_numbered(used, id, "#");

	if (k == 1)
		return id;
	free(id);
	return xasprintf("%s:%s#%u", build_id, path, k);
}

static json_t *kcidb_test(struct jb *b, const char *origin, const char *build_id,
			  struct strset *used, const char *path, const char *name, enum bm_status s,
			  const char *detail, const double *seconds, bool flaky,
			  const struct job_result *j)
{
	_cleanup_free_ char *id = kcidb_test_id(build_id, path, used);
	_cleanup_free_ char *excerpt = detail ? kcidb_excerpt(detail) : NULL;
	json_t *o = json_object(), *misc = json_object(), *env = kcidb_environment(b, j);

	jb_set(b, o, "id", json_str(b, id));
	jb_set(b, o, "build_id", json_str(b, build_id));
	jb_set(b, o, "origin", json_str(b, origin));
	jb_set(b, o, "path", json_str(b, path));
	jb_set_str(b, o, "comment", name);
	jb_set_str(b, o, "status", kcidb_status(s, strcmp(path, "boot") == 0));
	if (seconds && isfinite(*seconds))
		jb_set(b, o, "duration", json_seconds(*seconds));
	jb_set_str(b, o, "log_excerpt", excerpt);
	if (env)
		jb_set(b, o, "environment", env);
	jb_set(b, misc, "status", json_string(bm_status_name(s)));
	if (flaky)
		jb_set(b, misc, "flaky", json_true());
	jb_set(b, o, "misc", misc);
	return o;
}

/* The tests of a job: its boot, if it was tried, and every case; items of KCIDB's "tests".
 * *any: an item was written before. */
static int kcidb_tests(struct report_out *out, const struct report_run_meta *meta,
		       const char *origin, const struct job_result *j, bool *any,
		       struct bm_err **err)
{
	_cleanup_free_ char *build_id = kcidb_id(origin, "%s:%s", meta->run_id, j->id);
	struct strset used = { 0 };
	struct suite_iter it;
	int rc = 0;

	if (j->boot.status != BM_NONE) {
		struct jb b = { 0 };
		_cleanup_(json_decrefp) json_t *t =
			kcidb_test(&b, origin, build_id, &used, "boot", NULL, j->boot.status,
				   j->boot.detail, &j->boot.seconds, false, j);

		rc = put_item(out, &b, t, !*any, 4, err);
		*any = true;
	}
	for (const struct test_suite *ts = suite_iter_first(&it, &j->kunit); ts && rc == 0;
	     ts = suite_iter_next(&it)) {
		for (size_t k = 0; k < ts->n_cases && rc == 0; k++) {
			const struct test_case *tc = &ts->cases[k];
			struct strbuf pb = { 0 };
			struct jb b = { 0 };
			_cleanup_(json_decrefp) json_t *t = NULL;
			_cleanup_free_ char *path = NULL;
			_cleanup_free_ char *name = xasprintf("%s.%s", ts->name ? ts->name : "",
							      tc->name ? tc->name : "");

			strbuf_add(&pb, suite_kind_name(ts->kind));
			kcidb_path_add(&pb, ts->name);
			kcidb_path_add(&pb, tc->name);
			path = strbuf_take(&pb);
			t = kcidb_test(&b, origin, build_id, &used, path, name, tc->status,
				       tc->detail, NULL, tc->flaky, j);
			rc = put_item(out, &b, t, !*any, 4, err);
			*any = true;
		}
	}
	strset_release(&used);
	return rc;
}

int report_kcidb_out(struct report_out *out, const struct report_run_meta *meta,
		     const struct job_result *jobs, size_t n, struct bm_err **err)
{
	struct jb b = { 0 };
	_cleanup_(json_decrefp) json_t *root = json_object();
	_cleanup_free_ char *origin = kcidb_origin(meta->origin), *tail = NULL;
	_cleanup_strv_ char **kernels = NULL;
	json_t *version = json_object(), *checkouts = json_array(), *builds = json_array();
	struct report_run_meta m = *meta;
	bool any = false;

	if (!m.run_id)
		m.run_id = "-";
	meta = &m;

	jb_set(&b, version, "major", json_integer(5));
	jb_set(&b, version, "minor", json_integer(3));
	jb_set(&b, root, "version", version);
	for (size_t i = 0; i < n; i++) {
		const char *kernel = jobs[i].kernel ? jobs[i].kernel : "unknown";

		if (strv_contains(kernels, kernel))
			continue;
		strv_push(&kernels, kernel);
		jb_append(&b, checkouts, kcidb_checkout(&b, meta, origin, kernel, jobs, n));
	}
	for (size_t i = 0; i < n; i++)
		jb_append(&b, builds, kcidb_build(&b, meta, origin, &jobs[i]));
	jb_set(&b, root, "checkouts", checkouts);
	jb_set(&b, root, "builds", builds);
	jb_set(&b, root, "tests", json_array());
	if (dump_around(out, &b, root, "tests", 0, &tail, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kcidb_tests(out, meta, origin, &jobs[i], &any, err) < 0)
			return -1;
	array_end(out, any, 2);
	strbuf_add(&out->buf, tail);
	report_out_add(out, "\n", 1);
	return 0;
}

int report_kcidb(const struct report_run_meta *meta, const struct job_result *jobs, size_t n,
		 char **ret_json, struct bm_err **err)
{
	struct report_out out = { 0 };

	return report_out_take(&out, report_kcidb_out(&out, meta, jobs, n, err), ret_json);
}
