#!/usr/bin/python3
"""The records writer and the data directory under crashes, full disks and
misuse, with the real agent: a record reaches its file within two seconds of
its flow's end (tail -F); kill -9 loses nothing that ended two seconds before;
a data directory on a small tmpfs fills up, the agent counts what it could not
write and resumes when space returns, and every file it wrote parses and
gunzips; a second agent on the same directory is refused with the first one's
pid; a directory others could write to is refused; a planted
metrics.prom.tmp link is not followed; files are 0640."""
import glob
import gzip
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the records writer test")
class Server:
    """A TCP server on this host (127.0.0.1) that reads until EOF, answers and closes."""

    def __init__(self):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(512)
        self.port = self.s.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            try:
                while c.recv(65536):
                    pass
                c.sendall(b"ok")
            except OSError:
                pass
            c.close()


def connect(port, payload=b"x" * 100):
    """One short connection; returns its local port."""
    c = socket.create_connection(("127.0.0.1", port))
    local = c.getsockname()[1]
    c.sendall(payload)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    c.close()
    return local


def live_lines(data):
    """The lines in the records files now, .jsonl and .gz (a torn line fails json.loads)."""
    out = []
    for path in sorted(glob.glob(os.path.join(data, "records", "*", "*.jsonl*"))):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            out += [l for l in f.read().split("\n") if l]
    return out


def ports_in(lines):
    got = set()
    for l in lines:
        r = json.loads(l)
        if r["event"]["kind"] == "event":
            got.add(T.field(r, "source.port"))
    return got


def tail_latency(work, srv):
    """A record is in the open .jsonl within 2 s of its flow's end."""
    d = os.path.join(work, "tail")
    os.makedirs(d)
    agent = T.Agent(d, config=T.write_config(os.path.join(d, "c.json"), poll_interval_ms=100)).start()
    try:
        worst = 0.0
        for _ in range(5):
            port = connect(srv.port)
            t0 = time.time()
            seen = None
            while time.time() - t0 < 5:
                if port in ports_in(live_lines(agent.dir)):
                    seen = time.time() - t0
                    break
                time.sleep(0.05)
            T.check("tail: flow on port %d appears in the file" % port, seen is not None)
            worst = max(worst, seen if seen is not None else 99)
        T.check("tail: every record in its file within 2 s of the flow's end (worst %.2f s)" % worst,
              worst < 2.0)
    finally:
        agent.stop()


def kill9(work, srv):
    """kill -9 loses nothing that ended more than 2 s before; files stay whole lines."""
    d = os.path.join(work, "kill9")
    os.makedirs(d)
    agent = T.Agent(d).start()
    ports = [connect(srv.port) for _ in range(100)]
    time.sleep(2.5)
    agent.proc.send_signal(signal.SIGKILL)
    agent.proc.wait()
    lines = live_lines(agent.dir)
    try:
        got = ports_in(lines)
        T.check("kill -9: all 100 flows that ended 2.5 s before are on disk", set(ports) <= got,
              "%d of 100" % len(set(ports) & got))
    except ValueError as e:
        T.check("kill -9: every line parses", False, e)
    # A restart in the same hour goes on after the last whole line.
    again = T.Agent(d)
    again.dir = agent.dir
    again.start()
    port = connect(srv.port)
    time.sleep(1.5)
    again.stop()
    try:
        T.check("kill -9 then restart: every line of every file parses, the new flow included",
              port in ports_in(live_lines(agent.dir)))
    except ValueError as e:
        T.check("kill -9 then restart: every line parses", False, e)


def full_disk(work, srv):
    """A small tmpfs fills, the agent counts and goes on; freed, it writes again."""
    mnt = os.path.join(work, "small")
    os.makedirs(mnt)
    T.sh("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mnt)
    try:
        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (1900 * 1024))
        agent = T.Agent(mnt, config=T.write_config(os.path.join(work, "small.json"), report_interval=1)).start()
        try:
            for _ in range(800):
                connect(srv.port, b"y" * 10)
            time.sleep(3)
            alive = agent.proc.poll() is None
            prom_during = os.path.exists(os.path.join(agent.dir, "metrics.prom"))
            os.unlink(filler)
            time.sleep(1.5)
            later = [connect(srv.port) for _ in range(20)]
            time.sleep(2.5)
        finally:
            rc = agent.stop()
        T.check("full disk: the agent kept running and stopped cleanly", alive and rc in (0, 1), agent.stderr())
        T.check("full disk: metrics.prom exists while the disk is full", prom_during)
        prom = agent.prom()
        errs = prom.get("egresswatch_record_write_errors_total", 0)
        T.check("full disk: records the disk refused are counted", errs > 0, prom)
        T.check("full disk: lost_total includes them", prom.get("egresswatch_lost_total", 0) >= errs, prom)
        T.check("full disk: one error logged, and the recovery",
              agent.stderr().count("cannot write records") == 1 and "writing records" in agent.stderr(),
              agent.stderr()[-1500:])
        try:
            lines = live_lines(agent.dir)
            got = ports_in(lines)
            T.check("full disk: every file parses and gunzips, no torn line", True)
            T.check("full disk: flows after space returned are written", set(later) <= got,
                  "%d of %d" % (len(set(later) & got), len(later)))
        except (ValueError, OSError, EOFError) as e:
            T.check("full disk: every file parses and gunzips, no torn line", False, e)
    finally:
        subprocess.run(["umount", "-l", mnt])


def second_agent_and_modes(work):
    d = os.path.join(work, "two")
    os.makedirs(d)
    first = T.Agent(d).start()
    try:
        r = subprocess.run([T.egresswatch(), "run", "--quiet", "--data-dir", first.dir, "--duration", "2"],
                           capture_output=True, text=True, timeout=60)
        T.check("second agent on the same data directory: refused", r.returncode != 0, r.stderr)
        T.check("second agent: the message names the first one's pid",
              "in use" in r.stderr and str(first.proc.pid) in r.stderr, r.stderr)
    finally:
        first.stop()
    for path in glob.glob(os.path.join(first.dir, "records", "*", "*")) + [os.path.join(first.dir, "metrics.prom")]:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        T.check("mode of %s is 0640 or tighter" % os.path.basename(path), mode & 0o027 == 0, oct(mode))


def planted_link(work):
    d = os.path.join(work, "link")
    data = os.path.join(d, "data")
    os.makedirs(data, mode=0o750)
    secret = os.path.join(work, "secret")
    with open(secret, "w") as f:
        f.write("do not touch\n")
    os.chmod(secret, 0o600)
    os.symlink(secret, os.path.join(data, "metrics.prom.tmp"))
    os.symlink(secret, os.path.join(data, "metrics.prom.old"))
    agent = T.Agent(d, config=T.write_config(os.path.join(d, "c.json"), report_interval=1)).start()
    time.sleep(2.5)
    agent.stop()
    with open(secret) as f:
        T.check("a planted metrics.prom.tmp link is not followed", f.read() == "do not touch\n")
    T.check("metrics.prom is a file of the agent's", stat.S_ISREG(os.lstat(os.path.join(data, "metrics.prom")).st_mode))
    T.check("metrics.prom parses", "egresswatch_lost_total" in agent.prom())


def refused_directory(work):
    d = os.path.join(work, "shared")
    os.makedirs(d, mode=0o777)
    os.chmod(d, 0o777)
    r = subprocess.run([T.egresswatch(), "run", "--quiet", "--data-dir", d, "--duration", "1"],
                       capture_output=True, text=True, timeout=60)
    T.check("a data directory others can write to is refused", r.returncode != 0 and "chmod" in r.stderr,
          r.stderr)
    os.chmod(d, 0o750)
    os.chown(d, 65534, 65534)
    r = subprocess.run([T.egresswatch(), "run", "--quiet", "--data-dir", d, "--duration", "1"],
                       capture_output=True, text=True, timeout=60)
    T.check("a data directory owned by another user is refused", r.returncode != 0 and "chown" in r.stderr,
          r.stderr)


def main():
    work = T.tmpdir()
    srv = Server()
    tail_latency(work, srv)
    kill9(work, srv)
    full_disk(work, srv)
    second_agent_and_modes(work)
    planted_link(work)
    refused_directory(work)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
