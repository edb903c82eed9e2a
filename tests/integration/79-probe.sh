#!/usr/bin/env bash
# qget --probe: the report on an endpoint, human-readable and as JSON,
# checked against what the server is known to do.
. "$(dirname "$0")/../lib.sh"

printf 'x\n' >"$T/root/index"
CA=(--cacert "$CERTS/ca.pem")
serve good || exit 1
GOOD=$PORT
serve noretry --no-retry || exit 1
NORETRY=$PORT
# Retry on: qget-serve --no-retry loses the CONNECTION_CLOSE of a refused
# ALPN about half the time (docs/limits.md), which would be a wait, not
# an answer.
serve nohq --alpn h3,http/1.0 || exit 1
NOHQ=$PORT

q "${CA[@]}" --probe "https://localhost:$GOOD/index"
expect "--probe a healthy server: exit 0" 0
if grep -q '^healthy$' "$T/out" && grep -q 'address 127.0.0.1 (IPv4): handshake' "$T/out" &&
	grep -q 'QUIC version: QUICv1' "$T/out" && grep -q 'h3 yes, hq-interop yes, http/1.0 yes' "$T/out" &&
	grep -q 'Retry: yes' "$T/out" && grep -q 'session tickets: yes; resumption: yes' "$T/out" &&
	grep -q 'certificate 0: .*CN *= *localhost' "$T/out" && grep -q 'names DNS:localhost' "$T/out" &&
	grep -qE 'expires .* \([0-9]+ days left\)' "$T/out" && grep -q 'HEAD /index: 200' "$T/out" &&
	grep -q 'Alt-Svc: h3=' "$T/out"; then
	pass "--probe: addresses, version, ALPNs, Retry, tickets, chain, Alt-Svc"
else
	fail "--probe: the report" "$(tr '\n' '|' <"$T/out" | head -c 600)"
fi

q "${CA[@]}" --probe -w json "https://localhost:$NORETRY/index"
expect "--probe -w json: exit 0" 0
if /usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["port"] == int(sys.argv[2]) and d["exit_code"] == 0 and d["error"] is None, d
assert d["retry"] is False, d["retry"]
assert d["alpn_accepted"] == {"h3": True, "hq-interop": True, "http/1.0": True}, d["alpn_accepted"]
assert d["addresses"][0]["address"] == "127.0.0.1" and d["addresses"][0]["handshake_ms"] > 0, d
assert d["certificates"][0]["days_left"] > 0 and "DNS:localhost" in d["certificates"][0]["names"], d
assert isinstance(d["streams_bidi"], int) and isinstance(d["idle_timeout_ms"], int), d
assert d["session_ticket"] is True and d["resumed"] is True, d
' "$T/out" "$NORETRY"; then
	pass "--probe -w json: no Retry from a --no-retry server, numbers are numbers"
else
	fail "--probe -w json" "$(head -c 600 "$T/out")"
fi

q "${CA[@]}" --probe -w json "https://localhost:$NOHQ/index"
if [ "$RC" -eq 0 ] && /usr/bin/python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["retry"] is True, d["retry"]
assert d["alpn_accepted"] == {"h3": True, "hq-interop": False, "http/1.0": True}, d["alpn_accepted"]
' "$T/out"; then
	pass "--probe -w json: a refused ALPN is false, a Retry true"
else
	fail "--probe -w json: refused ALPN" "exit $RC: $(head -c 600 "$T/out")"
fi

q --probe "https://localhost:$GOOD/index" --cacert "$CERTS/rogue-ca.pem"
expect "--probe an unverifiable server: exit 5" 5
if grep -q '^unhealthy' "$T/out"; then pass "--probe: an unverifiable server is unhealthy"; else fail "--probe: unverifiable" "$(head -c 300 "$T/out")"; fi

q "${CA[@]}" --probe "https://localhost:$(free_port4)/" --connect-timeout 2
expect "--probe a port nobody answers: exit 4" 4
