/*
 * What OpenSSL's quic-client-block demo does, on libqget: send an HTTP/1.0
 * request on a QUIC stream with FIN and print the response until the
 * server's FIN.  Usage: fetch HOST PORT [CAFILE]
 */
#include <stdio.h>

#include "qget.h"

int
main(int argc, char **argv)
{
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *st = NULL;
	qget_error err = { 0 };
	char req[512], buf[65536];
	size_t n;
	int len;

	if (argc < 3)
		return fprintf(stderr, "usage: fetch HOST PORT [CAFILE]\n"), 2;
	len = snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nConnection: close"
	    "\r\nHost: %s\r\n\r\n", argv[1]);
	if (qget_config_new(&cfg) != QGET_OK ||
	    (argc > 3 && qget_config_set_ca(cfg, argv[3], NULL) != QGET_OK) ||
	    qget_conn_open(&conn, argv[1], argv[2], cfg, &err) != QGET_OK ||
	    qget_stream_open(&st, conn, &err) != QGET_OK ||
	    qget_stream_write(st, req, (size_t)len, QGET_WRITE_FIN, &err) !=
	    QGET_OK)
		goto out;
	while (qget_stream_read(st, buf, sizeof(buf), &n, &err) == QGET_OK &&
	    n > 0)
		fwrite(buf, 1, n, stdout);
	if (err.status == QGET_OK)
		qget_conn_close(conn, 0, &err);
out:
	if (err.status != QGET_OK)
		fprintf(stderr, "fetch: %s\n", qget_error_str(&err));
	qget_stream_del(st);
	qget_conn_del(conn);
	qget_config_del(cfg);
	return qget_status_exit_code(err.status);
}
