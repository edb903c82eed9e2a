#ifndef QGET_TOOL_OUTPUT_H
#define QGET_TOOL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "qget.h"

/*
 * Where the payload goes: stdout ("-o -" or no -o), or a file.
 *
 * A new file or an existing regular file appears under its final name
 * only when the download is complete: it is written to a temporary file
 * in the same directory and renamed by out_commit().  An existing file
 * keeps its permission bits (never set-user/group-ID) and, when we may,
 * its owner and group.  A symbolic link is followed: its target is
 * written that way, and the link stays a link; a dangling link creates
 * its target, as open(2) with O_CREAT would.  Anything else that exists
 * (a character or block device, a FIFO) is opened and written in place,
 * since renaming over it would destroy it; a failure there cannot be
 * undone, only reported.  So is what a link of /proc names (/dev/stdout,
 * /dev/fd/N: a pipe has no path), appended to; qget's own stdout is
 * just stdout.
 */
struct tool_out {
	int fd;
	const char *path;  /* the name given; NULL for stdout */
	char *target;      /* path with its symbolic links followed */
	char *tmp;         /* temporary name while writing; NULL in place */
	int in_place;      /* a device or FIFO, written directly */
	uint64_t written;
};

/*
 * What can be said about -o PATH before connecting: QGET_E_USAGE (msg
 * says why) when PATH is, or names, a directory; QGET_OK otherwise, and
 * for NULL or "-" (stdout).  Other problems surface at out_open().
 */
qget_status out_check(const char *path, char *msg, size_t msglen);
/* path NULL or "-" is stdout.  Returns QGET_OK, QGET_E_OUTPUT or
 * QGET_E_INTERRUPTED (a signal while waiting for a FIFO's reader); msg
 * says why. */
qget_status out_open(struct tool_out *o, const char *path, char *msg,
    size_t msglen);
/*
 * -C: the file the user asked to resume, written where it is (appended
 * to, created when missing, never truncated nor renamed), so that what
 * arrives is kept even when the transfer fails.  *size gets its current
 * length.  Only a regular file (or none yet) can be resumed.
 */
qget_status out_open_resume(struct tool_out *o, const char *path,
    uint64_t *size, char *msg, size_t msglen);
/* --create-dirs: makes the folders leading to path (mode 0750, as curl),
 * leaving the existing ones as they are. */
qget_status out_make_dirs(const char *path, char *msg, size_t msglen);
/* QGET_E_INTERRUPTED when a signal interrupts a blocked write (a FIFO or
 * pipe nobody reads): qget's only handlers are those that stop it. */
qget_status out_write(struct tool_out *o, const void *buf, size_t n,
    char *msg, size_t msglen);
/* Flushes to disk and renames into place (closes a device or FIFO). */
qget_status out_commit(struct tool_out *o, char *msg, size_t msglen);
/* Removes the temporary file (closes a device or FIFO); async-signal-safe,
 * so that a signal handler may call it too. */
void out_abort(struct tool_out *o);
/* Frees what out_open allocated (after commit or abort). */
void out_close(struct tool_out *o);

#endif
