#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""egresswatch check-policy, the real binary: a file with five mistakes gets
all five with their JSON paths and exit 1; the shipped policy and the full
example exit 0; a missing file or a bad option exit 2."""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("EW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EW = sys.argv[1]


def run(*args):
    p = subprocess.run([EW, "check-policy", *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def main():
    ok = True
    five = os.path.join(SRC, "tests", "data", "policy", "five_errors.json")
    rc, out, _ = run("--json", five)
    doc = json.loads(out)
    paths = [e["path"] for e in doc["errors"]]
    want = ["$.ciio", "$.channels[0].route", "$.channels[1].countries[0]",
            "$.channels[1].valid_until", "$.exemptions[0].colour"]
    if rc != 1 or paths != want or doc["valid"]:
        print("five_errors: rc %d, paths %s" % (rc, paths))
        ok = False
    if not any(w["path"] == "$.exemptions[0]" for w in doc["warnings"]):
        print("five_errors: no warning for the exemption without a reference")
        ok = False
    rc, _, err = run(five)
    lines = [l for l in err.splitlines() if ": $." in l and "warning" not in l]
    if rc != 1 or len(lines) != 5 or not all(l.startswith(five + ": $.") for l in lines):
        print("five_errors text: rc %d\n%s" % (rc, err))
        ok = False
    for f in (os.path.join(SRC, "deploy", "policy.json"),
              os.path.join(SRC, "tests", "data", "policy", "channels.json")):
        rc, out, err = run("--taxonomy", os.path.join(SRC, "deploy", "taxonomy.json"),
                           "--today", "2026-06-01", f)
        if rc != 0 or "valid" not in out:
            print("%s: rc %d %s %s" % (f, rc, out, err))
            ok = False
    # expiry warning with --today after a channel's valid_until
    rc, out, err = run("--today", "2027-01-05",
                       os.path.join(SRC, "tests", "data", "policy", "channels.json"))
    if rc != 0 or 'channel "sc-jp-service" has expired' not in err:
        print("expired: rc %d %s" % (rc, err))
        ok = False
    # an id the taxonomy lacks is a warning with --taxonomy, nothing without
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"version": 1, "channels": [
            {"id": "c", "route": "certification", "reference": "R", "countries": ["SG"],
             "categories": ["vinn"], "valid_from": "2026-01-01", "valid_until": "2030-01-01"}]}, f)
    try:
        rc, out, err = run("--json", "--taxonomy", os.path.join(SRC, "deploy", "taxonomy.json"),
                           f.name)
        doc = json.loads(out)
        if rc != 0 or not any('"vinn"' in w["message"] for w in doc["warnings"]):
            print("unknown category: rc %d %s" % (rc, out))
            ok = False
        rc, out, err = run("--json", "--today", "2026-06-01", f.name)
        if rc != 0 or json.loads(out)["warnings"]:
            print("no taxonomy: rc %d %s" % (rc, out))
            ok = False
    finally:
        os.unlink(f.name)
    # enforcement: a command line alone cannot be enforced (error), beside an
    # executable it is left to the kernel's other selectors (warning)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"version": 1, "workloads": [
            {"name": "cmd", "command_line": "python3 /srv/*", "enforce": True, "categories": ["vin"]},
            {"name": "mixed", "executable": "/opt/x/bin/*", "command_line": "x *", "enforce": True,
             "categories": ["vin"]}]}, f)
    try:
        rc, out, err = run("--json", f.name)
        doc = json.loads(out)
        if rc != 1 or [e["path"] for e in doc["errors"]] != ["$.workloads[0].enforce"] or \
                "cannot be enforced in the kernel" not in doc["errors"][0]["message"]:
            print("enforce command_line only: rc %d %s" % (rc, out))
            ok = False
    finally:
        os.unlink(f.name)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"version": 1, "workloads": [
            {"name": "mixed", "executable": "/opt/x/bin/*", "command_line": "x *", "enforce": True,
             "categories": ["vin"]}]}, f)
    try:
        rc, out, err = run("--json", f.name)
        doc = json.loads(out)
        if rc != 0 or [w["path"] for w in doc["warnings"]] != ["$.workloads[0].enforce"]:
            print("enforce beside command_line: rc %d %s" % (rc, out))
            ok = False
    finally:
        os.unlink(f.name)
    if run("/nonexistent/policy.json")[0] != 2 or run("--bogus", five)[0] != 2 or run()[0] != 2:
        print("usage/IO errors must exit 2")
        ok = False
    rc, out, _ = run("--help")
    if rc != 0 or "check-policy" not in out:
        print("--help")
        ok = False
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
