/* HTTP/3 request fields and error names (src/tool/h3fields.c). */
#include <string.h>

#include "../../src/tool/h3fields.h"
#include "check.h"

static int
is(const struct h3_field *f, const char *name, const char *value)
{
	return f->namelen == strlen(name) && memcmp(f->name, name,
	    f->namelen) == 0 && f->valuelen == strlen(value) &&
	    memcmp(f->value, value, f->valuelen) == 0;
}

int
main(void)
{
	struct h3_field f[H3_MAX_FIELDS];
	char store[4096], ua[64];
	const char *hdrs[] = { "X-Trace:  a b \t", "ACCEPT:*/*", "X-Empty:" };
	size_t n;

	snprintf(ua, sizeof(ua), "qget/%s", qget_version_str());
	n = h3_request_fields(f, store, sizeof(store), "GET", "example.org",
	    "443", "/a?b", NULL, 0);
	CHECK("fields: the four pseudo-headers first, then user-agent",
	    n == 5 && is(&f[0], ":method", "GET") &&
	    is(&f[1], ":scheme", "https") &&
	    is(&f[2], ":authority", "example.org") &&
	    is(&f[3], ":path", "/a?b") && is(&f[4], "user-agent", ua));
	n = h3_request_fields(f, store, sizeof(store), "HEAD", "::1", "4433",
	    "/", NULL, 0);
	CHECK("fields: HEAD; IPv6 authority bracketed, with its port",
	    n == 5 && is(&f[0], ":method", "HEAD") &&
	    is(&f[2], ":authority", "[::1]:4433"));
	n = h3_request_fields(f, store, sizeof(store), "GET", "h", "8443",
	    "/", hdrs, 3);
	CHECK("fields: -H names lowercased, values trimmed, order kept",
	    n == 8 && is(&f[2], ":authority", "h:8443") &&
	    is(&f[5], "x-trace", "a b") && is(&f[6], "accept", "*/*") &&
	    is(&f[7], "x-empty", ""));
	{
		const char *own[] = { "User-Agent: mine/1" };

		n = h3_request_fields(f, store, sizeof(store), "GET", "h",
		    "443", "/", own, 1);
		CHECK("fields: -H User-Agent replaces qget's own",
		    n == 5 && is(&f[4], "user-agent", "mine/1"));
	}
	CHECK("fields: the caller's -H string is left alone",
	    strcmp(hdrs[1], "ACCEPT:*/*") == 0);
	CHECK("fields: a store too small gives 0",
	    h3_request_fields(f, store, 40, "GET", "example.org", "443", "/",
	    NULL, 0) == 0);
	CHECK("fields: a header without a colon gives 0",
	    h3_request_fields(f, store, sizeof(store), "GET", "h", "443", "/",
	    (const char *[]){ "nocolon" }, 1) == 0);
	CHECK("fields: too many headers give 0",
	    h3_request_fields(f, store, sizeof(store), "GET", "h", "443", "/",
	    hdrs, TOOL_MAX_HEADERS + 1) == 0);

	CHECK("names: H3_NO_ERROR", strcmp(h3_error_name(0x100),
	    "H3_NO_ERROR") == 0);
	CHECK("names: H3_REQUEST_REJECTED", strcmp(h3_error_name(0x10b),
	    "H3_REQUEST_REJECTED") == 0);
	CHECK("names: H3_VERSION_FALLBACK is the last",
	    strcmp(h3_error_name(0x110), "H3_VERSION_FALLBACK") == 0 &&
	    h3_error_name(0x111) == NULL);
	CHECK("names: QPACK_DECODER_STREAM_ERROR",
	    strcmp(h3_error_name(0x202), "QPACK_DECODER_STREAM_ERROR") == 0 &&
	    h3_error_name(0x203) == NULL);
	CHECK("names: other codes have none", h3_error_name(0) == NULL &&
	    h3_error_name(0xff) == NULL && h3_error_name(UINT64_MAX) == NULL);
	return CHECK_DONE();
}
