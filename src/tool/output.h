#ifndef QGET_TOOL_OUTPUT_H
#define QGET_TOOL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "qget.h"

/*
 * Where the payload goes: stdout, or a file that appears under its final
 * name only when the download is complete (written to a temporary file in
 * the same directory, renamed by out_commit()).
 */
struct tool_out {
	int fd;
	const char *path;  /* final name; NULL for stdout */
	char *tmp;         /* temporary name while writing */
	uint64_t written;
};

/* Returns QGET_OK or QGET_E_OUTPUT (msg says why). */
qget_status out_open(struct tool_out *o, const char *path, char *msg,
    size_t msglen);
qget_status out_write(struct tool_out *o, const void *buf, size_t n,
    char *msg, size_t msglen);
/* Flushes to disk and renames into place. */
qget_status out_commit(struct tool_out *o, char *msg, size_t msglen);
/* Removes the temporary file; async-signal-safe, so that a signal handler
 * may call it too. */
void out_abort(struct tool_out *o);
/* Frees what out_open allocated (after commit or abort). */
void out_close(struct tool_out *o);

#endif
