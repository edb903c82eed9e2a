#ifndef QGET_TOOL_WRITEOUT_H
#define QGET_TOOL_WRITEOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * What -w and --stats report about one transfer (one URL, after its
 * redirects and retries), filled by fetch.c as the transfer goes.
 * Strings are "" and times < 0 when there is no value: -w's %{...}
 * prints them as curl does (an empty string, 0.000000), %{json} as null.
 */
struct tool_xfer_stats {
	const char *url;            /* as given on the command line */
	/* The four strings below are malloc'ed (tool_stats_set()) and NULL
	 * when empty: fixed arrays of 6.9 KB per URL made 500 URLs cost
	 * 3.9 MB of RSS. */
	char *url_effective;        /* the last URL requested */
	char method[16];            /* of the last request */
	int http_code;              /* 0: none (no status line: hq-interop) */
	char http_version[8];       /* "3", "1.1", "1.0", "0.9"; "" none */
	char scheme[8];             /* "https" */
	char alpn[64];              /* "" before a handshake */
	char quic_version[16];
	char cipher[64];
	int resumed;                /* the TLS session was resumed */
	char remote_ip[64];         /* without brackets; "" none */
	int remote_port;            /* 0: none */
	char local_ip[64];
	int local_port;
	char *content_type;         /* escaped */
	char *filename_effective;   /* the output file; NULL stdout */
	uint64_t size_download;     /* body bytes written */
	uint64_t size_header;       /* head bytes received */
	uint64_t size_upload;       /* body bytes sent */
	uint64_t size_request;      /* request bytes sent, framing included */
	uint64_t bytes_received;    /* stream bytes, framing included */
	/* seconds from the transfer's start; < 0: never reached */
	double time_namelookup;
	double time_connect;        /* QUIC: the handshake done, as
	                             * time_appconnect */
	double time_appconnect;
	double time_pretransfer;    /* the request about to be sent */
	double time_starttransfer;  /* the first response byte */
	double time_redirect;       /* all redirect steps before the last */
	double time_total;
	int num_connects;           /* connections opened for it */
	int num_redirects;
	int num_retries;
	int exitcode;
	char *errormsg;             /* escaped */
	int urlnum;                 /* 0-based position on the command line */
};

/* *field becomes a copy of the len bytes at s (NULL or len 0: NULL).
 * Out of memory it stays NULL: -w shows nothing, as for no value. */
void tool_stats_set(char **field, const char *s, size_t len);
/* Frees what tool_stats_set() allocated in s. */
void tool_stats_free(struct tool_xfer_stats *s);

/*
 * Checks a -w format before anything runs: an unknown %{variable} is a
 * usage error, as is a lone '%{'.  Returns 0, or -1 with a reason in msg.
 */
int tool_writeout_check(const char *format, char *msg, size_t msglen);

/*
 * Prints `format` for one transfer, as curl's -w does: %{variable},
 * %{json}, %{stderr} and %{stdout} (switch the stream), %% is '%', and
 * \n \r \t \\ escapes.  `out` is stdout, `err` stderr (parameters, for
 * the tests).
 */
void tool_writeout(FILE *out, FILE *err, const char *format,
    const struct tool_xfer_stats *s);

/* One JSON object (no newline) with every variable: numbers as numbers,
 * no value as null. */
void tool_writeout_json(FILE *f, const struct tool_xfer_stats *s);

/*
 * --stats FILE: the run's report, one JSON object:
 * {"transfers":[<tool_writeout_json of each>],"exit_code":N,
 *  "error":"..."|null} and a newline.
 */
void tool_write_stats(FILE *f, const struct tool_xfer_stats *xs, size_t n,
    int exit_code, const char *error);

#endif
