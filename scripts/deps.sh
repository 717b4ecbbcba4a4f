#!/usr/bin/env bash
# scripts/deps.sh — install the Debian packages shunt needs to build, test and
# demo, if any is missing. Quiet when everything is there (one line).
set -euo pipefail

PACKAGES=(
	# build
	build-essential pkg-config meson ninja-build
	clang clang-16 llvm
	libbpf-dev libxdp-dev xdp-tools bpftool
	libconfig-dev libcunit1-dev libmnl-dev
	dpdk dpdk-dev libdpdk-dev
	# tests, demo, benchmarks
	python3 python3-scapy iperf3 netsniff-ng
	iproute2 iputils-ping jq ethtool util-linux procps
)

installed() {
	[[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: as root, run: apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi

log="$(mktemp /tmp/shunt-deps.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${missing[*]}"
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	echo "deps: apt-get failed:" >&2
	tail -n 40 "$log" >&2
	exit 1
fi
for pkg in "${missing[@]}"; do
	if ! installed "$pkg"; then
		echo "deps: $pkg still not installed after apt-get" >&2
		exit 1
	fi
done
echo "deps: installed ${#missing[@]} package(s)"
