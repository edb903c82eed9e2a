#ifndef QGET_TOOL_HTTP1_H
#define QGET_TOOL_HTTP1_H

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
size_t http1_build_request(char *buf, size_t cap, const char *alpn,
    const char *host, const char *path, const char *method,
    const char *const *headers, int nheaders);

/*
 * An HTTP/1.x response head, parsed incrementally.  A response that does
 * not start with "HTTP/" (HTTP/1.0's Simple-Response, or HTTP/0.9) has no
 * head: all of it is body.
 */
struct http1_resp {
	int decided;         /* the head is complete, or known to be absent */
	int simple;          /* no status line: everything is body */
	unsigned char head[HTTP1_HEAD_MAX];
	size_t head_len;     /* bytes in head; with simple, body bytes */
	int version_minor;   /* HTTP/1.x */
	int status;          /* 100..999 */
	char reason[128];
	int has_length;
	uint64_t content_length;
};

void http1_resp_init(struct http1_resp *r);

/*
 * Feeds the next `n` bytes of the response.  *used tells how many of them
 * were taken into the head; the rest (data + *used ...) is body.  Once
 * r->decided is set, a Simple-Response's first r->head_len bytes (kept in
 * r->head) are body too and come before the rest.
 * Returns QGET_OK, or QGET_E_PROTOCOL with a reason in msg for a malformed
 * head (bad status line or header, bad or conflicting Content-Length, head
 * over HTTP1_HEAD_MAX).
 */
qget_status http1_feed(struct http1_resp *r, const unsigned char *data,
    size_t n, size_t *used, char *msg, size_t msglen);

/*
 * The response ended (FIN) before the head was decided: a short
 * Simple-Response is body; a cut "HTTP/" head is QGET_E_TRUNCATED.
 */
qget_status http1_finish(struct http1_resp *r, char *msg, size_t msglen);

#endif
