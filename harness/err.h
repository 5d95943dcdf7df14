/* Error objects: set once where the failure happens, add context on the way up, print once. */
#ifndef BM_ERR_H
#define BM_ERR_H

/* Error classes; the command layer maps them to exit codes. */
enum bm_err_code {
	BM_ERR_INPUT = 1,	/* bad plan, unknown arch, missing tree: the user's to fix */
	BM_ERR_SYSTEM,		/* I/O, out of memory, a tool missing on the host */
	BM_ERR_INFRA,		/* libvirt, debootstrap, apt: infrastructure failed */
};

struct bm_err {
	int code;
	char *msg;
};

/* Set *err (if err is non-NULL and *err is NULL) and return -1. */
int bm_err_set(struct bm_err **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errnum)". */
int bm_err_errno(struct bm_err **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the message: "context: old message". Returns -1. */
int bm_err_prefix(struct bm_err **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bm_err_free(struct bm_err *err);
void bm_err_freep(struct bm_err **err);

#endif
