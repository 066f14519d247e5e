#!/usr/bin/python3
"""Alerts reach a real rsyslogd (Debian's) through the syslog sink: RFC 5424
parsed by rsyslog's own parser (MSGID, structured data, severity, facility),
SD-PARAM escaping that survives it, and the sink reconnecting after rsyslogd
restarts. rsyslogd runs with a private config on a socket in a temp dir."""
import os
import subprocess
import sys

from rsyslog import Rsyslog

failures = []
EMIT = os.environ.get("ALERT_EMIT")


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + detail), flush=True)
    if not cond:
        failures.append(name)


syslog = Rsyslog()
sock = syslog.sock
lines_with = syslog.lines_with
start_rsyslogd = syslog.start
stop = syslog.stop


def send(emit, kind, aid):
    emit.stdin.write("%s %s\n" % (kind, aid))
    emit.stdin.flush()
    return int(emit.stdout.readline())


try:
    rs = start_rsyslogd()
    emit = subprocess.Popen([EMIT, "syslog", sock], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)

    check("flow alert sent", send(emit, "flow", "t-1") == 0)
    got = lines_with("t-1")
    check("flow alert arrives in rsyslog", len(got) == 1, repr(got))
    if got:
        fac, sev, host, app, procid, msgid, sd, msg = got[0].split("|", 7)
        check("facility local0 (16)", fac == "16", fac)
        check("critical is syslog crit (2)", sev == "2", sev)
        check("hostname parsed", host == "ewhost", host)
        check("app-name egresswatch", app == "egresswatch", app)
        check("procid is the sender's pid", procid == str(emit.pid), procid)
        check("msgid is the rule", msgid == "EW-001", msgid)
        check("structured data parsed as such",
              sd == '[egresswatch@32473 rule="EW-001" severity="critical" alert_id="t-1" '
                    'flow_id="abcdef0123456789"]', sd)
        check("the sentence is MSG", msg.strip().startswith("uploader (pid 4242) sent VINs"), msg)

    check("health alert sent", send(emit, "health", "t-2") == 0)
    got = lines_with("t-2")
    check("health alert arrives", len(got) == 1, repr(got))
    if got:
        f = got[0].split("|", 7)
        check("high is syslog err (3)", f[1] == "3", f[1])
        check("health SD: count, metric, lost, no flow_id",
              f[6] == '[egresswatch@32473 rule="EW-006" severity="high" alert_id="t-2" '
                      'count="4" metric="ringbuf_full_total" lost="1200"]', f[6])

    check("escaped alert sent", send(emit, "quote", "t-3") == 0)
    got = lines_with("t-3")
    check("escaped SD-PARAM survives rsyslog's parser", len(got) == 1 and
          got[0].split("|", 7)[6].endswith(' metric="policy \\"x\\\\y\\" [1\\]" lost="0"]'),
          repr(got))

    # rsyslogd restarts: the sink's socket is stale; it must reconnect
    stop(rs)
    r = send(emit, "flow", "t-4")
    check("while rsyslogd is down the send is a counted drop", r < 0, str(r))
    rs = start_rsyslogd()
    check("send after restart", send(emit, "flow", "t-5") == 0)
    check("alert after restart arrives", len(lines_with("t-5")) == 1)
    check("the dropped one did not", lines_with("t-4", timeout=0.3) == [])

    emit.stdin.close()
    emit.wait(timeout=10)
finally:
    syslog.close()

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
