#!/usr/bin/env python3
"""Not part of the test suite: the loss measurements of docs/loss.md.

Downloads one file through qget-netsim (--delay, --loss, one --seed per
round) with every contender in turn, round after round, so that the
contenders of a round meet the same loss pattern (qget-netsim draws its
loss per datagram, per direction, from the seed).  A contender is
CLIENT:SERVER:
  CLIENT  qget (BUILD/qget), hq (OpenSSL's hq-interop client, built from
          the fetched OpenSSL source), or a NAME given by --client
          NAME=PATH (another qget binary);
  SERVER  hq (OpenSSL's hq-interop server), qs (BUILD/qget-serve), or a
          NAME given by --server NAME=PATH (another qget-serve).
Time is to the last byte: the output file complete (OpenSSL's client can
sit in SSL_shutdown long after, and is killed 2 s after its file is
complete).  The relay lives 0.3 s past each client, so that a
CONNECTION_CLOSE still inside its delay reaches the server: OpenSSL's
hq-interop server serves one connection at a time, and one that never
hears the close waits out its 30 s idle timeout before the next
contender's connection is served.  Each run's line gives the datagrams
the relay carried down and up, whose ratio is the packets per ACK.

--env NAME=VAR=VALUE sets VAR for client or server NAME, which may name
the same binary as another (--client NAME=PATH): qget's read pacing
(src/lib/udpio.c) is measured against qget without it so.  --upload
turns a run around: the qget clients PUT the file over h3 to a qget-serve
(/echo-sha256), timed to the client's exit, checked by the digest the
server answers.

Usage (after make and make test, for the certificates):
  tests/repro/loss-compare.py --mib 5 --delay 25 --loss 1 \\
      --seeds 1000-1005 qget:hq hq:hq
  tests/repro/loss-compare.py --mib 5 --delay 25 --loss 1 \\
      --client qnp=build/qget --env qnp=QGET_NO_RXPACE=1 \\
      --seeds 1000-1004 qget:hq qnp:hq hq:hq
  tests/repro/loss-compare.py --mib 10 --delay 0 --loss 10 \\
      --seeds 1000-1015 qget:hq qget:qs
Options --qlog DIR and --strace DIR keep the clients' OpenSSL qlog and
strace -c per run; --sqlog DIR the servers' qlog (a fresh server per run).
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.path.join(TOP, os.environ.get("BUILD", "build"))
CERTS = os.path.join(BUILD, "certs")


def die(msg):
    sys.stderr.write("loss-compare: %s\n" % msg)
    sys.exit(2)


def deps():
    vals = {}
    try:
        with open(os.path.join(BUILD, "deps.mk")) as f:
            for line in f:
                if " := " in line:
                    k, v = line.rstrip("\n").split(" := ", 1)
                    vals[k] = v
    except OSError:
        die("no %s/deps.mk: run make first" % BUILD)
    return vals


def build_peers(dl):
    """OpenSSL's hq-interop server and client; the client's fixed
    "/downloads" is pointed at dl in a copy of its source."""
    d = deps()
    src = os.path.join(d.get("OPENSSL_SRC", ""),
                       "test/quic-openssl-docker/hq-interop")
    if not os.path.isfile(os.path.join(src, "quic-hq-interop.c")):
        die("no OpenSSL source at OPENSSL_SRC")
    out = tempfile.mkdtemp(prefix="peers.", dir=os.path.dirname(dl))
    with open(os.path.join(src, "quic-hq-interop.c")) as f:
        text = f.read()
    if text.count('"/downloads/%s"') != 1:
        die("quic-hq-interop.c: its download path is not where expected")
    client_c = os.path.join(out, "hq-client.c")
    with open(client_c, "w") as f:
        f.write(text.replace('"/downloads/%s"', json.dumps(dl + "/%s")))
    bins = {}
    for name, c in (("hq-server", os.path.join(
            src, "quic-hq-interop-server.c")), ("hq-client", client_c)):
        b = os.path.join(out, name)
        cmd = (["cc", "-O2", "-g"] + d["OPENSSL_CFLAGS"].split() + [c] +
               d["OPENSSL_LIBS"].split() + ["-o", b])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            die("building %s failed:\n%s" % (name, r.stderr[-2000:]))
        bins[name] = b
    return bins


def free_port():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port_file(pf):
    for _ in range(200):
        try:
            with open(pf) as f:
                t = f.read().strip()
            if t:
                return int(t)
        except OSError:
            pass
        time.sleep(0.05)
    die("%s never appeared" % pf)


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


class Runner:
    def __init__(self, a, work):
        self.a = a
        self.work = work
        self.root = os.path.join(work, "root")
        self.dl = os.path.join(work, "dl")
        os.makedirs(self.root)
        os.makedirs(self.dl)
        self.name = "f%d" % a.mib
        with open(os.path.join(self.root, self.name), "wb") as f:
            f.write(os.urandom(a.mib << 20))
        self.want = a.mib << 20
        self.sum = sha(os.path.join(self.root, self.name))
        self.peers = build_peers(self.dl)
        self.clients = {"qget": os.path.join(BUILD, "qget")}
        self.clients.update(dict(x.split("=", 1) for x in a.client))
        self.serves = {"qs": os.path.join(BUILD, "qget-serve")}
        self.serves.update(dict(x.split("=", 1) for x in a.server))
        self.servers = {}
        self.env = {}
        for x in a.env:
            name, var, val = (x.split("=", 2) + ["", ""])[:3]
            if not name or not var:
                die("--env %r: want NAME=VAR=VALUE" % x)
            self.env.setdefault(name, {})[var] = val

    def start_server(self, kind, qdir):
        if kind in self.servers:
            return self.servers[kind][1]
        env = dict(os.environ)
        env.update(self.env.get(kind, {}))
        if qdir:
            env["QLOGDIR"] = qdir
        log = open(os.path.join(self.work, "server-%s.log" % kind), "a")
        cert = os.path.join(CERTS, "server.pem")
        key = os.path.join(CERTS, "server.key")
        if kind == "hq":
            port = free_port()
            env["FILEPREFIX"] = self.root
            p = subprocess.Popen([self.peers["hq-server"], str(port), cert,
                                  key], env=env, stdout=log, stderr=log)
            time.sleep(0.3)
        elif kind in self.serves:
            pf = os.path.join(self.work, kind + ".port")
            if os.path.exists(pf):
                os.unlink(pf)
            p = subprocess.Popen([self.serves[kind], "--cert", cert, "--key",
                                  key, "--root", self.root, "--port", "0",
                                  "--port-file", pf], env=env, stdout=log,
                                 stderr=log)
            port = wait_port_file(pf)
        else:
            die("no server %r" % kind)
        self.servers[kind] = (p, port)
        return port

    def stop_servers(self):
        for p, _ in self.servers.values():
            p.terminate()
            p.wait()
        self.servers.clear()

    def run(self, client, server, seed):
        a = self.a
        tag = "%s-%s-%d" % (client, server, seed)
        sq = None
        if a.sqlog:
            self.stop_servers()
            sq = os.path.join(a.sqlog, tag)
            os.makedirs(sq, exist_ok=True)
        sport = self.start_server(server, sq)
        pf = os.path.join(self.work, "relay.port")
        if os.path.exists(pf):
            os.unlink(pf)
        stats = os.path.join(self.work, "relay.json")
        relay = subprocess.Popen(
            [os.path.join(BUILD, "qget-netsim"), "--listen", "127.0.0.1:0",
             "--to", "127.0.0.1:%d" % sport, "--port-file", pf, "--delay",
             a.delay, "--loss", a.loss, "--seed", str(seed), "--duration",
             str(a.maxtime + 60), "--stats", stats],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = wait_port_file(pf)
        shutil.rmtree(self.dl)
        os.makedirs(self.dl)
        out = os.path.join(self.dl, self.name)
        env = dict(os.environ)
        env.update(self.env.get(client, {}))
        if a.qlog:
            env["QLOGDIR"] = os.path.join(a.qlog, tag)
            os.makedirs(env["QLOGDIR"], exist_ok=True)
        if a.upload:
            if client not in self.clients or server not in self.serves:
                die("--upload: qget clients and qget-serve servers only")
            cmd = [self.clients[client], "--cacert",
                   os.path.join(CERTS, "ca.pem"), "--http3", "-m",
                   str(a.maxtime), "-o", out, "-T",
                   os.path.join(self.root, self.name),
                   "https://127.0.0.1:%d/echo-sha256" % port]
        elif client == "hq":
            req = os.path.join(self.work, "req")
            with open(req, "w") as f:
                f.write(self.name)
            env["SSL_CERT_FILE"] = os.path.join(CERTS, "ca.pem")
            cmd = [self.peers["hq-client"], "127.0.0.1", str(port), req]
        elif client in self.clients:
            cmd = [self.clients[client], "--cacert",
                   os.path.join(CERTS, "ca.pem"), "--alpn", "hq-interop",
                   "-m", str(a.maxtime), "-o", out, "127.0.0.1", str(port),
                   "/" + self.name]
        else:
            die("no client %r" % client)
        if a.strace:
            os.makedirs(a.strace, exist_ok=True)
            cmd = ["strace", "-f", "-c", "-o",
                   os.path.join(a.strace, tag)] + cmd
        err = open(os.path.join(self.work, "client.err"), "w")
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                             stderr=err)
        t_full = None
        killed = False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            now = time.monotonic()
            if pid != 0:
                break
            if t_full is None and not a.upload:
                try:
                    if os.path.getsize(out) >= self.want:
                        t_full = now - t0
                except OSError:
                    pass
            elif t_full is not None and not killed and \
                    now - t0 > t_full + 2:
                p.kill()
                killed = True
            elif now - t0 > a.maxtime + 10:
                p.kill()
            time.sleep(0.002)
        wall = time.monotonic() - t0
        rc = os.waitstatus_to_exitcode(status)
        time.sleep(0.3)
        relay.terminate()
        relay.wait()
        if a.upload:
            try:
                with open(out) as f:
                    ok = rc == 0 and f.read().strip() == self.sum
            except OSError:
                ok = False
        else:
            ok = (rc == 0 or killed) and os.path.exists(out) and \
                sha(out) == self.sum
        try:
            with open(stats) as f:
                st = json.load(f)
            down, up = st["down"]["in"], st["up"]["in"]
        except (OSError, ValueError, KeyError):
            down = up = 0
        with open(os.path.join(self.work, "client.err")) as f:
            why = f.read().strip().splitlines()[-1:] if not ok else []
        t = t_full if t_full is not None else wall
        # Data over ACKs: an upload's data goes up.
        data, acks = (up, down) if a.upload else (down, up)
        print("%-20s seed %d  %7.2f s  %s  down %d up %d (%.1f per ACK)  "
              "cpu %.2f s %s" % (client + ":" + server, seed, t,
                                 "ok" if ok else "FAILED (exit %d)" % rc,
                                 down, up, data / max(acks, 1),
                                 ru.ru_utime + ru.ru_stime,
                                 " ".join(why)[:100]), flush=True)
        return t if ok else None


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("contenders", nargs="+", metavar="CLIENT:SERVER")
    ap.add_argument("--mib", type=int, default=5)
    ap.add_argument("--delay", default="25", help="one way, ms")
    ap.add_argument("--loss", default="1", help="each way, percent")
    ap.add_argument("--seeds", default="1000-1005")
    ap.add_argument("--maxtime", type=int, default=120)
    ap.add_argument("--client", action="append", default=[],
                    metavar="NAME=PATH")
    ap.add_argument("--server", action="append", default=[],
                    metavar="NAME=PATH")
    ap.add_argument("--env", action="append", default=[],
                    metavar="NAME=VAR=VALUE")
    ap.add_argument("--upload", action="store_true")
    ap.add_argument("--qlog")
    ap.add_argument("--sqlog")
    ap.add_argument("--strace")
    a = ap.parse_args()
    if not os.path.exists(os.path.join(CERTS, "ca.pem")):
        die("no %s/ca.pem: run make test once first" % CERTS)
    lo, hi = (int(x) for x in a.seeds.split("-"))
    work = tempfile.mkdtemp(prefix="qget-loss.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    r = Runner(a, work)
    times = {c: {} for c in a.contenders}
    try:
        for seed in range(lo, hi + 1):
            for c in a.contenders:
                cl, sv = c.split(":")
                times[c][seed] = r.run(cl, sv, seed)
    finally:
        r.stop_servers()
        shutil.rmtree(work, ignore_errors=True)
    print("\n| seed | " + " | ".join(a.contenders) + " |")
    print("|---" * (len(a.contenders) + 1) + "|")
    for seed in range(lo, hi + 1):
        print("| %d | %s |" % (seed, " | ".join(
            "%.2f s" % times[c][seed] if times[c][seed] else "failed"
            for c in a.contenders)))
    for c in a.contenders[1:]:
        base = a.contenders[0]
        d = [times[c][s] / times[base][s] - 1 for s in times[c]
             if times[c][s] and times[base][s]]
        if d:
            print("%s vs %s: median %+.1f%%, mean %+.1f%%, faster in %d of "
                  "%d seeds" % (c, base, 100 * statistics.median(d),
                                100 * statistics.mean(d),
                                sum(1 for x in d if x < 0), len(d)))


if __name__ == "__main__":
    main()
