#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "fetch.h"
#include "h3.h"
#include "http1.h"
#include "jobs.h"
#include "progress.h"
#include "session.h"
#include "writeout.h"

#define CLOSE_TIMEOUT_MS 2000

volatile sig_atomic_t tool_stop_signal;

/* The arguments may be the peer's (a reason phrase): the whole line is
 * formatted first, then escaped. */
void
tool_verbose(const struct tool_opts *o, const char *fmt, ...)
{
	char stackbuf[1024], *line = stackbuf;
	va_list ap;
	int n;

	if (!o->verbose)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(stackbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(stackbuf)) {
		/* A long path: format again in a buffer that fits it. */
		if ((line = malloc((size_t)n + 1)) == NULL) {
			line = stackbuf;
			n = (int)sizeof(stackbuf) - 1;
		} else {
			va_start(ap, fmt);
			vsnprintf(line, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	tool_escape_line(stderr, "* ", line, (size_t)n);
out:
	if (line != stackbuf)
		free(line);
}

int
tool_exit_code(qget_status st)
{
	if (st == QGET_E_INTERRUPTED && tool_stop_signal != 0)
		return 128 + tool_stop_signal;
	return qget_status_exit_code(st);
}

double
tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The one place that prints a failure: "qget: (N) detail"; -w json
 * reports the same text. */
qget_status
tool_report(struct tool_stats *stats, struct progress *meter, qget_status st,
    const char *detail)
{
	progress_end(meter);
	if (st == QGET_E_INTERRUPTED && tool_stop_signal != 0)
		snprintf(stats->error, sizeof(stats->error),
		    "interrupted by %s",
		    tool_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	else if (detail[0] != '\0')
		/* Details quote the peer (reason phrases, close reasons):
		 * escaped once here, for stderr and -w json alike. */
		tool_escape(stats->error, sizeof(stats->error), detail,
		    strlen(detail));
	else
		snprintf(stats->error, sizeof(stats->error), "%s",
		    qget_status_str(st));
	fprintf(stderr, "qget: (%d) %s\n", tool_exit_code(st), stats->error);
	return st;
}

static void
write_stats(const struct tool_opts *o, const struct tool_stats *stats)
{
	FILE *f = stdout;

	if (o->stats_file != NULL && (f = fopen(o->stats_file, "w")) == NULL) {
		fprintf(stderr, "qget: warning: cannot write --stats file "
		    "%s\n", o->stats_file);
		return;
	}
	tool_write_json(f, stats);
	if (f != stdout ? fclose(f) != 0 : fflush(f) != 0)
		fprintf(stderr, "qget: warning: the statistics were not "
		    "written completely\n");
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

/* Sends body bytes to the output as http1_body frames them: held to the
 * Content-Length, chunks decoded, none where the response has no body. */
static qget_status
emit_body(struct http1_resp *r, struct tool_out *out,
    const unsigned char *p, size_t n, uint64_t *body, char *msg,
    size_t msglen)
{
	const unsigned char *data;
	size_t used, len;
	qget_status rv = QGET_OK;

	while (n > 0 && rv == QGET_OK) {
		if ((rv = qget__http1_body(r, p, n, &used, &data, &len, msg,
		    msglen)) != QGET_OK)
			break;
		p += used;
		n -= used;
		*body += len;
		if (len > 0)
			rv = out_write(out, data, len, msg, msglen);
	}
	return rv;
}

/* A failed path: its message (prefixed with the path when there are
 * several), its output discarded, the run's worst outcome updated. */
void
job_fail(struct run *r, struct job *j, struct tool_stream_stats *ss,
    qget_status st, const char *detail)
{
	char line[700];

	if (r->several)
		snprintf(line, sizeof(line), "%s: %s", j->path, detail);
	else
		snprintf(line, sizeof(line), "%s", detail);
	tool_report(r->stats, r->meter, st, line);
	j->failed = 1;
	ss->exit_code = tool_exit_code(st);
	snprintf(ss->error, sizeof(ss->error), "%s", r->stats->error);
	if (tool_exit_code(st) > tool_exit_code(r->worst))
		r->worst = st;
	if (j->out_open)
		out_abort(&j->out);
}

qget_status
job_open_out(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	const char *dest = r->o->output;
	char msg[512];
	qget_status rv;

	if (r->o->output_dir != NULL) {
		size_t len = strlen(r->o->output_dir) + strlen(j->path) + 2;

		if ((j->outname = malloc(len)) == NULL) {
			job_fail(r, j, ss, QGET_E_NOMEM, "out of memory");
			return QGET_E_NOMEM;
		}
		snprintf(j->outname, len, "%s/%s", r->o->output_dir,
		    tool_path_basename(j->path));
		dest = j->outname;
	}
	if ((rv = out_open(&j->out, dest, msg, sizeof(msg))) != QGET_OK) {
		job_fail(r, j, ss, rv, msg);
		return rv;
	}
	j->out_open = 1;
	return QGET_OK;
}

/* Opens the job's stream and output and sends its request with FIN. */
static qget_status
job_start(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	/* A path (8000 bytes at most), -H's (8192), the rest. */
	char req[8000 + TOOL_MAX_HEADER_BYTES + 512];
	qget_conn_info info = { .size = sizeof(info) };
	qget_error err;
	qget_status rv;
	size_t reqlen;

	if ((j->resp = malloc(sizeof(*j->resp))) == NULL) {
		job_fail(r, j, ss, QGET_E_NOMEM, "out of memory");
		return QGET_E_NOMEM;
	}
	qget__http1_resp_init(j->resp, r->o->head);
	if ((rv = job_open_out(r, j, ss)) != QGET_OK)
		return rv;
	qget_conn_get_info(r->conn, &info);
	if (strcmp(info.alpn, "hq-interop") == 0 &&
	    (r->o->head || r->o->nheaders > 0)) {
		job_fail(r, j, ss, QGET_E_USAGE, "hq-interop requests have no "
		    "method and no headers (-I, -H)");
		return QGET_E_USAGE;
	}
	reqlen = qget__http1_build_request(req, sizeof(req), info.alpn, r->o->host,
	    j->path, r->o->head ? "HEAD" : "GET", r->o->headers,
	    r->o->nheaders);
	if (reqlen == 0) {
		job_fail(r, j, ss, QGET_E_USAGE, "request too long");
		return QGET_E_USAGE;
	}
	tool_verbose(r->o, "request: %.*s", (int)strcspn(req, "\r\n"), req);
	if ((rv = qget_stream_open(&j->st, r->conn, &err)) != QGET_OK ||
	    (rv = qget_stream_write(j->st, req, reqlen, QGET_WRITE_FIN,
		&err)) != QGET_OK) {
		job_fail(r, j, ss, rv, qget_error_str(&err));
		return rv;
	}
	return QGET_OK;
}

/* The stream ended with the peer's FIN: check the length, keep the file. */
static qget_status
job_finish(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	struct http1_resp *resp = j->resp;
	char msg[512];
	qget_status rv;

	msg[0] = '\0';
	if (r->use_http1 && !resp->decided) {
		if ((rv = qget__http1_finish(resp, msg, sizeof(msg))) != QGET_OK ||
		    (rv = emit_body(resp, &j->out, resp->head, resp->head_len,
			&j->body, msg, sizeof(msg))) != QGET_OK)
			goto fail;
	}
	/* Short of its Content-Length, or of its last chunk. */
	if (r->use_http1 && (rv = qget__http1_body_end(resp, msg, sizeof(msg))) !=
	    QGET_OK)
		goto fail;
	if ((rv = out_commit(&j->out, msg, sizeof(msg))) != QGET_OK)
		goto fail;
	tool_verbose(r->o, "%s: received %" PRIu64 " bytes (%" PRIu64 " body)",
	    j->path, qget_stream_bytes_read(j->st), j->body);
	return QGET_OK;
fail:
	job_fail(r, j, ss, rv, msg);
	return rv;
}

/* Reads what one ready stream has.  Returns QGET_OK while the stream goes
 * on, and sets *ended when it is over (FIN or failure). */
static void
job_read(struct run *r, struct job *j, struct tool_stream_stats *ss,
    int *ended)
{
	struct http1_resp *resp = j->resp;
	char msg[512];
	qget_error err;
	qget_status rv;
	size_t n, used = 0;
	uint64_t before = j->body;

	*ended = 0;
	msg[0] = '\0';
	if ((rv = qget_stream_read(j->st, r->buf, READ_BUF, &n, &err)) !=
	    QGET_OK) {
		job_fail(r, j, ss, rv, qget_error_str(&err));
		*ended = 1;
		return;
	}
	if (n == 0) {
		if (r->stats->time_fin < 0 || r->several)
			r->stats->time_fin = tool_now() - r->t0;
		job_finish(r, j, ss);
		*ended = 1;
		return;
	}
	if (r->stats->time_first_byte < 0)
		r->stats->time_first_byte = tool_now() - r->t0;
	if (r->use_http1 && !resp->decided) {
		if ((rv = qget__http1_feed(resp, r->buf, n, &used, msg,
		    sizeof(msg))) != QGET_OK)
			goto fail;
		if (!resp->decided)
			return;
		if (resp->simple)
			rv = emit_body(resp, &j->out, resp->head,
			    resp->head_len, &j->body, msg, sizeof(msg));
		else if (r->o->include)
			rv = out_write(&j->out, resp->head, resp->head_len,
			    msg, sizeof(msg));
		if (rv != QGET_OK)
			goto fail;
		if (!resp->simple) {
			ss->http_status = resp->status;
			tool_verbose(r->o, "%s: response: HTTP/1.%d %d %s%s",
			    j->path, resp->version_minor, resp->status,
			    resp->reason, resp->has_length ? "" :
			    " (no Content-Length)");
			if (r->o->fail && resp->status >= 400) {
				snprintf(msg, sizeof(msg), "the server "
				    "answered %d %s", resp->status,
				    resp->reason);
				rv = QGET_E_HTTP_ERROR;
				goto fail;
			}
		}
	}
	if ((rv = emit_body(resp, &j->out, r->buf + used, n - used, &j->body,
	    msg, sizeof(msg))) != QGET_OK)
		goto fail;
	r->total_body += j->body - before;
	if (!r->several && resp->decided && !resp->simple &&
	    resp->has_length && !resp->no_body)
		r->total = resp->content_length;
	progress_update(r->meter, tool_now(), r->total_body, r->total);
	return;
fail:
	r->total_body += j->body - before;
	job_fail(r, j, ss, rv, msg);
	*ended = 1;
}

void
jobs_fail_all(struct run *r, struct job *jobs, struct tool_stream_stats *ss,
    const int *active, int nactive, int next, int njobs, qget_status rv,
    const char *detail)
{
	tool_report(r->stats, r->meter, rv, detail);
	if (tool_exit_code(rv) > tool_exit_code(r->worst))
		r->worst = rv;
	for (int i = 0; i < nactive; i++) {
		struct job *j = &jobs[active[i]];

		/* A path that had failed on its own keeps its own code. */
		if (!j->failed)
			ss[active[i]].exit_code = tool_exit_code(rv);
		if (j->out_open)
			out_abort(&j->out);
		job_clear(r, j, &ss[active[i]]);
	}
	for (; next < njobs; next++)
		ss[next].exit_code = tool_exit_code(rv);
}

void
job_clear(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	ss->bytes_body = j->body;
	if (j->st != NULL) {
		r->stats->bytes_received += qget_stream_bytes_read(j->st);
		r->stats->bytes_sent += qget_stream_bytes_written(j->st);
	}
	qget_stream_del(j->st);
	j->st = NULL;
	if (j->out_open)
		out_close(&j->out);
	j->out_open = 0;
	free(j->outname);
	j->outname = NULL;
	free(j->resp);
	j->resp = NULL;
}

/* --raw: stdin to one stream, the peer's bytes to the output. */
static qget_status
run_raw(struct run *r, struct tool_stream_stats *ss)
{
	struct tool_out out;
	qget_stream *st = NULL;
	char msg[512];
	qget_error err;
	qget_status rv;

	if ((rv = out_open(&out, r->o->output, msg, sizeof(msg))) != QGET_OK) {
		tool_report(r->stats, r->meter, rv, msg);
		return rv;
	}
	if ((rv = qget_stream_open(&st, r->conn, &err)) != QGET_OK ||
	    (rv = qget_stream_pump(st, STDIN_FILENO, out.fd, &err)) !=
	    QGET_OK) {
		tool_report(r->stats, r->meter, rv, qget_error_str(&err));
		out_abort(&out);
		goto out;
	}
	r->stats->time_fin = tool_now() - r->t0;
	if ((rv = out_commit(&out, msg, sizeof(msg))) != QGET_OK) {
		tool_report(r->stats, r->meter, rv, msg);
		goto out;
	}
out:
	ss->exit_code = tool_exit_code(rv);
	snprintf(ss->error, sizeof(ss->error), "%.500s", r->stats->error);
	if (st != NULL) {
		ss->bytes_body = r->stats->bytes_body = qget_stream_bytes_read(st);
		r->stats->bytes_received = qget_stream_bytes_read(st);
		r->stats->bytes_sent = qget_stream_bytes_written(st);
	}
	qget_stream_del(st);
	out_close(&out);
	return rv;
}

/*
 * Runs every job over the connection: opens streams while the server
 * grants them (up to --parallel), reads whichever stream has data, and
 * finishes each on its FIN.  Returns the connection's own failure, or
 * QGET_OK (the jobs' outcomes are in r->worst).
 */
static qget_status
run_jobs(struct run *r, struct job *jobs, struct tool_stream_stats *ss,
    int njobs)
{
	qget_stream **active_st = NULL;
	unsigned char *ready = NULL;
	int *active = NULL, nactive = 0, next = 0, can_open = 1, ended, i;
	unsigned limit = r->o->parallel ? r->o->parallel : (unsigned)njobs;
	qget_error err;
	qget_status rv = QGET_OK;

	if ((active = calloc((size_t)njobs, sizeof(*active))) == NULL ||
	    (active_st = calloc((size_t)njobs, sizeof(*active_st))) == NULL ||
	    (ready = calloc((size_t)njobs, 1)) == NULL) {
		rv = QGET_E_NOMEM;
		snprintf(err.detail, sizeof(err.detail), "out of memory");
		goto fail;
	}
	while (next < njobs || nactive > 0) {
		/* One stream per look at the credit: qget_stream_open would
		 * block without it, and blocking here starves the streams
		 * already open. */
		if (next < njobs && (unsigned)nactive < limit && can_open) {
			if (job_start(r, &jobs[next], &ss[next]) == QGET_OK)
				active[nactive++] = next;
			else
				job_clear(r, &jobs[next], &ss[next]);
			next++;
			can_open = 0;
			continue;
		}
		for (i = 0; i < nactive; i++)
			active_st[i] = jobs[active[i]].st;
		rv = qget_conn_wait(r->conn, active_st, (size_t)nactive, ready,
		    next < njobs && (unsigned)nactive < limit, &can_open, &err);
		if (rv != QGET_OK)
			goto fail;
		for (i = nactive - 1; i >= 0; i--) {
			if (!ready[i])
				continue;
			job_read(r, &jobs[active[i]], &ss[active[i]],
			    &ended);
			if (!ended)
				continue;
			job_clear(r, &jobs[active[i]], &ss[active[i]]);
			memmove(&active[i], &active[i + 1],
			    (size_t)(nactive - i - 1) * sizeof(*active));
			nactive--;
		}
	}
	progress_done(r->meter, tool_now(), r->total_body, r->total);
	rv = QGET_OK;
	goto out;
fail:
	jobs_fail_all(r, jobs, ss, active, nactive, next, njobs, rv,
	    qget_error_str(&err));
out:
	r->stats->bytes_body = r->total_body;
	free(active);
	free(active_st);
	free(ready);
	return rv;
}

qget_status
tool_fetch(const struct tool_opts *o)
{
	static char *const root_path[] = { "/" };
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_conn_info info = { .size = sizeof(info) };
	struct job *jobs = NULL;
	struct tool_stream_stats *ss = NULL;
	struct tool_stats stats;
	struct progress meter;
	struct run r;
	qget_error err;
	qget_status rv;
	char *const *paths = o->npaths > 0 ? o->paths : root_path;
	int njobs = o->npaths > 0 ? o->npaths : 1, i;
	double t0 = tool_now();

	memset(&r, 0, sizeof(r));
	memset(&stats, 0, sizeof(stats));
	progress_start(&meter, !o->silent && !o->no_progress &&
	    isatty(STDERR_FILENO), t0);
	stats.host = o->host;
	stats.port = o->port;
	stats.time_first_byte = -1;
	stats.time_fin = -1;
	if ((jobs = calloc((size_t)njobs, sizeof(*jobs))) == NULL ||
	    (ss = calloc((size_t)njobs, sizeof(*ss))) == NULL ||
	    (r.buf = malloc(READ_BUF)) == NULL) {
		rv = tool_report(&stats, &meter, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < njobs; i++)
		jobs[i].path = ss[i].path = paths[i];
	stats.streams = ss;
	stats.nstreams = (size_t)njobs;

	/* -o DIR is a usage error: said before connecting, not after. */
	if ((rv = out_check(o->output, err.detail, sizeof(err.detail))) !=
	    QGET_OK) {
		rv = tool_report(&stats, &meter, rv, err.detail);
		ss[0].exit_code = tool_exit_code(rv);
		goto out;
	}
	if ((rv = tool_make_config(o, &cfg)) != QGET_OK) {
		rv = tool_report(&stats, &meter, rv,
		    "cannot configure the connection");
		goto out;
	}
	if ((rv = qget_conn_open(&conn, o->host, o->port, cfg, &err)) !=
	    QGET_OK) {
		rv = tool_report(&stats, &meter, rv, qget_error_str(&err));
		for (i = 0; i < njobs; i++)
			ss[i].exit_code = tool_exit_code(rv);
		goto out;
	}
	describe_conn(o, conn);
	qget_conn_get_info(conn, &info);
	stats.connected = 1;
	snprintf(stats.remote, sizeof(stats.remote), "%s", info.peer_addr);
	snprintf(stats.alpn, sizeof(stats.alpn), "%s", info.alpn);
	snprintf(stats.quic_version, sizeof(stats.quic_version), "%s",
	    info.version);
	snprintf(stats.cipher, sizeof(stats.cipher), "%s", info.cipher);
	stats.resumed = info.resumed;
	stats.time_handshake = (double)info.handshake_us / 1e6;

	r.o = o;
	r.conn = conn;
	r.stats = &stats;
	r.meter = &meter;
	r.use_http1 = strcmp(info.alpn, "hq-interop") != 0;
	r.several = njobs > 1;
	r.worst = QGET_OK;
	r.t0 = t0;
	if (o->raw) {
		ss[0].path = "(raw)";
		if ((rv = run_raw(&r, &ss[0])) != QGET_OK)
			goto out;
	} else {
		if ((rv = strcmp(info.alpn, "h3") == 0 ?
		    h3_run_jobs(&r, jobs, ss, njobs) :
		    run_jobs(&r, jobs, ss, njobs)) != QGET_OK)
			goto out;
		rv = r.worst;
	}

	/* As --help says: saved after a success only, and only from a
	 * verified connection (the library refuses the others). */
	if (o->session_file != NULL && rv == QGET_OK) {
		unsigned char *sess;
		size_t len;
		qget_status st = qget_conn_get_session(conn, &sess, &len);

		if (st == QGET_OK) {
			tool_session_save(o->session_file, sess, len);
			free(sess);
		} else if (st == QGET_E_USAGE) {
			tool_verbose(o, "not saving the TLS session: the "
			    "server was not verified (--insecure)");
		} else {
			tool_verbose(o, "the server sent no TLS session ticket");
		}
	} else if (o->session_file != NULL) {
		tool_verbose(o, "not saving the TLS session: the transfer "
		    "failed");
	}
	/* The responses are complete and written: a close that goes wrong
	 * now is worth a note, not a failure.  Every response ended (or
	 * failed), so the server has our requests: no need to wait for its
	 * ACK of them.  --raw data may still be in flight, so it flushes. */
	if (qget_conn_close_ex(conn, o->raw ? 0 : QGET_CLOSE_NO_FLUSH,
	    strcmp(info.alpn, "h3") == 0 ? H3_NO_ERROR : 0, CLOSE_TIMEOUT_MS,
	    &err) != QGET_OK)
		tool_verbose(o, "close: %s", qget_error_str(&err));
out:
	progress_end(&meter);
	/* Tell the server why we leave, rather than let it time out. */
	if (rv == QGET_E_INTERRUPTED)
		qget_conn_abort(conn, strcmp(stats.alpn, "h3") == 0 ?
		    QGET_H3_REQUEST_CANCELLED : QGET_APP_ERROR,
		    "client interrupted");
	else if (rv != QGET_OK && stats.connected)
		qget_conn_abort(conn, strcmp(stats.alpn, "h3") == 0 ?
		    QGET_H3_INTERNAL_ERROR : QGET_APP_ERROR,
		    qget_status_str(rv));
	h3_free(&r);
	qget_conn_del(conn);
	qget_config_del(cfg);
	if (o->write_json) {
		stats.time_total = tool_now() - t0;
		stats.exit_code = tool_exit_code(rv);
		write_stats(o, &stats);
	}
	free(jobs);
	free(ss);
	free(r.buf);
	return rv;
}
