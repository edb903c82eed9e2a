/* qget-serve's request parsers and path mapping: what a hostile client
 * can send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/serve/http.h"
#include "check.h"

static int
p10(const char *in, int eof, struct http_request *req)
{
	return http10_parse_request(in, strlen(in), eof, req);
}

static int
rel(const char *target, char *out)
{
	return http_target_to_relpath(target, out, HTTP_MAX_PATH + 16);
}

int
main(void)
{
	struct http_request req;
	char out[HTTP_MAX_PATH + 16];
	char *big;

	CHECK("serve: GET parsed", p10("GET /a/b HTTP/1.0\r\nHost: x\r\n\r\n",
	    0, &req) == 200 && req.method == HTTP_METHOD_GET &&
	    strcmp(req.target, "/a/b") == 0);
	CHECK("serve: HEAD parsed", p10("HEAD / HTTP/1.0\r\n\r\n", 0, &req) ==
	    200 && req.method == HTTP_METHOD_HEAD);
	CHECK("serve: query dropped", p10("GET /f?x=1 HTTP/1.0\r\n\r\n", 0,
	    &req) == 200 && strcmp(req.target, "/f") == 0);
	CHECK("serve: partial head waits", p10("GET / HTTP/1.0\r\nHo", 0,
	    &req) == HTTP_PARSE_INCOMPLETE);
	CHECK("serve: request line cut by EOF is 400", p10("GET / HT", 1,
	    &req) == 400);
	CHECK("serve: EOF after a whole request line is judged on it",
	    p10("GET /x HTTP/1.0\r\nHo", 1, &req) == 200 &&
	    strcmp(req.target, "/x") == 0);
	CHECK("serve: POST is 501", p10("POST / HTTP/1.0\r\n\r\n", 0, &req) ==
	    501);
	CHECK("serve: POST to a file is 501", p10("POST /f HTTP/1.0\r\n"
	    "Content-Length: 1\r\n\r\nx", 0, &req) == 501);
	CHECK("serve: PUT to a file is 501", p10("PUT /f HTTP/1.0\r\n\r\n", 0,
	    &req) == 501);
	{
		static const char up[] = "POST /echo/a?q HTTP/1.0\r\n"
		    "Host: x\r\ncontent-length:  12 \r\n\r\nhello";

		CHECK("upload: POST /echo/a?q parsed, body after the head",
		    p10(up, 0, &req) == 200 && req.method == HTTP_METHOD_POST &&
		    strcmp(req.target, "/echo/a") == 0 &&
		    req.content_length == 12 &&
		    req.head_len == sizeof(up) - 1 - 5);
	}
	CHECK("upload: PUT /echo-sha256 without Content-Length",
	    p10("PUT /echo-sha256 HTTP/1.0\r\n\r\n", 0, &req) == 200 &&
	    req.method == HTTP_METHOD_PUT &&
	    req.content_length == HTTP_NO_LENGTH);
	CHECK("upload: a head cut by FIN: no body",
	    p10("POST /echo HTTP/1.0\r\nHost: x", 1, &req) == 200 &&
	    req.head_len == 28);
	CHECK("upload: Transfer-Encoding is 501",
	    p10("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    0, &req) == 501);
	CHECK("upload: two different Content-Lengths are 400",
	    p10("POST /echo HTTP/1.0\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", 0, &req) == 400);
	CHECK("upload: the same Content-Length twice is fine",
	    p10("POST /echo HTTP/1.0\r\nContent-Length: 2\r\n"
	    "Content-Length: 2\r\n\r\n", 0, &req) == 200 &&
	    req.content_length == 2);
	CHECK("upload: a signed or empty Content-Length is 400",
	    p10("POST /echo HTTP/1.0\r\nContent-Length: +2\r\n\r\n", 0,
	    &req) == 400 &&
	    p10("POST /echo HTTP/1.0\r\nContent-Length:\r\n\r\n", 0,
	    &req) == 400);
	CHECK("upload: a Content-Length of 2^62 is 400",
	    p10("POST /echo HTTP/1.0\r\nContent-Length: 4611686018427387904"
	    "\r\n\r\n", 0, &req) == 400);
	CHECK("upload: GET ignores Content-Length and Transfer-Encoding",
	    p10("GET /echo HTTP/1.0\r\nTransfer-Encoding: x\r\n"
	    "Content-Length: z\r\n\r\n", 0, &req) == 200 &&
	    req.method == HTTP_METHOD_GET);
	CHECK("upload: paths", http_upload_kind("/echo") == HTTP_UPLOAD_ECHO &&
	    http_upload_kind("/echo/") == HTTP_UPLOAD_ECHO &&
	    http_upload_kind("/echo/x/y") == HTTP_UPLOAD_ECHO &&
	    http_upload_kind("/echo-sha256") == HTTP_UPLOAD_SHA256 &&
	    http_upload_kind("/echo-sha256/x") == HTTP_UPLOAD_SHA256 &&
	    http_upload_kind("/echoes") == HTTP_UPLOAD_NONE &&
	    http_upload_kind("/echo-sha2567") == HTTP_UPLOAD_NONE &&
	    http_upload_kind("/x/echo") == HTTP_UPLOAD_NONE &&
	    http_upload_kind("/") == HTTP_UPLOAD_NONE);
	CHECK("hq: POST is 501", hq_parse_request("POST /echo\r\n", 12, 0,
	    &req) == 501);
	CHECK("serve: 413's reason", strcmp(http_reason(413),
	    "Content Too Large") == 0);
	CHECK("serve: HTTP/2.0 is 505", p10("GET / HTTP/2.0\r\n\r\n", 0, &req) ==
	    505);
	CHECK("serve: garbage is 400", p10("\x01\x02\x03 garbage\r\n\r\n", 0,
	    &req) == 400);
	{
		static const char nul[] = "GET /a\0b HTTP/1.0\r\n\r\n";

		CHECK("serve: NUL in the request line is 400",
		    http10_parse_request(nul, sizeof(nul) - 1, 0, &req) == 400);
	}
	big = malloc(HTTP_MAX_HEAD + 64);
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', HTTP_MAX_HEAD + 58);
	big[HTTP_MAX_HEAD + 63] = '\0';
	CHECK("serve: head over 8 KiB is 431",
	    http10_parse_request(big, strlen(big), 0, &req) == 431);
	free(big);

	CHECK("hq: GET parsed", hq_parse_request("GET /x\r\n", 8, 0, &req) ==
	    200 && strcmp(req.target, "/x") == 0);
	CHECK("hq: incomplete waits", hq_parse_request("GET /x", 6, 0, &req) ==
	    HTTP_PARSE_INCOMPLETE);
	CHECK("hq: garbage is an error", hq_parse_request("FOO\r\n", 5, 0,
	    &req) >= 400);

	CHECK("path: / is index.html", rel("/", out) == 0 &&
	    strcmp(out, "index.html") == 0);
	CHECK("path: plain", rel("/a/b.txt", out) == 0 &&
	    strcmp(out, "a/b.txt") == 0);
	CHECK("path: .. escaping the root is 403", rel("/../etc/passwd", out) ==
	    403);
	CHECK("path: nested .. escaping the root is 403",
	    rel("/a/../../x", out) == 403);
	CHECK("path: backslash is 400", rel("/a\\b", out) == 400);
	CHECK("path: relative is 400", rel("a", out) == 400);
	CHECK("serve: head formatting", http_format_head(out, sizeof(out), 200,
	    5, "text/plain", NULL) > 0 && strncmp(out, "HTTP/1.0 200 OK\r\n",
	    17) == 0 && strstr(out, "Content-Length: 5\r\n") != NULL);
	CHECK("serve: head formatting with more fields, before the blank line",
	    http_format_head(out, sizeof(out), 206, 10, "text/plain",
	    "Content-Range: bytes 0-9/20\r\n") > 0 &&
	    strncmp(out, "HTTP/1.0 206 Partial Content\r\n", 30) == 0 &&
	    strstr(out, "\r\nContent-Range: bytes 0-9/20\r\n") != NULL &&
	    strstr(out, "\r\n\r\n") == out + strlen(out) - 4);
	CHECK("serve: a head that does not fit is 0",
	    http_format_head(out, 40, 200, 5, "text/plain", NULL) == 0);
	CHECK("serve: reasons of the new statuses",
	    strcmp(http_reason(206), "Partial Content") == 0 &&
	    strcmp(http_reason(416), "Range Not Satisfiable") == 0 &&
	    strcmp(http_reason(308), "Permanent Redirect") == 0 &&
	    strcmp(http_reason(503), "Service Unavailable") == 0 &&
	    strcmp(http_reason(201), "Created") == 0);

	/* Percent-decoding: the target stays as sent (for the log), the
	 * path is what is served. */
	CHECK("decode: /my%20file.txt serves 'my file.txt'",
	    p10("GET /my%20file.txt?x=%41 HTTP/1.0\r\n\r\n", 0, &req) == 200 &&
	    strcmp(req.target, "/my%20file.txt") == 0 &&
	    strcmp(req.path, "/my file.txt") == 0);
	CHECK("decode: %C3%BC is the UTF-8 bytes of u-umlaut",
	    p10("GET /%C3%bc HTTP/1.0\r\n\r\n", 0, &req) == 200 &&
	    strcmp(req.path, "/\xc3\xbc") == 0);
	CHECK("decode: an encoded NUL is 400",
	    p10("GET /a%00b HTTP/1.0\r\n\r\n", 0, &req) == 400);
	CHECK("decode: an encoded control byte is 400",
	    p10("GET /a%0d%0aX:%20y HTTP/1.0\r\n\r\n", 0, &req) == 400 &&
	    p10("GET /a%7F HTTP/1.0\r\n\r\n", 0, &req) == 400);
	CHECK("decode: %2F (a '/' that climbs with ..) is 400",
	    p10("GET /a%2F..%2F..%2Fetc%2Fpasswd HTTP/1.0\r\n\r\n", 0,
	    &req) == 400 &&
	    p10("GET /..%2f..%2fx HTTP/1.0\r\n\r\n", 0, &req) == 400);
	CHECK("decode: %5C (backslash) is 400",
	    p10("GET /a%5Cb HTTP/1.0\r\n\r\n", 0, &req) == 400);
	CHECK("decode: %2e%2e is a .. segment: 403 when mapped",
	    p10("GET /%2e%2e/x HTTP/1.0\r\n\r\n", 0, &req) == 200 &&
	    strcmp(req.path, "/../x") == 0 && rel(req.path, out) == 403);
	CHECK("decode: a broken escape is 400",
	    p10("GET /a% HTTP/1.0\r\n\r\n", 0, &req) == 400 &&
	    p10("GET /a%4 HTTP/1.0\r\n\r\n", 0, &req) == 400 &&
	    p10("GET /a%zz HTTP/1.0\r\n\r\n", 0, &req) == 400);
	CHECK("decode: hq-interop decodes too",
	    hq_parse_request("GET /a%20b\r\n", 13, 0, &req) == 200 &&
	    strcmp(req.path, "/a b") == 0);
	CHECK("decode: h3 decodes too, and refuses a raw control byte",
	    http3_parse_request("GET", 3, "/a%20b?c", 8, &req) == 200 &&
	    strcmp(req.path, "/a b") == 0 &&
	    http3_parse_request("GET", 3, "/a\x1b[2J", 7, &req) == 400);

	/* The fields a GET's answer depends on. */
	CHECK("range: a GET's Range is kept, trimmed",
	    p10("GET /f HTTP/1.0\r\nrange:  bytes=1-2 \r\n\r\n", 0,
	    &req) == 200 && strcmp(req.range, "bytes=1-2") == 0 &&
	    !req.range_ignore);
	CHECK("range: none: empty",
	    p10("GET /f HTTP/1.0\r\n\r\n", 0, &req) == 200 &&
	    req.range[0] == '\0' && !req.range_ignore);
	CHECK("range: two Range fields are ignored",
	    p10("GET /f HTTP/1.0\r\nRange: bytes=1-2\r\nRange: bytes=3-4\r\n"
	    "\r\n", 0, &req) == 200 && req.range_ignore);
	CHECK("range: an If-Range makes it ignored (no validator to match)",
	    p10("GET /f HTTP/1.0\r\nIf-Range: \"x\"\r\nRange: bytes=1-2\r\n"
	    "\r\n", 0, &req) == 200 && req.range_ignore);
	{
		char head[HTTP_MAX_RANGE + 64];

		snprintf(head, sizeof(head), "GET /f HTTP/1.0\r\nRange: bytes=%0*d-\r\n\r\n",
		    HTTP_MAX_RANGE, 1);
		CHECK("range: a Range too long to keep is ignored",
		    p10(head, 0, &req) == 200 && req.range_ignore);
	}

	/* What the server parses with HTTP_PARSE_ANY_UPLOAD: every POST and
	 * PUT is the caller's to judge (--upload-dir, --redirect). */
	{
		static const char post[] = "POST /f%20g HTTP/1.0\r\n"
		    "Content-Length: 3\r\n\r\nabc";
		static const char te[] = "PUT /f HTTP/1.0\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n";

		CHECK("any upload: POST to a file is 200 with its body's fields",
		    http10_parse_request_ex(post, sizeof(post) - 1, 0,
		    HTTP_PARSE_ANY_UPLOAD, &req) == 200 &&
		    req.method == HTTP_METHOD_POST && req.content_length == 3 &&
		    strcmp(req.path, "/f g") == 0 &&
		    req.head_len == sizeof(post) - 1 - 3);
		CHECK("any upload: ...but not without the flag (501)",
		    http10_parse_request(post, sizeof(post) - 1, 0, &req) ==
		    501);
		CHECK("any upload: Transfer-Encoding is still 501",
		    http10_parse_request_ex(te, sizeof(te) - 1, 0,
		    HTTP_PARSE_ANY_UPLOAD, &req) == 501);
	}
	CHECK("any upload, h3: PUT to a file is 200",
	    http3_parse_request_ex("PUT", 3, "/f", 2, HTTP_PARSE_ANY_UPLOAD,
	    &req) == 200 && req.method == HTTP_METHOD_PUT);
	CHECK("any upload, h3: other methods are still 405",
	    http3_parse_request_ex("DELETE", 6, "/f", 2, HTTP_PARSE_ANY_UPLOAD,
	    &req) == 405);
	/* HTTP/3's :method and :path (nghttp3 checked their presence). */
	CHECK("h3: GET /a?q: 200, the query dropped",
	    http3_parse_request("GET", 3, "/a?q", 4, &req) == 200 &&
	    req.method == HTTP_METHOD_GET && strcmp(req.target, "/a") == 0);
	CHECK("h3: HEAD: 200", http3_parse_request("HEAD", 4, "/", 1, &req) ==
	    200 && req.method == HTTP_METHOD_HEAD);
	CHECK("h3: POST: 405", http3_parse_request("POST", 4, "/", 1, &req) ==
	    405);
	CHECK("h3: POST /echo?x: 200", http3_parse_request("POST", 4,
	    "/echo?x", 7, &req) == 200 && req.method == HTTP_METHOD_POST &&
	    strcmp(req.target, "/echo") == 0);
	CHECK("h3: PUT /echo-sha256/f: 200", http3_parse_request("PUT", 3,
	    "/echo-sha256/f", 14, &req) == 200 &&
	    req.method == HTTP_METHOD_PUT);
	CHECK("h3: PUT to a file: 405", http3_parse_request("PUT", 3, "/f", 2,
	    &req) == 405);
	CHECK("h3: a method's prefix is not the method",
	    http3_parse_request("GE", 2, "/", 1, &req) == 405 &&
	    http3_parse_request("GETX", 4, "/", 1, &req) == 405);
	CHECK("h3: path without '/': 400",
	    http3_parse_request("GET", 3, "a", 1, &req) == 400);
	CHECK("h3: NUL in the path: 400",
	    http3_parse_request("GET", 3, "/a\0b", 4, &req) == 400);
	CHECK("h3: empty path: 400",
	    http3_parse_request("GET", 3, "", 0, &req) == 400);
	return CHECK_DONE();
}
