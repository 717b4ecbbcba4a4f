// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsk_probe — a stand-in for the fast lane's socket side, to test the
 * handoff without DPDK: it opens AF_XDP sockets the way DPDK's net_af_xdp
 * PMD does (libxdp's default setup, no program of its own given), so libxdp
 * must adopt shunt's attached steer program and register the sockets in its
 * xsks_map. It then writes the queues' heartbeats as a worker would and
 * counts what the steer program redirects to it.
 *
 *   xsk_probe IFNAME NQUEUES BPFFS SLOT SECONDS [READY_FILE]
 *
 * Prints "adopted prog_id N" once the sockets are registered in the program
 * that was attached before (exit 1 if libxdp put another program there),
 * then "received N" at the end. Runs at most SECONDS; SIGTERM ends it early.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "shunt_abi.h"

#define NFRAMES 4096
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define MAXQ 8

struct q {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	void *area;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static unsigned attached_prog(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, o);

	if (bpf_xdp_query(ifindex, 0, &o))
		return 0;
	return o.drv_prog_id ? o.drv_prog_id : o.skb_prog_id;
}

static int open_queue(struct q *q, const char *ifname, unsigned queue)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		/* no libxdp_flags: libxdp's default setup, as DPDK's PMD uses it */
		.bind_flags = XDP_COPY,
	};
	__u32 idx;
	int err;

	q->area = mmap(NULL, (size_t)NFRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&q->umem, q->area, (__u64)NFRAMES * FRAME_SIZE, &q->fill, &q->comp, NULL);
	if (err)
		return err;
	err = xsk_socket__create(&q->xsk, ifname, queue, q->umem, &q->rx, NULL, &cfg);
	if (err)
		return err;
	if (xsk_ring_prod__reserve(&q->fill, XSK_RING_PROD__DEFAULT_NUM_DESCS, &idx) !=
	    XSK_RING_PROD__DEFAULT_NUM_DESCS)
		return -ENOSPC;
	for (__u32 i = 0; i < XSK_RING_PROD__DEFAULT_NUM_DESCS; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = (__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&q->fill, XSK_RING_PROD__DEFAULT_NUM_DESCS);
	return 0;
}

/* Takes what arrived on q's RX ring and gives the frames back to the fill ring. */
static unsigned drain(struct q *q)
{
	__u32 rx_idx, fill_idx, n = xsk_ring_cons__peek(&q->rx, 64, &rx_idx);

	if (!n)
		return 0;
	while (xsk_ring_prod__reserve(&q->fill, n, &fill_idx) != n)
		;
	for (__u32 i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, fill_idx + i) =
			xsk_ring_cons__rx_desc(&q->rx, rx_idx + i)->addr;
	xsk_ring_prod__submit(&q->fill, n);
	xsk_ring_cons__release(&q->rx, n);
	return n;
}

int main(int argc, char **argv)
{
	struct q qs[MAXQ] = { 0 };
	unsigned nq, slot, secs, before, after;
	unsigned long received = 0;
	char path[320];
	int ifindex, hb_fd, err;
	__u64 end;

	if (argc < 6) {
		fprintf(stderr, "usage: xsk_probe IFNAME NQUEUES BPFFS SLOT SECONDS [READY_FILE]\n");
		return 2;
	}
	nq = (unsigned)atoi(argv[2]);
	slot = (unsigned)atoi(argv[4]);
	secs = (unsigned)atoi(argv[5]);
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex || nq == 0 || nq > MAXQ || secs == 0 || secs > 120) {
		fprintf(stderr, "xsk_probe: bad arguments\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	snprintf(path, sizeof(path), "%s/heartbeat", argv[3]);
	hb_fd = bpf_obj_get(path);
	if (hb_fd < 0) {
		fprintf(stderr, "xsk_probe: %s: %s\n", path, strerror(errno));
		return 1;
	}
	before = attached_prog(ifindex);
	for (unsigned q = 0; q < nq; q++) {
		err = open_queue(&qs[q], argv[1], q);
		if (err) {
			fprintf(stderr, "xsk_probe: %s queue %u: %s\n", argv[1], q, strerror(-err));
			return 1;
		}
	}
	after = attached_prog(ifindex);
	if (!before || before != after) {
		fprintf(stderr, "xsk_probe: libxdp did not adopt the attached program (%u before, %u after)\n",
			before, after);
		return 1;
	}
	printf("adopted prog_id %u\n", after);
	fflush(stdout);
	if (argc > 6) {
		FILE *f = fopen(argv[6], "w");

		if (f)
			fclose(f);
	}

	end = now_ns() + (__u64)secs * 1000000000ull;
	while (!stop && now_ns() < end) {
		struct pollfd pfd[MAXQ];
		__u64 t = now_ns();

		/* a worker's heartbeat, once per loop (poll waits <= 10 ms) */
		for (unsigned q = 0; q < nq; q++) {
			__u32 key = SHUNT_HB_KEY(slot, q);

			bpf_map_update_elem(hb_fd, &key, &t, BPF_ANY);
			pfd[q] = (struct pollfd){ .fd = xsk_socket__fd(qs[q].xsk), .events = POLLIN };
		}
		poll(pfd, nq, 10);
		for (unsigned q = 0; q < nq; q++)
			received += drain(&qs[q]);
	}
	for (unsigned q = 0; q < nq; q++) {
		xsk_socket__delete(qs[q].xsk);
		xsk_umem__delete(qs[q].umem);
		munmap(qs[q].area, (size_t)NFRAMES * FRAME_SIZE);
	}
	close(hb_fd);
	printf("received %lu\n", received);
	return 0;
}
