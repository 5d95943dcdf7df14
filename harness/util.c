/* util.h: helpers every module uses: allocation that aborts on OOM, strings, string vectors and
 * strbuf, the shell quoter, UTF-8 decoding, whole files, paths, clocks, sha256 (OpenSSL's
 * libcrypto, used only here). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "util.h"

void freep(void *p)
{
	free(*(void **)p);
}

void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static void oom(void)
{
	fputs("bootmatrix: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		oom();
	return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void strv_push_owned(char ***v, char *s)
{
	size_t n = strv_length(*v);

	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void strv_push(char ***v, const char *s)
{
	strv_push_owned(v, xstrdup(s));
}

void strv_pushf(char ***v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_push_owned(v, xvasprintf(fmt, ap));
	va_end(ap);
}

void strv_push_all(char ***v, char *const *add)
{
	for (size_t i = 0; add && add[i]; i++)
		strv_push(v, add[i]);
}

bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char *strv_join(char *const *v, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *out, *p;

	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + seplen;
	out = p = xmalloc(len);
	*p = '\0';
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			p = stpcpy(p, sep);
		p = stpcpy(p, v[i]);
	}
	return out;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void strv_freep(char ***v)
{
	strv_free(*v);
	*v = NULL;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

char *str_strip(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		memmove(s, s + 1, strlen(s));
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Room for n more bytes and the NUL. */
static void strbuf_grow(struct strbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? 2 * b->cap : 256;
	b->buf = xrealloc(b->buf, b->cap);
}

void strbuf_add_len(struct strbuf *b, const char *s, size_t n)
{
	strbuf_grow(b, n);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void strbuf_add(struct strbuf *b, const char *s)
{
	strbuf_add_len(b, s, strlen(s));
}

void strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_add(b, s);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The entry holding key, or the free one where it would go (t->cap > 0). */
static struct strset_entry *strset_slot(const struct strset *t, const char *key)
{
	for (size_t i = fnv1a(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (!t->e[i].key || strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
}

bool strset_add(struct strset *t, char *key)
{
	struct strset_entry *e;

	if (2 * (t->n + 1) > t->cap) {
		struct strset g = { .cap = t->cap ? 2 * t->cap : 64 };

		g.e = xcalloc(g.cap, sizeof(*g.e));
		for (size_t i = 0; i < t->cap; i++)
			if (t->e[i].key)
				*strset_slot(&g, t->e[i].key) = t->e[i];
		g.n = t->n;
		free(t->e);
		*t = g;
	}
	e = strset_slot(t, key);
	if (e->key) {
		free(key);
		return false;
	}
	*e = (struct strset_entry){ .key = key };
	t->n++;
	return true;
}

unsigned strset_add_numbered(struct strset *t, const char *key, const char *sep)
{
	unsigned k;

	if (strset_add(t, xstrdup(key))) {
		strset_slot(t, key)->last = 1;
		return 1;
	}
	/* every number up to the last one given for key is taken (key itself at least) */
	k = strset_slot(t, key)->last;
	for (k = k > 1 ? k + 1 : 2; !strset_add(t, xasprintf("%s%s%u", key, sep, k)); k++)
		;
	strset_slot(t, key)->last = k;
	return k;
}

void strset_release(struct strset *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->e[i].key);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

void strbuf_add_repeat(struct strbuf *b, char c, size_t n)
{
	strbuf_grow(b, n);
	memset(b->buf + b->len, c, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

char *strbuf_take(struct strbuf *b)
{
	char *s;

	strbuf_grow(b, 0);
	b->buf[b->len] = '\0';
	s = b->buf;
	memset(b, 0, sizeof(*b));
	return s;
}

void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

static bool shell_word_is_plain(const char *w)
{
	if (!*w || *w == '=')
		return false;
	for (const char *p = w; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_@%+=:,./-", c)))
			return false;
	}
	return true;
}

void strbuf_add_shell_word(struct strbuf *b, const char *w, bool always_quote)
{
	if (!always_quote && shell_word_is_plain(w)) {
		strbuf_add(b, w);
		return;
	}
	strbuf_add(b, "'");
	for (const char *p = w; *p; p++) {
		size_t n = strcspn(p, "'");

		strbuf_add_len(b, p, n);
		p += n;
		if (!*p)
			break;
		strbuf_add(b, "'\\''");
	}
	strbuf_add(b, "'");
}

char *shell_quote(const char *w)
{
	struct strbuf b = { 0 };

	strbuf_add_shell_word(&b, w, false);
	return strbuf_take(&b);
}

size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *ret_cp)
{
	size_t n;
	uint32_t cp;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*ret_cp = p[0];
		return 1;
	}
	/* 0xc0 and 0xc1 could only start overlong forms of ASCII; 0xf5 and above, code points
	 * past U+10FFFF. */
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}

int file_read(const char *path, char **ret_buf, size_t *ret_len, struct bm_err **err)
{
	_cleanup_fclose_ FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	f = fopen(path, "re");
	if (!f)
		return bm_err_errno(err, errno, "cannot open '%s'", path);
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		return bm_err_errno(err, errno, "cannot read '%s'", path);
	}
	buf[len] = '\0';
	*ret_buf = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int fd_lock_wait(int fd, bool (*stop)(void))
{
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };

		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (stop && stop()) {
			errno = EINTR;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int file_write_atomic(const char *path, const char *buf, size_t len, struct bm_err **err)
{
	/* A temporary name nobody can guess, created exclusively: a symlink or FIFO planted in a
	 * directory a build could write is neither followed nor opened. */
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	_cleanup_close_ int fd = -1;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return bm_err_errno(err, errno, "cannot create a file beside '%s'", path);
	if (fchmod(fd, 0644) < 0 || fd_write_all(fd, buf, len) < 0) {
		int e = errno;

		unlink(tmp);
		return bm_err_errno(err, e, "cannot write '%s'", tmp);
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return bm_err_errno(err, e, "cannot write '%s'", path);
	}
	return 0;
}

int file_write_atomic_at(int dfd, const char *dir, const char *name, const char *buf, size_t len,
			 struct bm_err **err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;

	/* mkostemp's unguessable name, but relative to dfd: created exclusively, never through a
	 * symlink or into a FIFO someone planted */
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		unsigned char rnd[6];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return bm_err_errno(err, errno, "cannot create a file beside '%s/%s'", dir, name);
		free(tmp);
		tmp = xasprintf("%s.tmp.%02x%02x%02x%02x%02x%02x", name, rnd[0], rnd[1], rnd[2],
				rnd[3], rnd[4], rnd[5]);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return bm_err_errno(err, errno, "cannot create a file beside '%s/%s'", dir, name);
	}
	if (fd < 0)
		return bm_err_errno(err, EEXIST, "cannot create a file beside '%s/%s'", dir, name);
	if (fchmod(fd, 0644) < 0 || fd_write_all(fd, buf, len) < 0 || fsync(fd) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		return bm_err_errno(err, e, "cannot write '%s/%s'", dir, name);
	}
	return 0;
}

/* openat2 of rel beneath dfd, no symlink on the way (rel's last component included), no magic
 * link, no other mount: -1 with errno otherwise. */
static int openat_beneath(int dfd, const char *rel, int flags)
{
	struct open_how how = { .flags = (unsigned)flags | O_CLOEXEC | O_NOFOLLOW,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV };

	return (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
}

static int no_openat2(struct bm_err **err)
{
	return bm_err_set(err, BM_ERR_SYSTEM, "the kernel has no openat2 (Linux 5.6 or newer is "
			  "needed to read build output safely)");
}

int file_open_beneath_at(int dfd, const char *dir, const char *rel, struct bm_err **err)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO is opened without waiting for a writer, then refused below */
	fd = openat_beneath(dfd, rel, O_RDONLY | O_NONBLOCK);
	if (fd < 0 && errno == ENOSYS)
		return no_openat2(err);
	if (fd < 0)
		return bm_err_errno(err, errno, "refusing '%s/%s' (it must be a file inside the "
				    "directory, reached without a symlink)", dir, rel);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bm_err_set(err, BM_ERR_SYSTEM, "refusing '%s/%s': not a regular file", dir, rel);
	}
	/* a regular file: blocking reads again */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int file_open_beneath(const char *dir, const char *rel, struct bm_err **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return bm_err_errno(err, errno, "cannot open directory '%s'", dir);
	return file_open_beneath_at(dfd, dir, rel, err);
}

int dir_open_beneath(const char *dir, const char *rel, struct bm_err **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dfd < 0)
		return bm_err_errno(err, errno, "cannot open directory '%s'", dir);
	fd = openat_beneath(dfd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0 && errno == ENOSYS)
		return no_openat2(err);
	if (fd < 0)
		return bm_err_errno(err, errno, "refusing '%s/%s' (it must be a directory inside "
				    "the directory, reached without a symlink)", dir, rel);
	return fd;
}

int path_check_beneath(const char *dir, const char *rel, bool want_dir, struct bm_err **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (dfd < 0)
		return bm_err_errno(err, errno, "cannot open directory '%s'", dir);
	fd = openat_beneath(dfd, rel, O_PATH);
	if (fd < 0 && errno == ENOSYS)
		return no_openat2(err);
	if (fd < 0)
		return bm_err_errno(err, errno, "refusing '%s/%s' (it must be inside the directory, "
				    "reached without a symlink)", dir, rel);
	if (fstat(fd, &st) < 0)
		return bm_err_errno(err, errno, "cannot stat '%s/%s'", dir, rel);
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return bm_err_set(err, BM_ERR_SYSTEM, "refusing '%s/%s': not a %s", dir, rel,
				  want_dir ? "directory" : "regular file");
	return 0;
}

int file_read_beneath(const char *dir, const char *rel, char **ret_buf, size_t *ret_len,
		      struct bm_err **err)
{
	_cleanup_close_ int fd = file_open_beneath(dir, rel, err);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bm_err_errno(err, errno, "cannot read '%s/%s'", dir, rel);
		len += (size_t)n;
	} while (n > 0);
	buf[len] = '\0';
	*ret_buf = buf;
	buf = NULL;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int file_copy_beneath(const char *dir, const char *rel, const char *to, struct bm_err **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (file_read_beneath(dir, rel, &buf, &len, err) < 0)
		return -1;
	return file_write_atomic(to, buf, len, err);
}

int file_copy(const char *from, const char *to, struct bm_err **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (file_read(from, &buf, &len, err) < 0)
		return -1;
	return file_write_atomic(to, buf, len, err);
}

char *fs_full_reason(const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	struct statvfs sv;
	uint64_t bytes;

	while (statvfs(p, &sv) < 0) {
		char *slash = strrchr(p, '/');

		if (errno != ENOENT || !slash)
			return NULL;
		if (slash == p)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (sv.f_blocks == 0)
		return NULL;	/* no disk behind it (procfs, sysfs) */
	bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (bytes >= 1024 * 1024 && !(sv.f_files > 0 && sv.f_favail == 0))
		return NULL;
	if (sv.f_files > 0 && sv.f_favail == 0)
		return xasprintf("the file system of '%s' is full (no inode left)", path);
	return xasprintf("the file system of '%s' is full (%llu KiB free)", path,
			 (unsigned long long)(bytes / 1024));
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool path_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mkdir_p(const char *path, struct bm_err **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return bm_err_errno(err, errno, "cannot create directory '%s'", p);
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return bm_err_errno(err, errno, "cannot create directory '%s'", p);
	return 0;
}

int rm_rf_at(int dirfd, const char *name, struct bm_err **err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : bm_err_errno(err, errno, "cannot stat '%s'", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return bm_err_errno(err, errno, "cannot remove '%s'", name);
		return 0;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return bm_err_errno(err, errno, "cannot open '%s'", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return bm_err_errno(err, errno, "cannot open '%s'", name);
	}
	while (r == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = rm_rf_at(fd, de->d_name, err);
	}
	closedir(d);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return bm_err_errno(err, errno, "cannot remove '%s'", name);
	return r;
}

int rm_rf(const char *path, struct bm_err **err)
{
	return rm_rf_at(AT_FDCWD, path, err);
}

/* One entry of dir_copy_at: sname in sdir (shown as spath) to the new dname in ddir (dpath). */
static int copy_entry_at(int sdir, const char *sname, const char *spath, int ddir, const char *dname,
			 const char *dpath, bool top, struct bm_err **err)
{
	struct stat st;

	if (fstatat(sdir, sname, &st, top ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return bm_err_errno(err, errno, "cannot stat '%s'", spath);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int from = -1, to = -1;
		_cleanup_strv_ char **names = NULL;
		DIR *d;
		struct dirent *de;

		from = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
		if (from < 0)
			return bm_err_errno(err, errno, "cannot open '%s'", spath);
		if (mkdirat(ddir, dname, 0700) < 0)
			return bm_err_errno(err, errno, "cannot create directory '%s'", dpath);
		to = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (to < 0)
			return bm_err_errno(err, errno, "cannot open '%s'", dpath);
		{
			int dfd = fcntl(from, F_DUPFD_CLOEXEC, 0);

			d = dfd < 0 ? NULL : fdopendir(dfd);
			if (!d) {
				int e = errno;

				if (dfd >= 0)
					close(dfd);
				return bm_err_errno(err, e, "cannot read '%s'", spath);
			}
		}
		errno = 0;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				strv_push(&names, de->d_name);
			errno = 0;
		}
		if (errno) {
			int e = errno;

			closedir(d);
			return bm_err_errno(err, e, "cannot read '%s'", spath);
		}
		closedir(d);
		for (size_t i = 0; names && names[i]; i++) {
			_cleanup_free_ char *sp = xasprintf("%s/%s", spath, names[i]);
			_cleanup_free_ char *dp = xasprintf("%s/%s", dpath, names[i]);

			if (copy_entry_at(from, names[i], sp, to, names[i], dp, false, err) < 0)
				return -1;
		}
		if (fchmod(to, st.st_mode & 07777) < 0)
			return bm_err_errno(err, errno, "cannot chmod '%s'", dpath);
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int from = -1, to = -1;
		char buf[65536];
		ssize_t n;

		from = openat(sdir, sname, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (top ? 0 : O_NOFOLLOW));
		if (from < 0 || fstat(from, &st) < 0)
			return bm_err_errno(err, errno, "cannot open '%s'", spath);
		if (!S_ISREG(st.st_mode))
			return bm_err_set(err, BM_ERR_SYSTEM, "'%s' is not a regular file", spath);
		to = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (to < 0)
			return bm_err_errno(err, errno, "cannot create '%s'", dpath);
		while ((n = read(from, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return bm_err_errno(err, errno, "cannot read '%s'", spath);
			if (fd_write_all(to, buf, (size_t)n) < 0)
				return bm_err_errno(err, errno, "cannot write '%s'", dpath);
		}
		if (fchmod(to, st.st_mode & 07777) < 0)
			return bm_err_errno(err, errno, "cannot chmod '%s'", dpath);
	} else if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *target = xmalloc((size_t)st.st_size + 2);
		ssize_t n = readlinkat(sdir, sname, target, (size_t)st.st_size + 2);

		if (n < 0)
			return bm_err_errno(err, errno, "cannot read symlink '%s'", spath);
		if ((size_t)n > (size_t)st.st_size)
			return bm_err_set(err, BM_ERR_SYSTEM, "symlink '%s' changed while copied", spath);
		target[n] = '\0';
		if (symlinkat(target, ddir, dname) < 0)
			return bm_err_errno(err, errno, "cannot create symlink '%s'", dpath);
	} else {
		return bm_err_set(err, BM_ERR_SYSTEM, "'%s' is not a file, directory or symlink", spath);
	}
	return 0;
}

int dir_copy_at(const char *from, int dfd, const char *dir, const char *name, struct bm_err **err)
{
	_cleanup_free_ char *dpath = xasprintf("%s/%s", dir, name);

	return copy_entry_at(AT_FDCWD, from, from, dfd, name, dpath, true, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **dir_names(const char *dir, const char *suffix)
{
	char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return xcalloc(1, sizeof(char *));
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' && str_has_suffix(de->d_name, suffix) &&
		    strlen(de->d_name) > strlen(suffix))
			strv_push(&names, de->d_name);
	}
	closedir(d);
	if (!names)
		return xcalloc(1, sizeof(char *));
	for (size_t i = 0; names[i]; i++)
		names[i][strlen(names[i]) - strlen(suffix)] = '\0';
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	return names;
}

char *data_dir(void)
{
	const char *e = getenv("BOOTMATRIX_DATA");
	char exe[4096];
	ssize_t n;

	if (e && *e)
		return xstrdup(e);
	/* Run from a checkout: the data sits beside the binary. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash, *probe;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			probe = xasprintf("%s/arch/x86_64.yaml", exe);
			if (path_exists(probe)) {
				free(probe);
				return xstrdup(exe);
			}
			free(probe);
		}
	}
#ifdef BM_DATADIR
	return xstrdup(BM_DATADIR);
#else
	return xstrdup(".");
#endif
}

char *cache_dir(void)
{
	const char *e = getenv("BOOTMATRIX_CACHE");

	if (e && *e)
		return xstrdup(e);
	e = getenv("XDG_CACHE_HOME");
	if (e && *e)
		return xasprintf("%s/bootmatrix", e);
	e = getenv("HOME");
	if (!e || !*e) {
		/* never a shared directory such as /tmp: the home of the user in the password file */
		const struct passwd *pw = getpwuid(geteuid());

		e = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/nonexistent";
	}
	return xasprintf("%s/.cache/bootmatrix", e);
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *now_iso8601(void)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

void sha256_hex(const void *buf, size_t len, char ret_hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
	ret_hex[64] = '\0';
}
