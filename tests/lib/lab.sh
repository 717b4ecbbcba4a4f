# shellcheck shell=bash
#
# tests/lib/lab.sh — the netns lab shared by scripts/demo.sh, scripts/lab.sh
# and the integration tests. Source it; it defines functions and variables only.
#
#   client ns                gateway ns                    server ns
#   eth0 198.18.1.2/24  <->  gw-lan 198.18.1.1/24
#        2001:db8:1::2/64          2001:db8:1::1/64
#                            gw-wan 198.18.2.1/24     <->  eth0 198.18.2.2/24
#                                   2001:db8:2::1/64            2001:db8:2::2/64
#
# Safety: everything is created inside namespaces made here (veth pairs are
# created directly inside them); the root namespace is never configured.
#
# Functions:
#   lab_require_root            exit 77 unless root and `ip netns add` works
#   lab_need CMD...             exit 77 when a command is missing
#   wait_for [-t SECS] CMD...   poll CMD (every 0.1 s) until it succeeds, bounded
#   lab_up PREFIX               build the lab; sets LAB_CLIENT LAB_GW LAB_SERVER LAB_TMPDIR
#   lab_down PREFIX             kill the lab's processes, delete it; never fails
#   shunt_start PREFIX CONFIG [ARGS...]   `shunt run` in the gateway ns; sets SHUNT_PID SHUNT_LOG
#   shunt_stop                  SIGTERM shunt, wait (bounded), return its exit code
#   shunt_stats_json [ARGS...]  `shunt stats --json` as seen by the running shunt
#   shunt_stats [ARGS...]       `shunt stats` (human table), same
#   udp_recv_start NS ADDR PORT COUNT TIMEOUT   background receiver; sets UDP_RECV_PID
#   udp_recv_result             wait for it; sets UDP_RECV_COUNT
#   udp_send NS ADDR PORT COUNT SIZE RATE       send exactly COUNT datagrams

# Repository root, derived from this file's own path (tests/lib/lab.sh).
if [[ -z "${SRCDIR:-}" ]]; then
	SRCDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fi
SHUNT_BIN="${SHUNT_BIN:-$SRCDIR/build/control/shunt}"
# ip, tc, bpftool live in sbin, which a non-login root shell may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
# The system interpreter: udp.py uses the standard library only, and a
# python3 first on PATH (pyenv, venv) may not exist for root or in CI.
LAB_PYTHON="${LAB_PYTHON:-/usr/bin/python3}"
LAB_UDP_PY="${LAB_UDP_PY:-$SRCDIR/tests/lib/udp.py}"
SHUNT_READY_TIMEOUT="${SHUNT_READY_TIMEOUT:-10}"
SHUNT_STOP_TIMEOUT="${SHUNT_STOP_TIMEOUT:-5}"
export SRCDIR SHUNT_BIN

SHUNT_PID="${SHUNT_PID:-}"
SHUNT_LOG="${SHUNT_LOG:-}"

lab_log() { printf '%s\n' "$*" >&2; }

lab_skip() {
	printf 'SKIP: %s\n' "$*"
	exit 77
}

lab_require_root() {
	if [[ "$(id -u)" -ne 0 ]]; then
		lab_skip "needs root (network namespaces, BPF)"
	fi
	command -v ip >/dev/null 2>&1 || lab_skip "ip (iproute2) is missing"
	local probe="shunt-probe-$$"
	if ! ip netns add "$probe" >/dev/null 2>&1; then
		lab_skip "cannot create a network namespace (ip netns add failed)"
	fi
	ip netns del "$probe" >/dev/null 2>&1 || true
}

lab_need() {
	local cmd missing=()
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
	done
	if ((${#missing[@]})); then
		lab_skip "missing command(s): ${missing[*]} (scripts/deps.sh installs them)"
	fi
}

# wait_for [-t SECS] CMD...: run CMD every 0.1 s until it succeeds or SECS
# (default WAIT_FOR_TIMEOUT or 10) have passed. Returns 0 or 1.
wait_for() {
	local secs="${WAIT_FOR_TIMEOUT:-10}"
	if [[ "${1:-}" == "-t" ]]; then
		secs="$2"
		shift 2
	fi
	local tries=$((secs * 10)) i
	((tries > 0)) || tries=1
	for ((i = 0; i < tries; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}

lab_names() {
	LAB_CLIENT="$1-client"
	LAB_GW="$1-gw"
	LAB_SERVER="$1-server"
	LAB_TMPDIR="${TMPDIR:-/tmp}/$1.lab"
	export LAB_CLIENT LAB_GW LAB_SERVER LAB_TMPDIR
}

lab_mktmpdir() {
	[[ -d "$LAB_TMPDIR" ]] || mkdir -m 700 "$LAB_TMPDIR"
}

lab_ns_exists() { [[ -e "/run/netns/$1" ]]; }

# Namespace-local sysctl (sysctl(8) acts on the caller's netns).
lab_sysctl() {
	local ns="$1"
	shift
	ip netns exec "$ns" sysctl -q -w "$@" >/dev/null
}

lab_links_up() {
	[[ "$(ip -n "$LAB_GW" -br link show dev gw-lan 2>/dev/null)" == *" UP "* ]] &&
		[[ "$(ip -n "$LAB_GW" -br link show dev gw-wan 2>/dev/null)" == *" UP "* ]] &&
		[[ "$(ip -n "$LAB_CLIENT" -br link show dev eth0 2>/dev/null)" == *" UP "* ]] &&
		[[ "$(ip -n "$LAB_SERVER" -br link show dev eth0 2>/dev/null)" == *" UP "* ]]
}

lab_no_tentative() {
	local ns
	for ns in "$LAB_CLIENT" "$LAB_GW" "$LAB_SERVER"; do
		[[ -z "$(ip -n "$ns" -6 addr show tentative 2>/dev/null)" ]] || return 1
	done
}

lab_up_steps() {
	local ns
	for ns in "$LAB_CLIENT" "$LAB_GW" "$LAB_SERVER"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		# No DAD: v6 addresses (link-local too) are usable at once.
		lab_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 || return 1
	done
	lab_sysctl "$LAB_GW" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1

	# veth pairs created directly inside the namespaces, 2 tx/rx queues each.
	ip -n "$LAB_GW" link add gw-lan numtxqueues 2 numrxqueues 2 type veth \
		peer name eth0 netns "$LAB_CLIENT" numtxqueues 2 numrxqueues 2 || return 1
	ip -n "$LAB_GW" link add gw-wan numtxqueues 2 numrxqueues 2 type veth \
		peer name eth0 netns "$LAB_SERVER" numtxqueues 2 numrxqueues 2 || return 1

	ip -n "$LAB_CLIENT" addr add 198.18.1.2/24 dev eth0 || return 1
	ip -n "$LAB_CLIENT" addr add 2001:db8:1::2/64 dev eth0 nodad || return 1
	ip -n "$LAB_GW" addr add 198.18.1.1/24 dev gw-lan || return 1
	ip -n "$LAB_GW" addr add 2001:db8:1::1/64 dev gw-lan nodad || return 1
	ip -n "$LAB_GW" addr add 198.18.2.1/24 dev gw-wan || return 1
	ip -n "$LAB_GW" addr add 2001:db8:2::1/64 dev gw-wan nodad || return 1
	ip -n "$LAB_SERVER" addr add 198.18.2.2/24 dev eth0 || return 1
	ip -n "$LAB_SERVER" addr add 2001:db8:2::2/64 dev eth0 nodad || return 1

	# Full checksums from the hosts, as from a real wire: with the default tx
	# offload a veth hands over locally sent packets with only the pseudo-
	# header sum (CHECKSUM_PARTIAL), which the kernel completes when it
	# forwards but which an AF_XDP socket gets as is and forwards as is.
	ip netns exec "$LAB_CLIENT" ethtool -K eth0 tx off >/dev/null || return 1
	ip netns exec "$LAB_SERVER" ethtool -K eth0 tx off >/dev/null || return 1

	ip -n "$LAB_CLIENT" link set eth0 up || return 1
	ip -n "$LAB_SERVER" link set eth0 up || return 1
	ip -n "$LAB_GW" link set gw-lan up || return 1
	ip -n "$LAB_GW" link set gw-wan up || return 1

	ip -n "$LAB_CLIENT" route add default via 198.18.1.1 || return 1
	ip -n "$LAB_CLIENT" -6 route add default via 2001:db8:1::1 || return 1
	ip -n "$LAB_SERVER" route add default via 198.18.2.1 || return 1
	ip -n "$LAB_SERVER" -6 route add default via 2001:db8:2::1 || return 1

	if ! wait_for -t 5 lab_links_up; then
		lab_log "lab: veth links not up after 5 s"
		return 1
	fi
	if ! wait_for -t 5 lab_no_tentative; then
		lab_log "lab: IPv6 addresses still tentative after 5 s"
		return 1
	fi
	lab_mktmpdir
}

# lab_up PREFIX: build the lab (removing a leftover one of the same prefix).
lab_up() {
	local prefix="${1:?lab_up: PREFIX missing}"
	lab_down "$prefix"
	lab_names "$prefix"
	if ! lab_up_steps; then
		lab_log "lab: bringing up '$prefix' failed; removing what was made"
		lab_down "$prefix"
		return 1
	fi
}

# lab_signal_ns NS SIG: signal every process in NS; returns 1 if there was none.
lab_signal_ns() {
	local ns="$1" sig="$2" pids
	pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
	[[ -n "${pids// /}" ]] || return 1
	# shellcheck disable=SC2086 # word splitting of the pid list is wanted
	kill "-$sig" $pids 2>/dev/null || true
}

# lab_down PREFIX: idempotent, never fails.
lab_down() {
	local prefix="${1:?lab_down: PREFIX missing}" ns i
	lab_names "$prefix"
	for ns in "$LAB_CLIENT" "$LAB_GW" "$LAB_SERVER"; do
		lab_ns_exists "$ns" || continue
		lab_signal_ns "$ns" TERM || continue
		for ((i = 0; i < 30; i++)); do
			[[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && break
			sleep 0.1
		done
		lab_signal_ns "$ns" KILL && sleep 0.2
	done
	for ns in "$LAB_CLIENT" "$LAB_GW" "$LAB_SERVER"; do
		if lab_ns_exists "$ns"; then
			ip netns del "$ns" >/dev/null 2>&1 || lab_log "lab: could not delete namespace $ns"
		fi
	done
	# Our scratch dir, unless something is still mounted below it.
	if [[ -d "$LAB_TMPDIR" && ! -L "$LAB_TMPDIR" ]] &&
		! grep -q " $LAB_TMPDIR/" /proc/self/mounts 2>/dev/null; then
		rm -rf -- "$LAB_TMPDIR" 2>/dev/null || true
	fi
	return 0
}

# shunt_start PREFIX CONFIG [ARGS...]: `shunt run -c CONFIG ARGS` in the
# gateway namespace, in the background. `ip netns exec` execs shunt, so
# SHUNT_PID is shunt itself (nsenter -t SHUNT_PID reaches its mount ns).
shunt_start() {
	local prefix="${1:?shunt_start: PREFIX missing}" config="${2:?shunt_start: CONFIG missing}"
	shift 2
	lab_names "$prefix"
	if [[ -n "$SHUNT_PID" ]] && kill -0 "$SHUNT_PID" 2>/dev/null; then
		lab_log "shunt_start: shunt already running (pid $SHUNT_PID)"
		return 1
	fi
	if [[ ! -x "$SHUNT_BIN" ]]; then
		lab_log "shunt_start: no shunt binary at $SHUNT_BIN (build first: meson setup build && ninja -C build)"
		return 1
	fi
	lab_mktmpdir || return 1
	SHUNT_LOG="$(mktemp "$LAB_TMPDIR/shunt-run.XXXXXX.log")"
	ip netns exec "$LAB_GW" "$SHUNT_BIN" run -c "$config" "$@" >"$SHUNT_LOG" 2>&1 &
	SHUNT_PID=$!
	local i tries=$((SHUNT_READY_TIMEOUT * 10)) rc=0
	for ((i = 0; i < tries; i++)); do
		if grep -qw ready "$SHUNT_LOG"; then
			return 0
		fi
		if ! kill -0 "$SHUNT_PID" 2>/dev/null; then
			wait "$SHUNT_PID" || rc=$?
			lab_log "shunt_start: shunt exited with status $rc before it was ready; its log:"
			sed 's/^/  | /' "$SHUNT_LOG" >&2
			SHUNT_PID=""
			return 1
		fi
		sleep 0.1
	done
	lab_log "shunt_start: shunt not ready after ${SHUNT_READY_TIMEOUT} s; its log:"
	sed 's/^/  | /' "$SHUNT_LOG" >&2
	shunt_stop >/dev/null 2>&1 || true
	return 1
}

# shunt_stop: SIGTERM, wait up to SHUNT_STOP_TIMEOUT s, return shunt's exit
# status. A shunt that has to be SIGKILLed is a failure (returns 1).
shunt_stop() {
	local pid="$SHUNT_PID" i rc=0 tries=$((SHUNT_STOP_TIMEOUT * 10))
	[[ -n "$pid" ]] || return 0
	SHUNT_PID=""
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < tries; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		lab_log "shunt_stop: shunt (pid $pid) ignored SIGTERM for ${SHUNT_STOP_TIMEOUT} s; SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		return 1
	fi
	wait "$pid" 2>/dev/null || rc=$?
	if ((rc != 0)); then
		lab_log "shunt_stop: shunt exited with status $rc; its log:"
		sed 's/^/  | /' "$SHUNT_LOG" >&2
	fi
	return "$rc"
}

# Commands that must see shunt's pins run in its mount and network namespaces.
shunt_stats_json() {
	[[ -n "$SHUNT_PID" ]] || { lab_log "shunt_stats_json: shunt is not running"; return 1; }
	nsenter -t "$SHUNT_PID" -m -n "$SHUNT_BIN" stats --json "$@"
}

shunt_stats() {
	[[ -n "$SHUNT_PID" ]] || { lab_log "shunt_stats: shunt is not running"; return 1; }
	nsenter -t "$SHUNT_PID" -m -n "$SHUNT_BIN" stats "$@"
}

# udp_recv_start NS ADDR PORT COUNT TIMEOUT: background receiver in NS,
# returns once its socket is bound.
udp_recv_start() {
	local ns="$1" addr="$2" port="$3" count="$4" timeout="$5"
	lab_mktmpdir || return 1
	UDP_RECV_OUT="$(mktemp "$LAB_TMPDIR/udp-recv.XXXXXX")"
	local ready="$UDP_RECV_OUT.ready"
	rm -f "$ready"
	ip netns exec "$ns" "$LAB_PYTHON" "$LAB_UDP_PY" recv --bind "$addr" --port "$port" \
		--count "$count" --timeout "$timeout" --ready "$ready" >"$UDP_RECV_OUT" &
	UDP_RECV_PID=$!
	if ! wait_for -t 5 test -e "$ready"; then
		lab_log "udp_recv_start: receiver on [$addr]:$port not ready after 5 s"
		kill "$UDP_RECV_PID" 2>/dev/null || true
		wait "$UDP_RECV_PID" 2>/dev/null || true
		UDP_RECV_PID=""
		return 1
	fi
}

# shellcheck disable=SC2034 # UDP_RECV_COUNT is read by the caller
# udp_recv_result: wait for the receiver; UDP_RECV_COUNT = datagrams received
# (-1 when the receiver failed).
udp_recv_result() {
	local rc=0
	UDP_RECV_COUNT=-1
	[[ -n "${UDP_RECV_PID:-}" ]] || return 1
	wait "$UDP_RECV_PID" || rc=$?
	UDP_RECV_PID=""
	if ((rc == 0)); then
		UDP_RECV_COUNT="$(tail -n 1 "$UDP_RECV_OUT")"
	fi
	rm -f "$UDP_RECV_OUT" "$UDP_RECV_OUT.ready"
	return "$rc"
}

# udp_send NS ADDR PORT COUNT SIZE RATE
udp_send() {
	local ns="$1" addr="$2" port="$3" count="$4" size="$5" rate="$6"
	ip netns exec "$ns" "$LAB_PYTHON" "$LAB_UDP_PY" send --to "$addr" --port "$port" \
		--count "$count" --size "$size" --rate "$rate"
}
