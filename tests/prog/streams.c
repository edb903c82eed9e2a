/*
 * The stream calls the tool reaches only through HTTP/3, on an http/1.0
 * connection: stream IDs, a one-way stream, accepting when the peer opened
 * nothing, and a reset with a code the server must see.  A whole request
 * on a second stream afterwards proves the server has had the reset.
 * Usage: streams HOST PORT CAFILE CODE
 * Prints "bidi ID uni ID accepted none reset OK after N" (N: bytes of the
 * second response) and exits 0, or fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "qget.h"

int
main(int argc, char **argv)
{
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *bidi = NULL, *uni = NULL, *peer = NULL, *next = NULL;
	static const char req[] = "GET /one HTTP/1.0\r\n\r\n";
	char buf[4096];
	size_t n, total = 0;
	qget_error err = { 0 };
	static const char part[] = "GET /one HT"; /* never finished */

	if (argc != 5)
		return fprintf(stderr, "usage: streams HOST PORT CAFILE "
		    "CODE\n"), 2;
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_ca(cfg, argv[3], NULL) != QGET_OK ||
	    qget_conn_open(&conn, argv[1], argv[2], cfg, &err) != QGET_OK ||
	    qget_stream_open(&bidi, conn, &err) != QGET_OK ||
	    qget_stream_open_ex(&uni, conn, QGET_STREAM_UNI, &err) !=
	    QGET_OK ||
	    qget_stream_write(bidi, part, sizeof(part) - 1, 0, &err) !=
	    QGET_OK ||
	    qget_conn_accept_stream(conn, &peer, &err) != QGET_OK)
		goto out;
	printf("bidi %" PRIu64 " uni %" PRIu64 " accepted %s ",
	    qget_stream_id(bidi), qget_stream_id(uni),
	    peer == NULL ? "none" : "some");
	if (qget_stream_reset(bidi, strtoull(argv[4], NULL, 0), &err) !=
	    QGET_OK)
		goto out;
	/* Writing after the reset is refused, not sent. */
	if (qget_stream_write(bidi, "x", 1, 0, &err) != QGET_E_USAGE)
		goto out;
	if (qget_stream_open(&next, conn, &err) != QGET_OK ||
	    qget_stream_write(next, req, sizeof(req) - 1, QGET_WRITE_FIN,
	    &err) != QGET_OK)
		goto out;
	while (qget_stream_read(next, buf, sizeof(buf), &n, &err) == QGET_OK &&
	    n > 0)
		total += n;
	if (err.status != QGET_OK)
		goto out;
	printf("reset OK after %zu\n", total);
	qget_conn_close(conn, 0, &err);
out:
	if (err.status != QGET_OK)
		fprintf(stderr, "streams: %s\n", qget_error_str(&err));
	qget_stream_del(next);
	qget_stream_del(peer);
	qget_stream_del(uni);
	qget_stream_del(bidi);
	qget_conn_del(conn);
	qget_config_del(cfg);
	return qget_status_exit_code(err.status);
}
