# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# bench_lib.sh - shared by the overhead benchmarks (sourced, not run).

# median_fmt FORMAT NUMBER...: the median of the numbers, printed with FORMAT.
median_fmt() {
	local fmt=$1
	shift
	printf '%s\n' "$@" | grep . | sort -g | awk -v f="$fmt" '{ v[NR] = $1 } END {
		printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# median NUMBER...: to three decimals (ratios).
median() {
	median_fmt '%.3f' "$@"
}

# fill_start / fill_stop: with FILL_CPUS=1, a SCHED_IDLE busy loop on every
# CPU but BENCH_CPU. On a VM an idle vCPU halts and waking it goes through
# the hypervisor, so an idle neighbour makes a benchmark's rate swing, and an
# agent that keeps it awake can look faster than no agent. SCHED_IDLE: the
# loop yields to any other task at once, and the scheduler still counts its
# CPU as idle when it places a woken thread.
fill_pids=()
fill_start() {
	local c
	[ "${FILL_CPUS:-0}" = 1 ] || return 0
	for ((c = 0; c < $(nproc); c++)); do
		[ "$c" = "$BENCH_CPU" ] && continue
		taskset -c "$c" chrt --idle 0 sh -c 'while :; do :; done' &
		fill_pids+=($!)
	done
}
fill_stop() {
	[ ${#fill_pids[@]} -gt 0 ] || return 0
	kill "${fill_pids[@]}" 2>/dev/null
	wait "${fill_pids[@]}" 2>/dev/null
	fill_pids=()
}

# await_line NAME PID FILE PATTERN: wait up to 30 s for PATTERN in FILE (the
# stderr of NAME, running as PID). 1, with FILE printed, if PID exits first
# or the time runs out.
await_line() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "$4" "$3" && return 0
		if ! kill -0 "$2" 2>/dev/null; then
			echo "$1 exited before printing '$4':" >&2
			cat "$3" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$1: no '$4' line after 30 s:" >&2
	cat "$3" >&2
	return 1
}
