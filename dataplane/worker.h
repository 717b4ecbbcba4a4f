/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * worker.h — one fast-lane worker: an lcore pinned to the core the config
 * names, polling its (port, queue) pairs the DPDK l3fwd way: burst RX,
 * prefetch, parse, route (rte_fib/rte_fib6 bulk lookups), rewrite, buffered
 * TX on its own TX queue of the egress interface, drained on a TSC timer.
 */
#ifndef SHUNT_WORKER_H
#define SHUNT_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "config.h"
#include "route.h"

#define WORKER_MAX_BURST 64
#define WORKER_TX_BUF (2 * WORKER_MAX_BURST)

struct worker_rx {
	uint16_t port;     /* ethdev port id */
	uint8_t ifslot;    /* interface it receives on */
	uint32_t hb_key;   /* SHUNT_HB_KEY(ifslot, NIC queue) */
};

struct worker_tx {
	uint16_t port;     /* UINT16_MAX: no port of ours on that interface */
	uint16_t n;
	struct rte_mbuf *m[WORKER_TX_BUF];
};

struct worker {
	unsigned id;       /* 0..nworkers-1: QSBR thread id, fast_lcores entry */
	unsigned lcore, cpu;
	unsigned nrx;
	struct worker_rx rx[SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES];
	struct worker_tx tx[SHUNT_MAX_IFACES];
	unsigned burst;
	bool adaptive;
	int hb_fd;         /* pinned heartbeat map */
	uint64_t hb_period_ns; /* well inside the steer program's limit */
	struct route_ctx *rc;
	struct shunt_fast_lcore *st; /* this worker's entry in the mmapped fast_lcores */
	volatile bool *quit;
	/* the last address this worker asked the control thread to resolve */
	struct rt_resolve last_req;
	uint64_t last_req_tsc;
} __rte_cache_aligned;

/* The loop; arg is a struct worker *. Returns when *quit is set. */
int worker_main(void *arg);

#endif /* SHUNT_WORKER_H */
