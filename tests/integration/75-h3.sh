#!/usr/bin/env bash
# qget over HTTP/3: against OpenSSL's HTTP/3 demo server (a server we did
# not write: demos/http3/ossl-nghttp3-demo-server.c with ossl-nghttp3.c,
# compiled here from the fetched OpenSSL source against the fetched
# nghttp3), and against qget-serve's h3: sizes byte-exact, many paths over
# one connection, the head (-i, -I), request headers (-H), --fail, resets,
# GOAWAY, and URLs.
. "$(dirname "$0")/../lib.sh"

R=$T/root
H3DIR=${OPENSSL_SRC:-}/demos/http3
demo=$top/$BUILD/peers/ossl-nghttp3-demo-server
SIZES="one b65535 b65536 b65537 b1m"
printf '\0' >"$R/one"
: >"$R/empty"
for n in 65535 65536 65537; do head -c $n /dev/urandom >"$R/b$n"; done
head -c 1048576 /dev/urandom >"$R/b1m"
head -c 10485760 /dev/urandom >"$R/b10m"
MANY=$(printf 'm%02d ' $(seq 1 40))
for f in $MANY; do head -c $((RANDOM % 3000 + 1)) /dev/urandom >"$R/$f"; done
CA=(--cacert "$CERTS/ca.pem")

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---- 1. OpenSSL's HTTP/3 demo server --------------------------------------
# Usage: ossl-nghttp3-demo-server PORT CERT KEY; serves $FILEPREFIX/PATH,
# "/" as index.html, one connection at a time.  It binds 0.0.0.0 (fixed in
# its source); we only connect to 127.0.0.1.  It prints each request
# header it receives on stdout (line-buffered with stdbuf).  Quirks: a path
# "big" is an endless body, a missing file gets 200 with a 20-byte body,
# so neither is asked for here; and it answers one request per connection:
# a second request on the same connection trips its assertion in
# set_id_status() (ossl-nghttp3-demo-server.c:212), so many paths over one
# connection are tested against qget-serve only.
build_demo() {
	[ -x "$demo" ] && [ ! "$demo" -ot "$H3DIR/ossl-nghttp3-demo-server.c" ] &&
		return 0
	mkdir -p "$(dirname "$demo")"
	# shellcheck disable=SC2086 # word lists
	cc -O2 $OPENSSL_CFLAGS ${NGHTTP3_CFLAGS:-} -o "$demo" \
		"$H3DIR/ossl-nghttp3-demo-server.c" "$H3DIR/ossl-nghttp3.c" \
		${NGHTTP3_LIBS:-} $OPENSSL_LIBS 2>"$T/cc.log"
}


# dq ARGS...: q against the demo server.  The demo server has faults of
# its own after which it exits: its assertion in set_id_status()
# ("Assertion `0' failed" after "Oops can't set status"), or
# "quic_server_write failed!" (it takes a short SSL_write_ex2() for a
# failure; "couldn't write on connection" comes first).  Only if qget
# failed, the demo server is gone, and its own output since it started
# holds one of those messages is it restarted and the case run once more
# (tests/lib.sh, retry_ok: a RETRY line; one retry per case, two per run
# of this script); anything else counts as it is.
DEMO_FAULT_RE="set_id_status: Assertion|Oops can't (set|get) status|quic_server_write failed"
dq() {
	q "$@"
	if [ "$RC" -ne 0 ] && ! kill -0 "$DEMO_PID" 2>/dev/null &&
		tail -n +"$DEMO_FROM" "$T/demo.log" | grep -qE "$DEMO_FAULT_RE"; then
		local a=() x OLD_PORT=$DEMO_PORT why
		why="qget exit $RC; the demo server exited, its log: $(tail -n +"$DEMO_FROM" "$T/demo.log" |
			grep -m 1 -oE "$DEMO_FAULT_RE")"
		stop "$DEMO_PID" any # its end is the fault its log names
		retry_ok "h3: demo: ${*: -1}" "$why" || return
		if ! demo_start; then
			start_failed "h3: OpenSSL's HTTP/3 demo server restarts" "$(tail -n 3 "$T/demo.log")"
			return
		fi
		for x in "$@"; do a+=("${x//:$OLD_PORT\//:$DEMO_PORT/}"); done
		q "${a[@]}"
	fi
}

part1() {
	local f u t0 bad c=("${CA[@]}" -m 30)
	local cases=("demo: sizes" "demo: -i" "demo: -H" "demo: -w json")

	if [ -z "${OPENSSL_SRC:-}" ] || [ ! -f "$H3DIR/ossl-nghttp3-demo-server.c" ] ||
		[ -z "${NGHTTP3_LIBS:-}" ]; then
		for f in "${cases[@]}"; do
			skip "h3: $f" "no OpenSSL source tree or no nghttp3 (OPENSSL_SRC, NGHTTP3_LIBS)"
		done
		return
	fi
	# Under valgrind qget reads ~20x slower, and the demo server gives up
	# on a slow reader ("couldn't write on connection") and exits; its
	# part is interop, not memory checking, which part 2 does.
	if [ -n "${QGET_VALGRIND:-}" ]; then
		for f in "${cases[@]}"; do
			skip "h3: $f" "under valgrind the demo server drops a slow reader"
		done
		return
	fi
	if ! build_demo; then
		fail "h3: build OpenSSL's HTTP/3 demo server" "$(tail -n 3 "$T/cc.log")"
		return
	fi
	if ! demo_start; then
		start_failed "h3: OpenSSL's HTTP/3 demo server starts" "$(tail -n 3 "$T/demo.log")"
		return
	fi
	for f in $SIZES b10m; do
		t0=$EPOCHREALTIME
		dq "${c[@]}" "https://localhost:$DEMO_PORT/$f"
		expect "h3: qget <- openssl demo: $f: exit 0" 0 &&
			same "h3: qget <- openssl demo: $f: SHA-256" "$R/$f" "$T/out"
		[ "$f" = b10m ] && echo "    10 MiB qget <- openssl h3 demo: $(secs "$t0" "$EPOCHREALTIME") s"
	done

	# -i: "HTTP/3 200", the headers, an empty line, then the body.
	dq "${c[@]}" -i "https://localhost:$DEMO_PORT/b65535"
	expect "h3: -i: exit 0" 0
	if head -c 12 "$T/out" | cmp -s - <(printf 'HTTP/3 200\r\n') &&
		grep -aq $'^content-length: 65535\r$' "$T/out" &&
		tail -c 65535 "$T/out" | cmp -s - "$R/b65535"; then
		pass "h3: -i: HTTP/3 status line, headers, body"
	else
		fail "h3: -i: HTTP/3 status line, headers, body" "$(head -c 80 "$T/out" | tr '\r\n' '  ')"
	fi

	# The request as the server saw it: only the lines it logged for this
	# request (the earlier fetches logged their own).
	local before want
	before=$(wc -l <"$T/demo.log")
	dq "${c[@]}" -H 'X-Qget-Test:  hello world ' -H 'Accept: */*' \
		"https://localhost:$DEMO_PORT/one"
	expect "h3: -H: exit 0" 0
	sleep 0.2
	tail -n +$((before + 1)) "$T/demo.log" >"$T/demo.req"
	for want in ':method: GET' ':scheme: https' ":authority: localhost:$DEMO_PORT" \
		':path: /one' 'user-agent: qget/[0-9.]*' 'x-qget-test: hello world' 'accept: \*/\*'; do
		if grep -qx "$want" "$T/demo.req"; then
			pass "h3: the server received '$want'"
		else
			: >"$T/err"
			fail "h3: the server received '$want'" "not in its log for this request"
		fi
	done

	dq "${c[@]}" -w json "https://localhost:$DEMO_PORT/one"
	if [ "$RC" -eq 0 ] && tail -c +2 "$T/out" | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["alpn"] == "h3" and d["http_code"] == 200, d
assert d["size_download"] == 1 and d["exitcode"] == 0, d
'; then
		pass "h3: -w json: alpn h3, status 200"
	else
		fail "h3: -w json: alpn h3, status 200" "rc $RC: $(tail -c 300 "$T/out")"
	fi
	if kill -0 "$DEMO_PID" 2>/dev/null; then
		pass "h3: the demo server is still alive"
	else
		fail "h3: the demo server is still alive" "$(tail -n 3 "$T/demo.log")"
	fi
	stop "$DEMO_PID"
}

# ---- 2. qget-serve's h3 ---------------------------------------------------
part2() {
	local f u t0 bad n

	serve h3 -v || return
	u=https://localhost:$PORT
	for f in empty $SIZES b10m; do
		t0=$EPOCHREALTIME
		q "${CA[@]}" "$u/$f"
		expect "h3: qget <- qget-serve: $f: exit 0" 0 &&
			same "h3: qget <- qget-serve: $f: SHA-256" "$R/$f" "$T/out"
		[ "$f" = b10m ] && echo "    10 MiB qget <- qget-serve h3: $(secs "$t0" "$EPOCHREALTIME") s"
	done
	if grep -q 'handshake done, ALPN h3' "$T/h3.log"; then
		pass "h3: a URL without --alpn got h3 from qget-serve"
	else
		fail "h3: a URL without --alpn got h3 from qget-serve" "no h3 handshake in its log"
	fi
	q "${CA[@]}" --alpn http/1.0 "$u/one"
	expect "h3: --alpn http/1.0 with a URL: exit 0" 0 &&
		same "h3: --alpn http/1.0 with a URL: body" "$R/one" "$T/out"

	mkdir -p "$T/many2"
	args=()
	for f in $MANY b1m empty; do args+=("$u/$f"); done
	q "${CA[@]}" -Z -v --output-dir "$T/many2" --remote-name-all "${args[@]}"
	expect "h3: qget <- qget-serve: 42 paths in one run: exit 0" 0
	bad=0
	for f in $MANY b1m empty; do cmp -s "$R/$f" "$T/many2/$f" || bad=$((bad + 1)); done
	n=$(grep -c '^\* connected to' "$T/err")
	if [ $bad -eq 0 ] && [ "$n" -eq 1 ]; then
		pass "h3: qget <- qget-serve: 42 paths byte-exact over one connection"
	else
		fail "h3: qget <- qget-serve: 42 paths byte-exact over one connection" "$bad differ, $n connections"
	fi
	rm -rf "$T/many2"/*
	q "${CA[@]}" -Z --parallel-max 3 --output-dir "$T/many2" --remote-name-all "$u/m01" "$u/m02" "$u/m03" "$u/m04" "$u/m05"
	expect "h3: --parallel-max 3, 5 paths: exit 0" 0 &&
		same "h3: --parallel-max 3: m05 byte-exact" "$R/m05" "$T/many2/m05"

	if have_ipv6; then
		serve h3v6 --addr ::1 || return
		q "${CA[@]}" "https://[::1]:$PORT/b65537"
		expect "h3: https://[::1]:PORT/: exit 0" 0 &&
			same "h3: https://[::1]:PORT/: SHA-256" "$R/b65537" "$T/out"
		stop "$SERVER_PID"
	else
		skip "h3: https://[::1]:PORT/" "no IPv6 loopback"
	fi

	# HEAD: the head, no body, not "truncated".
	q "${CA[@]}" -I "$u/b1m"
	expect "h3: -I: exit 0" 0
	if head -c 12 "$T/out" | cmp -s - <(printf 'HTTP/3 200\r\n') &&
		grep -aq $'^content-length: 1048576\r$' "$T/out" &&
		[ "$(tail -c 4 "$T/out" | od -An -c | tr -d ' ')" = '\r\n\r\n' ] &&
		[ "$(stat -c %s "$T/out")" -lt 300 ] &&
		grep -q 'HEAD /b1m -> 200' "$T/h3.log"; then
		pass "h3: -I: HEAD sent, the head printed, no body"
	else
		fail "h3: -I: HEAD sent, the head printed, no body" "$(head -c 200 "$T/out" | tr '\r\n' '  ')"
	fi

	# 404: a body without -f, exit 11 and nothing written with it.
	q "${CA[@]}" -i "$u/missing"
	expect "h3: 404 without -f: exit 0" 0
	if head -c 12 "$T/out" | cmp -s - <(printf 'HTTP/3 404\r\n'); then
		pass "h3: 404 without -f: the status line says so"
	else
		fail "h3: 404 without -f: the status line says so" "$(head -c 40 "$T/out")"
	fi
	mkdir -p "$T/dl"
	q "${CA[@]}" -f -o "$T/dl/x" "$u/missing"
	expect "h3: -f with 404: exit 11" 11 'answered 404'
	no_leftovers "h3: -f with 404: no file left" "$T/dl"
	q "${CA[@]}" -f --output-dir "$T/dl" --remote-name-all "$u/missing" "$u/one"
	expect "h3: -f, one path 404, one fine: exit 11" 11 '/missing: the server answered 404'
	same "h3: -f: the fine path is saved" "$R/one" "$T/dl/one"
	rm -f "$T/dl"/*
	stop "$SERVER_PID"

	# Faults: a reset stream, a closed connection, a short body.
	# (Not H3_REQUEST_REJECTED: that one says the request was not
	# processed, E_REFUSED, whenever the reset drops what came before.)
	serve h3r --reset-after 100000 --reset-code 0x10c || return
	q "${CA[@]}" -o "$T/dl/x" "https://localhost:$PORT/b1m"
	expect "h3: reset with 0x10c: exit 7, named" 7 'H3_REQUEST_CANCELLED \(0x10c\)'
	no_leftovers "h3: reset: no file left" "$T/dl"
	stop "$SERVER_PID"
	serve h3c --close-after 100000 --close-code 0x102 --close-reason 'bye now' || return
	q "${CA[@]}" "https://localhost:$PORT/b1m"
	expect "h3: close with 0x102: exit 8, named, reason shown" 8 '0x102.*bye now.*H3_INTERNAL_ERROR'
	stop "$SERVER_PID"
	serve h3t --truncate-after 5000 || return
	q "${CA[@]}" "https://localhost:$PORT/b65537"
	expect "h3: body cut short of content-length: exit 7" 7 'truncated'
	stop "$SERVER_PID"

	# A broken response: a clear failure naming the error, no crash, no
	# file; the connection is closed with the code nghttp3 infers.
	serve h3bf --bad-h3 frame -v || return
	q "${CA[@]}" -o "$T/dl/x" "https://localhost:$PORT/one"
	expect "h3: a DATA frame before HEADERS: exit 1, named" 1 \
		'HTTP/3 error in the server.s data: .*H3_FRAME_UNEXPECTED \(0x105\)'
	no_leftovers "h3: broken frame: no file left" "$T/dl"
	if log_wait "$T/h3bf.log" 'closed by peer, application error 0x105'; then
		pass "h3: broken frame: qget closed with H3_FRAME_UNEXPECTED"
	else
		# The server's last words say whether the close arrived late
		# or not at all (once, under valgrind in CI, nothing in 10 s).
		fail "h3: broken frame: qget closed with H3_FRAME_UNEXPECTED" \
			"no close logged; the server's log ends: $(tail -n 6 "$T/h3bf.log")"
	fi
	stop "$SERVER_PID"
	serve h3bq --bad-h3 qpack || return
	q "${CA[@]}" "https://localhost:$PORT/one"
	expect "h3: an undecodable QPACK block: exit 1, named" 1 'QPACK_DECOMPRESSION_FAILED \(0x200\)'
	stop "$SERVER_PID"

	# GOAWAY after two requests per connection: those two are saved;
	# the ones the server did not process go again on a new connection
	# (as curl does), so all four arrive.
	serve h3g --goaway-after 2 -v || return
	mkdir -p "$T/g"
	q "${CA[@]}" -v --output-dir "$T/g" --remote-name-all "https://localhost:$PORT/m01" \
		"https://localhost:$PORT/m02" "https://localhost:$PORT/m03" \
		"https://localhost:$PORT/m04"
	expect "h3: GOAWAY after 2 requests: exit 0" 0 'GOAWAY'
	bad=0
	for f in m01 m02 m03 m04; do cmp -s "$R/$f" "$T/g/$f" || bad=$((bad + 1)); done
	n=$(grep -c '^\* connected to' "$T/err")
	if [ $bad -eq 0 ] && [ "$n" -eq 2 ]; then
		pass "h3: GOAWAY: all four saved, over two connections"
	else
		fail "h3: GOAWAY: all four saved, over two connections" "$bad differ, $n connections"
	fi
	stop "$SERVER_PID"
}

part1
part2
exit 0
