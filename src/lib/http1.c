#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http1.h"

#define PREFIX "HTTP/"
#define PREFIX_LEN 5

size_t
qget__http1_build_request(char *buf, size_t cap, const char *alpn,
    const char *host, const char *path, const char *method,
    const char *const *headers, int nheaders)
{
	size_t len;
	int n;

	if (strcmp(alpn, "hq-interop") == 0)
		n = snprintf(buf, cap, "GET %s\r\n", path);
	else
		n = snprintf(buf, cap, "%s %s HTTP/1.0\r\nConnection: close"
		    "\r\nHost: %s%s%s\r\n", method, path,
		    strchr(host, ':') != NULL ? "[" : "", host, /* IPv6 */
		    strchr(host, ':') != NULL ? "]" : "");
	if (n <= 0 || (size_t)n >= cap)
		return 0;
	if (strcmp(alpn, "hq-interop") == 0)
		return (size_t)n;
	len = (size_t)n;
	for (int i = 0; i < nheaders; i++) {
		n = snprintf(buf + len, cap - len, "%s\r\n", headers[i]);
		if (n <= 0 || (size_t)n >= cap - len)
			return 0;
		len += (size_t)n;
	}
	if (cap - len < 3)
		return 0;
	memcpy(buf + len, "\r\n", 3);
	return len + 2;
}

void
qget__http1_resp_init(struct http1_resp *r, int head_request)
{
	memset(r, 0, sizeof(*r));
	r->head_request = head_request;
}

static qget_status
protocol_error(char *msg, size_t msglen, const char *what)
{
	snprintf(msg, msglen, "malformed response head: %s", what);
	return QGET_E_PROTOCOL;
}

/* "HTTP/1.x SSS reason" */
static qget_status
parse_status_line(struct http1_resp *r, const char *line, size_t len,
    char *msg, size_t msglen)
{
	size_t i;

	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)line[7]) || line[8] != ' ')
		return protocol_error(msg, msglen, "bad status line");
	for (i = 9; i < 12; i++)
		if (!isdigit((unsigned char)line[i]))
			return protocol_error(msg, msglen, "bad status code");
	if (len > 12 && line[12] != ' ')
		return protocol_error(msg, msglen, "bad status line");
	r->version_minor = line[7] - '0';
	r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
	    (line[11] - '0');
	if (r->status < 100)
		return protocol_error(msg, msglen, "bad status code");
	if (len > 13)
		snprintf(r->reason, sizeof(r->reason), "%.*s",
		    (int)(len - 13), line + 13);
	return QGET_OK;
}

/* Content-Length is digits only: no sign, no list, no overflow; a repeat
 * must agree with the first (RFC 9112, 6.3). */
static qget_status
parse_content_length(struct http1_resp *r, const char *v, size_t len,
    char *msg, size_t msglen)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return protocol_error(msg, msglen, "empty Content-Length");
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return protocol_error(msg, msglen,
			    "Content-Length is not a number");
		if (n > (UINT64_MAX / 2 - 9) / 10)
			return protocol_error(msg, msglen,
			    "Content-Length too large");
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (r->has_length && r->content_length != n)
		return protocol_error(msg, msglen,
		    "conflicting Content-Length headers");
	r->has_length = 1;
	r->content_length = n;
	return QGET_OK;
}

static int
is_token_char(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static qget_status
parse_header(struct http1_resp *r, const char *line, size_t len, char *msg,
    size_t msglen)
{
	size_t name_len = 0, vs, ve;

	while (name_len < len && is_token_char((unsigned char)line[name_len]))
		name_len++;
	if (name_len == 0 || name_len == len || line[name_len] != ':')
		return protocol_error(msg, msglen, "bad header line");
	for (vs = name_len + 1; vs < len && (line[vs] == ' ' ||
	    line[vs] == '\t'); vs++)
		;
	for (ve = len; ve > vs && (line[ve - 1] == ' ' ||
	    line[ve - 1] == '\t'); ve--)
		;
	for (size_t i = vs; i < ve; i++)
		if (line[i] == '\0')
			return protocol_error(msg, msglen, "NUL in a header");
	if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0)
		return parse_content_length(r, line + vs, ve - vs, msg,
		    msglen);
	if (name_len == 17 &&
	    strncasecmp(line, "Transfer-Encoding", 17) == 0) {
		/* Only chunked alone is decoded: gzip and the like would
		 * be saved still encoded, as if it were the body. */
		if (r->chunked)
			return protocol_error(msg, msglen,
			    "several Transfer-Encoding headers");
		if (ve - vs != 7 || strncasecmp(line + vs, "chunked", 7) != 0)
			return protocol_error(msg, msglen, "a Transfer-Encoding "
			    "other than chunked (not supported)");
		r->chunked = 1;
	}
	return QGET_OK;
}

/* The whole head is in r->head; parse it line by line. */
static qget_status
parse_head(struct http1_resp *r, char *msg, size_t msglen)
{
	const char *p = (const char *)r->head, *end = p + r->head_len;
	qget_status rv;
	int first = 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (nl == NULL)
			break;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			break; /* the blank line that ends the head */
		if (first)
			rv = parse_status_line(r, p, len, msg, msglen);
		else if (*p == ' ' || *p == '\t')
			rv = protocol_error(msg, msglen,
			    "obsolete folded header line");
		else
			rv = parse_header(r, p, len, msg, msglen);
		if (rv != QGET_OK)
			return rv;
		first = 0;
		p = nl + 1;
	}
	/* RFC 9112, 6.1 and 6.3: both framings at once is how responses
	 * are split and smuggled; HTTP/1.0 has no Transfer-Encoding. */
	if (r->chunked && r->has_length)
		return protocol_error(msg, msglen,
		    "both Transfer-Encoding and Content-Length");
	if (r->chunked && r->version_minor == 0)
		return protocol_error(msg, msglen,
		    "Transfer-Encoding in an HTTP/1.0 response");
	/* RFC 9112, 6.3: these end with their head, whatever it says. */
	r->no_body = r->head_request || r->status < 200 || r->status == 204 ||
	    r->status == 304;
	return QGET_OK;
}

/* The end of the head, "\n\r\n" or "\n\n", searched from `from`; returns
 * the offset just past it, or 0. */
static size_t
head_end(const unsigned char *h, size_t len, size_t from)
{
	size_t i;

	for (i = from; i < len; i++) {
		if (h[i] != '\n')
			continue;
		if (i + 1 < len && h[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && h[i + 1] == '\r' && h[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

qget_status
qget__http1_feed(struct http1_resp *r, const unsigned char *data, size_t n,
    size_t *used, char *msg, size_t msglen)
{
	size_t take, scan_from, end;

	*used = 0;
	if (r->decided)
		return QGET_OK;

	/* Until five bytes are in, we cannot tell a head from a body. */
	if (r->head_len < PREFIX_LEN) {
		take = PREFIX_LEN - r->head_len;
		if (take > n)
			take = n;
		memcpy(r->head + r->head_len, data, take);
		r->head_len += take;
		*used = take;
		if (memcmp(r->head, PREFIX, r->head_len) != 0) {
			r->decided = r->simple = 1;
			return QGET_OK;
		}
		if (r->head_len < PREFIX_LEN)
			return QGET_OK;
	}

	/* Look for the end of the head in the old tail and the new bytes;
	 * copy only up to it, so the body stays where it is. */
	scan_from = r->head_len >= 2 ? r->head_len - 2 : 0;
	take = n - *used;
	if (take > sizeof(r->head) - r->head_len)
		take = sizeof(r->head) - r->head_len;
	memcpy(r->head + r->head_len, data + *used, take);
	end = head_end(r->head, r->head_len + take, scan_from);
	if (end == 0) {
		r->head_len += take;
		*used += take;
		if (r->head_len == sizeof(r->head))
			return protocol_error(msg, msglen,
			    "head longer than 64 KiB");
		return QGET_OK;
	}
	*used += end - r->head_len;
	r->head_len = end;
	r->decided = 1;
	return parse_head(r, msg, msglen);
}

qget_status
qget__http1_finish(struct http1_resp *r, char *msg, size_t msglen)
{
	if (r->decided)
		return QGET_OK;
	if (r->head_len == 0) {
		r->decided = r->simple = 1;
		return QGET_OK;
	}
	/* Undecided bytes are a prefix of "HTTP/" or a head without its
	 * end: either way the head was cut, and "HTT" is no body. */
	snprintf(msg, msglen, "response truncated within its head (%zu bytes)",
	    r->head_len);
	return QGET_E_TRUNCATED;
}

/* Where a chunked body's framing is (RFC 9112, 7.1). */
enum {
	CH_SIZE,       /* the chunk size's hex digits */
	CH_SIZE_WS,    /* blanks after them */
	CH_EXT,        /* a chunk extension: ignored up to the line's end */
	CH_SIZE_LF,    /* CR seen: LF must follow */
	CH_DATA,       /* chunk_left data bytes */
	CH_DATA_CR,    /* the CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER,    /* the start of a trailer line, or the final CRLF */
	CH_TRAILER_LINE,
	CH_END_LF,     /* CR of the final CRLF seen */
	CH_DONE,
};

/* A chunk-size line (digits and extensions) longer than this is refused:
 * nothing legitimate needs more, and the decoder never buffers it. */
#define CHUNK_LINE_MAX 4096

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static qget_status
chunk_error(char *msg, size_t msglen, const char *what)
{
	snprintf(msg, msglen, "malformed chunked body: %s", what);
	return QGET_E_PROTOCOL;
}

/* One step of the framing: consumes in[0..n) until a run of data or
 * the end of the input. */
static qget_status
chunked_body(struct http1_resp *r, const unsigned char *in, size_t n,
    size_t *used, const unsigned char **data, size_t *len, char *msg,
    size_t msglen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = in[i];
		int v;

		switch (r->chunk_state) {
		case CH_SIZE:
			if ((v = hex_value(c)) >= 0) {
				if (r->chunk_left > (UINT64_MAX >> 4))
					return chunk_error(msg, msglen,
					    "chunk size too large");
				r->chunk_left = r->chunk_left * 16 +
				    (uint64_t)v;
				break;
			}
			if (r->line_len == 0)
				return chunk_error(msg, msglen,
				    "a chunk size is not hexadecimal");
			r->chunk_state = CH_SIZE_WS;
			/* FALLTHROUGH */
		case CH_SIZE_WS:
			if (c == ' ' || c == '\t')
				break;
			if (c == ';') {
				r->chunk_state = CH_EXT;
				break;
			}
			/* FALLTHROUGH */
		case CH_EXT:
			if (c == '\r') {
				r->chunk_state = CH_SIZE_LF;
				break;
			}
			if (c == '\n')
				goto size_line_done;
			if (r->chunk_state != CH_EXT || c == '\0')
				return chunk_error(msg, msglen,
				    "bad chunk size line");
			break;
		case CH_SIZE_LF:
			if (c != '\n')
				return chunk_error(msg, msglen,
				    "CR without LF after a chunk size");
		size_line_done:
			r->line_len = 0;
			r->chunk_state = r->chunk_left > 0 ? CH_DATA :
			    CH_TRAILER;
			continue;
		case CH_DATA: {
			size_t take = n - i;

			if (take > r->chunk_left)
				take = (size_t)r->chunk_left;
			r->chunk_left -= take;
			if (r->chunk_left == 0)
				r->chunk_state = CH_DATA_CR;
			*data = in + i;
			*len = take;
			*used = i + take;
			return QGET_OK;
		}
		case CH_DATA_CR:
			if (c == '\r') {
				r->chunk_state = CH_DATA_LF;
				break;
			}
			/* FALLTHROUGH */
		case CH_DATA_LF:
			if (c != '\n')
				return chunk_error(msg, msglen,
				    "no CRLF after a chunk's data");
			r->chunk_state = CH_SIZE;
			r->line_len = 0; /* CH_SIZE counts its digits */
			continue;
		case CH_TRAILER:
			if (c == '\r') {
				r->chunk_state = CH_END_LF;
				break;
			}
			if (c == '\n') {
				r->chunk_state = CH_DONE;
				continue;
			}
			r->chunk_state = CH_TRAILER_LINE;
			/* FALLTHROUGH */
		case CH_TRAILER_LINE:
			/* Trailers are skipped: qget shows no header
			 * that did not come in the head. */
			if (c == '\n')
				r->chunk_state = CH_TRAILER;
			break;
		case CH_END_LF:
			if (c != '\n')
				return chunk_error(msg, msglen,
				    "CR without LF after the trailers");
			r->chunk_state = CH_DONE;
			continue;
		default:
			return chunk_error(msg, msglen,
			    "data after the last chunk");
		}
		/* A byte of a size line or of the trailers: limited, so that
		 * a peer cannot keep us reading framing forever. */
		if (++r->line_len > (r->chunk_state >= CH_TRAILER ?
		    (size_t)HTTP1_HEAD_MAX : (size_t)CHUNK_LINE_MAX))
			return chunk_error(msg, msglen, r->chunk_state >=
			    CH_TRAILER ? "trailers longer than 64 KiB" :
			    "chunk size line too long");
	}
	*used = n;
	return QGET_OK;
}

qget_status
qget__http1_body(struct http1_resp *r, const unsigned char *in, size_t n,
    size_t *used, const unsigned char **data, size_t *len, char *msg,
    size_t msglen)
{
	qget_status rv = QGET_OK;

	*used = n;
	*data = in;
	*len = 0;
	if (n == 0)
		goto out;
	if (!r->decided || r->simple) {
		*len = n;
	} else if (r->no_body) {
		if (r->head_request)
			snprintf(msg, msglen, "the response to HEAD has a body");
		else
			snprintf(msg, msglen, "a %d response has no body, but "
			    "bytes followed its head", r->status);
		rv = QGET_E_PROTOCOL;
	} else if (r->chunked) {
		rv = chunked_body(r, in, n, used, data, len, msg, msglen);
	} else if (r->has_length && n > r->content_length - r->body_len) {
		snprintf(msg, msglen, "response longer than its Content-Length "
		    "of %" PRIu64 " bytes", r->content_length);
		rv = QGET_E_PROTOCOL;
	} else {
		*len = n;
	}
	if (rv == QGET_OK)
		r->body_len += *len;
out:
	return rv;
}

qget_status
qget__http1_body_end(struct http1_resp *r, char *msg, size_t msglen)
{
	if (!r->decided || r->simple || r->no_body)
		return QGET_OK;
	if (r->chunked && r->chunk_state != CH_DONE) {
		snprintf(msg, msglen, "response truncated: the server ended "
		    "the stream before the last chunk (%" PRIu64 " body "
		    "bytes)", r->body_len);
		return QGET_E_TRUNCATED;
	}
	if (r->has_length && r->body_len < r->content_length) {
		snprintf(msg, msglen, "response truncated: the server ended "
		    "the stream after %" PRIu64 " of %" PRIu64 " body bytes "
		    "(Content-Length)", r->body_len, r->content_length);
		return QGET_E_TRUNCATED;
	}
	return QGET_OK;
}
