/*
 * The progress meter, as curl's (lib/progress.c before 8.12, and
 * src/tool_progress.c for parallel transfers): the same columns, sizes
 * in five characters, times as H:MM:SS.  -# draws curl's bar.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"

#define SHOW_AFTER 1.0  /* s: quick transfers stay quiet */
#define REDRAW 0.2      /* s: at most five lines a second */
#define RATE_EVERY 0.5  /* s between samples of the current rate */
#define NSAMPLES 8      /* struct progress's rate_t[] and rate_b[] */
#define BAR_MAX 256     /* columns, as curl's MAX_BARLENGTH */

_Static_assert(sizeof(((struct progress *)0)->rate_t) ==
    NSAMPLES * sizeof(double), "NSAMPLES is rate_t's length");

static const char meter_head[] =
    "  % Total    % Received % Xferd  Average Speed   Time    Time     "
    "Time  Current\n"
    "                                 Dload  Upload   Total   Spent    "
    "Left  Speed\n";
static const char parallel_head[] =
    "DL% UL%  Dled  Uled  Xfers  Live Total     Current  Left    Speed\n";

/* -#'s width: $COLUMNS, else the terminal's, else 79 (curl's order; a
 * line as wide as the terminal does not wrap until a character follows,
 * and '\r' comes first). */
static int
term_columns(FILE *f)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	int cols = 0;

	if (env != NULL) {
		char *end;
		long v = strtol(env, &end, 10);

		if (end != env && *end == '\0' && v > 20 && v < 10000)
			cols = (int)v;
	}
	if (cols == 0 && f != NULL && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 20)
		cols = ws.ws_col;
	if (cols == 0)
		cols = 79;
	return cols > BAR_MAX ? BAR_MAX : cols;
}

/* curl's max5data: at most five characters, 1024-based units. */
static const char *
size5(char out[24], uint64_t b)
{
	const uint64_t K = 1024, M = K * K, G = M * K, T = G * K, P = T * K;
	unsigned long long v = b;

	if (b < 100000)
		snprintf(out, 24, "%5llu", v);
	else if (b < 10000 * K)
		snprintf(out, 24, "%4lluk", v / K);
	else if (b < 100 * M)
		snprintf(out, 24, "%2llu.%lluM", v / M, (v % M) * 10 / M);
	else if (b < 10000 * M)
		snprintf(out, 24, "%4lluM", v / M);
	else if (b < 100 * G)
		snprintf(out, 24, "%2llu.%lluG", v / G, (v % G) * 10 / G);
	else if (b < 10000 * G)
		snprintf(out, 24, "%4lluG", v / G);
	else if (b < 10000 * T)
		snprintf(out, 24, "%4lluT", v / T);
	else if (b < 10000 * P)
		snprintf(out, 24, "%4lluP", v / P);
	else
		snprintf(out, 24, "%4lluE", v / (P * K));
	return out;
}

/* curl's time2str: eight characters, "--:--:--" for no value. */
static const char *
time8(char out[24], double secs)
{
	unsigned long long s, h, d;

	if (!(secs >= 1))
		return strcpy(out, "--:--:--");
	s = secs >= 1e15 ? 1000000000000000ULL : (unsigned long long)secs;
	h = s / 3600;
	if (h <= 99) {
		snprintf(out, 24, "%2llu:%02llu:%02llu", h, s % 3600 / 60,
		    s % 60);
		return out;
	}
	d = s / 86400;
	if (d <= 999)
		snprintf(out, 24, "%3llud %02lluh", d, s % 86400 / 3600);
	else
		snprintf(out, 24, "%7llud", d > 9999999 ? 9999999 : d);
	return out;
}

static uint64_t
to_u64(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)v;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* As curl: whole percents, without overflow for huge totals. */
static unsigned
percent(uint64_t now, uint64_t total)
{
	uint64_t p;

	if (total == 0)
		return 0;
	p = total > 10000 ? now / (total / 100) : now * 100 / total;
	return p > 100 ? 100 : (unsigned)p;
}

/* A percent column: "--" when bytes move towards an unknown total (curl
 * shows a made-up 100 there). */
static const char *
percent3(char out[8], uint64_t now, uint64_t total)
{
	if (total == 0 && now > 0)
		return strcpy(out, " --");
	snprintf(out, 8, "%3u", percent(now, total));
	return out;
}

/* One sample of the bytes moved so far, at most every RATE_EVERY. */
static void
rate_sample(struct progress *p, double now, uint64_t bytes)
{
	int slot;

	if (p->rate_n > 0 &&
	    now - p->rate_t[(p->rate_n - 1) % NSAMPLES] < RATE_EVERY)
		return;
	slot = p->rate_n % NSAMPLES;
	p->rate_t[slot] = now;
	p->rate_b[slot] = bytes;
	p->rate_n++;
	/* same slot order, no overflow */
	if (p->rate_n >= 2 * NSAMPLES)
		p->rate_n -= NSAMPLES;
}

/* The current rate: bytes per second since the oldest sample kept (the
 * last few seconds); the average until there is such a span. */
static double
rate_now(const struct progress *p, double now, uint64_t bytes, double avg)
{
	int oldest;
	double dt;

	if (p->rate_n == 0)
		return avg;
	oldest = p->rate_n < NSAMPLES ? 0 : p->rate_n % NSAMPLES;
	dt = now - p->rate_t[oldest];
	if (dt < RATE_EVERY)
		return avg;
	if (bytes < p->rate_b[oldest])
		return 0;
	return (double)(bytes - p->rate_b[oldest]) / dt;
}

static void
format_meter(const struct progress *p, double now,
    const struct progress_numbers *n, char *buf, size_t cap)
{
	double spent = now - p->start;
	double dl_avg = spent > 0 ? (double)n->dl_now / spent : 0;
	double ul_avg = spent > 0 ? (double)n->ul_now / spent : 0;
	double dl_est = 0, ul_est = 0, est;
	uint64_t est_s, spent_s = spent > 0 ? (uint64_t)spent : 0;
	uint64_t moved = sat_add(n->dl_now, n->ul_now);
	int total_known = !(n->dl_total == 0 && n->dl_now > 0) &&
	    !(n->ul_total == 0 && n->ul_now > 0);
	uint64_t expected = sat_add(n->dl_total, n->ul_total);
	char tpct[8], dpct[8], upct[8], total[24], dl[24], ul[24];
	char dla[24], ula[24], cur[24], t_total[24], t_spent[24], t_left[24];

	/* As curl: the estimate from the average rate; with both ways at
	 * once, the slower one finishes last. */
	if (n->dl_total > 0 && dl_avg > 0)
		dl_est = (double)n->dl_total / dl_avg;
	if (n->ul_total > 0 && ul_avg > 0)
		ul_est = (double)n->ul_total / ul_avg;
	est = dl_est > ul_est ? dl_est : ul_est;
	/* whole seconds, as curl counts them */
	est_s = to_u64(est);
	if (total_known) {
		snprintf(tpct, sizeof(tpct), "%3u", percent(moved, expected));
		size5(total, expected);
	} else {
		strcpy(tpct, " --");
		strcpy(total, "   --");
	}
	snprintf(buf, cap, "%s %s  %s %s  %s %s  %s  %s %s %s %s %s", tpct,
	    total, percent3(dpct, n->dl_now, n->dl_total), size5(dl, n->dl_now),
	    percent3(upct, n->ul_now, n->ul_total), size5(ul, n->ul_now),
	    size5(dla, to_u64(dl_avg)), size5(ula, to_u64(ul_avg)),
	    time8(t_total, est), time8(t_spent, spent),
	    time8(t_left, est_s > spent_s ? (double)(est_s - spent_s) : 0),
	    size5(cur, to_u64(rate_now(p, now, moved, dl_avg + ul_avg))));
}

/* curl's summary of parallel transfers: the sums of all of them. */
static void
format_parallel(const struct progress *p, double now,
    const struct progress_numbers *n, char *buf, size_t cap)
{
	double spent = now - p->start;
	uint64_t moved = sat_add(n->dl_now, n->ul_now);
	double avg = spent > 0 ? (double)moved / spent : 0;
	double speed = rate_now(p, now, moved, avg);
	double est = 0, left = 0;
	char dpct[8] = "--", upct[8] = "--", dl[24], ul[24], sp[24];
	char t_total[24], t_spent[24], t_left[24];

	if (n->dl_total > 0)
		snprintf(dpct, sizeof(dpct), "%3u",
		    percent(n->dl_now, n->dl_total));
	if (n->ul_total > 0)
		snprintf(upct, sizeof(upct), "%3u",
		    percent(n->ul_now, n->ul_total));
	if (n->dl_total > 0 && speed > 0) {
		est = (double)n->dl_total / speed;
		left = n->dl_now < n->dl_total ?
		    (double)(n->dl_total - n->dl_now) / speed : 0;
	}
	snprintf(buf, cap, "%-3s %-3s %s %s %5u %5u  %s %s %s %s", dpct, upct,
	    size5(dl, n->dl_now), size5(ul, n->ul_now), n->xfers_total,
	    n->xfers_live, time8(t_total, est), time8(t_spent, spent),
	    time8(t_left, left), size5(sp, to_u64(speed)));
}

/* -#: '#'s across the width and the percent; with no total, curl's
 * "-=O=-" going to and fro, moved by time (10 columns a second). */
static void
format_bar(const struct progress *p, double now,
    const struct progress_numbers *n, char *buf, size_t cap)
{
	uint64_t total = sat_add(n->dl_total, n->ul_total);
	uint64_t point = sat_add(n->dl_now, n->ul_now);
	int cols = p->columns > 20 ? p->columns : 79;
	char line[BAR_MAX + 1];

	if (cols > BAR_MAX)
		cols = BAR_MAX;
	if (total > 0) {
		double frac = point >= total ? 1.0 :
		    (double)point / (double)total;
		int width = cols - 7, num = (int)(width * frac);

		memset(line, '#', (size_t)num);
		line[num] = '\0';
		snprintf(buf, cap, "%-*s %5.1f%%", width, line, frac * 100.0);
	} else {
		int range = cols - 6;
		long ticks = now > p->start ? (long)((now - p->start) * 10) : 0;
		long t = ticks % (2L * range);
		int pos = (int)(t <= range ? t : 2L * range - t);

		memset(line, ' ', (size_t)cols);
		memcpy(line + pos, "-=O=-", 5);
		line[cols] = '\0';
		snprintf(buf, cap, "%s", line);
	}
}

void
progress_format(struct progress *p, double now,
    const struct progress_numbers *n, char *buf, size_t cap)
{
	if (cap == 0)
		return;
	if (p->mode == PROGRESS_BAR)
		format_bar(p, now, n, buf, cap);
	else if (n->xfers_total > 1)
		format_parallel(p, now, n, buf, cap);
	else
		format_meter(p, now, n, buf, cap);
}

void
progress_start(struct progress *p, enum progress_mode mode, FILE *f,
    double now)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->f = f;
	p->start = now;
	if (mode == PROGRESS_BAR)
		p->columns = term_columns(f);
	rate_sample(p, now, 0);
}

static void
draw(struct progress *p, double now, const struct progress_numbers *n)
{
	char line[BAR_MAX + 64];

	if (p->mode == PROGRESS_METER && !p->header_shown) {
		fputs(n->xfers_total > 1 ? parallel_head : meter_head, p->f);
		p->header_shown = 1;
	}
	progress_format(p, now, n, line, sizeof(line));
	fprintf(p->f, "\r%s", line);
	fflush(p->f);
	p->shown = 1;
	p->last = now;
}

void
progress_update(struct progress *p, double now,
    const struct progress_numbers *n)
{
	if (p == NULL || p->mode == PROGRESS_OFF || p->f == NULL)
		return;
	p->last_n = *n;
	rate_sample(p, now, sat_add(n->dl_now, n->ul_now));
	if (now - p->start < SHOW_AFTER ||
	    (p->shown && now - p->last < REDRAW))
		return;
	draw(p, now, n);
}

void
progress_done(struct progress *p, double now,
    const struct progress_numbers *n)
{
	if (p == NULL || p->mode == PROGRESS_OFF || p->f == NULL)
		return;
	p->last_n = *n;
	/* A transfer that lasted long enough shows how it ended, even if no
	 * update came after its first second. */
	if (p->shown || now - p->start >= SHOW_AFTER) {
		rate_sample(p, now, sat_add(n->dl_now, n->ul_now));
		draw(p, now, n);
	}
	progress_end(p);
}

void
progress_end(struct progress *p)
{
	if (p == NULL || !p->shown)
		return;
	fputc('\n', p->f);
	fflush(p->f);
	p->shown = 0;
}
