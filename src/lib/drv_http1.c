/*
 * The request driver for "http/1.0", the seed tutorial's: one HTTP/1.0
 * request per QUIC stream, the response delimited by the stream's FIN
 * unless it says otherwise.  http1.c parses; this file moves the bytes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "req.h"

struct h1 {
	struct qget__ps ps;       /* first: drv_stream.c's part */
	struct http1_resp *resp;  /* freed once released */
};

static qget_status
check_http1(qget_request *r, qget_error *err)
{
	(void)r;
	(void)err;
	return QGET_OK;
}

/* Appends printf output to the head being built. */
static int
add(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
add(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return 0;
		}
		size_t ncap = *cap * 2 + (size_t)n;
		char *nb = realloc(*buf, ncap);

		if (nb == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
}

static qget_status
start(qget_request *r, qget_error *err)
{
	qget_conn *c = r->conn;
	struct h1 *d;
	size_t cap = 512, len = 0;
	char *buf = NULL;
	int v6 = strchr(c->host, ':') != NULL;

	if ((d = calloc(1, sizeof(*d))) == NULL || (buf = malloc(cap)) == NULL)
		goto nomem;
	if ((d->resp = malloc(sizeof(*d->resp))) == NULL)
		goto nomem;
	qget__http1_resp_init(d->resp, r->is_head);
	/* The seed's request; the Host is the authority asked for, or the
	 * host name connected to. */
	if (add(&buf, &len, &cap, "%s %s HTTP/1.0\r\nConnection: close"
	    "\r\nHost: %s%s%s\r\n", r->method, r->path,
	    r->authority == NULL && v6 ? "[" : "",
	    r->authority != NULL ? r->authority : c->host,
	    r->authority == NULL && v6 ? "]" : "") != 0)
		goto nomem;
	for (size_t i = 0; i < r->nfields; i++)
		if (add(&buf, &len, &cap, "%s: %s\r\n", r->fields[i].name,
		    r->fields[i].value) != 0)
			goto nomem;
	if (r->body_kind != QGET__BODY_NONE && r->body_length >= 0 &&
	    add(&buf, &len, &cap, "Content-Length: %" PRId64 "\r\n",
	    r->body_length) != 0)
		goto nomem;
	if (add(&buf, &len, &cap, "\r\n") != 0)
		goto nomem;
	d->ps.out = buf;
	d->ps.out_len = len;
	r->drv = d;
	return QGET_OK;
nomem:
	if (d != NULL)
		free(d->resp);
	free(d);
	free(buf);
	return qget__fail(err, QGET_E_NOMEM, "out of memory");
}

/* Puts what r has pending on its stream, as far as flow control lets. */
static qget_status
flush_one(qget_request *r, struct h1 *d, qget_error *err)
{
	const unsigned char *p;
	qget_status rv;
	size_t n, w;
	int eof, done;

	if ((rv = qget__ps_write_out(r, &d->ps, &done, err)) != QGET_OK ||
	    !done || r->failed != QGET_OK)
		return rv;
	while (!r->body_stopped && !r->st->concluded) {
		if (qget__req_body_peek(r, 65536, &p, &n, &eof) != 0)
			return QGET_OK; /* the request failed */
		if (n > 0) {
			if ((rv = qget__stream_write_some(r->st, p, n, &w,
			    err)) != QGET_OK)
				return qget__ps_write_failed(r, rv, err);
			qget__req_body_consume(r, w);
			if (w < n)
				return QGET_OK;
		}
		if (eof) {
			if ((rv = qget__stream_conclude(r->st, err)) != QGET_OK)
				return qget__ps_write_failed(r, rv, err);
			break;
		}
		if (n == 0)
			return QGET_OK;
	}
	return QGET_OK;
}

static qget_status
flush(qget_conn *c, qget_error *err)
{
	qget_status rv;

	for (qget_request *r = c->http->head; r != NULL; r = r->next) {
		struct h1 *d = r->drv;

		if (d == NULL || d->ps.released || r->st == NULL ||
		    r->failed != QGET_OK || r->st->concluded)
			continue;
		if ((rv = flush_one(r, d, err)) != QGET_OK)
			return rv;
	}
	return QGET_OK;
}

/* The fields of a validated HTTP/1.x head: every line after the status
 * line, split at its first colon, the value without surrounding blanks
 * (http1.c checked the syntax; obsolete line folding it refuses). */
static void
head_fields(qget_request *r, const char *head, size_t len)
{
	const char *p = memchr(head, '\n', len), *end = head + len;

	while (p != NULL && p + 1 < end) {
		const char *line = p + 1, *eol, *colon, *v, *ve;

		if ((p = memchr(line, '\n', (size_t)(end - line))) == NULL)
			break;
		eol = p;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line)
			break; /* the empty line: the end of the head */
		if ((colon = memchr(line, ':', (size_t)(eol - line))) == NULL)
			continue;
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (qget__req_field(r, line, (size_t)(colon - line), v,
		    (size_t)(ve - v)) != QGET_OK)
			return;
	}
}

/* Body bytes, framed by http1_body (length, chunks). */
static qget_status
body(qget_request *r, struct http1_resp *resp, const unsigned char *p,
    size_t n, char *msg, size_t msglen)
{
	const unsigned char *data;
	size_t used, len;
	qget_status rv;

	while (n > 0) {
		if ((rv = qget__http1_body(resp, p, n, &used, &data, &len, msg,
		    msglen)) != QGET_OK)
			return rv;
		p += used;
		n -= used;
		qget__req_data(r, data, len);
	}
	return QGET_OK;
}

/* The head is decided: what it says becomes the response's. */
static qget_status
decided(qget_request *r, struct http1_resp *resp, char *msg, size_t msglen)
{
	if (resp->simple) {
		/* No status line: HTTP/0.9's answer, all body. */
		r->version = "HTTP/0.9";
		r->status = 0;
		qget__req_head_done(r);
		return body(r, resp, resp->head, resp->head_len, msg, msglen);
	}
	r->version = resp->version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
	r->status = resp->status;
	if (qget__req_head_text(r, resp->head, resp->head_len) != QGET_OK)
		return QGET_OK; /* failed already */
	head_fields(r, (const char *)resp->head, resp->head_len);
	if (resp->has_length && !resp->no_body) {
		r->has_length = 1;
		r->content_length = resp->content_length;
	}
	qget__req_head_done(r);
	return QGET_OK;
}

static void
input(qget_request *r, const unsigned char *p, size_t n, int fin)
{
	struct h1 *d = r->drv;
	struct http1_resp *resp;
	char msg[512];
	qget_status rv;
	size_t used = 0;

	if (d == NULL || d->ps.released)
		return;
	resp = d->resp;
	msg[0] = '\0';
	if (n > 0 && !resp->decided) {
		if ((rv = qget__http1_feed(resp, p, n, &used, msg,
		    sizeof(msg))) != QGET_OK)
			goto fail;
		if (resp->decided && (rv = decided(r, resp, msg,
		    sizeof(msg))) != QGET_OK)
			goto fail;
	}
	if (n > used && (rv = body(r, resp, p + used, n - used, msg,
	    sizeof(msg))) != QGET_OK)
		goto fail;
	if (!fin || r->failed != QGET_OK)
		return;
	if (!resp->decided) {
		if ((rv = qget__http1_finish(resp, msg, sizeof(msg))) !=
		    QGET_OK || (rv = decided(r, resp, msg, sizeof(msg))) !=
		    QGET_OK)
			goto fail;
	}
	/* Short of its Content-Length, or of its last chunk. */
	if ((rv = qget__http1_body_end(resp, msg, sizeof(msg))) != QGET_OK)
		goto fail;
	qget__req_end(r);
	return;
fail:
	qget__req_fail(r, rv, 0, 0, "%s", msg);
}

static void
readable(qget_request *r)
{
	qget__ps_read(r, input);
}

static void
release(qget_request *r, int cancel)
{
	struct h1 *d = r->drv;

	if (qget__ps_release(r, cancel)) {
		free(d->resp);
		d->resp = NULL;
	}
}

const struct qget__driver qget__drv_http1 = {
	.name = "http/1.0",
	.attach = qget__ps_attach,
	.detach = qget__ps_detach,
	.check = check_http1,
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
