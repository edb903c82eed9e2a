#ifndef QGET_TOOL_OPTIONS_H
#define QGET_TOOL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "qget.h"

#define TOOL_MAX_HEADERS 64
/* -H's bytes in all, each counted with its CRLF. */
#define TOOL_MAX_HEADER_BYTES 8192

struct tool_opts {
	qget_family family;
	const char *alpn;
	const char *cacert;
	const char *capath;
	int insecure;
	const char *output;
	uint64_t connect_timeout_ms; /* 0: the library's default */
	uint64_t max_time_ms;        /* 0: none */
	uint64_t idle_timeout_ms;    /* 0: OpenSSL's default */
	const char *keylog;
	const char *ciphers;
	const char *pinned_pubkey;
	const char *session_file;
	int write_json;           /* -w json */
	int no_progress;          /* --progress=no */
	int raw;                  /* --raw: stdin to a stream, the peer to stdout */
	const char *stats_file;   /* where -w goes instead of stdout */
	int include;
	int verbose;
	int silent;
	int help;
	int version;
	char host[256];              /* without IPv6 brackets */
	const char *port;
	char url_port[6];            /* the port of a URL */
	const char *path;            /* the first path */
	char **paths;                /* every path, in argv */
	int npaths;
	const char *output_dir;      /* -O */
	unsigned parallel;           /* --parallel; 0: what the server allows */
	int head;                    /* -I: HEAD, print the head */
	int fail;                    /* -f: a status >= 400 fails (exit 11) */
	int url;                     /* the target came as https:// URLs */
	const char *headers[TOOL_MAX_HEADERS]; /* -H, validated "Name: value" */
	int nheaders;
	const char *interface;       /* --interface: a name or an IP address */
	unsigned local_port_min;     /* --local-port; 0: any */
	unsigned local_port_max;
	uint64_t attempt_delay_ms;   /* --happy-eyeballs-timeout-ms */
	int attempt_delay_set;
};

/*
 * Splits "https://host[:port][/path][?query][#fragment]" (bracketed IPv6
 * literals, port 443 by default).  `url` is modified: the fragment is cut
 * off.  host gets the name without brackets, port the decimal port, *path
 * points into url ("/..." ) or at "/" when the URL has none.  Returns
 * QGET_OK or QGET_E_USAGE with a reason in msg.
 */
qget_status tool_parse_url(char *url, char *host, size_t hostcap,
    char port[6], char **path, char *msg, size_t msglen);

/*
 * Checks a -H argument: "Name: value", Name an HTTP token that is not a
 * pseudo-header nor one qget sets itself (Host, Connection, ...), value
 * without CR, LF or other control characters but tab.  Returns 0 or -1
 * with a reason in msg.
 */
int tool_check_header(const char *h, char *msg, size_t msglen);

/* The file name -O gives a path's response: its last segment.  Returns
 * NULL when the path has none ("/", "/dir/", "/.."). */
const char *tool_path_basename(const char *path);

/*
 * Parses the command line into `o` (which it zeroes first).  Returns QGET_OK
 * or QGET_E_USAGE with a one-line reason in msg.  Reentrant as far as
 * getopt_long allows (it resets optind).
 */
qget_status tool_parse_args(int argc, char **argv, struct tool_opts *o,
    char *msg, size_t msglen);

/*
 * Strict "seconds" parser: digits with an optional fraction ("2", "0.5"),
 * no sign, no exponent, at most 1e6 s.  Stores milliseconds, rounded up so
 * that 0.0001 does not become "no limit".  Returns 0 or -1.
 */
int tool_parse_seconds(const char *s, uint64_t *ms);

/* Strict port: 1..65535 in decimal, nothing else.  Returns 0 or -1. */
int tool_parse_port(const char *s);

/* curl's --local-port: "N" or "N-M", ports 1..65535, N <= M.  Returns 0
 * (N alone: *hi = *lo) or -1. */
int tool_parse_port_range(const char *s, unsigned *lo, unsigned *hi);

/* Strict milliseconds: 0..1000000 in plain decimal.  Returns 0 or -1. */
int tool_parse_ms(const char *s, uint64_t *ms);

/* The long options, as getopt_long sees them, ending with a NULL name
 * (for tests).  Each is taken only when spelt out in full. */
struct option;
const struct option *tool_long_options(void);

#include <stdio.h>
/* The --help text. */
void tool_usage(FILE *f);

#endif
