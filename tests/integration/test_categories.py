#!/usr/bin/python3
"""Data categories end to end (issue 9): real clients send regulated data in
plaintext to servers in a network namespace, and each flow's final record
must carry the categories, match counts and people counts it sent, with its
inspection status; then no file the agent wrote holds any raw identifier.

Scenarios, each a flow to its own port:
  json     curl POSTs JSON: VINs (one twice), plates (as JSON \\u escapes),
           an ID number, a mobile number, a track of 6 points in China
  gzip     the same body, Content-Encoding: gzip
  chunked  the same body, Transfer-Encoding: chunked
  form     the same identifiers URL-encoded in a form body
  nothing  a body with near-misses only: no category
  git      git push over smart HTTP to git http-backend
  gbt      a GB/T 32960 real-time upload (VIN and positions) from a sender written here
  jtt      JT/T 808 location reports (0x0200) from a sender written here
"""
import gzip
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402
from git_push import git_push  # noqa: E402
from regulated import EXPECT, IDN, MOBILE, PLATES, RAW, TRACK, VINS, body_json, near_misses, track_json  # noqa: E402
from telematics import gbt32960_realtime, jtt808_location  # noqa: E402

T.require_bpf("the data categories test")
PEER_PY = os.path.join(T.HERE, "content_peer.py")
PY = "/usr/bin/python3"
PORTS = {"json": 8301, "gzip": 8302, "chunked": 8303, "form": 8304, "nothing": 8305,
         "git": 8306, "gbt": 8307, "jtt": 8308, "media": 8309}


def curl(*args):
    return T.sh("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *args, check=False)


def send_raw(port, data, pieces=7):
    """Send DATA to the peer in PIECES writes (frames cross segment boundaries)."""
    with socket.create_connection((T.PEER4, port), timeout=10) as s:
        step = max(1, len(data) // pieces)
        for i in range(0, len(data), step):
            s.sendall(data[i:i + step])
            time.sleep(0.01)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)


def final_to(records, port):
    """The final record of the client's side (the server in the namespace is on this host too)."""
    got = [r for r in T.flows(records, destination__port=port, network__direction="egress")
           if r["egresswatch"]["final"]]
    return got[0] if len(got) == 1 else None


def cats(r):
    return {c["id"]: c for c in T.field(r, "egresswatch.categories", [])}


def main():
    work = T.tmpdir()
    taxonomy = os.path.join(T.SRC, "deploy", "taxonomy.json")
    cfg = T.write_config(os.path.join(work, "config.json"),
                         content={"taxonomy": taxonomy,
                                  "subject_key": os.path.join(work, "subject.key")})
    capture = os.path.join(work, "capture.ewcap")
    policy = os.path.join(work, "policy.json")
    with open(policy, "w") as f:
        json.dump({"version": 1, "domestic_countries": ["CN"],
                   "workloads": [{"name": "uploader", "executable": "/usr/bin/curl*",
                                  "categories": ["cabin_media"]}],
                   "destinations": [{"name": "maps", "networks": [T.PEER4 + "/32"],
                                     "categories": ["hd_map"]}]}, f)
    git_root = os.path.join(work, "git")
    os.makedirs(git_root)
    T.sh("git", "init", "-q", "--bare", os.path.join(git_root, "repo.git"))
    T.sh("git", "-C", os.path.join(git_root, "repo.git"), "config", "http.receivepack", "true")
    body = body_json()
    with T.Netns() as ns:
        ns.spawn(PY, PEER_PY, *sum((["--http", str(PORTS[k])] for k in
                                   ("json", "gzip", "chunked", "form", "nothing", "media")), []),
                 "--raw", str(PORTS["gbt"]), "--raw", str(PORTS["jtt"]),
                 "--git", str(PORTS["git"]), "--git-root", git_root)
        agent = T.Agent(work, capture=capture, config=cfg, extra=["--policy", policy]).start()
        T.check("the agent said it created the subject key",
                "subject.key" in agent.stderr() and os.stat(os.path.join(work, "subject.key")).st_mode
                & 0o777 == 0o600, agent.stderr()[-2000:])
        url = "http://%s:%%d/upload" % T.PEER4
        bf = os.path.join(work, "body.json")
        with open(bf, "wb") as f:
            f.write(body)
        with open(bf + ".gz", "wb") as f:
            f.write(gzip.compress(body))
        T.check("json: curl posted", curl("--data-binary", "@" + bf, "-H", "Content-Type: application/json",
                                          url % PORTS["json"]).stdout == "200")
        T.check("gzip: curl posted", curl("--data-binary", "@" + bf + ".gz", "-H",
                                          "Content-Type: application/json", "-H", "Content-Encoding: gzip",
                                          url % PORTS["gzip"]).stdout == "200")
        T.check("chunked: curl posted", curl("--data-binary", "@" + bf, "-H", "Content-Type: application/json",
                                             "-H", "Transfer-Encoding: chunked",
                                             url % PORTS["chunked"]).stdout == "200")
        form = urllib.parse.urlencode({"vin": VINS[0], "vin2": VINS[1], "vin3": VINS[2], "again": VINS[0],
                                       "plate": PLATES[0], "plate2": PLATES[1], "id": IDN, "tel": MOBILE,
                                       "track": track_json()})
        with open(os.path.join(work, "body.form"), "w") as f:
            f.write(form)  # in a file: on curl's command line it would be in the exec event
        T.check("form: curl posted", curl("--data", "@" + os.path.join(work, "body.form"),
                                          url % PORTS["form"]).stdout == "200")
        T.check("nothing: curl posted", curl("--data-binary", near_misses(), url % PORTS["nothing"]).stdout
                == "200")
        # One keep-alive connection: a JPEG by its type, a TFLite model by its
        # bytes, an S3 multipart part: exterior_media, adas_model, test_scenario.
        jpeg = os.path.join(work, "body.jpg")
        with open(jpeg, "wb") as f:
            f.write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(2000))
        model = os.path.join(work, "body.tflite")
        with open(model, "wb") as f:
            f.write(b"\x1c\x00\x00\x00TFL3" + bytes(3000))
        m = url % PORTS["media"]
        after = ["-sS", "-o", "/dev/null", "-w", "%{http_code}"]  # each --next sets its own
        r = curl("--data-binary", "@" + jpeg, "-H", "Content-Type: image/jpeg", m, "--next", *after,
                 "--data-binary", "@" + model, "-H", "Content-Type: application/octet-stream", m,
                 "--next", *after, "-X", "PUT", "--data-binary", "@" + model,
                 m + "?partNumber=1&uploadId=abc")
        T.check("media: curl uploaded an image, a model and a multipart part",
                r.returncode == 0 and r.stdout == "200200200", (r.stdout, r.stderr))
        g = git_push(work, "http://%s:%d/repo.git" % (T.PEER4, PORTS["git"]))
        T.check("git: pushed over smart HTTP", g.returncode == 0, g.stderr)
        send_raw(PORTS["gbt"], b"".join(gbt32960_realtime(VINS[0], [TRACK[i]]) for i in range(6)))
        send_raw(PORTS["jtt"], b"".join(jtt808_location("013812345678", a, b, serial=i)
                                         for i, (a, b) in enumerate(TRACK)))
        time.sleep(1.5)
        rc = agent.stop()
        T.check("agent exits 0", rc == 0, agent.stderr()[-3000:])
    recs = agent.records()
    errs = T.schema_errors(recs)
    T.check("every record validates against the schema", not errs, errs[:2])

    for scen in ("json", "gzip", "chunked", "form"):
        r = final_to(recs, PORTS[scen])
        if not T.check("%s: one final record" % scen, r is not None):
            continue
        c = cats(r)
        for cat, (m, s) in EXPECT.items():
            got = c.get(cat)
            T.check("%s: %s matches %d, people %d" % (scen, cat, m, s),
                    got is not None and got["matches_total"] == m and got["subjects_total"] == s
                    and got["via"] == "content", got)
        T.check("%s: inspection complete over every byte sent" % scen,
                T.field(r, "egresswatch.inspection.status") == "complete" and
                T.field(r, "egresswatch.inspection.bytes") == r["egresswatch"]["bytes_out_total"],
                r["egresswatch"].get("inspection"))
    r = final_to(recs, PORTS["json"]) or {}
    T.check("json: the policy labels curl's flow cabin_media (via workload)",
            cats(r).get("cabin_media", {}).get("via") == "workload", cats(r))
    T.check("json: the policy labels the peer hd_map (via destination, important data)",
            cats(r).get("hd_map", {}).get("via") == "destination" and
            cats(r)["hd_map"]["class"] == "important_data", cats(r))
    r = final_to(recs, PORTS["gbt"]) or {}
    T.check("gbt: python3 is no labelled workload", "cabin_media" not in cats(r), cats(r))
    r = final_to(recs, PORTS["media"]) or {}
    c = cats(r)
    T.check("media: one image (exterior_media), by its Content-Type",
            c.get("exterior_media", {}).get("matches_total") == 1, c)
    T.check("media: two model files (adas_model) by their bytes",
            c.get("adas_model", {}).get("matches_total") == 2, c)
    T.check("media: one S3 multipart part (test_scenario)",
            c.get("test_scenario", {}).get("matches_total") == 1, c)
    r = final_to(recs, PORTS["nothing"])
    T.check("nothing: no category from near-misses",
            r is not None and not [c for c in cats(r).values() if c["via"] == "content"], r and cats(r))
    r = final_to(recs, PORTS["git"]) or {}
    push = [x for x in T.flows(recs, destination__port=PORTS["git"], network__direction="egress")
            if "source_code" in cats(x)]
    T.check("git: the push carries source_code (important data)",
            push and cats(push[0])["source_code"]["class"] == "important_data", [cats(x) for x in
                                                                                 T.flows(recs, destination__port=PORTS["git"])])
    r = final_to(recs, PORTS["gbt"])
    c = cats(r) if r else {}
    T.check("gbt: 6 frames of vehicle_telemetry from one vehicle",
            c.get("vehicle_telemetry", {}).get("matches_total") == 6 and
            c.get("vehicle_telemetry", {}).get("subjects_total") == 1, c)
    T.check("gbt: the frames' VIN is one person", c.get("vin", {}).get("subjects_total") == 1, c)
    T.check("gbt: 6 positions make a trajectory", c.get("trajectory", {}).get("matches_total") == 6, c)
    r = final_to(recs, PORTS["jtt"])
    c = cats(r) if r else {}
    T.check("jtt: 6 location reports of vehicle_telemetry",
            c.get("vehicle_telemetry", {}).get("matches_total") == 6, c)
    T.check("jtt: 6 positions make a trajectory", c.get("trajectory", {}).get("matches_total") == 6, c)

    # Replay gives the same categories: they are in the capture as derived events.
    rep = os.path.join(work, "replay")
    p = subprocess.run([T.egresswatch(), "replay", capture, "--data-dir", rep, "--config", cfg,
                        "--policy", policy],
                       capture_output=True, text=True)
    T.check("replay exits 0", p.returncode == 0, p.stderr[-2000:])
    live = sorted(json.dumps(cats(x), sort_keys=True) for x in T.flows(recs) if x["egresswatch"]["final"])
    again = sorted(json.dumps(cats(x), sort_keys=True) for x in T.flows(T.read_records(rep))
                   if x["egresswatch"]["final"])
    T.check("replay gives every flow the same categories", live == again)

    # No raw identifier in anything the agent wrote: records (gzip'd too), metrics, capture, logs.
    needles = [x.encode() for x in RAW] + [json.dumps(p)[1:-1].encode() for p in PLATES]
    leaks = T.raw_leaks(work, needles, lambda path: path.startswith((os.path.join(work, "src"), git_root))
                        or os.path.basename(path).startswith("body."))
    T.check("no raw identifier in any file the agent wrote", not leaks, leaks[:5])
    return T.done(work)


if __name__ == "__main__":
    sys.exit(main())
