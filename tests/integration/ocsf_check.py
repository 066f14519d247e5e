"""Checks a JSON object against tests/data/ocsf/network_activity_1.3.0.required
(the OCSF 1.3.0 Network Activity rules and where each comes from are in
that file): the list of rules it breaks."""
import os

RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "ocsf",
                     "network_activity_1.3.0.required")
_MISSING = object()


def _at(obj, path):
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def errors(obj):
    bad = []
    with open(RULES) as f:
        rules = [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    for r in rules:
        op, path = r[0], r[1]
        v = _at(obj, path)
        if op == "required" and v is _MISSING:
            bad.append("required " + path)
        elif op == "equal" and v != int(r[2]):
            bad.append("%s must be %s, is %r" % (path, r[2], v))
        elif op == "enum" and v is not _MISSING and v not in [int(x) for x in r[2].split(",")]:
            bad.append("%s: %r not in %s" % (path, v, r[2]))
        elif op == "one" and isinstance(v, dict) and not any(k in v for k in r[2].split(",")):
            bad.append("%s needs one of %s" % (path, r[2]))
        elif op == "if" and isinstance(v, dict) and r[2] not in v:
            bad.append("%s needs %s" % (path, r[2]))
        elif op == "each" and isinstance(v, list) and not all(
                isinstance(e, dict) and r[2] in e for e in v):
            bad.append("every %s needs %s" % (path, r[2]))
        elif op == "profile" and path in (_at(obj, "metadata.profiles") or []) and \
                _at(obj, r[2]) is _MISSING:
            bad.append("profile %s needs %s" % (path, r[2]))
    return bad
