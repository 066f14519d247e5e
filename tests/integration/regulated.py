"""Regulated data for the content tests: identifiers that pass their
validators (check digits computed here), a track inside China, a JSON body
holding them, and near-misses that must match nothing. Synthetic: no real
person's data."""
import json

from telematics import vin_with_check


def id_number(prefix17):
    """An 18-character resident ID number with its ISO 7064 MOD 11-2 check."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return prefix17 + "10X98765432"[sum(int(c) * k for c, k in zip(prefix17, w)) % 11]


VINS = [vin_with_check("LSVAB4BR0EN123456"), vin_with_check("LFV2A21K0A4123457"),
        vin_with_check("LGWEF4A50BH654321")]
PLATES = ["京A12345", "沪AD12345"]
IDN = id_number("11010519800101123")
MOBILE = "13812345678"
TRACK = [(31.2304 + i * 0.0011, 121.4737 + i * 0.0013) for i in range(6)]
RAW = VINS + PLATES + [IDN, MOBILE]
# What body_json() holds: category -> (matches, people)
EXPECT = {"vin": (4, 3), "licence_plate": (2, 2), "id_number": (1, 1), "mobile_number": (1, 1),
          "trajectory": (6, 0)}


def track_json():
    """Six decimals each, as a tracker writes them (json.dumps drops trailing zeros)."""
    return "[%s]" % ", ".join('{"lat": %.6f, "lon": %.6f}' % p for p in TRACK)


def body_json():
    recs = [{"vin": VINS[0], "plate": PLATES[0], "owner_id": IDN, "phone": MOBILE},
            {"vin": VINS[1], "plate": PLATES[1]}, {"vin": VINS[2]}, {"vin": VINS[0]}]
    # ensure_ascii: the plates' province characters travel as JSON \\u escapes
    return ('{"records": %s, "track": %s}' % (json.dumps(recs, ensure_ascii=True),
                                               track_json())).encode()


def near_misses():
    return ("order 1234567890ABCDEFG hash 0123456789abcdef0 float 0.12345678901234567 "
            "isbn 978-3-16-148410-0 id 110105198013011234 plate 京I12345 coord "
            "{\"lat\": 48.8566, \"lon\": 2.3522}").encode()
