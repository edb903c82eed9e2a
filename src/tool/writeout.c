/*
 * -w as curl has it: %{variable} with curl's names (and a few of qget's
 * own), %{json}, %{stdout}/%{stderr}, %{onerror}, %%, \n \r \t \\ ; and
 * --stats FILE, the run's report in JSON.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qget.h"

#include "escape.h"
#include "writeout.h"

enum wo_id {
	WO_ALPN,
	WO_BYTES_RECEIVED,
	WO_CIPHER,
	WO_CONTENT_TYPE,
	WO_ERRORMSG,
	WO_EXITCODE,
	WO_FILENAME_EFFECTIVE,
	WO_HTTP_CODE,
	WO_HTTP_VERSION,
	WO_JSON,
	WO_LOCAL_IP,
	WO_LOCAL_PORT,
	WO_METHOD,
	WO_NUM_CONNECTS,
	WO_NUM_REDIRECTS,
	WO_NUM_RETRIES,
	WO_ONERROR,
	WO_QUIC_VERSION,
	WO_REMOTE_IP,
	WO_REMOTE_PORT,
	WO_RESUMED,
	WO_SCHEME,
	WO_SIZE_DOWNLOAD,
	WO_SIZE_HEADER,
	WO_SIZE_REQUEST,
	WO_SIZE_UPLOAD,
	WO_SPEED_DOWNLOAD,
	WO_SPEED_UPLOAD,
	WO_STDERR,
	WO_STDOUT,
	WO_TIME_APPCONNECT,
	WO_TIME_CONNECT,
	WO_TIME_NAMELOOKUP,
	WO_TIME_PRETRANSFER,
	WO_TIME_REDIRECT,
	WO_TIME_STARTTRANSFER,
	WO_TIME_TOTAL,
	WO_URL,
	WO_URL_EFFECTIVE,
	WO_URLNUM,
};

/* Sorted by name, as curl's table: %{json} lists them in this order.
 * `value` 0: a directive, not a value (left out of %{json}). */
static const struct wo_var {
	const char *name;
	enum wo_id id;
	int value;
} wo_vars[] = {
	{ "alpn", WO_ALPN, 1 },
	{ "bytes_received", WO_BYTES_RECEIVED, 1 },
	{ "cipher", WO_CIPHER, 1 },
	{ "content_type", WO_CONTENT_TYPE, 1 },
	{ "errormsg", WO_ERRORMSG, 1 },
	{ "exitcode", WO_EXITCODE, 1 },
	{ "filename_effective", WO_FILENAME_EFFECTIVE, 1 },
	{ "http_code", WO_HTTP_CODE, 1 },
	{ "http_version", WO_HTTP_VERSION, 1 },
	{ "json", WO_JSON, 0 },
	{ "local_ip", WO_LOCAL_IP, 1 },
	{ "local_port", WO_LOCAL_PORT, 1 },
	{ "method", WO_METHOD, 1 },
	{ "num_connects", WO_NUM_CONNECTS, 1 },
	{ "num_redirects", WO_NUM_REDIRECTS, 1 },
	{ "num_retries", WO_NUM_RETRIES, 1 },
	{ "onerror", WO_ONERROR, 0 },
	{ "quic_version", WO_QUIC_VERSION, 1 },
	{ "remote_ip", WO_REMOTE_IP, 1 },
	{ "remote_port", WO_REMOTE_PORT, 1 },
	{ "response_code", WO_HTTP_CODE, 1 },
	{ "resumed", WO_RESUMED, 1 },
	{ "scheme", WO_SCHEME, 1 },
	{ "size_download", WO_SIZE_DOWNLOAD, 1 },
	{ "size_header", WO_SIZE_HEADER, 1 },
	{ "size_request", WO_SIZE_REQUEST, 1 },
	{ "size_upload", WO_SIZE_UPLOAD, 1 },
	{ "speed_download", WO_SPEED_DOWNLOAD, 1 },
	{ "speed_upload", WO_SPEED_UPLOAD, 1 },
	{ "stderr", WO_STDERR, 0 },
	{ "stdout", WO_STDOUT, 0 },
	{ "time_appconnect", WO_TIME_APPCONNECT, 1 },
	{ "time_connect", WO_TIME_CONNECT, 1 },
	{ "time_namelookup", WO_TIME_NAMELOOKUP, 1 },
	{ "time_pretransfer", WO_TIME_PRETRANSFER, 1 },
	{ "time_redirect", WO_TIME_REDIRECT, 1 },
	{ "time_starttransfer", WO_TIME_STARTTRANSFER, 1 },
	{ "time_total", WO_TIME_TOTAL, 1 },
	{ "url", WO_URL, 1 },
	{ "url_effective", WO_URL_EFFECTIVE, 1 },
	{ "urlnum", WO_URLNUM, 1 },
};

#define NVARS (sizeof(wo_vars) / sizeof(wo_vars[0]))

/* curl's variables qget cannot fill: named as such, not as typos. */
static const char *const curl_only[] = {
	"certs", "conn_id", "ftp_entry_path", "header_json", "http_connect",
	"num_certs", "num_headers", "proxy_ssl_verify_result", "proxy_used",
	"redirect_url", "referer", "size_delivered", "ssl_verify_result",
	"time_posttransfer", "time_queue", "tls_earlydata", "xfer_id",
};

/* The names qget's old -w json used, and what replaced them. */
static const struct {
	const char *old, *now;
} renamed[] = {
	{ "bytes_sent", "size_request" },
	{ "http_status", "http_code" },
	{ "remote_address", "remote_ip" },
	{ "status", "http_code" },
	{ "throughput_bps", "speed_download" },
	{ "time_fin", "time_total" },
	{ "time_first_byte", "time_starttransfer" },
	{ "time_handshake", "time_appconnect" },
};

/* One variable's value.  `null`: it has none; text output still prints
 * the typed value, which then holds curl's stand-in (000, 0, 0.000000,
 * an empty string). */
struct wo_value {
	enum { V_STR, V_INT, V_CODE, V_U64, V_TIME, V_BOOL } type;
	int null;
	const char *str;
	long long i;
	uint64_t u;
	double t;
};

static const struct wo_var *
wo_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NVARS; i++)
		if (strlen(wo_vars[i].name) == len &&
		    memcmp(wo_vars[i].name, name, len) == 0)
			return &wo_vars[i];
	return NULL;
}

void
tool_stats_set(char **field, const char *s, size_t len)
{
	free(*field);
	*field = NULL;
	if (s != NULL && len > 0)
		*field = strndup(s, len);
}

void
tool_stats_free(struct tool_xfer_stats *s)
{
	free(s->url_effective);
	free(s->content_type);
	free(s->filename_effective);
	free(s->errormsg);
	s->url_effective = s->content_type = NULL;
	s->filename_effective = s->errormsg = NULL;
}

static void
v_str(struct wo_value *v, const char *s)
{
	v->type = V_STR;
	v->str = s != NULL ? s : "";
	v->null = v->str[0] == '\0';
}

static void
v_int(struct wo_value *v, long long i, int null)
{
	v->type = V_INT;
	v->i = i;
	v->null = null;
}

static void
v_u64(struct wo_value *v, uint64_t u)
{
	v->type = V_U64;
	v->u = u;
}

static void
v_time(struct wo_value *v, double t)
{
	v->type = V_TIME;
	v->null = t < 0;
	v->t = t < 0 ? 0 : t;
}

/* Bytes per second over the whole transfer, as curl's speed_*. */
static uint64_t
speed(uint64_t bytes, double secs)
{
	double r;

	if (secs <= 0)
		return 0;
	r = (double)bytes / secs;
	return r >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)r;
}

static void
wo_value_of(enum wo_id id, const struct tool_xfer_stats *s,
    struct wo_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (id) {
	case WO_ALPN: v_str(v, s->alpn); break;
	case WO_BYTES_RECEIVED: v_u64(v, s->bytes_received); break;
	case WO_CIPHER: v_str(v, s->cipher); break;
	case WO_CONTENT_TYPE: v_str(v, s->content_type); break;
	case WO_ERRORMSG: v_str(v, s->errormsg); break;
	case WO_EXITCODE: v_int(v, s->exitcode, 0); break;
	case WO_FILENAME_EFFECTIVE: v_str(v, s->filename_effective); break;
	case WO_HTTP_CODE:
		v_int(v, s->http_code, s->http_code <= 0);
		v->type = V_CODE;
		break;
	case WO_HTTP_VERSION:
		v_str(v, s->http_version);
		/* curl's text for "no response" */
		if (v->null)
			v->str = "0";
		break;
	case WO_LOCAL_IP: v_str(v, s->local_ip); break;
	case WO_LOCAL_PORT: v_int(v, s->local_port, s->local_port <= 0); break;
	case WO_METHOD: v_str(v, s->method); break;
	case WO_NUM_CONNECTS: v_int(v, s->num_connects, 0); break;
	case WO_NUM_REDIRECTS: v_int(v, s->num_redirects, 0); break;
	case WO_NUM_RETRIES: v_int(v, s->num_retries, 0); break;
	case WO_QUIC_VERSION: v_str(v, s->quic_version); break;
	case WO_REMOTE_IP: v_str(v, s->remote_ip); break;
	case WO_REMOTE_PORT:
		v_int(v, s->remote_port, s->remote_port <= 0);
		break;
	case WO_RESUMED:
		/* Every QUIC handshake settles an ALPN: without one there
		 * was no session to resume or not. */
		v->type = V_BOOL;
		v->i = s->resumed != 0;
		v->null = s->alpn[0] == '\0';
		break;
	case WO_SCHEME: v_str(v, s->scheme); break;
	case WO_SIZE_DOWNLOAD: v_u64(v, s->size_download); break;
	case WO_SIZE_HEADER: v_u64(v, s->size_header); break;
	case WO_SIZE_REQUEST: v_u64(v, s->size_request); break;
	case WO_SIZE_UPLOAD: v_u64(v, s->size_upload); break;
	case WO_SPEED_DOWNLOAD:
		v_u64(v, speed(s->size_download, s->time_total));
		break;
	case WO_SPEED_UPLOAD:
		v_u64(v, speed(s->size_upload, s->time_total));
		break;
	case WO_TIME_APPCONNECT: v_time(v, s->time_appconnect); break;
	case WO_TIME_CONNECT: v_time(v, s->time_connect); break;
	case WO_TIME_NAMELOOKUP: v_time(v, s->time_namelookup); break;
	case WO_TIME_PRETRANSFER: v_time(v, s->time_pretransfer); break;
	case WO_TIME_REDIRECT: v_time(v, s->time_redirect); break;
	case WO_TIME_STARTTRANSFER: v_time(v, s->time_starttransfer); break;
	case WO_TIME_TOTAL: v_time(v, s->time_total); break;
	case WO_URL: v_str(v, s->url); break;
	case WO_URL_EFFECTIVE: v_str(v, s->url_effective); break;
	case WO_URLNUM: v_int(v, s->urlnum, 0); break;
	case WO_JSON:
	case WO_ONERROR:
	case WO_STDERR:
	case WO_STDOUT:
		v_str(v, "");
		break;
	}
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), 0 if
 * there is none: JSON must be UTF-8, and a file name or URL from the
 * command line need not be. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing above U+10FFFF */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* A JSON string; invalid UTF-8 becomes U+FFFD, so the object always
 * parses. */
static void
json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	while (n > 0) {
		size_t len = utf8_len(p, n);

		if (len == 0) {
			fputs("\\ufffd", f);
			len = 1;
		} else if (len > 1) {
			fwrite(p, 1, len, f);
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\r') {
			fputs("\\r", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fputc(*p, f);
		}
		p += len;
		n -= len;
	}
	fputc('"', f);
}

static void
print_value(FILE *f, const struct wo_value *v, int json)
{
	if (json && v->null) {
		fputs("null", f);
		return;
	}
	switch (v->type) {
	case V_STR:
		if (json)
			json_str(f, v->str);
		else
			fputs(v->str, f);
		break;
	case V_INT:
		fprintf(f, "%lld", v->i);
		break;
	case V_CODE:
		/* curl's "000" for no response, in text */
		fprintf(f, json ? "%lld" : "%03lld", v->i);
		break;
	case V_U64:
		fprintf(f, "%llu", (unsigned long long)v->u);
		break;
	case V_TIME:
		fprintf(f, "%.6f", v->t);
		break;
	case V_BOOL:
		if (json)
			fputs(v->i ? "true" : "false", f);
		else
			fputc(v->i ? '1' : '0', f);
		break;
	}
}

void
tool_writeout_json(FILE *f, const struct tool_xfer_stats *s)
{
	struct wo_value v;

	fputc('{', f);
	for (size_t i = 0; i < NVARS; i++) {
		if (!wo_vars[i].value)
			continue;
		wo_value_of(wo_vars[i].id, s, &v);
		fprintf(f, "\"%s\":", wo_vars[i].name);
		print_value(f, &v, 1);
		fputc(',', f);
	}
	/* last, as curl's curl_version */
	fputs("\"qget_version\":\"" QGET_VERSION "\"}", f);
}

void
tool_write_stats(FILE *f, const struct tool_xfer_stats *xs, size_t n,
    int exit_code, const char *error)
{
	fputs("{\"transfers\":[", f);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		tool_writeout_json(f, &xs[i]);
	}
	fprintf(f, "],\"exit_code\":%d,\"error\":", exit_code);
	if (error != NULL && error[0] != '\0')
		json_str(f, error);
	else
		fputs("null", f);
	fputs("}\n", f);
}

/* Case-insensitive optimal string alignment distance (a swap of two
 * neighbours counts one: "htpp_code"); names longer than 63 get none. */
static size_t
distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), d[64][64];

	if (la >= 64 || lb >= 64)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)
			    b[j - 2]) && tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The variable someone who typed name[0..len) most likely meant, or
 * NULL. */
static const char *
nearest(const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (strlen(renamed[i].old) == len &&
		    strncmp(renamed[i].old, name, len) == 0)
			return renamed[i].now;
	for (size_t i = 0; i < NVARS; i++) {
		size_t d = distance(name, len, wo_vars[i].name);

		if (d < best_d) {
			best_d = d;
			best = wo_vars[i].name;
		}
	}
	if (best_d <= (len >= 5 ? 2u : 1u))
		return best;
	/* the variable without its group: %{total}, %{connects} */
	for (size_t i = 0; i < NVARS; i++) {
		const char *us = strchr(wo_vars[i].name, '_');

		if (len > 0 && us != NULL && strlen(us + 1) == len &&
		    strncasecmp(us + 1, name, len) == 0)
			return wo_vars[i].name;
	}
	return NULL;
}

static int
is_curl_only(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(curl_only) / sizeof(curl_only[0]); i++)
		if (strlen(curl_only[i]) == len &&
		    strncmp(curl_only[i], name, len) == 0)
			return 1;
	/* %{url.host}, %{urle.path}: URL parts */
	return (len > 4 && strncmp(name, "url.", 4) == 0) ||
	    (len > 5 && strncmp(name, "urle.", 5) == 0);
}

int
tool_writeout_check(const char *format, char *msg, size_t msglen)
{
	/* the name as the user typed it, escaped: it goes to a terminal */
	char shown[200];
	const char *p = format;
	static const char *const curl_forms[] = { "header{", "time{",
		"output{" };

	if (msglen > 0)
		msg[0] = '\0';
	while (p != NULL && *p != '\0') {
		const char *end, *hint;
		size_t len;

		if (*p == '\\' && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (*p != '%' || p[1] == '\0') {
			p++;
			continue;
		}
		if (p[1] == '%') {
			p += 2;
			continue;
		}
		if (p[1] != '{') {
			for (size_t i = 0; i < 3; i++) {
				if (strncmp(p + 1, curl_forms[i],
				    strlen(curl_forms[i])) == 0) {
					snprintf(msg, msglen, "-w: curl's "
					    "%%%s...} is not supported by qget",
					    curl_forms[i]);
					return -1;
				}
			}
			/* curl prints an unknown %x as it is */
			p += 2;
			continue;
		}
		end = strchr(p + 2, '}');
		if (end == NULL) {
			tool_escape(shown, sizeof(shown), p, strlen(p));
			snprintf(msg, msglen, "-w: '%s' has no closing '}' "
			    "(variables are written %%{name})", shown);
			return -1;
		}
		len = (size_t)(end - (p + 2));
		if (wo_find(p + 2, len) == NULL) {
			tool_escape(shown, sizeof(shown), p + 2, len);
			if (is_curl_only(p + 2, len))
				snprintf(msg, msglen, "-w: curl's %%{%s} is not "
				    "supported by qget", shown);
			else if ((hint = nearest(p + 2, len)) != NULL)
				snprintf(msg, msglen, "-w: unknown variable "
				    "%%{%s}; did you mean %%{%s}?", shown, hint);
			else
				snprintf(msg, msglen, "-w: unknown variable "
				    "%%{%s} (the variables are listed in "
				    "qget(1))", shown);
			return -1;
		}
		p = end + 1;
	}
	return 0;
}

void
tool_writeout(FILE *out, FILE *err, const char *format,
    const struct tool_xfer_stats *s)
{
	FILE *f = out;
	const char *p = format;
	struct wo_value v;

	while (p != NULL && *p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			switch (p[1]) {
			case 'n': fputc('\n', f); break;
			case 'r': fputc('\r', f); break;
			case 't': fputc('\t', f); break;
			case '\\': fputc('\\', f); break;
			default:
				/* as curl: an unknown escape stays */
				fputc(p[0], f);
				fputc(p[1], f);
				break;
			}
			p += 2;
		} else if (*p == '%' && p[1] == '%') {
			fputc('%', f);
			p += 2;
		} else if (*p == '%' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			const struct wo_var *w;

			if (end == NULL) {
				/* tool_writeout_check refused it; print as
				 * curl does */
				fputs(p, f);
				break;
			}
			w = wo_find(p + 2, (size_t)(end - (p + 2)));
			p = end + 1;
			if (w == NULL)
				continue;
			if (w->id == WO_STDOUT) {
				f = out;
			} else if (w->id == WO_STDERR) {
				f = err;
			} else if (w->id == WO_JSON) {
				tool_writeout_json(f, s);
			} else if (w->id == WO_ONERROR) {
				/* the rest is for failures only */
				if (s->exitcode == 0)
					break;
			} else {
				wo_value_of(w->id, s, &v);
				print_value(f, &v, 0);
			}
		} else {
			fputc(*p, f);
			p++;
		}
	}
	fflush(out);
	fflush(err);
}
