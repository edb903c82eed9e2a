#!/usr/bin/env bash
# What a server sends cannot drive the terminal nor pass for success:
# reason phrases and close reasons are escaped on stderr and in -w json
# (-i stays byte-exact: it is payload); a cut status line, a short chunked
# body are truncations; 204, 304 and HEAD have no body; chunked bodies are
# decoded.  And no abbreviated option writes secrets where it should not.
. "$(dirname "$0")/../lib.sh"

R=$T/root
CA=(--cacert "$CERTS/ca.pem")
mkdir -p "$T/dl"
echo hello >"$R/small"

# no_controls NAME FILE: no control byte but LF (ESC, BEL, CR, ...) in FILE.
no_controls() {
	if tr -d '\n' <"$2" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "$1" "raw control bytes: $(tr -d '\n' <"$2" | LC_ALL=C grep -o '[[:cntrl:]]' | od -An -tx1 | head -n 1)"
	else
		pass "$1"
	fi
}

# body_is NAME TEXT: stdout is exactly TEXT.
body_is() {
	if [ "$(cat "$T/out")" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "stdout is '$(head -c 80 "$T/out" | od -An -c | head -n 2 | tr -s ' ')'"
	fi
}

# --- exact option names (an abbreviation would write TLS secrets) ---
serve good || exit 1
GOOD=$PORT
printf 'PRIVATE KEY\n' >"$T/my.key"
q "${CA[@]}" --key "$T/my.key" localhost "$GOOD" /small
expect "--key FILE is not --keylog: exit 2, curl's option refused with a hint" 2 \
	"curl's --key is not supported: .*--keylog"
if [ "$(cat "$T/my.key")" = "PRIVATE KEY" ]; then
	pass "--key FILE: no TLS secrets appended to FILE"
else
	fail "--key FILE: no TLS secrets appended to FILE" "$(wc -l <"$T/my.key") lines now"
fi
q "${CA[@]}" --ins localhost "$GOOD" /small
expect "--ins is not --insecure: exit 2" 2 'did you mean --insecure\?'
q "${CA[@]}" --http localhost "$GOOD" /small
expect "--http is not --http3: exit 2" 2 'did you mean --http3\?'
q "${CA[@]}" --keylog="$T/keys" localhost "$GOOD" /small
expect "--keylog=FILE still works" 0
if grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$T/keys" 2>/dev/null; then
	pass "--keylog=FILE writes the key log"
else
	fail "--keylog=FILE writes the key log" "no key log lines"
fi

# --- HEAD: the head announces a length, no body follows ---
q "${CA[@]}" -I localhost "$GOOD" /small
expect "HEAD with Content-Length and no body: exit 0" 0
grep -q '^Content-Length: 6' "$T/out" && pass "HEAD: the head printed" ||
	fail "HEAD: the head printed" "no Content-Length line"
stop "$SERVER_PID"

# --- responses of our choosing: each file is the whole response ---
serve raw --raw-response || exit 1
RAW=$PORT

hostile=$'\e]0;pwned\a\e[2J\e[31m'
printf 'HTTP/1.0 200 %s\r\nContent-Length: 2\r\n\r\nok' "$hostile" >"$R/reason200"
printf 'HTTP/1.0 404 %sgone\r\nContent-Length: 4\r\n\r\nnope' "$hostile" >"$R/reason404"

q "${CA[@]}" -v localhost "$RAW" /reason200
expect "hostile reason under -v: exit 0, shown escaped" 0 \
	'response: HTTP/1.0 200 \\x1b\]0;pwned\\x07\\x1b\[2J'
no_controls "hostile reason under -v: no raw control bytes on stderr" "$T/err"

q "${CA[@]}" -f localhost "$RAW" /reason404
expect "hostile reason with --fail: exit 11, shown escaped" 11 \
	'answered 404 \\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[31mgone'
no_controls "hostile reason with --fail: no raw control bytes on stderr" "$T/err"

q "${CA[@]}" -f --stats "$T/stats.json" localhost "$RAW" /reason404
if python3 - "$T/stats.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
err = s["error"] + "".join(t["errormsg"] or "" for t in s["transfers"])
sys.exit(0 if "\\x1b]0;pwned" in err and
         not any(ord(c) < 0x20 or ord(c) == 0x7f for c in err) else 1)
EOF
then
	pass "-w json: the error field holds the escaped text"
else
	fail "-w json: the error field holds the escaped text" "$(head -c 300 "$T/stats.json")"
fi

q "${CA[@]}" -i localhost "$RAW" /reason200
expect "-i with a hostile reason: exit 0" 0
same "-i: the head is payload, byte-exact" "$R/reason200" "$T/out"

# --- truncation, Simple-Response ---
printf 'HTT' >"$R/htt"
q "${CA[@]}" localhost "$RAW" /htt
expect "'HTT' then FIN: a cut status line, exit 7" 7 'truncated'
body_is "'HTT' then FIN: nothing on stdout" ""
q "${CA[@]}" -o "$T/dl/f" localhost "$RAW" /htt
expect "'HTT' with -o: exit 7" 7
no_leftovers "'HTT' with -o: no file" "$T/dl"
printf 'no status line\n' >"$R/simple"
q "${CA[@]}" localhost "$RAW" /simple
expect "Simple-Response (no status line): exit 0" 0
same "Simple-Response: all of it is body" "$R/simple" "$T/out"

# --- no body: 204, 304 ---
printf 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n' >"$R/304"
q "${CA[@]}" localhost "$RAW" /304
expect "304 with Content-Length: 10 and no body: exit 0" 0
printf 'HTTP/1.0 204 No Content\r\nContent-Length: 5\r\n\r\n' >"$R/204"
q "${CA[@]}" localhost "$RAW" /204
expect "204 with Content-Length: 5 and no body: exit 0" 0
printf 'HTTP/1.1 304 Not Modified\r\n\r\nsurprise' >"$R/304body"
q "${CA[@]}" localhost "$RAW" /304body
expect "bytes after a 304's head: exit 1" 1 '304 response has no body'

# --- Transfer-Encoding: chunked ---
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n' >"$R/chunked"
q "${CA[@]}" localhost "$RAW" /chunked
expect "chunked: exit 0" 0
body_is "chunked: decoded, not saved raw" "hello, world"
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n' >"$R/chunkcut"
q "${CA[@]}" localhost "$RAW" /chunkcut
expect "chunked without its last chunk: exit 7" 7 'before the last chunk'
q "${CA[@]}" -o "$T/dl/f" localhost "$RAW" /chunkcut
expect "chunked without its last chunk, -o: exit 7" 7
no_leftovers "chunked without its last chunk, -o: no file" "$T/dl"
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' >"$R/chunkbad"
q "${CA[@]}" localhost "$RAW" /chunkbad
expect "chunked with a size that is not hex: exit 1" 1 'malformed chunked body'
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx' >"$R/gzip"
q "${CA[@]}" localhost "$RAW" /gzip
expect "Transfer-Encoding: gzip refused: exit 1" 1 'Transfer-Encoding'
stop "$SERVER_PID"

# --- a hostile CONNECTION_CLOSE reason ---
head -c 300000 /dev/urandom >"$R/big"
serve close --close-after 1000 --close-code 42 --close-reason "$hostile" || exit 1
q "${CA[@]}" -v -w json localhost "$PORT" /big
expect "hostile close reason: exit 8" 8 'closed by the peer'
no_controls "hostile close reason: no raw control bytes on stderr" "$T/err"
if grep -q '\\x1b\]0;pwned' "$T/err"; then
	pass "hostile close reason: shown escaped"
else
	fail "hostile close reason: shown escaped" "no \\x1b]0;pwned on stderr"
fi
stop "$SERVER_PID"
