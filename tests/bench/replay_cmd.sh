#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# replay_cmd.sh - time `egresswatch replay` as a whole command on a synthetic
# capture (bench_replay -w), data dir and capture on tmpfs, one CPU.
#
# Usage: replay_cmd.sh [EGRESSWATCH [BENCH_REPLAY]] [-- BENCH_REPLAY_ARGS...]
#   (defaults: $EGRESSWATCH / $BENCH_REPLAY, else build/agent/egresswatch and
#    build/tests/bench/bench_replay). Environment: EVENTS (1000000), CPU (1).
# Prints a last line starting with "RESULT ".
set -u

EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
BR=${2:-${BENCH_REPLAY:-build/tests/bench/bench_replay}}
EVENTS=${EVENTS:-1000000}
CPU=${CPU:-1}
[ "$CPU" -lt "$(nproc)" ] || CPU=0

work=$(mktemp -d /dev/shm/ew-replay-cmd-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$BR" -n "$EVENTS" -w "$work/bench.cap" >/dev/null || exit 1
size=$(stat -c %s "$work/bench.cap")
# /usr/bin/time is not always installed: a child shell's `times` gives the
# CPU time (user+sys) of the replay alone.
start=$(date +%s.%N)
times_out=$(taskset -c "$CPU" bash -c '"$@" >/dev/null; s=$?; times; exit $s' sh \
	"$EW" replay "$work/bench.cap" --data-dir "$work/data" 2>"$work/err")
st=$?
end=$(date +%s.%N)
if [ $st -ne 0 ]; then
	echo "replay_cmd: egresswatch replay failed ($st):" >&2
	cat "$work/err" >&2
	exit 1
fi
cpu=$(tail -n1 <<<"$times_out" | awk '{
	split($1, u, /m|s/); split($2, s, /m|s/); printf "%.3f", u[1]*60+u[2]+s[1]*60+s[2] }')
records=$(find "$work/data/records" -type f -name '*.jsonl' -exec cat {} + 2>/dev/null | wc -l)
gz=$(find "$work/data/records" -type f -name '*.gz' -exec zcat {} + 2>/dev/null | wc -l)
records=$((records + gz))
awk -v ev="$EVENTS" -v s="$start" -v e="$end" -v c="$cpu" -v r="$records" -v sz="$size" 'BEGIN {
	w = e - s
	printf "egresswatch replay: %d events (%.1f MiB capture) in %.3f s wall, %.3f s CPU\n", ev, sz / 1048576, w, c
	printf "RESULT events=%d wall_s=%.3f cpu_s=%.3f events_per_s=%.0f events_per_s_cpu=%.0f records=%d records_per_s=%.0f\n", ev, w, c, ev / w, ev / c, r, r / w
}'
