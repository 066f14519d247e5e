#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# hook_costs.sh - what each kernel program of the agent costs the host: the
# kernel's own accounting (kernel.bpf_stats_enabled: run count and run time
# per program) while three workloads run with the agent attached:
#   connect  bench_connect, connect + 64 B write + close, both ends seen
#            (a client here, a server in a network namespace over a veth)
#   udp      bench_connect's sibling loop: a UDP datagram and its answer
#   exec     /bin/true run in a loop (exec, fork, exit)
# and prints, per workload and program, runs per operation and ns per run.
# bpf_stats adds two clock reads to every run (tens of ns): the figures are
# upper bounds. The per-syscall cost is syscall_overhead.sh's.
#
# Usage: hook_costs.sh [EGRESSWATCH [BENCH_CONNECT]]; RUN_SECONDS (3), CONTENT (1:
# content capture on, as by default; 0: content.enabled false), AGENT_CONFIG (a
# config file to run the agent with instead), ONLY=connect (the connect
# workload alone, for interleaving builds). Needs root.
set -u
EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BC=${2:-${BENCH_CONNECT:-build/tests/bench/bench_connect}}
RUN_SECONDS=${RUN_SECONDS:-3}
CONTENT=${CONTENT:-1}
NET=198.18.202
if [ "$(id -u)" != 0 ]; then
	echo "hook_costs: needs root (loads eBPF programs, reads their statistics); skipped"
	exit 77
fi
for f in "$EW" "$BC"; do
	[ -x "$f" ] || { echo "hook_costs: $f is not an executable (build first)" >&2; exit 2; }
done
if ip -4 route show root "$NET.0/24" | grep -q .; then
	echo "hook_costs: $NET.0/24 is routed already (another run?)" >&2
	exit 1
fi
ns=ewhook$$
veth=ewhk$$
work=$(mktemp -d /tmp/ew-hooks-XXXXXX)
agent_pid=
srv_pid=
udp_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	# The echo server inherits the caller's fds (a flock on the integration
	# lock): it must not outlive the run.
	[ -n "$udp_pid" ] && kill "$udp_pid" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	ip link del "$veth" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

ip netns add "$ns"
ip link add "$veth" type veth peer name eth0 netns "$ns"
ip addr add "$NET.1/24" dev "$veth"
ip link set "$veth" up
ip netns exec "$ns" ip addr add "$NET.2/24" dev eth0
ip netns exec "$ns" ip link set eth0 up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" "$BC" -S -a "$NET.2" -p 9000 >/dev/null 2>&1 &
srv_pid=$!
ip netns exec "$ns" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("'"$NET.2"'", 9001))
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)' &
udp_pid=$!
sleep 0.5

if [ -n "${AGENT_CONFIG:-}" ]; then
	cp "$AGENT_CONFIG" "$work/config.json"
elif [ "$CONTENT" = 1 ]; then
	printf '{"report_interval": 60}\n' >"$work/config.json"
else
	printf '{"report_interval": 60, "content": {"enabled": false}}\n' >"$work/config.json"
fi
"$EW" run --quiet --config "$work/config.json" --data-dir "$work/data" 2>"$work/agent.err" &
agent_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q 'running:' "$work/agent.err" && break
	kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.err" >&2; exit 1; }
	sleep 0.1
done
sysctl -qw kernel.bpf_stats_enabled=1

# snapshot FILE: "name run_cnt run_time_ns" per ew_ program
snapshot() {
	bpftool -j prog show | /usr/bin/python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("ew_"):
        print(p["name"], p.get("run_cnt", 0), p.get("run_time_ns", 0))' | sort >"$1"
}

# report LABEL OPS BEFORE AFTER
report() {
	echo "$1: $2 operations"
	join "$3" "$4" | awk -v ops="$2" '{ n = $4 - $2; t = $5 - $3;
		if (n > 0) printf "  %-16s %8.2f runs/op %7.0f ns/run %8.0f ns/op\n", $1, n / ops, t / n, t / ops;
		sum += t } END { printf "  %-16s %35.0f ns/op\n", "all programs", sum / ops }'
}

snapshot "$work/s0"
out=$("$BC" -C -a "$NET.2" -p 9000 -t "$RUN_SECONDS")
conns=$(sed -n 's/^RESULT conns=\([0-9]*\).*/\1/p' <<<"$out")
snapshot "$work/s1"
report "connect (TCP connect + 64 B + close, both ends)" "$conns" "$work/s0" "$work/s1"
if [ "${ONLY:-}" = connect ]; then
	echo "RESULT connect_ops=$conns"
	exit 0
fi

udp=$(/usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
n = 0; end = time.time() + '"$RUN_SECONDS"'
while time.time() < end:
    s.sendto(b"x" * 64, ("'"$NET.2"'", 9001)); s.recvfrom(2048); n += 1
print(n)')
snapshot "$work/s2"
report "udp (64 B datagram and its answer, one socket)" "$udp" "$work/s1" "$work/s2"

n=0
end=$((SECONDS + RUN_SECONDS))
while [ $SECONDS -lt $end ]; do
	/bin/true
	n=$((n + 1))
done
snapshot "$work/s3"
report "exec (fork + exec + exit of /bin/true)" "$n" "$work/s2" "$work/s3"
kill "$udp_pid" 2>/dev/null
echo "RESULT connect_ops=$conns udp_ops=$udp exec_ops=$n"
