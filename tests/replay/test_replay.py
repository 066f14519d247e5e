#!/usr/bin/python3
"""Replay without root or a kernel: the ABI 2.0 capture committed under
tests/data/abi2 (written by release 708ffef) must replay to the records that
release wrote, field for field (fields added since are allowed), and every
replayed record, of that capture and of a synthetic one that has every event
type the generator knows, must pass schemas/record.schema.json."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import ewtest as T  # noqa: E402

ABI2 = os.path.join(T.SRC, "tests", "data", "abi2")
failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)[:3000]), flush=True)
    if not cond:
        failures.append(name)
    return cond


def missing_or_changed(old, new, path=""):
    """Every field of OLD is in NEW with the same value: [differences]."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return ["%s: was an object, is %r" % (path or "$", new)]
        out = []
        for k, v in old.items():
            if k not in new:
                out.append("%s.%s: missing" % (path, k))
            else:
                out += missing_or_changed(v, new[k], path + "." + k)
        return out
    return [] if old == new else ["%s: was %r, is %r" % (path, old, new)]


def replay(capture, out, *extra):
    env = dict(os.environ, TZ="Asia/Shanghai")
    r = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", out] + list(extra),
                       capture_output=True, text=True, env=env, timeout=300)
    check("replay %s exits 0" % os.path.basename(capture), r.returncode == 0, r.stderr)
    return T.read_records(out)


def abi2_compat(work):
    new = replay(os.path.join(ABI2, "capture.ewcap"), os.path.join(work, "abi2"),
                 "--config", os.path.join(ABI2, "config.json"), "--policy", os.path.join(ABI2, "policy.json"),
                 "--geo-db", os.path.join(ABI2, "country.mmdb"), "--geo-db", os.path.join(ABI2, "asn.mmdb"))
    with open(os.path.join(ABI2, "records.jsonl")) as f:
        old = [json.loads(l) for l in f if l.strip()]
    flows_old = [r for r in old if r["event"]["kind"] == "event"]
    flows_new = [r for r in new if r["event"]["kind"] == "event"]
    check("abi2: as many flow records as release 708ffef wrote (%d)" % len(flows_old),
          len(flows_new) == len(flows_old), "%d now" % len(flows_new))
    for i, (a, b) in enumerate(zip(flows_old, flows_new)):
        diff = missing_or_changed(a, b)
        check("abi2: flow record %d (%s) unchanged" % (i, a["egresswatch"]["flow_id"]), not diff, diff[:5])
    metrics_old = [r for r in old if r["event"]["kind"] == "metric"]
    metrics_new = [r for r in new if r["event"]["kind"] == "metric"]
    check("abi2: as many metric records", len(metrics_new) == len(metrics_old),
          "%d then, %d now" % (len(metrics_old), len(metrics_new)))
    for i, (a, b) in enumerate(zip(metrics_old, metrics_new)):
        ea, eb = a["egresswatch"]["metrics"]["events_total"], b["egresswatch"]["metrics"]["events_total"]
        # kstats_v0 is the label ABI 2.0's "kstats" events have now.
        eb = dict(eb, kstats=eb.get("kstats_v0", 0) + eb.get("kstats", 0))
        diff = missing_or_changed(ea, eb)
        check("abi2: metric record %d counts the same events" % i, not diff, diff[:5])
        check("abi2: metric record %d at the same time" % i, a["@timestamp"] == b["@timestamp"])
    errs = T.schema_errors(new)
    check("abi2: every replayed record passes the schema (%d)" % len(new), not errs,
          [(r.get("egresswatch", {}).get("flow_id"), m) for r, m in errs[:3]])
    attr = [T.field(r, "egresswatch.process.attribution") for r in flows_new
            if r["network"]["direction"] == "ingress" and r["network"]["transport"] == "tcp"
            and T.field(r, "egresswatch.end_reason") == "closed"]
    check("abi2: accepted TCP flows say accept() found their owner",
          attr and all(a == "accept" for a in attr), attr)


def synthetic(work):
    cap = os.path.join(work, "synth.ewcap")
    bench = os.environ.get("BENCH_REPLAY", os.path.join(T.SRC, "build", "tests", "bench", "bench_replay"))
    r = subprocess.run([bench, "-n", "4000", "-w", cap], capture_output=True, text=True, timeout=300)
    if not check("synthetic capture written", r.returncode == 0, r.stdout + r.stderr):
        return
    recs = replay(cap, os.path.join(work, "synth"))
    flows = [r for r in recs if r["event"]["kind"] == "event"]
    check("synthetic: flow records written", len(flows) > 300, len(flows))
    errs = T.schema_errors(recs)
    check("synthetic: every replayed record passes the schema (%d)" % len(recs), not errs,
          [(r.get("egresswatch", {}).get("flow_id"), m) for r, m in errs[:3]])


def main():
    work = tempfile.mkdtemp(prefix="ewreplay-")
    try:
        abi2_compat(work)
        synthetic(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
