#!/usr/bin/env bash
# nginx (HTTP/3 and, with http3_hq, hq-interop) as an interop runner
# server for tests/interop/run.  nginx ships no endpoint of its own; this
# one serves $WWW on UDP $PORT with the ALPN the test case needs
# (scripts/nginx-conf.sh: h3 on one port, hq-interop on another), sends a
# Retry only for the retry test and offers only ChaCha20 for chacha20.
#   NGINX_BIN      the nginx binary (make nginx)
#   NGINX_PREFIX   a writable folder for its pid file and logs
# 127: zerortt (OpenSSL's QUIC API, which nginx's compatibility layer
# sits on, has no 0-RTT), v2 (nginx 1.26 speaks QUIC v1 only), ecn and
# connectionmigration (nginx does not mark ECN nor offer a preferred
# address).
set -u
: "${WWW:?}" "${CERTS:?}" "${PORT:?}" "${NGINX_BIN:?}" "${NGINX_PREFIX:?}"

if [ "${ROLE:-}" != server ]; then
	echo "nginx is a server only: UNSUPPORTED ROLE ${ROLE:-}"
	exit 127
fi
# The runner's multiplexing test sends 1999 requests on one connection;
# nginx's default closes a connection after 1000.
opts=(--max-requests 10000)
case "${TESTCASE:-}" in
handshake|transfer|resumption|multiconnect|http3|ipv6|multiplexing|longrtt|blackhole|goodput|handshakeloss|transferloss|handshakecorruption|transfercorruption) ;;
retry) opts+=(--retry) ;;
chacha20) opts+=(--ciphers TLS_CHACHA20_POLY1305_SHA256) ;;
*)
	echo "UNSUPPORTED TESTCASE ${TESTCASE:-}"
	exit 127
	;;
esac
# The other port of the pair: one above, or one below at the top.
other=$((PORT + 1))
[ "$other" -le 65535 ] || other=$((PORT - 1))
if [ "$TESTCASE" = http3 ]; then
	h3=$PORT hq=$other
else
	h3=$other hq=$PORT
fi
# nginx reads NGINX as the sockets a binary upgrade hands over.
unset NGINX
mkdir -p "$NGINX_PREFIX"
"$(dirname "$0")/../../scripts/nginx-conf.sh" "${opts[@]}" "$WWW" "$h3" \
	"$CERTS/cert.pem" "$CERTS/priv.key" "$hq" >"$NGINX_PREFIX/nginx.conf" || exit 1
exec "$NGINX_BIN" -p "$NGINX_PREFIX/" -c "$NGINX_PREFIX/nginx.conf" -e stderr
