/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * randrules.h — seeded random rule sets and classifier keys, and helpers to
 * write rules by hand in tests.
 *
 * Everything random comes from one xorshift64* generator whose seed the
 * caller picks and prints on failure, so any failing case can be replayed.
 * Rules draw their prefixes from a small pool (mostly 198.18.0.0/16 and
 * 2001:db8::/32, lengths often where a level of the prefix tables starts or
 * ends) and their ports from a few values, and keys are drawn near
 * the rules' own prefixes and port edges, so that random keys hit rules
 * (and just miss them) often.
 */
#ifndef SHUNT_TEST_RANDRULES_H
#define SHUNT_TEST_RANDRULES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "rules.h"

/* ---- PRNG (header-only, so any test can use it without the library) ---- */

struct rr_rng {
	uint64_t s;
};

static inline void rr_seed(struct rr_rng *g, uint64_t seed)
{
	/* splitmix64 step: nearby seeds give unrelated streams, never 0 */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	g->s = z ? z : 0x5348;
}

/* xorshift64* */
static inline uint64_t rr_next(struct rr_rng *g)
{
	uint64_t x = g->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform-enough in [0, n); 0 when n is 0. */
static inline uint32_t rr_below(struct rr_rng *g, uint32_t n)
{
	return n ? (uint32_t)((rr_next(g) >> 32) % n) : 0;
}

/* True with probability pct/100. */
static inline bool rr_chance(struct rr_rng *g, unsigned pct)
{
	return rr_below(g, 100) < pct;
}

/* ---- writing rules by hand ---- */

#define RR_NIFACE 3
/* ifindex of the test config's interfaces "lan", "wan", "dmz" */
extern const uint32_t rr_ifindex[RR_NIFACE];

/* An empty kernel-mode config with the three interfaces lan/wan/dmz. */
void rr_config_init(struct shunt_config *cfg);

/* Appends a rule that matches everything (any proto, ports, addresses,
 * ingress) and returns it; aborts past SHUNT_MAX_RULES. */
struct cfg_rule *rr_add_rule(struct shunt_config *cfg, const char *name, enum shunt_lane lane);
void rr_rule_init(struct cfg_rule *r, const char *name, enum shunt_lane lane);

/* Adds a protocol to the rule's set (the rule no longer matches any). */
void rr_rule_proto(struct cfg_rule *r, uint8_t proto);
void rr_rule_sport(struct cfg_rule *r, uint16_t lo, uint16_t hi);
void rr_rule_dport(struct cfg_rule *r, uint16_t lo, uint16_t hi);
/* Adds a prefix ("198.18.0.0/16", "2001:db8::/32", host bits zero) to src
 * or dst and recomputes families; aborts on bad text. */
void rr_rule_src(struct cfg_rule *r, const char *prefix);
void rr_rule_dst(struct cfg_rule *r, const char *prefix);
/* Sets r->families from its prefixes (both fields must allow a family);
 * proto does not restrict it: icmp is protocol 1 in either family. */
void rr_rule_families(struct cfg_rule *r);

/* Parses text into p (independently of config.c); aborts on bad text. */
void rr_prefix(const char *text, struct cfg_prefix *p);

/* A key: family from the addresses; has_ports for tcp/udp. */
void rr_key(struct cls_key *k, uint8_t proto, const char *src, uint16_t sport, const char *dst,
	    uint16_t dport, uint32_t iif);

/* ---- random ---- */

/* A random valid rule set of nrules rules (0: 1..64 at random) on the test
 * config's interfaces. */
void rr_random_config(struct rr_rng *g, struct shunt_config *cfg, unsigned nrules);
void rr_random_rule(struct rr_rng *g, struct cfg_rule *r, unsigned idx);
/* A random key biased towards cfg's rules: addresses in or next to their
 * prefixes, ports on their range edges, their protocols, iif from
 * {11, 12, 13, 99}. 10% of TCP/UDP keys have no ports (as non-first
 * fragments); IPv6 keys never carry an extension header's number as proto. */
void rr_random_key(struct rr_rng *g, const struct shunt_config *cfg, struct cls_key *k);

/* ---- printing (failure messages) and config text ---- */

void rr_print_rule(FILE *out, const struct shunt_config *cfg, unsigned idx);
void rr_print_config(FILE *out, const struct shunt_config *cfg);
void rr_print_key(FILE *out, const struct cls_key *k);
/* Writes cfg (interfaces and rules) as config text that config_load reads
 * back into the same rules. Returns the length or -1 if it does not fit. */
int rr_format_config(const struct shunt_config *cfg, char *buf, size_t cap);

#endif /* SHUNT_TEST_RANDRULES_H */
