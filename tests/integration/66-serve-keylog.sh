#!/usr/bin/env bash
# qget-serve's --keylog (and SSLKEYLOGFILE) and --ciphers, as the QUIC
# interop runner's server endpoint needs them: the server's key log holds,
# for each connection, the same TLS 1.3 secrets as the client's (qget
# --keylog), appended connection after connection, in a file of mode 0600
# never opened through a symbolic link; --ciphers makes the server accept
# only the suites listed, whatever the client offers.
. "$(dirname "$0")/../lib.sh"

R=$T/root
head -c 100000 /dev/urandom >"$R/f"
CA=(--cacert "$CERTS/ca.pem")
LABELS="CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0"

# randoms FILE: the client_randoms of FILE's lines, in order of appearance.
randoms() { awk '!seen[$2]++ { print $2 }' "$1"; }

# has_all FILE RANDOM: FILE has a line of each label for that client_random.
has_all() {
	local l
	for l in $LABELS; do
		grep -qE "^$l $2 [0-9a-f]{64,96}$" "$1" || return 1
	done
}

serve keylog --keylog "$T/server.keys" || exit 1
for i in 1 2; do
	q "${CA[@]}" --keylog "$T/client$i.keys" -o "$T/out$i" "https://localhost:$PORT/f"
	expect "keylog: fetch $i: exit 0" 0 && same "keylog: fetch $i: byte-exact" "$R/f" "$T/out$i"
	cp "$T/server.keys" "$T/server.after$i" 2>/dev/null
done
stop "$SERVER_PID"

c1=$(randoms "$T/client1.keys")
c2=$(randoms "$T/client2.keys")
if [ "$(echo "$c1" | wc -l)" -eq 1 ] && [ "$(echo "$c2" | wc -l)" -eq 1 ] &&
	[ -n "$c1" ] && [ "$c1" != "$c2" ] && has_all "$T/client1.keys" "$c1" &&
	has_all "$T/client2.keys" "$c2"; then
	pass "keylog: qget logged each connection's four traffic secrets"
else
	fail "keylog: qget logged each connection's four traffic secrets" "randoms '$c1' '$c2'"
fi
if [ "$(randoms "$T/server.after1")" = "$c1" ] && has_all "$T/server.after1" "$c1"; then
	pass "keylog: after the first connection the server's key log holds its four secrets, same client_random"
else
	fail "keylog: after the first connection the server's key log holds its four secrets" \
		"$(cut -c 1-60 "$T/server.after1" 2>/dev/null | head -n 6 | tr '\n' ' ')"
fi
if [ "$(randoms "$T/server.keys" | tr '\n' ' ')" = "$c1 $c2 " ] &&
	has_all "$T/server.keys" "$c2" &&
	cmp -s "$T/server.after1" <(head -c "$(stat -c %s "$T/server.after1")" "$T/server.keys"); then
	pass "keylog: the second connection's secrets are appended after the first's"
else
	fail "keylog: the second connection's secrets are appended after the first's" \
		"randoms: $(randoms "$T/server.keys" | tr '\n' ' ')"
fi
# Both ends derived the same secrets: the lines are the same, label by
# label (a line only one side logs would show here).
for l in $LABELS; do
	grep "^$l " "$T/client1.keys" "$T/client2.keys" | cut -d: -f2- | sort >"$T/c.$l"
	grep "^$l " "$T/server.keys" | sort >"$T/s.$l"
done
bad=
for l in $LABELS; do
	[ -s "$T/c.$l" ] && cmp -s "$T/c.$l" "$T/s.$l" || bad="$bad $l"
done
if [ -z "$bad" ]; then
	pass "keylog: server and client logged the same secrets for both connections"
else
	fail "keylog: server and client logged the same secrets" "differ:$bad"
fi
if [ "$(stat -c %a "$T/server.keys")" = 600 ]; then
	pass "keylog: the server's key log is created with mode 0600"
else
	fail "keylog: the server's key log is created with mode 0600" "mode $(stat -c %a "$T/server.keys")"
fi
if grep -q "appending TLS secrets to $T/server.keys" "$T/keylog.log"; then
	pass "keylog: the server says where the secrets go"
else
	fail "keylog: the server says where the secrets go" "$(head -n 3 "$T/keylog.log")"
fi

# SSLKEYLOGFILE when --keylog is not given; --keylog when both are.
SSLKEYLOGFILE=$T/env.keys serve env || exit 1
q "${CA[@]}" --keylog "$T/client3.keys" -o /dev/null "https://localhost:$PORT/f"
stop "$SERVER_PID"
c3=$(randoms "$T/client3.keys")
if [ "$RC" -eq 0 ] && [ -n "$c3" ] && has_all "$T/env.keys" "$c3"; then
	pass "keylog: SSLKEYLOGFILE without --keylog"
else
	fail "keylog: SSLKEYLOGFILE without --keylog" "exit $RC, $(wc -l <"$T/env.keys" 2>/dev/null) lines"
fi
SSLKEYLOGFILE=$T/env2.keys serve both --keylog "$T/opt.keys" || exit 1
q "${CA[@]}" -o /dev/null "https://localhost:$PORT/f"
stop "$SERVER_PID"
if [ "$RC" -eq 0 ] && [ -s "$T/opt.keys" ] && [ ! -e "$T/env2.keys" ]; then
	pass "keylog: --keylog wins over SSLKEYLOGFILE"
else
	fail "keylog: --keylog wins over SSLKEYLOGFILE" "exit $RC; env2.keys $(ls "$T/env2.keys" 2>&1)"
fi

# Never through a symbolic link: the server does not start, the file the
# link points to stays as it was.
echo precious >"$T/target"
ln -s "$T/target" "$T/link.keys"
"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
	--root "$R" --port 0 --keylog "$T/link.keys" >"$T/out" 2>"$T/err"
RC=$?
if [ "$RC" -eq 1 ] && [ "$(cat "$T/target")" = precious ] &&
	grep -q "cannot open key log file $T/link.keys" "$T/err"; then
	pass "keylog: a symbolic link is refused (exit 1, its target untouched)"
else
	fail "keylog: a symbolic link is refused" "exit $RC, target: $(head -c 40 "$T/target")"
fi

# --ciphers: only ChaCha20-Poly1305, whatever the client offers.
serve chacha --ciphers TLS_CHACHA20_POLY1305_SHA256 || exit 1
for alpn in h3 hq-interop; do
	q "${CA[@]}" --alpn "$alpn" -w '%{cipher}' -o "$T/body" "https://localhost:$PORT/f"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = TLS_CHACHA20_POLY1305_SHA256 ]; then
		pass "ciphers: $alpn: a client offering every suite gets TLS_CHACHA20_POLY1305_SHA256"
	else
		fail "ciphers: $alpn: a client offering every suite gets TLS_CHACHA20_POLY1305_SHA256" \
			"exit $RC, cipher '$(cat "$T/out")'"
	fi
done
# A client offering only a suite the server refuses: no handshake, exit 4
# (qget's "could not connect": the handshake failed), the TLS alert named.
q "${CA[@]}" --ciphers TLS_AES_128_GCM_SHA256 -o "$T/body" "https://localhost:$PORT/f"
expect "ciphers: a client offering only TLS_AES_128_GCM_SHA256: handshake fails, exit 4" 4 \
	'handshake.*TLS alert handshake failure \(0x128\)'
stop "$SERVER_PID"

# Usage: a list OpenSSL knows nothing of, an empty one, an empty key log.
for bad in --ciphers=BOGUS --ciphers= --keylog=; do
	"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--port 0 "$bad" >"$T/out" 2>"$T/err"
	RC=$?
	opt=${bad%%=*}
	expect "serve $bad: exit 2, one line" 2 "${opt#--}"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "serve $bad: one line" "$(wc -l <"$T/err") lines"
done
if "$top/$BUILD/qget-serve" --help | grep -q -- '--keylog FILE' &&
	"$top/$BUILD/qget-serve" --help | grep -q -- '--ciphers LIST'; then
	pass "serve --help lists --keylog and --ciphers"
else
	fail "serve --help lists --keylog and --ciphers" "not in --help"
fi
exit 0
