/* err.h: error objects, set once where a failure happens and prefixed with context on the way
 * up; the command layer prints them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

static int err_setv(struct bm_err **err, int code, const char *suffix, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int err_setv(struct bm_err **err, int code, const char *suffix, const char *fmt, va_list ap)
{
	struct bm_err *e;
	char *msg;

	if (!err || *err)
		return -1;
	msg = xvasprintf(fmt, ap);
	if (suffix) {
		char *full = xasprintf("%s: %s", msg, suffix);
		free(msg);
		msg = full;
	}
	e = xcalloc(1, sizeof(*e));
	e->code = code;
	e->msg = msg;
	*err = e;
	return -1;
}

int bm_err_set(struct bm_err **err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(err, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int bm_err_errno(struct bm_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(err, BM_ERR_SYSTEM, strerror(errnum), fmt, ap);
	va_end(ap);
	return -1;
}

int bm_err_prefix(struct bm_err **err, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *full;

	if (!err || !*err)
		return -1;
	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("%s: %s", prefix, (*err)->msg);
	free(prefix);
	free((*err)->msg);
	(*err)->msg = full;
	return -1;
}

void bm_err_free(struct bm_err *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

void bm_err_freep(struct bm_err **err)
{
	bm_err_free(*err);
	*err = NULL;
}
