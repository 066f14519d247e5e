#!/usr/bin/python3
"""DNS answers are believed only when they answer a query this host sent,
on the real kernel, with a resolver in a network namespace on 198.18.0.0/15.

  (a) forged  a response from the namespace's port 53 to a host socket that
              never queried: a later connection to its address carries no
              name, and dns_answers_unmatched_total moves in metrics.prom
  (b) dig     dig @dnsmasq still names the connection that follows
  (c) race    a host socket asks a resolver that answers with a wrong id,
              then the real answer, then a second one: only the real one names
"""
import json
import os
import shutil
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the DNS matching test")
PEER = os.path.join(T.HERE, "peer.py")
PY = "/usr/bin/python3"
TCP_PORT = 8080
FORGED = "198.18.2.2"       # what the forged response says bank.example is
MATCHED = "198.18.1.2"      # dnsmasq's answer to dig
RACE_REAL, RACE_WRONG_ID, RACE_SECOND = "198.18.3.2", "198.18.3.3", "198.18.3.4"
RESOLVER2 = "198.18.0.3"    # the resolver of (c), next to dnsmasq's PEER4
RAW = b"\x00\x01egresswatch test bytes: neither TLS nor HTTP\x00"

failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)), flush=True)
    if not cond:
        failures.append(name)
    return cond


def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"


def response(txid, name, addr, ttl=300):
    """A well-formed response: NOERROR, the question NAME A IN, one A record ADDR."""
    return (struct.pack(">HHHHHH", txid, 0x8180, 1, 1, 0, 0) + qname(name) + b"\x00\x01\x00\x01"
            + b"\xc0\x0c\x00\x01\x00\x01" + struct.pack(">IH", ttl, 4) + socket.inet_aton(addr))


# (a) Sends one forged response from ADDR:53 to HOST:PORT, then exits.
FORGE = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
s.sendto(bytes.fromhex(sys.argv[4]), (sys.argv[2], int(sys.argv[3])))
'''

# (c) A resolver that answers each query three times: a wrong id, the real
# answer, and a second answer with the right id.
RACE = r'''
import socket, struct, sys
def response(txid, name, addr):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"
    return (struct.pack(">HHHHHH", txid, 0x8180, 1, 1, 0, 0) + q + b"\x00\x01\x00\x01"
            + b"\xc0\x0c\x00\x01\x00\x01" + struct.pack(">IH", 300, 4) + socket.inet_aton(addr))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(2048)
    txid = struct.unpack(">H", data[:2])[0]
    s.sendto(response(txid ^ 0x5a5a, "race.example", sys.argv[3]), peer)
    s.sendto(response(txid, "race.example", sys.argv[2]), peer)
    s.sendto(response(txid, "race.example", sys.argv[4]), peer)
'''


def raw_tcp(addr):
    """Connect, send bytes that name nothing, read the answer; the local port."""
    try:
        with socket.create_connection((addr, TCP_PORT), timeout=5) as s:
            s.sendall(RAW)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
            return s.getsockname()[1]
    except OSError as e:
        check("raw TCP to %s" % addr, False, e)
        return None


def prom(agent, name):
    try:
        return agent.prom().get("egresswatch_" + name, 0)
    except (OSError, ValueError):
        return 0


def named(records, port, addr):
    got = [r for r in T.flows(records, source__port=port, destination__ip=addr, network__direction="egress")
           if r["egresswatch"]["final"]]
    if len(got) != 1:
        return "(%d final records to %s)" % (len(got), addr)
    return T.field(got[0], "egresswatch.peer.domain"), T.field(got[0], "egresswatch.peer.name_source")


def main():
    work = T.tmpdir()
    seen = {}
    with T.Netns() as ns:
        deadline = time.time() + 30
        while ns.conflicts() and time.time() < deadline:
            time.sleep(0.5)
        if ns.conflicts():
            print("FAIL - another test (or a leftover) routes the test ranges: %s" % ns.conflicts(), flush=True)
            return 1
        for a in (FORGED, MATCHED, RACE_REAL, RACE_WRONG_ID, RACE_SECOND):
            ns.add_addr(a, 32)
        ns.add_addr(RESOLVER2, 24)
        ns.spawn(PY, PEER, "tcp", "::", str(TCP_PORT))
        ns.spawn(PY, "-c", RACE, RESOLVER2, RACE_REAL, RACE_WRONG_ID, RACE_SECOND)
        agent = T.Agent(work).start()
        try:
            T.wait_for(lambda: os.path.exists(os.path.join(agent.dir, "metrics.prom")), what="metrics.prom")
            before = prom(agent, "dns_answers_unmatched_total")

            # (a) A host socket that never queried receives a response from port 53.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as victim:
                victim.bind((T.HOST4, 0))
                victim.settimeout(5)
                forged = response(0x1234, "bank.example", FORGED)
                ns.run(PY, "-c", FORGE, T.PEER4, T.HOST4, str(victim.getsockname()[1]), forged.hex())
                check("(a) the forged response reached the host socket", victim.recvfrom(2048)[0] == forged)
            deadline = time.time() + 10  # metrics.prom is rewritten every report_interval (2 s)
            while prom(agent, "dns_answers_unmatched_total") <= before and time.time() < deadline:
                time.sleep(0.2)
            check("(a) dns_answers_unmatched_total moved in metrics.prom",
                  prom(agent, "dns_answers_unmatched_total") > before, before)
            seen["forged"] = raw_tcp(FORGED)

            # (b) dig against dnsmasq, which answers from the same address and port.
            ns.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                     "--pid-file=", "--user=root", "--listen-address=" + T.PEER4, "--bind-interfaces",
                     "--log-facility=-", "--local-ttl=300", "--address=/Matched.Example/" + MATCHED,
                     ready=lambda: ns.listening(53, "udp"), log=os.path.join(work, "dnsmasq.log"))
            r = T.sh("dig", "@" + T.PEER4, "+short", "+tries=1", "+time=3", "mAtChEd.example", "A", check=False)
            check("(b) dig got dnsmasq's answer", r.stdout.split() == [MATCHED], r.stdout + r.stderr)
            seen["dig"] = raw_tcp(MATCHED)

            # (c) A query from a host socket, three answers to it.
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
                c.settimeout(5)
                c.sendto(struct.pack(">HHHHHH", 0x2b2b, 0x0100, 1, 0, 0, 0) + qname("race.example")
                         + b"\x00\x01\x00\x01", (RESOLVER2, 53))
                got = [socket.inet_ntoa(c.recvfrom(2048)[0][-4:]) for _ in range(3)]
            check("(c) the resolver sent three answers", got == [RACE_WRONG_ID, RACE_REAL, RACE_SECOND], got)
            for a in (RACE_WRONG_ID, RACE_REAL, RACE_SECOND):
                seen[a] = raw_tcp(a)
            time.sleep(2.5)  # a metric report after the last answer
        finally:
            rc = agent.stop()

    check("agent exits 0", rc == 0, agent.stderr()[-2000:])
    records = agent.records()
    p = agent.prom()
    print("# seen: " + json.dumps(seen))
    print("# dns metrics: " + json.dumps({k: v for k, v in p.items() if "dns" in k}, sort_keys=True))

    for what, key, addr, want in (
            ("(a) the forged address has no name", "forged", FORGED, (None, None)),
            ("(b) dig's answer names the connection", "dig", MATCHED, ("matched.example", "dns")),
            ("(c) the real answer names its connection", RACE_REAL, RACE_REAL, ("race.example", "dns")),
            ("(c) an answer with the wrong id names nothing", RACE_WRONG_ID, RACE_WRONG_ID, (None, None)),
            ("(c) a second answer to an answered query names nothing", RACE_SECOND, RACE_SECOND, (None, None))):
        got = named(records, seen[key], addr)
        check(what, got == want, got)
    check("(a) bank.example is in no record", not any("bank.example" in json.dumps(r) for r in records))
    unmatched = p.get("egresswatch_dns_answers_unmatched_total", 0)
    check("forged, wrong id and second answers counted unmatched (3 or more)", unmatched - before >= 3, unmatched)
    check("dig's and the real answer counted matched", p.get("egresswatch_dns_answers_matched_total", 0) >= 2,
          p.get("egresswatch_dns_answers_matched_total"))
    check("the queries were seen", p.get('egresswatch_payloads_parsed_total{parser="dns_query",result="ok"}', 0) >= 2
          and p.get("egresswatch_dns_queries_kept_total", 0) >= 2, p)
    check("nothing lost", p.get("egresswatch_lost_total", -1) == 0, p.get("egresswatch_lost_total"))
    errs = T.schema_errors(records)
    check("records valid against the schema", not errs, errs[:1])
    print("%d failed" % len(failures))
    if not failures:
        shutil.rmtree(work)
    else:
        print("work dir kept: " + work)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
