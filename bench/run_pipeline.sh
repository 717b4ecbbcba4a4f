#!/usr/bin/env bash
# bench/run_pipeline.sh — the fast lane's worker loop on DPDK ring ports
# (bench/pipeline/bench_pipeline.c, bench/README.md "pipeline"): builds the
# netns lab so that the route tables are the lab gateway's, makes the
# gateway know the server (a ping), then runs the worker for SECS seconds
# per family and prints one JSON line each and a markdown table.
#
#   sudo bench/run_pipeline.sh            # SECS=5
#
# Needs root (exit 77 otherwise); runs only in namespaces it creates
# (prefix shunt-bp<pid>), removed on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRCDIR="${SRCDIR:-$(cd "$here/.." && pwd)}"
BENCH_PIPELINE="${BENCH_PIPELINE:-$SRCDIR/build/bench/bench_pipeline}"
SECS="${SECS:-5}"
# shellcheck source=../tests/lib/lab.sh
. "$SRCDIR/tests/lib/lab.sh"

if [[ "$(id -u)" -ne 0 ]]; then
	echo "run_pipeline.sh: needs root (network namespaces, DPDK): sudo $0 — skipped" >&2
	exit 77
fi
lab_need ip ping timeout jq
if [[ ! -x "$BENCH_PIPELINE" ]]; then
	echo "run_pipeline.sh: no $BENCH_PIPELINE (build: meson setup build && ninja -C build)" >&2
	exit 1
fi
PREFIX="shunt-bp$$"
trap 'lab_down "$PREFIX"' EXIT
lab_up "$PREFIX"
ip netns exec "$LAB_CLIENT" ping -c 1 -W 2 198.18.2.2 >/dev/null
ip netns exec "$LAB_CLIENT" ping -6 -c 1 -W 2 2001:db8:2::2 >/dev/null

results=()
for fam in 4 6; do
	results+=("$(timeout $((SECS + 30)) ip netns exec "$LAB_GW" "$BENCH_PIPELINE" \
		"$SRCDIR/configs/lab.conf" "$SECS" "$fam" 2>/dev/null | head -1)")
done
printf '%s\n' "${results[@]}"
echo
echo "| family | frame bytes | packets sent by the worker in ${SECS} s | busy ns/packet | Mpps at 100 % busy | drops |"
echo "|---|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
	jq -r '"| IPv\(.family) | \(.frame_len) | \(.tx) | \(.busy_ns_per_packet) | \(.mpps_busy) | \(.drops) |"' <<<"$r"
done
