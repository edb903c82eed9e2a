/*
 * The tool's messages and exit codes: -v lines, the one failure line, and
 * the exit code a status (or a signal) makes.  Everything the peer said
 * is escaped before it reaches the terminal.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "progress.h"
#include "report.h"
#include "writeout.h"

volatile sig_atomic_t tool_stop_signal;
int tool_quiet_errors;

/* The arguments may be the peer's (a reason phrase): the whole line is
 * formatted first, then escaped. */
void
tool_verbose(const struct tool_opts *o, const char *fmt, ...)
{
	char stackbuf[1024], *line = stackbuf;
	va_list ap;
	int n;

	if (!o->verbose)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(stackbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof(stackbuf)) {
		/* A long path: format again in a buffer that fits it. */
		if ((line = malloc((size_t)n + 1)) == NULL) {
			line = stackbuf;
			n = (int)sizeof(stackbuf) - 1;
		} else {
			va_start(ap, fmt);
			vsnprintf(line, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	tool_escape_line(stderr, "* ", line, (size_t)n);
out:
	if (line != stackbuf)
		free(line);
}

int
tool_exit_code(qget_status st)
{
	if (st == QGET_E_INTERRUPTED && tool_stop_signal != 0)
		return 128 + tool_stop_signal;
	return qget_status_exit_code(st);
}

double
tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What to try next, for the failures whose cure is an option. */
static const char *
hint(qget_status st)
{
	switch (st) {
	case QGET_E_VERIFY:
		return "if the server's CA is a private one, trust it with "
		    "--cacert FILE (or --capath DIR); -k skips verification, "
		    "which is insecure";
	case QGET_E_ALPN:
		return "--alpn LIST offers other protocols, e.g. --alpn "
		    "hq-interop for a QUIC interop runner's server";

	default:
		return NULL;
	}
}

/* The one place that prints a failure: "qget: (N) detail"; -w reports
 * the same text. */
qget_status
tool_report(struct tool_xfer_stats *xs, struct progress *meter,
    qget_status st, const char *detail)
{
	char text[512];

	if (meter != NULL)
		progress_end(meter);
	if (st == QGET_E_INTERRUPTED && tool_stop_signal != 0)
		snprintf(text, sizeof(text), "interrupted by %s",
		    tool_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	else if (detail[0] != '\0')
		/* Details quote the peer (reason phrases, close reasons):
		 * escaped once here, for stderr and -w alike. */
		tool_escape(text, sizeof(text), detail, strlen(detail));
	else
		snprintf(text, sizeof(text), "%s", qget_status_str(st));
	if (xs != NULL) {
		tool_stats_set(&xs->errormsg, text, strlen(text));
		xs->exitcode = tool_exit_code(st);
	}
	if (!tool_quiet_errors) {
		fprintf(stderr, "qget: (%d) %s\n", tool_exit_code(st), text);
		if (hint(st) != NULL)
			fprintf(stderr, "qget: hint: %s\n", hint(st));
	}
	return st;
}
