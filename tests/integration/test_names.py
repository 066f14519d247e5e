#!/usr/bin/python3
"""Destinations end to end (issue 3): peer names from DNS answers, TLS SNI and
HTTP Host, and the border decision from a test geolocation database, with
real clients (dig, curl, openssl, gnutls-cli, wget, python3) against a
dnsmasq and servers in a network namespace on 198.18.0.0/15.

Scenarios, each reported on its own:
  (a) dns    dig @dnsmasq NAME, then a connection to the answered address
  (b) sni    TLS ClientHello server_name from several TLS stacks
  (c) border DE, HK, US, CN from the test MaxMind DB; an unmapped 198.18/15 address is local
  (d) http   HTTP Host of plaintext requests
  (e) order  one address named by DNS, HTTP Host and SNI: the strongest wins
  (f) none   connections with no name carry no name fields
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ewtest as T  # noqa: E402

T.require_bpf("the destination names test")
PEER = os.path.join(T.HERE, "peer.py")
PY = "/usr/bin/python3"
HTTP_PORT, TLS_PORT, UDP_PORT = 8080, 443, 9999
# The peer's addresses, and where the test database places them.
DE, HK, US, CN = "198.18.1.2", "198.18.2.2", "198.18.3.2", "198.18.4.2"
CNAME_ADDR, ORDER_ADDR = "198.18.5.2", "198.18.6.2"   # unmapped: local
UNNAMED = T.PEER4                                       # unmapped, never named: local
GEO = {DE: "DE", HK: "HK", US: "US", CN: "CN"}
RAW = b"\x00\x01egresswatch test bytes: neither TLS nor HTTP\x00"

failures = {}
counts = {}


def check(scenario, name, cond, detail=""):
    counts[scenario] = counts.get(scenario, 0) + 1
    print("%s - (%s) %s%s" % ("PASS" if cond else "FAIL", scenario, name, "" if cond else ": " + str(detail)),
          flush=True)
    if not cond:
        failures.setdefault(scenario, []).append(name)
    return cond


def names_of(r):
    """The name fields of a record, for failure messages."""
    return json.dumps({"egresswatch.peer": T.field(r, "egresswatch.peer"),
                       "destination": r.get("destination"), "tls": r.get("tls"),
                       "process": T.field(r, "process.name"), "source.port": T.field(r, "source.port")},
                      sort_keys=True)


def final_egress(records, scenario, what, **match):
    got = [r for r in T.flows(records, network__direction="egress", **match) if r["egresswatch"]["final"]]
    if check(scenario, what + ": exactly one final egress record", len(got) == 1,
             "%d records match %s: %s" % (len(got), match, [names_of(r) for r in got][:3])):
        return got[0]
    return None


def expect_name(scenario, what, r, domain, source):
    """The record names its peer DOMAIN, learnt from SOURCE (sni, http_host, dns)."""
    if r is None:
        check(scenario, what + ": name fields", False, "no record")
        return
    check(scenario, "%s: egresswatch.peer.domain == %s" % (what, domain),
          T.field(r, "egresswatch.peer.domain") == domain, names_of(r))
    check(scenario, "%s: egresswatch.peer.name_source == %s" % (what, source),
          T.field(r, "egresswatch.peer.name_source") == source, names_of(r))
    check(scenario, "%s: destination.domain == %s" % (what, domain),
          T.field(r, "destination.domain") == domain, names_of(r))
    if source == "sni":
        check(scenario, "%s: tls.client.server_name == %s" % (what, domain),
              T.field(r, "tls.client.server_name") == domain, names_of(r))
    else:
        check(scenario, "%s: no tls.client.server_name (name not from SNI)" % what,
              T.field(r, "tls.client.server_name") is None and "tls" not in r, names_of(r))


def expect_no_name(scenario, what, r):
    if r is None:
        check(scenario, what + ": no name fields", False, "no record")
        return
    check(scenario, what + ": no egresswatch.peer.domain / name_source",
          T.field(r, "egresswatch.peer.domain") is None and T.field(r, "egresswatch.peer.name_source") is None,
          names_of(r))
    check(scenario, what + ": no destination.domain, no source.domain",
          T.field(r, "destination.domain") is None and T.field(r, "source.domain") is None, names_of(r))
    check(scenario, what + ": no tls", "tls" not in r, names_of(r))


def raw_tcp(addr, port=HTTP_PORT):
    """Connect, send bytes that are neither TLS nor HTTP, read the answer; the local port."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect((addr, port))
            s.sendall(RAW)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
            return s.getsockname()[1]
    except OSError as e:
        check("client", "raw TCP to %s:%d" % (addr, port), False, e)
        return None


def udp(addr, port=UDP_PORT):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(b"x" * 100, (addr, port))
            s.recvfrom(1000)
            return s.getsockname()[1]
    except OSError as e:
        check("client", "UDP to %s:%d" % (addr, port), False, e)
        return None


def run(scenario, what, *cmd, **kw):
    """Run a client; a failure to run is itself a FAIL of SCENARIO. Returns stdout or None."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, **kw)
    except subprocess.TimeoutExpired as e:
        check(scenario, what + ": client exits 0", False, "%s timed out: %s" % (cmd[0], e))
        return None
    if not check(scenario, what + ": client exits 0", r.returncode == 0,
                 "%s exit %d: %s %s" % (cmd[0], r.returncode, r.stdout[-300:], r.stderr[-500:])):
        return None
    return r.stdout


def dig(name, qtype="A"):
    try:
        r = subprocess.run(["dig", "@" + T.PEER4, "+short", "+tries=1", "+time=3", name, qtype],
                           capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return ["(dig timed out)"]
    return r.stdout.split() or ["(no answer: %s)" % r.stderr.strip()[-200:]]


def curl_port(out):
    try:
        return int(out)
    except (TypeError, ValueError):
        return None


def main():
    work = T.tmpdir()
    geo_db = os.path.join(work, "country.mmdb")
    subprocess.run(["perl", os.path.join(T.SRC, "tests", "data", "make-test-mmdb.pl"),
                    "--country", "198.18.1.0/24=DE", "--country", "198.18.2.0/24=HK",
                    "--country", "198.18.3.0/24=US", "--country", "198.18.4.0/24=CN", geo_db], check=True)
    cert, key = T.self_signed_cert(work)
    hosts = os.path.join(work, "hosts")  # wget has no --resolve: a private /etc/hosts for it
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n%s wget.example.us\n" % US)
    dnsmasq_log, tls_log = os.path.join(work, "dnsmasq.log"), os.path.join(work, "s_server.log")
    seen = {}

    with T.Netns() as ns:
        deadline = time.time() + 30
        while ns.conflicts() and time.time() < deadline:
            time.sleep(0.5)
        clash = ns.conflicts()
        if clash:  # another test's veth on the same addresses: results would be nonsense
            print("FAIL - another test (or a leftover) routes the test ranges; run one at a time:\n  "
                  + "\n  ".join(clash), flush=True)
            return 1
        for a in (DE, HK, US, CN, CNAME_ADDR, ORDER_ADDR):
            ns.add_addr(a)
        ns.start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                 "--pid-file=", "--user=root", "--listen-address=" + T.PEER4, "--bind-interfaces",
                 "--log-queries", "--log-facility=-", "--local-ttl=300",
                 "--address=/dns-name.example.com/" + HK,
                 "--host-record=target.cdn.example," + CNAME_ADDR,
                 "--cname=chain.example.com,target.cdn.example",
                 "--host-record=order.example.net," + ORDER_ADDR,
                 "--host-record=v6.example.org," + T.PEER6,
                 ready=lambda: ns.listening(53, "udp"), log=dnsmasq_log)
        ns.start("openssl", "s_server", "-accept", str(TLS_PORT), "-www", "-cert", cert, "-key", key,
                 ready=lambda: ns.listening(TLS_PORT), log=tls_log)
        ns.spawn(PY, PEER, "tcp", "::", str(HTTP_PORT), "--log", os.path.join(work, "http.log"))
        ns.spawn(PY, PEER, "udp", "0.0.0.0", str(UDP_PORT), "--log", os.path.join(work, "udp.log"))

        agent = T.Agent(work, extra=["--geo-db", geo_db]).start()
        try:
            # (f) first, before anything could have named these addresses.
            seen["none_raw"] = raw_tcp(UNNAMED)
            run("none", "openssl s_client -noservername", "openssl", "s_client", "-connect",
                "%s:%d" % (UNNAMED, TLS_PORT), "-noservername", stdin=subprocess.DEVNULL)
            seen["none_curl_ip"] = curl_port(run("none", "curl https://IP/ (no SNI for an address)",
                                                 "curl", "-sSk", "-o", "/dev/null", "-w", "%{local_port}",
                                                 "https://%s/" % UNNAMED))
            # (c) one plain connection to each country, before any name exists for them.
            for ip in GEO:
                seen["geo_" + ip] = raw_tcp(ip)
            seen["geo_local"] = raw_tcp(CNAME_ADDR)
            # (a) DNS
            seen["dig"] = dig("DNS-Name.Example.COM")
            seen["dns_raw"] = raw_tcp(HK)
            seen["dns_udp"] = udp(HK)
            seen["dig_cname"] = dig("chain.example.com")
            seen["dns_cname_raw"] = raw_tcp(CNAME_ADDR)
            seen["dig_v6"] = dig("v6.example.org", "AAAA")
            seen["dns_v6_raw"] = raw_tcp(T.PEER6)
            # (b) SNI
            seen["sni_curl"] = curl_port(run(
                "sni", "curl --resolve https", "curl", "-sSk", "-o", "/dev/null", "-w", "%{local_port}",
                "--resolve", "test.example.cn:%d:%s" % (TLS_PORT, US), "https://test.example.cn/"))
            run("sni", "openssl s_client -servername", "openssl", "s_client", "-connect",
                "%s:%d" % (DE, TLS_PORT), "-servername", "s-client.example.de", stdin=subprocess.DEVNULL)
            run("sni", "openssl s_client -servername with a trailing dot", "openssl", "s_client", "-connect",
                "%s:%d" % (CN, TLS_PORT), "-servername", "Dot.Example.CN.", stdin=subprocess.DEVNULL)
            seen["sni_v6"] = curl_port(run(
                "sni", "curl over IPv6", "curl", "-sSk", "-o", "/dev/null", "-w", "%{local_port}",
                "--resolve", "v6-sni.example.org:%d:[%s]" % (TLS_PORT, T.PEER6), "https://v6-sni.example.org/"))
            run("sni", "gnutls-cli --sni-hostname", "gnutls-cli", "--insecure", "--sni-hostname",
                "GnuTLS.Example.US", "-p", str(TLS_PORT), US, stdin=subprocess.DEVNULL)
            seen["sni_py"] = curl_port(run("sni", "python3 ssl", PY, "-c", (
                "import socket,ssl\n"
                "c=ssl.create_default_context();c.check_hostname=False;c.verify_mode=ssl.CERT_NONE\n"
                "s=c.wrap_socket(socket.create_connection(('%s',%d),5),server_hostname='python.example.us')\n"
                "print(s.getsockname()[1]);s.close()") % (US, TLS_PORT)))
            run("sni", "wget (GnuTLS) with a private /etc/hosts", "unshare", "-m", "sh", "-c",
                "mount --bind %s /etc/hosts && exec wget -q --no-check-certificate --tries=1 --timeout=5 "
                "-O /dev/null https://wget.example.us/" % hosts)
            # (d) HTTP Host
            seen["http_curl"] = curl_port(run(
                "http", "curl --resolve http", "curl", "-sS", "-o", "/dev/null", "-w", "%{local_port}",
                "--resolve", "host.example.cn:%d:%s" % (HTTP_PORT, CN), "http://host.example.cn:%d/p" % HTTP_PORT))
            seen["http_mixed"] = curl_port(run(
                "http", "curl with Host: Mixed.Example.CN.", "curl", "-sS", "-o", "/dev/null", "-w",
                "%{local_port}", "-H", "Host: Mixed.Example.CN.", "http://%s:%d/" % (CN, HTTP_PORT)))
            # (e) one address, three kinds of name
            seen["dig_order"] = dig("order.example.net")
            seen["order_dns"] = raw_tcp(ORDER_ADDR)
            seen["order_http"] = curl_port(run(
                "order", "curl http to a DNS-named address", "curl", "-sS", "-o", "/dev/null", "-w",
                "%{local_port}", "--resolve", "http-order.example.net:%d:%s" % (HTTP_PORT, ORDER_ADDR),
                "http://http-order.example.net:%d/" % HTTP_PORT))
            seen["order_sni"] = curl_port(run(
                "order", "curl https to a DNS-named address", "curl", "-sSk", "-o", "/dev/null", "-w",
                "%{local_port}", "--resolve", "tls-order.example.net:%d:%s" % (TLS_PORT, ORDER_ADDR),
                "https://tls-order.example.net/"))
            # Not asserted (the contract does not say): what an address literal in Host gives.
            seen["info_ip_host"] = curl_port(run(
                "info", "curl http://IP:PORT/", "curl", "-sS", "-o", "/dev/null", "-w", "%{local_port}",
                "http://%s:%d/" % (UNNAMED, HTTP_PORT)))
            time.sleep(2.5)  # the UDP flow's idle timeout
        finally:
            rc = agent.stop()

    check("agent", "exits 0 on SIGTERM", rc == 0, agent.stderr()[-2000:])
    records = agent.records()
    check("agent", "records were written", len(records) > 0)
    errs = T.schema_errors(records)
    msgs = sorted({m for _, ms in errs for m in ms})
    check("schema", "every record validates against schemas/record.schema.json", not errs,
          "%d of %d records fail; distinct errors:\n    %s\n  first failing record: %s" % (
              len(errs), len(records), "\n    ".join(msgs[:30]), json.dumps(errs[0][0]) if errs else ""))
    print("# seen: " + json.dumps(seen))

    # (a) DNS answers name the addresses they gave.
    check("dns", "dig got the dnsmasq answer", seen["dig"] == [HK], "%s; dnsmasq log: %s" % (
        seen["dig"], open(dnsmasq_log).read()[-1000:]))
    expect_name("dns", "raw TCP to the answered address",
                final_egress(records, "dns", "raw TCP", source__port=seen["dns_raw"], destination__ip=HK),
                "dns-name.example.com", "dns")
    expect_name("dns", "UDP to the answered address",
                final_egress(records, "dns", "UDP", source__port=seen["dns_udp"], destination__ip=HK,
                             network__transport="udp"), "dns-name.example.com", "dns")
    check("dns", "dig of a CNAME chain", seen["dig_cname"] == ["target.cdn.example.", CNAME_ADDR],
          seen["dig_cname"])
    expect_name("dns", "CNAME chain: the question name is recorded",
                final_egress(records, "dns", "CNAME chain", source__port=seen["dns_cname_raw"],
                             destination__ip=CNAME_ADDR), "chain.example.com", "dns")
    check("dns", "dig AAAA", seen["dig_v6"] == [T.PEER6], seen["dig_v6"])
    expect_name("dns", "IPv6 raw TCP to the AAAA answer",
                final_egress(records, "dns", "IPv6", source__port=seen["dns_v6_raw"], destination__ip=T.PEER6),
                "v6.example.org", "dns")

    # (b) SNI, from OpenSSL (curl, openssl, python3) and GnuTLS (gnutls-cli, wget).
    expect_name("sni", "curl --resolve",
                final_egress(records, "sni", "curl", source__port=seen["sni_curl"], destination__ip=US),
                "test.example.cn", "sni")
    expect_name("sni", "openssl s_client",
                final_egress(records, "sni", "openssl s_client", process__name="openssl", destination__ip=DE,
                             destination__port=TLS_PORT), "s-client.example.de", "sni")
    expect_name("sni", "openssl s_client, SNI Dot.Example.CN. (lowercase, no trailing dot)",
                final_egress(records, "sni", "openssl s_client trailing dot", process__name="openssl",
                             destination__ip=CN, destination__port=TLS_PORT), "dot.example.cn", "sni")
    expect_name("sni", "curl over IPv6",
                final_egress(records, "sni", "curl IPv6", source__port=seen["sni_v6"], destination__ip=T.PEER6),
                "v6-sni.example.org", "sni")
    expect_name("sni", "gnutls-cli (mixed case is lowercased)",
                final_egress(records, "sni", "gnutls-cli", process__name="gnutls-cli", destination__ip=US),
                "gnutls.example.us", "sni")
    expect_name("sni", "python3 ssl",
                final_egress(records, "sni", "python3 ssl", source__port=seen["sni_py"], destination__ip=US),
                "python.example.us", "sni")
    expect_name("sni", "wget",
                final_egress(records, "sni", "wget", process__name="wget", destination__ip=US),
                "wget.example.us", "sni")

    # (c) the border of each address from the test database.
    for ip, cc in GEO.items():
        r = final_egress(records, "border", cc, source__port=seen["geo_" + ip], destination__ip=ip)
        if r:
            want = "domestic" if cc == "CN" else "cross_border"
            check("border", "%s %s: egresswatch.border == %s" % (cc, ip, want),
                  r["egresswatch"].get("border") == want, json.dumps(r["egresswatch"]))
            check("border", "%s %s: egresswatch.peer.country == %s" % (cc, ip, cc),
                  T.field(r, "egresswatch.peer.country") == cc, json.dumps(r["egresswatch"]["peer"]))
            check("border", "%s %s: destination.geo.country_iso_code == %s" % (cc, ip, cc),
                  T.field(r, "destination.geo.country_iso_code") == cc, json.dumps(r["destination"]))
    r = final_egress(records, "border", "unmapped", source__port=seen["geo_local"], destination__ip=CNAME_ADDR)
    if r:
        check("border", "unmapped %s: egresswatch.border == local" % CNAME_ADDR,
              r["egresswatch"].get("border") == "local", json.dumps(r["egresswatch"]))
        check("border", "unmapped %s: no country" % CNAME_ADDR,
              T.field(r, "egresswatch.peer.country") is None and "geo" not in r["destination"],
              json.dumps(r["egresswatch"]["peer"]) + json.dumps(r["destination"]))
    borders = [T.field(r, "egresswatch.border") for ip in GEO
               for r in T.flows(records, source__port=seen["geo_" + ip], network__direction="egress")]
    check("border", "cross_border x3 and domestic x1",
          sorted(borders) == ["cross_border"] * 3 + ["domestic"], borders)

    # (d) HTTP Host
    expect_name("http", "curl --resolve (port stripped)",
                final_egress(records, "http", "curl", source__port=seen["http_curl"], destination__ip=CN),
                "host.example.cn", "http_host")
    expect_name("http", "Host: Mixed.Example.CN. (lowercase, no trailing dot)",
                final_egress(records, "http", "curl Host:", source__port=seen["http_mixed"], destination__ip=CN),
                "mixed.example.cn", "http_host")

    # (e) sni > http_host > dns
    check("order", "dig order.example.net", seen["dig_order"] == [ORDER_ADDR], seen["dig_order"])
    expect_name("order", "raw TCP: the DNS name",
                final_egress(records, "order", "raw TCP", source__port=seen["order_dns"], destination__ip=ORDER_ADDR),
                "order.example.net", "dns")
    expect_name("order", "HTTP beats DNS",
                final_egress(records, "order", "http", source__port=seen["order_http"], destination__ip=ORDER_ADDR),
                "http-order.example.net", "http_host")
    expect_name("order", "SNI beats DNS",
                final_egress(records, "order", "https", source__port=seen["order_sni"], destination__ip=ORDER_ADDR),
                "tls-order.example.net", "sni")

    # (f) no name
    r = final_egress(records, "none", "raw TCP to an unnamed address", source__port=seen["none_raw"],
                     destination__ip=UNNAMED)
    expect_no_name("none", "raw TCP to an unnamed address", r)
    if r:
        check("none", "unmapped %s: egresswatch.border == local" % UNNAMED,
              r["egresswatch"].get("border") == "local", json.dumps(r["egresswatch"]))
    expect_no_name("none", "openssl s_client -noservername",
                   final_egress(records, "none", "s_client -noservername", process__name="openssl",
                                destination__ip=UNNAMED, destination__port=TLS_PORT))
    expect_no_name("none", "curl https://IP/",
                   final_egress(records, "none", "curl https://IP/", source__port=seen["none_curl_ip"],
                                destination__ip=UNNAMED))
    for ip in GEO:
        expect_no_name("none", "raw TCP to %s before any name for it" % ip,
                       final_egress(records, "none", "raw TCP to %s before names" % ip,
                                    source__port=seen["geo_" + ip], destination__ip=ip))
    # dig's sockets (the resolver is their peer; not dnsmasq's own side)
    dig_flows = [r for r in T.flows(records, egresswatch__peer__ip=T.PEER4, egresswatch__peer__port=53)
                 if r["egresswatch"]["final"] and T.field(r, "process.name") != "dnsmasq"]
    check("none", "dig's UDP flows to the resolver are recorded", len(dig_flows) >= 4,
          [names_of(r) for r in dig_flows])
    for r in dig_flows:
        expect_no_name("none", "dig -> resolver %d (the resolver's address was never answered)"
                       % T.field(r, "destination.port" if r["network"]["direction"] == "egress" else "source.port"), r)
    wrong = [r for r in dig_flows if r["network"]["direction"] != "egress"]
    if wrong:  # not a names matter: reported, not failed (see the report of issue 3)
        print("NOTE - %d of %d dig flows are recorded as %s with the resolver as initiator, e.g. %s" % (
            len(wrong), len(dig_flows), sorted({r["network"]["direction"] for r in wrong}),
            json.dumps({k: wrong[0].get(k) for k in ("network", "source", "destination", "process")})))

    for r in T.flows(records, source__port=seen["info_ip_host"], destination__ip=UNNAMED,
                     network__direction="egress"):
        print("NOTE - curl http://%s:%d/ (Host is an address) is recorded with %s" % (UNNAMED, HTTP_PORT, names_of(r)))

    print("\n# summary")
    for sc in ("agent", "client", "info", "schema", "dns", "sni", "border", "http", "order", "none"):
        n = counts.get(sc, 0)
        bad = failures.get(sc, [])
        print("%-6s %s (%d of %d checks failed)" % (sc, "FAIL" if bad else "PASS", len(bad), n))
    if not failures:
        shutil.rmtree(work)
    else:
        print("work dir kept: " + work)
    print("%d checks failed" % sum(map(len, failures.values())) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
