/* ktap.h: the streaming KTAP/TAP parser for kernel consoles (KUnit and kselftest). Pure: no
 * fork, no network, no printing. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ktap.h"
#include "ktap_lex.h"
#include "text.h"
#include "util.h"

#define KTAP_LINE_MAX 65536	/* longer lines are truncated */
#define STR_(x) #x
#define STR(x) STR_(x)

/* What one console can make the parser keep (ktap.h). */
struct ktap_limits {
	size_t cases;		/* cases made so far */
	bool cut_names, cut_depth, cut_cases;
};

/* One open test: the document itself (stack[0]) or a subtest. Leaves collected so far carry
 * names relative to this frame. */
struct frame {
	char *name;		/* from "# Subtest:", may be NULL */
	long long plan;		/* -1: no plan line yet */
	unsigned long n_results;	/* direct children reported */
	int indent;		/* of its header lines (and of its children) */
	bool informative;	/* indented deeper than its parent: indentation tells where it ends */
	bool fresh;		/* opened by a version line, no name and no child yet */
	struct test_case *leaves;
	size_t n_leaves, cap_leaves;
};

/* A kselftest test program: from its "# selftests: DIR: TEST" line to its result line. */
struct ks_program {
	char *dir, *test;		/* as printed (sanitized), not yet cleaned for export */
	struct ktap_parser *sub;	/* parses its output, without the "# " prefix */
	char *skip_reason;		/* directive of a nested "1..0 # SKIP ...", may be NULL */
	char *bail;			/* its first "Bail out! ..." line (ksft_exit_fail_msg), or NULL */
};

struct ktap_parser {
	char *partial;		/* the unfinished last line of ktap_parser_feed */
	size_t partial_len;
	bool partial_seen;	/* bytes arrived since the last newline (even if all dropped) */
	char *scratch;		/* the line being parsed, NUL-terminated */

	bool started, done, doc_active, doc_informative;
	char *prefix;		/* what stood before the document's version line */
	size_t prefix_len;
	struct frame stack[KTAP_DEPTH_MAX];
	size_t depth;		/* 0 when no document is active */

	struct test_results res;
	size_t cap_suites;
	ktap_suite_fn *sink;	/* NULL: suites stay in res until ktap_parser_finish */
	void *sink_ctx;
	bool res_has_ks;	/* res holds a kselftest suite, which may still grow */

	bool doc_tap;		/* "TAP version", not "KTAP version": kselftest programs possible */
	bool nested;		/* parses one kselftest program's output: no programs inside */
	struct ks_program *prog;	/* the program running, NULL if none */

	struct ktap_limits own_limits;
	struct ktap_limits *lim;	/* own_limits, or the parser's whose program this parses */

	/* a result line's name and detail, cleaned (text_clean_into), and any other text */
	char name_buf[KTAP_NAME_MAX + 1], detail_buf[KTAP_NAME_MAX + 1];
	char clean_buf[KTAP_NAME_MAX + 1];
};

/* How much of s[0..n) a name keeps: all of it, or KTAP_NAME_MAX - 3 bytes (at a character
 * boundary) that "..." then follows. */
static size_t name_cut(struct ktap_parser *p, const char *s, size_t n)
{
	if (n <= KTAP_NAME_MAX)
		return n;
	n = KTAP_NAME_MAX - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	p->lim->cut_names = true;
	return n;
}

/* s cut to KTAP_NAME_MAX bytes, "..." marking the cut. Takes ownership. */
static char *name_cap(struct ktap_parser *p, char *s)
{
	size_t len = s ? strlen(s) : 0, n = name_cut(p, s, len);

	if (n == len)
		return s;
	memcpy(s + n, "...", 4);
	return xrealloc(s, n + 4);
}

/* A name or detail from the console: text.h's policy, then the cap, in buf (KTAP_NAME_MAX + 1
 * bytes; no allocation for the usual plain text). Returns buf. */
static char *text_clean_into(struct ktap_parser *p, char *buf, const char *s, size_t len)
{
	_cleanup_free_ char *slow = NULL;
	size_t n;

	/* no use sanitizing more than the cap can keep (4 bytes a character at most) */
	if (len > 4 * KTAP_NAME_MAX) {
		len = 4 * KTAP_NAME_MAX;
		p->lim->cut_names = true;
	}
	if (!text_is_plain(s, len)) {
		s = slow = ktap_text_clean(s, len);
		len = strlen(slow);
	}
	n = name_cut(p, s, len);
	memcpy(buf, s, n);
	memcpy(buf + n, n < len ? "..." : "", n < len ? 4 : 1);
	/* a name is one line: a tab is a space */
	for (char *c = memchr(buf, '\t', n); c; c = memchr(c + 1, '\t', n - (size_t)(c + 1 - buf)))
		*c = ' ';
	return buf;
}

/* The same as a heap string. */
static char *text_clean(struct ktap_parser *p, const char *s, size_t len)
{
	return xstrdup(text_clean_into(p, p->clean_buf, s, len));
}

/* "a.b" for flattened names, capped. */
static char *name_join(struct ktap_parser *p, const char *a, const char *b)
{
	return name_cap(p, xasprintf("%s.%s", a, b));
}

/* Whether one more case may be made (KTAP_CASES_MAX); says so once it may not. */
static bool case_budget(struct ktap_parser *p)
{
	if (p->lim->cases >= KTAP_CASES_MAX) {
		p->lim->cut_cases = true;
		return false;
	}
	p->lim->cases++;
	return true;
}

static void frame_release(struct frame *f)
{
	for (size_t i = 0; i < f->n_leaves; i++) {
		free(f->leaves[i].name);
		free(f->leaves[i].detail);
	}
	free(f->leaves);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

/* Takes ownership of name and detail. */
static void frame_leaf_add(struct frame *f, char *name, enum bm_status status, char *detail)
{
	if (f->n_leaves == f->cap_leaves) {
		f->cap_leaves = f->cap_leaves ? 2 * f->cap_leaves : 8;
		f->leaves = xrealloc(f->leaves, f->cap_leaves * sizeof(*f->leaves));
	}
	f->leaves[f->n_leaves++] = (struct test_case){ .name = name, .status = status, .detail = detail };
}

/* A case made from the console (not one moved up from a subtest): within KTAP_CASES_MAX, or
 * dropped. Takes ownership of name and detail. */
static void leaf_new(struct ktap_parser *p, struct frame *f, char *name, enum bm_status status,
		     char *detail)
{
	if (!case_budget(p)) {
		free(name);
		free(detail);
		return;
	}
	frame_leaf_add(f, name, status, detail);
}

/* Count cases into the suite and the totals. */
static void results_count(struct ktap_parser *p, struct test_suite *s,
			  const struct test_case *cases, size_t n_cases)
{
	struct test_results *r = &p->res;

	for (size_t i = 0; i < n_cases; i++) {
		ktap_count_status(cases[i].status, &s->pass, &s->fail, &s->skip, &s->crash);
		ktap_count_status(cases[i].status, &r->pass, &r->fail, &r->skip, &r->crash);
	}
}

/* Hand every suite held in res to the sink, in order. */
static void results_flush(struct ktap_parser *p)
{
	struct test_results *r = &p->res;

	for (size_t i = 0; i < r->n_suites; i++)
		p->sink(p->sink_ctx, &r->suites[i]);
	r->n_suites = 0;
	p->res_has_ks = false;
}

/* Takes ownership of name and cases. Returns the new suite, valid until the next add; NULL when
 * it went to the sink at once (only a suite that is not kselftest's can: those grow until the
 * end, and the ones after them wait, so that the order stays). */
static struct test_suite *results_suite_add(struct ktap_parser *p, char *name,
					    enum bm_status status, struct test_case *cases,
					    size_t n_cases, enum suite_kind kind)
{
	struct test_results *r = &p->res;

	if (r->n_suites == p->cap_suites) {
		p->cap_suites = p->cap_suites ? 2 * p->cap_suites : 16;
		r->suites = xrealloc(r->suites, p->cap_suites * sizeof(*r->suites));
	}
	struct test_suite *s = &r->suites[r->n_suites++];

	*s = (struct test_suite){ .name = name, .status = status, .cases = cases,
				  .n_cases = n_cases, .kind = kind };
	results_count(p, s, cases, n_cases);
	if (kind == SUITE_KSELFTEST)
		p->res_has_ks = true;
	if (p->sink && !p->res_has_ks) {
		results_flush(p);
		return NULL;
	}
	return s;
}

static struct frame *frame_top(struct ktap_parser *p)
{
	return &p->stack[p->depth - 1];
}

static void frame_push(struct ktap_parser *p, int indent, char *name, bool fresh)
{
	struct frame *parent = frame_top(p);
	struct frame *f = &p->stack[p->depth++];

	*f = (struct frame){ .name = name, .plan = -1, .indent = indent, .fresh = fresh,
			     .informative = indent > parent->indent };
	if (f->informative)
		p->doc_informative = true;
	parent->fresh = false;
}

static void program_close(struct ktap_parser *p, enum bm_status status, char *detail,
			  bool truncated);

static void doc_check_done(struct ktap_parser *p)
{
	struct frame *root = &p->stack[0];

	if (p->depth != 1 || root->plan < 0 || root->n_results < (unsigned long long)root->plan)
		return;
	if (p->prog)
		program_close(p, BM_CRASH, xstrdup("no result line"), true);
	frame_release(root);
	p->depth = 0;
	p->doc_active = false;
	p->done = true;
}

/* kselftest (tools/testing/selftests/kselftest/runner.sh) prints one TAP 13 document per
 * run_many call, at the top level "# selftests: DIR: TEST" when a program starts, the program's
 * output behind "# ", then "ok N selftests: DIR: TEST" with "# SKIP" (exit 4),
 * "# TIMEOUT N seconds" or "# exit=N". Each DIR becomes one suite of kind SUITE_KSELFTEST; each
 * program adds its nested cases as "TEST.CASE", or one case "TEST". */

/* "selftests: DIR: TEST" into its parts (copies); false if name is not one. */
static bool ks_name_split(const char *name, char **ret_dir, char **ret_test)
{
	static const char tag[] = "selftests:";
	const char *d = name + sizeof(tag) - 1;

	if (strncmp(name, tag, sizeof(tag) - 1) != 0)
		return false;
	while (*d == ' ')
		d++;
	const char *colon = strchr(d, ':');

	if (!colon)
		return false;
	const char *t = colon + 1;
	size_t dl = (size_t)(colon - d), tl;

	while (dl > 0 && d[dl - 1] == ' ')
		dl--;
	while (*t == ' ')
		t++;
	tl = strlen(t);
	while (tl > 0 && t[tl - 1] == ' ')
		tl--;
	if (dl == 0 || tl == 0)
		return false;
	*ret_dir = xstrndup(d, dl);
	*ret_test = xstrndup(t, tl);
	return true;
}

/* Names for export (already sanitized): spaces and colons become '_'. In place. */
static char *ks_name_clean(char *s)
{
	for (char *c = s; *c; c++)
		if (*c == ' ' || *c == ':')
			*c = '_';
	return s;
}

/* Worst first: a target's status is its worst case. */
static int ks_status_rank(enum bm_status s)
{
	switch (s) {
	case BM_FAIL:
		return 5;
	case BM_TIMEOUT:
		return 4;
	case BM_CRASH:
		return 3;
	case BM_PASS:
		return 2;
	case BM_SKIP:
		return 1;
	default:
		return 0;
	}
}

/* Append cases to the target's suite, creating it on first use. Takes ownership of dir and of
 * cases (and their strings). */
static void ks_suite_add(struct ktap_parser *p, char *dir, struct test_case *cases, size_t n)
{
	struct test_suite *s = NULL;
	size_t first = 0;

	for (size_t i = p->res.n_suites; i-- > 0;) {
		struct test_suite *t = &p->res.suites[i];

		if (t->kind == SUITE_KSELFTEST && strcmp(t->name, dir) == 0) {
			s = t;
			break;
		}
	}
	if (!s) {
		s = results_suite_add(p, dir, BM_NONE, cases, n, SUITE_KSELFTEST);
	} else {
		free(dir);
		first = s->n_cases;
		s->cases = xrealloc(s->cases, (s->n_cases + n) * sizeof(*s->cases));
		memcpy(s->cases + s->n_cases, cases, n * sizeof(*cases));
		s->n_cases += n;
		results_count(p, s, cases, n);
		free(cases);
	}
	for (size_t i = first; i < s->n_cases; i++)
		if (ks_status_rank(s->cases[i].status) > ks_status_rank(s->status))
			s->status = s->cases[i].status;
}

static void line_process(struct ktap_parser *p, const char *buf, size_t len);
static void doc_end_as(struct ktap_parser *p, enum bm_status status, const char *detail);

/* Takes ownership of dir and test. */
static void program_start(struct ktap_parser *p, char *dir, char *test)
{
	struct ks_program *g = xcalloc(1, sizeof(*g));

	g->dir = dir;
	g->test = test;
	g->sub = ktap_parser_new();
	g->sub->nested = true;
	g->sub->lim = p->lim;
	/* Under KSFT_TAP_LEVEL kselftest.h prints no version line: its results count all the
	 * same. */
	line_process(g->sub, "TAP version 13", 14);
	p->prog = g;
}

static void program_free(struct ks_program *g)
{
	if (!g)
		return;
	ktap_parser_free(g->sub);
	free(g->dir);
	free(g->test);
	free(g->skip_reason);
	free(g->bail);
	free(g);
}

/* One line of the running program's output, its "# " removed. */
static void program_line(struct ktap_parser *p, const char *line)
{
	struct ks_program *g = p->prog;
	unsigned long long n;
	const char *hash;

	/* "1..0 # SKIP reason": ksft_exit_skip before any test; the reason for the program's
	 * case. */
	if (!g->skip_reason && ktap_parse_plan(line, &n) && n == 0 && (hash = strchr(line, '#'))) {
		hash++;
		while (*hash == ' ' || *hash == '\t')
			hash++;
		if (strncasecmp(hash, "SKIP", 4) == 0)
			g->skip_reason = text_clean(p, hash, strlen(hash));
	}
	/* "Bail out! why": the program gave up; why is the best evidence for the test it was
	 * running */
	if (!g->bail && strncmp(line, "Bail out!", 9) == 0)
		g->bail = text_clean(p, line, strlen(line));
	line_process(g->sub, line, strlen(line));
}

/* The program's result line came (status, its directive as detail) or never will (truncated:
 * BM_CRASH). Its nested cases become "TEST.CASE"; the test that was running when it timed out,
 * failed or stopped gets that status as "TEST.#N" (when its plan promised more), and a failure
 * that no nested case shows, or a program without nested cases, is one case "TEST". Takes
 * ownership of detail. */
static void program_close(struct ktap_parser *p, enum bm_status status, char *detail,
			  bool truncated)
{
	struct ks_program *g = p->prog;
	struct ktap_parser *sub = g->sub;
	bool failed = status != BM_PASS && status != BM_SKIP;
	struct frame acc = { 0 };
	struct test_results nested;
	unsigned long long running = 0;
	bool bad = false;

	p->prog = NULL;
	if (failed && sub->doc_active && sub->depth == 1 && sub->stack[0].plan >= 0 &&
	    sub->stack[0].n_results < (unsigned long long)sub->stack[0].plan)
		running = sub->stack[0].n_results + 1;
	/* An open nested subtest ran into the end: with the program's status when it failed. */
	doc_end_as(sub, failed ? status : BM_CRASH,
		   failed && !truncated && detail ? detail : "no result line");
	ktap_parser_finish(sub, &nested);

	for (size_t i = 0; i < nested.n_suites; i++) {
		struct test_suite *s = &nested.suites[i];

		for (size_t k = 0; k < s->n_cases; k++) {
			struct test_case *c = &s->cases[k];
			_cleanup_free_ char *sname = s->n_cases == 1 && strcmp(c->name, s->name) == 0 ?
				NULL : name_join(p, g->test, s->name);
			char *name = name_join(p, sname ? sname : g->test, c->name);

			frame_leaf_add(&acc, ks_name_clean(name), c->status, c->detail);
			c->detail = NULL;
		}
	}
	test_results_release(&nested);
	if (running)
		leaf_new(p, &acc, ks_name_clean(name_cap(p, xasprintf("%s.#%llu", g->test, running))),
			 status,
			 truncated ? xstrdup("no result: the output stopped while it ran") :
			 g->bail ? name_cap(p, xasprintf("%s%s%s%s", g->bail, detail ? " (" : "",
							 detail ? detail : "", detail ? ")" : "")) :
			 detail ? xstrdup(detail) : NULL);
	for (size_t i = 0; i < acc.n_leaves; i++)
		if (acc.leaves[i].status != BM_PASS && acc.leaves[i].status != BM_SKIP)
			bad = true;
	if (acc.n_leaves == 0 || (failed && !bad)) {
		if (status == BM_SKIP && g->skip_reason &&
		    (!detail || strcasecmp(detail, "SKIP") == 0)) {
			free(detail);
			detail = g->skip_reason;
			g->skip_reason = NULL;
		}
		leaf_new(p, &acc, ks_name_clean(xstrdup(g->test)), status, detail);
		detail = NULL;
	}
	free(detail);
	if (acc.n_leaves) {
		ks_suite_add(p, ks_name_clean(g->dir), acc.leaves, acc.n_leaves);
		g->dir = NULL;
	} else {
		free(acc.leaves);	/* every case dropped (KTAP_CASES_MAX) */
	}
	acc.leaves = NULL;
	program_free(g);
}

/* A line at the top level of a document that is kselftest's: "# selftests: DIR: TEST" starts a
 * program, "# ..." while one runs is its output. True when the line was taken. */
static bool program_take_line(struct ktap_parser *p, const char *c, int indent)
{
	if (p->nested || !p->doc_tap || c[0] != '#' || (c[1] != ' ' && c[1] != '\0'))
		return false;
	if (p->depth == 1 && indent == p->stack[0].indent &&
	    strncmp(c, "# selftests:", 12) == 0) {
		_cleanup_free_ char *name = text_clean(p, c + 2, strlen(c + 2));
		char *dir, *test;

		if (ks_name_split(name, &dir, &test)) {
			/* The previous program's result line was lost. */
			if (p->prog)
				program_close(p, BM_CRASH, xstrdup("no result line"), true);
			program_start(p, dir, test);
			return true;
		}
	}
	if (!p->prog)
		return false;
	program_line(p, c[1] ? c + 2 : c + 1);
	return true;
}

/* A result for the document itself: a top-level test without subtests, or a kselftest program.
 * name and detail (may be NULL) are copied when kept. */
static void root_result_add(struct ktap_parser *p, const char *name, enum bm_status status,
			    const char *detail)
{
	char *dir, *test;

	if (!p->nested && p->doc_tap && ks_name_split(name, &dir, &test)) {
		if (p->prog && (strcmp(p->prog->dir, dir) != 0 || strcmp(p->prog->test, test) != 0))
			program_close(p, BM_CRASH, xstrdup("no result line"), true);
		if (p->prog) {
			free(dir);
			free(test);
		} else {
			program_start(p, dir, test);
		}
		program_close(p, status, xstrdup(detail), false);
	} else {
		if (p->prog)
			program_close(p, BM_CRASH, xstrdup("no result line"), true);
		if (case_budget(p)) {
			struct test_case *c = xmalloc(sizeof(*c));

			*c = (struct test_case){ .name = xstrdup(name), .status = status,
						 .detail = xstrdup(detail) };
			results_suite_add(p, xstrdup(name), status, c, 1, SUITE_KUNIT);
		}
	}
	p->stack[0].n_results++;
	doc_check_done(p);
}

/* Close the innermost subtest with its result (or BM_CRASH when it never came) and hand its
 * leaves to the parent. rname: the description on its result line, may be NULL or empty. With
 * running, one crashed case stands for the test that was running when the output stopped.
 * Takes ownership of detail. */
static void frame_close(struct ktap_parser *p, enum bm_status status, const char *rname,
			char *detail, bool running)
{
	struct frame *f = frame_top(p);
	struct frame *parent = &p->stack[p->depth - 2];
	char *name;

	if (rname && *rname)
		name = xstrdup(rname);
	else if (f->name)
		name = xstrdup(f->name);
	else
		name = xasprintf("#%lu", parent->n_results + 1);

	/* Only doc_end_as passes running, with the status it closes everything with. */
	if (running && f->n_results > 0 &&
	    (f->plan < 0 || f->n_results < (unsigned long long)f->plan))
		leaf_new(p, f, xasprintf("#%lu", f->n_results + 1), status,
			 status == BM_CRASH || !detail ?
			 xstrdup("no result: the output stopped while it ran") : xstrdup(detail));

	if (p->depth == 2) {
		if (f->n_leaves == 0) {
			leaf_new(p, f, xstrdup(name), status, detail);
			detail = NULL;
		}
		/* every case of it dropped (KTAP_CASES_MAX): no suite either */
		if (f->n_leaves) {
			results_suite_add(p, name, status, f->leaves, f->n_leaves, SUITE_KUNIT);
			f->leaves = NULL;
			f->n_leaves = 0;
			name = NULL;
		}
	} else if (f->n_leaves == 0) {
		leaf_new(p, parent, name, status, detail);
		name = NULL;
		detail = NULL;
	} else {
		for (size_t i = 0; i < f->n_leaves; i++) {
			struct test_case *c = &f->leaves[i];

			frame_leaf_add(parent, name_join(p, name, c->name), c->status, c->detail);
			c->detail = NULL;
		}
	}
	free(name);
	free(detail);
	parent->n_results++;
	parent->fresh = false;
	frame_release(f);
	p->depth--;
	if (p->depth == 1)
		doc_check_done(p);
}

/* The document ends without all its results: the running kselftest program crashed, every open
 * subtest gets status (BM_CRASH: it never reported) with detail. */
static void doc_end_as(struct ktap_parser *p, enum bm_status status, const char *detail)
{
	bool running = true;

	if (p->prog)
		program_close(p, BM_CRASH, xstrdup("no result line"), true);
	while (p->doc_active && p->depth > 1) {
		frame_close(p, status, NULL, xstrdup(detail), running);
		running = false;
	}
	if (!p->doc_active)
		return;
	frame_release(&p->stack[0]);
	p->depth = 0;
	p->doc_active = false;
}

static void doc_end(struct ktap_parser *p)
{
	doc_end_as(p, BM_CRASH, "no result line");
}

/* version: the version line, from its "TAP" or "KTAP". */
static void doc_start(struct ktap_parser *p, int indent, const char *version)
{
	if (p->doc_active)
		doc_end(p);
	p->stack[0] = (struct frame){ .plan = -1, .indent = indent };
	p->depth = 1;
	p->doc_active = true;
	p->doc_informative = false;
	p->doc_tap = version[0] == 'T';
	p->started = true;
	p->done = false;
}

/* Digits may differ (a timestamp or a pid inside the prefix), everything else must match. */
static const char *strip_prefix(const struct ktap_parser *p, const char *s)
{
	if (p->prefix_len == 0)
		return s;
	for (size_t i = 0; i < p->prefix_len; i++) {
		if (s[i] == '\0')
			return s;
		if (ktap_is_digit(p->prefix[i]) ? !ktap_is_digit(s[i]) : s[i] != p->prefix[i])
			return s;
	}
	return s + p->prefix_len;
}

/* "KTAP version N" (version: the line from there) or "# Subtest: name" (version NULL) inside a
 * document. Takes ownership of name. */
static void header_handle(struct ktap_parser *p, int indent, const char *version, char *name)
{
	if (name && !*name) {
		free(name);
		name = NULL;
	}
	if (version && indent <= p->stack[0].indent) {
		doc_start(p, indent, version);
		free(name);
		return;
	}
	/* Output went on at this level: the subtests indented as deep lost their result line. */
	while (p->depth > 1) {
		struct frame *t = frame_top(p);

		if (!t->informative || indent > t->indent)
			break;
		if (!version && t->fresh && indent == t->indent)
			break;
		frame_close(p, BM_CRASH, NULL, xstrdup("no result line"), false);
	}
	if (!p->doc_active) {
		/* Closing the subtests completed the document; this header belongs to nothing. */
		free(name);
		return;
	}
	struct frame *t = frame_top(p);

	if (!version && p->depth > 1 && t->fresh && indent == t->indent) {
		t->name = name;
		t->fresh = false;
		return;
	}
	if (p->depth >= KTAP_DEPTH_MAX) {
		p->lim->cut_depth = true;
		free(name);
		return;
	}
	frame_push(p, indent, name, version != NULL);
}

static void plan_handle(struct ktap_parser *p, unsigned long long n)
{
	struct frame *t = frame_top(p);

	if (t->plan >= 0 || (t->n_results > 0 && p->depth > 1))
		return;
	t->plan = n > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)n;
	if (p->depth == 1)
		doc_check_done(p);
}

static bool name_matches(const struct frame *f, const char *name, bool unnamed_matches)
{
	if (!f->name)
		return unnamed_matches;
	return strcmp(f->name, name) == 0;
}

static void result_handle(struct ktap_parser *p, int indent, const struct result_line *r)
{
	enum bm_status status = ktap_result_status(r);
	/* In the parser's buffers: a case past KTAP_CASES_MAX costs no allocation. */
	const char *name = text_clean_into(p, p->name_buf, r->desc, r->desc_len);
	const char *detail = r->directive && r->directive_len ?
		text_clean_into(p, p->detail_buf, r->directive, r->directive_len) : NULL;
	char number[32];

	for (;;) {
		if (!p->doc_active) {
			/* Closing lost subtests completed the document; the line belongs to nothing. */
			return;
		}
		struct frame *t = frame_top(p);
		bool deeper = indent > t->indent && p->depth < KTAP_DEPTH_MAX &&
			(p->depth == 1 || t->informative);

		/* A result indented deeper than expected: its subtest header was lost (garbled by
		 * interleaved output); open the subtest so the flattening stays right. */
		if (deeper) {
			frame_push(p, indent, NULL, false);
			continue;
		}
		if (p->depth == 1) {
			if (!*name) {
				snprintf(number, sizeof(number), "#%lu", t->n_results + 1);
				name = number;
			}
			root_result_add(p, name, status, detail);
			return;
		}
		struct frame *parent = &p->stack[p->depth - 2];
		bool own;

		if (t->informative && indent < t->indent) {
			if (p->depth > 2 && parent->informative && indent < parent->indent) {
				frame_close(p, BM_CRASH, NULL, xstrdup("no result line"), false);
				continue;
			}
			/* Neither its name nor its number: a sibling's result, this one's was lost. */
			if (t->name && strcmp(t->name, name) != 0 && r->num != 0 &&
			    r->num != parent->n_results + 1) {
				frame_close(p, BM_CRASH, NULL, xstrdup("no result line"), false);
				continue;
			}
			own = true;
		} else if (t->informative) {
			own = t->plan >= 0 && t->n_results >= (unsigned long long)t->plan &&
			      name_matches(t, name, true);
		} else if (t->plan >= 0) {
			own = t->n_results >= (unsigned long long)t->plan;
		} else {
			own = name_matches(t, name, false);
		}
		if (own) {
			frame_close(p, status, name, xstrdup(detail), false);
			return;
		}
		if (!*name) {
			snprintf(number, sizeof(number), "#%lu", t->n_results + 1);
			name = number;
		}
		if (case_budget(p))
			frame_leaf_add(t, xstrdup(name), status, xstrdup(detail));
		t->n_results++;
		t->fresh = false;
		return;
	}
}

/* One line, without its newline; may hold any bytes (NUL bytes are dropped; clean: the caller
 * knows it holds none). */
static void line_process_bytes(struct ktap_parser *p, const char *buf, size_t len, bool clean)
{
	char *s = p->scratch;
	size_t n = 0;

	if (len > KTAP_LINE_MAX)
		len = KTAP_LINE_MAX;
	if (clean || !memchr(buf, '\0', len)) {
		/* trailing blanks looked for in buf: read back from s, they stall on the copy */
		n = len;
		while (n > 0 && ktap_is_space(buf[n - 1]))
			n--;
		memcpy(s, buf, n);
	} else {
		for (size_t i = 0; i < len; i++)
			if (buf[i] != '\0')
				s[n++] = buf[i];
		while (n > 0 && ktap_is_space(s[n - 1]))
			n--;
	}
	s[n] = '\0';

	const char *end = s + n;

	while (*s == '\r')
		s++;

	const char *line = ktap_strip_timestamps(s);

	if (!p->doc_active) {
		long at = ktap_find_version(line, (size_t)(end - line));

		if (at < 0)
			return;
		free(p->prefix);
		p->prefix = xstrndup(line, (size_t)at);
		p->prefix_len = (size_t)at;
		doc_start(p, 0, line + at);
		return;
	}

	int indent;
	const char *c = ktap_skip_indent(strip_prefix(p, line), &indent);
	unsigned long long plan;
	struct result_line r;

	if (program_take_line(p, c, indent))
		return;
	/* Most lines are results and diagnostics: look at the first byte before anything else. */
	switch (c[0]) {
	case 'o':
	case 'n':
		if (ktap_parse_result(c, (size_t)(end - c), &r))
			result_handle(p, indent, &r);
		return;
	case '1':
		if (ktap_parse_plan(c, &plan))
			plan_handle(p, plan);
		return;
	case 'K':
	case 'T':
		if (ktap_find_version(c, (size_t)(end - c)) == 0)
			header_handle(p, indent, c, NULL);
		return;
	case '#':
		if (c[1] == ' ' && c[2] == 'S' && strncmp(c, "# Subtest:", 10) == 0) {
			const char *nm = c + 10;

			while (*nm == ' ' || *nm == '\t')
				nm++;
			header_handle(p, indent, NULL, text_clean(p, nm, (size_t)(end - nm)));
		}
		return;
	default:
		/* Anything else is a diagnostic or unrelated kernel output. */
		return;
	}
}

static void line_process(struct ktap_parser *p, const char *buf, size_t len)
{
	line_process_bytes(p, buf, len, false);
}

struct ktap_parser *ktap_parser_new(void)
{
	struct ktap_parser *p = xcalloc(1, sizeof(*p));

	p->lim = &p->own_limits;
	p->partial = xmalloc(KTAP_LINE_MAX);
	p->scratch = xmalloc(KTAP_LINE_MAX + 1);
	return p;
}

void ktap_parser_free(struct ktap_parser *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->depth; i++)
		frame_release(&p->stack[i]);
	program_free(p->prog);
	test_results_release(&p->res);
	free(p->prefix);
	free(p->partial);
	free(p->scratch);
	free(p);
}

void ktap_parser_freep(struct ktap_parser **p)
{
	ktap_parser_free(*p);
}

void ktap_parser_feed_line(struct ktap_parser *p, const char *line)
{
	for (;;) {
		const char *nl = strchr(line, '\n');

		if (!nl) {
			if (*line)
				line_process(p, line, strlen(line));
			return;
		}
		line_process(p, line, (size_t)(nl - line));
		line = nl + 1;
	}
}

static void partial_append(struct ktap_parser *p, const char *buf, size_t len)
{
	size_t room = KTAP_LINE_MAX - p->partial_len;

	if (len > room)
		len = room;
	memcpy(p->partial + p->partial_len, buf, len);
	p->partial_len += len;
}

void ktap_parser_feed(struct ktap_parser *p, const char *buf, size_t len)
{
	/* one look for NUL bytes in the whole chunk, rather than one per line */
	bool clean = !memchr(buf, '\0', len);

	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (!nl) {
			partial_append(p, buf, n);
			p->partial_seen = true;
			return;
		}
		if (p->partial_seen) {
			partial_append(p, buf, n);
			line_process(p, p->partial, p->partial_len);
			p->partial_len = 0;
			p->partial_seen = false;
		} else {
			line_process_bytes(p, buf, n, clean);
		}
		buf += n + 1;
		len -= n + 1;
	}
}

void ktap_parser_set_sink(struct ktap_parser *p, ktap_suite_fn *fn, void *ctx)
{
	p->sink = fn;
	p->sink_ctx = ctx;
}

bool ktap_parser_done(const struct ktap_parser *p)
{
	return p->done;
}

bool ktap_parser_started(const struct ktap_parser *p)
{
	return p->started;
}

int ktap_parser_finish(struct ktap_parser *p, struct test_results *ret)
{
	if (p->partial_seen) {
		line_process(p, p->partial, p->partial_len);
		p->partial_len = 0;
		p->partial_seen = false;
	}
	doc_end(p);
	if (p->sink)
		results_flush(p);
	*ret = p->res;
	memset(&p->res, 0, sizeof(p->res));
	p->cap_suites = 0;
	if (p->lim == &p->own_limits) {
		struct ktap_limits *l = &p->own_limits;

		if (l->cut_names || l->cut_depth || l->cut_cases)
			ret->note = xasprintf("the console's KTAP was cut down:%s%s%s",
					      l->cut_cases ? " results after the first "
					      STR(KTAP_CASES_MAX) " cases dropped;" : "",
					      l->cut_depth ? " subtests nested deeper than "
					      STR(KTAP_DEPTH_MAX) " levels flattened;" : "",
					      l->cut_names ? " names and details longer than "
					      STR(KTAP_NAME_MAX) " bytes shortened;" : "");
		if (ret->note)
			ret->note[strlen(ret->note) - 1] = '\0';	/* the last ';' */
		*l = (struct ktap_limits){ 0 };
	}
	return 0;
}
