#!/usr/bin/env bash
# libqget's stream calls that qget itself reaches only over HTTP/3, on an
# http/1.0 connection (tests/prog/streams.c): stream IDs (first bidi 0,
# first uni 2), nothing to accept when the server opened nothing, and a
# reset whose code the server must report.
. "$(dirname "$0")/../lib.sh"

printf 'hi\n' >"$T/root/one"
serve s -v || exit 1
prog=$top/$BUILD/tests/prog/streams
"$prog" localhost "$PORT" "$CERTS/ca.pem" 0x77 >"$T/out" 2>"$T/err"
RC=$?
expect "streams: exit 0" 0
# The second response's size is the server's head plus "hi\n".
if grep -qx 'bidi 0 uni 2 accepted none reset OK after [1-9][0-9]*' "$T/out"; then
	pass "streams: IDs 0 and 2, none to accept, reset taken, next stream served"
else
	fail "streams: IDs 0 and 2, none to accept, reset taken, next stream served" "$(cat "$T/out")"
fi
if grep -q 'stream 0: reset by peer while reading the request (code 0x77' "$T/s.log"; then
	pass "streams: the server saw RESET_STREAM with code 0x77"
else
	fail "streams: the server saw RESET_STREAM with code 0x77" "$(grep 'stream 0' "$T/s.log")"
fi
stop "$SERVER_PID"
