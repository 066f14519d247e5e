#!/usr/bin/python3
"""Bounded capture of plaintext TCP, on the real kernel: what each flow sent
reaches the content engine in order, and every flow's CONTENT_STATUS (read
back from the capture with capdump) states how much of it was inspected.

  curl    POSTs of 1 KiB and 100 KiB bodies: complete, bytes = what the
          client sent; a 1 MiB body: truncated at content.flow_bytes,
          reason flow_bytes
  raw     a Python sender writing 50,000 bytes in pieces: complete
  tls     openssl s_client, with content.tls off (its library not hooked):
          encrypted (test_tls.py reads TLS plaintext)
  skip    a POST to a peer in a domestic network of the policy: none, skipped
  many    400 short flows from 4 processes at once, each a different size:
          every one complete with bytes = what it sent, so no flow's close
          reached the engine before its chunks did (the ordering the
          records rely on)
  off     content.enabled false: no statuses at all, the agent runs"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

PY = "/usr/bin/python3"
HTTP_PORT, RAW_PORT, TLS_PORT, RST_PORT, BULK_PORT = 8301, 8302, 8303, 8304, 8305
DC_CN = "198.18.4.2"  # in the policy's domestic network: skipped
FLOW_BYTES = 262144
failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)
    return cond


# Answers each HTTP request once its body is in; reads raw senders to EOF.
SERVER = r'''
import socket, sys, threading
def http(c):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(body) < n:
        d = c.recv(65536)
        if not d:
            break
        body += d
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
def raw(c):
    while c.recv(65536):
        pass
def greet(c):
    c.sendall(b"hi")
    raw(c)
def bulk(c):  # an accepted socket that sends many segments, then closes
    for i in range(10):
        c.sendall(bytes([65 + i]) * 10000)
def serve(addr, port, fn):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(512)
    def one(c):
        try:
            fn(c)
        finally:
            c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()
threading.Thread(target=serve, args=("0.0.0.0", int(sys.argv[1]), http), daemon=True).start()
threading.Thread(target=serve, args=("0.0.0.0", int(sys.argv[2]), raw), daemon=True).start()
threading.Thread(target=serve, args=("0.0.0.0", int(sys.argv[3]), greet), daemon=True).start()
threading.Thread(target=serve, args=("0.0.0.0", int(sys.argv[4]), bulk), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
'''

# N flows to ADDR:PORT, sizes from SEED; prints {local port: bytes sent} as JSON.
SENDER = r'''
import json, random, socket, sys
addr, port, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
fixed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
rst = len(sys.argv) > 6 and sys.argv[6] == "rst"
rnd = random.Random(seed)
out = {}
for i in range(n):
    size = fixed or rnd.choice([1, 2, 3, 100, 1448, 5000, 20000, 50000, rnd.randint(1, 70000)])
    s = socket.create_connection((addr, port), timeout=20)
    if rst:  # the greeting left unread: close() resets at once, right after the data
        s.recv(1, socket.MSG_PEEK)
    data = bytes(rnd.getrandbits(8) for _ in range(min(size, 64))) * (size // 64 + 1)
    data = b"P" + data[1:size] if size else b""
    step = rnd.choice([size, 1000, 7000])
    for off in range(0, size, step):
        s.sendall(data[off:off + step])
    out[s.getsockname()[1]] = size
    s.close()
print(json.dumps(out))
'''


def curl_post(addr, port, path):
    """The client's port, and the least it sent: the body and a request line."""
    r = T.sh("curl", "-sS", "-o", "/dev/null", "-H", "Expect:", "--data-binary", "@" + path,
             "-w", "%{local_port} %{size_upload}", "http://%s:%d/" % (addr, port))
    lport, body = r.stdout.split()
    return int(lport), int(body)


def dump(cap):
    r = T.sh(os.environ.get("CAPDUMP", "capdump"), cap)
    closes, statuses = {}, {}
    for line in r.stdout.splitlines():
        e = json.loads(line)
        if e["type"] == "tcp_close":
            closes.setdefault((e["lport"], e["rport"]), e)
        else:
            statuses.setdefault(e["cookie"], []).append(e)
    return closes, statuses


def status_of(closes, statuses, lport, rport):
    c = closes.get((lport, rport))
    if not c:
        return None, None
    s = statuses.get(c["cookie"], [])
    return c, (s[0] if len(s) == 1 else s)


def run_agent(work, ns, policy, content, accept=True):
    cap = os.path.join(work, "events.cap")
    # Drained twice a second, the main ring holds many closes at each drain,
    # and more arrive while it is read: a close whose chunks were not taken
    # first would be seen before them.
    cfg = T.write_config(os.path.join(work, "config.json"), poll_interval_ms=500,
                         ringbuf_wakeup_bytes=4 << 20,
                         hooks={"accept": accept},
                         content={"enabled": content, "flow_bytes": FLOW_BYTES, "tls": False})
    return T.Agent(work, capture=cap, config=cfg, extra=["--policy", policy]), cap


def main():
    T.require_bpf("the content capture test")
    work = T.tmpdir()
    cert, key = T.self_signed_cert(work)
    policy = os.path.join(work, "policy.json")
    with open(policy, "w") as f:
        json.dump({"version": 1, "legal_entity": "Test Co.", "domestic_countries": ["CN"],
                   "networks": [{"cidr": "198.18.4.0/24", "country": "CN", "name": "dc-cn"}]}, f)
    bodies = {}
    for name, size in (("1k", 1024), ("100k", 100 * 1024), ("1m", 1024 * 1024)):
        bodies[name] = os.path.join(work, "body-" + name)
        with open(bodies[name], "wb") as f:
            f.write(b'{"data":"' + b"a" * (size - 11) + b'"}')
    tls_req = os.path.join(work, "tls-request")
    with open(tls_req, "w") as f:
        f.write("GET / HTTP/1.0\r\n\r\n")

    with T.Netns() as ns:
        conflicts = ns.conflicts()
        assert not conflicts, "another user of the test ranges: %s" % conflicts
        ns.add_addr(DC_CN, 24)
        ns.spawn(PY, "-c", SERVER, str(HTTP_PORT), str(RAW_PORT), str(RST_PORT), str(BULK_PORT))
        ns.start("openssl", "s_server", "-accept", str(TLS_PORT), "-cert", cert, "-key", key, "-www",
                 "-quiet", ready=lambda: ns.listening(TLS_PORT), log=os.path.join(work, "s_server.log"))
        on_dir = os.path.join(work, "on")
        os.makedirs(on_dir)
        agent, cap = run_agent(on_dir, ns, policy, True)
        agent.start()
        try:
            posts = {n: curl_post(T.PEER4, HTTP_PORT, p) for n, p in bodies.items()}
            raw = json.loads(T.sh(PY, "-c", SENDER, T.PEER4, str(RAW_PORT), "1", "7", "50000").stdout)
            with open(tls_req) as stdin:
                tls = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (T.PEER4, TLS_PORT),
                                      "-quiet"], stdin=stdin, capture_output=True, timeout=20)
            skip = curl_post(DC_CN, HTTP_PORT, bodies["1k"])
            got = T.sh(PY, "-c", "import socket,sys\ns = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
                       "n = 0\nwhile True:\n    d = s.recv(65536)\n    if not d: break\n    n += len(d)\n"
                       "print(s.getsockname()[1], n)", T.PEER4, str(BULK_PORT)).stdout.split()
            bulk_port, bulk_got = int(got[0]), int(got[1])
            # Several processes at once, so chunks and closes come from several CPUs.
            procs = [subprocess.Popen([PY, "-c", SENDER, T.PEER4, str(RAW_PORT), "100", str(seed)],
                                      stdout=subprocess.PIPE, text=True) for seed in range(4)]
            # Closes by reset reach CLOSE microseconds after their last chunk.
            rprocs = [subprocess.Popen([PY, "-c", SENDER, T.PEER4, str(RST_PORT), "100", str(seed), "0",
                                        "rst"], stdout=subprocess.PIPE, text=True) for seed in range(4, 8)]
            many, resets = {}, {}
            for p in procs:
                many.update(json.loads(p.communicate(timeout=300)[0]))
            for p in rprocs:
                resets.update(json.loads(p.communicate(timeout=300)[0]))
            T.sh("sleep", "1")
        finally:
            rc = agent.stop()
        check("agent exits 0", rc == 0, agent.stderr())
        prom = agent.prom()
        closes, statuses = dump(cap)

        for name, (lport, sent) in posts.items():
            c, s = status_of(closes, statuses, lport, HTTP_PORT)
            if not check("curl %s: one close and one status" % name, c and isinstance(s, dict), (c, s)):
                continue
            body, sent = sent, c["bytes_sent"] - c["bytes_retrans"]
            check("curl %s: the flow sent the body and a header" % name, body + 20 < sent < body + 1000,
                  (c, body))
            if sent <= FLOW_BYTES:
                check("curl %s: complete, every byte inspected" % name,
                      s["status"] == "complete" and s["bytes"] == sent, (s, sent))
            else:
                check("curl %s: truncated at flow_bytes" % name,
                      s["status"] == "truncated" and s["reason"] == "flow_bytes" and s["bytes"] == FLOW_BYTES,
                      (s, sent))
        (lport, sent), = [(int(k), v) for k, v in raw.items()]
        c, s = status_of(closes, statuses, lport, RAW_PORT)
        check("raw sender: complete, 50,000 bytes", isinstance(s, dict) and s["status"] == "complete" and
              s["bytes"] == sent == 50000, (c, s))
        check("openssl s_client ran", tls.returncode == 0 and b"HTTP/1.0 200" in tls.stdout, tls.stderr[-500:])
        tls_st = [st for (lp, rp), c in closes.items() if rp == TLS_PORT
                  for st in statuses.get(c["cookie"], [])]
        check("tls (library not hooked): the client's flow is encrypted", [st["status"] for st in tls_st] == ["encrypted"], tls_st)
        lport, sent = skip
        c, s = status_of(closes, statuses, lport, HTTP_PORT)
        check("domestic peer: not inspected, skipped", isinstance(s, dict) and s["status"] == "none" and
              s["reason"] == "skipped" and s["bytes"] == 0, (c, s))
        c, s = status_of(closes, statuses, BULK_PORT, bulk_port)
        check("accepted socket sending 100,000 bytes in many segments: complete",
              bulk_got == 100000 and isinstance(s, dict) and s["status"] == "complete" and s["bytes"] == 100000,
              (bulk_got, c, s))
        bad, unclosed = [], []
        for lport, sent in many.items():
            c, s = status_of(closes, statuses, int(lport), RAW_PORT)
            if not c:
                unclosed.append(lport)
            elif not (isinstance(s, dict) and s["status"] == "complete" and s["bytes"] == sent and
                      c["bytes_sent"] - c["bytes_retrans"] == sent):
                bad.append((lport, sent, c, s))
        # A close the kernel never reported (the state tracepoint's program
        # does not run when it fires inside itself on one CPU) has no status
        # to check; the flow is counted vanished. Nearly all must be here.
        if unclosed:
            print("# %d of the short flows' closes were not reported by the kernel" % len(unclosed))
        check("400 short flows from 4 processes: all sent", len(many) == 400, len(many))
        check("nearly every short flow's close reported", len(unclosed) <= 20, unclosed)
        # Rarely (2 flows in about 6,000 here, cause not found) one segment's
        # chunk never reaches the engine with nothing counted in the kernel:
        # the flow must then say so (truncated, gap). A close fed before its
        # chunks fails some 10 flows in 400.
        check("every short flow closed: complete, bytes = sent (its chunks came before its close)",
              len(bad) <= 2 and all(s and isinstance(s, dict) and s["status"] == "truncated" and
                                    s["reason"] == "gap" for _, _, _, s in bad), (len(bad), bad[:5]))
        bad, unclosed = [], []
        for lport in resets:
            c, s = status_of(closes, statuses, int(lport), RST_PORT)
            if not c:
                unclosed.append(lport)
            elif not (isinstance(s, dict) and s["status"] == "complete" and
                      s["bytes"] == c["bytes_sent"] - c["bytes_retrans"] > 0):
                bad.append((lport, c, s))
        check("400 flows closed by a reset right after their data: closes reported",
              len(resets) == 400 and len(unclosed) <= 20, (len(resets), unclosed))
        check("each reset flow complete, bytes = what left (its chunks came before its close)",
              len(bad) <= 2 and all(isinstance(s, dict) and s["status"] == "truncated" and s["reason"] == "gap"
                                    for _, _, s in bad), (len(bad), bad[:5]))
        order = [e for ss in statuses.values() for e in ss]
        check("every status precedes its flow's close in the capture",
              all(any(c["cookie"] == e["cookie"] and c["ts"] >= e["ts"] for c in closes.values())
                  for e in order if e["cookie"] in {c["cookie"] for c in closes.values()}))
        check("metrics: bytes inspected counted",
              prom.get("egresswatch_content_bytes_inspected_total", 0) >= 50000 + FLOW_BYTES, prom)
        check("metrics: a flow_bytes truncation counted",
              prom.get('egresswatch_content_truncated_total{reason="flow_bytes"}', 0) >= 1)
        check("metrics: no content lost in the kernel",
              prom.get("egresswatch_content_bytes_uncaptured_total", -1) == 0,
              prom.get("egresswatch_content_bytes_uncaptured_total"))

        # The statuses are in the capture, the content is not: a replay writes the same records.
        out = os.path.join(work, "replay")
        rep = T.sh(T.egresswatch(), "replay", cap, "--data-dir", out, "--config", agent.config,
                   "--policy", policy, check=False)
        check("replay exits 0", rep.returncode == 0, rep.stderr)
        check("replay writes the same records, metric records included",
              sorted(T.read_lines(agent.dir)) == sorted(T.read_lines(out)))
        with open(cap, "rb") as f:
            raw_cap = f.read()
        check("no captured byte of content reaches the capture file", b"a" * 64 not in raw_cap)

        # Without the accepted-socket map the kernel keeps each stream's start
        # at its first segment instead: the same statuses.
        noacc_dir = os.path.join(work, "noaccept")
        os.makedirs(noacc_dir)
        agent, cap = run_agent(noacc_dir, ns, policy, True, accept=False)
        agent.start()
        try:
            lport, body = curl_post(T.PEER4, HTTP_PORT, bodies["100k"])
            got = T.sh(PY, "-c", "import socket,sys\ns = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
                       "n = 0\nwhile True:\n    d = s.recv(65536)\n    if not d: break\n    n += len(d)\n"
                       "print(s.getsockname()[1], n)", T.PEER4, str(BULK_PORT)).stdout.split()
            T.sh("sleep", "0.5")
        finally:
            rc = agent.stop()
        check("hooks.accept off: agent exits 0", rc == 0, agent.stderr())
        closes, statuses = dump(cap)
        c, s = status_of(closes, statuses, lport, HTTP_PORT)
        check("hooks.accept off: 100 KiB POST complete", isinstance(s, dict) and s["status"] == "complete" and
              s["bytes"] == c["bytes_sent"] - c["bytes_retrans"] > body, (c, s))
        c, s = status_of(closes, statuses, BULK_PORT, int(got[0]))
        check("hooks.accept off: accepted socket's 100,000 bytes complete",
              isinstance(s, dict) and s["status"] == "complete" and s["bytes"] == 100000, (c, s))

        # Switched off: nothing captured, nothing stated.
        off_dir = os.path.join(work, "off")
        os.makedirs(off_dir)
        agent, cap = run_agent(off_dir, ns, policy, False)
        agent.start()
        try:
            curl_post(T.PEER4, HTTP_PORT, bodies["1k"])
            T.sh("sleep", "0.5")
        finally:
            rc = agent.stop()
        check("off: agent exits 0", rc == 0, agent.stderr())
        closes, statuses = dump(cap)
        check("off: flows recorded, no content status", closes and not statuses, (len(closes), statuses))

    if not failures:
        shutil.rmtree(work)
    else:
        print("# kept " + work)
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
