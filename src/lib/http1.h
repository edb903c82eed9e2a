#ifndef QGET_HTTP1_H
#define QGET_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "qget.h"

#define HTTP1_HEAD_MAX 65536

/*
 * Builds the request qget sends for the negotiated ALPN: "hq-interop" gets
 * HTTP/0.9's "GET /path\r\n" (it has no method nor headers: the caller
 * refuses those first); anything else gets the seed's HTTP/1.0 request
 * with `method` and the already validated "Name: value" headers.
 * Returns the length, or 0 when cap is too small.
 */
size_t qget__http1_build_request(char *buf, size_t cap, const char *alpn,
    const char *host, const char *path, const char *method,
    const char *const *headers, int nheaders);

/*
 * An HTTP/1.x response, parsed incrementally: the head by http1_feed, the
 * body's framing by http1_body.  A response that does not start with
 * "HTTP/" (HTTP/1.0's Simple-Response, or HTTP/0.9) has no head: all of
 * it is body, delimited by the end of the stream.
 */
struct http1_resp {
	int decided;         /* the head is complete, or known to be absent */
	int simple;          /* no status line: everything is body */
	unsigned char head[HTTP1_HEAD_MAX];
	size_t head_len;     /* bytes in head; with simple, body bytes */
	int version_minor;   /* HTTP/1.x */
	int status;          /* 100..999 */
	char reason[128];    /* the peer's text: escape it to print it */
	int has_length;      /* a Content-Length header (whatever the status) */
	uint64_t content_length;
	int chunked;         /* Transfer-Encoding: chunked */
	int head_request;    /* the request was HEAD */
	int no_body;         /* HEAD, 1xx, 204, 304: the head is all there is */
	/* The body so far (http1_body). */
	uint64_t body_len;   /* payload bytes handed out */
	int chunk_state;     /* chunked: where in the framing we are */
	uint64_t chunk_left; /* chunked: data bytes left in this chunk */
	size_t line_len;     /* chunked: bytes of the size or trailer line(s) */
};

/* head_request: the request was HEAD, so the response has no body. */
void qget__http1_resp_init(struct http1_resp *r, int head_request);

/*
 * Feeds the next `n` bytes of the response.  *used tells how many of them
 * were taken into the head; the rest (data + *used ...) is body.  Once
 * r->decided is set, a Simple-Response's first r->head_len bytes (kept in
 * r->head) are body too and come before the rest.
 * Returns QGET_OK, or QGET_E_PROTOCOL with a reason in msg for a malformed
 * head (bad status line or header, bad or conflicting Content-Length, head
 * over HTTP1_HEAD_MAX) or a framing qget does not take (a
 * Transfer-Encoding other than chunked, or with Content-Length, or in an
 * HTTP/1.0 response).
 */
qget_status qget__http1_feed(struct http1_resp *r, const unsigned char *data,
    size_t n, size_t *used, char *msg, size_t msglen);

/*
 * The response ended (FIN) before the head was decided: an empty response
 * is an empty Simple-Response; anything else was a prefix of "HTTP/"
 * (otherwise it would be decided) and is QGET_E_TRUNCATED: a status line
 * cut short, not a body.
 */
qget_status qget__http1_finish(struct http1_resp *r, char *msg, size_t msglen);

/*
 * Takes body bytes in[0..n), in the order they arrived: what follows the
 * head (with a Simple-Response, r->head's bytes first).  Sets *data and
 * *len to the next run of payload, which points into `in`, and *used to
 * how many input bytes were consumed up to its end (framing included).
 * Call again with in + *used until all n are used; *len may be 0.
 * Chunked bodies are decoded; a Content-Length is enforced.  A response
 * whose head was never fed (hq-interop) is passed through.
 * Returns QGET_OK, or QGET_E_PROTOCOL with a reason in msg: bytes beyond
 * the Content-Length or the last chunk, a body where none may be (HEAD,
 * 1xx, 204, 304), or bad chunked framing.
 */
qget_status qget__http1_body(struct http1_resp *r, const unsigned char *in,
    size_t n, size_t *used, const unsigned char **data, size_t *len,
    char *msg, size_t msglen);

/*
 * The stream ended (FIN) after a decided head: QGET_OK when the body is
 * complete, QGET_E_TRUNCATED with a reason in msg when fewer bytes than
 * the Content-Length arrived or a chunked body lacks its last chunk.
 */
qget_status qget__http1_body_end(struct http1_resp *r, char *msg, size_t msglen);

#endif
