/*
 * HTTP/3 (RFC 9114) for qget: nghttp3 frames the requests and parses the
 * responses; libqget carries the bytes on OpenSSL's QUIC streams.
 *
 * One thread, one loop, like fetch.c's: open request streams while the
 * server grants them, hand nghttp3's output to the streams, wait until a
 * stream can be read or the server opens one, feed what arrives to
 * nghttp3, whose callbacks write each response out.  nghttp3 owns the
 * protocol state; a job only records what its callbacks saw.
 *
 * OpenSSL does not tell when stream data is acknowledged, so bytes count
 * as acknowledged once the stream took them (as OpenSSL's own HTTP/3
 * demo does); nghttp3 only uses that to free its buffers.  Stream flow
 * control is OpenSSL's, so nghttp3's consumed-bytes reports need no
 * answer.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nghttp3/nghttp3.h>

#include "fetch.h"
#include "h3.h"

/* Streams the server may open: control, QPACK encoder and decoder, and a
 * few of types we ignore (RFC 9114, 6.2.3: reserved types). */
#define MAX_PEER_STREAMS 16

struct h3 {
	struct run *r;
	nghttp3_conn *conn;
	qget_stream *ctrl, *qenc, *qdec;
	qget_stream *peer[MAX_PEER_STREAMS];
	size_t npeer;
	struct job *jobs;
	struct tool_stream_stats *ss;
	int njobs;
	int64_t goaway_id; /* the server's GOAWAY: streams >= this are not
			      processed; -1 before one */
	qget_status fatal; /* the connection failed at the HTTP/3 layer */
	char fatal_msg[512];
	int fatal_quiet;   /* ... over one path, already reported */
};

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

/* "H3_REQUEST_REJECTED (0x10b)" */
static void
code_text(char *buf, size_t len, uint64_t code)
{
	const char *name = h3_error_name(code);

	if (name != NULL)
		snprintf(buf, len, "%s (0x%" PRIx64 ")", name, code);
	else
		snprintf(buf, len, "code 0x%" PRIx64, code);
}

static struct tool_stream_stats *
stats_of(struct h3 *h, struct job *j)
{
	return &h->ss[j - h->jobs];
}

/* A path failed: reported once; the rest of its response is dropped. */
static void
fail_job(struct h3 *h, struct job *j, qget_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail_job(struct h3 *h, struct job *j, qget_status st, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (j->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->failed = 1;
	job_fail(h->r, j, stats_of(h, j), st, msg);
}

/* The connection is unusable at the HTTP/3 layer: tell the server why
 * (with the HTTP/3 code nghttp3 infers), and stop. */
static qget_status
fatal(struct h3 *h, int liberr, const char *what)
{
	uint64_t code = nghttp3_err_infer_quic_app_error_code(liberr);
	char ctext[64];

	if (h->fatal != QGET_OK)
		return h->fatal;
	code_text(ctext, sizeof(ctext), code);
	snprintf(h->fatal_msg, sizeof(h->fatal_msg), "HTTP/3 %s: %s; closing "
	    "with %s", what, nghttp3_strerror(liberr), ctext);
	qget_conn_abort(h->r->conn, code, nghttp3_strerror(liberr));
	h->fatal = liberr == NGHTTP3_ERR_NOMEM ? QGET_E_NOMEM :
	    QGET_E_PROTOCOL;
	return h->fatal;
}

static void
emit(struct h3 *h, struct job *j, const void *p, size_t n)
{
	char msg[512];
	qget_status rv;

	if ((rv = out_write(&j->out, p, n, msg, sizeof(msg))) != QGET_OK)
		fail_job(h, j, rv, "%s", msg);
}

/* ---- nghttp3's callbacks ------------------------------------------------
 * They return 0 whatever a path's fate: an error return would make nghttp3
 * fail the whole connection. */

static int
on_recv_header(nghttp3_conn *conn, int64_t id, int32_t token,
    nghttp3_rcbuf *name, nghttp3_rcbuf *value, uint8_t flags, void *ud,
    void *sud)
{
	nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
	nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
	struct h3 *h = ud;
	struct job *j = sud;
	char line[32];

	(void)conn;
	(void)id;
	(void)flags;
	if (j == NULL || j->failed)
		return 0;
	if (token == NGHTTP3_QPACK_TOKEN__STATUS) {
		/* nghttp3 checked: three digits. */
		j->status = (v.base[0] - '0') * 100 + (v.base[1] - '0') * 10 +
		    (v.base[2] - '0');
		if (h->r->o->include) {
			snprintf(line, sizeof(line), "HTTP/3 %d\r\n",
			    j->status);
			emit(h, j, line, strlen(line));
		}
		return 0;
	}
	if (n.len > 0 && n.base[0] == ':')
		return 0;
	if (token == NGHTTP3_QPACK_TOKEN_CONTENT_LENGTH && j->status >= 200) {
		/* nghttp3 checked the syntax and the body against it. */
		uint64_t len = 0;

		for (size_t i = 0; i < v.len; i++)
			len = len * 10 + (uint64_t)(v.base[i] - '0');
		j->has_length = 1;
		j->content_length = len;
	}
	if (h->r->o->include) {
		emit(h, j, n.base, n.len);
		emit(h, j, ": ", 2);
		emit(h, j, v.base, v.len);
		emit(h, j, "\r\n", 2);
	}
	return 0;
}

static int
on_end_headers(nghttp3_conn *conn, int64_t id, int fin, void *ud, void *sud)
{
	struct h3 *h = ud;
	struct job *j = sud;
	struct run *r = h->r;

	(void)conn;
	(void)id;
	(void)fin;
	if (j == NULL || j->failed)
		return 0;
	if (r->o->include)
		emit(h, j, "\r\n", 2);
	if (j->status < 200) /* 1xx: the final response is still to come */
		return 0;
	j->head_done = 1;
	stats_of(h, j)->http_status = j->status;
	tool_verbose(r->o, "%s: response: HTTP/3 %d%s", j->path, j->status,
	    j->has_length ? "" : " (no content-length)");
	if (r->o->fail && j->status >= 400) {
		fail_job(h, j, QGET_E_HTTP_ERROR, "the server answered %d",
		    j->status);
		return 0;
	}
	if (!r->several && j->has_length && !r->o->head)
		r->total = j->content_length;
	return 0;
}

static int
on_recv_data(nghttp3_conn *conn, int64_t id, const uint8_t *data,
    size_t len, void *ud, void *sud)
{
	struct h3 *h = ud;
	struct job *j = sud;
	struct run *r = h->r;

	(void)conn;
	(void)id;
	if (j == NULL || j->failed)
		return 0;
	if (r->stats->time_first_byte < 0)
		r->stats->time_first_byte = tool_now() - r->t0;
	emit(h, j, data, len);
	j->body += len;
	r->total_body += len;
	progress_update(r->meter, tool_now(), r->total_body, r->total);
	return 0;
}

static int
on_end_stream(nghttp3_conn *conn, int64_t id, void *ud, void *sud)
{
	struct job *j = sud;

	(void)conn;
	(void)id;
	(void)ud;
	if (j != NULL)
		j->ended = 1;
	return 0;
}

static int
on_stream_close(nghttp3_conn *conn, int64_t id, uint64_t code, void *ud,
    void *sud)
{
	struct job *j = sud;
	char ctext[64];

	(void)conn;
	(void)id;
	if (j == NULL || j->ended || j->failed)
		return 0;
	code_text(ctext, sizeof(ctext), code);
	fail_job(ud, j, QGET_E_STREAM_RESET, "stream closed with %s before "
	    "the response was complete", ctext);
	return 0;
}

static int
on_shutdown(nghttp3_conn *conn, int64_t id, void *ud)
{
	struct h3 *h = ud;

	(void)conn;
	h->goaway_id = id;
	tool_verbose(h->r->o, "the server sent GOAWAY: requests from stream "
	    "%" PRId64 " on will not be processed", id);
	return 0;
}

/* ---- streams ----------------------------------------------------------- */

static qget_stream *
find_stream(struct h3 *h, int64_t id, struct job **job)
{
	*job = NULL;
	if (id == (int64_t)qget_stream_id(h->ctrl))
		return h->ctrl;
	if (id == (int64_t)qget_stream_id(h->qenc))
		return h->qenc;
	if (id == (int64_t)qget_stream_id(h->qdec))
		return h->qdec;
	for (int i = 0; i < h->njobs; i++) {
		if (h->jobs[i].st != NULL &&
		    (int64_t)qget_stream_id(h->jobs[i].st) == id) {
			*job = &h->jobs[i];
			return h->jobs[i].st;
		}
	}
	return NULL;
}

/* Hands everything nghttp3 has to send to the streams. */
static qget_status
flush(struct h3 *h, qget_error *err)
{
	for (;;) {
		nghttp3_vec vec[16];
		int64_t id = -1;
		int fin = 0;
		size_t total = 0;
		nghttp3_ssize n;
		struct job *j;
		qget_stream *st;
		qget_status rv = QGET_OK;

		n = nghttp3_conn_writev_stream(h->conn, &id, &fin, vec, 16);
		if (n < 0)
			return fatal(h, (int)n, "framing failed");
		if (id < 0)
			return QGET_OK;
		if ((st = find_stream(h, id, &j)) == NULL) {
			/* A request we gave up: its stream is gone. */
			nghttp3_conn_close_stream(h->conn, id,
			    NGHTTP3_H3_REQUEST_CANCELLED);
			continue;
		}
		for (nghttp3_ssize i = 0; i < n && rv == QGET_OK; i++) {
			rv = qget_stream_write(st, vec[i].base, vec[i].len, 0,
			    err);
			total += vec[i].len;
		}
		if (rv == QGET_OK && fin)
			rv = qget_stream_write(st, NULL, 0, QGET_WRITE_FIN, err);
		if (rv != QGET_OK) {
			if (j == NULL) /* a critical stream */
				return rv;
			fail_job(h, j, rv, "%s", qget_error_str(err));
			nghttp3_conn_close_stream(h->conn, id,
			    NGHTTP3_H3_REQUEST_CANCELLED);
			continue;
		}
		if (nghttp3_conn_add_write_offset(h->conn, id, total) != 0 ||
		    nghttp3_conn_add_ack_offset(h->conn, id, total) != 0)
			return fatal(h, NGHTTP3_ERR_NOMEM, "bookkeeping failed");
	}
}

/* One read from a stream that poll() found ready.  *gone: the stream is
 * over for us (FIN read, or reset). */
static qget_status
read_one(struct h3 *h, qget_stream *st, struct job *j, int *gone,
    qget_error *err)
{
	int64_t id = (int64_t)qget_stream_id(st);
	nghttp3_ssize nr;
	qget_status rv;
	char ctext[64];
	size_t n;
	int rc;

	*gone = 0;
	rv = qget_stream_read(st, h->r->buf, READ_BUF, &n, err);
	if (rv == QGET_E_STREAM_RESET) {
		*gone = 1;
		code_text(ctext, sizeof(ctext), err->code);
		if (j != NULL) {
			fail_job(h, j, rv, "stream reset by the server with %s",
			    ctext);
			nghttp3_conn_close_stream(h->conn, id, err->code);
			return QGET_OK;
		}
		/* A reset control or QPACK stream is the connection's end. */
		if ((rc = nghttp3_conn_close_stream(h->conn, id,
		    err->code)) != 0 && rc != NGHTTP3_ERR_STREAM_NOT_FOUND)
			return fatal(h, rc, "the server reset a critical stream");
		return QGET_OK;
	}
	if (rv != QGET_OK)
		return rv;
	if (n > 0 && h->r->stats->time_first_byte < 0 && j != NULL)
		h->r->stats->time_first_byte = tool_now() - h->r->t0;
	nr = read_stream(h->conn, id, h->r->buf, n, n == 0);
	if (nr < 0 && j != NULL && (nr == NGHTTP3_ERR_MALFORMED_HTTP_MESSAGING ||
	    nr == NGHTTP3_ERR_MALFORMED_HTTP_HEADER)) {
		/* nghttp3 ends the connection over one bad response; the
		 * path's own failure is what to report. */
		if (n == 0 && j->head_done && j->has_length &&
		    j->body < j->content_length)
			fail_job(h, j, QGET_E_TRUNCATED, "response truncated: %"
			    PRIu64 " of %" PRIu64 " body bytes "
			    "(content-length)", j->body, j->content_length);
		else
			fail_job(h, j, QGET_E_PROTOCOL, "malformed response: "
			    "%s", nghttp3_strerror((int)nr));
		h->fatal_quiet = 1;
	}
	if (nr < 0)
		return fatal(h, (int)nr, "error in the server's data");
	if (n == 0) {
		*gone = 1;
		if (j != NULL && !j->ended && !j->failed)
			fail_job(h, j, QGET_E_TRUNCATED, "response truncated: "
			    "the stream ended before the response did");
	}
	return QGET_OK;
}

/* A complete response: check its length, keep its file. */
static void
finish(struct h3 *h, struct job *j)
{
	struct run *r = h->r;
	char msg[512];
	qget_status rv;

	if (r->stats->time_fin < 0 || r->several)
		r->stats->time_fin = tool_now() - r->t0;
	if (!j->head_done) {
		fail_job(h, j, QGET_E_PROTOCOL, "the stream ended without a "
		    "final response");
		return;
	}
	/* nghttp3 refuses a body longer than content-length; shorter
	 * shows here.  HEAD, 204 and 304 announce what they never send. */
	if (j->has_length && !r->o->head && j->status != 204 &&
	    j->status != 304 && j->body < j->content_length) {
		fail_job(h, j, QGET_E_TRUNCATED, "response truncated: %"
		    PRIu64 " of %" PRIu64 " body bytes (content-length)",
		    j->body, j->content_length);
		return;
	}
	if ((rv = out_commit(&j->out, msg, sizeof(msg))) != QGET_OK) {
		fail_job(h, j, rv, "%s", msg);
		return;
	}
	tool_verbose(r->o, "%s: received %" PRIu64 " bytes (%" PRIu64
	    " body)", j->path, qget_stream_bytes_read(j->st), j->body);
}

/* Sends one request on a new stream.  A failure of the path alone is
 * reported and leaves j->failed; a failure returned is the connection's
 * (the caller clears the job). */
static qget_status
start(struct h3 *h, struct job *j, qget_error *err)
{
	struct run *r = h->r;
	struct h3_field f[H3_MAX_FIELDS];
	nghttp3_nv nva[H3_MAX_FIELDS];
	char store[32768]; /* a path and -H's, 8 KiB each at most */
	qget_status rv;
	size_t nf;
	int rc;

	if (job_open_out(r, j, stats_of(h, j)) != QGET_OK) {
		j->failed = 1;
		return QGET_OK;
	}
	nf = h3_request_fields(f, store, sizeof(store), r->o->head ? "HEAD" :
	    "GET", r->o->host, r->o->port, j->path, r->o->headers,
	    r->o->nheaders);
	if (nf == 0) {
		fail_job(h, j, QGET_E_USAGE, "request headers too long");
		return QGET_OK;
	}
	for (size_t i = 0; i < nf; i++) {
		nva[i].name = (const uint8_t *)f[i].name;
		nva[i].namelen = f[i].namelen;
		nva[i].value = (const uint8_t *)f[i].value;
		nva[i].valuelen = f[i].valuelen;
		nva[i].flags = NGHTTP3_NV_FLAG_NONE;
	}
	/* The connection's failure: the caller reports it, once. */
	if ((rv = qget_stream_open(&j->st, r->conn, err)) != QGET_OK)
		return rv;
	tool_verbose(r->o, "request: %s %s (HTTP/3, stream %" PRIu64 ")",
	    r->o->head ? "HEAD" : "GET", j->path, qget_stream_id(j->st));
	/* No body: nghttp3 ends the stream after the HEADERS frame. */
	if ((rc = nghttp3_conn_submit_request(h->conn,
	    (int64_t)qget_stream_id(j->st), nva, nf, NULL, j)) != 0)
		return fatal(h, rc, "cannot submit a request");
	return QGET_OK;
}

static qget_status
setup(struct h3 *h, qget_error *err)
{
	nghttp3_callbacks cb;
	nghttp3_settings settings;
	qget_status rv;
	int rc;

	memset(&cb, 0, sizeof(cb));
	cb.recv_header = on_recv_header;
	cb.end_headers = on_end_headers;
	cb.recv_data = on_recv_data;
	cb.end_stream = on_end_stream;
	cb.stream_close = on_stream_close;
	/* No reset_stream or stop_sending: a client's nghttp3 asks for
	 * neither on a request stream (a malformed response is a connection
	 * error to it), and the server's streams of unknown types are read
	 * and dropped, which RFC 9114, 6.2.3 allows. */
	cb.shutdown = on_shutdown;
	nghttp3_settings_default(&settings);
	if ((rc = nghttp3_conn_client_new(&h->conn, &cb, &settings, NULL,
	    h)) != 0)
		return fatal(h, rc, "cannot start");
	/* RFC 9114, 6.2: our control stream, and QPACK's two (RFC 9204). */
	if ((rv = qget_stream_open_ex(&h->ctrl, h->r->conn, QGET_STREAM_UNI,
	    err)) != QGET_OK ||
	    (rv = qget_stream_open_ex(&h->qenc, h->r->conn, QGET_STREAM_UNI,
	    err)) != QGET_OK ||
	    (rv = qget_stream_open_ex(&h->qdec, h->r->conn, QGET_STREAM_UNI,
	    err)) != QGET_OK)
		return rv;
	if ((rc = nghttp3_conn_bind_control_stream(h->conn,
	    (int64_t)qget_stream_id(h->ctrl))) != 0 ||
	    (rc = nghttp3_conn_bind_qpack_streams(h->conn,
	    (int64_t)qget_stream_id(h->qenc),
	    (int64_t)qget_stream_id(h->qdec))) != 0)
		return fatal(h, rc, "cannot bind its streams");
	return QGET_OK;
}

/* Takes every stream the server opened. */
static qget_status
accept_streams(struct h3 *h, qget_error *err)
{
	qget_stream *st;
	qget_status rv;

	for (;;) {
		if ((rv = qget_conn_accept_stream(h->r->conn, &st, err)) !=
		    QGET_OK)
			return rv;
		if (st == NULL)
			return QGET_OK;
		if (h->npeer == MAX_PEER_STREAMS) {
			qget_stream_del(st);
			return fatal(h, NGHTTP3_ERR_H3_STREAM_CREATION_ERROR,
			    "the server opened too many streams");
		}
		h->peer[h->npeer++] = st;
	}
}

static int
done(const struct job *j)
{
	return j->ended || j->failed;
}

/*
 * Ends the paths that are over: a complete response is checked and its
 * file kept, a failed one dropped; both leave active[].  A path past the
 * server's GOAWAY fails first.  After a fatal error nghttp3 may only be
 * freed, so it is not told of the streams then.
 */
static void
settle(struct h3 *h, int *active, int *nactive)
{
	for (int i = *nactive - 1; i >= 0; i--) {
		struct job *j = &h->jobs[active[i]];
		int64_t id = (int64_t)qget_stream_id(j->st);

		if (!done(j) && h->goaway_id >= 0 && id >= h->goaway_id)
			fail_job(h, j, QGET_E_CONN_CLOSED, "not processed: "
			    "the server is going away (GOAWAY)");
		if (!done(j))
			continue;
		if (j->ended && !j->failed)
			finish(h, j);
		if (h->fatal == QGET_OK)
			nghttp3_conn_close_stream(h->conn, id, j->failed ?
			    NGHTTP3_H3_REQUEST_CANCELLED : NGHTTP3_H3_NO_ERROR);
		job_clear(h->r, j, stats_of(h, j));
		memmove(&active[i], &active[i + 1],
		    (size_t)(*nactive - i - 1) * sizeof(*active));
		(*nactive)--;
	}
}

qget_status
h3_run_jobs(struct run *r, struct job *jobs, struct tool_stream_stats *ss,
    int njobs)
{
	struct h3 *h;
	qget_stream **pst = NULL;
	struct job **pjob = NULL;
	unsigned char *ready = NULL;
	int *active = NULL, nactive = 0, next = 0, can_open = 1, i, gone;
	unsigned limit = r->o->parallel ? r->o->parallel : (unsigned)njobs;
	unsigned want, got;
	size_t np, k;
	qget_error err;
	qget_status rv = QGET_OK;

	memset(&err, 0, sizeof(err));
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		rv = QGET_E_NOMEM;
		snprintf(err.detail, sizeof(err.detail), "out of memory");
		goto fail;
	}
	r->h3 = h;
	h->r = r;
	h->jobs = jobs;
	h->ss = ss;
	h->njobs = njobs;
	h->goaway_id = -1;
	if ((active = calloc((size_t)njobs, sizeof(*active))) == NULL ||
	    (pst = calloc((size_t)njobs + MAX_PEER_STREAMS,
	    sizeof(*pst))) == NULL ||
	    (pjob = calloc((size_t)njobs + MAX_PEER_STREAMS,
	    sizeof(*pjob))) == NULL ||
	    (ready = calloc((size_t)njobs + MAX_PEER_STREAMS, 1)) == NULL) {
		rv = QGET_E_NOMEM;
		snprintf(err.detail, sizeof(err.detail), "out of memory");
		goto fail;
	}
	if ((rv = setup(h, &err)) != QGET_OK)
		goto fail;
	while ((next < njobs || nactive > 0) && h->fatal == QGET_OK) {
		/* After GOAWAY, new requests would go unprocessed. */
		if (h->goaway_id >= 0 && next < njobs) {
			fail_job(h, &jobs[next], QGET_E_CONN_CLOSED, "not "
			    "requested: the server is going away (GOAWAY)");
			job_clear(r, &jobs[next], &ss[next]);
			next++;
			continue;
		}
		if (next < njobs && (unsigned)nactive < limit && can_open) {
			if ((rv = start(h, &jobs[next], &err)) != QGET_OK) {
				/* Its exit code comes with the others'. */
				if (jobs[next].out_open)
					out_abort(&jobs[next].out);
				job_clear(r, &jobs[next], &ss[next]);
				goto fail;
			}
			if (jobs[next].failed)
				job_clear(r, &jobs[next], &ss[next]);
			else
				active[nactive++] = next;
			next++;
			can_open = 0;
			continue;
		}
		if ((rv = flush(h, &err)) != QGET_OK)
			goto fail;
		np = 0;
		for (i = 0; i < nactive; i++) {
			pst[np] = jobs[active[i]].st;
			pjob[np++] = &jobs[active[i]];
		}
		for (k = 0; k < h->npeer; k++) {
			pst[np] = h->peer[k];
			pjob[np++] = NULL;
		}
		want = QGET_WAIT_INCOMING;
		if (next < njobs && (unsigned)nactive < limit)
			want |= QGET_WAIT_OPEN;
		if ((rv = qget_conn_wait_ex(r->conn, pst, np, ready, want, &got,
		    &err)) != QGET_OK)
			goto fail;
		can_open = (got & QGET_WAIT_OPEN) != 0;
		/* From the end: the server's own streams first (QPACK's
		 * instructions before the fields that need them), and a
		 * removal leaves the indexes still to visit alone. */
		for (k = np; k-- > 0;) {
			if (!ready[k])
				continue;
			rv = read_one(h, pst[k], pjob[k], &gone, &err);
			if (h->fatal != QGET_OK)
				break;
			if (rv != QGET_OK)
				goto fail;
			/* A path that is gone has ended or failed: settle()
			 * takes it; a server stream that is gone goes now. */
			if (pjob[k] == NULL && gone) {
				size_t p = k - (size_t)nactive;

				qget_stream_del(h->peer[p]);
				h->peer[p] = h->peer[--h->npeer];
			}
		}
		if (h->fatal != QGET_OK)
			break;
		if ((got & QGET_WAIT_INCOMING) &&
		    (rv = accept_streams(h, &err)) != QGET_OK)
			goto fail;
		settle(h, active, &nactive);
	}
	if ((rv = h->fatal) != QGET_OK) {
		settle(h, active, &nactive);
		/* Nothing else was lost with the connection. */
		if (h->fatal_quiet && nactive == 0 && next == njobs) {
			rv = QGET_OK;
			goto out;
		}
		goto fail;
	}
	progress_done(r->meter, tool_now(), r->total_body, r->total);
	rv = QGET_OK;
	goto out;
fail:
	/* What ended before the connection did is kept. */
	if (h != NULL && active != NULL)
		settle(h, active, &nactive);
	if (h != NULL && h->fatal != QGET_OK) {
		rv = h->fatal;
		snprintf(err.detail, sizeof(err.detail), "%s", h->fatal_msg);
		err.status = rv;
	}
	/* A close with an HTTP/3 code: say which. */
	if ((h == NULL || h->fatal == QGET_OK) && err.has_code &&
	    !err.is_transport && h3_error_name(err.code) != NULL) {
		size_t len = strlen(err.detail);

		snprintf(err.detail + len, sizeof(err.detail) - len, " [%s]",
		    h3_error_name(err.code));
	}
	jobs_fail_all(r, jobs, ss, active, nactive, next, njobs, rv,
	    qget_error_str(&err));
out:
	r->stats->bytes_body = r->total_body;
	free(active);
	free(pst);
	free(pjob);
	free(ready);
	return rv;
}

void
h3_free(struct run *r)
{
	struct h3 *h = r->h3;

	if (h == NULL)
		return;
	for (size_t k = 0; k < h->npeer; k++)
		qget_stream_del(h->peer[k]);
	qget_stream_del(h->ctrl);
	qget_stream_del(h->qenc);
	qget_stream_del(h->qdec);
	nghttp3_conn_del(h->conn);
	free(h);
	r->h3 = NULL;
}
