// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer.bpf.c — the lane decision at the driver (XDP).
 *
 * Per packet, in order:
 *  1. classes that always stay on the kernel lane: non-IP, malformed
 *     headers, IP fragments, IPv4 options, TTL/hop limit <= 1, multicast and
 *     broadcast, IPv6 neighbour discovery;
 *  2. the exact 5-tuple `flows` override;
 *  3. the O(1) rule classifier shared with the tc lane (classify.h);
 *  4. if 2 or 3 would take the packet off the kernel lane: link-local and
 *     loopback destinations and the gateway's own addresses still stay
 *     (asked last because they change nothing otherwise; the gateway's
 *     addresses are a flag in the dst entry the classifier found).
 * `fast` ends in bpf_redirect_map(&xsks_map, rx_queue, XDP_PASS) when a
 * socket sits on the queue and its worker's heartbeat is fresh, and falls
 * back to the kernel lane otherwise (fail-open, counted by reason);
 * `kernel` is XDP_PASS, `drop` XDP_DROP.
 *
 * Handing it to DPDK: the control plane attaches this program itself, and
 * DPDK's net_af_xdp PMD (through libxdp) adopts an attached program named
 * `xsk_def_prog` whose BTF carries `xsk_prog_version` in the `xdp_metadata`
 * section, registering each AF_XDP socket in that program's `xsks_map`
 * (libxdp 1.3.1 xsk.c: xsk_lookup_program, xsk_lookup_bpf_map). That is why
 * the entry point has libxdp's name and not one of ours; the control plane
 * recognises the program as shunt's by its maps (steer_reasons).
 */
#define SHUNT_CTX_XDP
#include "ctx.h"
#include "classify.h"
#include "steer_maps.h"

/* Set by the control plane before load, per interface. */
const volatile __u32 iface_slot = 0;          /* this interface's heartbeat row */
const volatile __u64 heartbeat_ns = 200000000; /* older than this: fail open */
/* Longest frame the fast lane takes (the smallest MTU of its interfaces
 * plus the Ethernet header; 0: no limit), written by the control plane:
 * longer ones stay on the kernel lane, which fragments them or answers
 * with ICMP "fragmentation needed"/"packet too big" as path MTU discovery
 * expects, where the forwarder could only drop them. */
__u32 fast_max_len = 0;

/* libxdp's default-program protocol, version 1 (see above). */
#define XDP_METADATA_SECTION "xdp_metadata"
#define XSK_PROG_VERSION 1
__uint(xsk_prog_version, XSK_PROG_VERSION) SEC(XDP_METADATA_SECTION);

static __always_inline int keep(__u32 reason, __u32 len)
{
	counter_add(&steer_reasons, reason, len);
	return XDP_PASS;
}

/* Link-local (fe80::/10, 169.254/16) or loopback (::1, 127/8): never
 * forwarded. Tested on the parsed copy, after parsing: as a parser flag set
 * before the IPv6 extension walk it tripled the verifier's work (the walk
 * was explored once per flag value; 17k -> 54k insns, kernel 6.18). */
static __always_inline int is_link_local(const struct pkt_info *p)
{
	const __u8 *d = p->daddr;

	if (p->family == 4)
		return d[0] == 127 || (d[0] == 169 && d[1] == 254);
	if (d[0] == 0xfe && (d[1] & 0xc0) == 0x80)
		return 1;
	for (int i = 0; i < 15; i++)
		if (d[i])
			return 0;
	return d[15] == 1;
}

/* The always-kernel classes read off the parser's flags. Returns a reason,
 * or 0 to go on. */
static __always_inline __u32 kernel_only(const struct pkt_info *p)
{
	if (p->flags & PKT_F_FRAG)
		return SHUNT_REASON_FRAGMENT;
	if (p->flags & PKT_F_IP_OPTIONS)
		return SHUNT_REASON_IPV4_OPTIONS;
	if (p->flags & PKT_F_TTL_EXPIRING)
		return SHUNT_REASON_TTL_EXPIRING;
	if (p->flags & PKT_F_MCAST)
		return SHUNT_REASON_MULTICAST;
	/* router/neighbour solicitation and advertisement, redirect (133-137) */
	if (p->family == 6 && p->proto == IPPROTO_ICMPV6_ && p->icmp_type >= 133 &&
	    p->icmp_type <= 137)
		return SHUNT_REASON_NEIGHBOUR;
	return 0;
}

/* The always-kernel classes of the destination: asked only of packets a
 * flow or rule would take off the kernel lane, since for the others the
 * answer changes nothing. dst is the dst table's entry of the destination
 * (cls_match, cls_dst_entry): the gateway's own addresses are host entries
 * there with SHUNT_CLS_LOCAL (control/steer.c), so no lookup of their own. */
/* An address the gateway got after the tables were built? */
static __always_inline int is_local_extra(const struct pkt_info *p)
{
	struct shunt_addr a = { .family = p->family };
	__u32 zero = 0;
	__u32 *n = bpf_map_lookup_elem(&local_extra_count, &zero);

	if (!n || !*n)
		return 0;
	__builtin_memcpy(a.addr, p->daddr, 16);
	return bpf_map_lookup_elem(&local_extra, &a) != NULL;
}

static __always_inline __u32 kernel_only_dest(const struct pkt_info *p, __u32 dst)
{
	if (is_link_local(p))
		return SHUNT_REASON_LINK_LOCAL;
	if ((dst & SHUNT_CLS_LOCAL) || is_local_extra(p))
		return SHUNT_REASON_LOCAL_DEST;
	return 0;
}

static __always_inline struct shunt_flow *flow_lookup(const struct pkt_info *p)
{
	struct shunt_flow_key k = {
		.family = p->family,
		.proto = p->proto,
		.sport = bpf_htons(p->sport),
		.dport = bpf_htons(p->dport),
	};
	__u32 zero = 0;
	__u32 *n = bpf_map_lookup_elem(&flow_count, &zero);

	/* the hash of a 40-byte key costs ~35 ns here: skip it while no
	 * override exists (`shunt flow` keeps the gate) */
	if (!n || !*n)
		return NULL;
	__builtin_memcpy(k.saddr, p->saddr, 16);
	__builtin_memcpy(k.daddr, p->daddr, 16);
	return bpf_map_lookup_elem(&flows, &k);
}

/*
 * The time to judge a heartbeat beat by. A clock read is ~20 ns here, a
 * quarter of steer's cost; this CPU reuses its last reading for up to
 * CLOCK_REUSE more packets, but never when the beat is newer than it: the
 * reading can then only underestimate a heartbeat's age, by at most the
 * gap since it was taken. The price is at most CLOCK_REUSE packets per CPU
 * sent to a hung worker's socket after the limit passed (a busy queue
 * re-reads within microseconds; an idle one sees beats newer than its
 * reading and reads the clock).
 */
#define CLOCK_REUSE 15

static __always_inline __u64 now_for(__u64 beat)
{
	__u32 zero = 0;
	struct clock_cache *c = bpf_map_lookup_elem(&clock_cache, &zero);

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->left && c->now >= beat) {
		c->left--;
		return c->now;
	}
	c->now = bpf_ktime_get_coarse_ns();
	c->left = CLOCK_REUSE;
	return c->now;
}

/* Is the fast lane there for this queue? 0 yes, or the fail-open reason. */
static __always_inline __u32 fast_ready(__u32 queue)
{
	__u32 hb_key = SHUNT_HB_KEY(iface_slot, queue);
	__u64 *hb, now, beat;

	if (!bpf_map_lookup_elem(&xsks_map, &queue))
		return SHUNT_REASON_FAST_NO_SOCKET;
	hb = bpf_map_lookup_elem(&heartbeat, &hb_key);
	if (!hb)
		return SHUNT_REASON_FAST_STALE;
	/* one read of each: the worker may write between them, and a beat
	 * newer than our clock reading is fresh, not a wrapped difference.
	 * The coarse clock (one tick, <= 4 ms, behind CLOCK_MONOTONIC) costs
	 * half of bpf_ktime_get_ns (21 vs 46 ns here) and heartbeats are
	 * >= 10 ms apart. */
	beat = *(volatile __u64 *)hb;
	now = now_for(beat);
	if (!beat || (now > beat && now - beat > heartbeat_ns))
		return SHUNT_REASON_FAST_STALE;
	return 0;
}

SEC("xdp")
int xsk_def_prog(struct xdp_md *ctx)
{
	struct pkt_info p = {};
	__u32 len = ctx_len(ctx), rule, lane, why, queue = ctx->rx_queue_index, dst = 0;
	struct shunt_flow *fl;
	int ret;

	ret = parse_packet(ctx_data(ctx), ctx_data_end(ctx), &p);
	if (ret < 0)
		return keep((__u32)-ret, len);
	why = kernel_only(&p);
	if (why)
		return keep(why, len);

	fl = flow_lookup(&p);
	if (fl) {
		rule = SHUNT_RULE_FLOW;
		lane = fl->lane;
	} else {
		struct shunt_rule *r;

		rule = cls_first(cls_match(&p, ctx_iif(ctx), &dst));
		r = rule < SHUNT_MAX_RULES ? bpf_map_lookup_elem(&rules, &rule) : NULL;
		lane = r ? r->lane : SHUNT_LANE_KERNEL;
	}

	if (lane != SHUNT_LANE_KERNEL) {
		/* a flow skipped the classifier: its dst entry is looked up here */
		if (fl)
			dst = cls_dst_entry(&p);
		why = kernel_only_dest(&p, dst);
		if (why)
			return keep(why, len);
	}
	if (lane == SHUNT_LANE_FAST) {
		/* the forwarder routes untagged frames: a tagged one belongs to a
		 * VLAN interface the kernel routes for */
		if (p.flags & PKT_F_VLAN)
			why = SHUNT_REASON_FAST_VLAN;
		else if (fast_max_len && len > fast_max_len)
			why = SHUNT_REASON_FAST_TOO_BIG;
		else
			why = queue < SHUNT_MAX_QUEUES ? fast_ready(queue) :
							 SHUNT_REASON_FAST_NO_SOCKET;
		if (why) {
			counter_add(&steer_reasons, why, len);
			lane = SHUNT_LANE_KERNEL;
		}
	} else if (lane == SHUNT_LANE_DROP) {
		counter_add(&steer_reasons, SHUNT_REASON_RULE_DROP, len);
	} else {
		lane = SHUNT_LANE_KERNEL;
	}
	counter_add(&steer_rstats, SHUNT_STEER_STAT_KEY(lane, rule), len);

	if (lane == SHUNT_LANE_FAST)
		return bpf_redirect_map(&xsks_map, queue, XDP_PASS);
	return lane == SHUNT_LANE_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
