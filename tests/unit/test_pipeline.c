// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_pipeline.c — the fast lane's per-frame work (dataplane/pipeline.h) on
 * frames from the test builder: what it accepts and refuses, by reason, and
 * that the rewrite leaves a frame the kernel would accept: MACs set, TTL or
 * hop limit one lower, the IPv4 header checksum equal to a full recompute
 * for every TTL and thousands of random headers.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "pipeline.h"
#include "pktbuild.h"

static const uint8_t dmac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t smac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* The IPv4 header checksum from scratch (RFC 791), over ihl words. */
static uint16_t ip_csum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < (ip[0] & 0xfu) * 4; i += 2)
		if (i != 10)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t build(struct pkt_spec *s, const char *src, const char *dst, uint8_t *buf)
{
	size_t len;

	pkt_set_addrs(s, src, dst);
	len = pkt_build(s, buf, PKT_MAX_FRAME);
	CU_ASSERT_FATAL(len > 0);
	return len;
}

static void test_parse_ok(void)
{
	uint8_t buf[PKT_MAX_FRAME];
	struct pkt_spec s = { .proto = IPPROTO_UDP, .sport = 1, .dport = 7000, .payload_len = 100 };
	struct fwd_pkt p = { 0 };
	size_t len = build(&s, "198.18.1.2", "198.18.2.2", buf);

	CU_ASSERT_EQUAL(fwd_parse(buf, (uint32_t)len, &p), SHUNT_FAST_OK);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(p.l3_len, 20 + 8 + 100);
	CU_ASSERT_EQUAL(p.dst4, 0xc6120202u);
	CU_ASSERT_EQUAL(memcmp(p.dst, buf + 14 + 16, 4), 0);

	memset(&s, 0, sizeof(s));
	s.proto = IPPROTO_TCP;
	s.dport = 5201;
	len = build(&s, "2001:db8:1::2", "2001:db8:2::2", buf);
	CU_ASSERT_EQUAL(fwd_parse(buf, (uint32_t)len, &p), SHUNT_FAST_OK);
	CU_ASSERT_EQUAL(p.family, 6);
	CU_ASSERT_EQUAL(p.l3_len, 40 + 20);
	CU_ASSERT_EQUAL(memcmp(p.dst, buf + 14 + 24, 16), 0);
	/* padding after the datagram (short frames) is allowed */
	CU_ASSERT_EQUAL(fwd_parse(buf, (uint32_t)len + 6, &p), SHUNT_FAST_OK);
}

struct refusal {
	const char *name;
	struct pkt_spec spec;
	const char *src, *dst;
	int why;
};

static void test_parse_refused(void)
{
	static const struct refusal cases[] = {
		{ "arp", { .ethertype = 0x0806 }, "198.18.1.2", "198.18.1.1", SHUNT_FAST_MALFORMED },
		{ "one vlan", { .proto = IPPROTO_UDP, .nvlan = 1, .vlan = { { 0x8100, 5 } } }, "198.18.1.2",
		  "198.18.2.2", SHUNT_FAST_UNSUPPORTED },
		{ "ttl 1", { .proto = IPPROTO_UDP, .ttl = 1, .set = PKT_SET_TTL }, "198.18.1.2", "198.18.2.2",
		  SHUNT_FAST_UNSUPPORTED },
		{ "ttl 0", { .proto = IPPROTO_UDP, .ttl = 0, .set = PKT_SET_TTL }, "198.18.1.2", "198.18.2.2",
		  SHUNT_FAST_UNSUPPORTED },
		{ "hop limit 1", { .proto = IPPROTO_UDP, .ttl = 1, .set = PKT_SET_TTL }, "2001:db8:1::2",
		  "2001:db8:2::2", SHUNT_FAST_UNSUPPORTED },
		{ "ipv4 options", { .proto = IPPROTO_UDP, .ip_opt = { 1, 1, 1, 1 }, .ip_opt_len = 4 },
		  "198.18.1.2", "198.18.2.2", SHUNT_FAST_UNSUPPORTED },
		{ "first fragment", { .proto = IPPROTO_UDP, .frag_more = true }, "198.18.1.2", "198.18.2.2",
		  SHUNT_FAST_UNSUPPORTED },
		{ "later fragment", { .proto = IPPROTO_UDP, .frag_off = 8 }, "198.18.1.2", "198.18.2.2",
		  SHUNT_FAST_UNSUPPORTED },
		{ "ihl 4", { .proto = IPPROTO_UDP, .ihl = 4, .set = PKT_SET_IHL }, "198.18.1.2", "198.18.2.2",
		  SHUNT_FAST_MALFORMED },
		{ "version 5", { .proto = IPPROTO_UDP, .version = 5, .set = PKT_SET_VERSION }, "198.18.1.2",
		  "198.18.2.2", SHUNT_FAST_MALFORMED },
		{ "ipv4 total length past the frame", { .proto = IPPROTO_UDP, .ip_len = 1400, .set = PKT_SET_IP_LEN },
		  "198.18.1.2", "198.18.2.2", SHUNT_FAST_MALFORMED },
		{ "ipv4 total length < header", { .proto = IPPROTO_UDP, .ip_len = 19, .set = PKT_SET_IP_LEN },
		  "198.18.1.2", "198.18.2.2", SHUNT_FAST_MALFORMED },
		{ "ipv6 payload length past the frame", { .proto = IPPROTO_UDP, .ip_len = 1400, .set = PKT_SET_IP_LEN },
		  "2001:db8:1::2", "2001:db8:2::2", SHUNT_FAST_MALFORMED },
		{ "ipv4 cut in its header", { .proto = IPPROTO_UDP, .truncate_to = 14 + 19 }, "198.18.1.2",
		  "198.18.2.2", SHUNT_FAST_MALFORMED },
		{ "ipv6 cut in its header", { .proto = IPPROTO_UDP, .truncate_to = 14 + 39 }, "2001:db8:1::2",
		  "2001:db8:2::2", SHUNT_FAST_MALFORMED },
		{ "ethernet cut", { .proto = IPPROTO_UDP, .truncate_to = 13 }, "198.18.1.2", "198.18.2.2",
		  SHUNT_FAST_MALFORMED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt_spec s = cases[i].spec;
		uint8_t buf[PKT_MAX_FRAME];
		struct fwd_pkt p = { 0 };
		size_t len = build(&s, cases[i].src, cases[i].dst, buf);
		int got = fwd_parse(buf, (uint32_t)len, &p);

		if (got != cases[i].why)
			fprintf(stderr, "\n  %s: reason %d, want %d\n", cases[i].name, got, cases[i].why);
		CU_ASSERT_EQUAL(got, cases[i].why);
	}
}

static void test_rewrite_v4_every_ttl(void)
{
	for (unsigned ttl = 2; ttl <= 255; ttl++) {
		struct pkt_spec s = { .proto = IPPROTO_TCP, .dport = 80, .ttl = (uint8_t)ttl, .set = PKT_SET_TTL };
		uint8_t buf[PKT_MAX_FRAME];
		struct fwd_pkt p = { 0 };
		size_t len = build(&s, "198.18.1.2", "198.18.2.2", buf);

		CU_ASSERT_EQUAL_FATAL(fwd_parse(buf, (uint32_t)len, &p), SHUNT_FAST_OK);
		fwd_rewrite(buf, &p, dmac, smac);
		CU_ASSERT_EQUAL(buf[14 + 8], ttl - 1);
		CU_ASSERT_EQUAL(fwd_be16(buf + 14 + 10), ip_csum(buf + 14));
		CU_ASSERT_EQUAL(memcmp(buf, dmac, 6), 0);
		CU_ASSERT_EQUAL(memcmp(buf + 6, smac, 6), 0);
	}
}

/* Random addresses, ids, lengths and TTLs: the checksum patterns where a
 * one's-complement update goes wrong (0x0000/0xffff, carries) come up. */
static void test_rewrite_v4_random(void)
{
	unsigned bad = 0;

	srandom(42);
	for (unsigned n = 0; n < 200000; n++) {
		uint8_t buf[128];
		uint8_t *ip = buf + 14;
		struct fwd_pkt p = { 0 };
		uint16_t want;

		memset(buf, 0, sizeof(buf));
		buf[12] = 0x08;
		ip[0] = 0x45;
		ip[2] = 0;
		ip[3] = 20 + (uint8_t)(random() % 80);
		for (unsigned i = 4; i < 20; i++)
			ip[i] = (uint8_t)random();
		ip[6] &= 0x40; /* DF or nothing: not a fragment */
		ip[7] = 0;
		ip[8] = (uint8_t)(2 + random() % 254);
		ip[10] = ip[11] = 0;
		want = ip_csum(ip);
		ip[10] = (uint8_t)(want >> 8);
		ip[11] = (uint8_t)want;
		if (fwd_parse(buf, sizeof(buf), &p) != SHUNT_FAST_OK) {
			bad++;
			continue;
		}
		fwd_rewrite(buf, &p, dmac, smac);
		bad += fwd_be16(ip + 10) != ip_csum(ip);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_rewrite_v6(void)
{
	struct pkt_spec s = { .proto = IPPROTO_UDP, .dport = 7003, .ttl = 64, .set = PKT_SET_TTL,
			      .payload_len = 32 };
	uint8_t buf[PKT_MAX_FRAME], before[PKT_MAX_FRAME];
	struct fwd_pkt p = { 0 };
	size_t len = build(&s, "2001:db8:1::2", "2001:db8:2::2", buf);

	memcpy(before, buf, len);
	CU_ASSERT_EQUAL_FATAL(fwd_parse(buf, (uint32_t)len, &p), SHUNT_FAST_OK);
	fwd_rewrite(buf, &p, dmac, smac);
	CU_ASSERT_EQUAL(buf[14 + 7], 63);
	CU_ASSERT_EQUAL(memcmp(buf, dmac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 6, smac, 6), 0);
	/* nothing else moved (IPv6 has no header checksum; UDP's does not
	 * cover the hop limit) */
	before[14 + 7] = 63;
	CU_ASSERT_EQUAL(memcmp(buf + 12, before + 12, len - 12), 0);
}

int main(void)
{
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("fast lane pipeline", NULL, NULL);
	CU_add_test(s, "well-formed IPv4 and IPv6 are accepted", test_parse_ok);
	CU_add_test(s, "what the forwarder refuses, by reason", test_parse_refused);
	CU_add_test(s, "IPv4 rewrite: every TTL, checksum = full recompute", test_rewrite_v4_every_ttl);
	CU_add_test(s, "IPv4 rewrite: 200000 random headers", test_rewrite_v4_random);
	CU_add_test(s, "IPv6 rewrite: hop limit and MACs only", test_rewrite_v6);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
