/* Suites spooled to an unlinked temporary file as the parser finishes them, and read back in
 * order, one at a time, as often as a renderer walks them: the suite_source of result.h, for
 * `parse --format` on a console too large to hold (memory stays that of the largest suite, and
 * of one copy, without cases, of each suite name).
 *
 * Errors are sticky: the first failure to write or read is kept, later suites are not written,
 * reading gives no more suites, and spool_error reports it once rendering is done. */
#ifndef BM_SPOOL_H
#define BM_SPOOL_H

#include "result.h"

struct bm_err;
struct spool;

/* 0 with *ret (spool_free), or -1 with err set (no temporary file). */
int spool_new(struct spool **ret, struct bm_err **err);
void spool_free(struct spool *sp);	/* NULL is fine; closes (and so removes) the file */
void spool_freep(struct spool **sp);

/* s appended (copied: s stays the caller's). */
void spool_add(struct spool *sp, const struct test_suite *s);

/* The suites added so far into r (the parser's results, whose own suites went to the spool):
 * r->source reads them back (valid while sp is), r->suites gets a copy of the first of each kind
 * and name, without its cases (result.h); r's own suites are released first. */
void spool_results(struct spool *sp, struct test_results *r);

/* 0, or -1 with err set to the first failure. */
int spool_error(struct spool *sp, struct bm_err **err);

#endif
