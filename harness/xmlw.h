/* Writing XML (and HTML5 in its XML-compatible form) to a string: a small wrapper over libxml2's
 * xmlTextWriter. This is the only module that includes libxml2; no libxml2 type appears here.
 *
 * Output: two-space indentation, double-quoted attributes, text and attribute values escaped by
 * libxml2. Strings from guests may hold anything: every string passed in goes through
 * text_sanitize (text.h, line breaks kept) first, so the document is always well-formed UTF-8
 * XML 1.0.
 *
 * Errors are sticky: the first failing call is remembered, every later call does nothing and
 * returns -1, and xmlw_finish reports it. So a caller may ignore the return values on the way
 * and check xmlw_finish alone. Functions return 0 or -1. */
#ifndef BM_XMLW_H
#define BM_XMLW_H

#include <stdbool.h>
#include <stddef.h>

struct bm_err;
struct xmlw;

/* Initialize libxml2 for use from several threads: call once from the main thread before any
 * other thread starts (idempotent). libxml2 2.9 fills its schema type tables on first use
 * without a lock; libvirt validates domain XML with RelaxNG on those tables, and two boots
 * starting at once failed with "type 'int' is not exported by type library" without this. */
void xmlw_library_init(void);

/* A writer for XML: an element without content is written as <e/>. Never NULL. */
struct xmlw *xmlw_new(void);
/* A writer for HTML5 in its XHTML-compatible form: an element without content is written as
 * <e></e>, except the void elements (meta, br, hr, img, link, ...) as <e/>, which both HTML
 * and XML parsers read alike. Never NULL. */
struct xmlw *xmlw_new_html(void);
/* A writer (HTML as xmlw_new_html, else XML) whose text goes to write as it is made, in chunks
 * of a few KiB, instead of into a string. */
typedef void xmlw_write_fn(void *ctx, const char *s, size_t len);
struct xmlw *xmlw_new_to(bool html, xmlw_write_fn *write, void *ctx);
void xmlw_free(struct xmlw *x);		/* NULL is fine */
void xmlw_freep(struct xmlw **x);

/* <?xml version="1.0" encoding="UTF-8"?>: first, if at all. */
int xmlw_declaration(struct xmlw *x);
/* <!DOCTYPE root> (no public or system identifier): before the root element. */
int xmlw_doctype(struct xmlw *x, const char *root);

/* Open an element; attributes follow at once, then text and child elements, then xmlw_end. */
int xmlw_start(struct xmlw *x, const char *elem);
/* An attribute of the element just opened; a NULL value writes nothing. */
int xmlw_attr(struct xmlw *x, const char *name, const char *value);
int xmlw_attrf(struct xmlw *x, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Text content; NULL writes nothing. Mixing text and child elements in one element works but
 * indents the children oddly: keep text in leaf elements. */
int xmlw_text(struct xmlw *x, const char *text);
int xmlw_textf(struct xmlw *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <elem>text</elem>; a NULL text gives an element without content. */
int xmlw_element(struct xmlw *x, const char *elem, const char *text);
/* Close the innermost open element. */
int xmlw_end(struct xmlw *x);

/* The document: every element must be closed; it ends in a newline. On success *ret is it as a
 * NUL-terminated string that the caller frees (NULL ret: a writer of xmlw_new_to, which has
 * written it all). The writer stays the caller's to free. */
int xmlw_finish(struct xmlw *x, char **ret, struct bm_err **err);

#endif
