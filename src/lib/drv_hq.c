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

struct hq {
	char *out;          /* the request line not yet on the wire */
	size_t out_len, out_off;
	int released;
	int reset_sent;
};

static qget_status
attach(qget_conn *c, qget_error *err)
{
	(void)c;
	(void)err;
	return QGET_OK;
}

static void
detach(qget_conn *c)
{
	(void)c;
}

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
	struct hq *d;

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
	size_t w;

	for (qget_request *r = c->http->head; r != NULL; r = r->next) {
		struct hq *d = r->drv;

		if (d == NULL || d->released || r->st == NULL ||
		    r->failed != QGET_OK || r->st->concluded)
			continue;
		while (d->out_off < d->out_len) {
			if ((rv = qget__stream_write_some(r->st,
			    d->out + d->out_off, d->out_len - d->out_off, &w,
			    err)) != QGET_OK)
				goto failed;
			if (w == 0)
				break;
			d->out_off += w;
		}
		if (d->out_off < d->out_len)
			continue;
		if ((rv = qget__stream_conclude(r->st, err)) != QGET_OK)
			goto failed;
		continue;
failed:
		/* The connection's end is the loop's to report. */
		if (rv == QGET_E_CONN_CLOSED || rv == QGET_E_IDLE_TIMEOUT ||
		    rv == QGET_E_TIMEOUT || rv == QGET_E_INTERRUPTED ||
		    rv == QGET_E_NOMEM)
			return rv;
		qget__req_fail(r, rv, err->code, err->has_code, "%s",
		    qget_error_str(err));
		qget__error_clear(err);
	}
	return QGET_OK;
}

static void
input(qget_request *r, const unsigned char *p, size_t n, int fin)
{
	struct hq *d = r->drv;

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

static size_t
pending(const qget_request *r, const char **p)
{
	const struct hq *d = r->drv;

	if (d == NULL || d->out == NULL) {
		*p = "";
		return 0;
	}
	*p = d->out + d->out_off;
	return d->out_len - d->out_off;
}

static void
readable(qget_request *r)
{
	struct qget__http *h = r->conn->http;
	qget_error err;
	qget_status rv;
	size_t n, room = qget__req_room(r);
	int fin;

	if (room > h->scratch_cap)
		room = h->scratch_cap;
	memset(&err, 0, sizeof(err));
	if ((rv = qget__stream_read_some(r->st, h->scratch, room, &n, &fin,
	    &err)) != QGET_OK) {
		qget__req_fail(r, rv, err.code, err.has_code, "%s",
		    qget_error_str(&err));
		return;
	}
	input(r, h->scratch, n, fin);
}

static int
wants_write(const qget_request *r)
{
	const struct hq *d = r->drv;

	return d != NULL && !d->released && d->out != NULL &&
	    d->out_off < d->out_len;
}

static size_t
streams(qget_conn *c, qget_stream **out, size_t cap)
{
	(void)c;
	(void)out;
	(void)cap;
	return 0;
}

static qget_status
stream_readable(qget_conn *c, qget_stream *s, qget_error *err)
{
	(void)c;
	(void)s;
	(void)err;
	return QGET_OK;
}

/* The protocol gives the server no reason to open streams: refused
 * (freed, which resets them). */
static qget_status
incoming(qget_conn *c, qget_error *err)
{
	qget_stream *s;
	qget_status rv;

	for (;;) {
		if ((rv = qget_conn_accept_stream(c, &s, err)) != QGET_OK)
			return rv;
		if (s == NULL)
			return QGET_OK;
		qget_stream_del(s);
	}
}

static void
release(qget_request *r, int cancel)
{
	struct hq *d = r->drv;

	if (d == NULL)
		return;
	if (cancel && !d->reset_sent && r->st != NULL) {
		d->reset_sent = 1;
		if (!r->st->concluded)
			qget_stream_reset(r->st, QGET_APP_ERROR, NULL);
	}
	if (d->released)
		return;
	d->released = 1;
	free(d->out);
	d->out = NULL;
}

const struct qget__driver qget__drv_hq = {
	.name = "hq-interop",
	.attach = attach,
	.detach = detach,
	.check = check,
	.start = start,
	.flush = flush,
	.readable = readable,
	.streams = streams,
	.stream_readable = stream_readable,
	.incoming = incoming,
	.release = release,
	.wants_write = wants_write,
	.no_error = 0,
	.input = input,
	.pending = pending,
};
