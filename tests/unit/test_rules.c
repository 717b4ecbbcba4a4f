// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_rules.c — the rule compiler (control/rules.c) against the reference
 * matcher (tests/lib/refmatch.c): hand-written cases, then random rule sets
 * and keys; rule-set analysis (shadows/overlaps); the packet builder the BPF
 * fixtures use.
 *
 * RULES_ITERS (environment) changes the number of random rule sets
 * (default 2000); RULES_SEED the first seed.
 */
#include <arpa/inet.h>
#include <CUnit/Basic.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pktbuild.h"
#include "randrules.h"
#include "refmatch.h"
#include "rules.h"

static struct cls_image *img; /* ~20 MiB, mostly untouched: one, on the heap */
static struct shunt_config *cfg;
static uint32_t ifx[SHUNT_MAX_IFACES];

static int suite_init(void)
{
	img = malloc(sizeof(*img));
	cfg = malloc(sizeof(*cfg));
	return img && cfg ? 0 : -1;
}

static int suite_cleanup(void)
{
	free(img);
	free(cfg);
	return 0;
}

/* A fresh config with the test interfaces lan/wan/dmz = 11/12/13. */
static void reset(void)
{
	rr_config_init(cfg);
	memset(ifx, 0, sizeof(ifx));
	memcpy(ifx, rr_ifindex, sizeof(rr_ifindex));
}

static void compile(void)
{
	int err = cls_compile(cfg, ifx, img);

	CU_ASSERT_EQUAL(err, 0);
}

/*
 * Checks one key against the reference and the compiled image (compile()
 * must have run since the rules last changed) and that both say want.
 */
static void expect_at(const struct cls_key *k, unsigned want, int line)
{
	unsigned ref = ref_match(cfg, ifx, k);
	unsigned got = cls_image_match(img, k);

	CU_ASSERT_EQUAL(ref, want);
	CU_ASSERT_EQUAL(got, want);
	if (ref != want || got != want) {
		fprintf(stderr, "\ntest_rules.c:%d: want %u, reference %u, compiled %u\n", line,
			want, ref, got);
		rr_print_config(stderr, cfg);
		rr_print_key(stderr, k);
	}
}

#define EXPECT(proto, src, sport, dst, dport, iif, want)                                           \
	do {                                                                                       \
		struct cls_key k_;                                                                 \
		rr_key(&k_, proto, src, sport, dst, dport, iif);                                   \
		expect_at(&k_, want, __LINE__);                                                    \
	} while (0)

#define NONE SHUNT_RULE_NONE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

/* ---- hand-written cases ---- */

static void test_empty(void)
{
	reset();
	compile();
	EXPECT(TCP, "198.18.1.2", 1000, "198.18.2.2", 80, 11, NONE);
	EXPECT(UDP, "2001:db8:1::2", 1000, "2001:db8:2::2", 53, 12, NONE);
	EXPECT(IPPROTO_ICMP, "198.18.1.2", 0, "198.18.2.2", 0, 0, NONE);
}

static void test_first_match(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "web", SHUNT_LANE_FAST);
	rr_rule_proto(r, TCP);
	rr_rule_dport(r, 80, 80);
	r = rr_add_rule(cfg, "tcp", SHUNT_LANE_DROP);
	rr_rule_proto(r, TCP);
	rr_add_rule(cfg, "all", SHUNT_LANE_KERNEL);
	/* the same rule twice: the second never wins */
	r = rr_add_rule(cfg, "web-again", SHUNT_LANE_FAST);
	rr_rule_proto(r, TCP);
	rr_rule_dport(r, 80, 80);
	compile();

	EXPECT(TCP, "198.18.1.2", 40000, "198.18.2.2", 80, 11, 0);
	EXPECT(TCP, "198.18.1.2", 40000, "198.18.2.2", 81, 11, 1);
	EXPECT(UDP, "198.18.1.2", 40000, "198.18.2.2", 80, 11, 2);
	EXPECT(TCP, "2001:db8:1::2", 40000, "2001:db8:2::2", 80, 11, 0);
	EXPECT(47, "2001:db8:1::2", 0, "2001:db8:2::2", 0, 11, 2);
	CU_ASSERT_EQUAL(img->nrules, 4);
	CU_ASSERT_EQUAL(img->rule[0].lane, SHUNT_LANE_FAST);
	CU_ASSERT_EQUAL(img->rule[1].lane, SHUNT_LANE_DROP);
	CU_ASSERT_STRING_EQUAL(img->rule[2].name, "all");
}

static void test_port_edges(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "range", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_dport(r, 1000, 2000);
	r = rr_add_rule(cfg, "top", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_sport(r, 65535, 65535);
	r = rr_add_rule(cfg, "zero", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_sport(r, 0, 0);
	r = rr_add_rule(cfg, "both", SHUNT_LANE_DROP);
	rr_rule_proto(r, TCP);
	rr_rule_sport(r, 1024, 65535);
	rr_rule_dport(r, 0, 1023);
	compile();

	EXPECT(UDP, "198.18.1.2", 7, "198.18.2.2", 999, 11, NONE);
	EXPECT(UDP, "198.18.1.2", 7, "198.18.2.2", 1000, 11, 0);
	EXPECT(UDP, "198.18.1.2", 7, "198.18.2.2", 1500, 11, 0);
	EXPECT(UDP, "198.18.1.2", 7, "198.18.2.2", 2000, 11, 0);
	EXPECT(UDP, "198.18.1.2", 7, "198.18.2.2", 2001, 11, NONE);
	EXPECT(UDP, "198.18.1.2", 65535, "198.18.2.2", 1, 11, 1);
	EXPECT(UDP, "198.18.1.2", 65534, "198.18.2.2", 1, 11, NONE);
	EXPECT(UDP, "198.18.1.2", 0, "198.18.2.2", 1, 11, 2);
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 11, NONE);
	EXPECT(TCP, "198.18.1.2", 1024, "198.18.2.2", 1023, 11, 3);
	EXPECT(TCP, "198.18.1.2", 1023, "198.18.2.2", 1023, 11, NONE);
	EXPECT(TCP, "198.18.1.2", 65535, "198.18.2.2", 0, 11, 3);
	EXPECT(TCP, "198.18.1.2", 65535, "198.18.2.2", 1024, 11, NONE);
}

static void test_prefix_wide_first(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "wide", SHUNT_LANE_FAST);
	rr_rule_dst(r, "198.0.0.0/8");
	r = rr_add_rule(cfg, "narrow", SHUNT_LANE_DROP);
	rr_rule_dst(r, "198.18.1.0/24");
	r = rr_add_rule(cfg, "v6-wide", SHUNT_LANE_FAST);
	rr_rule_dst(r, "2001:db8::/32");
	r = rr_add_rule(cfg, "v6-narrow", SHUNT_LANE_DROP);
	rr_rule_dst(r, "2001:db8:1::/48");
	compile();

	/* the /8 comes first and contains the /24: the /24 never wins */
	EXPECT(UDP, "198.18.2.2", 1, "198.18.1.5", 1, 11, 0);
	EXPECT(UDP, "198.18.2.2", 1, "198.19.0.1", 1, 11, 0);
	EXPECT(UDP, "198.18.2.2", 1, "198.255.255.255", 1, 11, 0);
	EXPECT(UDP, "198.18.2.2", 1, "199.0.0.0", 1, 11, NONE);
	EXPECT(UDP, "198.18.2.2", 1, "197.255.255.255", 1, 11, NONE);
	EXPECT(UDP, "2001:db8:2::2", 1, "2001:db8:1::5", 1, 11, 2);
	EXPECT(UDP, "2001:db8:2::2", 1, "2001:db8:ffff::5", 1, 11, 2);
	EXPECT(UDP, "2001:db8:2::2", 1, "2001:db9::", 1, 11, NONE);
}

static void test_prefix_narrow_first(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "narrow", SHUNT_LANE_DROP);
	rr_rule_dst(r, "198.18.1.0/24");
	r = rr_add_rule(cfg, "wide", SHUNT_LANE_FAST);
	rr_rule_dst(r, "198.0.0.0/8");
	r = rr_add_rule(cfg, "host", SHUNT_LANE_FAST);
	rr_rule_dst(r, "198.18.1.7/32"); /* inside both: never wins */
	r = rr_add_rule(cfg, "v6-narrow", SHUNT_LANE_DROP);
	rr_rule_dst(r, "2001:db8:1::/48");
	r = rr_add_rule(cfg, "v6-wide", SHUNT_LANE_FAST);
	rr_rule_dst(r, "2001:db8::/32");
	r = rr_add_rule(cfg, "v6-host", SHUNT_LANE_FAST);
	rr_rule_dst(r, "2001:db8:2::7/128");
	compile();

	EXPECT(UDP, "10.0.0.1", 1, "198.18.1.0", 1, 11, 0);
	EXPECT(UDP, "10.0.0.1", 1, "198.18.1.7", 1, 11, 0);
	EXPECT(UDP, "10.0.0.1", 1, "198.18.1.255", 1, 11, 0);
	EXPECT(UDP, "10.0.0.1", 1, "198.18.0.255", 1, 11, 1);
	EXPECT(UDP, "10.0.0.1", 1, "198.18.2.0", 1, 11, 1);
	EXPECT(UDP, "10.0.0.1", 1, "198.0.0.0", 1, 11, 1);
	EXPECT(UDP, "10.0.0.1", 1, "10.0.0.1", 1, 11, NONE);
	EXPECT(UDP, "::1", 1, "2001:db8:1:ffff::1", 1, 11, 3);
	EXPECT(UDP, "::1", 1, "2001:db8:2::7", 1, 11, 4);
	EXPECT(UDP, "::1", 1, "2001:db8:2::8", 1, 11, 4);
	EXPECT(UDP, "::1", 1, "2001:db7::7", 1, 11, NONE);
}

static void test_prefix_lists_and_both_fields(void)
{
	struct cfg_rule *r;

	reset();
	/* the /16 on src only holds together with the /24 list on dst */
	r = rr_add_rule(cfg, "pair", SHUNT_LANE_FAST);
	rr_rule_src(r, "198.18.0.0/16");
	rr_rule_dst(r, "198.19.1.0/24");
	rr_rule_dst(r, "198.19.3.0/24");
	rr_rule_dst(r, "2001:db8:3::/48"); /* src is v4-only: never for v6 */
	r = rr_add_rule(cfg, "src-host", SHUNT_LANE_DROP);
	rr_rule_src(r, "198.18.5.5/32");
	r = rr_add_rule(cfg, "any-v4", SHUNT_LANE_KERNEL);
	rr_rule_src(r, "0.0.0.0/0");
	compile();

	EXPECT(TCP, "198.18.5.5", 1, "198.19.1.1", 1, 11, 0);
	EXPECT(TCP, "198.18.5.5", 1, "198.19.3.1", 1, 11, 0);
	EXPECT(TCP, "198.18.5.5", 1, "198.19.2.1", 1, 11, 1);
	EXPECT(TCP, "198.18.5.6", 1, "198.19.2.1", 1, 11, 2);
	EXPECT(TCP, "198.17.5.6", 1, "198.19.1.1", 1, 11, 2);
	EXPECT(TCP, "2001:db8:3::1", 1, "2001:db8:3::1", 1, 11, NONE);
	EXPECT(TCP, "0.0.0.0", 1, "255.255.255.255", 1, 11, 2);
}

static void test_family(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "all-v4", SHUNT_LANE_FAST);
	rr_rule_dst(r, "0.0.0.0/0");
	compile();
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 11, 0);
	EXPECT(UDP, "2001:db8::1", 1, "2001:db8::2", 1, 11, NONE);
	/* an IPv6 address whose first bytes look like a v4 rule's prefix */
	EXPECT(UDP, "c612::1", 1, "c612:0100::2", 1, 11, NONE);
	EXPECT(UDP, "::ffff:198.18.1.2", 1, "::ffff:198.18.2.2", 1, 11, NONE);

	reset();
	r = rr_add_rule(cfg, "lab-v4", SHUNT_LANE_FAST);
	rr_rule_src(r, "198.18.0.0/16");
	r = rr_add_rule(cfg, "all-v6", SHUNT_LANE_DROP);
	rr_rule_src(r, "::/0");
	compile();
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 11, 0);
	EXPECT(UDP, "c612:0100::2", 1, "::1", 1, 11, 1);
	EXPECT(UDP, "198.19.1.2", 1, "198.18.2.2", 1, 11, NONE);
}

static void test_ingress(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "from-wan", SHUNT_LANE_FAST);
	r->ingress = 1; /* wan = 12 */
	r = rr_add_rule(cfg, "from-dmz", SHUNT_LANE_DROP);
	r->ingress = 2; /* dmz = 13, made unknown below */
	rr_add_rule(cfg, "rest", SHUNT_LANE_KERNEL);
	ifx[2] = 0;
	compile();

	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 12, 0);
	EXPECT(UDP, "2001:db8::1", 1, "2001:db8::2", 1, 12, 0);
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 11, 2);
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 13, 2);
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 99, 2);
	/* ifindex 0 (unknown interface) never equals an unknown binding */
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 1, 0, 2);

	/* only bound rules: other interfaces match nothing */
	reset();
	r = rr_add_rule(cfg, "lan-only", SHUNT_LANE_FAST);
	r->ingress = 0;
	compile();
	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1, 11, 0);
	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1, 12, NONE);
	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1, 0, NONE);
}

static void test_proto_sets(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "dns", SHUNT_LANE_FAST);
	rr_rule_proto(r, TCP);
	rr_rule_proto(r, UDP);
	rr_rule_dport(r, 53, 53);
	r = rr_add_rule(cfg, "icmps", SHUNT_LANE_KERNEL);
	rr_rule_proto(r, IPPROTO_ICMP);
	rr_rule_proto(r, IPPROTO_ICMPV6);
	r = rr_add_rule(cfg, "gre", SHUNT_LANE_DROP);
	rr_rule_proto(r, 47);
	r = rr_add_rule(cfg, "p255", SHUNT_LANE_DROP);
	rr_rule_proto(r, 255);
	r = rr_add_rule(cfg, "p0", SHUNT_LANE_DROP);
	rr_rule_proto(r, 0);
	compile();

	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 53, 11, 0);
	EXPECT(UDP, "2001:db8::1", 1, "2001:db8::2", 53, 11, 0);
	EXPECT(UDP, "198.18.1.2", 1, "198.18.2.2", 54, 11, NONE);
	EXPECT(IPPROTO_ICMP, "198.18.1.2", 0, "198.18.2.2", 0, 11, 1);
	EXPECT(IPPROTO_ICMPV6, "2001:db8::1", 0, "2001:db8::2", 0, 11, 1);
	EXPECT(47, "198.18.1.2", 0, "198.18.2.2", 0, 11, 2);
	EXPECT(46, "198.18.1.2", 0, "198.18.2.2", 0, 11, NONE);
	EXPECT(255, "198.18.1.2", 0, "198.18.2.2", 0, 11, 3);
	EXPECT(0, "2001:db8::1", 0, "2001:db8::2", 0, 11, 4);
	EXPECT(132, "2001:db8::1", 0, "2001:db8::2", 0, 11, NONE);
}

static void test_no_ports(void)
{
	struct cfg_rule *r;
	struct cls_key k;

	reset();
	r = rr_add_rule(cfg, "all-ports", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_dport(r, 0, 65535);
	r = rr_add_rule(cfg, "all-sports", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_sport(r, 0, 65535);
	r = rr_add_rule(cfg, "udp", SHUNT_LANE_KERNEL);
	rr_rule_proto(r, UDP);
	compile();

	rr_key(&k, UDP, "198.18.1.2", 0, "198.18.2.2", 0, 11);
	expect_at(&k, 0, __LINE__);
	/* a non-first fragment: the ports of the key are not there */
	k.has_ports = false;
	expect_at(&k, 2, __LINE__);
	k.sport = 53;
	k.dport = 53;
	expect_at(&k, 2, __LINE__);
}

static void test_rule_63(void)
{
	char name[16];
	struct cfg_rule *r;
	struct cls_key k;

	reset();
	for (unsigned i = 0; i < SHUNT_MAX_RULES - 1; i++) {
		snprintf(name, sizeof(name), "p%u", i);
		r = rr_add_rule(cfg, name, SHUNT_LANE_FAST);
		rr_rule_proto(r, TCP);
		rr_rule_dport(r, (uint16_t)(1000 + i), (uint16_t)(1000 + i));
	}
	r = rr_add_rule(cfg, "last", SHUNT_LANE_DROP);
	rr_rule_src(r, "198.18.0.0/15");
	CU_ASSERT_EQUAL(cfg->nrules, SHUNT_MAX_RULES);
	compile();

	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1000, 11, 0);
	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1062, 11, 62);
	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1063, 11, 63);
	EXPECT(UDP, "198.19.255.255", 1, "198.18.2.2", 1001, 11, 63);
	EXPECT(UDP, "198.20.0.0", 1, "198.18.2.2", 1001, 11, NONE);
	rr_key(&k, 47, "198.18.0.1", 0, "10.0.0.1", 0, 99);
	expect_at(&k, 63, __LINE__);
	CU_ASSERT_EQUAL(img->rule[63].lane, SHUNT_LANE_DROP);
	CU_ASSERT_STRING_EQUAL(img->rule[63].name, "last");
}

/* The lab config's rules, compiled: the example the demo shows. */
static void test_lab_rules(void)
{
	struct cfg_rule *r;

	reset();
	r = rr_add_rule(cfg, "udp-fast", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_dst(r, "198.18.2.0/24");
	rr_rule_dport(r, 7000, 7000);
	r = rr_add_rule(cfg, "v6-udp", SHUNT_LANE_FAST);
	rr_rule_proto(r, UDP);
	rr_rule_dst(r, "2001:db8:2::/64");
	rr_rule_dport(r, 7003, 7004);
	r = rr_add_rule(cfg, "icmp", SHUNT_LANE_KERNEL);
	rr_rule_proto(r, IPPROTO_ICMP);
	rr_rule_proto(r, IPPROTO_ICMPV6);
	compile();
	EXPECT(UDP, "198.18.1.2", 40000, "198.18.2.2", 7000, 11, 0);
	EXPECT(UDP, "198.18.1.2", 40000, "198.18.3.2", 7000, 11, NONE);
	EXPECT(UDP, "2001:db8:1::2", 40000, "2001:db8:2::2", 7004, 11, 1);
	EXPECT(UDP, "2001:db8:1::2", 40000, "2001:db8:2:1::2", 7004, 11, NONE);
	EXPECT(IPPROTO_ICMPV6, "2001:db8:1::2", 0, "2001:db8:2::2", 0, 11, 2);
}

/* ---- random rule sets against the reference ---- */

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

static void test_random_vs_reference(void)
{
	unsigned long iters = env_ulong("RULES_ITERS", 2000);
	unsigned long seed0 = env_ulong("RULES_SEED", 1);
	unsigned mismatches = 0, hits = 0, total = 0;
	unsigned long winner_sum = 0;

	for (unsigned long it = 0; it < iters && mismatches < 5; it++) {
		unsigned long seed = seed0 + it;
		struct rr_rng g;

		rr_seed(&g, seed);
		reset();
		rr_random_config(&g, cfg, 0);
		if (cls_compile(cfg, ifx, img)) {
			CU_FAIL("cls_compile failed on a valid rule set");
			fprintf(stderr, "\nseed %lu: cls_compile failed\n", seed);
			rr_print_config(stderr, cfg);
			mismatches++;
			continue;
		}
		for (unsigned i = 0; i < 50; i++) {
			struct cls_key k;
			unsigned ref, got;

			rr_random_key(&g, cfg, &k);
			ref = ref_match(cfg, ifx, &k);
			got = cls_image_match(img, &k);
			total++;
			if (ref != SHUNT_RULE_NONE) {
				hits++;
				winner_sum += ref;
			}
			if (ref == got)
				continue;
			mismatches++;
			fprintf(stderr, "\nseed %lu key %u: reference %u, compiled %u\n", seed, i,
				ref, got);
			rr_print_config(stderr, cfg);
			rr_print_key(stderr, &k);
			break;
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	/* the generator is only useful if keys hit rules, and not all of them */
	CU_ASSERT(hits > total / 5);
	CU_ASSERT(hits < total - total / 20);
	printf("\n    %u keys, %u matched a rule (mean winning index %.1f) ", total, hits,
	       hits ? (double)winner_sum / hits : 0.0);
}

/* ---- the prefix tables (multibit, leaf-pushed) ---- */

/* A key of family fam to daddr (src: an address no test prefix holds). */
static void key_to(struct cls_key *k, uint8_t fam, const uint8_t *daddr)
{
	memset(k, 0, sizeof(*k));
	k->family = fam;
	k->proto = IPPROTO_TCP;
	k->has_ports = true;
	k->sport = 1000;
	k->dport = 80;
	k->iif = 11;
	k->saddr[0] = fam == 6 ? 0x3f : 10;
	memcpy(k->daddr, daddr, fam == 6 ? 16 : 4);
}

/* a + delta (big-endian, bytes [0, n)), wrapping */
static void addr_add(uint8_t *a, unsigned n, int delta)
{
	for (int i = (int)n - 1; i >= 0 && delta; i--) {
		int v = a[i] + delta;

		a[i] = (uint8_t)v;
		delta = v < 0 ? -1 : v > 255 ? 1 : 0;
	}
}

/* The first and last address of p and the ones just outside. */
static void prefix_edges(const struct cfg_prefix *p, uint8_t out[4][16])
{
	unsigned n = p->family == 6 ? 16 : 4;

	memcpy(out[0], p->addr, 16);
	memcpy(out[1], p->addr, 16);
	for (unsigned bit = p->len; bit < 8 * n; bit++)
		out[1][bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
	memcpy(out[2], out[0], 16);
	addr_add(out[2], n, -1);
	memcpy(out[3], out[1], 16);
	addr_add(out[3], n, 1);
}

static const unsigned edge_lens4[] = { 0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32 };
static const unsigned edge_lens6[] = { 0, 1, 15, 16, 17, 24, 25, 48, 63, 64, 65, 119, 120, 121, 127, 128 };

/* One prefix at every length where a level starts or ends, alone, then
 * all of them nested along one address (longest first, each its own
 * rule): the first and last address of each and the ones just outside. */
static void test_prefix_strides(void)
{
	static const char *const base4 = "198.18.200.77", *const base6 = "2001:db8:1234:5678:9abc:def0:1357:9bdf";

	for (int fam = 4; fam <= 6; fam += 2) {
		const unsigned *lens = fam == 6 ? edge_lens6 : edge_lens4;
		unsigned nlens = fam == 6 ? ARRAY_SIZE(edge_lens6) : ARRAY_SIZE(edge_lens4);
		struct cfg_prefix base;

		rr_prefix(fam == 6 ? base6 : base4, &base);
		for (int nested = 0; nested < 2; nested++) {
			reset();
			for (unsigned i = 0; i < nlens; i++) {
				/* nested: longest first, so the longest holding prefix wins */
				unsigned len = lens[nested ? nlens - 1 - i : i];
				struct cfg_prefix p = base;
				struct cfg_rule *r;

				p.len = (uint8_t)len;
				for (unsigned bit = len; bit < 128; bit++)
					p.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
				if (!nested)
					reset();
				r = rr_add_rule(cfg, "edge", SHUNT_LANE_FAST);
				r->dst[r->ndst++] = p;
				rr_rule_families(r);
				if (nested && i + 1 < nlens)
					continue;
				compile();
				/* alone: the edges of this prefix; nested: of every one */
				for (unsigned j = nested ? 0 : i; j <= i; j++) {
					struct cfg_prefix q = base;
					uint8_t e[4][16];

					q.len = (uint8_t)lens[nested ? nlens - 1 - j : j];
					for (unsigned bit = q.len; bit < 128; bit++)
						q.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
					prefix_edges(&q, e);
					for (unsigned x = 0; x < 4; x++) {
						struct cls_key k;
						unsigned want;

						key_to(&k, (uint8_t)fam, e[x]);
						want = ref_match(cfg, ifx, &k);
						if (!nested)
							CU_ASSERT_EQUAL(want, x < 2 || q.len == 0 ? 0 : NONE);
						expect_at(&k, want, __LINE__);
					}
				}
			}
		}
	}
}

/* A v6 /128 on a path of its own from the first level: 14 chunks. */
static void deep_prefix(struct cfg_prefix *p, unsigned n)
{
	memset(p, 0, sizeof(*p));
	p->family = 6;
	p->len = 128;
	p->addr[0] = (uint8_t)(n >> 8);
	p->addr[1] = (uint8_t)n;
	for (unsigned i = 2; i < 16; i++)
		p->addr[i] = (uint8_t)(0x5a ^ i);
}

/* The worst case the config allows: every rule with SHUNT_MAX_PREFIXES
 * /128s in src and in dst, each on a path of its own, then
 * SHUNT_MAX_LOCAL_ADDRS local addresses likewise: the pools are full to
 * the last chunk, one more address fails cleanly, lookups stay right. */
static void test_pool_worst_case(void)
{
	unsigned n = 0;
	struct cls_addr a;

	reset();
	for (unsigned r = 0; r < SHUNT_MAX_RULES; r++) {
		struct cfg_rule *rule = rr_add_rule(cfg, "deep", SHUNT_LANE_FAST);

		for (unsigned i = 0; i < SHUNT_MAX_PREFIXES; i++) {
			deep_prefix(&rule->src[rule->nsrc++], n++);
			deep_prefix(&rule->dst[rule->ndst++], n++);
		}
		rr_rule_families(rule);
	}
	compile();
	CU_ASSERT_EQUAL(img->tab.nchunks,
			SHUNT_CLS_ROWS + 2 * SHUNT_MAX_RULES * SHUNT_MAX_PREFIXES * SHUNT_CLS_DEPTH6);
	CU_ASSERT_EQUAL(img->nsrc, SHUNT_MAX_RULES * SHUNT_MAX_PREFIXES);
	CU_ASSERT(img->tab.nleaves <= SHUNT_CLS_LEAVES);
	for (unsigned i = 0; i < SHUNT_MAX_LOCAL_ADDRS; i++) {
		struct cfg_prefix p;

		deep_prefix(&p, n++);
		a.family = 6;
		memcpy(a.addr, p.addr, 16);
		CU_ASSERT_EQUAL(cls_add_local(img, &a), 1);
	}
	CU_ASSERT_EQUAL(img->tab.nchunks, SHUNT_CLS_CHUNKS);
	CU_ASSERT_EQUAL(cls_add_local(img, &a), 0); /* marked already */
	a.addr[15] ^= 1;
	CU_ASSERT_EQUAL(cls_add_local(img, &a), -E2BIG); /* over the address limit */
	CU_ASSERT_EQUAL(img->tab.nchunks, SHUNT_CLS_CHUNKS);
	/* rule r's prefixes are numbers 16r..16r+15: src even, dst odd */
	for (unsigned r = 0; r < SHUNT_MAX_RULES; r += 9) {
		struct cfg_prefix s, d;
		struct cls_key k;

		deep_prefix(&s, 16 * r + 2);
		deep_prefix(&d, 16 * r + 15);
		key_to(&k, 6, d.addr);
		memcpy(k.saddr, s.addr, 16);
		expect_at(&k, r, __LINE__);
		k.daddr[15] ^= 1;
		expect_at(&k, NONE, __LINE__);
	}
}

/* The pool running out fails with -E2BIG, never writes past it. */
static void test_pool_full_fails_cleanly(void)
{
	struct cls_addr a = { .family = 6 };
	struct cfg_prefix p;

	reset();
	rr_add_rule(cfg, "all", SHUNT_LANE_FAST);
	compile();
	img->tab.nchunks = SHUNT_CLS_CHUNKS - 3; /* as if the rules had used the rest */
	deep_prefix(&p, 7);
	memcpy(a.addr, p.addr, 16);
	CU_ASSERT_EQUAL(cls_add_local(img, &a), -E2BIG);
	CU_ASSERT_EQUAL(img->tab.nchunks, SHUNT_CLS_CHUNKS);
}

/* The gateway's addresses: a flag on their own host entries and nowhere
 * else, the rules unchanged. */
static void test_locals(void)
{
	static const char *const locals[] = { "198.18.2.2", "198.18.2.255", "198.18.3.0", "10.0.0.1",
					      "2001:db8:2::2", "2001:db8:2:0:ffff:ffff:ffff:ffff",
					      "2001:db8:5::1" };
	static const char *const others[] = { "198.18.2.1", "198.18.2.3", "198.18.2.254", "198.18.3.1",
					      "10.0.0.0", "10.0.0.2", "2001:db8:2::1", "2001:db8:2::3",
					      "2001:db8:2:0:ffff:ffff:ffff:fffe", "2001:db8:2:1::",
					      "2001:db8:5::", "c612:202::" };
	struct cls_addr a = { .family = 5 };
	struct cfg_rule *r;
	struct rr_rng g;

	reset();
	r = rr_add_rule(cfg, "p24", SHUNT_LANE_FAST);
	rr_rule_dst(r, "198.18.2.0/24");
	rr_rule_dst(r, "2001:db8:2::/64");
	r = rr_add_rule(cfg, "h32", SHUNT_LANE_DROP);
	rr_rule_dst(r, "198.18.2.2/32");
	r = rr_add_rule(cfg, "src", SHUNT_LANE_KERNEL);
	rr_rule_src(r, "198.18.1.0/24");
	rr_add_rule(cfg, "all", SHUNT_LANE_KERNEL);
	compile();
	CU_ASSERT_EQUAL(cls_add_local(img, &a), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(locals); i++) {
		memset(&a, 0, sizeof(a));
		a.family = inet_pton(AF_INET, locals[i], a.addr) == 1 ? 4 : 6;
		if (a.family == 6)
			CU_ASSERT_FATAL(inet_pton(AF_INET6, locals[i], a.addr) == 1);
		CU_ASSERT_EQUAL(cls_add_local(img, &a), 1);
		CU_ASSERT_EQUAL(cls_add_local(img, &a), 0);
	}
	CU_ASSERT_EQUAL(img->tab.nlocal, ARRAY_SIZE(locals));
	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass ? others : locals;
		size_t n = pass ? ARRAY_SIZE(others) : ARRAY_SIZE(locals);

		for (size_t i = 0; i < n; i++) {
			uint8_t b[16] = { 0 };
			uint8_t fam = inet_pton(AF_INET, list[i], b) == 1 ? 4 : 6;
			uint32_t e;

			if (fam == 6)
				CU_ASSERT_FATAL(inet_pton(AF_INET6, list[i], b) == 1);
			e = cls_image_dst_entry(img, fam, b);
			CU_ASSERT_EQUAL(!!(e & SHUNT_CLS_LOCAL), !pass);
			CU_ASSERT_FALSE(e & SHUNT_CLS_CHILD);
			if (!!(e & SHUNT_CLS_LOCAL) != !pass)
				fprintf(stderr, "\n%s: local flag %d\n", list[i], !!(e & SHUNT_CLS_LOCAL));
		}
	}
	/* the rules see the same as without the marks */
	EXPECT(TCP, "198.18.1.2", 1, "198.18.2.2", 1, 11, 0);
	EXPECT(TCP, "10.1.1.1", 1, "198.18.2.255", 1, 11, 0);
	EXPECT(TCP, "198.18.1.2", 1, "198.18.3.0", 1, 11, 2);
	EXPECT(TCP, "10.1.1.1", 1, "10.0.0.1", 1, 11, 3);
	EXPECT(TCP, "2001:db8:9::1", 1, "2001:db8:2:0:ffff:ffff:ffff:ffff", 1, 11, 0);
	rr_seed(&g, 77);
	for (unsigned i = 0; i < 2000; i++) {
		struct cls_key k;

		rr_random_key(&g, cfg, &k);
		expect_at(&k, ref_match(cfg, ifx, &k), __LINE__);
	}
}

/* ---- rule-set analysis ---- */

static void test_lowest_rule(void)
{
	CU_ASSERT_EQUAL(cls_lowest_rule(0), SHUNT_RULE_NONE);
	CU_ASSERT_EQUAL(cls_lowest_rule(1), 0);
	CU_ASSERT_EQUAL(cls_lowest_rule(0xcull), 2);
	CU_ASSERT_EQUAL(cls_lowest_rule(1ull << 63), 63);
	CU_ASSERT_EQUAL(cls_lowest_rule(~0ull), 0);
	CU_ASSERT_EQUAL(cls_lowest_rule(0x8000000000000100ull), 8);
}

static void test_shadows_overlaps(void)
{
	struct cfg_rule a, b;

	/* identical: shadowed, overlapping */
	rr_rule_init(&a, "a", SHUNT_LANE_FAST);
	rr_rule_proto(&a, TCP);
	rr_rule_dport(&a, 80, 80);
	rr_rule_dst(&a, "198.18.2.0/24");
	b = a;
	snprintf(b.name, sizeof(b.name), "b");
	CU_ASSERT_TRUE(rule_shadows(&a, &b));
	CU_ASSERT_TRUE(rule_overlaps(&a, &b));

	/* disjoint ports */
	rr_rule_dport(&b, 443, 443);
	CU_ASSERT_FALSE(rule_shadows(&a, &b));
	CU_ASSERT_FALSE(rule_overlaps(&a, &b));
	CU_ASSERT_FALSE(rule_overlaps(&b, &a));
	/* adjacent ranges do not meet, one shared port does */
	rr_rule_dport(&a, 1, 80);
	rr_rule_dport(&b, 81, 90);
	CU_ASSERT_FALSE(rule_overlaps(&a, &b));
	rr_rule_dport(&b, 80, 90);
	CU_ASSERT_TRUE(rule_overlaps(&a, &b));
	CU_ASSERT_FALSE(rule_shadows(&a, &b));

	/* tcp vs udp */
	rr_rule_init(&a, "a", SHUNT_LANE_FAST);
	rr_rule_proto(&a, TCP);
	rr_rule_init(&b, "b", SHUNT_LANE_DROP);
	rr_rule_proto(&b, UDP);
	CU_ASSERT_FALSE(rule_overlaps(&a, &b));
	CU_ASSERT_FALSE(rule_shadows(&a, &b));
	rr_rule_proto(&a, UDP); /* {tcp, udp} covers udp */
	CU_ASSERT_TRUE(rule_shadows(&a, &b));
	CU_ASSERT_FALSE(rule_shadows(&b, &a));

	/* v4-only vs v6-only */
	rr_rule_init(&a, "a", SHUNT_LANE_FAST);
	rr_rule_dst(&a, "198.18.0.0/15");
	rr_rule_init(&b, "b", SHUNT_LANE_DROP);
	rr_rule_dst(&b, "2001:db8::/32");
	CU_ASSERT_FALSE(rule_overlaps(&a, &b));
	CU_ASSERT_FALSE(rule_shadows(&a, &b));
	CU_ASSERT_FALSE(rule_shadows(&b, &a));

	/* a wide prefix first shadows a narrow one, not the other way */
	rr_rule_init(&b, "b", SHUNT_LANE_DROP);
	rr_rule_dst(&b, "198.18.1.0/24");
	CU_ASSERT_TRUE(rule_shadows(&a, &b));
	CU_ASSERT_FALSE(rule_shadows(&b, &a));
	CU_ASSERT_TRUE(rule_overlaps(&a, &b));
	CU_ASSERT_TRUE(rule_overlaps(&b, &a));

	/* a rule bound to an interface does not shadow an unbound one */
	rr_rule_init(&a, "a", SHUNT_LANE_FAST);
	a.ingress = 0;
	rr_rule_init(&b, "b", SHUNT_LANE_DROP);
	CU_ASSERT_FALSE(rule_shadows(&a, &b));
	CU_ASSERT_TRUE(rule_shadows(&b, &a));
	b.ingress = 1;
	CU_ASSERT_FALSE(rule_overlaps(&a, &b));

	/* match-all shadows everything after it */
	rr_rule_init(&a, "a", SHUNT_LANE_KERNEL);
	rr_rule_init(&b, "b", SHUNT_LANE_DROP);
	rr_rule_proto(&b, 47);
	rr_rule_src(&b, "2001:db8::/32");
	CU_ASSERT_TRUE(rule_shadows(&a, &b));
	CU_ASSERT_TRUE(rule_overlaps(&a, &b));
}

/*
 * Soundness against the reference: when rule_shadows(a, b), no key matches
 * b without matching a; when !rule_overlaps(a, b), no key matches both.
 */
static void test_analysis_sound(void)
{
	unsigned bad = 0, shadows = 0, disjoint = 0;

	for (unsigned long seed = 1; seed <= 300 && bad < 5; seed++) {
		struct rr_rng g;

		rr_seed(&g, seed * 7919);
		reset();
		rr_random_config(&g, cfg, 16);
		for (unsigned i = 0; i < cfg->nrules; i++) {
			for (unsigned j = 0; j < cfg->nrules && bad < 5; j++) {
				const struct cfg_rule *a = &cfg->rule[i], *b = &cfg->rule[j];
				bool sh = rule_shadows(a, b), ov = rule_overlaps(a, b);

				shadows += sh;
				disjoint += !ov;
				if (!sh && ov)
					continue;
				for (unsigned n = 0; n < 200; n++) {
					struct cls_key k;
					bool ma, mb;

					rr_random_key(&g, cfg, &k);
					ma = ref_rule_matches(a, ifx, &k);
					mb = ref_rule_matches(b, ifx, &k);
					if ((sh && mb && !ma) || (!ov && ma && mb)) {
						bad++;
						fprintf(stderr,
							"\nseed %lu: rule_%s(%u, %u) is wrong "
							"for\n",
							seed * 7919, sh ? "shadows" : "overlaps", i,
							j);
						rr_print_rule(stderr, cfg, i);
						rr_print_rule(stderr, cfg, j);
						rr_print_key(stderr, &k);
						break;
					}
				}
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(shadows > 0);
	CU_ASSERT(disjoint > 0);
}

/* ---- the packet builder ---- */

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_pktbuild_ipv4_udp(void)
{
	struct pkt_spec s = {.proto = UDP, .sport = 40000, .dport = 7000, .payload_len = 18};
	uint8_t buf[256], pseudo[12];
	const struct iphdr *ip = (const void *)(buf + ETH_HLEN);
	const struct udphdr *uh = (const void *)(buf + ETH_HLEN + 20);
	struct cls_key k, want;
	size_t len;

	pkt_set_addrs(&s, "198.18.1.2", "198.18.2.2");
	len = pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_EQUAL(len, ETH_HLEN + 20 + 8 + 18);
	CU_ASSERT_EQUAL(buf[12], 0x08);
	CU_ASSERT_EQUAL(buf[13], 0x00);
	CU_ASSERT_EQUAL(ip->version, 4);
	CU_ASSERT_EQUAL(ip->ihl, 5);
	CU_ASSERT_EQUAL(ntohs(ip->tot_len), 20 + 8 + 18);
	CU_ASSERT_EQUAL(ip->ttl, 64);
	CU_ASSERT_EQUAL(sum16((const uint8_t *)ip, 20, 0), 0xffff);
	CU_ASSERT_EQUAL(ntohs(uh->uh_dport), 7000);
	CU_ASSERT_EQUAL(ntohs(uh->uh_ulen), 8 + 18);
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = UDP;
	pseudo[10] = 0;
	pseudo[11] = 8 + 18;
	CU_ASSERT_EQUAL(sum16((const uint8_t *)uh, 8 + 18, sum16(pseudo, 12, 0)), 0xffff);

	pkt_spec_to_key(&s, 11, &k);
	rr_key(&want, UDP, "198.18.1.2", 40000, "198.18.2.2", 7000, 11);
	CU_ASSERT_EQUAL(memcmp(&k, &want, sizeof(k)), 0);

	/* too small a buffer, truncation */
	CU_ASSERT_EQUAL(pkt_build(&s, buf, 20), 0);
	s.truncate_to = 30;
	CU_ASSERT_EQUAL(pkt_build(&s, buf, sizeof(buf)), 30);
	CU_ASSERT_EQUAL(ntohs(ip->tot_len), 20 + 8 + 18); /* the whole frame's */
}

static void test_pktbuild_vlan_options_frag(void)
{
	struct pkt_spec s = {
		.nvlan = 2,
		.vlan = {{.tpid = ETH_P_8021AD, .vid = 100}, {.vid = 200}},
		.proto = TCP,
		.sport = 1,
		.dport = 2,
		.ip_opt = {1, 1, 1},
		.ip_opt_len = 3, /* NOPs, padded to 4 */
		.frag_off = 100,
		.frag_more = true,
		.ttl = 1,
		.set = PKT_SET_TTL,
	};
	uint8_t buf[256];
	const struct iphdr *ip = (const void *)(buf + ETH_HLEN + 8);
	struct cls_key k;
	size_t len;

	pkt_set_addrs(&s, "198.18.1.2", "198.18.2.2");
	len = pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_EQUAL(len, ETH_HLEN + 8 + 24 + 20);
	CU_ASSERT_EQUAL(buf[12] << 8 | buf[13], ETH_P_8021AD);
	CU_ASSERT_EQUAL((buf[14] << 8 | buf[15]) & 0xfff, 100);
	CU_ASSERT_EQUAL(buf[16] << 8 | buf[17], ETH_P_8021Q);
	CU_ASSERT_EQUAL((buf[18] << 8 | buf[19]) & 0xfff, 200);
	CU_ASSERT_EQUAL(buf[20] << 8 | buf[21], ETH_P_IP);
	CU_ASSERT_EQUAL(ip->ihl, 6);
	CU_ASSERT_EQUAL(ip->ttl, 1);
	CU_ASSERT_EQUAL(ntohs(ip->frag_off), 100 | IP_MF);
	CU_ASSERT_EQUAL(sum16((const uint8_t *)ip, 24, 0), 0xffff);
	pkt_spec_to_key(&s, 12, &k);
	CU_ASSERT_FALSE(k.has_ports); /* non-first fragment */
	s.frag_off = 0;
	pkt_spec_to_key(&s, 12, &k);
	CU_ASSERT_TRUE(k.has_ports); /* first fragment: ports are there */

	/* ihl < 5 is written as given */
	s.ihl = 3;
	s.set |= PKT_SET_IHL;
	CU_ASSERT(pkt_build(&s, buf, sizeof(buf)) > 0);
	CU_ASSERT_EQUAL(ip->ihl, 3);
	/* three tags is a valid spec (to test the parser's bound), four is not */
	s.nvlan = 3;
	CU_ASSERT_EQUAL(pkt_build(&s, buf, sizeof(buf)), ETH_HLEN + 12 + 24 + 20);
	s.nvlan = 4;
	CU_ASSERT_EQUAL(pkt_build(&s, buf, sizeof(buf)), 0);
}

static void test_pktbuild_ipv6_ext(void)
{
	struct pkt_spec s = {
		.proto = UDP,
		.sport = 5,
		.dport = 7003,
		.payload_len = 4,
		.next = 3,
		.ext = {{.type = IPPROTO_HOPOPTS},
			{.type = IPPROTO_DSTOPTS, .len = 24},
			{.type = IPPROTO_FRAGMENT, .frag_off = 0, .frag_more = true}},
	};
	uint8_t buf[256];
	const struct ip6_hdr *ip6 = (const void *)(buf + ETH_HLEN);
	const uint8_t *x = buf + ETH_HLEN + 40;
	struct cls_key k;
	size_t len;

	pkt_set_addrs(&s, "2001:db8:1::2", "2001:db8:2::2");
	len = pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_EQUAL(len, ETH_HLEN + 40 + 8 + 24 + 8 + 8 + 4);
	CU_ASSERT_EQUAL(buf[12] << 8 | buf[13], ETH_P_IPV6);
	CU_ASSERT_EQUAL(ntohl(ip6->ip6_flow) >> 28, 6);
	CU_ASSERT_EQUAL(ntohs(ip6->ip6_plen), 8 + 24 + 8 + 8 + 4);
	CU_ASSERT_EQUAL(ip6->ip6_nxt, IPPROTO_HOPOPTS);
	CU_ASSERT_EQUAL(x[0], IPPROTO_DSTOPTS);
	CU_ASSERT_EQUAL(x[1], 0);
	CU_ASSERT_EQUAL(x[8], IPPROTO_FRAGMENT);
	CU_ASSERT_EQUAL(x[9], 2);
	CU_ASSERT_EQUAL(x[32], UDP);
	CU_ASSERT_EQUAL(x[40] << 8 | x[41], 5);
	pkt_spec_to_key(&s, 13, &k);
	CU_ASSERT_TRUE(k.has_ports);
	CU_ASSERT_EQUAL(k.family, 6);
	CU_ASSERT_EQUAL(k.dport, 7003);
	s.ext[2].frag_off = 1;
	pkt_spec_to_key(&s, 13, &k);
	CU_ASSERT_FALSE(k.has_ports);

	/* AH is counted in 4-byte units */
	s.next = 1;
	s.ext[0] = (struct pkt_ext){.type = IPPROTO_AH, .len = 24};
	CU_ASSERT_EQUAL(pkt_build(&s, buf, sizeof(buf)), ETH_HLEN + 40 + 24 + 8 + 4);
	CU_ASSERT_EQUAL(x[1], 24 / 4 - 2);
	s.ext[0].len = 13; /* not a multiple of 4 */
	CU_ASSERT_EQUAL(pkt_build(&s, buf, sizeof(buf)), 0);

	/* non-IP: ARP */
	s = (struct pkt_spec){.ethertype = ETH_P_ARP};
	pkt_set_addrs(&s, "198.18.1.2", "198.18.1.1");
	CU_ASSERT_EQUAL(pkt_build(&s, buf, sizeof(buf)), ETH_HLEN + 28);
	CU_ASSERT_EQUAL(buf[12] << 8 | buf[13], ETH_P_ARP);
}

#define TEST(fn)                                                                                   \
	{                                                                                          \
#fn, fn                                                                            \
	}

int main(void)
{
	static CU_TestInfo hand[] = {
		TEST(test_empty),
		TEST(test_first_match),
		TEST(test_port_edges),
		TEST(test_prefix_wide_first),
		TEST(test_prefix_narrow_first),
		TEST(test_prefix_lists_and_both_fields),
		TEST(test_family),
		TEST(test_ingress),
		TEST(test_proto_sets),
		TEST(test_no_ports),
		TEST(test_rule_63),
		TEST(test_lab_rules),
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo tables[] = {
		TEST(test_prefix_strides),
		TEST(test_pool_worst_case),
		TEST(test_pool_full_fails_cleanly),
		TEST(test_locals),
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo rnd[] = {
		TEST(test_random_vs_reference),
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo analysis[] = {
		TEST(test_lowest_rule),
		TEST(test_shadows_overlaps),
		TEST(test_analysis_sound),
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo pktbuild[] = {
		TEST(test_pktbuild_ipv4_udp),
		TEST(test_pktbuild_vlan_options_frag),
		TEST(test_pktbuild_ipv6_ext),
		CU_TEST_INFO_NULL,
	};
	static CU_SuiteInfo suites[] = {
		{"classifier: hand-written", suite_init, suite_cleanup, NULL, NULL, hand},
		{"classifier: prefix tables", suite_init, suite_cleanup, NULL, NULL, tables},
		{"classifier: random vs reference", suite_init, suite_cleanup, NULL, NULL, rnd},
		{"rule-set analysis", suite_init, suite_cleanup, NULL, NULL, analysis},
		{"packet builder", NULL, NULL, NULL, NULL, pktbuild},
		CU_SUITE_INFO_NULL,
	};
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
