/*
 * The http/1.0 and hq-interop request drivers (src/lib/drv_http1.c) and
 * the request layer's bookkeeping (src/lib/request.c) without a network:
 * a connection object that never touches OpenSSL, requests started by
 * the driver, and response bytes fed as if read off the stream, in every
 * split, checked through the public API (events, status, fields, head,
 * body, outcome).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "req.h"

static qget_conn *
fake_conn(const char *alpn, const char *host)
{
	qget_conn *c = calloc(1, sizeof(*c));

	/* Never dereferenced: no stream is ever opened on it. */
	c->ssl = (SSL *)(void *)c;
	c->host = strdup(host);
	snprintf(c->alpn, sizeof(c->alpn), "%s", alpn);
	return c;
}

static void
fake_conn_del(qget_conn *c)
{
	qget__http_free(c);
	free(c->host);
	free(c);
}

/* A request the driver started as if its stream had opened. */
static qget_request *
started(qget_conn *c, const char *method, const char *path,
    const char *const *hdrs, int nh)
{
	qget_request *r = NULL;
	qget_error err;

	if (qget_request_new(&r, c, method, path, &err) != QGET_OK)
		return NULL;
	for (int i = 0; i + 1 < nh; i += 2)
		if (qget_request_add_header(r, hdrs[i], hdrs[i + 1], &err) !=
		    QGET_OK)
			return NULL;
	if (c->http->drv->check(r, &err) != QGET_OK ||
	    c->http->drv->start(r, &err) != QGET_OK)
		return NULL;
	r->state = QGET__R_OPEN;
	return r;
}

/* Feeds `resp` in pieces of `step` bytes (0: all at once), FIN with the
 * last, collecting every event; then reads the whole body. */
struct outcome {
	unsigned events;
	qget_status st;
	char body[8192];
	size_t body_len;
};

static void
feed(qget_request *r, const char *resp, size_t step, struct outcome *o)
{
	size_t len = strlen(resp), off = 0, n;
	qget_error err;

	memset(o, 0, sizeof(*o));
	do {
		size_t k = step == 0 || len - off < step ? len - off : step;

		qget__h1_input(r, (const unsigned char *)resp + off, k,
		    off + k == len);
		off += k;
		o->events |= r->events;
		r->events = 0;
	} while (off < len);
	for (;;) {
		o->st = qget_request_read(r, o->body + o->body_len,
		    sizeof(o->body) - o->body_len, &n, &err);
		if (o->st != QGET_OK || n == 0)
			break;
		o->body_len += n;
	}
}

static void
test_request_heads(void)
{
	static const char *const hdrs[] = { "X-Trace", "  a b  ",
		"Accept", "*/*" };
	qget_conn *c = fake_conn("http/1.0", "example.org");
	qget_conn *c6 = fake_conn("http/1.0", "::1");
	qget_conn *hq = fake_conn("hq-interop", "example.org");
	qget_request *r;
	const char *p;
	size_t n;
	qget_error err;

	r = started(c, "GET", "/a?b", hdrs, 4);
	n = r ? qget__h1_pending(r, &p) : 0;
	CHECK("http1 request: the seed's head, fields, blanks stripped",
	    n > 0 && strncmp(p, "GET /a?b HTTP/1.0\r\nConnection: close\r\n"
	    "Host: example.org\r\nX-Trace: a b\r\nAccept: */*\r\n\r\n", n) ==
	    0 && strlen("GET /a?b HTTP/1.0\r\nConnection: close\r\n"
	    "Host: example.org\r\nX-Trace: a b\r\nAccept: */*\r\n\r\n") == n);
	qget_request_del(r);

	r = started(c6, "HEAD", "/", NULL, 0);
	n = r ? qget__h1_pending(r, &p) : 0;
	CHECK("http1 request: an IPv6 host is bracketed",
	    n > 0 && strstr(p, "\r\nHost: [::1]\r\n") != NULL &&
	    strncmp(p, "HEAD / HTTP/1.0\r\n", 17) == 0);
	qget_request_del(r);

	if (qget_request_new(&r, c, "POST", "/up", &err) == QGET_OK &&
	    qget_request_set_authority(r, "example.org:8443", &err) ==
	    QGET_OK && qget_request_set_body(r, "hello", 5, &err) ==
	    QGET_OK && c->http->drv->start(r, &err) == QGET_OK) {
		n = qget__h1_pending(r, &p);
		CHECK("http1 request: a body's length, the authority as Host",
		    strstr(p, "\r\nHost: example.org:8443\r\n") != NULL &&
		    strstr(p, "\r\nContent-Length: 5\r\n\r\n") != NULL &&
		    n == strlen(p));
	} else {
		CHECK("http1 request: a body's length, the authority as Host",
		    0);
	}
	qget_request_del(r);

	r = started(hq, "GET", "/x", NULL, 0);
	n = r ? qget__h1_pending(r, &p) : 0;
	CHECK("hq request: HTTP/0.9's GET line alone",
	    n == 8 && memcmp(p, "GET /x\r\n", 8) == 0);
	qget_request_del(r);

	/* hq-interop has no method, no headers, no body. */
	CHECK("hq request: HEAD refused", qget_request_new(&r, hq, "HEAD",
	    "/", &err) == QGET_OK && hq->http->drv->check(r, &err) ==
	    QGET_E_USAGE && strstr(err.detail, "hq-interop") != NULL);
	qget_request_del(r);
	CHECK("hq request: headers refused", qget_request_new(&r, hq, "GET",
	    "/", &err) == QGET_OK && qget_request_add_header(r, "A", "b",
	    &err) == QGET_OK && hq->http->drv->check(r, &err) ==
	    QGET_E_USAGE);
	qget_request_del(r);
	fake_conn_del(c);
	fake_conn_del(c6);
	fake_conn_del(hq);
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
	qget_conn *hq = fake_conn("hq-interop", "example.org");
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

	r = started(hq, "GET", "/", NULL, 0);
	feed(r, "HTTP/1.0 200 OK\r\n\r\nraw", 5, &o);
	CHECK("hq response: every byte is body, HTTP/0.9, no status",
	    o.st == QGET_OK && o.body_len == 22 &&
	    qget_response_status(r) == 0 &&
	    strcmp(qget_response_version(r), "HTTP/0.9") == 0 &&
	    (o.events & QGET_EV_END));
	qget_request_del(r);

	r = started(hq, "GET", "/", NULL, 0);
	feed(r, "", 0, &o);
	CHECK("hq response: an empty body ends", o.st == QGET_OK &&
	    o.body_len == 0 && (o.events & QGET_EV_END));
	qget_request_del(r);
	fake_conn_del(c);
	fake_conn_del(hq);
}

/* The buffer never takes more than its room; reading frees it. */
static void
test_room(void)
{
	qget_conn *c = fake_conn("hq-interop", "example.org");
	qget_request *r = started(c, "GET", "/", NULL, 0);
	unsigned char *big = malloc(QGET__RBUF_CAP), *out = malloc(4096);
	size_t n;
	qget_error err;

	memset(big, 'a', QGET__RBUF_CAP);
	CHECK("room: a fresh request has the whole buffer",
	    qget__req_room(r) == QGET__RBUF_CAP);
	qget__h1_input(r, big, QGET__RBUF_CAP, 0);
	CHECK("room: full after a buffer's worth", qget__req_room(r) == 0);
	CHECK("room: a read returns what is buffered without blocking",
	    qget_request_read(r, out, 4096, &n, &err) == QGET_OK &&
	    n == 4096 && qget__req_room(r) == 0);
	while (qget_request_read(r, out, 4096, &n, &err) == QGET_OK &&
	    r->rbuf_len > 0)
		;
	CHECK("room: drained, the buffer is free again",
	    qget__req_room(r) == QGET__RBUF_CAP);
	qget_request_cancel(r);
	CHECK("cancel: the request failed as cancelled, without an event",
	    qget_request_status(r, &err) == QGET_E_INTERRUPTED &&
	    strcmp(err.detail, "cancelled") == 0 &&
	    !(r->events & QGET_EV_FAILED) && qget__req_room(r) == 0);
	qget_request_del(r);
	free(big);
	free(out);
	fake_conn_del(c);
}

int
main(void)
{
	test_request_heads();
	test_validation();
	test_responses();
	test_room();
	return CHECK_DONE();
}
