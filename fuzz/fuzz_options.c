/*
 * libFuzzer target: qget's command line (tool_parse_args, then
 * tool_free_args) and its number parsers (tool_parse_seconds,
 * tool_parse_port).  What a successful parse promises is checked for every
 * transfer: host, port, path, the URL (which parses back to the same
 * parts), -o/-O/-T given to the right URLs, every -O name safe
 * (tool_remote_name: no '/', never "." or "..") and no two transfers
 * writing one file.
 *
 * The input is split at NUL bytes into at most MAX_WORDS argv words of at
 * most MAX_WORD bytes each; each word lives in its own heap block so that
 * ASan sees any read past its end.  Invariants are checked with abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../src/tool/options.h"
#include "fuzz.h"

#define MAX_WORDS 32
#define MAX_WORD 9000 /* a little over path_ok()'s 8000-byte limit */


/* An independent model of tool_parse_seconds: [0-9]*(.[0-9]*)? with at
 * least one digit, milliseconds rounded up, at most 1e6 s. */
static int
ref_seconds(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0, nfrac = 0, rest = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if (whole <= 10000000u) /* saturate well above the limit */
			whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (nfrac < 3) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				nfrac++;
			} else if (*p != '0') {
				rest = 1;
			}
		}
	}
	if (digits == 0 || *p != '\0')
		return -1;
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	if (whole > 1000000u)
		return -1;
	*ms = whole * 1000 + frac + (uint64_t)rest;
	return *ms <= 1000000000u ? 0 : -1;
}

static int
ref_port(const char *s)
{
	size_t n = strlen(s), i;
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? 0 : -1;
}

static void
check_word(const char *w)
{
	uint64_t ms = UINT64_MAX, ref = UINT64_MAX, again = UINT64_MAX;
	int rv = tool_parse_seconds(w, &ms);
	int rrv = ref_seconds(w, &ref);
	char buf[64];

	ASSERT(rv == 0 || rv == -1);
	ASSERT(rv == rrv);
	if (rv == 0) {
		ASSERT(ms <= 1000000000u);
		ASSERT(ms == ref);
		/* Formatting the result back must parse to the same value. */
		snprintf(buf, sizeof(buf), "%llu.%03llu",
		    (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000));
		ASSERT(tool_parse_seconds(buf, &again) == 0 && again == ms);
		if (ms % 1000 == 0) {
			snprintf(buf, sizeof(buf), "%llu",
			    (unsigned long long)(ms / 1000));
			ASSERT(tool_parse_seconds(buf, &again) == 0 &&
			    again == ms);
		}
	}
	rv = tool_parse_port(w);
	ASSERT(rv == 0 || rv == -1);
	ASSERT(rv == ref_port(w));
}

/* Reads of files while parsing (-d @FILE, -w @FILE) stay inside the
 * current folder and away from standard input: "@/dev/zero" would read a
 * gigabyte and "@-" would wait for a terminal. */
static int
reads_outside(const char *w)
{
	const char *at = strchr(w, '@');

	return at != NULL && (strchr(at, '/') != NULL ||
	    strstr(w, "@-") != NULL);
}

static void
check_path(const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	ASSERT(path != NULL && p[0] == '/');
	for (; *p != '\0'; p++)
		ASSERT(*p > 0x20 && *p != 0x7f);
	ASSERT(strlen(path) <= 8000);
}

static int
terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

/* What -O saves as: a plain name in the output folder. */
static void
check_remote_name(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	ASSERT(name[0] != '\0' && strlen(name) <= 255);
	ASSERT(strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
	for (; *p != '\0'; p++)
		ASSERT(*p != '/' && *p >= 0x20 && *p != 0x7f);
}

/* The URL a transfer reports parses back to the transfer's parts. */
static void
check_url(const struct tool_opts *o, const struct tool_url *u)
{
	char host[256], port[6], msg[256], *path, *copy;
	size_t ulen, plen;

	ASSERT(u->url != NULL && strncmp(u->url, "https://", 8) == 0);
	ulen = strlen(u->url);
	plen = strlen(u->path);
	ASSERT(ulen > plen && strcmp(u->url + ulen - plen, u->path) == 0);
	/* A legacy PATH may hold '#' (a fragment in a URL) and a legacy
	 * HOST ':' without being an IPv6 address: only URLs round-trip. */
	if (o->legacy)
		return;
	copy = strdup(u->url);
	ASSERT(copy != NULL);
	memset(msg, 'x', sizeof(msg));
	ASSERT(tool_parse_url(copy, host, sizeof(host), port, &path, msg,
	    sizeof(msg)) == QGET_OK);
	ASSERT(strcmp(host, u->host) == 0);
	ASSERT(strcmp(port, u->port) == 0);
	ASSERT(strcmp(path, u->path) == 0);
	free(copy);
}

/* A file several transfers may share (a device, a FIFO): as the parser
 * decides, from what the file system says. */
static int
shared_file(const struct tool_opts *o, const char *file)
{
	char path[4096];
	struct stat sb;

	if (strcmp(file, "-") == 0)
		return 1;
	if (o->output_dir != NULL && file[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", o->output_dir, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISDIR(sb.st_mode);
}

static void
check_opts(const struct tool_opts *o)
{
	char (*names)[256];
	int nuploads = 0;

	ASSERT(o->urls != NULL && o->nurls >= 1);
	ASSERT(o->host == o->urls[0].host && o->port == o->urls[0].port);
	ASSERT(o->alpn != NULL && o->alpn[0] != '\0');
	ASSERT(!(o->fail && o->fail_with_body));
	ASSERT(o->family == QGET_FAMILY_ANY ||
	    o->family == QGET_FAMILY_IPV4 ||
	    o->family == QGET_FAMILY_IPV6);
	ASSERT(o->connect_timeout_ms <= 1000000000u);
	ASSERT(o->max_time_ms <= 1000000000u);
	ASSERT(o->idle_timeout_ms <= 1000000000u);
	ASSERT(o->retry_delay_ms <= 1000000000u);
	ASSERT(o->retry_max_time_ms <= 1000000000u);
	ASSERT(o->max_redirs >= -1);
	ASSERT(o->resume_from >= -1 && (o->resume || o->resume_from == 0));
	ASSERT(o->local_port_min <= o->local_port_max &&
	    o->local_port_max <= 65535);
	ASSERT(o->nheaders >= 0 && o->nheaders <= TOOL_MAX_HEADERS);
	for (int i = 0; i < o->nheaders; i++) {
		char msg[256];

		ASSERT(tool_check_header(o->headers[i], msg, sizeof(msg)) ==
		    0);
	}
	ASSERT(o->has_data ? o->data != NULL && o->data[o->data_len] == '\0' :
	    o->data == NULL && o->data_len == 0);
	ASSERT(o->output_dir == NULL || o->output_dir[0] != '\0');
	ASSERT(o->stats_file == NULL || o->stats_file[0] != '\0');
	ASSERT(o->dump_header == NULL || o->dump_header[0] != '\0');
	ASSERT(o->nresolve >= 0 && o->nresolve <= 32);
	for (int i = 0; i < o->nresolve; i++) {
		ASSERT(terminated(o->resolve[i].host,
		    sizeof(o->resolve[i].host)) && o->resolve[i].host[0]);
		ASSERT(tool_parse_port(o->resolve[i].port) == 0);
		ASSERT(terminated(o->resolve[i].addr,
		    sizeof(o->resolve[i].addr)) && o->resolve[i].addr[0]);
	}
	ASSERT(o->nconnect_to >= 0 && o->nconnect_to <= 32);
	for (int i = 0; i < o->nconnect_to; i++) {
		const struct tool_connect_to *c = &o->connect_to[i];

		ASSERT(c->port[0] == '\0' || tool_parse_port(c->port) == 0);
		ASSERT(c->to_port[0] == '\0' ||
		    tool_parse_port(c->to_port) == 0);
	}
	/* hq-interop can only say "GET PATH". */
	if (strcmp(o->alpn, "hq-interop") == 0)
		ASSERT(!o->head && o->nheaders == 0 && !o->has_data &&
		    o->method == NULL && !o->location && !o->resume);

	names = calloc((size_t)o->nurls, sizeof(*names));
	ASSERT(names != NULL);
	for (int i = 0; i < o->nurls; i++) {
		const struct tool_url *u = &o->urls[i];

		ASSERT(u->arg != NULL);
		ASSERT(terminated(u->host, sizeof(u->host)));
		ASSERT(u->host[0] != '\0' && strchr(u->host, '/') == NULL);
		if (!o->legacy) {
			ASSERT(strchr(u->host, '[') == NULL &&
			    strchr(u->host, ']') == NULL);
		} else {
			/* One server for every PATH. */
			ASSERT(strcmp(u->host, o->urls[0].host) == 0 &&
			    strcmp(u->port, o->urls[0].port) == 0);
		}
		ASSERT(terminated(u->port, sizeof(u->port)) &&
		    tool_parse_port(u->port) == 0);
		check_path(u->path);
		check_url(o, u);
		ASSERT(u->output == NULL || u->output[0] != '\0');
		ASSERT(!(u->output != NULL && u->remote_name));
		ASSERT(!o->remote_name_all || u->output != NULL ||
		    u->remote_name);
		ASSERT(u->upload == NULL || u->upload[0] != '\0');
		if (u->upload != NULL) {
			/* The n-th -T is the n-th URL's. */
			ASSERT(i == nuploads);
			nuploads++;
		}
		if (u->remote_name) {
			ASSERT(tool_remote_name(u->path, names[i],
			    sizeof(names[i])) == 0);
			check_remote_name(names[i]);
			/* Two transfers never write one file. */
			for (int k = 0; k < i; k++) {
				const struct tool_url *v = &o->urls[k];

				ASSERT(!v->remote_name ||
				    strcmp(names[k], names[i]) != 0);
				ASSERT(v->output == NULL ||
				    shared_file(o, v->output) ||
				    strcmp(v->output, names[i]) != 0);
			}
		} else if (u->output != NULL && !shared_file(o, u->output)) {
			for (int k = 0; k < i; k++) {
				const struct tool_url *v = &o->urls[k];

				ASSERT(!v->remote_name ||
				    strcmp(names[k], u->output) != 0);
				ASSERT(v->output == NULL ||
				    shared_file(o, v->output) ||
				    strcmp(v->output, u->output) != 0);
			}
		}
	}
	if (o->raw)
		ASSERT(o->legacy && o->nurls == 1 && !o->probe);
	if (o->probe)
		ASSERT(o->nurls == 1 && nuploads == 0 && !o->has_data);
	free(names);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2];
	char *copy[MAX_WORDS + 1];
	int argc = 0, nwords = 0, i, outside = 0;
	size_t off = 0;
	struct tool_opts o;
	char msg[256];
	qget_status rv;

	argv[argc++] = "qget";
	while (off < size && nwords < MAX_WORDS) {
		const uint8_t *nul = memchr(data + off, 0, size - off);
		size_t len = nul != NULL ? (size_t)(nul - (data + off)) :
		    size - off;
		size_t keep = len > MAX_WORD ? MAX_WORD : len;
		char *w = malloc(keep + 1);

		if (w == NULL)
			abort();
		memcpy(w, data + off, keep);
		w[keep] = '\0';
		copy[nwords++] = w;
		argv[argc++] = w;
		off += len + 1;
	}
	argv[argc] = NULL;

	for (i = 0; i < nwords; i++) {
		check_word(copy[i]);
		outside |= reads_outside(copy[i]);
	}
	if (outside)
		goto out;

	memset(msg, 'x', sizeof(msg)); /* catch a missing terminator */
	rv = tool_parse_args(argc, argv, &o, msg, sizeof(msg));
	ASSERT(rv == QGET_OK || rv == QGET_E_USAGE);
	ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
	if (rv == QGET_E_USAGE)
		ASSERT(msg[0] != '\0');
	else if (!o.help && !o.version)
		check_opts(&o);
	tool_free_args(&o);
	ASSERT(o.urls == NULL && o.nurls == 0 && o.data == NULL &&
	    o.writeout == NULL && o.resolve == NULL && o.connect_to == NULL);
	/* Freeing twice is allowed (the unit tests parse again after it). */
	tool_free_args(&o);
out:
	for (i = 0; i < nwords; i++)
		free(copy[i]);
	return 0;
}
