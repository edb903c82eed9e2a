/*
 * Logging for qget-serve: one line per message on stderr, prefixed with the
 * program name so test harnesses can tell it apart from client output.
 */
#include "serve.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

static void vlog_line(const char *fmt, va_list ap)
{
    /* Build the line first so concurrent writers never interleave it. */
    char line[1024];
    int n;

    n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0)
        return;
    fprintf(stderr, SERVE_NAME ": %s\n", line);
    fflush(stderr);
}

void serve_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog_line(fmt, ap);
    va_end(ap);
}

void serve_vlog(const char *fmt, ...)
{
    va_list ap;

    if (!g_opts.verbose)
        return;
    va_start(ap, fmt);
    vlog_line(fmt, ap);
    va_end(ap);
}

const char *serve_ssl_reason(void)
{
    unsigned long e = ERR_peek_error();
    const char *r;

    if (e == 0)
        return "unknown error";
    /* A failed fopen() is queued as a system error: show its errno text. */
    if (ERR_SYSTEM_ERROR(e))
        return strerror(ERR_GET_REASON(e));
    r = ERR_reason_error_string(e);
    return r != NULL ? r : "unknown error";
}

void serve_log_ssl_errors(const char *msg)
{
    unsigned long e;
    char buf[256];

    if (ERR_peek_error() == 0) {
        serve_log("%s", msg);
        return;
    }
    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        serve_log("%s: %s", msg, buf);
    }
}

uint64_t serve_log_stream_failure(SSL *ssl, unsigned long conn_id,
                                  uint64_t stream_id, const char *op,
                                  uint64_t body_sent)
{
    uint64_t code = 0;
    const char *what = "stream failed";

    if (SSL_get_stream_read_state(ssl) == SSL_STREAM_STATE_RESET_REMOTE
        && SSL_get_stream_read_error_code(ssl, &code) == 1)
        what = "reset by peer";
    else if (SSL_get_stream_write_state(ssl) == SSL_STREAM_STATE_RESET_REMOTE
             && SSL_get_stream_write_error_code(ssl, &code) == 1)
        what = "STOP_SENDING from peer";
    else if (SSL_get_stream_read_state(ssl) == SSL_STREAM_STATE_CONN_CLOSED)
        what = "connection closed";
    serve_vlog("conn %lu stream %" PRIu64 ": %s while %s (code 0x%" PRIx64
               ", %" PRIu64 " body bytes sent)",
               conn_id, stream_id, what, op, code, body_sent);
    ERR_clear_error();
    return code;
}
