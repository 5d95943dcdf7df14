/* The KTAP parser's line reader (ktap_lex.c), private to ktap.c: one console line into its
 * parts (printk timestamps, indentation, version, plan, result line with its directive) and
 * the status words. Pure; names come back through text.h's policy. */
#ifndef BM_KTAP_LEX_H
#define BM_KTAP_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

struct result_line {
	bool ok;
	unsigned long long num;	/* 0 when the line has no number */
	const char *desc;
	size_t desc_len;
	const char *directive;	/* after '#', trimmed; NULL if none */
	size_t directive_len;
};

/* s[0..len) made a one-line name (text.h's policy, tabs as spaces). Caller frees. */
char *ktap_text_clean(const char *s, size_t len);

/* Called for every byte of a console: inline. */
static inline bool ktap_is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline bool ktap_is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* s past printk's "[    1.234567] " prefixes (also "<6>" and a "[    T1]" caller id). */
const char *ktap_strip_timestamps(const char *s);
/* s past its blanks; *ret_indent is the column (tabs advance to the next multiple of 8). */
const char *ktap_skip_indent(const char *s, int *ret_indent);
/* The offset where a "KTAP version N" or "TAP version N" ending the line s[0..len) starts, or
 * -1. */
long ktap_find_version(const char *s, size_t len);
/* "1..N": true and N. */
bool ktap_parse_plan(const char *c, unsigned long long *ret_n);
/* "ok N desc # directive" / "not ok ...", c[0..len) with c[len] == '\0': true and the parts
 * (pointing into c). */
bool ktap_parse_result(const char *c, size_t len, struct result_line *r);
/* The status a result line gives: SKIP is skip, TODO and XFAIL pass, a failing TIMEOUT is
 * timeout and ERROR crash, else pass or fail. */
enum bm_status ktap_result_status(const struct result_line *r);
/* One more of status s in the counters. */
void ktap_count_status(enum bm_status s, unsigned *pass, unsigned *fail, unsigned *skip,
			 unsigned *crash);

#endif
