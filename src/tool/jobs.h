#ifndef QGET_TOOL_JOBS_H
#define QGET_TOOL_JOBS_H

/*
 * The paths of one qget run, shared by the two request engines: fetch.c's
 * (http/1.0 and hq-interop: one stream per path, the response read raw)
 * and h3.c's (HTTP/3 through nghttp3).
 */
#include <stdint.h>

#include "options.h"
#include "output.h"
#include "progress.h"
#include "writeout.h"

#include "qget.h"

struct http1_resp;

/* One path: its stream, its response, its output. */
struct job {
	const char *path;
	qget_stream *st;
	struct http1_resp *resp; /* 64 KiB: only while the job runs */
	struct tool_out out;
	int out_open;
	uint64_t body;
	char *outname; /* -O: DIR/name */
	/* HTTP/3 */
	int status;            /* the final :status, 0 before it */
	int head_done;         /* the final response's head is complete */
	int has_length;
	uint64_t content_length;
	int ended;             /* the response is complete (end of stream) */
	int failed;            /* reported; the rest of its stream is dropped */
};

/* What every job shares. */
struct run {
	const struct tool_opts *o;
	qget_conn *conn;
	struct tool_stats *stats;
	struct progress *meter;
	unsigned char *buf;
	int use_http1;
	int several;   /* more than one path: name the path in messages */
	uint64_t total; /* the meter's 100%: one path's Content-Length */
	uint64_t total_body; /* body bytes of every path so far */
	qget_status worst;
	double t0;
	void *h3;      /* HTTP/3's state (h3.c), freed after the close */
};

#define READ_BUF (256 * 1024)

/* -v lines on stderr ("* ..."). */
void tool_verbose(const struct tool_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Seconds on the monotonic clock. */
double tool_now(void);

/* The one place that prints a failure, "qget: (N) detail", and keeps it
 * for -w json.  Returns st. */
qget_status tool_report(struct tool_stats *stats, struct progress *meter,
    qget_status st, const char *detail);

/* Opens the job's output (-o, -O DIR/name or stdout).  On failure the job
 * has failed (reported). */
qget_status job_open_out(struct run *r, struct job *j,
    struct tool_stream_stats *ss);

/* A failed path: reported (named when there are several), its output
 * discarded, the run's worst outcome updated. */
void job_fail(struct run *r, struct job *j, struct tool_stream_stats *ss,
    qget_status st, const char *detail);

/*
 * The connection failed: reported once with detail; every path still
 * active (active[0..nactive)) or not started (next..njobs) fails with rv,
 * but one that had failed on its own keeps its code.
 */
void jobs_fail_all(struct run *r, struct job *jobs,
    struct tool_stream_stats *ss, const int *active, int nactive, int next,
    int njobs, qget_status rv, const char *detail);

/* Frees what the job held once it is over, counting its bytes. */
void job_clear(struct run *r, struct job *j, struct tool_stream_stats *ss);

#endif
