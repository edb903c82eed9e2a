/*
 * The HTTP/3 driver (src/lib/drv_h3.c) against crafted server frames, on
 * the nghttp3 qget is built with: its callbacks fill requests as the
 * request layer wants them (interim heads, the head text, fields,
 * content-length, the body), and a malformed response fails its own
 * request while the connection goes on: the driver relies on nghttp3
 * keeping a connection usable after such an error once the stream is
 * dropped, which nghttp3 does not promise (see drv_h3.c), so this test
 * is what tells when an nghttp3 upgrade breaks it.
 */
#include <stdlib.h>
#include <string.h>

#include <nghttp3/nghttp3.h>

#include "../../src/lib/drv_h3.h"
#include "../../src/lib/req.h"
#include "check.h"

struct buf {
	unsigned char b[128 * 1024];
	size_t n;
};

static nghttp3_conn *conn;
static nghttp3_tstamp ts = 1;
static struct buf ctrl_out; /* what we sent on our control stream */

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->b))
		abort();
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
byte(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(b, &c, 1);
}

/* A QUIC variable-length integer (RFC 9000, 16). */
static void
varint(struct buf *b, uint64_t v)
{
	if (v < 64) {
		byte(b, (unsigned)v);
	} else if (v < 16384) {
		byte(b, 0x40 | (unsigned)(v >> 8));
		byte(b, (unsigned)v & 0xff);
	} else {
		byte(b, 0x80 | (unsigned)(v >> 24));
		byte(b, (unsigned)(v >> 16) & 0xff);
		byte(b, (unsigned)(v >> 8) & 0xff);
		byte(b, (unsigned)v & 0xff);
	}
}

/* A QPACK prefixed integer (RFC 7541, 5.1) with `bits` bits in the first
 * byte, after `flags`. */
static void
pint(struct buf *b, unsigned flags, int bits, uint64_t v)
{
	uint64_t max = (1u << bits) - 1;

	if (v < max) {
		byte(b, flags | (unsigned)v);
		return;
	}
	byte(b, flags | (unsigned)max);
	for (v -= max; v >= 128; v >>= 7)
		byte(b, 0x80 | (unsigned)(v & 0x7f));
	byte(b, (unsigned)v);
}

/* A field line from the static table (RFC 9204, 4.5.2, A). */
static void
indexed(struct buf *b, unsigned index)
{
	pint(b, 0xc0, 6, index);
}

/* A field line with a literal name (RFC 9204, 4.5.6). */
static void
literal(struct buf *b, const char *name, const char *value)
{
	pint(b, 0x20, 3, strlen(name));
	put(b, name, strlen(name));
	pint(b, 0x00, 7, strlen(value));
	put(b, value, strlen(value));
}

static void
frame(struct buf *out, uint64_t type, const struct buf *payload)
{
	varint(out, type);
	varint(out, payload->n);
	put(out, payload->b, payload->n);
}

/* A HEADERS frame of a field section: no dynamic table. */
static void
headers(struct buf *out, const struct buf *lines)
{
	static struct buf f;

	f.n = 0;
	byte(&f, 0);
	byte(&f, 0);
	put(&f, lines->b, lines->n);
	frame(out, 0x01, &f);
}

static void
data(struct buf *out, const char *s)
{
	static struct buf f;

	f.n = 0;
	put(&f, s, strlen(s));
	frame(out, 0x00, &f);
}

static nghttp3_ssize
feed(int64_t id, const struct buf *b, int fin)
{
	return nghttp3_conn_read_stream2(conn, id, b->b, b->n, fin, ts++);
}

/* Everything nghttp3 has to send, taken as sent and acknowledged. */
static int
flush(int64_t *saw, size_t nsaw)
{
	for (;;) {
		nghttp3_vec vec[16];
		int64_t id;
		int fin;
		size_t total = 0;
		nghttp3_ssize n;

		n = nghttp3_conn_writev_stream(conn, &id, &fin, vec, 16);
		if (n < 0)
			return -1;
		if (id < 0)
			return 0;
		for (nghttp3_ssize i = 0; i < n; i++) {
			if (id == 2)
				put(&ctrl_out, vec[i].base, vec[i].len);
			total += vec[i].len;
		}
		for (size_t i = 0; i < nsaw; i++)
			if (saw[i] == id)
				saw[i] = -1;
		if (nghttp3_conn_add_write_offset(conn, id, total) != 0 ||
		    nghttp3_conn_add_ack_offset(conn, id, total) != 0)
			return -1;
	}
}

static qget_request *
request(int64_t id, const char *method)
{
	qget_request *r = calloc(1, sizeof(*r));
	nghttp3_nv nv[4] = {
		{ (uint8_t *)":method", (uint8_t *)(uintptr_t)method, 7,
		    strlen(method), 0 },
		{ (uint8_t *)":scheme", (uint8_t *)"https", 7, 5, 0 },
		{ (uint8_t *)":authority", (uint8_t *)"h", 10, 1, 0 },
		{ (uint8_t *)":path", (uint8_t *)"/", 5, 1, 0 },
	};

	if (r == NULL || (r->drv = qget__h3_req_new()) == NULL)
		abort();
	r->version = "";
	r->body_fd = -1;
	r->body_length = -1;
	r->is_head = strcmp(method, "HEAD") == 0;
	if (nghttp3_conn_submit_request(conn, id, nv, 4, NULL, r) != 0)
		abort();
	return r;
}

static int
rbuf_is(const qget_request *r, const char *s)
{
	return r->rbuf_len == strlen(s) && memcmp(r->rbuf + r->rbuf_off, s,
	    r->rbuf_len) == 0;
}

static int
has(const struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + n <= b->n; i++)
		if (memcmp(b->b + i, p, n) == 0)
			return 1;
	return 0;
}

int
main(void)
{
	static const unsigned char mfss[] = { 0x06, 0x80, 0x01, 0x00, 0x00 };
	static struct buf b, f, big;
	nghttp3_callbacks cb;
	nghttp3_settings settings;
	qget_request *good, *bad_field, *short_body, *head, *huge, *later;
	qget_request *qpack;
	int64_t saw[1];
	nghttp3_ssize rv;
	int ok;

	qget__h3_callbacks(&cb);
	qget__h3_settings(&settings);
	CHECK("setup: a client connection",
	    nghttp3_conn_client_new(&conn, &cb, &settings, NULL, NULL) == 0 &&
	    nghttp3_conn_bind_control_stream(conn, 2) == 0 &&
	    nghttp3_conn_bind_qpack_streams(conn, 6, 10) == 0);
	good = request(0, "GET");
	short_body = request(8, "GET");
	head = request(12, "HEAD");
	bad_field = request(16, "GET");
	huge = request(20, "GET");
	CHECK("setup: the requests go out", flush(NULL, 0) == 0);
	CHECK("settings: max_field_section_size 65536 is sent",
	    has(&ctrl_out, mfss, sizeof(mfss)));

	/* The server's control stream with its SETTINGS. */
	b.n = 0;
	byte(&b, 0x00);
	f.n = 0;
	frame(&b, 0x04, &f);
	CHECK("server: control stream and SETTINGS", feed(3, &b, 0) >= 0);

	/* Streams of reserved types (RFC 9114, 6.2.3), more than 16, each
	 * read, ended and freed. */
	ok = 1;
	for (int64_t i = 0; i < 40; i++) {
		b.n = 0;
		varint(&b, 0x1f * (uint64_t)i + 0x21);
		put(&b, "grease", 6);
		if (feed(7 + 4 * i, &b, 1) < 0 ||
		    nghttp3_conn_close_stream(conn, 7 + 4 * i, 0) != 0)
			ok = 0;
	}
	CHECK("server: 40 grease streams read, ended and freed", ok);

	/* A field name with upper case: the request's own error. */
	b.n = 0;
	f.n = 0;
	indexed(&f, 25); /* :status 200 */
	literal(&f, "X-Bad", "1");
	headers(&b, &f);
	rv = feed(16, &b, 0);
	CHECK("malformed field: MALFORMED_HTTP_HEADER",
	    rv == NGHTTP3_ERR_MALFORMED_HTTP_HEADER);
	CHECK("malformed field: the request's error, H3_MESSAGE_ERROR",
	    qget__h3_request_error((int)rv) &&
	    nghttp3_err_infer_quic_app_error_code((int)rv) == 0x10e);
	CHECK("malformed field: the stream is dropped",
	    qget__h3_drop_stream(conn, 16, 0x10e, 1) == 0);

	/* Then the others still work: an interim head, a final one with
	 * fields, a body, the end. */
	b.n = 0;
	f.n = 0;
	indexed(&f, 24); /* :status 103 */
	headers(&b, &f);
	f.n = 0;
	indexed(&f, 25);
	literal(&f, "content-length", "5");
	literal(&f, "x-a", "b c");
	headers(&b, &f);
	data(&b, "hel");
	data(&b, "lo");
	rv = feed(0, &b, 1);
	CHECK("after it: a sibling's response reads", rv >= 0);
	CHECK("after it: final status 200, HTTP/3, head complete",
	    good->status == 200 && strcmp(good->version, "HTTP/3") == 0 &&
	    good->head_done && good->failed == QGET_OK);
	CHECK("head text: the interim head, then the final one",
	    good->head != NULL && strcmp(good->head, "HTTP/3 103\r\n\r\n"
	    "HTTP/3 200\r\ncontent-length: 5\r\nx-a: b c\r\n\r\n") == 0);
	CHECK("fields: the final head's only, in order",
	    good->nrfields == 2 &&
	    strcmp(good->rfields[0].name, "content-length") == 0 &&
	    strcmp(good->rfields[1].name, "x-a") == 0 &&
	    strcmp(good->rfields[1].value, "b c") == 0);
	CHECK("content-length: recorded", good->has_length &&
	    good->content_length == 5);
	CHECK("body: both DATA frames, decoded", rbuf_is(good, "hello") &&
	    good->body_received == 5);

	/* A body short of its content-length at the FIN. */
	b.n = 0;
	f.n = 0;
	indexed(&f, 25);
	literal(&f, "content-length", "10");
	headers(&b, &f);
	data(&b, "12345");
	rv = feed(8, &b, 1);
	CHECK("short body: MALFORMED_HTTP_MESSAGING, the request's",
	    rv == NGHTTP3_ERR_MALFORMED_HTTP_MESSAGING &&
	    qget__h3_request_error((int)rv));
	CHECK("short body: the head was complete, 5 of 10 bytes",
	    short_body->head_done && short_body->content_length == 10 &&
	    short_body->body_received == 5);
	CHECK("short body: the stream is dropped",
	    qget__h3_drop_stream(conn, 8, 0x10e, 1) == 0);

	/* HEAD: a length and no body. */
	b.n = 0;
	f.n = 0;
	indexed(&f, 25);
	literal(&f, "content-length", "100000");
	headers(&b, &f);
	CHECK("HEAD: no body for a length is fine", feed(12, &b, 1) >= 0 &&
	    head->status == 200 && head->content_length == 100000 &&
	    head->rbuf_len == 0 && head->failed == QGET_OK);

	/* Fields past QGET__MAX_FIELD_BYTES fail that request alone (the
	 * server ignores our max_field_section_size). */
	b.n = 0;
	f.n = 0;
	indexed(&f, 25);
	memset(big.b, 'v', 2000);
	big.b[2000] = '\0';
	for (int i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "x-%d", i);
		literal(&f, name, (const char *)big.b);
	}
	headers(&b, &f);
	rv = feed(20, &b, 0);
	CHECK("over 64 KiB of fields: nghttp3 goes on", rv >= 0);
	CHECK("over 64 KiB of fields: that request failed, E_PROTOCOL",
	    huge->failed == QGET_E_PROTOCOL && !huge->head_done &&
	    huge->rfields_bytes <= QGET__MAX_FIELD_BYTES);
	CHECK("over 64 KiB of fields: the stream is dropped",
	    qget__h3_drop_stream(conn, 20, 0x10c, 1) == 0);

	/* The connection still takes requests and answers. */
	later = request(24, "GET");
	saw[0] = 24;
	CHECK("after the errors: a new request goes out",
	    flush(saw, 1) == 0 && saw[0] == -1);
	b.n = 0;
	f.n = 0;
	indexed(&f, 27); /* :status 404 */
	headers(&b, &f);
	data(&b, "gone");
	CHECK("after the errors: its response reads", feed(24, &b, 1) >= 0 &&
	    later->status == 404 && rbuf_is(later, "gone"));

	/* A QPACK error is not a request's: the connection's. */
	b.n = 0;
	f.n = 0;
	byte(&f, 0x02); /* Required Insert Count 1: no table to insert */
	byte(&f, 0x00);
	indexed(&f, 25);
	frame(&b, 0x01, &f);
	qpack = request(28, "GET");
	rv = feed(28, &b, 0);
	CHECK("a dynamic table reference: QPACK's error, the connection's",
	    rv < 0 && !qget__h3_request_error((int)rv));

	nghttp3_conn_del(conn);
	qget_request_del(good);
	qget_request_del(short_body);
	qget_request_del(head);
	qget_request_del(bad_field);
	qget_request_del(huge);
	qget_request_del(later);
	qget_request_del(qpack);
	return CHECK_DONE();
}
