#!/usr/bin/env bash
# Connecting: happy eyeballs (RFC 8305) over a name with a silent IPv6
# address and a working IPv4 one, the sequential order it replaces, the
# first refused or rejected address not deciding the outcome, and the
# local end (--interface, --local-port); through the library: the SSL_CTX
# callback, qget_conn_get_fd/get_timeout and qget_config_set_local.
. "$(dirname "$0")/../lib.sh"

echo hello >"$T/root/small"
CA=(--cacert "$CERTS/ca.pem")
prog=$top/$BUILD/tests/prog/connect

# A python3 helper in the background, tracked; it writes READY once its
# sockets are bound.  udp_helper NAME READY CODE ARGS...
udp_helper() {
	local name=$1 ready=$2 code=$3 i
	shift 3
	rm -f "$ready"
	/usr/bin/python3 -c "$code" "$ready" "$@" >"$T/$name.log" 2>&1 &
	track $! "$name" "$T/$name.log"
	HELPER_PID=$!
	for i in $(seq 1 100); do
		[ -s "$ready" ] && return 0
		kill -0 "$HELPER_PID" 2>/dev/null || break
		sleep 0.05
	done
	start_failed "$name" "did not start: $(head -c 200 "$T/$name.log")"
	return 1
}

# Binds UDP sockets (family, address, port for each triple) and never
# answers.
SILENT='import socket, sys, time
socks = []
args = sys.argv[2:]
for i in range(0, len(args), 3):
    s = socket.socket(int(args[i]), socket.SOCK_DGRAM)
    s.bind((args[i + 1], int(args[i + 2])))
    socks.append(s)
open(sys.argv[1], "w").write("ready\n")
time.sleep(600)'

# Binds 127.0.0.1:PORT and writes the source address of the first datagram
# it receives to FILE; never answers.  Argument: PORT FILE
OBSERVE='import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
open(sys.argv[1], "w").write("ready\n")
data, addr = s.recvfrom(65536)
open(sys.argv[3], "w").write("%s %d\n" % addr)
time.sleep(600)'

# A free UDP port on 127.0.0.1 (and, for the caller to try, on ::1).
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- 1. The library's connection options ---
serve lib || exit 1
"$prog" ctx localhost "$PORT" "$CERTS/ca.pem" >"$T/out" 2>"$T/err"
RC=$?
expect "SSL_CTX callback: exit 0" 0
if grep -qx 'callback calls: 1, key log lines: yes' "$T/out"; then
	pass "SSL_CTX callback: called once, the handshake used its SSL_CTX"
else
	fail "SSL_CTX callback: called once, the handshake used its SSL_CTX" "$(cat "$T/out")"
fi
"$prog" refuse localhost "$PORT" "$CERTS/ca.pem" >"$T/out" 2>"$T/err"
RC=$?
expect "SSL_CTX callback returning 1: E_FAILURE (exit 1)" 1 'E_FAILURE: the SSL_CTX callback refused'
"$prog" poll localhost "$PORT" "$CERTS/ca.pem" >"$T/out" 2>"$T/err"
RC=$?
expect "qget_conn_get_fd/get_timeout: exit 0" 0
if grep -qx 'fd udp, timeout set, no connection: usage' "$T/out"; then
	pass "qget_conn_get_fd is the UDP socket, get_timeout a timer"
else
	fail "qget_conn_get_fd is the UDP socket, get_timeout a timer" "$(cat "$T/out")"
fi
LO=$(free_port)
[ "$LO" -gt 65000 ] && LO=$((LO - 20))
"$prog" local localhost "$PORT" "$CERTS/ca.pem" 127.0.0.1 "$LO" $((LO + 9)) >"$T/out" 2>"$T/err"
RC=$?
expect "qget_config_set_local(127.0.0.1, $LO-$((LO + 9))): exit 0" 0
read -r _ laddr lport <"$T/out"
if [ "${laddr:-}" = 127.0.0.1 ] && [ "${lport:-0}" -ge "$LO" ] && [ "${lport:-0}" -le $((LO + 9)) ]; then
	pass "qget_config_set_local: the socket is 127.0.0.1:$lport"
else
	fail "qget_config_set_local: the socket is 127.0.0.1:$LO-$((LO + 9))" "$(cat "$T/out")"
fi
"$prog" local localhost "$PORT" "$CERTS/ca.pem" ::1 0 0 >"$T/out" 2>"$T/err"
RC=$?
expect "a local IPv6 address for an IPv4-only name: E_CONNECT" 4 'no IPv6 address to reach from the local address ::1'

# --- 2. --interface and --local-port ---
q "${CA[@]}" --interface 127.0.0.1 localhost "$PORT" /small
expect "--interface 127.0.0.1: exit 0" 0
q "${CA[@]}" --interface lo localhost "$PORT" /small
expect "--interface lo: exit 0" 0
q "${CA[@]}" --interface nosuch0 localhost "$PORT" /small
expect "--interface nosuch0: exit 4" 4 'local interface nosuch0: no such network interface'
q "${CA[@]}" --interface 192.0.2.1 localhost "$PORT" /small
expect "--interface with an address the host does not have: exit 4" 4 'cannot bind to local address 192.0.2.1'
q "${CA[@]}" --interface '' localhost "$PORT" /small
expect "--interface '': exit 2" 2 'neither an IP address nor an interface name'
q "${CA[@]}" --local-port 9-5 localhost "$PORT" /small
expect "--local-port 9-5: exit 2" 2 'local-port'

# The first port of the range is taken: the client's datagrams come from
# the next one, which a silent observer records (qget then times out).
OP=$(free_port)
udp_helper busy "$T/busy.ready" "$SILENT" 2 127.0.0.1 "$LO" || exit 1
BUSY_PID=$HELPER_PID
udp_helper observer "$T/obs.ready" "$OBSERVE" "$OP" "$T/obs" || exit 1
OBS_PID=$HELPER_PID
q "${CA[@]}" --connect-timeout 1 --interface 127.0.0.1 --local-port "$LO-$((LO + 9))" localhost "$OP" /small
expect "--local-port $LO-$((LO + 9)) to a silent server: exit 9" 9
read -r saddr sport <"$T/obs" 2>/dev/null
if [ "${saddr:-}" = 127.0.0.1 ] && [ "${sport:-0}" -gt "$LO" ] && [ "${sport:-0}" -le $((LO + 9)) ]; then
	pass "--interface 127.0.0.1 --local-port: sent from 127.0.0.1:$sport ($LO was taken)"
else
	fail "--interface 127.0.0.1 --local-port: sent from 127.0.0.1:$((LO + 1))-$((LO + 9))" "observer saw '${saddr:-} ${sport:-}'"
fi
stop "$OBS_PID"
q "${CA[@]}" --local-port "$LO" localhost "$PORT" /small
expect "--local-port on a port in use: exit 4" 4 "cannot bind to local port $LO"
q "${CA[@]}" --local-port "$((LO + 1))-$((LO + 9))" localhost "$PORT" /small
expect "--local-port N-M to qget-serve: exit 0" 0
stop "$BUSY_PID"
stop "$SERVER_PID"

# --- 3. A silent IPv6 address and a working IPv4 one ---
if ! unshare -m true 2>/dev/null; then
	skip "happy eyeballs" "unshare -m is not permitted here"
	exit 0
fi
if ! have_ipv6; then
	skip "happy eyeballs" "no IPv6 loopback"
	exit 0
fi
# A certificate for dual.test, from the test CA.
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:dual.test\n' >"$T/dual.ext"
if ! openssl req -new -key "$CERTS/server.key" -subj /CN=dual.test -out "$T/dual.csr" 2>"$T/err" ||
	! openssl x509 -req -in "$T/dual.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" \
		-CAserial "$T/dual.srl" -CAcreateserial -days 2 -extfile "$T/dual.ext" \
		-out "$T/dual.crt" 2>>"$T/err"; then
	start_failed "dual.test certificate" "$(tail -n 2 "$T/err")"
	exit 1
fi
cat "$T/dual.crt" "$CERTS/ca.pem" >"$T/dual.pem"
printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$T/hosts"

# in_ns ARGS...: qget with $T/hosts as /etc/hosts; like q, plus ELAPSED.
in_ns() {
	local t0 t1
	t0=$(date +%s%N)
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /etc/hosts && shift && exec "$@"' \
		sh "$T/hosts" "${QGET[@]}" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	t1=$(date +%s%N)
	ELAPSED=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e9 }')
}

first=$(unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /etc/hosts && getent ahosts dual.test' \
	sh "$T/hosts" | head -n 1 | cut -d' ' -f1)
if [ "$first" != ::1 ]; then
	skip "happy eyeballs" "the resolver does not put ::1 first for dual.test (got '$first')"
	exit 0
fi

serve dual -v --cert "$T/dual.pem" || exit 1
udp_helper silent "$T/silent.ready" "$SILENT" 10 ::1 "$PORT" || exit 1
SILENT_PID=$HELPER_PID
URL=https://dual.test:$PORT/small

in_ns -v "${CA[@]}" --alpn http/1.0 "$URL"
expect "silent [::1], working 127.0.0.1: exit 0" 0
grep -qx hello "$T/out" && pass "silent [::1]: body received" || fail "silent [::1]: body received" "$(head -c 60 "$T/out")"
echo "    silent [::1]:$PORT, qget-serve on 127.0.0.1:$PORT: connected in $ELAPSED s (information, not checked)"
grep -E '^\* (trying|connected|handshake:)' "$T/err" | sed 's/^/    /'
l6=$(grep -n "^\* trying \[::1\]:$PORT\$" "$T/err" | head -n 1 | cut -d: -f1)
l4=$(grep -n "^\* trying 127\.0\.0\.1:$PORT (after [0-9]* ms)\$" "$T/err" | head -n 1 | cut -d: -f1)
lwin=$(grep -n "^\* connected to 127\.0\.0\.1:$PORT (attempt 2 of 2)\$" "$T/err" | head -n 1 | cut -d: -f1)
if [ -n "$l6" ] && [ -n "$l4" ] && [ -n "$lwin" ] && [ "$l6" -lt "$l4" ] && [ "$l4" -lt "$lwin" ]; then
	pass "-v: [::1] tried first, then 127.0.0.1, which won (attempt 2 of 2)"
else
	fail "-v: [::1] tried first, then 127.0.0.1, which won (attempt 2 of 2)" "lines ${l6:-none}, ${l4:-none}, ${lwin:-none}"
fi
# The structural fact behind the time: the IPv4 attempt started while the
# IPv6 one was still pending (no failure of [::1] before it, or at all).
if grep -qE '::1\].*(refused|no QUIC|handshake)' "$T/err"; then
	fail "the IPv4 attempt started while [::1] was pending" "$(grep -E '::1\]' "$T/err" | head -n 3)"
else
	pass "the IPv4 attempt started while [::1] was pending"
fi

# With --happy-eyeballs-timeout-ms 0, one address after another: the
# silent one holds the connection until the connect timeout.
in_ns -v "${CA[@]}" --alpn http/1.0 --happy-eyeballs-timeout-ms 0 --connect-timeout 1 "$URL"
expect "sequential (0 ms), silent [::1]: the connect timeout (exit 9)" 9 'connect timeout'
if grep -q '^\* trying 127\.0\.0\.1' "$T/err"; then
	fail "sequential: 127.0.0.1 is not tried while [::1] is pending" "$(grep '^\* trying' "$T/err")"
else
	pass "sequential: 127.0.0.1 is not tried while [::1] is pending"
fi
stop "$SILENT_PID"

# Nothing on [::1]: its refusal (ICMP port unreachable) starts the next
# attempt at once, sequential or not.
for delay in 0 250; do
	in_ns -v "${CA[@]}" --alpn http/1.0 --happy-eyeballs-timeout-ms "$delay" "$URL"
	expect "refused [::1], delay $delay ms: exit 0" 0
	lr=$(grep -n "connection refused by \[::1\]:$PORT" "$T/err" | head -n 1 | cut -d: -f1)
	l4=$(grep -n "^\* trying 127\.0\.0\.1:$PORT" "$T/err" | head -n 1 | cut -d: -f1)
	if [ -n "$lr" ] && [ -n "$l4" ] && [ "$lr" -lt "$l4" ] && grep -q "^\* connected to 127\.0\.0\.1:$PORT (attempt 2 of 2)" "$T/err"; then
		pass "refused [::1], delay $delay ms: said, then 127.0.0.1 tried and won"
	else
		fail "refused [::1], delay $delay ms: said, then 127.0.0.1 tried and won" "$(grep -E '^\* (trying|connected|handshake)' "$T/err" | tr '\n' '|')"
	fi
done

# A server on [::1] whose certificate is for another name: refused (the
# handshake's alert tells it), and 127.0.0.1 still wins; one whose key
# is not pinned: refused after the handshake, with our reason.  Without
# the IPv4 server the certificate failure, not the later refusal, is the
# result (exit 5).
DUAL_PID=$SERVER_PID
DUAL_PORT=$PORT
serve other6 -v --addr ::1 --port "$DUAL_PORT" --cert "$CERTS/other.pem" --key "$CERTS/other.key" || exit 1
in_ns -v "${CA[@]}" --alpn http/1.0 "$URL"
expect "[::1] with a wrong certificate, 127.0.0.1 good: exit 0" 0 "connected to 127\.0\.0\.1:$DUAL_PORT \(attempt 2 of 2\)"
grep -q "^\* handshake: server certificate verification failed" "$T/err" && pass "the [::1] certificate failure is logged" || fail "the [::1] certificate failure is logged" "$(grep '::1' "$T/err" | head -n 3)"
PIN=sha256//$(openssl pkey -in "$CERTS/server.key" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64)
in_ns -v "${CA[@]}" --alpn http/1.0 -k --pinnedpubkey "$PIN" "$URL"
expect "[::1] with an unpinned key, 127.0.0.1 pinned: exit 0" 0 "connected to 127\.0\.0\.1:$DUAL_PORT \(attempt 2 of 2\)"
grep -q 'matches no pinned key' "$T/err" && pass "the [::1] pin failure is logged" || fail "the [::1] pin failure is logged" "$(grep '::1' "$T/err" | head -n 3)"
stop "$DUAL_PID"
in_ns -v "${CA[@]}" --alpn http/1.0 "$URL"
expect "[::1] wrong certificate, 127.0.0.1 refused: E_VERIFY wins (exit 5)" 5 'certificate verification failed'
if log_wait "$T/other6.log" 'closed by peer, application error 0x1, reason "server public key matches no pin"'; then
	pass "the unpinned [::1] server was told why it was refused"
else
	fail "the unpinned [::1] server was told why it was refused" "$(grep -E 'closed' "$T/other6.log" | head -n 3)"
fi
stop "$SERVER_PID"
