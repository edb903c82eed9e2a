/* The progress meter as curl's: its columns for known and unknown totals,
 * 0 bytes and TiB, the ETA, the current rate, -#'s bar, the parallel
 * summary; and when it draws: after a second, five times a second at
 * most, never when off.  Time is given, not measured: nothing here
 * depends on the machine's speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tool/progress.h"
#include "check.h"

#define KiB 1024ULL
#define MiB (KiB * KiB)
#define GiB (MiB * KiB)
#define TiB (GiB * KiB)

static char line[512];

static const char *
fmt(struct progress *p, double now, uint64_t dl_now, uint64_t dl_total,
    uint64_t ul_now, uint64_t ul_total)
{
	struct progress_numbers n = { dl_now, dl_total, ul_now, ul_total, 1, 0,
		1 };

	progress_format(p, now, &n, line, sizeof(line));
	return line;
}

static const char *
fmt_parallel(struct progress *p, double now, uint64_t dl_now,
    uint64_t dl_total, unsigned total, unsigned done, unsigned live)
{
	struct progress_numbers n = { dl_now, dl_total, 0, 0, total, done,
		live };

	progress_format(p, now, &n, line, sizeof(line));
	return line;
}

static int
count(const char *s, char c)
{
	int k = 0;

	for (; *s != '\0'; s++)
		k += *s == c;
	return k;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char head[] =
    "  % Total    % Received % Xferd  Average Speed   Time    Time     "
    "Time  Current\n"
    "                                 Dload  Upload   Total   Spent    "
    "Left  Speed\n";

int
main(void)
{
	struct progress p;
	struct progress_numbers n;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ok;

	/* the meter's line: curl's columns */
	progress_start(&p, PROGRESS_METER, NULL, 100);
	CHECK("known total: total, %, received, rates, total/spent/left "
	    "time, current rate",
	    strcmp(fmt(&p, 102, MiB, 4 * MiB, 0, 0),
	    " 25 4096k   25 1024k    0     0   512k      0  0:00:08  0:00:02  "
	    "0:00:06  512k") == 0);
	CHECK("the line fits 79 columns", strlen(line) == 78);
	CHECK("unknown total: -- for it and its percent, no ETA",
	    strcmp(fmt(&p, 102, MiB, 0, 0, 0),
	    " --    --   -- 1024k    0     0   512k      0 --:--:--  0:00:02 "
	    "--:--:--  512k") == 0);
	CHECK("0 bytes at the start",
	    strcmp(fmt(&p, 100, 0, 0, 0, 0),
	    "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- "
	    "--:--:--     0") == 0);
	CHECK("0 bytes of a known total: 0%, no ETA yet",
	    strcmp(fmt(&p, 103, 0, 5000, 0, 0),
	    "  0  5000    0     0    0     0      0      0 --:--:--  0:00:03 "
	    "--:--:--     0") == 0);
	CHECK("complete: 100%, nothing left",
	    strcmp(fmt(&p, 104, 4 * MiB, 4 * MiB, 0, 0),
	    "100 4096k  100 4096k    0     0  1024k      0  0:00:04  0:00:04 "
	    "--:--:-- 1024k") == 0);
	CHECK("TiB: five characters each",
	    strcmp(fmt(&p, 200, TiB, 5 * TiB, 0, 0),
	    " 20 5120G   20 1024G    0     0  10.2G      0  0:08:20  0:01:40  "
	    "0:06:40 10.2G") == 0);
	CHECK("20 TiB and 64-bit sizes",
	    strcmp(fmt(&p, 101, 0, 20 * TiB, 0, UINT64_MAX - 20 * TiB),
	    "  0   15E    0     0    0     0      0      0 --:--:--  0:00:01 "
	    "--:--:--     0") == 0 &&
	    strcmp(fmt(&p, 101, 0, 20 * TiB, 0, 0),
	    "  0   20T    0     0    0     0      0      0 --:--:--  0:00:01 "
	    "--:--:--     0") == 0);
	CHECK("k and M steps: 99999, 97k, 12.3M",
	    strncmp(fmt(&p, 101, 99999, 100000, 0, 0), " 99   97k   99 99999",
	    20) == 0 && strncmp(fmt(&p, 101, 12 * MiB + 3 * MiB / 10 + 1,
	    0, 0, 0), " --    --   -- 12.3M", 20) == 0);
	CHECK("ETA beyond 99 hours in days",
	    strcmp(fmt(&p, 110, MiB, TiB, 0, 0),
	    "  0 1024G    0 1024k    0     0   102k      0 121d 08h  0:00:10 "
	    "121d 08h  102k") == 0);
	CHECK("upload and download: the slower one's ETA",
	    strcmp(fmt(&p, 110, 1000, 1000, 10000, 100000),
	    " 10   98k  100  1000   10 10000    100   1000  0:01:40  0:00:10  "
	    "0:01:30  1100") == 0);

	/* the current rate: the last few seconds, not the average */
	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_start(&p, PROGRESS_METER, f, 0);
	for (int i = 1; i <= 28; i++) {
		double t = i * 0.5;
		uint64_t b = t <= 10 ? (uint64_t)(100000 * t) :
		    1000000 + (uint64_t)(1000000 * (t - 10));

		n = (struct progress_numbers){ b, 0, 0, 0, 1, 0, 1 };
		progress_update(&p, t, &n);
	}
	fmt(&p, 14, 5000000, 0, 0, 0);
	CHECK("current rate: 1 MB/s of late, 357 kB/s on average",
	    strcmp(line + strlen(line) - 5, " 976k") == 0 &&
	    strstr(line, " 348k      0 ") != NULL);
	fclose(f);
	free(buf);

	/* the parallel summary */
	progress_start(&p, PROGRESS_METER, NULL, 100);
	CHECK("parallel: DL%, sizes, transfers, live, times, speed",
	    strcmp(fmt_parallel(&p, 105, 10 * MiB, 30 * MiB, 3, 0, 2),
	    " 33 --  10.0M     0     3     2   0:00:15  0:00:05  0:00:10 2048k")
	    == 0);
	CHECK("parallel: a total unknown: -- and no ETA",
	    strcmp(fmt_parallel(&p, 105, 10 * MiB, 0, 3, 1, 2),
	    "--  --  10.0M     0     3     2  --:--:--  0:00:05 --:--:-- 2048k")
	    == 0);

	/* -#: the bar */
	progress_start(&p, PROGRESS_BAR, NULL, 100);
	p.columns = 40;
	fmt(&p, 102, MiB, 4 * MiB, 0, 0);
	CHECK("bar: as wide as the terminal, # for a quarter, the percent",
	    strlen(line) == 40 && count(line, '#') == 8 &&
	    strncmp(line, "########        ", 16) == 0 &&
	    strcmp(line + 33, "  25.0%") == 0);
	fmt(&p, 102, 4 * MiB, 4 * MiB, 0, 0);
	CHECK("bar: full at 100%", strlen(line) == 40 && count(line, '#') == 33
	    && strcmp(line + 33, " 100.0%") == 0);
	fmt(&p, 102, 0, 4 * MiB, 0, 0);
	CHECK("bar: empty at 0%", strlen(line) == 40 && count(line, '#') == 0
	    && strcmp(line + 33, "   0.0%") == 0);
	fmt(&p, 100, MiB, 0, 0, 0);
	ok = strlen(line) == 40 && strncmp(line, "-=O=-", 5) == 0;
	fmt(&p, 102.5, MiB, 0, 0, 0);
	ok = ok && strlen(line) == 40 && strstr(line, "-=O=-") == line + 25;
	fmt(&p, 110, MiB, 0, 0, 0);
	ok = ok && strstr(line, "-=O=-") == line + 32 && count(line, '#') == 0;
	CHECK("bar: no total, -=O=- goes to and fro", ok);
	p.columns = 256;
	fmt(&p, 102, MiB, 2 * MiB, 0, 0);
	CHECK("bar: 256 columns", strlen(line) == 256 &&
	    count(line, '#') == 124);

	setenv("COLUMNS", "100", 1);
	progress_start(&p, PROGRESS_BAR, NULL, 0);
	CHECK("bar: $COLUMNS", p.columns == 100);
	setenv("COLUMNS", "5000", 1);
	progress_start(&p, PROGRESS_BAR, NULL, 0);
	CHECK("bar: at most 256 columns", p.columns == 256);
	setenv("COLUMNS", "80x", 1);
	f = tmpfile();
	progress_start(&p, PROGRESS_BAR, f, 0);
	CHECK("bar: no number, no terminal: 79", p.columns == 79);
	fclose(f);
	unsetenv("COLUMNS");

	/* drawing: after a second, five times a second, then the newline */
	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_start(&p, PROGRESS_METER, f, 0);
	n = (struct progress_numbers){ 500, 10000, 0, 0, 1, 0, 1 };
	progress_update(&p, 0.5, &n);
	fflush(f);
	CHECK("nothing drawn in the first second", len == 0 && !p.shown);
	for (int i = 8; i <= 24; i++) {
		n.dl_now = 1000 * (uint64_t)i;
		progress_update(&p, i * 0.125, &n);
	}
	fflush(f);
	CHECK("drawn after a second: the header once, then the lines",
	    strncmp(buf, head, strlen(head)) == 0 &&
	    strstr(buf + 1, "  % Total") == NULL && p.shown && p.header_shown);
	CHECK("redrawn at most five times a second (1.0 to 3.0 s: 9)",
	    count(buf, '\r') == 9 && count(buf, '\n') == 2);
	n.dl_now = 10000;
	progress_done(&p, 3.1, &n);
	fflush(f);
	CHECK("done: the final numbers and the newline",
	    count(buf, '\r') == 10 && buf[len - 1] == '\n' &&
	    strstr(strrchr(buf, '\r'), "100 10000  100 10000") != NULL &&
	    !p.shown);
	progress_end(&p);
	fflush(f);
	CHECK("no second newline", buf[len - 2] != '\n');
	fclose(f);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_start(&p, PROGRESS_METER, f, 0);
	n = (struct progress_numbers){ 100, 100, 0, 0, 1, 0, 1 };
	progress_update(&p, 0.2, &n);
	progress_done(&p, 0.4, &n);
	progress_end(&p);
	fflush(f);
	CHECK("a quick transfer: nothing at all", len == 0);
	progress_start(&p, PROGRESS_METER, f, 0);
	progress_update(&p, 0.9, &n);
	progress_done(&p, 1.5, &n);
	fflush(f);
	CHECK("done after a second with no line yet: the final line",
	    strncmp(buf, head, strlen(head)) == 0 && count(buf, '\r') == 1 &&
	    buf[len - 1] == '\n');
	fclose(f);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_start(&p, PROGRESS_METER, f, 0);
	n = (struct progress_numbers){ 1000, 3000, 0, 0, 3, 1, 2 };
	progress_update(&p, 2, &n);
	fflush(f);
	CHECK("several transfers: curl's parallel header",
	    starts(buf, "DL% UL%  Dled  Uled  Xfers  Live Total     Current"
	    "  Left    Speed\n\r 33 --   1000     0     3     2   0:00:06"));
	fclose(f);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_start(&p, PROGRESS_BAR, f, 0);
	p.columns = 30;
	n = (struct progress_numbers){ 50, 100, 0, 0, 1, 0, 1 };
	progress_update(&p, 1.5, &n);
	progress_end(&p);
	fflush(f);
	CHECK("bar drawn: no header, one line, its newline",
	    len == 32 && buf[0] == '\r' && buf[31] == '\n' &&
	    count(buf, '#') == 11);
	fclose(f);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	progress_start(&p, PROGRESS_OFF, f, 0);
	n = (struct progress_numbers){ 50, 100, 0, 0, 1, 0, 1 };
	for (int i = 0; i <= 50; i++)
		progress_update(&p, i * 0.2, &n);
	progress_done(&p, 11, &n);
	progress_end(&p);
	fflush(f);
	CHECK("PROGRESS_OFF: nothing drawn", len == 0 && !p.shown);
	fclose(f);
	free(buf);
	progress_end(NULL);
	CHECK("progress_end(NULL) is harmless", 1);

	return CHECK_DONE();
}
