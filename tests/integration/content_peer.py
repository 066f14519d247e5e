#!/usr/bin/env python3
"""Servers for the content tests, in the peer namespace: an HTTP/1.1 server
that takes any request body (Content-Length or chunked) and answers 200
(with 'ok', or with a file's bytes for --download PORT:FILE), a raw TCP
sink that reads until the client closes, and git's smart-HTTP
backend (git http-backend as a CGI) for pushes. Prints 'ready'."""
import argparse
import os
import socket
import subprocess
import sys
import threading


def read_http(f):
    """One request from file F: (request line, headers, body bytes) or None at EOF."""
    line = f.readline()
    if not line:
        return None
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            body += f.read(size)
            f.readline()
    elif "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    return line.decode("latin-1").strip(), headers, body


def git_cgi(line, headers, body, root):
    method, target, _ = line.split(" ", 2)
    path, _, query = target.partition("?")
    env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", REQUEST_METHOD=method,
               PATH_INFO=path, QUERY_STRING=query, CONTENT_TYPE=headers.get("content-type", ""),
               CONTENT_LENGTH=str(len(body)), REMOTE_USER="test", REMOTE_ADDR="198.18.0.1",
               HTTP_CONTENT_ENCODING=headers.get("content-encoding", ""))
    out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
    head, _, payload = out.partition(b"\r\n\r\n")
    status = b"200 OK"
    lines = []
    for h in head.split(b"\r\n"):
        if h.lower().startswith(b"status:"):
            status = h.split(b":", 1)[1].strip()
        elif h:
            lines.append(h)
    return b"HTTP/1.1 " + status + b"\r\n" + b"\r\n".join(
        lines + [b"Content-Length: %d" % len(payload)]) + b"\r\n\r\n" + payload


def serve(port, handler):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def http_handler(git_root, reply=b"ok"):
    def handle(c):
        f = c.makefile("rb")
        try:
            while True:
                req = read_http(f)
                if req is None:
                    break
                if git_root and ("/info/refs" in req[0] or "git-" in req[0]):
                    c.sendall(git_cgi(*req, git_root))
                else:
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(reply) + reply)
        except (OSError, ValueError):
            pass
        c.close()
    return handle


def sink(c):
    while c.recv(65536):
        pass
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", type=int, action="append", default=[])
    ap.add_argument("--raw", type=int, action="append", default=[])
    ap.add_argument("--download", action="append", default=[], metavar="PORT:FILE")
    ap.add_argument("--git", type=int)
    ap.add_argument("--git-root")
    a = ap.parse_args()
    for p in a.http:
        serve(p, http_handler(None))
    for d in a.download:
        port, _, path = d.partition(":")
        with open(path, "rb") as f:
            serve(int(port), http_handler(None, f.read()))
    for p in a.raw:
        serve(p, sink)
    if a.git:
        serve(a.git, http_handler(a.git_root))
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
