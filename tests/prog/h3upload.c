/*
 * An HTTP/3 upload for qget-serve's /echo, until the library's request
 * API uploads: nghttp3 frames the request (HEADERS, then the file in DATA
 * frames, then FIN) and reads the response; the library's stream API
 * carries the bytes (blocking writes, then the response read to its end).
 * Usage: h3upload HOST PORT CAFILE METHOD PATH BODYFILE [LENGTH|none]
 * LENGTH is the content-length field to send (default: the file's size;
 * "none": no content-length).  The response's fields go to stderr as
 * "name: value" lines, its body to stdout.  A server that stops the
 * upload (STOP_SENDING) is not a failure: the response is read all the
 * same.  Prints "sent N bytes, complete" or "sent N bytes, stopped by the
 * server (...)" on stderr; exits 0 once the response is complete, 1 on
 * any failure (or the library's exit code).
 *
 * The server's own unidirectional streams are never accepted: with no
 * QPACK dynamic table (nghttp3's default capacity, 0) the response's
 * fields need nothing from them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp3/nghttp3.h>

#include "qget.h"

#define CHUNK (64 * 1024)

struct up {
	FILE *body;
	unsigned char buf[CHUNK];
	uint64_t sent;		/* body bytes handed to nghttp3 */
	int done;		/* the response is complete */
	int failed;
};

static void
make_nv(nghttp3_nv *nv, const char *name, const char *value)
{
	nv->name = (uint8_t *)(uintptr_t)name;
	nv->namelen = strlen(name);
	nv->value = (uint8_t *)(uintptr_t)value;
	nv->valuelen = strlen(value);
	nv->flags = NGHTTP3_NV_FLAG_NONE;
}

static nghttp3_ssize
read_body(nghttp3_conn *h3, int64_t id, nghttp3_vec *vec, size_t veccnt,
    uint32_t *pflags, void *ud, void *sud)
{
	struct up *u = ud;
	size_t n;

	(void)h3;
	(void)id;
	(void)veccnt;
	(void)sud;
	/* Each chunk is written (and copied by OpenSSL) before the next
	 * call, so one buffer serves them all. */
	n = fread(u->buf, 1, sizeof(u->buf), u->body);
	if (ferror(u->body))
		return NGHTTP3_ERR_CALLBACK_FAILURE;
	u->sent += n;
	if (n < sizeof(u->buf))
		*pflags |= NGHTTP3_DATA_FLAG_EOF;
	if (n == 0)
		return 0;
	vec[0].base = u->buf;
	vec[0].len = n;
	return 1;
}

static int
on_header(nghttp3_conn *h3, int64_t id, int32_t token, nghttp3_rcbuf *name,
    nghttp3_rcbuf *value, uint8_t flags, void *ud, void *sud)
{
	nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
	nghttp3_vec v = nghttp3_rcbuf_get_buf(value);

	(void)h3;
	(void)id;
	(void)token;
	(void)flags;
	(void)ud;
	(void)sud;
	fprintf(stderr, "%.*s: %.*s\n", (int)n.len, (const char *)n.base,
	    (int)v.len, (const char *)v.base);
	return 0;
}

static int
on_data(nghttp3_conn *h3, int64_t id, const uint8_t *data, size_t len,
    void *ud, void *sud)
{
	struct up *u = ud;

	(void)h3;
	(void)id;
	(void)sud;
	if (fwrite(data, 1, len, stdout) != len)
		u->failed = 1;
	return 0;
}

static int
on_end(nghttp3_conn *h3, int64_t id, void *ud, void *sud)
{
	(void)h3;
	(void)id;
	(void)sud;
	((struct up *)ud)->done = 1;
	return 0;
}

/* Hands every stream's pending bytes to the library.  Returns 0, or the
 * failing write's status with *sid its stream's ID. */
static qget_status
flush(nghttp3_conn *h3, qget_stream **st, size_t nst, int64_t *sid,
    qget_error *err)
{
	nghttp3_vec vec[16];
	nghttp3_ssize n, i;
	int64_t id;
	int fin;
	size_t k, total;
	qget_status rc;

	for (;;) {
		n = nghttp3_conn_writev_stream(h3, &id, &fin, vec, 16);
		if (n < 0)
			return QGET_E_PROTOCOL;
		if (id < 0)
			return QGET_OK;
		for (k = 0; k < nst && (int64_t)qget_stream_id(st[k]) != id;
		    k++)
			;
		if (k == nst)
			return QGET_E_PROTOCOL;
		total = 0;
		for (i = 0; i < n; i++) {
			rc = qget_stream_write(st[k], vec[i].base, vec[i].len,
			    fin && i == n - 1 ? QGET_WRITE_FIN : 0, err);
			if (rc != QGET_OK) {
				*sid = id;
				return rc;
			}
			total += vec[i].len;
		}
		if (n == 0 && fin &&
		    qget_stream_write(st[k], NULL, 0, QGET_WRITE_FIN, err) !=
		    QGET_OK) {
			*sid = id;
			return err->status;
		}
		if (nghttp3_conn_add_write_offset(h3, id, total) != 0 ||
		    nghttp3_conn_add_ack_offset(h3, id, total) != 0)
			return QGET_E_PROTOCOL;
	}
}

int
main(int argc, char **argv)
{
	static struct up u;
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_stream *st[4] = { NULL, NULL, NULL, NULL }; /* req, ctrl, qpack */
	qget_error err = { 0 };
	nghttp3_conn *h3 = NULL;
	nghttp3_callbacks cb;
	nghttp3_settings set;
	nghttp3_nv nv[6];
	nghttp3_data_reader dr = { read_body };
	char len_value[32], authority[300];
	const char *len_arg = argc > 7 ? argv[7] : NULL;
	unsigned char buf[16384];
	size_t nnv = 0, n, i;
	int64_t sid = -1;
	long size;
	qget_status rc;
	int ret = 2;

	if (argc < 7 || argc > 8) {
		fprintf(stderr, "usage: h3upload HOST PORT CAFILE METHOD PATH "
		    "BODYFILE [LENGTH|none]\n");
		return 2;
	}
	if ((u.body = fopen(argv[6], "rb")) == NULL ||
	    fseek(u.body, 0, SEEK_END) != 0 || (size = ftell(u.body)) < 0 ||
	    fseek(u.body, 0, SEEK_SET) != 0) {
		perror(argv[6]);
		goto out;
	}
	snprintf(len_value, sizeof(len_value), "%s", len_arg != NULL ?
	    len_arg : "");
	if (len_arg == NULL)
		snprintf(len_value, sizeof(len_value), "%ld", size);
	snprintf(authority, sizeof(authority), "%s:%s", argv[1], argv[2]);
	make_nv(&nv[nnv++], ":method", argv[4]);
	make_nv(&nv[nnv++], ":scheme", "https");
	make_nv(&nv[nnv++], ":authority", authority);
	make_nv(&nv[nnv++], ":path", argv[5]);
	if (len_arg == NULL || strcmp(len_arg, "none") != 0)
		make_nv(&nv[nnv++], "content-length", len_value);

	ret = 1;
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_alpn(cfg, "h3") != QGET_OK ||
	    qget_config_set_ca(cfg, argv[3], NULL) != QGET_OK ||
	    qget_conn_open(&conn, argv[1], argv[2], cfg, &err) != QGET_OK ||
	    qget_stream_open(&st[0], conn, &err) != QGET_OK)
		goto out;
	for (i = 1; i < 4; i++)
		if (qget_stream_open_ex(&st[i], conn, QGET_STREAM_UNI, &err) !=
		    QGET_OK)
			goto out;

	memset(&cb, 0, sizeof(cb));
	cb.recv_header = on_header;
	cb.recv_data = on_data;
	cb.end_stream = on_end;
	nghttp3_settings_default(&set);
	if (nghttp3_conn_client_new(&h3, &cb, &set, NULL, &u) != 0 ||
	    nghttp3_conn_bind_control_stream(h3,
	    (int64_t)qget_stream_id(st[1])) != 0 ||
	    nghttp3_conn_bind_qpack_streams(h3, (int64_t)qget_stream_id(st[2]),
	    (int64_t)qget_stream_id(st[3])) != 0 ||
	    nghttp3_conn_submit_request(h3, (int64_t)qget_stream_id(st[0]), nv,
	    nnv, &dr, NULL) != 0) {
		fprintf(stderr, "h3upload: nghttp3 setup failed\n");
		goto out;
	}

	rc = flush(h3, st, 4, &sid, &err);
	if (rc == QGET_OK) {
		fprintf(stderr, "sent %" PRIu64 " bytes, complete\n", u.sent);
	} else if (sid == (int64_t)qget_stream_id(st[0])) {
		/* The server's STOP_SENDING after its answer: the response
		 * decides. */
		fprintf(stderr, "sent %" PRIu64 " bytes, stopped by the server "
		    "(%s)\n", u.sent, qget_error_str(&err));
		err.status = QGET_OK;
	} else {
		if (err.status == QGET_OK)
			fprintf(stderr, "h3upload: nghttp3 failed\n");
		goto out;
	}

	while (!u.done && !u.failed) {
		rc = qget_stream_read(st[0], buf, sizeof(buf), &n, &err);
		if (rc != QGET_OK)
			goto out;
		if (nghttp3_conn_read_stream(h3, (int64_t)qget_stream_id(st[0]),
		    buf, n, n == 0) < 0) {
			fprintf(stderr, "h3upload: a malformed response\n");
			goto out;
		}
		if (n == 0)
			break;
	}
	if (!u.done || u.failed || fflush(stdout) != 0) {
		fprintf(stderr, "h3upload: the response did not end well\n");
		goto out;
	}
	ret = 0;
	qget_conn_close(conn, 0, &err);
	err.status = QGET_OK;
out:
	if (err.status != QGET_OK) {
		fprintf(stderr, "h3upload: %s\n", qget_error_str(&err));
		ret = qget_status_exit_code(err.status);
	}
	nghttp3_conn_del(h3);
	for (i = 0; i < 4; i++)
		qget_stream_del(st[i]);
	qget_conn_del(conn);
	qget_config_del(cfg);
	if (u.body != NULL)
		fclose(u.body);
	return ret;
}
