#ifndef QGET_TOOL_PROGRESS_H
#define QGET_TOOL_PROGRESS_H

#include <stdint.h>

/*
 * The progress meter: one line on stderr, redrawn at most five times a
 * second, shown only once a transfer has taken more than a second, and
 * only when enabled (stderr a terminal, not -s, not --progress=no).
 */
struct progress {
	int enabled;
	int shown;      /* a line is on the screen */
	double start;
	double last;    /* last redraw */
};

void progress_start(struct progress *p, int enabled, double now);
/* bytes so far; total 0 when unknown. */
void progress_update(struct progress *p, double now, uint64_t bytes,
    uint64_t total);
/* The transfer is complete: a meter on screen shows the final count. */
void progress_done(struct progress *p, double now, uint64_t bytes,
    uint64_t total);
/* Ends the line, if one was drawn. */
void progress_end(struct progress *p);

#endif
