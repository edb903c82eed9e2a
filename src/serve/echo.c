/*
 * The body of an upload (POST or PUT to /echo or /echo-sha256), gathered
 * as it arrives on any protocol, and the response it makes.  /echo keeps
 * the body to send it back; /echo-sha256 keeps only a running digest, so
 * that a large upload costs no memory.
 */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

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
};

struct serve_echo *serve_echo_new(enum http_upload kind)
{
    struct serve_echo *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return NULL;
    e->kind = kind;
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

void serve_echo_free(struct serve_echo *e)
{
    if (e == NULL)
        return;
    EVP_MD_CTX_free(e->md);
    free(e->buf);
    free(e);
}

int serve_echo_add(struct serve_echo *e, const void *p, size_t n)
{
    if (n > g_opts.max_upload || e->len > g_opts.max_upload - n)
        return 0;
    if (e->kind == HTTP_UPLOAD_SHA256) {
        if (!EVP_DigestUpdate(e->md, p, n)) {
            ERR_clear_error();
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
            if (b == NULL)
                return -1;
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
