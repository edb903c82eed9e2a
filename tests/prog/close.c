/*
 * Fetches PATH over http/1.0 and closes with qget_conn_close_ex(FLAGS), to
 * show each close flag still gets a CONNECTION_CLOSE to the server.
 * Usage: close HOST PORT CAFILE PATH FLAGS  (FLAGS: a number, QGET_CLOSE_*)
 * Prints the number of response bytes (head and body) and the close status's name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "qget.h"

int
main(int argc, char **argv)
{
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *st = NULL;
	qget_error err = { 0 };
	char req[512], buf[4096];
	size_t n, total = 0;
	int len;

	if (argc != 6)
		return fprintf(stderr, "usage: close HOST PORT CAFILE PATH "
		    "FLAGS\n"), 2;
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
	    argv[4], argv[1]);
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_ca(cfg, argv[3], NULL) != QGET_OK ||
	    qget_conn_open(&conn, argv[1], argv[2], cfg, &err) != QGET_OK ||
	    qget_stream_open(&st, conn, &err) != QGET_OK ||
	    qget_stream_write(st, req, (size_t)len, QGET_WRITE_FIN, &err) !=
	    QGET_OK)
		goto out;
	while (qget_stream_read(st, buf, sizeof(buf), &n, &err) == QGET_OK &&
	    n > 0)
		total += n;
	if (err.status != QGET_OK)
		goto out;
	qget_conn_close_ex(conn, (unsigned int)strtoul(argv[5], NULL, 0), 0,
	    0, &err);
	printf("%zu %s\n", total, qget_status_name(err.status));
out:
	if (err.status != QGET_OK)
		fprintf(stderr, "close: %s\n", qget_error_str(&err));
	qget_stream_del(st);
	qget_conn_del(conn);
	qget_config_del(cfg);
	return qget_status_exit_code(err.status);
}
