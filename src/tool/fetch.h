#ifndef QGET_TOOL_FETCH_H
#define QGET_TOOL_FETCH_H

#include "options.h"
#include "output.h"
#include "report.h"

/*
 * Fetches every path of `o` from o->host:o->port over one connection and
 * writes each body (with -i also its head) to stdout, -o FILE or -O DIR.
 * Reports failures on stderr and returns the status that decides the exit
 * code: the worst outcome.
 */
qget_status tool_fetch(const struct tool_opts *o);

#endif
