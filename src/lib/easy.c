/*
 * qget_fetch(): the one call for the common case, like curl_easy_perform,
 * built on the connection and request calls a program could make itself.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "req.h"

#define FETCH_BUF (128 * 1024)
#define CLOSE_TIMEOUT_MS 2000

/* "https://host[:port][/path]": host without brackets, port, path. */
static qget_status
parse_url(const char *url, char **host, char **port, char **path,
    qget_error *err)
{
	const char *p, *h, *he, *pe;
	size_t hlen;

	*host = *port = *path = NULL;
	if (strncasecmp(url, "https://", 8) != 0)
		return qget__fail(err, QGET_E_USAGE, "URL: '%.100s' does not "
		    "start with https://", url);
	p = url + 8;
	if (*p == '[') {
		h = p + 1;
		if ((he = strchr(h, ']')) == NULL)
			return qget__fail(err, QGET_E_USAGE, "URL: unclosed "
			    "'[' in the host");
		p = he + 1;
	} else {
		h = p;
		he = h + strcspn(h, ":/?#");
		p = he;
	}
	hlen = (size_t)(he - h);
	if (hlen == 0 || hlen > 253 || memchr(h, '@', hlen) != NULL)
		return qget__fail(err, QGET_E_USAGE, "URL: no host, or user "
		    "information (not supported) in '%.100s'", url);
	if (*p == ':') {
		p++;
		pe = p + strcspn(p, "/?#");
		if (pe == p || pe - p > 5 || strspn(p, "0123456789") !=
		    (size_t)(pe - p) || atoi(p) < 1 || atoi(p) > 65535)
			return qget__fail(err, QGET_E_USAGE, "URL: bad port in "
			    "'%.100s'", url);
	} else {
		pe = p;
	}
	if (*pe != '\0' && *pe != '/' && *pe != '?')
		return qget__fail(err, QGET_E_USAGE, "URL: unexpected '%c' "
		    "after the host", *pe);
	if ((*host = strndup(h, hlen)) == NULL ||
	    (*port = pe > p ? strndup(p, (size_t)(pe - p)) :
	    strdup("443")) == NULL)
		goto nomem;
	/* The fragment is the client's own: never sent. */
	if (*pe == '\0' || *pe == '#')
		*path = strdup("/");
	else if (*pe == '?') {
		size_t qlen = strcspn(pe, "#");

		if ((*path = malloc(qlen + 2)) != NULL) {
			(*path)[0] = '/';
			memcpy(*path + 1, pe, qlen);
			(*path)[qlen + 1] = '\0';
		}
	} else
		*path = strndup(pe, strcspn(pe, "#"));
	if (*path == NULL)
		goto nomem;
	return QGET_OK;
nomem:
	free(*host);
	free(*port);
	*host = *port = NULL;
	return qget__fail(err, QGET_E_NOMEM, "out of memory");
}

static int
write_fd(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

qget_status
qget_fetch(const char *url, const qget_config *cfg, int fd, qget_write_cb cb,
    void *arg, qget_result *res, qget_error *err)
{
	qget_config *own = NULL;
	qget_conn *conn = NULL;
	qget_request *req = NULL;
	qget_conn_info info = { .size = sizeof(info) };
	qget_result out;
	unsigned char *buf = NULL;
	char *host = NULL, *port = NULL, *path = NULL;
	uint64_t t0 = qget__now_us();
	qget_error lerr;
	qget_status rv;
	size_t n;

	if (err == NULL)
		err = &lerr;
	qget__error_clear(err);
	memset(&out, 0, sizeof(out));
	/* 1.1's struct ends at time_total_us; a later, longer one is
	 * filled as far as the caller's reaches. */
	if (url == NULL || (cb == NULL && fd < 0) || (res != NULL &&
	    res->size < offsetof(qget_result, time_total_us) +
	    sizeof(res->time_total_us))) {
		rv = qget__fail(err, QGET_E_USAGE, "fetch: bad arguments");
		goto out;
	}
	if ((rv = parse_url(url, &host, &port, &path, err)) != QGET_OK)
		goto out;
	/* HTTP/3 first, unless the program chose. */
	if (cfg == NULL || !cfg->alpn_set) {
		if (cfg == NULL)
			rv = qget_config_new(&own);
		else if ((own = calloc(1, sizeof(*own))) == NULL)
			rv = QGET_E_NOMEM;
		else
			rv = qget__config_copy(own, cfg);
		if (rv != QGET_OK ||
		    (rv = qget_config_set_alpn(own, "h3,http/1.0")) != QGET_OK) {
			qget__fail(err, rv, "fetch: cannot configure");
			goto out;
		}
		cfg = own;
	}
	if ((rv = qget_conn_open(&conn, host, port, cfg, err)) != QGET_OK)
		goto out;
	out.time_connect_us = qget__now_us() - t0;
	if (qget_conn_get_info(conn, &info) == QGET_OK) {
		snprintf(out.alpn, sizeof(out.alpn), "%s", info.alpn);
		snprintf(out.peer_addr, sizeof(out.peer_addr), "%s",
		    info.peer_addr);
	}
	if ((buf = malloc(FETCH_BUF)) == NULL) {
		rv = qget__fail(err, QGET_E_NOMEM, "out of memory");
		goto out;
	}
	if ((rv = qget_request_new(&req, conn, "GET", path, err)) != QGET_OK ||
	    (rv = qget_request_send(req, err)) != QGET_OK)
		goto out;
	for (;;) {
		if ((rv = qget_request_read(req, buf, FETCH_BUF, &n, err)) !=
		    QGET_OK)
			goto out;
		if (n == 0)
			break;
		if (out.time_first_byte_us == 0)
			out.time_first_byte_us = qget__now_us() - t0;
		if (cb != NULL ? cb(arg, buf, n) != 0 : write_fd(fd, buf, n) !=
		    0) {
			rv = qget__fail(err, QGET_E_OUTPUT, "fetch: %s",
			    cb != NULL ? "the write callback stopped" :
			    strerror(errno));
			goto out;
		}
		out.body_bytes += n;
	}
	/* The response is complete: a close that goes wrong is no
	 * failure of the transfer. */
	qget_conn_close_ex(conn, QGET_CLOSE_NO_FLUSH,
	    qget_conn_app_no_error(conn), CLOSE_TIMEOUT_MS, NULL);
	rv = QGET_OK;
out:
	if (req != NULL) {
		out.http_status = qget_response_status(req);
		snprintf(out.version, sizeof(out.version), "%s",
		    qget_response_version(req));
	}
	if (rv != QGET_OK && conn != NULL)
		qget_conn_abort(conn, strcmp(out.alpn, "h3") == 0 ?
		    QGET_H3_INTERNAL_ERROR : QGET_APP_ERROR,
		    qget_status_str(rv));
	qget_request_del(req);
	qget_conn_del(conn);
	qget_config_del(own);
	free(buf);
	free(host);
	free(port);
	free(path);
	out.time_total_us = qget__now_us() - t0;
	if (res != NULL && res->size >= offsetof(qget_result, time_total_us) +
	    sizeof(res->time_total_us)) {
		size_t size = res->size < sizeof(out) ? res->size : sizeof(out);

		out.size = size;
		memcpy(res, &out, size);
	}
	return rv;
}
