/*
 * The qget-serve event loop.
 *
 * One thread drives everything.  Each turn of the loop:
 *   1. SSL_handle_events() on the listener ticks the whole QUIC engine (all
 *      connections share the listener's UDP socket and engine);
 *   2. SSL_poll() without further event handling reads out which objects
 *      (listener, connections, streams) are ready;
 *   3. ready objects are served: connections and streams are accepted,
 *      requests read, response bytes written as far as flow control allows;
 *   4. if nothing made progress, poll() sleeps on the socket until a
 *      datagram arrives or the engine's next timer, at most 100 ms so that
 *      a stop signal is noticed quickly.
 * Nothing ever blocks on a single peer, so a stalled or vanished client
 * cannot hold up the others.  Connections with ALPN h3 hand their streams
 * to h3.c, whose streams are polled here like ours.
 */
#include "serve.h"
#include "http.h"
#include "h3.h"
#include "udpio.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/quic.h>

/* Per-stream file buffer: bounds memory whatever the file size. */
#define BODY_BUF_SIZE (64 * 1024)
/* Bytes one stream may write per loop turn, so streams share fairly. */
#define WRITE_BUDGET (512 * 1024)
/* Upload bytes one stream may read per loop turn, likewise. */
#define READ_BUDGET (512 * 1024)
/* Longest sleep, so SIGTERM/SIGINT are noticed promptly. */
#define MAX_SLEEP_MS 100

enum proto { PROTO_HTTP10, PROTO_HQ, PROTO_H3 };

enum stream_state {
    ST_READ_REQ,  /* collecting the request */
    ST_READ_BODY, /* collecting an upload's body (POST/PUT) */
    ST_SEND,      /* writing the response */
    ST_WAIT_ACKED, /* fault pending: wait until the peer acked all sent */
    ST_STALLED,   /* fault: never send again, never conclude */
    ST_DONE       /* finished: free at the end of this turn */
};

int g_frozen;

struct conn;

struct stream {
    struct stream *prev, *next;
    struct conn *conn;
    SSL *ssl;
    uint64_t id;
    enum stream_state state;
    int status;
    char method[8];
    char target[HTTP_MAX_PATH];
    int faulty; /* the fault options apply to its path (--fault-path) */

    char req[HTTP_MAX_HEAD];
    size_t req_len;
    int req_eof;          /* the client's FIN has been read */

    /* An upload: its body so far, and how long it says it is. */
    struct serve_echo *echo;
    uint64_t up_expect;   /* Content-Length, or HTTP_NO_LENGTH: until FIN */
    /* A --status-first or --redirect answer (given once a body is read). */
    struct serve_special special;

    /* Response head (plus the short body of error responses); room for a
     * Location of SERVE_MAX_LOCATION bytes. */
    char head[2048];
    size_t head_len, head_off;

    int fd;
    uint64_t body_off;   /* the file offset of the body's first byte */
    const unsigned char *mem; /* the body from memory (an upload's answer) */
    uint64_t body_limit; /* body bytes we will send */
    uint64_t body_size;  /* the file's size, for the log */
    uint64_t body_sent;
    unsigned char *buf;
    size_t buf_len, buf_off;

    enum fault fault;
    uint64_t fault_at;
};

struct conn {
    struct conn *prev, *next;
    SSL *ssl;
    unsigned long id;
    struct stream *streams;
    int proto_known;
    enum proto proto;
    struct h3_conn *h3; /* PROTO_H3: everything HTTP/3 */
    int terminating; /* EC seen: streams gone, waiting for ECD */
    int closing;     /* we asked for the close */
    int app_idle_timer; /* --idle-timeout enforced by us, not by QUIC */
    uint64_t last_activity;
    unsigned long requests;
    uint64_t bytes;
};

/* What an SSL_POLL_ITEM refers to. */
enum item_kind { ITEM_STREAM, ITEM_H3_STREAM, ITEM_CONN, ITEM_LISTENER };

struct server {
    SSL *listener;
    BIO *net;     /* the listener's socket BIO (GSO/GRO, libqget's udpio) */
    int fd;
    const char *root;
    struct conn *conns;
    unsigned long next_conn_id;
    unsigned long nconns;
    SSL_POLL_ITEM *items;
    void **owners;
    unsigned char *kinds;
    size_t cap;
    int progress; /* set by anything that did real work this turn */
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *serve_fault_name(enum fault f)
{
    switch (f) {
    case FAULT_RESET: return "reset";
    case FAULT_CLOSE: return "close";
    case FAULT_STALL: return "stall";
    case FAULT_FREEZE: return "freeze";
    default: return "none";
    }
}

int serve_fault_applies(const char *target)
{
    return g_opts.fault_path == NULL
        || strncmp(target, g_opts.fault_path, strlen(g_opts.fault_path)) == 0;
}

static void touch(struct conn *c, struct server *sv)
{
    c->last_activity = now_ms();
    sv->progress = 1;
}

/* ---- streams ---------------------------------------------------------- */

static void stream_free(struct stream *s)
{
    if (s == NULL)
        return;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else if (s->conn != NULL)
        s->conn->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    /*
     * SSL_free keeps a concluded stream's unsent data queued in the
     * connection; a stream not concluded is reset, which is what we want for
     * streams we give up on.
     */
    SSL_free(s->ssl);
    if (s->fd >= 0)
        close(s->fd);
    serve_echo_free(s->echo);
    free(s->buf);
    free(s);
}

static void stream_log_end(struct stream *s, const char *how)
{
    serve_vlog("conn %lu stream %" PRIu64 ": %s %s -> %d, %" PRIu64
               " body bytes sent, %s",
               s->conn->id, s->id, s->method, s->target, s->status,
               s->body_sent, how);
}

static void stream_reset(struct stream *s, uint64_t code)
{
    SSL_STREAM_RESET_ARGS args;

    memset(&args, 0, sizeof(args));
    args.quic_error_code = code;
    if (!SSL_stream_reset(s->ssl, &args, sizeof(args)))
        ERR_clear_error();
    s->state = ST_DONE;
}

/* Logs why a stream operation failed (peer reset, connection gone...). */
static void stream_log_failure(struct stream *s, const char *op)
{
    serve_log_stream_failure(s->ssl, s->conn->id, s->id, op, s->body_sent);
}

/* Picks the fault with the smallest threshold that the body can reach. */
void serve_pick_fault(uint64_t body_limit, enum fault *fault, uint64_t *at)
{
    *fault = FAULT_NONE;
    *at = SERVE_NO_LIMIT;
    if (g_opts.reset_after <= body_limit) {
        *fault = FAULT_RESET;
        *at = g_opts.reset_after;
    }
    if (g_opts.close_after <= body_limit && g_opts.close_after < *at) {
        *fault = FAULT_CLOSE;
        *at = g_opts.close_after;
    }
    if (g_opts.stall_after <= body_limit && g_opts.stall_after < *at) {
        *fault = FAULT_STALL;
        *at = g_opts.stall_after;
    }
    if (g_opts.freeze_after <= body_limit && g_opts.freeze_after < *at) {
        *fault = FAULT_FREEZE;
        *at = g_opts.freeze_after;
    }
}

/* The method and target a stream's log lines name; counts the request. */
static void stream_name(struct stream *s, const struct http_request *req)
{
    snprintf(s->method, sizeof(s->method), "%s",
             http_method_name(req->method));
    snprintf(s->target, sizeof(s->target), "%s",
             req->target[0] != '\0' ? req->target : "-");
    s->faulty = serve_fault_applies(req->path);
    s->conn->requests++;
}

/*
 * A head with the fields of more (or NULL) and those every http/1.0
 * answer gets (Alt-Svc).
 */
static size_t stream_format_head(struct stream *s, int status, uint64_t len,
                                 const char *type, const char *more)
{
    char extra[SERVE_MAX_LOCATION + 256];

    snprintf(extra, sizeof(extra), "%s%s%s%s", more != NULL ? more : "",
             g_opts.alt_svc[0] != '\0' ? "Alt-Svc: " : "", g_opts.alt_svc,
             g_opts.alt_svc[0] != '\0' ? "\r\n" : "");
    return http_format_head(s->head, sizeof(s->head), status, len, type,
                            extra);
}

/* A status with a one-line body ("404 Not Found\n") and more fields. */
static void stream_start_short(struct stream *s, int status, int is_head,
                               const char *more)
{
    char body[96];
    size_t n, blen;

    blen = (size_t)snprintf(body, sizeof(body), "%d %s\n", status,
                            http_reason(status));
    n = stream_format_head(s, status, blen, "text/plain", more);
    if (!is_head && n + blen <= sizeof(s->head)) {
        memcpy(s->head + n, body, blen);
        n += blen;
    }
    s->status = status;
    s->head_len = n;
    s->body_limit = 0;
}

/* A --status-first or --redirect answer (s->special), logged. */
static void stream_start_special(struct stream *s, int is_head)
{
    const struct serve_special *sp = &s->special;
    char more[SERVE_MAX_LOCATION + 32];

    more[0] = '\0';
    if (sp->location != NULL)
        snprintf(more, sizeof(more), "Location: %.*s\r\n",
                 (int)sp->location_len, sp->location);
    stream_start_short(s, sp->status, is_head, more);
    if (sp->location != NULL)
        serve_vlog("conn %lu stream %" PRIu64 ": %s %s -> %d, Location: "
                   "%.*s (--redirect)", s->conn->id, s->id, s->method,
                   s->target, sp->status, (int)sp->location_len,
                   sp->location);
    else
        serve_vlog("conn %lu stream %" PRIu64 ": %s %s -> %d (--status-first, "
                   "request %" PRIu64 " of %" PRIu64 ")", s->conn->id, s->id,
                   s->method, s->target, sp->status, sp->nth,
                   g_opts.status_first_n);
    s->state = ST_SEND;
}

/*
 * A file's answer (fd open, size bytes): 200 with all of it, or for a GET
 * with one satisfiable Range 206 with that range, or 416.  Returns the
 * status; sets the head, s->body_off and s->body_limit.
 */
static int stream_start_file(struct stream *s, const struct http_request *req,
                             const char *rel, uint64_t size)
{
    char more[160];
    uint64_t first = 0, last = 0, len = size;
    int status = 200, is_head = req->method == HTTP_METHOD_HEAD;
    size_t n = 0;

    more[0] = '\0';
    if (!g_opts.no_range) {
        n = (size_t)snprintf(more, sizeof(more), "Accept-Ranges: bytes\r\n");
        /* Range is defined for GET only (RFC 9110 section 14.2). */
        if (req->method == HTTP_METHOD_GET && req->range[0] != '\0'
            && !req->range_ignore) {
            switch (http_parse_range(req->range, strlen(req->range), size,
                                     &first, &last)) {
            case HTTP_RANGE_PARTIAL:
                status = 206;
                len = last - first + 1;
                snprintf(more + n, sizeof(more) - n, "Content-Range: bytes "
                         "%" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n",
                         first, last, size);
                break;
            case HTTP_RANGE_UNSATISFIABLE:
                status = 416;
                snprintf(more + n, sizeof(more) - n,
                         "Content-Range: bytes */%" PRIu64 "\r\n", size);
                break;
            default:
                break;
            }
        }
    }
    if (status == 416) {
        close(s->fd);
        s->fd = -1;
        stream_start_short(s, status, is_head, more);
        return status;
    }
    s->head_len = stream_format_head(s, status, len, http_content_type(rel),
                                     more);
    s->body_off = first;
    s->body_limit = is_head ? 0 : len;
    return status;
}

/*
 * Turns a parsed request into a response plan: head bytes, an open file
 * and how much of it to send, and the fault to inject.
 */
static void stream_start_response(struct stream *s, struct server *sv,
                                  int status, const struct http_request *req)
{
    enum proto proto = s->conn->proto;
    char rel[HTTP_MAX_PATH + 16], range[64];
    uint64_t size = 0;
    int is_head = req->method == HTTP_METHOD_HEAD, faulty;

    stream_name(s, req);
    faulty = s->faulty;

    if (status == 200)
        status = http_target_to_relpath(req->path, rel, sizeof(rel));
    if (status == 0)
        status = serve_open_file(sv->root, rel, &s->fd, &size);
    s->status = status;

    if (proto == PROTO_HQ) {
        /* HTTP/0.9 has no status line: failures are stream resets. */
        if (status != 200) {
            uint64_t code = (status == 403 || status == 404)
                ? SERVE_HQ_ERR_NOT_FOUND : SERVE_HQ_ERR_BAD_REQUEST;

            stream_reset(s, code);
            serve_vlog("conn %lu stream %" PRIu64 ": %s %s -> %d, "
                       "stream reset with code 0x%" PRIx64,
                       s->conn->id, s->id, s->method, s->target, status, code);
            return;
        }
        s->body_limit = size;
        s->body_size = size;
    } else if (status != 200) {
        stream_start_short(s, status, is_head, NULL);
    } else if (g_opts.raw_response && faulty) {
        /* The file is the response, head and all: lets tests send any
         * malformed head they like. */
        s->head_len = 0;
        s->body_limit = is_head ? 0 : size;
        s->body_size = size;
    } else {
        status = stream_start_file(s, req, rel, size);
        s->status = status;
        s->body_size = status == 206 ? s->body_limit : size;
        if (faulty && g_opts.truncate_after < s->body_limit)
            s->body_limit = g_opts.truncate_after;
    }

    if ((status == 200 || status == 206) && faulty)
        serve_pick_fault(s->body_limit, &s->fault, &s->fault_at);
    if (s->body_limit > 0) {
        s->buf = malloc(BODY_BUF_SIZE);
        if (s->buf == NULL) {
            serve_log("out of memory");
            stream_reset(s, SERVE_ERR_INTERNAL);
            return;
        }
    }
    range[0] = '\0';
    if (status == 206)
        snprintf(range, sizeof(range), " from offset %" PRIu64 " of %" PRIu64,
                 s->body_off, size);
    serve_vlog("conn %lu stream %" PRIu64 ": %s %s -> %d (%" PRIu64
               " bytes%s%s%s)",
               s->conn->id, s->id, s->method, s->target, status,
               status == 200 || status == 206 ? s->body_size : (uint64_t)0,
               range,
               s->fault != FAULT_NONE ? ", fault " : "",
               s->fault != FAULT_NONE ? serve_fault_name(s->fault) : "");
    s->state = ST_SEND;
}

/* Acts on a fault whose threshold has been reached. */
static void stream_enter_fault(struct stream *s)
{
    if (s->fault == FAULT_STALL || s->fault == FAULT_FREEZE) {
        s->state = ST_STALLED;
        stream_log_end(s, s->fault == FAULT_FREEZE ? "frozen" : "stalled");
        g_frozen = s->fault == FAULT_FREEZE;
        return;
    }
    /*
     * Reset and close both discard unacknowledged data, so first wait for
     * the peer to acknowledge the N bytes: the client then really gets
     * them before the error.
     */
    s->state = ST_WAIT_ACKED;
}

static void stream_write(struct stream *s, struct server *sv)
{
    size_t budget = WRITE_BUDGET;

    while (budget > 0) {
        const unsigned char *p;
        size_t len, written = 0;
        int in_head = s->head_off < s->head_len;

        if (in_head) {
            p = (const unsigned char *)s->head + s->head_off;
            len = s->head_len - s->head_off;
        } else if (s->body_sent < s->body_limit && s->body_sent < s->fault_at
                   && s->mem != NULL) {
            p = s->mem + s->body_sent;
            len = (size_t)((s->body_limit < s->fault_at ? s->body_limit
                            : s->fault_at) - s->body_sent);
        } else if (s->body_sent < s->body_limit && s->body_sent < s->fault_at) {
            if (s->buf_off == s->buf_len) {
                uint64_t want = s->body_limit - s->body_sent;
                ssize_t r;

                if (s->fault_at - s->body_sent < want)
                    want = s->fault_at - s->body_sent;
                if (want > BODY_BUF_SIZE)
                    want = BODY_BUF_SIZE;
                do {
                    r = pread(s->fd, s->buf, (size_t)want,
                              (off_t)(s->body_off + s->body_sent));
                } while (r < 0 && errno == EINTR);
                if (r <= 0) {
                    /* The file shrank or broke under us: do not send junk. */
                    serve_log("conn %lu stream %" PRIu64 ": reading %s: %s",
                              s->conn->id, s->id, s->target,
                              r < 0 ? strerror(errno) : "file shrank");
                    stream_reset(s, SERVE_ERR_INTERNAL);
                    return;
                }
                s->buf_len = (size_t)r;
                s->buf_off = 0;
            }
            p = s->buf + s->buf_off;
            len = s->buf_len - s->buf_off;
        } else {
            break;
        }

        if (!SSL_write_ex(s->ssl, p, len, &written)) {
            int err = SSL_get_error(s->ssl, 0);

            if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
                ERR_clear_error();
                return; /* the send buffer is full: wait for W */
            }
            stream_log_failure(s, "sending");
            s->state = ST_DONE;
            return;
        }
        /* Partial writes are enabled: count exactly what was taken. */
        if (in_head) {
            s->head_off += written;
        } else {
            s->buf_off += written;
            s->body_sent += written;
            s->conn->bytes += written;
        }
        budget = written >= budget ? 0 : budget - written;
        touch(s->conn, sv);
    }
    if (s->head_off < s->head_len || (s->body_sent < s->body_limit
                                      && s->body_sent < s->fault_at))
        return; /* budget used up: continue next turn */

    if (s->fault != FAULT_NONE && s->body_sent == s->fault_at) {
        stream_enter_fault(s);
        return;
    }
    if (!SSL_stream_conclude(s->ssl, 0)) {
        stream_log_failure(s, "concluding");
        s->state = ST_DONE;
        return;
    }
    stream_log_end(s, s->body_sent < s->body_size
                      && (s->status == 200 || s->status == 206)
                      ? "FIN (truncated)" : "FIN");
    s->state = ST_DONE;
}

/* ---- uploads (http/1.0) ----------------------------------------------- */

/*
 * Answers an upload once its body is all in (status 200), or refuses it
 * (an error status): 200 with the body (or its digest) from memory, with
 * the faults of its path; 201 once a file upload is stored; the
 * --status-first or --redirect answer of a body read only to be dropped.
 * A client still sending gets STOP_SENDING when the stream is freed after
 * the answer's FIN (SSL_free does that for a receive part not read to its
 * end).
 */
static void stream_answer_upload(struct stream *s, struct server *sv,
                                 int status)
{
    const unsigned char *body = NULL;
    size_t len = 0;
    enum http_upload kind = s->echo != NULL ? serve_echo_kind(s->echo)
        : HTTP_UPLOAD_NONE;

    if (status == 200 && kind == HTTP_UPLOAD_FILE)
        status = serve_echo_commit(s->echo) ? 201 : 500;
    else if (status == 200 && kind != HTTP_UPLOAD_DISCARD
             && !serve_echo_body(s->echo, &body, &len))
        status = 500;
    if (status != 200 && status != 201)
        serve_echo_discard(s->echo);
    if (status == 200 && kind == HTTP_UPLOAD_DISCARD) {
        stream_start_special(s, 0);
        stream_write(s, sv);
        return;
    }
    if (status != 200) {
        stream_start_short(s, status, 0, NULL);
    } else {
        s->mem = body;
        s->body_size = len;
        s->body_limit = len;
        s->head_len = stream_format_head(s, 200, len,
                                         serve_echo_type(s->echo), NULL);
        s->status = 200;
        if (s->faulty) {
            if (g_opts.truncate_after < s->body_limit)
                s->body_limit = g_opts.truncate_after;
            serve_pick_fault(s->body_limit, &s->fault, &s->fault_at);
        }
    }
    serve_vlog("conn %lu stream %" PRIu64 ": %s %s -> %d (%" PRIu64
               " bytes%s%s; %" PRIu64 " bytes uploaded%s)",
               s->conn->id, s->id, s->method, s->target, s->status,
               status == 200 ? (uint64_t)len : (uint64_t)0,
               s->fault != FAULT_NONE ? ", fault " : "",
               s->fault != FAULT_NONE ? serve_fault_name(s->fault) : "",
               s->echo != NULL ? serve_echo_received(s->echo) : 0,
               status == 413 ? ", over --max-upload"
               : status == 201 ? ", stored" : "");
    s->state = ST_SEND;
    stream_write(s, sv);
}

/* Takes body bytes; 0 when the stream has been answered meanwhile. */
static int stream_take_upload(struct stream *s, struct server *sv,
                              const void *p, size_t n)
{
    int r;

    if (s->up_expect != HTTP_NO_LENGTH
        && n > s->up_expect - serve_echo_received(s->echo)) {
        /* More than its Content-Length: not a body we can trust. */
        stream_answer_upload(s, sv, 400);
        return 0;
    }
    r = serve_echo_add(s->echo, p, n);
    if (r > 0)
        return 1;
    if (r == 0) {
        stream_answer_upload(s, sv, 413);
    } else {
        /* Out of memory or a failed write: logged. */
        stream_answer_upload(s, sv, 500);
    }
    return 0;
}

/* Reads an upload's body up to its Content-Length, or else its FIN. */
static void stream_read_body(struct stream *s, struct server *sv)
{
    unsigned char buf[16384];
    size_t budget = READ_BUDGET;

    for (;;) {
        size_t n = 0;

        if (s->up_expect != HTTP_NO_LENGTH
            && serve_echo_received(s->echo) == s->up_expect) {
            stream_answer_upload(s, sv, 200);
            return;
        }
        if (s->req_eof) {
            /* A FIN before the Content-Length's last byte: cut short. */
            stream_answer_upload(s, sv, s->up_expect == HTTP_NO_LENGTH
                                 ? 200 : 400);
            return;
        }
        if (budget == 0)
            return; /* the rest next turn: R is still set */
        if (SSL_read_ex(s->ssl, buf, sizeof(buf), &n)) {
            budget = n >= budget ? 0 : budget - n;
            touch(s->conn, sv);
            if (!stream_take_upload(s, sv, buf, n))
                return;
            continue;
        }
        switch (SSL_get_error(s->ssl, 0)) {
        case SSL_ERROR_WANT_READ:
            ERR_clear_error();
            return;
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error();
            s->req_eof = 1;
            touch(s->conn, sv);
            continue;
        default:
            stream_log_failure(s, "reading the upload");
            s->state = ST_DONE;
            return;
        }
    }
}

/*
 * A POST or PUT: its body first, then the answer: an echo (/echo...), a
 * file stored in --upload-dir, or a --status-first or --redirect answer
 * (s->special) after the body is read and dropped.
 */
static void stream_start_upload(struct stream *s, struct server *sv,
                                const struct http_request *req, int eof)
{
    enum http_upload kind = http_upload_kind(req->path);
    char name[HTTP_MAX_NAME + 1];
    int status;

    stream_name(s, req);
    s->req_eof = eof;
    s->up_expect = req->content_length;
    if (s->special.status != 0)
        kind = HTTP_UPLOAD_DISCARD;
    if (kind != HTTP_UPLOAD_NONE) {
        s->echo = serve_echo_new(kind);
        if (s->echo == NULL) {
            serve_log("out of memory");
            stream_reset(s, SERVE_ERR_INTERNAL);
            return;
        }
    } else {
        /* A file for --upload-dir: refused at once when it cannot be. */
        status = http_upload_name(req->path, name, sizeof(name));
        if (status == 0)
            s->echo = serve_echo_new_file(name, &status);
        if (s->echo == NULL) {
            stream_answer_upload(s, sv, status);
            return;
        }
    }
    if (s->up_expect != HTTP_NO_LENGTH && s->up_expect > g_opts.max_upload
        && serve_echo_kind(s->echo) != HTTP_UPLOAD_DISCARD) {
        stream_answer_upload(s, sv, 413);
        return;
    }
    if (s->up_expect != HTTP_NO_LENGTH)
        serve_vlog("conn %lu stream %" PRIu64 ": %s %s: reading %" PRIu64
                   " body bytes (Content-Length)", s->conn->id, s->id,
                   s->method, s->target, s->up_expect);
    else
        serve_vlog("conn %lu stream %" PRIu64 ": %s %s: reading the body "
                   "up to FIN", s->conn->id, s->id, s->method, s->target);
    s->state = ST_READ_BODY;
    if (stream_take_upload(s, sv, s->req + req->head_len,
                           s->req_len - req->head_len))
        stream_read_body(s, sv);
}

static void stream_read_request(struct stream *s, struct server *sv)
{
    struct http_request req;
    int eof = 0, status, is_upload;

    while (s->req_len < sizeof(s->req)) {
        size_t n = 0;

        if (SSL_read_ex(s->ssl, s->req + s->req_len,
                        sizeof(s->req) - s->req_len, &n)) {
            s->req_len += n;
            touch(s->conn, sv);
            continue;
        }
        switch (SSL_get_error(s->ssl, 0)) {
        case SSL_ERROR_WANT_READ:
            ERR_clear_error();
            break;
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error();
            eof = 1;
            touch(s->conn, sv);
            break;
        default:
            stream_log_failure(s, "reading the request");
            s->state = ST_DONE;
            return;
        }
        break;
    }

    if (s->conn->proto == PROTO_HQ)
        status = hq_parse_request(s->req, s->req_len, eof, &req);
    else
        status = http10_parse_request_ex(s->req, s->req_len, eof,
                                         HTTP_PARSE_ANY_UPLOAD, &req);
    if (status == HTTP_PARSE_INCOMPLETE)
        return;
    /* HTTP/0.9 has no status to give. */
    if (status == 200 && s->conn->proto != PROTO_HQ)
        serve_special_answer(req.path, &s->special);
    is_upload = req.method == HTTP_METHOD_POST
        || req.method == HTTP_METHOD_PUT;
    if (status == 200 && is_upload && s->special.status == 0
        && http_upload_kind(req.path) == HTTP_UPLOAD_NONE
        && g_opts.upload_dir == NULL)
        status = 501;
    if (status == 200 && is_upload) {
        stream_start_upload(s, sv, &req, eof);
        return;
    }
    if (status == 200 && s->special.status != 0) {
        stream_name(s, &req);
        stream_start_special(s, req.method == HTTP_METHOD_HEAD);
    } else {
        stream_start_response(s, sv, status, &req);
    }
    if (s->state == ST_SEND)
        stream_write(s, sv);
}

/* Fault actions that wait for acknowledgements; polled every turn. */
static void stream_check_acked(struct stream *s, struct server *sv)
{
    SSL_SHUTDOWN_EX_ARGS args;
    uint64_t used = 1;

    if (!SSL_get_stream_write_buf_used(s->ssl, &used)) {
        ERR_clear_error();
        used = 0; /* cannot tell: act now rather than never */
    }
    if (used > 0)
        return;
    touch(s->conn, sv);
    if (s->fault == FAULT_RESET) {
        stream_log_end(s, "resetting stream");
        stream_reset(s, g_opts.reset_code);
        return;
    }
    stream_log_end(s, "closing connection");
    memset(&args, 0, sizeof(args));
    args.quic_error_code = g_opts.close_code;
    args.quic_reason = g_opts.close_reason;
    /* Other streams' data is irrelevant once we decided to fail. */
    if (SSL_shutdown_ex(s->conn->ssl, SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH
                        | SSL_SHUTDOWN_FLAG_NO_BLOCK, &args, sizeof(args)) < 0)
        ERR_clear_error();
    s->conn->closing = 1;
    s->state = ST_STALLED; /* nothing left to do but wait for the close */
}

static uint64_t stream_events(const struct stream *s)
{
    switch (s->state) {
    case ST_READ_REQ:
    case ST_READ_BODY:
        return SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER;
    case ST_SEND:
        return SSL_POLL_EVENT_W | SSL_POLL_EVENT_EW;
    default:
        return SSL_POLL_EVENT_EW;
    }
}

static void stream_on_events(struct stream *s, struct server *sv,
                             uint64_t rev)
{
    if ((rev & SSL_POLL_EVENT_F) != 0) {
        serve_log_ssl_errors("polling a stream failed");
        s->state = ST_DONE;
    } else if (s->state == ST_READ_REQ
               && (rev & (SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER)) != 0) {
        stream_read_request(s, sv);
    } else if (s->state == ST_READ_BODY
               && (rev & (SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER)) != 0) {
        stream_read_body(s, sv);
    } else if ((rev & SSL_POLL_EVENT_EW) != 0) {
        /* The peer does not want the rest (STOP_SENDING). */
        stream_log_failure(s, "sending");
        s->state = ST_DONE;
        sv->progress = 1;
    } else if (s->state == ST_SEND && (rev & SSL_POLL_EVENT_W) != 0) {
        stream_write(s, sv);
    }
    if (s->state == ST_DONE) {
        stream_free(s);
        sv->progress = 1;
    }
}

/* ---- connections ------------------------------------------------------ */

static void conn_free_streams(struct conn *c)
{
    while (c->streams != NULL)
        stream_free(c->streams);
    if (c->h3 != NULL) {
        h3_conn_counts(c->h3, &c->requests, &c->bytes);
        h3_conn_free(c->h3);
        c->h3 = NULL;
    }
}

static void conn_free(struct server *sv, struct conn *c)
{
    if (c == NULL)
        return;
    conn_free_streams(c);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        sv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    SSL_free(c->ssl);
    sv->nconns--;
    serve_vlog("conn %lu: freed (%lu open)", c->id, sv->nconns);
    free(c);
}

static void conn_close(struct conn *c, uint64_t code, const char *reason,
                       uint64_t flags);

static void conn_learn_proto(struct server *sv, struct conn *c)
{
    const unsigned char *alpn = NULL;
    unsigned int len = 0;

    if (c->proto_known)
        return;
    SSL_get0_alpn_selected(c->ssl, &alpn, &len);
    if (len == 10 && memcmp(alpn, "hq-interop", 10) == 0)
        c->proto = PROTO_HQ;
    else if (len == 2 && memcmp(alpn, "h3", 2) == 0)
        c->proto = PROTO_H3;
    else
        c->proto = PROTO_HTTP10;
    c->proto_known = 1;
    serve_vlog("conn %lu: handshake done, ALPN %.*s", c->id, (int)len,
               len > 0 ? (const char *)alpn : "(none)");
    if (c->proto == PROTO_H3) {
        c->h3 = h3_conn_new(c->ssl, c->id, sv->root, c);
        if (c->h3 == NULL)
            conn_close(c, 0x0102 /* H3_INTERNAL_ERROR */,
                       "cannot start HTTP/3", SSL_SHUTDOWN_FLAG_RAPID);
    }
}

static void conn_accept_streams(struct server *sv, struct conn *c)
{
    SSL *ss;

    while ((ss = SSL_accept_stream(c->ssl, SSL_ACCEPT_STREAM_NO_BLOCK))
           != NULL) {
        struct stream *s;

        touch(c, sv);
        conn_learn_proto(sv, c);
        if (c->proto == PROTO_H3) {
            if (c->h3 != NULL)
                h3_conn_accept_stream(c->h3, ss);
            else
                SSL_free(ss);
            continue;
        }
        /* Requests come on bidirectional streams only. */
        if (SSL_get_stream_type(ss) != SSL_STREAM_TYPE_BIDI) {
            SSL_free(ss);
            continue;
        }
        s = calloc(1, sizeof(*s));
        if (s == NULL) {
            serve_log("out of memory");
            SSL_free(ss);
            continue;
        }
        s->ssl = ss;
        s->conn = c;
        s->fd = -1;
        s->fault_at = SERVE_NO_LIMIT;
        s->id = SSL_get_stream_id(ss);
        s->state = ST_READ_REQ;
        /* Partial writes let us count exactly how much each write took. */
        SSL_set_mode(ss, SSL_MODE_ENABLE_PARTIAL_WRITE);
        s->next = c->streams;
        if (c->streams != NULL)
            c->streams->prev = s;
        c->streams = s;
    }
    ERR_clear_error();
}

static void conn_log_close(struct conn *c)
{
    SSL_CONN_CLOSE_INFO info;

    if (c->h3 != NULL)
        h3_conn_counts(c->h3, &c->requests, &c->bytes);
    memset(&info, 0, sizeof(info));
    if (!SSL_get_conn_close_info(c->ssl, &info, sizeof(info))) {
        ERR_clear_error();
        serve_vlog("conn %lu: closed (no close information; %lu requests, "
                   "%" PRIu64 " body bytes)", c->id, c->requests, c->bytes);
        return;
    }
    if (info.error_code == OSSL_QUIC_LOCAL_ERR_IDLE_TIMEOUT) {
        serve_vlog("conn %lu: closed locally, idle timeout (%lu requests, "
                   "%" PRIu64 " body bytes)", c->id, c->requests, c->bytes);
        return;
    }
    serve_vlog("conn %lu: closed %s, %s error 0x%" PRIx64 ", reason \"%.*s\" "
               "(%lu requests, %" PRIu64 " body bytes)",
               c->id,
               (info.flags & SSL_CONN_CLOSE_FLAG_LOCAL) ? "locally" : "by peer",
               (info.flags & SSL_CONN_CLOSE_FLAG_TRANSPORT)
                   ? "transport" : "application",
               info.error_code,
               (int)(info.reason != NULL ? info.reason_len : 0),
               info.reason != NULL ? info.reason : "",
               c->requests, c->bytes);
}

static uint64_t conn_events(const struct conn *c)
{
    if (c->terminating)
        return SSL_POLL_EVENT_ECD;
    return SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU | SSL_POLL_EVENT_EC
        | SSL_POLL_EVENT_ECD;
}

static void conn_on_events(struct server *sv, struct conn *c, uint64_t rev)
{
    if ((rev & SSL_POLL_EVENT_F) != 0) {
        serve_log_ssl_errors("polling a connection failed");
        conn_free(sv, c);
        sv->progress = 1;
        return;
    }
    if ((rev & (SSL_POLL_EVENT_EC | SSL_POLL_EVENT_ECD)) != 0
        && !c->terminating) {
        c->terminating = 1;
        conn_log_close(c);
        conn_free_streams(c);
        sv->progress = 1;
    }
    if ((rev & SSL_POLL_EVENT_ECD) != 0) {
        conn_free(sv, c);
        sv->progress = 1;
        return;
    }
    if ((rev & (SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU)) != 0)
        conn_accept_streams(sv, c);
}

static void conn_close(struct conn *c, uint64_t code, const char *reason,
                       uint64_t flags)
{
    SSL_SHUTDOWN_EX_ARGS args;

    memset(&args, 0, sizeof(args));
    args.quic_error_code = code;
    args.quic_reason = reason;
    if (SSL_shutdown_ex(c->ssl, flags | SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH
                        | SSL_SHUTDOWN_FLAG_NO_BLOCK, &args, sizeof(args)) < 0)
        ERR_clear_error();
    c->closing = 1;
}

static void accept_connections(struct server *sv)
{
    SSL *cs;

    while ((cs = SSL_accept_connection(sv->listener,
                                       SSL_ACCEPT_CONNECTION_NO_BLOCK))
           != NULL) {
        struct conn *c = calloc(1, sizeof(*c));

        sv->progress = 1;
        if (c == NULL) {
            serve_log("out of memory");
            SSL_free(cs);
            continue;
        }
        c->ssl = cs;
        c->id = ++sv->next_conn_id;
        c->last_activity = now_ms();
        /* Without an explicit policy, client-opened streams may be refused. */
        if (!SSL_set_incoming_stream_policy(cs, SSL_INCOMING_STREAM_POLICY_ACCEPT,
                                            0))
            serve_log_ssl_errors("cannot set incoming stream policy");
        serve_vlog("conn %lu: accepted (%lu open)", c->id, sv->nconns + 1);
        if (g_opts.idle_timeout_ms > 0) {
            if (SSL_set_feature_request_uint(cs, SSL_VALUE_QUIC_IDLE_TIMEOUT,
                                             g_opts.idle_timeout_ms)) {
                serve_vlog("conn %lu: QUIC idle timeout %" PRIu64 " ms",
                           c->id, g_opts.idle_timeout_ms);
            } else {
                /*
                 * Too late: the transport parameters already went out with
                 * the handshake.  Enforce the timeout ourselves instead.
                 */
                ERR_clear_error();
                c->app_idle_timer = 1;
                serve_vlog("conn %lu: QUIC idle timeout not settable, "
                           "using a %" PRIu64 " ms inactivity timer",
                           c->id, g_opts.idle_timeout_ms);
            }
        }
        c->next = sv->conns;
        if (sv->conns != NULL)
            sv->conns->prev = c;
        sv->conns = c;
        sv->nconns++;
    }
    ERR_clear_error();
}

/* Work that no poll event announces: acks awaited by faults, idle timer. */
static void conn_housekeeping(struct server *sv, struct conn *c)
{
    struct stream *s, *next;

    if (c->terminating || c->closing)
        return;
    if (c->h3 != NULL) {
        int r = h3_conn_tick(c->h3);

        if ((r & H3_PROGRESS) != 0)
            touch(c, sv);
        if ((r & H3_CLOSING) != 0) {
            c->closing = 1;
            return;
        }
    }
    for (s = c->streams; s != NULL; s = next) {
        next = s->next;
        if (s->state == ST_WAIT_ACKED) {
            stream_check_acked(s, sv);
            if (s->state == ST_DONE)
                stream_free(s);
            if (c->closing)
                return;
        }
    }
    if (c->app_idle_timer
        && now_ms() - c->last_activity >= g_opts.idle_timeout_ms) {
        serve_vlog("conn %lu: idle for %" PRIu64 " ms, closing", c->id,
                   g_opts.idle_timeout_ms);
        conn_close(c, 0, "idle timeout", SSL_SHUTDOWN_FLAG_RAPID);
        sv->progress = 1;
    }
}

/* ---- the loop --------------------------------------------------------- */

static int ensure_items(struct server *sv, size_t n)
{
    SSL_POLL_ITEM *items;
    void **owners;
    unsigned char *kinds;
    size_t cap = sv->cap;

    if (n <= cap)
        return 1;
    while (cap < n)
        cap = cap == 0 ? 64 : cap * 2;
    items = realloc(sv->items, cap * sizeof(*items));
    if (items == NULL)
        return 0;
    sv->items = items;
    owners = realloc(sv->owners, cap * sizeof(*owners));
    if (owners == NULL)
        return 0;
    sv->owners = owners;
    kinds = realloc(sv->kinds, cap);
    if (kinds == NULL)
        return 0;
    sv->kinds = kinds;
    sv->cap = cap;
    return 1;
}

static void add_item(struct server *sv, size_t *n, SSL *ssl, uint64_t events,
                     enum item_kind kind, void *owner)
{
    SSL_POLL_ITEM *it = &sv->items[*n];

    memset(it, 0, sizeof(*it));
    it->desc = SSL_as_poll_descriptor(ssl);
    it->events = events;
    sv->kinds[*n] = (unsigned char)kind;
    sv->owners[*n] = owner;
    (*n)++;
}

/*
 * Streams first, then connections, then the listener: serving an item may
 * free it or (for a connection) its streams, which must already be done.
 */
static size_t build_items(struct server *sv)
{
    struct conn *c;
    struct stream *s;
    size_t n = 0, need = 1;

    for (c = sv->conns; c != NULL; c = c->next) {
        need++;
        for (s = c->streams; s != NULL; s = s->next)
            need++;
        if (c->h3 != NULL && !c->terminating)
            need += h3_conn_poll_count(c->h3);
    }
    if (!ensure_items(sv, need))
        return 0;
    for (c = sv->conns; c != NULL; c = c->next) {
        for (s = c->streams; s != NULL; s = s->next)
            add_item(sv, &n, s->ssl, stream_events(s), ITEM_STREAM, s);
        if (c->h3 != NULL && !c->terminating) {
            size_t i, k = h3_conn_poll_fill(c->h3, &sv->items[n],
                                            &sv->owners[n]);

            for (i = 0; i < k; i++)
                sv->kinds[n + i] = ITEM_H3_STREAM;
            n += k;
        }
    }
    for (c = sv->conns; c != NULL; c = c->next)
        add_item(sv, &n, c->ssl, conn_events(c), ITEM_CONN, c);
    add_item(sv, &n, sv->listener, SSL_POLL_EVENT_IC | SSL_POLL_EVENT_EL,
             ITEM_LISTENER, NULL);
    return n;
}

/* Returns 0 to go on, -1 on a fatal listener failure. */
static int dispatch(struct server *sv, size_t n)
{
    struct conn *c, *next;
    size_t i;

    for (i = 0; i < n; i++) {
        uint64_t rev = sv->items[i].revents;

        if (rev == 0)
            continue;
        switch (sv->kinds[i]) {
        case ITEM_STREAM:
            stream_on_events(sv->owners[i], sv, rev);
            break;
        case ITEM_H3_STREAM:
            if (h3_stream_on_events(sv->owners[i], rev))
                touch(h3_stream_loop_data(sv->owners[i]), sv);
            break;
        case ITEM_CONN:
            conn_on_events(sv, sv->owners[i], rev);
            break;
        default:
            if ((rev & (SSL_POLL_EVENT_EL | SSL_POLL_EVENT_F)) != 0) {
                serve_log_ssl_errors("the listener failed");
                return -1;
            }
            if ((rev & SSL_POLL_EVENT_IC) != 0)
                accept_connections(sv);
            break;
        }
    }
    for (c = sv->conns; c != NULL; c = next) {
        next = c->next;
        conn_housekeeping(sv, c);
    }
    return 0;
}

/*
 * Sleeps until the socket is ready or the engine's next timer is due.
 * To the microsecond (ppoll): poll()'s milliseconds, rounded up, woke us
 * up to a millisecond after a loss detection or probe timer was due; on
 * loopback at 10% loss, where loss detection waits OpenSSL's 1 ms
 * granularity, that cost about 4% (docs/loss.md).
 */
static void wait_for_network(struct server *sv)
{
    struct pollfd pfd;
    struct timeval tv;
    struct timespec ts;
    int infinite = 1;
    long long us = (long long)MAX_SLEEP_MS * 1000;

    if (SSL_get_event_timeout(sv->listener, &tv, &infinite) && !infinite) {
        long long t = (long long)tv.tv_sec * 1000000 + tv.tv_usec;

        if (t < us)
            us = t;
    }
    ERR_clear_error();
    /* Datagrams a coalesced receive brought beyond what OpenSSL took
     * wait in the BIO, where poll() cannot see them. */
    /* ...and datagrams OpenSSL took since the last turn (in dispatch()'s
     * SSL_read_ex/SSL_write_ex) may have brought what poll() cannot see
     * any more: one more turn first. */
    if (us <= 0
        || (BIO_pending(sv->net) > 0 && SSL_net_read_desired(sv->listener))
        || qget__udpio_unseen(sv->net))
        return;
    pfd.fd = sv->fd;
    pfd.events = POLLIN;
    if (SSL_net_write_desired(sv->listener))
        pfd.events |= POLLOUT;
    pfd.revents = 0;
    ts.tv_sec = (time_t)(us / 1000000);
    ts.tv_nsec = (long)(us % 1000000) * 1000;
    /* EINTR (a stop signal) simply ends the wait early. */
    (void)ppoll(&pfd, 1, &ts, NULL);
}

/* Tells every live peer we are going away, then frees everything. */
static void shut_down_all(struct server *sv)
{
    struct conn *c;

    for (c = sv->conns; c != NULL; c = c->next)
        if (!c->terminating && !c->closing)
            conn_close(c, 0, "server shutting down", SSL_SHUTDOWN_FLAG_RAPID);
    /* One tick puts the CONNECTION_CLOSE frames on the wire. */
    if (sv->listener != NULL && !SSL_handle_events(sv->listener))
        ERR_clear_error();
    while (sv->conns != NULL)
        conn_free(sv, sv->conns);
}

/* The socket BIO's lines ("udp: ...") go to the log. */
static void udp_log(void *arg, const char *line)
{
    (void)arg;
    serve_log("%s", line);
}

int serve_run(SSL_CTX *ctx, int fd, const char *root_real)
{
    BIO *inner = NULL;
    struct server sv;
    struct timeval zero = { 0, 0 };
    int rc = 1;

    memset(&sv, 0, sizeof(sv));
    sv.fd = fd;
    sv.root = root_real;

    /*
     * Address validation (a Retry packet, then a NEW_TOKEN frame) is
     * OpenSSL's default; --no-retry turns it off, since an OpenSSL 3.5
     * client that does not know its peer's address (the HTTP/3 demo, on a
     * connect BIO) cannot store the token and never acknowledges the
     * packets that carry it.
     */
    sv.listener = SSL_new_listener(ctx, g_opts.no_retry
                                   ? SSL_LISTENER_FLAG_NO_VALIDATE : 0);
    if (sv.listener == NULL) {
        serve_log_ssl_errors("cannot create QUIC listener");
        goto out;
    }
    /* The listener only borrows the socket (BIO_NOCLOSE); main() closes
     * it.  What SSL_set_fd() would make, wrapped for GSO and GRO. */
    if ((inner = BIO_new(BIO_s_datagram())) == NULL
        || !BIO_set_fd(inner, fd, BIO_NOCLOSE)) {
        BIO_free(inner);
        serve_log_ssl_errors("cannot create the socket BIO");
        goto out;
    }
    sv.net = qget__udpio_new(inner, g_opts.no_gso ? "--no-gso" : NULL,
                             udp_log, NULL);
    if (sv.net == NULL) {
        serve_log("out of memory");
        goto out;
    }
    /* An ACK per two packets while they come slowly, as in qget
     * (udpio.c): at 50 ms RTT and 1% loss, uploads from qget took a
     * quarter less time, downloads 4-13% less (the ACKs read two at a
     * time), docs/loss.md. */
    (void)qget__udpio_set_rx_pace(sv.net, NULL);
    /* OpenSSL's server probes a lost ServerHello or Handshake flight with
     * PINGs only, and its probe timer never leaves the Initial space:
     * the interop runner's handshakeloss test stalled (udpio.c). */
    if (!qget__udpio_set_server_flights(sv.net)) {
        serve_log("out of memory");
        goto out;
    }
    /* The listener takes its reference; ours lasts for the counters. */
    if (!BIO_up_ref(sv.net)) {
        BIO_free(sv.net);
        sv.net = NULL;
        serve_log_ssl_errors("cannot create the socket BIO");
        goto out;
    }
    SSL_set_bio(sv.listener, sv.net, sv.net);
    if (!SSL_set_blocking_mode(sv.listener, 0)
        || !SSL_listen(sv.listener)) {
        serve_log_ssl_errors("cannot start QUIC listener");
        goto out;
    }

    while (!g_stop) {
        size_t n, nres = 0;
        int held;

        if (g_frozen) {
            /* Only a signal ends this: no packet goes in or out. */
            struct timespec nap = { 0, 100 * 1000 * 1000 };

            nanosleep(&nap, NULL);
            continue;
        }
        sv.progress = 0;
        /* Datagrams a GRO receive brought beyond what OpenSSL took wait
         * in the BIO; if a turn takes none of them (the port has
         * stopped reading), they are dropped, or the wait below would
         * never sleep again. */
        held = BIO_pending(sv.net) > 0 && qget__udpio_rx_error(sv.net) == 0;
        (void)qget__udpio_unseen(sv.net);
        if (!SSL_handle_events(sv.listener))
            ERR_clear_error();
        if (held && !qget__udpio_unseen(sv.net))
            (void)qget__udpio_drop_held(sv.net);
        n = build_items(&sv);
        if (n == 0) {
            serve_log("out of memory");
            goto out;
        }
        if (!SSL_poll(sv.items, n, sizeof(SSL_POLL_ITEM), &zero,
                      SSL_POLL_FLAG_NO_HANDLE_EVENTS, &nres)
            && nres == 0) {
            serve_log_ssl_errors("SSL_poll failed");
            goto out;
        }
        if (dispatch(&sv, n) < 0)
            goto out;
        ERR_clear_error();
        if (!sv.progress)
            wait_for_network(&sv);
    }
    serve_log("stopping (%lu connections open)", sv.nconns);
    rc = 0;

out:
    shut_down_all(&sv);
    qget__udpio_log_stats(sv.net);
    SSL_free(sv.listener);
    BIO_free(sv.net);
    free(sv.items);
    free(sv.owners);
    free(sv.kinds);
    return rc;
}
