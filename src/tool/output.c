#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "output.h"

/* As many links as Linux follows in one lookup (MAXSYMLINKS). */
#define OUT_MAX_LINKS 40

static qget_status
out_fail(char *msg, size_t msglen, const char *what, const char *name)
{
	snprintf(msg, msglen, "%s %s: %s", what, name, strerror(errno));
	return errno == EINTR ? QGET_E_INTERRUPTED : QGET_E_OUTPUT;
}

static int
is_stdout(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

static int
names_directory(const char *path)
{
	size_t len = strlen(path);

	return len > 0 && path[len - 1] == '/';
}

/* Is the link cur one of /proc's (/dev/stdout is /proc/self/fd/1)?  Those
 * name an open file, not a path: "pipe:[1234]" is no file name. */
static int
in_procfs(const char *cur)
{
	const char *slash = strrchr(cur, '/');
	struct statfs sf;
	char dir[PATH_MAX];

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - cur) + 2 > sizeof(dir))
		return 0;
	else
		snprintf(dir, sizeof(dir), "%.*s/", (int)(slash - cur), cur);
	return statfs(dir, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/*
 * Follows the symbolic links of path's last component to the name that
 * really gets written, which may not exist yet (a dangling link).  The
 * links are followed here rather than by open(2) because the temporary
 * file must go beside the target, and the rename onto the target, or the
 * link itself would be replaced by a regular file.  *st is that name's
 * lstat(), with st_mode 0 when it does not exist.  *proc is set when
 * the walk stops at a link of /proc's (*target), which only open(2) can
 * follow.
 */
static qget_status
resolve_target(const char *path, char **target, struct stat *st, int *proc,
    char *msg, size_t msglen)
{
	char link[PATH_MAX];
	char *cur, *next = NULL;
	qget_status rv = QGET_E_OUTPUT;
	ssize_t n;
	int hops;

	*target = NULL;
	*proc = 0;
	if ((cur = strdup(path)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	for (hops = 0;; hops++) {
		const char *slash;
		size_t dirlen;

		if (lstat(cur, st) == -1) {
			if (errno != ENOENT) {
				rv = out_fail(msg, msglen, "cannot write to",
				    cur);
				goto out;
			}
			memset(st, 0, sizeof(*st));
			break;
		}
		if (!S_ISLNK(st->st_mode) || (*proc = in_procfs(cur)))
			break;
		if (hops == OUT_MAX_LINKS) {
			errno = ELOOP;
			rv = out_fail(msg, msglen, "cannot write to", path);
			goto out;
		}
		if ((n = readlink(cur, link, sizeof(link) - 1)) == -1) {
			rv = out_fail(msg, msglen, "cannot read link", cur);
			goto out;
		}
		link[n] = '\0';
		/* A relative link is relative to the link's directory. */
		slash = strrchr(cur, '/');
		dirlen = link[0] == '/' || slash == NULL ? 0 :
		    (size_t)(slash - cur) + 1;
		if ((next = malloc(dirlen + (size_t)n + 1)) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		memcpy(next, cur, dirlen);
		memcpy(next + dirlen, link, (size_t)n + 1);
		free(cur);
		cur = next;
		next = NULL;
	}
	*target = cur;
	cur = NULL;
	rv = QGET_OK;
out:
	free(cur);
	return rv;
}

qget_status
out_check(const char *path, char *msg, size_t msglen)
{
	struct stat st;

	if (is_stdout(path))
		return QGET_OK;
	/* stat() follows links: a link to a directory is a directory. */
	if (names_directory(path) ||
	    (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		snprintf(msg, msglen, "-o: '%s' is a directory; name a file "
		    "in it, or use -O with --output-dir DIR", path);
		return QGET_E_USAGE;
	}
	return QGET_OK;
}

/* A device or FIFO: written where it is, without O_TRUNC (which a FIFO
 * ignores and a device may not), and never renamed over. */
static qget_status
open_in_place(struct tool_out *o, char *msg, size_t msglen)
{
	struct stat st;

	/* O_NOFOLLOW and the fstat: what we open is what we looked at. */
	o->fd = open(o->target, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (o->fd == -1)
		return out_fail(msg, msglen, "cannot open", o->path);
	if (fstat(o->fd, &st) == -1)
		return out_fail(msg, msglen, "cannot write to", o->path);
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen, "cannot write to %s: it changed while "
		    "being opened", o->path);
		return QGET_E_OUTPUT;
	}
	o->in_place = 1;
	/* A FIFO's writes must not block qget's connection while its reader
	 * is behind (fetch.c waits for it with poll() and looks after the
	 * connection meanwhile; out_write() waits as well).  O_NONBLOCK
	 * only after the open, which waits for a reader, and harmless to
	 * others: the open file description is ours alone. */
	if (S_ISFIFO(st.st_mode)) {
		int fl = fcntl(o->fd, F_GETFL);

		if (fl != -1)
			(void)fcntl(o->fd, F_SETFL, fl | O_NONBLOCK);
	}
	return QGET_OK;
}

/*
 * /dev/stdout, /dev/fd/N: what the descriptor is open on (a pipe, a
 * terminal, a file), opened by the kernel and written in place, appended
 * to so that a file a shell opened with >> keeps what it had.  Our own
 * stdout is simply stdout, sharing its offset with -w json.
 */
static qget_status
open_proc(struct tool_out *o, char *msg, size_t msglen)
{
	struct stat st, out;

	o->fd = open(o->target, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
	if (o->fd == -1)
		return out_fail(msg, msglen, "cannot open", o->path);
	if (fstat(o->fd, &st) == -1)
		return out_fail(msg, msglen, "cannot write to", o->path);
	if (fstat(STDOUT_FILENO, &out) == 0 && st.st_dev == out.st_dev &&
	    st.st_ino == out.st_ino) {
		close(o->fd);
		free(o->target);
		o->target = NULL;
		o->fd = STDOUT_FILENO;
		o->path = NULL;
		return QGET_OK;
	}
	o->in_place = 1;
	return QGET_OK;
}

/* A new file, or one replacing a regular file: a temporary beside the
 * target, given the mode (and owner) the final file must have. */
static qget_status
open_temporary(struct tool_out *o, const struct stat *old, char *msg,
    size_t msglen)
{
	size_t len = strlen(o->target) + sizeof(".qget-XXXXXX");
	mode_t mask, mode;

	if ((o->tmp = malloc(len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_OUTPUT;
	}
	snprintf(o->tmp, len, "%s.qget-XXXXXX", o->target);
	if ((o->fd = mkostemp(o->tmp, O_CLOEXEC)) == -1) {
		qget_status rv = out_fail(msg, msglen, "cannot create",
		    o->tmp);

		free(o->tmp);
		o->tmp = NULL;
		return rv;
	}
	if (old->st_mode != 0) {
		/* Root can give the file back to its owner.  Others keep the
		 * group where they belong to it, and lose nothing when not:
		 * the file becomes theirs, as after cp. */
		if (geteuid() == 0) {
			if (fchown(o->fd, old->st_uid, old->st_gid) == -1)
				return out_fail(msg, msglen, "cannot chown",
				    o->tmp);
		} else if (old->st_gid != getegid()) {
			(void)fchown(o->fd, (uid_t)-1, old->st_gid);
		}
		/* Set-ID bits belonged to the old program, not to what we
		 * download. */
		mode = old->st_mode & 0777;
	} else {
		/* mkstemp makes 0600; the file gets what creat() would. */
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (fchmod(o->fd, mode) == -1)
		return out_fail(msg, msglen, "cannot chmod", o->tmp);
	return QGET_OK;
}

qget_status
out_open(struct tool_out *o, const char *path, char *msg, size_t msglen)
{
	struct stat st;
	qget_status rv;
	int proc;

	memset(o, 0, sizeof(*o));
	o->fd = STDOUT_FILENO;
	if (is_stdout(path))
		return QGET_OK;
	o->fd = -1;
	o->path = path;
	if (names_directory(path)) {
		errno = EISDIR;
		rv = out_fail(msg, msglen, "cannot write to", path);
		goto out;
	}
	if ((rv = resolve_target(path, &o->target, &st, &proc, msg,
	    msglen)) != QGET_OK)
		goto out;
	if (proc) {
		rv = open_proc(o, msg, msglen);
	} else if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		rv = out_fail(msg, msglen, "cannot write to", path);
	} else if (st.st_mode == 0 || S_ISREG(st.st_mode)) {
		rv = open_temporary(o, &st, msg, msglen);
	} else {
		rv = open_in_place(o, msg, msglen);
	}
out:
	/* The callers skip out_close() when out_open() fails. */
	if (rv != QGET_OK) {
		out_abort(o);
		out_close(o);
	}
	return rv;
}

qget_status
out_open_resume(struct tool_out *o, const char *path, uint64_t *size,
    char *msg, size_t msglen)
{
	struct stat st;
	qget_status rv;
	int proc;
	mode_t mask;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->path = path;
	if ((rv = resolve_target(path, &o->target, &st, &proc, msg,
	    msglen)) != QGET_OK)
		goto out;
	if (proc || (st.st_mode != 0 && !S_ISREG(st.st_mode))) {
		snprintf(msg, msglen, "-C: %s is not a regular file: only a "
		    "file can be resumed", path);
		rv = QGET_E_USAGE;
		goto out;
	}
	mask = umask(0);
	umask(mask);
	o->fd = open(o->target, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY |
	    O_NOFOLLOW | O_CLOEXEC, 0666 & ~mask);
	if (o->fd == -1 || fstat(o->fd, &st) == -1) {
		rv = out_fail(msg, msglen, "cannot open", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "cannot write to %s: it changed while "
		    "being opened", path);
		rv = QGET_E_OUTPUT;
		goto out;
	}
	*size = (uint64_t)st.st_size;
	/* Kept on failure: the user asked to go on from it. */
	o->in_place = 1;
	rv = QGET_OK;
out:
	if (rv != QGET_OK) {
		out_abort(o);
		out_close(o);
	}
	return rv;
}

qget_status
out_make_dirs(const char *path, char *msg, size_t msglen)
{
	char *copy = strdup(path), *p;
	qget_status rv = QGET_OK;
	struct stat st;

	if (copy == NULL) {
		snprintf(msg, msglen, "out of memory");
		return QGET_E_NOMEM;
	}
	/* Each prefix ending before a '/', the last component excluded. */
	for (p = strchr(copy + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(copy, 0750) == -1 && errno != EEXIST) {
			rv = out_fail(msg, msglen, "cannot create folder",
			    copy);
			goto out;
		}
		if (stat(copy, &st) == -1 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rv = out_fail(msg, msglen, "cannot create folder",
			    copy);
			goto out;
		}
		*p = '/';
	}
out:
	free(copy);
	return rv;
}

qget_status
out_write(struct tool_out *o, const void *buf, size_t n, char *msg,
    size_t msglen)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(o->fd, p, n);

		/* A FIFO open_in_place() made non-blocking: wait. */
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = o->fd, .events = POLLOUT };

			if (poll(&pfd, 1, -1) >= 0)
				continue;
		}
		/* EINTR only comes from a stop signal (SIGINT, SIGTERM)
		 * while a FIFO or pipe is full: retrying would ignore it. */
		if (w < 0)
			return out_fail(msg, msglen, "cannot write",
			    o->path ? o->path : "to stdout");
		p += w;
		n -= (size_t)w;
		o->written += (uint64_t)w;
	}
	return QGET_OK;
}

qget_status
out_commit(struct tool_out *o, char *msg, size_t msglen)
{
	qget_status rv;
	int fd = o->fd;

	if (o->path == NULL)
		return QGET_OK;
	o->fd = -1;
	if (o->in_place) {
		if (close(fd) == -1)
			return out_fail(msg, msglen, "cannot write",
			    o->path);
		return QGET_OK;
	}
	/* Errors of delayed writes (NFS, quota) surface at fsync/close. */
	if (fsync(fd) == -1 && errno != EINVAL) {
		rv = out_fail(msg, msglen, "cannot write", o->path);
		close(fd);
		goto out;
	}
	if (close(fd) == -1) {
		rv = out_fail(msg, msglen, "cannot write", o->path);
		goto out;
	}
	if (rename(o->tmp, o->target) == -1) {
		rv = out_fail(msg, msglen, "cannot rename to", o->target);
		goto out;
	}
	free(o->tmp);
	o->tmp = NULL;
	rv = QGET_OK;
out:
	if (rv != QGET_OK)
		out_abort(o);
	return rv;
}

void
out_abort(struct tool_out *o)
{
	if (o->path == NULL)
		return;
	if (o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	if (o->tmp != NULL)
		unlink(o->tmp);
}

void
out_close(struct tool_out *o)
{
	if (o->path != NULL && o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	free(o->target);
	o->target = NULL;
}
