/*
 * bench/hsload SECONDS THREADS CA URL: the handshake-rate load for the
 * benchmark's server metric.  THREADS threads each fetch URL (a tiny file,
 * hq-interop) on a new connection, one after another, until SECONDS have
 * passed, and the program prints one line: "OK FAILED SECONDS_US LATE
 * SLOWEST_US": OK counts the fetches that succeeded and ended within the
 * SECONDS (a rate is OK / SECONDS), LATE those of them that took over 1 s
 * (a stall, not a handshake rate), SLOWEST_US the slowest single fetch,
 * also of those that ended after the SECONDS.
 *
 * One process with threads, not a qget process per fetch: a process start
 * costs more CPU than the handshake it measures and, on a 2-core machine,
 * would take that CPU from the server under test.  Each fetch is checked:
 * exit status, HTTP status (hq-interop has none: 0) and body size.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qget.h"

static const char *g_url;
static qget_config *g_cfg;
static uint64_t g_until_us;
static uint64_t g_expect;
static atomic_ulong g_ok, g_failed, g_late;
static atomic_ullong g_slowest_us;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
discard(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return 0;
}

static void *
worker(void *arg)
{
	(void)arg;
	while (now_us() < g_until_us) {
		qget_result res;
		qget_error err;
		qget_status st;

		uint64_t t0 = now_us(), took, prev;

		memset(&res, 0, sizeof(res));
		res.size = sizeof(res);
		st = qget_fetch(g_url, g_cfg, -1, discard, NULL, &res, &err);
		took = now_us() - t0;
		prev = atomic_load(&g_slowest_us);
		while (took > prev &&
		    !atomic_compare_exchange_weak(&g_slowest_us, &prev, took))
			;
		if (st == QGET_OK && res.body_bytes == g_expect) {
			/* Only what ended inside the window counts. */
			if (t0 + took <= g_until_us) {
				atomic_fetch_add(&g_ok, 1);
				if (took > 1000000)
					atomic_fetch_add(&g_late, 1);
			}
		} else {
			if (atomic_fetch_add(&g_failed, 1) < 3)
				fprintf(stderr, "hsload: %s (%llu bytes)\n",
				    st == QGET_OK ? "short body" :
				    qget_error_str(&err),
				    (unsigned long long)res.body_bytes);
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t tid[64];
	uint64_t t0;
	int i, n, rc = 1, started = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: hsload SECONDS THREADS CA URL SIZE\n");
		return 2;
	}
	n = atoi(argv[2]);
	if (n < 1 || n > 64) {
		fprintf(stderr, "hsload: 1 to 64 threads\n");
		return 2;
	}
	g_url = argv[4];
	g_expect = strtoull(argv[5], NULL, 10);
	if (qget_config_new(&g_cfg) != QGET_OK ||
	    qget_config_set_alpn(g_cfg, "hq-interop") != QGET_OK ||
	    qget_config_set_ca(g_cfg, argv[3], NULL) != QGET_OK) {
		fprintf(stderr, "hsload: cannot configure\n");
		goto out;
	}
	qget_config_set_connect_timeout(g_cfg, 5000);
	qget_config_set_max_time(g_cfg, 10000);
	t0 = now_us();
	g_until_us = t0 + (uint64_t)(atof(argv[1]) * 1e6);
	for (i = 0; i < n; i++) {
		if (pthread_create(&tid[i], NULL, worker, NULL) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	printf("%lu %lu %llu %lu %llu\n", (unsigned long)atomic_load(&g_ok),
	    (unsigned long)atomic_load(&g_failed),
	    (unsigned long long)(g_until_us - t0),
	    (unsigned long)atomic_load(&g_late),
	    (unsigned long long)atomic_load(&g_slowest_us));
	rc = started == n ? 0 : 1;
out:
	qget_config_del(g_cfg);
	return rc;
}
