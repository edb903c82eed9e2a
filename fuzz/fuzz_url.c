/*
 * libFuzzer target: URLs on the command line (tool_parse_url through
 * tool_parse_args), -H validation (tool_check_header), and the requests
 * built from what passed: HTTP/1.0's (http1_build_request) and HTTP/3's
 * fields (h3_request_fields).  The input is split at NUL bytes: the first
 * word is the URL, the others are -H values.  The invariant that matters:
 * nothing accepted can end a line or a field early (no CR, LF or NUL
 * gets through), and a URL parses the same after being put back together.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/tool/h3fields.h"
#include "../src/lib/http1.h"
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
	static char req[MAX_WORD * (MAX_HDRS + 2)];
	static char store[MAX_WORD * (MAX_HDRS + 2)];
	struct h3_field f[H3_MAX_FIELDS];
	size_t len, crlf = 0, n, ua = 1;

	len = qget__http1_build_request(req, sizeof(req), "http/1.0", o->host,
	    o->path, "GET", o->headers, o->nheaders);
	ASSERT(len > 0);
	/* The request line, Connection, Host, each -H, the empty line. */
	for (size_t i = 0; i + 1 < len; i++)
		if (req[i] == '\r' && req[i + 1] == '\n')
			crlf++;
	ASSERT(crlf == 4 + (size_t)o->nheaders);
	ASSERT(memchr(req, '\0', len) == NULL);
	for (size_t i = 0; i < len; i++)
		ASSERT(req[i] != '\n' || (i > 0 && req[i - 1] == '\r'));

	n = h3_request_fields(f, store, sizeof(store), "GET", o->host,
	    o->port, o->path, o->headers, o->nheaders);
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
