#ifndef QGET_TOOL_PROBE_H
#define QGET_TOOL_PROBE_H

#include "options.h"

/*
 * --probe: what the endpoint of o's first URL does, as one report on
 * stdout (human-readable, or one JSON object with -w json): each address
 * and its handshake, the QUIC version, the ALPNs it accepts, whether it
 * sends a Retry, issues session tickets and resumes them, the cipher
 * suite, the certificate chain with its names and expiry, the idle
 * timeout and stream limits it announces, and an HTTP response's
 * Alt-Svc.  Returns QGET_OK when the endpoint is healthy (an address
 * completed a verified handshake and answered), else the first failure's
 * status.
 */
qget_status tool_probe(const struct tool_opts *o);

#endif
