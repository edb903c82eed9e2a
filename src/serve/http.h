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
    HTTP_METHOD_HEAD,
    HTTP_METHOD_POST, /* only to an upload path (http_upload_kind) */
    HTTP_METHOD_PUT
};

/* What a POST or PUT to a path answers with. */
enum http_upload {
    HTTP_UPLOAD_NONE = 0, /* not an upload path: 501 (http/1.0), 405 (h3) */
    HTTP_UPLOAD_ECHO,     /* "/echo", "/echo/...": the body itself */
    HTTP_UPLOAD_SHA256    /* "/echo-sha256...": its SHA-256 in hex, "\n" */
};

/* A request without a Content-Length. */
#define HTTP_NO_LENGTH UINT64_MAX

struct http_request {
    enum http_method method;
    /* The request target exactly as sent, minus any "?query" part. */
    char target[HTTP_MAX_PATH];
    /*
     * http/1.0 only: the head's length in the parsed buffer (the body
     * follows it) and its Content-Length (HTTP_NO_LENGTH when absent).
     */
    size_t head_len;
    uint64_t content_length;
};

/* Result of a parse: either "need more bytes" or an HTTP status code. */
#define HTTP_PARSE_INCOMPLETE 0

/*
 * Parses an HTTP/1.0 request head held in buf[0..len).  eof says the peer
 * has finished its side of the stream, so no more bytes will come.
 * Returns HTTP_PARSE_INCOMPLETE when more bytes are needed, 200 when *req
 * has been filled in, or the error status to answer with (400, 431, 501,
 * 505).  POST and PUT are 200 only for an upload path, with a valid
 * Content-Length or none (400 otherwise) and no Transfer-Encoding (501:
 * HTTP/1.0 has no chunked bodies); other methods are 501.
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
 * 200 with *req filled in, 405 for a method other than GET and HEAD (and
 * POST and PUT to an upload path), or 400 for a path that is not "/..."
 * (or too long).
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

/*
 * The upload a POST or PUT to target (a request's target, query dropped)
 * is: "/echo" and "/echo/..." echo the body, "/echo-sha256" and
 * "/echo-sha256/..." answer with its SHA-256.
 */
enum http_upload http_upload_kind(const char *target);

/*
 * Parses a Content-Length value: decimal digits only, at most 2^62 - 1
 * (QUIC's largest stream offset).  Returns 1 with *out set, or 0.
 */
int http_parse_length(const char *s, size_t n, uint64_t *out);

/* Guesses a Content-Type from a path's extension. Never returns NULL. */
const char *http_content_type(const char *path);

/* A method's name ("GET"), "?" for HTTP_METHOD_NONE. */
const char *http_method_name(enum http_method m);

/* Reason phrase for a status code ("Not Found"). Never returns NULL. */
const char *http_reason(int status);

/*
 * Formats an HTTP/1.0 response head into out (which should hold at least
 * 256 bytes).  Returns the head's length, or 0 if it did not fit.
 */
size_t http_format_head(char *out, size_t outsz, int status,
                        uint64_t content_length, const char *content_type);

#endif
