/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xsk_diag.h — the AF_XDP sockets of the current network namespace, as the
 * kernel's sock_diag reports them (NETLINK_SOCK_DIAG, AF_XDP): which
 * (interface, queue) each is bound to, whether its umem runs zero-copy, and
 * its drop counters. This is how to check from outside that every socket of
 * the fast lane landed where the config says, in the mode it expects.
 *
 * The AF_XDP handler is CONFIG_XDP_SOCKETS_DIAG (module xsk_diag; sock_diag
 * loads it on demand where modules are enabled, so no modprobe is needed
 * there). A kernel built without it cannot answer: -EOPNOTSUPP.
 */
#ifndef SHUNT_XSK_DIAG_H
#define SHUNT_XSK_DIAG_H

#include <stdbool.h>
#include <stdint.h>

struct xsk_diag {
	uint32_t ifindex, queue; /* ifindex 0: not bound (yet) */
	uint32_t ino;		 /* the socket's inode (fstat() of its fd) */
	bool zerocopy;		 /* its umem runs zero-copy (XDP_DU_F_ZEROCOPY) */
	uint64_t rx_dropped, rx_invalid, tx_invalid, rx_full, fill_ring_empty, tx_ring_empty;
};

/*
 * Fills out[] with up to max sockets in the kernel's order. Returns their
 * count, or -errno: -EOPNOTSUPP when the kernel has no AF_XDP sock_diag
 * (built without CONFIG_XDP_SOCKETS_DIAG, or without AF_XDP), -E2BIG when
 * there are more than max.
 */
int xsk_diag_list(struct xsk_diag *out, int max);

#endif
