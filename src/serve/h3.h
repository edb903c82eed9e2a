/*
 * qget-serve's HTTP/3 (ALPN "h3"), on nghttp3 over OpenSSL's QUIC streams.
 *
 * The event loop (loop.c) owns the QUIC connection; an h3_conn owns
 * everything HTTP/3 on it.  Per loop turn the loop lists the h3 streams in
 * its SSL_poll items (h3_conn_poll_fill), hands their events back
 * (h3_stream_on_events), then calls h3_conn_tick once.
 */
#ifndef QGET_SERVE_H3_H
#define QGET_SERVE_H3_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct h3_conn;

/* What h3_conn_tick reports, as bits. */
#define H3_PROGRESS 1 /* did real work this turn */
#define H3_CLOSING 2  /* the connection is being closed: stop ticking */

/*
 * Starts HTTP/3 on an accepted connection whose ALPN is h3: the nghttp3
 * server and our control and QPACK streams.  loop_data is returned by
 * h3_stream_loop_data.  NULL on failure (logged).
 */
struct h3_conn *h3_conn_new(SSL *conn, unsigned long conn_id,
                            const char *root, void *loop_data);
/* Frees the streams and the nghttp3 state; the connection stays. */
void h3_conn_free(struct h3_conn *hc);

/* Takes ownership of a stream the client opened (either kind). */
void h3_conn_accept_stream(struct h3_conn *hc, SSL *stream);

/* An upper bound on the items h3_conn_poll_fill writes. */
size_t h3_conn_poll_count(const struct h3_conn *hc);
/*
 * Writes one poll item per stream that waits for an event, with the
 * stream as its owner; returns how many.
 */
size_t h3_conn_poll_fill(struct h3_conn *hc, SSL_POLL_ITEM *items,
                         void **owners);
/* Serves the events on an owner from h3_conn_poll_fill; 1: progress. */
int h3_stream_on_events(void *owner, uint64_t revents);
void *h3_stream_loop_data(const void *owner);

/*
 * Once per loop turn, after the events: writes what nghttp3 has queued,
 * acts on faults, frees finished streams.  Returns H3_* bits.
 */
int h3_conn_tick(struct h3_conn *hc);

/* Requests seen and response body bytes sent, for the close log line. */
void h3_conn_counts(const struct h3_conn *hc, unsigned long *requests,
                    uint64_t *bytes);

#endif
