#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "internal.h"
#include "req.h"

/* Is the connection closing or closed?  (SSL_get_conn_close_info()
 * writes its answer: it needs a real buffer even for a yes or no.) */
static int
conn_closed(qget_conn *c)
{
	SSL_CONN_CLOSE_INFO ci;

	return SSL_get_conn_close_info(c->ssl, &ci, sizeof(ci));
}

/* A stream handle around an OpenSSL stream object (freed on failure). */
static qget_status
wrap(qget_conn *c, SSL *ssl, qget_stream **out, qget_error *err)
{
	qget_stream *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		SSL_free(ssl);
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	}
	s->conn = c;
	s->ssl = ssl;
	/* Partial writes let qget_stream_write() hand over what fits and
	 * wait for the rest, instead of retrying with the same buffer. */
	SSL_set_mode(s->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE);
	*out = s;
	return QGET_OK;
}

qget_status
qget_stream_open(qget_stream **out, qget_conn *c, qget_error *err)
{
	return qget_stream_open_ex(out, c, 0, err);
}

qget_status
qget_stream_open_ex(qget_stream **out, qget_conn *c, unsigned flags,
    qget_error *err)
{
	qget_status rv;

	qget__error_clear(err);
	if (out == NULL || c == NULL || c->ssl == NULL)
		return qget__fail(err, QGET_E_USAGE, "stream: no connection");
	/* Without the peer's credit, wait for MAX_STREAMS. */
	while ((rv = qget__stream_try_open(c, flags, out, err)) == QGET_OK &&
	    *out == NULL) {
		if ((rv = qget__wait(c, c->deadline_us, err)) != QGET_OK)
			return rv;
		qget__conn_after_events(c);
	}
	return rv;
}

qget_status
qget_stream_write(qget_stream *s, const void *buf, size_t len,
    unsigned flags, qget_error *err)
{
	const unsigned char *p = buf;
	qget_status rv;
	size_t off = 0, n;

	qget__error_clear(err);
	if (s == NULL || (buf == NULL && len != 0))
		return qget__fail(err, QGET_E_USAGE, "write: bad arguments");
	if (s->concluded)
		return qget__fail(err, QGET_E_USAGE,
		    "write: the stream was already concluded");
	while (off < len) {
		if (SSL_write_ex(s->ssl, p + off, len - off, &n)) {
			off += n;
			s->nwritten += n;
			continue;
		}
		switch (SSL_get_error(s->ssl, 0)) {
		case SSL_ERROR_WANT_WRITE:
		case SSL_ERROR_WANT_READ:
			if ((rv = qget__wait(s->conn, s->conn->deadline_us,
			    err)) != QGET_OK)
				goto out;
			qget__conn_after_events(s->conn);
			break;
		default:
			rv = qget__ssl_fail(s->conn, s->ssl, "write", err);
			goto out;
		}
	}
	if ((flags & QGET_WRITE_FIN) != 0) {
		if (!SSL_stream_conclude(s->ssl, 0)) {
			rv = qget__ssl_fail(s->conn, s->ssl, "write", err);
			goto out;
		}
		s->concluded = 1;
	}
	rv = QGET_OK;
out:
	return rv;
}

qget_status
qget_stream_read(qget_stream *s, void *buf, size_t cap, size_t *nread,
    qget_error *err)
{
	qget_status rv;
	size_t n;

	qget__error_clear(err);
	if (s == NULL || buf == NULL || cap == 0 || nread == NULL)
		return qget__fail(err, QGET_E_USAGE, "read: bad arguments");
	*nread = 0;
	for (;;) {
		if (SSL_read_ex(s->ssl, buf, cap, &n)) {
			s->nread += n;
			*nread = n;
			rv = QGET_OK;
			goto out;
		}
		switch (SSL_get_error(s->ssl, 0)) {
		case SSL_ERROR_ZERO_RETURN:
			rv = QGET_OK; /* the peer's FIN */
			goto out;
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			if ((rv = qget__wait(s->conn, s->conn->deadline_us,
			    err)) != QGET_OK)
				goto out;
			qget__conn_after_events(s->conn);
			break;
		default:
			rv = qget__ssl_fail(s->conn, s->ssl, "read", err);
			goto out;
		}
	}
out:
	return rv;
}

qget_status
qget_conn_accept_stream(qget_conn *c, qget_stream **out, qget_error *err)
{
	SSL *ssl;

	qget__error_clear(err);
	if (out == NULL || c == NULL || c->ssl == NULL)
		return qget__fail(err, QGET_E_USAGE, "accept: no connection");
	*out = NULL;
	if ((ssl = SSL_accept_stream(c->ssl,
	    SSL_ACCEPT_STREAM_NO_BLOCK)) == NULL) {
		/* Nothing queued is not a failure; a dead connection is. */
		if (conn_closed(c))
			return qget__ssl_fail(c, c->ssl, "accept stream", err);
		ERR_clear_error();
		return QGET_OK;
	}
	return wrap(c, ssl, out, err);
}

uint64_t
qget_stream_id(const qget_stream *s)
{
	return s != NULL && s->ssl != NULL ? SSL_get_stream_id(s->ssl) :
	    UINT64_MAX;
}

qget_status
qget_stream_reset(qget_stream *s, uint64_t app_code, qget_error *err)
{
	SSL_STREAM_RESET_ARGS args;

	qget__error_clear(err);
	if (s == NULL || s->ssl == NULL)
		return qget__fail(err, QGET_E_USAGE, "reset: no stream");
	if ((SSL_get_stream_type(s->ssl) & SSL_STREAM_TYPE_WRITE) == 0)
		return qget__fail(err, QGET_E_USAGE,
		    "reset: the peer's one-way stream has no side of ours");
	memset(&args, 0, sizeof(args));
	args.quic_error_code = app_code;
	if (!SSL_stream_reset(s->ssl, &args, sizeof(args)))
		return qget__ssl_fail(s->conn, s->ssl, "reset", err);
	s->concluded = 1;
	return QGET_OK;
}

uint64_t
qget_stream_bytes_read(const qget_stream *s)
{
	return s != NULL ? s->nread : 0;
}

uint64_t
qget_stream_bytes_written(const qget_stream *s)
{
	return s != NULL ? s->nwritten : 0;
}

void
qget_stream_del(qget_stream *s)
{
	if (s == NULL)
		return;
	SSL_free(s->ssl);
	free(s);
}

qget_status
qget_conn_wait(qget_conn *c, qget_stream *const *streams, size_t n,
    unsigned char *ready, int want_stream, int *can_open, qget_error *err)
{
	unsigned got = 0;
	qget_status rv;

	rv = qget_conn_wait_ex(c, streams, n, ready,
	    want_stream ? QGET_WAIT_OPEN : 0, &got, err);
	if (can_open != NULL)
		*can_open = (got & QGET_WAIT_OPEN) != 0;
	return rv;
}

qget_status
qget_conn_wait_ex(qget_conn *c, qget_stream *const *streams, size_t n,
    unsigned char *ready, unsigned want, unsigned *got, qget_error *err)
{
	static const struct timeval zero = { 0, 0 };
	SSL_POLL_ITEM *items = NULL;
	uint64_t conn_events = 0, rev;
	qget_status rv;
	size_t i, nres;

	qget__error_clear(err);
	if (got != NULL)
		*got = 0;
	if (c == NULL || c->ssl == NULL || (n > 0 && (streams == NULL ||
	    ready == NULL)))
		return qget__fail(err, QGET_E_USAGE, "wait: bad arguments");
	/* Item n is the connection: its failure, stream credit, and the
	 * peer's new streams. */
	if ((items = calloc(n + 1, sizeof(*items))) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		items[i].desc = SSL_as_poll_descriptor(streams[i]->ssl);
		items[i].events = SSL_POLL_EVENT_R | SSL_POLL_EVENT_ER;
	}
	if (want & QGET_WAIT_OPEN)
		conn_events |= SSL_POLL_EVENT_OSB;
	if (want & QGET_WAIT_OPEN_UNI)
		conn_events |= SSL_POLL_EVENT_OSU;
	if (want & QGET_WAIT_INCOMING)
		conn_events |= SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU;
	items[n].desc = SSL_as_poll_descriptor(c->ssl);
	items[n].events = SSL_POLL_EVENT_EC | conn_events;
	for (;;) {
		/*
		 * A zero timeout only looks: the waiting is qget__wait's, so
		 * that time limits and signals work as everywhere else.  One
		 * turn first, then a look without turns: SSL_poll() would run
		 * a turn before each item, and the connection's (the last)
		 * could read a stream's data after that stream was looked at,
		 * which nothing would show again (the socket drained).
		 */
		nres = 0;
		qget__handle_events(c->ssl);
		qget__conn_after_events(c);
		if (!SSL_poll(items, n + 1, sizeof(*items), &zero,
		    SSL_POLL_FLAG_NO_HANDLE_EVENTS, &nres) && nres == 0) {
			rv = qget__ssl_fail(c, c->ssl, "read", err);
			goto out;
		}
		/* Streams first: a peer that sends its response, FIN and
		 * then CONNECTION_CLOSE at once has still answered in full. */
		for (i = 0; i < n; i++)
			if (items[i].revents != 0)
				break;
		if (i < n || (items[n].revents & conn_events))
			break;
		if (items[n].revents & SSL_POLL_EVENT_EC) {
			rv = qget__ssl_fail(c, c->ssl, "read", err);
			goto out;
		}
		if ((rv = qget__wait(c, c->deadline_us, err)) != QGET_OK)
			goto out;
	}
	for (i = 0; i < n; i++)
		ready[i] = items[i].revents != 0;
	rev = items[n].revents;
	if (got != NULL)
		*got = ((rev & SSL_POLL_EVENT_OSB) ? QGET_WAIT_OPEN : 0) |
		    ((rev & SSL_POLL_EVENT_OSU) ? QGET_WAIT_OPEN_UNI : 0) |
		    ((rev & (SSL_POLL_EVENT_ISB | SSL_POLL_EVENT_ISU)) ?
		    QGET_WAIT_INCOMING : 0);
	rv = QGET_OK;
out:
	free(items);
	return rv;
}

#define PUMP_BUF (64 * 1024)

/* All of buf to fd, through short writes and EINTR. */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

qget_status
qget_stream_pump(qget_stream *s, int in_fd, int out_fd, qget_error *err)
{
	unsigned char *in = NULL, *out = NULL;
	size_t inlen = 0, inoff = 0, n;
	int in_eof = 0, peer_fin = 0, fd_ready, progress;
	qget_status rv;
	ssize_t r;

	qget__error_clear(err);
	if (s == NULL || in_fd < 0 || out_fd < 0)
		return qget__fail(err, QGET_E_USAGE, "pump: bad arguments");
	if ((in = malloc(PUMP_BUF)) == NULL ||
	    (out = malloc(PUMP_BUF)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	while (!peer_fin || !s->concluded) {
		progress = 0;
		/* The peer's bytes first: it must never wait on our input. */
		if (!peer_fin) {
			if (SSL_read_ex(s->ssl, out, PUMP_BUF, &n)) {
				s->nread += n;
				if (write_all(out_fd, out, n) != 0) {
					rv = qget__fail(err, QGET_E_OUTPUT,
					    "cannot write the output: %s",
					    strerror(errno));
					goto out;
				}
				progress = 1;
			} else {
				switch (SSL_get_error(s->ssl, 0)) {
				case SSL_ERROR_ZERO_RETURN:
					peer_fin = progress = 1;
					break;
				case SSL_ERROR_WANT_READ:
				case SSL_ERROR_WANT_WRITE:
					break;
				default:
					rv = qget__ssl_fail(s->conn, s->ssl, "read",
					    err);
					goto out;
				}
			}
		}
		if (inoff < inlen) {
			if (SSL_write_ex(s->ssl, in + inoff, inlen - inoff, &n)) {
				inoff += n;
				s->nwritten += n;
				progress = 1;
			} else {
				int e = SSL_get_error(s->ssl, 0);

				if (e != SSL_ERROR_WANT_WRITE &&
				    e != SSL_ERROR_WANT_READ) {
					rv = qget__ssl_fail(s->conn, s->ssl,
					    "write", err);
					goto out;
				}
			}
		}
		if (in_eof && inoff == inlen && !s->concluded) {
			if (!SSL_stream_conclude(s->ssl, 0)) {
				rv = qget__ssl_fail(s->conn, s->ssl, "write", err);
				goto out;
			}
			s->concluded = progress = 1;
		}
		if (progress)
			continue;
		/* Input is taken only when the last of it is in the stream:
		 * the stream's flow control then holds the input back. */
		rv = qget__wait_fd(s->conn, s->conn->deadline_us,
		    !in_eof && inoff == inlen ? in_fd : -1, &fd_ready, err);
		if (rv != QGET_OK)
			goto out;
		qget__conn_after_events(s->conn);
		if (fd_ready) {
			do
				r = read(in_fd, in, PUMP_BUF);
			while (r < 0 && errno == EINTR);
			if (r < 0) {
				rv = qget__fail(err, QGET_E_FAILURE,
				    "cannot read the input: %s", strerror(errno));
				goto out;
			}
			if (r == 0)
				in_eof = 1;
			inlen = (size_t)r;
			inoff = 0;
		}
	}
	rv = QGET_OK;
out:
	free(in);
	free(out);
	return rv;
}

/* ---- Without blocking: for the request layer (req.h) ------------------- */

/* In non-blocking mode SSL_new_stream fails at once when the peer's
 * stream limit is reached: that is a wait (*out NULL), anything else a
 * failure. */
qget_status
qget__stream_try_open(qget_conn *c, unsigned flags, qget_stream **out,
    qget_error *err)
{
	int uni = (flags & QGET_STREAM_UNI) != 0;
	uint64_t avail;
	SSL *ssl;

	*out = NULL;
	if ((ssl = SSL_new_stream(c->ssl, SSL_STREAM_FLAG_NO_BLOCK |
	    (uni ? SSL_STREAM_FLAG_UNI : 0))) != NULL)
		return wrap(c, ssl, out, err);
	if (conn_closed(c) ||
	    !SSL_get_value_uint(c->ssl, SSL_VALUE_CLASS_GENERIC,
		uni ? SSL_VALUE_QUIC_STREAM_UNI_LOCAL_AVAIL :
		SSL_VALUE_QUIC_STREAM_BIDI_LOCAL_AVAIL, &avail) ||
	    avail != 0)
		return qget__ssl_fail(c, c->ssl, "open stream", err);
	ERR_clear_error();
	return QGET_OK;
}

qget_status
qget__stream_write_some(qget_stream *s, const void *buf, size_t len,
    size_t *n, qget_error *err)
{
	*n = 0;
	if (s->concluded)
		return qget__fail(err, QGET_E_USAGE,
		    "write: the stream was already concluded");
	if (len == 0)
		return QGET_OK;
	if (SSL_write_ex(s->ssl, buf, len, n)) {
		s->nwritten += *n;
		return QGET_OK;
	}
	*n = 0;
	switch (SSL_get_error(s->ssl, 0)) {
	case SSL_ERROR_WANT_WRITE:
	case SSL_ERROR_WANT_READ:
		ERR_clear_error();
		return QGET_OK;
	default:
		return qget__ssl_fail(s->conn, s->ssl, "write", err);
	}
}

qget_status
qget__stream_conclude(qget_stream *s, qget_error *err)
{
	if (s->concluded)
		return QGET_OK;
	if (!SSL_stream_conclude(s->ssl, 0))
		return qget__ssl_fail(s->conn, s->ssl, "write", err);
	s->concluded = 1;
	return QGET_OK;
}

qget_status
qget__stream_read_some(qget_stream *s, void *buf, size_t cap, size_t *n,
    int *fin, qget_error *err)
{
	*n = 0;
	*fin = 0;
	if (SSL_read_ex(s->ssl, buf, cap, n)) {
		s->nread += *n;
		return QGET_OK;
	}
	*n = 0;
	switch (SSL_get_error(s->ssl, 0)) {
	case SSL_ERROR_ZERO_RETURN:
		*fin = 1;
		return QGET_OK;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		return QGET_OK;
	default:
		return qget__ssl_fail(s->conn, s->ssl, "read", err);
	}
}
