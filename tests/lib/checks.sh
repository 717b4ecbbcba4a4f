#!/usr/bin/env bash
# tests/lib/checks.sh — assertions for the integration tests: each prints
# "ok   - DESC" or "FAIL - DESC" and counts into PASSED / FAILED; the test
# ends with "$PASSED passed, $FAILED failed". Also the lab probes both tests
# use. Source it after tests/lib/lab.sh.
# shellcheck shell=bash

PASSED=0
FAILED=0

pass() {
	PASSED=$((PASSED + 1))
	echo "ok   - $1"
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL - $1"
}

is_int() { [[ "$1" =~ ^-?[0-9]+$ ]]; }

check_eq() { # DESC EXPECTED ACTUAL
	if [[ "$3" == "$2" ]]; then
		pass "$1 == $2"
	else
		fail "$1: expected $2, got ${3:-<nothing>}"
	fi
}

check_ge() { # DESC MIN ACTUAL
	if is_int "$3" && (($3 >= $2)); then
		pass "$1 >= $2 (got $3)"
	else
		fail "$1: expected >= $2, got ${3:-<nothing>}"
	fi
}

check_le() { # DESC MAX ACTUAL
	if is_int "$3" && (($3 <= $2)); then
		pass "$1 <= $2 (got $3)"
	else
		fail "$1: expected <= $2, got ${3:-<nothing>}"
	fi
}

check_gt() { # DESC MIN ACTUAL
	if is_int "$3" && (($3 > $2)); then
		pass "$1 > $2 (got $3)"
	else
		fail "$1: expected > $2, got ${3:-<nothing>}"
	fi
}

check_empty() { # DESC OUTPUT
	if [[ -z "$2" ]]; then
		pass "$1"
	else
		fail "$1: expected no output, got:"
		printf '%s\n' "$2" | sed 's/^/    | /'
	fi
}

check_nonempty() { # DESC OUTPUT
	if [[ -n "$2" ]]; then
		pass "$1"
	else
		fail "$1: expected some output, got none"
	fi
}

check_match() { # DESC REGEX TEXT: TEXT has a line matching the ERE REGEX
	if grep -qE -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1: expected a line matching /$2/, got:"
		printf '%s\n' "$3" | sed 's/^/    | /'
	fi
}

check_cmd() { # DESC CMD...: CMD exits 0
	local desc="$1" out rc=0
	shift
	out="$("$@" 2>&1)" || rc=$?
	if ((rc == 0)); then
		pass "$desc"
	else
		fail "$desc: '$*' exited $rc:"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	fi
}

gw() { ip netns exec "$LAB_GW" "$@"; }

tc_filters() { gw tc filter show dev "$1" "$2" 2>&1; }

clsact_of() { gw tc qdisc show dev "$1" 2>&1 | grep -w clsact; }

iperf_listening() {
	[[ -n "$(ip netns exec "$LAB_SERVER" ss -Htln 'sport = :5201' 2>/dev/null)" ]]
}

# udp_stream LABEL DST PORT COUNT RECV_TIMEOUT: send COUNT 64-byte datagrams at
# 2000 pps from the client; sets UDP_RECV_COUNT (what the server got).
udp_stream() {
	local label="$1" dst="$2" port="$3" count="$4" rtimeout="$5" sent
	# shellcheck disable=SC2034 # read by the caller
	UDP_RECV_COUNT=-1
	if ! udp_recv_start "$LAB_SERVER" "$dst" "$port" "$count" "$rtimeout"; then
		fail "$label: UDP receiver on [$dst]:$port did not start"
		return 1
	fi
	sent="$(udp_send "$LAB_CLIENT" "$dst" "$port" "$count" 64 2000)"
	check_eq "$label: datagrams sent to [$dst]:$port" "$count" "$sent"
	udp_recv_result || fail "$label: UDP receiver failed"
}

# iperf_run LABEL [IPERF3 CLIENT ARGS]: a 2 s iperf3 TCP run client ->
# 198.18.2.2:5201 through the gateway (-R: server -> client), asserted to
# succeed. Returns 1 if the server never listened.
iperf_run() {
	local label="$1" srv_log="$LAB_TMPDIR/iperf3-server.log" srv_pid
	shift
	ip netns exec "$LAB_SERVER" timeout 30 iperf3 -s -1 -B 198.18.2.2 >"$srv_log" 2>&1 &
	srv_pid=$!
	if ! wait_for -t 5 iperf_listening; then
		fail "$label: iperf3 server not listening on 198.18.2.2:5201 after 5 s"
		sed 's/^/    | /' "$srv_log"
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		return 1
	fi
	check_cmd "$label: iperf3 -t 2 $* client -> 198.18.2.2" \
		ip netns exec "$LAB_CLIENT" timeout 20 iperf3 -c 198.18.2.2 -t 2 "$@"
	wait "$srv_pid" 2>/dev/null
}
