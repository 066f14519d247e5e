#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agent_overhead.sh - loopback connections/s without and with `egresswatch run`.
#
# Usage: agent_overhead.sh [EGRESSWATCH [BENCH_CONNECT]]
#   (defaults: $EGRESSWATCH / $BENCH_CONNECT, else build/agent/egresswatch and
#    build/tests/bench/bench_connect relative to the current directory)
# Environment: RUN_SECONDS (5), BENCH_CPU (1: client and server pinned there),
#   SAME_CORE (1: also a run with the agent pinned to BENCH_CPU; 0 to skip),
#   NAMES_AB (1: the A runs have the agent with hooks.names off instead of no
#   agent, so B/A is the cost of taking each connection's first payload; the
#   connections go to 198.18.9.1, added to lo for the run, because loopback
#   addresses are never inspected).
#
# Runs A (no agent), B (agent on any CPU), A, [B' (agent on the bench's CPU), A]
# so drift between runs shows; each B is compared with the mean of the A runs
# around it. Needs root. Prints a last line starting with "RESULT ".
set -u

EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BC=${2:-${BENCH_CONNECT:-build/tests/bench/bench_connect}}
RUN_SECONDS=${RUN_SECONDS:-5}
BENCH_CPU=${BENCH_CPU:-1}
SAME_CORE=${SAME_CORE:-1}
NAMES_AB=${NAMES_AB:-0}
ADDR=127.0.0.1
if [ "$NAMES_AB" = 1 ]; then
	ADDR=198.18.9.1
	SAME_CORE=0
fi

if [ "$(id -u)" != 0 ]; then
	echo "agent_overhead: needs root (loads eBPF programs); skipped"
	exit 77
fi
for f in "$EW" "$BC"; do
	if [ ! -x "$f" ]; then
		echo "agent_overhead: $f is not an executable (build first, or pass paths)" >&2
		exit 2
	fi
done

work=$(mktemp -d /tmp/ew-overhead-XXXXXX)
data=$(mktemp -d /tmp/ew-overhead-data-XXXXXX)
agent_pid=
cleanup() {
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid"
		wait "$agent_pid" 2>/dev/null
	fi
	rm -rf "$work" "$data"
	[ "$NAMES_AB" = 1 ] && ip addr del "$ADDR/32" dev lo 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '{"report_interval": 60}\n' >"$work/config.json"
printf '{"report_interval": 60, "hooks": {"names": false}}\n' >"$work/nonames.json"
if [ "$NAMES_AB" = 1 ] && ! ip addr add "$ADDR/32" dev lo; then
	echo "agent_overhead: cannot add $ADDR to lo" >&2
	exit 1
fi

# run_bench LABEL -> sets $rate
run_bench() {
	local out
	out=$("$BC" -t "$RUN_SECONDS" -c "$BENCH_CPU" -a "$ADDR")
	if [ $? -ne 0 ]; then
		echo "agent_overhead: bench_connect failed: $out" >&2
		exit 1
	fi
	rate=$(sed -n 's/^RESULT .*conns_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
	printf '%-34s %8s conn/s\n' "$1" "$rate"
}

# start_agent [CPU [CONFIG]]: start it and wait for the "running:" line on its stderr.
start_agent() {
	local pin=() i
	[ -n "${1:-}" ] && pin=(taskset -c "$1")
	rm -rf "${data:?}"/*
	: >"$work/agent.err"
	"${pin[@]}" "$EW" run --quiet --config "${2:-$work/config.json}" --data-dir "$data" \
		2>"$work/agent.err" >/dev/null &
	agent_pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q 'running:' "$work/agent.err" && return 0
		if ! kill -0 "$agent_pid" 2>/dev/null; then
			echo "agent_overhead: egresswatch run exited before attaching:" >&2
			cat "$work/agent.err" >&2
			agent_pid=
			exit 1
		fi
		sleep 0.1
	done
	echo "agent_overhead: no 'running:' line after 30 s:" >&2
	cat "$work/agent.err" >&2
	exit 1
}

# stop_agent -> sets $flows (from the agent's "stopped:" line)
stop_agent() {
	local st
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	st=$?
	agent_pid=
	flows=$(sed -n 's/.*stopped: \([0-9]*\) flows.*/\1/p' "$work/agent.err" | tail -n1)
	lost=$(sed -n 's/.*stopped: .*written, \([0-9]*\) lost.*/\1/p' "$work/agent.err" | tail -n1)
	printf '%-34s exit %d, %s flows, %s lost\n' "  agent stopped:" "$st" "${flows:-?}" \
		"${lost:-?}"
	[ "$st" = 0 ] || { cat "$work/agent.err" >&2; }
}

# A runs: no agent, or with NAMES_AB the agent without payload capture.
run_a() {
	if [ "$NAMES_AB" = 1 ]; then
		start_agent "" "$work/nonames.json"
		run_bench "$1 agent, hooks.names off"
		stop_agent
	else
		run_bench "$1 no agent"
	fi
}

echo "bench_connect: ${RUN_SECONDS}s per run to $ADDR, client and server on CPU $BENCH_CPU"
run_a A1
a1=$rate
start_agent
run_bench "B  agent running (any CPU)"
b=$rate
stop_agent
b_flows=${flows:-0}
run_a A2
a2=$rate
bs=
if [ "$SAME_CORE" = 1 ]; then
	start_agent "$BENCH_CPU"
	run_bench "B' agent pinned to CPU $BENCH_CPU"
	bs=$rate
	stop_agent
	run_bench "A3 no agent"
	a3=$rate
fi

ratio=$(awk -v a="$a1" -v b="$a2" -v x="$b" 'BEGIN { printf "%.3f", x / ((a + b) / 2) }')
drift=$(awk -v a="$a1" -v b="$a2" 'BEGIN { printf "%.3f", b / a }')
echo "with/without (B / mean(A1,A2)):    $ratio   (A2/A1 drift $drift; target >= 0.90)"
extra=
if [ -n "$bs" ]; then
	ratio_s=$(awk -v a="$a2" -v b="$a3" -v x="$bs" 'BEGIN { printf "%.3f", x / ((a + b) / 2) }')
	echo "same core (B' / mean(A2,A3)):      $ratio_s"
	extra=" same_core=$bs no_agent_3=$a3 ratio_same_core=$ratio_s"
fi
echo "RESULT no_agent_1=$a1 with_agent=$b no_agent_2=$a2 ratio=$ratio drift=$drift" \
	"agent_flows=$b_flows$extra"
