#ifndef QGET_DRV_H3_H
#define QGET_DRV_H3_H

/*
 * The parts of the HTTP/3 driver (drv_h3.c) that its unit test
 * (tests/unit/test_drv_h3.c) drives with crafted server frames.
 */
#include <stdint.h>

#include <nghttp3/nghttp3.h>

/* Whether an error of nghttp3_conn_read_stream2() on a request stream is
 * that request's alone (a malformed response, RFC 9114, 4.1.2), after
 * which the connection goes on once the stream was dropped; any other
 * error is the connection's. */
int qget__h3_request_error(int liberr);

/* Drops a request stream from nghttp3: with shut_read, its reading is
 * stopped first (QPACK is told: a Stream Cancellation), then the stream
 * is closed with `code`.  Returns 0 (also for a stream nghttp3 no longer
 * has) or nghttp3's error, which is the connection's. */
int qget__h3_drop_stream(nghttp3_conn *conn, int64_t id, uint64_t code,
    int shut_read);

/* nghttp3's callbacks and settings as the driver sets them up.  The
 * connection's user data is the driver's (NULL is allowed here: GOAWAY
 * is then not passed on); a request stream's user data is its
 * qget_request, whose r->drv is from qget__h3_req_new() (NULL: out of
 * memory; free() it). */
void qget__h3_callbacks(nghttp3_callbacks *cb);
void qget__h3_settings(nghttp3_settings *settings);
void *qget__h3_req_new(void);

#endif
