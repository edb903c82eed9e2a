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
/* Largest Range field value kept, including the NUL (a longer one is
 * ignored: a single range needs far less). */
#define HTTP_MAX_RANGE 128
/* Longest file name an upload may be stored as (Linux's NAME_MAX). */
#define HTTP_MAX_NAME 255

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
    HTTP_UPLOAD_SHA256,   /* "/echo-sha256...": its SHA-256 in hex, "\n" */
    /* Never from http_upload_kind; the server's choice for other paths: */
    HTTP_UPLOAD_FILE,     /* stored in --upload-dir: 201 */
    HTTP_UPLOAD_DISCARD   /* read and dropped, for a --redirect or a
                           * --status-first answer */
};

/* A request without a Content-Length. */
#define HTTP_NO_LENGTH UINT64_MAX

struct http_request {
    enum http_method method;
    /*
     * The request target exactly as sent, minus any "?query" part (what
     * the log shows), and the same percent-decoded (what is served).
     */
    char target[HTTP_MAX_PATH];
    char path[HTTP_MAX_PATH];
    /*
     * http/1.0 only: the head's length in the parsed buffer (the body
     * follows it) and its Content-Length (HTTP_NO_LENGTH when absent).
     */
    size_t head_len;
    uint64_t content_length;
    /*
     * http/1.0 only: the Range field's value ("" without one), and
     * whether it must be ignored: sent twice, too long for range[], or
     * with an If-Range (we have no validator to compare it with, so the
     * whole file is the answer, RFC 9110 section 13.1.5).
     */
    char range[HTTP_MAX_RANGE];
    int range_ignore;
};

/* Flags of the _ex parsers. */
/* POST and PUT to any path are 200: the caller decides what they get. */
#define HTTP_PARSE_ANY_UPLOAD 1

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
/* The same with HTTP_PARSE_* flags. */
int http10_parse_request_ex(const char *buf, size_t len, int eof,
                            unsigned flags, struct http_request *req);

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
/* The same with HTTP_PARSE_* flags. */
int http3_parse_request_ex(const char *method, size_t method_len,
                           const char *path, size_t path_len, unsigned flags,
                           struct http_request *req);

/*
 * Percent-decodes in[0..n) into out (NUL-terminated).  Returns 0, or 400
 * for a '%' without two hex digits after it, a control byte (raw or
 * decoded: NUL, 0x01-0x1f, 0x7f), an encoded '/' or '\\' (a separator
 * the client did not write, which no file name can hold), or an out that
 * is too small.  '+' stays '+' (that is only form encoding).
 */
int http_percent_decode(const char *in, size_t n, char *out, size_t outsz);

/* What a Range field makes of a GET for a file (RFC 9110 section 14.2). */
enum http_range {
    HTTP_RANGE_IGNORE = 0,   /* not "bytes=", malformed, or several
                              * ranges: the whole file, 200 */
    HTTP_RANGE_PARTIAL,      /* one satisfiable range: 206 */
    HTTP_RANGE_UNSATISFIABLE /* 416 */
};

/*
 * Evaluates a Range field's value v[0..n) against a file of size bytes:
 * "bytes=N-", "bytes=N-M" or "bytes=-N" (the last N bytes).  For
 * HTTP_RANGE_PARTIAL, *first and *last are the range's first and last
 * byte offsets (inclusive, last < size).  Several ranges are ignored
 * (RFC 9110 allows a server to), as is a malformed field.
 */
enum http_range http_parse_range(const char *v, size_t n, uint64_t size,
                                 uint64_t *first, uint64_t *last);

/*
 * The file name an upload to path (a decoded path) is stored as: its last
 * segment, written to out.  Returns 0, or 400 when that segment is "",
 * "." or "..", holds a backslash, or is longer than a file name may be.
 */
int http_upload_name(const char *path, char *out, size_t outsz);

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
 * 256 bytes plus extra).  extra (or NULL) holds more fields, each a
 * "Name: value\r\n" line.  Returns the head's length, or 0 if it did not
 * fit.
 */
size_t http_format_head(char *out, size_t outsz, int status,
                        uint64_t content_length, const char *content_type,
                        const char *extra);

#endif
