#!/usr/bin/env bash
# Bad networks, simulated by qget-netsim between qget and qget-serve:
# every download must arrive byte-exact (SHA-256) or fail with the right
# exit code and no partial -o file.  Times are printed, never asserted.
. "$(dirname "$0")/../lib.sh"

NETSIM=$top/$BUILD/qget-netsim
if [ ! -x "$NETSIM" ]; then
	skip "netsim scenarios" "$NETSIM not built"
	exit 0
fi
R=$T/root
head -c $((10 * 1048576)) /dev/urandom >"$R/10m"
head -c $((4 * 1048576)) /dev/urandom >"$R/4m"
head -c $((2 * 1048576)) /dev/urandom >"$R/2m"
head -c 100000 /dev/urandom >"$R/100k"
CA=(--cacert "$CERTS/ca.pem")
mkdir -p "$T/dl"
serve good -v || exit 0
GOOD=$PORT

# relay NAME [qget-netsim options...]: a relay in front of the good server;
# sets RELAY (its port) and RELAY_PID.  Its log: $T/NAME.netsim.
ropts=()
qopts=()
relay() {
	local name=$1 i
	shift
	RLOG=$T/$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '_')
	rm -f "$RLOG.rport"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$GOOD" --port-file "$RLOG.rport" \
		--seed 42 --duration 120 "$@" >"$RLOG.netsim" 2>&1 &
	RELAY_PID=$!
	PIDS+=("$RELAY_PID")
	for i in $(seq 1 100); do
		[ -s "$RLOG.rport" ] && break
		sleep 0.05
	done
	RELAY=$(cat "$RLOG.rport" 2>/dev/null)
	[ -n "$RELAY" ] || { fail "relay $name" "did not start: $(cat "$RLOG.netsim")"; return 1; }
}

# attempt NAME FILE: one download through a fresh relay ($ropts), timed,
# with the relay's counters printed.
attempt() {
	local name=$1 file=$2 start end
	relay "$name" "${ropts[@]}" || return 1
	rm -f "$T/dl/out"
	start=$(date +%s.%N)
	q "${CA[@]}" -m 60 "${qopts[@]}" -o "$T/dl/out" localhost "$RELAY" "/$file"
	end=$(date +%s.%N)
	stop "$RELAY_PID"
	printf '    %s: exit %s, %.2f s\n' "$name" "$RC" "$(echo "$end - $start" | bc)"
	grep -E '^qget-netsim: (up|down):' "$RLOG.netsim" | sed 's/^/      /'
}

# fetch NAME FILE RELAY-OPTIONS... -- QGET-OPTIONS...: download FILE through
# a relay with -o; expect exit 0 and the same bytes.
#
# Under loss, OpenSSL 3.5's QUIC server now and then fails on its own: it
# closes with INTERNAL_ERROR "internal error (txp generate)", or stops
# sending mid-stream (see the README's limits).  qget must then fail
# cleanly (exit 8 or 9, nothing under the -o name), and the transfer is
# tried once more, which must succeed; the first attempt is shown.
fetch() {
	local name=$1 file=$2
	shift 2
	ropts=() qopts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ropts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	qopts=("$@")
	attempt "$name" "$file" || return 0
	if { [ "$RC" -eq 8 ] || [ "$RC" -eq 9 ]; } && [ ! -e "$T/dl/out" ]; then
		sed 's/^/      qget: /' "$T/err"
		grep -E 'conn [0-9]+' "$T/good.log" | tail -n 3 | sed 's/^/      server: /'
		no_leftovers "$name: the failed attempt left no partial file" "$T/dl"
		attempt "$name (second attempt)" "$file" || return 0
	fi
	expect "$name: exit 0" 0 && same "$name: byte-exact" "$R/$file" "$T/dl/out"
	rm -f "$T/dl/out"
}

fetch "loss 1%"        10m --loss 1
fetch "loss 5%"        10m --loss 5
fetch "loss 10%"       10m --loss 10
fetch "bursty loss both ways (Gilbert-Elliott 1%/50%)" 10m --ge 1,50
fetch "bursty loss server to client (Gilbert-Elliott 1%/30%)" 10m --down-ge 1,30
fetch "30% loss both ways during the handshake only" 2m --loss 30 --impair-until 3 -- --connect-timeout 20
fetch "100 ms RTT, 20 ms jitter, 5% reordering" 2m --delay 50 --jitter 20 --reorder 5
fetch "duplication 5%"  10m --dup 5
fetch "corruption 1%"   10m --corrupt 1
fetch "rate 2 MB/s, 32 KiB queue" 4m --rate 2000000 --queue 32768
fetch "2 s blackhole mid-transfer" 4m --rate 2000000 --queue 65536 --blackhole 0.8-2.8

# A permanent blackhole mid-transfer: the idle timeout ends it, exit 8,
# and -o leaves nothing behind.
relay "permanent blackhole" --rate 2000000 --blackhole-from 0.8 || exit 0
start=$(date +%s.%N)
q "${CA[@]}" --idle-timeout 2 -o "$T/dl/out" localhost "$RELAY" /4m
printf '    permanent blackhole: exit %s after %.2f s\n' "$RC" "$(echo "$(date +%s.%N) - $start" | bc)"
stop "$RELAY_PID"
expect "permanent blackhole: exit 8 after the idle timeout" 8 'timed out idle'
no_leftovers "permanent blackhole: no partial -o file" "$T/dl"

# The server killed (SIGKILL) mid-transfer: exit 8 within the idle timeout.
serve victim || exit 0
VICTIM=$SERVER_PID
relay_target=$PORT
rm -f "$T/dl/out"
"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$relay_target" --port-file "$T/kill.rport" \
	--rate 2000000 --seed 42 --duration 60 >"$T/kill.netsim" 2>&1 &
RELAY_PID=$!
PIDS+=("$RELAY_PID")
for i in $(seq 1 100); do [ -s "$T/kill.rport" ] && break; sleep 0.05; done
"${QGET[@]}" "${CA[@]}" --idle-timeout 2 -o "$T/dl/out" localhost "$(cat "$T/kill.rport")" /4m \
	>"$T/out" 2>"$T/err" &
qpid=$!
sleep 1
kill -KILL "$VICTIM"
start=$(date +%s.%N)
wait "$qpid"
RC=$?
printf '    server SIGKILLed: exit %s %.2f s after the kill\n' "$RC" "$(echo "$(date +%s.%N) - $start" | bc)"
stop "$RELAY_PID"
expect "server killed mid-transfer: exit 8" 8
no_leftovers "server killed: no partial -o file" "$T/dl"

# The progress meter: drawn on a terminal when a transfer takes more than a
# second (a rate-limited relay makes it so), never when stderr is not a
# terminal, never with --progress=no.
if command -v script >/dev/null; then
	relay "progress" --rate 1500000 --queue 65536 || exit 0
	script -qec "$top/$BUILD/qget ${CA[*]} -o $T/dl/p localhost $RELAY /4m" /dev/null >"$T/tty" 2>&1
	if grep -q $'\r' "$T/tty" && grep -q 'MiB/s' "$T/tty" && grep -q '100%' "$T/tty"; then
		pass "progress meter on a terminal, ending at 100%"
	else
		fail "progress meter on a terminal, ending at 100%" "$(cat -v "$T/tty" | head -c 300)"
	fi
	script -qec "$top/$BUILD/qget ${CA[*]} --progress=no -o $T/dl/p localhost $RELAY /4m" /dev/null >"$T/tty" 2>&1
	if [ ! -s "$T/tty" ]; then pass "--progress=no: no meter"; else fail "--progress=no: no meter" "$(cat -v "$T/tty" | head -c 200)"; fi
	q "${CA[@]}" -o "$T/dl/p" localhost "$RELAY" /4m
	if [ "$RC" -eq 0 ] && [ ! -s "$T/err" ]; then pass "no meter when stderr is not a terminal"; else fail "no meter when stderr is not a terminal" "rc $RC"; fi
	stop "$RELAY_PID"
	rm -f "$T/dl/p"
else
	skip "progress meter" "no script(1) to give qget a terminal"
fi
