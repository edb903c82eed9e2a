# Shared helpers for the integration scripts: start servers on loopback
# with a free port, run qget, check exit codes, messages and bytes.
# Each script sources this, runs cases, and prints PASS/FAIL/SKIP lines
# (and RETRY lines: a case tried once more after a known fault of a peer,
# see retry_ok).
#
# Every background process a script starts is registered with track (serve
# does it itself) and checked when it ends, by stop or, for those still
# running when the script exits, by the EXIT trap: its exit status must be
# one it is allowed to end with, and its log must hold no sanitizer report.
# Either failing prints a FAIL line naming the process, so a server's
# AddressSanitizer, LeakSanitizer or UBSan report fails the run even when
# every client-side check passed.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
CERTS=$top/$BUILD/certs
T=$(mktemp -d "${TMPDIR:-/tmp}/qget-test.XXXXXX")
PIDS=()
declare -A PROC_NAME=() PROC_LOG=() PROC_OK=()

# qget, possibly under valgrind: a memcheck error becomes exit 99.
QGET=("$top/$BUILD/qget")
if [ -n "${QGET_VALGRIND:-}" ]; then
	QGET=(valgrind -q --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite,indirect "$top/$BUILD/qget")
fi

# What a sanitizer prints when it reports (ASan, LSan, UBSan; the SUMMARY
# line also covers a report whose first line was cut).
SAN_RE='ERROR: [A-Za-z]*Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'

# san_report FILE: FILE holds a sanitizer report.
san_report() {
	[ -f "$1" ] && grep -qE "$SAN_RE" "$1"
}

# track PID NAME [LOG [STATUS...]]: PID is a background process this
# script started, NAME says which (for FAIL lines), LOG is the file its
# stdout and stderr go to ("" for none), and STATUS... are the exit
# statuses it may end with when stopped (default: 0, what qget-serve and
# qget-netsim return on SIGTERM, and 143, a program without a SIGTERM
# handler; "any" accepts every status).  A PID put in PIDS by hand is
# checked too, as "process PID", with the default statuses.
track() {
	local pid=$1 name=$2 log=${3:-}
	shift 2
	[ $# -gt 0 ] && shift
	PIDS+=("$pid")
	PROC_NAME[$pid]=$name
	PROC_LOG[$pid]=$log
	PROC_OK[$pid]=${*:-0 143}
}

tracked() { # PID
	local p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] && return 0; done
	return 1
}

forget() { # PID
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
	unset "PROC_NAME[$1]" "PROC_LOG[$1]" "PROC_OK[$1]"
}

# proc_check PID RC [STATUS...]: the tracked process PID ended with RC.
# Prints a FAIL line (and returns 1) if its log holds a sanitizer report or
# RC is not among STATUS... (default: those given to track); forgets PID.
proc_check() {
	local pid=$1 rc=$2 name log ok bad=0
	shift 2
	name=${PROC_NAME[$pid]:-process $pid}
	log=${PROC_LOG[$pid]:-}
	if [ $# -gt 0 ]; then ok=$*; else ok=${PROC_OK[$pid]:-0 143}; fi
	forget "$pid"
	if [ -n "$log" ] && san_report "$log"; then
		echo "FAIL $name: sanitizer report in its log ($(basename "$log"))"
		grep -m 3 -E "$SAN_RE" "$log" | sed 's/^/    /'
		bad=1
	fi
	case " $ok " in
	*" any "* | *" $rc "*) ;;
	*)
		echo "FAIL $name: exited $rc (expected: ${ok// / or })"
		[ -n "$log" ] && [ -s "$log" ] && tail -n 3 "$log" | sed 's/^/    log: /'
		bad=1
		;;
	esac
	return $bad
}

# stop PID [STATUS...]: SIGTERM, wait (10 s, then SIGKILL), then check the
# process as proc_check does (STATUS... overrides what track was told).
# Always returns 0: a problem is a FAIL line.
stop() {
	local pid=$1 rc i
	shift
	kill "$pid" 2>/dev/null
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		echo "FAIL ${PROC_NAME[$pid]:-process $pid}: still running 10 s after SIGTERM"
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	tracked "$pid" && proc_check "$pid" "$rc" "$@"
	return 0
}

# start_failed NAME WHY: a server or relay the following cases need did
# not start.  A FAIL line, and the script will exit non-zero whatever it
# does next (the EXIT trap sees to it), so cases skipped for want of the
# server never pass silently: tests/run counts the script's exit as one
# more failure.
START_FAILED=
start_failed() {
	echo "FAIL $1: $2"
	START_FAILED=1
}

# At exit: every process still running is stopped and checked, so a
# server the script never stopped is checked as well; the FAIL lines
# printed here still reach tests/run (they go to the script's stdout).
cleanup() {
	local p rc list=("${PIDS[@]}")
	for p in "${list[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${list[@]}"; do
		wait "$p" 2>/dev/null
		rc=$?
		proc_check "$p" "$rc"
	done
	rm -rf "$T"
	if [ -n "$START_FAILED" ]; then exit 1; fi
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"
	if [ -s "$T/err" ]; then tail -n 5 "$T/err" | sed 's/^/    stderr: /'; fi
}
skip() { echo "SKIP $1: $2"; }

# Retries.  A case may be tried a second time only when its first attempt
# failed of a known fault of the peer that the peer's own log shows (the
# caller greps that log for the signature and quotes it as WHY); never on
# qget's exit code alone.  Each case gets one retry at most (the second
# attempt's result is final), and a script at most RETRY_MAX (2) in a run:
# beyond that a retry is a FAIL.  tests/run counts RETRY lines apart.
RETRIES=0
RETRY_MAX=${RETRY_MAX:-2}
# retry_ok NAME WHY: prints "RETRY NAME: WHY" and returns 0, or, when the
# script has used up its retries, prints a FAIL line and returns 1.
retry_ok() {
	if [ "$RETRIES" -ge "$RETRY_MAX" ]; then
		echo "FAIL $1: would need a retry ($2), but this script already used its $RETRY_MAX"
		return 1
	fi
	RETRIES=$((RETRIES + 1))
	echo "RETRY $1: $2"
}

# serve NAME [qget-serve args...]: starts a server on a free port of
# 127.0.0.1 (unless --addr is given); sets PORT and SERVER_PID.  Its log:
# $T/NAME.log.  It must exit 0 when stopped.  If it does not start, that
# is a FAIL line and serve returns 1: a script then exits 1 (serve ... ||
# exit 1), which tests/run counts as one more failure, so the cases it
# could not run do not vanish silently.
serve() {
	local name=$1 i
	shift
	rm -f "$T/$name.port"
	"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--root "$T/root" --port 0 --port-file "$T/$name.port" "$@" \
		>"$T/$name.log" 2>&1 &
	SERVER_PID=$!
	track "$SERVER_PID" "qget-serve $name" "$T/$name.log" 0
	for i in $(seq 1 100); do
		[ -s "$T/$name.port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(cat "$T/$name.port" 2>/dev/null)
	if [ -z "$PORT" ]; then
		start_failed "serve $name" "qget-serve did not start"
		sed 's/^/    /' "$T/$name.log"
		stop "$SERVER_PID" any
		return 1
	fi
}

# q ARGS...: runs qget; stdout in $T/out, stderr in $T/err, exit code in RC.
q() {
	"${QGET[@]}" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# Sanitizer and valgrind reports fail any case, whatever the exit code.
# clean_run [FILE]: FILE (default $T/err, qget's stderr) holds no report.
clean_run() {
	! grep -qE "$SAN_RE"'|Invalid (read|write)|definitely lost' "${1:-$T/err}"
}

# expect NAME CODE [ERE that stderr must match]
expect() {
	local name=$1 code=$2 pat=${3:-}
	if ! clean_run; then
		fail "$name" "memory error reported"
	elif [ "$RC" -ne "$code" ]; then
		fail "$name" "exit $RC, expected $code"
	elif [ -n "$pat" ] && ! grep -qE "$pat" "$T/err"; then
		fail "$name" "stderr does not match /$pat/"
	else
		pass "$name"
	fi
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# log_wait FILE REGEX [SECONDS]: a server logs what happened after the
# client is gone (a close it received): wait until FILE has a line
# matching REGEX (grep -E), at most SECONDS (10), instead of a fixed
# sleep that a loaded machine outruns.  0 once it has.
log_wait() {
	local i n=$((${3:-10} * 10))
	for ((i = 0; i < n; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	grep -qE -- "$2" "$1" 2>/dev/null
}

# same NAME FILE_A FILE_B: byte-exact comparison by SHA-256.
same() {
	if [ ! -f "$3" ]; then
		fail "$1" "$3 missing"
	elif [ "$(sha "$2")" = "$(sha "$3")" ]; then
		pass "$1"
	else
		fail "$1" "SHA-256 differs ($(stat -c %s "$2") vs $(stat -c %s "$3") bytes)"
	fi
}

# no_leftovers NAME DIR: -o must leave neither a file nor a temporary.
no_leftovers() {
	if compgen -G "$2/*" >/dev/null; then
		fail "$1" "files left in $2: $(ls "$2" | tr '\n' ' ')"
	else
		pass "$1"
	fi
}

# Can we bind to ::1?  (Containers without IPv6 cannot.)
have_ipv6() {
	/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null
}

mkdir -p "$T/root"

# OpenSSL's HTTP/3 demo server, for the scripts that talk to it (75-h3.sh,
# 76-request.sh): $demo is the binary, $R the root it serves.
free_port4() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# demo_start: sets DEMO_PORT, DEMO_PID, and DEMO_FROM, the first line of
# $T/demo.log that is this instance's (every instance appends to it).
demo_start() {
	local i _
	for _ in 1 2 3; do
		DEMO_PORT=$(free_port4) || return 1
		DEMO_FROM=$(($(cat "$T/demo.log" 2>/dev/null | wc -l) + 1))
		FILEPREFIX=$R/ stdbuf -oL "$demo" "$DEMO_PORT" "$CERTS/server.pem" \
			"$CERTS/server.key" >>"$T/demo.log" 2>&1 &
		DEMO_PID=$!
		# No SIGTERM handler: stopped, it dies of the signal (143).
		track "$DEMO_PID" "openssl h3 demo server" "$T/demo.log" 143
		for i in $(seq 1 100); do
			ss -Huln "sport = :$DEMO_PORT" | grep -q . && return 0
			kill -0 "$DEMO_PID" 2>/dev/null || break
			sleep 0.05
		done
		stop "$DEMO_PID" any # lost the port to someone else: try another
	done
	return 1
}

# nginx, a real-world HTTP/3 server (tests/integration/31-nginx.sh):
# scripts/nginx-dep.sh builds it and make passes its path as QGET_NGINX.
# have_nginx: QGET_NGINX names an nginx binary.
have_nginx() {
	[ -n "${QGET_NGINX:-}" ] && [ -x "$QGET_NGINX" ]
}

# free_ports N: N port numbers free on 127.0.0.1 and ::1 (unless
# --no-ipv6 comes first), for UDP and TCP both, as nginx binds them.
free_ports() {
	/usr/bin/python3 - "$@" <<'PY'
import socket, sys
args = sys.argv[1:]
v6 = "--no-ipv6" not in args
n = int(args[-1])
found = []
while len(found) < n:
    held = []
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        held.append(s)
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        for fam, kind, addr in ((socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1"),
                                (socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                                (socket.AF_INET6, socket.SOCK_STREAM, "::1"))[: 3 if v6 else 1]:
            t = socket.socket(fam, kind)
            held.append(t)
            t.bind((addr, p))
        if p not in found:
            found.append(p)
    except OSError:
        pass
    finally:
        for s in held:
            s.close()
print(" ".join(map(str, found)))
PY
}

# nginx_start NAME [--no-ipv6]: starts nginx with scripts/nginx-conf.sh's
# configuration, serving $T/root (uploads under $T/root/up), one process
# in the foreground, its prefix (pid file, access.log, upload temp files)
# $T/nginx-NAME, its error log (stderr) $T/nginx-NAME.log.  Sets
# NGINX_PORT (h3 over QUIC, TLS over TCP), NGINX_HQPORT (hq-interop),
# NGINX_PID and NGINX_PREFIX.  It must exit 0 when stopped (nginx_stop).
# If it does not start, that is a FAIL line and nginx_start returns 1, as
# serve does.
nginx_start() {
	local name=$1 pfx=$T/nginx-$1 log=$T/nginx-$1.log ports i _
	shift
	NGINX_PREFIX=$pfx
	mkdir -p "$pfx"
	for _ in 1 2 3; do
		ports=$(free_ports "$@" 2) || break
		NGINX_PORT=${ports% *}
		NGINX_HQPORT=${ports#* }
		"$top/scripts/nginx-conf.sh" "$@" "$T/root" "$NGINX_PORT" \
			"$CERTS/server.pem" "$CERTS/server.key" "$NGINX_HQPORT" \
			>"$pfx/nginx.conf" 2>"$log" || break
		rm -f "$pfx/nginx.pid"
		"$QGET_NGINX" -p "$pfx/" -c "$pfx/nginx.conf" -e stderr >"$log" 2>&1 &
		NGINX_PID=$!
		track "$NGINX_PID" "nginx $name" "$log" 0
		# nginx writes its pid file once every socket is bound and
		# listening: from then on it answers.
		for i in $(seq 1 200); do
			[ "$(cat "$pfx/nginx.pid" 2>/dev/null)" = "$NGINX_PID" ] && return 0
			kill -0 "$NGINX_PID" 2>/dev/null || break
			sleep 0.05
		done
		stop "$NGINX_PID" any
		# Lost a port to someone else between free_ports and the bind:
		# try others.  Anything else is a failure to start.
		grep -q 'Address already in use' "$log" || break
	done
	start_failed "nginx $name" "did not start"
	sed 's/^/    /' "$log"
	return 1
}

# nginx_log_ok NAME: nginx's error log so far holds no [alert], [crit] or
# [emerg] line (nginx's own faults; client errors are [info]), else a FAIL
# line quoting them.
NGINX_BAD_RE='\[(alert|crit|emerg)\]'
nginx_log_ok() {
	local log=$T/nginx-$1.log
	if grep -qE "$NGINX_BAD_RE" "$log"; then
		echo "FAIL nginx $1: its error log reports:"
		grep -m 5 -E "$NGINX_BAD_RE" "$log" | sed 's/^/    /'
		return 1
	fi
}

# nginx_stop NAME: stops the nginx nginx_start NAME started last (as stop
# does: exit 0 expected), then checks its whole error log (nginx_log_ok).
nginx_stop() {
	stop "$NGINX_PID"
	nginx_log_ok "$1"
	return 0
}
