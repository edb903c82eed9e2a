#!/usr/bin/env bash
# The QUIC interop runner's test cases, the short subset (make interop
# runs the whole matrix): qget as the client against every server we can
# build here (qget-serve, OpenSSL's hq-interop and HTTP/3 demo servers,
# nginx) in handshake, transfer, multiplexing, retry, resumption, http3,
# chacha20 and keyupdate, through tests/interop/run, which starts each
# endpoint as the runner does (interop/run_endpoint.sh for ours), puts
# qget-netsim where the runner's simulator is, and makes the runner's
# checks on its captures.  Each cell is one case here; every cell of the
# subset must succeed ("unsupported" fails too: all of them are supported).
# Every log the run wrote (each endpoint's, the relay's) is checked for
# sanitizer reports.  Valgrind runs skip it: the relay's 15 ms, 10 Mbit/s
# network and the runner's time limits are not made for valgrind's pace.
. "$(dirname "$0")/../lib.sh"

CASES="handshake transfer multiplexing retry resumption http3 chacha20 keyupdate"
if [ -n "${QGET_VALGRIND:-}" ]; then
	for c in $CASES; do skip "interop $c" "not under valgrind (the runner's time limits)"; done
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	for c in $CASES; do skip "interop $c" "not root (the runner needs namespaces of its own)"; done
	exit 0
fi
if ! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
	for c in $CASES; do skip "interop $c" "/usr/bin/python3 has no cryptography module (apt-get install python3-cryptography)"; done
	exit 0
fi
# The dissector the checks rest on: RFC 9001's test vectors, captures it
# writes itself (corrupted, truncated, coalesced, key updates), and qget
# fetching from qget-serve through a capturing relay of its own.  Its own
# summary line is left out: tests/run counts the PASS and FAIL lines.
QGET_BUILD=$top/$BUILD /usr/bin/python3 tests/interop/test_quicdissect.py 2>&1 |
	sed -e 's/^PASS /PASS quicdissect: /' -e 's/^FAIL /FAIL quicdissect: /' \
	    -e 's/^SKIP \([^:]*\)/SKIP quicdissect: \1/' |
	grep -E '^(PASS|FAIL|SKIP) '
st=${PIPESTATUS[0]}
[ "$st" -eq 0 ] || fail "quicdissect: its tests exit 0" "exit $st"

servers=qget,openssl
if have_nginx; then
	servers=$servers,nginx
else
	for c in $CASES; do skip "interop $c (nginx)" "no nginx (make nginx)"; done
fi

out=$T/results logs=$T/logs
BUILD=$top/$BUILD tests/interop/run --subset ci --servers "$servers" \
	--out "$out" --logs "$logs" >"$T/run.out" 2>"$T/run.err"
rc=$?
if [ ! -s "$out/results.json" ]; then
	fail "interop: the run wrote results.json" "exit $rc: $(tail -n 5 "$T/run.err")"
	exit 0
fi
/usr/bin/python3 - "$out/results.json" "$CASES" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
want = sys.argv[2].split()
i = 0
for c in doc["clients"]:
    for s in doc["servers"]:
        got = [cell["name"] for cell in doc["results"][i]]
        if sorted(got) != sorted(want):
            print("FAIL interop: the cells of %s -> %s: %s, want %s"
                  % (c, s, got, want))
        for cell in doc["results"][i]:
            name = "interop %s: %s -> %s" % (cell["name"], c, s)
            if cell["result"] == "succeeded":
                print("PASS %s: %s" % (name, cell["reason"]))
            else:
                print("FAIL %s: %s: %s" % (name, cell["result"], cell["reason"]))
        i += 1
PY
st=$?
[ "$st" -eq 0 ] || fail "interop: results.json read" "exit $st"
# The run's own exit status agrees with its cells.
fails=$(grep -c '^  .* failed ' "$out/results.txt")
if { [ "$rc" -eq 0 ] && [ "$fails" -eq 0 ]; } || { [ "$rc" -ne 0 ] && [ "$fails" -gt 0 ]; }; then
	pass "interop: exit status $rc agrees with $fails failed cells"
else
	fail "interop: exit status agrees with the cells" "exit $rc, $fails failed cells"
fi
bad=0
while IFS= read -r f; do
	if san_report "$f"; then
		fail "interop: sanitizer report in ${f#"$logs"/}" "$(grep -m 2 -E "$SAN_RE" "$f")"
		bad=1
	fi
done < <(find "$logs" -name output.txt)
[ "$bad" -eq 0 ] && pass "interop: no sanitizer report in any endpoint's or the relay's log"
# nginx says what went wrong on its side in its error log.
if have_nginx; then
	bad=0
	while IFS= read -r f; do
		if grep -qE '\[(alert|crit|emerg)\]' "$f"; then
			fail "interop: nginx's log ${f#"$logs"/} has no [alert], [crit] or [emerg]" "$(grep -m 2 -E '\[(alert|crit|emerg)\]' "$f")"
			bad=1
		fi
	done < <(find "$logs" -path '*/nginx_*/server/output.txt')
	[ "$bad" -eq 0 ] && pass "interop: nginx's logs hold no [alert], [crit] or [emerg]"
fi
