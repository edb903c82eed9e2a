/*
 * An HTTP/1.0 upload through the stream API, for qget-serve's /echo: the
 * request head and the first part of the body in one write, the rest in
 * 64 KiB writes, then FIN; the whole response (head and body) to stdout.
 * Usage: upload HOST PORT CAFILE METHOD PATH BODYFILE [LENGTH]
 * LENGTH is the Content-Length to send: a number (which may lie), "none"
 * for no Content-Length (the body ends at FIN), or "chunked" for a
 * Transfer-Encoding field instead; default: the file's size.
 * A server that stops the upload (STOP_SENDING) is not a failure: the
 * response is read all the same.  Prints "sent N bytes, complete" or
 * "sent N bytes, stopped by the server" on stderr; exits 0 once the
 * response has been read to its FIN, or with the library's exit code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qget.h"

#define CHUNK (64 * 1024)

int
main(int argc, char **argv)
{
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *st = NULL;
	qget_error err = { 0 };
	qget_status rc;
	FILE *body = NULL;
	char *buf = NULL, field[96];
	const char *len_arg = argc > 7 ? argv[7] : NULL;
	size_t n, head_len, total = 0;
	long size;
	int ret = 2;

	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: upload HOST PORT CAFILE METHOD PATH "
		    "BODYFILE [LENGTH|none|chunked]\n");
		return 2;
	}
	if ((body = fopen(argv[6], "rb")) == NULL ||
	    fseek(body, 0, SEEK_END) != 0 || (size = ftell(body)) < 0 ||
	    fseek(body, 0, SEEK_SET) != 0) {
		perror(argv[6]);
		goto out;
	}
	if (len_arg == NULL)
		snprintf(field, sizeof(field), "Content-Length: %ld\r\n", size);
	else if (strcmp(len_arg, "none") == 0)
		field[0] = '\0';
	else if (strcmp(len_arg, "chunked") == 0)
		snprintf(field, sizeof(field),
		    "Transfer-Encoding: chunked\r\n");
	else
		snprintf(field, sizeof(field), "Content-Length: %s\r\n",
		    len_arg);
	if ((buf = malloc(CHUNK + 1024)) == NULL)
		goto out;
	head_len = (size_t)snprintf(buf, 1024, "%s %s HTTP/1.0\r\n"
	    "Host: %s\r\n%s\r\n", argv[4], argv[5], argv[1], field);

	ret = 1;
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_ca(cfg, argv[3], NULL) != QGET_OK ||
	    qget_conn_open(&conn, argv[1], argv[2], cfg, &err) != QGET_OK ||
	    qget_stream_open(&st, conn, &err) != QGET_OK)
		goto out;

	/* The head and the body's first bytes in one write: the server
	 * finds body bytes behind the head it parses. */
	n = fread(buf + head_len, 1, CHUNK, body);
	rc = qget_stream_write(st, buf, head_len + n, n < CHUNK ?
	    QGET_WRITE_FIN : 0, &err);
	while (rc == QGET_OK && n == CHUNK) {
		total += n;
		n = fread(buf, 1, CHUNK, body);
		rc = qget_stream_write(st, buf, n, n < CHUNK ?
		    QGET_WRITE_FIN : 0, &err);
	}
	/*
	 * A failed write may be the server's STOP_SENDING after its answer
	 * (OpenSSL answers STOP_SENDING with RESET_STREAM and then reports
	 * the write side as reset locally, so the library may not call it
	 * QGET_E_STREAM_RESET): the response decides.
	 */
	if (rc == QGET_OK) {
		total += n;
		fprintf(stderr, "sent %zu bytes, complete\n", total);
	} else {
		fprintf(stderr, "sent %zu bytes, stopped by the server (%s)\n",
		    total, qget_error_str(&err));
		err.status = QGET_OK;
	}

	while ((rc = qget_stream_read(st, buf, CHUNK, &n, &err)) ==
	    QGET_OK && n > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			goto out;
	if (rc != QGET_OK)
		goto out;
	if (fflush(stdout) != 0)
		goto out;
	ret = 0;
	qget_conn_close(conn, 0, &err);
	err.status = QGET_OK;
out:
	if (err.status != QGET_OK) {
		fprintf(stderr, "upload: %s\n", qget_error_str(&err));
		ret = qget_status_exit_code(err.status);
	}
	qget_stream_del(st);
	qget_conn_del(conn);
	qget_config_del(cfg);
	free(buf);
	if (body != NULL)
		fclose(body);
	return ret;
}
