#!/usr/bin/python3
"""Geolocation databases reloaded while the agent runs: a file replaced by
rename or rewritten in place is picked up by itself, SIGHUP reloads, a
truncated or garbage file is refused with one error naming it while the
database in use is kept, and no flow is lost across the reloads."""
import itertools
import os
import shutil
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

PEER = os.path.join(T.HERE, "peer.py")
PY = "/usr/bin/python3"
PORT = 8080
PEER_B = "198.18.0.3"  # asked for the first time after the file in use was cut short
failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + detail), flush=True)
    if not cond:
        failures.append(name)


def make_mmdb(path, cc):
    """A GeoIP2-Country file that puts the peers (198.18.0.0/24) in country CC."""
    T.sh("perl", os.path.join(T.SRC, "tests", "data", "make-test-mmdb.pl"),
         "--country", "198.18.0.0/24=%s" % cc, path)
    return path


def replace_by_rename(src, dst):
    tmp = dst + ".tmp"
    shutil.copyfile(src, tmp)
    os.rename(tmp, dst)


def rewrite_in_place(dst, data):
    with open(dst, "r+b") as f:  # same inode: what cp or a download straight to the name do
        f.truncate(0)
        f.write(data)


_ports = itertools.count(61001)  # next() on it is atomic: the background thread shares it


def connect(addr=T.PEER4):
    """One request to the peer at ADDR; returns the client's local port, one
    above the kernel's ephemeral range (32768-60999) and never used twice,
    so the background connections cannot have had it."""
    s = socket.create_connection((addr, PORT), timeout=5, source_address=("", next(_ports)))
    try:
        port = s.getsockname()[1]
        s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        while s.recv(65536):
            pass
    finally:
        s.close()
    return port


class Background:
    """Connections one after another until stopped: they span every reload."""

    def __init__(self):
        self.ports, self.errors = [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            try:
                self.ports.append(connect())
            except OSError as e:
                self.errors.append(str(e))
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def final_record(agent, port):
    def find():
        got = [r for r in T.flows(agent.records(), source__port=port, destination__port=PORT,
                                  network__direction="egress") if r["egresswatch"]["final"]]
        return got[0] if got else None
    try:
        return T.wait_for(find, timeout=10, what="the record of port %d" % port)
    except AssertionError:
        return None


def expect_country(agent, what, cc, border="cross_border", addr=T.PEER4):
    port = connect(addr)
    r = final_record(agent, port)
    got = (r["egresswatch"]["border"], r["egresswatch"]["peer"].get("country")) if r else None
    check("%s: peer is %s, %s" % (what, cc, border), got == (border, cc), "got %s" % (got,))


def wait_log(agent, needle, count=1, timeout=10):
    try:
        T.wait_for(lambda: agent.stderr().count(needle) >= count, timeout=timeout, what=needle)
        return True
    except AssertionError:
        return False


def main():
    T.require_bpf("the geolocation reload test")
    work = T.tmpdir()
    de, us = make_mmdb(os.path.join(work, "de.mmdb"), "DE"), make_mmdb(os.path.join(work, "us.mmdb"), "US")
    geo = os.path.join(work, "geo.mmdb")
    shutil.copyfile(de, geo)
    policy = os.path.join(work, "policy.json")
    with open(policy, "w") as f:
        f.write('{"version": 1, "domestic_countries": ["CN"]}')
    reloaded = "geolocation reloaded (file changed): mmdb " + geo
    failed = "geolocation reload (file changed) failed, the databases in use are kept: " + geo

    with T.Netns() as ns:
        ns.add_addr(PEER_B)
        for addr in (T.PEER4, PEER_B):
            ns.spawn(PY, PEER, "tcp", addr, str(PORT), "--log", os.path.join(work, "peer.log"), "--reply", "100")
        agent = T.Agent(work, extra=["--geo-db", geo, "--policy", policy]).start()
        try:
            with Background() as bg:
                expect_country(agent, "at start", "DE")

                replace_by_rename(us, geo)
                check("rename: reloaded by itself", wait_log(agent, reloaded), agent.stderr())
                expect_country(agent, "after the rename", "US")

                with open(de, "rb") as f:
                    good = f.read()
                rewrite_in_place(geo, good[:len(good) // 2])
                check("truncated in place: refused with an error naming the file",
                      wait_log(agent, failed + ": not a usable MaxMind DB"), agent.stderr())
                time.sleep(3)  # more housekeeping rounds over the same bad file
                check("truncated: said once, not every second", agent.stderr().count(failed) == 1,
                      agent.stderr())
                check("truncated: agent keeps running", agent.proc.poll() is None)
                # Had the agent mapped the file it cut, this new address's lookup would
                # end it with SIGBUS.
                expect_country(agent, "after the truncated file", "US", addr=PEER_B)

                rewrite_in_place(geo, os.urandom(4096))
                check("garbage in place: refused again (a new state)", wait_log(agent, failed, count=2),
                      agent.stderr())
                expect_country(agent, "after the garbage file", "US")

                rewrite_in_place(geo, good)
                agent.proc.send_signal(signal.SIGHUP)
                check("SIGHUP: reloaded", wait_log(agent, "geolocation reloaded (SIGHUP): mmdb " + geo),
                      agent.stderr())
                expect_country(agent, "after SIGHUP", "DE")

                with open(us, "rb") as f:
                    rewrite_in_place(geo, f.read())
                check("good file rewritten in place: reloaded by itself", wait_log(agent, reloaded, count=2),
                      agent.stderr())
                expect_country(agent, "after the rewrite", "US")
        finally:
            rc = agent.stop()

    check("agent exits 0", rc == 0, agent.stderr())
    check("stop line counts the reloads", "geolocation: 3 reloads, 2 failed" in agent.stderr(), agent.stderr())
    check("background connections all succeeded", not bg.errors and len(bg.ports) > 20,
          "%d ok, errors %s" % (len(bg.ports), bg.errors[:3]))
    records = agent.records()
    # The peer's accepts are recorded too (same kernel): only this side's flows count.
    ours = T.flows(records, destination__port=PORT, network__direction="egress")
    finals = {r["source"]["port"] for r in ours if r["egresswatch"]["final"]}
    missing = [p for p in bg.ports if p not in finals]
    check("every background connection has its record (%d)" % len(bg.ports), not missing,
          "%d missing: %s" % (len(missing), missing[:10]))
    borders = {r["egresswatch"]["border"] for r in ours}
    check("every record to the peer is cross_border", borders == {"cross_border"}, str(borders))
    countries = {r["egresswatch"]["peer"].get("country") for r in ours}
    check("records name the peer DE or US only", countries == {"DE", "US"}, str(countries))
    prom = agent.prom()
    check("metrics.prom: egresswatch_lost_total 0", prom.get("egresswatch_lost_total") == 0,
          str(prom.get("egresswatch_lost_total")))
    check("metrics.prom counts 3 reloads and 2 refused",
          (prom.get("egresswatch_geo_reloads_total"), prom.get("egresswatch_geo_reload_failures_total")) == (3, 2),
          {k: v for k, v in prom.items() if "geo" in k})
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
