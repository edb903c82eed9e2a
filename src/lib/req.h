/*
 * The request layer's internals: request.c owns requests, their queue and
 * the connection's poll loop; a driver per ALPN (drv_http1.c for
 * "http/1.0" and "hq-interop", drv_h3.c for "h3") puts requests on the
 * wire and turns what comes back into a response.  Drivers know nothing
 * of the tool; they see the connection only through libqget's stream
 * functions and the helpers below.
 */
#ifndef QGET_REQ_H
#define QGET_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Request states. */
enum qget__rstate {
	QGET__R_NEW,     /* being built */
	QGET__R_QUEUED,  /* sent, waiting for a stream */
	QGET__R_OPEN,    /* on its stream */
	QGET__R_DONE     /* ended (complete) or failed */
};

/* Where a request body comes from. */
enum qget__body_kind {
	QGET__BODY_NONE,
	QGET__BODY_BUF,
	QGET__BODY_FD,
	QGET__BODY_CB
};

/* One header field, name and value, NUL-terminated copies in one
 * allocation (name first). */
struct qget__field {
	char *name;
	size_t namelen;
	char *value;
	size_t valuelen;
};

/* Decoded response bytes waiting for the program: a ring would save a
 * memmove, but the buffer is drained whole by the common reader. */
#define QGET__RBUF_CAP (128 * 1024)

struct qget_request {
	qget_conn *conn;
	qget_request *next, *prev;  /* the connection's requests */
	enum qget__rstate state;
	void *user;

	/* The request. */
	char *method;
	char *path;
	char *authority;            /* NULL: the connection's host:port */
	struct qget__field *fields;
	size_t nfields, capfields;
	size_t fields_bytes;
	int has_user_agent;
	int is_head;                /* HEAD: the response has no body */

	/* Its body. */
	enum qget__body_kind body_kind;
	const unsigned char *body_buf;
	size_t body_len;
	int body_fd;
	qget_read_cb body_cb;
	void *body_arg;
	int64_t body_length;        /* -1: unknown */
	unsigned char *stage;       /* body bytes read from the source ... */
	size_t stage_off, stage_len; /* ... and not yet on the stream */
	int body_eof;               /* the source is exhausted */
	int body_stopped;           /* the server stopped reading it
				       (STOP_SENDING): no more is sent */
	uint64_t body_sent;

	qget_stream *st;

	/* The response, as the driver parsed it. */
	int status;                 /* final, 0 before / none */
	const char *version;        /* static string, "" before */
	int head_done;              /* final head complete (or none) */
	struct qget__field *rfields;
	size_t nrfields, caprfields;
	size_t rfields_bytes;       /* bounded: QGET__MAX_FIELD_BYTES */
	char *head;                 /* the head as text (qget_response_head) */
	size_t head_len, head_cap;
	int has_length;
	uint64_t content_length;
	uint64_t body_received;     /* decoded body bytes off the wire */

	/* Decoded body bytes the program has not read. */
	unsigned char *rbuf;
	size_t rbuf_off, rbuf_len;
	int ended;                  /* complete and checked: no more data */

	/* Its outcome. */
	qget_status failed;         /* QGET_OK unless it failed */
	qget_error error;
	unsigned events;            /* QGET_EV_* not yet reported */

	/* Timing (qget__now_us). */
	uint64_t t_send, t_sent, t_head, t_first, t_end;

	void *drv;                  /* the driver's per-request state:
				       malloc'ed by it, freed by
				       qget_request_del() after the
				       last release() */
};

/* The most response header bytes a request keeps (names + values), and
 * nghttp3's max_field_section_size: a hostile server cannot grow memory
 * beyond it. */
#define QGET__MAX_FIELD_BYTES (64 * 1024)

struct qget__driver {
	const char *name;
	/* Sets up the connection's protocol state in c->http (HTTP/3: the
	 * control and QPACK streams).  Called once, at the first request. */
	qget_status (*attach)(qget_conn *c, qget_error *err);
	/* Frees c->http's protocol state (after the connection closed). */
	void (*detach)(qget_conn *c);
	/* QGET_E_USAGE (with err) when the protocol cannot carry the
	 * request (hq-interop: a method other than GET, headers, a body). */
	qget_status (*check)(qget_request *r, qget_error *err);
	/* The request got its stream (r->st): put its head on it.  A
	 * failure returned fails the request alone, unless the driver
	 * marked the connection failed (qget__http_fatal). */
	qget_status (*start)(qget_request *r, qget_error *err);
	/* Writes what is pending (request bodies, HTTP/3's frames) without
	 * blocking. */
	qget_status (*flush)(qget_conn *c, qget_error *err);
	/* r's stream is readable and r->rbuf has room: read at most that
	 * room's worth, decode into r->rbuf (qget__req_data), and end or
	 * fail the request as the bytes say.  A read that fails because the
	 * connection is gone fails the request with that status; the loop
	 * then finds the connection closed and fails the others. */
	void (*readable)(qget_request *r);
	/* The driver's own streams to wait on (HTTP/3: the server's control
	 * and QPACK streams): stores up to cap in out, returns how many. */
	size_t (*streams)(qget_conn *c, qget_stream **out, size_t cap);
	/* One of those is readable.  A failure returned is the
	 * connection's. */
	qget_status (*stream_readable)(qget_conn *c, qget_stream *s,
	    qget_error *err);
	/* The server opened streams: take them.  A failure returned is the
	 * connection's. */
	qget_status (*incoming)(qget_conn *c, qget_error *err);
	/* The request (which has a stream) ended, failed, was cancelled or
	 * is being freed: forget it; `cancel` asks to reset its stream and
	 * stop reading it.  May be called more than once for a request: the
	 * later calls must do nothing harmful (a second reset is not sent).
	 * After a request's failure its stream is no longer polled. */
	void (*release)(qget_request *r, int cancel);
	/* r has bytes (its head, HTTP/3's frames) that its stream would not
	 * take yet: wait until it can take more.  Request bodies are the
	 * loop's own to watch. */
	int (*wants_write)(const qget_request *r);
	/* The application error code of a normal close. */
	uint64_t no_error;
	/* For the unit tests and fuzzers (NULL in drivers without them):
	 * a response's bytes as read off r's stream (n no more than
	 * qget__req_room), and the request bytes not yet written. */
	void (*input)(qget_request *r, const unsigned char *p, size_t n,
	    int fin);
	size_t (*pending)(const qget_request *r, const char **p);
};

extern const struct qget__driver qget__drv_http1;
extern const struct qget__driver qget__drv_hq;
extern const struct qget__driver qget__drv_h3;

/* The connection's request layer (c->http). */
struct qget__http {
	const struct qget__driver *drv;
	qget_request *head, *tail;   /* every request of the connection */
	void *state;                 /* the driver's */
	int attached;
	int goaway;                  /* the server sent GOAWAY */
	int goaway_reported;
	uint64_t goaway_id;          /* streams >= this are not processed */
	qget_status fatal;           /* the connection failed */
	qget_error fatal_err;
	size_t fatal_len;            /* fatal_err's detail before the
				       progress of its requests */
	int fatal_noted;             /* that progress is in the detail */
	unsigned char *scratch;      /* a read buffer for the drivers */
	size_t scratch_cap;
};

/* The request layer of c, created on first use (NULL: out of memory). */
struct qget__http *qget__http(qget_conn *c);
/* Frees c's request layer (at qget_conn_del). */
void qget__http_free(qget_conn *c);

/* Appends decoded body bytes to r->rbuf (the driver made sure they fit)
 * and raises QGET_EV_DATA. */
void qget__req_data(qget_request *r, const void *p, size_t n);
/* Appends a response field (bounded: a fail of the request past
 * QGET__MAX_FIELD_BYTES). */
qget_status qget__req_field(qget_request *r, const char *name, size_t nlen,
    const char *value, size_t vlen);
/* Appends text to the head as qget_response_head shows it. */
qget_status qget__req_head_text(qget_request *r, const void *p, size_t n);
/* The final head is complete: raises QGET_EV_HEAD. */
void qget__req_head_done(qget_request *r);
/* The response is complete and checked: raises QGET_EV_END. */
void qget__req_end(qget_request *r);
/* The request failed alone: status, detail, the event for it (RESET,
 * REFUSED or FAILED, from st).  Only the first failure counts. */
void qget__req_fail(qget_request *r, qget_status st, uint64_t code,
    int has_code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Room left in r->rbuf. */
size_t qget__req_room(const qget_request *r);
/* The next request body bytes: points *p at up to `max` staged bytes
 * (reading the source when the stage is empty), *eof when the body has
 * no more after them.  -1 with the request failed when the source
 * failed. */
int qget__req_body_peek(qget_request *r, size_t max, const unsigned char **p,
    size_t *n, int *eof);
/* `n` staged bytes went to the stream. */
void qget__req_body_consume(qget_request *r, size_t n);

/* The connection failed at the HTTP layer: every open request fails with
 * it, the connection is aborted with `app_code`. */
void qget__http_fatal(qget_conn *c, qget_status st, uint64_t app_code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The server sent GOAWAY with the first stream id it will not process. */
void qget__http_goaway(qget_conn *c, uint64_t id);
/* The request on stream `id`, or NULL. */
qget_request *qget__http_find(qget_conn *c, uint64_t id);

/* stream.c: without blocking.  qget__stream_try_open: *out NULL when
 * the server's limit is reached.  qget__stream_write_some: *n may be 0
 * (flow control).  qget__stream_read_some: QGET_OK with *n 0 and *fin 0
 * when nothing is there. */
qget_status qget__stream_try_open(qget_conn *c, unsigned flags,
    qget_stream **out, qget_error *err);
qget_status qget__stream_write_some(qget_stream *s, const void *buf,
    size_t len, size_t *n, qget_error *err);
qget_status qget__stream_conclude(qget_stream *s, qget_error *err);
qget_status qget__stream_read_some(qget_stream *s, void *buf, size_t cap,
    size_t *n, int *fin, qget_error *err);

/*
 * drv_stream.c: what the drivers of one request per stream with no
 * streams of their own (http/1.0, hq-interop) share.  Their r->drv
 * starts with a struct qget__ps.
 */
struct qget__ps {
	char *out;                  /* request bytes not yet on the wire */
	size_t out_len, out_off;
	int released;
	int reset_sent;
};

qget_status qget__ps_attach(qget_conn *c, qget_error *err);
void qget__ps_detach(qget_conn *c);
size_t qget__ps_streams(qget_conn *c, qget_stream **out, size_t cap);
qget_status qget__ps_stream_readable(qget_conn *c, qget_stream *s,
    qget_error *err);
/* Refuses streams the server opens. */
qget_status qget__ps_incoming(qget_conn *c, qget_error *err);
/* A write that failed: the connection's failure is returned, the
 * server's STOP_SENDING stops the body (the response decides), any other
 * failure fails the request alone (QGET_OK returned). */
qget_status qget__ps_write_failed(qget_request *r, qget_status rv,
    qget_error *err);
/* Writes ps->out as far as the stream takes it; *done once all of it
 * is on the stream (ps->out freed). */
qget_status qget__ps_write_out(qget_request *r, struct qget__ps *ps,
    int *done, qget_error *err);
/* The driver's readable: reads what r's buffer has room for off its
 * stream and hands it to `input` (the driver's own). */
void qget__ps_read(qget_request *r, void (*input)(qget_request *,
    const unsigned char *, size_t, int));
int qget__ps_wants_write(const qget_request *r);
size_t qget__ps_pending(const qget_request *r, const char **p);
/* The driver's release: with cancel, resets the stream once; returns 1
 * the first time it releases (the driver frees what it has beside). */
int qget__ps_release(qget_request *r, int cancel);

/* http1.c: HTTP/1.x request heads and response parsing, in http1.h. */


#endif
