#!/usr/bin/env bash
# The curl habits (issue 12): options anywhere, -O and several URLs,
# -sS, -w, uploads, redirects, resume, retries, the progress meter, and
# the messages that say what to do.  Every transfer is checked byte for
# byte, on the server's side too for uploads.
. "$(dirname "$0")/../lib.sh"

R=$T/root
UP=$T/up
mkdir -p "$R/dir" "$UP" "$T/w"
head -c 1048576 /dev/urandom >"$R/b1m"
head -c 5000 /dev/urandom >"$R/small"
printf 'hello\n' >"$R/one"
printf 'two\n' >"$R/two"
printf 'spaced\n' >"$R/my file.txt"
printf 'umlaut\n' >"$R/$(printf 'f\303\274r')"
head -c 20000000 /dev/urandom >"$R/b20m"
CA=(--cacert "$CERTS/ca.pem")

serve good --upload-dir "$UP" --max-upload 2147483648 \
	--redirect /old=/one,301 --redirect /found=/one,302 \
	--redirect /see=/echo,303 --redirect /temp=/echo,307 --redirect /perm=/echo,308 \
	--redirect /loop-a=/loop-b --redirect /loop-b=/loop-a \
	--redirect /rel=dir/../one --redirect /plain=http://localhost/one \
	--redirect '/qonly=?x=1' || exit 1
GOOD=$PORT
serve other || exit 1
OTHER=$PORT
serve far --redirect "/away=https://localhost:$OTHER/two" || exit 1
FAR=$PORT
U=https://localhost:$GOOD

# in_dir DIR CMD...: runs qget from DIR (for -O, which writes into the
# current folder).
in_dir() {
	local d=$1
	shift
	(cd "$d" && "${QGET[@]}" "$@" >"$T/out" 2>"$T/err")
	RC=$?
}

# ---- 1. the command line as curl reads it -----------------------------
q "$U/b1m" -o "$T/w/a" "${CA[@]}"
expect "options after the URL: URL -o FILE --cacert CA" 0
same "options after the URL: the file is byte-exact" "$R/b1m" "$T/w/a"

q "${CA[@]}" localhost "$GOOD" /one -o "$T/w/legacy" --alpn http/1.0
expect "options after HOST PORT PATH" 0
same "options after HOST PORT PATH: the file" "$R/one" "$T/w/legacy"

q "${CA[@]}" "$U/one" -o
expect "-o at the end names the option" 2 'option -o needs a value'

q "${CA[@]}" -- "$U/one" -o
expect "--: what follows is no option" 2 "'-o'"

q "${CA[@]}" "localhost:$GOOD/one"
expect "no scheme: the URL form is shown" 2 "https://localhost:$GOOD/one"

q
expect "no URL: the URL form is shown" 2 'https://HOST'

q "${CA[@]}" --cacrt x "$U/one"
expect "unknown option: the nearest one is suggested" 2 'did you mean --cacert'

q "${CA[@]}" --compressed "$U/one"
expect "a curl option qget lacks says so" 2 "curl's --compressed is not supported"

mkdir -p "$T/o1"
in_dir "$T/o1" "${CA[@]}" -O "$U/b1m"
expect "-O URL: saved under its last segment" 0
same "-O URL: byte-exact in the current folder" "$R/b1m" "$T/o1/b1m"

mkdir -p "$T/o2"
in_dir "$T/o2" "${CA[@]}" -O "$U/my%20file.txt?x=1"
expect "-O: the name is percent-decoded, without the query" 0
same "-O: 'my file.txt' saved" "$R/my file.txt" "$T/o2/my file.txt"

in_dir "$T/o2" "${CA[@]}" -O "$U/f%C3%BCr"
expect "-O: UTF-8 escapes decoded" 0
same "-O: 'für' saved" "$R/$(printf 'f\303\274r')" "$T/o2/$(printf 'f\303\274r')"

mkdir -p "$T/o3/in"
in_dir "$T/o3/in" "${CA[@]}" -O "$U/dir/..%2F..%2Fescape"
expect "-O: a name that would leave the folder is refused" 2
if [ ! -e "$T/o3/escape" ] && [ ! -e "$T/escape" ]; then pass "-O: nothing written outside the folder"; else fail "-O: nothing written outside the folder" "found"; fi

q "${CA[@]}" --output-dir "$T/o4/sub" --create-dirs -O "$U/one" -O "$U/two"
expect "--output-dir with --create-dirs, two -O" 0
same "--output-dir: first file" "$R/one" "$T/o4/sub/one"
same "--output-dir: second file" "$R/two" "$T/o4/sub/two"

q "${CA[@]}" --remote-name-all --output-dir "$T/o5" "$U/one" "$U/small"
expect "--output-dir that does not exist, without --create-dirs: exit 10" 10 "$T/o5"
mkdir -p "$T/o5"
q "${CA[@]}" --remote-name-all --output-dir "$T/o5" "$U/one" "$U/small"
expect "--remote-name-all: exit 0" 0
same "--remote-name-all: both saved" "$R/small" "$T/o5/small"

q "${CA[@]}" "$U/one" "$U/b1m" "$U/two"
expect "URL1 URL2 URL3 without -o: exit 0" 0
cat "$R/one" "$R/b1m" "$R/two" >"$T/w/cat3"
same "URL1 URL2 URL3: stdout holds the bodies in order" "$T/w/cat3" "$T/out"

q "${CA[@]}" "https://localhost:$OTHER/two" "$U/one" -o "$T/w/first" "https://localhost:$FAR/one"
expect "URLs of three servers, the first to a file by -o" 0
same "three servers: -o took the first URL" "$R/two" "$T/w/first"
cat "$R/one" "$R/one" >"$T/w/cat2"
same "three servers: the others on stdout, in order" "$T/w/cat2" "$T/out"

q "${CA[@]}" -o "$T/w/x" -o "$T/w/y" "$U/one"
expect "more -o than URLs: usage" 2

# -s hides errors as curl's does; -sS shows them; the exit code tells.
q "${CA[@]}" -s "$U/missing" -f
if [ "$RC" -eq 11 ] && [ ! -s "$T/err" ]; then pass "-s: the failure is silent, exit 11"; else fail "-s: the failure is silent, exit 11" "exit $RC, stderr $(head -c 200 "$T/err")"; fi
q "${CA[@]}" -sS "$U/missing" -f
expect "-sS: the error is shown" 11 '404'

q "${CA[@]}" -w '%{http_code} %{size_download} %{num_connects} %{http_version}\n' -o "$T/w/w" "$U/b1m"
expect "-w with curl's variables: exit 0" 0
if [ "$(cat "$T/out")" = "200 1048576 1 3" ]; then pass "-w: http_code, size_download, num_connects, http_version"; else fail "-w: http_code, size_download, num_connects, http_version" "'$(cat "$T/out")'"; fi

printf '%%{url_effective} %%{exitcode}\\n' >"$T/w/fmt"
q "${CA[@]}" -w "@$T/w/fmt" -o "$T/w/w2" "$U/one"
if [ "$(cat "$T/out")" = "$U/one 0" ]; then pass "-w @file"; else fail "-w @file" "'$(cat "$T/out")'"; fi

q "${CA[@]}" -w '%{htp_code}' "$U/one"
expect "-w: an unknown variable is a usage error" 2 'htp_code'

# The curl habit -o /dev/null, in a private mount namespace on a null
# device of the test's own, so that no mistake can reach the system's.
if unshare -m true 2>/dev/null; then
	mknod "$T/null" c 1 3
	unshare -m bash -c 'mount --bind "$1" /dev/null && shift && exec "$@"' _ "$T/null" \
		"${QGET[@]}" "${CA[@]}" -w '%{http_code}\n' -o /dev/null "$U/b1m" >"$T/out" 2>"$T/err"
	RC=$?
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = 200 ] && [ -c "$T/null" ]; then
		pass "-w '%{http_code}\\n' -o /dev/null: prints 200, the device stays a device"
	else
		fail "-w '%{http_code}\\n' -o /dev/null" "exit $RC, out '$(head -c 100 "$T/out")', $(stat -c %F "$T/null")"
	fi
else
	skip "-o /dev/null in a mount namespace" "unshare -m is not allowed here"
fi

q "${CA[@]}" -w '%{json}\n' -o "$T/w/j" "$U/one"
if /usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["http_code"] == 200 and d["remote_port"] == int(sys.argv[2]), d
assert d["size_download"] == 6 and d["exitcode"] == 0 and d["errormsg"] is None, d
assert isinstance(d["time_total"], float), d
' "$T/out" "$GOOD"; then pass "%{json}: numbers are numbers, no value is null"; else fail "%{json}" "$(head -c 300 "$T/out")"; fi

q "${CA[@]}" --stats "$T/w/stats.json" -o "$T/w/s" "$U/one"
if [ "$RC" -eq 0 ] && [ ! -s "$T/out" ] && /usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["exit_code"] == 0 and len(d["transfers"]) == 1, d
' "$T/w/stats.json"; then pass "--stats FILE without -w"; else fail "--stats FILE without -w" "exit $RC"; fi

q "${CA[@]}" -D "$T/w/head" -o "$T/w/d" "$U/one"
if [ "$RC" -eq 0 ] && grep -q '^HTTP/3 200' "$T/w/head"; then pass "-D FILE: the head"; else fail "-D FILE: the head" "exit $RC"; fi

q "${CA[@]}" -I "$U/b1m"
if [ "$RC" -eq 0 ] && grep -q '^HTTP/3 200' "$T/out" && grep -qi '^content-length: 1048576' "$T/out"; then pass "-I: the head only"; else fail "-I: the head only" "exit $RC"; fi

q "${CA[@]}" --max-filesize 1000 -o "$T/w/max" "$U/b1m"
expect "--max-filesize: a larger response fails (exit 12)" 12 'max-filesize'
if [ ! -e "$T/w/max" ]; then pass "--max-filesize: no file"; else fail "--max-filesize: no file" "exists"; fi

q "${CA[@]}" --fail-with-body -o "$T/w/fwb" "$U/missing"
if [ "$RC" -eq 11 ] && [ -s "$T/w/fwb" ]; then pass "--fail-with-body: exit 11, the body kept"; else fail "--fail-with-body" "exit $RC"; fi

q "${CA[@]}" --connect-to "localhost:1:127.0.0.1:$GOOD" -o "$T/w/ct" https://localhost:1/one
expect "--connect-to: another port, the name verified" 0
same "--connect-to: the file" "$R/one" "$T/w/ct"

if have_ipv6; then
	serve six --addr ::1 || exit 1
	q "${CA[@]}" --resolve "localhost:$PORT:[::1]" -w '%{remote_ip}' -o "$T/w/r6" "https://localhost:$PORT/one"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "::1" ]; then pass "--resolve HOST:PORT:[::1]"; else fail "--resolve HOST:PORT:[::1]" "exit $RC, $(cat "$T/out")"; fi
	stop "$SERVER_PID"
else
	skip "--resolve to ::1" "no IPv6 on loopback"
fi

q "${CA[@]}" -Z --parallel-max 2 --output-dir "$T/o6" --create-dirs --remote-name-all "$U/one" "$U/two" "$U/small" "$U/b1m"
expect "-Z --parallel-max 2: exit 0" 0
same "--parallel-max 2: the last file" "$R/b1m" "$T/o6/b1m"

# ---- 2. more than GET ------------------------------------------------
for proto in h3 http/1.0; do
	q "${CA[@]}" --alpn "$proto" -d 'a=1' -d 'b=2' "$U/echo"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = 'a=1&b=2' ]; then pass "$proto: -d twice: joined with &"; else fail "$proto: -d twice" "exit $RC, '$(head -c 100 "$T/out")'"; fi
	q "${CA[@]}" --alpn "$proto" --data-binary "@$R/small" -o "$T/w/echo" "$U/echo"
	expect "$proto: --data-binary @file: exit 0" 0
	same "$proto: --data-binary @file: echoed byte-exact" "$R/small" "$T/w/echo"
	q "${CA[@]}" --alpn "$proto" -X PUT --data-raw '@not-a-file' "$U/echo"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = '@not-a-file' ]; then pass "$proto: -X PUT --data-raw keeps '@'"; else fail "$proto: --data-raw" "exit $RC"; fi
	rm -f "$UP/b20m"
	q "${CA[@]}" --alpn "$proto" -T "$R/b20m" "$U/"
	expect "$proto: -T FILE URL/: exit 0" 0
	same "$proto: -T: 20 MB byte-exact on the server" "$R/b20m" "$UP/b20m"
done

# -T: 1 GiB streamed from the file: qget's memory stays flat.
big=$T/big1g
dd if=/dev/urandom of="$big" bs=1M count=1024 status=none
/usr/bin/time -f '%M' -o "$T/w/rss" "${QGET[@]}" "${CA[@]}" -s -T "$big" "$U/big1g" >"$T/out" 2>"$T/err"
RC=$?
rss=$(tail -n 1 "$T/w/rss")
echo "    1 GiB upload over h3: peak RSS ${rss} KiB"
expect "-T 1 GiB: exit 0" 0
same "-T 1 GiB: byte-exact on the server" "$big" "$UP/big1g"
# Sanitizers and valgrind keep freed memory in quarantine: no bound
# holds for them, so the bound is checked in plain builds only.
if [ -n "${QGET_VALGRIND:-}${QGET_SANITIZED:-}" ]; then
	echo "    (RSS not checked under a sanitizer or valgrind)"
elif [ "${rss:-999999}" -le 32768 ]; then
	pass "-T 1 GiB: qget's peak RSS under 32 MiB (${rss} KiB)"
else
	fail "-T 1 GiB: RSS flat" "${rss} KiB"
fi
rm -f "$big" "$UP/big1g"

# Redirects.
q "${CA[@]}" -L -w '%{num_redirects} %{url_effective}' -o "$T/w/l" "$U/old"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "1 $U/one" ]; then pass "-L 301: followed, %{num_redirects} and %{url_effective}"; else fail "-L 301" "exit $RC, '$(cat "$T/out")'"; fi
same "-L 301: the target's body" "$R/one" "$T/w/l"

q "${CA[@]}" -o "$T/w/nol" -w '%{http_code}' "$U/old"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = 301 ]; then pass "without -L: the 301 itself"; else fail "without -L" "exit $RC"; fi

q "${CA[@]}" -L -d 'x=1' -w '%{method}' -o "$T/w/p" "$U/found"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = GET ]; then pass "-L 302: a POST becomes a GET"; else fail "-L 302 POST" "exit $RC, '$(cat "$T/out")'"; fi
q "${CA[@]}" -L -d 'x=1' -w '%{method}' -o "$T/w/p" "$U/see"
if [ "$(cat "$T/out")" = GET ]; then pass "-L 303: a GET"; else fail "-L 303" "exit $RC, '$(cat "$T/out")'"; fi
for code in 307 308; do
	path=/temp; [ $code = 308 ] && path=/perm
	q "${CA[@]}" -L -d 'x=1' -w '%{method}' -o "$T/w/p" "$U$path"
	if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = POST ] && [ "$(cat "$T/w/p")" = 'x=1' ]; then pass "-L $code: the POST and its body again"; else fail "-L $code" "exit $RC, '$(cat "$T/out")'"; fi
done

q "${CA[@]}" -L --max-redirs 5 "$U/loop-a"
expect "-L: a redirect loop stops at --max-redirs (exit 14)" 14 'more than 5 redirects'

q "${CA[@]}" -L -o "$T/w/rel" "$U/rel"
expect "-L: a relative Location" 0
same "-L: a relative Location: the body" "$R/one" "$T/w/rel"

q "${CA[@]}" -L "$U/plain"
expect "-L: an http:// Location is not followed (exit 14)" 14 'https'

q "${CA[@]}" -L -w '%{num_connects} %{url_effective}' -o "$T/w/far" "https://localhost:$FAR/away"
if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "2 https://localhost:$OTHER/two" ]; then pass "-L to another server: a second connection"; else fail "-L to another server" "exit $RC, '$(cat "$T/out")'"; fi
same "-L to another server: the body" "$R/two" "$T/w/far"

# Resume: an interrupted download, then -C -.
stop "$SERVER_PID" # far
serve cut --close-after 300000 --fault-path /b1m || exit 1
CUT=$PORT
q "${CA[@]}" -o "$T/w/part" "https://localhost:$CUT/b1m"
if [ "$RC" -ne 0 ] && [ ! -e "$T/w/part" ]; then pass "an interrupted download leaves no file"; else fail "an interrupted download leaves no file" "exit $RC"; fi
q "${CA[@]}" -C - -o "$T/w/part" "https://localhost:$CUT/b1m"
have=$(stat -c %s "$T/w/part" 2>/dev/null || echo 0)
if [ "$RC" -ne 0 ] && [ "$have" -gt 0 ] && [ "$have" -lt 1048576 ] && cmp -s -n "$have" "$R/b1m" "$T/w/part"; then
	pass "-C -: an interrupted download keeps its first $have bytes"
else
	fail "-C -: the partial file is kept" "exit $RC, $have bytes"
fi
cp "$T/w/part" "$T/w/part.before"
serve norange --no-range || exit 1
q "${CA[@]}" -C - -o "$T/w/part" "https://localhost:$PORT/b1m"
expect "-C - from a server that ignores Range: exit 13" 13 'cannot resume'
same "-C -: the file is untouched by the 200" "$T/w/part.before" "$T/w/part"
q "${CA[@]}" -C - -w '%{http_code} %{size_download}' -o "$T/w/part" "$U/b1m"
expect "-C - again: exit 0" 0
same "-C -: the resumed file is byte-exact" "$R/b1m" "$T/w/part"
if [ "$(cat "$T/out")" = "206 $((1048576 - have))" ]; then pass "-C -: 206 with the missing bytes only"; else fail "-C -: 206 with the missing bytes only" "'$(cat "$T/out")'"; fi
q "${CA[@]}" -C - -o "$T/w/part" "$U/b1m"
expect "-C - on a complete file: exit 0" 0
same "-C - on a complete file: unchanged" "$R/b1m" "$T/w/part"

# -C takes only the range asked for: an error page is never appended.
serve gone --status-first 1:404 || exit 1
cp "$T/w/part.before" "$T/w/part2"
q "${CA[@]}" -C - -o "$T/w/part2" "https://localhost:$PORT/b1m"
expect "-C - answered 404: exit 13" 13 'cannot resume'
same "-C - answered 404: the file is left as it was" "$T/w/part.before" "$T/w/part2"
stop "$SERVER_PID"
q "${CA[@]}" -C 5 -o "$T/w/part2" "$U/b1m"
expect "-C N on a file of another size: exit 2, nothing sent" 2 'holds'
same "-C N refused: the file is left as it was" "$T/w/part.before" "$T/w/part2"

# One transfer after another unless -Z, as curl: the GET sees the PUT.
mkdir -p "$T/pg"
serve putget --root "$T/pg" --upload-dir "$T/pg" || exit 1
q "${CA[@]}" -T "$R/small" "https://localhost:$PORT/order" -o "$T/w/put.out" \
	"https://localhost:$PORT/order" -o "$T/w/order.get"
expect "-T then GET of the same URL, no -Z: exit 0" 0
same "-T then GET without -Z: the GET got what the PUT stored" "$R/small" "$T/w/order.get"
stop "$SERVER_PID"

# A query-only Location keeps the path (RFC 3986 5.2.2).
q "${CA[@]}" -L --max-redirs 1 -w '%{url_effective}' -o "$T/w/q" "$U/qonly"
if [ "$RC" -eq 14 ] && [ "$(cat "$T/out")" = "$U/qonly?x=1" ]; then pass "-L: a query-only Location keeps the path"; else fail "-L: a query-only Location" "exit $RC, '$(cat "$T/out")'"; fi

# Retries.
serve flaky --status-first 2:503 || exit 1
q "${CA[@]}" --retry 3 --retry-delay 0.1 -o "$T/w/retry" "https://localhost:$PORT/one"
expect "--retry 3 after two 503s: exit 0" 0
same "--retry: the body of the third answer" "$R/one" "$T/w/retry"
if [ "$(grep -c 'retrying in' "$T/err")" -eq 2 ]; then pass "--retry: one line per retry"; else fail "--retry: one line per retry" "$(cat "$T/err")"; fi
stop "$SERVER_PID"

# A retry after the connection failed goes on a new one, never the dead.
serve closing --close-after 1000 --fault-path /b1m || exit 1
q "${CA[@]}" -v --retry 2 --retry-delay 0.1 -o "$T/w/cl" "https://localhost:$PORT/b1m"
if [ "$RC" -eq 8 ] && [ "$(grep -c '^\* connecting to localhost port' "$T/err")" -eq 3 ] &&
	[ "$(grep -c 'retrying in' "$T/err")" -eq 2 ]; then
	pass "--retry after a closed connection: three connections for three attempts"
else
	fail "--retry after a closed connection" "exit $RC, $(grep -c '^\* connecting to' "$T/err") connections"
fi
stop "$SERVER_PID"

q "${CA[@]}" --retry 2 --retry-delay 0.1 "https://localhost:$(free_port4)/one"
if [ "$RC" -eq 4 ] && [ "$(grep -c 'retrying in' "$T/err")" -eq 2 ]; then pass "--retry: a refused port is retried, then exit 4"; else fail "--retry: refused" "exit $RC, $(grep -c 'retrying in' "$T/err") retries"; fi

q --cacert "$CERTS/rogue-ca.pem" --retry 3 --retry-delay 0.1 "$U/one"
if [ "$RC" -eq 5 ] && ! grep -q 'retrying in' "$T/err"; then pass "--retry: a verification failure is never retried"; else fail "--retry: verification failure" "exit $RC"; fi

q "${CA[@]}" --retry 3 --retry-delay 0.1 --alpn hq-interop,foo --alpn nope "$U/one"
if [ "$RC" -eq 6 ] && ! grep -q 'retrying in' "$T/err"; then pass "--retry: an ALPN refusal is never retried"; else fail "--retry: ALPN refusal" "exit $RC"; fi

# ---- 3. the progress meter, through a terminal --------------------------
rm -f "$T/rport"
"$top/$BUILD/qget-netsim" --listen 127.0.0.1:0 --to "127.0.0.1:$GOOD" --port-file "$T/rport" \
	--rate 4000000 --duration 60 >"$T/netsim.log" 2>&1 &
NETSIM_PID=$!
track "$NETSIM_PID" "qget-netsim" "$T/netsim.log" 0
for _ in $(seq 1 100); do [ -s "$T/rport" ] && break; sleep 0.05; done
RP=$(cat "$T/rport")
script -qec "$(printf '%q ' "${QGET[@]}" "${CA[@]}" -o "$T/w/meter" "https://localhost:$RP/b20m")" "$T/w/typescript" >/dev/null 2>&1
RC=$?
# A body shown on the terminal gets no meter drawn into it.
script -qec "$(printf '%q ' "${QGET[@]}" "${CA[@]}" "https://localhost:$RP/b20m" -o -)" "$T/w/ts0" >/dev/null 2>&1 || true
if ! grep -q '% Total' "$T/w/ts0"; then pass "no meter inside a body on the same terminal"; else fail "no meter inside a body on the same terminal" "meter drawn"; fi

stop "$NETSIM_PID"
tr '\r' '\n' <"$T/w/typescript" >"$T/w/meter.txt"
if [ "$RC" -eq 0 ] && grep -q '% Total' "$T/w/meter.txt" && grep -q 'Left' "$T/w/meter.txt" &&
	grep -qE '^ *[0-9]+ +19\.0M +[0-9]+ ' "$T/w/meter.txt" &&
	grep -qE '[0-9]+:[0-9]{2}:[0-9]{2} +[0-9.]+[kMG]? *$' "$T/w/meter.txt"; then
	pass "the progress meter on a terminal: total, percent, rate and time left"
else
	fail "the progress meter on a terminal" "exit $RC; $(tail -n 3 "$T/w/meter.txt" | tr '\n' '|')"
fi
same "the progress meter: the file" "$R/b20m" "$T/w/meter"

# A head with control bytes reaches a terminal escaped (-i).
mkdir -p "$T/rawroot"
printf 'HTTP/1.0 200 OK\r\nX-Evil: a\033]0;pwned\007\033[31m\r\nContent-Length: 3\r\n\r\nok\n' >"$T/rawroot/evil"
"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --root "$T/rawroot" \
	--raw-response --port 0 --port-file "$T/raw.port" >"$T/raw.log" 2>&1 &
RAWPID=$!
track "$RAWPID" "qget-serve raw" "$T/raw.log" 0
for _ in $(seq 1 100); do [ -s "$T/raw.port" ] && break; sleep 0.05; done
script -qec "$(printf '%q ' "${QGET[@]}" "${CA[@]}" -i "https://localhost:$(cat "$T/raw.port")/evil")" "$T/w/ts4" >/dev/null 2>&1
if grep -q 'X-Evil: a\\x1b\]0;pwned' "$T/w/ts4" && ! grep -q $'\033]0;pwned' "$T/w/ts4"; then
	pass "-i on a terminal: the head's control bytes escaped"
else
	fail "-i on a terminal: the head's control bytes escaped" "$(cat -v "$T/w/ts4" | head -c 300)"
fi
stop "$RAWPID"

script -qec "$(printf '%q ' "${QGET[@]}" "${CA[@]}" "$U/small")" "$T/w/ts2" >/dev/null 2>&1
if grep -q 'Binary output can mess up your terminal\|binary output can mess up your terminal' "$T/w/ts2"; then pass "binary body to a terminal: refused, as curl does"; else fail "binary body to a terminal" "$(head -c 200 "$T/w/ts2")"; fi
script -qec "$(printf '%q ' "${QGET[@]}" "${CA[@]}" "$U/one")" "$T/w/ts3" >/dev/null 2>&1
if grep -q 'hello' "$T/w/ts3"; then pass "text body to a terminal: written"; else fail "text body to a terminal" "$(head -c 200 "$T/w/ts3")"; fi

