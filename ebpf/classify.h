/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * classify.h — the O(1) rule classifier (linear bit-vector search, as in
 * bpf-iptables). One map lookup per field yields the bitmap of rules that
 * match the packet on that field; the AND of all of them holds the rules
 * that match on every field, and its lowest set bit is the first of them in
 * config order. No loop over rules: the cost is the same for 1 or 64 rules.
 * control/rules.c builds the maps; its cls_image_match() is the same lookup
 * in C and the tests hold the two to a plain reference matcher.
 */
#ifndef SHUNT_CLASSIFY_H
#define SHUNT_CLASSIFY_H

#include "maps.h"
#include "parsing.h"

static __always_inline __u64 cls_field(void *map, __u32 key)
{
	__u64 *v = bpf_map_lookup_elem(map, &key);

	return v ? *v : 0;
}

/* Bitmap of the rules that match p, which entered on ifindex iif. */
static __always_inline __u64 cls_match(const struct pkt_info *p, __u32 iif)
{
	__u64 m, *v;

	m = cls_field(&cls_proto, p->proto);
	m &= cls_field(&cls_sport, p->has_ports ? p->sport : SHUNT_PORT_NONE);
	m &= cls_field(&cls_dport, p->has_ports ? p->dport : SHUNT_PORT_NONE);
	if (!m)
		return 0;
	if (p->family == 4) {
		struct shunt_lpm4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, p->saddr, 4);
		v = bpf_map_lookup_elem(&cls_src4, &k);
		m &= v ? *v : 0;
		__builtin_memcpy(k.addr, p->daddr, 4);
		v = bpf_map_lookup_elem(&cls_dst4, &k);
		m &= v ? *v : 0;
	} else {
		struct shunt_lpm6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, p->saddr, 16);
		v = bpf_map_lookup_elem(&cls_src6, &k);
		m &= v ? *v : 0;
		__builtin_memcpy(k.addr, p->daddr, 16);
		v = bpf_map_lookup_elem(&cls_dst6, &k);
		m &= v ? *v : 0;
	}
	if (!m)
		return 0;
	/* interfaces shunt does not know (and local traffic, iif 0) see only
	 * the rules that match any interface */
	if (iif < SHUNT_IIF_ARRAY) {
		v = bpf_map_lookup_elem(&cls_iif_arr, &iif);
	} else {
		v = bpf_map_lookup_elem(&cls_iif, &iif);
		if (!v) {
			__u32 any = SHUNT_IIF_ANY;

			v = bpf_map_lookup_elem(&cls_iif, &any);
		}
	}
	return v ? m & *v : 0;
}

/* Index of the lowest set bit, SHUNT_RULE_NONE for 0. BPF has no ctz
 * instruction and clang 14 turns __builtin_ctzll into a libcall the
 * verifier rejects, so: isolate the bit, then a 6-step binary search. */
static __always_inline __u32 cls_first(__u64 m)
{
	__u32 i = 0;

	if (!m)
		return SHUNT_RULE_NONE;
	m &= -m;
	if (m & 0xffffffff00000000ull)
		i += 32;
	if (m & 0xffff0000ffff0000ull)
		i += 16;
	if (m & 0xff00ff00ff00ff00ull)
		i += 8;
	if (m & 0xf0f0f0f0f0f0f0f0ull)
		i += 4;
	if (m & 0xccccccccccccccccull)
		i += 2;
	if (m & 0xaaaaaaaaaaaaaaaaull)
		i += 1;
	return i;
}

#endif /* SHUNT_CLASSIFY_H */
