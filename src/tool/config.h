#ifndef QGET_TOOL_CONFIG_H
#define QGET_TOOL_CONFIG_H

#include "options.h"

#include "qget.h"

/* A library configuration for the options `o` (ALPN, trust, timeouts,
 * session, local address, ...).  Returns QGET_OK and *out, or the
 * library's status for an option it refused. */
qget_status tool_make_config(const struct tool_opts *o, qget_config **out);

#endif
