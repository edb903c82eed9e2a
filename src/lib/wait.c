/*
 * The one blocking primitive: the connection runs in OpenSSL's non-blocking
 * mode so that qget, not OpenSSL, owns the waiting, and can honour time
 * limits, signals and ICMP errors that OpenSSL's own blocking mode cannot.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "internal.h"
#include "udpio.h"

#define CANCEL_POLL_US 200000

uint64_t
qget__now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t
qget__mul_sat(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

uint64_t
qget__deadline_us(uint64_t now_us, uint64_t ms)
{
	uint64_t us = qget__mul_sat(ms, 1000u);

	return us > UINT64_MAX - now_us ? UINT64_MAX : now_us + us;
}

static int
is_max_time(const qget_conn *c, uint64_t deadline_us)
{
	return c->deadline_us != 0 && deadline_us == c->deadline_us;
}

/*
 * A time limit ended a wait.  The maximum time is said in the log too,
 * since the caller may recover (a response that was complete by then is
 * still a success): a transfer that reaches its limit with nothing left
 * to wait for shows that a wait slept through an event it should have
 * seen (tests/prog/stall.c looks for this line).
 */
static qget_status
deadline_passed(qget_conn *c, uint64_t deadline_us, qget_error *err)
{
	if (is_max_time(c, deadline_us)) {
		qget__log(&c->cfg, "wait: maximum time of %.3f s reached",
		    (double)c->cfg.max_time_ms / 1000.0);
		return qget__fail(err, QGET_E_TIMEOUT,
		    "maximum time of %.3f s reached",
		    (double)c->cfg.max_time_ms / 1000.0);
	}
	return qget__fail(err, QGET_E_TIMEOUT,
	    "connect timeout of %.3f s reached",
	    (double)c->cfg.connect_timeout_ms / 1000.0);
}

/*
 * Timeouts are kept in microseconds, and the wait is ppoll()'s: poll()'s
 * milliseconds, rounded up, woke us up to a millisecond after OpenSSL's
 * timers (its ACK delay, loss detection and probe timeouts) were due,
 * which is a tenth of a 10 ms round trip.  OpenSSL's own blocking waits
 * round down and then spin (poll_two_descriptors() in
 * ssl/quic/quic_reactor.c).
 */

/* Shortens *timeout_us (-1: none) to the SSL object's next timer. */
static void
ssl_timeout(SSL *ssl, int64_t *timeout_us)
{
	struct timeval tv;
	int infinite = 1;

	if (!SSL_get_event_timeout(ssl, &tv, &infinite))
		infinite = 1;
	if (!infinite) {
		int64_t us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;

		if (us > 60000000)
			us = 60000000;
		if (*timeout_us < 0 || us < *timeout_us)
			*timeout_us = us;
	}
}

/* Shortens *timeout_us (-1: none) to reach `until_us` (0: never); 1 when
 * that moment has come already. */
static int
until_timeout(uint64_t until_us, int64_t *timeout_us)
{
	uint64_t now, left;

	if (until_us == 0)
		return 0;
	if ((now = qget__now_us()) >= until_us)
		return 1;
	/* Deadlines may lie years ahead (UINT64_MAX saturated): a day at a
	 * time, since the caller comes back. */
	left = until_us - now;
	if (left > UINT64_C(86400000000))
		left = UINT64_C(86400000000);
	if (*timeout_us < 0 || left < (uint64_t)*timeout_us)
		*timeout_us = (int64_t)left;
	return 0;
}

/* poll() with a timeout in microseconds (-1: none). */
static int
poll_us(struct pollfd *pfd, nfds_t n, int64_t timeout_us)
{
	struct timespec ts;

	if (timeout_us < 0)
		return ppoll(pfd, n, NULL, NULL);
	ts.tv_sec = (time_t)(timeout_us / 1000000);
	ts.tv_nsec = (long)(timeout_us % 1000000) * 1000;
	return ppoll(pfd, n, &ts, NULL);
}

/* The kernel turned an ICMP port unreachable into a pending ECONNREFUSED
 * (only during the handshake: see icmp_errors() in conn.c): on the
 * socket, or taken off it by a receive that brought datagrams first and
 * kept by the socket BIO for the next (udpio.h). */
static int
port_unreachable(SSL *ssl, int fd, short revents)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (qget__udpio_rx_error(SSL_get_rbio(ssl)) == ECONNREFUSED)
		return 1;
	return (revents & POLLERR) && getsockopt(fd, SOL_SOCKET, SO_ERROR,
	    &soerr, &len) == 0 && soerr == ECONNREFUSED;
}

/* Datagrams (or an error) the socket BIO holds from a coalesced receive
 * (GRO, see udpio.h): poll() on the socket does not see them.  Once
 * OpenSSL stops reading (a fatal error, a connection that ended) they
 * wait for nothing, and must not keep the wait from sleeping. */
static int
held_back(SSL *ssl)
{
	BIO *rbio = SSL_get_rbio(ssl);

	return rbio != NULL && BIO_pending(rbio) > 0 &&
	    SSL_net_read_desired(ssl);
}

void
qget__handle_events(SSL *ssl)
{
	BIO *rbio;
	int i, before, took;

	SSL_handle_events(ssl);
	if ((rbio = SSL_get_rbio(ssl)) == NULL)
		return;
	/*
	 * OpenSSL takes 32 datagrams a turn; a coalesced receive may have
	 * brought more.  Turns go on while they take some.  A turn that
	 * takes none of those held means OpenSSL stopped reading: they are
	 * dropped, or BIO_pending() would keep every wait awake for ever.
	 * An error held for the next receive is not for these turns: during
	 * the handshake the wait reports it (port_unreachable()), after it
	 * the next turn takes it.
	 */
	for (i = 0; i < 64 && (before = BIO_pending(rbio)) > 0 &&
	    qget__udpio_rx_error(rbio) == 0; i++) {
		(void)qget__udpio_unseen(rbio);
		SSL_handle_events(ssl);
		took = qget__udpio_unseen(rbio) || BIO_pending(rbio) < before;
		if (!took) {
			qget__udpio_drop_held(rbio);
			break;
		}
	}
	/* What these turns took, the caller reads OpenSSL's state after:
	 * not news for the next wait (see qget__wait_fd()). */
	(void)qget__udpio_unseen(rbio);
}

static short
ssl_events(SSL *ssl)
{
	return (SSL_net_read_desired(ssl) ? POLLIN : 0) |
	    (SSL_net_write_desired(ssl) ? POLLOUT : 0);
}

qget_status
qget__wait_attempts(qget_conn *c, struct qget__attempt *a, size_t n,
    uint64_t deadline_us, uint64_t wake_us, qget_error *err)
{
	struct pollfd *pfd = NULL;
	qget_status rv;
	size_t i;
	int64_t timeout_us = -1;
	int r;

	if (c->cfg.cancel != NULL && *c->cfg.cancel)
		return qget__fail(err, QGET_E_INTERRUPTED,
		    "interrupted by a signal");
	if (until_timeout(deadline_us, &timeout_us))
		return deadline_passed(c, deadline_us, err);
	if (until_timeout(wake_us, &timeout_us))
		return QGET_OK;
	if ((pfd = calloc(n ? n : 1, sizeof(*pfd))) == NULL)
		return qget__fail(err, QGET_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		pfd[i].fd = -1;
		if (a[i].ssl == NULL)
			continue;
		pfd[i].fd = a[i].fd;
		pfd[i].events = ssl_events(a[i].ssl);
		ssl_timeout(a[i].ssl, &timeout_us);
		if (held_back(a[i].ssl))
			timeout_us = 0;
	}
	if (c->cfg.cancel != NULL && (timeout_us < 0 ||
	    timeout_us > CANCEL_POLL_US))
		timeout_us = CANCEL_POLL_US;
	if ((r = poll_us(pfd, n, timeout_us)) < 0) {
		if (errno != EINTR) {
			rv = qget__fail(err, QGET_E_FAILURE, "poll: %s",
			    strerror(errno));
			goto out;
		}
		rv = QGET_OK;
		if (c->cfg.cancel != NULL && *c->cfg.cancel)
			rv = qget__fail(err, QGET_E_INTERRUPTED,
			    "interrupted by a signal");
		goto out;
	}
	/* Every attempt's timers run, whichever socket woke us. */
	for (i = 0; i < n; i++) {
		if (a[i].ssl == NULL)
			continue;
		if (port_unreachable(a[i].ssl, a[i].fd, pfd[i].revents))
			a[i].refused = 1;
		else
			qget__handle_events(a[i].ssl);
	}
	rv = QGET_OK;
out:
	free(pfd);
	return rv;
}

qget_status
qget__wait(qget_conn *c, uint64_t deadline_us, qget_error *err)
{
	return qget__wait_fd(c, deadline_us, -1, NULL, err);
}

qget_status
qget__wait_fd(qget_conn *c, uint64_t deadline_us, int fd, int *fd_ready,
    qget_error *err)
{
	struct pollfd pfd[2];
	int64_t timeout_us = -1;
	int n;

	/* A signal that landed outside poll() left no EINTR to see. */
	if (c->cfg.cancel != NULL && *c->cfg.cancel)
		return qget__fail(err, QGET_E_INTERRUPTED,
		    "interrupted by a signal");
	if (c->pump != NULL) {
		if (deadline_us != 0 && qget__now_us() >= deadline_us)
			return deadline_passed(c, deadline_us, err);
		SSL_handle_events(c->ssl);
		if (c->pump(c->pump_arg) < 0)
			return qget__fail(err, QGET_E_TIMEOUT, "no more input");
		SSL_handle_events(c->ssl);
		return QGET_OK;
	}
	ssl_timeout(c->ssl, &timeout_us);
	if (until_timeout(deadline_us, &timeout_us))
		return deadline_passed(c, deadline_us, err);
	/*
	 * No sleep either when OpenSSL took datagrams since our last turn.
	 * Many of its calls read the network themselves: SSL_poll() runs a
	 * turn for each item it looks at, SSL_read_ex(), SSL_write_ex() and
	 * SSL_shutdown_ex() run one too.  Such a turn may bring what the
	 * caller waits for after the caller looked (SSL_poll() over a stream
	 * and then its connection: the connection's turn reads the stream's
	 * data and FIN after the stream was found not readable), and then
	 * the socket is drained, so poll() sees nothing, and OpenSSL, every
	 * packet acknowledged, has no timer before the idle timeout: the
	 * wait slept until the time limit with the whole response in hand.
	 * One turn, and the caller looks again.
	 */
	if (held_back(c->ssl) || qget__udpio_unseen(SSL_get_rbio(c->ssl)))
		timeout_us = 0;

	/* ...and one that lands between that check and poll() is seen
	 * within CANCEL_POLL_US. */
	if (c->cfg.cancel != NULL && (timeout_us < 0 ||
	    timeout_us > CANCEL_POLL_US))
		timeout_us = CANCEL_POLL_US;

	if (fd_ready != NULL)
		*fd_ready = 0;
	pfd[0].fd = c->fd;
	pfd[0].events = ssl_events(c->ssl);
	pfd[0].revents = 0;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;

	n = poll_us(pfd, fd >= 0 ? 2 : 1, timeout_us);
	if (n < 0) {
		if (errno != EINTR)
			return qget__fail(err, QGET_E_FAILURE, "poll: %s",
			    strerror(errno));
		if (c->cfg.cancel != NULL && *c->cfg.cancel)
			return qget__fail(err, QGET_E_INTERRUPTED,
			    "interrupted by a signal");
		return QGET_OK;
	}
	/* Slept until the maximum time: it is over, whatever came in. */
	if (n == 0 && is_max_time(c, deadline_us) &&
	    qget__now_us() >= deadline_us)
		return deadline_passed(c, deadline_us, err);

	if (fd >= 0 && fd_ready != NULL && pfd[1].revents != 0)
		*fd_ready = 1;
	/* During the handshake (only: see icmp_errors() in conn.c) the
	 * kernel turns an ICMP port unreachable into a pending ECONNREFUSED.
	 * OpenSSL would end the attempt on it with a bare "network BIO I/O
	 * error"; taking it first lets us say that nobody listens there. */
	if (c->in_handshake && port_unreachable(c->ssl, c->fd,
	    pfd[0].revents))
		return qget__fail(err, QGET_E_CONNECT,
		    "handshake: connection refused by %s (no QUIC "
		    "server on that port)", c->peer_addr);
	qget__handle_events(c->ssl);
	return QGET_OK;
}
