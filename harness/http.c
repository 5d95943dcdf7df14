/* HTTP with libcurl: cached, resumable, verified downloads and JSON submissions. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"
#include "proc.h"
#include "uri.h"
#include "util.h"

#define DEFAULT_RETRIES 4
#define DEFAULT_BACKOFF 1.0
#define DEFAULT_BACKOFF_MAX 30.0
#define DEFAULT_TIMEOUT 60L
#define RESPONSE_MAX (1024 * 1024)
#define PROGRESS_INTERVAL 0.25
#define BODY_LINE_MAX 200

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void curl_easy_cleanupp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}

static void curl_slist_freep(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

static bool slist_add(struct curl_slist **l, const char *s)
{
	struct curl_slist *n = curl_slist_append(*l, s);

	if (!n)
		return false;
	*l = n;
	return true;
}

/* Hand e over to the caller (or drop it when the caller wants none). Returns -1. */
static int err_pass(struct bm_err **err, struct bm_err *e)
{
	if (err && !*err)
		*err = e;
	else
		bm_err_free(e);
	return -1;
}

struct retry_policy {
	unsigned attempts;
	double backoff, backoff_max;
};

static struct retry_policy retry_policy(int retries, double backoff, double backoff_max)
{
	struct retry_policy p = {
		.attempts = 1 + (retries < 0 ? 0 : retries == 0 ? DEFAULT_RETRIES : (unsigned)retries),
		.backoff = backoff > 0 ? backoff : DEFAULT_BACKOFF,
		.backoff_max = backoff_max > 0 ? backoff_max : DEFAULT_BACKOFF_MAX,
	};
	return p;
}

#define INTERRUPT_POLL 0.1	/* seconds between looks at proc_interrupted() while waiting */

/* Sleep s seconds, or less when interrupted (proc_interrupt). */
static void nap(double s)
{
	double end = now_mono() + s, left;

	while (!proc_interrupted() && (left = end - now_mono()) > 0) {
		double step = left < INTERRUPT_POLL ? left : INTERRUPT_POLL;
		struct timespec ts = { .tv_sec = (time_t)step,
				       .tv_nsec = (long)((step - (double)(time_t)step) * 1e9) };

		nanosleep(&ts, NULL);
	}
}

/* The wait before attempt number `next` (2, 3, ...): backoff, doubled each time, capped. */
static void retry_wait(const struct retry_policy *p, unsigned next)
{
	double s = p->backoff;

	for (unsigned i = 2; i < next && s < p->backoff_max; i++)
		s *= 2;
	if (s > p->backoff_max)
		s = p->backoff_max;
	nap(s);
}

static int err_interrupted(struct bm_err **err, const char *what, const char *url)
{
	return bm_err_set(err, BM_ERR_SYSTEM, "%s '%s': interrupted", what, url);
}

/* libcurl's progress callback, also called about once a second while nothing moves: a non-zero
 * return aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_xfer_interrupt(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			     curl_off_t ulnow)
{
	(void)data, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return proc_interrupted();
}

static const char *reason_default(long code)
{
	static const struct {
		long code;
		const char *reason;
	} reasons[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 410, "Gone" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
		{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return "";
}

/* "404 Not Found": the server's reason phrase, else the standard one (HTTP/2 has none). */
static char *status_words(long code, const struct http_response *r)
{
	const char *reason = r->reason[0] ? r->reason : reason_default(code);

	return *reason ? xasprintf("%ld %s", code, reason) : xasprintf("%ld", code);
}

void http_response_init(struct http_response *r)
{
	r->reason[0] = '\0';
	r->range_start = -1;
}

/* A byte position: decimal digits only, at most 18 of them (no sign, no overflow). */
static long long parse_position(const char *p, const char **ret_end)
{
	long long v = 0;
	size_t n = 0;

	for (; *p >= '0' && *p <= '9'; p++, n++) {
		if (n == 18)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*ret_end = p;
	return n ? v : -1;
}

void http_response_header(struct http_response *r, const char *buf, size_t len)
{
	_cleanup_free_ char *line = xmalloc(len + 1);
	const char *p;

	/* a NUL byte is a control like the others, not the end */
	for (size_t i = 0; i < len; i++)
		line[i] = buf[i] ? buf[i] : '\x01';
	line[len] = '\0';
	str_strip(line);
	if (str_has_prefix(line, "HTTP/")) {
		size_t k = 0;

		http_response_init(r);
		/* "HTTP/1.1 200 OK": the words after the code */
		p = strchr(line, ' ');
		if (p)
			p = strchr(p + 1, ' ');
		for (p = p ? p + 1 : NULL; p && *p && k < sizeof(r->reason) - 1; p++)
			r->reason[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
		r->reason[k] = '\0';
	} else if (strncasecmp(line, "Content-Range:", 14) == 0) {
		const char *end;
		long long first, last;

		/* "bytes FIRST-LAST/SIZE", SIZE maybe unknown; anything else says nothing */
		p = line + 14;
		p += strspn(p, " \t");
		if (strncasecmp(p, "bytes", 5) != 0 || (p[5] != ' ' && p[5] != '\t'))
			return;
		p += 5 + strspn(p + 5, " \t");
		first = parse_position(p, &end);
		if (first < 0 || *end != '-')
			return;
		last = parse_position(end + 1, &end);
		if (last < first || *end != '/')
			return;
		r->range_start = first;
	}
}

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
	http_response_header(data, buf, size * n);
	return size * n;
}

/* A handle with what every request shares. */
static int http_handle(const char *url, const char *ca_file, long connect_timeout,
		       char *errbuf, struct http_response *resp, CURL **ret, struct bm_err **err)
{
	CURL *c;
	CURLcode rc = CURLE_OK;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot initialize libcurl: %s",
				  curl_easy_strerror(curl_init_rc));
	c = curl_easy_init();
	if (!c)
		return bm_err_set(err, BM_ERR_SYSTEM, "%s", "cannot initialize libcurl");
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_USERAGENT, "bootmatrix");
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file)
		SET(CURLOPT_CAINFO, ca_file);
	SET(CURLOPT_CONNECTTIMEOUT, connect_timeout);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, resp);
	/* Ctrl-C ends a transfer within a second, even one that is stuck */
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_xfer_interrupt);
	SET(CURLOPT_XFERINFODATA, NULL);
#undef SET
	if (rc != CURLE_OK) {
		curl_easy_cleanup(c);
		return bm_err_set(err, BM_ERR_SYSTEM, "cannot set up libcurl: %s", curl_easy_strerror(rc));
	}
	*ret = c;
	return 0;
}

/* Failures that another attempt would only repeat. */
static bool curl_error_final(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
		return true;
	default:
		return false;
	}
}

static const char *curl_message(CURLcode rc, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

/* An http:// or https:// URL with a host (uri.h parses; libcurl's own parser would accept more). */
static bool url_ok(const char *url)
{
	struct uri u;
	bool ok;

	if (!url || uri_parse(url, &u, NULL) < 0)
		return false;
	ok = (!strcasecmp(u.scheme, "http") || !strcasecmp(u.scheme, "https")) && u.host;
	uri_release(&u);
	return ok;
}

static int bad_url(const char *url, struct bm_err **err)
{
	return bm_err_set(err, BM_ERR_INPUT, "'%s' is not an http:// or https:// URL", url ? url : "");
}

static char *attempts_note(unsigned n)
{
	return n > 1 ? xasprintf(" (gave up after %u attempts)", n) : xstrdup("");
}

/* Downloads. */

struct fetch {
	CURL *curl;
	int fd;
	const char *part;
	long long offset;	/* bytes in the partial file when the attempt started */
	bool started;		/* the attempt's first body bytes came */
	bool append;		/* 206 from offset: the body continues the partial file */
	bool writing;		/* a 2xx body: it goes to the file */
	bool bad_range;		/* 206 for a range not asked for */
	int write_errno;
	struct http_response resp;
	double last_progress;
	const struct http_fetch_opts *o;
};


static size_t on_fetch_data(char *buf, size_t size, size_t n, void *data)
{
	struct fetch *f = data;
	size_t len = size * n;

	if (!f->started) {
		long code = 0;

		f->started = true;
		curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code == 206) {
			if (f->resp.range_start != f->offset) {
				f->bad_range = true;
				return 0;
			}
			f->append = true;
			f->writing = true;
			if (lseek(f->fd, (off_t)f->offset, SEEK_SET) < 0) {
				f->write_errno = errno;
				return 0;
			}
		} else if (code >= 200 && code < 300) {
			/* The whole file (the server ignored Range): start over. */
			f->writing = true;
			if (ftruncate(f->fd, 0) < 0 || lseek(f->fd, 0, SEEK_SET) < 0) {
				f->write_errno = errno;
				return 0;
			}
		}
	}
	if (!f->writing)
		return len;
	if (fd_write_all(f->fd, buf, len) < 0) {
		f->write_errno = errno;
		return 0;
	}
	return len;
}

static int on_fetch_progress(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			     curl_off_t ulnow)
{
	struct fetch *f = data;
	double now = now_mono(), base = f->append ? (double)f->offset : 0;

	(void)ultotal;
	(void)ulnow;
	if (proc_interrupted())
		return 1;
	if (!f->o->progress || !f->writing || now - f->last_progress < PROGRESS_INTERVAL)
		return 0;
	f->last_progress = now;
	f->o->progress(base + (double)dlnow, dltotal > 0 ? base + (double)dltotal : 0,
		       f->o->progress_data);
	return 0;
}

/* SHA-256 of the file open as fd (mapped, so a large file is not copied). */
static int fd_sha256(int fd, const char *path, char hex[65], struct bm_err **err)
{
	struct stat st;
	void *map;

	if (fstat(fd, &st) < 0)
		return bm_err_errno(err, errno, "cannot stat '%s'", path);
	if (st.st_size == 0) {
		sha256_hex("", 0, hex);
		return 0;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return bm_err_errno(err, errno, "cannot read '%s'", path);
	sha256_hex(map, (size_t)st.st_size, hex);
	munmap(map, (size_t)st.st_size);
	return 0;
}

/* Open and lock the partial file. When another process renamed or removed the file we waited
 * for, the lock is on a name no longer there: open the name again. */
static int part_open_locked(const char *part, int *ret_fd, struct bm_err **err)
{
	for (;;) {
		struct stat a, b;
		int fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return bm_err_errno(err, errno, "cannot open '%s'", part);
		/* Another download of the same file may take long: wait, but not past a Ctrl-C. */
		if (fd_lock_wait(fd, proc_interrupted) < 0) {
			int e = errno;

			close(fd);
			if (e == EINTR)
				return bm_err_set(err, BM_ERR_SYSTEM, "waiting for '%s': interrupted",
						  part);
			return bm_err_errno(err, e, "cannot lock '%s'", part);
		}
		if (fstat(fd, &a) == 0 && stat(part, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
}

static int part_reset(struct fetch *f, struct bm_err **err)
{
	if (ftruncate(f->fd, 0) < 0)
		return bm_err_errno(err, errno, "cannot truncate '%s'", f->part);
	return 0;
}

/* Verified: make it durable, then give it its name. */
static int part_commit(struct fetch *f, const char *final, const char *cache_dir,
		       struct bm_err **err)
{
	int dfd;

	if (fsync(f->fd) < 0)
		return bm_err_errno(err, errno, "cannot write '%s'", f->part);
	if (rename(f->part, final) < 0)
		return bm_err_errno(err, errno, "cannot rename '%s'", f->part);
	dfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

enum attempt_result {
	ATTEMPT_DONE,		/* the body is complete in the partial file */
	ATTEMPT_RETRY,		/* worth another attempt; *err says why */
	ATTEMPT_RESTART,	/* start over from byte 0 at once */
	ATTEMPT_FAILED,		/* final; *err set */
};

static enum attempt_result fetch_attempt(struct fetch *f, const struct http_fetch_opts *o,
					 struct bm_err **err)
{
	_cleanup_(curl_easy_cleanupp) CURL *c = NULL;
	_cleanup_free_ char *range = NULL, *words = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout = o->timeout > 0 ? o->timeout : DEFAULT_TIMEOUT, code = 0;
	struct stat st;
	CURLcode rc = CURLE_OK;

	if (fstat(f->fd, &st) < 0) {
		bm_err_errno(err, errno, "cannot stat '%s'", f->part);
		return ATTEMPT_FAILED;
	}
	f->offset = st.st_size;
	f->started = f->append = f->writing = f->bad_range = false;
	f->write_errno = 0;
	f->last_progress = 0;
	http_response_init(&f->resp);
	if (http_handle(o->url, o->ca_file, timeout, errbuf, &f->resp, &c, err) < 0)
		return ATTEMPT_FAILED;
	f->curl = c;
	if (f->offset > 0)
		range = xasprintf("%lld-", f->offset);
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 10L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, timeout);
	SET(CURLOPT_WRITEFUNCTION, on_fetch_data);
	SET(CURLOPT_WRITEDATA, f);
	if (range)
		SET(CURLOPT_RANGE, range);
	SET(CURLOPT_XFERINFOFUNCTION, on_fetch_progress);
	SET(CURLOPT_XFERINFODATA, f);
#undef SET
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	f->curl = NULL;
	if (proc_interrupted()) {
		/* the partial file stays, for the next run to resume */
		err_interrupted(err, "downloading", o->url);
		return ATTEMPT_FAILED;
	}
	if (f->write_errno) {
		bm_err_errno(err, f->write_errno, "cannot write '%s'", f->part);
		return ATTEMPT_FAILED;
	}
	if (f->bad_range) {
		bm_err_set(err, BM_ERR_INFRA, "'%s' answered a Range request with other bytes", o->url);
		return ATTEMPT_RESTART;
	}
	if (rc != CURLE_OK) {
		bm_err_set(err, BM_ERR_INFRA, "downloading '%s': %s", o->url, curl_message(rc, errbuf));
		return curl_error_final(rc) ? ATTEMPT_FAILED : ATTEMPT_RETRY;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300) {
		/* An empty body calls no write callback: the file is still what it was. */
		if (!f->started && code != 206 && part_reset(f, err) < 0)
			return ATTEMPT_FAILED;
		return ATTEMPT_DONE;
	}
	words = status_words(code, &f->resp);
	if (code == 416 && f->offset > 0) {
		bm_err_set(err, BM_ERR_INFRA, "'%s' answered %s", o->url, words);
		return ATTEMPT_RESTART;
	}
	bm_err_set(err, code >= 400 && code < 500 ? BM_ERR_INPUT : BM_ERR_INFRA, "'%s' answered %s",
		   o->url, words);
	return code >= 500 && code < 600 ? ATTEMPT_RETRY : ATTEMPT_FAILED;
}

static bool sha256_ok(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789abcdefABCDEF", *p))
			return false;
	return true;
}

/* With the partial file locked: attempts until it holds the file with checksum want. */
static int fetch_locked(struct fetch *f, const char *want, struct bm_err **err)
{
	const struct http_fetch_opts *o = f->o;
	struct retry_policy policy = retry_policy(o->retries, o->backoff, o->backoff_max);
	bool resumed = false, restarted_range = false, restarted_mismatch = false;
	unsigned attempt = 1;
	char got[65];

	for (;;) {
		_cleanup_free_ char *note = NULL;
		struct bm_err *e = NULL;
		enum attempt_result r;

		if (proc_interrupted())
			return err_interrupted(err, "downloading", o->url);
		r = fetch_attempt(f, o, &e);

		if (f->append)
			resumed = true;
		if (r == ATTEMPT_FAILED)
			return err_pass(err, e);
		if (r == ATTEMPT_RESTART && !restarted_range) {
			/* Range refused or answered with other bytes: the partial file is of no use. */
			bm_err_free(e);
			restarted_range = true;
			resumed = false;
			if (part_reset(f, err) < 0)
				return -1;
			continue;
		}
		if (r == ATTEMPT_RETRY || r == ATTEMPT_RESTART) {
			if (attempt >= policy.attempts) {
				note = attempts_note(attempt);
				bm_err_set(err, e->code, "%s%s", e->msg, note);
				bm_err_free(e);
				return -1;
			}
			bm_err_free(e);
			if (r == ATTEMPT_RESTART && part_reset(f, err) < 0)
				return -1;
			retry_wait(&policy, ++attempt);
			continue;
		}
		bm_err_free(e);
		if (fd_sha256(f->fd, f->part, got, err) < 0)
			return -1;
		if (strcmp(got, want) == 0)
			return 0;
		if (resumed && !restarted_mismatch) {
			/* The bytes kept from before may be what is wrong (a crash, a mirror whose
			 * file changed): one more try from scratch. */
			restarted_mismatch = true;
			resumed = false;
			if (part_reset(f, err) < 0)
				return -1;
			continue;
		}
		if (part_reset(f, err) < 0)
			return -1;
		return bm_err_set(err, BM_ERR_INPUT, "checksum mismatch for '%s': expected %s, got %s",
				  o->url, want, got);
	}
}

int http_fetch(const struct http_fetch_opts *o, char **ret_path, struct bm_err **err)
{
	_cleanup_free_ char *want = NULL, *final = NULL, *part = NULL;
	_cleanup_close_ int fd = -1;
	struct fetch f = { .fd = -1, .o = o };
	struct stat st;

	if (!o || !url_ok(o->url))
		return bad_url(o ? o->url : NULL, err);
	if (!sha256_ok(o->sha256))
		return bm_err_set(err, BM_ERR_INPUT, "'%s' is not a SHA-256 (64 hex digits) for '%s'",
				  o->sha256 ? o->sha256 : "", o->url);
	if (!o->cache_dir || !*o->cache_dir)
		return bm_err_set(err, BM_ERR_INPUT, "no cache directory for '%s'", o->url);
	want = xstrdup(o->sha256);
	for (char *p = want; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	final = xasprintf("%s/%s", o->cache_dir, want);
	part = xasprintf("%s.part", final);
	if (path_exists(final))
		goto done;
	if (mkdir_p(o->cache_dir, err) < 0 || part_open_locked(part, &fd, err) < 0)
		return -1;
	f.fd = fd;
	f.part = part;
	if (path_exists(final)) {
		/* Someone else finished it while we waited for the lock. */
		unlink(part);
		goto done;
	}
	if (fetch_locked(&f, want, err) < 0) {
		/* Keep bytes worth resuming, not an empty file (ours: still linked, and locked). */
		if (fstat(fd, &st) == 0 && st.st_size == 0 && st.st_nlink > 0)
			unlink(part);
		return -1;
	}
	if (part_commit(&f, final, o->cache_dir, err) < 0)
		return -1;
	if (o->progress && fstat(fd, &st) == 0)
		o->progress((double)st.st_size, (double)st.st_size, o->progress_data);
done:
	*ret_path = final;
	final = NULL;
	return 0;
}

/* Submissions. */

struct post {
	char *buf;
	size_t len;
};

static size_t on_post_data(char *buf, size_t size, size_t n, void *data)
{
	struct post *p = data;
	size_t len = size * n, keep = len;

	if (p->len + keep > RESPONSE_MAX)
		keep = RESPONSE_MAX - p->len;
	if (keep) {
		p->buf = xrealloc(p->buf, p->len + keep + 1);
		memcpy(p->buf + p->len, buf, keep);
		p->len += keep;
		p->buf[p->len] = '\0';
	}
	return len;
}

/* The first non-blank line of a response body, printable and short, "" for none. */
static char *body_first_line(const char *body)
{
	const char *s = body ? body : "";
	size_t n;
	char *line;

	s += strspn(s, " \t\r\n");
	n = strcspn(s, "\r\n");
	if (n > BODY_LINE_MAX) {
		n = BODY_LINE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	line = xstrndup(s, n);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return str_strip(line);
}

/* Never let the token out, even when a server echoes it: each occurrence becomes "***". */
static void scrub_token(char **msg, const char *token)
{
	size_t tl = token ? strlen(token) : 0, n = 0;
	const char *p, *q;
	char *out, *o;

	if (!*msg || tl == 0)
		return;
	for (p = *msg; (q = strstr(p, token)) != NULL; p = q + tl)
		n++;
	if (n == 0)
		return;
	out = o = xmalloc(strlen(*msg) + 3 * n + 1);
	for (p = *msg; (q = strstr(p, token)) != NULL; p = q + tl) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, "***", 3);
		o += 3;
	}
	strcpy(o, p);
	free(*msg);
	*msg = out;
}

static bool token_ok(const char *token)
{
	for (const char *p = token; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return *token != '\0';
}

/* A request whose answer is a small text, with the retries: what posting and getting share. */
struct text_request {
	const char *url, *ca_file;
	const char *doing;		/* "posting to", "downloading": for transport errors */
	struct retry_policy policy;
	long timeout;
	bool absent_ok;			/* 404 and 410 are an answer (1), not an error */
	bool body_in_error;		/* an error names the first line of the answer's body */
	CURLcode (*setup)(CURL *c, const void *data);	/* the request's own options */
	const void *data;
};

/* 0: a 2xx answer, its body in *resp (status in *ret_code); 1: absent (absent_ok); -1: *e set. */
static int text_request_run(const struct text_request *q, struct post *resp, long *ret_code,
			    struct bm_err **e)
{
	if (!url_ok(q->url))
		return bad_url(q->url, e);
	for (unsigned attempt = 1;; attempt++) {
		_cleanup_(curl_easy_cleanupp) CURL *c = NULL;
		_cleanup_free_ char *words = NULL, *line = NULL, *note = NULL;
		char errbuf[CURL_ERROR_SIZE] = "";
		struct http_response rh;
		CURLcode rc = CURLE_OK;
		long code = 0;
		bool final;

		http_response_init(&rh);
		resp->len = 0;
		if (resp->buf)
			resp->buf[0] = '\0';
		if (http_handle(q->url, q->ca_file, q->timeout, errbuf, &rh, &c, e) < 0)
			return -1;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
		SET(CURLOPT_TIMEOUT, q->timeout);
		SET(CURLOPT_WRITEFUNCTION, on_post_data);
		SET(CURLOPT_WRITEDATA, resp);
#undef SET
		if (rc == CURLE_OK)
			rc = q->setup(c, q->data);
		if (rc == CURLE_OK)
			rc = curl_easy_perform(c);
		if (proc_interrupted())
			return err_interrupted(e, q->doing, q->url);
		if (rc != CURLE_OK) {
			final = curl_error_final(rc) || attempt >= q->policy.attempts;
			note = attempts_note(final && !curl_error_final(rc) ? attempt : 1);
			bm_err_set(e, BM_ERR_INFRA, "%s '%s': %s%s", q->doing, q->url,
				   curl_message(rc, errbuf), note);
		} else {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
			if (code >= 200 && code < 300) {
				*ret_code = code;
				return 0;
			}
			if (q->absent_ok && (code == 404 || code == 410))
				return 1;
			final = code < 500 || code >= 600 || attempt >= q->policy.attempts;
			words = status_words(code, &rh);
			line = q->body_in_error ? body_first_line(resp->buf) : xstrdup("");
			note = attempts_note(final && code >= 500 && code < 600 ? attempt : 1);
			bm_err_set(e, code >= 400 && code < 500 ? BM_ERR_INPUT : BM_ERR_INFRA,
				   "'%s' answered %s%s%s%s", q->url, words, *line ? ": " : "", line, note);
		}
		if (final)
			return -1;
		bm_err_free(*e);
		*e = NULL;
		retry_wait(&q->policy, attempt + 1);
	}
}

struct post_data {
	struct curl_slist *headers;
	const char *body;
};

static CURLcode post_setup(CURL *c, const void *data)
{
	const struct post_data *p = data;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_HTTPHEADER, p->headers);
	SET(CURLOPT_POSTFIELDS, p->body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(p->body));
	SET(CURLOPT_FOLLOWLOCATION, 0L);
#undef SET
	return rc;
}

int http_post_json(const struct http_post_opts *o, const char *body, long *ret_status,
		   char **ret_response, struct bm_err **err)
{
	_cleanup_(curl_slist_freep) struct curl_slist *headers = NULL;
	_cleanup_free_ char *auth = NULL;
	struct post resp = { 0 };
	struct bm_err *e = NULL;
	struct post_data pd;
	struct text_request q;
	long code = 0;
	int ret;

	if (!o || !url_ok(o->url))
		return bad_url(o ? o->url : NULL, err);
	if (!body)
		return bm_err_set(err, BM_ERR_INPUT, "nothing to send to '%s'", o->url);
	if (o->token && !token_ok(o->token))
		return bm_err_set(err, BM_ERR_INPUT, "%s",
				  "the token is empty or holds a line break or control character");
	if (o->token)
		auth = xasprintf("Authorization: Bearer %s", o->token);
	/* No "Expect: 100-continue" round trip before the body. */
	if (!slist_add(&headers, "Content-Type: application/json") ||
	    !slist_add(&headers, "Accept: application/json") || !slist_add(&headers, "Expect:") ||
	    (auth && !slist_add(&headers, auth)))
		return bm_err_set(err, BM_ERR_SYSTEM, "%s", "out of memory");
	pd = (struct post_data){ headers, body };
	q = (struct text_request){
		.url = o->url, .ca_file = o->ca_file, .doing = "posting to",
		.policy = retry_policy(o->retries, o->backoff, o->backoff_max),
		.timeout = o->timeout > 0 ? o->timeout : DEFAULT_TIMEOUT,
		.body_in_error = true, .setup = post_setup, .data = &pd,
	};
	ret = text_request_run(&q, &resp, &code, &e);
	if (auth)
		explicit_bzero(auth, strlen(auth));
	if (ret < 0) {
		free(resp.buf);
		scrub_token(&e->msg, o->token);
		return err_pass(err, e);
	}
	if (ret_status)
		*ret_status = code;
	if (ret_response)
		*ret_response = resp.buf ? resp.buf : xstrdup("");
	else
		free(resp.buf);
	return 0;
}

static CURLcode get_setup(CURL *c, const void *data)
{
	(void)data;
	return curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
}

int http_get_text(const struct http_get_opts *o, char **ret_body, struct bm_err **err)
{
	struct post resp = { 0 };
	struct bm_err *e = NULL;
	struct text_request q;
	long code = 0;
	int ret;

	if (!o)
		return bm_err_set(err, BM_ERR_INPUT, "%s", "no URL");
	q = (struct text_request){
		.url = o->url, .ca_file = o->ca_file, .doing = "downloading",
		.policy = retry_policy(o->retries, o->backoff, o->backoff_max),
		.timeout = o->timeout > 0 ? o->timeout : DEFAULT_TIMEOUT,
		.absent_ok = true, .setup = get_setup,
	};
	ret = text_request_run(&q, &resp, &code, &e);
	if (ret < 0) {
		free(resp.buf);
		return err_pass(err, e);
	}
	if (ret == 0)
		*ret_body = resp.buf ? resp.buf : xstrdup("");
	else
		free(resp.buf);
	return ret;
}
