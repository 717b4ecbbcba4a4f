// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * randrules.c — random rule sets and keys, hand-written rules; see randrules.h.
 */
#include "randrules.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const uint32_t rr_ifindex[RR_NIFACE] = {11, 12, 13};
static const char *const iface_names[RR_NIFACE] = {"lan", "wan", "dmz"};

/* Keys also come from interfaces no rule names, and 99 is none of ours. */
static const uint32_t key_iifs[] = {11, 12, 13, 99};
static const uint8_t proto_pool[] = {6, 17, 1, 58, 47};
static const uint16_t port_pool[] = {0, 1, 53, 80, 443, 1023, 1024, 5201, 7000, 65534, 65535};
static const uint16_t span_pool[] = {0, 1, 2, 10, 100, 1000, 30000, 65535};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- hand-written rules ---- */

void rr_config_init(struct shunt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = SHUNT_MODE_KERNEL;
	snprintf(cfg->bpffs, sizeof(cfg->bpffs), "%s", SHUNT_DEFAULT_BPFFS);
	cfg->niface = RR_NIFACE;
	for (unsigned i = 0; i < RR_NIFACE; i++) {
		snprintf(cfg->iface[i].name, sizeof(cfg->iface[i].name), "%s", iface_names[i]);
		snprintf(cfg->iface[i].ifname, sizeof(cfg->iface[i].ifname), "t-%s",
			 iface_names[i]);
		cfg->iface[i].line = (int)i + 1;
	}
}

void rr_rule_init(struct cfg_rule *r, const char *name, enum shunt_lane lane)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->proto_any = true;
	r->sport_any = true;
	r->dport_any = true;
	r->ingress = -1;
	r->lane = lane;
	r->families = CFG_FAMILY_V4 | CFG_FAMILY_V6;
}

struct cfg_rule *rr_add_rule(struct shunt_config *cfg, const char *name, enum shunt_lane lane)
{
	struct cfg_rule *r;

	if (cfg->nrules >= SHUNT_MAX_RULES)
		die("rr_add_rule: more than %d rules", SHUNT_MAX_RULES);
	r = &cfg->rule[cfg->nrules];
	rr_rule_init(r, name, lane);
	r->line = (int)cfg->nrules + 100;
	cfg->nrules++;
	return r;
}

void rr_rule_proto(struct cfg_rule *r, uint8_t proto)
{
	r->proto_any = false;
	r->proto_set[proto / 8] |= (uint8_t)(1u << (proto % 8));
	rr_rule_families(r);
}

void rr_rule_sport(struct cfg_rule *r, uint16_t lo, uint16_t hi)
{
	r->sport_any = false;
	r->sport.lo = lo;
	r->sport.hi = hi;
}

void rr_rule_dport(struct cfg_rule *r, uint16_t lo, uint16_t hi)
{
	r->dport_any = false;
	r->dport.lo = lo;
	r->dport.hi = hi;
}

/* Clears every bit from p->len on (for IPv4 also bytes 4..15). */
static void mask_host_bits(struct cfg_prefix *p)
{
	for (unsigned bit = p->len; bit < 128; bit++)
		p->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
}

void rr_prefix(const char *text, struct cfg_prefix *p)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	struct cfg_prefix chk;

	memset(p, 0, sizeof(*p));
	if (alen >= sizeof(addr))
		die("rr_prefix: '%s' too long", text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->family = 6;
	else
		die("rr_prefix: '%s' is not an address", text);
	p->len = p->family == 6 ? 128 : 32;
	if (slash) {
		int len = atoi(slash + 1);

		if (len < 0 || len > p->len)
			die("rr_prefix: '%s' has a bad length", text);
		p->len = (uint8_t)len;
	}
	chk = *p;
	mask_host_bits(&chk);
	if (memcmp(chk.addr, p->addr, sizeof(p->addr)))
		die("rr_prefix: '%s' has host bits set", text);
}

/* config.c rejects icmp with IPv6-only prefixes and icmpv6 with IPv4-only. */
static bool rr_rule_valid_icmp(const struct cfg_rule *r)
{
	bool only_icmp = !r->proto_any, only_icmp6 = !r->proto_any;

	for (unsigned p = 0; p < 256 && !r->proto_any; p++) {
		if (!(r->proto_set[p / 8] & (1u << (p % 8))))
			continue;
		only_icmp &= p == IPPROTO_ICMP;
		only_icmp6 &= p == IPPROTO_ICMPV6;
	}
	return !(only_icmp && r->families == CFG_FAMILY_V6) &&
	       !(only_icmp6 && r->families == CFG_FAMILY_V4);
}

void rr_rule_families(struct cfg_rule *r)
{
	unsigned fam = CFG_FAMILY_V4 | CFG_FAMILY_V6;

	for (int d = 0; d < 2; d++) {
		const struct cfg_prefix *ps = d ? r->dst : r->src;
		unsigned n = d ? r->ndst : r->nsrc, f = 0;

		if (!n)
			continue;
		for (unsigned i = 0; i < n; i++)
			f |= ps[i].family == 6 ? CFG_FAMILY_V6 : CFG_FAMILY_V4;
		fam &= f;
	}
	r->families = fam;
}

static void add_prefix(struct cfg_prefix *ps, unsigned *n, const char *text)
{
	if (*n >= SHUNT_MAX_PREFIXES)
		die("more than %d prefixes", SHUNT_MAX_PREFIXES);
	rr_prefix(text, &ps[(*n)++]);
}

void rr_rule_src(struct cfg_rule *r, const char *prefix)
{
	add_prefix(r->src, &r->nsrc, prefix);
	rr_rule_families(r);
}

void rr_rule_dst(struct cfg_rule *r, const char *prefix)
{
	add_prefix(r->dst, &r->ndst, prefix);
	rr_rule_families(r);
}

void rr_key(struct cls_key *k, uint8_t proto, const char *src, uint16_t sport, const char *dst,
	    uint16_t dport, uint32_t iif)
{
	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, src, k->saddr) == 1 && inet_pton(AF_INET, dst, k->daddr) == 1)
		k->family = 4;
	else if (inet_pton(AF_INET6, src, k->saddr) == 1 && inet_pton(AF_INET6, dst, k->daddr) == 1)
		k->family = 6;
	else
		die("rr_key: bad address pair '%s' '%s'", src, dst);
	k->proto = proto;
	k->iif = iif;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		k->has_ports = true;
		k->sport = sport;
		k->dport = dport;
	}
}

/* ---- random rules ---- */

static void pool_addr(struct rr_rng *g, uint8_t family, uint8_t *addr)
{
	static const uint8_t v4c[] = {0, 1, 2, 3, 128, 255};
	static const uint8_t v4d[] = {0, 1, 2, 127, 128, 254, 255};
	static const uint16_t v6g2[] = {0, 1, 2, 0xffff};
	static const uint16_t v6g3[] = {0, 0, 1};
	static const uint16_t v6g7[] = {0, 1, 2, 0x80, 0xffff};

	memset(addr, 0, 16);
	if (family == 4) {
		addr[0] = 198;
		/* now and then another level-1 entry of the prefix tables */
		addr[1] = rr_chance(g, 85) ? 18 : (uint8_t)(rr_chance(g, 50) ? 19 : 17);
		addr[2] = v4c[rr_below(g, ARRAY_SIZE(v4c))];
		addr[3] = v4d[rr_below(g, ARRAY_SIZE(v4d))];
	} else {
		uint16_t grp[8] = {0x2001, 0x0db8};

		if (rr_chance(g, 10)) /* another level-1 entry, or row */
			grp[0] = rr_chance(g, 50) ? 0x2002 : 0x3001;
		grp[2] = v6g2[rr_below(g, ARRAY_SIZE(v6g2))];
		grp[3] = v6g3[rr_below(g, ARRAY_SIZE(v6g3))];
		if (rr_chance(g, 10))
			grp[4 + rr_below(g, 3)] = 0x8000;
		grp[7] = v6g7[rr_below(g, ARRAY_SIZE(v6g7))];
		for (int i = 0; i < 8; i++) {
			addr[2 * i] = (uint8_t)(grp[i] >> 8);
			addr[2 * i + 1] = (uint8_t)grp[i];
		}
	}
}

/* Lengths where a level of the prefix tables starts or ends (shunt_abi.h:
 * 16 bits, then 8 per level), and next to it. */
static const uint8_t edge_len4[] = {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32};
static const uint8_t edge_len6[] = {1, 15, 16, 17, 23, 24, 25, 63, 64, 65, 119, 120, 121, 127, 128};

static void random_prefix(struct rr_rng *g, struct cfg_prefix *p)
{
	bool edge = rr_chance(g, 35);

	memset(p, 0, sizeof(*p));
	if (rr_chance(g, 60)) {
		p->family = 4;
		p->len = edge ? edge_len4[rr_below(g, ARRAY_SIZE(edge_len4))]
			      : (uint8_t)(8 + rr_below(g, 25)); /* 8..32 */
	} else {
		p->family = 6;
		p->len = edge ? edge_len6[rr_below(g, ARRAY_SIZE(edge_len6))]
			      : (uint8_t)(16 + rr_below(g, 113)); /* 16..128 */
	}
	if (rr_chance(g, 4))
		p->len = 0; /* 0.0.0.0/0 or ::/0, next to the implicit "any" */
	pool_addr(g, p->family, p->addr);
	mask_host_bits(p);
}

static bool same_prefix(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

static void random_prefixes(struct rr_rng *g, struct cfg_prefix *ps, unsigned *n)
{
	unsigned want;

	*n = 0;
	if (rr_chance(g, 25))
		return; /* any */
	want = 1 + rr_below(g, 3);
	for (unsigned tries = 0; *n < want && tries < 20; tries++) {
		struct cfg_prefix p;
		bool dup = false;

		random_prefix(g, &p);
		for (unsigned i = 0; i < *n; i++)
			dup |= same_prefix(&p, &ps[i]);
		if (!dup)
			ps[(*n)++] = p;
	}
}

static void random_ports(struct rr_rng *g, bool *any, struct cfg_port_range *pr)
{
	unsigned c = rr_below(g, 4);
	uint32_t hi;

	*any = c == 0;
	if (*any)
		return;
	pr->lo = port_pool[rr_below(g, ARRAY_SIZE(port_pool))];
	hi = pr->lo;
	if (c >= 2)
		hi += span_pool[rr_below(g, ARRAY_SIZE(span_pool))];
	pr->hi = (uint16_t)(hi > 65535 ? 65535 : hi);
}

static bool only_tcp_udp(const struct cfg_rule *r)
{
	if (r->proto_any)
		return false;
	for (unsigned p = 0; p < 256; p++)
		if ((r->proto_set[p / 8] & (1u << (p % 8))) && p != IPPROTO_TCP && p != IPPROTO_UDP)
			return false;
	return true;
}

void rr_random_rule(struct rr_rng *g, struct cfg_rule *r, unsigned idx)
{
	char name[SHUNT_NAME_LEN];

	snprintf(name, sizeof(name), "r%u", idx);
	do {
		unsigned pc = rr_below(g, 20);

		rr_rule_init(r, name, (enum shunt_lane)rr_below(g, SHUNT_LANE_MAX));
		r->line = (int)idx + 100;
		if (pc >= 3) { /* any 15%, one 45%, a set 40% */
			unsigned np = pc < 12 ? 1 : 2 + rr_below(g, 2);

			for (unsigned i = 0; i < np; i++)
				rr_rule_proto(r, proto_pool[rr_below(g, ARRAY_SIZE(proto_pool))]);
		}
		/* ports only where every protocol has them (a validation rule) */
		if (only_tcp_udp(r)) {
			random_ports(g, &r->sport_any, &r->sport);
			random_ports(g, &r->dport_any, &r->dport);
		}
		random_prefixes(g, r->src, &r->nsrc);
		random_prefixes(g, r->dst, &r->ndst);
		r->ingress = rr_chance(g, 50) ? -1 : (int)rr_below(g, RR_NIFACE);
		rr_rule_families(r);
	} while (!r->families || !rr_rule_valid_icmp(r)); /* as config.c rejects */
}

void rr_random_config(struct rr_rng *g, struct shunt_config *cfg, unsigned nrules)
{
	rr_config_init(cfg);
	if (!nrules)
		nrules = 1 + rr_below(g, SHUNT_MAX_RULES);
	if (nrules > SHUNT_MAX_RULES)
		nrules = SHUNT_MAX_RULES;
	for (unsigned i = 0; i < nrules; i++)
		rr_random_rule(g, &cfg->rule[i], i);
	cfg->nrules = nrules;
}

/* ---- random keys ---- */

/* A random prefix of family fam from cfg's rules, preferring field dst;
 * NULL if there is none. */
static const struct cfg_prefix *pick_prefix(struct rr_rng *g, const struct shunt_config *cfg,
					    uint8_t fam, bool dst)
{
	for (unsigned tries = 0; tries < 16 && cfg->nrules; tries++) {
		const struct cfg_rule *r = &cfg->rule[rr_below(g, cfg->nrules)];
		bool d = rr_chance(g, 70) ? dst : !dst;
		const struct cfg_prefix *ps = d ? r->dst : r->src;
		unsigned n = d ? r->ndst : r->nsrc;
		const struct cfg_prefix *p;

		if (!n)
			continue;
		p = &ps[rr_below(g, n)];
		if (!fam || p->family == fam)
			return p;
	}
	return NULL;
}

static void random_addr(struct rr_rng *g, const struct shunt_config *cfg, uint8_t fam, bool dst,
			uint8_t *addr)
{
	const struct cfg_prefix *p = rr_chance(g, 80) ? pick_prefix(g, cfg, fam, dst) : NULL;
	unsigned max = fam == 6 ? 128 : 32;
	unsigned how = rr_below(g, 4);

	if (!p) {
		pool_addr(g, fam, addr);
		if (rr_chance(g, 10)) /* outside the pool: 10.x.x.x, fe80::/16 */
			addr[0] = fam == 6 ? 0xfe : 10;
		return;
	}
	memcpy(addr, p->addr, 16);
	if (how == 3 && p->len > 0) { /* the sibling prefix: just outside */
		unsigned bit = p->len - 1u;

		addr[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
	}
	for (unsigned bit = p->len; bit < max; bit++) {
		bool one = how == 1 || ((how == 2 || how == 3) && rr_chance(g, 50));

		if (one)
			addr[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	}
}

static uint16_t random_port(struct rr_rng *g, const struct shunt_config *cfg, bool dst)
{
	for (unsigned tries = 0; tries < 8 && cfg->nrules && rr_chance(g, 80); tries++) {
		const struct cfg_rule *r = &cfg->rule[rr_below(g, cfg->nrules)];
		const struct cfg_port_range *pr = dst ? &r->dport : &r->sport;

		if (dst ? r->dport_any : r->sport_any)
			continue;
		switch (rr_below(g, 5)) {
		case 0:
			return (uint16_t)(pr->lo - 1); /* 0 - 1 wraps to 65535: fine */
		case 1:
			return pr->lo;
		case 2:
			return pr->hi;
		case 3:
			return (uint16_t)(pr->hi + 1);
		default:
			return (uint16_t)(pr->lo + rr_below(g, (uint32_t)(pr->hi - pr->lo) + 1));
		}
	}
	return rr_chance(g, 70) ? port_pool[rr_below(g, ARRAY_SIZE(port_pool))]
				: (uint16_t)rr_below(g, 65536);
}

/* IPv6 extension headers a parser walks: never the L4 protocol of an IPv6
 * key (a frame built from such a key would carry an extension header). */
static bool ipv6_ext_header(unsigned p)
{
	return p == IPPROTO_HOPOPTS || p == IPPROTO_ROUTING || p == IPPROTO_FRAGMENT ||
	       p == IPPROTO_AH || p == IPPROTO_DSTOPTS || p == IPPROTO_MH || p == 139 || p == 140;
}

static uint8_t random_proto_once(struct rr_rng *g, const struct shunt_config *cfg)
{
	if (cfg->nrules && rr_chance(g, 50)) {
		const struct cfg_rule *r = &cfg->rule[rr_below(g, cfg->nrules)];
		unsigned start = rr_below(g, 256);

		for (unsigned i = 0; !r->proto_any && i < 256; i++) {
			unsigned p = (start + i) % 256;

			if (r->proto_set[p / 8] & (1u << (p % 8)))
				return (uint8_t)p;
		}
	}
	if (rr_chance(g, 10))
		return (uint8_t)rr_below(g, 256);
	return proto_pool[rr_below(g, ARRAY_SIZE(proto_pool))];
}

static uint8_t random_proto(struct rr_rng *g, const struct shunt_config *cfg, uint8_t family)
{
	uint8_t p;

	do
		p = random_proto_once(g, cfg);
	while (family == 6 && ipv6_ext_header(p));
	return p;
}

void rr_random_key(struct rr_rng *g, const struct shunt_config *cfg, struct cls_key *k)
{
	const struct cfg_prefix *p = pick_prefix(g, cfg, 0, rr_chance(g, 50));

	memset(k, 0, sizeof(*k));
	k->family = p && rr_chance(g, 90) ? p->family : (rr_chance(g, 50) ? 4 : 6);
	random_addr(g, cfg, k->family, false, k->saddr);
	random_addr(g, cfg, k->family, true, k->daddr);
	if (k->family == 4) { /* IPv4 lives in the first 4 bytes, the rest zero */
		memset(k->saddr + 4, 0, 12);
		memset(k->daddr + 4, 0, 12);
	}
	k->proto = random_proto(g, cfg, k->family);
	/* 10% of TCP/UDP keys are non-first fragments: no ports */
	k->has_ports = (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) && rr_chance(g, 90);
	/* ports are drawn even without has_ports: they must be ignored then */
	k->sport = random_port(g, cfg, false);
	k->dport = random_port(g, cfg, true);
	k->iif = key_iifs[rr_below(g, ARRAY_SIZE(key_iifs))];
}

/* ---- printing ---- */

static void fmt_prefix(const struct cfg_prefix *p, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a));
	snprintf(buf, cap, "%s/%u", a, p->len);
}

static const char *proto_word(unsigned p, char *buf, size_t cap)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		snprintf(buf, cap, "%u", p);
		return buf;
	}
}

static void print_prefixes(FILE *out, const char *field, const struct cfg_prefix *ps, unsigned n)
{
	char buf[64];

	fprintf(out, " %s=", field);
	if (!n) {
		fputs("any", out);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		fmt_prefix(&ps[i], buf, sizeof(buf));
		fprintf(out, "%s%s", i ? "," : "", buf);
	}
}

void rr_print_rule(FILE *out, const struct shunt_config *cfg, unsigned idx)
{
	const struct cfg_rule *r = &cfg->rule[idx];
	char buf[8];
	bool first = true;

	fprintf(out, "  [%u] %s lane=%s proto=", idx, r->name, lane_name(r->lane));
	if (r->proto_any)
		fputs("any", out);
	for (unsigned p = 0; !r->proto_any && p < 256; p++) {
		if (!(r->proto_set[p / 8] & (1u << (p % 8))))
			continue;
		fprintf(out, "%s%s", first ? "" : ",", proto_word(p, buf, sizeof(buf)));
		first = false;
	}
	if (r->sport_any)
		fputs(" sport=any", out);
	else
		fprintf(out, " sport=%u-%u", r->sport.lo, r->sport.hi);
	if (r->dport_any)
		fputs(" dport=any", out);
	else
		fprintf(out, " dport=%u-%u", r->dport.lo, r->dport.hi);
	print_prefixes(out, "src", r->src, r->nsrc);
	print_prefixes(out, "dst", r->dst, r->ndst);
	if (r->ingress < 0)
		fputs(" ingress=any", out);
	else
		fprintf(out, " ingress=%s", cfg->iface[r->ingress].name);
	fprintf(out, " families=%s%s\n", r->families & CFG_FAMILY_V4 ? "4" : "",
		r->families & CFG_FAMILY_V6 ? "6" : "");
}

void rr_print_config(FILE *out, const struct shunt_config *cfg)
{
	fprintf(out, "rule set (%u rules):\n", cfg->nrules);
	for (unsigned i = 0; i < cfg->nrules; i++)
		rr_print_rule(out, cfg, i);
}

void rr_print_key(FILE *out, const struct cls_key *k)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = k->family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, k->saddr, s, sizeof(s));
	inet_ntop(af, k->daddr, d, sizeof(d));
	fprintf(out, "key: family=%u proto=%u %s", k->family, k->proto, s);
	if (k->has_ports)
		fprintf(out, ":%u -> %s:%u", k->sport, d, k->dport);
	else
		fprintf(out, " -> %s (no ports; %u/%u ignored)", d, k->sport, k->dport);
	fprintf(out, " iif=%u\n", k->iif);
}

/* ---- config text ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool full;
};

static __attribute__((format(printf, 2, 3))) void sb_add(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->cap - sb->len) {
		sb->full = true;
		return;
	}
	sb->len += (size_t)n;
}

static void sb_prefixes(struct sbuf *sb, const char *field, const struct cfg_prefix *ps, unsigned n)
{
	char buf[64];

	if (!n)
		return;
	sb_add(sb, " %s = [", field);
	for (unsigned i = 0; i < n; i++) {
		fmt_prefix(&ps[i], buf, sizeof(buf));
		sb_add(sb, "%s\"%s\"", i ? ", " : "", buf);
	}
	sb_add(sb, "];");
}

static void sb_port(struct sbuf *sb, const char *field, bool any, const struct cfg_port_range *pr)
{
	if (any)
		return;
	if (pr->lo == pr->hi)
		sb_add(sb, " %s = %u;", field, pr->lo);
	else
		sb_add(sb, " %s = \"%u-%u\";", field, pr->lo, pr->hi);
}

int rr_format_config(const struct shunt_config *cfg, char *buf, size_t cap)
{
	struct sbuf sb = {.p = buf, .cap = cap};
	char pb[8];

	if (!cap)
		return -1;
	buf[0] = '\0';
	sb_add(&sb, "version = 1;\nmode = \"%s\";\ninterfaces = (\n", mode_name(cfg->mode));
	for (unsigned i = 0; i < cfg->niface; i++)
		sb_add(&sb, "  { name = \"%s\"; ifname = \"%s\"; }%s\n", cfg->iface[i].name,
		       cfg->iface[i].ifname, i + 1 < cfg->niface ? "," : "");
	sb_add(&sb, ");\nrules = (\n");
	for (unsigned i = 0; i < cfg->nrules; i++) {
		const struct cfg_rule *r = &cfg->rule[i];
		bool first = true;

		sb_add(&sb, "  { name = \"%s\";", r->name);
		if (!r->proto_any) {
			/* a list ( ): names and numbers may mix there */
			sb_add(&sb, " proto = (");
			for (unsigned p = 0; p < 256; p++) {
				if (!(r->proto_set[p / 8] & (1u << (p % 8))))
					continue;
				if (p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_ICMP ||
				    p == IPPROTO_ICMPV6)
					sb_add(&sb, "%s\"%s\"", first ? "" : ", ",
					       proto_word(p, pb, sizeof(pb)));
				else
					sb_add(&sb, "%s%u", first ? "" : ", ", p);
				first = false;
			}
			sb_add(&sb, ");");
		}
		sb_prefixes(&sb, "src", r->src, r->nsrc);
		sb_prefixes(&sb, "dst", r->dst, r->ndst);
		sb_port(&sb, "sport", r->sport_any, &r->sport);
		sb_port(&sb, "dport", r->dport_any, &r->dport);
		if (r->ingress >= 0)
			sb_add(&sb, " ingress = \"%s\";", cfg->iface[r->ingress].name);
		sb_add(&sb, " lane = \"%s\"; }%s\n", lane_name(r->lane),
		       i + 1 < cfg->nrules ? "," : "");
	}
	sb_add(&sb, ");\n");
	return sb.full ? -1 : (int)sb.len;
}
