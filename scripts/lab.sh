#!/usr/bin/env bash
# scripts/lab.sh up|down|status [PREFIX] — the netns lab of configs/lab.conf,
# by hand. Default PREFIX: shunt-lab (namespaces PREFIX-client, -gw, -server).
#
#   sudo scripts/lab.sh up
#   sudo ip netns exec shunt-lab-gw build/control/shunt run -c configs/lab.conf
#   sudo ip netns exec shunt-lab-client ping 198.18.2.2
#   sudo scripts/lab.sh down
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tests/lib/lab.sh
. "$here/../tests/lib/lab.sh"

usage() {
	echo "usage: $0 up|down|status [PREFIX]   (default PREFIX: shunt-lab)" >&2
	exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
cmd="$1"
prefix="${2:-shunt-lab}"

if [[ "$(id -u)" -ne 0 ]]; then
	echo "$0: must run as root (network namespaces)" >&2
	exit 1
fi

case "$cmd" in
up)
	lab_up "$prefix"
	echo "lab '$prefix' is up:"
	echo "  $LAB_CLIENT  eth0   198.18.1.2/24 2001:db8:1::2/64"
	echo "  $LAB_GW      gw-lan 198.18.1.1/24 2001:db8:1::1/64, gw-wan 198.18.2.1/24 2001:db8:2::1/64"
	echo "  $LAB_SERVER  eth0   198.18.2.2/24 2001:db8:2::2/64"
	echo "run shunt:  ip netns exec $LAB_GW $SHUNT_BIN run -c $SRCDIR/configs/lab.conf"
	echo "tear down:  $0 down $prefix"
	;;
down)
	lab_down "$prefix"
	echo "lab '$prefix' is down"
	;;
status)
	lab_names "$prefix"
	for ns in "$LAB_CLIENT" "$LAB_GW" "$LAB_SERVER"; do
		if lab_ns_exists "$ns"; then
			echo "== $ns"
			ip -n "$ns" -br addr show
		else
			echo "== $ns: absent"
		fi
	done
	;;
*)
	usage
	;;
esac
