#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# hook_floor.sh - what the agent's per-connection hooks cost before their
# programs do anything: connect + 64 B write + close on loopback
# (bench_connect, client and server on BENCH_CPU) with nothing attached (A),
# with empty programs on one family of hooks at a time (empty_hooks: skb,
# state, connect, send), on all of them, and with the agent itself. Each
# round runs A, then the variants in an order that rotates from round to
# round, then A again; each variant is divided by the mean of its round's
# two A runs, and the medians over the rounds are printed. The gap between
# "all" and 1 is the floor no change inside a program can remove.
#
# Usage: hook_floor.sh [EGRESSWATCH [BENCH_CONNECT [EMPTY_HOOKS]]]
#   (defaults: build/agent/egresswatch, build/tests/bench/bench_connect,
#    build/tests/bench/empty_hooks; its object next to it)
# Environment: ROUNDS (4), RUN_SECONDS (5), BENCH_CPU (1), FILL_CPUS (1: a
#   SCHED_IDLE busy loop on every other CPU during every run, as in
#   agent_overhead.sh: on a VM an idle neighbour vCPU halts and the rates
#   swing; 0: none), VARIANTS (the variants to run, of: skb state connect
#   send all agent agent-other; default all but agent-other, which is the
#   agent pinned to the CPUs other than BENCH_CPU: the difference between
#   agent and agent-other is what its user-space work takes from the
#   benchmark's CPU when the scheduler puts it there).
# Needs root. Prints a last line starting with "RESULT ".
set -u
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BC=${2:-${BENCH_CONNECT:-build/tests/bench/bench_connect}}
EH=${3:-${EMPTY_HOOKS:-build/tests/bench/empty_hooks}}
ROUNDS=${ROUNDS:-4}
RUN_SECONDS=${RUN_SECONDS:-5}
BENCH_CPU=${BENCH_CPU:-1}
FILL_CPUS=${FILL_CPUS:-1}
VARIANTS=${VARIANTS:-skb state connect send all agent}
CG=/sys/fs/cgroup/unified
[ -f /sys/fs/cgroup/cgroup.controllers ] && CG=/sys/fs/cgroup

if [ "$(id -u)" != 0 ]; then
	echo "hook_floor: needs root (attaches eBPF programs); skipped"
	exit 77
fi
for f in "$BC" "$EH"; do
	[ -x "$f" ] || { echo "hook_floor: $f is not an executable (build first)" >&2; exit 2; }
done
[ -f "$EH.bpf.o" ] || { echo "hook_floor: $EH.bpf.o is missing (build first)" >&2; exit 2; }
read -r -a variants <<<"$VARIANTS"
other_cpus=
for v in "${variants[@]}"; do
	case $v in
	skb | state | connect | send | all) ;;
	agent | agent-other)
		if [ ! -x "$EW" ]; then
			echo "hook_floor: $EW is not an executable (build first, or leave $v out of VARIANTS)" >&2
			exit 2
		fi ;;
	*)
		echo "hook_floor: unknown variant '$v' in VARIANTS" \
			"(skb state connect send all agent agent-other)" >&2
		exit 2 ;;
	esac
done
for ((c = 0; c < $(nproc); c++)); do
	[ "$c" = "$BENCH_CPU" ] || other_cpus+=${other_cpus:+,}$c
done
if [ ! -f "$CG/cgroup.controllers" ]; then
	echo "hook_floor: no cgroup v2 hierarchy at /sys/fs/cgroup or $CG" >&2
	exit 1
fi

work=$(mktemp -d /tmp/ew-floor-XXXXXX)
holder_pid=
cleanup() {
	fill_stop
	if [ -n "$holder_pid" ] && kill -0 "$holder_pid" 2>/dev/null; then
		kill -TERM "$holder_pid"
		wait "$holder_pid" 2>/dev/null
	fi
	rm -rf "$work"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
printf '{"report_interval": 60}\n' >"$work/config.json"

# hold VARIANT: attach it (empty programs or the agent) and wait until it is in place.
hold() {
	local i ready
	: >"$work/holder.err"
	case $1 in
	none) return 0 ;;
	agent | agent-other)
		local pin=()
		[ "$1" = agent-other ] && pin=(taskset -c "$other_cpus")
		rm -rf "$work/data"
		"${pin[@]}" "$EW" run --quiet --config "$work/config.json" --data-dir "$work/data" \
			2>"$work/holder.err" >/dev/null &
		ready='running:' ;;
	all)
		"$EH" "$EH.bpf.o" "$CG" 2>"$work/holder.err" &
		ready='attached:' ;;
	*)
		"$EH" "$EH.bpf.o" "$CG" "$1" 2>"$work/holder.err" &
		ready='attached:' ;;
	esac
	holder_pid=$!
	await_line "hook_floor: $1" "$holder_pid" "$work/holder.err" "$ready" || {
		holder_pid=
		exit 1
	}
}

# release VARIANT: detach it; an agent that lost records says so (the rate stands).
release() {
	local st
	[ -n "$holder_pid" ] || return 0
	kill -TERM "$holder_pid"
	wait "$holder_pid"
	st=$?
	holder_pid=
	[ "$st" = 0 ] && return 0
	if [ "$st" = 1 ] && grep -q 'stopped: .* lost' "$work/holder.err"; then
		echo "  ($1 exited 1: $(sed -n 's/.*stopped: //p' "$work/holder.err" | tail -n1))"
		return 0
	fi
	echo "hook_floor: $1 exited $st:" >&2
	cat "$work/holder.err" >&2
	exit 1
}

# run VARIANT -> sets $rate
run() {
	local out
	hold "$1"
	fill_start
	out=$("$BC" -t "$RUN_SECONDS" -c "$BENCH_CPU" -a 127.0.0.1)
	local st=$?
	fill_stop
	release "$1"
	if [ $st -ne 0 ]; then
		echo "hook_floor: bench_connect failed: $out" >&2
		exit 1
	fi
	rate=$(sed -n 's/^RESULT .*conns_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
	printf '  %-8s %8s conn/s\n' "$1" "$rate"
}

declare -A ratios
echo "hook_floor: ${RUN_SECONDS}s runs on 127.0.0.1, client and server on CPU $BENCH_CPU," \
	"fill_cpus=$FILL_CPUS, cgroup $CG"
for ((r = 0; r < ROUNDS; r++)); do
	echo "round $((r + 1)):"
	run none
	a_before=$rate
	declare -A got=()
	n=${#variants[@]}
	for ((k = 0; k < n; k++)); do
		v=${variants[$(((k + r) % n))]}
		run "$v"
		got[$v]=$rate
	done
	run none
	for v in "${variants[@]}"; do
		ratios[$v]+="$(awk -v x="${got[$v]}" -v a="$a_before" -v b="$rate" \
			'BEGIN { printf "%.3f", x / ((a + b) / 2) }') "
	done
done
line="RESULT rounds=$ROUNDS fill_cpus=$FILL_CPUS"
echo "over the mean of each round's two runs with nothing attached (median, all rounds):"
for v in "${variants[@]}"; do
	# shellcheck disable=SC2086 # the list is space-separated numbers
	m=$(median ${ratios[$v]})
	printf '  %-8s %s   (%s)\n' "$v" "$m" "${ratios[$v]% }"
	line="$line ${v}_median=$m ${v}_ratios=$(tr ' ' , <<<"${ratios[$v]% }")"
done
echo "$line"
