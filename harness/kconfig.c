/* kconfig.h: what a build asked for (the fragments) against what it got (.config): options
 * dropped or changed by Kconfig. Pure. */
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"
#include "util.h"

struct kv {
	char *key;
	char *value;
};

struct kvlist {
	struct kv *items;
	size_t n;
};

static void kvlist_set(struct kvlist *l, const char *key, size_t klen, const char *value, size_t vlen)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strlen(l->items[i].key) == klen && strncmp(l->items[i].key, key, klen) == 0) {
			free(l->items[i].value);
			l->items[i].value = xstrndup(value, vlen);
			return;
		}
	}
	l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->items[l->n].key = xstrndup(key, klen);
	l->items[l->n].value = xstrndup(value, vlen);
	l->n++;
}

static const char *kvlist_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].key, key) == 0)
			return l->items[i].value;
	return NULL;
}

static void kvlist_release(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
}

/* Lines "CONFIG_X=v" and "# CONFIG_X is not set" (as X=n). */
static void parse_config(const char *text, struct kvlist *l)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 7 && strncmp(line, "CONFIG_", 7) == 0) {
			const char *eq = memchr(line, '=', len);

			if (eq)
				kvlist_set(l, line, (size_t)(eq - line), eq + 1,
					   len - (size_t)(eq - line) - 1);
		} else if (len > 9 && strncmp(line, "# CONFIG_", 9) == 0) {
			const char *sp = memchr(line + 2, ' ', len - 2);

			if (sp && strncmp(sp, " is not set", 11) == 0)
				kvlist_set(l, line + 2, (size_t)(sp - line - 2), "n", 1);
		}
		line = end ? end + 1 : NULL;
	}
}

char **kconfig_verify(const char *const *fragments, size_t n_fragments, const char *final_config)
{
	struct kvlist want = { 0 }, got = { 0 };
	char **missing = xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < n_fragments; i++)
		parse_config(fragments[i], &want);
	parse_config(final_config, &got);
	for (size_t i = 0; i < want.n; i++) {
		const char *w = want.items[i].value;
		const char *g = kvlist_get(&got, want.items[i].key);

		if (!g)
			g = "n";
		if (strcmp(w, g) != 0)
			strv_pushf(&missing, "%s=%s (got %s)", want.items[i].key, w, g);
	}
	kvlist_release(&want);
	kvlist_release(&got);
	return missing;
}
