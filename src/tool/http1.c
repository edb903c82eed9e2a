#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "http1.h"

#define PREFIX "HTTP/"
#define PREFIX_LEN 5

size_t
http1_build_request(char *buf, size_t cap, const char *alpn,
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
http1_resp_init(struct http1_resp *r)
{
	memset(r, 0, sizeof(*r));
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
http1_feed(struct http1_resp *r, const unsigned char *data, size_t n,
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
http1_finish(struct http1_resp *r, char *msg, size_t msglen)
{
	if (r->decided)
		return QGET_OK;
	if (r->head_len < PREFIX_LEN) {
		/* A short body that happens to start like "HTTP/". */
		r->decided = r->simple = 1;
		return QGET_OK;
	}
	snprintf(msg, msglen, "response truncated within its head (%zu bytes)",
	    r->head_len);
	return QGET_E_TRUNCATED;
}
