#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fetch.h"
#include "output.h"
#include "progress.h"
#include "report.h"
#include "session.h"
#include "writeout.h"

#define CLOSE_TIMEOUT_MS 2000

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

/*
 * One path of the run: its request, its output.  Which protocol carries
 * it is the library's business: the tool sees heads, body bytes and
 * outcomes, the same for HTTP/3, HTTP/1.0 and hq-interop.
 */
struct job {
	const char *path;
	qget_request *req;
	struct tool_out out;
	int out_open;
	uint64_t body;
	char *outname; /* -O: DIR/name */
	int failed;    /* reported */
};

/* What every job shares. */
struct run {
	const struct tool_opts *o;
	qget_conn *conn;
	struct tool_stats *stats;
	struct progress *meter;
	unsigned char *buf;
	int several;    /* more than one path: name the path in messages */
	uint64_t total; /* the meter's 100%: one path's length */
	uint64_t total_body; /* body bytes of every path so far */
	qget_status worst;
	double t0;
};

#define READ_BUF (256 * 1024)

/* A failed path: its message (prefixed with the path when there are
 * several), its output discarded, the run's worst outcome updated. */
static void
job_fail(struct run *r, struct job *j, struct tool_stream_stats *ss,
    qget_status st, const char *detail)
{
	char line[700];

	if (j->failed)
		return;
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
	/* The library resets its stream; the others go on. */
	qget_request_cancel(j->req);
}

static qget_status
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

/* Builds and sends one path's request.  A failure of the path alone is
 * reported here (QGET_OK returned, j->failed set); a failure returned is
 * the connection's, for the caller to report once. */
static qget_status
job_start(struct run *r, struct job *j, struct tool_stream_stats *ss,
    qget_error *err)
{
	const char *method = r->o->head ? "HEAD" : "GET";
	qget_status rv;

	if (job_open_out(r, j, ss) != QGET_OK)
		return QGET_OK;
	if ((rv = qget_request_new(&j->req, r->conn, method, j->path,
	    err)) != QGET_OK)
		goto fail;
	qget_request_set_user(j->req, j);
	for (int i = 0; i < r->o->nheaders; i++) {
		const char *h = r->o->headers[i], *colon = strchr(h, ':');
		char *name;

		/* options.c checked "Name: value"; a name is as long as -H
		 * allows, never cut. */
		if ((name = strndup(h, (size_t)(colon - h))) == NULL) {
			rv = QGET_E_NOMEM;
			snprintf(err->detail, sizeof(err->detail),
			    "out of memory");
			goto fail;
		}
		rv = qget_request_add_header(j->req, name, colon + 1, err);
		free(name);
		if (rv != QGET_OK)
			goto fail;
	}
	if ((rv = qget_request_send(j->req, err)) != QGET_OK) {
		if (rv == QGET_E_USAGE || rv == QGET_E_REFUSED ||
		    rv == QGET_E_NOMEM)
			goto fail;
		return rv;
	}
	tool_verbose(r->o, "request: %s %s", method, j->path);
	return QGET_OK;
fail:
	job_fail(r, j, ss, rv, qget_error_str(err));
	return QGET_OK;
}

/* The head of the final response: -i writes it, --fail judges it. */
static void
job_head(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	const char *text, *reason = "";
	size_t len, rlen = 0;
	int status = qget_response_status(j->req);
	char msg[512];
	qget_status rv;
	qget_request_info info = { .size = sizeof(info) };

	qget_response_head(j->req, &text, &len);
	qget_request_get_info(j->req, &info);
	if (status == 0) /* no head: hq-interop, HTTP/0.9 */
		return;
	ss->http_status = status;
	/* HTTP/1.x's reason phrase: the rest of the status line. */
	if (strncmp(text, "HTTP/1.", 7) == 0 && len > 13) {
		reason = text + 13;
		rlen = strcspn(reason, "\r\n");
	}
	tool_verbose(r->o, "%s: response: %s %d%s%.*s%s", j->path,
	    qget_response_version(j->req), status, rlen ? " " : "",
	    (int)rlen, reason, info.has_length ? "" :
	    " (no content-length)");
	if (r->o->include && len > 0 &&
	    (rv = out_write(&j->out, text, len, msg, sizeof(msg))) != QGET_OK) {
		job_fail(r, j, ss, rv, msg);
		return;
	}
	if (r->o->fail && status >= 400) {
		snprintf(msg, sizeof(msg), "the server answered %d%s%.*s",
		    status, rlen ? " " : "", (int)rlen, reason);
		job_fail(r, j, ss, QGET_E_HTTP_ERROR, msg);
		return;
	}
	if (!r->several && info.has_length && !r->o->head)
		r->total = info.content_length;
}

/* Body bytes: one read returns what is buffered without blocking. */
static int
job_data(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	char msg[512];
	qget_error err;
	qget_status rv;
	size_t n;

	if ((rv = qget_request_read(j->req, r->buf, READ_BUF, &n, &err)) !=
	    QGET_OK) {
		job_fail(r, j, ss, rv, qget_error_str(&err));
		return -1;
	}
	if (n == 0)
		return 0;
	if (r->stats->time_first_byte < 0)
		r->stats->time_first_byte = tool_now() - r->t0;
	j->body += n;
	r->total_body += n;
	if ((rv = out_write(&j->out, r->buf, n, msg, sizeof(msg))) !=
	    QGET_OK) {
		job_fail(r, j, ss, rv, msg);
		return -1;
	}
	progress_update(r->meter, tool_now(), r->total_body, r->total);
	return 1;
}

/* A complete response (checked by the library): the rest of its body,
 * then its file is kept. */
static void
job_end(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	qget_request_info info = { .size = sizeof(info) };
	char msg[512];
	qget_status rv;
	int got;

	while ((got = job_data(r, j, ss)) > 0)
		;
	if (got < 0)
		return;
	if (r->stats->time_fin < 0 || r->several)
		r->stats->time_fin = tool_now() - r->t0;
	if ((rv = out_commit(&j->out, msg, sizeof(msg))) != QGET_OK) {
		job_fail(r, j, ss, rv, msg);
		return;
	}
	qget_request_get_info(j->req, &info);
	tool_verbose(r->o, "%s: received %" PRIu64 " bytes (%" PRIu64
	    " body)", j->path, info.bytes_received, j->body);
}

/* Frees what the job held once it is over, counting its bytes. */
static void
job_clear(struct run *r, struct job *j, struct tool_stream_stats *ss)
{
	qget_request_info info = { .size = sizeof(info) };

	ss->bytes_body = j->body;
	if (j->req != NULL && qget_request_get_info(j->req, &info) ==
	    QGET_OK) {
		r->stats->bytes_received += info.bytes_received;
		r->stats->bytes_sent += info.bytes_sent;
	}
	qget_request_del(j->req);
	j->req = NULL;
	if (j->out_open)
		out_close(&j->out);
	j->out_open = 0;
	free(j->outname);
	j->outname = NULL;
}

/*
 * The connection failed: reported once with detail; every path still
 * running or not started fails with it, but one that had failed on its
 * own keeps its code.
 */
static void
jobs_fail_all(struct run *r, struct job *jobs, struct tool_stream_stats *ss,
    int njobs, qget_status rv, const char *detail)
{
	tool_report(r->stats, r->meter, rv, detail);
	if (tool_exit_code(rv) > tool_exit_code(r->worst))
		r->worst = rv;
	for (int i = 0; i < njobs; i++) {
		struct job *j = &jobs[i];

		if (j->failed || ss[i].exit_code != -1)
			continue;
		ss[i].exit_code = tool_exit_code(rv);
		snprintf(ss[i].error, sizeof(ss[i].error), "%s",
		    r->stats->error);
		if (j->out_open)
			out_abort(&j->out);
		job_clear(r, j, &ss[i]);
	}
}

/*
 * Runs every path over the connection: sends requests up to --parallel
 * (the library opens their streams as the server allows), and handles
 * whatever the library reports: heads, body bytes, ends and failures.
 * Returns the connection's own failure, or QGET_OK (the paths' outcomes
 * are in r->worst).
 */
static qget_status
run_jobs(struct run *r, struct job *jobs, struct tool_stream_stats *ss,
    int njobs)
{
	qget_event *evs = NULL;
	unsigned limit = r->o->parallel ? r->o->parallel : (unsigned)njobs;
	int next = 0, nactive = 0;
	size_t n, k;
	qget_error err;
	qget_status rv = QGET_OK;

	memset(&err, 0, sizeof(err));
	for (int i = 0; i < njobs; i++)
		ss[i].exit_code = -1; /* not decided */
	if ((evs = calloc((size_t)njobs + 1, sizeof(*evs))) == NULL) {
		rv = QGET_E_NOMEM;
		snprintf(err.detail, sizeof(err.detail), "out of memory");
		goto fail;
	}
	while (next < njobs || nactive > 0) {
		while (next < njobs && (unsigned)nactive < limit) {
			struct job *j = &jobs[next];

			if ((rv = job_start(r, j, &ss[next], &err)) !=
			    QGET_OK) {
				if (j->out_open)
					out_abort(&j->out);
				job_clear(r, j, &ss[next]);
				ss[next].exit_code = tool_exit_code(rv);
				next++;
				goto fail;
			}
			if (j->failed)
				job_clear(r, j, &ss[next]);
			else
				nactive++;
			next++;
		}
		if (nactive == 0)
			continue;
		if ((rv = qget_conn_poll(r->conn, evs, (size_t)njobs + 1, &n,
		    -1, &err)) != QGET_OK)
			goto fail;
		for (k = 0; k < n; k++) {
			struct job *j;
			struct tool_stream_stats *s;
			unsigned what = evs[k].what;

			if (evs[k].req == NULL) {
				if (what & QGET_EV_GOAWAY)
					tool_verbose(r->o, "the server sent "
					    "GOAWAY: requests it did not take "
					    "will not be processed");
				continue;
			}
			j = qget_request_get_user(evs[k].req);
			s = &ss[j - jobs];
			if ((what & QGET_EV_HEAD) && !j->failed)
				job_head(r, j, s);
			if ((what & QGET_EV_DATA) && !(what & QGET_EV_END) &&
			    !j->failed)
				job_data(r, j, s);
			if ((what & QGET_EV_END) && !j->failed)
				job_end(r, j, s);
			if ((what & (QGET_EV_RESET | QGET_EV_REFUSED |
			    QGET_EV_FAILED)) && !j->failed) {
				qget_status st = qget_request_status(j->req,
				    &err);

				job_fail(r, j, s, st, qget_error_str(&err));
			}
			if ((what & QGET_EV_DONE) || j->failed) {
				if (s->exit_code == -1)
					s->exit_code = 0;
				job_clear(r, j, s);
				nactive--;
			}
		}
	}
	progress_done(r->meter, tool_now(), r->total_body, r->total);
	rv = QGET_OK;
	goto out;
fail:
	jobs_fail_all(r, jobs, ss, njobs, rv, qget_error_str(&err));
out:
	/* What is not decided by now did not fail. */
	for (int i = 0; i < njobs; i++)
		if (ss[i].exit_code == -1)
			ss[i].exit_code = 0;
	r->stats->bytes_body = r->total_body;
	free(evs);
	return rv;
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
		for (i = 0; i < njobs; i++) {
			ss[i].exit_code = tool_exit_code(rv);
			snprintf(ss[i].error, sizeof(ss[i].error), "%s",
			    stats.error);
		}
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
	r.several = njobs > 1;
	r.worst = QGET_OK;
	r.t0 = t0;
	if (o->raw) {
		ss[0].path = "(raw)";
		if ((rv = run_raw(&r, &ss[0])) != QGET_OK)
			goto out;
	} else {
		if ((rv = run_jobs(&r, jobs, ss, njobs)) != QGET_OK)
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
	    qget_conn_app_no_error(conn), CLOSE_TIMEOUT_MS,
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
