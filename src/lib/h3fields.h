#ifndef QGET_H3FIELDS_H
#define QGET_H3FIELDS_H

/*
 * HTTP/3 request fields and error names: the parts of the HTTP/3 driver
 * (drv_h3.c) that need no nghttp3, kept apart so that the fuzzer and the
 * unit tests reach them alone.
 */
#include <stddef.h>
#include <stdint.h>

struct qget__h3_field {
	const char *name;
	size_t namelen;
	const char *value;
	size_t valuelen;
};

/* :method, :scheme, :authority, :path and user-agent, before the
 * caller's fields. */
#define QGET__H3_OWN_FIELDS 5

/*
 * The :authority of a connection to host and port: an IPv6 literal
 * bracketed, ":port" unless the port is 443.  Returns its length, 0 when
 * it does not fit in buf (NUL included).
 */
size_t qget__h3_authority(char *buf, size_t cap, const char *host,
    const char *port);

/*
 * Builds a request's fields into f (fcap entries): the four
 * pseudo-headers, "user-agent: qget/VERSION" unless one of `fields` is
 * named user-agent (in any case), then each of `fields` in order with its
 * name lowercased (HTTP/3 wants lowercase).  The caller validated names
 * and values; the copies live in `store`.  Returns the number of fields,
 * or 0 when f or store is too small.
 */
size_t qget__h3_request_fields(struct qget__h3_field *f, size_t fcap,
    char *store, size_t storecap, const char *method, const char *authority,
    const char *path, const struct qget__h3_field *fields, size_t nfields);

/* "H3_REQUEST_REJECTED" for 0x10b, QPACK's too; NULL for other codes. */
const char *qget__h3_error_name(uint64_t code);

/* "H3_REQUEST_REJECTED (0x10b)", or "code 0x42" for a code without a
 * name, into buf. */
void qget__h3_code_text(char *buf, size_t len, uint64_t code);

#endif
