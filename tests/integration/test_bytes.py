#!/usr/bin/python3
"""Outbound TCP bytes are what left the host, once: payload acknowledged or
still in flight at the close, without the SYN and the FIN, each retransmitted
byte once. Three clients on this host against servers in a network namespace,
counted on the wire at the server's side by a sniffer there (bytes_peer.py):

  reset   a 1 MB POST to a server that reads 10 KB and resets (close with
          unread data and SO_LINGER 0), its acknowledgements slowed: segments
          that left after the server stopped acknowledging are outbound bytes
          too, and one the client retransmitted counts once;
  tls     openssl s_client to a Python TLS server that closes first: the
          client's close_notify, sent after the server's FIN, is answered
          with a reset, never acknowledged;
  upload  a 1 MB upload that completes, spread over several report intervals,
          the client closing a while after the server: the interim records
          (sweeps, one after the server's FIN) and the final one add up to
          the wire;
  shaped  a 2 MB upload through a shaper on this host's side of the veth
          whose queue overflows: a segment the host drops is sent again as
          new data, so tcp_sock.bytes_sent counts it twice; only one copy
          left.

Each egress record's egresswatch.bytes_out_total and source.bytes must equal
the client's payload on the wire, and bytes_in what the server sent it."""
import json
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the outbound bytes test")
PY = "/usr/bin/python3"
PEERS = os.path.join(T.HERE, "bytes_peer.py")
PEER = os.path.join(T.HERE, "peer.py")
RESET_PORT, TLS_PORT, UPLOAD_PORT, SHAPED_PORT = 8201, 8202, 8203, 8204
MB = 1000000
TLS_REPLY = 2345
failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)
    return cond


RESET_CLIENT = """
import json, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
body = b"x" * int(sys.argv[3])
req = b"POST /upload HTTP/1.1\\r\\nHost: ewtest\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body)
err = None
try:
    s.sendall(req + body)
    while s.recv(65536):
        pass
except (ConnectionResetError, BrokenPipeError) as e:
    err = type(e).__name__
s.close()
print(json.dumps({"error": err}))
"""

UPLOAD_CLIENT = """
import json, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
size, chunks, pause = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s.sendall(b"POST /upload HTTP/1.1\\r\\nHost: ewtest\\r\\nContent-Length: %d\\r\\n\\r\\n" % size)
for i in range(chunks):
    s.sendall(b"u" * (size // chunks))
    time.sleep(pause)
got = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    got += len(b)
port = s.getsockname()[1]
time.sleep(float(sys.argv[6]))  # in CLOSE_WAIT through a sweep: the server's FIN is no byte
s.close()
print(json.dumps({"port": port, "recv": got}))
"""


def wire_flows(path):
    """{(client port, server port): {"out": client-to-server, "in": server-to-client}}."""
    with open(path) as f:
        w = json.load(f)
    out = {}
    for key, d in w["flows"].items():
        src, sport, dst, dport = key.split()
        if src == T.HOST4 and dst == T.PEER4:
            out.setdefault((int(sport), int(dport)), {})["out"] = d
        elif src == T.PEER4 and dst == T.HOST4:
            out.setdefault((int(dport), int(sport)), {})["in"] = d
    return w["drops"], out


def by_server_port(conns, port):
    """The one connection the sniffer saw to PORT: (client port, its directions)."""
    got = [(c, d) for (c, s), d in conns.items() if s == port]
    check("wire: one connection to port %d" % port, len(got) == 1, got)
    return got[0] if len(got) == 1 else (None, None)


def flow_records(records, client_port, server_port, direction):
    return [r for r in T.flows(records, network__direction=direction, destination__port=server_port,
                               source__port=client_port)]


def expect(records, what, client_port, server_port, wire, interim=False):
    """The egress records of one connection against the wire: returns the final one."""
    recs = flow_records(records, client_port, server_port, "egress")
    finals = [r for r in recs if r["egresswatch"]["final"]]
    if not check("%s: one final egress record" % what, len(finals) == 1, len(finals)):
        return None
    r = finals[0]
    out, inb = wire["out"]["unique"], wire.get("in", {}).get("unique", 0)
    ew = r["egresswatch"]
    print("# %s: wire out %d (with retransmissions %d, acknowledged %s), in %d; record out %d, in %d"
          % (what, out, wire["out"]["wire"], wire["out"]["acked"], inb, ew["bytes_out_total"],
             ew["bytes_in_total"]), flush=True)
    check("%s: egresswatch.bytes_out_total = payload the client put on the wire (%d)" % (what, out),
          ew["bytes_out_total"] == out, ew)
    check("%s: egresswatch.bytes_in_total = payload the server sent the client (%d)" % (what, inb),
          ew["bytes_in_total"] == inb, ew)
    check("%s: all records of the flow share its flow_id" % what,
          len({x["egresswatch"]["flow_id"] for x in recs}) == 1, [x["egresswatch"]["flow_id"] for x in recs])
    check("%s: source.bytes over the flow's records = the wire (%d)" % (what, out),
          sum(T.field(x, "source.bytes", 0) for x in recs) == out, [T.field(x, "source.bytes") for x in recs])
    check("%s: destination.bytes over the flow's records = the wire (%d)" % (what, inb),
          sum(T.field(x, "destination.bytes", 0) for x in recs) == inb,
          [T.field(x, "destination.bytes") for x in recs])
    check("%s: bytes_out over the flow's records = bytes_out_total" % what,
          sum(x["egresswatch"]["bytes_out"] for x in recs) == ew["bytes_out_total"],
          [x["egresswatch"]["bytes_out"] for x in recs])
    if interim:
        check("%s: interim records before the final one" % what,
              len(recs) >= 2 and all(not x["egresswatch"]["final"] for x in recs if x is not r),
              [(x["egresswatch"]["final"], x["egresswatch"]["bytes_out"]) for x in recs])
    return r


def main():
    work = T.tmpdir()
    cap = os.path.join(work, "events.cap")
    wire_path = os.path.join(work, "wire.json")
    upload_log = os.path.join(work, "upload.log")
    cert, key = T.self_signed_cert(work)
    tls_req = os.path.join(work, "tls-request")
    with open(tls_req, "w") as f:
        f.write("GET / HTTP/1.0\r\n\r\n")

    with T.Netns() as ns:
        conflicts = ns.conflicts()
        assert not conflicts, "another user of the test ranges: %s" % conflicts
        sniffer = ns.spawn(PY, PEERS, "sniff", "eth0", wire_path)
        ns.spawn(PY, PEERS, "reset-server", T.PEER4, str(RESET_PORT), "10240")
        ns.spawn(PY, PEERS, "tls-server", T.PEER4, str(TLS_PORT), cert, key, str(TLS_REPLY))
        ns.spawn(PY, PEER, "tcp", T.PEER4, str(UPLOAD_PORT), "--log", upload_log, "--reply", "4321")
        ns.spawn(PY, PEER, "tcp", T.PEER4, str(SHAPED_PORT), "--log", os.path.join(work, "shaped.log"),
                 "--reply", "10")
        agent = T.Agent(work, capture=cap).start()
        try:
            # Acknowledgements queue behind a slow link out of the namespace
            # (about 100 ms each), so segments are still in flight when the
            # reset leaves, and the client's retransmission timer fires first.
            ns.run("tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", "5kbit", "burst", "200",
                   "latency", "2s")
            reset = json.loads(T.sh(PY, "-c", RESET_CLIENT, T.PEER4, str(RESET_PORT), str(MB)).stdout)
            ns.run("tc", "qdisc", "del", "dev", "eth0", "root")
            with open(tls_req) as stdin:
                tls = T.sh("openssl", "s_client", "-connect", "%s:%d" % (T.PEER4, TLS_PORT), "-quiet",
                           stdin=stdin, check=False)
            upload = json.loads(T.sh(PY, "-c", UPLOAD_CLIENT, T.PEER4, str(UPLOAD_PORT), str(MB), "10",
                                     "0.4", "1.3").stdout)
            # A queue of 2 ms at 50 Mbit/s: TCP fills it faster than it drains.
            T.sh("tc", "qdisc", "add", "dev", ns.veth, "root", "tbf", "rate", "50mbit", "burst", "20k",
                 "latency", "2ms")
            T.sh(PY, "-c", UPLOAD_CLIENT, T.PEER4, str(SHAPED_PORT), str(2 * MB), "1", "0", "0")
            shaper = T.sh("tc", "-s", "qdisc", "show", "dev", ns.veth).stdout
            T.sh("tc", "qdisc", "del", "dev", ns.veth, "root")
            time.sleep(1.5)  # a poll interval for the closes, and the server's side
        finally:
            rc = agent.stop()
            sniffer.send_signal(signal.SIGTERM)
            sniffer.wait(timeout=10)

    check("agent exits 0", rc == 0, agent.stderr())
    check("the reset client saw the reset", reset["error"] in ("ConnectionResetError", "BrokenPipeError"), reset)
    check("openssl s_client read the page", tls.stdout.endswith("s" * TLS_REPLY), tls.stderr[-500:])
    drops, conns = wire_flows(wire_path)
    check("the sniffer dropped nothing", drops == 0, drops)
    records = agent.records()
    bad = T.schema_errors(records)
    check("every record validates against schemas/record.schema.json", not bad,
          ["%s\n%s" % ("\n".join(m), json.dumps(r)) for r, m in bad][:3])

    # (a) reset mid-upload
    port, wire = by_server_port(conns, RESET_PORT)
    if wire:
        check("reset: the server reset the connection", wire.get("in", {}).get("rst"), wire.get("in"))
        check("reset: the client sent more than the server acknowledged (the case this covers)",
              wire["out"]["acked"] is not None and wire["out"]["acked"] < wire["out"]["unique"], wire["out"])
        # The slow link makes the client's retransmission timer fire first on a
        # quiet machine; on a busy one the reset may win. Either way the record
        # must hold the unique bytes (expect() below).
        if wire["out"]["wire"] > wire["out"]["unique"]:
            print("# reset: a segment left twice: the retransmission must count once")
        else:
            print("# reset: no segment left twice this run (the reset came first)")
        expect(records, "reset", port, RESET_PORT, wire)
    # (b) TLS, server closes first, the client's close_notify answered by a reset
    port, wire = by_server_port(conns, TLS_PORT)
    if wire:
        check("tls: the server's FIN came first", wire.get("in", {}).get("fin"), wire.get("in"))
        check("tls: the client's close_notify was never acknowledged (the case this covers)",
              wire["out"]["acked"] is not None and wire["out"]["acked"] < wire["out"]["unique"], wire["out"])
        expect(records, "tls", port, TLS_PORT, wire)
    # (c) a complete upload with interim records
    port, wire = by_server_port(conns, UPLOAD_PORT)
    if wire:
        check("upload: the wire has the whole POST", wire["out"]["unique"] > MB, wire["out"])
        check("upload: the client read the whole reply", upload["recv"] == wire.get("in", {}).get("unique"),
              (upload, wire.get("in")))
        expect(records, "upload", port, UPLOAD_PORT, wire, interim=True)

    # (d) local drops
    port, wire = by_server_port(conns, SHAPED_PORT)
    if wire:
        dropped = re.search(r"dropped (\d+)", shaper)
        check("shaped: the host dropped segments (the case this covers)", dropped and int(dropped.group(1)) > 0,
              shaper)
        check("shaped: the wire has the whole POST", wire["out"]["unique"] > 2 * MB, wire["out"])
        expect(records, "shaped", port, SHAPED_PORT, wire)

    # The capture replays to the same records.
    out = os.path.join(work, "replay")
    rep = T.sh(T.egresswatch(), "replay", cap, "--data-dir", out, "--config", agent.config, check=False)
    check("replay exits 0", rep.returncode == 0, rep.stderr)
    check("replay writes the same records", sorted(T.read_lines(agent.dir)) == sorted(T.read_lines(out)))
    if not failures:
        shutil.rmtree(work)
    else:
        print("# kept " + work)
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
