/*
 * Connection set-up and tear-down: the sequence of
 * ossl-guide-quic-client-block(7), run in non-blocking mode under
 * qget__wait(), with the resolved addresses raced as RFC 8305 (happy
 * eyeballs) says: each attempt its own socket and SSL object over the one
 * SSL_CTX, the next started while the earlier ones still handshake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/quic.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "req.h"
#include "udpio.h"

/* How long a refused server's handshake may take to settle before we
 * close (see refuse()). */
#define REFUSE_SETTLE_MS 100

/* How long one address may take to answer when no idle timeout is set:
 * OpenSSL's default idle timeout. */
#define DEFAULT_HANDSHAKE_MS 30000

/* How often the log says that an address has not answered yet. */
#define NOTE_WAIT_MS 1000

static void
keylog_cb(const SSL *ssl, const char *line)
{
	qget_conn *c = SSL_get_app_data(ssl);

	if (c != NULL && c->keylog != NULL) {
		fputs(line, c->keylog);
		fputc('\n', c->keylog);
		fflush(c->keylog);
	}
}

/* Keeps the newest ticket: TLS 1.3 servers may send several, later ones
 * being as good as earlier ones. */
static int
new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	qget_conn *c = SSL_get_app_data(ssl);
	SSL_SESSION **slot = NULL;

	if (c == NULL)
		return 0;
	/* During the race, each attempt keeps its own: the winner's
	 * becomes the connection's, the losers' go with them. */
	for (size_t i = 0; c->attempts != NULL && i < c->nattempts; i++)
		if (c->attempts[i].ssl == ssl)
			slot = &c->attempts[i].ticket;
	if (slot == NULL && c->attempts == NULL && ssl == c->ssl)
		slot = &c->ticket;
	if (slot == NULL)
		return 0;
	SSL_SESSION_free(*slot);
	*slot = sess;
	return 1; /* we keep the reference */
}

static int
is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

static qget_status
make_ctx(qget_conn *c, qget_error *err)
{
	qget_status rv = QGET_E_FAILURE;
	int fd = -1;

	if ((c->ctx = SSL_CTX_new(OSSL_QUIC_client_method())) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "SSL_CTX_new failed");
		goto out;
	}
	SSL_CTX_set_verify(c->ctx, c->cfg.insecure ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	if ((rv = qget__load_trust(c, err)) != QGET_OK)
		goto out;
	rv = QGET_E_FAILURE;
	if (c->cfg.ciphers != NULL &&
	    !SSL_CTX_set_ciphersuites(c->ctx, c->cfg.ciphers)) {
		ERR_clear_error();
		rv = qget__fail(err, QGET_E_USAGE, "cipher suites '%s' refused",
		    c->cfg.ciphers);
		goto out;
	}
	/* Client-side caching only through the callback: the context lives
	 * as long as this one connection. */
	SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(c->ctx, new_session_cb);
	if (c->cfg.keylog != NULL) {
		/* Secrets: readable by the owner only, appended to, and never
		 * through a symlink that someone else planted. */
		if ((fd = open(c->cfg.keylog, O_WRONLY | O_APPEND | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
		    (c->keylog = fdopen(fd, "a")) == NULL) {
			rv = qget__fail(err, QGET_E_OUTPUT,
			    "cannot open key log file %s: %s", c->cfg.keylog,
			    strerror(errno));
			goto out;
		}
		fd = -1;
		SSL_CTX_set_keylog_callback(c->ctx, keylog_cb);
	}
	rv = QGET_OK;
out:
	if (fd != -1)
		close(fd);
	return rv;
}

static void
format_addr(const BIO_ADDR *addr, char *buf, size_t len)
{
	char *host = BIO_ADDR_hostname_string(addr, 1);
	char *serv = BIO_ADDR_service_string(addr, 1);

	if (BIO_ADDR_family(addr) == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host ? host : "?",
		    serv ? serv : "?");
	else
		snprintf(buf, len, "%s:%s", host ? host : "?",
		    serv ? serv : "?");
	OPENSSL_free(host);
	OPENSSL_free(serv);
}

static char *
name_oneline(const X509_NAME *name)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *out = NULL, *data;
	long n;

	if (mem == NULL)
		return NULL;
	if (X509_NAME_print_ex(mem, name, 0, XN_FLAG_ONELINE) >= 0 &&
	    (n = BIO_get_mem_data(mem, &data)) >= 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(mem);
	return out;
}

/* curl's --pinnedpubkey check: SHA-256 of the DER SubjectPublicKeyInfo. */
static qget_status
check_pins(qget_conn *c, qget_error *err)
{
	unsigned char *der = NULL, digest[32];
	X509 *cert = NULL;
	qget_status rv;
	size_t i;
	int len;

	if (c->cfg.npins == 0)
		return QGET_OK;
	if ((cert = SSL_get1_peer_certificate(c->ssl)) == NULL ||
	    (len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der)) <= 0 ||
	    !EVP_Digest(der, (size_t)len, digest, NULL, EVP_sha256(), NULL)) {
		rv = qget__fail(err, QGET_E_VERIFY, "handshake with %s: cannot "
		    "read the server's public key to check the pin",
		    c->peer_addr);
		goto out;
	}
	rv = qget__fail(err, QGET_E_VERIFY, "handshake with %s: the server's "
	    "public key matches no pinned key (--pinnedpubkey)",
	    c->peer_addr);
	for (i = 0; i < c->cfg.npins; i++) {
		if (CRYPTO_memcmp(digest, c->cfg.pins[i], sizeof(digest)) == 0) {
			qget__error_clear(err);
			rv = QGET_OK;
			break;
		}
	}
out:
	OPENSSL_free(der);
	X509_free(cert);
	ERR_clear_error();
	return rv;
}

static void
record_peer(qget_conn *c)
{
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;
	X509 *cert;

	SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
	snprintf(c->alpn, sizeof(c->alpn), "%.*s", (int)alpn_len,
	    alpn ? (const char *)alpn : "");
	if ((cert = SSL_get1_peer_certificate(c->ssl)) != NULL) {
		c->peer_subject = name_oneline(X509_get_subject_name(cert));
		c->peer_issuer = name_oneline(X509_get_issuer_name(cert));
		X509_free(cert);
	}
	c->verify = c->cfg.insecure ? "skipped (insecure)" : "ok";
}

/* We end a connection whose server failed a check of ours with an error
 * code, not "no error": HTTP/3's H3_INTERNAL_ERROR, or 1 (protocols
 * without codes of their own). */
static void
refuse(qget_conn *c, const char *reason)
{
	uint64_t until = qget__deadline_us(qget__now_us(), REFUSE_SETTLE_MS);
	int i;

	c->refuse = 1;
	c->refuse_reason = reason;
	/* Our handshake is done, but the server's may not be confirmed
	 * yet: a CONNECTION_CLOSE sent now goes out in Handshake packets
	 * only, as a bare APPLICATION_ERROR (RFC 9000 §10.2.3), which a
	 * server that has dropped its Handshake keys never reads.  Letting
	 * its HANDSHAKE_DONE in first (one round trip, bounded) puts our
	 * close with its code and reason into a 1-RTT packet. */
	for (i = 0; i < 4 && qget__now_us() < until; i++)
		if (qget__wait(c, until, NULL) != QGET_OK)
			break;
}

/* Creates c->ssl over the network BIOs (which it takes over, also on
 * failure) and sets it up as ossl-guide-quic-client-block(7) does. */
static qget_status
setup_ssl(qget_conn *c, const char *host, BIO *rbio, BIO *wbio,
    const BIO_ADDR *addr, qget_error *err)
{
	qget_status rv;

	if ((c->ssl = SSL_new(c->ctx)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "SSL_new failed");
		goto out;
	}
	/* A transport parameter: it must be requested before the handshake
	 * (and as a FEATURE_REQUEST: the GENERIC class is refused). */
	if (c->cfg.idle_timeout_ms != 0 &&
	    !SSL_set_value_uint(c->ssl, SSL_VALUE_CLASS_FEATURE_REQUEST,
		SSL_VALUE_QUIC_IDLE_TIMEOUT, c->cfg.idle_timeout_ms)) {
		rv = qget__fail(err, QGET_E_USAGE,
		    "idle timeout of %" PRIu64 " ms refused",
		    c->cfg.idle_timeout_ms);
		goto out;
	}
	SSL_set_bio(c->ssl, rbio, wbio);
	rbio = wbio = NULL;
	SSL_set_app_data(c->ssl, c);
	if (!SSL_set_blocking_mode(c->ssl, 0) ||
	    !SSL_set_default_stream_mode(c->ssl,
		SSL_DEFAULT_STREAM_MODE_NONE)) {
		rv = qget__fail(err, QGET_E_FAILURE, "cannot configure QUIC");
		goto out;
	}
	/* RFC 6066 forbids IP literals in SNI; verify the IP SAN instead. */
	if (is_ip_literal(host)) {
		if (!c->cfg.insecure && !X509_VERIFY_PARAM_set1_ip_asc(
		    SSL_get0_param(c->ssl), host)) {
			rv = qget__fail(err, QGET_E_FAILURE,
			    "cannot verify IP %s", host);
			goto out;
		}
	} else {
		if (!SSL_set_tlsext_host_name(c->ssl, host) ||
		    (!c->cfg.insecure && !SSL_set1_host(c->ssl, host))) {
			rv = qget__fail(err, QGET_E_FAILURE,
			    "cannot set host name %s", host);
			goto out;
		}
	}
	/* SSL_set_alpn_protos returns 0 for success! */
	if (SSL_set_alpn_protos(c->ssl, c->cfg.alpn_wire,
	    (unsigned int)c->cfg.alpn_len) != 0) {
		rv = qget__fail(err, QGET_E_FAILURE, "cannot set ALPN");
		goto out;
	}
	if (!SSL_set1_initial_peer_addr(c->ssl, addr)) {
		rv = qget__fail(err, QGET_E_FAILURE,
		    "cannot set the peer address");
		goto out;
	}
	qget__session_offer(c);
	rv = QGET_OK;
out:
	BIO_free(rbio);
	if (wbio != rbio)
		BIO_free(wbio);
	return rv;
}

/*
 * ICMP is unauthenticated (RFC 9000 §14.2: an endpoint must not end a
 * connection on it alone).  During the handshake a port unreachable is
 * the quick, useful answer "no QUIC server there", and nothing is at stake
 * yet; after it, one forged datagram would end a healthy transfer (OpenSSL
 * treats the socket's ECONNREFUSED as fatal), so the socket stops taking
 * them: an unconnected UDP socket without IP_RECVERR is told of none, and
 * a dead peer is found by the idle timeout instead.  Turning IP_RECVERR
 * off purges the error queue; reading SO_ERROR clears what was pending.
 */
static void
icmp_errors(int fd, int family, int on)
{
	int soerr;
	socklen_t len = sizeof(soerr);

	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
		    sizeof(on));
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	if (!on)
		(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
}

/* Did the server answer?  Once a handshake's ServerHello is in, the TLS
 * client has left the state in which it sent its ClientHello. */
int
qget__answered(const SSL *ssl)
{
	OSSL_HANDSHAKE_STATE st = SSL_get_state(ssl);

	return st != TLS_ST_BEFORE && st != TLS_ST_CW_CLNT_HELLO;
}

/* Seconds since `since_us`, for messages. */
static double
waited_s(uint64_t since_us)
{
	return (double)(qget__now_us() - since_us) / 1e6;
}

/* How long one address may take to complete its handshake. */
static uint64_t
handshake_budget_ms(const qget_conn *c)
{
	/* OpenSSL's idle timer runs during the handshake too, but at its
	 * default of 30 s whatever we request (the request takes effect
	 * with the server's transport parameters), so the address gets its
	 * own budget as well. */
	return c->cfg.idle_timeout_ms ? c->cfg.idle_timeout_ms :
	    DEFAULT_HANDSHAKE_MS;
}

/* After SSL_connect succeeded on c->ssl: every check of ours.  A server
 * that fails one is refused (c->refuse). */
static qget_status
handshake_done(qget_conn *c, uint64_t start_us, qget_error *err)
{
	char offered[200];
	qget_status rv;

	c->handshake_us = qget__now_us() - start_us;
	c->in_handshake = 0;
	if (c->fd >= 0)
		icmp_errors(c->fd, c->family, 0);
	record_peer(c);
	if ((rv = qget__verify_peer(c, err)) != QGET_OK) {
		refuse(c, "server certificate rejected");
		goto out;
	}
	if ((rv = check_pins(c, err)) != QGET_OK) {
		refuse(c, "server public key matches no pin");
		goto out;
	}
	if (c->alpn[0] == '\0') {
		refuse(c, "no application protocol selected");
		qget__alpn_offered(&c->cfg, offered, sizeof(offered));
		rv = qget__fail(err, QGET_E_ALPN,
		    "handshake with %s: the server selected none of the "
		    "application protocols offered (ALPN offered: %s)",
		    c->peer_addr, offered);
		goto out;
	}
	c->verified = !c->cfg.insecure;
	rv = QGET_OK;
out:
	return rv;
}

/* SSL_connect until done, the address's budget or `deadline_us`: the
 * one attempt of qget__conn_open_bio(). */
static qget_status
handshake(qget_conn *c, uint64_t deadline_us, qget_error *err)
{
	uint64_t start, budget_ms, addr_deadline;
	qget_status rv;
	int ret;

	c->in_handshake = 1;
	start = qget__now_us();
	budget_ms = handshake_budget_ms(c);
	addr_deadline = qget__deadline_us(start, budget_ms);
	if (deadline_us != 0 && deadline_us < addr_deadline)
		addr_deadline = deadline_us;
	while ((ret = SSL_connect(c->ssl)) != 1) {
		int e = SSL_get_error(c->ssl, ret);

		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			rv = qget__ssl_fail(c, c->ssl, "handshake", err);
			goto out;
		}
		rv = qget__wait(c, addr_deadline, err);
		if (rv == QGET_E_TIMEOUT && addr_deadline != deadline_us)
			rv = qget__fail(err, QGET_E_CONNECT, "handshake: no QUIC "
			    "server answered at %s (waited %.1f s)",
			    c->peer_addr, waited_s(start));
		if (rv != QGET_OK)
			goto out;
	}
	if ((rv = handshake_done(c, start, err)) == QGET_OK)
		qget__log(&c->cfg, "connected to %s", c->peer_addr);
out:
	return rv;
}

#define RCVBUF_BYTES (4 * 1024 * 1024)

/* The family of cfg's local address, AF_UNSPEC for none or an
 * interface. */
static int
local_family(const struct qget_config *cfg)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (cfg->local == NULL)
		return AF_UNSPEC;
	if (inet_pton(AF_INET, cfg->local, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, cfg->local, buf) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

/* curl's --interface and --local-port: the device (SO_BINDTODEVICE) or
 * the address, and the first free port of the range. */
static qget_status
bind_local(qget_conn *c, int sock, int family, const char *peer,
    qget_error *err)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa;
	const char *local = c->cfg.local;
	unsigned port, lo = c->cfg.local_port_min, hi = c->cfg.local_port_max;
	socklen_t salen;
	int on = 1, lf = local_family(&c->cfg);

	if (local == NULL && lo == 0)
		return QGET_OK;
	if (local != NULL && lf == AF_UNSPEC && setsockopt(sock, SOL_SOCKET,
	    SO_BINDTODEVICE, local, (socklen_t)strlen(local)) != 0)
		return qget__fail(err, QGET_E_CONNECT, "socket for %s: cannot "
		    "bind to interface %s: %s", peer, local, strerror(errno));
	if (lf == AF_UNSPEC && lo == 0)
		return QGET_OK;
	memset(&sa, 0, sizeof(sa));
	if (family == AF_INET6) {
		sa.in6.sin6_family = AF_INET6;
		salen = sizeof(sa.in6);
		if (lf == AF_INET6)
			inet_pton(AF_INET6, local, &sa.in6.sin6_addr);
		/* The port in IPv6's space only: an IPv4 attempt may want the
		 * same one. */
		(void)setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	} else {
		sa.in.sin_family = AF_INET;
		salen = sizeof(sa.in);
		if (lf == AF_INET)
			inet_pton(AF_INET, local, &sa.in.sin_addr);
	}
	for (port = lo;; port++) {
		if (family == AF_INET6)
			sa.in6.sin6_port = htons((uint16_t)port);
		else
			sa.in.sin_port = htons((uint16_t)port);
		if (bind(sock, &sa.sa, salen) == 0)
			return QGET_OK;
		if (errno != EADDRINUSE || port >= hi)
			break;
	}
	if (errno == EADDRINUSE && lo != hi)
		return qget__fail(err, QGET_E_CONNECT, "socket for %s: no free "
		    "local port in %u-%u", peer, lo, hi);
	if (lf == AF_UNSPEC)
		return qget__fail(err, QGET_E_CONNECT, "socket for %s: cannot "
		    "bind to local port %u: %s", peer, port, strerror(errno));
	if (lo == 0)
		return qget__fail(err, QGET_E_CONNECT, "socket for %s: cannot "
		    "bind to local address %s: %s", peer, local,
		    strerror(errno));
	return qget__fail(err, QGET_E_CONNECT, "socket for %s: cannot bind "
	    "to local address %s port %u: %s", peer, local, port,
	    strerror(errno));
}

/* The attempt's SSL object and socket become the connection's, for the
 * functions that work on a qget_conn (error text, checks, refusal). */
static void
use_attempt(qget_conn *c, const struct qget__attempt *a)
{
	c->ssl = a->ssl;
	c->fd = a->fd;
	c->family = a->family;
	memcpy(c->peer_addr, a->peer_addr, sizeof(c->peer_addr));
}

/* Frees an attempt that failed or lost.  One still handshaking is told
 * (`tell`) with one CONNECTION_CLOSE, so that a slower server does not
 * keep its half of the handshake until it times out. */
static void
end_attempt(qget_conn *c, struct qget__attempt *a, int tell)
{
	SSL_SHUTDOWN_EX_ARGS args;

	if (a->ssl == NULL)
		return;
	if (tell) {
		memset(&args, 0, sizeof(args));
		SSL_shutdown_ex(a->ssl, SSL_SHUTDOWN_FLAG_RAPID |
		    SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH, &args, sizeof(args));
		SSL_handle_events(a->ssl);
		ERR_clear_error();
	}
	if (c->ssl == a->ssl) {
		c->ssl = NULL;
		c->fd = -1;
	}
	SSL_free(a->ssl);
	a->ssl = NULL;
	a->fd = -1;
	SSL_SESSION_free(a->ticket);
	a->ticket = NULL;
}

/* An attempt whose server failed one of our checks: the server is told
 * why, as qget_conn_del() would tell it, and the connection forgets what
 * it had recorded of that server. */
static void
reject_attempt(qget_conn *c, struct qget__attempt *a)
{
	use_attempt(c, a);
	if (c->refuse)
		qget_conn_abort(c, strcmp(c->alpn, "h3") == 0 ?
		    QGET_H3_INTERNAL_ERROR : QGET_APP_ERROR, c->refuse_reason);
	c->refuse = 0;
	c->refuse_reason = NULL;
	free(c->peer_subject);
	free(c->peer_issuer);
	c->peer_subject = c->peer_issuer = NULL;
	c->verify = NULL;
	c->alpn[0] = '\0';
	SSL_SESSION_free(c->ticket);
	c->ticket = NULL;
	c->in_handshake = 1;
	end_attempt(c, a, 0);
}

/* The socket BIO's lines ("udp: ...") go to the connection's log. */
static void
udp_log(void *arg, const char *line)
{
	qget__log(arg, "%s", line);
}

/* A socket and an SSL object for one address, its first flight not sent
 * yet.  `since_us` is when the race began (for the log). */
static qget_status
start_attempt(qget_conn *c, const char *host, const BIO_ADDRINFO *ai,
    struct qget__attempt *a, uint64_t since_us, qget_error *err)
{
	const BIO_ADDR *addr = BIO_ADDRINFO_address(ai);
	uint64_t now = qget__now_us();
	qget_status rv;
	BIO *bio = NULL;
	int sock = -1, rcvbuf = RCVBUF_BYTES;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->family = BIO_ADDRINFO_family(ai);
	a->start_us = now;
	a->budget_us = qget__deadline_us(now, handshake_budget_ms(c));
	a->note_us = qget__deadline_us(now, NOTE_WAIT_MS);
	format_addr(addr, a->peer_addr, sizeof(a->peer_addr));
	if (since_us == 0)
		qget__log(&c->cfg, "trying %s", a->peer_addr);
	else
		qget__log(&c->cfg, "trying %s (after %" PRIu64 " ms)",
		    a->peer_addr, (now - since_us) / 1000);

	sock = BIO_socket(a->family, SOCK_DGRAM, 0, 0);
	if (sock == -1) {
		rv = qget__fail(err, QGET_E_CONNECT, "socket for %s: %s",
		    a->peer_addr, strerror(errno));
		goto out;
	}
	/* Not connected: OpenSSL addresses each datagram itself.  ICMP
	 * errors reach us only while we ask for them (IP_RECVERR), which is
	 * during the handshake: see icmp_errors(). */
	if (!BIO_socket_nbio(sock, 1)) {
		rv = qget__fail(err, QGET_E_CONNECT, "socket for %s: %s",
		    a->peer_addr, strerror(errno));
		goto out;
	}
	icmp_errors(sock, a->family, 1);
	/* Loopback and fast paths deliver bursts faster than one poll turn
	 * drains the default 208 KiB: every drop costs a congestion-window
	 * cut.  4 MiB (capped by net.core.rmem_max; best effort) measured 0
	 * drops instead of 60-220 per 200 MiB, and 0.62 s instead of 0.65-0.74.
	 */
	(void)setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if ((rv = bind_local(c, sock, a->family, a->peer_addr, err)) !=
	    QGET_OK)
		goto out;
	if ((bio = BIO_new(BIO_s_datagram())) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "BIO_new failed");
		goto out;
	}
	BIO_set_fd(bio, sock, BIO_CLOSE);
	a->fd = sock;
	sock = -1;
	/* GSO and GRO (udpio.c): the wrapper takes the BIO over. */
	if ((bio = qget__udpio_new(bio, c->cfg.no_gso ? "--no-gso" : NULL,
	    udp_log, &c->cfg)) == NULL) {
		a->fd = -1;
		rv = qget__fail(err, QGET_E_NOMEM, "BIO_new failed");
		goto out;
	}
	/* An ACK per two packets while they come slowly, so that an
	 * OpenSSL sender's window grows under loss (udpio.c, docs/loss.md). */
	(void)qget__udpio_set_rx_pace(bio, NULL);
	(void)qget__udpio_set_first_flight(bio);
	use_attempt(c, a);
	rv = setup_ssl(c, host, bio, bio, addr, err);
	bio = NULL;
	a->ssl = c->ssl;
	if (rv != QGET_OK)
		end_attempt(c, a, 0);
out:
	if (sock != -1)
		BIO_closesocket(sock);
	BIO_free(bio);
	return rv;
}

enum { ATTEMPT_PENDING, ATTEMPT_WON, ATTEMPT_FAILED };

/* Lets one attempt go as far as it can without waiting. */
static int
step_attempt(qget_conn *c, struct qget__attempt *a, qget_error *err)
{
	int ret, e;

	use_attempt(c, a);
	/* Taken before OpenSSL would end the attempt on it with a bare
	 * "network BIO I/O error": nobody listens there.  SSL_connect()
	 * would hand it to OpenSSL when a receive that brought datagrams
	 * first took it off the socket (udpio.h). */
	if (a->refused || qget__udpio_rx_error(SSL_get_rbio(a->ssl)) ==
	    ECONNREFUSED) {
		qget__fail(err, QGET_E_CONNECT, "handshake: connection refused "
		    "by %s (no QUIC server on that port)", a->peer_addr);
		return ATTEMPT_FAILED;
	}
	if ((ret = SSL_connect(a->ssl)) == 1)
		return handshake_done(c, a->start_us, err) == QGET_OK ?
		    ATTEMPT_WON : ATTEMPT_FAILED;
	e = SSL_get_error(a->ssl, ret);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
		qget__ssl_fail(c, a->ssl, "handshake", err);
		return ATTEMPT_FAILED;
	}
	if (qget__now_us() >= a->budget_us) {
		if (qget__answered(a->ssl))
			qget__fail(err, QGET_E_CONNECT, "handshake: the QUIC "
			    "server at %s answered, but the handshake was not "
			    "done after %.1f s", a->peer_addr,
			    waited_s(a->start_us));
		else
			qget__fail(err, QGET_E_CONNECT, "handshake: no QUIC "
			    "server answered at %s (waited %.1f s)",
			    a->peer_addr, waited_s(a->start_us));
		return ATTEMPT_FAILED;
	}
	return ATTEMPT_PENDING;
}

/* Under the log, a line a second for each attempt still waiting, so that
 * a silent address shows itself long before its budget runs out.
 * Returns when the next line is due (0: never). */
static uint64_t
note_waiting(qget_conn *c, struct qget__attempt *at, size_t n)
{
	uint64_t now = qget__now_us(), next = 0;
	size_t i;

	if (c->cfg.log == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (at[i].ssl == NULL)
			continue;
		if (now >= at[i].note_us) {
			qget__log(&c->cfg, "%s: %s (%" PRIu64 " s)",
			    at[i].peer_addr, qget__answered(at[i].ssl) ?
			    "answered, handshake not done yet" :
			    "no answer yet", (now - at[i].start_us) / 1000000);
			while (at[i].note_us <= now)
				at[i].note_us = qget__deadline_us(at[i].note_us,
				    NOTE_WAIT_MS);
		}
		if (next == 0 || at[i].note_us < next)
			next = at[i].note_us;
	}
	return next;
}

/* A time limit ended the race: what each address still in it had done
 * by then, after err's detail ("connect timeout of 1.000 s reached"). */
static void
note_pending(const struct qget__attempt *at, size_t n, qget_error *err)
{
	size_t i, used = strlen(err->detail);
	const char *sep = ": ";
	int w;

	for (i = 0; i < n && used < sizeof(err->detail); i++) {
		if (at[i].ssl == NULL)
			continue;
		w = snprintf(err->detail + used, sizeof(err->detail) - used,
		    "%s%s %s after %.1f s", sep, qget__answered(at[i].ssl) ?
		    "handshake not done with" : "no answer from",
		    at[i].peer_addr, waited_s(at[i].start_us));
		if (w < 0)
			break;
		used += (size_t)w;
		sep = "; ";
	}
}

/* Failures that end the whole race: the caller's limits, and what would
 * fail the same way on every address. */
static int
is_fatal(qget_status rv)
{
	return rv == QGET_E_TIMEOUT || rv == QGET_E_INTERRUPTED ||
	    rv == QGET_E_NOMEM || rv == QGET_E_USAGE;
}

/* One attempt's failure, `aerr`: the race's error so far, said through
 * the log unless it may be the last word. */
static void
attempt_failed(qget_conn *c, const qget_error *aerr, int more,
    qget_error *err, qget_error *refused, int *have_refused)
{
	if ((aerr->status == QGET_E_VERIFY || aerr->status == QGET_E_ALPN) &&
	    !*have_refused) {
		*refused = *aerr;
		*have_refused = 1;
	}
	*err = *aerr;
	if (more)
		qget__log(&c->cfg, "%s", qget_error_str(aerr));
}

/*
 * RFC 8305's connection attempts over `addrs` (in the order to try): the
 * next starts attempt_delay ms after the previous one, or at once when
 * one fails or none is left in flight; the first handshake to complete
 * and pass every check wins, the others are closed.  With attempt_delay
 * 0, one address after another.  When all fail, `err` is the first
 * certificate or ALPN failure (a server that did answer, and was
 * refused), else the last failure.
 */
static qget_status
race(qget_conn *c, const char *host, const BIO_ADDRINFO **addrs, size_t n,
    uint64_t deadline, qget_error *err)
{
	struct qget__attempt *at = NULL;
	qget_error aerr, refused;
	uint64_t t0 = 0, next_start = 0, wake, note;
	size_t started = 0, pending = 0, i, won = n;
	qget_status rv;
	int have_refused = 0, state;

	memset(&refused, 0, sizeof(refused));
	if ((at = calloc(n + 1, sizeof(*at))) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	c->attempts = at;
	c->nattempts = n;
	c->in_handshake = 1;
	for (;;) {
		if (started < n && (pending == 0 ||
		    (c->cfg.attempt_delay_ms != 0 &&
		    qget__now_us() >= next_start))) {
			qget__error_clear(&aerr);
			rv = start_attempt(c, host, addrs[started],
			    &at[started], t0, &aerr);
			if (started++ == 0)
				t0 = at[0].start_us;
			if (rv == QGET_OK) {
				pending++;
				next_start = qget__deadline_us(qget__now_us(),
				    c->cfg.attempt_delay_ms);
			} else if (is_fatal(rv)) {
				*err = aerr;
				goto out;
			} else {
				attempt_failed(c, &aerr, started < n ||
				    pending > 0, err, &refused, &have_refused);
			}
		}
		for (i = 0; i < started && won == n; i++) {
			if (at[i].ssl == NULL)
				continue;
			qget__error_clear(&aerr);
			if ((state = step_attempt(c, &at[i], &aerr)) ==
			    ATTEMPT_PENDING)
				continue;
			if (state == ATTEMPT_WON) {
				won = i;
				break;
			}
			if (c->in_handshake)
				end_attempt(c, &at[i], 0);
			else
				reject_attempt(c, &at[i]);
			pending--;
			if (is_fatal(aerr.status)) {
				*err = aerr;
				rv = aerr.status;
				goto out;
			}
			attempt_failed(c, &aerr, started < n || pending > 0,
			    err, &refused, &have_refused);
			/* A failure starts the next attempt at once. */
			next_start = qget__now_us();
		}
		if (won != n || (pending == 0 && started == n))
			break;
		if (pending == 0)
			continue;
		wake = started < n && c->cfg.attempt_delay_ms != 0 ?
		    next_start : 0;
		for (i = 0; i < started; i++)
			if (at[i].ssl != NULL && (wake == 0 ||
			    at[i].budget_us < wake))
				wake = at[i].budget_us;
		note = note_waiting(c, at, started);
		if (note != 0 && (wake == 0 || note < wake))
			wake = note;
		if ((rv = qget__wait_attempts(c, at, started, deadline, wake,
		    err)) != QGET_OK) {
			if (rv == QGET_E_TIMEOUT)
				note_pending(at, started, err);
			goto out;
		}
	}
	if (won == n) {
		if (have_refused)
			*err = refused;
		else if (n > 1 && err->status == QGET_E_CONNECT)
			snprintf(err->detail + strlen(err->detail),
			    sizeof(err->detail) - strlen(err->detail),
			    " (%zu addresses tried in %.1f s)", n,
			    waited_s(t0));
		rv = err->status != QGET_OK ? err->status :
		    qget__fail(err, QGET_E_CONNECT, "no address to try");
		goto out;
	}
	use_attempt(c, &at[won]);
	at[won].ssl = NULL;
	SSL_SESSION_free(c->ticket);
	c->ticket = at[won].ticket;
	at[won].ticket = NULL;
	qget__log(&c->cfg, "connected to %s (attempt %zu of %zu)",
	    c->peer_addr, won + 1, n);
	qget__error_clear(err);
	rv = QGET_OK;
out:
	/* The losers, and on failure everything still in flight. */
	for (i = 0; at != NULL && i < started; i++)
		end_attempt(c, &at[i], 1);
	if (rv != QGET_OK) {
		c->ssl = NULL;
		c->fd = -1;
	}
	c->attempts = NULL;
	c->nattempts = 0;
	free(at);
	return rv;
}

/* RFC 8305 §4: the families interleaved, starting with the resolver's
 * first; within a family, the resolver's order.  Only addresses of
 * `family` when it is not AF_UNSPEC.  NULL when out of memory. */
static const BIO_ADDRINFO **
order_addresses(const BIO_ADDRINFO *res, int family, size_t *np)
{
	const BIO_ADDRINFO **out = NULL, **mine = NULL, **other = NULL, *ai;
	size_t n = 0, nm = 0, no = 0, i = 0, j = 0, k = 0;
	int first = AF_UNSPEC;

	for (ai = res; ai != NULL; ai = BIO_ADDRINFO_next(ai))
		n++;
	if ((out = calloc(n + 1, sizeof(*out))) == NULL ||
	    (mine = calloc(n + 1, sizeof(*mine))) == NULL ||
	    (other = calloc(n + 1, sizeof(*other))) == NULL) {
		free(out);
		out = NULL;
		goto out;
	}
	for (ai = res; ai != NULL; ai = BIO_ADDRINFO_next(ai)) {
		int f = BIO_ADDRINFO_family(ai);

		if (family != AF_UNSPEC && f != family)
			continue;
		if (first == AF_UNSPEC)
			first = f;
		if (f == first)
			mine[nm++] = ai;
		else
			other[no++] = ai;
	}
	while (i < nm || j < no) {
		if (i < nm)
			out[k++] = mine[i++];
		if (j < no)
			out[k++] = other[j++];
	}
	*np = k;
out:
	free(mine);
	free(other);
	return out;
}

/* getaddrinfo's own words ("Name or service not known"), which OpenSSL
 * keeps as the error's data. */
static void
lookup_error_text(char *buf, size_t len)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e = ERR_peek_last_error_data(&data, &flags);

	if (data != NULL && (flags & ERR_TXT_STRING) && *data != '\0')
		snprintf(buf, len, "%s", data);
	else if (e != 0)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "no address found");
	ERR_clear_error();
}

static int
family_af(qget_family f)
{
	return f == QGET_FAMILY_IPV4 ? AF_INET :
	    f == QGET_FAMILY_IPV6 ? AF_INET6 : AF_UNSPEC;
}

/* The part of opening shared with qget__conn_open_bio(): a connection
 * with a copy of cfg, its limits and its SSL_CTX. */
static qget_status
conn_new(qget_conn **out, const char *host, const char *port,
    const qget_config *cfg, uint64_t *deadline, qget_error *err)
{
	uint64_t start = qget__now_us();
	qget_conn *c = NULL;
	qget_status rv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	c->fd = -1;
	if ((rv = qget__config_copy(&c->cfg, cfg)) != QGET_OK ||
	    (c->host = strdup(host)) == NULL ||
	    (c->port = strdup(port)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	if (cfg->max_time_ms != 0)
		c->deadline_us = qget__deadline_us(start, cfg->max_time_ms);
	*deadline = cfg->connect_timeout_ms != 0 ?
	    qget__deadline_us(start, cfg->connect_timeout_ms) : 0;
	if (c->deadline_us != 0 && (*deadline == 0 ||
	    c->deadline_us < *deadline))
		*deadline = c->deadline_us;
	if ((rv = make_ctx(c, err)) != QGET_OK)
		goto out;
	/* What the caller sets here may fail to apply: its errors are not
	 * the handshake's. */
	if (cfg->ssl_ctx_cb != NULL &&
	    cfg->ssl_ctx_cb(cfg->ssl_ctx_arg, c->ctx) != 0) {
		ERR_clear_error();
		rv = qget__fail(err, QGET_E_FAILURE,
		    "the SSL_CTX callback refused");
		goto out;
	}
	ERR_clear_error();
	*out = c;
	c = NULL;
out:
	qget_conn_del(c);
	return rv;
}

qget_status
qget_conn_open(qget_conn **out, const char *host, const char *port,
    const qget_config *cfg, qget_error *err)
{
	BIO_ADDRINFO *res = NULL;
	const BIO_ADDRINFO **addrs = NULL;
	qget_conn *c = NULL;
	qget_error own;
	qget_status rv;
	uint64_t deadline, start;
	size_t n = 0;
	char text[256];
	int lf;

	/* The race keeps its best error in err: it needs one. */
	if (err == NULL)
		err = &own;
	qget__error_clear(err);
	if (out == NULL || host == NULL || *host == '\0' || port == NULL ||
	    *port == '\0' || cfg == NULL) {
		rv = qget__fail(err, QGET_E_USAGE,
		    "qget_conn_open: host, port and config are required");
		goto out;
	}
	*out = NULL;
	start = qget__now_us();
	if ((rv = conn_new(&c, host, port, cfg, &deadline, err)) != QGET_OK)
		goto out;
	/* Said once, rather than as every attempt's failure. */
	lf = local_family(cfg);
	if (cfg->local != NULL && lf == AF_UNSPEC &&
	    if_nametoindex(cfg->local) == 0) {
		rv = qget__fail(err, QGET_E_CONNECT, "local interface %s: no "
		    "such network interface", cfg->local);
		goto out;
	}

	/* --connect-to: the packets' destination only; the name stays the
	 * one verified. */
	if (!BIO_lookup_ex(cfg->connect_host ? cfg->connect_host : host,
	    cfg->connect_port ? cfg->connect_port : port, BIO_LOOKUP_CLIENT,
	    family_af(cfg->family), SOCK_DGRAM, IPPROTO_UDP, &res)) {
		lookup_error_text(text, sizeof(text));
		rv = qget__fail(err, QGET_E_RESOLVE, "cannot resolve %s: %s",
		    cfg->connect_host ? cfg->connect_host : host, text);
		goto out;
	}
	c->resolve_us = qget__now_us() - start;
	/* A local address talks to its own family only. */
	if ((addrs = order_addresses(res, lf, &n)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	if (n == 0) {
		rv = qget__fail(err, QGET_E_CONNECT, "%s has no %s address to "
		    "reach from the local address %s", host,
		    lf == AF_INET ? "IPv4" : "IPv6", cfg->local);
		goto out;
	}
	if ((rv = race(c, host, addrs, n, deadline, err)) != QGET_OK)
		goto out;
	c->open_us = qget__now_us() - start;
	*out = c;
	c = NULL;
out:
	free(addrs);
	BIO_ADDRINFO_free(res);
	qget_conn_del(c);
	return rv;
}

qget_status
qget__conn_open_bio(qget_conn **out, const char *host, BIO *rbio,
    BIO *wbio, const BIO_ADDR *peer, const qget_config *cfg,
    qget__pump_fn pump, void *pump_arg, qget_error *err)
{
	qget_conn *c = NULL;
	qget_status rv;
	uint64_t deadline;

	qget__error_clear(err);
	*out = NULL;
	if (host == NULL || cfg == NULL) {
		BIO_free(rbio);
		BIO_free(wbio);
		rv = qget__fail(err, QGET_E_USAGE, "host and config required");
		goto out;
	}
	if ((rv = conn_new(&c, host, "", cfg, &deadline, err)) != QGET_OK) {
		BIO_free(rbio);
		BIO_free(wbio);
		goto out;
	}
	c->pump = pump;
	c->pump_arg = pump_arg;
	format_addr(peer, c->peer_addr, sizeof(c->peer_addr));
	if ((rv = setup_ssl(c, host, rbio, wbio, peer, err)) != QGET_OK ||
	    (rv = handshake(c, deadline, err)) != QGET_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	qget_conn_del(c);
	return rv;
}

qget_status
qget_conn_close(qget_conn *c, uint64_t timeout_ms, qget_error *err)
{
	return qget_conn_close_ex(c, 0, 0, timeout_ms, err);
}

qget_status
qget_conn_close_ex(qget_conn *c, unsigned int flags, uint64_t app_code,
    uint64_t timeout_ms, qget_error *err)
{
	SSL_SHUTDOWN_EX_ARGS args;
	uint64_t sslflags = 0;
	uint64_t deadline;
	qget_status rv;
	int ret;

	qget__error_clear(err);
	if (c == NULL || c->ssl == NULL)
		return qget__fail(err, QGET_E_USAGE, "close: no connection");
	deadline = qget__deadline_us(qget__now_us(),
	    timeout_ms ? timeout_ms : 2000);
	if (c->deadline_us != 0 && c->deadline_us < deadline)
		deadline = c->deadline_us;
	/*
	 * SSL_shutdown_ex() returns 0 first while our stream data waits to
	 * be acknowledged (the peer may delay its ACK by max_ack_delay, 25 ms),
	 * then, once SSL_SENT_SHUTDOWN shows, while the closing period (3 PTO,
	 * about 90 ms on loopback) runs.  The frame leaves in the call that
	 * sets SSL_SENT_SHUTDOWN, unless the socket was full
	 * (SSL_net_write_desired()).  Unless asked to linger we stop there:
	 * the closing period only answers a peer that missed our
	 * CONNECTION_CLOSE, and a connection freed right after cannot.
	 */
	if (flags & QGET_CLOSE_NO_FLUSH)
		sslflags |= SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH;
	memset(&args, 0, sizeof(args));
	args.quic_error_code = app_code;
	while ((ret = SSL_shutdown_ex(c->ssl, sslflags, &args,
	    sizeof(args))) != 1) {
		if (ret < 0) {
			rv = qget__ssl_fail(c, c->ssl, "close", err);
			goto out;
		}
		if ((flags & QGET_CLOSE_LINGER) == 0 &&
		    (SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN) != 0 &&
		    !SSL_net_write_desired(c->ssl))
			break;
		if ((rv = qget__wait(c, deadline, err)) != QGET_OK) {
			if (rv == QGET_E_TIMEOUT)
				qget__fail(err, rv, "close: the peer did not "
				    "acknowledge in time");
			goto out;
		}
	}
	qget__log(&c->cfg, "connection to %s closed", c->peer_addr);
	rv = QGET_OK;
out:
	return rv;
}

void
qget_conn_abort(qget_conn *c, uint64_t app_code, const char *reason)
{
	SSL_SHUTDOWN_EX_ARGS args;

	if (c == NULL || c->ssl == NULL)
		return;
	memset(&args, 0, sizeof(args));
	args.quic_error_code = app_code;
	args.quic_reason = reason;
	/* Rapid: one CONNECTION_CLOSE, no waiting for acknowledgements.
	 * Without NO_STREAM_FLUSH OpenSSL would first wait, and in
	 * non-blocking mode return before sending anything, until every
	 * stream's data is acknowledged.  The event pass pushes the frame out
	 * before we forget the socket. */
	SSL_shutdown_ex(c->ssl, SSL_SHUTDOWN_FLAG_RAPID |
	    SSL_SHUTDOWN_FLAG_NO_STREAM_FLUSH, &args, sizeof(args));
	SSL_handle_events(c->ssl);
	ERR_clear_error();
}

void
qget_conn_del(qget_conn *c)
{
	if (c == NULL)
		return;
	/* A no-op for a connection that is already closing or closed.  A
	 * connection we refused says so with an error code; one merely
	 * dropped, with the protocol's "no error". */
	if (c->ssl != NULL && !c->in_handshake) {
		int h3 = strcmp(c->alpn, "h3") == 0;

		if (c->refuse)
			qget_conn_abort(c, h3 ? QGET_H3_INTERNAL_ERROR :
			    QGET_APP_ERROR, c->refuse_reason);
		else
			qget_conn_abort(c, h3 ? QGET_H3_NO_ERROR : 0, NULL);
	}
	/* The protocol's own streams go before the connection they are
	 * on. */
	qget__http_free(c);
	if (c->ssl != NULL)
		qget__udpio_log_stats(SSL_get_rbio(c->ssl));
	SSL_free(c->ssl);
	SSL_SESSION_free(c->ticket);
	SSL_CTX_free(c->ctx);
	if (c->keylog != NULL)
		fclose(c->keylog);
	free(c->peer_subject);
	free(c->peer_issuer);
	free(c->host);
	free(c->port);
	free(c->trust);
	qget__config_clear(&c->cfg);
	free(c);
}

/* Is the connection closing or closed?  (SSL_get_conn_close_info()
 * writes its answer: it needs a real buffer even for a yes or no.) */
static int
closing(qget_conn *c)
{
	SSL_CONN_CLOSE_INFO ci;

	return SSL_get_conn_close_info(c->ssl, &ci, sizeof(ci));
}

/*
 * OpenSSL refuses a key update (SSL_R_TOO_MANY_KEY_UPDATES) until the
 * handshake is confirmed and while the last one is not yet confirmed;
 * its refusal, left on the error queue, would be taken for the cause of
 * a later failure, so it goes.
 */
static void
try_key_update(qget_conn *c)
{
	ERR_set_mark();
	if (closing(c)) {
		c->key_update = 0;
	} else if (SSL_key_update(c->ssl, SSL_KEY_UPDATE_REQUESTED) == 1) {
		c->key_update = 0;
		qget__log(&c->cfg, "key update initiated");
	}
	ERR_pop_to_mark();
}

void
qget__conn_after_events(qget_conn *c)
{
	if (c != NULL && c->key_update)
		try_key_update(c);
}

qget_status
qget_conn_key_update(qget_conn *c)
{
	qget_status rv;

	if (c == NULL || c->ssl == NULL) {
		rv = QGET_E_USAGE;
		goto out;
	}
	if (closing(c)) {
		rv = QGET_E_CONN_CLOSED;
		goto out;
	}
	c->key_update = 1;
	try_key_update(c);
	rv = QGET_OK;
out:
	return rv;
}

qget_status
qget_conn_get_info(qget_conn *c, qget_conn_info *out)
{
	qget_conn_info info;
	size_t size;

	/* 1.0's struct ends at `resumed`; later fields are filled as far
	 * as the caller's struct reaches. */
	if (c == NULL || c->ssl == NULL || out == NULL ||
	    out->size < offsetof(qget_conn_info, resumed) +
	    sizeof(out->resumed))
		return QGET_E_USAGE;
	size = out->size < sizeof(info) ? out->size : sizeof(info);
	memset(&info, 0, sizeof(info));
	info.size = size;
	info.peer_addr = c->peer_addr;
	info.alpn = c->alpn;
	info.version = SSL_get_version(c->ssl);
	info.cipher = SSL_get_cipher_name(c->ssl);
	info.peer_subject = c->peer_subject ? c->peer_subject : "";
	info.peer_issuer = c->peer_issuer ? c->peer_issuer : "";
	info.verify = c->verify ? c->verify : "";
	info.handshake_us = c->handshake_us;
	info.resumed = SSL_session_reused(c->ssl);
	info.resolve_us = c->resolve_us;
	info.open_us = c->open_us;
	memcpy(out, &info, size);
	return QGET_OK;
}

qget_status
qget_conn_get_session(qget_conn *c, unsigned char **der, size_t *len)
{
	if (c == NULL || der == NULL || len == NULL)
		return QGET_E_USAGE;
	return qget__session_save(c, der, len);
}

void *
qget_conn_get_ssl(const qget_conn *c)
{
	return c != NULL ? c->ssl : NULL;
}

int
qget_conn_get_fd(const qget_conn *c)
{
	return c != NULL && c->ssl != NULL ? c->fd : -1;
}

qget_status
qget_conn_get_timeout(qget_conn *c, int64_t *ms)
{
	struct timeval tv;
	int infinite = 1;

	if (c == NULL || c->ssl == NULL || ms == NULL)
		return QGET_E_USAGE;
	/* Datagrams held in the socket BIO (udpio.h) are there now, where
	 * the program's poll() on the socket cannot see them; once OpenSSL
	 * stops reading they wait for nothing.  Datagrams that OpenSSL took
	 * after the last look at its state (see qget__wait_fd()) are gone
	 * from the socket too, and may have made something ready. */
	if ((BIO_pending(SSL_get_rbio(c->ssl)) > 0 &&
	    SSL_net_read_desired(c->ssl)) ||
	    qget__udpio_unseen(SSL_get_rbio(c->ssl))) {
		*ms = 0;
		return QGET_OK;
	}
	if (!SSL_get_event_timeout(c->ssl, &tv, &infinite) || infinite) {
		*ms = -1;
		return QGET_OK;
	}
	/* Rounded up: a poll() that returns a little early would only come
	 * back to an event loop with nothing to do. */
	*ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	return QGET_OK;
}
