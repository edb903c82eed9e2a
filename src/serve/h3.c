/*
 * HTTP/3 for qget-serve: nghttp3's server API on OpenSSL's QUIC streams.
 *
 * Data flows like this:
 *   client streams -> SSL_read_ex -> nghttp3_conn_read_stream -> callbacks
 *     (the request's fields; at its end the response is submitted, with a
 *     data reader for the file);
 *   nghttp3_conn_writev_stream -> SSL_write_ex -> nghttp3_conn_add_write_offset.
 * OpenSSL tells no per-stream acknowledgements.  Bytes count as
 * acknowledged (nghttp3_conn_add_ack_offset) as soon as SSL_write_ex has
 * taken them, since it copies them into its own send buffer; OpenSSL's
 * demos/http3/ossl-nghttp3.c does the same.  So the file chunk a data
 * reader lends nghttp3 is free again once all of it is written, and the
 * reader says NGHTTP3_ERR_WOULDBLOCK until then (and at a fault's
 * threshold); nghttp3_conn_resume_stream wakes it.  A stream whose QUIC
 * send buffer is full is blocked (nghttp3_conn_block_stream) until
 * SSL_poll says it is writable again.
 *
 * Streams are only ever freed in h3_conn_tick, after the loop has
 * dispatched every poll item, so no item's owner dangles.
 */
#include "serve.h"
#include "http.h"
#include "h3.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nghttp3/nghttp3.h>
#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/rand.h>

/* A file is lent to nghttp3 in chunks of this size: bounded memory. */
#define H3_CHUNK (64 * 1024)
/* Bytes one connection may write per loop turn, so connections share. */
#define H3_WRITE_BUDGET (1024 * 1024)
/* Bytes read from one stream per event, likewise. */
#define H3_READ_BUDGET (256 * 1024)
/* Vectors taken from nghttp3 at once. */
#define H3_VECS 16

enum h3_kind {
    H3_REQUEST,   /* a client's bidirectional stream */
    H3_PEER_UNI,  /* the client's control and QPACK streams (read only) */
    H3_LOCAL_UNI  /* ours (write only) */
};

struct h3_conn;

struct h3_stream {
    struct h3_stream *prev, *next;
    struct h3_conn *hc;
    SSL *ssl;
    int64_t id;
    enum h3_kind kind;
    int read_done;     /* FIN or reset read, or we stopped reading */
    int write_blocked; /* the QUIC send buffer was full: wait for W */
    int want_close;    /* done: tell nghttp3, then free */
    uint64_t close_code;
    int closed;        /* nghttp3 is done with it: free it this turn */

    /* The request, as its fields arrive. */
    char req_method[16];
    size_t req_method_len;
    char req_path[HTTP_MAX_PATH];
    size_t req_path_len;
    int req_path_long;
    size_t field_bytes;
    uint64_t req_length;       /* content-length, or HTTP_NO_LENGTH */
    /* The range field ("" without one); ignored when sent twice, too
     * long, or with an if-range (see struct http_request). */
    char req_range[HTTP_MAX_RANGE];
    int req_range_ignore;
    int req_ranges;
    struct serve_echo *echo;   /* an upload (POST/PUT) */
    /* A --status-first or --redirect answer, decided once (planned). */
    struct serve_special special;
    int planned;

    /* The response: names for the log, then the body. */
    char method[8];
    char target[HTTP_MAX_PATH];
    int status;
    int responded;
    int is_head;
    char small[96];    /* an error status's short body */
    size_t small_len;
    int small_body;    /* the body is small[], not a file or an echo */
    int fd;
    uint64_t body_off; /* the file offset of the body's first byte */
    const unsigned char *mem; /* the body from memory (an upload's answer) */
    unsigned char *buf; /* the chunk lent to nghttp3 */
    uint64_t body_size;  /* the file's size */
    uint64_t body_limit; /* body bytes we will send */
    uint64_t body_lent;  /* handed to nghttp3 */
    uint64_t body_sent;  /* taken by OpenSSL */
    uint64_t chunk_out;  /* of the current chunk, not yet taken */
    int reader_blocked;  /* the reader said WOULDBLOCK */
    int read_failed;     /* the file broke under us: reset */
    enum fault fault;
    uint64_t fault_at;
    int fault_entered;
};

struct h3_conn {
    SSL *ssl;
    nghttp3_conn *h3;
    unsigned long id;
    const char *root;
    void *loop_data;
    struct h3_stream *streams;
    int failed;      /* a connection error: only nghttp3_conn_del now */
    int closing;     /* we closed the QUIC connection */
    int goaway_sent;
    int drained;     /* the last flush left nghttp3 with nothing to send */
    unsigned long requests;
    uint64_t bytes;
    uint64_t max_bidi_ord;  /* highest client bidi stream ordinal seen */
    uint64_t max_bidi_told; /* what nghttp3 was told the client may open */
    /* --h3-grease: a reserved frame after SETTINGS on the control stream. */
    int64_t ctrl_id;
    SSL *ssl_ctrl;
    int grease_frame_due;
    unsigned char ctrl_head[32]; /* the control stream's first bytes */
    size_t ctrl_written;
};

/* ---- streams ---------------------------------------------------------- */

static struct h3_stream *stream_add(struct h3_conn *hc, SSL *ssl,
                                    enum h3_kind kind)
{
    struct h3_stream *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->hc = hc;
    s->ssl = ssl;
    s->id = (int64_t)SSL_get_stream_id(ssl);
    s->kind = kind;
    s->fd = -1;
    s->fault_at = SERVE_NO_LIMIT;
    s->req_length = HTTP_NO_LENGTH;
    s->read_done = kind == H3_LOCAL_UNI;
    /* Partial writes let us count exactly how much each write took. */
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE);
    s->next = hc->streams;
    if (hc->streams != NULL)
        hc->streams->prev = s;
    hc->streams = s;
    return s;
}

static void stream_free(struct h3_stream *s)
{
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        s->hc->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    /*
     * A concluded stream keeps its unsent data queued in the connection;
     * one not concluded is reset, one not read to its end gets
     * STOP_SENDING.
     */
    SSL_free(s->ssl);
    if (s->fd >= 0)
        close(s->fd);
    serve_echo_free(s->echo);
    free(s->buf);
    free(s);
}

static struct h3_stream *stream_find(struct h3_conn *hc, int64_t id)
{
    struct h3_stream *s;

    for (s = hc->streams; s != NULL; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

/* The stream a callback is about: its user data once set, else by ID. */
static struct h3_stream *stream_of(struct h3_conn *hc, int64_t id, void *sud)
{
    return sud != NULL ? sud : stream_find(hc, id);
}

static void stream_log_end(struct h3_stream *s, const char *how)
{
    serve_vlog("conn %lu stream %" PRId64 ": %s %s -> %d, %" PRIu64
               " body bytes sent, %s",
               s->hc->id, s->id, s->method, s->target, s->status,
               s->body_sent, how);
}

/* Marks a stream finished, with the code nghttp3 gets for it. */
static void stream_done(struct h3_stream *s, uint64_t code)
{
    /* A file upload not stored by now never will be. */
    serve_echo_discard(s->echo);
    if (!s->want_close) {
        s->want_close = 1;
        s->close_code = code;
    }
    s->read_done = 1;
}

/* RESET_STREAM; nghttp3 learns of it when the stream is closed. */
static void stream_abort(struct h3_stream *s, uint64_t code)
{
    SSL_STREAM_RESET_ARGS args;

    memset(&args, 0, sizeof(args));
    args.quic_error_code = code;
    if (!SSL_stream_reset(s->ssl, &args, sizeof(args)))
        ERR_clear_error();
    stream_done(s, code);
}

/* The same, outside nghttp3's callbacks: nghttp3 sends no more at once. */
static void stream_reset(struct h3_stream *s, uint64_t code)
{
    if (!s->hc->failed)
        nghttp3_conn_shutdown_stream_write(s->hc->h3, s->id);
    stream_abort(s, code);
}

/* ---- the connection ----------------------------------------------------- */

/* A connection error from nghttp3: close the QUIC connection with it. */
static void conn_fail(struct h3_conn *hc, int rv)
{
    SSL_SHUTDOWN_EX_ARGS args;
    struct h3_stream *s;

    if (hc->failed)
        return;
    hc->failed = 1;
    /* No upload is stored once the client hears of the close. */
    for (s = hc->streams; s != NULL; s = s->next)
        serve_echo_discard(s->echo);
    memset(&args, 0, sizeof(args));
    args.quic_error_code = nghttp3_err_infer_quic_app_error_code(rv);
    args.quic_reason = nghttp3_strerror(rv);
    serve_vlog("conn %lu: HTTP/3 error: %s; closing with 0x%" PRIx64,
               hc->id, nghttp3_strerror(rv), args.quic_error_code);
    if (SSL_shutdown_ex(hc->ssl, SSL_SHUTDOWN_FLAG_RAPID
                        | SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH
                        | SSL_SHUTDOWN_FLAG_NO_BLOCK, &args, sizeof(args)) < 0)
        ERR_clear_error();
    hc->closing = 1;
}

static void conn_goaway(struct h3_conn *hc)
{
    int rv;

    if (hc->goaway_sent || hc->failed)
        return;
    hc->goaway_sent = 1;
    rv = nghttp3_conn_shutdown(hc->h3);
    if (rv != 0) {
        conn_fail(hc, rv);
        return;
    }
    serve_vlog("conn %lu: GOAWAY after %lu requests: later request "
               "streams are rejected", hc->id, hc->requests);
}

/* ---- nghttp3 callbacks ------------------------------------------------ */

static int cb_acked_stream_data(nghttp3_conn *h3, int64_t id, uint64_t n,
                                void *ud, void *sud)
{
    struct h3_stream *s = sud;

    (void)h3;
    (void)id;
    (void)ud;
    /* Only file bodies are counted (error bodies are like http/1.0's). */
    if (s == NULL || s->small_body)
        return 0;
    if (n > s->chunk_out)
        n = s->chunk_out;
    s->chunk_out -= n;
    s->body_sent += n;
    s->hc->bytes += n;
    return 0;
}

static int cb_stream_close(nghttp3_conn *h3, int64_t id, uint64_t code,
                           void *ud, void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);

    (void)h3;
    (void)code;
    if (s != NULL)
        s->closed = 1;
    return 0;
}

static int cb_begin_headers(nghttp3_conn *h3, int64_t id, void *ud,
                            void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);

    if (s == NULL || sud != NULL)
        return 0;
    return nghttp3_conn_set_stream_user_data(h3, id, s) == 0
        ? 0 : NGHTTP3_ERR_CALLBACK_FAILURE;
}

static int cb_recv_header(nghttp3_conn *h3, int64_t id, int32_t token,
                          nghttp3_rcbuf *name, nghttp3_rcbuf *value,
                          uint8_t flags, void *ud, void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);
    nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
    nghttp3_vec v = nghttp3_rcbuf_get_buf(value);

    (void)h3;
    (void)flags;
    if (s == NULL)
        return 0;
    /* As HPACK and QPACK count a field section's size. */
    s->field_bytes += n.len + v.len + 32;
    if (token == NGHTTP3_QPACK_TOKEN__METHOD) {
        s->req_method_len = v.len < sizeof(s->req_method)
            ? v.len : sizeof(s->req_method);
        memcpy(s->req_method, v.base, s->req_method_len);
    } else if (token == NGHTTP3_QPACK_TOKEN__PATH) {
        s->req_path_long = v.len >= sizeof(s->req_path);
        s->req_path_len = s->req_path_long ? 0 : v.len;
        memcpy(s->req_path, v.base, s->req_path_len);
    } else if (token == NGHTTP3_QPACK_TOKEN_CONTENT_LENGTH) {
        /* nghttp3 checks the value and the body against it. */
        if (!http_parse_length((const char *)v.base, v.len, &s->req_length))
            s->req_length = HTTP_NO_LENGTH;
    } else if (token == NGHTTP3_QPACK_TOKEN_RANGE) {
        if (++s->req_ranges > 1 || v.len >= sizeof(s->req_range)) {
            s->req_range_ignore = 1;
        } else {
            memcpy(s->req_range, v.base, v.len);
            s->req_range[v.len] = '\0';
        }
    } else if (token == NGHTTP3_QPACK_TOKEN_IF_RANGE) {
        /* No validator to compare it with: the whole file. */
        s->req_range_ignore = 1;
    }
    return 0;
}

static nghttp3_ssize cb_read_data(nghttp3_conn *h3, int64_t id,
                                  nghttp3_vec *vec, size_t veccnt,
                                  uint32_t *pflags, void *ud, void *sud)
{
    struct h3_stream *s = sud;
    uint64_t want;
    ssize_t r;

    (void)h3;
    (void)id;
    (void)ud;
    if (s == NULL || veccnt == 0)
        return NGHTTP3_ERR_CALLBACK_FAILURE;
    if (s->small_body) {
        /* The short body of an error status, all at once. */
        vec[0].base = (uint8_t *)s->small;
        vec[0].len = s->small_len;
        *pflags |= NGHTTP3_DATA_FLAG_EOF;
        return 1;
    }
    /*
     * The chunk is still out, a fault's threshold is reached, or the file
     * broke: wait (for good, if stalled).
     */
    if (s->chunk_out > 0 || s->body_lent == s->fault_at || s->read_failed) {
        s->reader_blocked = 1;
        return NGHTTP3_ERR_WOULDBLOCK;
    }
    if (s->body_lent == s->body_limit) {
        *pflags |= NGHTTP3_DATA_FLAG_EOF;
        return 0;
    }
    want = s->body_limit - s->body_lent;
    if (s->fault_at - s->body_lent < want)
        want = s->fault_at - s->body_lent;
    if (want > H3_CHUNK)
        want = H3_CHUNK;
    if (s->mem != NULL) {
        /* Lent in place: it stays put until the stream is freed. */
        vec[0].base = (uint8_t *)(uintptr_t)(s->mem + s->body_lent);
        vec[0].len = (size_t)want;
        s->body_lent += want;
        s->chunk_out = want;
        if (s->body_lent == s->body_limit && s->body_lent != s->fault_at)
            *pflags |= NGHTTP3_DATA_FLAG_EOF;
        return 1;
    }
    do {
        r = pread(s->fd, s->buf, (size_t)want,
                  (off_t)(s->body_off + s->body_lent));
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
        /* Do not send junk: h3_conn_tick resets the stream. */
        serve_log("conn %lu stream %" PRId64 ": reading %s: %s",
                  s->hc->id, s->id, s->target,
                  r < 0 ? strerror(errno) : "file shrank");
        s->read_failed = 1;
        s->reader_blocked = 1;
        return NGHTTP3_ERR_WOULDBLOCK;
    }
    vec[0].base = s->buf;
    vec[0].len = (size_t)r;
    s->body_lent += (uint64_t)r;
    s->chunk_out = (uint64_t)r;
    if (s->body_lent == s->body_limit && s->body_lent != s->fault_at)
        *pflags |= NGHTTP3_DATA_FLAG_EOF;
    return 1;
}

static void make_nv(nghttp3_nv *nv, const char *name, const char *value)
{
    nv->name = (const uint8_t *)name;
    nv->namelen = strlen(name);
    nv->value = (const uint8_t *)value;
    nv->valuelen = strlen(value);
    nv->flags = NGHTTP3_NV_FLAG_NONE;
}

/*
 * --bad-h3: bytes no HTTP/3 client may accept on a request stream, written
 * past nghttp3: a DATA frame before any HEADERS (H3_FRAME_UNEXPECTED), or
 * a HEADERS frame whose field section needs a dynamic table entry that
 * was never sent, with a table capacity of 0 (QPACK_DECOMPRESSION_FAILED):
 * both errors of the connection (RFC 9114 section 4.1, RFC 9204 section
 * 2.2.3).  Or a malformed response, an error of its stream alone
 * (H3_MESSAGE_ERROR, RFC 9114 section 4.1.2): :status 200 (static entry
 * 25) and content-length 10 (a literal with the name of static entry 4),
 * then 5 body bytes and FIN.
 */
static void stream_respond_bad(struct h3_stream *s)
{
    static const unsigned char frame[] = { 0x00, 0x03, 'b', 'a', 'd' };
    static const unsigned char qpack[] = { 0x01, 0x03, 0x05, 0x00, 0x80 };
    static const unsigned char message[] = {
        0x01, 0x07, 0x00, 0x00, 0xd9, 0x54, 0x02, '1', '0',
        0x00, 0x05, 's', 'h', 'o', 'r', 't'
    };
    const unsigned char *p = g_opts.bad_h3 == BAD_H3_FRAME ? frame
        : g_opts.bad_h3 == BAD_H3_QPACK ? qpack : message;
    size_t len = g_opts.bad_h3 == BAD_H3_FRAME ? sizeof(frame)
        : g_opts.bad_h3 == BAD_H3_QPACK ? sizeof(qpack) : sizeof(message);
    size_t n = 0;

    s->hc->requests++;
    s->responded = 1;
    serve_vlog("conn %lu stream %" PRId64 ": answering with a broken %s",
               s->hc->id, s->id,
               g_opts.bad_h3 == BAD_H3_FRAME ? "frame"
               : g_opts.bad_h3 == BAD_H3_QPACK ? "QPACK block"
               : "message (content-length 10, 5 body bytes)");
    if (!SSL_write_ex(s->ssl, p, len, &n) || n != len
        || !SSL_stream_conclude(s->ssl, 0))
        serve_log_ssl_errors("--bad-h3: write failed");
}

/* Decides once whether a request gets a --status-first or --redirect. */
static void stream_plan(struct h3_stream *s, const struct http_request *req)
{
    if (!s->planned)
        serve_special_answer(req->path, &s->special);
    s->planned = 1;
}

/*
 * A file's answer (s->fd open, size bytes): 200, or 206 with the one
 * range a GET asks for, or 416; sets the content-range field's value
 * (range_hdr) for 206 and 416, s->body_off and s->body_size.
 */
static int stream_respond_file(struct h3_stream *s, int is_get,
                               uint64_t size, char *range_hdr, size_t sz)
{
    uint64_t first = 0, last = 0;
    enum http_range r = HTTP_RANGE_IGNORE;

    range_hdr[0] = '\0';
    s->body_size = size;
    if (g_opts.no_range || !is_get || s->req_range[0] == '\0'
        || s->req_range_ignore)
        return 200;
    r = http_parse_range(s->req_range, strlen(s->req_range), size, &first,
                         &last);
    if (r == HTTP_RANGE_UNSATISFIABLE) {
        snprintf(range_hdr, sz, "bytes */%" PRIu64, size);
        close(s->fd);
        s->fd = -1;
        return 416;
    }
    if (r != HTTP_RANGE_PARTIAL)
        return 200;
    snprintf(range_hdr, sz, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first,
             last, size);
    s->body_off = first;
    s->body_size = last - first + 1;
    return 206;
}

/*
 * Answers a request: once it is all in, or early with force_status (413:
 * an upload over --max-upload, whose rest is never read; 400 or 500: a
 * file upload that cannot be stored).
 */
static int stream_respond(struct h3_stream *s, int force_status)
{
    struct h3_conn *hc = s->hc;
    struct http_request req;
    char rel[HTTP_MAX_PATH + 16], length[24], code[8], uploaded[48];
    char range_hdr[80], range_log[64], location[SERVE_MAX_LOCATION + 1];
    const char *type = "text/plain";
    nghttp3_nv nv[10];
    nghttp3_data_reader dr = { cb_read_data };
    const nghttp3_data_reader *body = &dr;
    size_t nnv = 0, len = 0;
    uint64_t size = 0, file_size = 0;
    int status, rv, faulty, is_upload, from_file = 0;
    enum http_upload kind;

    status = http3_parse_request_ex(s->req_method, s->req_method_len,
                                    s->req_path, s->req_path_len,
                                    HTTP_PARSE_ANY_UPLOAD, &req);
    faulty = serve_fault_applies(req.path);
    if (g_opts.bad_h3 != BAD_H3_NONE && faulty) {
        stream_respond_bad(s);
        return 0;
    }
    if (s->req_path_long && status == 200)
        status = 400;
    if (s->field_bytes > HTTP_MAX_HEAD)
        status = 431;
    is_upload = req.method == HTTP_METHOD_POST
        || req.method == HTTP_METHOD_PUT;
    if (status == 200)
        stream_plan(s, &req);
    /* No sink was made for it (cb_end_headers): not an upload path. */
    if (status == 200 && is_upload && s->special.status == 0
        && s->echo == NULL)
        status = 405;
    if (force_status != 0)
        status = force_status;
    s->is_head = req.method == HTTP_METHOD_HEAD;
    snprintf(s->method, sizeof(s->method), "%.*s",
             (int)(s->req_method_len < 7 ? s->req_method_len : 7),
             s->req_method);
    snprintf(s->target, sizeof(s->target), "%s",
             req.target[0] != '\0' ? req.target : "-");
    hc->requests++;

    kind = s->echo != NULL ? serve_echo_kind(s->echo) : HTTP_UPLOAD_NONE;
    range_hdr[0] = '\0';
    location[0] = '\0';
    if (status == 200 && s->special.status != 0) {
        status = s->special.status;
        if (s->special.location != NULL)
            snprintf(location, sizeof(location), "%.*s",
                     (int)s->special.location_len, s->special.location);
    } else if (status == 200 && kind == HTTP_UPLOAD_FILE) {
        status = serve_echo_commit(s->echo) ? 201 : 500;
    } else if (status == 200 && s->echo != NULL) {
        if (serve_echo_body(s->echo, &s->mem, &len)) {
            size = len;
            type = serve_echo_type(s->echo);
        } else {
            status = 500;
        }
    } else if (status == 200) {
        status = http_target_to_relpath(req.path, rel, sizeof(rel));
        if (status == 0)
            status = serve_open_file(hc->root, rel, &s->fd, &size);
        if (status == 200) {
            from_file = 1;
            file_size = size;
            type = http_content_type(rel);
            status = stream_respond_file(s, req.method == HTTP_METHOD_GET,
                                         size, range_hdr, sizeof(range_hdr));
            if (status == 416)
                type = "text/plain"; /* the short body */
        }
    }
    if (status != 200 && status != 201)
        serve_echo_discard(s->echo);
    s->status = status;
    s->responded = 1;

    if (status == 200 || status == 206) {
        if (!from_file)
            s->body_size = size;
        size = s->body_size;
        s->body_limit = s->is_head ? 0 : size;
        if (faulty && g_opts.truncate_after < s->body_limit)
            s->body_limit = g_opts.truncate_after;
        if (faulty)
            serve_pick_fault(s->body_limit, &s->fault, &s->fault_at);
        if (s->body_limit > 0 && s->mem == NULL) {
            s->buf = malloc(H3_CHUNK);
            if (s->buf == NULL) {
                serve_log("out of memory");
                stream_abort(s, NGHTTP3_H3_INTERNAL_ERROR);
                return 0;
            }
        } else if (s->body_limit == 0 && s->fault == FAULT_NONE) {
            body = NULL; /* FIN right after the fields (HEAD too) */
        }
    } else {
        s->small_body = 1;
        s->small_len = (size_t)snprintf(s->small, sizeof(s->small), "%d %s\n",
                                        status, http_reason(status));
        size = s->small_len;
        if (s->is_head)
            body = NULL;
    }
    snprintf(code, sizeof(code), "%d", status);
    snprintf(length, sizeof(length), "%" PRIu64, size);
    make_nv(&nv[nnv++], ":status", code);
    make_nv(&nv[nnv++], "content-length", length);
    make_nv(&nv[nnv++], "content-type", type);
    make_nv(&nv[nnv++], "server", SERVE_NAME "/" SERVE_VERSION);
    if (status == 405)
        make_nv(&nv[nnv++], "allow", "GET, HEAD");
    if (from_file && !g_opts.no_range)
        make_nv(&nv[nnv++], "accept-ranges", "bytes");
    if (range_hdr[0] != '\0')
        make_nv(&nv[nnv++], "content-range", range_hdr);
    if (location[0] != '\0')
        make_nv(&nv[nnv++], "location", location);
    if (g_opts.alt_svc[0] != '\0')
        make_nv(&nv[nnv++], "alt-svc", g_opts.alt_svc);
    uploaded[0] = '\0';
    if (s->echo != NULL)
        snprintf(uploaded, sizeof(uploaded), "; %" PRIu64 " bytes uploaded%s",
                 serve_echo_received(s->echo),
                 status == 413 ? ", over --max-upload"
                 : status == 201 ? ", stored" : "");
    range_log[0] = '\0';
    if (status == 206)
        snprintf(range_log, sizeof(range_log), " from offset %" PRIu64
                 " of %" PRIu64, s->body_off, file_size);
    if (s->special.status != 0 && s->special.location != NULL)
        serve_vlog("conn %lu stream %" PRId64 ": %s %s -> %d, Location: "
                   "%s (--redirect)", hc->id, s->id, s->method, s->target,
                   status, location);
    else if (s->special.status != 0)
        serve_vlog("conn %lu stream %" PRId64 ": %s %s -> %d "
                   "(--status-first, request %" PRIu64 " of %" PRIu64 ")",
                   hc->id, s->id, s->method, s->target, status,
                   s->special.nth, g_opts.status_first_n);
    else
        serve_vlog("conn %lu stream %" PRId64 ": %s %s -> %d (%" PRIu64
                   " bytes%s%s%s%s)",
                   hc->id, s->id, s->method, s->target, status,
                   status == 200 || status == 206 ? size : (uint64_t)0,
                   range_log,
                   s->fault != FAULT_NONE ? ", fault " : "",
                   s->fault != FAULT_NONE ? serve_fault_name(s->fault) : "",
                   uploaded);
    /* nghttp3 copies the fields: stack buffers are fine. */
    rv = nghttp3_conn_submit_response(hc->h3, s->id, nv, nnv, body);
    if (rv != 0)
        return rv;
    if (g_opts.goaway_after != SERVE_NO_LIMIT
        && hc->requests >= g_opts.goaway_after)
        conn_goaway(hc);
    return 0;
}

/* stream_respond from a callback: a stream error stays the stream's. */
static int stream_respond_cb(struct h3_stream *s, int force_status)
{
    int rv = stream_respond(s, force_status);

    if (rv != 0 && !nghttp3_err_is_fatal(rv)) {
        serve_log("conn %lu stream %" PRId64 ": cannot respond: %s",
                  s->hc->id, s->id, nghttp3_strerror(rv));
        stream_abort(s, NGHTTP3_H3_INTERNAL_ERROR);
        rv = 0;
    }
    return rv;
}

/*
 * The fields are in: a --status-first or --redirect answer is decided; a
 * POST or PUT starts gathering its body (cb_recv_data): an echo, a file
 * for --upload-dir, or a body to drop before a --status-first or
 * --redirect answer; or is refused at once when its content-length is
 * over --max-upload or its file cannot be made.  Everything else is
 * answered at its end.
 */
static int cb_end_headers(nghttp3_conn *h3, int64_t id, int fin, void *ud,
                          void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);
    struct http_request req;
    char name[HTTP_MAX_NAME + 1];
    enum http_upload kind;
    int status = 500;

    (void)h3;
    (void)fin;
    if (s == NULL || s->kind != H3_REQUEST || s->responded
        || s->req_path_long || s->field_bytes > HTTP_MAX_HEAD
        || http3_parse_request_ex(s->req_method, s->req_method_len,
                                  s->req_path, s->req_path_len,
                                  HTTP_PARSE_ANY_UPLOAD, &req) != 200)
        return 0;
    stream_plan(s, &req);
    if (req.method != HTTP_METHOD_POST && req.method != HTTP_METHOD_PUT)
        return 0;
    kind = s->special.status != 0 ? HTTP_UPLOAD_DISCARD
        : http_upload_kind(req.path);
    if (kind == HTTP_UPLOAD_NONE && g_opts.upload_dir == NULL)
        return 0; /* the body is dropped, the answer is 405 */
    if (kind == HTTP_UPLOAD_NONE) {
        status = http_upload_name(req.path, name, sizeof(name));
        if (status == 0)
            s->echo = serve_echo_new_file(name, &status);
        if (s->echo == NULL) {
            s->read_done = 1; /* SSL_free sends STOP_SENDING */
            return stream_respond_cb(s, status);
        }
    } else {
        s->echo = serve_echo_new(kind);
        if (s->echo == NULL) {
            serve_log("out of memory");
            stream_abort(s, NGHTTP3_H3_INTERNAL_ERROR);
            return 0;
        }
    }
    if (s->req_length != HTTP_NO_LENGTH && s->req_length > g_opts.max_upload
        && kind != HTTP_UPLOAD_DISCARD) {
        s->read_done = 1; /* SSL_free sends STOP_SENDING */
        return stream_respond_cb(s, 413);
    }
    return 0;
}

static int cb_recv_data(nghttp3_conn *h3, int64_t id, const uint8_t *data,
                        size_t datalen, void *ud, void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);
    int r;

    (void)h3;
    /* Not an upload (a body to a file is dropped), or answered already. */
    if (s == NULL || s->echo == NULL || s->responded)
        return 0;
    r = serve_echo_add(s->echo, data, datalen);
    if (r > 0)
        return 0;
    /* Over --max-upload, or out of memory or a failed write (logged). */
    s->read_done = 1; /* SSL_free sends STOP_SENDING */
    return stream_respond_cb(s, r == 0 ? 413 : 500);
}

static int cb_end_stream(nghttp3_conn *h3, int64_t id, void *ud, void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);

    (void)h3;
    if (s == NULL || s->kind != H3_REQUEST || s->responded
        || s->want_close)
        return 0;
    return stream_respond_cb(s, 0);
}

static int cb_stop_sending(nghttp3_conn *h3, int64_t id, uint64_t code,
                           void *ud, void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);

    (void)h3;
    /*
     * OpenSSL has no STOP_SENDING call: freeing the stream sends it (with
     * code 0).  A request stream may still be answered, so until then it
     * is only read no more; a unidirectional one (of a type nghttp3 does
     * not know) is done.
     */
    if (s == NULL)
        return 0;
    if (s->kind == H3_PEER_UNI)
        stream_done(s, code);
    else
        s->read_done = 1;
    return 0;
}

static int cb_reset_stream(nghttp3_conn *h3, int64_t id, uint64_t code,
                           void *ud, void *sud)
{
    struct h3_stream *s = stream_of(ud, id, sud);

    (void)h3;
    if (s == NULL)
        return 0;
    if (code == NGHTTP3_H3_REQUEST_REJECTED)
        serve_vlog("conn %lu stream %" PRId64 ": rejected after GOAWAY "
                   "(stream reset with code 0x%" PRIx64 ")",
                   s->hc->id, s->id, code);
    else
        serve_vlog("conn %lu stream %" PRId64 ": HTTP/3 stream error, "
                   "stream reset with code 0x%" PRIx64,
                   s->hc->id, s->id, code);
    stream_abort(s, code);
    return 0;
}

#if NGHTTP3_VERSION_NUM >= 0x010b00
static void cb_rand(uint8_t *dest, size_t len)
{
    if (RAND_bytes(dest, (int)len) != 1)
        ERR_clear_error(); /* only hardens nghttp3's rate limiter */
}
#endif

/* ---- reading and writing ---------------------------------------------- */

static nghttp3_ssize conn_feed(struct h3_conn *hc, int64_t id,
                               const uint8_t *p, size_t n, int fin)
{
#if NGHTTP3_VERSION_NUM >= 0x010c00
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return nghttp3_conn_read_stream2(hc->h3, id, p, n, fin,
                                     (nghttp3_tstamp)ts.tv_sec * 1000000000u
                                     + (nghttp3_tstamp)ts.tv_nsec);
#else
    return nghttp3_conn_read_stream(hc->h3, id, p, n, fin);
#endif
}

/* Logs why a stream operation failed and returns the peer's code. */
static uint64_t stream_log_failure(struct h3_stream *s, const char *op)
{
    return serve_log_stream_failure(s->ssl, s->hc->id, (uint64_t)s->id, op,
                                    s->body_sent);
}

static int stream_read(struct h3_stream *s)
{
    struct h3_conn *hc = s->hc;
    uint8_t buf[16384];
    size_t budget = H3_READ_BUDGET;
    nghttp3_ssize rv;
    uint64_t code;

    while (!s->read_done && budget > 0) {
        size_t n = 0;

        if (SSL_read_ex(s->ssl, buf, sizeof(buf), &n)) {
            budget = n >= budget ? 0 : budget - n;
            rv = conn_feed(hc, s->id, buf, n, 0);
            if (rv < 0) {
                conn_fail(hc, (int)rv);
                return 1;
            }
            continue;
        }
        switch (SSL_get_error(s->ssl, 0)) {
        case SSL_ERROR_WANT_READ:
            ERR_clear_error();
            return budget < H3_READ_BUDGET;
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error();
            s->read_done = 1;
            rv = conn_feed(hc, s->id, NULL, 0, 1);
            if (rv < 0)
                conn_fail(hc, (int)rv);
            return 1;
        default:
            if (SSL_get_stream_read_state(s->ssl)
                == SSL_STREAM_STATE_CONN_CLOSED) {
                /* The loop sees the close on the connection. */
                ERR_clear_error();
                s->read_done = 1;
                return 1;
            }
            code = stream_log_failure(s, s->responded ? "sending"
                                      : "reading the request");
            stream_done(s, code);
            return 1;
        }
    }
    return 1;
}

/* Everything of a response is with OpenSSL, FIN included. */
static void stream_finished(struct h3_stream *s)
{
    if (s->kind != H3_REQUEST)
        return;
    stream_log_end(s, !s->small_body && !s->is_head
                      && s->body_sent < s->body_size
                      ? "FIN (truncated)" : "FIN");
    stream_done(s, NGHTTP3_H3_NO_ERROR);
}

/* ---- --h3-grease ------------------------------------------------------ */

/* A reserved stream or frame type (RFC 9114 sections 6.2.3 and 7.2.8). */
#define H3_GREASE_TYPE(k) (UINT64_C(0x1f) * (k) + 0x21)

/* Writes a QUIC variable-length integer (v < 2^30); returns its length. */
static size_t put_varint(unsigned char *p, uint64_t v)
{
    if (v < 0x40) {
        p[0] = (unsigned char)v;
        return 1;
    }
    if (v < 0x4000) {
        p[0] = (unsigned char)(0x40 | (v >> 8));
        p[1] = (unsigned char)v;
        return 2;
    }
    p[0] = (unsigned char)(0x80 | (v >> 24));
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

/* Reads one at p[*off..len); 0 when it does not fit. */
static int get_varint(const unsigned char *p, size_t len, size_t *off,
                      uint64_t *v)
{
    size_t n, i;

    if (*off >= len)
        return 0;
    n = (size_t)1 << (p[*off] >> 6);
    if (len - *off < n)
        return 0;
    *v = p[*off] & 0x3f;
    for (i = 1; i < n; i++)
        *v = (*v << 8) | p[*off + i];
    *off += n;
    return 1;
}

/*
 * Unidirectional streams of reserved types, each with a few bytes and
 * FIN, which a client must read and ignore.  OpenSSL keeps a concluded
 * stream's data queued after SSL_free, so they need no bookkeeping.
 */
static int open_grease_streams(struct h3_conn *hc)
{
    static const char payload[] = "qget-serve grease";
    unsigned char b[8 + sizeof(payload)];
    unsigned k;

    for (k = 0; k < g_opts.h3_grease; k++) {
        SSL *ss = SSL_new_stream(hc->ssl, SSL_STREAM_FLAG_UNI
                                 | SSL_STREAM_FLAG_ADVANCE);
        size_t n, w = 0;

        if (ss == NULL) {
            serve_log_ssl_errors("--h3-grease: cannot open a stream");
            return 0;
        }
        n = put_varint(b, H3_GREASE_TYPE(k));
        memcpy(b + n, payload, sizeof(payload) - 1);
        n += sizeof(payload) - 1;
        if (!SSL_write_ex(ss, b, n, &w) || w != n
            || !SSL_stream_conclude(ss, 0)) {
            serve_log_ssl_errors("--h3-grease: cannot write a stream");
            SSL_free(ss);
            return 0;
        }
        SSL_free(ss);
    }
    serve_vlog("conn %lu: %u grease streams opened (types 0x21 + 0x1f * k)",
               hc->id, g_opts.h3_grease);
    return 1;
}

/*
 * Called after each write on the control stream: once its SETTINGS frame
 * (the first frame, which must come first) is all with OpenSSL, one
 * frame of a reserved type follows, behind nghttp3's back (nghttp3 counts
 * only its own bytes).  0 when it could not be sent whole: a fragment
 * would break the stream.
 */
static int ctrl_written(struct h3_conn *hc, const nghttp3_vec *vec,
                        size_t nvec, size_t done)
{
    static const char payload[] = "qget";
    unsigned char f[16];
    size_t i, off = 0, n, w = 0;
    uint64_t stype, ftype, flen;

    for (i = 0; i < nvec && done > 0; i++) {
        size_t take = vec[i].len < done ? vec[i].len : done;
        size_t room = sizeof(hc->ctrl_head) - hc->ctrl_written;

        if (hc->ctrl_written < sizeof(hc->ctrl_head))
            memcpy(hc->ctrl_head + hc->ctrl_written, vec[i].base,
                   take < room ? take : room);
        hc->ctrl_written += take;
        done -= take;
    }
    n = hc->ctrl_written < sizeof(hc->ctrl_head) ? hc->ctrl_written
        : sizeof(hc->ctrl_head);
    if (!get_varint(hc->ctrl_head, n, &off, &stype)
        || !get_varint(hc->ctrl_head, n, &off, &ftype)
        || !get_varint(hc->ctrl_head, n, &off, &flen))
        return 1; /* not yet */
    if (stype != 0x00 || ftype != 0x04) {
        serve_vlog("conn %lu: --h3-grease: the control stream does not "
                   "start with SETTINGS: no reserved frame", hc->id);
        hc->grease_frame_due = 0;
        return 1;
    }
    if (hc->ctrl_written < off + flen)
        return 1;
    hc->grease_frame_due = 0;
    if (hc->ctrl_written > off + flen) {
        /* More frames went with it: no frame boundary to put ours at. */
        serve_vlog("conn %lu: --h3-grease: no frame boundary after "
                   "SETTINGS: no reserved frame", hc->id);
        return 1;
    }
    n = put_varint(f, H3_GREASE_TYPE(3));
    n += put_varint(f + n, sizeof(payload) - 1);
    memcpy(f + n, payload, sizeof(payload) - 1);
    n += sizeof(payload) - 1;
    if (!SSL_write_ex(hc->ssl_ctrl, f, n, &w) || w != n) {
        serve_log_ssl_errors("--h3-grease: cannot write the reserved frame");
        return 0;
    }
    serve_vlog("conn %lu: reserved frame type 0x%" PRIx64 " sent on the "
               "control stream", hc->id, H3_GREASE_TYPE(3));
    return 1;
}

/* Hands OpenSSL what nghttp3 has to send; returns 1 on progress. */
static int conn_flush(struct h3_conn *hc)
{
    nghttp3_vec vec[H3_VECS];
    size_t budget = H3_WRITE_BUDGET;
    int progress = 0;

    hc->drained = 0;
    while (!hc->failed && !hc->closing && budget > 0) {
        struct h3_stream *s;
        int64_t id = -1;
        int fin = 0, blocked = 0, broken = 0, rv;
        nghttp3_ssize n, i;
        size_t total = 0, done = 0;

        n = nghttp3_conn_writev_stream(hc->h3, &id, &fin, vec, H3_VECS);
        if (n < 0) {
            conn_fail(hc, (int)n);
            break;
        }
        if (id < 0) {
            hc->drained = 1;
            break;
        }
        for (i = 0; i < n; i++)
            total += vec[i].len;
        s = stream_find(hc, id);
        if (s == NULL || s->want_close) {
            /* Nothing to write to any more: let nghttp3 drop it. */
            if (nghttp3_conn_add_write_offset(hc->h3, id, total) != 0
                || nghttp3_conn_add_ack_offset(hc->h3, id, total) != 0) {
                conn_fail(hc, NGHTTP3_ERR_CALLBACK_FAILURE);
                break;
            }
            if (total == 0)
                nghttp3_conn_shutdown_stream_write(hc->h3, id);
            continue;
        }
        for (i = 0; i < n && !blocked && !broken; i++) {
            size_t w = 0;

            if (vec[i].len == 0)
                continue;
            if (!SSL_write_ex(s->ssl, vec[i].base, vec[i].len, &w)) {
                int err = SSL_get_error(s->ssl, 0);

                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
                    ERR_clear_error();
                    blocked = 1;
                } else {
                    broken = 1;
                }
                continue;
            }
            done += w;
            if (w < vec[i].len)
                blocked = 1;
        }
        if (fin && done == total && !broken && !SSL_stream_conclude(s->ssl, 0))
            broken = 1;
        if (!broken && done > 0 && hc->grease_frame_due && id == hc->ctrl_id
            && !ctrl_written(hc, vec, (size_t)n, done)) {
            conn_fail(hc, NGHTTP3_ERR_CALLBACK_FAILURE);
            break;
        }
        if (broken) {
            uint64_t code = stream_log_failure(s, "sending");

            if (s->kind == H3_LOCAL_UNI) {
                conn_fail(hc, NGHTTP3_ERR_H3_CLOSED_CRITICAL_STREAM);
                break;
            }
            stream_done(s, code);
            progress = 1;
            continue;
        }
        if ((done > 0 || (fin && total == 0))
            && ((rv = nghttp3_conn_add_write_offset(hc->h3, id, done)) != 0
                || (rv = nghttp3_conn_add_ack_offset(hc->h3, id, done)) != 0)) {
            conn_fail(hc, rv);
            break;
        }
        budget = done >= budget ? 0 : budget - done;
        if (done > 0 || fin)
            progress = 1;
        if (blocked) {
            nghttp3_conn_block_stream(hc->h3, id);
            s->write_blocked = 1;
        } else if (fin && done == total) {
            stream_finished(s);
        }
        /* The chunk is all with OpenSSL: the reader may go on. */
        if (s->reader_blocked && s->chunk_out == 0
            && s->body_lent != s->fault_at && !s->read_failed) {
            s->reader_blocked = 0;
            if ((rv = nghttp3_conn_resume_stream(hc->h3, id)) != 0) {
                conn_fail(hc, rv);
                break;
            }
        }
    }
    return progress;
}

/* A fault whose threshold the body has reached; 1 when it acted. */
static int stream_fault(struct h3_stream *s)
{
    struct h3_conn *hc = s->hc;
    SSL_SHUTDOWN_EX_ARGS args;
    uint64_t used = 1;

    /* Everything up to the threshold, fields included, is with OpenSSL. */
    if (s->fault == FAULT_NONE || s->fault_entered
        || s->body_sent != s->fault_at || !s->reader_blocked
        || !hc->drained || s->write_blocked)
        return 0;
    if (s->fault == FAULT_STALL || s->fault == FAULT_FREEZE) {
        s->fault_entered = 1;
        stream_log_end(s, s->fault == FAULT_FREEZE ? "frozen" : "stalled");
        if (s->fault == FAULT_FREEZE)
            g_frozen = 1;
        return 1;
    }
    /*
     * Reset and close both discard unacknowledged data, so first wait for
     * the peer to acknowledge everything sent: the client then really
     * gets the N bytes before the error.
     */
    if (!SSL_get_stream_write_buf_used(s->ssl, &used)) {
        ERR_clear_error();
        used = 0; /* cannot tell: act now rather than never */
    }
    if (used > 0)
        return 0;
    s->fault_entered = 1;
    if (s->fault == FAULT_RESET) {
        stream_log_end(s, "resetting stream");
        stream_reset(s, g_opts.reset_code);
        return 1;
    }
    stream_log_end(s, "closing connection");
    memset(&args, 0, sizeof(args));
    args.quic_error_code = g_opts.close_code;
    args.quic_reason = g_opts.close_reason;
    if (SSL_shutdown_ex(hc->ssl, SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH
                        | SSL_SHUTDOWN_FLAG_NO_BLOCK, &args, sizeof(args)) < 0)
        ERR_clear_error();
    hc->closing = 1;
    return 1;
}

/* nghttp3 may act only on client bidi streams it knows may exist. */
static void conn_update_stream_limit(struct h3_conn *hc)
{
    uint64_t avail = 0, max;

    if (!SSL_get_value_uint(hc->ssl, SSL_VALUE_CLASS_GENERIC,
                            SSL_VALUE_QUIC_STREAM_BIDI_REMOTE_AVAIL, &avail)) {
        ERR_clear_error();
        return;
    }
    max = hc->max_bidi_ord + avail;
    if (max > hc->max_bidi_told) {
        hc->max_bidi_told = max;
        nghttp3_conn_set_max_client_streams_bidi(hc->h3, max);
    }
}

/* ---- the interface to the loop ----------------------------------------- */

static SSL *open_uni(struct h3_conn *hc, const char *what)
{
    /* ADVANCE: usable at once, sent as soon as the client allows it. */
    SSL *ss = SSL_new_stream(hc->ssl, SSL_STREAM_FLAG_UNI
                             | SSL_STREAM_FLAG_ADVANCE);

    if (ss == NULL) {
        serve_log_ssl_errors(what);
        return NULL;
    }
    if (stream_add(hc, ss, H3_LOCAL_UNI) == NULL) {
        serve_log("out of memory");
        SSL_free(ss);
        return NULL;
    }
    return ss;
}

struct h3_conn *h3_conn_new(SSL *conn, unsigned long conn_id,
                            const char *root, void *loop_data)
{
    nghttp3_callbacks cb;
    nghttp3_settings settings;
    struct h3_conn *hc = calloc(1, sizeof(*hc));
    SSL *ctrl, *qenc, *qdec;
    int rv;

    if (hc == NULL) {
        serve_log("out of memory");
        return NULL;
    }
    hc->ssl = conn;
    hc->id = conn_id;
    hc->root = root;
    hc->loop_data = loop_data;

    memset(&cb, 0, sizeof(cb));
    cb.acked_stream_data = cb_acked_stream_data;
    cb.stream_close = cb_stream_close;
    cb.begin_headers = cb_begin_headers;
    cb.recv_header = cb_recv_header;
    cb.end_headers = cb_end_headers;
    cb.recv_data = cb_recv_data;
    cb.end_stream = cb_end_stream;
    cb.stop_sending = cb_stop_sending;
    cb.reset_stream = cb_reset_stream;
#if NGHTTP3_VERSION_NUM >= 0x010b00
    cb.rand = cb_rand;
#endif
    nghttp3_settings_default(&settings);
    settings.max_field_section_size = HTTP_MAX_HEAD;
    rv = nghttp3_conn_server_new(&hc->h3, &cb, &settings, NULL, hc);
    if (rv != 0) {
        serve_log("conn %lu: cannot start HTTP/3: %s", conn_id,
                  nghttp3_strerror(rv));
        goto fail;
    }
    ctrl = open_uni(hc, "cannot open the HTTP/3 control stream");
    qenc = ctrl != NULL ? open_uni(hc, "cannot open a QPACK stream") : NULL;
    qdec = qenc != NULL ? open_uni(hc, "cannot open a QPACK stream") : NULL;
    if (qdec == NULL)
        goto fail;
    rv = nghttp3_conn_bind_control_stream(hc->h3,
                                          (int64_t)SSL_get_stream_id(ctrl));
    if (rv == 0)
        rv = nghttp3_conn_bind_qpack_streams(hc->h3,
                                             (int64_t)SSL_get_stream_id(qenc),
                                             (int64_t)SSL_get_stream_id(qdec));
    if (rv != 0) {
        serve_log("conn %lu: cannot bind HTTP/3 streams: %s", conn_id,
                  nghttp3_strerror(rv));
        goto fail;
    }
    if (g_opts.h3_grease > 0) {
        hc->ctrl_id = (int64_t)SSL_get_stream_id(ctrl);
        hc->ssl_ctrl = ctrl;
        hc->grease_frame_due = 1;
        if (!open_grease_streams(hc))
            goto fail;
    }
    if (g_opts.goaway_after == 0)
        conn_goaway(hc);
    return hc;

fail:
    h3_conn_free(hc);
    return NULL;
}

void h3_conn_free(struct h3_conn *hc)
{
    if (hc == NULL)
        return;
    while (hc->streams != NULL)
        stream_free(hc->streams);
    nghttp3_conn_del(hc->h3);
    free(hc);
}

void h3_conn_accept_stream(struct h3_conn *hc, SSL *ss)
{
    int bidi = SSL_get_stream_type(ss) == SSL_STREAM_TYPE_BIDI;
    struct h3_stream *s = stream_add(hc, ss, bidi ? H3_REQUEST : H3_PEER_UNI);

    if (s == NULL) {
        serve_log("out of memory");
        SSL_free(ss);
        return;
    }
    if (bidi && (uint64_t)s->id / 4 + 1 > hc->max_bidi_ord)
        hc->max_bidi_ord = (uint64_t)s->id / 4 + 1;
    if (hc->failed || hc->closing)
        s->read_done = 1;
}

size_t h3_conn_poll_count(const struct h3_conn *hc)
{
    const struct h3_stream *s;
    size_t n = 0;

    for (s = hc->streams; s != NULL; s = s->next)
        n++;
    return n;
}

size_t h3_conn_poll_fill(struct h3_conn *hc, SSL_POLL_ITEM *items,
                         void **owners)
{
    struct h3_stream *s;
    size_t n = 0;

    if (hc->failed || hc->closing)
        return 0;
    for (s = hc->streams; s != NULL; s = s->next) {
        uint64_t ev = 0;

        if (s->closed || s->want_close)
            continue;
        if (!s->read_done)
            ev |= SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER;
        if (s->kind != H3_PEER_UNI)
            ev |= SSL_POLL_EVENT_EW;
        if (s->write_blocked)
            ev |= SSL_POLL_EVENT_W;
        if (ev == 0)
            continue;
        memset(&items[n], 0, sizeof(items[n]));
        items[n].desc = SSL_as_poll_descriptor(s->ssl);
        items[n].events = ev;
        owners[n] = s;
        n++;
    }
    return n;
}

void *h3_stream_loop_data(const void *owner)
{
    return ((const struct h3_stream *)owner)->hc->loop_data;
}

int h3_stream_on_events(void *owner, uint64_t rev)
{
    struct h3_stream *s = owner;
    struct h3_conn *hc = s->hc;
    int progress = 0, rv;

    if (s->closed || s->want_close || hc->failed || hc->closing)
        return 0;
    if ((rev & SSL_POLL_EVENT_F) != 0) {
        serve_log_ssl_errors("polling a stream failed");
        stream_done(s, NGHTTP3_H3_INTERNAL_ERROR);
        return 1;
    }
    if ((rev & (SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER)) != 0 && !s->read_done)
        progress |= stream_read(s);
    if (s->want_close || hc->failed)
        return 1;
    if ((rev & SSL_POLL_EVENT_EW) != 0) {
        /* The peer does not want the rest (STOP_SENDING). */
        uint64_t code = stream_log_failure(s, "sending");

        if (s->kind == H3_LOCAL_UNI)
            conn_fail(hc, NGHTTP3_ERR_H3_CLOSED_CRITICAL_STREAM);
        else
            stream_done(s, code);
        return 1;
    }
    if ((rev & SSL_POLL_EVENT_W) != 0 && s->write_blocked) {
        s->write_blocked = 0;
        rv = nghttp3_conn_unblock_stream(hc->h3, s->id);
        if (rv != 0)
            conn_fail(hc, rv);
        progress = 1;
    }
    return progress;
}

int h3_conn_tick(struct h3_conn *hc)
{
    struct h3_stream *s, *next;
    int progress = 0, rv;

    if (!hc->failed && !hc->closing) {
        conn_update_stream_limit(hc);
        progress |= conn_flush(hc);
    }
    for (s = hc->streams; s != NULL && !hc->failed && !hc->closing;
         s = s->next) {
        if (s->closed)
            continue;
        if (s->read_failed && !s->want_close) {
            stream_reset(s, SERVE_ERR_INTERNAL);
            progress = 1;
        }
        if (!s->want_close)
            progress |= stream_fault(s);
        if (s->want_close && !hc->closing) {
            rv = nghttp3_conn_close_stream(hc->h3, s->id, s->close_code);
            if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND)
                s->closed = 1; /* nghttp3 never saw it */
            else if (rv != 0)
                conn_fail(hc, rv);
            progress = 1;
        }
    }
    /* Streams closed above may have let others go on. */
    if (progress && !hc->failed && !hc->closing)
        conn_flush(hc);
    for (s = hc->streams; s != NULL; s = next) {
        next = s->next;
        if (s->closed)
            stream_free(s);
    }
    return (progress ? H3_PROGRESS : 0)
        | (hc->failed || hc->closing ? H3_CLOSING : 0);
}

void h3_conn_counts(const struct h3_conn *hc, unsigned long *requests,
                    uint64_t *bytes)
{
    *requests = hc->requests;
    *bytes = hc->bytes;
}
