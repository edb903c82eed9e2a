/* Command line parsing: strict numbers, conflicts, positional checks. */
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
	CHECK("args: missing value", P("h", "1", "-m") == QGET_E_USAGE ||
	    P("-m") == QGET_E_USAGE);
	CHECK("args: bad ALPN list", P("--alpn", ",x", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("args: options after operands are operands",
	    P("h", "1", "-v") == QGET_E_USAGE);
	CHECK("args: --help", P("--help") == QGET_OK && o.help);
	CHECK("args: --version", P("--version") == QGET_OK && o.version);
	CHECK("args: parsing twice gives the same result",
	    P("-6", "h", "2") == QGET_OK && P("-6", "h", "2") == QGET_OK &&
	    o.family == QGET_FAMILY_IPV6);
	return CHECK_DONE();
}
