/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * classify.h — the O(1) rule classifier (linear bit-vector search, as in
 * bpf-iptables). One map lookup per field yields the bitmap of rules that
 * match the packet on that field; the AND of all of them holds the rules
 * that match on every field, and its lowest set bit is the first of them in
 * config order. No loop over rules: the cost is the same for 1 or 64 rules.
 * The src and dst prefixes are multibit tries walked by plain reads of one
 * map value (cls_walk4/6), a handful per address whatever the rule count.
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

static __always_inline struct shunt_cls_tables *cls_tables_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cls_tables, &zero);
}

/*
 * The leaf entry of address a (network order) in prefix table t of T
 * (shunt_abi.h): level 1 by the first 16 bits, then one chunk per byte for
 * as long as the entry is a child, by pointer arithmetic in one map value
 * (~2 ns a level here), however many prefixes the tables hold and no
 * deeper than the longest prefix on the address's path.
 *
 * The levels are written out, not a loop: clang 14 and 16 refuse to unroll
 * `for (i = 2; i < nbytes; i++) { if leaf break; ... }` under #pragma
 * unroll (-Wpass-failed), and left as a loop the verifier would still walk
 * it level by level (bounded loops, kernel >= 5.3), with a variable offset
 * into the address; written out, every address byte is read at a constant
 * stack offset and each level is one branch to the exit.
 * The index test is the verifier's bound on the offset into the value
 * (the compiler never writes a larger one): without it the load is an
 * unbounded map value access and the program is rejected.
 */
#define CLS_WALK_FIRST(T, t, a) __u32 k, e = (T)->chunk[SHUNT_CLS_ROW(t, (a)[0])].e[(a)[1]]

#define CLS_WALK_NEXT(T, a, i)                                        \
	do {                                                          \
		if (!(e & SHUNT_CLS_CHILD))                           \
			return e;                                     \
		k = e & SHUNT_CLS_INDEX;                              \
		if (k >= SHUNT_CLS_CHUNKS)                            \
			return 0;                                     \
		e = (T)->chunk[k].e[(a)[i]];                          \
	} while (0)

/* IPv4: DIR-16-8-8 */
static __always_inline __u32 cls_walk4(const struct shunt_cls_tables *T, __u32 t, const __u8 *a)
{
	CLS_WALK_FIRST(T, t, a);
	CLS_WALK_NEXT(T, a, 2);
	CLS_WALK_NEXT(T, a, 3);
	return e;
}

/* IPv6: 16, then 8 bits per level */
static __always_inline __u32 cls_walk6(const struct shunt_cls_tables *T, __u32 t, const __u8 *a)
{
	CLS_WALK_FIRST(T, t, a);
	CLS_WALK_NEXT(T, a, 2);
	CLS_WALK_NEXT(T, a, 3);
	CLS_WALK_NEXT(T, a, 4);
	CLS_WALK_NEXT(T, a, 5);
	CLS_WALK_NEXT(T, a, 6);
	CLS_WALK_NEXT(T, a, 7);
	CLS_WALK_NEXT(T, a, 8);
	CLS_WALK_NEXT(T, a, 9);
	CLS_WALK_NEXT(T, a, 10);
	CLS_WALK_NEXT(T, a, 11);
	CLS_WALK_NEXT(T, a, 12);
	CLS_WALK_NEXT(T, a, 13);
	CLS_WALK_NEXT(T, a, 14);
	CLS_WALK_NEXT(T, a, 15);
	return e;
}

/* The rule bitmap of a leaf entry. A child past the last byte cannot be
 * built (the compiler ends every path in leaves); it matches nothing. The
 * index test bounds the offset for the verifier, as in CLS_WALK_NEXT. */
static __always_inline __u64 cls_leaf(const struct shunt_cls_tables *T, __u32 e)
{
	__u32 k = e & SHUNT_CLS_INDEX;

	if ((e & SHUNT_CLS_CHILD) || k >= SHUNT_CLS_LEAVES)
		return 0;
	return T->leaf[k];
}

/* The dst table's entry of p's destination: its rules and SHUNT_CLS_LOCAL. */
static __always_inline __u32 cls_dst_entry(const struct pkt_info *p)
{
	const struct shunt_cls_tables *T = cls_tables_get();

	if (!T)
		return 0;
	if (p->family == 4)
		return cls_walk4(T, SHUNT_CLS_DST4, p->daddr);
	return cls_walk6(T, SHUNT_CLS_DST6, p->daddr);
}

/*
 * Bitmap of the rules that match p, which entered on ifindex iif. With dst
 * non-NULL, *dst gets the dst table's entry of p's destination when the
 * classifier got that far, 0 otherwise (then no rule matches, so nothing
 * reads it: steer asks for SHUNT_CLS_LOCAL only of packets a rule or flow
 * takes off the kernel lane).
 */
static __always_inline __u64 cls_match(const struct pkt_info *p, __u32 iif, __u32 *dst)
{
	const struct shunt_cls_tables *T;
	__u32 se, de;
	__u64 m, *v;

	if (dst)
		*dst = 0;
	m = cls_field(&cls_proto, p->proto);
	m &= cls_field(&cls_sport, p->has_ports ? p->sport : SHUNT_PORT_NONE);
	m &= cls_field(&cls_dport, p->has_ports ? p->dport : SHUNT_PORT_NONE);
	if (!m)
		return 0;
	T = cls_tables_get();
	if (!T)
		return 0;
	if (p->family == 4) {
		se = cls_walk4(T, SHUNT_CLS_SRC4, p->saddr);
		de = cls_walk4(T, SHUNT_CLS_DST4, p->daddr);
	} else {
		se = cls_walk6(T, SHUNT_CLS_SRC6, p->saddr);
		de = cls_walk6(T, SHUNT_CLS_DST6, p->daddr);
	}
	if (dst)
		*dst = de;
	m &= cls_leaf(T, se) & cls_leaf(T, de);
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
