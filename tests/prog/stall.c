/*
 * Many tiny fetches, for tests/integration/64-stall.sh: does any wait of
 * the library sleep until the time limit although the response was in?
 *
 * Usage: stall URL CAFILE SIZE COUNT THREADS MODE
 * COUNT fetches of URL (hq-interop, a body of SIZE bytes), spread over
 * THREADS threads (each its own connections, one after another).  MODE
 * "fetch" uses qget_fetch(); "wait" opens the connection and a stream
 * itself and waits with qget_conn_wait_ex() before each read (the
 * streams-then-connection readout that fetch's loop also does).
 *
 * The time limit is generous (MAX_TIME_MS) and never the verdict itself:
 * the library logs "wait: ... maximum time ... reached" when a wait ends
 * by it, and such a fetch, even one that returned QGET_OK with the whole
 * body (the response was already in, unseen), is a failure.  The run
 * stops at the first failure and prints that fetch's log on stderr.
 * One line on stdout: "fetches=N ok=N failed=N deadline=N".  Exit 0 when
 * every fetch succeeded, none by a deadline.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qget.h"

/* A stalled wait ends at the first timer OpenSSL has: with the idle
 * timeout's keep-alive PING (half the idle timeout, 25 s at most) that
 * would be a wake-up like any other.  The idle timeout is long enough
 * (the server's must be too: qget-serve --idle-timeout 120000) that the
 * time limit comes first, and the log shows it. */
#define MAX_TIME_MS 20000
#define IDLE_TIMEOUT_MS 120000
#define CONNECT_TIMEOUT_MS 10000
#define MAX_THREADS 16
#define LOG_CAP 8192

struct worker {
	pthread_t tid;
	qget_config *cfg;
	unsigned count;
	char log[LOG_CAP];      /* the current fetch's log lines */
	size_t log_len;
	int deadline;           /* the current fetch hit the time limit */
};

static const char *g_url, *g_mode;
static unsigned long long g_size;
static atomic_uint g_fetches, g_ok, g_failed, g_deadline;
static atomic_int g_stop;
static pthread_mutex_t g_print = PTHREAD_MUTEX_INITIALIZER;

static void
log_cb(void *arg, const char *line)
{
	struct worker *w = arg;
	int n;

	if (strstr(line, "wait: ") != NULL &&
	    strstr(line, "maximum time") != NULL)
		w->deadline = 1;
	if (w->log_len < sizeof(w->log) - 1) {
		n = snprintf(w->log + w->log_len, sizeof(w->log) - w->log_len,
		    "    %s\n", line);
		if (n > 0)
			w->log_len += (size_t)n;
		if (w->log_len > sizeof(w->log) - 1)
			w->log_len = sizeof(w->log) - 1;
	}
}

static int
discard(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return 0;
}

/* "https://HOST:PORT/PATH" split for the connection API. */
static int
split_url(const char *url, char *host, size_t hcap, char *port,
    size_t pcap, const char **path)
{
	const char *h = url + strlen("https://"), *colon, *slash;

	if (strncmp(url, "https://", 8) != 0 ||
	    (colon = strchr(h, ':')) == NULL ||
	    (slash = strchr(colon, '/')) == NULL ||
	    (size_t)(colon - h) >= hcap || (size_t)(slash - colon - 1) >= pcap)
		return -1;
	snprintf(host, hcap, "%.*s", (int)(colon - h), h);
	snprintf(port, pcap, "%.*s", (int)(slash - colon - 1), colon + 1);
	*path = slash;
	return 0;
}

/* One fetch through the connection and stream calls. */
static qget_status
fetch_wait(struct worker *w, unsigned long long *got, qget_error *err)
{
	char host[256], port[16], req[512], buf[4096];
	qget_conn *c = NULL;
	qget_stream *st = NULL;
	const char *path;
	unsigned char ready = 0;
	qget_status rv;
	size_t n;
	int len;

	*got = 0;
	if (split_url(g_url, host, sizeof(host), port, sizeof(port),
	    &path) != 0) {
		fprintf(stderr, "stall: URL must be https://HOST:PORT/PATH\n");
		return QGET_E_USAGE;
	}
	len = snprintf(req, sizeof(req), "GET %s\r\n", path);
	if ((rv = qget_conn_open(&c, host, port, w->cfg, err)) != QGET_OK ||
	    (rv = qget_stream_open(&st, c, err)) != QGET_OK ||
	    (rv = qget_stream_write(st, req, (size_t)len, QGET_WRITE_FIN,
	    err)) != QGET_OK)
		goto out;
	for (;;) {
		if ((rv = qget_conn_wait_ex(c, &st, 1, &ready, 0, NULL,
		    err)) != QGET_OK)
			goto out;
		if (!ready)
			continue;
		if ((rv = qget_stream_read(st, buf, sizeof(buf), &n, err)) !=
		    QGET_OK)
			goto out;
		if (n == 0)
			break;
		*got += n;
	}
	qget_conn_close_ex(c, QGET_CLOSE_NO_FLUSH, 0, 2000, NULL);
out:
	qget_stream_del(st);
	qget_conn_del(c);
	return rv;
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	unsigned long long got;
	qget_result res;
	qget_error err;
	qget_status st;
	unsigned i;

	for (i = 0; i < w->count && !atomic_load(&g_stop); i++) {
		w->log_len = 0;
		w->log[0] = '\0';
		w->deadline = 0;
		memset(&err, 0, sizeof(err));
		if (strcmp(g_mode, "wait") == 0) {
			st = fetch_wait(w, &got, &err);
		} else {
			memset(&res, 0, sizeof(res));
			res.size = sizeof(res);
			st = qget_fetch(g_url, w->cfg, -1, discard, NULL, &res,
			    &err);
			got = res.body_bytes;
		}
		atomic_fetch_add(&g_fetches, 1);
		if (st == QGET_OK && got == g_size && !w->deadline) {
			atomic_fetch_add(&g_ok, 1);
			continue;
		}
		if (w->deadline)
			atomic_fetch_add(&g_deadline, 1);
		else
			atomic_fetch_add(&g_failed, 1);
		/* The first failure is the one worth reading. */
		if (atomic_exchange(&g_stop, 1) == 0) {
			pthread_mutex_lock(&g_print);
			fprintf(stderr, "stall: fetch %u of a thread: %s, %llu "
			    "body bytes%s; its log:\n%s", i, st == QGET_OK ?
			    "OK" : qget_error_str(&err), got, w->deadline ?
			    ", but a wait ran into the time limit" : "",
			    w->log);
			pthread_mutex_unlock(&g_print);
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct worker *w = NULL;
	unsigned long count, nthreads, i, started = 0;
	int rc = 1;

	if (argc != 7 || (strcmp(argv[6], "fetch") != 0 &&
	    strcmp(argv[6], "wait") != 0)) {
		fprintf(stderr, "usage: stall URL CAFILE SIZE COUNT THREADS "
		    "fetch|wait\n");
		return 2;
	}
	g_url = argv[1];
	g_size = strtoull(argv[3], NULL, 10);
	count = strtoul(argv[4], NULL, 10);
	nthreads = strtoul(argv[5], NULL, 10);
	g_mode = argv[6];
	if (nthreads < 1 || nthreads > MAX_THREADS || count < nthreads) {
		fprintf(stderr, "stall: 1 to %d threads, at least one fetch "
		    "each\n", MAX_THREADS);
		return 2;
	}
	if ((w = calloc(nthreads, sizeof(*w))) == NULL)
		return 1;
	for (i = 0; i < nthreads; i++) {
		if (qget_config_new(&w[i].cfg) != QGET_OK ||
		    qget_config_set_alpn(w[i].cfg, "hq-interop") != QGET_OK ||
		    qget_config_set_ca(w[i].cfg, argv[2], NULL) != QGET_OK) {
			fprintf(stderr, "stall: cannot configure\n");
			goto out;
		}
		qget_config_set_connect_timeout(w[i].cfg, CONNECT_TIMEOUT_MS);
		qget_config_set_max_time(w[i].cfg, MAX_TIME_MS);
		qget_config_set_idle_timeout(w[i].cfg, IDLE_TIMEOUT_MS);
		qget_config_set_log(w[i].cfg, log_cb, &w[i]);
		w[i].count = (unsigned)(count / nthreads +
		    (i < count % nthreads ? 1 : 0));
	}
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&w[i].tid, NULL, worker, &w[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	printf("fetches=%u ok=%u failed=%u deadline=%u\n",
	    atomic_load(&g_fetches), atomic_load(&g_ok),
	    atomic_load(&g_failed), atomic_load(&g_deadline));
	rc = started == nthreads && atomic_load(&g_ok) == count ? 0 : 1;
out:
	for (i = 0; w != NULL && i < nthreads; i++)
		qget_config_del(w[i].cfg);
	free(w);
	return rc;
}
