#!/usr/bin/env python3
"""Clients for the alerts test.

  hold HOST PORT BODYFILE SECONDS   one POST on a kept-alive connection; prints
                                    {"t_write", "local_port"} once written, then
                                    holds the connection SECONDS before closing
                                    and prints {"t_close"}
  repeat HOST PORT BODYFILE N       N connections, one POST each, one after another
"""
import json
import socket
import sys
import time


def post(s, host, port, body):
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % (host.encode(), port, len(body)) + body)


def response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def main():
    mode, host, port, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    body = open(path, "rb").read()
    if mode == "hold":
        s = socket.create_connection((host, port))
        post(s, host, port, body)
        t = time.time()
        print(json.dumps({"t_write": t, "local_port": s.getsockname()[1]}), flush=True)
        response(s)
        time.sleep(float(n))
        s.close()
        print(json.dumps({"t_close": time.time()}), flush=True)
        return 0
    for _ in range(int(n)):
        s = socket.create_connection((host, port))
        post(s, host, port, body)
        response(s)
        s.close()
    print(json.dumps({"done": int(n)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
