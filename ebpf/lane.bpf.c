// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lane.bpf.c — the kernel lane: tc clsact ingress and egress.
 *
 * Accounts every packet the kernel handles to the rule that matches it (per
 * direction) or to a named reason when it cannot be classified, and applies
 * the kernel-lane policy: a `drop` rule drops on ingress. Everything else is
 * TC_ACT_UNSPEC, so other tc programs on the hook still run and the kernel
 * forwards as usual. Egress only counts: the decision is made where a packet
 * enters; the egress count shows where it left.
 */
#define SHUNT_CTX_SKB
#include "ctx.h"
#include "classify.h"

static __always_inline int lane(struct __sk_buff *skb, __u32 dir)
{
	struct pkt_info p = {};
	__u32 len = ctx_len(skb), rule;
	int ret;

	ret = parse_packet(ctx_data(skb), ctx_data_end(skb), &p);
	if (ret < 0 && ret != -SHUNT_REASON_NON_IP &&
	    len > (__u32)(ctx_data_end(skb) - ctx_data(skb))) {
		/* headers past the linear area: pull them in and parse again
		 * (all packet pointers are reloaded by parse_packet) */
		__builtin_memset(&p, 0, sizeof(p));
		if (ctx_pull(skb, len < SHUNT_PULL_LEN ? len : SHUNT_PULL_LEN) == 0)
			ret = parse_packet(ctx_data(skb), ctx_data_end(skb), &p);
	}
	if (ret < 0) {
		counter_add(&lane_reasons, SHUNT_REASON_STAT_KEY(dir, -ret), len);
		return CTX_PASS;
	}

	rule = cls_first(cls_match(&p, ctx_iif(skb), NULL));
	counter_add(&lane_rstats, SHUNT_RULE_STAT_KEY(dir, rule), len);
	if (dir == SHUNT_DIR_INGRESS && rule < SHUNT_MAX_RULES) {
		struct shunt_rule *r = bpf_map_lookup_elem(&rules, &rule);

		if (r && r->lane == SHUNT_LANE_DROP) {
			counter_add(&lane_reasons, SHUNT_REASON_STAT_KEY(dir, SHUNT_REASON_RULE_DROP),
				    len);
			return CTX_DROP;
		}
	}
	return CTX_PASS;
}

SEC("tc")
int shunt_lane_in(struct __sk_buff *skb)
{
	return lane(skb, SHUNT_DIR_INGRESS);
}

SEC("tc")
int shunt_lane_eg(struct __sk_buff *skb)
{
	return lane(skb, SHUNT_DIR_EGRESS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
