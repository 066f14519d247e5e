#!/usr/bin/python3
"""The foundation end to end on the real kernel: real clients against real
servers in a network namespace, the agent capturing, records checked field by
field against what the peers logged, and the capture replayed."""
import json
import os
import pwd
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the flow capture test")
PEER = os.path.join(T.HERE, "peer.py")
PY = "/usr/bin/python3"
QUICKCONN = os.environ.get("QUICKCONN", os.path.join(T.SRC, "build", "tests", "integration", "quickconn"))
CONTAINER_ID = "ab" * 32
failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + detail), flush=True)
    if not cond:
        failures.append(name)


def peer_log(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def one(records, what, **match):
    got = [r for r in T.flows(records, **match) if r["egresswatch"]["final"]]
    check(what + ": exactly one final record", len(got) == 1,
          "%d matched %s" % (len(got), match))
    return got[0] if got else None


def main():
    work = T.tmpdir()
    cap = os.path.join(work, "events.cap")
    logs = {k: os.path.join(work, k + ".log") for k in ("http4", "http6", "udp", "local")}
    body = os.path.join(work, "body.bin")
    with open(body, "wb") as f:
        f.write(os.urandom(100000))
    cg_dir = None

    with T.Netns() as ns:
        ns.spawn(PY, PEER, "tcp", T.PEER4, "8080", "--log", logs["http4"], "--reply", "1234")
        ns.spawn(PY, PEER, "tcp", T.PEER6, "8081", "--log", logs["http6"], "--reply", "2500")
        ns.spawn(PY, PEER, "udp", T.PEER4, "9999", "--log", logs["udp"], "--reply", "50")
        local = subprocess.Popen([PY, PEER, "tcp", T.HOST4, "8090", "--log", logs["local"],
                                  "--reply", "333"], stdout=subprocess.PIPE, text=True)
        assert "ready" in local.stdout.readline()

        agent = T.Agent(work, capture=cap).start()
        # After the start: the agent mounts cgroup2 itself where nothing had.
        cg_dir = os.path.join(T.cgroup2_root(), "ewtest.slice", "docker-%s.scope" % CONTAINER_ID)
        try:
            # 1. curl POSTs 100,000 bytes over IPv4.
            curl = T.sh("curl", "-sS", "--http1.1", "-o", "/dev/null", "-w", "%{local_port}",
                        "--data-binary", "@" + body, "http://%s:8080/upload" % T.PEER4)
            curl_port = int(curl.stdout)
            # 2. python3 over IPv6, as user nobody.
            py6 = T.sh("runuser", "-u", "nobody", "--", PY, T.public_copy(PEER), "client", T.PEER6, "8081",
                       "--size", "5000")
            py6 = json.loads(py6.stdout)
            # 3. IPv4 peer through an AF_INET6 socket (v4-mapped).
            mapped = T.sh(PY, "-c", (
                "import socket;s=socket.socket(socket.AF_INET6);"
                "s.connect(('::ffff:%s',8080));"
                "s.sendall(b'POST / HTTP/1.1\\r\\nContent-Length: 7\\r\\n\\r\\n1234567');"
                "print(s.getsockname()[1]);[0 for _ in iter(lambda:s.recv(65536),b'')]") % T.PEER4)
            mapped_port = int(mapped.stdout)
            # 4. UDP: three datagrams of 100 bytes, each answered with 50.
            udp = T.sh(PY, "-c", (
                "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(5)\n"
                "for i in range(3):\n s.sendto(b'x'*100,('%s',9999)); s.recvfrom(100)\n"
                "print(s.getsockname()[1])") % T.PEER4)
            udp_port = int(udp.stdout)
            # 5. A client in the namespace; this host accepts.
            inbound = json.loads(ns.run(PY, PEER, "client", T.HOST4, "8090", "--size", "777").stdout)
            # 6. A process that exits right after connecting.
            quick = subprocess.Popen([QUICKCONN, T.PEER4, "8080", "marker-quick"])
            quick.wait()
            # 7. A process in a cgroup named like a docker container's scope.
            os.makedirs(cg_dir, exist_ok=True)
            docker = T.sh("sh", "-c", "echo $$ > %s/cgroup.procs && exec curl -sS -o /dev/null "
                          "-w %%{local_port} --data-binary hello http://%s:8080/in-container"
                          % (cg_dir, T.PEER4))
            docker_port = int(docker.stdout)
            time.sleep(3.5)  # a UDP idle timeout and an interval of metrics
        finally:
            rc = agent.stop()
            local.kill()
            local.wait()
            for d in (cg_dir, os.path.dirname(cg_dir)):
                if d and os.path.isdir(d):
                    os.rmdir(d)

    check("agent exits 0 on SIGTERM", rc == 0, agent.stderr())
    records = agent.records()
    check("records were written", len(records) > 0)
    try:
        T.validate(records)
        check("every record validates against schemas/record.schema.json", True)
    except AssertionError as e:
        check("every record validates against schemas/record.schema.json", False, str(e))

    http4 = {l["peer_port"]: l for l in peer_log(logs["http4"])}
    # 1
    r = one(records, "curl over IPv4", source__port=curl_port, destination__port=8080,
            network__direction="egress")
    if r:
        srv = http4.get(curl_port, {})
        check("curl: transport/type/direction", (r["network"]["transport"], r["network"]["type"],
              r["network"]["direction"]) == ("tcp", "ipv4", "egress"), json.dumps(r["network"]))
        check("curl: addresses", (r["source"]["ip"], r["destination"]["ip"]) == (T.HOST4, T.PEER4))
        check("curl: bytes out = bytes the server received (>100000)",
              r["egresswatch"]["bytes_out"] == srv.get("recv") and srv.get("recv", 0) > 100000,
              "%s vs %s" % (r["egresswatch"]["bytes_out"], srv))
        check("curl: bytes in = bytes the server sent",
              r["egresswatch"]["bytes_in"] == srv.get("sent"), "%s vs %s" % (r["egresswatch"]["bytes_in"], srv))
        check("curl: executable", r["process"].get("executable") == shutil.which("curl"),
              str(r["process"]))
        check("curl: command line", body in r["process"].get("command_line", ""), str(r["process"]))
        check("curl: parent pid is this test", r["process"]["parent"]["pid"] == os.getpid(),
              str(r["process"]))
        check("curl: uid 0 root", r["user"] == {"id": "0", "name": "root"}, str(r["user"]))
        check("curl: peer fields", (r["egresswatch"]["peer"]["ip"], r["egresswatch"]["peer"]["port"]) ==
              (T.PEER4, 8080),
              str(r["egresswatch"]["peer"]))
        check("curl: community id", r["network"].get("community_id", "").startswith("1:"))
        check("curl: benchmarking range is local", r["egresswatch"].get("border") == "local"
              and r["egresswatch"]["peer"].get("network") == "benchmarking", str(r["egresswatch"]))
        check("curl: no container", "container" not in r)
    # 2
    http6 = {l["peer_port"]: l for l in peer_log(logs["http6"])}
    r = one(records, "python3 over IPv6", source__port=py6["local_port"], destination__port=8081,
            network__direction="egress")
    if r:
        check("ipv6: type and addresses", (r["network"]["type"], r["source"]["ip"], r["destination"]["ip"])
              == ("ipv6", T.HOST6, T.PEER6), json.dumps(r["network"]) + json.dumps(r["source"]))
        check("ipv6: bytes out = client wrote", r["egresswatch"]["bytes_out"] == py6["sent"]
              == http6[py6["local_port"]]["recv"], "%s %s" % (r["egresswatch"], py6))
        check("ipv6: bytes in = client read", r["egresswatch"]["bytes_in"] == py6["recv"])
        nobody = pwd.getpwnam("nobody")
        check("ipv6: uid nobody", r["user"] == {"id": str(nobody.pw_uid), "name": "nobody"}, str(r["user"]))
        check("ipv6: python executable", os.path.basename(r["process"].get("executable", "")).startswith("python3"),
              str(r["process"]))
    # 3
    r = one(records, "v4-mapped", source__port=mapped_port, destination__port=8080,
            network__direction="egress")
    if r:
        check("v4-mapped: reported as ipv4", (r["network"]["type"], r["destination"]["ip"]) == ("ipv4", T.PEER4),
              json.dumps(r["network"]) + json.dumps(r["destination"]))
        check("v4-mapped: bytes", r["egresswatch"]["bytes_out"] == http4[mapped_port]["recv"]
              and r["egresswatch"]["bytes_in"] == http4[mapped_port]["sent"], str(r["egresswatch"]))
    # 4
    r = one(records, "UDP", source__port=udp_port, destination__port=9999,
            network__direction="egress")
    if r:
        check("udp: transport and direction", (r["network"]["transport"], r["network"]["direction"]) ==
              ("udp", "egress"), json.dumps(r["network"]))
        check("udp: payload bytes 300 out, 150 in", (r["egresswatch"]["bytes_out"], r["egresswatch"]["bytes_in"])
              == (300, 150), str(r["egresswatch"]))
        check("udp: ended by idle timeout", r["egresswatch"]["end_reason"] == "idle", r["egresswatch"]["end_reason"])
        check("udp: process", r["process"]["pid"] > 0 and "executable" in r["process"], str(r["process"]))
    # 5
    local_log = {l["peer_port"]: l for l in peer_log(logs["local"])}
    r = one(records, "accepted connection", source__port=inbound["local_port"], destination__port=8090,
            network__direction="ingress")
    if r:
        check("accepted: direction ingress, initiator is the source",
              (r["network"]["direction"], r["source"]["ip"], r["destination"]["ip"]) ==
              ("ingress", T.PEER4, T.HOST4), json.dumps(r["network"]) + json.dumps(r["source"]))
        check("accepted: process is the local server", r.get("process", {}).get("pid") == local.pid,
              "%s vs %d" % (r.get("process"), local.pid))
        check("accepted: command line", "8090" in r.get("process", {}).get("command_line", ""))
        check("accepted: bytes from this host's view",
              (r["egresswatch"]["bytes_out"], r["egresswatch"]["bytes_in"]) ==
              (local_log[inbound["local_port"]]["sent"], local_log[inbound["local_port"]]["recv"]),
              "%s vs %s" % (r["egresswatch"], local_log))
        check("accepted: peer is the remote end", r["egresswatch"]["peer"]["ip"] == T.PEER4)
    # 6
    qs = [x for x in T.flows(records, destination__port=8080, network__direction="egress")
          if x["egresswatch"]["final"]
          and "marker-quick" in x.get("process", {}).get("command_line", "")]
    check("quick exit: one record with its command line", len(qs) == 1, str(len(qs)))
    if qs:
        r = qs[0]
        check("quick exit: exit code 0", quick.returncode == 0)
        check("quick exit: executable", r["process"].get("executable") == os.path.realpath(QUICKCONN),
              str(r["process"]))
        check("quick exit: identity from exec", r["egresswatch"]["process"]["identity"] == "exec",
              str(r["egresswatch"]["process"]))
        check("quick exit: pid", r["process"]["pid"] == quick.pid, "%s vs %d" % (r["process"], quick.pid))
        check("quick exit: 10 bytes out", r["egresswatch"]["bytes_out"] == 10, str(r["egresswatch"]))
    # 7
    r = one(records, "docker-scoped process", source__port=docker_port, destination__port=8080,
            network__direction="egress")
    if r:
        check("docker: container.id", r.get("container", {}).get("id") == CONTAINER_ID, str(r.get("container")))
        check("docker: cgroup path", r["egresswatch"]["process"].get("cgroup", "").endswith(
            "docker-%s.scope" % CONTAINER_ID), str(r["egresswatch"]["process"]))
        check("docker: executable curl", r["process"].get("executable") == shutil.which("curl"))
    # The namespace's servers are on this host too: their side is recorded as accepted.
    srv = [x for x in T.flows(records, destination__port=8080, network__direction="ingress",
                              source__port=curl_port) if x["egresswatch"]["final"]]
    check("the peer namespace's server side is recorded as ingress", len(srv) == 1 and
          srv[0]["egresswatch"]["bytes_in"] == http4[curl_port]["recv"], str(srv)[:300])
    # entity ids
    ents = [x["process"]["entity_id"] for x in T.flows(records) if "entity_id" in x.get("process", {})]
    check("entity ids present", len(ents) >= 5)
    # metrics
    metrics = [x for x in records if x["event"]["kind"] == "metric"]
    check("metric records in the stream", len(metrics) >= 1)
    prom = agent.prom()
    check("metrics.prom has loss counters", "egresswatch_lost_total" in prom
          and 'egresswatch_kernel_drops_total{reason="ringbuf_full_sock"}' in prom, str(list(prom)[:5]))
    check("nothing lost", prom.get("egresswatch_lost_total") == 0, str(prom.get("egresswatch_lost_total")))
    # closed hours compressed on stop
    plain = [p for p in os.listdir(os.path.join(agent.dir, "records")) if not os.path.isdir(
        os.path.join(agent.dir, "records", p))]
    gz = subprocess.run("find %s/records -name '*.jsonl'" % agent.dir, shell=True, capture_output=True,
                        text=True).stdout.split()
    check("records compressed on stop", gz == [] and plain == [], str(gz))

    # replay
    out = os.path.join(work, "replay")
    rep = subprocess.run([T.egresswatch(), "replay", cap, "--data-dir", out, "--config", agent.config],
                         capture_output=True, text=True)
    check("replay exits 0", rep.returncode == 0, rep.stderr)
    live_lines = sorted(T.read_lines(agent.dir))
    replay_lines = sorted(T.read_lines(out))
    if live_lines != replay_lines:
        import difflib
        print("\n".join(difflib.unified_diff(live_lines, replay_lines, lineterm="", n=0)), file=sys.stderr)
    check("replay writes the same records", live_lines == replay_lines,
          "%d live vs %d replayed lines; first diff: %s" % (len(live_lines), len(replay_lines),
          next((a for a, b in zip(live_lines, replay_lines) if a != b), "")[:400]))
    if not failures:
        shutil.rmtree(work)
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
