/* XML writing over libxml2's xmlTextWriter. The only module that includes libxml2. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlwriter.h>

#include "err.h"
#include "text.h"
#include "util.h"
#include "xmlw.h"

struct xmlw {
	xmlTextWriterPtr w;
	bool html;
	char *error;		/* the first failure; set, nothing more is written */
	char **open;		/* names of the open elements, innermost last */
	size_t depth;
	/* where the text goes: to write, or (NULL) into mem for xmlw_finish */
	xmlw_write_fn *write;
	void *ctx;
	struct strbuf mem;
	char last;		/* the last byte written, '\0' before any */
};

/* HTML5's void elements: never any content, so <e/> is right for them in both syntaxes. */
static const char *const html_void[] = {
	"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
	"track", "wbr",
};

/* libxml2's output callback: what its buffer holds, whenever it is full and at the end. */
static int writer_io(void *ctx, const char *buf, int len)
{
	struct xmlw *x = ctx;

	if (len <= 0)
		return 0;
	if (x->write)
		x->write(x->ctx, buf, (size_t)len);
	else
		strbuf_add_len(&x->mem, buf, (size_t)len);
	x->last = buf[len - 1];
	return len;
}

static struct xmlw *writer_new(bool html, xmlw_write_fn *write, void *ctx)
{
	struct xmlw *x = xcalloc(1, sizeof(*x));
	xmlOutputBufferPtr out;

	x->html = html;
	x->write = write;
	x->ctx = ctx;
	/* the writer owns out once made, and frees it with itself */
	out = xmlOutputBufferCreateIO(writer_io, NULL, x, NULL);
	if (out) {
		x->w = xmlNewTextWriter(out);
		if (!x->w)
			xmlOutputBufferClose(out);
	}
	/* Two-space indent; double quotes, the default: libxml2 does not escape ' inside a
	 * single-quoted attribute. */
	if (!x->w || xmlTextWriterSetIndent(x->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(x->w, BAD_CAST "  ") < 0)
		x->error = xstrdup("cannot create an XML writer");
	return x;
}

void xmlw_library_init(void)
{
	xmlInitParser();
	xmlRelaxNGInitTypes();
}

struct xmlw *xmlw_new(void)
{
	return writer_new(false, NULL, NULL);
}

struct xmlw *xmlw_new_html(void)
{
	return writer_new(true, NULL, NULL);
}

struct xmlw *xmlw_new_to(bool html, xmlw_write_fn *write, void *ctx)
{
	return writer_new(html, write, ctx);
}

void xmlw_free(struct xmlw *x)
{
	if (!x)
		return;
	if (x->w)
		xmlFreeTextWriter(x->w);
	free(strbuf_take(&x->mem));
	for (size_t i = 0; i < x->depth; i++)
		free(x->open[i]);
	free(x->open);
	free(x->error);
	free(x);
}

void xmlw_freep(struct xmlw **x)
{
	xmlw_free(*x);
}

/* Remember the first failure; rc is libxml2's (bytes written, or -1). */
static int check(struct xmlw *x, int rc, const char *what, const char *name)
{
	if (rc >= 0)
		return 0;
	if (!x->error)
		x->error = xasprintf("cannot write XML %s '%s'", what, name);
	return -1;
}

int xmlw_declaration(struct xmlw *x)
{
	if (x->error)
		return -1;
	return check(x, xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL), "declaration",
		     "xml");
}

int xmlw_doctype(struct xmlw *x, const char *root)
{
	if (x->error)
		return -1;
	if (check(x, xmlTextWriterStartDTD(x->w, BAD_CAST root, NULL, NULL), "doctype", root) < 0)
		return -1;
	return check(x, xmlTextWriterEndDTD(x->w), "doctype", root);
}

int xmlw_start(struct xmlw *x, const char *elem)
{
	if (x->error)
		return -1;
	if (check(x, xmlTextWriterStartElement(x->w, BAD_CAST elem), "element", elem) < 0)
		return -1;
	x->open = xrealloc(x->open, (x->depth + 1) * sizeof(*x->open));
	x->open[x->depth++] = xstrdup(elem);
	return 0;
}

int xmlw_attr(struct xmlw *x, const char *name, const char *value)
{
	_cleanup_free_ char *clean = NULL;

	if (x->error)
		return -1;
	if (!value)
		return 0;
	clean = text_sanitize_str(value, TEXT_MULTILINE);
	return check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST clean),
		     "attribute", name);
}

int xmlw_attrf(struct xmlw *x, const char *name, const char *fmt, ...)
{
	_cleanup_free_ char *value = NULL;
	va_list ap;

	va_start(ap, fmt);
	value = xvasprintf(fmt, ap);
	va_end(ap);
	return xmlw_attr(x, name, value);
}

int xmlw_text(struct xmlw *x, const char *text)
{
	_cleanup_free_ char *clean = NULL;

	if (x->error)
		return -1;
	if (!text)
		return 0;
	clean = text_sanitize_str(text, TEXT_MULTILINE);
	return check(x, xmlTextWriterWriteString(x->w, BAD_CAST clean), "text in",
		     x->depth ? x->open[x->depth - 1] : "document");
}

int xmlw_textf(struct xmlw *x, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	return xmlw_text(x, text);
}

int xmlw_element(struct xmlw *x, const char *elem, const char *text)
{
	xmlw_start(x, elem);
	xmlw_text(x, text);
	return xmlw_end(x);
}

static bool is_void(const char *elem)
{
	for (size_t i = 0; i < ARRAY_SIZE(html_void); i++)
		if (strcmp(html_void[i], elem) == 0)
			return true;
	return false;
}

int xmlw_end(struct xmlw *x)
{
	_cleanup_free_ char *elem = NULL;
	int rc;

	if (x->error)
		return -1;
	if (x->depth == 0) {
		x->error = xstrdup("cannot write XML: no element to close");
		return -1;
	}
	elem = x->open[--x->depth];
	/* In HTML, <div/> opens a div that never closes. */
	if (x->html && !is_void(elem))
		rc = xmlTextWriterFullEndElement(x->w);
	else
		rc = xmlTextWriterEndElement(x->w);
	return check(x, rc, "end of element", elem);
}

int xmlw_finish(struct xmlw *x, char **ret, struct bm_err **err)
{
	if (x->error)
		return bm_err_set(err, BM_ERR_SYSTEM, "%s", x->error);
	if (x->depth > 0)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot write XML: element '%s' left open",
				  x->open[x->depth - 1]);
	if (xmlTextWriterFlush(x->w) < 0)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot write XML: flushing failed");
	if (x->last != '\n')
		writer_io(x, "\n", 1);
	if (ret)
		*ret = strbuf_take(&x->mem);
	return 0;
}
