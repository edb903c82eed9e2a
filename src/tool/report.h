#ifndef QGET_TOOL_REPORT_H
#define QGET_TOOL_REPORT_H

#include <signal.h>

#include "options.h"

#include "qget.h"

/* Set by the tool's signal handler: the signal number that asked us to
 * stop, or 0. */
extern volatile sig_atomic_t tool_stop_signal;

struct tool_xfer_stats;
struct progress;

/* -s without -S: failures are not printed (curl's -s); their exit codes
 * and -w's %{errormsg} still tell. */
extern int tool_quiet_errors;

/* -v lines on stderr ("* ..."), escaped. */
void tool_verbose(const struct tool_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Seconds on the monotonic clock. */
double tool_now(void);

/* The one place that prints a failure, "qget: (N) detail", and keeps it
 * (escaped) in xs->errormsg and xs->exitcode for -w, when xs is not NULL.
 * Returns st. */
qget_status tool_report(struct tool_xfer_stats *xs, struct progress *meter,
    qget_status st, const char *detail);

/* The exit code for a status: the table's, but 128 + the signal for an
 * interruption. */
int tool_exit_code(qget_status st);

#endif
