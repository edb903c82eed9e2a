/*
 * The HTTP/3 driver (RFC 9114): nghttp3 frames the requests and parses
 * the responses; libqget carries the bytes on OpenSSL's QUIC streams
 * without blocking (req.h's stream helpers), and the request layer
 * (request.c) decides when to read and write.
 *
 * OpenSSL does not tell when stream data is acknowledged, so bytes count
 * as acknowledged once the stream took them (as OpenSSL's own HTTP/3
 * demo does); nghttp3 only uses that to free its buffers, and a request
 * body's bytes are consumed from the request at that point.  Stream flow
 * control is OpenSSL's, so nghttp3's consumed-bytes reports need no
 * answer.
 *
 * Failure isolation.  nghttp3 documents every error of
 * nghttp3_conn_read_stream2() as the connection's, but RFC 9114, 4.1.2
 * makes a malformed response a stream error (H3_MESSAGE_ERROR) that
 * fails its request alone.  nghttp3 reports those as
 * NGHTTP3_ERR_MALFORMED_HTTP_HEADER and _MESSAGING, raised from the
 * request stream's own HTTP state before the connection's state is
 * touched (nghttp3 1.15: nghttp3_http_on_header, _on_response_headers,
 * _on_data_chunk, _on_remote_end_stream; the QPACK decoder is marked
 * broken only by QPACK's own errors, which stay fatal).  So such an
 * error fails the request, its stream is shut and closed in nghttp3
 * (nghttp3_conn_shutdown_stream_read, nghttp3_conn_close_stream) and
 * reset, and the connection goes on.  That holds because qget offers no
 * QPACK dynamic table (nghttp3's default capacity 0): no request stream
 * is ever blocked on the encoder stream, so a request's error can only
 * surface while that request's own bytes are read.  test_drv_h3 checks
 * this against the nghttp3 qget is built with.
 *
 * nghttp3 calls back from inside its parser, and the request layer may
 * release a request from inside those callbacks (qget__req_fail and
 * qget__req_end do); nghttp3 must not be asked to close a stream then, so
 * closes wait in a list until the nghttp3 call returns.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nghttp3/nghttp3.h>

#include "drv_h3.h"
#include "h3fields.h"
#include "req.h"

#define H3_MESSAGE_ERROR 0x10e
#define H3_REQUEST_REJECTED 0x10b
/* The most request body bytes handed to nghttp3 at once. */
#define BODY_CHUNK (64 * 1024)

/* A server stream (control, QPACK, or a type nghttp3 discards). */
struct peer {
	qget_stream *st;
	int seen;      /* its first byte was read */
	int critical;  /* control or QPACK: its end is the connection's */
};

/* A close of an nghttp3 stream that waits for nghttp3 to return. */
struct pending_close {
	int64_t id;
	uint64_t code;
	int shut_read;
};

struct h3 {
	qget_conn *c;
	nghttp3_conn *conn;
	int broken;         /* nghttp3 failed: only nghttp3_conn_del now */
	int depth;          /* inside an nghttp3 call that calls back */
	qget_stream *ctrl, *qenc, *qdec;
	struct peer *peer;
	size_t npeer, cappeer;
	int64_t *blocked;   /* streams nghttp3 was told are blocked */
	size_t nblocked, capblocked;
	struct pending_close *pend;
	size_t npend, cappend;
	int goaway;         /* GOAWAY read, not yet told to request.c */
	int64_t goaway_id;
};

/* The driver's state of one request (r->drv, freed by request.c). */
struct h3req {
	int64_t id;
	int status;         /* of the head being received */
	int head_done;      /* the final head is complete */
	int end_stream;     /* nghttp3 saw the response's end */
	int released;
	int reset_sent;
	uint64_t reset_code; /* 0: H3_REQUEST_CANCELLED */
	uint64_t body;      /* response body bytes */
	size_t out;         /* request body bytes nghttp3 holds ... */
	uint64_t acked;     /* ... and how many of those the stream took */
};

static struct h3 *
h3_of(qget_conn *c)
{
	return c->http != NULL ? c->http->state : NULL;
}

static nghttp3_tstamp
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (nghttp3_tstamp)ts.tv_sec * 1000000000u +
	    (nghttp3_tstamp)ts.tv_nsec;
}

/* nghttp3 >= 1.12 wants a timestamp; the deprecated call warns. */
static nghttp3_ssize
read_stream(nghttp3_conn *conn, int64_t id, const uint8_t *p, size_t n,
    int fin)
{
#if NGHTTP3_VERSION_NUM >= 0x010c00
	return nghttp3_conn_read_stream2(conn, id, p, n, fin, now_ns());
#else
	return nghttp3_conn_read_stream(conn, id, p, n, fin);
#endif
}

/* nghttp3 failed at the connection's level: tell the server why, with
 * the HTTP/3 code nghttp3 infers, and fail every request. */
static qget_status
fatal(struct h3 *h, int liberr, const char *what)
{
	uint64_t code = nghttp3_err_infer_quic_app_error_code(liberr);
	qget_status st = liberr == NGHTTP3_ERR_NOMEM ? QGET_E_NOMEM :
	    QGET_E_PROTOCOL;
	char ctext[64];

	h->broken = 1;
	qget__h3_code_text(ctext, sizeof(ctext), code);
	qget__http_fatal(h->c, st, code, "HTTP/3 %s: %s; closing with %s",
	    what, nghttp3_strerror(liberr), ctext);
	return h->c->http->fatal != QGET_OK ? h->c->http->fatal : st;
}

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* ---- closing nghttp3's streams ------------------------------------------ */

int
qget__h3_request_error(int liberr)
{
	return liberr == NGHTTP3_ERR_MALFORMED_HTTP_HEADER ||
	    liberr == NGHTTP3_ERR_MALFORMED_HTTP_MESSAGING;
}

int
qget__h3_drop_stream(nghttp3_conn *conn, int64_t id, uint64_t code,
    int shut_read)
{
	int rc;

	if (shut_read && (rc = nghttp3_conn_shutdown_stream_read(conn, id)) !=
	    0)
		return rc;
	rc = nghttp3_conn_close_stream(conn, id, code);
	return rc == NGHTTP3_ERR_STREAM_NOT_FOUND ? 0 : rc;
}

static void
close_now(struct h3 *h, int64_t id, uint64_t code, int shut_read)
{
	int rc;

	if (!h->broken &&
	    (rc = qget__h3_drop_stream(h->conn, id, code, shut_read)) != 0)
		fatal(h, rc, "cannot close a stream");
}

/* Closes the stream now, or once the current nghttp3 call returned. */
static void
close_stream(struct h3 *h, int64_t id, uint64_t code, int shut_read)
{
	if (h->broken)
		return;
	if (h->depth == 0) {
		close_now(h, id, code, shut_read);
		return;
	}
	if (grow((void **)&h->pend, &h->cappend, h->npend,
	    sizeof(*h->pend)) != 0) {
		fatal(h, NGHTTP3_ERR_NOMEM, "out of memory");
		return;
	}
	h->pend[h->npend].id = id;
	h->pend[h->npend].code = code;
	h->pend[h->npend++].shut_read = shut_read;
}

/* After an nghttp3 call: the closes it deferred, and a GOAWAY it read. */
static void
settle(struct h3 *h)
{
	for (size_t i = 0; i < h->npend; i++)
		close_now(h, h->pend[i].id, h->pend[i].code,
		    h->pend[i].shut_read);
	h->npend = 0;
	if (h->goaway && !h->broken) {
		h->goaway = 0;
		/* Fails the requests it did not process, which closes them. */
		qget__http_goaway(h->c, (uint64_t)h->goaway_id);
	}
}

/* ---- nghttp3's callbacks ------------------------------------------------
 * They return 0 whatever a request's fate: an error return would make
 * nghttp3 fail the whole connection.  The stream's user data is its
 * request, NULL once the request was released. */

static int
on_recv_header(nghttp3_conn *conn, int64_t id, int32_t token,
    nghttp3_rcbuf *name, nghttp3_rcbuf *value, uint8_t flags, void *ud,
    void *sud)
{
	nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
	nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
	qget_request *r = sud;
	struct h3req *q;
	char line[32];
	int len;

	(void)conn;
	(void)id;
	(void)flags;
	(void)ud;
	if (r == NULL || r->failed != QGET_OK)
		return 0;
	q = r->drv;
	if (token == NGHTTP3_QPACK_TOKEN__STATUS) {
		/* nghttp3 checked: three digits, first among the fields. */
		q->status = (v.base[0] - '0') * 100 + (v.base[1] - '0') * 10 +
		    (v.base[2] - '0');
		len = snprintf(line, sizeof(line), "HTTP/3 %d\r\n", q->status);
		qget__req_head_text(r, line, (size_t)len);
		return 0;
	}
	if (n.len > 0 && n.base[0] == ':')
		return 0;
	if (q->status >= 200) {
		if (qget__req_field(r, (const char *)n.base, n.len,
		    (const char *)v.base, v.len) != QGET_OK)
			return 0;
		if (token == NGHTTP3_QPACK_TOKEN_CONTENT_LENGTH) {
			/* nghttp3 checked the syntax, and checks the body
			 * against it. */
			uint64_t cl = 0;

			for (size_t i = 0; i < v.len && cl <= UINT64_MAX / 10 -
			    9; i++)
				cl = cl * 10 + (uint64_t)(v.base[i] - '0');
			r->has_length = 1;
			r->content_length = cl;
		}
	}
	if (qget__req_head_text(r, n.base, n.len) != QGET_OK ||
	    qget__req_head_text(r, ": ", 2) != QGET_OK ||
	    qget__req_head_text(r, v.base, v.len) != QGET_OK)
		return 0;
	qget__req_head_text(r, "\r\n", 2);
	return 0;
}

static int
on_end_headers(nghttp3_conn *conn, int64_t id, int fin, void *ud, void *sud)
{
	qget_request *r = sud;
	struct h3req *q;

	(void)conn;
	(void)id;
	(void)fin;
	(void)ud;
	if (r == NULL || r->failed != QGET_OK)
		return 0;
	q = r->drv;
	if (qget__req_head_text(r, "\r\n", 2) != QGET_OK)
		return 0;
	if (q->status < 200) {
		/* 1xx: the final response is still to come. */
		q->status = 0;
		return 0;
	}
	q->head_done = 1;
	r->status = q->status;
	r->version = "HTTP/3";
	qget__req_head_done(r);
	return 0;
}

static int
on_recv_data(nghttp3_conn *conn, int64_t id, const uint8_t *data,
    size_t len, void *ud, void *sud)
{
	qget_request *r = sud;
	struct h3req *q;

	(void)conn;
	(void)id;
	(void)ud;
	if (r == NULL || r->failed != QGET_OK)
		return 0;
	q = r->drv;
	q->body += len;
	/* It fits: readable() read no more than the buffer's room, and a
	 * DATA frame's payload is never longer than its frame. */
	qget__req_data(r, data, len);
	return 0;
}

static int
on_end_stream(nghttp3_conn *conn, int64_t id, void *ud, void *sud)
{
	qget_request *r = sud;

	(void)conn;
	(void)id;
	(void)ud;
	if (r != NULL)
		((struct h3req *)r->drv)->end_stream = 1;
	return 0;
}

static int
on_acked_stream_data(nghttp3_conn *conn, int64_t id, uint64_t datalen,
    void *ud, void *sud)
{
	qget_request *r = sud;

	(void)conn;
	(void)id;
	(void)ud;
	if (r != NULL)
		((struct h3req *)r->drv)->acked += datalen;
	return 0;
}

static int
on_shutdown(nghttp3_conn *conn, int64_t id, void *ud)
{
	struct h3 *h = ud;

	(void)conn;
	if (h == NULL)
		return 0;
	/* Told to request.c once nghttp3 returned (settle()). */
	h->goaway = 1;
	h->goaway_id = id;
	return 0;
}

/* A request body, as the request layer stages it.  One chunk at a time:
 * the bytes stay where they are until the stream took them all. */
static nghttp3_ssize
read_body(nghttp3_conn *conn, int64_t id, nghttp3_vec *vec, size_t veccnt,
    uint32_t *pflags, void *ud, void *sud)
{
	qget_request *r = sud;
	const unsigned char *p;
	struct h3req *q;
	size_t n;
	int eof;

	(void)conn;
	(void)id;
	(void)ud;
	if (r == NULL || r->failed != QGET_OK || veccnt == 0)
		return NGHTTP3_ERR_WOULDBLOCK;
	q = r->drv;
	if (q->out > 0)
		return NGHTTP3_ERR_WOULDBLOCK;
	/* A failed source fails the request, which closes the stream. */
	if (qget__req_body_peek(r, BODY_CHUNK, &p, &n, &eof) != 0)
		return NGHTTP3_ERR_WOULDBLOCK;
	if (eof)
		*pflags |= NGHTTP3_DATA_FLAG_EOF;
	if (n == 0)
		return eof ? 0 : NGHTTP3_ERR_WOULDBLOCK;
	vec[0].base = (uint8_t *)(uintptr_t)p;
	vec[0].len = n;
	q->out = n;
	q->acked = 0;
	return 1;
}

void
qget__h3_callbacks(nghttp3_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->recv_header = on_recv_header;
	cb->end_headers = on_end_headers;
	cb->recv_data = on_recv_data;
	cb->end_stream = on_end_stream;
	cb->acked_stream_data = on_acked_stream_data;
	cb->shutdown = on_shutdown;
	/* No stop_sending or reset_stream: a client's nghttp3 asks for
	 * them only on the server's streams of unknown types, which are
	 * read and dropped instead (RFC 9114, 6.2 allows either). */
}

void
qget__h3_settings(nghttp3_settings *settings)
{
	nghttp3_settings_default(settings);
	/* Advertised to the server (RFC 9114, 7.2.4.1); request.c bounds
	 * what a response's fields may take whatever the server does.  No
	 * QPACK dynamic table (the default): see the top of this file. */
	settings->max_field_section_size = QGET__MAX_FIELD_BYTES;
	settings->qpack_max_dtable_capacity = 0;
	settings->qpack_blocked_streams = 0;
}

void *
qget__h3_req_new(void)
{
	return calloc(1, sizeof(struct h3req));
}

/* ---- attach and detach -------------------------------------------------- */

/* Calls on our streams do not read the network: the request layer's loop
 * does, at the pace the program takes data (request.c, pull()). */
static void
quiet(qget_stream *st)
{
	(void)SSL_set_event_handling_mode(st->ssl,
	    SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT);
}

static void
h3_free(struct h3 *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->npeer; i++)
		qget_stream_del(h->peer[i].st);
	free(h->peer);
	qget_stream_del(h->ctrl);
	qget_stream_del(h->qenc);
	qget_stream_del(h->qdec);
	nghttp3_conn_del(h->conn);
	free(h->blocked);
	free(h->pend);
	free(h);
}

static qget_status
h3_attach(qget_conn *c, qget_error *err)
{
	nghttp3_callbacks cb;
	nghttp3_settings settings;
	struct h3 *h;
	qget_status rv;
	int rc;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	h->c = c;
	qget__h3_callbacks(&cb);
	qget__h3_settings(&settings);
	if ((rc = nghttp3_conn_client_new(&h->conn, &cb, &settings, NULL,
	    h)) != 0) {
		rv = qget__fail(err, rc == NGHTTP3_ERR_NOMEM ? QGET_E_NOMEM :
		    QGET_E_FAILURE, "HTTP/3: cannot start: %s",
		    nghttp3_strerror(rc));
		goto fail;
	}
	/* RFC 9114, 6.2: our control stream, and QPACK's two (RFC 9204). */
	if ((rv = qget_stream_open_ex(&h->ctrl, c, QGET_STREAM_UNI,
	    err)) != QGET_OK ||
	    (rv = qget_stream_open_ex(&h->qenc, c, QGET_STREAM_UNI,
	    err)) != QGET_OK ||
	    (rv = qget_stream_open_ex(&h->qdec, c, QGET_STREAM_UNI,
	    err)) != QGET_OK)
		goto fail;
	quiet(h->ctrl);
	quiet(h->qenc);
	quiet(h->qdec);
	if ((rc = nghttp3_conn_bind_control_stream(h->conn,
	    (int64_t)qget_stream_id(h->ctrl))) != 0 ||
	    (rc = nghttp3_conn_bind_qpack_streams(h->conn,
	    (int64_t)qget_stream_id(h->qenc),
	    (int64_t)qget_stream_id(h->qdec))) != 0) {
		rv = qget__fail(err, rc == NGHTTP3_ERR_NOMEM ? QGET_E_NOMEM :
		    QGET_E_FAILURE, "HTTP/3: cannot bind its streams: %s",
		    nghttp3_strerror(rc));
		goto fail;
	}
	c->http->state = h;
	return QGET_OK;
fail:
	h3_free(h);
	return rv;
}

static void
h3_detach(qget_conn *c)
{
	h3_free(h3_of(c));
	if (c->http != NULL)
		c->http->state = NULL;
}

/* ---- requests ----------------------------------------------------------- */

static qget_status
h3_check(qget_request *r, qget_error *err)
{
	/* CONNECT has another shape (RFC 9114, 4.4): qget is no tunnel. */
	if (strcmp(r->method, "CONNECT") == 0)
		return qget__fail(err, QGET_E_USAGE, "request: qget does not "
		    "send CONNECT");
	return QGET_OK;
}

static qget_status
h3_start(qget_request *r, qget_error *err)
{
	qget_conn *c = r->conn;
	struct h3 *h = h3_of(c);
	struct qget__h3_field *in = NULL, *f = NULL;
	nghttp3_nv *nva = NULL;
	nghttp3_data_reader dr;
	struct h3req *q;
	char authority[320], clen[24], *store = NULL;
	size_t nin = 0, nf, storecap, fcap;
	qget_status rv;
	int rc;

	if (h == NULL || h->broken)
		return qget__fail(err, QGET_E_FAILURE, "HTTP/3 is not set up");
	if ((q = qget__h3_req_new()) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	free(r->drv);
	r->drv = q;
	q->id = (int64_t)qget_stream_id(r->st);
	if (r->authority != NULL)
		snprintf(authority, sizeof(authority), "%s", r->authority);
	else if (qget__h3_authority(authority, sizeof(authority), c->host,
	    c->port) == 0) {
		rv = qget__fail(err, QGET_E_USAGE, "request: the host name "
		    "is too long for an authority");
		goto out;
	}
	fcap = QGET__H3_OWN_FIELDS + r->nfields + 1;
	storecap = 256 + strlen(r->method) + strlen(authority) +
	    strlen(r->path) + r->fields_bytes + 2 * r->nfields + sizeof(clen);
	if ((in = calloc(r->nfields + 1, sizeof(*in))) == NULL ||
	    (f = calloc(fcap, sizeof(*f))) == NULL ||
	    (nva = calloc(fcap, sizeof(*nva))) == NULL ||
	    (store = malloc(storecap)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->nfields; i++) {
		in[nin].name = r->fields[i].name;
		in[nin].namelen = r->fields[i].namelen;
		in[nin].value = r->fields[i].value;
		in[nin++].valuelen = r->fields[i].valuelen;
	}
	if (r->body_kind != QGET__BODY_NONE && r->body_length >= 0) {
		snprintf(clen, sizeof(clen), "%" PRId64, r->body_length);
		in[nin].name = "content-length";
		in[nin].namelen = 14;
		in[nin].value = clen;
		in[nin++].valuelen = strlen(clen);
	}
	if ((nf = qget__h3_request_fields(f, fcap, store, storecap, r->method,
	    authority, r->path, in, nin)) == 0) {
		rv = qget__fail(err, QGET_E_FAILURE, "request: cannot build "
		    "its fields");
		goto out;
	}
	for (size_t i = 0; i < nf; i++) {
		nva[i].name = (const uint8_t *)f[i].name;
		nva[i].namelen = f[i].namelen;
		nva[i].value = (const uint8_t *)f[i].value;
		nva[i].valuelen = f[i].valuelen;
		nva[i].flags = NGHTTP3_NV_FLAG_NONE;
	}
	dr.read_data = read_body;
	/* Without a body nghttp3 ends the stream after the HEADERS frame.
	 * It copies the fields. */
	rc = nghttp3_conn_submit_request(h->conn, q->id, nva, nf,
	    r->body_kind != QGET__BODY_NONE ? &dr : NULL, r);
	if (rc == NGHTTP3_ERR_CONN_CLOSING) {
		rv = qget__fail(err, QGET_E_REFUSED, "not requested: the "
		    "server is going away (GOAWAY)");
		goto out;
	}
	if (rc != 0) {
		rv = qget__fail(err, rc == NGHTTP3_ERR_NOMEM ? QGET_E_NOMEM :
		    QGET_E_FAILURE, "HTTP/3: cannot submit the request: %s",
		    nghttp3_strerror(rc));
		goto out;
	}
	qget__log(&c->cfg, "request: %s %s (HTTP/3, stream %" PRId64 ")",
	    r->method, r->path, q->id);
	rv = QGET_OK;
out:
	free(in);
	free(f);
	free(nva);
	free(store);
	return rv;
}

static void
h3_release(qget_request *r, int cancel)
{
	struct h3 *h = r->conn != NULL ? h3_of(r->conn) : NULL;
	struct h3req *q = r->drv;
	uint64_t code;

	if (q == NULL || q->released)
		return;
	q->released = 1;
	code = q->reset_code != 0 ? q->reset_code :
	    cancel ? NGHTTP3_H3_REQUEST_CANCELLED : NGHTTP3_H3_NO_ERROR;
	if (h != NULL && !h->broken) {
		/* From now on nghttp3's callbacks for it find no request. */
		nghttp3_conn_set_stream_user_data(h->conn, q->id, NULL);
		close_stream(h, q->id, code, cancel);
	}
	/* A response complete before its request body was sent needs no
	 * more of it (RFC 9114, 4.1): the rest goes with H3_NO_ERROR rather
	 * than OpenSSL's code 0 when the stream is freed. */
	if (r->st != NULL && !q->reset_sent && (cancel ||
	    !r->st->concluded)) {
		q->reset_sent = 1;
		/* Fails harmlessly when the server already has it all. */
		qget_stream_reset(r->st, code, NULL);
	}
}

/* The response ended (nghttp3 saw the stream's FIN at a message's
 * end): check its length, as the tool did, and end the request. */
static void
finish(qget_request *r)
{
	struct h3req *q = r->drv;

	if (!q->head_done) {
		q->reset_code = H3_MESSAGE_ERROR;
		qget__req_fail(r, QGET_E_PROTOCOL, 0, 0, "the stream ended "
		    "without a final response");
		return;
	}
	/* nghttp3 refuses a body longer than content-length; shorter
	 * shows here.  HEAD, 204 and 304 announce what they never send. */
	if (r->has_length && !r->is_head && r->status != 204 &&
	    r->status != 304 && q->body < r->content_length) {
		qget__req_fail(r, QGET_E_TRUNCATED, 0, 0, "response "
		    "truncated: %" PRIu64 " of %" PRIu64 " body bytes "
		    "(content-length)", q->body, r->content_length);
		return;
	}
	qget__req_end(r);
}

/* One read of the request's stream into nghttp3.  Returns 1 when it
 * read bytes and the request goes on, 0 otherwise. */
static int
read_once(qget_request *r)
{
	qget_conn *c = r->conn;
	struct h3 *h = h3_of(c);
	struct qget__http *http = c->http;
	struct h3req *q = r->drv;
	char ctext[64];
	qget_error err;
	nghttp3_ssize nr;
	qget_status rv;
	size_t room, n;
	int fin;

	if (h == NULL || h->broken || q == NULL || q->released ||
	    (room = qget__req_room(r)) == 0)
		return 0;
	if (room > http->scratch_cap)
		room = http->scratch_cap;
	memset(&err, 0, sizeof(err));
	rv = qget__stream_read_some(r->st, http->scratch, room, &n, &fin,
	    &err);
	if (rv == QGET_E_STREAM_RESET) {
		qget__h3_code_text(ctext, sizeof(ctext), err.code);
		q->reset_code = NGHTTP3_H3_REQUEST_CANCELLED;
		/* RFC 9114, 4.1.1: REQUEST_REJECTED says the server did
		 * not process the request, which is only believable before
		 * any of its response: after that, it is a reset. */
		qget__req_fail(r, err.code == H3_REQUEST_REJECTED &&
		    !r->head_done && r->body_received == 0 &&
		    r->nrfields == 0 && r->head_len == 0 ?
		    QGET_E_REFUSED : QGET_E_STREAM_RESET, err.code, 1,
		    "stream reset by the server with %s", ctext);
		return 0;
	}
	if (rv != QGET_OK) {
		qget__req_fail(r, rv, err.code, err.has_code, "%s",
		    qget_error_str(&err));
		return 0;
	}
	if (n == 0 && !fin)
		return 0;
	h->depth++;
	nr = read_stream(h->conn, q->id, http->scratch, n, fin);
	h->depth--;
	if (nr < 0 && qget__h3_request_error((int)nr)) {
		/* The request's own error (see the top of this file). */
		q->reset_code = H3_MESSAGE_ERROR;
		if (fin && q->head_done && r->has_length && !r->is_head &&
		    q->body < r->content_length)
			qget__req_fail(r, QGET_E_TRUNCATED, 0, 0, "response "
			    "truncated: %" PRIu64 " of %" PRIu64 " body bytes "
			    "(content-length)", q->body, r->content_length);
		else
			qget__req_fail(r, QGET_E_PROTOCOL, 0, 0, "malformed "
			    "response: %s", nghttp3_strerror((int)nr));
		/* In case it had failed before: closed either way. */
		h3_release(r, 1);
		settle(h);
		return 0;
	}
	if (nr < 0) {
		fatal(h, (int)nr, "error in the server's data");
		return 0;
	}
	settle(h);
	if (h->broken || q->released || r->failed != QGET_OK)
		return 0;
	if (q->end_stream) {
		finish(r);
		return 0;
	}
	if (fin) {
		qget__req_fail(r, QGET_E_TRUNCATED, 0, 0, "response "
		    "truncated: the stream ended before the response did");
		return 0;
	}
	return 1;
}

/* Reads what is there, while the request's buffer has room: a few reads
 * per round, so that one busy request does not starve the others. */
static void
h3_readable(qget_request *r)
{
	for (int i = 0; i < 8 && read_once(r); i++)
		;
}

/* ---- writing ------------------------------------------------------------ */

/* Where nghttp3's bytes for stream `id` go: one of ours, or a request's;
 * NULL for a request that is gone. */
static qget_stream *
find_stream(struct h3 *h, int64_t id, qget_request **req)
{
	qget_request *r;

	*req = NULL;
	if (id == (int64_t)qget_stream_id(h->ctrl))
		return h->ctrl;
	if (id == (int64_t)qget_stream_id(h->qenc))
		return h->qenc;
	if (id == (int64_t)qget_stream_id(h->qdec))
		return h->qdec;
	if ((r = qget__http_find(h->c, (uint64_t)id)) == NULL || r->drv ==
	    NULL || ((struct h3req *)r->drv)->released)
		return NULL;
	*req = r;
	return r->st;
}

/* The request's stream failed under our writes. */
static void
write_failed(struct h3 *h, qget_request *r, qget_status rv,
    const qget_error *err)
{
	struct h3req *q = r->drv;
	char ctext[64];

	if (rv == QGET_E_STREAM_RESET) {
		/*
		 * STOP_SENDING: the server wants no more of the request,
		 * and may answer anyway (a 413 before the whole upload);
		 * RFC 9114, 4.1 forbids dropping a complete response for
		 * it.  Whether it answers, or resets its side too, the
		 * response's stream tells.  The body is over: the request
		 * layer stops waiting to send it.
		 */
		qget__h3_code_text(ctext, sizeof(ctext), err->code);
		qget__log(&h->c->cfg, "%s: the server stopped reading the "
		    "request (stream %" PRId64 ") with %s", r->path, q->id,
		    ctext);
		if (!h->broken)
			nghttp3_conn_shutdown_stream_write(h->conn, q->id);
		r->body_stopped = 1;
		return;
	}
	qget__req_fail(r, rv, err->code, err->has_code, "%s",
	    qget_error_str(err));
}

/*
 * Hands what nghttp3 has to send to the streams, as far as they take it
 * without blocking.  A stream that takes less than offered is marked
 * blocked for this round (or nghttp3 would offer it again at once) and
 * unblocked at the next.
 */
static qget_status
h3_flush(qget_conn *c, qget_error *err)
{
	struct h3 *h = h3_of(c);
	qget_status rv;
	size_t i;
	int rc;

	if (h == NULL)
		return QGET_OK;
	if (h->broken)
		return c->http->fatal;
	for (i = 0; i < h->nblocked; i++)
		if ((rc = nghttp3_conn_unblock_stream(h->conn,
		    h->blocked[i])) != 0)
			return fatal(h, rc, "bookkeeping failed");
	h->nblocked = 0;
	for (;;) {
		nghttp3_vec vec[16];
		int64_t id = -1;
		int fin = 0, short_write = 0;
		size_t total = 0, want = 0, w;
		nghttp3_ssize nv;
		qget_request *r;
		qget_stream *st;
		qget_error werr;

		h->depth++;
		nv = nghttp3_conn_writev_stream(h->conn, &id, &fin, vec, 16);
		h->depth--;
		if (nv < 0)
			return fatal(h, (int)nv, "framing failed");
		settle(h);
		if (h->broken)
			return c->http->fatal;
		if (id < 0)
			break;
		if ((st = find_stream(h, id, &r)) == NULL) {
			/* A request that is gone: its stream with it. */
			close_now(h, id, NGHTTP3_H3_REQUEST_CANCELLED, 1);
			if (h->broken)
				return c->http->fatal;
			continue;
		}
		memset(&werr, 0, sizeof(werr));
		rv = QGET_OK;
		for (nghttp3_ssize k = 0; k < nv; k++) {
			want += vec[k].len;
			if (short_write)
				continue;
			rv = qget__stream_write_some(st, vec[k].base,
			    vec[k].len, &w, &werr);
			total += w;
			if (rv != QGET_OK || w < vec[k].len)
				short_write = 1;
		}
		if (rv == QGET_OK && fin && !short_write)
			rv = qget__stream_conclude(st, &werr);
		if (rv != QGET_OK) {
			if (r == NULL) {
				/* A critical stream: the connection's. */
				if (err != NULL)
					*err = werr;
				return rv;
			}
			/* Failed and closed, or (STOP_SENDING with
			 * H3_NO_ERROR) its write side shut in nghttp3 while
			 * the response comes. */
			write_failed(h, r, rv, &werr);
			if (h->broken)
				return c->http->fatal;
			continue;
		}
		h->depth++;
		rc = nghttp3_conn_add_write_offset(h->conn, id, total);
		if (rc == 0)
			rc = nghttp3_conn_add_ack_offset(h->conn, id, total);
		h->depth--;
		if (rc != 0)
			return fatal(h, rc, "bookkeeping failed");
		settle(h);
		if (h->broken)
			return c->http->fatal;
		if (r != NULL) {
			struct h3req *q = r->drv;

			/* The chunk is on the stream: the next one may come. */
			if (q->out > 0 && q->acked >= q->out) {
				qget__req_body_consume(r, q->out);
				q->out = 0;
				q->acked = 0;
				if (!q->released && (rc =
				    nghttp3_conn_resume_stream(h->conn, id)) != 0)
					return fatal(h, rc, "bookkeeping failed");
			}
		}
		if (total < want) {
			if (grow((void **)&h->blocked, &h->capblocked,
			    h->nblocked, sizeof(*h->blocked)) != 0)
				return fatal(h, NGHTTP3_ERR_NOMEM,
				    "out of memory");
			nghttp3_conn_block_stream(h->conn, id);
			h->blocked[h->nblocked++] = id;
		}
	}
	return QGET_OK;
}

/* A request stream that took less than nghttp3 offered: the loop waits
 * until it takes more. */
static int
h3_wants_write(const qget_request *r)
{
	const struct h3req *q = r->drv;
	struct h3 *h = r->conn != NULL ? h3_of(r->conn) : NULL;

	if (h == NULL || q == NULL || q->released)
		return 0;
	for (size_t i = 0; i < h->nblocked; i++)
		if (h->blocked[i] == q->id)
			return 1;
	return 0;
}

/* ---- the server's streams ----------------------------------------------- */

static size_t
h3_streams(qget_conn *c, qget_stream **out, size_t cap)
{
	struct h3 *h = h3_of(c);
	size_t n = 0;

	if (h == NULL || h->broken)
		return 0;
	/* The critical ones first: with more streams than room, the
	 * others wait. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < h->npeer && n < cap; i++)
			if (h->peer[i].critical == (pass == 0))
				out[n++] = h->peer[i].st;
	return n;
}

static void
drop_peer(struct h3 *h, size_t i)
{
	qget_stream_del(h->peer[i].st);
	h->peer[i] = h->peer[--h->npeer];
}

static qget_status
h3_stream_readable(qget_conn *c, qget_stream *s, qget_error *err)
{
	struct h3 *h = h3_of(c);
	struct qget__http *http = c->http;
	int64_t id = (int64_t)qget_stream_id(s);
	struct peer *p = NULL;
	nghttp3_ssize nr;
	qget_status rv;
	qget_error rerr;
	size_t i, n;
	int fin, rc;

	if (h == NULL || h->broken)
		return QGET_OK;
	for (i = 0; i < h->npeer; i++)
		if (h->peer[i].st == s) {
			p = &h->peer[i];
			break;
		}
	if (p == NULL)
		return QGET_OK;
	for (;;) {
		memset(&rerr, 0, sizeof(rerr));
		rv = qget__stream_read_some(s, http->scratch,
		    http->scratch_cap, &n, &fin, &rerr);
		if (rv == QGET_E_STREAM_RESET) {
			/* A reset control or QPACK stream is the
			 * connection's end; another one just goes. */
			rc = nghttp3_conn_close_stream(h->conn, id, rerr.code);
			if (rc != 0 && rc != NGHTTP3_ERR_STREAM_NOT_FOUND)
				return fatal(h, rc, "the server reset a "
				    "critical stream");
			drop_peer(h, i);
			return QGET_OK;
		}
		if (rv != QGET_OK) {
			if (err != NULL)
				*err = rerr;
			return rv;
		}
		if (n == 0 && !fin)
			return QGET_OK;
		/* The stream's type is its first byte when it is one of
		 * the critical ones (0x00, 0x02, 0x03: one-byte varints). */
		if (n > 0 && !p->seen) {
			unsigned char t = http->scratch[0];

			p->seen = 1;
			p->critical = t == 0x00 || t == 0x02 || t == 0x03;
		}
		h->depth++;
		nr = read_stream(h->conn, id, http->scratch, n, fin);
		h->depth--;
		if (nr < 0)
			return fatal(h, (int)nr, "error in the server's data");
		settle(h);
		if (h->broken)
			return c->http->fatal;
		if (fin) {
			/* Only a stream nghttp3 discards may end: free it
			 * here and in nghttp3. */
			rc = nghttp3_conn_close_stream(h->conn, id, 0);
			if (rc != 0 && rc != NGHTTP3_ERR_STREAM_NOT_FOUND)
				return fatal(h, rc, "a critical stream ended");
			drop_peer(h, i);
			return QGET_OK;
		}
	}
}

static qget_status
h3_incoming(qget_conn *c, qget_error *err)
{
	struct h3 *h = h3_of(c);
	qget_stream *st;
	qget_status rv;

	if (h == NULL || h->broken)
		return QGET_OK;
	for (;;) {
		if ((rv = qget_conn_accept_stream(c, &st, err)) != QGET_OK)
			return rv;
		if (st == NULL)
			return QGET_OK;
		/* RFC 9114, 6.1: a server opens no bidirectional stream. */
		if ((qget_stream_id(st) & 0x2) == 0) {
			qget_stream_del(st);
			return fatal(h, NGHTTP3_ERR_H3_STREAM_CREATION_ERROR,
			    "the server opened a bidirectional stream");
		}
		if (grow((void **)&h->peer, &h->cappeer, h->npeer,
		    sizeof(*h->peer)) != 0) {
			qget_stream_del(st);
			return fatal(h, NGHTTP3_ERR_NOMEM, "out of memory");
		}
		memset(&h->peer[h->npeer], 0, sizeof(h->peer[h->npeer]));
		quiet(st);
		h->peer[h->npeer++].st = st;
	}
}

const struct qget__driver qget__drv_h3 = {
	.name = "h3",
	.attach = h3_attach,
	.detach = h3_detach,
	.check = h3_check,
	.start = h3_start,
	.flush = h3_flush,
	.readable = h3_readable,
	.streams = h3_streams,
	.stream_readable = h3_stream_readable,
	.incoming = h3_incoming,
	.release = h3_release,
	.wants_write = h3_wants_write,
	.no_error = NGHTTP3_H3_NO_ERROR,
};
