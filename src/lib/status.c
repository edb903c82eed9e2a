#include <stdio.h>

#include <openssl/crypto.h>

#include "internal.h"

static const struct {
	const char *name;
	int exit_code;
	const char *msg;
} status_table[] = {
#define QGET__STATUS_ROW(name, code, msg) { #name, code, msg },
	QGET_STATUS_MAP(QGET__STATUS_ROW)
#undef QGET__STATUS_ROW
};

static int
status_valid(qget_status s)
{
	return (unsigned)s < (unsigned)QGET_STATUS_COUNT;
}

const char *
qget_status_str(qget_status s)
{
	return status_valid(s) ? status_table[s].msg : "unknown status";
}

const char *
qget_status_name(qget_status s)
{
	return status_valid(s) ? status_table[s].name : "E_UNKNOWN";
}

int
qget_status_exit_code(qget_status s)
{
	return status_valid(s) ? status_table[s].exit_code : 1;
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
