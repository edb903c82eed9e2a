/*
 * Connection set-up and tear-down: the sequence of
 * ossl-guide-quic-client-block(7), run in non-blocking mode under
 * qget__wait(), with every resolved address tried in turn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
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

/* How long a refused server's handshake may take to settle before we
 * close (see refuse()). */
#define REFUSE_SETTLE_MS 100

/* How long one address may take to answer when no idle timeout is set:
 * OpenSSL's default idle timeout. */
#define DEFAULT_HANDSHAKE_MS 30000

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

	if (c == NULL)
		return 0;
	SSL_SESSION_free(c->ticket);
	c->ticket = sess;
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

/* Drops the SSL object of a failed attempt (with its BIO and socket). */
static void
drop_attempt(qget_conn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->fd = -1;
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

/* SSL_connect until done, the address's budget or `deadline_us`. */
static qget_status
handshake(qget_conn *c, uint64_t deadline_us, qget_error *err)
{
	uint64_t start, budget_ms, addr_deadline;
	qget_status rv;
	int ret;

	c->in_handshake = 1;
	start = qget__now_us();
	/* OpenSSL applies no idle timeout before the handshake is done, so
	 * the address gets its own budget: running out of it means nobody
	 * answered here, while running into deadline_us is the caller's
	 * limit. */
	budget_ms = c->cfg.idle_timeout_ms ? c->cfg.idle_timeout_ms :
	    DEFAULT_HANDSHAKE_MS;
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
			    "server answered at %s within %.1f s",
			    c->peer_addr, (double)budget_ms / 1000.0);
		if (rv != QGET_OK)
			goto out;
	}
	c->handshake_us = qget__now_us() - start;
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
		rv = qget__fail(err, QGET_E_ALPN,
		    "handshake with %s: the server selected no application "
		    "protocol", c->peer_addr);
		goto out;
	}
	c->verified = !c->cfg.insecure;
	qget__log(&c->cfg, "connected to %s", c->peer_addr);
	rv = QGET_OK;
out:
	return rv;
}

#define RCVBUF_BYTES (4 * 1024 * 1024)

static qget_status
try_address(qget_conn *c, const char *host, const BIO_ADDRINFO *ai,
    uint64_t deadline_us, qget_error *err)
{
	const BIO_ADDR *addr = BIO_ADDRINFO_address(ai);
	qget_status rv;
	BIO *bio = NULL;
	int sock = -1, rcvbuf = RCVBUF_BYTES;

	format_addr(addr, c->peer_addr, sizeof(c->peer_addr));
	qget__log(&c->cfg, "trying %s", c->peer_addr);

	sock = BIO_socket(BIO_ADDRINFO_family(ai), SOCK_DGRAM, 0, 0);
	if (sock == -1) {
		rv = qget__fail(err, QGET_E_CONNECT, "socket for %s: %s",
		    c->peer_addr, strerror(errno));
		goto out;
	}
	/* Not connected: OpenSSL addresses each datagram itself.  ICMP
	 * errors reach us only while we ask for them (IP_RECVERR), which is
	 * during the handshake: see icmp_errors(). */
	if (!BIO_socket_nbio(sock, 1)) {
		rv = qget__fail(err, QGET_E_CONNECT, "socket for %s: %s",
		    c->peer_addr, strerror(errno));
		goto out;
	}
	c->family = BIO_ADDRINFO_family(ai);
	icmp_errors(sock, c->family, 1);
	/* Loopback and fast paths deliver bursts faster than one poll turn
	 * drains the default 208 KiB: every drop costs a congestion-window
	 * cut.  4 MiB (capped by net.core.rmem_max; best effort) measured 0
	 * drops instead of 60-220 per 200 MiB, and 0.62 s instead of 0.65-0.74.
	 */
	(void)setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if ((bio = BIO_new(BIO_s_datagram())) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "BIO_new failed");
		goto out;
	}
	BIO_set_fd(bio, sock, BIO_CLOSE);
	c->fd = sock;
	sock = -1;
	rv = setup_ssl(c, host, bio, bio, addr, err);
	bio = NULL;
	if (rv == QGET_OK)
		rv = handshake(c, deadline_us, err);
out:
	if (sock != -1)
		BIO_closesocket(sock);
	BIO_free(bio);
	return rv;
}

/* An attempt that failed for one of these would fail the same way on the
 * host's other addresses, or must not be retried at all. */
static int
is_final(qget_status rv)
{
	return rv == QGET_E_VERIFY || rv == QGET_E_ALPN ||
	    rv == QGET_E_TIMEOUT || rv == QGET_E_INTERRUPTED ||
	    rv == QGET_E_NOMEM || rv == QGET_E_USAGE;
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
	const BIO_ADDRINFO *ai;
	qget_conn *c = NULL;
	qget_status rv;
	uint64_t deadline;
	char text[256];

	qget__error_clear(err);
	if (out == NULL || host == NULL || *host == '\0' || port == NULL ||
	    *port == '\0' || cfg == NULL) {
		rv = qget__fail(err, QGET_E_USAGE,
		    "qget_conn_open: host, port and config are required");
		goto out;
	}
	*out = NULL;
	if ((rv = conn_new(&c, host, port, cfg, &deadline, err)) != QGET_OK)
		goto out;

	if (!BIO_lookup_ex(host, port, BIO_LOOKUP_CLIENT,
	    family_af(cfg->family), SOCK_DGRAM, IPPROTO_UDP, &res)) {
		lookup_error_text(text, sizeof(text));
		rv = qget__fail(err, QGET_E_RESOLVE, "cannot resolve %s: %s",
		    host, text);
		goto out;
	}
	rv = QGET_E_CONNECT;
	for (ai = res; ai != NULL; ai = BIO_ADDRINFO_next(ai)) {
		if ((rv = try_address(c, host, ai, deadline, err)) == QGET_OK)
			break;
		if (is_final(rv))
			goto out;
		if (BIO_ADDRINFO_next(ai) != NULL)
			qget__log(&c->cfg, "%s", qget_error_str(err));
		drop_attempt(c);
	}
	if (rv != QGET_OK)
		goto out;
	*out = c;
	c = NULL;
out:
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
