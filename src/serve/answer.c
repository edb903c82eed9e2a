/*
 * Answers that do not depend on what a request asks for: --status-first
 * (the first N requests of the server's life get a status, for clients'
 * retry tests) and --redirect (a path answered with a redirect, for
 * clients' -L tests).
 */
#include "serve.h"

#include <string.h>

/* Requests counted for --status-first, over all connections. */
static uint64_t g_requests_seen;

int serve_special_answer(const char *path, struct serve_special *sp)
{
    size_t n = strlen(path);
    unsigned i;

    memset(sp, 0, sizeof(*sp));
    if (g_requests_seen < g_opts.status_first_n) {
        sp->status = g_opts.status_first_code;
        sp->nth = ++g_requests_seen;
        return sp->status;
    }
    for (i = 0; i < g_opts.nredirects; i++) {
        const struct serve_redirect *r = &g_opts.redirects[i];

        if (r->from_len == n && memcmp(r->from, path, n) == 0) {
            sp->status = r->code;
            sp->location = r->to;
            sp->location_len = r->to_len;
            break;
        }
    }
    return sp->status;
}
