/*
 * libFuzzer target: qget-serve's request parsers (http10_parse_request,
 * hq_parse_request) and the target-to-path mapping
 * (http_target_to_relpath) that must make path traversal impossible.
 *
 * The input is the bytes a client sent on a stream.  Each parser runs with
 * eof 0 and 1; every target a parser accepts goes through
 * http_target_to_relpath, and so does the raw input (up to its first NUL,
 * as a C string) with a roomy and with a tight output buffer.  Invariants
 * are checked with abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/serve/http.h"
#include "fuzz.h"


/* Does the relative path hold a ".." segment? */
static int
has_dotdot(const char *p)
{
	const char *seg = p;

	for (;;) {
		if ((*p == '/' || *p == '\0') && p - seg == 2 &&
		    seg[0] == '.' && seg[1] == '.')
			return 1;
		if (*p == '\0')
			return 0;
		if (*p++ == '/')
			seg = p;
	}
}

/* Runs http_target_to_relpath with an exactly sized heap buffer (so ASan
 * catches any write past outsz) and checks what it promises. */
static void
check_relpath(const char *target, size_t outsz)
{
	char *out = malloc(outsz ? outsz : 1);
	int rv;

	if (out == NULL)
		abort();
	rv = http_target_to_relpath(target, out, outsz);
	ASSERT(rv == 0 || rv == 400 || rv == 403);
	if (rv == 0) {
		size_t n;

		ASSERT(outsz > 0 && memchr(out, '\0', outsz) != NULL);
		n = strlen(out);
		ASSERT(n > 0);
		ASSERT(out[0] != '/');
		ASSERT(strchr(out, '\\') == NULL);
		ASSERT(!has_dotdot(out));
		ASSERT(target[0] == '/');
		/* The path is the target's tail (plus index.html for a
		 * directory): no byte appears that was not sent. */
		ASSERT(out[n - 1] != '/');
	} else if (target[0] != '/' || strchr(target, '\\') != NULL) {
		ASSERT(rv == 400);
	}
	free(out);
}

static void
check_request(int st, const struct http_request *req)
{
	size_t n, i;

	if (st != 200)
		return;
	/* A body is taken only where qget-serve has an upload to answer. */
	ASSERT(req->method == HTTP_METHOD_GET ||
	    req->method == HTTP_METHOD_HEAD ||
	    ((req->method == HTTP_METHOD_POST ||
	    req->method == HTTP_METHOD_PUT) &&
	    http_upload_kind(req->target) != HTTP_UPLOAD_NONE));
	ASSERT(memchr(req->target, '\0', sizeof(req->target)) != NULL);
	n = strlen(req->target);
	ASSERT(n > 0 && req->target[0] == '/');
	/* A target comes from a request line: no spaces, controls or '?'. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)req->target[i];

		ASSERT(c > 0x20 && c != 0x7f && c != '?');
	}
	check_relpath(req->target, HTTP_MAX_PATH + 16);
	check_relpath(req->target, n + 1);
	check_relpath(req->target, n + 11);
}

static int
same_req(const struct http_request *a, const struct http_request *b)
{
	return a->method == b->method &&
	    strcmp(a->target, b->target) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exactly sized copy: ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	char *str;
	struct http_request r0, r1;
	int s0, s1;

	if (buf == NULL)
		abort();
	if (size > 0)
		memcpy(buf, data, size);

	s0 = http10_parse_request(buf, size, 0, &r0);
	s1 = http10_parse_request(buf, size, 1, &r1);
	ASSERT(s0 == 0 || s0 == 200 || s0 == 400 || s0 == 431 || s0 == 501 ||
	    s0 == 505);
	ASSERT(s1 == 200 || s1 == 400 || s1 == 431 || s1 == 501 || s1 == 505);
	if (s0 != HTTP_PARSE_INCOMPLETE) {
		/* A decision made without EOF stands with it. */
		ASSERT(s0 == s1);
		if (s0 == 200)
			ASSERT(same_req(&r0, &r1));
	}
	check_request(s0, &r0);
	check_request(s1, &r1);

	s0 = hq_parse_request(buf, size, 0, &r0);
	s1 = hq_parse_request(buf, size, 1, &r1);
	ASSERT(s0 == 0 || s0 == 200 || s0 == 400 || s0 == 501);
	ASSERT(s1 == 200 || s1 == 400 || s1 == 501);
	if (s0 != HTTP_PARSE_INCOMPLETE) {
		ASSERT(s0 == s1);
		if (s0 == 200)
			ASSERT(same_req(&r0, &r1));
	}
	check_request(s0, &r0);
	check_request(s1, &r1);

	/* The mapping on its own, with arbitrary strings. */
	str = malloc(size + 1);
	if (str == NULL)
		abort();
	if (size > 0)
		memcpy(str, data, size);
	str[size] = '\0';
	check_relpath(str, HTTP_MAX_PATH + 16);
	check_relpath(str, strlen(str) + 1);
	check_relpath(str, size % 17);
	free(str);
	free(buf);
	return 0;
}
