/* HTTP/3 request fields and error names (src/lib/h3fields.c). */
#include <string.h>

#include "qget.h"
#include "../../src/lib/h3fields.h"
#include "check.h"

#define NF (QGET__H3_OWN_FIELDS + 8)

static int
is(const struct qget__h3_field *f, const char *name, const char *value)
{
	return f->namelen == strlen(name) && memcmp(f->name, name,
	    f->namelen) == 0 && f->valuelen == strlen(value) &&
	    memcmp(f->value, value, f->valuelen) == 0;
}

static struct qget__h3_field
fld(const char *name, const char *value)
{
	struct qget__h3_field f = { name, strlen(name), value, strlen(value) };

	return f;
}

int
main(void)
{
	struct qget__h3_field f[NF], in[3];
	char store[4096], ua[64], auth[64];
	size_t n;

	snprintf(ua, sizeof(ua), "qget/%s", qget_version_str());
	CHECK("authority: a name with port 443 has none",
	    qget__h3_authority(auth, sizeof(auth), "example.org", "443") ==
	    11 && strcmp(auth, "example.org") == 0);
	CHECK("authority: IPv6 bracketed, with its port",
	    qget__h3_authority(auth, sizeof(auth), "::1", "4433") == 10 &&
	    strcmp(auth, "[::1]:4433") == 0);
	CHECK("authority: one that does not fit gives 0",
	    qget__h3_authority(auth, 11, "example.org", "443") == 0);

	n = qget__h3_request_fields(f, NF, store, sizeof(store), "GET",
	    "example.org", "/a?b", NULL, 0);
	CHECK("fields: the four pseudo-headers first, then user-agent",
	    n == 5 && is(&f[0], ":method", "GET") &&
	    is(&f[1], ":scheme", "https") &&
	    is(&f[2], ":authority", "example.org") &&
	    is(&f[3], ":path", "/a?b") && is(&f[4], "user-agent", ua));
	in[0] = fld("X-Trace", "a b");
	in[1] = fld("ACCEPT", "*/*");
	in[2] = fld("X-Empty", "");
	n = qget__h3_request_fields(f, NF, store, sizeof(store), "POST",
	    "h:8443", "/", in, 3);
	CHECK("fields: names lowercased, values as given, order kept",
	    n == 8 && is(&f[0], ":method", "POST") &&
	    is(&f[2], ":authority", "h:8443") &&
	    is(&f[5], "x-trace", "a b") && is(&f[6], "accept", "*/*") &&
	    is(&f[7], "x-empty", ""));
	CHECK("fields: the caller's names are left alone",
	    strcmp(in[1].name, "ACCEPT") == 0);
	in[0] = fld("User-Agent", "mine/1");
	n = qget__h3_request_fields(f, NF, store, sizeof(store), "GET", "h",
	    "/", in, 1);
	CHECK("fields: a user-agent field replaces qget's own",
	    n == 5 && is(&f[4], "user-agent", "mine/1"));
	CHECK("fields: a store too small gives 0",
	    qget__h3_request_fields(f, NF, store, 40, "GET", "example.org",
	    "/", NULL, 0) == 0);
	CHECK("fields: more fields than entries give 0",
	    qget__h3_request_fields(f, QGET__H3_OWN_FIELDS + 2, store,
	    sizeof(store), "GET", "h", "/", in, 3) == 0 &&
	    qget__h3_request_fields(f, 4, store, sizeof(store), "GET", "h",
	    "/", NULL, 0) == 0);

	CHECK("names: H3_NO_ERROR", strcmp(qget__h3_error_name(0x100),
	    "H3_NO_ERROR") == 0);
	CHECK("names: H3_REQUEST_REJECTED",
	    strcmp(qget__h3_error_name(0x10b), "H3_REQUEST_REJECTED") == 0);
	CHECK("names: H3_VERSION_FALLBACK is the last",
	    strcmp(qget__h3_error_name(0x110), "H3_VERSION_FALLBACK") == 0 &&
	    qget__h3_error_name(0x111) == NULL);
	CHECK("names: QPACK_DECODER_STREAM_ERROR",
	    strcmp(qget__h3_error_name(0x202),
	    "QPACK_DECODER_STREAM_ERROR") == 0 &&
	    qget__h3_error_name(0x203) == NULL);
	CHECK("names: other codes have none", qget__h3_error_name(0) == NULL &&
	    qget__h3_error_name(0xff) == NULL &&
	    qget__h3_error_name(UINT64_MAX) == NULL);
	{
		char t[64];

		qget__h3_code_text(t, sizeof(t), 0x10e);
		CHECK("code text: named", strcmp(t, "H3_MESSAGE_ERROR (0x10e)")
		    == 0);
		qget__h3_code_text(t, sizeof(t), 0x42);
		CHECK("code text: unnamed", strcmp(t, "code 0x42") == 0);
	}
	return CHECK_DONE();
}
