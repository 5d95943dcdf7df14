/* libFuzzer target: the Kconfig reader and dependency evaluator of rustopts.c, and the fragment
 * checker of kconfig.c. The input is split at the first NUL into a Kconfig text and a .config.
 * Seeds: tests/data/rusttree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"
#include "rustopts.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	const char *nul = memchr(data, 0, size);
	char *config = nul ? xstrndup(nul + 1, size - (size_t)((const uint8_t *)nul + 1 - data)) :
			     xstrdup("CONFIG_RUST=y\n");
	char *names[] = { (char *)"samples/rust/Kconfig", (char *)"rust/Kconfig.test",
			  (char *)"init/Kconfig", NULL };
	char *texts[] = { text, text, text, NULL };
	struct kc_symbol *syms;
	struct rust_opt *opts;
	size_t n, no;
	const char *frags[] = { text };
	char **missing;

	kc_symbols_parse(text, "Kconfig", &syms, &n);
	for (size_t i = 0; i < n; i++) {
		char **unmet = NULL;

		kc_expr_eval(syms[i].depends, config, &unmet);
		strv_free(unmet);
	}
	kc_symbols_free(syms, n);
	{
		char **unmet = NULL;

		kc_expr_eval(text, config, &unmet);
		strv_free(unmet);
	}
	rustopts_from_texts(names, texts, 3, &opts, &no);
	free(rustopts_fragment(opts, no));
	rustopts_add_absent(&opts, &no, text);
	rustopts_judge(opts, no, config);
	rust_opts_free(opts, no);
	missing = kconfig_verify(frags, 1, config);
	strv_free(missing);
	free(text);
	free(config);
	return 0;
}
