#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "qget.h"
#include "h3fields.h"

/* Copies n bytes into the store; NULL when it is full. */
static const char *
keep(char **p, char *end, const char *s, size_t n, int lower)
{
	char *start = *p;

	if ((size_t)(end - *p) < n + 1)
		return NULL;
	for (size_t i = 0; i < n; i++)
		start[i] = lower && s[i] >= 'A' && s[i] <= 'Z' ?
		    (char)(s[i] - 'A' + 'a') : s[i];
	start[n] = '\0';
	*p += n + 1;
	return start;
}

static int
field(struct qget__h3_field *f, char **p, char *end, const char *name,
    size_t nlen, const char *value, size_t vlen, int lower)
{
	if ((f->name = keep(p, end, name, nlen, lower)) == NULL ||
	    (f->value = keep(p, end, value, vlen, 0)) == NULL)
		return -1;
	f->namelen = nlen;
	f->valuelen = vlen;
	return 0;
}

size_t
qget__h3_authority(char *buf, size_t cap, const char *host, const char *port)
{
	int v6 = strchr(host, ':') != NULL, n443 = strcmp(port, "443") != 0;
	int n;

	n = snprintf(buf, cap, "%s%s%s%s%s", v6 ? "[" : "", host,
	    v6 ? "]" : "", n443 ? ":" : "", n443 ? port : "");
	if (n <= 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

size_t
qget__h3_request_fields(struct qget__h3_field *f, size_t fcap, char *store,
    size_t storecap, const char *method, const char *authority,
    const char *path, const struct qget__h3_field *fields, size_t nfields)
{
	char ua[64], *p = store, *end = store + storecap;
	size_t nf = 0;

	if (fcap < QGET__H3_OWN_FIELDS || nfields > fcap - QGET__H3_OWN_FIELDS)
		return 0;
	snprintf(ua, sizeof(ua), "qget/%s", qget_version_str());
	if (field(&f[nf++], &p, end, ":method", 7, method, strlen(method), 0) ||
	    field(&f[nf++], &p, end, ":scheme", 7, "https", 5, 0) ||
	    field(&f[nf++], &p, end, ":authority", 10, authority,
	    strlen(authority), 0) ||
	    field(&f[nf++], &p, end, ":path", 5, path, strlen(path), 0))
		return 0;
	/* The caller's user-agent replaces ours, as in curl. */
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].namelen == 10 &&
		    strncasecmp(fields[i].name, "user-agent", 10) == 0)
			ua[0] = '\0';
	if (ua[0] != '\0' &&
	    field(&f[nf++], &p, end, "user-agent", 10, ua, strlen(ua), 0))
		return 0;
	for (size_t i = 0; i < nfields; i++)
		if (field(&f[nf++], &p, end, fields[i].name, fields[i].namelen,
		    fields[i].value, fields[i].valuelen, 1))
			return 0;
	return nf;
}

const char *
qget__h3_error_name(uint64_t code)
{
	/* RFC 9114, 8.1, and RFC 9204, 6. */
	static const char *const h3[] = {
		"H3_NO_ERROR", "H3_GENERAL_PROTOCOL_ERROR", "H3_INTERNAL_ERROR",
		"H3_STREAM_CREATION_ERROR", "H3_CLOSED_CRITICAL_STREAM",
		"H3_FRAME_UNEXPECTED", "H3_FRAME_ERROR", "H3_EXCESSIVE_LOAD",
		"H3_ID_ERROR", "H3_SETTINGS_ERROR", "H3_MISSING_SETTINGS",
		"H3_REQUEST_REJECTED", "H3_REQUEST_CANCELLED",
		"H3_REQUEST_INCOMPLETE", "H3_MESSAGE_ERROR", "H3_CONNECT_ERROR",
		"H3_VERSION_FALLBACK",
	};
	static const char *const qpack[] = {
		"QPACK_DECOMPRESSION_FAILED", "QPACK_ENCODER_STREAM_ERROR",
		"QPACK_DECODER_STREAM_ERROR",
	};

	if (code >= 0x100 && code < 0x100 + sizeof(h3) / sizeof(h3[0]))
		return h3[code - 0x100];
	if (code >= 0x200 && code < 0x200 + sizeof(qpack) / sizeof(qpack[0]))
		return qpack[code - 0x200];
	return NULL;
}

void
qget__h3_code_text(char *buf, size_t len, uint64_t code)
{
	const char *name = qget__h3_error_name(code);

	if (name != NULL)
		snprintf(buf, len, "%s (0x%" PRIx64 ")", name, code);
	else
		snprintf(buf, len, "code 0x%" PRIx64, code);
}
