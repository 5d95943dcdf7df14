/* HTTP(S) with libcurl (http.c is the only module that includes curl/curl.h): downloads into a
 * cache keyed by SHA-256, and JSON submissions (KCIDB, webhooks).
 *
 * TLS peer and host verification is always on: ca_file NULL means the system's CAs, otherwise
 * the PEM bundle named (for a private CA). Proxies come from the usual environment variables
 * (https_proxy, no_proxy, ...). Redirects are followed for downloads (http and https only), not
 * for submissions (the token is not sent anywhere else).
 *
 * Retries: an attempt that fails with HTTP 5xx or a transport error (refused, reset, timed out,
 * cut short) is repeated up to `retries` times, after 1 s, 2 s, 4 s... (base `backoff`, doubled
 * each time, at most `backoff_max`). HTTP 4xx, other non-2xx answers and TLS verification
 * failures are final at once. Error classes: 4xx (and a checksum mismatch) BM_ERR_INPUT, the
 * server or the network failing BM_ERR_INFRA, local files BM_ERR_SYSTEM.
 *
 * Interruptible: once proc_interrupt() is called (Ctrl-C), a transfer, a wait between attempts or
 * a wait for another process's download of the same file ends within about a second with
 * BM_ERR_SYSTEM "...: interrupted"; a partial download stays for the next call to resume.
 *
 * Thread-safe: every call has its own handle and never uses signals. Never prints. */
#ifndef BM_HTTP_H
#define BM_HTTP_H

struct bm_err;

/* Passed as retries: one attempt only. */
#define HTTP_NO_RETRIES (-1)

struct http_fetch_opts {
	const char *url;	/* http:// or https:// */
	const char *sha256;	/* required: the file's SHA-256, 64 hex digits (any case) */
	const char *cache_dir;	/* required: created when missing */
	const char *ca_file;	/* NULL: the system's CAs */
	int retries;		/* 0: 4; HTTP_NO_RETRIES: none */
	double backoff;		/* seconds before the first retry; 0: 1 s */
	double backoff_max;	/* the longest wait between attempts; 0: 30 s */
	long timeout;		/* seconds without a byte received (or to connect) before an attempt
				 * fails; 0: 60 s. No limit on a transfer that makes progress. */
	/* Called at most 4 times a second while bytes arrive and once at the end (total 0 while
	 * unknown); done counts bytes of a resumed partial file too. May be NULL. */
	void (*progress)(double done, double total, void *data);
	void *progress_data;
};

/* Make the file available as <cache_dir>/<sha256> (lowercase hex) and put that path in
 * *ret_path (caller frees).
 *
 * A file already there is a cache hit: no request is made (files only get there after their
 * checksum matched). Otherwise the body goes to <cache_dir>/<sha256>.part, which survives an
 * interrupted transfer and a crash: the next attempt (or the next call) asks for the rest with a
 * Range request, and starts over when the server ignores Range (200) or refuses it (416), or
 * when the file resumed this way does not match. The checksum is verified before the file is
 * renamed into place; a mismatch is BM_ERR_INPUT "checksum mismatch for 'URL': expected X, got
 * Y" and the bad file is removed. Concurrent calls for the same file (threads or processes)
 * wait for each other instead of writing the same partial file. */
int http_fetch(const struct http_fetch_opts *o, char **ret_path, struct bm_err **err);

struct http_post_opts {
	const char *url;
	const char *token;	/* NULL: none; else "Authorization: Bearer TOKEN". Never appears in
				 * an error message, even when the server echoes it. */
	const char *ca_file;	/* NULL: the system's CAs */
	int retries;		/* as for http_fetch */
	double backoff, backoff_max;
	long timeout;		/* seconds for a whole attempt; 0: 60 s */
};

/* POST body (JSON, Content-Type: application/json) to o->url. A 2xx answer: 0, the status in
 * *ret_status and the response body (NUL-terminated, at most 1 MiB kept) in *ret_response
 * (caller frees); either may be NULL. Any other answer, after the retries for 5xx: -1 with
 * "'URL' answered 401 Unauthorized: <the first line of the response body>". */
int http_post_json(const struct http_post_opts *o, const char *body, long *ret_status,
		   char **ret_response, struct bm_err **err);

struct http_get_opts {
	const char *url;	/* http:// or https:// */
	const char *ca_file;	/* NULL: the system's CAs */
	int retries;		/* as for http_fetch */
	double backoff, backoff_max;
	long timeout;		/* seconds for a whole attempt; 0: 60 s */
};

/* GET a small text (a checksum file, an index; at most 1 MiB kept) into *ret_body (caller frees,
 * NUL-terminated): 0. A 404 or 410 answer: 1, nothing set (the caller decides what "not there"
 * means). Any other failure, after the retries for 5xx and transport errors: -1. Redirects are
 * followed (http and https only). */
int http_get_text(const struct http_get_opts *o, char **ret_body, struct bm_err **err);
/* What the headers of a response said; a status line ("HTTP/1.1 206 Partial Content") starts
 * it over (redirects, retries). */
struct http_response {
	char reason[80];	/* printable ASCII ('?' for other bytes), "" when the server gave none */
	long long range_start;	/* the first byte of a well-formed "Content-Range: bytes F-L/N"
				 * (F <= L, decimal, below 10^18), else -1 */
};

void http_response_init(struct http_response *r);
/* Take one header line as libcurl hands it over (buf[0..len), not NUL-terminated, any bytes,
 * CRLF or not) into r. Pure: exposed for the unit tests and the fuzzer. */
void http_response_header(struct http_response *r, const char *buf, size_t len);

#endif
