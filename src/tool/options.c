#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

#define MAX_SECONDS 1000000u

enum {
	OPT_ALPN = 256,
	OPT_CACERT,
	OPT_CAPATH,
	OPT_CIPHERS,
	OPT_CONNECT_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_KEYLOG,
	OPT_PINNEDPUBKEY,
	OPT_SESSION_FILE,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_PARALLEL,
	OPT_RAW,
	OPT_HTTP3,
	OPT_VERSION,
	OPT_INTERFACE,
	OPT_LOCAL_PORT,
	OPT_HAPPY_EYEBALLS,
};

/* Sorted by long name. */
static const struct option long_opts[] = {
	{ "alpn", required_argument, NULL, OPT_ALPN },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "capath", required_argument, NULL, OPT_CAPATH },
	{ "ciphers", required_argument, NULL, OPT_CIPHERS },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "fail", no_argument, NULL, 'f' },
	{ "happy-eyeballs-timeout-ms", required_argument, NULL,
	    OPT_HAPPY_EYEBALLS },
	{ "head", no_argument, NULL, 'I' },
	{ "header", required_argument, NULL, 'H' },
	{ "help", no_argument, NULL, 'h' },
	{ "http3", no_argument, NULL, OPT_HTTP3 },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "include", no_argument, NULL, 'i' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "interface", required_argument, NULL, OPT_INTERFACE },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "keylog", required_argument, NULL, OPT_KEYLOG },
	{ "local-port", required_argument, NULL, OPT_LOCAL_PORT },
	{ "max-time", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "output-dir", required_argument, NULL, 'O' },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "pinnedpubkey", required_argument, NULL, OPT_PINNEDPUBKEY },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "session-file", required_argument, NULL, OPT_SESSION_FILE },
	{ "silent", no_argument, NULL, 's' },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "write-out", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 },
};

const struct option *
tool_long_options(void)
{
	return long_opts;
}

void
tool_usage(FILE *f)
{
	fputs(
"Usage: qget [options] HOST PORT [PATH...]\n"
"       qget [options] https://HOST[:PORT]/PATH...\n"
"Fetch PATH (default /) from a QUIC server: ALPN http/1.0 by default, as in\n"
"OpenSSL's ossl-guide-quic-client-block(7); with URLs (port 443 by default)\n"
"h3 (HTTP/3) first, then http/1.0.  The body goes to stdout.  Several paths\n"
"(or URLs of one server) go over one connection, concurrently, into -O DIR.\n"
"With --raw: qget [options] --raw HOST PORT sends stdin on one stream and\n"
"prints what the peer sends, both at once, like nc.\n"
"\n"
"Options:\n"
"  -4, --ipv4               use IPv4 addresses only\n"
"  -6, --ipv6               use IPv6 addresses only\n"
"      --alpn LIST          ALPN protocols to offer, comma-separated, in order\n"
"                           of preference (default http/1.0, or h3,http/1.0\n"
"                           with URLs; h3 and hq-interop are also spoken)\n"
"      --http3              the same as --alpn h3\n"
"      --cacert FILE        trust the CA certificates in this PEM file\n"
"      --capath DIR         trust the CA certificates in this hashed directory\n"
"      --ciphers LIST       TLS 1.3 cipher suites to offer, colon-separated\n"
"      --pinnedpubkey sha256//BASE64[;sha256//BASE64...]\n"
"                           refuse a server whose public key is not pinned\n"
"  -k, --insecure           do not verify the server's certificate (warns)\n"
"  -o, --output FILE        write the body to FILE; it appears only when the\n"
"                           download is complete\n"
"  -O, --output-dir DIR     save each path's body as DIR/its last segment\n"
"      --raw                no request of our own: stdin goes to one stream\n"
"                           (concluded at EOF), the peer's bytes to stdout\n"
"      --parallel N         at most N streams at once (default: as many as\n"
"                           the server allows)\n"
"      --connect-timeout S  give up when no handshake completed in S seconds\n"
"      --happy-eyeballs-timeout-ms MS\n"
"                           with several addresses, start the next one's\n"
"                           handshake MS ms after the previous one's while\n"
"                           that still runs (default 250; 0: one at a time)\n"
"      --interface NAME|ADDR\n"
"                           send from this network interface or this local\n"
"                           IP address\n"
"      --local-port N[-M]   send from local UDP port N, or the first free one\n"
"                           from N to M\n"
"  -m, --max-time S         give up when the whole transfer took S seconds\n"
"      --idle-timeout S     QUIC idle timeout to offer, in seconds\n"
"      --keylog FILE        append TLS secrets to FILE (also SSLKEYLOGFILE)\n"
"      --session-file FILE  resume the TLS session saved in FILE, and save\n"
"                           the new one there after a success\n"
"  -i, --include            also print the response head (for h3 in HTTP/1.1\n"
"                           style: \"HTTP/3 200\", then \"name: value\" lines)\n"
"  -I, --head               send HEAD (not GET) and print the response head\n"
"  -H, --header 'N: V'      add a request header (http/1.0, h3; up to 64)\n"
"  -f, --fail               a response status of 400 or more fails (exit 11)\n"
"                           and nothing of its body is written\n"
"      --progress=yes|no    the progress meter on a terminal (default yes;\n"
"                           never with -s or when stderr is not a tty)\n"
"  -w, --write-out json     after the transfer, print one JSON object with\n"
"                           its statistics (see qget(1) for the fields)\n"
"      --stats FILE         write that JSON object to FILE, not stdout\n"
"  -v, --verbose            describe the connection on stderr\n"
"  -s, --silent             print nothing but errors on stderr\n"
"  -h, --help               print this help\n"
"      --version            print qget's and OpenSSL's versions\n"
"\n"
"Exit codes:\n"
"  0  success: the whole response arrived (FIN) and was written\n"
"  1  other failure        2  bad usage\n"
"  3  host not resolved    4  could not connect (no answer, refused, handshake)\n"
"  5  certificate verification failed\n"
"  6  the server accepted none of our ALPN protocols\n"
"  7  stream reset by the peer, or response truncated\n"
"  8  connection closed by the peer, idle timeout, or request refused\n"
"  9  --connect-timeout or --max-time reached\n"
" 10  local output failed (file, disk full, broken pipe)\n"
" 11  with --fail: the server answered with a status of 400 or more\n"
"130, 143  interrupted by SIGINT, SIGTERM\n", f);
}

int
tool_parse_seconds(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac_ms = 0;
	unsigned frac_digits = 0;
	int seen = 0, rest = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, seen = 1) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > MAX_SECONDS)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, seen = 1) {
			/* Beyond milliseconds only "is anything left" counts. */
			if (frac_digits < 3) {
				frac_ms = frac_ms * 10 + (uint64_t)(*p - '0');
				frac_digits++;
			} else if (*p != '0') {
				rest = 1;
			}
		}
		for (; frac_digits < 3; frac_digits++)
			frac_ms *= 10;
	}
	if (!seen || *p != '\0')
		return -1;
	*ms = whole * 1000 + frac_ms + (uint64_t)rest;
	if (*ms > (uint64_t)MAX_SECONDS * 1000)
		return -1;
	return 0;
}

int
tool_parse_port_range(const char *s, unsigned *lo, unsigned *hi)
{
	char first[6];
	const char *dash = strchr(s, '-');
	size_t n = dash != NULL ? (size_t)(dash - s) : strlen(s);

	if (n == 0 || n >= sizeof(first))
		return -1;
	memcpy(first, s, n);
	first[n] = '\0';
	if (tool_parse_port(first) ||
	    (dash != NULL && tool_parse_port(dash + 1)))
		return -1;
	*lo = (unsigned)strtoul(first, NULL, 10);
	*hi = dash != NULL ? (unsigned)strtoul(dash + 1, NULL, 10) : *lo;
	return *lo <= *hi ? 0 : -1;
}

int
tool_parse_ms(const char *s, uint64_t *ms)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 7)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > (uint64_t)MAX_SECONDS)
		return -1;
	*ms = v;
	return 0;
}

/* 1..max in plain decimal. */
static int
parse_count(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 9)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
tool_parse_port(const char *s)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return v >= 1 && v <= 65535 ? 0 : -1;
}

/* A path goes into a request line verbatim: it must start with '/' and
 * hold no byte that could end or split that line. */
static int
path_ok(const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	if (*p != '/')
		return 0;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return strlen(path) <= 8000;
}

/* Asks the library whether it takes a value, so that a bad one is a usage
 * error now rather than a failure after resolving and connecting. */
static qget_status
library_accepts(int opt, const char *value)
{
	qget_config *probe = NULL;
	qget_status rv = qget_config_new(&probe);

	if (rv == QGET_OK) {
		if (opt == OPT_ALPN)
			rv = qget_config_set_alpn(probe, value);
		else if (opt == OPT_CIPHERS)
			rv = qget_config_set_ciphers(probe, value);
		else if (opt == OPT_INTERFACE)
			rv = qget_config_set_local(probe, value, 0, 0);
		else
			rv = qget_config_set_pinned_pubkey(probe, value);
	}
	qget_config_del(probe);
	return rv;
}

const char *
tool_path_basename(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	/* A query is not part of a file's name. */
	if (*base == '\0' || *base == '?' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0)
		return NULL;
	return base;
}

static qget_status bad(char *msg, size_t len, const char *fmt,
    const char *arg);

/* -O: every path needs a file name, and no two the same one, so that no
 * download overwrites another. */
static qget_status
check_names(const struct tool_opts *o, char *msg, size_t msglen)
{
	for (int i = 0; i < o->npaths; i++) {
		const char *b = tool_path_basename(o->paths[i]);

		if (b == NULL)
			return bad(msg, msglen, "-O: path '%s' names no file",
			    o->paths[i]);
		/* Quadratic, but only over the command line. */
		for (int j = 0; j < i; j++)
			if (strcmp(b, tool_path_basename(o->paths[j])) == 0)
				return bad(msg, msglen, "-O: two paths would be "
				    "saved as '%s'", b);
	}
	if (o->npaths == 0)
		return bad(msg, msglen, "%s", "-O: path '/' names no file");
	return QGET_OK;
}

static qget_status
bad(char *msg, size_t len, const char *fmt, const char *arg)
{
	snprintf(msg, len, fmt, arg);
	return QGET_E_USAGE;
}

#define NAME_CMP_MAX 64

/* Levenshtein distance, for names of up to NAME_CMP_MAX bytes. */
static size_t
edit_distance(const char *a, size_t alen, const char *b)
{
	size_t row[NAME_CMP_MAX + 1], blen = strlen(b);

	for (size_t j = 0; j <= blen; j++)
		row[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			size_t up = row[j], best = diag +
			    (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[blen];
}

/*
 * getopt_long takes any unique prefix of a long option: "--key FILE"
 * would be --keylog, which appends TLS secrets to FILE.  So a long option
 * must be spelt out; anything else is unknown, with the nearest name as a
 * hint (an option it is a prefix of, else the closest by edit distance).
 */
static qget_status
check_long_name(const char *arg, char *msg, size_t msglen)
{
	const char *name = arg + 2, *hint = NULL;
	size_t len = strcspn(name, "="), best = (size_t)-1;

	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return QGET_OK;
	/* The table is sorted: the first prefix match is the shortest. */
	for (const struct option *o = long_opts; o->name != NULL &&
	    hint == NULL; o++)
		if (len > 0 && strncmp(o->name, name, len) == 0)
			hint = o->name;
	for (const struct option *o = long_opts; o->name != NULL &&
	    hint == NULL && len <= NAME_CMP_MAX; o++) {
		size_t d = edit_distance(name, len, o->name);

		/* A typo, not another word: at most a third of the name. */
		if (d < best && d <= (len + 2) / 3) {
			best = d;
			hint = o->name;
		}
	}
	if (hint != NULL)
		snprintf(msg, msglen, "unknown option --%.*s; did you mean --%s?",
		    (int)(len < 100 ? len : 100), name, hint);
	else
		snprintf(msg, msglen, "unknown option --%.*s",
		    (int)(len < 100 ? len : 100), name);
	return QGET_E_USAGE;
}

/* Names qget sets itself, or that HTTP/3 forbids (RFC 9114, 4.2). */
static const char *const own_headers[] = {
	"host", "connection", "content-length", "transfer-encoding",
	"keep-alive", "proxy-connection", "upgrade", "te",
};

static int
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int
tool_check_header(const char *h, char *msg, size_t msglen)
{
	const unsigned char *p = (const unsigned char *)h;
	size_t nlen = 0;

	if (*p == ':') {
		snprintf(msg, msglen, "-H: '%.100s': pseudo-headers are qget's "
		    "to set", h);
		return -1;
	}
	while (is_tchar(p[nlen]))
		nlen++;
	if (nlen == 0 || p[nlen] != ':') {
		snprintf(msg, msglen, "-H: '%.100s' is not 'Name: value'", h);
		return -1;
	}
	for (size_t i = 0; i < sizeof(own_headers) / sizeof(own_headers[0]);
	    i++) {
		if (strlen(own_headers[i]) == nlen &&
		    strncasecmp(h, own_headers[i], nlen) == 0) {
			snprintf(msg, msglen, "-H: qget sets or refuses the "
			    "'%.*s' header itself", (int)nlen, h);
			return -1;
		}
	}
	for (p += nlen + 1; *p != '\0'; p++) {
		/* CR and LF would end the header and inject others. */
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(msg, msglen, "-H: the value of '%.*s' holds a "
			    "control character (CR, LF, ...)", (int)nlen, h);
			return -1;
		}
	}
	if (strlen(h) > 8000) {
		snprintf(msg, msglen, "%s", "-H: header longer than 8000 bytes");
		return -1;
	}
	return 0;
}

static char root_path[] = "/";

qget_status
tool_parse_url(char *url, char *host, size_t hostcap, char port[6],
    char **path, char *msg, size_t msglen)
{
	char *auth, *end, *hash, *hp, *pp = NULL;
	size_t hlen, plen;

	if (strncasecmp(url, "https://", 8) != 0) {
		if (strncasecmp(url, "http://", 7) == 0)
			return bad(msg, msglen, "'%.200s': QUIC is always TLS; "
			    "use https://", url);
		return bad(msg, msglen, "'%.200s' is not an https:// URL",
		    url);
	}
	if ((hash = strchr(url, '#')) != NULL)
		*hash = '\0';
	auth = url + 8;
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return bad(msg, msglen, "'%.200s': user names in URLs are not "
		    "supported", url);
	if (*auth == '[') {
		char *close = memchr(auth, ']', (size_t)(end - auth));

		if (close == NULL)
			return bad(msg, msglen, "'%.200s': unclosed '[' in the "
			    "host", url);
		hp = auth + 1;
		hlen = (size_t)(close - hp);
		if (memchr(hp, ':', hlen) == NULL ||
		    strspn(hp, "0123456789abcdefABCDEF:.") < hlen)
			return bad(msg, msglen, "'%.200s': brackets hold an IPv6 "
			    "address", url);
		if (close + 1 < end) {
			if (close[1] != ':')
				return bad(msg, msglen, "'%.200s': bad host",
				    url);
			pp = close + 2;
		}
	} else {
		char *colon = memchr(auth, ':', (size_t)(end - auth));

		hp = auth;
		hlen = (size_t)((colon != NULL ? colon : end) - auth);
		if (colon != NULL)
			pp = colon + 1;
		if (memchr(hp, '[', hlen) != NULL ||
		    memchr(hp, ']', hlen) != NULL)
			return bad(msg, msglen, "'%.200s': bad host", url);
	}
	if (hlen == 0 || hlen >= hostcap)
		return bad(msg, msglen, "'%.200s': bad host", url);
	for (size_t i = 0; i < hlen; i++)
		if ((unsigned char)hp[i] <= 0x20 || hp[i] == 0x7f)
			return bad(msg, msglen, "'%.200s': bad host", url);
	memcpy(host, hp, hlen);
	host[hlen] = '\0';
	if (pp != NULL) {
		plen = (size_t)(end - pp);
		if (plen == 0 || plen > 5)
			return bad(msg, msglen, "'%.200s': bad port", url);
		memcpy(port, pp, plen);
		port[plen] = '\0';
		if (tool_parse_port(port))
			return bad(msg, msglen, "'%.200s': bad port", url);
	} else {
		memcpy(port, "443", 4);
	}
	if (*end == '\0')
		*path = root_path;
	else if (*end == '/')
		*path = end;
	else
		return bad(msg, msglen, "'%.200s': a query needs a path before "
		    "it ('/?...')", url);
	return QGET_OK;
}

static qget_status check_targets(struct tool_opts *o, char *msg,
    size_t msglen);

/* qget [options] URL...: every URL names the same server, so that all
 * go over one connection; argv's entries become their paths. */
static qget_status
parse_urls(int argc, char **argv, struct tool_opts *o, int alpn_set,
    char *msg, size_t msglen)
{
	char host[sizeof(o->host)], port[6], *path;

	for (int i = optind; i < argc; i++) {
		if (tool_parse_url(argv[i], host, sizeof(host), port, &path,
		    msg, msglen) != QGET_OK)
			return QGET_E_USAGE;
		if (i == optind) {
			memcpy(o->host, host, sizeof(host));
			memcpy(o->url_port, port, sizeof(port));
		} else if (strcmp(host, o->host) != 0 ||
		    strcmp(port, o->url_port) != 0) {
			return bad(msg, msglen, "'%.200s': every URL must name "
			    "the same server (one connection)", argv[i]);
		}
		argv[i] = path;
	}
	o->url = 1;
	o->port = o->url_port;
	o->paths = argv + optind;
	o->npaths = argc - optind;
	if (!alpn_set)
		o->alpn = "h3,http/1.0";
	return check_targets(o, msg, msglen);
}

qget_status
tool_parse_args(int argc, char **argv, struct tool_opts *o, char *msg,
    size_t msglen)
{
	const char *host;
	size_t hlen, hbytes = 0;
	int c, alpn_set = 0;

	memset(o, 0, sizeof(*o));
	o->alpn = "http/1.0";
	msg[0] = '\0';
	optind = 0; /* GNU: full re-initialisation */
	opterr = 0;
	for (;;) {
		/* The element getopt_long reads next, unless it is inside a
		 * cluster of short options ("-vk"); optind 0 means 1. */
		int at = optind > 0 ? optind : 1;
		int is_long = at < argc && strncmp(argv[at], "--", 2) == 0 &&
		    argv[at][2] != '\0';

		if (is_long && check_long_name(argv[at], msg, msglen) !=
		    QGET_OK)
			return QGET_E_USAGE;
		if ((c = getopt_long(argc, argv, "+:46fhH:iIkm:o:O:svw:",
		    long_opts, NULL)) == -1)
			break;
		switch (c) {
		case '4':
		case '6':
			if (o->family != QGET_FAMILY_ANY &&
			    o->family != (c == '4' ? QGET_FAMILY_IPV4 :
			    QGET_FAMILY_IPV6))
				return bad(msg, msglen, "%s",
				    "-4 and -6 exclude each other");
			o->family = c == '4' ? QGET_FAMILY_IPV4 :
			    QGET_FAMILY_IPV6;
			break;
		case OPT_ALPN:
			if (library_accepts(c, optarg) != QGET_OK)
				return bad(msg, msglen, "--alpn: '%s' is not a "
				    "comma-separated list of 1..255-byte names",
				    optarg);
			o->alpn = optarg;
			alpn_set = 1;
			break;
		case OPT_HTTP3:
			o->alpn = "h3";
			alpn_set = 1;
			break;
		case 'f': o->fail = 1; break;
		case 'I': o->head = 1; o->include = 1; break;
		case 'H':
			if (o->nheaders == TOOL_MAX_HEADERS)
				return bad(msg, msglen, "-H: more than %s headers",
				    "64");
			if (tool_check_header(optarg, msg, msglen))
				return QGET_E_USAGE;
			/* What the request builders hold, checked now
			 * rather than after connecting. */
			hbytes += strlen(optarg) + 2;
			if (hbytes > TOOL_MAX_HEADER_BYTES)
				return bad(msg, msglen, "-H: the headers add up "
				    "to more than %s bytes", "8192");
			o->headers[o->nheaders++] = optarg;
			break;
		case OPT_CACERT: o->cacert = optarg; break;
		case OPT_CIPHERS:
			if (library_accepts(c, optarg) != QGET_OK)
				return bad(msg, msglen, "--ciphers: OpenSSL knows "
				    "no TLS 1.3 cipher suite in '%s'", optarg);
			o->ciphers = optarg;
			break;
		case OPT_PINNEDPUBKEY:
			if (library_accepts(c, optarg) != QGET_OK)
				return bad(msg, msglen, "--pinnedpubkey: '%s' is "
				    "not sha256//BASE64[;sha256//BASE64...]",
				    optarg);
			o->pinned_pubkey = optarg;
			break;
		case OPT_CAPATH: o->capath = optarg; break;
		case 'k': o->insecure = 1; break;
		case 'o':
			if (*optarg == '\0')
				return bad(msg, msglen, "%s",
				    "-o: the file name is empty");
			o->output = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (tool_parse_seconds(optarg, &o->connect_timeout_ms))
				return bad(msg, msglen, "--connect-timeout: "
				    "'%s' is not a number of seconds", optarg);
			break;
		case 'm':
			if (tool_parse_seconds(optarg, &o->max_time_ms))
				return bad(msg, msglen, "--max-time: '%s' is not "
				    "a number of seconds", optarg);
			break;
		case OPT_IDLE_TIMEOUT:
			if (tool_parse_seconds(optarg, &o->idle_timeout_ms))
				return bad(msg, msglen, "--idle-timeout: '%s' is "
				    "not a number of seconds", optarg);
			break;
		case OPT_KEYLOG: o->keylog = optarg; break;
		case OPT_INTERFACE:
			if (library_accepts(c, optarg) != QGET_OK)
				return bad(msg, msglen, "--interface: '%s' is "
				    "neither an IP address nor an interface name",
				    optarg);
			o->interface = optarg;
			break;
		case OPT_LOCAL_PORT:
			if (tool_parse_port_range(optarg, &o->local_port_min,
			    &o->local_port_max))
				return bad(msg, msglen, "--local-port: '%s' is not "
				    "a port or a range N-M of ports (1-65535)",
				    optarg);
			break;
		case OPT_HAPPY_EYEBALLS:
			if (tool_parse_ms(optarg, &o->attempt_delay_ms))
				return bad(msg, msglen, "--happy-eyeballs-timeout-"
				    "ms: '%s' is not a number of milliseconds "
				    "(0-1000000)", optarg);
			o->attempt_delay_set = 1;
			break;
		case OPT_SESSION_FILE:
			if (*optarg == '\0')
				return bad(msg, msglen, "%s",
				    "--session-file: the file name is empty");
			o->session_file = optarg;
			break;
		case 'i': o->include = 1; break;
		case 'O':
			if (*optarg == '\0')
				return bad(msg, msglen, "%s",
				    "-O: the directory name is empty");
			o->output_dir = optarg;
			break;
		case OPT_RAW: o->raw = 1; break;
		case OPT_PARALLEL:
			if (parse_count(optarg, 100000, &o->parallel))
				return bad(msg, msglen, "--parallel: '%s' is not "
				    "a number from 1 to 100000", optarg);
			break;
		case 'w':
			if (strcmp(optarg, "json") != 0)
				return bad(msg, msglen, "-w: '%s' is not a known "
				    "format (json)", optarg);
			o->write_json = 1;
			break;
		case OPT_PROGRESS:
			if (optarg != NULL && strcmp(optarg, "yes") != 0 &&
			    strcmp(optarg, "no") != 0)
				return bad(msg, msglen, "--progress: '%s' is not "
				    "yes or no", optarg);
			o->no_progress = optarg != NULL &&
			    strcmp(optarg, "no") == 0;
			break;
		case OPT_STATS:
			if (*optarg == '\0')
				return bad(msg, msglen, "%s",
				    "--stats: the file name is empty");
			o->stats_file = optarg;
			break;
		case 'v': o->verbose = 1; break;
		case 's': o->silent = 1; break;
		case 'h': o->help = 1; return QGET_OK;
		case OPT_VERSION: o->version = 1; return QGET_OK;
		case ':':
			if (is_long)
				return bad(msg, msglen, "option %s needs a value",
				    argv[at]);
			snprintf(msg, msglen, "option -%c needs a value",
			    optopt);
			return QGET_E_USAGE;
		default:
			/* Its name is exact (checked above): the only
			 * fault left is a value it does not take. */
			if (is_long) {
				snprintf(msg, msglen, "option --%.*s takes no "
				    "value", (int)strcspn(argv[at] + 2, "="),
				    argv[at] + 2);
				return QGET_E_USAGE;
			}
			snprintf(msg, msglen, "unknown option -%c", optopt);
			return QGET_E_USAGE;
		}
	}
	if (o->verbose && o->silent)
		return bad(msg, msglen, "%s", "-v and -s exclude each other");
	if (o->stats_file != NULL && !o->write_json)
		return bad(msg, msglen, "%s", "--stats needs -w json");
	if (o->interface != NULL && o->family != QGET_FAMILY_ANY) {
		unsigned char a[sizeof(struct in6_addr)];
		int af = inet_pton(AF_INET, o->interface, a) == 1 ? AF_INET :
		    inet_pton(AF_INET6, o->interface, a) == 1 ? AF_INET6 :
		    AF_UNSPEC;

		if (af != AF_UNSPEC && (af == AF_INET) !=
		    (o->family == QGET_FAMILY_IPV4))
			return bad(msg, msglen, "--interface %s: its family "
			    "excludes -4/-6", o->interface);
	}

	if (optind < argc && strstr(argv[optind], "://") != NULL)
		return parse_urls(argc, argv, o, alpn_set, msg, msglen);
	if (argc - optind < 2)
		return bad(msg, msglen, "%s", "HOST and PORT are required");
	host = argv[optind];
	hlen = strlen(host);
	/* Accept "[::1]" as users copy it from URLs. */
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(o->host) ||
	    memchr(host, '/', hlen) != NULL)
		return bad(msg, msglen, "bad host name '%s'", argv[optind]);
	memcpy(o->host, host, hlen);
	o->host[hlen] = '\0';
	o->port = argv[optind + 1];
	if (tool_parse_port(o->port))
		return bad(msg, msglen, "bad port '%s' (1-65535)", o->port);
	o->paths = argv + optind + 2;
	o->npaths = argc - optind - 2;
	return check_targets(o, msg, msglen);
}

/* What the paths and the output options must agree on, however the
 * target was given. */
static qget_status
check_targets(struct tool_opts *o, char *msg, size_t msglen)
{
	o->path = o->npaths > 0 ? o->paths[0] : "/";
	for (int i = 0; i < o->npaths; i++)
		if (!path_ok(o->paths[i]))
			return bad(msg, msglen, "bad path '%s': it must start "
			    "with '/' and hold no spaces or control characters",
			    o->paths[i]);
	if (o->npaths > 1 && o->output != NULL)
		return bad(msg, msglen, "%s", "-o takes one path; use -O DIR "
		    "for several");
	if (o->npaths > 1 && o->output_dir == NULL)
		return bad(msg, msglen, "%s", "several paths need -O DIR");
	if (o->output != NULL && o->output_dir != NULL)
		return bad(msg, msglen, "%s", "-o and -O exclude each other");
	if (strcmp(o->alpn, "hq-interop") == 0 &&
	    (o->head || o->nheaders > 0 || o->fail))
		return bad(msg, msglen, "%s", "hq-interop requests have no "
		    "method, no headers and no status (-I, -H, -f)");
	if (o->raw && (o->npaths > 0 || o->output_dir != NULL || o->include ||
	    o->nheaders > 0 || o->fail || o->url))
		return bad(msg, msglen, "%s", "--raw takes no PATH, URL, -O, -i, "
		    "-I, -H or -f: stdin is the request");
	if (o->output_dir != NULL)
		return check_names(o, msg, msglen);
	return QGET_OK;
}
