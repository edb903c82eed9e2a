/*
 * qget-serve: shared declarations between the option parser (main.c), the
 * TLS/socket setup (setup.c), the event loop (loop.c), HTTP/3 (h3.c), file
 * access (files.c) and logging (log.c).
 */
#ifndef QGET_SERVE_SERVE_H
#define QGET_SERVE_SERVE_H

#include <signal.h>
#include <stdint.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "http.h"

#define SERVE_NAME "qget-serve"
#define SERVE_VERSION "0.1.0"

/* Application error codes put on the wire (documented in qget-serve.1). */
#define SERVE_HQ_ERR_NOT_FOUND 0x0101  /* hq-interop: missing/forbidden file */
#define SERVE_HQ_ERR_BAD_REQUEST 0x0102 /* hq-interop: unparsable request */
#define SERVE_ERR_INTERNAL 0x0103      /* file read failed mid-response */
#define SERVE_DEFAULT_RESET_CODE 0x42

/* Largest upload body by default (--max-upload). */
#define SERVE_DEFAULT_MAX_UPLOAD (UINT64_C(64) * 1024 * 1024)
/* Most grease streams --h3-grease opens (the client allows 100 uni). */
#define SERVE_MAX_H3_GREASE 64

/* A fault limit that is not set. */
#define SERVE_NO_LIMIT UINT64_MAX

/* Most --redirect options, and the longest TO. */
#define SERVE_MAX_REDIRECTS 32
#define SERVE_MAX_LOCATION 1024

/* --redirect FROM=TO[,CODE]: pointers into the option's argument. */
struct serve_redirect {
    const char *from;
    size_t from_len;
    const char *to;
    size_t to_len;
    int code;
};

struct serve_opts {
    const char *cert;
    const char *key;
    const char *root;
    const char *addr;
    const char *port_file;
    const char *close_reason;
    const char *keylog;  /* --keylog, else SSLKEYLOGFILE, or NULL */
    const char *ciphers; /* --ciphers: TLS 1.3 suites, or NULL */
    unsigned port;

    /* Allowed ALPNs in wire format (length-prefixed), in our order. */
    unsigned char alpn[64];
    size_t alpn_len;
    int no_alpn;
    int no_retry; /* no QUIC address validation (Retry, NEW_TOKEN) */
    int no_gso;   /* --no-gso: no UDP GSO/GRO on the socket */
    int verbose;

    uint64_t idle_timeout_ms; /* 0: OpenSSL's default */
    uint64_t max_upload;      /* largest POST/PUT body to /echo... */
    unsigned h3_grease;       /* h3: reserved-type uni streams to open */

    /* Fault injection; SERVE_NO_LIMIT when off. */
    uint64_t reset_after;
    uint64_t reset_code;
    uint64_t close_after;
    uint64_t close_code;
    uint64_t stall_after;
    uint64_t freeze_after;
    uint64_t truncate_after;
    uint64_t goaway_after; /* h3: GOAWAY after N requests on a connection */
    int raw_response;
    int bad_h3; /* h3: answer with a broken frame (BAD_H3_*) */
    /* The faults above apply only to paths under this (NULL: all). */
    const char *fault_path;

    /* For clients' tests (http/1.0 and h3). */
    const char *upload_dir; /* --upload-dir, made absolute by main() */
    int no_range;           /* --no-range: Range is ignored */
    int no_alt_svc;
    /* Alt-Svc's value (h3=":PORT"), "" when none is sent. */
    char alt_svc[32];
    struct serve_redirect redirects[SERVE_MAX_REDIRECTS];
    unsigned nredirects;
    uint64_t status_first_n; /* --status-first N:CODE */
    int status_first_code;
};

/* --bad-h3: what a broken HTTP/3 response is made of. */
enum { BAD_H3_NONE, BAD_H3_FRAME, BAD_H3_QPACK, BAD_H3_MESSAGE };

/* The fault a response gets (the smallest threshold its body reaches). */
enum fault { FAULT_NONE, FAULT_RESET, FAULT_CLOSE, FAULT_STALL, FAULT_FREEZE };

/* The parsed options (main.c) and the stop flag set by SIGTERM/SIGINT. */
extern struct serve_opts g_opts;
extern volatile sig_atomic_t g_stop;
/*
 * Set when a --freeze-after fault fires: from then on the server reads
 * and sends nothing at all, as if its host had vanished, until it is
 * stopped.
 */
extern int g_frozen;

/* log.c */
void serve_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void serve_vlog(const char *fmt, ...)   /* only with --verbose */
    __attribute__((format(printf, 1, 2)));
/* Logs msg plus the reasons on the OpenSSL error queue, then clears it. */
void serve_log_ssl_errors(const char *msg);
/* The reason of the oldest queued OpenSSL error, or a fallback. */
const char *serve_ssl_reason(void);
/* Logs (with -v) why a stream failed while doing op: the peer's reset or
 * STOP_SENDING with its code, or the connection's end.  Returns the code
 * (0 when none), clears the error queue. */
uint64_t serve_log_stream_failure(SSL *ssl, unsigned long conn_id,
                                  uint64_t stream_id, const char *op,
                                  uint64_t body_sent);

/* setup.c */
SSL_CTX *serve_make_ctx(void);                  /* NULL: error logged */
/* Closes the key log serve_make_ctx() opened (after the SSL_CTX is
 * freed: it writes there until then). */
void serve_keylog_close(void);
int serve_bind(const char *addr, unsigned port, unsigned *bound_port,
               char *shown, size_t shown_sz);   /* fd, or -1: logged */
int serve_write_port_file(const char *path, unsigned port);

/* files.c */
/*
 * Opens rel (already checked by http_target_to_relpath) under the root
 * whose realpath() is root_real.  Returns 200 with *fd and *size set, or
 * 403/404 (no fd).
 */
int serve_open_file(const char *root_real, const char *rel, int *fd,
                    uint64_t *size);

/* echo.c: an upload's body as it arrives (see http_upload_kind). */
struct serve_echo;
/* ECHO, SHA256 or DISCARD; NULL: no memory. */
struct serve_echo *serve_echo_new(enum http_upload kind);
/*
 * HTTP_UPLOAD_FILE: a temporary file in --upload-dir that becomes
 * upload_dir/name (a name from http_upload_name) at serve_echo_commit.
 * NULL with *status 500 when it cannot be created (logged).
 */
struct serve_echo *serve_echo_new_file(const char *name, int *status);
/* Removes a file upload's temporary file (and frees the rest). */
void serve_echo_free(struct serve_echo *e);
enum http_upload serve_echo_kind(const struct serve_echo *e);
/*
 * Takes n more body bytes: 1, or 0 when the body would exceed
 * --max-upload (never for DISCARD), or -1 when out of memory or the file
 * cannot be written (logged).
 */
int serve_echo_add(struct serve_echo *e, const void *p, size_t n);
/*
 * The body is complete: a file upload's temporary file gets its name.
 * 1, or 0 when that failed (logged; the temporary file is removed).
 * Always 1 for the other kinds.
 */
int serve_echo_commit(struct serve_echo *e);
/*
 * The upload failed or was refused: a file upload's temporary file is
 * removed now, not when the stream is freed.  NULL-safe; nothing after a
 * commit.
 */
void serve_echo_discard(struct serve_echo *e);
uint64_t serve_echo_received(const struct serve_echo *e);
/* The response body (the upload, or its SHA-256 in hex and "\n"), valid
 * until serve_echo_free; 0 on failure. */
int serve_echo_body(struct serve_echo *e, const unsigned char **body,
                    size_t *len);
const char *serve_echo_type(const struct serve_echo *e);

/* answer.c: answers a request gets whatever it asks for. */
struct serve_special {
    int status;           /* 0: none */
    const char *location; /* a redirect's Location (not NUL-terminated) */
    size_t location_len;
    uint64_t nth;         /* --status-first: this is the nth of N */
};
/*
 * Decides, once per well-formed http/1.0 or h3 request, whether its
 * (decoded) path gets a --status-first fault or a --redirect instead of
 * what it asks for; counts the request for --status-first.  Returns
 * sp->status.
 */
int serve_special_answer(const char *path, struct serve_special *sp);

/* loop.c: runs until g_stop; returns 0 on a clean stop, 1 on failure. */
int serve_run(SSL_CTX *ctx, int fd, const char *root_real);
/*
 * The fault for a body of body_limit bytes and the byte count it fires at
 * (FAULT_NONE and SERVE_NO_LIMIT when none).
 */
void serve_pick_fault(uint64_t body_limit, enum fault *fault, uint64_t *at);
const char *serve_fault_name(enum fault f);
/* Do the fault options apply to a request for target (--fault-path)? */
int serve_fault_applies(const char *target);

#endif
