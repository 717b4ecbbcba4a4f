// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rules.c — compile config rules into the bit-vector classifier (rules.h). */
#include "rules.h"

#include <errno.h>
#include <string.h>

/* Does prefix (family, len, addr) contain address a (same family)? */
static bool prefix_contains(const uint8_t *paddr, unsigned len, const uint8_t *a)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(paddr, a, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((paddr[full] & mask) != (a[full] & mask))
			return false;
	}
	return true;
}

/* Is p inside q? */
static bool prefix_within(const struct cfg_prefix *p, const struct cfg_prefix *q)
{
	return p->family == q->family && q->len <= p->len && prefix_contains(q->addr, q->len, p->addr);
}

/* Adds the distinct prefixes of one family of one field to the table. */
static int lpm_collect(struct cls_lpm_entry *tab, unsigned *n, uint8_t family,
		       const struct cfg_prefix *ps, unsigned np)
{
	for (unsigned i = 0; i < np; i++) {
		bool dup = false;

		if (ps[i].family != family)
			continue;
		for (unsigned j = 0; j < *n && !dup; j++)
			dup = tab[j].family == family && tab[j].len == ps[i].len &&
			      !memcmp(tab[j].addr, ps[i].addr, 16);
		if (dup)
			continue;
		if (*n >= SHUNT_LPM_ENTRIES)
			return -E2BIG;
		tab[*n] = (struct cls_lpm_entry){ .family = family, .len = ps[i].len };
		memcpy(tab[*n].addr, ps[i].addr, 16);
		(*n)++;
	}
	return 0;
}

/*
 * One field (src or dst): the stored prefixes are /0 of each family plus
 * every rule prefix; each carries the rules that match any address (no
 * prefix on that field) and the rules with a prefix containing it.
 */
static int compile_lpm(const struct shunt_config *cfg, bool dst, struct cls_lpm_entry *tab,
		       unsigned *n)
{
	static const struct cfg_prefix any4 = { .family = 4 }, any6 = { .family = 6 };
	int err = 0;

	*n = 0;
	for (unsigned f = 0; f < 2 && !err; f++) {
		uint8_t family = f ? 6 : 4;

		err = lpm_collect(tab, n, family, f ? &any6 : &any4, 1);
		for (unsigned r = 0; r < cfg->nrules && !err; r++) {
			const struct cfg_rule *rule = &cfg->rule[r];

			err = lpm_collect(tab, n, family, dst ? rule->dst : rule->src,
					  dst ? rule->ndst : rule->nsrc);
		}
	}
	if (err)
		return err;
	for (unsigned e = 0; e < *n; e++) {
		struct cfg_prefix p = { .family = tab[e].family, .len = tab[e].len };

		memcpy(p.addr, tab[e].addr, 16);
		for (unsigned r = 0; r < cfg->nrules; r++) {
			const struct cfg_rule *rule = &cfg->rule[r];
			const struct cfg_prefix *ps = dst ? rule->dst : rule->src;
			unsigned np = dst ? rule->ndst : rule->nsrc;
			bool hit = np == 0;

			for (unsigned i = 0; i < np && !hit; i++)
				hit = prefix_within(&p, &ps[i]);
			if (hit)
				tab[e].rules |= 1ull << r;
		}
	}
	return 0;
}

static void compile_ports(const struct shunt_config *cfg, bool dst, uint64_t *slot)
{
	uint64_t any = 0;

	for (unsigned r = 0; r < cfg->nrules; r++)
		if (dst ? cfg->rule[r].dport_any : cfg->rule[r].sport_any)
			any |= 1ull << r;
	for (unsigned p = 0; p < SHUNT_PORT_SLOTS; p++)
		slot[p] = any;
	for (unsigned r = 0; r < cfg->nrules; r++) {
		const struct cfg_rule *rule = &cfg->rule[r];
		const struct cfg_port_range *pr = dst ? &rule->dport : &rule->sport;

		if (dst ? rule->dport_any : rule->sport_any)
			continue;
		for (unsigned p = pr->lo; p <= pr->hi; p++)
			slot[p] |= 1ull << r;
	}
}

int cls_compile(const struct shunt_config *cfg, const uint32_t *ifindex, struct cls_image *img)
{
	uint64_t any_iif = 0;
	int err;

	memset(img, 0, sizeof(*img));
	img->nrules = cfg->nrules;
	for (unsigned r = 0; r < cfg->nrules; r++) {
		const struct cfg_rule *rule = &cfg->rule[r];

		img->rule[r].lane = (uint8_t)rule->lane;
		memcpy(img->rule[r].name, rule->name, sizeof(img->rule[r].name));
		for (unsigned p = 0; p < 256; p++)
			if (rule_has_proto(rule, (uint8_t)p))
				img->proto[p] |= 1ull << r;
		if (rule->ingress < 0)
			any_iif |= 1ull << r;
	}
	compile_ports(cfg, false, img->sport);
	compile_ports(cfg, true, img->dport);
	err = compile_lpm(cfg, false, img->src, &img->nsrc);
	if (!err)
		err = compile_lpm(cfg, true, img->dst, &img->ndst);
	if (err)
		return err;

	img->iif[img->niif++] = (struct cls_iif_entry){ .ifindex = SHUNT_IIF_ANY, .rules = any_iif };
	for (unsigned i = 0; i < cfg->niface; i++) {
		struct cls_iif_entry *e;

		if (!ifindex || !ifindex[i])
			continue;
		e = &img->iif[img->niif++];
		e->ifindex = ifindex[i];
		e->rules = any_iif;
		for (unsigned r = 0; r < cfg->nrules; r++)
			if (cfg->rule[r].ingress == (int)i)
				e->rules |= 1ull << r;
	}
	return 0;
}

static uint64_t lpm_lookup(const struct cls_lpm_entry *tab, unsigned n, uint8_t family,
			   const uint8_t *addr)
{
	int best = -1;

	for (unsigned e = 0; e < n; e++)
		if (tab[e].family == family && prefix_contains(tab[e].addr, tab[e].len, addr) &&
		    (best < 0 || tab[e].len > tab[best].len))
			best = (int)e;
	return best < 0 ? 0 : tab[best].rules;
}

unsigned cls_image_match(const struct cls_image *img, const struct cls_key *k)
{
	uint64_t m, iif = 0;
	bool found = false;

	m = img->proto[k->proto];
	m &= img->sport[k->has_ports ? k->sport : SHUNT_PORT_NONE];
	m &= img->dport[k->has_ports ? k->dport : SHUNT_PORT_NONE];
	m &= lpm_lookup(img->src, img->nsrc, k->family, k->saddr);
	m &= lpm_lookup(img->dst, img->ndst, k->family, k->daddr);
	for (unsigned i = 0; i < img->niif; i++)
		if (img->iif[i].ifindex == k->iif && k->iif != SHUNT_IIF_ANY) {
			iif = img->iif[i].rules;
			found = true;
		}
	if (!found)
		iif = img->niif ? img->iif[0].rules : 0;
	return cls_lowest_rule(m & iif);
}

/* ---- rule-set analysis ---- */

/* The prefixes of a field restricted to one family; "any" is that family's /0. */
static unsigned field_prefixes(const struct cfg_prefix *ps, unsigned n, uint8_t family,
			       struct cfg_prefix *out)
{
	unsigned k = 0;

	if (n == 0) {
		out[0] = (struct cfg_prefix){ .family = family };
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		if (ps[i].family == family)
			out[k++] = ps[i];
	return k;
}

/* Every prefix of b inside some prefix of a. */
static bool prefixes_within(const struct cfg_prefix *b, unsigned nb, const struct cfg_prefix *a,
			    unsigned na)
{
	for (unsigned i = 0; i < nb; i++) {
		bool in = false;

		for (unsigned j = 0; j < na && !in; j++)
			in = prefix_within(&b[i], &a[j]);
		if (!in)
			return false;
	}
	return true;
}

static bool prefixes_meet(const struct cfg_prefix *b, unsigned nb, const struct cfg_prefix *a,
			  unsigned na)
{
	for (unsigned i = 0; i < nb; i++)
		for (unsigned j = 0; j < na; j++)
			if (prefix_within(&b[i], &a[j]) || prefix_within(&a[j], &b[i]))
				return true;
	return false;
}

static bool port_within(bool b_any, const struct cfg_port_range *b, bool a_any,
			const struct cfg_port_range *a)
{
	return a_any || (!b_any && a->lo <= b->lo && b->hi <= a->hi);
}

static bool port_meet(bool b_any, const struct cfg_port_range *b, bool a_any,
		      const struct cfg_port_range *a)
{
	return a_any || b_any || (a->lo <= b->hi && b->lo <= a->hi);
}

/* For each family b can match: the src and dst of b restricted to it are
 * (shadow) inside / (overlap) meeting those of a. */
static bool families_relate(const struct cfg_rule *a, const struct cfg_rule *b, bool shadow)
{
	struct cfg_prefix pa[SHUNT_MAX_PREFIXES], pb[SHUNT_MAX_PREFIXES];
	bool any = false;

	for (unsigned f = 0; f < 2; f++) {
		unsigned bit = f ? CFG_FAMILY_V6 : CFG_FAMILY_V4;
		uint8_t family = f ? 6 : 4;
		bool ok = true;

		if (!(b->families & bit))
			continue;
		if (!(a->families & bit)) {
			if (shadow)
				return false;
			continue;
		}
		for (int d = 0; d < 2 && ok; d++) {
			unsigned na = field_prefixes(d ? a->dst : a->src, d ? a->ndst : a->nsrc, family, pa);
			unsigned nb = field_prefixes(d ? b->dst : b->src, d ? b->ndst : b->nsrc, family, pb);

			ok = shadow ? prefixes_within(pb, nb, pa, na) : prefixes_meet(pb, nb, pa, na);
		}
		if (shadow && !ok)
			return false;
		any |= ok;
	}
	return shadow ? true : any;
}

bool rule_shadows(const struct cfg_rule *a, const struct cfg_rule *b)
{
	if (!a->proto_any) {
		if (b->proto_any)
			return false;
		for (unsigned p = 0; p < 256; p++)
			if (rule_has_proto(b, (uint8_t)p) && !rule_has_proto(a, (uint8_t)p))
				return false;
	}
	if (!port_within(b->sport_any, &b->sport, a->sport_any, &a->sport) ||
	    !port_within(b->dport_any, &b->dport, a->dport_any, &a->dport))
		return false;
	if (a->ingress >= 0 && a->ingress != b->ingress)
		return false;
	return b->families && families_relate(a, b, true);
}

bool rule_overlaps(const struct cfg_rule *a, const struct cfg_rule *b)
{
	bool proto = false;

	for (unsigned p = 0; p < 256 && !proto; p++)
		proto = rule_has_proto(a, (uint8_t)p) && rule_has_proto(b, (uint8_t)p);
	if (!proto)
		return false;
	if (!port_meet(b->sport_any, &b->sport, a->sport_any, &a->sport) ||
	    !port_meet(b->dport_any, &b->dport, a->dport_any, &a->dport))
		return false;
	if (a->ingress >= 0 && b->ingress >= 0 && a->ingress != b->ingress)
		return false;
	return families_relate(a, b, false);
}
