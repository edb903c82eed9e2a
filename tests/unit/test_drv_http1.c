/*
 * The http/1.0 request driver (src/lib/drv_http1.c) and the request
 * layer's bookkeeping (src/lib/request.c) without a network: requests
 * started by the driver on a fake connection (fakeconn.h), response bytes
 * fed in every split, checked through the public API (events, status,
 * fields, head, body, outcome).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fakeconn.h"

static void
test_request_heads(void)
{
	static const char *const hdrs[] = { "X-Trace", "  a b  ",
		"Accept", "*/*" };
	qget_conn *c = fake_conn("http/1.0", "example.org");
	qget_conn *c6 = fake_conn("http/1.0", "::1");
	qget_request *r;
	const char *p;
	size_t n;
	qget_error err;

	r = started(c, "GET", "/a?b", hdrs, 4);
	n = r ? r->conn->http->drv->pending(r, &p) : 0;
	CHECK("http1 request: the seed's head, fields, blanks stripped",
	    n > 0 && strncmp(p, "GET /a?b HTTP/1.0\r\nConnection: close\r\n"
	    "Host: example.org\r\nX-Trace: a b\r\nAccept: */*\r\n\r\n", n) ==
	    0 && strlen("GET /a?b HTTP/1.0\r\nConnection: close\r\n"
	    "Host: example.org\r\nX-Trace: a b\r\nAccept: */*\r\n\r\n") == n);
	qget_request_del(r);

	r = started(c6, "HEAD", "/", NULL, 0);
	n = r ? r->conn->http->drv->pending(r, &p) : 0;
	CHECK("http1 request: an IPv6 host is bracketed",
	    n > 0 && strstr(p, "\r\nHost: [::1]\r\n") != NULL &&
	    strncmp(p, "HEAD / HTTP/1.0\r\n", 17) == 0);
	qget_request_del(r);

	if (qget_request_new(&r, c, "POST", "/up", &err) == QGET_OK &&
	    qget_request_set_authority(r, "example.org:8443", &err) ==
	    QGET_OK && qget_request_set_body(r, "hello", 5, &err) ==
	    QGET_OK && c->http->drv->start(r, &err) == QGET_OK) {
		n = r->conn->http->drv->pending(r, &p);
		CHECK("http1 request: a body's length, the authority as Host",
		    strstr(p, "\r\nHost: example.org:8443\r\n") != NULL &&
		    strstr(p, "\r\nContent-Length: 5\r\n\r\n") != NULL &&
		    n == strlen(p));
	} else {
		CHECK("http1 request: a body's length, the authority as Host",
		    0);
	}
	qget_request_del(r);

	fake_conn_del(c);
	fake_conn_del(c6);
}

static void
test_validation(void)
{
	qget_conn *c = fake_conn("http/1.0", "example.org");
	qget_request *r = NULL;
	qget_error err;

	CHECK("request: a method with a space", qget_request_new(&r, c,
	    "GE T", "/", &err) == QGET_E_USAGE && r == NULL);
	CHECK("request: a path without '/'", qget_request_new(&r, c, "GET",
	    "x", &err) == QGET_E_USAGE);
	CHECK("request: a path with a space", qget_request_new(&r, c, "GET",
	    "/a b", &err) == QGET_E_USAGE);
	CHECK("request: a path with LF", qget_request_new(&r, c, "GET",
	    "/a\nb", &err) == QGET_E_USAGE);
	CHECK("request: '*' is a path", qget_request_new(&r, c, "OPTIONS",
	    "*", &err) == QGET_OK);
	CHECK("header: a name with a space", qget_request_add_header(r,
	    "X A", "b", &err) == QGET_E_USAGE);
	CHECK("header: a pseudo-header", qget_request_add_header(r,
	    ":path", "/", &err) == QGET_E_USAGE);
	CHECK("header: Connection is qget's", qget_request_add_header(r,
	    "Connection", "keep-alive", &err) == QGET_E_USAGE);
	CHECK("header: Transfer-Encoding is qget's", qget_request_add_header(
	    r, "transfer-encoding", "chunked", &err) == QGET_E_USAGE);
	CHECK("header: CR in a value", qget_request_add_header(r, "X-A",
	    "a\rInjected: 1", &err) == QGET_E_USAGE);
	CHECK("header: LF in a value", qget_request_add_header(r, "X-A",
	    "a\nb", &err) == QGET_E_USAGE);
	CHECK("header: a tab is allowed", qget_request_add_header(r, "X-A",
	    "a\tb", &err) == QGET_OK && r->nfields == 1);
	CHECK("authority: with a slash", qget_request_set_authority(r,
	    "a/b", &err) == QGET_E_USAGE);
	CHECK("authority: with userinfo", qget_request_set_authority(r,
	    "u@a", &err) == QGET_E_USAGE);
	CHECK("body: only one", qget_request_set_body(r, "a", 1, &err) ==
	    QGET_OK && qget_request_set_body_fd(r, 0, &err) == QGET_E_USAGE);
	qget_request_del(r);
	fake_conn_del(c);
}

static void
test_responses(void)
{
	static const char ok[] = "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n"
	    "X-Thing:  v  \r\n\r\nhello world";
	static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
	static const char shortb[] = "HTTP/1.0 200 OK\r\nContent-Length: 20"
	    "\r\n\r\nhello";
	static const char bad[] = "HTTP/1.0 2x0 OK\r\n\r\n";
	static const char simple[] = "just bytes, no head";
	static const char nfound[] = "HTTP/1.0 404 Not Found\r\nContent-"
	    "Length: 3\r\n\r\nno!";
	qget_conn *c = fake_conn("http/1.0", "example.org");
	struct outcome o;
	qget_request *r;
	const char *v, *name, *head;
	size_t vlen, nlen, hlen;
	char label[96];
	int all = 1;

	/* Every split of the response gives the same result. */
	for (size_t step = 0; step <= sizeof(ok); step++) {
		r = started(c, "GET", "/", NULL, 0);
		feed(r, ok, step, &o);
		v = qget_response_header(r, "x-thing", &vlen);
		if (!(o.st == QGET_OK && o.body_len == 11 &&
		    memcmp(o.body, "hello world", 11) == 0 &&
		    (o.events & (QGET_EV_HEAD | QGET_EV_END)) ==
		    (QGET_EV_HEAD | QGET_EV_END) &&
		    qget_response_status(r) == 200 &&
		    strcmp(qget_response_version(r), "HTTP/1.0") == 0 &&
		    qget_response_field_count(r) == 2 && v != NULL &&
		    vlen == 1 && *v == 'v')) {
			snprintf(label, sizeof(label), "http1 response: split "
			    "every %zu bytes", step);
			CHECK(label, 0);
			all = 0;
		}
		qget_request_del(r);
	}
	CHECK("http1 response: every split: status, version, fields, body, "
	    "events", all);

	r = started(c, "GET", "/", NULL, 0);
	feed(r, ok, 7, &o);
	CHECK("http1 response: fields in order, names as sent",
	    qget_response_field(r, 0, &name, &nlen, &v, &vlen) == QGET_OK &&
	    nlen == 14 && memcmp(name, "Content-Length", 14) == 0 &&
	    vlen == 2 && memcmp(v, "11", 2) == 0 &&
	    qget_response_field(r, 2, &name, &nlen, &v, &vlen) ==
	    QGET_E_USAGE);
	CHECK("http1 response: the head as received",
	    qget_response_head(r, &head, &hlen) == QGET_OK &&
	    hlen == sizeof(ok) - 1 - 11 && memcmp(head, ok, hlen) == 0);
	qget_request_del(r);

	r = started(c, "GET", "/", NULL, 0);
	feed(r, chunked, 3, &o);
	CHECK("http1 response: chunked decoded, HTTP/1.1",
	    o.st == QGET_OK && o.body_len == 11 &&
	    memcmp(o.body, "hello world", 11) == 0 &&
	    strcmp(qget_response_version(r), "HTTP/1.1") == 0);
	qget_request_del(r);

	r = started(c, "GET", "/", NULL, 0);
	feed(r, shortb, 0, &o);
	CHECK("http1 response: short of Content-Length is truncated, not "
	    "ended", o.st == QGET_E_TRUNCATED && (o.events & QGET_EV_FAILED) &&
	    !(o.events & QGET_EV_END) && qget_request_status(r, NULL) ==
	    QGET_E_TRUNCATED);
	qget_request_del(r);

	r = started(c, "GET", "/", NULL, 0);
	feed(r, bad, 0, &o);
	CHECK("http1 response: a bad status line is a protocol error",
	    o.st == QGET_E_PROTOCOL && (o.events & QGET_EV_FAILED));
	qget_request_del(r);

	r = started(c, "GET", "/", NULL, 0);
	feed(r, simple, 4, &o);
	CHECK("http1 response: no status line: HTTP/0.9, status 0, all body",
	    o.st == QGET_OK && o.body_len == strlen(simple) &&
	    memcmp(o.body, simple, o.body_len) == 0 &&
	    qget_response_status(r) == 0 &&
	    strcmp(qget_response_version(r), "HTTP/0.9") == 0 &&
	    qget_response_field_count(r) == 0);
	qget_request_del(r);

	r = started(c, "GET", "/", NULL, 0);
	feed(r, nfound, 0, &o);
	CHECK("http1 response: 404 is a response, not a failure",
	    o.st == QGET_OK && qget_response_status(r) == 404 &&
	    o.body_len == 3);
	qget_request_del(r);

	r = started(c, "HEAD", "/", NULL, 0);
	feed(r, "HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n", 0, &o);
	CHECK("http1 response: HEAD's length announces no body",
	    o.st == QGET_OK && o.body_len == 0 && (o.events & QGET_EV_END));
	qget_request_del(r);

	r = started(c, "HEAD", "/", NULL, 0);
	feed(r, "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, &o);
	CHECK("http1 response: a body after HEAD is a protocol error",
	    o.st == QGET_E_PROTOCOL);
	qget_request_del(r);

	fake_conn_del(c);
}

int
main(void)
{
	test_request_heads();
	test_validation();
	test_responses();
	return CHECK_DONE();
}
