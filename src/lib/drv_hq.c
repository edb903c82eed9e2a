/*
 * The request driver for "hq-interop": HTTP/0.9 over QUIC as the QUIC
 * interop runner's endpoints speak it.  A request is "GET /path\r\n" and
 * its stream's FIN; the response is every byte until the server's FIN.
 * There is no method but GET, no header field either way and no status:
 * a response reports version "HTTP/0.9" and status 0 rather than an
 * invented head.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"

static qget_status
check(qget_request *r, qget_error *err)
{
	if (strcmp(r->method, "GET") != 0 || r->nfields > 0 ||
	    r->body_kind != QGET__BODY_NONE || r->authority != NULL)
		return qget__fail(err, QGET_E_USAGE, "hq-interop requests are "
		    "GET without headers or body (it has no method, no "
		    "headers and no status)");
	return QGET_OK;
}

static qget_status
start(qget_request *r, qget_error *err)
{
	size_t len = strlen(r->path) + sizeof("GET \r\n");
	struct qget__ps *d;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->out = malloc(len)) == NULL) {
		free(d);
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	}
	d->out_len = (size_t)snprintf(d->out, len, "GET %s\r\n", r->path);
	r->drv = d;
	return QGET_OK;
}

/* The request line, then the FIN, as flow control allows. */
static qget_status
flush(qget_conn *c, qget_error *err)
{
	qget_status rv;
	int done;

	for (qget_request *r = c->http->head; r != NULL; r = r->next) {
		struct qget__ps *d = r->drv;

		if (d == NULL || d->released || r->st == NULL ||
		    r->failed != QGET_OK || r->st->concluded)
			continue;
		if ((rv = qget__ps_write_out(r, d, &done, err)) != QGET_OK)
			return rv;
		if (done && r->failed == QGET_OK &&
		    (rv = qget__stream_conclude(r->st, err)) != QGET_OK &&
		    (rv = qget__ps_write_failed(r, rv, err)) != QGET_OK)
			return rv;
	}
	return QGET_OK;
}

static void
input(qget_request *r, const unsigned char *p, size_t n, int fin)
{
	struct qget__ps *d = r->drv;

	if (d == NULL || d->released)
		return;
	if (n > 0 || fin) {
		r->version = "HTTP/0.9";
		qget__req_head_done(r);
	}
	qget__req_data(r, p, n);
	if (fin)
		qget__req_end(r);
}

static void
readable(qget_request *r)
{
	qget__ps_read(r, input);
}

static void
release(qget_request *r, int cancel)
{
	qget__ps_release(r, cancel);
}

const struct qget__driver qget__drv_hq = {
	.name = "hq-interop",
	.attach = qget__ps_attach,
	.detach = qget__ps_detach,
	.check = check,
	.start = start,
	.flush = flush,
	.readable = readable,
	.streams = qget__ps_streams,
	.stream_readable = qget__ps_stream_readable,
	.incoming = qget__ps_incoming,
	.release = release,
	.wants_write = qget__ps_wants_write,
	.no_error = 0,
	.input = input,
	.pending = qget__ps_pending,
};
