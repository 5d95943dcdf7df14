/* matrix.h: a plan expanded into its jobs (sources x toolchains x arches x configs). Pure. */
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "util.h"

char *matrix_source_name(const struct plan_source *s)
{
	const char *v = s->value;
	char *name, *slash;

	if (s->kind == SOURCE_PATH) {
		_cleanup_free_ char *trimmed = xstrdup(v);
		size_t len = strlen(trimmed);

		while (len > 1 && trimmed[len - 1] == '/')
			trimmed[--len] = '\0';
		slash = strrchr(trimmed, '/');
		name = xstrdup(slash ? slash + 1 : trimmed);
	} else if (s->kind == SOURCE_URL) {
		/* https://host/pub/linux-7.2.tar.xz -> linux-7.2 */
		const char *base = strrchr(v, '/') ? strrchr(v, '/') + 1 : v;
		char *dot;

		name = xstrdup(base);
		dot = strstr(name, ".tar");
		if (dot && dot != name)
			*dot = '\0';
	} else {
		name = xstrdup(v);
	}
	for (char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			*c = '_';
	return name;
}

/* A toolchain as job ids name it: a recipe file by its base name without .yaml. */
static const char *toolchain_short(const char *name, char **tmp)
{
	const char *slash = strrchr(name, '/');

	if (!slash)
		return name;
	*tmp = xstrdup(slash + 1);
	if (str_has_suffix(*tmp, ".yaml"))
		(*tmp)[strlen(*tmp) - 5] = '\0';
	return *tmp;
}

void matrix_expand(const struct plan *p, struct matrix *ret)
{
	struct matrix m = { 0 };
	unsigned repeat = p->repeat ? p->repeat : 1;
	size_t cap = p->n_sources * strv_length(p->toolchains) * strv_length(p->arches) *
		     strv_length(p->configs) * repeat;

	m.jobs = xcalloc(cap ? cap : 1, sizeof(*m.jobs));
	for (size_t s = 0; s < p->n_sources; s++) {
		_cleanup_free_ char *sname = matrix_source_name(&p->sources[s]);

		for (size_t t = 0; p->toolchains[t]; t++)
			for (size_t a = 0; p->arches[a]; a++)
				for (size_t c = 0; p->configs[c]; c++) {
					if (p->sources[s].arches &&
					    !strv_contains(p->sources[s].arches, p->arches[a]))
						continue;
					_cleanup_free_ char *tmp = NULL;
					_cleanup_free_ char *id = xasprintf(
						"%s-%s-%s-%s", p->arches[a],
						toolchain_short(p->toolchains[t], &tmp), sname,
						p->configs[c]);

					for (unsigned r = 1; r <= repeat; r++) {
						struct job *j = &m.jobs[m.n_jobs++];

						j->source = s;
						j->toolchain = p->toolchains[t];
						j->arch = p->arches[a];
						j->config = p->configs[c];
						j->id = r == 1 ? xstrdup(id) : xasprintf("%s~%u", id, r);
						j->build_id = xstrdup(id);
					}
				}
	}
	*ret = m;
}

void matrix_release(struct matrix *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_jobs; i++) {
		free(m->jobs[i].id);
		free(m->jobs[i].build_id);
	}
	free(m->jobs);
	memset(m, 0, sizeof(*m));
}
