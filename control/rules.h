/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rules.h — the rule compiler: config rules -> contents of the classifier maps.
 *
 * The classifier is a linear bit-vector search (as in bpf-iptables): for each
 * field one lookup yields the bitmap of rules (bit i = rule i) that match the
 * packet on that field; the bitmaps are ANDed and the lowest set bit is the
 * winning rule, so the first matching rule wins at O(1) cost whatever the
 * rule count. Fields: proto, sport, dport (one slot per port plus
 * SHUNT_PORT_NONE), src and dst prefix (LPM tries, one per family), ingress
 * interface (SHUNT_IIF_ANY holds the rules that match any interface).
 *
 * LPM invariant: each stored prefix P carries the rules whose prefix contains
 * P. The longest stored prefix that contains an address is therefore enough:
 * every rule prefix that contains the address contains it too.
 */
#ifndef SHUNT_RULES_H
#define SHUNT_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "shunt_abi.h"

struct cls_lpm_entry {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t addr[16]; /* network order, host bits zero */
	uint64_t rules;
};

struct cls_iif_entry {
	uint32_t ifindex; /* SHUNT_IIF_ANY for the wildcard entry */
	uint64_t rules;
};

struct cls_image {
	uint64_t proto[256];
	uint64_t sport[SHUNT_PORT_SLOTS];
	uint64_t dport[SHUNT_PORT_SLOTS];
	unsigned nsrc, ndst;
	struct cls_lpm_entry src[SHUNT_LPM_ENTRIES];
	struct cls_lpm_entry dst[SHUNT_LPM_ENTRIES];
	unsigned niif;
	struct cls_iif_entry iif[SHUNT_MAX_IFACES + 1];
	unsigned nrules;
	struct shunt_rule rule[SHUNT_MAX_RULES];
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
 * prefix table would overflow (cannot happen with a validated config).
 */
int cls_compile(const struct shunt_config *cfg, const uint32_t *ifindex, struct cls_image *img);

/* Evaluates an image in user space exactly as the BPF lookup does. Returns
 * the winning rule index or SHUNT_RULE_NONE. */
unsigned cls_image_match(const struct cls_image *img, const struct cls_key *k);

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
