#!/usr/bin/python3
"""How tests/data/abi2/ was made (once, as root, with release 708ffef, event
ABI 2): a live `egresswatch run --capture` of real clients against servers in
a network namespace, then `egresswatch replay` of that capture with the test
databases and policy beside it. The capture and the records are frozen: every
later release must replay capture.ewcap to these records (tests/unit
test_abi_compat). Kept for the record; rerunning it makes a new capture.
Usage: make.py EGRESSWATCH OUTDIR"""
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration"))
import ewtest as T  # noqa: E402

PY = "/usr/bin/python3"
PEER = os.path.join(T.HERE, "peer.py")


def main():
    ew, out = sys.argv[1], os.path.abspath(sys.argv[2])
    os.environ["EGRESSWATCH"] = ew
    work = T.tmpdir()
    cap = os.path.join(work, "capture.ewcap")
    cert, key = T.self_signed_cert(work)
    cfg = T.write_config(os.path.join(out, "config.json"), report_interval=2, udp_idle_timeout=2)
    with T.Netns() as ns:
        ns.add_addr("198.18.1.2")
        ns.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                 "--pid-file=", "--user=root", "--listen-address=" + T.PEER4, "--bind-interfaces",
                 "--local-ttl=300", "--host-record=upload.example.de,198.18.1.2",
                 ready=lambda: ns.listening(53, "udp"))
        ns.start("openssl", "s_server", "-accept", "443", "-www", "-cert", cert, "-key", key,
                 ready=lambda: ns.listening(443))
        ns.spawn(PY, PEER, "tcp", "::", "8080", "--log", os.path.join(work, "http.log"), "--reply", "700")
        ns.spawn(PY, PEER, "udp", "0.0.0.0", "9999", "--log", os.path.join(work, "udp.log"), "--reply", "50")
        local = subprocess.Popen([PY, PEER, "tcp", T.HOST4, "8090", "--log", os.path.join(work, "local.log"),
                                  "--reply", "333"], stdout=subprocess.PIPE, text=True)
        assert "ready" in local.stdout.readline()
        agent = T.Agent(work, capture=cap, config=cfg).start()
        try:
            T.sh("dig", "@" + T.PEER4, "+short", "upload.example.de")
            T.sh("curl", "-sS", "-o", "/dev/null", "--data-binary", "x" * 3000,
                 "--resolve", "upload.example.de:8080:198.18.1.2", "http://upload.example.de:8080/u")
            T.sh("curl", "-sS", "-o", "/dev/null", "-6", "--data-binary", "y" * 1000,
                 "http://[%s]:8080/v6" % T.PEER6)
            subprocess.run(["openssl", "s_client", "-connect", "198.18.0.2:443", "-servername",
                            "tls.example.us"], input="", capture_output=True, timeout=20)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(5)
            for _ in range(3):
                s.sendto(b"u" * 100, (T.PEER4, 9999))
                s.recvfrom(1000)
            s.close()
            ns.run(PY, PEER, "client", T.HOST4, "8090", "--size", "4000")
            # A long connection: interim records.
            c = socket.create_connection((T.PEER4, 8080))
            c.sendall(b"POST / HTTP/1.1\r\nHost: slow.example.de\r\nContent-Length: 5000\r\n\r\n")
            for _ in range(5):
                c.sendall(b"z" * 1000)
                time.sleep(1)
            while c.recv(65536):
                pass
            c.close()
            time.sleep(3)
        finally:
            agent.stop()
            local.kill()
            local.wait()
    shutil.copy(cap, os.path.join(out, "capture.ewcap"))
    geo = os.path.join(out, "country.mmdb")
    asn = os.path.join(out, "asn.mmdb")
    subprocess.run(["perl", os.path.join(T.SRC, "tests", "data", "make-test-mmdb.pl"),
                    "--country", "198.18.1.0/24=DE", "--country", "198.18.0.0/24=US",
                    "--country", "2001:db8::/32=SG", geo, asn], check=True)
    with open(os.path.join(out, "policy.json"), "w") as f:
        f.write('{"version": 1, "legal_entity": "Example Automotive Co., Ltd.", "domestic_countries": ["CN"],\n'
                ' "networks": [{"cidr": "198.18.0.0/31", "country": "CN", "name": "lab-shanghai"}]}\n')
    rdir = os.path.join(work, "replay")
    env = dict(os.environ, TZ="Asia/Shanghai")
    subprocess.run([ew, "replay", os.path.join(out, "capture.ewcap"), "--data-dir", rdir, "--config", cfg,
                    "--policy", os.path.join(out, "policy.json"), "--geo-db", geo, "--geo-db", asn],
                   check=True, env=env)
    lines = T.read_lines(rdir)
    with open(os.path.join(out, "records.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%d records, capture %d bytes" % (len(lines), os.path.getsize(cap)))


if __name__ == "__main__":
    main()
