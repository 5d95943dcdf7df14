/* text: the one sanitizing policy for guest text (text.h), byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"
#include "util.h"

#define FFFD "\xef\xbf\xbd"

struct tcase {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *line;	/* flags 0 */
	const char *multi;	/* TEXT_MULTILINE; NULL: same as line */
};

static const struct tcase cases[] = {
	{ "", 0, "", NULL },
	{ "plain ASCII ~!@#$%^&*()", 0, "plain ASCII ~!@#$%^&*()", NULL },
	{ "tab\tkept", 0, "tab\tkept", NULL },
	{ "a\nb\r\n", 0, "a\xe2\x90\x8a" "b\xe2\x90\x8d\xe2\x90\x8a", "a\nb\r\n" },
	{ "\x1b[31mred\x1b[0m", 0, "\xe2\x90\x9b[31mred\xe2\x90\x9b[0m", NULL },
	{ "\x01\x07\x08\x0b\x0c\x1f", 0, "\xe2\x90\x81\xe2\x90\x87\xe2\x90\x88\xe2\x90\x8b\xe2\x90\x8c\xe2\x90\x9f", NULL },
	{ "del\x7f", 0, "del\xe2\x90\xa1", NULL },
	{ "nul\0in", 6, "nul\xe2\x90\x80in", NULL },
	/* valid UTF-8 passes unchanged */
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x80", 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x80", NULL },
	{ "\xc2\xa0nbsp", 0, "\xc2\xa0nbsp", NULL },
	/* invalid: one U+FFFD per byte */
	{ "caf\xe9!", 0, "caf" FFFD "!", NULL },
	{ "\xc0\xaf", 0, FFFD FFFD, NULL },
	{ "\xed\xa0\x80", 0, FFFD FFFD FFFD, NULL },
	{ "\xf4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD, NULL },
	{ "end\xe2\x82", 0, "end" FFFD FFFD, NULL },
	{ "\xff\xfe", 0, FFFD FFFD, NULL },
	/* C1 controls (U+0085 NEL, U+009B CSI), noncharacters */
	{ "\xc2\x85\xc2\x9b\xc2\x80\xc2\x9f", 0, FFFD FFFD FFFD FFFD, NULL },
	{ "\xef\xbf\xbe\xef\xbf\xbf", 0, FFFD FFFD, NULL },
	/* bidi controls: "Trojan Source" */
	{ "a\xe2\x80\xaeRLO", 0, "a" FFFD "RLO", NULL },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae", 0, FFFD FFFD FFFD FFFD FFFD, NULL },
	{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 0, FFFD FFFD FFFD FFFD, NULL },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 0, FFFD FFFD FFFD, NULL },
	/* neighbours of the bidi controls stay */
	{ "\xe2\x80\x8d\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b", 0,
	  "\xe2\x80\x8d\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b", NULL },
	/* a replacement character and Control Pictures in the input are ordinary text */
	{ FFFD "\xe2\x90\x9b", 0, FFFD "\xe2\x90\x9b", NULL },
};

static void test_text_sanitize(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		_cleanup_free_ char *line = text_sanitize(c->in, len, 0);
		_cleanup_free_ char *multi = text_sanitize(c->in, len, TEXT_MULTILINE);

		if (strcmp(line, c->line) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, line, c->line);
		if (strcmp(multi, c->multi ? c->multi : c->line) != 0)
			fail_msg("case %zu (multiline): got '%s'", i, multi);
	}
}

/* text_is_plain says yes exactly when sanitizing (either way) gives the bytes back: every
 * byte value at every position of a 17-byte string (the word loop, then the tail). */
static void test_text_is_plain(void **state)
{
	char in[17];

	(void)state;
	assert_true(text_is_plain("", 0));
	assert_true(text_is_plain("ok 1 - a\ttest ~!", 16));
	assert_false(text_is_plain("ok\0", 3));
	for (unsigned at = 0; at < sizeof(in); at++) {
		for (unsigned c = 0; c < 256; c++) {
			memset(in, 'a', sizeof(in));
			in[at] = (char)c;
			_cleanup_free_ char *line = text_sanitize(in, sizeof(in), 0);
			_cleanup_free_ char *multi = text_sanitize(in, sizeof(in), TEXT_MULTILINE);
			bool same = strlen(line) == sizeof(in) && memcmp(line, in, sizeof(in)) == 0 &&
				    strlen(multi) == sizeof(in) && memcmp(multi, in, sizeof(in)) == 0;

			if (text_is_plain(in, sizeof(in)) != same)
				fail_msg("byte 0x%02x at %u: plain %d, sanitizing keeps it %d", c, at,
					 !same, same);
		}
	}
}

/* Every byte string of up to three bytes: the output is valid UTF-8 with no control but tab (and
 * line breaks in multiline), and sanitizing it again changes nothing. */
static void test_text_sanitize_exhaustive(void **state)
{
	unsigned char in[3];

	(void)state;
	for (uint32_t v = 0; v < (1u << 24); v += 7) {
		for (size_t len = 1; len <= 3; len++) {
			in[0] = (unsigned char)v;
			in[1] = (unsigned char)(v >> 8);
			in[2] = (unsigned char)(v >> 16);
			for (unsigned flags = 0; flags <= TEXT_MULTILINE; flags += TEXT_MULTILINE) {
				_cleanup_free_ char *out = text_sanitize((const char *)in, len, flags);
				_cleanup_free_ char *again = text_sanitize(out, strlen(out), flags);
				const unsigned char *p = (const unsigned char *)out;

				assert_string_equal(out, again);
				while (*p) {
					uint32_t cp;
					size_t n = utf8_decode(p, strlen((const char *)p), &cp);

					assert_true(n > 0);
					assert_true(cp >= 0x20 || cp == '\t' ||
						    (flags && (cp == '\n' || cp == '\r')));
					assert_true(cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f));
					assert_false(cp == 0x202e || cp == 0x2066 || cp == 0x200f);
					p += n;
				}
			}
		}
	}
}

static void test_text_sanitize_str(void **state)
{
	_cleanup_free_ char *s = text_sanitize_str("x\ny", 0);

	(void)state;
	assert_null(text_sanitize_str(NULL, 0));
	assert_string_equal(s, "x\xe2\x90\x8ay");
}

/* For a terminal: line feeds stay, a carriage return (which would let a line overwrite the one
 * before) and every other control become visible. */
static void test_text_newline(void **state)
{
	static const char in[] = "ok\nfake ok\r\033]0;t\007\tend\n";
	_cleanup_free_ char *s = text_sanitize(in, sizeof(in) - 1, TEXT_NEWLINE);

	(void)state;
	assert_string_equal(s, "ok\nfake ok\xe2\x90\x8d\xe2\x90\x9b]0;t\xe2\x90\x87\tend\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_sanitize),
		cmocka_unit_test(test_text_is_plain),
		cmocka_unit_test(test_text_sanitize_exhaustive),
		cmocka_unit_test(test_text_sanitize_str),
		cmocka_unit_test(test_text_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
