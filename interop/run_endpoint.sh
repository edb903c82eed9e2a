#!/usr/bin/env bash
# qget (client) and qget-serve (server) as a QUIC interop runner endpoint
# (github.com/quic-interop/quic-interop-runner, its README's contract):
#
#   ROLE       client or server
#   TESTCASE   the test case; one we do not support exits 127
#   REQUESTS   (client) space-separated URLs; each is saved as
#              $DOWNLOADS/<its last path segment>
#   SSLKEYLOGFILE, QLOGDIR    honoured by both (QLOGDIR needs an OpenSSL
#              built with qlog)
#   SERVER_PARAMS, CLIENT_PARAMS  extra arguments, appended
#
# In the runner's Docker image the folders are /www (served), /downloads,
# /certs (cert.pem, priv.key, ca.pem) and /logs, and the server listens
# on UDP 443 on every address.  Without Docker (tests/interop/run) the
# caller names them instead, and the network set-up is skipped:
#
#   WWW, DOWNLOADS, CERTS, LOGS   the folders (defaults above)
#   PORT       the server's UDP port (default 443)
#   QGET_BIN   folder holding qget and qget-serve (default: from PATH)
#   INTEROP_LOCAL=1   no /setup.sh, no waiting for the simulator
#
# What each test case asks of an endpoint, and why some are 127, is in
# docs/interop.md ("The QUIC interop runner").
set -u
# REQUESTS and the *_PARAMS are word lists: split, never globbed.
set -f

WWW=${WWW:-/www}
DOWNLOADS=${DOWNLOADS:-/downloads}
CERTS=${CERTS:-/certs}
LOGS=${LOGS:-/logs}
PORT=${PORT:-443}
QGET=qget
SERVE=qget-serve
if [ -n "${QGET_BIN:-}" ]; then
	QGET=$QGET_BIN/qget
	SERVE=$QGET_BIN/qget-serve
fi

unsupported() {
	echo "UNSUPPORTED TESTCASE $TESTCASE: $1"
	exit 127
}

# The runner first starts each image with a random TESTCASE and expects
# 127 at once, before any waiting: the answer comes before set-up.
case "${ROLE:-}" in
client)
	case "${TESTCASE:-}" in
	handshake|transfer|retry|resumption|http3|chacha20|keyupdate|multiconnect|ipv6|multiplexing|longrtt|blackhole|goodput|crosstraffic|handshakeloss|transferloss|handshakecorruption|transfercorruption) ;;
	zerortt) unsupported "OpenSSL 3.5's QUIC has no 0-RTT (SSL_write_early_data fails on QUIC objects)" ;;
	v2) unsupported "OpenSSL 3.5 speaks QUIC version 1 only" ;;
	ecn) unsupported "OpenSSL 3.5 neither marks ECN nor reports it in ACK frames" ;;
	*) unsupported "unknown test case" ;;
	esac
	;;
server)
	case "${TESTCASE:-}" in
	handshake|transfer|retry|resumption|http3|chacha20|multiconnect|ipv6|multiplexing|longrtt|blackhole|goodput|crosstraffic|handshakeloss|transferloss|handshakecorruption|transfercorruption|keyupdate) ;;
	zerortt) unsupported "OpenSSL 3.5's QUIC server ignores 0-RTT packets" ;;
	v2) unsupported "OpenSSL 3.5 speaks QUIC version 1 only" ;;
	ecn) unsupported "OpenSSL 3.5 neither marks ECN nor reports it in ACK frames" ;;
	connectionmigration) unsupported "OpenSSL 3.5 offers no preferred_address and does not migrate" ;;
	*) unsupported "unknown test case" ;;
	esac
	;;
*)
	echo "unknown ROLE '${ROLE:-}' (client or server)"
	exit 127
	;;
esac

if [ -z "${INTEROP_LOCAL:-}" ] && [ -x /setup.sh ]; then
	/setup.sh
fi
if [ -n "${SSLKEYLOGFILE:-}" ]; then
	mkdir -p "$(dirname "$SSLKEYLOGFILE")"
fi
if [ -n "${QLOGDIR:-}" ]; then
	mkdir -p "$QLOGDIR"
fi

# A program that is not there is a broken image, not a test case we do
# not support (exec would exit 127 and say "unsupported").
have() {
	[ -x "$1" ] || { [ "${1#*/}" = "$1" ] && command -v "$1" >/dev/null; } && return 0
	echo "$1: not found"
	exit 1
}

if [ "$ROLE" = server ]; then
	have "$SERVE"
	args=(-c "$CERTS/cert.pem" -k "$CERTS/priv.key" -r "$WWW" -a ::
		-p "$PORT" -v)
	[ -n "${SSLKEYLOGFILE:-}" ] && args+=(--keylog "$SSLKEYLOGFILE")
	# A Retry only where the test case asks for one: the handshake test
	# fails on any Retry, and every other test counts handshakes.
	[ "$TESTCASE" = retry ] || args+=(--no-retry)
	# The client's 180 s (below): OpenSSL takes the smaller of the two
	# sides' idle timeouts, and at 30% loss a connection can go quiet
	# for longer than the default 30 s and still recover.
	args+=(--idle-timeout 180000)
	[ "$TESTCASE" = chacha20 ] &&
		args+=(--ciphers TLS_CHACHA20_POLY1305_SHA256)
	# shellcheck disable=SC2086 # SERVER_PARAMS is a word list
	exec "$SERVE" "${args[@]}" ${SERVER_PARAMS:-}
fi

# The client.
have "$QGET"
if [ -z "${INTEROP_LOCAL:-}" ] && [ -x /wait-for-it.sh ]; then
	/wait-for-it.sh sim:57832 -s -t 30 || exit 1
fi
mkdir -p "$DOWNLOADS"
# shellcheck disable=SC2206 # REQUESTS is a space-separated list
urls=(${REQUESTS:-})
if [ ${#urls[@]} -eq 0 ]; then
	echo "no REQUESTS"
	exit 1
fi
# OpenSSL's client probes a lost ClientHello with PINGs only, its
# timeouts doubling: at the handshake tests' 30% loss the default 30 s
# (handshake and idle) ends a handshake now and then.  The runner's own
# limit (300 s there) decides instead, as ngtcp2's endpoint does with
# --handshake-timeout=180s --timeout=180s.
args=(--cacert "$CERTS/ca.pem" --output-dir "$DOWNLOADS" --remote-name-all
	-v --no-progress-meter --connect-timeout 180 --idle-timeout 180)
[ -n "${SSLKEYLOGFILE:-}" ] && args+=(--keylog "$SSLKEYLOGFILE")
case "$TESTCASE" in
http3) args+=(--alpn h3) ;;
*) args+=(--alpn hq-interop) ;;
esac
[ "$TESTCASE" = chacha20 ] &&
	args+=(--ciphers TLS_CHACHA20_POLY1305_SHA256)
[ "$TESTCASE" = keyupdate ] && args+=(--key-update)

# fetch URL...: one connection for all of them, requests in parallel (the
# multiplexing test asks for 1999 files: one after another they would
# take 1999 round trips).
fetch() {
	# shellcheck disable=SC2086 # CLIENT_PARAMS is a word list
	"$QGET" "${args[@]}" -Z ${CLIENT_PARAMS:-} "$@"
}

case "$TESTCASE" in
resumption)
	# The first file on one connection, which saves the session; the
	# rest on a second one that resumes it.
	sdir=$(mktemp -d "${TMPDIR:-/tmp}/qget-interop.XXXXXX") || exit 1
	trap 'rm -rf "$sdir"' EXIT
	sess=$sdir/session
	fetch --session-file "$sess" "${urls[0]}" || exit 1
	if [ ${#urls[@]} -gt 1 ]; then
		fetch --session-file "$sess" "${urls[@]:1}" || exit 1
	fi
	;;
multiconnect)
	# One connection per file, one after another (handshakeloss and
	# handshakecorruption count exactly one handshake per file).
	for u in "${urls[@]}"; do
		fetch "$u" || exit 1
	done
	;;
*)
	fetch "${urls[@]}" || exit 1
	;;
esac
exit 0
