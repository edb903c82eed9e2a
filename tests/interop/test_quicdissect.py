#!/usr/bin/python3
"""Tests of quicdissect.py: RFC 9001 Appendix A's test vectors, and
captures this script writes itself (IPv4 and IPv6, Retry, coalesced
packets, corruption, truncation, Ethernet and Linux cooked link layers).

    tests/interop/test_quicdissect.py [-v] [NAME...]

Prints "PASS name" / "FAIL name: why" per test and "N passed, N failed";
exits 1 when a test failed.  With QGET_BUILD=DIR (or the default build/
of this tree) holding qget and qget-serve, the e2e tests run real
handshakes through a small relay of this script that writes the capture.
"""

import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import quicdissect as qd  # noqa: E402

H = bytes.fromhex
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


# ------------------------------------------------------------ RFC 9001 A

RFC_DCID = H("8394c8f03e515708")

# A.2: the client's Initial packet, unprotected header and payload
A2_HEADER = H("c300000001088394c8f03e5157080000449e00000002")
A2_CRYPTO = H(
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff")
A2_PAYLOAD = A2_CRYPTO + bytes(917)
# A.2: the protected packet
A2_PACKET = H(
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934")
# A.3: the server's Initial packet
A3_HEADER = H("c1000000010008f067a5502a4262b50040750001")
A3_PAYLOAD = H(
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304")
A3_PACKET = H(
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee")
# A.4: a Retry packet
A4_RETRY = H("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba")
# A.5: a ChaCha20-Poly1305 short header packet
A5_SECRET = H("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b")
A5_PACKET = H("4cfe4189655e5cd55c41f69080575d7999c25a5bfb")
A5_PN = 654360564


@test
def rfc_a1_initial_keys():
    c, s = qd.initial_secrets(RFC_DCID)
    eq(c.hex(), "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", "client secret")
    eq(s.hex(), "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", "server secret")
    k = qd.Keys(qd.AES_128_GCM_SHA256, c)
    eq((k.key.hex(), k.iv.hex(), k.hp.hex()),
       ("1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
        "9f50449e04a0e810283a1e9933adedd2"), "client key/iv/hp")
    k = qd.Keys(qd.AES_128_GCM_SHA256, s)
    eq((k.key.hex(), k.iv.hex(), k.hp.hex()),
       ("cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e",
        "c206b8d9b9f0f37644430b490eeaa314"), "server key/iv/hp")


def seal(keys, header, pnlen, pn, payload, hp_keys=None):
    """Protect a packet: header ends with the pnlen-byte packet number."""
    ct = keys.aead.encrypt((int.from_bytes(keys.iv, "big") ^ pn).to_bytes(12, "big"),
                           payload, header)
    pkt = bytearray(header + ct)
    off = len(header) - pnlen
    mask = (hp_keys or keys).mask(bytes(pkt[off + 4:off + 20]))
    pkt[0] ^= mask[0] & (0x0F if pkt[0] & 0x80 else 0x1F)
    for i in range(pnlen):
        pkt[off + i] ^= mask[1 + i]
    return bytes(pkt)


@test
def rfc_a2_client_initial():
    c, _ = qd.initial_secrets(RFC_DCID)
    k = qd.Keys(qd.AES_128_GCM_SHA256, c)
    eq(seal(k, A2_HEADER, 4, 2, A2_PAYLOAD), A2_PACKET, "sealed A.2 packet")
    dg = qd.Datagram(0, 0.0, 4, ("10.0.0.1", 1), ("10.0.0.2", 443), 0, A2_PACKET, False)
    pkts = qd.split_datagram(dg)
    eq([p.kind for p in pkts], ["initial"], "kinds")
    p = pkts[0]
    eq((p.dcid, p.scid, p.token, p.end), (RFC_DCID, b"", b"", len(A2_PACKET)), "header")
    first, pnlen, tpn, header = qd.remove_header_protection(k, A2_PACKET, 0, p.pn_offset, p.end)
    eq((first, pnlen, tpn, header), (0xC3, 4, 2, A2_HEADER), "unprotected header")
    payload = k.decrypt(2, A2_PACKET[p.pn_offset + 4:], header)
    eq(payload, A2_PAYLOAD, "payload")
    frames = qd.parse_frames(payload)
    eq([f[0] for f in frames], ["crypto", "padding"], "frames")
    eq((frames[0][1], frames[0][2]), (0, A2_CRYPTO[4:]), "CRYPTO frame")
    ch = qd.parse_client_hello(qd.tls_messages(frames[0][2])[0][1])
    eq(ch["random"].hex()[:8], "ebf8fa56", "client random")
    eq(ch["ciphers"], [0x1301, 0x1302], "ciphers")
    eq(ch["alpn"], ["alpn"], "alpn")
    eq(ch["sni"], "example.com", "sni")
    eq(ch["key_share_groups"], [0x001D], "key share")
    eq(ch["tp"]["initial_source_connection_id"], RFC_DCID.hex(), "tp scid")
    eq(ch["tp"]["initial_max_streams_bidi"], 16, "tp streams")
    eq(ch["tp"]["max_idle_timeout"], 30000, "tp idle")


@test
def rfc_a3_server_initial():
    _, s = qd.initial_secrets(RFC_DCID)
    k = qd.Keys(qd.AES_128_GCM_SHA256, s)
    eq(seal(k, A3_HEADER, 2, 1, A3_PAYLOAD), A3_PACKET, "sealed A.3 packet")
    # through the whole tool: the A.2 datagram, then the A.3 one
    a = qd.Analysis([qd.Datagram(0, 0.0, 4, ("10.0.0.1", 1), ("10.0.0.2", 443), 0, A2_PACKET, False),
                     qd.Datagram(1, 0.1, 4, ("10.0.0.2", 443), ("10.0.0.1", 1), 0, A3_PACKET, False)],
                    {})
    s = a.summary()
    c = s["connections"][0]
    eq(len(s["connections"]), 1, "connections")
    eq((c["odcid"], c["server_scids"], c["chosen_cipher"], c["offered_ciphers"]),
       (RFC_DCID.hex(), ["f067a5502a4262b5"], 0x1301, [0x1301, 0x1302]), "connection")
    eq((s["handshakes"], c["client_hellos"], c["decrypt_errors"], c["retry"]), (1, 1, 0, False), "counts")
    eq(c["client_initial_pns"], [2], "pn")
    eq(s["versions"], ["0x00000001"], "versions")
    eq(c["certificate_sent"], None, "no keys: certificate unknown")
    eq(c["key_phases"], None, "no keys: key phases")


@test
def rfc_a4_retry():
    dg = qd.Datagram(0, 0.0, 4, ("10.0.0.2", 443), ("10.0.0.1", 1), 0, A4_RETRY, False)
    p = qd.split_datagram(dg)[0]
    eq((p.kind, p.version, p.dcid, p.scid, p.token),
       ("retry", 1, b"", H("f067a5502a4262b5"), b"token"), "retry header")
    eq(qd.retry_integrity_ok(A4_RETRY, RFC_DCID, 1), True, "integrity tag")
    eq(qd.retry_integrity_ok(A4_RETRY, H("8394c8f03e515709"), 1), False, "wrong odcid")


@test
def rfc_a5_chacha20_short_header():
    k = qd.Keys(qd.CHACHA20_POLY1305_SHA256, A5_SECRET)
    eq((k.key.hex(), k.iv.hex(), k.hp.hex()),
       ("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8",
        "e0459b3474bdd0e44a41c144",
        "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"), "key/iv/hp")
    first, pnlen, tpn, header = qd.remove_header_protection(k, A5_PACKET, 0, 1, len(A5_PACKET))
    eq((first, pnlen, header), (0x42, 3, H("4200bff4")), "first byte, header")
    pn = qd.decode_packet_number(tpn, pnlen, A5_PN - 1)
    eq(pn, A5_PN, "packet number")
    eq(k.decrypt(pn, A5_PACKET[4:], header), H("01"), "payload (PING)")


@test
def packet_number_decoding():
    # RFC 9000 A.3's example
    eq(qd.decode_packet_number(0x9B32, 2, 0xA82F30EA), 0xA82F9B32, "A.3")
    eq(qd.decode_packet_number(0, 1, -1), 0, "first")
    eq(qd.decode_packet_number(0x01, 1, 0xFF), 0x101, "wrap")


# ------------------------------------------------------------ synthetic captures

V = qd.encode_varint


def vec(n, b):
    return len(b).to_bytes(n, "big") + b


def ext(t, data):
    return t.to_bytes(2, "big") + vec(2, data)


def msg(t, body):
    return bytes([t]) + vec(3, body)


def tparams(**kw):
    ids = {v: k for k, v in qd.TRANSPORT_PARAMETERS.items()}
    out = b""
    for name, val in kw.items():
        v = val if isinstance(val, bytes) else V(val)
        out += V(ids[name]) + V(len(v)) + v
    return out + V(0x1B + 31 * 7) + V(2) + b"gr"  # a GREASE parameter


def client_hello(rnd, ciphers, alpns, scid):
    exts = (ext(0, vec(2, b"\x00" + vec(2, b"localhost")))
            + ext(16, vec(2, b"".join(vec(1, a.encode()) for a in alpns)))
            + ext(43, vec(1, b"\x03\x04"))
            + ext(51, vec(2, b"\x00\x1d" + vec(2, bytes(32))))
            + ext(0x39, tparams(initial_source_connection_id=scid,
                                initial_max_streams_bidi=10, max_idle_timeout=30000)))
    body = (b"\x03\x03" + rnd + b"\x00" + vec(2, b"".join(c.to_bytes(2, "big") for c in ciphers))
            + b"\x01\x00" + vec(2, exts))
    return msg(1, body)


def server_hello(rnd, cipher):
    exts = ext(43, b"\x03\x04") + ext(51, b"\x00\x1d" + vec(2, bytes(32)))
    return msg(2, b"\x03\x03" + rnd + b"\x00" + cipher.to_bytes(2, "big") + b"\x00" + vec(2, exts))


def server_flight(alpn, cert, scid):
    ee = msg(8, vec(2, ext(16, vec(2, vec(1, alpn.encode())))
                    + ext(0x39, tparams(initial_max_streams_bidi=100, initial_max_data=1 << 20,
                                        initial_source_connection_id=scid,
                                        disable_active_migration=b""))))
    out = ee
    if cert:
        out += msg(11, b"\x00" + vec(3, vec(3, b"C" * 700) + vec(2, b"")))
        out += msg(15, b"\x08\x04" + vec(2, b"S" * 256))
    return out + msg(20, b"F" * 32)


def crypto(off, data):
    return b"\x06" + V(off) + V(len(data)) + data


def ack(largest):
    return b"\x02" + V(largest) + b"\x00\x00\x00"


def long_packet(keys, kind, dcid, scid, pn, payload, token=b"", pnlen=2, pad_to=0):
    t = {"initial": 0, "0rtt": 1, "handshake": 2}[kind]
    hdr = bytes([0xC0 | t << 4 | (pnlen - 1)]) + (1).to_bytes(4, "big") + vec(1, dcid) + vec(1, scid)
    if kind == "initial":
        hdr += V(len(token)) + token
    if pad_to:
        payload += bytes(max(0, pad_to - len(hdr) - 2 - pnlen - 16 - len(payload)))
    hdr += (0x4000 | (pnlen + len(payload) + 16)).to_bytes(2, "big") + pn.to_bytes(pnlen, "big")
    return seal(keys, hdr, pnlen, pn, payload)


def short_packet(ku, dcid, pn, gen, payload=b"\x01" + bytes(20)):
    """A 1-RTT packet sealed with generation gen of KeyUpdates ku."""
    hdr = bytes([0x40 | (gen & 1) << 2 | 1]) + dcid + pn.to_bytes(2, "big")
    return seal(ku.generation(gen), hdr, 2, pn, payload, hp_keys=ku.keys[0])


def retry_packet(dcid, scid, token, odcid):
    pkt = b"\xf0" + (1).to_bytes(4, "big") + vec(1, dcid) + vec(1, scid) + token
    key, nonce = qd.RETRY_KEY_NONCE[1]
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return pkt + AESGCM(key).encrypt(nonce, b"", bytes([len(odcid)]) + odcid + pkt)


class Conversation:
    """A made-up connection: datagrams [(from_client, payload)], a key log,
    and what the dissector should find."""

    def __init__(self, seed, suite=qd.AES_128_GCM_SHA256, retry=True, cert=True, cscid_len=5):
        rnd = random.Random(seed)
        rb = lambda n: bytes(rnd.randrange(256) for _ in range(n))  # noqa: E731
        self.odcid, cscid, sscid, rscid = rb(8), rb(cscid_len), rb(8), rb(12)
        self.client_random = rb(32)
        hashlen = 48 if suite == qd.AES_256_GCM_SHA384 else 32
        secrets = {lab: rb(hashlen) for lab in (
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0")}
        self.keylog = "".join("%s %s %s\n" % (lab, self.client_random.hex(), s.hex())
                              for lab, s in secrets.items())
        K = {lab: qd.Keys(suite, s) for lab, s in secrets.items()}
        cak = qd.KeyUpdates(suite, secrets["CLIENT_TRAFFIC_SECRET_0"])
        sak = qd.KeyUpdates(suite, secrets["SERVER_TRAFFIC_SECRET_0"])
        new_scid = rb(8)
        ch = client_hello(self.client_random, [0x1301, 0x1302, 0x1303], ["hq-interop", "h3"], cscid)
        d = self.datagrams = []
        key_cid = self.odcid
        ic, _ = qd.initial_secrets(key_cid)
        d.append((True, long_packet(qd.Keys(0x1301, ic), "initial", self.odcid, cscid, 0,
                                    crypto(0, ch), pad_to=1200)))
        token, cpn = b"", 1
        if retry:
            token = b"retry-token-" + rb(20)
            d.append((False, retry_packet(cscid, rscid, token, self.odcid)))
            key_cid = rscid
        ic, isv = (qd.Keys(0x1301, s) for s in qd.initial_secrets(key_cid))
        if retry:
            d.append((True, long_packet(ic, "initial", rscid, cscid, cpn, crypto(0, ch),
                                        token=token, pad_to=1200)))
            cpn += 1
        # server: Initial (ServerHello) + Handshake coalesced
        flight = server_flight("hq-interop", cert, sscid)
        shk = K["SERVER_HANDSHAKE_TRAFFIC_SECRET"]
        s_init = long_packet(isv, "initial", cscid, sscid, 0,
                             ack(cpn - 1) + crypto(0, server_hello(rb(32), suite)))
        s_hs = long_packet(shk, "handshake", cscid, sscid, 0, crypto(0, flight))
        d.append((False, s_init + s_hs))
        self.corrupt = bytearray(s_init + s_hs)
        self.corrupt[60] ^= 0x40  # inside the Initial's ciphertext
        # client: Initial (ACK) + Handshake (Finished) + 1-RTT, coalesced
        d.append((True, long_packet(ic, "initial", sscid, cscid, cpn, ack(0))
                  + long_packet(K["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], "handshake", sscid,
                                cscid, 0, ack(0) + crypto(0, msg(20, b"f" * 32)))
                  + short_packet(cak, sscid, 0, 0)))
        # the server's HANDSHAKE_DONE and a new CID that the client takes
        # up with its key update; a path challenge; the client's close
        d.append((False, short_packet(sak, cscid, 0, 0, b"\x1e\x18\x01\x00\x08" + new_scid
                                      + bytes(16))))
        d.append((False, short_packet(sak, cscid, 1, 0, b"\x1a" + b"chalenge")))
        d.append((True, short_packet(cak, sscid, 1, 0, b"\x1b" + b"chalenge" + b"\x03\x01\x00\x00\x00\x05\x00\x00")))
        d.append((True, short_packet(cak, sscid, 2, 0)))
        d.append((True, short_packet(cak, new_scid, 3, 1)))
        d.append((False, short_packet(sak, cscid, 2, 1)))
        d.append((True, short_packet(cak, new_scid, 4, 1, b"\x1d\x00\x03bye")))
        self.new_scid = new_scid
        self.suite, self.retry, self.cert = suite, retry, cert
        self.cscid, self.sscid, self.rscid = cscid, sscid, rscid

    def write(self, path, client, server, corrupt=True, writer=qd.PcapWriter, t0=1000.0):
        w = writer(path)
        for i, (from_client, payload) in enumerate(self.datagrams):
            src, dst = (client, server) if from_client else (server, client)
            w.write(t0 + i * 0.001, src, dst, payload)
            if corrupt and i == (3 if self.retry else 1):  # after the good copy
                w.write(t0 + i * 0.001 + 0.0005, server, client, bytes(self.corrupt))
        w.close()


def check_conversation(conv, c, keys=True, corrupt=True, decrypted=False):
    eq(c["odcid"], conv.odcid.hex(), "odcid")
    eq(c["client_random"], conv.client_random.hex(), "client random")
    eq(c["server_scids"], [conv.sscid.hex()], "server scids")
    eq(c["client_scids"], [conv.cscid.hex()], "client scids")
    eq(c["versions"], ["0x00000001"], "versions")
    eq(c["retry"], conv.retry, "retry")
    eq(c["retry_token_reused"], conv.retry, "retry token reused")
    eq(c["pn_after_retry_greater"], True if conv.retry else None, "pn after retry")
    eq(c["retry_integrity_ok"], True if conv.retry else None, "retry integrity")
    eq(c["client_hellos"], 2 if conv.retry else 1, "client hellos")
    eq(c["offered_ciphers"], [0x1301, 0x1302, 0x1303], "offered")
    eq(c["chosen_cipher"], conv.suite, "chosen")
    eq(c["alpn_offered"], ["hq-interop", "h3"], "alpn offered")
    eq(c["decrypt_errors"], 1 if corrupt else 0, "decrypt errors")
    if keys:
        eq(c["alpn"], "hq-interop", "alpn")
        eq(c["certificate_sent"], conv.cert, "certificate sent")
        eq(c["server_tp"]["initial_max_streams_bidi"], 100, "server tp")
        eq(c["server_tp"]["disable_active_migration"], True, "server tp flag")
        eq(c["key_phases"], {"client": {"0": 3, "1": 2}, "server": {"0": 2, "1": 1}},
           "key phases")
        eq(c["reserved_bits_set"], 0, "reserved bits")
        eq(c["unknown_cid"], 0 if decrypted else 2, "unknown DCIDs")
        eq(c["decrypted_1rtt"], decrypted, "decrypted 1-RTT")
        if decrypted:
            eq(c["issued_cids"], {"client": [], "server": [conv.new_scid.hex()]}, "issued CIDs")
            eq((c["frames"]["server"].get("handshake_done"), c["frames"]["client"].get("ack_ecn")),
               (1, 1), "frames")
            eq([f[:2] for f in c["path_frames"]["server"] + c["path_frames"]["client"]],
               [("path_challenge", b"chalenge".hex()), ("path_response", b"chalenge".hex())],
               "path frames")
            eq(c["closes"], [{"from": "client", "level": "app", "error": 0, "frame_type": None,
                              "reason": "bye", "application": True}], "closes")
        eq(c["packets"]["client"]["handshake"], 1, "client handshake packets")
    else:
        eq((c["alpn"], c["certificate_sent"], c["server_tp"], c["key_phases"]),
           (None, None, None, None), "without keys")


C4, S4 = ("127.0.0.1", 50000), ("127.0.0.1", 4433)
C6, S6 = ("::1", 50000), ("::1", 4433)


def tmp(name):
    return os.path.join(TMP, name)


def write_keylog(conv, name="keys.log"):
    with open(tmp(name), "w") as f:
        f.write("# a comment\n" + conv.keylog)
    return tmp(name)


@test
def synthetic_ipv4_retry_coalesced_corrupt():
    conv = Conversation(1)
    conv.write(tmp("v4.pcap"), C4, S4)
    s = qd.analyze(tmp("v4.pcap"), [write_keylog(conv)]).summary()
    eq((s["handshakes"], s["handshakes_raw"], len(s["connections"])), (1, 1, 1), "handshakes")
    eq((s["ipv4_from_server"], s["ipv6_from_server"]), (6, 0), "families")
    eq(s["server"], "127.0.0.1:4433", "server")
    eq(s["datagrams"]["client"], 7, "client datagrams")
    eq(s["packets"]["server"].get("retry"), 1, "retry packets")
    eq(s["amplification"]["result"], "ok", "amplification")
    eq(s["pcap"]["truncated"], False, "truncated")
    check_conversation(conv, s["connections"][0])


@test
def synthetic_decrypt_1rtt_key_update():
    for suite in (qd.AES_128_GCM_SHA256, qd.CHACHA20_POLY1305_SHA256, qd.AES_256_GCM_SHA384):
        conv = Conversation(9, suite=suite)
        conv.write(tmp("1rtt.pcap"), C4, S4)
        s = qd.analyze(tmp("1rtt.pcap"), [write_keylog(conv)], decrypt_1rtt=True).summary()
        check_conversation(conv, s["connections"][0], decrypted=True)
    # a corrupted copy of the client's last packet (its tag): counted
    last = bytearray(conv.datagrams[-1][1])
    last[-1] ^= 1
    conv.datagrams.append((True, bytes(last)))
    conv.write(tmp("1rtt.pcap"), C4, S4)
    c = qd.analyze(tmp("1rtt.pcap"), [write_keylog(conv)], decrypt_1rtt=True).summary()["connections"][0]
    eq((c["decrypt_errors"], c["key_phases"]["client"], len(c["closes"])),
       (2, {"0": 3, "1": 3}, 1), "corrupted 1-RTT packet")


@test
def synthetic_ipv6_same_result():
    conv = Conversation(1)
    conv.write(tmp("v6.pcap"), C6, S6)
    s = qd.analyze(tmp("v6.pcap"), [write_keylog(conv)]).summary()
    eq((s["ipv4_from_server"], s["ipv6_from_server"]), (0, 6), "families")
    eq(s["server"], "[::1]:4433", "server")
    check_conversation(conv, s["connections"][0])
    # the IPv6 UDP checksum: recomputing over pseudo header + UDP gives 0
    d, _ = qd.read_pcap(tmp("v6.pcap"))
    raw = open(tmp("v6.pcap"), "rb").read()[24 + 16:]
    ip = raw[:40 + 8 + len(d[0].payload)]
    pseudo = ip[8:40] + (8 + len(d[0].payload)).to_bytes(4, "big") + b"\0\0\0\x11"
    eq(qd._checksum(pseudo + ip[40:]), 0, "udp6 checksum")
    eq(qd._checksum(open(tmp("v4.pcap"), "rb").read()[40:60]), 0, "ipv4 header checksum")


@test
def synthetic_chacha20_no_retry_no_certificate():
    conv = Conversation(2, suite=qd.CHACHA20_POLY1305_SHA256, retry=False, cert=False)
    conv.write(tmp("c20.pcap"), C4, S4)
    s = qd.analyze(tmp("c20.pcap"), [write_keylog(conv)]).summary()
    check_conversation(conv, s["connections"][0])


@test
def synthetic_aes256():
    conv = Conversation(3, suite=qd.AES_256_GCM_SHA384)
    conv.write(tmp("a256.pcap"), C4, S4, corrupt=False)
    s = qd.analyze(tmp("a256.pcap"), [write_keylog(conv)]).summary()
    check_conversation(conv, s["connections"][0], corrupt=False)


@test
def synthetic_without_keylog():
    conv = Conversation(1)
    conv.write(tmp("nokeys.pcap"), C4, S4)
    s = qd.analyze(tmp("nokeys.pcap")).summary()
    check_conversation(conv, s["connections"][0], keys=False)
    eq(s["keylog"], False, "keylog flag")


@test
def synthetic_two_connections_two_keylogs():
    a, b = Conversation(4), Conversation(5, retry=False)
    with open(tmp("two.pcap"), "wb"):
        pass
    w = qd.PcapWriter(tmp("two.pcap"))
    for conv, client, t0 in ((a, C4, 1000.0), (b, ("127.0.0.1", 50001), 2000.0)):
        for i, (fc, payload) in enumerate(conv.datagrams):
            w.write(t0 + i / 1000, client if fc else S4, S4 if fc else client, payload)
    w.close()
    s = qd.analyze(tmp("two.pcap"), [write_keylog(a, "a.log"), write_keylog(b, "b.log")]).summary()
    eq(s["handshakes"], 2, "handshakes")
    eq([c["odcid"] for c in s["connections"]], [a.odcid.hex(), b.odcid.hex()], "odcids")
    check_conversation(a, s["connections"][0], corrupt=False)
    check_conversation(b, s["connections"][1], corrupt=False)


@test
def interleaved_connections_one_address_no_client_cid():
    # qget's SCID is empty: the server's packets carry no DCID, and two
    # connections from one address are told apart by the keys that work
    a, b = Conversation(10, cscid_len=0), Conversation(11, cscid_len=0, retry=False)
    order = [(a, a.datagrams[0])]
    for i in range(1, max(len(a.datagrams), len(b.datagrams) + 1)):
        order += [(a, a.datagrams[i])] if i < len(a.datagrams) else []
        order += [(b, b.datagrams[i - 1])] if i - 1 < len(b.datagrams) else []
    w = qd.PcapWriter(tmp("mixed.pcap"))
    for i, (conv, (fc, payload)) in enumerate(order):
        w.write(1000 + i / 1000, C4 if fc else S4, S4 if fc else C4, payload)
    w.close()
    keylogs = [write_keylog(a, "a.log"), write_keylog(b, "b.log")]
    for dec in (False, True):
        s = qd.analyze(tmp("mixed.pcap"), keylogs, decrypt_1rtt=dec).summary()
        eq((s["handshakes"], s["unattributed"]), (2, 0), "handshakes, unattributed")
        check_conversation(a, s["connections"][0], corrupt=False, decrypted=dec)
        check_conversation(b, s["connections"][1], corrupt=False, decrypted=dec)


@test
def truncated_files():
    conv = Conversation(1)
    conv.write(tmp("full.pcap"), C4, S4)
    raw = open(tmp("full.pcap"), "rb").read()
    full, _ = qd.read_pcap(tmp("full.pcap"))
    for cut in (len(raw) - 7, len(raw) - (16 + 20 + 8 + len(full[-1].payload)) + 5, 30, 24):
        with open(tmp("cut.pcap"), "wb") as f:
            f.write(raw[:cut])
        s = qd.analyze(tmp("cut.pcap"), [write_keylog(conv)]).summary()
        eq(s["pcap"]["truncated"], cut != 24, "truncated at %d" % cut)
        eq(sum(s["datagrams"][k] for k in ("client", "server", "other")),
           len(full) - 1 if cut > 100 else 0, "datagrams at %d" % cut)
    with open(tmp("cut.pcap"), "wb") as f:
        f.write(raw[:20])
    try:
        qd.analyze(tmp("cut.pcap"))
        raise AssertionError("a 20-byte file was accepted")
    except qd.PcapError:
        pass


class LinkWriter(qd.PcapWriter):
    """Writes Ethernet (1) or Linux cooked (113) captures."""
    linktype = 1

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(qd.struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, self.linktype))

    def write(self, ts, src, dst, payload, tos=0):
        pkt = qd.ip_udp_packet(src, dst, payload)
        proto = b"\x86\xdd" if ":" in src[0] else b"\x08\x00"
        if self.linktype == 1:
            pkt = bytes(6) + bytes(6) + proto + pkt
        else:
            pkt = b"\x00\x00\x03\x04\x00\x06" + bytes(8) + proto + pkt
        self.f.write(qd.struct.pack("<IIII", int(ts), 0, len(pkt), len(pkt)) + pkt)


class SllWriter(LinkWriter):
    linktype = 113


@test
def ethernet_and_sll_link_layers():
    conv = Conversation(6)
    for writer, addrs in ((LinkWriter, (C4, S4)), (SllWriter, (C6, S6))):
        conv.write(tmp("link.pcap"), *addrs, writer=writer)
        s = qd.analyze(tmp("link.pcap"), [write_keylog(conv)]).summary()
        eq(s["pcap"]["linktype"], writer.linktype, "linktype")
        check_conversation(conv, s["connections"][0])


@test
def garbage_never_crashes():
    conv = Conversation(7)
    rnd = random.Random(7)
    junk = [b"", b"\xc0", b"\xc0\x00\x00\x00\x01\x30", b"\xc0\x00\x00\x00\x01\x00\x00\x44",
            b"\x40" + bytes(3), b"\x80\xff\xff\xff\xff" + bytes(30), bytes(40),
            b"\xf0\x00\x00\x00\x01\x00\x00" + bytes(10)]
    extra = [(rnd.random() < 0.5, j) for j in junk]
    conv.datagrams = conv.datagrams[:2] + extra + conv.datagrams[2:]
    conv.write(tmp("junk.pcap"), C4, S4)
    s = qd.analyze(tmp("junk.pcap"), [write_keylog(conv)]).summary()
    eq(s["handshakes"], 1, "handshakes")
    eq(s["connections"][0]["chosen_cipher"], 0x1301, "cipher")
    # then random byte flips in every datagram, many times
    base = list(conv.datagrams)
    for i in range(60):
        conv.datagrams = []
        for fc, p in base:
            p = bytearray(p)
            for _ in range(rnd.randrange(3)):
                if p:
                    p[rnd.randrange(len(p))] ^= 1 << rnd.randrange(8)
            conv.datagrams.append((fc, bytes(p)))
        conv.write(tmp("flip.pcap"), C4, S4)
        json.dumps(qd.analyze(tmp("flip.pcap"), [write_keylog(conv)]).summary())
    # whole-file corruption: headers and all
    raw = bytearray(open(tmp("junk.pcap"), "rb").read())
    for i in range(40):
        r = bytearray(raw)
        for _ in range(8):
            pos = rnd.randrange(24, len(r))
            r[pos] = rnd.randrange(256)
        with open(tmp("flip.pcap"), "wb") as f:
            f.write(r)
        json.dumps(qd.analyze(tmp("flip.pcap"), [write_keylog(conv)]).summary())


@test
def cli_summary_and_server_option():
    conv = Conversation(8)
    conv.write(tmp("cli.pcap"), C4, S4)
    out = subprocess.run([sys.executable, os.path.join(HERE, "quicdissect.py"), "summary",
                          tmp("cli.pcap"), "--keylog", write_keylog(conv)],
                         capture_output=True, text=True, check=True).stdout
    s = json.loads(out)
    check_conversation(conv, s["connections"][0])
    # --server naming the client instead turns the directions around
    out = subprocess.run([sys.executable, os.path.join(HERE, "quicdissect.py"), "summary",
                          tmp("cli.pcap"), "--server", "127.0.0.1:50000"],
                         capture_output=True, text=True, check=True).stdout
    eq(json.loads(out)["server"], "127.0.0.1:50000", "--server")
    eq(json.loads(out)["handshakes"], 0, "reversed: no server Initial")
    r = subprocess.run([sys.executable, os.path.join(HERE, "quicdissect.py"), "packets",
                        tmp("cli.pcap")], capture_output=True, text=True, check=True)
    kinds = [json.loads(line)["kind"] for line in r.stdout.splitlines()]
    eq(kinds[:3], ["initial", "retry", "initial"], "packets")
    r = subprocess.run([sys.executable, os.path.join(HERE, "quicdissect.py"), "summary",
                        tmp("nonexistent.pcap")], capture_output=True, text=True)
    eq(r.returncode, 2, "missing file exit status")


# ------------------------------------------------------------ end to end

class Skip(Exception):
    pass


class Relay:
    """A UDP relay between a client and a server on loopback that writes
    both captures as qget-netsim does (PCAP-SPEC.md): client side and
    server side, one record per datagram."""

    def __init__(self, host, server, pcap_client, pcap_server):
        import socket
        import threading
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket, self.fam = socket, fam
        self.lsock = socket.socket(fam, socket.SOCK_DGRAM)
        self.lsock.bind((host, 0))
        self.laddr = self.lsock.getsockname()[:2]
        self.server = server
        self.wc, self.ws = qd.PcapWriter(pcap_client), qd.PcapWriter(pcap_server)
        self.per_client = {}
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        import selectors
        import time
        sel = selectors.DefaultSelector()
        sel.register(self.lsock, selectors.EVENT_READ, None)
        while not self.stop:
            for key, _ in sel.select(0.05):
                s = key.fileobj
                try:
                    if key.data is None:
                        data, caddr = s.recvfrom(65535)
                        caddr = caddr[:2]
                        self.wc.write(time.time(), caddr, self.laddr, data)
                        ps = self.per_client.get(caddr)
                        if ps is None:
                            ps = self.socket.socket(self.fam, self.socket.SOCK_DGRAM)
                            ps.connect(self.server)
                            self.per_client[caddr] = ps
                            sel.register(ps, selectors.EVENT_READ, caddr)
                        ps.send(data)
                        self.ws.write(time.time(), ps.getsockname()[:2], self.server, data)
                    else:
                        data = s.recv(65535)
                        self.ws.write(time.time(), self.server, s.getsockname()[:2], data)
                        self.lsock.sendto(data, key.data)
                        self.wc.write(time.time(), self.laddr, key.data, data)
                except OSError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join()
        for s in [self.lsock] + list(self.per_client.values()):
            s.close()
        self.wc.close()
        self.ws.close()


def build_dir():
    b = os.environ.get("QGET_BUILD") or os.path.join(HERE, "..", "..", "build")
    if not all(os.access(os.path.join(b, x), os.X_OK) for x in ("qget", "qget-serve")):
        raise Skip("no qget and qget-serve in %s (set QGET_BUILD)" % b)
    return b


def e2e(name, serve_args=(), qget_args=(), host="127.0.0.1", size=300000):
    """qget fetches a file from qget-serve through the relay; returns the
    summaries of the client side and the server side captures."""
    import time
    b = build_dir()
    certs = os.path.join(b, "certs")
    d = tmp(name)
    os.makedirs(os.path.join(d, "www"))
    body = random.Random(name).randbytes(size)
    with open(os.path.join(d, "www", "file"), "wb") as f:
        f.write(body)
    procs, relay = [], None
    try:
        serve = subprocess.Popen(
            [os.path.join(b, "qget-serve"), "-c", os.path.join(certs, "server.pem"),
             "-k", os.path.join(certs, "server.key"), "-r", os.path.join(d, "www"),
             "-a", host, "-p", "0", "--port-file", os.path.join(d, "port")] + list(serve_args),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "serve.log"), "w"))
        procs.append(serve)
        for _ in range(100):
            if os.path.exists(os.path.join(d, "port")) and open(os.path.join(d, "port")).read().strip():
                break
            if serve.poll() is not None:
                raise AssertionError("qget-serve exited %d" % serve.returncode)
            time.sleep(0.05)
        port = int(open(os.path.join(d, "port")).read())
        relay = Relay(host, (host, port), os.path.join(d, "client.pcap"),
                      os.path.join(d, "server.pcap"))
        keylog = os.path.join(d, "keys.log")
        q = subprocess.Popen(
            [os.path.join(b, "qget"), "-s", "-S", "-m", "30", "--keylog", keylog,
             "--alpn", "hq-interop", "--cacert", os.path.join(certs, "ca.pem"),
             "-o", os.path.join(d, "out")] + list(qget_args) + [host, str(relay.laddr[1]), "/file"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(q)
        _, err = q.communicate(timeout=60)
        if q.returncode != 0:
            raise AssertionError("qget exited %d: %s" % (q.returncode, err.strip()[-300:]))
        time.sleep(0.2)  # the last datagrams (CONNECTION_CLOSE) through the relay
    finally:
        if relay:
            relay.close()
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    eq(open(os.path.join(d, "out"), "rb").read() == body, True, "downloaded file")
    return [qd.analyze(os.path.join(d, f), [keylog], decrypt_1rtt=dec).summary()
            for f in ("client.pcap", "server.pcap") for dec in (False, True)]


def check_e2e(s, retry, ciphers=None, family=4):
    eq(s["handshakes"], 1, "handshakes")
    eq(s["versions"], ["0x00000001"], "versions")
    eq(len(s["connections"]), 1, "connections")
    c = s["connections"][0]
    eq(c["retry"], retry, "retry")
    if retry:
        eq((c["retry_token_reused"], c["pn_after_retry_greater"], c["retry_integrity_ok"]),
           (True, True, True), "retry token, pn, tag")
    eq(c["alpn"], "hq-interop", "alpn")
    eq("hq-interop" in c["alpn_offered"], True, "alpn offered")
    if ciphers:
        eq(c["offered_ciphers"], ciphers, "offered ciphers")
        eq(c["chosen_cipher"], ciphers[0], "chosen cipher")
    else:
        eq(c["chosen_cipher"] in qd.SUITES, True, "chosen cipher %r" % c["chosen_cipher"])
    eq(c["certificate_sent"], True, "certificate sent")
    eq(isinstance(c["server_tp"].get("initial_max_streams_bidi"), int), True, "server tp")
    eq(c["key_phases"]["client"]["0"] > 0 and c["key_phases"]["server"]["0"] > 0, True,
       "key phase 0 packets: %r" % c["key_phases"])
    eq((c["reserved_bits_set"], c["decrypt_errors"], c["no_keys"], c["unknown_cid"]),
       (0, 0, 0, 0), "reserved bits, decrypt errors, missing keys, unknown CIDs")
    eq(s["ipv%d_from_server" % family] > 0 and s["ipv%d_from_server" % (10 - family)] == 0,
       True, "address family")
    eq(s["amplification"]["result"], "ok", "amplification")
    if c["decrypted_1rtt"]:
        eq(c["frames"]["server"].get("handshake_done"), 1, "HANDSHAKE_DONE")
        eq(c["frames"]["client"].get("stream", 0) > 0, True, "client STREAM frames")
        eq(c["frames"]["server"].get("stream", 0) > 0, True, "server STREAM frames")
        eq(c["frames"]["client"].get("unknown"), None, "unknown frames")
    return c


@test
def e2e_retry():
    for s in e2e("retry"):
        check_e2e(s, retry=True)


@test
def e2e_no_retry():
    for s in e2e("noretry", serve_args=["--no-retry"]):
        check_e2e(s, retry=False)


@test
def e2e_chacha20():
    for s in e2e("chacha", qget_args=["--ciphers", "TLS_CHACHA20_POLY1305_SHA256"]):
        check_e2e(s, retry=True, ciphers=[0x1303])


@test
def e2e_ipv6():
    for s in e2e("ipv6", host="::1"):
        check_e2e(s, retry=True, family=6)


# ------------------------------------------------------------ main

def main():
    global TMP
    verbose = "-v" in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="quicdissect.") as TMP:
        for fn in TESTS:
            if names and not any(n in fn.__name__ for n in names):
                continue
            try:
                fn()
                print("PASS %s" % fn.__name__)
                passed += 1
            except Skip as e:
                print("SKIP %s: %s" % (fn.__name__, e))
                skipped += 1
            except Exception as e:  # noqa: BLE001
                print("FAIL %s: %s" % (fn.__name__, e))
                if verbose:
                    traceback.print_exc()
                failed += 1
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
