// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * afxdp_probe — the afxdp/ probes against the running kernel, for
 * tests/integration/afxdp_probe.sh. One line per answer:
 *
 *   afxdp_probe features IFNAME...
 *       "features IFNAME basic,redirect,... zc_max_segs=N" per interface
 *       (afxdp/xdp_features.c)
 *   afxdp_probe bind IFNAME SECONDS QUEUE...
 *       opens one AF_XDP socket per QUEUE in copy mode (raw socket calls, no
 *       XDP program needed for that), prints "bound ifindex=N queue=N fd=N"
 *       per socket, then what afxdp/xsk_fds.c finds among the process's
 *       descriptors: "xsk fd=N zerocopy=0|1" per socket and "xsk count N",
 *       then "ready"; holds them until SIGTERM/SIGINT or SECONDS (0: not at
 *       all), closes them, prints "xsk count N" again and "closed".
 *
 * Exit status: 0, 1 on an error, 2 on bad usage, 3 when the kernel cannot
 * answer (-EOPNOTSUPP: no "netdev" genl family).
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdp_features.h"
#include "xsk_fds.h"

#ifndef SOL_XDP
#define SOL_XDP 283 /* include/linux/socket.h */
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif

#define MAXQ 16
#define NFRAMES 64
#define FRAME_SIZE 4096
#define RING 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int err_status(int err)
{
	return err == -EOPNOTSUPP ? 3 : 1;
}

static int cmd_features(int argc, char **argv)
{
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		int ifindex = (int)if_nametoindex(argv[i]), err;
		uint64_t f;
		uint32_t segs;
		char s[128];

		if (!ifindex) {
			fprintf(stderr, "afxdp_probe: %s: no such interface\n", argv[i]);
			rc = 1;
			continue;
		}
		err = xdp_features_get(ifindex, &f, &segs);
		if (err) {
			fprintf(stderr, "afxdp_probe: %s: xdp_features_get: %s\n", argv[i], strerror(-err));
			rc = err_status(err);
			continue;
		}
		printf("features %s %s zc_max_segs=%u\n", argv[i], xdp_features_str(f, s, sizeof(s)), segs);
	}
	return rc;
}

/* The AF_XDP sockets xsk_fds_list() finds in this process. */
static int list_own(void)
{
	struct xsk_fd x[64];
	int n = xsk_fds_list(x, 64);

	if (n < 0) {
		fprintf(stderr, "afxdp_probe: xsk_fds_list: %s\n", strerror(-n));
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("xsk fd=%d zerocopy=%d rx_dropped=%llu\n", x[i].fd, x[i].zerocopy,
		       (unsigned long long)x[i].rx_dropped);
	printf("xsk count %d\n", n);
	return 0;
}

/* One AF_XDP socket with its own umem, bound to (ifindex, queue) in copy mode. */
static int xsk_open(int ifindex, unsigned queue, void *area)
{
	struct xdp_umem_reg reg = {
		.addr = (unsigned long)area,
		.len = (uint64_t)NFRAMES * FRAME_SIZE,
		.chunk_size = FRAME_SIZE,
	};
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_ifindex = (uint32_t)ifindex,
		.sxdp_queue_id = queue,
		.sxdp_flags = XDP_COPY,
	};
	int ring = RING, fd, err;

	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &ring, sizeof(ring)) ||
	    bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int cmd_bind(int argc, char **argv)
{
	int fds[MAXQ], nq = argc - 2, ifindex, secs, rc = 0;
	size_t area_len = (size_t)NFRAMES * FRAME_SIZE;
	void *areas[MAXQ];

	ifindex = (int)if_nametoindex(argv[0]);
	secs = atoi(argv[1]);
	if (!ifindex || secs < 0 || secs > 600 || nq < 1 || nq > MAXQ) {
		fprintf(stderr, "afxdp_probe: bind: bad arguments\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (int i = 0; i < nq; i++) {
		unsigned queue = (unsigned)atoi(argv[2 + i]);

		areas[i] = mmap(NULL, area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		fds[i] = areas[i] == MAP_FAILED ? -ENOMEM : xsk_open(ifindex, queue, areas[i]);
		if (fds[i] < 0) {
			fprintf(stderr, "afxdp_probe: bind %s queue %u: %s\n", argv[0], queue, strerror(-fds[i]));
			if (areas[i] != MAP_FAILED)
				munmap(areas[i], area_len);
			nq = i;
			rc = 1;
			goto out;
		}
		printf("bound ifindex=%d queue=%u fd=%d\n", ifindex, queue, fds[i]);
	}
	if (list_own()) {
		rc = 1;
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	for (int t = 0; !stop && t < secs * 10; t++)
		usleep(100 * 1000);
out:
	for (int i = 0; i < nq; i++) {
		close(fds[i]);
		munmap(areas[i], area_len);
	}
	list_own();
	printf("closed\n");
	return rc;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "features"))
		return cmd_features(argc - 2, argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "bind"))
		return cmd_bind(argc - 2, argv + 2);
	fprintf(stderr, "usage: afxdp_probe features IFNAME...\n"
			"       afxdp_probe bind IFNAME SECONDS QUEUE...\n");
	return 2;
}
