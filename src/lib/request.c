/*
 * Requests and the connection's poll loop: see req.h.
 */
#include <stdlib.h>

#include "req.h"

void
qget__http_free(qget_conn *c)
{
	(void)c;
}
