/*
 * libFuzzer target: the HTTP/1.x response head parser (http1_feed,
 * http1_finish).
 *
 * Input layout: byte 0 gives k = data[0] % 8 chunk-size bytes that follow
 * it; the rest is the response.  The response is fed once whole and once in
 * chunks (sizes cycled from those k bytes; a byte with the top bit set
 * means (b & 0x7f) * 64 bytes, 0 means an empty feed), collecting the body
 * as the tool does (tests/unit/test_http1.c's run()).  Both ways must agree
 * and each must satisfy the parser's invariants; abort() reports a failure.
 * With bit 0x40 of byte 0 set, 65530 bytes of 'A' are inserted in the
 * middle of the response, to reach the 64 KiB head limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/tool/http1.h"
#include "fuzz.h"


struct result {
	qget_status rv;
	int decided, simple, status, has_length, version_minor;
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
run(const uint8_t *in, size_t len, const uint8_t *sizes, size_t nsizes,
    struct result *res)
{
	struct http1_resp *r = resp;
	char msg[256];
	size_t off = 0, used, n, i = 0, empty = 0;

	res->rv = QGET_OK;
	res->body_len = 0;
	res->feeds = 0;
	http1_resp_init(r);
	while (off < len) {
		int was = r->decided;

		n = chunk_size(sizes, nsizes, i++, len - off);
		if (n == 0 && ++empty > 64) /* all sizes 0: make progress */
			n = 1;
		used = (size_t)-1;
		memset(msg, 'x', sizeof(msg));
		res->rv = http1_feed(r, in + off, n, &used, msg, sizeof(msg));
		res->feeds++;
		ASSERT(used <= n);
		ASSERT(r->head_len <= HTTP1_HEAD_MAX);
		if (res->rv != QGET_OK) {
			ASSERT(res->rv == QGET_E_PROTOCOL);
			ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
			ASSERT(msg[0] != '\0');
			goto out;
		}
		if (!was && r->decided && r->simple) {
			memcpy(res->body + res->body_len, r->head, r->head_len);
			res->body_len += r->head_len;
		}
		if (r->decided) {
			if (was)
				ASSERT(used == 0);
			memcpy(res->body + res->body_len, in + off + used,
			    n - used);
			res->body_len += n - used;
		} else {
			ASSERT(used == n); /* undecided: all of it is head */
		}
		ASSERT(res->body_len <= len);
		off += n;
	}
	if (!r->decided) {
		memset(msg, 'x', sizeof(msg));
		res->rv = http1_finish(r, msg, sizeof(msg));
		if (res->rv == QGET_OK) {
			ASSERT(r->decided && r->simple);
			ASSERT(res->body_len == 0);
			memcpy(res->body, r->head, r->head_len);
			res->body_len = r->head_len;
		} else {
			ASSERT(res->rv == QGET_E_TRUNCATED);
			ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
			ASSERT(msg[0] != '\0');
			/* Only a head that started with "HTTP/" is cut. */
			ASSERT(len >= 5 && memcmp(in, "HTTP/", 5) == 0);
		}
	}
out:
	res->decided = r->decided;
	res->simple = r->simple;
	res->status = r->status;
	res->has_length = r->has_length;
	res->length = r->content_length;
	res->version_minor = r->version_minor;
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
	} else {
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
		/* Head and body split the response without loss. */
		ASSERT(r->head_len + res->body_len == len);
		ASSERT(res->body_len == 0 ||
		    memcmp(res->body, in + r->head_len, res->body_len) == 0);
		if (!r->has_length)
			ASSERT(r->content_length == 0);
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

	run(in, len, NULL, 0, &whole);
	run(in, len, sizes, nsizes, &chunked);
	/* Byte by byte as well, when that is cheap. */
	if (len <= 2048)
		run(in, len, &one, 1, &bytes);
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
