#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "http1.h"
#include "progress.h"
#include "session.h"
#include "writeout.h"

#define READ_BUF (256 * 1024)
#define CLOSE_TIMEOUT_MS 2000

volatile sig_atomic_t tool_stop_signal;

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "* %s\n", line);
}

static void
verbose(const struct tool_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	fputs("* ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
tool_exit_code(qget_status st)
{
	if (st == QGET_E_INTERRUPTED && tool_stop_signal != 0)
		return 128 + tool_stop_signal;
	return qget_status_exit_code(st);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The one place that prints a failure: "qget: (N) detail"; -w json
 * reports the same text. */
static qget_status
report(struct tool_stats *stats, struct progress *meter, qget_status st,
    const char *detail)
{
	progress_end(meter);
	if (st == QGET_E_INTERRUPTED && tool_stop_signal != 0)
		snprintf(stats->error, sizeof(stats->error),
		    "interrupted by %s",
		    tool_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	else
		snprintf(stats->error, sizeof(stats->error), "%s",
		    detail[0] != '\0' ? detail : qget_status_str(st));
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

static qget_status
make_config(const struct tool_opts *o, qget_config **out)
{
	qget_config *cfg = NULL;
	const char *keylog = o->keylog ? o->keylog : getenv("SSLKEYLOGFILE");
	qget_status rv;

	if ((rv = qget_config_new(&cfg)) != QGET_OK ||
	    (rv = qget_config_set_alpn(cfg, o->alpn)) != QGET_OK ||
	    (rv = qget_config_set_family(cfg, o->family)) != QGET_OK ||
	    (rv = qget_config_set_ca(cfg, o->cacert, o->capath)) != QGET_OK ||
	    (rv = qget_config_set_keylog(cfg,
		keylog && *keylog ? keylog : NULL)) != QGET_OK ||
	    (rv = qget_config_set_ciphers(cfg, o->ciphers)) != QGET_OK ||
	    (rv = qget_config_set_pinned_pubkey(cfg, o->pinned_pubkey)) !=
	    QGET_OK)
		goto out;
	if (o->session_file != NULL) {
		unsigned char *sess;
		size_t len;

		tool_session_load(o->session_file, &sess, &len);
		rv = qget_config_set_session(cfg, sess, len);
		free(sess);
		if (rv != QGET_OK)
			goto out;
	}
	qget_config_set_insecure(cfg, o->insecure);
	if (o->connect_timeout_ms != 0)
		qget_config_set_connect_timeout(cfg, o->connect_timeout_ms);
	qget_config_set_idle_timeout(cfg, o->idle_timeout_ms);
	qget_config_set_max_time(cfg, o->max_time_ms);
	qget_config_set_cancel(cfg, &tool_stop_signal);
	if (o->verbose)
		qget_config_set_log(cfg, log_line, NULL);
	*out = cfg;
	cfg = NULL;
out:
	qget_config_del(cfg);
	return rv;
}

static void
describe_conn(const struct tool_opts *o, qget_conn *conn)
{
	qget_conn_info info;

	if (!o->verbose || qget_conn_get_info(conn, &info) != QGET_OK)
		return;
	verbose(o, "ALPN: %s", info.alpn);
	verbose(o, "protocol: %s, TLSv1.3 %s%s", info.version, info.cipher,
	    info.resumed ? " (resumed)" : "");
	verbose(o, "server certificate: subject %s", info.peer_subject);
	verbose(o, "server certificate: issuer %s", info.peer_issuer);
	verbose(o, "server certificate: verification %s", info.verify);
	verbose(o, "handshake: %.1f ms", (double)info.handshake_us / 1000.0);
}

/* Sends body bytes to the output, holding them to the Content-Length. */
static qget_status
emit_body(const struct http1_resp *r, struct tool_out *out,
    const unsigned char *p, size_t n, uint64_t *body, char *msg,
    size_t msglen)
{
	if (n == 0)
		return QGET_OK;
	if (!r->simple && r->has_length && *body + n > r->content_length) {
		snprintf(msg, msglen, "response longer than its Content-Length "
		    "of %" PRIu64 " bytes", r->content_length);
		return QGET_E_PROTOCOL;
	}
	*body += n;
	return out_write(out, p, n, msg, msglen);
}

qget_status
tool_fetch(const struct tool_opts *o, struct tool_out *out)
{
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *st = NULL;
	qget_conn_info info;
	struct http1_resp *resp = NULL;
	unsigned char *buf = NULL;
	char req[8192 + 512], msg[512];
	qget_error err;
	qget_status rv;
	uint64_t body = 0;
	size_t reqlen, n, used;
	int use_http1;
	struct tool_stats stats;
	struct progress meter;
	double t0 = now_s();

	msg[0] = '\0';
	progress_start(&meter, !o->silent && !o->no_progress &&
	    isatty(STDERR_FILENO), t0);
	memset(&stats, 0, sizeof(stats));
	stats.host = o->host;
	stats.port = o->port;
	stats.path = o->path;
	stats.time_first_byte = -1;
	stats.time_fin = -1;
	if ((rv = make_config(o, &cfg)) != QGET_OK) {
		rv = report(&stats, &meter, rv, "cannot configure the connection");
		goto out;
	}
	if ((buf = malloc(READ_BUF)) == NULL ||
	    (resp = malloc(sizeof(*resp))) == NULL) {
		rv = report(&stats, &meter, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	http1_resp_init(resp);

	if ((rv = qget_conn_open(&conn, o->host, o->port, cfg, &err)) !=
	    QGET_OK) {
		rv = report(&stats, &meter, rv, qget_error_str(&err));
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
	use_http1 = strcmp(info.alpn, "hq-interop") != 0;
	reqlen = http1_build_request(req, sizeof(req), info.alpn, o->host,
	    o->path);
	if (reqlen == 0) {
		rv = report(&stats, &meter, QGET_E_USAGE, "request too long");
		goto out;
	}
	verbose(o, "request: %.*s", (int)strcspn(req, "\r\n"), req);

	if ((rv = qget_stream_open(&st, conn, &err)) != QGET_OK ||
	    (rv = qget_stream_write(st, req, reqlen, QGET_WRITE_FIN, &err)) !=
	    QGET_OK) {
		rv = report(&stats, &meter, rv, qget_error_str(&err));
		goto out;
	}

	for (;;) {
		if ((rv = qget_stream_read(st, buf, READ_BUF, &n, &err)) !=
		    QGET_OK) {
			rv = report(&stats, &meter, rv, qget_error_str(&err));
			goto out;
		}
		if (n == 0) {
			stats.time_fin = now_s() - t0;
			break; /* FIN: the response is complete */
		}
		if (stats.time_first_byte < 0)
			stats.time_first_byte = now_s() - t0;
		used = 0;
		if (use_http1 && !resp->decided) {
			if ((rv = http1_feed(resp, buf, n, &used, msg,
			    sizeof(msg))) != QGET_OK) {
				rv = report(&stats, &meter, rv, msg);
				goto out;
			}
			if (!resp->decided)
				continue;
			if (resp->simple)
				rv = emit_body(resp, out, resp->head,
				    resp->head_len, &body, msg, sizeof(msg));
			else if (o->include)
				rv = out_write(out, resp->head, resp->head_len,
				    msg, sizeof(msg));
			if (rv != QGET_OK) {
				rv = report(&stats, &meter, rv, msg);
				goto out;
			}
			if (!resp->simple)
				verbose(o, "response: HTTP/1.%d %d %s%s",
				    resp->version_minor, resp->status,
				    resp->reason, resp->has_length ? "" :
				    " (no Content-Length)");
		}
		if ((rv = emit_body(resp, out, buf + used, n - used, &body,
		    msg, sizeof(msg))) != QGET_OK) {
			rv = report(&stats, &meter, rv, msg);
			goto out;
		}
		progress_update(&meter, now_s(), body, resp->decided &&
		    !resp->simple && resp->has_length ?
		    resp->content_length : 0);
	}

	progress_done(&meter, now_s(), body, resp->decided && !resp->simple &&
	    resp->has_length ? resp->content_length : 0);
	if (use_http1 && !resp->decided) {
		if ((rv = http1_finish(resp, msg, sizeof(msg))) != QGET_OK ||
		    (rv = emit_body(resp, out, resp->head, resp->head_len,
			&body, msg, sizeof(msg))) != QGET_OK) {
			rv = report(&stats, &meter, rv, msg);
			goto out;
		}
	}
	if (use_http1 && !resp->simple && resp->has_length &&
	    body < resp->content_length) {
		snprintf(msg, sizeof(msg), "response truncated: the server "
		    "ended the stream after %" PRIu64 " of %" PRIu64
		    " body bytes (Content-Length)", body,
		    resp->content_length);
		rv = report(&stats, &meter, QGET_E_TRUNCATED, msg);
		goto out;
	}
	if ((rv = out_commit(out, msg, sizeof(msg))) != QGET_OK) {
		rv = report(&stats, &meter, rv, msg);
		goto out;
	}
	verbose(o, "received %" PRIu64 " bytes (%" PRIu64 " body), sent %"
	    PRIu64, qget_stream_bytes_read(st), body,
	    qget_stream_bytes_written(st));

	if (o->session_file != NULL) {
		unsigned char *sess;
		size_t len;

		if (qget_conn_get_session(conn, &sess, &len) == QGET_OK) {
			tool_session_save(o->session_file, sess, len);
			free(sess);
		} else {
			verbose(o, "the server sent no TLS session ticket");
		}
	}

	/* The response is complete and written: a close that goes wrong now
	 * is worth a note, not a failure. */
	stats.bytes_received = qget_stream_bytes_read(st);
	stats.bytes_sent = qget_stream_bytes_written(st);
	qget_stream_del(st);
	st = NULL;
	if (qget_conn_close(conn, CLOSE_TIMEOUT_MS, &err) != QGET_OK)
		verbose(o, "close: %s", qget_error_str(&err));
	rv = QGET_OK;
out:
	progress_end(&meter);
	if (st != NULL) {
		stats.bytes_received = qget_stream_bytes_read(st);
		stats.bytes_sent = qget_stream_bytes_written(st);
	}
	stats.bytes_body = body;
	if (resp != NULL && resp->decided && !resp->simple)
		stats.http_status = resp->status;
	qget_stream_del(st);
	/* Tell the server why we leave, rather than let it time out. */
	if (rv == QGET_E_INTERRUPTED)
		qget_conn_abort(conn, 0, "client interrupted");
	qget_conn_del(conn);
	qget_config_del(cfg);
	free(resp);
	free(buf);
	if (o->write_json) {
		stats.time_total = now_s() - t0;
		stats.exit_code = tool_exit_code(rv);
		write_stats(o, &stats);
	}
	return rv;
}
