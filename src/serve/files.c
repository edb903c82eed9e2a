/*
 * Opening files under the document root without ever escaping it.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif
#endif

/* How often a lookup that raced with a rename is tried again. */
#define OPENAT2_TRIES 8

static int status_from_errno(int err)
{
    /* EXDEV: the path leaves the root; ELOOP: a link we do not follow. */
    if (err == EACCES || err == EPERM || err == EXDEV || err == ELOOP)
        return 403;
    return 404;
}

/* O_NONBLOCK so a FIFO planted in the root cannot hang the server. */
#define SERVE_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

/*
 * Without openat2: one component at a time, none of them a symbolic link
 * (O_NOFOLLOW), so nothing swapped in meanwhile can lead out.  Stricter
 * than openat2, which follows links that stay beneath the root.
 */
static int open_walk(int rootfd, const char *rel)
{
    char comp[NAME_MAX + 1];
    const char *p = rel, *end, *rest;
    int dir = rootfd, next, f = -1, err = ENOENT;
    size_t len;

    for (;;) {
        while (*p == '/')
            p++;
        end = p + strcspn(p, "/");
        len = (size_t)(end - p);
        if (len == 0) {
            err = ENOENT;
            goto out;
        }
        if (len > NAME_MAX) {
            err = ENAMETOOLONG;
            goto out;
        }
        memcpy(comp, p, len);
        comp[len] = '\0';
        if (strcmp(comp, "..") == 0) {
            err = EXDEV;
            goto out;
        }
        for (rest = end; *rest == '/'; rest++)
            ;
        if (*rest == '\0') {
            f = openat(dir, comp, SERVE_OPEN_FLAGS | O_NOFOLLOW);
            err = errno;
            goto out;
        }
        /* O_PATH|O_NOFOLLOW on a link opens the link: O_DIRECTORY then
         * refuses it. */
        next = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
                      O_CLOEXEC);
        if (next < 0) {
            err = errno;
            goto out;
        }
        if (dir != rootfd)
            close(dir);
        dir = next;
        p = end;
    }

out:
    if (dir != rootfd)
        close(dir);
    errno = err;
    return f;
}

/*
 * Opens rel beneath rootfd in one lookup that the kernel keeps inside the
 * root however the tree changes meanwhile: resolving a path first and
 * opening it after left a window for a link swapped in between.
 */
static int open_beneath(int rootfd, const char *rel)
{
#if defined(SYS_openat2) && defined(RESOLVE_BENEATH)
    struct open_how how;
    int f = -1, i;

    memset(&how, 0, sizeof(how));
    how.flags = SERVE_OPEN_FLAGS;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (i = 0; i < OPENAT2_TRIES; i++) {
        f = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
        if (f >= 0 || errno != EAGAIN)
            break;
    }
    if (f >= 0 || errno != ENOSYS)
        return f;
#endif
    return open_walk(rootfd, rel);
}

int serve_open_file(const char *root_real, const char *rel, int *fd,
                    uint64_t *size)
{
    struct stat st;
    int status = 404, rootfd = -1, f = -1;

    *fd = -1;
    *size = 0;
    rootfd = open(root_real, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        status = status_from_errno(errno);
        goto out;
    }
    f = open_beneath(rootfd, rel);
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
    if (rootfd >= 0)
        close(rootfd);
    return status;
}
