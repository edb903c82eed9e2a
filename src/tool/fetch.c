/*
 * The transfers of one command line, as curl runs them: each URL is a
 * transfer with its own output; the transfers to one server share one
 * connection and run concurrently on it (HTTP/3 or one stream per request
 * otherwise); a redirect (-L) to the same server stays on that
 * connection, one to another server waits for its own; a transient
 * failure is retried (--retry) after a delay.  Every body goes to its
 * file, which appears only when complete (but with -C, which keeps what
 * arrived), or to stdout, where the transfers write in command-line order.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "fetch.h"
#include "output.h"
#include "progress.h"
#include "report.h"
#include "session.h"
#include "writeout.h"

#define CLOSE_TIMEOUT_MS 2000
#define READ_BUF (256 * 1024)
/* While a pipe's reader is behind, the connection is looked after at
 * least this often (milliseconds); once the reader has taken nothing
 * for IDLE_S seconds, every IDLE_MS (and at its timers, and as datagrams
 * arrive, always). */
#define SERVICE_MS 1
#define IDLE_S 0.1
#define IDLE_MS 1000
/* curl's backoff without --retry-delay: 1 s, doubling, at most 10 min. */
#define RETRY_MAX_BACKOFF 600.0

enum xstate { X_WAIT, X_ACTIVE, X_DONE };

/* One URL of the command line, through its redirects and retries. */
struct xfer {
	int idx;
	const struct tool_url *u;
	enum xstate state;
	double ready_at;        /* a retry waits until then */
	double t_start;         /* the first attempt's start */
	double t_attempt;       /* this attempt's start */
	char host[256];         /* where the current request goes */
	char port[6];
	char *path;             /* malloc'ed */
	char *url;              /* malloc'ed: the current URL */
	const char *method;
	int send_data;          /* the request carries -d's data */
	int send_file;          /* the request carries -T's file */
	int upload_fd;
	int hops;               /* redirects followed */
	unsigned retries;       /* retries made */
	int to_stdout;
	qget_request *req;
	struct tool_out out;
	int out_open;
	int out_mode;           /* OUT_*: how xfer_write() writes */
	char *dest;             /* the output file's name, malloc'ed */
	uint64_t resume_at;     /* -C: the byte the Range starts at */
	int resuming;           /* a Range was sent */
	uint64_t body;          /* this response's body bytes written */
	uint64_t length;        /* its announced length, 0 unknown */
	int redirect;           /* the response is a redirect being followed */
	char *location;         /* its Location, malloc'ed */
	int fail_after_body;    /* --fail-with-body and a status >= 400 */
	int discard;            /* a retryable status: its body is dropped */
	int finished;           /* reported (success or failure) */
	int head_seen;
	int wout_pending;       /* -w is printed once stdout is free */
	char *dump_pending;     /* -D -: heads waiting for stdout */
	size_t dump_len;
	unsigned refusals;      /* requests the server did not process */
	struct tool_xfer_stats st;
};

struct run {
	const struct tool_opts *o;
	struct xfer *xs;
	int n;
	qget_config *cfg;
	qget_conn *conn;        /* the connection of the current group */
	char host[256];         /* ... to this host and port */
	char port[6];
	int conn_by;            /* the transfer that opened it, or -1 */
	struct progress meter;
	enum progress_mode pmode;
	unsigned char *buf;
	qget_status worst;
	FILE *dump;             /* -D */
	int dump_close;
	unsigned char *session; /* the first server's newest session */
	size_t session_len;
	int session_ok;         /* every transfer to it succeeded */
	double t0;
	unsigned done;
	uint64_t ul_total;      /* every upload's size, when known */
	int conn_spent;         /* GOAWAY or a connection failure: nothing
	                         * more is started on it */
	qget_event *svc;        /* what servicing the connection reports ... */
	qget_event *stash;      /* ... kept for run_group(), one per request */
	size_t svc_cap, nstash; /* (both hold svc_cap events) */
};

static void
set_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
}

static int
is_ipv6_literal(const char *h)
{
	return strchr(h, ':') != NULL;
}

/* "https://host:port/path", brackets around an IPv6 literal. */
static char *
make_url(const char *host, const char *port, const char *path)
{
	size_t len = strlen(host) + strlen(port) + strlen(path) + 16;
	char *u = malloc(len);

	if (u == NULL)
		return NULL;
	if (strcmp(port, "443") == 0)
		snprintf(u, len, is_ipv6_literal(host) ? "https://[%s]%s" :
		    "https://%s%s", host, path);
	else
		snprintf(u, len, is_ipv6_literal(host) ? "https://[%s]:%s%s" :
		    "https://%s:%s%s", host, port, path);
	return u;
}

static void
progress_numbers(struct run *r, struct progress_numbers *pn)
{
	memset(pn, 0, sizeof(*pn));
	pn->xfers_total = (unsigned)r->n;
	pn->xfers_done = r->done;
	pn->ul_total = r->ul_total;
	int known = 1;

	for (int i = 0; i < r->n; i++) {
		struct xfer *x = &r->xs[i];

		pn->dl_now += x->st.size_download;
		pn->ul_now += x->st.size_upload;
		if (x->state == X_ACTIVE)
			pn->xfers_live++;
		/* The total is known once every transfer announced its
		 * length (a finished one counts what it got). */
		if (x->state == X_DONE)
			pn->dl_total += x->st.size_download;
		else if (x->length > 0)
			pn->dl_total += x->length;
		else
			known = 0;
	}
	if (!known)
		pn->dl_total = 0;
}

static void
meter_tick(struct run *r)
{
	struct progress_numbers pn;

	if (r->pmode == PROGRESS_OFF)
		return;
	progress_numbers(r, &pn);
	progress_update(&r->meter, tool_now(), &pn);
}

/* ---- connection ------------------------------------------------------ */

/* --resolve and --connect-to for this host and port: the first match
 * decides, as in curl. */
static qget_status
route(const struct tool_opts *o, qget_config *cfg, const char *host,
    const char *port, char *msg, size_t msglen)
{
	const char *to_host = NULL, *to_port = NULL;
	qget_status rv;

	for (int i = 0; i < o->nresolve && to_host == NULL; i++) {
		const struct tool_resolve *rs = &o->resolve[i];

		if ((strcmp(rs->host, "*") == 0 ||
		    strcasecmp(rs->host, host) == 0) &&
		    strcmp(rs->port, port) == 0)
			to_host = rs->addr;
	}
	for (int i = 0; i < o->nconnect_to && to_host == NULL &&
	    to_port == NULL; i++) {
		const struct tool_connect_to *ct = &o->connect_to[i];

		if ((ct->host[0] == '\0' || strcasecmp(ct->host, host) == 0) &&
		    (ct->port[0] == '\0' || strcmp(ct->port, port) == 0)) {
			to_host = ct->to_host[0] != '\0' ? ct->to_host : NULL;
			to_port = ct->to_port[0] != '\0' ? ct->to_port : NULL;
			if (to_host == NULL && to_port == NULL)
				break;
		}
	}
	if ((rv = qget_config_set_connect_to(cfg, to_host, to_port)) !=
	    QGET_OK) {
		snprintf(msg, msglen, "cannot connect %.100s:%s to %.100s:%s",
		    host, port, to_host ? to_host : host,
		    to_port ? to_port : port);
		return rv;
	}
	if (to_host != NULL || to_port != NULL)
		tool_verbose(o, "connecting to %s port %s for %s:%s",
		    to_host ? to_host : host, to_port ? to_port : port, host,
		    port);
	return QGET_OK;
}

static void
describe_conn(const struct tool_opts *o, qget_conn *conn)
{
	qget_conn_info info = { .size = sizeof(info) };

	if (!o->verbose || qget_conn_get_info(conn, &info) != QGET_OK)
		return;
	tool_verbose(o, "ALPN: %s", info.alpn);
	tool_verbose(o, "protocol: %s, TLSv1.3 %s%s", info.version, info.cipher,
	    info.resumed ? " (resumed)" : "");
	tool_verbose(o, "server certificate: subject %s", info.peer_subject);
	tool_verbose(o, "server certificate: issuer %s", info.peer_issuer);
	tool_verbose(o, "server certificate: verification %s", info.verify);
	tool_verbose(o, "handshake: %.1f ms", (double)info.handshake_us / 1000.0);
}

/* "127.0.0.1:4433", "[::1]:4433" into address and port. */
static void
split_addr(const char *a, char *ip, size_t cap, int *port)
{
	const char *colon = strrchr(a, ':');
	size_t len;

	*port = 0;
	ip[0] = '\0';
	if (colon == NULL)
		return;
	len = (size_t)(colon - a);
	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		a++;
		len -= 2;
	}
	if (len < cap) {
		memcpy(ip, a, len);
		ip[len] = '\0';
	}
	*port = atoi(colon + 1);
}

static void *
sa_addr(struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ?
	    (void *)&((struct sockaddr_in6 *)ss)->sin6_addr :
	    (void *)&((struct sockaddr_in *)ss)->sin_addr;
}

static int
sa_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
	    ((const struct sockaddr_in6 *)ss)->sin6_port :
	    ((const struct sockaddr_in *)ss)->sin_port);
}

/*
 * The local address for %{local_ip}.  qget's socket is not bound to one
 * (getsockname says 0.0.0.0 or ::), so this asks the kernel which source
 * address it picks for the peer, as a connected socket of its own learns
 * without sending anything.
 */
static void
local_ip(const char *peer, int peer_port, struct sockaddr_storage *ss,
    char *buf, size_t cap)
{
	struct sockaddr_storage to, from;
	socklen_t fl = sizeof(from);
	int fd;

	inet_ntop(ss->ss_family, sa_addr(ss), buf, cap);
	memset(&to, 0, sizeof(to));
	to.ss_family = ss->ss_family;
	if (inet_pton(to.ss_family, peer, sa_addr(&to)) != 1)
		return;
	if (to.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&to)->sin6_port = htons(peer_port);
	else
		((struct sockaddr_in *)&to)->sin_port = htons(peer_port);
	if ((fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(fd, (struct sockaddr *)&to, to.ss_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&from, &fl) == 0)
		inet_ntop(from.ss_family, sa_addr(&from), buf, cap);
	close(fd);
}

/* What every transfer on this connection reports about it. */
static void
conn_stats(struct run *r, struct xfer *x)
{
	qget_conn_info info = { .size = sizeof(info) };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = qget_conn_get_fd(r->conn);

	if (qget_conn_get_info(r->conn, &info) != QGET_OK)
		return;
	set_str(x->st.alpn, sizeof(x->st.alpn), info.alpn);
	set_str(x->st.quic_version, sizeof(x->st.quic_version), info.version);
	set_str(x->st.cipher, sizeof(x->st.cipher), info.cipher);
	x->st.resumed = info.resumed;
	split_addr(info.peer_addr, x->st.remote_ip, sizeof(x->st.remote_ip),
	    &x->st.remote_port);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	x->st.local_port = sa_port(&ss);
	local_ip(x->st.remote_ip, x->st.remote_port, &ss, x->st.local_ip,
	    sizeof(x->st.local_ip));
}

/* ---- a transfer's end ------------------------------------------------ */

/* Drops the events kept for req (r->stash), which is going away. */
static void
forget_events(struct run *r, const qget_request *req)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nstash; i++)
		if (r->stash[i].req != req || req == NULL)
			r->stash[k++] = r->stash[i];
	r->nstash = k;
}

static void
xfer_release(struct run *r, struct xfer *x)
{
	if (x->req != NULL)
		forget_events(r, x->req);
	qget_request_del(x->req);
	x->req = NULL;
	if (x->out_open) {
		out_abort(&x->out);
		out_close(&x->out);
		x->out_open = 0;
	}
	if (x->upload_fd > STDIN_FILENO)
		close(x->upload_fd);
	x->upload_fd = -1;
	free(x->location);
	x->location = NULL;
}

/*
 * -w's lines, in the order the transfers ended, but never into the middle
 * of a body that is going to stdout: they wait until none is (`all`: at
 * the end, whatever is left).
 */
static qget_status write_head(struct tool_out *out, FILE *f,
    const char *text, size_t len, char *msg, size_t msglen);

static int
stdout_busy(const struct run *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->xs[i].to_stdout && r->xs[i].state == X_ACTIVE)
			return 1;
	return 0;
}

static void
flush_writeouts(struct run *r, int all)
{
	char msg[64];
	int printed = 0;

	if (!all && stdout_busy(r))
		return;
	for (int i = 0; i < r->n; i++) {
		struct xfer *x = &r->xs[i];

		if (x->dump_pending != NULL) {
			write_head(NULL, stdout, x->dump_pending, x->dump_len,
			    msg, sizeof(msg));
			free(x->dump_pending);
			x->dump_pending = NULL;
			x->dump_len = 0;
		}
		if (!x->wout_pending)
			continue;
		if (!printed)
			progress_end(&r->meter);
		printed = 1;
		x->wout_pending = 0;
		tool_writeout(stdout, stderr, r->o->writeout, &x->st);
	}
	if (printed)
		fflush(stdout);
}

/* The transfer is over: -w, the counts, the worst status. */
static void
xfer_finish(struct run *r, struct xfer *x, qget_status st)
{
	const struct tool_opts *o = r->o;

	if (x->finished)
		return;
	x->finished = 1;
	x->state = X_DONE;
	r->done++;
	if (x->t_start == 0)
		x->t_start = tool_now();
	x->st.time_total = tool_now() - x->t_start;
	x->st.num_retries = (int)x->retries;
	if (st == QGET_OK) {
		x->st.exitcode = 0;
		tool_stats_set(&x->st.errormsg, NULL, 0);
	}
	if (tool_exit_code(st) > tool_exit_code(r->worst))
		r->worst = st;
	if (st != QGET_OK && strcmp(x->host, r->xs[0].u->host) == 0 &&
	    strcmp(x->port, r->xs[0].u->port) == 0)
		r->session_ok = 0;
	x->wout_pending = o->writeout != NULL;
	flush_writeouts(r, 0);
}

/* A failure that ends the transfer: said once, its output discarded. */
static void
xfer_fail(struct run *r, struct xfer *x, qget_status st, const char *detail)
{
	char line[1200];

	if (x->finished)
		return;
	if (r->n > 1)
		snprintf(line, sizeof(line), "%s: %s", x->u->arg, detail);
	else
		snprintf(line, sizeof(line), "%s", detail);
	tool_report(&x->st, &r->meter, st, line);
	if (x->req != NULL)
		qget_request_cancel(x->req);
	xfer_release(r, x);
	xfer_finish(r, x, st);
}

static int
transient_status(int http)
{
	return http == 408 || http == 429 || http == 500 || http == 502 ||
	    http == 503 || http == 504;
}

/* curl's transient errors (--retry), and all but the ones no retry can
 * mend with --retry-all-errors. */
static int
retryable(const struct tool_opts *o, qget_status st, int http)
{
	switch (st) {
	case QGET_E_VERIFY:
	case QGET_E_ALPN:
	case QGET_E_USAGE:
	case QGET_E_OUTPUT:
	case QGET_E_INTERRUPTED:
	case QGET_E_NOMEM:
	case QGET_E_TOO_LARGE:
	case QGET_E_REDIRECT:
		return 0;
	case QGET_E_CONNECT:
	case QGET_E_TIMEOUT:
	case QGET_E_IDLE_TIMEOUT:
	case QGET_E_CONN_CLOSED:
	case QGET_E_REFUSED:
		return 1;
	default:
		break;
	}
	if (transient_status(http))
		return 1;
	return o->retry_all_errors;
}

/* Retry-After in seconds (RFC 9110 10.2.3; the date form is not used by
 * the servers qget meets), or -1. */
static double
retry_after(const qget_request *req)
{
	size_t len;
	const char *v = req != NULL ? qget_response_header(req, "retry-after",
	    &len) : NULL;
	double s = 0;

	if (v == NULL || len == 0 || len > 7)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		s = s * 10 + (v[i] - '0');
	}
	return s < RETRY_MAX_BACKOFF ? s : RETRY_MAX_BACKOFF;
}

/*
 * A failed attempt: retried when --retry allows (one line on stderr
 * saying so), else the transfer's failure.  What went to stdout cannot be
 * taken back, so a transfer that wrote there is not retried.
 */
static void
xfer_attempt_failed(struct run *r, struct xfer *x, qget_status st, int http,
    const char *detail)
{
	const struct tool_opts *o = r->o;
	double now = tool_now(), delay;

	if (x->finished)
		return;
	/* A request the server did not process (past its GOAWAY) is sent
	 * again on a new connection, as curl does, a few times at most. */
	if (st == QGET_E_REFUSED && x->refusals < 5 &&
	    !(x->send_file && x->upload_fd == STDIN_FILENO)) {
		x->refusals++;
		tool_verbose(o, "%s: not processed by the server: sending it "
		    "again on a new connection", x->url);
		if (x->req != NULL)
			qget_request_cancel(x->req);
		xfer_release(r, x);
		x->state = X_WAIT;
		x->ready_at = 0;
		x->st.size_download = 0;
		x->body = 0;
		return;
	}
	if (o->retry > x->retries && retryable(o, st, http) &&
	    !(x->to_stdout && x->st.size_download > 0) &&
	    !(x->send_file && x->upload_fd == STDIN_FILENO)) {
		if (o->retry_delay_set && o->retry_delay_ms > 0)
			delay = (double)o->retry_delay_ms / 1000.0;
		else if ((delay = retry_after(x->req)) < 0) {
			delay = 1.0;
			for (unsigned i = 0; i < x->retries &&
			    delay < RETRY_MAX_BACKOFF; i++)
				delay *= 2;
			if (delay > RETRY_MAX_BACKOFF)
				delay = RETRY_MAX_BACKOFF;
		}
		if (o->retry_max_time_ms == 0 || (now + delay - x->t_start) *
		    1000.0 <= (double)o->retry_max_time_ms) {
			x->retries++;
			progress_end(&r->meter);
			if (!o->silent)
				fprintf(stderr, "qget: warning: %s%s%s; "
				    "retrying in %.1f s (%u of %u)\n",
				    r->n > 1 ? x->u->arg : "",
				    r->n > 1 ? ": " : "", detail, delay,
				    x->retries, o->retry);
			if (x->req != NULL)
				qget_request_cancel(x->req);
			xfer_release(r, x);
			x->state = X_WAIT;
			x->ready_at = now + delay;
			x->st.size_download = 0;
			x->st.size_upload = 0;
			x->body = 0;
			return;
		}
	}
	xfer_fail(r, x, st, detail);
}

/* ---- a transfer's output ------------------------------------------- */

/* The name -o or -O gives the output, with --output-dir; NULL: stdout. */
static qget_status
xfer_dest(struct run *r, struct xfer *x, char *msg, size_t msglen)
{
	const struct tool_opts *o = r->o;
	char name[NAME_MAX + 1];
	const char *file = NULL;
	size_t len;

	if (x->u->output != NULL && strcmp(x->u->output, "-") != 0)
		file = x->u->output;
	else if (x->u->remote_name) {
		if (tool_remote_name(x->u->path, name, sizeof(name)) != 0) {
			snprintf(msg, msglen, "-O: %s names no file", x->u->arg);
			return QGET_E_USAGE;
		}
		file = name;
	}
	if (file == NULL)
		return QGET_OK;
	if (o->output_dir != NULL && file[0] != '/') {
		len = strlen(o->output_dir) + strlen(file) + 2;
		if ((x->dest = malloc(len)) != NULL)
			snprintf(x->dest, len, "%s/%s", o->output_dir, file);
	} else {
		x->dest = strdup(file);
	}
	if (x->dest == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_NOMEM;
	}
	return QGET_OK;
}

/* How xfer_write() writes an output without blocking: a pipe, FIFO or
 * socket, which poll() says when it takes more, with RWF_NOWAIT, or
 * plainly when the descriptor is non-blocking already (a FIFO given to
 * -o: output.c); a regular file or a terminal blocks, as always. */
enum { OUT_BLOCK, OUT_NOWAIT, OUT_NONBLOCK };

static int
out_write_mode(int fd)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode)))
		return OUT_BLOCK;
	fl = fcntl(fd, F_GETFL);
	return fl != -1 && (fl & O_NONBLOCK) ? OUT_NONBLOCK : OUT_NOWAIT;
}

static qget_status
xfer_open_out(struct run *r, struct xfer *x, char *msg, size_t msglen)
{
	qget_status rv;

	if (x->out_open)
		return QGET_OK;
	if (x->dest != NULL && r->o->create_dirs &&
	    (rv = out_make_dirs(x->dest, msg, msglen)) != QGET_OK)
		return rv;
	if (r->o->resume && x->dest != NULL) {
		uint64_t size;

		if ((rv = out_open_resume(&x->out, x->dest, &size, msg,
		    msglen)) != QGET_OK)
			return rv;
		/* -C N names the byte the file ends at: anything else would
		 * leave a gap or a repeat in it.  A retry goes on from what
		 * the file holds by then. */
		if (r->o->resume_from >= 0 && x->retries == 0 &&
		    x->hops == 0 && size != (uint64_t)r->o->resume_from) {
			out_close(&x->out);
			snprintf(msg, msglen, "-C %lld: %s holds %llu bytes; "
			    "-C - resumes from its end", (long long)
			    r->o->resume_from, x->dest,
			    (unsigned long long)size);
			return QGET_E_USAGE;
		}
		x->resume_at = size;
	} else if ((rv = out_open(&x->out, x->dest, msg, msglen)) != QGET_OK) {
		return rv;
	}
	x->out_open = 1;
	x->out_mode = out_write_mode(x->out.fd);
	tool_stats_set(&x->st.filename_effective, x->dest,
	    x->dest != NULL ? strlen(x->dest) : 0);
	return QGET_OK;
}

/* ---- requests ------------------------------------------------------- */

static int
has_header(const struct tool_opts *o, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], name, n) == 0 &&
		    o->headers[i][n] == ':')
			return 1;
	return 0;
}

/* Credentials a user gave for one server are not sent to another after a
 * redirect (curl's CVE-2018-1000007 and CVE-2022-27776). */
static int
is_credential(const char *h)
{
	static const char *const names[] = { "authorization:", "cookie:",
	    "proxy-authorization:" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncasecmp(h, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

static qget_status
add_header(qget_request *req, const char *h, qget_error *err)
{
	const char *colon = strchr(h, ':');
	char *name;
	qget_status rv;

	if ((name = strndup(h, (size_t)(colon - h))) == NULL) {
		snprintf(err->detail, sizeof(err->detail), "out of memory");
		return QGET_E_NOMEM;
	}
	rv = qget_request_add_header(req, name, colon + 1, err);
	free(name);
	return rv;
}

/* -T URL/ : the file's name is added, as curl does. */
static qget_status
upload_path(struct xfer *x, char *msg, size_t msglen)
{
	const char *file = x->u->upload, *base;
	size_t plen = strlen(x->path), len;
	char *p;

	if (file == NULL || plen == 0 || x->path[plen - 1] != '/' ||
	    strcmp(file, "-") == 0)
		return QGET_OK;
	base = strrchr(file, '/');
	base = base != NULL ? base + 1 : file;
	if (*base == '\0' || strcspn(base, " %?#\t\r\n") != strlen(base)) {
		snprintf(msg, msglen, "-T %s: cannot name it in the URL; give "
		    "the file's name in the URL", file);
		return QGET_E_USAGE;
	}
	len = plen + strlen(base) + 1;
	if ((p = malloc(len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_NOMEM;
	}
	snprintf(p, len, "%s%s", x->path, base);
	free(x->path);
	x->path = p;
	return QGET_OK;
}

/* Builds and sends the transfer's current request on r->conn.  A failure
 * of this transfer alone is handled here; one returned is the
 * connection's. */
static qget_status
xfer_start(struct run *r, struct xfer *x)
{
	const struct tool_opts *o = r->o;
	char msg[512], range[64];
	qget_error err;
	qget_status rv;

	memset(&err, 0, sizeof(err));
	x->state = X_ACTIVE;
	x->t_attempt = tool_now();
	if (x->t_start == 0)
		x->t_start = x->t_attempt;
	x->body = 0;
	x->length = 0;
	x->redirect = 0;
	x->discard = 0;
	x->fail_after_body = 0;
	x->head_seen = 0;
	x->resuming = 0;
	conn_stats(r, x);
	if (r->conn_by == x->idx) {
		qget_conn_info info = { .size = sizeof(info) };

		r->conn_by = -1;
		x->st.num_connects++;
		if (qget_conn_get_info(r->conn, &info) == QGET_OK) {
			double base = x->t_attempt - (double)info.open_us / 1e6
			    - x->t_start;

			x->st.time_namelookup = base +
			    (double)info.resolve_us / 1e6;
			x->st.time_appconnect = base +
			    (double)info.open_us / 1e6;
			x->st.time_connect = x->st.time_appconnect;
		}
	} else if (x->st.time_appconnect < 0) {
		/* A connection another transfer opened, as curl's reuse. */
		x->st.time_namelookup = x->st.time_connect =
		    x->st.time_appconnect = x->t_attempt - x->t_start;
	}
	tool_stats_set(&x->st.url_effective, x->url, strlen(x->url));
	set_str(x->st.method, sizeof(x->st.method), x->method);
	/* -C: the file is opened first, its size is where the Range
	 * starts. */
	if (o->resume && x->dest != NULL &&
	    (rv = xfer_open_out(r, x, msg, sizeof(msg))) != QGET_OK) {
		xfer_fail(r, x, rv, msg);
		return QGET_OK;
	}
	if ((rv = qget_request_new(&x->req, r->conn, x->method, x->path,
	    &err)) != QGET_OK)
		goto fail;
	qget_request_set_user(x->req, x);
	for (int i = 0; i < o->nheaders; i++) {
		if (x->hops > 0 && is_credential(o->headers[i]) &&
		    (strcasecmp(x->host, x->u->host) != 0 ||
		    strcmp(x->port, x->u->port) != 0))
			continue;
		if ((rv = add_header(x->req, o->headers[i], &err)) != QGET_OK)
			goto fail;
	}
	if (o->user_agent != NULL && !has_header(o, "user-agent") &&
	    (rv = qget_request_add_header(x->req, "User-Agent", o->user_agent,
	    &err)) != QGET_OK)
		goto fail;
	if (o->referer != NULL && !has_header(o, "referer") &&
	    (rv = qget_request_add_header(x->req, "Referer", o->referer,
	    &err)) != QGET_OK)
		goto fail;
	if (x->resume_at > 0) {
		snprintf(range, sizeof(range), "bytes=%" PRIu64 "-",
		    x->resume_at);
		if ((rv = qget_request_add_header(x->req, "Range", range,
		    &err)) != QGET_OK)
			goto fail;
		x->resuming = 1;
	}
	if (x->send_data) {
		if (!has_header(o, "content-type") &&
		    (rv = qget_request_add_header(x->req, "Content-Type",
		    "application/x-www-form-urlencoded", &err)) != QGET_OK)
			goto fail;
		if ((rv = qget_request_set_body(x->req, o->data, o->data_len,
		    &err)) != QGET_OK)
			goto fail;
		x->st.size_upload = o->data_len;
		if (x->retries == 0 && x->hops == 0 && x->refusals == 0)
			r->ul_total += o->data_len;
	} else if (x->send_file) {
		if (strcmp(x->u->upload, "-") == 0) {
			x->upload_fd = STDIN_FILENO;
		} else if ((x->upload_fd = open(x->u->upload, O_RDONLY |
		    O_CLOEXEC)) == -1) {
			snprintf(msg, sizeof(msg), "-T %s: %s", x->u->upload,
			    strerror(errno));
			xfer_fail(r, x, QGET_E_USAGE, msg);
			return QGET_OK;
		}
		if ((rv = qget_request_set_body_fd(x->req, x->upload_fd,
		    &err)) != QGET_OK)
			goto fail;
		if (x->retries == 0 && x->hops == 0 && x->refusals == 0) {
			struct stat sb;

			if (fstat(x->upload_fd, &sb) == 0 && S_ISREG(sb.st_mode))
				r->ul_total += (uint64_t)sb.st_size;
		}
	}
	x->st.time_pretransfer = tool_now() - x->t_start;
	if ((rv = qget_request_send(x->req, &err)) != QGET_OK) {
		if (rv == QGET_E_USAGE || rv == QGET_E_REFUSED ||
		    rv == QGET_E_NOMEM)
			goto fail;
		return rv;
	}
	if (x->resuming)
		tool_verbose(o, "%s: resuming at byte %" PRIu64, x->url,
		    x->resume_at);
	return QGET_OK;
fail:
	xfer_attempt_failed(r, x, rv, 0, qget_error_str(&err));
	return QGET_OK;
}

/* ---- responses -------------------------------------------------------- */

static int
is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

/*
 * Content-Range (RFC 9110 14.4) for a resume: does v, after `prefix`
 * ("bytes " before a 206's first byte, "bytes *" and a slash before a
 * 416's total), hold the decimal number `want`, followed by `end` (or by
 * nothing when end is NUL)?  Digits only: no sign, no blank.
 */
static int
content_range_is(const char *v, size_t len, const char *prefix, char end,
    uint64_t want)
{
	size_t plen = strlen(prefix), i;
	uint64_t n = 0;

	if (v == NULL || len <= plen || memcmp(v, prefix, plen) != 0)
		return 0;
	for (i = plen; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
		if (n > (UINT64_MAX - 9) / 10)
			return 0;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (i == plen || n != want)
		return 0;
	return end != '\0' ? i < len && v[i] == end : i == len;
}

/*
 * A response head for -i or -D: as received, but escaped line by line
 * when it goes to a terminal, where a header value's ESC or BEL would
 * drive the screen.  `out` is -i's output, or NULL for the stream f.
 */
static qget_status
write_head(struct tool_out *out, FILE *f, const char *text, size_t len,
    char *msg, size_t msglen)
{
	size_t cap = len * 4 + 2;
	char *buf, *p;
	qget_status rv = QGET_OK;

	if (!isatty(out != NULL ? out->fd : fileno(f))) {
		if (out != NULL)
			return out_write(out, text, len, msg, msglen);
		fwrite(text, 1, len, f);
		fflush(f);
		return QGET_OK;
	}
	/* At most four bytes for one ("\xNN"), and a newline per line. */
	if ((buf = malloc(cap)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_NOMEM;
	}
	p = buf;
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - text) + 1 : len, k = n;

		while (k > 0 && (text[k - 1] == '\n' || text[k - 1] == '\r'))
			k--;
		p += tool_escape(p, cap - (size_t)(p - buf), text, k);
		*p++ = '\n';
		text += n;
		len -= n;
	}
	if (out != NULL) {
		rv = out_write(out, buf, (size_t)(p - buf), msg, msglen);
	} else {
		fwrite(buf, 1, (size_t)(p - buf), f);
		fflush(f);
	}
	free(buf);
	return rv;
}

/* -D: heads for stdout wait, as -w does, while a body is going there. */
static void
dump_head(struct run *r, struct xfer *x, const char *text, size_t len)
{
	char msg[64];
	char *copy;

	if (r->dump == NULL || len == 0)
		return;
	if (r->dump == stdout && !x->to_stdout && stdout_busy(r)) {
		size_t old = x->dump_len;

		if ((copy = realloc(x->dump_pending, old + len)) == NULL)
			return;
		memcpy(copy + old, text, len);
		x->dump_pending = copy;
		x->dump_len = old + len;
		return;
	}
	write_head(NULL, r->dump, text, len, msg, sizeof(msg));
}

/* The head of a response: a redirect to follow, a status that fails or
 * is retried, a resume the server did or did not honour, -i, -D. */
static void
xfer_head(struct run *r, struct xfer *x)
{
	const struct tool_opts *o = r->o;
	const char *text, *reason = "", *v;
	size_t len, rlen = 0, vlen;
	int status = qget_response_status(x->req);
	char msg[600];
	qget_status rv;
	qget_request_info info = { .size = sizeof(info) };

	x->head_seen = 1;
	x->st.time_starttransfer = tool_now() - x->t_start;
	qget_response_head(x->req, &text, &len);
	qget_request_get_info(x->req, &info);
	x->st.size_header += len;
	/* HTTP/0.9 (hq-interop) has a version too, as -w documents. */
	v = qget_response_version(x->req);
	set_str(x->st.http_version, sizeof(x->st.http_version),
	    strncmp(v, "HTTP/", 5) == 0 ? v + 5 : v);
	if (status == 0) /* no head: hq-interop, HTTP/0.9 */
		return;
	x->st.http_code = status;
	if ((v = qget_response_header(x->req, "content-type", &vlen)) != NULL) {
		char ct[256];

		tool_escape(ct, sizeof(ct), v, vlen);
		tool_stats_set(&x->st.content_type, ct, strlen(ct));
	}
	if (strncmp(text, "HTTP/1.", 7) == 0 && len > 13) {
		reason = text + 13;
		rlen = strcspn(reason, "\r\n");
	}
	tool_verbose(o, "%s: response: %s %d%s%.*s%s", x->url,
	    qget_response_version(x->req), status, rlen ? " " : "", (int)rlen,
	    reason, info.has_length ? "" : " (no content-length)");
	dump_head(r, x, text, len);

	if (o->location && is_redirect(status) &&
	    (v = qget_response_header(x->req, "location", &vlen)) != NULL) {
		x->redirect = 1;
		if ((x->location = strndup(v, vlen)) == NULL) {
			xfer_fail(r, x, QGET_E_NOMEM, "out of memory");
			return;
		}
		if (o->include) {
			if ((rv = xfer_open_out(r, x, msg, sizeof(msg))) !=
			    QGET_OK || (rv = write_head(&x->out, NULL, text,
			    len, msg, sizeof(msg))) != QGET_OK)
				xfer_fail(r, x, rv, msg);
		}
		return;
	}
	/* As curl: 408, 429 and 5xx but 501 are transient; another status
	 * is an error to retry only when -f makes it one. */
	if (o->retry > x->retries && status >= 400 &&
	    retryable(o, QGET_E_HTTP_ERROR, status) &&
	    (transient_status(status) || o->fail || o->fail_with_body)) {
		/* Its body is not the answer: dropped, and asked again. */
		x->discard = status;
		return;
	}
	/* Read before the calls below: an argument list has no order. */
	vlen = 0;
	v = x->resuming ? qget_response_header(x->req, "content-range",
	    &vlen) : NULL;
	if (x->resuming && status == 416 && content_range_is(v, vlen,
	    "bytes */", '\0', x->resume_at)) {
		tool_verbose(o, "%s: the file is complete already", x->url);
		x->discard = -1;
		return;
	}
	/* Only the range asked for goes into the file the user resumes:
	 * an error page or the whole body would corrupt it. */
	if (x->resuming && (status != 206 ||
	    !content_range_is(v, vlen, "bytes ", '-', x->resume_at))) {
		if ((o->fail || o->fail_with_body) && status >= 400) {
			snprintf(msg, sizeof(msg), "the server answered %d%s"
			    "%.*s; the file is left as it was", status,
			    rlen ? " " : "", (int)rlen, reason);
			xfer_attempt_failed(r, x, QGET_E_HTTP_ERROR, status,
			    msg);
			return;
		}
		snprintf(msg, sizeof(msg), "the server answered %d instead of "
		    "the range from byte %" PRIu64 ": it cannot resume; the "
		    "file is left as it was", status, x->resume_at);
		xfer_fail(r, x, QGET_E_RANGE, msg);
		return;
	}
	if (o->fail && status >= 400) {
		snprintf(msg, sizeof(msg), "the server answered %d%s%.*s",
		    status, rlen ? " " : "", (int)rlen, reason);
		xfer_attempt_failed(r, x, QGET_E_HTTP_ERROR, status, msg);
		return;
	}
	if (o->fail_with_body && status >= 400)
		x->fail_after_body = status;
	if (info.has_length && !o->head) {
		x->length = info.content_length;
		if (o->max_filesize > 0 && info.content_length +
		    x->resume_at > o->max_filesize) {
			snprintf(msg, sizeof(msg), "the response is %" PRIu64
			    " bytes, more than --max-filesize %" PRIu64,
			    info.content_length + x->resume_at,
			    o->max_filesize);
			xfer_fail(r, x, QGET_E_TOO_LARGE, msg);
			return;
		}
	}
	if ((rv = xfer_open_out(r, x, msg, sizeof(msg))) != QGET_OK) {
		xfer_fail(r, x, rv, msg);
		return;
	}
	if (o->include && len > 0 && (rv = write_head(&x->out, NULL, text,
	    len, msg, sizeof(msg))) != QGET_OK)
		xfer_fail(r, x, rv, msg);
}

/* curl's refusal to draw a binary body on a terminal, unless -o - says
 * to. */
static int
binary_to_terminal(const struct xfer *x, const void *buf, size_t n)
{
	return x->out.fd == STDOUT_FILENO && x->u->output == NULL &&
	    isatty(STDOUT_FILENO) && memchr(buf, '\0', n) != NULL;
}

/* ---- back-pressure ---------------------------------------------------
 *
 * A pipe or FIFO read slowly must hold the server back, not fill qget's
 * memory.  Body bytes are taken from the library only as fast as the
 * output takes them, so the library stops reading the stream and QUIC's
 * flow control holds the server.  A write that blocked would stop the
 * connection as well, though: no acknowledgement would be processed or
 * sent meanwhile, which inflates OpenSSL's RTT estimate and with it the
 * flow-control window OpenSSL auto-tunes from it (up to 6 MiB a stream,
 * with no way to cap it in OpenSSL 3.5), which the server fills and
 * OpenSSL then holds.  So such writes do not block (RWF_NOWAIT on
 * stdout, per call, since O_NONBLOCK would change the pipe for every
 * process sharing it; a FIFO that -o opened is non-blocking, output.c),
 * and while the output is full qget_conn_poll() with timeout 0 looks
 * after the connection as datagrams arrive, at its timers, and every
 * SERVICE_MS; the library reads the network then while it holds little
 * of what the program has not taken (request.c, pull()).  The events it
 * reports meanwhile wait in r->stash for run_group(), merged per request.
 */

static void
stash_events(struct run *r, const qget_event *evs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		size_t i;

		for (i = 0; i < r->nstash; i++)
			if (r->stash[i].req == evs[k].req)
				break;
		if (i < r->nstash) {
			r->stash[i].what |= evs[k].what;
			continue;
		}
		/* Room for every transfer's request and GOAWAY's event:
		 * those of a request are dropped when it is freed. */
		if (r->nstash < r->svc_cap)
			r->stash[r->nstash++] = evs[k];
	}
}

/* Is fd readable now? */
static int
readable_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

/*
 * Waits until x's output may take more, looking after the connection
 * meanwhile: when datagrams arrive (*wake_rx), at the connection's next
 * timer, and every SERVICE_MS while the reader takes data.  A service
 * that leaves datagrams in the socket means that the library holds
 * enough of what the program has not taken (request.c, pull()): the
 * next wait is then not woken by them.  *service is 0 once servicing
 * failed: the failure comes with run_group()'s next qget_conn_poll().
 */
static qget_status
wait_output(struct run *r, struct xfer *x, double since, int *service,
    int *wake_rx)
{
	struct pollfd pfd[2] = { { .fd = x->out.fd, .events = POLLOUT },
	    { .fd = -1, .events = POLLIN } };
	int64_t ms = -1;
	int timeout = -1;
	qget_error err;
	size_t n = 0;

	if (*service) {
		timeout = tool_now() - since < IDLE_S ? SERVICE_MS : IDLE_MS;
		if (qget_conn_get_timeout(r->conn, &ms) == QGET_OK && ms >= 0 &&
		    ms < timeout)
			timeout = (int)ms;
		if (*wake_rx)
			pfd[1].fd = qget_conn_get_fd(r->conn);
	}
	if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
		return QGET_E_OUTPUT;
	/* qget's only signal handlers are those that stop it. */
	if (tool_stop_signal != 0)
		return QGET_E_INTERRUPTED;
	if (!*service)
		return QGET_OK;
	memset(&err, 0, sizeof(err));
	if (qget_conn_poll(r->conn, r->svc, r->svc_cap, &n, 0, &err) !=
	    QGET_OK)
		*service = 0;
	stash_events(r, r->svc, n);
	*wake_rx = !readable_now(qget_conn_get_fd(r->conn));
	return QGET_OK;
}

/* out_write(), without blocking the connection on a pipe, FIFO or
 * socket. */
static qget_status
xfer_write(struct run *r, struct xfer *x, const unsigned char *p, size_t n,
    char *msg, size_t msglen)
{
	int service = r->conn != NULL && r->svc != NULL, wake_rx = 1;
	double since = 0;
	qget_status rv;

	while (n > 0 && x->out_mode != OUT_BLOCK) {
		struct iovec iov = { .iov_base = (void *)(uintptr_t)p,
		    .iov_len = n };
		ssize_t w = x->out_mode == OUT_NONBLOCK ? write(x->out.fd, p,
		    n) : pwritev2(x->out.fd, &iov, 1, -1, RWF_NOWAIT);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			x->out.written += (uint64_t)w;
			since = 0;
			continue;
		}
		if (w < 0 && errno == EAGAIN) {
			if (since == 0)
				since = tool_now();
			if ((rv = wait_output(r, x, since, &service,
			    &wake_rx)) !=
			    QGET_OK) {
				snprintf(msg, msglen, "cannot write %s: %s",
				    x->out.path ? x->out.path : "to stdout",
				    rv == QGET_E_INTERRUPTED ?
				    "interrupted" : strerror(errno));
				return rv;
			}
			continue;
		}
		/* RWF_NOWAIT unsupported (a FIFO opened by the shell, an
		 * older kernel): the writes block, as they always did. */
		if (w < 0 && x->out_mode == OUT_NOWAIT && (errno ==
		    EOPNOTSUPP || errno == EINVAL || errno == ENOSYS)) {
			x->out_mode = OUT_BLOCK;
			break;
		}
		snprintf(msg, msglen, "cannot write %s: %s",
		    x->out.path ? x->out.path : "to stdout", strerror(errno));
		return QGET_E_OUTPUT;
	}
	return n > 0 ? out_write(&x->out, p, n, msg, msglen) : QGET_OK;
}

/* Body bytes: what one read returns without blocking.  1 when some came,
 * 0 when none, -1 when the transfer ended here. */
static int
xfer_data(struct run *r, struct xfer *x)
{
	const struct tool_opts *o = r->o;
	char msg[512];
	qget_error err;
	qget_status rv;
	size_t n;

	if ((rv = qget_request_read(x->req, r->buf, READ_BUF, &n, &err)) !=
	    QGET_OK) {
		xfer_attempt_failed(r, x, rv, 0, qget_error_str(&err));
		return -1;
	}
	if (n == 0)
		return 0;
	if (x->st.time_starttransfer < 0)
		x->st.time_starttransfer = tool_now() - x->t_start;
	if (x->redirect || x->discard)
		return 1;
	if (!x->out_open && (rv = xfer_open_out(r, x, msg, sizeof(msg))) !=
	    QGET_OK) {
		xfer_fail(r, x, rv, msg);
		return -1;
	}
	if (o->max_filesize > 0 && x->resume_at + x->body + n >
	    o->max_filesize) {
		snprintf(msg, sizeof(msg), "the response grew past "
		    "--max-filesize %" PRIu64 " bytes", o->max_filesize);
		xfer_fail(r, x, QGET_E_TOO_LARGE, msg);
		return -1;
	}
	if (binary_to_terminal(x, r->buf, n)) {
		xfer_fail(r, x, QGET_E_OUTPUT, "binary output can mess up your "
		    "terminal: use -o FILE to save it, or -o - to write it "
		    "here anyway");
		return -1;
	}
	if ((rv = xfer_write(r, x, r->buf, n, msg, sizeof(msg))) !=
	    QGET_OK) {
		xfer_fail(r, x, rv, msg);
		return -1;
	}
	x->body += n;
	x->st.size_download += n;
	meter_tick(r);
	return 1;
}

/* Percent-encodes what a Location may hold but a request path may not
 * (spaces, controls, bytes >= 0x80). */
static char *
encode_path(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = malloc(n * 3 + 1);

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			k += (size_t)sprintf(out + k, "%%%02X", *p);
		else
			out[k++] = (char)*p;
	}
	out[k] = '\0';
	return out;
}

/* RFC 3986 5.2.4 on a path (its query left alone), in place: a
 * relative Location such as "../x" is resolved as curl does, and "/a/.."
 * never reaches the server. */
static void
remove_dot_segments(char *path)
{
	char *q = path + strcspn(path, "?"), *in = path, *out = path;
	char *query = q;
	char save = *q;

	*q = '\0';
	while (*in != '\0') {
		if (strncmp(in, "/./", 3) == 0) {
			in += 2;
		} else if (strcmp(in, "/.") == 0) {
			in[1] = '\0';
		} else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			/* Up one: drop the last segment written. */
			while (out > path && *--out != '/')
				;
			if (in[3] == '\0') {
				in += 2;
				*in = '/';
			} else {
				in += 3;
			}
		} else {
			do
				*out++ = *in++;
			while (*in != '\0' && *in != '/');
		}
	}
	if (out == path)
		*out++ = '/';
	*q = save;
	memmove(out, query, strlen(query) + 1);
}

/*
 * Where a Location leads, from the current URL (RFC 3986 5.2, for the
 * forms servers send: an absolute https URL, "//host/path", "/path", and
 * a relative path).  Returns 0, or -1 with a reason.
 */
static int
resolve_location(struct xfer *x, const char *loc, char *host, char *port,
    char **path, char *msg, size_t msglen)
{
	char *abs = NULL, *p, *frag;
	size_t len;
	int rc = -1;

	if (strncasecmp(loc, "https://", 8) == 0) {
		abs = strdup(loc);
	} else if (strncmp(loc, "//", 2) == 0) {
		len = strlen(loc) + 8;
		if ((abs = malloc(len)) != NULL)
			snprintf(abs, len, "https:%s", loc);
	} else if (strstr(loc, "://") != NULL ||
	    strncasecmp(loc, "http:", 5) == 0) {
		snprintf(msg, msglen, "not following the redirect to '%.200s': "
		    "QUIC needs https://", loc);
		return -1;
	} else if (loc[0] == '?') {
		/* A query alone: the same path, another query (RFC 3986
		 * 5.2.2). */
		const char *cur = x->path;
		size_t plen = strcspn(cur, "?");

		len = strlen(x->host) + strlen(x->port) + plen + strlen(loc) +
		    16;
		if ((abs = malloc(len)) != NULL)
			snprintf(abs, len, is_ipv6_literal(x->host) ?
			    "https://[%s]:%s%.*s%s" : "https://%s:%s%.*s%s",
			    x->host, x->port, (int)plen, cur, loc);
	} else {
		/* A path: from the root, or beside the current one. */
		const char *cur = x->path, *q = cur + strcspn(cur, "?");
		size_t dir = 0;

		if (loc[0] != '/')
			for (const char *c = cur; c < q; c++)
				if (*c == '/')
					dir = (size_t)(c - cur) + 1;
		len = strlen(x->host) + strlen(x->port) + dir + strlen(loc) + 16;
		if ((abs = malloc(len)) != NULL)
			snprintf(abs, len, is_ipv6_literal(x->host) ?
			    "https://[%s]:%s%.*s%s" : "https://%s:%s%.*s%s",
			    x->host, x->port, (int)dir, cur, loc);
	}
	if (abs == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if ((frag = strchr(abs, '#')) != NULL)
		*frag = '\0';
	if ((p = encode_path(abs)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	free(abs);
	abs = p;
	{
		char *upath;

		if (tool_parse_url(abs, host, 256, port, &upath, msg,
		    msglen) != QGET_OK)
			goto out;
		if ((*path = strdup(upath)) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		remove_dot_segments(*path);
	}
	rc = 0;
out:
	free(abs);
	return rc;
}

/* A redirect's response ended: the next request, on this connection when
 * the server is the same. */
static void
xfer_follow(struct run *r, struct xfer *x)
{
	const struct tool_opts *o = r->o;
	int status = x->st.http_code;
	char host[256], port[6], msg[600], *path = NULL, *url;

	if (o->max_redirs >= 0 && x->hops >= o->max_redirs) {
		snprintf(msg, sizeof(msg), "more than %ld redirects (the last "
		    "to %.300s); --max-redirs sets the limit", o->max_redirs,
		    x->location);
		xfer_fail(r, x, QGET_E_REDIRECT, msg);
		return;
	}
	if (resolve_location(x, x->location, host, port, &path, msg,
	    sizeof(msg)) != 0) {
		xfer_fail(r, x, QGET_E_REDIRECT, msg);
		return;
	}
	if ((url = make_url(host, port, path)) == NULL) {
		free(path);
		xfer_fail(r, x, QGET_E_NOMEM, "out of memory");
		return;
	}
	/* curl's methods: 303 makes anything but HEAD a GET; 301 and 302
	 * make a POST a GET; 307 and 308 repeat the request as it was. */
	if ((status == 303 && strcmp(x->method, "HEAD") != 0) ||
	    ((status == 301 || status == 302) &&
	    strcmp(x->method, "POST") == 0)) {
		x->method = "GET";
		x->send_data = x->send_file = 0;
	}
	if (x->send_file && strcmp(x->u->upload, "-") == 0) {
		free(path);
		free(url);
		xfer_fail(r, x, QGET_E_REDIRECT, "cannot send stdin again "
		    "after the redirect");
		return;
	}
	tool_verbose(o, "%s: %d: following to %s", x->url, status, url);
	x->hops++;
	x->st.num_redirects = x->hops;
	free(x->path);
	free(x->url);
	x->path = path;
	x->url = url;
	memcpy(x->host, host, sizeof(host));
	memcpy(x->port, port, sizeof(port));
	forget_events(r, x->req);
	qget_request_del(x->req);
	x->req = NULL;
	if (x->upload_fd > STDIN_FILENO)
		close(x->upload_fd);
	x->upload_fd = -1;
	free(x->location);
	x->location = NULL;
	x->st.time_redirect = tool_now() - x->t_start;
	x->state = X_WAIT;
	x->ready_at = 0;
}

/* The response is complete (checked by the library): the rest of its
 * body, then the file is kept, or the redirect followed. */
static void
xfer_end(struct run *r, struct xfer *x)
{
	const struct tool_opts *o = r->o;
	qget_request_info info = { .size = sizeof(info) };
	char msg[512];
	qget_status rv;
	int got;

	while ((got = xfer_data(r, x)) > 0)
		;
	if (got < 0 || x->finished)
		return;
	qget_request_get_info(x->req, &info);
	x->st.size_upload = info.body_sent;
	x->st.size_request += info.bytes_sent - info.body_sent;
	x->st.bytes_received += info.bytes_received;
	if (x->redirect) {
		xfer_follow(r, x);
		return;
	}
	if (x->discard > 0) {
		snprintf(msg, sizeof(msg), "the server answered %d",
		    x->discard);
		xfer_attempt_failed(r, x, QGET_E_HTTP_ERROR, x->discard, msg);
		return;
	}
	if (x->discard < 0) /* -C: complete already */
		x->st.size_download = 0;
	if (!x->out_open && (rv = xfer_open_out(r, x, msg, sizeof(msg))) !=
	    QGET_OK) {
		xfer_fail(r, x, rv, msg);
		return;
	}
	if ((rv = out_commit(&x->out, msg, sizeof(msg))) != QGET_OK) {
		xfer_fail(r, x, rv, msg);
		return;
	}
	out_close(&x->out);
	x->out_open = 0;
	tool_verbose(o, "%s: received %" PRIu64 " bytes (%" PRIu64 " body)",
	    x->url, info.bytes_received, x->body);
	if (x->fail_after_body) {
		snprintf(msg, sizeof(msg), "the server answered %d",
		    x->fail_after_body);
		xfer_attempt_failed(r, x, QGET_E_HTTP_ERROR,
		    x->fail_after_body, msg);
		return;
	}
	xfer_release(r, x);
	xfer_finish(r, x, QGET_OK);
}

/* A request's failure; a time limit's detail (the library's) already
 * says how many body bytes had arrived. */
static void
xfer_request_failed(struct run *r, struct xfer *x, qget_status st,
    const char *detail)
{
	xfer_attempt_failed(r, x, st, x->discard > 0 ? x->discard : 0, detail);
}

/* ---- scheduling ------------------------------------------------------ */

/* stdout takes the transfers in command-line order: one may start when
 * every earlier one that writes there is done. */
static int
may_start(struct run *r, const struct xfer *x, double now)
{
	if (x->state != X_WAIT || x->ready_at > now)
		return 0;
	if (!x->to_stdout)
		return 1;
	for (int i = 0; i < x->idx; i++)
		if (r->xs[i].to_stdout && r->xs[i].state != X_DONE)
			return 0;
	return 1;
}

static int
same_server(const struct xfer *x, const char *host, const char *port)
{
	return strcasecmp(x->host, host) == 0 && strcmp(x->port, port) == 0;
}

/* An upload shows on the meter while it goes, not only at its end. */
static void
upload_counts(struct run *r)
{
	int any = 0;

	for (int i = 0; i < r->n; i++) {
		struct xfer *x = &r->xs[i];
		qget_request_info info = { .size = sizeof(info) };

		if (x->state != X_ACTIVE || x->req == NULL ||
		    (!x->send_file && !x->send_data) ||
		    qget_request_get_info(x->req, &info) != QGET_OK)
			continue;
		x->st.size_upload = info.body_sent;
		any = 1;
	}
	if (any)
		meter_tick(r);
}

/* Every active transfer on the connection failed with it. */
static void
group_failed(struct run *r, qget_status rv, const char *detail)
{
	for (int i = 0; i < r->n; i++) {
		struct xfer *x = &r->xs[i];

		if (x->state == X_ACTIVE)
			xfer_request_failed(r, x, rv, detail);
	}
}

/*
 * Runs the transfers to r->host:r->port over r->conn until none is left
 * to start or running: requests up to --parallel-max at once, and
 * whatever the library reports.  Returns the connection's failure, or
 * QGET_OK.
 */
static qget_status
run_group(struct run *r)
{
	const struct tool_opts *o = r->o;
	/* curl's rule: one transfer at a time unless -Z (a PUT before a GET
	 * of the same URL must come first); with -Z as many as
	 * --parallel-max, or as the server's stream credit allows. */
	unsigned limit = !o->parallel ? 1 : o->parallel_max ? o->parallel_max :
	    (unsigned)r->n;
	qget_event *evs = NULL;
	size_t cap = (size_t)r->n + 1, n;
	qget_error err;
	qget_status rv = QGET_OK;

	memset(&err, 0, sizeof(err));
	r->nstash = 0;
	if ((evs = calloc(cap, sizeof(*evs))) == NULL ||
	    (r->svc = calloc(cap, sizeof(*r->svc))) == NULL ||
	    (r->stash = calloc(cap, sizeof(*r->stash))) == NULL) {
		rv = QGET_E_NOMEM;
		snprintf(err.detail, sizeof(err.detail), "out of memory");
		goto fail;
	}
	r->svc_cap = cap;
	for (;;) {
		unsigned active = 0;
		double now = tool_now(), next = 0;
		int timeout;

		for (int i = 0; i < r->n; i++)
			active += r->xs[i].state == X_ACTIVE;
		for (int i = 0; i < r->n && active < limit && !r->conn_spent;
		    i++) {
			struct xfer *x = &r->xs[i];

			if (!same_server(x, r->host, r->port) ||
			    !may_start(r, x, now))
				continue;
			if ((rv = xfer_start(r, x)) != QGET_OK)
				goto fail;
			active += x->state == X_ACTIVE;
		}
		if (active == 0)
			break;
		/* A retry due soon on this connection wakes the loop. */
		for (int i = 0; i < r->n; i++) {
			struct xfer *x = &r->xs[i];

			if (x->state == X_WAIT && same_server(x, r->host,
			    r->port) && x->ready_at > now &&
			    (next == 0 || x->ready_at < next))
				next = x->ready_at;
		}
		timeout = next > 0 ? (int)((next - now) * 1000) + 1 : -1;
		if (r->nstash > 0) {
			/* What the connection reported while an output was
			 * full (xfer_write()) comes first. */
			n = r->nstash < cap ? r->nstash : cap;
			memcpy(evs, r->stash, n * sizeof(*evs));
			r->nstash -= n;
			memmove(r->stash, r->stash + n, r->nstash *
			    sizeof(*r->stash));
		} else if ((rv = qget_conn_poll(r->conn, evs, cap, &n, timeout,
		    &err)) != QGET_OK) {
			goto fail;
		}
		if (r->pmode != PROGRESS_OFF)
			upload_counts(r);
		for (size_t k = 0; k < n; k++) {
			unsigned what = evs[k].what;
			struct xfer *x;

			if (evs[k].req == NULL) {
				if (what & QGET_EV_GOAWAY) {
					tool_verbose(o, "the server sent "
					    "GOAWAY: the requests it did not "
					    "take go on a new connection");
					r->conn_spent = 1;
				}
				continue;
			}
			x = qget_request_get_user(evs[k].req);
			if (x->req != evs[k].req || x->state != X_ACTIVE)
				continue;
			if (what & QGET_EV_HEAD)
				xfer_head(r, x);
			if (x->req != evs[k].req || x->state != X_ACTIVE)
				continue;
			if ((what & QGET_EV_DATA) && !(what & QGET_EV_END))
				xfer_data(r, x);
			if (x->req != evs[k].req || x->state != X_ACTIVE)
				continue;
			if (what & QGET_EV_END) {
				xfer_end(r, x);
			} else if (what & (QGET_EV_RESET | QGET_EV_REFUSED |
			    QGET_EV_FAILED)) {
				qget_status st = qget_request_status(x->req,
				    &err);

				/* The connection's own end: a retry needs
				 * a new one. */
				if (st == QGET_E_CONN_CLOSED ||
				    st == QGET_E_IDLE_TIMEOUT ||
				    st == QGET_E_TIMEOUT || st == QGET_E_REFUSED)
					r->conn_spent = 1;
				xfer_request_failed(r, x, st,
				    qget_error_str(&err));
			}
		}
	}
	rv = QGET_OK;
	goto out;
fail:
	group_failed(r, rv, qget_error_str(&err));
out:
	free(evs);
	free(r->svc);
	free(r->stash);
	r->svc = NULL;
	r->stash = NULL;
	/* Events of this connection's requests mean nothing after it. */
	r->svc_cap = 0;
	r->nstash = 0;
	return rv;
}

/* Sleeps until `until` or a stop signal.  Returns QGET_E_INTERRUPTED on
 * the signal. */
static qget_status
pause_until(double until)
{
	double now;

	while ((now = tool_now()) < until) {
		double d = until - now;
		struct timespec ts = { .tv_sec = (time_t)d,
		    .tv_nsec = (long)((d - (double)(time_t)d) * 1e9) };

		if (tool_stop_signal != 0)
			return QGET_E_INTERRUPTED;
		nanosleep(&ts, NULL);
	}
	return tool_stop_signal != 0 ? QGET_E_INTERRUPTED : QGET_OK;
}

/* Opens a connection to the server of transfer x.  On failure, every
 * transfer ready for that server fails (or is retried) with it. */
static qget_status
open_group(struct run *r, struct xfer *x)
{
	const struct tool_opts *o = r->o;
	double now = tool_now();
	char msg[512];
	qget_error err;
	qget_status rv;

	memset(&err, 0, sizeof(err));
	if (x->t_start == 0)
		x->t_start = now;
	memcpy(r->host, x->host, sizeof(r->host));
	memcpy(r->port, x->port, sizeof(r->port));
	if ((rv = route(o, r->cfg, x->host, x->port, msg, sizeof(msg))) !=
	    QGET_OK) {
		snprintf(err.detail, sizeof(err.detail), "%s", msg);
	} else {
		tool_verbose(o, "connecting to %s port %s", x->host, x->port);
		rv = qget_conn_open(&r->conn, x->host, x->port, r->cfg, &err);
	}
	if (rv != QGET_OK) {
		for (int i = 0; i < r->n; i++) {
			struct xfer *y = &r->xs[i];

			if (same_server(y, x->host, x->port) &&
			    may_start(r, y, now)) {
				if (y->t_start == 0)
					y->t_start = now;
				y->st.num_connects++;
				xfer_attempt_failed(r, y, rv, 0,
				    qget_error_str(&err));
			}
		}
		return rv;
	}
	r->conn_by = x->idx;
	r->conn_spent = 0;
	describe_conn(o, r->conn);
	/* Only asked for here: the library performs it once the handshake
	 * is confirmed, while the transfer runs, and -v says when. */
	if (o->key_update && (rv = qget_conn_key_update(r->conn)) != QGET_OK)
		tool_verbose(o, "key update not possible: %s",
		    qget_status_str(rv));
	return QGET_OK;
}

/* The first server's TLS session, kept for --session-file. */
static void
keep_session(struct run *r)
{
	unsigned char *sess;
	size_t len;
	qget_status st;

	if (r->o->session_file == NULL ||
	    strcasecmp(r->host, r->xs[0].u->host) != 0 ||
	    strcmp(r->port, r->xs[0].u->port) != 0)
		return;
	st = qget_conn_get_session(r->conn, &sess, &len);
	if (st == QGET_OK) {
		free(r->session);
		r->session = sess;
		r->session_len = len;
	} else if (st == QGET_E_USAGE) {
		tool_verbose(r->o, "not saving the TLS session: the server was "
		    "not verified (--insecure)");
	} else {
		tool_verbose(r->o, "the server sent no TLS session ticket");
	}
}

static void
close_group(struct run *r, qget_status rv)
{
	qget_error err;

	if (r->conn == NULL)
		return;
	if (rv == QGET_OK) {
		keep_session(r);
		/* Every response ended (or failed): the server has our
		 * requests, no need to wait for its ACKs. */
		if (qget_conn_close_ex(r->conn, QGET_CLOSE_NO_FLUSH,
		    qget_conn_app_no_error(r->conn), CLOSE_TIMEOUT_MS,
		    &err) != QGET_OK)
			tool_verbose(r->o, "close: %s", qget_error_str(&err));
	} else {
		qget_conn_info info = { .size = sizeof(info) };
		int h3 = qget_conn_get_info(r->conn, &info) == QGET_OK &&
		    strcmp(info.alpn, "h3") == 0;

		/* Tell the server why we leave, rather than let it time
		 * out. */
		qget_conn_abort(r->conn, rv == QGET_E_INTERRUPTED ?
		    (h3 ? QGET_H3_REQUEST_CANCELLED : QGET_APP_ERROR) :
		    (h3 ? QGET_H3_INTERNAL_ERROR : QGET_APP_ERROR),
		    rv == QGET_E_INTERRUPTED ? "client interrupted" :
		    qget_status_str(rv));
	}
	qget_conn_del(r->conn);
	r->conn = NULL;
}

/* ---- setup ---------------------------------------------------------- */

static qget_status
xfer_init(struct run *r, struct xfer *x, int idx, char *msg, size_t msglen)
{
	const struct tool_opts *o = r->o;
	const struct tool_url *u = &o->urls[idx];
	qget_status rv;

	x->idx = idx;
	x->u = u;
	x->state = X_WAIT;
	x->upload_fd = -1;
	memcpy(x->host, u->host, sizeof(x->host));
	memcpy(x->port, u->port, sizeof(x->port));
	if ((x->path = strdup(u->path)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_NOMEM;
	}
	x->send_file = u->upload != NULL;
	x->send_data = !x->send_file && o->has_data;
	if ((rv = upload_path(x, msg, msglen)) != QGET_OK)
		return rv;
	if ((x->url = make_url(x->host, x->port, x->path)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_NOMEM;
	}
	x->method = o->method != NULL ? o->method : o->head ? "HEAD" :
	    x->send_file ? "PUT" : x->send_data ? "POST" : "GET";
	if ((rv = xfer_dest(r, x, msg, msglen)) != QGET_OK)
		return rv;
	if ((rv = out_check(x->dest, msg, msglen)) != QGET_OK)
		return rv;
	if (o->resume && o->include) {
		snprintf(msg, msglen, "-C with -i would write the response "
		    "head into the file being resumed");
		return QGET_E_USAGE;
	}
	if (o->resume && x->dest == NULL) {
		snprintf(msg, msglen, "-C: %s goes to stdout; resuming needs "
		    "-o FILE or -O", u->arg);
		return QGET_E_USAGE;
	}
	x->to_stdout = x->dest == NULL;
	x->st.url = u->arg;
	x->st.urlnum = idx;
	set_str(x->st.scheme, sizeof(x->st.scheme), "https");
	tool_stats_set(&x->st.url_effective, x->url, strlen(x->url));
	set_str(x->st.method, sizeof(x->st.method), x->method);
	x->st.time_namelookup = x->st.time_connect = x->st.time_appconnect =
	    x->st.time_pretransfer = x->st.time_starttransfer =
	    x->st.time_redirect = -1;
	return QGET_OK;
}

static void
write_stats_file(struct run *r, qget_status rv)
{
	const struct tool_opts *o = r->o;
	struct tool_xfer_stats *all;
	const char *error = NULL;
	FILE *f;

	if (o->stats_file == NULL)
		return;
	if ((all = calloc((size_t)r->n, sizeof(*all))) == NULL)
		return;
	for (int i = 0; i < r->n; i++) {
		all[i] = r->xs[i].st;
		if (all[i].errormsg != NULL)
			error = r->xs[i].st.errormsg;
	}
	if ((f = fopen(o->stats_file, "w")) == NULL) {
		fprintf(stderr, "qget: warning: cannot write --stats file "
		    "%s: %s\n", o->stats_file, strerror(errno));
	} else {
		tool_write_stats(f, all, (size_t)r->n, tool_exit_code(rv),
		    rv == QGET_OK ? NULL : error);
		if (fclose(f) != 0)
			fprintf(stderr, "qget: warning: the statistics were "
			    "not written completely\n");
	}
	free(all);
}

/* --raw: stdin to one stream, the peer's bytes to the output. */
static qget_status
run_raw(struct run *r)
{
	const struct tool_opts *o = r->o;
	struct xfer *x = &r->xs[0];
	struct tool_out out;
	qget_stream *st = NULL;
	char msg[512];
	qget_error err;
	qget_status rv;

	if ((rv = open_group(r, x)) != QGET_OK)
		return rv;
	conn_stats(r, x);
	x->st.num_connects = 1;
	if ((rv = out_open(&out, x->dest, msg, sizeof(msg))) != QGET_OK) {
		xfer_fail(r, x, rv, msg);
		close_group(r, rv);
		return rv;
	}
	if ((rv = qget_stream_open(&st, r->conn, &err)) != QGET_OK ||
	    (rv = qget_stream_pump(st, STDIN_FILENO, out.fd, &err)) !=
	    QGET_OK) {
		out_abort(&out);
		xfer_fail(r, x, rv, qget_error_str(&err));
		goto out;
	}
	if ((rv = out_commit(&out, msg, sizeof(msg))) != QGET_OK) {
		xfer_fail(r, x, rv, msg);
		goto out;
	}
out:
	if (st != NULL) {
		x->st.size_download = qget_stream_bytes_read(st);
		x->st.size_upload = qget_stream_bytes_written(st);
	}
	qget_stream_del(st);
	out_close(&out);
	if (rv == QGET_OK) {
		/* --raw data may still be in flight: the close flushes. */
		keep_session(r);
		if (qget_conn_close_ex(r->conn, 0, qget_conn_app_no_error(
		    r->conn), CLOSE_TIMEOUT_MS, &err) != QGET_OK)
			tool_verbose(o, "close: %s", qget_error_str(&err));
		qget_conn_del(r->conn);
		r->conn = NULL;
		xfer_finish(r, x, QGET_OK);
	} else {
		close_group(r, rv);
	}
	return rv;
}

static void
run_all(struct run *r)
{
	for (;;) {
		double now = tool_now(), next = 0;
		struct xfer *pick = NULL;
		qget_status rv;
		int left = 0;

		for (int i = 0; i < r->n; i++) {
			struct xfer *x = &r->xs[i];

			if (x->state == X_DONE)
				continue;
			left++;
			if (pick == NULL && may_start(r, x, now))
				pick = x;
			/* Only a retry's delay is worth a wait: a transfer
			 * held back by stdout's order waits for another. */
			if (x->state == X_WAIT && x->ready_at > now &&
			    (next == 0 || x->ready_at < next))
				next = x->ready_at;
		}
		if (left == 0)
			return;
		if (pick == NULL) {
			if (pause_until(next) != QGET_OK)
				break;
			continue;
		}
		if (open_group(r, pick) != QGET_OK) {
			if (tool_stop_signal != 0)
				break;
			continue;
		}
		rv = run_group(r);
		close_group(r, rv);
		if (rv == QGET_E_INTERRUPTED)
			break;
	}
	/* A stop signal: what did not end fails with it. */
	for (int i = 0; i < r->n; i++)
		if (r->xs[i].state != X_DONE)
			xfer_fail(r, &r->xs[i], QGET_E_INTERRUPTED, "");
}

qget_status
tool_fetch(const struct tool_opts *o)
{
	struct run r;
	char msg[512];
	qget_status rv;
	int i;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.n = o->nurls;
	r.t0 = tool_now();
	r.conn_by = -1;
	r.worst = QGET_OK;
	r.session_ok = 1;
	progress_start(&r.meter, PROGRESS_OFF, stderr, r.t0);
	if ((r.xs = calloc((size_t)r.n, sizeof(*r.xs))) == NULL ||
	    (r.buf = malloc(READ_BUF)) == NULL) {
		rv = tool_report(NULL, &r.meter, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	/* What can be said before connecting is said now. */
	if (o->writeout != NULL && tool_writeout_check(o->writeout, msg,
	    sizeof(msg)) != 0) {
		rv = tool_report(NULL, &r.meter, QGET_E_USAGE, msg);
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		if ((rv = xfer_init(&r, &r.xs[i], i, msg, sizeof(msg))) !=
		    QGET_OK) {
			rv = tool_report(NULL, &r.meter, rv, msg);
			goto out;
		}
	}
	/* As curl: no meter where it would land inside a body shown on the
	 * same terminal. */
	r.pmode = o->silent || o->no_progress || !isatty(STDERR_FILENO) ?
	    PROGRESS_OFF : o->progress_bar ? PROGRESS_BAR : PROGRESS_METER;
	for (i = 0; i < r.n && r.pmode != PROGRESS_OFF; i++)
		if (r.xs[i].to_stdout && isatty(STDOUT_FILENO))
			r.pmode = PROGRESS_OFF;
	progress_start(&r.meter, r.pmode, stderr, r.t0);
	if (o->dump_header != NULL) {
		if (strcmp(o->dump_header, "-") == 0) {
			r.dump = stdout;
		} else if ((r.dump = fopen(o->dump_header, "w")) == NULL) {
			snprintf(msg, sizeof(msg), "-D %s: %s", o->dump_header,
			    strerror(errno));
			rv = tool_report(NULL, &r.meter, QGET_E_OUTPUT, msg);
			goto out;
		} else {
			r.dump_close = 1;
		}
	}
	if ((rv = tool_make_config(o, &r.cfg)) != QGET_OK) {
		rv = tool_report(NULL, &r.meter, rv,
		    "cannot configure the connection");
		goto out;
	}
	if (o->raw)
		run_raw(&r);
	else
		run_all(&r);
	{
		struct progress_numbers pn;

		progress_numbers(&r, &pn);
		progress_done(&r.meter, tool_now(), &pn);
	}
	rv = r.worst;
	/* As --help says: saved after a success only, and only from a
	 * verified connection (the library refuses the others). */
	if (o->session_file != NULL) {
		if (rv == QGET_OK && r.session_ok && r.session != NULL)
			tool_session_save(o->session_file, r.session,
			    r.session_len);
		else if (rv != QGET_OK)
			tool_verbose(o, "not saving the TLS session: the "
			    "transfer failed");
	}
out:
	if (r.xs != NULL)
		flush_writeouts(&r, 1);
	progress_end(&r.meter);
	write_stats_file(&r, rv);
	if (r.dump_close && fclose(r.dump) != 0) {
		fprintf(stderr, "qget: -D %s: %s\n", o->dump_header,
		    strerror(errno));
		if (rv == QGET_OK)
			rv = QGET_E_OUTPUT;
	}
	for (i = 0; r.xs != NULL && i < r.n; i++) {
		xfer_release(&r, &r.xs[i]);
		free(r.xs[i].dump_pending);
		free(r.xs[i].path);
		free(r.xs[i].url);
		free(r.xs[i].dest);
		tool_stats_free(&r.xs[i].st);
	}
	qget_config_del(r.cfg);
	free(r.session);
	free(r.xs);
	free(r.buf);
	return rv;
}
