/*
 * qget-netsim: a UDP relay that impairs the traffic between clients and
 * one server (loss, bursty loss, delay, jitter, reordering, duplication,
 * corruption, rate limits, blackholes), for tests and benchmarks on
 * loopback, where the kernel offers no netem.
 *
 * This file parses the command line, starts the relay (relay.c) and
 * reports its counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../include/qget.h"
#include "netsim.h"

volatile sig_atomic_t ns_stop;

#define DEFAULT_QUEUE 65536
#define DEFAULT_DURATION 300.0
#define DEFAULT_IDLE 60.0
/* Bounds that keep every time computable in 64-bit nanoseconds. */
#define MAX_DELAY_MS 600000.0
#define MAX_SECONDS 31536000.0

/* The options that exist three times: for both directions, "up-" and
 * "down-".  The option's getopt code encodes field and scope. */
enum field {
	F_LOSS,
	F_GE,
	F_DELAY,
	F_JITTER,
	F_REORDER,
	F_DUP,
	F_CORRUPT,
	F_CORRUPT_HEAD,
	F_RATE,
	F_QUEUE,
	F_BLACKHOLE,
	F_BLACKHOLE_FROM,
	F_COUNT
};

enum scope {
	S_BOTH,
	S_UP,
	S_DOWN,
	S_COUNT
};

enum {
	OPT_LISTEN = 256,
	OPT_TO,
	OPT_PORT_FILE,
	OPT_STATS,
	OPT_PCAP_CLIENT,
	OPT_PCAP_SERVER,
	OPT_SEED,
	OPT_DURATION,
	OPT_IDLE,
	OPT_IMPAIR_UNTIL,
	OPT_VERSION,
	OPT_FIELD_BASE = 512
};

#define FIELD_OPT(name, f) \
	{ name, required_argument, NULL, OPT_FIELD_BASE + (f) * S_COUNT + S_BOTH }, \
	{ "up-" name, required_argument, NULL, OPT_FIELD_BASE + (f) * S_COUNT + S_UP }, \
	{ "down-" name, required_argument, NULL, OPT_FIELD_BASE + (f) * S_COUNT + S_DOWN }

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "to", required_argument, NULL, OPT_TO },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "pcap-client", required_argument, NULL, OPT_PCAP_CLIENT },
	{ "pcap-server", required_argument, NULL, OPT_PCAP_SERVER },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "impair-until", required_argument, NULL, OPT_IMPAIR_UNTIL },
	FIELD_OPT("loss", F_LOSS),
	FIELD_OPT("ge", F_GE),
	FIELD_OPT("delay", F_DELAY),
	FIELD_OPT("jitter", F_JITTER),
	FIELD_OPT("reorder", F_REORDER),
	FIELD_OPT("dup", F_DUP),
	FIELD_OPT("corrupt", F_CORRUPT),
	FIELD_OPT("corrupt-head", F_CORRUPT_HEAD),
	FIELD_OPT("rate", F_RATE),
	FIELD_OPT("queue", F_QUEUE),
	FIELD_OPT("blackhole", F_BLACKHOLE),
	FIELD_OPT("blackhole-from", F_BLACKHOLE_FROM),
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* What the command line said, before the per-direction forms are merged
 * over the common ones. */
struct cmdline {
	struct ns_impair scoped[S_COUNT];
	unsigned set[S_COUNT];		/* bit (1 << field) */
	int seed_set;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: " NS_NAME " --listen ADDR:PORT --to ADDR:PORT [options]\n"
	    "Relay UDP between clients and one server, impairing the traffic.\n"
	    "Addresses are numeric: 127.0.0.1:4433 or [::1]:4433.\n"
	    "\n"
	    "      --listen ADDR:PORT   where clients send (port 0: any free)\n"
	    "      --to ADDR:PORT       the server\n"
	    "      --port-file FILE     write the listening port to FILE once ready\n"
	    "      --stats FILE         write the counters as JSON at exit\n"
	    "      --pcap-client FILE   capture what the clients send and get\n"
	    "                           (pcap, raw IP: each datagram in a made-up\n"
	    "                           IPv4/IPv6 and UDP header; received ones\n"
	    "                           before, sent ones after the impairments)\n"
	    "      --pcap-server FILE   capture what the server gets and sends\n"
	    "      --seed N             seed of the random impairments (default:\n"
	    "                           from time and pid; always printed)\n"
	    "      --duration S         exit after S seconds (default 300)\n"
	    "      --idle-timeout S     forget a client idle for S seconds (default 60)\n"
	    "      --impair-until S     random impairments (all but rate, queue and\n"
	    "                           blackholes) stop S seconds after start\n"
	    "  -v, --verbose            log clients coming and going\n"
	    "  -h, --help               show this help\n"
	    "      --version            show the version\n"
	    "\n"
	    "Impairments apply to both directions; prefix \"up-\" (client to server)\n"
	    "or \"down-\" (server to client) for one direction, which overrides:\n"
	    "      --loss PCT           drop datagrams at random\n"
	    "      --ge PGB,PBG[,LBAD[,LGOOD]]\n"
	    "                           Gilbert-Elliott bursty loss: percent chance per\n"
	    "                           datagram of going good->bad and bad->good, loss\n"
	    "                           percent when bad (100) and when good (0)\n"
	    "      --delay MS           fixed one-way delay\n"
	    "      --jitter MS          add uniform -MS..+MS to the delay (keeps order)\n"
	    "      --reorder PCT        hold back datagrams until the next one passed\n"
	    "      --dup PCT            send datagrams twice\n"
	    "      --corrupt PCT        flip one random bit\n"
	    "      --corrupt-head N     --corrupt overwrites one of the first N\n"
	    "                           bytes with another value instead\n"
	    "      --rate BYTES/S       limit the rate (0: unlimited, the default)\n"
	    "      --queue BYTES        queue before the rate limit (default 65536);\n"
	    "                           datagrams that do not fit are dropped\n"
	    "      --blackhole A-B      drop everything from second A to second B\n"
	    "      --blackhole-from A   drop everything from second A on\n");
}

static void
bad_value(const char *opt, const char *val)
{
	fprintf(stderr, NS_NAME ": invalid value for --%s: '%s' (try --help)\n",
	    opt, val);
}

/* A non-negative finite number; *endp gets what follows it, and must be
 * the end of the string when endp is NULL. */
static int
parse_num(const char *s, double lo, double hi, double *out, const char **endp)
{
	char *end;
	double v;

	/* strtod would take leading space, signs, "inf" and "nan". */
	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < lo || v > hi)
		return 0;
	if (endp != NULL)
		*endp = end;
	else if (*end != '\0')
		return 0;
	*out = v;
	return 1;
}

static int
parse_u64(const char *s, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > hi)
		return 0;
	*out = (uint64_t)v;
	return 1;
}

static int
parse_ge(const char *s, struct ns_impair *im)
{
	double v[4] = { 0.0, 0.0, 100.0, 0.0 };
	const char *p = s;
	int n;

	for (n = 0; n < 4; n++) {
		if (!parse_num(p, 0.0, 100.0, &v[n], &p))
			return 0;
		if (*p == '\0')
			break;
		if (*p != ',')
			return 0;
		p++;
	}
	if (n == 0 || n == 4)
		return 0;
	im->ge = 1;
	im->ge_p_gb = v[0];
	im->ge_p_bg = v[1];
	im->ge_loss_bad = v[2];
	im->ge_loss_good = v[3];
	return 1;
}

static int
add_window(struct ns_impair *im, double from, double to)
{
	if (im->nbh == NS_MAX_WINDOWS)
		return 0;
	im->bh[im->nbh].from = from;
	im->bh[im->nbh].to = to;
	im->nbh++;
	return 1;
}

static int
parse_field(enum field f, const char *s, struct ns_impair *im)
{
	double a, b;
	const char *p;
	uint64_t u;

	switch (f) {
	case F_LOSS:
		return parse_num(s, 0.0, 100.0, &im->loss, NULL);
	case F_GE:
		return parse_ge(s, im);
	case F_DELAY:
		return parse_num(s, 0.0, MAX_DELAY_MS, &im->delay_ms, NULL);
	case F_JITTER:
		return parse_num(s, 0.0, MAX_DELAY_MS, &im->jitter_ms, NULL);
	case F_REORDER:
		return parse_num(s, 0.0, 100.0, &im->reorder, NULL);
	case F_DUP:
		return parse_num(s, 0.0, 100.0, &im->dup, NULL);
	case F_CORRUPT:
		return parse_num(s, 0.0, 100.0, &im->corrupt, NULL);
	case F_CORRUPT_HEAD:
		return parse_u64(s, NS_MAX_DATAGRAM, &u) && u > 0 &&
		    (im->corrupt_head = (size_t)u) > 0;
	case F_RATE:
		return parse_u64(s, UINT64_C(1000000000000), &im->rate);
	case F_QUEUE:
		return parse_u64(s, (uint64_t)1 << 30, &im->queue) &&
		    im->queue > 0;
	case F_BLACKHOLE:
		return parse_num(s, 0.0, MAX_SECONDS, &a, &p) && *p == '-' &&
		    parse_num(p + 1, 0.0, MAX_SECONDS, &b, NULL) && b > a &&
		    add_window(im, a, b);
	case F_BLACKHOLE_FROM:
		return parse_num(s, 0.0, MAX_SECONDS, &a, NULL) &&
		    add_window(im, a, INFINITY);
	case F_COUNT:
		break;
	}
	return 0;
}

static void
copy_field(struct ns_impair *dst, const struct ns_impair *src, enum field f)
{
	switch (f) {
	case F_LOSS: dst->loss = src->loss; break;
	case F_GE:
		dst->ge = src->ge;
		dst->ge_p_gb = src->ge_p_gb;
		dst->ge_p_bg = src->ge_p_bg;
		dst->ge_loss_bad = src->ge_loss_bad;
		dst->ge_loss_good = src->ge_loss_good;
		break;
	case F_DELAY: dst->delay_ms = src->delay_ms; break;
	case F_JITTER: dst->jitter_ms = src->jitter_ms; break;
	case F_REORDER: dst->reorder = src->reorder; break;
	case F_DUP: dst->dup = src->dup; break;
	case F_CORRUPT: dst->corrupt = src->corrupt; break;
	case F_CORRUPT_HEAD: dst->corrupt_head = src->corrupt_head; break;
	case F_RATE: dst->rate = src->rate; break;
	case F_QUEUE: dst->queue = src->queue; break;
	case F_BLACKHOLE:
	case F_BLACKHOLE_FROM:
	case F_COUNT:
		break;
	}
}

/* A per-direction setting overrides the common one; blackhole windows
 * add up instead, since each names its own stretch of time. */
static int
merge(struct ns_opts *o, const struct cmdline *cl)
{
	const struct ns_impair *both = &cl->scoped[S_BOTH];
	struct ns_impair *im;
	int d, f;
	size_t i;

	for (d = 0; d < NS_NDIRS; d++) {
		const struct ns_impair *own = &cl->scoped[d == NS_UP ? S_UP :
		    S_DOWN];
		unsigned own_set = cl->set[d == NS_UP ? S_UP : S_DOWN];

		im = &o->dir[d];
		memset(im, 0, sizeof(*im));
		im->queue = DEFAULT_QUEUE;
		for (f = 0; f < F_COUNT; f++) {
			if (own_set & (1u << f))
				copy_field(im, own, (enum field)f);
			else if (cl->set[S_BOTH] & (1u << f))
				copy_field(im, both, (enum field)f);
		}
		if (both->nbh + own->nbh > NS_MAX_WINDOWS)
			return 0;
		for (i = 0; i < both->nbh; i++)
			im->bh[im->nbh++] = both->bh[i];
		for (i = 0; i < own->nbh; i++)
			im->bh[im->nbh++] = own->bh[i];
	}
	return 1;
}

static uint64_t
default_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * UINT64_C(1000000000) +
	    (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct ns_opts *o)
{
	struct cmdline cl;
	struct sockaddr_storage ss;
	socklen_t sl;
	double v;
	int c, idx = -1, rv = 2;

	memset(&cl, 0, sizeof(cl));
	memset(o, 0, sizeof(*o));
	o->duration = DEFAULT_DURATION;
	o->idle_timeout = DEFAULT_IDLE;
	o->impair_until = INFINITY;

	opterr = 0;	/* we print our own one-line messages */
	while ((c = getopt_long(argc, argv, ":vh", long_opts, &idx)) != -1) {
		const char *name = idx >= 0 ? long_opts[idx].name : "?";

		switch (c) {
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			rv = 0;
			goto out;
		case OPT_VERSION:
			printf(NS_NAME " %s\n", QGET_VERSION);
			rv = 0;
			goto out;
		case OPT_LISTEN:
			if (!ns_parse_addr(optarg, 1, &ss, &sl)) {
				bad_value(name, optarg);
				goto out;
			}
			o->listen = optarg;
			break;
		case OPT_TO:
			if (!ns_parse_addr(optarg, 0, &ss, &sl)) {
				bad_value(name, optarg);
				goto out;
			}
			o->to = optarg;
			break;
		case OPT_PORT_FILE:
			o->port_file = optarg;
			break;
		case OPT_STATS:
			o->stats_file = optarg;
			break;
		case OPT_PCAP_CLIENT:
		case OPT_PCAP_SERVER:
			if (*optarg == '\0') {
				bad_value(name, optarg);
				goto out;
			}
			if (c == OPT_PCAP_CLIENT)
				o->pcap_client = optarg;
			else
				o->pcap_server = optarg;
			break;
		case OPT_SEED:
			if (!parse_u64(optarg, UINT64_MAX, &o->seed)) {
				bad_value(name, optarg);
				goto out;
			}
			cl.seed_set = 1;
			break;
		case OPT_DURATION:
		case OPT_IDLE:
		case OPT_IMPAIR_UNTIL:
			if (!parse_num(optarg, 0.0, MAX_SECONDS, &v, NULL) ||
			    (v <= 0.0 && c != OPT_IMPAIR_UNTIL)) {
				bad_value(name, optarg);
				goto out;
			}
			if (c == OPT_DURATION)
				o->duration = v;
			else if (c == OPT_IDLE)
				o->idle_timeout = v;
			else
				o->impair_until = v;
			break;
		case ':':
			fprintf(stderr, NS_NAME ": option '%s' needs a value\n",
			    argv[optind - 1]);
			goto out;
		default:
			if (c >= OPT_FIELD_BASE &&
			    c < OPT_FIELD_BASE + F_COUNT * S_COUNT) {
				int f = (c - OPT_FIELD_BASE) / S_COUNT;
				int s = (c - OPT_FIELD_BASE) % S_COUNT;

				if (!parse_field((enum field)f, optarg,
				    &cl.scoped[s])) {
					bad_value(name, optarg);
					goto out;
				}
				cl.set[s] |= 1u << f;
				break;
			}
			fprintf(stderr, NS_NAME ": unknown option '%s' "
			    "(try --help)\n", argv[optind - 1]);
			goto out;
		}
		idx = -1;
	}
	if (optind < argc) {
		fprintf(stderr, NS_NAME ": unexpected argument '%s'\n",
		    argv[optind]);
		goto out;
	}
	if (o->listen == NULL || o->to == NULL) {
		fprintf(stderr, NS_NAME ": --listen and --to are required "
		    "(try --help)\n");
		goto out;
	}
	if (o->pcap_client != NULL && o->pcap_server != NULL &&
	    strcmp(o->pcap_client, o->pcap_server) == 0) {
		fprintf(stderr, NS_NAME ": --pcap-client and --pcap-server "
		    "name the same file\n");
		goto out;
	}
	if (!merge(o, &cl)) {
		fprintf(stderr, NS_NAME ": at most %d blackhole windows per "
		    "direction\n", NS_MAX_WINDOWS);
		goto out;
	}
	if (!cl.seed_set)
		o->seed = default_seed();
	rv = -1;
out:
	return rv;
}

int
ns_write_file(const char *path, const char *text)
{
	char tmp[4096];
	size_t len = strlen(text);
	int fd = -1, ok = 0, created = 0, n;

	/* A name nobody can guess, created with O_EXCL: a link planted in a
	 * shared directory cannot make us write to another file. */
	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		ns_log("file name too long: %s", path);
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		ns_log("cannot create a file beside %s: %s", path,
		    strerror(errno));
		goto out;
	}
	created = 1;
	/* mkstemp makes 0600; ports and counters are no secret. */
	if (fchmod(fd, 0644) != 0 || write(fd, text, len) != (ssize_t)len) {
		ns_log("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n != 0) {
		ns_log("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	/* rename() makes the file appear complete or not at all. */
	if (rename(tmp, path) != 0) {
		ns_log("cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto out;
	}
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	if (!ok && created)
		(void)unlink(tmp);
	return ok;
}

uint64_t
ns_dropped(const struct ns_counters *c)
{
	return c->loss + c->queue + c->blackhole + c->limit + c->error +
	    c->unsent;
}

static void
print_counters(const char *name, const struct ns_counters *c)
{
	ns_log("%s: in %" PRIu64 " forwarded %" PRIu64 " dropped %" PRIu64
	    " (loss %" PRIu64 " queue %" PRIu64 " blackhole %" PRIu64
	    " limit %" PRIu64 " error %" PRIu64 " unsent %" PRIu64 ")"
	    " duplicated %" PRIu64 " corrupted %" PRIu64 " reordered %" PRIu64
	    " bytes-in %" PRIu64 " bytes-out %" PRIu64,
	    name, c->in, c->forwarded, ns_dropped(c), c->loss, c->queue,
	    c->blackhole, c->limit, c->error, c->unsent, c->duplicated,
	    c->corrupted, c->reordered, c->bytes_in, c->bytes_out);
}

static int
json_counters(char *buf, size_t len, const char *name,
    const struct ns_counters *c)
{
	return snprintf(buf, len, "\"%s\": {\"in\": %" PRIu64
	    ", \"forwarded\": %" PRIu64 ", \"dropped\": %" PRIu64
	    ", \"loss\": %" PRIu64 ", \"queue\": %" PRIu64
	    ", \"blackhole\": %" PRIu64 ", \"limit\": %" PRIu64
	    ", \"error\": %" PRIu64 ", \"unsent\": %" PRIu64
	    ", \"duplicated\": %" PRIu64 ", \"corrupted\": %" PRIu64
	    ", \"reordered\": %" PRIu64 ", \"bytes_in\": %" PRIu64
	    ", \"bytes_out\": %" PRIu64 "}",
	    name, c->in, c->forwarded, ns_dropped(c), c->loss, c->queue,
	    c->blackhole, c->limit, c->error, c->unsent, c->duplicated,
	    c->corrupted, c->reordered, c->bytes_in, c->bytes_out);
}

static int
write_stats(const char *path, uint64_t seed, const struct ns_link link[])
{
	char up[1024], down[1024], all[2200];

	json_counters(up, sizeof(up), "up", &link[NS_UP].c);
	json_counters(down, sizeof(down), "down", &link[NS_DOWN].c);
	snprintf(all, sizeof(all), "{\"seed\": %" PRIu64 ", %s, %s}\n", seed,
	    up, down);
	return ns_write_file(path, all);
}

static void
on_stop_signal(int sig)
{
	(void)sig;
	ns_stop = 1;
}

static int
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;
	return sigaction(SIGTERM, &sa, NULL) == 0 &&
	    sigaction(SIGINT, &sa, NULL) == 0;
}

int
main(int argc, char **argv)
{
	struct ns_opts o;
	struct ns_link link[NS_NDIRS];
	int rc, d;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		goto out;
	rc = 1;
	if (!install_signals()) {
		ns_log("cannot install signal handlers");
		goto out;
	}
	memset(link, 0, sizeof(link));
	for (d = 0; d < NS_NDIRS; d++)
		ns_link_init(&link[d], &o.dir[d], o.seed, (enum ns_dir)d);
	ns_log("seed %" PRIu64, o.seed);
	rc = ns_run(&o, link);
	if (rc == 1)
		goto out;
	/* A capture that could not be written in full fails the run, but
	 * the counters are still worth having. */
	rc = rc == 0 ? 0 : 1;
	print_counters("up", &link[NS_UP].c);
	print_counters("down", &link[NS_DOWN].c);
	if (o.stats_file != NULL && !write_stats(o.stats_file, o.seed, link))
		rc = 1;
out:
	return rc;
}
