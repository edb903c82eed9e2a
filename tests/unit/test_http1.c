/* Request building and the response head parser, fed whole and byte by
 * byte. */
#include <stdlib.h>
#include <string.h>

#include "../../src/tool/http1.h"
#include "check.h"

struct result {
	qget_status rv;
	int decided, simple, status, has_length;
	uint64_t length;
	size_t head_len;
	unsigned char body[256];
	size_t body_len;
};

/* Feeds `in` in chunks of `step` bytes (0: all at once), collecting the
 * body as the tool would. */
static void
run(const char *in, size_t len, size_t step, struct result *res)
{
	struct http1_resp *r = malloc(sizeof(*r));
	char msg[256];
	size_t off = 0, used, n;

	memset(res, 0, sizeof(*res));
	http1_resp_init(r);
	while (off < len) {
		n = step == 0 || step > len - off ? len - off : step;
		int was = r->decided;
		res->rv = http1_feed(r, (const unsigned char *)in + off, n,
		    &used, msg, sizeof(msg));
		if (res->rv != QGET_OK)
			goto out;
		if (!was && r->decided && r->simple) {
			memcpy(res->body + res->body_len, r->head, r->head_len);
			res->body_len += r->head_len;
		}
		memcpy(res->body + res->body_len, in + off + used, n - used);
		if (r->decided)
			res->body_len += n - used;
		off += n;
	}
	if (!r->decided) {
		res->rv = http1_finish(r, msg, sizeof(msg));
		if (res->rv == QGET_OK && r->simple) {
			memcpy(res->body, r->head, r->head_len);
			res->body_len = r->head_len;
		}
	}
out:
	res->decided = r->decided;
	res->simple = r->simple;
	res->status = r->status;
	res->has_length = r->has_length;
	res->length = r->content_length;
	res->head_len = r->head_len;
	free(r);
}

/* Checks that whole and byte-by-byte feeding agree. */
static void
both(const char *name, const char *in, struct result *res)
{
	struct result bytewise;
	char label[160];

	run(in, strlen(in), 0, res);
	run(in, strlen(in), 1, &bytewise);
	snprintf(label, sizeof(label), "%s (byte by byte agrees)", name);
	CHECK(label, bytewise.rv == res->rv && bytewise.simple == res->simple &&
	    bytewise.status == res->status &&
	    bytewise.body_len == res->body_len &&
	    memcmp(bytewise.body, res->body, res->body_len) == 0);
}

int
main(void)
{
	struct result r;
	char buf[256];
	size_t n;

	n = http1_build_request(buf, sizeof(buf), "http/1.0", "example.org",
	    "/x", "GET", NULL, 0);
	CHECK("request: http/1.0 is the seed's request", n > 0 &&
	    strcmp(buf, "GET /x HTTP/1.0\r\nConnection: close\r\n"
	    "Host: example.org\r\n\r\n") == 0);
	n = http1_build_request(buf, sizeof(buf), "http/1.0", "::1", "/",
	    "GET", NULL, 0);
	CHECK("request: IPv6 Host is bracketed", n > 0 &&
	    strstr(buf, "Host: [::1]\r\n") != NULL);
	n = http1_build_request(buf, sizeof(buf), "hq-interop", "h", "/f",
	    "GET", NULL, 0);
	CHECK("request: hq-interop is HTTP/0.9", n == 8 &&
	    strcmp(buf, "GET /f\r\n") == 0);
	CHECK("request: too small a buffer",
	    http1_build_request(buf, 10, "http/1.0", "h", "/", "GET", NULL,
	    0) == 0);
	{
		const char *hdrs[] = { "X-A: 1", "Accept: */*" };

		n = http1_build_request(buf, sizeof(buf), "http/1.0", "h",
		    "/y", "HEAD", hdrs, 2);
		CHECK("request: HEAD with -H headers, in order, then CRLF",
		    n == strlen(buf) && strcmp(buf, "HEAD /y HTTP/1.0\r\n"
		    "Connection: close\r\nHost: h\r\nX-A: 1\r\n"
		    "Accept: */*\r\n\r\n") == 0);
		/* Exactly as long as needed, then one byte short. */
		CHECK("request: the final CRLF must fit",
		    http1_build_request(buf, n + 1, "http/1.0", "h", "/y",
		    "HEAD", hdrs, 2) == n &&
		    http1_build_request(buf, n, "http/1.0", "h", "/y",
		    "HEAD", hdrs, 2) == 0);
	}

	both("head: ok", "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", &r);
	CHECK("head: status 200, length 5, body",
	    r.rv == QGET_OK && !r.simple && r.status == 200 && r.has_length &&
	    r.length == 5 && r.body_len == 5 &&
	    memcmp(r.body, "hello", 5) == 0);
	both("head: LF only", "HTTP/1.1 404 Not Found\nContent-length:  3 \n\nabc",
	    &r);
	CHECK("head: bare LF lines, case-insensitive name, OWS trimmed",
	    r.rv == QGET_OK && r.status == 404 && r.length == 3 &&
	    r.body_len == 3);
	both("head: no reason", "HTTP/1.0 204\r\n\r\n", &r);
	CHECK("head: status line without reason", r.rv == QGET_OK &&
	    r.status == 204 && !r.has_length && r.body_len == 0);
	both("simple: echo", "GET / HTTP/1.0\r\n\r\n", &r);
	CHECK("simple: a response without status line is all body",
	    r.rv == QGET_OK && r.simple && r.body_len == 18 &&
	    memcmp(r.body, "GET / HTTP/1.0\r\n\r\n", 18) == 0);
	both("simple: short", "HTT", &r);
	CHECK("simple: 3 bytes that start like HTTP/ are body",
	    r.rv == QGET_OK && r.simple && r.body_len == 3);
	run("", 0, 0, &r);
	CHECK("simple: empty response", r.rv == QGET_OK && r.simple &&
	    r.body_len == 0);
	both("simple: NUL first", "\0HTTP", &r);
	both("head: duplicate equal lengths",
	    "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
	    &r);
	CHECK("head: duplicate equal lengths accepted", r.rv == QGET_OK &&
	    r.length == 2);

	static const struct {
		const char *name, *in;
		qget_status want;
	} bad[] = {
		{ "conflicting lengths", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n"
		    "Content-Length: 3\r\n\r\n", QGET_E_PROTOCOL },
		{ "negative length", "HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "plus sign", "HTTP/1.0 200 OK\r\nContent-Length: +1\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "list length", "HTTP/1.0 200 OK\r\nContent-Length: 1, 1\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "empty length", "HTTP/1.0 200 OK\r\nContent-Length:\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "overflowing length", "HTTP/1.0 200 OK\r\nContent-Length: "
		    "99999999999999999999999\r\n\r\n", QGET_E_PROTOCOL },
		{ "2^64 length", "HTTP/1.0 200 OK\r\nContent-Length: "
		    "18446744073709551616\r\n\r\n", QGET_E_PROTOCOL },
		{ "bad version", "HTTP/2.0 200 OK\r\n\r\n", QGET_E_PROTOCOL },
		{ "bad status", "HTTP/1.0 2x0 OK\r\n\r\n", QGET_E_PROTOCOL },
		{ "status 099", "HTTP/1.0 099 OK\r\n\r\n", QGET_E_PROTOCOL },
		{ "status glued", "HTTP/1.0 2000\r\n\r\n", QGET_E_PROTOCOL },
		{ "header without colon", "HTTP/1.0 200 OK\r\nBogus\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "space before colon", "HTTP/1.0 200 OK\r\nContent-Length : 1\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "folded header", "HTTP/1.0 200 OK\r\nA: b\r\n c\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "head cut by FIN", "HTTP/1.0 200 OK\r\nContent-", QGET_E_TRUNCATED },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char label[128];

		both(bad[i].name, bad[i].in, &r);
		snprintf(label, sizeof(label), "head: %s refused", bad[i].name);
		CHECK(label, r.rv == bad[i].want);
	}

	{
		/* A head that never ends is cut off at 64 KiB. */
		size_t len = HTTP1_HEAD_MAX + 100;
		char *big = malloc(len + 1);

		memcpy(big, "HTTP/1.0 200 OK\r\nX: ", 20);
		memset(big + 20, 'a', len - 20);
		big[len] = '\0';
		run(big, len, 0, &r);
		CHECK("head: longer than 64 KiB refused", r.rv == QGET_E_PROTOCOL);
		run(big, len, 4096, &r);
		CHECK("head: longer than 64 KiB refused in chunks",
		    r.rv == QGET_E_PROTOCOL);
		free(big);
	}
	{
		/* NUL inside a header value. */
		static const char in[] = "HTTP/1.0 200 OK\r\nA: x\0y\r\n\r\n";

		run(in, sizeof(in) - 1, 0, &r);
		CHECK("head: NUL in a header refused", r.rv == QGET_E_PROTOCOL);
	}
	return CHECK_DONE();
}
