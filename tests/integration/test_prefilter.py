#!/usr/bin/python3
"""The in-kernel pre-filter and hostile payloads, on the real kernel.

Payloads to loopback and to the policy's domestic networks are not taken
(longest match: a foreign partner's range inside a domestic one still is),
and each skip is counted. DNS responses and ClientHellos that lie about
their lengths, loop or stop short are counted by outcome, never a crash,
and the agent goes on naming the flows after them."""
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

failures = []

DC_CN = "198.18.4.2"        # in 198.18.4.0/24, a domestic policy network: skipped
PARTNER_DE = "198.18.4.130"  # in 198.18.4.128/25, a foreign one inside it: inspected
VIN = "LSVAU2180N2183294"   # an identifier in a request the agent inspects: must stay in memory


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)), flush=True)
    if not cond:
        failures.append(name)


# A DNS server that answers every query with hostile bytes, in turn.
HOSTILE_DNS = r'''
import socket, struct, sys
def hdr(qid, an):  # QR=1, RD, RA, NOERROR, one question
    return struct.pack(">HHHHHH", qid, 0x8180, 1, an, 0, 0)
Q = b"\x04loop\x07example\x00\x00\x01\x00\x01"
def replies(qid):
    # an answer whose owner name points at itself: a compression loop
    yield hdr(qid, 1) + Q + b"\xc0\x1d\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x12\x00\x02"
    # claims five answers, carries half of one: the copy stops inside
    yield hdr(qid, 5) + Q + b"\xc0\x0c\x00\x01\x00\x01\x00\x00"
    # a label longer than 63 and a length that runs past the end
    yield hdr(qid, 1) + b"\x50" + b"a" * 80 + b"\x00\x00\x01\x00\x01"
    # not a response at all (QR=0)
    yield struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + Q
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
n = 0
while True:
    data, peer = s.recvfrom(2048)
    qid = struct.unpack(">H", data[:2])[0]
    s.sendto(list(replies(qid))[n % 4], peer)
    n += 1
'''


def dns_query(server, name="loop.example"):
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00\x00\x01\x00\x01"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(q, (server, 53))
    try:
        return s.recvfrom(4096)[0]
    finally:
        s.close()


def s_client(addr, port, sni):
    return subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (addr, port), "-servername", sni],
                          input="", capture_output=True, text=True, timeout=20)


def raw_send(addr, port, data):
    c = socket.create_connection((addr, port), timeout=5)
    c.sendall(data)
    time.sleep(0.1)
    c.close()


def client_hello(after_random):
    body = b"\x03\x03" + b"\x07" * 32 + after_random
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs


def make_cert(work):
    key, crt = os.path.join(work, "key.pem"), os.path.join(work, "cert.pem")
    T.sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", crt, "-subj", "/CN=egresswatch-test", "-days", "2")
    return key, crt


def tls_flows(records, addr):
    return [r for r in records if T.field(r, "event.kind") == "event" and
            T.field(r, "egresswatch.peer.ip") == addr and T.field(r, "egresswatch.peer.port") in (443, 4433) and
            T.field(r, "network.direction") == "egress"]


def main():
    T.require_bpf("the pre-filter test")
    work = T.tmpdir()
    key, crt = make_cert(work)
    policy = os.path.join(work, "policy.json")
    with open(policy, "w") as f:
        json.dump({"version": 1, "legal_entity": "Test Co.", "domestic_countries": ["CN"],
                   "networks": [{"cidr": "198.18.4.0/24", "country": "CN", "name": "dc-cn"},
                                {"cidr": "198.18.4.128/25", "country": "DE", "name": "partner-de"}]}, f)
    with T.Netns() as ns:
        ns.add_addr(DC_CN, 24)
        ns.add_addr(PARTNER_DE, 32)
        ns.start("openssl", "s_server", "-accept", "443", "-cert", crt, "-key", key, "-www", "-quiet",
                 ready=lambda: ns.listening(443), log=os.path.join(work, "s_server.log"))
        ns.spawn("python3", "-c", HOSTILE_DNS, T.PEER4)
        local = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:4433", "-cert", crt, "-key", key,
                                  "-www", "-quiet"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        capture = os.path.join(work, "events.cap")
        agent = T.Agent(work, capture=capture, extra=["--policy", policy]).start()
        try:
            T.wait_for(lambda: subprocess.run(["ss", "-Hltn", "sport = :4433"], capture_output=True,
                                              text=True).stdout.strip() != "", what="local s_server")
            s_client(DC_CN, 443, "skipped.example.cn")
            s_client(PARTNER_DE, 443, "seen.example.de")
            s_client("127.0.0.1", 4433, "loopback.example.com")
            for _ in range(4):
                try:
                    dns_query(T.PEER4)
                except socket.timeout:
                    pass
            # ClientHellos whose record and handshake lengths agree but whose
            # insides lie: a session id, then an extensions block, that run
            # past the handshake; and one that stops short of its record.
            raw_send(PARTNER_DE, 443, client_hello(b"\x20"))
            raw_send(PARTNER_DE, 443, client_hello(b"\x00\x00\x02\x13\x01\x01\x00\x01\x00"))
            raw_send(PARTNER_DE, 443, client_hello(b"\x00\x00\x02\x13\x01\x01\x00")[:30])
            # and the agent still names what follows
            s_client(PARTNER_DE, 443, "after.example.de")
            # A plaintext request carrying an identifier: its Host is kept, the rest never.
            raw_send(PARTNER_DE, 443, ("POST /upload?vin=%s HTTP/1.1\r\nHost: upload.example.de\r\n"
                                       "Content-Length: 17\r\n\r\n%s" % (VIN, VIN)).encode())
            time.sleep(1.5)
            alive = agent.proc.poll() is None
        finally:
            rc = agent.stop()
            local.kill()
            local.wait()
    check("agent survived hostile payloads", alive, agent.stderr())
    check("agent exit 0", rc == 0, agent.stderr())
    recs = agent.records()
    prom = agent.prom()

    cn = tls_flows(recs, DC_CN)
    check("flow to the domestic network recorded", len(cn) == 1, cn)
    if cn:
        r = cn[0]
        check("domestic network: border domestic by network",
              T.field(r, "egresswatch.border") == "domestic" and
              T.field(r, "egresswatch.peer.network") == "dc-cn", json.dumps(r))
        check("domestic network: payload not inspected (no name)",
              T.field(r, "egresswatch.peer.domain") is None and T.field(r, "tls") is None, json.dumps(r))
    de = tls_flows(recs, PARTNER_DE)
    names = sorted(T.field(r, "egresswatch.peer.domain") or "" for r in de)
    check("foreign network inside the domestic one is inspected (longest match)",
          names.count("seen.example.de") == 1 and names.count("after.example.de") == 1, names)
    for r in de:
        if T.field(r, "egresswatch.peer.domain") == "seen.example.de":
            check("partner flow: cross_border by network, SNI in tls.client.server_name",
                  T.field(r, "egresswatch.border") == "cross_border" and
                  T.field(r, "egresswatch.peer.network") == "partner-de" and
                  T.field(r, "tls.client.server_name") == "seen.example.de" and
                  T.field(r, "egresswatch.peer.name_source") == "sni", json.dumps(r))
    lo = tls_flows(recs, "127.0.0.1")
    check("loopback flow recorded without a name", len(lo) == 1 and T.field(lo[0], "egresswatch.peer.domain") is None,
          lo)
    skipped = prom.get("egresswatch_prefilter_skipped_total", -1)
    check("pre-filter skips counted (domestic + loopback)", skipped >= 2, skipped)

    def parsed(parser, result):
        return prom.get('egresswatch_payloads_parsed_total{parser="%s",result="%s"}' % (parser, result), 0)

    check("hostile DNS counted as bad", parsed("dns", "bad") >= 2, {k: v for k, v in prom.items() if "dns" in k})
    check("truncated DNS answer counted as short", parsed("dns", "short") >= 1,
          {k: v for k, v in prom.items() if "dns" in k})
    check("no address learned from hostile DNS", prom.get("egresswatch_dns_cache_inserts_total", -1) == 0,
          prom.get("egresswatch_dns_cache_inserts_total"))
    tls = {k: v for k, v in prom.items() if "tls" in k}
    check("lying ClientHellos counted as bad", parsed("tls", "bad") == 2, tls)
    check("a ClientHello cut short counted as short", parsed("tls", "short") == 1, tls)
    check("real ClientHellos parsed", parsed("tls", "ok") == 2, tls)
    check("nothing lost", prom.get("egresswatch_lost_total", -1) == 0, prom.get("egresswatch_lost_total"))
    up = [r for r in de if T.field(r, "egresswatch.peer.domain") == "upload.example.de"]
    check("plaintext HTTP request named by its Host", len(up) == 1 and
          T.field(up[0], "egresswatch.peer.name_source") == "http_host", [T.field(r, "egresswatch.peer.domain") for r in de])
    leaks = []
    for root, _, files in os.walk(work):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                data = f.read()
            if path.endswith(".gz"):
                import gzip
                data = gzip.decompress(data)
            if VIN.encode() in data:
                leaks.append(path)
    check("the identifier in the payload reached no file (records, capture, logs)", not leaks, leaks)
    replay_dir = os.path.join(work, "replayed")
    r = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", replay_dir, "--policy", policy,
                        "--config", agent.config], capture_output=True, text=True, timeout=120)
    replayed = [x for x in T.read_records(replay_dir) if T.field(x, "event.kind") == "event"]
    names = lambda rs: sorted((T.field(x, "egresswatch.flow_id"), T.field(x, "egresswatch.peer.domain") or "")
                              for x in rs if T.field(x, "event.kind") == "event")
    check("replay of the capture gives the same names", r.returncode == 0 and names(replayed) == names(recs),
          r.stderr[-500:])
    errs = T.schema_errors(recs)
    check("records valid against the schema", not errs, errs[:1])
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
