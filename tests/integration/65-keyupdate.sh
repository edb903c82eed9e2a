#!/usr/bin/env bash
# Key updates (qget --key-update, qget_conn_key_update()), as the QUIC
# interop runner's "keyupdate" test asks of a client: 5 MiB over h3 and
# hq-interop from qget-serve, byte-exact, "-v" saying "key update
# initiated", and the key phase bit on the wire flipping in both
# directions: the client's first, then the server's in answer.
#
# OpenSSL's qlog (QLOGDIR) cannot show it: OpenSSL 3.5 has no key_updated
# event and writes no key_phase in packet headers (ssl/quic/
# qlog_event_helpers.c logs packet_type and packet_number only).  So the
# wire is read instead: qget-netsim captures the client's side
# (--pcap-client), and the script removes QUIC header protection
# (RFC 9001 section 5.4) with the 1-RTT traffic secrets of qget's key log
# to read each short-header packet's key phase bit; the header protection
# key does not change with key updates.  The client offers AES-128-GCM
# only, so that AES-128 (in Python below, FIPS 197, checked against its
# test vector) and SHA-256 are all it takes.  A download without
# --key-update, whose bits must all stay 0, shows the reading is right.
. "$(dirname "$0")/../lib.sh"

NETSIM=$top/$BUILD/qget-netsim
PY=/usr/bin/python3
R=$T/root
head -c $((5 * 1048576)) /dev/urandom >"$R/5m"
CA=(--cacert "$CERTS/ca.pem")

cat >"$T/phases.py" <<'EOF'
import hashlib, hmac, json, struct, sys

def xtime(a):
    return ((a << 1) ^ 0x11B) if a & 0x80 else a << 1

def make_sbox():
    exp, log, x = [0] * 255, [0] * 256, 1
    for i in range(255):
        exp[i], log[x] = x, i
        x ^= xtime(x)           # times 3, a generator of GF(2^8)*
    box = []
    for a in range(256):
        b = exp[(255 - log[a]) % 255] if a else 0
        r = b
        for k in range(1, 5):
            r ^= ((b << k) | (b >> (8 - k))) & 0xFF
        box.append(r ^ 0x63)
    return box

SBOX = make_sbox()

class AES128:
    """FIPS 197 encryption of one block: all header protection needs."""
    def __init__(self, key):
        w = [list(key[i:i + 4]) for i in range(0, 16, 4)]
        rcon = 1
        for i in range(4, 44):
            t = list(w[i - 1])
            if i % 4 == 0:
                t = [SBOX[b] for b in t[1:] + t[:1]]
                t[0] ^= rcon
                rcon = xtime(rcon)
            w.append([w[i - 4][j] ^ t[j] for j in range(4)])
        self.rk = [sum(w[r * 4:r * 4 + 4], []) for r in range(11)]

    def encrypt(self, block):
        s = [b ^ k for b, k in zip(block, self.rk[0])]
        for rnd in range(1, 11):
            s = [SBOX[s[((i // 4 + i % 4) % 4) * 4 + i % 4]] for i in range(16)]
            if rnd < 10:
                m = []
                for c in range(0, 16, 4):
                    a = s[c:c + 4]
                    x = a[0] ^ a[1] ^ a[2] ^ a[3]
                    m += [a[r] ^ x ^ xtime(a[r] ^ a[(r + 1) % 4]) for r in range(4)]
                s = m
            s = [b ^ k for b, k in zip(s, self.rk[rnd])]
        return bytes(s)

def hp_key(secret):
    """HKDF-Expand-Label(secret, "quic hp", "", 16) over SHA-256."""
    label = b"tls13 quic hp"
    info = struct.pack("!HB", 16, len(label)) + label + b"\0"
    return hmac.new(secret, info + b"\1", hashlib.sha256).digest()[:16]

def varint(b, i):
    n = 1 << (b[i] >> 6)
    v = b[i] & 0x3F
    for j in range(1, n):
        v = v << 8 | b[i + j]
    return v, i + n

if sys.argv[1] == "selftest":
    got = AES128(bytes(range(16))).encrypt(bytes.fromhex("00112233445566778899aabbccddeeff"))
    sys.exit(0 if got.hex() == "69c4e0d86a7b0430d8cdb78070b4c55a" else 1)

pcap, keylog, lport, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
secrets = {}
for line in open(keylog):
    f = line.split()
    if len(f) == 3:
        secrets[f[0]] = bytes.fromhex(f[2])
hp = {"c": AES128(hp_key(secrets["CLIENT_TRAFFIC_SECRET_0"])),
      "s": AES128(hp_key(secrets["SERVER_TRAFFIC_SECRET_0"]))}
data = open(pcap, "rb").read()
off, rec, cid_len = 24, 0, {}
phases, first = {"c": [], "s": []}, {}
while off < len(data):
    rec += 1
    incl, = struct.unpack("<I", data[off + 8:off + 12])
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ip = 20 if pkt[0] >> 4 == 4 else 40
    dport, = struct.unpack("!H", pkt[ip + 2:ip + 4])
    d = "c" if dport == lport else "s"   # sent by the client, or to it
    p, i = pkt[ip + 8:], 0
    while i < len(p):
        b0 = p[i]
        if b0 & 0x80:
            if p[i + 1:i + 5] == b"\0\0\0\0":
                break                   # version negotiation
            dl = p[i + 5]
            j = i + 6 + dl
            # The sender's own connection ID: what the peer sends to.
            cid_len[d] = p[j]
            j += 1 + p[j]
            kind = (b0 >> 4) & 3
            if kind == 3:
                break                   # Retry: the rest of the datagram
            if kind == 0:
                tl, j = varint(p, j)    # Initial: the token
                j += tl
            n, j = varint(p, j)
            i = j + n
            continue
        # A short header: the peer's connection ID, the packet number
        # (at most 4 bytes), the sample right after those 4.
        pn = i + 1 + cid_len["s" if d == "c" else "c"]
        mask = hp[d].encrypt(p[pn + 4:pn + 20])
        bit = ((b0 ^ (mask[0] & 0x1F)) >> 2) & 1
        phases[d].append(bit)
        if bit:
            first.setdefault(d, rec)
        break
json.dump({"client": phases["c"], "server": phases["s"],
           "client_first": first.get("c", -1), "server_first": first.get("s", -1)},
          open(out, "w"))
EOF

# judge NAME JSON WANT: WANT "update": each direction's key phase bits
# are 0s then 1s, both present, and the client's first 1 came before the
# server's (the client's update first, the server's in answer; in capture
# order, as the relay saw them); "none": all 0.
cat >"$T/judge.py" <<'EOF'
import json, sys
name, path, want = sys.argv[1:]
ph = json.load(open(path))
why = []
for d in ("client", "server"):
    bits = ph[d]
    if len(bits) < 100:
        why.append("%s: only %d short-header packets" % (d, len(bits)))
    elif want == "none" and any(bits):
        why.append("%s: %d of %d packets in phase 1" % (d, sum(bits), len(bits)))
    elif want == "update":
        k = bits.index(1) if 1 in bits else len(bits)
        if k == 0 or k == len(bits):
            why.append("%s: phases %s only" % (d, "1" if k == 0 else "0"))
        elif any(b == 0 for b in bits[k:]):
            why.append("%s: back to phase 0 after the update" % d)
        else:
            print("    %s: %d packets in phase 0, then %d in phase 1" % (d, k, len(bits) - k))
if want == "update" and not why and not 0 < ph["client_first"] < ph["server_first"]:
    why.append("the server's first phase 1 packet (record %d) came before the client's (record %d)"
               % (ph["server_first"], ph["client_first"]))
if why:
    print("FAIL %s: %s" % (name, "; ".join(why)))
else:
    print("PASS %s" % name)
EOF

if [ ! -x "$NETSIM" ]; then
	skip "keyupdate" "$NETSIM not built"
	exit 0
fi
if "$PY" "$T/phases.py" selftest; then
	pass "keyupdate: the checker's AES-128 gives FIPS 197's test vector"
else
	fail "keyupdate: the checker's AES-128 gives FIPS 197's test vector" "it does not"
fi

serve ku -v || exit 1
SPORT=$PORT

# download NAME ALPN [QGET-OPTIONS...]: /5m through a capturing relay,
# with qget's key log; then the key phases into $T/NAME.json.
download() {
	local name=$1 alpn=$2 i rport npid
	shift 2
	rm -f "$T/$name.rport"
	"$NETSIM" --listen 127.0.0.1:0 --to "127.0.0.1:$SPORT" --port-file "$T/$name.rport" \
		--pcap-client "$T/$name.pcap" --duration 120 2>"$T/$name.netsim" &
	npid=$!
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
	q "${CA[@]}" --alpn "$alpn" --ciphers TLS_AES_128_GCM_SHA256 --keylog "$T/$name.keys" \
		-v -m 60 -o "$T/$name.out" "$@" "https://127.0.0.1:$rport/5m"
	stop "$npid"
	"$PY" "$T/phases.py" "$T/$name.pcap" "$T/$name.keys" "$rport" "$T/$name.json" 2>"$T/$name.py.err" ||
		echo "    $name: reading the capture failed: $(tail -n 1 "$T/$name.py.err")"
}

for alpn in h3 hq-interop; do
	download "ku-$alpn" "$alpn" --key-update || continue
	expect "keyupdate $alpn: exit 0, -v says the key update was initiated" 0 \
		'^\* key update initiated$' &&
		same "keyupdate $alpn: byte-exact" "$R/5m" "$T/ku-$alpn.out"
	if [ "$(grep -c '^\* key update initiated$' "$T/err")" -eq 1 ]; then
		pass "keyupdate $alpn: one key update, said once"
	else
		fail "keyupdate $alpn: one key update, said once" "$(grep -c 'key update' "$T/err") lines"
	fi
	"$PY" "$T/judge.py" "keyupdate $alpn: on the wire, the key phase goes from 0 to 1 both ways" \
		"$T/ku-$alpn.json" update
done

download ku-none h3 || exit 1
expect "no --key-update: exit 0, no key update said" 0 && same "no --key-update: byte-exact" "$R/5m" "$T/ku-none.out"
if grep -q 'key update' "$T/err"; then
	fail "no --key-update: no key update said" "$(grep 'key update' "$T/err")"
fi
"$PY" "$T/judge.py" "no --key-update: on the wire, every key phase bit stays 0" "$T/ku-none.json" none

# The library call itself, through the stream API: NULL and a closed
# connection refused, an open one updated while reading.
prog=$top/$BUILD/tests/prog/keyupdate
if [ -x "$prog" ]; then
	"$prog" localhost "$SPORT" "$CERTS/ca.pem" /5m >"$T/out" 2>"$T/err"
	RC=$?
	expect "qget_conn_key_update over the stream API: exit 0, the update said" 0 \
		'^\* key update initiated$'
	read -r _ null _ open _ updates _ bytes _ closed <"$T/out"
	if [ "$null $open $updates $closed" = "E_USAGE OK 1 E_CONN_CLOSED" ] &&
		[ "${bytes:-0}" -gt $((5 * 1048576)) ]; then
		pass "qget_conn_key_update: NULL E_USAGE, open OK (one update, 5 MiB read), closed E_CONN_CLOSED"
	else
		fail "qget_conn_key_update: NULL E_USAGE, open OK, closed E_CONN_CLOSED" "$(cat "$T/out")"
	fi
else
	skip "qget_conn_key_update over the stream API" "$prog not built (make test builds it)"
fi
stop "$SERVER_PID"
exit 0
