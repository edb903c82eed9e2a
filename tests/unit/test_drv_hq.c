/*
 * The hq-interop request driver (src/lib/drv_hq.c) and the request
 * layer's buffer, without a network (fakeconn.h): the request line, what
 * the protocol refuses, responses that are all body, the buffer's room
 * and cancellation.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fakeconn.h"

static void
test_requests(void)
{
	qget_conn *hq = fake_conn("hq-interop", "example.org");
	qget_request *r;
	const char *p;
	size_t n;
	qget_error err;

	r = started(hq, "GET", "/x", NULL, 0);
	n = r ? r->conn->http->drv->pending(r, &p) : 0;
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
	CHECK("hq request: a body refused", qget_request_new(&r, hq, "GET",
	    "/", &err) == QGET_OK && qget_request_set_body(r, "x", 1, &err) ==
	    QGET_OK && hq->http->drv->check(r, &err) == QGET_E_USAGE);
	qget_request_del(r);
	fake_conn_del(hq);
}

static void
test_responses(void)
{
	qget_conn *hq = fake_conn("hq-interop", "example.org");
	struct outcome o;
	qget_request *r;

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
	r->conn->http->drv->input(r, big, QGET__RBUF_CAP, 0);
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
	test_requests();
	test_responses();
	test_room();
	return CHECK_DONE();
}
