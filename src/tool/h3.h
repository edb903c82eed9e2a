#ifndef QGET_TOOL_H3_H
#define QGET_TOOL_H3_H

#include "h3fields.h"
#include "jobs.h"

/*
 * Runs every job over HTTP/3 (the connection negotiated "h3"): opens the
 * control and QPACK streams, sends each request on its own stream, as many
 * at once as the server allows (and --parallel), and writes each response
 * as it comes.  Returns the connection's own failure, or QGET_OK (the
 * jobs' outcomes are in r->worst).  The HTTP/3 state stays in r->h3 until
 * h3_free(), after the connection is closed: freeing the control stream
 * earlier would reset it, which the server must treat as an error.
 */
qget_status h3_run_jobs(struct run *r, struct job *jobs,
    struct tool_stream_stats *ss, int njobs);

/* Frees r->h3 (NULL-safe). */
void h3_free(struct run *r);

#endif
