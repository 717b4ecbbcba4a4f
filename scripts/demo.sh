#!/usr/bin/env bash
# scripts/demo.sh — shunt on the netns lab (configs/lab.conf) with real
# traffic: ping v4/v6, an iperf3 TCP run and three UDP streams through the
# gateway, then `shunt stats` and a summary. Everything happens in namespaces
# shunt-demo-{client,gw,server}, removed on exit. Must run as root.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PREFIX=shunt-demo

if [[ "$(id -u)" -ne 0 ]]; then
	echo "demo.sh: must run as root (network namespaces, BPF): sudo $0" >&2
	exit 1
fi

./scripts/deps.sh
if [[ ! -f build/meson-private/coredata.dat ]]; then
	meson setup build
fi
ninja -C build

# shellcheck source=../tests/lib/lab.sh
. tests/lib/lab.sh
lab_need ip jq iperf3 ping nsenter ss timeout

FAILURES=0
CONF=""
declare -A CMP # "MODE|what" -> result, for the comparison at the end

cleanup() {
	shunt_stop >/dev/null 2>&1 || true
	lab_down "$PREFIX"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

banner() { printf '\n==== %s\n' "$*"; }

problem() {
	FAILURES=$((FAILURES + 1))
	echo "demo: PROBLEM: $*" >&2
}

in_ns() {
	local ns="$1"
	shift
	ip netns exec "$ns" "$@"
}

# demo_ping LABEL PING-ARGS...: prints the summary; sets PING_RESULT.
demo_ping() {
	local label="$1" out
	shift
	out="$(in_ns "$LAB_CLIENT" ping -c 5 -i 0.2 -W 2 "$@" 2>&1)" || problem "$label failed"
	printf '%s\n' "$out" | tail -n 2 | sed 's/^/  /'
	PING_RESULT="$(printf '%s\n' "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')/5 replies"
}

iperf_listening() {
	[[ -n "$(in_ns "$LAB_SERVER" ss -Htln 'sport = :5201' 2>/dev/null)" ]]
}

# demo_iperf: 5 s TCP client -> server; sets IPERF_RESULT.
demo_iperf() {
	local json="$LAB_TMPDIR/iperf3.json" srv_pid bps
	IPERF_RESULT="failed"
	in_ns "$LAB_SERVER" timeout 30 iperf3 -s -1 -B 198.18.2.2 >/dev/null 2>&1 &
	srv_pid=$!
	if ! wait_for -t 5 iperf_listening; then
		problem "iperf3 server did not listen on 198.18.2.2:5201"
		kill "$srv_pid" 2>/dev/null || true
		return 0
	fi
	if ! in_ns "$LAB_CLIENT" timeout 30 iperf3 -c 198.18.2.2 -t 5 -J >"$json" 2>&1; then
		problem "iperf3 client failed: $(jq -r '.error // empty' "$json" 2>/dev/null)"
	fi
	wait "$srv_pid" 2>/dev/null || true
	bps="$(jq -r '.end.sum_received.bits_per_second // empty' "$json" 2>/dev/null || true)"
	if [[ -n "$bps" ]]; then
		IPERF_RESULT="$(awk -v b="$bps" 'BEGIN { printf "%.2f Gbit/s received", b / 1e9 }')"
		echo "  iperf3: $IPERF_RESULT"
	fi
}

# demo_udp ADDR PORT COUNT EXPECT RULE: COUNT datagrams client -> server;
# appends a summary line to UDP_SUMMARY.
demo_udp() {
	local addr="$1" port="$2" count="$3" expect="$4" rule="$5" sent recv_timeout=5 dest
	[[ "$addr" == *:* ]] && dest="[$addr]:$port" || dest="$addr:$port"
	((expect == 0)) && recv_timeout=2
	if ! udp_recv_start "$LAB_SERVER" "$addr" "$port" "$count" "$recv_timeout"; then
		problem "UDP receiver on $dest did not start"
		return 0
	fi
	sent="$(udp_send "$LAB_CLIENT" "$addr" "$port" "$count" 64 2000)" || problem "UDP send to $dest failed"
	udp_recv_result || problem "UDP receiver on $dest failed"
	echo "  $dest: sent ${sent:-?}, received $UDP_RECV_COUNT"
	CMP["$MODE|UDP $dest"]="${UDP_RECV_COUNT}/${sent:-?}"
	((UDP_RECV_COUNT == expect)) || problem "$dest: expected $expect received, got $UDP_RECV_COUNT"
	UDP_SUMMARY+="$(printf '  UDP %-22s sent %5s  received %5s  (expected %s; rule %s)' \
		"$dest" "${sent:-?}" "$UDP_RECV_COUNT" "$expect" "$rule")"$'\n'
}

# run_mode MODE: one shunt run in MODE with the whole traffic mix.
run_mode() {
	local mode="$1" rc=0 ping4 ping6
	MODE="$mode"
	UDP_SUMMARY=""
	banner "$mode mode: shunt run -c lab.conf --mode $mode (in $LAB_GW)"
	if ! shunt_start "$PREFIX" "$CONF" --mode "$mode"; then
		problem "shunt did not start in $mode mode"
		return 0
	fi
	grep -w ready "$SHUNT_LOG" | sed 's/^/  /'

	banner "$mode mode: ping client -> server through the gateway"
	demo_ping "ping 198.18.2.2" 198.18.2.2
	ping4="$PING_RESULT"
	demo_ping "ping -6 2001:db8:2::2" -6 2001:db8:2::2
	ping6="$PING_RESULT"

	banner "$mode mode: iperf3 TCP, 5 s, client -> 198.18.2.2:5201 (rules iperf, iperf-back)"
	demo_iperf

	banner "$mode mode: UDP streams, 64-byte payloads at 2000 datagrams/s"
	demo_udp 198.18.2.2 7000 1000 1000 "udp-fast, lane fast"
	demo_udp 198.18.2.2 7001 100 0 "udp-block, lane drop"
	demo_udp 2001:db8:2::2 7003 200 200 "v6-udp, lane fast"

	banner "$mode mode: shunt stats"
	# shellcheck disable=SC2119 # no extra stats arguments
	shunt_stats || problem "shunt stats failed"
	CMP["$mode|ping v4 / v6"]="$ping4 / $ping6"
	CMP["$mode|iperf3 TCP 5 s"]="$IPERF_RESULT"
	CMP["$mode|UDP udp-fast: lane taken (steer)"]="$(shunt_stats_json | jq -r '
		(.rules[] | select(.name == "udp-fast")) as $r |
		if $r.steer then "fast \($r.steer.fast.packets), kernel \($r.steer.kernel.packets)"
		else "kernel (no XDP)" end' 2>/dev/null || echo "?")"

	banner "$mode mode: summary"
	printf '  %-30s %s\n' "ping 198.18.2.2" "$ping4" "ping -6 2001:db8:2::2" "$ping6" \
		"iperf3 TCP 5 s" "$IPERF_RESULT"
	printf '%s' "$UDP_SUMMARY"

	shunt_stop || rc=$?
	if ((rc == 0)); then
		echo "  shunt stopped cleanly (exit 0)"
	else
		problem "shunt exited with status $rc on SIGTERM"
	fi
}

lab_up "$PREFIX"
CONF="$LAB_TMPDIR/lab.conf"
cp configs/lab.conf "$CONF"

run_mode kernel
run_mode hybrid

banner "comparison: the same traffic in both modes"
echo "  hybrid mode steers at XDP; the DPDK forwarder is not in this build yet,"
echo "  so flows whose rule says fast fail open to the kernel lane (fast_no_socket)."
printf '  %-40s %-28s %s\n' "" "kernel mode" "hybrid mode"
for what in "ping v4 / v6" "iperf3 TCP 5 s" "UDP 198.18.2.2:7000" "UDP 198.18.2.2:7001" \
	"UDP [2001:db8:2::2]:7003" "UDP udp-fast: lane taken (steer)"; do
	printf '  %-40s %-28s %s\n' "$what" "${CMP["kernel|$what"]:-?}" "${CMP["hybrid|$what"]:-?}"
done

echo
if ((FAILURES)); then
	echo "demo: finished with $FAILURES problem(s)"
	exit 1
fi
echo "demo: done"
