#!/usr/bin/python3
"""SIGHUP reloads the policy (issue 11): curl POSTs PI and sensitive PI to a
DE peer no channel covers (violation); the policy file gains channel
"sc-de" covering DE, kill -HUP, the same upload is allowed by sc-de; then
the file is made invalid, kill -HUP: the agent keeps running under the last
good policy (the upload still allowed), metrics.prom counts the refused
reload and the log names the file and the JSON path of the error.

The run writes a capture: it keeps both policies it applied in
CAPTURE.policies/ and a `policy` event where each took effect, so a replay
(without --policy, or with the first one) gives every flow the verdict the
run gave it, after the reload too; a replay whose policies are missing says
so and counts it.
"""
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
from regulated import body_json  # noqa: E402

T.require_bpf("the policy reload test")
PEER_PY = os.path.join(T.HERE, "content_peer.py")
PY = "/usr/bin/python3"
DE = "198.18.2.2"
PORTS = {"before": 8611, "after": 8612, "invalid": 8613}

BASE = {
    "version": 1, "legal_entity": "Test Automotive Co.", "domestic_countries": ["CN"],
    "networks": [{"cidr": "198.18.2.0/24", "country": "DE", "name": "de-partner"}],
}
CHANNEL = {"id": "sc-de", "route": "standard_contract", "reference": "SC-2026-9",
           "recipient": "Test DE GmbH", "countries": ["DE"], "categories": ["pi", "sensitive_pi"],
           "valid_from": "2026-01-01", "valid_until": "2099-12-31"}


def write(path, obj):
    # written beside and renamed: the agent never reads half a file
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.rename(path + ".tmp", path)


def final(recs, port):
    for r in T.flows(recs):
        if T.field(r, "destination.port") == port and r["egresswatch"].get("final") and \
                T.field(r, "network.direction") == "egress":
            return r
    return None


def post(bf, port):
    code = T.sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:",
                "--data-binary", "@" + bf, "http://%s:%d/upload" % (DE, port), check=False)
    T.check("curl posted to port %d" % port, code.stdout.strip() == "200", code.stdout + code.stderr)


def hup_and_wait(agent, says):
    n = agent.stderr().count(says)
    agent.proc.send_signal(signal.SIGHUP)
    T.wait_for(lambda: agent.stderr().count(says) > n, 10, "the agent to say %r" % says)


def verdicts(recs):
    """flow id -> (verdict, channel) of every final flow record."""
    return {T.field(r, "egresswatch.flow_id"): (T.field(r, "egresswatch.verdict"), T.field(r, "egresswatch.channel"))
            for r in T.flows(recs) if r["egresswatch"].get("final")}


def sha_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def replay(cap, cfg, out, *extra):
    p = subprocess.run([T.egresswatch(), "replay", cap, "--data-dir", out, "--config", cfg] + list(extra),
                       capture_output=True, text=True)
    T.check("replay %s exits 0" % " ".join(("--data-dir", out) + extra), p.returncode == 0, p.stderr[-1500:])
    return T.read_records(out), p.stderr


def main():
    work = T.tmpdir()
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")})
    pol = os.path.join(work, "policy.json")
    write(pol, BASE)
    first = os.path.join(work, "first.json")
    write(first, BASE)
    cap = os.path.join(work, "run.ewcap")
    bf = os.path.join(work, "body.json")
    with open(bf, "wb") as f:
        f.write(body_json())
    with T.Netns() as ns:
        ns.add_addr(DE)
        ns.spawn(PY, PEER_PY, *sum((["--http", str(p)] for p in PORTS.values()), []))
        agent = T.Agent(work, capture=cap, config=cfg, extra=["--policy", pol]).start()
        post(bf, PORTS["before"])
        T.wait_for(lambda: final(agent.records(), PORTS["before"]), 15, "the first upload's record")

        write(pol, dict(BASE, channels=[CHANNEL]))
        hup_and_wait(agent, "policy reloaded")
        post(bf, PORTS["after"])
        T.wait_for(lambda: final(agent.records(), PORTS["after"]), 15, "the second upload's record")

        bad = dict(BASE, channels=[dict(CHANNEL, route="handshake")])
        write(pol, bad)
        hup_and_wait(agent, "policy reload refused")
        post(bf, PORTS["invalid"])
        T.wait_for(lambda: final(agent.records(), PORTS["invalid"]), 15, "the third upload's record")
        T.wait_for(lambda: agent.prom().get('egresswatch_policy_reloads_total{result="invalid"}') == 1,
                   10, "metrics.prom to count the refused reload")
        T.wait_for(lambda: any(T.field(a, "rule.id") == "EW-009" for a in alerts(agent.dir)), 10,
                   "the invalid-policy alert")
        running = agent.proc.poll() is None
        prom = agent.prom()
        log = agent.stderr()
        agent.stop()
        recs = agent.records()

    r = final(recs, PORTS["before"])
    T.check("before: no channel to DE, a violation", T.field(r or {}, "egresswatch.verdict") == "violation"
            and T.field(r, "egresswatch.rule") == "no_channel", T.field(r or {}, "egresswatch"))
    r = final(recs, PORTS["after"])
    T.check("after the reload: allowed by sc-de", T.field(r or {}, "egresswatch.verdict") == "allowed"
            and T.field(r, "egresswatch.channel") == "sc-de", T.field(r or {}, "egresswatch"))
    r = final(recs, PORTS["invalid"])
    T.check("an invalid reload keeps the last good policy: still allowed by sc-de",
            T.field(r or {}, "egresswatch.verdict") == "allowed" and T.field(r, "egresswatch.channel") == "sc-de",
            T.field(r or {}, "egresswatch"))
    T.check("the agent kept running after the invalid policy", running)
    T.check("metrics.prom: one reload ok, one invalid",
            prom.get('egresswatch_policy_reloads_total{result="ok"}') == 1 and
            prom.get('egresswatch_policy_reloads_total{result="invalid"}') == 1,
            {k: v for k, v in prom.items() if "policy" in k})
    bad_lines = [l for l in log.splitlines() if "policy reload refused" in l]
    T.check("the log names the file and the JSON path of the error",
            any(pol in l and "$.channels[0].route" in l for l in bad_lines), bad_lines or log[-1500:])
    bad_alerts = [a for a in alerts(agent.dir) if T.field(a, "rule.id") == "EW-009"]
    T.check("an alert says the reload was refused and the old policy stays (EW-009, high)",
            len(bad_alerts) == 1 and T.field(bad_alerts[0], "egresswatch.severity") == "high",
            [a["message"] for a in alerts(agent.dir)])
    check_replays(work, cap, cfg, first, recs)
    errs = T.schema_errors(recs)
    T.check("every record validates against the schema", not errs, errs[:2])
    return T.done(work)


def check_replays(work, cap, cfg, first, recs):
    pdir = cap + ".policies"
    kept = sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []
    T.check("the capture keeps the two policies applied (not the refused one), 0700/0600",
            len(kept) == 2 and sha_of(first) + ".json" in kept and stat.S_IMODE(os.stat(pdir).st_mode) == 0o700 and
            all(stat.S_IMODE(os.stat(os.path.join(pdir, k)).st_mode) == 0o600 for k in kept), kept)
    live = verdicts(recs)
    ports = {T.field(r, "egresswatch.flow_id"): T.field(r, "destination.port") for r in T.flows(recs)}
    T.check("the live run has the three uploads' flows",
            all(p in ports.values() for p in PORTS.values()), sorted(set(ports.values()), key=str))
    for name, extra in (("no --policy", ()), ("the first --policy", ("--policy", first))):
        out = os.path.join(work, "replay-" + str(len(extra)))
        rrecs, err = replay(cap, cfg, out, *extra)
        got = verdicts(rrecs)
        diff = {ports.get(k, k): (v, got.get(k)) for k, v in live.items() if got.get(k) != v}
        T.check("replay with %s: every flow's verdict is the run's (%d flows, before and after "
                "the reload and the refused one)" % (name, len(live)),
                live and got == live, diff or sorted(set(got) ^ set(live)))
        T.check("replay with %s: no warning of a policy mismatch or a missing policy" % name,
                "is not the policy" not in err and "the replay cannot" not in err, err[-1500:])
    # Another --policy than the run's first: one warning naming both; the reload still followed.
    second = [k for k in kept if k != sha_of(first) + ".json"]
    if second:
        rrecs, err = replay(cap, cfg, os.path.join(work, "replay-other"), "--policy",
                            os.path.join(pdir, second[0]))
        warns = [ln for ln in err.splitlines() if "is not the policy the run started with" in ln]
        T.check("a replay given another --policy than the run's first warns once, naming both",
                len(warns) == 1 and second[0][:-5] in warns[0] and sha_of(first) in warns[0], err[-1500:])
    # The policies gone: said, counted, and the replay goes on under the one it has.
    empty = os.path.join(work, "no-policies")
    os.mkdir(empty)
    out = os.path.join(work, "replay-missing")
    rrecs, err = replay(cap, cfg, out, "--policy", first, "--policy-dir", empty)
    r = final(rrecs, PORTS["after"])
    T.check("a replay without the reloaded policy names the file it lacks and what to do",
            empty in err and "--policy-dir" in err, err[-1500:])
    T.check("... and keeps the first policy: the upload after the reload is a violation",
            T.field(r or {}, "egresswatch.verdict") == "violation", T.field(r or {}, "egresswatch"))
    prom = os.path.join(out, "metrics.prom")
    text = open(prom).read() if os.path.exists(prom) else ""
    T.check("... and counts it in replay_policy_missing_total",
            "egresswatch_replay_policy_missing_total 1" in text, text[-800:])


def alerts(data_dir):
    return [json.loads(ln) for ln in T.read_lines_under(os.path.join(data_dir, "alerts"))]


if __name__ == "__main__":
    sys.exit(main())
