#!/usr/bin/env python3
"""TCP servers in the shapes the owner of an accepted socket must survive:
one process (single), a parent that listens and pre-forked workers that
accept (prefork), and processes that each listen on the same port with
SO_REUSEPORT (reuseport). Each connection: read a line, answer, close first;
one JSON line per connection in LOG says which pid accepted it and from which
peer port. Prints "ready" once every process is accepting."""
import argparse
import json
import os
import signal
import socket
import sys
import time


def listener(addr, port, reuseport=False):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((addr, port))
    s.listen(64)
    return s


def serve(s, log):
    while True:
        conn, peer = s.accept()
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.sendall(b"answered by %d\n" % os.getpid())
        conn.close()
        with open(log, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "peer_port": peer[1]}) + "\n")


def fork_workers(n, fn):
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                fn()
            finally:
                os._exit(0)
        pids.append(pid)
    return pids


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["single", "prefork", "reuseport"])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("log")
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    pids = []

    def stop(*_):
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    if a.mode == "single":
        s = listener(a.addr, a.port)
        print("ready %d" % os.getpid(), flush=True)
        serve(s, a.log)
    elif a.mode == "prefork":
        s = listener(a.addr, a.port)
        # The parent keeps the socket, as a master process does (gunicorn, Apache).
        pids = fork_workers(a.workers, lambda: serve(s, a.log))
        print("ready %d %s" % (os.getpid(), " ".join(map(str, pids))), flush=True)
    else:
        r, w = os.pipe()

        def child():
            s = listener(a.addr, a.port, True)
            os.write(w, b"1")
            serve(s, a.log)

        pids = fork_workers(a.workers, child)
        for _ in pids:
            os.read(r, 1)  # every child is listening
        print("ready %d %s" % (os.getpid(), " ".join(map(str, pids))), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
