#!/usr/bin/env bash
# scripts/demo.sh — shunt on the netns lab (configs/lab.conf) with real
# traffic, once in kernel mode and once in hybrid mode: ping v4/v6, an iperf3
# TCP run, three UDP streams and a short UDP load (bench/measure.sh) through
# the gateway, then `shunt stats` (both lanes' counters) and a comparison of
# the two modes: what arrived, which lane carried it, rate, loss and CPU.
# Everything happens in namespaces shunt-demo-{client,gw,server}, removed on
# exit. Must run as root.
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
# shellcheck source=../bench/measure.sh
. bench/measure.sh
lab_need ip jq iperf3 ping nsenter ss timeout ethtool
LOAD_PPS=50000 # the UDP load: 64-byte datagrams to 198.18.2.2:7000 (rule udp-fast)
LOAD_SECS=3

FAILURES=0
CONF=""
declare -A CMP       # "MODE|what" -> result, for the comparison at the end
declare -A LOAD_LINE # MODE -> the UDP load's one-line result

meas_lab_trap "$PREFIX"

banner() { printf '\n==== %s\n' "$*"; }

# stats_now: `shunt stats --json` of the running shunt ({} when it fails).
stats_now() {
	# shellcheck disable=SC2119 # no extra stats arguments
	shunt_stats_json 2>/dev/null || echo '{}'
}

# carried_by BEFORE AFTER RULE...: which lane carried the packets of RULEs
# between two stats snapshots: the XDP steer's verdicts (hybrid), the fast
# lane's worker tx (hybrid; all fast traffic, and only this stream ran) and
# the tc kernel lane's ingress count.
carried_by() {
	local before="$1" after="$2"
	shift 2
	jq -rn --argjson a "$before" --argjson b "$after" '
		$ARGS.positional as $names |
		def rules($s; f): [$s.rules[]? | select(.name as $n | $names | index($n)) | f // 0] | add // 0;
		def grew(f): rules($b; f) - rules($a; f);
		def tx($s): [$s.fast.workers[]?.tx_packets] | add // 0;
		(grew(.kernel.ingress.packets)) as $tc |
		if $b.fast then
			"fast: steer \(grew(.steer.fast.packets)), worker tx \(tx($b) - tx($a)); " +
			"kernel: steer \(grew(.steer.kernel.packets)), tc \($tc)" +
			(grew(.steer.drop.packets) as $d | if $d > 0 then "; steer drop \($d)" else "" end)
		else "kernel: tc \($tc) (no fast lane)" end' --args "$@" 2>/dev/null || echo "?"
}

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

# demo_iperf: 5 s TCP client -> server; sets IPERF_RESULT and CMP.
demo_iperf() {
	local json="$LAB_TMPDIR/iperf3.json" srv_pid bps before
	IPERF_RESULT="failed"
	before="$(stats_now)"
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
	CMP["$MODE|  lanes (rules iperf, iperf-back)"]="$(carried_by "$before" "$(stats_now)" iperf iperf-back)"
}

# demo_udp ADDR PORT COUNT EXPECT RULE: COUNT datagrams client -> server;
# appends a summary line to UDP_SUMMARY.
demo_udp() {
	local addr="$1" port="$2" count="$3" expect="$4" rule="$5" sent recv_timeout=5 dest before
	[[ "$addr" == *:* ]] && dest="[$addr]:$port" || dest="$addr:$port"
	((expect == 0)) && recv_timeout=2
	if ! udp_recv_start "$LAB_SERVER" "$addr" "$port" "$count" "$recv_timeout"; then
		problem "UDP receiver on $dest did not start"
		return 0
	fi
	before="$(stats_now)"
	sent="$(udp_send "$LAB_CLIENT" "$addr" "$port" "$count" 64 2000)" || problem "UDP send to $dest failed"
	udp_recv_result || problem "UDP receiver on $dest failed"
	echo "  $dest: sent ${sent:-?}, received $UDP_RECV_COUNT"
	CMP["$MODE|UDP $dest: received/sent"]="${UDP_RECV_COUNT}/${sent:-?}"
	CMP["$MODE|  lanes (rule ${rule%%,*})"]="$(carried_by "$before" "$(stats_now)" "${rule%%,*}")"
	((UDP_RECV_COUNT == expect)) || problem "$dest: expected $expect received, got $UDP_RECV_COUNT"
	UDP_SUMMARY+="$(printf '  UDP %-22s sent %5s  received %5s  (expected %s; rule %s)' \
		"$dest" "${sent:-?}" "$UDP_RECV_COUNT" "$expect" "$rule")"$'\n'
}

# demo_load: LOAD_PPS datagrams/s to 198.18.2.2:7000 for LOAD_SECS with
# iperf3 (bench/measure.sh, as bench/modes.sh measures it); sets CMP.
demo_load() {
	local before line
	banner "$MODE mode: UDP load, ${LOAD_PPS} datagrams/s of 64 bytes for ${LOAD_SECS} s to 198.18.2.2:7000 (rule udp-fast)"
	before="$(stats_now)"
	if ! meas_udp_load 198.18.2.2 7000 "$LOAD_PPS" "$LOAD_SECS"; then
		problem "UDP load with iperf3 failed"
		return 0
	fi
	line="$(meas_udp_line)"
	echo "  $MEAS_CMD (in $LAB_CLIENT)"
	echo "  $line"
	CMP["$MODE|UDP load: delivered/sent"]="$MEAS_DELIVERED/$MEAS_SENT$(awk -v s="$MEAS_SENT" -v d="$MEAS_DELIVERED" \
		'BEGIN { printf " (loss %.2f %%)", (s > 0 ? 100 * (s - d) / s : 0) }')"
	CMP["$MODE|  lanes (rule udp-fast, load)"]="$(carried_by "$before" "$(stats_now)" udp-fast)"
	CMP["$MODE|  CPU ns/packet: box, lab, shunt"]="$(meas_ns_per "$MEAS_DELIVERED" "$MEAS_BOX_NS"), $(meas_ns_per "$MEAS_DELIVERED" "$MEAS_LAB_NS"), $(meas_ns_per "$MEAS_DELIVERED" "$MEAS_SHUNT_NS")"
	LOAD_LINE["$MODE"]="$line"
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

	demo_load

	if [[ "$mode" == hybrid ]]; then
		banner "$mode mode: shunt stats — per rule: XDP steer and tc kernel lane; fast lane (DPDK) workers and ports"
	else
		banner "$mode mode: shunt stats — per rule: tc kernel lane (no XDP, no fast lane in kernel mode)"
	fi
	# shellcheck disable=SC2119 # no extra stats arguments
	shunt_stats || problem "shunt stats failed"
	CMP["$mode|ping v4 / v6"]="$ping4 / $ping6"
	CMP["$mode|iperf3 TCP 5 s"]="$IPERF_RESULT"

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
# With XDP on a veth the peer's GSO packets are cut into segments before
# XDP: TCP through hybrid mode would be compared with kernel mode's 64 KB
# GSO forwarding. Off on all lab veths, both modes (as bench/modes.sh).
meas_offloads_off || problem "could not turn TSO/GSO/GRO off on the lab veths"

run_mode kernel
run_mode hybrid

banner "comparison: the same traffic in both modes"
echo "  kernel mode: the kernel forwards everything, tc counts (kernel lane)."
echo "  hybrid mode: XDP steers fast-rule flows to AF_XDP sockets (copy mode on veth),"
echo "  shunt's DPDK worker routes and sends them (fast lane); the rest stays on the kernel."
echo "  TSO/GSO/GRO are off on the lab veths in both modes. CPU: box = all CPUs (others'"
echo "  work on this machine too), lab = iperf3 client+server, shunt, ksoftirqd (bench/measure.sh)."
printf '  %-40s %-44s %s\n' "" "kernel mode" "hybrid mode"
for what in "ping v4 / v6" "iperf3 TCP 5 s" "  lanes (rules iperf, iperf-back)" \
	"UDP 198.18.2.2:7000: received/sent" "  lanes (rule udp-fast)" \
	"UDP 198.18.2.2:7001: received/sent" "  lanes (rule udp-block)" \
	"UDP [2001:db8:2::2]:7003: received/sent" "  lanes (rule v6-udp)" \
	"UDP load: delivered/sent" "  lanes (rule udp-fast, load)" "  CPU ns/packet: box, lab, shunt"; do
	printf '  %-40s %-44s %s\n' "$what" "${CMP["kernel|$what"]:-?}" "${CMP["hybrid|$what"]:-?}"
done
echo
echo "  UDP load, ${LOAD_PPS}/s for ${LOAD_SECS} s, per mode:"
for mode in kernel hybrid; do
	printf '  %-7s %s\n' "$mode" "${LOAD_LINE[$mode]:-failed}"
done

echo
if ((FAILURES)); then
	echo "demo: finished with $FAILURES problem(s)"
	exit 1
fi
echo "demo: done"
