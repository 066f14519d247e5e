#!/usr/bin/env python3
"""Test peers: an HTTP-ish TCP server and a UDP echo, each logging exact byte
counts per connection as JSON lines, so tests compare the agent's numbers with
what really crossed the socket. Also a TCP client with the same framing."""
import argparse
import json
import socket
import sys
import threading


def log(path, obj):
    with open(path, "a") as f:
        f.write(json.dumps(obj) + "\n")


def read_request(conn):
    """Read headers and a Content-Length body; return bytes received."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return len(data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    got = len(body)
    while got < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    return len(head) + 4 + got


def serve_tcp(args):
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.addr, args.port))
    srv.listen(128)
    print("ready", flush=True)
    body = b"r" * args.reply

    def handle(conn, peer):
        try:
            received = read_request(conn)
            resp = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
            conn.sendall(resp)
            # Server closes first, as the benchmark in KERNEL-NOTES does.
            conn.close()
            log(args.log, {"peer_ip": peer[0], "peer_port": peer[1], "recv": received, "sent": len(resp)})
        except OSError as e:
            log(args.log, {"peer_port": peer[1], "error": str(e)})

    while True:
        conn, peer = srv.accept()
        threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


def serve_udp(args):
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(b"u" * args.reply, peer)
        log(args.log, {"peer_ip": peer[0], "peer_port": peer[1], "recv": len(data), "sent": args.reply})


def client_tcp(args):
    """POST a body of --size bytes; print what was sent and received."""
    fam = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.connect((args.addr, args.port))
    req = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % args.size + b"b" * args.size
    s.sendall(req)
    got = 0
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    local = s.getsockname()
    s.close()
    print(json.dumps({"sent": len(req), "recv": got, "local_port": local[1]}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["tcp", "udp", "client"])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--log", default="/dev/null")
    p.add_argument("--reply", type=int, default=1234)
    p.add_argument("--size", type=int, default=1000)
    args = p.parse_args()
    {"tcp": serve_tcp, "udp": serve_udp, "client": client_tcp}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
