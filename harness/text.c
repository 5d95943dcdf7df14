/* Sanitizing text from guests: one policy (text.h) shared by the KTAP parser, the JSON, XML,
 * HTML, Markdown and text reports, and the command layer's output to a terminal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

/* Three bytes: cp is below U+10000. */
static char *put_utf8_3(char *o, uint32_t cp)
{
	*o++ = (char)(0xe0 | (cp >> 12));
	*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
	*o++ = (char)(0x80 | (cp & 0x3f));
	return o;
}

/* Valid UTF-8 that no report should carry as it is. */
static bool replaced(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

char *text_sanitize(const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	/* Every input byte becomes at most three output bytes. */
	char *out = xmalloc(3 * len + 1), *o = out;

	while (p < end) {
		uint32_t cp;
		size_t n = utf8_decode(p, (size_t)(end - p), &cp);

		if (n == 0) {
			o = put_utf8_3(o, 0xfffd);
			p++;
		} else if (cp == '\t' || (cp >= 0x20 && cp < 0x7f) ||
			   ((flags & TEXT_MULTILINE) && (cp == '\n' || cp == '\r')) ||
			   ((flags & TEXT_NEWLINE) && cp == '\n')) {
			*o++ = (char)*p++;
		} else if (cp < 0x80) {
			o = put_utf8_3(o, cp == 0x7f ? 0x2421 : 0x2400 + cp);
			p++;
		} else if (replaced(cp)) {
			o = put_utf8_3(o, 0xfffd);
			p += n;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

bool text_is_plain(const char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	/* Eight bytes at a time: none at or above 0x7f (the high bit, or 0x7f + 1 reaching it
	 * without a carry once no high bit is set) and none below 0x20; a word with a tab in it
	 * is looked at byte by byte below. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if ((w & highs) || ((w + ones) & highs) || ((w - 0x20 * ones) & ~w & highs))
			break;
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return false;
	}
	return true;
}

char *text_sanitize_str(const char *s, unsigned flags)
{
	return s ? text_sanitize(s, strlen(s), flags) : NULL;
}
