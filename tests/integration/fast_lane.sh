#!/usr/bin/env bash
# tests/integration/fast_lane.sh — the DPDK fast lane end to end on the netns
# lab (tests/lib/lab.sh, configs/lab.conf plus two test rules): `shunt run
# --mode hybrid` starts the forwarder; fast-lane flows (UDP v4 and v6, an
# iperf3 TCP run in both directions) go through the DPDK worker with exact
# counts, everything else (ARP, ICMP, a flow whose rule says kernel) through
# the kernel lane; route and neighbour changes reach the forwarder within a
# second; an unknown neighbour is resolved through the kernel; a stopped
# (SIGSTOP) or killed (kill -9) shunt fails open to the kernel lane and the
# next run starts cleanly; two workers on two queues run on the cores the
# config names.
#
# Needs root (exit 77 otherwise) and ip, tc, jq, iperf3, ping, nsenter.
# Everything runs in namespaces this test creates (prefix shunt-f<pid>) and is
# removed on exit, even on failure.
# Env: SHUNT_BIN (the shunt binary), SRCDIR (repository root); meson sets both.
# Ends with "N passed, N failed"; exits 1 if any assertion failed.
set -uo pipefail # no -e: a failed assertion is counted and the test goes on

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRCDIR="${SRCDIR:-$(cd "$here/../.." && pwd)}"
# shellcheck source=../lib/lab.sh
. "$SRCDIR/tests/lib/lab.sh"
# shellcheck source=../lib/checks.sh
. "$SRCDIR/tests/lib/checks.sh"

lab_require_root
lab_need ip tc jq iperf3 ping nsenter timeout sed grep awk
if [[ ! -x "$SHUNT_BIN" ]]; then
	echo "FAIL: no shunt binary at $SHUNT_BIN (build it: meson setup build && ninja -C build)"
	exit 1
fi

PREFIX="shunt-f$$"
TEST_TMP=""
CONFIG=""
STATS_JSON="{}"
STATS_PREV="{}"
BG_PIDS=()

cleanup() {
	local p
	if [[ -n "${SHUNT_PID:-}" ]]; then
		kill -CONT "$SHUNT_PID" 2>/dev/null
	fi
	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	shunt_stop >/dev/null 2>&1 || true
	if [[ -n "$TEST_TMP" && -d "$TEST_TMP" ]]; then
		rm -rf -- "$TEST_TMP"
	fi
	lab_down "$PREFIX"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- helpers ------------------------------------------------------------------

# The lab config plus this test's rules: udp 7005 and 7006 fast to anywhere
# (the routes of step g lead them elsewhere than 198.18.2.0/24).
write_config() { # FILE [SED EXPR]: lab.conf with the test rules, edited by SED EXPR
	sed -e 's|^  { name = "udp-fast";|  { name = "udp-moved";  proto = "udp"; dport = "7005-7006"; lane = "fast"; },\n&|' \
		-e "${2:-s/^//}" "$SRCDIR/configs/lab.conf" >"$1"
}

stats_snapshot() {
	STATS_PREV="$STATS_JSON"
	STATS_JSON="$(shunt_stats_json 2>/dev/null)" || STATS_JSON="{}"
}

# jnum JSON JQ-EXPR: a number from JSON, or a message when missing.
jnum() {
	local v
	v="$(jq -r "$2 // \"missing\"" <<<"$1" 2>/dev/null)"
	printf '%s' "${v:-missing}"
}

# delta JQ-EXPR: growth of a number between the last two snapshots.
delta() {
	local now before
	now="$(jnum "$STATS_JSON" "$1")"
	before="$(jnum "$STATS_PREV" "$1")"
	[[ "$before" == missing ]] && before=0
	if is_int "$now" && is_int "$before"; then
		echo $((now - before))
	else
		echo "missing($1)"
	fi
}

fast_sum() { echo "[.fast.workers[].$1] | add"; }
fast_drop() { echo "[.fast.workers[].drops.$1] | add"; }
rule_steer() { echo ".rules[] | select(.name == \"$1\") | .steer.$2.packets"; }
rule_kernel() { echo ".rules[] | select(.name == \"$1\") | .kernel.$2.packets"; }

start_fast() { # LABEL CONFIG [ARGS]
	local label="$1" cfg="$2"
	shift 2
	if shunt_start "$PREFIX" "$cfg" --mode hybrid "$@"; then
		pass "$label: shunt run --mode hybrid is ready"
		return 0
	fi
	fail "$label: shunt run --mode hybrid did not become ready"
	return 1
}

# The kernel of the gateway knows both hosts (pings go through the kernel
# lane): the first fast-lane packets then find their neighbours.
warm_neighbours() {
	ip netns exec "$LAB_CLIENT" ping -c 1 -W 2 198.18.2.2 >/dev/null 2>&1
	ip netns exec "$LAB_CLIENT" ping -6 -c 1 -W 2 2001:db8:2::2 >/dev/null 2>&1
}

# --- steps --------------------------------------------------------------------

step_a() {
	echo "# a. hybrid run: the forwarder is up, one worker on core 1 polls the four AF_XDP ports"
	start_fast "a" "$CONFIG" || return 1
	check_match "a: the log names the worker and its core" 'worker lcore 1 on core 1 polls 4 port' \
		"$(cat "$SHUNT_LOG")"
	warm_neighbours
	sleep 0.3
	stats_snapshot
	check_eq "a: stats: workers (lcore:core:running)" "1:1:true" \
		"$(jq -r '[.fast.workers[] | "\(.lcore):\(.core):\(.running)"] | join(" ")' <<<"$STATS_JSON")"
	check_eq "a: stats: ports (interface/queue core xdp zerocopy)" \
		"lan/0:1:native:false lan/1:1:native:false wan/0:1:native:false wan/1:1:native:false" \
		"$(jq -r '[.fast.ports[] | "\(.interface)/\(.queue):\(.core):\(.xdp):\(.zerocopy)"] | join(" ")' <<<"$STATS_JSON")"
}

step_b() {
	echo "# b. 1000 UDP datagrams to 198.18.2.2:7000 (udp-fast) through the DPDK worker, exact counts"
	stats_snapshot
	udp_stream "b" 198.18.2.2 7000 1000 10
	check_eq "b: datagrams received by the server" 1000 "$UDP_RECV_COUNT"
	sleep 0.2 # the port counters are copied every 100 ms
	stats_snapshot
	check_eq "b: udp-fast steer.fast.packets grew by" 1000 "$(delta "$(rule_steer udp-fast fast)")"
	check_eq "b: udp-fast steer.kernel.packets grew by" 0 "$(delta "$(rule_steer udp-fast kernel)")"
	check_eq "b: fast lane rx_packets grew by" 1000 "$(delta "$(fast_sum rx_packets)")"
	check_eq "b: fast lane tx_packets grew by" 1000 "$(delta "$(fast_sum tx_packets)")"
	check_eq "b: fast lane tx_bytes grew by (64-byte payload frames)" $((1000 * (14 + 20 + 8 + 64))) \
		"$(delta "$(fast_sum tx_bytes)")"
	check_eq "b: kernel lane never saw them (udp-fast kernel.ingress grew by)" 0 \
		"$(delta "$(rule_kernel udp-fast ingress)")"
	check_eq "b: port wan opackets grew by" 1000 \
		"$(delta '[.fast.ports[] | select(.interface == "wan") | .opackets] | add')"
	check_eq "b: no fast-lane drops" 0 "$(delta '[.fast.workers[].drops[]] | add')"
}

step_c() {
	echo "# c. 500 UDP datagrams to [2001:db8:2::2]:7003 (v6-udp): IPv6 through the fast lane"
	stats_snapshot
	udp_stream "c" 2001:db8:2::2 7003 500 10
	check_eq "c: datagrams received by the server" 500 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "c: v6-udp steer.fast.packets grew by" 500 "$(delta "$(rule_steer v6-udp fast)")"
	check_eq "c: fast lane tx_packets grew by" 500 "$(delta "$(fast_sum tx_packets)")"
	check_eq "c: fast lane tx_bytes grew by" $((500 * (14 + 40 + 8 + 64))) "$(delta "$(fast_sum tx_bytes)")"
	check_eq "c: v6-udp kernel.ingress grew by" 0 "$(delta "$(rule_kernel v6-udp ingress)")"
}

step_d() {
	echo "# d. ping (rule icmp), ARP and a kernel-rule flow stay on the kernel lane"
	stats_snapshot
	check_cmd "d: ping client -> 198.18.2.2" ip netns exec "$LAB_CLIENT" ping -c 3 -i 0.2 -W 2 198.18.2.2
	check_cmd "d: ping -6 client -> 2001:db8:2::2" \
		ip netns exec "$LAB_CLIENT" ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::2
	udp_stream "d" 198.18.2.2 7002 200 10
	check_eq "d: udp 7002 (rule udp-kernel) datagrams received" 200 "$UDP_RECV_COUNT"
	ip netns exec "$LAB_CLIENT" ip neigh flush dev eth0 >/dev/null 2>&1
	ip netns exec "$LAB_CLIENT" ping -c 1 -W 2 198.18.1.1 >/dev/null 2>&1 # an ARP exchange
	stats_snapshot
	check_eq "d: fast lane rx_packets grew by" 0 "$(delta "$(fast_sum rx_packets)")"
	check_gt "d: icmp steer.kernel.packets grew (12 echo requests and replies)" 11 \
		"$(delta "$(rule_steer icmp kernel)")"
	check_eq "d: udp-kernel kernel.ingress grew by" 200 "$(delta "$(rule_kernel udp-kernel ingress)")"
	check_gt "d: reasons.steer.non_ip grew (ARP)" 0 "$(delta '.reasons.steer.non_ip.packets')"
}

step_e() {
	echo "# e. iperf3 TCP, both directions (rules iperf and iperf-back): through the fast lane"
	local fwd_before
	stats_snapshot
	iperf_run "e" || return
	stats_snapshot
	check_gt "e: iperf steer.fast.packets grew" 1000 "$(delta "$(rule_steer iperf fast)")"
	check_gt "e: iperf-back steer.fast.packets grew" 100 "$(delta "$(rule_steer iperf-back fast)")"
	check_eq "e: iperf kernel.ingress grew by (none on the kernel lane)" 0 \
		"$(delta "$(rule_kernel iperf ingress)")"
	fwd_before="$(delta "$(fast_sum tx_packets)")"
	check_gt "e: fast lane tx_packets grew" 1000 "$fwd_before"
	iperf_run "e(reverse)" -R || return
	stats_snapshot
	check_gt "e: reverse: iperf-back steer.fast.packets grew" 1000 "$(delta "$(rule_steer iperf-back fast)")"
	check_gt "e: reverse: iperf steer.fast.packets grew" 100 "$(delta "$(rule_steer iperf fast)")"
	check_eq "e: no fast-lane drops but tx_full" 0 \
		"$(delta '[.fast.workers[].drops | del(.tx_full)[]] | add')"
}

# --- main ---------------------------------------------------------------------

main() {
	echo "fast_lane: netns lab $PREFIX"
	if ! lab_up "$PREFIX"; then
		echo "FAIL: the netns lab did not come up"
		exit 1
	fi
	TEST_TMP="$(mktemp -d /tmp/shunt-fast.XXXXXX)"
	CONFIG="$TEST_TMP/lab.conf"
	write_config "$CONFIG"
	if step_a; then
		step_b
		step_c
		step_d
		step_e
	fi
	shunt_stop >/dev/null 2>&1
	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
