"""Real TLS clients for the TLS tests: each POSTs a body file to an HTTPS
server at (ip, port) with a self-signed certificate (never verified).

    post(name, ip, port, body_path) -> local source port of the connection,
                                       or None when the client cannot tell
                                       (find the flow by destination port)

CLIENTS maps each name to (function, TLS library, the library's write call):
  curl       curl, libcurl with OpenSSL: SSL_write
  python     python3 urllib in a child process, OpenSSL: SSL_write_ex (reads
             with SSL_read_ex)
  wget       wget, GnuTLS: gnutls_record_send
  s_client   openssl s_client, the request through its stdin: SSL_write
  nss        tstclnt (libnss3-tools), NSS: PR_Send of libnspr4.so (it also
             PR_Reads the request file: PR_Read/PR_Write see files too)
Each raises AssertionError when the client fails. A client sends the body
once in one request; the server answers and the connection closes.
"""
import os
import subprocess

PY = "/usr/bin/python3"

_PYTHON_CLIENT = r"""
import http.client, ssl, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
ctx = ssl._create_unverified_context()
class Conn(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        print(self.sock.getsockname()[1], flush=True)
class Handler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(Conn, req, context=ctx)
body = open(path, "rb").read()
req = urllib.request.Request(url, data=body, method="POST",
                             headers={"Content-Type": "application/octet-stream"})
with urllib.request.build_opener(Handler).open(req, timeout=30) as r:
    r.read()
    sys.exit(0 if r.status == 200 else 1)
"""


def _host(ip):
    return "[%s]" % ip if ":" in ip else ip


def _run(cmd, timeout, **kw):
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s timed out after %ss" % (cmd[0], timeout)) from e
    if r.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (cmd[0], r.returncode,
                                                   r.stderr.decode(errors="replace")[-1000:]))
    return r.stdout.decode(errors="replace")


def request_file(body_path, ip, out_path):
    """An HTTP/1.1 POST of BODY_PATH with Connection: close, written to
    OUT_PATH, for the clients that send raw bytes (s_client, tstclnt)."""
    with open(body_path, "rb") as f:
        body = f.read()
    head = ("POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % (_host(ip), len(body)))
    with open(out_path, "wb") as f:
        f.write(head.encode() + body)
    return out_path


def curl_post(ip, port, body_path, timeout=30):
    out = _run(["curl", "-sS", "-k", "-o", "/dev/null", "-H", "Expect:", "--data-binary", "@" + body_path,
                "-w", "%{http_code} %{local_port}", "https://%s:%d/upload" % (_host(ip), port)], timeout)
    code, lport = out.split()
    if code != "200":
        raise AssertionError("curl got HTTP %s" % code)
    return int(lport)


def python_post(ip, port, body_path, timeout=30):
    out = _run([PY, "-c", _PYTHON_CLIENT, "https://%s:%d/upload" % (_host(ip), port), body_path], timeout)
    return int(out.split()[0])


def wget_post(ip, port, body_path, timeout=30):
    _run(["wget", "-q", "--tries=1", "--no-check-certificate", "-O", "/dev/null", "--post-file=" + body_path,
          "https://%s:%d/upload" % (_host(ip), port)], timeout)
    return None


def s_client_post(ip, port, body_path, timeout=30):
    req = request_file(body_path, ip, body_path + ".s_client.req")
    with open(req, "rb") as f:
        out = _run(["openssl", "s_client", "-connect", "%s:%d" % (_host(ip), port), "-quiet"], timeout, stdin=f)
    if not out.startswith("HTTP/1.1 200"):
        raise AssertionError("s_client got %r" % out[:200])
    return None


def nss_post(ip, port, body_path, timeout=30):
    req = request_file(body_path, ip, body_path + ".nss.req")
    # -D: no certificate database, -o: accept any server certificate,
    # -A: the request from a file (tstclnt exits when the server closes).
    out = _run(["tstclnt", "-h", ip, "-p", str(port), "-D", "-o", "-A", req], timeout, stdin=subprocess.DEVNULL)
    if "HTTP/1.1 200" not in out:
        raise AssertionError("tstclnt got %r" % out[:200])
    return None


CLIENTS = {
    "curl": (curl_post, "openssl", "SSL_write"),
    "python": (python_post, "openssl", "SSL_write_ex"),
    "wget": (wget_post, "gnutls", "gnutls_record_send"),
    "s_client": (s_client_post, "openssl", "SSL_write"),
    "nss": (nss_post, "nss", "PR_Send"),
}


def post(name, ip, port, body_path, timeout=30):
    """Run client NAME (a key of CLIENTS); its local port or None."""
    return CLIENTS[name][0](ip, port, body_path, timeout)


def tls_peer(static=False):
    """Path of tls_peer (or tls_peer_static) from the build (meson passes
    TLS_PEER and TLS_PEER_STATIC), else build/tests/tools/ of the checkout."""
    var, name = ("TLS_PEER_STATIC", "tls_peer_static") if static else ("TLS_PEER", "tls_peer")
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get(var, os.path.join(os.path.dirname(os.path.dirname(here)), "build", "tests",
                                            "tools", name))
