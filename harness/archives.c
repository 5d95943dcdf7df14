/* Archives with libarchive, the only module that includes archive.h: the newc cpio writer of the
 * guest initramfs, listing any archive, and the safe extraction of kernel tarballs and Debian
 * packages (instead of running tar and dpkg-deb). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "archives.h"
#include "err.h"
#include "util.h"

static void archive_write_freep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

static void archive_read_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static void archive_entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

static const char *ar_msg(struct archive *a)
{
	const char *m = archive_error_string(a);

	return m ? m : "unknown libarchive error";
}

/* Writing cpio. */

struct archives_cpio {
	struct archive *a;
	char *name;
};

void archives_cpio_free(struct archives_cpio *c)
{
	if (!c)
		return;
	if (c->a)
		archive_write_free(c->a);
	free(c->name);
	free(c);
}

void archives_cpio_freep(struct archives_cpio **c)
{
	archives_cpio_free(*c);
	*c = NULL;
}

int archives_cpio_new(int fd, const char *name, struct archives_cpio **ret, struct bm_err **err)
{
	_cleanup_(archive_write_freep) struct archive *a = archive_write_new();
	struct archives_cpio *c;

	if (!a || archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    /* No padding to a 10240-byte block: the kernel would skip the zeros, but why write them. */
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot write '%s': %s", name,
				  a ? ar_msg(a) : "out of memory");
	c = xcalloc(1, sizeof(*c));
	c->a = a;
	c->name = xstrdup(name);
	a = NULL;
	*ret = c;
	return 0;
}

int archives_cpio_add(struct archives_cpio *c, const struct archives_member *m, struct bm_err **err)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
	struct archive *a = c->a;

	if (!e)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory");
	archive_entry_set_pathname(e, m->name);
	archive_entry_set_ino64(e, (la_int64_t)m->ino);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_perm(e, m->perm & 07777);
	archive_entry_set_nlink(e, m->type == ARCHIVES_DIR ? 2 : 1);
	archive_entry_set_size(e, 0);
	switch (m->type) {
	case ARCHIVES_DIR:
		archive_entry_set_filetype(e, AE_IFDIR);
		break;
	case ARCHIVES_FILE:
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)m->size);
		break;
	case ARCHIVES_SYMLINK:
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, m->link);
		break;
	case ARCHIVES_CHARDEV:
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_rdevmajor(e, m->major);
		archive_entry_set_rdevminor(e, m->minor);
		break;
	}
	if (archive_write_header(a, e) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot write '%s': '/%s': %s", c->name,
				  m->name, ar_msg(a));

	if (m->type == ARCHIVES_FILE && m->content) {
		if (m->size && archive_write_data(a, m->content, (size_t)m->size) != (la_ssize_t)m->size)
			return bm_err_set(err, BM_ERR_SYSTEM, "cannot write '%s': %s", c->name,
					  ar_msg(a));
	} else if (m->type == ARCHIVES_FILE) {
		char buf[65536];
		uint64_t done = 0;

		while (done < m->size) {
			ssize_t r = read(m->fd, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return bm_err_errno(err, errno, "cannot read '%s'", m->source);
			if (r == 0 || (uint64_t)r > m->size - done)
				break;
			if (archive_write_data(a, buf, (size_t)r) != r)
				return bm_err_set(err, BM_ERR_SYSTEM, "cannot write '%s': %s",
						  c->name, ar_msg(a));
			done += (uint64_t)r;
		}
		if (done != m->size)
			return bm_err_set(err, BM_ERR_SYSTEM, "'%s' changed while it was read",
					  m->source);
	}
	if (archive_write_finish_entry(a) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot write '%s': %s", c->name, ar_msg(a));
	return 0;
}

int archives_cpio_finish(struct archives_cpio *c, struct bm_err **err)
{
	if (archive_write_close(c->a) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot write '%s': %s", c->name, ar_msg(c->a));
	return 0;
}

/* Listing. */

int archives_list(const char *path, char ***ret_lines, struct bm_err **err)
{
	_cleanup_(archive_read_freep) struct archive *a = archive_read_new();
	_cleanup_strv_ char **lines = NULL;
	struct archive_entry *e;
	int r;

	if (!a)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", path, ar_msg(a));
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e);
		const char *type, *hardlink = archive_entry_hardlink(e);
		unsigned perm = (unsigned)archive_entry_perm(e) & 07777;
		_cleanup_free_ char *extra = NULL;

		name = name ? name : "";
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		while (name[0] == '/')
			name++;
		if (strcmp(name, ".") == 0)
			name = "";
		switch (archive_entry_filetype(e)) {
		case AE_IFDIR:
			type = "dir";
			break;
		case AE_IFREG:
			type = hardlink ? "hardlink" : "file";
			if (hardlink)
				extra = xasprintf(" -> %s", hardlink);
			break;
		case AE_IFLNK:
			type = "symlink";
			extra = xasprintf(" -> %s", archive_entry_symlink(e) ?
					  archive_entry_symlink(e) : "");
			break;
		case AE_IFCHR:
		case AE_IFBLK:
			type = archive_entry_filetype(e) == AE_IFCHR ? "chardev" : "blockdev";
			extra = xasprintf(" %lu:%lu", (unsigned long)archive_entry_rdevmajor(e),
					  (unsigned long)archive_entry_rdevminor(e));
			break;
		case AE_IFIFO:
			type = "fifo";
			break;
		case AE_IFSOCK:
			type = "socket";
			break;
		default:
			type = "unknown";
			break;
		}
		strv_pushf(&lines, "%s %04o /%s%s", type, perm, name, extra ? extra : "");
	}
	if (r != ARCHIVE_EOF)
		return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", path, ar_msg(a));
	if (!lines)
		lines = xcalloc(1, sizeof(*lines));
	*ret_lines = lines;
	lines = NULL;
	return 0;
}

/* Extracting. */

/* libarchive checks every member against these, relative to the working directory: so the
 * extraction runs where dest is the working directory. */
#define EXTRACT_FLAGS (ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
		       ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_TIME)

/* Copy the members of in (opened) below the working directory. name: the archive, for errors. */
static int extract_members(struct archive *in, const char *name, struct bm_err **err)
{
	_cleanup_(archive_write_freep) struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	int r;

	/* No ARCHIVE_EXTRACT_OWNER or _PERM: files are ours, setuid/setgid/sticky never kept. */
	if (!out || archive_write_disk_set_options(out, EXTRACT_FLAGS) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "out of memory");
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);

		if (!archive_entry_hardlink(e) && type != AE_IFREG && type != AE_IFDIR &&
		    type != AE_IFLNK)
			return bm_err_set(err, BM_ERR_INPUT, "'%s': '%s' is a device, fifo or socket",
					  name, path ? path : "");
		archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
		r = archive_write_header(out, e);
		if (r < ARCHIVE_WARN)
			return bm_err_set(err, BM_ERR_INPUT, "'%s': refused '%s': %s", name,
					  path ? path : "", ar_msg(out));
		if (archive_entry_size(e) > 0) {
			const void *buf;
			size_t len;
			la_int64_t off;

			while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
				if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN)
					return bm_err_set(err, BM_ERR_SYSTEM, "'%s': writing '%s': %s",
							  name, path, ar_msg(out));
			if (r != ARCHIVE_EOF)
				return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", name,
						  ar_msg(in));
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN)
			return bm_err_set(err, BM_ERR_SYSTEM, "'%s': writing '%s': %s", name,
					  path ? path : "", ar_msg(out));
	}
	if (r != ARCHIVE_EOF)
		return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", name, ar_msg(in));
	if (archive_write_close(out) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "'%s': %s", name, ar_msg(out));
	return 0;
}

static struct archive *tar_reader(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		abort();	/* out of memory, as xmalloc */
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	return a;
}

static int extract_tar_fd(int fd, const char *name, struct bm_err **err)
{
	_cleanup_(archive_read_freep) struct archive *a = tar_reader();

	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", name, ar_msg(a));
	return extract_members(a, name, err);
}

/* The data.tar member of a .deb, read straight from the outer archive. */
struct member_stream {
	struct archive *outer;
	char buf[65536];
};

static la_ssize_t member_read(struct archive *a, void *data, const void **ret_buf)
{
	struct member_stream *s = data;

	(void)a;
	*ret_buf = s->buf;
	return archive_read_data(s->outer, s->buf, sizeof(s->buf));
}

static int extract_deb_fd(int fd, const char *name, struct bm_err **err)
{
	_cleanup_(archive_read_freep) struct archive *outer = archive_read_new();
	struct archive_entry *e;
	int r;

	if (!outer)
		abort();
	archive_read_support_format_ar(outer);
	if (archive_read_open_fd(outer, fd, 65536) != ARCHIVE_OK)
		return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", name, ar_msg(outer));
	while ((r = archive_read_next_header(outer, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *member = archive_entry_pathname(e);
		_cleanup_(archive_read_freep) struct archive *inner = NULL;
		_cleanup_free_ struct member_stream *s = NULL;
		_cleanup_free_ char *inner_name = NULL;

		if (!member || !str_has_prefix(member, "data.tar"))
			continue;
		inner_name = xasprintf("%s: %s", name, member);
		s = xcalloc(1, sizeof(*s));
		s->outer = outer;
		inner = tar_reader();
		if (archive_read_open(inner, s, NULL, member_read, NULL) != ARCHIVE_OK)
			return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", inner_name,
					  ar_msg(inner));
		return extract_members(inner, inner_name, err);
	}
	if (r != ARCHIVE_EOF)
		return bm_err_set(err, BM_ERR_INPUT, "cannot read '%s': %s", name, ar_msg(outer));
	return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a Debian package (no data.tar member)",
			  name);
}

struct extract_job {
	const char *path, *dest;
	int (*fn)(int fd, const char *name, struct bm_err **err);
	struct bm_err *err;
	int rc;
};

/* The thread that extracts: its own working directory (dest) and umask, by unshare(CLONE_FS),
 * so the process's, which other threads rely on, stay as they are. */
static void *extract_thread(void *data)
{
	struct extract_job *j = data;
	_cleanup_close_ int fd = -1;

	j->rc = -1;
	/* Opened before the chdir: path may be relative to the process's directory. */
	fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bm_err_errno(&j->err, errno, "cannot open '%s'", j->path);
		return NULL;
	}
	if (unshare(CLONE_FS) < 0) {
		bm_err_errno(&j->err, errno, "extracting '%s': unshare", j->path);
		return NULL;
	}
	if (chdir(j->dest) < 0) {
		bm_err_errno(&j->err, errno, "cannot enter '%s'", j->dest);
		return NULL;
	}
	umask(022);
	j->rc = j->fn(fd, j->path, &j->err);
	return NULL;
}

static int extract(const char *path, const char *dest,
		   int (*fn)(int fd, const char *name, struct bm_err **err), struct bm_err **err)
{
	struct extract_job j = { .path = path, .dest = dest, .fn = fn, .rc = -1 };
	pthread_t t;
	int e;

	e = pthread_create(&t, NULL, extract_thread, &j);
	if (e)
		return bm_err_errno(err, e, "extracting '%s': cannot start a thread", path);
	pthread_join(t, NULL);
	if (j.rc < 0) {
		if (err && !*err)
			*err = j.err;
		else
			bm_err_free(j.err);
		return -1;
	}
	return 0;
}

int archives_extract_tar(const char *path, const char *dest, struct bm_err **err)
{
	return extract(path, dest, extract_tar_fd, err);
}

int archives_extract_deb(const char *path, const char *dest, struct bm_err **err)
{
	return extract(path, dest, extract_deb_fd, err);
}
