// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rules.c — compile config rules into the bit-vector classifier (rules.h). */
#include "rules.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
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

/* ---- prefix tables (rules.h, shunt_abi.h) ---- */

static unsigned table_of(bool dst, uint8_t family)
{
	if (family == 6)
		return dst ? SHUNT_CLS_DST6 : SHUNT_CLS_SRC6;
	return dst ? SHUNT_CLS_DST4 : SHUNT_CLS_SRC4;
}

static unsigned table_bytes(unsigned t)
{
	return t == SHUNT_CLS_SRC6 || t == SHUNT_CLS_DST6 ? 16 : 4;
}

static void mark_dirty(struct cls_image *img, uint32_t c)
{
	img->dirty[c / 64] |= 1ull << (c % 64);
}

void cls_image_clean(struct cls_image *img)
{
	memset(img->dirty, 0, sizeof(img->dirty));
}

/* The index of the leaf holding rules; added if new. */
static int leaf_of(struct cls_image *img, uint64_t rules, uint32_t *idx)
{
	for (unsigned i = 0; i < img->tab.nleaves; i++) {
		if (img->tab.leaf[i] == rules) {
			*idx = i;
			return 0;
		}
	}
	if (img->tab.nleaves >= SHUNT_CLS_LEAVES)
		return -E2BIG;
	img->tab.leaf[img->tab.nleaves] = rules;
	*idx = img->tab.nleaves++;
	return 0;
}

/* The chunk entry b of chunk c leads to; a leaf is first split into a new
 * chunk of 256 copies of itself. Returns the chunk's index or -E2BIG. */
static int64_t descend(struct cls_image *img, uint32_t c, unsigned b)
{
	uint32_t e = img->tab.chunk[c].e[b], n;

	if (e & SHUNT_CLS_CHILD)
		return e & SHUNT_CLS_INDEX;
	if (img->tab.nchunks >= SHUNT_CLS_CHUNKS)
		return -E2BIG;
	n = img->tab.nchunks++;
	for (unsigned i = 0; i < SHUNT_CLS_FANOUT; i++)
		img->tab.chunk[n].e[i] = e;
	mark_dirty(img, n);
	/* the new chunk is whole before the entry names it (maps_add_locals
	 * writes them in that order too) */
	img->tab.chunk[c].e[b] = SHUNT_CLS_CHILD | n;
	mark_dirty(img, c);
	return n;
}

/* What one prefix does to the entries under it. */
struct tab_edit {
	uint64_t rules; /* ORed into their leaves */
	bool local;	/* or: SHUNT_CLS_LOCAL set on them */
	bool memo;	/* from -> to: the last entry value rewritten */
	uint32_t from, to;
};

static int edit_entries(struct cls_image *img, uint32_t c, unsigned first, unsigned n,
			struct tab_edit *ed)
{
	for (unsigned i = first; i < first + n; i++) {
		uint32_t e = img->tab.chunk[c].e[i], ne, leaf;
		int err;

		/* prefixes go in shortest first, local host entries last: no
		 * entry under one has been split yet (rules.h) */
		if (e & SHUNT_CLS_CHILD)
			return -EINVAL;
		if (ed->memo && e == ed->from) {
			ne = ed->to;
		} else if (ed->local) {
			ne = e | SHUNT_CLS_LOCAL;
		} else {
			err = leaf_of(img, img->tab.leaf[e & SHUNT_CLS_INDEX] | ed->rules, &leaf);
			if (err)
				return err;
			ne = (e & SHUNT_CLS_LOCAL) | leaf;
		}
		ed->memo = true;
		ed->from = e;
		ed->to = ne;
		if (ne != e) {
			img->tab.chunk[c].e[i] = ne;
			mark_dirty(img, c);
		}
	}
	return 0;
}

/* Applies ed to every entry under prefix a/len (network order) of table t:
 * whole level-1 rows for len <= 8, else the entries of the chunk where the
 * prefix ends, splitting entries on the way down. */
static int tab_insert(struct cls_image *img, unsigned t, const uint8_t *a, unsigned len,
		      struct tab_edit *ed)
{
	unsigned i, fixed;
	uint32_t c;
	int err = 0;

	if (len > 8 * table_bytes(t))
		return -EINVAL;
	if (len <= 8) {
		unsigned first = a[0] & (0xff00u >> len) & 0xff;

		for (unsigned r = 0; r < 1u << (8 - len) && !err; r++)
			err = edit_entries(img, SHUNT_CLS_ROW(t, first + r), 0, SHUNT_CLS_FANOUT, ed);
		return err;
	}
	c = SHUNT_CLS_ROW(t, a[0]);
	for (i = 1; len > 8 * (i + 1); i++) {
		int64_t n = descend(img, c, a[i]);

		if (n < 0)
			return (int)n;
		c = (uint32_t)n;
	}
	fixed = len - 8 * i; /* 1..8 bits of byte i */
	return edit_entries(img, c, a[i] & (0xff00u >> fixed) & 0xff, 1u << (8 - fixed), ed);
}

struct tab_prefix {
	uint8_t len;
	uint8_t addr[16];
	uint64_t rules; /* the rules that name this very prefix */
};

static int prefix_order(const void *x, const void *y)
{
	const struct tab_prefix *a = x, *b = y;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/*
 * One table (field, family): every entry starts as the leaf of the rules
 * with no prefix in the field; then each distinct prefix of the family,
 * shortest first, ORs in the rules that name it. *n counts the prefixes.
 */
static int compile_table(const struct shunt_config *cfg, bool dst, uint8_t family,
			 struct cls_image *img, unsigned *n)
{
	struct tab_prefix ps[SHUNT_MAX_RULES * SHUNT_MAX_PREFIXES];
	unsigned t = table_of(dst, family), np = 0;
	uint64_t any = 0;
	uint32_t leaf;
	int err;

	for (unsigned r = 0; r < cfg->nrules; r++) {
		const struct cfg_rule *rule = &cfg->rule[r];
		const struct cfg_prefix *p = dst ? rule->dst : rule->src;
		unsigned k = dst ? rule->ndst : rule->nsrc;

		if (!k)
			any |= 1ull << r;
		for (unsigned i = 0; i < k; i++) {
			unsigned j;

			if (p[i].family != family)
				continue;
			for (j = 0; j < np; j++)
				if (ps[j].len == p[i].len && !memcmp(ps[j].addr, p[i].addr, 16))
					break;
			if (j == np) {
				if (np >= SHUNT_MAX_RULES * SHUNT_MAX_PREFIXES)
					return -E2BIG;
				ps[np] = (struct tab_prefix){ .len = p[i].len };
				memcpy(ps[np].addr, p[i].addr, 16);
				np++;
			}
			ps[j].rules |= 1ull << r;
		}
	}
	qsort(ps, np, sizeof(ps[0]), prefix_order);

	err = leaf_of(img, any, &leaf);
	if (err)
		return err;
	for (unsigned b = 0; b < SHUNT_CLS_FANOUT; b++) {
		uint32_t c = SHUNT_CLS_ROW(t, b);

		for (unsigned i = 0; i < SHUNT_CLS_FANOUT; i++)
			img->tab.chunk[c].e[i] = leaf;
		mark_dirty(img, c);
	}
	for (unsigned i = 0; i < np && !err; i++) {
		struct tab_edit ed = { .rules = ps[i].rules };

		err = tab_insert(img, t, ps[i].addr, ps[i].len, &ed);
	}
	*n += np;
	return err;
}

/* The leaf entry of a (network order) in table t, as classify.h walks. */
static uint32_t tab_walk(const struct cls_image *img, unsigned t, const uint8_t *a)
{
	uint32_t e = img->tab.chunk[SHUNT_CLS_ROW(t, a[0])].e[a[1]];

	for (unsigned i = 2; i < table_bytes(t) && (e & SHUNT_CLS_CHILD); i++) {
		uint32_t c = e & SHUNT_CLS_INDEX;

		if (c >= img->tab.nchunks)
			return 0;
		e = img->tab.chunk[c].e[a[i]];
	}
	return e;
}

static uint64_t tab_rules(const struct cls_image *img, uint32_t e)
{
	uint32_t l = e & SHUNT_CLS_INDEX;

	return e & SHUNT_CLS_CHILD || l >= img->tab.nleaves ? 0 : img->tab.leaf[l];
}

uint32_t cls_image_dst_entry(const struct cls_image *img, uint8_t family, const uint8_t *daddr)
{
	return tab_walk(img, table_of(true, family), daddr);
}

int cls_add_local(struct cls_image *img, const struct cls_addr *a)
{
	struct tab_edit ed = { .local = true };
	int err;

	if (a->family != 4 && a->family != 6)
		return -EINVAL;
	if (cls_image_dst_entry(img, a->family, a->addr) & SHUNT_CLS_LOCAL)
		return 0;
	if (img->tab.nlocal >= SHUNT_MAX_LOCAL_ADDRS)
		return -E2BIG;
	err = tab_insert(img, table_of(true, a->family), a->addr, a->family == 6 ? 128 : 32, &ed);
	if (err)
		return err;
	img->tab.nlocal++;
	return 1;
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

	/* not the chunk pool: only what is used of it is ever touched */
	memset(img, 0, offsetof(struct cls_image, tab.chunk));
	img->tab.nleaves = 1; /* leaf 0: no rule */
	img->tab.nchunks = SHUNT_CLS_ROWS;
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
	for (unsigned t = 0; t < SHUNT_CLS_TABLES; t++) {
		bool dst = t == SHUNT_CLS_DST4 || t == SHUNT_CLS_DST6;

		err = compile_table(cfg, dst, t >= SHUNT_CLS_SRC6 ? 6 : 4, img,
				    dst ? &img->ndst : &img->nsrc);
		if (err)
			return err;
	}

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

unsigned cls_image_match(const struct cls_image *img, const struct cls_key *k)
{
	uint64_t m, iif = 0;
	bool found = false;

	m = img->proto[k->proto];
	m &= img->sport[k->has_ports ? k->sport : SHUNT_PORT_NONE];
	m &= img->dport[k->has_ports ? k->dport : SHUNT_PORT_NONE];
	m &= tab_rules(img, tab_walk(img, table_of(false, k->family), k->saddr));
	m &= tab_rules(img, tab_walk(img, table_of(true, k->family), k->daddr));
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
