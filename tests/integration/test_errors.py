#!/usr/bin/python3
"""Bad input and hostile conditions: each gets one clear message naming the
cause and the fix, and the right exit status; a full ring buffer is counted
while the agent keeps recording."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + detail), flush=True)
    if not cond:
        failures.append(name)


def run(*args, env=None, user=None, timeout=60):
    cmd = [T.egresswatch()] + list(args)
    if user:
        cmd = ["runuser", "-u", user, "--", T.public_copy(T.egresswatch())] + list(args)
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)


def expect(name, res, status, *needles):
    text = res.stderr + res.stdout
    check(name + ": exit %d" % status, res.returncode == status, "got %d: %s" % (res.returncode, text))
    for n in needles:
        check(name + ": says %r" % n, n in text, text)


def usage_and_config(work):
    expect("no command", run(), 2, "Usage: egresswatch COMMAND")
    expect("unknown command", run("fly"), 2, 'unknown command "fly"')
    for cmd in ("run", "replay", "probe"):
        r = run(cmd, "--help")
        check(cmd + " --help exits 0 and documents exit status", r.returncode == 0 and "exit status" in r.stdout.lower(),
              r.stdout + r.stderr)
    expect("bad option", run("run", "--frobnicate"), 2, "Try 'egresswatch run --help'")
    expect("bad duration", run("run", "--duration", "soon"), 2, "--duration wants a positive number")
    expect("missing config", run("run", "--config", "/nonexistent/ew.json"), 2,
           "/nonexistent/ew.json: cannot open", "fix:")
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        f.write('{"report_interval": "often"}')
    expect("invalid config", run("run", "--config", bad), 2,
           bad + ": $.report_interval: expected an integer from 1 to 86400")
    with open(bad, "w") as f:
        f.write('{"report_interval": 5,\n "hooks": {"udp": true,}}')
    expect("config syntax error", run("run", "--config", bad), 2, bad + ":2:")
    pol = os.path.join(work, "policy.json")
    with open(pol, "w") as f:
        json.dump({"version": 1, "domestic_countries": ["China"]}, f)
    expect("invalid policy", run("run", "--policy", pol), 2,
           "$.domestic_countries[0]: expected an ISO 3166-1 alpha-2 code")
    expect("missing geo db", run("run", "--geo-db", "/nonexistent/geo.mmdb"), 2, "/nonexistent/geo.mmdb")
    # Inputs are regular files: a FIFO without a writer is refused at once, not waited on.
    fifo = os.path.join(work, "fifo.json")
    os.mkfifo(fifo)
    for opt in ("--config", "--policy", "--geo-db"):
        try:
            r = run("run", opt, fifo, timeout=20)
        except subprocess.TimeoutExpired:
            check("%s that is a FIFO: refused at once" % opt, False, "still waiting after 20 s")
            continue
        expect("%s that is a FIFO" % opt, r, 2, fifo + ": is a FIFO, not a regular file")
    expect("config that is a directory", run("run", "--config", work), 2,
           work + ": is a directory, not a regular file")
    # A key that is an escape sequence reaches the terminal escaped.
    with open(bad, "w") as f:
        f.write('{"\\u001b[31mred": 1, "report_interval": 5}')
    r = run("run", "--config", bad)
    expect("escape sequence in a config key", r, 2, bad + ": $.\\x1b[31mred: unknown key")
    check("escape sequence in a config key: no ESC printed", "\x1b" not in r.stderr + r.stdout, repr(r.stderr))
    cap = os.path.join(work, "not-a-capture")
    with open(cap, "w") as f:
        f.write("hello\n")
    expect("replay of a foreign file", run("replay", cap, "--data-dir", os.path.join(work, "r")), 1,
           "not an egresswatch capture")
    expect("replay of a missing file", run("replay", "/nonexistent/cap"), 1, "cannot open")
    # geo: test databases written with Debian's MaxMind DB writer
    cdb, adb = os.path.join(work, "c.mmdb"), os.path.join(work, "a.mmdb")
    subprocess.run(["perl", os.path.join(T.SRC, "tests", "data", "make-test-mmdb.pl"), cdb, adb], check=True)
    r = run("geo", "--json", "--geo-db", cdb, "--geo-db", adb, "198.18.0.2", "198.18.0.3", "198.18.0.4",
            "198.18.0.5", "198.18.1.1", "8.8.8.8")
    check("geo: exit 0", r.returncode == 0, r.stderr)
    got = {d["ip"]: d for d in map(json.loads, r.stdout.splitlines())}
    want = {"198.18.0.2": ("cross_border", "DE"), "198.18.0.3": ("cross_border", "HK"),
            "198.18.0.4": ("cross_border", "US"), "198.18.0.5": ("domestic", "CN"),
            "198.18.1.1": ("local", None), "8.8.8.8": ("unknown", None)}
    for ip, (border, cc) in want.items():
        d = got.get(ip, {})
        check("geo %s: %s %s" % (ip, border, cc), (d.get("border"), d.get("country")) == (border, cc), str(d))
    check("geo: ASN from the second database", got.get("198.18.0.2", {}).get("asn") == 64500)
    check("geo: unknown is for review", got.get("8.8.8.8", {}).get("review_reasons") == ["unknown"])
    r = run("geo", "8.8.8.8")
    check("geo: the default Debian database knows 8.8.8.8", r.returncode == 0 and "US" in r.stdout
          and "15169" in r.stdout, r.stdout + r.stderr)
    expect("geo: bad address", run("geo", "not-an-ip"), 2, '"not-an-ip" is not an IPv4 or IPv6 address')
    bad = os.path.join(work, "cut.db")
    with open("/usr/share/libloc-location/location.db", "rb") as f, open(bad, "wb") as g:
        g.write(f.read(300))
    expect("geo: truncated libloc database", run("geo", "--geo-db", bad, "8.8.8.8"), 1,
           "cut.db: not a usable libloc database")
    expect("run: truncated geo database", run("run", "--geo-db", bad), 2, "cut.db: not a usable libloc")


def privileges_and_kernel(work):
    d = os.path.join(work, "np")
    r = run("run", "--data-dir", d, "--duration", "1", user="nobody")
    expect("not root", r, 1, "root")
    r = run("run", "--data-dir", d, "--duration", "1", env={"EGRESSWATCH_BTF": "/nonexistent/vmlinux"})
    expect("no BTF", r, 1, "BTF", "CONFIG_DEBUG_INFO_BTF")
    r = run("probe")
    check("probe exits 0 here", r.returncode == 0, r.stdout + r.stderr)
    for word in ("cgroup/connect4", "kernel", "btf", "cgroup2", "tracefs", "bpffs"):
        check("probe mentions " + word, word in r.stdout.lower(), r.stdout)
    r = run("probe", "--json")
    try:
        doc = json.loads(r.stdout)
        check("probe --json parses", isinstance(doc, dict), r.stdout)
    except ValueError:
        check("probe --json parses", False, r.stdout)
    r = run("probe", env={"EGRESSWATCH_BTF": "/nonexistent/vmlinux"})
    check("probe without BTF exits 1", r.returncode == 1, r.stdout + r.stderr)


def ring_full(work):
    """A 4 KiB ring drained every second or two overflows under an exec storm:
    counted, and the agent keeps running and recording. Other processes on a busy
    machine exec too and may fill the ring again at any moment, so the flow that
    shows the agent still records is tried once a second: one must get through."""
    cfg = T.write_config(os.path.join(work, "small.json"), ringbuf_bytes=4096, ringbuf_wakeup_bytes=4096,
                         poll_interval_ms=2000)
    agent = T.Agent(work, config=cfg).start()
    ports = []
    try:
        subprocess.run(["sh", "-c", "for i in $(seq 400); do /bin/true; done"], check=True)
        time.sleep(2.5)
        alive = agent.proc.poll() is None
        srv = subprocess.Popen(["/usr/bin/python3", os.path.join(T.HERE, "peer.py"), "tcp", "127.0.0.1",
                                "18099", "--reply", "10"], stdout=subprocess.PIPE, text=True)
        srv.stdout.readline()
        for _ in range(8):
            client = subprocess.run(["/usr/bin/python3", os.path.join(T.HERE, "peer.py"), "client",
                                     "127.0.0.1", "18099", "--size", "10"], capture_output=True, text=True)
            ports.append(json.loads(client.stdout)["local_port"])
            time.sleep(1)
        srv.kill()
        srv.wait()
        time.sleep(2.5)
    finally:
        rc = agent.stop()
    check("ring full: agent kept running", alive and rc == 0, agent.stderr())
    prom = agent.prom()
    full = sum(v for k, v in prom.items() if k.startswith("egresswatch_kernel_drops_total{reason=\"ringbuf_full"))
    check("ring full: drops counted in metrics.prom", full > 0, str(prom))
    check("ring full: lost_total reflects it", prom.get("egresswatch_lost_total", 0) >= full)
    # Read from the programs' info, not a map: present even at 0.
    check("skipped program runs are reported", "egresswatch_prog_recursion_total" in prom,
          sorted(k for k in prom if "recursion" in k))
    recs = [r for p in ports for r in T.flows(agent.records(), source__port=p, destination__port=18099)]
    check("ring full: a later flow is still recorded", len(recs) >= 1, "none of %d tries" % len(ports))
    metric = [r for r in agent.records() if r["event"]["kind"] == "metric"]
    check("ring full: metric record shows the drops",
          any(sum(m["egresswatch"]["metrics"]["kernel_drops_total"].values()) > 0 for m in metric))


def lifecycle(work):
    """--duration stops by itself; SIGHUP reopens the outputs and loses nothing."""
    d = os.path.join(work, "dur")
    t0 = time.time()
    r = run("run", "--quiet", "--data-dir", d, "--duration", "1.5", timeout=30)
    took = time.time() - t0
    check("--duration: exits 0 by itself", r.returncode == 0, r.stderr)
    check("--duration: within a few seconds", took < 10, "%.1f s" % took)
    check("--duration: hour file compressed", any(p.endswith(".jsonl.gz") for p in
          subprocess.run(["find", d], capture_output=True, text=True).stdout.split()))
    os.makedirs(os.path.join(work, "hup"))
    agent = T.Agent(os.path.join(work, "hup")).start()
    srv = subprocess.Popen(["/usr/bin/python3", os.path.join(T.HERE, "peer.py"), "tcp", "127.0.0.1",
                            "18098", "--reply", "5"], stdout=subprocess.PIPE, text=True)
    srv.stdout.readline()
    ports = []
    try:
        for _ in range(2):
            c = subprocess.run(["/usr/bin/python3", os.path.join(T.HERE, "peer.py"), "client",
                                "127.0.0.1", "18098", "--size", "3"], capture_output=True, text=True)
            ports.append(json.loads(c.stdout)["local_port"])
            agent.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
        alive = agent.proc.poll() is None
    finally:
        srv.kill()
        srv.wait()
        rc = agent.stop()
    check("SIGHUP: agent keeps running and exits 0", alive and rc == 0, agent.stderr())
    check("SIGHUP: logged", "SIGHUP: reopening" in agent.stderr(), agent.stderr())
    recs = agent.records()
    for p in ports:
        check("SIGHUP: flow on port %d recorded" % p,
              len(T.flows(recs, source__port=p, network__direction="egress")) == 1)


def main():
    work = T.tmpdir()
    usage_and_config(work)
    T.require_bpf("the kernel part of the bad-input test")
    privileges_and_kernel(work)
    lifecycle(work)
    ring_full(work)
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
