/*
 * qget_conn_key_update() through the stream API (the qget tool takes the
 * request API): NULL and a closed connection are refused, an open one
 * gets its update while PATH is read over http/1.0.
 * Usage: keyupdate HOST PORT CAFILE PATH
 * Prints "null E_USAGE open OK updates N bytes N closed E_CONN_CLOSED";
 * the library's log lines go to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "qget.h"

static int updates;

static void
log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "* %s\n", line);
	if (strcmp(line, "key update initiated") == 0)
		updates++;
}

int
main(int argc, char **argv)
{
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *st = NULL;
	qget_error err = { 0 };
	qget_status null_st, open_st = QGET_E_FAILURE, closed_st = QGET_E_FAILURE;
	char req[512], buf[65536];
	size_t n, total = 0;
	int len;

	if (argc != 5)
		return fprintf(stderr, "usage: keyupdate HOST PORT CAFILE "
		    "PATH\n"), 2;
	null_st = qget_conn_key_update(NULL);
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
	    argv[4], argv[1]);
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_ca(cfg, argv[3], NULL) != QGET_OK)
		goto out;
	qget_config_set_log(cfg, log_line, NULL);
	if (qget_conn_open(&conn, argv[1], argv[2], cfg, &err) != QGET_OK)
		goto out;
	open_st = qget_conn_key_update(conn);
	if (qget_stream_open(&st, conn, &err) != QGET_OK ||
	    qget_stream_write(st, req, (size_t)len, QGET_WRITE_FIN, &err) !=
	    QGET_OK)
		goto out;
	while (qget_stream_read(st, buf, sizeof(buf), &n, &err) == QGET_OK &&
	    n > 0)
		total += n;
	if (err.status != QGET_OK)
		goto out;
	if (qget_conn_close(conn, 0, &err) != QGET_OK)
		goto out;
	closed_st = qget_conn_key_update(conn);
	printf("null %s open %s updates %d bytes %zu closed %s\n",
	    qget_status_name(null_st), qget_status_name(open_st), updates,
	    total, qget_status_name(closed_st));
out:
	if (err.status != QGET_OK)
		fprintf(stderr, "keyupdate: %s\n", qget_error_str(&err));
	qget_stream_del(st);
	qget_conn_del(conn);
	qget_config_del(cfg);
	return qget_status_exit_code(err.status);
}
