#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""deploy/policy.json and the full example tests/data/policy/channels.json
pass schemas/policy.schema.json, and the schema refuses what the loader
refuses (a sample: tests/data/policy/five_errors.json and single mistakes)."""
import copy
import json
import os
import sys

import jsonschema

SRC = os.environ.get("EW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def load(*parts):
    with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
        return json.load(f)


def main():
    schema = load("schemas", "policy.schema.json")
    jsonschema.Draft7Validator.check_schema(schema)
    v = jsonschema.Draft7Validator(schema)
    ok = True
    for parts in (("deploy", "policy.json"), ("tests", "data", "policy", "channels.json"),
                  ("tests", "data", "policy", "labels.json")):
        for e in sorted(v.iter_errors(load(*parts)), key=str):
            print("%s: %s: %s" % ("/".join(parts), "/".join(map(str, e.absolute_path)) or "$",
                                  e.message))
            ok = False
    shipped = load("deploy", "policy.json")
    if shipped.get("channels") or shipped.get("ciio"):
        print("deploy/policy.json: must ship monitor-only: no channels, ciio false")
        ok = False
    five = load("tests", "data", "policy", "five_errors.json")
    # all but 2026-02-30, which a pattern cannot tell from a real date
    n = len(list(v.iter_errors(five)))
    if n != 4:
        print("five_errors.json: the schema found %d errors, not 4" % n)
        ok = False
    base = load("tests", "data", "policy", "channels.json")
    mistakes = [
        ("channels", 0, "route", "security_assesment"),
        ("channels", 0, "valid_until", "2026-13-01"),
        ("channels", 1, "countries", ["jp"]),
        ("channels", 1, "people_cap", 0),
        ("exemptions", 0, "kind", "ota"),
        ("exemptions", 0, "colour", 1),
    ]
    for sec, i, key, val in mistakes:
        doc = copy.deepcopy(base)
        doc[sec][i][key] = val
        if v.is_valid(doc):
            print("schema accepts %s[%d].%s = %r" % (sec, i, key, val))
            ok = False
    doc = copy.deepcopy(base)
    del doc["channels"][2]["domains"]
    if v.is_valid(doc):
        print("schema accepts a channel without a destination")
        ok = False
    doc = copy.deepcopy(base)
    doc["thresholds"]["timezone"] = "Europe/Berlin"
    if v.is_valid(doc):
        print("schema accepts a timezone the loader refuses")
        ok = False
    print("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
