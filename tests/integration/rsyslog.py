"""A private rsyslogd (Debian's) for tests: imuxsock on a socket in a temp
dir, each message from app-name egresswatch written as one line of what
rsyslog's RFC 5424 parser made of it:
facility|severity|hostname|app-name|procid|msgid|structured-data|msg."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"


def require():
    """Fail in CI, skip elsewhere, when rsyslogd is not installed."""
    if os.path.exists(RSYSLOGD):
        return
    msg = "rsyslogd not installed (scripts/deps installs rsyslog)"
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true): " + msg, file=sys.stderr)
        sys.exit(1)
    print("SKIP: " + msg, file=sys.stderr)
    sys.exit(77)


class Rsyslog:
    def __init__(self):
        require()
        self.tmp = tempfile.mkdtemp(prefix="ew-rsyslog-")
        self.sock = os.path.join(self.tmp, "log")
        self.out = os.path.join(self.tmp, "alerts.log")
        self.conf = os.path.join(self.tmp, "rsyslog.conf")
        self.procs = []
        # The special parser of the system socket knows only the old format: off.
        with open(self.conf, "w") as f:
            f.write(f"""
global(workDirectory="{self.tmp}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{self.sock}" UseSpecialParser="off" ParseHostname="on"
      CreatePath="on" RateLimit.Interval="0")
template(name="ew" type="string"
  string="%syslogfacility%|%syslogseverity%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
if $app-name == "egresswatch" then action(type="omfile" file="{self.out}" template="ew"
  flushOnTXEnd="on" asyncWriting="off")
""")

    def start(self):
        p = subprocess.Popen([RSYSLOGD, "-n", "-f", self.conf, "-i", os.path.join(self.tmp, "pid")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        for _ in range(100):
            if os.path.exists(self.sock):
                return p
            time.sleep(0.05)
        raise SystemExit("rsyslogd did not create %s: %s" % (
            self.sock, p.stdout.read() if p.poll() is not None else "still running"))

    @staticmethod
    def stop(p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)

    def lines_with(self, needle, timeout=5.0):
        """The lines holding @needle, waiting up to @timeout s for the first."""
        end = time.time() + timeout
        while time.time() < end:
            if os.path.exists(self.out):
                with open(self.out, errors="replace") as f:
                    got = [ln.rstrip("\n") for ln in f if needle in ln]
                if got:
                    return got
            time.sleep(0.05)
        return []

    def close(self):
        for p in self.procs:
            self.stop(p)
        shutil.rmtree(self.tmp, ignore_errors=True)
