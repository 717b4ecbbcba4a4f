/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xsk_fds.h — the AF_XDP sockets this process holds, as the sockets
 * themselves report them (getsockopt XDP_OPTIONS, XDP_STATISTICS).
 *
 * Why from our own file descriptors: DPDK's net_af_xdp PMD does not hand
 * out its sockets, AF_XDP has no getsockname, and the kernel's AF_XDP
 * sock_diag (CONFIG_XDP_SOCKETS_DIAG) is often not built (it is not on the
 * lab's kernel). Listing the sockets before and after a port starts tells
 * which socket is that port's: whether it exists at all (the port really
 * is on its queue) and whether it runs zero-copy or copy mode.
 */
#ifndef SHUNT_XSK_FDS_H
#define SHUNT_XSK_FDS_H

#include <stdbool.h>
#include <stdint.h>

struct xsk_fd {
	int fd;
	bool zerocopy;            /* XDP_OPTIONS_ZEROCOPY */
	uint64_t rx_dropped;      /* struct xdp_statistics, kernel's counters */
	uint64_t rx_invalid_descs;
	uint64_t tx_invalid_descs;
	uint64_t rx_ring_full;
	uint64_t rx_fill_ring_empty_descs;
	uint64_t tx_ring_empty_descs;
};

/* fd's answers; -ENOTSOCK / -ENOPROTOOPT when fd is not an AF_XDP socket. */
int xsk_fd_info(int fd, struct xsk_fd *out);

/* Every AF_XDP socket among this process's descriptors, lowest fd first.
 * Returns the count (at most max), or -errno. */
int xsk_fds_list(struct xsk_fd *out, int max);

#endif
