/* YAML documents as a small tree with positions, so that every error can name file, line and
 * column. The only module that includes <yaml.h>. */
#ifndef BM_CONF_H
#define BM_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct bm_err;

enum conf_type { CONF_SCALAR, CONF_SEQ, CONF_MAP };

struct conf_node {
	enum conf_type type;
	unsigned line, column;		/* 1-based */
	char *scalar;			/* CONF_SCALAR */
	bool plain;			/* scalar was unquoted (so "null", "~" mean null) */
	size_t n;			/* items of CONF_SEQ, pairs of CONF_MAP */
	struct conf_node **items;	/* CONF_SEQ: n items; CONF_MAP: 2n, key then value */
	bool n_pending;			/* CONF_MAP while loading: a key waits for its value */
};

/* A loaded document: the root node and the file name errors are reported against. */
struct conf_doc {
	char *path;
	struct conf_node *root;		/* NULL for an empty document */
};

int conf_load_file(const char *path, struct conf_doc **ret, struct bm_err **err);
int conf_load_string(const char *name, const char *text, struct conf_doc **ret, struct bm_err **err);
void conf_doc_free(struct conf_doc *d);
void conf_doc_freep(struct conf_doc **d);

/* "FILE:LINE:COLUMN: " + message; returns -1. node may be NULL (then FILE: only). */
int conf_error(const struct conf_doc *d, const struct conf_node *node, struct bm_err **err,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Value for key in a map, or NULL. */
struct conf_node *conf_map_get(const struct conf_node *map, const char *key);
/* Check node is a map whose keys are all in allowed (NULL-terminated); what names it in errors. */
int conf_map_check(const struct conf_doc *d, const struct conf_node *node, const char *what,
		   const char *const *allowed, struct bm_err **err);
/* Typed getters: field is the key (named in errors). A missing key leaves *ret untouched and
 * returns 0 unless required. */
int conf_get_string(const struct conf_doc *d, const struct conf_node *map, const char *field,
		    bool required, char **ret, struct bm_err **err);
int conf_get_uint(const struct conf_doc *d, const struct conf_node *map, const char *field,
		  bool required, unsigned *ret, struct bm_err **err);
int conf_get_bool(const struct conf_doc *d, const struct conf_node *map, const char *field,
		  bool *ret, struct bm_err **err);
/* A scalar or a sequence of scalars, as a string vector. */
int conf_get_strv(const struct conf_doc *d, const struct conf_node *map, const char *field,
		  bool required, char ***ret, struct bm_err **err);

#endif
