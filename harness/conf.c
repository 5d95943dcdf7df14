/* conf.h: YAML (libyaml, included only here) read into a small tree with line and column for
 * every node, and typed getters whose errors name file:line:column. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf.h"
#include "err.h"
#include "util.h"

static void node_free(struct conf_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < (n->type == CONF_MAP ? 2 * n->n + n->n_pending : n->n); i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->scalar);
	free(n);
}

void conf_doc_free(struct conf_doc *d)
{
	if (!d)
		return;
	node_free(d->root);
	free(d->path);
	free(d);
}

void conf_doc_freep(struct conf_doc **d)
{
	conf_doc_free(*d);
	*d = NULL;
}

int conf_error(const struct conf_doc *d, const struct conf_node *node, struct bm_err **err,
	       const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (node)
		return bm_err_set(err, BM_ERR_INPUT, "%s:%u:%u: %s", d->path, node->line,
				  node->column, msg);
	return bm_err_set(err, BM_ERR_INPUT, "%s: %s", d->path, msg);
}

static struct conf_node *node_new(enum conf_type type, const yaml_event_t *ev)
{
	struct conf_node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = (unsigned)ev->start_mark.line + 1;
	n->column = (unsigned)ev->start_mark.column + 1;
	return n;
}

static void node_append(struct conf_node *parent, struct conf_node *child)
{
	size_t count = parent->type == CONF_MAP ? 2 * parent->n + parent->n_pending : parent->n;

	parent->items = xrealloc(parent->items, (count + 1) * sizeof(*parent->items));
	parent->items[count] = child;
}

/* Builds the tree from libyaml's event stream. Anchors and aliases are refused: plans are
 * plain data. */
struct builder {
	yaml_parser_t parser;
	struct conf_doc *doc;
};

static int parse_error(struct builder *b, struct bm_err **err)
{
	yaml_parser_t *p = &b->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;

	return bm_err_set(err, BM_ERR_INPUT, "%s:%zu:%zu: YAML syntax: %s%s%s", b->doc->path,
			  m->line + 1, m->column + 1, p->problem ? p->problem : "error",
			  p->context ? " " : "", p->context ? p->context : "");
}

static int build_node(struct builder *b, yaml_event_t *ev, struct conf_node **ret,
		      struct bm_err **err);

static int build_children(struct builder *b, struct conf_node *parent, yaml_event_type_t end,
			  struct bm_err **err)
{
	for (;;) {
		yaml_event_t ev;
		struct conf_node *child = NULL;

		if (!yaml_parser_parse(&b->parser, &ev))
			return parse_error(b, err);
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		if (build_node(b, &ev, &child, err) < 0) {
			yaml_event_delete(&ev);
			return -1;
		}
		yaml_event_delete(&ev);
		node_append(parent, child);
		if (parent->type == CONF_SEQ) {
			parent->n++;
		} else if (parent->n_pending) {
			parent->n_pending = false;
			parent->n++;
		} else {
			int r = 0;

			/* A refused key is not counted in the parent: it is freed here (found by
			 * fuzz_plan: a plan with a key twice leaked it). */
			if (child->type != CONF_SCALAR)
				r = conf_error(b->doc, child, err, "mapping keys must be plain words");
			for (size_t i = 0; r == 0 && i < parent->n; i++)
				if (strcmp(parent->items[2 * i]->scalar, child->scalar) == 0)
					r = conf_error(b->doc, child, err, "duplicate key '%s'",
						       child->scalar);
			if (r < 0) {
				node_free(child);
				return r;
			}
			parent->n_pending = true;
		}
	}
	return 0;
}

static int build_node(struct builder *b, yaml_event_t *ev, struct conf_node **ret,
		      struct bm_err **err)
{
	struct conf_node *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(CONF_SCALAR, ev);
		n->scalar = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		*ret = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		n = node_new(CONF_SEQ, ev);
		if (build_children(b, n, YAML_SEQUENCE_END_EVENT, err) < 0) {
			node_free(n);
			return -1;
		}
		*ret = n;
		return 0;
	case YAML_MAPPING_START_EVENT:
		n = node_new(CONF_MAP, ev);
		if (build_children(b, n, YAML_MAPPING_END_EVENT, err) < 0) {
			node_free(n);
			return -1;
		}
		*ret = n;
		return 0;
	case YAML_ALIAS_EVENT:
		return bm_err_set(err, BM_ERR_INPUT, "%s:%zu:%zu: YAML aliases are not supported",
				  b->doc->path, ev->start_mark.line + 1, ev->start_mark.column + 1);
	default:
		return bm_err_set(err, BM_ERR_INPUT, "%s:%zu:%zu: unexpected YAML event",
				  b->doc->path, ev->start_mark.line + 1, ev->start_mark.column + 1);
	}
}

static int load(const char *name, const char *text, size_t len, struct conf_doc **ret,
		struct bm_err **err)
{
	struct builder b = { 0 };
	bool in_doc = false;
	int r = 0;

	b.doc = xcalloc(1, sizeof(*b.doc));
	b.doc->path = xstrdup(name);
	yaml_parser_initialize(&b.parser);
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&b.parser, &ev)) {
			r = parse_error(&b, err);
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			if (in_doc || b.doc->root) {
				r = bm_err_set(err, BM_ERR_INPUT, "%s:%zu:%zu: only one YAML document is allowed",
					       name, ev.start_mark.line + 1, ev.start_mark.column + 1);
				yaml_event_delete(&ev);
				break;
			}
			in_doc = true;
		} else if (ev.type == YAML_DOCUMENT_END_EVENT) {
			in_doc = false;
		} else if (ev.type != YAML_STREAM_START_EVENT) {
			r = build_node(&b, &ev, &b.doc->root, err);
		}
		yaml_event_delete(&ev);
		if (r < 0)
			break;
	}
	yaml_parser_delete(&b.parser);
	if (r < 0) {
		conf_doc_free(b.doc);
		return -1;
	}
	*ret = b.doc;
	return 0;
}

int conf_load_string(const char *name, const char *text, struct conf_doc **ret, struct bm_err **err)
{
	return load(name, text, strlen(text), ret, err);
}

int conf_load_file(const char *path, struct conf_doc **ret, struct bm_err **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (file_read(path, &text, &len, err) < 0)
		return -1;
	return load(path, text, len, ret, err);
}

struct conf_node *conf_map_get(const struct conf_node *map, const char *key)
{
	if (!map || map->type != CONF_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->scalar, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}

static const char *type_name(enum conf_type t)
{
	return t == CONF_MAP ? "a mapping" : t == CONF_SEQ ? "a list" : "a value";
}

int conf_map_check(const struct conf_doc *d, const struct conf_node *node, const char *what,
		   const char *const *allowed, struct bm_err **err)
{
	if (!node || node->type != CONF_MAP)
		return conf_error(d, node, err, "%s: expected a mapping, got %s", what,
				  node ? type_name(node->type) : "nothing");
	for (size_t i = 0; i < node->n; i++) {
		const struct conf_node *k = node->items[2 * i];
		bool ok = false;

		for (size_t j = 0; allowed[j]; j++)
			ok = ok || strcmp(allowed[j], k->scalar) == 0;
		if (!ok) {
			_cleanup_free_ char *known = strv_join((char *const *)allowed, ", ");

			return conf_error(d, k, err, "%s: unknown key '%s' (known: %s)", what,
					  k->scalar, known);
		}
	}
	return 0;
}

static bool is_null(const struct conf_node *n)
{
	return n->type == CONF_SCALAR && n->plain &&
	       (strcmp(n->scalar, "~") == 0 || strcmp(n->scalar, "null") == 0 || !*n->scalar);
}

static int get_scalar(const struct conf_doc *d, const struct conf_node *map, const char *field,
		      bool required, const struct conf_node **ret, struct bm_err **err)
{
	const struct conf_node *n = conf_map_get(map, field);

	if (!n || is_null(n)) {
		if (required)
			return conf_error(d, map, err, "missing required field '%s'", field);
		*ret = NULL;
		return 0;
	}
	if (n->type != CONF_SCALAR)
		return conf_error(d, n, err, "%s: expected a value, got %s", field, type_name(n->type));
	*ret = n;
	return 0;
}

int conf_get_string(const struct conf_doc *d, const struct conf_node *map, const char *field,
		    bool required, char **ret, struct bm_err **err)
{
	const struct conf_node *n;

	if (get_scalar(d, map, field, required, &n, err) < 0)
		return -1;
	if (n) {
		free(*ret);
		*ret = xstrdup(n->scalar);
	}
	return 0;
}

int conf_get_uint(const struct conf_doc *d, const struct conf_node *map, const char *field,
		  bool required, unsigned *ret, struct bm_err **err)
{
	const struct conf_node *n;
	unsigned long v;
	char *end;

	if (get_scalar(d, map, field, required, &n, err) < 0)
		return -1;
	if (!n)
		return 0;
	errno = 0;
	v = strtoul(n->scalar, &end, 10);
	if (errno || end == n->scalar || *end || n->scalar[0] == '-' || v > 1000000000UL)
		return conf_error(d, n, err, "%s: expected a whole number, got '%s'", field, n->scalar);
	*ret = (unsigned)v;
	return 0;
}

int conf_get_bool(const struct conf_doc *d, const struct conf_node *map, const char *field,
		  bool *ret, struct bm_err **err)
{
	const struct conf_node *n;

	if (get_scalar(d, map, field, false, &n, err) < 0)
		return -1;
	if (!n)
		return 0;
	if (strcmp(n->scalar, "true") == 0 || strcmp(n->scalar, "yes") == 0)
		*ret = true;
	else if (strcmp(n->scalar, "false") == 0 || strcmp(n->scalar, "no") == 0)
		*ret = false;
	else
		return conf_error(d, n, err, "%s: expected true or false, got '%s'", field, n->scalar);
	return 0;
}

int conf_get_strv(const struct conf_doc *d, const struct conf_node *map, const char *field,
		  bool required, char ***ret, struct bm_err **err)
{
	const struct conf_node *n = conf_map_get(map, field);
	char **v = NULL;

	if (!n || is_null(n)) {
		if (required)
			return conf_error(d, map, err, "missing required field '%s'", field);
		return 0;
	}
	if (n->type == CONF_SCALAR) {
		strv_push(&v, n->scalar);
	} else if (n->type == CONF_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			if (n->items[i]->type != CONF_SCALAR) {
				strv_free(v);
				return conf_error(d, n->items[i], err, "%s: expected a list of values", field);
			}
			strv_push(&v, n->items[i]->scalar);
		}
	} else {
		return conf_error(d, n, err, "%s: expected a list, got a mapping", field);
	}
	if (required && !v)
		return conf_error(d, n, err, "%s: the list is empty", field);
	strv_free(*ret);
	*ret = v;
	return 0;
}
