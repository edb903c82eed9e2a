#!/usr/bin/env python3
"""Sends one forged ICMP "port unreachable" about a UDP flow, as anyone on
the path could: the kernel hands it to the socket whose (local, remote)
addresses the quoted header names.  IPv4 on loopback only; needs root
(a raw socket).

  icmp-unreach.py LOCAL_PORT REMOTE_PORT   (both on 127.0.0.1)
"""
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lport, rport = int(sys.argv[1]), int(sys.argv[2])
    lo = socket.inet_aton("127.0.0.1")
    # The datagram the ICMP error claims to answer: ours, to the peer.
    udp = struct.pack("!HHHH", lport, rport, 8 + 32, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 32, 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, lo, lo)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    body = ip + udp
    hdr = struct.pack("!BBHI", 3, 3, 0, 0)  # destination/port unreachable
    icmp = hdr[:2] + struct.pack("!H", checksum(hdr + body)) + hdr[4:] + body
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(icmp, ("127.0.0.1", 0))


if __name__ == "__main__":
    main()
