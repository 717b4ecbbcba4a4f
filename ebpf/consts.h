/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* consts.h — protocol numbers and bounds the BPF programs use. */
#ifndef SHUNT_CONSTS_H
#define SHUNT_CONSTS_H

#define ETH_P_IP_BE bpf_htons(0x0800)
#define ETH_P_IPV6_BE bpf_htons(0x86DD)
#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60

#define IP_MF_ 0x2000
#define IP_OFFSET_ 0x1FFF
#define IP6_OFFSET_ 0xFFF8 /* in ipv6 frag_off, network order converted */

#define SHUNT_VLAN_MAX 2
/* Farthest L4 header offset the IPv6 extension walk follows (a mask: 2^n-1). */
#define SHUNT_PARSE_OFF_MASK 0x3ff
/* How much of a non-linear skb the tc lane pulls when its headers do not fit
 * the linear area: Ethernet + 2 VLAN + IPv6 + extension headers + TCP. */
#define SHUNT_PULL_LEN 256

#endif
