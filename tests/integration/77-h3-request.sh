#!/usr/bin/env bash
# The library's HTTP/3 driver (src/lib/drv_h3.c) where HTTP/3 asks more
# than the request API's common cases (76-request.sh): through
# tests/prog/request against qget-serve, a malformed response (RFC 9114,
# 4.1.2) fails its own request while its siblings and later requests on
# the same connection complete byte-exact; more than 16 server streams of
# reserved types are read and dropped; a server that stops reading an
# upload (STOP_SENDING) and answers 413 has its answer delivered (RFC
# 9114, 4.1), not a reset.  Crafted frames the server cannot send
# (malformed field names, interim heads, field sections over 64 KiB) are
# tests/unit/test_drv_h3.c's.
. "$(dirname "$0")/../lib.sh"

P=$top/$BUILD/tests/prog/request
R=$T/root
CA=(--cafile "$CERTS/ca.pem")
mkdir -p "$R/bad"
printf 'x' >"$R/one"
head -c 100000 /dev/urandom >"$R/k100"
head -c 3000000 /dev/urandom >"$R/m3"
head -c 100000 /dev/urandom >"$R/bad/k100"

if [ ! -x "$P" ]; then
	fail "h3 request: the test program" "$P was not built"
	exit 1
fi

rq() {
	timeout 120 "$P" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
line() { grep -m 1 "^req $1 " "$T/out"; }
req_is() { # NAME N ERE
	if [[ $(line "$2") =~ $3 ]]; then
		pass "$1"
	else
		fail "$1" "req $2: $(line "$2") (wanted /$3/)"
	fi
}
ok() { # SIZE
	echo "status=200 version=HTTP/3 body=$1 info_body=$1 cl=$1 outcome=OK code=- events=HEAD,.*END"
}

# ---- a malformed response: its request alone --------------------------------
if serve msg --fault-path /bad/ --bad-h3 message -v; then
	O=$T/o/msg
	mkdir -p "$O"
	rq "${CA[@]}" --alpn h3 --out "$O" localhost "$PORT" get /k100 /bad/k100 /one /m3
	expect "h3 request: a malformed response among four: exit 7" 7
	req_is "h3 request: the malformed one: E_TRUNCATED, its content-length said" 1 \
		'^req 1 GET /bad/k100 status=200 .*outcome=E_TRUNCATED .*detail=response truncated: 5 of 10 body bytes \(content-length\)'
	req_is "h3 request: a sibling before it complete" 0 "^req 0 GET /k100 $(ok 100000)"
	req_is "h3 request: a sibling after it complete" 2 "^req 2 GET /one $(ok 1)"
	req_is "h3 request: a large sibling complete" 3 "^req 3 GET /m3 $(ok 3000000)"
	same "h3 request: /k100 byte-exact" "$R/k100" "$O/0"
	same "h3 request: /m3 byte-exact" "$R/m3" "$O/3"
	if grep -q '^conn alpn=h3 goaway=0 poll=OK' "$T/out"; then
		pass "h3 request: the connection went on"
	else
		fail "h3 request: the connection went on" "$(grep '^conn' "$T/out")"
	fi
	# One at a time: requests sent after the bad one still work.
	O=$T/o/msg-p1
	mkdir -p "$O"
	rq "${CA[@]}" --alpn h3 --out "$O" --parallel 1 localhost "$PORT" get /bad/k100 /k100 /bad/k100 /one
	expect "h3 request: malformed responses, one at a time: exit 7" 7
	req_is "h3 request: one at a time: the second complete" 1 "^req 1 GET /k100 $(ok 100000)"
	req_is "h3 request: one at a time: the fourth complete" 3 "^req 3 GET /one $(ok 1)"
	req_is "h3 request: one at a time: the third failed alone" 2 '^req 2 GET /bad/k100 .*outcome=E_TRUNCATED '
	same "h3 request: one at a time: /k100 byte-exact" "$R/k100" "$O/1"
	stop "$SERVER_PID"
fi

# ---- more server streams than the tool used to take ------------------------
if serve grease --h3-grease 40 -v; then
	O=$T/o/grease
	mkdir -p "$O"
	rq "${CA[@]}" --alpn h3 --out "$O" localhost "$PORT" get /m3 /k100 /one
	expect "h3 request: 40 reserved-type streams from the server: exit 0" 0
	same "h3 request: 40 grease streams: /m3 byte-exact" "$R/m3" "$O/0"
	same "h3 request: 40 grease streams: /k100 byte-exact" "$R/k100" "$O/1"
	stop "$SERVER_PID"
fi

# ---- STOP_SENDING and an early answer: the answer counts --------------------
if serve upload --max-upload 1000000 -v; then
	for mode in post post-fd post-cb; do
		O=$T/o/up-$mode
		mkdir -p "$O"
		rq "${CA[@]}" --alpn h3 --out "$O" localhost "$PORT" "$mode" /echo "$R/m3"
		expect "h3 request: $mode of 3 MB over the server's limit: exit 0" 0
		req_is "h3 request: $mode: the server's 413 is the response" 0 \
			'^req 0 POST /echo status=413 version=HTTP/3 .*outcome=OK code=- events=HEAD,.*END'
	done
	# The connection still serves.
	O=$T/o/up-after
	mkdir -p "$O"
	rq "${CA[@]}" --alpn h3 --out "$O" localhost "$PORT" post /echo "$R/k100"
	expect "h3 request: an upload under the limit: exit 0" 0
	same "h3 request: an upload under the limit: echoed byte-exact" "$R/k100" "$O/0"
	stop "$SERVER_PID"
fi
