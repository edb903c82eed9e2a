/* qget: fetch URLs from QUIC servers, as curl would, on libqget. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "options.h"
#include "probe.h"
#include "report.h"

static void
on_signal(int sig)
{
	tool_stop_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	/* A closed stdout must become EPIPE on write (exit 10), not death. */
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the library's poll() must see EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct tool_opts o;
	char msg[1024];
	qget_status rv;
	int code = 0;

	/* A usage error is printed even with -s: the command itself is
	 * wrong, and the exit code alone would not say how. */
	if (tool_parse_args(argc, argv, &o, msg, sizeof(msg)) != QGET_OK) {
		fprintf(stderr, "qget: %s\n", msg);
		if (strstr(msg, "qget --help") == NULL)
			fprintf(stderr, "qget: try 'qget --help'\n");
		code = qget_status_exit_code(QGET_E_USAGE);
		goto out;
	}
	if (o.help) {
		tool_usage(stdout);
		goto out;
	}
	if (o.version) {
		printf("qget %s (%s, nghttp3 %s)\n", qget_version_str(),
		    qget_openssl_version_str(), qget_nghttp3_version_str());
		goto out;
	}
	/* curl's -s hides errors too, unless -S. */
	tool_quiet_errors = o.silent && !o.show_error;
	install_signals();
	if (o.insecure)
		fprintf(stderr, "qget: warning: --insecure: the server's "
		    "certificate and name are not verified\n");
	rv = o.probe ? tool_probe(&o) : tool_fetch(&o);
	code = tool_exit_code(rv);
out:
	tool_free_args(&o);
	return code;
}
