#!/usr/bin/env bash
# Waits that sleep through a response: many tiny hq-interop fetches
# (tests/prog/stall), one after another and two threads at once, through
# qget_fetch() and through qget_conn_wait_ex(), GSO on and off.  A wait
# that does not see the end of a response (OpenSSL read it inside another
# call, the socket is drained, no timer is due) sleeps until the time
# limit, 20 s: the library logs "wait: maximum time ... reached", and the
# program counts that fetch as a failure even when it returned QGET_OK,
# and stops there.  Before the fix about one fetch in a hundred did.
# Nothing is timed: the verdict is the log's; the 300 s watchdog only
# ends a run that hangs for good.
. "$(dirname "$0")/../lib.sh"

head -c 100 /dev/urandom >"$T/root/tiny"
prog=$top/$BUILD/tests/prog/stall
# The idle timeout's keep-alive PING (half of it, 25 s at most) would
# wake a stalled wait before the time limit: 120 s on both sides.
serve s --idle-timeout 120000 || exit 1
URL=https://127.0.0.1:$PORT/tiny

# run NAME COUNT THREADS MODE [env...]
run() {
	local name=$1 count=$2 threads=$3 mode=$4
	shift 4
	env "$@" timeout -k 5 300 "$prog" "$URL" "$CERTS/ca.pem" 100 "$count" \
		"$threads" "$mode" >"$T/out" 2>"$T/err"
	RC=$?
	if ! clean_run; then
		fail "$name" "memory error reported"
	elif [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
		fail "$name" "still running after 300 s (watchdog): $(cat "$T/out")"
	elif [ "$RC" -ne 0 ]; then
		fail "$name" "exit $RC: $(cat "$T/out")"
		sed -n '1,12p' "$T/err" | sed 's/^/    /'
	elif ! grep -qx "fetches=$count ok=$count failed=0 deadline=0" "$T/out"; then
		fail "$name" "$(cat "$T/out")"
	else
		pass "$name: $count fetches, none slept until the time limit"
	fi
}

# Before the fix each of these failed in about half the runs, the script
# (any of them) in nearly every run; after it, about 3000 fetches take
# 50 s on a 2-core machine.
run "qget_fetch, 2 threads" 1000 2 fetch
run "qget_fetch, 1 thread" 500 1 fetch
run "qget_conn_wait_ex, 2 threads" 1000 2 wait
run "qget_fetch, 2 threads, QGET_NO_GSO=1" 500 2 fetch QGET_NO_GSO=1
stop "$SERVER_PID"
