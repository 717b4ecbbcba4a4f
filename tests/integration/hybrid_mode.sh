#!/usr/bin/env bash
# tests/integration/hybrid_mode.sh — shunt in hybrid mode on the netns lab
# (tests/lib/lab.sh, configs/lab.conf): the XDP steer program (xsk_def_prog)
# next to the tc kernel lane, real traffic with exact per-rule and per-reason
# steer counters, clean detach, recovery after kill -9 (by a hybrid run, a
# kernel-mode run and `shunt detach`), someone else's XDP program, generic
# XDP, and the verifier preflight on the 64-rule config.
#
# The runs here use --no-fast-lane (steer without the DPDK forwarder): a flow
# whose rule says fast finds no AF_XDP socket and fails open to the kernel
# lane (reason fast_no_socket), which makes every steer counter exact; the
# socket side is played by xsk_probe and dpdk_rx. fast_lane.sh tests the
# forwarder that `shunt run` starts.
#
# Needs root (exit 77 otherwise) and ip, tc, jq, iperf3, ping, nsenter,
# bpftool, timeout, ss and a clang (exit 77 when one is missing). Everything
# runs in namespaces this test creates (prefix shunt-h<pid>) and is removed
# on exit, even on failure.
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
lab_need ip tc jq iperf3 ping nsenter bpftool timeout ss sed grep
BPF_CLANG=""
for c in clang clang-16 clang-14; do
	if command -v "$c" >/dev/null 2>&1; then
		BPF_CLANG="$c"
		break
	fi
done
[[ -n "$BPF_CLANG" ]] || lab_skip "no clang to build the foreign XDP program of step h (scripts/deps.sh installs it)"
if [[ ! -x "$SHUNT_BIN" ]]; then
	echo "FAIL: no shunt binary at $SHUNT_BIN (build it: meson setup build && ninja -C build)"
	exit 1
fi

PREFIX="shunt-h$$"
CONFIG="$SRCDIR/configs/lab.conf"
RULES64="$SRCDIR/tests/configs/rules64.conf"
TEST_TMP=""
STATS_JSON=""
STATS_PREV="{}"
RUN_PROG_IDS=""

PROBE_PID="" # the AF_XDP probe of step e3, while it runs

cleanup() {
	if [[ -n "$PROBE_PID" ]]; then
		kill -CONT "$PROBE_PID" 2>/dev/null
		kill -KILL "$PROBE_PID" 2>/dev/null
		wait "$PROBE_PID" 2>/dev/null
	fi
	shunt_stop >/dev/null 2>&1 || true
	if [[ -n "$TEST_TMP" && -d "$TEST_TMP" ]]; then
		rm -rf -- "$TEST_TMP"
	fi
	lab_down "$PREFIX" # deleting the namespaces takes any XDP program with them
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- assertions (as in kernel_mode.sh) ----------------------------------------

# --- helpers ------------------------------------------------------------------

link_show() { ip -n "$LAB_GW" link show dev "$1" 2>&1; }

# The XDP program line of `ip link show` ("prog/xdp id N name NAME ..."), if any.
xdp_line() { link_show "$1" | grep -E 'prog/xdp'; }

# xdp_prog_id DEV: id of the XDP program attached to DEV (nothing if none).
xdp_prog_id() { ip -j -n "$LAB_GW" link show dev "$1" 2>/dev/null | jq -r '.[0].xdp.prog.id // empty'; }

no_xdp() { [[ -z "$(xdp_line "$1")" ]]; }

# check_detached LABEL DEV...: no XDP program, no tc filter, no clsact.
check_detached() {
	local label="$1" dev
	shift
	for dev in "$@"; do
		check_empty "$label: no XDP program on $dev" "$(xdp_line "$dev")"
		check_empty "$label: no tc filter on $dev ingress" "$(tc_filters "$dev" ingress)"
		check_empty "$label: no tc filter on $dev egress" "$(tc_filters "$dev" egress)"
		check_empty "$label: no clsact qdisc on $dev" "$(clsact_of "$dev")"
	done
}

# remember_run_progs: the ids of the BPF programs the running shunt attached
# (XDP and tc on both interfaces), to check they are gone once it stops. Ids,
# not names: other tests on this host may load programs named like ours.
remember_run_progs() {
	local dev dir
	RUN_PROG_IDS="$(
		for dev in gw-lan gw-wan; do
			xdp_prog_id "$dev"
			for dir in ingress egress; do
				gw tc -j filter show dev "$dev" "$dir" 2>/dev/null |
					jq -r '.[] | .options.prog.id // empty'
			done
		done | sort -un | tr '\n' ' '
	)"
}

progs_still_loaded() { # IDS...: prints the ids bpftool still knows
	local id
	for id in "$@"; do
		bpftool prog show id "$id" >/dev/null 2>&1 && echo "$id"
	done
}

run_progs_gone() {
	# shellcheck disable=SC2086 # the id list is split on purpose
	[[ -z "$(progs_still_loaded $RUN_PROG_IDS)" ]]
}

# check_killed_progs_unloaded LABEL IDS: a killed run's programs (IDS, from
# remember_run_progs while it ran) were unloaded by whoever cleaned up.
check_killed_progs_unloaded() {
	local label="$1" ids="$2"
	RUN_PROG_IDS="$ids" wait_for -t 3 run_progs_gone
	# shellcheck disable=SC2086
	check_empty "$label: the killed run's BPF programs (ids $ids) are unloaded" \
		"$(progs_still_loaded $ids)"
}

# check_run_progs_unloaded LABEL: the programs remember_run_progs saw are unloaded.
check_run_progs_unloaded() {
	if [[ -z "${RUN_PROG_IDS// /}" ]]; then
		fail "$1: no program ids were recorded while shunt ran"
		return
	fi
	wait_for -t 3 run_progs_gone
	# shellcheck disable=SC2086
	check_empty "$1: the run's BPF programs (ids $RUN_PROG_IDS) are unloaded" \
		"$(progs_still_loaded $RUN_PROG_IDS)"
}

# stats_snapshot: STATS_PREV = the last snapshot, STATS_JSON = a new one.
stats_snapshot() {
	STATS_PREV="$STATS_JSON"
	[[ -n "$STATS_PREV" ]] || STATS_PREV="{}"
	if ! STATS_JSON="$(shunt_stats_json)"; then
		fail "shunt stats --json failed"
		STATS_JSON="{}"
	elif ! jq -e . >/dev/null 2>&1 <<<"$STATS_JSON"; then
		fail "shunt stats --json printed invalid JSON: $STATS_JSON"
		STATS_JSON="{}"
	fi
}

# stat_in JSON PATH...: a number at a jq path given as strings, from JSON;
# a message instead when it is missing or not a number.
stat_in() {
	local json="$1"
	shift
	jq -r '. as $doc | $ARGS.positional as $p | ($doc | getpath($p)) as $v |
		if ($v | type) == "number" then $v else "\($p | join(".")) is \($v | tojson)" end' \
		--args "$@" <<<"$json" 2>&1
}

# rule_index NAME: the index of rule NAME in .rules of STATS_JSON.
rule_index() {
	jq -r --arg n "$1" '[(.rules // [])[] | .name] | index($n) // "missing"' <<<"$STATS_JSON"
}

# rule_stat NAME KEYS...: .rules[name].KEYS from STATS_JSON, e.g.
# rule_stat udp-fast steer kernel packets, rule_stat udp-fast kernel ingress packets.
rule_stat() {
	local name="$1" i
	shift
	i="$(rule_index "$name")"
	if ! is_int "$i"; then
		echo "rule $name missing from stats"
		return
	fi
	jq -r --argjson i "$i" '. as $doc | $ARGS.positional as $p | ($doc.rules[$i] | getpath($p)) as $v |
		if ($v | type) == "number" then $v else "rules[\($i)].\($p | join(".")) is \($v | tojson)" end' \
		--args "$@" <<<"$STATS_JSON" 2>&1
}

# rule_delta NAME KEYS...: how much rule_stat NAME KEYS grew since the
# previous snapshot.
rule_delta() {
	local now before
	now="$(rule_stat "$@")"
	before="$(STATS_JSON="$STATS_PREV" rule_stat "$@")"
	is_int "$before" || before=0
	if is_int "$now"; then
		echo $((now - before))
	else
		echo "$now"
	fi
}

# steer_reason NAME [FIELD]: .reasons.steer.NAME.FIELD (packets) now.
steer_reason() { stat_in "$STATS_JSON" reasons steer "$1" "${2:-packets}"; }

# steer_reason_delta NAME: how much .reasons.steer.NAME.packets grew since
# the previous snapshot (a missing earlier value counts as 0).
steer_reason_delta() {
	local now before
	now="$(steer_reason "$1")"
	before="$(jq -r --arg r "$1" '.reasons.steer[$r].packets // 0' <<<"$STATS_PREV" 2>/dev/null)"
	if is_int "$now" && is_int "$before"; then
		echo $((now - before))
	else
		echo "$now"
	fi
}

# kill9_run: SIGKILL the running shunt (a crash: it detaches nothing).
kill9_run() {
	kill -KILL "$SHUNT_PID" 2>/dev/null
	wait "$SHUNT_PID" 2>/dev/null
	SHUNT_PID=""
}

# stop_run LABEL: SIGTERM; exit status 0; nothing left, the run's programs unloaded.
stop_run() {
	local rc=0
	shunt_stop || rc=$?
	check_eq "$1: shunt exit status after SIGTERM" 0 "$rc"
	check_detached "$1: after stop" gw-lan gw-wan
	check_run_progs_unloaded "$1"
}

# stop_run_on LABEL DEV...: SIGTERM; exit status 0; nothing left on DEV.
stop_run_on() {
	local label="$1" rc=0
	shift
	shunt_stop || rc=$?
	check_eq "$label: shunt exit status after SIGTERM" 0 "$rc"
	check_detached "$label: after stop" "$@"
}

# start_hybrid LABEL [CONFIG]: shunt run --mode hybrid --no-fast-lane, ready;
# records its programs.
start_hybrid() {
	if shunt_start "$PREFIX" "${2:-$CONFIG}" --mode hybrid --no-fast-lane; then
		pass "$1: shunt run --mode hybrid is ready"
		remember_run_progs
		return 0
	fi
	fail "$1: shunt run --mode hybrid did not become ready"
	return 1
}

# --- steps --------------------------------------------------------------------

FRAME4=$((14 + 20 + 8 + 64)) # Ethernet + IPv4 + UDP + payload
FRAME6=$((14 + 40 + 8 + 64)) # Ethernet + IPv6 + UDP + payload

step_a() {
	echo "# a. hybrid run: the steer program xsk_def_prog in native XDP on both interfaces, next to tc"
	local dev dir line
	for dev in gw-lan gw-wan; do
		line="$(xdp_line "$dev")"
		check_match "a: ip link show $dev: an XDP program named xsk_def_prog" \
			'prog/xdp id [0-9]+ name xsk_def_prog( |$)' "$line"
		check_match "a: ip link show $dev: native XDP (flag 'xdp', not xdpgeneric)" \
			'[> ]xdp qdisc' "$(link_show "$dev")"
		for dir in ingress egress; do
			check_nonempty "a: tc filter on $dev $dir" "$(tc_filters "$dev" "$dir")"
		done
	done
	check_match "a: the log says fast flows fail open (--no-fast-lane)" \
		'fast_no_socket' "$(cat "$SHUNT_LOG")"
	stats_snapshot
	check_eq "a: stats mode" hybrid "$(jq -r '.mode' <<<"$STATS_JSON")"
	check_eq "a: stats interfaces" "gw-lan:native:true gw-wan:native:true" \
		"$(jq -r '[.interfaces[] | "\(.ifname):\(.xdp):\(.tc)"] | join(" ")' <<<"$STATS_JSON")"
	check_eq "a: stats flow_override.steer.kernel.packets" 0 \
		"$(stat_in "$STATS_JSON" flow_override steer kernel packets)"
	check_eq "a: stats no_match.steer.fast.packets" 0 \
		"$(stat_in "$STATS_JSON" no_match steer fast packets)"
	check_eq "a: reasons.steer.fast_no_socket before any fast traffic" 0 "$(steer_reason fast_no_socket)"
}

step_b() {
	echo "# b. 300 UDP datagrams to 198.18.2.2:7000 (rule udp-fast): no socket, fail open to the kernel lane"
	udp_stream "b" 198.18.2.2 7000 300 10
	check_eq "b: datagrams received on 198.18.2.2:7000" 300 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "b: udp-fast steer.kernel.packets" 300 "$(rule_stat udp-fast steer kernel packets)"
	check_eq "b: udp-fast steer.kernel.bytes" $((300 * FRAME4)) "$(rule_stat udp-fast steer kernel bytes)"
	check_eq "b: udp-fast steer.fast.packets" 0 "$(rule_stat udp-fast steer fast packets)"
	check_eq "b: udp-fast steer.drop.packets" 0 "$(rule_stat udp-fast steer drop packets)"
	check_eq "b: reasons.steer.fast_no_socket.packets (nothing else is fast so far)" 300 \
		"$(steer_reason fast_no_socket)"
	check_eq "b: reasons.steer.fast_no_socket.bytes" $((300 * FRAME4)) \
		"$(steer_reason fast_no_socket bytes)"
	check_eq "b: reasons.steer.fast_stale.packets" 0 "$(steer_reason fast_stale)"
	check_eq "b: udp-fast kernel.ingress.packets (tc lane)" 300 "$(rule_stat udp-fast kernel ingress packets)"
	check_eq "b: udp-fast kernel.egress.packets (tc lane)" 300 "$(rule_stat udp-fast kernel egress packets)"
}

step_c() {
	echo "# c. 100 UDP datagrams to 198.18.2.2:7001 (rule udp-block): dropped by XDP, before tc"
	udp_stream "c" 198.18.2.2 7001 100 3
	check_eq "c: datagrams received on 198.18.2.2:7001" 0 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "c: udp-block steer.drop.packets" 100 "$(rule_stat udp-block steer drop packets)"
	check_eq "c: udp-block steer.drop.bytes" $((100 * FRAME4)) "$(rule_stat udp-block steer drop bytes)"
	check_eq "c: udp-block steer.kernel.packets" 0 "$(rule_stat udp-block steer kernel packets)"
	check_eq "c: reasons.steer.rule_drop.packets" 100 "$(steer_reason rule_drop)"
	check_eq "c: udp-block kernel.ingress.packets (tc never saw them)" 0 \
		"$(rule_stat udp-block kernel ingress packets)"
	check_eq "c: udp-block kernel.egress.packets" 0 "$(rule_stat udp-block kernel egress packets)"
	check_eq "c: reasons.kernel.ingress.rule_drop.packets (tc dropped nothing)" 0 \
		"$(stat_in "$STATS_JSON" reasons kernel ingress rule_drop packets)"
	check_eq "c: reasons.steer.fast_no_socket grew by" 0 "$(steer_reason_delta fast_no_socket)"
}

step_d() {
	echo "# d. 200 UDP datagrams to [2001:db8:2::2]:7003 (rule v6-udp, fast): fail open"
	udp_stream "d" 2001:db8:2::2 7003 200 10
	check_eq "d: datagrams received on [2001:db8:2::2]:7003" 200 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "d: v6-udp steer.kernel.packets" 200 "$(rule_stat v6-udp steer kernel packets)"
	check_eq "d: v6-udp steer.kernel.bytes" $((200 * FRAME6)) "$(rule_stat v6-udp steer kernel bytes)"
	check_eq "d: v6-udp steer.fast.packets" 0 "$(rule_stat v6-udp steer fast packets)"
	check_eq "d: reasons.steer.fast_no_socket grew by" 200 "$(steer_reason_delta fast_no_socket)"
	check_eq "d: v6-udp kernel.ingress.packets (tc lane)" 200 "$(rule_stat v6-udp kernel ingress packets)"
	check_eq "d: v6-udp kernel.egress.packets (tc lane)" 200 "$(rule_stat v6-udp kernel egress packets)"
}

step_e() {
	echo "# e. ping v4 and v6 (rule icmp) and a 2 s iperf3 TCP run (rules iperf, iperf-back: fast, fail open)"
	stats_snapshot
	check_cmd "e: ping client -> 198.18.2.2 through the gateway" \
		ip netns exec "$LAB_CLIENT" ping -c 3 -i 0.2 -W 2 198.18.2.2
	check_cmd "e: ping -6 client -> 2001:db8:2::2 through the gateway" \
		ip netns exec "$LAB_CLIENT" ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::2
	stats_snapshot
	# 3 echo requests on gw-lan and 3 replies on gw-wan per family
	check_gt "e: icmp steer.kernel.packets grew by (12 echo requests and replies)" 11 \
		"$(rule_delta icmp steer kernel packets)"
	check_eq "e: reasons.steer.fast_no_socket grew by (pings are not fast)" 0 \
		"$(steer_reason_delta fast_no_socket)"

	iperf_run "e" || return
	stats_snapshot
	check_gt "e: iperf steer.kernel.packets" 0 "$(rule_stat iperf steer kernel packets)"
	check_gt "e: iperf-back steer.kernel.packets" 0 "$(rule_stat iperf-back steer kernel packets)"
	check_eq "e: iperf steer.fast.packets" 0 "$(rule_stat iperf steer fast packets)"
	check_gt "e: reasons.steer.fast_no_socket grew" 0 "$(steer_reason_delta fast_no_socket)"
	check_gt "e: iperf kernel.ingress.packets (tc lane)" 0 "$(rule_stat iperf kernel ingress packets)"
}

step_e2() {
	echo "# e2. shunt flow: an exact 5-tuple override beats the rules, and goes away"
	local flow=(icmp 198.18.1.2 198.18.2.2)
	check_cmd "e2: shunt flow add ${flow[*]} drop" \
		nsenter -t "$SHUNT_PID" -m -n "$SHUNT_BIN" flow add "${flow[@]}" drop
	check_eq "e2: shunt flow list shows one override" "1 flow override(s)" \
		"$(nsenter -t "$SHUNT_PID" -m -n "$SHUNT_BIN" flow list | tail -1)"
	stats_snapshot
	if ip netns exec "$LAB_CLIENT" ping -c 3 -i 0.2 -W 1 198.18.2.2 >/dev/null 2>&1; then
		fail "e2: ping got through a drop override"
	else
		pass "e2: ping is dropped by the override"
	fi
	stats_snapshot
	check_eq "e2: flow_override.steer.drop.packets grew by" 3 \
		"$(( $(stat_in "$STATS_JSON" flow_override steer drop packets) - \
		     $(stat_in "$STATS_PREV" flow_override steer drop packets) ))"
	check_cmd "e2: shunt flow del ${flow[*]}" \
		nsenter -t "$SHUNT_PID" -m -n "$SHUNT_BIN" flow del "${flow[@]}"
	check_cmd "e2: ping works again after the override is deleted" \
		ip netns exec "$LAB_CLIENT" ping -c 2 -i 0.2 -W 2 198.18.2.2
}

step_e3() {
	echo "# e3. AF_XDP handoff: libxdp (as DPDK's PMD uses it) adopts the steer program; fast flows reach the sockets; a hung worker fails open"
	if [[ ! -x "${XSK_PROBE:-}" ]]; then
		fail "e3: no xsk_probe binary (XSK_PROBE=${XSK_PROBE:-unset})"
		return
	fi
	local out="$TEST_TMP/probe.out" ready="$TEST_TMP/probe.ready" prog_before
	prog_before="$(ip -n "$LAB_GW" -d link show gw-lan | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')"
	rm -f "$ready"
	# both queues of gw-lan: a flow lands on one of them
	nsenter -t "$SHUNT_PID" -m -n "$XSK_PROBE" gw-lan 2 /sys/fs/bpf/shunt 0 20 "$ready" >"$out" 2>&1 &
	PROBE_PID=$!
	if ! wait_for -t 10 test -f "$ready"; then
		fail "e3: xsk_probe did not register its sockets:"
		sed 's/^/    | /' "$out"
		kill "$PROBE_PID" 2>/dev/null
		wait "$PROBE_PID" 2>/dev/null
		PROBE_PID=""
		return
	fi
	check_eq "e3: libxdp adopted the attached steer program (prog id)" \
		"adopted prog_id $prog_before" "$(grep '^adopted' "$out")"

	stats_snapshot
	udp_stream "e3" 198.18.2.2 7000 200 3
	check_eq "e3: datagrams reaching the server while the fast lane holds them" 0 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "e3: udp-fast steer.fast.packets grew by" 200 "$(rule_delta udp-fast steer fast packets)"
	check_eq "e3: reasons.steer.fast_no_socket grew by" 0 "$(steer_reason_delta fast_no_socket)"

	kill -STOP "$PROBE_PID"
	sleep 0.5 # > heartbeat_ms (200 in lab.conf): the worker is now late
	udp_stream "e3" 198.18.2.2 7000 100 5
	check_eq "e3: with the worker stopped, datagrams fail open to the server" 100 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "e3: reasons.steer.fast_stale grew by" 100 "$(steer_reason_delta fast_stale)"
	check_eq "e3: udp-fast steer.kernel.packets grew by" 100 "$(rule_delta udp-fast steer kernel packets)"

	kill -CONT "$PROBE_PID"
	kill -TERM "$PROBE_PID"
	wait "$PROBE_PID" 2>/dev/null
	PROBE_PID=""
	check_eq "e3: the probe received exactly the fast-lane datagrams" "received 200" \
		"$(grep '^received' "$out")"
	check_eq "e3: closing the sockets leaves the steer program attached (prog id)" "$prog_before" \
		"$(ip -n "$LAB_GW" -d link show gw-lan | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')"
	udp_stream "e3" 198.18.2.2 7000 50 5
	check_eq "e3: with the sockets gone, datagrams fail open to the server" 50 "$UDP_RECV_COUNT"
}

step_e4() {
	echo "# e4. DPDK 22.11 net_af_xdp ports from the config (one vdev per queue, no xdp_prog) receive the fast lane"
	if [[ ! -x "${DPDK_RX:-}" ]]; then
		fail "e4: no dpdk_rx binary (DPDK_RX=${DPDK_RX:-unset})"
		return
	fi
	local out="$TEST_TMP/dpdk_rx.out" rx_pid i
	# the run's config (both queues of each veth), read as the fast lane would
	nsenter -t "$SHUNT_PID" -m -n "$DPDK_RX" "$CONFIG" /sys/fs/bpf/shunt 20 >"$out" 2>&1 &
	rx_pid=$!
	PROBE_PID=$rx_pid
	for i in $(seq 100); do
		grep -q '^ready' "$out" && break
		kill -0 "$rx_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready' "$out"; then
		fail "e4: dpdk_rx did not start its ports:"
		sed 's/^/    | /' "$out"
		kill "$rx_pid" 2>/dev/null
		wait "$rx_pid" 2>/dev/null
		PROBE_PID=""
		return
	fi
	pass "e4: EAL and $(sed -n 's/^ready: //p' "$out") up from the config"
	sleep 0.3 # a heartbeat or two
	stats_snapshot
	udp_stream "e4" 198.18.2.2 7000 200 3
	check_eq "e4: datagrams reaching the server while DPDK holds the fast lane" 0 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "e4: udp-fast steer.fast.packets grew by" 200 "$(rule_delta udp-fast steer fast packets)"
	check_eq "e4: reasons.steer.fast_stale grew by" 0 "$(steer_reason_delta fast_stale)"
	kill -TERM "$rx_pid"
	wait "$rx_pid" 2>/dev/null
	PROBE_PID=""
	check_eq "e4: DPDK received exactly the fast-lane datagrams" "received 200" "$(grep '^received' "$out")"
	udp_stream "e4" 198.18.2.2 7000 50 5
	check_eq "e4: with DPDK gone, datagrams fail open to the server" 50 "$UDP_RECV_COUNT"
}

step_f() {
	echo "# f. SIGTERM: exit 0, no XDP program, no tc filter, no clsact left"
	stop_run "f"
}

step_g() {
	echo "# g. kill -9 of a hybrid run: fail-open, then recovery by a hybrid run, a kernel run, shunt detach"
	local out rc killed

	# g1: the killed run's steer program stays; fast flows still reach the kernel
	start_hybrid "g1" || return
	killed="$RUN_PROG_IDS"
	kill9_run
	check_match "g1: after kill -9 the steer program stays on gw-lan" 'name xsk_def_prog' "$(xdp_line gw-lan)"
	udp_stream "g1" 198.18.2.2 7000 100 10
	check_eq "g1: datagrams received with a dead run's steer program (fail-open)" 100 "$UDP_RECV_COUNT"

	# g2: a hybrid run replaces it (atomically) and stops cleanly
	if start_hybrid "g2"; then
		check_match "g2: the log says it replaced the steer program the killed run left on gw-lan" \
			'gw-lan: replaced the steer program a killed shunt run left' "$(cat "$SHUNT_LOG")"
		check_match "g2: ... and on gw-wan" \
			'gw-wan: replaced the steer program a killed shunt run left' "$(cat "$SHUNT_LOG")"
		check_killed_progs_unloaded "g2" "$killed"
		udp_stream "g2" 198.18.2.2 7000 50 10
		check_eq "g2: datagrams received" 50 "$UDP_RECV_COUNT"
		stats_snapshot
		check_eq "g2: udp-fast steer.kernel.packets (fresh counters)" 50 \
			"$(rule_stat udp-fast steer kernel packets)"
		stop_run "g2"
	fi

	# g3: a kernel-mode run removes a killed hybrid run's steer program
	start_hybrid "g3" || return
	killed="$RUN_PROG_IDS"
	kill9_run
	if shunt_start "$PREFIX" "$CONFIG" --mode kernel; then
		pass "g3: a kernel-mode run is ready over a killed hybrid run"
		check_killed_progs_unloaded "g3" "$killed"
		remember_run_progs
		check_empty "g3: no XDP program on gw-lan while the kernel-mode run runs" "$(xdp_line gw-lan)"
		check_empty "g3: no XDP program on gw-wan while the kernel-mode run runs" "$(xdp_line gw-wan)"
		check_match "g3: the log says it removed the stale steer program" \
			'gw-lan: removed the XDP steer program' "$(cat "$SHUNT_LOG")"
		stats_snapshot
		check_eq "g3: stats mode" kernel "$(jq -r '.mode' <<<"$STATS_JSON")"
		check_eq "g3: stats interfaces xdp" "none none" \
			"$(jq -r '[.interfaces[].xdp] | join(" ")' <<<"$STATS_JSON")"
		stop_run "g3"
	else
		fail "g3: a kernel-mode run over a killed hybrid run did not become ready"
	fi

	# g4: shunt detach after kill -9 of a hybrid run
	start_hybrid "g4" || return
	kill9_run
	rc=0
	out="$(timeout 10 ip netns exec "$LAB_GW" "$SHUNT_BIN" detach -c "$CONFIG" 2>&1)" || rc=$?
	if ((rc == 0)); then
		pass "g4: shunt detach -c configs/lab.conf exits 0"
	else
		fail "g4: shunt detach -c configs/lab.conf: expected exit 0, got $rc:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
	check_detached "g4: after shunt detach" gw-lan gw-wan
	check_run_progs_unloaded "g4: after shunt detach"
}

step_h() {
	echo "# h. someone else's XDP program on an interface: hybrid start fails, leaves nothing, keeps theirs"
	local src="$TEST_TMP/foreign.c" obj="$TEST_TMP/foreign.o" dev other id out rc
	printf '%s\n' \
		'/* a foreign XDP program for hybrid_mode.sh: passes everything */' \
		'__attribute__((section("xdp"), used)) int foreign_pass(void *ctx) { return 2; /* XDP_PASS */ }' \
		'char _license[] __attribute__((section("license"), used)) = "GPL";' >"$src"
	if ! out="$("$BPF_CLANG" -O2 -g -target bpf -c "$src" -o "$obj" 2>&1)"; then
		fail "h: $BPF_CLANG cannot build the foreign XDP program:"
		printf '%s\n' "$out" | sed 's/^/    | /'
		return
	fi
	# gw-lan (the first interface: nothing of shunt's XDP attached yet) and
	# gw-wan (the second: gw-lan's steer program must be rolled back)
	for dev in gw-lan gw-wan; do
		[[ "$dev" == gw-lan ]] && other=gw-wan || other=gw-lan
		if ! out="$(ip -n "$LAB_GW" link set dev "$dev" xdp obj "$obj" sec xdp 2>&1)"; then
			fail "h: cannot attach the foreign XDP program to $dev:"
			printf '%s\n' "$out" | sed 's/^/    | /'
			continue
		fi
		id="$(xdp_prog_id "$dev")"
		check_match "h($dev): the foreign program is attached" 'name foreign_pass' "$(xdp_line "$dev")"
		rc=0
		out="$(timeout 10 ip netns exec "$LAB_GW" "$SHUNT_BIN" run -c "$CONFIG" --mode hybrid 2>&1)" || rc=$?
		if ((rc != 0 && rc != 124)); then
			pass "h($dev): shunt run --mode hybrid exits non-zero within 10 s (status $rc)"
		else
			fail "h($dev): shunt run --mode hybrid: expected a non-zero exit within 10 s, got status $rc"
		fi
		check_match "h($dev): the error names $dev and says to detach its program" \
			"$dev.*detach|detach.*$dev" "$out"
		check_eq "h($dev): the foreign program (id $id) is still attached" \
			"$id foreign_pass" "$(ip -j -n "$LAB_GW" link show dev "$dev" | jq -r '.[0].xdp.prog | "\(.id) \(.name)"')"
		check_empty "h($dev): no tc filter on $dev ingress" "$(tc_filters "$dev" ingress)"
		check_empty "h($dev): no tc filter on $dev egress" "$(tc_filters "$dev" egress)"
		check_empty "h($dev): no clsact qdisc on $dev" "$(clsact_of "$dev")"
		check_detached "h($dev)" "$other"
		ip -n "$LAB_GW" link set dev "$dev" xdp off
		check_empty "h($dev): the foreign program is removed afterwards" "$(xdp_line "$dev")"
	done
}

step_i() {
	echo "# i. xdp_mode = \"generic\": the steer program attaches in generic (skb) mode"
	local conf="$TEST_TMP/generic.conf" dev n
	sed 's/xdp_mode = "native"/xdp_mode = "generic"/' "$CONFIG" >"$conf"
	n="$(grep -c 'xdp_mode = "generic"' "$conf")"
	if [[ "$n" != 2 ]]; then
		fail "i: could not write the generic config (expected 2 'xdp_mode = \"native\"' lines in $CONFIG, replaced $n)"
		return
	fi
	start_hybrid "i" "$conf" || return
	for dev in gw-lan gw-wan; do
		check_match "i: ip link show $dev: xdpgeneric" '[> ]xdpgeneric ' "$(link_show "$dev")"
		check_match "i: ip link show $dev: the program is xsk_def_prog" 'name xsk_def_prog' "$(xdp_line "$dev")"
	done
	stats_snapshot
	check_eq "i: stats interfaces xdp" "generic generic" \
		"$(jq -r '[.interfaces[].xdp] | join(" ")' <<<"$STATS_JSON")"
	udp_stream "i" 198.18.2.2 7000 100 10
	check_eq "i: datagrams received on 198.18.2.2:7000 (generic XDP)" 100 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "i: udp-fast steer.kernel.packets" 100 "$(rule_stat udp-fast steer kernel packets)"
	check_eq "i: reasons.steer.fast_no_socket.packets" 100 "$(steer_reason fast_no_socket)"
	check_eq "i: udp-fast kernel.ingress.packets (tc lane)" 100 "$(rule_stat udp-fast kernel ingress packets)"
	stop_run "i"
}

step_j() {
	echo "# j. shunt validate --preflight on tests/configs/rules64.conf (64 rules): each program under 25% of the verifier's limit"
	local out rc=0 prog line verified used
	# in the gateway namespace, like everything else here (it attaches nothing)
	out="$(timeout 60 ip netns exec "$LAB_GW" "$SHUNT_BIN" validate --preflight -c "$RULES64" --no-host 2>&1)" || rc=$?
	check_eq "j: shunt validate --preflight exit status" 0 "$rc"
	check_match "j: validate says ok with 64 rules" 'ok \(.*64 rule\(s\)' "$out"
	for prog in shunt_lane_in shunt_lane_eg xsk_def_prog; do
		line="$(grep -E "^${prog}[[:space:]]" <<<"$out")"
		if [[ "$(grep -c . <<<"$line")" != 1 ]]; then
			fail "j: expected one preflight line for $prog, got:"
			printf '%s\n' "$out" | sed 's/^/    | /'
			continue
		fi
		# program object verified-insns limit used% headroom
		verified="$(awk '{ print $3 }' <<<"$line")"
		used="$(awk '{ sub(/%$/, "", $5); print $5 }' <<<"$line")"
		check_gt "j: $prog verified instructions" 0 "$verified"
		if [[ "$used" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v u="$used" 'BEGIN { exit !(u < 25) }'; then
			pass "j: $prog used $used% < 25%"
		else
			fail "j: $prog: expected used < 25%, got '$used' in: $line"
		fi
	done
}

step_k() {
	echo "# k. a driver without native XDP (loopback reports none): native is an error naming the config line, auto goes generic"
	local conf="$TEST_TMP/lo.conf" out rc=0 line
	cat >"$conf" <<-'EOF'
		version = 1;
		mode = "hybrid";
		interfaces = (
		  { name = "loop"; ifname = "lo"; xdp_mode = "native"; queues = ( { id = 0; core = 1; } ); }
		);
		dataplane = { main_core = 0; hugepages = false; memory_mb = 512; idle = "adaptive"; };
		rules = ( { name = "u"; proto = "udp"; dport = 7000; lane = "fast"; } );
	EOF
	line="$(grep -n 'ifname = "lo"' "$conf" | cut -d: -f1)"
	out="$(timeout 20 ip netns exec "$LAB_GW" "$SHUNT_BIN" run -c "$conf" 2>&1)" || rc=$?
	check_eq "k: shunt run with xdp_mode native on lo: exit status" 1 "$rc"
	check_match "k: the error names the driver's features and the config line" \
		"lo: the driver has no native XDP \(it reports: none\) .* \(${conf//./\\.}:$line\)" "$out"
	check_empty "k: nothing left on lo (XDP)" "$(ip -n "$LAB_GW" link show dev lo | grep prog/xdp)"
	check_empty "k: nothing left on lo (tc ingress)" "$(tc_filters lo ingress)"
	sed -i 's/xdp_mode = "native"/xdp_mode = "auto"/' "$conf"
	if shunt_start "$PREFIX" "$conf" --no-fast-lane; then
		pass "k: xdp_mode auto on lo starts"
		check_match "k: auto warns that it falls back to generic" 'lo: the driver has no native XDP: using generic XDP' \
			"$(cat "$SHUNT_LOG")"
		check_match "k: lo runs the steer program in generic mode" '[> ]xdpgeneric ' "$(link_show lo)"
		stop_run_on "k" lo
	else
		fail "k: xdp_mode auto on lo did not start"
	fi
}

# --- main ---------------------------------------------------------------------

main() {
	TEST_TMP="$(mktemp -d "/tmp/$PREFIX.XXXXXX")"
	if ! lab_up "$PREFIX"; then
		echo "FAIL: could not build the lab"
		exit 1
	fi

	echo "# shunt run -c configs/lab.conf --mode hybrid in $LAB_GW"
	if start_hybrid "a"; then
		step_a
		step_b
		step_c
		step_d
		step_e
		step_e2
		step_e3
		step_e4
		step_f
	else
		fail "steps a-f skipped"
	fi
	step_g
	step_h
	step_i
	step_j
	step_k

	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
