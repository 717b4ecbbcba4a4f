#!/usr/bin/env bash
# scripts/test.sh [MESON TEST ARGS...] — install missing deps (as root),
# configure and build build/, run every test suite. Suites that need root
# (BPF, network namespaces) skip when not root. Exits with meson test's status,
# and meson's summary is the last thing printed.
#
#   scripts/test.sh                      # everything
#   scripts/test.sh --suite integration  # one suite
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "$(id -u)" -eq 0 ]]; then
	./scripts/deps.sh
else
	echo "test.sh: not root: skipping scripts/deps.sh; root-only suites (bpf, integration) will skip"
fi

if [[ ! -f build/meson-private/coredata.dat ]]; then
	meson setup build
fi
ninja -C build

exec meson test -C build --print-errorlogs --num-processes 2 "$@"
