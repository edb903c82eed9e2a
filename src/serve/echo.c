/*
 * The body of an upload (POST or PUT to /echo or /echo-sha256, or to any
 * other path with --upload-dir), gathered as it arrives on any protocol,
 * and the response it makes.  /echo keeps the body to send it back;
 * /echo-sha256 keeps only a running digest, so that a large upload costs
 * no memory; a file upload goes straight to a temporary file in the
 * upload folder, renamed to its name only once the body is complete, so
 * that a cut or refused upload leaves nothing behind.
 */
#include "serve.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

struct serve_echo {
    enum http_upload kind;
    uint64_t len;        /* body bytes received */
    unsigned char *buf;  /* HTTP_UPLOAD_ECHO: the body */
    size_t cap;
    EVP_MD_CTX *md;      /* HTTP_UPLOAD_SHA256 */
    char line[2 * 32 + 2]; /* the digest in hex and "\n" */
    int finished;
    /* HTTP_UPLOAD_FILE: the temporary file, and the name it gets. */
    int fd;
    char *tmp_path;
    char *name;
};

/* The temporary name of a file upload, beside its final one. */
#define UPLOAD_TMP_PATTERN ".qget-serve-upload-XXXXXX"

struct serve_echo *serve_echo_new(enum http_upload kind)
{
    struct serve_echo *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return NULL;
    e->kind = kind;
    e->fd = -1;
    if (kind == HTTP_UPLOAD_SHA256) {
        e->md = EVP_MD_CTX_new();
        if (e->md == NULL || !EVP_DigestInit_ex(e->md, EVP_sha256(), NULL)) {
            ERR_clear_error();
            serve_echo_free(e);
            return NULL;
        }
    }
    return e;
}

struct serve_echo *serve_echo_new_file(const char *name, int *status)
{
    struct serve_echo *e = serve_echo_new(HTTP_UPLOAD_FILE);
    size_t n = strlen(g_opts.upload_dir) + 1 + sizeof(UPLOAD_TMP_PATTERN);
    char *tmp = NULL;

    *status = 500;
    if (e == NULL || (e->name = strdup(name)) == NULL
        || (tmp = malloc(n)) == NULL) {
        serve_log("out of memory");
        goto fail;
    }
    snprintf(tmp, n, "%s/%s", g_opts.upload_dir, UPLOAD_TMP_PATTERN);
    e->fd = mkostemp(tmp, O_CLOEXEC);
    if (e->fd < 0) {
        serve_log("cannot create a file in %s: %s", g_opts.upload_dir,
                  strerror(errno));
        goto fail;
    }
    /* From here on serve_echo_free removes it. */
    e->tmp_path = tmp;
    tmp = NULL;
    /* mkostemp makes it 0600; an upload is for others to read. */
    (void)fchmod(e->fd, 0644);
    *status = 200;
    return e;

fail:
    free(tmp);
    serve_echo_free(e);
    return NULL;
}

enum http_upload serve_echo_kind(const struct serve_echo *e)
{
    return e->kind;
}

int serve_echo_commit(struct serve_echo *e)
{
    char *path = NULL;
    size_t n;
    int ok = 0;

    if (e->kind != HTTP_UPLOAD_FILE)
        return 1;
    if (e->tmp_path == NULL)
        return e->finished;
    n = strlen(g_opts.upload_dir) + 1 + strlen(e->name) + 1;
    path = malloc(n);
    if (path == NULL) {
        serve_log("out of memory");
        goto out;
    }
    snprintf(path, n, "%s/%s", g_opts.upload_dir, e->name);
    if (close(e->fd) != 0) {
        e->fd = -1;
        serve_log("writing %s: %s", e->tmp_path, strerror(errno));
        goto out;
    }
    e->fd = -1;
    if (rename(e->tmp_path, path) != 0) {
        serve_log("cannot store the upload as %s: %s", path, strerror(errno));
        goto out;
    }
    serve_vlog("stored %s (%" PRIu64 " bytes)", path, e->len);
    free(e->tmp_path);
    e->tmp_path = NULL;
    e->finished = 1;
    ok = 1;

out:
    if (!ok)
        serve_echo_discard(e);
    free(path);
    return ok;
}

void serve_echo_discard(struct serve_echo *e)
{
    if (e == NULL || e->tmp_path == NULL)
        return;
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
    if (unlink(e->tmp_path) != 0)
        serve_log("cannot remove %s: %s", e->tmp_path, strerror(errno));
    serve_vlog("upload to %s discarded (%" PRIu64 " bytes received)",
               e->name, e->len);
    free(e->tmp_path);
    e->tmp_path = NULL;
}

void serve_echo_free(struct serve_echo *e)
{
    if (e == NULL)
        return;
    serve_echo_discard(e);
    free(e->name);
    EVP_MD_CTX_free(e->md);
    free(e->buf);
    free(e);
}

/* Writes all of p[0..n) to fd; 0 on failure (logged). */
static int write_all(struct serve_echo *e, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(e->fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            serve_log("writing %s: %s", e->tmp_path,
                      w < 0 ? strerror(errno) : "nothing written");
            return 0;
        }
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

int serve_echo_add(struct serve_echo *e, const void *p, size_t n)
{
    /* A body to drop costs nothing: no limit. */
    if (e->kind == HTTP_UPLOAD_DISCARD) {
        e->len += n;
        return 1;
    }
    if (n > g_opts.max_upload || e->len > g_opts.max_upload - n)
        return 0;
    if (e->kind == HTTP_UPLOAD_FILE) {
        if (e->tmp_path == NULL || !write_all(e, p, n))
            return -1;
    } else if (e->kind == HTTP_UPLOAD_SHA256) {
        if (!EVP_DigestUpdate(e->md, p, n)) {
            serve_log_ssl_errors("cannot hash the upload");
            return -1;
        }
    } else if (n > 0) {
        if (e->len + n > e->cap) {
            /* Doubling keeps the copies linear in the body's size. */
            size_t cap = e->cap == 0 ? 64 * 1024 : e->cap;
            unsigned char *b;

            while (cap < e->len + n)
                cap *= 2;
            b = realloc(e->buf, cap);
            if (b == NULL) {
                serve_log("out of memory");
                return -1;
            }
            e->buf = b;
            e->cap = cap;
        }
        memcpy(e->buf + e->len, p, n);
    }
    e->len += n;
    return 1;
}

uint64_t serve_echo_received(const struct serve_echo *e)
{
    return e->len;
}

int serve_echo_body(struct serve_echo *e, const unsigned char **body,
                    size_t *len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;

    if (e->kind != HTTP_UPLOAD_SHA256) {
        *body = e->buf;
        *len = (size_t)e->len;
        return 1;
    }
    if (!e->finished) {
        if (!EVP_DigestFinal_ex(e->md, md, &mdlen) || mdlen != 32) {
            ERR_clear_error();
            return 0;
        }
        for (i = 0; i < mdlen; i++) {
            e->line[2 * i] = hex[md[i] >> 4];
            e->line[2 * i + 1] = hex[md[i] & 0xf];
        }
        e->line[2 * mdlen] = '\n';
        e->finished = 1;
    }
    *body = (const unsigned char *)e->line;
    *len = sizeof(e->line) - 1;
    return 1;
}

const char *serve_echo_type(const struct serve_echo *e)
{
    return e->kind == HTTP_UPLOAD_SHA256 ? "text/plain"
        : "application/octet-stream";
}
