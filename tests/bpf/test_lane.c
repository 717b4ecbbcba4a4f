// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_lane.c — the kernel-lane tc program under BPF_PROG_TEST_RUN.
 *
 * 1. Table-driven fixtures {name, frame, direction, ingress ifindex,
 *    expected verdict, expected rule or reason} against the lab's rules.
 * 2. Random rule sets and packets: the BPF classifier, the compiler's C
 *    image lookup and the reference matcher must name the same rule for
 *    every packet.
 * Needs root (BPF): exits 77 (skip) when the program cannot be loaded.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "lane.skel.h"
#include "mapfill.h"
#include "bpfutil.h"
#include "pktbuild.h"
#include "randrules.h"
#include "refmatch.h"
#include "rules.h"

#define SKIP 77

/* ---- harness ---- */

struct lane_bpf_h {
	struct lane_bpf *skel;
	int rstats, reasons;
	int ncpu;
};

/* Writes cfg's rules into a loaded object, replacing an earlier rule set:
 * the interface hash is emptied first, the arrays are rewritten (the prefix
 * tables' level-1 rows whole, so no chunk or leaf of the earlier set stays
 * reachable; rule slots past nrules keep old names, but no bitmap names
 * them). */
static int harness_fill(struct lane_bpf_h *h, const struct shunt_config *cfg, const uint32_t *ifindex)
{
	struct cls_image *img = malloc(sizeof(*img));
	int err;

	if (!img)
		return -ENOMEM;
	err = clear_map(bpf_map__fd(h->skel->maps.cls_iif), sizeof(__u32));
	err = err ?: cls_compile(cfg, ifindex, img);
	err = err ?: maps_write_image(h->skel->obj, img);
	free(img);
	return err;
}

/* Loads the lane object, unpinned (tests never touch bpffs), and fills it
 * with cfg's rules. */
static int harness_load(struct lane_bpf_h *h, const struct shunt_config *cfg, const uint32_t *ifindex)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->skel = lane_bpf__open();
	if (!h->skel)
		return -errno;
	maps_unpin_all(h->skel->obj);
	err = lane_bpf__load(h->skel);
	if (!err) {
		h->rstats = bpf_map__fd(h->skel->maps.lane_rstats);
		h->reasons = bpf_map__fd(h->skel->maps.lane_reasons);
		h->ncpu = libbpf_num_possible_cpus();
		err = harness_fill(h, cfg, ifindex);
	}
	if (err) {
		lane_bpf__destroy(h->skel);
		h->skel = NULL;
	}
	return err;
}

static void harness_free(struct lane_bpf_h *h)
{
	if (h->skel)
		lane_bpf__destroy(h->skel);
	h->skel = NULL;
}

/* Packets counted per rule slot (dir) and per reason (dir), all at once. */
struct counts {
	unsigned long long rule[SHUNT_RULE_SLOTS];
	unsigned long long reason[SHUNT_REASON_MAX];
};

/* Sums the per-CPU packet counts of keys [first, first + n) of a counter
 * map with one batch lookup of the whole map. */
static void sum_counters(const struct lane_bpf_h *h, int fd, __u32 nkeys, __u32 first, __u32 n,
			 unsigned long long *out)
{
	static struct shunt_counter vals[SHUNT_DIR_MAX * SHUNT_RULE_SLOTS * 64];
	static __u32 keys[SHUNT_DIR_MAX * SHUNT_RULE_SLOTS];
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 count = nkeys, batch;

	memset(out, 0xff, n * sizeof(*out)); /* ~0: unread, fails any check */
	if (h->ncpu > 64 || nkeys > SHUNT_DIR_MAX * SHUNT_RULE_SLOTS ||
	    (bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, &bo) && errno != ENOENT) ||
	    count != nkeys)
		return;
	for (__u32 i = 0; i < n; i++) {
		out[i] = 0;
		for (int c = 0; c < h->ncpu; c++)
			out[i] += vals[(first + i) * (__u32)h->ncpu + (__u32)c].packets;
	}
}

static void read_counts(const struct lane_bpf_h *h, __u32 dir, struct counts *c)
{
	sum_counters(h, h->rstats, SHUNT_DIR_MAX * SHUNT_RULE_SLOTS, SHUNT_RULE_STAT_KEY(dir, 0),
		     SHUNT_RULE_SLOTS, c->rule);
	sum_counters(h, h->reasons, SHUNT_DIR_MAX * SHUNT_REASON_MAX, SHUNT_REASON_STAT_KEY(dir, 0),
		     SHUNT_REASON_MAX, c->reason);
}

/* What one run did: the one slot that moved, or -1 if none or several. */
struct outcome {
	int retval;
	int rule;   /* rule slot counted, -1 none */
	int reason; /* reason counted (besides rule_drop), -1 none */
	bool drop_reason;
	bool several;
};

static int run_pkt(const struct lane_bpf_h *h, bool egress, const uint8_t *pkt, size_t len,
		   uint32_t iif, struct outcome *o)
{
	struct __sk_buff ctx = { .ingress_ifindex = iif };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u32 dir = egress ? SHUNT_DIR_EGRESS : SHUNT_DIR_INGRESS;
	int prog = bpf_program__fd(egress ? h->skel->progs.shunt_lane_eg : h->skel->progs.shunt_lane_in);
	struct counts before, after;
	int err;

	read_counts(h, dir, &before);
	err = bpf_prog_test_run_opts(prog, &opts);
	if (err)
		return -errno;
	read_counts(h, dir, &after);
	*o = (struct outcome){ .retval = (int)opts.retval, .rule = -1, .reason = -1 };
	for (int r = 0; r < SHUNT_RULE_SLOTS; r++) {
		unsigned long long d = after.rule[r] - before.rule[r];

		if (d && (o->rule >= 0 || d != 1))
			o->several = true;
		if (d)
			o->rule = r;
	}
	for (int r = 1; r < SHUNT_REASON_MAX; r++) {
		unsigned long long d = after.reason[r] - before.reason[r];

		if (r == SHUNT_REASON_RULE_DROP) {
			o->drop_reason = d == 1;
			continue;
		}
		if (d && (o->reason >= 0 || d != 1))
			o->several = true;
		if (d)
			o->reason = r;
	}
	if (o->rule >= 0 && o->reason >= 0)
		o->several = true;
	return 0;
}

/* ---- fixtures ---- */

static const char lab_rules[] =
	"version = 1;\n"
	"mode = \"kernel\";\n"
	"interfaces = ( { name = \"lan\"; ifname = \"lan0\"; }, { name = \"wan\"; ifname = \"wan0\"; } );\n"
	"rules = (\n"
	"  { name = \"udp-fast\"; proto = \"udp\"; dst = \"198.18.2.0/24\"; dport = 7000; lane = \"fast\"; },\n"
	"  { name = \"udp-block\"; proto = \"udp\"; dport = 7001; lane = \"drop\"; },\n"
	"  { name = \"range\"; proto = \"tcp\"; dport = \"8000-8099\"; lane = \"fast\"; },\n"
	"  { name = \"v6-udp\"; proto = \"udp\"; dst = \"2001:db8:2::/64\"; dport = \"7003-7004\"; lane = \"fast\"; },\n"
	"  { name = \"from-lan\"; proto = \"tcp\"; ingress = \"lan\"; dport = 22; lane = \"kernel\"; },\n"
	"  { name = \"icmp\"; proto = [\"icmp\", \"icmpv6\"]; lane = \"kernel\"; },\n"
	"  { name = \"gre\"; proto = \"gre\"; lane = \"kernel\"; }\n"
	");\n";

enum { R_UDP_FAST, R_UDP_BLOCK, R_RANGE, R_V6_UDP, R_FROM_LAN, R_ICMP, R_GRE };
#define NONE SHUNT_RULE_NONE
#define LAN 21
#define WAN 22
static const uint32_t lab_ifindex[2] = { LAN, WAN };

struct fixture {
	const char *name;
	struct pkt_spec spec;
	const char *src, *dst;
	bool egress;
	uint32_t iif;
	int verdict;  /* TC_ACT_UNSPEC or TC_ACT_SHOT */
	int rule;     /* expected rule slot, -1: not classified */
	int reason;   /* expected reason when not classified */
	/* BPF_PROG_TEST_RUN for skb programs refuses (EINVAL) frames whose IP
	 * header is cut short (kernel 6.18): such cases run on XDP only */
	bool skb_refused;
};

#define V4 "198.18.1.2", "198.18.2.2"
#define V6 "2001:db8:1::2", "2001:db8:2::2"
#define UDP(dp) .proto = IPPROTO_UDP, .sport = 40000, .dport = (dp)
#define TCP(dp) .proto = IPPROTO_TCP, .sport = 40000, .dport = (dp)
#define OK(r) .verdict = TC_ACT_UNSPEC, .rule = (r), .reason = -1
#define NOTCLS(why) .verdict = TC_ACT_UNSPEC, .rule = -1, .reason = SHUNT_REASON_##why
#define EXT(t) { .type = (t) }

static const struct fixture fixtures[] = {
	{ "v4 udp rule", { UDP(7000), .payload_len = 64 }, V4, false, LAN, OK(R_UDP_FAST) },
	{ "v4 udp other dst misses", { UDP(7000) }, "198.18.2.2", "198.18.3.9", false, LAN, OK(NONE) },
	{ "v4 udp drop on ingress", { UDP(7001) }, V4, false, LAN,
	  .verdict = TC_ACT_SHOT, .rule = R_UDP_BLOCK, .reason = -1 },
	{ "v4 udp drop rule only counts on egress", { UDP(7001) }, V4, true, LAN, OK(R_UDP_BLOCK) },
	{ "tcp range low edge", { TCP(8000) }, V4, false, LAN, OK(R_RANGE) },
	{ "tcp range high edge", { TCP(8099) }, V4, false, LAN, OK(R_RANGE) },
	{ "tcp below range", { TCP(7999) }, V4, false, LAN, OK(NONE) },
	{ "tcp above range", { TCP(8100) }, V4, false, LAN, OK(NONE) },
	{ "v6 udp range", { UDP(7004) }, V6, false, WAN, OK(R_V6_UDP) },
	{ "v6 udp past range", { UDP(7005) }, V6, false, WAN, OK(NONE) },
	{ "v4 never matches v6 rule", { UDP(7003) }, "198.18.1.2", "198.18.2.2", false, LAN, OK(NONE) },
	{ "ingress-bound rule on its interface", { TCP(22) }, V4, false, LAN, OK(R_FROM_LAN) },
	{ "ingress-bound rule elsewhere", { TCP(22) }, V4, false, WAN, OK(NONE) },
	{ "ingress-bound rule, unknown interface", { TCP(22) }, V4, false, 99, OK(NONE) },
	{ "egress keeps the ingress interface", { TCP(22) }, V4, true, LAN, OK(R_FROM_LAN) },
	{ "local traffic (iif 0) on egress", { TCP(22) }, V4, true, 0, OK(NONE) },
	{ "icmp", { .proto = IPPROTO_ICMP, .icmp_type = 8 }, V4, false, LAN, OK(R_ICMP) },
	{ "icmpv6", { .proto = IPPROTO_ICMPV6, .icmp_type = 128 }, V6, false, LAN, OK(R_ICMP) },
	{ "gre (no ports)", { .proto = 47, .raw_len = 4 }, V4, false, LAN, OK(R_GRE) },
	{ "one vlan", { UDP(7000), .nvlan = 1, .vlan = { { 0x8100, 10 } } }, V4, false, LAN, OK(R_UDP_FAST) },
	{ "two vlans (QinQ)", { UDP(7000), .nvlan = 2, .vlan = { { 0x88a8, 10 }, { 0x8100, 20 } } }, V4,
	  false, LAN, OK(R_UDP_FAST) },
	{ "three vlans", { UDP(7000), .nvlan = 3 }, V4, false, LAN, NOTCLS(VLAN_TOO_DEEP) },
	{ "arp", { .ethertype = ETH_P_ARP }, V4, false, LAN, NOTCLS(NON_IP) },
	{ "lldp", { .ethertype = 0x88cc, .payload_len = 40 }, V4, false, LAN, NOTCLS(NON_IP) },
	{ "truncated vlan", { UDP(7000), .nvlan = 1, .truncate_to = 16 }, V4, false, LAN, NOTCLS(TRUNC_ETH) },
	{ "truncated ipv4", { UDP(7000), .truncate_to = 14 + 19 }, V4, false, LAN, NOTCLS(TRUNC_IPV4),
	  .skb_refused = true },
	{ "ipv4 ihl 4", { UDP(7000), .ihl = 4, .set = PKT_SET_IHL }, V4, false, LAN, NOTCLS(IPV4_BAD_IHL) },
	{ "ipv4 ihl 0", { UDP(7000), .ihl = 0, .set = PKT_SET_IHL }, V4, false, LAN, NOTCLS(IPV4_BAD_IHL) },
	{ "ipv4 ihl past the frame", { UDP(7000), .ihl = 15, .set = PKT_SET_IHL, .truncate_to = 14 + 24 },
	  V4, false, LAN, NOTCLS(TRUNC_IPV4) },
	{ "ipv4 version 6 in a v4 frame", { UDP(7000), .version = 6, .set = PKT_SET_VERSION }, V4, false,
	  LAN, NOTCLS(IPV4_BAD_IHL) },
	{ "ipv4 total length < header", { UDP(7000), .ip_len = 10, .set = PKT_SET_IP_LEN }, V4, false,
	  LAN, NOTCLS(IPV4_BAD_LEN) },
	{ "ipv4 options", { UDP(7000), .ip_opt = { 1, 1, 1, 1 }, .ip_opt_len = 4 }, V4, false, LAN,
	  OK(R_UDP_FAST) },
	{ "truncated udp", { UDP(7000), .truncate_to = 14 + 20 + 7 }, V4, false, LAN, NOTCLS(TRUNC_L4) },
	{ "truncated tcp", { TCP(8000), .truncate_to = 14 + 20 + 19 }, V4, false, LAN, NOTCLS(TRUNC_L4) },
	{ "tcp doff 4", { TCP(8000), .doff = 4, .set = PKT_SET_DOFF }, V4, false, LAN, NOTCLS(TCP_BAD_DOFF) },
	{ "truncated icmp", { .proto = IPPROTO_ICMP, .truncate_to = 14 + 20 + 3 }, V4, false, LAN,
	  NOTCLS(TRUNC_L4) },
	{ "first fragment has ports", { UDP(7000), .frag_more = true }, V4, false, LAN, OK(R_UDP_FAST) },
	{ "later fragment has no ports", { UDP(7000), .frag_off = 100 }, V4, false, LAN, OK(NONE) },
	{ "truncated ipv6", { UDP(7004), .truncate_to = 14 + 39 }, V6, false, LAN, NOTCLS(TRUNC_IPV6),
	  .skb_refused = true },
	{ "ipv6 version 4 in a v6 frame", { UDP(7004), .version = 4, .set = PKT_SET_VERSION }, V6, false,
	  LAN, NOTCLS(IPV6_BAD_VERSION) },
	{ "ipv6 hop-by-hop", { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_HOPOPTS) } }, V6, false, LAN,
	  OK(R_V6_UDP) },
	{ "ipv6 ext chain at the bound",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_AH),
		     EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS) } },
	  V6, false, LAN, OK(R_V6_UDP) },
	{ "ipv6 ext chain over the bound",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX + 1,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_AH),
		     EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS) } },
	  V6, false, LAN, NOTCLS(IPV6_EXT_TOO_DEEP) },
	{ "ipv6 long ext header", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_DSTOPTS, .len = 64 } } },
	  V6, false, LAN, OK(R_V6_UDP) },
	{ "ipv6 truncated ext header",
	  { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_HOPOPTS) }, .truncate_to = 14 + 40 + 4 }, V6, false,
	  LAN, NOTCLS(TRUNC_IPV6) },
	{ "ipv6 first fragment", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_FRAGMENT, .frag_more = true } } },
	  V6, false, LAN, OK(R_V6_UDP) },
	{ "ipv6 later fragment", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_FRAGMENT, .frag_off = 10 } } },
	  V6, false, LAN, OK(NONE) },
	{ "ipv6 udp after ext, truncated", { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_HOPOPTS) },
	  .truncate_to = 14 + 40 + 8 + 5 }, V6, false, LAN, NOTCLS(TRUNC_L4) },
};

static struct lane_bpf_h lab;

static void test_fixtures(void)
{
	struct shunt_config cfg;
	struct diags dg;
	unsigned failed = 0;

	diags_init(&dg, "lab_rules");
	CU_ASSERT_FATAL(config_load_string(lab_rules, "lab_rules", &cfg, &dg) == 0);
	diags_free(&dg);
	CU_ASSERT_FATAL(harness_load(&lab, &cfg, lab_ifindex) == 0);
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct pkt_spec spec = f->spec;
		uint8_t buf[PKT_MAX_FRAME];
		struct outcome o;
		size_t len;
		bool ok;

		if (f->skb_refused)
			continue;
		pkt_set_addrs(&spec, f->src, f->dst);
		for (unsigned v = 0; v < spec.nvlan; v++)
			if (!spec.vlan[v].tpid)
				spec.vlan[v].tpid = 0x8100;
		len = pkt_build(&spec, buf, sizeof(buf));
		if (!len || run_pkt(&lab, f->egress, buf, len, f->iif, &o)) {
			failed++;
			fprintf(stderr, "\nfixture \"%s\": %s: %s\n", f->name,
				len ? "BPF_PROG_TEST_RUN failed" : "pkt_build failed", strerror(errno));
			continue;
		}
		ok = o.retval == f->verdict && !o.several && o.rule == f->rule &&
		     (f->rule >= 0 || o.reason == f->reason) &&
		     o.drop_reason == (f->verdict == TC_ACT_SHOT);
		if (!ok) {
			failed++;
			fprintf(stderr, "\nfixture \"%s\": verdict %d (want %d), rule %d (want %d), reason %d (want %d)%s\n",
				f->name, o.retval, f->verdict, o.rule, f->rule, o.reason, f->reason,
				o.several ? ", several counters moved" : "");
			pkt_hexdump(stderr, buf, len);
		}
	}
	CU_ASSERT_EQUAL(failed, 0);
	config_free(&cfg);
	harness_free(&lab);
}

/* ---- ingress ifindex on both lookup paths: array (< SHUNT_IIF_ARRAY) and hash ---- */

static const char far_rules[] =
	"version = 1;\n"
	"interfaces = ( { name = \"near\"; ifname = \"near0\"; }, { name = \"far\"; ifname = \"far0\"; } );\n"
	"rules = (\n"
	"  { name = \"from-near\"; proto = \"udp\"; ingress = \"near\"; lane = \"kernel\"; },\n"
	"  { name = \"from-far\"; proto = \"udp\"; ingress = \"far\"; lane = \"kernel\"; },\n"
	"  { name = \"any-udp\"; proto = \"udp\"; lane = \"kernel\"; }\n"
	");\n";

static void test_iif_paths(void)
{
	/* 70000: past cls_iif_arr, so the hash answers */
	static const uint32_t ifx[2] = { 21, SHUNT_IIF_ARRAY + 65904 };
	static const struct {
		uint32_t iif;
		int rule;
	} cases[] = {
		{ 21, 0 }, { SHUNT_IIF_ARRAY + 65904, 1 }, { 22, 2 }, { SHUNT_IIF_ARRAY - 1, 2 },
		{ SHUNT_IIF_ARRAY, 2 }, { SHUNT_IIF_ARRAY + 65905, 2 }, { 0, 2 },
	};
	struct shunt_config cfg;
	struct lane_bpf_h h;
	struct diags dg;

	diags_init(&dg, "far_rules");
	CU_ASSERT_FATAL(config_load_string(far_rules, "far_rules", &cfg, &dg) == 0);
	diags_free(&dg);
	CU_ASSERT_FATAL(harness_load(&h, &cfg, ifx) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt_spec spec = { UDP(9) };
		uint8_t buf[256];
		struct outcome o;
		size_t len;

		pkt_set_addrs(&spec, "198.18.1.2", "198.18.2.2");
		len = pkt_build(&spec, buf, sizeof(buf));
		CU_ASSERT_FATAL(len > 0 && run_pkt(&h, i & 1, buf, len, cases[i].iif, &o) == 0);
		if (o.rule != cases[i].rule || o.several)
			fprintf(stderr, "\ningress ifindex %u: rule %d, want %d\n", cases[i].iif, o.rule,
				cases[i].rule);
		CU_ASSERT_EQUAL(o.rule, cases[i].rule);
	}
	config_free(&cfg);
	harness_free(&h);
}

/* ---- random rule sets: BPF == compiled image == reference ---- */

#define RAND_SETS 200
#define RAND_KEYS 50

static void test_random_agreement(void)
{
	struct shunt_config *cfg = malloc(sizeof(*cfg));
	struct cls_image *img = malloc(sizeof(*img));
	unsigned long long checked = 0, matched = 0;
	unsigned failed = 0;

	struct lane_bpf_h h;
	struct rr_rng g0;

	CU_ASSERT_FATAL(cfg && img);
	rr_seed(&g0, 0x5348000ull);
	rr_random_config(&g0, cfg, 0);
	CU_ASSERT_FATAL(harness_load(&h, cfg, rr_ifindex) == 0);
	for (unsigned set = 0; set < RAND_SETS && failed < 5; set++) {
		uint64_t seed = 0x5348000ull + set;
		struct rr_rng g;

		rr_seed(&g, seed);
		rr_random_config(&g, cfg, 0);
		CU_ASSERT_FATAL(cls_compile(cfg, rr_ifindex, img) == 0);
		CU_ASSERT_FATAL(harness_fill(&h, cfg, rr_ifindex) == 0);
		for (unsigned i = 0; i < RAND_KEYS; i++) {
			struct cls_key k;
			struct pkt_spec spec;
			uint8_t buf[PKT_MAX_FRAME];
			unsigned want, got_img;
			struct outcome o;
			size_t len;

			rr_random_key(&g, cfg, &k);
			pkt_spec_from_key(&k, &spec);
			len = pkt_build(&spec, buf, sizeof(buf));
			CU_ASSERT_FATAL(len > 0);
			want = ref_match(cfg, rr_ifindex, &k);
			got_img = cls_image_match(img, &k);
			CU_ASSERT_FATAL(run_pkt(&h, i & 1, buf, len, k.iif, &o) == 0);
			checked++;
			matched += want != SHUNT_RULE_NONE;
			if (o.rule != (int)want || got_img != want || o.several) {
				failed++;
				fprintf(stderr, "\nseed %#llx key %u: reference %u, image %u, bpf %d%s\n",
					(unsigned long long)seed, i, want, got_img, o.rule,
					o.several ? " (several counters moved)" : "");
				rr_print_key(stderr, &k);
				rr_print_config(stderr, cfg);
			}
		}
	}
	harness_free(&h);
	printf("\n  %llu packets over %u rule sets, %llu matched a rule\n", checked, RAND_SETS, matched);
	/* the generator must exercise both outcomes, or this test proves little */
	CU_ASSERT(matched > checked / 10);
	CU_ASSERT(matched < checked);
	CU_ASSERT_EQUAL(failed, 0);
	free(cfg);
	free(img);
}

int main(void)
{
	struct lane_bpf *probe;
	unsigned fails;

	if (geteuid() != 0) {
		fprintf(stderr, "test_lane: needs root for BPF — skipped\n");
		return SKIP;
	}
	probe = lane_bpf__open();
	if (probe)
		maps_unpin_all(probe->obj);
	if (!probe || lane_bpf__load(probe)) {
		fprintf(stderr, "test_lane: cannot load BPF programs (%s) — skipped\n", strerror(errno));
		lane_bpf__destroy(probe);
		return SKIP;
	}
	lane_bpf__destroy(probe);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("lane_bpf", NULL, NULL);
	CU_add_test(s, "fixtures", test_fixtures);
	CU_add_test(s, "ingress ifindex: array and hash paths", test_iif_paths);
	CU_add_test(s, "random rule sets: bpf == image == reference", test_random_agreement);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
