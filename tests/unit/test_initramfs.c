/* Guest initramfs: archives with every entry type read back twice, by initramfs_list
 * (libarchive) and by a small newc parser here that checks the raw headers (owner, mtime,
 * inode numbers) and bodies; reproducibility; implied parents; refused inputs; the /init script
 * against tests/data/initramfs/init.sh (BM_UPDATE_GOLDEN=1 rewrites it). Run from the
 * repository root, or point BM_TESTDATA at tests/data. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "initramfs.h"
#include "util.h"

struct fixture {
	char *dir;		/* temporary directory, removed afterwards */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	const char *t = getenv("TMPDIR");

	f->dir = xasprintf("%s/bm-initramfs.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->dir, NULL);
	free(f->dir);
	free(f);
	return 0;
}

static char *tmp_path(void **state, const char *name)
{
	struct fixture *f = *state;

	return xasprintf("%s/%s", f->dir, name);
}

static void make_file(const char *path, const char *content, mode_t mode)
{
	assert_int_equal(file_write_atomic(path, content, strlen(content), NULL), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void make_dir(const char *path, mode_t mode)
{
	assert_int_equal(mkdir(path, mode), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* One member of a newc archive as it is on disk. */
struct member {
	char name[256];
	unsigned long ino, mode, uid, gid, nlink, mtime, size, rdevmajor, rdevminor;
	const char *body;
};

static unsigned long hex8(const char *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	return strtoul(buf, NULL, 16);
}

/* Parse the newc archive in buf; fails the test on a malformed one. Returns the count. */
static size_t parse_newc(const char *buf, size_t len, struct member *ret, size_t max)
{
	size_t off = 0, n = 0;

	for (;;) {
		struct member m = { 0 };
		unsigned long namesize;

		assert_true(off + 110 <= len);
		assert_memory_equal(buf + off, "070701", 6);
		m.ino = hex8(buf + off + 6);
		m.mode = hex8(buf + off + 14);
		m.uid = hex8(buf + off + 22);
		m.gid = hex8(buf + off + 30);
		m.nlink = hex8(buf + off + 38);
		m.mtime = hex8(buf + off + 46);
		m.size = hex8(buf + off + 54);
		m.rdevmajor = hex8(buf + off + 78);
		m.rdevminor = hex8(buf + off + 86);
		namesize = hex8(buf + off + 94);
		assert_in_range(namesize, 2, sizeof(m.name));
		assert_true(off + 110 + namesize <= len);
		memcpy(m.name, buf + off + 110, namesize);
		assert_int_equal(m.name[namesize - 1], '\0');
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		m.body = buf + off;
		assert_true(off + m.size <= len);
		off = (off + m.size + 3) & ~(size_t)3;
		if (strcmp(m.name, "TRAILER!!!") == 0) {
			/* Nothing after the trailer but its padding. */
			assert_true(len - off < 4);
			return n;
		}
		assert_true(n < max);
		ret[n++] = m;
	}
}

static const struct member *find_member(const struct member *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	fail_msg("no member '%s' in the archive", name);
	return NULL;
}

static void expect_lines(char **got, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		if (!got[i])
			fail_msg("listing ends before line %zu '%s'", i, want[i]);
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("line %zu: got '%s', want '%s'", i, got[i], want[i]);
	}
	if (got[i])
		fail_msg("extra line %zu: '%s'", i, got[i]);
}

static const char init_text[] = "#!/bin/sh\necho hello\n";
static const char busybox_text[] = "\177ELF not really busybox\n";
static const char a_text[] = "alpha\n";

/* Host side: a "busybox" file and a tree with a nested dir, an empty dir and a symlink. */
static void make_sources(void **state)
{
	_cleanup_free_ char *bb = tmp_path(state, "busybox");
	_cleanup_free_ char *src = tmp_path(state, "src");
	_cleanup_free_ char *a = tmp_path(state, "src/a.txt");
	_cleanup_free_ char *sub = tmp_path(state, "src/sub");
	_cleanup_free_ char *b = tmp_path(state, "src/sub/b.sh");
	_cleanup_free_ char *link = tmp_path(state, "src/sub/link");
	_cleanup_free_ char *empty = tmp_path(state, "src/empty");

	make_file(bb, busybox_text, 0755);
	make_dir(src, 0755);
	make_file(a, a_text, 0640);
	make_dir(sub, 0750);
	make_file(b, "#!/bin/bash\nexit 4\n", 0755);
	assert_int_equal(symlink("../a.txt", link), 0);
	make_dir(empty, 0700);
}

static int write_all_types(void **state, const char *out, struct bm_err **err)
{
	_cleanup_free_ char *bb = tmp_path(state, "busybox");
	_cleanup_free_ char *src = tmp_path(state, "src");
	/* Deliberately unsorted, with /dev and /bin never listed. */
	const struct initramfs_entry e[] = {
		{ .type = IR_FILE, .path = "/init", .content = init_text, .mode = 0755 },
		{ .type = IR_TREE, .path = "/kselftest/rust", .source = src },
		{ .type = IR_CHARDEV, .path = "/dev/console", .major = 5, .minor = 1 },
		{ .type = IR_SYMLINK, .path = "/bin/sh", .source = "busybox" },
		{ .type = IR_FILE, .path = "/bin/busybox", .source = bb },
		{ .type = IR_DIR, .path = "/proc", .mode = 0555 },
		{ .type = IR_DIR, .path = "/tmp/" },
	};

	return initramfs_write(out, e, ARRAY_SIZE(e), err);
}

static const char *const all_types_listing[] = {
	"dir 0755 /bin",
	"file 0755 /bin/busybox",
	"symlink 0777 /bin/sh -> busybox",
	"dir 0755 /dev",
	"chardev 0600 /dev/console 5:1",
	"file 0755 /init",
	"dir 0755 /kselftest",
	"dir 0755 /kselftest/rust",
	"file 0640 /kselftest/rust/a.txt",
	"dir 0700 /kselftest/rust/empty",
	"dir 0750 /kselftest/rust/sub",
	"file 0755 /kselftest/rust/sub/b.sh",
	"symlink 0777 /kselftest/rust/sub/link -> ../a.txt",
	"dir 0555 /proc",
	"dir 0755 /tmp",
	NULL,
};

static void test_all_types_listed(void **state)
{
	_cleanup_free_ char *out = tmp_path(state, "initramfs.cpio");
	_cleanup_strv_ char **lines = NULL;
	struct bm_err *err = NULL;

	make_sources(state);
	if (write_all_types(state, out, &err) < 0)
		fail_msg("initramfs_write: %s", err->msg);
	if (initramfs_list(out, &lines, &err) < 0)
		fail_msg("initramfs_list: %s", err->msg);
	expect_lines(lines, all_types_listing);
}

static void test_raw_headers_and_bodies(void **state)
{
	_cleanup_free_ char *out = tmp_path(state, "initramfs.cpio");
	_cleanup_free_ char *buf = NULL;
	struct member m[64];
	const struct member *p;
	size_t len, n;

	make_sources(state);
	assert_int_equal(write_all_types(state, out, NULL), 0);
	assert_int_equal(file_read(out, &buf, &len, NULL), 0);
	n = parse_newc(buf, len, m, ARRAY_SIZE(m));
	assert_int_equal(n, ARRAY_SIZE(all_types_listing) - 1);
	for (size_t i = 0; i < n; i++) {
		/* Kernel style names: no leading slash. */
		assert_true(m[i].name[0] != '/');
		assert_int_equal(m[i].uid, 0);
		assert_int_equal(m[i].gid, 0);
		assert_int_equal(m[i].mtime, 0);
		assert_int_equal(m[i].ino, i + 1);
		/* Hard links are never implied: a file with nlink > 1 would be one to the kernel. */
		if (S_ISREG(m[i].mode))
			assert_int_equal(m[i].nlink, 1);
		if (i)
			assert_true(strcmp(m[i - 1].name, m[i].name) < 0);
	}
	p = find_member(m, n, "init");
	assert_int_equal(p->mode, S_IFREG | 0755);
	assert_int_equal(p->size, strlen(init_text));
	assert_memory_equal(p->body, init_text, p->size);
	p = find_member(m, n, "bin/busybox");
	assert_int_equal(p->size, strlen(busybox_text));
	assert_memory_equal(p->body, busybox_text, p->size);
	p = find_member(m, n, "kselftest/rust/a.txt");
	assert_int_equal(p->mode, S_IFREG | 0640);
	assert_memory_equal(p->body, a_text, p->size);
	p = find_member(m, n, "kselftest/rust/sub/link");
	assert_int_equal(p->mode, S_IFLNK | 0777);
	assert_int_equal(p->size, strlen("../a.txt"));
	assert_memory_equal(p->body, "../a.txt", p->size);
	p = find_member(m, n, "dev/console");
	assert_int_equal(p->mode, S_IFCHR | 0600);
	assert_int_equal(p->rdevmajor, 5);
	assert_int_equal(p->rdevminor, 1);
	assert_int_equal(p->size, 0);
}

static void test_reproducible(void **state)
{
	_cleanup_free_ char *one = tmp_path(state, "one.cpio");
	_cleanup_free_ char *two = tmp_path(state, "two.cpio");
	_cleanup_free_ char *a = tmp_path(state, "src/a.txt");
	_cleanup_free_ char *b1 = NULL, *b2 = NULL;
	struct timeval tv[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	size_t l1, l2;

	make_sources(state);
	assert_int_equal(write_all_types(state, one, NULL), 0);
	/* Host timestamps must not leak in. */
	assert_int_equal(utimes(a, tv), 0);
	assert_int_equal(write_all_types(state, two, NULL), 0);
	assert_int_equal(file_read(one, &b1, &l1, NULL), 0);
	assert_int_equal(file_read(two, &b2, &l2, NULL), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
}

static void test_parents_once(void **state)
{
	_cleanup_free_ char *out = tmp_path(state, "p.cpio");
	_cleanup_strv_ char **lines = NULL;
	const struct initramfs_entry e[] = {
		{ .type = IR_FILE, .path = "/a/b/c/f1", .content = "1" },
		{ .type = IR_FILE, .path = "//a/b/c//f2", .content = "2", .mode = 0600 },
		{ .type = IR_DIR, .path = "/a/b", .mode = 0700 },
		{ .type = IR_SYMLINK, .path = "/a/x", .source = "/a/b/c/f1" },
		{ .type = IR_DIR, .path = "/" },
	};
	const char *const want[] = {
		"dir 0755 /a",
		"dir 0700 /a/b",
		"dir 0755 /a/b/c",
		"file 0644 /a/b/c/f1",
		"file 0600 /a/b/c/f2",
		"symlink 0777 /a/x -> /a/b/c/f1",
		NULL,
	};
	struct bm_err *err = NULL;

	if (initramfs_write(out, e, ARRAY_SIZE(e), &err) < 0)
		fail_msg("initramfs_write: %s", err->msg);
	assert_int_equal(initramfs_list(out, &lines, NULL), 0);
	expect_lines(lines, want);
}

/* The error message for entries e, and that no output (or temporary file) was left behind. */
static void expect_refused(void **state, const struct initramfs_entry *e, size_t n,
			   const char *want)
{
	struct fixture *f = *state;
	_cleanup_free_ char *out = tmp_path(state, "bad.cpio");
	_cleanup_strv_ char **left = NULL;
	struct bm_err *err = NULL;

	assert_int_equal(initramfs_write(out, e, n, &err), -1);
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("error '%s' lacks '%s'", err->msg, want);
	bm_err_free(err);
	left = dir_names(f->dir, "");
	for (char **l = left; *l; l++)
		if (str_has_prefix(*l, "bad.cpio"))
			fail_msg("'%s' left behind", *l);
}

static void test_refused(void **state)
{
	_cleanup_free_ char *bb = tmp_path(state, "busybox");
	_cleanup_free_ char *missing = tmp_path(state, "missing");
	const struct initramfs_entry twice[] = {
		{ .type = IR_FILE, .path = "/init", .content = "a" },
		{ .type = IR_SYMLINK, .path = "/init", .source = "b" },
	};
	const struct initramfs_entry file_twice[] = {
		{ .type = IR_FILE, .path = "/bin/x", .content = "a" },
		{ .type = IR_FILE, .path = "/bin//x", .source = bb },
	};
	const struct initramfs_entry below_link[] = {
		{ .type = IR_SYMLINK, .path = "/lib", .source = "usr/lib" },
		{ .type = IR_FILE, .path = "/lib/modules/x", .content = "" },
	};
	const struct initramfs_entry relative[] = {
		{ .type = IR_DIR, .path = "proc" },
	};
	const struct initramfs_entry dotdot[] = {
		{ .type = IR_DIR, .path = "/a/../b" },
	};
	const struct initramfs_entry no_source[] = {
		{ .type = IR_FILE, .path = "/x", .source = missing },
	};
	const struct initramfs_entry tree_of_file[] = {
		{ .type = IR_TREE, .path = "/t", .source = bb },
	};
	const struct initramfs_entry nothing[] = {
		{ .type = IR_FILE, .path = "/x" },
	};
	/* what an untrusted build left: a FIFO in its kselftest tree is refused, never opened */
	_cleanup_free_ char *ks = tmp_path(state, "ks");
	_cleanup_free_ char *fifo = tmp_path(state, "ks/fifo");
	const struct initramfs_entry tree_with_fifo[] = {
		{ .type = IR_TREE, .path = "/kselftest", .source = ks },
	};

	make_sources(state);
	make_dir(ks, 0755);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_refused(state, tree_with_fifo, ARRAY_SIZE(tree_with_fifo),
		       "is not a file, directory or symlink");
	expect_refused(state, twice, ARRAY_SIZE(twice), "'/init' given as a file and as a symlink");
	expect_refused(state, file_twice, ARRAY_SIZE(file_twice), "'/bin/x' given twice");
	expect_refused(state, below_link, ARRAY_SIZE(below_link),
		       "'/lib' given as a symlink and as a directory");
	expect_refused(state, relative, ARRAY_SIZE(relative), "'proc' is not absolute");
	expect_refused(state, dotdot, ARRAY_SIZE(dotdot), "has a '..' component");
	expect_refused(state, no_source, ARRAY_SIZE(no_source), "No such file or directory");
	expect_refused(state, tree_of_file, ARRAY_SIZE(tree_of_file), "is not a directory");
	expect_refused(state, nothing, ARRAY_SIZE(nothing), "neither a source nor content");
}

/* What an untrusted build made, taken beneath its build directory: its own directories and
 * files are packed; a symlink on the way (the top, a parent, a file) or a FIFO is refused, not
 * followed or opened for reading. */
static void test_beneath(void **state)
{
	_cleanup_free_ char *out_dir = tmp_path(state, "out");
	_cleanup_free_ char *host = tmp_path(state, "host");
	_cleanup_free_ char *secret = tmp_path(state, "host/secret");
	_cleanup_free_ char *ks = tmp_path(state, "out/bm-kselftest");
	_cleanup_free_ char *t = tmp_path(state, "out/bm-kselftest/t");
	_cleanup_free_ char *tools = tmp_path(state, "out/bm-tools");
	_cleanup_free_ char *tmo = tmp_path(state, "out/bm-tools/timeout");
	_cleanup_free_ char *mp = tmp_path(state, "out/bm-tools/modprobe");
	_cleanup_free_ char *mod = tmp_path(state, "out/bm-mod");
	_cleanup_free_ char *out = tmp_path(state, "good.cpio");
	_cleanup_strv_ char **lines = NULL;
	const struct initramfs_entry good[] = {
		{ .type = IR_TREE, .path = "/kselftest", .source = "bm-kselftest", .beneath = out_dir },
		{ .type = IR_FILE, .path = "/usr/bin/timeout", .source = "bm-tools/timeout",
		  .beneath = out_dir, .mode = 0755 },
	};
	const char *const want[] = {
		"dir 0755 /kselftest",
		"file 0755 /kselftest/t",
		"dir 0755 /usr",
		"dir 0755 /usr/bin",
		"file 0755 /usr/bin/timeout",
		NULL,
	};
	const struct initramfs_entry tree_link[] = {
		{ .type = IR_TREE, .path = "/kselftest", .source = "bm-kselftest", .beneath = out_dir },
	};
	const struct initramfs_entry parent_link[] = {
		{ .type = IR_TREE, .path = "/lib/modules", .source = "bm-mod/lib/modules",
		  .beneath = out_dir },
	};
	const struct initramfs_entry file_link[] = {
		{ .type = IR_FILE, .path = "/usr/bin/timeout", .source = "bm-tools/timeout",
		  .beneath = out_dir },
	};
	const struct initramfs_entry file_fifo[] = {
		{ .type = IR_FILE, .path = "/sbin/modprobe", .source = "bm-tools/modprobe",
		  .beneath = out_dir },
	};
	struct bm_err *err = NULL;

	make_dir(out_dir, 0755);
	make_dir(host, 0755);
	make_file(secret, "host key\n", 0600);
	make_dir(ks, 0755);
	make_file(t, "#!/bin/sh\n", 0755);
	make_dir(tools, 0755);
	make_file(tmo, "ELF", 0755);
	if (initramfs_write(out, good, ARRAY_SIZE(good), &err) < 0)
		fail_msg("initramfs_write: %s", err->msg);
	assert_int_equal(initramfs_list(out, &lines, NULL), 0);
	expect_lines(lines, want);

	assert_int_equal(rm_rf(ks, NULL), 0);
	assert_int_equal(symlink(host, ks), 0);
	expect_refused(state, tree_link, ARRAY_SIZE(tree_link), "reached without a symlink");
	assert_int_equal(symlink(host, mod), 0);
	expect_refused(state, parent_link, ARRAY_SIZE(parent_link), "reached without a symlink");
	assert_int_equal(unlink(tmo), 0);
	assert_int_equal(symlink(secret, tmo), 0);
	expect_refused(state, file_link, ARRAY_SIZE(file_link), "reached without a symlink");
	/* a FIFO: refused at once (the test would hang here if it were opened for reading) */
	assert_int_equal(mkfifo(mp, 0600), 0);
	expect_refused(state, file_fifo, ARRAY_SIZE(file_fifo), "not a regular file");
}

static void test_list_not_an_archive(void **state)
{
	_cleanup_free_ char *p = tmp_path(state, "text");
	_cleanup_strv_ char **lines = NULL;
	struct bm_err *err = NULL;

	make_file(p, "this is not an archive\n", 0644);
	assert_int_equal(initramfs_list(p, &lines, &err), -1);
	assert_null(lines);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, p));
	bm_err_free(err);
}

static void check_golden(const char *name, const char *got)
{
	const char *dir = getenv("BM_TESTDATA");
	const char *update = getenv("BM_UPDATE_GOLDEN");
	_cleanup_free_ char *path = xasprintf("%s/initramfs/%s", dir && *dir ? dir : "tests/data",
					      name);
	_cleanup_free_ char *want = NULL;
	struct bm_err *err = NULL;

	if (update && strcmp(update, "1") == 0) {
		assert_int_equal(file_write_atomic(path, got, strlen(got), NULL), 0);
		return;
	}
	if (file_read(path, &want, NULL, &err) < 0)
		fail_msg("%s (BM_UPDATE_GOLDEN=1 writes it)", err->msg);
	if (strcmp(got, want) != 0)
		fail_msg("output differs from %s:\n%s", path, got);
}

static void test_init_script_golden(void **state)
{
	char rust[] = "rust", size[] = "size";
	char *targets[] = { rust, size, NULL };
	const struct initramfs_init_opts o = {
		.kselftest_dir = "/kselftest",
		.targets = targets,
		.per_test_timeout = 120,
		.sentinel = "bootmatrix: kselftest done",
	};
	_cleanup_free_ char *s = initramfs_init_script(&o);

	(void)state;
	check_golden("init.sh", s);
}

static void test_init_script_defaults(void **state)
{
	const struct initramfs_init_opts all = { .sentinel = "it's done" };
	char fwd[] = "net/forwarding";
	char *targets[] = { fwd, NULL };
	const struct initramfs_init_opts odd = {
		.kselftest_dir = "/opt/my tests",
		.targets = targets,
	};
	_cleanup_free_ char *s = initramfs_init_script(&all);
	_cleanup_free_ char *t = initramfs_init_script(&odd);

	(void)state;
	/* No targets: every installed collection; no timeout: the runner's own. */
	assert_non_null(strstr(s, "if cd /kselftest; then\n\t./run_kselftest.sh\n\tcd /\nfi\n"));
	assert_non_null(strstr(s, "printf '%s\\n' 'it'\\''s done'\n"));
	assert_null(strstr(s, " -o "));
	assert_true(str_has_prefix(s, "#!/bin/busybox sh\n"));
	assert_true(str_has_suffix(s, "poweroff -f\n"));
	assert_non_null(strstr(t, "if cd '/opt/my tests'; then\n"));
	assert_non_null(strstr(t, "\t./run_kselftest.sh -c net/forwarding\n"));
	assert_null(strstr(t, "printf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_types_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_headers_and_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reproducible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parents_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beneath, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_not_an_archive, setup, teardown),
		cmocka_unit_test(test_init_script_golden),
		cmocka_unit_test(test_init_script_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
