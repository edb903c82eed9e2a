/*
 * What the drivers of one request per QUIC stream, with no streams of
 * their own, share (http/1.0 in drv_http1.c, hq-interop in drv_hq.c): the
 * request's bytes written as flow control allows, a failed write told
 * apart from a lost connection, a cancelled request's reset, and the
 * hooks such a protocol has nothing to do in.
 */
#include <stdlib.h>
#include <string.h>

#include "req.h"

qget_status
qget__ps_attach(qget_conn *c, qget_error *err)
{
	(void)c;
	(void)err;
	return QGET_OK;
}

void
qget__ps_detach(qget_conn *c)
{
	(void)c;
}

size_t
qget__ps_streams(qget_conn *c, qget_stream **out, size_t cap)
{
	(void)c;
	(void)out;
	(void)cap;
	return 0;
}

qget_status
qget__ps_stream_readable(qget_conn *c, qget_stream *s, qget_error *err)
{
	(void)c;
	(void)s;
	(void)err;
	return QGET_OK;
}

/* These protocols give the server no reason to open streams: refused
 * (freed, which resets them). */
qget_status
qget__ps_incoming(qget_conn *c, qget_error *err)
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

qget_status
qget__ps_write_failed(qget_request *r, qget_status rv, qget_error *err)
{
	switch (rv) {
	case QGET_E_CONN_CLOSED:
	case QGET_E_IDLE_TIMEOUT:
	case QGET_E_TIMEOUT:
	case QGET_E_INTERRUPTED:
	case QGET_E_NOMEM:
		return rv;
	case QGET_E_STREAM_RESET:
		/* STOP_SENDING: the server does not want the rest, and may
		 * answer all the same; the response decides. */
		r->body_stopped = 1;
		qget__error_clear(err);
		return QGET_OK;
	default:
		qget__req_fail(r, rv, err->code, err->has_code, "%s",
		    qget_error_str(err));
		qget__error_clear(err);
		return QGET_OK;
	}
}

qget_status
qget__ps_write_out(qget_request *r, struct qget__ps *ps, int *done,
    qget_error *err)
{
	qget_status rv;
	size_t w;

	*done = 0;
	while (ps->out != NULL && ps->out_off < ps->out_len) {
		if ((rv = qget__stream_write_some(r->st, ps->out + ps->out_off,
		    ps->out_len - ps->out_off, &w, err)) != QGET_OK)
			return qget__ps_write_failed(r, rv, err);
		if (w == 0)
			return QGET_OK;
		ps->out_off += w;
	}
	free(ps->out);
	ps->out = NULL;
	*done = 1;
	return QGET_OK;
}

void
qget__ps_read(qget_request *r, void (*input)(qget_request *,
    const unsigned char *, size_t, int))
{
	struct qget__http *h = r->conn->http;
	struct qget__ps *ps = r->drv;
	qget_error err;
	qget_status rv;
	size_t n, room = qget__req_room(r);
	int fin;

	if (ps == NULL || ps->released)
		return;
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

int
qget__ps_wants_write(const qget_request *r)
{
	const struct qget__ps *ps = r->drv;

	return ps != NULL && !ps->released && ps->out != NULL &&
	    ps->out_off < ps->out_len;
}

size_t
qget__ps_pending(const qget_request *r, const char **p)
{
	const struct qget__ps *ps = r->drv;

	if (ps == NULL || ps->out == NULL) {
		*p = "";
		return 0;
	}
	*p = ps->out + ps->out_off;
	return ps->out_len - ps->out_off;
}

int
qget__ps_release(qget_request *r, int cancel)
{
	struct qget__ps *ps = r->drv;

	if (ps == NULL)
		return 0;
	if (cancel && !ps->reset_sent && r->st != NULL) {
		ps->reset_sent = 1;
		if (!r->st->concluded)
			qget_stream_reset(r->st, QGET_APP_ERROR, NULL);
	}
	if (ps->released)
		return 0;
	ps->released = 1;
	free(ps->out);
	ps->out = NULL;
	return 1;
}
