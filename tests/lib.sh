# Shared helpers for the integration scripts: start servers on loopback
# with a free port, run qget, check exit codes, messages and bytes.
# Each script sources this, runs cases, and prints PASS/FAIL/SKIP lines.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
CERTS=$top/$BUILD/certs
T=$(mktemp -d "${TMPDIR:-/tmp}/qget-test.XXXXXX")
PIDS=()

# qget, possibly under valgrind: a memcheck error becomes exit 99.
QGET=("$top/$BUILD/qget")
if [ -n "${QGET_VALGRIND:-}" ]; then
	QGET=(valgrind -q --error-exitcode=99 --leak-check=full
		--errors-for-leak-kinds=definite,indirect "$top/$BUILD/qget")
fi

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"
	if [ -s "$T/err" ]; then tail -n 5 "$T/err" | sed 's/^/    stderr: /'; fi
}
skip() { echo "SKIP $1: $2"; }

# serve NAME [qget-serve args...]: starts a server on a free port of
# 127.0.0.1 (unless --addr is given); sets PORT.  Its log: $T/NAME.log.
serve() {
	local name=$1 i
	shift
	rm -f "$T/$name.port"
	"$top/$BUILD/qget-serve" --cert "$CERTS/server.pem" --key "$CERTS/server.key" \
		--root "$T/root" --port 0 --port-file "$T/$name.port" "$@" \
		>"$T/$name.log" 2>&1 &
	PIDS+=($!)
	SERVER_PID=$!
	for i in $(seq 1 100); do
		[ -s "$T/$name.port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	PORT=$(cat "$T/$name.port" 2>/dev/null)
	if [ -z "$PORT" ]; then
		echo "FAIL serve $name: qget-serve did not start"
		sed 's/^/    /' "$T/$name.log"
		return 1
	fi
}

stop() { # pid
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# q ARGS...: runs qget; stdout in $T/out, stderr in $T/err, exit code in RC.
q() {
	"${QGET[@]}" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# Sanitizer and valgrind reports fail any case, whatever the exit code.
clean_run() {
	! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|Invalid (read|write)|definitely lost' "$T/err"
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
