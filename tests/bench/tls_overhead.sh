#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tls_overhead.sh - what hooking SSL_write costs: ns per SSL_write of 1 KiB
# with no probe, with an empty uprobe and with `egresswatch run`, and HTTPS
# requests/s (1 KiB and 64 KiB bodies) with and without the agent.
#
# Usage: tls_overhead.sh [--no-tls-traffic] [EGRESSWATCH [TLS_PEER [UPROBE_EMPTY]]]
#   (defaults: build/agent/egresswatch, build/tests/tools/tls_peer and
#    build/tests/bench/uprobe_empty relative to the current directory)
#   --no-tls-traffic: run syscall_overhead.sh instead (getppid() calls/s with
#    and without the agent, its TLS hooks attached but never hit).
# Environment: ROUNDS (3), WRITES (50000 SSL_writes per run), REQS_1K (4000),
#   REQS_64K (1000), BENCH_CPU (1: the client is pinned there, -1 not),
#   ADDR (198.18.9.7: added to lo for the run, because the agent never inspects
#   loopback addresses; 127.0.0.1 to measure on those), PORT (18443).
#
# One run, interleaved rounds A (no probe), B (uprobe_empty on SSL_write and
# SSL_write_ex of the libssl tls_peer uses), C (agent running), A, B, C...
# so drift shows in every configuration alike. Medians over the rounds; the
# agent's per-write time over the empty uprobe's, and its overhead above no
# probe over the empty uprobe's. Needs root. Prints a last line "RESULT ".
set -u
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

if [ "${1:-}" = --no-tls-traffic ]; then
	shift
	here=$(dirname "$0")
	bs=${BENCH_SYSCALL:-$(dirname "${3:-build/tests/bench/uprobe_empty}")/bench_syscall}
	exec "$here/syscall_overhead.sh" "${1:-build/agent/egresswatch}" "$bs"
fi
EW=${1:-${EGRESSWATCH:-build/agent/egresswatch}}
TP=${2:-${TLS_PEER:-build/tests/tools/tls_peer}}
UE=${3:-${UPROBE_EMPTY:-build/tests/bench/uprobe_empty}}
ROUNDS=${ROUNDS:-3}
WRITES=${WRITES:-50000}
REQS_1K=${REQS_1K:-4000}
REQS_64K=${REQS_64K:-1000}
BENCH_CPU=${BENCH_CPU:-1}
ADDR=${ADDR:-198.18.9.7}
PORT=${PORT:-18443}

if [ "$(id -u)" != 0 ]; then
	echo "tls_overhead: needs root (loads eBPF programs); skipped"
	exit 77
fi
for f in "$EW" "$TP" "$UE"; do
	if [ ! -x "$f" ]; then
		echo "tls_overhead: $f is not an executable (build first, or pass paths)" >&2
		exit 2
	fi
done
ncpu=$(nproc)
[ "$BENCH_CPU" -ge "$ncpu" ] && BENCH_CPU=$((ncpu - 1))
LIBSSL=$(ldd "$TP" | awk '/libssl\.so/ { print $3 }')
if [ ! -f "$LIBSSL" ]; then
	echo "tls_overhead: cannot find the libssl $TP uses" >&2
	exit 2
fi

work=$(mktemp -d /tmp/ew-tls-XXXXXX)
data=$(mktemp -d /tmp/ew-tls-data-XXXXXX)
agent_pid=
probe_pid=
server_pid=
lo_added=
stop_pid() {
	if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1"
		wait "$1" 2>/dev/null
	fi
}
cleanup() {
	stop_pid "$agent_pid"
	stop_pid "$probe_pid"
	stop_pid "$server_pid"
	[ -n "$lo_added" ] && ip addr del "$ADDR/32" dev lo 2>/dev/null
	rm -rf "$work" "$data"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The shipped taxonomy: the agent inspects what it takes, as in production.
src=$(cd "$(dirname "$0")/../.." && pwd)
printf '{"report_interval": 60, "content": {"taxonomy": "%s", "subject_key": "%s"}}\n' \
	"$src/deploy/taxonomy.json" "$work/subject.key" >"$work/config.json"
if ! ip -o addr show | grep -q " inet $ADDR/"; then
	if ! ip addr add "$ADDR/32" dev lo; then
		echo "tls_overhead: cannot add $ADDR to lo" >&2
		exit 1
	fi
	lo_added=1
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
	-out "$work/cert.pem" -days 2 -subj /CN=tls-overhead.invalid 2>/dev/null || exit 1
"$TP" serve --cert "$work/cert.pem" --key "$work/key.pem" --addr "$ADDR" --port "$PORT" \
	>"$work/server.out" 2>&1 &
server_pid=$!

# wait_line FILE TEXT PID WHAT: until FILE has TEXT, while PID lives (30 s).
wait_line() {
	await_line "tls_overhead: $4" "$3" "$1" "$2" || exit 1
}
wait_line "$work/server.out" ready "$server_pid" "tls_peer serve"

start_config() {
	case $1 in
	B)
		"$UE" --lib "$LIBSSL" --func SSL_write --func SSL_write_ex >"$work/probe.out" 2>&1 &
		probe_pid=$!
		wait_line "$work/probe.out" attached "$probe_pid" uprobe_empty
		;;
	C)
		rm -rf "${data:?}"/*
		"$EW" run --quiet --config "$work/config.json" --data-dir "$data" \
			2>"$work/agent.err" >/dev/null &
		agent_pid=$!
		wait_line "$work/agent.err" 'running:' "$agent_pid" "egresswatch run"
		;;
	esac
}

stop_config() {
	stop_pid "$probe_pid"
	probe_pid=
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid"
		wait "$agent_pid" || { echo "tls_overhead: agent exit $?" >&2; cat "$work/agent.err" >&2; }
		agent_pid=
	fi
}

# result OUTPUT KEY: the value of KEY= on OUTPUT's RESULT line.
result() {
	sed -n "s/^RESULT .*\\b$2=\\([0-9.]*\\).*/\\1/p" <<<"$1"
}

measure() {
	local out
	out=$("$TP" writes --host "$ADDR" --port "$PORT" --size 1024 --count "$WRITES" \
		--cpu "$BENCH_CPU") || { echo "tls_overhead: writes failed" >&2; exit 1; }
	ns=$(result "$out" ns_per_write)
	out=$("$TP" bench --host "$ADDR" --port "$PORT" --body-size 1024 --requests "$REQS_1K" \
		--cpu "$BENCH_CPU") || { echo "tls_overhead: bench 1k failed" >&2; exit 1; }
	r1k=$(result "$out" requests_per_s)
	out=$("$TP" bench --host "$ADDR" --port "$PORT" --body-size 65536 --requests "$REQS_64K" \
		--cpu "$BENCH_CPU") || { echo "tls_overhead: bench 64k failed" >&2; exit 1; }
	r64k=$(result "$out" requests_per_s)
}

median() {
	# shellcheck disable=SC2086 # $1 is a space-separated list of numbers
	median_fmt '%.1f' $1
}

declare -A NS R1K R64K names
names=([A]="no probe" [B]="empty uprobe" [C]="agent")
echo "tls_overhead: $ROUNDS rounds of A (no probe) B (empty uprobe on SSL_write{,_ex} of $LIBSSL)"
echo "  C (egresswatch run); $WRITES writes of 1 KiB; $REQS_1K x 1 KiB and $REQS_64K x 64 KiB"
echo "  HTTPS POSTs on one keep-alive connection; to $ADDR:$PORT; client on CPU $BENCH_CPU"
printf '%-22s %14s %14s %14s\n' round ns/SSL_write 'req/s 1KiB' 'req/s 64KiB'
for ((r = 1; r <= ROUNDS; r++)); do
	for c in A B C; do
		start_config $c
		measure
		stop_config
		NS[$c]="${NS[$c]:-} $ns"
		R1K[$c]="${R1K[$c]:-} $r1k"
		R64K[$c]="${R64K[$c]:-} $r64k"
		printf '%-22s %14s %14s %14s\n' "$c$r ${names[$c]}" "$ns" "$r1k" "$r64k"
	done
done
for c in A B C; do
	eval "ns_$c=$(median "${NS[$c]}") r1k_$c=$(median "${R1K[$c]}") r64k_$c=$(median "${R64K[$c]}")"
done
# shellcheck disable=SC2154
{
	printf '%-22s %14s %14s %14s\n' "median A" "$ns_A" "$r1k_A" "$r64k_A"
	printf '%-22s %14s %14s %14s\n' "median B" "$ns_B" "$r1k_B" "$r64k_B"
	printf '%-22s %14s %14s %14s\n' "median C" "$ns_C" "$r1k_C" "$r64k_C"
	calc() { awk "BEGIN { d = $2; printf \"%.3f\", d == 0 ? 0 : ($1) / d }"; }
	w_cb=$(calc "$ns_C" "$ns_B")
	o_cb=$(calc "$ns_C - $ns_A" "$ns_B - $ns_A")
	t1=$(calc "$r1k_C" "$r1k_A")
	t64=$(calc "$r64k_C" "$r64k_A")
	t1b=$(calc "$r1k_B" "$r1k_A")
	t64b=$(calc "$r64k_B" "$r64k_A")
	echo "per SSL_write: agent / empty uprobe                  $w_cb"
	echo "per SSL_write overhead above no probe: agent / empty  $o_cb" \
		"($(awk "BEGIN { printf \"%.0f\", $ns_C - $ns_A }") ns vs" \
		"$(awk "BEGIN { printf \"%.0f\", $ns_B - $ns_A }") ns)"
	echo "HTTPS req/s agent / no agent: 1 KiB $t1, 64 KiB $t64 (empty uprobe: $t1b, $t64b)"
	echo "RESULT ns_write_none=$ns_A ns_write_empty=$ns_B ns_write_agent=$ns_C" \
		"write_agent_over_empty=$w_cb overhead_agent_over_empty=$o_cb" \
		"rps_1k_none=$r1k_A rps_1k_agent=$r1k_C rps_64k_none=$r64k_A rps_64k_agent=$r64k_C" \
		"rps_1k_ratio=$t1 rps_64k_ratio=$t64"
}
