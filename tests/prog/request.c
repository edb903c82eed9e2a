/*
 * A client of libqget's request API for the integration tests
 * (tests/integration/76-request.sh): several requests on one connection,
 * driven by qget_conn_poll() or by blocking reads, response fields,
 * cancelling, request bodies, header validation, and qget_fetch().
 *
 * Usage: request [options] HOST PORT MODE ARGS...
 *        request [options] fetch URL
 * Modes:
 *   get ITEM...          send every ITEM at once (--parallel: at most N
 *                        in flight), drive them with qget_conn_poll(),
 *                        read bodies on QGET_EV_DATA/END.  ITEM is PATH or
 *                        METHOD:PATH ("HEAD:/x").
 *   blocking PATH...     send all, then for each in turn
 *                        qget_request_wait_head() and qget_request_read()
 *                        to the end (no poll).
 *   fields PATH          one GET: every response field, lookups by name,
 *                        the head's text (into OUTDIR/head), the info.
 *   cancel PATH1 PATH2   cancel PATH1 after its head; PATH2 must complete.
 *   post PATH FILE       POST FILE's bytes from a buffer;
 *   post-fd PATH FILE    ... from its file descriptor;
 *   post-cb PATH FILE    ... through a read callback (--cb-length: announce
 *                        the length; --cb-fail-after N: abort after N).
 *   validate STEP...     each STEP prints the status of one call:
 *                        new METHOD PATH | header NAME VALUE |
 *                        authority TEXT | send METHOD PATH |
 *                        send-header NAME VALUE | send-body METHOD TEXT |
 *                        get PATH (a whole GET: status and bytes)
 *   fetch URL            qget_fetch() to stdout (--cb: through a write
 *                        callback), the qget_result on stderr.
 * Options: --alpn LIST, --cafile FILE, --parallel N, --timeout MS (each
 * poll; default 30000), --max-time MS (the connection; default 60000),
 * --out DIR (bodies as DIR/0, DIR/1, ...; default: discarded), -H
 * "Name: value" (every request), --chunk N (bytes per read), --read-delay
 * US (a slow reader: busy US microseconds after each read; with
 * --service it services the connection meanwhile, qget_conn_poll() with
 * timeout 0 every millisecond, as the header advises for a program that
 * cannot take data; without, it sleeps), -v (the library's log on
 * stderr).
 *
 * Per request one line on stdout:
 *   req N METHOD PATH status=S version=V body=B info_body=B cl=L
 *       outcome=NAME code=C events=E,... read_end=NAME detail=TEXT
 * (cl: the content-length field, "-" when none; code: the error code or
 * "-"; events: QGET_EV_* names in the order seen, repeated DATA counted
 * once, and ours: SEND-FAILED, CANCELLED, WAIT-HEAD; read_end: what the
 * last qget_request_read() returned, read to the end also after a
 * failure, "-" when not read), then "conn alpn=A goaway=0|1 poll=NAME
 * poll_after=NAME close=NAME" (poll_after: one more qget_conn_poll(),
 * timeout 0, after the requests are done).  Exit code:
 * qget_status_exit_code() of the worst outcome (a cancelled request that
 * reports E_INTERRUPTED counts as a success, anything else it reports as
 * a failure).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qget.h"


struct item {
	const char *method;
	const char *path;
	qget_request *r;
	int fd;                 /* the body's output, -1: discarded */
	uint64_t body;          /* body bytes read by us */
	char events[160];
	unsigned last;          /* the last event name appended */
	int sent, done, cancel_me, cancelled;
	qget_status st;
	qget_error err;
	/* what qget_request_read() said last: after the end it must agree
	 * with the outcome (0 bytes and OK only for a complete response) */
	qget_status read_end;
	int read_done;
	/* the request body */
	int body_kind;          /* 0 none, 1 buffer, 2 fd, 3 callback */
	unsigned char *bbuf;
	size_t blen;
	int bfd;
	int64_t cb_length;
	uint64_t cb_fail_after; /* UINT64_MAX: never */
	uint64_t cb_given;
};

struct opts {
	const char *alpn, *cafile, *outdir;
	const char *hdr[16];
	size_t nhdr;
	size_t parallel;
	int timeout;
	uint64_t max_time;
	size_t chunk;
	unsigned long read_delay_us;
	int service;
	int verbose, use_cb, cb_length;
	uint64_t cb_fail_after;
};

static struct opts o = {
	.timeout = 30000, .max_time = 60000, .chunk = 128 * 1024,
	.cb_fail_after = UINT64_MAX
};
static unsigned char *rbuf;
static qget_conn *conn;     /* for --service */

/* Prints bytes with control bytes and bytes >= 0x7f as \xNN. */
static void
esc(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
}

static void
logline(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "log: %s\n", line);
}

static void
ev_add(struct item *it, unsigned bit, const char *name)
{
	size_t len = strlen(it->events);

	if (bit == QGET_EV_DATA && it->last == QGET_EV_DATA)
		return;
	it->last = bit;
	snprintf(it->events + len, sizeof(it->events) - len, "%s%s",
	    len > 0 ? "," : "", name);
}

static void
ev_record(struct item *it, unsigned what)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ QGET_EV_HEAD, "HEAD" }, { QGET_EV_DATA, "DATA" },
		{ QGET_EV_END, "END" }, { QGET_EV_RESET, "RESET" },
		{ QGET_EV_REFUSED, "REFUSED" }, { QGET_EV_FAILED, "FAILED" },
		{ QGET_EV_GOAWAY, "GOAWAY" }
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (what & names[i].bit)
			ev_add(it, names[i].bit, names[i].name);
	if (what & ~0x7fu)
		ev_add(it, 0, "UNKNOWN");
}

/* Ends the item with a status of our own (not the library's). */
static void
item_fail(struct item *it, qget_status st, const char *fmt, ...)
{
	va_list ap;

	if (it->done)
		return;
	it->done = 1;
	it->st = st;
	memset(&it->err, 0, sizeof(it->err));
	it->err.status = st;
	va_start(ap, fmt);
	vsnprintf(it->err.detail, sizeof(it->err.detail), fmt, ap);
	va_end(ap);
}

/* The item is over: its outcome is the library's. */
static void
item_end(struct item *it)
{
	if (it->done)
		return;
	it->done = 1;
	it->st = qget_request_status(it->r, &it->err);
}

static int
out_write(struct item *it, const unsigned char *p, size_t n)
{
	ssize_t w;

	it->body += n;
	while (it->fd >= 0 && n > 0) {
		w = write(it->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			item_fail(it, QGET_E_OUTPUT, "write: %s",
			    strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* --read-delay: the program is busy elsewhere for a while. */
static void
slow_down(void)
{
	uint64_t end = now_us() + o.read_delay_us, t;
	qget_event ev[8];
	size_t n;

	if (!o.service) {
		usleep((useconds_t)o.read_delay_us);
		return;
	}
	/* Events found here are the requests' too; blocking reads collect
	 * what they say, so dropping them loses nothing. */
	while ((t = now_us()) < end) {
		(void)qget_conn_poll(conn, ev, 8, &n, 0, NULL);
		usleep((useconds_t)(end - t < 1000 ? end - t : 1000));
	}
}

/* One read (all = 0) or reads to the end (all = 1).  The request's own
 * failure ends the item with it. */
static void
item_read(struct item *it, int all)
{
	qget_status st;
	qget_error e;
	size_t n;

	do {
		st = qget_request_read(it->r, rbuf, o.chunk, &n, &e);
		if (st != QGET_OK) {
			it->read_end = st;
			it->read_done = 1;
			item_end(it);
			if (it->st == QGET_OK) {
				/* read failed yet the request says OK */
				it->st = st;
				it->err = e;
			}
			return;
		}
		if (n == 0) {
			it->read_end = QGET_OK;
			it->read_done = 1;
			item_end(it);
			return;
		}
		if (out_write(it, rbuf, n) != 0)
			return;
		if (o.read_delay_us > 0)
			slow_down();
	} while (all);
}

/* The request is over without a complete response: reading it must
 * return what was buffered, then its failure, and never block. */
static void
item_drain(struct item *it)
{
	qget_status st;
	size_t n;
	int i;

	for (i = 0; i < 100000 && !it->read_done; i++) {
		st = qget_request_read(it->r, rbuf, o.chunk, &n, NULL);
		if (st != QGET_OK || n == 0) {
			it->read_end = st;
			it->read_done = 1;
		}
	}
}

static long
body_cb(void *arg, void *buf, size_t cap)
{
	struct item *it = arg;
	ssize_t n;

	/* Small pieces, so that the library asks many times. */
	if (cap > 1000)
		cap = 1000;
	if (it->cb_given >= it->cb_fail_after)
		return -1;
	if (it->cb_fail_after != UINT64_MAX &&
	    cap > it->cb_fail_after - it->cb_given)
		cap = (size_t)(it->cb_fail_after - it->cb_given);
	do
		n = read(it->bfd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	it->cb_given += (uint64_t)n;
	return (long)n;
}

/* Creates the item's request with the options' headers and its body. */
static qget_status
item_new(qget_conn *c, struct item *it, qget_error *err)
{
	qget_status st;
	size_t i;

	st = qget_request_new(&it->r, c, it->method, it->path, err);
	if (st != QGET_OK)
		goto out;
	qget_request_set_user(it->r, it);
	for (i = 0; i < o.nhdr; i++) {
		char name[256];
		const char *colon = strchr(o.hdr[i], ':');
		size_t nl = colon != NULL ? (size_t)(colon - o.hdr[i]) : 0;

		if (colon == NULL || nl >= sizeof(name)) {
			st = QGET_E_USAGE;
			snprintf(err->detail, sizeof(err->detail),
			    "-H needs 'Name: value'");
			err->status = st;
			goto out;
		}
		memcpy(name, o.hdr[i], nl);
		name[nl] = '\0';
		st = qget_request_add_header(it->r, name, colon + 1, err);
		if (st != QGET_OK)
			goto out;
	}
	switch (it->body_kind) {
	case 1:
		st = qget_request_set_body(it->r, it->bbuf, it->blen, err);
		break;
	case 2:
		st = qget_request_set_body_fd(it->r, it->bfd, err);
		break;
	case 3:
		st = qget_request_set_body_cb(it->r, body_cb, it,
		    it->cb_length, err);
		break;
	default:
		st = QGET_OK;
	}
out:
	return st;
}

static void
item_send(qget_conn *c, struct item *it)
{
	qget_status st;
	qget_error e = { 0 };

	it->sent = 1;
	st = item_new(c, it, &e);
	if (st == QGET_OK)
		st = qget_request_send(it->r, &e);
	if (st != QGET_OK) {
		ev_add(it, 0, "SEND-FAILED");
		it->done = 1;
		it->st = st;
		it->err = e;
	}
}

/* The poll loop: sends up to o.parallel at a time, reads every body. */
static qget_status
run_poll(qget_conn *c, struct item *items, size_t n, int *goaway,
    qget_error *cerr)
{
	qget_event evs[8];
	qget_status st = QGET_OK;
	size_t next = 0, ndone, inflight, k, i, j;

	for (;;) {
		ndone = inflight = 0;
		for (i = 0; i < n; i++) {
			if (items[i].done)
				ndone++;
			else if (items[i].sent)
				inflight++;
		}
		while (next < n && (o.parallel == 0 || inflight < o.parallel)) {
			item_send(c, &items[next]);
			if (items[next].done)
				ndone++;
			else
				inflight++;
			next++;
		}
		if (ndone == n)
			break;
		st = qget_conn_poll(c, evs, sizeof(evs) / sizeof(evs[0]), &k,
		    o.timeout, cerr);
		if (st != QGET_OK) {
			/* The connection failed: so did every open request. */
			for (i = 0; i < n; i++)
				if (items[i].sent && !items[i].done) {
					item_end(&items[i]);
					item_drain(&items[i]);
				}
			for (i = 0; i < n; i++)
				if (!items[i].sent)
					item_fail(&items[i], st,
					    "not sent: the connection failed");
			break;
		}
		if (k == 0) {
			for (i = 0; i < n; i++)
				item_fail(&items[i], QGET_E_TIMEOUT,
				    "no event within %d ms", o.timeout);
			st = QGET_E_TIMEOUT;
			break;
		}
		for (j = 0; j < k; j++) {
			struct item *it;

			if (evs[j].req == NULL) {
				if (evs[j].what & QGET_EV_GOAWAY)
					*goaway = 1;
				continue;
			}
			it = qget_request_get_user(evs[j].req);
			if (it == NULL || it->r != evs[j].req) {
				fprintf(stderr, "request: an event for a "
				    "request that is not ours\n");
				return QGET_E_FAILURE;
			}
			ev_record(it, evs[j].what);
			if (it->done)
				continue;
			if ((evs[j].what & QGET_EV_HEAD) && it->cancel_me) {
				qget_request_cancel(it->r);
				it->cancelled = 1;
				ev_add(it, 0, "CANCELLED");
				item_end(it);
				item_drain(it);
				continue;
			}
			if (evs[j].what & QGET_EV_END)
				item_read(it, 1);
			else if (evs[j].what & QGET_EV_DATA)
				item_read(it, 0);
			if (evs[j].what & (QGET_EV_DONE & ~QGET_EV_END)) {
				item_end(it);
				item_drain(it);
			}
		}
	}
	return st;
}

/* Sends all, then reads each in turn with blocking calls alone. */
static void
run_blocking(qget_conn *c, struct item *items, size_t n)
{
	qget_status st;
	size_t i;

	for (i = 0; i < n; i++)
		item_send(c, &items[i]);
	for (i = 0; i < n; i++) {
		if (items[i].done)
			continue;
		st = qget_request_wait_head(items[i].r, &items[i].err);
		ev_add(&items[i], 0, st == QGET_OK ? "WAIT-HEAD" :
		    "WAIT-HEAD-FAILED");
		if (st != QGET_OK) {
			items[i].done = 1;
			items[i].st = st;
			item_drain(&items[i]);
			continue;
		}
		item_read(&items[i], 1);
	}
}

static void
print_item(size_t i, const struct item *it)
{
	const char *v, *cl = NULL;
	size_t vl = 0;
	qget_request_info info;

	printf("req %zu %s %s", i, it->method, it->path);
	if (it->r != NULL) {
		printf(" status=%d", qget_response_status(it->r));
		v = qget_response_version(it->r);
		printf(" version=%s", v != NULL && *v != '\0' ? v : "-");
	} else
		printf(" status=- version=-");
	printf(" body=%" PRIu64, it->body);
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (it->r != NULL && qget_request_get_info(it->r, &info) == QGET_OK)
		printf(" info_body=%" PRIu64, info.body_received);
	else
		printf(" info_body=-");
	if (it->r != NULL)
		cl = qget_response_header(it->r, "content-length", &vl);
	printf(" cl=");
	if (cl != NULL)
		esc(stdout, cl, vl);
	else
		printf("-");
	printf(" outcome=%s", qget_status_name(it->st));
	if (it->err.has_code)
		printf(" code=0x%" PRIx64, it->err.code);
	else
		printf(" code=-");
	printf(" events=%s read_end=%s detail=", it->events[0] != '\0' ?
	    it->events : "-", it->read_done ? qget_status_name(it->read_end) :
	    "-");
	esc(stdout, it->err.detail, strlen(it->err.detail));
	printf("\n");
}

static int
open_out(size_t i)
{
	char p[PATH_MAX];
	int fd;

	if (o.outdir == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/%zu", o.outdir, i);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "request: %s: %s\n", p, strerror(errno));
		exit(10);
	}
	return fd;
}

/* METHOD:PATH or PATH. */
static void
item_parse(struct item *it, char *arg)
{
	char *colon = strchr(arg, ':');

	it->method = "GET";
	it->path = arg;
	if (arg[0] != '/' && colon != NULL) {
		*colon = '\0';
		it->method = arg;
		it->path = colon + 1;
	}
}

static unsigned char *
slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	unsigned char *p = NULL;
	struct stat sb;

	if (f == NULL || fstat(fileno(f), &sb) != 0)
		goto out;
	p = malloc((size_t)sb.st_size + 1);
	if (p == NULL || fread(p, 1, (size_t)sb.st_size, f) !=
	    (size_t)sb.st_size) {
		free(p);
		p = NULL;
		goto out;
	}
	*len = (size_t)sb.st_size;
out:
	if (f != NULL)
		fclose(f);
	return p;
}

/* The fields mode's report, after the body was read. */
static void
print_fields(const struct item *it)
{
	const char *name, *value, *text;
	size_t nl, vl, i, n, len;
	static const char *const lookups[] = { "content-length",
	    "Content-Length", "CONTENT-TYPE", "x-no-such-field" };
	qget_request_info info;
	char p[PATH_MAX];
	FILE *f;

	n = qget_response_field_count(it->r);
	printf("count %zu\n", n);
	for (i = 0; i < n; i++) {
		if (qget_response_field(it->r, i, &name, &nl, &value, &vl) !=
		    QGET_OK) {
			printf("field %zu: failed\n", i);
			continue;
		}
		printf("field %zu ", i);
		esc(stdout, name, nl);
		printf(": ");
		esc(stdout, value, vl);
		printf("\n");
	}
	printf("field-out-of-range %s\n", qget_status_name(
	    qget_response_field(it->r, n, &name, &nl, &value, &vl)));
	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		value = qget_response_header(it->r, lookups[i], &vl);
		printf("lookup %s ", lookups[i]);
		if (value == NULL)
			printf("(none)");
		else
			esc(stdout, value, vl);
		printf("\n");
	}
	if (qget_response_head(it->r, &text, &len) == QGET_OK) {
		printf("head %zu bytes\n", len);
		if (o.outdir != NULL) {
			snprintf(p, sizeof(p), "%s/head", o.outdir);
			if ((f = fopen(p, "wb")) != NULL) {
				fwrite(text, 1, len, f);
				fclose(f);
			}
		}
	} else
		printf("head failed\n");
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (qget_request_get_info(it->r, &info) == QGET_OK)
		printf("info stream_id=%" PRIu64 " body_received=%" PRIu64
		    " has_length=%d content_length=%" PRIu64
		    " bytes_received>=body %d times_ordered %d\n",
		    info.stream_id, info.body_received, info.has_length,
		    info.content_length,
		    info.bytes_received >= info.body_received,
		    info.time_head_us <= info.time_end_us &&
		    info.time_end_us > 0);
	else
		printf("info failed\n");
	info.size = 4;
	printf("info-small %s\n", qget_status_name(
	    qget_request_get_info(it->r, &info)));
}

/* validate STEP...: prints "STEP ARGS: STATUS detail" for each. */
static int
run_validate(qget_conn *c, int argc, char **argv)
{
	qget_request *r = NULL;
	qget_status st;
	qget_error e;
	int i = 0, a, nargs;

	while (i < argc) {
		const char *step = argv[i];

		memset(&e, 0, sizeof(e));
		nargs = strcmp(step, "authority") == 0 ||
		    strcmp(step, "get") == 0 ? 1 : 2;
		if (i + nargs >= argc) {
			fprintf(stderr, "request: validate: %s needs %d "
			    "arguments\n", step, nargs);
			return 2;
		}
		if (strcmp(step, "new") == 0) {
			st = qget_request_new(&r, c, argv[i + 1], argv[i + 2],
			    &e);
		} else if (strcmp(step, "header") == 0) {
			st = qget_request_new(&r, c, "GET", "/", &e);
			if (st == QGET_OK)
				st = qget_request_add_header(r, argv[i + 1],
				    argv[i + 2], &e);
		} else if (strcmp(step, "authority") == 0) {
			st = qget_request_new(&r, c, "GET", "/", &e);
			if (st == QGET_OK)
				st = qget_request_set_authority(r,
				    argv[i + 1], &e);
		} else if (strcmp(step, "send") == 0) {
			st = qget_request_new(&r, c, argv[i + 1], argv[i + 2],
			    &e);
			if (st == QGET_OK)
				st = qget_request_send(r, &e);
		} else if (strcmp(step, "send-header") == 0) {
			st = qget_request_new(&r, c, "GET", "/", &e);
			if (st == QGET_OK)
				st = qget_request_add_header(r, argv[i + 1],
				    argv[i + 2], &e);
			if (st == QGET_OK)
				st = qget_request_send(r, &e);
		} else if (strcmp(step, "send-body") == 0) {
			st = qget_request_new(&r, c, argv[i + 1], "/", &e);
			if (st == QGET_OK)
				st = qget_request_set_body(r, argv[i + 2],
				    strlen(argv[i + 2]), &e);
			if (st == QGET_OK)
				st = qget_request_send(r, &e);
		} else if (strcmp(step, "get") == 0) {
			struct item it;

			memset(&it, 0, sizeof(it));
			it.method = "GET";
			it.path = argv[i + 1];
			it.fd = -1;
			run_blocking(c, &it, 1);
			printf("get %s: %s status=%d body=%" PRIu64 "\n",
			    it.path, qget_status_name(it.st),
			    it.r != NULL ? qget_response_status(it.r) : -1,
			    it.body);
			qget_request_del(it.r);
			i += 2;
			continue;
		} else {
			fprintf(stderr, "request: validate: unknown step "
			    "'%s'\n", step);
			return 2;
		}
		printf("%s", step);
		for (a = 1; a <= nargs; a++) {
			printf(" '");
			esc(stdout, argv[i + a], strlen(argv[i + a]));
			printf("'");
		}
		printf(": %s ", qget_status_name(st));
		esc(stdout, e.detail, strlen(e.detail));
		printf("\n");
		qget_request_del(r);
		r = NULL;
		i += 1 + nargs;
	}
	return 0;
}

static int
write_cb(void *arg, const void *data, size_t len)
{
	(void)arg;
	return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

static int
run_fetch(const char *url)
{
	qget_config *cfg = NULL;
	qget_result res;
	qget_error e = { 0 };
	qget_status st;

	memset(&res, 0, sizeof(res));
	res.size = sizeof(res);
	if (qget_config_new(&cfg) != QGET_OK)
		return 1;
	if (o.alpn != NULL && qget_config_set_alpn(cfg, o.alpn) != QGET_OK)
		return 2;
	if (o.cafile != NULL)
		qget_config_set_ca(cfg, o.cafile, NULL);
	qget_config_set_max_time(cfg, o.max_time);
	if (o.verbose)
		qget_config_set_log(cfg, logline, NULL);
	if (o.use_cb)
		st = qget_fetch(url, cfg, -1, write_cb, NULL, &res, &e);
	else
		st = qget_fetch(url, cfg, 1, NULL, NULL, &res, &e);
	fflush(stdout);
	fprintf(stderr, "result outcome=%s http_status=%d version=%s alpn=%s "
	    "peer=%s body=%" PRIu64 " connect_le_total=%d detail=",
	    qget_status_name(st), res.http_status, res.version, res.alpn,
	    res.peer_addr, res.body_bytes,
	    res.time_connect_us <= res.time_total_us);
	esc(stderr, e.detail, strlen(e.detail));
	fprintf(stderr, "\n");
	qget_config_del(cfg);
	return qget_status_exit_code(st);
}

static void
usage(void)
{
	fprintf(stderr, "usage: request [options] HOST PORT "
	    "get|blocking|fields|cancel|post|post-fd|post-cb|validate ARGS...\n"
	    "       request [options] fetch URL\n");
	exit(2);
}

static unsigned long
number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "alpn", required_argument, NULL, 'a' },
		{ "cafile", required_argument, NULL, 'c' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-time", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "header", required_argument, NULL, 'H' },
		{ "chunk", required_argument, NULL, 'k' },
		{ "read-delay", required_argument, NULL, 'd' },
		{ "service", no_argument, NULL, 's' },
		{ "cb", no_argument, NULL, 'b' },
		{ "cb-length", no_argument, NULL, 'l' },
		{ "cb-fail-after", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	qget_config *cfg = NULL;
	qget_conn *c = NULL;
	qget_conn_info ci;
	qget_error cerr = { 0 }, closeerr = { 0 };
	qget_status pst = QGET_OK, cst = QGET_OK, ast = QGET_OK;
	qget_event aev[8];
	size_t ak;
	struct item *items = NULL;
	const char *mode;
	size_t n = 0, i;
	int ch, goaway = 0, rc = 0, worst = 0, ec;

	while ((ch = getopt_long(argc, argv, "+a:c:p:t:m:o:H:k:d:sblf:v",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': o.alpn = optarg; break;
		case 'c': o.cafile = optarg; break;
		case 'p': o.parallel = number(optarg, 100000); break;
		case 't': o.timeout = (int)number(optarg, INT_MAX); break;
		case 'm': o.max_time = number(optarg, ULONG_MAX); break;
		case 'o': o.outdir = optarg; break;
		case 'H':
			if (o.nhdr == sizeof(o.hdr) / sizeof(o.hdr[0]))
				usage();
			o.hdr[o.nhdr++] = optarg;
			break;
		case 'k': o.chunk = number(optarg, 128 * 1024); break;
		case 'd': o.read_delay_us = number(optarg, 10000000); break;
		case 's': o.service = 1; break;
		case 'b': o.use_cb = 1; break;
		case 'l': o.cb_length = 1; break;
		case 'f': o.cb_fail_after = number(optarg, ULONG_MAX); break;
		case 'v': o.verbose = 1; break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (o.chunk == 0)
		usage();
	if ((rbuf = malloc(o.chunk)) == NULL)
		return 1;
	if (argc == 2 && strcmp(argv[0], "fetch") == 0)
		return run_fetch(argv[1]);
	if (argc < 3)
		usage();
	mode = argv[2];

	if (qget_config_new(&cfg) != QGET_OK)
		return 1;
	if (o.alpn != NULL && qget_config_set_alpn(cfg, o.alpn) != QGET_OK)
		usage();
	if (o.cafile != NULL &&
	    qget_config_set_ca(cfg, o.cafile, NULL) != QGET_OK)
		usage();
	qget_config_set_max_time(cfg, o.max_time);
	if (o.verbose)
		qget_config_set_log(cfg, logline, NULL);
	if (qget_conn_open(&c, argv[0], argv[1], cfg, &cerr) != QGET_OK) {
		printf("conn open: outcome=%s detail=",
		    qget_status_name(cerr.status));
		esc(stdout, cerr.detail, strlen(cerr.detail));
		printf("\n");
		rc = qget_status_exit_code(cerr.status);
		goto out;
	}
	conn = c;
	argc -= 3;
	argv += 3;

	if (strcmp(mode, "validate") == 0) {
		rc = run_validate(c, argc, argv);
		goto close;
	}
	if (argc < 1)
		usage();
	if ((items = calloc((size_t)argc, sizeof(*items))) == NULL) {
		rc = 1;
		goto out;
	}
	if (strcmp(mode, "get") == 0 || strcmp(mode, "blocking") == 0 ||
	    strcmp(mode, "fields") == 0 || strcmp(mode, "cancel") == 0) {
		if ((strcmp(mode, "fields") == 0 && argc != 1) ||
		    (strcmp(mode, "cancel") == 0 && argc != 2))
			usage();
		n = (size_t)argc;
		for (i = 0; i < n; i++)
			item_parse(&items[i], argv[i]);
		if (strcmp(mode, "cancel") == 0)
			items[0].cancel_me = 1;
	} else if (strcmp(mode, "post") == 0 ||
	    strcmp(mode, "post-fd") == 0 || strcmp(mode, "post-cb") == 0) {
		if (argc != 2)
			usage();
		n = 1;
		items[0].method = "POST";
		items[0].path = argv[0];
		items[0].cb_fail_after = o.cb_fail_after;
		if (strcmp(mode, "post") == 0) {
			items[0].body_kind = 1;
			items[0].bbuf = slurp(argv[1], &items[0].blen);
			if (items[0].bbuf == NULL) {
				fprintf(stderr, "request: %s: cannot read\n",
				    argv[1]);
				rc = 2;
				goto close;
			}
		} else {
			struct stat sb;

			items[0].body_kind = strcmp(mode, "post-fd") == 0 ?
			    2 : 3;
			items[0].bfd = open(argv[1], O_RDONLY | O_CLOEXEC);
			if (items[0].bfd < 0 ||
			    fstat(items[0].bfd, &sb) != 0) {
				fprintf(stderr, "request: %s: %s\n", argv[1],
				    strerror(errno));
				rc = 2;
				goto close;
			}
			items[0].cb_length = o.cb_length ?
			    (int64_t)sb.st_size : -1;
		}
	} else
		usage();
	for (i = 0; i < n; i++) {
		items[i].fd = open_out(i);
		if (items[i].body_kind == 0)
			items[i].bfd = -1;
	}

	if (strcmp(mode, "blocking") == 0 || strcmp(mode, "fields") == 0)
		run_blocking(c, items, n);
	else
		pst = run_poll(c, items, n, &goaway, &cerr);

	for (i = 0; i < n; i++) {
		print_item(i, &items[i]);
		ec = qget_status_exit_code(items[i].st);
		if (items[i].cancel_me)
			ec = items[i].st == QGET_E_INTERRUPTED ? 0 :
			    qget_status_exit_code(QGET_E_FAILURE);
		if (ec > worst)
			worst = ec;
	}
	if (strcmp(mode, "fields") == 0 && items[0].r != NULL)
		print_fields(&items[0]);
	rc = worst;
	if (pst != QGET_OK && rc == 0)
		rc = qget_status_exit_code(pst);
close:
	for (i = 0; i < n; i++) {
		qget_request_del(items[i].r);
		items[i].r = NULL;
	}
	memset(&ci, 0, sizeof(ci));
	ci.size = sizeof(ci);
	if (qget_conn_get_info(c, &ci) != QGET_OK)
		ci.alpn = "?";
	/* Once more, not waiting: a connection that failed says so again. */
	ast = qget_conn_poll(c, aev, sizeof(aev) / sizeof(aev[0]), &ak, 0,
	    NULL);
	if (strcmp(mode, "validate") != 0) {
		printf("conn alpn=%s goaway=%d poll=%s poll_after=%s", ci.alpn,
		    goaway, qget_status_name(pst), qget_status_name(ast));
		fflush(stdout);
	}
	cst = qget_conn_close_ex(c, 0, qget_conn_app_no_error(c), 0,
	    &closeerr);
	if (strcmp(mode, "validate") != 0)
		printf(" close=%s\n", qget_status_name(cst));
	if (pst != QGET_OK) {
		fprintf(stderr, "request: poll: ");
		esc(stderr, cerr.detail, strlen(cerr.detail));
		fprintf(stderr, "\n");
	}
out:
	for (i = 0; i < n; i++) {
		qget_request_del(items[i].r);
		if (items[i].fd >= 0)
			close(items[i].fd);
		if (items[i].body_kind >= 2 && items[i].bfd >= 0)
			close(items[i].bfd);
		free(items[i].bbuf);
	}
	free(items);
	free(rbuf);
	qget_conn_del(c);
	qget_config_del(cfg);
	return rc;
}
