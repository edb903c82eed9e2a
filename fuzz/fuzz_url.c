/*
 * libFuzzer target: URLs on the command line (tool_parse_url, and through
 * tool_parse_args), the file name -O takes from them (tool_remote_name),
 * -H validation (tool_check_header), and the requests the library builds
 * from what passed: every -H the tool accepts must be accepted by
 * qget_request_add_header too, then HTTP/1.0's head (the http/1.0
 * driver, on a connection object that never touches the network) and
 * HTTP/3's fields (qget__h3_request_fields).  The input is split at NUL
 * bytes: the first word is the URL (after "--", so that it is never an
 * option), the others are -H values.  The invariants that matter: nothing
 * accepted can end a line or a field early (no CR, LF or NUL gets
 * through), a URL parses the same after being put back together, and a
 * remote name never leaves the output folder (no '/', never "." or "..").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/lib/h3fields.h"
#include "../src/lib/req.h"
#include "../src/tool/options.h"
#include "fuzz.h"

#define MAX_HDRS 8
#define MAX_WORD 9000

static int
bad_byte(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
			return 1;
	return 0;
}

static void
check_request(const struct tool_opts *o, const struct tool_url *u)
{
	static char store[MAX_WORD * (MAX_HDRS + 2)];
	struct qget__h3_field f[QGET__H3_OWN_FIELDS + MAX_HDRS];
	struct qget__h3_field in[MAX_HDRS];
	char authority[300];
	qget_conn *c;
	qget_request *r = NULL;
	qget_error err;
	const char *req;
	size_t len, crlf = 0, n, ua = 1;

	/* A connection object that is never used for I/O. */
	c = calloc(1, sizeof(*c));
	ASSERT(c != NULL);
	c->ssl = (SSL *)(void *)c;
	c->host = strdup(u->host);
	snprintf(c->alpn, sizeof(c->alpn), "http/1.0");
	ASSERT(qget_request_new(&r, c, "GET", u->path, &err) == QGET_OK);
	for (int i = 0; i < o->nheaders; i++) {
		const char *h = o->headers[i], *colon = strchr(h, ':');
		char *name;

		ASSERT(colon != NULL);
		name = strndup(h, (size_t)(colon - h));
		ASSERT(name != NULL);
		ASSERT(qget_request_add_header(r, name, colon + 1, &err) ==
		    QGET_OK);
		/* The name went out whole. */
		ASSERT(strcmp(r->fields[r->nfields - 1].name, name) == 0);
		free(name);
	}
	ASSERT(c->http->drv->start(r, &err) == QGET_OK);
	len = c->http->drv->pending(r, &req);
	ASSERT(len > 0);
	/* The request line, Connection, Host, each -H, the empty line. */
	for (size_t i = 0; i + 1 < len; i++)
		if (req[i] == '\r' && req[i + 1] == '\n')
			crlf++;
	ASSERT(crlf == 4 + (size_t)o->nheaders);
	ASSERT(memchr(req, '\0', len) == NULL);
	for (size_t i = 0; i < len; i++)
		ASSERT(req[i] != '\n' || (i > 0 && req[i - 1] == '\r'));

	for (size_t i = 0; i < r->nfields; i++) {
		in[i].name = r->fields[i].name;
		in[i].namelen = r->fields[i].namelen;
		in[i].value = r->fields[i].value;
		in[i].valuelen = r->fields[i].valuelen;
	}
	ASSERT(qget__h3_authority(authority, sizeof(authority), u->host,
	    u->port) > 0);
	n = qget__h3_request_fields(f, sizeof(f) / sizeof(f[0]), store,
	    sizeof(store), "GET", authority, u->path, in, r->nfields);
	/* A -H User-Agent replaces qget's own. */
	for (int i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], "user-agent:", 11) == 0)
			ua = 0;
	ASSERT(n == 4 + ua + (size_t)o->nheaders);
	for (size_t i = 0; i < n; i++) {
		ASSERT(f[i].namelen > 0);
		ASSERT(!bad_byte(f[i].name, f[i].namelen));
		ASSERT(!bad_byte(f[i].value, f[i].valuelen));
		ASSERT((f[i].name[0] == ':') == (i < 4));
		for (size_t k = 0; k < f[i].namelen; k++)
			ASSERT(f[i].name[k] < 'A' || f[i].name[k] > 'Z');
	}
	qget_request_del(r);
	qget__http_free(c);
	free(c->host);
	free(c);
}

/* Parses url (a copy: tool_parse_url cuts the fragment off) and
 * compares the parts with the transfer's. */
static void
same_parts(const char *url, const struct tool_url *u)
{
	char *copy = strdup(url), host[256], port[6], *path, msg[256];

	ASSERT(copy != NULL);
	memset(msg, 'x', sizeof(msg));
	ASSERT(tool_parse_url(copy, host, sizeof(host), port, &path, msg,
	    sizeof(msg)) == QGET_OK);
	ASSERT(strcmp(host, u->host) == 0);
	ASSERT(strcmp(port, u->port) == 0);
	ASSERT(strcmp(path, u->path) == 0);
	free(copy);
}

/* The URL as given, as the parser rebuilt it, and as rebuilt here from
 * its parts: all parse to the same parts. */
static void
check_round_trip(const char *given, const struct tool_url *u)
{
	char url[MAX_WORD + 600];
	int v6 = strchr(u->host, ':') != NULL;

	same_parts(given, u);
	same_parts(u->url, u);
	snprintf(url, sizeof(url), "https://%s%s%s:%s%s", v6 ? "[" : "",
	    u->host, v6 ? "]" : "", u->port, u->path);
	same_parts(url, u);
}

static int
hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An independent model of tool_remote_name: the last segment before the
 * query or fragment, percent-decoded; refused when a decoded byte is '/'
 * or a control character, when it is empty, ".", "..", over 255 bytes,
 * or does not fit in cap with its NUL. */
static int
ref_remote_name(const char *path, char *out, size_t cap)
{
	size_t end = 0, start, n = 0;
	char name[MAX_WORD + 1];

	while (path[end] != '\0' && path[end] != '?' && path[end] != '#')
		end++;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	for (size_t i = start; i < end; i++) {
		int c = (unsigned char)path[i];

		if (c == '%') {
			if (i + 2 >= end || hex((unsigned char)path[i + 1]) < 0 ||
			    hex((unsigned char)path[i + 2]) < 0)
				return -1;
			c = hex((unsigned char)path[i + 1]) * 16 +
			    hex((unsigned char)path[i + 2]);
			i += 2;
		}
		if (c == '/' || c < 0x20 || c == 0x7f)
			return -1;
		name[n++] = (char)c;
	}
	name[n] = '\0';
	if (n == 0 || n > 255 || n + 1 > cap || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -1;
	memcpy(out, name, n + 1);
	return 0;
}

/* tool_remote_name into an exactly sized heap block (ASan sees a write
 * past cap), against the model. */
static void
check_remote_name(const char *path, size_t cap)
{
	char *buf = malloc(cap > 0 ? cap : 1), ref[MAX_WORD + 1];
	int rv, rrv;

	ASSERT(buf != NULL);
	rv = tool_remote_name(path, buf, cap);
	rrv = ref_remote_name(path, ref, cap);
	ASSERT(rv == 0 || rv == -1);
	ASSERT(rv == rrv);
	if (rv == 0) {
		const unsigned char *p = (const unsigned char *)buf;

		ASSERT(memchr(buf, '\0', cap) != NULL);
		ASSERT(strcmp(buf, ref) == 0);
		/* The name never leaves the output folder. */
		ASSERT(buf[0] != '\0' && strcmp(buf, ".") != 0 &&
		    strcmp(buf, "..") != 0);
		for (; *p != '\0'; p++)
			ASSERT(*p != '/' && *p >= 0x20 && *p != 0x7f);
	}
	free(buf);
}

static void
check_remote_names(const char *path)
{
	size_t n = strlen(path);

	check_remote_name(path, 0);
	check_remote_name(path, 1);
	check_remote_name(path, 2);
	check_remote_name(path, n < 300 ? n + 1 : 301);
	check_remote_name(path, 256);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[MAX_HDRS + 1], *argv[2 * MAX_HDRS + 4], msg[512];
	struct tool_opts o;
	size_t nw = 0, start = 0;
	int argc = 0;

	for (size_t i = 0; i <= size && nw <= MAX_HDRS; i++) {
		if (i == size || data[i] == '\0') {
			size_t len = i - start;

			if (len > MAX_WORD)
				len = MAX_WORD;
			/* Own blocks: ASan sees reads past a word's end. */
			words[nw] = malloc(len + 1);
			ASSERT(words[nw] != NULL);
			memcpy(words[nw], data + start, len);
			words[nw][len] = '\0';
			nw++;
			start = i + 1;
		}
	}
	/* Any string, as a path would be. */
	check_remote_names(words[0]);
	argv[argc++] = "qget";
	for (size_t i = 1; i < nw; i++) {
		/* tool_check_header alone must agree with the parser. */
		int ok = tool_check_header(words[i], msg, sizeof(msg)) == 0;

		if (ok)
			ASSERT(!bad_byte(words[i], strlen(words[i])));
		argv[argc++] = "-H";
		argv[argc++] = words[i];
	}
	argv[argc++] = "--";
	argv[argc++] = words[0];
	argv[argc] = NULL;
	if (tool_parse_args(argc, argv, &o, msg, sizeof(msg)) == QGET_OK) {
		const struct tool_url *u = &o.urls[0];

		/* One argument is a URL or nothing (HOST PORT needs two). */
		ASSERT(!o.legacy && o.nurls == 1 && u->arg == words[0]);
		ASSERT(u->host[0] != '\0');
		ASSERT(strchr(u->host, '[') == NULL &&
		    strchr(u->host, ']') == NULL);
		ASSERT(tool_parse_port(u->port) == 0);
		ASSERT(u->path[0] == '/');
		ASSERT(strcmp(o.alpn, "h3,http/1.0") == 0);
		ASSERT(u->output == NULL && !u->remote_name &&
		    u->upload == NULL);
		check_request(&o, u);
		check_round_trip(words[0], u);
		check_remote_names(u->path);
	}
	tool_free_args(&o);
	for (size_t i = 0; i < nw; i++)
		free(words[i]);
	return 0;
}
