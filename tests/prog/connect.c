/*
 * The connection options a program sets through the library, checked
 * from outside: the SSL_CTX callback, the local address and port, and the
 * socket and timer for a program's own poll() loop.
 * Usage: connect MODE HOST PORT CAFILE [LOCAL PORT_MIN PORT_MAX]
 *   ctx       the callback sets the key exchange groups and a key log
 *             callback; prints how often it ran and whether the handshake
 *             logged keys through it
 *   refuse    the callback returns 1: qget_conn_open() must fail
 *   poll      prints what qget_conn_get_fd() and qget_conn_get_timeout()
 *             say of an open connection
 *   local     qget_config_set_local(LOCAL ("-": none), PORT_MIN, PORT_MAX);
 *             prints the local address the connection's socket has
 * Exits with the status's exit code.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "qget.h"

struct ctx_arg {
	int calls;
	int refuse;
};

/* Proof that the handshake used the SSL_CTX the callback saw. */
static int keylog_lines;

static void
keylog_cb(const SSL *ssl, const char *line)
{
	(void)ssl;
	(void)line;
	keylog_lines++;
}

static int
ctx_cb(void *arg, void *ssl_ctx)
{
	struct ctx_arg *a = arg;

	a->calls++;
	if (a->refuse)
		return 1;
	/* What qget does not wrap: here, only one group to offer. */
	SSL_CTX_set_keylog_callback(ssl_ctx, keylog_cb);
	return SSL_CTX_set1_groups_list(ssl_ctx, "P-256") == 1 ? 0 : 1;
}

static void
log_cb(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "* %s\n", line);
}

static int
print_local(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	unsigned port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	}
	printf("local %s %u\n", host, port);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctx_arg arg = { 0, 0 };
	qget_config *cfg = NULL;
	qget_conn *conn = NULL;
	qget_error err = { 0 };
	const char *mode;
	int64_t ms = -2;
	int fd, type = 0;
	socklen_t len = sizeof(type);

	if (argc < 5 || (strcmp(argv[1], "local") == 0 && argc != 8))
		return fprintf(stderr, "usage: connect MODE HOST PORT CAFILE "
		    "[LOCAL PORT_MIN PORT_MAX]\n"), 2;
	mode = argv[1];
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_ca(cfg, argv[4], NULL) != QGET_OK) {
		err.status = QGET_E_NOMEM;
		goto out;
	}
	qget_config_set_log(cfg, log_cb, NULL);
	if (strcmp(mode, "ctx") == 0 || strcmp(mode, "refuse") == 0) {
		arg.refuse = strcmp(mode, "refuse") == 0;
		qget_config_set_ssl_ctx_cb(cfg, ctx_cb, &arg);
	} else if (strcmp(mode, "local") == 0) {
		if (qget_config_set_local(cfg, strcmp(argv[5], "-") == 0 ?
		    NULL : argv[5], (unsigned)strtoul(argv[6], NULL, 10),
		    (unsigned)strtoul(argv[7], NULL, 10)) != QGET_OK) {
			fprintf(stderr, "connect: qget_config_set_local refused "
			    "%s %s-%s\n", argv[5], argv[6], argv[7]);
			err.status = QGET_E_USAGE;
			goto out;
		}
	}
	if (qget_conn_open(&conn, argv[2], argv[3], cfg, &err) != QGET_OK)
		goto out;
	fd = qget_conn_get_fd(conn);
	if (strcmp(mode, "ctx") == 0) {
		printf("callback calls: %d, key log lines: %s\n", arg.calls,
		    keylog_lines > 0 ? "yes" : "none");
	} else if (strcmp(mode, "poll") == 0) {
		/* A QUIC client always has a timer running (idle timeout). */
		printf("fd %s, timeout %s, no connection: %s\n",
		    fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type,
		    &len) == 0 && type == SOCK_DGRAM ? "udp" : "bad",
		    qget_conn_get_timeout(conn, &ms) == QGET_OK && ms >= 0 ?
		    "set" : "bad",
		    qget_conn_get_fd(NULL) == -1 &&
		    qget_conn_get_timeout(NULL, &ms) == QGET_E_USAGE ?
		    "usage" : "bad");
	} else if (strcmp(mode, "local") == 0 && print_local(fd) != 0) {
		perror("getsockname");
	}
	qget_conn_close(conn, 0, &err);
out:
	if (err.status != QGET_OK)
		fprintf(stderr, "connect: %s: %s\n",
		    qget_status_name(err.status), qget_error_str(&err));
	qget_conn_del(conn);
	qget_config_del(cfg);
	return qget_status_exit_code(err.status);
}
