/* The one policy for text that came from a guest (console lines, KTAP names, details) or
 * anything else outside our control, before it goes into a report, a database or a terminal.
 * Pure. */
#ifndef BM_TEXT_H
#define BM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Keep line feed and carriage return (console excerpts, multi-line details). Without it they
 * become their Control Pictures like the other C0 controls: a name stays one line. */
#define TEXT_MULTILINE 1u
/* Keep line feed only: for a terminal, where a carriage return would let a line overwrite what
 * was printed before it (CR becomes U+240D like the other controls). */
#define TEXT_NEWLINE 2u

/* A copy of s[0..len) (caller frees; NUL bytes inside are controls like the others) that is
 * valid UTF-8 any report format can hold and a terminal shows as it is:
 *   - a byte that does not start a valid UTF-8 sequence (overlong, surrogate, truncated,
 *     above U+10FFFF) becomes U+FFFD, one per byte;
 *   - C0 controls but tab (and LF, CR with TEXT_MULTILINE; LF with TEXT_NEWLINE) become their visible Control
 *     Pictures U+2400 + c (ESC shows as U+241B, so no escape sequence survives), DEL U+2421;
 *   - C1 controls (U+0080-009F), the noncharacters U+FFFE and U+FFFF, and the Unicode bidi
 *     controls (U+061C, U+200E, U+200F, U+202A-202E, U+2066-2069, which can make text read
 *     differently from what it is) become U+FFFD.
 * Everything else passes unchanged, so clean text comes back byte for byte and sanitizing
 * twice changes nothing. */
char *text_sanitize(const char *s, size_t len, unsigned flags);

/* True when s[0..len) is only tabs and printable ASCII: text_sanitize would give it back
 * unchanged under any flags (a fast path for writers of much text). */
bool text_is_plain(const char *s, size_t len);

/* text_sanitize(s, strlen(s), flags); NULL stays NULL. */
char *text_sanitize_str(const char *s, unsigned flags);

#endif
