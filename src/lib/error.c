/*
 * Translation of OpenSSL's state into qget statuses: the only file that
 * reads OpenSSL's error queue, verify result, stream states and close info.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/x509.h>

#include "h3fields.h"
#include "internal.h"

/* QUIC's CONNECTION_CLOSE, on the wire, offers TLS alerts as 0x100+alert. */
#define QUIC_CRYPTO_ERROR_BASE 0x100
#define TLS_ALERT_NO_APPLICATION_PROTOCOL 120

void
qget__error_clear(qget_error *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	err->status = QGET_OK;
}

qget_status
qget__fail(qget_error *err, qget_status status, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return status;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return status;
}

void
qget__log(const struct qget_config *cfg, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (cfg->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cfg->log(cfg->log_arg, line);
}

static const char *
transport_error_name(uint64_t code)
{
	static const char *const names[] = {
		"NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED",
		"FLOW_CONTROL_ERROR", "STREAM_LIMIT_ERROR",
		"STREAM_STATE_ERROR", "FINAL_SIZE_ERROR",
		"FRAME_ENCODING_ERROR", "TRANSPORT_PARAMETER_ERROR",
		"CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION",
		"INVALID_TOKEN", "APPLICATION_ERROR",
		"CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR",
		"AEAD_LIMIT_REACHED", "NO_VIABLE_PATH",
	};

	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	if (code >= QUIC_CRYPTO_ERROR_BASE && code <= 0x1ff)
		return "CRYPTO_ERROR";
	return "unknown transport error";
}

size_t
qget__escape_text(char *out, size_t cap, const char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, w = 0;

	for (i = 0; i < n && w + 5 <= cap; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= 0x20 && ch < 0x7f) {
			out[w++] = (char)ch;
		} else {
			out[w++] = '\\';
			out[w++] = 'x';
			out[w++] = hex[ch >> 4];
			out[w++] = hex[ch & 0xf];
		}
	}
	if (cap > 0)
		out[w < cap ? w : cap - 1] = '\0';
	return i;
}

void
qget__alpn_offered(const struct qget_config *cfg, char *out, size_t cap)
{
	size_t i = 0, used;

	if (cap == 0)
		return;
	out[0] = '\0';
	while (i < cfg->alpn_len) {
		size_t n = cfg->alpn_wire[i];

		used = strlen(out);
		if (i > 0 && cap - used > 2) {
			memcpy(out + used, ", ", 3);
			used += 2;
		}
		if (qget__escape_text(out + used, cap - used,
		    (const char *)cfg->alpn_wire + i + 1, n) < n)
			break;
		i += 1 + n;
	}
}

/* "application error 42 (0x2a)" or "transport error PROTOCOL_VIOLATION
 * (0xa)" or "TLS alert no_application_protocol (0x178)", plus the reason. */
static void
describe_close(const SSL_CONN_CLOSE_INFO *ci, char *buf, size_t len)
{
	int n;

	if (!(ci->flags & SSL_CONN_CLOSE_FLAG_TRANSPORT))
		n = snprintf(buf, len, "application error %" PRIu64
		    " (0x%" PRIx64 ")", ci->error_code, ci->error_code);
	else if (ci->error_code >= QUIC_CRYPTO_ERROR_BASE &&
	    ci->error_code <= 0x1ff)
		n = snprintf(buf, len, "TLS alert %s (0x%" PRIx64 ")",
		    SSL_alert_desc_string_long(
			(int)(ci->error_code - QUIC_CRYPTO_ERROR_BASE)),
		    ci->error_code);
	else
		n = snprintf(buf, len, "transport error %s (0x%" PRIx64 ")",
		    transport_error_name(ci->error_code), ci->error_code);
	if (n > 0 && (size_t)n + sizeof(", reason ''") < len &&
	    ci->reason_len > 0) {
		size_t used = (size_t)n;

		memcpy(buf + used, ", reason '", 10);
		used += 10;
		/* Room is left for the closing quote. */
		qget__escape_text(buf + used, len - used - 1, ci->reason,
		    ci->reason_len > 200 ? 200 : ci->reason_len);
		used += strlen(buf + used);
		buf[used++] = '\'';
		buf[used] = '\0';
	}
}

/* Drains the error queue: the last error's text into buf, and the errno of
 * the last system error (a socket's ECONNREFUSED, say) as the result. */
static int
drain_error_queue(char *buf, size_t len)
{
	unsigned long e, last = 0;
	const char *reason;
	int sys_errno = 0;

	while ((e = ERR_get_error()) != 0) {
		last = e;
		if (ERR_SYSTEM_ERROR(e))
			sys_errno = ERR_GET_REASON(e);
	}
	if (last == 0) {
		snprintf(buf, len, "unknown OpenSSL failure");
		return 0;
	}
	reason = ERR_reason_error_string(last);
	if (reason != NULL)
		snprintf(buf, len, "%s", reason);
	else
		ERR_error_string_n(last, buf, len);
	return sys_errno;
}

static qget_status
stream_reset(qget_error *err, const char *op, const char *what,
    uint64_t code)
{
	if (err != NULL) {
		err->has_code = 1;
		err->code = code;
	}
	return qget__fail(err, QGET_E_STREAM_RESET,
	    "%s: %s by the peer with application error code %" PRIu64
	    " (0x%" PRIx64 ")", op, what, code, code);
}

qget_status
qget__ssl_fail(qget_conn *c, SSL *s, const char *op, qget_error *err)
{
	SSL_CONN_CLOSE_INFO ci;
	char text[400], queue[256], offered[200];
	const char *h3name = NULL;
	uint64_t code = 0;
	long vr;
	qget_status rv;
	int sys_errno = drain_error_queue(queue, sizeof(queue));

	if (s != c->ssl) {
		if (SSL_get_stream_read_state(s) ==
		    SSL_STREAM_STATE_RESET_REMOTE) {
			SSL_get_stream_read_error_code(s, &code);
			rv = stream_reset(err, op, "stream reset", code);
			goto out;
		}
		if (SSL_get_stream_write_state(s) ==
		    SSL_STREAM_STATE_RESET_REMOTE) {
			SSL_get_stream_write_error_code(s, &code);
			rv = stream_reset(err, op, "STOP_SENDING sent", code);
			goto out;
		}
		/* OpenSSL answers a peer's STOP_SENDING with RESET_STREAM
		 * itself and reports our side as reset locally.  qget's own
		 * resets conclude the stream first, so a write never gets
		 * here after one: this reset is the peer's doing. */
		if (SSL_get_stream_write_state(s) ==
		    SSL_STREAM_STATE_RESET_LOCAL) {
			SSL_get_stream_write_error_code(s, &code);
			rv = stream_reset(err, op, "STOP_SENDING sent", code);
			goto out;
		}
	}

	/* Only a handshake that is failing can fail for its certificate: a
	 * resumed session carries the verify result of the connection that
	 * made it, which says nothing about a later failure. */
	if (!c->cfg.insecure && c->in_handshake &&
	    !SSL_session_reused(c->ssl) &&
	    (vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		qget__cert_log(c, c->ssl, vr);
		qget__verify_text(c, c->ssl, vr, text, sizeof(text));
		rv = qget__fail(err, QGET_E_VERIFY,
		    "%s: server certificate verification failed: %s", op,
		    text);
		goto out;
	}

	if (SSL_get_conn_close_info(c->ssl, &ci, sizeof(ci))) {
		int local = (ci.flags & SSL_CONN_CLOSE_FLAG_LOCAL) != 0;

		if (err != NULL) {
			err->has_code = 1;
			err->code = ci.error_code;
			err->is_transport =
			    (ci.flags & SSL_CONN_CLOSE_FLAG_TRANSPORT) != 0;
			err->is_local = local;
			snprintf(err->reason, sizeof(err->reason), "%.*s",
			    (int)(ci.reason_len < sizeof(err->reason) ?
				ci.reason_len : sizeof(err->reason) - 1),
			    ci.reason != NULL ? ci.reason : "");
		}
		if (local && ci.error_code == OSSL_QUIC_LOCAL_ERR_IDLE_TIMEOUT) {
			if (err != NULL)
				err->has_code = 0;
			if (c->in_handshake && qget__answered(s))
				rv = qget__fail(err, QGET_E_CONNECT,
				    "%s: the QUIC server at %s answered, then "
				    "fell silent until the idle timeout, before "
				    "the handshake was done", op, c->peer_addr);
			else if (c->in_handshake)
				rv = qget__fail(err, QGET_E_CONNECT,
				    "%s: no QUIC server answered at %s", op,
				    c->peer_addr);
			else
				rv = qget__fail(err, QGET_E_IDLE_TIMEOUT,
				    "%s: connection timed out idle (nothing "
				    "heard from %s)", op, c->peer_addr);
			goto out;
		}
		/* OpenSSL ends the connection itself when the socket
		 * reports an error, most often ICMP port unreachable; it keeps
		 * the errno only while the error queue is fresh, so its
		 * reason phrase is the lasting sign.  Say what it means. */
		if (local && (sys_errno == ECONNREFUSED ||
		    (ci.reason != NULL && !c->in_handshake &&
		    memmem(ci.reason, ci.reason_len, "network BIO", 11) !=
		    NULL))) {
			rv = c->in_handshake ?
			    qget__fail(err, QGET_E_CONNECT, "%s: connection "
				"refused by %s (no QUIC server on that port)",
				op, c->peer_addr) :
			    qget__fail(err, QGET_E_CONN_CLOSED, "%s: connection "
				"lost: the network refused packets to %s (the "
				"server stopped, or its port closed)", op,
				c->peer_addr);
			goto out;
		}
		describe_close(&ci, text, sizeof(text));
		/* HTTP/3's application codes have names (RFC 9114, 8.1). */
		if (!(ci.flags & SSL_CONN_CLOSE_FLAG_TRANSPORT) &&
		    strcmp(c->alpn, "h3") == 0)
			h3name = qget__h3_error_name(ci.error_code);
		if ((ci.flags & SSL_CONN_CLOSE_FLAG_TRANSPORT) &&
		    ci.error_code == QUIC_CRYPTO_ERROR_BASE +
		    TLS_ALERT_NO_APPLICATION_PROTOCOL) {
			qget__alpn_offered(&c->cfg, offered, sizeof(offered));
			rv = qget__fail(err, QGET_E_ALPN,
			    "%s: the server at %s accepted none of our "
			    "application protocols (ALPN offered: %s): it "
			    "closed with %s", op, c->peer_addr, offered, text);
		} else if (c->in_handshake) {
			rv = qget__fail(err, QGET_E_CONNECT,
			    "%s: handshake with %s failed: connection closed "
			    "%s with %s", op, c->peer_addr,
			    local ? "locally" : "by the peer", text);
		} else {
			rv = qget__fail(err, QGET_E_CONN_CLOSED,
			    "%s: connection closed %s with %s%s%s%s", op,
			    local ? "locally" : "by the peer", text,
			    h3name != NULL ? " [" : "",
			    h3name != NULL ? h3name : "",
			    h3name != NULL ? "]" : "");
		}
		goto out;
	}

	rv = qget__fail(err, c->in_handshake ? QGET_E_CONNECT : QGET_E_FAILURE,
	    "%s: %s", op, queue);
out:
	ERR_clear_error();
	return rv;
}
