/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pipeline.h — what the fast lane does to one frame, on plain bytes (no
 * mbuf, no EAL) so that the unit tests run it as the workers do.
 *
 *   fwd_parse():   Ethernet + IPv4/IPv6 checks; the destination to route
 *   fwd_rewrite(): MACs, TTL/hop limit, the IPv4 checksum updated in place
 *
 * The steer program sends only well-formed, untagged, unfragmented IP with
 * TTL > 1 and no IPv4 options to the fast lane; the checks here are the
 * forwarder's own guard, never trusted from the other side, and say by
 * SHUNT_FAST_* reason why a frame is refused.
 */
#ifndef SHUNT_PIPELINE_H
#define SHUNT_PIPELINE_H

#include <stdint.h>
#include <string.h>

#include "shunt_abi.h"

#define FWD_ETH_LEN 14

struct fwd_pkt {
	uint8_t family;     /* 4 or 6 */
	uint16_t l3_len;    /* IP datagram length (header + payload) */
	uint32_t dst4;      /* IPv4 destination, host order */
	const uint8_t *dst; /* destination address in the frame (4 or 16 bytes) */
};

static inline uint16_t fwd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * frame/len: the whole Ethernet frame. Returns SHUNT_FAST_OK with *p
 * filled, or the reason to drop it (SHUNT_FAST_MALFORMED, _UNSUPPORTED).
 */
static inline int fwd_parse(const uint8_t *frame, uint32_t len, struct fwd_pkt *p)
{
	const uint8_t *ip = frame + FWD_ETH_LEN;
	uint16_t type, tot;

	if (len < FWD_ETH_LEN)
		return SHUNT_FAST_MALFORMED;
	type = fwd_be16(frame + 12);
	if (type == 0x0800) {
		uint16_t frag;

		if (len < FWD_ETH_LEN + 20 || (ip[0] >> 4) != 4 || (ip[0] & 0xf) < 5)
			return SHUNT_FAST_MALFORMED;
		tot = fwd_be16(ip + 2);
		if (tot < (ip[0] & 0xf) * 4u || tot > len - FWD_ETH_LEN)
			return SHUNT_FAST_MALFORMED;
		frag = fwd_be16(ip + 6);
		/* options, fragments (MF or an offset), TTL that expires here */
		if ((ip[0] & 0xf) != 5 || (frag & 0x3fff) || ip[8] <= 1)
			return SHUNT_FAST_UNSUPPORTED;
		p->family = 4;
		p->l3_len = tot;
		p->dst = ip + 16;
		p->dst4 = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
		return SHUNT_FAST_OK;
	}
	if (type == 0x86dd) {
		if (len < FWD_ETH_LEN + 40 || (ip[0] >> 4) != 6)
			return SHUNT_FAST_MALFORMED;
		tot = fwd_be16(ip + 4);
		if (tot > len - FWD_ETH_LEN - 40)
			return SHUNT_FAST_MALFORMED;
		if (ip[7] <= 1)
			return SHUNT_FAST_UNSUPPORTED;
		p->family = 6;
		p->l3_len = (uint16_t)(tot + 40);
		p->dst = ip + 24;
		p->dst4 = 0;
		return SHUNT_FAST_OK;
	}
	if (type == 0x8100 || type == 0x88a8)
		return SHUNT_FAST_UNSUPPORTED;
	return SHUNT_FAST_MALFORMED;
}

/*
 * Sets the MACs and takes one off the TTL / hop limit. The IPv4 header
 * checksum is updated for the TTL change alone (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m'), m the 16-bit word holding TTL and protocol).
 */
static inline void fwd_rewrite(uint8_t *frame, const struct fwd_pkt *p, const uint8_t dmac[6],
			       const uint8_t smac[6])
{
	uint8_t *ip = frame + FWD_ETH_LEN;

	memcpy(frame, dmac, 6);
	memcpy(frame + 6, smac, 6);
	if (p->family == 4) {
		uint32_t m = fwd_be16(ip + 8), sum;

		ip[8]--;
		sum = (uint16_t)~fwd_be16(ip + 10) + (uint16_t)~m + fwd_be16(ip + 8);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (uint16_t)~sum;
		ip[10] = (uint8_t)(sum >> 8);
		ip[11] = (uint8_t)sum;
	} else {
		ip[7]--;
	}
}

#endif /* SHUNT_PIPELINE_H */
