/* -w as curl has it: each variable's text, %{json}'s numbers and nulls,
 * the stream switches, the escapes, the format check's messages and
 * --stats's report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tool/writeout.h"
#include "check.h"

static char out_text[16384], err_text[4096];

/* Runs tool_writeout with both streams captured. */
static const char *
wo(const char *format, const struct tool_xfer_stats *s)
{
	char *ob = NULL, *eb = NULL;
	size_t ol = 0, el = 0;
	FILE *o = open_memstream(&ob, &ol);
	FILE *e = open_memstream(&eb, &el);

	tool_writeout(o, e, format, s);
	fclose(o);
	fclose(e);
	snprintf(out_text, sizeof(out_text), "%s", ob);
	snprintf(err_text, sizeof(err_text), "%s", eb);
	free(ob);
	free(eb);
	return out_text;
}

static const char *
json(const struct tool_xfer_stats *s)
{
	char *b = NULL;
	size_t l = 0;
	FILE *f = open_memstream(&b, &l);

	tool_writeout_json(f, s);
	fclose(f);
	snprintf(out_text, sizeof(out_text), "%s", b);
	free(b);
	return out_text;
}

static int
has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A transfer that got nowhere: every time unset, no strings. */
static void
empty_stats(struct tool_xfer_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->time_namelookup = s->time_connect = s->time_appconnect = -1;
	s->time_pretransfer = s->time_starttransfer = -1;
	s->time_redirect = -1;
	s->time_total = 0.25;
}

static void
full_stats(struct tool_xfer_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->url = "https://localhost:4433/a";
	s->url_effective = "https://localhost:4433/b";
	strcpy(s->method, "GET");
	s->http_code = 200;
	strcpy(s->http_version, "3");
	strcpy(s->scheme, "https");
	strcpy(s->alpn, "h3");
	strcpy(s->quic_version, "QUICv1");
	strcpy(s->cipher, "TLS_AES_128_GCM_SHA256");
	s->resumed = 1;
	strcpy(s->remote_ip, "::1");
	s->remote_port = 4433;
	strcpy(s->local_ip, "::1");
	s->local_port = 50000;
	s->content_type = "text/plain";
	s->filename_effective = "out.bin";
	s->size_download = 1000000;
	s->size_header = 40;
	s->size_upload = 3000;
	s->size_request = 3100;
	s->bytes_received = 1000100;
	s->time_namelookup = 0.000125;
	s->time_connect = 0.0123;
	s->time_appconnect = 0.0123;
	s->time_pretransfer = 0.0124;
	s->time_starttransfer = 0.05;
	s->time_redirect = 0.01;
	s->time_total = 2.0;
	s->num_connects = 1;
	s->num_redirects = 1;
	s->num_retries = 2;
	s->urlnum = 3;
}

static int
check(const char *format, char *msg, size_t cap)
{
	return tool_writeout_check(format, msg, cap);
}

int
main(void)
{
	struct tool_xfer_stats s, e;
	char msg[256];
	const char *j;
	static const char *const names[] = { "alpn", "bytes_received",
		"cipher", "content_type", "errormsg", "exitcode",
		"filename_effective", "http_code", "http_version", "local_ip",
		"local_port", "method", "num_connects", "num_redirects",
		"num_retries", "quic_version", "remote_ip", "remote_port",
		"response_code", "resumed", "scheme", "size_download",
		"size_header", "size_request", "size_upload", "speed_download",
		"speed_upload", "time_appconnect", "time_connect",
		"time_namelookup", "time_pretransfer", "time_redirect",
		"time_starttransfer", "time_total", "url", "url_effective",
		"urlnum" };
	int all = 1;

	full_stats(&s);
	empty_stats(&e);

	/* each variable as text */
	CHECK("http_code", strcmp(wo("%{http_code}", &s), "200") == 0);
	CHECK("response_code is http_code",
	    strcmp(wo("%{response_code}", &s), "200") == 0);
	CHECK("no status: 000 as curl", strcmp(wo("%{http_code}", &e),
	    "000") == 0);
	CHECK("http_version", strcmp(wo("%{http_version}", &s), "3") == 0);
	CHECK("no http_version: 0 as curl",
	    strcmp(wo("%{http_version}", &e), "0") == 0);
	CHECK("sizes", strcmp(wo("%{size_download} %{size_upload} "
	    "%{size_header} %{size_request} %{bytes_received}", &s),
	    "1000000 3000 40 3100 1000100") == 0);
	CHECK("times in seconds, 6 decimals",
	    strcmp(wo("%{time_namelookup} %{time_connect} %{time_appconnect}"
	    " %{time_pretransfer} %{time_starttransfer} %{time_redirect} "
	    "%{time_total}", &s), "0.000125 0.012300 0.012300 0.012400 "
	    "0.050000 0.010000 2.000000") == 0);
	CHECK("a time never reached is 0.000000",
	    strcmp(wo("%{time_connect}", &e), "0.000000") == 0);
	CHECK("speeds: bytes over time_total, integers",
	    strcmp(wo("%{speed_download} %{speed_upload}", &s),
	    "500000 1500") == 0);
	e.time_total = 0;
	e.size_download = 5;
	CHECK("speed with no time: 0", strcmp(wo("%{speed_download}", &e),
	    "0") == 0);
	empty_stats(&e);
	CHECK("addresses", strcmp(wo("%{remote_ip} %{remote_port} "
	    "%{local_ip} %{local_port}", &s), "::1 4433 ::1 50000") == 0);
	CHECK("no address: empty and 0",
	    strcmp(wo("[%{remote_ip}] %{remote_port}", &e), "[] 0") == 0);
	CHECK("counters", strcmp(wo("%{num_connects} %{num_redirects} "
	    "%{num_retries} %{urlnum}", &s), "1 1 2 3") == 0);
	CHECK("urls", strcmp(wo("%{url} %{url_effective}", &s),
	    "https://localhost:4433/a https://localhost:4433/b") == 0);
	CHECK("no url given: empty", strcmp(wo("[%{url}]", &e), "[]") == 0);
	CHECK("request and response",
	    strcmp(wo("%{method} %{scheme} %{content_type} "
	    "%{filename_effective}", &s),
	    "GET https text/plain out.bin") == 0);
	CHECK("qget's own", strcmp(wo("%{alpn} %{quic_version} %{cipher} "
	    "%{resumed}", &s), "h3 QUICv1 TLS_AES_128_GCM_SHA256 1") == 0);
	e.exitcode = 7;
	e.errormsg = "handshake: connection refused";
	CHECK("exitcode, errormsg", strcmp(wo("%{exitcode}: %{errormsg}",
	    &e), "7: handshake: connection refused") == 0);
	CHECK("success: errormsg empty", strcmp(wo("%{exitcode}[%{errormsg}]",
	    &s), "0[]") == 0);

	/* the format's own syntax */
	CHECK("escapes \\n \\r \\t \\\\", strcmp(wo("a\\nb\\rc\\td\\\\e", &s),
	    "a\nb\rc\td\\e") == 0);
	CHECK("an unknown escape stays, as curl",
	    strcmp(wo("\\q\\", &s), "\\q\\") == 0);
	CHECK("%% and a lone %", strcmp(wo("100%% %x 5%", &s),
	    "100% %x 5%") == 0);
	CHECK("text around variables",
	    strcmp(wo("code=%{http_code}\n", &s), "code=200\n") == 0);
	wo("a%{stderr}b%{http_code}%{stdout}c", &s);
	CHECK("%{stderr} and %{stdout} switch the stream",
	    strcmp(out_text, "ac") == 0 && strcmp(err_text, "b200") == 0);
	CHECK("%{onerror}: success prints only what comes before",
	    strcmp(wo("ok%{onerror}failed %{exitcode}", &s), "ok") == 0);
	CHECK("%{onerror}: a failure prints the rest",
	    strcmp(wo("ok%{onerror}failed %{exitcode}", &e),
	    "okfailed 7") == 0);
	CHECK("empty format", strcmp(wo("", &s), "") == 0);
	CHECK("NULL format", strcmp(wo(NULL, &s), "") == 0);

	/* %{json} */
	j = wo("%{json}", &s);
	CHECK("%{json}: one object, no newline", j[0] == '{' &&
	    j[strlen(j) - 1] == '}' && strchr(j, '\n') == NULL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char key[64];

		snprintf(key, sizeof(key), "\"%s\":", names[i]);
		if (!has(j, key)) {
			printf("  missing %s\n", key);
			all = 0;
		}
	}
	CHECK("%{json}: every variable", all);
	CHECK("%{json}: no directives in it", !has(j, "\"json\"") &&
	    !has(j, "\"stdout\"") && !has(j, "\"onerror\""));
	CHECK("%{json}: qget's version last", has(j, ",\"qget_version\":\"")
	    && strcmp(j + strlen(j) - 2, "\"}") == 0);
	CHECK("%{json}: names in curl's order (sorted)",
	    strstr(j, "\"alpn\"") < strstr(j, "\"cipher\"") &&
	    strstr(j, "\"time_total\"") < strstr(j, "\"urlnum\""));
	CHECK("%{json}: numbers are numbers", has(j, "\"http_code\":200,") &&
	    has(j, "\"remote_port\":4433,") &&
	    has(j, "\"size_download\":1000000,") &&
	    has(j, "\"speed_download\":500000,") &&
	    has(j, "\"time_total\":2.000000,") &&
	    has(j, "\"num_retries\":2,") && has(j, "\"exitcode\":0,"));
	CHECK("%{json}: strings are strings", has(j, "\"http_version\":\"3\"")
	    && has(j, "\"remote_ip\":\"::1\"") && has(j, "\"alpn\":\"h3\""));
	CHECK("%{json}: resumed is a boolean", has(j, "\"resumed\":true,"));
	CHECK("%{json}: empty errormsg is null", has(j, "\"errormsg\":null,"));
	CHECK("%{json}: no trailing comma", !has(j, ",}"));
	j = json(&e);
	CHECK("json: no value is null",
	    has(j, "\"http_code\":null,") &&
	    has(j, "\"response_code\":null,") &&
	    has(j, "\"http_version\":null,") &&
	    has(j, "\"remote_ip\":null,") && has(j, "\"remote_port\":null,") &&
	    has(j, "\"local_port\":null,") && has(j, "\"alpn\":null,") &&
	    has(j, "\"url\":null,") &&
	    has(j, "\"filename_effective\":null,") &&
	    has(j, "\"time_connect\":null,") &&
	    has(j, "\"time_starttransfer\":null,") &&
	    has(j, "\"resumed\":null,"));
	CHECK("json: counters and sizes stay numbers",
	    has(j, "\"size_download\":0,") && has(j, "\"num_connects\":0,") &&
	    has(j, "\"exitcode\":7,") && has(j, "\"time_total\":0.250000,"));
	strcpy(e.alpn, "h3");
	CHECK("json: a handshake without resumption: false",
	    has(json(&e), "\"resumed\":false,"));

	e.errormsg = "say \"hi\" \\ now\n\x1b[2J\x7f";
	CHECK("json: quotes, backslash and controls escaped",
	    has(json(&e), "\"errormsg\":\"say \\\"hi\\\" \\\\ now\\n"
	    "\\u001b[2J\\u007f\""));
	e.filename_effective = "caf\xc3\xa9-\xe2\x82\xac.txt";
	CHECK("json: UTF-8 passes", has(json(&e),
	    "\"filename_effective\":\"caf\xc3\xa9-\xe2\x82\xac.txt\""));
	e.filename_effective = "a\xff" "b\xc3" "c\xed\xa0\x80" "d";
	CHECK("json: invalid UTF-8 (a lone byte, a cut sequence, a "
	    "surrogate) as U+FFFD", has(json(&e), "\"filename_effective\":"
	    "\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd\""));
	e.filename_effective = "\xc0\xaf";
	CHECK("json: an overlong form is not UTF-8",
	    has(json(&e), "\"filename_effective\":\"\\ufffd\\ufffd\""));

	/* --stats */
	{
		struct tool_xfer_stats two[2];
		char *b = NULL;
		size_t l = 0;
		FILE *f = open_memstream(&b, &l);

		two[0] = s;
		two[1] = e;
		tool_write_stats(f, two, 2, 6, "could not resolve \"x\"");
		fclose(f);
		CHECK("--stats: transfers, exit code, error, newline",
		    starts(b, "{\"transfers\":[{\"alpn\":\"h3\",") &&
		    has(b, "\"},{\"alpn\":") && ends(b, "\"}],\"exit_code\":6,"
		    "\"error\":\"could not resolve \\\"x\\\"\"}\n"));
		free(b);
		b = NULL;
		f = open_memstream(&b, &l);
		tool_write_stats(f, NULL, 0, 0, NULL);
		fclose(f);
		CHECK("--stats: nothing run, no error",
		    strcmp(b, "{\"transfers\":[],\"exit_code\":0,"
		    "\"error\":null}\n") == 0);
		free(b);
		b = NULL;
		f = open_memstream(&b, &l);
		tool_write_stats(f, &s, 1, 0, "");
		fclose(f);
		CHECK("--stats: an empty error is null",
		    has(b, "],\"exit_code\":0,\"error\":null}\n"));
		free(b);
	}

	/* the format check */
	CHECK("check: every variable", check("%{http_code} %{json}%{stderr}"
	    "%{stdout}%{onerror}%{time_total} %{url_effective}\\n 100%%",
	    msg, sizeof(msg)) == 0 && msg[0] == '\0');
	CHECK("check: plain text, a lone %, escapes", check("a %x 5% \\q\\",
	    msg, sizeof(msg)) == 0);
	CHECK("check: a swap of two letters",
	    check("%{htpp_code}", msg, sizeof(msg)) == -1 &&
	    has(msg, "%{htpp_code}") && has(msg, "did you mean %{http_code}"));
	CHECK("check: upper case", check("%{HTTP_CODE}\\n", msg,
	    sizeof(msg)) == -1 && has(msg, "did you mean %{http_code}"));
	CHECK("check: a letter missing", check("x %{size_downlod}", msg,
	    sizeof(msg)) == -1 && has(msg, "did you mean %{size_download}"));
	CHECK("check: qget's old name", check("%{time_handshake}", msg,
	    sizeof(msg)) == -1 && has(msg, "did you mean %{time_appconnect}"));
	CHECK("check: a variable without its group", check("%{total}", msg,
	    sizeof(msg)) == -1 && has(msg, "did you mean %{time_total}"));
	CHECK("check: nothing near", check("%{xyzzy}", msg, sizeof(msg))
	    == -1 && has(msg, "%{xyzzy}") && !has(msg, "did you mean"));
	CHECK("check: empty name", check("%{}", msg, sizeof(msg)) == -1 &&
	    has(msg, "%{}") && !has(msg, "did you mean"));
	CHECK("check: curl's variable qget lacks", check("%{certs}", msg,
	    sizeof(msg)) == -1 && has(msg, "curl's %{certs} is not supported"));
	CHECK("check: curl's URL parts", check("%{url.host}", msg,
	    sizeof(msg)) == -1 && has(msg, "not supported"));
	CHECK("check: curl's %header{}", check("%header{date}", msg,
	    sizeof(msg)) == -1 && has(msg, "%header{...} is not supported"));
	CHECK("check: unterminated", check("%{http_code", msg, sizeof(msg))
	    == -1 && has(msg, "'%{http_code'") && has(msg, "'}'"));
	CHECK("check: unterminated after a good one",
	    check("%{http_code} %{", msg, sizeof(msg)) == -1 &&
	    has(msg, "'%{'"));
	CHECK("check: the name is escaped for the terminal",
	    check("%{\x1b[2J}", msg, sizeof(msg)) == -1 &&
	    has(msg, "\\x1b[2J") && strchr(msg, '\x1b') == NULL);
	CHECK("check: %%{ is text", check("%%{nothing}", msg, sizeof(msg))
	    == 0);
	CHECK("check: a small message buffer is cut, not overrun",
	    check("%{xyzzy}", msg, 8) == -1 && strlen(msg) == 7);
	CHECK("check: NULL format", check(NULL, msg, sizeof(msg)) == 0);

	return CHECK_DONE();
}
