/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rules.h — the rule compiler: config rules -> contents of the classifier maps.
 *
 * The classifier is a linear bit-vector search (as in bpf-iptables): for each
 * field one lookup yields the bitmap of rules (bit i = rule i) that match the
 * packet on that field; the bitmaps are ANDed and the lowest set bit is the
 * winning rule, so the first matching rule wins at O(1) cost whatever the
 * rule count. Fields: proto, sport, dport (one slot per port plus
 * SHUNT_PORT_NONE), src and dst prefix (multibit tries, one per field and
 * family: shunt_abi.h), ingress interface (SHUNT_IIF_ANY holds the rules
 * that match any interface).
 *
 * Prefix tables are leaf-pushed: the leaf an address ends in holds every
 * rule with a prefix covering the address in that field (a rule with
 * several prefixes matches if any does), plus the rules without prefixes
 * in the field, so the first leaf met on the walk is the whole answer.
 * Prefixes are put in shortest first; each one splits the entries on its
 * path into chunks of the next byte down to the chunk where it ends, then
 * ORs its rules into the entries it covers there. Shortest first, those
 * entries are always leaves, all of one value. The dst tables also hold
 * the gateway's own addresses (cls_add_local): host entries that carry
 * SHUNT_CLS_LOCAL, not a rule bit.
 */
#ifndef SHUNT_RULES_H
#define SHUNT_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "shunt_abi.h"

struct cls_iif_entry {
	uint32_t ifindex; /* SHUNT_IIF_ANY for the wildcard entry */
	uint64_t rules;
};

/*
 * What cls_compile writes into the maps. About 19 MiB, nearly all of it the
 * chunk pool sized for the worst case: allocate it on the heap (or static),
 * where pages are only touched as chunks are used ([0, tab.nchunks)).
 */
struct cls_image {
	uint64_t proto[256];
	uint64_t sport[SHUNT_PORT_SLOTS];
	uint64_t dport[SHUNT_PORT_SLOTS];
	unsigned niif;
	struct cls_iif_entry iif[SHUNT_MAX_IFACES + 1];
	unsigned nrules;
	struct shunt_rule rule[SHUNT_MAX_RULES];
	/* distinct prefixes per field (both families) */
	unsigned nsrc, ndst;
	/* chunks written since cls_compile or the last cls_image_clean() */
	uint64_t dirty[(SHUNT_CLS_CHUNKS + 63) / 64];
	/* the prefix tables as cls_tables holds them; last (see above) */
	struct shunt_cls_tables tab;
};

/* An address of the gateway (cls_add_local). */
struct cls_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/* What the classifier looks at in a packet. */
struct cls_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	bool has_ports; /* false: ICMP, other protocols, non-first fragments */
	uint16_t sport, dport; /* host order */
	uint8_t saddr[16], daddr[16]; /* network order; IPv4 in the first 4 bytes */
	uint32_t iif; /* ingress ifindex */
};

/*
 * Compiles cfg's rules. ifindex[i] is the ifindex of cfg->iface[i] (0 when
 * unknown: rules bound to it then match nothing). Returns 0 or -E2BIG when a
 * prefix table's pools would overflow (cannot happen with a validated
 * config: they are sized for SHUNT_MAX_RULES rules of SHUNT_MAX_PREFIXES
 * prefixes per field), -EINVAL on a prefix longer than its family allows.
 */
int cls_compile(const struct shunt_config *cfg, const uint32_t *ifindex, struct cls_image *img);

/*
 * Marks a as one of the gateway's own addresses: its host entry in the dst
 * table of its family carries SHUNT_CLS_LOCAL, with the rules of the
 * prefixes covering it as before. After cls_compile (or on tables read
 * back from the maps: maps_add_locals). Returns 1 if newly marked, 0 if it
 * already was, -E2BIG past SHUNT_MAX_LOCAL_ADDRS addresses, -EINVAL for a
 * family other than 4 and 6.
 */
int cls_add_local(struct cls_image *img, const struct cls_addr *a);

/* Evaluates an image in user space exactly as the BPF lookup does. Returns
 * the winning rule index or SHUNT_RULE_NONE. */
unsigned cls_image_match(const struct cls_image *img, const struct cls_key *k);

/* The dst table entry of daddr (family 4 or 6), as classify.h's walk finds
 * it: a leaf, with SHUNT_CLS_LOCAL for the gateway's addresses. */
uint32_t cls_image_dst_entry(const struct cls_image *img, uint8_t family, const uint8_t *daddr);

/* Was chunk i written since the image was compiled or last cleaned? */
static inline bool cls_image_dirty(const struct cls_image *img, unsigned i)
{
	return img->dirty[i / 64] >> (i % 64) & 1;
}

void cls_image_clean(struct cls_image *img);

/* Lowest set bit of a non-zero bitmap, as the BPF side computes it. */
static inline unsigned cls_lowest_rule(uint64_t m)
{
	return m ? (unsigned)__builtin_ctzll(m) : SHUNT_RULE_NONE;
}

/* Rule-set analysis for `shunt validate`: does rule b never match because
 * rule a (earlier) matches all it would? Do a and b share any packet? */
bool rule_shadows(const struct cfg_rule *a, const struct cfg_rule *b);
bool rule_overlaps(const struct cfg_rule *a, const struct cfg_rule *b);

#endif /* SHUNT_RULES_H */
