// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * abi_check.c — the user side's hold on ebpf/shunt_abi.h: any change in a
 * shared struct's size or layout fails the build here, not at run time.
 */
#include <stddef.h>

#include "shunt_abi.h"

_Static_assert(sizeof(struct shunt_counter) == 16, "shunt_counter layout");
_Static_assert(sizeof(struct shunt_rule) == 8 + SHUNT_NAME_LEN, "shunt_rule layout");
_Static_assert(sizeof(struct shunt_cls_chunk) == 4 * SHUNT_CLS_FANOUT, "shunt_cls_chunk layout");
_Static_assert(offsetof(struct shunt_cls_tables, leaf) == 16, "shunt_cls_tables layout");
_Static_assert(offsetof(struct shunt_cls_tables, chunk) % 64 == 0, "chunks start on a cache line");
_Static_assert(SHUNT_CLS_CHUNKS <= SHUNT_CLS_INDEX + 1 && SHUNT_CLS_LEAVES <= SHUNT_CLS_INDEX + 1,
	       "chunk and leaf indexes fit an entry");
_Static_assert((SHUNT_CLS_INDEX & (SHUNT_CLS_CHILD | SHUNT_CLS_LOCAL)) == 0, "entry flags and index apart");
_Static_assert(sizeof(struct shunt_meta_iface) == 8 + SHUNT_IFNAME_LEN + SHUNT_NAME_LEN,
	       "shunt_meta_iface layout");
_Static_assert(offsetof(struct shunt_meta, iface) == 40, "shunt_meta layout");
_Static_assert(sizeof(struct shunt_meta) == 40 + SHUNT_MAX_IFACES * 56 + 256, "shunt_meta size");
_Static_assert(sizeof(struct shunt_flow_key) == 40, "shunt_flow_key layout");
_Static_assert(sizeof(struct shunt_flow) == 8, "shunt_flow layout");
_Static_assert(sizeof(struct shunt_fast_lcore) % 64 == 0, "fast_lcores entries own their cache lines");
_Static_assert(offsetof(struct shunt_fast_lcore, drops) == 88, "shunt_fast_lcore layout");
_Static_assert(sizeof(struct shunt_fast_port) == 104, "shunt_fast_port layout");
_Static_assert(SHUNT_FAST_REASON_MAX <= 16, "fast reason names fit the stats tables");
_Static_assert(sizeof(struct shunt_addr) == 20, "shunt_addr layout");
_Static_assert(SHUNT_MAX_RULES == 64, "rule bitmaps are one __u64");
_Static_assert(SHUNT_REASON_MAX < 48, "reason names fit the stats tables");

/* The ABI this build speaks; `shunt stats` refuses pins of another one. */
const int shunt_abi_version = SHUNT_ABI_VERSION;
