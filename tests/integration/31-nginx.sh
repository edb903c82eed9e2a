#!/usr/bin/env bash
# nginx, the HTTP/3 server most of the web runs, as a peer we did not
# write: Debian stable's nginx built against the same OpenSSL
# (scripts/nginx-dep.sh; make passes QGET_NGINX), configured by
# scripts/nginx-conf.sh (h3 and, on a second port, hq-interop; TLS over
# TCP with Alt-Svc on the first).  Every download is checked byte for byte
# (SHA-256), every upload on nginx's disk, and nginx's own error log must
# report no [alert], [crit] or [emerg].  Times are printed, never asserted.
. "$(dirname "$0")/../lib.sh"

if ! have_nginx; then
	skip "nginx" "QGET_NGINX is unset or names no executable (make test builds nginx with scripts/nginx-dep.sh and sets it; see its errors there)"
	exit 0
fi

R=$T/root
D=$T/dl
mkdir -p "$D" "$R/many"
CA=(--cacert "$CERTS/ca.pem")

# The largest download: 200 MiB, but 20 MiB under valgrind (qget runs
# some 20x slower there).
BIG=200
if [ -n "${QGET_VALGRIND:-}" ]; then
	BIG=20
	echo "    (the largest download is $BIG MiB under valgrind)"
fi
: >"$R/empty"
printf 'x' >"$R/one"
head -c 1024 /dev/urandom >"$R/k1"
head -c 1048576 /dev/urandom >"$R/m1"
head -c $((5 * 1048576)) /dev/urandom >"$R/m5"
head -c $((BIG * 1048576)) /dev/urandom >"$R/big"
head -c 20000000 /dev/urandom >"$T/t20m"
for i in $(seq -w 1 50); do head -c $((1000 + 10#$i)) /dev/urandom >"$R/many/s$i"; done

v6=()
have_ipv6 || v6=(--no-ipv6)
nginx_start main "${v6[@]}" || exit 1
P=$NGINX_PORT
HQ=$NGINX_HQPORT
U=https://localhost:$P
UHQ=https://localhost:$HQ
ALOG=$NGINX_PREFIX/access.log

# access_since LINE: the access log from line LINE on.
alog_lines() { wc -l <"$ALOG"; }
access_since() { tail -n +"$(($1 + 1))" "$ALOG"; }

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---- 1. downloads, h3 and hq-interop, 0 B to 200 MiB ---------------------
for proto in h3 hq-interop; do
	if [ $proto = h3 ]; then base=$U; else base=$UHQ; fi
	for f in empty one k1 m1 big; do
		rm -f "$D/$f"
		start=$(date +%s.%N)
		q "${CA[@]}" --alpn $proto -w '%{http_version}' -o "$D/$f" "$base/$f"
		[ $f = big ] && echo "    $proto: $BIG MiB in $(secs "$start" "$(date +%s.%N)") s"
		expect "$proto: $f ($(stat -c %s "$R/$f") B): exit 0" 0
		same "$proto: $f: byte-exact" "$R/$f" "$D/$f"
		rm -f "$D/$f"
	done
	want=3
	[ $proto = hq-interop ] && want=0.9
	if [ "$(cat "$T/out")" = "$want" ]; then pass "$proto: %{http_version} is '$want'"; else fail "$proto: %{http_version}" "'$(cat "$T/out")'"; fi
done

mkdir -p "$D/alpn"
q "${CA[@]}" -o "$D/alpn/x" "$UHQ/one"
expect "the hq-interop port, offered h3 and http/1.0: no common ALPN (exit 6)" 6
no_leftovers "no common ALPN: no file" "$D/alpn"

# ---- 2. many paths over one connection -----------------------------------
for proto in h3 hq-interop; do
	if [ $proto = h3 ]; then base=$U; else base=$UHQ; fi
	urls=()
	for i in $(seq -w 1 50); do urls+=("$base/many/s$i"); done
	from=$(alog_lines)
	q "${CA[@]}" --alpn $proto -w '%{num_connects}\n' --output-dir "$D/many-$proto" \
		--create-dirs --remote-name-all "${urls[@]}"
	expect "$proto: 50 paths in one call: exit 0" 0
	bad=0
	for i in $(seq -w 1 50); do cmp -s "$R/many/s$i" "$D/many-$proto/s$i" || bad=$((bad + 1)); done
	if [ $bad -eq 0 ]; then pass "$proto: 50 paths: all byte-exact"; else fail "$proto: 50 paths: all byte-exact" "$bad differ"; fi
	conns=$(awk '{ n += $1 } END { print n + 0 }' "$T/out")
	if [ "$(wc -l <"$T/out")" -eq 50 ] && [ "$conns" -eq 1 ]; then
		pass "$proto: 50 paths: %{num_connects} adds up to 1"
	else
		fail "$proto: 50 paths: one connection" "%{num_connects} adds up to $conns over $(wc -l <"$T/out") lines"
	fi
	# nginx's side: 50 requests from one client address and port (one
	# UDP socket: qget opens one per connection), over h3 the last one
	# the connection's 50th ($connection_requests; nginx counts hq-interop
	# streams one by one).
	access_since "$from" | grep ' "GET /many/s' >"$T/acc"
	peers=$(cut -d' ' -f1 "$T/acc" | sort -u | wc -l)
	if [ "$(wc -l <"$T/acc")" -eq 50 ] && [ "$peers" -eq 1 ] &&
		{ [ $proto = hq-interop ] || grep -q ' req=50 ' "$T/acc"; }; then
		pass "$proto: 50 paths: nginx saw 50 requests from one client port"
	else
		fail "$proto: 50 paths: nginx's access log" "$(wc -l <"$T/acc") requests from $peers client ports"
		tail -n 2 "$T/acc" | sed 's/^/    /'
	fi
done

# ---- 3. IPv6 -------------------------------------------------------------
if [ ${#v6[@]} -eq 0 ]; then
	for proto in h3 hq-interop; do
		if [ $proto = h3 ]; then port=$P; else port=$HQ; fi
		q "${CA[@]}" --alpn $proto -w '%{remote_ip}' -o "$D/six" "https://[::1]:$port/m1"
		expect "$proto: [::1]: exit 0" 0
		same "$proto: [::1]: byte-exact" "$R/m1" "$D/six"
		if [ "$(cat "$T/out")" = "::1" ]; then pass "$proto: [::1]: %{remote_ip} is ::1"; else fail "$proto: [::1]: %{remote_ip}" "'$(cat "$T/out")'"; fi
		rm -f "$D/six"
	done
else
	skip "nginx over IPv6 [::1]" "no IPv6 loopback"
fi

# ---- 4. TLS session resumption -------------------------------------------
for proto in h3 hq-interop; do
	if [ $proto = h3 ]; then base=$U; else base=$UHQ; fi
	sess=$T/session-$proto
	q "${CA[@]}" --alpn $proto -v --session-file "$sess" -o "$D/r1" "$base/k1"
	expect "$proto: --session-file, first run: exit 0" 0
	if [ -s "$sess" ] && ! grep -q '(resumed)' "$T/err"; then pass "$proto: the first run saved a session (not resumed)"; else fail "$proto: the first run saved a session" "$(ls -l "$sess" 2>&1)"; fi
	q "${CA[@]}" --alpn $proto -v -w '%{resumed}' --session-file "$sess" -o "$D/r2" "$base/k1"
	expect "$proto: --session-file, second run: resumed" 0 'TLSv1\.3 .*\(resumed\)'
	if [ "$(cat "$T/out")" = 1 ]; then pass "$proto: %{resumed} is 1"; else fail "$proto: %{resumed}" "'$(cat "$T/out")'"; fi
	same "$proto: resumed: byte-exact" "$R/k1" "$D/r2"
	rm -f "$D/r1" "$D/r2"
done

# ---- 5. -I, 404, -f, verification ---------------------------------------
q "${CA[@]}" -I "$U/m1"
if [ "$RC" -eq 0 ] && grep -q '^HTTP/3 200' "$T/out" && grep -qi '^content-length: 1048576' "$T/out" &&
	[ "$(wc -c <"$T/out")" -lt 1000 ] && grep -qi "^alt-svc: h3=\":$P\"" "$T/out"; then
	pass "-I: the head only (200, content-length, Alt-Svc)"
else
	fail "-I: the head only" "exit $RC, $(head -c 200 "$T/out")"
fi

q "${CA[@]}" -w '%{http_code}' -o "$D/404" "$U/missing"
expect "404 without -f: exit 0" 0
if [ "$(cat "$T/out")" = 404 ] && grep -q '404 Not Found' "$D/404"; then pass "404 without -f: nginx's page written, %{http_code} 404"; else fail "404 without -f" "'$(cat "$T/out")'"; fi
rm -f "$D/404"
mkdir -p "$D/f"
q "${CA[@]}" -f -o "$D/f/404" "$U/missing"
expect "404 with -f: exit 11" 11 '404'
no_leftovers "404 with -f: no file" "$D/f"

q --cacert "$CERTS/rogue-ca.pem" -o "$D/x" "$U/one"
expect "a CA nginx's certificate is not from: exit 5" 5
q -k -o "$D/k" "$U/k1"
expect "-k: no verification, exit 0, a warning" 0 'warning: --insecure'
same "-k: byte-exact" "$R/k1" "$D/k"
rm -f "$D/k"

# nginx's TLS over TCP on the same port: TLS 1.3, and Alt-Svc naming the
# QUIC port (what a TCP client learns HTTP/3 from).
if /usr/bin/python3 - "$P" "$CERTS/ca.pem" >"$T/tcp" 2>&1 <<'PY'
import http.client, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=10)
c.request("GET", "/k1")
r = c.getresponse()
body = r.read()
assert r.status == 200 and len(body) == 1024, (r.status, len(body))
assert c.sock.version() == "TLSv1.3", c.sock.version()
assert r.getheader("alt-svc") == 'h3=":%d"; ma=86400' % port, r.getheader("alt-svc")
PY
then pass "TCP on the same port: TLS 1.3, Alt-Svc h3=\":$P\""; else fail "TCP on the same port" "$(tail -n 2 "$T/tcp")"; fi

# ---- 6. uploads ----------------------------------------------------------
mkdir -p "$R/up"
q "${CA[@]}" -T "$T/t20m" -w '%{http_code}' "$U/up/"
expect "-T 20 MB to URL/: exit 0" 0
same "-T 20 MB: byte-exact on nginx's disk" "$T/t20m" "$R/up/t20m"
if [ "$(cat "$T/out")" = 201 ]; then pass "-T: 201 Created"; else fail "-T: 201 Created" "'$(cat "$T/out")'"; fi
head -c 3000000 /dev/urandom >"$T/t3m"
q "${CA[@]}" -T "$T/t3m" -w '%{http_code}' "$U/up/deep/er/t20m"
expect "-T into new folders (create_full_put_path): exit 0" 0
same "-T into new folders: byte-exact" "$T/t3m" "$R/up/deep/er/t20m"
q "${CA[@]}" -T "$T/t3m" -w '%{http_code}' "$U/up/t20m"
expect "-T over an existing file: exit 0" 0
same "-T over an existing file: replaced" "$T/t3m" "$R/up/t20m"
if [ "$(cat "$T/out")" = 204 ]; then pass "-T over an existing file: 204"; else fail "-T over an existing file: 204" "'$(cat "$T/out")'"; fi
q "${CA[@]}" -T - -w '%{http_code}' "$U/up/stdin" <"$R/m1"
expect "-T - (stdin): exit 0" 0
same "-T -: byte-exact" "$R/m1" "$R/up/stdin"

q "${CA[@]}" -X PUT -d 'a=1' -d 'b=2' "$U/up/d.txt"
expect "-X PUT -d -d: exit 0" 0
if [ "$(cat "$R/up/d.txt" 2>/dev/null)" = 'a=1&b=2' ]; then pass "-d twice: nginx stored 'a=1&b=2'"; else fail "-d twice" "'$(head -c 100 "$R/up/d.txt" 2>&1)'"; fi
q "${CA[@]}" -X PUT --data-binary "@$R/m1" "$U/up/db"
expect "-X PUT --data-binary @file: exit 0" 0
same "--data-binary @file: byte-exact" "$R/m1" "$R/up/db"
q "${CA[@]}" -f -d 'a=1' "$U/one"
expect "-d (POST) to a static file: 405, -f: exit 11" 11 '405'

# ---- 7. redirects --------------------------------------------------------
for code in 301 302 303 307 308; do
	q "${CA[@]}" -L -w '%{num_redirects} %{http_code} %{url_effective}' -o "$D/l$code" "$U/$code/m1"
	expect "-L through a $code: exit 0" 0
	same "-L through a $code: the target, byte-exact" "$R/m1" "$D/l$code"
	if [ "$(cat "$T/out")" = "1 200 $U/m1" ]; then pass "-L $code: one redirect, to $U/m1"; else fail "-L $code: %{num_redirects} %{http_code} %{url_effective}" "'$(cat "$T/out")'"; fi
	rm -f "$D/l$code"
done
q "${CA[@]}" -L -w '%{num_redirects}' -o "$D/l2" "$U/301/302/307/one"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = 3 ] && cmp -s "$R/one" "$D/l2"; then pass "-L through 301, 302 and 307 in a row"; else fail "-L through 301, 302, 307" "exit $RC, '$(cat "$T/out")'"; fi
rm -f "$D/l2"
q "${CA[@]}" -w '%{http_code}' -D "$T/head" -o "$D/no-l" "$U/301/one"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = 301 ] && grep -qi "^location: $U/one" "$T/head"; then pass "without -L: the 301 itself"; else fail "without -L: the 301 itself" "exit $RC, '$(cat "$T/out")'"; fi
rm -f "$D/no-l"
q "${CA[@]}" -L -T "$T/t3m" -w '%{http_code} %{method}' "$U/307/up/via307"
expect "-L -T through a 307: exit 0" 0
same "-L -T through a 307: the upload sent again, byte-exact" "$T/t3m" "$R/up/via307"
q "${CA[@]}" -L --max-redirs 5 "$U/loop"
expect "-L: a redirect loop stops at --max-redirs (exit 14)" 14 'more than 5 redirects'

# ---- 8. Range and resume -------------------------------------------------
head -c 300000 "$R/m1" >"$D/part"
from=$(alog_lines)
q "${CA[@]}" -C - -w '%{http_code} %{size_download}' -o "$D/part" "$U/m1"
expect "-C -: exit 0" 0
same "-C -: the resumed file is byte-exact" "$R/m1" "$D/part"
if [ "$(cat "$T/out")" = "206 $((1048576 - 300000))" ]; then pass "-C -: 206 with the missing bytes only"; else fail "-C -: 206 with the missing bytes only" "'$(cat "$T/out")'"; fi
if access_since "$from" | grep -q '"GET /m1 HTTP/3.0" 206 748576 .*range="bytes=300000-"'; then pass "-C -: nginx was asked for bytes=300000-"; else fail "-C -: nginx's access log" "$(access_since "$from")"; fi
q "${CA[@]}" -C - -o "$D/part" "$U/m1"
expect "-C - on a complete file: exit 0" 0
same "-C - on a complete file: unchanged" "$R/m1" "$D/part"
head -c 5000 "$R/m1" >"$D/part2"
q "${CA[@]}" -C 5000 -o "$D/part2" "$U/m1"
expect "-C 5000: exit 0" 0
same "-C 5000: byte-exact" "$R/m1" "$D/part2"
rm -f "$D/part" "$D/part2"
q "${CA[@]}" -H 'Range: bytes=100-199' -w '%{http_code} %{size_download}' -o "$D/slice" "$U/m1"
tail -c +101 "$R/m1" | head -c 100 >"$T/slice.want"
expect "-H 'Range: bytes=100-199': exit 0" 0
same "Range: the 100 bytes, byte-exact" "$T/slice.want" "$D/slice"
if [ "$(cat "$T/out")" = "206 100" ]; then pass "Range: 206, 100 bytes"; else fail "Range: 206, 100 bytes" "'$(cat "$T/out")'"; fi
rm -f "$D/slice"

# ---- 9. loss, through qget-netsim ----------------------------------------
NETSIM=$top/$BUILD/qget-netsim
# relay NAME TARGET-PORT [qget-netsim options...]: a relay in front of
# nginx's QUIC port; sets RELAY and RELAY_PID.  Its log: $T/NAME.netsim.
relay() {
	local name=$1 to=$2 i
	shift 2
	rm -f "$T/$name.rport"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$to" --port-file "$T/$name.rport" \
		--seed 42 --duration 120 "$@" >"$T/$name.netsim" 2>&1 &
	RELAY_PID=$!
	track "$RELAY_PID" "qget-netsim relay $name" "$T/$name.netsim" 0
	for i in $(seq 1 100); do
		[ -s "$T/$name.rport" ] && break
		kill -0 "$RELAY_PID" 2>/dev/null || break
		sleep 0.05
	done
	RELAY=$(cat "$T/$name.rport" 2>/dev/null)
	if [ -z "$RELAY" ]; then
		start_failed "relay $name" "did not start: $(cat "$T/$name.netsim")"
		stop "$RELAY_PID" any
		return 1
	fi
}

# lossy NAME PROTO PORT: 5 MiB through a relay with 3% loss each way
# and 20 ms of RTT.
# The one known fault retried (tests/lib.sh, retry_ok) is OpenSSL's
# client-side stall of 60-netsim.sh (a lost MAX_STREAM_DATA never sent
# again), and only when the qlog OpenSSL wrote shows exactly that and qget
# failed cleanly at -m (exit 9, no file).
lossy() {
	local name=$1 proto=$2 port=$3 attempt start
	for attempt in 1 2; do
		relay "$name" "$port" --loss 3 --delay 10 || return 0
		rm -rf "$T/qlog" && mkdir -p "$T/qlog"
		start=$(date +%s.%N)
		QLOGDIR=$T/qlog q "${CA[@]}" --alpn "$proto" -m 60 -o "$D/lossy" "https://localhost:$RELAY/m5"
		echo "    $name: exit $RC, $(secs "$start" "$(date +%s.%N)") s"
		stop "$RELAY_PID"
		grep -E '^qget-netsim: (up|down):' "$T/$name.netsim" | sed 's/^/      /'
		if [ "$attempt" = 1 ] && [ "$RC" -eq 9 ] &&
			python3 "$top/tests/tools/qlog-msd-stall.py" "$T/qlog" >"$T/msd" 2>&1; then
			no_leftovers "$name: the stalled attempt left no partial file" "$D"
			retry_ok "$name" "$(cat "$T/msd")" && continue
		fi
		break
	done
	expect "$name: exit 0" 0
	same "$name: byte-exact" "$R/m5" "$D/lossy"
	rm -f "$D/lossy"
}
lossy "h3, 3% loss each way, 20 ms RTT, 5 MiB" h3 "$P"
lossy "hq-interop, 3% loss each way, 20 ms RTT, 5 MiB" hq-interop "$HQ"

nginx_stop main

# ---- 10. nginx sending with GSO: qget's GRO path from a peer we did not write
# nginx's quic_gso (off by default) puts a run of datagrams into one GSO
# send; on loopback they reach qget's socket still coalesced, so with
# GRO on the library must split them (the -v counters show GRO buffers),
# and with --no-gso the kernel splits them.  Both byte-exact.
nginx_start gso --gso "${v6[@]}" || exit 1
for proto in h3 hq-interop; do
	if [ $proto = h3 ]; then base=https://localhost:$NGINX_PORT; else base=https://localhost:$NGINX_HQPORT; fi
	for mode in gro no-gso; do
		opt=()
		[ $mode = no-gso ] && opt=(--no-gso)
		rm -f "$D/big"
		q "${CA[@]}" -v "${opt[@]}" --alpn $proto -o "$D/big" "$base/big"
		expect "nginx quic_gso on, $proto, qget $mode: exit 0" 0
		same "nginx quic_gso on, $proto, qget $mode: byte-exact" "$R/big" "$D/big"
		gro=$(sed -n 's/.*receives carried [0-9]* datagrams ([0-9.]* per receive; \([0-9]*\) GRO buffers.*/\1/p' "$T/err" | tail -n 1)
		if [ $mode = gro ]; then
			if [ "${gro:-0}" -gt 0 ]; then pass "nginx quic_gso on, $proto: qget split $gro GRO buffers"; else fail "nginx quic_gso on, $proto: GRO used" "no GRO buffer counted: $(grep 'udp:' "$T/err" | tail -n 1)"; fi
		else
			if [ -n "$gro" ] && [ "$gro" -eq 0 ]; then pass "nginx quic_gso on, $proto, --no-gso: no GRO buffer"; else fail "nginx quic_gso on, $proto, --no-gso: no GRO" "$(grep 'udp:' "$T/err" | tail -n 1)"; fi
		fi
		rm -f "$D/big"
	done
done
nginx_stop gso
