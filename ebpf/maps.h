/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h — the maps shared by every shunt BPF program and the CLI.
 *
 * Pinned by name under shunt's own bpffs directory (the control plane sets
 * pin_root_path): every object that includes this header, on every
 * interface, reuses one instance of each map.
 */
#ifndef SHUNT_MAPS_H
#define SHUNT_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "shunt_abi.h"

/* ---- classifier: one bitmap of rules per field value (rules.h) ---- */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cls_proto SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_PORT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cls_sport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_PORT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cls_dport SEC(".maps");

/* src and dst prefix tables (shunt_abi.h): one value, written by user
 * space through mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct shunt_cls_tables);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cls_tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SHUNT_MAX_IFACES + 1);
	__type(key, __u32); /* ifindex, SHUNT_IIF_ANY for the wildcard */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cls_iif SEC(".maps");

/* The same as cls_iif for ifindex < SHUNT_IIF_ARRAY, every other slot
 * holding the any-interface bitmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_IIF_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cls_iif_arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SHUNT_MAX_RULES);
	__type(key, __u32);
	__type(value, struct shunt_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rules SEC(".maps");

/* ---- state of the run, for the CLI and crash recovery ---- */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct shunt_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} meta SEC(".maps");

/* ---- kernel lane counters: per rule and direction, per reason and direction ---- */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SHUNT_DIR_MAX * SHUNT_RULE_SLOTS);
	__type(key, __u32); /* SHUNT_RULE_STAT_KEY(dir, rule) */
	__type(value, struct shunt_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lane_rstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SHUNT_DIR_MAX * SHUNT_REASON_MAX);
	__type(key, __u32); /* SHUNT_REASON_STAT_KEY(dir, reason) */
	__type(value, struct shunt_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lane_reasons SEC(".maps");

static __always_inline void counter_add(void *map, __u32 key, __u32 bytes)
{
	struct shunt_counter *c = bpf_map_lookup_elem(map, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif /* SHUNT_MAPS_H */
