#!/usr/bin/env bash
# qget-serve never serves a byte from outside --root: links that lead out
# are refused, links that stay inside are followed, and a link swapped in
# while a request is being resolved cannot lead out either (the file is
# opened beneath the root in one lookup, not resolved first and opened
# after).  Port files of qget-serve and qget-netsim go through a temporary
# nobody can predict: a link planted in a shared directory does not make
# them overwrite another file.
. "$(dirname "$0")/../lib.sh"

R=$T/root
O=$T/outside
mkdir -p "$O" "$R/sub" "$R/s" "$T/race"
for i in $(seq 1 200); do echo "SECRET-outside-the-root $i"; done >"$O/secret"
echo public >"$R/public"
ln -s "$O/secret" "$R/abs-out"
ln -s ../outside/secret "$R/rel-out"
ln -s "$O" "$R/dir-out"
ln -s public "$R/inside"
ln -s ../public "$R/sub/up"
CA=(--cacert "$CERTS/ca.pem")
serve root || exit 1

# leaked NAME FILE...: no secret byte reached the client.
leaked() {
	local name=$1
	shift
	if grep -ql SECRET "$@" 2>/dev/null; then
		fail "$name" "the secret was served: $(grep -l SECRET "$@" | head -n 3 | tr '\n' ' ')"
	else
		pass "$name"
	fi
}

q "${CA[@]}" -f 127.0.0.1 "$PORT" /public
expect "a file in the root: exit 0" 0 && same "a file in the root: body" "$R/public" "$T/out"
q "${CA[@]}" -f 127.0.0.1 "$PORT" /inside
expect "a link that stays in the root: exit 0" 0 && same "a link that stays in the root: body" "$R/public" "$T/out"
q "${CA[@]}" -f 127.0.0.1 "$PORT" /sub/up
expect "a link through .. that stays in the root: exit 0" 0 && same "a link through .. that stays in the root: body" "$R/public" "$T/out"
for p in /abs-out /rel-out /dir-out/secret; do
	q "${CA[@]}" -f 127.0.0.1 "$PORT" "$p"
	expect "a link out of the root ($p): refused, exit 11" 11 ' 40[34] '
	leaked "a link out of the root ($p): no secret byte" "$T/out"
	q "${CA[@]}" --http3 -f 127.0.0.1 "$PORT" "$p"
	expect "h3, a link out of the root ($p): refused, exit 11" 11 ' 40[34]'
	leaked "h3, a link out of the root ($p): no secret byte" "$T/out"
done
for p in /../outside/secret /sub/../../outside/secret; do
	q "${CA[@]}" -f 127.0.0.1 "$PORT" "$p"
	expect "a path through .. ($p): refused, exit 11" 11 ' 40[034] '
	leaked "a path through .. ($p): no secret byte" "$T/out"
done

# The race: $R/s swaps, again and again, between a directory in the root
# and a link to $O (renameat2 RENAME_EXCHANGE, atomic), while qget asks
# for /s/xN.  A server that checks a path with realpath() and opens it
# after serves $O/xN whenever the swap falls in between.
for i in $(seq 1 40); do
	echo "public $i" >"$R/s/x$i"
	cp "$O/secret" "$O/x$i"
done
ln -s "$O" "$R/s-alt"
python3 - "$R/s" "$R/s-alt" <<'EOF' >"$T/swapper.log" 2>&1 &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = (os.fsencode(p) for p in sys.argv[1:3])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
while True:
    if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
EOF
SWAPPER=$!
track "$SWAPPER" "renameat2 swapper" "$T/swapper.log" 143
paths=()
for i in $(seq 1 40); do paths+=("/s/x$i"); done
served=0
for round in $(seq 1 20); do
	rm -rf "$T/race"
	mkdir "$T/race"
	q "${CA[@]}" --output-dir "$T/race" --remote-name-all 127.0.0.1 "$PORT" "${paths[@]}"
	served=$((served + $(grep -l '^public' "$T/race"/* 2>/dev/null | wc -l)))
	grep -ql SECRET "$T/race"/* 2>/dev/null && break
done
if kill -0 "$SWAPPER" 2>/dev/null; then
	stop "$SWAPPER"
	leaked "a link swapped in during the lookup: no secret byte (round $round, $served served from the root)" "$T/race"/*
else
	wait "$SWAPPER"
	proc_check "$SWAPPER" $? any
	skip "a link swapped in during the lookup" "renameat2(RENAME_EXCHANGE) is not available"
fi

# Port files: a link planted at the name the old code used for its
# temporary ("FILE.tmp.PID"; the PID is the subshell's, kept by exec).
printf 'precious\n' >"$T/victim"
(
	ln -s "$T/victim" "$T/pf.port.tmp.$BASHPID"
	exec "$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--root "$R" --port 0 --port-file "$T/pf.port"
) >"$T/pf.log" 2>&1 &
PF_PID=$!
track "$PF_PID" "qget-serve --port-file" "$T/pf.log" 0
for i in $(seq 1 100); do [ -s "$T/pf.port" ] && break; sleep 0.05; done
if [ "$(cat "$T/victim")" = precious ]; then pass "serve --port-file: a planted link's target is untouched"; else fail "serve --port-file: a planted link's target is untouched" "victim now holds: $(head -c 40 "$T/victim")"; fi
if [ ! -L "$T/pf.port" ] && grep -qE '^[0-9]+$' "$T/pf.port" 2>/dev/null; then pass "serve --port-file: a regular file with the port"; else fail "serve --port-file: a regular file with the port" "$(ls -l "$T/pf.port" 2>&1)"; fi
q "${CA[@]}" 127.0.0.1 "$(cat "$T/pf.port" 2>/dev/null)" /public
expect "serve --port-file: the server it names answers" 0
stop "$PF_PID"

printf 'precious\n' >"$T/victim"
(
	ln -s "$T/victim" "$T/ns.port.tmp.$BASHPID"
	exec "$top/$BUILD/qget-netsim" --listen 127.0.0.1:0 --to "127.0.0.1:$PORT" \
		--duration 30 --port-file "$T/ns.port"
) >"$T/ns.log" 2>&1 &
NS_PID=$!
track "$NS_PID" "qget-netsim --port-file" "$T/ns.log" 0
for i in $(seq 1 100); do [ -s "$T/ns.port" ] && break; sleep 0.05; done
if [ "$(cat "$T/victim")" = precious ]; then pass "netsim --port-file: a planted link's target is untouched"; else fail "netsim --port-file: a planted link's target is untouched" "victim now holds: $(head -c 40 "$T/victim")"; fi
if [ ! -L "$T/ns.port" ] && grep -qE '^[0-9]+$' "$T/ns.port" 2>/dev/null; then pass "netsim --port-file: a regular file with the port"; else fail "netsim --port-file: a regular file with the port" "$(ls -l "$T/ns.port" 2>&1)"; fi
q "${CA[@]}" 127.0.0.1 "$(cat "$T/ns.port" 2>/dev/null)" /public
expect "netsim --port-file: the relay it names answers" 0
stop "$NS_PID"
if compgen -G "$T/*.port.??????" >/dev/null; then fail "--port-file: no temporary left" "$(ls "$T"/*.port.*)"; else pass "--port-file: no temporary left"; fi
