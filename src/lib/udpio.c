/*
 * GSO and GRO under OpenSSL's QUIC (see udpio.h).  OpenSSL hands its
 * network BIO batches of datagrams: up to 32 to send (ossl_qtx_flush_net),
 * 32 buffers of about 1500 bytes to receive into (the demux's).  The plain
 * BIO_s_datagram moves them with sendmmsg and recvmmsg, which still cost
 * the kernel one trip through the UDP stack per datagram; a UDP_SEGMENT
 * message costs one per run, a UDP_GRO buffer one per coalesced run.
 *
 * The contract kept is dgram_sendmmsg's and dgram_recvmmsg's (OpenSSL's
 * crypto/bio/bss_dgram.c): success with *done datagrams, or failure with
 * nothing done and the errno on the error queue as ERR_LIB_SYS, which
 * OpenSSL's callers read with BIO_err_is_non_fatal() (EAGAIN: try later).
 * Neither sets the BIO's retry flags, so neither do we.
 *
 * Read pacing (qget__udpio_set_rx_pace(), for qget's connections and
 * qget-serve's socket): while datagrams come in slowly, OpenSSL gets at
 * most two per BIO_recvmmsg.
 * Why: OpenSSL's QUIC reads up to 32 datagrams per SSL_handle_events()
 * (DEMUX_MAX_MSGS_PER_CALL, ssl/quic/quic_demux.c) and sends one ACK for
 * all of them at the end of that tick.  A sender that uses OpenSSL's
 * NewReno (OpenSSL's own servers, qget-serve) grows its window in
 * congestion avoidance only from packets acknowledged while it is
 * "congestion limited": newreno_on_data_acked() subtracts each packet from
 * bytes in flight first and then asks newreno_is_cong_limited(), which
 * says no once more than three datagrams of window are free
 * (ssl/quic/cc_newreno.c).  An ACK for k packets therefore grows the
 * window by at most three of them.  Without pacing of its own, such a
 * sender answers each ACK with one burst; a client that sleeps in poll()
 * wakes to find the whole burst queued and acknowledges it at once (at
 * 50 ms RTT and 1% loss, 5.1-5.9 packets per ACK where OpenSSL's
 * busy-polling client did 3.2-4.8, and 1-11% more time: docs/loss.md).
 * Two per read gives one ACK per two packets, RFC 9000 13.2.2's default.
 * On a sender's socket (qget-serve's) the same cap has OpenSSL take in
 * ACKs two at a time and send between them, so that more acknowledged
 * packets find it congestion limited (read in one tick, all but the
 * first ACKs find it with room: docs/loss.md).
 * Every read then costs a tick and an ACK, which at hundreds of MB/s
 * would double qget's CPU: so the cap holds only while fewer than
 * PACE_SLOW_MAX datagrams per PACE_WINDOW_US were handed out (judged
 * once a window has passed, over however long it lasted), i.e. below
 * about 7 MB/s, where a loss-limited transfer lives and the cost is small.
 * What the cap leaves waits where GRO's extra datagrams wait (held, seen
 * by BIO_pending) or in the socket: the next turn takes it at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <openssl/err.h>

#include "udpio.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* A type of our own (OpenSSL's own types stay below 0x40, those of
 * BIO_get_new_index() above 0x80), a source/sink with a descriptor as
 * BIO_s_datagram is: SSL_get_fd() finds the socket through it. */
#define UDPIO_TYPE (0x7e | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR)
#define UDPIO_NAME "qget udpio"

/* Datagrams looked at per send call: OpenSSL offers at most 32. */
#define MAX_SEND 128
/* The kernel's limits for one UDP_SEGMENT message: UDP_MAX_SEGMENTS, and
 * an IP packet's 64 KiB with room for the headers. */
#define GSO_MAX_SEGS 64
#define GSO_MAX_BYTES 65000
/*
 * Receive buffers: each takes a whole coalesced run, up to 64 KiB (a
 * smaller one would cut the run and lose the rest).  Sixteen per call
 * keep most of recvmmsg's batching for peers that do not send GSO (each
 * buffer then holds one datagram, and only its first page is touched);
 * from peers that do, a buffer or two per call are enough (rx_slots()),
 * so that the memory touched stays near what is in use, 1 MiB at most.
 */
#define RX_SLOTS 16
#define RX_SLOT_BYTES 65536
#define CTRL_BYTES 128
/* Read pacing: OpenSSL acknowledges every second ack-eliciting packet
 * (PKTS_BEFORE_ACK in ssl/quic/quic_ackm.c). */
#define PACE_CAP 2
#define PACE_WINDOW_US 10000u
#define PACE_SLOW_MAX 64u

#define MSG_N(msg, stride, i) \
	(*(BIO_MSG *)(void *)((char *)(msg) + (i) * (stride)))

union sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

struct rx_slot {
	size_t len;             /* bytes received */
	size_t seg;             /* each datagram's size, the last's at most */
	union sa peer;
	socklen_t peerlen;      /* 0: none (a connected socket) */
	union sa local;
	int has_local;
};

/* First-flight datagrams kept (a ClientHello with a post-quantum key
 * share takes two), and how often they go again: each resend follows one
 * of OpenSSL's probes, whose timeouts double, so the count bounds the
 * time too (eight cover about four minutes from a 1 s start). */
#define FF_MAX 4
#define FF_RESENDS 8
/* The first flight is what goes out this soon after the first datagram:
 * a probe comes a probe timeout later (1 s at first). */
#define FF_WINDOW_US 100000u

/* A server's first flight to one client (qget__udpio_set_server_flights):
 * the client's address, the bytes each way since its first Initial came
 * (RFC 9000 8.1's limit: no more than three times what it sent, until
 * it proves its address), and the datagrams of the flight. */
#define SF_SLOTS 64
#define SF_MAX 8

/* Datagrams kept to send again, byte for byte (why: at ff_after_send). */
struct flight {
	uint64_t t0;            /* it began then (0: not yet) */
	size_t n, bytes;        /* datagrams kept, their bytes */
	unsigned resends;
	unsigned char *buf[SF_MAX];
	size_t len[SF_MAX];
};

struct sflight {
	int used;
	union sa peer;
	uint64_t born;          /* the client's first Initial came then */
	uint64_t batch;         /* the send call of what is kept, until t0 */
	uint64_t in, out;       /* bytes from and to it since */
	struct flight fl;       /* t0: its first Handshake packet went */
};

struct udpio {
	BIO_METHOD *meth;       /* this BIO's own: freed with it */
	BIO *inner;
	int fd;
	int family;
	int connected;          /* sends name no peer, as the inner BIO's */
	union sa bound;         /* the socket's address: the local port */
	int gso;                /* sending with UDP_SEGMENT */
	int gro;                /* UDP_GRO is on: receiving is ours */
	char path[256];         /* which path, for the log */
	qget__udpio_log_fn log;
	void *log_arg;
	unsigned char *rxbuf;   /* RX_SLOTS buffers of RX_SLOT_BYTES */
	struct rx_slot rx[RX_SLOTS];
	int rx_n;               /* slots filled by the last receive */
	int rx_cur;             /* the slot being handed out */
	size_t rx_off;          /* and where in it */
	int rx_err;             /* an error after datagrams: the next call's */
	unsigned rx_avg16;      /* datagrams per buffer lately, times 16 */
	uint64_t delivered;     /* datagrams handed to OpenSSL */
	uint64_t seen;          /* `delivered` at qget__udpio_unseen() */
	int trunc_said;         /* the log told of a cut GRO buffer */
	int pace;               /* read pacing on (qget__udpio_set_rx_pace) */
	int pace_slow;          /* the last window was slow: reads capped */
	uint64_t (*now_us)(void);
	uint64_t win_start;     /* when the current window began */
	uint64_t win_mark;      /* `delivered` then */
	/* The client's first flight, kept to send again with each probe
	 * while the peer has sent nothing (qget__udpio_set_first_flight). */
	int ff_on;              /* recording or resending */
	struct flight ff;       /* t0: the first datagram went */
	BIO_ADDR *ff_peer;
	/* The client's second flight (its Finished, with the request that
	 * follows it), kept to send again with each Handshake probe. */
	int hf_on;
	struct flight hf;       /* t0: its first datagram went */
	/* A client's connection IDs, from its first Initial: a Version
	 * Negotiation packet must echo them (vn_check). */
	int client;
	int ids_known;
	unsigned char odcid[20], oscid[20];
	size_t odcid_len, oscid_len;
	/* A server's flights, one per client still handshaking
	 * (qget__udpio_set_server_flights); NULL when off. */
	struct sflight *sf;
	int sf_used;            /* slots in use: none, nothing to look up */
	uint64_t sf_batch;      /* send calls, numbered */
	struct qget__udpio_stats st;
};

static void
say(struct udpio *u, const char *text)
{
	char line[300];

	if (u->log == NULL)
		return;
	snprintf(line, sizeof(line), "udp: %s", text);
	u->log(u->log_arg, line);
}

/* The socket as it is now (after creation or a new fd). */
static void
refresh(struct udpio *u)
{
	union sa peer;
	socklen_t len = sizeof(u->bound);

	u->fd = -1;
	BIO_get_fd(u->inner, &u->fd);
	memset(&u->bound, 0, sizeof(u->bound));
	u->family = AF_UNSPEC;
	if (u->fd >= 0 && getsockname(u->fd, &u->bound.sa, &len) == 0)
		u->family = u->bound.sa.sa_family;
	len = sizeof(peer);
	u->connected = u->fd >= 0 && getpeername(u->fd, &peer.sa, &len) == 0;
}

static socklen_t
name_len(int family)
{
	return family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    family == AF_INET ? sizeof(struct sockaddr_in) : 0;
}

/*
 * BIO_ADDR is OpenSSL's union of the sockaddr types (union bio_addr_st),
 * opaque in the API: the plain BIO has the kernel read and write its
 * peers in place, and so do we; its size covers sockaddr_in6 and more.
 */
static struct sockaddr *
addr_sa(BIO_ADDR *a)
{
	return (struct sockaddr *)(void *)a;
}

static int
same_sa(const struct sockaddr *x, const struct sockaddr *y)
{
	if (x->sa_family != y->sa_family)
		return 0;
	if (x->sa_family == AF_INET) {
		const struct sockaddr_in *p = (const void *)x, *q = (const void *)y;

		return p->sin_port == q->sin_port &&
		    p->sin_addr.s_addr == q->sin_addr.s_addr;
	}
	if (x->sa_family == AF_INET6) {
		const struct sockaddr_in6 *p = (const void *)x, *q = (const void *)y;

		return p->sin6_port == q->sin6_port &&
		    p->sin6_scope_id == q->sin6_scope_id &&
		    memcmp(&p->sin6_addr, &q->sin6_addr,
		    sizeof(p->sin6_addr)) == 0;
	}
	return 0;
}

static int
same_peer(BIO_ADDR *a, BIO_ADDR *b)
{
	if (a == b)
		return 1;
	if (a == NULL || b == NULL)
		return 0;
	return same_sa(addr_sa(a), addr_sa(b));
}

/* ---- sending ----------------------------------------------------------- */

static int
plain_send(struct udpio *u, BIO_MSG *msg, size_t stride, size_t num,
    uint64_t flags, size_t *done)
{
	int ok = BIO_sendmmsg(u->inner, msg, stride, num, flags, done);

	if (ok && *done > 0) {
		u->st.sends++;
		u->st.sent += *done;
	}
	return ok;
}

/* What a kernel says when it cannot segment: no UDP_SEGMENT at all
 * (ENOPROTOOPT), a device without checksum offload (EIO), a size it
 * will not take (EINVAL). */
static int
gso_refusal(int e)
{
	return e == EIO || e == ENOPROTOOPT || e == EINVAL || e == EOPNOTSUPP;
}

static void
gso_refused(struct udpio *u, int e)
{
	u->gso = 0;
	snprintf(u->path, sizeof(u->path), "GSO off: the kernel refused "
	    "UDP_SEGMENT (%s)%s", strerror(e), u->gro ?
	    "; GRO receives on" : "");
	say(u, u->path);
}

/*
 * Runs of datagrams to one peer, each run of one size (its last datagram
 * may be shorter), become one message each, with UDP_SEGMENT when longer
 * than one; all messages go in one system call.  A datagram with a local
 * address ends the batch (the inner BIO sends it, with IP_PKTINFO).
 * Returns the messages sent (their datagrams in *done), or -1 with errno
 * and *segmented saying whether the first message, the one that failed,
 * had UDP_SEGMENT.
 */
static int
gso_send(struct udpio *u, BIO_MSG *msg, size_t stride, size_t num,
    size_t *done, int *segmented)
{
	struct mmsghdr mh[MAX_SEND];
	struct iovec iov[MAX_SEND];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[MAX_SEND];
	size_t count[MAX_SEND], i = 0, k, nu = 0, seg, bytes;
	struct cmsghdr *cm;
	BIO_MSG *m, *n;
	int r;

	*done = 0;
	if (num > MAX_SEND)
		num = MAX_SEND;
	while (i < num && (m = &MSG_N(msg, stride, i))->local == NULL) {
		seg = m->data_len;
		bytes = seg;
		iov[i].iov_base = m->data;
		iov[i].iov_len = m->data_len;
		for (k = 1; i + k < num && k < GSO_MAX_SEGS && seg > 0; k++) {
			n = &MSG_N(msg, stride, i + k);
			if (n->local != NULL || n->data_len == 0 ||
			    n->data_len > seg ||
			    bytes + n->data_len > GSO_MAX_BYTES ||
			    !same_peer(n->peer, m->peer))
				break;
			iov[i + k].iov_base = n->data;
			iov[i + k].iov_len = n->data_len;
			bytes += n->data_len;
			if (n->data_len < seg) {
				k++;
				break;
			}
		}
		memset(&mh[nu], 0, sizeof(mh[nu]));
		if (!u->connected && m->peer != NULL) {
			mh[nu].msg_hdr.msg_name = addr_sa(m->peer);
			mh[nu].msg_hdr.msg_namelen = name_len(u->family);
		}
		mh[nu].msg_hdr.msg_iov = &iov[i];
		mh[nu].msg_hdr.msg_iovlen = k;
		if (k > 1) {
			memset(&ctl[nu], 0, sizeof(ctl[nu]));
			mh[nu].msg_hdr.msg_control = ctl[nu].buf;
			mh[nu].msg_hdr.msg_controllen = sizeof(ctl[nu].buf);
			cm = CMSG_FIRSTHDR(&mh[nu].msg_hdr);
			cm->cmsg_level = IPPROTO_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
			*(uint16_t *)(void *)CMSG_DATA(cm) = (uint16_t)seg;
		}
		count[nu++] = k;
		i += k;
	}
	if (nu == 1)
		r = sendmsg(u->fd, &mh[0].msg_hdr, 0) < 0 ? -1 : 1;
	else
		r = sendmmsg(u->fd, mh, (unsigned int)nu, 0);
	if (r < 0) {
		*segmented = count[0] > 1;
		return -1;
	}
	for (i = 0; i < (size_t)r; i++) {
		if (count[i] > 1) {
			u->st.gso_sends++;
			u->st.gso_sent += count[i];
		}
		*done += count[i];
	}
	for (i = 0; i < *done; i++)
		MSG_N(msg, stride, i).flags = 0;
	if (r > 0) {
		u->st.sends++;
		u->st.sent += *done;
	}
	return r;
}

static int
udpio_send_batch(struct udpio *u, BIO_MSG *msg, size_t stride, size_t num,
    uint64_t flags, size_t *done)
{
	int e, segmented = 0;

	*done = 0;
	if (num == 0)
		return 1;
	if (!u->gso || MSG_N(msg, stride, 0).local != NULL)
		return plain_send(u, msg, stride, num, flags, done);
	if (gso_send(u, msg, stride, num, done, &segmented) >= 0)
		return 1;
	e = errno;
	/* A single datagram's failure is not GSO's. */
	if (segmented && gso_refusal(e)) {
		gso_refused(u, e);
		return plain_send(u, msg, stride, num, flags, done);
	}
	ERR_raise(ERR_LIB_SYS, e);
	return 0;
}

/* qget__now_us() is libqget's; qget-serve links this file alone. */
static uint64_t
monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Forgets the datagrams kept, not when the flight began. */
static void
flight_clear(struct flight *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->buf[i]);
	f->n = 0;
	f->bytes = 0;
}

/* Keeps a copy of m, if fewer than max are kept; 0 when out of memory. */
static int
flight_keep(struct flight *f, size_t max, const BIO_MSG *m)
{
	if (f->n >= max)
		return 1;
	if ((f->buf[f->n] = malloc(m->data_len)) == NULL)
		return 0;
	memcpy(f->buf[f->n], m->data, m->data_len);
	f->len[f->n++] = m->data_len;
	f->bytes += m->data_len;
	return 1;
}

/* Sends the flight again, to peer (NULL on a connected socket). */
static void
flight_send(struct udpio *u, struct flight *f, BIO_ADDR *peer)
{
	size_t i, sent;

	for (i = 0; i < f->n; i++) {
		BIO_MSG m = { f->buf[i], f->len[i], peer, NULL, 0 };

		(void)plain_send(u, &m, sizeof(m), 1, 0, &sent);
	}
	u->st.ff_resent += f->n;
	f->resends++;
}

static void
ff_drop(struct udpio *u)
{
	flight_clear(&u->ff);
	BIO_ADDR_free(u->ff_peer);
	u->ff_peer = NULL;
	u->ff_on = 0;
}

/* A long-header Initial packet (RFC 9000 17.2.2) starts the datagram. */
static int
is_initial(const BIO_MSG *m)
{
	const unsigned char *p = m->data;

	return m->data_len >= 7 && (p[0] & 0xf0) == 0xc0 &&
	    (p[1] | p[2] | p[3] | p[4]) != 0;
}

/*
 * OpenSSL 3.5's probe on a probe timeout carries no data that is still
 * in flight: when a client's ClientHello is lost, it sends PINGs, each
 * twice as late as the last, and the server, which has nothing to
 * answer, never gets the ClientHello (the interop runner's longrtt and
 * handshakeloss tests see exactly this).  The same when only part of it
 * is lost: a ClientHello with a post-quantum key share takes two
 * datagrams, the server acknowledges the one it got and waits.  So until
 * the server shows it has the whole ClientHello, each Initial that
 * follows the first flight (a probe) is followed by that flight again,
 * byte for byte: a duplicate, which a server that has it drops (RFC 9000
 * 12.3), and which one that lost it takes.
 */

/* A QUIC variable-length integer (RFC 9000 16) at *p, within end. */
static int
get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	size_t n, i;

	if (*p >= end)
		return 0;
	n = (size_t)1 << (**p >> 6);
	if ((size_t)(end - *p) < n)
		return 0;
	*v = **p & 0x3f;
	for (i = 1; i < n; i++)
		*v = (*v << 8) | (*p)[i];
	*p += n;
	return 1;
}

/*
 * Whether a datagram from the server shows that it has our whole
 * ClientHello: any packet in it other than an Initial (a Handshake
 * packet, which follows the ServerHello; a 1-RTT one), or a Retry or a
 * Version Negotiation packet, after which the flight is stale.  Only the
 * header's unprotected parts are read: the long header's type bits and
 * the Length field of each coalesced Initial (RFC 9000 17.2).  A
 * datagram that does not parse says no: a corrupted one proves nothing.
 */
static int
server_moved_on(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	uint64_t n;

	while (p < end) {
		if ((p[0] & 0x80) == 0)
			return 1;
		if (end - p < 5)
			return 0;
		if ((p[1] | p[2] | p[3] | p[4]) == 0 || (p[0] & 0x30) != 0)
			return 1;
		p += 5;
		if (end - p < 2)
			return 0;
		/* Destination and source connection IDs. */
		if (p[0] > 20 || end - p < 1 + p[0])
			return 0;
		p += 1 + p[0];
		if (p >= end || p[0] > 20 || end - p < 1 + p[0])
			return 0;
		p += 1 + p[0];
		/* The token, then the rest of this packet. */
		if (!get_varint(&p, end, &n) || n > (uint64_t)(end - p))
			return 0;
		p += n;
		if (!get_varint(&p, end, &n) || n > (uint64_t)(end - p))
			return 0;
		p += n;
	}
	return 0;
}

/* Datagrams handed to OpenSSL: the flight is dropped once one shows the
 * server has moved on. */
static void
ff_after_recv(struct udpio *u, const BIO_MSG *msg, size_t stride,
    size_t done)
{
	size_t i;

	for (i = 0; u->ff_on && i < done; i++) {
		const BIO_MSG *m = &MSG_N(msg, stride, i);

		if (server_moved_on(m->data, m->data_len))
			ff_drop(u);
	}
}

/* The connection IDs of a long header (RFC 9000 17.2): 1 when they parse. */
static int
long_ids(const unsigned char *p, size_t len, const unsigned char **dcid,
    size_t *dlen, const unsigned char **scid, size_t *slen)
{
	if (len < 7 || (p[0] & 0x80) == 0 || p[5] > 20 ||
	    len < 7u + p[5] || p[6 + p[5]] > 20 ||
	    len < 7u + p[5] + p[6 + p[5]])
		return 0;
	*dcid = p + 6;
	*dlen = p[5];
	*scid = p + 7 + p[5];
	*slen = p[6 + p[5]];
	return 1;
}

static void
note_ids(struct udpio *u, const BIO_MSG *m)
{
	const unsigned char *d, *sc;
	size_t dl, sl;

	if (!long_ids(m->data, m->data_len, &d, &dl, &sc, &sl))
		return;
	memcpy(u->odcid, d, dl);
	u->odcid_len = dl;
	memcpy(u->oscid, sc, sl);
	u->oscid_len = sl;
	u->ids_known = 1;
}

/*
 * RFC 9000 17.2.1: a client discards a Version Negotiation packet whose
 * connection IDs are not those of a packet it sent, swapped.  OpenSSL
 * 3.5 does not check, and ends the connection ("unsupported protocol
 * version") on any packet whose version field reads 0: in the interop
 * runner's handshakecorruption test, a server Initial whose version
 * bytes the network had zeroed.  Such a datagram is handed to OpenSSL
 * empty, which it drops as it drops any it cannot parse.
 */
static void
vn_filter(struct udpio *u, BIO_MSG *msg, size_t stride, size_t done)
{
	size_t i, dl, sl;
	const unsigned char *d, *sc;

	if (!u->client || !u->ids_known)
		return;
	for (i = 0; i < done; i++) {
		BIO_MSG *m = &MSG_N(msg, stride, i);
		const unsigned char *p = m->data;

		if (m->data_len < 7 || (p[0] & 0x80) == 0 ||
		    (p[1] | p[2] | p[3] | p[4]) != 0)
			continue;
		if (long_ids(p, m->data_len, &d, &dl, &sc, &sl) &&
		    dl == u->oscid_len && memcmp(d, u->oscid, dl) == 0 &&
		    sl == u->odcid_len && memcmp(sc, u->odcid, sl) == 0)
			continue;
		m->data_len = 0;
		u->st.bogus_vn++;
	}
}

static void
ff_after_send(struct udpio *u, const BIO_MSG *msg, size_t stride,
    size_t done)
{
	size_t i;
	uint64_t now;
	int probe = 0;

	if (u->client && !u->ids_known && done > 0 &&
	    is_initial(&MSG_N(msg, stride, 0)))
		note_ids(u, &MSG_N(msg, stride, 0));
	if (!u->ff_on || done == 0)
		return;
	now = monotonic_us();
	if (u->ff.t0 == 0)
		u->ff.t0 = now;
	if (now - u->ff.t0 < FF_WINDOW_US) {
		for (i = 0; i < done; i++) {
			const BIO_MSG *m = &MSG_N(msg, stride, i);

			if (!is_initial(m))
				continue;
			if (!flight_keep(&u->ff, FF_MAX, m)) {
				ff_drop(u);
				return;
			}
			if (u->ff_peer == NULL && m->peer != NULL &&
			    (u->ff_peer = BIO_ADDR_dup(m->peer)) == NULL) {
				ff_drop(u);
				return;
			}
		}
		return;
	}
	if (u->ff.n == 0) {
		ff_drop(u);
		return;
	}
	for (i = 0; i < done; i++)
		if (is_initial(&MSG_N(msg, stride, i)))
			probe = 1;
	if (!probe)
		return;
	flight_send(u, &u->ff, u->ff_peer);
	if (u->ff.resends >= FF_RESENDS)
		ff_drop(u);
}

/*
 * The client's second flight has the same fault: when the datagram with
 * its Finished is lost, OpenSSL probes the Handshake space with PINGs,
 * each twice as late as the last, until an ACK of a later one shows the
 * loss; at 30% loss that took the handshakeloss test's connections past
 * a minute.  So the datagrams from the first one that carries a
 * Handshake packet (the Finished, coalesced with the request's 1-RTT
 * packet) to FF_WINDOW_US after it go again after each later datagram
 * that starts with a Handshake packet (a probe, or an ACK of the
 * server's Handshake packets, which also means ours may be missing), at
 * most FF_RESENDS times.  Once the server has confirmed the handshake it
 * cannot read them and drops them; once the client has, it sends no
 * more Handshake packets.
 */
static void
hf_drop(struct udpio *u)
{
	flight_clear(&u->hf);
	u->hf_on = 0;
}

static int
starts_handshake(const BIO_MSG *m)
{
	const unsigned char *p = m->data;

	return m->data_len >= 5 && (p[0] & 0xf0) == 0xe0 &&
	    (p[1] | p[2] | p[3] | p[4]) != 0;
}

static void
hf_after_send(struct udpio *u, const BIO_MSG *msg, size_t stride,
    size_t done)
{
	size_t i;
	uint64_t now;
	BIO_ADDR *peer = NULL;
	int probe = 0;

	if (!u->hf_on || done == 0)
		return;
	now = monotonic_us();
	if (u->hf.t0 == 0 || now - u->hf.t0 < FF_WINDOW_US) {
		for (i = 0; i < done; i++) {
			const BIO_MSG *m = &MSG_N(msg, stride, i);

			if (!server_moved_on(m->data, m->data_len))
				continue;
			if (u->hf.t0 == 0)
				u->hf.t0 = now;
			if (!flight_keep(&u->hf, FF_MAX, m)) {
				hf_drop(u);
				return;
			}
		}
		return;
	}
	for (i = 0; i < done && !probe; i++)
		if ((probe = starts_handshake(&MSG_N(msg, stride, i))) != 0)
			peer = MSG_N(msg, stride, i).peer;
	if (!probe)
		return;
	flight_send(u, &u->hf, peer);
	if (u->hf.resends >= FF_RESENDS)
		hf_drop(u);
}

/*
 * The server's side of the same fault: OpenSSL 3.5's server, whose
 * ServerHello (two datagrams with a post-quantum key share) or Handshake
 * flight is lost, probes with Initial PINGs only.  While its Initial
 * space has a PING in flight, its probe timer never turns to the
 * Handshake space, so a lost Handshake flight is never sent again; and
 * a client without the whole ServerHello has no Handshake keys to
 * acknowledge anything.  So, per client (its address), the datagrams the
 * server sends it with its first Handshake packet are kept (that send
 * call's, and FF_WINDOW_US's after it: the ServerHello may come long
 * after the client's first Initial, when half of the ClientHello was
 * lost), and each later Initial to it (a probe) is followed by them
 * again, until the client sends a Handshake or 1-RTT packet (it has the
 * ServerHello then, and OpenSSL's own loss detection runs in the
 * Handshake space), at most FF_RESENDS times, and only within RFC 9000
 * 8.1's limit of three times the bytes the client sent.
 */
static void
sf_free(struct udpio *u, struct sflight *f)
{
	if (f->used)
		u->sf_used--;
	flight_clear(&f->fl);
	memset(f, 0, sizeof(*f));
}

static struct sflight *
sf_find(struct udpio *u, BIO_ADDR *peer)
{
	int i;

	if (peer == NULL || u->sf_used == 0)
		return NULL;
	for (i = 0; i < SF_SLOTS; i++)
		if (u->sf[i].used && same_sa(&u->sf[i].peer.sa, addr_sa(peer)))
			return &u->sf[i];
	return NULL;
}

/* A slot for a new client: a free one, or the oldest. */
static struct sflight *
sf_new(struct udpio *u, BIO_ADDR *peer, uint64_t now)
{
	struct sflight *f = NULL;
	int i;
	socklen_t len = name_len(addr_sa(peer)->sa_family);

	if (len == 0)
		return NULL;
	for (i = 0; i < SF_SLOTS; i++) {
		if (!u->sf[i].used) {
			f = &u->sf[i];
			break;
		}
		if (f == NULL || u->sf[i].born < f->born)
			f = &u->sf[i];
	}
	sf_free(u, f);
	f->used = 1;
	u->sf_used++;
	memcpy(&f->peer, addr_sa(peer), len);
	f->born = now;
	return f;
}

static void
sf_after_recv(struct udpio *u, const BIO_MSG *msg, size_t stride,
    size_t done)
{
	size_t i;

	for (i = 0; u->sf != NULL && i < done; i++) {
		const BIO_MSG *m = &MSG_N(msg, stride, i);
		struct sflight *f = sf_find(u, m->peer);

		if (f == NULL && m->peer != NULL && is_initial(m) &&
		    !server_moved_on(m->data, m->data_len))
			f = sf_new(u, m->peer, monotonic_us());
		if (f == NULL)
			continue;
		f->in += m->data_len;
		if (server_moved_on(m->data, m->data_len))
			sf_free(u, f);
	}
}

static void
sf_after_send(struct udpio *u, const BIO_MSG *msg, size_t stride,
    size_t done)
{
	size_t i;
	uint64_t now;

	if (u->sf == NULL || done == 0)
		return;
	now = monotonic_us();
	u->sf_batch++;
	for (i = 0; i < done; i++) {
		const BIO_MSG *m = &MSG_N(msg, stride, i);
		struct sflight *f = sf_find(u, m->peer);
		const unsigned char *p = m->data;

		if (f == NULL)
			continue;
		f->out += m->data_len;
		/* A Retry or a Version Negotiation packet: the client starts
		 * again, and a flight would be stale. */
		if (m->data_len >= 5 && (p[0] & 0x80) != 0 &&
		    ((p[1] | p[2] | p[3] | p[4]) == 0 || (p[0] & 0x30) == 0x30)) {
			sf_free(u, f);
			continue;
		}
		/* Until the ServerHello goes, only this batch counts: what
		 * went before it (ACKs of half a ClientHello, probes) is no
		 * flight.  The batch that carries the first Handshake packet
		 * (with the ServerHello's Initials before it) starts one. */
		if (f->fl.t0 == 0 && f->batch != u->sf_batch) {
			flight_clear(&f->fl);
			f->batch = u->sf_batch;
		}
		if (f->fl.t0 == 0 || now - f->fl.t0 < FF_WINDOW_US) {
			/* Out of memory: a flight the shorter. */
			(void)flight_keep(&f->fl, SF_MAX, m);
			if (f->fl.t0 == 0 && server_moved_on(m->data, m->data_len))
				f->fl.t0 = now;
			continue;
		}
		if (!is_initial(m) || f->fl.n == 0 ||
		    f->fl.resends >= FF_RESENDS ||
		    f->out + f->fl.bytes > 3 * f->in)
			continue;
		flight_send(u, &f->fl, m->peer);
		f->out += f->fl.bytes;
	}
}

static int
udpio_sendmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num,
    uint64_t flags, size_t *done)
{
	struct udpio *u = BIO_get_data(b);
	int r;

	r = udpio_send_batch(u, msg, stride, num, flags, done);
	if (r == 1) {
		ff_after_send(u, msg, stride, *done);
		hf_after_send(u, msg, stride, *done);
		sf_after_send(u, msg, stride, *done);
	}
	return r;
}

/* ---- receiving --------------------------------------------------------- */

static int
plain_recv(struct udpio *u, BIO_MSG *msg, size_t stride, size_t num,
    uint64_t flags, size_t *done)
{
	int ok = BIO_recvmmsg(u->inner, msg, stride, num, flags, done);

	if (ok && *done > 0) {
		u->st.recvs++;
		u->st.received += *done;
	}
	return ok;
}

static size_t
rx_pending(const struct udpio *u)
{
	size_t n = 0;
	int i;

	for (i = u->rx_cur; i < u->rx_n; i++)
		n += u->rx[i].len - (i == u->rx_cur ? u->rx_off : 0);
	/* A datagram of no bytes still waits; so does an error taken off
	 * the socket after datagrams (an ICMP port unreachable during the
	 * handshake): poll() no longer shows it, and whoever waits on the
	 * socket must let the next call have it instead of sleeping. */
	return n == 0 && (u->rx_cur < u->rx_n || u->rx_err != 0) ? 1 : n;
}

/* The local address a slot's IP_PKTINFO or IPV6_PKTINFO names (with the
 * socket's port, as the inner BIO gives it). */
static void
take_local(struct udpio *u, struct msghdr *h, struct rx_slot *s)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm != NULL; cm = CMSG_NXTHDR(h, cm)) {
		if (u->family == AF_INET && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(&s->local, 0, sizeof(s->local));
			s->local.in.sin_family = AF_INET;
			s->local.in.sin_port = u->bound.in.sin_port;
			s->local.in.sin_addr = pi.ipi_addr;
			s->has_local = 1;
		} else if (u->family == AF_INET6 &&
		    cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(&s->local, 0, sizeof(s->local));
			s->local.in6.sin6_family = AF_INET6;
			s->local.in6.sin6_port = u->bound.in6.sin6_port;
			s->local.in6.sin6_scope_id = u->bound.in6.sin6_scope_id;
			s->local.in6.sin6_addr = pi.ipi6_addr;
			s->has_local = 1;
		}
	}
}

/* How many buffers to offer for `want` datagrams: as many as the last
 * receives suggest they need. */
static int
rx_slots(const struct udpio *u, size_t want)
{
	size_t n = (want * 16 + u->rx_avg16 - 1) / u->rx_avg16;

	return n < 1 ? 1 : n > RX_SLOTS ? RX_SLOTS : (int)n;
}

static void
truncated(struct udpio *u, size_t len, size_t seg)
{
	char line[200];

	u->st.truncated++;
	if (u->trunc_said)
		return;
	u->trunc_said = 1;
	snprintf(line, sizeof(line), "a coalesced receive (GRO, %zu-byte "
	    "datagrams) was larger than its %zu-byte buffer: the rest of it "
	    "was lost (said once; counted)", seg, len);
	say(u, line);
}

/* One recvmmsg for up to `want` datagrams; 0, or -errno. */
static int
rx_fill(struct udpio *u, size_t want, int flags)
{
	struct mmsghdr mh[RX_SLOTS];
	struct iovec iov[RX_SLOTS];
	union {
		char buf[CTRL_BYTES];
		struct cmsghdr align;
	} ctl[RX_SLOTS];
	struct cmsghdr *cm;
	struct rx_slot *s;
	size_t nd, total = 0;
	int i, n, vlen = rx_slots(u, want), gso;

	if (u->rxbuf == NULL &&
	    (u->rxbuf = malloc((size_t)RX_SLOTS * RX_SLOT_BYTES)) == NULL)
		return -ENOMEM;
	for (i = 0; i < vlen; i++) {
		memset(&mh[i], 0, sizeof(mh[i]));
		iov[i].iov_base = u->rxbuf + (size_t)i * RX_SLOT_BYTES;
		iov[i].iov_len = RX_SLOT_BYTES;
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
		if (!u->connected) {
			mh[i].msg_hdr.msg_name = &u->rx[i].peer;
			mh[i].msg_hdr.msg_namelen = sizeof(u->rx[i].peer);
		}
		mh[i].msg_hdr.msg_control = ctl[i].buf;
		mh[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	if ((n = recvmmsg(u->fd, mh, (unsigned int)vlen, flags, NULL)) < 0)
		return -errno;
	u->st.recvs++;
	for (i = 0; i < n; i++) {
		s = &u->rx[i];
		s->len = mh[i].msg_len;
		s->seg = s->len;
		s->peerlen = u->connected ? 0 : mh[i].msg_hdr.msg_namelen;
		s->has_local = 0;
		for (cm = CMSG_FIRSTHDR(&mh[i].msg_hdr); cm != NULL;
		    cm = CMSG_NXTHDR(&mh[i].msg_hdr, cm)) {
			if (cm->cmsg_level != IPPROTO_UDP ||
			    cm->cmsg_type != UDP_GRO)
				continue;
			memcpy(&gso, CMSG_DATA(cm), sizeof(gso));
			if (gso > 0 && (size_t)gso < s->len)
				s->seg = (size_t)gso;
		}
		/* A run longer than the buffer (the kernel coalesces at most
		 * 64 KiB, but one never knows) lost its tail: those datagrams
		 * are gone, as on a lossy path, and QUIC sends them again. */
		if (mh[i].msg_hdr.msg_flags & MSG_TRUNC)
			truncated(u, s->len, s->seg);
		take_local(u, &mh[i].msg_hdr, s);
		nd = s->len == 0 ? 1 : (s->len + s->seg - 1) / s->seg;
		total += nd;
		u->st.received += nd;
		if (nd > 1) {
			u->st.gro_recvs++;
			u->st.gro_received += nd;
		}
	}
	if (n > 0)
		u->rx_avg16 = (u->rx_avg16 * 3 + (unsigned)(total * 16 /
		    (size_t)n)) / 4;
	if (u->rx_avg16 < 16)
		u->rx_avg16 = 16;
	u->rx_n = n;
	u->rx_cur = 0;
	u->rx_off = 0;
	return 0;
}

/* The next datagram of the slots into m, cut to m's buffer as the plain
 * BIO's recvmmsg cuts a datagram larger than it. */
static void
hand_out(struct udpio *u, BIO_MSG *m)
{
	struct rx_slot *s = &u->rx[u->rx_cur];
	size_t len = s->len - u->rx_off, take;

	if (len > s->seg)
		len = s->seg;
	take = len < m->data_len ? len : m->data_len;
	memcpy(m->data, u->rxbuf + (size_t)u->rx_cur * RX_SLOT_BYTES +
	    u->rx_off, take);
	m->data_len = take;
	m->flags = 0;
	if (m->peer != NULL) {
		if (s->peerlen > 0 && s->peerlen <= name_len(s->peer.sa.sa_family))
			memcpy(addr_sa(m->peer), &s->peer, s->peerlen);
		else
			BIO_ADDR_clear(m->peer);
	}
	if (m->local != NULL) {
		if (s->has_local)
			memcpy(addr_sa(m->local), &s->local,
			    name_len(s->local.sa.sa_family));
		else
			BIO_ADDR_clear(m->local);
	}
	u->rx_off += len;
	if (u->rx_off >= s->len) {
		u->rx_cur++;
		u->rx_off = 0;
	}
}

/*
 * How many of `num` this read may hand out.  A window ends at the first
 * read PACE_WINDOW_US or more after it began; it was slow if fewer than
 * PACE_SLOW_MAX per PACE_WINDOW_US went out over its whole length (a
 * window that spans a pause is judged by its rate, not by its count).
 */
static size_t
pace_cap(struct udpio *u, size_t num)
{
	uint64_t now = u->now_us(), span = now - u->win_start;

	if (span >= PACE_WINDOW_US) {
		u->pace_slow = (u->delivered - u->win_mark) * PACE_WINDOW_US <
		    (uint64_t)PACE_SLOW_MAX * span;
		u->win_start = now;
		u->win_mark = u->delivered;
	}
	return u->pace_slow && num > PACE_CAP ? PACE_CAP : num;
}

static int
udpio_recvmmsg(BIO *b, BIO_MSG *msg, size_t stride, size_t num,
    uint64_t flags, size_t *done)
{
	struct udpio *u = BIO_get_data(b);
	size_t i, asked = num;
	int r, on = 0;

	*done = 0;
	if (num == 0)
		return 1;
	if (u->pace)
		num = pace_cap(u, num);
	if (!u->gro && u->rx_cur >= u->rx_n && u->rx_err == 0) {
		r = plain_recv(u, msg, stride, num, flags, done);
		u->delivered += *done;
		vn_filter(u, msg, stride, *done);
		ff_after_recv(u, msg, stride, *done);
		sf_after_recv(u, msg, stride, *done);
		/* Counted when the cap may have left some: it was reached. */
		if (num < asked && *done == num)
			u->st.paced++;
		return r;
	}
	for (i = 0; i < num; i++) {
		if (MSG_N(msg, stride, i).local == NULL)
			continue;
		BIO_ctrl(u->inner, BIO_CTRL_DGRAM_GET_LOCAL_ADDR_ENABLE, 0, &on);
		if (!on) {
			ERR_raise(ERR_LIB_BIO, BIO_R_LOCAL_ADDR_NOT_AVAILABLE);
			return 0;
		}
		break;
	}
	for (i = 0; i < num;) {
		if (u->rx_cur < u->rx_n) {
			hand_out(u, &MSG_N(msg, stride, i++));
			continue;
		}
		if (u->rx_err != 0) {
			if (i > 0)
				break;
			r = u->rx_err;
			u->rx_err = 0;
			ERR_raise(ERR_LIB_SYS, r);
			return 0;
		}
		if (!u->gro)
			break;
		/* Waiting (on a blocking socket) only for the first. */
		if ((r = rx_fill(u, num - i, i > 0 ? MSG_DONTWAIT :
		    MSG_WAITFORONE)) == 0)
			continue;
		if (i == 0) {
			ERR_raise(ERR_LIB_SYS, -r);
			return 0;
		}
		/* As recvmmsg does: the datagrams now, the error next time
		 * (EAGAIN is no error, only the end of what there is). */
		if (!BIO_sock_non_fatal_error(-r))
			u->rx_err = -r;
		break;
	}
	*done = i;
	u->delivered += i;
	vn_filter(u, msg, stride, i);
	ff_after_recv(u, msg, stride, i);
	sf_after_recv(u, msg, stride, i);
	if (num < asked && i == num)
		u->st.paced++;
	return 1;
}

/* ---- the rest is the inner BIO's --------------------------------------- */

static long
udpio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct udpio *u = BIO_get_data(b);
	long ret;

	if (u == NULL)
		return 0;
	if (cmd == BIO_CTRL_PENDING)
		return (long)rx_pending(u);
	ret = BIO_ctrl(u->inner, cmd, num, ptr);
	if (cmd == BIO_C_SET_FD || cmd == BIO_CTRL_DGRAM_CONNECT ||
	    cmd == BIO_CTRL_DGRAM_SET_CONNECTED)
		refresh(u);
	return ret;
}

static long
udpio_callback_ctrl(BIO *b, int cmd, BIO_info_cb *fp)
{
	struct udpio *u = BIO_get_data(b);

	return u != NULL ? BIO_callback_ctrl(u->inner, cmd, fp) : 0;
}

static int
udpio_destroy(BIO *b)
{
	struct udpio *u = BIO_get_data(b);
	BIO_METHOD *meth;

	if (u == NULL)
		return 1;
	BIO_set_data(b, NULL);
	BIO_set_init(b, 0);
	ff_drop(u);
	hf_drop(u);
	if (u->sf != NULL) {
		int i;

		for (i = 0; i < SF_SLOTS; i++)
			sf_free(u, &u->sf[i]);
		free(u->sf);
	}
	BIO_free_all(u->inner);
	free(u->rxbuf);
	/* BIO_free() no longer looks at the method once this returns. */
	meth = u->meth;
	free(u);
	BIO_meth_free(meth);
	return 1;
}

/* QGET_NO_GSO turns GSO and GRO off with any value but "" and "0",
 * compared as they are: "false", "no", "00" or " 0" turn it off too (the
 * variable is a switch that is on once set, not a boolean to parse).  So
 * does QGET_NO_RXPACE read pacing. */
static int
env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

static void
start(struct udpio *u, const char *off)
{
	char gro_why[64] = "", gso_why[64] = "";
	int one = 1, size = 0;
	socklen_t len = sizeof(size);

	if (off == NULL && env_set("QGET_NO_GSO"))
		off = "QGET_NO_GSO is set";
	if (off != NULL) {
		snprintf(u->path, sizeof(u->path),
		    "plain sendmmsg/recvmmsg (%s)", off);
		return;
	}
	if (u->family != AF_INET && u->family != AF_INET6) {
		snprintf(u->path, sizeof(u->path),
		    "plain sendmmsg/recvmmsg (not an IP socket)");
		return;
	}
	/* A kernel that knows UDP_SEGMENT answers for the socket's size. */
	if (getsockopt(u->fd, IPPROTO_UDP, UDP_SEGMENT, &size, &len) == 0)
		u->gso = 1;
	else
		snprintf(gso_why, sizeof(gso_why), " (UDP_SEGMENT: %s)",
		    strerror(errno));
	if (setsockopt(u->fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0)
		u->gro = 1;
	else
		snprintf(gro_why, sizeof(gro_why), " (UDP_GRO: %s)",
		    strerror(errno));
	if (u->gso && u->gro)
		snprintf(u->path, sizeof(u->path),
		    "GSO sends and GRO receives on");
	else
		snprintf(u->path, sizeof(u->path), "GSO sends %s%s, GRO "
		    "receives %s%s", u->gso ? "on" : "off", gso_why,
		    u->gro ? "on" : "off", gro_why);
}

BIO *
qget__udpio_new(BIO *inner, const char *off, qget__udpio_log_fn log,
    void *log_arg)
{
	BIO_METHOD *meth = NULL;
	struct udpio *u = NULL;
	BIO *b = NULL;

	if (inner == NULL)
		goto out;
	if ((meth = BIO_meth_new(UDPIO_TYPE, UDPIO_NAME)) == NULL ||
	    !BIO_meth_set_sendmmsg(meth, udpio_sendmmsg) ||
	    !BIO_meth_set_recvmmsg(meth, udpio_recvmmsg) ||
	    !BIO_meth_set_ctrl(meth, udpio_ctrl) ||
	    !BIO_meth_set_callback_ctrl(meth, udpio_callback_ctrl) ||
	    !BIO_meth_set_destroy(meth, udpio_destroy) ||
	    (u = calloc(1, sizeof(*u))) == NULL ||
	    (b = BIO_new(meth)) == NULL)
		goto out;
	/* No BIO_read/BIO_write: with UDP_GRO on, a read that does not
	 * split would hand OpenSSL whole coalesced runs. */
	u->meth = meth;
	u->inner = inner;
	u->log = log;
	u->log_arg = log_arg;
	u->rx_avg16 = 16;
	refresh(u);
	start(u, off);
	BIO_set_data(b, u);
	BIO_set_init(b, 1);
	say(u, u->path);
	return b;
out:
	free(u);
	BIO_meth_free(meth);
	BIO_free_all(inner);
	return NULL;
}

static struct udpio *
udpio_of(BIO *b)
{
	return b != NULL && BIO_method_type(b) == UDPIO_TYPE &&
	    strcmp(BIO_method_name(b), UDPIO_NAME) == 0 ? BIO_get_data(b) :
	    NULL;
}

int
qget__udpio_set_rx_pace(BIO *b, uint64_t (*now_us)(void))
{
	struct udpio *u = udpio_of(b);

	if (u == NULL)
		return 0;
	if (env_set("QGET_NO_RXPACE")) {
		u->pace = 0;
		say(u, "read pacing off (QGET_NO_RXPACE is set)");
		return 0;
	}
	u->now_us = now_us != NULL ? now_us : monotonic_us;
	/* A connection starts slow: the handshake is a handful of
	 * datagrams. */
	u->pace = 1;
	u->pace_slow = 1;
	u->win_start = u->now_us();
	u->win_mark = u->delivered;
	say(u, "read pacing on (2 datagrams per read below 64 per 10 ms)");
	return 1;
}

int
qget__udpio_set_first_flight(BIO *b)
{
	struct udpio *u = udpio_of(b);

	if (u == NULL)
		return 0;
	u->ff_on = 1;
	u->hf_on = 1;
	u->client = 1;
	say(u, "the first flight goes again with each probe until the "
	    "server has it");
	return 1;
}

int
qget__udpio_set_server_flights(BIO *b)
{
	struct udpio *u = udpio_of(b);

	if (u == NULL)
		return 0;
	if (u->sf == NULL && (u->sf = calloc(SF_SLOTS, sizeof(*u->sf))) == NULL)
		return 0;
	say(u, "the first flight to each client goes again with each probe "
	    "until the client has it");
	return 1;
}

int
qget__udpio_get_stats(BIO *b, struct qget__udpio_stats *out)
{
	struct udpio *u = udpio_of(b);

	memset(out, 0, sizeof(*out));
	if (u == NULL)
		return 0;
	*out = u->st;
	return 1;
}

int
qget__udpio_unseen(BIO *b)
{
	struct udpio *u = udpio_of(b);
	int news;

	if (u == NULL)
		return 0;
	news = u->delivered != u->seen;
	u->seen = u->delivered;
	return news;
}

size_t
qget__udpio_drop_held(BIO *b)
{
	struct udpio *u = udpio_of(b);
	size_t n = 0, left;
	int i;

	if (u == NULL)
		return 0;
	for (i = u->rx_cur; i < u->rx_n; i++) {
		left = u->rx[i].len - (i == u->rx_cur ? u->rx_off : 0);
		n += left == 0 ? 1 : (left + u->rx[i].seg - 1) / u->rx[i].seg;
	}
	u->rx_cur = u->rx_n;
	u->rx_off = 0;
	u->st.dropped += n;
	return n;
}

int
qget__udpio_rx_error(BIO *b)
{
	struct udpio *u = udpio_of(b);

	return u != NULL ? u->rx_err : 0;
}

static double
per(uint64_t a, uint64_t b)
{
	return b != 0 ? (double)a / (double)b : 0.0;
}

void
qget__udpio_log_stats(BIO *b)
{
	struct udpio *u = udpio_of(b);
	char line[400];
	int n;

	if (u == NULL || u->log == NULL)
		return;
	n = snprintf(line, sizeof(line), "udp: %llu sends carried %llu "
	    "datagrams (%.1f per send; %llu GSO messages of %.1f), %llu "
	    "receives carried %llu datagrams (%.1f per receive; %llu GRO "
	    "buffers of %.1f)", (unsigned long long)u->st.sends,
	    (unsigned long long)u->st.sent, per(u->st.sent, u->st.sends),
	    (unsigned long long)u->st.gso_sends,
	    per(u->st.gso_sent, u->st.gso_sends),
	    (unsigned long long)u->st.recvs,
	    (unsigned long long)u->st.received,
	    per(u->st.received, u->st.recvs),
	    (unsigned long long)u->st.gro_recvs,
	    per(u->st.gro_received, u->st.gro_recvs));
	/* Only when there were any: the line stays as it was otherwise. */
	if (n > 0 && (size_t)n < sizeof(line) &&
	    (u->st.truncated != 0 || u->st.dropped != 0))
		snprintf(line + n, sizeof(line) - (size_t)n, "; %llu GRO "
		    "buffers cut short, %llu held datagrams dropped",
		    (unsigned long long)u->st.truncated,
		    (unsigned long long)u->st.dropped);
	u->log(u->log_arg, line);
	/* A line of its own: scripts parse the one above to its end. */
	if (!u->pace)
		return;
	snprintf(line, sizeof(line), "udp: read pacing cut %llu reads to %d "
	    "datagrams", (unsigned long long)u->st.paced, PACE_CAP);
	u->log(u->log_arg, line);
	if (u->st.bogus_vn != 0) {
		snprintf(line, sizeof(line), "udp: %llu Version Negotiation "
		    "packets with the wrong connection IDs dropped",
		    (unsigned long long)u->st.bogus_vn);
		u->log(u->log_arg, line);
	}
	if (u->st.ff_resent == 0)
		return;
	snprintf(line, sizeof(line), "udp: %llu first-flight datagrams sent "
	    "again with probes", (unsigned long long)u->st.ff_resent);
	u->log(u->log_arg, line);
}
