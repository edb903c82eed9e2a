#ifndef QGET_TOOL_SESSION_H
#define QGET_TOOL_SESSION_H

#include <stddef.h>

/*
 * --session-file: the saved TLS session (DER bytes from
 * qget_conn_get_session()).  A missing file is no session; any other
 * trouble is a warning on stderr, never a failure of the transfer.
 */

/* Loads the file into a malloc'ed *buf (NULL and 0 when there is none). */
void tool_session_load(const char *path, unsigned char **buf, size_t *len);

/* Replaces the file atomically (temporary file, then rename). */
void tool_session_save(const char *path, const unsigned char *buf,
    size_t len);

#endif
