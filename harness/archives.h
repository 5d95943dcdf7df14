/* Archives with libarchive (archives.c is the only module that includes archive.h; no libarchive
 * type appears here): newc cpio written for the guest initramfs, any archive listed, and kernel
 * tarballs and Debian packages extracted safely. (Not "archive.h": that name is libarchive's.) */
#ifndef BM_ARCHIVES_H
#define BM_ARCHIVES_H

#include <stddef.h>
#include <stdint.h>

struct bm_err;

/* Writing a newc cpio archive. */

enum archives_type { ARCHIVES_DIR, ARCHIVES_FILE, ARCHIVES_SYMLINK, ARCHIVES_CHARDEV };

struct archives_member {
	const char *name;	/* in the archive, without a leading '/' */
	enum archives_type type;
	unsigned perm;		/* 07777 */
	unsigned long ino;	/* the caller numbers members, so the output depends on input only */
	/* ARCHIVES_FILE: size bytes, from content when non-NULL, else read from fd (the caller's
	 * to close; source names it in errors) */
	uint64_t size;
	const char *content;
	int fd;
	const char *source;
	const char *link;	/* ARCHIVES_SYMLINK: the target */
	unsigned major, minor;	/* ARCHIVES_CHARDEV */
};

struct archives_cpio;

/* A writer of an uncompressed newc cpio archive to fd (the caller's; not closed), without
 * padding after the trailer. name is the output's name in error messages. Never NULL on
 * success. */
int archives_cpio_new(int fd, const char *name, struct archives_cpio **ret, struct bm_err **err);
/* One member: owner root:root, mtime 0. */
int archives_cpio_add(struct archives_cpio *c, const struct archives_member *m, struct bm_err **err);
/* Write the trailer and flush; the writer stays the caller's to free. */
int archives_cpio_finish(struct archives_cpio *c, struct bm_err **err);
void archives_cpio_free(struct archives_cpio *c);	/* NULL is fine */
void archives_cpio_freep(struct archives_cpio **c);

/* List the archive at path (any format and compression libarchive reads), one line per member:
 * "TYPE MODE PATH", TYPE one of dir, file, hardlink, symlink, chardev, blockdev, fifo, socket,
 * MODE four octal digits, PATH absolute; links add " -> TARGET", devices " MAJOR:MINOR". On
 * success *ret_lines is a NULL-terminated vector the caller frees with strv_free. */
int archives_list(const char *path, char ***ret_lines, struct bm_err **err);

/* Extracting. Both refuse, with -1 and BM_ERR_INPUT, an archive holding a member that would land
 * outside dest: an absolute path, a ".." component, a path through a symlink (also one the
 * archive made), a hard link to such a path; and device nodes, fifos and sockets. No owner is
 * restored (files belong to the user running bootmatrix), setuid, setgid and sticky bits are
 * dropped, and permissions get the umask 022; modification times are kept. What was extracted
 * before a refusal stays in dest: extract into a fresh directory and remove it on failure.
 * dest must exist. Extraction runs in a thread of its own whose working directory is dest (the
 * process's stays where it is). */

/* A tar archive, plain or compressed (gzip, xz, bzip2, zstd, ...), into dest. */
int archives_extract_tar(const char *path, const char *dest, struct bm_err **err);
/* The files of a Debian package (an ar archive whose data.tar.* member is read as a second
 * archive, streamed), into dest: what `dpkg-deb -x` does. */
int archives_extract_deb(const char *path, const char *dest, struct bm_err **err);

#endif
