/*
 * The library's configuration from the command line's options.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "escape.h"
#include "report.h"
#include "session.h"

/* The library's lines quote what the peer sent (its close reason, its
 * certificate's names): escaped, so that a server cannot drive the
 * terminal. */
static void
log_line(void *arg, const char *line)
{
	(void)arg;
	tool_escape_line(stderr, "* ", line, strlen(line));
}

qget_status
tool_make_config(const struct tool_opts *o, qget_config **out)
{
	qget_config *cfg = NULL;
	const char *keylog = o->keylog ? o->keylog : getenv("SSLKEYLOGFILE");
	qget_status rv;

	if ((rv = qget_config_new(&cfg)) != QGET_OK ||
	    (rv = qget_config_set_alpn(cfg, o->alpn)) != QGET_OK ||
	    (rv = qget_config_set_family(cfg, o->family)) != QGET_OK ||
	    (rv = qget_config_set_ca(cfg, o->cacert, o->capath)) != QGET_OK ||
	    (rv = qget_config_set_keylog(cfg,
		keylog && *keylog ? keylog : NULL)) != QGET_OK ||
	    (rv = qget_config_set_ciphers(cfg, o->ciphers)) != QGET_OK ||
	    (rv = qget_config_set_pinned_pubkey(cfg, o->pinned_pubkey)) !=
	    QGET_OK)
		goto out;
	if (o->session_file != NULL) {
		unsigned char *sess;
		size_t len;

		tool_session_load(o->session_file, &sess, &len);
		rv = qget_config_set_session(cfg, sess, len);
		free(sess);
		if (rv != QGET_OK)
			goto out;
	}
	if ((o->interface != NULL || o->local_port_min != 0) &&
	    (rv = qget_config_set_local(cfg, o->interface, o->local_port_min,
	    o->local_port_max)) != QGET_OK)
		goto out;
	if (o->attempt_delay_set)
		qget_config_set_attempt_delay(cfg, o->attempt_delay_ms);
	qget_config_set_insecure(cfg, o->insecure);
	qget_config_set_gso(cfg, !o->no_gso);
	if (o->connect_timeout_ms != 0)
		qget_config_set_connect_timeout(cfg, o->connect_timeout_ms);
	qget_config_set_idle_timeout(cfg, o->idle_timeout_ms);
	qget_config_set_max_time(cfg, o->max_time_ms);
	qget_config_set_cancel(cfg, &tool_stop_signal);
	if (o->verbose)
		qget_config_set_log(cfg, log_line, NULL);
	*out = cfg;
	cfg = NULL;
out:
	qget_config_del(cfg);
	return rv;
}
