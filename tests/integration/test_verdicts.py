#!/usr/bin/python3
"""Verdicts end to end (issue 11): real clients send regulated data to peers
that a test policy places in different countries, and each flow's final
record must carry the route the data needs and the policy's verdict.

  covered    curl POSTs PI and sensitive PI to a US peer that channel
             "sc-us" (standard contract, US, pi + sensitive_pi) covers: allowed
  uncovered  the same body to a DE peer no channel covers: violation, the
             missing approval named, the process named
  ota        git push (source code: important data) to an FR peer under the
             OTA-defect exemption with a filing dated before today: exempt
  domestic   the same body to a CN peer: not_applicable
then the yearly people counters: in metrics.prom, saved in DATA_DIR/state,
and still there after the agent is killed with SIGKILL and restarted.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
from git_push import git_push  # noqa: E402
from regulated import body_json  # noqa: E402

T.require_bpf("the verdicts test")
PEER_PY = os.path.join(T.HERE, "content_peer.py")
PY = "/usr/bin/python3"
ADDR = {"covered": T.PEER4, "uncovered": "198.18.2.2", "ota": "198.18.3.2", "domestic": "198.18.4.2"}
PORT = {"covered": 8601, "uncovered": 8602, "ota": 8603, "domestic": 8604}


def policy(path):
    with open(path, "w") as f:
        json.dump({
            "version": 1, "legal_entity": "Test Automotive Co.", "domestic_countries": ["CN"],
            "networks": [{"cidr": T.PEER4 + "/32", "country": "US", "name": "us-partner"},
                         {"cidr": "198.18.2.0/24", "country": "DE", "name": "de-partner"},
                         {"cidr": "198.18.3.0/24", "country": "FR", "name": "fr-ota"},
                         {"cidr": "198.18.4.0/24", "country": "CN", "name": "cn-dc"}],
            "channels": [{"id": "sc-us", "route": "standard_contract", "reference": "SC-2026-1",
                          "recipient": "Test US Inc.", "countries": ["US"],
                          "categories": ["pi", "sensitive_pi"],
                          "valid_from": "2026-01-01", "valid_until": "2099-12-31"}],
            "exemptions": [{"id": "ota-fix", "kind": "ota_defect", "reference": "MIIT-OTA-2026-7",
                            "filed_on": "2026-01-15", "purpose": "remedy a defect",
                            "scope": {"countries": ["FR"], "categories": ["source_code"]}}],
        }, f)
    return path


def final(recs, port):
    for r in T.flows(recs):
        if T.field(r, "destination.port") == port and r["egresswatch"].get("final") and \
                T.field(r, "network.direction") == "egress":
            return r
    return None


def send_all(work, bf):
    for k in ("covered", "uncovered", "domestic"):
        code = T.sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:",
                    "--data-binary", "@" + bf, "http://%s:%d/upload" % (ADDR[k], PORT[k]), check=False)
        T.check("%s: curl posted" % k, code.stdout.strip() == "200", code.stdout + code.stderr)
    code = "#include <stdint.h>\n" + "".join(
        "static int brake_%d(int32_t p) { return p > %d ? %d : p; }\n" % (i, i, i) for i in range(200))
    g = git_push(work, "http://%s:%d/repo.git" % (ADDR["ota"], PORT["ota"]), "brake.c", code)
    T.check("ota: git pushed", g.returncode == 0, g.stderr)


def people(agent):
    return {k.split('"')[1]: v for k, v in agent.prom().items() if k.startswith("egresswatch_people_year{")}


def main():
    work = T.tmpdir()
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")})
    pol = policy(os.path.join(work, "policy.json"))
    bf = os.path.join(work, "body.json")
    with open(bf, "wb") as f:
        f.write(body_json())
    git_root = os.path.join(work, "git")
    os.makedirs(git_root)
    T.sh("git", "init", "-q", "--bare", os.path.join(git_root, "repo.git"))
    T.sh("git", "-C", os.path.join(git_root, "repo.git"), "config", "http.receivepack", "true")
    with T.Netns() as ns:
        for k in ("uncovered", "ota", "domestic"):
            ns.add_addr(ADDR[k])
        ns.spawn(PY, PEER_PY, "--http", str(PORT["covered"]), "--http", str(PORT["uncovered"]),
                 "--http", str(PORT["domestic"]), "--git", str(PORT["ota"]), "--git-root", git_root)
        capture = os.path.join(work, "capture.ewcap")
        agent = T.Agent(work, capture=capture, config=cfg, extra=["--policy", pol]).start()
        send_all(work, bf)
        time.sleep(2)
        T.wait_for(lambda: people(agent).get("sensitive_pi", 0) > 0, 15, "people counted")
        before = people(agent)
        # The counters are saved every few seconds; then a SIGKILL loses nothing.
        T.wait_for(lambda: os.path.exists(os.path.join(agent.dir, "state")) and any(
            n.startswith("people-") and n.endswith(".state") for n in os.listdir(os.path.join(agent.dir, "state"))),
            15, "the people state file")
        time.sleep(6)
        agent.stop(signal.SIGKILL)
        recs = agent.records()
        again = T.Agent(work, config=cfg, extra=["--policy", pol]).start()
        time.sleep(4)
        after = people(again)
        again.stop()

    r = final(recs, PORT["covered"])
    T.check("covered: route standard_contract_or_certification, allowed by sc-us",
            r is not None and T.field(r, "egresswatch.route_required") == "standard_contract_or_certification"
            and T.field(r, "egresswatch.verdict") == "allowed" and T.field(r, "egresswatch.channel") == "sc-us",
            T.field(r or {}, "egresswatch"))
    r = final(recs, PORT["uncovered"])
    T.check("uncovered: a violation naming the missing approval to DE",
            r is not None and T.field(r, "egresswatch.verdict") == "violation" and
            "DE" in T.field(r, "egresswatch.missing", ""), T.field(r or {}, "egresswatch"))
    T.check("uncovered: the process is named", T.field(r or {}, "process.name") == "curl",
            T.field(r or {}, "process"))
    r = final(recs, PORT["ota"])
    T.check("ota: source code under the filed OTA exemption is exempt",
            r is not None and T.field(r, "egresswatch.verdict") == "exempt" and
            T.field(r, "egresswatch.exemption") == "ota-fix", T.field(r or {}, "egresswatch"))
    r = final(recs, PORT["domestic"])
    T.check("domestic: not_applicable", T.field(r or {}, "egresswatch.verdict") == "not_applicable" and
            T.field(r or {}, "egresswatch.rule") == "domestic", T.field(r or {}, "egresswatch"))
    T.check("people: the uploads' people counted (3 VINs, 2 plates, a phone; 1 ID sensitive)",
            before.get("pi", 0) >= 6 and before.get("sensitive_pi", 0) >= 1, before)
    T.check("people: the same counts after SIGKILL and a restart", after == before, (before, after))
    # Replay from the same (empty) starting snapshot reproduces every verdict.
    empty = os.path.join(work, "state0")
    os.makedirs(empty)
    p = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", os.path.join(work, "replay"),
                        "--config", cfg, "--policy", pol, "--state", empty], capture_output=True, text=True)
    T.check("replay --state exits 0", p.returncode == 0, p.stderr[-1500:])
    key = lambda x: json.dumps([T.field(x, "destination.port")] + [T.field(x, "egresswatch." + k) for k in  # noqa
                                ("route_required", "verdict", "rule", "channel", "exemption")])
    live = sorted(key(x) for x in T.flows(recs) if x["egresswatch"]["final"])
    rep = sorted(key(x) for x in T.flows(T.read_records(os.path.join(work, "replay")))
                 if x["egresswatch"]["final"])
    T.check("replay gives every flow the same verdict", live == rep, (live, rep))
    T.check("replay left the snapshot it started from untouched", os.listdir(empty) == [], os.listdir(empty))
    errs = T.schema_errors(recs)
    T.check("every record validates against the schema", not errs, errs[:2])
    return T.done(work)


if __name__ == "__main__":
    sys.exit(main())
