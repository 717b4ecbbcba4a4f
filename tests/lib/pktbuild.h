/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pktbuild.h — builds Ethernet frames for the tests from a description.
 *
 * Tests describe a frame with struct pkt_spec (host-order numbers, addresses
 * as network-order bytes) and pkt_build() lays it out with the system's header
 * structs, htons/htonl, correct lengths and checksums. Nothing in a test is a
 * hand-written byte array with host-order fields in it.
 *
 * Zero means "the usual" for every field, so a designated initializer naming
 * only what matters is a complete spec. Where zero is itself a value worth
 * testing (TTL 0, ihl 0, a total length of 0, TCP doff 0, IP version 0), the
 * field is only used when its PKT_SET_* bit is in spec->set.
 *
 * pkt_spec_to_key() says what a correct parser extracts from the same frame.
 */
#ifndef SHUNT_TEST_PKTBUILD_H
#define SHUNT_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules.h"

#define PKT_MAX_VLAN 3	 /* one more than shunt walks, to test the bound */
#define PKT_MAX_EXT 10	 /* IPv6 extension headers */
#define PKT_MAX_IPOPT 40 /* IPv4 options bytes */
#define PKT_MAX_RAW 64	 /* raw L4 header bytes for other protocols */
#define PKT_MAX_FRAME 9216

/* spec->set: which "zero is a value" fields are given. */
#define PKT_SET_TTL (1u << 0)	  /* ttl (IPv4 TTL / IPv6 hop limit), else 64 */
#define PKT_SET_IHL (1u << 1)	  /* ihl field as given, else from the options */
#define PKT_SET_IP_LEN (1u << 2)  /* IPv4 total / IPv6 payload length as given */
#define PKT_SET_DOFF (1u << 3)	  /* TCP data offset as given, else 5 */
#define PKT_SET_VERSION (1u << 4) /* IP version nibble as given, else 4 or 6 */

struct pkt_vlan {
	uint16_t tpid; /* 0x8100 (802.1Q) or 0x88a8 (802.1ad); 0: 0x8100 */
	uint16_t vid;  /* 12 bits */
};

/* One IPv6 extension header. */
struct pkt_ext {
	uint8_t type; /* IPPROTO_HOPOPTS, _ROUTING, _DSTOPTS, _FRAGMENT, _AH */
	/* Whole header in bytes; 0: the smallest (8, AH 16). Otherwise a
	 * multiple of 8 (AH: of 4, >= 12); the fragment header is always 8. */
	uint16_t len;
	uint16_t frag_off; /* fragment header: offset in 8-byte units */
	bool frag_more;	   /* fragment header: M flag */
};

struct pkt_spec {
	/* L2 */
	uint8_t dst_mac[6], src_mac[6]; /* all zero: 02:00:00:00:00:02 / :01 */
	unsigned nvlan;			/* 0..PKT_MAX_VLAN tags, outermost first */
	struct pkt_vlan vlan[PKT_MAX_VLAN];
	/* Ethertype after the tags; 0: from family. A non-IP value (ETH_P_ARP,
	 * 0x88cc LLDP, ...) makes the frame carry payload_len pattern bytes
	 * (ARP: a request for daddr from saddr when payload_len is 0). An IP
	 * value with the other family's header tests the version check. */
	uint16_t ethertype;

	/* L3 */
	uint8_t family;		      /* 4 or 6 */
	uint8_t saddr[16], daddr[16]; /* network order; IPv4 in the first 4 */
	uint8_t ttl;		      /* PKT_SET_TTL, else 64 */
	uint8_t version;	      /* PKT_SET_VERSION, else from family */
	/* IPv4. ihl (PKT_SET_IHL) sets the field only: the bytes written stay
	 * 20 + options, which are padded with EOL to a multiple of 4. */
	uint8_t ihl;
	uint8_t ip_opt[PKT_MAX_IPOPT];
	unsigned ip_opt_len;
	/* PKT_SET_IP_LEN: the IPv4 tot_len or IPv6 payload_len field as given */
	uint16_t ip_len;
	uint16_t frag_off; /* IPv4 fragment offset, 8-byte units */
	bool frag_more;	   /* IPv4 MF */
	bool dont_frag;	   /* IPv4 DF */
	/* IPv6 */
	unsigned next; /* extension headers, in order */
	struct pkt_ext ext[PKT_MAX_EXT];

	/* L4 */
	uint8_t proto;	       /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, any */
	uint16_t sport, dport; /* TCP/UDP, host order */
	/* PKT_SET_DOFF: doff > 5 writes NOP options so that the header really
	 * is that long; doff < 5 writes 20 bytes. */
	uint8_t doff;
	uint8_t tcp_flags;	      /* 0: SYN */
	uint8_t icmp_type, icmp_code; /* ICMP/ICMPv6 */
	uint8_t raw[PKT_MAX_RAW];     /* other protocols: the L4 header bytes */
	unsigned raw_len;
	unsigned payload_len; /* bytes after the L4 header */

	/* Cuts the frame to this many bytes (0: no cut); lengths and checksums
	 * stay those of the whole frame. */
	unsigned truncate_to;
	unsigned set; /* PKT_SET_* */
};

/*
 * Lays out the frame spec describes in buf. Returns its length (after
 * truncate_to), or 0 when it does not fit in cap or spec is inconsistent
 * (too many tags or extension headers, options longer than 40 bytes, ...).
 * A non-first fragment still carries the L4 header bytes the spec describes
 * (they are payload there): a parser that reads ports from it is caught.
 */
size_t pkt_build(const struct pkt_spec *spec, uint8_t *buf, size_t cap);

/*
 * What a correct parser extracts from the frame for the classifier: family,
 * L4 protocol (after the extension headers), ports (has_ports false for
 * non-first fragments and protocols other than TCP/UDP, ports then 0),
 * addresses, and iif. Says nothing about whether the frame is classified at
 * all (non-IP, truncated, fragments...): that is the parser's verdict.
 */
void pkt_spec_to_key(const struct pkt_spec *spec, uint32_t iif, struct cls_key *k);

/*
 * The inverse: a frame description from which a correct parser extracts k
 * (iif aside). TCP/UDP keys without ports become fragments after the first
 * (IPv4 offset, or an IPv6 fragment header); other protocols carry 8 raw
 * bytes; 16 bytes of payload.
 */
void pkt_spec_from_key(const struct cls_key *k, struct pkt_spec *s);

/* Fills family and addresses from text ("198.18.1.2", "2001:db8::1"; both
 * of one family). Aborts on bad input: tests hard-code them. */
void pkt_set_addrs(struct pkt_spec *spec, const char *src, const char *dst);

/* Hex dump of a frame, 16 bytes a line, for failure messages. */
void pkt_hexdump(FILE *out, const uint8_t *buf, size_t len);

#endif /* SHUNT_TEST_PKTBUILD_H */
