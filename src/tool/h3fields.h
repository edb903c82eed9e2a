#ifndef QGET_TOOL_H3FIELDS_H
#define QGET_TOOL_H3FIELDS_H

/*
 * HTTP/3 request fields and error names: the parts of qget's HTTP/3 client
 * that need no nghttp3, kept apart so that the fuzzer and the unit tests
 * reach them alone.
 */
#include <stddef.h>
#include <stdint.h>

#include "options.h"

#define H3_NO_ERROR 0x100

struct h3_field {
	const char *name;
	size_t namelen;
	const char *value;
	size_t valuelen;
};

/* :method, :scheme, :authority, :path, user-agent, then -H's. */
#define H3_MAX_FIELDS (5 + TOOL_MAX_HEADERS)

/*
 * Builds a request's fields into f (H3_MAX_FIELDS entries): the four
 * pseudo-headers, user-agent (unless a -H names one), then each validated
 * "Name: value" of
 * `headers` with its name lowercased (HTTP/3 wants lowercase) and its
 * value stripped of surrounding blanks; the copies live in `store`.
 * :authority is host (bracketed when it is an IPv6 literal), with ":port"
 * unless the port is 443.  Returns the number of fields, or 0 when store
 * is too small or nheaders too many.
 */
size_t h3_request_fields(struct h3_field *f, char *store, size_t storecap,
    const char *method, const char *host, const char *port,
    const char *path, const char *const *headers, int nheaders);

/* "H3_REQUEST_REJECTED" for 0x10b, QPACK's too; NULL for other codes. */
const char *h3_error_name(uint64_t code);

#endif
