/* WIP: being rewritten for curl's -w (issue 12). */
#include "writeout.h"

int
tool_writeout_check(const char *format, char *msg, size_t msglen)
{
	(void)format;
	(void)msg;
	(void)msglen;
	return 0;
}

void
tool_writeout(FILE *out, FILE *err, const char *format,
    const struct tool_xfer_stats *s)
{
	(void)out;
	(void)err;
	(void)format;
	(void)s;
}

void
tool_writeout_json(FILE *f, const struct tool_xfer_stats *s)
{
	(void)f;
	(void)s;
}

void
tool_write_stats(FILE *f, const struct tool_xfer_stats *xs, size_t n,
    int exit_code, const char *error)
{
	(void)f;
	(void)xs;
	(void)n;
	(void)exit_code;
	(void)error;
}
