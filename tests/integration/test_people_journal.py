#!/usr/bin/python3
"""kill -9 between two snapshots loses no person (issue 11): curl POSTs N
bodies, each naming one distinct VIN, to a US peer; as soon as the last
upload's final record is in the records file (no waiting for the 5-second
snapshot: the journal must still hold entries) the agent is killed with
SIGKILL. Restarted on the same data dir, it must report people_year{pi} = N,
the count an uninterrupted run gives, and say it restored them from the
journal.
"""
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
from telematics import vin_with_check  # noqa: E402

T.require_bpf("the people journal test")
PEER_PY = os.path.join(T.HERE, "content_peer.py")
PY = "/usr/bin/python3"
PORT = 8621
N = 12


def vin(i):
    return vin_with_check("LSVAB4BR0EN%06d" % (200000 + i))


def finals(recs):
    return [r for r in T.flows(recs) if T.field(r, "destination.port") == PORT and
            r["egresswatch"].get("final") and T.field(r, "network.direction") == "egress"]


def people_pi(agent):
    return agent.prom().get('egresswatch_people_year{class="pi"}')


def journal_size(agent):
    try:
        return os.path.getsize(os.path.join(agent.dir, "state", "journal"))
    except OSError:
        return 0


def main():
    work = T.tmpdir()
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")})
    pol = os.path.join(work, "policy.json")
    with open(pol, "w") as f:
        json.dump({"version": 1, "legal_entity": "Test Automotive Co.", "domestic_countries": ["CN"],
                   "networks": [{"cidr": T.PEER4 + "/32", "country": "US", "name": "us-partner"}]}, f)
    sent = 0
    with T.Netns() as ns:
        ns.spawn(PY, PEER_PY, "--http", str(PORT))
        agent = T.Agent(work, config=cfg, extra=["--policy", pol]).start()

        def upload():
            nonlocal sent
            body = json.dumps({"records": [{"vin": vin(sent)}]})
            code = T.sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:",
                        "--data-binary", body, "http://%s:%d/upload" % (T.PEER4, PORT), check=False)
            T.check("upload %d posted" % sent, code.stdout.strip() == "200", code.stdout + code.stderr)
            sent += 1

        for _ in range(N):
            upload()
        # A snapshot may land right after the last upload was counted: then one
        # more upload, until the kill finds people that only the journal holds.
        for _ in range(5):
            T.wait_for(lambda: len(finals(agent.records())) >= sent, 15, "the uploads' final records")
            if journal_size(agent) > 0:
                break
            upload()
        held = journal_size(agent)
        agent.stop(signal.SIGKILL)
        T.check("at the kill the journal held entries (people not yet in a snapshot)", held > 0, held)
        again = T.Agent(work, config=cfg, extra=["--policy", pol]).start()
        T.wait_for(lambda: people_pi(again) is not None, 15, "metrics.prom after the restart")
        after = people_pi(again)
        replayed = again.prom().get("egresswatch_people_journal_replayed")
        log = again.stderr()
        again.stop()

    T.check("people_year{pi} after kill -9 and restart equals the %d distinct VINs sent" % sent,
            after == sent, (after, sent))
    T.check("the restart replayed the journal", (replayed or 0) > 0 and
            "restored" in log, (replayed, log[-1000:]))
    T.check("an orderly stop emptied the journal into the snapshot", journal_size(again) == 0,
            journal_size(again))
    leaks = T.raw_leaks(os.path.join(work, "data", "state"), [vin(i).encode() for i in range(sent)])
    T.check("no raw VIN in the state directory", not leaks, leaks)
    return T.done(work)


if __name__ == "__main__":
    sys.exit(main())
