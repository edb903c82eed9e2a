#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

static qget_status
out_fail(char *msg, size_t msglen, const char *what, const char *name)
{
	snprintf(msg, msglen, "%s %s: %s", what, name, strerror(errno));
	return QGET_E_OUTPUT;
}

qget_status
out_open(struct tool_out *o, const char *path, char *msg, size_t msglen)
{
	mode_t mask;
	size_t len;

	memset(o, 0, sizeof(*o));
	o->fd = STDOUT_FILENO;
	if (path == NULL)
		return QGET_OK;
	o->path = path;
	len = strlen(path) + sizeof(".qget-XXXXXX");
	if ((o->tmp = malloc(len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_OUTPUT;
	}
	snprintf(o->tmp, len, "%s.qget-XXXXXX", path);
	if ((o->fd = mkstemp(o->tmp)) == -1) {
		qget_status rv = out_fail(msg, msglen, "cannot create", o->tmp);

		free(o->tmp);
		o->tmp = NULL;
		return rv;
	}
	/* mkstemp makes 0600; the final file gets what creat() would. */
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) == -1) {
		qget_status rv = out_fail(msg, msglen, "cannot chmod", o->tmp);

		out_abort(o);
		return rv;
	}
	return QGET_OK;
}

qget_status
out_write(struct tool_out *o, const void *buf, size_t n, char *msg,
    size_t msglen)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return out_fail(msg, msglen, "cannot write",
			    o->path ? o->tmp : "to stdout");
		}
		p += w;
		n -= (size_t)w;
		o->written += (uint64_t)w;
	}
	return QGET_OK;
}

qget_status
out_commit(struct tool_out *o, char *msg, size_t msglen)
{
	int fd = o->fd;

	if (o->path == NULL)
		return QGET_OK;
	o->fd = -1;
	/* Errors of delayed writes (NFS, quota) surface at fsync/close. */
	if (fsync(fd) == -1 && errno != EINVAL) {
		close(fd);
		o->fd = -1;
		out_abort(o);
		return out_fail(msg, msglen, "cannot write", o->path);
	}
	if (close(fd) == -1) {
		out_abort(o);
		return out_fail(msg, msglen, "cannot write", o->path);
	}
	if (rename(o->tmp, o->path) == -1) {
		qget_status rv = out_fail(msg, msglen, "cannot rename to",
		    o->path);

		out_abort(o);
		return rv;
	}
	free(o->tmp);
	o->tmp = NULL;
	return QGET_OK;
}

void
out_abort(struct tool_out *o)
{
	if (o->path == NULL || o->tmp == NULL)
		return;
	if (o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	unlink(o->tmp);
}

void
out_close(struct tool_out *o)
{
	free(o->tmp);
	o->tmp = NULL;
}
