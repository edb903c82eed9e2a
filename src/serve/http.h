/*
 * Request parsing and path checking for qget-serve.
 *
 * Everything here is a pure function over caller-supplied buffers (no I/O,
 * no allocation, no globals) so it can be unit-tested and fuzzed directly.
 */
#ifndef QGET_SERVE_HTTP_H
#define QGET_SERVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Largest request head accepted (request line + headers + blank line). */
#define HTTP_MAX_HEAD 8192
/* Largest request target (path) kept, including the NUL. */
#define HTTP_MAX_PATH 4096

enum http_method {
    HTTP_METHOD_NONE = 0,
    HTTP_METHOD_GET,
    HTTP_METHOD_HEAD
};

struct http_request {
    enum http_method method;
    /* The request target exactly as sent, minus any "?query" part. */
    char target[HTTP_MAX_PATH];
};

/* Result of a parse: either "need more bytes" or an HTTP status code. */
#define HTTP_PARSE_INCOMPLETE 0

/*
 * Parses an HTTP/1.0 request head held in buf[0..len).  eof says the peer
 * has finished its side of the stream, so no more bytes will come.
 * Returns HTTP_PARSE_INCOMPLETE when more bytes are needed, 200 when *req
 * has been filled in, or the error status to answer with (400, 431, 501,
 * 505).
 */
int http10_parse_request(const char *buf, size_t len, int eof,
                         struct http_request *req);

/*
 * Parses an HTTP/0.9 ("hq-interop") request line: "GET /path\r\n".
 * Same return convention as http10_parse_request (200, 400 or 501).
 */
int hq_parse_request(const char *buf, size_t len, int eof,
                     struct http_request *req);

/*
 * Checks an HTTP/3 request's :method and :path (nghttp3 has already
 * checked the pseudo-header fields are present and well-formed).  Returns
 * 200 with *req filled in, 405 for a method other than GET and HEAD, or
 * 400 for a path that is not "/..." (or too long).
 */
int http3_parse_request(const char *method, size_t method_len,
                        const char *path, size_t path_len,
                        struct http_request *req);

/*
 * Turns a request target ("/a/b.txt") into a path relative to the document
 * root ("a/b.txt"), written to out.  "/" and any target ending in "/" get
 * "index.html" appended.  Returns 0 on success, 400 for a malformed target
 * (not starting with '/', NUL, backslash, too long) or 403 when a ".."
 * segment would climb out of the root.
 */
int http_target_to_relpath(const char *target, char *out, size_t outsz);

/* Guesses a Content-Type from a path's extension. Never returns NULL. */
const char *http_content_type(const char *path);

/* Reason phrase for a status code ("Not Found"). Never returns NULL. */
const char *http_reason(int status);

/*
 * Formats an HTTP/1.0 response head into out (which should hold at least
 * 256 bytes).  Returns the head's length, or 0 if it did not fit.
 */
size_t http_format_head(char *out, size_t outsz, int status,
                        uint64_t content_length, const char *content_type);

#endif
