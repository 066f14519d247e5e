#!/usr/bin/python3
"""`egresswatch alerts` (the real binary) on a temp data dir: filters, JSON
lines exactly as stored when piped or with --json, clear errors, and -f in a
pseudo-terminal: a new alert shows within 1 s, in colour, also after the
file is rotated and after it is truncated. Usage: test_alerts_cmd.py EGRESSWATCH"""
import datetime
import fcntl
import gzip
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time

EW = sys.argv[1]
failures = []
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + detail), flush=True)
    if not cond:
        failures.append(name)


SEV_ECS = {"low": 21, "medium": 47, "high": 73, "critical": 99}
seq = [0]


def alert(rule, sev, msg, when, count=1):
    seq[0] += 1
    return json.dumps({
        "@timestamp": when.isoformat(timespec="milliseconds"),
        "event": {"kind": "alert", "severity": SEV_ECS[sev]},
        "rule": {"id": rule, "name": "x"},
        "message": msg,
        "egresswatch": {"severity": sev, "alert": {"id": "t-%d" % seq[0], "count": count}},
    }, separators=(",", ":"))


now = datetime.datetime.now(datetime.timezone.utc)
# 10:00 local two days ago: its hour and the next are files of one day
old = (now - datetime.timedelta(days=2)).astimezone().replace(hour=10, minute=0)
d = tempfile.mkdtemp(prefix="ew-alerts-cmd-")
hist = os.path.join(d, "alerts", old.astimezone().strftime("%Y-%m-%d"))
os.makedirs(hist)
h1 = [alert("EW-005", "low", "Destination 198.19.0.9 needs review: anycast", old),
      alert("EW-006", "high", "1200 events lost: the ring buffer was full", old, count=3)]
with gzip.open(os.path.join(hist, "%02d.jsonl.gz" % old.astimezone().hour), "wt") as f:
    f.write(h1[0] + "\n")
with open(os.path.join(hist, "%02d.jsonl" % ((old.astimezone().hour + 1) % 24)), "w") as f:
    f.write(h1[1] + "\n")
live = [alert("EW-001", "critical", "uploader (pid 4242) sent VINs of 12 people to US; "
              "no approved route", now - datetime.timedelta(minutes=5)),
        alert("EW-004", "medium", "Channel scc-us expires in 3 working days",
              now - datetime.timedelta(minutes=1))]
livef = os.path.join(d, "alerts.jsonl")
with open(livef, "w") as f:
    f.write("\n".join(live) + "\n")
    f.write("not an alert\n")
everything = h1 + live


def run(*args, **kw):
    return subprocess.run([EW, "alerts", "--data-dir", d] + list(args), capture_output=True,
                          text=True, timeout=20, **kw)


try:
    r = run()
    out = r.stdout.splitlines()
    check("piped: exit 0", r.returncode == 0, r.stderr)
    check("piped: the stored lines, byte for byte, oldest first", out == everything,
          "\n".join(out))
    check("piped: every line is JSON", all(isinstance(json.loads(ln), dict) for ln in out))
    check("the malformed line is reported, not printed", "skipped 1 line" in r.stderr, r.stderr)

    r = run("--severity", "high")
    check("--severity high: high and critical", [json.loads(ln)["egresswatch"]["severity"]
                                                  for ln in r.stdout.splitlines()] ==
          ["high", "critical"], r.stdout)
    r = run("--severity", "CRITICAL")
    check("--severity critical", r.stdout.splitlines() == [live[0]], r.stdout)
    r = run("--rule", "ew-005")
    check("--rule", r.stdout.splitlines() == [h1[0]], r.stdout)
    r = run("--since", "2h")
    check("--since 2h", r.stdout.splitlines() == live, r.stdout)
    r = run("--since", "3m")
    check("--since 3m", r.stdout.splitlines() == [live[1]], r.stdout)
    since = (now - datetime.timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = run("-s", since, "-S", "medium")
    check("--since RFC 3339 with --severity", r.stdout.splitlines() == [live[1]], r.stdout)

    for args, what in [(["--severity", "urgent"], "--severity"), (["--since", "yesterday"], "--since"),
                       (["--rule", "EW-999"], "--rule"), (["extra"], "unexpected argument"),
                       (["--bogus"], "unrecognized")]:
        r = run(*args)
        check("bad %s: exit 2 with a message" % what, r.returncode == 2 and what in r.stderr
              and "--help" in r.stderr, "%d %s" % (r.returncode, r.stderr))
    r = subprocess.run([EW, "alerts", "--data-dir", d + "/nope"], capture_output=True, text=True)
    check("missing data dir: exit 1 naming it", r.returncode == 1 and d + "/nope" in r.stderr
          and "--data-dir" in r.stderr, r.stderr)
    cfg = os.path.join(d, "egresswatch.json")
    with open(cfg, "w") as f:
        json.dump({"data_dir": d}, f)
    r = subprocess.run([EW, "alerts", "--config", cfg], capture_output=True, text=True)
    check("--config: its data_dir is read", r.returncode == 0 and
          r.stdout.splitlines() == everything, r.stderr)
    r = subprocess.run([EW, "alerts", "--config", d + "/nope.json"], capture_output=True,
                       text=True)
    check("--config missing: exit 2 naming it", r.returncode == 2 and "nope.json" in r.stderr,
          r.stderr)
    r = subprocess.run([EW, "alerts", "--help"], capture_output=True, text=True)
    check("--help", r.returncode == 0 and "--follow" in r.stdout and "EW-010" in r.stdout)

    def spawn(cols, *args, env=None):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        e = dict(os.environ, TERM="xterm", LANG="C.UTF-8")
        e.pop("NO_COLOR", None)
        e.update(env or {})
        p = subprocess.Popen([EW, "alerts", "--data-dir", d] + list(args), stdin=slave,
                             stdout=slave, stderr=slave, env=e, close_fds=True)
        os.close(slave)
        return p, master

    def read_until(master, needle, timeout):
        buf, end = b"", time.time() + timeout
        while time.time() < end:
            if needle.encode() in buf:
                break
            r, _, _ = select.select([master], [], [], 0.02)
            if r:
                try:
                    buf += os.read(master, 65536)
                except OSError:
                    break
        return buf.decode(errors="replace")

    def finish(p, master):
        if p.poll() is None:
            p.terminate()
        p.wait(timeout=10)
        os.close(master)

    # table on a terminal, fitted to 72 columns
    p, m = spawn(72)
    p.wait(timeout=10)
    text = read_until(m, "(no alerts)", 1)  # until the closed pty reads EIO
    rows = [ANSI.sub("", ln) for ln in text.replace("\r", "").splitlines() if ln]
    check("table: header first", rows and rows[0].split() == ["TIME", "SEVERITY", "RULE", "MESSAGE"],
          repr(rows[:1]))
    check("table: one row per alert", sum(1 for ln in rows if re.search(r"EW-0\d\d", ln)) == 4,
          "\n".join(rows))
    check("table: every row fits 72 columns", all(len(ln) <= 72 for ln in rows),
          "\n".join(ln for ln in rows if len(ln) > 72))
    check("table: critical in bold red", "\x1b[1;31mcritical\x1b[0m" in text, repr(text))
    check("table: folded count shown", "(x3)" in text, text)
    finish(p, m)

    p, m = spawn(100, env={"NO_COLOR": "1"})
    text = read_until(m, "EW-004", 5)
    check("NO_COLOR: no escape codes", "\x1b[" not in text and "EW-001" in text, repr(text))
    finish(p, m)

    p, m = spawn(100, "--json")
    text = read_until(m, live[1], 5)
    lines = [ln for ln in text.replace("\r", "").splitlines() if ln.startswith("{")]
    check("--json on a terminal: the stored lines", lines == everything, repr(text))
    finish(p, m)

    # -f in a pseudo-terminal
    p, m = spawn(120, "-f")
    read_until(m, "EW-004", 5)
    latencies = []

    def appear(what, text_line, path=livef):
        with open(path, "a") as f:
            f.write(text_line + "\n")
        t0 = time.time()
        got = read_until(m, what, 2)
        dt = time.time() - t0
        latencies.append(dt)
        return what in got, got, dt

    ok, got, dt = appear("new one A", alert("EW-002", "critical", "new one A", now))
    check("-f: a new alert shows within 1 s (%.3f s)" % dt, ok and dt < 1.0, repr(got))
    check("-f: in colour", "\x1b[1;31mcritical" in got, repr(got))

    # rotated: renamed into the hourly history, a new live file
    os.rename(livef, os.path.join(hist, "rotated.jsonl"))
    open(livef, "w").close()
    ok, got, dt = appear("new one B", alert("EW-003", "medium", "new one B", now))
    check("-f: after rotation, within 1 s (%.3f s)" % dt, ok and dt < 1.0, repr(got))
    check("-f: medium in yellow", "\x1b[33mmedium" in got, repr(got))

    # truncated in place
    with open(livef, "w"):
        pass
    time.sleep(0.5)
    ok, got, dt = appear("new one C", alert("EW-001", "critical", "new one C", now))
    check("-f: after truncation, within 1 s (%.3f s)" % dt, ok and dt < 1.0, repr(got))
    check("-f: still running", p.poll() is None)
    finish(p, m)
    print("-f latency: max %.3f s over %d appends" % (max(latencies), len(latencies)))

    # The file sink's scheme: alerts.jsonl is a symbolic link to the open
    # hour's file, switched atomically when the hour rolls.
    d2 = os.path.join(d, "linked")
    day = os.path.join(d2, "alerts", "2026-12-01")
    os.makedirs(day)
    closed = alert("EW-005", "low", "closed hour", now - datetime.timedelta(hours=1))
    with gzip.open(os.path.join(day, "09.jsonl.gz"), "wt") as f:
        f.write(closed + "\n")
    open_hour = alert("EW-001", "critical", "open hour", now)
    with open(os.path.join(day, "10.jsonl"), "w") as f:
        f.write(open_hour + "\n")
    link = os.path.join(d2, "alerts.jsonl")
    os.symlink("alerts/2026-12-01/10.jsonl", link)
    r = subprocess.run([EW, "alerts", "--data-dir", d2], capture_output=True, text=True)
    check("linked live file: the open hour once, after the closed one",
          r.stdout.splitlines() == [closed, open_hour], r.stdout + r.stderr)

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    p = subprocess.Popen([EW, "alerts", "-f", "--data-dir", d2], stdin=slave, stdout=slave,
                         stderr=slave, env=dict(os.environ, TERM="xterm"), close_fds=True)
    os.close(slave)
    m = master
    first = read_until(m, "open hour", 5)
    check("linked -f: history and the open hour", "closed hour" in first and
          "open hour" in first and first.count("open hour") == 1, repr(first))
    with open(link, "a") as f:  # through the link, as the sink appends
        f.write(alert("EW-002", "high", "late in hour 10", now) + "\n")
    with open(os.path.join(day, "11.jsonl"), "w") as f:
        pass
    os.symlink("alerts/2026-12-01/11.jsonl", link + ".tmp")
    os.rename(link + ".tmp", link)
    with open(link, "a") as f:
        f.write(alert("EW-003", "medium", "first of hour 11", now) + "\n")
    t0 = time.time()
    got = read_until(m, "first of hour 11", 2)
    dt = time.time() - t0
    check("linked -f: the old hour read to its end, then the new one, within 1 s (%.3f s)" % dt,
          "late in hour 10" in got and "first of hour 11" in got and dt < 1.0
          and got.index("late in hour 10") < got.index("first of hour 11"), repr(got))
    finish(p, m)

    # -f piped: JSON lines, flushed as they come
    p = subprocess.Popen([EW, "alerts", "-f", "--data-dir", d, "--rule", "EW-007"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.3)
    line = alert("EW-007", "medium", "Agent restarted", now)
    with open(livef, "a") as f:
        f.write(line + "\n")
    r, _, _ = select.select([p.stdout], [], [], 2)
    got = p.stdout.readline().decode().rstrip("\n") if r else ""
    check("-f piped: the new line, as stored, within 2 s", got == line, got)
    p.terminate()
    p.wait(timeout=10)
finally:
    shutil.rmtree(d, ignore_errors=True)

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
