#!/usr/bin/env bash
# Not part of the test suite (tests/run runs tests/integration only).
#
# Does OpenSSL 3.5's QUIC server fail on its own under loss, as
# docs/limits.md says (a close with INTERNAL_ERROR "internal error (txp
# generate)", or a stall mid-stream)?  This downloads 10 MiB through
# qget-netsim at the settings of 60-netsim.sh's "loss 10%" scenario
# (--loss 10 --seed 42 --duration 120; qget -m 60 -o FILE) from a server
# OpenSSL wrote, its hq-interop server
# (test/quic-openssl-docker/hq-interop/quic-hq-interop-server.c, built
# from the fetched source as 35-hq-interop.sh builds it), and, for
# comparison, from qget-serve -v; a fresh server and relay per run.  The
# kind "openssl" is OpenSSL's pair alone: its hq-interop client
# (quic-hq-interop.c, run chrooted as 35-hq-interop.sh does, for its fixed
# /downloads; needs root and unshare -m) from its hq-interop server, with a
# 60 s limit.  Each run is classified:
#   ok       exit 0, byte-exact
#   txp      qget exit 8 naming "internal error (txp generate)"
#   stall    qget exit 9 (-m 60 reached: the server stopped sending)
#   exit-N   any other exit N;  corrupt: exit 0, bytes differ
# (for "openssl": ok, stall = killed at 60 s, exit-N, corrupt or missing)
# and the server's own words are collected: qget-serve's "closed locally"
# line, the hq-interop server's stderr.
#
# Usage: tests/repro/txp-generate.sh [RUNS [KIND...]]
#   KIND: hq, qget-serve, openssl (default 20 runs of hq and qget-serve),
#   after make test; BUILD as for make (default build);
#   SEED=vary uses the run's number as the relay's seed instead of 42.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
RUNS=${1:-20}
shift $(($# > 0 ? 1 : 0))
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(hq qget-serve)
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
cli=$top/$BUILD/peers/quic-hq-interop
for f in "$NETSIM" "$QGET" "$SERVE" "$CERTS/ca.pem"; do
	[ -e "$f" ] || { echo "missing $f: run make test once (certificates) first" >&2; exit 2; }
done
if [ ! -x "$srv" ] || [ "$srv" -ot "$src" ]; then
	[ -f "$src" ] || { echo "no $src (needs the fetched OpenSSL source)" >&2; exit 2; }
	mkdir -p "$(dirname "$srv")"
	# shellcheck disable=SC2086 # word lists
	cc -O2 $OPENSSL_CFLAGS "$src" $OPENSSL_LIBS -o "$srv" || exit 2
fi
if [ ! -x "$cli" ] || [ "$cli" -ot "${src%-server.c}.c" ]; then
	# shellcheck disable=SC2086 # word lists
	cc -O2 $OPENSSL_CFLAGS "${src%-server.c}.c" $OPENSSL_LIBS -o "$cli" || exit 2
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

# OpenSSL's client writes to /downloads/NAME: run it chrooted in a private
# mount namespace (as 35-hq-interop.sh does).
# shellcheck disable=SC2016 # expanded by the inner shell
chroot_sh='set -e
r=$1
shift
mount -t tmpfs -o mode=755 tmpfs "$r"
for d in usr etc; do mkdir "$r/$d"; mount -o rbind,ro "/$d" "$r/$d"; done
for l in bin lib lib64; do
	if [ -L "/$l" ]; then cp -P "/$l" "$r/$l"
	elif [ -d "/$l" ]; then mkdir "$r/$l"; mount -o rbind,ro "/$l" "$r/$l"; fi
done
mkdir "$r/peer" "$r/in" "$r/downloads"
mount -o bind,ro "$PEERS" "$r/peer"
mount -o bind,ro "$IN" "$r/in"
mount --bind "$DL" "$r/downloads"
exec chroot "$r" "$@"'
openssl_client() { # PORT: fetches 10m into $T/dl/10m; returns its status
	mkdir -p "$T/croot" "$T/in"
	cp "$CERTS/ca.pem" "$T/in/ca.pem"
	printf '10m' >"$T/in/req"
	rm -f "$T/dl/10m"
	PEERS=$top/$BUILD/peers IN=$T/in DL=$T/dl SSL_CERT_FILE=/in/ca.pem \
		timeout 60 unshare -m sh -c "$chroot_sh" sh "$T/croot" \
		/peer/quic-hq-interop 127.0.0.1 "$1" /in/req
}

# run KIND N: one download; prints its line, appends its kind to $T/KIND.kinds.
run() {
	local kind=$1 n=$2 seed=42 t0 rc class alpn=() words got
	[ "${SEED:-}" = vary ] && seed=$n
	if [ "$kind" = openssl ]; then
		start_server hq || { echo "  $kind $n: server did not start"; return; }
	else
		start_server "$kind" || { echo "  $kind $n: server did not start"; return; }
	fi
	rm -f "$T/rport" "$T/dl/out"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$SPORT" --port-file "$T/rport" \
		--seed "$seed" --duration 120 --loss 10 >"$T/relay.log" 2>&1 &
	RPID=$!
	for _ in $(seq 1 100); do [ -s "$T/rport" ] && break; sleep 0.05; done
	[ "$kind" = hq ] && alpn=(--alpn hq-interop)
	t0=$EPOCHREALTIME
	if [ "$kind" = openssl ]; then
		openssl_client "$(cat "$T/rport")" >"$T/qget.err" 2>&1
		rc=$?
	else
		"$QGET" --cacert "$CERTS/ca.pem" "${alpn[@]}" -m 60 -o "$T/dl/out" \
			-w json --stats "$T/stats.json" \
			localhost "$(cat "$T/rport")" /10m >/dev/null 2>"$T/qget.err"
		rc=$?
	fi
	sleep 0.2
	kill "$RPID" "$SPID" 2>/dev/null
	wait "$RPID" "$SPID" 2>/dev/null
	if [ "$kind" = openssl ]; then
		case $rc in
		0) if cmp -s "$T/root/10m" "$T/dl/10m"; then class=ok; else class=corrupt-or-missing; fi ;;
		124) class=stall ;;
		*) class=exit-$rc ;;
		esac
	else
		case $rc in
		0) if cmp -s "$T/root/10m" "$T/dl/out"; then class=ok; else class=corrupt; fi ;;
		8) if grep -q 'txp generate' "$T/qget.err"; then class=txp; else class=exit-8; fi ;;
		9) class=stall ;;
		*) class=exit-$rc ;;
		esac
	fi
	echo "$class" >>"$T/$kind.kinds"
	if [ "$kind" != qget-serve ]; then
		words=$(grep -v -E '^(Waiting for connection|Accepted|$)' "$T/server.log" | tail -n 2 | tr '\n' ' ')
	else
		words=$(grep -E 'closed (locally|by peer)' "$T/server.log" | tail -n 1 | sed 's/^.*conn [0-9]*: //')
	fi
	got=
	if [ -s "$T/stats.json" ]; then
		got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); s = d["streams"][0]
print("%d of 10485760 body bytes" % s["bytes_body"])' "$T/stats.json" 2>/dev/null)
		rm -f "$T/stats.json"
	fi
	printf '  %-10s %2d: %-7s %6.2f s  %s %s\n      server: %s\n      relay: %s\n' "$kind" "$n" "$class" \
		"$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$got" \
		"$(grep -m 1 -E 'qget:' "$T/qget.err" | cut -c 1-150)" "${words:-(nothing)}" \
		"$(grep -E '^qget-netsim: (up|down):' "$T/relay.log" | cut -c 13-80 | tr '\n' ' ')"
}

for k in "${kinds[@]}"; do
	case $k in hq | qget-serve | openssl) ;;
	*) echo "usage: $0 [RUNS [hq|qget-serve|openssl...]]" >&2; exit 2 ;; esac
done
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
