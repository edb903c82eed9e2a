#!/usr/bin/env bash
# Security defaults: public key pinning, cipher suite restriction, and a
# server that survives garbage and half-open connections.
. "$(dirname "$0")/../lib.sh"

R=$T/root
echo hello >"$R/small"
CA=(--cacert "$CERTS/ca.pem")
serve good -v || exit 1
GOOD=$PORT

pin() { # key file -> sha256//BASE64 of its SubjectPublicKeyInfo
	printf 'sha256//%s' "$(openssl pkey -in "$1" -pubout -outform DER 2>/dev/null |
		openssl dgst -sha256 -binary | base64)"
}
right=$(pin "$CERTS/server.key")
wrong=$(pin "$CERTS/other.key")

q "${CA[@]}" --pinnedpubkey "$right" localhost "$GOOD" /small
expect "--pinnedpubkey with the server's key: exit 0" 0
q "${CA[@]}" --pinnedpubkey "$wrong" localhost "$GOOD" /small
expect "--pinnedpubkey with another key, valid chain: exit 5" 5 'matches no pinned key'
if [ -s "$T/out" ]; then fail "pin mismatch: nothing on stdout" "$(wc -c <"$T/out") bytes"; else pass "pin mismatch: nothing on stdout"; fi
q "${CA[@]}" --pinnedpubkey "$wrong;$right" localhost "$GOOD" /small
expect "--pinnedpubkey list with a match: exit 0" 0
q -k --pinnedpubkey "$wrong" localhost "$GOOD" /small
expect "--pinnedpubkey is enforced even with -k" 5 'matches no pinned key'
q --pinnedpubkey 'sha256//short' localhost "$GOOD" /small
expect "malformed --pinnedpubkey: exit 2" 2 'pinnedpubkey'
q --pinnedpubkey "md5//${right#sha256//}" localhost "$GOOD" /small
expect "--pinnedpubkey with another hash: exit 2" 2 'pinnedpubkey'

q "${CA[@]}" -v localhost "$GOOD" /small
default=$(grep -o 'TLS_[A-Z0-9_]*' "$T/err" | head -n 1)
for suite in TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256; do
	q "${CA[@]}" -v --ciphers "$suite" localhost "$GOOD" /small
	if [ "$RC" -eq 0 ] && grep -q "TLSv1.3 $suite" "$T/err" && [ "$suite" != "$default" ]; then
		pass "--ciphers $suite is the suite used (default: $default)"
	else
		fail "--ciphers $suite is the suite used" "rc $RC, default $default"
	fi
done
q --ciphers TLS_NOT_A_SUITE localhost "$GOOD" /small
expect "unknown --ciphers: exit 2" 2 'ciphers'

# Garbage: random datagrams, some shaped like QUIC long-header packets,
# then clients killed mid-handshake; a good client must still be served.
/usr/bin/python3 - "$GOOD" <<'PY'
import os, random, socket, sys
port = int(sys.argv[1]); rnd = random.Random(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    n = rnd.choice([1, 5, 20, 1200, 1500, rnd.randint(1, 1500)])
    b = bytearray(rnd.getrandbits(8) for _ in range(n))
    if i % 3 == 0 and n >= 7:
        b[0] = 0xc0 | (b[0] & 0x0f)            # long header, Initial
        b[1:5] = (1).to_bytes(4, "big")          # QUIC v1
    s.sendto(bytes(b), ("127.0.0.1", port))
PY
# Killed 10..90 ms after start: many die mid-handshake.  The subshell
# keeps bash's "Killed" notices out of the test output.
# Those that finish before the kill are checked for sanitizer reports.
(for i in $(seq 1 30); do
	timeout -s KILL 0.0$((i % 9 + 1)) "$top/$BUILD/qget" "${CA[@]}" localhost "$GOOD" /small \
		2>>"$T/flood.err"
done) >/dev/null 2>&1
if san_report "$T/flood.err"; then
	fail "half-open clients: no sanitizer report" "$(grep -m 2 -E "$SAN_RE" "$T/flood.err")"
fi
if kill -0 "$SERVER_PID" 2>/dev/null; then pass "server alive after garbage and half-open clients"; else fail "server alive after garbage and half-open clients" "it died"; fi
q "${CA[@]}" localhost "$GOOD" /small
expect "a good client is served after the flood" 0 && same "after the flood: body" "$R/small" "$T/out"
