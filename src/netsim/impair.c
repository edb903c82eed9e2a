/*
 * The fate of one datagram on one direction of the simulated path.
 *
 * Every random decision comes from that direction's own generator, drawn
 * in a fixed order per datagram, so that the same seed and the same
 * sequence of datagrams replay the same run, and traffic in one direction
 * cannot change what happens in the other.
 */
#include "netsim.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* xoshiro256** wants a state that is not all zero: splitmix64 expands any
 * seed, 0 included, into one. */
void
ns_rng_seed(struct ns_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
ns_rng_next(struct ns_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1), with the full 53 bits of a double. */
static double
unit(struct ns_rng *r)
{
	return (double)(ns_rng_next(r) >> 11) * 0x1.0p-53;
}

/* An impairment that is off draws nothing, so a plain relay never spends
 * time in the generator. */
static int
chance(struct ns_rng *r, double pct)
{
	if (pct <= 0.0)
		return 0;
	return unit(r) * 100.0 < pct;
}

void
ns_link_init(struct ns_link *l, const struct ns_impair *cfg, uint64_t seed,
    enum ns_dir dir)
{
	l->cfg = cfg;
	/* Distinct constants keep the two streams apart for every seed. */
	ns_rng_seed(&l->rng, seed ^ (dir == NS_UP ?
	    UINT64_C(0x243f6a8885a308d3) : UINT64_C(0x13198a2e03707344)));
	l->ge_bad = 0;
	l->busy_until = 0;
}

static int
in_blackhole(const struct ns_impair *cfg, double elapsed)
{
	size_t i;

	for (i = 0; i < cfg->nbh; i++)
		if (elapsed >= cfg->bh[i].from && elapsed < cfg->bh[i].to)
			return 1;
	return 0;
}

/*
 * Which byte of the datagram ncopies of f is to be corrupted, and how.
 * Anywhere, one bit flipped; with --corrupt-head N, one of the first N
 * bytes, overwritten by another value: as the QUIC interop runner's
 * corruption, whose hits land in the QUIC header as often as not.  The
 * default draws what it always drew, so that old seeds replay.
 */
static void
pick_corruption(struct ns_link *l, size_t len, struct ns_fate *f)
{
	size_t head = l->cfg->corrupt_head;
	int k = f->ncopies;

	if (head == 0) {
		f->flip_byte[k] = (long)(ns_rng_next(&l->rng) % len);
		f->flip_mask[k] = (unsigned char)(1u <<
		    (ns_rng_next(&l->rng) % 8));
		return;
	}
	if (head > len)
		head = len;
	f->flip_byte[k] = (long)(ns_rng_next(&l->rng) % head);
	/* XOR with 1..255: each of the 255 other values alike. */
	f->flip_mask[k] = (unsigned char)(1 + ns_rng_next(&l->rng) % 255);
}

/*
 * Decides what becomes of a datagram of len bytes arriving at now
 * (monotonic ns, elapsed seconds after start).  The caller applies the
 * decision and counts reordering and corruption as it carries them out.
 */
void
ns_link_admit(struct ns_link *l, uint64_t now, double elapsed, int random_on,
    size_t len, struct ns_fate *f)
{
	const struct ns_impair *cfg = l->cfg;
	int lost = 0, wanted = 1, k;
	double ms, backlog, start;

	f->ncopies = 0;
	f->hold = 0;
	l->c.in++;
	l->c.bytes_in += len;
	if (in_blackhole(cfg, elapsed)) {
		l->c.blackhole++;
		return;
	}
	if (random_on) {
		if (cfg->ge) {
			if (chance(&l->rng, l->ge_bad ? cfg->ge_p_bg :
			    cfg->ge_p_gb))
				l->ge_bad = !l->ge_bad;
			lost = chance(&l->rng, l->ge_bad ? cfg->ge_loss_bad :
			    cfg->ge_loss_good);
		}
		/* Both models draw for every datagram, lost or not, so one
		 * does not shift the other's sequence. */
		if (chance(&l->rng, cfg->loss))
			lost = 1;
		if (lost) {
			l->c.loss++;
			return;
		}
		if (chance(&l->rng, cfg->dup)) {
			wanted = 2;
			l->c.duplicated++;
		}
	}
	for (k = 0; k < wanted; k++) {
		uint64_t due = now;

		if (cfg->rate > 0) {
			/* A virtual FIFO in front of a link of cfg->rate bytes
			 * per second: its backlog is what the link still has
			 * to serialize. */
			start = l->busy_until > now ? (double)l->busy_until :
			    (double)now;
			backlog = (start - (double)now) * (double)cfg->rate /
			    1e9;
			if (backlog + (double)len > (double)cfg->queue) {
				l->c.queue++;
				continue;
			}
			l->busy_until = (uint64_t)(start +
			    (double)len * 1e9 / (double)cfg->rate);
			due = l->busy_until;
		}
		f->flip_byte[f->ncopies] = -1;
		f->flip_mask[f->ncopies] = 0;
		if (random_on) {
			if (len > 0 && chance(&l->rng, cfg->corrupt))
				pick_corruption(l, len, f);
			ms = cfg->delay_ms;
			if (cfg->jitter_ms > 0.0)
				ms += (unit(&l->rng) * 2.0 - 1.0) *
				    cfg->jitter_ms;
			if (ms > 0.0)
				due += (uint64_t)(ms * 1e6);
			/* Jitter varies the delay but keeps the order, as a
			 * queue of varying depth does: a datagram never
			 * overtakes the one before it.  Out-of-order delivery
			 * is --reorder's job.  (Letting ±20 ms of jitter
			 * scramble a burst made every loss detector see mass
			 * reordering: 2 MiB over 100 ms RTT took 57 s.) */
			if (cfg->jitter_ms > 0.0) {
				if (due < l->jitter_floor)
					due = l->jitter_floor;
				l->jitter_floor = due;
			}
		}
		f->due[f->ncopies++] = due;
	}
	if (random_on && f->ncopies > 0)
		f->hold = chance(&l->rng, cfg->reorder);
}
