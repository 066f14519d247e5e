#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# syscall_overhead.sh - getppid() calls/s without and with `egresswatch run`.
#
# Usage: syscall_overhead.sh [EGRESSWATCH [BENCH_SYSCALL]]
#   (defaults: $EGRESSWATCH / $BENCH_SYSCALL, else build/agent/egresswatch and
#    build/tests/bench/bench_syscall relative to the current directory)
# Environment: RUN_SECONDS (5), BENCH_CPU (1: the loop is pinned there; -1 not
#   pinned), FILL_CPUS (1: a SCHED_IDLE busy loop on every other CPU during
#   each run, as in agent_overhead.sh: with the neighbour vCPU idle the loop
#   ran 1.10 times as fast with the agent as without; 0: none; nothing is
#   filled when the loop is not pinned).
#
# A syscall tracepoint program slows every system call of every task on the
# host, not just the agent's (KERNEL-NOTES "Costs"); this measures that.
# Runs A (no agent), B (agent running), A, B, A so drift between runs shows;
# each B is compared with the mean of the A runs around it. Needs root.
# Prints a last line starting with "RESULT ".
set -u
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BS=${2:-${BENCH_SYSCALL:-build/tests/bench/bench_syscall}}
RUN_SECONDS=${RUN_SECONDS:-5}
BENCH_CPU=${BENCH_CPU:-1}
FILL_CPUS=${FILL_CPUS:-1}
[ "$BENCH_CPU" -ge 0 ] 2>/dev/null || FILL_CPUS=0

if [ "$(id -u)" != 0 ]; then
	echo "syscall_overhead: needs root (loads eBPF programs); skipped"
	exit 77
fi
for f in "$EW" "$BS"; do
	if [ ! -x "$f" ]; then
		echo "syscall_overhead: $f is not an executable (build first, or pass paths)" >&2
		exit 2
	fi
done
ncpu=$(nproc)
[ "$BENCH_CPU" -ge "$ncpu" ] && BENCH_CPU=$((ncpu - 1))

work=$(mktemp -d /tmp/ew-syscall-XXXXXX)
data=$(mktemp -d /tmp/ew-syscall-data-XXXXXX)
agent_pid=
cleanup() {
	fill_stop
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid"
		wait "$agent_pid" 2>/dev/null
	fi
	rm -rf "$work" "$data"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '{"report_interval": 60}\n' >"$work/config.json"

# run_bench LABEL -> sets $rate
run_bench() {
	local out st
	fill_start
	out=$("$BS" -t "$RUN_SECONDS" -c "$BENCH_CPU")
	st=$?
	fill_stop
	if [ $st -ne 0 ]; then
		echo "syscall_overhead: bench_syscall failed: $out" >&2
		exit 1
	fi
	rate=$(sed -n 's/^RESULT .*calls_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
	printf '%-34s %10s calls/s\n' "$1" "$rate"
}

# start_agent: start it and wait for the "running:" line on its stderr.
start_agent() {
	local i
	rm -rf "${data:?}"/*
	: >"$work/agent.err"
	"$EW" run --quiet --config "$work/config.json" --data-dir "$data" \
		2>"$work/agent.err" >/dev/null &
	agent_pid=$!
	await_line "syscall_overhead: egresswatch run" "$agent_pid" "$work/agent.err" 'running:' || {
		agent_pid=
		exit 1
	}
}

stop_agent() {
	local st
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	st=$?
	agent_pid=
	printf '%-34s exit %d\n' "  agent stopped:" "$st"
	[ "$st" = 0 ] || { cat "$work/agent.err" >&2; }
}

echo "bench_syscall: ${RUN_SECONDS}s per run, getppid() loop on CPU $BENCH_CPU"
run_bench "A1 no agent"
a1=$rate
start_agent
run_bench "B1 agent running"
b1=$rate
stop_agent
run_bench "A2 no agent"
a2=$rate
start_agent
run_bench "B2 agent running"
b2=$rate
stop_agent
run_bench "A3 no agent"
a3=$rate

r1=$(awk -v a="$a1" -v b="$a2" -v x="$b1" 'BEGIN { printf "%.3f", x / ((a + b) / 2) }')
r2=$(awk -v a="$a2" -v b="$a3" -v x="$b2" 'BEGIN { printf "%.3f", x / ((a + b) / 2) }')
rmin=$(awk -v a="$r1" -v b="$r2" 'BEGIN { printf "%.3f", a < b ? a : b }')
rmed=$(awk -v a="$r1" -v b="$r2" 'BEGIN { printf "%.3f", (a + b) / 2 }')
drift=$(awk -v a="$a1" -v b="$a3" 'BEGIN { printf "%.3f", b / a }')
echo "B1 / mean(A1,A2):                  $r1"
echo "B2 / mean(A2,A3):                  $r2"
echo "with/without: min $rmin, median $rmed   (A3/A1 drift $drift)"
echo "RESULT ratio_min=$rmin ratio_median=$rmed ratio_1=$r1 ratio_2=$r2 drift=$drift fill_cpus=$FILL_CPUS" \
	"no_agent_1=$a1 with_agent_1=$b1 no_agent_2=$a2 with_agent_2=$b2 no_agent_3=$a3"
