/* qget-serve's pure helpers for clients' tests: Range evaluation (RFC 9110
 * section 14), percent-decoding and upload names. */
#include <stdint.h>
#include <string.h>

#include "../../src/serve/http.h"
#include "check.h"

/* Evaluates v against size; first and last are -1 unless PARTIAL. */
static int
range(const char *v, uint64_t size, int64_t *first, int64_t *last)
{
	uint64_t f = 0, l = 0;
	enum http_range r = http_parse_range(v, strlen(v), size, &f, &l);

	*first = r == HTTP_RANGE_PARTIAL ? (int64_t)f : -1;
	*last = r == HTTP_RANGE_PARTIAL ? (int64_t)l : -1;
	return (int)r;
}

static int
partial(const char *v, uint64_t size, int64_t first, int64_t last)
{
	int64_t f, l;

	return range(v, size, &f, &l) == HTTP_RANGE_PARTIAL && f == first &&
	    l == last;
}

static int
is(const char *v, uint64_t size, enum http_range want)
{
	int64_t f, l;

	return range(v, size, &f, &l) == (int)want;
}

static int
decode(const char *in, const char *want)
{
	char out[64];

	if (http_percent_decode(in, strlen(in), out, sizeof(out)) != 0)
		return want == NULL;
	return want != NULL && strcmp(out, want) == 0;
}

static int
name(const char *path, const char *want)
{
	char out[HTTP_MAX_NAME + 1];

	if (http_upload_name(path, out, sizeof(out)) != 0)
		return want == NULL;
	return want != NULL && strcmp(out, want) == 0;
}

int
main(void)
{
	char big[HTTP_MAX_NAME + 8], tiny[4];

	CHECK("range: bytes=N-M", partial("bytes=10-19", 100, 10, 19));
	CHECK("range: bytes=N- runs to the end", partial("bytes=10-", 100, 10,
	    99));
	CHECK("range: bytes=-N is the last N bytes", partial("bytes=-5", 100,
	    95, 99));
	CHECK("range: a suffix longer than the file is all of it",
	    partial("bytes=-500", 100, 0, 99));
	CHECK("range: a last byte past the end is cut to the end",
	    partial("bytes=90-1000", 100, 90, 99));
	CHECK("range: one byte", partial("bytes=0-0", 100, 0, 0) &&
	    partial("bytes=99-99", 100, 99, 99));
	CHECK("range: the unit is case-insensitive",
	    partial("Bytes=1-2", 100, 1, 2));
	CHECK("range: whitespace around the element and empty elements",
	    partial("bytes= 1-2 ,", 100, 1, 2) &&
	    partial("bytes=,\t1-2", 100, 1, 2));
	CHECK("range: a huge last byte saturates",
	    partial("bytes=1-99999999999999999999999", 100, 1, 99));
	CHECK("range: a first byte at or past the end is 416",
	    is("bytes=100-", 100, HTTP_RANGE_UNSATISFIABLE) &&
	    is("bytes=100-200", 100, HTTP_RANGE_UNSATISFIABLE) &&
	    is("bytes=99999999999999999999999-", 100,
	    HTTP_RANGE_UNSATISFIABLE));
	CHECK("range: bytes=-0 is 416", is("bytes=-0", 100,
	    HTTP_RANGE_UNSATISFIABLE));
	CHECK("range: any range of an empty file is 416",
	    is("bytes=0-", 0, HTTP_RANGE_UNSATISFIABLE) &&
	    is("bytes=-1", 0, HTTP_RANGE_UNSATISFIABLE));
	CHECK("range: several ranges are ignored (200 with the whole file)",
	    is("bytes=0-1,5-6", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=0-1, -5", 100, HTTP_RANGE_IGNORE));
	CHECK("range: last before first is ignored",
	    is("bytes=5-4", 100, HTTP_RANGE_IGNORE));
	CHECK("range: malformed values are ignored",
	    is("bytes=", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=-", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=a-b", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=1", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=1-2x", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=+1-2", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes=1--2", 100, HTTP_RANGE_IGNORE) &&
	    is("bytes 1-2", 100, HTTP_RANGE_IGNORE) &&
	    is("", 100, HTTP_RANGE_IGNORE));
	CHECK("range: another unit is ignored",
	    is("items=1-2", 100, HTTP_RANGE_IGNORE));
	CHECK("range: reads only its n bytes",
	    http_parse_range("bytes=1-2,3-4", 9, 100, &(uint64_t){ 0 },
	    &(uint64_t){ 0 }) == HTTP_RANGE_PARTIAL);

	CHECK("decode: plain", decode("/a/b.txt", "/a/b.txt"));
	CHECK("decode: %20 and mixed-case hex", decode("/my%20f%c3%BC",
	    "/my f\xc3\xbc"));
	CHECK("decode: '+' stays", decode("/a+b", "/a+b"));
	CHECK("decode: %25 is a literal '%'", decode("/100%25", "/100%"));
	CHECK("decode: broken escapes are 400", decode("/%", NULL) &&
	    decode("/%4", NULL) && decode("/%g0", NULL) &&
	    decode("/%0g", NULL));
	CHECK("decode: NUL and control bytes are 400", decode("/%00", NULL) &&
	    decode("/%1f", NULL) && decode("/%7f", NULL) &&
	    decode("/a\tb", NULL) && decode("/a\x7f", NULL));
	CHECK("decode: encoded separators are 400", decode("/a%2fb", NULL) &&
	    decode("/a%2Fb", NULL) && decode("/a%5cb", NULL));
	CHECK("decode: %2e%2e is '..' (the path check refuses it later)",
	    decode("/%2e%2E", "/.."));
	CHECK("decode: high bytes pass, raw or encoded",
	    decode("/\xc3\xbc%ff", "/\xc3\xbc\xff"));
	CHECK("decode: an output too small is 400",
	    http_percent_decode("/abcd", 5, tiny, sizeof(tiny)) == 400 &&
	    http_percent_decode("/ab", 3, tiny, sizeof(tiny)) == 0 &&
	    strcmp(tiny, "/ab") == 0);
	CHECK("decode: only n bytes are read",
	    http_percent_decode("/a%20", 2, tiny, sizeof(tiny)) == 0 &&
	    strcmp(tiny, "/a") == 0);

	CHECK("name: the last segment", name("/up/dir/f.bin", "f.bin"));
	CHECK("name: one segment", name("/f g", "f g"));
	CHECK("name: a dot file is fine", name("/.hidden", ".hidden"));
	CHECK("name: empty, '.' and '..' are 400", name("/", NULL) &&
	    name("/d/", NULL) && name("/d/.", NULL) && name("/d/..", NULL));
	CHECK("name: a backslash is 400", name("/a\\b", NULL));
	memset(big, 'n', sizeof(big));
	big[0] = '/';
	big[HTTP_MAX_NAME + 1] = '\0';
	CHECK("name: 255 bytes is the longest", name(big, big + 1));
	big[HTTP_MAX_NAME + 1] = 'n';
	big[HTTP_MAX_NAME + 2] = '\0';
	CHECK("name: 256 bytes is 400", name(big, NULL));
	return CHECK_DONE();
}
