/*
 * The relay: a listen socket facing the clients, one connected socket per
 * client facing the server (so that replies find their client, as behind
 * a NAT), a min-heap of datagrams waiting for their delivery time, and
 * one single-threaded ppoll() loop over all of it.
 *
 * Datagrams due at once (no delay, no rate limit) are sent straight from
 * the receive buffer in batches; only those that must wait are copied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netsim.h"

#define BATCH 32
/* Batches read from one socket before the others get a turn. */
#define READS_PER_TURN 4
#define NBUCKETS 1024
/* Receive slots are spaced by a little more than 64 KiB: at exactly 64 KiB
 * apart, the starts of all slots, where short datagrams land, would share
 * the same few cache sets. */
#define RSLOT (NS_MAX_DATAGRAM + 1 + 17 * 64)
#define SOCKBUF (4 << 20)
#define NS_PER_S UINT64_C(1000000000)

struct pkt;

struct map {
	struct sockaddr_storage addr;	/* the client */
	socklen_t addrlen;
	int fd;				/* connected to the server */
	struct sockaddr_storage local;	/* fd's address (--pcap-server) */
	unsigned id;
	uint64_t last_active;
	size_t queued;			/* our datagrams in the heap */
	struct pkt *held[NS_NDIRS];	/* held back for reordering */
	struct map *next;		/* hash chain */
	size_t slot;			/* in relay.maps; pfds[slot + 1] */
};

struct pkt {
	uint64_t due, seq;
	struct map *map;
	size_t heap_idx;
	size_t len;
	unsigned char dir, held;
	unsigned char data[];
};

struct relay {
	const struct ns_opts *o;
	struct ns_link *link;
	int lfd;
	struct sockaddr_storage laddr;	/* lfd's address */
	struct sockaddr_storage to;
	socklen_t tolen;
	/* What crosses the client-facing and the server-facing side. */
	struct ns_pcap cap_client, cap_server;
	struct map *buckets[NBUCKETS];
	struct map **maps;
	size_t nmaps;
	unsigned next_id;
	struct pollfd *pfds;
	int pfds_stale;
	struct pkt **heap;
	size_t nheap, heap_cap, heap_bytes;
	uint64_t seq;
	uint64_t start, random_until, end;
	unsigned char *rbuf;
	struct mmsghdr rmsg[BATCH];
	struct iovec riov[BATCH];
	struct sockaddr_storage raddr[BATCH];
	/* The batch being collected for sendmmsg(): one socket, one
	 * direction. */
	struct mmsghdr smsg[BATCH];
	struct iovec siov[BATCH];
	struct map *smap[BATCH];
	size_t nsend;
	int send_fd;
	enum ns_dir send_dir;
};

uint64_t
ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void
ns_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	/* One write per line, so lines from parallel relays sharing a log
	 * do not interleave. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, NS_NAME ": %s\n", line);
}

static int
parse_port(const char *s, int zero_ok, unsigned *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535 || (v == 0 && !zero_ok))
		return 0;
	*port = (unsigned)v;
	return 1;
}

/* "1.2.3.4:port" or "[v6]:port", numeric only: a test relay has no
 * business resolving names. */
int
ns_parse_addr(const char *s, int port_zero_ok, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h;
	unsigned port;
	size_t hl;
	int v6 = 0;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return 0;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
		v6 = 1;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return 0;
		h = s;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (!parse_port(colon + 1, port_zero_ok, &port))
		return 0;
	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return 0;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return 0;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	}
	return 1;
}

void
ns_format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
}

/* Bigger buffers than the default let bursts through at full speed; the
 * kernel caps them at net.core.[rw]mem_max, which is fine. */
static void
grow_buffers(int fd)
{
	int size = SOCKBUF;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* One datagram into a capture, stamped now. */
static void
capture(struct ns_pcap *p, const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, const unsigned char *data,
    size_t len)
{
	struct timespec ts;

	if (p->f == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ns_pcap_write(p, &ts, (const struct sockaddr *)src,
	    (const struct sockaddr *)dst, data, len);
}

/* A datagram that left, as impaired: towards the server from the map's
 * own socket, towards the client from the listening one. */
static void
capture_sent(struct relay *r, const struct map *m, enum ns_dir dir,
    const unsigned char *data, size_t len)
{
	if (dir == NS_UP)
		capture(&r->cap_server, &m->local, &r->to, data, len);
	else
		capture(&r->cap_client, &r->laddr, &m->addr, data, len);
}

/* The heap orders by due time, then by arrival, so that datagrams due at
 * the same time leave in the order they came. */
static int
heap_before(const struct pkt *a, const struct pkt *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_set(struct relay *r, size_t i, struct pkt *p)
{
	r->heap[i] = p;
	p->heap_idx = i;
}

static void
heap_fix(struct relay *r, size_t i)
{
	struct pkt *p = r->heap[i];
	size_t parent, child;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!heap_before(p, r->heap[parent]))
			break;
		heap_set(r, i, r->heap[parent]);
		i = parent;
	}
	for (;;) {
		child = 2 * i + 1;
		if (child >= r->nheap)
			break;
		if (child + 1 < r->nheap &&
		    heap_before(r->heap[child + 1], r->heap[child]))
			child++;
		if (!heap_before(r->heap[child], p))
			break;
		heap_set(r, i, r->heap[child]);
		i = child;
	}
	heap_set(r, i, p);
}

static struct pkt *
heap_pop(struct relay *r)
{
	struct pkt *top = r->heap[0];

	r->nheap--;
	if (r->nheap > 0) {
		heap_set(r, 0, r->heap[r->nheap]);
		heap_fix(r, 0);
	}
	return top;
}

/* Copies a datagram into the heap; NULL (and counted) when the bounds on
 * queued datagrams or bytes are reached. */
static struct pkt *
schedule(struct relay *r, struct map *m, enum ns_dir dir,
    const unsigned char *data, size_t len, uint64_t due, long flip_byte,
    unsigned char flip_mask)
{
	struct ns_counters *c = &r->link[dir].c;
	struct pkt *p = NULL, **grown;
	size_t cap;

	if (r->nheap >= NS_MAX_QUEUED ||
	    r->heap_bytes + len > NS_MAX_QUEUED_BYTES)
		goto out;
	if (r->nheap == r->heap_cap) {
		cap = r->heap_cap == 0 ? 1024 : r->heap_cap * 2;
		if (cap > NS_MAX_QUEUED)
			cap = NS_MAX_QUEUED;
		if ((grown = realloc(r->heap, cap * sizeof(*grown))) == NULL)
			goto out;
		r->heap = grown;
		r->heap_cap = cap;
	}
	if ((p = malloc(sizeof(*p) + len)) == NULL)
		goto out;
	p->due = due;
	p->seq = r->seq++;
	p->map = m;
	p->len = len;
	p->dir = (unsigned char)dir;
	p->held = 0;
	memcpy(p->data, data, len);
	if (flip_byte >= 0) {
		p->data[flip_byte] ^= flip_mask;
		c->corrupted++;
	}
	r->heap_bytes += len;
	m->queued++;
	heap_set(r, r->nheap++, p);
	heap_fix(r, p->heap_idx);
out:
	if (p == NULL)
		c->limit++;
	return p;
}

static void
count_sent(struct ns_counters *c, ssize_t n, size_t len)
{
	if (n < 0) {
		c->error++;
	} else {
		c->forwarded++;
		c->bytes_out += len;
	}
}

static void
send_now(struct relay *r, struct pkt *p)
{
	ssize_t n;

	if (p->dir == NS_UP)
		n = send(p->map->fd, p->data, p->len, 0);
	else
		n = sendto(r->lfd, p->data, p->len, 0,
		    (struct sockaddr *)&p->map->addr, p->map->addrlen);
	count_sent(&r->link[p->dir].c, n, p->len);
	if (n >= 0)
		capture_sent(r, p->map, (enum ns_dir)p->dir, p->data, p->len);
}

static void
flush_batch(struct relay *r)
{
	struct ns_counters *c = &r->link[r->send_dir].c;
	size_t i = 0, j;
	int n;

	while (i < r->nsend) {
		n = sendmmsg(r->send_fd, r->smsg + i, (unsigned)(r->nsend - i),
		    0);
		if (n <= 0) {
			/* Skip the datagram that failed (ICMP unreachable
			 * from the server, no buffer space) and go on. */
			count_sent(c, -1, 0);
			i++;
			continue;
		}
		for (j = i; j < i + (size_t)n; j++) {
			count_sent(c, 1, r->siov[j].iov_len);
			capture_sent(r, r->smap[j], r->send_dir,
			    r->siov[j].iov_base, r->siov[j].iov_len);
		}
		i += (size_t)n;
	}
	r->nsend = 0;
}

static void
batch_add(struct relay *r, struct map *m, enum ns_dir dir,
    unsigned char *data, size_t len)
{
	int fd = dir == NS_UP ? m->fd : r->lfd;
	struct msghdr *h;

	if (r->nsend > 0 && (r->nsend == BATCH || r->send_fd != fd))
		flush_batch(r);
	r->send_fd = fd;
	r->send_dir = dir;
	r->siov[r->nsend].iov_base = data;
	r->siov[r->nsend].iov_len = len;
	r->smap[r->nsend] = m;
	h = &r->smsg[r->nsend].msg_hdr;
	memset(h, 0, sizeof(*h));
	h->msg_iov = &r->siov[r->nsend];
	h->msg_iovlen = 1;
	if (dir == NS_DOWN) {
		h->msg_name = &m->addr;
		h->msg_namelen = m->addrlen;
	}
	r->nsend++;
}

/* The held datagram goes out right after the one now being delivered. */
static void
release_held(struct relay *r, struct map *m, enum ns_dir dir, uint64_t due)
{
	struct pkt *p = m->held[dir];

	if (p == NULL)
		return;
	m->held[dir] = NULL;
	p->held = 0;
	p->due = due;
	p->seq = r->seq++;
	heap_fix(r, p->heap_idx);
}

/* data is in the receive buffer and may be modified in place. */
static void
deliver(struct relay *r, struct map *m, enum ns_dir dir, unsigned char *data,
    size_t len, uint64_t now)
{
	struct ns_link *l = &r->link[dir];
	struct ns_fate f;
	struct pkt *p;
	double elapsed = (double)(now - r->start) / 1e9;

	m->last_active = now;
	ns_link_admit(l, now, elapsed, now < r->random_until, len, &f);
	if (f.ncopies == 0)
		return;
	/* The copy first, while data is still pristine. */
	if (f.ncopies == 2)
		(void)schedule(r, m, dir, data, len, f.due[1], f.flip_byte[1],
		    f.flip_mask[1]);
	if (f.hold && m->held[dir] == NULL) {
		p = schedule(r, m, dir, data, len, f.due[0] +
		    (uint64_t)(NS_REORDER_HOLD_MS * 1e6), f.flip_byte[0],
		    f.flip_mask[0]);
		if (p != NULL) {
			p->held = 1;
			m->held[dir] = p;
			l->c.reordered++;
		}
		return;
	}
	if (f.due[0] <= now) {
		if (f.flip_byte[0] >= 0) {
			data[f.flip_byte[0]] ^= f.flip_mask[0];
			l->c.corrupted++;
		}
		batch_add(r, m, dir, data, len);
		f.due[0] = now;
	} else {
		(void)schedule(r, m, dir, data, len, f.due[0], f.flip_byte[0],
		    f.flip_mask[0]);
	}
	release_held(r, m, dir, f.due[0]);
}

static size_t
hash_addr(const struct sockaddr_storage *ss)
{
	const unsigned char *b;
	uint64_t h = UINT64_C(1469598103934665603);
	size_t n, i;

	/* Only address and port: the rest of sockaddr_in6 may vary. */
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		b = (const unsigned char *)&s6->sin6_addr;
		n = sizeof(s6->sin6_addr);
		h ^= s6->sin6_port;
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		b = (const unsigned char *)&s4->sin_addr;
		n = sizeof(s4->sin_addr);
		h ^= s4->sin_port;
	}
	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(1099511628211);
	return (size_t)(h % NBUCKETS);
}

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		    memcmp(&x->sin6_addr, &y->sin6_addr,
		    sizeof(x->sin6_addr)) == 0;
	} else {
		const struct sockaddr_in *x = (const void *)a;
		const struct sockaddr_in *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		    x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
}

static struct map *
map_new(struct relay *r, const struct sockaddr_storage *addr,
    socklen_t addrlen, size_t bucket)
{
	struct map *m = NULL;
	char shown[INET6_ADDRSTRLEN + 16];
	socklen_t sl;
	int fd = -1;

	ns_format_addr((const struct sockaddr *)addr, shown, sizeof(shown));
	if (r->nmaps >= NS_MAX_CLIENTS) {
		if (r->o->verbose)
			ns_log("client %s: refused, %d clients already",
			    shown, NS_MAX_CLIENTS);
		goto out;
	}
	fd = socket(r->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&r->to, r->tolen) != 0) {
		ns_log("client %s: cannot open a socket to the server: %s",
		    shown, strerror(errno));
		goto out;
	}
	grow_buffers(fd);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto out;
	/* The port the kernel gave the socket is what the server sees. */
	sl = sizeof(m->local);
	if (r->cap_server.f != NULL && getsockname(fd,
	    (struct sockaddr *)&m->local, &sl) != 0) {
		ns_log("client %s: getsockname: %s", shown, strerror(errno));
		free(m);
		m = NULL;
		goto out;
	}
	memcpy(&m->addr, addr, addrlen);
	m->addrlen = addrlen;
	m->fd = fd;
	fd = -1;
	m->id = r->next_id++;
	m->next = r->buckets[bucket];
	r->buckets[bucket] = m;
	m->slot = r->nmaps;
	r->maps[r->nmaps++] = m;
	r->pfds_stale = 1;
	if (r->o->verbose)
		ns_log("client %u %s: mapped (%zu clients)", m->id, shown,
		    r->nmaps);
out:
	if (fd >= 0)
		close(fd);
	return m;
}

static struct map *
map_find(struct relay *r, const struct sockaddr_storage *addr,
    socklen_t addrlen)
{
	size_t bucket = hash_addr(addr);
	struct map *m;

	for (m = r->buckets[bucket]; m != NULL; m = m->next)
		if (same_addr(&m->addr, addr))
			return m;
	return map_new(r, addr, addrlen, bucket);
}

static void
map_free(struct relay *r, struct map *m)
{
	struct map **pp = &r->buckets[hash_addr(&m->addr)];
	struct map *last;

	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	last = r->maps[--r->nmaps];
	r->maps[m->slot] = last;
	last->slot = m->slot;
	r->pfds_stale = 1;
	close(m->fd);
	free(m);
}

/* A mapping with datagrams still in the heap is kept: they point to it. */
static void
expire_idle(struct relay *r, uint64_t now)
{
	uint64_t idle = (uint64_t)(r->o->idle_timeout * 1e9);
	size_t i = 0;
	struct map *m;

	while (i < r->nmaps) {
		m = r->maps[i];
		if (m->queued == 0 && now - m->last_active >= idle) {
			if (r->o->verbose)
				ns_log("client %u: idle, unmapped (%zu "
				    "clients)", m->id, r->nmaps - 1);
			map_free(r, m);
			continue;
		}
		i++;
	}
}

static void
send_due(struct relay *r, uint64_t now)
{
	struct pkt *p;

	while (r->nheap > 0 && r->heap[0]->due <= now) {
		p = heap_pop(r);
		if (p->held)
			p->map->held[p->dir] = NULL;
		send_now(r, p);
		p->map->queued--;
		r->heap_bytes -= p->len;
		free(p);
	}
}

static int
read_batch(struct relay *r, int fd, int named)
{
	int i, n;

	for (i = 0; i < BATCH; i++) {
		struct msghdr *h = &r->rmsg[i].msg_hdr;

		memset(h, 0, sizeof(*h));
		r->riov[i].iov_base = r->rbuf + (size_t)i * RSLOT;
		r->riov[i].iov_len = NS_MAX_DATAGRAM;
		h->msg_iov = &r->riov[i];
		h->msg_iovlen = 1;
		if (named) {
			h->msg_name = &r->raddr[i];
			h->msg_namelen = sizeof(r->raddr[i]);
		}
	}
	n = recvmmsg(fd, r->rmsg, BATCH, MSG_DONTWAIT, NULL);
	/* EAGAIN ends the turn; ECONNREFUSED reports an ICMP error for an
	 * earlier datagram to the server, which the server's own absence
	 * already explains. */
	return n < 0 ? 0 : n;
}

static void
read_clients(struct relay *r)
{
	struct map *m;
	uint64_t now;
	int i, n, turn;

	for (turn = 0; turn < READS_PER_TURN; turn++) {
		if ((n = read_batch(r, r->lfd, 1)) == 0)
			break;
		now = ns_now();
		for (i = 0; i < n; i++) {
			/* Before any impairment, and whether or not the
			 * client gets a mapping. */
			capture(&r->cap_client, &r->raddr[i], &r->laddr,
			    r->riov[i].iov_base, r->rmsg[i].msg_len);
			m = map_find(r, &r->raddr[i],
			    r->rmsg[i].msg_hdr.msg_namelen);
			if (m == NULL) {
				r->link[NS_UP].c.in++;
				r->link[NS_UP].c.bytes_in += r->rmsg[i].msg_len;
				r->link[NS_UP].c.limit++;
				continue;
			}
			deliver(r, m, NS_UP, r->riov[i].iov_base,
			    r->rmsg[i].msg_len, now);
		}
		flush_batch(r);
		send_due(r, now);
		if (n < BATCH)
			break;
	}
}

static void
read_server(struct relay *r, struct map *m)
{
	uint64_t now;
	int i, n, turn;

	for (turn = 0; turn < READS_PER_TURN; turn++) {
		if ((n = read_batch(r, m->fd, 0)) == 0)
			break;
		now = ns_now();
		for (i = 0; i < n; i++) {
			capture(&r->cap_server, &r->to, &m->local,
			    r->riov[i].iov_base, r->rmsg[i].msg_len);
			deliver(r, m, NS_DOWN, r->riov[i].iov_base,
			    r->rmsg[i].msg_len, now);
		}
		flush_batch(r);
		send_due(r, now);
		if (n < BATCH)
			break;
	}
}

static int
open_listener(struct relay *r, unsigned *port, char *shown, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = -1, ok = 0;

	if (!ns_parse_addr(r->o->listen, 1, &ss, &sl))
		goto out;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		ns_log("cannot listen on %s: %s", r->o->listen,
		    strerror(errno));
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		ns_log("getsockname: %s", strerror(errno));
		goto out;
	}
	grow_buffers(fd);
	memcpy(&r->laddr, &ss, sizeof(ss));
	ns_format_addr((struct sockaddr *)&ss, shown, len);
	*port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	r->lfd = fd;
	fd = -1;
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

static void
refresh_pfds(struct relay *r)
{
	size_t i;

	r->pfds[0].fd = r->lfd;
	r->pfds[0].events = POLLIN;
	for (i = 0; i < r->nmaps; i++) {
		r->pfds[i + 1].fd = r->maps[i]->fd;
		r->pfds[i + 1].events = POLLIN;
	}
	r->pfds_stale = 0;
}

static void
loop(struct relay *r, const sigset_t *waitmask)
{
	uint64_t now, wake, next_sweep;
	struct timespec ts;
	size_t i, npfds;
	int rc;

	next_sweep = r->start + NS_PER_S;
	while (!ns_stop) {
		now = ns_now();
		if (now >= r->end)
			break;
		send_due(r, now);
		if (now >= next_sweep) {
			expire_idle(r, now);
			next_sweep = now + NS_PER_S;
		}
		if (r->pfds_stale)
			refresh_pfds(r);
		wake = next_sweep < r->end ? next_sweep : r->end;
		if (r->nheap > 0 && r->heap[0]->due < wake)
			wake = r->heap[0]->due;
		wake = wake > now ? wake - now : 0;
		ts.tv_sec = (time_t)(wake / NS_PER_S);
		ts.tv_nsec = (long)(wake % NS_PER_S);
		npfds = r->nmaps + 1;
		/* Signals are blocked except inside ppoll(), so a SIGTERM
		 * cannot slip in between the ns_stop test and the wait. */
		rc = ppoll(r->pfds, npfds, &ts, waitmask);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			ns_log("ppoll: %s", strerror(errno));
			break;
		}
		if (rc == 0)
			continue;
		if (r->pfds[0].revents != 0)
			read_clients(r);
		/* Mappings created just now are past npfds; none is freed
		 * before the next ppoll(). */
		for (i = 1; i < npfds; i++)
			if (r->pfds[i].revents != 0)
				read_server(r, r->maps[i - 1]);
	}
}

static void
teardown(struct relay *r)
{
	struct pkt *p;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nheap; i++) {
		p = r->heap[i];
		r->link[p->dir].c.unsent++;
		free(p);
	}
	while (r->nmaps > 0)
		map_free(r, r->maps[r->nmaps - 1]);
	if (r->lfd >= 0)
		close(r->lfd);
	free(r->heap);
	free(r->maps);
	free(r->pfds);
	free(r->rbuf);
	free(r);
}

/* Returns the exit status: 0 after --duration or a signal, 1 on failure. */
int
ns_run(const struct ns_opts *o, struct ns_link link[NS_NDIRS])
{
	struct relay *r;
	char shown[INET6_ADDRSTRLEN + 16], target[INET6_ADDRSTRLEN + 16];
	char line[16];
	sigset_t block, waitmask;
	unsigned port = 0;
	int rc = 1;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		ns_log("out of memory");
		goto out;
	}
	r->o = o;
	r->link = link;
	r->lfd = -1;
	r->maps = calloc(NS_MAX_CLIENTS, sizeof(*r->maps));
	r->pfds = calloc(NS_MAX_CLIENTS + 1, sizeof(*r->pfds));
	r->rbuf = malloc((size_t)BATCH * RSLOT);
	if (r->maps == NULL || r->pfds == NULL || r->rbuf == NULL) {
		ns_log("out of memory");
		goto out;
	}
	if (!ns_parse_addr(o->to, 0, &r->to, &r->tolen))
		goto out;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &waitmask) != 0) {
		ns_log("sigprocmask: %s", strerror(errno));
		goto out;
	}
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	if ((o->pcap_client != NULL &&
	    !ns_pcap_open(&r->cap_client, o->pcap_client)) ||
	    (o->pcap_server != NULL &&
	    !ns_pcap_open(&r->cap_server, o->pcap_server)))
		goto out;
	if (!open_listener(r, &port, shown, sizeof(shown)))
		goto out;
	ns_format_addr((struct sockaddr *)&r->to, target, sizeof(target));
	ns_log("listening on %s, forwarding to %s", shown, target);
	r->start = ns_now();
	r->end = r->start + (uint64_t)(o->duration * 1e9);
	r->random_until = o->impair_until * 1e9 >= (double)UINT64_MAX / 2 ?
	    UINT64_MAX : r->start + (uint64_t)(o->impair_until * 1e9);
	r->pfds_stale = 1;
	snprintf(line, sizeof(line), "%u\n", port);
	if (o->port_file != NULL && !ns_write_file(o->port_file, line))
		goto out;
	loop(r, &waitmask);
	if (o->verbose)
		ns_log("stopping: %s", ns_stop ? "signal" : "duration over");
	rc = 0;
	if (o->verbose && r->cap_client.f != NULL)
		ns_log("capture %s: %" PRIu64 " datagrams", o->pcap_client,
		    r->cap_client.records);
	if (o->verbose && r->cap_server.f != NULL)
		ns_log("capture %s: %" PRIu64 " datagrams", o->pcap_server,
		    r->cap_server.records);
out:
	if (r != NULL) {
		/* Both closed, whichever failed. */
		int ok = ns_pcap_close(&r->cap_client);

		if (!ns_pcap_close(&r->cap_server))
			ok = 0;
		if (!ok && rc == 0)
			rc = 2;
	}
	teardown(r);
	return rc;
}
