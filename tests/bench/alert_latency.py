#!/usr/bin/python3
"""Alert latency (issue 12): from a client's first write of VINs to an
uncovered cross-border peer, to its alert's line in DATA_DIR/alerts.jsonl;
p50 and p99 over N alerts (default 1,000).

The agent runs with alerts.fold_seconds 0 (every upload alerts) and the test
policy of tests/integration/test_alerts.py; this process is the client: one
connection at a time, written, then held until its alert is read from the
file, then closed. Needs root, BPF and a network namespace: run it holding
the integration lock.

  flock /tmp/ew-integration.lock tests/bench/alert_latency.py [N]

The last line printed starts with "RESULT ".
"""
import json
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import ewtest as T  # noqa: E402
from regulated import body_json  # noqa: E402
from test_alerts import DE, PORT, PEER_PY, PY, policy  # noqa: E402


def uploads(n, path, body):
    """N uploads, one at a time; each one's seconds from its write to its alert's line."""
    f, part, lat = None, "", []
    for i in range(n):
        s = socket.create_connection((DE, PORT))
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: de\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        t = time.time()
        got = None
        while got is None and time.time() - t < 5:
            if f is None and os.path.exists(path):
                f = open(path)
            part += f.readline() if f else ""
            if not part.endswith("\n"):
                time.sleep(0.0005)
                continue
            a, part = json.loads(part), ""
            if a["rule"]["id"] == "EW-001" and a.get("process", {}).get("pid") == os.getpid():
                got = time.time()
        s.close()
        if got is None:
            print("# upload %d: no alert within 5 s" % i)
            continue
        lat.append(got - t)
    return lat


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    T.require_bpf("alert_latency")
    work = T.tmpdir()
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
                                  "subject_key": os.path.join(work, "subject.key")},
                         alerts={"fold_seconds": 0}, report_interval=60)
    pol = policy(os.path.join(work, "policy.json"))
    body = body_json()
    lat = []
    with T.Netns() as ns:
        ns.add_addr(DE)
        ns.spawn(PY, PEER_PY, "--http", str(PORT))
        agent = T.Agent(work, config=cfg, extra=["--policy", pol]).start()
        path = os.path.join(agent.dir, "alerts.jsonl")
        try:
            lat = uploads(n, path, body)
        finally:
            agent.stop()
    lat.sort()
    if not lat:
        print("RESULT alerts=0")
        return 1
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print("alerts=%d of %d uploads: p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (len(lat), n, p(0.5), p(0.99),
                                                                            lat[-1] * 1000))
    print("RESULT alerts=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f" % (len(lat), p(0.5), p(0.99), lat[-1] * 1000))
    return 0 if len(lat) == n else 1


if __name__ == "__main__":
    sys.exit(main())
