/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parsing_loadbytes.h — the parser of parsing.h, reading every header with
 * bpf_xdp_load_bytes() into a stack copy instead of direct packet access.
 *
 * Benchmark only (bench/README.md): steer_loadbytes.bpf.c builds the steer
 * program around it to show what direct packet access buys. It is never
 * attached. Contract, reasons, bounds and the struct pkt_info it fills are
 * those of parse_packet() in parsing.h, function by function: keep the two
 * in step.
 *
 * Differences that cannot be avoided: a header is "truncated" when
 * bpf_xdp_load_bytes() cannot copy all of it, i.e. against the whole frame
 * (fragments of a multi-buffer frame included) rather than the linear area;
 * the IPv4 options and IPv6 extension header lengths are checked against
 * the linear length, as in parsing.h. For single-buffer frames the
 * verdicts are the same.
 */
#ifndef SHUNT_PARSING_LOADBYTES_H
#define SHUNT_PARSING_LOADBYTES_H

#include "parsing.h"

/* Copies len bytes at off; non-zero when the frame is shorter. */
#define LB_LOAD(ctx, off, obj) bpf_xdp_load_bytes((ctx), (off), &(obj), sizeof(obj))

/* Ethernet and up to SHUNT_VLAN_MAX tags. *off: past them on success. */
static __always_inline int parse_eth_lb(struct xdp_md *ctx, __u32 *off, struct pkt_info *p)
{
	struct ethhdr eth;
	__be16 proto;

	if (LB_LOAD(ctx, 0, eth))
		return -SHUNT_REASON_TRUNC_ETH;
	proto = eth.h_proto;
	if (eth.h_dest[0] & 1) /* group bit: multicast and broadcast */
		p->flags |= PKT_F_MCAST;
	*off = sizeof(eth);
#pragma unroll
	for (int i = 0; i < SHUNT_VLAN_MAX; i++) {
		struct vlan_hdr_ vh;

		if (proto != ETH_P_8021Q_BE && proto != ETH_P_8021AD_BE)
			break;
		if (LB_LOAD(ctx, *off, vh))
			return -SHUNT_REASON_TRUNC_ETH;
		proto = vh.encap_proto;
		*off += sizeof(vh);
		p->flags |= PKT_F_VLAN;
	}
	if (proto == ETH_P_8021Q_BE || proto == ETH_P_8021AD_BE)
		return -SHUNT_REASON_VLAN_TOO_DEEP;
	return proto;
}

static __always_inline int parse_ipv4_lb(struct xdp_md *ctx, __u32 *off, __u32 len,
					 struct pkt_info *p)
{
	struct iphdr ip;
	__u32 hdrlen;
	__u16 frag;

	if (LB_LOAD(ctx, *off, ip))
		return -SHUNT_REASON_TRUNC_IPV4;
	if (ip.version != 4 || ip.ihl < 5)
		return -SHUNT_REASON_IPV4_BAD_IHL;
	hdrlen = ip.ihl * 4;
	if (*off + hdrlen > len)
		return -SHUNT_REASON_TRUNC_IPV4;
	if (bpf_ntohs(ip.tot_len) < hdrlen)
		return -SHUNT_REASON_IPV4_BAD_LEN;

	p->family = 4;
	__builtin_memcpy(p->saddr, &ip.saddr, 4);
	__builtin_memcpy(p->daddr, &ip.daddr, 4);
	if (hdrlen > sizeof(ip))
		p->flags |= PKT_F_IP_OPTIONS;
	if (ip.ttl <= 1)
		p->flags |= PKT_F_TTL_EXPIRING;
	if ((bpf_ntohl(ip.daddr) >> 28) == 0xe || ip.daddr == 0xffffffff)
		p->flags |= PKT_F_MCAST;
	frag = bpf_ntohs(ip.frag_off);
	if (frag & (IP_MF_ | IP_OFFSET_))
		p->flags |= PKT_F_FRAG;
	if (frag & IP_OFFSET_)
		p->flags |= PKT_F_FRAG_LATER;
	*off += hdrlen;
	return ip.protocol;
}

static __always_inline int parse_ipv6_lb(struct xdp_md *ctx, __u32 *off, __u32 flen,
					 struct pkt_info *p)
{
	struct ipv6hdr ip6;
	__u32 o;
	__u8 nh;

	if (LB_LOAD(ctx, *off, ip6))
		return -SHUNT_REASON_TRUNC_IPV6;
	if (ip6.version != 6)
		return -SHUNT_REASON_IPV6_BAD_VERSION;
	p->family = 6;
	__builtin_memcpy(p->saddr, &ip6.saddr, 16);
	__builtin_memcpy(p->daddr, &ip6.daddr, 16);
	if (ip6.hop_limit <= 1)
		p->flags |= PKT_F_TTL_EXPIRING;
	if (ip6.daddr.in6_u.u6_addr8[0] == 0xff)
		p->flags |= PKT_F_MCAST;
	nh = ip6.nexthdr;
	o = *off + sizeof(ip6);

#pragma unroll
	for (int i = 0; i < SHUNT_IPV6_EXT_MAX; i++) {
		struct ipv6_ext_ ext;
		__u32 len;

		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_DSTOPTS_ &&
		    nh != IPPROTO_AH_ && nh != IPPROTO_FRAGMENT_)
			break;
		if (o > SHUNT_PARSE_OFF_MASK)
			return -SHUNT_REASON_IPV6_EXT_TOO_DEEP;
		if (LB_LOAD(ctx, o, ext))
			return -SHUNT_REASON_TRUNC_IPV6;
		if (nh == IPPROTO_FRAGMENT_) {
			struct ipv6_frag_ *fh = (void *)&ext;

			p->flags |= PKT_F_FRAG;
			if (bpf_ntohs(fh->frag_off) & IP6_OFFSET_)
				p->flags |= PKT_F_FRAG_LATER;
			len = sizeof(*fh);
		} else if (nh == IPPROTO_AH_) {
			len = (ext.hdrlen + 2u) * 4;
		} else {
			len = (ext.hdrlen + 1u) * 8;
		}
		nh = ext.nexthdr;
		o += len;
		/* the whole header must be in the frame, not just its first 8 bytes */
		if (o > SHUNT_PARSE_OFF_MASK)
			return -SHUNT_REASON_IPV6_EXT_TOO_DEEP;
		if (o > flen)
			return -SHUNT_REASON_TRUNC_IPV6;
	}
	if (nh == IPPROTO_HOPOPTS_ || nh == IPPROTO_ROUTING_ || nh == IPPROTO_DSTOPTS_ ||
	    nh == IPPROTO_AH_ || nh == IPPROTO_FRAGMENT_ || o > SHUNT_PARSE_OFF_MASK)
		return -SHUNT_REASON_IPV6_EXT_TOO_DEEP;
	*off = o;
	return nh;
}

static __always_inline int parse_l4_lb(struct xdp_md *ctx, __u32 off, struct pkt_info *p)
{
	if (p->flags & PKT_F_FRAG_LATER)
		return 0;
	if (p->proto == IPPROTO_TCP_) {
		struct tcphdr th;

		if (LB_LOAD(ctx, off, th))
			return -SHUNT_REASON_TRUNC_L4;
		if (th.doff < 5)
			return -SHUNT_REASON_TCP_BAD_DOFF;
		p->sport = bpf_ntohs(th.source);
		p->dport = bpf_ntohs(th.dest);
		p->has_ports = 1;
	} else if (p->proto == IPPROTO_UDP_) {
		struct udphdr uh;

		if (LB_LOAD(ctx, off, uh))
			return -SHUNT_REASON_TRUNC_L4;
		p->sport = bpf_ntohs(uh.source);
		p->dport = bpf_ntohs(uh.dest);
		p->has_ports = 1;
	} else if (p->proto == IPPROTO_ICMP_ || p->proto == IPPROTO_ICMPV6_) {
		struct icmphdr ih;

		if (LB_LOAD(ctx, off, ih))
			return -SHUNT_REASON_TRUNC_L4;
		p->icmp_type = ih.type;
	}
	return 0;
}

/* parse_packet() of parsing.h over bpf_xdp_load_bytes(). */
static __always_inline int parse_packet_lb(struct xdp_md *ctx, struct pkt_info *p)
{
	__u32 off = 0, len = ctx_len(ctx);
	int ret;

	ret = parse_eth_lb(ctx, &off, p);
	if (ret < 0)
		return ret;
	if (ret == ETH_P_IP_BE)
		ret = parse_ipv4_lb(ctx, &off, len, p);
	else if (ret == ETH_P_IPV6_BE)
		ret = parse_ipv6_lb(ctx, &off, len, p);
	else
		return -SHUNT_REASON_NON_IP;
	if (ret < 0)
		return ret;
	p->proto = (__u8)ret;
	return parse_l4_lb(ctx, off, p);
}

#endif /* SHUNT_PARSING_LOADBYTES_H */
