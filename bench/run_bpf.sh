#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/run_bpf.sh — BPF_PROG_TEST_RUN ns/packet of shunt's BPF programs
# (bench/README.md). Builds what it needs, then runs bench/bpf/bench_bpf as
# root, bounded in time, and keeps the output in BUILD/bench/bpf-results.txt.
#
#   sudo bench/run_bpf.sh                 # the README matrix
#   sudo bench/run_bpf.sh -n 11 -l kernel # any bench_bpf option (--help)
#
# Environment: BUILD (default: ./build), TIMEOUT seconds (default 300).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}
limit=${TIMEOUT:-300}

if [ "$(id -u)" != 0 ]; then
	echo "run_bpf.sh: needs root (BPF, a network namespace) — skipped" >&2
	exit 77
fi
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src"
fi
ninja -C "$build" bench/bench_bpf

out=$build/bench/bpf-results.txt
{
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(cd "$src" && git describe --always --dirty 2>/dev/null || echo unknown)"
	# the verifier's processed instructions of the production programs
	if ninja -C "$build" control/shunt >/dev/null 2>&1; then
		"$build/control/shunt" validate --preflight --no-host -c "$src/configs/lab.conf" 2>&1 |
			sed 's/^/# preflight: /'
	else
		echo "# preflight: control/shunt does not build right now; skipped"
	fi
} | tee "$out"
# -k: a run stuck in the kernel still ends; the namespace goes with the process
set +e
timeout -k 10 "$limit" "$build/bench/bench_bpf" --markdown "$@" | tee -a "$out"
status=${PIPESTATUS[0]}
echo "run_bpf.sh: results in $out (exit $status)" >&2
exit "$status"
