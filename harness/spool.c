/* spool.h: suites in a temporary file. A record is a suite's fixed fields, its name, then each
 * case's fixed fields, name and detail; strings as a length (NO_STRING: NULL) and their bytes.
 * Written and read by the same process, so in its own byte order. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "spool.h"
#include "util.h"

#define NO_STRING UINT32_MAX

struct suite_head {
	uint32_t pass, fail, skip, crash;
	uint64_t n_cases;
	uint8_t status, kind;
};

struct case_head {
	uint8_t status, flaky;
};

struct spool {
	FILE *f;
	size_t n_suites;	/* written */
	size_t n_read;		/* read back since the last rewind */
	bool reading;		/* the file is positioned for reading */
	struct test_suite cur;	/* the suite last read back */
	struct suite_source source;
	char *error;		/* the first failure */
	/* the first suite of each kind and name, without its cases; "KIND:NAME" of each in seen */
	struct test_suite *firsts;
	size_t n_firsts;
	struct strset seen;
};

static void spool_fail(struct spool *sp, const char *what)
{
	if (!sp->error)
		sp->error = xasprintf("%s the temporary file of suites: %s", what,
				      errno ? strerror(errno) : "it ended early");
}

static void put_bytes(struct spool *sp, const void *p, size_t n)
{
	if (!sp->error && n && fwrite(p, n, 1, sp->f) != 1)
		spool_fail(sp, "writing");
}

static void put_string(struct spool *sp, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	uint32_t len = s && n < NO_STRING ? (uint32_t)n : NO_STRING;

	put_bytes(sp, &len, sizeof(len));
	if (len != NO_STRING)
		put_bytes(sp, s, len);
}

static void firsts_add(struct spool *sp, const struct test_suite *s)
{
	if (!strset_add(&sp->seen, xasprintf("%d:%s", (int)s->kind, s->name ? s->name : "")))
		return;
	sp->firsts = xrealloc(sp->firsts, (sp->n_firsts + 1) * sizeof(*sp->firsts));
	sp->firsts[sp->n_firsts++] = (struct test_suite){
		.name = xstrdup(s->name), .status = s->status, .pass = s->pass, .fail = s->fail,
		.skip = s->skip, .crash = s->crash, .kind = s->kind };
}

void spool_add(struct spool *sp, const struct test_suite *s)
{
	struct suite_head h = { .pass = s->pass, .fail = s->fail, .skip = s->skip,
				.crash = s->crash, .n_cases = s->n_cases,
				.status = (uint8_t)s->status, .kind = (uint8_t)s->kind };

	if (sp->error)
		return;
	/* after a walk, back to the end before writing */
	if (sp->reading && fseeko(sp->f, 0, SEEK_END) != 0)
		spool_fail(sp, "writing");
	sp->reading = false;
	put_bytes(sp, &h, sizeof(h));
	put_string(sp, s->name);
	for (size_t i = 0; i < s->n_cases; i++) {
		const struct test_case *c = &s->cases[i];
		struct case_head ch = { .status = (uint8_t)c->status, .flaky = c->flaky };

		put_bytes(sp, &ch, sizeof(ch));
		put_string(sp, c->name);
		put_string(sp, c->detail);
	}
	if (!sp->error) {
		sp->n_suites++;
		firsts_add(sp, s);
	}
}

static bool get_bytes(struct spool *sp, void *p, size_t n)
{
	if (sp->error)
		return false;
	errno = 0;
	if (n && fread(p, n, 1, sp->f) != 1) {
		spool_fail(sp, "reading back");
		return false;
	}
	return true;
}

static bool get_string(struct spool *sp, char **ret)
{
	uint32_t len;

	*ret = NULL;
	if (!get_bytes(sp, &len, sizeof(len)))
		return false;
	if (len == NO_STRING)
		return true;
	*ret = xmalloc((size_t)len + 1);
	(*ret)[len] = '\0';
	return get_bytes(sp, *ret, len);
}

static void source_rewind(void *ctx)
{
	struct spool *sp = ctx;

	test_suite_release(&sp->cur);
	sp->n_read = 0;
	sp->reading = true;
	if (!sp->error && fseeko(sp->f, 0, SEEK_SET) != 0)
		spool_fail(sp, "reading back");
}

static const struct test_suite *source_next(void *ctx)
{
	struct spool *sp = ctx;
	struct test_suite *s = &sp->cur;
	struct suite_head h;

	test_suite_release(s);
	if (!sp->reading || sp->n_read == sp->n_suites || !get_bytes(sp, &h, sizeof(h)))
		return NULL;
	*s = (struct test_suite){ .status = h.status, .kind = h.kind, .pass = h.pass,
				  .fail = h.fail, .skip = h.skip, .crash = h.crash };
	if (!get_string(sp, &s->name))
		return NULL;
	s->cases = xcalloc(h.n_cases ? h.n_cases : 1, sizeof(*s->cases));
	for (; s->n_cases < h.n_cases; s->n_cases++) {
		struct test_case *c = &s->cases[s->n_cases];
		struct case_head ch;

		if (!get_bytes(sp, &ch, sizeof(ch)))
			return NULL;
		c->status = ch.status;
		c->flaky = ch.flaky;
		/* counted before its strings are read, so that release frees them even then */
		if (!get_string(sp, &c->name) || !get_string(sp, &c->detail)) {
			s->n_cases++;
			return NULL;
		}
	}
	sp->n_read++;
	return s;
}

int spool_new(struct spool **ret, struct bm_err **err)
{
	struct spool *sp;
	FILE *f = tmpfile();

	if (!f)
		return bm_err_errno(err, errno, "%s", "cannot create a temporary file");
	sp = xcalloc(1, sizeof(*sp));
	sp->f = f;
	/* records are small: write and read them in large blocks */
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	sp->source = (struct suite_source){ .rewind = source_rewind, .next = source_next,
					    .ctx = sp };
	*ret = sp;
	return 0;
}

void spool_free(struct spool *sp)
{
	if (!sp)
		return;
	test_suite_release(&sp->cur);
	fclose(sp->f);
	free(sp->error);
	for (size_t i = 0; i < sp->n_firsts; i++)
		test_suite_release(&sp->firsts[i]);
	free(sp->firsts);
	strset_release(&sp->seen);
	free(sp);
}

void spool_freep(struct spool **sp)
{
	spool_free(*sp);
}

void spool_results(struct spool *sp, struct test_results *r)
{
	for (size_t i = 0; i < r->n_suites; i++)
		test_suite_release(&r->suites[i]);
	free(r->suites);
	r->suites = xcalloc(sp->n_firsts + 1, sizeof(*r->suites));
	for (size_t i = 0; i < sp->n_firsts; i++) {
		r->suites[i] = sp->firsts[i];
		r->suites[i].name = xstrdup(sp->firsts[i].name);
	}
	r->n_suites = sp->n_firsts;
	r->source = &sp->source;
}

int spool_error(struct spool *sp, struct bm_err **err)
{
	if (sp->error)
		return bm_err_set(err, BM_ERR_SYSTEM, "%s", sp->error);
	return 0;
}
