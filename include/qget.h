/*
 * qget: a small blocking QUIC client library on OpenSSL >= 3.5.
 *
 * A program opens a verified QUIC connection with qget_conn_open(), opens a
 * bidirectional stream on it with qget_stream_open(), writes a request,
 * reads the response until the peer's FIN, and closes the connection with
 * qget_conn_close().  Every call blocks until it is done, fails, or runs into
 * the connection's time limit.
 *
 * Conventions:
 * - Handles are opaque.  Objects are created by qget_*_new()/qget_*_open()
 *   into an out-pointer and freed by qget_*_del(); every _del() accepts NULL.
 * - Every fallible function returns a qget_status: QGET_OK (0) on success,
 *   or one of the QGET_E_* codes listed with QGET_STATUS_MAP below.  When the
 *   last argument `err` is not NULL it receives the status again plus detail
 *   (a message "operation: reason", and the peer's error code and reason
 *   where there is one).
 * - A connection and its streams belong to one thread at a time.
 * - The library keeps no global state and never writes to stdout or stderr;
 *   diagnostics reach the program through qget_error and the optional log
 *   callback.
 */
#ifndef QGET_H
#define QGET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QGET_VERSION "1.0.0"

/*
 * The failure taxonomy, shared by the library and the qget tool: one row per
 * status with its process exit code (as the tool uses it) and its message.
 *
 *   name            exit  meaning
 *   OK                 0  success
 *   E_FAILURE          1  any other failure (internal OpenSSL error, ...)
 *   E_NOMEM            1  out of memory
 *   E_PROTOCOL         1  the peer's response broke its protocol's rules
 *   E_USAGE            2  invalid argument or option value
 *   E_RESOLVE          3  the host name could not be resolved
 *   E_CONNECT          4  no address completed a handshake: no QUIC server
 *                         answered, the port was refused, or the handshake
 *                         failed for a reason other than those below
 *   E_VERIFY           5  the server's certificate failed verification
 *   E_ALPN             6  the server accepted none of the offered ALPNs
 *   E_STREAM_RESET     7  the peer reset the stream (error.code holds its
 *                         application error code)
 *   E_TRUNCATED        7  the response ended before its announced length
 *   E_CONN_CLOSED      8  the connection was closed (error.code, .reason)
 *   E_IDLE_TIMEOUT     8  the connection timed out idle during transfer
 *   E_TIMEOUT          9  the connect timeout or the time limit was reached
 *   E_OUTPUT          10  local output failed (used by the tool)
 *   E_HTTP_ERROR      11  the response's status was 400 or more, and the
 *                         caller asked to fail on it (the tool's --fail)
 *   E_INTERRUPTED    130  interrupted by a signal (the tool adds the signal)
 */
#define QGET_STATUS_MAP(X)                                                    \
	X(OK, 0, "success")                                                   \
	X(E_FAILURE, 1, "failure")                                            \
	X(E_NOMEM, 1, "out of memory")                                        \
	X(E_PROTOCOL, 1, "protocol error")                                    \
	X(E_USAGE, 2, "invalid argument")                                     \
	X(E_RESOLVE, 3, "could not resolve host")                             \
	X(E_CONNECT, 4, "could not connect")                                  \
	X(E_VERIFY, 5, "server certificate verification failed")              \
	X(E_ALPN, 6, "server accepted none of our application protocols")     \
	X(E_STREAM_RESET, 7, "stream reset by the peer")                      \
	X(E_TRUNCATED, 7, "response truncated")                               \
	X(E_CONN_CLOSED, 8, "connection closed")                              \
	X(E_IDLE_TIMEOUT, 8, "connection timed out idle")                     \
	X(E_TIMEOUT, 9, "time limit reached")                                 \
	X(E_OUTPUT, 10, "local output failed")                                \
	X(E_HTTP_ERROR, 11, "the server answered with an error status")      \
	X(E_INTERRUPTED, 130, "interrupted")

typedef enum qget_status {
#define QGET__STATUS_ENUM(name, code, msg) QGET_##name,
	QGET_STATUS_MAP(QGET__STATUS_ENUM)
#undef QGET__STATUS_ENUM
	QGET_STATUS_COUNT
} qget_status;

/* The status's fixed message, e.g. "could not resolve host". */
const char *qget_status_str(qget_status s);
/* The status's symbolic name without the prefix, e.g. "E_RESOLVE". */
const char *qget_status_name(qget_status s);
/* The exit code the qget tool uses for the status (see the table above). */
int qget_status_exit_code(qget_status s);

/*
 * Detail of a failure.  Filled by every function that takes one, also on
 * success (status QGET_OK, empty detail).
 */
typedef struct qget_error {
	qget_status status;
	/* Non-zero when `code` holds a peer's or our error code:
	 * E_STREAM_RESET: the application error code of the reset;
	 * E_CONN_CLOSED, E_IDLE_TIMEOUT, E_ALPN, E_CONNECT: the QUIC
	 * CONNECTION_CLOSE error code. */
	int has_code;
	uint64_t code;
	int is_transport; /* close: a transport (1) or application (0) code */
	int is_local;     /* close: we closed (1) or the peer did (0) */
	/* close: the peer's reason phrase as sent (raw bytes: escape them
	 * before printing), may be empty */
	char reason[256];
	/* human-readable "operation: reason"; what the peer sent in it is
	 * escaped (control bytes and bytes >= 0x80 as \xNN) */
	char detail[512];
} qget_error;

/* The status of `err`'s message plus its detail, for one line of output. */
const char *qget_error_str(const qget_error *err);

typedef enum qget_family {
	QGET_FAMILY_ANY = 0,
	QGET_FAMILY_IPV4 = 4,
	QGET_FAMILY_IPV6 = 6
} qget_family;

/* Called with one line of progress (no newline): each address tried, the
 * negotiated parameters, how the connection ended. */
typedef void (*qget_log_cb)(void *arg, const char *line);

typedef struct qget_config qget_config;

/*
 * Creates a configuration with the defaults: ALPN "http/1.0", any address
 * family, the system's default CA store, verification on, no connect
 * timeout, OpenSSL's default idle timeout, no time limit, no key log.
 * Returns QGET_OK or QGET_E_NOMEM.
 */
qget_status qget_config_new(qget_config **out);
void qget_config_del(qget_config *cfg);

/* ALPN protocols to offer, comma-separated in order of preference
 * ("h3,http/1.0").  Each name 1..255 bytes.  Returns QGET_E_USAGE when the
 * list is empty or has an empty or overlong name. */
qget_status qget_config_set_alpn(qget_config *cfg, const char *list);
/* QGET_FAMILY_ANY, _IPV4 or _IPV6; anything else is QGET_E_USAGE. */
qget_status qget_config_set_family(qget_config *cfg, qget_family family);
/*
 * A PEM CA bundle file and/or a hashed CA directory (either may be NULL);
 * replaces the default store.  The files are read when connecting; one
 * that does not exist (or a file that is a directory, or a directory that
 * is not) makes qget_conn_open() fail with QGET_E_USAGE.
 *
 * The default store, without this call, is the first of: the files that
 * SSL_CERT_FILE and SSL_CERT_DIR name; OpenSSL's default (OPENSSLDIR's
 * cert.pem and certs/; /usr/lib/ssl on Debian, i.e. /etc/ssl/certs); the
 * platform's CA bundle (/etc/ssl/certs/ca-certificates.crt,
 * /etc/pki/tls/certs/ca-bundle.crt, ..., as curl looks for it) and
 * /etc/ssl/certs.  The log callback says which was loaded.  With none of
 * them, qget_conn_open() fails with QGET_E_VERIFY.
 */
qget_status qget_config_set_ca(qget_config *cfg, const char *file,
    const char *dir);
/* Non-zero turns certificate and host name verification off. */
void qget_config_set_insecure(qget_config *cfg, int insecure);
/* The handshake must complete within this many milliseconds, over all
 * addresses tried (0, the default: no limit).  Running out is
 * QGET_E_TIMEOUT.  Apart from it, each address gets the idle timeout (or
 * 30 s) to complete its handshake; an address that does not is
 * QGET_E_CONNECT ("no QUIC server answered") and the next is tried. */
void qget_config_set_connect_timeout(qget_config *cfg, uint64_t ms);
/* The QUIC idle timeout we offer, in milliseconds (0: OpenSSL's default). */
void qget_config_set_idle_timeout(qget_config *cfg, uint64_t ms);
/* A limit for the whole connection, from qget_conn_open() to the end of
 * qget_conn_close(), in milliseconds (0: none).  Any blocking call that runs
 * into it returns QGET_E_TIMEOUT. */
void qget_config_set_max_time(qget_config *cfg, uint64_t ms);
/* Append TLS secrets in NSS key log format to `path` (NULL: off). */
qget_status qget_config_set_keylog(qget_config *cfg, const char *path);
/* TLS 1.3 cipher suites to offer, colon-separated in OpenSSL's names
 * ("TLS_CHACHA20_POLY1305_SHA256"); NULL restores OpenSSL's default.
 * QGET_E_USAGE when OpenSSL knows none of them. */
qget_status qget_config_set_ciphers(qget_config *cfg, const char *list);
/* Public key pinning, curl's syntax: "sha256//BASE64[;sha256//BASE64...]",
 * the base64 SHA-256 of the server's SubjectPublicKeyInfo.  A server whose
 * key matches none is refused with QGET_E_VERIFY, even when its chain is
 * valid or verification is off.  NULL turns pinning off; QGET_E_USAGE for
 * a malformed list. */
qget_status qget_config_set_pinned_pubkey(qget_config *cfg, const char *pins);
/* A TLS session to resume: bytes from qget_conn_get_session() of an
 * earlier connection (NULL or len 0: none).  Copied.  A session the
 * server no longer accepts, or one bound to another host, port, ALPN or
 * trust store (see qget_conn_get_session()), only costs a full
 * handshake. */
qget_status qget_config_set_session(qget_config *cfg,
    const unsigned char *der, size_t len);
/* Progress lines go to `cb` (NULL: none). */
void qget_config_set_log(qget_config *cfg, qget_log_cb cb, void *arg);
/* A flag that a signal handler may set: a blocking call interrupted by a
 * signal returns QGET_E_INTERRUPTED when *flag is non-zero, and carries on
 * otherwise (NULL: always carry on). */
void qget_config_set_cancel(qget_config *cfg,
    const volatile sig_atomic_t *flag);

typedef struct qget_conn qget_conn;

/*
 * Resolves `host` (a name or an IP literal; IPv6 literals without brackets)
 * and `port` (a number or a service name), then tries each address in turn
 * until one completes a QUIC handshake: non-blocking UDP socket, datagram
 * BIO, SNI and host name verification (for an IP literal the IP SAN is
 * verified and no SNI is sent), ALPN, the initial peer address, SSL_connect.
 * `cfg` is copied; it may be freed afterwards.
 *
 * Returns QGET_OK and a connection in *out, or:
 *   QGET_E_USAGE     host or port empty, cfg NULL
 *   QGET_E_RESOLVE   no address for host
 *   QGET_E_CONNECT   every address failed (refused, no answer, handshake)
 *   QGET_E_VERIFY    certificate rejected (detail: X509's reason)
 *   QGET_E_ALPN      the server selected none of our protocols
 *   QGET_E_TIMEOUT   connect timeout or time limit reached
 *   QGET_E_NOMEM, QGET_E_FAILURE
 * Failures of all addresses but the last are reported through the log
 * callback; `err` describes the last one.
 */
qget_status qget_conn_open(qget_conn **out, const char *host,
    const char *port, const qget_config *cfg, qget_error *err);

/*
 * Graceful close, as the seed tutorial does it: waits until everything
 * written has been acknowledged, then sends CONNECTION_CLOSE (application
 * code 0), for at most `timeout_ms` milliseconds (0: 2 s).  It returns once
 * the frame is on the wire, without waiting through the closing period
 * (see QGET_CLOSE_LINGER).  Returns QGET_OK, QGET_E_TIMEOUT, or
 * QGET_E_CONN_CLOSED when the connection had already been closed (nothing
 * to send).  Does not free the connection.  Same as qget_conn_close_ex()
 * with flags 0.
 */
qget_status qget_conn_close(qget_conn *c, uint64_t timeout_ms,
    qget_error *err);

/* Do not wait for our stream data to be acknowledged: the responses read
 * show the peer has what it needed (a request answered to its FIN).  Saves
 * up to the peer's ACK delay (25 ms by default). */
#define QGET_CLOSE_NO_FLUSH 0x1u
/* Stay through the closing period (3 probe timeouts, about 90 ms on
 * loopback), answering a peer that missed our CONNECTION_CLOSE, as the
 * seed tutorial's blocking SSL_shutdown() does. */
#define QGET_CLOSE_LINGER 0x2u

/*
 * Application error codes qget closes connections with (RFC 9114 §8.1 for
 * HTTP/3; http/1.0 and hq-interop define none, so qget uses 0 for "no
 * error" and 1 for any failure there):
 * - QGET_H3_NO_ERROR: a finished HTTP/3 connection, or one freed unclosed;
 * - QGET_H3_INTERNAL_ERROR / QGET_APP_ERROR: a server that failed one of
 *   our checks after the handshake (certificate or host name on a resumed
 *   session, public key pin, no ALPN), with a reason saying which;
 * - QGET_H3_REQUEST_CANCELLED: the qget tool, interrupted by a signal.
 */
#define QGET_APP_ERROR 0x1
#define QGET_H3_NO_ERROR 0x100
#define QGET_H3_INTERNAL_ERROR 0x102
#define QGET_H3_REQUEST_CANCELLED 0x10c

/* qget_conn_close() with QGET_CLOSE_* flags and the application error
 * code to close with (HTTP/3: H3_NO_ERROR, 0x100). */
qget_status qget_conn_close_ex(qget_conn *c, unsigned int flags,
    uint64_t app_code, uint64_t timeout_ms, qget_error *err);

/*
 * Rapid close for abort: sends one CONNECTION_CLOSE with application error
 * `app_code` and `reason` (may be NULL), without waiting for anything.
 */
void qget_conn_abort(qget_conn *c, uint64_t app_code, const char *reason);

/* Frees the connection, aborting it rapidly if it is still open (code
 * QGET_H3_NO_ERROR over HTTP/3, 0 otherwise).  Its streams must have been
 * freed before.  NULL is allowed. */
void qget_conn_del(qget_conn *c);

typedef struct qget_conn_info {
	const char *peer_addr;    /* "127.0.0.1:4433", "[::1]:4433" */
	const char *alpn;         /* the negotiated protocol */
	const char *version;      /* "QUICv1" (whose handshake is TLS 1.3) */
	const char *cipher;       /* "TLS_AES_128_GCM_SHA256" */
	const char *peer_subject; /* one-line DN, "" when unknown */
	const char *peer_issuer;  /* one-line DN, "" when unknown */
	const char *verify;       /* "ok", or why it was skipped */
	uint64_t handshake_us;    /* from sending the first packet to done */
	int resumed;              /* the TLS session was resumed */
} qget_conn_info;

/* Fills `out`; its strings live as long as the connection. */
qget_status qget_conn_get_info(qget_conn *c, qget_conn_info *out);

/*
 * The newest TLS session (ticket) the server sent on this connection, to
 * resume a later one with qget_config_set_session().  Tickets arrive after
 * the handshake, so call this late (after the response).  On QGET_OK *der
 * is malloc'ed (free() it) and *len is its size; QGET_E_FAILURE when the
 * server sent no ticket, QGET_E_USAGE for a connection that was not
 * verified (insecure): resuming skips verification, so only a verified
 * connection's session is handed out.
 *
 * The bytes are a text head binding the session to what it was verified
 * for (host, port, ALPN, trust store, verification on), then OpenSSL's
 * DER.  A session offered to a connection with another host, port or
 * trust store, without its ALPN among those offered, or with verification
 * off, is not used (the log says why): the handshake is a full one.
 * Every handshake's result is checked, resumed or not (verify result and
 * host name), so a session can never stand in for verification.
 */
qget_status qget_conn_get_session(qget_conn *c, unsigned char **der,
    size_t *len);

typedef struct qget_stream qget_stream;

/* Opens a locally initiated bidirectional stream, waiting for stream credit
 * if the peer's limit is reached.  Errors: QGET_E_CONN_CLOSED,
 * QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT, QGET_E_NOMEM, QGET_E_FAILURE. */
qget_status qget_stream_open(qget_stream **out, qget_conn *c,
    qget_error *err);

#define QGET_WRITE_FIN 1u /* conclude the stream after these bytes */

/*
 * Writes all `len` bytes (blocking until they are buffered), then with
 * QGET_WRITE_FIN ends the sending side.  `len` may be 0.  Errors:
 * QGET_E_STREAM_RESET (peer sent STOP_SENDING), QGET_E_CONN_CLOSED,
 * QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT, QGET_E_USAGE (write after FIN).
 */
qget_status qget_stream_write(qget_stream *s, const void *buf, size_t len,
    unsigned flags, qget_error *err);

/*
 * Reads up to `cap` bytes into `buf`; blocks until at least one byte is
 * there.  *nread = 0 with QGET_OK means the peer's FIN: the stream's data is
 * complete.  Errors: QGET_E_STREAM_RESET (err->code: the application error
 * code), QGET_E_CONN_CLOSED, QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT.
 */
qget_status qget_stream_read(qget_stream *s, void *buf, size_t cap,
    size_t *nread, qget_error *err);

/*
 * Waits on several streams of one connection at once: blocks until at
 * least one of the n streams can be read without blocking (data, the FIN,
 * or a reset to report), or, when want_stream is non-zero, until the peer
 * allows another stream (MAX_STREAMS credit) to be opened without
 * waiting.  Sets ready[i] to 1 for each readable stream and 0 for the
 * others, and *can_open to whether a stream can be opened now (may be
 * NULL).  n may be 0.  Errors: QGET_E_CONN_CLOSED, QGET_E_IDLE_TIMEOUT,
 * QGET_E_TIMEOUT, QGET_E_INTERRUPTED, QGET_E_NOMEM, QGET_E_USAGE.
 */
qget_status qget_conn_wait(qget_conn *c, qget_stream *const *streams,
    size_t n, unsigned char *ready, int want_stream, int *can_open,
    qget_error *err);

/* qget_conn_wait_ex()'s `want` and `*got` bits. */
#define QGET_WAIT_OPEN     0x1u /* a bidirectional stream can be opened */
#define QGET_WAIT_OPEN_UNI 0x2u /* a unidirectional stream can be opened */
#define QGET_WAIT_INCOMING 0x4u /* the peer opened a stream: accept it */

/*
 * qget_conn_wait() for protocols with more than request streams (HTTP/3):
 * blocks until one of the n streams can be read or one of the conditions
 * in `want` holds, and reports those that hold in *got (may be NULL).
 * Errors: those of qget_conn_wait().
 */
qget_status qget_conn_wait_ex(qget_conn *c, qget_stream *const *streams,
    size_t n, unsigned char *ready, unsigned want, unsigned *got,
    qget_error *err);

/*
 * Netcat for a stream: copies what `in_fd` yields to the stream and
 * concludes the stream at in_fd's EOF, while copying what the peer sends
 * to `out_fd`, both at once (reading the peer never waits for in_fd's
 * EOF), until the peer's FIN has arrived and our side is concluded.
 * Binary safe.  in_fd is read only when poll() says it is readable.
 * Errors: those of qget_stream_read() and qget_stream_write(), and
 * QGET_E_OUTPUT when writing out_fd fails (err->detail says which), or
 * QGET_E_FAILURE when reading in_fd fails.
 */
qget_status qget_stream_pump(qget_stream *s, int in_fd, int out_fd,
    qget_error *err);

/* qget_stream_open_ex() flag: a unidirectional (send-only) stream. */
#define QGET_STREAM_UNI 0x1u

/* qget_stream_open() with QGET_STREAM_* flags; waits for credit of that
 * kind.  Errors: those of qget_stream_open(). */
qget_status qget_stream_open_ex(qget_stream **out, qget_conn *c,
    unsigned flags, qget_error *err);

/*
 * Takes a stream the peer opened (bidirectional, or unidirectional: then
 * read-only), without waiting: *out is NULL when none is queued (see
 * QGET_WAIT_INCOMING).  Errors: QGET_E_CONN_CLOSED, QGET_E_IDLE_TIMEOUT,
 * QGET_E_NOMEM, QGET_E_USAGE.
 */
qget_status qget_conn_accept_stream(qget_conn *c, qget_stream **out,
    qget_error *err);

/* The stream's QUIC stream ID (its low two bits: initiator and
 * direction), UINT64_MAX for NULL. */
uint64_t qget_stream_id(const qget_stream *s);

/*
 * Abandons our sending side with RESET_STREAM and application error code
 * `app_code`.  Errors: QGET_E_USAGE (a stream we cannot send on), the
 * connection's.
 */
qget_status qget_stream_reset(qget_stream *s, uint64_t app_code,
    qget_error *err);

/* Bytes read from / written to the stream so far. */
uint64_t qget_stream_bytes_read(const qget_stream *s);
uint64_t qget_stream_bytes_written(const qget_stream *s);

/* Frees the stream.  NULL is allowed. */
void qget_stream_del(qget_stream *s);

/* The library's version, QGET_VERSION of the build ("1.0.0"). */
const char *qget_version_str(void);
/* The OpenSSL that runs underneath, e.g. "OpenSSL 3.5.7 1 Jul 2026". */
const char *qget_openssl_version_str(void);

#ifdef __cplusplus
}
#endif
#endif /* QGET_H */
