#!/usr/bin/env bash
# Not part of the test suite (tests/run runs tests/integration only).
#
# Does OpenSSL 3.5's QUIC server fail on its own under loss, as the
# README's limits say (a close with INTERNAL_ERROR "internal error (txp
# generate)", or a stall mid-stream)?  This downloads 10 MiB through
# qget-netsim at the settings of 60-netsim.sh's "loss 10%" scenario
# (--loss 10 --seed 42 --duration 120; qget -m 60 -o FILE) from a server
# OpenSSL wrote, its hq-interop server
# (test/quic-openssl-docker/hq-interop/quic-hq-interop-server.c, built
# from the fetched source as 35-hq-interop.sh builds it), and, for
# comparison, from qget-serve -v; a fresh server and relay per run.  Each
# run is classified:
#   ok       exit 0, byte-exact
#   txp      qget exit 8 naming "internal error (txp generate)"
#   stall    qget exit 9 (-m 60 reached: the server stopped sending)
#   exit-N   any other exit N;  corrupt: exit 0, bytes differ
# and the server's own words are collected: qget-serve's "closed locally"
# line, the hq-interop server's stderr.
#
# Usage: tests/repro/txp-generate.sh [RUNS [hq|qget-serve|both]]
#   (default 20 both), after make; BUILD as for make (default build);
#   SEED=vary uses the run's number as the relay's seed instead of 42.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
RUNS=${1:-20}
WHICH=${2:-both}
deps=$BUILD/deps.mk
[ -f "$deps" ] || { echo "no $deps: run make first" >&2; exit 2; }
val() { sed -n "s/^$1 := //p" "$deps"; }
OPENSSL_SRC=$(val OPENSSL_SRC)
OPENSSL_CFLAGS=$(val OPENSSL_CFLAGS)
OPENSSL_LIBS=$(val OPENSSL_LIBS)
CERTS=$top/$BUILD/certs
NETSIM=$top/$BUILD/qget-netsim
QGET=$top/$BUILD/qget
SERVE=$top/$BUILD/qget-serve
src=$OPENSSL_SRC/test/quic-openssl-docker/hq-interop/quic-hq-interop-server.c
srv=$top/$BUILD/peers/quic-hq-interop-server
for f in "$NETSIM" "$QGET" "$SERVE" "$CERTS/ca.pem"; do
	[ -e "$f" ] || { echo "missing $f: run make test once (certificates) first" >&2; exit 2; }
done
if [ ! -x "$srv" ] || [ "$srv" -ot "$src" ]; then
	[ -f "$src" ] || { echo "no $src (needs the fetched OpenSSL source)" >&2; exit 2; }
	mkdir -p "$(dirname "$srv")"
	# shellcheck disable=SC2086 # word lists
	cc -O2 $OPENSSL_CFLAGS "$src" $OPENSSL_LIBS -o "$srv" || exit 2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/qget-txp.XXXXXX")
trap 'kill $SPID $RPID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
SPID= RPID=
mkdir -p "$T/root" "$T/dl"
head -c $((10 * 1048576)) /dev/urandom >"$T/root/10m"

free_port() { # dual-stack, as the hq-interop server binds [::]
	python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0)); print(s.getsockname()[1])'
}

# start_server KIND: SPID, SPORT; its output in $T/server.log.
start_server() {
	local i
	rm -f "$T/sport"
	if [ "$1" = hq ]; then
		SPORT=$(free_port)
		FILEPREFIX=$T/root "$srv" "$SPORT" "$CERTS/server.pem" "$CERTS/server.key" \
			>"$T/server.log" 2>&1 &
		SPID=$!
		for i in $(seq 1 100); do
			ss -Huln "sport = :$SPORT" | grep -q . && return 0
			sleep 0.05
		done
		return 1
	fi
	"$SERVE" --cert "$CERTS/server.pem" --key "$CERTS/server.key" --root "$T/root" \
		--port 0 --port-file "$T/sport" -v >"$T/server.log" 2>&1 &
	SPID=$!
	for i in $(seq 1 100); do
		[ -s "$T/sport" ] && break
		sleep 0.05
	done
	SPORT=$(cat "$T/sport" 2>/dev/null)
	[ -n "$SPORT" ]
}

# run KIND N: one download; prints its line, appends its kind to $T/KIND.kinds.
run() {
	local kind=$1 n=$2 seed=42 t0 rc class alpn=() words
	[ "${SEED:-}" = vary ] && seed=$n
	start_server "$kind" || { echo "  $kind $n: server did not start"; return; }
	rm -f "$T/rport" "$T/dl/out"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$SPORT" --port-file "$T/rport" \
		--seed "$seed" --duration 120 --loss 10 >"$T/relay.log" 2>&1 &
	RPID=$!
	for _ in $(seq 1 100); do [ -s "$T/rport" ] && break; sleep 0.05; done
	[ "$kind" = hq ] && alpn=(--alpn hq-interop)
	t0=$EPOCHREALTIME
	"$QGET" --cacert "$CERTS/ca.pem" "${alpn[@]}" -m 60 -o "$T/dl/out" \
		localhost "$(cat "$T/rport")" /10m >/dev/null 2>"$T/qget.err"
	rc=$?
	sleep 0.2
	kill "$RPID" "$SPID" 2>/dev/null
	wait "$RPID" "$SPID" 2>/dev/null
	case $rc in
	0) if cmp -s "$T/root/10m" "$T/dl/out"; then class=ok; else class=corrupt; fi ;;
	8) if grep -q 'txp generate' "$T/qget.err"; then class=txp; else class=exit-8; fi ;;
	9) class=stall ;;
	*) class=exit-$rc ;;
	esac
	echo "$class" >>"$T/$kind.kinds"
	if [ "$kind" = hq ]; then
		words=$(grep -v -E '^(Waiting for connection|Accepted|$)' "$T/server.log" | tail -n 2 | tr '\n' ' ')
	else
		words=$(grep -E 'closed (locally|by peer)' "$T/server.log" | tail -n 1 | sed 's/^.*conn [0-9]*: //')
	fi
	printf '  %-10s %2d: %-7s %6.2f s  qget: %s\n      server: %s\n' "$kind" "$n" "$class" \
		"$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" \
		"$(grep -m 1 -E 'qget:' "$T/qget.err" | cut -c 1-150)" "${words:-(nothing)}"
}

kinds=()
case $WHICH in both) kinds=(hq qget-serve) ;; hq | qget-serve) kinds=("$WHICH") ;;
*) echo "usage: $0 [RUNS [hq|qget-serve|both]]" >&2; exit 2 ;; esac
echo "10 MiB through qget-netsim --loss 10 (seed ${SEED:-42}), qget -m 60, $RUNS runs per server"
for k in "${kinds[@]}"; do
	: >"$T/$k.kinds"
	for n in $(seq 1 "$RUNS"); do run "$k" "$n"; done
done
echo
for k in "${kinds[@]}"; do
	printf '%s: %d runs:' "$k" "$(wc -l <"$T/$k.kinds")"
	sort "$T/$k.kinds" | uniq -c | awk '{ printf " %s %d", $2, $1 }'
	echo
done
