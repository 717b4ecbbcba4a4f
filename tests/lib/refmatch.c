// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * refmatch.c — first-match reference classifier; see refmatch.h.
 */
#include "refmatch.h"

static bool proto_ok(const struct cfg_rule *r, uint8_t proto)
{
	return r->proto_any || (r->proto_set[proto / 8] & (1u << (proto % 8)));
}

static bool port_ok(bool any, const struct cfg_port_range *pr, bool has_ports, uint16_t port)
{
	return any || (has_ports && pr->lo <= port && port <= pr->hi);
}

bool ref_prefix_contains(const struct cfg_prefix *p, uint8_t fam, const uint8_t *addr)
{
	unsigned full, rest;

	if (p->family != fam || p->len > (fam == 6 ? 128 : 32))
		return false;
	full = p->len / 8;
	rest = p->len % 8;
	for (unsigned i = 0; i < full; i++)
		if (p->addr[i] != addr[i])
			return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((p->addr[full] & mask) != (addr[full] & mask))
			return false;
	}
	return true;
}

static bool addr_ok(const struct cfg_prefix *pfx, unsigned n, uint8_t fam, const uint8_t *addr)
{
	if (n == 0)
		return true;
	for (unsigned i = 0; i < n; i++)
		if (ref_prefix_contains(&pfx[i], fam, addr))
			return true;
	return false;
}

static bool ingress_ok(const struct cfg_rule *r, const uint32_t *ifindex, uint32_t iif)
{
	return r->ingress < 0 || (ifindex[r->ingress] != 0 && ifindex[r->ingress] == iif);
}

bool ref_rule_matches(const struct cfg_rule *r, const uint32_t *ifindex, const struct cls_key *k)
{
	return proto_ok(r, k->proto) && port_ok(r->sport_any, &r->sport, k->has_ports, k->sport) &&
	       port_ok(r->dport_any, &r->dport, k->has_ports, k->dport) &&
	       addr_ok(r->src, r->nsrc, k->family, k->saddr) &&
	       addr_ok(r->dst, r->ndst, k->family, k->daddr) && ingress_ok(r, ifindex, k->iif);
}

unsigned ref_match(const struct shunt_config *cfg, const uint32_t *ifindex, const struct cls_key *k)
{
	for (unsigned i = 0; i < cfg->nrules && i < SHUNT_MAX_RULES; i++)
		if (ref_rule_matches(&cfg->rule[i], ifindex, k))
			return i;
	return SHUNT_RULE_NONE;
}
