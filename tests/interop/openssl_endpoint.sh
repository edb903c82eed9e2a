#!/usr/bin/env bash
# OpenSSL's own QUIC interop endpoint (test/quic-openssl-docker/
# run_endpoint.sh in OpenSSL's source tree), for tests/interop/run: the
# same programs, arguments and environment for each test case, and the
# same 127s, with the folders and the port from the caller instead of
# /www, /downloads, /certs and 443 (see interop/run_endpoint.sh).
#   PEERS   the folder with quic-hq-interop, quic-hq-interop-server and
#           ossl-nghttp3-demo-server, built by tests/interop/run (their
#           download folder is $DOWNLOADS, their key log $SSLKEYLOGFILE)
# Differences from OpenSSL's script, each because a piece is missing
# here: its http3 client is curl built with OpenSSL's QUIC, which Debian's
# curl is not, so http3 as a client is 127.
set -u
: "${WWW:?}" "${DOWNLOADS:?}" "${CERTS:?}" "${PORT:?}" "${PEERS:?}"

# A program that was not built is this script's failure, not a test
# case OpenSSL does not support (exec would say 127).
need() {
	[ -x "$PEERS/$1" ] && return 0
	echo "$PEERS/$1 was not built"
	exit 1
}

unsupported() {
	echo "UNSUPPORTED TESTCASE $TESTCASE${1:+: $1}"
	exit 127
}

# host_port URL: sets HOSTNAME and HOSTPORT as OpenSSL's script does.
host_port() {
	HOSTNAME=$(printf "%s\n" "$1" | sed -ne 's,^https://\([^/:]*\).*,\1,p')
	HOSTPORT=$(printf "%s\n" "$1" | sed -ne 's,^https://[^:/]*:\([^/]*\).*,\1,p')
}

if [ "${ROLE:-}" = client ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/ossl-interop.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
	cd "$work" || exit 1
	export SSL_CERT_FILE=$CERTS/ca.pem SSL_CERT_DIR=$CERTS DOWNLOADS
	case "${TESTCASE:-}" in
	http3) unsupported "its client is curl built with OpenSSL's QUIC, not available here" ;;
	handshake|transfer|retry|ipv6)
		for req in $REQUESTS; do
			host_port "$req"
			printf "%s " "$(basename "$req")" >>reqfile.txt
		done
		need quic-hq-interop
		"$PEERS/quic-hq-interop" "$HOSTNAME" "$HOSTPORT" reqfile.txt || exit 1
		;;
	resumption)
		need quic-hq-interop
		for req in $REQUESTS; do
			host_port "$req"
			printf "%s " "$(basename "$req")" >reqfile.txt
			SSL_SESSION_FILE=./session.db "$PEERS/quic-hq-interop" \
				"$HOSTNAME" "$HOSTPORT" reqfile.txt || exit 1
		done
		;;
	chacha20)
		for req in $REQUESTS; do
			host_port "$req"
			printf "%s " "$(basename "$req")" >>reqfile.txt
		done
		need quic-hq-interop
		SSL_CIPHER_SUITES=TLS_CHACHA20_POLY1305_SHA256 \
			SSL_SESSION_FILE=./session.db "$PEERS/quic-hq-interop" \
			"$HOSTNAME" "$HOSTPORT" reqfile.txt || exit 1
		;;
	*) unsupported ;;
	esac
	exit 0
elif [ "${ROLE:-}" = server ]; then
	case "${TESTCASE:-}" in
	http3) need ossl-nghttp3-demo-server ;;
	handshake|transfer|ipv6|resumption|retry|chacha20)
		need quic-hq-interop-server ;;
	esac
	case "${TESTCASE:-}" in
	handshake|transfer|ipv6|resumption)
		NO_ADDR_VALIDATE=yes FILEPREFIX=$WWW exec \
			"$PEERS/quic-hq-interop-server" "$PORT" "$CERTS/cert.pem" "$CERTS/priv.key"
		;;
	retry)
		FILEPREFIX=$WWW exec \
			"$PEERS/quic-hq-interop-server" "$PORT" "$CERTS/cert.pem" "$CERTS/priv.key"
		;;
	http3)
		FILEPREFIX=$WWW/ exec \
			"$PEERS/ossl-nghttp3-demo-server" "$PORT" "$CERTS/cert.pem" "$CERTS/priv.key"
		;;
	chacha20)
		SSL_CIPHER_SUITES=TLS_CHACHA20_POLY1305_SHA256 FILEPREFIX=$WWW exec \
			"$PEERS/quic-hq-interop-server" "$PORT" "$CERTS/cert.pem" "$CERTS/priv.key"
		;;
	*) unsupported ;;
	esac
else
	echo "Unknown ROLE ${ROLE:-}"
	exit 127
fi
