#!/usr/bin/env bash
# tests/integration/afxdp_probe.sh — the afxdp/ probes against the running
# kernel, through tests/integration/afxdp_probe.c:
#   a. a veth pair with 2 rx/tx queues across two namespaces of this test
#   b. XDP features (afxdp/xdp_features.c, genl "netdev"): what veth reports,
#      how its ndo_xmit follows the peer's GRO, and that loopback (and dummy,
#      where the kernel has it) report something else
#   c. AF_XDP sockets (afxdp/xsk_fds.c, the process's own descriptors):
#      copy-mode sockets on queues 0 and 1 of the veth are listed exactly,
#      with their mode, then none once closed.
#
# Needs root (exit 77 otherwise) and ip, ethtool, ping, grep, sed, sort.
# Everything runs in two namespaces this test creates (prefix afxp<pid>) and
# is removed on exit, even on failure; the root namespace is not touched.
# Env: AFXDP_PROBE (the probe tool), SRCDIR (repository root); meson sets both.
# Ends with "N passed, N failed, N skipped"; exits 1 if any assertion failed.
set -uo pipefail # no -e: a failed assertion is counted and the test goes on

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRCDIR="${SRCDIR:-$(cd "$here/../.." && pwd)}"
# shellcheck source=../lib/lab.sh
. "$SRCDIR/tests/lib/lab.sh"
# shellcheck source=../lib/checks.sh
. "$SRCDIR/tests/lib/checks.sh"

AFXDP_PROBE="${AFXDP_PROBE:-$SRCDIR/build/tests/integration/afxdp_probe}"

lab_require_root
lab_need ip ethtool ping grep sed sort
if [[ ! -x "$AFXDP_PROBE" ]]; then
	echo "FAIL: no afxdp_probe at $AFXDP_PROBE (build it: ninja -C build tests/integration/afxdp_probe)"
	exit 1
fi

PREFIX="afxp$$"
NS_A="$PREFIX-a"
NS_B="$PREFIX-b"
VETH_A="${PREFIX}a" # in NS_A, 198.18.0.1/24
VETH_B="${PREFIX}b" # in NS_B, 198.18.0.2/24
DUMMY="${PREFIX}d"
TMP=""
BIND_PID=""
SKIPPED=0

skip() {
	SKIPPED=$((SKIPPED + 1))
	echo "skip - $1"
}

cleanup() {
	if [[ -n "$BIND_PID" ]]; then
		kill -KILL "$BIND_PID" 2>/dev/null
		wait "$BIND_PID" 2>/dev/null
	fi
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	[[ -n "$TMP" && -d "$TMP" ]] && rm -rf -- "$TMP"
	return 0
}
trap cleanup EXIT

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# features NS IFNAME: the XDP feature list afxdp_probe prints ("basic,...").
features() {
	ip netns exec "$1" "$AFXDP_PROBE" features "$2" 2>&1 |
		sed -n "s/^features $2 \([^ ]*\) .*/\1/p"
}

has_feature() { [[ ",$1," == *",$2,"* ]]; }

check_has() { # DESC LIST FEATURE
	if has_feature "$2" "$3"; then
		pass "$1 has $3"
	else
		fail "$1: expected $3 in '${2:-<nothing>}'"
	fi
}

check_lacks() { # DESC LIST FEATURE
	if [[ -n "$2" ]] && ! has_feature "$2" "$3"; then
		pass "$1 lacks $3"
	else
		fail "$1: expected a list without $3, got '${2:-<nothing>}'"
	fi
}

# a. two namespaces joined by a 2-queue veth
step_a() {
	echo "# a. namespaces $NS_A, $NS_B and veth $VETH_A <-> $VETH_B (2 rx / 2 tx queues)"
	TMP="$(mktemp -d "${TMPDIR:-/tmp}/$PREFIX.XXXXXX")"
	if ! { ip netns add "$NS_A" && ip netns add "$NS_B" &&
		ip -n "$NS_A" link add "$VETH_A" numtxqueues 2 numrxqueues 2 type veth \
			peer name "$VETH_B" netns "$NS_B" numtxqueues 2 numrxqueues 2 &&
		ip -n "$NS_A" addr add 198.18.0.1/24 dev "$VETH_A" &&
		ip -n "$NS_B" addr add 198.18.0.2/24 dev "$VETH_B" &&
		ip -n "$NS_A" link set lo up && ip -n "$NS_A" link set "$VETH_A" up &&
		ip -n "$NS_B" link set lo up && ip -n "$NS_B" link set "$VETH_B" up; }; then
		fail "could not build the namespaces and the veth"
		return 1
	fi
	pass "namespaces and veth created"
	check_cmd "ping 198.18.0.2 over the veth" in_a ping -c 1 -W 2 198.18.0.2
	check_match "$VETH_A has 2 rx queues (ethtool -l)" '^RX:[[:space:]]+2$' \
		"$(in_a ethtool -l "$VETH_A" 2>&1 | sed -n '/Current/,$p')"
}

# b. XDP features through genl "netdev"
step_b() {
	local veth lo dummy line

	echo "# b. XDP features (genl netdev, NETDEV_CMD_DEV_GET)"
	line="$(in_a "$AFXDP_PROBE" features "$VETH_A" lo 2>&1)"
	printf '%s\n' "$line" | sed 's/^/    | /'
	check_match "veth's zc_max_segs is reported" "^features $VETH_A .* zc_max_segs=[0-9]+$" "$line"

	# veth on 6.18: basic, redirect and rx_sg always; ndo_xmit (and
	# ndo_xmit_sg) only while its peer has GRO on or an XDP program
	# (drivers/net/veth.c, veth_set_xdp_features); no zero-copy.
	veth="$(features "$NS_A" "$VETH_A")"
	check_has "veth" "$veth" basic
	check_has "veth" "$veth" redirect
	check_lacks "veth" "$veth" xsk_zerocopy
	check_lacks "veth (peer GRO off)" "$veth" ndo_xmit

	check_cmd "GRO on for $VETH_B" in_b ethtool -K "$VETH_B" gro on
	veth="$(features "$NS_A" "$VETH_A")"
	echo "    | features $VETH_A with peer GRO on: $veth"
	check_has "veth (peer GRO on)" "$veth" ndo_xmit
	check_has "veth (peer GRO on)" "$veth" basic
	check_cmd "GRO off for $VETH_B" in_b ethtool -K "$VETH_B" gro off
	check_lacks "veth (peer GRO off again)" "$(features "$NS_A" "$VETH_A")" ndo_xmit

	# loopback has no ndo_bpf: generic XDP only, so no native feature
	lo="$(features "$NS_A" lo)"
	check_eq "loopback's XDP features" none "$lo"
	if [[ "$lo" != "$veth" ]]; then
		pass "loopback reports other features than veth"
	else
		fail "loopback and veth report the same features ($lo)"
	fi

	if in_a ip link add "$DUMMY" type dummy 2>/dev/null; then
		dummy="$(features "$NS_A" "$DUMMY")"
		echo "    | features $DUMMY: $dummy"
		check_lacks "dummy" "$dummy" basic
		check_lacks "dummy" "$dummy" xsk_zerocopy
	else
		skip "dummy interface: this kernel has no dummy driver (CONFIG_DUMMY)"
	fi

	line="$(in_a "$AFXDP_PROBE" features "${PREFIX}none" 2>&1)"
	check_match "an unknown interface is an error" 'no such interface' "$line"
}

bind_ready() { grep -qx ready "$TMP/bind.out"; }

# c. AF_XDP sockets found among the process's own descriptors (xsk_fds.c)
step_c() {
	local out rc=0 ifindex bound listed

	echo "# c. AF_XDP sockets: xsk_fds_list finds the process's own, with their mode"
	ifindex="$(in_a cat "/sys/class/net/$VETH_A/ifindex")"
	# not through in_a: $! must be the probe itself (ip netns exec execs it)
	ip netns exec "$NS_A" "$AFXDP_PROBE" bind "$VETH_A" 60 0 1 >"$TMP/bind.out" 2>"$TMP/bind.err" &
	BIND_PID=$!
	if ! wait_for -t 10 bind_ready; then
		fail "afxdp_probe bind $VETH_A 0 1 did not get ready"
		sed 's/^/    | /' "$TMP/bind.out" "$TMP/bind.err"
		kill -TERM "$BIND_PID" 2>/dev/null
		wait "$BIND_PID" 2>/dev/null
		BIND_PID=""
		return 1
	fi
	sed 's/^/    | /' "$TMP/bind.out"
	check_match "socket bound on queue 0" "^bound ifindex=$ifindex queue=0 fd=[0-9]+$" "$(cat "$TMP/bind.out")"
	check_match "socket bound on queue 1" "^bound ifindex=$ifindex queue=1 fd=[0-9]+$" "$(cat "$TMP/bind.out")"
	bound="$(sed -n 's/^bound .* fd=\([0-9]*\)$/\1/p' "$TMP/bind.out" | sort -n | xargs)"
	listed="$(sed -n '/^ready$/q; s/^xsk fd=\([0-9]*\) .*/\1/p' "$TMP/bind.out" | sort -n | xargs)"
	check_eq "xsk_fds_list: exactly the two bound sockets (fds)" "$bound" "$listed"
	check_eq "xsk_fds_list: both in copy mode (veth has no zero-copy)" "0 0" \
		"$(sed -n '/^ready$/q; s/^xsk fd=[0-9]* zerocopy=\([01]\) .*/\1/p' "$TMP/bind.out" | xargs)"
	out="$(in_a "$AFXDP_PROBE" bind "$VETH_A" 0 2 2>&1)"
	check_match "queue 2 of a 2-queue veth is refused" 'queue 2: Invalid argument' "$out"

	kill -TERM "$BIND_PID" 2>/dev/null
	rc=0
	wait "$BIND_PID" || rc=$?
	BIND_PID=""
	check_eq "afxdp_probe bind exit status after SIGTERM" 0 "$rc"
	check_eq "xsk_fds_list after close: none" "xsk count 0" \
		"$(sed -n '/^ready$/,$ s/^xsk count .*/&/p' "$TMP/bind.out")"
	check_match "sockets closed" '^closed$' "$(cat "$TMP/bind.out")"
	# the queues are free again once the kernel has released the pools (a
	# bind right after close can still see EBUSY for a moment)
	if wait_for -t 5 in_a "$AFXDP_PROBE" bind "$VETH_A" 0 0 1; then
		pass "queues 0 and 1 can be bound again after close"
	else
		fail "queues 0 and 1 still busy 5 s after close:"
		in_a "$AFXDP_PROBE" bind "$VETH_A" 0 0 1 2>&1 | sed 's/^/    | /'
	fi
}

main() {
	if step_a; then
		step_b
		step_c
	else
		fail "steps b-c skipped"
	fi
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	((FAILED == 0))
}

main "$@"
