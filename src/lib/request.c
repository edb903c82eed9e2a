/*
 * Requests and the connection's poll loop (see req.h and qget.h's
 * "HTTP: requests and responses").
 *
 * One loop serves every protocol: open the streams of queued requests as
 * the server's stream limit allows, let the driver write what is
 * pending, wait until a request stream with room in its buffer is
 * readable (or can take more of a request body, or a stream of the
 * driver's own is readable, or the server opens a stream), and hand each
 * ready stream to the driver, which decodes into the request's buffer and
 * raises events.  A request whose buffer is full is not read: QUIC's flow
 * control then holds the server back, so memory stays bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include <openssl/err.h>

#include "req.h"

#define STAGE_CAP (64 * 1024)
#define MAX_PATH_LEN 8000
/* How much of a stream OpenSSL may hold, read from the network but not
 * by us, before the loop stops reading the socket (pull()).  It costs
 * about 1.6 times as much memory (each packet's buffer and OpenSSL's
 * record of it).  What the server may send beyond it waits in the
 * socket's buffer, which must take it: at OpenSSL's largest window
 * (6 MiB) that is 4.25 MiB, and the 4 MiB buffer conn.c asks for (8 MiB
 * as the kernel counts, ~2.3 KiB per 1200-byte datagram, less for GRO's
 * coalesced ones) takes about 4 MiB of stream data; socket_filling()
 * covers the rest and smaller buffers.  2.25 MiB measured 12.1 MiB of
 * peak RSS from a GSO server into a slow pipe (over the 12 MiB bound),
 * 1.75 MiB 9.3-11.4 MiB. */
#define HELD_MAX (1792 * 1024)
/* Network reads per qget_conn_poll(c, ..., 0) while the socket has
 * more: each is one batch of at most 32 datagrams (OpenSSL's demux), or
 * of two while udpio paces reads (below about 7 MB/s): 64 of those still
 * empty what a program that services every 10 ms lets pile up at the
 * rate where pacing stops (64 datagrams per 10 ms), and HELD_MAX bounds
 * the fast case. */
#define SERVICE_PULLS 64

/* ---- the connection's request layer ----------------------------------- */

struct qget__http *
qget__http(qget_conn *c)
{
	struct qget__http *h;

	if (c->http != NULL)
		return c->http;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (strcmp(c->alpn, "h3") == 0)
		h->drv = &qget__drv_h3;
	else if (strcmp(c->alpn, "hq-interop") == 0)
		h->drv = &qget__drv_hq;
	else
		h->drv = &qget__drv_http1;
	c->http = h;
	return h;
}

void
qget__http_free(qget_conn *c)
{
	struct qget__http *h = c->http;

	if (h == NULL)
		return;
	/* Requests outliving their connection are a caller's bug; they
	 * are cut loose so that freeing them later touches nothing. */
	for (qget_request *r = h->head; r != NULL; r = r->next) {
		if (r->drv != NULL)
			h->drv->release(r, 0);
		qget_stream_del(r->st);
		r->st = NULL;
		r->conn = NULL;
	}
	if (h->attached)
		h->drv->detach(c);
	free(h->scratch);
	free(h);
	c->http = NULL;
}

uint64_t
qget_conn_app_no_error(const qget_conn *c)
{
	return c != NULL && strcmp(c->alpn, "h3") == 0 ? QGET_H3_NO_ERROR : 0;
}

qget_request *
qget__http_find(qget_conn *c, uint64_t id)
{
	if (c->http == NULL)
		return NULL;
	for (qget_request *r = c->http->head; r != NULL; r = r->next)
		if (r->st != NULL && qget_stream_id(r->st) == id)
			return r;
	return NULL;
}

static int
is_over(const qget_request *r)
{
	return r->ended || r->failed != QGET_OK;
}

/* The request's failure; `event`: tell the program with an event (a
 * failure of its own), or not (the connection's, which qget_conn_poll()
 * returns once for all). */
static void
set_failed(qget_request *r, qget_status st, const qget_error *err,
    int event)
{
	unsigned ev;

	if (r->failed != QGET_OK || r->ended)
		return;
	r->failed = st;
	r->error = *err;
	r->error.status = st;
	ev = st == QGET_E_STREAM_RESET ? QGET_EV_RESET :
	    st == QGET_E_REFUSED ? QGET_EV_REFUSED : QGET_EV_FAILED;
	/* Nothing of it is readable any more. */
	r->events &= ~(unsigned)QGET_EV_DATA;
	if (event)
		r->events |= ev;
	r->state = QGET__R_DONE;
	r->t_end = qget__now_us();
	/* What was decoded before the failure is not a response. */
	r->rbuf_len = 0;
	r->rbuf_off = 0;
}

void
qget__req_fail(qget_request *r, qget_status st, uint64_t code, int has_code,
    const char *fmt, ...)
{
	qget_error err;
	va_list ap;

	if (is_over(r))
		return;
	memset(&err, 0, sizeof(err));
	va_start(ap, fmt);
	vsnprintf(err.detail, sizeof(err.detail), fmt, ap);
	va_end(ap);
	err.has_code = has_code;
	err.code = code;
	set_failed(r, st, &err, 1);
	/* Stop the rest of it: the stream is reset and no longer read. */
	if (r->conn != NULL && r->drv != NULL)
		r->conn->http->drv->release(r, 1);
}

void
qget__http_fatal(qget_conn *c, qget_status st, uint64_t app_code,
    const char *fmt, ...)
{
	struct qget__http *h = c->http;
	va_list ap;

	if (h->fatal != QGET_OK)
		return;
	memset(&h->fatal_err, 0, sizeof(h->fatal_err));
	va_start(ap, fmt);
	vsnprintf(h->fatal_err.detail, sizeof(h->fatal_err.detail), fmt, ap);
	va_end(ap);
	h->fatal = st;
	h->fatal_err.status = st;
	qget_conn_abort(c, app_code, h->fatal_err.detail);
}

void
qget__http_goaway(qget_conn *c, uint64_t id)
{
	struct qget__http *h = c->http;

	if (!h->goaway || id < h->goaway_id)
		h->goaway_id = id;
	h->goaway = 1;
	qget__log(&c->cfg, "the server sent GOAWAY: requests from stream %"
	    PRIu64 " on will not be processed", id);
	for (qget_request *r = h->head; r != NULL; r = r->next) {
		if (is_over(r))
			continue;
		if (r->state == QGET__R_QUEUED || (r->st != NULL &&
		    qget_stream_id(r->st) >= h->goaway_id))
			qget__req_fail(r, QGET_E_REFUSED, 0, 0, "not processed: "
			    "the server is going away (GOAWAY)");
	}
}

/* ---- what drivers call ------------------------------------------------ */

size_t
qget__req_room(const qget_request *r)
{
	if (is_over(r))
		return 0;
	return QGET__RBUF_CAP - r->rbuf_off - r->rbuf_len;
}

void
qget__req_data(qget_request *r, const void *p, size_t n)
{
	if (n == 0 || is_over(r))
		return;
	if (r->rbuf == NULL) {
		if ((r->rbuf = malloc(QGET__RBUF_CAP)) == NULL) {
			qget__req_fail(r, QGET_E_NOMEM, 0, 0, "out of memory");
			return;
		}
		r->rbuf_off = 0;
	}
	if (n > QGET__RBUF_CAP - r->rbuf_off - r->rbuf_len) {
		/* A driver bug, not the peer's: never write past the end. */
		qget__req_fail(r, QGET_E_FAILURE, 0, 0,
		    "internal error: response buffer overrun");
		return;
	}
	memcpy(r->rbuf + r->rbuf_off + r->rbuf_len, p, n);
	r->rbuf_len += n;
	r->body_received += n;
	if (r->t_first == 0)
		r->t_first = qget__now_us();
	r->events |= QGET_EV_DATA;
}

qget_status
qget__req_field(qget_request *r, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	struct qget__field *f;
	char *mem;

	if (r->rfields_bytes + nlen + vlen + 32 > QGET__MAX_FIELD_BYTES) {
		qget__req_fail(r, QGET_E_PROTOCOL, 0, 0, "response header "
		    "fields over %d bytes", QGET__MAX_FIELD_BYTES);
		return QGET_E_PROTOCOL;
	}
	if (r->nrfields == r->caprfields) {
		size_t cap = r->caprfields ? r->caprfields * 2 : 16;

		if ((f = realloc(r->rfields, cap * sizeof(*f))) == NULL)
			goto nomem;
		r->rfields = f;
		r->caprfields = cap;
	}
	if ((mem = malloc(nlen + vlen + 2)) == NULL)
		goto nomem;
	f = &r->rfields[r->nrfields++];
	f->name = mem;
	memcpy(f->name, name, nlen);
	f->name[nlen] = '\0';
	f->namelen = nlen;
	f->value = mem + nlen + 1;
	memcpy(f->value, value, vlen);
	f->value[vlen] = '\0';
	f->valuelen = vlen;
	r->rfields_bytes += nlen + vlen + 32;
	return QGET_OK;
nomem:
	qget__req_fail(r, QGET_E_NOMEM, 0, 0, "out of memory");
	return QGET_E_NOMEM;
}

qget_status
qget__req_head_text(qget_request *r, const void *p, size_t n)
{
	if (r->head_len + n + 1 > r->head_cap) {
		size_t cap = r->head_cap ? r->head_cap : 512;
		char *nh;

		while (cap < r->head_len + n + 1)
			cap *= 2;
		if (cap > 2 * QGET__MAX_FIELD_BYTES + 1024) {
			qget__req_fail(r, QGET_E_PROTOCOL, 0, 0, "response "
			    "head over %d bytes", 2 * QGET__MAX_FIELD_BYTES);
			return QGET_E_PROTOCOL;
		}
		if ((nh = realloc(r->head, cap)) == NULL) {
			qget__req_fail(r, QGET_E_NOMEM, 0, 0, "out of memory");
			return QGET_E_NOMEM;
		}
		r->head = nh;
		r->head_cap = cap;
	}
	memcpy(r->head + r->head_len, p, n);
	r->head_len += n;
	r->head[r->head_len] = '\0';
	return QGET_OK;
}

void
qget__req_head_done(qget_request *r)
{
	if (r->head_done || is_over(r))
		return;
	r->head_done = 1;
	r->t_head = qget__now_us();
	r->events |= QGET_EV_HEAD;
}

void
qget__req_end(qget_request *r)
{
	if (is_over(r))
		return;
	if (!r->head_done)
		qget__req_head_done(r);
	r->ended = 1;
	r->state = QGET__R_DONE;
	r->t_end = qget__now_us();
	r->events |= QGET_EV_END;
	if (r->conn != NULL && r->drv != NULL)
		r->conn->http->drv->release(r, 0);
}

/* ---- request bodies ---------------------------------------------------- */

int
qget__req_body_peek(qget_request *r, size_t max, const unsigned char **p,
    size_t *n, int *eof)
{
	*p = NULL;
	*n = 0;
	*eof = 0;
	switch (r->body_kind) {
	case QGET__BODY_NONE:
		*eof = 1;
		return 0;
	case QGET__BODY_BUF:
		*p = r->body_buf + r->body_sent;
		*n = r->body_len - (size_t)r->body_sent;
		if (*n > max)
			*n = max;
		*eof = r->body_sent + *n == r->body_len;
		return 0;
	default:
		break;
	}
	if (r->stage_len == 0 && !r->body_eof) {
		ssize_t got;

		if (r->stage == NULL && (r->stage = malloc(STAGE_CAP)) == NULL) {
			qget__req_fail(r, QGET_E_NOMEM, 0, 0, "out of memory");
			return -1;
		}
		r->stage_off = 0;
		if (r->body_kind == QGET__BODY_FD) {
			do
				got = read(r->body_fd, r->stage, STAGE_CAP);
			while (got < 0 && errno == EINTR);
			if (got < 0) {
				qget__req_fail(r, QGET_E_FAILURE, 0, 0, "reading "
				    "the request body: %s", strerror(errno));
				return -1;
			}
		} else {
			long cb = r->body_cb(r->body_arg, r->stage, STAGE_CAP);

			if (cb < 0 || cb > STAGE_CAP) {
				qget__req_fail(r, QGET_E_FAILURE, 0, 0, "the "
				    "request body's callback failed");
				return -1;
			}
			got = cb;
		}
		r->stage_len = (size_t)got;
		if (got == 0)
			r->body_eof = 1;
		else if (r->body_length >= 0 && r->body_sent + (uint64_t)got >
		    (uint64_t)r->body_length) {
			qget__req_fail(r, QGET_E_FAILURE, 0, 0, "the request "
			    "body is longer than its announced %" PRId64
			    " bytes", r->body_length);
			return -1;
		}
	}
	*p = r->stage + r->stage_off;
	*n = r->stage_len < max ? r->stage_len : max;
	*eof = r->body_eof && r->stage_len == *n;
	if (r->body_eof && r->body_length >= 0 &&
	    r->body_sent + r->stage_len < (uint64_t)r->body_length) {
		qget__req_fail(r, QGET_E_FAILURE, 0, 0, "the request body "
		    "ended before its announced %" PRId64 " bytes",
		    r->body_length);
		return -1;
	}
	return 0;
}

void
qget__req_body_consume(qget_request *r, size_t n)
{
	r->body_sent += n;
	if (r->body_kind == QGET__BODY_FD || r->body_kind == QGET__BODY_CB) {
		r->stage_off += n;
		r->stage_len -= n;
		if (r->stage_len == 0)
			r->stage_off = 0;
	}
}

/* ---- building a request ----------------------------------------------- */

static int
is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* Bytes a request line or field may not hold: they would end it. */
static int
has_ctl(const char *s, int allow_tab_space)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x7f || (*p < 0x20 && !(allow_tab_space &&
		    *p == '\t')) || (*p == ' ' && !allow_tab_space))
			return 1;
	}
	return 0;
}

qget_status
qget_request_new(qget_request **out, qget_conn *c, const char *method,
    const char *path, qget_error *err)
{
	qget_request *r = NULL;
	struct qget__http *h;
	qget_status rv;

	qget__error_clear(err);
	if (out == NULL || c == NULL || c->ssl == NULL || method == NULL ||
	    path == NULL)
		return qget__fail(err, QGET_E_USAGE, "request: bad arguments");
	*out = NULL;
	if (!is_token(method) || strlen(method) > 64)
		return qget__fail(err, QGET_E_USAGE, "request: the method "
		    "is not an HTTP token");
	if ((path[0] != '/' && strcmp(path, "*") != 0) || has_ctl(path, 0) ||
	    strlen(path) > MAX_PATH_LEN)
		return qget__fail(err, QGET_E_USAGE, "request: the path must "
		    "start with '/' and hold no spaces or control bytes (at "
		    "most %d bytes)", MAX_PATH_LEN);
	if ((h = qget__http(c)) == NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL ||
	    (r->method = strdup(method)) == NULL ||
	    (r->path = strdup(path)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto fail;
	}
	r->conn = c;
	r->state = QGET__R_NEW;
	r->version = "";
	r->body_fd = -1;
	r->body_length = -1;
	r->is_head = strcmp(method, "HEAD") == 0;
	r->prev = h->tail;
	if (h->tail != NULL)
		h->tail->next = r;
	else
		h->head = r;
	h->tail = r;
	*out = r;
	return QGET_OK;
fail:
	if (r != NULL) {
		free(r->method);
		free(r->path);
		free(r);
	}
	return rv;
}

qget_status
qget_request_set_authority(qget_request *r, const char *authority,
    qget_error *err)
{
	char *copy;

	qget__error_clear(err);
	if (r == NULL || authority == NULL || r->state != QGET__R_NEW)
		return qget__fail(err, QGET_E_USAGE, "authority: bad "
		    "arguments");
	if (*authority == '\0' || has_ctl(authority, 0) ||
	    strpbrk(authority, "/?#@\\") != NULL || strlen(authority) > 300)
		return qget__fail(err, QGET_E_USAGE, "authority: '%.100s' is "
		    "not host[:port]", authority);
	if ((copy = strdup(authority)) == NULL)
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	free(r->authority);
	r->authority = copy;
	return QGET_OK;
}

/* Names qget sets itself, or that HTTP/3 forbids (RFC 9114, 4.2). */
static const char *const own_fields[] = {
	"host", "connection", "content-length", "transfer-encoding",
	"keep-alive", "proxy-connection", "upgrade", "te",
};

qget_status
qget_request_add_header(qget_request *r, const char *name, const char *value,
    qget_error *err)
{
	struct qget__field *f;
	const char *v, *ve;
	size_t nlen, vlen;
	char *mem;

	qget__error_clear(err);
	if (r == NULL || name == NULL || value == NULL ||
	    r->state != QGET__R_NEW)
		return qget__fail(err, QGET_E_USAGE, "header: bad arguments");
	if (name[0] == ':')
		return qget__fail(err, QGET_E_USAGE, "header: '%.100s': "
		    "pseudo-headers are qget's to set", name);
	if (!is_token(name))
		return qget__fail(err, QGET_E_USAGE, "header: '%.100s' is not "
		    "a field name", name);
	nlen = strlen(name);
	for (size_t i = 0; i < sizeof(own_fields) / sizeof(own_fields[0]); i++)
		if (strcasecmp(name, own_fields[i]) == 0)
			return qget__fail(err, QGET_E_USAGE, "header: qget sets "
			    "or refuses the '%s' header itself", name);
	/* CR and LF would end the field and inject others. */
	if (has_ctl(value, 1))
		return qget__fail(err, QGET_E_USAGE, "header: the value of "
		    "'%.100s' holds a control character (CR, LF, ...)", name);
	v = value;
	ve = value + strlen(value);
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	vlen = (size_t)(ve - v);
	if (r->fields_bytes + nlen + vlen + 4 > QGET__MAX_FIELD_BYTES)
		return qget__fail(err, QGET_E_USAGE, "header: the fields add "
		    "up to more than %d bytes", QGET__MAX_FIELD_BYTES);
	if (r->nfields == r->capfields) {
		size_t cap = r->capfields ? r->capfields * 2 : 8;

		if ((f = realloc(r->fields, cap * sizeof(*f))) == NULL)
			return qget__fail(err, QGET_E_NOMEM, "out of memory");
		r->fields = f;
		r->capfields = cap;
	}
	if ((mem = malloc(nlen + vlen + 2)) == NULL)
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	f = &r->fields[r->nfields++];
	f->name = mem;
	memcpy(f->name, name, nlen + 1);
	f->namelen = nlen;
	f->value = mem + nlen + 1;
	memcpy(f->value, v, vlen);
	f->value[vlen] = '\0';
	f->valuelen = vlen;
	r->fields_bytes += nlen + vlen + 4;
	if (strcasecmp(name, "user-agent") == 0)
		r->has_user_agent = 1;
	return QGET_OK;
}

static qget_status
body_check(qget_request *r, qget_error *err)
{
	if (r == NULL || r->state != QGET__R_NEW)
		return qget__fail(err, QGET_E_USAGE, "body: bad arguments");
	if (r->body_kind != QGET__BODY_NONE)
		return qget__fail(err, QGET_E_USAGE, "body: the request has "
		    "one already");
	return QGET_OK;
}

qget_status
qget_request_set_body(qget_request *r, const void *buf, size_t len,
    qget_error *err)
{
	qget_status rv;

	qget__error_clear(err);
	if ((rv = body_check(r, err)) != QGET_OK)
		return rv;
	if (buf == NULL && len != 0)
		return qget__fail(err, QGET_E_USAGE, "body: no buffer");
	r->body_kind = QGET__BODY_BUF;
	r->body_buf = buf;
	r->body_len = len;
	r->body_length = (int64_t)len;
	return QGET_OK;
}

qget_status
qget_request_set_body_fd(qget_request *r, int fd, qget_error *err)
{
	struct stat sb;
	off_t pos;
	qget_status rv;

	qget__error_clear(err);
	if ((rv = body_check(r, err)) != QGET_OK)
		return rv;
	if (fd < 0 || fstat(fd, &sb) != 0)
		return qget__fail(err, QGET_E_USAGE, "body: bad file "
		    "descriptor");
	r->body_kind = QGET__BODY_FD;
	r->body_fd = fd;
	r->body_length = -1;
	/* A regular file announces what is left of it. */
	if (S_ISREG(sb.st_mode) && (pos = lseek(fd, 0, SEEK_CUR)) >= 0 &&
	    pos <= sb.st_size)
		r->body_length = (int64_t)(sb.st_size - pos);
	return QGET_OK;
}

qget_status
qget_request_set_body_cb(qget_request *r, qget_read_cb cb, void *arg,
    int64_t length, qget_error *err)
{
	qget_status rv;

	qget__error_clear(err);
	if ((rv = body_check(r, err)) != QGET_OK)
		return rv;
	if (cb == NULL || length < -1)
		return qget__fail(err, QGET_E_USAGE, "body: no callback");
	r->body_kind = QGET__BODY_CB;
	r->body_cb = cb;
	r->body_arg = arg;
	r->body_length = length;
	return QGET_OK;
}

/* ---- the loop ----------------------------------------------------------- */

/*
 * What a request's stream still holds after the connection ended: the
 * server may have sent a whole response before it closed, and OpenSSL
 * keeps a stream's received bytes readable.  Reads while there is room;
 * returns 1 when the request may still complete (it ended, or its buffer
 * is full and the stream may hold more for when the program has read).
 */
static int
salvage(qget_request *r)
{
	const struct qget__driver *drv = r->conn->http->drv;

	while (!is_over(r) && r->st != NULL && qget__req_room(r) > 0) {
		uint64_t before = qget_stream_bytes_read(r->st);
		int ended_before = r->ended;

		drv->readable(r);
		if (qget_stream_bytes_read(r->st) == before &&
		    r->ended == ended_before)
			break;
	}
	return r->ended || (r->failed == QGET_OK && r->st != NULL &&
	    qget__req_room(r) == 0);
}

/* How far r had come when a time limit ended it, after the limit's
 * detail: " after 123456 body bytes of 1000000". */
static void
progress_text(const qget_request *r, char *out, size_t cap)
{
	int sending = !r->head_done && r->body_kind != QGET__BODY_NONE &&
	    !r->body_stopped && (!r->body_eof || r->stage_off < r->stage_len);

	if (r->st == NULL)
		snprintf(out, cap, " before the request got a stream");
	else if (sending && r->body_length >= 0)
		snprintf(out, cap, " while sending the request body, after "
		    "%" PRIu64 " bytes of %" PRId64, r->body_sent,
		    r->body_length);
	else if (sending)
		snprintf(out, cap, " while sending the request body, after "
		    "%" PRIu64 " bytes", r->body_sent);
	else if (!r->head_done)
		snprintf(out, cap, " before the response head arrived");
	else if (r->has_length)
		snprintf(out, cap, " after %" PRIu64 " body bytes of %" PRIu64,
		    r->body_received, r->content_length);
	else
		snprintf(out, cap, " after %" PRIu64 " body bytes",
		    r->body_received);
}

/* Appends `text` to err's detail, as far as it fits. */
static void
detail_append(qget_error *err, const char *text)
{
	size_t used = strlen(err->detail);

	snprintf(err->detail + used, sizeof(err->detail) - used, "%s", text);
}

/* The connection failed: every request still running fails with it,
 * but for those whose response is already here in full.  A time limit
 * says, for each request, how far it had come, and for the connection,
 * how far the requests it ended had come. */
static qget_status
conn_failed(qget_conn *c, qget_status st, const qget_error *err)
{
	struct qget__http *h = c->http;
	qget_request *last = NULL;
	uint64_t received = 0;
	size_t nfailed = 0;
	qget_error rerr;
	char text[128];

	if (h->fatal == QGET_OK) {
		h->fatal = st;
		if (err != NULL)
			h->fatal_err = *err;
		else
			memset(&h->fatal_err, 0, sizeof(h->fatal_err));
		h->fatal_err.status = st;
		h->fatal_len = strlen(h->fatal_err.detail);
	}
	for (qget_request *r = h->head; r != NULL; r = r->next) {
		if (is_over(r) || r->state == QGET__R_NEW)
			continue;
		if (r->state == QGET__R_OPEN && h->attached && salvage(r))
			continue;
		if (is_over(r))
			continue;
		rerr = h->fatal_err;
		if (h->fatal == QGET_E_TIMEOUT) {
			rerr.detail[h->fatal_len] = '\0';
			progress_text(r, text, sizeof(text));
			detail_append(&rerr, text);
			last = r;
			received += r->body_received;
			nfailed++;
		}
		set_failed(r, h->fatal, &rerr, 0);
	}
	if (nfailed > 0 && !h->fatal_noted) {
		h->fatal_noted = 1;
		if (nfailed == 1)
			progress_text(last, text, sizeof(text));
		else
			snprintf(text, sizeof(text), " with %zu requests in "
			    "progress (%" PRIu64 " body bytes received)",
			    nfailed, received);
		detail_append(&h->fatal_err, text);
	}
	return h->fatal;
}

static qget_status
fatal_status(qget_conn *c, qget_error *err)
{
	struct qget__http *h = c->http;

	conn_failed(c, h->fatal, &h->fatal_err);
	if (err != NULL)
		*err = h->fatal_err;
	return h->fatal;
}

static qget_status
attach(qget_conn *c, qget_error *err)
{
	struct qget__http *h = c->http;
	qget_status rv;

	if (h->attached)
		return QGET_OK;
	if (h->scratch == NULL) {
		if ((h->scratch = malloc(QGET__RBUF_CAP)) == NULL)
			return qget__fail(err, QGET_E_NOMEM, "out of memory");
		h->scratch_cap = QGET__RBUF_CAP;
	}
	if ((rv = h->drv->attach(c, err)) != QGET_OK)
		return rv;
	h->attached = 1;
	return QGET_OK;
}

/*
 * OpenSSL handles the connection's events inside every call on a stream
 * (implicit mode): each SSL_read_ex() on a request stream would read a
 * batch of datagrams (up to 32) off the socket and decrypt them, whether
 * or not the program wants more, and those stay in OpenSSL's memory
 * until their stream is read.  The request layer's streams are explicit
 * instead: the loop decides when the network is read (pull()).
 */
static void
stream_quiet(qget_stream *s)
{
	(void)SSL_set_event_handling_mode(s->ssl,
	    SSL_VALUE_EVENT_HANDLING_MODE_EXPLICIT);
}

/* Streams for queued requests, in order, while the server allows. */
static qget_status
open_queued(qget_conn *c, qget_error *err)
{
	struct qget__http *h = c->http;
	qget_error rerr;
	qget_status rv;

	for (qget_request *r = h->head; r != NULL; r = r->next) {
		if (r->state != QGET__R_QUEUED)
			continue;
		if ((rv = qget__stream_try_open(c, 0, &r->st, err)) != QGET_OK)
			return rv;
		if (r->st == NULL)
			return QGET_OK; /* no credit: wait for MAX_STREAMS */
		stream_quiet(r->st);
		r->state = QGET__R_OPEN;
		memset(&rerr, 0, sizeof(rerr));
		if ((rv = h->drv->start(r, &rerr)) != QGET_OK) {
			if (h->fatal != QGET_OK)
				return fatal_status(c, err);
			if (!is_over(r))
				qget__req_fail(r, rv, rerr.code, rerr.has_code,
				    "%s", qget_error_str(&rerr));
			continue;
		}
		r->t_sent = qget__now_us();
	}
	return QGET_OK;
}

static int
has_queued(const struct qget__http *h)
{
	for (const qget_request *r = h->head; r != NULL; r = r->next)
		if (r->state == QGET__R_QUEUED)
			return 1;
	return 0;
}

static int
body_pending(const qget_request *r)
{
	return r->body_kind != QGET__BODY_NONE && r->st != NULL &&
	    !is_over(r) && !r->body_stopped &&
	    !(r->body_eof && r->stage_len == 0) &&
	    !(r->body_kind == QGET__BODY_BUF && r->body_sent == r->body_len);
}

/* Is the connection closing or closed?  (SSL_get_conn_close_info()
 * writes its answer: it needs a real buffer even for a yes or no.) */
static int
conn_gone(qget_conn *c)
{
	SSL_CONN_CLOSE_INFO ci;

	return SSL_get_conn_close_info(c->ssl, &ci, sizeof(ci));
}

/*
 * Opens the streams of queued requests and writes what is pending.  When
 * that fails because the connection is gone, it is not the failure to
 * report yet: the server may have answered in full before it closed, and
 * the loop reads the streams before it looks at the connection's end.
 */
static qget_status
send_pending(qget_conn *c, qget_error *err)
{
	qget_status rv;

	if ((rv = open_queued(c, err)) == QGET_OK)
		rv = c->http->drv->flush(c, err);
	if (rv != QGET_OK && rv != QGET_E_NOMEM && conn_gone(c)) {
		ERR_clear_error();
		qget__error_clear(err);
		rv = QGET_OK;
	}
	return rv;
}

/* Has the socket datagrams that OpenSSL has not read yet? */
static int
socket_has_data(const qget_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	return c->fd >= 0 && poll(&pfd, 1, 0) > 0 &&
	    (pfd.revents & POLLIN) != 0;
}

/* Is one of OpenSSL's timers (ACK delay, loss detection, idle) due? */
static int
timer_due(qget_conn *c)
{
	struct timeval tv;
	int infinite = 1;

	return SSL_get_event_timeout(c->ssl, &tv, &infinite) && !infinite &&
	    tv.tv_sec == 0 && tv.tv_usec == 0;
}

/* Is the socket's receive buffer 15/16 full?  Beyond it the kernel drops
 * datagrams, and each loss makes OpenSSL hold everything that follows
 * until the retransmission arrives. */
static int
socket_filling(const qget_conn *c)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);

	return c->fd >= 0 && getsockopt(c->fd, SOL_SOCKET, SO_MEMINFO, mi,
	    &len) == 0 && len >= sizeof(mi) &&
	    mi[SK_MEMINFO_RMEM_ALLOC] >= mi[SK_MEMINFO_RCVBUF] / 16 * 15;
}

/*
 * Should OpenSSL read more datagrams?  Yes while it holds less than
 * HELD_MAX of every request stream (bytes read from the network but not
 * yet by us), and whatever it holds when a request has room for bytes
 * OpenSSL does not have (behind a loss, all that came after must be read
 * to reach the retransmission), when a request body waits to be sent,
 * or when the socket would overflow otherwise.
 */
static int
want_network(const qget_conn *c)
{
	const struct qget__http *h = c->http;
	size_t held = 0, n;

	for (const qget_request *r = h->head; r != NULL; r = r->next) {
		if (r->st == NULL || is_over(r))
			continue;
		if (body_pending(r))
			return 1;
		/* Walks OpenSSL's list of the stream's frames: short while
		 * the program keeps up. */
		ERR_set_mark();
		n = (size_t)SSL_pending(r->st->ssl);
		ERR_pop_to_mark();
		if (n == 0 && qget__req_room(r) > 0)
			return 1;
		if (n > held)
			held = n;
	}
	return held < HELD_MAX || socket_filling(c);
}

/*
 * Lets OpenSSL read the network (and run its timers, and send).  Every
 * datagram it reads stays in its memory until the stream is read, so
 * the network is read at the pace the program takes data: one batch of
 * at most 32 datagrams (OpenSSL's demux) per round, none while OpenSSL
 * holds HELD_MAX of a stream already (only its timers then run).  With
 * `service` (qget_conn_poll() with timeout 0, which a program calls
 * while it cannot take data, e.g. while its output is full) the socket
 * is emptied instead, up to HELD_MAX: acknowledgements are then
 * processed on time, so OpenSSL's RTT estimate stays true, and with it
 * the flow-control window OpenSSL grows from that estimate (up to 6 MiB
 * a stream in OpenSSL 3.5, with no way to cap it); the server's data
 * waits at the server instead of in the socket's buffer, which it would
 * overflow (and a loss makes OpenSSL keep everything behind it).
 */
static void
pull(qget_conn *c, int service)
{
	if (!want_network(c)) {
		if (timer_due(c))
			SSL_handle_events(c->ssl);
		return;
	}
	SSL_handle_events(c->ssl);
	for (int i = 1; service && i < SERVICE_PULLS && socket_has_data(c) &&
	    want_network(c); i++)
		SSL_handle_events(c->ssl);
}

/*
 * One round: opens and writes what it can, waits (until deadline_us, 0:
 * the connection's own limits only; nowait: not at all) for something to
 * do, does it.  Returns QGET_OK, or the connection's failure; *timed_out
 * when deadline_us passed first.
 */
static qget_status
drive(qget_conn *c, uint64_t deadline_us, int nowait, int *timed_out,
    qget_error *err)
{
	static const struct timeval zero = { 0, 0 };
	struct qget__http *h = c->http;
	SSL_POLL_ITEM *items = NULL;
	qget_request **reqs = NULL;
	qget_stream **own = NULL;
	size_t nreq = 0, nown = 0, n = 0, i, nres, cap;
	uint64_t conn_events, dl;
	qget_status rv;
	int any;

	*timed_out = 0;
	if (h->fatal != QGET_OK)
		return fatal_status(c, err);
	if ((rv = send_pending(c, err)) != QGET_OK)
		goto conn_fail;
	if (h->fatal != QGET_OK)
		return fatal_status(c, err);

	cap = 64;
	for (qget_request *r = h->head; r != NULL; r = r->next)
		cap++;
	if ((items = calloc(cap + 1, sizeof(*items))) == NULL ||
	    (reqs = calloc(cap, sizeof(*reqs))) == NULL ||
	    (own = calloc(64, sizeof(*own))) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	for (qget_request *r = h->head; r != NULL; r = r->next) {
		uint64_t ev = 0;

		if (r->st == NULL || is_over(r))
			continue;
		if (qget__req_room(r) > 0)
			ev |= SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER;
		if (body_pending(r) || (h->drv->wants_write != NULL &&
		    h->drv->wants_write(r)))
			ev |= SSL_POLL_EVENT_W | SSL_POLL_EVENT_EW;
		if (ev == 0)
			continue;
		items[n].desc = SSL_as_poll_descriptor(r->st->ssl);
		items[n].events = ev;
		reqs[n++] = r;
	}
	nreq = n;
	nown = h->drv->streams(c, own, 64);
	for (i = 0; i < nown; i++) {
		items[n].desc = SSL_as_poll_descriptor(own[i]->ssl);
		items[n++].events = SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER;
	}
	conn_events = SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU;
	if (has_queued(h))
		conn_events |= SSL_POLL_EVENT_OSB;
	items[n].desc = SSL_as_poll_descriptor(c->ssl);
	items[n].events = SSL_POLL_EVENT_EC | conn_events;

	dl = c->deadline_us;
	if (deadline_us != 0 && (dl == 0 || deadline_us < dl))
		dl = deadline_us;
	for (;;) {
		/* A zero timeout only looks: the waiting is qget__wait's, so
		 * that time limits and signals work as everywhere else. */
		nres = 0;
		pull(c, nowait);
		qget__conn_after_events(c);
		if (!SSL_poll(items, n + 1, sizeof(*items), &zero,
		    SSL_POLL_FLAG_NO_HANDLE_EVENTS, &nres) &&
		    nres == 0) {
			rv = qget__ssl_fail(c, c->ssl, "read", err);
			goto conn_fail;
		}
		/* Streams first: a peer that sends its response, FIN and
		 * then CONNECTION_CLOSE at once has still answered in
		 * full. */
		any = 0;
		for (i = 0; i < n; i++)
			if (items[i].revents != 0)
				any = 1;
		if (any || (items[n].revents & conn_events))
			break;
		if (items[n].revents & SSL_POLL_EVENT_EC) {
			rv = qget__ssl_fail(c, c->ssl, "read", err);
			goto conn_fail;
		}
		if (nowait) {
			rv = QGET_OK;
			goto out;
		}
		if (deadline_us != 0 && qget__now_us() >= deadline_us) {
			*timed_out = 1;
			rv = QGET_OK;
			goto out;
		}
		if ((rv = qget__wait(c, dl, err)) != QGET_OK) {
			if (rv == QGET_E_TIMEOUT && deadline_us != 0 &&
			    dl == deadline_us && (c->deadline_us == 0 ||
			    deadline_us < c->deadline_us)) {
				qget__error_clear(err);
				*timed_out = 1;
				rv = QGET_OK;
				goto out;
			}
			goto conn_fail;
		}
	}
	/* The driver's own streams first: HTTP/3's QPACK instructions come
	 * before the field sections that need them. */
	for (i = nreq; i < n; i++) {
		if (items[i].revents == 0)
			continue;
		if ((rv = h->drv->stream_readable(c, own[i - nreq], err)) !=
		    QGET_OK)
			goto conn_fail;
		if (h->fatal != QGET_OK) {
			rv = fatal_status(c, err);
			goto out;
		}
	}
	for (i = 0; i < nreq; i++) {
		if ((items[i].revents & (SSL_POLL_EVENT_R |
		    SSL_POLL_EVENT_ER)) && !is_over(reqs[i]) &&
		    qget__req_room(reqs[i]) > 0)
			h->drv->readable(reqs[i]);
		if (h->fatal != QGET_OK) {
			rv = fatal_status(c, err);
			goto out;
		}
	}
	if ((items[n].revents & (SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU)) &&
	    (rv = h->drv->incoming(c, err)) != QGET_OK)
		goto conn_fail;
	if (h->fatal != QGET_OK) {
		rv = fatal_status(c, err);
		goto out;
	}
	if ((rv = send_pending(c, err)) != QGET_OK)
		goto conn_fail;
	rv = h->fatal != QGET_OK ? fatal_status(c, err) : QGET_OK;
	goto out;
conn_fail:
	/* Running out of memory is this call's failure, not the
	 * connection's: a later call may do better. */
	if (h->fatal != QGET_OK)
		rv = fatal_status(c, err);
	else if (rv != QGET_E_NOMEM) {
		conn_failed(c, rv, err);
		/* Its detail now says how far the requests had come. */
		if (err != NULL)
			*err = h->fatal_err;
	}
out:
	free(items);
	free(reqs);
	free(own);
	return rv;
}

qget_status
qget_request_send(qget_request *r, qget_error *err)
{
	struct qget__http *h;
	qget_status rv;
	qget_error lerr;

	/* Drivers and the loop always have somewhere to write. */
	if (err == NULL)
		err = &lerr;
	qget__error_clear(err);
	if (r == NULL || r->conn == NULL)
		return qget__fail(err, QGET_E_USAGE, "send: bad arguments");
	if (r->state != QGET__R_NEW)
		return qget__fail(err, QGET_E_USAGE, "send: the request was "
		    "sent already");
	h = r->conn->http;
	if (h->fatal != QGET_OK)
		return fatal_status(r->conn, err);
	if (h->goaway)
		return qget__fail(err, QGET_E_REFUSED, "not requested: the "
		    "server is going away (GOAWAY)");
	if ((rv = h->drv->check(r, err)) != QGET_OK)
		return rv;
	if ((rv = attach(r->conn, err)) != QGET_OK) {
		if (rv != QGET_E_NOMEM && rv != QGET_E_USAGE)
			conn_failed(r->conn, rv, err);
		return rv;
	}
	r->state = QGET__R_QUEUED;
	r->t_send = qget__now_us();
	/* Start it now when there is credit, without waiting for any, and
	 * without reading: what arrives is for qget_conn_poll() and
	 * qget_request_read() to report, in order. */
	if ((rv = send_pending(r->conn, err)) != QGET_OK) {
		if (rv != QGET_E_NOMEM)
			conn_failed(r->conn, rv, err);
		return rv;
	}
	if (h->fatal != QGET_OK)
		return fatal_status(r->conn, err);
	return QGET_OK;
}

static int
has_events(const struct qget__http *h)
{
	for (const qget_request *r = h->head; r != NULL; r = r->next)
		if (r->events != 0 || r->rbuf_len > 0)
			return 1;
	return h->goaway && !h->goaway_reported;
}

qget_status
qget_conn_poll(qget_conn *c, qget_event *evs, size_t cap, size_t *n,
    int timeout_ms, qget_error *err)
{
	struct qget__http *h;
	uint64_t deadline = 0;
	qget_status rv;
	int timed_out = 0, waited = 0;
	qget_error lerr;

	/* Drivers and the loop always have somewhere to write. */
	if (err == NULL)
		err = &lerr;
	qget__error_clear(err);
	if (n != NULL)
		*n = 0;
	if (c == NULL || c->ssl == NULL || n == NULL || cap == 0 ||
	    evs == NULL)
		return qget__fail(err, QGET_E_USAGE, "poll: bad arguments");
	if ((h = qget__http(c)) == NULL)
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	if (timeout_ms > 0)
		deadline = qget__deadline_us(qget__now_us(),
		    (uint64_t)timeout_ms);
	/* Timeout 0 processes what arrived even when events wait to be
	 * reported: a program that cannot take data for now (its output is
	 * full) still keeps the connection going (see pull()). */
	if (timeout_ms == 0 && h->fatal == QGET_OK) {
		rv = drive(c, 0, 1, &timed_out, err);
		waited = 1;
		if (rv != QGET_OK && !has_events(h))
			return rv;
	}
	for (;;) {
		size_t k = 0;

		if (h->goaway && !h->goaway_reported && k < cap) {
			evs[k].req = NULL;
			evs[k++].what = QGET_EV_GOAWAY;
			h->goaway_reported = 1;
		}
		for (qget_request *r = h->head; r != NULL && k < cap;
		    r = r->next) {
			unsigned what = r->events;

			if (r->rbuf_len > 0)
				what |= QGET_EV_DATA;
			if (what == 0)
				continue;
			evs[k].req = r;
			evs[k++].what = what;
			r->events = 0;
		}
		*n = k;
		if (k > 0 || timed_out || (waited && timeout_ms == 0))
			return QGET_OK;
		if (h->fatal != QGET_OK) {
			/* Responses that arrived in full before the end are
			 * still read out, as the program makes room. */
			conn_failed(c, h->fatal, &h->fatal_err);
			if (has_events(h))
				continue;
			return fatal_status(c, err);
		}
		rv = drive(c, deadline, timeout_ms == 0, &timed_out, err);
		waited = 1;
		/* What ended before the connection did is reported first;
		 * the failure comes with the next call (h->fatal). */
		if (rv != QGET_OK && !has_events(h))
			return rv;
	}
}

qget_status
qget_request_status(const qget_request *r, qget_error *err)
{
	qget__error_clear(err);
	if (r == NULL)
		return qget__fail(err, QGET_E_USAGE, "status: no request");
	if (r->failed == QGET_OK)
		return QGET_OK;
	if (err != NULL)
		*err = r->error;
	return r->failed;
}

/* Blocks until `done` holds for r: the connection is driven meanwhile. */
static qget_status
wait_for(qget_request *r, int (*done)(const qget_request *),
    qget_error *err)
{
	qget_status rv;
	int timed_out;

	for (;;) {
		if (done(r) || is_over(r))
			return QGET_OK;
		if (r->conn == NULL)
			return qget__fail(err, QGET_E_CONN_CLOSED,
			    "the connection is gone");
		if (r->state == QGET__R_NEW)
			return qget__fail(err, QGET_E_USAGE, "the request "
			    "was not sent");
		if ((rv = drive(r->conn, 0, 0, &timed_out, err)) != QGET_OK) {
			/* The connection ended, but this request's response
			 * may have arrived in full before. */
			if (done(r) || is_over(r))
				return QGET_OK;
			return rv;
		}
	}
}

static int
has_data(const qget_request *r)
{
	return r->rbuf_len > 0;
}

static int
has_head(const qget_request *r)
{
	return r->head_done;
}

qget_status
qget_request_read(qget_request *r, void *buf, size_t cap, size_t *nread,
    qget_error *err)
{
	qget_status rv;
	size_t n;
	qget_error lerr;

	/* Drivers and the loop always have somewhere to write. */
	if (err == NULL)
		err = &lerr;
	qget__error_clear(err);
	if (nread != NULL)
		*nread = 0;
	if (r == NULL || buf == NULL || cap == 0 || nread == NULL)
		return qget__fail(err, QGET_E_USAGE, "read: bad arguments");
	if ((rv = wait_for(r, has_data, err)) != QGET_OK)
		return rv;
	if (r->rbuf_len > 0) {
		n = r->rbuf_len < cap ? r->rbuf_len : cap;
		memcpy(buf, r->rbuf + r->rbuf_off, n);
		r->rbuf_off += n;
		r->rbuf_len -= n;
		if (r->rbuf_len == 0)
			r->rbuf_off = 0;
		*nread = n;
		return QGET_OK;
	}
	if (r->failed != QGET_OK) {
		if (err != NULL)
			*err = r->error;
		return r->failed;
	}
	/* Ended and drained: the buffer is not needed any more. */
	free(r->rbuf);
	r->rbuf = NULL;
	return QGET_OK;
}

qget_status
qget_request_wait_head(qget_request *r, qget_error *err)
{
	qget_status rv;
	qget_error lerr;

	/* Drivers and the loop always have somewhere to write. */
	if (err == NULL)
		err = &lerr;
	qget__error_clear(err);
	if (r == NULL)
		return qget__fail(err, QGET_E_USAGE, "wait: no request");
	if ((rv = wait_for(r, has_head, err)) != QGET_OK)
		return rv;
	if (r->failed != QGET_OK && !r->head_done) {
		if (err != NULL)
			*err = r->error;
		return r->failed;
	}
	return QGET_OK;
}

void
qget_request_cancel(qget_request *r)
{
	if (r == NULL || is_over(r))
		return;
	if (r->state == QGET__R_NEW) {
		r->state = QGET__R_DONE;
		r->failed = QGET_E_INTERRUPTED;
		snprintf(r->error.detail, sizeof(r->error.detail),
		    "cancelled");
		r->error.status = QGET_E_INTERRUPTED;
		return;
	}
	qget__req_fail(r, QGET_E_INTERRUPTED, 0, 0, "cancelled");
	/* The program asked for it: no event to tell it. */
	r->events &= ~(unsigned)QGET_EV_FAILED;
}

void
qget_request_del(qget_request *r)
{
	struct qget__http *h;

	if (r == NULL)
		return;
	if (r->conn != NULL) {
		h = r->conn->http;
		if (!is_over(r) && r->state != QGET__R_NEW)
			qget_request_cancel(r);
		if (r->drv != NULL)
			h->drv->release(r, 0);
		if (r->prev != NULL)
			r->prev->next = r->next;
		else
			h->head = r->next;
		if (r->next != NULL)
			r->next->prev = r->prev;
		else
			h->tail = r->prev;
	}
	qget_stream_del(r->st);
	free(r->drv);
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i].name);
	free(r->fields);
	for (size_t i = 0; i < r->nrfields; i++)
		free(r->rfields[i].name);
	free(r->rfields);
	free(r->head);
	free(r->rbuf);
	free(r->stage);
	free(r->method);
	free(r->path);
	free(r->authority);
	free(r);
}

/* ---- the response ------------------------------------------------------ */

int
qget_response_status(const qget_request *r)
{
	return r != NULL && r->head_done ? r->status : 0;
}

const char *
qget_response_version(const qget_request *r)
{
	return r != NULL && r->head_done && r->version != NULL ? r->version :
	    "";
}

size_t
qget_response_field_count(const qget_request *r)
{
	return r != NULL && r->head_done ? r->nrfields : 0;
}

qget_status
qget_response_field(const qget_request *r, size_t i, const char **name,
    size_t *namelen, const char **value, size_t *valuelen)
{
	if (r == NULL || !r->head_done || i >= r->nrfields)
		return QGET_E_USAGE;
	if (name != NULL)
		*name = r->rfields[i].name;
	if (namelen != NULL)
		*namelen = r->rfields[i].namelen;
	if (value != NULL)
		*value = r->rfields[i].value;
	if (valuelen != NULL)
		*valuelen = r->rfields[i].valuelen;
	return QGET_OK;
}

const char *
qget_response_header(const qget_request *r, const char *name,
    size_t *valuelen)
{
	if (r == NULL || name == NULL || !r->head_done)
		return NULL;
	for (size_t i = 0; i < r->nrfields; i++) {
		if (strcasecmp(r->rfields[i].name, name) == 0) {
			if (valuelen != NULL)
				*valuelen = r->rfields[i].valuelen;
			return r->rfields[i].value;
		}
	}
	return NULL;
}

qget_status
qget_response_head(const qget_request *r, const char **text, size_t *len)
{
	if (r == NULL || text == NULL || len == NULL)
		return QGET_E_USAGE;
	*text = r->head != NULL ? r->head : "";
	*len = r->head_len;
	return QGET_OK;
}

static uint64_t
since(uint64_t t0, uint64_t t)
{
	return t0 != 0 && t >= t0 ? t - t0 : 0;
}

qget_status
qget_request_get_info(const qget_request *r, qget_request_info *out)
{
	qget_request_info info;
	size_t size;

	if (r == NULL || out == NULL ||
	    out->size < offsetof(qget_request_info, time_end_us) +
	    sizeof(out->time_end_us))
		return QGET_E_USAGE;
	size = out->size < sizeof(info) ? out->size : sizeof(info);
	memset(&info, 0, sizeof(info));
	info.size = size;
	info.stream_id = qget_stream_id(r->st);
	info.body_received = r->body_received;
	info.body_sent = r->body_sent;
	info.bytes_received = qget_stream_bytes_read(r->st);
	info.bytes_sent = qget_stream_bytes_written(r->st);
	info.has_length = r->has_length;
	info.content_length = r->content_length;
	info.time_sent_us = since(r->t_send, r->t_sent);
	info.time_head_us = r->t_head ? since(r->t_send, r->t_head) : 0;
	info.time_first_byte_us = r->t_first ? since(r->t_send, r->t_first) :
	    0;
	info.time_end_us = r->t_end ? since(r->t_send, r->t_end) : 0;
	memcpy(out, &info, size);
	return QGET_OK;
}

void
qget_request_set_user(qget_request *r, void *user)
{
	if (r != NULL)
		r->user = user;
}

void *
qget_request_get_user(const qget_request *r)
{
	return r != NULL ? r->user : NULL;
}
