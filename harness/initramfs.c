/* The guest initramfs: the members of a newc cpio archive (trees expanded, parents implied,
 * sorted), written and listed through archives.h, and the /init script for kselftest boots. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archives.h"
#include "err.h"
#include "initramfs.h"
#include "util.h"

/* One archive member, after trees are expanded and parents implied. */
struct item {
	char *name;		/* archive name: the path without its leading '/' */
	enum initramfs_type type;	/* IR_DIR, IR_FILE, IR_SYMLINK or IR_CHARDEV */
	/* IR_FILE: host file (relative to its tree's top when root, to beneath when set);
	 * IR_SYMLINK: the target */
	char *source;
	const char *beneath;	/* IR_FILE outside trees: entry's beneath; borrowed */
	size_t root;		/* IR_FILE from a tree: 1 + index in items.roots; 0: none */
	const char *content;	/* IR_FILE without source; borrowed from the caller */
	unsigned mode;		/* 0 for IR_FILE: the source's, read when writing */
	unsigned major, minor;
	int rank;		/* directories: 2 listed, 1 from a tree, 0 implied */
	size_t seq;
};

/* The top directory of an IR_TREE, held open from the walk to the writing: its files are opened
 * beneath it (openat2), never again by a path from outside. */
struct tree_root {
	int fd;
	char *shown;		/* its host path, for messages */
};

struct items {
	struct item *v;
	size_t n, cap;
	struct tree_root *roots;
	size_t nroots;
};

static void items_release(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].name);
		free(it->v[i].source);
	}
	free(it->v);
	it->v = NULL;
	it->n = it->cap = 0;
	for (size_t i = 0; i < it->nroots; i++) {
		close(it->roots[i].fd);
		free(it->roots[i].shown);
	}
	free(it->roots);
	it->roots = NULL;
	it->nroots = 0;
}

/* Appends a copy of *proto; takes ownership of name and source. */
static void items_add(struct items *it, struct item proto)
{
	if (it->n == it->cap) {
		it->cap = it->cap ? it->cap * 2 : 64;
		it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
	}
	proto.seq = it->n;
	it->v[it->n++] = proto;
}

static const char *type_name(enum initramfs_type t)
{
	switch (t) {
	case IR_DIR:
	case IR_TREE:
		return "directory";
	case IR_FILE:
		return "file";
	case IR_SYMLINK:
		return "symlink";
	case IR_CHARDEV:
		return "character device";
	}
	return "entry";
}

/* "/a//b/" -> "a/b"; "/" -> "". */
static int normalize_path(const char *path, char **ret_name, struct bm_err **err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_free_ char *out = NULL;
	char *save = NULL;
	size_t len = 0;

	if (!path || path[0] != '/')
		return bm_err_set(err, BM_ERR_INPUT, "initramfs path '%s' is not absolute",
				  path ? path : "(null)");
	copy = xstrdup(path);
	out = xcalloc(1, strlen(path) + 1);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return bm_err_set(err, BM_ERR_INPUT,
					  "initramfs path '%s' has a '%s' component", path, c);
		if (len)
			out[len++] = '/';
		memcpy(out + len, c, strlen(c));
		len += strlen(c);
	}
	out[len] = '\0';
	*ret_name = out;
	out = NULL;
	return 0;
}

/* The target of symlink name in the directory open at dfd (shown in messages). */
static int read_link_at(int dfd, const char *name, const char *shown, char **ret_target,
			struct bm_err **err)
{
	size_t size = 256;

	for (;;) {
		_cleanup_free_ char *buf = xmalloc(size);
		ssize_t r = readlinkat(dfd, name, buf, size);

		if (r < 0)
			return bm_err_errno(err, errno, "cannot read symlink '%s'", shown);
		if ((size_t)r < size) {
			buf[r] = '\0';
			*ret_target = buf;
			buf = NULL;
			return 0;
		}
		size *= 2;
	}
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the contents of the directory open at dfd (rel below the top of tree root, "" for the
 * top) below archive name prefix ("" for the root). The walk goes from fd to fd without
 * following a symlink: a symlink is archived as one. dfd stays the caller's. */
static int collect_tree(struct items *it, const char *prefix, int dfd, const char *rel, size_t root,
			struct bm_err **err)
{
	const char *top = it->roots[root - 1].shown;
	_cleanup_free_ char *shown_dir = *rel ? xasprintf("%s/%s", top, rel) : xstrdup(top);
	_cleanup_strv_ char **names = NULL;
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	struct dirent *de;

	if (!d) {
		int e = errno;

		if (dup_fd >= 0)
			close(dup_fd);
		return bm_err_errno(err, e, "cannot open directory '%s'", shown_dir);
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(&names, de->d_name);
		errno = 0;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		return bm_err_errno(err, e, "cannot read directory '%s'", shown_dir);
	}
	closedir(d);
	if (!names)
		return 0;
	/* The archive is sorted later; sorting here only makes errors deterministic. */
	qsort(names, strv_length(names), sizeof(*names), cmp_cstr);

	for (char **n = names; *n; n++) {
		_cleanup_free_ char *shown = xasprintf("%s/%s", shown_dir, *n);
		_cleanup_free_ char *sub = *rel ? xasprintf("%s/%s", rel, *n) : xstrdup(*n);
		char *name = *prefix ? xasprintf("%s/%s", prefix, *n) : xstrdup(*n);
		struct stat st;

		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(name);
			return bm_err_errno(err, errno, "cannot stat '%s'", shown);
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sfd = openat(dfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							      O_CLOEXEC);

			items_add(it, (struct item){ .name = name, .type = IR_DIR,
						     .mode = st.st_mode & 07777, .rank = 1 });
			if (sfd < 0)
				return bm_err_errno(err, errno, "cannot open directory '%s'", shown);
			if (collect_tree(it, name, sfd, sub, root, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			items_add(it, (struct item){ .name = name, .type = IR_FILE,
						     .source = sub, .root = root,
						     .mode = st.st_mode & 07777 });
			sub = NULL;
		} else if (S_ISLNK(st.st_mode)) {
			char *target = NULL;

			if (read_link_at(dfd, *n, shown, &target, err) < 0) {
				free(name);
				return -1;
			}
			items_add(it, (struct item){ .name = name, .type = IR_SYMLINK,
						     .source = target, .mode = 0777 });
		} else {
			free(name);
			return bm_err_set(err, BM_ERR_INPUT,
					  "'%s' is not a file, directory or symlink", shown);
		}
	}
	return 0;
}

/* The top of an IR_TREE opened as a directory: beneath e->beneath without a symlink when set. */
static int tree_open(const struct initramfs_entry *e, struct bm_err **err)
{
	int fd;

	if (e->beneath)
		return dir_open_beneath(e->beneath, e->source, err);
	fd = open(e->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ?
			bm_err_set(err, BM_ERR_INPUT, "'%s' is not a directory", e->source) :
			bm_err_errno(err, errno, "cannot open directory '%s'", e->source);
	return fd;
}

static int collect_entry(struct items *it, const struct initramfs_entry *e, struct bm_err **err)
{
	_cleanup_free_ char *name = NULL;
	struct stat st;

	if (normalize_path(e->path, &name, err) < 0)
		return -1;
	if (!*name && e->type != IR_DIR && e->type != IR_TREE)
		return bm_err_set(err, BM_ERR_INPUT, "initramfs: '/' cannot be a %s",
				  type_name(e->type));

	switch (e->type) {
	case IR_DIR:
		if (*name)
			items_add(it, (struct item){ .name = xstrdup(name), .type = IR_DIR,
						     .mode = e->mode ? e->mode & 07777 : 0755,
						     .rank = 2 });
		return 0;
	case IR_FILE:
		if (!e->source && !e->content)
			return bm_err_set(err, BM_ERR_INPUT,
					  "initramfs file '%s' has neither a source nor content",
					  e->path);
		items_add(it, (struct item){ .name = xstrdup(name), .type = IR_FILE,
					     .source = xstrdup(e->source),
					     .beneath = e->source ? e->beneath : NULL,
					     .content = e->source ? NULL : e->content,
					     .mode = e->mode ? e->mode & 07777
							     : (e->source ? 0 : 0644) });
		return 0;
	case IR_SYMLINK:
		if (!e->source || !*e->source)
			return bm_err_set(err, BM_ERR_INPUT, "initramfs symlink '%s' has no target",
					  e->path);
		items_add(it, (struct item){ .name = xstrdup(name), .type = IR_SYMLINK,
					     .source = xstrdup(e->source), .mode = 0777 });
		return 0;
	case IR_CHARDEV:
		items_add(it, (struct item){ .name = xstrdup(name), .type = IR_CHARDEV,
					     .mode = e->mode ? e->mode & 07777 : 0600,
					     .major = e->major, .minor = e->minor });
		return 0;
	case IR_TREE: {
		int fd;

		if (!e->source)
			return bm_err_set(err, BM_ERR_INPUT, "initramfs tree '%s' has no source",
					  e->path);
		if ((fd = tree_open(e, err)) < 0)
			return -1;
		it->roots = xrealloc(it->roots, (it->nroots + 1) * sizeof(*it->roots));
		it->roots[it->nroots++] = (struct tree_root){
			.fd = fd, .shown = e->beneath ? xasprintf("%s/%s", e->beneath, e->source)
						      : xstrdup(e->source) };
		if (fstat(fd, &st) < 0)
			return bm_err_errno(err, errno, "cannot stat '%s'", e->source);
		if (*name)
			items_add(it, (struct item){ .name = xstrdup(name), .type = IR_DIR,
						     .mode = e->mode ? e->mode & 07777
								     : st.st_mode & 07777,
						     .rank = e->mode ? 2 : 1 });
		return collect_tree(it, name, fd, "", it->nroots, err);
	}
	}
	return bm_err_set(err, BM_ERR_INPUT, "initramfs entry '%s' has an unknown type %d",
			  e->path, (int)e->type);
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->rank != y->rank)
		return y->rank - x->rank;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Everything to write, sorted by name (so parents come before children), one item per name. */
static int collect(const struct initramfs_entry *entries, size_t n, struct items *ret,
		   struct bm_err **err)
{
	struct items it = { 0 };
	size_t listed, out = 0;

	for (size_t i = 0; i < n; i++)
		if (collect_entry(&it, &entries[i], err) < 0)
			goto fail;
	listed = it.n;
	for (size_t i = 0; i < listed; i++) {
		for (const char *s = strchr(it.v[i].name, '/'); s; s = strchr(s + 1, '/'))
			items_add(&it, (struct item){
				.name = xstrndup(it.v[i].name, (size_t)(s - it.v[i].name)),
				.type = IR_DIR, .mode = 0755, .rank = 0 });
	}
	if (it.n)
		qsort(it.v, it.n, sizeof(*it.v), cmp_item);
	for (size_t i = 0; i < it.n; i++) {
		struct item *prev = out ? &it.v[out - 1] : NULL;

		if (prev && strcmp(prev->name, it.v[i].name) == 0) {
			if (prev->type == IR_DIR && it.v[i].type == IR_DIR) {
				free(it.v[i].name);
				free(it.v[i].source);
				continue;
			}
			if (prev->type == it.v[i].type)
				bm_err_set(err, BM_ERR_INPUT, "initramfs path '/%s' given twice",
					   prev->name);
			else
				bm_err_set(err, BM_ERR_INPUT,
					   "initramfs path '/%s' given as a %s and as a %s", prev->name,
					   type_name(prev->type), type_name(it.v[i].type));
			/* v[0..out) are kept, v[out..i) moved or freed, v[i..n) still owned. */
			for (size_t j = i; j < it.n; j++) {
				free(it.v[j].name);
				free(it.v[j].source);
			}
			it.n = out;
			goto fail;
		}
		it.v[out++] = it.v[i];
	}
	it.n = out;
	*ret = it;
	return 0;

fail:
	items_release(&it);
	return -1;
}

/* One member. ino numbers are positions, so output depends on input only. */
static int write_item(struct archives_cpio *c, const struct items *all, const struct item *it,
		      unsigned long ino, struct bm_err **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *shown = NULL;
	struct archives_member m = {
		.name = it->name, .perm = it->mode, .ino = ino, .fd = -1, .source = it->source,
		.major = it->major, .minor = it->minor,
	};

	switch (it->type) {
	case IR_DIR:
	case IR_TREE:
		m.type = ARCHIVES_DIR;
		break;
	case IR_FILE:
		m.type = ARCHIVES_FILE;
		break;
	case IR_SYMLINK:
		m.type = ARCHIVES_SYMLINK;
		m.link = it->source;
		break;
	case IR_CHARDEV:
		m.type = ARCHIVES_CHARDEV;
		break;
	}
	if (it->type == IR_FILE && it->source) {
		struct stat st;

		/* A file from a tree or beneath a directory: openat2 without a symlink on the way,
		 * O_NONBLOCK so a FIFO swapped in since the walk is refused, not waited on. */
		if (it->root) {
			const struct tree_root *r = &all->roots[it->root - 1];

			shown = xasprintf("%s/%s", r->shown, it->source);
			fd = file_open_beneath_at(r->fd, r->shown, it->source, err);
		} else if (it->beneath) {
			shown = xasprintf("%s/%s", it->beneath, it->source);
			fd = file_open_beneath(it->beneath, it->source, err);
		} else {
			fd = open(it->source, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			if (fd < 0)
				return bm_err_errno(err, errno, "cannot open '%s'", it->source);
		}
		if (fd < 0)
			return -1;
		m.source = shown ? shown : it->source;
		if (fstat(fd, &st) < 0)
			return bm_err_errno(err, errno, "cannot stat '%s'", m.source);
		if (!S_ISREG(st.st_mode))
			return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a regular file",
					  m.source);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		m.fd = fd;
		m.size = (uint64_t)st.st_size;
		if (!m.perm)
			m.perm = st.st_mode & 07777;
	} else if (it->type == IR_FILE) {
		m.content = it->content;
		m.size = strlen(it->content);
	}
	return archives_cpio_add(c, &m, err);
}

int initramfs_write(const char *out_path, const struct initramfs_entry *entries, size_t n,
		    struct bm_err **err)
{
	_cleanup_(archives_cpio_freep) struct archives_cpio *c = NULL;
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", out_path);
	_cleanup_close_ int fd = -1;
	struct items it = { 0 };
	int r = -1;

	if (collect(entries, n, &it, err) < 0)
		return bm_err_prefix(err, "writing '%s'", out_path);

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		bm_err_errno(err, errno, "cannot create '%s'", tmp);
		goto out;
	}
	if (fchmod(fd, 0644) < 0) {
		bm_err_errno(err, errno, "cannot chmod '%s'", tmp);
		goto out_unlink;
	}
	if (archives_cpio_new(fd, out_path, &c, err) < 0)
		goto out_unlink;
	for (size_t i = 0; i < it.n; i++)
		if (write_item(c, &it, &it.v[i], (unsigned long)i + 1, err) < 0)
			goto out_unlink;
	if (archives_cpio_finish(c, err) < 0)
		goto out_unlink;
	if (fsync(fd) < 0 || rename(tmp, out_path) < 0) {
		bm_err_errno(err, errno, "cannot write '%s'", out_path);
		goto out_unlink;
	}
	r = 0;
	goto out;

out_unlink:
	unlink(tmp);
out:
	items_release(&it);
	return r;
}

int initramfs_list(const char *path, char ***ret_lines, struct bm_err **err)
{
	return archives_list(path, ret_lines, err);
}

char *initramfs_init_script(const struct initramfs_init_opts *o)
{
	_cleanup_free_ char *dir = shell_quote(o->kselftest_dir ? o->kselftest_dir : "/kselftest");
	_cleanup_free_ char *timeout = o->per_test_timeout ?
		xasprintf(" -o %u", o->per_test_timeout) : xstrdup("");
	struct strbuf s = { 0 };

	strbuf_add(&s,
		"#!/bin/busybox sh\n"
		"# bootmatrix guest /init (generated): run the kselftests, print the sentinel, power off.\n"
		"/bin/busybox mkdir -p /proc /sys /dev /tmp\n"
		"/bin/busybox mount -t proc proc /proc\n"
		"/bin/busybox --install -s /bin\n"
		"export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ TERM=dumb\n"
		"mount -t sysfs sysfs /sys\n"
		"mount -t devtmpfs devtmpfs /dev\n"
		"mount -t debugfs debugfs /sys/kernel/debug\n"
		"mount -t tmpfs tmpfs /tmp\n"
		"mkdir -p /dev/pts /dev/shm\n"
		"mount -t devpts devpts /dev/pts\n"
		"mount -t tmpfs tmpfs /dev/shm\n"
		"# The runner appends each test's output to /dev/stdout, which devtmpfs lacks.\n"
		"ln -sfn /proc/self/fd /dev/fd\n"
		"ln -sf /proc/self/fd/0 /dev/stdin\n"
		"ln -sf /proc/self/fd/1 /dev/stdout\n"
		"ln -sf /proc/self/fd/2 /dev/stderr\n"
		"[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1\n");
	if (o->rust_samples)
		strbuf_add(&s,
			"# Every Rust sample module: loaded, unloaded where it allows, one case each.\n"
			"set -- $(find /lib/modules -path '*/samples/rust/*.ko*' 2>/dev/null | sort)\n"
			"if [ $# -gt 0 ]; then\n"
			"\techo 'kselftest: Running tests in " INITRAMFS_RUST_SAMPLES "'\n"
			"\techo 'TAP version 13'\n"
			"\techo '1..1'\n"
			"\techo '# selftests: " INITRAMFS_RUST_SAMPLES ": load_unload'\n"
			"\techo '# TAP version 13'\n"
			"\techo \"# 1..$#\"\n"
			"\tn=0 failed=0\n"
			"\tfor ko; do\n"
			"\t\tn=$((n + 1)) m=${ko##*/}\n"
			"\t\tm=${m%%.ko*}\n"
			"\t\ttaint=$(cat /proc/sys/kernel/tainted) why=\n"
			"\t\tdmesg -c >/dev/null 2>&1\n"
			"\t\tif ! out=$(modprobe \"$m\" 2>&1); then\n"
			"\t\t\twhy=\"load failed: $(echo $out)\"\n"
			"\t\telse\n"
			"\t\t\trmmod \"$m\" 2>/dev/null || echo \"# # $m stays loaded (it cannot be unloaded)\"\n"
			"\t\t\t[ \"$(cat /proc/sys/kernel/tainted)\" = \"$taint\" ] ||\n"
			"\t\t\t\twhy=\"tainted the kernel ($taint -> $(cat /proc/sys/kernel/tainted))\"\n"
			"\t\tfi\n"
			"\t\tif [ -n \"$why\" ]; then\n"
			"\t\t\tdmesg | sed 's/^/# # /'\n"
			"\t\t\tlast=$(dmesg | tail -n 1)\n"
			"\t\t\t[ -z \"$last\" ] || why=\"$why: $last\"\n"
			"\t\t\techo \"# not ok $n $m # $why\"\n"
			"\t\t\tfailed=1\n"
			"\t\telse\n"
			"\t\t\techo \"# ok $n $m\"\n"
			"\t\tfi\n"
			"\tdone\n"
			"\t[ $failed = 0 ] && echo 'ok 1 selftests: " INITRAMFS_RUST_SAMPLES ": load_unload' ||\n"
			"\t\techo 'not ok 1 selftests: " INITRAMFS_RUST_SAMPLES ": load_unload'\n"
			"fi\n");
	strbuf_addf(&s, "if cd %s; then\n", dir);
	if (o->targets && *o->targets) {
		for (char *const *t = o->targets; *t; t++) {
			_cleanup_free_ char *q = shell_quote(*t);

			strbuf_addf(&s, "\t./run_kselftest.sh%s -c %s\n", timeout, q);
		}
	} else {
		strbuf_addf(&s, "\t./run_kselftest.sh%s\n", timeout);
	}
	strbuf_add(&s, "\tcd /\nfi\n");
	if (o->sentinel) {
		_cleanup_free_ char *q = shell_quote(o->sentinel);

		strbuf_addf(&s, "printf '%%s\\n' %s\n", q);
	}
	strbuf_add(&s, "sync\npoweroff -f\n");
	return strbuf_take(&s);
}
