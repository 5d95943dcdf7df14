/* Rust test options from a kernel's own Kconfig: a small Kconfig reader (entries, types, the
 * conditions that guard them), a dependency-expression evaluator over a .config, and the verdict
 * on each option after olddefconfig. Everything but rustopts_discover is pure. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "result.h"
#include "rustopts.h"
#include "util.h"

/* ---- Kconfig files ---- */

static size_t indent_of(const char *line)
{
	size_t n = 0;

	for (; *line == ' ' || *line == '\t'; line++)
		n += *line == '\t' ? 8 - n % 8 : 1;
	return n;
}

static bool keyword(const char *s, const char *kw, const char **ret_rest)
{
	size_t n = strlen(kw);

	if (strncmp(s, kw, n) != 0 || (s[n] && !isspace((unsigned char)s[n])))
		return false;
	s += n;
	while (isspace((unsigned char)*s))
		s++;
	*ret_rest = s;
	return true;
}

/* "A || B" must keep its meaning when joined with "&&". */
static void conj_add(struct strbuf *b, const char *expr)
{
	bool paren = strstr(expr, "||") != NULL;

	if (b->len)
		strbuf_add(b, " && ");
	strbuf_addf(b, paren ? "(%s)" : "%s", expr);
}

#define MAX_NEST 64

void kc_symbols_parse(const char *text, const char *file, struct kc_symbol **ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = xstrdup(text);
	struct kc_symbol *v = NULL;
	size_t n = 0;
	/* The conditions of enclosing if/menu blocks; a menu's own "depends on" lines add to it. */
	char *outer[MAX_NEST] = { 0 };
	size_t depth = 0;
	bool in_menu_head = false, in_help = false;
	size_t help_indent = 0;
	struct kc_symbol *cur = NULL;
	struct strbuf own = { 0 };
	unsigned lineno = 0;
	char *next;

	for (char *line = copy; line; line = next) {
		const char *s = line, *rest;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (isspace((unsigned char)*s))
			s++;
		if (in_help) {
			if (!*s)
				continue;
			if (!help_indent)
				help_indent = indent_of(line);
			if (indent_of(line) >= help_indent)
				continue;
			in_help = false;
		}
		if (!*s || *s == '#')
			continue;
		if (keyword(s, "config", &rest) || keyword(s, "menuconfig", &rest)) {
			if (cur) {
				free(cur->depends);
				cur->depends = own.len ? strbuf_take(&own) : NULL;
			}
			v = xrealloc(v, (n + 1) * sizeof(*v));
			cur = &v[n++];
			*cur = (struct kc_symbol){ .name = xstrndup(rest, strcspn(rest, " \t")),
						   .file = xstrdup(file), .line = lineno };
			free(strbuf_take(&own));
			for (size_t i = 0; i < depth; i++)
				if (outer[i] && *outer[i])
					conj_add(&own, outer[i]);
			in_menu_head = false;
		} else if (keyword(s, "bool", &rest) || keyword(s, "def_bool", &rest)) {
			if (cur)
				cur->type = KC_BOOL;
		} else if (keyword(s, "tristate", &rest) || keyword(s, "def_tristate", &rest)) {
			if (cur)
				cur->type = KC_TRISTATE;
		} else if (keyword(s, "depends", &rest) && keyword(rest, "on", &rest)) {
			if (in_menu_head && depth) {
				struct strbuf b = { 0 };

				if (*outer[depth - 1])
					conj_add(&b, outer[depth - 1]);
				conj_add(&b, rest);
				free(outer[depth - 1]);
				outer[depth - 1] = strbuf_take(&b);
			} else if (cur) {
				conj_add(&own, rest);
			}
		} else if (keyword(s, "help", &rest) || keyword(s, "---help---", &rest)) {
			in_help = true;
			help_indent = 0;
		} else if (keyword(s, "if", &rest) || keyword(s, "menu", &rest)) {
			bool is_menu = *s == 'm';

			if (cur) {
				free(cur->depends);
				cur->depends = own.len ? strbuf_take(&own) : NULL;
				cur = NULL;
			}
			if (depth < MAX_NEST)
				outer[depth] = xstrdup(is_menu ? "" : rest);
			depth++;
			in_menu_head = is_menu;
		} else if (keyword(s, "endif", &rest) || keyword(s, "endmenu", &rest)) {
			if (cur) {
				free(cur->depends);
				cur->depends = own.len ? strbuf_take(&own) : NULL;
				cur = NULL;
			}
			if (depth) {
				depth--;
				if (depth < MAX_NEST) {
					free(outer[depth]);
					outer[depth] = NULL;
				}
			}
			in_menu_head = false;
		} else if (keyword(s, "choice", &rest) || keyword(s, "endchoice", &rest) ||
			   keyword(s, "source", &rest) || keyword(s, "comment", &rest)) {
			if (cur) {
				free(cur->depends);
				cur->depends = own.len ? strbuf_take(&own) : NULL;
				cur = NULL;
			}
			in_menu_head = false;
		}
	}
	if (cur) {
		free(cur->depends);
		cur->depends = own.len ? strbuf_take(&own) : NULL;
	}
	free(own.buf);
	for (size_t i = 0; i < depth && i < MAX_NEST; i++)
		free(outer[i]);
	*ret = v;
	*ret_n = n;
}

void kc_symbols_free(struct kc_symbol *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].depends);
		free(v[i].file);
	}
	free(v);
}

/* ---- .config values and expressions ---- */

/* The raw value of CONFIG_name ("y", "m", "42", "\"str\"") or NULL when unset. Caller frees. */
static char *config_raw(const char *config, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = config; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > 7 + n && strncmp(p, "CONFIG_", 7) == 0 && strncmp(p + 7, name, n) == 0 &&
		    p[7 + n] == '=')
			return xstrndup(p + 8 + n, len - 8 - n);
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

char kc_config_value(const char *config, const char *name)
{
	_cleanup_free_ char *raw = config_raw(config, name);

	if (raw && (strcmp(raw, "y") == 0 || strcmp(raw, "m") == 0))
		return raw[0];
	return 'n';
}

struct eval {
	const char *p;
	const char *config;
	char ***unmet;
	bool bad;
};

static void skip_ws(struct eval *e)
{
	while (isspace((unsigned char)*e->p))
		e->p++;
}

/* A symbol or constant's text, as written. */
static char *word(struct eval *e)
{
	const char *start = e->p;

	skip_ws(e);
	start = e->p;
	if (*e->p == '"') {
		const char *end = strchr(e->p + 1, '"');

		e->p = end ? end + 1 : e->p + strlen(e->p);
		return xstrndup(start, e->p - start);
	}
	while (isalnum((unsigned char)*e->p) || *e->p == '_' || *e->p == '-')
		e->p++;
	if (e->p == start) {
		e->bad = true;
		return xstrdup("");
	}
	return xstrndup(start, e->p - start);
}

/* A word's value as text: constants as themselves, symbols from the config ("n" when unset). */
static char *word_value(struct eval *e, const char *w)
{
	char *raw;

	if (*w == '"' || strcmp(w, "y") == 0 || strcmp(w, "m") == 0 || strcmp(w, "n") == 0 ||
	    isdigit((unsigned char)*w) || *w == '-') {
		if (*w == '"')
			return xstrndup(w + 1, strlen(w) >= 2 ? strlen(w) - 2 : 0);
		return xstrdup(w);
	}
	raw = config_raw(e->config, w);
	if (raw && *raw == '"') {
		char *unq = xstrndup(raw + 1, strlen(raw) >= 2 ? strlen(raw) - 2 : 0);

		free(raw);
		return unq;
	}
	return raw ? raw : xstrdup("n");
}

static void note_unmet(struct eval *e, bool negated, const char *text)
{
	if (e->unmet)
		strv_pushf(e->unmet, "%s%s", negated ? "!" : "", text);
}

static int expr_or(struct eval *e, bool negated);

static int expr_atom(struct eval *e, bool negated)
{
	_cleanup_free_ char *w = NULL, *val = NULL;
	int v;

	skip_ws(e);
	if (*e->p == '!' && e->p[1] != '=') {
		e->p++;
		return 2 - expr_atom(e, !negated);
	}
	if (*e->p == '(') {
		e->p++;
		v = expr_or(e, negated);
		skip_ws(e);
		if (*e->p == ')')
			e->p++;
		else
			e->bad = true;
		return v;
	}
	w = word(e);
	val = word_value(e, w);
	skip_ws(e);
	if (*e->p == '=' || *e->p == '<' || *e->p == '>' || (e->p[0] == '!' && e->p[1] == '=')) {
		char op[3] = { e->p[0], e->p[1] == '=' ? '=' : '\0', '\0' };
		_cleanup_free_ char *w2 = NULL, *val2 = NULL, *text = NULL;
		int cmp;

		e->p += strlen(op);
		w2 = word(e);
		val2 = word_value(e, w2);
		/* numbers compare as numbers (RUSTC_VERSION >= 109600), the rest as text */
		if (isdigit((unsigned char)*val) && isdigit((unsigned char)*val2)) {
			long long a = strtoll(val, NULL, 0), c = strtoll(val2, NULL, 0);

			cmp = a < c ? -1 : a > c;
		} else {
			cmp = strcmp(val, val2);
		}
		if (strcmp(op, "=") == 0)
			v = cmp == 0;
		else if (strcmp(op, "!=") == 0)
			v = cmp != 0;
		else if (strcmp(op, "<") == 0)
			v = cmp < 0;
		else if (strcmp(op, "<=") == 0)
			v = cmp <= 0;
		else if (strcmp(op, ">") == 0)
			v = cmp > 0;
		else
			v = cmp >= 0;
		v *= 2;
		text = xasprintf("%s%s%s", w, op, w2);
		if ((v == 0) != negated)
			note_unmet(e, negated, text);
		return v;
	}
	v = strcmp(val, "y") == 0 ? 2 : strcmp(val, "m") == 0 ? 1 : 0;
	if ((v == 0) != negated)
		note_unmet(e, negated, w);
	return v;
}

static int expr_and(struct eval *e, bool negated)
{
	int v = expr_atom(e, negated);

	for (;;) {
		skip_ws(e);
		if (e->p[0] != '&' || e->p[1] != '&')
			return v;
		e->p += 2;
		int r = expr_atom(e, negated);

		v = r < v ? r : v;
	}
}

static int expr_or(struct eval *e, bool negated)
{
	int v = expr_and(e, negated);

	for (;;) {
		skip_ws(e);
		if (e->p[0] != '|' || e->p[1] != '|')
			return v;
		e->p += 2;
		int r = expr_and(e, negated);

		v = r > v ? r : v;
	}
}

char kc_expr_eval(const char *expr, const char *config, char ***ret_unmet)
{
	char **unmet = NULL;
	struct eval e = { .p = expr ? expr : "", .config = config, .unmet = ret_unmet ? &unmet : NULL };
	int v = 2;

	skip_ws(&e);
	if (*e.p)
		v = expr_or(&e, false);
	if (ret_unmet) {
		if (v)
			strv_free(unmet), unmet = NULL;
		if (!unmet)
			unmet = xcalloc(1, sizeof(*unmet));
		*ret_unmet = unmet;
	}
	return v == 2 ? 'y' : v == 1 ? 'm' : 'n';
}

/* ---- Rust test options ---- */

static const char *const fate_names[] = { "on", "dropped", "absent" };

const char *rust_opt_fate_name(enum rust_opt_fate f)
{
	return (size_t)f < ARRAY_SIZE(fate_names) ? fate_names[f] : "absent";
}

int rust_opt_fate_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(fate_names); i++)
		if (strcmp(name, fate_names[i]) == 0)
			return (int)i;
	return -1;
}

int rustopts_is_test_option(const char *name)
{
	return str_has_prefix(name, "SAMPLE_RUST_") || strcmp(name, "SAMPLES_RUST") == 0 ||
	       (str_has_prefix(name, "RUST_") && strstr(name, "TEST") != NULL);
}

static bool under(const char *path, const char *dir)
{
	return str_has_prefix(path, dir) && path[strlen(dir)] == '/';
}

static bool has_opt(const struct rust_opt *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

void rustopts_from_texts(char *const *names, char *const *texts, size_t n, struct rust_opt **ret,
			 size_t *ret_n)
{
	struct rust_opt *v = NULL;
	size_t nv = 0;

	for (size_t f = 0; f < n; f++) {
		struct kc_symbol *syms;
		size_t ns;
		bool samples = under(names[f], "samples/rust");
		bool rust = under(names[f], "rust");

		kc_symbols_parse(texts[f], names[f], &syms, &ns);
		for (size_t i = 0; i < ns; i++) {
			const struct kc_symbol *s = &syms[i];
			bool take;

			if (s->type == KC_OTHER || has_opt(v, nv, s->name))
				continue;
			if (strcmp(s->name, "RUST") == 0 || strcmp(s->name, "HAVE_RUST") == 0)
				take = strcmp(names[f], "init/Kconfig") == 0 ||
				       strcmp(names[f], "arch/Kconfig") == 0;
			else if (samples)
				take = true;
			else if (rust)
				take = strstr(s->name, "TEST") ||
				       (s->depends && strstr(s->depends, "RUST_KUNIT_TESTS"));
			else
				take = rustopts_is_test_option(s->name);
			if (!take)
				continue;
			v = xrealloc(v, (nv + 1) * sizeof(*v));
			v[nv++] = (struct rust_opt){
				.name = xstrdup(s->name),
				.want = samples && s->type == KC_TRISTATE ? 'm' : 'y',
				.depends = xstrdup(s->depends),
				.file = xstrdup(s->file),
				.got = 'n',
			};
		}
		kc_symbols_free(syms, ns);
	}
	*ret = v;
	*ret_n = nv;
}

/* Kconfig files under dir/sub, relative names, recursively. */
static void kconfig_files(const char *tree, const char *sub, char ***names)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", tree, sub);
	_cleanup_strv_ char **entries = dir_names(dir, "");

	for (size_t i = 0; entries[i]; i++) {
		_cleanup_free_ char *rel = xasprintf("%s/%s", sub, entries[i]);
		_cleanup_free_ char *abs = xasprintf("%s/%s", tree, rel);

		if (entries[i][0] == '.')
			continue;
		if (path_is_dir(abs))
			kconfig_files(tree, rel, names);
		else if (str_has_prefix(entries[i], "Kconfig"))
			strv_push(names, rel);
	}
}

int rustopts_discover(const char *dir, struct rust_opt **ret, size_t *ret_n, struct bm_err **err)
{
	_cleanup_strv_ char **names = NULL, **texts = NULL;
	_cleanup_free_ char *top = xasprintf("%s/Kconfig", dir);

	if (!path_exists(top))
		return bm_err_set(err, BM_ERR_INPUT, "'%s' has no Kconfig: not a kernel tree", dir);
	/* the arch's HAVE_RUST and RUST itself first: without them no Rust test can be on */
	strv_push(&names, "arch/Kconfig");
	strv_push(&names, "init/Kconfig");
	kconfig_files(dir, "rust", &names);
	kconfig_files(dir, "samples/rust", &names);
	strv_push(&names, "lib/Kconfig.debug");
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
		_cleanup_free_ char *text = NULL;

		strv_push(&texts, file_read(path, &text, NULL, NULL) == 0 ? text : "");
	}
	rustopts_from_texts(names, texts, strv_length(names), ret, ret_n);
	return 0;
}

char *rustopts_fragment(const struct rust_opt *v, size_t n)
{
	struct strbuf b = { 0 };

	for (size_t i = 0; i < n; i++)
		if (v[i].fate != RUST_OPT_ABSENT && strcmp(v[i].name, "HAVE_RUST") != 0)
			strbuf_addf(&b, "CONFIG_%s=%c\n", v[i].name, v[i].want);
	return strbuf_take(&b);
}

void rustopts_judge(struct rust_opt *v, size_t n, const char *final_config)
{
	for (size_t i = 0; i < n; i++) {
		struct rust_opt *o = &v[i];
		_cleanup_strv_ char **unmet = NULL;

		if (o->fate == RUST_OPT_ABSENT)
			continue;
		free(o->reason);
		o->reason = NULL;
		o->got = kc_config_value(final_config, o->name);
		/* a module asked for, built in because the kernel has no modules, is on too */
		if (o->got == o->want || (o->want == 'm' && o->got == 'y')) {
			o->fate = RUST_OPT_ON;
			continue;
		}
		o->fate = RUST_OPT_DROPPED;
		if (strcmp(o->name, "HAVE_RUST") == 0)
			o->reason = xstrdup("this architecture does not select HAVE_RUST");
		else if (kc_expr_eval(o->depends, final_config, &unmet) == 'n' && unmet[0]) {
			_cleanup_free_ char *list = strv_join(unmet, ", ");

			o->reason = xasprintf("unmet dependency: %s (depends on %s)", list, o->depends);
		} else {
			o->reason = xasprintf("not set by olddefconfig although its dependencies hold%s%s",
					      o->depends ? ": " : "", o->depends ? o->depends : "");
		}
	}
}

void rustopts_add_absent(struct rust_opt **v, size_t *n, const char *fragment)
{
	_cleanup_free_ char *copy = xstrdup(fragment);
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq;

		if (!str_has_prefix(line, "CONFIG_") || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		if (!rustopts_is_test_option(line + 7) || has_opt(*v, *n, line + 7))
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct rust_opt){ .name = xstrdup(line + 7), .want = eq[1] == 'm' ? 'm' : 'y',
						  .fate = RUST_OPT_ABSENT, .got = 'n',
						  .reason = xstrdup("not in this kernel") };
	}
}

void rustopts_add_sample_skips(const struct rust_map *map, struct test_results *r,
			       const char *suite_name)
{
	struct test_suite *suite = NULL;

	if (!map || !r->n_suites)
		return;
	for (size_t i = 0; i < map->n; i++) {
		const struct rust_opt *o = &map->opts[i];
		struct test_case *tc;
		char *module;

		if (o->fate != RUST_OPT_DROPPED || !str_has_prefix(o->name, "SAMPLE_RUST_"))
			continue;
		if (!suite) {
			for (size_t k = 0; k < r->n_suites && !suite; k++)
				if (r->suites[k].kind == SUITE_KSELFTEST &&
				    strcmp(r->suites[k].name, suite_name) == 0)
					suite = &r->suites[k];
			if (!suite) {
				r->suites = xrealloc(r->suites, (r->n_suites + 1) * sizeof(*r->suites));
				suite = &r->suites[r->n_suites++];
				*suite = (struct test_suite){ .name = xstrdup(suite_name),
							      .kind = SUITE_KSELFTEST };
			}
		}
		/* obj-$(CONFIG_SAMPLE_RUST_DRIVER_PCI) += rust_driver_pci.o */
		module = xasprintf("load_unload.%s", o->name + strlen("SAMPLE_"));
		for (char *c = module; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		suite->cases = xrealloc(suite->cases, (suite->n_cases + 1) * sizeof(*suite->cases));
		tc = &suite->cases[suite->n_cases++];
		*tc = (struct test_case){ .name = module, .status = BM_SKIP,
					  .detail = xasprintf("the config cannot have it: %s", o->reason) };
	}
	if (suite)
		test_results_recount(r);
}

void rust_opts_free(struct rust_opt *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].depends);
		free(v[i].file);
		free(v[i].reason);
	}
	free(v);
}
