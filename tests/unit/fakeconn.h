/*
 * For the driver unit tests: a connection object that never touches
 * OpenSSL or the network, requests started by its driver as if their
 * stream had opened, and a response fed to the driver as if read off the
 * stream, in pieces, then read back through the public API.
 */
#ifndef QGET_TEST_FAKECONN_H
#define QGET_TEST_FAKECONN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"

static qget_conn *
fake_conn(const char *alpn, const char *host)
{
	qget_conn *c = calloc(1, sizeof(*c));

	/* Never dereferenced: no stream is ever opened on it. */
	c->ssl = (SSL *)(void *)c;
	c->host = strdup(host);
	snprintf(c->alpn, sizeof(c->alpn), "%s", alpn);
	return c;
}

static void
fake_conn_del(qget_conn *c)
{
	qget__http_free(c);
	free(c->host);
	free(c);
}

/* A request the driver started as if its stream had opened. */
static qget_request *
started(qget_conn *c, const char *method, const char *path,
    const char *const *hdrs, int nh)
{
	qget_request *r = NULL;
	qget_error err;

	if (qget_request_new(&r, c, method, path, &err) != QGET_OK)
		return NULL;
	for (int i = 0; i + 1 < nh; i += 2)
		if (qget_request_add_header(r, hdrs[i], hdrs[i + 1], &err) !=
		    QGET_OK)
			return NULL;
	if (c->http->drv->check(r, &err) != QGET_OK ||
	    c->http->drv->start(r, &err) != QGET_OK)
		return NULL;
	r->state = QGET__R_OPEN;
	return r;
}

/* Feeds `resp` in pieces of `step` bytes (0: all at once), FIN with the
 * last, collecting every event; then reads the whole body. */
struct outcome {
	unsigned events;
	qget_status st;
	char body[8192];
	size_t body_len;
};

static void
feed(qget_request *r, const char *resp, size_t step, struct outcome *o)
{
	size_t len = strlen(resp), off = 0, n;
	qget_error err;

	memset(o, 0, sizeof(*o));
	do {
		size_t k = step == 0 || len - off < step ? len - off : step;

		r->conn->http->drv->input(r, (const unsigned char *)resp + off, k,
		    off + k == len);
		off += k;
		o->events |= r->events;
		r->events = 0;
	} while (off < len);
	for (;;) {
		o->st = qget_request_read(r, o->body + o->body_len,
		    sizeof(o->body) - o->body_len, &n, &err);
		if (o->st != QGET_OK || n == 0)
			break;
		o->body_len += n;
	}
}

#endif
