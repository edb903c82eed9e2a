#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static int
is_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t
tool_escape(char *dst, size_t cap, const void *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (is_safe(p[i])) {
			if (cap - o < 2)
				break;
			dst[o++] = (char)p[i];
		} else {
			if (cap - o < 5)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 0xf];
		}
	}
	dst[o] = '\0';
	return o;
}

void
tool_escape_line(FILE *f, const char *prefix, const void *text, size_t len)
{
	size_t plen = strlen(prefix), cap, n;
	char stackbuf[1024], *buf = stackbuf;

	/* Four bytes out per byte in at worst, plus "\n" and the NUL. */
	if (len > (SIZE_MAX - plen - 2) / 4)
		goto out;
	cap = plen + len * 4 + 2;
	if (cap > sizeof(stackbuf) && (buf = malloc(cap)) == NULL) {
		/* Out of memory: the line, shortened, beats no line. */
		buf = stackbuf;
		cap = sizeof(stackbuf);
	}
	if (plen >= cap - 1)
		goto out;
	memcpy(buf, prefix, plen);
	n = plen + tool_escape(buf + plen, cap - plen - 1, text, len);
	buf[n++] = '\n';
	fwrite(buf, 1, n, f);
out:
	if (buf != stackbuf)
		free(buf);
}
