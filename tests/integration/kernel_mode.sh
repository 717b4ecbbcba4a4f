#!/usr/bin/env bash
# tests/integration/kernel_mode.sh — shunt in kernel mode on the netns lab
# (tests/lib/lab.sh, configs/lab.conf): real traffic through the gateway,
# per-rule counters, clean detach, failed start, and recovery after kill -9.
#
# Needs root (exit 77 otherwise). Everything runs in namespaces this test
# creates (prefix shunt-t<pid>) and is removed on exit, even on failure.
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
lab_need ip tc jq iperf3 ping nsenter bpftool timeout mount umount ss
if [[ ! -x "$SHUNT_BIN" ]]; then
	echo "FAIL: no shunt binary at $SHUNT_BIN (build it: meson setup build && ninja -C build)"
	exit 1
fi

PREFIX="shunt-t$$"
CONFIG="$SRCDIR/configs/lab.conf"
ABI_VERSION="$(sed -n 's/^#define SHUNT_ABI_VERSION \([0-9]*\).*/\1/p' "$SRCDIR/ebpf/shunt_abi.h")"
TEST_TMP=""
BPFFS_MNT=""
STATS_JSON=""
BASELINE_PROGS=""

cleanup() {
	shunt_stop >/dev/null 2>&1 || true
	if [[ -n "$BPFFS_MNT" ]] && mountpoint -q "$BPFFS_MNT" 2>/dev/null; then
		umount "$BPFFS_MNT" || umount -l "$BPFFS_MNT" || true
	fi
	if [[ -n "$TEST_TMP" && -d "$TEST_TMP" ]] && ! grep -q " $TEST_TMP/" /proc/self/mounts; then
		rm -rf -- "$TEST_TMP"
	fi
	lab_down "$PREFIX"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- assertions ---------------------------------------------------------------

# --- helpers ------------------------------------------------------------------

# check_detached LABEL DEV...: no tc filter on either hook and no clsact.
check_detached() {
	local label="$1" dev
	shift
	for dev in "$@"; do
		check_empty "$label: no tc filter on $dev ingress" "$(tc_filters "$dev" ingress)"
		check_empty "$label: no tc filter on $dev egress" "$(tc_filters "$dev" egress)"
		check_empty "$label: no clsact qdisc on $dev" "$(clsact_of "$dev")"
	done
}

# IDs of loaded BPF programs named shunt_* (bpftool lists the whole host).
shunt_prog_ids() {
	gw bpftool -j prog show 2>/dev/null |
		jq -r '.[] | select((.name // "") | startswith("shunt_")) | .id' | sort -n
}

# Programs named shunt_* that were not loaded before this test started.
new_shunt_progs() {
	comm -13 <(printf '%s\n' "$BASELINE_PROGS" | sed '/^$/d') \
		<(shunt_prog_ids | sort) | sed '/^$/d'
}

no_new_shunt_progs() { [[ -z "$(new_shunt_progs)" ]]; }

stats_snapshot() { # [STATS ARGS...]
	if ! STATS_JSON="$(shunt_stats_json "$@")"; then
		fail "shunt stats --json $* failed"
		STATS_JSON="{}"
	elif ! jq -e . >/dev/null 2>&1 <<<"$STATS_JSON"; then
		fail "shunt stats --json printed invalid JSON: $STATS_JSON"
		STATS_JSON="{}"
	fi
}

# rule_stat NAME DIR FIELD: .rules[name].kernel.DIR.FIELD from STATS_JSON.
rule_stat() {
	jq -r --arg n "$1" --arg d "$2" --arg f "$3" \
		'[(.rules // [])[] | select(.name == $n)] |
		 if length == 1 then .[0].kernel[$d][$f] elif length == 0 then "rule \($n) missing from stats" else "rule \($n) listed \(length) times" end' \
		<<<"$STATS_JSON" 2>&1
}

# Entries of a directory, one line each (nothing if it is empty or absent).
dir_entries() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null; }

# --- steps --------------------------------------------------------------------

FRAME4=$((14 + 20 + 8 + 64)) # Ethernet + IPv4 + UDP + payload
FRAME6=$((14 + 40 + 8 + 64)) # Ethernet + IPv6 + UDP + payload

step_running() {
	echo "# while running: shunt attached its tc programs"
	local dev dir
	for dev in gw-lan gw-wan; do
		for dir in ingress egress; do
			check_nonempty "running: tc filter on $dev $dir" "$(tc_filters "$dev" "$dir")"
		done
	done
	echo "# note: shunt_* BPF programs loaded by this run: $(new_shunt_progs | tr '\n' ' ')"
	stats_snapshot
	check_eq "stats: mode" kernel "$(jq -r '.mode' <<<"$STATS_JSON")"
	check_eq "stats: abi (ebpf/shunt_abi.h)" "$ABI_VERSION" "$(jq -r '.abi' <<<"$STATS_JSON")"
}

step_a() {
	echo "# a. 500 UDP datagrams to 198.18.2.2:7000 (rule udp-fast)"
	udp_stream "a" 198.18.2.2 7000 500 10
	check_eq "a: datagrams received on 198.18.2.2:7000" 500 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "a: udp-fast kernel.ingress.packets" 500 "$(rule_stat udp-fast ingress packets)"
	check_eq "a: udp-fast kernel.egress.packets" 500 "$(rule_stat udp-fast egress packets)"
	check_eq "a: udp-fast kernel.ingress.bytes" $((500 * FRAME4)) "$(rule_stat udp-fast ingress bytes)"
	check_eq "a: udp-fast kernel.egress.bytes" $((500 * FRAME4)) "$(rule_stat udp-fast egress bytes)"
}

step_b() {
	echo "# b. 200 UDP datagrams to 198.18.2.2:7001 (rule udp-block, lane drop)"
	udp_stream "b" 198.18.2.2 7001 200 3
	check_eq "b: datagrams received on 198.18.2.2:7001" 0 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "b: udp-block kernel.ingress.packets" 200 "$(rule_stat udp-block ingress packets)"
	check_eq "b: udp-block kernel.egress.packets" 0 "$(rule_stat udp-block egress packets)"
}

step_c() {
	echo "# c. 300 UDP datagrams to [2001:db8:2::2]:7003 (rule v6-udp), ping -6"
	udp_stream "c" 2001:db8:2::2 7003 300 10
	check_eq "c: datagrams received on [2001:db8:2::2]:7003" 300 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "c: v6-udp kernel.ingress.packets" 300 "$(rule_stat v6-udp ingress packets)"
	check_eq "c: v6-udp kernel.egress.packets" 300 "$(rule_stat v6-udp egress packets)"
	check_eq "c: v6-udp kernel.ingress.bytes" $((300 * FRAME6)) "$(rule_stat v6-udp ingress bytes)"
	check_eq "c: v6-udp kernel.egress.bytes" $((300 * FRAME6)) "$(rule_stat v6-udp egress bytes)"
	check_cmd "c: ping -6 client -> 2001:db8:2::2 through the gateway" \
		ip netns exec "$LAB_CLIENT" ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::2
}

step_d() {
	echo "# d. ping v4 (rule icmp) and a 2 s iperf3 TCP run (rules iperf, iperf-back)"
	check_cmd "d: ping client -> 198.18.2.2 through the gateway" \
		ip netns exec "$LAB_CLIENT" ping -c 3 -i 0.2 -W 2 198.18.2.2
	stats_snapshot
	check_ge "d: icmp kernel.ingress.packets" 3 "$(rule_stat icmp ingress packets)"

	iperf_run "d" || return
	stats_snapshot
	check_gt "d: iperf kernel.ingress.packets" 0 "$(rule_stat iperf ingress packets)"
	check_gt "d: iperf-back kernel.ingress.packets" 0 "$(rule_stat iperf-back ingress packets)"
}

step_e() {
	echo "# e. non-IP frames (ARP) are counted under reason non_ip"
	local in out
	stats_snapshot
	in="$(jq -r '.reasons.kernel.ingress.non_ip.packets | if type == "number" then . else "not a number: \(.)" end' <<<"$STATS_JSON")"
	out="$(jq -r '.reasons.kernel.egress.non_ip.packets | if type == "number" then . else "not a number: \(.)" end' <<<"$STATS_JSON")"
	if is_int "$in" && is_int "$out"; then
		pass "e: reasons.kernel.{ingress,egress}.non_ip.packets are numbers ($in, $out)"
		check_gt "e: non_ip packets, ingress + egress" 0 $((in + out))
	else
		fail "e: reasons.kernel.{ingress,egress}.non_ip.packets: expected numbers, got '$in', '$out'"
	fi
}

step_f() {
	echo "# f. SIGTERM: shunt exits 0 and leaves nothing attached"
	local rc=0
	shunt_stop || rc=$?
	check_eq "f: shunt exit status after SIGTERM" 0 "$rc"
	check_detached "f: after stop" gw-lan gw-wan
	wait_for -t 3 no_new_shunt_progs
	check_empty "f: no shunt_* BPF program left loaded (bpftool prog show)" "$(new_shunt_progs)"
}

step_g() {
	echo "# g. a failed start (interface gw-nope missing) leaves nothing"
	local bad="$TEST_TMP/bad-ifname.conf" out rc=0
	sed 's/ifname = "gw-wan"/ifname = "gw-nope"/' "$CONFIG" >"$bad"
	if ! grep -q '"gw-nope"' "$bad"; then
		fail "g: could not write the bad config (no ifname = \"gw-wan\" in $CONFIG)"
		return
	fi
	out="$(timeout 10 ip netns exec "$LAB_GW" "$SHUNT_BIN" run -c "$bad" 2>&1)" || rc=$?
	if ((rc != 0 && rc != 124)); then
		pass "g: shunt run with gw-nope exits non-zero within 10 s (status $rc)"
	else
		fail "g: shunt run with gw-nope: expected a non-zero exit within 10 s, got status $rc"
	fi
	if grep -q 'gw-nope' <<<"$out"; then
		pass "g: the error names gw-nope"
	else
		fail "g: expected an error naming gw-nope, got:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
	check_detached "g: after failed start" gw-lan
}

step_h() {
	echo "# h. kill -9, shunt detach, and a clean restart over a killed run's leftovers"
	local conf="$TEST_TMP/kill9.conf" pins="$TEST_TMP/bpffs/shunt" rc=0 out
	mkdir -p "$TEST_TMP/bpffs"
	if ! mount -t bpf bpf "$TEST_TMP/bpffs"; then
		fail "h: cannot mount a bpffs on $TEST_TMP/bpffs"
		return
	fi
	BPFFS_MNT="$TEST_TMP/bpffs"
	sed "s|^bpffs = .*|bpffs = \"$pins\";|" "$CONFIG" >"$conf"
	if ! grep -qF "bpffs = \"$pins\";" "$conf"; then
		fail "h: could not set bpffs in the config copy (no 'bpffs = ...' line in $CONFIG)"
		return
	fi

	if ! shunt_start "$PREFIX" "$conf"; then
		fail "h: shunt run with bpffs $pins did not become ready"
		return
	fi
	pass "h: shunt run with bpffs $pins is ready"
	kill -KILL "$SHUNT_PID"
	wait "$SHUNT_PID" 2>/dev/null
	SHUNT_PID=""
	check_nonempty "h: killed run left its tc filter on gw-lan ingress" "$(tc_filters gw-lan ingress)"
	check_nonempty "h: killed run left pins in $pins" "$(dir_entries "$pins")"

	out="$(timeout 10 ip netns exec "$LAB_GW" "$SHUNT_BIN" detach -c "$conf" 2>&1)" || rc=$?
	if ((rc == 0)); then
		pass "h: shunt detach -c exits 0"
	else
		fail "h: shunt detach -c: expected exit 0, got $rc:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
	check_detached "h: after shunt detach" gw-lan gw-wan
	check_empty "h: pin dir $pins gone or empty after detach" "$(dir_entries "$pins")"

	if ! shunt_start "$PREFIX" "$conf"; then
		fail "h: second shunt run did not become ready"
		return
	fi
	kill -KILL "$SHUNT_PID"
	wait "$SHUNT_PID" 2>/dev/null
	SHUNT_PID=""
	if shunt_start "$PREFIX" "$conf"; then
		pass "h: shunt run is ready over a killed run's filters and pins"
	else
		fail "h: shunt run over a killed run's leftovers did not become ready"
		return
	fi
	udp_stream "h" 198.18.2.2 7000 50 10
	check_eq "h: datagrams received after restart" 50 "$UDP_RECV_COUNT"
	stats_snapshot --bpffs "$pins"
	check_eq "h: udp-fast kernel.ingress.packets after restart" 50 "$(rule_stat udp-fast ingress packets)"
	rc=0
	shunt_stop || rc=$?
	check_eq "h: shunt exit status after SIGTERM" 0 "$rc"
	check_detached "h: after stop" gw-lan gw-wan
	check_empty "h: pin dir $pins gone or empty after a normal stop" "$(dir_entries "$pins")"

	echo "# h2. pins of an older, incompatible map layout are replaced with a clear log line"
	mkdir -p "$pins"
	bpftool map create "$pins/meta" type array key 4 value 8 entries 1 name meta &&
		bpftool map create "$pins/cls_proto" type hash key 4 value 4 entries 4 name cls_proto
	check_nonempty "h2: fake old-layout pins created in $pins" "$(dir_entries "$pins")"
	if shunt_start "$PREFIX" "$conf"; then
		pass "h2: shunt run is ready over pins of another layout"
	else
		fail "h2: shunt run over pins of another layout did not become ready"
		return
	fi
	if grep -q "another shunt version" "$SHUNT_LOG"; then
		pass "h2: the log says the old-layout pins were replaced"
	else
		fail "h2: no log line about the old-layout pins:"
		sed 's/^/    | /' "$SHUNT_LOG"
	fi
	stats_snapshot --bpffs "$pins"
	check_eq "h2: stats reads the new pins (abi)" "$ABI_VERSION" "$(jq -r '.abi' <<<"$STATS_JSON")"
	rc=0
	shunt_stop || rc=$?
	check_eq "h2: shunt exit status after SIGTERM" 0 "$rc"
	check_empty "h2: pin dir $pins gone or empty after a normal stop" "$(dir_entries "$pins")"
}

step_i() {
	echo "# i. a second run is refused while one runs; kill -9 under ip netns exec (pins lost with its mount namespace), then a clean restart"
	local first out rc=0
	if ! shunt_start "$PREFIX" "$CONFIG"; then
		fail "i: shunt run did not become ready"
		return
	fi
	first="$SHUNT_PID"
	out="$(timeout 10 ip netns exec "$LAB_GW" "$SHUNT_BIN" run -c "$CONFIG" 2>&1)" || rc=$?
	if ((rc != 0 && rc != 124)); then
		pass "i: a second shunt run on the same interfaces exits non-zero (status $rc)"
	else
		fail "i: a second shunt run on the same interfaces: expected a non-zero exit, got $rc"
	fi
	if grep -q "pid $first" <<<"$out"; then
		pass "i: the refusal names the running pid $first"
	else
		fail "i: expected the refusal to name pid $first, got:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
	check_nonempty "i: the first run's filter is still on gw-lan ingress" "$(tc_filters gw-lan ingress)"
	kill -KILL "$first"
	wait "$first" 2>/dev/null
	SHUNT_PID=""
	check_nonempty "i: killed run left its tc filter on gw-lan ingress" "$(tc_filters gw-lan ingress)"
	if shunt_start "$PREFIX" "$CONFIG"; then
		pass "i: shunt run is ready over a killed run's filters whose pins are gone"
	else
		fail "i: shunt run over a killed run's filters (pins gone) did not become ready"
		return
	fi
	udp_stream "i" 198.18.2.2 7000 40 10
	check_eq "i: datagrams received after restart" 40 "$UDP_RECV_COUNT"
	stats_snapshot
	check_eq "i: udp-fast kernel.ingress.packets after restart" 40 "$(rule_stat udp-fast ingress packets)"
	rc=0
	shunt_stop || rc=$?
	check_eq "i: shunt exit status after SIGTERM" 0 "$rc"
	check_detached "i: after stop" gw-lan gw-wan
}

step_j() {
	echo "# j. what is not shunt's stays: foreign pins in its bpffs, a renamed interface is still cleaned up; --mode is checked as given"
	local conf="$TEST_TMP/shared.conf" dir="$TEST_TMP/bpffs/shared" rc=0 out
	mkdir -p "$dir"
	sed "s|^bpffs = .*|bpffs = \"$dir\";|" "$CONFIG" >"$conf"
	bpftool map create "$dir/someone_elses" type array key 4 value 4 entries 1 name foreign
	if ! shunt_start "$PREFIX" "$conf"; then
		fail "j: shunt run with a shared bpffs did not become ready"
		return
	fi
	gw ip link set dev gw-lan name renamed0
	sleep 1.5 # the run loop notices within a second
	rc=0
	shunt_stop || rc=$?
	check_eq "j: shunt exit status after SIGTERM" 0 "$rc"
	check_match "j: the log says gw-lan was renamed and is still attached" "renamed from gw-lan to renamed0" \
		"$(cat "$SHUNT_LOG")"
	check_empty "j: no tc filter left on the renamed interface (ingress)" "$(tc_filters renamed0 ingress)"
	check_empty "j: no clsact left on the renamed interface" "$(clsact_of renamed0)"
	gw ip link set dev renamed0 name gw-lan
	check_eq "j: the foreign pin in the shared bpffs directory survived" "someone_elses" \
		"$(dir_entries "$dir")"
	rm -f "$dir/someone_elses"

	out="$("$SHUNT_BIN" validate --no-host --mode hybrid -c "$SRCDIR/configs/kernel-only.conf" 2>&1)" || rc=$?
	check_eq "j: validate --mode hybrid of a config without queues fails" 1 "$rc"
	check_match "j: ... saying the interfaces need queues" "has no queues but mode is hybrid" "$out"
	rc=0
	"$SHUNT_BIN" validate --no-host --mode kernel -c "$SRCDIR/tests/configs/bad/hybrid-no-queues.conf" \
		>/dev/null 2>&1 || rc=$?
	check_eq "j: validate --mode kernel of a hybrid config without queues passes" 0 "$rc"
}

# --- main ---------------------------------------------------------------------

main() {
	TEST_TMP="$(mktemp -d "/tmp/$PREFIX.XXXXXX")"
	if ! lab_up "$PREFIX"; then
		echo "FAIL: could not build the lab"
		exit 1
	fi
	BASELINE_PROGS="$(shunt_prog_ids)"

	echo "# shunt run -c configs/lab.conf in $LAB_GW"
	if shunt_start "$PREFIX" "$CONFIG"; then
		pass "shunt run -c configs/lab.conf is ready"
		step_running
		step_a
		step_b
		step_c
		step_d
		step_e
		step_f
	else
		fail "shunt run -c configs/lab.conf did not become ready (steps a-f skipped)"
	fi
	step_g
	step_h
	step_i
	step_j

	echo "$PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
