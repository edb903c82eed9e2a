#!/usr/bin/env python3
"""Was a stalled download OpenSSL's lost-MAX_STREAM_DATA bug?

  qlog-msd-stall.py QLOGDIR

Reads the client's qlog that OpenSSL itself wrote (QLOGDIR=... qget ...)
and decides from it alone.  OpenSSL 3.5's QUIC stack regenerates a lost
MAX_STREAM_DATA frame only for packets that also carried data of that
stream (ssl/quic/quic_fifd.c, on_lost(): the frame is re-requested per
TXPIM stream chunk, and quic_txp.c logs a chunk for STREAM, STOP_SENDING
and RESET_STREAM frames, never for MAX_STREAM_DATA).  A download's
stream carries no data of ours after the request, so when every
MAX_STREAM_DATA above what the server may already send is lost, the server
runs out of credit and, sending no STREAM_DATA_BLOCKED, waits forever: the
transfer stalls on a live connection.

The signature, all from the client's own log:
  - a stream whose data ended without its FIN;
  - what arrived ends less than one packet (1200 bytes) short of a
    MAX_STREAM_DATA limit we sent: the server used that credit up;
  - every higher limit was in a 1-RTT packet that OpenSSL declared lost,
    and no MAX_STREAM_DATA was sent after the last of those losses (RFC
    9000 §13.3 requires the newest one to be sent again).
Prints one line saying what it found; exits 0 when the signature holds,
1 when it does not, 2 when the log cannot be read.
"""
import glob
import json
import os
import sys


def events(path):
    with open(path, "rb") as f:
        for line in f:
            line = line.strip().lstrip(b"\x1e")
            if not line:
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    logs = glob.glob(os.path.join(sys.argv[1], "*client*.sqlog"))
    if len(logs) != 1:
        print("no single client qlog in %s" % sys.argv[1])
        return 2
    received = {}   # stream id -> highest offset received
    fin = set()     # streams whose FIN arrived
    sent = []       # (index, packet number, stream id, limit)
    lost = {}       # 1-RTT packet number -> index of the loss event
    for i, ev in enumerate(events(logs[0])):
        name = ev.get("name", "")
        data = ev.get("data", {}) or {}
        hdr = data.get("header", {}) or {}
        onertt = hdr.get("packet_type") == "1RTT"
        pn = hdr.get("packet_number")
        if name == "recovery:packet_lost" and onertt:
            lost[pn] = i
            continue
        for fr in data.get("frames", []) or []:
            ft = fr.get("frame_type")
            if name == "transport:packet_received" and ft == "stream":
                sid = fr.get("stream_id")
                end = fr.get("offset", 0) + fr.get("payload_length", 0)
                received[sid] = max(received.get(sid, 0), end)
                if fr.get("fin"):
                    fin.add(sid)
            elif name == "transport:packet_sent" and ft == "max_stream_data" \
                    and onertt:
                sent.append((i, pn, fr.get("stream_id"), fr.get("maximum", 0)))
    for sid, got in sorted(received.items()):
        if sid in fin:
            continue
        mine = [s for s in sent if s[2] == sid]
        # The limit the server used up: what arrived ends within one
        # packet of it.
        used = [s[3] for s in mine if got <= s[3] < got + 1200]
        if not used:
            continue
        credit = max(used)
        above = [s for s in mine if s[3] > credit]
        if not above or any(s[1] not in lost for s in above):
            continue
        last_loss = max(lost[s[1]] for s in above)
        if any(s[0] > last_loss for s in mine):
            continue
        print("OpenSSL's own qlog: stream %d stalled at %d bytes without its "
              "FIN; the server used up the limit %d (%d bytes "
              "short); the higher ones (%s) were declared lost and "
              "none was sent again" % (
                  sid, got, credit, credit - got,
                  ", ".join("%d in packet %d" % (s[3], s[1]) for s in above)))
        return 0
    print("no stream stalled on a lost MAX_STREAM_DATA (streams: %s)" %
          ", ".join("%d: %d bytes%s" % (s, r, ", FIN" if s in fin else "")
                    for s, r in sorted(received.items())))
    return 1


if __name__ == "__main__":
    sys.exit(main())
