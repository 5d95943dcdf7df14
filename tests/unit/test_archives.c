/* archives: safe extraction of tarballs and Debian packages. Hostile archives (a "../" path, an
 * absolute path, a symlink pointing out and a file written through it, a hard link to a file
 * outside, a device node) are refused and leave nothing outside the destination; a setuid file
 * loses the bit; a .deb's data.tar.xz is found in its ar archive and extracted. The archives are
 * made here with libarchive's writer (tests may use it; harness modules other than archives.c
 * may not). The cpio writer is covered by test_initramfs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "archives.h"
#include "err.h"
#include "util.h"

struct fixture {
	char *dir;		/* the test's scratch directory */
	char *dest;		/* dir/dest: where archives are extracted */
	char *outside;		/* dir/outside: what must stay empty */
};

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = xasprintf("%s/bm-archives.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	f->dest = xasprintf("%s/dest", f->dir);
	f->outside = xasprintf("%s/outside", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->dir, NULL);
	free(f->dir);
	free(f->dest);
	free(f->outside);
	free(f);
	return 0;
}

/* Fresh, empty dest and outside directories. */
static void reset(struct fixture *f)
{
	assert_int_equal(rm_rf(f->dest, NULL), 0);
	assert_int_equal(rm_rf(f->outside, NULL), 0);
	assert_int_equal(mkdir_p(f->dest, NULL), 0);
	assert_int_equal(mkdir_p(f->outside, NULL), 0);
}

enum kind { DIR_, FILE_, SYMLINK_, HARDLINK_, CHARDEV_ };

struct member {
	enum kind kind;
	const char *name;
	unsigned mode;
	const char *data;	/* FILE_: content; SYMLINK_, HARDLINK_: target; "@" is f->outside */
};

static char *expand(struct fixture *f, const char *s)
{
	if (s && s[0] == '@')
		return xasprintf("%s%s", f->outside, s + 1);
	return xstrdup(s);
}

/* Members written to a (compressed) tar in memory-light fashion straight to path. */
static void write_members(struct archive *a, struct fixture *f, const struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		_cleanup_free_ char *name = expand(f, m[i].name);
		_cleanup_free_ char *data = expand(f, m[i].data);

		archive_entry_set_pathname(e, name);
		archive_entry_set_perm(e, m[i].mode);
		archive_entry_set_mtime(e, 1000000000, 0);
		archive_entry_set_uid(e, 4242);
		archive_entry_set_gid(e, 4242);
		switch (m[i].kind) {
		case DIR_:
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case FILE_:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)strlen(data));
			break;
		case SYMLINK_:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, data);
			break;
		case HARDLINK_:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, data);
			break;
		case CHARDEV_:
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdevmajor(e, 1);
			archive_entry_set_rdevminor(e, 3);
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].kind == FILE_)
			assert_int_equal(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
		archive_entry_free(e);
	}
}

static char *make_tar(struct fixture *f, const char *name, const struct member *m, size_t n)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	if (str_has_suffix(name, ".xz"))
		archive_write_add_filter_xz(a);
	else if (str_has_suffix(name, ".gz"))
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	write_members(a, f, m, n);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

static void assert_outside_empty(struct fixture *f)
{
	_cleanup_strv_ char **names = dir_names(f->outside, "");
	_cleanup_strv_ char **top = dir_names(f->dir, "");

	if (names[0])
		fail_msg("'%s' appeared outside the destination", names[0]);
	/* and nothing beside dest, outside and the archives */
	for (char **t = top; *t; t++)
		if (strcmp(*t, "dest") && strcmp(*t, "outside") && !strstr(*t, ".tar") &&
		    !strstr(*t, ".deb"))
			fail_msg("'%s' appeared beside the destination", *t);
}

static void expect_refused(void **state, const char *name, const struct member *m, size_t n,
			   const char *want)
{
	struct fixture *f = *state;
	_cleanup_free_ char *tar = NULL;
	struct bm_err *err = NULL;

	reset(f);
	tar = make_tar(f, name, m, n);
	assert_int_equal(archives_extract_tar(tar, f->dest, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, BM_ERR_INPUT);
	if (!strstr(err->msg, want))
		fail_msg("%s: message '%s' lacks '%s'", name, err->msg, want);
	bm_err_free(err);
	assert_outside_empty(f);
}

static void test_extract_good(void **state)
{
	static const struct member m[] = {
		{ DIR_, "linux-7.2", 0755, NULL },
		{ DIR_, "linux-7.2/scripts", 0755, NULL },
		{ FILE_, "linux-7.2/Makefile", 0644, "VERSION = 7\n" },
		{ FILE_, "linux-7.2/scripts/run", 0755, "#!/bin/sh\n" },
		{ FILE_, "linux-7.2/suid", 06755, "x" },
		{ FILE_, "linux-7.2/sticky-world", 01777, "x" },
		{ SYMLINK_, "linux-7.2/link", 0777, "scripts/run" },
		{ HARDLINK_, "linux-7.2/hard", 0644, "linux-7.2/Makefile" },
		{ FILE_, "./linux-7.2/dot-slash", 0644, "y" },
	};
	static const char *const names[] = { "good.tar", "good.tar.xz", "good.tar.gz" };
	struct fixture *f = *state;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *tar = NULL, *mk = NULL, *text = NULL, *suid = NULL, *sticky = NULL;
		_cleanup_free_ char *link = NULL, *target = NULL, *hard = NULL, *dot = NULL;
		struct bm_err *err = NULL;
		struct stat st;
		ssize_t n;

		reset(f);
		tar = make_tar(f, names[i], m, ARRAY_SIZE(m));
		if (archives_extract_tar(tar, f->dest, &err) < 0)
			fail_msg("%s: %s", names[i], err->msg);
		mk = xasprintf("%s/linux-7.2/Makefile", f->dest);
		assert_int_equal(file_read(mk, &text, NULL, NULL), 0);
		assert_string_equal(text, "VERSION = 7\n");
		assert_int_equal(stat(mk, &st), 0);
		assert_int_equal(st.st_mtime, 1000000000);	/* times kept */
		assert_int_equal(st.st_uid, getuid());		/* owners not */
		suid = xasprintf("%s/linux-7.2/suid", f->dest);
		assert_int_equal(stat(suid, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0755);
		sticky = xasprintf("%s/linux-7.2/sticky-world", f->dest);
		assert_int_equal(stat(sticky, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0755);	/* umask 022 */
		link = xasprintf("%s/linux-7.2/link", f->dest);
		target = xcalloc(1, 64);
		n = readlink(link, target, 63);
		assert_true(n > 0);
		assert_string_equal(target, "scripts/run");
		hard = xasprintf("%s/linux-7.2/hard", f->dest);
		assert_int_equal(stat(hard, &st), 0);
		assert_int_equal(st.st_nlink, 2);
		dot = xasprintf("%s/linux-7.2/dot-slash", f->dest);
		assert_true(path_exists(dot));
		assert_outside_empty(f);
	}
}

static void test_extract_dotdot(void **state)
{
	static const struct member m[] = {
		{ DIR_, "a", 0755, NULL },
		{ FILE_, "a/../../outside/escaped", 0644, "x" },
	};

	expect_refused(state, "dotdot.tar", m, ARRAY_SIZE(m), "refused");
}

static void test_extract_absolute(void **state)
{
	static const struct member m[] = {
		{ FILE_, "@/absolute", 0644, "x" },
	};

	expect_refused(state, "absolute.tar", m, ARRAY_SIZE(m), "refused");
}

/* A symlink pointing out (allowed as such), then a file through it: refused. */
static void test_extract_through_symlink(void **state)
{
	static const struct member abs[] = {
		{ SYMLINK_, "out", 0777, "@" },
		{ FILE_, "out/through", 0644, "x" },
	};
	static const struct member rel[] = {
		{ DIR_, "d", 0755, NULL },
		{ SYMLINK_, "d/up", 0777, "../../outside" },
		{ FILE_, "d/up/through", 0644, "x" },
	};
	static const struct member dir[] = {
		{ SYMLINK_, "out", 0777, "@" },
		{ DIR_, "out/sub", 0755, NULL },
	};

	expect_refused(state, "symlink-abs.tar", abs, ARRAY_SIZE(abs), "refused");
	expect_refused(state, "symlink-rel.tar", rel, ARRAY_SIZE(rel), "refused");
	expect_refused(state, "symlink-dir.tar", dir, ARRAY_SIZE(dir), "refused");
}

/* A file replacing a symlink of the same name replaces the link, never writes through it. */
static void test_extract_replace_symlink(void **state)
{
	static const struct member m[] = {
		{ SYMLINK_, "victim", 0777, "@/target" },
		{ FILE_, "victim", 0644, "x" },
	};
	struct fixture *f = *state;
	_cleanup_free_ char *tar = NULL, *victim = NULL;
	struct bm_err *err = NULL;
	struct stat st;
	int rc;

	reset(f);
	tar = make_tar(f, "replace.tar", m, ARRAY_SIZE(m));
	rc = archives_extract_tar(tar, f->dest, &err);
	if (rc == 0) {
		victim = xasprintf("%s/victim", f->dest);
		assert_int_equal(lstat(victim, &st), 0);
		assert_true(S_ISREG(st.st_mode));
	}
	bm_err_free(err);
	assert_outside_empty(f);
}

static void test_extract_hardlink_out(void **state)
{
	static const struct member abs[] = {
		{ HARDLINK_, "hl", 0644, "@/secret" },
	};
	static const struct member rel[] = {
		{ HARDLINK_, "hl", 0644, "../outside/secret" },
	};
	struct fixture *f = *state;
	_cleanup_free_ char *secret = xasprintf("%s/secret", f->outside);

	expect_refused(state, "hardlink-abs.tar", abs, ARRAY_SIZE(abs), "refused");
	expect_refused(state, "hardlink-rel.tar", rel, ARRAY_SIZE(rel), "refused");
	(void)secret;
}

static void test_extract_device(void **state)
{
	static const struct member m[] = {
		{ CHARDEV_, "null", 0666, NULL },
	};

	expect_refused(state, "device.tar", m, ARRAY_SIZE(m), "device");
}

static void test_extract_not_an_archive(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = xasprintf("%s/junk.tar", f->dir);
	struct bm_err *err = NULL;

	reset(f);
	assert_int_equal(file_write_atomic(path, "junk\n", 5, NULL), 0);
	assert_int_equal(archives_extract_tar(path, f->dest, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	bm_err_free(err);
	err = NULL;
	assert_int_equal(archives_extract_tar("/nonexistent.tar", f->dest, &err), -1);
	assert_non_null(strstr(err->msg, "/nonexistent.tar"));
	bm_err_free(err);
	err = NULL;
	/* not a .deb */
	assert_int_equal(archives_extract_deb(path, f->dest, &err), -1);
	bm_err_free(err);
}

/* A .deb as dpkg-deb builds it: "debian-binary", control.tar.xz, data.tar.xz in an ar archive. */
static char *make_deb(struct fixture *f, const char *name, const struct member *m, size_t n)
{
	_cleanup_free_ char *data = make_tar(f, "data.tar.xz", m, n);
	_cleanup_free_ char *bytes = NULL;
	char *path = xasprintf("%s/%s", f->dir, name);
	struct archive *a = archive_write_new();
	const struct {
		const char *name, *content;
		size_t len;
	} parts[] = {
		{ "debian-binary", "2.0\n", 4 },
		{ "control.tar.xz", "not read", 8 },
	};
	size_t len;

	assert_int_equal(file_read(data, &bytes, &len, NULL), 0);
	archive_write_set_format_ar_svr4(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i <= ARRAY_SIZE(parts); i++) {
		struct archive_entry *e = archive_entry_new();
		const char *pn = i < ARRAY_SIZE(parts) ? parts[i].name : "data.tar.xz";
		const char *pc = i < ARRAY_SIZE(parts) ? parts[i].content : bytes;
		size_t pl = i < ARRAY_SIZE(parts) ? parts[i].len : len;

		archive_entry_set_pathname(e, pn);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)pl);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, pc, pl), (la_ssize_t)pl);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	unlink(data);
	return path;
}

static void test_extract_deb(void **state)
{
	static const struct member good[] = {
		{ DIR_, "./", 0755, NULL },
		{ DIR_, "./usr/", 0755, NULL },
		{ DIR_, "./usr/src/", 0755, NULL },
		{ FILE_, "./usr/src/linux-source-7.2.tar.xz", 0644, "not really xz" },
		{ FILE_, "./usr/src/suid", 04755, "x" },
	};
	static const struct member evil[] = {
		{ DIR_, "./", 0755, NULL },
		{ FILE_, "./../outside/escaped", 0644, "x" },
	};
	struct fixture *f = *state;
	_cleanup_free_ char *deb = NULL, *evil_deb = NULL, *tarball = NULL, *text = NULL, *suid = NULL;
	struct bm_err *err = NULL;
	struct stat st;

	reset(f);
	deb = make_deb(f, "linux-source-7.2_7.2-1_all.deb", good, ARRAY_SIZE(good));
	if (archives_extract_deb(deb, f->dest, &err) < 0)
		fail_msg("%s", err->msg);
	tarball = xasprintf("%s/usr/src/linux-source-7.2.tar.xz", f->dest);
	assert_int_equal(file_read(tarball, &text, NULL, NULL), 0);
	assert_string_equal(text, "not really xz");
	suid = xasprintf("%s/usr/src/suid", f->dest);
	assert_int_equal(stat(suid, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_outside_empty(f);

	reset(f);
	evil_deb = make_deb(f, "evil.deb", evil, ARRAY_SIZE(evil));
	assert_int_equal(archives_extract_deb(evil_deb, f->dest, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	assert_non_null(strstr(err->msg, "data.tar.xz"));
	bm_err_free(err);
	assert_outside_empty(f);
}

/* The process's working directory is not the extraction's. */
static void test_extract_cwd_kept(void **state)
{
	static const struct member m[] = {
		{ FILE_, "f", 0644, "x" },
	};
	struct fixture *f = *state;
	_cleanup_free_ char *tar = NULL, *before = get_current_dir_name(), *after = NULL;

	reset(f);
	tar = make_tar(f, "cwd.tar", m, ARRAY_SIZE(m));
	assert_int_equal(archives_extract_tar(tar, f->dest, NULL), 0);
	after = get_current_dir_name();
	assert_string_equal(before, after);
	assert_false(path_exists("f") && !path_exists(".git"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract_good),
		cmocka_unit_test(test_extract_dotdot),
		cmocka_unit_test(test_extract_absolute),
		cmocka_unit_test(test_extract_through_symlink),
		cmocka_unit_test(test_extract_replace_symlink),
		cmocka_unit_test(test_extract_hardlink_out),
		cmocka_unit_test(test_extract_device),
		cmocka_unit_test(test_extract_not_an_archive),
		cmocka_unit_test(test_extract_deb),
		cmocka_unit_test(test_extract_cwd_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
