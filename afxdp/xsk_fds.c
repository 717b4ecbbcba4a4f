// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xsk_fds.h"

#include <dirent.h>
#include <errno.h>
#include <linux/if_xdp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#ifndef SOL_XDP
#define SOL_XDP 283 /* include/linux/socket.h */
#endif

int xsk_fd_info(int fd, struct xsk_fd *out)
{
	struct xdp_options opts = { 0 };
	struct xdp_statistics st;
	socklen_t len = sizeof(opts);
	struct stat sb;

	if (fstat(fd, &sb))
		return -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -ENOTSOCK;
	/* only AF_XDP answers SOL_XDP options */
	if (getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &len))
		return -ENOPROTOOPT;
	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->zerocopy = opts.flags & XDP_OPTIONS_ZEROCOPY;
	memset(&st, 0, sizeof(st));
	len = sizeof(st);
	if (!getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len)) {
		out->rx_dropped = st.rx_dropped;
		out->rx_invalid_descs = st.rx_invalid_descs;
		out->tx_invalid_descs = st.tx_invalid_descs;
		out->rx_ring_full = st.rx_ring_full;
		out->rx_fill_ring_empty_descs = st.rx_fill_ring_empty_descs;
		out->tx_ring_empty_descs = st.tx_ring_empty_descs;
	}
	return 0;
}

static int by_fd(const void *a, const void *b)
{
	return ((const struct xsk_fd *)a)->fd - ((const struct xsk_fd *)b)->fd;
}

int xsk_fds_list(struct xsk_fd *out, int max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		if (!xsk_fd_info((int)fd, &out[n]))
			n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), by_fd);
	return n;
}
