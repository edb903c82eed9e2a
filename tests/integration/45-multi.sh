#!/usr/bin/env bash
# Several paths over one connection, concurrently, into --output-dir DIR: every file
# byte-exact, the server's stream limit (OpenSSL's default: 100 streams)
# waited out, one reset stream failing only its own path.
. "$(dirname "$0")/../lib.sh"

R=$T/root
mkdir -p "$R/many"
for i in $(seq 1 1000); do head -c 1024 /dev/urandom >"$R/many/f$i"; done
for i in 1 2 3; do head -c $((5 * 1048576)) /dev/urandom >"$R/big$i"; done
head -c 300000 /dev/urandom >"$R/mid"
CA=(--cacert "$CERTS/ca.pem")
serve good || exit 1
GOOD=$PORT

# same_dir NAME SRC DST FILES...: every file byte-exact.
same_dir() {
	local name=$1 src=$2 dst=$3 f bad=0
	shift 3
	for f in "$@"; do
		cmp -s "$src/$f" "$dst/$f" || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "    differs: $f"; }
	done
	if [ $bad -eq 0 ]; then pass "$name"; else fail "$name" "$bad of $# files differ or are missing"; fi
}

paths=()
names=()
for i in $(seq 1 1000); do paths+=("/many/f$i"); names+=("f$i"); done
mkdir -p "$T/o1"
start=$(date +%s.%N)
q "${CA[@]}" -Z --output-dir "$T/o1" --remote-name-all localhost "$GOOD" "${paths[@]}"
printf '    1000 x 1 KiB over one connection: %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
expect "1000 small files over one connection: exit 0" 0
same_dir "1000 small files: each byte-exact" "$R/many" "$T/o1" "${names[@]}"
if [ "$(ls "$T/o1" | wc -l)" -eq 1000 ]; then pass "1000 small files: no temporaries left"; else fail "1000 small files: no temporaries left" "$(ls "$T/o1" | wc -l) entries"; fi

mkdir -p "$T/o2"
mix=(/big1 /many/f1 /big2 /many/f2 /many/f3 /big3 /mid)
q "${CA[@]}" -Z --output-dir "$T/o2" --remote-name-all --stats "$T/o2.json" localhost "$GOOD" "${mix[@]}"
expect "large and small files mixed: exit 0" 0
same_dir "large and small files mixed: each byte-exact" "$R" "$T/o2" big1 big2 big3 mid
same_dir "large and small files mixed: small ones too" "$R/many" "$T/o2" f1 f2 f3
if /usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
t = d["transfers"]
assert [x["url"] for x in t] == sys.argv[2:], t
assert all(x["exitcode"] == 0 and x["http_code"] == 200 for x in t)
assert t[0]["size_download"] == 5 * 1048576 and d["exit_code"] == 0
' "$T/o2.json" "${mix[@]}"; then
	pass "--stats lists every path with its outcome"
else
	fail "--stats lists every path with its outcome" "$(head -c 300 "$T/o2.json")"
fi

mkdir -p "$T/o3"
q "${CA[@]}" -Z --output-dir "$T/o3" --remote-name-all --parallel-max 1 localhost "$GOOD" /big1 /many/f7 /mid
expect "--parallel-max 1: exit 0" 0
same_dir "--parallel-max 1: each byte-exact" "$R" "$T/o3" big1 mid

# One stream reset: its path fails (named, with the code), the others are
# saved, the exit code is the worst outcome.
serve reset --reset-after 100000 --reset-code 77 || exit 1
mkdir -p "$T/o4"
q "${CA[@]}" -Z --output-dir "$T/o4" --remote-name-all localhost "$PORT" /many/f1 /mid /many/f2 /many/f3
expect "one reset among four: exit 7, the path named" 7 '/mid: read: stream reset .* code 77 '
same_dir "one reset among four: the others are saved" "$R/many" "$T/o4" f1 f2 f3
if [ ! -e "$T/o4/mid" ] && ! compgen -G "$T/o4/mid.qget-*" >/dev/null; then
	pass "one reset among four: no partial file for it"
else
	fail "one reset among four: no partial file for it" "$(ls "$T/o4")"
fi

mkdir -p "$T/o5"
q "${CA[@]}" -Z --output-dir "$T/o5" --remote-name-all localhost "$GOOD" /many/f1 /nonexistent/x /many/f2
expect "a missing file is a 404 body, not a failure (exit 0)" 0
printf '404 Not Found\n' >"$T/404.body"
same "a missing file: its 404 body saved byte-exact" "$T/404.body" "$T/o5/x"
same_dir "a missing file among others: the others byte-exact" "$R/many" "$T/o5" f1 f2
