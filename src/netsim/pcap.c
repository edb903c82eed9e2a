/*
 * Packet captures of what crosses the relay (--pcap-client, --pcap-server),
 * in the one format the readers of these files (the interop checks) are
 * written for, byte for byte (qget-netsim(1), CAPTURES): classic libpcap,
 * LINKTYPE_RAW, one UDP datagram per record behind an IPv4 or IPv6 header
 * made up from the socket addresses, since a user-space relay never sees
 * the real ones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netsim.h"

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_SNAPLEN 262144u
#define LINKTYPE_RAW 101u
#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8
/* Large writes: a capture of a 50 MiB download is ~40000 records. */
#define PCAP_BUF (1 << 20)

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* The file's own headers are in host byte order: the magic tells a reader
 * which that was. */
static void
host32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
host16(unsigned char *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* RFC 1071's sum over len bytes, added to sum, not yet folded. */
static uint32_t
sum16(uint32_t sum, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
fail(struct ns_pcap *p, const char *what)
{
	if (!p->failed)
		ns_log("capture %s: %s: %s", p->path, what, strerror(errno));
	p->failed = 1;
}

int
ns_pcap_open(struct ns_pcap *p, const char *path)
{
	unsigned char h[24];
	int fd = -1, ok = 0;

	memset(p, 0, sizeof(*p));
	p->path = path;
	/* A new capture replaces an old one, but never through a link
	 * planted in a shared directory. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0 || (p->f = fdopen(fd, "w")) == NULL) {
		ns_log("cannot create capture %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	/* Without a buffer of our own stdio would write in 4 KiB pieces;
	 * setvbuf failing only costs speed. */
	(void)setvbuf(p->f, NULL, _IOFBF, PCAP_BUF);
	host32(h, PCAP_MAGIC);
	host16(h + 4, 2);		/* version 2.4 */
	host16(h + 6, 4);
	host32(h + 8, 0);		/* thiszone */
	host32(h + 12, 0);		/* sigfigs */
	host32(h + 16, PCAP_SNAPLEN);
	host32(h + 20, LINKTYPE_RAW);
	if (fwrite(h, sizeof(h), 1, p->f) != 1) {
		fail(p, "write");
		goto out;
	}
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	if (!ok && p->f != NULL) {
		fclose(p->f);
		p->f = NULL;
	}
	return ok;
}

/* The address and port of a sockaddr: 4 or 16 bytes at *addr. */
static int
split(const struct sockaddr *sa, const unsigned char **addr, unsigned *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		*addr = (const unsigned char *)&s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
		return AF_INET6;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		*addr = (const unsigned char *)&s4->sin_addr;
		*port = ntohs(s4->sin_port);
		return AF_INET;
	}
	return -1;
}

void
ns_pcap_write(struct ns_pcap *p, const struct timespec *ts,
    const struct sockaddr *src, const struct sockaddr *dst,
    const unsigned char *data, size_t len)
{
	unsigned char rec[16 + IP6_HDR + UDP_HDR];
	unsigned char *ip = rec + 16, *udp;
	const unsigned char *sa, *da;
	unsigned sport, dport;
	size_t iplen, total;
	uint32_t sum;
	int fam;

	if (p == NULL || p->f == NULL || p->failed)
		return;
	fam = split(src, &sa, &sport);
	if (fam < 0 || split(dst, &da, &dport) != fam)
		return;	/* cannot happen: each side has one socket family */
	iplen = fam == AF_INET ? IP4_HDR : IP6_HDR;
	total = iplen + UDP_HDR + len;
	/* IPv4's total length and IPv6's payload length are 16 bits; a
	 * datagram that big could not have crossed such a socket. */
	if (total - (fam == AF_INET6 ? IP6_HDR : 0) > 65535)
		return;
	host32(rec, (uint32_t)ts->tv_sec);
	host32(rec + 4, (uint32_t)(ts->tv_nsec / 1000));
	host32(rec + 8, (uint32_t)total);
	host32(rec + 12, (uint32_t)total);
	memset(ip, 0, iplen + UDP_HDR);
	udp = ip + iplen;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (unsigned)(UDP_HDR + len));
	if (fam == AF_INET) {
		ip[0] = 0x45;
		put16(ip + 2, (unsigned)total);
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, sa, 4);
		memcpy(ip + 16, da, 4);
		put16(ip + 10, fold(sum16(0, ip, IP4_HDR)));
		/* The UDP checksum stays 0: optional over IPv4. */
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (unsigned)(UDP_HDR + len));
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, sa, 16);
		memcpy(ip + 24, da, 16);
		/* Mandatory over IPv6: the pseudo-header (addresses, length,
		 * next header), the UDP header, the payload. */
		sum = sum16(0, ip + 8, 32);
		sum += (uint32_t)(UDP_HDR + len) + IPPROTO_UDP;
		sum = sum16(sum, udp, UDP_HDR);
		sum = sum16(sum, data, len);
		sum = fold(sum);
		put16(udp + 6, sum == 0 ? 0xffff : sum);
	}
	if (fwrite(rec, 16 + iplen + UDP_HDR, 1, p->f) != 1 ||
	    (len > 0 && fwrite(data, len, 1, p->f) != 1)) {
		fail(p, "write");
		return;
	}
	p->records++;
}

int
ns_pcap_close(struct ns_pcap *p)
{
	int ok;

	if (p == NULL || p->path == NULL)
		return 1;
	if (p->f != NULL) {
		if (fflush(p->f) != 0)
			fail(p, "write");
		if (fclose(p->f) != 0)
			fail(p, "close");
		p->f = NULL;
	}
	ok = !p->failed;
	p->path = NULL;
	return ok;
}
