"""Shared harness for the integration tests: root and BPF checks, a test host
in a network namespace over veth, the agent as a subprocess, its records."""
import atexit
import glob
import gzip
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HOST4, PEER4 = "198.18.0.1", "198.18.0.2"
HOST6, PEER6 = "2001:db8::1", "2001:db8::2"
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SKIP = 77


def egresswatch():
    return os.environ.get("EGRESSWATCH", os.path.join(SRC, "build", "agent", "egresswatch"))


def require_bpf(what="this test"):
    """Fail under CI=true when root or BPF is missing; skip (77) elsewhere."""
    reasons = []
    if os.geteuid() != 0:
        reasons.append("not root")
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        reasons.append("no /sys/kernel/btf/vmlinux")
    if not reasons:
        return
    msg = "%s needs root and BPF: %s" % (what, ", ".join(reasons))
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true): " + msg, file=sys.stderr)
        sys.exit(1)
    print("SKIP: " + msg, file=sys.stderr)
    sys.exit(SKIP)


failures = []


def check(name, cond, detail=""):
    """One assertion of a test: printed as ok/FAIL, the failures kept for finish()."""
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)
    return cond


def raw_leaks(root_dir, needles, skip=lambda path: False):
    """["NEEDLE in PATH"] for every file under ROOT_DIR (gzip'd ones
    decompressed) holding one of NEEDLES (bytes), but those SKIP(path) names:
    the test's own inputs."""
    leaks = []
    for root, _, files in os.walk(root_dir):
        for name in files:
            path = os.path.join(root, name)
            if skip(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            leaks += ["%s in %s" % (n.decode(errors="replace"), path) for n in needles if n in data]
    return leaks


def done(work):
    """The test's exit status; its work directory removed when it passed,
    kept (and named) when it did not."""
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("# kept " + work)
    return finish()


def finish():
    """The test's exit status: 1 when any check() failed."""
    print("%d failed" % len(failures))
    return 1 if failures else 0


_public = None


def public_copy(path):
    """PATH copied where every user can read and run it: a test that runs a
    program as another user (nobody) must work from a checkout other users
    cannot read, such as a clone in root's home."""
    global _public
    if _public is None:
        _public = tempfile.mkdtemp(prefix="ewpub-")
        os.chmod(_public, 0o755)
        atexit.register(shutil.rmtree, _public, True)
    dst = os.path.join(_public, os.path.basename(path))
    if not os.path.exists(dst):
        shutil.copy(path, dst)
        os.chmod(dst, 0o755)
    return dst


def sh(*cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)


class Netns:
    """A peer host: namespace NAME with PEER4/PEER6, reached over veth."""

    def __init__(self):
        self.name = "ewt%d" % os.getpid()
        self.veth = "ewv%d" % (os.getpid() % 100000)
        self.procs = []

    def __enter__(self):
        self.cleanup()
        sh("ip", "netns", "add", self.name)
        sh("ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.name)
        sh("ip", "addr", "add", HOST4 + "/24", "dev", self.veth)
        sh("ip", "-6", "addr", "add", HOST6 + "/64", "dev", self.veth, "nodad")
        sh("ip", "link", "set", self.veth, "up")
        self.run("ip", "addr", "add", PEER4 + "/24", "dev", "eth0")
        self.run("ip", "-6", "addr", "add", PEER6 + "/64", "dev", "eth0", "nodad")
        self.run("ip", "link", "set", "eth0", "up")
        self.run("ip", "link", "set", "lo", "up")
        return self

    def run(self, *cmd, **kw):
        return sh("ip", "netns", "exec", self.name, *cmd, **kw)

    def spawn(self, *cmd):
        """Start a long-running process in the namespace; waits for 'ready'."""
        p = subprocess.Popen(("ip", "netns", "exec", self.name) + cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        assert "ready" in line, "peer did not start: %r" % line
        return p

    def add_addr(self, addr, prefix=24):
        """Give the peer another address ADDR/PREFIX on its veth; this host
        reaches that network through PEER4 (or PEER6)."""
        v6 = ":" in addr
        self.run("ip", *(["-6"] if v6 else []), "addr", "add", "%s/%d" % (addr, prefix), "dev", "eth0",
                 *(["nodad"] if v6 else []))
        net = ipaddress.ip_interface("%s/%d" % (addr, prefix)).network
        if net != ipaddress.ip_interface((HOST6 + "/64") if v6 else (HOST4 + "/24")).network:
            sh("ip", *(["-6"] if v6 else []), "route", "add", str(net), "via", PEER6 if v6 else PEER4,
               "dev", self.veth)

    def start(self, *cmd, ready=None, log=None, timeout=10):
        """Start a long-running process in the namespace that does not print
        'ready' (dnsmasq, openssl s_server); its output goes to LOG. Waits
        until ready() is true, e.g. lambda: ns.listening(53, "udp")."""
        out = open(log, "ab") if log else subprocess.DEVNULL
        p = subprocess.Popen(("ip", "netns", "exec", self.name) + cmd, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT)
        if log:
            out.close()
        self.procs.append(p)
        deadline = time.time() + timeout
        while ready and not ready():
            if p.poll() is not None or time.time() > deadline:
                said = open(log, errors="replace").read()[-2000:] if log else ""
                raise AssertionError("%s did not start (exit %s): %s" % (cmd[0], p.poll(), said))
            time.sleep(0.05)
        return p

    def listening(self, port, proto="tcp"):
        """Whether something in the namespace listens on PORT (tcp) or has it bound (udp)."""
        r = self.run("ss", "-Hn", "-l" if proto == "tcp" else "-a", "-t" if proto == "tcp" else "-u",
                     "sport = :%d" % port, check=False)
        return r.returncode == 0 and r.stdout.strip() != ""

    def conflicts(self):
        """Routes into the test ranges through devices other than this veth:
        another test run (or a leftover) using 198.18.0.0/15 or 2001:db8::/32."""
        out = []
        for fam, net in (("-4", "198.18.0.0/15"), ("-6", "2001:db8::/32")):
            r = sh("ip", fam, "route", "show", "root", net, check=False)
            out += [l for l in r.stdout.splitlines() if l.strip() and " dev %s " % self.veth not in l + " "]
        return out

    def cleanup(self):
        for p in self.procs:
            p.kill()
            p.wait()
        self.procs = []
        subprocess.run(["ip", "link", "del", self.veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def __exit__(self, *exc):
        self.cleanup()


def write_config(path, **over):
    cfg = {"report_interval": 2, "udp_idle_timeout": 2, "poll_interval_ms": 50,
           "ringbuf_wakeup_bytes": 4096}
    cfg.update(over)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


class Agent:
    """egresswatch run in the background with its own data dir."""

    def __init__(self, workdir, capture=None, config=None, extra=()):
        self.dir = os.path.join(workdir, "data")
        self.config = config or write_config(os.path.join(workdir, "config.json"))
        self.capture = capture
        self.extra = list(extra)
        self.stderr_path = os.path.join(workdir, "agent.stderr")

    def start(self, timeout=30):
        cmd = [egresswatch(), "run", "--quiet", "--config", self.config, "--data-dir", self.dir]
        if self.capture:
            cmd += ["--capture", self.capture]
        self.err = open(self.stderr_path, "w+")
        self.proc = subprocess.Popen(cmd + self.extra, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("agent exited %d: %s" % (self.proc.returncode, self.stderr()))
            if "running:" in self.stderr():
                return self
            time.sleep(0.05)
        raise AssertionError("agent did not start: " + self.stderr())

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=60)
        self.err.close()
        return rc

    def records(self):
        return read_records(self.dir)

    def prom(self):
        out = {}
        with open(os.path.join(self.dir, "metrics.prom")) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                k, v = line.rsplit(" ", 1)
                out[k] = int(v)
        return out


def read_lines(data_dir):
    lines = []
    for path in sorted(glob.glob(os.path.join(data_dir, "records", "*", "*.jsonl*"))):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            lines += [l for l in f.read().splitlines() if l]
    return lines


def read_lines_under(root):
    """The lines of ROOT/YYYY-MM-DD/HH.jsonl[.gz] files (records, alerts), oldest first."""
    lines = []
    for path in sorted(glob.glob(os.path.join(root, "*", "*.jsonl*"))):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            lines += [l for l in f.read().splitlines() if l]
    return lines


def read_records(data_dir):
    return [json.loads(l) for l in read_lines(data_dir)]


def validate(records):
    import jsonschema
    with open(os.path.join(SRC, "schemas", "record.schema.json")) as f:
        schema = json.load(f)
    v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for r in records:
        errors = sorted(v.iter_errors(r), key=str)
        assert not errors, "record fails the schema: %s\n%s" % (errors[0].message, json.dumps(r))


def schema_errors(records):
    """[(record, [messages])] for the records that fail schemas/record.schema.json;
    unlike validate() it reports every failing record and every error."""
    import jsonschema
    with open(os.path.join(SRC, "schemas", "record.schema.json")) as f:
        schema = json.load(f)
    v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    out = []
    for r in records:
        errors = sorted(v.iter_errors(r), key=str)
        if errors:
            msgs = []
            for e in errors:
                msgs.append("%s: %s" % ("/".join(map(str, e.absolute_path)) or "$", e.message))
                for sub in sorted(e.context or (), key=str):  # oneOf: why each branch failed
                    msgs.append("  %s: %s" % ("/".join(map(str, sub.absolute_path)) or "$", sub.message))
            out.append((r, msgs))
    return out


def field(record, dotted, default=None):
    """record["a"]["b"]["c"] for "a.b.c", or DEFAULT when any part is missing."""
    v = record
    for part in dotted.split("."):
        if not isinstance(v, dict) or part not in v:
            return default
        v = v[part]
    return v


def self_signed_cert(directory, cn="ewtest.invalid"):
    """A throwaway EC certificate and key for test TLS servers: (cert, key) paths."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + cn)
    return cert, key


def flows(records, **match):
    """Final or interim flow records whose dotted fields equal the given values."""
    out = []
    for r in records:
        if r.get("event", {}).get("kind") != "event":
            continue
        ok = True
        for k, want in match.items():
            v = r
            for part in k.replace("__", ".").split("."):
                v = v.get(part) if isinstance(v, dict) else None
            if v != want:
                ok = False
                break
        if ok:
            out.append(r)
    return out


def cgroup2_root():
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if parts[2] == "cgroup2":
                return parts[1]
    raise AssertionError("no cgroup2 mount")


def tmpdir():
    return tempfile.mkdtemp(prefix="ewit-")


def wait_for(pred, timeout=10, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)
