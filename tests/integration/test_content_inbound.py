#!/usr/bin/python3
"""content.inbound on the real kernel: what a flow receives is copied in
cgroup_skb/ingress at its stream offset (rcv_nxt - bytes_received) and
inspected apart from what it sends.

  small   curl GETs a JSON body of VINs: the client's flow has categories_in
          vin (4 matches, 3 people), inspection_in complete over every byte
          received, and no vin in categories (received bytes are no export)
  big     curl GETs 1 MiB whose VINs sit 200 KiB in: found (so every segment
          landed at its offset), inspection_in truncated at flow_bytes
  off     the same GET with content.inbound false (the default): no record
          has inspection_in or categories_in, no dir-in status was counted
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
from regulated import body_json  # noqa: E402

T.require_bpf("the content.inbound test")
PEER_PY = os.path.join(T.HERE, "content_peer.py")
PY = "/usr/bin/python3"
SMALL, BIG = 8311, 8312
FLOW_BYTES = 262144


def curl_get(port):
    r = T.sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
             "http://%s:%d/" % (T.PEER4, port), check=False)
    return r.stdout


def client_final(records, port):
    got = [r for r in T.flows(records, destination__port=port, network__direction="egress")
           if r["egresswatch"]["final"]]
    return got[0] if len(got) == 1 else None


def cats(r, key):
    return {c["id"]: c for c in T.field(r, "egresswatch." + key, [])} if r else {}


def run(work, inbound):
    name = "on" if inbound else "off"
    sub = os.path.join(work, name)
    os.makedirs(sub)
    content = {"taxonomy": os.path.join(T.SRC, "deploy", "taxonomy.json"),
               "subject_key": os.path.join(work, "subject.key")}
    if inbound:
        content["inbound"] = True
    cfg = T.write_config(os.path.join(sub, "config.json"), content=content)
    small = os.path.join(work, "small.json")
    big = os.path.join(work, "big.bin")
    with T.Netns() as ns:
        ns.spawn(PY, PEER_PY, "--download", "%d:%s" % (SMALL, small), "--download", "%d:%s" % (BIG, big))
        agent = T.Agent(sub, config=cfg).start()
        T.check("%s: small download" % name, curl_get(SMALL).startswith("200 "))
        if inbound:
            T.check("%s: big download" % name, curl_get(BIG) == "200 %d" % (1 << 20))
        time.sleep(1.5)
        rc = agent.stop()
        T.check("%s: agent exits 0" % name, rc == 0, agent.stderr()[-3000:])
    recs = agent.records()
    errs = T.schema_errors(recs)
    T.check("%s: every record validates against the schema" % name, not errs, errs[:2])
    return recs, agent


def main():
    work = T.tmpdir()
    body = body_json()
    with open(os.path.join(work, "small.json"), "wb") as f:
        f.write(body)
    with open(os.path.join(work, "big.bin"), "wb") as f:
        filler = b"0123456789 abcdefghij " * 60000
        f.write((filler[:200 << 10] + body + filler)[:1 << 20])

    recs, _ = run(work, True)
    r = client_final(recs, SMALL)
    if T.check("small: one final record of the client's flow", r is not None):
        vin = cats(r, "categories_in").get("vin")
        T.check("small: categories_in vin, 4 matches of 3 people, via content",
                vin is not None and vin["matches_total"] == 4 and vin["subjects_total"] == 3
                and vin["via"] == "content", vin)
        T.check("small: no vin in categories (received, not sent)", "vin" not in cats(r, "categories"),
                cats(r, "categories"))
        T.check("small: inspection_in complete over every byte received",
                T.field(r, "egresswatch.inspection_in.status") == "complete" and
                T.field(r, "egresswatch.inspection_in.bytes") == r["egresswatch"]["bytes_in_total"],
                (T.field(r, "egresswatch.inspection_in"), r["egresswatch"]["bytes_in_total"]))
        T.check("small: the request itself inspected as before",
                T.field(r, "egresswatch.inspection.status") == "complete",
                T.field(r, "egresswatch.inspection"))
    r = client_final(recs, BIG)
    if T.check("big: one final record of the client's flow", r is not None):
        vin = cats(r, "categories_in").get("vin")
        T.check("big: the VINs 200 KiB in are found (segments at their offsets)",
                vin is not None and vin["matches_total"] == 4, cats(r, "categories_in"))
        T.check("big: inspection_in truncated at flow_bytes",
                T.field(r, "egresswatch.inspection_in.status") == "truncated" and
                T.field(r, "egresswatch.inspection_in.reason") == "flow_bytes" and
                T.field(r, "egresswatch.inspection_in.bytes") == FLOW_BYTES,
                T.field(r, "egresswatch.inspection_in"))

    recs, agent = run(work, False)
    T.check("off: the download has its record", client_final(recs, SMALL) is not None)
    inb = [r for r in T.flows(recs) if "inspection_in" in r.get("egresswatch", {})
           or "categories_in" in r.get("egresswatch", {})]
    T.check("off: no record has inspection_in or categories_in", not inb, inb[:1])
    prom = agent.prom()
    n_in = sum(v for k, v in prom.items() if k.startswith("egresswatch_content_in_status_total"))
    T.check("off: no received stream was stated",
            n_in == 0 and any(k.startswith("egresswatch_content_in_status_total") for k in prom),
            {k: v for k, v in prom.items() if "content_in" in k})
    if not T.failures:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("# kept " + work)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
