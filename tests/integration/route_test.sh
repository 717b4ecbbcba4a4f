#!/usr/bin/env bash
# tests/integration/route_test.sh — the fast lane's route tables
# (dataplane/route.c) against the kernel's real rtnetlink, in namespaces:
#
#   peer-a ns: eth0 198.18.10.2/24 198.18.10.100/24       (MAC $RT_MAC_A)
#                   2001:db8:10::2/64 2001:db8:10::100/64
#        |
#   gw ns:     rt-a 198.18.10.1/24 2001:db8:10::1/64      config slot 0
#              rt-b 198.18.11.1/24 2001:db8:11::1/64      config slot 1 (mtu 1400)
#              rt-d (veth to rt-dp, not in the config) 198.18.50.1/24 2001:db8:50::1/64
#        |
#   peer-b ns: eth0 198.18.11.2/24 2001:db8:11::2/64      (MAC $RT_MAC_B)
#
# route_test (CUnit, tests/integration/route_test.c) runs in the gw ns and
# changes routes and neighbours there itself with ip(8).
#
# Needs root (exit 77 otherwise), ip and ping. Everything is created inside
# namespaces named shunt-rt-<pid>-*, removed on exit even on failure; the
# root namespace is never touched.
# Env: ROUTE_TEST (the route_test binary), SRCDIR (repository root); meson
# sets both. Exit status: route_test's (0 when every CUnit assertion passed).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRCDIR="${SRCDIR:-$(cd "$here/../.." && pwd)}"
ROUTE_TEST="${ROUTE_TEST:-$SRCDIR/build/tests/integration/route_test}"
# shellcheck source=../lib/lab.sh
. "$SRCDIR/tests/lib/lab.sh"

lab_require_root
lab_need ip ping
if [[ ! -x "$ROUTE_TEST" ]]; then
	echo "FAIL: no route_test binary at $ROUTE_TEST (build it: ninja -C build)"
	exit 1
fi

P="shunt-rt-$$"
GW="$P-gw"
PA="$P-pa"
PB="$P-pb"
TMP=""
export RT_MAC_A="02:5e:0a:00:00:02"
export RT_MAC_B="02:5e:0b:00:00:02"
export RT_FILE_PREFIX="$P" # route_test's EAL runtime files

cleanup() {
	local ns
	for ns in "$GW" "$PA" "$PB"; do
		if [[ -e "/run/netns/$ns" ]]; then
			# shellcheck disable=SC2046 # a list of pids
			kill -KILL $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null
			ip netns del "$ns" 2>/dev/null || echo "cleanup: could not delete namespace $ns" >&2
		fi
	done
	[[ -n "$TMP" && -d "$TMP" ]] && rm -rf -- "$TMP"
	rm -rf -- "/var/run/dpdk/$RT_FILE_PREFIX"
	return 0
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

setup() {
	local ns
	for ns in "$GW" "$PA" "$PB"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null || return 1
	done
	# veth pairs made directly inside the namespaces
	ip -n "$GW" link add rt-a type veth peer name eth0 netns "$PA" || return 1
	ip -n "$GW" link add rt-b type veth peer name eth0 netns "$PB" || return 1
	# the foreign interface: a veth whose other end stays in the gw ns
	# (this kernel may lack the dummy driver)
	ip -n "$GW" link add rt-d type veth peer name rt-dp || return 1
	ip -n "$PA" link set eth0 address "$RT_MAC_A" || return 1
	ip -n "$PB" link set eth0 address "$RT_MAC_B" || return 1
	ip -n "$GW" link set rt-b mtu 1400 || return 1
	ip -n "$PB" link set eth0 mtu 1400 || return 1

	ip -n "$GW" addr add 198.18.10.1/24 dev rt-a || return 1
	ip -n "$GW" addr add 2001:db8:10::1/64 dev rt-a nodad || return 1
	ip -n "$GW" addr add 198.18.11.1/24 dev rt-b || return 1
	ip -n "$GW" addr add 2001:db8:11::1/64 dev rt-b nodad || return 1
	ip -n "$GW" addr add 198.18.50.1/24 dev rt-d || return 1
	ip -n "$GW" addr add 2001:db8:50::1/64 dev rt-d nodad || return 1
	ip -n "$PA" addr add 198.18.10.2/24 dev eth0 || return 1
	ip -n "$PA" addr add 198.18.10.100/24 dev eth0 || return 1
	ip -n "$PA" addr add 2001:db8:10::2/64 dev eth0 nodad || return 1
	ip -n "$PA" addr add 2001:db8:10::100/64 dev eth0 nodad || return 1
	ip -n "$PB" addr add 198.18.11.2/24 dev eth0 || return 1
	ip -n "$PB" addr add 2001:db8:11::2/64 dev eth0 nodad || return 1
	for ns in "$PA" "$PB"; do
		ip -n "$ns" link set eth0 up || return 1
	done
	for dev in rt-a rt-b rt-d rt-dp; do
		ip -n "$GW" link set "$dev" up || return 1
	done

	# there before route_test starts: its first dump must find them
	ip -n "$GW" route add 198.18.200.0/24 via 198.18.10.2 || return 1
	ip -n "$GW" -6 route add 2001:db8:200::/64 via 2001:db8:10::2 || return 1
	ip -n "$GW" route add 198.18.230.0/24 dev rt-a table 100 || return 1

	wait_for -t 5 bash -c "ip -n $GW -br link show dev rt-a | grep -q ' UP ' &&
		ip -n $GW -br link show dev rt-b | grep -q ' UP '" || {
		echo "setup: the veth links are not up after 5 s" >&2
		return 1
	}
	TMP="$(mktemp -d "${TMPDIR:-/tmp}/$P.XXXXXX")" || return 1
	cat >"$TMP/route.conf" <<-'EOF'
		version = 1;
		mode = "kernel";
		interfaces = (
		  { name = "a"; ifname = "rt-a"; },
		  { name = "b"; ifname = "rt-b"; }
		);
	EOF
}

if ! setup; then
	echo "FAIL: setting up the namespaces failed"
	exit 1
fi

ip netns exec "$GW" "$ROUTE_TEST" "$TMP/route.conf"
