#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""deploy/taxonomy.json passes schemas/taxonomy.schema.json, and the schema
refuses what the loader refuses (a sample of it)."""
import copy
import json
import os
import sys

import jsonschema

SRC = os.environ.get("EW_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def main():
    with open(os.path.join(SRC, "schemas", "taxonomy.schema.json")) as f:
        schema = json.load(f)
    with open(os.path.join(SRC, "deploy", "taxonomy.json"), encoding="utf-8") as f:
        doc = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    v = jsonschema.Draft7Validator(schema)
    errors = sorted(v.iter_errors(doc), key=str)
    for e in errors:
        print("deploy/taxonomy.json: %s: %s" % ("/".join(map(str, e.absolute_path)) or "$", e.message))
    ok = not errors
    ids = [c["id"] for c in doc["categories"]]
    if len(ids) != len(set(ids)):
        print("deploy/taxonomy.json: duplicate ids")
        ok = False
    bad = [
        ("class", lambda d: d["categories"][0].update({"class": "secret"})),
        ("id", lambda d: d["categories"][0].update({"id": "Bad-Id"})),
        ("validator", lambda d: d["categories"][0]["recognisers"][0].update({"validator": "isbn"})),
        ("unknown key", lambda d: d["categories"][0].update({"colour": "red"})),
        ("missing name", lambda d: d["categories"][0].pop("name_zh")),
        ("version", lambda d: d.update({"version": 2})),
    ]
    for what, change in bad:
        d = copy.deepcopy(doc)
        change(d)
        if v.is_valid(d):
            print("schema accepts a bad %s" % what)
            ok = False
    print("taxonomy schema: %d categories, %s" % (len(ids), "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
