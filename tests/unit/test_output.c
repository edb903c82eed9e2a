/* -o: the file appears only on commit; abort leaves nothing. */
#include <dirent.h>
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
	rmdir(dir);
	return CHECK_DONE();
}
