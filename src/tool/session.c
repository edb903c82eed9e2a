#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

/* A serialized TLS 1.3 session is a few KiB; anything far larger is not
 * one of ours. */
#define SESSION_MAX (64 * 1024)

void
tool_session_load(const char *path, unsigned char **buf, size_t *len)
{
	unsigned char *data = NULL;
	FILE *f = NULL;
	size_t n;

	*buf = NULL;
	*len = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		if (errno != ENOENT)
			fprintf(stderr, "qget: warning: cannot read session file "
			    "%s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((data = malloc(SESSION_MAX)) == NULL)
		goto out;
	n = fread(data, 1, SESSION_MAX, f);
	if (ferror(f) || n == 0 || n == SESSION_MAX) {
		fprintf(stderr, "qget: warning: ignoring session file %s: not "
		    "a saved session\n", path);
		goto out;
	}
	*buf = data;
	*len = n;
	data = NULL;
out:
	free(data);
	if (f != NULL)
		fclose(f);
}

void
tool_session_save(const char *path, const unsigned char *buf, size_t len)
{
	char *tmp = NULL;
	FILE *f = NULL;
	size_t tlen = strlen(path) + sizeof(".qget-XXXXXX");
	int fd = -1;

	if ((tmp = malloc(tlen)) == NULL)
		goto fail;
	snprintf(tmp, tlen, "%s.qget-XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1 || (f = fdopen(fd, "wb")) == NULL)
		goto fail;
	fd = -1;
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return;
fail:
	fprintf(stderr, "qget: warning: cannot save the TLS session to %s: "
	    "%s\n", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
}
