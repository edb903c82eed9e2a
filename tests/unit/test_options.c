/* Command line parsing: curl's rules (options anywhere, -o/-O/-T per URL,
 * curl's names and refusals), strict numbers, conflicts, targets. */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/tool/options.h"
#include "check.h"

/* Parses argv after freeing what the previous parse allocated. */
static qget_status
parse_argv(struct tool_opts *o, int argc, char **argv, char *msg, size_t len)
{
	tool_free_args(o);
	return tool_parse_args(argc, argv, o, msg, len);
}

static qget_status
parse(struct tool_opts *o, char *msg, size_t len, ...)
{
	char *argv[48];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = "qget";
	va_start(ap, len);
	while ((a = va_arg(ap, char *)) != NULL && argc < 47)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return parse_argv(o, argc, argv, msg, len);
}

/* A value each option that needs one accepts. */
static const char *
value_for(const char *name)
{
	static const struct {
		const char *name, *value;
	} values[] = {
		{ "alpn", "h3" }, { "ciphers", "TLS_AES_128_GCM_SHA256" },
		{ "tls13-ciphers", "TLS_AES_128_GCM_SHA256" },
		{ "header", "X-A: 1" }, { "write-out", "json" },
		{ "pinnedpubkey", "sha256//"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
		{ "resolve", "h:1:127.0.0.1" }, { "connect-to", "h:1:g:2" },
		{ "request", "PUT" }, { "max-filesize", "1k" },
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strcmp(values[i].name, name) == 0)
			return values[i].value;
	return "1"; /* seconds, counts and file names */
}

/* Writes len bytes to path. */
static int
put_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(data, 1, len, f) == len;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* Runs the parse with standard input read from path. */
static qget_status
parse_with_stdin(const char *path, struct tool_opts *o, char *msg,
    size_t len, int argc, char **argv)
{
	int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);
	qget_status rv = QGET_E_FAILURE;

	if (saved >= 0 && fd >= 0 && dup2(fd, STDIN_FILENO) >= 0)
		rv = parse_argv(o, argc, argv, msg, len);
	if (fd >= 0)
		close(fd);
	if (saved >= 0) {
		dup2(saved, STDIN_FILENO);
		close(saved);
	}
	return rv;
}

static int
remote_is(const char *path, const char *want)
{
	char buf[300];

	return tool_remote_name(path, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, want) == 0;
}

static int
remote_refused(const char *path)
{
	char buf[300];

	return tool_remote_name(path, buf, sizeof(buf)) == -1;
}

#define P(...) parse(&o, msg, sizeof(msg), __VA_ARGS__, (char *)NULL)
#define U(i) (o.urls[(i)])

static void
numbers(void)
{
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
}

static void
remote_names(void)
{
	char small[4];

	CHECK("remote name: the last segment", remote_is("/a/b.txt", "b.txt"));
	CHECK("remote name: the query dropped",
	    remote_is("/a/b.txt?x=1&y=/z", "b.txt"));
	CHECK("remote name: percent-decoded", remote_is("/my%20file.txt",
	    "my file.txt") && remote_is("/%C3%BC", "\xc3\xbc") &&
	    remote_is("/a%2Bb", "a+b") && remote_is("/100%25", "100%"));
	CHECK("remote name: no segment refused", remote_refused("/") &&
	    remote_refused("/a/") && remote_refused("/a/?x") &&
	    remote_refused(""));
	CHECK("remote name: . and .. refused", remote_refused("/.") &&
	    remote_refused("/a/..") && remote_refused("/a/%2e%2e") &&
	    remote_refused("/a/%2E") && remote_refused("/a/.%2e"));
	CHECK("remote name: an encoded / refused (no traversal)",
	    remote_refused("/..%2f..%2fetc%2fpasswd") &&
	    remote_refused("/a/b%2Fc") && remote_refused("/a/%2f"));
	CHECK("remote name: NUL and control bytes refused",
	    remote_refused("/a%00b") && remote_refused("/a%0ab") &&
	    remote_refused("/a%0D") && remote_refused("/a%1b[2J") &&
	    remote_refused("/a%7f"));
	CHECK("remote name: bad escapes refused", remote_refused("/a%zz") &&
	    remote_refused("/a%4") && remote_refused("/a%") &&
	    remote_refused("/a%4?x") && remote_refused("/a%g1"));
	{
		char path[400], name[300];

		path[0] = '/';
		memset(path + 1, 'a', 256);
		path[257] = '\0';
		CHECK("remote name: over 255 bytes refused",
		    remote_refused(path));
		path[256] = '\0';
		CHECK("remote name: 255 bytes taken", tool_remote_name(path,
		    name, sizeof(name)) == 0 && strlen(name) == 255);
	}
	CHECK("remote name: a buffer too small refused",
	    tool_remote_name("/abcd", small, sizeof(small)) == -1 &&
	    tool_remote_name("/abc", small, sizeof(small)) == 0 &&
	    strcmp(small, "abc") == 0);
}

int
main(void)
{
	struct tool_opts o;
	char msg[1024];

	memset(&o, 0, sizeof(o));
	numbers();
	remote_names();

	/* ---- the legacy form, HOST PORT [PATH...] ---- */
	CHECK("args: defaults", P("example.org", "443") == QGET_OK &&
	    o.legacy && o.nurls == 1 && strcmp(o.host, "example.org") == 0 &&
	    strcmp(o.port, "443") == 0 && strcmp(U(0).path, "/") == 0 &&
	    strcmp(U(0).url, "https://example.org:443/") == 0 &&
	    strcmp(o.alpn, "http/1.0") == 0 && !o.alpn_set &&
	    o.family == QGET_FAMILY_ANY && !o.insecure &&
	    U(0).output == NULL && !U(0).remote_name && o.max_redirs == 50 &&
	    o.writeout == NULL && !o.has_data);
	CHECK("args: everything", P("-4", "-k", "-i", "-v", "--alpn",
	    "hq-interop,http/1.0", "--cacert", "ca.pem", "--capath", "d",
	    "-o", "out", "--connect-timeout", "1.5", "-m", "10",
	    "--idle-timeout", "3", "--keylog", "k", "h", "1", "/p") ==
	    QGET_OK && o.family == QGET_FAMILY_IPV4 && o.insecure &&
	    o.include && o.verbose && strcmp(o.alpn,
	    "hq-interop,http/1.0") == 0 && o.alpn_set &&
	    strcmp(o.cacert, "ca.pem") == 0 && strcmp(o.capath, "d") == 0 &&
	    strcmp(U(0).output, "out") == 0 && o.connect_timeout_ms == 1500 &&
	    o.max_time_ms == 10000 && o.idle_timeout_ms == 3000 &&
	    strcmp(o.keylog, "k") == 0 && strcmp(U(0).path, "/p") == 0);
	CHECK("args: -4 twice is fine", P("-4", "-4", "h", "1") == QGET_OK);
	CHECK("args: -4 -6 conflict", P("-4", "-6", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "-4") != NULL);
	CHECK("args: -sv as curl: both", P("-sv", "h", "1") == QGET_OK &&
	    o.verbose && o.silent);
	CHECK("args: brackets stripped", P("[::1]", "1") == QGET_OK &&
	    strcmp(o.host, "::1") == 0 &&
	    strcmp(U(0).url, "https://[::1]:1/") == 0);
	CHECK("args: empty brackets refused", P("[]", "1") == QGET_E_USAGE);
	CHECK("args: host with / refused", P("a/b", "1") == QGET_E_USAGE);
	CHECK("args: a bad port names the forms", P("h", "x") == QGET_E_USAGE &&
	    strstr(msg, "bad port 'x'") && strstr(msg, "HOST PORT"));
	CHECK("args: every path is checked", P("h", "1", "/", "x") ==
	    QGET_E_USAGE && strstr(msg, "'x'") != NULL);
	CHECK("args: one transfer per path, in order, to stdout",
	    P("h", "1", "/a", "/b/c") == QGET_OK && o.nurls == 2 &&
	    strcmp(U(1).path, "/b/c") == 0 &&
	    strcmp(U(1).url, "https://h:1/b/c") == 0 &&
	    strcmp(U(1).arg, "/b/c") == 0 && U(0).output == NULL &&
	    U(1).output == NULL && !U(1).remote_name);
	CHECK("args: path must start with /", P("h", "1", "x") == QGET_E_USAGE);
	CHECK("args: CRLF in path", P("h", "1", "/a\r\nB: c") == QGET_E_USAGE);
	CHECK("args: space in path", P("h", "1", "/a b") == QGET_E_USAGE);
	CHECK("args: DEL in path", P("h", "1", "/a\x7f") == QGET_E_USAGE);
	CHECK("args: --raw", P("--raw", "--alpn", "echo", "h", "1") ==
	    QGET_OK && o.raw && o.nurls == 1);
	CHECK("args: --raw takes no path, -o, -O, -i",
	    P("--raw", "h", "1", "/p") == QGET_E_USAGE &&
	    P("--raw", "-i", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-O", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-o", "f", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "--output-dir", "d", "h", "1") == QGET_E_USAGE);
	CHECK("--raw refuses -H, -I, -f, -d, -T, -X, -L, -C and URLs",
	    P("--raw", "-H", "X-A: 1", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-I", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-f", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-d", "x", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-T", "f", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-X", "PUT", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-L", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "-C", "5", "h", "1") == QGET_E_USAGE &&
	    P("--raw", "https://h/") == QGET_E_USAGE &&
	    P("--raw") == QGET_E_USAGE && strstr(msg, "HOST PORT"));

	/* ---- no target, or no scheme ---- */
	CHECK("args: no URL names the URL form", P("-v") == QGET_E_USAGE &&
	    strcmp(msg, "no URL given: qget https://HOST[:PORT]/PATH (or HOST "
	    "PORT [PATH...]); try qget --help") == 0);
	CHECK("args: one argument without :// is not a URL",
	    P("localhost:4433/x") == QGET_E_USAGE && strcmp(msg,
	    "'localhost:4433/x' is not a URL: did you mean "
	    "https://localhost:4433/x? (qget takes https://HOST[:PORT]/PATH or "
	    "HOST PORT [PATH...])") == 0);
	CHECK("args: a bare host gets a / in the hint", P("example.org") ==
	    QGET_E_USAGE && strstr(msg, "did you mean https://example.org/?"));

	/* ---- options anywhere, --, missing values ---- */
	CHECK("args: options after the URL (curl's habit)",
	    P("https://h/f", "-o", "f", "--cacert", "ca.pem") == QGET_OK &&
	    o.nurls == 1 && strcmp(U(0).output, "f") == 0 &&
	    strcmp(o.cacert, "ca.pem") == 0);
	CHECK("args: options between and after HOST PORT PATH",
	    P("h", "-v", "1", "/a", "-k", "/b", "-4") == QGET_OK &&
	    o.verbose && o.insecure && o.family == QGET_FAMILY_IPV4 &&
	    o.nurls == 2 && strcmp(U(1).path, "/b") == 0);
	setenv("POSIXLY_CORRECT", "1", 1);
	CHECK("args: options anywhere even with POSIXLY_CORRECT",
	    P("https://h/f", "-o", "f") == QGET_OK &&
	    strcmp(U(0).output, "f") == 0);
	unsetenv("POSIXLY_CORRECT");
	CHECK("args: after --, nothing is an option", P("--", "h", "1") ==
	    QGET_OK && strcmp(o.host, "h") == 0 &&
	    P("h", "1", "--", "-v") == QGET_E_USAGE && strstr(msg, "'-v'") &&
	    P("-o", "f", "--", "https://h/x") == QGET_OK &&
	    strcmp(U(0).output, "f") == 0);
	CHECK("args: - is an argument, not an option", P("-o", "-",
	    "https://h/x") == QGET_OK && strcmp(U(0).output, "-") == 0);
	CHECK("args: missing value (short, at the end)",
	    P("https://h/f", "-o") == QGET_E_USAGE &&
	    strcmp(msg, "option -o needs a value") == 0);
	CHECK("args: missing value (short)", P("-m") == QGET_E_USAGE &&
	    strcmp(msg, "option -m needs a value") == 0);
	CHECK("args: missing value (short, in a cluster)", P("-vm") ==
	    QGET_E_USAGE && strcmp(msg, "option -m needs a value") == 0);
	CHECK("args: missing value (long)", P("https://h/f", "--output") ==
	    QGET_E_USAGE && strcmp(msg, "option --output needs a value") == 0 &&
	    P("--keylog") == QGET_E_USAGE &&
	    strcmp(msg, "option --keylog needs a value") == 0);
	CHECK("args: a short option's value attached", P("-ofile",
	    "https://h/x") == QGET_OK && strcmp(U(0).output, "file") == 0);
	CHECK("args: clusters", P("-sS", "https://h/x") == QGET_OK &&
	    o.silent && o.show_error && P("-sSLk", "https://h/x") == QGET_OK &&
	    o.location && o.insecure);

	/* ---- names: spelt out, hints, curl's refused options ---- */
	CHECK("args: an abbreviated long option is unknown",
	    P("--ins", "h", "1") == QGET_E_USAGE &&
	    strcmp(msg, "unknown option --ins; did you mean --insecure?") == 0);
	CHECK("args: --keyl (a prefix) refused, --keylog suggested",
	    P("--keyl", "k", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "did you mean --keylog?"));
	CHECK("args: --http refused, --http3 suggested", P("--http", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "did you mean --http3?"));
	CHECK("args: --verb refused", P("--verb", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "--verbose"));
	CHECK("args: a typo gets the nearest name", P("--insecrue", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "did you mean --insecure?"));
	CHECK("args: no hint for a word that is not close",
	    P("--frobnicate", "h", "1") == QGET_E_USAGE &&
	    strcmp(msg, "unknown option --frobnicate") == 0);
	CHECK("args: unknown short option", P("-z", "h", "1") ==
	    QGET_E_USAGE && strcmp(msg, "unknown option -z") == 0);
	CHECK("curl: --compressed refused with its reason",
	    P("--compressed", "https://h/") == QGET_E_USAGE &&
	    strcmp(msg, "curl's --compressed is not supported: qget does not "
	    "decode content encodings") == 0);
	CHECK("curl: --key is curl's, not a prefix of --keylog",
	    P("--key", "k.pem", "h", "1") == QGET_E_USAGE &&
	    strstr(msg, "curl's --key is not supported") &&
	    strstr(msg, "--keylog") && P("--key=k.pem", "h", "1") ==
	    QGET_E_USAGE && strstr(msg, "curl's --key"));
	CHECK("curl: a refused short option names its long name",
	    P("-u", "a:b", "https://h/") == QGET_E_USAGE &&
	    strncmp(msg, "curl's -u/--user is not supported: ", 35) == 0 &&
	    P("-vx", "p:1", "https://h/") == QGET_E_USAGE &&
	    strstr(msg, "curl's -x/--proxy is not supported"));
	{
		static const char *const longs[] = {
			"compressed", "user", "cookie", "cookie-jar", "proxy",
			"form", "http1.1", "http2", "http2-prior-knowledge",
			"tlsv1.2", "cert", "key", "get", "netrc",
			"junk-session-cookies", "limit-rate", "range",
			"speed-time", "speed-limit", "list-only", "quote",
			"disable", "trace", "trace-ascii", "libcurl", "config",
			"doh-url", "unix-socket", "proxy-insecure", "ssl",
		};
		static const char shorts[] = "ubcxFGnjryYlQqKE";
		int all = 1;

		for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
			char opt[64], want[80];

			snprintf(opt, sizeof(opt), "--%s", longs[i]);
			snprintf(want, sizeof(want), "curl's --%s is not "
			    "supported: ", longs[i]);
			if (P(opt, "https://h/") != QGET_E_USAGE ||
			    strncmp(msg, want, strlen(want)) != 0 ||
			    strlen(msg) < strlen(want) + 10) {
				printf("    %s: %s\n", opt, msg);
				all = 0;
			}
		}
		for (const char *c = shorts; *c != '\0'; c++) {
			char opt[3] = { '-', *c, '\0' }, want[16];

			snprintf(want, sizeof(want), "curl's -%c/--", *c);
			if (P(opt, "https://h/") != QGET_E_USAGE ||
			    strncmp(msg, want, strlen(want)) != 0) {
				printf("    %s: %s\n", opt, msg);
				all = 0;
			}
		}
		CHECK("curl: every refused option says why", all);
	}
	CHECK("curl: -N and --no-buffer are accepted, --http3-only is h3",
	    P("-N", "--no-buffer", "--http3-only", "https://h/") == QGET_OK &&
	    strcmp(o.alpn, "h3") == 0 && o.alpn_set);
	CHECK("args: --keylog=FILE", P("--keylog=k", "h", "1") == QGET_OK &&
	    strcmp(o.keylog, "k") == 0);
	CHECK("args: --keylog FILE", P("--keylog", "k2", "h", "1") ==
	    QGET_OK && strcmp(o.keylog, "k2") == 0);
	CHECK("args: --max-time=2", P("--max-time=2", "h", "1") == QGET_OK &&
	    o.max_time_ms == 2000);
	CHECK("args: an option's value may look like a long option",
	    P("-o", "--key", "h", "1") == QGET_OK &&
	    strcmp(U(0).output, "--key") == 0 &&
	    P("--output", "--ins", "h", "1") == QGET_OK &&
	    strcmp(U(0).output, "--ins") == 0);
	CHECK("args: a flag given a value", P("--insecure=yes", "h", "1") ==
	    QGET_E_USAGE && strcmp(msg, "option --insecure takes no value")
	    == 0);
	CHECK("args: --parallel is a flag now", P("--parallel=10", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "takes no value") &&
	    P("-Z", "h", "1") == QGET_OK && o.parallel &&
	    P("--parallel", "h", "1") == QGET_OK && o.parallel);
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
			 * later (-O on "/"), but never as an unknown option. */
			parse_argv(&o, argc, argv, msg, sizeof(msg));
			if (strstr(msg, "unknown option") != NULL ||
			    strstr(msg, "value") != NULL ||
			    strstr(msg, "curl's") != NULL) {
				printf("    %s: %s\n", opt, msg);
				all = 0;
			}
		}
		CHECK("args: every exact long option is taken", all && n > 50);
	}
	{
		/* --help lists every option the parser takes. */
		char *help = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&help, &len);
		const struct option *t = tool_long_options();
		int all = f != NULL;

		if (f != NULL) {
			tool_usage(f);
			fclose(f);
		}
		for (; all && t->name != NULL; t++) {
			char name[64];
			const char *p = help;
			size_t n;

			n = (size_t)snprintf(name, sizeof(name), "--%s", t->name);
			/* The whole name: "--retry" is not "--retry-delay". */
			while ((p = strstr(p, name)) != NULL &&
			    (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z')))
				p += n;
			if (p == NULL) {
				printf("    %s not in --help\n", name);
				all = 0;
			}
		}
		CHECK("help: every long option is in --help", all);
		CHECK("help: the exit codes are in --help", help != NULL &&
		    strstr(help, "\nExit codes:\n") &&
		    strstr(help, " 14  ") && strstr(help, "130, 143  "));
		CHECK("help: the URL form comes first", help != NULL &&
		    strncmp(help, "Usage: qget [options] https://", 30) == 0);
		free(help);
	}

	/* ---- URLs ---- */
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
	    P("https://h:4433/x") == QGET_OK && !o.legacy && o.nurls == 1 &&
	    strcmp(o.alpn, "h3,http/1.0") == 0 && strcmp(o.host, "h") == 0 &&
	    strcmp(o.port, "4433") == 0 && strcmp(U(0).path, "/x") == 0 &&
	    strcmp(U(0).url, "https://h:4433/x") == 0 &&
	    strcmp(U(0).arg, "https://h:4433/x") == 0);
	CHECK("url: normalized: port 443 and the fragment dropped",
	    P("HTTPS://h:443/a?q=1#top") == QGET_OK &&
	    strcmp(U(0).url, "https://h/a?q=1") == 0 &&
	    strcmp(U(0).path, "/a?q=1") == 0 &&
	    strcmp(U(0).arg, "HTTPS://h:443/a?q=1#top") == 0 &&
	    P("https://[::1]") == QGET_OK &&
	    strcmp(U(0).url, "https://[::1]/") == 0);
	CHECK("url: --alpn wins over the URL default",
	    P("--alpn", "http/1.0", "https://h/x") == QGET_OK &&
	    strcmp(o.alpn, "http/1.0") == 0 && strcmp(o.port, "443") == 0);
	CHECK("url: --http3 is --alpn h3", P("--http3", "https://h/") ==
	    QGET_OK && strcmp(o.alpn, "h3") == 0);
	CHECK("url: several URLs go to stdout, in order",
	    P("https://h/a", "https://h/b") == QGET_OK && o.nurls == 2 &&
	    strcmp(U(1).path, "/b") == 0 && U(0).output == NULL &&
	    U(1).output == NULL);
	CHECK("url: URLs of different servers",
	    P("https://h/a", "https://g:8443/b", "https://[::1]/c") ==
	    QGET_OK && o.nurls == 3 && strcmp(U(1).host, "g") == 0 &&
	    strcmp(U(1).port, "8443") == 0 && strcmp(U(2).host, "::1") == 0 &&
	    strcmp(o.host, "h") == 0 && strcmp(o.port, "443") == 0);
	CHECK("url: a plain path after a URL refused",
	    P("https://h/a", "/b") == QGET_E_USAGE && strstr(msg, "'/b'"));

	/* ---- -o, -O, --remote-name-all, --output-dir ---- */
	CHECK("output: qget -O URL saves under the URL's name",
	    P("-O", "https://h/d/f.txt?x=1") == QGET_OK && o.nurls == 1 &&
	    U(0).remote_name && U(0).output == NULL);
	CHECK("output: the n-th -o to the n-th URL, wherever they stand",
	    P("-o", "a", "https://h/1", "https://h/2", "-o", "b",
	    "https://h/3") == QGET_OK && strcmp(U(0).output, "a") == 0 &&
	    strcmp(U(1).output, "b") == 0 && U(2).output == NULL &&
	    !U(2).remote_name);
	CHECK("output: -o and -O in order",
	    P("https://h/x.bin", "https://h/y", "-O", "-o", "y") == QGET_OK &&
	    U(0).remote_name && U(0).output == NULL &&
	    strcmp(U(1).output, "y") == 0 && !U(1).remote_name);
	CHECK("output: more -o than URLs refused",
	    P("-o", "a", "-o", "b", "https://h/1") == QGET_E_USAGE &&
	    strstr(msg, "2 -o/-O for 1 URL") &&
	    P("-O", "-O", "-O", "https://h/a", "https://h/b") == QGET_E_USAGE);
	CHECK("output: --remote-name-all for the URLs without -o",
	    P("--remote-name-all", "https://h/a", "-o", "f", "https://h/b",
	    "https://h/c") == QGET_OK && strcmp(U(0).output, "f") == 0 &&
	    !U(0).remote_name && U(1).remote_name && U(2).remote_name);
	CHECK("output: --output-dir and --create-dirs",
	    P("--output-dir", "out", "--create-dirs", "-O", "https://h/a") ==
	    QGET_OK && strcmp(o.output_dir, "out") == 0 && o.create_dirs &&
	    P("--output-dir", "", "https://h/a") == QGET_E_USAGE);
	CHECK("output: -O on a URL without a file name names the URL",
	    P("-O", "https://h/dir/") == QGET_E_USAGE &&
	    strstr(msg, "https://h/dir/") && strstr(msg, "-o FILE") &&
	    P("-O", "https://h") == QGET_E_USAGE &&
	    P("-O", "https://h/a/%2e%2e") == QGET_E_USAGE &&
	    P("-O", "https://h/a%2fb") == QGET_E_USAGE);
	CHECK("output: -O never leaves the folder (legacy paths too)",
	    P("--remote-name-all", "h", "1", "/..") == QGET_E_USAGE &&
	    P("--remote-name-all", "h", "1", "/a/", "/b") == QGET_E_USAGE);
	CHECK("output: two URLs, one name refused",
	    P("--remote-name-all", "https://h/x/f", "https://g/y/f") ==
	    QGET_E_USAGE && strstr(msg, "'f'") &&
	    P("-o", "f", "-O", "https://h/a", "https://h/f") == QGET_E_USAGE &&
	    P("-o", "f", "-o", "f", "https://h/a", "https://h/b") ==
	    QGET_E_USAGE);
	CHECK("output: a device may take several bodies, stdout too",
	    P("-o", "/dev/null", "-o", "/dev/null", "https://h/a",
	    "https://h/b") == QGET_OK && P("-o", "-", "-o", "-",
	    "https://h/a", "https://h/b") == QGET_OK);
	CHECK("output: the old -O DIR is gone",
	    P("-O", "d", "h", "1", "/a") == QGET_E_USAGE);
	CHECK("output: empty -o refused", P("-o", "", "https://h/") ==
	    QGET_E_USAGE);
	CHECK("output: -D", P("-D", "-", "https://h/") == QGET_OK &&
	    strcmp(o.dump_header, "-") == 0 &&
	    P("--dump-header", "", "https://h/") == QGET_E_USAGE);

	/* ---- -T ---- */
	CHECK("upload: the n-th -T to the n-th URL",
	    P("https://h/a", "-T", "x", "https://h/b", "-T", "y") == QGET_OK &&
	    strcmp(U(0).upload, "x") == 0 && strcmp(U(1).upload, "y") == 0 &&
	    strcmp(U(0).path, "/a") == 0);
	CHECK("upload: a URL ending in / gets the file's name",
	    P("-T", "dir/my file.tar", "https://h/up/") == QGET_OK &&
	    strcmp(U(0).path, "/up/my%20file.tar") == 0 &&
	    strcmp(U(0).url, "https://h/up/my%20file.tar") == 0 &&
	    P("-T", "f", "h", "1") == QGET_OK &&
	    strcmp(U(0).url, "https://h:1/f") == 0 &&
	    P("-T", "-", "https://h/up/") == QGET_OK &&
	    strcmp(U(0).path, "/up/") == 0 && strcmp(U(0).upload, "-") == 0);
	CHECK("upload: more -T than URLs refused",
	    P("-T", "a", "-T", "b", "https://h/") == QGET_E_USAGE &&
	    strstr(msg, "-T"));
	CHECK("upload: -T with -d refused (curl)",
	    P("-T", "a", "-d", "x", "https://h/") == QGET_E_USAGE);
	CHECK("upload: -I with a body refused",
	    P("-I", "-T", "a", "https://h/") == QGET_E_USAGE &&
	    P("-I", "-d", "x", "https://h/") == QGET_E_USAGE &&
	    P("-I", "--data-raw", "", "https://h/") == QGET_E_USAGE);

	/* ---- the request ---- */
	CHECK("-X: a method", P("-X", "DELETE", "https://h/") == QGET_OK &&
	    strcmp(o.method, "DELETE") == 0);
	CHECK("-X: not a token refused", P("-X", "GE T", "https://h/") ==
	    QGET_E_USAGE && P("-X", "", "https://h/") == QGET_E_USAGE &&
	    P("-X", "G\r\n", "https://h/") == QGET_E_USAGE &&
	    P("-X", "ABCDEFGHIJKLMNOP", "https://h/") == QGET_E_USAGE &&
	    P("-X", "ABCDEFGHIJKLMNO", "https://h/") == QGET_OK);
	CHECK("-A, -e", P("-A", "bot/1", "-e", "https://r/", "https://h/") ==
	    QGET_OK && strcmp(o.user_agent, "bot/1") == 0 &&
	    strcmp(o.referer, "https://r/") == 0 &&
	    P("-A", "", "https://h/") == QGET_OK &&
	    strcmp(o.user_agent, "") == 0);
	CHECK("-A, -e: control characters and ;auto refused",
	    P("-A", "a\r\nX: y", "https://h/") == QGET_E_USAGE &&
	    P("-e", "x\n", "https://h/") == QGET_E_USAGE &&
	    P("-e", "https://r/;auto", "https://h/") == QGET_E_USAGE);
	CHECK("-L, --max-redirs", P("-L", "https://h/") == QGET_OK &&
	    o.location && o.max_redirs == 50 &&
	    P("--max-redirs", "-1", "https://h/") == QGET_OK &&
	    o.max_redirs == -1 && P("--max-redirs", "0", "https://h/") ==
	    QGET_OK && o.max_redirs == 0 &&
	    P("--max-redirs", "-2", "https://h/") == QGET_E_USAGE &&
	    P("--max-redirs", "x", "https://h/") == QGET_E_USAGE);
	CHECK("-C -: resume from the file's size",
	    P("-C", "-", "-o", "f", "https://h/") == QGET_OK && o.resume &&
	    o.resume_from == -1 &&
	    P("--continue-at", "-", "-O", "https://h/f") == QGET_OK);
	CHECK("-C N", P("-C", "100", "https://h/") == QGET_OK && o.resume &&
	    o.resume_from == 100 && P("-C", "x", "https://h/") ==
	    QGET_E_USAGE && P("-C", "-5", "https://h/") == QGET_E_USAGE &&
	    P("-C", "99999999999999999999", "https://h/") == QGET_E_USAGE);
	CHECK("-C - with stdout refused, several URLs allowed",
	    P("-C", "-", "https://h/f") == QGET_E_USAGE &&
	    strstr(msg, "standard output") &&
	    P("-C", "-", "--remote-name-all", "https://h/a", "https://h/b") ==
	    QGET_OK && o.nurls == 2);
	CHECK("-f and --fail-with-body exclude each other",
	    P("--fail-with-body", "https://h/") == QGET_OK &&
	    o.fail_with_body && !o.fail &&
	    P("-f", "--fail-with-body", "https://h/") == QGET_E_USAGE);

	/* ---- -d and its family ---- */
	CHECK("-d: joined with &", P("-d", "a=1", "--data-raw", "b=2",
	    "--data-binary", "c", "--data-ascii", "d", "https://h/") ==
	    QGET_OK && o.has_data && o.data_len == 11 &&
	    memcmp(o.data, "a=1&b=2&c&d", 11) == 0);
	CHECK("-d: an empty part still counts", P("-d", "", "https://h/") ==
	    QGET_OK && o.has_data && o.data_len == 0 &&
	    P("-d", "", "-d", "a", "https://h/") == QGET_OK &&
	    o.data_len == 2 && memcmp(o.data, "&a", 2) == 0);
	CHECK("--data-raw: @ is data", P("--data-raw", "@x", "https://h/") ==
	    QGET_OK && o.data_len == 2 && memcmp(o.data, "@x", 2) == 0);
	{
		char dir[] = "/tmp/qget-test-opts.XXXXXX";
		char file[128], fmt[128], empty[128], nul[128];
		int made = mkdtemp(dir) != NULL;

		snprintf(file, sizeof(file), "%s/body", dir);
		snprintf(fmt, sizeof(fmt), "%s/fmt", dir);
		snprintf(empty, sizeof(empty), "%s/empty", dir);
		snprintf(nul, sizeof(nul), "%s/nul", dir);
		made = made && put_file(file, "a\r\nb\nc\0d", 8) == 0 &&
		    put_file(fmt, "%{http_code} %{url}\n", 20) == 0 &&
		    put_file(empty, "", 0) == 0 &&
		    put_file(nul, "%{a}\0x", 6) == 0;
		CHECK("files for the @FILE cases", made);
		if (made) {
			char at[160], *argv[8];

			snprintf(at, sizeof(at), "@%s", file);
			CHECK("-d @FILE: CR and LF stripped",
			    P("-d", at, "https://h/") == QGET_OK &&
			    o.data_len == 5 && memcmp(o.data, "abc\0d", 5) == 0);
			CHECK("--data-binary @FILE: the bytes as they are",
			    P("--data-binary", at, "-d", "x", "https://h/") ==
			    QGET_OK && o.data_len == 10 &&
			    memcmp(o.data, "a\r\nb\nc\0d&x", 10) == 0);
			CHECK("-d @FILE: an empty file", P("-d", (snprintf(at,
			    sizeof(at), "@%s", empty), at), "https://h/") ==
			    QGET_OK && o.has_data && o.data_len == 0);
			CHECK("-d @FILE: a missing file refused, named",
			    P("-d", "@/nonexistent/x", "https://h/") ==
			    QGET_E_USAGE && strstr(msg, "/nonexistent/x") &&
			    strstr(msg, "No such file") &&
			    P("-d", "@", "https://h/") == QGET_E_USAGE);
			snprintf(at, sizeof(at), "@%s", fmt);
			CHECK("-w @FILE: the format read in",
			    P("-w", at, "https://h/") == QGET_OK &&
			    strcmp(o.writeout, "%{http_code} %{url}\n") == 0);
			snprintf(at, sizeof(at), "@%s", nul);
			CHECK("-w @FILE: a NUL byte refused",
			    P("-w", at, "https://h/") == QGET_E_USAGE &&
			    P("-w", "@/nonexistent/x", "https://h/") ==
			    QGET_E_USAGE && P("-w", "@", "https://h/") ==
			    QGET_E_USAGE);
			argv[0] = "qget";
			argv[1] = "-d";
			argv[2] = "@-";
			argv[3] = "https://h/";
			argv[4] = NULL;
			CHECK("-d @-: standard input, CR and LF stripped",
			    parse_with_stdin(file, &o, msg, sizeof(msg), 4,
			    argv) == QGET_OK && o.data_len == 5 &&
			    memcmp(o.data, "abc\0d", 5) == 0);
			argv[1] = "-w";
			CHECK("-w @-: the format from standard input",
			    parse_with_stdin(fmt, &o, msg, sizeof(msg), 4,
			    argv) == QGET_OK &&
			    strcmp(o.writeout, "%{http_code} %{url}\n") == 0);
			argv[1] = "--data-binary";
			argv[3] = "-T";
			argv[4] = "-";
			argv[5] = "https://h/";
			argv[6] = NULL;
			CHECK("stdin feeds one option only",
			    parse_with_stdin(empty, &o, msg, sizeof(msg), 6,
			    argv) == QGET_E_USAGE &&
			    strstr(msg, "standard input"));
			remove(file);
			remove(fmt);
			remove(empty);
			remove(nul);
		}
		rmdir(dir);
	}
	CHECK("-T - and --raw both on stdin refused",
	    P("--raw", "-T", "-", "h", "1") == QGET_E_USAGE);

	/* ---- -w, --stats ---- */
	CHECK("-w json is %{json} and a newline", P("-w", "json",
	    "https://h/") == QGET_OK && strcmp(o.writeout, "%{json}\n") == 0);
	CHECK("-w FORMAT kept verbatim (fetch checks it)",
	    P("-w", "%{http_code}\\n%{nope}", "https://h/") == QGET_OK &&
	    strcmp(o.writeout, "%{http_code}\\n%{nope}") == 0);
	CHECK("-w twice: the last wins", P("-w", "a", "-w", "b",
	    "https://h/") == QGET_OK && strcmp(o.writeout, "b") == 0);
	CHECK("--stats without -w", P("--stats", "s.json", "https://h/") ==
	    QGET_OK && strcmp(o.stats_file, "s.json") == 0 &&
	    o.writeout == NULL && P("--stats", "", "https://h/") ==
	    QGET_E_USAGE);

	/* ---- the meter and messages ---- */
	CHECK("-s, -S, --no-progress-meter, --progress, -#",
	    P("-s", "https://h/") == QGET_OK && o.silent && !o.show_error &&
	    P("-S", "https://h/") == QGET_OK && o.show_error && !o.silent &&
	    P("--no-progress-meter", "https://h/") == QGET_OK &&
	    o.no_progress && P("--progress=no", "https://h/") == QGET_OK &&
	    o.no_progress && P("--progress=no", "--progress",
	    "https://h/") == QGET_OK && !o.no_progress &&
	    P("--progress=maybe", "https://h/") == QGET_E_USAGE &&
	    P("-#", "https://h/") == QGET_OK && o.progress_bar &&
	    P("--progress-bar", "https://h/") == QGET_OK && o.progress_bar);
	CHECK("--parallel-max", P("--parallel-max", "10", "h", "1") ==
	    QGET_OK && o.parallel_max == 10 && P("--parallel-max", "65535",
	    "h", "1") == QGET_OK && o.parallel_max == 65535);
	CHECK("--parallel-max 0, 65536 and junk refused",
	    P("--parallel-max", "0", "h", "1") == QGET_E_USAGE &&
	    P("--parallel-max", "1x", "h", "1") == QGET_E_USAGE &&
	    P("--parallel-max", "65536", "h", "1") == QGET_E_USAGE);
	CHECK("--max-filesize: bytes and 1024-based suffixes",
	    P("--max-filesize", "10", "https://h/") == QGET_OK &&
	    o.max_filesize == 10 && P("--max-filesize", "1k", "https://h/") ==
	    QGET_OK && o.max_filesize == 1024 && P("--max-filesize", "2M",
	    "https://h/") == QGET_OK && o.max_filesize == 2u << 20 &&
	    P("--max-filesize", "3g", "https://h/") == QGET_OK &&
	    o.max_filesize == 3ull << 30 && P("--max-filesize", "1T",
	    "https://h/") == QGET_OK && o.max_filesize == 1ull << 40 &&
	    P("--max-filesize", "0", "https://h/") == QGET_OK &&
	    o.max_filesize == 0);
	CHECK("--max-filesize: bad sizes refused",
	    P("--max-filesize", "1.5M", "https://h/") == QGET_E_USAGE &&
	    P("--max-filesize", "1KB", "https://h/") == QGET_E_USAGE &&
	    P("--max-filesize", "k", "https://h/") == QGET_E_USAGE &&
	    P("--max-filesize", "-1", "https://h/") == QGET_E_USAGE &&
	    P("--max-filesize", "9999999T", "https://h/") == QGET_E_USAGE &&
	    P("--max-filesize", "99999999999999999999", "https://h/") ==
	    QGET_E_USAGE);

	/* ---- retries ---- */
	CHECK("--retry and its companions",
	    P("--retry", "3", "--retry-delay", "1.5", "--retry-max-time", "10",
	    "--retry-all-errors", "--retry-connrefused", "https://h/") ==
	    QGET_OK && o.retry == 3 && o.retry_delay_set &&
	    o.retry_delay_ms == 1500 && o.retry_max_time_ms == 10000 &&
	    o.retry_all_errors && o.retry_connrefused);
	CHECK("--retry defaults", P("https://h/") == QGET_OK && o.retry == 0 &&
	    !o.retry_delay_set && o.retry_max_time_ms == 0 &&
	    !o.retry_all_errors && !o.retry_connrefused);
	CHECK("--retry: bad numbers refused",
	    P("--retry", "-1", "https://h/") == QGET_E_USAGE &&
	    P("--retry", "x", "https://h/") == QGET_E_USAGE &&
	    P("--retry-delay", "1s", "https://h/") == QGET_E_USAGE &&
	    P("--retry-max-time", "-3", "https://h/") == QGET_E_USAGE);

	/* ---- --resolve, --connect-to ---- */
	CHECK("--resolve HOST:PORT:ADDR",
	    P("--resolve", "h:443:127.0.0.1", "--resolve", "*:4433:[::1]",
	    "--resolve", "g:1:::2", "--resolve", "+[::3]:2:10.0.0.1",
	    "https://h/") == QGET_OK && o.nresolve == 4 &&
	    strcmp(o.resolve[0].host, "h") == 0 &&
	    strcmp(o.resolve[0].port, "443") == 0 &&
	    strcmp(o.resolve[0].addr, "127.0.0.1") == 0 &&
	    strcmp(o.resolve[1].host, "*") == 0 &&
	    strcmp(o.resolve[1].addr, "::1") == 0 &&
	    strcmp(o.resolve[2].addr, "::2") == 0 &&
	    strcmp(o.resolve[3].host, "::3") == 0 &&
	    strcmp(o.resolve[3].addr, "10.0.0.1") == 0);
	CHECK("--resolve: bad entries refused",
	    P("--resolve", "h:443", "https://h/") == QGET_E_USAGE &&
	    strstr(msg, "HOST:PORT:ADDRESS") &&
	    P("--resolve", "h:0:1.2.3.4", "https://h/") == QGET_E_USAGE &&
	    P("--resolve", ":1:1.2.3.4", "https://h/") == QGET_E_USAGE &&
	    P("--resolve", "h:1:example.org", "https://h/") == QGET_E_USAGE &&
	    P("--resolve", "h:1:1.2.3.4,5.6.7.8", "https://h/") ==
	    QGET_E_USAGE && strstr(msg, "one address") &&
	    P("--resolve", "-h:1", "https://h/") == QGET_E_USAGE &&
	    P("--resolve", "h:1:", "https://h/") == QGET_E_USAGE &&
	    P("--resolve", "a b:1:1.2.3.4", "https://h/") == QGET_E_USAGE);
	CHECK("--connect-to HOST1:PORT1:HOST2:PORT2",
	    P("--connect-to", "h:443:g:4433", "--connect-to", "::[::1]:",
	    "--connect-to", ":::", "https://h/") == QGET_OK &&
	    o.nconnect_to == 3 && strcmp(o.connect_to[0].host, "h") == 0 &&
	    strcmp(o.connect_to[0].port, "443") == 0 &&
	    strcmp(o.connect_to[0].to_host, "g") == 0 &&
	    strcmp(o.connect_to[0].to_port, "4433") == 0 &&
	    o.connect_to[1].host[0] == '\0' && o.connect_to[1].port[0] == '\0' &&
	    strcmp(o.connect_to[1].to_host, "::1") == 0 &&
	    o.connect_to[1].to_port[0] == '\0');
	CHECK("--connect-to: bad entries refused",
	    P("--connect-to", "h:443:g", "https://h/") == QGET_E_USAGE &&
	    P("--connect-to", "h:x:g:1", "https://h/") == QGET_E_USAGE &&
	    P("--connect-to", "h:1:g:1:x", "https://h/") == QGET_E_USAGE &&
	    P("--connect-to", "h:1:[g]:1", "https://h/") == QGET_E_USAGE &&
	    P("--connect-to", "h:1:g:65536", "https://h/") == QGET_E_USAGE);
	{
		char *argv[80];
		int argc = 0;

		argv[argc++] = "qget";
		for (int i = 0; i < 33; i++) {
			argv[argc++] = "--resolve";
			argv[argc++] = "h:1:127.0.0.1";
		}
		argv[argc++] = "https://h/";
		argv[argc] = NULL;
		CHECK("--resolve: 33 entries refused", parse_argv(&o, argc,
		    argv, msg, sizeof(msg)) == QGET_E_USAGE &&
		    strstr(msg, "32"));
		argv[argc - 3] = "https://h/";
		argv[argc - 2] = NULL;
		CHECK("--resolve: 32 entries taken", parse_argv(&o, argc - 2,
		    argv, msg, sizeof(msg)) == QGET_OK && o.nresolve == 32);
	}

	/* ---- local end ---- */
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
	CHECK("args: bad ALPN list", P("--alpn", ",x", "h", "1") ==
	    QGET_E_USAGE);
	CHECK("args: --ciphers and --tls13-ciphers", P("--tls13-ciphers",
	    "TLS_AES_128_GCM_SHA256", "h", "1") == QGET_OK &&
	    strcmp(o.ciphers, "TLS_AES_128_GCM_SHA256") == 0 &&
	    P("--ciphers", "NOPE", "h", "1") == QGET_E_USAGE);
	CHECK("args: --help", P("--help") == QGET_OK && o.help &&
	    P("-h", "--bogus-after") == QGET_OK && o.help);
	CHECK("args: --version and -V", P("--version") == QGET_OK &&
	    o.version && P("-V") == QGET_OK && o.version);
	CHECK("args: parsing twice gives the same result",
	    P("-6", "h", "2") == QGET_OK && P("-6", "h", "2") == QGET_OK &&
	    o.family == QGET_FAMILY_IPV6);

	/* ---- --probe ---- */
	CHECK("--probe URL or HOST PORT", P("--probe", "https://h:4433/") ==
	    QGET_OK && o.probe && o.nurls == 1 && P("--probe", "h", "1") ==
	    QGET_OK && o.probe && o.legacy && P("h", "1", "--probe", "-w",
	    "json") == QGET_OK && o.probe && o.writeout != NULL);
	CHECK("--probe: one server, no output or body",
	    P("--probe", "https://h/", "https://g/") == QGET_E_USAGE &&
	    P("--probe", "h", "1", "/x") == QGET_E_USAGE &&
	    P("--probe", "-o", "f", "https://h/") == QGET_E_USAGE &&
	    P("--probe", "-d", "x", "https://h/") == QGET_E_USAGE &&
	    P("--probe", "--raw", "h", "1") == QGET_E_USAGE);

	/* ---- -H and hq-interop ---- */
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
	CHECK("header: @file refused with a hint", P("-H", "@hdrs.txt", "h",
	    "1") == QGET_E_USAGE && strstr(msg, "from a file"));
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
		CHECK("header: 65 -H refused", parse_argv(&o, argc, argv, msg,
		    sizeof(msg)) == QGET_E_USAGE);
		argc -= 4;
		argv[argc++] = "h";
		argv[argc++] = "1";
		argv[argc] = NULL;
		CHECK("header: 64 -H taken", parse_argv(&o, argc, argv, msg,
		    sizeof(msg)) == QGET_OK && o.nheaders == 64);
	}
	{
		static char big[5000];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "X-Big: ", 7);
		CHECK("header: 8 KiB of -H in all, not more",
		    P("-H", big, "h", "1") == QGET_OK &&
		    P("-H", big, "-H", big, "h", "1") == QGET_E_USAGE &&
		    strstr(msg, "8192") != NULL);
		CHECK("header: -A and -e count too",
		    P("-H", big, "-A", big + 2000, "h", "1") == QGET_OK &&
		    P("-H", big, "-A", big, "h", "1") == QGET_E_USAGE &&
		    P("-e", big, "-A", big, "h", "1") == QGET_E_USAGE);
	}
	CHECK("hq-interop alone refuses -I, -H, -f",
	    P("--alpn", "hq-interop", "-I", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-H", "X-A: 1", "h", "1") ==
	    QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-f", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop,http/1.0", "-f", "h", "1") == QGET_OK);
	CHECK("hq-interop refuses -d, -T, -X, -A, -e, -L, -C, --fail-with-body",
	    P("--alpn", "hq-interop", "-d", "x", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-T", "f", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-X", "GET", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-A", "a", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-e", "r", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-L", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "-C", "5", "h", "1") == QGET_E_USAGE &&
	    P("--alpn", "hq-interop", "--fail-with-body", "h", "1") ==
	    QGET_E_USAGE && strstr(msg, "hq-interop") &&
	    P("--alpn", "hq-interop", "-O", "h", "1", "/f") == QGET_OK);
	CHECK("-I: HEAD, and the head is printed", P("-I", "h", "1") ==
	    QGET_OK && o.head && o.include);
	CHECK("-f and --fail", P("-f", "h", "1") == QGET_OK && o.fail &&
	    P("--fail", "h", "1") == QGET_OK && o.fail);
	tool_free_args(&o);
	tool_free_args(&o);
	return CHECK_DONE();
}
