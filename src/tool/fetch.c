/* WIP: being rewritten for several servers, redirects, retries (issue
 * 12); the tool does not work on this branch yet. */
#include "fetch.h"

qget_status
tool_fetch(const struct tool_opts *o)
{
	(void)o;
	return QGET_E_FAILURE;
}
