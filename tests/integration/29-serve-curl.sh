#!/usr/bin/env bash
# What qget-serve offers the tests of a curl-like client (issue 12, section
# 5), over http/1.0 and h3 (and hq-interop where it has a meaning):
# percent-decoded request paths that still never leave the root; Range
# requests (206, 416, several ranges and --no-range: 200); uploads stored
# in --upload-dir (201, byte-exact on disk, streamed to a temporary file
# that a 413, a cut body or a vanished client never leaves behind);
# --redirect (every code, chains, loops, another authority, POST);
# --status-first (the first N requests of the server's life, over all
# connections); and Alt-Svc: h3=":PORT" in the answers.
# Answers are read with qget -i (options first, then HOST PORT PATH or an
# https:// URL), uploads made with tests/prog/upload (http/1.0) and
# tests/prog/h3upload (h3).
. "$(dirname "$0")/../lib.sh"

R=$T/root
UPD=$T/up
O=$T/outside
UP=$top/$BUILD/tests/prog/upload
H3UP=$top/$BUILD/tests/prog/h3upload
CA=(--cacert "$CERTS/ca.pem")
mkdir -p "$R/sub" "$UPD" "$O"
printf 'a file with a space in its name\n' >"$R/my file.txt"
printf 'u-umlaut\n' >"$R/$(printf '\xc3\xbc').txt"
printf 'in sub\n' >"$R/sub/x.txt"
head -c 300000 /dev/urandom >"$R/f.bin"
for i in $(seq 1 50); do echo "SECRET-outside-the-root $i"; done >"$O/secret"

# split FILE: a response as qget -i prints it, its head into $T/head
# (CRs dropped) and its body into $T/body.
split() {
	/usr/bin/python3 - "$1" "$T/head" "$T/body" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\r\n\r\n")
head, body = (d, b"") if i < 0 else (d[:i + 2], d[i + 4:])
open(sys.argv[2], "wb").write(head.replace(b"\r", b""))
open(sys.argv[3], "wb").write(body)
EOF
}

# get ARGS...: qget -i ARGS (options, then the target); exit code in RC.
get() {
	q -i "$@"
	split "$T/out"
}

# up ARGS... / h3up ARGS...: METHOD PATH BODYFILE [LENGTH] to $PORT.  For
# h3up the response's fields come as "name: value" lines on stderr: they
# are turned into a head like qget's ("HTTP/3 CODE" first).
up() {
	"$UP" localhost "$PORT" "$CERTS/ca.pem" "$@" >"$T/resp" 2>"$T/err"
	RC=$?
	split "$T/resp"
}
h3up() {
	"$H3UP" localhost "$PORT" "$CERTS/ca.pem" "$@" >"$T/body" 2>"$T/err"
	RC=$?
	sed -n 's/^:status: \(.*\)/HTTP\/3 \1/p' "$T/err" >"$T/head"
	grep -E '^[a-z][a-z-]*: ' "$T/err" >>"$T/head"
}

# status NAME CODE: exit 0 and a response with status CODE.
status() {
	local line
	line=$(head -n 1 "$T/head")
	if [ "$RC" -eq 0 ] && [[ $line =~ ^HTTP/(1\.0|3)\ $2(\ |$) ]]; then
		pass "$1"
	else
		fail "$1" "exit $RC, status line '$line'"
	fi
}

# value FIELD: the value of FIELD in $T/head (name case-insensitive).
value() {
	awk -v n="$1" 'index($0, ":") { k = tolower(substr($0, 1, index($0, ":") - 1));
		if (k == tolower(n)) { v = substr($0, index($0, ":") + 1); sub(/^ */, "", v); print v; exit } }' "$T/head"
}

# field NAME FIELD VALUE: the head has FIELD with exactly VALUE.
field() {
	local got
	got=$(value "$2")
	if [ "$got" = "$3" ]; then
		pass "$1"
	else
		: >"$T/err"
		fail "$1" "$2 is '$got', expected '$3'"
	fi
}

# nofield NAME FIELD: the head has no FIELD.
nofield() {
	if [ -z "$(value "$2")" ] && ! grep -qi "^$2:" "$T/head"; then
		pass "$1"
	else
		: >"$T/err"
		fail "$1" "$2: $(value "$2")"
	fi
}

# part FILE FIRST LEN: bytes FIRST..FIRST+LEN-1 of FILE, into $T/want.
part() { tail -c +$(($2 + 1)) "$1" | head -c "$3" >"$T/want"; }

# body NAME TEXT: the body is TEXT and a newline.
body() {
	printf '%s\n' "$2" >"$T/want"
	same "$1" "$T/want" "$T/body"
}

# leaked NAME: no secret byte in the answer.
leaked() {
	if grep -q SECRET "$T/out" 2>/dev/null; then
		fail "$1" "the secret was served"
	else
		pass "$1"
	fi
}

# wait_log FILE ERE: waits (10 s at most) for a line of FILE matching ERE,
# so that a check of the server's disk comes after what the server did.
wait_log() {
	local i
	for i in $(seq 1 200); do
		grep -qE "$2" "$1" && return 0
		sleep 0.05
	done
	return 1
}

# only NAME DIR FILE...: DIR holds exactly FILE... (no temporary file).
only() {
	local name=$1 dir=$2 got want
	shift 2
	got=$(cd "$dir" && ls -A | LC_ALL=C sort | tr '\n' '/')
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | sed '/^$/d' | tr '\n' '/')
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		: >"$T/err"
		fail "$name" "$dir holds '$got', expected '$want'"
	fi
}

UML=$(printf '\xc3\xbc')

# ---- percent-decoding ------------------------------------------------------
serve dec -v || exit 1
H3="https://localhost:$PORT"

get "${CA[@]}" localhost "$PORT" '/my%20file.txt'
status "decode: /my%20file.txt: 200" 200
same "decode: /my%20file.txt serves 'my file.txt'" "$R/my file.txt" "$T/body"
get "${CA[@]}" localhost "$PORT" '/%C3%BC.txt?x=%00'
status "decode: /%C3%BC.txt (the query, even a bad one, dropped): 200" 200
same "decode: %C3%BC is the UTF-8 file name" "$R/$UML.txt" "$T/body"
get "${CA[@]}" "$H3/my%20file.txt"
status "decode, h3: /my%20file.txt: 200" 200
same "decode, h3: 'my file.txt' byte-exact" "$R/my file.txt" "$T/body"
get "${CA[@]}" "$H3/%c3%bc.txt"
status "decode, h3: /%c3%bc.txt (lower-case hex): 200" 200
same "decode, h3: the UTF-8 file byte-exact" "$R/$UML.txt" "$T/body"
q "${CA[@]}" --alpn hq-interop localhost "$PORT" '/my%20file.txt'
expect "decode, hq-interop: /my%20file.txt: exit 0" 0 &&
	same "decode, hq-interop: byte-exact" "$R/my file.txt" "$T/out"
get "${CA[@]}" localhost "$PORT" '/sub%2Fx.txt'
status "decode: an encoded '/' (%2F) is refused: 400" 400
for p in '/sub/..%2F..%2Foutside/secret' '/sub/%2e%2e%2f%2e%2e%2foutside%2fsecret' \
	'/..%5C..%5Coutside%5Csecret'; do
	get "${CA[@]}" localhost "$PORT" "$p"
	status "decode: $p: 400" 400
	leaked "decode: $p: no secret byte"
	get "${CA[@]}" "$H3$p"
	status "decode, h3: $p: 400" 400
	leaked "decode, h3: $p: no secret byte"
done
get "${CA[@]}" localhost "$PORT" '/%2e%2e/outside/secret'
status "decode: %2e%2e is a .. segment: 403" 403
leaked "decode: /%2e%2e/outside/secret: no secret byte"
get "${CA[@]}" "$H3/sub/%2E%2E/%2E%2E/outside/secret"
status "decode, h3: %2E%2E segments: 403" 403
leaked "decode, h3: %2E%2E segments: no secret byte"
for p in '/my%00file.txt' '/my%0Afile.txt' '/x%1b%5b2J' '/my%7ffile' '/%zz' '/my%2'; do
	get "${CA[@]}" localhost "$PORT" "$p"
	status "decode: $p (NUL, control byte or a broken escape): 400" 400
done
get "${CA[@]}" "$H3/my%00file.txt"
status "decode, h3: %00: 400" 400
q "${CA[@]}" --alpn hq-interop localhost "$PORT" '/sub/..%2F..%2Foutside/secret'
expect "decode, hq-interop: %2F-made traversal: the stream is reset (exit 7)" 7
leaked "decode, hq-interop: no secret byte"
has_log() { if grep -qE "$2" "$3"; then pass "$1"; else : >"$T/err"; fail "$1" "no /$2/ in $(basename "$3")"; fi; }
has_log "decode: the log shows the path as sent" 'GET /my%20file.txt -> 200' "$T/dec.log"
stop "$SERVER_PID"

# ---- Range -----------------------------------------------------------------
serve range -v || exit 1
H3="https://localhost:$PORT"
for proto in http/1.0 h3; do
	if [ "$proto" = h3 ]; then T1=("$H3/f.bin"); else T1=(localhost "$PORT" /f.bin); fi
	get "${CA[@]}" "${T1[@]}"
	status "range, $proto: no Range: 200" 200
	field "range, $proto: 200 has Accept-Ranges: bytes" Accept-Ranges bytes
	same "range, $proto: no Range: the whole file" "$R/f.bin" "$T/body"
	get "${CA[@]}" -H 'Range: bytes=10-19' "${T1[@]}"
	status "range, $proto: bytes=10-19: 206" 206
	field "range, $proto: bytes=10-19: Content-Range" Content-Range 'bytes 10-19/300000'
	field "range, $proto: bytes=10-19: Content-Length 10" Content-Length 10
	part "$R/f.bin" 10 10
	same "range, $proto: bytes=10-19: those bytes" "$T/want" "$T/body"
	# Across the server's 64 KiB reads, from an odd offset.
	get "${CA[@]}" -H 'Range: bytes=70001-' "${T1[@]}"
	status "range, $proto: bytes=70001-: 206" 206
	field "range, $proto: bytes=70001-: Content-Range to the end" Content-Range 'bytes 70001-299999/300000'
	part "$R/f.bin" 70001 229999
	same "range, $proto: bytes=70001-: byte-exact" "$T/want" "$T/body"
	get "${CA[@]}" -H 'Range: bytes=-5' "${T1[@]}"
	status "range, $proto: bytes=-5 (suffix): 206" 206
	field "range, $proto: bytes=-5: the last 5 bytes" Content-Range 'bytes 299995-299999/300000'
	part "$R/f.bin" 299995 5
	same "range, $proto: bytes=-5: byte-exact" "$T/want" "$T/body"
	get "${CA[@]}" -H 'Range: bytes=299990-400000' "${T1[@]}"
	status "range, $proto: a last byte past the end: 206" 206
	field "range, $proto: ...cut to the end" Content-Range 'bytes 299990-299999/300000'
	get "${CA[@]}" -H 'Range: bytes=300000-' "${T1[@]}"
	status "range, $proto: bytes=300000- (past the end): 416" 416
	field "range, $proto: 416: Content-Range: bytes */300000" Content-Range 'bytes */300000'
	body "range, $proto: 416: a short body" '416 Range Not Satisfiable'
	get "${CA[@]}" -H 'Range: bytes=0-1,5-6' "${T1[@]}"
	status "range, $proto: several ranges: 200" 200
	same "range, $proto: several ranges: the whole file" "$R/f.bin" "$T/body"
	get "${CA[@]}" -H 'Range: bytes=9-3' "${T1[@]}"
	status "range, $proto: a malformed range is ignored: 200" 200
	get "${CA[@]}" -H 'Range: bytes=10-19' -H 'If-Range: "x"' "${T1[@]}"
	status "range, $proto: with If-Range (no validator matches): 200" 200
	same "range, $proto: with If-Range: the whole file" "$R/f.bin" "$T/body"
done
q "${CA[@]}" -I -H 'Range: bytes=10-19' localhost "$PORT" /f.bin
split "$T/out"
status "range: HEAD ignores Range (it is for GET): 200" 200
field "range: HEAD: the whole length" Content-Length 300000
has_log "range: the log shows the range" 'GET /f.bin -> 206 \(10 bytes from offset 10 of 300000\)' "$T/range.log"
stop "$SERVER_PID"

serve norange --no-range || exit 1
get "${CA[@]}" -H 'Range: bytes=10-19' localhost "$PORT" /f.bin
status "--no-range: Range ignored: 200" 200
same "--no-range: the whole file" "$R/f.bin" "$T/body"
nofield "--no-range: no Accept-Ranges" Accept-Ranges
nofield "--no-range: no Content-Range" Content-Range
get "${CA[@]}" -H 'Range: bytes=300000-' "https://localhost:$PORT/f.bin"
status "--no-range, h3: even an unsatisfiable range: 200" 200
same "--no-range, h3: the whole file" "$R/f.bin" "$T/body"
nofield "--no-range, h3: no accept-ranges" accept-ranges
stop "$SERVER_PID"

# ---- uploads into --upload-dir -------------------------------------------------
serve upload -v --upload-dir "$UPD" --max-upload $((8 * 1048576)) || exit 1
head -c $((5 * 1048576 + 7)) /dev/urandom >"$T/big"
head -c $((9 * 1048576)) /dev/urandom >"$T/over"
# "Stopped midway" must not depend on speed: 9 MiB may all be in flight
# (within the flow-control credit qget-serve granted, which OpenSSL grows
# up to 6 MiB a stream) before the STOP_SENDING arrives, and the writes
# then succeed.  40 MiB cannot: the server stops reading at 8 MiB.
head -c $((40 * 1048576)) /dev/urandom >"$T/over40"
head -c 100000 /dev/urandom >"$T/small"
: >"$T/empty"

up PUT '/up/my%20upload.bin?x=1' "$T/big"
status "upload: PUT 5 MiB (Content-Length): 201" 201
body "upload: 201's short body" '201 Created'
field "upload: http/1.0 answers carry Alt-Svc" Alt-Svc "h3=\":$PORT\""
same "upload: stored byte-exact as the decoded last segment" "$T/big" "$UPD/my upload.bin"
up POST /small.bin "$T/small" none
status "upload: POST without Content-Length (up to FIN): 201" 201
same "upload: without Content-Length: byte-exact" "$T/small" "$UPD/small.bin"
up PUT /small.bin "$T/empty"
status "upload: PUT an empty body over it: 201" 201
same "upload: the file is replaced (now empty)" "$T/empty" "$UPD/small.bin"
h3up PUT "/h3/%C3%BC.bin" "$T/big"
status "upload, h3: PUT 5 MiB: 201" 201
same "upload, h3: stored byte-exact as the UTF-8 name" "$T/big" "$UPD/$UML.bin"
h3up POST /h3small.bin "$T/small" none
status "upload, h3: POST without content-length: 201" 201
same "upload, h3: byte-exact" "$T/small" "$UPD/h3small.bin"
only "upload: the folder holds the uploads and nothing else" "$UPD" "my upload.bin" small.bin "$UML.bin" h3small.bin

up PUT /over.bin "$T/over"
status "upload: 9 MiB over --max-upload 8 MiB (Content-Length): 413" 413
up PUT /over2.bin "$T/over40" none
status "upload: 40 MiB without Content-Length: 413 midway" 413
has_log "upload: 413 midway: the upload is stopped" '^sent [0-9]+ bytes, stopped by the server' "$T/err"
h3up PUT /over3.bin "$T/over"
status "upload, h3: over --max-upload: 413" 413
h3up PUT /over4.bin "$T/over" none
status "upload, h3: over --max-upload without content-length: 413" 413
wait_log "$T/upload.log" 'upload to over4.bin discarded'
only "upload: no file and no temporary file after the 413s" "$UPD" "my upload.bin" small.bin "$UML.bin" h3small.bin
has_log "upload: the 413s were logged" 'PUT /over2.bin -> 413 .*over --max-upload' "$T/upload.log"

up PUT /cut.bin "$T/small" 200000
status "upload: a FIN before the Content-Length's end: 400" 400
h3up PUT /h3cut.bin "$T/small" 200000
if [ "$RC" -ne 0 ] && grep -q 'H3_MESSAGE_ERROR' "$T/err"; then
	pass "upload, h3: a body shorter than its content-length: H3_MESSAGE_ERROR"
else
	fail "upload, h3: a body shorter than its content-length: H3_MESSAGE_ERROR" "exit $RC"
fi
wait_log "$T/upload.log" 'upload to h3cut.bin discarded' ||
	fail "upload, h3: the cut upload is discarded" "no log line"
only "upload: cut bodies leave nothing behind" "$UPD" "my upload.bin" small.bin "$UML.bin" h3small.bin

# A client that vanishes mid-body: the body so far is on disk under a
# temporary name (streamed, not held in memory), and gone with the client.
mkfifo "$T/fifo"
"${QGET[@]}" "${CA[@]}" --raw localhost "$PORT" <"$T/fifo" >"$T/raw.out" 2>"$T/raw.err" &
RAWPID=$!
track "$RAWPID" "qget --raw (the vanishing uploader)" "$T/raw.err" 143
exec 7>"$T/fifo"
printf 'PUT /gone.bin HTTP/1.0\r\nContent-Length: 1000000\r\n\r\n' >&7
head -c 5000 /dev/urandom >&7
tmpfull=
for i in $(seq 1 200); do
	for f in "$UPD"/.qget-serve-upload-*; do
		[ -f "$f" ] && [ "$(stat -c %s "$f")" -eq 5000 ] && tmpfull=$f
	done
	[ -n "$tmpfull" ] && break
	sleep 0.05
done
if [ -n "$tmpfull" ]; then
	pass "upload: an unfinished body is on disk already, under a temporary name"
else
	: >"$T/err"
	fail "upload: an unfinished body is on disk already, under a temporary name" "$(ls -A "$UPD" | tr '\n' ' ')"
fi
stop "$RAWPID"
exec 7>&-
wait_log "$T/upload.log" 'upload to gone.bin discarded \(5000 bytes received\)' ||
	fail "upload: a vanished client's upload is discarded" "no log line"
only "upload: a vanished client leaves no file" "$UPD" "my upload.bin" small.bin "$UML.bin" h3small.bin

for p in /up/ /up/. '/up/%2e%2e' '/a%5cb'; do
	up PUT "$p" "$T/small"
	status "upload: PUT $p (no usable name): 400" 400
done
h3up PUT /up/.. "$T/small"
status "upload, h3: PUT /up/.. : 400" 400
up PUT '/up%2Fx' "$T/small"
status "upload: an encoded '/' in the name: 400" 400
only "upload: refused names leave nothing" "$UPD" "my upload.bin" small.bin "$UML.bin" h3small.bin

up POST /echo "$T/small"
status "upload: /echo still echoes with --upload-dir: 200" 200
same "upload: /echo byte-exact" "$T/small" "$T/body"
h3up POST /echo-sha256 "$T/small"
printf '%s\n' "$(sha "$T/small")" >"$T/small.sha"
same "upload, h3: /echo-sha256 still answers the digest" "$T/small.sha" "$T/body"
has_log "upload: the store was logged" "stored $UPD/my upload.bin \\(5242887 bytes\\)" "$T/upload.log"
stop "$SERVER_PID"

"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --upload-dir "$T/nope" >"$T/err" 2>&1
RC=$?
expect "--upload-dir that does not exist: exit 1" 1 'cannot store uploads'

# ---- redirects ---------------------------------------------------------------
serve other || exit 1
OTHER=$PORT
OTHER_PID=$SERVER_PID
serve redir -v --redirect /a=/b --redirect /b=/a,301 --redirect /c=/d,303 \
	--redirect '/t7=/echo,307' --redirect '/t8=/echo-sha256,308' \
	--redirect /chain1=/chain2 --redirect /chain2=/chain3 \
	--redirect '/chain3=/my%20file.txt' \
	--redirect "/far=https://localhost:$OTHER/f.bin?x=1,302" \
	--redirect '/f.bin=/sub/x.txt,307' --redirect "/$UML=/u" || exit 1
H3="https://localhost:$PORT"
get "${CA[@]}" localhost "$PORT" /a
status "redirect: /a: 302 by default" 302
field "redirect: /a: Location: /b" Location /b
body "redirect: a short body" '302 Found'
get "${CA[@]}" localhost "$PORT" /b
status "redirect: /b=/a,301 (a loop with /a): 301" 301
field "redirect: /b: Location: /a" Location /a
get "${CA[@]}" "$H3/c"
status "redirect, h3: /c: 303" 303
field "redirect, h3: /c: location: /d" location /d
get "${CA[@]}" localhost "$PORT" '/a?x=1'
status "redirect: the query is dropped before matching: 302" 302
get "${CA[@]}" localhost "$PORT" '/%61'
status "redirect: the path is decoded before matching (/%61 is /a): 302" 302
get "${CA[@]}" localhost "$PORT" '/%C3%BC'
field "redirect: a decoded UTF-8 FROM matches" Location /u
get "${CA[@]}" localhost "$PORT" /f.bin
status "redirect: a FROM that is a file is redirected: 307" 307
field "redirect: ...to its TO" Location /sub/x.txt
q "${CA[@]}" -I localhost "$PORT" /a
split "$T/out"
status "redirect: HEAD /a: 302" 302
if [ ! -s "$T/body" ]; then pass "redirect: HEAD: no body"; else fail "redirect: HEAD: no body" "$(stat -c %s "$T/body") bytes"; fi

# A chain, followed by hand as -L would.
loc=/chain1
for hop in 1 2 3; do
	get "${CA[@]}" localhost "$PORT" "$loc"
	status "redirect: chain hop $hop ($loc): 302" 302
	loc=$(value Location)
done
get "${CA[@]}" localhost "$PORT" "$loc"
status "redirect: the chain ends at a file: 200" 200
same "redirect: the chain's end byte-exact" "$R/my file.txt" "$T/body"

# Another authority: Location sent verbatim, and it serves.
get "${CA[@]}" "$H3/far"
status "redirect, h3: to another port: 302" 302
field "redirect, h3: an absolute URL, verbatim" location "https://localhost:$OTHER/f.bin?x=1"
get "${CA[@]}" "$(value location)"
status "redirect: the other authority answers: 200" 200
same "redirect: the other authority's file byte-exact" "$R/f.bin" "$T/body"

# POST and PUT: the body is read and dropped, then the answer.
up POST /t7 "$T/small"
status "redirect: POST /t7: 307" 307
field "redirect: POST /t7: Location: /echo" Location /echo
has_log "redirect: POST /t7: the whole body was sent" '^sent 100000 bytes, complete' "$T/err"
h3up PUT /t8 "$T/small"
status "redirect, h3: PUT /t8: 308" 308
field "redirect, h3: PUT /t8: location" location /echo-sha256
up POST /c "$T/small" none
status "redirect: POST /c without Content-Length: 303" 303
up POST /other "$T/small"
status "redirect: POST to a path with no redirect (no --upload-dir): 501 as before" 501
h3up POST /other "$T/small"
status "redirect, h3: POST to a path with no redirect: 405 as before" 405
has_log "redirect: logged" 'GET /a -> 302, Location: /b \(--redirect\)' "$T/redir.log"
stop "$SERVER_PID"
stop "$OTHER_PID"

for bad in 'a=/b' '/a' '/a=' '/a=/b,200' '/a=/b c' '/a?q=/b'; do
	"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --redirect "$bad" >"$T/err" 2>&1
	RC=$?
	expect "--redirect '$bad': usage error (exit 2)" 2 'redirect'
done
args=()
for i in $(seq 1 33); do args+=(--redirect "/r$i=/x"); done
"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" "${args[@]}" >"$T/err" 2>&1
RC=$?
expect "--redirect 33 times: usage error (exit 2)" 2 'at most 32'

# ---- --status-first ------------------------------------------------------------
serve sf -v --status-first 2:503 --redirect /a=/b || exit 1
get "${CA[@]}" localhost "$PORT" /f.bin
status "--status-first 2:503: request 1 (http/1.0): 503" 503
body "--status-first: a short body" '503 Service Unavailable'
get "${CA[@]}" "https://localhost:$PORT/a"
status "--status-first 2:503: request 2 (h3, another connection, a redirect path): 503" 503
nofield "--status-first: no Location on the fault" location
get "${CA[@]}" localhost "$PORT" /f.bin
status "--status-first 2:503: request 3: 200" 200
same "--status-first: request 3 byte-exact" "$R/f.bin" "$T/body"
get "${CA[@]}" localhost "$PORT" /a
status "--status-first: later, the redirect again: 302" 302
has_log "--status-first: each fault logged" 'GET /f.bin -> 503 \(--status-first, request 1 of 2\)' "$T/sf.log"
has_log "--status-first: ...the second too" 'GET /a -> 503 \(--status-first, request 2 of 2\)' "$T/sf.log"
stop "$SERVER_PID"

serve sfup -v --status-first 1:500 --upload-dir "$UPD" || exit 1
up PUT /sf.bin "$T/small"
status "--status-first with an upload: 500" 500
up PUT /sf.bin "$T/small"
status "--status-first with an upload: the next one is stored: 201" 201
same "--status-first with an upload: byte-exact" "$T/small" "$UPD/sf.bin"
q "${CA[@]}" -f localhost "$PORT" /f.bin
expect "--status-first used up: qget -f exits 0" 0
stop "$SERVER_PID"

for bad in 2 2:200 x:503 2:600 :503; do
	"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --status-first "$bad" >"$T/err" 2>&1
	RC=$?
	expect "--status-first '$bad': usage error (exit 2)" 2 'status-first'
done

# ---- Alt-Svc ---------------------------------------------------------------------
serve alt || exit 1
get "${CA[@]}" localhost "$PORT" /f.bin
field "Alt-Svc: an http/1.0 200 names the server's port" Alt-Svc "h3=\":$PORT\""
get "${CA[@]}" localhost "$PORT" /missing
status "Alt-Svc: a 404" 404
field "Alt-Svc: ...carries it too" Alt-Svc "h3=\":$PORT\""
get "${CA[@]}" "https://localhost:$PORT/f.bin"
field "Alt-Svc: an h3 answer carries it (for a probe)" alt-svc "h3=\":$PORT\""
stop "$SERVER_PID"
serve noalt --no-alt-svc || exit 1
get "${CA[@]}" localhost "$PORT" /f.bin
status "--no-alt-svc: 200" 200
nofield "--no-alt-svc: no Alt-Svc" Alt-Svc
stop "$SERVER_PID"
serve alt10 --alpn http/1.0,hq-interop || exit 1
get "${CA[@]}" localhost "$PORT" /f.bin
nofield "Alt-Svc: none when h3 is not accepted" Alt-Svc
stop "$SERVER_PID"

# ---- the documentation -------------------------------------------------------------
"$top/$BUILD/qget-serve" --help >"$T/help" 2>&1
for opt in --upload-dir --no-range --redirect --status-first --no-alt-svc; do
	if grep -q -- "$opt" "$T/help" && grep -q -- "${opt//-/\\\\-}" man/qget-serve.1 &&
		grep -q -- "$opt" docs/servers.md; then
		pass "$opt is in --help, qget-serve(1) and docs/servers.md"
	else
		: >"$T/err"
		fail "$opt is in --help, qget-serve(1) and docs/servers.md" "missing somewhere"
	fi
done
