/* The KTAP parser's line reader: see ktap_lex.h. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ktap_lex.h"
#include "text.h"
#include "util.h"


/* Names end up in JSON and HTML, and on one line: text.h's policy, and a tab is a space (a
 * name holds no control character at all). */
char *ktap_text_clean(const char *s, size_t len)
{
	char *out = text_is_plain(s, len) ? xstrndup(s, len) : text_sanitize(s, len, 0);

	for (char *c = strchr(out, '\t'); c; c = strchr(c + 1, '\t'))
		*c = ' ';
	return out;
}

/* Saturating, so garbage numbers cannot overflow. Advances *s past the digits. */
static unsigned long long parse_number(const char **s)
{
	unsigned long long v = 0;

	for (; ktap_is_digit(**s); (*s)++) {
		unsigned d = (unsigned)(**s - '0');

		v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
	}
	return v;
}

/* Printk prefixes: "[    1.234567] ", "[    1.234567][    T1] ", optionally after "<6>". */
const char *ktap_strip_timestamps(const char *s)
{
	const char *p = s;
	bool any = false;

	if (p[0] == '<' && ktap_is_digit(p[1])) {
		const char *q = p + 1;

		while (ktap_is_digit(*q))
			q++;
		if (*q == '>' && q[1] == '[')
			p = q + 1;
	}
	while (*p == '[') {
		const char *q = p + 1;

		while (*q == ' ')
			q++;
		if (ktap_is_digit(*q)) {
			while (ktap_is_digit(*q))
				q++;
			if (*q != '.' || !ktap_is_digit(q[1]))
				break;
			q++;
			while (ktap_is_digit(*q))
				q++;
		} else if ((*q == 'T' || *q == 'C') && ktap_is_digit(q[1])) {
			q++;
			while (ktap_is_digit(*q))
				q++;
		} else {
			break;
		}
		if (*q != ']')
			break;
		p = q + 1;
		any = true;
	}
	if (!any)
		return s;
	return *p == ' ' ? p + 1 : p;
}

/* Column of the first non-blank character; tabs advance to the next multiple of 8. */
const char *ktap_skip_indent(const char *s, int *ret_indent)
{
	int col = 0;

	for (; *s == ' ' || *s == '\t'; s++) {
		col = *s == '\t' ? (col / 8 + 1) * 8 : col + 1;
		if (col > INT_MAX / 2)
			col = INT_MAX / 2;
	}
	*ret_indent = col;
	return s;
}

/* "KTAP version N" or "TAP version N" ending the line: the offset where it starts, or -1. */
long ktap_find_version(const char *s, size_t len)
{
	static const char tag[] = "TAP version ";
	const size_t tl = sizeof(tag) - 1;
	size_t end = len;

	while (end > 0 && ktap_is_digit(s[end - 1]))
		end--;
	if (end == len || end < tl || memcmp(s + end - tl, tag, tl) != 0)
		return -1;
	size_t at = end - tl;

	if (at > 0 && s[at - 1] == 'K')
		at--;
	return (long)at;
}

bool ktap_parse_plan(const char *c, unsigned long long *ret_n)
{
	if (c[0] != '1' || c[1] != '.' || c[2] != '.' || !ktap_is_digit(c[3]))
		return false;
	const char *q = c + 3;
	unsigned long long n = parse_number(&q);

	if (*q != '\0' && !ktap_is_space(*q) && *q != '#')
		return false;
	*ret_n = n;
	return true;
}

bool ktap_parse_result(const char *c, size_t len, struct result_line *r)
{
	const char *q, *end = c + len;

	if (c[0] == 'o' && c[1] == 'k') {
		*r = (struct result_line){ .ok = true };
		q = c + 2;
	} else if (c[0] == 'n' && strncmp(c, "not ok", 6) == 0) {
		*r = (struct result_line){ .ok = false };
		q = c + 6;
	} else {
		return false;
	}
	if (*q != '\0' && *q != ' ' && *q != '\t')
		return false;
	while (*q == ' ' || *q == '\t')
		q++;
	r->num = parse_number(&q);
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q == '-' && (q[1] == ' ' || q[1] == '\t' || q[1] == '\0')) {
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
	}
	const char *hash = memchr(q, '#', (size_t)(end - q));
	const char *dend = hash ? hash : end;

	while (dend > q && ktap_is_space(dend[-1]))
		dend--;
	r->desc = q;
	r->desc_len = (size_t)(dend - q);
	if (hash) {
		const char *d = hash + 1;

		while (*d == ' ' || *d == '\t')
			d++;
		r->directive = d;
		r->directive_len = (size_t)(end - d);
	}
	return true;
}

static bool directive_is(const struct result_line *r, const char *word)
{
	size_t n;

	if (!r->directive)
		return false;
	n = strlen(word);
	if (r->directive_len < n || strncasecmp(r->directive, word, n) != 0)
		return false;
	char next = r->directive[n];

	/* "SKIPPED" is a skip too, as in TAP. */
	if (strcasecmp(word, "skip") == 0)
		return true;
	return next == '\0' || ktap_is_space(next) || next == ':';
}

enum bm_status ktap_result_status(const struct result_line *r)
{
	if (!r->directive)
		return r->ok ? BM_PASS : BM_FAIL;
	if (directive_is(r, "SKIP"))
		return BM_SKIP;
	if (directive_is(r, "TODO") || directive_is(r, "XFAIL"))
		return BM_PASS;
	if (!r->ok && directive_is(r, "TIMEOUT"))
		return BM_TIMEOUT;
	if (!r->ok && directive_is(r, "ERROR"))
		return BM_CRASH;
	return r->ok ? BM_PASS : BM_FAIL;
}

void ktap_count_status(enum bm_status s, unsigned *pass, unsigned *fail, unsigned *skip,
			 unsigned *crash)
{
	switch (s) {
	case BM_PASS:
		(*pass)++;
		break;
	case BM_SKIP:
		(*skip)++;
		break;
	case BM_CRASH:
		(*crash)++;
		break;
	default:
		(*fail)++;
		break;
	}
}

