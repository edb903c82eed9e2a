/* The GSO/GRO datagram BIO (src/lib/udpio.c) over real loopback UDP
 * sockets: what it sends arrives as the datagrams OpenSSL gave it, what
 * arrives coalesced is split back in order with each datagram's peer, and
 * the plain path (GSO off) gives the same results. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "check.h"
#include "udpio.h"

#define MAXD 128

static char logged[4096];

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	strncat(logged, line, sizeof(logged) - strlen(logged) - 2);
	strcat(logged, "\n");
}

/* A non-blocking UDP socket on 127.0.0.1 (or ::1), any port; -1 when
 * the family is not there. */
static int
udp_socket(int family, struct sockaddr_storage *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0), rcvbuf = 1 << 20;

	memset(addr, 0, sizeof(*addr));
	if (fd < 0)
		return -1;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)addr;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	/* Room for 100 datagrams at once, whatever the system's default. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)addr, family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static BIO_ADDR *
bio_addr(const struct sockaddr_storage *ss)
{
	BIO_ADDR *a = BIO_ADDR_new();

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		BIO_ADDR_rawmake(a, AF_INET6, &s->sin6_addr,
		    sizeof(s->sin6_addr), s->sin6_port);
	} else {
		const struct sockaddr_in *s = (const void *)ss;

		BIO_ADDR_rawmake(a, AF_INET, &s->sin_addr,
		    sizeof(s->sin_addr), s->sin_port);
	}
	return a;
}

/* The BIO over a fresh socket; off as qget__udpio_new takes it. */
static BIO *
new_bio(int family, const char *off, struct sockaddr_storage *addr, int *fd)
{
	BIO *inner = BIO_new(BIO_s_datagram());

	*fd = udp_socket(family, addr);
	if (inner == NULL || *fd < 0) {
		BIO_free(inner);
		return NULL;
	}
	BIO_set_fd(inner, *fd, BIO_CLOSE);
	return qget__udpio_new(inner, off, log_line, NULL);
}

/* Datagram i of a test: its index in the first bytes, then a pattern. */
static void
fill(unsigned char *p, size_t len, unsigned i)
{
	size_t j;

	for (j = 0; j < len; j++)
		p[j] = (unsigned char)(i * 31 + j * 7);
	if (len >= 2) {
		p[0] = (unsigned char)i;
		p[1] = (unsigned char)(i >> 8);
	}
}

static int
matches(const unsigned char *p, size_t len, unsigned i)
{
	unsigned char want[2048];

	fill(want, len, i);
	return len <= sizeof(want) && memcmp(p, want, len) == 0;
}

/* Sends n datagrams of sizes[i] to peers[i] through b as OpenSSL does:
 * BIO_sendmmsg until all went.  1 on success. */
static int
send_all(BIO *b, const size_t *sizes, BIO_ADDR **peers, size_t n)
{
	static unsigned char data[MAXD][2048];
	BIO_MSG msg[MAXD];
	size_t i, off = 0, done;
	int tries = 0;

	for (i = 0; i < n; i++) {
		fill(data[i], sizes[i], (unsigned)i);
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].data = data[i];
		msg[i].data_len = sizes[i];
		msg[i].peer = peers[i];
	}
	while (off < n && tries++ < 1000) {
		if (!BIO_sendmmsg(b, msg + off, sizeof(BIO_MSG), n - off, 0,
		    &done)) {
			if (!BIO_err_is_non_fatal(ERR_peek_last_error()))
				return 0;
			ERR_clear_error();
			continue;
		}
		off += done;
	}
	return off == n;
}

/* Reads datagrams off a plain socket until n or a second of silence:
 * their sizes and whether each is datagram i's bytes, in order. */
static size_t
recv_plain(int fd, size_t *sizes, int *ok, size_t n)
{
	unsigned char buf[65536];
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno != EAGAIN || poll(&pfd, 1, 1000) <= 0)
				break;
			continue;
		}
		sizes[got] = (size_t)r;
		ok[got] = matches(buf, (size_t)r, (unsigned)got);
		got++;
	}
	return got;
}

static int
all_ok(const size_t *got, const int *ok, const size_t *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i] || !ok[i])
			return 0;
	return 1;
}

static int
same_addr(const BIO_ADDR *a, const struct sockaddr_storage *ss)
{
	unsigned char raw[16];
	size_t len = sizeof(raw);

	if (BIO_ADDR_family(a) != ss->ss_family ||
	    !BIO_ADDR_rawaddress(a, raw, &len))
		return 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		return BIO_ADDR_rawport(a) == s->sin6_port && len == 16 &&
		    memcmp(raw, &s->sin6_addr, 16) == 0;
	}
	{
		const struct sockaddr_in *s = (const void *)ss;

		return BIO_ADDR_rawport(a) == s->sin_port && len == 4 &&
		    memcmp(raw, &s->sin_addr, 4) == 0;
	}
}

/* One peer, 20 x 1200 + 700: 21 datagrams arrive, and with GSO in one
 * message. */
static void
test_send_run(int family, const char *off, const char *tag)
{
	struct sockaddr_storage a, r;
	struct qget__udpio_stats st;
	size_t sizes[21], got[21], i;
	BIO_ADDR *peers[21], *peer;
	int fd, rfd, ok[21];
	char name[160];
	BIO *b = new_bio(family, off, &a, &fd);

	if (b == NULL || (rfd = udp_socket(family, &r)) < 0) {
		printf("SKIP %s: no %s loopback\n", tag,
		    family == AF_INET6 ? "IPv6" : "IPv4");
		BIO_free(b);
		return;
	}
	peer = bio_addr(&r);
	for (i = 0; i < 21; i++) {
		sizes[i] = i < 20 ? 1200 : 700;
		peers[i] = peer;
	}
	snprintf(name, sizeof(name), "%s: 20 x 1200 + 700 sent", tag);
	CHECK(name, send_all(b, sizes, peers, 21));
	snprintf(name, sizeof(name), "%s: 21 datagrams arrive, sizes and "
	    "bytes right", tag);
	CHECK(name, recv_plain(rfd, got, ok, 21) == 21 &&
	    all_ok(got, ok, sizes, 21));
	qget__udpio_get_stats(b, &st);
	snprintf(name, sizeof(name), "%s: counted as %s", tag, off ?
	    "plain sends, no GSO" : "one GSO message of 21");
	if (off)
		CHECK(name, st.gso_sends == 0 && st.sent == 21 && st.sends >= 1);
	else
		CHECK(name, st.gso_sends == 1 && st.gso_sent == 21 &&
		    st.sends == 1 && st.sent == 21);
	BIO_ADDR_free(peer);
	BIO_free(b);
	close(rfd);
}

/* Mixed sizes and two peers in one batch: each peer gets its own in
 * order; runs end at a larger datagram, after a shorter one, at a peer
 * change. */
static void
test_send_mixed(const char *off, const char *tag)
{
	/* to A: 1200 1200 1200 800 | B: 1200 1200 | A: 500 500 300 |
	 * A: 1000 | A: 1200 1200 | B: 90 */
	static const size_t sz[] = { 1200, 1200, 1200, 800, 1200, 1200, 500,
		500, 300, 1000, 1200, 1200, 90 };
	static const int to_b[] = { 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1 };
	const size_t n = sizeof(sz) / sizeof(sz[0]);
	struct sockaddr_storage a, ra, rb;
	struct qget__udpio_stats st;
	size_t sizes[16], wa[16], wb[16], na = 0, nb = 0, got[16], i;
	BIO_ADDR *peers[16], *pa, *pb;
	unsigned char buf[2048];
	int fd, fa, fb, ok[16], good = 1;
	char name[160];
	BIO *b = new_bio(AF_INET, off, &a, &fd);

	fa = udp_socket(AF_INET, &ra);
	fb = udp_socket(AF_INET, &rb);
	pa = bio_addr(&ra);
	pb = bio_addr(&rb);
	for (i = 0; i < n; i++) {
		sizes[i] = sz[i];
		peers[i] = to_b[i] ? pb : pa;
		if (to_b[i])
			wb[nb++] = i;
		else
			wa[na++] = i;
	}
	snprintf(name, sizeof(name), "%s: mixed sizes to two peers sent", tag);
	CHECK(name, b != NULL && send_all(b, sizes, peers, n));
	/* Datagram i carries index i: check each peer's against its list. */
	for (i = 0; i < na + nb; i++) {
		int rfd = i < na ? fa : fb;
		size_t want = i < na ? wa[i] : wb[i - na];
		struct pollfd pfd = { rfd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pfd, 1, 1000) <= 0 ||
		    (r = recv(rfd, buf, sizeof(buf), 0)) < 0) {
			good = 0;
			break;
		}
		got[0] = (size_t)r;
		ok[0] = matches(buf, (size_t)r, (unsigned)want);
		if (got[0] != sz[want] || !ok[0])
			good = 0;
	}
	snprintf(name, sizeof(name), "%s: each peer gets its datagrams, in "
	    "order, sizes and bytes right", tag);
	CHECK(name, good && recv(fa, buf, sizeof(buf), 0) < 0 &&
	    recv(fb, buf, sizeof(buf), 0) < 0);
	qget__udpio_get_stats(b, &st);
	snprintf(name, sizeof(name), "%s: %s", tag, off ? "no GSO message" :
	    "runs split at peer and size: GSO messages of 4, 2, 3, 2");
	if (off)
		CHECK(name, st.gso_sends == 0 && st.sent == n);
	else
		CHECK(name, st.gso_sends == 4 && st.gso_sent == 11 &&
		    st.sent == n && st.sends == 1);
	BIO_ADDR_free(pa);
	BIO_ADDR_free(pb);
	BIO_free(b);
	close(fa);
	close(fb);
}

/* 100 datagrams: more than one GSO message may carry, by bytes (1200:
 * 54 fit in 65000) and by count (500: 64 segments at most). */
static void
test_send_many(size_t size, const char *off, const char *tag)
{
	struct sockaddr_storage a, r;
	struct qget__udpio_stats st;
	size_t sizes[100], got[100], i;
	BIO_ADDR *peers[100], *peer;
	int fd, rfd, ok[100];
	char name[160];
	BIO *b = new_bio(AF_INET, off, &a, &fd);

	rfd = udp_socket(AF_INET, &r);
	peer = bio_addr(&r);
	for (i = 0; i < 100; i++) {
		sizes[i] = size;
		peers[i] = peer;
	}
	snprintf(name, sizeof(name), "%s: 100 x %zu sent", tag, size);
	CHECK(name, b != NULL && send_all(b, sizes, peers, 100));
	snprintf(name, sizeof(name), "%s: 100 x %zu arrive, sizes and bytes "
	    "right", tag, size);
	CHECK(name, recv_plain(rfd, got, ok, 100) == 100 &&
	    all_ok(got, ok, sizes, 100));
	qget__udpio_get_stats(b, &st);
	snprintf(name, sizeof(name), "%s: 100 x %zu in %s", tag, size,
	    off ? "plain sends" : "two GSO messages (54 + 46 or 64 + 36)");
	if (off)
		CHECK(name, st.gso_sends == 0 && st.sent == 100);
	else
		CHECK(name, st.gso_sends == 2 && st.gso_sent == 100 &&
		    st.sends == 1);
	BIO_ADDR_free(peer);
	BIO_free(b);
	close(rfd);
}

/*
 * 40 datagrams (39 x 1200 + 333) from `sender` (a plain socket, or with
 * gso_sender a GSO BIO: then they arrive coalesced) read through b in
 * batches of 8 as OpenSSL's demux reads: all 40, in order, with their
 * lengths, bytes and the sender's address.
 */
static void
test_recv(const char *off, int gso_sender, const char *tag)
{
	struct sockaddr_storage a, s;
	struct qget__udpio_stats st;
	unsigned char bufs[8][1500];
	BIO_ADDR *peers[8];
	BIO_MSG msg[8];
	size_t sizes[40], i, done, got = 0, calls = 0, batch;
	BIO_ADDR *to, *pp[40];
	int fd, sfd = -1, good = 1, leftover_seen = 0;
	char name[160];
	BIO *b = new_bio(AF_INET, off, &a, &fd), *sb = NULL;

	to = bio_addr(&a);
	for (i = 0; i < 40; i++) {
		sizes[i] = i < 39 ? 1200 : 333;
		pp[i] = to;
	}
	if (gso_sender) {
		sb = new_bio(AF_INET, NULL, &s, &sfd);
		CHECK("recv: the GSO sender sends 40", sb != NULL &&
		    send_all(sb, sizes, pp, 40));
	} else {
		unsigned char d[1200];

		sfd = udp_socket(AF_INET, &s);
		for (i = 0; i < 40; i++) {
			fill(d, sizes[i], (unsigned)i);
			if (sendto(sfd, d, sizes[i], 0, (struct sockaddr *)&a,
			    sizeof(struct sockaddr_in)) != (ssize_t)sizes[i])
				good = 0;
		}
	}
	for (i = 0; i < 8; i++)
		peers[i] = BIO_ADDR_new();
	while (got < 40 && calls < 200) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		calls++;
		for (i = 0; i < 8; i++) {
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].data = bufs[i];
			msg[i].data_len = sizeof(bufs[i]);
			BIO_ADDR_clear(peers[i]);
			msg[i].peer = peers[i];
		}
		if (!BIO_recvmmsg(b, msg, sizeof(BIO_MSG), 8, 0, &done)) {
			if (!BIO_err_is_non_fatal(ERR_peek_last_error())) {
				good = 0;
				break;
			}
			ERR_clear_error();
			/* The contract: datagrams held back show in
			 * BIO_pending; only without them wait on the fd. */
			if (BIO_pending(b) == 0 && poll(&pfd, 1, 1000) <= 0)
				break;
			continue;
		}
		batch = done;
		for (i = 0; i < batch && got < 40; i++, got++)
			if (msg[i].data_len != sizes[got] ||
			    !matches(bufs[i], msg[i].data_len,
			    (unsigned)got) || !same_addr(peers[i], &s))
				good = 0;
		if (BIO_pending(b) > 0 && poll(&pfd, 1, 0) == 0)
			leftover_seen = 1;
	}
	snprintf(name, sizeof(name), "%s: 40 datagrams read in batches of 8, "
	    "in order, lengths, bytes and peer right", tag);
	CHECK(name, good && got == 40);
	qget__udpio_get_stats(b, &st);
	snprintf(name, sizeof(name), "%s: counted %s", tag, off ?
	    "as plain receives" : gso_sender ? "as GRO buffers, the rest "
	    "held back where poll() cannot see it" : "one datagram per "
	    "buffer, up to 8 per call");
	if (off)
		CHECK(name, st.received == 40 && st.gro_recvs == 0);
	else if (gso_sender)
		CHECK(name, st.received == 40 && st.gro_recvs >= 1 &&
		    st.gro_received >= 16 && leftover_seen);
	else
		CHECK(name, st.received == 40 && st.gro_recvs == 0 &&
		    st.recvs <= 40);
	for (i = 0; i < 8; i++)
		BIO_ADDR_free(peers[i]);
	BIO_ADDR_free(to);
	BIO_free(sb);
	if (!gso_sender)
		close(sfd);
	BIO_free(b);
}

/* Nothing to read: failure, nothing processed, and the same non-fatal
 * error on the queue as BIO_s_datagram leaves. */
static void
test_eagain(const char *off, const char *tag)
{
	struct sockaddr_storage a, p;
	unsigned char buf[1500];
	BIO_MSG m;
	size_t done = 99, pdone = 99;
	unsigned long e, pe;
	int fd, pfd, r, pr;
	char name[160];
	BIO *b = new_bio(AF_INET, off, &a, &fd), *plain;

	plain = BIO_new(BIO_s_datagram());
	pfd = udp_socket(AF_INET, &p);
	BIO_set_fd(plain, pfd, BIO_CLOSE);
	memset(&m, 0, sizeof(m));
	m.data = buf;
	m.data_len = sizeof(buf);
	ERR_clear_error();
	pr = BIO_recvmmsg(plain, &m, sizeof(m), 1, 0, &pdone);
	pe = ERR_peek_last_error();
	ERR_clear_error();
	m.data_len = sizeof(buf);
	r = BIO_recvmmsg(b, &m, sizeof(m), 1, 0, &done);
	e = ERR_peek_last_error();
	ERR_clear_error();
	snprintf(name, sizeof(name), "%s: nothing to read fails as "
	    "BIO_s_datagram does: 0, none processed, non-fatal %s", tag,
	    ERR_SYSTEM_ERROR(pe) ? strerror(ERR_GET_REASON(pe)) : "?");
	CHECK(name, pr == 0 && r == 0 && done == 0 && pdone == 0 && e == pe &&
	    BIO_err_is_non_fatal(e) && !BIO_should_retry(b) ==
	    !BIO_should_retry(plain));
	BIO_free(plain);
	BIO_free(b);
}

/* A datagram larger than the caller's buffer is cut to it, as by the
 * plain BIO (recvmmsg without MSG_TRUNC in flags). */
static void
test_truncate(void)
{
	struct sockaddr_storage a, s;
	unsigned char d[1200], buf[1000];
	struct pollfd pfd;
	BIO_MSG m;
	size_t done = 0;
	int fd, sfd, ok;
	BIO *b = new_bio(AF_INET, NULL, &a, &fd);

	sfd = udp_socket(AF_INET, &s);
	fill(d, sizeof(d), 5);
	sendto(sfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	pfd.fd = fd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 1000);
	memset(&m, 0, sizeof(m));
	m.data = buf;
	m.data_len = sizeof(buf);
	ok = BIO_recvmmsg(b, &m, sizeof(m), 1, 0, &done);
	CHECK("a datagram larger than the buffer is cut to it, as the plain "
	    "BIO does", ok && done == 1 && m.data_len == sizeof(buf) &&
	    memcmp(buf, d, sizeof(buf)) == 0 && BIO_pending(b) == 0);
	close(sfd);
	BIO_free(b);
}

/* The local address, when OpenSSL turns it on: from IP_PKTINFO on the
 * GRO path too. */
static void
test_local(void)
{
	struct sockaddr_storage a, s;
	unsigned char d[100], buf[1500];
	struct pollfd pfd;
	BIO_ADDR *local = BIO_ADDR_new(), *peer = BIO_ADDR_new();
	BIO_MSG m;
	size_t done = 0;
	int fd, sfd, ok, cap;
	BIO *b = new_bio(AF_INET, NULL, &a, &fd);

	cap = BIO_dgram_get_local_addr_cap(b);
	CHECK("local address: capability and enabling pass through", cap &&
	    BIO_dgram_set_local_addr_enable(b, 1));
	sfd = udp_socket(AF_INET, &s);
	fill(d, sizeof(d), 1);
	sendto(sfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	pfd.fd = fd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 1000);
	memset(&m, 0, sizeof(m));
	m.data = buf;
	m.data_len = sizeof(buf);
	m.peer = peer;
	m.local = local;
	ok = BIO_recvmmsg(b, &m, sizeof(m), 1, 0, &done);
	CHECK("local address: 127.0.0.1 and the socket's port",
	    ok && done == 1 && same_addr(local, &a) && same_addr(peer, &s));
	BIO_ADDR_free(local);
	BIO_ADDR_free(peer);
	close(sfd);
	BIO_free(b);
}

/* What OpenSSL asks the BIO, answered by the BIO_s_datagram inside. */
static void
test_ctrls(void)
{
	struct sockaddr_storage a;
	BIO_POLL_DESCRIPTOR pd;
	int fd, got = -2;
	BIO *b = new_bio(AF_INET, NULL, &a, &fd), *plain;

	plain = BIO_new(BIO_s_datagram());
	BIO_set_fd(plain, fd, BIO_NOCLOSE);
	memset(&pd, 0, sizeof(pd));
	BIO_get_fd(b, &got);
	CHECK("ctrl: the fd", got == fd);
	CHECK("ctrl: poll descriptor is the socket",
	    BIO_get_rpoll_descriptor(b, &pd) &&
	    pd.type == BIO_POLL_DESCRIPTOR_TYPE_SOCK_FD && pd.value.fd == fd);
	CHECK("ctrl: effective caps as BIO_s_datagram's",
	    BIO_dgram_get_effective_caps(b) ==
	    BIO_dgram_get_effective_caps(plain));
	CHECK("ctrl: MTU as BIO_s_datagram's",
	    BIO_dgram_get_mtu(b) == BIO_dgram_get_mtu(plain));
	CHECK("ctrl: non-blocking mode", BIO_set_nbio(b, 1) == 1);
	CHECK("ctrl: nothing pending", BIO_pending(b) == 0);
	BIO_free(plain);
	BIO_free(b);
}

/* The kernel refusing UDP_SEGMENT (SO_NO_CHECK makes it EINVAL): the
 * batch goes plain, GSO stays off, and the log says so once. */
static void
test_refused(void)
{
	struct sockaddr_storage a, r;
	struct qget__udpio_stats st;
	size_t sizes[10], got[10], i;
	BIO_ADDR *peers[10], *peer;
	int fd, rfd, ok[10], one = 1;
	const char *p;
	BIO *b;

	logged[0] = '\0';
	b = new_bio(AF_INET, NULL, &a, &fd);
	rfd = udp_socket(AF_INET, &r);
	peer = bio_addr(&r);
	for (i = 0; i < 10; i++) {
		sizes[i] = 1200;
		peers[i] = peer;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)) != 0) {
		printf("SKIP refused GSO: no SO_NO_CHECK\n");
		goto out;
	}
	CHECK("refused GSO: both batches sent", send_all(b, sizes, peers, 5) &&
	    send_all(b, sizes, peers, 5));
	/* Each batch numbers its datagrams from 0. */
	CHECK("refused GSO: all 10 arrive", recv_plain(rfd, got, ok, 5) == 5 &&
	    all_ok(got, ok, sizes, 5) && recv_plain(rfd, got, ok, 5) == 5 &&
	    all_ok(got, ok, sizes, 5));
	qget__udpio_get_stats(b, &st);
	CHECK("refused GSO: no GSO message counted", st.gso_sends == 0 &&
	    st.sent == 10);
	p = strstr(logged, "udp: GSO off: the kernel refused UDP_SEGMENT "
	    "(Invalid argument)");
	CHECK("refused GSO: said once in the log", p != NULL &&
	    strstr(p + 1, "udp: GSO off") == NULL);
out:
	BIO_ADDR_free(peer);
	close(rfd);
	BIO_free(b);
}

/* Reads one datagram through b (waiting up to a second for it); 1 when
 * one came. */
static int
recv_one(BIO *b, int fd, size_t *done)
{
	unsigned char buf[1500];
	struct pollfd pfd = { fd, POLLIN, 0 };
	BIO_MSG m;

	*done = 0;
	memset(&m, 0, sizeof(m));
	m.data = buf;
	m.data_len = sizeof(buf);
	if (BIO_pending(b) == 0 && poll(&pfd, 1, 1000) <= 0)
		return 0;
	return BIO_recvmmsg(b, &m, sizeof(m), 1, 0, done) && *done == 1;
}

/*
 * What a waiter needs besides BIO_pending(): whether OpenSSL took
 * datagrams since it last looked (qget__udpio_unseen), and a way to drop
 * those held back when OpenSSL stopped reading (qget__udpio_drop_held).
 * A GSO sender's 3 datagrams arrive as one GRO buffer; one is read, two
 * stay held.
 */
static void
test_unseen_drop(void)
{
	struct sockaddr_storage a, s;
	struct qget__udpio_stats st;
	size_t sizes[3] = { 1200, 1200, 1200 }, done;
	BIO_ADDR *to, *pp[3];
	int fd, sfd;
	BIO *b = new_bio(AF_INET, NULL, &a, &fd), *sb;

	sb = new_bio(AF_INET, NULL, &s, &sfd);
	to = bio_addr(&a);
	pp[0] = pp[1] = pp[2] = to;
	CHECK("unseen: nothing taken yet", b != NULL &&
	    qget__udpio_unseen(b) == 0);
	CHECK("unseen: the GSO sender sends 3", sb != NULL &&
	    send_all(sb, sizes, pp, 3));
	CHECK("unseen: one datagram read", recv_one(b, fd, &done));
	CHECK("unseen: said once after a read, then not again",
	    qget__udpio_unseen(b) == 1 && qget__udpio_unseen(b) == 0);
	qget__udpio_get_stats(b, &st);
	/* As test_recv() with a GSO sender: on loopback they coalesce. */
	CHECK("drop: the 3 arrived as one GRO buffer", st.gro_recvs == 1);
	if (st.gro_recvs == 0)
		goto out;
	CHECK("drop: two datagrams held back", BIO_pending(b) == 2400);
	CHECK("drop: both dropped and counted", qget__udpio_drop_held(b) ==
	    2 && BIO_pending(b) == 0 && qget__udpio_get_stats(b, &st) &&
	    st.dropped == 2);
	CHECK("drop: a drop is no input", qget__udpio_unseen(b) == 0);
	CHECK("drop: nothing left to drop", qget__udpio_drop_held(b) == 0);
	CHECK("unseen, drop, rx_error: nothing for another BIO",
	    qget__udpio_unseen(NULL) == 0 &&
	    qget__udpio_drop_held(NULL) == 0 &&
	    qget__udpio_rx_error(NULL) == 0);
out:
	BIO_ADDR_free(to);
	BIO_free(sb);
	BIO_free(b);
}

/*
 * An ICMP port unreachable (IP_RECVERR, as during a handshake) that
 * arrives while the BIO holds datagrams: the receive that hands those out
 * takes the error off the socket (SO_ERROR then says 0).  It must still
 * show: BIO_pending() stays non-zero (a waiter does not sleep on it),
 * qget__udpio_rx_error() names it, and the next receive returns it.
 */
static void
test_rx_error(void)
{
	struct sockaddr_storage a, s, closed;
	struct pollfd pfd;
	unsigned char bufs[4][1500];
	size_t sizes[3] = { 1200, 1200, 1200 }, done, i;
	BIO_ADDR *to, *pp[3];
	BIO_MSG m[4];
	socklen_t len = sizeof(int);
	int fd, sfd, cfd, one = 1, soerr = -1, ok;
	unsigned long e;
	BIO *b = new_bio(AF_INET, NULL, &a, &fd), *sb;
	struct qget__udpio_stats st;

	sb = new_bio(AF_INET, NULL, &s, &sfd);
	to = bio_addr(&a);
	pp[0] = pp[1] = pp[2] = to;
	/* A port nobody listens on: bound, then closed. */
	cfd = udp_socket(AF_INET, &closed);
	close(cfd);
	CHECK("rx error: IP_RECVERR on", b != NULL && setsockopt(fd,
	    IPPROTO_IP, IP_RECVERR, &one, sizeof(one)) == 0);
	CHECK("rx error: the GSO sender sends 3", sb != NULL &&
	    send_all(sb, sizes, pp, 3));
	CHECK("rx error: one datagram read", recv_one(b, fd, &done));
	qget__udpio_get_stats(b, &st);
	CHECK("rx error: the 3 arrived as one GRO buffer", st.gro_recvs == 1);
	if (st.gro_recvs == 0)
		goto out;
	/* Our datagram to the closed port comes back as ECONNREFUSED. */
	sendto(fd, "x", 1, 0, (struct sockaddr *)&closed,
	    sizeof(struct sockaddr_in));
	pfd.fd = fd;
	pfd.events = 0;
	CHECK("rx error: the port unreachable arrived",
	    poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLERR));
	for (i = 0; i < 4; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].data = bufs[i];
		m[i].data_len = sizeof(bufs[i]);
	}
	ok = BIO_recvmmsg(b, m, sizeof(m[0]), 4, 0, &done);
	CHECK("rx error: the two held datagrams first", ok && done == 2);
	(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	CHECK("rx error: taken off the socket (SO_ERROR 0)", soerr == 0);
	CHECK("rx error: still pending, and named",
	    BIO_pending(b) > 0 && qget__udpio_rx_error(b) == ECONNREFUSED);
	ERR_clear_error();
	ok = BIO_recvmmsg(b, m, sizeof(m[0]), 4, 0, &done);
	e = ERR_peek_last_error();
	CHECK("rx error: the next receive returns ECONNREFUSED", !ok &&
	    done == 0 && ERR_SYSTEM_ERROR(e) &&
	    ERR_GET_REASON(e) == ECONNREFUSED);
	ERR_clear_error();
	CHECK("rx error: then nothing pending", BIO_pending(b) == 0 &&
	    qget__udpio_rx_error(b) == 0);
out:
	BIO_ADDR_free(to);
	BIO_free(sb);
	BIO_free(b);
}

/* ---- read pacing ------------------------------------------------------ */

static uint64_t fake_us;

static uint64_t
fake_now(void)
{
	return fake_us;
}

/* Sends n datagrams of 1200 bytes from a plain socket to `to`. */
static int
send_plain(int sfd, const struct sockaddr_storage *to, size_t n)
{
	unsigned char d[1200];
	size_t i;

	for (i = 0; i < n; i++) {
		fill(d, sizeof(d), (unsigned)i);
		if (sendto(sfd, d, sizeof(d), 0, (const struct sockaddr *)to,
		    sizeof(struct sockaddr_in)) != (ssize_t)sizeof(d))
			return 0;
	}
	return 1;
}

/* One read of up to `num` as OpenSSL's demux reads: how many came (0 on
 * EAGAIN). */
static size_t
read_batch(BIO *b, size_t num)
{
	static unsigned char bufs[32][1500];
	BIO_MSG msg[32];
	size_t i, done = 0;

	memset(msg, 0, sizeof(msg));
	for (i = 0; i < num && i < 32; i++) {
		msg[i].data = bufs[i];
		msg[i].data_len = sizeof(bufs[i]);
	}
	if (!BIO_recvmmsg(b, msg, sizeof(BIO_MSG), num, 0, &done)) {
		ERR_clear_error();
		return 0;
	}
	return done;
}

/* Reads until nothing is left: how many. */
static size_t
drain(BIO *b)
{
	size_t n, total = 0;

	while ((n = read_batch(b, 32)) > 0)
		total += n;
	return total;
}

/*
 * The cap, on the GRO path (off: "") or the plain one (off: "test"):
 * two per read while slow, all once a window saw 64 or more per 10 ms,
 * two again after a quiet window and after a pause, judged by rate.
 */
static void
test_pace(const char *off, const char *tag)
{
	struct sockaddr_storage a, s;
	struct qget__udpio_stats st;
	struct pollfd pfd;
	size_t total;
	int fd, sfd, reads;
	char name[160];
	BIO *b = new_bio(AF_INET, off, &a, &fd);

	sfd = udp_socket(AF_INET, &s);
	fake_us = 1000000;
	snprintf(name, sizeof(name), "%s pacing: turned on", tag);
	CHECK(name, b != NULL && sfd >= 0 &&
	    qget__udpio_set_rx_pace(b, fake_now) == 1);
	if (b == NULL || sfd < 0)
		goto out;
	snprintf(name, sizeof(name), "%s pacing: a new connection reads two "
	    "at a time", tag);
	CHECK(name, send_plain(sfd, &a, 10) && read_batch(b, 32) == 2 &&
	    read_batch(b, 32) == 2);
	/* What the cap leaves stays in the socket, where poll() sees it. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	snprintf(name, sizeof(name), "%s pacing: the rest waits in the socket "
	    "(poll() sees it)", tag);
	CHECK(name, poll(&pfd, 1, 0) == 1 && BIO_pending(b) == 0);
	snprintf(name, sizeof(name), "%s pacing: a read of one or two is not "
	    "cut (two reads cut so far)", tag);
	CHECK(name, read_batch(b, 1) == 1 && read_batch(b, 2) == 2 &&
	    qget__udpio_get_stats(b, &st) && st.paced == 2);
	/* 64 or more within one window of 10 ms: still two per read in it,
	 * whole batches from the next window on. */
	total = 7 + drain(b);
	for (reads = 0; total < 70 && reads < 100; reads++) {
		if (!send_plain(sfd, &a, 2))
			break;
		total += read_batch(b, 32);
	}
	snprintf(name, sizeof(name), "%s pacing: still two per read within "
	    "the window (70 read)", tag);
	CHECK(name, total >= 70 && send_plain(sfd, &a, 3) &&
	    read_batch(b, 32) == 2 && drain(b) == 1);
	fake_us += 10000;
	snprintf(name, sizeof(name), "%s pacing: a fast window earns whole "
	    "batches", tag);
	CHECK(name, send_plain(sfd, &a, 20) && read_batch(b, 32) == 20);
	/* 20 in the last window: slow. */
	fake_us += 10000;
	snprintf(name, sizeof(name), "%s pacing: a slow window caps again",
	    tag);
	CHECK(name, send_plain(sfd, &a, 5) && read_batch(b, 32) == 2 &&
	    drain(b) == 3);
	/* 70 in a window that then lasts 100 ms: 7 per 10 ms, slow, though
	 * the count alone would pass. */
	fake_us += 10000;
	for (total = 0, reads = 0; total < 70 && reads < 100; reads++) {
		if (!send_plain(sfd, &a, 2))
			break;
		total += read_batch(b, 32);
	}
	fake_us += 100000;
	snprintf(name, sizeof(name), "%s pacing: a window over a pause is "
	    "judged by its rate", tag);
	CHECK(name, total >= 70 && send_plain(sfd, &a, 5) &&
	    read_batch(b, 32) == 2 && drain(b) == 3);
	logged[0] = '\0';
	qget__udpio_log_stats(b);
	qget__udpio_get_stats(b, &st);
	snprintf(name, sizeof(name), "%s pacing: cut reads counted and logged "
	    "on a line of their own", tag);
	{
		char want[100];

		snprintf(want, sizeof(want), "\nudp: read pacing cut %llu reads "
		    "to 2 datagrams\n", (unsigned long long)st.paced);
		CHECK(name, st.paced > 40 && strstr(logged, want) != NULL);
	}
out:
	if (sfd >= 0)
		close(sfd);
	BIO_free(b);
}

/*
 * Datagrams held after a coalesced receive (GRO) are handed out two at a
 * time while slow.  They must keep a waiter awake (BIO_pending) and be
 * taken turn after turn: wait.c and qget-serve drop what is held only
 * when a turn takes none of it, and every capped turn takes some.
 */
static void
test_pace_held(void)
{
	struct sockaddr_storage a, s;
	struct qget__udpio_stats st;
	struct pollfd pfd;
	size_t sizes[10], i, total = 0, n;
	BIO_ADDR *to, *pp[10];
	int fd, sfd, turns = 0, took_each = 1, before;
	BIO *b = new_bio(AF_INET, NULL, &a, &fd), *sb;

	sb = new_bio(AF_INET, NULL, &s, &sfd);
	to = bio_addr(&a);
	for (i = 0; i < 10; i++) {
		sizes[i] = 1200;
		pp[i] = to;
	}
	fake_us = 1000000;
	CHECK("held pacing: on", b != NULL &&
	    qget__udpio_set_rx_pace(b, fake_now) == 1);
	CHECK("held pacing: the GSO sender sends 10", sb != NULL &&
	    send_all(sb, sizes, pp, 10));
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	CHECK("held pacing: a read of 32 gets two", poll(&pfd, 1, 1000) == 1 &&
	    read_batch(b, 32) == 2);
	qget__udpio_get_stats(b, &st);
	if (st.gro_recvs == 0) {
		printf("SKIP held pacing: the 10 did not arrive coalesced\n");
		goto out;
	}
	CHECK("held pacing: the other 8 held, and pending",
	    BIO_pending(b) == 8 * 1200);
	/* As qget__handle_events() runs its turns: each one must take. */
	(void)qget__udpio_unseen(b);
	while ((before = BIO_pending(b)) > 0 && turns++ < 20) {
		n = read_batch(b, 32);
		total += n;
		if (!(qget__udpio_unseen(b) || BIO_pending(b) < before) ||
		    n != 2)
			took_each = 0;
	}
	qget__udpio_get_stats(b, &st);
	CHECK("held pacing: four turns of two took them, none dropped",
	    took_each && total == 8 && turns == 4 && st.dropped == 0 &&
	    BIO_pending(b) == 0);
out:
	BIO_ADDR_free(to);
	BIO_free(sb);
	BIO_free(b);
}

/* QGET_NO_RXPACE keeps it off (and says so); no BIO of ours, no pacing. */
static void
test_pace_off(void)
{
	struct sockaddr_storage a, s;
	int fd, sfd;
	BIO *b;

	logged[0] = '\0';
	b = new_bio(AF_INET, NULL, &a, &fd);
	sfd = udp_socket(AF_INET, &s);
	setenv("QGET_NO_RXPACE", "1", 1);
	CHECK("pacing off: QGET_NO_RXPACE=1 keeps it off",
	    qget__udpio_set_rx_pace(b, fake_now) == 0 && strstr(logged,
	    "udp: read pacing off (QGET_NO_RXPACE is set)\n") != NULL);
	CHECK("pacing off: a read takes all ten", send_plain(sfd, &a, 10) &&
	    read_batch(b, 32) == 10);
	logged[0] = '\0';
	qget__udpio_log_stats(b);
	CHECK("pacing off: no pacing line in the log",
	    strstr(logged, "read pacing") == NULL);
	BIO_free(b);
	setenv("QGET_NO_RXPACE", "0", 1);
	logged[0] = '\0';
	b = new_bio(AF_INET, NULL, &a, &fd);
	CHECK("pacing: QGET_NO_RXPACE=0 leaves it on",
	    qget__udpio_set_rx_pace(b, NULL) == 1 && strstr(logged,
	    "udp: read pacing on (2 datagrams per read below 64 per 10 ms)\n")
	    != NULL);
	unsetenv("QGET_NO_RXPACE");
	CHECK("pacing: nothing for another BIO",
	    qget__udpio_set_rx_pace(NULL, NULL) == 0);
	close(sfd);
	BIO_free(b);
}

static void
test_log(void)
{
	struct sockaddr_storage a;
	int fd;
	BIO *b;

	logged[0] = '\0';
	b = new_bio(AF_INET, NULL, &a, &fd);
	CHECK("log: GSO and GRO on", strcmp(logged,
	    "udp: GSO sends and GRO receives on\n") == 0);
	BIO_free(b);
	logged[0] = '\0';
	b = new_bio(AF_INET, "--no-gso", &a, &fd);
	CHECK("log: off by option", strcmp(logged,
	    "udp: plain sendmmsg/recvmmsg (--no-gso)\n") == 0);
	BIO_free(b);
	logged[0] = '\0';
	setenv("QGET_NO_GSO", "1", 1);
	b = new_bio(AF_INET, NULL, &a, &fd);
	CHECK("log: off by QGET_NO_GSO=1", strcmp(logged,
	    "udp: plain sendmmsg/recvmmsg (QGET_NO_GSO is set)\n") == 0);
	BIO_free(b);
	logged[0] = '\0';
	setenv("QGET_NO_GSO", "0", 1);
	b = new_bio(AF_INET, NULL, &a, &fd);
	CHECK("log: QGET_NO_GSO=0 leaves it on", strcmp(logged,
	    "udp: GSO sends and GRO receives on\n") == 0);
	BIO_free(b);
	logged[0] = '\0';
	setenv("QGET_NO_GSO", "", 1);
	b = new_bio(AF_INET, NULL, &a, &fd);
	CHECK("log: QGET_NO_GSO= (empty) leaves it on", strcmp(logged,
	    "udp: GSO sends and GRO receives on\n") == 0);
	BIO_free(b);
	/* Any other value turns it off, also one that reads as "no". */
	logged[0] = '\0';
	setenv("QGET_NO_GSO", "false", 1);
	b = new_bio(AF_INET, NULL, &a, &fd);
	CHECK("log: QGET_NO_GSO=false turns it off too", strcmp(logged,
	    "udp: plain sendmmsg/recvmmsg (QGET_NO_GSO is set)\n") == 0);
	BIO_free(b);
	unsetenv("QGET_NO_GSO");
	qget__udpio_log_stats(NULL);
	CHECK("stats of another BIO: none", qget__udpio_get_stats(NULL,
	    &(struct qget__udpio_stats){ 0 }) == 0);
}

/* One datagram of len bytes starting with first (0xc0-0xcf: an Initial,
 * version 1), the rest tag. */
static int
send_one(BIO *b, BIO_ADDR *peer, unsigned char first, unsigned char tag,
    size_t len)
{
	unsigned char d[1200];
	BIO_MSG m;
	size_t done = 0;

	memset(d, tag, sizeof(d));
	d[0] = first;
	d[1] = d[2] = d[3] = 0;
	d[4] = 1;
	memset(&m, 0, sizeof(m));
	m.data = d;
	m.data_len = len;
	m.peer = peer;
	return BIO_sendmmsg(b, &m, sizeof(m), 1, 0, &done) && done == 1;
}

/* Reads what arrived within 300 ms: the tag (last byte) of each. */
static size_t
recv_tags(int fd, unsigned char *tags, size_t cap)
{
	unsigned char buf[2048];
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t n = 0;
	ssize_t r;

	while (n < cap && poll(&pfd, 1, 300) > 0 &&
	    (r = recv(fd, buf, sizeof(buf), 0)) > 0)
		tags[n++] = buf[r - 1];
	return n;
}

/* One datagram through the BIO within a second, its sender in from
 * (NULL: not asked): its length as handed to OpenSSL, or -1. */
static long
read_one(BIO *b, BIO_ADDR *from)
{
	unsigned char d[1500];
	BIO_MSG m;
	size_t done = 0;
	int i;

	memset(&m, 0, sizeof(m));
	m.data = d;
	m.data_len = sizeof(d);
	m.peer = from;
	for (i = 0; i < 100 && done == 0; i++) {
		if (!BIO_recvmmsg(b, &m, sizeof(m), 1, 0, &done))
			ERR_clear_error();
		if (done == 0)
			usleep(10000);
	}
	return done == 1 ? (long)m.data_len : -1;
}

/*
 * A new BIO sends a one-datagram flight; the peer answers with an
 * Initial packet (ACK-sized, PADDING) followed by the len bytes of more
 * (none when more is NULL); then, past the flight's window, a probe.  1
 * when the flight went again after the probe as want_again says.
 */
static int
ff_after_peer(const char *more, size_t len, int want_again)
{
	struct sockaddr_storage a, r;
	unsigned char tags[16], pkt[1500];
	size_t n, off = 0;
	BIO_ADDR *peer;
	long got;
	int fd, rfd;
	BIO *b = new_bio(AF_INET, "test", &a, &fd);

	if (b == NULL || (rfd = udp_socket(AF_INET, &r)) < 0) {
		BIO_free(b);
		return 0;
	}
	peer = bio_addr(&r);
	qget__udpio_set_first_flight(b);
	send_one(b, peer, 0xc3, 'A', 1200);
	(void)recv_tags(rfd, tags, 16);
	/* Initial, v1, DCID 8 bytes, SCID 8 bytes, no token, Length 40. */
	memset(pkt, 0, sizeof(pkt));
	pkt[off++] = 0xc1;
	pkt[off++] = 0; pkt[off++] = 0; pkt[off++] = 0; pkt[off++] = 1;
	pkt[off++] = 8; off += 8;
	pkt[off++] = 8; off += 8;
	pkt[off++] = 0;
	pkt[off++] = 40; off += 40;
	if (more != NULL) {
		memcpy(pkt + off, more, len);
		off += len;
	}
	(void)sendto(rfd, pkt, off, 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	got = read_one(b, NULL);
	usleep(150000);
	send_one(b, peer, 0xc0, 'P', 1200);
	n = recv_tags(rfd, tags, 16);
	BIO_ADDR_free(peer);
	BIO_free(b);
	close(rfd);
	return got == (long)off && tags[0] == 'P' &&
	    n == (want_again ? 2u : 1u) && (!want_again || tags[1] == 'A');
}

/* The first flight (Initials in the first 100 ms) goes again after each
 * later Initial, until the server moves on or eight times over. */
static void
test_first_flight(void)
{
	struct sockaddr_storage a, r;
	struct qget__udpio_stats st;
	unsigned char tags[16];
	BIO_ADDR *peer;
	size_t n;
	int fd, rfd, i, ok;
	BIO *b = new_bio(AF_INET, "test", &a, &fd);

	if (b == NULL || (rfd = udp_socket(AF_INET, &r)) < 0) {
		printf("SKIP first flight: no IPv4 loopback\n");
		BIO_free(b);
		return;
	}
	peer = bio_addr(&r);
	CHECK("first flight: on", qget__udpio_set_first_flight(b) == 1);
	CHECK("first flight: two Initials sent",
	    send_one(b, peer, 0xc3, 'A', 1200) &&
	    send_one(b, peer, 0xc1, 'B', 1200));
	n = recv_tags(rfd, tags, 16);
	CHECK("first flight: they arrive once", n == 2 && tags[0] == 'A' &&
	    tags[1] == 'B');
	usleep(150000);
	CHECK("first flight: a probe (Initial) sent", send_one(b, peer, 0xc0,
	    'P', 1200));
	n = recv_tags(rfd, tags, 16);
	CHECK("first flight: the probe, then the flight again byte for byte",
	    n == 3 && tags[0] == 'P' && tags[1] == 'A' && tags[2] == 'B');
	CHECK("first flight: a short-header packet sent", send_one(b, peer,
	    0x40, 'S', 100));
	n = recv_tags(rfd, tags, 16);
	CHECK("first flight: not followed by the flight", n == 1 &&
	    tags[0] == 'S');
	ok = 1;
	for (i = 0; i < 8; i++) {
		ok &= send_one(b, peer, 0xc0, 'P', 1200);
		n = recv_tags(rfd, tags, 16);
		/* One resend above, seven more here; then none. */
		ok &= i < 7 ? n == 3 : n == 1;
	}
	CHECK("first flight: at most eight times", ok);
	qget__udpio_get_stats(b, &st);
	CHECK("first flight: counted", st.ff_resent == 16);
	BIO_ADDR_free(peer);
	BIO_free(b);
	close(rfd);

	/* What the server sends decides: Initials alone (an ACK of part of
	 * the flight) leave it on; a Handshake packet coalesced after an
	 * Initial, a short header, a Retry or a Version Negotiation packet
	 * end it. */
	ok = ff_after_peer(NULL, 0, 1);
	CHECK("first flight: an Initial from the server leaves it on", ok);
	CHECK("first flight: a truncated datagram leaves it on",
	    ff_after_peer("\xc0\x00\x00\x00\x01\x08", 6, 1));
	CHECK("first flight: Initial + Handshake end it",
	    ff_after_peer("\xe0\x00\x00\x00\x01\x08xxxxxxxx\x08yyyyyyyy\x05zzzzz",
	    30, 0));
	CHECK("first flight: a short header ends it",
	    ff_after_peer("\x40xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32, 0));
	CHECK("first flight: a Retry ends it",
	    ff_after_peer("\xf0\x00\x00\x00\x01\x00\x00token...tag-tag-tag-tag",
	    26, 0));
	CHECK("first flight: a Version Negotiation packet ends it",
	    ff_after_peer("\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01",
	    11, 0));
}

/* The BIO reads one datagram, noting its sender in from. */
static int
recv_from(BIO *b, BIO_ADDR *from)
{
	return read_one(b, from) >= 0;
}

/* Datagrams of 1200 bytes in one send call: firsts[i] starts the i-th
 * (an Initial or Handshake packet's first byte, version 1), tags[i]
 * fills the rest. */
static int
send_batch(BIO *b, BIO_ADDR *peer, const unsigned char *firsts,
    const char *tags, size_t n)
{
	static unsigned char d[4][1200];
	BIO_MSG m[4];
	size_t i, done = 0;

	for (i = 0; i < n && i < 4; i++) {
		memset(d[i], tags[i], sizeof(d[i]));
		d[i][0] = firsts[i];
		d[i][1] = d[i][2] = d[i][3] = 0;
		d[i][4] = 1;
		memset(&m[i], 0, sizeof(m[i]));
		m[i].data = d[i];
		m[i].data_len = sizeof(d[i]);
		m[i].peer = peer;
	}
	return BIO_sendmmsg(b, m, sizeof(m[0]), n, 0, &done) && done == n;
}

/* A server's flight per client: kept, sent again after a probe to that
 * client, within three times what the client sent, until the client
 * sends a Handshake packet. */
static void
test_server_flights(void)
{
	struct sockaddr_storage a, r;
	struct qget__udpio_stats st;
	unsigned char tags[16], d[1200];
	BIO_ADDR *from = BIO_ADDR_new();
	size_t n;
	int fd, rfd;
	BIO *b = new_bio(AF_INET, "test", &a, &fd);

	if (b == NULL || from == NULL || (rfd = udp_socket(AF_INET, &r)) < 0) {
		printf("SKIP server flights: no IPv4 loopback\n");
		BIO_free(b);
		BIO_ADDR_free(from);
		return;
	}
	CHECK("server flights: on", qget__udpio_set_server_flights(b) == 1);
	/* A ClientHello in two Initials: 2400 bytes, so 7200 may go back. */
	memset(d, 'c', sizeof(d));
	d[0] = 0xc0;
	d[1] = d[2] = d[3] = 0;
	d[4] = 1;
	(void)sendto(rfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	(void)sendto(rfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	CHECK("server flights: the ClientHello read",
	    recv_from(b, from) && recv_from(b, from));
	/* An ACK of half a ClientHello, then (another send call) the
	 * flight: an Initial and a Handshake packet (type 2). */
	CHECK("server flights: an ACK sent", send_one(b, from, 0xc0, 'K',
	    1200));
	usleep(150000);
	CHECK("server flights: the flight sent", send_batch(b, from,
	    (const unsigned char *)"\xc0\xe0", "AB", 2));
	n = recv_tags(rfd, tags, 16);
	CHECK("server flights: it arrives once", n == 3 && tags[0] == 'K' &&
	    tags[1] == 'A' && tags[2] == 'B');
	usleep(150000);
	send_one(b, from, 0xc0, 'P', 1200);
	n = recv_tags(rfd, tags, 16);
	CHECK("server flights: a probe, then the flight again",
	    n == 3 && tags[0] == 'P' && tags[1] == 'A' && tags[2] == 'B');
	/* 7200 bytes out (the ACK too): full. */
	send_one(b, from, 0xc0, 'P', 1200);
	n = recv_tags(rfd, tags, 16);
	CHECK("server flights: not past three times what the client sent",
	    n == 1 && tags[0] == 'P');
	/* The client's probes: 2400 more bytes, room for 7200: 8400 sent,
	 * the probe and the flight make 12000 (the ACK is no part of it). */
	(void)sendto(rfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	(void)sendto(rfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	CHECK("server flights: the client's probes read",
	    recv_from(b, from) && recv_from(b, from));
	send_one(b, from, 0xc0, 'P', 1200);
	n = recv_tags(rfd, tags, 16);
	CHECK("server flights: with room again, the flight again",
	    n == 3 && tags[0] == 'P' && tags[1] == 'A' && tags[2] == 'B');
	/* A Handshake packet from the client: it has the ServerHello. */
	d[0] = 0xe0;
	(void)sendto(rfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	(void)sendto(rfd, d, sizeof(d), 0, (struct sockaddr *)&a,
	    sizeof(struct sockaddr_in));
	CHECK("server flights: the client's Handshake packets read",
	    recv_from(b, from) && recv_from(b, from));
	send_one(b, from, 0xc0, 'P', 1200);
	n = recv_tags(rfd, tags, 16);
	CHECK("server flights: after the client's Handshake packet, a probe "
	    "goes alone", n == 1 && tags[0] == 'P');
	qget__udpio_get_stats(b, &st);
	CHECK("server flights: counted", st.ff_resent == 4);
	BIO_ADDR_free(from);
	BIO_free(b);
	close(rfd);
}

/* The peer sends len bytes of vn; the BIO reads them: their length as
 * handed to OpenSSL, or -1. */
static long
vn_read(BIO *b, int rfd, const struct sockaddr_storage *a,
    const unsigned char *vn, size_t len)
{
	(void)sendto(rfd, vn, len, 0, (const struct sockaddr *)a,
	    sizeof(struct sockaddr_in));
	return read_one(b, NULL);
}

/* A Version Negotiation packet must echo the client's connection IDs
 * (RFC 9000 17.2.1); one that does not reaches OpenSSL empty. */
static void
test_vn_check(void)
{
	struct sockaddr_storage a, r;
	struct qget__udpio_stats st;
	unsigned char init[1200], tags[16];
	/* VN: long header, version 0, DCID = the client's SCID (none),
	 * SCID = the client's DCID, then versions. */
	static const unsigned char good[] = { 0x80, 0, 0, 0, 0, 0, 8,
	    'd', 'c', 'i', 'd', 'd', 'c', 'i', 'd', 0, 0, 0, 1 };
	static const unsigned char bad[] = { 0x80, 0, 0, 0, 0, 0, 8,
	    's', 'e', 'r', 'v', 'e', 'r', 'i', 'd', 0x1a, 0x2a, 0x3a, 0x4a };
	BIO_MSG m;
	BIO_ADDR *peer;
	size_t done = 0;
	int fd, rfd;
	BIO *b = new_bio(AF_INET, "test", &a, &fd);

	if (b == NULL || (rfd = udp_socket(AF_INET, &r)) < 0) {
		printf("SKIP VN check: no IPv4 loopback\n");
		BIO_free(b);
		return;
	}
	peer = bio_addr(&r);
	qget__udpio_set_first_flight(b);
	/* An Initial: DCID "dciddcid", no SCID. */
	memset(init, 0, sizeof(init));
	memcpy(init, "\xc0\x00\x00\x00\x01\x08" "dciddcid" "\x00", 15);
	memset(&m, 0, sizeof(m));
	m.data = init;
	m.data_len = sizeof(init);
	m.peer = peer;
	CHECK("VN check: the Initial sent",
	    BIO_sendmmsg(b, &m, sizeof(m), 1, 0, &done) && done == 1);
	(void)recv_tags(rfd, tags, 16);
	CHECK("VN check: one that echoes the IDs goes through whole",
	    vn_read(b, rfd, &a, good, sizeof(good)) == (long)sizeof(good));
	CHECK("VN check: one with another SCID reaches OpenSSL empty",
	    vn_read(b, rfd, &a, bad, sizeof(bad)) == 0);
	CHECK("VN check: a truncated one too",
	    vn_read(b, rfd, &a, good, 9) == 0);
	/* Not a VN: another version. */
	init[4] = 2;
	CHECK("VN check: other packets go through",
	    vn_read(b, rfd, &a, init, 100) == 100);
	qget__udpio_get_stats(b, &st);
	CHECK("VN check: counted", st.bogus_vn == 2);
	BIO_ADDR_free(peer);
	BIO_free(b);
	close(rfd);
}

/* The client's second flight (from its first Handshake packet) goes
 * again after each later datagram that starts with a Handshake packet. */
static void
test_second_flight(void)
{
	struct sockaddr_storage a, r;
	unsigned char tags[16];
	BIO_ADDR *peer;
	size_t n;
	int fd, rfd, i, ok;
	BIO *b = new_bio(AF_INET, "test", &a, &fd);

	if (b == NULL || (rfd = udp_socket(AF_INET, &r)) < 0) {
		printf("SKIP second flight: no IPv4 loopback\n");
		BIO_free(b);
		return;
	}
	peer = bio_addr(&r);
	qget__udpio_set_first_flight(b);
	send_one(b, peer, 0xc0, 'A', 1200);
	(void)recv_tags(rfd, tags, 16);
	usleep(150000);
	/* The Finished (Handshake) and the request (1-RTT) in one call. */
	CHECK("second flight: sent", send_batch(b, peer,
	    (const unsigned char *)"\xe0\x40", "FR", 2));
	n = recv_tags(rfd, tags, 16);
	CHECK("second flight: arrives once", n == 2 && tags[0] == 'F' &&
	    tags[1] == 'R');
	usleep(150000);
	CHECK("second flight: a 1-RTT packet sent", send_one(b, peer, 0x40,
	    'S', 100));
	n = recv_tags(rfd, tags, 16);
	CHECK("second flight: not followed by it", n == 1 && tags[0] == 'S');
	CHECK("second flight: a Handshake probe sent", send_one(b, peer, 0xe0,
	    'P', 60));
	n = recv_tags(rfd, tags, 16);
	CHECK("second flight: the probe, then the flight again byte for byte",
	    n == 3 && tags[0] == 'P' && tags[1] == 'F' && tags[2] == 'R');
	ok = 1;
	for (i = 0; i < 8; i++) {
		ok &= send_one(b, peer, 0xe0, 'P', 60);
		n = recv_tags(rfd, tags, 16);
		ok &= i < 7 ? n == 3 : n == 1;
	}
	CHECK("second flight: at most eight times", ok);
	BIO_ADDR_free(peer);
	BIO_free(b);
	close(rfd);
}

int
main(void)
{
	unsetenv("QGET_NO_GSO");
	test_log();
	test_send_run(AF_INET, NULL, "GSO");
	test_send_run(AF_INET, "test", "plain");
	test_send_run(AF_INET6, NULL, "GSO IPv6");
	test_send_mixed(NULL, "GSO");
	test_send_mixed("test", "plain");
	test_send_many(1200, NULL, "GSO");
	test_send_many(500, NULL, "GSO");
	test_send_many(1200, "test", "plain");
	test_recv(NULL, 0, "GRO, plain sender");
	test_recv(NULL, 1, "GRO, GSO sender");
	test_recv("test", 0, "plain, plain sender");
	test_recv("test", 1, "plain, GSO sender");
	test_eagain(NULL, "GRO");
	test_eagain("test", "plain");
	test_truncate();
	test_local();
	test_ctrls();
	test_refused();
	test_unseen_drop();
	test_rx_error();
	unsetenv("QGET_NO_RXPACE");
	test_pace(NULL, "GRO");
	test_pace("test", "plain");
	test_pace_held();
	test_pace_off();
	test_first_flight();
	test_server_flights();
	test_second_flight();
	test_vn_check();
	return CHECK_DONE();
}
