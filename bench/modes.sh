#!/usr/bin/env bash
# bench/modes.sh — kernel mode vs hybrid mode on the netns lab, same offered
# load in both (bench/README.md, "modes"). For each mode: `shunt run --mode
# MODE` in the gateway namespace, then
#   idle      IDLE_SECS with no traffic: what the box and shunt burn
#   UDP load  iperf3 UDP, 64-byte payloads to 198.18.2.2:7000 (rule udp-fast:
#             fast lane in hybrid mode) at each rate of RATES for SECS:
#             sent, delivered and lost packets; box, lab and shunt CPU per packet
#   TCP       iperf3 TCP to 198.18.2.2:5201 (rules iperf, iperf-back) for SECS
#             (UDP and TCP points REPEAT times, interleaved; the least
#             disturbed run of each is kept, with the spread)
#   RTT       UDP request/response at RTT_RATE/s, RTT_COUNT requests, through
#             the fast lane (port 7000) and the kernel lane (port 7002)
# then idle and RTT once more with the worker set to idle = "poll", and
# prints markdown tables and the command lines used. The lab runs with
# TSO/GSO/GRO off on its veths in both modes (see the README).
#
#   sudo bench/modes.sh
#   sudo RATES="50000" REPEAT=1 SECS=5 bench/modes.sh
#
# Needs root (exit 77 otherwise) and ip, ethtool, jq, iperf3, ping, nsenter;
# runs only in namespaces it creates (prefix shunt-bm<pid>), removed on exit.
# Env: SHUNT_BIN (default build/control/shunt), SRCDIR, RATES (pps, default
# "10000 20000 50000 100000"), SECS (3 per run), REPEAT (3 runs per load
# point), IDLE_SECS (5), RTT_COUNT (1000), RTT_RATE (500), DEADLINE (150 s:
# no step starts later; the steps themselves are bounded by timeouts). With
# the defaults it takes about 130 s.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRCDIR="${SRCDIR:-$(cd "$here/.." && pwd)}"
# shellcheck source=../tests/lib/lab.sh
. "$SRCDIR/tests/lib/lab.sh"
# shellcheck source=measure.sh
. "$SRCDIR/bench/measure.sh"

if [[ "$(id -u)" -ne 0 ]]; then
	echo "modes.sh: needs root (network namespaces, BPF, DPDK): sudo $0 — skipped" >&2
	exit 77
fi
lab_require_root
lab_need ip ethtool jq iperf3 ping nsenter ss timeout awk sed
[[ -x "$LAB_PYTHON" ]] || lab_skip "no $LAB_PYTHON"
if [[ ! -x "$SHUNT_BIN" ]]; then
	echo "modes.sh: no shunt binary at $SHUNT_BIN (build: meson setup build && ninja -C build)" >&2
	exit 1
fi

read -r -a RATES <<<"${RATES:-10000 20000 50000 100000}"
SECS="${SECS:-3}"
REPEAT="${REPEAT:-3}"
IDLE_SECS="${IDLE_SECS:-5}"
RTT_COUNT="${RTT_COUNT:-1000}"
RTT_RATE="${RTT_RATE:-500}"
DEADLINE="${DEADLINE:-150}"
PREFIX="shunt-bm$$"
SERVER=198.18.2.2

meas_lab_trap "$PREFIX"

say() { printf '%s\n' "$*" >&2; }

# late WHAT: true (and says so) once the script has run DEADLINE seconds.
late() {
	((SECONDS >= DEADLINE)) || return 1
	say "skipped, past the ${DEADLINE} s deadline: $*"
}

# Rows of the idle and RTT tables, filled as the runs go.
IDLE_ROWS=() RTT_ROWS=()
declare -A CMDS # kind -> the command line used
# Load points (KEY "MODE|udp|PPS" or "MODE|tcp") run REPEAT times,
# interleaved; the run with the fewest box ns/packet is kept, since other
# load on the VM only ever adds to it, with the range of the box and lab
# figures over all runs that worked (RUNS of them).
declare -A BEST_ROW RUNS BOX_MIN BOX_MAX LAB_MIN LAB_MAX

widen() { # ARRAY-PREFIX KEY VALUE: extend BOX_/LAB_ MIN and MAX
	local -n lo="${1}_MIN" hi="${1}_MAX"
	if [[ -z "${lo[$2]:-}" ]] || (($3 < lo[$2])); then lo[$2]="$3"; fi
	if [[ -z "${hi[$2]:-}" ]] || (($3 > hi[$2])); then hi[$2]="$3"; fi
}

keep() { # KEY BOX-NS LAB-NS ROW
	local key="$1" box="$2" lab="$3" row="$4"
	[[ "$box" =~ ^[0-9]+$ && "$lab" =~ ^[0-9]+$ ]] || return 0
	RUNS[$key]=$((${RUNS[$key]:-0} + 1))
	if [[ -z "${BOX_MIN[$key]:-}" ]] || ((box < BOX_MIN[$key])); then
		BEST_ROW[$key]="$row"
	fi
	widen BOX "$key" "$box"
	widen LAB "$key" "$lab"
}

kept_row() { # KEY LEADING-COLUMNS EMPTY-COLUMNS
	local key="$1"
	if [[ -z "${BEST_ROW[$key]:-}" ]]; then
		echo "| $2 | no run worked |$3"
		return 0
	fi
	echo "| $2 | ${BEST_ROW[$key]} | ${BOX_MIN[$key]}–${BOX_MAX[$key]} | ${LAB_MIN[$key]}–${LAB_MAX[$key]} | ${RUNS[$key]} |"
}

pct_one_cpu() { # NS: % of one CPU over the last window
	awk -v t="$1" -v s="$MEAS_SECS" 'BEGIN { printf "%.1f", 100 * t / 1e9 / s }'
}

per_sec() { # COUNT SECS
	awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'
}

idle_run() {
	local mode="$1"
	late "$mode idle" && return 0
	say "$mode: idle ${IDLE_SECS} s"
	meas_begin
	sleep "$IDLE_SECS"
	meas_end
	IDLE_ROWS+=("| $mode | $MEAS_SECS | $(meas_pct "$MEAS_BOX_NS") % | $(pct_one_cpu "$MEAS_SHUNT_NS") % | $(pct_one_cpu "$MEAS_WORKER_NS") % |")
}

# CPU columns of a load point: box %, box, lab and shunt ns per packet,
# the workers' busy cycles per fast-lane packet, fast-lane tx packets ("-"
# in kernel mode: no forwarder of shunt's own).
cpu_cols() {
	local mode="$1" pkts="$2"
	printf '%s %% | %s | %s | ' "$(meas_pct "$MEAS_BOX_NS")" "$(meas_ns_per "$pkts" "$MEAS_BOX_NS")" \
		"$(meas_ns_per "$pkts" "$MEAS_LAB_NS")"
	if [[ "$mode" == kernel ]]; then
		echo "- | - | -"
		return 0
	fi
	printf '%s | %s | %s' "$(meas_ns_per "$pkts" "$MEAS_SHUNT_NS")" \
		"$(awk -v b="$MEAS_FAST_BUSY_NS" -v n="$MEAS_FAST_TX" 'BEGIN { if (n > 0) printf "%.0f", b / n; else printf "-" }')" \
		"$MEAS_FAST_TX"
}

udp_run() {
	local mode="$1" pps="$2" loss
	late "$mode UDP $pps pps" && return 0
	say "$mode: UDP $pps pps for $SECS s"
	meas_udp_load "$SERVER" 7000 "$pps" "$SECS" || return 0
	CMDS[udp]="$MEAS_CMD"
	loss="$(awk -v s="$MEAS_SENT" -v d="$MEAS_DELIVERED" 'BEGIN { printf "%.2f %%", (s > 0 ? 100 * (s - d) / s : 0) }')"
	((MEAS_CSUM == 0)) || loss+=" ($MEAS_CSUM bad csum)"
	keep "$mode|udp|$pps" "$(meas_ns_per "$MEAS_DELIVERED" "$MEAS_BOX_NS")" \
		"$(meas_ns_per "$MEAS_DELIVERED" "$MEAS_LAB_NS")" \
		"$(per_sec "$MEAS_SENT" "$MEAS_RUN_SECS") | $(per_sec "$MEAS_DELIVERED" "$MEAS_RUN_SECS") | $loss | $MEAS_RCVBUF | $(cpu_cols "$mode" "$MEAS_DELIVERED")"
}

tcp_run() {
	local mode="$1"
	late "$mode TCP" && return 0
	say "$mode: TCP for $SECS s"
	meas_tcp_load "$SERVER" 5201 "$SECS" || return 0
	CMDS[tcp]="$MEAS_CMD"
	keep "$mode|tcp" "$(meas_ns_per "$MEAS_SEGS" "$MEAS_BOX_NS")" "$(meas_ns_per "$MEAS_SEGS" "$MEAS_LAB_NS")" \
		"$(awk -v b="$MEAS_BPS" 'BEGIN { printf "%.2f", b / 1e9 }') | $(per_sec "$MEAS_SEGS" "$MEAS_SECS") | $(cpu_cols "$mode" "$MEAS_SEGS")"
}

rtt_run() {
	local mode="$1" port="$2" lane="$3"
	late "$mode RTT port $port" && return 0
	say "$mode: RTT $RTT_COUNT requests at $RTT_RATE/s to port $port"
	if ! meas_rtt "$SERVER" "$port" "$RTT_COUNT" "$RTT_RATE"; then
		RTT_ROWS+=("| $mode | $port ($lane) | failed | | | | |")
		return 0
	fi
	RTT_ROWS+=("| $mode | $port ($lane) | $MEAS_RTT_OK/$RTT_COUNT | $MEAS_RTT_P50 | $MEAS_RTT_P90 | $MEAS_RTT_P99 | $MEAS_RTT_MAX |")
}

# run_mode LABEL CONFIG MODE [loads]: one shunt run; the load points only
# with "loads" (the poll run is there for idle CPU and RTT).
run_mode() {
	local label="$1" conf="$2" mode="$3" loads="${4:-}" rate pass lane7000=kernel
	[[ "$mode" == hybrid ]] && lane7000=fast
	late "$label run" && return 0
	say "$label: shunt run -c $conf --mode $mode"
	if ! shunt_start "$PREFIX" "$conf" --mode "$mode"; then
		say "$label: shunt did not start; no figures for it"
		return 0
	fi
	meas_warm_neighbours || say "$label: warning: a warm-up ping failed"
	idle_run "$label"
	for ((pass = 1; pass <= REPEAT && ${#loads}; pass++)); do
		for rate in "${RATES[@]}"; do
			udp_run "$label" "$rate"
		done
		tcp_run "$label"
	done
	rtt_run "$label" 7000 "$lane7000"
	rtt_run "$label" 7002 kernel
	shunt_stop || say "$label: shunt did not stop cleanly"
}

udp_rows() {
	local mode rate
	for mode in kernel hybrid; do
		for rate in "${RATES[@]}"; do
			kept_row "$mode|udp|$rate" "$mode | $rate" " | | | | | | | | | | | | |"
		done
	done
}

tcp_rows() {
	local mode
	for mode in kernel hybrid; do
		kept_row "$mode|tcp" "$mode" " | | | | | | | | | | |"
	done
}

lab_up "$PREFIX"
CONF="$LAB_TMPDIR/bench.conf"
meas_bench_config "$CONF"
# The same with a worker that never sleeps: what the naps cost in latency.
CONF_POLL="$LAB_TMPDIR/bench-poll.conf"
sed 's/^\( *idle = \)"adaptive";/\1"poll";/' "$CONF" >"$CONF_POLL"
grep -q '^ *idle = "poll";' "$CONF_POLL" || { echo "modes.sh: could not set idle = \"poll\"" >&2; exit 1; }
meas_offloads_off || { echo "modes.sh: ethtool -K ... tso/gso/gro off failed" >&2; exit 1; }
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

run_mode kernel "$CONF" kernel loads
run_mode hybrid "$CONF" hybrid loads
run_mode "hybrid, idle=poll" "$CONF_POLL" hybrid

cat <<EOF
## modes — kernel vs hybrid on the netns lab

finished $(date -u +%Y-%m-%dT%H:%M:%SZ), shunt $(cd "$SRCDIR" && git describe --always --dirty 2>/dev/null || echo unknown), kernel $(uname -r), $MEAS_NCPU CPUs, load average before: $LOAD_BEFORE

Gateway: \`shunt run -c bench.conf --mode kernel|hybrid\` (configs/lab.conf + rule udp-fast-back: udp sport 7000 fast; its worker idles "adaptive"); "hybrid, idle=poll" is the same with \`idle = "poll"\`, for idle CPU and RTT only. TSO/GSO/GRO off on all lab veths, tx checksum offload off on the hosts.

### Idle (${IDLE_SECS} s, no traffic)

| mode | window s | box CPU (all ${MEAS_NCPU} CPUs) | shunt process (% of one CPU) | worker thread (% of one CPU) |
|---|---:|---:|---:|---:|
$(printf '%s\n' "${IDLE_ROWS[@]}")

Load points: ${REPEAT} runs of ${SECS} s each, interleaved; each row is the run with the fewest box ns/packet (other load on the VM only adds), then the range of box and lab ns/packet over all runs that worked. Box = all CPUs, wall minus idle; lab = iperf3 client + server + shunt + ksoftirqd (bench/measure.sh).

### UDP, ${MEAS_SIZE}-byte payloads to ${SERVER}:7000 (rule udp-fast)

| mode | offered pps | sent pps | delivered pps | gateway loss | receiver socket drops | box CPU | box ns/pkt | lab ns/pkt | shunt ns/pkt | worker busy ns/pkt | fast-lane tx | box ns/pkt, all runs | lab ns/pkt, all runs | runs |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(udp_rows)

### TCP to ${SERVER}:5201 (rules iperf, iperf-back); packets = segments both ways

| mode | Gbit/s | segments/s | box CPU | box ns/seg | lab ns/seg | shunt ns/seg | worker busy ns/seg | fast-lane tx | box ns/seg, all runs | lab ns/seg, all runs | runs |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(tcp_rows)

### UDP request/response RTT, ${RTT_COUNT} requests at ${RTT_RATE}/s, one outstanding (µs)

| mode | server port (lane) | answered | p50 | p90 | p99 | max |
|---|---|---:|---:|---:|---:|---:|
$(printf '%s\n' "${RTT_ROWS[@]}")

Commands (client namespace; server: \`iperf3 -s -1 -B ${SERVER} -p PORT\`, RTT: the Python pair in bench/measure.sh):

    ${CMDS[udp]:-(no UDP run)}   # -b = pps x ${MEAS_SIZE} x 8
    ${CMDS[tcp]:-(no TCP run)}
EOF
