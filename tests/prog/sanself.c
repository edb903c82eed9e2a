/*
 * sanself: a deliberately faulty program for the test harness's self-test
 * (tests/integration/01-harness.sh), not a test of qget.  Built like the
 * other test programs, with the build's SANFLAGS, it makes the sanitizers
 * report, so the self-test can show that such a report fails a run, from a
 * program run in the foreground and from a server a test stops.  Without
 * sanitizers it does the same things silently and exits 0.
 *
 *   sanself leak        leaks 4 KiB, exits 0 (LeakSanitizer reports it)
 *   sanself ub          overflows a signed int (UBSan reports it)
 *   sanself serve FILE  writes FILE once ready, waits for SIGTERM, then
 *                       leaks and exits 0, as a server stopped by a test
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile g_sink;
static volatile sig_atomic_t g_stop;

/* noinline: the pointer must not linger in main()'s frame, where
 * LeakSanitizer would find it and call the block reachable. */
__attribute__((noinline)) static void leak(void)
{
    g_sink = malloc(4096);
    if (g_sink != NULL)
        memset(g_sink, 'x', 4096);
    g_sink = NULL;
}

static void on_term(int sig)
{
    (void)sig;
    g_stop = 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "leak") == 0) {
        leak();
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "ub") == 0) {
        volatile int big = INT_MAX;
        int sum = big + argc; /* signed overflow: undefined */

        printf("%d\n", sum);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "serve") == 0) {
        struct sigaction sa;
        FILE *f;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_term;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGTERM, &sa, NULL) != 0)
            return 1;
        f = fopen(argv[2], "w");
        if (f == NULL || fputs("ready\n", f) < 0 || fclose(f) != 0)
            return 1;
        while (!g_stop)
            pause();
        leak();
        return 0;
    }
    fprintf(stderr, "usage: sanself leak | ub | serve FILE\n");
    return 2;
}
