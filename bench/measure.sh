# shellcheck shell=bash disable=SC2034 # the MEAS_* results are read by the callers
#
# bench/measure.sh — measurement on the netns lab, shared by bench/modes.sh
# and scripts/demo.sh. Source it after tests/lib/lab.sh (it uses LAB_* and
# SHUNT_PID); it defines functions and variables only.
#
# What it counts, and where (ARCHITECTURE.md "Tests and measurement"):
#   packets   the hosts' own SNMP counters (/proc/net/snmp in the client and
#             server namespaces): sent = client Udp OutDatagrams, delivered =
#             server Udp InDatagrams + RcvbufErrors (reached the server's UDP
#             layer intact; a full socket buffer is the receiver's loss, not
#             the gateway's, and is reported apart).
#   box CPU   all CPUs, wall time minus idle (/proc/stat): everything the VM
#             did, the generator and the receiver too (equally in both modes)
#             and whatever else runs on it.
#   lab CPU   what the lab itself used: iperf3 client and server (their own
#             rusage, from the JSON), every thread of shunt and the ksoftirqd
#             threads (schedstat). Softirq work runs inside these on veth.
#             Not disturbed by other work on the VM.
#   shunt     shunt's threads (all, and the fast lane's *worker* lcores),
#             and the workers' own busy_cycles from `shunt stats --json`.
#
# Functions:
#   meas_lab_trap PREFIX          on exit stop shunt and remove the lab; TERM and INT exit
#   meas_bench_config OUT         configs/lab.conf + rule udp-fast-back (udp sport 7000 fast)
#   meas_offloads_off             TSO/GSO/GRO off on the lab's four veth ends
#   meas_warm_neighbours          one ping each way, so both hosts are neighbours of the gateway
#   meas_begin / meas_end         a measurement window; meas_end sets (CPU times in ns)
#                                 MEAS_SECS (wall), MEAS_BOX_NS, MEAS_SHUNT_NS, MEAS_WORKER_NS,
#                                 MEAS_KSOFTIRQ_NS, MEAS_FAST_TX, MEAS_FAST_BUSY_NS
#   meas_udp_load ADDR PORT PPS SECS   iperf3 UDP at PPS datagrams/s of MEAS_SIZE bytes;
#                                 sets MEAS_CMD, MEAS_SENT, MEAS_DELIVERED, MEAS_RCVBUF, MEAS_CSUM,
#                                 MEAS_RUN_SECS, MEAS_LAB_NS and the window's figures
#   meas_tcp_load ADDR PORT SECS  iperf3 TCP; sets MEAS_CMD, MEAS_BPS, MEAS_SEGS (both ways),
#                                 MEAS_LAB_NS and the window's figures
#   meas_rtt ADDR PORT COUNT RATE UDP request/response (echo in the server ns);
#                                 sets MEAS_RTT_OK, MEAS_RTT_P50/P90/P99/MAX (µs)
#   meas_ns_per PACKETS NS        ns per packet ("-" without packets)
#   meas_pct NS                   % of the whole box over the last window
#   meas_udp_line                 one line: rates, loss, CPU of the last meas_udp_load

MEAS_SIZE="${MEAS_SIZE:-64}"
MEAS_HZ="$(getconf CLK_TCK)"
MEAS_NCPU="$(getconf _NPROCESSORS_ONLN)"
MEAS_TIMEOUT_PAD=15 # seconds a client/server may take past its run

meas_log() { printf 'measure: %s\n' "$*" >&2; }

meas_lab_trap() {
	MEAS_LAB_PREFIX="${1:?meas_lab_trap: PREFIX missing}"
	trap 'shunt_stop >/dev/null 2>&1 || true; lab_down "$MEAS_LAB_PREFIX"' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
}

meas_bench_config() {
	local out="${1:?meas_bench_config: OUT missing}"
	# First rule: replies from udp 7000 (the echo server) take the fast lane
	# too, so a request/response round trip is fast both ways in hybrid mode.
	sed '/^rules = (/a\
  { name = "udp-fast-back"; proto = "udp"; sport = 7000; lane = "fast"; },' \
		"$SRCDIR/configs/lab.conf" >"$out"
	grep -q '"udp-fast-back"' "$out"
}

meas_offloads_off() {
	local ns dev ns_dev
	for ns_dev in "$LAB_CLIENT:eth0" "$LAB_GW:gw-lan" "$LAB_GW:gw-wan" "$LAB_SERVER:eth0"; do
		ns="${ns_dev%%:*}" dev="${ns_dev#*:}"
		ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 || return 1
	done
}

meas_warm_neighbours() {
	ip netns exec "$LAB_CLIENT" ping -c 1 -W 2 198.18.2.2 >/dev/null 2>&1 &&
		ip netns exec "$LAB_SERVER" ping -c 1 -W 2 198.18.1.2 >/dev/null 2>&1
}

# meas_snmp NS PROTO FIELD...: the named counters of /proc/net/snmp in NS.
meas_snmp() {
	local ns="$1" proto="$2"
	shift 2
	ip netns exec "$ns" cat /proc/net/snmp | awk -v p="$proto:" -v want="$*" '
		$1 == p && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == p && hdr  { n = split(want, w, " ")
				  for (j = 1; j <= n; j++) printf "%s%s", $col[w[j]], (j < n ? " " : "\n") }'
}

# Idle+iowait time of all CPUs, in ticks of 1/MEAS_HZ s. The kernel counts
# it exactly on a NO_HZ kernel, where the busy fields of /proc/stat are
# sampled at the tick and miss (or double) short bursts: busy time is taken
# as wall time x CPUs - idle.
meas_box_idle() {
	awk '$1 == "cpu" { print $5 + $6; exit }' /proc/stat
}

# meas_task_ns DIR...: CPU time (ns, schedstat's sum_exec_runtime) of tasks.
meas_task_ns() {
	local d ns=0 run
	for d in "$@"; do
		read -r run _ 2>/dev/null <"$d/schedstat" || continue
		ns=$((ns + run))
	done
	echo "$ns"
}

# "process workers ksoftirqd" CPU ns: the running shunt (all its threads,
# and those named *worker*: the fast lane's lcores) and the ksoftirqd
# threads, which carry the softirq work no process took on itself.
meas_task_counters() {
	local t proc=() workers=() ksoft=() comm
	if [[ -n "${SHUNT_PID:-}" && -d "/proc/$SHUNT_PID" ]]; then
		for t in /proc/"$SHUNT_PID"/task/*; do
			proc+=("$t")
			comm="$(cat "$t/comm" 2>/dev/null)" || continue
			[[ "$comm" == *worker* ]] && workers+=("$t")
		done
	fi
	for t in "${MEAS_KSOFTIRQD[@]}"; do
		ksoft+=("/proc/$t")
	done
	echo "$(meas_task_ns "${proc[@]}") $(meas_task_ns "${workers[@]}") $(meas_task_ns "${ksoft[@]}")"
}
mapfile -t MEAS_KSOFTIRQD < <(pgrep -x 'ksoftirqd/[0-9]+')

# "tx busy_ns" summed over the fast lane's workers (0 0 in kernel mode).
meas_fast_counters() {
	local json
	if [[ -n "${SHUNT_PID:-}" ]] && json="$(shunt_stats_json 2>/dev/null)"; then
		jq -r '[.fast.workers[]?] |
			"\(map(.tx_packets) | add // 0) \(map(.busy_cycles / .tsc_hz * 1e9) | add // 0 | floor)"' <<<"$json"
	else
		echo "0 0"
	fi
}

# The fast-lane counters are read outside the window: `shunt stats` is a
# process of its own and would count into the box's CPU.
meas_begin() {
	read -r MEAS_F0_TX MEAS_F0_BUSY < <(meas_fast_counters)
	read -r MEAS_S0_PROC MEAS_S0_WORK MEAS_S0_KSOFT < <(meas_task_counters)
	MEAS_I0="$(meas_box_idle)"
	MEAS_T0="$(date +%s%N)"
}

meas_end() {
	local t1 i1 p1 w1 k1 tx busy
	t1="$(date +%s%N)"
	i1="$(meas_box_idle)"
	read -r p1 w1 k1 < <(meas_task_counters)
	read -r tx busy < <(meas_fast_counters)
	MEAS_SECS="$(awk -v a="$MEAS_T0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
	MEAS_BOX_NS="$(awk -v w=$((t1 - MEAS_T0)) -v c="$MEAS_NCPU" -v i=$((i1 - MEAS_I0)) -v hz="$MEAS_HZ" \
		'BEGIN { b = w * c - i * 1e9 / hz; printf "%.0f", (b > 0 ? b : 0) }')"
	MEAS_SHUNT_NS=$((p1 - MEAS_S0_PROC))
	MEAS_WORKER_NS=$((w1 - MEAS_S0_WORK))
	MEAS_KSOFTIRQ_NS=$((k1 - MEAS_S0_KSOFT))
	MEAS_FAST_TX=$((tx - MEAS_F0_TX))
	MEAS_FAST_BUSY_NS=$((busy - MEAS_F0_BUSY))
}

meas_ns_per() { # PACKETS NS
	awk -v n="$1" -v t="$2" 'BEGIN { if (n > 0) printf "%.0f", t / n; else printf "-" }'
}

meas_pct() { # NS: % of all CPUs over the last window
	awk -v t="$1" -v c="$MEAS_NCPU" -v s="$MEAS_SECS" 'BEGIN { printf "%.0f", 100 * t / 1e9 / c / s }'
}

meas_listening() { # PORT: a TCP listener on PORT in the server ns
	[[ -n "$(ip netns exec "$LAB_SERVER" ss -Htln "sport = :$1" 2>/dev/null)" ]]
}

# meas_iperf_server ADDR PORT SECS: a one-off iperf3 server; sets MEAS_SRV_PID.
meas_iperf_server() {
	ip netns exec "$LAB_SERVER" timeout $(($3 + MEAS_TIMEOUT_PAD)) \
		iperf3 -s -1 -B "$1" -p "$2" >/dev/null 2>&1 &
	MEAS_SRV_PID=$!
	if ! wait_for -t 5 meas_listening "$2"; then
		meas_log "iperf3 server on $1:$2 did not listen"
		kill "$MEAS_SRV_PID" 2>/dev/null || true
		wait "$MEAS_SRV_PID" 2>/dev/null || true
		return 1
	fi
}

# meas_iperf_client SECS ARGS...: iperf3 in the client ns inside a
# measurement window; MEAS_CMD is the command line, the JSON in MEAS_JSON.
meas_iperf_client() {
	local secs="$1" rc=0
	shift
	MEAS_CMD="iperf3 $*"
	MEAS_JSON="$LAB_TMPDIR/iperf3-client.json"
	meas_begin
	ip netns exec "$LAB_CLIENT" timeout $((secs + MEAS_TIMEOUT_PAD)) iperf3 "$@" -J >"$MEAS_JSON" 2>&1 || rc=$?
	meas_end
	wait "$MEAS_SRV_PID" 2>/dev/null || true
	if ((rc != 0)); then
		meas_log "$MEAS_CMD failed: $(jq -r '.error // empty' "$MEAS_JSON" 2>/dev/null)"
		return 1
	fi
	# iperf3's CPU figures are % of one CPU over the test, client and server
	MEAS_LAB_NS="$(jq -r '.end | (.cpu_utilization_percent.host_total + .cpu_utilization_percent.remote_total)
		/ 100 * .sum_sent.seconds * 1e9 | floor' "$MEAS_JSON")"
	MEAS_LAB_NS=$((MEAS_LAB_NS + MEAS_SHUNT_NS + MEAS_KSOFTIRQ_NS))
}

meas_udp_load() { # ADDR PORT PPS SECS
	local addr="$1" port="$2" pps="$3" secs="$4" c0 c1 s0 s1
	local bits=$((pps * MEAS_SIZE * 8)) out0 rcv0 csum0 out1 rcv1 csum1
	MEAS_SENT=0 MEAS_DELIVERED=0 MEAS_RCVBUF=0 MEAS_CSUM=0 MEAS_RUN_SECS="$secs"
	meas_iperf_server "$addr" "$port" "$secs" || return 1
	out0="$(meas_snmp "$LAB_CLIENT" Udp OutDatagrams)"
	read -r rcv0 s0 csum0 < <(meas_snmp "$LAB_SERVER" Udp InDatagrams RcvbufErrors InCsumErrors)
	# --pacing-timer 1000: iperf3's default, written out: bursts every 1 ms
	meas_iperf_client "$secs" -c "$addr" -p "$port" -u -l "$MEAS_SIZE" -b "$bits" \
		--pacing-timer 1000 -t "$secs" || return 1
	out1="$(meas_snmp "$LAB_CLIENT" Udp OutDatagrams)"
	read -r rcv1 s1 csum1 < <(meas_snmp "$LAB_SERVER" Udp InDatagrams RcvbufErrors InCsumErrors)
	c0=$((rcv1 - rcv0)) c1=$((s1 - s0))
	MEAS_SENT=$((out1 - out0))
	MEAS_DELIVERED=$((c0 + c1))
	MEAS_RCVBUF="$c1"
	MEAS_CSUM=$((csum1 - csum0))
	MEAS_RUN_SECS="$(jq -r '.end.sum_sent.seconds // empty' "$MEAS_JSON")"
	[[ -n "$MEAS_RUN_SECS" ]] || MEAS_RUN_SECS="$secs"
}

meas_tcp_load() { # ADDR PORT SECS
	local addr="$1" port="$2" secs="$3" a0 a1 b0 b1
	MEAS_BPS=0 MEAS_SEGS=0
	meas_iperf_server "$addr" "$port" "$secs" || return 1
	a0="$(meas_snmp "$LAB_CLIENT" Tcp InSegs)" b0="$(meas_snmp "$LAB_SERVER" Tcp InSegs)"
	meas_iperf_client "$secs" -c "$addr" -p "$port" -t "$secs" || return 1
	a1="$(meas_snmp "$LAB_CLIENT" Tcp InSegs)" b1="$(meas_snmp "$LAB_SERVER" Tcp InSegs)"
	MEAS_SEGS=$((a1 - a0 + b1 - b0))
	MEAS_BPS="$(jq -r '.end.sum_received.bits_per_second // 0' "$MEAS_JSON")"
}

# The request/response pair for meas_rtt: `echo ADDR PORT SECS READY` answers
# every datagram to its sender; `probe ADDR PORT COUNT RATE` sends COUNT
# numbered requests at RATE/s, one outstanding at a time (200 ms each at
# most), and prints "answered p50 p90 p99 max" (µs).
meas_rtt_py() {
	cat <<'PY'
import socket, sys, time
def family(a): return socket.AF_INET6 if ":" in a else socket.AF_INET
def echo(addr, port, secs, ready):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    open(ready, "w").close()
    end = time.monotonic() + float(secs)
    while (left := end - time.monotonic()) > 0:
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            break
        s.sendto(data, peer)
def probe(addr, port, count, rate):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.connect((addr, int(port)))
    count, rate, rtts = int(count), float(rate), []
    pad = bytes(60)
    start = time.perf_counter()
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        msg = i.to_bytes(4, "big") + pad
        t0 = time.perf_counter_ns()
        s.send(msg)
        deadline = t0 + 200_000_000
        while (left := deadline - time.perf_counter_ns()) > 0:
            s.settimeout(left / 1e9)
            try:
                data = s.recv(2048)
            except (socket.timeout, ConnectionRefusedError):
                break
            if data[:4] == msg[:4]:
                rtts.append((time.perf_counter_ns() - t0) / 1000)
                break
    rtts.sort()
    q = lambda f: rtts[min(len(rtts) - 1, int(f * len(rtts)))] if rtts else -1
    print(len(rtts), *("%.0f" % q(f) for f in (0.5, 0.9, 0.99)), "%.0f" % (rtts[-1] if rtts else -1))
{"echo": echo, "probe": probe}[sys.argv[1]](*sys.argv[2:])
PY
}

meas_rtt() { # ADDR PORT COUNT RATE
	local addr="$1" port="$2" count="$3" rate="$4" py="$LAB_TMPDIR/udp_rtt.py"
	local ready="$LAB_TMPDIR/udp_rtt.ready" secs echo_pid out
	MEAS_RTT_OK=0 MEAS_RTT_P50=- MEAS_RTT_P90=- MEAS_RTT_P99=- MEAS_RTT_MAX=-
	secs=$((count / rate + 5))
	meas_rtt_py >"$py"
	rm -f "$ready"
	ip netns exec "$LAB_SERVER" "$LAB_PYTHON" "$py" echo "$addr" "$port" "$secs" "$ready" &
	echo_pid=$!
	if ! wait_for -t 5 test -e "$ready"; then
		meas_log "UDP echo on $addr:$port did not start"
		kill "$echo_pid" 2>/dev/null || true
		wait "$echo_pid" 2>/dev/null || true
		return 1
	fi
	out="$(ip netns exec "$LAB_CLIENT" timeout $((secs + MEAS_TIMEOUT_PAD)) \
		"$LAB_PYTHON" "$py" probe "$addr" "$port" "$count" "$rate")" || out=""
	kill "$echo_pid" 2>/dev/null || true
	wait "$echo_pid" 2>/dev/null || true
	[[ -n "$out" ]] || return 1
	read -r MEAS_RTT_OK MEAS_RTT_P50 MEAS_RTT_P90 MEAS_RTT_P99 MEAS_RTT_MAX <<<"$out"
}

meas_udp_line() {
	awk -v s="$MEAS_SENT" -v d="$MEAS_DELIVERED" -v r="$MEAS_RCVBUF" -v t="$MEAS_RUN_SECS" \
		'BEGIN { printf "sent %.0f/s, delivered %.0f/s, gateway loss %.2f %%, receiver socket drops %d",
			s / t, d / t, (s > 0 ? 100 * (s - d) / s : 0), r }'
	printf ', CPU ns/packet: box %s, lab %s, shunt %s\n' "$(meas_ns_per "$MEAS_DELIVERED" "$MEAS_BOX_NS")" \
		"$(meas_ns_per "$MEAS_DELIVERED" "$MEAS_LAB_NS")" "$(meas_ns_per "$MEAS_DELIVERED" "$MEAS_SHUNT_NS")"
}
