#!/usr/bin/python3
"""quicdissect: read a QUIC packet capture the way the QUIC interop runner's
checks read theirs (quic-interop-runner's testcases_quic.py with tshark),
with nothing but Python's standard library and python3-cryptography.

    quicdissect.py summary PCAP [--keylog FILE]... [--server ADDR:PORT]
    quicdissect.py packets PCAP [--keylog FILE]... [--server ADDR:PORT]

"summary" prints one JSON object (see Analysis.summary); "packets" one JSON
object per QUIC packet, for debugging.  The driver imports analyze().

Input: a classic pcap file (tests/interop/PCAP-SPEC.md: LINKTYPE_RAW, IPv4
or IPv6 + UDP; Ethernet and Linux cooked captures are read too).  The
server is the endpoint that receives the first datagram, unless --server.

What is read (RFC 9000, 9001, 9369; RFC 8446 for TLS):
- every datagram is split into its coalesced QUIC packets;
- Initial packets are decrypted with keys derived from the client's first
  Destination Connection ID (after a Retry, from the Retry's SCID), their
  CRYPTO frames reassembled into the ClientHello and ServerHello;
- with NSS key logs (SSLKEYLOGFILE format), Handshake packets are
  decrypted (the server's EncryptedExtensions: ALPN, transport parameters;
  whether it sent a Certificate), and 1-RTT packets have their header
  protection removed to read the key phase bit (payloads stay encrypted);
- Retry packets: their token and integrity tag.
Packets that do not parse or decrypt (corruption, loss, truncation) are
counted; nothing in a capture makes the tool fail.
"""

import argparse
import hashlib
import hmac
import json
import socket
import struct
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
except ImportError:  # reported by main(); importers get the error at use
    AESGCM = None

VERSION_1 = 0x00000001
VERSION_2 = 0x6B3343CF
INITIAL_SALT = {
    VERSION_1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
    VERSION_2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
}
RETRY_KEY_NONCE = {
    VERSION_1: (bytes.fromhex("be0c690b9f66575a1d766b54e368c84e"),
                bytes.fromhex("461599d35d632bf2239825bb")),
    VERSION_2: (bytes.fromhex("8fb4b01b56ac48e260fbcbcead7ccc92"),
                bytes.fromhex("d86969bc2d7c6d9990efb04a")),
}
# long header packet type bits -> name (RFC 9000 17.2, RFC 9369 3.2)
LONG_TYPES = {
    VERSION_1: {0: "initial", 1: "0rtt", 2: "handshake", 3: "retry"},
    VERSION_2: {1: "initial", 2: "0rtt", 3: "handshake", 0: "retry"},
}
AES_128_GCM_SHA256 = 0x1301
AES_256_GCM_SHA384 = 0x1302
CHACHA20_POLY1305_SHA256 = 0x1303
SUITES = {  # suite: (hash, key length)
    AES_128_GCM_SHA256: (hashlib.sha256, 16),
    AES_256_GCM_SHA384: (hashlib.sha384, 32),
    CHACHA20_POLY1305_SHA256: (hashlib.sha256, 32),
}
# SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()
TRANSPORT_PARAMETERS = {
    0x00: "original_destination_connection_id", 0x01: "max_idle_timeout",
    0x02: "stateless_reset_token", 0x03: "max_udp_payload_size",
    0x04: "initial_max_data", 0x05: "initial_max_stream_data_bidi_local",
    0x06: "initial_max_stream_data_bidi_remote",
    0x07: "initial_max_stream_data_uni", 0x08: "initial_max_streams_bidi",
    0x09: "initial_max_streams_uni", 0x0A: "ack_delay_exponent",
    0x0B: "max_ack_delay", 0x0C: "disable_active_migration",
    0x0D: "preferred_address", 0x0E: "active_connection_id_limit",
    0x0F: "initial_source_connection_id", 0x10: "retry_source_connection_id",
    0x11: "version_information", 0x20: "max_datagram_frame_size",
    0x2AB2: "grease_quic_bit",
}
TP_BYTES = {0x00, 0x02, 0x0D, 0x0F, 0x10, 0x11}  # shown as hex, not integers
TP_EMPTY = {0x0C, 0x2AB2}  # flags: shown as true

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276


class Short(Exception):
    """A field runs past the end of its buffer."""


class PcapError(Exception):
    """The file is not a classic pcap file."""


# ---------------------------------------------------------------- bytes

class Reader:
    """Bounds-checked reading of a bytes object; raises Short."""

    def __init__(self, data, pos=0, end=None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else min(end, len(data))

    def left(self):
        return self.end - self.pos

    def bytes(self, n):
        if n < 0 or self.pos + n > self.end:
            raise Short()
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def uint(self, n):
        return int.from_bytes(self.bytes(n), "big")

    def varint(self):
        if self.pos >= self.end:
            raise Short()
        n = 1 << (self.data[self.pos] >> 6)
        v = self.uint(n)
        return v & ((1 << (8 * n - 2)) - 1)

    def vec(self, lenlen):
        return self.bytes(self.uint(lenlen))


def encode_varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return (v | 0x4000).to_bytes(2, "big")
    if v < 0x40000000:
        return (v | 0x80000000).to_bytes(4, "big")
    return (v | 0xC000000000000000).to_bytes(8, "big")


# ---------------------------------------------------------------- crypto

def hkdf_extract(hashfn, salt, ikm):
    return hmac.new(salt, ikm, hashfn).digest()


def hkdf_expand_label(hashfn, secret, label, length, context=b""):
    full = b"tls13 " + label.encode()
    info = (struct.pack("!HB", length, len(full)) + full
            + bytes([len(context)]) + context)
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashfn).digest()
        out += block
        i += 1
    return out[:length]


def initial_secrets(dcid, version=VERSION_1):
    """(client secret, server secret) of the Initial packets, RFC 9001 5.2."""
    salt = INITIAL_SALT.get(version, INITIAL_SALT[VERSION_1])
    initial = hkdf_extract(hashlib.sha256, salt, dcid)
    return (hkdf_expand_label(hashlib.sha256, initial, "client in", 32),
            hkdf_expand_label(hashlib.sha256, initial, "server in", 32))


class Keys:
    """Packet protection keys from one traffic secret (RFC 9001 5.1)."""

    def __init__(self, suite, secret, version=VERSION_1):
        if AESGCM is None:
            raise RuntimeError("python3-cryptography is required")
        if suite not in SUITES:
            raise ValueError("unsupported cipher suite 0x%04x" % suite)
        hashfn, klen = SUITES[suite]
        prefix = "quicv2 " if version == VERSION_2 else "quic "
        self.suite = suite
        self.key = hkdf_expand_label(hashfn, secret, prefix + "key", klen)
        self.iv = hkdf_expand_label(hashfn, secret, prefix + "iv", 12)
        self.hp = hkdf_expand_label(hashfn, secret, prefix + "hp", klen)
        if suite == CHACHA20_POLY1305_SHA256:
            self.aead = ChaCha20Poly1305(self.key)
            self._ecb = None
        else:
            self.aead = AESGCM(self.key)
            self._ecb = Cipher(algorithms.AES(self.hp), modes.ECB()).encryptor()

    def mask(self, sample):
        """The 5-byte header protection mask (RFC 9001 5.4.3, 5.4.4)."""
        if self._ecb is not None:
            return self._ecb.update(sample)[:5]
        # ChaCha20: counter = sample[0:4] little-endian, nonce = sample[4:16];
        # cryptography takes the two as one 16-byte "nonce" in that order
        enc = Cipher(algorithms.ChaCha20(self.hp, sample), mode=None).encryptor()
        return enc.update(bytes(5))

    def decrypt(self, pn, payload, aad):
        """Raises InvalidTag when the packet does not authenticate."""
        nonce = (int.from_bytes(self.iv, "big") ^ pn).to_bytes(12, "big")
        return self.aead.decrypt(nonce, payload, aad)


class KeyUpdates:
    """The 1-RTT keys of one direction across key updates (RFC 9001 6):
    generation n+1's secret is HKDF-Expand-Label(n's, "quic ku"); the key
    phase bit is n's low bit; the header protection key stays generation
    0's (keys[0].mask)."""

    def __init__(self, suite, secret, version=VERSION_1):
        self.suite, self.version = suite, version
        self.secrets, self.keys = [secret], [Keys(suite, secret, version)]
        self.current = 0

    def generation(self, n):
        hashfn = SUITES[self.suite][0]
        label = "quicv2 ku" if self.version == VERSION_2 else "quic ku"
        while len(self.keys) <= n:
            s = hkdf_expand_label(hashfn, self.secrets[-1], label,
                                  hashfn().digest_size)
            self.secrets.append(s)
            self.keys.append(Keys(self.suite, s, self.version))
        return self.keys[n]

    def decrypt(self, phase, pn, payload, aad):
        """The plaintext, or None; moves to the next generation when a
        packet of the other phase decrypts with it."""
        g = self.current
        tries = [g, g - 2] if g % 2 == phase else [g + 1, g - 1]
        for n in tries:
            if n < 0:
                continue
            try:
                out = self.generation(n).decrypt(pn, payload, aad)
            except InvalidTag:
                continue
            self.current = max(self.current, n)
            return out
        return None


def remove_header_protection(keys, data, start, pn_offset, end):
    """Unprotect the header of the packet data[start:end] whose packet number
    begins at pn_offset.  Returns (first byte, pn length, truncated pn,
    header bytes) or None when the packet is too short to hold a sample."""
    if end - pn_offset < 4 + 16:
        return None
    mask = keys.mask(data[pn_offset + 4:pn_offset + 20])
    long_header = data[start] & 0x80
    first = data[start] ^ (mask[0] & (0x0F if long_header else 0x1F))
    pnlen = (first & 3) + 1
    pnb = bytes(b ^ m for b, m in zip(data[pn_offset:pn_offset + pnlen], mask[1:]))
    header = bytes([first]) + data[start + 1:pn_offset] + pnb
    return first, pnlen, int.from_bytes(pnb, "big"), header


def decode_packet_number(truncated, pnlen, largest):
    """RFC 9000 A.3."""
    expected = largest + 1
    win = 1 << (8 * pnlen)
    hwin = win // 2
    cand = (expected & ~(win - 1)) | truncated
    if cand <= expected - hwin and cand < (1 << 62) - win:
        return cand + win
    if cand > expected + hwin and cand >= win:
        return cand - win
    return cand


def retry_integrity_ok(packet, odcid, version):
    """RFC 9001 5.8: does the Retry packet's tag match for this ODCID?"""
    key, nonce = RETRY_KEY_NONCE.get(version, RETRY_KEY_NONCE[VERSION_1])
    pseudo = bytes([len(odcid)]) + odcid + packet[:-16]
    try:
        return AESGCM(key).encrypt(nonce, b"", pseudo) == packet[-16:]
    except Exception:
        return False


def read_keylogs(paths):
    """NSS key log files -> {client_random (bytes): {LABEL: secret}}."""
    secrets = {}
    for path in paths:
        try:
            with open(path, "r", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) != 3 or parts[0].startswith("#"):
                continue
            try:
                cr, secret = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            except ValueError:
                continue
            secrets.setdefault(cr, {})[parts[0]] = secret
    return secrets


# ---------------------------------------------------------------- pcap

class Datagram:
    __slots__ = ("index", "ts", "family", "src", "dst", "tos", "payload",
                 "snapped", "dir")

    def __init__(self, index, ts, family, src, dst, tos, payload, snapped):
        self.index, self.ts, self.family = index, ts, family
        self.src, self.dst, self.tos = src, dst, tos  # src/dst: (ip, port)
        self.payload, self.snapped = payload, snapped
        self.dir = None  # "client" (sent by the client), "server", "other"


def _parse_ip_udp(buf):
    """IPv4 or IPv6 packet -> (family, src ip, dst ip, tos, udp bytes) or None."""
    if len(buf) < 1:
        return None
    version = buf[0] >> 4
    if version == 4 and len(buf) >= 20:
        ihl = (buf[0] & 0x0F) * 4
        total = int.from_bytes(buf[2:4], "big")
        frag = int.from_bytes(buf[6:8], "big")
        if buf[9] != 17 or frag & 0x3FFF or ihl < 20:  # not UDP, or a fragment
            return None
        return (4, socket.inet_ntop(socket.AF_INET, buf[12:16]),
                socket.inet_ntop(socket.AF_INET, buf[16:20]), buf[1],
                buf[ihl:total if total >= ihl else len(buf)])
    if version == 6 and len(buf) >= 40:
        nh, off = buf[6], 40
        plen = int.from_bytes(buf[4:6], "big")
        while nh in (0, 43, 60) and off + 2 <= len(buf):  # extension headers
            nh, off = buf[off], off + (buf[off + 1] + 1) * 8
        if nh != 17:
            return None
        tclass = ((buf[0] & 0x0F) << 4) | (buf[1] >> 4)
        return (6, socket.inet_ntop(socket.AF_INET6, buf[8:24]),
                socket.inet_ntop(socket.AF_INET6, buf[24:40]), tclass,
                buf[off:40 + plen])
    return None


def _link_payload(linktype, frame):
    """Strip the link layer: the IP packet, or None."""
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, 12, 14):
        return frame
    if linktype == LINKTYPE_ETHERNET:
        off, etype = 14, int.from_bytes(frame[12:14], "big")
        while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            etype, off = int.from_bytes(frame[off + 2:off + 4], "big"), off + 4
        return frame[off:] if etype in (0x0800, 0x86DD) else None
    if linktype == LINKTYPE_LINUX_SLL:
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == LINKTYPE_LINUX_SLL2:
        return frame[20:] if frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    return None


def read_pcap(path):
    """Read a classic pcap file: (list of Datagram, info dict).  A truncated
    last record is dropped and reported as info["truncated"]."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise PcapError("%s: too short for a pcap header" % path)
    magic = data[:4]
    formats = {b"\xd4\xc3\xb2\xa1": ("<", 1e6), b"\xa1\xb2\xc3\xd4": (">", 1e6),
               b"\x4d\x3c\xb2\xa1": ("<", 1e9), b"\xa1\xb2\x3c\x4d": (">", 1e9)}
    if magic not in formats:
        raise PcapError("%s: not a classic pcap file (pcapng is not read)" % path)
    endian, frac = formats[magic]
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    info = {"linktype": linktype, "records": 0, "not_udp": 0, "truncated": False}
    datagrams = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            info["truncated"] = True
            break
        sec, sub, incl, orig = struct.unpack_from(endian + "IIII", data, off)
        if off + 16 + incl > len(data):
            info["truncated"] = True
            break
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        info["records"] += 1
        ip = _link_payload(linktype, frame)
        parsed = _parse_ip_udp(ip) if ip is not None else None
        if parsed is None or len(parsed[4]) < 8:
            info["not_udp"] += 1
            continue
        family, sip, dip, tos, udp = parsed
        sport, dport, ulen = struct.unpack_from("!HHH", udp, 0)
        snapped = incl < orig or ulen > len(udp)
        payload = udp[8:max(ulen, 8)] if not snapped else udp[8:]
        datagrams.append(Datagram(len(datagrams), sec + sub / frac, family,
                                  (sip, sport), (dip, dport), tos, payload,
                                  snapped))
    return datagrams, info


def ip_udp_packet(src, dst, payload, tos=0):
    """An IPv4 or IPv6 + UDP packet as PCAP-SPEC.md describes.  src and dst
    are (ip, port); the family follows the address."""
    v6 = ":" in src[0]
    if v6:
        s = socket.inet_pton(socket.AF_INET6, src[0])
        d = socket.inet_pton(socket.AF_INET6, dst[0])
        ulen = 8 + len(payload)
        pseudo = s + d + struct.pack("!IxxxB", ulen, 17)
        udp = struct.pack("!HHHH", src[1], dst[1], ulen, 0) + payload
        csum = _checksum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
        ip = struct.pack("!IHBB", (6 << 28) | (tos << 20), ulen, 17, 64) + s + d
        return ip + udp
    s = socket.inet_pton(socket.AF_INET, src[0])
    d = socket.inet_pton(socket.AF_INET, dst[0])
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH", 0x45, tos, 20 + len(udp), 0, 0, 64, 17, 0) + s + d
    hdr = hdr[:10] + struct.pack("!H", _checksum(hdr)) + hdr[12:]
    return hdr + udp


def _checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class PcapWriter:
    """Writes the capture format of PCAP-SPEC.md (LINKTYPE_RAW)."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144,
                                 LINKTYPE_RAW))

    def write(self, ts, src, dst, payload, tos=0):
        pkt = ip_udp_packet(src, dst, payload, tos)
        sec = int(ts)
        self.f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6),
                                 len(pkt), len(pkt)) + pkt)

    def close(self):
        self.f.close()


# ---------------------------------------------------------------- QUIC

class Packet:
    """One QUIC packet of a datagram.  kind: initial, 0rtt, handshake, retry,
    vn (version negotiation), 1rtt, invalid."""
    __slots__ = ("dg", "start", "end", "kind", "version", "dcid", "scid",
                 "token", "pn_offset", "pn", "key_phase", "decrypted",
                 "frames", "conn", "error", "reserved_bits")

    def __init__(self, dg, start, end, kind):
        self.dg, self.start, self.end, self.kind = dg, start, end, kind
        self.version = self.dcid = self.scid = self.token = None
        self.pn_offset = self.pn = self.key_phase = None
        self.decrypted = False
        self.frames = None
        self.conn = None
        self.error = None
        self.reserved_bits = None

    @property
    def dir(self):
        return self.dg.dir

    def as_dict(self):
        d = {"datagram": self.dg.index, "ts": round(self.dg.ts, 6),
             "dir": self.dg.dir, "kind": self.kind, "size": self.end - self.start}
        for name in ("version", "pn", "key_phase", "error"):
            v = getattr(self, name)
            if v is not None:
                d[name] = v
        for name in ("dcid", "scid", "token"):
            v = getattr(self, name)
            if v is not None:
                d[name] = v.hex()
        if self.frames is not None:
            d["frames"] = [f[0] for f in self.frames]
        d["decrypted"] = self.decrypted
        return d


def split_datagram(dg):
    """Split a datagram's payload into its coalesced packets (RFC 9000 12.2).
    A short header packet takes the rest of the datagram; its DCID is read
    later, when the connections' CIDs are known."""
    data, pos, out = dg.payload, 0, []
    while pos < len(data):
        if not data[pos] & 0x80:
            if not any(data[pos:]):  # zero padding after the last packet
                break
            out.append(Packet(dg, pos, len(data), "1rtt"))
            break
        try:
            pkt, pos = _parse_long(dg, data, pos)
        except Short:
            p = Packet(dg, pos, len(data), "invalid")
            p.error = "long header runs past the datagram"
            out.append(p)
            break
        out.append(pkt)
    return out


def _parse_long(dg, data, start):
    r = Reader(data, start + 1)
    version = r.uint(4)
    dcid = r.vec(1)
    scid = r.vec(1)
    if version == 0:
        p = Packet(dg, start, len(data), "vn")
        p.version, p.dcid, p.scid = 0, dcid, scid
        return p, len(data)
    kind = LONG_TYPES.get(version, LONG_TYPES[VERSION_1])[(data[start] >> 4) & 3]
    if version not in LONG_TYPES or len(dcid) > 20 or len(scid) > 20:
        p = Packet(dg, start, len(data), "invalid")
        p.version, p.dcid, p.scid = version, dcid, scid
        p.error = ("unknown version 0x%08x" % version if version not in LONG_TYPES
                   else "connection ID longer than 20 bytes")
        return p, len(data)
    if kind == "retry":
        if r.left() < 16:
            raise Short()
        p = Packet(dg, start, len(data), kind)
        p.token = data[r.pos:len(data) - 16]
    else:
        token = None
        if kind == "initial":
            token = r.bytes(r.varint())
        length = r.varint()
        if r.pos + length > len(data):
            raise Short()
        p = Packet(dg, start, r.pos + length, kind)
        p.token, p.pn_offset = token, r.pos
    p.version, p.dcid, p.scid = version, dcid, scid
    return p, p.end


FRAME_NAMES = {
    0x00: "padding", 0x01: "ping", 0x02: "ack", 0x03: "ack_ecn",
    0x04: "reset_stream", 0x05: "stop_sending", 0x06: "crypto",
    0x07: "new_token", 0x10: "max_data", 0x11: "max_stream_data",
    0x12: "max_streams_bidi", 0x13: "max_streams_uni", 0x14: "data_blocked",
    0x15: "stream_data_blocked", 0x16: "streams_blocked_bidi",
    0x17: "streams_blocked_uni", 0x18: "new_connection_id",
    0x19: "retire_connection_id", 0x1A: "path_challenge",
    0x1B: "path_response", 0x1C: "connection_close",
    0x1D: "connection_close_app", 0x1E: "handshake_done",
    0x30: "datagram", 0x31: "datagram",
}


def parse_frames(payload):
    """Frames of a decrypted payload (RFC 9000 19) -> list of tuples
    (name, fields...): ("crypto", offset, data), ("connection_close", error,
    frame type or None, reason), ("ack", largest, ecn counts or None),
    ("stream", id, offset, length, fin), ("new_connection_id", seq, cid),
    ("path_challenge", data), ("path_response", data), others (name,).
    Stops at an unknown frame type with ("unknown", type)."""
    r, frames = Reader(payload), []
    try:
        while r.left():
            ftype = r.varint()
            if ftype == 0x00:
                while r.left() and payload[r.pos] == 0:
                    r.pos += 1
                if not frames or frames[-1][0] != "padding":
                    frames.append(("padding",))
            elif ftype in (0x02, 0x03):
                largest = r.varint()
                r.varint()  # ack delay
                count = r.varint()
                r.varint()  # first range
                for _ in range(count):
                    r.varint()
                    r.varint()
                ecn = [r.varint(), r.varint(), r.varint()] if ftype == 3 else None
                frames.append(("ack_ecn" if ecn else "ack", largest, ecn))
            elif ftype == 0x06:
                offset = r.varint()
                frames.append(("crypto", offset, r.bytes(r.varint())))
            elif ftype == 0x07:
                r.bytes(r.varint())
                frames.append(("new_token",))
            elif 0x08 <= ftype <= 0x0F:
                sid = r.varint()
                off = r.varint() if ftype & 4 else 0
                n = r.varint() if ftype & 2 else r.left()
                r.bytes(n)
                frames.append(("stream", sid, off, n, bool(ftype & 1)))
            elif ftype in (0x04,):
                r.varint(), r.varint(), r.varint()
                frames.append(("reset_stream",))
            elif ftype in (0x05, 0x11, 0x15):
                r.varint(), r.varint()
                frames.append((FRAME_NAMES[ftype],))
            elif ftype in (0x10, 0x12, 0x13, 0x14, 0x16, 0x17, 0x19):
                r.varint()
                frames.append((FRAME_NAMES[ftype],))
            elif ftype == 0x18:
                seq = r.varint()
                r.varint()
                cid = r.vec(1)
                r.bytes(16)
                frames.append(("new_connection_id", seq, cid))
            elif ftype in (0x1A, 0x1B):
                frames.append((FRAME_NAMES[ftype], r.bytes(8)))
            elif ftype in (0x1C, 0x1D):
                err = r.varint()
                ft = r.varint() if ftype == 0x1C else None
                reason = r.bytes(r.varint())
                frames.append(("connection_close", err, ft,
                               reason.decode("utf-8", "replace"),
                               ftype == 0x1D))
            elif ftype in (0x01, 0x1E):
                frames.append((FRAME_NAMES[ftype],))
            elif ftype in (0x30, 0x31):
                r.bytes(r.varint() if ftype == 0x31 else r.left())
                frames.append(("datagram",))
            else:
                frames.append(("unknown", ftype))
                break
    except Short:
        frames.append(("malformed",))
    return frames


# ---------------------------------------------------------------- TLS

def tls_messages(stream):
    """Handshake messages at the start of a CRYPTO stream: [(type, body)];
    the last one's body is None when only its header is complete."""
    out, pos = [], 0
    while pos + 4 <= len(stream):
        mtype, n = stream[pos], int.from_bytes(stream[pos + 1:pos + 4], "big")
        if pos + 4 + n > len(stream):
            out.append((mtype, None))
            break
        out.append((mtype, stream[pos + 4:pos + 4 + n]))
        pos += 4 + n
    return out


def _extensions(r):
    ext, er = {}, Reader(r.vec(2))
    while er.left():
        etype = er.uint(2)
        ext[etype] = er.vec(2)
    return ext


def _alpn_list(data):
    r = Reader(data)
    r = Reader(r.vec(2))
    out = []
    while r.left():
        out.append(r.vec(1).decode("ascii", "replace"))
    return out


def parse_transport_parameters(data):
    """QUIC transport parameters (RFC 9000 18) -> {name: value}: integers,
    hex strings for byte values, true for flags; unknown ids as "0x..."."""
    r, tp = Reader(data), {}
    while r.left():
        pid = r.varint()
        val = r.bytes(r.varint())
        name = TRANSPORT_PARAMETERS.get(pid, "0x%x" % pid)
        if pid in TP_EMPTY:
            tp[name] = True
        elif pid in TP_BYTES or pid not in TRANSPORT_PARAMETERS:
            tp[name] = val.hex()
        else:
            try:
                tp[name] = Reader(val).varint()
            except Short:
                tp[name] = val.hex()
    return tp


def parse_client_hello(body):
    r = Reader(body)
    r.bytes(2)
    ch = {"random": r.bytes(32)}
    r.vec(1)  # legacy session id
    suites = Reader(r.vec(2))
    ch["ciphers"] = [suites.uint(2) for _ in range(suites.left() // 2)]
    r.vec(1)  # compression methods
    ext = _extensions(r) if r.left() else {}
    ch["alpn"] = _alpn_list(ext[16]) if 16 in ext else []
    groups = []
    if 51 in ext:
        ks = Reader(Reader(ext[51]).vec(2))
        while ks.left():
            groups.append(ks.uint(2))
            ks.vec(2)
    ch["key_share_groups"] = groups
    ch["sni"] = None
    if 0 in ext:
        sn = Reader(Reader(ext[0]).vec(2))
        if sn.left() and sn.uint(1) == 0:
            ch["sni"] = sn.vec(2).decode("ascii", "replace")
    ch["psk"] = 41 in ext
    ch["early_data"] = 42 in ext
    ch["tp"] = parse_transport_parameters(ext[0x39]) if 0x39 in ext else None
    return ch


def parse_server_hello(body):
    r = Reader(body)
    r.bytes(2)
    sh = {"random": r.bytes(32)}
    r.vec(1)
    sh["cipher"] = r.uint(2)
    r.uint(1)
    ext = _extensions(r) if r.left() else {}
    sh["hrr"] = sh["random"] == HRR_RANDOM
    sh["group"] = Reader(ext[51]).uint(2) if 51 in ext else None
    sh["psk"] = 41 in ext
    return sh


def parse_encrypted_extensions(body):
    ext = _extensions(Reader(body))
    alpn = _alpn_list(ext[16]) if 16 in ext else []
    return {"alpn": alpn[0] if alpn else None,
            "tp": parse_transport_parameters(ext[0x39]) if 0x39 in ext else None,
            "early_data": 42 in ext}


class Stream:
    """A CRYPTO stream reassembled from its frames."""

    def __init__(self):
        self.chunks = {}
        self.max_end = 0

    def add(self, offset, data):
        if len(data) > len(self.chunks.get(offset, b"")):
            self.chunks[offset] = data
        self.max_end = max(self.max_end, offset + len(data))

    def contiguous(self):
        buf = bytearray()
        for off in sorted(self.chunks):
            if off > len(buf):
                break
            d = self.chunks[off]
            if off + len(d) > len(buf):
                buf += d[len(buf) - off:]
        return bytes(buf)


# ---------------------------------------------------------------- analysis

def _addr(a):
    return ("[%s]:%d" if ":" in a[0] else "%s:%d") % a


def parse_addr(text):
    """"ADDR:PORT" or "[ADDR]:PORT" -> (normalized ip, port)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, host)), int(port)


SPACES = {"initial": "initial", "handshake": "handshake", "0rtt": "app",
          "1rtt": "app"}


class Conn:
    """One QUIC connection, known by the client's original DCID; a Retry
    continues the same connection."""

    def __init__(self, odcid, version, client_addr, index):
        self.odcid = odcid
        self.version = version  # the latest version the server used
        self.key_cids = [odcid]  # DCIDs Initial keys derive from: + Retry SCIDs
        self.client_cids = []  # the SCIDs each side put in its long headers
        self.server_cids = []
        self.client_addrs = [client_addr]
        self.first = index
        self.retries = []
        self.streams = {}
        self.largest = {}
        self.client_initials = []  # (pn, token) of each decrypted client Initial
        self.client_hellos = 0
        self.versions = set()
        self.counts = {"client": {}, "server": {}}
        self.bytes = {"client": {}, "server": {}}
        self.key_phases = {"client": [0, 0], "server": [0, 0]}
        self.reserved_bits_set = 0
        self.unknown_cid = 0
        self.closes = []
        self.frames = {"client": {}, "server": {}}
        self.paths = {"client": [], "server": []}
        self.issued_cids = {"client": [], "server": []}  # NEW_CONNECTION_ID
        self.decrypt_errors = 0
        self.no_keys = 0
        self.client_hello = self.server_hello = None
        self.hrr = False
        self._initial_keys = {}
        self._keys = {}

    def stream(self, side, space):
        return self.streams.setdefault((side, space), Stream())

    def initial_keys(self, side, version):
        """Candidate Initial keys of one side, the newest CID's first."""
        out = []
        for cid in reversed(self.key_cids):
            k = (cid, version)
            if k not in self._initial_keys:
                c, s = initial_secrets(cid, version)
                self._initial_keys[k] = (Keys(AES_128_GCM_SHA256, c, version),
                                         Keys(AES_128_GCM_SHA256, s, version))
            out.append(self._initial_keys[k][side == "server"])
        return out

    # TLS as far as the CRYPTO streams go
    def _messages(self, side, space):
        s = self.streams.get((side, space))
        return tls_messages(s.contiguous()) if s else []

    def hellos(self):
        ch = sh = None
        self.hrr = False
        for mtype, body in self._messages("client", "initial"):
            if mtype == 1 and body is not None:
                try:
                    ch = ch or parse_client_hello(body)
                except Short:
                    pass
        for mtype, body in self._messages("server", "initial"):
            if mtype == 2 and body is not None:
                try:
                    h = parse_server_hello(body)
                except Short:
                    continue
                self.hrr = self.hrr or h["hrr"]
                if not h["hrr"]:
                    sh = h
        self.client_hello, self.server_hello = ch, sh
        return ch, sh

    def secret(self, side, label, secrets):
        ch, sh = self.client_hello, self.server_hello
        if not (ch and sh and sh["cipher"] in SUITES):
            return None
        return secrets.get(ch["random"], {}).get(
            ("CLIENT_" if side == "client" else "SERVER_") + label)

    def keys(self, side, label, secrets, version=None):
        """Keys from the key log for one side and level, or None."""
        version = version or self.version
        k = (side, label, version)
        if k not in self._keys:
            secret = self.secret(side, label, secrets)
            self._keys[k] = secret and Keys(self.server_hello["cipher"], secret, version)
        return self._keys[k]

    def app_keys(self, side, secrets):
        """The KeyUpdates of one side's 1-RTT packets, or None."""
        k = (side, "app", self.version)
        if k not in self._keys:
            secret = self.secret(side, "TRAFFIC_SECRET_0", secrets)
            self._keys[k] = secret and KeyUpdates(self.server_hello["cipher"],
                                                  secret, self.version)
        return self._keys[k]

    def server_handshake(self):
        """(EncryptedExtensions dict or None, certificate_sent or None)."""
        ee, cert = None, None
        msgs = self._messages("server", "handshake")
        for i, (mtype, body) in enumerate(msgs):
            if mtype == 8 and body is not None:
                try:
                    ee = parse_encrypted_extensions(body)
                except Short:
                    pass
            elif mtype in (11, 25):  # Certificate, CompressedCertificate
                cert = True
            elif mtype in (15, 20) and cert is None:  # CertificateVerify, Finished
                cert = False
        return ee, cert


class Analysis:
    """The dissection of one capture file."""

    def __init__(self, datagrams, info, secrets=None, server=None, name=None,
                 decrypt_1rtt=False):
        self.name = name
        self.decrypt_1rtt = decrypt_1rtt
        self.info = info
        self.datagrams = datagrams
        self.secrets = secrets or {}
        self.keylog_given = secrets is not None
        if server is None and datagrams:
            server = datagrams[0].dst
        self.server = server
        for dg in datagrams:
            dg.dir = ("server" if dg.src == server else
                      "client" if dg.dst == server else "other")
        self.conns = []
        self.by_server_cid = {}  # DCIDs a client uses -> Conn
        self.by_client_cid = {}  # DCIDs a server uses -> Conn
        self.by_addr = {}  # client (ip, port) -> [Conn]
        self.unattributed = 0
        self.server_initial_scids = []
        self.server_initial_scids_raw = []
        self.versions_raw = []
        self.packets = []
        for dg in datagrams:
            self.packets.extend(split_datagram(dg))
        for p in self.packets:  # first: Initial and Retry packets
            if p.dir == "client" and p.kind == "initial":
                self._client_initial(p)
            elif p.dir == "server" and p.kind == "initial":
                self._server_initial(p)
            elif p.dir == "server" and p.kind == "retry":
                self._retry(p)
        for c in self.conns:
            c.hellos()
        for p in self.packets:  # then the rest, keys and CIDs known
            if p.kind in ("handshake", "0rtt", "1rtt") and p.dir != "other":
                self._other(p)
            if p.conn is not None:
                cnt = p.conn.counts[p.dir]
                cnt[p.kind] = cnt.get(p.kind, 0) + 1
                b = p.conn.bytes[p.dir]
                b[p.kind] = b.get(p.kind, 0) + p.end - p.start

    # ---- finding a packet's connection
    def _by_addr(self, addr, index):
        cands = self._by_addr_all(addr, index)
        return cands[0] if cands else None

    def _register(self, c):
        self.conns.append(c)
        self.by_server_cid[c.odcid] = c
        self.by_addr.setdefault(c.client_addrs[0], []).append(c)

    def _learn(self, c, p):
        """Record a decrypted Initial's SCID and the client's address."""
        if p.dir == "client":
            if p.scid not in c.client_cids:
                c.client_cids.append(p.scid)
                if p.scid:
                    self.by_client_cid[p.scid] = c
            if p.dg.src not in c.client_addrs:
                c.client_addrs.append(p.dg.src)
                self.by_addr.setdefault(p.dg.src, []).append(c)
        else:
            if p.scid not in c.server_cids:
                c.server_cids.append(p.scid)
                self.by_server_cid[p.scid] = c

    def _by_addr_all(self, addr, index):
        """The connections of a client address begun by datagram index,
        newest first."""
        return [c for c in reversed(self.by_addr.get(addr, ())) if c.first <= index]

    def _candidates(self, p):
        """Connections a long header packet may belong to, likeliest first:
        the one its DCID names, else those of the client's address."""
        if p.dir == "client":
            c, addr = self.by_server_cid.get(p.dcid), p.dg.src
        else:
            c, addr = self.by_client_cid.get(p.dcid) if p.dcid else None, p.dg.dst
        return [c] if c else self._by_addr_all(addr, p.dg.index)

    # ---- decryption
    def _open(self, c, p, keys, space):
        data = p.dg.payload
        hp = remove_header_protection(keys, data, p.start, p.pn_offset, p.end)
        if hp is None:
            return False
        first, pnlen, tpn, header = hp
        largest = c.largest.get((p.dir, space), -1)
        pn = decode_packet_number(tpn, pnlen, largest)
        try:
            payload = keys.decrypt(pn, data[p.pn_offset + pnlen:p.end], header)
        except InvalidTag:
            return False
        p.pn, p.decrypted = pn, True
        c.largest[(p.dir, space)] = max(largest, pn)
        self._frames(c, p, space, payload)
        return True

    def _frames(self, c, p, space, payload):
        p.frames = parse_frames(payload)
        count = c.frames[p.dir]
        for f in p.frames:
            count[f[0]] = count.get(f[0], 0) + 1
            if f[0] == "crypto":
                c.stream(p.dir, space).add(f[1], f[2])
            elif f[0] == "connection_close":
                c.closes.append({"from": p.dir, "level": space, "error": f[1],
                                 "frame_type": f[2], "reason": f[3],
                                 "application": f[4]})
            elif f[0] in ("path_challenge", "path_response"):
                c.paths[p.dir].append((f[0], f[1].hex(), _addr(p.dg.src),
                                       _addr(p.dg.dst)))
            elif f[0] == "new_connection_id" and f[2]:
                # the CIDs the peer of the issuer will put in its DCIDs
                table = self.by_client_cid if p.dir == "client" else self.by_server_cid
                table[f[2]] = c
                c.issued_cids[p.dir].append(f[2])

    def _open_initial(self, c, p):
        return any(self._open(c, p, k, "initial")
                   for k in c.initial_keys(p.dir, p.version))

    def _fail(self, c, p, why):
        p.error = why
        if c is None:
            self.unattributed += 1
        else:
            c.decrypt_errors += 1

    def _client_initial(self, p):
        c = self.by_server_cid.get(p.dcid)
        if c is None:  # a new connection, if the DCID gives keys that work
            trial = Conn(p.dcid, p.version, p.dg.src, p.dg.index)
            if self._open_initial(trial, p):
                self._register(trial)
                c = trial
            else:
                c = self._by_addr(p.dg.src, p.dg.index)
                p.conn = c
                return self._fail(c, p, "undecryptable Initial, unknown DCID")
        elif not self._open_initial(c, p):
            p.conn = c
            return self._fail(c, p, "decryption failed")
        p.conn = c
        self._learn(c, p)
        c.client_initials.append((p.pn, p.token))
        if any(f[0] == "crypto" and f[1] == 0 for f in p.frames):
            c.client_hellos += 1

    def _server_initial(self, p):
        self.server_initial_scids_raw.append(p.scid)
        self.versions_raw.append(p.version)
        cands = self._candidates(p)
        c = p.conn = next((c for c in cands if self._open_initial(c, p)), None)
        if c is None:
            p.conn = cands[0] if cands else None
            return self._fail(p.conn, p, "decryption failed" if cands else "no connection")
        self._learn(c, p)
        c.versions.add(p.version)
        c.version = p.version
        self.server_initial_scids.append(p.scid)

    def _retry(self, p):
        cands = self._candidates(p)
        if not cands:
            self.unattributed += 1
            p.error = "no connection"
            return
        pkt = p.dg.payload[p.start:p.end]
        c = next((c for c in cands if any(retry_integrity_ok(pkt, cid, p.version)
                                          for cid in reversed(c.key_cids))), None)
        ok = c is not None
        c = p.conn = c or cands[0]
        p.decrypted = ok
        c.retries.append({"token": p.token, "scid": p.scid, "integrity_ok": ok})
        if ok and p.scid not in c.key_cids:
            c.key_cids.append(p.scid)
            self.by_server_cid[p.scid] = c

    def _short_candidates(self, p):
        """[(Conn, DCID, guessed)] for a short header packet: the longest
        known CID its bytes after the first one start with; else the
        connections of the client's address, newest first, each with the
        length of the CID it last used (guessed: true)."""
        table = self.by_server_cid if p.dir == "client" else self.by_client_cid
        data = p.dg.payload
        for n in sorted({len(k) for k in table}, reverse=True):
            c = table.get(data[p.start + 1:p.start + 1 + n])
            if c is not None:
                return [(c, data[p.start + 1:p.start + 1 + n], False)]
        out = []
        for c in self._by_addr_all(p.dg.src if p.dir == "client" else p.dg.dst,
                                   p.dg.index):
            cids = c.server_cids if p.dir == "client" else c.client_cids
            n = len(cids[-1]) if cids else 0
            out.append((c, data[p.start + 1:p.start + 1 + n], n > 0))
        return out

    def _try_1rtt(self, c, p, dcid, decrypt):
        """Header protection off (and the payload decrypted, if asked) with
        c's keys: None without keys, {} when too short, else a dict."""
        ku = c.app_keys(p.dir, self.secrets)
        if ku is None:
            return None
        data, pn_offset = p.dg.payload, p.start + 1 + len(dcid)
        # the header protection key stays the same across key updates
        hp = remove_header_protection(ku.keys[0], data, p.start, pn_offset, p.end)
        if hp is None:
            return {}
        first, pnlen, tpn, header = hp
        pn = decode_packet_number(tpn, pnlen, c.largest.get((p.dir, "app"), -1))
        payload = None
        if decrypt:
            payload = ku.decrypt((first >> 2) & 1, pn, data[pn_offset + pnlen:p.end],
                                 header)
        return {"first": first, "pn": pn, "payload": payload}

    def _one_rtt(self, p):
        cands = self._short_candidates(p)
        if not cands:
            self.unattributed += 1
            p.error = "no connection"
            return
        # several connections share the client's address and no CID tells
        # them apart: the one whose keys open the packet
        decrypt = self.decrypt_1rtt or len(cands) > 1
        tried = []
        for c, dcid, guessed in cands:
            tried.append((c, dcid, guessed, self._try_1rtt(c, p, dcid, decrypt)))
            if tried[-1][3] and tried[-1][3]["payload"] is not None:
                break
        c, dcid, guessed, r = (
            next((t for t in tried if t[3] and t[3]["payload"] is not None), None)
            or next((t for t in tried if t[3] is not None), tried[0]))
        p.conn, p.dcid, p.pn_offset = c, dcid, p.start + 1 + len(dcid)
        c.unknown_cid += guessed
        if r is None:
            c.no_keys += 1
            p.error = "no keys"
            return
        if not r:
            p.error = "too short"
            return
        p.key_phase = (r["first"] >> 2) & 1
        p.reserved_bits = r["first"] & 0x18
        c.key_phases[p.dir][p.key_phase] += 1
        if decrypt and r["payload"] is None:
            return self._fail(c, p, "decryption failed")
        if r["payload"] is not None:
            p.decrypted = True
            if self.decrypt_1rtt:
                self._frames(c, p, "app", r["payload"])
        if p.reserved_bits:
            c.reserved_bits_set += 1  # corrupted, or a wrong DCID length
        else:
            p.pn = r["pn"]
            c.largest[(p.dir, "app")] = max(c.largest.get((p.dir, "app"), -1), p.pn)

    def _other(self, p):
        if p.kind == "1rtt":
            return self._one_rtt(p)
        cands = self._candidates(p)
        if not cands:
            self.unattributed += 1
            p.error = "no connection"
            return
        p.conn = cands[0]
        if p.kind == "0rtt":
            return  # early data keys are not used
        have_keys = False
        for c in cands:
            k = c.keys(p.dir, "HANDSHAKE_TRAFFIC_SECRET", self.secrets, p.version)
            have_keys = have_keys or k is not None
            if k is not None and self._open(c, p, k, "handshake"):
                p.conn = c
                return
        if have_keys:
            self._fail(cands[0], p, "decryption failed")
        else:
            cands[0].no_keys += 1
            p.error = "no keys"

    # ---- results
    def amplification(self):
        """The runner's amplification check over this file: datagrams in
        order, the first packet's type deciding (as the runner does), until
        a client datagram that carries a Handshake packet (anywhere in it:
        that validates the client's address, RFC 9000 8.1).  result: ok,
        violated, version_negotiation, invalid_packet or
        no_client_handshake."""
        first, handshake = {}, set()
        for p in self.packets:
            first.setdefault(p.dg.index, p)
            if p.kind == "handshake":
                handshake.add(p.dg.index)
        allowed = tolerance = client = server = over3 = 0
        result = "no_client_handshake"
        for dg in self.datagrams:
            p = first.get(dg.index)
            if p is None or dg.dir == "other":
                continue
            if p.kind == "vn":
                result = "version_negotiation"
                break
            if p.kind == "invalid":
                result = "invalid_packet"
                break
            size = len(dg.payload)
            if dg.dir == "client":
                if dg.index in handshake:
                    result = "ok"
                    break
                if p.kind == "initial":
                    client += size
                    allowed += 3 * size
                    tolerance += 4 * size
            else:
                server += size
                if size >= tolerance:
                    result = "violated"
                    break
                over3 += size > allowed
                tolerance -= size
                allowed -= size
        return {"result": result, "client_initial_bytes": client,
                "server_bytes": server, "over_3x": over3}

    def connection_summary(self, c):
        ch, sh = c.client_hello, c.server_hello
        tokens = [r["token"] for r in c.retries]
        pn_greater = None
        if c.retries:
            pn_greater, highest = False, -1
            for pn, token in c.client_initials:
                if not token:
                    highest = max(highest, pn)
                    continue
                if pn <= highest:
                    break
                if token in tokens:
                    pn_greater = True
                    break
        hs_keys = c.keys("server", "HANDSHAKE_TRAFFIC_SECRET", self.secrets)
        app_keys = (c.app_keys("client", self.secrets) or
                    c.app_keys("server", self.secrets))
        ee, cert = c.server_handshake() if hs_keys else (None, None)
        hs = c.streams.get(("server", "handshake"))
        return {
            "odcid": c.odcid.hex(),
            "client_addrs": [_addr(a) for a in c.client_addrs],
            "client_random": ch["random"].hex() if ch else None,
            "client_scids": [x.hex() for x in c.client_cids],
            "server_scids": [x.hex() for x in c.server_cids],
            "issued_cids": {k: [x.hex() for x in v] for k, v in c.issued_cids.items()},
            "versions": sorted("0x%08x" % v for v in c.versions),
            "retry": bool(c.retries),
            "retries": len(c.retries),
            "retry_integrity_ok": all(r["integrity_ok"] for r in c.retries)
            if c.retries else None,
            "retry_tokens": [t.hex() for t in tokens],
            "retry_token_reused": any(t in tokens for _, t in c.client_initials if t),
            "pn_after_retry_greater": pn_greater,
            "client_initial_pns": [pn for pn, _ in c.client_initials],
            "client_hellos": c.client_hellos,
            "hello_retry_request": c.hrr,
            "offered_ciphers": ch["ciphers"] if ch else None,
            "chosen_cipher": sh["cipher"] if sh else None,
            "alpn_offered": ch["alpn"] if ch else None,
            "alpn": ee["alpn"] if ee else None,
            "sni": ch["sni"] if ch else None,
            "key_share_groups": ch["key_share_groups"] if ch else None,
            "chosen_group": sh["group"] if sh else None,
            "psk_offered": ch["psk"] if ch else None,
            "psk_accepted": sh["psk"] if sh else None,
            "early_data_offered": ch["early_data"] if ch else None,
            "client_tp": ch["tp"] if ch else None,
            "keys": {"handshake": hs_keys is not None, "1rtt": app_keys is not None},
            "certificate_sent": cert,
            "server_tp": ee["tp"] if ee else None,
            "server_handshake_crypto_bytes": hs.max_end if hs else 0,
            "packets": c.counts,
            "bytes": c.bytes,
            "key_phases": {side: {"0": v[0], "1": v[1]}
                           for side, v in c.key_phases.items()}
            if app_keys else None,
            "reserved_bits_set": c.reserved_bits_set,
            "unknown_cid": c.unknown_cid,
            "closes": c.closes,
            "frames": c.frames,  # per sender: counts by frame name
            "path_frames": c.paths,  # per sender: (frame, data, src, dst)
            "decrypted_1rtt": self.decrypt_1rtt and app_keys is not None,
            "decrypt_errors": c.decrypt_errors,
            "no_keys": c.no_keys,
        }

    def summary(self):
        """The JSON of the CLI's summary.  Per file: datagrams and packets by
        sender ("client" sent it, "server" sent it), ipv4_/ipv6_from_server,
        ecn marks, handshakes (distinct SCIDs of the server's Initials that
        decrypted; handshakes_raw counts all, as the runner's
        _count_handshakes), versions (of the server's Initials), the
        amplification check, decrypt_errors (all connections and packets of
        none).  Per connection (keyed by the client's original DCID): CIDs,
        Retry (tokens, integrity, token reused, the runner's packet number
        check), the ClientHello (ciphers, ALPN, groups, transport
        parameters) and ServerHello (cipher), client_hellos (client Initials
        with CRYPTO at offset 0); with key logs the server's ALPN and
        transport parameters, certificate_sent (null without keys),
        key_phases by sender (null without 1-RTT keys); with decrypt_1rtt
        also frames by sender, path frames, closes and issued CIDs."""
        dgs = {"client": 0, "server": 0, "other": 0, "client_bytes": 0,
               "server_bytes": 0, "snapped": 0}
        ecn = {"client": [0, 0, 0, 0], "server": [0, 0, 0, 0]}
        fam = {4: 0, 6: 0}
        peers = set()
        for dg in self.datagrams:
            dgs[dg.dir] += 1
            dgs["snapped"] += dg.snapped
            if dg.dir != "other":
                dgs[dg.dir + "_bytes"] += len(dg.payload)
                ecn[dg.dir][dg.tos & 3] += 1
            if dg.dir == "server":
                fam[dg.family] += 1
                peers.add(_addr(dg.dst))
        kinds = {"client": {}, "server": {}, "other": {}}
        for p in self.packets:
            kinds[p.dir][p.kind] = kinds[p.dir].get(p.kind, 0) + 1
        conns = [self.connection_summary(c) for c in self.conns]
        return {
            "file": self.name,
            "server": _addr(self.server) if self.server else None,
            "pcap": self.info,
            "datagrams": dgs,
            "ecn": ecn,  # per direction: [Not-ECT, ECT(1), ECT(0), CE]
            "ipv4_from_server": fam[4],
            "ipv6_from_server": fam[6],
            "server_peers": sorted(peers),
            "packets": kinds,
            "handshakes": len(set(self.server_initial_scids)),
            "handshakes_raw": len(set(self.server_initial_scids_raw)),
            "versions": sorted({"0x%08x" % v for v in self.versions_raw}),
            "keylog": self.keylog_given,
            "decrypt_errors": sum(c["decrypt_errors"] for c in conns)
            + self.unattributed,
            "unattributed": self.unattributed,
            "amplification": self.amplification(),
            "connections": conns,
        }


def analyze(pcap, keylogs=(), server=None, decrypt_1rtt=False):
    """Dissect one capture: an Analysis (its .summary() is the JSON).
    decrypt_1rtt: decrypt 1-RTT payloads too (following key updates), for
    their frames (PATH_CHALLENGE, ACK with ECN counts, CONNECTION_CLOSE,
    NEW_CONNECTION_ID...); else only their header protection is removed."""
    datagrams, info = read_pcap(pcap)
    secrets = read_keylogs(keylogs) if keylogs else None
    if isinstance(server, str):
        server = parse_addr(server)
    return Analysis(datagrams, info, secrets, server, name=pcap,
                    decrypt_1rtt=decrypt_1rtt)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["summary", "packets"])
    ap.add_argument("pcap")
    ap.add_argument("--keylog", action="append", default=[],
                    help="NSS key log file (repeatable)")
    ap.add_argument("--server", help="the server's ADDR:PORT "
                    "(default: where the first datagram goes)")
    ap.add_argument("--decrypt-1rtt", action="store_true",
                    help="decrypt 1-RTT payloads too (with key logs): frames, "
                    "closes, path challenges")
    args = ap.parse_args(argv)
    if AESGCM is None:
        print("quicdissect: python3-cryptography is required "
              "(apt-get install python3-cryptography)", file=sys.stderr)
        return 2
    try:
        a = analyze(args.pcap, args.keylog, args.server, args.decrypt_1rtt)
    except (OSError, PcapError, ValueError) as e:
        print("quicdissect: %s" % e, file=sys.stderr)
        return 2
    if args.command == "summary":
        print(json.dumps(a.summary(), indent=1))
    else:
        for p in a.packets:
            print(json.dumps(p.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
