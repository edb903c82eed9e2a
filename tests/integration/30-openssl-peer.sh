#!/usr/bin/env bash
# Against a server we did not write: OpenSSL's own demo server
# demos/guide/quic-server-block.c, compiled from the OpenSSL source the
# build fetched.  It echoes the request back, so qget must print exactly the
# request it sent.  The example program (examples/fetch) runs against it too.
. "$(dirname "$0")/../lib.sh"

src=${OPENSSL_SRC:-}
peer=$top/$BUILD/peers/quic-server-block
if [ -z "$src" ] || [ ! -f "$src/demos/guide/quic-server-block.c" ]; then
	skip "openssl demo server: echo" "no OpenSSL source tree (system OpenSSL without the fetched source)"
	skip "openssl demo server: example program" "no OpenSSL source tree"
	exit 0
fi
if [ ! -x "$peer" ] || [ "$peer" -ot "$src/demos/guide/quic-server-block.c" ]; then
	mkdir -p "$(dirname "$peer")"
	# shellcheck disable=SC2086 # the flags are word lists
	if ! cc -O2 $OPENSSL_CFLAGS "$src/demos/guide/quic-server-block.c" \
		$OPENSSL_LIBS -o "$peer" 2>"$T/cc.log"; then
		fail "openssl demo server: build" "$(tail -n 3 "$T/cc.log")"
		exit 1
	fi
fi

free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The demo serves one connection at a time and may exit on a client's
# error, so each case gets its own instance.
peer_start() {
	local i
	PEER_PORT=$(free_port)
	"$peer" "$PEER_PORT" "$CERTS/server.pem" "$CERTS/server.key" >"$T/peer.log" 2>&1 &
	PEER_PID=$!
	# It has no SIGTERM handler: stopped, it must die of the signal (143);
	# any other end (exit 1 after "error while accepting connection",
	# "Unable to conclude stream") is a failure.
	track "$PEER_PID" "openssl demo server (quic-server-block)" "$T/peer.log" 143
	# Its "Waiting for connection" sits in a stdio buffer: watch for the
	# bound socket instead.
	for i in $(seq 1 100); do
		ss -Huln "sport = :$PEER_PORT" | grep -q . && return 0
		sleep 0.05
	done
	stop "$PEER_PID" any
	return 1
}

peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
q --cacert "$CERTS/ca.pem" localhost "$PEER_PORT" /echo/me
expect "openssl demo server: exit 0" 0
printf 'GET /echo/me HTTP/1.0\r\nConnection: close\r\nHost: localhost\r\n\r\n' >"$T/expected"
same "openssl demo server: qget prints exactly the request it sent" "$T/expected" "$T/out"
stop "$PEER_PID"

# The echo shows the request byte for byte: -I's method, -H's headers,
# each field line as libqget writes it, "Name: value" (the blanks around
# a value are optional in HTTP, RFC 9110 5.6.3; inside it they are kept).
peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
q --cacert "$CERTS/ca.pem" -I -H 'X-Trace: a b' -H 'Accept:*/*' localhost "$PEER_PORT" /h
expect "openssl demo server: -I -H: exit 0" 0
printf 'HEAD /h HTTP/1.0\r\nConnection: close\r\nHost: localhost\r\nX-Trace: a b\r\nAccept: */*\r\n\r\n' >"$T/expected"
same "openssl demo server: -I -H: HEAD with the headers, in order, values intact" "$T/expected" "$T/out"
stop "$PEER_PID"

# -L to another server (another port counts): the -H credentials stay
# behind (curl's CVE-2018-1000007 and CVE-2022-27776), the rest goes on.
# The demo echoes the request it got, so its body is the evidence.
peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
serve redirector --redirect "/go=https://localhost:$PEER_PORT/echo/x" || exit 1
q --cacert "$CERTS/ca.pem" -L -H 'Authorization: Bearer secret' -H 'Cookie: c=1' \
	-H 'Proxy-Authorization: Basic x' -H 'X-Other: kept' "https://localhost:$PORT/go"
expect "-L to another server: exit 0" 0
if grep -q '^GET /echo/x HTTP/1.0' "$T/out" && grep -q '^X-Other: kept' "$T/out" &&
	! grep -qi 'secret\|^Cookie\|^Proxy-Authorization' "$T/out"; then
	pass "-L to another server: Authorization, Cookie, Proxy-Authorization not sent"
else
	fail "-L to another server: credentials not sent" "$(tr '\r\n' '  ' <"$T/out" | head -c 300)"
fi
stop "$SERVER_PID"
stop "$PEER_PID"

# A field name as long as -H allows goes out whole, never cut short.
long=X-$(printf 'n%.0s' $(seq 1 400))
peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
q --cacert "$CERTS/ca.pem" -H "$long: v" localhost "$PEER_PORT" /h
expect "openssl demo server: -H with a 402-byte name: exit 0" 0
printf 'GET /h HTTP/1.0\r\nConnection: close\r\nHost: localhost\r\n%s: v\r\n\r\n' "$long" >"$T/expected"
same "openssl demo server: -H with a 402-byte name: sent whole" "$T/expected" "$T/out"
stop "$PEER_PID"

peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
"$top/$BUILD/examples/fetch" localhost "$PEER_PORT" "$CERTS/ca.pem" >"$T/out" 2>"$T/err"
RC=$?
expect "openssl demo server: example program exit 0" 0
printf 'GET / HTTP/1.0\r\nConnection: close\r\nHost: localhost\r\n\r\n' >"$T/expected"
same "openssl demo server: example program prints the echo" "$T/expected" "$T/out"
stop "$PEER_PID"

# --raw: netcat for QUIC.  The demo server echoes its stream, so 10 MiB of
# random bytes must come back intact; that only finishes when qget reads
# while it still writes (the server blocks on its echo otherwise).
head -c $((10 * 1048576)) /dev/urandom >"$T/raw.in"
peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
"${QGET[@]}" --raw -m 60 --cacert "$CERTS/ca.pem" localhost "$PEER_PORT" \
	<"$T/raw.in" >"$T/out" 2>"$T/err"
RC=$?
expect "--raw: 10 MiB echoed, exit 0" 0
same "--raw: 10 MiB echoed byte-exact" "$T/raw.in" "$T/out"
stop "$PEER_PID"

# Full duplex: the echo of the first bytes arrives while stdin is still
# open.
peer_start || { start_failed "openssl demo server: start" "$(cat "$T/peer.log")"; exit 1; }
rm -f "$T/out"
( printf 'first '; sleep 3; printf 'second' ) |
	"${QGET[@]}" --raw -m 30 --cacert "$CERTS/ca.pem" localhost "$PEER_PORT" \
		>"$T/out" 2>"$T/err" &
qpid=$!
for i in $(seq 1 40); do
	grep -q 'first' "$T/out" 2>/dev/null && break
	sleep 0.05
done
if grep -q 'first' "$T/out" && kill -0 "$qpid" 2>/dev/null; then
	pass "--raw: the peer's bytes are printed before stdin's EOF"
else
	fail "--raw: the peer's bytes are printed before stdin's EOF" "$(cat "$T/out")"
fi
wait "$qpid"
RC=$?
expect "--raw: exit 0 after stdin's EOF and the peer's FIN" 0
if [ "$(cat "$T/out")" = "first second" ]; then pass "--raw: the whole echo"; else fail "--raw: the whole echo" "$(cat "$T/out")"; fi
stop "$PEER_PID"
