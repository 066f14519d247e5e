#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# enforce_overhead.sh - what enforcement costs a connect. bench_connect
# (connect + 64 B + close on loopback, one CPU) runs under the agent in three
# policies, in rounds (A/B/C, A/B/C, ...) so that drift hits each alike:
#   monitor   no workload enforced: the connect hook pays one array lookup
#   other     a workload enforced that does not select bench_connect: the
#             hook also looks its executable up (ew_enf_exe), then allows
#   enforced  bench_connect itself enforced (a copy under a temp directory):
#             the executable lookup and the trie lookup (127.0.0.1 is
#             allowed, so the loop still connects)
# and prints, per policy, connects/s and the connect4 program's ns per run
# (kernel.bpf_stats_enabled: two clock reads per run are included), then
# the ratios to monitor.
#
# Usage: enforce_overhead.sh [EGRESSWATCH [BENCH_CONNECT]]; RUN_SECONDS (3),
# ROUNDS (2), BASE (an egresswatch built without enforcement, e.g. from the
# commit before it: its connect4 joins the rounds as "base", for the cost of
# monitor-only's one lookup). Needs root.
set -u
EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BC=${2:-${BENCH_CONNECT:-build/tests/bench/bench_connect}}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RUN_SECONDS=${RUN_SECONDS:-3}
ROUNDS=${ROUNDS:-2}
BASE=${BASE:-}
if [ "$(id -u)" != 0 ]; then
	echo "enforce_overhead: needs root (loads eBPF programs); skipped"
	exit 77
fi
for f in "$EW" "$BC"; do
	[ -x "$f" ] || { echo "enforce_overhead: $f is not an executable (build first)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/ew-enforce-XXXXXX)
agent_pid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	rm -rf "$work"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/bin" "$work/other"
cp "$BC" "$work/bin/bench_connect"
BCE="$work/bin/bench_connect"
printf '{"report_interval": 60, "content": {"enabled": false, "taxonomy": "%s"}}\n' \
	"$SRC/deploy/taxonomy.json" >"$work/config.json"
# policy NAME EXE_GLOB|"": domestic CN, no channel; one workload when a glob is given
policy() {
	/usr/bin/python3 - "$work/$1.json" "$2" <<'EOF'
import json, sys
w = [{"name": "enforced", "executable": sys.argv[2], "enforce": True,
      "categories": ["trajectory"]}] if sys.argv[2] else []
json.dump({"version": 1, "legal_entity": "Bench", "domestic_countries": ["CN"],
           "networks": [{"cidr": "198.18.4.0/24", "country": "CN", "name": "cn"}],
           "workloads": w}, open(sys.argv[1], "w"))
EOF
}
policy monitor ""
policy base ""
policy other "$work/other/*"
policy enforced "$work/bin/*"

# connect4_ns: "run_cnt run_time_ns" of the agent's ew_connect4
connect4() {
	bpftool -j prog show | /usr/bin/python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name") == "ew_connect4":
        print(p.get("run_cnt", 0), p.get("run_time_ns", 0))' | tail -1
}

# run POLICY: starts the agent, runs the loop, stops it; appends "POLICY conns/s ns/run"
run() {
	local err="$work/agent-$1-$r.err" ew="$EW"

	[ "$1" = base ] && ew="$BASE"
	: >"$err" # before the agent starts: a check must not see an older run's lines
	"$ew" run --quiet --config "$work/config.json" --policy "$work/$1.json" \
		--data-dir "$work/data-$1" 2>>"$err" &
	agent_pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'running:' "$err" && break
		kill -0 "$agent_pid" 2>/dev/null || { cat "$err" >&2; exit 1; }
		sleep 0.1
	done
	if [ "$1" != monitor ] && [ "$1" != base ] && ! grep -q 'enforcement: 1 workloads' "$err"; then
		echo "enforce_overhead: the agent did not enforce $1:" >&2
		cat "$err" >&2
		exit 1
	fi
	read -r c0 t0 <<<"$(connect4)"
	out=$("$BCE" -t "$RUN_SECONDS")
	read -r c1 t1 <<<"$(connect4)"
	kill -TERM "$agent_pid"
	wait "$agent_pid" 2>/dev/null
	agent_pid=
	rate=$(sed -n 's/^RESULT .*conns_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
	ns=$(awk -v c="$((c1 - c0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f", c ? t / c : 0 }')
	printf '%-9s round %d: %8s connects/s, connect4 %5s ns/run (%d runs)\n' "$1" "$r" "$rate" \
		"$ns" "$((c1 - c0))"
	echo "$1 $rate $ns" >>"$work/results"
}

sysctl -qw kernel.bpf_stats_enabled=1
base=$("$BCE" -t "$RUN_SECONDS" | sed -n 's/^RESULT .*conns_per_s=\([0-9.]*\).*/\1/p')
echo "no agent:  $base connects/s"
for ((r = 1; r <= ROUNDS; r++)); do
	for p in ${BASE:+base} monitor other enforced; do
		run "$p"
	done
done
awk -v base="$base" '
	{ rate[$1] += $2; ns[$1] += $3; n[$1]++ }
	END {
		for (p in n) { rate[p] /= n[p]; ns[p] /= n[p] }
		printf "mean: monitor %.0f/s %.0f ns, other %.0f/s %.0f ns, enforced %.0f/s %.0f ns\n",
			rate["monitor"], ns["monitor"], rate["other"], ns["other"], rate["enforced"], ns["enforced"]
		if (n["base"])
			printf "base (no enforcement code) %.0f/s %.0f ns: monitor-only costs %.0f ns per connect\n",
				rate["base"], ns["base"], ns["monitor"] - ns["base"]
		printf "RESULT no_agent=%.0f monitor=%.0f other=%.0f enforced=%.0f " \
			"ratio_other=%.3f ratio_enforced=%.3f connect4_ns_monitor=%.0f " \
			"connect4_ns_other=%.0f connect4_ns_enforced=%.0f\n",
			base, rate["monitor"], rate["other"], rate["enforced"],
			rate["other"] / rate["monitor"], rate["enforced"] / rate["monitor"],
			ns["monitor"], ns["other"], ns["enforced"]
	}' "$work/results"
