/* Command line parsing: strict numbers, conflicts, positional checks. */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "../../src/tool/options.h"
#include "check.h"

static qget_status
parse(struct tool_opts *o, char *msg, size_t len, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = "qget";
	va_start(ap, len);
	while ((a = va_arg(ap, char *)) != NULL && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return tool_parse_args(argc, argv, o, msg, len);
}

/* A value each option that needs one accepts. */
static const char *
value_for(const char *name)
{
	static const struct {
		const char *name, *value;
	} values[] = {
		{ "alpn", "h3" }, { "ciphers", "TLS_AES_128_GCM_SHA256" },
		{ "header", "X-A: 1" }, { "write-out", "json" },
		{ "pinnedpubkey", "sha256//"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strcmp(values[i].name, name) == 0)
			return values[i].value;
	return "1"; /* seconds, counts and file names */
}

#define P(...) parse(&o, msg, sizeof(msg), __VA_ARGS__, (char *)NULL)

int
main(void)
{
	struct tool_opts o;
	char msg[256];
	uint64_t ms;

	CHECK("seconds: 2", tool_parse_seconds("2", &ms) == 0 && ms == 2000);
	CHECK("seconds: 0.5", tool_parse_seconds("0.5", &ms) == 0 && ms == 500);
	CHECK("seconds: .25", tool_parse_seconds(".25", &ms) == 0 && ms == 250);
	CHECK("seconds: 0.0001 rounds up to 1 ms",
	    tool_parse_seconds("0.0001", &ms) == 0 && ms == 1);
	CHECK("seconds: 1.0000 stays 1000",
	    tool_parse_seconds("1.0000", &ms) == 0 && ms == 1000);
	CHECK("seconds: 0", tool_parse_seconds("0", &ms) == 0 && ms == 0);
	CHECK("seconds: 1000000 is the limit",
	    tool_parse_seconds("1000000", &ms) == 0 && ms == 1000000000u);
	CHECK("seconds: 1000001 refused", tool_parse_seconds("1000001", &ms));
	CHECK("seconds: overflow refused",
	    tool_parse_seconds("99999999999999999999999", &ms));
	CHECK("seconds: empty refused", tool_parse_seconds("", &ms));
	CHECK("seconds: dot refused", tool_parse_seconds(".", &ms));
	CHECK("seconds: sign refused", tool_parse_seconds("-1", &ms) &&
	    tool_parse_seconds("+1", &ms));
	CHECK("seconds: exponent refused", tool_parse_seconds("1e3", &ms));
	CHECK("seconds: trailing junk refused",
	    tool_parse_seconds("5s", &ms) && tool_parse_seconds("1.2.3", &ms));
	CHECK("seconds: space refused", tool_parse_seconds(" 1", &ms));

	CHECK("port: 1", tool_parse_port("1") == 0);
	CHECK("port: 65535", tool_parse_port("65535") == 0);
	CHECK("port: 0 refused", tool_parse_port("0"));
	CHECK("port: 65536 refused", tool_parse_port("65536"));
	CHECK("port: 000443 refused (too long)", tool_parse_port("000443"));
	CHECK("port: -1 refused", tool_parse_port("-1"));
	CHECK("port: empty refused", tool_parse_port(""));
	CHECK("port: name refused", tool_parse_port("https"));

	CHECK("args: defaults", P("example.org", "443") == QGET_OK &&
	    strcmp(o.host, "example.org") == 0 &&
	    strcmp(o.port, "443") == 0 && strcmp(o.path, "/") == 0 &&
	    strcmp(o.alpn, "http/1.0") == 0 && o.family == QGET_FAMILY_ANY &&
	    !o.insecure && o.output == NULL);
	CHECK("args: everything", P("-4", "-k", "-i", "-v", "--alpn",
	    "hq-interop,http/1.0", "--cacert", "ca.pem", "--capath", "d",
	    "-o", "out", "--connect-timeout", "1.5", "-m", "10",
	    "--idle-timeout", "3", "--keylog", "k", "h", "1", "/p") ==
	    QGET_OK && o.family == QGET_FAMILY_IPV4 && o.insecure &&
	    o.include && o.verbose && strcmp(o.alpn,
	    "hq-interop,http/1.0") == 0 && strcmp(o.cacert, "ca.pem") == 0 &&
	    strcmp(o.capath, "d") == 0 && strcmp(o.output, "out") == 0 &&
	    o.connect_timeout_ms == 1500 && o.max_time_ms == 10000 &&
	    o.idle_timeout_ms == 3000 && strcmp(o.keylog, "k") == 0 &&
	    strcmp(o.path, "/p") == 0);
	CHECK("args: -4 twice is fine", P("-4", "-4", "h", "1") == QGET_OK);
	CHECK("args: -4 -6 conflict", P("-4", "-6", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "-4") != NULL);
	CHECK("args: -v -s conflict", P("-v", "-s", "h", "1") == QGET_E_USAGE);
	CHECK("args: brackets stripped", P("[::1]", "1") == QGET_OK &&
	    strcmp(o.host, "::1") == 0);
	CHECK("args: empty brackets refused", P("[]", "1") == QGET_E_USAGE);
	CHECK("args: host with / refused", P("a/b", "1") == QGET_E_USAGE);
	CHECK("args: missing port", P("h") == QGET_E_USAGE);
	CHECK("args: every path is checked", P("h", "1", "/", "x") ==
	    QGET_E_USAGE && strstr(msg, "'x'") != NULL);
	CHECK("args: several paths with -O", P("-O", "d", "h", "1", "/a",
	    "/b/c") == QGET_OK && o.npaths == 2 && strcmp(o.paths[1], "/b/c")
	    == 0 && strcmp(o.output_dir, "d") == 0);
	CHECK("args: several paths need -O", P("h", "1", "/a", "/b") ==
	    QGET_E_USAGE);
	CHECK("args: -o with several paths", P("-o", "f", "-O", "d", "h", "1",
	    "/a", "/b") == QGET_E_USAGE);
	CHECK("args: -O refuses two paths with one name", P("-O", "d", "h",
	    "1", "/x/f", "/y/f") == QGET_E_USAGE && strstr(msg, "'f'"));
	CHECK("args: -O refuses a path naming no file", P("-O", "d", "h",
	    "1", "/a/") == QGET_E_USAGE && P("-O", "d", "h", "1", "/..") ==
	    QGET_E_USAGE && P("-O", "d", "h", "1") == QGET_E_USAGE);
	CHECK("args: --parallel", P("--parallel", "10", "h", "1") == QGET_OK &&
	    o.parallel == 10);
	CHECK("args: --parallel 0 and junk refused", P("--parallel", "0", "h",
	    "1") == QGET_E_USAGE && P("--parallel", "1x", "h", "1") ==
	    QGET_E_USAGE && P("--parallel", "100001", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("args: --raw", P("--raw", "--alpn", "echo", "h", "1") ==
	    QGET_OK && o.raw && o.npaths == 0);
	CHECK("args: --raw takes no path, -O or -i", P("--raw", "h", "1",
	    "/p") == QGET_E_USAGE && P("--raw", "-i", "h", "1") ==
	    QGET_E_USAGE && P("--raw", "-O", "d", "h", "1") == QGET_E_USAGE);
	CHECK("path basename", strcmp(tool_path_basename("/a/b.txt"),
	    "b.txt") == 0 && tool_path_basename("/") == NULL &&
	    tool_path_basename("/a/.") == NULL);
	CHECK("args: path must start with /", P("h", "1", "x") == QGET_E_USAGE);
	CHECK("args: CRLF in path", P("h", "1", "/a\r\nB: c") == QGET_E_USAGE);
	CHECK("args: space in path", P("h", "1", "/a b") == QGET_E_USAGE);
	CHECK("args: DEL in path", P("h", "1", "/a\x7f") == QGET_E_USAGE);
	CHECK("args: unknown long option", P("--nope", "h", "1") ==
	    QGET_E_USAGE && strstr(msg, "--nope") != NULL);
	CHECK("args: unknown short option", P("-z", "h", "1") ==
	    QGET_E_USAGE && strstr(msg, "-z") != NULL);
	/* Each alone: after HOST PORT "-m" would be a (bad) path, and the
	 * case would pass for the wrong reason. */
	CHECK("args: missing value (short)", P("-m") == QGET_E_USAGE &&
	    strcmp(msg, "option -m needs a value") == 0);
	CHECK("args: missing value (short, in a cluster)", P("-vm") ==
	    QGET_E_USAGE && strcmp(msg, "option -m needs a value") == 0);
	CHECK("args: missing value (long)", P("--keylog") == QGET_E_USAGE &&
	    strcmp(msg, "option --keylog needs a value") == 0);
	CHECK("args: missing value (abbreviated long) is unknown",
	    P("--key") == QGET_E_USAGE && strstr(msg, "unknown option --key;"));

	/* Long options are spelt out: getopt_long's prefixes would take
	 * "--key mykey.pem" as --keylog and append secrets to the key. */
	CHECK("args: --key refused, --keylog suggested",
	    P("--key", "k.pem", "h", "1") == QGET_E_USAGE &&
	    strcmp(msg, "unknown option --key; did you mean --keylog?") == 0);
	CHECK("args: --key=FILE refused", P("--key=k.pem", "h", "1") ==
	    QGET_E_USAGE && strstr(msg, "did you mean --keylog?"));
	CHECK("args: --http refused, --http3 suggested", P("--http", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "did you mean --http3?"));
	CHECK("args: --ins refused, --insecure suggested", P("--ins", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "did you mean --insecure?"));
	CHECK("args: --verb refused", P("--verb", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "--verbose"));
	CHECK("args: a typo gets the nearest name", P("--insecrue", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "did you mean --insecure?"));
	CHECK("args: no hint for a word that is not close",
	    P("--frobnicate", "h", "1") == QGET_E_USAGE &&
	    strcmp(msg, "unknown option --frobnicate") == 0);
	CHECK("args: --keylog=FILE", P("--keylog=k", "h", "1") == QGET_OK &&
	    strcmp(o.keylog, "k") == 0);
	CHECK("args: --keylog FILE", P("--keylog", "k2", "h", "1") ==
	    QGET_OK && strcmp(o.keylog, "k2") == 0);
	CHECK("args: --max-time=2", P("--max-time=2", "h", "1") == QGET_OK &&
	    o.max_time_ms == 2000);
	CHECK("args: an option's value may look like a long option",
	    P("-o", "--key", "h", "1") == QGET_OK &&
	    strcmp(o.output, "--key") == 0 &&
	    P("--output", "--ins", "h", "1") == QGET_OK &&
	    strcmp(o.output, "--ins") == 0);
	CHECK("args: after --, nothing is an option", P("--", "h", "1") ==
	    QGET_OK && strcmp(o.host, "h") == 0);
	CHECK("args: a flag given a value", P("--insecure=yes", "h", "1") ==
	    QGET_E_USAGE && strcmp(msg, "option --insecure takes no value")
	    == 0);
	{
		/* Every exact name in the table is still taken, with a value
		 * the option accepts when it needs one. */
		const struct option *t = tool_long_options();
		int all = 1, n = 0;

		for (; t->name != NULL; t++, n++) {
			char opt[64];
			char *argv[6];
			int argc = 0;

			snprintf(opt, sizeof(opt), "--%s", t->name);
			argv[argc++] = "qget";
			argv[argc++] = opt;
			if (t->has_arg == required_argument)
				argv[argc++] = (char *)value_for(t->name);
			argv[argc++] = "h";
			argv[argc++] = "1";
			argv[argc] = NULL;
			/* Only the name matters: a combination may be refused
			 * later (--stats needs -w json), but never as an
			 * unknown option. */
			tool_parse_args(argc, argv, &o, msg, sizeof(msg));
			if (strstr(msg, "unknown option") != NULL ||
			    strstr(msg, "value") != NULL) {
				printf("    %s: %s\n", opt, msg);
				all = 0;
			}
		}
		CHECK("args: every exact long option is taken", all && n > 20);
	}
	CHECK("args: bad ALPN list", P("--alpn", ",x", "h", "1") ==
	    QGET_E_USAGE);
	{
		unsigned lo = 0, hi = 0;

		CHECK("local port: N", tool_parse_port_range("4433", &lo,
		    &hi) == 0 && lo == 4433 && hi == 4433);
		CHECK("local port: N-M", tool_parse_port_range("1000-1009",
		    &lo, &hi) == 0 && lo == 1000 && hi == 1009);
		CHECK("local port: N-N", tool_parse_port_range("7-7", &lo,
		    &hi) == 0 && lo == 7 && hi == 7);
		CHECK("local port: 65535", tool_parse_port_range("65535", &lo,
		    &hi) == 0 && lo == 65535);
		CHECK("local port: bad ones refused",
		    tool_parse_port_range("", &lo, &hi) &&
		    tool_parse_port_range("0", &lo, &hi) &&
		    tool_parse_port_range("65536", &lo, &hi) &&
		    tool_parse_port_range("10-5", &lo, &hi) &&
		    tool_parse_port_range("-5", &lo, &hi) &&
		    tool_parse_port_range("5-", &lo, &hi) &&
		    tool_parse_port_range("5--6", &lo, &hi) &&
		    tool_parse_port_range("1-2-3", &lo, &hi) &&
		    tool_parse_port_range(" 5", &lo, &hi) &&
		    tool_parse_port_range("5-6x", &lo, &hi) &&
		    tool_parse_port_range("+5", &lo, &hi) &&
		    tool_parse_port_range("123456", &lo, &hi));
	}
	CHECK("ms: 0, 250, 1000000", tool_parse_ms("0", &ms) == 0 && ms == 0 &&
	    tool_parse_ms("250", &ms) == 0 && ms == 250 &&
	    tool_parse_ms("1000000", &ms) == 0 && ms == 1000000);
	CHECK("ms: bad ones refused", tool_parse_ms("", &ms) &&
	    tool_parse_ms("-1", &ms) && tool_parse_ms("0.5", &ms) &&
	    tool_parse_ms("1000001", &ms) && tool_parse_ms("1e3", &ms) &&
	    tool_parse_ms("99999999999", &ms));
	CHECK("args: --local-port N-M", P("--local-port", "5000-5009", "h",
	    "1") == QGET_OK && o.local_port_min == 5000 &&
	    o.local_port_max == 5009);
	CHECK("args: --local-port bad", P("--local-port", "9-5", "h", "1") ==
	    QGET_E_USAGE && strstr(msg, "--local-port: '9-5'") != NULL);
	CHECK("args: no --local-port means any port", P("h", "1") == QGET_OK &&
	    o.local_port_min == 0 && o.interface == NULL &&
	    !o.attempt_delay_set);
	CHECK("args: --interface ADDR", P("--interface", "127.0.0.1", "h",
	    "1") == QGET_OK && strcmp(o.interface, "127.0.0.1") == 0);
	CHECK("args: --interface IPv6 ADDR", P("--interface", "::1", "h",
	    "1") == QGET_OK && strcmp(o.interface, "::1") == 0);
	CHECK("args: --interface NAME", P("--interface", "eth0", "h", "1") ==
	    QGET_OK && strcmp(o.interface, "eth0") == 0);
	CHECK("args: --interface: not a name", P("--interface", "a/b", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "--interface: 'a/b'") &&
	    P("--interface", "", "h", "1") == QGET_E_USAGE &&
	    P("--interface", "averyveryverylongname", "h", "1") ==
	    QGET_E_USAGE && P("--interface", "..", "h", "1") ==
	    QGET_E_USAGE && P("--interface", "a b", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("args: --interface IPv4 with -6 refused", P("-6", "--interface",
	    "127.0.0.1", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "excludes -4/-6"));
	CHECK("args: --interface IPv6 with -4 refused", P("--interface", "::1",
	    "-4", "h", "1") == QGET_E_USAGE);
	CHECK("args: --interface IPv4 with -4, a name with -6",
	    P("-4", "--interface", "127.0.0.1", "h", "1") == QGET_OK &&
	    P("-6", "--interface", "lo", "h", "1") == QGET_OK);
	CHECK("args: --happy-eyeballs-timeout-ms 0", P(
	    "--happy-eyeballs-timeout-ms", "0", "h", "1") == QGET_OK &&
	    o.attempt_delay_set && o.attempt_delay_ms == 0);
	CHECK("args: --happy-eyeballs-timeout-ms=100", P(
	    "--happy-eyeballs-timeout-ms=100", "h", "1") == QGET_OK &&
	    o.attempt_delay_set && o.attempt_delay_ms == 100);
	CHECK("args: --happy-eyeballs-timeout-ms bad", P(
	    "--happy-eyeballs-timeout-ms", "0.5", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "milliseconds"));
	CHECK("args: options after operands are operands",
	    P("h", "1", "-v") == QGET_E_USAGE);
	CHECK("args: --help", P("--help") == QGET_OK && o.help);
	CHECK("args: --version", P("--version") == QGET_OK && o.version);
	CHECK("args: parsing twice gives the same result",
	    P("-6", "h", "2") == QGET_OK && P("-6", "h", "2") == QGET_OK &&
	    o.family == QGET_FAMILY_IPV6);

	/* URLs. */
	{
		char host[256], port[6], *path;
		char u1[] = "https://example.org/a/b?q=1#frag";
		char u2[] = "https://[::1]:4433";
		char u3[] = "HTTPS://h:8443/";

		CHECK("url: host, default port 443, path, fragment cut",
		    tool_parse_url(u1, host, sizeof(host), port, &path, msg,
		    sizeof(msg)) == QGET_OK && strcmp(host, "example.org") == 0 &&
		    strcmp(port, "443") == 0 && strcmp(path, "/a/b?q=1") == 0);
		CHECK("url: bracketed IPv6 with port, no path means /",
		    tool_parse_url(u2, host, sizeof(host), port, &path, msg,
		    sizeof(msg)) == QGET_OK && strcmp(host, "::1") == 0 &&
		    strcmp(port, "4433") == 0 && strcmp(path, "/") == 0);
		CHECK("url: the scheme is case-insensitive",
		    tool_parse_url(u3, host, sizeof(host), port, &path, msg,
		    sizeof(msg)) == QGET_OK && strcmp(port, "8443") == 0);
	}
	CHECK("url: http:// refused, https:// suggested",
	    P("http://h/") == QGET_E_USAGE && strstr(msg, "https://"));
	CHECK("url: ftp:// refused", P("ftp://h/") == QGET_E_USAGE);
	CHECK("url: user name refused", P("https://u:p@h/") == QGET_E_USAGE);
	CHECK("url: empty port refused", P("https://h:/") == QGET_E_USAGE);
	CHECK("url: port 0 refused", P("https://h:0/") == QGET_E_USAGE);
	CHECK("url: port 65536 refused", P("https://h:65536/") == QGET_E_USAGE);
	CHECK("url: junk port refused", P("https://h:44a/") == QGET_E_USAGE);
	CHECK("url: empty host refused", P("https:///x") == QGET_E_USAGE &&
	    P("https://:1/x") == QGET_E_USAGE);
	CHECK("url: unclosed bracket refused", P("https://[::1/x") ==
	    QGET_E_USAGE);
	CHECK("url: brackets without IPv6 refused", P("https://[h]/") ==
	    QGET_E_USAGE && P("https://[[:1]/") == QGET_E_USAGE &&
	    P("https://[::1%eth0]/") == QGET_E_USAGE);
	CHECK("url: junk after the bracket refused", P("https://[::1]x/") ==
	    QGET_E_USAGE);
	CHECK("url: a query without a path refused", P("https://h?x") ==
	    QGET_E_USAGE);
	CHECK("url: space in the path refused", P("https://h/a b") ==
	    QGET_E_USAGE);
	CHECK("url: h3 then http/1.0 offered, port and path taken",
	    P("https://h:4433/x") == QGET_OK && o.url &&
	    strcmp(o.alpn, "h3,http/1.0") == 0 && strcmp(o.host, "h") == 0 &&
	    strcmp(o.port, "4433") == 0 && o.npaths == 1 &&
	    strcmp(o.path, "/x") == 0);
	CHECK("url: --alpn wins over the URL default",
	    P("--alpn", "http/1.0", "https://h/x") == QGET_OK &&
	    strcmp(o.alpn, "http/1.0") == 0 && strcmp(o.port, "443") == 0);
	CHECK("url: --http3 is --alpn h3", P("--http3", "https://h/") ==
	    QGET_OK && strcmp(o.alpn, "h3") == 0);
	CHECK("url: several URLs of one server need -O",
	    P("https://h/a", "https://h/b") == QGET_E_USAGE &&
	    P("-O", "d", "https://h/a", "https://h/b") == QGET_OK &&
	    o.npaths == 2 && strcmp(o.paths[1], "/b") == 0);
	CHECK("url: URLs of two servers refused",
	    P("-O", "d", "https://h/a", "https://g/b") == QGET_E_USAGE &&
	    strstr(msg, "same server"));
	CHECK("url: same host, other port refused",
	    P("-O", "d", "https://h/a", "https://h:444/b") == QGET_E_USAGE);
	CHECK("url: a plain path after a URL refused",
	    P("-O", "d", "https://h/a", "/b") == QGET_E_USAGE);

	/* -H, -I, -f. */
	CHECK("header: Name: value taken",
	    P("-H", "X-Trace: a b", "-H", "accept:*/*", "h", "1") == QGET_OK &&
	    o.nheaders == 2 && strcmp(o.headers[1], "accept:*/*") == 0);
	CHECK("header: CR refused", P("-H", "X-A: a\rB: c", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("header: LF refused", P("-H", "X-A: a\nB: c", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("header: tab allowed", P("-H", "X-A:\ta", "h", "1") == QGET_OK);
	CHECK("header: pseudo-header refused", P("-H", ":path: /x", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "pseudo"));
	CHECK("header: no colon refused", P("-H", "X-A", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("header: space in the name refused", P("-H", "X A: 1", "h",
	    "1") == QGET_E_USAGE);
	CHECK("header: empty name refused", P("-H", ": 1", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("header: Host and Connection are qget's",
	    P("-H", "host: x", "h", "1") == QGET_E_USAGE &&
	    P("-H", "Connection: keep-alive", "h", "1") == QGET_E_USAGE &&
	    P("-H", "Transfer-Encoding: chunked", "h", "1") == QGET_E_USAGE);
	CHECK("header: a prefix of an own name is fine",
	    P("-H", "Hostname: x", "h", "1") == QGET_OK);
	{
		char *argv[140];
		int argc = 0;

		argv[argc++] = "qget";
		for (int i = 0; i < 65; i++) {
			argv[argc++] = "-H";
			argv[argc++] = "X-A: 1";
		}
		argv[argc++] = "h";
		argv[argc++] = "1";
		argv[argc] = NULL;
		CHECK("header: 65 -H refused", tool_parse_args(argc, argv, &o,
		    msg, sizeof(msg)) == QGET_E_USAGE);
		argc -= 4;
		argv[argc++] = "h";
		argv[argc++] = "1";
		argv[argc] = NULL;
		CHECK("header: 64 -H taken", tool_parse_args(argc, argv, &o,
		    msg, sizeof(msg)) == QGET_OK && o.nheaders == 64);
	}
	{
		static char big[5000];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "X-Big: ", 7);
		CHECK("header: 8 KiB of -H in all, not more",
		    P("-H", big, "h", "1") == QGET_OK &&
		    P("-H", big, "-H", big, "h", "1") == QGET_E_USAGE &&
		    strstr(msg, "8192") != NULL);
	}
	CHECK("hq-interop alone refuses -I, -H, -f",
	    P("--alpn", "hq-interop", "-I", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-H", "X-A: 1", "h", "1") ==
	    QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-f", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop,http/1.0", "-f", "h", "1") == QGET_OK);
	CHECK("-I: HEAD, and the head is printed", P("-I", "h", "1") ==
	    QGET_OK && o.head && o.include);
	CHECK("-f and --fail", P("-f", "h", "1") == QGET_OK && o.fail &&
	    P("--fail", "h", "1") == QGET_OK && o.fail);
	CHECK("--raw refuses -H, -I, -f and URLs",
	    P("--raw", "-H", "X-A: 1", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-I", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-f", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "https://h/") == QGET_E_USAGE);
	return CHECK_DONE();
}
