// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktbuild.c — frames from struct pkt_spec; see pktbuild.h.
 */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 802.1Q/802.1ad tag as it follows the MACs or another tag. */
struct pkt_vlan_hdr {
	uint16_t tci;	      /* network order */
	uint16_t encap_proto; /* network order */
};

/* ARP for IPv4 over Ethernet: struct arphdr and its addresses. */
struct pkt_arp {
	struct arphdr hdr;
	uint8_t sha[ETH_ALEN];
	uint8_t spa[4];
	uint8_t tha[ETH_ALEN];
	uint8_t tpa[4];
} __attribute__((packed));

static const uint8_t default_dst_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t default_src_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	uint16_t be = htons(v);

	memcpy(p, &be, sizeof(be));
}

/* One's-complement sum of len bytes (big-endian 16-bit words). */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Folds and complements; the result is in network order. */
static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint32_t pseudo_sum(const struct pkt_spec *s, uint8_t proto, size_t l4len)
{
	uint32_t sum = 0;

	if (s->family == 6) {
		uint32_t len = htonl((uint32_t)l4len);
		uint8_t nxt[4] = {0, 0, 0, proto};

		sum = csum_add(sum, s->saddr, 16);
		sum = csum_add(sum, s->daddr, 16);
		sum = csum_add(sum, &len, 4);
		sum = csum_add(sum, nxt, 4);
	} else {
		uint8_t tail[4] = {0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len};

		sum = csum_add(sum, s->saddr, 4);
		sum = csum_add(sum, s->daddr, 4);
		sum = csum_add(sum, tail, 4);
	}
	return sum;
}

static void fill_pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(0x41 + i % 26);
}

/*
 * Writes the L4 header and payload at p (room bytes free). Returns the
 * length written or 0 when it does not fit.
 */
static size_t build_l4(const struct pkt_spec *s, uint8_t *p, size_t room)
{
	size_t hlen, len;
	uint16_t check;

	switch (s->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = (struct tcphdr *)p;
		unsigned doff = (s->set & PKT_SET_DOFF) ? s->doff : 5;

		hlen = doff > 5 ? doff * 4u : sizeof(*th);
		len = hlen + s->payload_len;
		if (doff > 15 || len > room)
			return 0;
		memset(th, 0, sizeof(*th));
		th->th_sport = htons(s->sport);
		th->th_dport = htons(s->dport);
		th->th_seq = htonl(1);
		th->th_off = doff;
		th->th_flags = s->tcp_flags ? s->tcp_flags : TH_SYN;
		th->th_win = htons(65535);
		memset(p + sizeof(*th), TCPOPT_NOP, hlen - sizeof(*th));
		fill_pattern(p + hlen, s->payload_len);
		check = csum_fold(csum_add(pseudo_sum(s, IPPROTO_TCP, len), p, len));
		memcpy(&th->th_sum, &check, sizeof(check));
		return len;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = (struct udphdr *)p;

		len = sizeof(*uh) + s->payload_len;
		if (len > room || len > 0xffff)
			return 0;
		uh->uh_sport = htons(s->sport);
		uh->uh_dport = htons(s->dport);
		uh->uh_ulen = htons((uint16_t)len);
		uh->uh_sum = 0;
		fill_pattern(p + sizeof(*uh), s->payload_len);
		check = csum_fold(csum_add(pseudo_sum(s, IPPROTO_UDP, len), p, len));
		uh->uh_sum = check ? check : 0xffff; /* 0 means "none" in UDP */
		return len;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ih = (struct icmphdr *)p;

		len = sizeof(*ih) + s->payload_len;
		if (len > room)
			return 0;
		memset(ih, 0, sizeof(*ih));
		ih->type = s->icmp_type;
		ih->code = s->icmp_code;
		ih->un.echo.id = htons(0x5348);
		ih->un.echo.sequence = htons(1);
		fill_pattern(p + sizeof(*ih), s->payload_len);
		ih->checksum = csum_fold(csum_add(0, p, len));
		return len;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6_hdr *ih = (struct icmp6_hdr *)p;

		len = sizeof(*ih) + s->payload_len;
		if (len > room)
			return 0;
		memset(ih, 0, sizeof(*ih));
		ih->icmp6_type = s->icmp_type;
		ih->icmp6_code = s->icmp_code;
		ih->icmp6_id = htons(0x5348);
		ih->icmp6_seq = htons(1);
		fill_pattern(p + sizeof(*ih), s->payload_len);
		ih->icmp6_cksum = csum_fold(csum_add(pseudo_sum(s, IPPROTO_ICMPV6, len), p, len));
		return len;
	}
	default:
		len = s->raw_len + s->payload_len;
		if (s->raw_len > PKT_MAX_RAW || len > room)
			return 0;
		memcpy(p, s->raw, s->raw_len);
		fill_pattern(p + s->raw_len, s->payload_len);
		return len;
	}
}

static uint8_t ip_version(const struct pkt_spec *s, uint8_t dflt)
{
	return (s->set & PKT_SET_VERSION) ? s->version : dflt;
}

static uint8_t ip_ttl(const struct pkt_spec *s)
{
	return (s->set & PKT_SET_TTL) ? s->ttl : 64;
}

static size_t build_ipv4(const struct pkt_spec *s, uint8_t *p, size_t room)
{
	struct iphdr *ip = (struct iphdr *)p;
	size_t hlen, l4len;
	uint16_t frag;

	if (s->ip_opt_len > PKT_MAX_IPOPT)
		return 0;
	hlen = sizeof(*ip) + ((s->ip_opt_len + 3) & ~3u);
	if (hlen > room)
		return 0;
	l4len = build_l4(s, p + hlen, room - hlen);
	if (!l4len &&
	    (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP || s->proto == IPPROTO_ICMP ||
	     s->proto == IPPROTO_ICMPV6 || s->raw_len + s->payload_len))
		return 0;
	if (hlen + l4len > 0xffff)
		return 0;

	memset(ip, 0, hlen); /* also the EOL padding of the options */
	ip->version = ip_version(s, 4) & 0xf;
	ip->ihl = ((s->set & PKT_SET_IHL) ? s->ihl : hlen / 4) & 0xf;
	ip->tot_len = htons((s->set & PKT_SET_IP_LEN) ? s->ip_len : (uint16_t)(hlen + l4len));
	ip->id = htons(0x5348);
	frag = s->frag_off & IP_OFFMASK;
	if (s->frag_more)
		frag |= IP_MF;
	if (s->dont_frag)
		frag |= IP_DF;
	ip->frag_off = htons(frag);
	ip->ttl = ip_ttl(s);
	ip->protocol = s->proto;
	memcpy(&ip->saddr, s->saddr, 4);
	memcpy(&ip->daddr, s->daddr, 4);
	memcpy(p + sizeof(*ip), s->ip_opt, s->ip_opt_len);
	ip->check = csum_fold(csum_add(0, p, hlen));
	return hlen + l4len;
}

/* Length in bytes of extension header e, or 0 when it is not valid. */
static size_t ext_len(const struct pkt_ext *e)
{
	switch (e->type) {
	case IPPROTO_FRAGMENT:
		return (e->len == 0 || e->len == sizeof(struct ip6_frag)) ? sizeof(struct ip6_frag)
									  : 0;
	case IPPROTO_AH:
		if (e->len == 0)
			return 16;
		/* 12 bytes without ICV; the length field has 8 bits */
		return (e->len >= 12 && e->len % 4 == 0 && e->len / 4 - 2 <= 255) ? e->len : 0;
	default:
		if (e->len == 0)
			return 8;
		return (e->len % 8 == 0 && e->len / 8 - 1 <= 255) ? e->len : 0;
	}
}

/* Writes extension header e of len bytes whose next header is nxt. */
static void build_ext(const struct pkt_ext *e, size_t len, uint8_t nxt, uint8_t *p)
{
	memset(p, 0, len);
	switch (e->type) {
	case IPPROTO_FRAGMENT: {
		struct ip6_frag *fh = (struct ip6_frag *)p;

		fh->ip6f_nxt = nxt;
		fh->ip6f_offlg = htons((uint16_t)(e->frag_off << 3) | (e->frag_more ? 1 : 0));
		fh->ip6f_ident = htonl(0x53480001);
		break;
	}
	case IPPROTO_AH:
		p[0] = nxt;
		p[1] = (uint8_t)(len / 4 - 2);
		p[7] = 0x01;  /* SPI 1 */
		p[11] = 0x01; /* sequence 1 */
		break;
	case IPPROTO_ROUTING:
		p[0] = nxt;
		p[1] = (uint8_t)(len / 8 - 1);
		p[2] = 0; /* type 0 with segments left 0: processed as absent */
		p[3] = 0;
		break;
	default: {
		/* hop-by-hop / destination options: PadN over the 6 free bytes
		 * (and whatever length was asked for) */
		struct ip6_ext *x = (struct ip6_ext *)p;
		size_t pad = len - 2;

		x->ip6e_nxt = nxt;
		x->ip6e_len = (uint8_t)(len / 8 - 1);
		p[2] = IP6OPT_PADN;
		p[3] = (uint8_t)(pad - 2);
		break;
	}
	}
}

static size_t build_ipv6(const struct pkt_spec *s, uint8_t *p, size_t room)
{
	struct ip6_hdr *ip6 = (struct ip6_hdr *)p;
	size_t off = sizeof(*ip6), l4len, xlen[PKT_MAX_EXT];

	if (s->next > PKT_MAX_EXT || off > room)
		return 0;
	for (unsigned i = 0; i < s->next; i++) {
		xlen[i] = ext_len(&s->ext[i]);
		if (!xlen[i])
			return 0;
		off += xlen[i];
	}
	if (off > room)
		return 0;
	l4len = build_l4(s, p + off, room - off);
	if (!l4len &&
	    (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP || s->proto == IPPROTO_ICMP ||
	     s->proto == IPPROTO_ICMPV6 || s->raw_len + s->payload_len))
		return 0;
	if (off - sizeof(*ip6) + l4len > 0xffff)
		return 0;

	memset(ip6, 0, sizeof(*ip6));
	ip6->ip6_flow = htonl((uint32_t)(ip_version(s, 6) & 0xf) << 28);
	ip6->ip6_plen = htons((s->set & PKT_SET_IP_LEN) ? s->ip_len
							: (uint16_t)(off - sizeof(*ip6) + l4len));
	ip6->ip6_nxt = s->next ? s->ext[0].type : s->proto;
	ip6->ip6_hlim = ip_ttl(s);
	memcpy(&ip6->ip6_src, s->saddr, 16);
	memcpy(&ip6->ip6_dst, s->daddr, 16);

	off = sizeof(*ip6);
	for (unsigned i = 0; i < s->next; i++) {
		uint8_t nxt = i + 1 < s->next ? s->ext[i + 1].type : s->proto;

		build_ext(&s->ext[i], xlen[i], nxt, p + off);
		off += xlen[i];
	}
	return off + l4len;
}

static size_t build_non_ip(const struct pkt_spec *s, uint16_t et, uint8_t *p, size_t room,
			   const uint8_t *smac)
{
	if (et == ETH_P_ARP && s->payload_len == 0) {
		struct pkt_arp *a = (struct pkt_arp *)p;

		if (sizeof(*a) > room)
			return 0;
		memset(a, 0, sizeof(*a));
		a->hdr.ar_hrd = htons(ARPHRD_ETHER);
		a->hdr.ar_pro = htons(ETH_P_IP);
		a->hdr.ar_hln = ETH_ALEN;
		a->hdr.ar_pln = 4;
		a->hdr.ar_op = htons(ARPOP_REQUEST);
		memcpy(a->sha, smac, ETH_ALEN);
		memcpy(a->spa, s->saddr, 4);
		memcpy(a->tpa, s->daddr, 4);
		return sizeof(*a);
	}
	if (s->payload_len > room)
		return 0;
	fill_pattern(p, s->payload_len);
	return s->payload_len;
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	uint8_t f[PKT_MAX_FRAME];
	struct ethhdr *eth = (struct ethhdr *)f;
	const uint8_t *smac, *dmac;
	size_t off = sizeof(*eth), len;
	uint8_t *type = (uint8_t *)&eth->h_proto; /* where the next type goes */
	uint16_t et;

	if (s->nvlan > PKT_MAX_VLAN)
		return 0;
	dmac = all_zero(s->dst_mac, ETH_ALEN) ? default_dst_mac : s->dst_mac;
	smac = all_zero(s->src_mac, ETH_ALEN) ? default_src_mac : s->src_mac;
	memcpy(eth->h_dest, dmac, ETH_ALEN);
	memcpy(eth->h_source, smac, ETH_ALEN);
	for (unsigned i = 0; i < s->nvlan; i++) {
		struct pkt_vlan_hdr *vh = (struct pkt_vlan_hdr *)(f + off);

		put_be16(type, s->vlan[i].tpid ? s->vlan[i].tpid : ETH_P_8021Q);
		vh->tci = htons(s->vlan[i].vid & 0x0fff);
		type = (uint8_t *)&vh->encap_proto;
		off += sizeof(*vh);
	}
	et = s->ethertype ? s->ethertype : (s->family == 6 ? ETH_P_IPV6 : ETH_P_IP);
	put_be16(type, et);

	if (et == ETH_P_IP || et == ETH_P_IPV6) {
		if (s->family == 6)
			len = build_ipv6(s, f + off, sizeof(f) - off);
		else
			len = build_ipv4(s, f + off, sizeof(f) - off);
		if (!len)
			return 0;
	} else {
		len = build_non_ip(s, et, f + off, sizeof(f) - off, smac);
	}
	off += len;

	if (s->truncate_to && s->truncate_to < off)
		off = s->truncate_to;
	if (off > cap)
		return 0;
	memcpy(buf, f, off);
	return off;
}

void pkt_spec_to_key(const struct pkt_spec *s, uint32_t iif, struct cls_key *k)
{
	bool later_fragment = false;
	size_t alen = s->family == 6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	k->family = s->family == 6 ? 6 : 4;
	k->proto = s->proto;
	k->iif = iif;
	memcpy(k->saddr, s->saddr, alen);
	memcpy(k->daddr, s->daddr, alen);

	if (k->family == 4) {
		later_fragment = s->frag_off != 0;
	} else {
		for (unsigned i = 0; i < s->next && i < PKT_MAX_EXT; i++)
			if (s->ext[i].type == IPPROTO_FRAGMENT && s->ext[i].frag_off)
				later_fragment = true;
	}
	if ((s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) && !later_fragment) {
		k->has_ports = true;
		k->sport = s->sport;
		k->dport = s->dport;
	}
}

void pkt_set_addrs(struct pkt_spec *s, const char *src, const char *dst)
{
	if (inet_pton(AF_INET, src, s->saddr) == 1 && inet_pton(AF_INET, dst, s->daddr) == 1) {
		s->family = 4;
		return;
	}
	if (inet_pton(AF_INET6, src, s->saddr) == 1 && inet_pton(AF_INET6, dst, s->daddr) == 1) {
		s->family = 6;
		return;
	}
	fprintf(stderr, "pkt_set_addrs: bad address pair '%s' '%s'\n", src, dst);
	abort();
}

void pkt_hexdump(FILE *out, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		fprintf(out, "%04zx:", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(out, " %02x", buf[j]);
		fputc('\n', out);
	}
}

void pkt_spec_from_key(const struct cls_key *k, struct pkt_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->family = k->family;
	memcpy(s->saddr, k->saddr, 16);
	memcpy(s->daddr, k->daddr, 16);
	s->proto = k->proto;
	s->sport = k->sport;
	s->dport = k->dport;
	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP && k->proto != IPPROTO_ICMP &&
	    k->proto != IPPROTO_ICMPV6)
		s->raw_len = 8;
	if ((k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) && !k->has_ports) {
		if (k->family == 4) {
			s->frag_off = 185;
		} else {
			s->next = 1;
			s->ext[0] = (struct pkt_ext){ .type = IPPROTO_FRAGMENT, .frag_off = 185 };
		}
	}
	s->payload_len = 16;
}
