/*
 * What a server's certificate holds, in words: for the detail of a
 * verification failure (so that it says what the certificate is for, and
 * who issued it) and for the log, which shows the certificate also when
 * verification failed.  Every byte taken from the certificate is the
 * peer's: it is escaped as the peer's reason phrases are, and bounded.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* More names than this are a wildcard farm: "..." says there are more. */
#define MAX_NAMES 10
/* One distinguished name in a detail line: room for the rest of it. */
#define NAME_CAP 120

/* The leaf the server sent.  After a handshake that verification ended,
 * OpenSSL has not made it the session's peer certificate yet, but it
 * keeps the chain as received, which on a client starts with the leaf.
 * Borrowed. */
static X509 *
peer_leaf(SSL *ssl)
{
	STACK_OF(X509) *chain;
	X509 *x;

	if (ssl == NULL)
		return NULL;
	if ((x = SSL_get0_peer_certificate(ssl)) != NULL)
		return x;
	if ((chain = SSL_get_peer_cert_chain(ssl)) != NULL &&
	    sk_X509_num(chain) > 0)
		return sk_X509_value(chain, 0);
	return NULL;
}

/* Appends in[0..n) to the string in out (cap bytes with its NUL),
 * escaped; what does not fit ends in "...". */
static void
append_escaped(char *out, size_t cap, const char *in, size_t n)
{
	size_t used = strlen(out), done;

	if (cap < used + 4)
		return;
	done = qget__escape_text(out + used, cap - used - 3, in, n);
	if (done < n)
		strcat(out + used, "...");
}

static void
append(char *out, size_t cap, const char *s)
{
	append_escaped(out, cap, s, strlen(s));
}

/* "CN=localhost, O=Example": RFC 2253's escaping of control and 8-bit
 * bytes, then ours over it (which leaves printable text alone). */
static void
name_text(const X509_NAME *name, char *out, size_t cap)
{
	BIO *mem = NULL;
	char *data;
	long n;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (name == NULL || (mem = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(mem, name, 0,
	    XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) < 0 ||
	    (n = BIO_get_mem_data(mem, &data)) <= 0)
		append(out, cap, "(none)");
	else
		append_escaped(out, cap, data, (size_t)n);
	BIO_free(mem);
	ERR_clear_error();
}

/* "DNS:localhost, IP:127.0.0.1": the subjectAltNames a host name is
 * checked against, at most MAX_NAMES of them; "" when there are none. */
static void
names_text(X509 *cert, char *out, size_t cap)
{
	GENERAL_NAMES *gens;
	int i, shown = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char ip[INET6_ADDRSTRLEN];
		const ASN1_STRING *s;
		int len;

		if (g->type != GEN_DNS && g->type != GEN_IPADD)
			continue;
		if (shown == MAX_NAMES) {
			append(out, cap, ", ...");
			break;
		}
		if (shown++ > 0)
			append(out, cap, ", ");
		if (g->type == GEN_DNS) {
			s = g->d.dNSName;
			append(out, cap, "DNS:");
			append_escaped(out, cap,
			    (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			continue;
		}
		s = g->d.iPAddress;
		len = ASN1_STRING_length(s);
		if ((len != 4 && len != 16) || inet_ntop(len == 4 ? AF_INET :
		    AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof(ip)) == NULL)
			snprintf(ip, sizeof(ip), "(%d bytes)", len);
		append(out, cap, "IP:");
		append(out, cap, ip);
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
}

/* "2020-02-01 00:00:00 UTC". */
static void
time_text(const ASN1_TIME *t, char *out, size_t cap)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, cap, "(unreadable)");
	ERR_clear_error();
}

/* For an expired or not yet valid chain: which certificate the server
 * sent is out of its time, and since or until when. */
static void
validity_text(SSL *ssl, long vr, char *out, size_t cap)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	int expired = vr == X509_V_ERR_CERT_HAS_EXPIRED, i;
	char when[64], who[NAME_CAP];

	out[0] = '\0';
	for (i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		const ASN1_TIME *t = expired ? X509_get0_notAfter(x) :
		    X509_get0_notBefore(x);
		int cmp = X509_cmp_current_time(t);

		if (cmp == 0 || (expired ? cmp > 0 : cmp < 0))
			continue;
		time_text(t, when, sizeof(when));
		if (i == 0) {
			snprintf(out, cap, " (%s %s)", expired ? "notAfter" :
			    "notBefore", when);
		} else {
			/* Bounded by append(): a long name is cut. */
			name_text(X509_get_subject_name(x), who, sizeof(who));
			append(out, cap, " (the chain's ");
			append(out, cap, who);
			append(out, cap, expired ? ": notAfter " :
			    ": notBefore ");
			append(out, cap, when);
			append(out, cap, ")");
		}
		break;
	}
	ERR_clear_error();
}

void
qget__verify_text(const qget_conn *c, SSL *ssl, long vr, char *out,
    size_t cap)
{
	char subject[NAME_CAP], issuer[NAME_CAP], names[200], when[160];
	X509 *leaf = peer_leaf(ssl);

	if (cap == 0)
		return;
	snprintf(out, cap, "%s", X509_verify_cert_error_string(vr));
	if (vr == X509_V_ERR_CERT_HAS_EXPIRED ||
	    vr == X509_V_ERR_CERT_NOT_YET_VALID) {
		validity_text(ssl, vr, when, sizeof(when));
		append(out, cap, when);
	}
	if (leaf == NULL)
		goto out;
	if (vr == X509_V_ERR_HOSTNAME_MISMATCH ||
	    vr == X509_V_ERR_IP_ADDRESS_MISMATCH) {
		names_text(leaf, names, sizeof(names));
		if (names[0] != '\0') {
			append(out, cap, ": the certificate is for ");
			append(out, cap, names);
		} else {
			append(out, cap, ": the certificate names no DNS "
			    "name or IP address");
		}
		append(out, cap, ", not for '");
		append(out, cap, c->host);
		append(out, cap, "'");
	}
	name_text(X509_get_subject_name(leaf), subject, sizeof(subject));
	name_text(X509_get_issuer_name(leaf), issuer, sizeof(issuer));
	append(out, cap, "; subject ");
	append(out, cap, subject);
	append(out, cap, ", issuer ");
	append(out, cap, issuer);
out:
	ERR_clear_error();
}

void
qget__cert_log(const qget_conn *c, SSL *ssl, long vr)
{
	char text[256], from[64], until[64];
	X509 *leaf;

	if (c->cfg.log == NULL)
		return;
	if ((leaf = peer_leaf(ssl)) == NULL) {
		qget__log(&c->cfg, "server certificate: none received");
		return;
	}
	name_text(X509_get_subject_name(leaf), text, sizeof(text));
	qget__log(&c->cfg, "server certificate: subject %s", text);
	name_text(X509_get_issuer_name(leaf), text, sizeof(text));
	qget__log(&c->cfg, "server certificate: issuer %s", text);
	names_text(leaf, text, sizeof(text));
	qget__log(&c->cfg, "server certificate: names %s",
	    text[0] != '\0' ? text : "(no DNS name or IP address)");
	time_text(X509_get0_notBefore(leaf), from, sizeof(from));
	time_text(X509_get0_notAfter(leaf), until, sizeof(until));
	qget__log(&c->cfg, "server certificate: valid from %s until %s",
	    from, until);
	if (vr != X509_V_OK)
		qget__log(&c->cfg, "server certificate: verification failed: "
		    "%s", X509_verify_cert_error_string(vr));
}
