#!/usr/bin/env bash
# Failure messages that say what happened: a rejected certificate names
# what it holds (the names it is for, its subject and issuer, the date it
# is out of) and -v shows it although verification failed; an ALPN
# refusal lists what was offered; a silent address is reported under -v
# while qget waits, and the end says how long it waited; a time limit
# says how far the transfer had come.  What comes from the certificate
# reaches the terminal escaped and bounded.
. "$(dirname "$0")/../lib.sh"

R=$T/root
head -c 300000 /dev/urandom >"$R/big"
cp "$R/big" "$R/big2"
echo hello >"$R/small"
CA=(--cacert "$CERTS/ca.pem")

# no_controls NAME FILE: no control byte but LF (ESC, BEL, CR, ...) in FILE.
no_controls() {
	if tr -d '\n' <"$2" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "$1" "raw control bytes: $(tr -d '\n' <"$2" | LC_ALL=C grep -o '[[:cntrl:]]' | od -An -tx1 | head -n 1)"
	else
		pass "$1"
	fi
}

# has NAME ERE: stderr (of the last q) has a line matching ERE.
has() {
	if grep -qE "$2" "$T/err"; then pass "$1"; else fail "$1" "stderr does not match /$2/"; fi
}

# leaf NAME SUBJECT SAN: a certificate from the test CA for the server's
# key, as $T/NAME.pem (leaf, then the CA).  SUBJECT and SAN may hold any
# bytes a hostile server could put there.
leaf() {
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$3" >"$T/$1.ext"
	if ! OPENSSL_CONF=$CERTS/openssl.cnf openssl req -new -key "$CERTS/server.key" \
		-subj "$2" -out "$T/$1.csr" 2>"$T/err" ||
		! openssl x509 -req -in "$T/$1.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" \
			-CAserial "$T/ca.srl" -CAcreateserial -days 2 -extfile "$T/$1.ext" \
			-out "$T/$1.crt" 2>>"$T/err"; then
		start_failed "$1 certificate" "$(tail -n 2 "$T/err")"
		exit 1
	fi
	cat "$T/$1.crt" "$CERTS/ca.pem" >"$T/$1.pem"
}

# --- 5: what the certificate holds ---
serve good || exit 1
GOOD=$PORT
serve other --cert "$CERTS/other.pem" --key "$CERTS/other.key" || exit 1
OTHER=$PORT
q "${CA[@]}" localhost "$OTHER" /small
expect "wrong name: exit 5, the names the certificate is for" 5 \
	"verification failed: hostname mismatch: the certificate is for DNS:other\.invalid, not for 'localhost'"
has "wrong name: subject and issuer" \
	"not for 'localhost'; subject CN=other\.invalid, issuer CN=qget test CA$"
q "${CA[@]}" 127.0.0.1 "$OTHER" /small
expect "IP literal, no such IP SAN: exit 5, the names" 5 \
	"IP address mismatch: the certificate is for DNS:other\.invalid, not for '127\.0\.0\.1'; subject CN=other\.invalid"

# -v: the certificate, although it failed; the failure stays one.
q "${CA[@]}" -v localhost "$OTHER" /small
expect "-v, wrong name: still exit 5" 5 'hostname mismatch'
for pat in '^\* server certificate: subject CN=other\.invalid$' \
	'^\* server certificate: issuer CN=qget test CA$' \
	'^\* server certificate: names DNS:other\.invalid$' \
	'^\* server certificate: valid from [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC until [0-9]{4}-' \
	'^\* server certificate: verification failed: hostname mismatch$'; do
	has "-v, failed verification, shows /$pat/" "$pat"
done
if [ -s "$T/out" ]; then fail "-v, wrong name: nothing on stdout" "$(wc -c <"$T/out") bytes"; else pass "-v, wrong name: nothing on stdout"; fi
# Without -v, none of it.
q "${CA[@]}" localhost "$OTHER" /small
if grep -q 'server certificate:' "$T/err"; then fail "without -v: no certificate lines" "$(grep -m1 'server certificate:' "$T/err")"; else pass "without -v: no certificate lines"; fi

for c in expired:'certificate has expired \(notAfter 2020-02-01 00:00:00 UTC\)' \
	notyet:'certificate is not yet valid \(notBefore 2099-01-01 00:00:00 UTC\)' \
	selfsigned:'self-signed certificate; subject CN=localhost, issuer CN=localhost$' \
	rogue:'self-signed certificate in certificate chain; subject CN=localhost, issuer CN=qget rogue CA$'; do
	name=${c%%:*} want=${c#*:}
	serve "$name" --cert "$CERTS/$name.pem" --key "$CERTS/server.key" || continue
	q "${CA[@]}" localhost "$PORT" /small
	expect "$name certificate: exit 5, $want" 5 "verification failed: $want"
	stop "$SERVER_PID"
done
# A server that sends its leaf alone, issued by a CA we do not trust:
# the issuer it needs.
serve leafonly --cert "$CERTS/server.crt" --key "$CERTS/server.key" || exit 1
q --cacert "$CERTS/rogue-ca.pem" localhost "$PORT" /small
expect "leaf of an untrusted CA: exit 5, the issuer it needs" 5 \
	"unable to get local issuer certificate; subject CN=localhost, issuer CN=qget test CA$"
stop "$SERVER_PID"

# A certificate for many names: ten of them, then "...".
san=$(for i in $(seq 0 14); do printf 'DNS:n%d.test,' "$i"; done)
leaf many /CN=many.test "${san}IP:10.0.0.1"
serve many --cert "$T/many.pem" --key "$CERTS/server.key" || exit 1
q "${CA[@]}" -v localhost "$PORT" /small
expect "15 names: exit 5, the first ten and ..." 5 \
	"the certificate is for DNS:n0\.test, DNS:n1\.test, .*DNS:n9\.test, \.\.\., not for 'localhost'"
if grep -q 'n10\.test\|10\.0\.0\.1' "$T/err"; then fail "15 names: no more than ten shown" "$(grep -m1 'n10' "$T/err")"; else pass "15 names: no more than ten shown"; fi
stop "$SERVER_PID"

# A hostile certificate: terminal controls in its subject and names, and
# a subject longer than a line; shown escaped, and bounded.
ou=$(for i in 1 2 3 4 5 6; do printf '/OU=%s' "$(printf 'x%.0s' $(seq 1 60))"; done)
leaf evil $'/CN=evil\x1b]0;pwned\x07'"$ou" $'DNS:evil\x1b[31m.test,DNS:ok.test'
serve evil --cert "$T/evil.pem" --key "$CERTS/server.key" || exit 1
q "${CA[@]}" -v localhost "$PORT" /small
expect "hostile certificate: exit 5" 5 'hostname mismatch'
no_controls "hostile certificate: no raw control bytes on stderr" "$T/err"
has "hostile certificate: its name shown escaped" 'DNS:evil\\x1b\[31m\.test, DNS:ok\.test'
has "hostile certificate: a long subject cut with ..." 'subject CN="evil\\1B\]0;pwned\\07", OU=x+, [^;]*x\.\.\., issuer CN=qget test CA$'
long=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$T/err")
if [ "$long" -le 600 ]; then pass "hostile certificate: every stderr line bounded ($long bytes)"; else fail "hostile certificate: every stderr line bounded" "$long bytes"; fi
stop "$SERVER_PID"

# --- 6: ALPN: what was offered ---
serve noalpn --no-alpn || exit 1
q "${CA[@]}" localhost "$PORT" /small
expect "no ALPN accepted: exit 6, the default offer" 6 \
	'accepted none of our application protocols \(ALPN offered: http/1\.0\)'
q "${CA[@]}" --alpn h3,hq-interop localhost "$PORT" /small
expect "no ALPN accepted: exit 6, each protocol offered" 6 '\(ALPN offered: h3, hq-interop\)'
stop "$SERVER_PID"
q "${CA[@]}" --alpn h9,foo localhost "$GOOD" /small
expect "unknown ALPNs offered: exit 6, named" 6 '\(ALPN offered: h9, foo\)'

# --- 4 and 9: nobody there, or nobody answering ---
serve gone || exit 1
stop "$SERVER_PID"
q "${CA[@]}" -v 127.0.0.1 "$PORT" /small
expect "refused port: exit 4, refused" 4 "connection refused by 127\.0\.0\.1:$PORT"
if grep -q 'no answer' "$T/err"; then fail "refused port: not reported as silent" "$(grep -m1 'no answer' "$T/err")"; else pass "refused port: not reported as silent"; fi

# A UDP socket that swallows everything.
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0))
open(sys.argv[1],"w").write(str(s.getsockname()[1])); time.sleep(60)' "$T/hole.port" &
track $! "python3 silent UDP port"
for i in $(seq 1 100); do [ -s "$T/hole.port" ] && break; sleep 0.05; done
HOLE=$(cat "$T/hole.port")
q "${CA[@]}" -v --idle-timeout 3 127.0.0.1 "$HOLE" /small
expect "silent port: exit 4, how long it waited" 4 \
	"no QUIC server answered at 127\.0\.0\.1:$HOLE \(waited [0-9]+\.[0-9] s\)"
has "silent port, -v: a line while waiting" "^\* 127\.0\.0\.1:$HOLE: no answer yet \(1 s\)$"
q "${CA[@]}" --idle-timeout 3 127.0.0.1 "$HOLE" /small
if grep -q 'no answer yet' "$T/err"; then fail "silent port without -v: no waiting lines" "$(grep -m1 'no answer yet' "$T/err")"; else pass "silent port without -v: no waiting lines"; fi
q "${CA[@]}" --connect-timeout 1.5 127.0.0.1 "$HOLE" /small
expect "silent port, --connect-timeout: exit 9, whom it waited for" 9 \
	"connect timeout of 1\.500 s reached: no answer from 127\.0\.0\.1:$HOLE after [0-9]+\.[0-9] s"
q "${CA[@]}" -m 1 127.0.0.1 "$HOLE" /small
expect "silent port, -m 1: exit 9, whom it waited for" 9 \
	"maximum time of 1\.000 s reached: no answer from 127\.0\.0\.1:$HOLE"

# --- 9: how far a transfer had come ---
# The server stalls each stream after 100000 body bytes but keeps the
# connection alive: only the time limit ends the wait (2 s: time enough
# for 100000 bytes over loopback, also under a sanitizer).
mkdir -p "$T/dl"
serve stall --stall-after 100000 || exit 1
q "${CA[@]}" -m 2 -o "$T/dl/f" localhost "$PORT" /big
expect "-m 2, stalled body: exit 9, the bytes that came" 9 \
	'maximum time of 2\.000 s reached after 100000 body bytes of 300000$'
q "${CA[@]}" -m 2 --alpn h3 -o "$T/dl/f" localhost "$PORT" /big
expect "-m 2, stalled h3 body: exit 9, the bytes that came" 9 \
	'maximum time of 2\.000 s reached after 100000 body bytes of 300000$'
q "${CA[@]}" -m 2 --output-dir "$T/dl" --remote-name-all localhost "$PORT" /small /big
expect "-m 2, one of two paths stalled: exit 9, its bytes" 9 \
	'maximum time of 2\.000 s reached after 100000 body bytes of 300000$'
q "${CA[@]}" -Z -m 2 --output-dir "$T/dl" --remote-name-all localhost "$PORT" /big /big2
expect "-m 2, two paths stalled: exit 9, both counted" 9 \
	'maximum time of 2\.000 s reached with 2 requests in progress \(200000 body bytes received\)$'
stop "$SERVER_PID"
