#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

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
	cfg->alpn_set = 0; /* the default, not the program's choice */
	/* RFC 8305's recommended "Connection Attempt Delay". */
	cfg->attempt_delay_ms = 250;
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
	free(cfg->ciphers);
	free(cfg->pins);
	free(cfg->session);
	free(cfg->local);
	free(cfg->connect_host);
	free(cfg->connect_port);
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
	dst->cafile = dst->capath = dst->keylog = dst->ciphers = NULL;
	dst->pins = NULL;
	dst->session = NULL;
	dst->local = NULL;
	dst->connect_host = dst->connect_port = NULL;
	if ((dst->alpn_wire = malloc(src->alpn_len)) == NULL)
		goto fail;
	memcpy(dst->alpn_wire, src->alpn_wire, src->alpn_len);
	if ((src->cafile && !(dst->cafile = strdup(src->cafile))) ||
	    (src->capath && !(dst->capath = strdup(src->capath))) ||
	    (src->keylog && !(dst->keylog = strdup(src->keylog))) ||
	    (src->ciphers && !(dst->ciphers = strdup(src->ciphers))) ||
	    (src->local && !(dst->local = strdup(src->local))) ||
	    (src->connect_host &&
	    !(dst->connect_host = strdup(src->connect_host))) ||
	    (src->connect_port &&
	    !(dst->connect_port = strdup(src->connect_port))))
		goto fail;
	if (src->session_len > 0) {
		if ((dst->session = malloc(src->session_len)) == NULL)
			goto fail;
		memcpy(dst->session, src->session, src->session_len);
	}
	if (src->npins > 0) {
		if ((dst->pins = malloc(src->npins * sizeof(*src->pins))) == NULL)
			goto fail;
		memcpy(dst->pins, src->pins, src->npins * sizeof(*src->pins));
	}
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
	cfg->alpn_set = 1;
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

qget_status
qget_config_set_ciphers(qget_config *cfg, const char *list)
{
	SSL_CTX *probe = NULL;
	char *copy = NULL;
	qget_status rv;

	if (cfg == NULL)
		return QGET_E_USAGE;
	if (list != NULL) {
		/* Ask OpenSSL now, so that a typo is a usage error and not a
		 * handshake failure later. */
		if ((probe = SSL_CTX_new(OSSL_QUIC_client_method())) == NULL) {
			rv = QGET_E_NOMEM;
			goto out;
		}
		if (*list == '\0' || !SSL_CTX_set_ciphersuites(probe, list)) {
			ERR_clear_error();
			rv = QGET_E_USAGE;
			goto out;
		}
		if ((copy = strdup(list)) == NULL) {
			rv = QGET_E_NOMEM;
			goto out;
		}
	}
	free(cfg->ciphers);
	cfg->ciphers = copy;
	rv = QGET_OK;
out:
	SSL_CTX_free(probe);
	return rv;
}

/* One "sha256//BASE64" entry of length len into a 32-byte digest. */
static int
parse_pin(const char *p, size_t len, unsigned char out[32])
{
	static const char prefix[] = "sha256//";
	unsigned char raw[48];
	char b64[64];
	size_t b64len = len - (sizeof(prefix) - 1);

	if (len <= sizeof(prefix) - 1 ||
	    strncmp(p, prefix, sizeof(prefix) - 1) != 0 || b64len != 44)
		return -1;
	memcpy(b64, p + sizeof(prefix) - 1, b64len);
	b64[b64len] = '\0';
	/* 44 base64 characters with one '=' decode to 33 bytes, the last
	 * being padding: EVP_DecodeBlock does not strip it. */
	if (b64[43] != '=' || b64[42] == '=' ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, 44) != 33)
		return -1;
	memcpy(out, raw, 32);
	return 0;
}

qget_status
qget_config_set_pinned_pubkey(qget_config *cfg, const char *pins)
{
	unsigned char (*list)[32] = NULL;
	size_t n = 0, cap = 0;
	const char *p, *end;
	qget_status rv;

	if (cfg == NULL)
		return QGET_E_USAGE;
	for (p = pins; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if (n == cap) {
			void *grown = realloc(list, (cap = cap ? cap * 2 : 4) *
			    sizeof(*list));

			if (grown == NULL) {
				rv = QGET_E_NOMEM;
				goto out;
			}
			list = grown;
		}
		if (parse_pin(p, (size_t)(end - p), list[n]) != 0) {
			rv = QGET_E_USAGE;
			goto out;
		}
		n++;
	}
	if (pins != NULL && n == 0) {
		rv = QGET_E_USAGE;
		goto out;
	}
	free(cfg->pins);
	cfg->pins = list;
	cfg->npins = n;
	list = NULL;
	rv = QGET_OK;
out:
	free(list);
	return rv;
}

qget_status
qget_config_set_session(qget_config *cfg, const unsigned char *der,
    size_t len)
{
	unsigned char *copy = NULL;

	if (cfg == NULL || (der == NULL && len != 0))
		return QGET_E_USAGE;
	if (len > 0) {
		if ((copy = malloc(len)) == NULL)
			return QGET_E_NOMEM;
		memcpy(copy, der, len);
	}
	free(cfg->session);
	cfg->session = copy;
	cfg->session_len = len;
	return QGET_OK;
}

/* What Linux takes as an interface name (dev_valid_name()). */
static int
is_ifname(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < IFNAMSIZ && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0 && strcspn(s, "/: \t\n\r\v\f") == len;
}

qget_status
qget_config_set_local(qget_config *cfg, const char *local, unsigned port_min,
    unsigned port_max)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char *copy = NULL;

	if (cfg == NULL || port_min > 65535 || port_max > 65535 ||
	    (port_max != 0 && (port_min == 0 || port_min > port_max)))
		return QGET_E_USAGE;
	if (local != NULL) {
		if (inet_pton(AF_INET, local, buf) != 1 &&
		    inet_pton(AF_INET6, local, buf) != 1 && !is_ifname(local))
			return QGET_E_USAGE;
		if ((copy = strdup(local)) == NULL)
			return QGET_E_NOMEM;
	}
	free(cfg->local);
	cfg->local = copy;
	cfg->local_port_min = port_min;
	cfg->local_port_max = port_max != 0 ? port_max : port_min;
	return QGET_OK;
}

static int
port_ok(const char *s)
{
	size_t n = strlen(s);
	unsigned long v = 0;

	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return 0;
	v = strtoul(s, NULL, 10);
	return v >= 1 && v <= 65535;
}

qget_status
qget_config_set_connect_to(qget_config *cfg, const char *host,
    const char *port)
{
	char *h = NULL, *p = NULL;

	if (cfg == NULL || (host != NULL && (*host == '\0' ||
	    strlen(host) > 255)) || (port != NULL && !port_ok(port)))
		return QGET_E_USAGE;
	if ((host != NULL && (h = strdup(host)) == NULL) ||
	    (port != NULL && (p = strdup(port)) == NULL)) {
		free(h);
		return QGET_E_NOMEM;
	}
	free(cfg->connect_host);
	free(cfg->connect_port);
	cfg->connect_host = h;
	cfg->connect_port = p;
	return QGET_OK;
}

void
qget_config_set_attempt_delay(qget_config *cfg, uint64_t ms)
{
	cfg->attempt_delay_ms = ms;
}

void
qget_config_set_ssl_ctx_cb(qget_config *cfg, qget_ssl_ctx_cb cb, void *arg)
{
	cfg->ssl_ctx_cb = cb;
	cfg->ssl_ctx_arg = arg;
}

void
qget_config_set_gso(qget_config *cfg, int on)
{
	cfg->no_gso = !on;
}
