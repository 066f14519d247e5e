#!/usr/bin/python3
"""egresswatch classify through its command line (no root): the recognisers
and decoders over files and standard input, text and --json output,
--show-matches and its warning, and the errors for bad input."""
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from regulated import EXPECT, RAW, TRACK, VINS, body_json, near_misses  # noqa: E402
from telematics import gbt32960_realtime, jtt808_location  # noqa: E402

EW = os.environ.get("EGRESSWATCH", os.path.join(SRC, "build", "agent", "egresswatch"))
TAX = os.path.join(SRC, "deploy", "taxonomy.json")
failures = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "FAIL - ") + name + ("" if cond else ": " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)


def classify(*args, stdin=None):
    return subprocess.run([EW, "classify", "--taxonomy", TAX] + list(args), input=stdin,
                          capture_output=True)


def cats(out):
    return {c["id"]: c for c in json.loads(out)["categories"]}


def main():
    work = tempfile.mkdtemp(prefix="ewcl-")
    body = body_json()
    files = {
        "body.json": body,
        "post.http": b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body,
        "gzip.http": b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"
                     % (len(gzip.compress(body)), gzip.compress(body)),
        "gbt.bin": b"".join(gbt32960_realtime(VINS[0], [p]) for p in TRACK),
        "jtt.bin": b"".join(jtt808_location("013812345678", a, b, serial=i) for i, (a, b) in enumerate(TRACK)),
        "near.txt": near_misses(),
    }
    for name, data in files.items():
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)
    for name in ("body.json", "post.http", "gzip.http"):
        r = classify("--json", os.path.join(work, name))
        got = cats(r.stdout) if r.returncode == 0 else {}
        for cat, (m, s) in EXPECT.items():
            c = got.get(cat, {})
            check("%s: %s matches %d, people %d" % (name, cat, m, s),
                  c.get("matches") == m and c.get("subjects") == s, (r.returncode, r.stderr, got))
        check("%s: no raw identifier printed without --show-matches" % name,
              not any(x.encode() in r.stdout + r.stderr for x in RAW))
    r = classify("--json", os.path.join(work, "gbt.bin"))
    c = cats(r.stdout)
    check("gbt.bin: 6 frames of one vehicle, a 6-point trajectory",
          c.get("vehicle_telemetry", {}).get("matches") == 6 and c["vehicle_telemetry"]["subjects"] == 1
          and c.get("trajectory", {}).get("matches") == 6, c)
    r = classify("--json", os.path.join(work, "jtt.bin"))
    c = cats(r.stdout)
    check("jtt.bin: 6 location reports, a 6-point trajectory",
          c.get("vehicle_telemetry", {}).get("matches") == 6 and c.get("trajectory", {}).get("matches") == 6, c)
    r = classify("--json", os.path.join(work, "near.txt"))
    check("near.txt: near-misses match nothing", r.returncode == 0 and cats(r.stdout) == {}, r.stdout)

    r = classify(stdin=body)
    text = r.stdout.decode()
    check("stdin, text: a line per category with its class and counts",
          r.returncode == 0 and "-:" in text and "vin" in text and "pi" in text and "people 3" in text, text)
    r = classify("--show-matches", os.path.join(work, "body.json"))
    check("--show-matches prints the values and warns on stderr",
          VINS[1].encode() in r.stdout and b"personal data" in r.stderr, (r.stdout[:500], r.stderr))

    r = classify(os.path.join(work, "missing"))
    check("a missing file: exit 1, named", r.returncode == 1 and b"missing" in r.stderr, r.stderr)
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        json.dump({"version": 1, "categories": [{"id": "x", "name_zh": "x", "name_en": "x", "class": "pi",
                                                  "recognisers": [{"pattern": "a", "validator": "nope"}]}]}, f)
    r = subprocess.run([EW, "classify", "--taxonomy", bad, os.path.join(work, "near.txt")], capture_output=True)
    check("a bad taxonomy: exit 2, naming the file and the JSON path",
          r.returncode == 2 and b"bad.json" in r.stderr and b"validator" in r.stderr, r.stderr)
    r = subprocess.run([EW, "classify", "--help"], capture_output=True)
    check("--help describes the command", r.returncode == 0 and b"--show-matches" in r.stdout)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
