# SPDX-License-Identifier: GPL-2.0-only
"""Build GB/T 32960.3 and JT/T 808 frames for tests.

GB/T 32960: "##", command, response flag, VIN (17 ASCII), encryption, data
length (2, big-endian), data, BCC (XOR from the command through the data).
Real-time uploads (command 0x02, reissue 0x03) carry a 6-byte time and
information units; vehicle position is unit 0x05: status (bit 0 invalid,
bit 1 south, bit 2 west), longitude and latitude (u32, degrees x 10^6).

JT/T 808: 0x7E, escaped(header, body, XOR check code), 0x7E, with 0x7D ->
0x7D 0x01 and 0x7E -> 0x7D 0x02. Location report 0x0200: alarm (4),
status (4: bit 1 positioned, bit 2 south, bit 3 west), latitude (4),
longitude (4), altitude (2), speed (2), bearing (2), BCD time (6).

Run as a script to rewrite the sample captures in tests/data/telematics/
that tests/unit/content/test_telematics.c reads:
    python3 tests/integration/telematics.py tests/data/telematics
"""
import datetime
import struct
import sys
from pathlib import Path

_VIN_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9,
                                                     2, 3, 4, 5, 6, 7, 8, 9]))
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin_with_check(vin):
    """The VIN with its 9th character set to the ISO 3779 / GB 16735 check digit."""
    assert len(vin) == 17 and not set(vin) & set("IOQ"), vin
    total = sum((int(c) if c.isdigit() else _VIN_VALUES[c]) * w
                for c, w in zip(vin.upper(), _VIN_WEIGHTS))
    check = total % 11
    return vin[:8] + ("X" if check == 10 else str(check)) + vin[9:]


def xor(data):
    x = 0
    for b in data:
        x ^= b
    return x


def _e6(deg):
    return int(round(abs(deg) * 1_000_000))


# --- GB/T 32960 ----------------------------------------------------------------

GBT_LOGIN, GBT_REALTIME, GBT_REISSUE, GBT_LOGOUT, GBT_HEARTBEAT = 0x01, 0x02, 0x03, 0x04, 0x07


def gbt32960_frame(cmd, vin, data, ack=0xFE, enc=0x01):
    """One frame; @vin is 17 characters (str or bytes)."""
    vin = vin.encode("ascii") if isinstance(vin, str) else bytes(vin)
    assert len(vin) == 17 and len(data) <= 65531
    body = bytes([cmd, ack]) + vin + bytes([enc]) + struct.pack(">H", len(data)) + bytes(data)
    return b"##" + body + bytes([xor(body)])


def gbt32960_time(when=None):
    when = when or datetime.datetime(2024, 5, 1, 8, 30, 0)
    return bytes([when.year - 2000, when.month, when.day, when.hour, when.minute, when.second])


def gbt32960_position_unit(lat, lon, valid=True):
    status = (0 if valid else 1) | (2 if lat < 0 else 0) | (4 if lon < 0 else 0)
    return bytes([0x05, status]) + struct.pack(">II", _e6(lon), _e6(lat))


def gbt32960_vehicle_unit(speed_kmh=60.0, mileage_km=12345.6, soc=80):
    """Unit 0x01 (whole vehicle data, 20 bytes)."""
    return bytes([0x01, 0x01, 0x03, 0x01]) + struct.pack(
        ">HIHHBBBHH", int(speed_kmh * 10), int(mileage_km * 10), 3500, 10000, soc, 0x01, 0x0E,
        5000, 0)


def gbt32960_motor_unit(motors=1):
    """Unit 0x02: motor count, then 12 bytes per motor."""
    one = bytes([1, 0x01, 90]) + struct.pack(">HHBHH", 20000 + 3000, 20000 + 150, 80, 3500,
                                             10000)
    return bytes([0x02, motors]) + one * motors


def gbt32960_alarm_unit(faults=()):
    """Unit 0x07: level, general flags, then four fault lists (the first holds @faults)."""
    out = bytes([0x07, 0]) + struct.pack(">I", 0) + bytes([len(faults)])
    out += b"".join(struct.pack(">I", f) for f in faults)
    return out + bytes([0, 0, 0])


def gbt32960_realtime(vin, positions, when=None, reissue=False, units=True):
    """A real-time (or reissue) upload holding one position unit per (lat, lon)."""
    data = gbt32960_time(when)
    if units:
        data += gbt32960_vehicle_unit() + gbt32960_motor_unit()
    for lat, lon in positions:
        data += gbt32960_position_unit(lat, lon)
    if units:
        data += bytes([0x04, 1]) + struct.pack(">HH", 2000, 100)  # engine
        data += bytes([0x06]) + bytes(14) + gbt32960_alarm_unit([0x01020304])
    return gbt32960_frame(GBT_REISSUE if reissue else GBT_REALTIME, vin, data)


def gbt32960_login(vin, serial=1, iccid="89860012345678901234", when=None):
    data = gbt32960_time(when) + struct.pack(">H", serial) + iccid.encode("ascii") + bytes([0, 0])
    return gbt32960_frame(GBT_LOGIN, vin, data)


# --- JT/T 808 ----------------------------------------------------------------

def jtt808_escape(raw):
    return raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def _bcd(digits, nbytes):
    digits = digits.rjust(2 * nbytes, "0")
    assert len(digits) == 2 * nbytes and digits.isdigit(), digits
    return bytes(int(digits[i]) << 4 | int(digits[i + 1]) for i in range(0, len(digits), 2))


def jtt808_frame(msg_id, phone, body, serial=1, version2019=False):
    """One delimited, escaped frame; @phone is a digit string (12 or 20 digits BCD)."""
    assert len(body) <= 1023
    props = len(body) | (0x4000 if version2019 else 0)
    head = struct.pack(">HH", msg_id, props)
    head += (bytes([1]) + _bcd(phone, 10)) if version2019 else _bcd(phone, 6)
    raw = head + struct.pack(">H", serial) + bytes(body)
    raw += bytes([xor(raw)])
    return b"\x7e" + jtt808_escape(raw) + b"\x7e"


def jtt808_location_body(lat, lon, alarm=0, altitude=50, speed_kmh=60.0, bearing=90, when=None,
                         positioned=True):
    when = when or datetime.datetime(2024, 5, 1, 8, 30, 0)
    status = (2 if positioned else 0) | (4 if lat < 0 else 0) | (8 if lon < 0 else 0)
    return struct.pack(">IIIIHHH", alarm, status, _e6(lat), _e6(lon), altitude,
                       int(speed_kmh * 10), bearing) + _bcd(when.strftime("%y%m%d%H%M%S"), 6)


def jtt808_location(phone, lat, lon, serial=1, version2019=False, **kw):
    """A 0x0200 location report."""
    return jtt808_frame(0x0200, phone, jtt808_location_body(lat, lon, **kw), serial, version2019)


# --- samples for the unit tests -------------------------------------------------

SAMPLE_VIN_A = vin_with_check("LSVAU2180N2183294")
SAMPLE_VIN_B = vin_with_check("LFV2A21K0A3012345")
SAMPLE_TRACK = [(39.904211, 116.407395), (39.905123, 116.409876), (31.230416, 121.473701)]


def samples():
    """name -> bytes of the sample captures (see test_telematics.c for what they hold)."""
    gbt = (b"garbage##\x02" + gbt32960_login(SAMPLE_VIN_A)
           + gbt32960_realtime(SAMPLE_VIN_A, SAMPLE_TRACK[:2])
           + b"##\x02\xfe" + b"x" * 30  # a false start
           + gbt32960_realtime(SAMPLE_VIN_B, [SAMPLE_TRACK[2], (-33.868820, -70.123456)],
                               reissue=True))
    # Serial 0x7d7e and a phone ending in 7e force both escapes.
    jtt = (b"\x00\x7e\x7e"
           + jtt808_location("13800138000", *SAMPLE_TRACK[0], serial=0x7d7e)
           + jtt808_location("13912345678", *SAMPLE_TRACK[1], version2019=True, serial=2)
           + b"\x7eno frame\x7e"
           + jtt808_location("13800138000", -33.868820, -70.123456, serial=3)
           + jtt808_frame(0x0002, "13800138000", b"", serial=4))
    return {"gbt32960-sample.bin": gbt, "jtt808-sample.bin": jtt}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/telematics")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in samples().items():
        (out / name).write_bytes(data)
        print(f"{out / name}: {len(data)} bytes")
