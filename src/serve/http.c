/*
 * Request parsing and path checking for qget-serve (pure functions, see
 * http.h).
 */
#include "http.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Finds the end of the head: the offset just past the blank line, or 0. */
static size_t find_head_end(const char *buf, size_t len)
{
    size_t i;

    /* Bare LF line endings are tolerated: some tools send them. */
    for (i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static int is_token_upper(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return 0;
    return 1;
}

/*
 * Classifies a method token.  Unknown but well-formed methods get 501 so a
 * client can tell "not supported" from "garbage".
 */
static int parse_method(const char *s, size_t n, enum http_method *m)
{
    if (n == 3 && memcmp(s, "GET", 3) == 0) {
        *m = HTTP_METHOD_GET;
        return 200;
    }
    if (n == 4 && memcmp(s, "HEAD", 4) == 0) {
        *m = HTTP_METHOD_HEAD;
        return 200;
    }
    if (n == 4 && memcmp(s, "POST", 4) == 0) {
        *m = HTTP_METHOD_POST;
        return 200;
    }
    if (n == 3 && memcmp(s, "PUT", 3) == 0) {
        *m = HTTP_METHOD_PUT;
        return 200;
    }
    return is_token_upper(s, n) ? 501 : 400;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int http_percent_decode(const char *in, size_t n, char *out, size_t outsz)
{
    size_t i, o = 0;

    if (outsz == 0)
        return 400;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c == '%') {
            int hi, lo;

            if (n - i < 3 || (hi = hex_value(in[i + 1])) < 0
                || (lo = hex_value(in[i + 2])) < 0)
                goto bad;
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
            /* "/a%2F..%2F..%2Fx" must not become a path that climbs. */
            if (c == '/' || c == '\\')
                goto bad;
        }
        if (c < 0x20 || c == 0x7f || o + 1 >= outsz)
            goto bad;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;

bad:
    out[0] = '\0'; /* a string all the same */
    return 400;
}

/*
 * Copies a target, dropping any "?query" (the fragment never reaches us),
 * and decodes it into req->path.
 */
static int copy_target(const char *s, size_t n, struct http_request *req)
{
    const char *q = memchr(s, '?', n);

    if (q != NULL)
        n = (size_t)(q - s);
    if (n == 0 || s[0] != '/' || n >= sizeof(req->target))
        return 400;
    memcpy(req->target, s, n);
    req->target[n] = '\0';
    if (http_percent_decode(req->target, n, req->path, sizeof(req->path))
        != 0)
        return 400;
    return 200;
}

static int is_upload_method(enum http_method m)
{
    return m == HTTP_METHOD_POST || m == HTTP_METHOD_PUT;
}

/* Does a path equal prefix or continue it with '/'? */
static int path_is(const char *target, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncmp(target, prefix, n) == 0
        && (target[n] == '\0' || target[n] == '/');
}

enum http_upload http_upload_kind(const char *target)
{
    if (path_is(target, "/echo"))
        return HTTP_UPLOAD_ECHO;
    if (path_is(target, "/echo-sha256"))
        return HTTP_UPLOAD_SHA256;
    return HTTP_UPLOAD_NONE;
}

int http_parse_length(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v >= (UINT64_C(1) << 62))
            return 0;
    }
    *out = v;
    return 1;
}

/* A field's value without the whitespace around it. */
static void field_value(const char *colon, const char *eol, const char **v,
                        const char **ve)
{
    const char *b, *e;

    for (b = colon + 1; b < eol && (*b == ' ' || *b == '\t'); b++)
        ;
    for (e = eol; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
        ;
    *v = b;
    *ve = e;
}

/*
 * The fields of a head (buf[0..len), after the request line) that we act
 * on: Range and If-Range for any request; for an upload (is_upload) also
 * what decides how its body is read: Content-Length (all copies must
 * agree) and Transfer-Encoding (HTTP/1.1's chunked coding: not ours).
 */
static int parse_fields(const char *buf, size_t len, int is_upload,
                        struct http_request *req)
{
    const char *p = buf, *end = buf + len;
    int ranges = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end, *colon, *v, *ve;
        uint64_t cl;

        if (eol > p && eol[-1] == '\r')
            eol--;
        colon = memchr(p, ':', (size_t)(eol - p));
        if (colon != NULL) {
            size_t nlen = (size_t)(colon - p);

            field_value(colon, eol, &v, &ve);
            if (nlen == 5 && strncasecmp(p, "range", 5) == 0) {
                size_t vlen = (size_t)(ve - v);

                if (++ranges > 1 || vlen >= sizeof(req->range)) {
                    req->range_ignore = 1;
                } else {
                    memcpy(req->range, v, vlen);
                    req->range[vlen] = '\0';
                }
            } else if (nlen == 8 && strncasecmp(p, "if-range", 8) == 0) {
                req->range_ignore = 1;
            } else if (!is_upload) {
                /* GET and HEAD: a body's fields mean nothing. */
            } else if (nlen == 17
                       && strncasecmp(p, "transfer-encoding", 17) == 0) {
                return 501;
            } else if (nlen == 14
                       && strncasecmp(p, "content-length", 14) == 0) {
                if (!http_parse_length(v, (size_t)(ve - v), &cl)
                    || (req->content_length != HTTP_NO_LENGTH
                        && req->content_length != cl))
                    return 400;
                req->content_length = cl;
            }
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return 200;
}

/* Length of the first line, without its CR/LF. */
static size_t line_length(const char *buf, size_t len)
{
    const char *nl = memchr(buf, '\n', len);
    size_t n = nl != NULL ? (size_t)(nl - buf) : len;

    if (n > 0 && buf[n - 1] == '\r')
        n--;
    return n;
}

int http10_parse_request(const char *buf, size_t len, int eof,
                         struct http_request *req)
{
    return http10_parse_request_ex(buf, len, eof, 0, req);
}

int http10_parse_request_ex(const char *buf, size_t len, int eof,
                            unsigned flags, struct http_request *req)
{
    size_t head_len, line_len, i;
    const char *sp1, *sp2, *ver;
    size_t ver_len;
    int st;

    memset(req, 0, sizeof(*req));
    req->content_length = HTTP_NO_LENGTH;
    head_len = find_head_end(buf, len);
    if (head_len == 0) {
        if (len >= HTTP_MAX_HEAD)
            return 431;
        if (!eof)
            return HTTP_PARSE_INCOMPLETE;
        /* The client ended its stream early: judge what it did send. */
        head_len = len;
    }
    if (head_len > HTTP_MAX_HEAD)
        return 431;
    if (head_len == 0 || memchr(buf, '\0', head_len) != NULL)
        return 400;

    line_len = line_length(buf, head_len);
    for (i = 0; i < line_len; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            return 400;

    sp1 = memchr(buf, ' ', line_len);
    if (sp1 == NULL)
        return 400;
    sp2 = memchr(sp1 + 1, ' ', line_len - (size_t)(sp1 + 1 - buf));
    if (sp2 == NULL)
        return 400;
    ver = sp2 + 1;
    ver_len = line_len - (size_t)(ver - buf);
    if (memchr(ver, ' ', ver_len) != NULL)
        return 400;

    st = parse_method(buf, (size_t)(sp1 - buf), &req->method);
    if (st != 200)
        return st;
    if (ver_len == 8 && (memcmp(ver, "HTTP/1.0", 8) == 0
                         || memcmp(ver, "HTTP/1.1", 8) == 0)) {
        /* We answer both as HTTP/1.0: one response per stream. */
    } else if (ver_len > 5 && memcmp(ver, "HTTP/", 5) == 0) {
        return 505;
    } else {
        return 400;
    }
    st = copy_target(sp1 + 1, (size_t)(sp2 - sp1 - 1), req);
    if (st != 200)
        return st;
    if (is_upload_method(req->method)) {
        if (!(flags & HTTP_PARSE_ANY_UPLOAD)
            && http_upload_kind(req->target) == HTTP_UPLOAD_NONE)
            return 501;
        req->head_len = head_len;
    }
    return parse_fields(buf + line_len, head_len - line_len,
                        is_upload_method(req->method), req);
}

int hq_parse_request(const char *buf, size_t len, int eof,
                     struct http_request *req)
{
    size_t line_len, tlen, i;
    const char *sp, *target;

    memset(req, 0, sizeof(*req));
    req->content_length = HTTP_NO_LENGTH;
    if (memchr(buf, '\n', len) == NULL) {
        if (len >= HTTP_MAX_HEAD)
            return 400;
        if (!eof)
            return HTTP_PARSE_INCOMPLETE;
    }
    line_len = line_length(buf, len);
    if (line_len == 0)
        return 400;
    for (i = 0; i < line_len; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            return 400;

    sp = memchr(buf, ' ', line_len);
    if (sp == NULL)
        return 400;
    if (parse_method(buf, (size_t)(sp - buf), &req->method) != 200)
        return is_token_upper(buf, (size_t)(sp - buf)) ? 501 : 400;
    /* HTTP/0.9 has no HEAD. */
    if (req->method != HTTP_METHOD_GET)
        return 501;

    target = sp + 1;
    tlen = line_len - (size_t)(target - buf);
    /* Tolerate a trailing " HTTP/x" some clients add anyway. */
    sp = memchr(target, ' ', tlen);
    if (sp != NULL)
        tlen = (size_t)(sp - target);
    return copy_target(target, tlen, req);
}

int http3_parse_request(const char *method, size_t method_len,
                        const char *path, size_t path_len,
                        struct http_request *req)
{
    return http3_parse_request_ex(method, method_len, path, path_len, 0,
                                  req);
}

int http3_parse_request_ex(const char *method, size_t method_len,
                           const char *path, size_t path_len, unsigned flags,
                           struct http_request *req)
{
    int st;

    memset(req, 0, sizeof(*req));
    req->content_length = HTTP_NO_LENGTH;
    if (path_len > 0 && memchr(path, '\0', path_len) != NULL)
        return 400;
    /* The target first, so that a 405 is logged with its path. */
    st = copy_target(path, path_len, req);
    if (method_len == 3 && memcmp(method, "GET", 3) == 0)
        req->method = HTTP_METHOD_GET;
    else if (method_len == 4 && memcmp(method, "HEAD", 4) == 0)
        req->method = HTTP_METHOD_HEAD;
    else if (method_len == 4 && memcmp(method, "POST", 4) == 0)
        req->method = HTTP_METHOD_POST;
    else if (method_len == 3 && memcmp(method, "PUT", 3) == 0)
        req->method = HTTP_METHOD_PUT;
    else
        return 405;
    if (st == 200 && is_upload_method(req->method)
        && !(flags & HTTP_PARSE_ANY_UPLOAD)
        && http_upload_kind(req->target) == HTTP_UPLOAD_NONE)
        return 405;
    return st;
}

int http_target_to_relpath(const char *target, char *out, size_t outsz)
{
    const char *p, *seg;
    size_t seglen, n = 0;
    static const char index_name[] = "index.html";

    if (outsz == 0 || target[0] != '/')
        return 400;
    if (strchr(target, '\\') != NULL)
        return 400;

    /* Check every segment before copying so ".." anywhere is refused. */
    for (p = target; *p != '\0';) {
        while (*p == '/')
            p++;
        seg = p;
        while (*p != '\0' && *p != '/')
            p++;
        seglen = (size_t)(p - seg);
        if (seglen == 2 && seg[0] == '.' && seg[1] == '.')
            return 403;
    }

    p = target;
    while (*p == '/')
        p++;
    n = strlen(p);
    if (n >= outsz)
        return 400;
    memcpy(out, p, n + 1);
    if (n == 0 || out[n - 1] == '/') {
        if (n + sizeof(index_name) > outsz)
            return 400;
        memcpy(out + n, index_name, sizeof(index_name));
    }
    return 0;
}

/* Decimal digits at *p (before end), saturating at UINT64_MAX; 0: none. */
static int parse_pos(const char **p, const char *end, uint64_t *v)
{
    const char *start = *p;
    uint64_t x = 0;

    while (*p < end && **p >= '0' && **p <= '9') {
        unsigned d = (unsigned)(**p - '0');

        x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
        (*p)++;
    }
    *v = x;
    return *p > start;
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

enum http_range http_parse_range(const char *v, size_t n, uint64_t size,
                                 uint64_t *first, uint64_t *last)
{
    const char *p = v, *end = v + n;
    uint64_t a = 0, b = 0;
    int specs = 0, has_a = 0, has_b = 0;

    if (n < 6 || strncasecmp(v, "bytes=", 6) != 0)
        return HTTP_RANGE_IGNORE;
    p += 6;
    /* 1#range-spec: empty list elements are allowed and not counted. */
    for (;;) {
        p = skip_ows(p, end);
        if (p == end)
            break;
        if (*p == ',') {
            p++;
            continue;
        }
        has_a = parse_pos(&p, end, &a);
        if (p == end || *p != '-')
            return HTTP_RANGE_IGNORE;
        p++;
        has_b = parse_pos(&p, end, &b);
        if ((!has_a && !has_b) || (has_a && has_b && b < a))
            return HTTP_RANGE_IGNORE;
        p = skip_ows(p, end);
        if (p != end && *p != ',')
            return HTTP_RANGE_IGNORE;
        specs++;
    }
    if (specs != 1)
        return HTTP_RANGE_IGNORE;
    if (!has_a) {
        /* A suffix: the last b bytes, all of a shorter file. */
        if (b == 0 || size == 0)
            return HTTP_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return HTTP_RANGE_PARTIAL;
    }
    if (a >= size)
        return HTTP_RANGE_UNSATISFIABLE;
    *first = a;
    *last = !has_b || b >= size ? size - 1 : b;
    return HTTP_RANGE_PARTIAL;
}

int http_upload_name(const char *path, char *out, size_t outsz)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    size_t n = strlen(name);

    if (n == 0 || n > HTTP_MAX_NAME || n >= outsz
        || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
        || strchr(name, '\\') != NULL)
        return 400;
    memcpy(out, name, n + 1);
    return 0;
}

const char *http_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        { ".html", "text/html" },
        { ".htm", "text/html" },
        { ".txt", "text/plain" },
        { ".css", "text/css" },
        { ".js", "text/javascript" },
        { ".json", "application/json" },
        { ".png", "image/png" },
    };
    const char *dot = strrchr(path, '.');
    size_t i;

    if (dot == NULL || strchr(dot, '/') != NULL)
        return "application/octet-stream";
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

const char *http_method_name(enum http_method m)
{
    switch (m) {
    case HTTP_METHOD_GET: return "GET";
    case HTTP_METHOD_HEAD: return "HEAD";
    case HTTP_METHOD_POST: return "POST";
    case HTTP_METHOD_PUT: return "PUT";
    default: return "?";
    }
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

size_t http_format_head(char *out, size_t outsz, int status,
                        uint64_t content_length, const char *content_type,
                        const char *extra)
{
    int n = snprintf(out, outsz,
                     "HTTP/1.0 %d %s\r\n"
                     "Content-Length: %llu\r\n"
                     "Content-Type: %s\r\n"
                     "%s"
                     "Connection: close\r\n"
                     "\r\n",
                     status, http_reason(status),
                     (unsigned long long)content_length, content_type,
                     extra != NULL ? extra : "");

    if (n < 0 || (size_t)n >= outsz)
        return 0;
    return (size_t)n;
}
