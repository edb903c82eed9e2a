#!/usr/bin/env bash
# Trust: verification that nothing switches off silently (saved sessions
# are bound to what they were verified for), the platform's trust store as
# the default, CA options that say what is wrong, the key log's mode, close
# codes that say why we left, and ICMP that cannot end a transfer.
. "$(dirname "$0")/../lib.sh"

R=$T/root
echo hello >"$R/small"
head -c 8000000 /dev/urandom >"$R/8m"
CA=(--cacert "$CERTS/ca.pem")
# No test here may pass because the machine's environment names a store.
unset SSL_CERT_FILE SSL_CERT_DIR

serve self --cert "$CERTS/selfsigned.pem" --key "$CERTS/server.key" -v || exit 1
SELF=$PORT
serve good -v || exit 1
GOOD=$PORT
GOOD_LOG=$T/good.log

resumed() { grep -q '(resumed)' "$T/err"; }

# --- 1. A session from -k never stands in for verification ---
S=$T/s-insecure
q -k -v --session-file "$S" localhost "$SELF" /small
expect "-k with --session-file: exit 0" 0 'not saving the TLS session: the server was not verified'
if [ -e "$S" ]; then fail "-k saves no session" "$S exists"; else pass "-k saves no session"; fi
q -v "${CA[@]}" --session-file "$S" localhost "$SELF" /small
expect "after -k, the same server without -k: exit 5" 5 'verification failed'

# --- 2. A verified session is bound to host, port, ALPN and trust store ---
S=$T/s-good
q -v "${CA[@]}" --session-file "$S" localhost "$GOOD" /small
expect "verified run saves a session" 0
if head -n 1 "$S" 2>/dev/null | grep -qx 'qget-session 1'; then
	pass "session file carries its binding head"
else
	fail "session file carries its binding head" "$(head -c 40 "$S" | od -c | head -n 2)"
fi
# Each case starts from this session: a successful run saves its own.
cp "$S" "$T/s-pristine"
fresh() { cp "$T/s-pristine" "$S"; }
q -v "${CA[@]}" --session-file "$S" localhost "$GOOD" /small
if [ "$RC" -eq 0 ] && resumed; then pass "same host, port, CA: resumed"; else fail "same host, port, CA: resumed" "rc $RC"; fi
# Another trust store that does not trust the server: the session must not
# carry the old verification over.
fresh
q -v --cacert "$CERTS/rogue-ca.pem" --session-file "$S" localhost "$GOOD" /small
expect "session under another trust store: not offered, exit 5" 5 'another trust store'
resumed && fail "session under another trust store: no resumption" "resumed" ||
	pass "session under another trust store: no resumption"
fresh
q -v "${CA[@]}" --session-file "$S" 127.0.0.1 "$GOOD" /small
expect "session for another host: full handshake, exit 0" 0 'made for another host'
resumed && fail "session for another host: not resumed" "resumed" || pass "session for another host: not resumed"
fresh
q -v -k --session-file "$S" localhost "$GOOD" /small
expect "session with -k: not offered" 0 'verification is off'
fresh
q -v "${CA[@]}" --alpn hq-interop --session-file "$S" localhost "$GOOD" /small
expect "session over an ALPN not offered: not offered" 0 'ALPN not offered'
serve other-port -v || exit 1
fresh
q -v "${CA[@]}" --session-file "$S" localhost "$PORT" /small
expect "session for another port: not offered" 0 'made for another port'
# The bare DER of the same session (the old file format): not offered.
python3 - "$T/s-pristine" "$T/s-der" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(data[data.index(b"\n\n") + 2:])
EOF
q -v --cacert "$CERTS/rogue-ca.pem" --session-file "$T/s-der" localhost "$GOOD" /small
expect "bare DER session: not offered, verification fails: exit 5" 5 'not a qget session'

# --- 3. --session-file saves after a success only ---
S=$T/s-fail
q "${CA[@]}" -f --session-file "$S" localhost "$GOOD" /missing
expect "-f on a 404: exit 11" 11
if [ -e "$S" ]; then fail "failed transfer saves no session" "$S exists"; else pass "failed transfer saves no session"; fi

# --- 4. CA options that are not there ---
q --cacert "$T/nonexistent.pem" localhost "$GOOD" /small
expect "--cacert missing: exit 2, No such file" 2 'No such file or directory'
q --capath "$T/nonexistent" localhost "$GOOD" /small
expect "--capath missing: exit 2" 2 'No such file or directory'
q --capath "$CERTS/ca.pem" localhost "$GOOD" /small
expect "--capath on a file: exit 2" 2 'Not a directory'
q --cacert "$CERTS" localhost "$GOOD" /small
expect "--cacert on a directory: exit 2" 2 'Is a directory'

# --- 5. The default trust store ---
q -v localhost "$GOOD" /small
expect "default store without the test CA: exit 5" 5 'verification failed'
if grep -qE '^\* trust store: ' "$T/err"; then pass "-v names the trust store"; else fail "-v names the trust store" "no line"; fi
SSL_CERT_FILE=$CERTS/ca.pem q -v localhost "$GOOD" /small
expect "SSL_CERT_FILE is honoured" 0 'trust store: SSL_CERT_FILE, file .*ca.pem'
mkdir -p "$T/hashdir"
cp "$CERTS/ca.pem" "$T/hashdir/"
ln -s ca.pem "$T/hashdir/$(openssl x509 -hash -noout -in "$CERTS/ca.pem").0"
SSL_CERT_DIR=$T/hashdir q -v localhost "$GOOD" /small
expect "SSL_CERT_DIR is honoured" 0 'trust store: SSL_CERT_DIR'
# The platform's store: our CA put into /etc/ssl/certs of a private mount
# namespace, as update-ca-certificates would, without touching the machine.
if unshare -m true 2>/dev/null; then
	mkdir -p "$T/etc-ssl-certs"
	cp "$CERTS/ca.pem" "$T/etc-ssl-certs/ca-certificates.crt"
	cp "$CERTS/ca.pem" "$T/etc-ssl-certs/qget-test-ca.pem"
	ln -s qget-test-ca.pem "$T/etc-ssl-certs/$(openssl x509 -hash -noout -in "$CERTS/ca.pem").0"
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' \
		sh "$T/etc-ssl-certs" "${QGET[@]}" -v localhost "$GOOD" /small >"$T/out" 2>"$T/err"
	RC=$?
	expect "a CA in the platform store (/etc/ssl/certs) is trusted by default" 0 'trust store: '
	grep '^\* trust store' "$T/err" | sed 's/^/    /'
	if grep -qx hello "$T/out"; then pass "platform store: body received"; else fail "platform store: body received" "$(head -c 60 "$T/out")"; fi
else
	skip "platform trust store" "unshare -m is not permitted here"
fi
# The configuration OpenSSL reads is the platform's, never a file in the
# build cache.
if command -v strace >/dev/null; then
	strace -f -e trace=openat,open -o "$T/strace" "$top/$BUILD/qget" "${CA[@]}" localhost "$GOOD" /small >/dev/null 2>&1
	cnf=$(grep -o '"[^"]*openssl.cnf"' "$T/strace" | head -n 1)
	cache=${QGET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qget}
	case $cnf in
	*"$cache"*) fail "openssl.cnf is not read from the build cache" "$cnf" ;;
	*) pass "openssl.cnf is not read from the build cache (${cnf:-none})" ;;
	esac
else
	skip "openssl.cnf is not read from the build cache" "no strace"
fi

# --- 6. The key log: 0600, appended, never through a symlink ---
K=$T/keys/log
mkdir -p "$T/keys"
(umask 022 && q "${CA[@]}" --keylog "$K" localhost "$GOOD" /small)
expect "--keylog: exit 0" 0
mode=$(stat -c %a "$K" 2>/dev/null)
[ "$mode" = 600 ] && pass "key log created 0600" || fail "key log created 0600" "mode $mode"
n1=$(wc -l <"$K")
q "${CA[@]}" --keylog "$K" localhost "$GOOD" /small
n2=$(wc -l <"$K")
[ "$n1" -gt 0 ] && [ "$n2" -gt "$n1" ] && pass "key log appended ($n1 then $n2 lines)" ||
	fail "key log appended" "$n1 then $n2 lines"
echo "private key" >"$T/keys/victim"
ln -s victim "$T/keys/link"
q "${CA[@]}" --keylog "$T/keys/link" localhost "$GOOD" /small
expect "--keylog through a symlink: refused, exit 10" 10 'key log'
[ "$(cat "$T/keys/victim")" = "private key" ] && pass "symlinked key log: target untouched" ||
	fail "symlinked key log: target untouched" "changed"

# --- 7. Close codes: what we refuse, and why we leave ---
wrong="sha256//$(openssl pkey -in "$CERTS/other.key" -pubout -outform DER 2>/dev/null |
	openssl dgst -sha256 -binary | base64)"
q "${CA[@]}" --pinnedpubkey "$wrong" localhost "$GOOD" /small
expect "pin mismatch: exit 5" 5 'matches no pinned key'
q "${CA[@]}" --alpn h3 --pinnedpubkey "$wrong" localhost "$GOOD" /small
expect "pin mismatch over h3: exit 5" 5 'matches no pinned key'
sleep 0.3
grep -q 'closed by peer, application error 0x1, reason "server public key matches no pin"' "$GOOD_LOG" &&
	pass "pin mismatch closes with code 1 and a reason" ||
	fail "pin mismatch closes with code 1 and a reason" "$(grep 'closed' "$GOOD_LOG" | tail -n 3)"
grep -q 'closed by peer, application error 0x102, reason "server public key matches no pin"' "$GOOD_LOG" &&
	pass "pin mismatch over h3 closes with H3_INTERNAL_ERROR" ||
	fail "pin mismatch over h3 closes with H3_INTERNAL_ERROR" "$(grep 'closed' "$GOOD_LOG" | tail -n 3)"
# Interrupted: H3_REQUEST_CANCELLED over HTTP/3, 1 over http/1.0.  A
# rate-limited relay keeps the transfer going long enough.
NETSIM=$top/$BUILD/qget-netsim
relay() { # NAME: a 2 MB/s relay in front of the good server; sets RP
	rm -f "$T/$1.rport"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$GOOD" --port-file "$T/$1.rport" \
		--rate 2000000 --seed 42 --duration 60 >"$T/$1.netsim" 2>&1 &
	track $! "qget-netsim ($1)" "$T/$1.netsim"
	RELAY_PID=$!
	for i in $(seq 1 100); do [ -s "$T/$1.rport" ] && break; sleep 0.05; done
	RP=$(cat "$T/$1.rport" 2>/dev/null)
	[ -n "$RP" ] || { fail "relay $1" "did not start"; return 1; }
}
relay int || exit 1
for alpn in h3 http/1.0; do
	"${QGET[@]}" "${CA[@]}" --alpn "$alpn" -o "$T/int.out" localhost "$RP" /8m >/dev/null 2>"$T/err" &
	qp=$!
	sleep 1
	kill -INT "$qp"
	wait "$qp"
	RC=$?
	expect "interrupted over $alpn: exit 130" 130
done
sleep 0.3
grep -q 'closed by peer, application error 0x10c, reason "client interrupted"' "$GOOD_LOG" &&
	pass "interrupt over h3 closes with H3_REQUEST_CANCELLED" ||
	fail "interrupt over h3 closes with H3_REQUEST_CANCELLED" "$(grep 'closed' "$GOOD_LOG" | tail -n 3)"
grep -q 'closed by peer, application error 0x1, reason "client interrupted"' "$GOOD_LOG" &&
	pass "interrupt over http/1.0 closes with code 1" ||
	fail "interrupt over http/1.0 closes with code 1" "$(grep 'closed' "$GOOD_LOG" | tail -n 3)"
stop "$RELAY_PID"

# --- 8. A forged ICMP port unreachable cannot end a transfer ---
if [ "$(id -u)" = 0 ] && python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)' 2>/dev/null; then
	relay icmp || exit 1
	NS=$RELAY_PID
	"${QGET[@]}" "${CA[@]}" -o "$T/icmp.out" localhost "$RP" /8m >/dev/null 2>"$T/err" &
	qp=$!
	lp=
	for i in $(seq 1 40); do
		lp=$(ss -u -a -n -p 2>/dev/null | grep "pid=$qp," | awk '{print $4}' | sed 's/.*://' | head -n 1)
		[ -n "$lp" ] && break
		sleep 0.05
	done
	sleep 0.5
	for i in 1 2 3; do python3 "$top/tests/tools/icmp-unreach.py" "$lp" "$RP"; done
	# The same datagrams do reach a socket that asks for them: the
	# forgery is real (a connected UDP socket gets ECONNREFUSED).
	python3 - "$RP" <<'EOF' >"$T/icmp.probe" 2>&1
import socket, subprocess, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
lport = s.getsockname()[1]
subprocess.run([sys.executable, "tests/tools/icmp-unreach.py", str(lport), sys.argv[1]], check=True)
time.sleep(0.1)
s.setblocking(False)
try:
    s.recv(10)
    print("no error")
except ConnectionRefusedError:
    print("refused")
except BlockingIOError:
    print("no error")
EOF
	wait "$qp"
	RC=$?
	expect "forged ICMP port unreachable mid-transfer: exit 0" 0
	same "forged ICMP: body intact" "$R/8m" "$T/icmp.out"
	grep -qx refused "$T/icmp.probe" && pass "forged ICMP reaches a connected socket (control)" ||
		fail "forged ICMP reaches a connected socket (control)" "$(cat "$T/icmp.probe")"
	stop "$NS"
else
	skip "forged ICMP" "needs root and a raw socket"
fi
