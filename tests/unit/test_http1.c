/* Request building and the response head parser, fed whole and byte by
 * byte. */
#include <stdlib.h>
#include <string.h>

#include "../../src/lib/http1.h"
#include "check.h"

struct result {
	qget_status rv;
	int decided, simple, status, has_length, chunked, no_body;
	uint64_t length;
	size_t head_len;
	unsigned char body[4096];
	size_t body_len;
	char msg[256];
};

/* Hands body bytes to http1_body as fetch.c's emit_body does, collecting
 * the payload. */
static qget_status
take_body(struct http1_resp *r, const unsigned char *p, size_t n,
    struct result *res)
{
	const unsigned char *data;
	size_t used, len;
	qget_status rv = QGET_OK;

	while (n > 0) {
		if ((rv = qget__http1_body(r, p, n, &used, &data, &len, res->msg,
		    sizeof(res->msg))) != QGET_OK)
			break;
		if (used == 0 || used > n || len > used ||
		    res->body_len + len > sizeof(res->body)) {
			rv = QGET_E_FAILURE; /* the API's promises broken */
			break;
		}
		memcpy(res->body + res->body_len, data, len);
		res->body_len += len;
		p += used;
		n -= used;
	}
	return rv;
}

/* Feeds `in` in chunks of `step` bytes (0: all at once), collecting the
 * body as the tool would, then ends it (FIN). */
static void
run_req(const char *in, size_t len, size_t step, int head_request,
    struct result *res)
{
	struct http1_resp *r = malloc(sizeof(*r));
	size_t off = 0, used, n;

	memset(res, 0, sizeof(*res));
	qget__http1_resp_init(r, head_request);
	while (off < len) {
		n = step == 0 || step > len - off ? len - off : step;
		int was = r->decided;

		used = 0;
		if (!was && (res->rv = qget__http1_feed(r,
		    (const unsigned char *)in + off, n, &used, res->msg,
		    sizeof(res->msg))) != QGET_OK)
			goto out;
		if (!was && r->decided && r->simple &&
		    (res->rv = take_body(r, r->head, r->head_len, res)) !=
		    QGET_OK)
			goto out;
		if (r->decided && (res->rv = take_body(r,
		    (const unsigned char *)in + off + used, n - used, res)) !=
		    QGET_OK)
			goto out;
		off += n;
	}
	if (!r->decided) {
		if ((res->rv = qget__http1_finish(r, res->msg, sizeof(res->msg))) !=
		    QGET_OK)
			goto out;
		if ((res->rv = take_body(r, r->head, r->head_len, res)) !=
		    QGET_OK)
			goto out;
	}
	res->rv = qget__http1_body_end(r, res->msg, sizeof(res->msg));
out:
	res->decided = r->decided;
	res->simple = r->simple;
	res->status = r->status;
	res->has_length = r->has_length;
	res->length = r->content_length;
	res->chunked = r->chunked;
	res->no_body = r->no_body;
	res->head_len = r->head_len;
	free(r);
}

static void
run(const char *in, size_t len, size_t step, struct result *res)
{
	run_req(in, len, step, 0, res);
}

/* Checks that whole, byte-by-byte and 7-byte feeding agree. */
static void
both_len(const char *name, const char *in, size_t len, int head_request,
    struct result *res)
{
	struct result *other = malloc(sizeof(*other));
	char label[160];

	run_req(in, len, 0, head_request, res);
	for (size_t step = 1; step <= 7; step += 6) {
		run_req(in, len, step, head_request, other);
		snprintf(label, sizeof(label), "%s (%zu by %zu agrees)", name,
		    step, step);
		/* After a failure the output is discarded: how much of the
		 * body came before it depends on the chunking. */
		CHECK(label, other->rv == res->rv &&
		    other->simple == res->simple &&
		    other->status == res->status && (res->rv != QGET_OK ||
		    (other->body_len == res->body_len &&
		    memcmp(other->body, res->body, res->body_len) == 0)));
	}
	free(other);
}

static void
both(const char *name, const char *in, struct result *res)
{
	both_len(name, in, strlen(in), 0, res);
}

int
main(void)
{
	struct result r;
	char buf[256];
	size_t n;

	n = qget__http1_build_request(buf, sizeof(buf), "http/1.0", "example.org",
	    "/x", "GET", NULL, 0);
	CHECK("request: http/1.0 is the seed's request", n > 0 &&
	    strcmp(buf, "GET /x HTTP/1.0\r\nConnection: close\r\n"
	    "Host: example.org\r\n\r\n") == 0);
	n = qget__http1_build_request(buf, sizeof(buf), "http/1.0", "::1", "/",
	    "GET", NULL, 0);
	CHECK("request: IPv6 Host is bracketed", n > 0 &&
	    strstr(buf, "Host: [::1]\r\n") != NULL);
	n = qget__http1_build_request(buf, sizeof(buf), "hq-interop", "h", "/f",
	    "GET", NULL, 0);
	CHECK("request: hq-interop is HTTP/0.9", n == 8 &&
	    strcmp(buf, "GET /f\r\n") == 0);
	CHECK("request: too small a buffer",
	    qget__http1_build_request(buf, 10, "http/1.0", "h", "/", "GET", NULL,
	    0) == 0);
	{
		const char *hdrs[] = { "X-A: 1", "Accept: */*" };

		n = qget__http1_build_request(buf, sizeof(buf), "http/1.0", "h",
		    "/y", "HEAD", hdrs, 2);
		CHECK("request: HEAD with -H headers, in order, then CRLF",
		    n == strlen(buf) && strcmp(buf, "HEAD /y HTTP/1.0\r\n"
		    "Connection: close\r\nHost: h\r\nX-A: 1\r\n"
		    "Accept: */*\r\n\r\n") == 0);
		/* Exactly as long as needed, then one byte short. */
		CHECK("request: the final CRLF must fit",
		    qget__http1_build_request(buf, n + 1, "http/1.0", "h", "/y",
		    "HEAD", hdrs, 2) == n &&
		    qget__http1_build_request(buf, n, "http/1.0", "h", "/y",
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
	/* A status line cut short is a truncation, not a 3-byte body. */
	both("truncated: HTT", "HTT", &r);
	CHECK("truncated: HTT then FIN", r.rv == QGET_E_TRUNCATED &&
	    r.body_len == 0);
	both("truncated: H", "H", &r);
	CHECK("truncated: H then FIN", r.rv == QGET_E_TRUNCATED);
	both("truncated: HTTP/", "HTTP/", &r);
	CHECK("truncated: HTTP/ then FIN", r.rv == QGET_E_TRUNCATED);
	both("simple: HTX", "HTX", &r);
	CHECK("simple: HTX is no prefix of HTTP/: a body", r.rv == QGET_OK &&
	    r.simple && r.body_len == 3 && memcmp(r.body, "HTX", 3) == 0);
	run("", 0, 0, &r);
	CHECK("simple: empty response", r.rv == QGET_OK && r.simple &&
	    r.body_len == 0);
	/* Measured by length: strlen would make this the empty input. */
	both_len("simple: NUL first", "\0HTTP", 5, 0, &r);
	CHECK("simple: NUL first is a 5-byte body", r.rv == QGET_OK &&
	    r.simple && r.body_len == 5 && memcmp(r.body, "\0HTTP", 5) == 0);

	/* Responses that end with their head (RFC 9112, 6.3). */
	both("no body: 304", "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 10\r\n\r\n", &r);
	CHECK("no body: a 304 with Content-Length: 10 is complete",
	    r.rv == QGET_OK && r.no_body && r.body_len == 0);
	both("no body: 204", "HTTP/1.0 204 No Content\r\n"
	    "Content-Length: 5\r\n\r\n", &r);
	CHECK("no body: a 204 with Content-Length: 5 is complete",
	    r.rv == QGET_OK && r.no_body && r.body_len == 0);
	{
		static const char in[] = "HTTP/1.0 200 OK\r\n"
		    "Content-Length: 10\r\n\r\n";

		both_len("no body: HEAD", in, sizeof(in) - 1, 1, &r);
		CHECK("no body: HEAD with Content-Length and no body",
		    r.rv == QGET_OK && r.no_body && r.body_len == 0);
		static const char ch[] = "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n";

		both_len("no body: HEAD, chunked", ch, sizeof(ch) - 1, 1, &r);
		CHECK("no body: HEAD of a chunked response needs no chunk",
		    r.rv == QGET_OK && r.body_len == 0);
		run(in, sizeof(in) - 1, 0, &r);
		CHECK("the same head to GET: truncated", r.rv ==
		    QGET_E_TRUNCATED);
		static const char hb[] = "HTTP/1.0 200 OK\r\n"
		    "Content-Length: 3\r\n\r\nabc";

		both_len("no body: HEAD followed by bytes", hb, sizeof(hb) - 1,
		    1, &r);
		CHECK("no body: bytes after the head of a HEAD refused",
		    r.rv == QGET_E_PROTOCOL && strstr(r.msg, "HEAD"));
	}
	both("no body: 304 followed by bytes", "HTTP/1.1 304 Not Modified\r\n"
	    "\r\nxyz", &r);
	CHECK("no body: bytes after a 304's head refused",
	    r.rv == QGET_E_PROTOCOL && strstr(r.msg, "304"));
	both("length: longer", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n"
	    "\r\nabc", &r);
	CHECK("length: a byte beyond Content-Length refused",
	    r.rv == QGET_E_PROTOCOL);
	both("length: no length", "HTTP/1.0 200 OK\r\n\r\nabc", &r);
	CHECK("length: without one, the end of the stream ends the body",
	    r.rv == QGET_OK && r.body_len == 3);

	/* Transfer-Encoding: chunked, decoded. */
	both("chunked: decoded", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n"
	    "1;name=\"v\"\r\n,\r\n"
	    "0006 \r\n world\r\n"
	    "0\r\nX-Trailer: t\r\n\r\n", &r);
	CHECK("chunked: sizes, an extension, leading zeros, a trailer",
	    r.rv == QGET_OK && r.chunked && r.body_len == 12 &&
	    memcmp(r.body, "hello, world", 12) == 0);
	both("chunked: upper-case hex, bare LF", "HTTP/1.1 200 OK\n"
	    "transfer-encoding: Chunked\n\nA\n0123456789\n0\n\n", &r);
	CHECK("chunked: upper-case hex and bare LF lines", r.rv == QGET_OK &&
	    r.body_len == 10 && memcmp(r.body, "0123456789", 10) == 0);
	both("chunked: empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n0\r\n\r\n", &r);
	CHECK("chunked: just the last chunk", r.rv == QGET_OK &&
	    r.body_len == 0);

	static const struct {
		const char *name, *in;
		qget_status want;
	} chunk_bad[] = {
		{ "no last chunk", "5\r\nhello\r\n", QGET_E_TRUNCATED },
		{ "cut in a chunk", "5\r\nhel", QGET_E_TRUNCATED },
		{ "cut in the size", "5", QGET_E_TRUNCATED },
		{ "no final CRLF", "0\r\n", QGET_E_TRUNCATED },
		{ "cut in a trailer", "0\r\nX: y", QGET_E_TRUNCATED },
		{ "nothing at all", "", QGET_E_TRUNCATED },
		{ "empty size", "\r\nhello\r\n0\r\n\r\n", QGET_E_PROTOCOL },
		{ "0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", QGET_E_PROTOCOL },
		{ "sign", "+5\r\nhello\r\n0\r\n\r\n", QGET_E_PROTOCOL },
		{ "space first", " 5\r\nhello\r\n0\r\n\r\n", QGET_E_PROTOCOL },
		{ "junk after size", "5x\r\nhello\r\n0\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "digits after a blank", "5 5\r\nhello\r\n0\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "overflowing size", "10000000000000000\r\n", QGET_E_PROTOCOL },
		{ "2^64 - 1 then cut", "ffffffffffffffff\r\nab", QGET_E_TRUNCATED },
		{ "data longer than its size", "3\r\nhello\r\n0\r\n\r\n",
		    QGET_E_PROTOCOL },
		{ "CR without LF", "5\rhello\r\n0\r\n\r\n", QGET_E_PROTOCOL },
		{ "bytes after the last chunk", "0\r\n\r\nmore",
		    QGET_E_PROTOCOL },
	};
	for (size_t i = 0; i < sizeof(chunk_bad) / sizeof(chunk_bad[0]); i++) {
		static const char headtext[] = "HTTP/1.1 200 OK\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n";
		char in[256], label[128];
		size_t hl = sizeof(headtext) - 1;
		size_t len = hl + strlen(chunk_bad[i].in);

		memcpy(in, headtext, hl);
		memcpy(in + hl, chunk_bad[i].in, len - hl);
		both_len(chunk_bad[i].name, in, len, 0, &r);
		snprintf(label, sizeof(label), "chunked: %s refused",
		    chunk_bad[i].name);
		CHECK(label, r.rv == chunk_bad[i].want);
	}
	{
		static const char in[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n5;a\0b\r\nhello\r\n0\r\n\r\n";

		both_len("chunked: NUL in an extension", in, sizeof(in) - 1, 0,
		    &r);
		CHECK("chunked: NUL in an extension refused",
		    r.rv == QGET_E_PROTOCOL);
	}
	{
		/* A size line that never ends is cut off. */
		size_t len = 8192;
		char *big = malloc(len);

		memcpy(big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
		    "\r\n\r\n5;", 50);
		memset(big + 50, 'a', len - 50);
		run(big, len, 0, &r);
		CHECK("chunked: an endless extension refused",
		    r.rv == QGET_E_PROTOCOL);
		free(big);
	}
	both("chunked: with Content-Length", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
	    "5\r\nhello\r\n0\r\n\r\n", &r);
	CHECK("chunked: with Content-Length refused (smuggling)",
	    r.rv == QGET_E_PROTOCOL);
	both("chunked: in HTTP/1.0", "HTTP/1.0 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &r);
	CHECK("chunked: in an HTTP/1.0 response refused",
	    r.rv == QGET_E_PROTOCOL);
	both("transfer coding: gzip", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", &r);
	CHECK("transfer coding: gzip refused, never saved encoded",
	    r.rv == QGET_E_PROTOCOL && strstr(r.msg, "Transfer-Encoding"));
	both("transfer coding: twice", "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0\r\n\r\n", &r);
	CHECK("transfer coding: two headers refused", r.rv == QGET_E_PROTOCOL);
	both("reason: raw bytes kept", "HTTP/1.0 404 \x1b]0;x\x07\r\n\r\n",
	    &r);
	CHECK("reason: the parser keeps the peer's bytes (the sinks escape)",
	    r.rv == QGET_OK && r.status == 404);
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
		{ "body cut by FIN", "HTTP/1.0 200 OK\r\nContent-Length: 9\r\n"
		    "\r\nabc", QGET_E_TRUNCATED },
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
