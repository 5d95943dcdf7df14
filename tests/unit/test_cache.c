/* The cache directory's trust check (cache_dir_check): created private when missing, refused when
 * it is not a directory, belongs to another user or others can write it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "err.h"
#include "util.h"

static void test_cache_dir_check(void **state)
{
	char base[] = "/tmp/bm-test-cache.XXXXXX";
	_cleanup_free_ char *fresh = NULL, *open_dir = NULL, *file = NULL, *other = NULL;
	struct bm_err *err = NULL;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(base));
	fresh = xasprintf("%s/a/b/bootmatrix", base);
	assert_int_equal(cache_dir_check(fresh, &err), 0);
	assert_int_equal(stat(fresh, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* an existing private directory is fine, again */
	assert_int_equal(cache_dir_check(fresh, &err), 0);

	open_dir = xasprintf("%s/open", base);
	assert_int_equal(mkdir(open_dir, 0755), 0);
	assert_int_equal(chmod(open_dir, 01777), 0);
	assert_int_equal(cache_dir_check(open_dir, &err), -1);
	assert_int_equal(err->code, BM_ERR_INPUT);
	assert_non_null(strstr(err->msg, "is writable by others (mode 1777): chmod go-w"));
	bm_err_freep(&err);

	file = xasprintf("%s/file", base);
	assert_int_equal(file_write_atomic(file, "x", 1, &err), 0);
	assert_int_equal(cache_dir_check(file, &err), -1);
	assert_non_null(strstr(err->msg, "is not a directory"));
	bm_err_freep(&err);

	if (geteuid() == 0) {
		other = xasprintf("%s/other", base);
		assert_int_equal(mkdir(other, 0700), 0);
		assert_int_equal(chown(other, 65534, 65534), 0);
		assert_int_equal(cache_dir_check(other, &err), -1);
		assert_non_null(strstr(err->msg, "belongs to uid 65534, not to you (uid 0)"));
		bm_err_freep(&err);
	}
	assert_int_equal(rm_rf(base, &err), 0);
}

/* Locks between processes: flock conflicts between open files, so two opens in this process
 * stand for two processes. */
static void test_cache_locks(void **state)
{
	char base[] = "/tmp/bm-test-cache.XXXXXX";
	_cleanup_free_ char *dir = NULL, *lock = NULL, *inner = NULL;
	struct cache_entry e = { .kind = CACHE_BUILD, .name = (char *)"b" };
	struct bm_err *err = NULL;
	int a = -1, b = -1, c = -1;

	(void)state;
	assert_non_null(mkdtemp(base));
	dir = xasprintf("%s/builds/b", base);
	lock = xasprintf("%s.lock", dir);
	inner = xasprintf("%s/vmlinux", dir);
	assert_int_equal(mkdir_p(dir, &err), 0);
	assert_int_equal(file_write_atomic(inner, "x", 1, &err), 0);
	e.path = dir;

	/* readers share; a writer waits for them */
	assert_int_equal(cache_lock(dir, CACHE_LOCK_SHARED, NULL, &a, &err), 0);
	assert_int_equal(cache_lock(dir, CACHE_LOCK_SHARED, NULL, &b, &err), 0);
	assert_int_equal(cache_trylock(dir, CACHE_LOCK_EXCLUSIVE, &c, &err), 1);
	/* prune keeps what is held */
	assert_int_equal(cache_remove(&e, &err), 1);
	assert_true(path_exists(inner));
	close(b);
	/* the last reader becomes the writer; nobody else comes in, not even readers */
	assert_int_equal(cache_relock(a, dir, CACHE_LOCK_EXCLUSIVE, NULL, &err), 0);
	assert_int_equal(cache_trylock(dir, CACHE_LOCK_SHARED, &c, &err), 1);
	/* writing done: readers again */
	assert_int_equal(cache_relock(a, dir, CACHE_LOCK_SHARED, NULL, &err), 0);
	assert_int_equal(cache_trylock(dir, CACHE_LOCK_SHARED, &c, &err), 0);
	close(c);
	close(a);
	/* free: prune removes the directory and its lock file */
	assert_int_equal(cache_remove(&e, &err), 0);
	assert_false(path_exists(dir));
	assert_false(path_exists(lock));
	/* a lock on a cache entry not made yet makes its parent */
	free(dir);
	dir = xasprintf("%s/sources/new", base);
	assert_int_equal(cache_lock(dir, CACHE_LOCK_EXCLUSIVE, NULL, &a, &err), 0);
	close(a);
	assert_int_equal(rm_rf(base, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_dir_check),
		cmocka_unit_test(test_cache_locks),
	};

	return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
