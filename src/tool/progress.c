#include <stdio.h>

#include "progress.h"

#define SHOW_AFTER 1.0 /* s: quick transfers stay quiet */
#define REDRAW 0.2     /* s */

void
progress_start(struct progress *p, int enabled, double now)
{
	p->enabled = enabled;
	p->shown = 0;
	p->start = now;
	p->last = 0;
}

/* "12.3 MiB" */
static void
human(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, unit[u]);
}

void
progress_update(struct progress *p, double now, uint64_t bytes,
    uint64_t total)
{
	char got[32], rate[32];
	double elapsed = now - p->start;

	if (!p->enabled || elapsed < SHOW_AFTER || now - p->last < REDRAW)
		return;
	p->last = now;
	p->shown = 1;
	human(got, sizeof(got), (double)bytes);
	human(rate, sizeof(rate), (double)bytes / elapsed);
	if (total > 0)
		fprintf(stderr, "\r%12s  %12s/s  %3.0f%%  %6.1f s ", got, rate,
		    100.0 * (double)bytes / (double)total, elapsed);
	else
		fprintf(stderr, "\r%12s  %12s/s  %6.1f s ", got, rate, elapsed);
	fflush(stderr);
}

void
progress_done(struct progress *p, double now, uint64_t bytes,
    uint64_t total)
{
	if (p->shown) {
		p->last = 0;
		progress_update(p, now, bytes, total);
	}
	progress_end(p);
}

void
progress_end(struct progress *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = 0;
}
