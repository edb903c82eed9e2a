/*
 * qget's command line, read as curl reads its own: options anywhere,
 * "--" ends them, the n-th -o/-O and -T belong to the n-th URL.  The
 * options themselves (names, letters, values, --help) come from
 * options.def through build/gen/options.inc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

#include "options.inc"

#define MAX_SECONDS 1000000u
/* --resolve and --connect-to entries, each. */
#define MAX_MAPS 32
/* -d @FILE is read whole; -T streams what is bigger. */
#define MAX_DATA ((size_t)1 << 30)
#define MAX_WRITEOUT ((size_t)1 << 20)
/* What a file name may be (NAME_MAX). */
#define MAX_NAME 255
/* The stats keep a method in 16 bytes. */
#define MAX_METHOD 15

static qget_status bad(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static qget_status
bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return QGET_E_USAGE;
}

const struct option *
tool_long_options(void)
{
	return long_opts;
}

void
tool_usage(FILE *f)
{
	fputs(usage_text, f);
}

/* ---- numbers ---------------------------------------------------------- */

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

/* Plain decimal, 1..digits long, at most max.  Returns 0 or -1. */
static int
parse_uint(const char *s, size_t digits, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > digits)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
tool_parse_port(const char *s)
{
	uint64_t v;

	return parse_uint(s, 5, 65535, &v) == 0 && v >= 1 ? 0 : -1;
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
	return parse_uint(s, 7, MAX_SECONDS, ms);
}

/* curl's sizes: bytes, or with k, M, G or T (either case) times 1024 per
 * step.  At most 2^63 - 1, so that it fits an off_t. */
static int
parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	char digits[21];
	size_t n = strspn(s, "0123456789");
	const char *u;
	uint64_t v;

	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (parse_uint(digits, 19, INT64_MAX, &v))
		return -1;
	if (s[n] != '\0') {
		if (s[n + 1] != '\0' ||
		    (u = strchr(units, s[n] | 0x20)) == NULL)
			return -1;
		for (int i = 0; i <= u - units; i++) {
			if (v > (uint64_t)INT64_MAX / 1024)
				return -1;
			v *= 1024;
		}
	}
	*out = v;
	return 0;
}

/* ---- URLs and paths --------------------------------------------------- */

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

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
tool_remote_name(const char *path, char *buf, size_t cap)
{
	size_t end = strcspn(path, "?#"), start = end, n = 0;

	while (start > 0 && path[start - 1] != '/')
		start--;
	for (size_t i = start; i < end; i++) {
		int c = (unsigned char)path[i];

		if (c == '%') {
			int hi = hex_value((unsigned char)path[i + 1]);
			int lo = hi < 0 ? -1 : hex_value((unsigned char)path[i + 2]);

			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		/* Decoded, a '/' would climb out of the folder and a
		 * control byte would reach a terminal in every message. */
		if (c == '/' || c < 0x20 || c == 0x7f)
			return -1;
		if (n + 1 >= cap || n >= MAX_NAME)
			return -1;
		buf[n++] = (char)c;
	}
	if (cap == 0)
		return -1;
	buf[n] = '\0';
	if (n == 0 || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return -1;
	return 0;
}

/* ---- headers ---------------------------------------------------------- */

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

/* A header value: no CR or LF (they would end the header and inject
 * others), no other control byte but tab. */
static int
value_ok(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0';
	    p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
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
	if (*p == '@') {
		snprintf(msg, msglen, "-H: '%.100s': headers from a file are "
		    "not supported; give each with -H 'Name: value'", h);
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
	if (!value_ok(h + nlen + 1)) {
		snprintf(msg, msglen, "-H: the value of '%.*s' holds a "
		    "control character (CR, LF, ...)", (int)nlen, h);
		return -1;
	}
	if (strlen(h) > 8000) {
		snprintf(msg, msglen, "%s", "-H: header longer than 8000 bytes");
		return -1;
	}
	return 0;
}

/* ---- option names ----------------------------------------------------- */

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

static const struct refused_opt *
refused_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(refused_opts) / sizeof(refused_opts[0]);
	    i++)
		if (strlen(refused_opts[i].name) == len &&
		    memcmp(refused_opts[i].name, name, len) == 0)
			return &refused_opts[i];
	return NULL;
}

static const struct refused_opt *
refused_by_letter(int c)
{
	for (size_t i = 0; i < sizeof(refused_opts) / sizeof(refused_opts[0]);
	    i++)
		if (c != 0 && refused_opts[i].letter == c)
			return &refused_opts[i];
	return NULL;
}

/*
 * getopt_long takes any unique prefix of a long option: "--key FILE"
 * would be --keylog, which appends TLS secrets to FILE.  So a long option
 * must be spelt out.  A curl option qget does not have says why; anything
 * else is unknown, with the nearest name as a hint (an option it is a
 * prefix of, else the closest by edit distance).
 */
static qget_status
check_long_name(const char *arg, char *msg, size_t msglen)
{
	const char *name = arg + 2, *hint = NULL;
	size_t len = strcspn(name, "="), best = (size_t)-1;
	const struct refused_opt *r;
	int shown = (int)(len < 100 ? len : 100);

	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return QGET_OK;
	if ((r = refused_by_name(name, len)) != NULL)
		return bad(msg, msglen, "curl's --%s is not supported: %s",
		    r->name, r->reason);
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
		return bad(msg, msglen, "unknown option --%.*s; did you mean "
		    "--%s?", shown, name, hint);
	return bad(msg, msglen, "unknown option --%.*s", shown, name);
}

/* Asks the library whether it takes a value, so that a bad one is a usage
 * error now rather than a failure after resolving and connecting. */
static qget_status
library_accepts(enum opt_id opt, const char *value)
{
	qget_config *probe = NULL;
	qget_status rv = qget_config_new(&probe);

	if (rv == QGET_OK) {
		if (opt == OPT_ALPN)
			rv = qget_config_set_alpn(probe, value);
		else if (opt == OPT_CIPHERS || opt == OPT_TLS13_CIPHERS)
			rv = qget_config_set_ciphers(probe, value);
		else if (opt == OPT_INTERFACE)
			rv = qget_config_set_local(probe, value, 0, 0);
		else
			rv = qget_config_set_pinned_pubkey(probe, value);
	}
	qget_config_del(probe);
	return rv;
}

/* ---- files read while parsing (-d @FILE, -w @FILE) --------------------- */

/*
 * Reads FILE ("-": standard input) whole, at most cap bytes, into a
 * malloc'ed, NUL-terminated *buf.  Returns 0, or -1 with the reason in
 * why.
 */
static int
read_whole(const char *name, size_t cap, unsigned char **buf, size_t *len,
    char *why, size_t whylen)
{
	int fd = strcmp(name, "-") == 0 ? STDIN_FILENO :
	    open(name, O_RDONLY | O_CLOEXEC);
	unsigned char *b = NULL;
	size_t n = 0, size = 0;
	int rv = -1;

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (n + 1 >= size) {
			size_t want = size == 0 ? 4096 : size * 2;
			unsigned char *nb;

			if (n > cap) {
				snprintf(why, whylen, "larger than %zu MiB",
				    cap >> 20);
				goto out;
			}
			if ((nb = realloc(b, want)) == NULL) {
				snprintf(why, whylen, "%s", strerror(ENOMEM));
				goto out;
			}
			b = nb;
			size = want;
		}
		got = read(fd, b + n, size - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > cap) {
		snprintf(why, whylen, "larger than %zu MiB", cap >> 20);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rv = 0;
out:
	if (fd > STDIN_FILENO)
		close(fd);
	free(b);
	return rv;
}

/* What the parser collects before the URLs are known. */
struct parse_state {
	const char **pos;       /* positional arguments, in order */
	int npos;
	struct { const char *file; } *outs; /* -o FILE, or NULL for -O */
	int nouts;
	const char **uploads;   /* -T */
	int nuploads;
	const char *stdin_by;   /* the option that reads standard input */
};

/* Standard input can feed one thing only. */
static qget_status
take_stdin(struct parse_state *st, const char *who, char *msg,
    size_t msglen)
{
	if (st->stdin_by != NULL)
		return bad(msg, msglen, "%s and %s both read standard input",
		    st->stdin_by, who);
	st->stdin_by = who;
	return QGET_OK;
}

enum data_kind { DATA_ASCII, DATA_BINARY, DATA_RAW };

/* curl's -d family: the parts joined with '&', @FILE read in (-d
 * without its CR and LF). */
static qget_status
add_data(struct tool_opts *o, struct parse_state *st, enum data_kind kind,
    const char *opt, const char *arg, char *msg, size_t msglen)
{
	unsigned char *part = (unsigned char *)(uintptr_t)arg, *file = NULL,
	    *nd;
	size_t len = strlen(arg);
	char why[128];
	qget_status rv = QGET_E_USAGE;

	if (kind != DATA_RAW && arg[0] == '@') {
		if (arg[1] == '\0') {
			bad(msg, msglen, "%s: '@' names no file (@FILE, or @- "
			    "for standard input)", opt);
			goto out;
		}
		if (strcmp(arg + 1, "-") == 0 &&
		    take_stdin(st, opt, msg, msglen) != QGET_OK)
			goto out;
		if (read_whole(arg + 1, MAX_DATA, &file, &len, why,
		    sizeof(why))) {
			bad(msg, msglen, "%s: cannot read '%.200s': %s%s", opt,
			    arg + 1, why, strstr(why, "larger") != NULL ?
			    " (-T FILE streams a file)" : "");
			goto out;
		}
		if (kind == DATA_ASCII) {
			size_t k = 0;

			for (size_t i = 0; i < len; i++)
				if (file[i] != '\r' && file[i] != '\n')
					file[k++] = file[i];
			len = k;
		}
		part = file;
	}
	if (o->data_len + len + 2 > MAX_DATA) {
		bad(msg, msglen, "%s: the data adds up to more than 1 GiB "
		    "(-T FILE streams a file)", opt);
		goto out;
	}
	if ((nd = realloc(o->data, o->data_len + len + 2)) == NULL) {
		bad(msg, msglen, "%s: %s", opt, strerror(ENOMEM));
		goto out;
	}
	o->data = nd;
	if (o->has_data)
		o->data[o->data_len++] = '&';
	memcpy(o->data + o->data_len, part, len);
	o->data_len += len;
	o->data[o->data_len] = '\0';
	o->has_data = 1;
	rv = QGET_OK;
out:
	free(file);
	return rv;
}

/* -w FORMAT: kept as given ("json" is curl's %{json} with a newline),
 * @FILE and @- read in; fetch checks the variables. */
static qget_status
set_writeout(struct tool_opts *o, struct parse_state *st, const char *arg,
    char *msg, size_t msglen)
{
	unsigned char *text = NULL;
	size_t len = 0;
	char why[128];

	if (strcmp(arg, "json") == 0) {
		text = (unsigned char *)strdup("%{json}\n");
	} else if (arg[0] == '@') {
		if (arg[1] == '\0')
			return bad(msg, msglen, "%s", "-w: '@' names no file "
			    "(@FILE, or @- for standard input)");
		if (strcmp(arg + 1, "-") == 0 &&
		    take_stdin(st, "-w @-", msg, msglen) != QGET_OK)
			return QGET_E_USAGE;
		if (read_whole(arg + 1, MAX_WRITEOUT, &text, &len, why,
		    sizeof(why)))
			return bad(msg, msglen, "-w: cannot read '%.200s': %s",
			    arg + 1, why);
		if (memchr(text, '\0', len) != NULL) {
			free(text);
			return bad(msg, msglen, "-w: '%.200s' holds a NUL byte",
			    arg + 1);
		}
	} else {
		text = (unsigned char *)strdup(arg);
	}
	if (text == NULL)
		return bad(msg, msglen, "-w: %s", strerror(ENOMEM));
	free(o->writeout);
	o->writeout = (char *)text;
	return QGET_OK;
}

/* ---- --resolve and --connect-to -------------------------------------- */

/* A host field of --resolve or --connect-to: "[v6]" or up to the next
 * ':'.  Copies it without brackets into host; returns what follows it,
 * or NULL when it is malformed. */
static const char *
host_field(const char *s, char *host, size_t cap)
{
	const char *end;
	size_t n;

	if (*s == '[') {
		unsigned char a[sizeof(struct in6_addr)];

		if ((end = strchr(s, ']')) == NULL)
			return NULL;
		n = (size_t)(end - s - 1);
		if (n == 0 || n >= cap)
			return NULL;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, a) != 1)
			return NULL;
		return end + 1;
	}
	n = strcspn(s, ":");
	if (n >= cap)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr("/@[]", s[i]) != NULL)
			return NULL;
	memcpy(host, s, n);
	host[n] = '\0';
	return s + n;
}

/* A port field: empty (when allowed) or 1..65535, up to ':' or the end. */
static const char *
port_field(const char *s, char port[6], int empty_ok)
{
	size_t n = strcspn(s, ":");

	if (n > 5 || (n == 0 && !empty_ok))
		return NULL;
	memcpy(port, s, n);
	port[n] = '\0';
	if (n > 0 && tool_parse_port(port))
		return NULL;
	return s + n;
}

static qget_status
add_resolve(struct tool_opts *o, const char *arg, char *msg, size_t msglen)
{
	struct tool_resolve r;
	unsigned char a[sizeof(struct in6_addr)];
	const char *s = arg, *p;
	size_t n;

	if (o->nresolve == MAX_MAPS)
		return bad(msg, msglen, "--resolve: more than %d entries",
		    MAX_MAPS);
	memset(&r, 0, sizeof(r));
	/* curl's "+" makes an entry time out; qget keeps no cache. */
	if (*s == '+')
		s++;
	if (*s == '-')
		return bad(msg, msglen, "--resolve '%.200s': removing an entry "
		    "is not supported", arg);
	if ((p = host_field(s, r.host, sizeof(r.host))) == NULL ||
	    r.host[0] == '\0' || *p != ':' ||
	    (p = port_field(p + 1, r.port, 0)) == NULL || *p != ':')
		return bad(msg, msglen, "--resolve: '%.200s' is not "
		    "HOST:PORT:ADDRESS", arg);
	p++;
	n = strlen(p);
	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if (memchr(p, ',', n) != NULL)
		return bad(msg, msglen, "--resolve '%.200s': one address per "
		    "entry", arg);
	if (n == 0 || n >= sizeof(r.addr))
		return bad(msg, msglen, "--resolve '%.200s': no IP address",
		    arg);
	memcpy(r.addr, p, n);
	r.addr[n] = '\0';
	if (inet_pton(AF_INET, r.addr, a) != 1 &&
	    inet_pton(AF_INET6, r.addr, a) != 1)
		return bad(msg, msglen, "--resolve '%.200s': '%s' is not an IP "
		    "address", arg, r.addr);
	if (o->resolve == NULL &&
	    (o->resolve = calloc(MAX_MAPS, sizeof(*o->resolve))) == NULL)
		return bad(msg, msglen, "--resolve: %s", strerror(ENOMEM));
	o->resolve[o->nresolve++] = r;
	return QGET_OK;
}

static qget_status
add_connect_to(struct tool_opts *o, const char *arg, char *msg,
    size_t msglen)
{
	struct tool_connect_to c;
	const char *p;

	if (o->nconnect_to == MAX_MAPS)
		return bad(msg, msglen, "--connect-to: more than %d entries",
		    MAX_MAPS);
	memset(&c, 0, sizeof(c));
	if ((p = host_field(arg, c.host, sizeof(c.host))) == NULL ||
	    *p != ':' || (p = port_field(p + 1, c.port, 1)) == NULL ||
	    *p != ':' ||
	    (p = host_field(p + 1, c.to_host, sizeof(c.to_host))) == NULL ||
	    *p != ':' || (p = port_field(p + 1, c.to_port, 1)) == NULL ||
	    *p != '\0')
		return bad(msg, msglen, "--connect-to: '%.200s' is not "
		    "HOST1:PORT1:HOST2:PORT2 (fields may be empty)", arg);
	if (o->connect_to == NULL &&
	    (o->connect_to = calloc(MAX_MAPS, sizeof(*o->connect_to))) == NULL)
		return bad(msg, msglen, "--connect-to: %s", strerror(ENOMEM));
	o->connect_to[o->nconnect_to++] = c;
	return QGET_OK;
}

/* ---- one option ------------------------------------------------------- */

static qget_status
seconds(const char *opt, const char *arg, uint64_t *ms, char *msg,
    size_t msglen)
{
	if (tool_parse_seconds(arg, ms))
		return bad(msg, msglen, "%s: '%s' is not a number of seconds",
		    opt, arg);
	return QGET_OK;
}

static qget_status
nonempty(const char *opt, const char *what, const char *arg,
    const char **out, char *msg, size_t msglen)
{
	if (*arg == '\0')
		return bad(msg, msglen, "%s: the %s is empty", opt, what);
	*out = arg;
	return QGET_OK;
}

/* The switch has no default: -Wswitch makes every option of options.def
 * one this function handles. */
static qget_status
take_option(struct tool_opts *o, struct parse_state *st, enum opt_id id,
    const char *arg, char *msg, size_t msglen)
{
	uint64_t v;

	switch (id) {
	case OPT_IPV4:
	case OPT_IPV6: {
		qget_family f = id == OPT_IPV4 ? QGET_FAMILY_IPV4 :
		    QGET_FAMILY_IPV6;

		if (o->family != QGET_FAMILY_ANY && o->family != f)
			return bad(msg, msglen, "%s",
			    "-4 and -6 exclude each other");
		o->family = f;
		return QGET_OK;
	}
	case OPT_ALPN:
		if (library_accepts(id, arg) != QGET_OK)
			return bad(msg, msglen, "--alpn: '%s' is not a "
			    "comma-separated list of 1..255-byte names", arg);
		o->alpn = arg;
		o->alpn_set = 1;
		return QGET_OK;
	case OPT_HTTP3:
	case OPT_HTTP3_ONLY:
		o->alpn = "h3";
		o->alpn_set = 1;
		return QGET_OK;
	case OPT_RESOLVE:
		return add_resolve(o, arg, msg, msglen);
	case OPT_CONNECT_TO:
		return add_connect_to(o, arg, msg, msglen);
	case OPT_INTERFACE:
		if (library_accepts(id, arg) != QGET_OK)
			return bad(msg, msglen, "--interface: '%s' is neither an "
			    "IP address nor an interface name", arg);
		o->interface = arg;
		return QGET_OK;
	case OPT_LOCAL_PORT:
		if (tool_parse_port_range(arg, &o->local_port_min,
		    &o->local_port_max))
			return bad(msg, msglen, "--local-port: '%s' is not a "
			    "port or a range N-M of ports (1-65535)", arg);
		return QGET_OK;
	case OPT_HAPPY_EYEBALLS_TIMEOUT_MS:
		if (tool_parse_ms(arg, &o->attempt_delay_ms))
			return bad(msg, msglen, "--happy-eyeballs-timeout-ms: "
			    "'%s' is not a number of milliseconds (0-1000000)",
			    arg);
		o->attempt_delay_set = 1;
		return QGET_OK;
	case OPT_CONNECT_TIMEOUT:
		return seconds("--connect-timeout", arg,
		    &o->connect_timeout_ms, msg, msglen);
	case OPT_MAX_TIME:
		return seconds("--max-time", arg, &o->max_time_ms, msg,
		    msglen);
	case OPT_IDLE_TIMEOUT:
		return seconds("--idle-timeout", arg, &o->idle_timeout_ms, msg,
		    msglen);
	case OPT_CACERT:
		o->cacert = arg;
		return QGET_OK;
	case OPT_CAPATH:
		o->capath = arg;
		return QGET_OK;
	case OPT_CIPHERS:
	case OPT_TLS13_CIPHERS:
		if (library_accepts(id, arg) != QGET_OK)
			return bad(msg, msglen, "--ciphers: OpenSSL knows no TLS "
			    "1.3 cipher suite in '%s'", arg);
		o->ciphers = arg;
		return QGET_OK;
	case OPT_PINNEDPUBKEY:
		if (library_accepts(id, arg) != QGET_OK)
			return bad(msg, msglen, "--pinnedpubkey: '%s' is not "
			    "sha256//BASE64[;sha256//BASE64...]", arg);
		o->pinned_pubkey = arg;
		return QGET_OK;
	case OPT_INSECURE:
		o->insecure = 1;
		return QGET_OK;
	case OPT_NO_GSO:
		o->no_gso = 1;
		return QGET_OK;
	case OPT_KEY_UPDATE:
		o->key_update = 1;
		return QGET_OK;
	case OPT_SESSION_FILE:
		return nonempty("--session-file", "file name", arg,
		    &o->session_file, msg, msglen);
	case OPT_KEYLOG:
		o->keylog = arg;
		return QGET_OK;

	case OPT_REQUEST:
		for (const char *p = arg; *p != '\0'; p++)
			if (!is_tchar((unsigned char)*p))
				return bad(msg, msglen, "-X: '%.100s' is not an "
				    "HTTP method (a token)", arg);
		if (*arg == '\0' || strlen(arg) > MAX_METHOD)
			return bad(msg, msglen, "-X: '%.100s' is not a method "
			    "of 1 to %d characters", arg, MAX_METHOD);
		o->method = arg;
		return QGET_OK;
	case OPT_HEADER:
		if (o->nheaders == TOOL_MAX_HEADERS)
			return bad(msg, msglen, "-H: more than %d headers",
			    TOOL_MAX_HEADERS);
		if (tool_check_header(arg, msg, msglen))
			return QGET_E_USAGE;
		o->headers[o->nheaders++] = arg;
		return QGET_OK;
	case OPT_USER_AGENT:
	case OPT_REFERER: {
		const char *opt = id == OPT_REFERER ? "-e" : "-A";

		if (!value_ok(arg) || strlen(arg) > 8000)
			return bad(msg, msglen, "%s: the value holds a control "
			    "character (CR, LF, ...) or is over 8000 bytes", opt);
		if (id == OPT_REFERER) {
			size_t n = strlen(arg);

			if (n >= 5 && strcmp(arg + n - 5, ";auto") == 0)
				return bad(msg, msglen, "%s", "-e: ';auto' is not "
				    "supported: qget sends no Referer on redirects");
			o->referer = arg;
		} else {
			o->user_agent = arg;
		}
		return QGET_OK;
	}
	case OPT_HEAD:
		o->head = 1;
		o->include = 1;
		return QGET_OK;
	case OPT_DATA:
		return add_data(o, st, DATA_ASCII, "-d", arg, msg, msglen);
	case OPT_DATA_ASCII:
		return add_data(o, st, DATA_ASCII, "--data-ascii", arg, msg,
		    msglen);
	case OPT_DATA_BINARY:
		return add_data(o, st, DATA_BINARY, "--data-binary", arg, msg,
		    msglen);
	case OPT_DATA_RAW:
		return add_data(o, st, DATA_RAW, "--data-raw", arg, msg, msglen);
	case OPT_UPLOAD_FILE:
		if (*arg == '\0')
			return bad(msg, msglen, "%s", "-T: the file name is empty");
		if (strcmp(arg, "-") == 0 &&
		    take_stdin(st, "-T -", msg, msglen) != QGET_OK)
			return QGET_E_USAGE;
		st->uploads[st->nuploads++] = arg;
		return QGET_OK;
	case OPT_LOCATION:
		o->location = 1;
		return QGET_OK;
	case OPT_MAX_REDIRS:
		if (strcmp(arg, "-1") == 0) {
			o->max_redirs = -1;
			return QGET_OK;
		}
		if (parse_uint(arg, 9, 999999999, &v))
			return bad(msg, msglen, "--max-redirs: '%s' is not a "
			    "number (-1: no limit)", arg);
		o->max_redirs = (long)v;
		return QGET_OK;
	case OPT_CONTINUE_AT:
		o->resume = 1;
		if (strcmp(arg, "-") == 0) {
			o->resume_from = -1;
			return QGET_OK;
		}
		if (parse_uint(arg, 19, INT64_MAX, &v))
			return bad(msg, msglen, "-C: '%s' is neither a byte "
			    "offset nor '-' (the output file's size)", arg);
		o->resume_from = (int64_t)v;
		return QGET_OK;
	case OPT_FAIL:
		o->fail = 1;
		return QGET_OK;
	case OPT_FAIL_WITH_BODY:
		o->fail_with_body = 1;
		return QGET_OK;
	case OPT_RAW:
		o->raw = 1;
		return QGET_OK;
	case OPT_PROBE:
		o->probe = 1;
		return QGET_OK;

	case OPT_OUTPUT:
		if (*arg == '\0')
			return bad(msg, msglen, "%s", "-o: the file name is empty");
		st->outs[st->nouts++].file = arg;
		return QGET_OK;
	case OPT_REMOTE_NAME:
		st->outs[st->nouts++].file = NULL;
		return QGET_OK;
	case OPT_REMOTE_NAME_ALL:
		o->remote_name_all = 1;
		return QGET_OK;
	case OPT_OUTPUT_DIR:
		return nonempty("--output-dir", "directory name", arg,
		    &o->output_dir, msg, msglen);
	case OPT_CREATE_DIRS:
		o->create_dirs = 1;
		return QGET_OK;
	case OPT_DUMP_HEADER:
		return nonempty("-D", "file name", arg, &o->dump_header, msg,
		    msglen);
	case OPT_INCLUDE:
		o->include = 1;
		return QGET_OK;
	case OPT_MAX_FILESIZE:
		if (parse_size(arg, &o->max_filesize))
			return bad(msg, msglen, "--max-filesize: '%s' is not a "
			    "size (bytes, or with k, M, G or T)", arg);
		return QGET_OK;
	case OPT_WRITE_OUT:
		return set_writeout(o, st, arg, msg, msglen);
	case OPT_STATS:
		return nonempty("--stats", "file name", arg, &o->stats_file,
		    msg, msglen);

	case OPT_RETRY:
		if (parse_uint(arg, 7, MAX_SECONDS, &v))
			return bad(msg, msglen, "--retry: '%s' is not a number "
			    "from 0 to 1000000", arg);
		o->retry = (unsigned)v;
		return QGET_OK;
	case OPT_RETRY_DELAY:
		o->retry_delay_set = 1;
		return seconds("--retry-delay", arg, &o->retry_delay_ms, msg,
		    msglen);
	case OPT_RETRY_MAX_TIME:
		return seconds("--retry-max-time", arg, &o->retry_max_time_ms,
		    msg, msglen);
	case OPT_RETRY_ALL_ERRORS:
		o->retry_all_errors = 1;
		return QGET_OK;
	case OPT_RETRY_CONNREFUSED:
		o->retry_connrefused = 1;
		return QGET_OK;

	case OPT_PARALLEL:
		o->parallel = 1;
		return QGET_OK;
	case OPT_PARALLEL_MAX:
		if (parse_uint(arg, 5, 65535, &v) || v == 0)
			return bad(msg, msglen, "--parallel-max: '%s' is not a "
			    "number from 1 to 65535", arg);
		o->parallel_max = (unsigned)v;
		return QGET_OK;
	case OPT_VERBOSE:
		o->verbose = 1;
		return QGET_OK;
	case OPT_SILENT:
		o->silent = 1;
		return QGET_OK;
	case OPT_SHOW_ERROR:
		o->show_error = 1;
		return QGET_OK;
	case OPT_NO_PROGRESS_METER:
		o->no_progress = 1;
		return QGET_OK;
	case OPT_PROGRESS:
		if (arg != NULL && strcmp(arg, "yes") != 0 &&
		    strcmp(arg, "no") != 0)
			return bad(msg, msglen, "--progress: '%s' is not yes or "
			    "no", arg);
		o->no_progress = arg != NULL && strcmp(arg, "no") == 0;
		return QGET_OK;
	case OPT_PROGRESS_BAR:
		o->progress_bar = 1;
		return QGET_OK;
	case OPT_NO_BUFFER:
		/* qget writes what arrives at once: nothing to switch off. */
		return QGET_OK;
	case OPT_HELP:
		o->help = 1;
		return QGET_OK;
	case OPT_VERSION:
		o->version = 1;
		return QGET_OK;
	}
	return bad(msg, msglen, "option %d is not handled", (int)id);
}

/* ---- the targets ------------------------------------------------------ */

/* u->url from its parts: https://host[:port]/path, IPv6 in brackets. */
static int
build_url(struct tool_url *u, int show_port)
{
	int v6 = strchr(u->host, ':') != NULL;
	size_t cap = strlen(u->host) + strlen(u->path) + 32;
	char *url = malloc(cap);

	if (url == NULL)
		return -1;
	snprintf(url, cap, "https://%s%s%s%s%s%s", v6 ? "[" : "", u->host,
	    v6 ? "]" : "", show_port ? ":" : "", show_port ? u->port : "",
	    u->path);
	free(u->url);
	u->url = url;
	return 0;
}

static qget_status
set_path(struct tool_url *u, const char *path, int show_port, char *msg,
    size_t msglen)
{
	if (!path_ok(path))
		return bad(msg, msglen, "bad path '%.200s': it must start with "
		    "'/' and hold no spaces or control characters", path);
	if ((u->path = strdup(path)) == NULL || build_url(u, show_port))
		return bad(msg, msglen, "%s", strerror(ENOMEM));
	return QGET_OK;
}

/* qget URL...: each URL its own server, scheme and port checked. */
static qget_status
url_targets(struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	for (int i = 0; i < st->npos; i++) {
		struct tool_url *u = &o->urls[i];
		char *copy = strdup(st->pos[i]), *path;
		qget_status rv;

		if (copy == NULL)
			return bad(msg, msglen, "%s", strerror(ENOMEM));
		u->arg = st->pos[i];
		rv = tool_parse_url(copy, u->host, sizeof(u->host), u->port,
		    &path, msg, msglen);
		if (rv == QGET_OK)
			rv = set_path(u, path, strcmp(u->port, "443") != 0, msg,
			    msglen);
		free(copy);
		o->nurls++;
		if (rv != QGET_OK)
			return rv;
	}
	if (!o->alpn_set)
		o->alpn = "h3,http/1.0";
	return QGET_OK;
}

/* qget HOST PORT [PATH...]: one server, one transfer per PATH. */
static qget_status
legacy_targets(struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	const char *host = st->pos[0], *port = st->pos[1];
	size_t hlen = strlen(host);
	int n = st->npos > 2 ? st->npos - 2 : 1;

	/* Accept "[::1]" as users copy it from URLs. */
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	/* "--parallel 3 URL": a value left behind by an option that takes
	 * none now, before a URL. */
	for (int i = 1; i < st->npos; i++)
		if (strstr(st->pos[i], "://") != NULL)
			return bad(msg, msglen, "'%.200s' is neither a URL nor a "
			    "host before one (an option's value? --parallel "
			    "takes none: --parallel-max N sets the limit)",
			    st->pos[0]);
	if (hlen == 0 || hlen >= sizeof(o->urls[0].host) ||
	    memchr(host, '/', hlen) != NULL)
		return bad(msg, msglen, "bad host name '%.200s'", st->pos[0]);
	if (tool_parse_port(port))
		return bad(msg, msglen, "bad port '%.200s' (1-65535; qget takes "
		    "https://HOST[:PORT]/PATH or HOST PORT [PATH...])", port);
	for (int i = 0; i < n; i++) {
		struct tool_url *u = &o->urls[i];

		memcpy(u->host, host, hlen);
		u->host[hlen] = '\0';
		memcpy(u->port, port, strlen(port) + 1);
		u->arg = st->npos > 2 ? st->pos[i + 2] : root_path;
		o->nurls++;
		if (set_path(u, u->arg, 1, msg, msglen) != QGET_OK)
			return QGET_E_USAGE;
	}
	o->legacy = 1;
	return QGET_OK;
}

/* "qget localhost:4433/x": the user meant a URL. */
static qget_status
not_a_url(const char *arg, char *msg, size_t msglen)
{
	return bad(msg, msglen, "'%.200s' is not a URL: did you mean "
	    "https://%.200s%s? (qget takes https://HOST[:PORT]/PATH or HOST "
	    "PORT [PATH...])", arg, arg, strchr(arg, '/') == NULL ? "/" : "");
}

struct name_ref {
	const char *name;
	int url;
};

static int
cmp_name(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : x->url - y->url;
}

/* A -o FILE that is a device or FIFO (/dev/null) may take several
 * bodies: they are written in place, one after the other. */
static int
shared_ok(const struct tool_opts *o, const char *file)
{
	char path[4096];
	struct stat sb;

	if (strcmp(file, "-") == 0)
		return 1;
	if (o->output_dir != NULL && file[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", o->output_dir, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISDIR(sb.st_mode);
}

/*
 * The n-th -o/-O to the n-th URL, --remote-name-all to the rest; every
 * -O needs a safe file name, and no two URLs may write one file.
 */
static qget_status
assign_outputs(struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	struct name_ref *names = NULL;
	char (*remote)[MAX_NAME + 1] = NULL;
	int nnames = 0;
	qget_status rv = QGET_E_USAGE;

	if (st->nouts > o->nurls) {
		bad(msg, msglen, "%d -o/-O for %d URL%s: each -o or -O is for "
		    "one URL", st->nouts, o->nurls, o->nurls == 1 ? "" : "s");
		goto out;
	}
	for (int i = 0; i < st->nouts; i++) {
		o->urls[i].output = st->outs[i].file;
		o->urls[i].remote_name = st->outs[i].file == NULL;
	}
	if (o->remote_name_all)
		for (int i = st->nouts; i < o->nurls; i++)
			o->urls[i].remote_name = 1;
	names = calloc((size_t)o->nurls, sizeof(*names));
	remote = calloc((size_t)o->nurls, sizeof(*remote));
	if (names == NULL || remote == NULL) {
		bad(msg, msglen, "%s", strerror(ENOMEM));
		goto out;
	}
	for (int i = 0; i < o->nurls; i++) {
		struct tool_url *u = &o->urls[i];

		if (u->remote_name) {
			if (tool_remote_name(u->path, remote[i],
			    sizeof(remote[i]))) {
				bad(msg, msglen, "-O: %.300s has no file name to "
				    "save as (its path's last segment is empty, "
				    "'.', '..', too long, or decodes to '/' or a "
				    "control character); use -o FILE", u->url);
				goto out;
			}
			names[nnames].name = remote[i];
		} else if (u->output != NULL && !shared_ok(o, u->output)) {
			names[nnames].name = u->output;
		} else {
			continue;
		}
		names[nnames++].url = i;
	}
	qsort(names, (size_t)nnames, sizeof(*names), cmp_name);
	for (int i = 1; i < nnames; i++) {
		if (strcmp(names[i - 1].name, names[i].name) == 0) {
			bad(msg, msglen, "%.300s and %.300s would both be saved "
			    "as '%.200s'", o->urls[names[i - 1].url].url,
			    o->urls[names[i].url].url, names[i].name);
			goto out;
		}
	}
	rv = QGET_OK;
out:
	free(names);
	free(remote);
	return rv;
}

/* The file name -T puts after a URL that ends in '/', as curl does,
 * percent-encoded. */
static qget_status
append_upload_name(struct tool_url *u, int show_port, char *msg,
    size_t msglen)
{
	const char *base = strrchr(u->upload, '/'), *p;
	size_t plen = strlen(u->path), n = 0;
	char *path;

	base = base != NULL ? base + 1 : u->upload;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return QGET_OK;
	if ((path = malloc(plen + 3 * strlen(base) + 1)) == NULL)
		return bad(msg, msglen, "%s", strerror(ENOMEM));
	memcpy(path, u->path, plen);
	n = plen;
	for (p = base; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			path[n++] = (char)c;
		else
			n += (size_t)sprintf(path + n, "%%%02X", c);
	}
	path[n] = '\0';
	free(u->path);
	u->path = path;
	if (!path_ok(path) || build_url(u, show_port))
		return bad(msg, msglen, "-T: '%.200s' makes the path too long",
		    u->upload);
	return QGET_OK;
}

static qget_status
assign_uploads(struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	if (st->nuploads > o->nurls)
		return bad(msg, msglen, "%d -T for %d URL%s: each -T is for one "
		    "URL", st->nuploads, o->nurls, o->nurls == 1 ? "" : "s");
	for (int i = 0; i < st->nuploads; i++) {
		struct tool_url *u = &o->urls[i];
		size_t n = strlen(u->path);

		u->upload = st->uploads[i];
		if (strcmp(u->upload, "-") != 0 && u->path[n - 1] == '/' &&
		    append_upload_name(u, o->legacy ||
		    strcmp(u->port, "443") != 0, msg, msglen) != QGET_OK)
			return QGET_E_USAGE;
	}
	return QGET_OK;
}

/* What the options must agree on once the targets are known. */
static qget_status
check_combinations(struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	size_t hbytes = 0;

	if (o->fail && o->fail_with_body)
		return bad(msg, msglen, "%s", "-f and --fail-with-body exclude "
		    "each other");
	if (o->head && (o->has_data || st->nuploads > 0))
		return bad(msg, msglen, "%s", "-I sends HEAD, which carries no "
		    "body: it excludes -d and -T");
	if (o->has_data && st->nuploads > 0)
		return bad(msg, msglen, "%s", "-d and -T exclude each other: a "
		    "request has one body");
	if (o->raw && st->stdin_by != NULL)
		return bad(msg, msglen, "--raw and %s both read standard input",
		    st->stdin_by);
	/* What the request builders hold, checked now rather than after
	 * connecting. */
	for (int i = 0; i < o->nheaders; i++)
		hbytes += strlen(o->headers[i]) + 2;
	if (o->user_agent != NULL)
		hbytes += strlen("User-Agent: ") + strlen(o->user_agent) + 2;
	if (o->referer != NULL)
		hbytes += strlen("Referer: ") + strlen(o->referer) + 2;
	if (hbytes > TOOL_MAX_HEADER_BYTES)
		return bad(msg, msglen, "-H, -A and -e add up to more than %d "
		    "bytes", TOOL_MAX_HEADER_BYTES);
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
	return QGET_OK;
}

/* hq-interop's request is "GET PATH": nothing else can be said. */
static qget_status
check_hq_interop(const struct tool_opts *o, struct parse_state *st,
    char *msg, size_t msglen)
{
	if (strcmp(o->alpn, "hq-interop") != 0)
		return QGET_OK;
	if (o->head || o->nheaders > 0 || o->fail || o->fail_with_body ||
	    o->has_data || st->nuploads > 0 || o->method != NULL ||
	    o->user_agent != NULL || o->referer != NULL || o->location ||
	    o->resume)
		return bad(msg, msglen, "%s", "hq-interop requests have no "
		    "method, no headers and no status (-I, -H, -f, "
		    "--fail-with-body, -d, -T, -X, -A, -e, -L, -C)");
	return QGET_OK;
}

static qget_status
check_modes(const struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	if (o->raw && o->probe)
		return bad(msg, msglen, "%s", "--raw and --probe exclude each "
		    "other");
	if (o->raw && (!o->legacy || st->npos != 2 || st->nouts > 0 ||
	    o->remote_name_all || o->output_dir != NULL || o->include ||
	    o->nheaders > 0 || o->fail || o->fail_with_body ||
	    o->has_data || st->nuploads > 0 || o->method != NULL ||
	    o->user_agent != NULL || o->referer != NULL || o->location ||
	    o->resume || o->dump_header != NULL))
		return bad(msg, msglen, "%s", "--raw takes HOST PORT only (no "
		    "URL, PATH, -o, -O, -i, -I, -H, -f, -d, -T, -X, -A, -e, -L, "
		    "-C or -D): stdin is the request, stdout the answer");
	if (o->probe && (o->nurls != 1 || (o->legacy && st->npos != 2)))
		return bad(msg, msglen, "%s", "--probe takes one server: one URL, "
		    "or HOST PORT");
	if (o->probe && (st->nouts > 0 || o->remote_name_all ||
	    o->has_data || st->nuploads > 0 || o->resume))
		return bad(msg, msglen, "%s", "--probe writes a report: it takes "
		    "no -o, -O, -d, -T or -C");
	if (o->resume && o->resume_from < 0)
		for (int i = 0; i < o->nurls; i++)
			if (o->urls[i].output == NULL && !o->urls[i].remote_name)
				return bad(msg, msglen, "-C -: %.300s goes to "
				    "standard output, which has no size to resume "
				    "from; give it -o FILE or -O", o->urls[i].url);
	return QGET_OK;
}

static qget_status
targets(struct tool_opts *o, struct parse_state *st, char *msg,
    size_t msglen)
{
	int n;

	if (st->npos == 0)
		return bad(msg, msglen, "%s", o->raw ? "--raw needs HOST PORT" :
		    "no URL given: qget https://HOST[:PORT]/PATH (or HOST PORT "
		    "[PATH...]); try qget --help");
	if (strstr(st->pos[0], "://") == NULL && st->npos == 1)
		return not_a_url(st->pos[0], msg, msglen);
	n = strstr(st->pos[0], "://") != NULL ? st->npos :
	    st->npos > 2 ? st->npos - 2 : 1;
	if ((o->urls = calloc((size_t)n, sizeof(*o->urls))) == NULL)
		return bad(msg, msglen, "%s", strerror(ENOMEM));
	if ((strstr(st->pos[0], "://") != NULL ? url_targets(o, st, msg,
	    msglen) : legacy_targets(o, st, msg, msglen)) != QGET_OK)
		return QGET_E_USAGE;
	o->host = o->urls[0].host;
	o->port = o->urls[0].port;
	if (assign_outputs(o, st, msg, msglen) != QGET_OK ||
	    assign_uploads(o, st, msg, msglen) != QGET_OK ||
	    check_hq_interop(o, st, msg, msglen) != QGET_OK ||
	    check_modes(o, st, msg, msglen) != QGET_OK)
		return QGET_E_USAGE;
	return QGET_OK;
}

/* ---- the command line ------------------------------------------------- */

/* getopt's '?': an unknown letter (perhaps one of curl's), or a long
 * option given a value it does not take (its name is exact: checked
 * before getopt saw it). */
static qget_status
unknown_option(const char *elem, int is_long, char *msg, size_t msglen)
{
	const struct refused_opt *r;

	if (is_long)
		return bad(msg, msglen, "option --%.*s takes no value",
		    (int)strcspn(elem + 2, "="), elem + 2);
	if ((r = refused_by_letter(optopt)) != NULL)
		return bad(msg, msglen, "curl's -%c/--%s is not supported: %s",
		    optopt, r->name, r->reason);
	if (optopt > 0x20 && optopt < 0x7f)
		return bad(msg, msglen, "unknown option -%c", optopt);
	return bad(msg, msglen, "unknown option -\\x%02x", optopt & 0xff);
}

qget_status
tool_parse_args(int argc, char **argv, struct tool_opts *o, char *msg,
    size_t msglen)
{
	struct parse_state st;
	qget_status rv = QGET_E_USAGE;
	int c;
	size_t nbytes = 0;

	memset(o, 0, sizeof(*o));
	memset(&st, 0, sizeof(st));
	o->alpn = "http/1.0";
	o->max_redirs = 50;
	msg[0] = '\0';
	/* Each argument is at most one of them. */
	/* A cluster such as -OOOO is one argument but four outputs: every
	 * byte of the line may be one. */
	for (int i = 0; i < argc; i++)
		nbytes += strlen(argv[i]) + 1;
	st.pos = calloc((size_t)argc + 1, sizeof(*st.pos));
	st.outs = calloc(nbytes + 1, sizeof(*st.outs));
	st.uploads = calloc(nbytes + 1, sizeof(*st.uploads));
	if (st.pos == NULL || st.outs == NULL || st.uploads == NULL) {
		bad(msg, msglen, "%s", strerror(ENOMEM));
		goto out;
	}
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
			goto out;
		if ((c = getopt_long(argc, argv, OPT_SHORT, long_opts,
		    NULL)) == -1)
			break;
		if (c == 1) {
			st.pos[st.npos++] = optarg;
			continue;
		}
		if (c == ':') {
			if (is_long)
				bad(msg, msglen, "option --%.*s needs a value",
				    (int)strcspn(argv[at] + 2, "="), argv[at] + 2);
			else
				bad(msg, msglen, "option -%c needs a value",
				    optopt);
			goto out;
		}
		if (c == '?') {
			unknown_option(argv[at], is_long, msg, msglen);
			goto out;
		}
		if (take_option(o, &st, (enum opt_id)c, optarg, msg, msglen) !=
		    QGET_OK)
			goto out;
		if (o->help || o->version) {
			rv = QGET_OK;
			goto out;
		}
	}
	/* After "--": every argument is a target. */
	for (; optind < argc; optind++)
		st.pos[st.npos++] = argv[optind];
	if (check_combinations(o, &st, msg, msglen) != QGET_OK ||
	    targets(o, &st, msg, msglen) != QGET_OK)
		goto out;
	rv = QGET_OK;
out:
	free(st.pos);
	free(st.outs);
	free(st.uploads);
	return rv;
}

void
tool_free_args(struct tool_opts *o)
{
	for (int i = 0; o->urls != NULL && i < o->nurls; i++) {
		free(o->urls[i].url);
		free(o->urls[i].path);
	}
	free(o->urls);
	free(o->resolve);
	free(o->connect_to);
	free(o->data);
	free(o->writeout);
	o->urls = NULL;
	o->nurls = 0;
	o->resolve = NULL;
	o->nresolve = 0;
	o->connect_to = NULL;
	o->nconnect_to = 0;
	o->data = NULL;
	o->data_len = 0;
	o->writeout = NULL;
	o->host = NULL;
	o->port = NULL;
}
