/*
 * --probe: an operator's look at a QUIC endpoint.  Each question is one
 * connection of its own (each address; each ALPN alone; a second
 * connection with the first one's session), so that one answer cannot
 * hide another.  The Retry question is answered from OpenSSL's own qlog
 * of the first connection, the one place that sees the packet.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "escape.h"
#include "probe.h"
#include "report.h"

#define PROBE_MAX_ADDRS 8
#define PROBE_MAX_CERTS 8
#define PROBE_MAX_NAMES 16

struct probe_addr {
	char addr[64];          /* numeric, without brackets */
	int v6;
	double handshake_ms;    /* < 0: failed */
	qget_status st;
	char error[300];
};

struct probe_cert {
	char subject[256];
	char issuer[256];
	char names[PROBE_MAX_NAMES][128];
	int nnames;
	char not_after[64];
	long days_left;
};

static const char *const alpns[] = { "h3", "hq-interop", "http/1.0" };
#define NALPN (sizeof(alpns) / sizeof(alpns[0]))

struct probe {
	const struct tool_opts *o;
	const char *host;
	const char *port;
	struct probe_addr addrs[PROBE_MAX_ADDRS];
	int naddrs;
	int good;               /* index of the first address that worked */
	char alpn[64];          /* negotiated with every ALPN offered */
	char version[32];
	char cipher[64];
	char verify[128];
	int alpn_ok[NALPN];     /* 1 accepted, 0 refused, -1 unknown */
	int retry;              /* 1, 0, -1 unknown */
	int ticket;             /* a session ticket came */
	int resumed;            /* -1 not tried */
	struct probe_cert certs[PROBE_MAX_CERTS];
	int ncerts;
	int64_t idle_ms;        /* -1 unknown */
	int64_t bidi, uni;      /* streams we may open now; -1 unknown */
	int status;             /* the HTTP answer to HEAD; 0 none */
	char alt_svc[256];
	qget_status st;
	char error[512];
};

/* The peer's text, made safe for a terminal and bounded. */
static void
put(char *dst, size_t cap, const void *src, size_t len)
{
	tool_escape(dst, cap, src, len);
}

/* A name as the library's messages print it ("CN=localhost"). */
static void
dn(const X509_NAME *name, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE &
	    ~XN_FLAG_SPC_EQ) >= 0 && (len = BIO_get_mem_data(b, &p)) > 0)
		put(out, cap, p, (size_t)len);
	BIO_free(b);
}

static void
cert_info(struct probe_cert *pc, X509 *x)
{
	GENERAL_NAMES *gens;
	const ASN1_TIME *na = X509_get0_notAfter(x);
	BIO *b;
	int days = 0, secs = 0;

	dn(X509_get_subject_name(x), pc->subject, sizeof(pc->subject));
	dn(X509_get_issuer_name(x), pc->issuer, sizeof(pc->issuer));
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) &&
	    pc->nnames < PROBE_MAX_NAMES; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char *n = pc->names[pc->nnames];
		size_t cap = sizeof(pc->names[0]);

		if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;

			memcpy(n, "DNS:", 4);
			put(n + 4, cap - 4, s->data, (size_t)s->length);
			pc->nnames++;
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;
			char ip[64] = "?";

			if (s->length == 4 || s->length == 16)
				inet_ntop(s->length == 4 ? AF_INET : AF_INET6,
				    s->data, ip, sizeof(ip));
			snprintf(n, cap, "IP:%s", ip);
			pc->nnames++;
		}
	}
	GENERAL_NAMES_free(gens);
	if ((b = BIO_new(BIO_s_mem())) != NULL) {
		char *p;
		long len;

		ASN1_TIME_print(b, na);
		len = BIO_get_mem_data(b, &p);
		put(pc->not_after, sizeof(pc->not_after), p,
		    len > 0 ? (size_t)len : 0);
		BIO_free(b);
	}
	if (ASN1_TIME_diff(&days, &secs, NULL, na))
		pc->days_left = days;
}

/* What the connection reveals through OpenSSL: the chain, the limits. */
static void
conn_details(struct probe *p, qget_conn *c)
{
	SSL *ssl = qget_conn_get_ssl(c);
	STACK_OF(X509) *chain;
	uint64_t v;

	if (ssl == NULL)
		return;
	chain = SSL_get_peer_cert_chain(ssl);
	for (int i = 0; chain != NULL && i < sk_X509_num(chain) &&
	    p->ncerts < PROBE_MAX_CERTS; i++)
		cert_info(&p->certs[p->ncerts++], sk_X509_value(chain, i));
	if (SSL_get_feature_negotiated_uint(ssl, SSL_VALUE_QUIC_IDLE_TIMEOUT,
	    &v))
		p->idle_ms = (int64_t)v;
	if (SSL_get_quic_stream_bidi_local_avail(ssl, &v))
		p->bidi = (int64_t)v;
	if (SSL_get_quic_stream_uni_local_avail(ssl, &v))
		p->uni = (int64_t)v;
}

/* One connection; the caller owns *out on QGET_OK. */
static qget_status
probe_open(struct probe *p, const char *addr, const char *alpn,
    const unsigned char *sess, size_t slen, qget_conn **out,
    qget_error *err)
{
	qget_config *cfg = NULL;
	qget_status rv;

	*out = NULL;
	if ((rv = tool_make_config(p->o, &cfg)) != QGET_OK) {
		snprintf(err->detail, sizeof(err->detail), "cannot configure "
		    "the connection");
		goto out;
	}
	qget_config_set_attempt_delay(cfg, 0);
	if ((rv = qget_config_set_alpn(cfg, alpn)) != QGET_OK ||
	    (addr != NULL && (rv = qget_config_set_connect_to(cfg, addr,
	    NULL)) != QGET_OK) ||
	    (sess != NULL && (rv = qget_config_set_session(cfg, sess,
	    slen)) != QGET_OK)) {
		snprintf(err->detail, sizeof(err->detail), "cannot configure "
		    "the connection");
		goto out;
	}
	rv = qget_conn_open(out, p->host, p->port, cfg, err);
out:
	qget_config_del(cfg);
	return rv;
}

static void
probe_close(qget_conn *c)
{
	qget_error err;

	if (c != NULL)
		qget_conn_close_ex(c, QGET_CLOSE_NO_FLUSH,
		    qget_conn_app_no_error(c), 1000, &err);
	qget_conn_del(c);
}

/* A HEAD of the URL's path: the status and an Alt-Svc.  It also gives
 * the server the round trip in which it sends its session tickets. */
static void
probe_head(struct probe *p, qget_conn *c)
{
	qget_request *req = NULL;
	const char *v;
	size_t len;
	qget_error err;

	if (strcmp(p->alpn, "hq-interop") == 0)
		return;
	if (qget_request_new(&req, c, "HEAD", p->o->urls[0].path, &err) !=
	    QGET_OK || qget_request_send(req, &err) != QGET_OK ||
	    qget_request_wait_head(req, &err) != QGET_OK) {
		tool_verbose(p->o, "probe: HEAD %s: %s", p->o->urls[0].path,
		    qget_error_str(&err));
		goto out;
	}
	p->status = qget_response_status(req);
	if ((v = qget_response_header(req, "alt-svc", &len)) != NULL)
		put(p->alt_svc, sizeof(p->alt_svc), v, len);
out:
	qget_request_del(req);
}

/* Did the qlog of the first connection see a Retry packet?  The qlog
 * is OpenSSL's (QLOGDIR), written into a folder of our own. */
static int
qlog_saw_retry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = -1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[4096], line[8192];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (found < 0)
			found = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, "\"packet_type\":\"retry\"") != NULL)
				found = 1;
		fclose(f);
		unlink(path);
	}
	closedir(d);
	return found;
}

static void
addresses(struct probe *p)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = p->o->family == QGET_FAMILY_IPV4 ? AF_INET :
	    p->o->family == QGET_FAMILY_IPV6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(p->host, p->port, &hints, &res)) != 0) {
		p->st = QGET_E_RESOLVE;
		snprintf(p->error, sizeof(p->error), "cannot resolve %s: %s",
		    p->host, gai_strerror(rc));
		return;
	}
	for (struct addrinfo *ai = res; ai != NULL &&
	    p->naddrs < PROBE_MAX_ADDRS; ai = ai->ai_next) {
		struct probe_addr *a = &p->addrs[p->naddrs];
		int dup = 0;

		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, a->addr,
		    sizeof(a->addr), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		for (int i = 0; i < p->naddrs; i++)
			dup |= strcmp(p->addrs[i].addr, a->addr) == 0;
		if (dup)
			continue;
		a->v6 = ai->ai_family == AF_INET6;
		a->handshake_ms = -1;
		p->naddrs++;
	}
	freeaddrinfo(res);
}

static void
run_probe(struct probe *p)
{
	const char *offer = p->o->alpn_set ? p->o->alpn :
	    "h3,hq-interop,http/1.0";
	char qdir[] = "/tmp/qget-probe-XXXXXX";
	const char *user_qlog = getenv("QLOGDIR");
	unsigned char *sess = NULL;
	size_t slen = 0;
	qget_conn *c = NULL;
	qget_error err;
	int own_qlog = 0;

	addresses(p);
	/* The first connection logs to a folder of ours, unless the user
	 * keeps qlogs: then theirs are left alone and Retry is unknown. */
	if (user_qlog == NULL && mkdtemp(qdir) != NULL &&
	    setenv("QLOGDIR", qdir, 1) == 0)
		own_qlog = 1;
	for (int i = 0; i < p->naddrs; i++) {
		struct probe_addr *a = &p->addrs[i];
		qget_conn_info info = { .size = sizeof(info) };
		qget_status rv;

		memset(&err, 0, sizeof(err));
		rv = probe_open(p, a->addr, offer, NULL, 0, &c, &err);
		if (own_qlog) {
			unsetenv("QLOGDIR");
			own_qlog = 0;
			p->retry = qlog_saw_retry(qdir);
			rmdir(qdir);
		}
		a->st = rv;
		if (rv != QGET_OK) {
			put(a->error, sizeof(a->error), qget_error_str(&err),
			    strlen(qget_error_str(&err)));
			if (p->good < 0 && p->error[0] == '\0') {
				p->st = rv;
				snprintf(p->error, sizeof(p->error), "%s",
				    a->error);
			}
			continue;
		}
		qget_conn_get_info(c, &info);
		a->handshake_ms = (double)info.handshake_us / 1000.0;
		if (p->good < 0) {
			p->good = i;
			p->st = QGET_OK;
			p->error[0] = '\0';
			put(p->alpn, sizeof(p->alpn), info.alpn,
			    strlen(info.alpn));
			snprintf(p->version, sizeof(p->version), "%s",
			    info.version);
			snprintf(p->cipher, sizeof(p->cipher), "%s", info.cipher);
			snprintf(p->verify, sizeof(p->verify), "%s", info.verify);
			conn_details(p, c);
			probe_head(p, c);
			if (qget_conn_get_session(c, &sess, &slen) == QGET_OK)
				p->ticket = 1;
		}
		probe_close(c);
		c = NULL;
	}
	if (own_qlog) {
		unsetenv("QLOGDIR");
		rmdir(qdir);
	}
	if (p->good < 0)
		goto out;
	for (size_t k = 0; k < NALPN; k++) {
		qget_status rv = probe_open(p, p->addrs[p->good].addr,
		    alpns[k], NULL, 0, &c, &err);

		p->alpn_ok[k] = rv == QGET_OK ? 1 : rv == QGET_E_ALPN ? 0 : -1;
		probe_close(c);
		c = NULL;
	}
	if (sess != NULL) {
		qget_conn_info info = { .size = sizeof(info) };

		if (probe_open(p, p->addrs[p->good].addr, offer, sess, slen,
		    &c, &err) == QGET_OK && qget_conn_get_info(c, &info) ==
		    QGET_OK)
			p->resumed = info.resumed;
		probe_close(c);
		c = NULL;
	}
out:
	free(sess);
}

static void
json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static const char *
tri(int v)
{
	return v > 0 ? "true" : v == 0 ? "false" : "null";
}

static void
print_json(const struct probe *p, FILE *f)
{
	fputs("{\"host\":", f);
	json_str(f, p->host);
	fprintf(f, ",\"port\":%d,\"addresses\":[", atoi(p->port));
	for (int i = 0; i < p->naddrs; i++) {
		const struct probe_addr *a = &p->addrs[i];

		fputs(i ? ",{\"address\":" : "{\"address\":", f);
		json_str(f, a->addr);
		fprintf(f, ",\"family\":\"%s\"", a->v6 ? "IPv6" : "IPv4");
		if (a->handshake_ms >= 0)
			fprintf(f, ",\"handshake_ms\":%.3f", a->handshake_ms);
		else
			fputs(",\"handshake_ms\":null", f);
		fprintf(f, ",\"exit_code\":%d,\"error\":",
		    tool_exit_code(a->st));
		json_str(f, a->error[0] ? a->error : NULL);
		fputc('}', f);
	}
	fputs("],\"alpn\":", f);
	json_str(f, p->good >= 0 ? p->alpn : NULL);
	fputs(",\"quic_version\":", f);
	json_str(f, p->good >= 0 ? p->version : NULL);
	fputs(",\"cipher\":", f);
	json_str(f, p->good >= 0 ? p->cipher : NULL);
	fputs(",\"verify\":", f);
	json_str(f, p->good >= 0 ? p->verify : NULL);
	fputs(",\"alpn_accepted\":{", f);
	for (size_t k = 0; k < NALPN; k++)
		fprintf(f, "%s\"%s\":%s", k ? "," : "", alpns[k],
		    p->good >= 0 ? tri(p->alpn_ok[k]) : "null");
	fprintf(f, "},\"retry\":%s,\"session_ticket\":%s,\"resumed\":%s",
	    p->good >= 0 ? tri(p->retry) : "null",
	    p->good >= 0 ? tri(p->ticket) : "null",
	    p->good >= 0 && p->ticket ? tri(p->resumed) : "null");
	fputs(",\"certificates\":[", f);
	for (int i = 0; i < p->ncerts; i++) {
		const struct probe_cert *c = &p->certs[i];

		fputs(i ? ",{\"subject\":" : "{\"subject\":", f);
		json_str(f, c->subject);
		fputs(",\"issuer\":", f);
		json_str(f, c->issuer);
		fputs(",\"names\":[", f);
		for (int k = 0; k < c->nnames; k++) {
			if (k)
				fputc(',', f);
			json_str(f, c->names[k]);
		}
		fputs("],\"not_after\":", f);
		json_str(f, c->not_after);
		fprintf(f, ",\"days_left\":%ld}", c->days_left);
	}
	fputs("]", f);
	if (p->idle_ms >= 0)
		fprintf(f, ",\"idle_timeout_ms\":%lld", (long long)p->idle_ms);
	else
		fputs(",\"idle_timeout_ms\":null", f);
	if (p->bidi >= 0)
		fprintf(f, ",\"streams_bidi\":%lld", (long long)p->bidi);
	else
		fputs(",\"streams_bidi\":null", f);
	if (p->uni >= 0)
		fprintf(f, ",\"streams_uni\":%lld", (long long)p->uni);
	else
		fputs(",\"streams_uni\":null", f);
	if (p->status > 0)
		fprintf(f, ",\"http_status\":%d", p->status);
	else
		fputs(",\"http_status\":null", f);
	fputs(",\"alt_svc\":", f);
	json_str(f, p->alt_svc[0] ? p->alt_svc : NULL);
	fprintf(f, ",\"exit_code\":%d,\"error\":", tool_exit_code(p->st));
	json_str(f, p->error[0] ? p->error : NULL);
	fputs("}\n", f);
}

static const char *
yes_no(int v, const char *unknown)
{
	return v > 0 ? "yes" : v == 0 ? "no" : unknown;
}

static void
print_text(const struct probe *p, FILE *f)
{
	fprintf(f, "probe of %s port %s\n", p->host, p->port);
	for (int i = 0; i < p->naddrs; i++) {
		const struct probe_addr *a = &p->addrs[i];

		if (a->handshake_ms >= 0)
			fprintf(f, "  address %s (%s): handshake %.1f ms\n",
			    a->addr, a->v6 ? "IPv6" : "IPv4", a->handshake_ms);
		else
			fprintf(f, "  address %s (%s): failed (exit %d): %s\n",
			    a->addr, a->v6 ? "IPv6" : "IPv4",
			    tool_exit_code(a->st), a->error);
	}
	if (p->good < 0) {
		fprintf(f, "unhealthy: %s\n", p->error[0] ? p->error :
		    "no address");
		return;
	}
	fprintf(f, "  QUIC version: %s\n", p->version);
	fprintf(f, "  TLS: TLSv1.3 %s; certificate verification: %s\n",
	    p->cipher, p->verify);
	fprintf(f, "  ALPN: %s chosen;", p->alpn);
	for (size_t k = 0; k < NALPN; k++)
		fprintf(f, " %s %s%s", alpns[k], yes_no(p->alpn_ok[k],
		    "unknown"), k + 1 < NALPN ? "," : "\n");
	fprintf(f, "  Retry: %s\n", yes_no(p->retry, "unknown (no qlog: "
	    "QLOGDIR is set, or OpenSSL has no qlog)"));
	fprintf(f, "  session tickets: %s; resumption: %s\n",
	    yes_no(p->ticket, "unknown"), p->ticket ?
	    yes_no(p->resumed, "unknown") : "not tried");
	for (int i = 0; i < p->ncerts; i++) {
		const struct probe_cert *c = &p->certs[i];

		fprintf(f, "  certificate %d: %s\n", i, c->subject);
		fprintf(f, "    issuer %s\n", c->issuer);
		if (c->nnames > 0) {
			fputs("    names", f);
			for (int k = 0; k < c->nnames; k++)
				fprintf(f, "%s %s", k ? "," : "", c->names[k]);
			fputc('\n', f);
		}
		fprintf(f, "    expires %s (%ld days left)\n", c->not_after,
		    c->days_left);
	}
	if (p->idle_ms >= 0)
		fprintf(f, "  idle timeout: %lld ms\n", (long long)p->idle_ms);
	if (p->bidi >= 0 || p->uni >= 0)
		fprintf(f, "  streams it lets us open: %lld bidirectional, "
		    "%lld unidirectional\n", (long long)p->bidi,
		    (long long)p->uni);
	if (p->status > 0)
		fprintf(f, "  HEAD %s: %d%s%s\n", p->o->urls[0].path,
		    p->status, p->alt_svc[0] ? "; Alt-Svc: " : "; no Alt-Svc",
		    p->alt_svc);
	fprintf(f, "healthy\n");
}

qget_status
tool_probe(const struct tool_opts *o)
{
	struct probe p;

	if (o->writeout != NULL && strcmp(o->writeout, "%{json}\n") != 0 &&
	    strcmp(o->writeout, "%{json}") != 0)
		return tool_report(NULL, NULL, QGET_E_USAGE, "--probe reports "
		    "in text, or with -w json as JSON; other -w formats do "
		    "not apply");
	memset(&p, 0, sizeof(p));
	p.o = o;
	p.host = o->urls[0].host;
	p.port = o->urls[0].port;
	p.good = -1;
	p.retry = -1;
	p.resumed = -1;
	p.idle_ms = p.bidi = p.uni = -1;
	for (size_t k = 0; k < NALPN; k++)
		p.alpn_ok[k] = -1;
	p.st = QGET_E_CONNECT;
	run_probe(&p);
	if (p.naddrs == 0 && p.st == QGET_E_CONNECT)
		snprintf(p.error, sizeof(p.error), "%s has no address", p.host);
	if (o->writeout != NULL)
		print_json(&p, stdout);
	else
		print_text(&p, stdout);
	if (p.st != QGET_OK)
		tool_report(NULL, NULL, p.st, p.error);
	return p.st;
}
