#!/usr/bin/python3
"""Peers for test_bytes.py, run inside the test's network namespace.

sniff IFACE OUT: count, per TCP direction seen on IFACE, the payload bytes on
the wire, each sequence number once (a retransmission adds nothing), and the
highest payload byte the other side acknowledged; written to OUT as JSON on
SIGTERM. An AF_PACKET socket sees each frame as the namespace's side of the
veth got or sent it: GSO frames whole, so the IP length, not the frame, says
how much payload there is.

reset-server ADDR PORT READ: accept, read READ bytes, then close with unread
data and SO_LINGER 0, so the kernel answers with a reset while the client is
still sending.

tls-server ADDR PORT CERT KEY REPLY: answer a request with REPLY bytes, send
close_notify and close at once, without waiting for the client's: its
close_notify arrives at a closed socket, which answers with a reset. (openssl
s_server waits up to half a second for the peer's, so it acknowledges it.)
"""
import json
import signal
import socket
import ssl
import struct
import sys

ETH_P_ALL = 0x0003
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
SOL_PACKET, PACKET_STATISTICS = 263, 6
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
MOD = 1 << 32


class Direction:
    """One direction of one connection: its payload as ranges of sequence
    space relative to the byte after the SYN."""

    def __init__(self):
        self.isn = None  # sequence number of the SYN
        self.base_from_syn = False
        self.ranges = []
        self.wire = 0  # payload bytes on the wire, retransmissions included
        self.segments = 0
        self.flags = 0
        self.max_ack = None  # the peer's highest ACK, relative like the ranges

    def rel(self, seq):
        return (seq - self.isn - 1) % MOD

    def unique(self):
        total, end = 0, 0
        for a, b in sorted(self.ranges):
            if b <= end:
                continue
            total += b - max(a, end)
            end = b
        return total


def parse(frame):
    """(src, sport, dst, dport, seq, ack, flags, payload length) of a TCP frame, else None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if etype == ETH_P_IP:
        ihl = (frame[off] & 0x0F) * 4
        if frame[off + 9] != 6:
            return None
        tot = struct.unpack_from("!H", frame, off + 2)[0]
        src, dst = socket.inet_ntop(socket.AF_INET, frame[off + 12:off + 16]), \
            socket.inet_ntop(socket.AF_INET, frame[off + 16:off + 20])
        ip_end = off + tot if tot else len(frame)
        off += ihl
    elif etype == ETH_P_IPV6:
        if frame[off + 6] != 6:  # no extension headers in these tests
            return None
        plen = struct.unpack_from("!H", frame, off + 4)[0]
        src, dst = socket.inet_ntop(socket.AF_INET6, frame[off + 8:off + 24]), \
            socket.inet_ntop(socket.AF_INET6, frame[off + 24:off + 40])
        ip_end = off + 40 + plen if plen else len(frame)
        off += 40
    else:
        return None
    sport, dport, seq, ack, doff_flags = struct.unpack_from("!HHIIH", frame, off)
    doff = (doff_flags >> 12) * 4
    return src, sport, dst, dport, seq, ack, doff_flags & 0x3F, max(0, min(ip_end, len(frame)) - off - doff)


def sniff(iface, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind((iface, 0))
    s.settimeout(0.1)
    dirs = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    print("ready", flush=True)
    while True:
        try:
            frame = s.recv(1 << 18)
        except socket.timeout:
            if stop:
                break
            continue
        except InterruptedError:
            continue
        p = parse(frame)
        if not p:
            continue
        src, sport, dst, dport, seq, ack, flags, n = p
        key = "%s %d %s %d" % (src, sport, dst, dport)
        d = dirs.setdefault(key, Direction())
        d.flags |= flags
        if flags & SYN:
            d.isn = seq
            d.base_from_syn = True
        elif d.isn is None:
            d.isn = (seq - 1) % MOD  # SYN not seen: count from here
        start = d.rel(seq + (1 if flags & SYN else 0))
        if n:
            d.ranges.append((start, start + n))
            d.wire += n
            d.segments += 1
        # A reset's ACK field acknowledges nothing to the sender's TCP.
        if flags & ACK and not flags & RST:
            rev = dirs.get("%s %d %s %d" % (dst, dport, src, sport))
            if rev is not None and rev.isn is not None:
                a = rev.rel(ack)
                if a < MOD // 2 and (rev.max_ack is None or a > rev.max_ack):
                    rev.max_ack = a
    stats = s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
    packets, drops = struct.unpack("II", stats)
    res = {"drops": drops, "flows": {}}
    for key, d in dirs.items():
        res["flows"][key] = {"unique": d.unique(), "wire": d.wire, "segments": d.segments,
                             "syn": d.base_from_syn, "fin": bool(d.flags & FIN), "rst": bool(d.flags & RST),
                             "acked": d.max_ack}
    with open(out, "w") as f:
        json.dump(res, f)


def reset_server(addr, port, want):
    srv = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    print("ready", flush=True)
    while True:
        c, _ = srv.accept()
        got = 0
        while got < want:
            b = c.recv(want - got)
            if not b:
                break
            got += len(b)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()


def tls_server(addr, port, cert, key, reply):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    print("ready", flush=True)
    body = b"s" * reply
    while True:
        c, _ = srv.accept()
        try:
            t = ctx.wrap_socket(c, server_side=True)
            data = b""
            while b"\r\n\r\n" not in data:
                b = t.recv(4096)
                if not b:
                    break
                data += b
            t.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            t.setblocking(False)
            try:
                t.unwrap()  # sends close_notify; the peer's would block: not waited for
            except ssl.SSLWantReadError:
                pass
            t.close()
        except (OSError, ssl.SSLError):
            c.close()


if __name__ == "__main__":
    if sys.argv[1] == "sniff":
        sniff(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "reset-server":
        reset_server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "tls-server":
        tls_server(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]))
    else:
        sys.exit("usage: bytes_peer.py sniff IFACE OUT | reset-server ADDR PORT READ"
                 " | tls-server ADDR PORT CERT KEY REPLY")
