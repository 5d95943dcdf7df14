/* Plans expand to jobs: sources x toolchains x arches x configs (a source limited to some arches
 * gives jobs for those only), each repeated as the plan's repeat says. Pure. */
#ifndef BM_MATRIX_H
#define BM_MATRIX_H

#include <stddef.h>

#include "plan.h"

struct job {
	char *id;		/* "x86_64-trixie-linux-source-6.12-rust-kunit": file-name safe; a
				 * repeat has "~2", "~3"... after it */
	char *build_id;		/* its build directory's name: the id without the repeat's suffix,
				 * so that the repeats boot the first one's kernel */
	size_t source;		/* index into plan->sources */
	const char *toolchain;	/* borrowed from the plan */
	const char *arch;
	const char *config;
};

struct matrix {
	struct job *jobs;
	size_t n_jobs;
};

/* Short name of a source for job ids: the package name, or the tree's directory name. Caller
 * frees. */
char *matrix_source_name(const struct plan_source *s);
/* Fills the caller's *ret: the jobs and their ids are heap-allocated (matrix_release frees
 * them); toolchain, arch and config point into p, which must outlive the matrix. */
void matrix_expand(const struct plan *p, struct matrix *ret);
void matrix_release(struct matrix *m);

#endif
