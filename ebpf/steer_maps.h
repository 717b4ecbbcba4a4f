/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steer_maps.h — maps of the XDP steer program. All pinned by name in shunt's
 * bpffs directory (shared by every interface's copy of the program and the
 * CLI), except xsks_map, which is per interface and never pinned.
 */
#ifndef SHUNT_STEER_MAPS_H
#define SHUNT_STEER_MAPS_H

#include "maps.h"

/* AF_XDP sockets by receive queue. The name, key and value size are what
 * libxdp looks for when DPDK's PMD registers its sockets (see steer.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SHUNT_MAX_QUEUES);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} xsks_map SEC(".maps");

/* Exact 5-tuple overrides of the rules, written at run time. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SHUNT_MAX_FLOWS);
	__type(key, struct shunt_flow_key);
	__type(value, struct shunt_flow);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

/* Entry 0: non-zero while flows may hold entries; `shunt flow` keeps it, so
 * the steer program skips the flows hash when there is no override. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flow_count SEC(".maps");

/* Per (interface slot, queue): CLOCK_MONOTONIC ns of the worker's last
 * loop, written by the fast lane; 0 = never. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} heartbeat SEC(".maps");

/* The gateway's addresses added while shunt runs (control/addrwatch.c);
 * entry 0 of local_extra_count is their number, so that steer skips the
 * hash (~35 ns) while there are none. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SHUNT_MAX_LOCAL_EXTRA);
	__type(key, struct shunt_addr);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} local_extra SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} local_extra_count SEC(".maps");

/* The last clock reading of this CPU and how many more packets may use it
 * (steer.bpf.c, now_for()). Per program copy, not pinned. */
struct clock_cache {
	__u64 now;
	__u32 left;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_cache);
} clock_cache SEC(".maps");

/* Counters: per rule slot and the lane really taken; per reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SHUNT_LANE_MAX * SHUNT_RULE_SLOTS);
	__type(key, __u32); /* SHUNT_STEER_STAT_KEY(lane, rule) */
	__type(value, struct shunt_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} steer_rstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SHUNT_REASON_MAX);
	__type(key, __u32);
	__type(value, struct shunt_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} steer_reasons SEC(".maps");

/*
 * The fast lane's counters. No program touches them: they are declared here
 * so that they are created and pinned with the steer object, beside the
 * counters they are read with. fast_lcores is mmapped by the forwarder, and
 * each worker counts straight into its own entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_MAX_WORKERS);
	__type(key, __u32);
	__type(value, struct shunt_fast_lcore);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fast_lcores SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_FAST_PORTS);
	__type(key, __u32);
	__type(value, struct shunt_fast_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fast_ports SEC(".maps");

#endif /* SHUNT_STEER_MAPS_H */
