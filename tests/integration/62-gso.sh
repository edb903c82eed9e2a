#!/usr/bin/env bash
# GSO and GRO (src/lib/udpio.c, in qget and qget-serve): 50 MiB downloads
# byte-exact over h3 and hq-interop with each side's GSO on and off, a
# 50 MiB h3 upload, QGET_NO_GSO=1 for both programs, and the same through
# qget-netsim with 2% loss each way.  The counters each program logs
# (qget -v at the end of the connection, qget-serve at exit) are the
# proof that the path was taken: with GSO on, the server's downloads leave
# as UDP_SEGMENT messages and reach a GSO client as coalesced GRO buffers;
# with it off on either side there are none.  So this fails when GSO
# silently stops working.  Times are never asserted.
#
# qget-netsim reads with plain recvmmsg, without UDP_GRO: the kernel
# splits a GSO message into its datagrams for such a socket (as a router
# on the way would see them), so the relay sees, impairs and forwards
# ordinary datagrams of the sizes OpenSSL made.  Its counters show it:
# the server's GSO messages went in, datagrams of at most ~1500 bytes on
# average came out of the relay's socket.
. "$(dirname "$0")/../lib.sh"

R=$T/root
# Under valgrind (make test-valgrind) qget runs ~20x slower: 4 MiB then.
MIB=50
[ -n "${QGET_VALGRIND:-}" ] && MIB=4
head -c $((MIB * 1048576)) /dev/urandom >"$R/50m"
CA=(--cacert "$CERTS/ca.pem")
mkdir -p "$T/dl"

ON_RE='udp: GSO sends and GRO receives on'
OFF_RE='udp: plain sendmmsg/recvmmsg \(--no-gso\)'
ENV_RE='udp: plain sendmmsg/recvmmsg \(QGET_NO_GSO is set\)'

# counts FILE: "GSO-MESSAGES GRO-BUFFERS SENT RECEIVED" of the last
# counters line in FILE ("" when there is none).
counts() {
	sed -nE 's/.*udp: [0-9]+ sends carried ([0-9]+) datagrams \([0-9.]+ per send; ([0-9]+) GSO messages of [0-9.]+\), [0-9]+ receives carried ([0-9]+) datagrams \([0-9.]+ per receive; ([0-9]+) GRO buffers of [0-9.]+\)$/\2 \4 \1 \3/p' "$1" | tail -n 1
}

# check NAME FILE PATH-RE GSO GRO: FILE says the path (PATH-RE), and its
# counters have GSO messages and GRO buffers as GSO and GRO say: "+" more
# than 0, "0" none, "-" either.
check() {
	local name=$1 file=$2 re=$3 want_gso=$4 want_gro=$5 c gso gro
	c=$(counts "$file")
	read -r gso gro _ <<<"$c"
	# A kernel (or sandbox) without UDP_SEGMENT/UDP_GRO: the fallback
	# is what runs, and the "+" counts cannot hold.  A skip, which
	# STRICT=1 (CI) still counts as a failure.
	if [ "$want_gso$want_gro" != 00 ] && grep -q 'udp: GSO off: the kernel refused' "$file"; then
		skip "$name" "$(grep -m 1 'udp: GSO off' "$file")"
	elif ! grep -qE "$re" "$file"; then
		fail "$name" "no line /$re/ in the log"
	elif [ -z "$c" ]; then
		fail "$name" "no counters in the log"
	elif { [ "$want_gso" = + ] && [ "$gso" -eq 0 ]; } ||
		{ [ "$want_gso" = 0 ] && [ "$gso" -ne 0 ]; } ||
		{ [ "$want_gro" = + ] && [ "$gro" -eq 0 ]; } ||
		{ [ "$want_gro" = 0 ] && [ "$gro" -ne 0 ]; }; then
		fail "$name" "$gso GSO messages, $gro GRO buffers (want $want_gso, $want_gro): $(grep 'udp: [0-9]' "$file" | tail -n 1)"
	else
		pass "$name ($gso GSO messages, $gro GRO buffers)"
	fi
}

# get NAME ALPN [qget options...]: 50m to $T/dl/out from $PORT, byte-exact.
get() {
	local name=$1 alpn=$2
	shift 2
	rm -f "$T/dl/out"
	q "${CA[@]}" -v --alpn "$alpn" "$@" -o "$T/dl/out" "https://localhost:$PORT/50m"
	expect "$name: exit 0" 0 && same "$name: $MIB MiB byte-exact" "$R/50m" "$T/dl/out"
	rm -f "$T/dl/out"
}

# Every combination.  A client with GSO on sees GRO buffers exactly when
# the server sends GSO (on loopback only a GSO sender's datagrams arrive
# coalesced); a client with it off sees none, since the kernel splits the
# server's GSO for a socket without UDP_GRO.
for sg in on off; do
	sopt=()
	[ "$sg" = off ] && sopt=(--no-gso)
	serve "serve-$sg" "${sopt[@]}" || exit 1
	for cg in on off; do
		copt=()
		[ "$cg" = off ] && copt=(--no-gso)
		for alpn in h3 hq-interop; do
			name="$alpn, qget GSO $cg, qget-serve GSO $sg"
			get "$name" "$alpn" "${copt[@]}"
			if [ "$cg" = on ]; then
				check "$name: qget's path and counters" "$T/err" "$ON_RE" - \
					"$([ "$sg" = on ] && echo + || echo 0)"
			else
				check "$name: qget's path and counters" "$T/err" "$OFF_RE" 0 0
			fi
		done
		# The other direction: an upload leaves a GSO client
		# as UDP_SEGMENT messages.
		q "${CA[@]}" -v --http3 "${copt[@]}" -T "$R/50m" "https://localhost:$PORT/echo-sha256"
		name="h3 upload, qget GSO $cg, qget-serve GSO $sg"
		if [ "$RC" -eq 0 ] && [ "$(cat "$T/out")" = "$(sha "$R/50m")" ]; then
			pass "$name: $MIB MiB, the server's SHA-256 matches"
		else
			fail "$name: $MIB MiB, the server's SHA-256 matches" "exit $RC, $(head -c 80 "$T/out")"
		fi
		if [ "$cg" = on ]; then
			check "$name: qget's GSO messages" "$T/err" "$ON_RE" + -
		else
			check "$name: qget's counters" "$T/err" "$OFF_RE" 0 0
		fi
	done
	stop "$SERVER_PID"
	# Its downloads went out as GSO; the GSO client's upload came in as
	# GRO buffers.
	if [ "$sg" = on ]; then
		check "qget-serve GSO on: its path and counters" "$T/serve-$sg.log" "$ON_RE" + +
	else
		check "qget-serve --no-gso: its path and counters" "$T/serve-$sg.log" "$OFF_RE" 0 0
	fi
done

# QGET_NO_GSO=1: both programs take the plain path without the option.
QGET_NO_GSO=1 serve serve-env || exit 1
QGET_NO_GSO=1 get "QGET_NO_GSO=1 for both, hq-interop" hq-interop
check "QGET_NO_GSO=1: qget's path and counters" "$T/err" "$ENV_RE" 0 0
stop "$SERVER_PID"
check "QGET_NO_GSO=1: qget-serve's path and counters" "$T/serve-env.log" "$ENV_RE" 0 0
QGET_NO_GSO=0 q "${CA[@]}" -v --alpn hq-interop -o "$T/dl/none" "https://localhost:1/none"
if grep -qE "$ON_RE" "$T/err"; then pass "QGET_NO_GSO=0 leaves GSO on"; else fail "QGET_NO_GSO=0 leaves GSO on" "$(grep udp: "$T/err")"; fi
rm -f "$T/dl/none"

# ---- through qget-netsim, 2% loss each way -----------------------------
NETSIM=$top/$BUILD/qget-netsim
if [ ! -x "$NETSIM" ]; then
	skip "netsim with GSO" "$NETSIM not built"
	exit 0
fi

# relay NAME OPTIONS...: a relay in front of $PORT; RELAY, RELAY_PID, its
# counters in $T/NAME.stats when it stops.
relay() {
	local name=$1 i
	shift
	rm -f "$T/$name.rport" "$T/$name.stats"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$PORT" --port-file "$T/$name.rport" \
		--stats "$T/$name.stats" --seed 62 --duration 300 "$@" >"$T/$name.netsim" 2>&1 &
	RELAY_PID=$!
	track "$RELAY_PID" "qget-netsim $name" "$T/$name.netsim" 0
	for i in $(seq 1 100); do
		[ -s "$T/$name.rport" ] && break
		kill -0 "$RELAY_PID" 2>/dev/null || break
		sleep 0.05
	done
	RELAY=$(cat "$T/$name.rport" 2>/dev/null)
	if [ -z "$RELAY" ]; then
		start_failed "relay $name" "did not start: $(cat "$T/$name.netsim")"
		stop "$RELAY_PID" any
		return 1
	fi
}

# lossy NAME ALPN SERVER-LOG [qget options...]: 50m through a fresh relay
# with 2% loss each way.  OpenSSL 3.5's two known faults under loss (see
# tests/integration/60-netsim.sh and docs/limits.md) earn one more
# attempt, each only on its own proof: the server's INTERNAL_ERROR "txp
# generate" in its -v log, or the lost-MAX_STREAM_DATA stall in the qlog
# OpenSSL wrote.
TXP_RE='closed locally, transport error 0x1, reason "internal error \(txp generate\)"'
attempt() { # NAME ALPN [qget options...]
	local name=$1 alpn=$2 rname
	shift 2
	rname=$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '_')
	relay "$rname" --loss 2 || return 1
	rm -f "$T/dl/out"
	# OpenSSL writes its qlog only into a folder that exists.
	rm -rf "$T/qlog" && mkdir -p "$T/qlog"
	QLOGDIR=$T/qlog q "${CA[@]}" -v -m 120 --alpn "$alpn" "$@" -o "$T/dl/out" \
		localhost "$RELAY" /50m
	sleep 0.1 # the server logs the connection's end
	stop "$RELAY_PID"
	RSTATS=$T/$rname.stats
}
lossy() {
	local name=$1 alpn=$2 slog=$3 from
	shift 3
	from=$(wc -l <"$slog")
	attempt "$name" "$alpn" "$@" || return 0
	if [ "$RC" -eq 9 ] &&
		python3 "$top/tests/tools/qlog-msd-stall.py" "$T/qlog" >"$T/msd" 2>&1; then
		if retry_ok "$name" "$(cat "$T/msd")"; then
			attempt "$name (second attempt)" "$alpn" "$@" || return 0
		fi
	elif [ "$RC" -ne 0 ] && tail -n +$((from + 1)) "$slog" | grep -qE "$TXP_RE"; then
		if retry_ok "$name" "qget-serve's log: $(tail -n +$((from + 1)) "$slog" | grep -m 1 -oE "$TXP_RE")"; then
			attempt "$name (second attempt)" "$alpn" "$@" || return 0
		fi
	fi
	expect "$name: exit 0" 0 && same "$name: $MIB MiB byte-exact" "$R/50m" "$T/dl/out"
	rm -f "$T/dl/out"
}

# relay_sizes NAME STATS: what the relay read from the server ("down")
# were ordinary datagrams, not 64 KiB GSO messages.
relay_sizes() {
	local in bytes
	read -r in bytes < <(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["down"]
print(d["in"], d["bytes_in"])' "$2" 2>/dev/null)
	if [ -z "${in:-}" ] || [ "$in" -eq 0 ]; then
		fail "$1" "no counters from the relay ($2)"
	elif [ $((bytes / in)) -le 1500 ]; then
		pass "$1 ($in datagrams, $((bytes / in)) bytes on average)"
	else
		fail "$1" "$in datagrams of $((bytes / in)) bytes on average"
	fi
}

for g in on off; do
	opt=()
	[ "$g" = off ] && opt=(--no-gso)
	serve "lossy-$g" -v "${opt[@]}" || exit 1
	for alpn in h3 hq-interop; do
		lossy "2% loss each way, $alpn, GSO $g for both" "$alpn" "$T/lossy-$g.log" "${opt[@]}"
		if [ "$g" = on ]; then
			relay_sizes "2% loss, $alpn: the relay read the server's GSO as datagrams" "$RSTATS"
		fi
	done
	stop "$SERVER_PID"
	# Through the relay nothing arrives coalesced; what counts is that
	# the server sent GSO (on) or none (off).
	if [ "$g" = on ]; then
		check "2% loss, qget-serve GSO on: it sent GSO messages" "$T/lossy-$g.log" "$ON_RE" + -
	else
		check "2% loss, qget-serve --no-gso: no GSO" "$T/lossy-$g.log" "$OFF_RE" 0 0
	fi
done
