/* WIP: being rewritten as curl's meter (issue 12). */
#include "progress.h"

void
progress_start(struct progress *p, enum progress_mode mode, FILE *f,
    double now)
{
	p->mode = mode;
	p->f = f;
	p->shown = 0;
	p->start = now;
}

void
progress_update(struct progress *p, double now,
    const struct progress_numbers *n)
{
	(void)p;
	(void)now;
	(void)n;
}

void
progress_done(struct progress *p, double now,
    const struct progress_numbers *n)
{
	(void)p;
	(void)now;
	(void)n;
}

void
progress_end(struct progress *p)
{
	(void)p;
}

void
progress_format(struct progress *p, double now,
    const struct progress_numbers *n, char *buf, size_t cap)
{
	(void)p;
	(void)now;
	(void)n;
	if (cap > 0)
		buf[0] = '\0';
}
