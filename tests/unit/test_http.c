/* http: argument checks, the cache's file names, and what goes over the wire, against a one-shot
 * HTTP server on a loopback socket in a thread of this test (the full behaviour, TLS included,
 * is in tests/integration/http-fetch.sh and submit.sh). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "http.h"
#include "proc.h"
#include "util.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_ABC_UPPER "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"

struct fixture {
	char *dir;
	char *cache;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = xasprintf("%s/bm-http-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f->dir);
		free(f);
		return -1;
	}
	f->cache = xasprintf("%s/cache", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->dir, NULL);
	free(f->dir);
	free(f->cache);
	free(f);
	return 0;
}

/* A loopback port nobody listens on: bound, then closed. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* One request, one canned answer: the request's head is kept for the test to look at. */
struct server {
	int fd, port;
	const char *answer;
	char request[4096];
	pthread_t thread;
};

static void *serve_one(void *data)
{
	struct server *s = data;
	const char *end, *cl;
	size_t n = 0, want;
	int c = accept(s->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	/* The head, then the body (unread bytes at close would reset the connection). */
	while (n < sizeof(s->request) - 1) {
		ssize_t r;

		end = strstr(s->request, "\r\n\r\n");
		if (end) {
			cl = strcasestr(s->request, "\r\nContent-Length:");
			want = (size_t)(end + 4 - s->request) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
			if (n >= want)
				break;
		}
		r = read(c, s->request + n, sizeof(s->request) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		s->request[n] = '\0';
	}
	if (write(c, s->answer, strlen(s->answer)) < 0)
		perror("write");
	close(c);
	return NULL;
}

static void server_start(struct server *s, const char *answer)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->answer = answer;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 1), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve_one, s), 0);
}

/* An answer with the right Content-Length. Caller frees. */
static char *canned(const char *status_line, const char *extra_headers, const char *body)
{
	return xasprintf("HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status_line, extra_headers, strlen(body), body);
}

static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static void test_fetch_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct {
		const char *url, *sha256, *cache_dir, *want;
	} cases[] = {
		{ NULL, SHA_ABC, f->cache, "is not an http:// or https:// URL" },
		{ "ftp://127.0.0.1/x", SHA_ABC, f->cache, "'ftp://127.0.0.1/x' is not an http://" },
		{ "file:///etc/passwd", SHA_ABC, f->cache, "is not an http://" },
		{ "http://127.0.0.1/x", NULL, f->cache, "is not a SHA-256" },
		{ "http://127.0.0.1/x", "abc", f->cache, "'abc' is not a SHA-256" },
		{ "http://127.0.0.1/x", SHA_ABC "0", f->cache, "is not a SHA-256" },
		{ "http://127.0.0.1/x", "zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  f->cache, "is not a SHA-256" },
		{ "http://127.0.0.1/x", SHA_ABC, NULL, "no cache directory for 'http://127.0.0.1/x'" },
		{ "http://127.0.0.1/x", SHA_ABC, "", "no cache directory" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct http_fetch_opts o = { .url = cases[i].url, .sha256 = cases[i].sha256,
					     .cache_dir = cases[i].cache_dir };
		char *path = (char *)"untouched";
		struct bm_err *e = NULL;

		assert_int_equal(http_fetch(&o, &path, &e), -1);
		assert_non_null(e);
		assert_int_equal(e->code, BM_ERR_INPUT);
		if (!strstr(e->msg, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, e->msg, cases[i].want);
		assert_string_equal(path, "untouched");
		bm_err_free(e);
	}
	assert_false(path_exists(f->cache));
}

/* The cache is <cache_dir>/<lowercase sha256>: a file there answers without a request (the
 * server's port is closed, any request would fail). */
static void test_fetch_cache_hit(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *url = xasprintf("http://127.0.0.1:%d/abc", closed_port());
	_cleanup_free_ char *want = xasprintf("%s/%s", f->cache, SHA_ABC);
	struct http_fetch_opts o = { .url = url, .sha256 = SHA_ABC_UPPER, .cache_dir = f->cache,
				     .retries = HTTP_NO_RETRIES };
	_cleanup_free_ char *path = NULL;
	struct bm_err *e = NULL;

	assert_int_equal(mkdir_p(f->cache, NULL), 0);
	assert_int_equal(file_write_atomic(want, "abc", 3, NULL), 0);
	assert_int_equal(http_fetch(&o, &path, &e), 0);
	assert_null(e);
	assert_string_equal(path, want);
}

/* Refused connections are retried (with the backoff asked for), then reported with the count;
 * no empty partial file stays behind. */
static void test_fetch_refused(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *url = xasprintf("http://127.0.0.1:%d/abc", closed_port());
	_cleanup_free_ char *part = xasprintf("%s/%s.part", f->cache, SHA_ABC);
	struct http_fetch_opts o = { .url = url, .sha256 = SHA_ABC, .cache_dir = f->cache,
				     .retries = 2, .backoff = 0.05 };
	char *path = NULL;
	struct bm_err *e = NULL;
	double t0 = now_mono();

	assert_int_equal(http_fetch(&o, &path, &e), -1);
	assert_non_null(e);
	assert_int_equal(e->code, BM_ERR_INFRA);
	assert_non_null(strstr(e->msg, url));
	assert_non_null(strstr(e->msg, "(gave up after 3 attempts)"));
	/* 0.05 s, then 0.1 s */
	assert_true(now_mono() - t0 >= 0.15);
	assert_null(path);
	assert_true(path_is_dir(f->cache));
	assert_false(path_exists(part));
	bm_err_free(e);
}

/* A partial file <sha256>.part is resumed: the request asks for the rest, a 206 completes it,
 * and the verified file takes the final name. */
static void test_fetch_resumes_partial(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *part = xasprintf("%s/%s.part", f->cache, SHA_ABC);
	_cleanup_free_ char *final = xasprintf("%s/%s", f->cache, SHA_ABC);
	_cleanup_free_ char *answer = canned("206 Partial Content", "Content-Range: bytes 1-2/3\r\n",
					     "bc");
	_cleanup_free_ char *url = NULL, *path = NULL, *got = NULL;
	struct http_fetch_opts o = { .sha256 = SHA_ABC, .cache_dir = f->cache,
				     .retries = HTTP_NO_RETRIES };
	struct server s;
	struct bm_err *e = NULL;

	assert_int_equal(mkdir_p(f->cache, NULL), 0);
	assert_int_equal(file_write_atomic(part, "a", 1, NULL), 0);
	server_start(&s, answer);
	o.url = url = xasprintf("http://127.0.0.1:%d/abc", s.port);
	assert_int_equal(http_fetch(&o, &path, &e), 0);
	server_stop(&s);
	assert_null(e);
	assert_string_equal(path, final);
	assert_non_null(strstr(s.request, "GET /abc HTTP/1.1\r\n"));
	assert_non_null(strcasestr(s.request, "\r\nRange: bytes=1-\r\n"));
	assert_int_equal(file_read(final, &got, NULL, NULL), 0);
	assert_string_equal(got, "abc");
	assert_false(path_exists(part));
}

/* 4xx is final: no retry (a retry would wait 10 s first). */
static void test_fetch_404_final(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *answer = canned("404 Not Found", "", "no such file\n");
	_cleanup_free_ char *url = NULL, *want = NULL;
	struct http_fetch_opts o = { .sha256 = SHA_ABC, .cache_dir = f->cache, .backoff = 10 };
	char *path = NULL;
	struct server s;
	struct bm_err *e = NULL;
	double t0 = now_mono();

	server_start(&s, answer);
	o.url = url = xasprintf("http://127.0.0.1:%d/missing", s.port);
	assert_int_equal(http_fetch(&o, &path, &e), -1);
	server_stop(&s);
	assert_true(now_mono() - t0 < 5);
	assert_non_null(e);
	assert_int_equal(e->code, BM_ERR_INPUT);
	want = xasprintf("'%s' answered 404 Not Found", url);
	assert_string_equal(e->msg, want);
	assert_null(path);
	bm_err_free(e);
}

static void test_post_bad_arguments(void **state)
{
	struct http_post_opts o = { .url = "gopher://127.0.0.1/" };
	struct bm_err *e = NULL;
	long status = -7;

	(void)state;
	assert_int_equal(http_post_json(&o, "{}", &status, NULL, &e), -1);
	assert_int_equal(e->code, BM_ERR_INPUT);
	assert_non_null(strstr(e->msg, "'gopher://127.0.0.1/' is not an http://"));
	bm_err_freep(&e);

	o.url = "http://127.0.0.1:1/";
	assert_int_equal(http_post_json(&o, NULL, &status, NULL, &e), -1);
	assert_int_equal(e->code, BM_ERR_INPUT);
	bm_err_freep(&e);

	/* A token that would add a header is refused, and not repeated. */
	o.token = "s3cret\r\nX-Injected: 1";
	assert_int_equal(http_post_json(&o, "{}", &status, NULL, &e), -1);
	assert_int_equal(e->code, BM_ERR_INPUT);
	assert_null(strstr(e->msg, "s3cret"));
	bm_err_freep(&e);
	o.token = "";
	assert_int_equal(http_post_json(&o, "{}", &status, NULL, &e), -1);
	bm_err_freep(&e);
	assert_int_equal(status, -7);
}

/* The request: POST, JSON, the bearer token, the body; a 401 answer is final, names the status
 * and the body's first line, and never repeats the token even when the server echoes it. */
static void test_post_wire_and_401(void **state)
{
	const char *body = "{\"version\": {\"major\": 5, \"minor\": 3}}";
	_cleanup_free_ char *answer = canned("401 Unauthorized", "",
					     "\n  bad token tok-123 for you\nsecond line\n");
	_cleanup_free_ char *url = NULL, *response = NULL, *want = NULL;
	struct http_post_opts o = { .token = "tok-123", .backoff = 10 };
	struct server s;
	struct bm_err *e = NULL;
	long status = -7;
	double t0 = now_mono();

	(void)state;
	server_start(&s, answer);
	o.url = url = xasprintf("http://127.0.0.1:%d/submit", s.port);
	assert_int_equal(http_post_json(&o, body, &status, &response, &e), -1);
	server_stop(&s);
	assert_true(now_mono() - t0 < 5);
	assert_non_null(strstr(s.request, "POST /submit HTTP/1.1\r\n"));
	assert_non_null(strcasestr(s.request, "\r\nAuthorization: Bearer tok-123\r\n"));
	assert_non_null(strcasestr(s.request, "\r\nContent-Type: application/json\r\n"));
	assert_null(strcasestr(s.request, "Expect:"));
	assert_true(str_has_suffix(s.request, body));
	assert_non_null(e);
	assert_int_equal(e->code, BM_ERR_INPUT);
	want = xasprintf("'%s' answered 401 Unauthorized: bad token *** for you", url);
	assert_string_equal(e->msg, want);
	assert_int_equal(status, -7);
	assert_null(response);
	bm_err_free(e);
}

/* Scrubbing works for any token length (a short one is replaced wherever it appears). */
static void test_post_short_token(void **state)
{
	_cleanup_free_ char *answer = canned("403 Forbidden", "", "ok k kk\n");
	_cleanup_free_ char *url = NULL, *want = NULL;
	struct http_post_opts o = { .token = "k", .retries = HTTP_NO_RETRIES };
	struct server s;
	struct bm_err *e = NULL;

	(void)state;
	server_start(&s, answer);
	o.url = url = xasprintf("http://127.0.0.1:%d/", s.port);
	assert_int_equal(http_post_json(&o, "{}", NULL, NULL, &e), -1);
	server_stop(&s);
	want = xasprintf("'%s' answered 403 Forbidden: o*** *** ******", url);
	assert_string_equal(e->msg, want);
	bm_err_free(e);
}

static void test_post_ok(void **state)
{
	_cleanup_free_ char *answer = canned("202 Accepted", "", "{\"ok\": true}");
	_cleanup_free_ char *url = NULL, *response = NULL;
	struct http_post_opts o = { 0 };
	struct server s;
	struct bm_err *e = NULL;
	long status = 0;

	(void)state;
	server_start(&s, answer);
	o.url = url = xasprintf("http://127.0.0.1:%d/hook", s.port);
	assert_int_equal(http_post_json(&o, "{\"a\": 1}", &status, &response, &e), 0);
	server_stop(&s);
	assert_null(e);
	assert_int_equal(status, 202);
	assert_string_equal(response, "{\"ok\": true}");
	assert_non_null(strstr(s.request, "POST /hook HTTP/1.1\r\n"));
	assert_true(str_has_suffix(s.request, "\r\n\r\n{\"a\": 1}"));
	assert_null(strcasestr(s.request, "Authorization:"));
}

static void header(struct http_response *r, const char *line)
{
	http_response_header(r, line, strlen(line));
}

static void test_response_header(void **state)
{
	struct http_response r;
	static const char raw[] = "HTTP/1.1 404 Not\x1b[31m\0Found\r\n";

	(void)state;
	http_response_init(&r);
	header(&r, "HTTP/1.1 206 Partial Content\r\n");
	assert_string_equal(r.reason, "Partial Content");
	assert_int_equal(r.range_start, -1);
	header(&r, "content-range:  bytes 100-199/200\r\n");
	assert_int_equal(r.range_start, 100);
	header(&r, "Content-Range: bytes 5-9/*");
	assert_int_equal(r.range_start, 5);
	/* a new status line (a redirect) starts over */
	header(&r, "HTTP/2 200\r\n");
	assert_string_equal(r.reason, "");
	assert_int_equal(r.range_start, -1);
	/* malformed ranges say nothing */
	static const char *const bad[] = {
		"Content-Range: bytes -5-9/10", "Content-Range: bytes 9-5/10",
		"Content-Range: bytes 5-9", "Content-Range: bytes5-9/10", "Content-Range: items 0-1/2",
		"Content-Range: bytes 99999999999999999999-99999999999999999999/*",
		"Content-Range: bytes +1-2/3", "Content-Range: bytes 1 -2/3", "Content-Range:",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		http_response_init(&r);
		header(&r, bad[i]);
		assert_int_equal(r.range_start, -1);
	}
	/* controls, NUL bytes and long reasons: printable, bounded */
	http_response_header(&r, raw, sizeof(raw) - 1);
	assert_string_equal(r.reason, "Not?[31m?Found");
	_cleanup_free_ char *lng = xasprintf("HTTP/1.1 500 %0300d", 7);
	header(&r, lng);
	assert_int_equal(strlen(r.reason), sizeof(r.reason) - 1);
	http_response_header(&r, "", 0);
	http_response_header(&r, "HTTP/", 5);
	assert_string_equal(r.reason, "");
}

static void *interrupt_soon(void *data)
{
	(void)data;
	usleep(300 * 1000);
	proc_interrupt();
	return NULL;
}

/* Ctrl-C during a transfer that makes no progress (a server that never answers): the call
 * returns "interrupted" within about a second, long before its 60 s timeout, and tries no
 * more. Last: proc_interrupt() cannot be undone in this process. */
static void test_fetch_interrupted(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	_cleanup_free_ char *url = NULL;
	struct bm_err *e = NULL;
	char *path = NULL;
	pthread_t t;
	double t0;

	/* listening, never accepting: the kernel completes the connection, nobody answers */
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	url = xasprintf("http://127.0.0.1:%d/abc", ntohs(a.sin_port));
	struct http_fetch_opts o = { .url = url, .sha256 = SHA_ABC, .cache_dir = f->cache };

	assert_int_equal(pthread_create(&t, NULL, interrupt_soon, NULL), 0);
	t0 = now_mono();
	assert_int_equal(http_fetch(&o, &path, &e), -1);
	assert_true(now_mono() - t0 < 5);
	assert_non_null(e);
	assert_non_null(strstr(e->msg, "interrupted"));
	assert_null(strstr(e->msg, "attempts"));
	bm_err_free(e);
	pthread_join(t, NULL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetch_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_cache_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_resumes_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_404_final, setup, teardown),
		cmocka_unit_test(test_post_bad_arguments),
		cmocka_unit_test(test_post_wire_and_401),
		cmocka_unit_test(test_post_short_token),
		cmocka_unit_test(test_post_ok),
		cmocka_unit_test(test_response_header),
		/* last: it interrupts the process for good */
		cmocka_unit_test_setup_teardown(test_fetch_interrupted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
