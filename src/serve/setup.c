/*
 * Startup pieces of qget-serve: the QUIC server SSL_CTX (certificate, key,
 * ALPN choice), the UDP socket and the port file.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <openssl/err.h>

/* The key log every connection appends to (--keylog, SSLKEYLOGFILE). */
static FILE *keylog_file;

static void keylog_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    /* One line per call and flushed: with O_APPEND each line is one
     * write, whole, even while another program appends to the file. */
    if (keylog_file != NULL) {
        fputs(line, keylog_file);
        fputc('\n', keylog_file);
        fflush(keylog_file);
    }
}

/* The same rules as libqget's key log: secrets readable by the owner
 * only, appended to, never through a symlink that someone else planted. */
static int keylog_open(const char *path)
{
    int fd;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0 || (keylog_file = fdopen(fd, "a")) == NULL) {
        serve_log("cannot open key log file %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    return 1;
}

void serve_keylog_close(void)
{
    if (keylog_file != NULL)
        fclose(keylog_file);
    keylog_file = NULL;
}

/* Is the protocol p (length n) in the wire-format list? */
static int alpn_allowed(const unsigned char *list, size_t list_len,
                        const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < list_len) {
        size_t l = list[i];

        if (l == n && i + 1 + l <= list_len && memcmp(list + i + 1, p, n) == 0)
            return 1;
        i += 1 + l;
    }
    return 0;
}

/*
 * Picks the first protocol in the client's list that we allow: the client
 * knows best what it wants, we only restrict.
 */
static int select_alpn(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    unsigned int i = 0;

    (void)ssl;
    (void)arg;
    if (g_opts.no_alpn)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    while (i < inlen) {
        unsigned int l = in[i];

        if (l == 0 || i + 1 + l > inlen)
            break; /* malformed list: refuse rather than guess */
        if (alpn_allowed(g_opts.alpn, g_opts.alpn_len, in + i + 1, l)) {
            *out = in + i + 1;
            *outlen = (unsigned char)l;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + l;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

SSL_CTX *serve_make_ctx(void)
{
    SSL_CTX *ctx = NULL, *ret = NULL;

    ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    if (ctx == NULL) {
        serve_log_ssl_errors("cannot create QUIC server context");
        goto out;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, g_opts.cert) <= 0) {
        serve_log("cannot load certificate %s: %s", g_opts.cert,
                  serve_ssl_reason());
        goto out;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, g_opts.key, SSL_FILETYPE_PEM) <= 0) {
        serve_log("cannot load private key %s: %s", g_opts.key,
                  serve_ssl_reason());
        goto out;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        serve_log("private key %s does not match certificate %s: %s",
                  g_opts.key, g_opts.cert, serve_ssl_reason());
        goto out;
    }
    /* We never ask for client certificates. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    /* Checked by main.c already; only memory can fail here. */
    if (g_opts.ciphers != NULL
        && !SSL_CTX_set_ciphersuites(ctx, g_opts.ciphers)) {
        serve_log("cannot set cipher suites %s: %s", g_opts.ciphers,
                  serve_ssl_reason());
        goto out;
    }
    /* Connections are made from the listener's context, and so are
     * their TLS objects: they all log through this callback. */
    if (g_opts.keylog != NULL) {
        if (!keylog_open(g_opts.keylog))
            goto out;
        SSL_CTX_set_keylog_callback(ctx, keylog_line);
        serve_log("appending TLS secrets to %s", g_opts.keylog);
    }
    ret = ctx;
    ctx = NULL;

out:
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return ret;
}

static void format_addr(const struct sockaddr *sa, unsigned port,
                        char *shown, size_t shown_sz)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  host, sizeof(host));
        snprintf(shown, shown_sz, "[%s]:%u", host, port);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                  host, sizeof(host));
        snprintf(shown, shown_sz, "%s:%u", host, port);
    }
}

int serve_bind(const char *addr, unsigned port, unsigned *bound_port,
               char *shown, size_t shown_sz)
{
    struct addrinfo hints, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char portstr[16];
    int fd = -1, ret = -1, rc, off = 0, bufsz = 4 << 20, fl;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(portstr, sizeof(portstr), "%u", port);
    rc = getaddrinfo(addr, portstr, &hints, &res);
    if (rc != 0) {
        serve_log("cannot resolve address %s: %s", addr, gai_strerror(rc));
        goto out;
    }

    fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
                res->ai_protocol);
    if (fd < 0) {
        serve_log("cannot create UDP socket: %s", strerror(errno));
        goto out;
    }
    /* "::" should take IPv4 clients too, whatever the sysctl default. */
    if (res->ai_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    /* Bigger kernel buffers keep bulk transfers from dropping datagrams. */
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));

    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        serve_log("cannot bind to %s port %u: %s", addr, port,
                  strerror(errno));
        goto out;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        serve_log("getsockname: %s", strerror(errno));
        goto out;
    }
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        serve_log("cannot make socket non-blocking: %s", strerror(errno));
        goto out;
    }

    if (ss.ss_family == AF_INET6)
        *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    else
        *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    format_addr((struct sockaddr *)&ss, *bound_port, shown, shown_sz);
    ret = fd;
    fd = -1;

out:
    if (fd >= 0)
        close(fd);
    if (res != NULL)
        freeaddrinfo(res);
    return ret;
}

int serve_write_port_file(const char *path, unsigned port)
{
    char tmp[4096], line[16];
    int fd = -1, ok = 0, created = 0, n, len;

    /* A name nobody can guess, created with O_EXCL: a link planted in a
     * shared directory cannot make us write to another file. */
    n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        serve_log("port file name too long: %s", path);
        goto out;
    }
    len = snprintf(line, sizeof(line), "%u\n", port);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        serve_log("cannot create a file beside %s: %s", path,
                  strerror(errno));
        goto out;
    }
    created = 1;
    /* mkstemp makes 0600; the port is no secret, scripts of other users
     * may read it. */
    if (fchmod(fd, 0644) != 0 || write(fd, line, (size_t)len) != len) {
        serve_log("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    n = close(fd);
    fd = -1;
    if (n != 0) {
        serve_log("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    /* rename() makes the file appear complete or not at all. */
    if (rename(tmp, path) != 0) {
        serve_log("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    ok = 1;

out:
    if (fd >= 0)
        close(fd);
    if (!ok && created)
        (void)unlink(tmp);
    return ok;
}
