/* Reports: results and run matrices rendered as JSON (report_json.c, the only module that
 * includes jansson.h) or text (report_text.c). Pure: no I/O, no printing. Every function returns a
 * NUL-terminated heap string, ending in a newline, that the caller frees. The JSON shapes are an
 * interface, documented in docs/json.md. */
#ifndef BM_REPORT_H
#define BM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

struct bm_err;

/* parse --json: {"totals": {...}, "suites": [...]}. 0, or -1 with err set (out of memory). */
int report_json_results(const struct test_results *r, char **ret_json, struct bm_err **err);

/* matrix.json: {"run", "plan", "jobs": [...]}, jobs in the given order. plan may be NULL.
 * 0, or -1 with err set (out of memory). */
int report_json_matrix(const char *run_id, const char *plan, const struct job_result *jobs,
		       size_t n, char **ret_json, struct bm_err **err);

/* The terminal matrix: a header, one row per job (arch, toolchain, kernel, config, build, boot,
 * then one column per KUnit suite seen in any job, in order of first appearance, then one
 * column per kselftest target, headed "ks:DIR"), a legend.
 * Columns aligned; ANSI colors when use_color. */
char *report_text_matrix(const struct job_result *jobs, size_t n, bool use_color);

/* parse's default output: "name: status (P pass, F fail, S skip, C crash)" per suite, then
 * "Totals: P passed, F failed, S skipped, C crashed". */
char *report_text_results(const struct test_results *r);

#endif
