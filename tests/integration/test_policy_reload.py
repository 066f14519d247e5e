#!/usr/bin/python3
"""SIGHUP reloads the policy (issue 11): curl POSTs PI and sensitive PI to a
DE peer no channel covers (violation); the policy file gains channel
"sc-de" covering DE, kill -HUP, the same upload is allowed by sc-de; then
the file is made invalid, kill -HUP: the agent keeps running under the last
good policy (the upload still allowed), metrics.prom counts the refused
reload and the log names the file and the JSON path of the error.
"""
import json
import os
import signal
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


def main():
    work = T.tmpdir()
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")})
    pol = os.path.join(work, "policy.json")
    write(pol, BASE)
    bf = os.path.join(work, "body.json")
    with open(bf, "wb") as f:
        f.write(body_json())
    with T.Netns() as ns:
        ns.add_addr(DE)
        ns.spawn(PY, PEER_PY, *sum((["--http", str(p)] for p in PORTS.values()), []))
        agent = T.Agent(work, config=cfg, extra=["--policy", pol]).start()
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
    errs = T.schema_errors(recs)
    T.check("every record validates against the schema", not errs, errs[:2])
    return T.done(work)


def alerts(data_dir):
    return [json.loads(ln) for ln in T.read_lines_under(os.path.join(data_dir, "alerts"))]


if __name__ == "__main__":
    sys.exit(main())
