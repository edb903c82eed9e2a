/*
 * What a connection trusts, and what it may skip: the trust store that
 * verification uses, the checks after every handshake (a resumed session
 * is not verified again by OpenSSL, so qget checks what the session
 * carries), and the binding of a saved session to what it was verified
 * for.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

/*
 * Where distributions keep the CA bundle, for an OpenSSL whose own default
 * (OPENSSLDIR) holds none: the list curl's configure probes for its
 * default bundle.  OpenSSL's default comes first, so a platform OpenSSL
 * is used as its packagers meant.
 */
static const char *const platform_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",     /* Debian, Ubuntu, Gentoo */
	"/etc/pki/tls/certs/ca-bundle.crt",       /* Fedora, RHEL */
	"/usr/share/ssl/certs/ca-bundle.crt",     /* old Red Hat */
	"/usr/local/share/certs/ca-root-nss.crt", /* FreeBSD */
	"/etc/ssl/cert.pem",                      /* OpenBSD, Alpine, macOS */
	"/etc/ssl/ca-bundle.pem",                 /* openSUSE */
};
static const char *const platform_dirs[] = {
	"/etc/ssl/certs",
};

static int
is_file(const char *path)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
is_dir(const char *path)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The SHA-256 of a file's bytes as hex, or "-" when it cannot be read:
 * part of a session's binding, so that a bundle whose CAs changed does
 * not resume sessions verified against the old one. */
static void
file_digest(const char *path, char *hex, size_t len)
{
	unsigned char buf[16384], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = NULL;
	unsigned int mdlen = 0, i;
	FILE *f = NULL;
	size_t n;

	snprintf(hex, len, "-");
	if (path == NULL || (f = fopen(path, "rb")) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (!EVP_DigestUpdate(ctx, buf, n))
			goto out;
	if (ferror(f) || !EVP_DigestFinal_ex(ctx, md, &mdlen) ||
	    len < 2 * (size_t)mdlen + 1)
		goto out;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
	if (f != NULL)
		fclose(f);
	ERR_clear_error();
}

/* "file PATH sha256 HEX dir PATH": what verification trusts, as a
 * session's binding records it. */
static qget_status
set_trust(qget_conn *c, const char *how, const char *file, const char *dir)
{
	char digest[2 * EVP_MAX_MD_SIZE + 1], abs_file[PATH_MAX],
	    abs_dir[PATH_MAX];
	int n;

	file_digest(file, digest, sizeof(digest));
	if (file == NULL || realpath(file, abs_file) == NULL)
		snprintf(abs_file, sizeof(abs_file), "%s", file ? file : "-");
	if (dir == NULL || realpath(dir, abs_dir) == NULL)
		snprintf(abs_dir, sizeof(abs_dir), "%s", dir ? dir : "-");
	free(c->trust);
	n = snprintf(NULL, 0, "%s file %s sha256 %s dir %s", how, abs_file,
	    digest, abs_dir);
	if (n < 0 || (c->trust = malloc((size_t)n + 1)) == NULL)
		return QGET_E_NOMEM;
	snprintf(c->trust, (size_t)n + 1, "%s file %s sha256 %s dir %s", how,
	    abs_file, digest, abs_dir);
	qget__log(&c->cfg, "trust store: %s%s%s%s%s", how,
	    file ? ", file " : "", file ? file : "", dir ? ", directory " : "",
	    dir ? dir : "");
	return QGET_OK;
}

/* A --cacert or --capath that is not there is the user's mistake, said in
 * the system's words; OpenSSL's would be "BIO lib". */
static qget_status
check_location(const char *path, int want_dir, qget_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return qget__fail(err, QGET_E_USAGE, "CA %s %s: %s",
		    want_dir ? "directory" : "file", path, strerror(errno));
	if (want_dir && !S_ISDIR(st.st_mode))
		return qget__fail(err, QGET_E_USAGE, "CA directory %s: %s",
		    path, strerror(ENOTDIR));
	if (!want_dir && S_ISDIR(st.st_mode))
		return qget__fail(err, QGET_E_USAGE, "CA file %s: %s (a "
		    "directory of hashed certificates is a CA directory)",
		    path, strerror(EISDIR));
	return QGET_OK;
}

static qget_status
load_failed(const char *what, const char *path, qget_error *err)
{
	char text[256];

	ERR_error_string_n(ERR_peek_last_error(), text, sizeof(text));
	ERR_clear_error();
	return qget__fail(err, QGET_E_USAGE, "cannot load CA certificates "
	    "from %s %s: %s", what, path, text);
}

qget_status
qget__load_trust(qget_conn *c, qget_error *err)
{
	const char *file_env = X509_get_default_cert_file_env();
	const char *dir_env = X509_get_default_cert_dir_env();
	const char *file, *dir, *ef, *ed;
	qget_status rv;
	size_t i;

	if (c->cfg.insecure)
		return set_trust(c, "none (verification off)", NULL, NULL);

	if (c->cfg.cafile != NULL || c->cfg.capath != NULL) {
		if ((c->cfg.cafile != NULL &&
		    (rv = check_location(c->cfg.cafile, 0, err)) != QGET_OK) ||
		    (c->cfg.capath != NULL &&
		    (rv = check_location(c->cfg.capath, 1, err)) != QGET_OK))
			return rv;
		if (c->cfg.cafile != NULL &&
		    !SSL_CTX_load_verify_file(c->ctx, c->cfg.cafile))
			return load_failed("file", c->cfg.cafile, err);
		if (c->cfg.capath != NULL &&
		    !SSL_CTX_load_verify_dir(c->ctx, c->cfg.capath))
			return load_failed("directory", c->cfg.capath, err);
		return set_trust(c, "the given CAs", c->cfg.cafile,
		    c->cfg.capath);
	}

	/* OpenSSL's default verify paths honour SSL_CERT_FILE and
	 * SSL_CERT_DIR; so do we, and say so. */
	ef = getenv(file_env);
	ed = getenv(dir_env);
	if ((ef != NULL && *ef != '\0') || (ed != NULL && *ed != '\0')) {
		if (!SSL_CTX_set_default_verify_paths(c->ctx))
			return load_failed("the environment's", ef ? ef : ed,
			    err);
		ERR_clear_error();
		if (ef != NULL && *ef != '\0' && !is_file(ef))
			qget__log(&c->cfg, "warning: %s=%s is no file",
			    file_env, ef);
		if (ed != NULL && *ed != '\0' && !is_dir(ed))
			qget__log(&c->cfg, "warning: %s=%s is no directory",
			    dir_env, ed);
		return set_trust(c, ef && *ef ? (ed && *ed ?
		    "SSL_CERT_FILE and SSL_CERT_DIR" : "SSL_CERT_FILE") :
		    "SSL_CERT_DIR", ef && *ef ? ef : NULL,
		    ed && *ed ? ed : NULL);
	}

	file = X509_get_default_cert_file();
	dir = X509_get_default_cert_dir();
	if (is_file(file) || is_dir(dir)) {
		if (!SSL_CTX_set_default_verify_paths(c->ctx))
			return load_failed("OpenSSL's default", file, err);
		ERR_clear_error();
		return set_trust(c, "OpenSSL's default",
		    is_file(file) ? file : NULL, is_dir(dir) ? dir : NULL);
	}

	/* An OpenSSL built with an OPENSSLDIR of its own: the platform's
	 * store is still the one to trust. */
	file = dir = NULL;
	for (i = 0; i < sizeof(platform_bundles) / sizeof(*platform_bundles);
	    i++) {
		if (is_file(platform_bundles[i])) {
			file = platform_bundles[i];
			break;
		}
	}
	for (i = 0; i < sizeof(platform_dirs) / sizeof(*platform_dirs); i++) {
		if (is_dir(platform_dirs[i])) {
			dir = platform_dirs[i];
			break;
		}
	}
	if (file == NULL && dir == NULL)
		return qget__fail(err, QGET_E_VERIFY, "no trust store: neither "
		    "OpenSSL's default (%s, %s) nor a platform CA bundle "
		    "exists; give one with --cacert", X509_get_default_cert_file(),
		    X509_get_default_cert_dir());
	if ((file != NULL && !SSL_CTX_load_verify_file(c->ctx, file)) ||
	    (dir != NULL && !SSL_CTX_load_verify_dir(c->ctx, dir)))
		return load_failed("the platform's", file ? file : dir, err);
	return set_trust(c, "the platform's", file, dir);
}

static int
is_ip(const char *host)
{
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
	int yes = ip != NULL;

	ASN1_OCTET_STRING_free(ip);
	ERR_clear_error();
	return yes;
}

qget_status
qget__verify_peer(qget_conn *c, qget_error *err)
{
	const char *resumed = SSL_session_reused(c->ssl) ?
	    " (resumed session)" : "";
	char text[400];
	X509 *cert = NULL;
	qget_status rv;
	long vr;
	int ip, ok;

	if (c->cfg.insecure)
		return QGET_OK;
	vr = SSL_get_verify_result(c->ssl);
	if (vr == X509_V_OK &&
	    (cert = SSL_get1_peer_certificate(c->ssl)) == NULL) {
		rv = qget__fail(err, QGET_E_VERIFY, "handshake with %s: the "
		    "server presented no certificate%s", c->peer_addr, resumed);
		goto out;
	}
	/* OpenSSL checked the name during a full handshake (SSL_set1_host);
	 * a resumed one carries the old certificate, checked here again. */
	if (vr == X509_V_OK) {
		ip = is_ip(c->host);
		ok = ip ? X509_check_ip_asc(cert, c->host, 0) :
		    X509_check_host(cert, c->host, 0, 0, NULL);
		if (ok != 1)
			vr = ip ? X509_V_ERR_IP_ADDRESS_MISMATCH :
			    X509_V_ERR_HOSTNAME_MISMATCH;
	}
	if (vr == X509_V_OK) {
		rv = QGET_OK;
		goto out;
	}
	qget__cert_log(c, c->ssl, vr);
	qget__verify_text(c, c->ssl, vr, text, sizeof(text));
	rv = qget__fail(err, QGET_E_VERIFY, "handshake with %s: server "
	    "certificate verification failed%s: %s", c->peer_addr, resumed,
	    text);
out:
	X509_free(cert);
	ERR_clear_error();
	return rv;
}

/*
 * A saved session is a text head, one "key value" line each, an empty
 * line, then OpenSSL's DER of the session:
 *
 *   qget-session 1
 *   host localhost
 *   port 4433
 *   alpn h3
 *   verify peer
 *   trust OpenSSL's default file /usr/lib/ssl/cert.pem sha256 ... dir ...
 *
 * Resuming skips certificate verification, so a session is offered only
 * to the same host and port, over an ALPN we offer, with the same trust
 * store and verification on: what it was verified for.
 */
#define SESSION_MAGIC "qget-session 1\n"
static const char *const binding_keys[] = {
	"host", "port", "alpn", "verify", "trust",
};
#define NBINDING (sizeof(binding_keys) / sizeof(*binding_keys))

static void
binding_values(const qget_conn *c, const char *alpn, const char *v[NBINDING])
{
	v[0] = c->host;
	v[1] = c->port;
	v[2] = alpn;
	v[3] = c->cfg.insecure ? "none" : "peer";
	v[4] = c->trust ? c->trust : "";
}

qget_status
qget__session_save(qget_conn *c, unsigned char **out, size_t *outlen)
{
	const char *v[NBINDING];
	unsigned char *buf = NULL, *p;
	size_t head = sizeof(SESSION_MAGIC) - 1 + 1, i;
	qget_status rv;
	int n;

	*out = NULL;
	*outlen = 0;
	/* Never from an unverified connection: resuming it later would
	 * skip the verification it never had. */
	if (c->cfg.insecure || !c->verified) {
		rv = QGET_E_USAGE;
		goto out;
	}
	if (c->ticket == NULL || (n = i2d_SSL_SESSION(c->ticket, NULL)) <= 0) {
		rv = QGET_E_FAILURE;
		goto out;
	}
	binding_values(c, c->alpn, v);
	for (i = 0; i < NBINDING; i++) {
		if (strchr(v[i], '\n') != NULL) {
			rv = QGET_E_FAILURE;
			goto out;
		}
		head += strlen(binding_keys[i]) + 1 + strlen(v[i]) + 1;
	}
	if ((buf = malloc(head + (size_t)n)) == NULL) {
		rv = QGET_E_NOMEM;
		goto out;
	}
	p = buf;
	memcpy(p, SESSION_MAGIC, sizeof(SESSION_MAGIC) - 1);
	p += sizeof(SESSION_MAGIC) - 1;
	for (i = 0; i < NBINDING; i++)
		p += sprintf((char *)p, "%s %s\n", binding_keys[i], v[i]);
	*p++ = '\n';
	if (i2d_SSL_SESSION(c->ticket, &p) != n) {
		rv = QGET_E_FAILURE;
		goto out;
	}
	*out = buf;
	*outlen = (size_t)(p - buf);
	buf = NULL;
	rv = QGET_OK;
out:
	free(buf);
	return rv;
}

/* Is `alpn` one of the protocols we offer? */
static int
offered(const qget_conn *c, const char *alpn, size_t len)
{
	size_t i = 0;

	while (i < c->cfg.alpn_len) {
		size_t n = c->cfg.alpn_wire[i];

		if (n == len && memcmp(c->cfg.alpn_wire + i + 1, alpn, n) == 0)
			return 1;
		i += 1 + n;
	}
	return 0;
}

/* Parses the head; the DER follows at *der.  Returns NULL when all is
 * well, else why the session is not offered. */
static const char *
check_binding(const qget_conn *c, const unsigned char *buf, size_t len,
    const unsigned char **der, size_t *derlen)
{
	const char *want[NBINDING];
	const unsigned char *p = buf, *end = buf + len, *nl;
	size_t magic = sizeof(SESSION_MAGIC) - 1, i;
	int seen[NBINDING] = { 0 };

	if (len < magic || memcmp(buf, SESSION_MAGIC, magic) != 0)
		return "it is not a qget session (an older format?)";
	p += magic;
	binding_values(c, NULL, want);
	for (;;) {
		const unsigned char *sp;
		size_t klen, vlen;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return "it is damaged";
		if (nl == p) {
			p++;
			break;
		}
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			return "it is damaged";
		klen = (size_t)(sp - p);
		vlen = (size_t)(nl - sp - 1);
		for (i = 0; i < NBINDING; i++)
			if (strlen(binding_keys[i]) == klen &&
			    memcmp(binding_keys[i], p, klen) == 0)
				break;
		if (i == NBINDING || seen[i])
			return "it is damaged";
		seen[i] = 1;
		if (i == 2) {
			if (!offered(c, (const char *)sp + 1, vlen))
				return "it was made over an ALPN not "
				    "offered now";
		} else if (strlen(want[i]) != vlen ||
		    memcmp(want[i], sp + 1, vlen) != 0) {
			static const char *const why[NBINDING] = {
				"it was made for another host",
				"it was made for another port",
				"", "it was made with verification off",
				"it was verified against another trust store",
			};
			return why[i];
		}
		p = nl + 1;
	}
	for (i = 0; i < NBINDING; i++)
		if (!seen[i])
			return "it is damaged";
	*der = p;
	*derlen = (size_t)(end - p);
	return NULL;
}

void
qget__session_offer(qget_conn *c)
{
	const unsigned char *der = NULL;
	SSL_SESSION *sess = NULL;
	const char *why;
	size_t derlen = 0;

	if (c->cfg.session_len == 0)
		return;
	if (c->cfg.insecure)
		why = "verification is off";
	else
		why = check_binding(c, c->cfg.session, c->cfg.session_len,
		    &der, &derlen);
	if (why == NULL && (derlen > LONG_MAX ||
	    (sess = d2i_SSL_SESSION(NULL, &der, (long)derlen)) == NULL))
		why = "OpenSSL cannot read it";
	if (why == NULL && !SSL_set_session(c->ssl, sess))
		why = "OpenSSL refused it";
	/* Never a reason to fail: a full handshake verifies everything. */
	if (why != NULL)
		qget__log(&c->cfg, "not resuming the saved TLS session: %s; "
		    "doing a full handshake", why);
	SSL_SESSION_free(sess);
	ERR_clear_error();
}
