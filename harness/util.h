/* Small helpers shared by every module: cleanup attributes, allocation that aborts on OOM,
 * files, paths. */
#ifndef BM_UTIL_H
#define BM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

struct bm_err;

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_ _cleanup_(strv_freep)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void freep(void *p);		/* free(*(void **)p) */
void fclosep(FILE **f);
void closep(int *fd);		/* close if >= 0 */

/* Allocation failures abort: there is nothing sensible left to do. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);	/* NULL stays NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* NULL-terminated string vectors (argv, lists). */
size_t strv_length(char *const *v);
void strv_push(char ***v, const char *s);		/* copies s */
void strv_pushf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_push_all(char ***v, char *const *add);	/* copies each */
bool strv_contains(char *const *v, const char *s);
char *strv_join(char *const *v, const char *sep);	/* caller frees */
void strv_free(char **v);
void strv_freep(char ***v);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
char *str_strip(char *s);		/* in place, returns s */

/* A string that grows as it is added to, NUL-terminated once anything was added. Starts
 * zeroed ({ 0 }); strbuf_take hands the string over. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void strbuf_add_len(struct strbuf *b, const char *s, size_t n);
void strbuf_add(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_add_repeat(struct strbuf *b, char c, size_t n);	/* n times c */
char *strbuf_take(struct strbuf *b);	/* the string (caller frees, never NULL); b is empty again */
void strbuf_reset(struct strbuf *b);	/* empty again, keeping its memory for reuse */

/* A set of strings: open addressing, FNV-1a, grown at half full. Starts zeroed ({ 0 }). */
struct strset_entry {
	char *key;
	unsigned last;		/* strset_add_numbered's last number for this key */
};
struct strset {
	struct strset_entry *e;
	size_t cap, n;
};
bool strset_add(struct strset *t, char *key);	/* takes key; true when it was new (else freed) */
/* key, or else the first of key SEP "2", key SEP "3"... that t does not hold, added to t (key
 * copied): its number, 1 for key itself. The last number given for each key is kept with it, so a
 * key that comes n times costs n steps in all, not n * n / 2. */
unsigned strset_add_numbered(struct strset *t, const char *key, const char *sep);
void strset_release(struct strset *t);		/* its keys; t is empty again */

/* w as one POSIX shell word: as it is when it is made only of [A-Za-z0-9_@%+=:,./-], is not
 * empty and does not start with '=' (never an assignment), and always_quote is false; else
 * single-quoted, a quote inside written '\'' ('' for the empty word). */
void strbuf_add_shell_word(struct strbuf *b, const char *w, bool always_quote);
char *shell_quote(const char *w);	/* the same as a new string; caller frees */

/* The UTF-8 sequence at p, reading at most len bytes: its length (1 to 4; a NUL byte is U+0000,
 * length 1) with the code point in *ret_cp, or 0 if p does not start a valid sequence within
 * len bytes: a stray continuation byte, a missing one, an overlong form, a surrogate, a code
 * point above U+10FFFF, or len 0. *ret_cp is written only on success. */
size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *ret_cp);

/* Whole files. read returns a NUL-terminated buffer (length in *ret_len if non-NULL). */
int file_read(const char *path, char **ret_buf, size_t *ret_len, struct bm_err **err);
/* Write atomically: a temporary file in the same directory, fsync, rename. */
/* write(2) all of buf, retrying short writes and EINTR. -1 with errno on failure. */
int fd_write_all(int fd, const void *buf, size_t len);
/* flock(fd, LOCK_EX), waiting as long as another holder keeps it but looking at stop() (may be
 * NULL) every 0.1 s: 0 when locked, -1 with errno (EINTR when stop() said so). */
int fd_lock_wait(int fd, bool (*stop)(void));
int file_write_atomic(const char *path, const char *buf, size_t len, struct bm_err **err);
int file_copy(const char *from, const char *to, struct bm_err **err);
/* file_write_atomic into the directory open at dfd (dir names it in messages): name is created
 * as an unguessable temporary name beside it (O_EXCL, O_NOFOLLOW), then renamed over it. */
int file_write_atomic_at(int dfd, const char *dir, const char *name, const char *buf, size_t len,
			 struct bm_err **err);
/* Reading what an untrusted build left in dir (docs/security.md): rel is opened only when it is
 * a regular file inside dir reached without any symlink (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS); a symlink, a FIFO or a path leaving dir is refused (BM_ERR_SYSTEM or the
 * errno). open returns the fd (caller closes); read and copy are as file_read and file_copy. */
int file_open_beneath(const char *dir, const char *rel, struct bm_err **err);
/* The same beneath the directory open at dfd (dir names it in messages); dfd stays the caller's. */
int file_open_beneath_at(int dfd, const char *dir, const char *rel, struct bm_err **err);
/* rel as a directory inside dir reached without a symlink, opened O_DIRECTORY: the fd (caller
 * closes), else -1 saying why. */
int dir_open_beneath(const char *dir, const char *rel, struct bm_err **err);
/* 0 when rel is inside dir, reached without a symlink, and a directory (want_dir) or a regular
 * file; else -1 saying why. */
int path_check_beneath(const char *dir, const char *rel, bool want_dir, struct bm_err **err);
int file_read_beneath(const char *dir, const char *rel, char **ret_buf, size_t *ret_len,
		      struct bm_err **err);
int file_copy_beneath(const char *dir, const char *rel, const char *to, struct bm_err **err);
bool path_exists(const char *path);
/* When the file system holding path (or the nearest parent that exists) has less than 1 MiB for
 * the user or no inode left: "the file system of 'path' is full (12 KiB free)". NULL otherwise
 * (also when it cannot be asked, or it has no blocks at all: procfs). Caller frees. */
char *fs_full_reason(const char *path);
bool path_is_dir(const char *path);
int mkdir_p(const char *path, struct bm_err **err);
int rm_rf(const char *path, struct bm_err **err);
/* rm -rf of name in the directory open at dirfd (AT_FDCWD: the working directory), following
 * no symlink: a symlink is removed, never what it points to. */
int rm_rf_at(int dirfd, const char *name, struct bm_err **err);
/* cp -a of the host path from (a directory or file; from itself may be a symlink, followed)
 * into the new entry name of the directory open at dfd (dir names it in messages), which must
 * not exist: created with mkdirat/openat O_EXCL|O_NOFOLLOW relative to dfd, so nothing is
 * written through a symlink; symlinks inside from are copied as symlinks, modes kept (not
 * owners or times); a FIFO, socket or device inside from is an error. */
int dir_copy_at(const char *from, int dfd, const char *dir, const char *name, struct bm_err **err);

/* Names of the entries of dir ending in suffix, the suffix cut, sorted; never NULL. */
char **dir_names(const char *dir, const char *suffix);

/* Where arch/, configs/ and images/ are: $BOOTMATRIX_DATA, else beside the binary when run from
 * a checkout, else the installed share directory. Caller frees. */
char *data_dir(void);

/* The cache directory: $BOOTMATRIX_CACHE, else $XDG_CACHE_HOME/bootmatrix, else
 * ~/.cache/bootmatrix. Caller frees. */
char *cache_dir(void);

/* Monotonic seconds, for durations and deadlines. */
double now_mono(void);
/* UTC wall clock as "YYYY-MM-DDTHH:MM:SSZ"; caller frees. */
char *now_iso8601(void);

/* SHA-256 of a buffer as 64 lowercase hex characters plus NUL. */
void sha256_hex(const void *buf, size_t len, char ret_hex[65]);

#endif
