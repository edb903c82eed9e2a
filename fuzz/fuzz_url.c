/*
 * libFuzzer target: URLs on the command line (tool_parse_url through
 * tool_parse_args), -H validation (tool_check_header), and the requests
 * the library builds from what passed: every -H the tool accepts must be
 * accepted by qget_request_add_header too, then HTTP/1.0's head (the
 * http/1.0 driver, on a connection object that never touches the
 * network) and HTTP/3's fields (qget__h3_request_fields).  The input is split at NUL bytes: the first
 * word is the URL, the others are -H values.  The invariant that matters:
 * nothing accepted can end a line or a field early (no CR, LF or NUL
 * gets through), and a URL parses the same after being put back together.
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
check_request(const struct tool_opts *o)
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
	c->host = strdup(o->host);
	snprintf(c->alpn, sizeof(c->alpn), "http/1.0");
	ASSERT(qget_request_new(&r, c, "GET", o->path, &err) == QGET_OK);
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
	ASSERT(qget__h3_authority(authority, sizeof(authority), o->host,
	    o->port) > 0);
	n = qget__h3_request_fields(f, sizeof(f) / sizeof(f[0]), store,
	    sizeof(store), "GET", authority, o->path, in, r->nfields);
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

/* The URL rebuilt from its parts parses to the same parts. */
static void
check_round_trip(const struct tool_opts *o)
{
	char url[MAX_WORD + 600], host[256], port[6], *path;
	char msg[256];
	int v6 = strchr(o->host, ':') != NULL;

	snprintf(url, sizeof(url), "https://%s%s%s:%s%s", v6 ? "[" : "",
	    o->host, v6 ? "]" : "", o->port, o->path);
	ASSERT(tool_parse_url(url, host, sizeof(host), port, &path, msg,
	    sizeof(msg)) == QGET_OK);
	ASSERT(strcmp(host, o->host) == 0);
	ASSERT(strcmp(port, o->port) == 0);
	ASSERT(strcmp(path, o->path) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[MAX_HDRS + 1], *argv[2 * MAX_HDRS + 3], msg[512];
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
	argv[argc++] = "qget";
	for (size_t i = 1; i < nw; i++) {
		/* tool_check_header alone must agree with the parser. */
		int ok = tool_check_header(words[i], msg, sizeof(msg)) == 0;

		if (ok)
			ASSERT(!bad_byte(words[i], strlen(words[i])));
		argv[argc++] = "-H";
		argv[argc++] = words[i];
	}
	argv[argc++] = words[0];
	argv[argc] = NULL;
	if (tool_parse_args(argc, argv, &o, msg, sizeof(msg)) == QGET_OK &&
	    o.url) {
		ASSERT(o.host[0] != '\0');
		ASSERT(strchr(o.host, '[') == NULL && strchr(o.host, ']') ==
		    NULL);
		ASSERT(tool_parse_port(o.port) == 0);
		ASSERT(o.npaths == 1 && o.path[0] == '/');
		ASSERT(strcmp(o.alpn, "h3,http/1.0") == 0);
		check_request(&o);
		check_round_trip(&o);
	}
	for (size_t i = 0; i < nw; i++)
		free(words[i]);
	return 0;
}
