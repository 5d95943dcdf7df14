/* The Rust test options a kernel offers, read from its own Kconfig files (no hand list), and what
 * became of each in a final .config: on, dropped by an unmet dependency (named), or not in this
 * kernel at all. The parsing and evaluation are pure; rustopts_discover reads the tree. */
#ifndef BM_RUSTOPTS_H
#define BM_RUSTOPTS_H

#include <stddef.h>

struct bm_err;

enum kc_type { KC_OTHER = 0, KC_BOOL, KC_TRISTATE };

/* One `config`/`menuconfig` entry. depends: every condition that guards it, joined with "&&"
 * (its own `depends on` lines and those of the enclosing `if` and `menu` blocks), NULL when
 * none. */
struct kc_symbol {
	char *name;		/* without CONFIG_ */
	enum kc_type type;
	char *depends;
	char *file;
	unsigned line;
};

/* Parse a Kconfig file's text. Never fails: lines it does not know are ignored. On return *ret
 * holds *ret_n symbols (caller frees with kc_symbols_free). Pure. */
void kc_symbols_parse(const char *text, const char *file, struct kc_symbol **ret, size_t *ret_n);
void kc_symbols_free(struct kc_symbol *v, size_t n);

/* The value of symbol name in a .config's text: 'y', 'm', or 'n' when unset or absent. Pure. */
char kc_config_value(const char *config, const char *name);

/* Evaluate a Kconfig dependency expression (symbols, =, !=, <, <=, >, >=, !, &&, ||, parentheses,
 * y/m/n) over a .config: 'y', 'm' or 'n'. With ret_unmet non-NULL, the atoms that are n ("PCI", "I2C=y"),
 * NULL-terminated, caller frees (strv_free). Pure. */
char kc_expr_eval(const char *expr, const char *config, char ***ret_unmet);

enum rust_opt_fate {
	RUST_OPT_ON = 0,	/* set as asked */
	RUST_OPT_DROPPED,	/* in the kernel, but the final .config does not have it */
	RUST_OPT_ABSENT,	/* this kernel has no such option */
};

/* "on", "dropped", "absent"; and back (-1 for an unknown word). */
const char *rust_opt_fate_name(enum rust_opt_fate f);
int rust_opt_fate_parse(const char *name);

struct rust_opt {
	char *name;		/* without CONFIG_ */
	char want;		/* 'y' or 'm' (samples are modules) */
	char *depends;		/* from the Kconfig, NULL when none */
	char *file;		/* the Kconfig file, relative to the tree; NULL when absent */
	enum rust_opt_fate fate;
	char got;		/* the final value: 'y', 'm' or 'n' */
	char *reason;		/* dropped: "depends on PCI (PCI=n)"; absent: "not in this kernel" */
};

/* A kernel's Rust test options with their verdicts: a build's Rust map. */
struct rust_map {
	struct rust_opt *opts;
	size_t n;
};

/* Every Rust test option the tree at dir offers: HAVE_RUST (arch/Kconfig) and RUST
 * (init/Kconfig) first, then the options of the Kconfig files under rust/ and samples/rust/, and
 * the RUST*TEST* options of lib/Kconfig.debug (RUST_KERNEL_DOCTESTS), with want 'm' for
 * tristate samples and 'y' for the rest. -1 with err when the tree has no
 * Kconfig at all. Caller frees with rust_opts_free. */
int rustopts_discover(const char *dir, struct rust_opt **ret, size_t *ret_n, struct bm_err **err);

/* Discovery over texts already read: files[i] named names[i] (relative paths). Pure. */
void rustopts_from_texts(char *const *names, char *const *texts, size_t n, struct rust_opt **ret,
			 size_t *ret_n);

/* A kconfig fragment turning every option on ("CONFIG_X=y" / "=m" lines; not HAVE_RUST, which
 * only an arch selects, nor an absent one). Caller frees. Pure. */
char *rustopts_fragment(const struct rust_opt *v, size_t n);

/* Fill fate, got and reason of each option from the final .config. Pure. */
void rustopts_judge(struct rust_opt *v, size_t n, const char *final_config);

/* Options a fragment names explicitly (CONFIG_RUST_*TEST*, CONFIG_SAMPLE_RUST_*) that the
 * discovered list lacks: appended as RUST_OPT_ABSENT ("not in this kernel"). Pure. */
void rustopts_add_absent(struct rust_opt **v, size_t *n, const char *fragment);

/* Whether CONFIG_name is a Rust test option in the sense above (for kconfig_verify's callers:
 * such an option that did not stick is the Rust map's news, not a config mismatch). Pure. */
int rustopts_is_test_option(const char *name);

struct test_results;

/* Rust samples the config could not have, as skipped cases (with the reason) of the kselftest
 * suite suite_name ("load_unload.rust_driver_pci"), made when missing; nothing when r has no
 * suite at all (the guest never ran) or the map no sample. Pure. */
void rustopts_add_sample_skips(const struct rust_map *map, struct test_results *r,
			       const char *suite_name);

void rust_opts_free(struct rust_opt *v, size_t n);

#endif
