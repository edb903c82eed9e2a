/*
 * Internals of libqget, shared between its files.  Nothing here is part of
 * the public API; internal names carry the qget__ prefix.
 */
#ifndef QGET_INTERNAL_H
#define QGET_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "qget.h"

struct qget_config {
	unsigned char *alpn_wire; /* length-prefixed, as SSL_set_alpn_protos wants */
	size_t alpn_len;
	qget_family family;
	char *cafile;
	char *capath;
	int insecure;
	uint64_t connect_timeout_ms;
	uint64_t idle_timeout_ms;
	uint64_t max_time_ms;
	char *keylog;
	char *ciphers;
	unsigned char *session; /* DER SSL_SESSION to resume */
	size_t session_len;
	unsigned char (*pins)[32]; /* SHA-256 digests of accepted keys */
	size_t npins;
	qget_log_cb log;
	void *log_arg;
	const volatile sig_atomic_t *cancel;
	int alpn_set;             /* qget_config_set_alpn was called */
	char *local;              /* IP literal or interface name, or NULL */
	unsigned local_port_min;  /* 0: the kernel picks */
	unsigned local_port_max;
	uint64_t attempt_delay_ms; /* happy eyeballs; 0: one after another */
	qget_ssl_ctx_cb ssl_ctx_cb;
	void *ssl_ctx_arg;
	char *connect_host;       /* --connect-to: where packets go, or NULL */
	char *connect_port;
	int no_gso;               /* qget_config_set_gso(cfg, 0) */
};

/* Feeds the connection's BIO when qget would otherwise wait on a socket
 * (the fuzzer's way in): returns 0 when it did something, -1 when it has
 * nothing more, which ends the wait as QGET_E_TIMEOUT. */
typedef int (*qget__pump_fn)(void *arg);

struct qget_conn {
	struct qget_config cfg;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;                 /* -1 with a pump instead of a socket */
	int family;             /* the socket's address family */
	qget__pump_fn pump;
	void *pump_arg;
	uint64_t deadline_us; /* monotonic; 0 when there is no time limit */
	FILE *keylog;
	int in_handshake;
	char peer_addr[64];
	char alpn[256];
	SSL_SESSION *ticket; /* the newest session the server sent */
	char *peer_subject;
	char *peer_issuer;
	const char *verify;
	uint64_t handshake_us;
	uint64_t resolve_us;    /* qget_conn_open(): the name lookup */
	uint64_t open_us;       /* qget_conn_open(): start to connected */
	char *host;          /* as given: verified against, binds sessions */
	char *port;
	char *trust;         /* the trust store, as a session's binding says */
	int verified;        /* the handshake passed every check */
	/* When we end the connection ourselves after a failed check: the
	 * application error code and reason the peer is told. */
	int refuse;
	const char *refuse_reason;
	struct qget__http *http; /* the request layer (req.h), or NULL */
	/* While the addresses race: every attempt, for the ticket callback
	 * (a ticket may arrive while another attempt is c->ssl). */
	struct qget__attempt *attempts;
	size_t nattempts;
	int key_update;      /* qget_conn_key_update() waits for OpenSSL */
};

/* One handshake to one of the host's addresses (conn.c races them); the
 * winner's fields move into its qget_conn. */
struct qget__attempt {
	SSL *ssl;               /* NULL once over */
	int fd;
	int family;
	char peer_addr[64];
	uint64_t start_us;
	uint64_t budget_us;     /* when its handshake budget runs out */
	uint64_t note_us;       /* when the log says next that it waits */
	int refused;            /* qget__wait_attempts saw ICMP port unreachable */
	SSL_SESSION *ticket;    /* the newest its server sent */
};

struct qget_stream {
	qget_conn *conn;
	SSL *ssl;
	uint64_t nread;
	uint64_t nwritten;
	int concluded;
};

/*
 * qget_conn_open() over caller-made datagram BIOs (taken over, also on
 * failure) and a peer address, with no resolution and no socket: `pump`
 * runs whenever qget would wait.  For the fuzz target that feeds a
 * connection hostile datagrams through BIO_s_dgram_mem.
 */
qget_status qget__conn_open_bio(qget_conn **out, const char *host,
    BIO *rbio, BIO *wbio, const BIO_ADDR *peer, const qget_config *cfg,
    qget__pump_fn pump, void *pump_arg, qget_error *err);

/* Monotonic clock in microseconds. */
uint64_t qget__now_us(void);

/* Copies src into dst (deep); dst must be zeroed. */
qget_status qget__config_copy(struct qget_config *dst,
    const struct qget_config *src);
void qget__config_clear(struct qget_config *cfg);

/* printf into err->detail and set err->status; returns status.  err may be
 * NULL. */
qget_status qget__fail(qget_error *err, qget_status status, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
void qget__error_clear(qget_error *err);

/* The one place where OpenSSL's state after a failed call on `s` (the
 * connection or one of its streams) is turned into a status and detail:
 * stream reset, connection close info, verify result, error queue.  `op`
 * names what failed ("handshake", "read"). */
qget_status qget__ssl_fail(qget_conn *c, SSL *s, const char *op,
    qget_error *err);

/* Whether the server's first handshake bytes reached the TLS client of
 * this connection (its state has moved past the ClientHello). */
int qget__answered(const SSL *ssl);

/* Blocks until OpenSSL may make progress on c (socket readable/writable as
 * it wants, or its timer fires), then lets it process events.  Returns
 * QGET_OK, QGET_E_TIMEOUT when `deadline_us` (0: none) passed,
 * QGET_E_INTERRUPTED when the cancel flag was raised, or QGET_E_CONNECT when
 * the kernel reported the peer's port unreachable during the handshake. */
qget_status qget__wait(qget_conn *c, uint64_t deadline_us, qget_error *err);
/* The same, also returning when `fd` is readable (or at EOF or error):
 * then *fd_ready is 1. */
qget_status qget__wait_fd(qget_conn *c, uint64_t deadline_us, int fd,
    int *fd_ready, qget_error *err);

/* The work a connection has after OpenSSL processed its events: a key
 * update qget_conn_key_update() asked for, once OpenSSL allows it.
 * Cheap when there is none: call it after every turn. */
void qget__conn_after_events(qget_conn *c);

/* SSL_handle_events(), and more turns while the socket BIO still holds
 * datagrams of a coalesced receive that poll() cannot see (udpio.h). */
void qget__handle_events(SSL *ssl);

/* qget__wait() over every attempt still in the race: returns QGET_OK when
 * one of them may make progress (each has had its events handled; one the
 * kernel reported refused gets `refused` set instead) or at `wake_us`
 * (0: none); the errors of qget__wait() otherwise. */
qget_status qget__wait_attempts(qget_conn *c, struct qget__attempt *a,
    size_t n, uint64_t deadline_us, uint64_t wake_us, qget_error *err);

/* trust.c: loads the trust store verification uses into c->ctx and
 * records it (c->trust); QGET_E_USAGE for a --cacert/--capath that is not
 * there. */
qget_status qget__load_trust(qget_conn *c, qget_error *err);
/* After every handshake that is not insecure: the verify result, and the
 * certificate's match of the host, which a resumed session skips. */
qget_status qget__verify_peer(qget_conn *c, qget_error *err);
/* Offers cfg's saved session when it is bound to what c verifies. */
void qget__session_offer(qget_conn *c);
/* The newest ticket with its binding (QGET_E_USAGE when unverified). */
qget_status qget__session_save(qget_conn *c, unsigned char **out,
    size_t *outlen);

/* The peer's words, made safe for a terminal: control characters, DEL
 * and bytes past ASCII as \xNN, so that a detail string never carries an
 * escape sequence.  The backslash stays, as in the tool's escaping (which
 * may run over this again without changing it).  Writes at most cap bytes
 * with the NUL; returns how many bytes of `in` it took. */
size_t qget__escape_text(char *out, size_t cap, const char *in, size_t n);

/* The ALPN protocols cfg offers, "h3, http/1.0", escaped and bounded. */
void qget__alpn_offered(const struct qget_config *cfg, char *out,
    size_t cap);

/* cert.c: after verification failed with `vr` on ssl (an attempt of c):
 * X509's reason, and what the server's certificate holds: the date it is
 * out of, the names it is for on a name mismatch, its subject and
 * issuer.  Escaped and bounded by cap. */
void qget__verify_text(const qget_conn *c, SSL *ssl, long vr, char *out,
    size_t cap);
/* To the log, when there is one: the server's certificate (subject,
 * issuer, names, validity), and why verification failed when vr is not
 * X509_V_OK. */
void qget__cert_log(const qget_conn *c, SSL *ssl, long vr);

/* a * b for durations, saturated instead of wrapping. */
uint64_t qget__mul_sat(uint64_t a, uint64_t b);
/* now + ms as a deadline in microseconds, saturated. */
uint64_t qget__deadline_us(uint64_t now_us, uint64_t ms);

/* printf to the config's log callback, if any. */
void qget__log(const struct qget_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
