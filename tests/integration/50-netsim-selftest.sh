#!/usr/bin/env bash
# Self-test of qget-netsim: a UDP echo server and client (python3) talk
# through the relay on loopback, with fixed seeds, and each check compares
# what the client saw with the relay's own counters (--stats JSON).
# Prints one line per check: "PASS name", "FAIL name: why", "SKIP name: why".
#
# Environment: BUILD (default build), NETSIM (default $BUILD/qget-netsim).
# Timing checks only ever assert lower bounds on time; the rate check's
# upper bound on bytes uses the client's measured run time, which a slow
# machine only lengthens.
# The harness (tests/lib.sh) gives $T, and stops and checks every process
# registered with track at exit (exit status, sanitizer reports); this
# script names its own results "netsim/...".
. "$(dirname "$0")/../lib.sh"
NETSIM=${NETSIM:-$BUILD/qget-netsim}
case $NETSIM in /*) ;; *) NETSIM=$top/$NETSIM ;; esac
PY=/usr/bin/python3

pass() { echo "PASS netsim/$1"; }
fail() {
	echo "FAIL netsim/$1: $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		tail -n 5 "$3" | sed 's/^/    stderr: /'
	fi
}
skip() { echo "SKIP netsim/$1: $2"; }

if [ ! -x "$NETSIM" ]; then
	skip all "$NETSIM is not built"
	exit 0
fi
if [ ! -x "$PY" ]; then
	skip all "$PY is missing"
	exit 0
fi

# The echo server, the client, and the checks.
cat >"$T/udp.py" <<'EOF'
import json, os, select, socket, sys, time

def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET

def payload(tag, seq, size):
    head = b"%s:%06d:" % (tag.encode(), seq)
    body = bytes((seq * 7 + i) & 0xFF for i in range(max(0, size - len(head))))
    return head + body

def echo(host, portfile):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((host, 0))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        data, addr = s.recvfrom(65535)
        s.sendto(data, addr)

def send(host, port, count, pps, size, tag, wait, before, after, out):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.connect((host, port))
    s.setblocking(False)
    t0 = time.monotonic()
    sent_at, got, seen = {}, [], set()
    dups = bad = inversions = 0
    top = -1
    seq = 0
    last = None
    while True:
        now = time.monotonic()
        if seq < count:
            due = t0 + seq / pps if pps > 0 else now
            if now >= due:
                s.send(payload(tag, seq, size))
                sent_at[seq] = now - t0
                seq += 1
                if pps <= 0:
                    continue
                now = time.monotonic()
            timeout = max(0.0, due - now) if seq < count else wait
        else:
            if last is None:
                last = now
            timeout = last + wait - now
            if timeout <= 0:
                break
        r, _, _ = select.select([s], [], [], timeout)
        while r:
            try:
                data = s.recv(65535)
            except BlockingIOError:
                break
            try:
                t, n, _ = data.split(b":", 2)
                n = int(n)
                ok = t.decode() == tag and data == payload(tag, n, size)
            except Exception:
                ok = False
            if not ok:
                bad += 1
            elif n in seen:
                dups += 1
            else:
                seen.add(n)
                got.append(n)
                if n < top:
                    inversions += 1
                top = max(top, n)
            if seq >= count:
                last = time.monotonic()
    lost = [n for n in range(count) if n not in seen]
    runs = sum(1 for i, n in enumerate(lost) if i == 0 or lost[i - 1] != n - 1)
    res = {
        "sent": count, "unique": len(seen), "dups": dups, "bad": bad,
        "received": len(seen) + dups + bad, "inversions": inversions,
        "ok_before": sum(1 for n in seen if sent_at[n] < before),
        "lost_after": sum(1 for n in lost if sent_at[n] >= after),
        "sent_after": sum(1 for n in range(count) if sent_at[n] >= after),
        "mean_burst": len(lost) / runs if runs else 0.0,
    }
    with open(out, "w") as f:
        json.dump(res, f)

def ping(host, port, count, out):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.connect((host, port))
    rtts = []
    for i in range(count):
        t = time.monotonic()
        s.send(payload("ping", i, 64))
        s.settimeout(2.0)
        try:
            while s.recv(65535) != payload("ping", i, 64):
                pass
            rtts.append(time.monotonic() - t)
        except socket.timeout:
            pass
    with open(out, "w") as f:
        json.dump({"replies": len(rtts),
                   "min_rtt_ms": min(rtts) * 1000 if rtts else -1}, f)

def head(host, port, count, size, out):
    """Each datagram once through an up-corrupting relay and back: how
    many bytes differ in each echo, and where."""
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(2.0)
    diffs, where, lost = [], set(), 0
    for i in range(count):
        sent = payload("head", i, size)
        s.send(sent)
        try:
            got = s.recv(65535)
        except socket.timeout:
            lost += 1
            continue
        d = [k for k in range(len(sent)) if k >= len(got) or got[k] != sent[k]]
        diffs.append(len(d) + abs(len(got) - len(sent)))
        where.update(d)
    with open(out, "w") as f:
        json.dump({"echoes": len(diffs), "lost": lost,
                   "one_byte_each": all(x == 1 for x in diffs),
                   "max_at": max(where) if where else -1,
                   "places": len(where)}, f)

def check(expr, files):
    env = {}
    for name, path in files:
        with open(path) as f:
            env[name] = json.load(f)
    if "s" in env:
        env["up"], env["down"] = env["s"]["up"], env["s"]["down"]
    if not eval("(" + expr + ")", {}, env):
        print("%s is false with %s" % (expr, json.dumps(env, sort_keys=True)))
        sys.exit(1)

cmd = sys.argv[1]
a = sys.argv[2:]
if cmd == "echo":
    echo(a[0], a[1])
elif cmd == "send":
    send(a[0], int(a[1]), int(a[2]), float(a[3]), int(a[4]), a[5],
         float(a[6]), float(a[7]), float(a[8]), a[9])
elif cmd == "ping":
    ping(a[0], int(a[1]), int(a[2]), a[3])
elif cmd == "head":
    head(a[0], int(a[1]), int(a[2]), int(a[3]), a[4])
elif cmd == "check":
    check(a[0], [x.split("=", 1) for x in a[1:]])
EOF

wait_port() { # file pid
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# echo_start HOST: sets EPORT.
echo_start() {
	rm -f "$T/echo.port"
	"$PY" "$T/udp.py" echo "$1" "$T/echo.port" 2>"$T/echo.err" &
	track $! "python3 udp echo server" "$T/echo.err"
	wait_port "$T/echo.port" $! || return 1
	EPORT=$(cat "$T/echo.port")
}

# relay NAME ARGS...: a relay on a free port of 127.0.0.1 in front of the
# echo server; sets RPORT and RPID.  Its stderr: $T/NAME.err.
relay() {
	local name=$1
	shift
	rm -f "$T/$name.port" "$T/$name.json"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$EPORT" \
		--port-file "$T/$name.port" --stats "$T/$name.json" \
		--duration 60 "$@" 2>"$T/$name.err" &
	RPID=$!
	track "$RPID" "qget-netsim relay $name" "$T/$name.err" 0
	if ! wait_port "$T/$name.port" $RPID; then
		fail "$name" "relay did not start" "$T/$name.err"
		return 1
	fi
	RPORT=$(cat "$T/$name.port")
}

# relay_stop NAME: SIGTERM, then the relay must exit 0 with no sanitizer
# report (proc_check's FAIL lines say otherwise) and its stats written.
relay_stop() {
	local rc
	kill -TERM "$RPID" 2>/dev/null
	wait "$RPID"
	rc=$?
	proc_check "$RPID" "$rc" 0 || return 1
	if [ ! -s "$T/$1.json" ]; then
		fail "$1" "no stats file" "$T/$1.err"
		return 1
	fi
}

# client NAME COUNT PPS SIZE [WAIT BEFORE AFTER]: the client's summary in
# $T/NAME.client; CLIENT_SECS: how long it ran (every datagram reached the
# relay within that time).
client() {
	local t0=$EPOCHREALTIME
	"$PY" "$T/udp.py" send 127.0.0.1 "$RPORT" "$2" "$3" "$4" "$1" \
		"${5:-0.3}" "${6:-0}" "${7:-1e9}" "$T/$1.client"
	CLIENT_SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
}

# check NAME EXPR: EXPR over up and down (the relay's counters) and cl
# (the client's summary).
check() {
	local why
	if why=$("$PY" "$T/udp.py" check "$2" s="$T/$1.json" cl="$T/$1.client" 2>&1); then
		pass "$1"
	else
		fail "$1" "$why"
	fi
}

# run NAME COUNT PPS SIZE WAIT BEFORE AFTER -- RELAY ARGS: one relay, one
# client.
run() {
	local name=$1 count=$2 pps=$3 size=$4 wt=$5 before=$6 after=$7
	shift 8
	relay "$name" "$@" || return 1
	client "$name" "$count" "$pps" "$size" "$wt" "$before" "$after"
	relay_stop "$name"
}

if ! echo_start 127.0.0.1; then
	fail echo "echo server did not start" "$T/echo.err"
	exit 0
fi

N=2000

run plain $N 10000 200 0.2 0 1e9 -- --seed 1 &&
check plain "cl['unique'] == $N and cl['bad'] == 0 and cl['dups'] == 0 and
	up['in'] == $N and up['forwarded'] == $N and up['dropped'] == 0 and
	down['forwarded'] == $N and up['bytes_out'] == up['bytes_in']"

run loss $N 10000 200 0.2 0 1e9 -- --seed 2 --loss 10 &&
check loss "0.05 * up['in'] <= up['loss'] <= 0.15 * up['in'] and
	0.05 * down['in'] <= down['loss'] <= 0.15 * down['in'] and
	down['in'] == up['forwarded'] and cl['unique'] == down['forwarded'] and
	up['in'] == up['forwarded'] + up['loss'] and cl['bad'] == 0"

run up-loss $N 10000 200 0.2 0 1e9 -- --seed 3 --loss 10 --up-loss 30 &&
check up-loss "0.25 * up['in'] <= up['loss'] <= 0.35 * up['in'] and
	0.05 * down['in'] <= down['loss'] <= 0.15 * down['in']"

run ge $N 10000 200 0.2 0 1e9 -- --seed 4 --up-ge 2,20 &&
check ge "up['loss'] > 0 and cl['mean_burst'] > 2 and
	down['loss'] == 0 and cl['unique'] == up['forwarded']"

run dup $N 10000 200 0.2 0 1e9 -- --seed 5 --up-dup 10 &&
check dup "cl['dups'] == up['duplicated'] > 0.05 * $N and
	up['forwarded'] == $N + up['duplicated'] and cl['unique'] == $N"

run corrupt $N 10000 200 0.2 0 1e9 -- --seed 6 --up-corrupt 10 &&
check corrupt "cl['bad'] == up['corrupted'] > 0.05 * $N and
	cl['unique'] + cl['bad'] == $N and down['corrupted'] == 0"

# --corrupt-head 8: the one byte overwritten (with another value, so every
# corrupted datagram differs) is among the first 8, as the QUIC interop
# runner's corruption hits the QUIC header.
if relay corrupt-head --seed 17 --up-corrupt 100 --corrupt-head 8; then
	"$PY" "$T/udp.py" head 127.0.0.1 "$RPORT" 300 200 "$T/corrupt-head.client"
	relay_stop corrupt-head &&
	if "$PY" "$T/udp.py" check "h['echoes'] == 300 and h['one_byte_each'] and
		h['max_at'] == 7 and h['places'] == 8 and up['corrupted'] == 300 and
		down['corrupted'] == 0" h="$T/corrupt-head.client" s="$T/corrupt-head.json" \
		>"$T/why" 2>&1; then
		pass corrupt-head
	else
		fail corrupt-head "$(cat "$T/why")" "$T/corrupt-head.err"
	fi
fi

run reorder $N 10000 200 0.2 0 1e9 -- --seed 7 --up-reorder 10 &&
check reorder "up['reordered'] > 0.05 * $N and cl['inversions'] > 0 and
	cl['unique'] == $N"

# Jitter varies the delay but keeps the order (reordering is --reorder's).
run jitter 500 2000 200 0.5 0 1e9 -- --seed 8 --delay 20 --jitter 15 &&
check jitter "cl['unique'] == 500 and cl['inversions'] == 0"

# A burst of 2000 datagrams of 1000 bytes (2 MB, as fast as the client can)
# against 200 kB/s and a 20 kB queue: most must be tail-dropped.  What
# passes can be no more than the queue plus the rate times the time the
# datagrams took to arrive, which is within the client's run (CLIENT_SECS,
# under a second: about 0.2 MB allowed of the 2 MB sent), and no less than
# a full queue.
run rate $N 0 1000 0.5 0 1e9 -- --seed 9 --up-rate 200000 --up-queue 20000 &&
echo "    rate: client ran $CLIENT_SECS s; relay forwarded $("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["up"]["bytes_out"])' "$T/rate.json") of $((N * 1000)) bytes" &&
check rate "up['queue'] > 0 and up['forwarded'] > 0 and
	up['in'] == up['forwarded'] + up['queue'] and
	19000 <= up['bytes_out'] <= 20000 + 200000 * $CLIENT_SECS and
	up['bytes_out'] < $N * 1000 / 4"

# 200 datagrams per second for 1.6 s.  The relay starts a little before
# the client, so sends before 0.4 s (client time) fall into the blackhole
# and sends after 1.3 s must all come back.
run blackhole 320 200 100 0.3 0.4 1.3 -- --seed 10 --blackhole 0-1 &&
check blackhole "up['blackhole'] > 0 and cl['ok_before'] == 0 and
	cl['sent_after'] > 0 and cl['lost_after'] == 0"

run blackhole-from 320 200 100 0.3 0.4 1.3 -- --seed 11 --down-blackhole-from 1 &&
check blackhole-from "down['blackhole'] > 0 and up['blackhole'] == 0 and
	cl['ok_before'] > 0 and cl['sent_after'] > 0 and
	cl['lost_after'] == cl['sent_after']"

# 30% loss while the handshake would run, none afterwards.
run impair-until 320 200 100 0.3 0.4 1.3 -- --seed 12 --loss 30 --impair-until 1 &&
check impair-until "up['loss'] > 0 and cl['sent_after'] > 0 and
	cl['lost_after'] == 0"

# Same seed, same datagrams: the same counters.
run seed-a $N 10000 200 0.2 0 1e9 -- --seed 99 --loss 10 --dup 5 --corrupt 5 --reorder 5 &&
run seed-b $N 10000 200 0.2 0 1e9 -- --seed 99 --loss 10 --dup 5 --corrupt 5 --reorder 5 &&
if cmp -s "$T/seed-a.json" "$T/seed-b.json"; then
	pass seed-replay
else
	fail seed-replay "$(cat "$T/seed-a.json") vs $(cat "$T/seed-b.json")"
fi
if grep -q '^qget-netsim: seed 99$' "$T/seed-a.err"; then
	pass seed-printed
else
	fail seed-printed "no 'seed 99' line" "$T/seed-a.err"
fi
if grep -qE '^qget-netsim: up: in [0-9]+ forwarded [0-9]+ dropped [0-9]+ \(loss' "$T/seed-a.err" &&
	grep -qE '^qget-netsim: down: in [0-9]+ ' "$T/seed-a.err"; then
	pass counter-lines
else
	fail counter-lines "no counter lines on stderr" "$T/seed-a.err"
fi

# A round trip crosses the delay twice.
if relay delay --seed 13 --delay 50; then
	"$PY" "$T/udp.py" ping 127.0.0.1 "$RPORT" 5 "$T/delay.ping"
	relay_stop delay &&
	if "$PY" "$T/udp.py" check "p['replies'] == 5 and p['min_rtt_ms'] >= 100" \
		p="$T/delay.ping" >"$T/why" 2>&1; then
		pass delay
	else
		fail delay "$(cat "$T/why")"
	fi
fi

# Two clients at once: each gets its own replies back, intact.
if relay clients --seed 14 -v; then
	"$PY" "$T/udp.py" send 127.0.0.1 "$RPORT" 1000 3000 300 one 0.3 0 1e9 "$T/one.client" &
	c1=$!
	"$PY" "$T/udp.py" send 127.0.0.1 "$RPORT" 1000 3000 300 two 0.3 0 1e9 "$T/two.client"
	wait $c1
	relay_stop clients &&
	if "$PY" "$T/udp.py" check "a['unique'] == 1000 and b['unique'] == 1000 and
		a['bad'] == 0 and b['bad'] == 0" a="$T/one.client" b="$T/two.client" \
		>"$T/why" 2>&1 &&
		[ "$(grep -c ': mapped' "$T/clients.err")" -eq 2 ]; then
		pass clients
	else
		fail clients "$(cat "$T/why")" "$T/clients.err"
	fi
fi

# --duration ends the relay by itself, with its counters.
start=$(date +%s)
"$NETSIM" --listen 127.0.0.1:0 --to 127.0.0.1:9 --duration 1 --seed 15 \
	2>"$T/duration.err" &
pid=$!
track $pid "qget-netsim --duration 1" "$T/duration.err" 0
for i in $(seq 1 100); do
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $pid 2>/dev/null; then
	fail duration "still running after 10 s" "$T/duration.err"
else
	wait $pid
	rc=$?
	if ! proc_check $pid $rc 0; then
		: # its FAIL line is out
	elif [ $rc -eq 0 ] && grep -q '^qget-netsim: down: in 0 ' "$T/duration.err" &&
		[ $(( $(date +%s) - start )) -ge 1 ]; then
		pass duration
	else
		fail duration "exit $rc" "$T/duration.err"
	fi
fi

# IPv6 loopback, when there is one.
if "$PY" -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
	rm -f "$T/v6.port"
	"$NETSIM" --listen '[::1]:0' --to "127.0.0.1:$EPORT" --port-file "$T/v6.port" \
		--seed 16 2>"$T/v6.err" &
	pid=$!
	track $pid "qget-netsim relay ipv6" "$T/v6.err" 0
	if wait_port "$T/v6.port" $pid; then
		"$PY" "$T/udp.py" send ::1 "$(cat "$T/v6.port")" 200 2000 100 v6 0.3 0 1e9 "$T/v6.client"
		stop $pid
		if "$PY" "$T/udp.py" check "c['unique'] == 200" c="$T/v6.client" >"$T/why" 2>&1; then
			pass ipv6
		else
			fail ipv6 "$(cat "$T/why")" "$T/v6.err"
		fi
	else
		fail ipv6 "relay did not start on [::1]" "$T/v6.err"
	fi
else
	skip ipv6 "no IPv6 loopback"
fi

# Usage errors: exit 2 and one line on stderr.
bad=0
why=
while IFS= read -r args; do
	eval "set -- $args"
	"$NETSIM" "$@" >/dev/null 2>"$T/usage.err"
	rc=$?
	if [ $rc -ne 2 ] || [ "$(wc -l <"$T/usage.err")" -ne 1 ]; then
		bad=1
		why="$why [$args: exit $rc, $(wc -l <"$T/usage.err") lines]"
	fi
done <<'EOF'
--to 127.0.0.1:1
--listen 127.0.0.1:0
--listen 127.0.0.1 --to 127.0.0.1:1
--listen 127.0.0.1:0 --to 127.0.0.1:0
--listen localhost:0 --to 127.0.0.1:1
--listen [::1:0 --to 127.0.0.1:1
--listen 127.0.0.1:65536 --to 127.0.0.1:1
--listen 127.0.0.1:0 --to 127.0.0.1:1 --loss 101
--listen 127.0.0.1:0 --to 127.0.0.1:1 --loss -1
--listen 127.0.0.1:0 --to 127.0.0.1:1 --loss nan
--listen 127.0.0.1:0 --to 127.0.0.1:1 --loss 5x
--listen 127.0.0.1:0 --to 127.0.0.1:1 --loss ' 5'
--listen 127.0.0.1:0 --to 127.0.0.1:1 --up-loss ''
--listen 127.0.0.1:0 --to 127.0.0.1:1 --ge 1
--listen 127.0.0.1:0 --to 127.0.0.1:1 --ge 1,2,3,4,5
--listen 127.0.0.1:0 --to 127.0.0.1:1 --ge 1,,2
--listen 127.0.0.1:0 --to 127.0.0.1:1 --blackhole 2-1
--listen 127.0.0.1:0 --to 127.0.0.1:1 --blackhole 2
--listen 127.0.0.1:0 --to 127.0.0.1:1 --rate 1.5
--listen 127.0.0.1:0 --to 127.0.0.1:1 --queue 0
--listen 127.0.0.1:0 --to 127.0.0.1:1 --corrupt-head 0
--listen 127.0.0.1:0 --to 127.0.0.1:1 --corrupt-head 65536
--listen 127.0.0.1:0 --to 127.0.0.1:1 --up-corrupt-head 8x
--listen 127.0.0.1:0 --to 127.0.0.1:1 --pcap-client a --pcap-server a
--listen 127.0.0.1:0 --to 127.0.0.1:1 --seed -1
--listen 127.0.0.1:0 --to 127.0.0.1:1 --duration 0
--listen 127.0.0.1:0 --to 127.0.0.1:1 --duration inf
--listen 127.0.0.1:0 --to 127.0.0.1:1 --delay
--listen 127.0.0.1:0 --to 127.0.0.1:1 --bogus
--listen 127.0.0.1:0 --to 127.0.0.1:1 extra
EOF
if [ $bad -eq 0 ]; then
	pass usage-errors
else
	fail usage-errors "$why"
fi

if "$NETSIM" --help >"$T/help.out" 2>"$T/help.err" && grep -q -- '--blackhole' "$T/help.out" &&
	[ ! -s "$T/help.err" ]; then
	pass help
else
	fail help "--help did not print usage on stdout with exit 0"
fi
exit 0
