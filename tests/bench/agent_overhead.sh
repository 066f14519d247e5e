#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agent_overhead.sh - TCP connections/s without and with `egresswatch run`.
#
# Usage: agent_overhead.sh [EGRESSWATCH [BENCH_CONNECT]]
#   (defaults: $EGRESSWATCH / $BENCH_CONNECT, else build/agent/egresswatch and
#    build/tests/bench/bench_connect relative to the current directory)
# Environment: RUN_SECONDS (5), BENCH_CPU (1: client and server pinned there),
#   SAME_CORE (1: also a run with the agent pinned to BENCH_CPU; 0 to skip),
#   NAMES_AB (1: the A runs have the agent with hooks.names off instead of no
#   agent, so B/A is the cost of taking each connection's first payload; the
#   connections go to 198.18.9.1, added to lo for the run, because loopback
#   addresses are never inspected),
#   CONTENT_ABC (1: rounds of A no agent, B agent with content.enabled false,
#   C agent with content capture on (B and C in turns first), A..., ROUNDS of
#   them (5); each B and C
#   over the mean of the A runs around it, medians printed: the cost of
#   content capture is C over B),
#   CONTENT_INBOUND (1: every agent with content on also has content.inbound
#   true, so C is the cost of capturing both directions),
#   PEER (lo: client and server on loopback; veth: the server runs in a network
#   namespace reached over a veth pair, host 198.18.200.1/24, peer
#   198.18.200.2/24, so the connections cross a link and the agent sees both
#   ends; the namespace and the veth are removed on exit).
#
#   FILL_CPUS (1: during every run, A and B alike, a SCHED_IDLE busy loop on
#   each CPU but BENCH_CPU. On a VM whose idle vCPUs halt, an idle neighbour
#   made no-agent runs swing between 6,000 and 12,500 conn/s, and an agent,
#   by keeping the neighbour awake, could look faster than no agent. The
#   loop keeps it awake in every run; SCHED_IDLE, so it yields to the agent
#   at once and the scheduler still counts its CPU as idle when it places a
#   woken agent thread. Default 1; 0: the neighbour left idle, as runs before 2026-12-01),
#   ROUNDS (plain mode: 2 pairs; CONTENT_ABC: 5 rounds),
#   BASE (another egresswatch binary: each round also runs it, B0, the new
#   and the base agent in turns first, so one session compares two builds).
#
# Runs A0 (no agent), then ROUNDS pairs of B (agent on any CPU) and A, then
# [B' (agent on the bench's CPU), A'], so drift between runs shows; each B is
# compared with the mean of the A runs around it (ratio_median and the spread:
# over all pairs; with a pair ratio spreading over +-8 % here, quote a median
# of 6 or more). Each B run also reports the agent's CPU time (user + system)
# per connection. Needs root. Prints a last line starting with "RESULT ".
set -u
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BC=${2:-${BENCH_CONNECT:-build/tests/bench/bench_connect}}
RUN_SECONDS=${RUN_SECONDS:-5}
BENCH_CPU=${BENCH_CPU:-1}
SAME_CORE=${SAME_CORE:-1}
NAMES_AB=${NAMES_AB:-0}
CONTENT_ABC=${CONTENT_ABC:-0}
if [ "$CONTENT_ABC" = 1 ]; then
	ROUNDS=${ROUNDS:-5}
else
	ROUNDS=${ROUNDS:-2}
fi
BASE=${BASE:-}
FILL_CPUS=${FILL_CPUS:-1}
PEER=${PEER:-lo}
ADDR=127.0.0.1
LO_ADDR=
HOST_ADDR=198.18.200.1
NS=ewbench$$
VETH=ewbv$$
if [ "$NAMES_AB" = 1 ]; then
	ADDR=198.18.9.1
	LO_ADDR=$ADDR
	SAME_CORE=0
fi
case $PEER in
lo) ;;
veth)
	ADDR=198.18.200.2
	LO_ADDR=
	;;
*)
	echo "agent_overhead: PEER must be lo or veth, not '$PEER'" >&2
	exit 2
	;;
esac

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
server_pid=
netns_made=
cleanup() {
	fill_stop
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid"
		wait "$server_pid" 2>/dev/null
	fi
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid"
		wait "$agent_pid" 2>/dev/null
	fi
	rm -rf "$work" "$data"
	[ -n "$LO_ADDR" ] && ip addr del "$LO_ADDR/32" dev lo 2>/dev/null
	if [ -n "$netns_made" ]; then
		ip link del "$VETH" 2>/dev/null
		ip netns del "$NS" 2>/dev/null
	fi
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${CONTENT_INBOUND:-0}" = 1 ]; then
	printf '{"report_interval": 60, "content": {"inbound": true}}\n' >"$work/config.json"
else
	printf '{"report_interval": 60}\n' >"$work/config.json"
fi
printf '{"report_interval": 60, "hooks": {"names": false}}\n' >"$work/nonames.json"
printf '{"report_interval": 60, "content": {"enabled": false}}\n' >"$work/nocontent.json"
if [ -n "$LO_ADDR" ] && ! ip addr add "$LO_ADDR/32" dev lo; then
	echo "agent_overhead: cannot add $LO_ADDR to lo" >&2
	exit 1
fi

# setup_peer: namespace $NS with $ADDR on eth0, the host's end $VETH with $HOST_ADDR.
setup_peer() {
	local used
	used=$(ip -4 route show root "${HOST_ADDR%.*}.0/24")
	if [ -n "$used" ]; then
		echo "agent_overhead: ${HOST_ADDR%.*}.0/24 is already routed (another run?): $used" >&2
		exit 1
	fi
	netns_made=1
	if ! { ip netns add "$NS" &&
		ip link add "$VETH" type veth peer name eth0 netns "$NS" &&
		ip addr add "$HOST_ADDR/24" dev "$VETH" &&
		ip link set "$VETH" up &&
		ip netns exec "$NS" ip addr add "$ADDR/24" dev eth0 &&
		ip netns exec "$NS" ip link set eth0 up &&
		ip netns exec "$NS" ip link set lo up; }; then
		echo "agent_overhead: cannot set up namespace $NS over $VETH" >&2
		exit 1
	fi
}

# start_server -> sets $server_pid, $port: bench_connect -S inside $NS.
start_server() {
	local i
	: >"$work/server.out"
	ip netns exec "$NS" "$BC" -S -a "$ADDR" -c "$BENCH_CPU" >"$work/server.out" 2>&1 &
	server_pid=$!
	for ((i = 0; i < 100; i++)); do
		port=$(sed -n 's/^ready .*:\([0-9]*\)$/\1/p' "$work/server.out")
		[ -n "$port" ] && return 0
		if ! kill -0 "$server_pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "agent_overhead: bench_connect -S in $NS did not get ready:" >&2
	cat "$work/server.out" >&2
	exit 1
}

stop_server() {
	kill -TERM "$server_pid"
	wait "$server_pid" 2>/dev/null
	server_pid=
}

# run_bench LABEL -> sets $rate
run_bench() {
	local out st
	fill_start
	if [ "$PEER" = veth ]; then
		start_server
		out=$("$BC" -C -t "$RUN_SECONDS" -c "$BENCH_CPU" -a "$ADDR" -p "$port")
		st=$?
		stop_server
	else
		out=$("$BC" -t "$RUN_SECONDS" -c "$BENCH_CPU" -a "$ADDR")
		st=$?
	fi
	fill_stop
	if [ $st -ne 0 ]; then
		echo "agent_overhead: bench_connect failed: $out" >&2
		exit 1
	fi
	rate=$(sed -n 's/^RESULT .*conns_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
	conns=$(sed -n 's/^RESULT conns=\([0-9]*\).*/\1/p' <<<"$out")
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
	await_line "agent_overhead: egresswatch run" "$agent_pid" "$work/agent.err" 'running:' || {
		agent_pid=
		exit 1
	}
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

# pair_ratio B A_BEFORE A_AFTER -> B / mean(A_BEFORE, A_AFTER)
pair_ratio() {
	awk -v x="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.3f", x / ((a + b) / 2) }'
}

[ "$PEER" = veth ] && setup_peer
if [ "$PEER" = veth ]; then
	echo "bench_connect: ${RUN_SECONDS}s per run to $ADDR in namespace $NS over $VETH," \
		"client and server on CPU $BENCH_CPU"
else
	echo "bench_connect: ${RUN_SECONDS}s per run to $ADDR, client and server on CPU $BENCH_CPU"
fi
[ "$FILL_CPUS" = 1 ] && echo "FILL_CPUS=1: a SCHED_IDLE busy loop on every other CPU during each run"
if [ "$CONTENT_ABC" = 1 ]; then
	run_bench "A0 no agent"
	a_prev=$rate
	off_r=() on_r=() onoff_r=()
	# B and C swap places every round, so neither always runs first.
	for ((r = 1; r <= ROUNDS; r++)); do
		for which in $([ $((r % 2)) = 1 ] && echo "off on" || echo "on off"); do
			if [ "$which" = off ]; then
				start_agent "" "$work/nocontent.json"
				run_bench "B$r agent, content off"
				b=$rate
			else
				start_agent
				run_bench "C$r agent, content on"
				c=$rate
			fi
			stop_agent
		done
		run_bench "A$r no agent"
		a=$rate
		off_r+=("$(pair_ratio "$b" "$a_prev" "$a")")
		on_r+=("$(pair_ratio "$c" "$a_prev" "$a")")
		onoff_r+=("$(awk -v c="$c" -v b="$b" 'BEGIN { printf "%.3f", c / b }')")
		echo "  round $r: off/none ${off_r[-1]}, on/none ${on_r[-1]}, on/off ${onoff_r[-1]}"
		a_prev=$a
	done
	echo "RESULT content_off_ratio_median=$(median "${off_r[@]}")" \
		"content_on_ratio_median=$(median "${on_r[@]}")" \
		"on_over_off_median=$(median "${onoff_r[@]}")" \
		"off=${off_r[*]// /,} on=${on_r[*]// /,} rounds=$ROUNDS peer=$PEER"
	exit 0
fi

# agent_cpu -> ticks of user + system time the agent has used so far
agent_cpu() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$agent_pid/stat" 2>/dev/null || echo 0
}

# run_b LABEL [BINARY]: one B run -> $rate, $flows, $cpu_us (agent CPU per connection)
run_b() {
	local c0 c1 ew_saved=$EW
	[ -n "${2:-}" ] && EW=$2
	start_agent
	EW=$ew_saved
	c0=$(agent_cpu)
	run_bench "$1"
	c1=$(agent_cpu)
	cpu_us=$(awk -v a="$c0" -v b="$c1" -v n="$conns" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", n ? (b - a) * 1e6 / hz / n : 0 }')
	stop_agent
	echo "  agent CPU: $cpu_us us per connection"
}

# spread of the arguments: "min-max"
spread() {
	printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}

# Plain mode: A0, then ROUNDS times (B, A), each B over the mean of the A runs
# around it. With BASE (another egresswatch binary), each round runs the base
# agent too (B0), the two in turns first: new over base is B over B0.
run_a A0
a_prev=$rate
a0=$rate
ratios=() cpus=() base_ratios=() base_cpus=() nb=()
for ((r = 1; r <= ROUNDS; r++)); do
	order="new"
	if [ -n "$BASE" ]; then
		order=$([ $((r % 2)) = 1 ] && echo "new base" || echo "base new")
	fi
	for which in $order; do
		if [ "$which" = new ]; then
			run_b "B$r agent running (any CPU)"
			b=$rate
			cpus+=("$cpu_us")
			[ "$r" = 1 ] && b1=$rate b1_flows=${flows:-0}
			[ "$r" = 2 ] && b2=$rate b2_flows=${flows:-0}
		else
			run_b "B0$r base agent (any CPU)" "$BASE"
			b0=$rate
			base_cpus+=("$cpu_us")
		fi
	done
	run_a "A$r"
	ratios+=("$(pair_ratio "$b" "$a_prev" "$rate")")
	line="  round $r: B/A ${ratios[-1]}"
	if [ -n "$BASE" ]; then
		base_ratios+=("$(pair_ratio "$b0" "$a_prev" "$rate")")
		nb+=("$(awk -v x="$b" -v y="$b0" 'BEGIN { printf "%.3f", x / y }')")
		line="$line, base B0/A ${base_ratios[-1]}, new/base ${nb[-1]}"
	fi
	echo "$line"
	[ "$r" = 1 ] && a1=$rate
	[ "$r" = 2 ] && a2=$rate
	a_prev=$rate
done
bs=
if [ "$SAME_CORE" = 1 ]; then
	start_agent "$BENCH_CPU"
	run_bench "B' agent pinned to CPU $BENCH_CPU"
	bs=$rate
	stop_agent
	a_last=$a_prev
	run_bench "A' no agent"
	a4=$rate
fi

rmed=$(median "${ratios[@]}")
rmin=$(printf '%s\n' "${ratios[@]}" | sort -g | head -n1)
drift=$(awk -v a="$a0" -v b="${a1:-$a0}" 'BEGIN { printf "%.3f", b / a }')
echo "with/without over $ROUNDS pairs: median $rmed, spread $(spread "${ratios[@]}")" \
	"(A1/A0 drift $drift)"
echo "agent CPU per connection: median $(median "${cpus[@]}") us"
extra=
if [ -n "$BASE" ]; then
	echo "base agent over $ROUNDS pairs: median $(median "${base_ratios[@]}")," \
		"spread $(spread "${base_ratios[@]}"); new/base median $(median "${nb[@]}")," \
		"spread $(spread "${nb[@]}"); base CPU median $(median "${base_cpus[@]}") us"
	extra=" base_ratio_median=$(median "${base_ratios[@]}") base_ratios=$(IFS=,; echo "${base_ratios[*]}")"
	extra="$extra new_over_base_median=$(median "${nb[@]}") base_cpu_us_median=$(median "${base_cpus[@]}")"
fi
if [ -n "$bs" ]; then
	ratio_s=$(pair_ratio "$bs" "$a_last" "$a4")
	echo "same core (B' / mean(A, A')):      $ratio_s"
	extra="$extra same_core=$bs ratio_same_core=$ratio_s"
fi
echo "RESULT no_agent_1=$a0 with_agent=${b1:-} no_agent_2=${a1:-} ratio=${ratios[0]}" \
	"drift=$drift agent_flows=${b1_flows:-0} with_agent_2=${b2:-} no_agent_3=${a2:-}" \
	"ratio_2=${ratios[1]:-} agent_flows_2=${b2_flows:-0} ratio_min=$rmin ratio_median=$rmed" \
	"ratios=$(IFS=,; echo "${ratios[*]}") pairs=$ROUNDS" \
	"agent_cpu_us_median=$(median "${cpus[@]}") peer=$PEER fill_cpus=$FILL_CPUS$extra"
