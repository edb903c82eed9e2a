#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* "h3,http/1.0" -> "\x02h3\x08http/1.0" */
static qget_status
alpn_to_wire(const char *list, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(list), i, start = 0, w = 0;
	unsigned char *wire;

	if (n == 0)
		return QGET_E_USAGE;
	/* One length byte replaces each comma, plus one in front. */
	if ((wire = malloc(n + 1)) == NULL)
		return QGET_E_NOMEM;
	for (i = 0; i <= n; i++) {
		if (list[i] != ',' && list[i] != '\0')
			continue;
		size_t len = i - start;
		if (len == 0 || len > 255) {
			free(wire);
			return QGET_E_USAGE;
		}
		wire[w++] = (unsigned char)len;
		memcpy(wire + w, list + start, len);
		w += len;
		start = i + 1;
	}
	*out = wire;
	*outlen = w;
	return QGET_OK;
}

qget_status
qget_config_new(qget_config **out)
{
	qget_config *cfg;
	qget_status rv = QGET_E_NOMEM;

	*out = NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		goto out;
	if ((rv = qget_config_set_alpn(cfg, "http/1.0")) != QGET_OK)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	qget_config_del(cfg);
	return rv;
}

void
qget__config_clear(struct qget_config *cfg)
{
	free(cfg->alpn_wire);
	free(cfg->cafile);
	free(cfg->capath);
	free(cfg->keylog);
	memset(cfg, 0, sizeof(*cfg));
}

void
qget_config_del(qget_config *cfg)
{
	if (cfg == NULL)
		return;
	qget__config_clear(cfg);
	free(cfg);
}

qget_status
qget__config_copy(struct qget_config *dst, const struct qget_config *src)
{
	*dst = *src;
	dst->alpn_wire = NULL;
	dst->cafile = dst->capath = dst->keylog = NULL;
	if ((dst->alpn_wire = malloc(src->alpn_len)) == NULL)
		goto fail;
	memcpy(dst->alpn_wire, src->alpn_wire, src->alpn_len);
	if ((src->cafile && !(dst->cafile = strdup(src->cafile))) ||
	    (src->capath && !(dst->capath = strdup(src->capath))) ||
	    (src->keylog && !(dst->keylog = strdup(src->keylog))))
		goto fail;
	return QGET_OK;
fail:
	qget__config_clear(dst);
	return QGET_E_NOMEM;
}

qget_status
qget_config_set_alpn(qget_config *cfg, const char *list)
{
	unsigned char *wire;
	size_t len;
	qget_status rv;

	if (cfg == NULL || list == NULL)
		return QGET_E_USAGE;
	if ((rv = alpn_to_wire(list, &wire, &len)) != QGET_OK)
		return rv;
	free(cfg->alpn_wire);
	cfg->alpn_wire = wire;
	cfg->alpn_len = len;
	return QGET_OK;
}

qget_status
qget_config_set_family(qget_config *cfg, qget_family family)
{
	if (cfg == NULL || (family != QGET_FAMILY_ANY &&
	    family != QGET_FAMILY_IPV4 && family != QGET_FAMILY_IPV6))
		return QGET_E_USAGE;
	cfg->family = family;
	return QGET_OK;
}

qget_status
qget_config_set_ca(qget_config *cfg, const char *file, const char *dir)
{
	char *f = NULL, *d = NULL;

	if (cfg == NULL)
		return QGET_E_USAGE;
	if ((file && !(f = dup_or_null(file))) ||
	    (dir && !(d = dup_or_null(dir)))) {
		free(f);
		return QGET_E_NOMEM;
	}
	free(cfg->cafile);
	free(cfg->capath);
	cfg->cafile = f;
	cfg->capath = d;
	return QGET_OK;
}

void
qget_config_set_insecure(qget_config *cfg, int insecure)
{
	cfg->insecure = insecure != 0;
}

void
qget_config_set_connect_timeout(qget_config *cfg, uint64_t ms)
{
	cfg->connect_timeout_ms = ms;
}

void
qget_config_set_idle_timeout(qget_config *cfg, uint64_t ms)
{
	cfg->idle_timeout_ms = ms;
}

void
qget_config_set_max_time(qget_config *cfg, uint64_t ms)
{
	cfg->max_time_ms = ms;
}

qget_status
qget_config_set_keylog(qget_config *cfg, const char *path)
{
	char *p = NULL;

	if (cfg == NULL)
		return QGET_E_USAGE;
	if (path != NULL && (p = strdup(path)) == NULL)
		return QGET_E_NOMEM;
	free(cfg->keylog);
	cfg->keylog = p;
	return QGET_OK;
}

void
qget_config_set_log(qget_config *cfg, qget_log_cb cb, void *arg)
{
	cfg->log = cb;
	cfg->log_arg = arg;
}

void
qget_config_set_cancel(qget_config *cfg, const volatile sig_atomic_t *flag)
{
	cfg->cancel = flag;
}
