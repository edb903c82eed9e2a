/*
 * Opening files under the document root without ever escaping it.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int status_from_errno(int err)
{
    return (err == EACCES || err == EPERM) ? 403 : 404;
}

/* Is path equal to root or below it? Both are realpath() results. */
static int is_under_root(const char *root, const char *path)
{
    size_t n = strlen(root);

    if (n == 1 && root[0] == '/')
        return path[0] == '/';
    return strncmp(root, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int serve_open_file(const char *root_real, const char *rel, int *fd,
                    uint64_t *size)
{
    char joined[PATH_MAX];
    char *resolved = NULL;
    struct stat st;
    int status = 404, f = -1, n;

    *fd = -1;
    *size = 0;
    n = snprintf(joined, sizeof(joined), "%s/%s", root_real, rel);
    if (n < 0 || (size_t)n >= sizeof(joined))
        goto out;

    /* realpath() follows symlinks, so a link pointing out is caught here. */
    resolved = realpath(joined, NULL);
    if (resolved == NULL) {
        status = status_from_errno(errno);
        goto out;
    }
    if (!is_under_root(root_real, resolved)) {
        status = 403;
        goto out;
    }

    /* O_NONBLOCK so a FIFO planted in the root cannot hang the server. */
    f = open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (f < 0) {
        status = status_from_errno(errno);
        goto out;
    }
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        status = 404;
        goto out;
    }
    *fd = f;
    *size = (uint64_t)st.st_size;
    f = -1;
    status = 200;

out:
    if (f >= 0)
        close(f);
    free(resolved);
    return status;
}
