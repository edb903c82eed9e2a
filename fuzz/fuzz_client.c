/*
 * Feeds hostile datagrams to a qget connection: the input, cut into
 * length-prefixed datagrams, arrives through OpenSSL's memory datagram BIO
 * while the handshake (and, should one ever complete, a request) runs.
 * qget must end with a failure status and a message: never crash, leak or
 * hang.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "internal.h"

struct feed {
	const uint8_t *p;
	size_t left;
	BIO *in;
	BIO *out;
};

/* Each datagram: a 2-byte big-endian length (modulo 1500, plus 1), then
 * its bytes. */
static int
pump(void *arg)
{
	struct feed *f = arg;
	char sink[2048];
	size_t n;

	/* What the client sends goes nowhere, but must not pile up. */
	while (BIO_read(f->out, sink, sizeof(sink)) > 0)
		;
	if (f->left < 2)
		return -1;
	n = (size_t)((f->p[0] << 8 | f->p[1]) % 1500) + 1;
	f->p += 2;
	f->left -= 2;
	if (n > f->left)
		n = f->left;
	if (n == 0)
		return -1;
	BIO_write(f->in, f->p, (int)n);
	f->p += n;
	f->left -= n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f = { data, size, NULL, NULL };
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	qget_config *cfg = NULL;
	qget_conn *c = NULL;
	qget_stream *st = NULL;
	BIO_ADDR *peer = NULL;
	qget_error err;
	qget_status rv;
	char buf[4096];
	size_t n;

	if ((f.in = BIO_new(BIO_s_dgram_mem())) == NULL ||
	    (f.out = BIO_new(BIO_s_dgram_mem())) == NULL ||
	    (peer = BIO_ADDR_new()) == NULL ||
	    !BIO_ADDR_rawmake(peer, AF_INET, &lo, sizeof(lo), htons(4433)) ||
	    !BIO_dgram_set_caps(f.out, BIO_DGRAM_CAP_HANDLES_DST_ADDR) ||
	    qget_config_new(&cfg) != QGET_OK)
		abort();
	/* A bound, in case the input keeps the handshake alive. */
	qget_config_set_connect_timeout(cfg, 2000);
	qget_config_set_max_time(cfg, 3000);
	rv = qget__conn_open_bio(&c, "localhost", f.in, f.out, peer, cfg, pump,
	    &f, &err);
	if (rv == QGET_OK) {
		rv = qget_stream_open(&st, c, &err);
		if (rv == QGET_OK)
			rv = qget_stream_write(st, "GET /\r\n", 7, QGET_WRITE_FIN,
			    &err);
		while (rv == QGET_OK &&
		    (rv = qget_stream_read(st, buf, sizeof(buf), &n, &err)) ==
		    QGET_OK && n > 0)
			;
	}
	if (strcmp(qget_status_name(rv), "E_UNKNOWN") == 0 ||
	    (rv != QGET_OK && (err.status != rv || err.detail[0] == '\0')))
		abort();
	qget_stream_del(st);
	qget_conn_del(c);
	qget_config_del(cfg);
	BIO_ADDR_free(peer);
	return 0;
}
