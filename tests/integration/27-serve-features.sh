#!/usr/bin/env bash
# qget-serve's features for tests of clients: uploads to /echo and
# /echo-sha256 (POST and PUT; qget cannot upload yet, so over http/1.0
# through tests/prog/upload on the library's stream API, over h3 through
# tests/prog/h3upload, nghttp3 on that stream API), the 413 of
# --max-upload with the upload stopped, --fault-path (the faults for
# some paths only, with several paths over one connection), and
# --h3-grease (reserved unidirectional streams and a reserved frame on
# the control stream: 20 of them make 23 server streams, more than the 16
# qget's HTTP/3 client took before issue 11).
. "$(dirname "$0")/../lib.sh"

R=$T/root
UP=$top/$BUILD/tests/prog/upload
H3UP=$top/$BUILD/tests/prog/h3upload
CA=(--cacert "$CERTS/ca.pem")
mkdir -p "$R/bad" "$R/raw"
head -c 300000 /dev/urandom >"$T/body"
head -c 200000 /dev/urandom >"$R/ok.bin"
head -c 200000 /dev/urandom >"$R/bad/x.bin"
: >"$T/empty"
printf 'HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nraw\n' >"$R/raw/r.txt"

# up ARGS...: tests/prog/upload METHOD PATH BODYFILE [LENGTH] against
# $PORT; the response's head in $T/head, its body in $T/out, the client's
# stderr in $T/err, its exit code in RC.
up() {
	"$UP" localhost "$PORT" "$CERTS/ca.pem" "$@" >"$T/resp" 2>"$T/err"
	RC=$?
	/usr/bin/python3 - "$T/resp" "$T/head" "$T/out" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\r\n\r\n")
head, body = (d, b"") if i < 0 else (d[:i + 2], d[i + 4:])
open(sys.argv[2], "wb").write(head)
open(sys.argv[3], "wb").write(body)
EOF
}

# h3up ARGS...: tests/prog/h3upload METHOD PATH BODYFILE [LENGTH] against
# $PORT; the response's fields (and the client's messages) in $T/err,
# its body in $T/out, the exit code in RC.
h3up() {
	"$H3UP" localhost "$PORT" "$CERTS/ca.pem" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# h3status NAME CODE: the h3 upload's response has status CODE.
h3status() {
	if [ "$RC" -eq 0 ] && grep -qx ":status: $2" "$T/err"; then
		pass "$1"
	else
		fail "$1" "exit $RC, $(grep '^:status' "$T/err" || echo 'no :status')"
	fi
}

# status NAME CODE: the upload's response has status CODE.
status() {
	if [ "$RC" -eq 0 ] && head -n 1 "$T/head" | grep -q "^HTTP/1.0 $2 "; then
		pass "$1"
	else
		fail "$1" "exit $RC, status line '$(head -n 1 "$T/head" | tr -d '\r')'"
	fi
}

# has NAME ERE FILE: FILE has a line matching ERE.
has() {
	if grep -qE "$2" "$3"; then
		pass "$1"
	else
		: >"$T/err"
		fail "$1" "no /$2/ in $(basename "$3"): $(tail -n 2 "$3" | tr '\r\n' '  ')"
	fi
}

# ---- uploads over http/1.0 ------------------------------------------------
serve up -v || exit 1

up POST /echo "$T/body"
status "upload: POST /echo, 300000 bytes: 200" 200
has "upload: POST /echo: Content-Length of the echo" '^Content-Length: 300000' "$T/head"
same "upload: POST /echo: the body echoed byte-exact" "$T/body" "$T/out"
has "upload: POST /echo: the whole body sent" '^sent 300000 bytes, complete' "$T/err"

up PUT '/echo/sub?x=1' "$T/body" none
status "upload: PUT /echo/sub?x=1 without Content-Length (ends at FIN): 200" 200
same "upload: PUT without Content-Length: the body echoed byte-exact" "$T/body" "$T/out"

up POST /echo "$T/empty"
status "upload: an empty body: 200" 200
has "upload: an empty body: Content-Length: 0" '^Content-Length: 0' "$T/head"

head -c $((20 * 1048576)) /dev/urandom >"$T/big"
up POST /echo-sha256 "$T/big"
status "upload: POST /echo-sha256, 20 MiB: 200" 200
printf '%s\n' "$(sha "$T/big")" >"$T/big.sha"
same "upload: /echo-sha256 answers the body's SHA-256 in hex and a newline" "$T/big.sha" "$T/out"
# 20 MiB cannot all fit in the flow control window: stopped midway.
up POST /echo "$T/big" $((64 * 1048576 + 1))
status "upload: a Content-Length over the default 64 MiB: 413" 413
has "upload: 413 at once: the upload is stopped" '^sent [0-9]+ bytes, stopped by the server' "$T/err"
rm -f "$T/big"

up POST /echo "$T/body" chunked
status "upload: Transfer-Encoding: 501" 501
up POST /other "$T/body"
status "upload: POST to a path that is not /echo: 501 (as before)" 501
up POST /echo "$T/body" 400000
status "upload: a FIN before the Content-Length's end: 400" 400
up POST /echo "$T/body" 1000
status "upload: more body than the Content-Length: 400" 400

q "${CA[@]}" localhost "$PORT" /ok.bin
expect "upload: GET still serves files afterwards: exit 0" 0 && same "upload: GET afterwards: byte-exact" "$R/ok.bin" "$T/out"
q "${CA[@]}" -f localhost "$PORT" /echo
expect "upload: GET /echo is a file like any other (404)" 11 ' 404 '
# The same over h3.
h3up POST /echo "$T/body"
h3status "h3 upload: POST /echo, 300000 bytes: 200" 200
same "h3 upload: POST /echo: the body echoed byte-exact" "$T/body" "$T/out"
has "h3 upload: POST /echo: content-length of the echo" '^content-length: 300000$' "$T/err"
h3up PUT '/echo/x?y' "$T/body" none
h3status "h3 upload: PUT /echo/x?y without content-length: 200" 200
same "h3 upload: PUT without content-length: byte-exact" "$T/body" "$T/out"
h3up POST /echo "$T/empty"
h3status "h3 upload: an empty body: 200" 200
if [ ! -s "$T/out" ]; then pass "h3 upload: an empty body: an empty echo"; else fail "h3 upload: an empty body: an empty echo" "$(stat -c %s "$T/out") bytes"; fi
head -c $((5 * 1048576)) /dev/urandom >"$T/mid"
h3up POST /echo-sha256 "$T/mid"
h3status "h3 upload: POST /echo-sha256, 5 MiB: 200" 200
printf '%s\n' "$(sha "$T/mid")" >"$T/mid.sha"
same "h3 upload: /echo-sha256: the SHA-256 line" "$T/mid.sha" "$T/out"
h3up POST /other "$T/body"
h3status "h3 upload: POST to a path that is not /echo: 405 (as before)" 405
h3up POST /echo "$T/mid" $((64 * 1048576 + 1))
h3status "h3 upload: a content-length over the default 64 MiB: 413" 413
has "h3 upload: 413 at once: the upload is stopped" '^sent [0-9]+ bytes, stopped by the server' "$T/err"

has "upload: the server logged the echo" 'stream [0-9]+: POST /echo -> 200 \(300000 bytes; 300000 bytes uploaded\)' "$T/up.log"
has "upload: the server logged the 413" 'POST /echo -> 413 .*over --max-upload' "$T/up.log"
stop "$SERVER_PID"

serve limit -v --max-upload 1000000 || exit 1
head -c 1000000 /dev/urandom >"$T/limit"
head -c 1000001 /dev/urandom >"$T/over"
head -c 3000000 /dev/urandom >"$T/far-over"
up POST /echo "$T/limit"
status "--max-upload 1000000: a body of exactly 1000000 bytes: 200" 200
same "--max-upload 1000000: that body echoed byte-exact" "$T/limit" "$T/out"
up POST /echo "$T/over"
status "--max-upload 1000000: 1000001 bytes (Content-Length): 413" 413
up POST /echo-sha256 "$T/far-over" none
status "--max-upload 1000000: 3 MB without Content-Length: 413" 413
has "--max-upload: without Content-Length, the upload is stopped midway" '^sent [0-9]+ bytes, stopped by the server' "$T/err"
h3up POST /echo "$T/limit"
h3status "--max-upload 1000000, h3: exactly 1000000 bytes: 200" 200
same "--max-upload 1000000, h3: byte-exact" "$T/limit" "$T/out"
h3up POST /echo "$T/over"
h3status "--max-upload 1000000, h3: 1000001 bytes (content-length): 413" 413
h3up POST /echo "$T/far-over" none
h3status "--max-upload 1000000, h3: 3 MB without content-length: 413" 413
has "--max-upload, h3: without content-length, the upload is stopped midway" '^sent [0-9]+ bytes, stopped by the server' "$T/err"
has "--max-upload: the server counted up to the limit, no further" 'POST /echo-sha256 -> 413 \(0 bytes; [0-9]+ bytes uploaded, over --max-upload\)' "$T/limit.log"
stop "$SERVER_PID"

# ---- --fault-path -----------------------------------------------------------
# Both paths over one connection: only the one under the prefix fails.
serve fp --reset-after 1000 --fault-path /bad/ || exit 1
mkdir -p "$T/o1" "$T/o2"
q "${CA[@]}" --output-dir "$T/o1" --remote-name-all localhost "$PORT" /ok.bin /bad/x.bin
expect "--fault-path, http/1.0: only /bad/x.bin is reset (exit 7)" 7 '/bad/x.bin: read: stream reset .* code 66 '
same "--fault-path, http/1.0: /ok.bin on the same connection is byte-exact" "$R/ok.bin" "$T/o1/ok.bin"
q "${CA[@]}" --http3 --output-dir "$T/o2" --remote-name-all "https://localhost:$PORT/ok.bin" "https://localhost:$PORT/bad/x.bin"
expect "--fault-path, h3: only /bad/x.bin is reset (exit 7)" 7 '/bad/x.bin: .*reset .*0x42'
same "--fault-path, h3: /ok.bin on the same connection is byte-exact" "$R/ok.bin" "$T/o2/ok.bin"
q "${CA[@]}" localhost "$PORT" /badly-named
expect "--fault-path is a prefix of the path: /badly-named is not under /bad/ (404, exit 0)" 0
stop "$SERVER_PID"

serve fptrunc --truncate-after 500 --fault-path /bad/ || exit 1
q "${CA[@]}" localhost "$PORT" /bad/x.bin
expect "--fault-path with --truncate-after: the matching path is truncated (exit 7)" 7
q "${CA[@]}" localhost "$PORT" /ok.bin
expect "--fault-path with --truncate-after: another path is whole: exit 0" 0 &&
	same "--fault-path with --truncate-after: another path byte-exact" "$R/ok.bin" "$T/out"
stop "$SERVER_PID"

serve fpraw --raw-response --fault-path /raw/ || exit 1
q "${CA[@]}" localhost "$PORT" /raw/r.txt
printf 'raw\n' >"$T/raw.body"
expect "--fault-path with --raw-response: the file is the response: exit 0" 0 &&
	same "--fault-path with --raw-response: its own head's body" "$T/raw.body" "$T/out"
q "${CA[@]}" localhost "$PORT" /ok.bin
expect "--fault-path with --raw-response: other paths get a head: exit 0" 0 &&
	same "--fault-path with --raw-response: other paths byte-exact" "$R/ok.bin" "$T/out"
stop "$SERVER_PID"

# --bad-h3 frame with a prefix, one path per connection: a frame error is
# the whole connection's (RFC 9114 section 4.1), so two paths on one
# connection fail both.
serve fpbad -v --bad-h3 frame --fault-path /bad/ || exit 1
q "${CA[@]}" --http3 "https://localhost:$PORT/ok.bin"
expect "--fault-path with --bad-h3: another path is served: exit 0" 0 &&
	same "--fault-path with --bad-h3: another path byte-exact" "$R/ok.bin" "$T/out"
q "${CA[@]}" --http3 "https://localhost:$PORT/bad/x.bin"
expect "--fault-path with --bad-h3: the matching path gets the broken frame" 1 'FRAME_UNEXPECTED'
stop "$SERVER_PID"

# --bad-h3 message: a malformed response is its own stream's error, so the
# other path on the same connection is saved.
serve fpmsg -v --bad-h3 message --fault-path /bad/ || exit 1
mkdir -p "$T/o3"
q "${CA[@]}" --http3 --output-dir "$T/o3" --remote-name-all "https://localhost:$PORT/ok.bin" "https://localhost:$PORT/bad/x.bin"
expect "--bad-h3 message, two paths on one connection: /bad/x.bin fails alone (exit 7)" 7 '/bad/x.bin: .*5 of 10 body bytes'
same "--bad-h3 message, two paths on one connection: /ok.bin byte-exact" "$R/ok.bin" "$T/o3/ok.bin"
has "--bad-h3 message: the server sent it" 'answering with a broken message \(content-length 10, 5 body bytes\)' "$T/fpmsg.log"
stop "$SERVER_PID"

# ---- --h3-grease ----------------------------------------------------------
serve grease4 -v --h3-grease 4 || exit 1
q "${CA[@]}" --http3 "https://localhost:$PORT/ok.bin"
expect "--h3-grease 4: qget ignores 4 reserved streams and a reserved frame: exit 0" 0 &&
	same "--h3-grease 4: byte-exact" "$R/ok.bin" "$T/out"
has "--h3-grease 4: the server opened them" 'conn [0-9]+: 4 grease streams opened' "$T/grease4.log"
has "--h3-grease 4: and sent a reserved frame after SETTINGS" 'reserved frame type 0x7e sent on the control stream' "$T/grease4.log"
stop "$SERVER_PID"

serve grease20 -v --h3-grease 20 || exit 1
q "${CA[@]}" --http3 "https://localhost:$PORT/ok.bin"
expect "--h3-grease 20: 23 server streams, qget ignores the reserved ones: exit 0" 0 &&
	same "--h3-grease 20: byte-exact" "$R/ok.bin" "$T/out"
has "--h3-grease 20: the server opened them" 'conn [0-9]+: 20 grease streams opened' "$T/grease20.log"
stop "$SERVER_PID"

for bad in 65 x -1; do
	"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --h3-grease "$bad" >"$T/err" 2>&1
	RC=$?
	expect "--h3-grease $bad: usage error (exit 2)" 2 'h3-grease'
done
"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --fault-path bad >"$T/err" 2>&1
RC=$?
expect "--fault-path without a leading /: usage error (exit 2)" 2 'fault-path'
"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --max-upload 1M >"$T/err" 2>&1
RC=$?
expect "--max-upload 1M: usage error (exit 2)" 2 'max-upload'
