/*
 * libFuzzer target: the HTTP/1.x response parser (http1_feed,
 * http1_finish) and its body framing (http1_body, http1_body_end:
 * Content-Length, chunked, no body).
 *
 * Input layout: byte 0 gives k = data[0] % 8 chunk-size bytes that follow
 * it; the rest is the response.  The response is fed once whole and once in
 * chunks (sizes cycled from those k bytes; a byte with the top bit set
 * means (b & 0x7f) * 64 bytes, 0 means an empty feed), collecting the body
 * as the tool does (fetch.c's job_read and emit_body).  Both ways must
 * agree and each must satisfy the parser's invariants; abort() reports a
 * failure.  With bit 0x40 of byte 0 set, 65530 bytes of 'A' are inserted
 * in the middle of the response, to reach the 64 KiB head limit; with bit
 * 0x80, the request was HEAD.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lib/http1.h"
#include "fuzz.h"


struct result {
	qget_status rv;
	int decided, simple, status, has_length, version_minor, chunked;
	int no_body;
	uint64_t length;
	size_t head_len;
	unsigned char *body; /* as many bytes as the response */
	size_t body_len;
	int feeds;
};

static struct http1_resp *resp; /* 64 KiB: allocated once */

static size_t
chunk_size(const uint8_t *sizes, size_t nsizes, size_t i, size_t left)
{
	size_t s;

	if (nsizes == 0)
		return left;
	s = sizes[i % nsizes];
	if (s & 0x80)
		s = (s & 0x7f) * 64;
	return s > left ? left : s;
}

static void
check_msg(const char *msg, size_t len)
{
	ASSERT(memchr(msg, '\0', len) != NULL);
	ASSERT(msg[0] != '\0');
}

/* fetch.c's emit_body: the body bytes through http1_body. */
static qget_status
take_body(struct http1_resp *r, const uint8_t *p, size_t n,
    struct result *res, size_t cap)
{
	const unsigned char *data;
	char msg[256];
	size_t used, len;
	qget_status rv;

	while (n > 0) {
		used = (size_t)-1;
		memset(msg, 'x', sizeof(msg));
		rv = qget__http1_body(r, p, n, &used, &data, &len, msg, sizeof(msg));
		if (rv != QGET_OK) {
			ASSERT(rv == QGET_E_PROTOCOL);
			check_msg(msg, sizeof(msg));
			return rv;
		}
		ASSERT(used > 0 && used <= n);
		ASSERT(len <= used);
		ASSERT(len == 0 || (data >= p && data + len <= p + used));
		ASSERT(res->body_len + len <= cap);
		memcpy(res->body + res->body_len, data, len);
		res->body_len += len;
		ASSERT(r->body_len == res->body_len);
		p += used;
		n -= used;
	}
	return QGET_OK;
}

static void
run(const uint8_t *in, size_t len, const uint8_t *sizes, size_t nsizes,
    int head_request, struct result *res)
{
	struct http1_resp *r = resp;
	char msg[256];
	size_t off = 0, used, n, i = 0, empty = 0;

	res->rv = QGET_OK;
	res->body_len = 0;
	res->feeds = 0;
	qget__http1_resp_init(r, head_request);
	while (off < len) {
		int was = r->decided;

		n = chunk_size(sizes, nsizes, i++, len - off);
		if (n == 0 && ++empty > 64) /* all sizes 0: make progress */
			n = 1;
		used = 0;
		if (!was) {
			used = (size_t)-1;
			memset(msg, 'x', sizeof(msg));
			res->rv = qget__http1_feed(r, in + off, n, &used, msg,
			    sizeof(msg));
			res->feeds++;
			ASSERT(used <= n);
			ASSERT(r->head_len <= HTTP1_HEAD_MAX);
			if (res->rv != QGET_OK) {
				ASSERT(res->rv == QGET_E_PROTOCOL);
				check_msg(msg, sizeof(msg));
				goto out;
			}
			if (!r->decided)
				ASSERT(used == n); /* all of it is head */
		}
		if (!was && r->decided && r->simple &&
		    (res->rv = take_body(r, r->head, r->head_len, res, len)) !=
		    QGET_OK)
			goto out;
		if (r->decided && (res->rv = take_body(r, in + off + used,
		    n - used, res, len)) != QGET_OK)
			goto out;
		ASSERT(res->body_len <= len);
		off += n;
	}
	if (!r->decided) {
		memset(msg, 'x', sizeof(msg));
		res->rv = qget__http1_finish(r, msg, sizeof(msg));
		if (res->rv == QGET_OK) {
			ASSERT(r->decided && r->simple);
			ASSERT(res->body_len == 0 && len == 0);
		} else {
			ASSERT(res->rv == QGET_E_TRUNCATED);
			check_msg(msg, sizeof(msg));
			/* What was cut started like "HTTP/". */
			ASSERT(len >= 1 && memcmp(in, "HTTP/",
			    len < 5 ? len : 5) == 0);
			goto out;
		}
	}
	memset(msg, 'x', sizeof(msg));
	res->rv = qget__http1_body_end(r, msg, sizeof(msg));
	if (res->rv != QGET_OK) {
		ASSERT(res->rv == QGET_E_TRUNCATED);
		ASSERT(!r->simple && !r->no_body);
		check_msg(msg, sizeof(msg));
	}
out:
	res->decided = r->decided;
	res->simple = r->simple;
	res->status = r->status;
	res->has_length = r->has_length;
	res->length = r->content_length;
	res->version_minor = r->version_minor;
	res->chunked = r->chunked;
	res->no_body = r->no_body;
	res->head_len = r->head_len;
	ASSERT(r->head_len <= HTTP1_HEAD_MAX);
	ASSERT(memchr(r->reason, '\0', sizeof(r->reason)) != NULL);

	if (res->rv != QGET_OK)
		return;
	ASSERT(r->decided);
	if (r->simple) {
		/* No head: the whole response is body, unchanged. */
		ASSERT(res->body_len == len);
		ASSERT(len == 0 || memcmp(res->body, in, len) == 0);
		return;
	}
	ASSERT(r->status >= 100 && r->status <= 999);
	ASSERT(r->version_minor >= 0 && r->version_minor <= 9);
	ASSERT(r->head_len >= 5 && memcmp(r->head, "HTTP/", 5) == 0);
	ASSERT(memcmp(r->head, in, r->head_len) == 0);
	/* The head ends with its blank line. */
	ASSERT((r->head_len >= 2 && r->head[r->head_len - 1] == '\n' &&
	    r->head[r->head_len - 2] == '\n') ||
	    (r->head_len >= 3 && r->head[r->head_len - 1] == '\n' &&
	    r->head[r->head_len - 2] == '\r' &&
	    r->head[r->head_len - 3] == '\n'));
	ASSERT(r->head_len <= len);
	if (!r->has_length)
		ASSERT(r->content_length == 0);
	ASSERT(!(r->chunked && r->has_length));
	ASSERT(r->no_body == (head_request || r->status < 200 ||
	    r->status == 204 || r->status == 304));
	if (r->no_body) {
		/* The head was all: nothing may follow it. */
		ASSERT(res->body_len == 0 && r->head_len == len);
	} else if (r->chunked) {
		/* Decoding only removes framing, and the last chunk came. */
		ASSERT(res->body_len < len - r->head_len);
	} else {
		/* Head and body split the response without loss. */
		ASSERT(r->head_len + res->body_len == len);
		ASSERT(res->body_len == 0 ||
		    memcmp(res->body, in + r->head_len, res->body_len) == 0);
		if (r->has_length)
			ASSERT(res->body_len == r->content_length);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, chunked, bytes;
	static const uint8_t one = 1;
	const uint8_t *sizes, *in;
	uint8_t *big = NULL;
	size_t nsizes, len;
	int head_request;

	if (size == 0)
		return 0;
	nsizes = data[0] % 8;
	if (nsizes > size - 1)
		nsizes = size - 1;
	sizes = data + 1;
	in = data + 1 + nsizes;
	len = size - 1 - nsizes;
	if (data[0] & 0x40) {
		size_t half = len / 2, pad = 65530;

		if ((big = malloc(len + pad)) == NULL)
			abort();
		memcpy(big, in, half);
		memset(big + half, 'A', pad);
		memcpy(big + half + pad, in + half, len - half);
		in = big;
		len += pad;
	}

	if (resp == NULL && (resp = malloc(sizeof(*resp))) == NULL)
		abort();
	whole.body = malloc(len + 1);
	chunked.body = malloc(len + 1);
	bytes.body = malloc(len + 1);
	if (whole.body == NULL || chunked.body == NULL || bytes.body == NULL)
		abort();

	head_request = (data[0] & 0x80) != 0;
	run(in, len, NULL, 0, head_request, &whole);
	run(in, len, sizes, nsizes, head_request, &chunked);
	/* Byte by byte as well, when that is cheap. */
	if (len <= 2048)
		run(in, len, &one, 1, head_request, &bytes);
	else {
		free(bytes.body);
		bytes.body = NULL;
	}

	ASSERT(whole.rv == chunked.rv);
	ASSERT(whole.decided == chunked.decided);
	ASSERT(whole.simple == chunked.simple);
	if (whole.rv == QGET_OK) {
		ASSERT(whole.status == chunked.status);
		ASSERT(whole.version_minor == chunked.version_minor);
		ASSERT(whole.has_length == chunked.has_length);
		ASSERT(whole.length == chunked.length);
		/* A Simple-Response's head_len is just how much body was
		 * buffered before deciding: it depends on the chunking. */
		ASSERT(whole.simple || whole.head_len == chunked.head_len);
		ASSERT(whole.body_len == chunked.body_len);
		ASSERT(whole.body_len == 0 ||
		    memcmp(whole.body, chunked.body, whole.body_len) == 0);
	}
	if (bytes.body != NULL) {
		ASSERT(whole.rv == bytes.rv);
		ASSERT(whole.decided == bytes.decided);
		ASSERT(whole.simple == bytes.simple);
		if (whole.rv == QGET_OK) {
			ASSERT(whole.status == bytes.status);
			ASSERT(whole.has_length == bytes.has_length);
			ASSERT(whole.length == bytes.length);
			ASSERT(whole.simple ||
			    whole.head_len == bytes.head_len);
			ASSERT(whole.body_len == bytes.body_len);
			ASSERT(whole.body_len == 0 || memcmp(whole.body,
			    bytes.body, whole.body_len) == 0);
		}
	}

	free(whole.body);
	free(chunked.body);
	free(bytes.body);
	free(big);
	return 0;
}
