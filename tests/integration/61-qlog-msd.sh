#!/usr/bin/env bash
# tests/tools/qlog-msd-stall.py, which allows 60-netsim.sh a retry, must
# recognise OpenSSL's lost-MAX_STREAM_DATA stall and nothing else: checked
# on small qlogs in OpenSSL's format (JSON-SEQ, the events it writes).
. "$(dirname "$0")/../lib.sh"

TOOL=$top/tests/tools/qlog-msd-stall.py
# qlog DIR LINES...: a client qlog made of the given events.
qlog() {
	local dir=$1 l
	shift
	mkdir -p "$dir"
	for l in "$@"; do printf '\036%s\n' "$l"; done >"$dir/0000_client.sqlog"
}
rx() { # OFFSET LEN [fin]: stream 0 data received
	printf '{"name":"transport:packet_received","data":{"header":{"packet_type":"1RTT","packet_number":%d},"frames":[{"frame_type":"stream","stream_id":0,"offset":%d,"payload_length":%d%s}]},"time":0}' \
		"$RANDOM" "$1" "$2" "${3:+,\"fin\":true}"
}
msd() { # PN LIMIT: MAX_STREAM_DATA sent
	printf '{"name":"transport:packet_sent","data":{"header":{"packet_type":"1RTT","packet_number":%d},"frames":[{"frame_type":"max_stream_data","stream_id":0,"maximum":%d}]},"time":0}' "$1" "$2"
}
lost() { # PN
	printf '{"name":"recovery:packet_lost","data":{"header":{"packet_type":"1RTT","packet_number":%d}},"time":0}' "$1"
}

check() { # NAME WANT-EXIT DIR [ERE]
	python3 "$TOOL" "$3" >"$T/err" 2>&1
	RC=$?
	expect "$1" "$2" "${4:-}"
}

qlog "$T/stall" "$(rx 0 1000)" "$(msd 10 1800)" "$(rx 1000 790)" "$(msd 11 3000)" \
	"$(msd 12 4000)" "$(lost 11)" "$(lost 12)"
check "qlog: lost MAX_STREAM_DATA never sent again, credit used up: the signature" 0 "$T/stall" \
	'stalled at 1790 bytes.*used up the limit 1800.*3000 in packet 11, 4000 in packet 12'
qlog "$T/fin" "$(rx 0 1000)" "$(msd 10 1800)" "$(rx 1000 790 fin)" "$(msd 11 3000)" "$(lost 11)"
check "qlog: the stream ended with its FIN: not the signature" 1 "$T/fin" 'FIN'
qlog "$T/resent" "$(rx 0 1790)" "$(msd 10 1800)" "$(msd 11 3000)" "$(lost 11)" "$(msd 12 3000)"
check "qlog: the window update was sent again after the loss: not the signature" 1 "$T/resent"
qlog "$T/notlost" "$(rx 0 1790)" "$(msd 10 1800)" "$(msd 11 3000)"
check "qlog: the higher limit was not lost: not the signature" 1 "$T/notlost"
qlog "$T/credit" "$(rx 0 500)" "$(msd 10 1800)" "$(msd 11 3000)" "$(lost 11)"
check "qlog: credit left unused (the server stalled on its own): not the signature" 1 "$T/credit"
mkdir -p "$T/empty"
check "qlog: no log: exit 2" 2 "$T/empty" 'no single client qlog'
