/* The status table: every status has a name, a message and the exit code
 * that the README and --help promise. */
#include <stdio.h>
#include <string.h>

#include "qget.h"
#include "check.h"

int
main(void)
{
	static const struct {
		qget_status s;
		int code;
	} promised[] = {
		{ QGET_OK, 0 }, { QGET_E_FAILURE, 1 }, { QGET_E_NOMEM, 1 },
		{ QGET_E_PROTOCOL, 1 }, { QGET_E_USAGE, 2 },
		{ QGET_E_RESOLVE, 3 }, { QGET_E_CONNECT, 4 },
		{ QGET_E_VERIFY, 5 }, { QGET_E_ALPN, 6 },
		{ QGET_E_STREAM_RESET, 7 }, { QGET_E_TRUNCATED, 7 },
		{ QGET_E_CONN_CLOSED, 8 }, { QGET_E_IDLE_TIMEOUT, 8 },
		{ QGET_E_TIMEOUT, 9 }, { QGET_E_OUTPUT, 10 }, { QGET_E_HTTP_ERROR, 11 },
		{ QGET_E_INTERRUPTED, 130 }, { QGET_E_REFUSED, 8 },
		{ QGET_E_TOO_LARGE, 12 }, { QGET_E_RANGE, 13 },
		{ QGET_E_REDIRECT, 14 },
	};
	/* The numbers are ABI: a program built against 1.0 reads them. */
	static const struct { qget_status s; int num; } fixed[] = {
		{ QGET_OK, 0 }, { QGET_E_FAILURE, 1 }, { QGET_E_NOMEM, 2 },
		{ QGET_E_PROTOCOL, 3 }, { QGET_E_USAGE, 4 },
		{ QGET_E_RESOLVE, 5 }, { QGET_E_CONNECT, 6 },
		{ QGET_E_VERIFY, 7 }, { QGET_E_ALPN, 8 },
		{ QGET_E_STREAM_RESET, 9 }, { QGET_E_TRUNCATED, 10 },
		{ QGET_E_CONN_CLOSED, 11 }, { QGET_E_IDLE_TIMEOUT, 12 },
		{ QGET_E_TIMEOUT, 13 }, { QGET_E_OUTPUT, 14 },
		{ QGET_E_HTTP_ERROR, 15 }, { QGET_E_INTERRUPTED, 16 },
		{ QGET_E_REFUSED, 17 }, { QGET_E_TOO_LARGE, 18 },
		{ QGET_E_RANGE, 19 }, { QGET_E_REDIRECT, 20 },
	};
	const int nstatus = (int)(sizeof(promised) / sizeof(promised[0]));
	char name[96];
	size_t i;
	int s;

#define QGET__COUNT_ROW(name, num, code, msg) + 1
	CHECK("status: every status is listed here",
	    nstatus == 0 QGET_STATUS_MAP(QGET__COUNT_ROW));
#undef QGET__COUNT_ROW
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		snprintf(name, sizeof(name), "status: %s is number %d",
		    qget_status_name(fixed[i].s), fixed[i].num);
		CHECK(name, (int)fixed[i].s == fixed[i].num);
	}
	for (i = 0; i < sizeof(promised) / sizeof(promised[0]); i++) {
		snprintf(name, sizeof(name), "status: %s exits %d",
		    qget_status_name(promised[i].s), promised[i].code);
		CHECK(name, qget_status_exit_code(promised[i].s) ==
		    promised[i].code);
	}
	/* The names scripts and --stats see. */
	CHECK("status: the new statuses' names",
	    strcmp(qget_status_name(QGET_E_TOO_LARGE), "E_TOO_LARGE") == 0 &&
	    strcmp(qget_status_name(QGET_E_RANGE), "E_RANGE") == 0 &&
	    strcmp(qget_status_name(QGET_E_REDIRECT), "E_REDIRECT") == 0);
	for (s = 0; s < nstatus; s++) {
		snprintf(name, sizeof(name), "status: %s has a message",
		    qget_status_name((qget_status)s));
		CHECK(name, strlen(qget_status_str((qget_status)s)) > 3);
		for (int t = 0; t < s; t++)
			if (strcmp(qget_status_str((qget_status)s),
			    qget_status_str((qget_status)t)) == 0)
				CHECK("status: messages are distinct", 0);
	}
	CHECK("status: out of range is a failure",
	    qget_status_exit_code((qget_status)999) == 1 &&
	    strcmp(qget_status_name((qget_status)-1), "E_UNKNOWN") == 0);
	CHECK("status: NULL error has text",
	    strlen(qget_error_str(NULL)) > 0);
	{
		qget_error e = { .status = QGET_E_ALPN };

		CHECK("status: empty detail falls back to the message",
		    strcmp(qget_error_str(&e),
		    qget_status_str(QGET_E_ALPN)) == 0);
	}
	CHECK("status: version", strcmp(qget_version_str(), QGET_VERSION) == 0);
	CHECK("status: OpenSSL version", strncmp(qget_openssl_version_str(),
	    "OpenSSL 3.", 10) == 0);
	return CHECK_DONE();
}
