#!/usr/bin/python3
"""UDP bytes are recorded or counted lost, never both and never neither.

One socket on this host sends datagrams of known sizes to 500 peers in a
network namespace, ten rounds in two phases with a UDP idle timeout between
them. With the smallest kernel map the config allows (64 (socket, peer)
entries) most of them find no room: the bytes of every such datagram are
counted as lost, and the records to the peers plus the bytes counted lost add
up to exactly the bytes sent. The entries of flows that ended are freed, so
the second phase records other peers than the first. With the default map
size the same run loses nothing and records every byte. And with the
smallest flow table, flows evicted before the agent read their entries still
record every byte: the entry taken out with the flow holds them."""
import ipaddress
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

failures = []

PEERS = 500
ROUNDS = 10
NET = "198.18.8.0/23"  # the namespace answers for all of it (AnyIP), one sink socket
FIRST = ipaddress.ip_address("198.18.8.1")
PORT = 9300
IDLE = 2  # udp_idle_timeout: the pause between the phases ends every flow

# One socket takes every datagram to NET:PORT: its single (socket, peer) entry
# is made by the first datagram of a phase ("W"), before the storm fills the
# map, so the sink side loses nothing and every byte lost is one the client sent.
SINK = r'''
import signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 24)  # SO_RCVBUFFORCE: never drop for want of buffer
s.bind(("0.0.0.0", int(sys.argv[1])))
total = 0
def stop(*_):
    print("total %d" % total, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    data = s.recv(65536)
    total += len(data)
    if data[:1] == b"W":
        print("warm", flush=True)
'''


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)


def size(peer, rnd):
    """Known, varied payload sizes: 40 to 199 bytes."""
    return 40 + (peer * 13 + rnd * 29) % 160


def storm(sink, sock, peers, rounds, pause=0.0):
    """Wake the sink's entry, then send every round to every peer. Return: bytes sent."""
    sent = sock.sendto(b"W" * 64, (str(FIRST), PORT))
    line = sink.stdout.readline()
    assert "warm" in line, "the sink did not see the first datagram: %r" % line
    for r in rounds:
        for i, p in enumerate(peers):
            sent += sock.sendto(b"D" * size(i, r), p)
            if i % 100 == 99:
                time.sleep(0.002)  # the veth backlog, not the agent, would drop a burst
        time.sleep(pause)
    return sent


def run(work, name, phases, **cfg):
    """One agent, one client socket; PHASES: [(peers, rounds, pause after each round)],
    an idle timeout apart. Return: (bytes sent, client port, sink total, agent)."""
    conf = T.write_config(os.path.join(work, name + ".json"), udp_idle_timeout=IDLE, **cfg)
    d = os.path.join(work, name)
    os.makedirs(d)
    with T.Netns() as ns:
        clash = ns.conflicts()
        assert not clash, "another user of the test ranges: %s" % clash
        ns.run("ip", "route", "add", "local", NET, "dev", "lo")
        T.sh("ip", "route", "add", NET, "via", T.PEER4, "dev", ns.veth)
        sink = ns.spawn("/usr/bin/python3", "-c", SINK, str(PORT))
        agent = T.Agent(d, config=conf).start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sent = 0
        try:
            for i, (peers, rounds, pause) in enumerate(phases):
                if i:
                    time.sleep(IDLE + 2.5)  # every flow idles out: its entry is freed
                sent += storm(sink, sock, peers, rounds, pause)
            time.sleep(1.5)  # a read of the map
        finally:
            rc = agent.stop()
            port = sock.getsockname()[1]
            sock.close()
        sink.send_signal(signal.SIGTERM)
        out, _ = sink.communicate(timeout=10)
        total = int(out.split("total")[-1].split()[0]) if "total" in out else -1
    check("%s: the agent exits 0" % name, rc == 0, agent.stderr())
    return sent, port, total, agent


def tally(agent, port):
    """The client's records, the sink's, and metrics.prom."""
    recs = agent.records()
    net = ipaddress.ip_network(NET)
    client = [r for r in T.flows(recs, network__transport="udp", source__port=port)
              if ipaddress.ip_address(T.field(r, "egresswatch.peer.ip")) in net]
    sink = T.flows(recs, network__transport="udp", egresswatch__peer__ip=T.HOST4,
                   egresswatch__peer__port=port, destination__port=PORT)
    return client, sink, agent.prom()


def out_bytes(recs):
    return sum(r["egresswatch"]["bytes_out"] for r in recs)


def in_bytes(recs):
    return sum(r["egresswatch"]["bytes_in"] for r in recs)


def peers(n, ports=(PORT,)):
    return [(str(FIRST + i), p) for p in ports for i in range(n)]


LOST = 'egresswatch_kernel_drops_total{reason="udp_bytes_lost"}'


def small_map(work):
    half = range(ROUNDS // 2)
    # The second phase the other way round: the peers that find room then are
    # others than before, unless the first phase's entries were left behind.
    phases = [(peers(PEERS), half, 0.01), (peers(PEERS)[::-1], range(ROUNDS // 2, ROUNDS), 0.01)]
    sent, port, got, agent = run(work, "small", phases, udp_map_entries=64)
    client, sink, prom = tally(agent, port)
    recorded = out_bytes(client)
    lost = prom.get(LOST)
    full = prom.get("egresswatch_udp_map_full_total")
    check("small map: udp_bytes_lost is exported", lost is not None, sorted(prom))
    lost = lost or 0
    check("small map: most bytes found no room (recorded %d of %d)" % (recorded, sent),
          0 < recorded < sent // 2)
    check("small map: recorded %d + lost %d == sent %d" % (recorded, lost, sent),
          recorded + lost == sent, "off by %d" % (recorded + lost - sent))
    check("small map: datagrams without room counted (%s)" % full, (full or 0) > 0)
    check("small map: lost_total (%s) includes the bytes lost" % prom.get("egresswatch_lost_total"),
          prom.get("egresswatch_lost_total", 0) >= lost > 0)
    check("small map: udp_map_full counts datagrams, not a loss of its own",
          'egresswatch_kernel_drops_total{reason="udp_map_full"}' not in prom)
    # A final record carries the bytes since the flow's previous record.
    per_flow, end, peer = {}, {}, {}
    for r in client:
        e = r["egresswatch"]
        per_flow[e["flow_id"]] = per_flow.get(e["flow_id"], 0) + e["bytes_out"]
        peer[e["flow_id"]] = e["peer"]["ip"]
        if e["final"]:
            end[e["flow_id"]] = e["end_reason"]
    # Both phases begin with the sink's wake-up datagram to FIRST.
    first = {peer[f] for f, n in per_flow.items() if n and end.get(f) == "idle"}
    second = {peer[f] for f, n in per_flow.items() if n and end.get(f) == "agent_stop"}
    check("small map: the first phase's flows idled out with bytes (%d peers)" % len(first), len(first) > 0)
    check("small map: the second phase recorded other peers, in entries the first freed (%d peers)"
          % len(second), bool(second) and not (first & second) - {str(FIRST)}, sorted(first & second)[:5])
    check("small map: the sink's flow, whose entry came first, has every byte it read (%d of %d)"
          % (in_bytes(sink), got), in_bytes(sink) == got == sent, "sent %d" % sent)
    T.validate(client + sink)


def default_map(work):
    half = range(ROUNDS // 2)
    phases = [(peers(PEERS), half, 0.01), (peers(PEERS)[::-1], range(ROUNDS // 2, ROUNDS), 0.01)]
    sent, port, got, agent = run(work, "default", phases)
    client, sink, prom = tally(agent, port)
    recorded = out_bytes(client)
    check("default map: every byte recorded (%d of %d)" % (recorded, sent), recorded == sent,
          "off by %d" % (recorded - sent))
    check("default map: a flow per peer and phase",
          len([r for r in client if r["egresswatch"]["final"]]) == 2 * PEERS, len(client))
    check("default map: nothing lost", prom.get(LOST) == 0 and prom.get("egresswatch_udp_map_full_total") == 0
          and prom.get("egresswatch_lost_total") == 0,
          {k: v for k, v in prom.items() if "lost" in k or "drops" in k or "full" in k})
    check("default map: the sink's flow has every byte (%d of %d)" % (in_bytes(sink), got),
          in_bytes(sink) == got == sent)


def evicted(work):
    """1,500 peers into a flow table of 1,024: flows end evicted, most before the
    agent read their counters, so their entries hold bytes no record has yet."""
    many = peers(PEERS, (PORT, PORT + 1, PORT + 2))
    sent, port, got, agent = run(work, "evicted", [(many, range(2), 1.2)], flow_table_max=1024)
    client, sink, prom = tally(agent, port)
    recorded = out_bytes(client)
    ev = prom.get("egresswatch_flows_evicted_total", 0)
    check("evicted: flows were evicted (%d)" % ev, ev > 0)
    check("evicted: every byte recorded all the same (%d of %d)" % (recorded, sent), recorded == sent,
          "off by %d" % (recorded - sent))
    check("evicted: no UDP bytes counted lost", prom.get(LOST) == 0, prom.get(LOST))
    check("evicted: the sink's flows have every byte it read (%d of %d)" % (in_bytes(sink), got),
          in_bytes(sink) == got)


def main():
    T.require_bpf("the UDP map test")
    work = T.tmpdir()
    small_map(work)
    default_map(work)
    evicted(work)
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
