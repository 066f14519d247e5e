#!/usr/bin/python3
"""The process behind an accepted TCP socket, found with no hook on any system
call: servers started before the agent (the start scan, also inside a network
namespace) and after it (listen() in the kernel), a pre-forking server (a
parent that listens, workers that accept: the worker that closes the socket
owns it) and SO_REUSEPORT listeners in separate processes. Each record's
process.pid must be the pid that the server says accepted that connection,
and egresswatch.process.attribution must say how it was found."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the accepted-socket owner test")
SERVER = os.path.join(T.HERE, "owner_server.py")
PY = "/usr/bin/python3"
CONNS = 6
# The kernel spreads SO_REUSEPORT connections by a hash of their ports: with
# 6, both listeners are seen but in 1 run of 32; with 24, 1 in 8 million.
REUSEPORT_CONNS = 24
def start_server(work, mode, addr, port, ns=None):
    log = os.path.join(work, "%s-%d.log" % (mode, port))
    cmd = [PY, SERVER, mode, addr, str(port), log, "--workers", "3" if mode == "prefork" else "2"]
    if ns:
        cmd = ["ip", "netns", "exec", ns.name] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    assert line and line[0] == "ready", "%s server did not start: %r" % (mode, line)
    return {"proc": p, "log": log, "port": port, "mode": mode, "parent": int(line[1]),
            "workers": [int(x) for x in line[2:]]}


CLIENT = ("import socket,sys,json\n"
          "ports=[]\n"
          "for _ in range(int(sys.argv[3])):\n"
          "  s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=10)\n"
          "  ports.append(s.getsockname()[1]); s.sendall(b'hello\\n')\n"
          "  while s.recv(4096): pass\n"
          "  s.close()\n"
          "print(json.dumps(ports))\n")


def connect(addr, port, ns=None, conns=CONNS):
    cmd = [PY, "-c", CLIENT, addr, str(port), str(conns)]
    if ns:
        cmd = ["ip", "netns", "exec", ns.name] + cmd
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60).stdout)


def accepted_by(server):
    with open(server["log"]) as f:
        return {e["peer_port"]: e["pid"] for e in map(json.loads, f)}


def expect(records, server, ports, attribution, what):
    pids = accepted_by(server)
    got = []
    for port in ports:
        rs = [r for r in T.flows(records, network__direction="ingress", destination__port=server["port"],
                                 source__port=port) if r["egresswatch"]["final"]]
        if not T.check("%s: one final record for client port %d" % (what, port), len(rs) == 1, len(rs)):
            continue
        r = rs[0]
        got.append(T.field(r, "process.pid"))
        T.check("%s: port %d owned by pid %s, the one that accepted it" % (what, port, pids.get(port)),
              T.field(r, "process.pid") == pids.get(port),
              json.dumps({"process": r.get("process"), "egresswatch.process": T.field(r, "egresswatch.process")}))
        T.check("%s: port %d attribution %s" % (what, port, attribution),
              T.field(r, "egresswatch.process.attribution") == attribution,
              T.field(r, "egresswatch.process"))
    return got


def no_syscall_hook():
    """The agent attaches nothing that runs on every system call."""
    r = subprocess.run(["bpftool", "-j", "link", "show"], capture_output=True, text=True)
    links = json.loads(r.stdout or "[]")
    names = [l.get("tp_name") or l.get("attach_type") or "" for l in links]
    T.check("no raw/BTF tracepoint on sys_enter or sys_exit is attached",
          not [n for n in names if "sys_enter" in str(n) or "sys_exit" in str(n)], names)
    probe = json.loads(subprocess.run([T.egresswatch(), "probe", "--json"], capture_output=True,
                                      text=True).stdout)
    T.check("probe lists no syscall hook", not [h for h in probe["hooks"] if "sys_" in h["name"]],
          [h["name"] for h in probe["hooks"]])


def main():
    work = T.tmpdir()
    servers = []
    with T.Netns() as ns:
        try:
            before = {"single": start_server(work, "single", T.HOST4, 8101),
                      "prefork": start_server(work, "prefork", T.HOST4, 8102),
                      "netns": start_server(work, "single", T.PEER4, 8103, ns=ns)}
            servers += before.values()
            agent = T.Agent(work).start()
            try:
                after = {"single": start_server(work, "single", T.HOST4, 8111),
                         "prefork": start_server(work, "prefork", T.HOST4, 8112),
                         "reuseport": start_server(work, "reuseport", T.HOST4, 8113)}
                servers += after.values()
                no_syscall_hook()
                ports = {}
                for k, s in list(before.items()) + [("after-" + k, s) for k, s in after.items()]:
                    if k == "netns":
                        ports[k] = connect(T.PEER4, s["port"])
                    else:
                        ports[k] = connect(T.HOST4, s["port"], ns=ns,
                                           conns=REUSEPORT_CONNS if s["mode"] == "reuseport" else CONNS)
            finally:
                agent.stop()
        finally:
            for s in servers:
                s["proc"].terminate()
                s["proc"].wait()
    records = agent.records()
    expect(records, before["single"], ports["single"], "listener_scan", "server started before the agent")
    expect(records, before["netns"], ports["netns"], "listener_scan",
           "server in a network namespace, started before the agent")
    got = expect(records, before["prefork"], ports["prefork"], "closer",
                 "pre-forking server started before the agent")
    T.check("pre-forking server (before): owners are workers, not the parent",
          got and set(got) <= set(before["prefork"]["workers"]), (got, before["prefork"]))
    expect(records, after["single"], ports["after-single"], "listener", "server started after the agent")
    got = expect(records, after["prefork"], ports["after-prefork"], "closer",
                 "pre-forking server started after the agent")
    T.check("pre-forking server (after): owners are workers, not the parent",
          got and set(got) <= set(after["prefork"]["workers"]), (got, after["prefork"]))
    got = expect(records, after["reuseport"], ports["after-reuseport"], "listener",
                 "SO_REUSEPORT listeners in two processes")
    T.check("SO_REUSEPORT: both listeners' processes were seen", len(set(got)) == 2, got)
    egress = [r for r in T.flows(records, network__direction="egress") if r["egresswatch"]["final"]
              and T.field(r, "destination.port") in (8101, 8102, 8111, 8112, 8113)]
    T.check("the clients' own records: attribution socket",
          egress and all(T.field(r, "egresswatch.process.attribution") == "socket" for r in egress),
          [T.field(r, "egresswatch.process") for r in egress][:3])
    errs = T.schema_errors(records)
    T.check("every record passes the schema", not errs, errs[:1])
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
