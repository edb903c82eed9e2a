#!/usr/bin/env bash
# Bodies of every awkward size, byte-exact, over IPv4 and IPv6, to stdout
# and with -o; the head with -i; the version.
. "$(dirname "$0")/../lib.sh"

R=$T/root
printf '\0' >"$R/one"
: >"$R/empty"
for n in 65535 65536 65537; do head -c $n /dev/urandom >"$R/b$n"; done
head -c 1048576 /dev/urandom >"$R/b1m"
# Random bytes are full of NULs, CRs and LFs; make sure the body also
# starts with something that looks like a head.
{ printf 'HTTP/1.0 200 OK\r\n\r\n\0'; head -c 1000 /dev/urandom; } >"$R/fakehead"

serve v4 || exit 1
P4=$PORT
serve v6 --addr ::1 || exit 1
P6=$PORT

CA=(--cacert "$CERTS/ca.pem")
for f in empty one b65535 b65536 b65537 b1m fakehead; do
	q "${CA[@]}" 127.0.0.1 "$P4" "/$f"
	expect "ipv4 $f: exit 0" 0 && same "ipv4 $f: body byte-exact" "$R/$f" "$T/out"
	q "${CA[@]}" ::1 "$P6" "/$f"
	expect "ipv6 $f: exit 0" 0 && same "ipv6 $f: body byte-exact" "$R/$f" "$T/out"
done

q "${CA[@]}" localhost "$P4" /b65537
expect "by name (localhost, SNI + DNS SAN)" 0 && same "by name: body" "$R/b65537" "$T/out"
q "${CA[@]}" '[::1]' "$P6" /one
expect "bracketed IPv6 literal" 0 && same "bracketed IPv6 literal: body" "$R/one" "$T/out"
q "${CA[@]}" -4 localhost "$P4" /one
expect "-4 by name" 0

mkdir -p "$T/dl"
q "${CA[@]}" -o "$T/dl/file" 127.0.0.1 "$P4" /b1m
expect "-o: exit 0" 0
same "-o: file byte-exact" "$R/b1m" "$T/dl/file"
if [ -s "$T/out" ]; then fail "-o: stdout empty" "$(stat -c %s "$T/out") bytes on stdout"; else pass "-o: stdout empty"; fi
if [ "$(ls "$T/dl")" = file ]; then pass "-o: no temporary left"; else fail "-o: no temporary left" "$(ls "$T/dl")"; fi
q "${CA[@]}" -o "$T/dl/empty" 127.0.0.1 "$P4" /empty
expect "-o empty body" 0 && same "-o empty body: file exists and is empty" "$R/empty" "$T/dl/empty"

q "${CA[@]}" -i 127.0.0.1 "$P4" /b65535
expect "-i: exit 0" 0
if head -n 1 "$T/out" | grep -q '^HTTP/1.0 200' &&
	grep -qai '^Content-Length: 65535' "$T/out"; then
	pass "-i: head printed"
else
	fail "-i: head printed" "$(head -c 200 "$T/out")"
fi
# The body follows the blank line byte-exact.
hl=$(grep -abo $'\r$' "$T/out" | awk -F: 'NR>1 && $1==prev+2 {print $1+2; exit} {prev=$1}')
if [ -n "$hl" ] && tail -c +$((hl + 1)) "$T/out" | cmp -s - "$R/b65535"; then
	pass "-i: body after the head byte-exact"
else
	fail "-i: body after the head byte-exact" "head length '$hl'"
fi

# qget-serve's 404 body is "404 Not Found\n": printed as it came.
printf '404 Not Found\n' >"$T/404.body"
q "${CA[@]}" 127.0.0.1 "$P4" /missing
expect "404: exit 0 without --fail" 0 &&
	same "404 without --fail: the server's body printed byte-exact" "$T/404.body" "$T/out"
q "${CA[@]}" -v 127.0.0.1 "$P4" /missing
expect "-v: reports the status, ALPN, cipher, certificate" 0 \
	'response: HTTP/1.0 404.*'
for pat in 'trying 127.0.0.1' 'ALPN: http/1.0' 'TLS_AES' 'subject CN ?= ?localhost' \
	'issuer CN ?= ?qget test CA' 'handshake: [0-9.]+ ms' 'connection to .* closed'; do
	if grep -qE "$pat" "$T/err"; then pass "-v shows /$pat/"; else fail "-v shows /$pat/" "missing"; fi
done

q "${CA[@]}" -s 127.0.0.1 "$P4" /one
if [ "$RC" -eq 0 ] && [ ! -s "$T/err" ]; then pass "-s: nothing on stderr"; else fail "-s: nothing on stderr" "rc $RC"; fi

q --version
if [ "$RC" -eq 0 ] && grep -qE '^qget [0-9.]+ \(OpenSSL 3\.([5-9]|[1-9][0-9])' "$T/out"; then
	pass "--version names qget and OpenSSL >= 3.5"
else
	fail "--version names qget and OpenSSL >= 3.5" "$(cat "$T/out")"
fi
q --help
if [ "$RC" -eq 0 ] && grep -q 'Exit codes' "$T/out"; then pass "--help lists the exit codes"; else fail "--help lists the exit codes" "rc $RC"; fi

rm -f "$T/keys"
q "${CA[@]}" --keylog "$T/keys" 127.0.0.1 "$P4" /one
if [ "$RC" -eq 0 ] && grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$T/keys"; then
	pass "--keylog writes NSS key log lines"
else
	fail "--keylog writes NSS key log lines" "rc $RC"
fi
rm -f "$T/keys2"
SSLKEYLOGFILE=$T/keys2 q "${CA[@]}" 127.0.0.1 "$P4" /one
if [ "$RC" -eq 0 ] && grep -q '^SERVER_TRAFFIC_SECRET_0 ' "$T/keys2"; then
	pass "SSLKEYLOGFILE is honoured"
else
	fail "SSLKEYLOGFILE is honoured" "rc $RC"
fi

# 100 MiB: byte-exact, and memory stays flat (well under the body's size).
head -c $((100 * 1048576)) /dev/urandom >"$R/b100m"
if [ -z "${QGET_VALGRIND:-}" ]; then
	/usr/bin/time -f '%M %e' -o "$T/time" "${QGET[@]}" "${CA[@]}" -o "$T/dl/big" \
		127.0.0.1 "$P4" /b100m 2>"$T/err"
	RC=$?
	expect "100 MiB: exit 0" 0
	same "100 MiB: byte-exact" "$R/b100m" "$T/dl/big"
	read -r rss secs <"$T/time"
	echo "    100 MiB: ${secs} s, peak RSS ${rss} KiB"
	if [ "$rss" -lt 65536 ]; then
		pass "100 MiB: peak RSS ${rss} KiB stays under 64 MiB"
	else
		fail "100 MiB: peak RSS stays under 64 MiB" "${rss} KiB"
	fi
	rm -f "$T/dl/big"
else
	for c in "100 MiB: exit 0" "100 MiB: byte-exact" "100 MiB: peak RSS"; do
		skip "$c" "under valgrind (~20x slower; make test and make test-asan run it)"
	done
fi

# --session-file: the first connection saves a ticket, the second resumes
# (no certificate exchange), a server that cannot resume just does a full
# handshake, and a damaged file is a warning, not a failure.
S=$T/session
rm -f "$S"
q "${CA[@]}" -v --session-file "$S" 127.0.0.1 "$P4" /b65537
if [ "$RC" -eq 0 ] && [ -s "$S" ] && ! grep -q '(resumed)' "$T/err"; then
	pass "--session-file: first connection full, ticket saved"
else
	fail "--session-file: first connection full, ticket saved" "rc $RC"
fi
q "${CA[@]}" -v --session-file "$S" 127.0.0.1 "$P4" /b65537
expect "--session-file: second connection resumed" 0 'TLSv1.3 .*\(resumed\)'
same "--session-file: resumed body" "$R/b65537" "$T/out"
cp "$S" "$S.6"
q "${CA[@]}" -v --session-file "$S.6" ::1 "$P6" /one
if [ "$RC" -eq 0 ] && ! grep -q '(resumed)' "$T/err"; then
	pass "--session-file: another server (other ticket keys) does a full handshake"
else
	fail "--session-file: another server does a full handshake" "rc $RC"
fi
# The session is bound to 127.0.0.1 and its port: not even offered.
grep -q 'not resuming the saved TLS session: it was made for another host' "$T/err" &&
	pass "--session-file: the session is not offered to another host" ||
	fail "--session-file: the session is not offered to another host" "$(grep -i session "$T/err")"
q "${CA[@]}" -v --session-file "$S" 127.0.0.1 "$P4" /one
expect "--session-file: the first server resumes again" 0 'TLSv1.3 .*\(resumed\)'
head -c 300 /dev/urandom >"$S"
q "${CA[@]}" -v --session-file "$S" 127.0.0.1 "$P4" /one
expect "--session-file: a damaged file costs a full handshake only" 0 'not resuming the saved TLS session: it is not a qget session'

# -w json (curl's %{json}): one valid JSON object after the body, per
# transfer, with curl's names; --stats FILE (alone) writes the run's
# report; a failure is reported in it too.
q "${CA[@]}" -w json 127.0.0.1 "$P4" /b1m
if [ "$RC" -eq 0 ] && head -c 1048576 "$T/out" | cmp -s - "$R/b1m" &&
	tail -c +1048577 "$T/out" | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["alpn"] == "http/1.0" and d["remote_ip"] == "127.0.0.1", d
assert isinstance(d["remote_port"], int) and d["local_ip"] == "127.0.0.1", d
assert d["size_download"] == 1048576 and d["http_code"] == 200, d
assert 0 < d["time_namelookup"] <= d["time_appconnect"] <= d["time_starttransfer"] <= d["time_total"], d
assert d["bytes_received"] > 1048576 and d["speed_download"] > 0, d
assert d["exitcode"] == 0 and d["errormsg"] is None and d["resumed"] is False, d
'; then
	pass "-w json: the body, then one valid JSON object with the fields"
else
	fail "-w json: the body, then one valid JSON object with the fields" "rc $RC"
fi
rm -f "$T/stats.json"
q --stats "$T/stats.json" localhost "$P4" /one
if [ "$RC" -eq 5 ] && [ ! -s "$T/out" ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit_code"] == 5 and "certificate" in d["error"], d
# The transfer says why it failed, not only that it did; a handshake
# that failed has no ALPN and no first byte.
t = d["transfers"][0]
assert t["alpn"] is None and t["time_starttransfer"] is None, t
assert t["exitcode"] == 5 and t["errormsg"] == d["error"], t
' "$T/stats.json"; then
	pass "--stats: a failure is reported in the file, nothing on stdout"
else
	fail "--stats: a failure is reported in the file, nothing on stdout" "rc $RC"
fi
q -w '%{xml}' localhost "$P4" /one
expect "-w with an unknown variable: exit 2" 2 'xml'

# -I, -f over http/1.0; -I and -H have no place in hq-interop.
q "${CA[@]}" -I 127.0.0.1 "$P4" /b1m
expect "-I: exit 0 (no body is not a truncation)" 0
if head -n 1 "$T/out" | grep -q '^HTTP/1.0 200' && grep -aq $'^Content-Length: 1048576\r$' "$T/out" &&
	[ "$(stat -c %s "$T/out")" -lt 300 ]; then
	pass "-I: the head, no body"
else
	fail "-I: the head, no body" "$(head -c 100 "$T/out")"
fi
q "${CA[@]}" -f 127.0.0.1 "$P4" /nothing-here
expect "-f: 404 exits 11" 11 'answered 404 Not Found'
if [ -s "$T/out" ]; then fail "-f: nothing written for a 404" "$(head -c 60 "$T/out")"; else pass "-f: nothing written for a 404"; fi
q "${CA[@]}" 127.0.0.1 "$P4" /nothing-here
expect "without -f: 404 exits 0" 0
q "${CA[@]}" --alpn hq-interop -I 127.0.0.1 "$P4" /one
expect "hq-interop with -I: exit 2" 2 'no method'
q "${CA[@]}" --alpn hq-interop -H 'X-A: 1' 127.0.0.1 "$P4" /one
expect "hq-interop with -H: exit 2" 2 'no method'
