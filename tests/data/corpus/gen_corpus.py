#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the labelled corpus of the content stage's recognisers: one file
per category, <id>.tsv, each line "LABELS<TAB>TEXT" where LABELS are the
category ids the text holds (comma-separated) or "-" for a near miss that
holds none. Check digits are computed here, independently of the C
validators, from the rules in REGULATION.md. Deterministic (fixed seed):
  ./gen_corpus.py [DIR]        (default: this script's directory)"""
import os
import random
import sys

R = random.Random(20261201)
N = 300  # positives, and as many near misses, per category

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
VIN_VAL = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ",
                   [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"  # ISO 3779 model-year codes
WMIS = ["LSV", "LFV", "LGW", "LVS", "LHG", "LDC", "LRW", "LNB", "LGX", "LBV", "LE4", "WDB",
        "WBA", "WVW", "1FA", "1G1", "JHM", "5YJ", "KMH", "VF1"]


def vin_check(s):
    t = sum((int(c) if c.isdigit() else VIN_VAL[c]) * w for c, w in zip(s, VIN_W)) % 11
    return "X" if t == 10 else str(t)


def vin():
    s = R.choice(WMIS) + "".join(R.choice(VIN_CHARS) for _ in range(5)) + "0" + \
        R.choice(YEARS) + R.choice(VIN_CHARS) + "".join(R.choice("0123456789") for _ in range(6))
    return s[:8] + vin_check(s) + s[9:]


def vin_bad_check():
    v = vin()
    c = R.choice([d for d in "0123456789X" if d != v[8]])
    return v[:8] + c + v[9:]


PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SUF = "挂学警港澳使领"
PL = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIG = "0123456789"


def esc(ch):
    return "\\u%04x" % ord(ch) if R.random() < 0.5 else "\\u%04X" % ord(ch)


def plate(escape=False):
    p = R.choice(PROV)
    kind = R.random()
    letter = R.choice(PL)
    if kind < 0.5:
        body = [R.choice(DIG) for _ in range(5)]
        for i in R.sample(range(5), R.choice([0, 1, 2])):
            body[i] = R.choice(PL)
        tail = "".join(body)
    elif kind < 0.65:
        tail = "".join(R.choice(DIG) for _ in range(4)) + (esc if escape else str)(R.choice(SUF))
    elif kind < 0.85:
        tail = R.choice("DF") + R.choice(PL + DIG) + "".join(R.choice(DIG) for _ in range(4))
    else:
        tail = "".join(R.choice(DIG) for _ in range(5)) + R.choice("DF")
    return (esc(p) if escape else p) + letter + tail


def mobile():
    return "1" + R.choice("3456789") + "".join(R.choice(DIG) for _ in range(9))


ID_PROV = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
           50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_check(s):
    return "10X98765432"[sum(int(c) * w for c, w in zip(s, ID_W)) % 11]


def id_number(y=None, m=None, d=None, prov=None):
    y = y or R.randint(1930, 2010)
    m = m or R.randint(1, 12)
    d = d or R.randint(1, 28)
    s = "%02d%04d%04d%02d%02d%03d" % (prov or R.choice(ID_PROV), R.randint(100, 9999), y, m, d,
                                      R.randint(0, 999))
    return s + id_check(s)


def ctx_value(key, v):
    """A value in one of the places traffic carries it."""
    return R.choice([
        '{"%s":"%s","ts":%d}' % (key, v, R.randint(1600000000, 1800000000)),
        'POST /api/v1/report?%s=%s&seq=%d HTTP/1.1' % (key, v, R.randint(1, 99999)),
        '%s: %s' % (key, v),
        '记录 %s：%s，已上报' % (key, v),
        'row,%d,%s,ok' % (R.randint(1, 999), v),
        '<%s>%s</%s>' % (key, v, key),
    ])


def hexs(n, upper=False):
    s = "".join(R.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def digits(n):
    return R.choice("123456789") + "".join(R.choice(DIG) for _ in range(n - 1))


def with_ioq(v):
    i = R.randrange(17)
    return v[:i] + R.choice("IOQ") + v[i + 1:]


def vin_lines():
    pos = [("vin", ctx_value(R.choice(["vin", "VIN", "frame_no", "车架号"]), vin())) for _ in range(N)]
    neg = []
    gens = [
        lambda: ctx_value("sha1", hexs(40)),
        lambda: ctx_value("digest", hexs(64, True)),
        lambda: ctx_value("commit", hexs(17)),                      # a 17-character hash
        lambda: ctx_value("token", hexs(17, True)),                 # one in capitals
        lambda: ctx_value("order", "ORD" + vin()),                  # VIN-shaped window
        lambda: ctx_value("order_no", vin() + digits(3)),
        lambda: ctx_value("trace", "T" + hexs(24, True)),
        lambda: ctx_value("value", "0." + digits(17)),               # 17-digit float
        lambda: ctx_value("value", digits(2) + "." + digits(17)),
        lambda: ctx_value("vin", vin_bad_check()),                  # bad check digit
        lambda: ctx_value("vin", vin()[:16]),
        lambda: ctx_value("vin", with_ioq(vin())),
        lambda: ctx_value("vin", vin()[:5] + "O" + vin()[6:]),
        lambda: ctx_value("isbn", "978" + digits(10)),
        lambda: ctx_value("n", digits(17)),
        lambda: ctx_value("uuid", "%s-%s-%s-%s-%s" % (hexs(8), hexs(4), hexs(4), hexs(4), hexs(12))),
    ]
    while len(neg) < N:
        neg.append(("-", R.choice(gens)()))
    return pos + neg


def plate_lines():
    pos = []
    for _ in range(N):
        e = R.random() < 0.4
        p = plate(e)
        pos.append(("licence_plate", ctx_value(R.choice(["plate", "plate_no", "车牌"]), p)))
    neg = []

    def with_io():
        p = plate()
        i = R.randrange(len(p) - 4, len(p))
        return p[:i] + R.choice("IO") + p[i + 1:] if p[-1] not in SUF else p[:3] + "I" + p[4:]

    gens = [
        lambda: ctx_value("plate", with_io()),
        lambda: ctx_value("plate", R.choice(PROV) + "I" + "".join(R.choice(DIG) for _ in range(5))),
        lambda: ctx_value("plate", R.choice("台港澳北上中") + R.choice(PL) + "".join(R.choice(DIG) for _ in range(5))),
        lambda: ctx_value("plate", "\\u53f0" + R.choice(PL) + "".join(R.choice(DIG) for _ in range(5))),
        lambda: ctx_value("plate", R.choice(PROV) + R.choice(PL) + "".join(R.choice(DIG) for _ in range(4))),
        lambda: ctx_value("plate", R.choice(PROV) + R.choice(PL) + "".join(R.choice(DIG) for _ in range(7))),
        lambda: ctx_value("plate", R.choice(PROV) + R.choice(PL).lower() + "".join(R.choice(DIG) for _ in range(5))),
        lambda: ctx_value("plate", R.choice(PROV) + R.choice(PL) + R.choice("LMNPRSTUVWXYZ") + "".join(R.choice(DIG) for _ in range(4)) + R.choice("LMNPRSTUVWXYZ")),
        lambda: "%s%sSERVER 集群" % (R.choice(PROV), "".join(R.choice("ABCDEFGHJKLMN") for _ in range(6))),
        lambda: ctx_value("city", R.choice(PROV) + "A区" + digits(5)),
    ]
    while len(neg) < N:
        neg.append(("-", R.choice(gens)()))
    return pos + neg


def mobile_lines():
    pos = []
    for _ in range(N):
        m = mobile()
        v = R.choice([m, "+86 " + m, "+86-" + m, m])
        pos.append(("mobile_number", ctx_value(R.choice(["phone", "mobile", "tel", "手机"]), v)))
    neg = []
    gens = [
        lambda: ctx_value("phone", "+86" + mobile()),                # inside a longer run
        lambda: ctx_value("order", digits(8) + mobile()),
        lambda: ctx_value("n", mobile() + digits(3)),
        lambda: ctx_value("phone", "1" + R.choice("012") + digits(9)),
        lambda: ctx_value("phone", mobile()[:10]),
        lambda: ctx_value("x", "0." + mobile()),                    # decimal fraction
        lambda: ctx_value("ts", "17" + digits(11)),                  # epoch milliseconds
        lambda: ctx_value("isbn", "978" + digits(10)),
        lambda: ctx_value("isbn", "978-7-%d-%05d-%d" % (R.randint(100, 999), R.randint(0, 99999), R.randint(0, 9))),
        lambda: ctx_value("landline", "010-" + digits(8)),
        lambda: ctx_value("value", digits(2) + "." + digits(17)),
    ]
    while len(neg) < N:
        neg.append(("-", R.choice(gens)()))
    return pos + neg


def id_lines():
    pos = []
    for _ in range(N):
        v = id_number()
        if v[-1] == "X" and R.random() < 0.5:
            v = v[:-1] + "x"
        pos.append(("id_number", ctx_value(R.choice(["id_card", "idNo", "身份证号"]), v)))
    neg = []

    def bad_check():
        v = id_number()
        return v[:-1] + R.choice([c for c in "0123456789X" if c != v[-1]])

    def bad_date():
        y, m, d = R.choice([(1899, 5, 5), (2099, 1, 1), (1990, 2, 30), (1990, 13, 1),
                            (1990, 0, 10), (1990, 4, 31), (1990, 6, 0), (1991, 2, 29),
                            (1900, 2, 29), (2100, 1, 1)])
        s = "%02d%04d%04d%02d%02d%03d" % (R.choice(ID_PROV), R.randint(100, 9999), y, m, d,
                                          R.randint(0, 999))
        return s + id_check(s)

    def bad_prov():
        s = "%02d%04d%04d%02d%02d%03d" % (R.choice([10, 16, 20, 24, 38, 47, 55, 66, 72, 80, 83, 99]),
                                          R.randint(100, 9999), R.randint(1930, 2010),
                                          R.randint(1, 12), R.randint(1, 28), R.randint(0, 999))
        return s + id_check(s)

    gens = [
        lambda: ctx_value("id_card", bad_check()),
        lambda: ctx_value("id_card", bad_date()),
        lambda: ctx_value("id_card", bad_prov()),
        lambda: ctx_value("id_card", id_number()[:17]),
        lambda: ctx_value("n", digits(2) + id_number()),
        lambda: ctx_value("n", id_number()[:-1] + digits(3)),
        lambda: ctx_value("v", "0." + id_number()[:-1] + "1"),
        lambda: ctx_value("isbn", "978" + digits(10)),
        lambda: ctx_value("sn", digits(18)),
    ]
    while len(neg) < N:
        neg.append(("-", R.choice(gens)()))
    return pos + neg


KEYS = [("lat", "lon"), ("latitude", "longitude"), ("lat", "lng"), ("Lat", "Lng"),
        ("LATITUDE", "LONGITUDE")]


def track(n, box, decimals=(4, 7), keys=None, quote=False):
    k = keys or R.choice(KEYS)
    pts = []
    for _ in range(n):
        la = round(R.uniform(*box[0]), R.randint(*decimals))
        lo = round(R.uniform(*box[1]), R.randint(*decimals))
        dl = len(repr(la).split(".")[1])
        dn = len(repr(lo).split(".")[1])
        la_s = "%.*f" % (max(dl, decimals[0]), la)
        lo_s = "%.*f" % (max(dn, decimals[0]), lo)
        if quote:
            la_s, lo_s = '"%s"' % la_s, '"%s"' % lo_s
        if R.random() < 0.5:
            pts.append('{"%s":%s,"%s":%s,"speed":%d}' % (k[0], la_s, k[1], lo_s, R.randint(0, 120)))
        else:
            pts.append('{"%s": %s, "%s": %s}' % (k[1], lo_s, k[0], la_s))
    return '{"vehicle":"v%d","points":[%s]}' % (R.randint(1, 999), ",".join(pts))


CHINA = ((22.0, 45.0), (85.0, 125.0))


def traj_lines():
    pos = [("trajectory", track(R.randint(5, 12), CHINA, quote=R.random() < 0.2)) for _ in range(N)]
    neg = []
    gens = [
        lambda: track(R.randint(5, 12), ((30.0, 48.0), (-122.0, -75.0))),   # United States
        lambda: track(R.randint(5, 12), ((45.0, 55.0), (0.5, 15.0))),       # Europe
        lambda: track(R.randint(5, 12), ((34.0, 36.0), (138.0, 140.0))),    # Tokyo: east of the box
        lambda: track(R.randint(5, 12), ((-35.0, -20.0), (115.0, 135.0))),  # Australia
        lambda: track(R.randint(5, 12), CHINA, decimals=(2, 3)),           # too coarse
        lambda: track(R.randint(1, 4), CHINA),                             # too few points
        lambda: track(R.randint(5, 12), CHINA, keys=("x", "y")),           # not coordinate keys
        lambda: '{"samples":[%s]}' % ",".join('{"lat":%.5f}' % R.uniform(22, 45) for _ in range(8)),
        lambda: track(R.randint(5, 12), ((56.0, 70.0), (90.0, 120.0))),     # north of the box
    ]
    while len(neg) < N:
        neg.append(("-", R.choice(gens)()))
    return pos + neg


def mixed_lines():
    out = []
    for _ in range(100):
        rec = '{"vin":"%s","plate":"%s","driver_phone":"%s","driver_id":"%s","track":%s}' % (
            vin(), plate(R.random() < 0.5), mobile(), id_number(), track(R.randint(5, 8), CHINA))
        out.append(("vin,licence_plate,mobile_number,id_number,trajectory", rec))
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, lines in [("vin", vin_lines()), ("licence_plate", plate_lines()),
                        ("mobile_number", mobile_lines()), ("id_number", id_lines()),
                        ("trajectory", traj_lines()), ("mixed", mixed_lines())]:
        with open(os.path.join(d, name + ".tsv"), "w", encoding="utf-8") as f:
            for label, text in lines:
                assert "\t" not in text and "\n" not in text
                f.write("%s\t%s\n" % (label, text))


if __name__ == "__main__":
    main()
