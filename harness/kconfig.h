/* Kconfig fragments and .config files: what a build asked for versus what it got. Pure. */
#ifndef BM_KCONFIG_H
#define BM_KCONFIG_H

#include <stddef.h>

/* Compare the options set by the fragments (applied in order, later ones win; "# CONFIG_X is
 * not set" asks for n) with the final .config. Returns a NULL-terminated list of mismatches as
 * "CONFIG_X=y (got n)", empty (but non-NULL) when everything stuck. Caller frees (strv_free). */
char **kconfig_verify(const char *const *fragments, size_t n_fragments, const char *final_config);

#endif
