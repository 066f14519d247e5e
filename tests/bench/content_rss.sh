#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# content_rss.sh - the agent's peak memory while FLOWS (1,000) TCP flows are
# each mid-way through an upload inspected by the content stage: every flow
# has sent UPLOAD_BYTES (128 KiB, half of content.flow_bytes) of telematics
# JSON and holds its connection open, so every stream's decoder and scanner
# state is live at once. Client here, sink server in a network namespace over
# a veth (198.18.210.0/24), both ends seen by the agent.
#
# Usage: content_rss.sh [EGRESSWATCH]; FLOWS, UPLOAD_BYTES, TAXONOMY. Needs root.
# Prints VmHWM before the flows and with them held, and a last line "RESULT ".
set -u
EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
FLOWS=${FLOWS:-1000}
UPLOAD_BYTES=${UPLOAD_BYTES:-131072}
TAXONOMY=${TAXONOMY:-deploy/taxonomy.json}
NET=198.18.210
if [ "$(id -u)" != 0 ]; then
	echo "content_rss: needs root (loads eBPF programs); skipped"
	exit 77
fi
[ -x "$EW" ] || { echo "content_rss: $EW is not an executable (build first)" >&2; exit 2; }
if ip -4 route show root "$NET.0/24" | grep -q .; then
	echo "content_rss: $NET.0/24 is routed already (another run?)" >&2
	exit 1
fi
ns=ewcr$$
veth=ewcr$$
work=$(mktemp -d /tmp/ew-content-rss-XXXXXX)
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	pkill -f "$work/sink.py" 2>/dev/null
	ip link del "$veth" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns"
ip link add "$veth" type veth peer name eth0 netns "$ns"
ip addr add "$NET.1/24" dev "$veth"
ip link set "$veth" up
ip netns exec "$ns" ip addr add "$NET.2/24" dev eth0
ip netns exec "$ns" ip link set eth0 up
ip netns exec "$ns" ip link set lo up

cat >"$work/sink.py" <<'PY'
import asyncio
async def sink(r, w):
    while await r.read(65536):
        pass
    w.close()
async def main():
    s = await asyncio.start_server(sink, "0.0.0.0", 9500, backlog=4096)
    print("ready", flush=True)
    await s.serve_forever()
asyncio.run(main())
PY
cat >"$work/upload.py" <<'PY'
import json, os, random, socket, sys, time
flows, nbytes = int(sys.argv[1]), int(sys.argv[2])
rec = lambda i: json.dumps({"vin": "LSVAB4BR8EN%06d" % i, "lat": 31.230416 + i * 1e-6,
                            "lon": 121.473701 + i * 1e-6, "speed": random.randint(0, 120)})
body = ("[" + ",".join(rec(i) for i in range(nbytes // 90)) + "]").encode()[:nbytes - 200]
head = b"POST /upload HTTP/1.1\r\nHost: sink\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
socks = []
for i in range(flows):
    s = socket.create_connection(("198.18.210.2", 9500))
    s.sendall(head % (2 * len(body)) + body)  # half the body: the upload is mid-way
    socks.append(s)
print("held", flush=True)
sys.stdin.read()
PY
ip netns exec "$ns" python3 "$work/sink.py" >"$work/sink.log" 2>&1 &
for _ in $(seq 50); do grep -q ready "$work/sink.log" 2>/dev/null && break; sleep 0.1; done

printf '{"report_interval": 2, "content": {"taxonomy": "%s", "subject_key": "%s/subject.key"}}\n' \
	"$(realpath "$TAXONOMY")" "$work" >"$work/config.json"
"$EW" run --quiet --config "$work/config.json" --data-dir "$work/data" 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 300); do grep -q "running:" "$work/agent.log" && break; sleep 0.1; done
grep -q "running:" "$work/agent.log" || { cat "$work/agent.log" >&2; exit 1; }
sleep 1
hwm() { awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$agent_pid/status"; }
rss() { awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$agent_pid/status"; }
before=$(hwm)
ulimit -n 8192
mkfifo "$work/hold"
python3 "$work/upload.py" "$FLOWS" "$UPLOAD_BYTES" <"$work/hold" >"$work/upload.log" 2>&1 &
upload_pid=$!
exec 9>"$work/hold"
for _ in $(seq 600); do grep -q held "$work/upload.log" && break; sleep 0.1; done
sleep 3
held=$(hwm)
now=$(rss)
exec 9>&-
wait "$upload_pid"
grep "content:" "$work/agent.log" | head -2
echo "content_rss: $FLOWS flows each with $UPLOAD_BYTES bytes sent, held open"
echo "content_rss: VmHWM before ${before} MiB, with the flows ${held} MiB (VmRSS ${now} MiB)"
echo "RESULT flows=$FLOWS upload_bytes=$UPLOAD_BYTES hwm_before_mib=$before hwm_held_mib=$held"
