/* -o: the file appears only on commit; abort leaves nothing; what exists
 * under the name (link, FIFO, mode) survives. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/tool/output.h"
#include "check.h"

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int
file_is(const char *path, const char *want)
{
	char back[64] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(back, 1, sizeof(back) - 1, f);
	fclose(f);
	return n == strlen(want) && memcmp(back, want, n) == 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

/* out_open, out_write, out_commit of text to path. */
static qget_status
put(const char *path, const char *text)
{
	struct tool_out o;
	char msg[256];
	qget_status rv;

	if ((rv = out_open(&o, path, msg, sizeof(msg))) != QGET_OK)
		return rv;
	if ((rv = out_write(&o, text, strlen(text), msg, sizeof(msg))) ==
	    QGET_OK)
		rv = out_commit(&o, msg, sizeof(msg));
	else
		out_abort(&o);
	out_close(&o);
	return rv;
}

/* /dev/fd/N names an open file (here a pipe, "pipe:[N]", no path): the
 * kernel opens it, nothing is created beside it. */
static void
proc_links(void)
{
	char path[64], msg[256], back[8] = { 0 };
	struct tool_out o;
	int p[2];

	if (pipe(p) == -1)
		return;
	snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
	CHECK("output: open /dev/fd/N of a pipe",
	    out_open(&o, path, msg, sizeof(msg)) == QGET_OK && o.in_place);
	CHECK("output: write /dev/fd/N", out_write(&o, "pipe", 4, msg,
	    sizeof(msg)) == QGET_OK && out_commit(&o, msg, sizeof(msg)) ==
	    QGET_OK);
	out_close(&o);
	CHECK("output: the pipe got the bytes", read(p[0], back, 4) == 4 &&
	    memcmp(back, "pipe", 4) == 0);
	close(p[0]);
	close(p[1]);
}

static void
special_targets(const char *dir)
{
	char path[256], link[256], target[256], msg[256];
	struct tool_out o;
	struct stat st;
	char back[16] = { 0 };
	int rd;

	CHECK("output: out_check accepts stdout and \"-\"",
	    out_check(NULL, msg, sizeof(msg)) == QGET_OK &&
	    out_check("-", msg, sizeof(msg)) == QGET_OK);
	CHECK("output: out_check refuses a directory as a usage error",
	    out_check(dir, msg, sizeof(msg)) == QGET_E_USAGE &&
	    strstr(msg, "is a directory") != NULL);
	CHECK("output: out_check refuses a name ending in /",
	    out_check("no-such-dir/", msg, sizeof(msg)) == QGET_E_USAGE);
	snprintf(path, sizeof(path), "%s/new", dir);
	CHECK("output: out_check accepts a new file",
	    out_check(path, msg, sizeof(msg)) == QGET_OK);
	CHECK("output: out_open refuses a directory",
	    out_open(&o, dir, msg, sizeof(msg)) == QGET_E_OUTPUT &&
	    strstr(msg, "Is a directory") != NULL);

	CHECK("output: \"-\" is stdout", out_open(&o, "-", msg,
	    sizeof(msg)) == QGET_OK && o.fd == 1 && o.path == NULL);
	out_close(&o);

	/* A link: written through, and still a link after. */
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	write_file(target, "old", 0640);
	CHECK("output: link set up", symlink("target", link) == 0);
	CHECK("output: write through a link", put(link, "new") == QGET_OK);
	CHECK("output: the link stays a link", lstat(link, &st) == 0 &&
	    S_ISLNK(st.st_mode));
	CHECK("output: the link's target has the bytes and its mode",
	    file_is(target, "new") && mode_of(target) == 0640);
	CHECK("output: nothing else beside them", entries(dir) == 2);
	unlink(link);
	unlink(target);

	/* A dangling link creates its target. */
	CHECK("output: dangling link set up", symlink("made", link) == 0);
	CHECK("output: write through a dangling link", put(link, "x") ==
	    QGET_OK);
	snprintf(target, sizeof(target), "%s/made", dir);
	CHECK("output: the dangling link's target is created",
	    file_is(target, "x") && lstat(link, &st) == 0 &&
	    S_ISLNK(st.st_mode));
	unlink(link);
	unlink(target);

	/* A loop of links is an output error, not a hang. */
	CHECK("output: loop set up", symlink("link", link) == 0);
	CHECK("output: a loop of links fails",
	    out_open(&o, link, msg, sizeof(msg)) == QGET_E_OUTPUT &&
	    strstr(msg, "Too many levels") != NULL);
	unlink(link);

	/* An existing file keeps its mode. */
	write_file(target, "old", 0600);
	CHECK("output: replace a 0600 file", put(target, "new") == QGET_OK);
	CHECK("output: the 0600 file keeps its mode",
	    file_is(target, "new") && mode_of(target) == 0600);
	write_file(target, "old", 04755);
	CHECK("output: replace a set-user-ID file", put(target, "new") ==
	    QGET_OK);
	CHECK("output: the new bytes do not inherit set-user-ID",
	    mode_of(target) == 0755);
	unlink(target);

	/* A FIFO is written in place; our own read end keeps open() from
	 * waiting for a reader. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK("output: FIFO set up", mkfifo(path, 0600) == 0);
	rd = open(path, O_RDWR | O_NONBLOCK);
	CHECK("output: open a FIFO", out_open(&o, path, msg, sizeof(msg)) ==
	    QGET_OK && o.in_place && o.tmp == NULL);
	CHECK("output: write a FIFO", out_write(&o, "fifo", 4, msg,
	    sizeof(msg)) == QGET_OK);
	CHECK("output: commit a FIFO", out_commit(&o, msg, sizeof(msg)) ==
	    QGET_OK);
	out_close(&o);
	CHECK("output: the FIFO got the bytes", rd >= 0 &&
	    read(rd, back, sizeof(back)) == 4 && memcmp(back, "fifo", 4) == 0);
	CHECK("output: the FIFO stays a FIFO", lstat(path, &st) == 0 &&
	    S_ISFIFO(st.st_mode) && entries(dir) == 1);
	if (rd >= 0)
		close(rd);
	unlink(path);
	proc_links();
}

int
main(void)
{
	char dir[] = "/tmp/qget-unit-XXXXXX", path[256], msg[256];
	struct tool_out o;
	struct stat st;
	FILE *f;
	char back[16] = { 0 };

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/file", dir);

	CHECK("output: open", out_open(&o, path, msg, sizeof(msg)) == QGET_OK);
	CHECK("output: write", out_write(&o, "ab\0c", 4, msg, sizeof(msg)) ==
	    QGET_OK && o.written == 4);
	CHECK("output: nothing under the final name before commit",
	    stat(path, &st) == -1);
	CHECK("output: one temporary while writing", entries(dir) == 1);
	out_abort(&o);
	out_close(&o);
	CHECK("output: abort leaves nothing", entries(dir) == 0);

	CHECK("output: open again", out_open(&o, path, msg, sizeof(msg)) ==
	    QGET_OK);
	out_write(&o, "ab\0c", 4, msg, sizeof(msg));
	CHECK("output: commit", out_commit(&o, msg, sizeof(msg)) == QGET_OK);
	out_abort(&o); /* after commit: must not remove the file */
	out_close(&o);
	CHECK("output: committed file, no temporary", entries(dir) == 1 &&
	    stat(path, &st) == 0 && st.st_size == 4);
	f = fopen(path, "rb");
	CHECK("output: bytes intact", f != NULL && fread(back, 1, 16, f) == 4 &&
	    memcmp(back, "ab\0c", 4) == 0);
	if (f != NULL)
		fclose(f);
	CHECK("output: mode follows the umask", (st.st_mode & 0777) ==
	    (0666 & ~(unsigned)umask(022)));

	snprintf(path, sizeof(path), "%s/missing/file", dir);
	CHECK("output: missing directory is E_OUTPUT",
	    out_open(&o, path, msg, sizeof(msg)) == QGET_E_OUTPUT &&
	    strstr(msg, "cannot create") != NULL);
	out_close(&o);

	CHECK("output: stdout needs no file",
	    out_open(&o, NULL, msg, sizeof(msg)) == QGET_OK && o.fd == 1);
	CHECK("output: commit on stdout is a no-op",
	    out_commit(&o, msg, sizeof(msg)) == QGET_OK);
	out_close(&o);

	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	special_targets(dir);
	rmdir(dir);
	return CHECK_DONE();
}
