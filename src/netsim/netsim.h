/*
 * qget-netsim: a UDP impairment relay.  Shared types of its four parts:
 * main.c (options, start-up, report), impair.c (what happens to one
 * datagram: random numbers, loss, delay, rate), relay.c (sockets, client
 * mappings, the schedule of pending deliveries, the event loop) and pcap.c
 * (the captures).
 */
#ifndef QGET_NETSIM_H
#define QGET_NETSIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#define NS_NAME "qget-netsim"

/* Largest UDP payload over IPv4 or IPv6 without jumbograms. */
#define NS_MAX_DATAGRAM 65535
/* Bounds on what may wait in the schedule at once, across all clients. */
#define NS_MAX_QUEUED 100000
#define NS_MAX_QUEUED_BYTES ((size_t)64 << 20)
/* Each client costs a file descriptor; the listen socket and stdio need
 * a few more. */
#define NS_MAX_CLIENTS 1000
/* Blackhole windows per direction (--blackhole may be repeated). */
#define NS_MAX_WINDOWS 8
/* How long a held-back (reordered) datagram waits for a successor. */
#define NS_REORDER_HOLD_MS 10.0

enum ns_dir {
	NS_UP,		/* client -> server */
	NS_DOWN,	/* server -> client */
	NS_NDIRS
};

struct ns_window {
	double from, to;	/* seconds since start; to may be INFINITY */
};

/* The impairments of one direction.  Percentages are 0..100. */
struct ns_impair {
	double loss;
	int ge;			/* Gilbert-Elliott model on */
	double ge_p_gb, ge_p_bg, ge_loss_bad, ge_loss_good;
	double delay_ms, jitter_ms;
	double reorder, dup, corrupt;
	size_t corrupt_head;	/* 0: any byte; else one of the first N */
	uint64_t rate;		/* bytes per second, 0 = unlimited */
	uint64_t queue;		/* bytes that may wait for the rate limiter */
	struct ns_window bh[NS_MAX_WINDOWS];
	size_t nbh;
};

struct ns_opts {
	const char *listen;
	const char *to;
	const char *port_file;
	const char *stats_file;
	const char *pcap_client;	/* PCAP-SPEC.md; NULL: none */
	const char *pcap_server;
	struct ns_impair dir[NS_NDIRS];
	double impair_until;	/* seconds; INFINITY = never */
	double duration;	/* seconds */
	double idle_timeout;	/* seconds */
	uint64_t seed;
	int verbose;
};

struct ns_counters {
	uint64_t in, forwarded;
	uint64_t loss, queue, blackhole, limit, error, unsent;
	uint64_t duplicated, corrupted, reordered;
	uint64_t bytes_in, bytes_out;
};

struct ns_rng {
	uint64_t s[4];
};

/* The state of one direction of the simulated path. */
struct ns_link {
	const struct ns_impair *cfg;
	struct ns_rng rng;
	int ge_bad;
	uint64_t busy_until;	/* ns: the rate limiter's link is busy until */
	uint64_t jitter_floor;	/* no jittered datagram leaves before this */
	struct ns_counters c;
};

/* What is to become of one arriving datagram. */
struct ns_fate {
	int ncopies;			/* 0 (dropped), 1, or 2 (duplicated) */
	uint64_t due[2];		/* monotonic ns */
	long flip_byte[2];		/* byte to corrupt, or -1 */
	unsigned char flip_mask[2];	/* XORed into it: never 0 */
	int hold;			/* copy 0 is held back (reorder) */
};

/* A capture file being written (pcap.c). */
struct ns_pcap {
	FILE *f;
	const char *path;	/* NULL: no capture */
	int failed;		/* a write failed: said once, no more records */
	uint64_t records;
};

extern volatile sig_atomic_t ns_stop;

/* impair.c */
void ns_rng_seed(struct ns_rng *r, uint64_t seed);
uint64_t ns_rng_next(struct ns_rng *r);
void ns_link_init(struct ns_link *l, const struct ns_impair *cfg,
    uint64_t seed, enum ns_dir dir);
void ns_link_admit(struct ns_link *l, uint64_t now, double elapsed,
    int random_on, size_t len, struct ns_fate *f);

/* relay.c */
uint64_t ns_now(void);
int ns_parse_addr(const char *s, int port_zero_ok,
    struct sockaddr_storage *ss, socklen_t *len);
void ns_format_addr(const struct sockaddr *sa, char *buf, size_t len);
void ns_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 0 after --duration or a signal, 1 when the relay could not start, 2
 * when it ran but a capture could not be written in full. */
int ns_run(const struct ns_opts *o, struct ns_link link[NS_NDIRS]);

/* pcap.c: open writes the file's header (0 and logged on failure); write
 * adds one datagram from src to dst; close returns 0 when any write of
 * the file failed. */
int ns_pcap_open(struct ns_pcap *p, const char *path);
void ns_pcap_write(struct ns_pcap *p, const struct timespec *ts,
    const struct sockaddr *src, const struct sockaddr *dst,
    const unsigned char *data, size_t len);
int ns_pcap_close(struct ns_pcap *p);

/* main.c */
uint64_t ns_dropped(const struct ns_counters *c);
int ns_write_file(const char *path, const char *text);

#endif
