/*
 * libFuzzer target: qget's command line (tool_parse_args) and its number
 * parsers (tool_parse_seconds, tool_parse_port).
 *
 * The input is split at NUL bytes into at most MAX_WORDS argv words of at
 * most MAX_WORD bytes each; each word lives in its own heap block so that
 * ASan sees any read past its end.  Invariants are checked with abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
check_path(const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	ASSERT(path != NULL && p[0] == '/');
	for (; *p != '\0'; p++)
		ASSERT(*p > 0x20 && *p != 0x7f);
	ASSERT(strlen(path) <= 8000);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2];
	char *copy[MAX_WORDS + 1];
	int argc = 0, nwords = 0, i;
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

	for (i = 0; i < nwords; i++)
		check_word(copy[i]);

	memset(msg, 'x', sizeof(msg)); /* catch a missing terminator */
	rv = tool_parse_args(argc, argv, &o, msg, sizeof(msg));
	ASSERT(rv == QGET_OK || rv == QGET_E_USAGE);
	if (rv == QGET_E_USAGE) {
		ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
		ASSERT(msg[0] != '\0');
	} else if (!o.help && !o.version) {
		ASSERT(memchr(o.host, '\0', sizeof(o.host)) != NULL);
		ASSERT(o.host[0] != '\0');
		ASSERT(strchr(o.host, '/') == NULL);
		ASSERT(o.port != NULL && tool_parse_port(o.port) == 0);
		check_path(o.path);
		ASSERT(o.alpn != NULL && o.alpn[0] != '\0');
		ASSERT(o.output == NULL || o.output[0] != '\0');
		ASSERT(!(o.verbose && o.silent));
		ASSERT(o.family == QGET_FAMILY_ANY ||
		    o.family == QGET_FAMILY_IPV4 ||
		    o.family == QGET_FAMILY_IPV6);
		ASSERT(o.connect_timeout_ms <= 1000000000u);
		ASSERT(o.max_time_ms <= 1000000000u);
		ASSERT(o.idle_timeout_ms <= 1000000000u);
	}

	for (i = 0; i < nwords; i++)
		free(copy[i]);
	return 0;
}
