#!/usr/bin/env bash
# hq-interop (HTTP/0.9 over QUIC) against programs we did not write:
# OpenSSL's QUIC interop runner server and client,
# test/quic-openssl-docker/hq-interop/quic-hq-interop{-server,}.c, compiled
# from the OpenSSL source the build fetched.  Both ways, byte-exact by
# SHA-256: qget <- OpenSSL's server, and OpenSSL's client <- qget-serve.
# Loopback only; the 50 MiB transfer times are printed, not asserted.
. "$(dirname "$0")/../lib.sh"

R=$T/root
HQ=hq-interop/quic-hq-interop
src=${OPENSSL_SRC:-}/test/quic-openssl-docker/hq-interop
srv=$top/$BUILD/peers/quic-hq-interop-server
cli=$top/$BUILD/peers/quic-hq-interop
SMALL="empty one k4 k5 b65537" # 0 B, 1 B, 4096 B, 5000 B, 65537 B
MANY=$(printf 's%02d ' $(seq 1 50)) # 50 files of 1 KiB, one connection

# Every case, for the SKIP lines.
CASES1=()
for f in $SMALL big; do CASES1+=("qget <- openssl: $f"); done
CASES1+=("qget <- openssl: missing file" "qget <- openssl: ipv6 ::1")
CASES2=()
for f in $SMALL big; do CASES2+=("openssl client <- qget-serve: $f"); done
CASES2+=("openssl client <- qget-serve: 50 x 1 KiB in one connection"
	"openssl client <- qget-serve: ipv6 ::1" "openssl client <- qget-serve: server alive")
skip_all() { # REASON CASE...
	local why=$1 c
	shift
	for c in "$@"; do skip "hq-interop: $c" "$why"; done
}

if [ -z "${OPENSSL_SRC:-}" ] || [ ! -f "$src/quic-hq-interop-server.c" ] ||
	[ ! -f "$src/quic-hq-interop.c" ]; then
	skip_all "no OpenSSL source tree with $HQ*.c (system OpenSSL without the fetched source)" \
		"${CASES1[@]}" "${CASES2[@]}"
	exit 0
fi

build_peer() { # BINARY SOURCE
	[ -x "$1" ] && [ ! "$1" -ot "$2" ] && return 0
	mkdir -p "$(dirname "$1")"
	# shellcheck disable=SC2086 # the flags are word lists
	cc -O2 $OPENSSL_CFLAGS "$2" $OPENSSL_LIBS -o "$1" 2>"$T/cc.log" && return 0
	fail "hq-interop: build $(basename "$1")" "$(tail -n 3 "$T/cc.log")"
	return 1
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }


head -c 52428800 /dev/urandom >"$R/big"
: >"$R/empty"
printf '\0' >"$R/one"
head -c 4096 /dev/urandom >"$R/k4" # the OpenSSL server reads in 4096 B chunks
head -c 5000 /dev/urandom >"$R/k5"
head -c 65537 /dev/urandom >"$R/b65537"
for f in $MANY; do head -c 1024 /dev/urandom >"$R/$f"; done

# ---- 1. qget -> OpenSSL's quic-hq-interop-server -------------------------
# Usage: quic-hq-interop-server PORT CERT KEY; serves $FILEPREFIX/BASENAME
# of the request's path, one connection at a time, one stream after the
# other.  It binds [::]:PORT dual-stack (all interfaces, not only loopback:
# the address is fixed in its source); we only ever connect to loopback.

# A UDP port free for both families, as the server binds it.
free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0)); print(s.getsockname()[1])'
}

srv_start() {
	local i _
	for _ in 1 2 3; do
		SRV_PORT=$(free_port) || return 1
		FILEPREFIX=$R "$srv" "$SRV_PORT" "$CERTS/server.pem" "$CERTS/server.key" \
			>"$T/srv.log" 2>&1 &
		SRV_PID=$!
		# No SIGTERM handler: stopped, it dies of the signal (143).
		track "$SRV_PID" "openssl hq-interop server" "$T/srv.log" 143
		for i in $(seq 1 100); do
			# "Waiting for connection" sits in a stdio buffer.
			ss -Huln "sport = :$SRV_PORT" | grep -q . && return 0
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.05
		done
		stop "$SRV_PID" any # lost the port to someone else: try another
	done
	return 1
}

part1() {
	local f t0 t1 c=(--alpn hq-interop --cacert "$CERTS/ca.pem" -m 30)

	if ! build_peer "$srv" "$src/quic-hq-interop-server.c"; then
		skip_all "OpenSSL's server did not build" "${CASES1[@]}"
		return
	fi
	if ! srv_start; then
		start_failed "hq-interop: openssl server start" "$(tail -n 3 "$T/srv.log")"
		return
	fi
	for f in $SMALL big; do
		t0=$EPOCHREALTIME
		q "${c[@]}" localhost "$SRV_PORT" "/$f"
		t1=$EPOCHREALTIME
		expect "hq-interop: qget <- openssl: $f: exit 0" 0 &&
			same "hq-interop: qget <- openssl: $f: SHA-256" "$R/$f" "$T/out"
		if [ "$f" = big ]; then
			echo "    50 MiB qget <- openssl hq server: $(secs "$t0" "$t1") s"
		fi
	done

	# On a path it cannot open the server logs "Unable to open", then goes
	# to done: SSL_stream_conclude(), a FIN after no data.  So qget must see
	# an empty but complete response: exit 0, empty body (not 7, not 8).
	q "${c[@]}" -v localhost "$SRV_PORT" /missing
	echo "    missing file: qget exit $RC, $(stat -c %s "$T/out") bytes;" \
		"$(grep -E 'received|closed|qget:' "$T/err" | tr '\n' ';')"
	expect "hq-interop: qget <- openssl: missing file: exit 0 (server sends FIN only)" 0
	if [ -s "$T/out" ]; then
		fail "hq-interop: qget <- openssl: missing file: empty body" "$(stat -c %s "$T/out") bytes"
	else
		pass "hq-interop: qget <- openssl: missing file: empty body"
	fi
	if grep -q 'Unable to open .*/missing' "$T/srv.log"; then
		pass "hq-interop: qget <- openssl: missing file: the server took that path"
	else
		: >"$T/err"
		fail "hq-interop: qget <- openssl: missing file: the server took that path" \
			"no 'Unable to open' in its log: $(tail -n 2 "$T/srv.log" | tr '\n' ' ')"
	fi

	# Many paths in one qget run: one connection, concurrent streams.
	mkdir -p "$T/many"
	many=()
	for f in $MANY big; do many+=("/$f"); done
	q "${c[@]}" --output-dir "$T/many" --remote-name-all localhost "$SRV_PORT" "${many[@]}"
	expect "hq-interop: qget <- openssl: 50 small files and 50 MiB over one connection: exit 0" 0
	bad=0
	for f in $MANY big; do cmp -s "$R/$f" "$T/many/$f" || bad=$((bad + 1)); done
	if [ $bad -eq 0 ]; then
		pass "hq-interop: qget <- openssl: one connection: every file byte-exact"
	else
		fail "hq-interop: qget <- openssl: one connection: every file byte-exact" "$bad differ"
	fi

	if have_ipv6; then
		q "${c[@]}" ::1 "$SRV_PORT" /b65537
		expect "hq-interop: qget <- openssl: ipv6 ::1: exit 0" 0 &&
			same "hq-interop: qget <- openssl: ipv6 ::1: SHA-256" "$R/b65537" "$T/out"
	else
		skip "hq-interop: qget <- openssl: ipv6 ::1" "no IPv6 loopback"
	fi
	stop "$SRV_PID"
}

# ---- 2. OpenSSL's quic-hq-interop client -> qget-serve -------------------
# Usage: quic-hq-interop HOST PORT REQFILE.  REQFILE holds the names
# separated by single spaces (no newline: it splits on " " only; keep it
# under 1 KiB, it mis-terminates longer ones); it requests "GET /NAME\r\n"
# on one stream each, 25 at a time, all on one connection, and writes each
# body to /downloads/NAME: a path fixed in its source (the interop runner's
# container).  It verifies the server (SSL_VERIFY_PEER, the default store,
# so SSL_CERT_FILE; SSL_set1_host(HOST) takes an IP literal as an IP).
# Rather than touch the host's /, it runs chrooted in a private mount
# namespace: a tmpfs root with /usr and /etc bound read-only, the
# /bin /lib /lib64 symlinks, the peers as /peer, the request file and the
# CA as /in, and $T/dl as /downloads.  It exits 0 after some failures
# (e.g. a stream it could not open), so the SHA-256 checks are what count;
# on a reset stream it spins forever (it wants revents == R exactly), hence
# the time limit: exit 124 means it hung.
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

in_chroot() { # SECONDS CMD ARGS...
	local limit=$1
	shift
	mkdir -p "$T/croot" "$T/in" "$T/dl"
	PEERS=$top/$BUILD/peers IN=$T/in DL=$T/dl SSL_CERT_FILE=/in/ca.pem \
		timeout "$limit" unshare -m sh -c "$chroot_sh" sh "$T/croot" "$@"
}

# Can we?  The client run without arguments prints its usage.
can_chroot() {
	[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
		command -v chroot >/dev/null || return 1
	in_chroot 10 /peer/quic-hq-interop >/dev/null 2>"$T/chroot.log"
	grep -q '^Usage: quic-hq-interop' "$T/chroot.log"
}

# hq_client HOST PORT NAMES: one client run; RC, stderr in $T/err, CLI_SECS.
hq_client() {
	local host=$1 port=$2 t0
	shift 2
	rm -f "$T/dl"/*
	printf '%s' "$*" >"$T/in/req"
	t0=$EPOCHREALTIME
	in_chroot 25 /peer/quic-hq-interop "$host" "$port" /in/req >"$T/cli.out" 2>"$T/err"
	RC=$?
	CLI_SECS=$(secs "$t0" "$EPOCHREALTIME")
}

part2() {
	local f bad n

	if ! build_peer "$cli" "$src/quic-hq-interop.c"; then
		skip_all "OpenSSL's client did not build" "${CASES2[@]}"
		return
	fi
	mkdir -p "$T/in" && cp "$CERTS/ca.pem" "$T/in/ca.pem"
	if ! can_chroot; then
		skip_all "cannot give OpenSSL's client its fixed /downloads (needs root, unshare -m, mount, chroot): $(tail -n 1 "$T/chroot.log" 2>/dev/null)" \
			"${CASES2[@]}"
		return
	fi
	serve hq --alpn hq-interop -v || return

	hq_client 127.0.0.1 "$PORT" big
	expect "hq-interop: openssl client <- qget-serve: big: client exit 0" 0
	same "hq-interop: openssl client <- qget-serve: big: SHA-256" "$R/big" "$T/dl/big"
	echo "    50 MiB openssl hq client <- qget-serve: $CLI_SECS s (client reads 160 B at a time, busy-polls)"

	# shellcheck disable=SC2086 # word lists
	hq_client 127.0.0.1 "$PORT" $SMALL $MANY
	n=$(wc -w <"$T/in/req")
	expect "hq-interop: openssl client <- qget-serve: $n files in one run: client exit 0" 0
	for f in $SMALL; do
		same "hq-interop: openssl client <- qget-serve: $f: SHA-256" "$R/$f" "$T/dl/$f"
	done
	bad=
	n=0
	for f in $MANY; do
		if [ -f "$T/dl/$f" ] && [ "$(sha "$R/$f")" = "$(sha "$T/dl/$f")" ]; then
			n=$((n + 1))
		else
			bad="$bad $f"
		fi
	done
	if [ -z "$bad" ]; then
		pass "hq-interop: openssl client <- qget-serve: 50 x 1 KiB in one connection: SHA-256 ($n files)"
	else
		fail "hq-interop: openssl client <- qget-serve: 50 x 1 KiB in one connection: SHA-256" \
			"missing or different:$bad"
	fi
	HQ_PID=$SERVER_PID

	if have_ipv6; then
		serve hq6 --alpn hq-interop --addr ::1 -v || return
		hq_client ::1 "$PORT" b65537 k4
		expect "hq-interop: openssl client <- qget-serve: ipv6 ::1: client exit 0" 0
		for f in b65537 k4; do
			same "hq-interop: openssl client <- qget-serve: ipv6 ::1 $f: SHA-256" "$R/$f" "$T/dl/$f"
		done
		stop "$SERVER_PID"
	else
		skip "hq-interop: openssl client <- qget-serve: ipv6 ::1" "no IPv6 loopback"
	fi

	if kill -0 "$HQ_PID" 2>/dev/null; then
		pass "hq-interop: openssl client <- qget-serve: server alive"
	else
		: >"$T/err"
		fail "hq-interop: openssl client <- qget-serve: server alive" \
			"qget-serve exited: $(tail -n 3 "$T/hq.log" | tr '\n' ' ')"
	fi
	stop "$HQ_PID"
}

part1
part2
exit 0
