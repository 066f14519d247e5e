#!/usr/bin/python3
"""Flows the periodic TCP sweep must not get wrong: a 30 s connection made
from inside a network namespace (every container is one) keeps one flow with
its process and its bytes and is never ended as vanished; a flow table of
1024 under 3,000 held connections evicts and counts, and neither the sweeps
nor the closes bring an evicted flow back as a record without a process or
direction."""
import collections
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the sweep test")
PY = "/usr/bin/python3"
class Sink:
    """A TCP server on HOST4 that counts what each peer port sent."""

    def __init__(self, port):
        self.got = collections.Counter()
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((T.HOST4, port))
        self.s.listen(4096)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, peer = self.s.accept()
            except OSError:
                return
            threading.Thread(target=self.drain, args=(c, peer[1]), daemon=True).start()

    def drain(self, c, port):
        while True:
            try:
                d = c.recv(65536)
            except OSError:
                break
            if not d:
                break
            self.got[port] += len(d)
        c.close()


SLOW = ("import socket,sys,time,json\n"
        "s=socket.create_connection((sys.argv[1],int(sys.argv[2])))\n"
        "print(json.dumps({'port':s.getsockname()[1]}),flush=True)\n"
        "for _ in range(30):\n"
        "  s.sendall(b'k'*1024); time.sleep(1)\n"
        "s.close()\n")


def slow_from_namespace(work, ns):
    sink = Sink(8201)
    d = os.path.join(work, "ns")
    os.makedirs(d)
    agent = T.Agent(d).start()
    try:
        p = subprocess.Popen(["ip", "netns", "exec", ns.name, PY, "-c", SLOW, T.HOST4, "8201"],
                             stdout=subprocess.PIPE, text=True)
        port = json.loads(p.stdout.readline())["port"]
        p.wait(timeout=60)
        time.sleep(2)
    finally:
        agent.stop()
    recs = [r for r in T.flows(agent.records(), network__direction="egress", destination__port=8201)
            if T.field(r, "source.port") == port]
    finals = [r for r in recs if r["egresswatch"]["final"]]
    T.check("30 s from a namespace: exactly one final record", len(finals) == 1,
          [r["egresswatch"]["end_reason"] for r in recs])
    T.check("30 s from a namespace: never vanished",
          not [r for r in recs if r["egresswatch"]["end_reason"] == "vanished"],
          [r["egresswatch"]["end_reason"] for r in recs])
    T.check("30 s from a namespace: interim records came before the end (the sweeps saw it)",
          len(recs) - len(finals) >= 5, len(recs))
    if finals:
        f = finals[0]
        T.check("30 s from a namespace: closed", f["egresswatch"]["end_reason"] == "closed", f["egresswatch"])
        T.check("30 s from a namespace: bytes out == what the server read (%d)" % sink.got[port],
              f["egresswatch"]["bytes_out_total"] == sink.got[port] == 30 * 1024,
              f["egresswatch"]["bytes_out_total"])
        T.check("30 s from a namespace: its process", T.field(f, "process.name") == "python3",
              f.get("process"))
        T.check("30 s from a namespace: one flow id in every record",
              len({r["egresswatch"]["flow_id"] for r in recs}) == 1)
    errs = T.schema_errors(agent.records())
    T.check("30 s from a namespace: records pass the schema", not errs, errs[:1])


HOLD = ("import socket,sys,json,time\n"
        "n=int(sys.argv[3]); cs=[]\n"
        "for _ in range(n): cs.append(socket.create_connection((sys.argv[1],int(sys.argv[2]))))\n"
        "print('held',flush=True); sys.stdin.readline()\n"
        "for c in cs: c.close()\n")


def full_table(work):
    d = os.path.join(work, "full")
    os.makedirs(d)
    sink = Sink(8202)
    agent = T.Agent(d, config=T.write_config(os.path.join(d, "c.json"), flow_table_max=1024)).start()
    try:
        p = subprocess.Popen([PY, "-c", HOLD, T.HOST4, "8202", "1500"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        T.check("full table: 1,500 connections (3,000 flows: both ends) held", p.stdout.readline().strip() == "held")
        time.sleep(5)  # sweeps every second with report_interval 2
        p.stdin.write("\n")
        p.stdin.flush()
        p.wait(timeout=60)
        time.sleep(3)
    finally:
        agent.stop()
    recs = agent.records()
    flows = [r for r in recs if r["event"]["kind"] == "event" and 8202 in
             (T.field(r, "destination.port"), T.field(r, "source.port"))]
    prom = agent.prom()
    T.check("full table: evictions counted", prom.get("egresswatch_flows_evicted_total", 0) >= 3000 - 1024,
          prom.get("egresswatch_flows_evicted_total"))
    T.check("full table: lost_total includes the evictions",
          prom.get("egresswatch_lost_total", 0) >= prom.get("egresswatch_flows_evicted_total", 0))
    T.check("full table: no record without a direction",
          not [r for r in flows if r["network"]["direction"] == "unknown"],
          len([r for r in flows if r["network"]["direction"] == "unknown"]))
    T.check("full table: no record without a process", not [r for r in flows if "process" not in r],
          len([r for r in flows if "process" not in r]))
    per_flow = collections.Counter(r["egresswatch"]["flow_id"] for r in flows if r["egresswatch"]["final"])
    T.check("full table: one final record per flow", per_flow and max(per_flow.values()) == 1,
          per_flow.most_common(3))
    T.check("full table: every flow has its final record (3,000)", len(per_flow) == 3000, len(per_flow))


def main():
    work = T.tmpdir()
    with T.Netns() as ns:
        slow_from_namespace(work, ns)
        full_table(work)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
