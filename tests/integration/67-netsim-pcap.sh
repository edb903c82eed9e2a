#!/usr/bin/env bash
# qget-netsim's packet captures (--pcap-client, --pcap-server): a qget
# download from qget-serve through a lossy relay, over IPv4 and once over
# IPv6, then both files read back with Python's struct module alone: the
# pcap headers, every record's IP and UDP headers (lengths, addresses and
# ports, the IPv4 header checksum, the IPv6 UDP checksum), the relay's
# counters (--stats) against the records, the loss between the two sides,
# the payloads themselves, and the server's bytes against the file.  Then
# the failures: a capture that cannot be created, one behind a symbolic
# link, one whose writes fail (RLIMIT_FSIZE).
. "$(dirname "$0")/../lib.sh"

NETSIM=$top/$BUILD/qget-netsim
PY=/usr/bin/python3
if [ ! -x "$NETSIM" ]; then
	skip "netsim pcap" "$NETSIM not built"
	exit 0
fi
R=$T/root
SIZE=1048576
head -c $SIZE /dev/urandom >"$R/1m"
CA=(--cacert "$CERTS/ca.pem")

# check.py CLIENT.pcap SERVER.pcap STATS.json LISTEN_IP LISTEN_PORT
#   SERVER_IP SERVER_PORT SIZE NAME: one PASS or FAIL line per check.
cat >"$T/check.py" <<'EOF'
import ipaddress, json, struct, sys

(cfile, sfile, stats, lip, lport, sip, sport, size, name) = sys.argv[1:]
lport, sport, size = int(lport), int(sport), int(size)
lip, sip = ipaddress.ip_address(lip).packed, ipaddress.ip_address(sip).packed

def result(what, why):
    if why:
        print("FAIL %s: %s: %s" % (name, what, why))
    else:
        print("PASS %s: %s" % (name, what))

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s

def read(path):
    """The records as (src, sport, dst, dport, payload); raises
    ValueError naming the first thing that is not as specified."""
    data = open(path, "rb").read()
    if len(data) < 24:
        raise ValueError("no global header (%d bytes)" % len(data))
    magic, vmaj, vmin, zone, sigfigs, snap, link = struct.unpack("<IHHiIII", data[:24])
    head = (magic, vmaj, vmin, zone, sigfigs, snap, link)
    if head != (0xA1B2C3D4, 2, 4, 0, 0, 262144, 101):
        raise ValueError("global header %r" % (head,))
    recs, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("record header cut at %d" % off)
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        where = "record %d at %d" % (len(recs), off)
        off += 16 + incl
        if len(pkt) != incl or incl != orig or usec >= 1000000 or sec == 0:
            raise ValueError("%s: incl %d orig %d (%d there), usec %d" %
                             (where, incl, orig, len(pkt), usec))
        v = pkt[0] >> 4
        if v == 4:
            ihl = (pkt[0] & 15) * 4
            tot, = struct.unpack("!H", pkt[2:4])
            if (ihl, tot, pkt[8], pkt[9]) != (20, incl, 64, 17):
                raise ValueError("%s: IPv4 IHL %d length %d TTL %d protocol %d" %
                                 (where, ihl, tot, pkt[8], pkt[9]))
            if csum(pkt[:20]) != 0xFFFF:
                raise ValueError("%s: IPv4 header checksum wrong" % where)
            src, dst, udp = pkt[12:16], pkt[16:20], pkt[20:]
        elif v == 6:
            plen, = struct.unpack("!H", pkt[4:6])
            if (plen, pkt[6], pkt[7]) != (incl - 40, 17, 64):
                raise ValueError("%s: IPv6 payload length %d next header %d hop limit %d" %
                                 (where, plen, pkt[6], pkt[7]))
            src, dst, udp = pkt[8:24], pkt[24:40], pkt[40:]
            pseudo = src + dst + struct.pack("!IxxxB", len(udp), 17)
            if udp[6:8] == b"\0\0" or csum(pseudo + udp) != 0xFFFF:
                raise ValueError("%s: UDP checksum wrong" % where)
        else:
            raise ValueError("%s: IP version %d" % (where, v))
        sp, dp, ulen, uck = struct.unpack("!HHHH", udp[:8])
        if ulen != len(udp) or (v == 4 and uck != 0):
            raise ValueError("%s: UDP length %d of %d, checksum %#x" %
                             (where, ulen, len(udp), uck))
        recs.append((src, sp, dst, dp, udp[8:]))
    return recs

try:
    crecs = read(cfile)
    srecs = read(sfile)
except (OSError, ValueError) as e:
    result("both captures are well-formed pcap", str(e))
    sys.exit(0)
result("both captures are well-formed pcap (%d and %d records)" % (len(crecs), len(srecs)), None)
if not crecs or not srecs:
    result("both captures hold records", "%d and %d" % (len(crecs), len(srecs)))
    sys.exit(0)
st = json.load(open(stats))
up, down = st["up"], st["down"]

# Client side: between one client and the relay's listening address.
lend = (lip, lport)
clients = {(r[0], r[1]) for r in crecs if (r[2], r[3]) == lend}
bad = [r[:4] for r in crecs if (r[0], r[1]) != lend and (r[2], r[3]) != lend]
from_c = [r[4] for r in crecs if (r[2], r[3]) == lend]
to_c = [r[4] for r in crecs if (r[0], r[1]) == lend]
result("client side: every record is from or to the relay's listening address, one client",
       bad and "foreign records %r" % bad[:2] or len(clients) != 1 and "clients %r" % clients)
result("client side: no record from the relay's address to itself",
       any((r[0], r[1]) == lend and (r[2], r[3]) == lend for r in crecs) and "found one")

# Server side: between the server and the relay's one socket for the client.
send = (sip, sport)
locals_ = {(r[2], r[3]) for r in srecs if (r[0], r[1]) == send} | \
          {(r[0], r[1]) for r in srecs if (r[2], r[3]) == send}
bad = [r[:4] for r in srecs if (r[0], r[1]) != send and (r[2], r[3]) != send]
to_s = [r[4] for r in srecs if (r[2], r[3]) == send]
from_s = [r[4] for r in srecs if (r[0], r[1]) == send]
result("server side: every record is from or to the server, from one relay socket",
       bad and "foreign records %r" % bad[:2] or len(locals_) != 1 and "relay ends %r" % locals_)
result("server side: the relay's socket is not its listening one",
       locals_ and lend in locals_ and "same as --listen")

# The relay's counters: received before, sent after the impairments.
want = [("datagrams from the client = up in", len(from_c), up["in"]),
        ("datagrams to the server = up forwarded", len(to_s), up["forwarded"]),
        ("datagrams from the server = down in", len(from_s), down["in"]),
        ("datagrams to the client = down forwarded", len(to_c), down["forwarded"]),
        ("bytes from the client = up bytes_in", sum(map(len, from_c)), up["bytes_in"]),
        ("bytes to the client = down bytes_out", sum(map(len, to_c)), down["bytes_out"])]
for what, got, exp in want:
    result("counters: " + what + " (%d)" % exp, got != exp and "%d in the capture" % got)

# Loss only: what passed is what came, in order, byte for byte.
def subseq(short, long):
    it = iter(long)
    return all(any(x == y for y in it) for x in short)

result("loss: no more datagrams to the server (%d) than from the client (%d)" % (len(to_s), len(from_c)),
       len(to_s) > len(from_c) and "more")
result("loss: the relay lost some (up %d, down %d), and exactly those are missing" % (up["loss"], down["loss"]),
       up["loss"] + down["loss"] == 0 and "none lost" or
       len(from_c) - len(to_s) != up["loss"] and "%d missing towards the server" % (len(from_c) - len(to_s)) or
       len(from_s) - len(to_c) != down["loss"] and "%d missing towards the client" % (len(from_s) - len(to_c)))
result("payloads: the server got a subsequence of what the client sent, unchanged",
       not subseq(to_s, from_c) and "not a subsequence")
result("payloads: the client got a subsequence of what the server sent, unchanged",
       not subseq(to_c, from_s) and "not a subsequence")
first = from_c[0] if from_c else b""
result("payloads: the first datagram is a QUIC v1 Initial of at least 1200 bytes",
       not (len(first) >= 1200 and first[0] & 0xF0 == 0xC0 and first[1:5] == b"\0\0\0\1")
       and "%d bytes, %s" % (len(first), first[:5].hex()))
got = sum(map(len, from_s))
result("payloads: the server sent at least the file (%d >= %d bytes)" % (got, size),
       got < size and "less")
EOF

# capture NAME FAMILY: a download of /1m through a relay with --loss 3
# and both captures, over IPv4 (FAMILY 4, 127.0.0.1) or IPv6 (6, ::1),
# then the checks.
capture() {
	local name=$1 fam=$2 ip rport i
	ip=127.0.0.1
	[ "$fam" = 6 ] && ip=::1
	serve "$name" --addr "$ip" || return 1
	local sport=$PORT spid=$SERVER_PID bracket=$ip
	[ "$fam" = 6 ] && bracket="[$ip]"
	rm -f "$T/$name.rport"
	"$NETSIM" --listen "$bracket:0" --to "$bracket:$sport" --port-file "$T/$name.rport" \
		--stats "$T/$name.json" --pcap-client "$T/$name.c.pcap" \
		--pcap-server "$T/$name.s.pcap" --loss 3 --seed 67 --duration 120 -v \
		2>"$T/$name.netsim" &
	local npid=$!
	track "$npid" "qget-netsim $name" "$T/$name.netsim" 0
	for i in $(seq 1 100); do
		[ -s "$T/$name.rport" ] && break
		kill -0 "$npid" 2>/dev/null || break
		sleep 0.05
	done
	rport=$(cat "$T/$name.rport" 2>/dev/null)
	if [ -z "$rport" ]; then
		start_failed "relay $name" "did not start: $(cat "$T/$name.netsim")"
		return 1
	fi
	q "${CA[@]}" -m 60 -o "$T/$name.out" "https://$bracket:$rport/1m"
	# The relay writes the captures out when it stops.
	stop "$npid"
	stop "$spid"
	expect "$name: download through the capturing relay: exit 0" 0 &&
		same "$name: byte-exact" "$R/1m" "$T/$name.out"
	if grep -qE "^qget-netsim: capture .*$name.c.pcap: [0-9]+ datagrams$" "$T/$name.netsim" &&
		grep -qE "^qget-netsim: capture .*$name.s.pcap: [0-9]+ datagrams$" "$T/$name.netsim"; then
		pass "$name: -v counts each capture's datagrams"
	else
		fail "$name: -v counts each capture's datagrams" "$(tail -n 3 "$T/$name.netsim")"
	fi
	"$PY" "$T/check.py" "$T/$name.c.pcap" "$T/$name.s.pcap" "$T/$name.json" \
		"$ip" "$rport" "$ip" "$sport" "$SIZE" "$name"
}

capture pcap-ipv4 4
if have_ipv6; then
	capture pcap-ipv6 6
else
	skip "pcap-ipv6" "no IPv6 loopback"
fi

# relay_once NAME EXPECT-EXIT RELAY-ARGS...: a relay in front of a UDP
# echo server, fed 20 datagrams of 1000 bytes once it listens (their
# echoes are awaited, so it has read them all), then stopped; its exit
# status in RC, its stderr in $T/NAME.netsim.
relay_once() {
	local name=$1 want=$2 i
	shift 2
	rm -f "$T/$name.rport"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$EPORT" --port-file "$T/$name.rport" \
		--duration 30 "$@" 2>"$T/$name.netsim" &
	local npid=$!
	track "$npid" "qget-netsim $name" "$T/$name.netsim" "$want"
	for i in $(seq 1 100); do
		[ -s "$T/$name.rport" ] && break
		kill -0 "$npid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -s "$T/$name.rport" ]; then
		"$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.connect(("127.0.0.1", int(sys.argv[1])))
for i in range(20):
    s.send(b"x" * 1000)
for i in range(20):
    s.recv(2000)' "$(cat "$T/$name.rport")" || echo "    $name: not every echo came back"
	fi
	kill -TERM "$npid" 2>/dev/null
	wait "$npid"
	RC=$?
	forget "$npid"
}

"$PY" -c 'import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)' "$T/echo.port" 2>"$T/echo.err" &
track $! "python3 udp echo server" "$T/echo.err"
for i in $(seq 1 100); do [ -s "$T/echo.port" ] && break; sleep 0.05; done
EPORT=$(cat "$T/echo.port" 2>/dev/null)
[ -n "$EPORT" ] || { start_failed "udp echo server" "did not start"; exit 1; }

# A capture that cannot be created: the relay does not start (exit 1).
relay_once nodir 1 --pcap-client "$T/no/such/dir/c.pcap"
if [ "$RC" -eq 1 ] && grep -q "cannot create capture $T/no/such/dir/c.pcap" "$T/nodir.netsim" &&
	[ ! -s "$T/nodir.rport" ]; then
	pass "pcap: a capture that cannot be created: exit 1 before listening"
else
	fail "pcap: a capture that cannot be created: exit 1 before listening" "exit $RC: $(cat "$T/nodir.netsim")"
fi

# Never through a symbolic link: the file it points to stays as it was.
echo precious >"$T/target"
ln -s "$T/target" "$T/link.pcap"
relay_once symlink 1 --pcap-server "$T/link.pcap"
if [ "$RC" -eq 1 ] && [ "$(cat "$T/target")" = precious ] &&
	grep -q "cannot create capture $T/link.pcap" "$T/symlink.netsim"; then
	pass "pcap: a symbolic link is not followed (exit 1, its target untouched)"
else
	fail "pcap: a symbolic link is not followed" "exit $RC, target: $(head -c 40 "$T/target")"
fi

# Writes that fail (the file size limit, SIGXFSZ ignored: EFBIG) are said
# on stderr and make the exit status 1, while the counters still come.
(
	trap '' XFSZ
	ulimit -f 8 # 8 KiB: the 20 KB fed to it do not fit
	relay_once full 1 --pcap-client "$T/full.pcap"
	exit "$RC"
)
RC=$?
if [ "$RC" -eq 1 ] && grep -q "^qget-netsim: capture $T/full.pcap: write: File too large" "$T/full.netsim" &&
	grep -q '^qget-netsim: up: in 20 forwarded 20 ' "$T/full.netsim"; then
	pass "pcap: a failed write: said once, exit 1, counters printed"
else
	fail "pcap: a failed write: said once, exit 1, counters printed" "exit $RC: $(cat "$T/full.netsim")"
fi
if [ "$(grep -c 'full.pcap: write' "$T/full.netsim")" -eq 1 ]; then
	pass "pcap: a failed write is said once"
else
	fail "pcap: a failed write is said once" "$(grep -c 'full.pcap: write' "$T/full.netsim") times"
fi

# Usage: both options naming one file, an empty name.
"$NETSIM" --listen 127.0.0.1:0 --to 127.0.0.1:9 --pcap-client "$T/x" --pcap-server "$T/x" \
	>/dev/null 2>"$T/err"
RC=$?
expect "pcap: --pcap-client and --pcap-server naming one file: exit 2" 2 'name the same file'
"$NETSIM" --listen 127.0.0.1:0 --to 127.0.0.1:9 --pcap-client '' >/dev/null 2>"$T/err"
RC=$?
expect "pcap: an empty file name: exit 2" 2 'invalid value for --pcap-client'
if "$NETSIM" --help | grep -q -- '--pcap-client FILE' && "$NETSIM" --help | grep -q -- '--pcap-server FILE'; then
	pass "pcap: --help lists both options"
else
	fail "pcap: --help lists both options" "not in --help"
fi
exit 0
