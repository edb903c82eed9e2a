/* Peer text escaped for the terminal: control bytes, DEL and bytes of
 * 0x80 and more as \xNN, by length (NUL included), never half an escape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/tool/escape.h"
#include "check.h"

/* Escapes a buffer of `len` bytes into a roomy output. */
static const char *
esc(const char *in, size_t len)
{
	static char out[1024];

	tool_escape(out, sizeof(out), in, len);
	return out;
}

#define ESC(lit) esc(lit, sizeof(lit) - 1)

int
main(void)
{
	char small[8];
	size_t n;

	CHECK("plain text unchanged", strcmp(ESC("Not Found"), "Not Found")
	    == 0);
	CHECK("printable ASCII unchanged", strcmp(ESC(" !~azAZ09\"'%"),
	    " !~azAZ09\"'%") == 0);
	CHECK("ESC: a terminal title and a screen clear",
	    strcmp(ESC("OK\x1b]0;pwned\x07\x1b[2J"),
	    "OK\\x1b]0;pwned\\x07\\x1b[2J") == 0);
	CHECK("BEL", strcmp(ESC("a\ab"), "a\\x07b") == 0);
	CHECK("CR (would overwrite the line)", strcmp(ESC("a\rb"), "a\\x0db")
	    == 0);
	CHECK("LF (would forge a line)", strcmp(ESC("a\nqget: ok"),
	    "a\\x0aqget: ok") == 0);
	CHECK("tab", strcmp(ESC("a\tb"), "a\\x09b") == 0);
	CHECK("DEL", strcmp(ESC("a\x7f" "b"), "a\\x7fb") == 0);
	CHECK("NUL inside, by length", strcmp(ESC("a\0\x1b" "b"),
	    "a\\x00\\x1bb") == 0);
	CHECK("C1 CSI (0x9b) and UTF-8 bytes", strcmp(ESC("\x9b" "2J\xc3\xa9"),
	    "\\x9b2J\\xc3\\xa9") == 0);
	CHECK("backslash kept: escaping twice changes nothing",
	    strcmp(ESC("\\x1b"), "\\x1b") == 0);
	CHECK("empty", strcmp(ESC(""), "") == 0);

	n = tool_escape(small, 7, "abc\x1b" "d", 5);
	CHECK("an escape that does not fit is left out whole", n == 3 &&
	    strcmp(small, "abc") == 0);
	n = tool_escape(small, sizeof(small), "ab\x1b" "cd", 5);
	CHECK("an escape that fits, then a byte, then the NUL", n == 7 &&
	    strcmp(small, "ab\\x1bc") == 0);
	n = tool_escape(small, 1, "abc", 3);
	CHECK("cap 1: just the NUL", n == 0 && small[0] == '\0');
	CHECK("cap 0 writes nothing", tool_escape(NULL, 0, "abc", 3) == 0);

	{
		/* A whole line through a pipe: prefix, escaped text, LF. */
		int fds[2];
		char got[256];
		ssize_t r;
		FILE *f;

		if (pipe(fds) != 0 || (f = fdopen(fds[1], "w")) == NULL)
			return 1;
		tool_escape_line(f, "* ", "x\x1b[2Jy", 6);
		fclose(f);
		r = read(fds[0], got, sizeof(got) - 1);
		close(fds[0]);
		got[r > 0 ? r : 0] = '\0';
		CHECK("line: prefix, escaped, newline",
		    strcmp(got, "* x\\x1b[2Jy\n") == 0);
	}
	{
		/* Longer than any stack buffer: nothing cut, nothing raw. */
		size_t len = 5000;
		char *big = malloc(len), *out = malloc(len * 4 + 1);

		if (big == NULL || out == NULL)
			return 1;
		memset(big, 0x1b, len);
		n = tool_escape(out, len * 4 + 1, big, len);
		CHECK("5000 ESC bytes: 20000 characters, no raw ESC",
		    n == len * 4 && strchr(out, 0x1b) == NULL);
		free(big);
		free(out);
	}
	return CHECK_DONE();
}
