/*
 * The common case in one call: fetch https://HOST:PORT/PATH over HTTP/3
 * and write the body to stdout.  (Without qget_config_set_alpn(),
 * qget_fetch() would offer "h3,http/1.0".)
 * Usage: h3get URL [CAFILE]
 */
#include <stdio.h>
#include <unistd.h>

#include "qget.h"

int
main(int argc, char **argv)
{
	qget_config *cfg = NULL;
	qget_result res = { .size = sizeof(res) };
	qget_error err = { 0 };

	if (argc < 2)
		return fprintf(stderr, "usage: h3get URL [CAFILE]\n"), 2;
	if (qget_config_new(&cfg) != QGET_OK ||
	    qget_config_set_alpn(cfg, "h3") != QGET_OK ||
	    (argc > 2 && qget_config_set_ca(cfg, argv[2], NULL) != QGET_OK))
		return fprintf(stderr, "h3get: cannot configure\n"), 1;
	if (qget_fetch(argv[1], cfg, STDOUT_FILENO, NULL, NULL, &res, &err) !=
	    QGET_OK)
		fprintf(stderr, "h3get: %s\n", qget_error_str(&err));
	else
		fprintf(stderr, "h3get: %s %d, %llu bytes from %s\n",
		    res.version, res.http_status,
		    (unsigned long long)res.body_bytes, res.peer_addr);
	qget_config_del(cfg);
	return qget_status_exit_code(err.status);
}
