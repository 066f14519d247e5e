#!/usr/bin/python3
"""Alerts end to end (issue 12): real clients send regulated data to peers a
test policy places in different countries.

  uncovered  a python client POSTs VINs to a DE peer no channel covers and keeps
             the connection open: a critical EW-001 alert in DATA_DIR/alerts.jsonl
             within 1 s of the write, before the close, naming the process, the
             country and the missing approval; the flow's later records carry its id
  covered    the same body to a US peer channel sc-us covers: no alert
  repeats    1,000 such uploads to another DE address: one alert, and when the
             window closes (here: at the agent's stop) one summary of count 1,000
  restart    the agent started again on the same data directory: EW-007
  ring full  a 4 KiB ring under an exec storm: a monitoring-gap alert (EW-006)
  sinks      the same alerts through a real rsyslogd started by the test (RFC 5424,
             structured data with rule, severity, alert and flow ids) and as OCSF
             4001 lines (DATA_DIR/alerts.ocsf.jsonl) with every required field
Every alert validates against schemas/alert.schema.json and holds no raw value.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
from regulated import RAW, body_json  # noqa: E402
import ocsf_check  # noqa: E402
from rsyslog import Rsyslog  # noqa: E402

T.require_bpf("the alerts test")
PEER_PY = os.path.join(T.HERE, "content_peer.py")
CLIENT = os.path.join(T.HERE, "alert_client.py")
PY = "/usr/bin/python3"
DE, DE2 = "198.18.2.2", "198.18.5.2"
PORT = 8602


def policy(path):
    with open(path, "w") as f:
        json.dump({
            "version": 1, "legal_entity": "Test Automotive Co.", "domestic_countries": ["CN"],
            "networks": [{"cidr": T.PEER4 + "/32", "country": "US", "name": "us-partner"},
                         {"cidr": "198.18.2.0/24", "country": "DE", "name": "de-partner"},
                         {"cidr": "198.18.5.0/24", "country": "DE", "name": "de-bulk"}],
            "channels": [{"id": "sc-us", "route": "standard_contract", "reference": "SC-2026-1",
                          "recipient": "Test US Inc.", "countries": ["US"],
                          "categories": ["pi", "sensitive_pi"],
                          "valid_from": "2026-01-01", "valid_until": "2099-12-31"}],
        }, f)
    return path


def alerts(data_dir):
    """Every alert line so far: the open hour through DATA_DIR/alerts.jsonl, closed ones gzip'd."""
    out = []
    for line in T.read_lines_under(os.path.join(data_dir, "alerts")):
        out.append(json.loads(line))
    return out


def live_alerts(data_dir):
    try:
        with open(os.path.join(data_dir, "alerts.jsonl")) as f:
            return [json.loads(l) for l in f.read().splitlines() if l]
    except (OSError, ValueError):
        return []


def schema_errors(items):
    import jsonschema
    with open(os.path.join(T.SRC, "schemas", "alert.schema.json")) as f:
        v = jsonschema.Draft202012Validator(json.load(f), format_checker=jsonschema.FormatChecker())
    return [(a, [e.message for e in v.iter_errors(a)]) for a in items if list(v.iter_errors(a))]


def uncovered_early(agent, bf):
    """The alert comes while the connection is still open, within 1 s of the write."""
    c = subprocess.Popen([PY, CLIENT, "hold", DE, str(PORT), bf, "4"], stdout=subprocess.PIPE, text=True)
    first = json.loads(c.stdout.readline())
    seen = None
    deadline = time.time() + 5
    while time.time() < deadline and seen is None:
        for a in live_alerts(agent.dir):
            if T.field(a, "rule.id") == "EW-001" and T.field(a, "process.pid") == c.pid:
                seen = (time.time(), a)
        time.sleep(0.01)
    still_open = c.poll() is None
    closed = json.loads(c.stdout.readline())
    c.wait()
    T.check("uncovered: an EW-001 alert for the flow", seen is not None, live_alerts(agent.dir)[-3:])
    if seen is None:
        return None
    t, a = seen
    print("# first write -> alert line in alerts.jsonl: %.3f s" % (t - first["t_write"]))
    T.check("uncovered: within 1 s of the first write (%.3f s)" % (t - first["t_write"]),
            t - first["t_write"] < 1.0)
    T.check("uncovered: before the connection closed", still_open and t < closed["t_close"])
    T.check("uncovered: critical", T.field(a, "egresswatch.severity") == "critical" and
            T.field(a, "event.severity") == 99 and T.field(a, "event.kind") == "alert", a)
    msg = a.get("message", "")
    T.check("uncovered: the sentence names the process, the country and the missing approval",
            "python3" in msg and "pid %d" % c.pid in msg and " DE " in msg and
            "no channel for" in msg and "DE" in T.field(a, "egresswatch.missing", ""), msg)
    T.check("uncovered: the categories with counts", any(
        x["id"] == "vin" and x["matches"] >= 1 for x in T.field(a, "egresswatch.categories", [])), a)
    T.check("uncovered: the flow's ECS fields", T.field(a, "destination.ip") == DE and
            T.field(a, "destination.port") == PORT and T.field(a, "destination.geo.country_iso_code") == "DE"
            and T.field(a, "process.pid") == c.pid, a)
    return a


def sinks(agent_dir, syslog, first):
    """The first uncovered alert also reached rsyslogd and the OCSF file."""
    aid = T.field(first, "egresswatch.alert.id") if first else "no-alert"
    got = syslog.lines_with('alert_id="%s"' % aid)
    T.check("syslog: the uncovered alert reached rsyslogd once", len(got) == 1, got)
    if got:
        fac, sev, _host, app, _pid, msgid, sd, msg = got[0].split("|", 7)
        T.check("syslog: local0, crit, app egresswatch, msgid EW-001",
                (fac, sev, app, msgid) == ("16", "2", "egresswatch", "EW-001"), got[0])
        T.check("syslog: structured data with rule, severity and flow id",
                'rule="EW-001"' in sd and 'severity="critical"' in sd and
                'flow_id="%s"' % T.field(first, "egresswatch.flow_id") in sd, sd)
        T.check("syslog: the sentence", msg.strip() == first["message"], (msg, first["message"]))
    link = os.path.join(agent_dir, "alerts.ocsf.jsonl")
    T.check("ocsf: alerts.ocsf.jsonl links to the open hour", os.path.islink(link) and
            os.readlink(link).startswith("alerts-ocsf/"))
    oc = [json.loads(ln) for ln in T.read_lines_under(os.path.join(agent_dir, "alerts-ocsf"))]
    mine = [o for o in oc if aid in json.dumps(o)]
    T.check("ocsf: the uncovered alert as a 4001 object", len(mine) >= 1, [o.get("message") for o in oc][:3])
    errs = [(o.get("message"), ocsf_check.errors(o)) for o in oc if ocsf_check.errors(o)]
    T.check("ocsf: every line has OCSF 1.3.0 Network Activity's required fields (%d)" % len(oc),
            oc and not errs, errs[:2])
    T.check("ocsf: the destination country and the data classification",
            mine and mine[0]["dst_endpoint"].get("location", {}).get("country") == "DE" and
            "data_classification" in mine[0]["metadata"], mine[:1])
    T.check("ocsf: no health alert (no flow, no 4001 shape)",
            not [o for o in oc if "EW-007" in json.dumps(o)])


def main():
    work = T.tmpdir()
    syslog = Rsyslog()
    syslog.start()
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")},
                         alerts={"fold_seconds": 600, "ocsf": True, "syslog": True,
                                 "syslog_socket": syslog.sock})
    pol = policy(os.path.join(work, "policy.json"))
    bf = os.path.join(work, "body.json")
    with open(bf, "wb") as f:
        f.write(body_json())
    with T.Netns() as ns:
        ns.add_addr(DE)
        ns.add_addr(DE2)
        ns.spawn(PY, PEER_PY, "--http", str(PORT))
        capture = os.path.join(work, "capture.ewcap")
        agent = T.Agent(work, capture=capture, config=cfg, extra=["--policy", pol]).start()
        first = uncovered_early(agent, bf)
        code = T.sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:",
                    "--data-binary", "@" + bf, "http://%s:%d/upload" % (T.PEER4, PORT), check=False)
        T.check("covered: curl posted", code.stdout.strip() == "200", code.stdout + code.stderr)
        t0 = time.time()
        r = subprocess.run([PY, CLIENT, "repeat", DE2, str(PORT), bf, "1000"], capture_output=True, text=True)
        T.check("repeats: 1,000 uploads", r.returncode == 0 and '"done": 1000' in r.stdout, r.stderr)
        print("# 1,000 uploads took %.1f s" % (time.time() - t0))
        time.sleep(3)
        agent.stop()
        recs = agent.records()
        got = alerts(agent.dir)
        again = T.Agent(work, config=cfg, extra=["--policy", pol]).start()
        T.wait_for(lambda: any(T.field(a, "rule.id") == "EW-007" for a in alerts(again.dir)), 10,
                   "the restart alert")
        again.stop()
        after = alerts(again.dir)
    sinks(agent.dir, syslog, first)
    syslog.close()

    if first:
        ids = [T.field(x, "egresswatch.alert.ids") for x in T.flows(recs)
               if T.field(x, "egresswatch.flow_id") == T.field(first, "egresswatch.flow_id")]
        T.check("uncovered: the flow's records from the alert on carry its id (early, interim, final)",
                len([i for i in ids if i]) >= 2 and
                all(i and T.field(first, "egresswatch.alert.id") in i
                    for i in ids[[bool(i) for i in ids].index(True):]), ids)
    T.check("covered: no alert", not [a for a in got if T.field(a, "destination.ip") == T.PEER4],
            [a["message"] for a in got if T.field(a, "destination.ip") == T.PEER4])
    rep = [a for a in got if T.field(a, "destination.ip") == DE2 and T.field(a, "rule.id") == "EW-001"]
    firsts = [a for a in rep if not T.field(a, "egresswatch.alert.summary")]
    sums = [a for a in rep if T.field(a, "egresswatch.alert.summary")]
    T.check("repeats: one alert sent at once", len(firsts) == 1, [a["message"] for a in firsts][:3])
    T.check("repeats: one fold summary of count 1,000", len(sums) == 1 and
            T.field(sums[0], "egresswatch.alert.count") == 1000,
            [(T.field(a, "egresswatch.alert.count"), a["message"]) for a in sums])
    T.check("repeats: the summary names the first's id", sums and firsts and
            T.field(sums[0], "egresswatch.alert.id") == T.field(firsts[0], "egresswatch.alert.id") and
            T.field(sums[0], "event.id") == T.field(firsts[0], "event.id") + "-summary")
    prom = again.prom()
    T.check("restart: EW-007 on the second start, medium",
            any(T.field(a, "rule.id") == "EW-007" and T.field(a, "egresswatch.severity") == "medium"
                for a in after), [a["message"] for a in after][-3:])
    T.check("alerts_total counted by rule and severity",
            prom.get('egresswatch_alerts_total{rule="EW-007",severity="medium"}', 0) == 1, prom)
    T.check("alerts.jsonl is a link to the open hour's file",
            os.path.islink(os.path.join(again.dir, "alerts.jsonl")) and
            os.readlink(os.path.join(again.dir, "alerts.jsonl")).startswith("alerts/"))
    errs = schema_errors(after)
    T.check("every alert validates against the schema", not errs, errs[:2])
    leaks = T.raw_leaks(os.path.join(again.dir, "alerts"), [v.encode() for v in RAW])
    T.check("no raw value in the alerts", not leaks, leaks)
    errs = T.schema_errors(recs)
    T.check("records with alert ids validate against the record schema", not errs, errs[:1])
    # A replay of the capture raises the same flow alerts, with the same ids and sentences.
    rep = os.path.join(work, "replay")
    p = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", rep, "--config", cfg,
                        "--policy", pol], capture_output=True, text=True)
    T.check("replay exits 0", p.returncode == 0, p.stderr[-1500:])
    key = lambda a: json.dumps([T.field(a, k) for k in ("@timestamp", "event.id", "message",  # noqa: E731
                                                         "egresswatch.alert.count")])
    live = sorted(key(a) for a in got if T.field(a, "rule.id") == "EW-001")
    again_ = sorted(key(a) for a in alerts(rep) if T.field(a, "rule.id") == "EW-001")
    T.check("replay raises the same EW-001 alerts (%d)" % len(live), live and live == again_,
            (live[:2], again_[:2]))
    T.check("replay raises no restart alert",
            not [a for a in alerts(rep) if T.field(a, "rule.id") == "EW-007"])
    ring_full(work)
    return T.done(work)


def ring_full(work):
    """As test_errors: a 4 KiB ring drained every 2 s overflows under an exec storm."""
    d = os.path.join(work, "ring")
    os.makedirs(d)
    cfg = T.write_config(os.path.join(d, "small.json"), ringbuf_bytes=4096, ringbuf_wakeup_bytes=4096,
                         poll_interval_ms=2000, report_interval=1)
    agent = T.Agent(d, config=cfg).start()
    try:
        subprocess.run(["sh", "-c", "for i in $(seq 400); do /bin/true; done"], check=True)
        T.wait_for(lambda: any(T.field(a, "rule.id") == "EW-006" for a in live_alerts(agent.dir)), 15,
                   "a monitoring-gap alert")
    except AssertionError:
        pass
    finally:
        agent.stop()
    gaps = [a for a in alerts(agent.dir) if T.field(a, "rule.id") == "EW-006"]
    T.check("ring full: a monitoring-gap alert (high) naming the ring", gaps and
            T.field(gaps[0], "egresswatch.severity") == "high" and
            "ringbuf_full" in T.field(gaps[0], "egresswatch.alert.detail", "") and
            T.field(gaps[0], "egresswatch.monitoring.lost", 0) > 0,
            [a["message"] for a in alerts(agent.dir)][:3])
    errs = schema_errors(gaps)
    T.check("ring full: the alert validates", not errs, errs[:1])


if __name__ == "__main__":
    sys.exit(main())
