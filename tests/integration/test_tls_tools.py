#!/usr/bin/python3
"""The TLS test tooling, without the agent: every real client of
tls_clients.py and every tls_peer mode delivers its bytes to tls_peer serve
in a network namespace (the server's per-connection report and the bodies it
saved). The agent's TLS tests (test_tls.py) stand on these."""
import json
import os
import queue
import shutil
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
import tls_clients as C  # noqa: E402

T.require_bpf("the TLS tooling test")
PORT = 8443
TP, TP_STATIC = C.tls_peer(), C.tls_peer(static=True)


class Server:
    """tls_peer serve in the namespace; its 'closed' reports in a queue."""

    def __init__(self, ns, work):
        self.save = os.path.join(work, "save")
        os.makedirs(self.save)
        cert, key = T.self_signed_cert(work)
        self.proc = ns.spawn(TP, "serve", "--cert", cert, "--key", key, "--port", str(PORT),
                             "--save-dir", self.save)
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.events.put(json.loads(line))

    def closed(self, n=1, timeout=15):
        out = []
        for _ in range(n):
            try:
                out.append(self.events.get(timeout=timeout))
            except queue.Empty:
                break
        return out

    def saved(self, port):
        path = os.path.join(self.save, "%d.body" % port)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return f.read()


def make_body(path, tag, size=20000):
    """A body of SIZE bytes with TAG in it: several TLS records' worth."""
    line = ("%s payload line for the TLS tooling test 0123456789\n" % tag).encode()
    data = (line * (size // len(line) + 1))[:size]
    with open(path, "wb") as f:
        f.write(data)
    return data


def tp(*args, binary=None, **kw):
    return subprocess.run([binary or TP, *args], capture_output=True, text=True, timeout=60, **kw)


def conns(out):
    return [json.loads(l) for l in out.splitlines() if l.startswith('{"event":"conn"')]


def real_clients(srv, work):
    for name in C.CLIENTS:
        body = make_body(os.path.join(work, "body-" + name), name)
        try:
            lport = C.post(name, T.PEER4, PORT, os.path.join(work, "body-" + name))
        except AssertionError as e:
            T.check("%s posts" % name, False, e)
            srv.closed()
            continue
        ev = srv.closed()
        ev = ev[0] if ev else {}
        T.check("%s: one request, the whole body" % name,
                ev.get("requests") == 1 and ev.get("body_bytes") == len(body), ev)
        if lport is not None:
            T.check("%s: its local port is the server's peer port" % name, ev.get("peer_port") == lport,
                    (lport, ev))
        T.check("%s: the server saved the body" % name, srv.saved(ev.get("peer_port", 0)) == body)


def post_modes(srv, work):
    body = make_body(os.path.join(work, "b"), "single")
    for binary, label in ((TP, "post"), (TP_STATIC, "post (static)")):
        r = tp("post", "--host", T.PEER4, "--port", str(PORT), "--body", os.path.join(work, "b"),
               "--requests", "3", "--chunk", "1000", binary=binary)
        c = conns(r.stdout)
        ev = srv.closed()
        T.check(label + ": 3 requests on one connection", r.returncode == 0 and len(c) == 1 and ev and
                ev[0]["requests"] == 3 and ev[0]["peer_port"] == c[0]["local_port"], (r.stdout, r.stderr, ev))
        T.check(label + ": 3 bodies saved", c and srv.saved(c[0]["local_port"]) == body * 3)

    bdir = os.path.join(work, "bodies")
    os.makedirs(bdir)
    bodies = [make_body(os.path.join(bdir, str(i)), "thread-%d" % i, 8000 + 1000 * i) for i in range(3)]
    r = tp("post", "--host", T.PEER4, "--port", str(PORT), "--body-dir", bdir, "--threads", "3",
           "--conns-per-thread", "2", "--requests", "2", "--api", "write_ex")
    c = conns(r.stdout)
    evs = srv.closed(6)
    T.check("threads: 6 connections, 2 requests each", r.returncode == 0 and len(c) == 6 and len(evs) == 6 and
            all(e["requests"] == 2 for e in evs), (r.stdout, evs))
    T.check("threads: each connection got its thread's body",
            all(srv.saved(x["local_port"]) == bodies[x["thread"]] * 2 for x in c), c)

    flag = os.path.join(work, "go")
    p = subprocess.Popen([TP, "post", "--host", T.PEER4, "--port", str(PORT), "--body", os.path.join(work, "b"),
                          "--wait-file", flag], stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    second = p.stdout.readline()
    port = json.loads(first)["local_port"]
    T.check("wait-file: 'handshaken <port>' after the handshake", second.strip() == "handshaken %d" % port,
            second)
    T.check("wait-file: nothing written before the file exists", srv.closed(timeout=1) == [] and
            srv.saved(port) == b"", srv.saved(port))
    open(flag, "w").close()
    rest = p.communicate(timeout=30)[0]
    ev = srv.closed()
    T.check("wait-file: the body after the file exists", p.returncode == 0 and ev and
            ev[0]["body_bytes"] == len(body) and srv.saved(port) == body, (rest, ev))

    r = tp("post", "--host", T.PEER4, "--port", str(PORT), "--body", os.path.join(work, "b"), "--exit-after-write")
    c = conns(r.stdout)
    ev = srv.closed()
    T.check("exit-after-write: exit 0, no done line, the body arrived", r.returncode == 0 and c and
            '"done"' not in r.stdout and ev and ev[0]["body_bytes"] == len(body) and
            srv.saved(c[0]["local_port"]) == body, (r.stdout, ev))


def bench_modes(srv):
    r = tp("flood", "--host", T.PEER4, "--port", str(PORT), "--seconds", "1", "--size", "1000", "--conns", "2")
    writes = int(r.stdout.split("writes=")[1].split()[0]) if "writes=" in r.stdout else -1
    evs = srv.closed(2)
    T.check("flood: raw bytes on 2 connections, all received", r.returncode == 0 and writes > 0 and
            len(evs) == 2 and all(e["raw"] == 1 for e in evs) and
            sum(e["body_bytes"] for e in evs) == writes * 1000, (r.stdout, evs))
    r = tp("bench", "--host", T.PEER4, "--port", str(PORT), "--body-size", "1024", "--requests", "50",
           "--conns", "2")
    evs = srv.closed(2)
    T.check("bench: 50 requests answered", r.returncode == 0 and "requests=50 " in r.stdout and
            "failed=0" in r.stdout and sum(e["requests"] for e in evs) == 50, (r.stdout, evs))
    r = tp("writes", "--host", T.PEER4, "--port", str(PORT), "--size", "1024", "--count", "100")
    evs = srv.closed()
    T.check("writes: 100 writes of 1 KiB received", r.returncode == 0 and "ns_per_write=" in r.stdout and
            evs and evs[0]["body_bytes"] == 102400, (r.stdout, evs))


def main():
    work = T.tmpdir()
    with T.Netns() as ns:
        srv = Server(ns, work)
        real_clients(srv, work)
        post_modes(srv, work)
        bench_modes(srv)
    shutil.rmtree(work, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
