/*
 * The datagram BIO under OpenSSL's QUIC, for libqget and qget-serve alike:
 * a BIO_s_datagram whose batches (BIO_sendmmsg, BIO_recvmmsg) move many
 * datagrams per system call with Linux's UDP segmentation offload.
 * Internal to qget, not part of libqget's API; it depends on OpenSSL and
 * libc only, so that qget-serve links its object as it is.
 */
#ifndef QGET_UDPIO_H
#define QGET_UDPIO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bio.h>

/* What went through the socket, counted by system call. */
struct qget__udpio_stats {
	uint64_t sends;        /* send calls that sent (sendmsg, sendmmsg) */
	uint64_t sent;         /* datagrams they sent */
	uint64_t gso_sends;    /* messages of 2+ datagrams (UDP_SEGMENT) */
	uint64_t gso_sent;     /* datagrams in them */
	uint64_t recvs;        /* receive calls that returned datagrams */
	uint64_t received;     /* datagrams they returned */
	uint64_t gro_recvs;    /* buffers of 2+ datagrams (UDP_GRO) */
	uint64_t gro_received; /* datagrams in them */
	uint64_t truncated;    /* GRO buffers cut short (MSG_TRUNC) */
	uint64_t dropped;      /* held datagrams dropped (drop_held) */
	uint64_t paced;        /* OpenSSL's reads that the pacing cap cut */
	uint64_t ff_resent;    /* first-flight datagrams sent again */
	uint64_t bogus_vn;     /* Version Negotiation packets dropped */
};

/* Where the BIO says which path it takes: one line, no newline. */
typedef void (*qget__udpio_log_fn)(void *arg, const char *line);

/*
 * A BIO over `inner`, a BIO_s_datagram with its UDP socket set (taken
 * over, also on failure: freeing the BIO frees it).  It sends each run of
 * datagrams of one size to one peer (the run's last may be shorter) as one
 * message with UDP_SEGMENT, and receives with UDP_GRO, splitting what the
 * kernel coalesced back into datagrams; every control is the inner BIO's.
 * `off`, when not NULL, says why not to (as "--no-gso"): then every batch
 * is the inner BIO's own.  So does the environment variable QGET_NO_GSO
 * set to anything but "" or "0" (compared as it is: "false" or "00" turn
 * it off too).  `log` (may be NULL) hears, with "udp: " in front, which
 * path is taken, now and when the kernel refuses GSO.  NULL when out of
 * memory.
 */
BIO *qget__udpio_new(BIO *inner, const char *off, qget__udpio_log_fn log,
    void *log_arg);

/*
 * Read pacing (qget's connections, qget-serve's socket): while datagrams
 * come in slowly (fewer than 64 handed to OpenSSL per 10 ms, about
 * 7 MB/s), each BIO_recvmmsg hands OpenSSL at most two, so that as a
 * receiver it acknowledges every second packet instead of a whole burst
 * at once, and as a sender it takes in ACKs a few at a time (why:
 * udpio.c).  What a read leaves stays in the socket, or held in the BIO
 * after a coalesced receive (BIO_pending, as above), for the next read.
 * `now_us` (NULL: CLOCK_MONOTONIC) is the clock in microseconds, for
 * tests.  The environment variable QGET_NO_RXPACE set to anything but ""
 * or "0" (compared as QGET_NO_GSO is) keeps it off, for measurements; the
 * log says which.  1 when pacing is on, 0 when not (or b is not such a
 * BIO).
 */
int qget__udpio_set_rx_pace(BIO *b, uint64_t (*now_us)(void));

/*
 * A client's: keep the first flight (the Initial datagrams sent in its
 * first FF_WINDOW_US) and, until the peer sends a packet other than an
 * Initial (it has the whole ClientHello then) or a Retry, send it again
 * after each later Initial (a probe), at most FF_RESENDS times (why:
 * udpio.c).  The second flight too: the datagrams from the first with a
 * Handshake packet (the Finished) to FF_WINDOW_US later go again after
 * each later one that starts with a Handshake packet.  It also makes b
 * check a Version Negotiation packet's
 * connection IDs against the first Initial's (RFC 9000 17.2.1) and hand
 * OpenSSL one that fails empty.  1 when on, 0 when b is not such a BIO.
 */
int qget__udpio_set_first_flight(BIO *b);

/*
 * A server's: the same per client (by address, up to 64 at once): the
 * datagrams sent to it in its first FF_WINDOW_US go again after each
 * later Initial to it, until it sends a packet other than an Initial,
 * and never past three times the bytes it sent (RFC 9000 8.1).  1 when
 * on, 0 when b is not such a BIO or memory ran out.
 */
int qget__udpio_set_server_flights(BIO *b);

/* b's counters; 0 when b is not such a BIO (then *out is zeroed). */
int qget__udpio_get_stats(BIO *b, struct qget__udpio_stats *out);

/* The counters as one line to b's log: calls, datagrams per call, and
 * how many were GSO messages and GRO buffers; with pacing on, a second
 * line says how many reads it cut.  Nothing for another BIO. */
void qget__udpio_log_stats(BIO *b);

/*
 * A coalesced receive may bring more datagrams than OpenSSL had room for;
 * the rest wait in the BIO for its next BIO_recvmmsg, where poll() on the
 * socket cannot see them: BIO_pending(b) is non-zero then, and whoever
 * waits on the socket must let OpenSSL handle events first (as long as
 * OpenSSL still reads: SSL_net_read_desired()).  So it is while an error
 * that a receive met after its datagrams waits for the next call (see
 * qget__udpio_rx_error()).
 */

/*
 * Whether b handed OpenSSL datagrams since the last call (for another
 * BIO: 0); the call forgets them.  OpenSSL reads the network inside many
 * calls (SSL_poll, SSL_read_ex, SSL_write_ex, SSL_shutdown_ex...), not only
 * in SSL_handle_events: a waiter that ran its turn and then read OpenSSL's
 * state calls this after the turn, and again before it sleeps on the
 * socket; a 1 then means another call took input after the turn, which
 * may have made something ready that the state it read does not show
 * (and poll() will not either: the socket is drained).
 */
int qget__udpio_unseen(BIO *b);

/*
 * Drops the datagrams b holds back, counted in the stats as dropped;
 * returns how many.  For when an OpenSSL turn took none of them: it has
 * stopped reading (a fatal error), and held datagrams would keep
 * BIO_pending() non-zero, and waiters from sleeping, for ever.
 */
size_t qget__udpio_drop_held(BIO *b);

/* The error a receive met after its datagrams, which the next
 * BIO_recvmmsg returns (0: none, or not such a BIO).  ECONNREFUSED here
 * is an ICMP port unreachable (IP_RECVERR) that the receive took off the
 * socket: neither poll() nor SO_ERROR shows it any more. */
int qget__udpio_rx_error(BIO *b);

#endif
