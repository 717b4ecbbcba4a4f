// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * null.bpf.c — programs that decide nothing, for bench_bpf's floor: what
 * BPF_PROG_TEST_RUN's own loop costs per run on each hook. Subtract it from
 * a program's figure to see that program's share.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int null_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("tc")
int null_tc(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
