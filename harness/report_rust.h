/* The Rust support map of a run (report_rust.c): internal to the report modules. Pure. */
#ifndef BM_REPORT_RUST_H
#define BM_REPORT_RUST_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"
#include "util.h"

/* The suite of Rust samples loaded in the guest (initramfs.h's INITRAMFS_RUST_SAMPLES). */
#define REPORT_RUST_SAMPLES "rust_samples"

/* One job's line of the map. The strings are the caller's (report_rust_summary_release). */
struct report_rust_summary {
	char *rustc, *bindgen, *libclang;	/* versions from the manifest, NULL: unknown */
	char rust;				/* CONFIG_RUST in the final .config: y, n; '-' */
	unsigned on, dropped, absent;		/* Rust test options */
	unsigned doctests_pass, doctests_total;
	unsigned kunit_pass, kunit_total, kunit_suites;	/* KUnit suites named rust* */
	unsigned samples_pass, samples_total, samples_skip;
};

void report_rust_summary(const struct job_result *j, struct report_rust_summary *ret);
void report_rust_summary_release(struct report_rust_summary *s);

/* Whether any job has a Rust map. */
bool report_rust_any(const struct job_result *jobs, size_t n);

/* The Markdown section "Rust support map", appended to b; nothing without a map. */
void report_markdown_rust(struct strbuf *b, const struct job_result *jobs, size_t n);

#endif
