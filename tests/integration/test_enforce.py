#!/usr/bin/python3
"""Enforcement (issue 12, item 7): a workload with "enforce": true has its
connects to addresses no channel covers refused in the kernel (EPERM),
while monitoring-only processes reach the same peer.

  enforced   a copy of python3 under a temp directory, selected by the
             workload's executable glob: EPERM to a DE peer no channel
             covers (TCP connect and UDP sendto); connects to a US peer
             channel "sc-us" covers and to a domestic CN peer
  monitored  /usr/bin/python3 to the same DE peer: connects
  cgroup     /usr/bin/python3 in a cgroup a "cgroup" selector names, and in a
             child cgroup made after the agent started: EPERM to DE
  rescan     a second copy put under the directory after the start, and a
             cgroup the selector names made after it: EPERM once rescanned
             (SIGHUP, or the periodic rescan within 2 s)
then the refusals in connects_refused_total and the log, a capture that a
replay counts the same, a restart under a policy whose new channel covers
DE (the enforced client connects), and no enforcement once the agent stops.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the enforcement test")
PY = "/usr/bin/python3"
ADDR = {"us": T.PEER4, "de": "198.18.2.2", "cn": "198.18.4.2", "v6": T.PEER6}
PORT = 8701
SERVER = ("import socket,sys\n"
          "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
          "s.bind(('0.0.0.0', %d)); s.listen(64)\n"
          "s6=socket.socket(socket.AF_INET6); s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
          "s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); s6.bind(('::', %d)); s6.listen(64)\n"
          "import threading\n"
          "def serve(l):\n"
          " while True:\n  c,_=l.accept(); c.close()\n"
          "threading.Thread(target=serve, args=(s6,), daemon=True).start()\n"
          "print('ready', flush=True)\n"
          "serve(s)\n" % (PORT, PORT))
CLIENT = ("import errno,socket,sys\n"
          "kind, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
          "fam = socket.AF_INET6 if ':' in addr else socket.AF_INET\n"
          "s = socket.socket(fam, socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM)\n"
          "s.settimeout(5)\n"
          "try:\n"
          "    s.connect((addr, port)) if kind == 'tcp' else s.sendto(b'x', (addr, port))\n"
          "    print('ok')\n"
          "except OSError as e:\n"
          "    print(errno.errorcode.get(e.errno, str(e.errno)))\n")


CG = "/ewtest-enforce-%d" % os.getpid()


def policy(path, channels):
    with open(path, "w") as f:
        json.dump({
            "version": 1, "legal_entity": "Test Automotive Co.", "domestic_countries": ["CN"],
            "networks": [{"cidr": T.PEER4 + "/32", "country": "US", "name": "us-partner"},
                         {"cidr": "198.18.2.0/24", "country": "DE", "name": "de-partner"},
                         {"cidr": "198.18.4.0/24", "country": "CN", "name": "cn-dc"}],
            "workloads": [{"name": "uploader", "executable": os.path.dirname(path) + "/bin/*",
                           "enforce": True, "categories": ["trajectory"]},
                          {"name": "cg", "cgroup": CG + "*", "enforce": True,
                           "categories": ["trajectory"]}],
            "channels": [{"id": cc.lower() + "-sc", "route": "standard_contract", "reference": "SC-" + cc,
                          "recipient": "Test " + cc, "countries": [cc], "categories": ["pi"],
                          "valid_from": "2026-01-01", "valid_until": "2099-12-31"} for cc in channels],
        }, f)
    return path


def connect(exe, kind, where, cgroup=None):
    cmd = [exe, "-c", CLIENT, kind, ADDR[where], str(PORT)]
    if cgroup:  # the client moves itself into the cgroup, then runs
        cmd = ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    return r.stdout.strip() or r.stderr.strip()[-300:]


def main():
    work = T.tmpdir()
    os.makedirs(os.path.join(work, "bin"))
    enforced = os.path.join(work, "bin", "uploader")
    shutil.copy2(os.path.realpath(PY), enforced)
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")})
    pol = policy(os.path.join(work, "policy.json"), ["US"])
    pol_de = policy(os.path.join(work, "policy-de.json"), ["US", "DE"])
    ck = subprocess.run([T.egresswatch(), "check-policy", pol], capture_output=True, text=True)
    T.check("check-policy accepts the enforcing policy", ck.returncode == 0, ck.stderr)
    capture = os.path.join(work, "capture.ewcap")
    cg = T.cgroup2_root() + CG
    os.mkdir(cg)
    try:
        run(work, enforced, cfg, pol, pol_de, capture, cg)
    finally:
        for d in (cg + "/child", cg, cg + "-b"):
            if os.path.isdir(d):
                os.rmdir(d)
    return T.done(work)


def run(work, enforced, cfg, pol, pol_de, capture, cg):
    with T.Netns() as ns:
        for k in ("de", "cn"):
            ns.add_addr(ADDR[k])
        ns.spawn(PY, "-c", SERVER)
        T.check("before the agent: the enforced client reaches DE", connect(enforced, "tcp", "de") == "ok")
        agent = T.Agent(work, capture=capture, config=cfg, extra=["--policy", pol]).start()
        got = {
            "enforced_de": connect(enforced, "tcp", "de"),
            "enforced_de_udp": connect(enforced, "udp", "de"),
            "enforced_us": connect(enforced, "tcp", "us"),
            "enforced_cn": connect(enforced, "tcp", "cn"),
            "enforced_v6": connect(enforced, "tcp", "v6"),
            "monitored_v6": connect(PY, "tcp", "v6"),
            "monitored_de": connect(PY, "tcp", "de"),
            "cgroup_de": connect(PY, "tcp", "de", cg),
        }
        os.mkdir(cg + "/child")
        got["child_cgroup_de"] = connect(PY, "tcp", "de", cg + "/child")
        late = os.path.join(work, "bin", "late")
        shutil.copy2(enforced, late)
        agent.proc.send_signal(signal.SIGHUP)
        T.wait_for(lambda: "enforcement: rescanned: 2 workloads, 2 executables" in agent.stderr(), 30,
                   "the rescan")
        got["late_after_hup"] = connect(late, "tcp", "de")
        hup_log = agent.stderr()
        os.mkdir(cg + "-b")
        time.sleep(3.5)
        got["new_cgroup_de"] = connect(PY, "tcp", "de", cg + "-b")
        time.sleep(3)
        prom = agent.prom()
        # A reload that adds channel de-sc opens DE to the enforced client at once.
        shutil.copy(pol, pol + ".orig")
        shutil.copy(pol_de, pol)
        reloads = agent.stderr().count("policy reloaded")
        agent.proc.send_signal(signal.SIGHUP)
        T.wait_for(lambda: agent.stderr().count("policy reloaded") > reloads, 60, "the policy reload")
        got["reload_de"] = connect(enforced, "tcp", "de")
        reload_log = agent.stderr()[-2500:]
        shutil.copy(pol + ".orig", pol)
        agent.stop()
        log = agent.stderr()
        alerts = [json.loads(ln) for ln in T.read_lines_under(os.path.join(agent.dir, "alerts"))]
        again = T.Agent(work, config=cfg, extra=["--policy", pol_de]).start()
        after_de = connect(enforced, "tcp", "de")
        again.stop()
        stopped = connect(enforced, "tcp", "de")

    T.check("enforced: EPERM on connect to DE (no channel)", got["enforced_de"] == "EPERM", got)
    T.check("enforced: EPERM on UDP sendto DE", got["enforced_de_udp"] == "EPERM", got)
    T.check("enforced: connects to US (channel sc-us)", got["enforced_us"] == "ok", got)
    T.check("enforced: connects to CN (domestic)", got["enforced_cn"] == "ok", got)
    T.check("monitored: /usr/bin/python3 connects to DE", got["monitored_de"] == "ok", got)
    T.check("IPv6: EPERM for the enforced client to an uncovered peer, not for the other",
            got["enforced_v6"] == "EPERM" and got["monitored_v6"] == "ok", got)
    T.check("cgroup: python3 in the named cgroup gets EPERM", got["cgroup_de"] == "EPERM", got)
    T.check("cgroup: and in a child cgroup made after the start", got["child_cgroup_de"] == "EPERM", got)
    T.check("SIGHUP with the policy unchanged keeps it: the allowed set is not rebuilt",
            "policy unchanged: kept" in hup_log and hup_log.count("allowed networks") == 1, hup_log[-1500:])
    T.check("rescan: a copy put there after the start is enforced after SIGHUP", got["late_after_hup"] == "EPERM",
            got)
    T.check("rescan: a cgroup made after the start is enforced by the periodic rescan",
            got["new_cgroup_de"] == "EPERM", got)
    refused = {k: v for k, v in prom.items() if "refused" in k}
    T.check("connects_refused_total counts the refusals per workload",
            prom.get('egresswatch_connects_refused_total{workload="uploader"}') == 4 and
            prom.get('egresswatch_connects_refused_total{workload="cg"}') == 3, refused)
    T.check("the kernel counted them too", prom.get('egresswatch_connect_refused_total') == 7, refused)
    T.check("the log names the process, the address and the workload",
            "refused a connection to 198.18.2.2 port %d/tcp" % PORT in log and 'workload "uploader"' in log,
            log[-1500:])
    T.check("the agent said what it enforces", "enforcement: 2 workloads, 1 executables, 1 cgroups" in log and
            "enforcement: rescanned: 2 workloads, 2 executables, 3 cgroups, in" in log, log[-1500:])
    T.check("after a policy reload adding channel de-sc: the enforced client reaches DE",
            got["reload_de"] == "ok", (got, reload_log))
    refusals = [a for a in alerts if T.field(a, "rule.id") == "EW-010"]
    T.check("each refusal is an alert: EW-010, high, naming the process and the address",
            refusals and all(T.field(a, "egresswatch.severity") == "high" for a in refusals) and
            any("198.18.2.2" in a["message"] and "refused" in a["message"] for a in refusals),
            [a["message"] for a in alerts][:4])
    T.check("after a restart with channel de-sc: the enforced client reaches DE", after_de == "ok", after_de)
    T.check("with the agent stopped nothing is refused", stopped == "ok", stopped)
    rep = os.path.join(work, "replay")
    p = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", rep, "--config", cfg,
                        "--policy", pol], capture_output=True, text=True)
    T.check("replay of the capture exits 0", p.returncode == 0, p.stderr[-1500:])
    T.check("replay counts the refusals too", 'workload "uploader"' in p.stderr and
            "refused a connection to 198.18.2.2" in p.stderr and "(7 refused so far)" in p.stderr,
            p.stderr[-1500:])


if __name__ == "__main__":
    sys.exit(main())
