#include <stdio.h>

#include <nghttp3/nghttp3.h>
#include <openssl/crypto.h>

#include "internal.h"

struct status_row {
	const char *name;
	int exit_code;
	const char *msg;
};

/* By number, not by position: the numbers are fixed (qget.h). */
static const struct status_row *
status_row(qget_status s)
{
	static const struct status_row rows[] = {
#define QGET__STATUS_ROW(name, num, code, msg) [num] = { #name, code, msg },
		QGET_STATUS_MAP(QGET__STATUS_ROW)
#undef QGET__STATUS_ROW
	};

	if ((unsigned)s >= sizeof(rows) / sizeof(rows[0]) ||
	    rows[s].name == NULL)
		return NULL;
	return &rows[s];
}

const char *
qget_status_str(qget_status s)
{
	const struct status_row *row = status_row(s);

	return row != NULL ? row->msg : "unknown status";
}

const char *
qget_status_name(qget_status s)
{
	const struct status_row *row = status_row(s);

	return row != NULL ? row->name : "E_UNKNOWN";
}

int
qget_status_exit_code(qget_status s)
{
	const struct status_row *row = status_row(s);

	return row != NULL ? row->exit_code : 1;
}

unsigned long
qget_version_num(void)
{
	return QGET_VERSION_NUM;
}

const char *
qget_error_str(const qget_error *err)
{
	if (err == NULL)
		return "no error information";
	return err->detail[0] != '\0' ? err->detail :
	    qget_status_str(err->status);
}

const char *
qget_version_str(void)
{
	return QGET_VERSION;
}

const char *
qget_openssl_version_str(void)
{
	/* What actually runs, which may differ from the headers we were
	 * built against when linked dynamically. */
	return OpenSSL_version(OPENSSL_VERSION);
}

const char *
qget_nghttp3_version_str(void)
{
	return nghttp3_version(0)->version_str;
}
