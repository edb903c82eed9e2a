#ifndef QGET_TOOL_PROGRESS_H
#define QGET_TOOL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

/*
 * The progress meter on stderr, as curl's: a header of labelled columns,
 * then one line redrawn in place (at most five times a second): total
 * size when known, percent, received, uploaded, average and current
 * rate, time spent, time left.  With several transfers at once, curl's
 * parallel summary (transfers done, live).  -# draws a bar instead.
 * Shown only when enabled (stderr a terminal, not -s, not
 * --no-progress-meter) and once the transfer has taken a second.
 */
enum progress_mode {
	PROGRESS_OFF,
	PROGRESS_METER,
	PROGRESS_BAR,
};

/* What the meter shows; totals 0 when unknown. */
struct progress_numbers {
	uint64_t dl_now, dl_total;
	uint64_t ul_now, ul_total;
	unsigned xfers_total;   /* transfers this meter covers */
	unsigned xfers_done;
	unsigned xfers_live;
};

struct progress {
	enum progress_mode mode;
	FILE *f;
	int columns;            /* terminal width for -# (COLUMNS, ioctl, 79) */
	int shown;              /* a line is on the screen */
	int header_shown;
	double start;
	double last;            /* last redraw */
	/* the current rate: bytes over the last few seconds */
	double rate_t[8];
	uint64_t rate_b[8];
	int rate_n;
	struct progress_numbers last_n;
};

/* Starts a meter for one transfer, or for several at once. */
void progress_start(struct progress *p, enum progress_mode mode, FILE *f,
    double now);
void progress_update(struct progress *p, double now,
    const struct progress_numbers *n);
/* Complete: a meter on screen shows the final numbers and its line
 * ends. */
void progress_done(struct progress *p, double now,
    const struct progress_numbers *n);
/* Ends the line, if one was drawn (before any other stderr line). */
void progress_end(struct progress *p);

/* One line of the meter, for the tests: what progress_update would draw
 * at `now` (without the carriage return). */
void progress_format(struct progress *p, double now,
    const struct progress_numbers *n, char *buf, size_t cap);

#endif
