#!/usr/bin/env bash
# Closing: qget does not wait through QUIC's closing period, yet the server
# must still receive its CONNECTION_CLOSE (code 0), never run into an idle
# timeout.  Also each qget_conn_close_ex() flag, through tests/prog/close.
. "$(dirname "$0")/../lib.sh"

printf 'x' >"$T/root/one"
# A 1 s idle timeout: a connection whose CONNECTION_CLOSE got lost would
# end by idle timeout within the wait below, and show in the log.
serve c -v --idle-timeout 1000 || exit 1
CA=(--cacert "$CERTS/ca.pem")
prog=$top/$BUILD/tests/prog/close

n=0
for i in 1 2 3; do
	q "${CA[@]}" localhost "$PORT" /one
	expect "tiny fetch $i: exit 0" 0 && n=$((n + 1))
done
for flags in 0 1 2 3; do
	"$prog" localhost "$PORT" "$CERTS/ca.pem" /one "$flags" >"$T/out" 2>"$T/err"
	RC=$?
	if expect "qget_conn_close_ex(flags $flags): exit 0" 0 &&
		grep -qE '^[1-9][0-9]* OK$' "$T/out"; then
		pass "qget_conn_close_ex(flags $flags): body read, close OK"
		n=$((n + 1))
	else
		fail "qget_conn_close_ex(flags $flags): body read, close OK" "$(cat "$T/out")"
	fi
done

# The server logs each connection's end; it learns of a close at once.
# Waiting past the idle timeout gives a lost close the time to show.
count() { grep -c 'closed by peer, application error 0x0, reason ""' "$T/c.log"; }
sleep 1.5
if [ "$(count)" -eq "$n" ] && [ "$n" -eq 7 ]; then
	pass "the server received every CONNECTION_CLOSE ($n of 7)"
else
	fail "the server received every CONNECTION_CLOSE" "$(count) closes logged for $n clean runs of 7"
fi
if grep -qE 'closed locally, idle timeout|idle for' "$T/c.log"; then
	fail "no connection ended by idle timeout" "$(grep -E 'closed locally|idle for' "$T/c.log")"
else
	pass "no connection ended by idle timeout"
fi
stop "$SERVER_PID"

# The control: a client that never closes (SIGKILL mid-transfer) must show
# up as an idle timeout in that same log line format, or the check above
# could not see a lost close.
head -c 20000000 /dev/urandom >"$T/root/big"
serve k -v --idle-timeout 1000 || exit 1
# Not under valgrind: this is about what the server sees, and a slow
# start could be killed before its request is out.
"$top/$BUILD/qget" "${CA[@]}" -o "$T/big.out" localhost "$PORT" /big >/dev/null 2>&1 &
qpid=$!
for _ in $(seq 1 250); do
	grep -q 'GET /big' "$T/k.log" && break
	sleep 0.02
done
kill -KILL "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
for _ in $(seq 1 60); do
	grep -qE 'closed locally, idle timeout|idle for' "$T/k.log" && break
	sleep 0.05
done
if grep -qE 'closed locally, idle timeout|idle for' "$T/k.log" &&
	! grep -q 'closed by peer' "$T/k.log"; then
	pass "control: a client killed before closing ends by idle timeout"
else
	fail "control: a client killed before closing ends by idle timeout" "$(grep -E 'closed|idle' "$T/k.log")"
fi
stop "$SERVER_PID"
