/* util: the UTF-8 decoder, string vectors and buffers, str_strip, sha256_hex against known
 * vectors, dir_names over a temporary directory. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "util.h"

#define UNTOUCHED 0xdeadbeefu

/* The length utf8_decode gives for the len bytes s, and its code point (UNTOUCHED if none). */
static size_t decode(const char *s, size_t len, uint32_t *ret_cp)
{
	*ret_cp = UNTOUCHED;
	return utf8_decode((const unsigned char *)s, len, ret_cp);
}

static void assert_valid(const char *s, size_t len, uint32_t want)
{
	uint32_t cp;

	assert_int_equal(decode(s, strlen(s), &cp), len);
	assert_int_equal(cp, want);
}

static void assert_invalid(const char *s, size_t len)
{
	uint32_t cp;

	assert_int_equal(decode(s, len, &cp), 0);
	assert_int_equal(cp, UNTOUCHED);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_valid("A", 1, 'A');
	assert_valid("\x7f", 1, 0x7f);
	assert_valid("\xc2\x80", 2, 0x80);
	assert_valid("\xc3\xa9", 2, 0xe9);
	assert_valid("\xdf\xbf", 2, 0x7ff);
	assert_valid("\xe0\xa0\x80", 3, 0x800);
	assert_valid("\xe2\x82\xac", 3, 0x20ac);
	assert_valid("\xed\x9f\xbf", 3, 0xd7ff);	/* just below the surrogates */
	assert_valid("\xee\x80\x80", 3, 0xe000);	/* just above */
	assert_valid("\xef\xbf\xbf", 3, 0xffff);
	assert_valid("\xf0\x90\x80\x80", 4, 0x10000);
	assert_valid("\xf0\x9f\x98\x80", 4, 0x1f600);
	assert_valid("\xf4\x8f\xbf\xbf", 4, 0x10ffff);
	/* Only the first sequence counts. */
	assert_valid("\xc3\xa9\xff", 2, 0xe9);
}

static void test_utf8_nul(void **state)
{
	uint32_t cp;

	(void)state;
	/* NUL is U+0000, one byte; it ends no sequence early but fails as a continuation byte. */
	assert_int_equal(decode("", 1, &cp), 1);
	assert_int_equal(cp, 0);
	assert_invalid("\xc3", 2);
	assert_invalid("\xe2\x82", 3);
	assert_invalid("\xf0\x9f\x98", 4);
}

static void test_utf8_truncated(void **state)
{
	(void)state;
	/* len ends the sequence: what lies beyond is never read. */
	assert_invalid("A", 0);
	assert_invalid("\xc3\xa9", 1);
	assert_invalid("\xe2\x82\xac", 2);
	assert_invalid("\xf0\x9f\x98\x80", 3);
	/* Missing continuation bytes, stray ones. */
	assert_invalid("\xc3" "A", 2);
	assert_invalid("\xe2\x82" "A", 3);
	assert_invalid("\xf0\x9f\x98" "A", 4);
	assert_invalid("\x80", 1);
	assert_invalid("\xbf\xbf", 2);
}

static void test_utf8_overlong(void **state)
{
	(void)state;
	assert_invalid("\xc0\x80", 2);		/* U+0000 */
	assert_invalid("\xc1\xbf", 2);		/* U+007F */
	assert_invalid("\xe0\x80\x80", 3);	/* U+0000 */
	assert_invalid("\xe0\x9f\xbf", 3);	/* U+07FF */
	assert_invalid("\xf0\x80\x80\x80", 4);	/* U+0000 */
	assert_invalid("\xf0\x8f\xbf\xbf", 4);	/* U+FFFF */
}

static void test_utf8_surrogates(void **state)
{
	(void)state;
	assert_invalid("\xed\xa0\x80", 3);	/* U+D800 */
	assert_invalid("\xed\xb0\x80", 3);	/* U+DC00 */
	assert_invalid("\xed\xbf\xbf", 3);	/* U+DFFF */
	/* A CESU-8 pair for U+1F600 */
	assert_invalid("\xed\xa0\xbd\xed\xb8\x80", 6);
}

static void test_utf8_too_large(void **state)
{
	(void)state;
	assert_invalid("\xf4\x90\x80\x80", 4);	/* U+110000 */
	assert_invalid("\xf5\x80\x80\x80", 4);
	assert_invalid("\xf7\xbf\xbf\xbf", 4);
	assert_invalid("\xf8\x88\x80\x80\x80", 5);	/* 5- and 6-byte forms are gone */
	assert_invalid("\xfc\x84\x80\x80\x80\x80", 6);
	assert_invalid("\xfe", 1);
	assert_invalid("\xff", 1);
}

/* Every scalar value encoded by hand decodes back to itself, at its length. */
static void test_utf8_round_trip(void **state)
{
	(void)state;
	for (uint32_t c = 0; c <= 0x10ffff; c++) {
		unsigned char buf[4];
		size_t n, got;
		uint32_t cp = UNTOUCHED;

		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		if (c < 0x80) {
			buf[0] = (unsigned char)c;
			n = 1;
		} else if (c < 0x800) {
			buf[0] = (unsigned char)(0xc0 | (c >> 6));
			n = 2;
		} else if (c < 0x10000) {
			buf[0] = (unsigned char)(0xe0 | (c >> 12));
			n = 3;
		} else {
			buf[0] = (unsigned char)(0xf0 | (c >> 18));
			n = 4;
		}
		for (size_t i = 1; i < n; i++)
			buf[i] = (unsigned char)(0x80 | ((c >> (6 * (n - 1 - i))) & 0x3f));
		got = utf8_decode(buf, n, &cp);
		if (got != n || cp != c)
			fail_msg("U+%04X: %zu bytes, U+%04X", (unsigned)c, got, (unsigned)cp);
	}
}

static void test_strv(void **state)
{
	_cleanup_strv_ char **v = NULL, **w = NULL;
	_cleanup_free_ char *joined = NULL, *empty = NULL;

	(void)state;
	assert_int_equal(strv_length(v), 0);
	assert_false(strv_contains(v, "a"));
	empty = strv_join(v, ", ");
	assert_string_equal(empty, "");

	strv_push(&v, "a");
	strv_pushf(&v, "%s-%d", "b", 2);
	strv_push(&v, "");
	assert_int_equal(strv_length(v), 3);
	assert_non_null(v);
	assert_null(v[3]);
	assert_true(strv_contains(v, "b-2"));
	assert_true(strv_contains(v, ""));
	assert_false(strv_contains(v, "b"));
	joined = strv_join(v, ", ");
	assert_string_equal(joined, "a, b-2, ");

	strv_push(&w, "x");
	strv_push_all(&w, v);
	strv_push_all(&w, NULL);
	assert_int_equal(strv_length(w), 4);
	assert_string_equal(w[0], "x");
	assert_string_equal(w[2], "b-2");
	assert_ptr_not_equal(w[1], v[0]);	/* copies */
	strv_free(NULL);
}

static void test_str(void **state)
{
	char a[] = " \t a b \r\n", b[] = "  \n", c[] = "", d[] = "x";

	(void)state;
	assert_string_equal(str_strip(a), "a b");
	assert_ptr_equal(str_strip(a), a);
	assert_string_equal(str_strip(b), "");
	assert_string_equal(str_strip(c), "");
	assert_string_equal(str_strip(d), "x");
	assert_true(str_has_prefix("kselftest", "ksel"));
	assert_true(str_has_prefix("kselftest", ""));
	assert_false(str_has_prefix("ks", "kself"));
	assert_true(str_has_suffix("plan.yaml", ".yaml"));
	assert_false(str_has_suffix("yaml", ".yaml"));
}

static void test_strbuf(void **state)
{
	struct strbuf b = { 0 };
	_cleanup_free_ char *empty = NULL, *s = NULL;

	(void)state;
	empty = strbuf_take(&b);
	assert_string_equal(empty, "");

	strbuf_add(&b, "ab");
	strbuf_add_len(&b, "cdef", 2);
	strbuf_addf(&b, "-%u-%s", 42u, "x");
	strbuf_add_repeat(&b, '`', 3);
	strbuf_add_repeat(&b, ' ', 0);
	/* Past the first allocation. */
	strbuf_add_repeat(&b, '.', 1000);
	assert_int_equal(b.len, 12 + 1000);
	s = strbuf_take(&b);
	assert_null(b.buf);
	assert_int_equal(b.len, 0);
	assert_int_equal(strlen(s), 12 + 1000);
	assert_memory_equal(s, "abcd-42-x```..", 14);
	assert_int_equal(s[1011], '.');
	free(s);
	strbuf_add(&b, "abc");
	strbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	strbuf_add(&b, "d");
	s = strbuf_take(&b);
	assert_string_equal(s, "d");
	free(s);
	s = NULL;
}

/* A set past several growths: every key new once, then known; the empty string too. */
static void test_strset(void **state)
{
	struct strset t = { 0 };

	(void)state;
	for (unsigned i = 0; i < 1000; i++)
		assert_true(strset_add(&t, xasprintf("key %u", i)));
	assert_true(strset_add(&t, xstrdup("")));
	for (unsigned i = 0; i < 1000; i++)
		assert_false(strset_add(&t, xasprintf("key %u", i)));
	assert_false(strset_add(&t, xstrdup("")));
	assert_int_equal(t.n, 1001);
	assert_true(t.cap >= 2 * t.n);
	strset_release(&t);
	assert_null(t.e);
	assert_int_equal(t.n, 0);
	assert_true(strset_add(&t, xstrdup("again")));
	strset_release(&t);

	/* numbered: a name already taken by a numbered one is skipped, as is a number taken by a
	 * name of its own */
	assert_int_equal(strset_add_numbered(&t, "a", " #"), 1);
	assert_int_equal(strset_add_numbered(&t, "a", " #"), 2);
	assert_true(strset_add(&t, xstrdup("a #3")));
	assert_int_equal(strset_add_numbered(&t, "a", " #"), 4);
	assert_int_equal(strset_add_numbered(&t, "a #2", " #"), 2);	/* "a #2 #2" */
	assert_int_equal(strset_add_numbered(&t, "a", " #"), 5);
	for (unsigned i = 6; i < 2000; i++)
		assert_int_equal(strset_add_numbered(&t, "a", " #"), i);
	assert_false(strset_add(&t, xstrdup("a #1999")));
	assert_true(strset_add(&t, xstrdup("a #2000")));
	strset_release(&t);
}

static void test_sha256_hex(void **state)
{
	char hex[65];

	(void)state;
	/* FIPS 180-2's examples */
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_dir_names(void **state)
{
	static const char *const files[] = { "riscv64.yaml", "arm64.yaml", "x86_64.yaml",
					     "README", "notes.yaml.bak", ".hidden.yaml", ".yaml" };
	const char *t = getenv("TMPDIR");
	_cleanup_free_ char *dir = xasprintf("%s/bm-util.XXXXXX", t && *t ? t : "/tmp");
	_cleanup_strv_ char **names = NULL, **none = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, files[i]);

		assert_int_equal(file_write_atomic(path, "x", 1, NULL), 0);
	}
	names = dir_names(dir, ".yaml");
	assert_int_equal(strv_length(names), 3);
	assert_string_equal(names[0], "arm64");
	assert_string_equal(names[1], "riscv64");
	assert_string_equal(names[2], "x86_64");
	assert_int_equal(rm_rf(dir, NULL), 0);

	none = dir_names(dir, ".yaml");
	assert_non_null(none);
	assert_null(none[0]);
}

/* What an untrusted build left is read only when it is a plain file inside its directory. */
static void test_read_beneath(void **state)
{
	char dir[] = "/tmp/bm-test-beneath.XXXXXX";
	_cleanup_free_ char *secret = NULL, *path = NULL, *buf = NULL, *sub = NULL, *to = NULL;
	struct bm_err *err = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	secret = xasprintf("%s.secret", dir);
	assert_int_equal(file_write_atomic(secret, "host key", 8, &err), 0);
	path = xasprintf("%s/config", dir);
	assert_int_equal(file_write_atomic(path, "CONFIG_RUST=y\n", 14, &err), 0);
	assert_int_equal(file_read_beneath(dir, "config", &buf, NULL, &err), 0);
	assert_string_equal(buf, "CONFIG_RUST=y\n");
	to = xasprintf("%s/copy", dir);
	assert_int_equal(file_copy_beneath(dir, "config", to, &err), 0);

	/* .config -> a host file: refused, nothing read */
	free(path);
	path = xasprintf("%s/.config", dir);
	assert_int_equal(symlink(secret, path), 0);
	assert_int_equal(file_read_beneath(dir, ".config", &buf, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "without a symlink"));
	bm_err_freep(&err);
	assert_int_equal(file_copy_beneath(dir, ".config", to, &err), -1);
	bm_err_freep(&err);
	/* out of the directory by name */
	assert_int_equal(file_read_beneath(dir, "../bm-test-beneath", &buf, NULL, &err), -1);
	bm_err_freep(&err);
	/* through a symlinked directory */
	sub = xasprintf("%s/sub", dir);
	assert_int_equal(symlink("/etc", sub), 0);
	assert_int_equal(file_read_beneath(dir, "sub/hostname", &buf, NULL, &err), -1);
	bm_err_freep(&err);
	/* a FIFO is refused at once, not read (which would block forever) */
	free(path);
	path = xasprintf("%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(file_read_beneath(dir, "fifo", &buf, NULL, &err), -1);
	assert_non_null(strstr(err->msg, "not a regular file"));
	bm_err_freep(&err);
	/* what a build made and the host packs: its own directories and files only */
	{
		_cleanup_free_ char *ks = xasprintf("%s/bm-kselftest", dir);
		_cleanup_free_ char *mods = xasprintf("%s/bm-mod", dir);

		assert_int_equal(mkdir(ks, 0755), 0);
		assert_int_equal(path_check_beneath(dir, "bm-kselftest", true, &err), 0);
		assert_int_equal(path_check_beneath(dir, "config", false, &err), 0);
		assert_int_equal(path_check_beneath(dir, "config", true, &err), -1);
		assert_non_null(strstr(err->msg, "not a directory"));
		bm_err_freep(&err);
		assert_int_equal(symlink("/etc", mods), 0);
		assert_int_equal(path_check_beneath(dir, "bm-mod", true, &err), -1);
		assert_non_null(strstr(err->msg, "refusing"));
		bm_err_freep(&err);
		assert_int_equal(path_check_beneath(dir, "sub/hostname", false, &err), -1);
		bm_err_freep(&err);
	}
	/* a FIFO planted where an atomic write puts its temporary file is not opened either */
	free(path);
	path = xasprintf("%s/stamp", dir);
	assert_int_equal(file_write_atomic(path, "key", 3, &err), 0);
	unlink(secret);
	assert_int_equal(rm_rf(dir, &err), 0);
}

/* Writing into what an untrusted build made: through a directory fd reached beneath the build
 * directory, never through a symlink it planted (the plan's out-of-tree kselftests). */
static void test_write_beneath(void **state)
{
	char dir[] = "/tmp/bm-test-wbeneath.XXXXXX";
	_cleanup_free_ char *host = NULL, *ks = NULL, *src = NULL, *p = NULL, *buf = NULL;
	_cleanup_close_ int ksfd = -1;
	struct bm_err *err = NULL;
	struct stat st;
	char target[64];
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	host = xasprintf("%s.host", dir);
	assert_int_equal(mkdir(host, 0755), 0);
	ks = xasprintf("%s/bm-kselftest", dir);

	/* bm-kselftest -> a host directory: refused */
	assert_int_equal(symlink(host, ks), 0);
	assert_int_equal(dir_open_beneath(dir, "bm-kselftest", &err), -1);
	assert_non_null(strstr(err->msg, "without a symlink"));
	bm_err_freep(&err);
	assert_int_equal(dir_open_beneath(dir, "../", &err), -1);
	bm_err_freep(&err);
	assert_int_equal(unlink(ks), 0);

	/* the plan's tests: a file, an executable, a subdirectory, a symlink kept as one */
	src = xasprintf("%s.src/mytests", dir);
	assert_int_equal(mkdir_p(src, &err), 0);
	p = xasprintf("%s/run.sh", src);
	assert_int_equal(file_write_atomic(p, "#!/bin/sh\n", 10, &err), 0);
	assert_int_equal(chmod(p, 0755), 0);
	free(p);
	p = xasprintf("%s/sub", src);
	assert_int_equal(mkdir(p, 0750), 0);
	free(p);
	p = xasprintf("%s/sub/data", src);
	assert_int_equal(file_write_atomic(p, "data", 4, &err), 0);
	free(p);
	p = xasprintf("%s/link", src);
	assert_int_equal(symlink("run.sh", p), 0);

	assert_int_equal(mkdir(ks, 0755), 0);
	ksfd = dir_open_beneath(dir, "bm-kselftest", &err);
	assert_true(ksfd >= 0);
	/* what the build left under the name goes, without following its symlink to the host */
	free(p);
	p = xasprintf("%s/mytests", ks);
	assert_int_equal(symlink(host, p), 0);
	assert_int_equal(rm_rf_at(ksfd, "mytests", &err), 0);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(lstat(host, &st), 0);
	assert_int_equal(dir_copy_at(src, ksfd, ks, "mytests", &err), 0);
	free(p);
	p = xasprintf("%s/mytests/run.sh", ks);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	free(p);
	p = xasprintf("%s/mytests/sub", ks);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(file_read_beneath(ks, "mytests/sub/data", &buf, NULL, &err), 0);
	assert_string_equal(buf, "data");
	free(p);
	p = xasprintf("%s/mytests/link", ks);
	n = readlink(p, target, sizeof(target) - 1);
	assert_int_equal(n, 6);
	target[n] = '\0';
	assert_string_equal(target, "run.sh");
	/* the destination must be new: never merged into what is there */
	assert_int_equal(dir_copy_at(src, ksfd, ks, "mytests", &err), -1);
	assert_non_null(strstr(err->msg, "File exists"));
	bm_err_freep(&err);

	/* kselftest-list.txt -> a host file: replaced, the host file untouched */
	free(p);
	p = xasprintf("%s/list", host);
	assert_int_equal(file_write_atomic(p, "host", 4, &err), 0);
	{
		_cleanup_free_ char *list = xasprintf("%s/kselftest-list.txt", ks);

		assert_int_equal(symlink(p, list), 0);
	}
	assert_int_equal(file_write_atomic_at(ksfd, ks, "kselftest-list.txt", "mytests:run.sh\n", 15,
					      &err), 0);
	free(buf);
	assert_int_equal(file_read_beneath(ks, "kselftest-list.txt", &buf, NULL, &err), 0);
	assert_string_equal(buf, "mytests:run.sh\n");
	free(buf);
	free(p);
	p = xasprintf("%s/list", host);
	assert_int_equal(file_read(p, &buf, NULL, &err), 0);
	assert_string_equal(buf, "host");
	assert_null(err);
	free(p);
	p = xasprintf("%s.src", dir);
	assert_int_equal(rm_rf(p, &err), 0);
	assert_int_equal(rm_rf(host, &err), 0);
	assert_int_equal(rm_rf(dir, &err), 0);
}

/* The one shell quoter (remote commands, the guest /init); test_remote runs its output in real
 * shells. */
static void test_shell_quote(void **state)
{
	static const char *const cases[][2] = {
		{ "plain/path-1.2_x:y,z+@%=", "plain/path-1.2_x:y,z+@%=" },
		{ "", "''" },
		{ "=x", "'=x'" },
		{ "a b", "'a b'" },
		{ "it's", "'it'\\''s'" },
		{ "''", "''\\'''\\'''" },
		{ "$(x)`y`;|&*?~", "'$(x)`y`;|&*?~'" },
		{ "new\nline", "'new\nline'" },
	};
	struct strbuf b = { 0 };
	_cleanup_free_ char *forced = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *q = shell_quote(cases[i][0]);

		assert_string_equal(q, cases[i][1]);
	}
	strbuf_add_shell_word(&b, "ls", true);
	forced = strbuf_take(&b);
	assert_string_equal(forced, "'ls'");
}

static unsigned stop_calls;

static bool stop_third(void)
{
	return ++stop_calls >= 3;
}

/* Held by another open file: the wait gives up when stop() says so, and takes the lock once it
 * is free. */
static void test_fd_lock_wait(void **state)
{
	char path[] = "/tmp/bm-lock-XXXXXX";
	int a = mkstemp(path), b;

	(void)state;
	assert_true(a >= 0);
	b = open(path, O_RDWR | O_CLOEXEC);
	assert_true(b >= 0);
	assert_int_equal(flock(a, LOCK_EX), 0);
	errno = 0;
	assert_int_equal(fd_lock_wait(b, stop_third), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(stop_calls, 3);
	assert_int_equal(flock(a, LOCK_UN), 0);
	assert_int_equal(fd_lock_wait(b, NULL), 0);
	assert_int_equal(flock(a, LOCK_EX | LOCK_NB), -1);
	close(a);
	close(b);
	unlink(path);
}

/* A file system with room is not full; a path not made yet is asked of its nearest parent. The
 * full case needs a mount: tests/integration/full-disk.sh. */
static void test_fs_full_reason(void **state)
{
	char *why;

	(void)state;
	why = fs_full_reason("/proc/self/no/such/dir");
	assert_null(why);	/* procfs: no blocks at all, so no disk to be full */
	free(why);
	assert_null(fs_full_reason("."));
	assert_null(fs_full_reason("./not/made/yet"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_beneath),
		cmocka_unit_test(test_write_beneath),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_nul),
		cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates),
		cmocka_unit_test(test_utf8_too_large),
		cmocka_unit_test(test_utf8_round_trip),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_strset),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_sha256_hex),
		cmocka_unit_test(test_dir_names),
		cmocka_unit_test(test_fd_lock_wait),
		cmocka_unit_test(test_fs_full_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
