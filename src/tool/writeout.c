#include <stdio.h>

#include "writeout.h"

/* A JSON string: quotes, backslashes and control bytes escaped; bytes
 * >= 0x80 pass through (the values are ASCII or UTF-8 from the peer). */
static void
json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static const char *
or_null(int cond, const char *s)
{
	return cond ? s : NULL;
}

void
tool_write_json(FILE *f, const struct tool_stats *s)
{
	double transfer = s->time_fin >= 0 && s->time_first_byte >= 0 ?
	    s->time_fin - s->time_first_byte : 0;

	fputs("{\"host\":", f);
	json_str(f, s->host);
	fputs(",\"port\":", f);
	json_str(f, s->port);
	fputs(",\"remote_address\":", f);
	json_str(f, or_null(s->remote[0] != '\0', s->remote));
	fputs(",\"alpn\":", f);
	json_str(f, or_null(s->connected, s->alpn));
	fputs(",\"quic_version\":", f);
	json_str(f, or_null(s->connected, s->quic_version));
	fputs(",\"tls_version\":", f);
	json_str(f, or_null(s->connected, "TLSv1.3"));
	fputs(",\"cipher\":", f);
	json_str(f, or_null(s->connected, s->cipher));
	fprintf(f, ",\"resumed\":%s", s->resumed ? "true" : "false");
	fprintf(f, ",\"time_handshake\":%.6f", s->time_handshake);
	if (s->time_first_byte >= 0)
		fprintf(f, ",\"time_first_byte\":%.6f", s->time_first_byte);
	else
		fputs(",\"time_first_byte\":null", f);
	if (s->time_fin >= 0)
		fprintf(f, ",\"time_fin\":%.6f", s->time_fin);
	else
		fputs(",\"time_fin\":null", f);
	fprintf(f, ",\"time_total\":%.6f", s->time_total);
	fprintf(f, ",\"bytes_sent\":%llu,\"bytes_received\":%llu",
	    (unsigned long long)s->bytes_sent,
	    (unsigned long long)s->bytes_received);
	/* Body bytes per second from the first byte to the FIN: the
	 * handshake, the request's round trip and the close are reported
	 * apart. */
	fprintf(f, ",\"throughput_bps\":%.0f", transfer > 0 ?
	    (double)s->bytes_body / transfer : 0.0);
	fputs(",\"streams\":[", f);
	for (size_t i = 0; i < s->nstreams; i++) {
		const struct tool_stream_stats *t = &s->streams[i];

		fputs(i ? ",{\"path\":" : "{\"path\":", f);
		json_str(f, t->path);
		fprintf(f, ",\"bytes_body\":%llu",
		    (unsigned long long)t->bytes_body);
		if (t->http_status > 0)
			fprintf(f, ",\"http_status\":%d", t->http_status);
		else
			fputs(",\"http_status\":null", f);
		fprintf(f, ",\"exit_code\":%d,\"error\":", t->exit_code);
		json_str(f, or_null(t->error[0] != '\0', t->error));
		fputc('}', f);
	}
	fputs("]", f);
	fprintf(f, ",\"exit_code\":%d,\"error\":", s->exit_code);
	json_str(f, or_null(s->error[0] != '\0', s->error));
	fputs("}\n", f);
}
