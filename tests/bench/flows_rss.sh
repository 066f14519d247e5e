#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# flows_rss.sh - the agent's memory with 100,000 concurrent TCP flows (live).
#
# Usage: flows_rss.sh [EGRESSWATCH [FLOWS_HOLD [BENCH_REPLAY]]]
#   (defaults: $EGRESSWATCH / $FLOWS_HOLD / $BENCH_REPLAY, else the build/
#    paths). Environment: FLOWS (100000), HOLD_SECONDS (10).
#
# Starts `egresswatch run` (report_interval 2, data dir on /dev/shm so record
# writing is not disk-bound), opens FLOWS loopback connections with
# flows_hold, and while they are held samples the agent's VmRSS/VmHWM from
# /proc/PID/status and egresswatch_flows_open from DATA_DIR/metrics.prom.
# On loopback the agent sees both ends: about 2 x FLOWS flows (egress and
# ingress). Without root (or if the agent cannot attach) it falls back to
# the replay measurement `bench_replay --open-flows FLOWS` and says so.
# Prints a last line starting with "RESULT ".
set -u

EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
FH=${2:-${FLOWS_HOLD:-build/tests/bench/flows_hold}}
BR=${3:-${BENCH_REPLAY:-build/tests/bench/bench_replay}}
FLOWS=${FLOWS:-100000}
HOLD_SECONDS=${HOLD_SECONDS:-10}

fallback() {
	echo "flows_rss: $1: falling back to the replay measurement (not live)"
	if [ ! -x "$BR" ]; then
		echo "flows_rss: no bench_replay at $BR either" >&2
		exit 77
	fi
	"$BR" --open-flows "$FLOWS"
	exit $?
}

[ "$(id -u)" = 0 ] || fallback "not root"
for f in "$EW" "$FH"; do
	[ -x "$f" ] || fallback "$f is not an executable"
done

work=$(mktemp -d /tmp/ew-flows-rss-XXXXXX)
data=$(mktemp -d /dev/shm/ew-flows-rss-data-XXXXXX)
agent_pid=
hold_pid=
cleanup() {
	[ -n "$hold_pid" ] && kill -TERM "$hold_pid" 2>/dev/null && wait "$hold_pid" 2>/dev/null
	if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
		kill -TERM "$agent_pid"
		wait "$agent_pid" 2>/dev/null
	fi
	rm -rf "$work" "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '{"report_interval": 2}\n' >"$work/config.json"

status_mib() { # PID FIELD
	awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null
}
flows_open() {
	awk '$1 == "egresswatch_flows_open" { print $2 }' "$data/metrics.prom" 2>/dev/null
}

"$EW" run --quiet --config "$work/config.json" --data-dir "$data" 2>"$work/agent.err" \
	>/dev/null &
agent_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q 'running:' "$work/agent.err" && break
	if ! kill -0 "$agent_pid" 2>/dev/null; then
		agent_pid=
		cat "$work/agent.err" >&2
		fallback "egresswatch run exited before attaching"
	fi
	sleep 0.1
done
grep -q 'running:' "$work/agent.err" || fallback "no 'running:' line after 30 s"
sleep 2.5
base_rss=$(status_mib "$agent_pid" VmRSS)
echo "agent attached: pid $agent_pid, VmRSS $base_rss MiB, flows open $(flows_open)"

coproc HOLD { exec "$FH" -n "$FLOWS" 2>&1; }
# bash unsets HOLD when the coprocess exits: keep a copy of its fd.
exec {hold_fd}<&"${HOLD[0]}"
hold_pid=$HOLD_PID
ready=
while read -r -t 120 line <&"$hold_fd"; do
	echo "flows_hold: $line"
	case $line in READY*)
		ready=$line
		break
		;;
	esac
done
if [ -z "$ready" ]; then
	echo "flows_rss: flows_hold did not report READY" >&2
	exit 1
fi
conns=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' <<<"$ready")

max_rss=0 max_open=0 hwm=0
for ((i = 1; i <= HOLD_SECONDS; i++)); do
	sleep 1
	rss=$(status_mib "$agent_pid" VmRSS)
	hwm=$(status_mib "$agent_pid" VmHWM)
	open=$(flows_open)
	cpu=$(awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$agent_pid/stat")
	printf '  t=%2ds  VmRSS %7s MiB  VmHWM %7s MiB  flows_open %7s  agent CPU %ss\n' \
		"$i" "$rss" "$hwm" "${open:-?}" "$cpu"
	max_rss=$(awk -v a="$max_rss" -v b="$rss" 'BEGIN { print (b > a ? b : a) }')
	[ -n "$open" ] && [ "$open" -gt "$max_open" ] && max_open=$open
done

kill -TERM "$hold_pid"
while read -r -t 60 line <&"$hold_fd"; do echo "flows_hold: $line"; done
wait "$hold_pid" 2>/dev/null
hold_pid=
sleep 3
after_rss=$(status_mib "$agent_pid" VmRSS)
echo "after closing: VmRSS $after_rss MiB, flows open $(flows_open)"

kill -TERM "$agent_pid"
wait "$agent_pid"
st=$?
agent_pid=
grep -E 'stopped:|warn|error' "$work/agent.err" | tail -n 5
echo "losses by reason (non-zero):"
grep -E '^egresswatch_(kernel_drops|decode_errors|lost|ringbuf_full|records_dropped|flows_vanished|prog_recursion)_total|^egresswatch_(flows_evicted|record_write_errors)' \
	"$data/metrics.prom" | awk '$2 != 0 { print "  " $0 }'
verdict=$(awk -v h="$hwm" 'BEGIN { print (h <= 64 ? "within" : "over") }')
echo "agent with $conns connections ($max_open flows open at most): VmRSS max $max_rss MiB," \
	"VmHWM $hwm MiB ($verdict the 64 MiB target)"
echo "RESULT mode=live connections=$conns agent_flows_open=$max_open rss_mib=$max_rss" \
	"hwm_mib=$hwm base_rss_mib=$base_rss rss_after_close_mib=$after_rss agent_exit=$st"
