#!/usr/bin/python3
"""TLS plaintext end to end (issue 10): real TLS clients POST regulated data
over HTTPS to tls_peer serve in a network namespace, and each flow's final
record must carry the categories and people counts the plaintext held, the
library that wrote it (egresswatch.tls.library) and an inspection status;
the same flows without identifiers (look-alikes only) carry none.

Scenarios:
  clients    curl, python3 urllib, wget (GnuTLS), openssl s_client, tstclnt
             (NSS), each to its own port
  lookalike  curl with near-misses only: TLS seen, no category
  before     a connection whose handshake happened before the agent started
             is classified from its next write (started_before)
  threads    3 threads x 2 connections of one process, each thread sending
             its own number of VINs: every flow gets its own thread's count
  exit       a process that exits right after its write
  static     a client linking OpenSSL statically, started after the agent
  flood      TLS writes that overflow a small content ring: counted, and the
             flow says gap
  unlinked   a write into a memory BIO (no socket), then plaintext bytes sent
             on a socket by the same thread: counted, never given to that flow
  inbound    with content.inbound, what curl (SSL_read), python (SSL_read_ex)
             and wget (gnutls_record_recv) download lands in categories_in
then replay of the capture gives the same categories and libraries, and no
file the agent wrote holds a raw identifier.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
import tls_clients as C  # noqa: E402
from regulated import EXPECT, PLATES, RAW, body_json, near_misses  # noqa: E402
from telematics import vin_with_check  # noqa: E402

T.require_bpf("the TLS plaintext test")
TP, TP_STATIC = C.tls_peer(), C.tls_peer(static=True)
PORTS = {"curl": 8441, "python": 8442, "wget": 8443, "s_client": 8444, "nss": 8445,
         "lookalike": 8446, "before": 8447, "threads": 8448, "exit": 8449, "static": 8450,
         "flood": 8451, "inbound": 8452, "unlinked": 8453}
# One thread: TLS into memory (nothing sent), then a plain socket send.
UNLINKED = r"""
import socket, ssl, sys, time
obj = ssl.create_default_context().wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
try:
    obj.write(open(sys.argv[3], "rb").read())
except ssl.SSLWantReadError:
    pass
time.sleep(0.3)
with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as s:
    s.sendall(b"plain bytes, nothing regulated " * 100)
"""
# Serves the body of regulated data to any GET, over TLS.
GET_SERVER = r"""
import http.server, ssl, sys
body = open(sys.argv[2], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
"""
GET_CLIENTS = {
    "curl": ["curl", "-sSk", "-o", "/dev/null"],
    "python": [C.PY, "-c", "import ssl, sys, urllib.request; urllib.request.urlopen(sys.argv[1], "
               "context=ssl._create_unverified_context()).read()"],
    "wget": ["wget", "-q", "--no-check-certificate", "-O", "/dev/null"],
}
LIB = {"openssl": "openssl-3.", "gnutls": "gnutls-3.", "nss": "nss-"}
THREAD_VINS = [[vin_with_check("LSVCD%dBR0EN%06d" % (t, 100 + 10 * t + k)) for k in range(t + 1)]
               for t in range(3)]


def cats(r):
    return {c["id"]: c for c in T.field(r, "egresswatch.categories", []) if c["via"] == "content"}


def final(recs, port, lport=None):
    """The final record of the flow from this host to PORT (from LPORT)."""
    for r in T.flows(recs):
        if T.field(r, "destination.port") == port and r["egresswatch"].get("final") and \
                (lport is None or T.field(r, "source.port") == lport) and \
                T.field(r, "network.direction") != "ingress" and \
                not T.field(r, "egresswatch.process.attribution", "").startswith("listener"):
            return r
    return None


def expect_body(name, r, family):
    c = cats(r) if r else {}
    got = {k: (v["matches_total"], v["subjects_total"]) for k, v in c.items()}
    T.check("%s: categories and people of the body" % name,
            all(got.get(k) == v for k, v in EXPECT.items()), (got, T.field(r or {}, "egresswatch")))
    lib = T.field(r or {}, "egresswatch.tls.library", "")
    T.check("%s: egresswatch.tls.library is %s*" % (name, LIB[family]), lib.startswith(LIB[family]), lib)
    T.check("%s: inspection complete" % name,
            T.field(r or {}, "egresswatch.inspection.status") == "complete",
            T.field(r or {}, "egresswatch.inspection"))


def spawn_server(ns, work, port):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    return ns.spawn(TP, "serve", "--cert", cert, "--key", key, "--port", str(port))


def tp(*args, binary=None):
    return subprocess.run([binary or TP, *args], capture_output=True, text=True, timeout=60)


def conns(out):
    return [json.loads(l) for l in out.splitlines() if l.startswith('{"event":"conn"')]


def run_clients(work, bf):
    ports = {}
    for name in ("curl", "python", "wget", "s_client", "nss"):
        try:
            ports[name] = C.post(name, T.PEER4, PORTS[name], bf)
        except AssertionError as e:
            T.check("%s posts its body" % name, False, e)
    lf = os.path.join(work, "lookalike.bin")
    with open(lf, "wb") as f:
        f.write(near_misses() * 4)
    ports["lookalike"] = C.post("curl", T.PEER4, PORTS["lookalike"], lf)
    return ports


def threads(work):
    bdir = os.path.join(work, "bodies")
    os.makedirs(bdir)
    for t, vins in enumerate(THREAD_VINS):
        with open(os.path.join(bdir, str(t)), "w") as f:
            json.dump({"thread": t, "vins": vins, "pad": "x" * 3000}, f)
    r = tp("post", "--host", T.PEER4, "--port", str(PORTS["threads"]), "--body-dir", bdir,
           "--threads", "3", "--conns-per-thread", "2", "--requests", "3", "--api", "write_ex")
    T.check("threads: the client ran", r.returncode == 0, r.stderr[-500:])
    return conns(r.stdout)


def openssl_hooked(agent):
    try:
        return sum(v for k, v in agent.prom().items() if k.startswith("egresswatch_tls_targets_total{")
                   and 'result="hooked"' in k and 'library="openssl-3.' in k)
    except (OSError, ValueError):
        return 0


def static_client(agent, bf):
    """Started after the agent: its OpenSSL is in its own symbol table."""
    T.wait_for(lambda: openssl_hooked(agent) > 0, 15, "metrics.prom with the system's OpenSSL hooked")
    before = openssl_hooked(agent)
    flag = bf + ".go"
    p = subprocess.Popen([TP_STATIC, "post", "--host", T.PEER4, "--port", str(PORTS["static"]),
                          "--body", bf, "--wait-file", flag], stdout=subprocess.PIPE, text=True)
    lport = json.loads(p.stdout.readline())["local_port"]
    p.stdout.readline()  # handshaken
    hooked = lambda: openssl_hooked(agent) > before  # noqa: E731
    try:
        T.wait_for(hooked, 15, "the static binary hooked")
    except AssertionError as e:
        T.check("static: the agent hooked the static binary", False, (e, agent.stderr()[-1500:]))
    open(flag, "w").close()
    p.communicate(timeout=30)
    return lport


def flood(work):
    """Its own agent with a 64 KiB content ring: 16 KiB writes overflow it."""
    cfg = T.write_config(os.path.join(work, "flood.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key"),
                                  "ringbuf_bytes": 65536, "flow_bytes": 1 << 30,
                                  "write_bytes": 16384})
    fw = os.path.join(work, "flood")
    os.makedirs(fw)
    agent = T.Agent(fw, config=cfg).start()
    r = tp("flood", "--host", T.PEER4, "--port", str(PORTS["flood"]), "--seconds", "2",
           "--size", "16384")
    time.sleep(3)
    agent.stop()
    prom = agent.prom()
    full = prom.get("egresswatch_ringbuf_full_content_total", 0)
    T.check("flood: the client wrote", r.returncode == 0 and "writes=" in r.stdout, r.stdout + r.stderr)
    T.check("flood: chunks the full ring refused are counted", full > 0, full)
    T.check("flood: and the bytes they held",
            prom.get("egresswatch_content_bytes_uncaptured_total", 0) > 0, prom)
    r = final(agent.records(), PORTS["flood"])
    T.check("flood: its flow says gap", T.field(r or {}, "egresswatch.inspection.reason") == "gap",
            T.field(r or {}, "egresswatch.inspection"))


def inbound(ns, work, bf):
    """Its own agent with content.inbound: TLS reads through uretprobes."""
    cfg = T.write_config(os.path.join(work, "inbound.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key"), "inbound": True})
    iw = os.path.join(work, "inbound")
    os.makedirs(iw)
    ns.start(C.PY, "-c", GET_SERVER, str(PORTS["inbound"]), bf, os.path.join(work, "cert.pem"),
             os.path.join(work, "key.pem"), ready=lambda: ns.listening(PORTS["inbound"]),
             log=os.path.join(work, "get_server.log"))
    agent = T.Agent(iw, config=cfg).start()
    url = "https://%s:%d/data" % (T.PEER4, PORTS["inbound"])
    for name, cmd in GET_CLIENTS.items():
        r = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=30)
        T.check("inbound: %s downloads" % name, r.returncode == 0, r.stderr[-500:])
    time.sleep(2)
    agent.stop()
    recs = agent.records()
    for name, exe in (("curl", "curl"), ("python", "python3"), ("wget", "wget")):
        r = next((x for x in T.flows(recs) if T.field(x, "destination.port") == PORTS["inbound"] and
                  x["egresswatch"].get("final") and T.field(x, "process.name", "").startswith(exe) and
                  T.field(x, "network.direction") == "egress"), None)
        got = {c["id"]: (c["matches_total"], c["subjects_total"])
               for c in T.field(r or {}, "egresswatch.categories_in", [])}
        T.check("inbound: %s's download is in categories_in" % name,
                all(got.get(k) == v for k, v in EXPECT.items()), (got, T.field(r or {}, "egresswatch")))
        T.check("inbound: %s sent nothing regulated" % name, r is not None and not cats(r), cats(r or {}))


def unlinked(agent, bf):
    before = agent.prom().get("egresswatch_tls_unlinked_total", 0)
    r = subprocess.run([C.PY, "-c", UNLINKED, T.PEER4, str(PORTS["unlinked"]), bf],
                       capture_output=True, text=True, timeout=30)
    T.check("unlinked: the memory-BIO writer ran", r.returncode == 0, r.stderr[-500:])
    try:
        T.wait_for(lambda: agent.prom().get("egresswatch_tls_unlinked_total", 0) > before, 10,
                   "tls_unlinked_total to move")
        moved = True
    except AssertionError:
        moved = False
    T.check("unlinked: the write that met no socket is counted", moved,
            agent.prom().get("egresswatch_tls_unlinked_total"))


def dumps_exclude_rings(agent):
    """Captured plaintext waits in the rings: no core dump may hold them."""
    with open("/proc/%d/smaps" % agent.proc.pid) as f:
        text = f.read()
    flags, cur = [], None
    for line in text.splitlines():
        if "-" in line.split(" ")[0] and len(line.split()) >= 5:
            cur = "anon_inode:bpf-map" in line
        elif line.startswith("VmFlags:") and cur:
            flags.append(line.split()[1:])
    T.check("the agent's BPF rings are kept out of core dumps (dd)", flags and all("dd" in f for f in flags),
            flags)


def main():
    work = T.tmpdir()
    os.chmod(work, 0o755)
    taxonomy = os.path.join(T.SRC, "deploy", "taxonomy.json")
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": taxonomy,
                                  "subject_key": os.path.join(work, "subject.key")})
    capture = os.path.join(work, "capture.ewcap")
    bf = os.path.join(work, "body.json")
    with open(bf, "wb") as f:
        f.write(body_json())
    T.self_signed_cert(work)
    with T.Netns() as ns:
        for name, port in PORTS.items():
            if name != "inbound":
                spawn_server(ns, work, port)
        # A connection made before the agent: handshaken, waiting to write.
        flag = os.path.join(work, "before.go")
        before = subprocess.Popen([TP, "post", "--host", T.PEER4, "--port", str(PORTS["before"]),
                                   "--body", bf, "--wait-file", flag], stdout=subprocess.PIPE, text=True)
        before_port = json.loads(before.stdout.readline())["local_port"]
        before.stdout.readline()
        agent = T.Agent(work, capture=capture, config=cfg).start()
        open(flag, "w").close()
        before.communicate(timeout=30)
        ports = run_clients(work, bf)
        tc = threads(work)
        r = tp("post", "--host", T.PEER4, "--port", str(PORTS["exit"]), "--body", bf, "--exit-after-write")
        exit_port = conns(r.stdout)[0]["local_port"] if conns(r.stdout) else None
        static_port = static_client(agent, bf)
        dumps_exclude_rings(agent)
        unlinked(agent, bf)
        time.sleep(2)
        agent.stop()
        recs = agent.records()
        prom = agent.prom()
        flood(work)
        inbound(ns, work, bf)

    for name in ("curl", "python", "wget", "s_client", "nss"):
        expect_body(name, final(recs, PORTS[name], ports.get(name)), C.CLIENTS[name][1])
    r = final(recs, PORTS["lookalike"], ports.get("lookalike"))
    T.check("lookalike: TLS plaintext seen", T.field(r or {}, "egresswatch.tls.library", "").startswith("openssl"),
            T.field(r or {}, "egresswatch"))
    T.check("lookalike: no category", r is not None and not cats(r), cats(r) if r else None)

    r = final(recs, PORTS["before"], before_port)
    c = cats(r) if r else {}
    T.check("before: classified from its first write after the agent started",
            c.get("vin", {}).get("subjects_total") == 3, T.field(r or {}, "egresswatch"))
    T.check("before: inspection says started_before",
            T.field(r or {}, "egresswatch.inspection.reason") == "started_before",
            T.field(r or {}, "egresswatch.inspection"))

    T.check("threads: 6 connections", len(tc) == 6, tc)
    for x in tc:
        r = final(recs, PORTS["threads"], x["local_port"])
        vin = cats(r).get("vin", {}) if r else {}
        want = len(THREAD_VINS[x["thread"]])
        T.check("threads: thread %d conn %d has its own %d VINs x 3 requests" % (x["thread"], x["conn"], want),
                vin.get("subjects_total") == want and vin.get("matches_total") == 3 * want, vin)

    r = final(recs, PORTS["exit"], exit_port)
    T.check("exit: a process that exited after its write is classified",
            cats(r).get("vin", {}).get("subjects_total") == 3 if r else False,
            T.field(r or {}, "egresswatch"))
    r = final(recs, PORTS["static"], static_port)
    T.check("static: classified", cats(r).get("vin", {}).get("subjects_total") == 3 if r else False,
            T.field(r or {}, "egresswatch"))
    T.check("static: named openssl-3.x",
            T.field(r or {}, "egresswatch.tls.library", "").startswith("openssl-3."),
            T.field(r or {}, "egresswatch.tls"))

    r = final(recs, PORTS["unlinked"])
    T.check("unlinked: the plain flow after it carries no category and no TLS library",
            r is not None and not cats(r) and not T.field(r, "egresswatch.tls"), T.field(r or {}, "egresswatch"))
    T.check("metrics: TLS flows by library",
            prom.get('egresswatch_tls_flows_total{library="openssl-3.0"}', 0) >= 8, prom)
    T.check("metrics: tls_targets_total lists hooked libraries",
            any(k.startswith("egresswatch_tls_targets_total{") and 'result="hooked"' in k for k in prom), prom)
    T.check("metrics: tls_unlinked_total is exported", "egresswatch_tls_unlinked_total" in prom, prom)
    errs = T.schema_errors(recs)
    T.check("every record validates against the schema", not errs, errs[:2])

    rep = os.path.join(work, "replay")
    p = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", rep, "--config", cfg],
                       capture_output=True, text=True)
    T.check("replay exits 0", p.returncode == 0, p.stderr[-2000:])
    key = lambda x: json.dumps([cats(x), T.field(x, "egresswatch.tls")], sort_keys=True)  # noqa: E731
    live = sorted(key(x) for x in T.flows(recs) if x["egresswatch"]["final"])
    again = sorted(key(x) for x in T.flows(T.read_records(rep)) if x["egresswatch"]["final"])
    T.check("replay gives every flow the same categories and TLS library", live == again)

    needles = [x.encode() for x in RAW + sum(THREAD_VINS, [])] + \
        [json.dumps(p)[1:-1].encode() for p in PLATES]
    leaks = T.raw_leaks(work, needles, lambda path: os.path.basename(path).startswith(("body", "lookalike"))
                        or os.path.join(work, "bodies") in path)
    T.check("no raw identifier in any file the agent wrote", not leaks, leaks[:5])
    return T.done(work)


if __name__ == "__main__":
    sys.exit(main())
