/*
 * qget-serve: a small QUIC file server (HTTP/1.0, HTTP/0.9 "hq-interop"
 * and HTTP/3 over QUIC) for qget's demos and integration tests.
 *
 * This file parses the command line, sets up signals, the TLS context and
 * the socket, then hands over to the event loop in loop.c.
 */
#include "serve.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/quic.h>

struct serve_opts g_opts;
volatile sig_atomic_t g_stop;

/* Largest QUIC application error code (62-bit varint). */
#define QUIC_MAX_ERROR_CODE ((UINT64_C(1) << 62) - 1)

enum {
    OPT_PORT_FILE = 256,
    OPT_ALPN,
    OPT_NO_ALPN,
    OPT_NO_RETRY,
    OPT_NO_GSO,
    OPT_IDLE_TIMEOUT,
    OPT_RESET_AFTER,
    OPT_RESET_CODE,
    OPT_CLOSE_AFTER,
    OPT_CLOSE_CODE,
    OPT_CLOSE_REASON,
    OPT_STALL_AFTER,
    OPT_FREEZE_AFTER,
    OPT_TRUNCATE_AFTER,
    OPT_GOAWAY_AFTER,
    OPT_RAW_RESPONSE,
    OPT_BAD_H3,
    OPT_FAULT_PATH,
    OPT_MAX_UPLOAD,
    OPT_H3_GREASE,
    OPT_UPLOAD_DIR,
    OPT_NO_RANGE,
    OPT_REDIRECT,
    OPT_STATUS_FIRST,
    OPT_NO_ALT_SVC,
    OPT_KEYLOG,
    OPT_CIPHERS,
    OPT_VERSION
};

static const struct option long_opts[] = {
    { "cert", required_argument, NULL, 'c' },
    { "key", required_argument, NULL, 'k' },
    { "root", required_argument, NULL, 'r' },
    { "port", required_argument, NULL, 'p' },
    { "addr", required_argument, NULL, 'a' },
    { "port-file", required_argument, NULL, OPT_PORT_FILE },
    { "alpn", required_argument, NULL, OPT_ALPN },
    { "no-alpn", no_argument, NULL, OPT_NO_ALPN },
    { "no-retry", no_argument, NULL, OPT_NO_RETRY },
    { "no-gso", no_argument, NULL, OPT_NO_GSO },
    { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
    { "reset-after", required_argument, NULL, OPT_RESET_AFTER },
    { "reset-code", required_argument, NULL, OPT_RESET_CODE },
    { "close-after", required_argument, NULL, OPT_CLOSE_AFTER },
    { "close-code", required_argument, NULL, OPT_CLOSE_CODE },
    { "close-reason", required_argument, NULL, OPT_CLOSE_REASON },
    { "stall-after", required_argument, NULL, OPT_STALL_AFTER },
    { "freeze-after", required_argument, NULL, OPT_FREEZE_AFTER },
    { "truncate-after", required_argument, NULL, OPT_TRUNCATE_AFTER },
    { "goaway-after", required_argument, NULL, OPT_GOAWAY_AFTER },
    { "raw-response", no_argument, NULL, OPT_RAW_RESPONSE },
    { "bad-h3", required_argument, NULL, OPT_BAD_H3 },
    { "fault-path", required_argument, NULL, OPT_FAULT_PATH },
    { "max-upload", required_argument, NULL, OPT_MAX_UPLOAD },
    { "h3-grease", required_argument, NULL, OPT_H3_GREASE },
    { "upload-dir", required_argument, NULL, OPT_UPLOAD_DIR },
    { "no-range", no_argument, NULL, OPT_NO_RANGE },
    { "redirect", required_argument, NULL, OPT_REDIRECT },
    { "status-first", required_argument, NULL, OPT_STATUS_FIRST },
    { "no-alt-svc", no_argument, NULL, OPT_NO_ALT_SVC },
    { "keylog", required_argument, NULL, OPT_KEYLOG },
    { "ciphers", required_argument, NULL, OPT_CIPHERS },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: " SERVE_NAME " [options] --cert FILE --key FILE\n"
        "Serve files over QUIC (ALPN http/1.0, hq-interop and h3).\n"
        "\n"
        "  -c, --cert FILE          PEM certificate chain, leaf first (required)\n"
        "  -k, --key FILE           PEM private key (required)\n"
        "  -r, --root DIR           directory to serve (default .)\n"
        "  -a, --addr ADDR          address to bind (default 127.0.0.1)\n"
        "  -p, --port N             UDP port, 0 picks a free one (default 4433)\n"
        "      --port-file FILE     write the bound port to FILE once ready\n"
        "      --alpn LIST          comma-separated ALPNs to accept\n"
        "                           (default http/1.0,hq-interop,h3)\n"
        "      --no-alpn            accept no ALPN: every handshake fails\n"
        "      --no-retry           no QUIC address validation (no Retry\n"
        "                           packet, no NEW_TOKEN frame)\n"
        "      --no-gso             one datagram per message: no UDP GSO\n"
        "                           sends or GRO receives (the environment\n"
        "                           variable QGET_NO_GSO=1 does the same)\n"
        "      --idle-timeout MS    drop connections idle for MS milliseconds\n"
        "      --keylog FILE        append every connection's TLS secrets to\n"
        "                           FILE (NSS key log format, mode 0600; the\n"
        "                           environment variable SSLKEYLOGFILE does\n"
        "                           the same)\n"
        "      --ciphers LIST       TLS 1.3 cipher suites to accept,\n"
        "                           colon-separated (e.g.\n"
        "                           TLS_CHACHA20_POLY1305_SHA256)\n"
        "      --max-upload BYTES   largest POST/PUT body to /echo,\n"
        "                           /echo-sha256 and --upload-dir (default\n"
        "                           67108864 = 64 MiB);\n"
        "                           a larger one gets 413\n"
        "      --h3-grease N        (h3) open N extra unidirectional streams\n"
        "                           of reserved types, and send a reserved\n"
        "                           frame on the control stream (N <= 64)\n"
        "  -v, --verbose            log connections and requests\n"
        "  -h, --help               show this help\n"
        "      --version            show the version\n"
        "\n"
        "Uploads: POST or PUT to /echo or /echo/... (http/1.0, h3) answers\n"
        "with the request body; to /echo-sha256 with its SHA-256 in hex.\n"
        "      --upload-dir DIR     POST or PUT to any other path stores the\n"
        "                           body as DIR/its last path segment\n"
        "                           (decoded), renamed into place once\n"
        "                           complete: 201 (default: 501, h3 405)\n"
        "\n"
        "For clients' tests (http/1.0 and h3; paths are percent-decoded):\n"
        "      --no-range           ignore Range: always the whole file, 200\n"
        "                           (default: one range gets 206, an\n"
        "                           unsatisfiable one 416)\n"
        "      --redirect FROM=TO[,CODE]\n"
        "                           answer the path FROM with CODE (301, 302,\n"
        "                           303, 307, 308; default 302) and\n"
        "                           Location: TO, sent as given (a path or a\n"
        "                           URL); up to 32 times\n"
        "      --status-first N:CODE\n"
        "                           answer the server's first N requests with\n"
        "                           status CODE (400-599), later ones normally\n"
        "      --no-alt-svc         send no Alt-Svc: h3=\":PORT\" field (by\n"
        "                           default every http/1.0 and h3 response\n"
        "                           has one when h3 is accepted)\n"
        "\n"
        "Fault injection (applies to every 200 or 206 response, or with\n"
        "--fault-path only to the paths under it):\n"
        "      --fault-path PREFIX  only requests whose path (decoded, query\n"
        "                           dropped) starts with PREFIX get the\n"
        "                           faults below\n"
        "      --reset-after N      reset the stream after N body bytes\n"
        "      --reset-code C       its application error code (default 0x42)\n"
        "      --close-after N      close the connection after N body bytes\n"
        "      --close-code C       its application error code (default 0)\n"
        "      --close-reason TEXT  its reason phrase\n"
        "      --stall-after N      stop sending after N body bytes\n"
        "      --freeze-after N     after N body bytes, stop all network\n"
        "                           activity (a peer that vanished)\n"
        "      --truncate-after N   (http/1.0, h3) send N body bytes, then FIN\n"
        "      --goaway-after N     (h3) send GOAWAY after N requests on a\n"
        "                           connection; later requests are rejected\n"
        "      --bad-h3 frame|qpack|message\n"
        "                           (h3) answer every request with a DATA\n"
        "                           frame before any HEADERS (frame),\n"
        "                           HEADERS that QPACK cannot decode (qpack):\n"
        "                           connection errors; or content-length 10\n"
        "                           with 5 body bytes (message): a stream error\n"
        "      --raw-response       (http/1.0) send each file as the whole\n"
        "                           response, with no head of our own (not\n"
        "                           with h3: drops it from the default ALPNs)\n");
}

/* Decimal, or hex with a 0x prefix; the whole string must be a number. */
static int parse_u64(const char *s, uint64_t *out)
{
    unsigned long long v;
    char *end = NULL;
    int base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    /* strtoull would accept leading space, '+' and '-': we do not. */
    if (*s < '0' || (*s > '9' && base == 10)
        || (base == 16 && !((*s >= '0' && *s <= '9')
                            || (*s >= 'a' && *s <= 'f')
                            || (*s >= 'A' && *s <= 'F'))))
        return 0;
    errno = 0;
    v = strtoull(s, &end, base);
    if (errno != 0 || end == s || *end != '\0')
        return 0;
    *out = (uint64_t)v;
    return 1;
}

static int set_alpn_list(const char *list)
{
    const char *p = list;
    size_t n = 0;

    g_opts.alpn_len = 0;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t l = comma != NULL ? (size_t)(comma - p) : strlen(p);

        if ((l == 8 && memcmp(p, "http/1.0", 8) == 0)
            || (l == 10 && memcmp(p, "hq-interop", 10) == 0)
            || (l == 2 && memcmp(p, "h3", 2) == 0)) {
            if (n + 1 + l > sizeof(g_opts.alpn))
                return 0;
            g_opts.alpn[n++] = (unsigned char)l;
            memcpy(g_opts.alpn + n, p, l);
            n += l;
        } else {
            return 0;
        }
        p += l;
        if (*p == ',')
            p++;
    }
    g_opts.alpn_len = n;
    return n > 0;
}

/* Is proto in the ALPN list we accept? */
static int alpn_offered(const char *proto)
{
    size_t i = 0, n = strlen(proto);

    while (i < g_opts.alpn_len) {
        size_t l = g_opts.alpn[i];

        if (l == n && memcmp(g_opts.alpn + i + 1, proto, n) == 0)
            return 1;
        i += 1 + l;
    }
    return 0;
}

/* --redirect FROM=TO[,CODE]; 0 (with a message) when malformed. */
static int add_redirect(const char *arg)
{
    struct serve_redirect *r = &g_opts.redirects[g_opts.nredirects];
    const char *eq = strchr(arg, '='), *to;
    size_t to_len, i;
    int code = 302;

    if (g_opts.nredirects == SERVE_MAX_REDIRECTS) {
        fprintf(stderr, SERVE_NAME ": --redirect: at most %d of them\n",
                SERVE_MAX_REDIRECTS);
        return 0;
    }
    if (eq == NULL || arg[0] != '/') {
        fprintf(stderr, SERVE_NAME ": --redirect: '%s' is not FROM=TO[,CODE] "
                "with FROM a path (/...)\n", arg);
        return 0;
    }
    /* FROM is compared with a decoded path without its query. */
    for (i = 0; arg + i < eq; i++) {
        if (arg[i] == '?' || (unsigned char)arg[i] < 0x20 || arg[i] == 0x7f) {
            fprintf(stderr, SERVE_NAME ": --redirect: FROM in '%s' holds a "
                    "query or a control character (it is compared with "
                    "the decoded path, query dropped)\n", arg);
            return 0;
        }
    }
    to = eq + 1;
    to_len = strlen(to);
    if (to_len > 4 && to[to_len - 4] == ','
        && strspn(to + to_len - 3, "0123456789") == 3) {
        code = atoi(to + to_len - 3);
        to_len -= 4;
        if (code != 301 && code != 302 && code != 303 && code != 307
            && code != 308) {
            fprintf(stderr, SERVE_NAME ": --redirect: %d is not a redirect "
                    "code (301, 302, 303, 307 or 308)\n", code);
            return 0;
        }
    }
    if (to_len == 0 || to_len > SERVE_MAX_LOCATION) {
        fprintf(stderr, SERVE_NAME ": --redirect: TO in '%s' is empty or "
                "longer than %d bytes\n", arg, SERVE_MAX_LOCATION);
        return 0;
    }
    /* Sent as a field's value: no byte may end or split the field. */
    for (i = 0; i < to_len; i++) {
        if ((unsigned char)to[i] <= 0x20 || (unsigned char)to[i] >= 0x7f) {
            fprintf(stderr, SERVE_NAME ": --redirect: TO in '%s' must be "
                    "printable ASCII without spaces (percent-encode the "
                    "rest)\n", arg);
            return 0;
        }
    }
    r->from = arg;
    r->from_len = (size_t)(eq - arg);
    r->to = to;
    r->to_len = to_len;
    r->code = code;
    g_opts.nredirects++;
    return 1;
}

/* --status-first N:CODE; 0 (with a message) when malformed. */
static int set_status_first(const char *arg)
{
    const char *colon = strchr(arg, ':');
    char num[32];
    uint64_t n, code;
    size_t len = colon != NULL ? (size_t)(colon - arg) : 0;

    if (colon == NULL || len == 0 || len >= sizeof(num))
        goto bad;
    memcpy(num, arg, len);
    num[len] = '\0';
    if (!parse_u64(num, &n) || n == SERVE_NO_LIMIT
        || !parse_u64(colon + 1, &code) || code < 400 || code > 599)
        goto bad;
    g_opts.status_first_n = n;
    g_opts.status_first_code = (int)code;
    return 1;

bad:
    fprintf(stderr, SERVE_NAME ": --status-first: '%s' is not N:CODE with "
            "CODE from 400 to 599\n", arg);
    return 0;
}

/* Would OpenSSL take this TLS 1.3 suite list (a throwaway context)? */
static int ciphers_known(const char *list)
{
    SSL_CTX *ctx = SSL_CTX_new(OSSL_QUIC_server_method());
    int ok = ctx != NULL && SSL_CTX_set_ciphersuites(ctx, list);

    SSL_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

static void bad_value(const char *opt, const char *val)
{
    fprintf(stderr, SERVE_NAME ": invalid value for --%s: '%s'\n", opt, val);
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv)
{
    uint64_t v;
    int c, idx = -1, alpn_given = 0;

    g_opts.root = ".";
    g_opts.addr = "127.0.0.1";
    g_opts.port = 4433;
    g_opts.reset_after = SERVE_NO_LIMIT;
    g_opts.reset_code = SERVE_DEFAULT_RESET_CODE;
    g_opts.close_after = SERVE_NO_LIMIT;
    g_opts.close_code = 0;
    g_opts.stall_after = SERVE_NO_LIMIT;
    g_opts.freeze_after = SERVE_NO_LIMIT;
    g_opts.truncate_after = SERVE_NO_LIMIT;
    g_opts.goaway_after = SERVE_NO_LIMIT;
    g_opts.max_upload = SERVE_DEFAULT_MAX_UPLOAD;
    (void)set_alpn_list("http/1.0,hq-interop,h3");

    opterr = 0; /* we print our own one-line messages */
    while ((c = getopt_long(argc, argv, ":c:k:r:p:a:vh", long_opts, &idx))
           != -1) {
        const char *name = idx >= 0 ? long_opts[idx].name : "?";

        switch (c) {
        case 'c': g_opts.cert = optarg; break;
        case 'k': g_opts.key = optarg; break;
        case 'r': g_opts.root = optarg; break;
        case 'a': g_opts.addr = optarg; break;
        case 'v': g_opts.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case OPT_VERSION:
            printf(SERVE_NAME " %s (%s)\n", SERVE_VERSION,
                   OpenSSL_version(OPENSSL_VERSION));
            return 0;
        case 'p':
            if (!parse_u64(optarg, &v) || v > 65535) {
                bad_value("port", optarg);
                return 2;
            }
            g_opts.port = (unsigned)v;
            break;
        case OPT_PORT_FILE: g_opts.port_file = optarg; break;
        case OPT_ALPN:
            if (!set_alpn_list(optarg)) {
                fprintf(stderr, SERVE_NAME ": invalid --alpn list '%s' "
                        "(known: http/1.0, hq-interop, h3)\n", optarg);
                return 2;
            }
            alpn_given = 1;
            break;
        case OPT_NO_ALPN: g_opts.no_alpn = 1; break;
        case OPT_NO_RETRY: g_opts.no_retry = 1; break;
        case OPT_NO_GSO: g_opts.no_gso = 1; break;
        case OPT_RAW_RESPONSE: g_opts.raw_response = 1; break;
        case OPT_BAD_H3:
            if (strcmp(optarg, "frame") == 0) {
                g_opts.bad_h3 = BAD_H3_FRAME;
            } else if (strcmp(optarg, "qpack") == 0) {
                g_opts.bad_h3 = BAD_H3_QPACK;
            } else if (strcmp(optarg, "message") == 0) {
                g_opts.bad_h3 = BAD_H3_MESSAGE;
            } else {
                fprintf(stderr, SERVE_NAME ": --bad-h3: '%s' is not "
                        "frame, qpack or message\n", optarg);
                return 2;
            }
            break;
        case OPT_CLOSE_REASON: g_opts.close_reason = optarg; break;
        case OPT_FAULT_PATH:
            if (optarg[0] != '/') {
                fprintf(stderr, SERVE_NAME ": --fault-path: '%s' does not "
                        "start with '/'\n", optarg);
                return 2;
            }
            g_opts.fault_path = optarg;
            break;
        case OPT_H3_GREASE:
            if (!parse_u64(optarg, &v) || v > SERVE_MAX_H3_GREASE) {
                fprintf(stderr, SERVE_NAME ": --h3-grease: '%s' is not a "
                        "number from 0 to %d\n", optarg, SERVE_MAX_H3_GREASE);
                return 2;
            }
            g_opts.h3_grease = (unsigned)v;
            break;
        case OPT_UPLOAD_DIR: g_opts.upload_dir = optarg; break;
        case OPT_NO_RANGE: g_opts.no_range = 1; break;
        case OPT_NO_ALT_SVC: g_opts.no_alt_svc = 1; break;
        case OPT_KEYLOG:
            if (*optarg == '\0') {
                bad_value(name, optarg);
                return 2;
            }
            g_opts.keylog = optarg;
            break;
        case OPT_CIPHERS:
            /* "" is a list OpenSSL takes: no suite, no handshake. */
            if (*optarg == '\0' || !ciphers_known(optarg)) {
                fprintf(stderr, SERVE_NAME ": --ciphers: OpenSSL knows no "
                        "TLS 1.3 cipher suite in '%s'\n", optarg);
                return 2;
            }
            g_opts.ciphers = optarg;
            break;
        case OPT_REDIRECT:
            if (!add_redirect(optarg))
                return 2;
            break;
        case OPT_STATUS_FIRST:
            if (!set_status_first(optarg))
                return 2;
            break;
        case OPT_IDLE_TIMEOUT:
        case OPT_MAX_UPLOAD:
        case OPT_RESET_AFTER:
        case OPT_RESET_CODE:
        case OPT_CLOSE_AFTER:
        case OPT_CLOSE_CODE:
        case OPT_STALL_AFTER:
        case OPT_FREEZE_AFTER:
        case OPT_TRUNCATE_AFTER:
        case OPT_GOAWAY_AFTER:
            /* UINT64_MAX is our "unset" marker, so it is not a valid N. */
            if (!parse_u64(optarg, &v) || v == SERVE_NO_LIMIT
                || ((c == OPT_RESET_CODE || c == OPT_CLOSE_CODE)
                    && v > QUIC_MAX_ERROR_CODE)) {
                bad_value(name, optarg);
                return 2;
            }
            if (c == OPT_IDLE_TIMEOUT)
                g_opts.idle_timeout_ms = v;
            else if (c == OPT_MAX_UPLOAD)
                g_opts.max_upload = v;
            else if (c == OPT_RESET_AFTER)
                g_opts.reset_after = v;
            else if (c == OPT_RESET_CODE)
                g_opts.reset_code = v;
            else if (c == OPT_CLOSE_AFTER)
                g_opts.close_after = v;
            else if (c == OPT_CLOSE_CODE)
                g_opts.close_code = v;
            else if (c == OPT_STALL_AFTER)
                g_opts.stall_after = v;
            else if (c == OPT_FREEZE_AFTER)
                g_opts.freeze_after = v;
            else if (c == OPT_GOAWAY_AFTER)
                g_opts.goaway_after = v;
            else
                g_opts.truncate_after = v;
            break;
        case ':':
            fprintf(stderr, SERVE_NAME ": option '%s' needs a value\n",
                    argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, SERVE_NAME ": unknown option '%s' "
                    "(try --help)\n", argv[optind - 1]);
            return 2;
        }
        idx = -1;
    }
    if (optind < argc) {
        fprintf(stderr, SERVE_NAME ": unexpected argument '%s'\n",
                argv[optind]);
        return 2;
    }
    /* nghttp3 frames every HTTP/3 response: there is no raw one. */
    if (g_opts.raw_response) {
        if (alpn_given && alpn_offered("h3")) {
            fprintf(stderr, SERVE_NAME ": --raw-response cannot be used "
                    "with h3 (HTTP/3 responses are framed by nghttp3): "
                    "drop h3 from --alpn\n");
            return 2;
        }
        if (!alpn_given)
            (void)set_alpn_list("http/1.0,hq-interop");
    }
    /* As qget: the variable when the option is not given. */
    if (g_opts.keylog == NULL) {
        const char *env = getenv("SSLKEYLOGFILE");

        if (env != NULL && *env != '\0')
            g_opts.keylog = env;
    }
    if (g_opts.cert == NULL || g_opts.key == NULL) {
        fprintf(stderr, SERVE_NAME ": --cert and --key are required "
                "(try --help)\n");
        return 2;
    }
    return -1;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() must return EINTR so the loop sees g_stop. */
    sa.sa_handler = on_stop_signal;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return 0;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL) == 0;
}

int main(int argc, char **argv)
{
    SSL_CTX *ctx = NULL;
    char *root_real = NULL, *upload_real = NULL;
    char shown[128];
    unsigned port = 0;
    struct stat st;
    int fd = -1, rc;

    rc = parse_args(argc, argv);
    if (rc >= 0)
        return rc;
    rc = 1;

    if (!install_signals()) {
        serve_log("cannot install signal handlers");
        goto out;
    }
    root_real = realpath(g_opts.root, NULL);
    if (root_real == NULL || stat(root_real, &st) != 0
        || !S_ISDIR(st.st_mode)) {
        serve_log("cannot serve %s: %s", g_opts.root,
                  root_real == NULL ? strerror(errno) : "not a directory");
        goto out;
    }
    if (g_opts.upload_dir != NULL) {
        const char *why = NULL;

        /* Absolute: uploads are stored whatever the current directory. */
        upload_real = realpath(g_opts.upload_dir, NULL);
        if (upload_real == NULL || stat(upload_real, &st) != 0)
            why = strerror(errno);
        else if (!S_ISDIR(st.st_mode))
            why = "not a directory";
        else if (access(upload_real, W_OK | X_OK) != 0)
            why = strerror(errno);
        if (why != NULL) {
            serve_log("cannot store uploads in %s: %s", g_opts.upload_dir,
                      why);
            goto out;
        }
        g_opts.upload_dir = upload_real;
    }
    ctx = serve_make_ctx();
    if (ctx == NULL)
        goto out;
    fd = serve_bind(g_opts.addr, g_opts.port, &port, shown, sizeof(shown));
    if (fd < 0)
        goto out;
    /* Where the same service is offered over HTTP/3 (RFC 7838). */
    if (!g_opts.no_alt_svc && !g_opts.no_alpn && alpn_offered("h3"))
        snprintf(g_opts.alt_svc, sizeof(g_opts.alt_svc), "h3=\":%u\"", port);

    serve_log("listening on %s", shown);
    if (g_opts.port_file != NULL
        && !serve_write_port_file(g_opts.port_file, port))
        goto out;

    rc = serve_run(ctx, fd, root_real);

out:
    SSL_CTX_free(ctx);
    serve_keylog_close();
    if (fd >= 0)
        close(fd);
    free(root_real);
    free(upload_real);
    return rc;
}
