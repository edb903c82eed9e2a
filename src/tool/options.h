#ifndef QGET_TOOL_OPTIONS_H
#define QGET_TOOL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "qget.h"

#define TOOL_MAX_HEADERS 64
/* -H's bytes in all, each counted with its CRLF. */
#define TOOL_MAX_HEADER_BYTES 8192

/*
 * One transfer the command line asks for: a URL (or, in the HOST PORT
 * PATH... form, one PATH), with what the options say about where its
 * body goes and what it sends.  As in curl, the n-th -o/-O and the n-th -T
 * belong to the n-th URL, wherever they stand on the line.
 */
struct tool_url {
	const char *arg;        /* the argument as given, for messages */
	char *url;              /* "https://host[:port]/path?query", malloc'ed:
	                         * the effective URL before any redirect */
	char host[256];         /* without IPv6 brackets */
	char port[6];           /* "443" when the URL has none */
	char *path;             /* malloc'ed: path and query, no fragment */
	const char *output;     /* -o FILE ("-": stdout), or NULL */
	int remote_name;        /* -O, or --remote-name-all: the URL's last
	                         * path segment, percent-decoded, without its
	                         * query, in --output-dir or the current one */
	const char *upload;     /* -T FILE ("-": stdin), or NULL */
};

/* --resolve HOST:PORT:ADDR ("*" for HOST matches any host). */
struct tool_resolve {
	char host[256];
	char port[6];
	char addr[64];          /* an IP literal, without brackets */
};

/* --connect-to HOST1:PORT1:HOST2:PORT2 (empty fields match anything /
 * keep what the URL says). */
struct tool_connect_to {
	char host[256];         /* "" matches every host */
	char port[6];           /* "" matches every port */
	char to_host[256];      /* "": the URL's host */
	char to_port[6];        /* "": the URL's port */
};

struct tool_opts {
	/* the connection */
	qget_family family;
	const char *alpn;            /* the list offered */
	int alpn_set;                /* --alpn/--http3 given */
	const char *cacert;
	const char *capath;
	int insecure;
	uint64_t connect_timeout_ms; /* 0: the library's default */
	uint64_t max_time_ms;        /* 0: none */
	uint64_t idle_timeout_ms;    /* 0: OpenSSL's default */
	int no_gso;                  /* --no-gso: no UDP GSO/GRO */
	int key_update;              /* --key-update: one per connection */
	const char *keylog;
	const char *ciphers;
	const char *pinned_pubkey;
	const char *session_file;
	const char *interface;       /* --interface: a name or an IP address */
	unsigned local_port_min;     /* --local-port; 0: any */
	unsigned local_port_max;
	uint64_t attempt_delay_ms;   /* --happy-eyeballs-timeout-ms */
	int attempt_delay_set;
	struct tool_resolve *resolve;       /* malloc'ed */
	int nresolve;
	struct tool_connect_to *connect_to; /* malloc'ed */
	int nconnect_to;

	/* what to fetch */
	struct tool_url *urls;       /* malloc'ed, nurls >= 1 unless --help,
	                              * --version */
	int nurls;
	int legacy;                  /* HOST PORT [PATH...]: ALPN http/1.0 by
	                              * default */
	const char *host;            /* the first URL's (as --raw and --probe
	                              * use) */
	const char *port;
	int raw;                     /* --raw: stdin to a stream, the peer to
	                              * stdout */
	int probe;                   /* --probe */

	/* the requests */
	const char *method;          /* -X, or NULL: GET, HEAD with -I, POST
	                              * with data, PUT with -T */
	int head;                    /* -I: HEAD, print the head */
	const char *headers[TOOL_MAX_HEADERS]; /* -H, validated "Name: value" */
	int nheaders;
	const char *user_agent;      /* -A; NULL: the library's qget/VERSION */
	const char *referer;         /* -e */
	unsigned char *data;         /* -d, --data-binary, --data-raw: the
	                              * parts joined with '&', @file's read in
	                              * (-d @file without CR and LF);
	                              * malloc'ed */
	size_t data_len;
	int has_data;                /* any of them given (even empty) */
	int location;                /* -L */
	long max_redirs;             /* --max-redirs; default 50, -1: no
	                              * limit */
	int resume;                  /* -C given */
	int64_t resume_from;         /* -C N; -1 for "-C -": the output file's
	                              * size */

	/* the output */
	const char *output_dir;      /* --output-dir */
	int create_dirs;             /* --create-dirs */
	int remote_name_all;         /* --remote-name-all */
	const char *dump_header;     /* -D FILE ("-": stdout) */
	int include;                 /* -i */
	int fail;                    /* -f: a status >= 400 fails (exit 11),
	                              * nothing of its body written */
	int fail_with_body;          /* --fail-with-body: exit 11, body
	                              * written */
	uint64_t max_filesize;       /* --max-filesize; 0: none */
	char *writeout;              /* -w FORMAT (@file read in; "json" made
	                              * "%{json}\n"), malloc'ed; NULL: none */
	const char *stats_file;      /* --stats FILE: the run's JSON report */

	/* retries */
	unsigned retry;              /* --retry N */
	uint64_t retry_delay_ms;     /* --retry-delay; 0: curl's backoff
	                              * (1 s, doubling, at most 10 min) */
	int retry_delay_set;
	uint64_t retry_max_time_ms;  /* --retry-max-time; 0: none */
	int retry_all_errors;        /* --retry-all-errors */
	int retry_connrefused;       /* --retry-connrefused */

	/* how to run */
	int parallel;                /* -Z: at once, not one after another */
	unsigned parallel_max;       /* --parallel-max with -Z; 0: as many
	                              * as the server allows */
	int verbose;
	int silent;                  /* -s */
	int show_error;              /* -S: errors even with -s */
	int no_progress;             /* --no-progress-meter, --progress=no */
	int progress_bar;            /* -#: a bar instead of the meter */
	int help;
	int version;
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

/*
 * The file name -O gives a URL's path: its last segment, without the
 * query, percent-decoded, into buf.  Returns 0, or -1 when there is none
 * or it is unsafe ("/", "/dir/", ".", "..", a '/' or NUL or control
 * character once decoded): the name never leaves the output folder.
 */
int tool_remote_name(const char *path, char *buf, size_t cap);

/*
 * Parses the command line into `o` (which it zeroes first).  Options may
 * stand anywhere (GNU permutation); "--" ends them.  Returns QGET_OK or
 * QGET_E_USAGE with a one-line reason in msg.  Free with
 * tool_free_args() in either case.
 */
qget_status tool_parse_args(int argc, char **argv, struct tool_opts *o,
    char *msg, size_t msglen);
void tool_free_args(struct tool_opts *o);

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
