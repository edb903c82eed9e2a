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

#define QGET_VERSION "1.4.0"
/* The same as one number, 0xMMmmpp (major, minor, patch), for #if. */
#define QGET_VERSION_NUM 0x010400

/* What the shared library exports: everything declared here, nothing
 * else (it is built with hidden visibility and a version script). */
#if defined(__GNUC__) && __GNUC__ >= 4
#define QGET_API __attribute__((visibility("default")))
#else
#define QGET_API
#endif

/*
 * The failure taxonomy, shared by the library and the qget tool: one row per
 * status with its process exit code (as the tool uses it) and its message.
 *
 *   name            exit  meaning (numbers: see QGET_STATUS_MAP)
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
 *   E_REFUSED          8  the server did not process the request (HTTP/3
 *                         GOAWAY or H3_REQUEST_REJECTED): safe to retry
 *   E_TOO_LARGE       12  the response is larger than the caller's limit
 *                         (the tool's --max-filesize)
 *   E_RANGE           13  a resumed download: the server did not answer
 *                         the byte range asked for
 *   E_REDIRECT        14  too many redirects, or one that cannot be
 *                         followed (the tool's -L)
 */
#define QGET_STATUS_MAP(X)                                                    \
	X(OK, 0, 0, "success")                                                \
	X(E_FAILURE, 1, 1, "failure")                                         \
	X(E_NOMEM, 2, 1, "out of memory")                                     \
	X(E_PROTOCOL, 3, 1, "protocol error")                                 \
	X(E_USAGE, 4, 2, "invalid argument")                                  \
	X(E_RESOLVE, 5, 3, "could not resolve host")                          \
	X(E_CONNECT, 6, 4, "could not connect")                               \
	X(E_VERIFY, 7, 5, "server certificate verification failed")           \
	X(E_ALPN, 8, 6, "server accepted none of our application protocols")  \
	X(E_STREAM_RESET, 9, 7, "stream reset by the peer")                   \
	X(E_TRUNCATED, 10, 7, "response truncated")                           \
	X(E_CONN_CLOSED, 11, 8, "connection closed")                          \
	X(E_IDLE_TIMEOUT, 12, 8, "connection timed out idle")                 \
	X(E_TIMEOUT, 13, 9, "time limit reached")                             \
	X(E_OUTPUT, 14, 10, "local output failed")                            \
	X(E_HTTP_ERROR, 15, 11, "the server answered with an error status")   \
	X(E_INTERRUPTED, 16, 130, "interrupted")                              \
	X(E_REFUSED, 17, 8, "the server did not process the request")       \
	X(E_TOO_LARGE, 18, 12, "the response is larger than allowed")         \
	X(E_RANGE, 19, 13, "the server cannot resume the download")           \
	X(E_REDIRECT, 20, 14, "too many redirects, or one not followed")

/*
 * A status's number is fixed (the second column): it never changes and is
 * never reused, so that a program built against one version of the library
 * reads the statuses of a later one right.  New statuses get new numbers.
 */
typedef enum qget_status {
#define QGET__STATUS_ENUM(name, num, code, msg) QGET_##name = num,
	QGET_STATUS_MAP(QGET__STATUS_ENUM)
#undef QGET__STATUS_ENUM
	QGET__STATUS_FORCE_INT = 0x7fffffff /* keeps the type an int */
} qget_status;

/* The status's fixed message, e.g. "could not resolve host". */
QGET_API const char *qget_status_str(qget_status s);
/* The status's symbolic name without the prefix, e.g. "E_RESOLVE". */
QGET_API const char *qget_status_name(qget_status s);
/* The exit code the qget tool uses for the status (see the table above). */
QGET_API int qget_status_exit_code(qget_status s);

/*
 * Detail of a failure.  Filled by every function that takes one, also on
 * success (status QGET_OK, empty detail).
 */
typedef struct qget_error {
	/* This struct's layout is frozen for the life of libqget.so.1 (the
	 * caller allocates it): what later versions add comes through
	 * functions, never through new fields here. */
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
QGET_API const char *qget_error_str(const qget_error *err);

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
QGET_API qget_status qget_config_new(qget_config **out);
QGET_API void qget_config_del(qget_config *cfg);

/* ALPN protocols to offer, comma-separated in order of preference
 * ("h3,http/1.0").  Each name 1..255 bytes.  Returns QGET_E_USAGE when the
 * list is empty or has an empty or overlong name. */
QGET_API qget_status qget_config_set_alpn(qget_config *cfg, const char *list);
/* QGET_FAMILY_ANY, _IPV4 or _IPV6; anything else is QGET_E_USAGE. */
QGET_API qget_status qget_config_set_family(qget_config *cfg, qget_family family);
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
QGET_API qget_status qget_config_set_ca(qget_config *cfg, const char *file,
    const char *dir);
/* Non-zero turns certificate and host name verification off. */
QGET_API void qget_config_set_insecure(qget_config *cfg, int insecure);
/* The handshake must complete within this many milliseconds, over all
 * addresses tried (0, the default: no limit).  Running out is
 * QGET_E_TIMEOUT.  Apart from it, each address gets the idle timeout (or
 * 30 s) to complete its handshake; an address that does not is
 * QGET_E_CONNECT ("no QUIC server answered") and the next is tried. */
QGET_API void qget_config_set_connect_timeout(qget_config *cfg, uint64_t ms);
/* The QUIC idle timeout we offer, in milliseconds (0: OpenSSL's default). */
QGET_API void qget_config_set_idle_timeout(qget_config *cfg, uint64_t ms);
/* A limit for the whole connection, from qget_conn_open() to the end of
 * qget_conn_close(), in milliseconds (0: none).  Any blocking call that runs
 * into it returns QGET_E_TIMEOUT. */
QGET_API void qget_config_set_max_time(qget_config *cfg, uint64_t ms);
/* Append TLS secrets in NSS key log format to `path` (NULL: off). */
QGET_API qget_status qget_config_set_keylog(qget_config *cfg, const char *path);
/* TLS 1.3 cipher suites to offer, colon-separated in OpenSSL's names
 * ("TLS_CHACHA20_POLY1305_SHA256"); NULL restores OpenSSL's default.
 * QGET_E_USAGE when OpenSSL knows none of them. */
QGET_API qget_status qget_config_set_ciphers(qget_config *cfg, const char *list);
/* Public key pinning, curl's syntax: "sha256//BASE64[;sha256//BASE64...]",
 * the base64 SHA-256 of the server's SubjectPublicKeyInfo.  A server whose
 * key matches none is refused with QGET_E_VERIFY, even when its chain is
 * valid or verification is off.  NULL turns pinning off; QGET_E_USAGE for
 * a malformed list. */
QGET_API qget_status qget_config_set_pinned_pubkey(qget_config *cfg, const char *pins);
/* A TLS session to resume: bytes from qget_conn_get_session() of an
 * earlier connection (NULL or len 0: none).  Copied.  A session the
 * server no longer accepts, or one bound to another host, port, ALPN or
 * trust store (see qget_conn_get_session()), only costs a full
 * handshake. */
QGET_API qget_status qget_config_set_session(qget_config *cfg,
    const unsigned char *der, size_t len);
/* Progress lines go to `cb` (NULL: none). */
QGET_API void qget_config_set_log(qget_config *cfg, qget_log_cb cb, void *arg);
/* A flag that a signal handler may set: a blocking call interrupted by a
 * signal returns QGET_E_INTERRUPTED when *flag is non-zero, and carries on
 * otherwise (NULL: always carry on). */
QGET_API void qget_config_set_cancel(qget_config *cfg,
    const volatile sig_atomic_t *flag);

typedef struct qget_conn qget_conn;

/*
 * Resolves `host` (a name or an IP literal; IPv6 literals without brackets)
 * and `port` (a number or a service name), then races the addresses as
 * qget_config_set_attempt_delay() says (RFC 8305's happy eyeballs) until
 * one completes a QUIC handshake and passes every check; each attempt:
 * non-blocking UDP socket, datagram
 * BIO, SNI and host name verification (for an IP literal the IP SAN is
 * verified and no SNI is sent), ALPN, the initial peer address, SSL_connect.
 * `cfg` is copied; it may be freed afterwards.
 *
 * Returns QGET_OK and a connection in *out, or:
 *   QGET_E_USAGE     host or port empty, cfg NULL
 *   QGET_E_RESOLVE   no address for host
 *   QGET_E_CONNECT   every address failed (refused, no answer, handshake)
 *   QGET_E_VERIFY    certificate rejected (detail: what the certificate
 *                    holds: the verify error, its subject and issuer,
 *                    and on a name mismatch the names it is for)
 *   QGET_E_ALPN      the server selected none of our protocols
 *   QGET_E_TIMEOUT   connect timeout or time limit reached
 *   QGET_E_NOMEM, QGET_E_FAILURE
 * Failures of the other attempts are reported through the log callback;
 * `err` describes the first certificate or ALPN failure if there was one
 * (a server that is not the one asked for matters more than a silent
 * address), else the last failure; but running out of the connect
 * timeout or the time limit is always QGET_E_TIMEOUT.
 */
QGET_API qget_status qget_conn_open(qget_conn **out, const char *host,
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
QGET_API qget_status qget_conn_close(qget_conn *c, uint64_t timeout_ms,
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
QGET_API qget_status qget_conn_close_ex(qget_conn *c, unsigned int flags,
    uint64_t app_code, uint64_t timeout_ms, qget_error *err);

/*
 * Rapid close for abort: sends one CONNECTION_CLOSE with application error
 * `app_code` and `reason` (may be NULL), without waiting for anything.
 */
QGET_API void qget_conn_abort(qget_conn *c, uint64_t app_code, const char *reason);

/* Frees the connection, aborting it rapidly if it is still open (code
 * QGET_H3_NO_ERROR over HTTP/3, 0 otherwise).  Its streams must have been
 * freed before.  NULL is allowed. */
QGET_API void qget_conn_del(qget_conn *c);

typedef struct qget_conn_info {
	/* Set by the caller to sizeof(qget_conn_info) before the call: a
	 * later library fills only the fields a caller's struct has. */
	size_t size;
	const char *peer_addr;    /* "127.0.0.1:4433", "[::1]:4433" */
	const char *alpn;         /* the negotiated protocol */
	const char *version;      /* "QUICv1" (whose handshake is TLS 1.3) */
	const char *cipher;       /* "TLS_AES_128_GCM_SHA256" */
	const char *peer_subject; /* one-line DN, "" when unknown */
	const char *peer_issuer;  /* one-line DN, "" when unknown */
	const char *verify;       /* "ok", or why it was skipped */
	uint64_t handshake_us;    /* from sending the first packet to done */
	int resumed;              /* the TLS session was resumed */
	/* 1.2: from the start of qget_conn_open() (curl's time_namelookup
	 * and time_appconnect) */
	uint64_t resolve_us;      /* the name lookup done */
	uint64_t open_us;         /* connected: handshake done and checked */
} qget_conn_info;

/* Fills `out` (whose .size the caller set); its strings live as long as
 * the connection.  QGET_E_USAGE when out->size is smaller than the
 * struct of version 1.1, which added the size field (a source change
 * from 1.0: set .size). */
QGET_API qget_status qget_conn_get_info(qget_conn *c, qget_conn_info *out);

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
QGET_API qget_status qget_conn_get_session(qget_conn *c, unsigned char **der,
    size_t *len);

typedef struct qget_stream qget_stream;

/* Opens a locally initiated bidirectional stream, waiting for stream credit
 * if the peer's limit is reached.  Errors: QGET_E_CONN_CLOSED,
 * QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT, QGET_E_NOMEM, QGET_E_FAILURE. */
QGET_API qget_status qget_stream_open(qget_stream **out, qget_conn *c,
    qget_error *err);

#define QGET_WRITE_FIN 1u /* conclude the stream after these bytes */

/*
 * Writes all `len` bytes (blocking until they are buffered), then with
 * QGET_WRITE_FIN ends the sending side.  `len` may be 0.  Errors:
 * QGET_E_STREAM_RESET (peer sent STOP_SENDING), QGET_E_CONN_CLOSED,
 * QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT, QGET_E_USAGE (write after FIN).
 */
QGET_API qget_status qget_stream_write(qget_stream *s, const void *buf, size_t len,
    unsigned flags, qget_error *err);

/*
 * Reads up to `cap` bytes into `buf`; blocks until at least one byte is
 * there.  *nread = 0 with QGET_OK means the peer's FIN: the stream's data is
 * complete.  Errors: QGET_E_STREAM_RESET (err->code: the application error
 * code), QGET_E_CONN_CLOSED, QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT.
 */
QGET_API qget_status qget_stream_read(qget_stream *s, void *buf, size_t cap,
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
QGET_API qget_status qget_conn_wait(qget_conn *c, qget_stream *const *streams,
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
QGET_API qget_status qget_conn_wait_ex(qget_conn *c, qget_stream *const *streams,
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
QGET_API qget_status qget_stream_pump(qget_stream *s, int in_fd, int out_fd,
    qget_error *err);

/* qget_stream_open_ex() flag: a unidirectional (send-only) stream. */
#define QGET_STREAM_UNI 0x1u

/* qget_stream_open() with QGET_STREAM_* flags; waits for credit of that
 * kind.  Errors: those of qget_stream_open(). */
QGET_API qget_status qget_stream_open_ex(qget_stream **out, qget_conn *c,
    unsigned flags, qget_error *err);

/*
 * Takes a stream the peer opened (bidirectional, or unidirectional: then
 * read-only), without waiting: *out is NULL when none is queued (see
 * QGET_WAIT_INCOMING).  Errors: QGET_E_CONN_CLOSED, QGET_E_IDLE_TIMEOUT,
 * QGET_E_NOMEM, QGET_E_USAGE.
 */
QGET_API qget_status qget_conn_accept_stream(qget_conn *c, qget_stream **out,
    qget_error *err);

/* The stream's QUIC stream ID (its low two bits: initiator and
 * direction), UINT64_MAX for NULL. */
QGET_API uint64_t qget_stream_id(const qget_stream *s);

/*
 * Abandons our sending side with RESET_STREAM and application error code
 * `app_code`.  Errors: QGET_E_USAGE (a stream we cannot send on), the
 * connection's.
 */
QGET_API qget_status qget_stream_reset(qget_stream *s, uint64_t app_code,
    qget_error *err);

/* Bytes read from / written to the stream so far. */
QGET_API uint64_t qget_stream_bytes_read(const qget_stream *s);
QGET_API uint64_t qget_stream_bytes_written(const qget_stream *s);

/* Frees the stream.  NULL is allowed. */
QGET_API void qget_stream_del(qget_stream *s);

/* ---- Connecting: local address, address racing, OpenSSL's own knobs ---- */

/*
 * The local end, as curl's --interface and --local-port: `local` is an IP
 * address literal (only the host's addresses of its family are tried) or
 * a network interface name ("eth0": the socket is bound to it with
 * SO_BINDTODEVICE, and the kernel picks that interface's address); NULL:
 * any.  Local ports are tried from port_min to port_max until one is free
 * (0, 0: the kernel picks; port_max 0 means port_min alone).  QGET_E_USAGE
 * for port_min > port_max, port_min 0 with a port_max, a port above 65535,
 * or a `local` that is neither an IP literal nor a possible interface
 * name; an address or interface that does not exist, or no free port,
 * makes qget_conn_open() fail with QGET_E_CONNECT.
 */
QGET_API qget_status qget_config_set_local(qget_config *cfg,
    const char *local, unsigned port_min, unsigned port_max);

/*
 * Happy eyeballs (RFC 8305): when the name has several addresses, the
 * next attempt starts `ms` milliseconds after the previous one while that
 * one still handshakes, or at once when an attempt fails (families
 * alternate, starting with the resolver's first), and the first handshake
 * to complete and pass every check wins; the others are closed.  0 tries
 * the addresses one after another, each until it fails.  Default: 250 ms,
 * as the RFC suggests.
 */
QGET_API void qget_config_set_attempt_delay(qget_config *cfg, uint64_t ms);

/*
 * As curl's --resolve and --connect-to: the UDP packets go to `host`
 * (a name or an IP literal; NULL: the host given to qget_conn_open()) and
 * `port` (NULL: qget_conn_open()'s), while SNI, certificate verification,
 * the session cache and the requests' authority keep using the host and
 * port given to qget_conn_open().  NULL, NULL undoes it.  QGET_E_USAGE for
 * an empty string or a port that is not 1..65535.
 */
QGET_API qget_status qget_config_set_connect_to(qget_config *cfg,
    const char *host, const char *port);

/*
 * Called with the connection's SSL_CTX (an `SSL_CTX *`, passed as void *
 * so that this header needs none of OpenSSL's) after qget configured it
 * and before any handshake uses it: the place for what qget does not wrap
 * (client certificates, key exchange groups, a verify callback of one's
 * own).  Called once per qget_conn_open(): every attempt to the host's
 * addresses shares that SSL_CTX.  A non-zero return fails
 * qget_conn_open() with QGET_E_FAILURE.  Loosening verification here is
 * the caller's decision and responsibility; qget still checks the verify
 * result and host name unless qget_config_set_insecure() was set.
 */
typedef int (*qget_ssl_ctx_cb)(void *arg, void *ssl_ctx);
QGET_API void qget_config_set_ssl_ctx_cb(qget_config *cfg,
    qget_ssl_ctx_cb cb, void *arg);

/*
 * UDP segmentation offload (Linux), on by default: the connection's
 * socket sends each run of equal-sized datagrams as one message
 * (UDP_SEGMENT, GSO) and takes what the kernel coalesced in one buffer
 * (UDP_GRO, GRO), many datagrams per system call where OpenSSL would
 * otherwise make the kernel handle each one.  A kernel that refuses
 * either gets the plain path (sendmmsg, recvmmsg), as does every
 * connection with `on` 0, and every connection while the environment
 * variable QGET_NO_GSO is set to anything but "" or "0" (compared as
 * text: "false" turns it off too).  What goes on the wire is the same
 * datagrams either way.  The log callback says which
 * path a connection takes ("udp: GSO sends and GRO receives on", "udp:
 * plain sendmmsg/recvmmsg (--no-gso)", "udp: GSO off: the kernel refused
 * UDP_SEGMENT (reason)") and, when the connection is freed, how many
 * datagrams its sends and receives carried.
 */
QGET_API void qget_config_set_gso(qget_config *cfg, int on);

/*
 * For a program with its own poll() loop: the connection's UDP socket
 * (wait for POLLIN on it; -1 for a NULL connection), and in *ms the time
 * until the connection's next timer, rounded up to a millisecond (-1:
 * none; QGET_E_USAGE for a NULL connection).  When either fires, call
 * qget_conn_poll() with timeout 0: it processes what arrived and reports
 * the events.  Ask for the timeout again after each call: it moves.  Never
 * read from or write to the socket.  *ms is 0 while datagrams that one
 * coalesced receive (UDP GRO) brought wait in the library for the next
 * call, or when OpenSSL took datagrams after the library last looked at
 * what is ready: the socket does not show them, so call again at once
 * rather than poll().
 */
QGET_API int qget_conn_get_fd(const qget_conn *c);
/* The connection's QUIC connection object, an `SSL *` (NULL for a NULL
 * connection or before a handshake completed), for what qget does not
 * report itself: the peer's certificate chain, negotiated values.  It
 * stays the connection's: do not free it, and do not read, write or shut
 * it down. */
QGET_API void *qget_conn_get_ssl(const qget_conn *c);
QGET_API qget_status qget_conn_get_timeout(qget_conn *c, int64_t *ms);

/*
 * (1.4) Asks for one QUIC key update (RFC 9001 section 6): from then on
 * the connection sends with the next generation of 1-RTT keys, flips the
 * key phase bit, and the peer answers in kind.  Interop tests ask for it;
 * a transfer never needs it (OpenSSL updates by itself long before a key
 * wears out).  RFC 9001 allows it only once the handshake is confirmed
 * (the client has the server's HANDSHAKE_DONE), which is often a moment
 * after qget_conn_open() returns, and only one at a time: until then the
 * update waits, and the library performs it in the first of its calls on
 * the connection that processes events (qget_conn_poll() and the other
 * calls of requests, a stream's read, write or pump, qget_conn_wait())
 * once OpenSSL allows it.  The log callback then says "key update initiated".  Asking again
 * while one waits adds nothing.  Returns QGET_OK (done or waiting),
 * QGET_E_USAGE for a NULL connection, QGET_E_CONN_CLOSED for one that is
 * closing or closed.
 */
QGET_API qget_status qget_conn_key_update(qget_conn *c);

/* ---- HTTP: requests and responses -------------------------------------- */

/*
 * Why this shape.  libcurl's easy interface (curl_easy_perform) shows that
 * most programs want one call: a URL in, a body and a status out; that is
 * qget_fetch().  Programs that keep a connection and run several requests
 * at once need more, and there the models differ: libcurl's multi
 * interface pushes data into per-transfer callbacks, quiche's
 * h3::Connection::poll() returns one event at a time (Headers, Data,
 * Finished, Reset, GoAway) and lets the program pull the body, and
 * nghttp3 calls back into the program from inside its parser.  qget
 * follows quiche: qget_conn_poll() reports events, the program pulls the
 * body with qget_request_read() when it wants it.  Pulling keeps QUIC's
 * flow control honest (a request whose body is not read stops being
 * read from the network, so memory stays bounded), needs no callbacks
 * that may not re-enter the library, and lets a blocking program simply
 * read a request's body as it would a socket.
 *
 * One interface, three protocols: the ALPN the server selected decides
 * how requests go on the wire:
 *   "h3"          HTTP/3 (RFC 9114) through nghttp3;
 *   "http/1.0"    an HTTP/1.0 request per QUIC stream, the response's end
 *                 is the stream's FIN (as the seed tutorial does);
 *   "hq-interop"  HTTP/0.9 per stream ("GET /path"), as QUIC interop
 *                 runners use it: no method other than GET, no request
 *                 headers, no status and no response header fields.  Such
 *                 a response reports version "HTTP/0.9" and status 0: the
 *                 library says there is none rather than inventing one.
 *
 * A request's failure (a malformed or truncated response, a reset) is
 * its own: the other requests on the connection go on unless the
 * protocol says the connection is gone.
 */

typedef struct qget_request qget_request;

/* qget_conn_poll()'s events, as bits of qget_event.what. */
#define QGET_EV_HEAD     0x01u /* the final response head is complete:
				  status and fields can be read */
#define QGET_EV_DATA     0x02u /* body bytes are buffered: one
				  qget_request_read() returns them without
				  blocking */
#define QGET_EV_END      0x04u /* the response is complete and checked
				  (length, framing): the rest reads without
				  blocking, then read returns 0 */
#define QGET_EV_RESET    0x08u /* the server reset the request's stream:
				  qget_request_status() has the code */
#define QGET_EV_REFUSED  0x10u /* the server did not process it (past
				  its GOAWAY, or H3_REQUEST_REJECTED before
				  any response): QGET_E_REFUSED */
#define QGET_EV_FAILED   0x20u /* any other failure of this request:
				  qget_request_status() says which */
#define QGET_EV_GOAWAY   0x40u /* connection event (req NULL): the server
				  is going away; new requests are refused */
/* The events after which a request is over (it stays readable). */
#define QGET_EV_DONE (QGET_EV_END | QGET_EV_RESET | QGET_EV_REFUSED | \
	QGET_EV_FAILED)

typedef struct qget_event {
	qget_request *req; /* NULL for connection events */
	unsigned what;     /* QGET_EV_* bits that happened since last time */
} qget_event;

/*
 * A request on an open connection.  `method` ("GET", "HEAD", "POST", any
 * token) and `path` (starting with '/', or "*"; no control bytes or
 * spaces) are validated and copied.  The authority defaults to the host and
 * port the connection was opened with.  The request is not sent until
 * qget_request_send().  Errors: QGET_E_USAGE (with the reason), QGET_E_NOMEM.
 * hq-interop takes only GET and no headers: QGET_E_USAGE at send.
 */
QGET_API qget_status qget_request_new(qget_request **out, qget_conn *c,
    const char *method, const char *path, qget_error *err);

/* The :authority (HTTP/3) or Host header (HTTP/1.0), e.g. "example.com" or
 * "[::1]:4433".  QGET_E_USAGE for an empty or malformed authority. */
QGET_API qget_status qget_request_set_authority(qget_request *r,
    const char *authority, qget_error *err);

/*
 * Adds a request header field.  The name must be an HTTP token (HTTP/3
 * sends it lowercased) and not a pseudo-header or a connection-specific
 * field (Connection, Transfer-Encoding, ...); the value may not contain
 * CR, LF or NUL and is sent with surrounding blanks stripped.  A
 * "user-agent" field replaces qget's default.  QGET_E_USAGE with the
 * reason when invalid, also when the fields exceed 64 KiB.
 */
QGET_API qget_status qget_request_add_header(qget_request *r,
    const char *name, const char *value, qget_error *err);

/* A request body, at most one of the three.  The length is sent as
 * Content-Length when known (a buffer, a regular file); over HTTP/1.0 a
 * body of unknown length ends with the stream (its FIN). */
/* `len` bytes at `buf`, which must stay valid until the request is over
 * (not copied). */
QGET_API qget_status qget_request_set_body(qget_request *r, const void *buf,
    size_t len, qget_error *err);
/* Read from `fd` until its EOF, as the stream takes the bytes (the fd is
 * not closed).  A regular file's remaining size is its Content-Length.
 * Reads block: a pipe that stalls stalls the connection. */
QGET_API qget_status qget_request_set_body_fd(qget_request *r, int fd,
    qget_error *err);
/* Called for the next bytes: store up to cap bytes in buf and return
 * their number, 0 at the end, -1 to abort the request (QGET_E_FAILURE).
 * `length`: the body's size when known (Content-Length), -1 when not. */
typedef long (*qget_read_cb)(void *arg, void *buf, size_t cap);
QGET_API qget_status qget_request_set_body_cb(qget_request *r,
    qget_read_cb cb, void *arg, int64_t length, qget_error *err);

/*
 * Sends the request: opens its stream when the server's stream limit
 * allows, now or in a later qget_conn_poll() (requests go out in the
 * order they were sent), and writes the head and the body as flow
 * control allows.  Does not block, and reads nothing: what the server
 * sent is reported by qget_conn_poll() and qget_request_read(), in order
 * (a connection that closed after answering earlier requests fails this
 * one there, not here).  After this the request can only be polled,
 * read, cancelled and freed.  Errors: QGET_E_USAGE (sent twice; a
 * method, header or body the protocol cannot carry), QGET_E_NOMEM,
 * QGET_E_REFUSED (after the server's GOAWAY was read), the connection's
 * failure when one is already known.
 */
QGET_API qget_status qget_request_send(qget_request *r, qget_error *err);

/*
 * Waits, at most `timeout_ms` milliseconds (-1: until something happens;
 * 0: only process what arrived), for events on the connection's requests,
 * and stores up to `cap` of them in evs, one per request, in *n.  QGET_OK
 * with *n == 0 means the timeout passed.  Events not returned (cap too
 * small) are kept for the next call; QGET_EV_DATA is reported again while
 * a request has unread body bytes.  Returns the connection's failure
 * (QGET_E_CONN_CLOSED, QGET_E_IDLE_TIMEOUT, QGET_E_TIMEOUT for the
 * configured time limit, QGET_E_INTERRUPTED, QGET_E_PROTOCOL for an
 * HTTP/3 connection error); the requests still open have then failed
 * with it, without an event each.  What ended before the failure comes
 * first: a call that finds both returns those events (QGET_OK), and the
 * failure comes with the next call and every later one.
 */
QGET_API qget_status qget_conn_poll(qget_conn *c, qget_event *evs,
    size_t cap, size_t *n, int timeout_ms, qget_error *err);

/*
 * Reads up to `cap` bytes of the response body (decoded: HTTP/1.1's
 * chunked framing and HTTP/3's frames removed) into buf.  Blocks until
 * there is at least one byte, the end, or a failure (processing the
 * connection meanwhile; other requests' events are kept for
 * qget_conn_poll()).  *nread = 0 with QGET_OK: the response is complete
 * and checked against its Content-Length.  Errors: the request's failure
 * (QGET_E_TRUNCATED, QGET_E_STREAM_RESET with err->code, QGET_E_PROTOCOL,
 * QGET_E_REFUSED, ...), or the connection's.
 */
QGET_API qget_status qget_request_read(qget_request *r, void *buf,
    size_t cap, size_t *nread, qget_error *err);

/* Blocks until the response head is complete (or the response ended or
 * failed), like qget_request_read() does for body bytes. */
QGET_API qget_status qget_request_wait_head(qget_request *r,
    qget_error *err);

/* The request's outcome so far: QGET_OK while it runs and once it
 * completed; its failure otherwise, with detail in err (may be NULL). */
QGET_API qget_status qget_request_status(const qget_request *r,
    qget_error *err);

/*
 * Cancels the request alone: its stream is reset (HTTP/3:
 * H3_REQUEST_CANCELLED, otherwise QGET_APP_ERROR), nothing more of it is
 * read, and when it is freed the server is told to stop sending
 * (STOP_SENDING: OpenSSL 3.5 sends it when a stream is freed, and has no
 * call to send it earlier); other requests are not touched.  Its status
 * becomes QGET_E_INTERRUPTED ("cancelled").  Cancelling an ended request
 * does nothing.
 */
QGET_API void qget_request_cancel(qget_request *r);

/* Frees the request, cancelling it if it is not over.  NULL is allowed.
 * Requests must be freed before their connection. */
QGET_API void qget_request_del(qget_request *r);

/* The final status code (100..599; 200), 0 before the head is complete
 * and for responses without one (hq-interop, HTTP/0.9). */
QGET_API int qget_response_status(const qget_request *r);
/* "HTTP/3", "HTTP/1.1", "HTTP/1.0" or "HTTP/0.9" (no head); "" before the
 * head. */
QGET_API const char *qget_response_version(const qget_request *r);
/* The number of header fields of the final response. */
QGET_API size_t qget_response_field_count(const qget_request *r);
/*
 * The i-th field (0-based), in the order received: name (HTTP/3:
 * lowercase) and value, as the peer sent them (escape them before
 * printing).  The pointers live as long as the request.  QGET_E_USAGE
 * when i is out of range.
 */
QGET_API qget_status qget_response_field(const qget_request *r, size_t i,
    const char **name, size_t *namelen, const char **value,
    size_t *valuelen);
/* The first field named `name` (compared without case): its value, or
 * NULL when there is none. */
QGET_API const char *qget_response_header(const qget_request *r,
    const char *name, size_t *valuelen);
/*
 * The response head as text, for printing it as curl -i does: HTTP/1.x's
 * bytes as received; for HTTP/3 lines "HTTP/3 200" and "name: value",
 * each ending in CRLF, then an empty line, with every interim (1xx) head
 * before the final one.  Empty for HTTP/0.9.
 */
QGET_API qget_status qget_response_head(const qget_request *r,
    const char **text, size_t *len);

typedef struct qget_request_info {
	size_t size;             /* set to sizeof(qget_request_info) */
	uint64_t stream_id;      /* UINT64_MAX before the stream is open */
	uint64_t body_received;  /* decoded body bytes read off the wire */
	uint64_t body_sent;      /* request body bytes written */
	uint64_t bytes_received; /* stream bytes, framing included */
	uint64_t bytes_sent;
	int has_length;          /* the response announced a length */
	uint64_t content_length;
	uint64_t time_sent_us;   /* from qget_request_send() to the request's
				    head on the stream (queued: waits for
				    stream credit) */
	uint64_t time_head_us;   /* from send to the final head, 0 before */
	uint64_t time_first_byte_us; /* from send to the first body byte */
	uint64_t time_end_us;    /* from send to the end, 0 before */
} qget_request_info;

/* Fills `out` (whose .size the caller set).  QGET_E_USAGE for a size
 * smaller than this version's first struct. */
QGET_API qget_status qget_request_get_info(const qget_request *r,
    qget_request_info *out);

/* A pointer of the program's, kept with the request. */
QGET_API void qget_request_set_user(qget_request *r, void *user);
QGET_API void *qget_request_get_user(const qget_request *r);

/* The application error code to close the connection with after a
 * normal end: H3_NO_ERROR (0x100) over HTTP/3, 0 otherwise. */
QGET_API uint64_t qget_conn_app_no_error(const qget_conn *c);

/* ---- One call for the common case ---------------------------------------*/

/* Where qget_fetch() puts the body: return 0 to go on, non-zero to stop
 * (QGET_E_OUTPUT). */
typedef int (*qget_write_cb)(void *arg, const void *data, size_t len);

typedef struct qget_result {
	size_t size;            /* set to sizeof(qget_result): a later
				   library fills only what the caller's
				   struct has */
	int http_status;        /* 0 when the protocol has none */
	char version[16];       /* "HTTP/3", ... as qget_response_version */
	char alpn[64];          /* the negotiated ALPN */
	char peer_addr[64];     /* "127.0.0.1:4433" */
	uint64_t body_bytes;    /* bytes handed to the output */
	uint64_t time_connect_us;     /* resolve + handshake */
	uint64_t time_first_byte_us;  /* from the start to the first byte */
	uint64_t time_total_us;       /* from the start to the close */
} qget_result;

/*
 * GET `url` ("https://host[:port]/path"; port 443 by default; an IPv6
 * address in brackets) and hand its body to `cb` (with `fd` >= 0 and cb
 * NULL: write it to fd).  With cfg NULL, the defaults and ALPN
 * "h3,http/1.0"; a cfg whose ALPN was never set offers the same.  Opens
 * the connection, sends the request, reads the response to its checked
 * end, closes.  A status of 400 or more is not a failure (see
 * res->http_status).  `res` (may be NULL) is filled also on failure, as
 * far as the transfer got.  Errors: those of qget_conn_open() and
 * qget_request_read(), QGET_E_USAGE for a URL qget cannot take,
 * QGET_E_OUTPUT when the callback or the write failed.
 */
QGET_API qget_status qget_fetch(const char *url, const qget_config *cfg,
    int fd, qget_write_cb cb, void *arg, qget_result *res, qget_error *err);

/* The library's version as QGET_VERSION_NUM of the build it runs. */
QGET_API unsigned long qget_version_num(void);

/* The library's version, QGET_VERSION of the build ("1.0.0"). */
QGET_API const char *qget_version_str(void);
/* The OpenSSL that runs underneath, e.g. "OpenSSL 3.5.7 1 Jul 2026". */
QGET_API const char *qget_openssl_version_str(void);
/* The nghttp3 that carries HTTP/3, e.g. "1.15.0". */
QGET_API const char *qget_nghttp3_version_str(void);

#ifdef __cplusplus
}
#endif
#endif /* QGET_H */
