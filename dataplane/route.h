/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * route.h — the fast lane's view of the kernel's routes and neighbours.
 *
 * The control thread (main lcore) dumps the kernel's main routing table,
 * neighbours and links over rtnetlink (libmnl) at start, then follows them
 * through a subscription. Workers read a route table without locks:
 *
 *   rte_fib (IPv4, DIR24_8) / rte_fib6 (TRIE) -> next-hop id -> struct rt_nh
 *   connected next hop: neighbour hash (interface slot, address) -> MAC
 *   gateway next hop:   the gateway's MAC is in the rt_nh itself
 *
 * Publication is left-right: there are two complete tables. The control
 * thread applies a batch of changes to the one workers do not read,
 * publishes it with one atomic pointer store, waits (RCU QSBR, bounded) until
 * every worker has passed a quiescent state, then replays the same batch on
 * the other copy. Why not rte_fib's own RCU: DPDK 22.11's rte_fib/rte_fib6
 * have none (rte_lpm has), and DIR24_8 recycles a freed tbl8 group at once,
 * so a worker in the middle of a lookup could read another prefix's entries.
 * The cost is twice the memory: measured ~128 MiB per copy with the default
 * sizes (fib4 60 MiB: 32 MiB tbl24 + a RIB mempool of 2 x max_routes
 * nodes; fib6 66 MiB; neighbour hash 1 MiB), ~262 MiB for route_open().
 *
 * Only routes of the main table leaving by a configured interface give a
 * usable next hop; others (another interface, blackhole, unreachable,
 * prohibit) give one the worker counts and drops. Multipath routes use their
 * first hop.
 */
#ifndef SHUNT_ROUTE_H
#define SHUNT_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "config.h"

#define RT_MAX_NH 4096      /* next hops (fib next-hop ids, 2-byte entries) */
#define RT_NH_NONE 0        /* fib default: no route */
#define RT_MAX_NEIGH 16384  /* neighbour hash entries (per copy) */
#define RT_RESOLVE_RING 1024
#define RT_MAX_ROUTES 65536 /* per family: rte_fib max_routes */

enum rt_nh_type {
	RT_NH_UNUSED = 0,  /* id 0: no route */
	RT_NH_CONNECTED,   /* on-link: the destination's own MAC, neighbour hash */
	RT_NH_GATEWAY,     /* via a gateway: mac below when mac_ok */
	RT_NH_DROP,        /* blackhole, unreachable, prohibit */
	RT_NH_FOREIGN,     /* leaves by an interface without fast-lane ports */
};

/* One next hop; immutable for readers (the control thread writes only the
 * copy no worker reads). */
struct rt_nh {
	uint8_t type;     /* enum rt_nh_type */
	uint8_t ifslot;   /* egress: index into config interfaces */
	uint8_t mac_ok;   /* RT_NH_GATEWAY: mac is the gateway's */
	uint8_t family;   /* 4 or 6 */
	uint8_t mac[6];
	uint8_t pad[2];
	uint8_t gw[16];   /* RT_NH_GATEWAY: the gateway, network order */
};

/* Key of the neighbour hash. */
struct rt_neigh_key {
	uint32_t ifslot;
	uint32_t family;  /* 4 or 6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes, rest 0 */
};

/* Per configured interface, as the kernel reports it. */
struct rt_iface {
	uint8_t mac[6];
	uint8_t up;       /* IFF_UP and carrier */
	uint8_t pad;
	uint32_t mtu;
};

/* One copy of the table. Workers only read it. */
struct rt_table {
	struct rte_fib *fib4;
	struct rte_fib6 *fib6;
	struct rte_hash *neigh; /* rt_neigh_key -> data: rt_mac_pack() */
	struct rt_iface iface[SHUNT_MAX_IFACES];
	struct rt_nh nh[RT_MAX_NH];
};

/* Neighbour hash data: the MAC in the low 48 bits (wire order, byte 0 in
 * bits 0-7), bit 63 set. The hash stores a void *; pack, never point. */
#define RT_MAC_VALID (1ull << 63)

static inline uint64_t rt_mac_pack(const uint8_t mac[6])
{
	uint64_t v = RT_MAC_VALID;

	for (int i = 0; i < 6; i++)
		v |= (uint64_t)mac[i] << (8 * i);
	return v;
}

static inline void rt_mac_unpack(uint64_t v, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(v >> (8 * i));
}

/* What a worker asks the control thread to resolve (unknown neighbour). */
struct rt_resolve {
	uint32_t ifslot;
	uint32_t family;
	uint8_t addr[16];
};

struct route_stats {
	uint32_t routes4, routes6, neigh, nh;
	uint64_t updates;          /* netlink messages applied */
	uint64_t publishes;        /* left-right swaps */
	uint64_t resolve_sent;     /* NTF_USE requests sent to the kernel */
	uint64_t refreshes;        /* of those, STALE neighbours re-confirmed */
	uint64_t resolve_dropped;  /* resolve ring full */
	uint64_t overflow;         /* routes/neighbours/next hops that did not fit */
	uint64_t resyncs;          /* full re-dumps: a lost netlink message, an
				    * interface down or removed, an IPv4
				    * address removed (the kernel flushes IPv4
				    * routes then without telling) */
	uint64_t stalls;           /* publications a worker held up past the
				    * bound (the other copy's update waits) */
};

struct route_ctx;

/*
 * Control side (main lcore, after rte_eal_init()).
 *
 * route_open: subscribes first, then dumps links, neighbours and routes of
 * the main table, fills both copies and publishes one. ifindex[i] is
 * cfg->iface[i]'s ifindex. nworkers: the QSBR reader count; each worker
 * calls route_worker_online(rc, its id 0..nworkers-1) before its loop.
 * Returns NULL after logging what failed.
 */
struct route_ctx *route_open(const struct shunt_config *cfg, const uint32_t *ifindex,
			     unsigned nworkers, int socket_id);
/* The netlink socket and an eventfd workers signal when they queue a
 * resolve request: route_poll() has work when either is readable. */
int route_fd(const struct route_ctx *rc);
int route_wake_fd(const struct route_ctx *rc);
/*
 * Reads pending netlink messages (never blocks), applies them as one batch
 * and publishes; sends the kernel the resolve requests workers queued
 * (each address at most once per second). Call it often (every <= 100 ms)
 * and when route_fd() is readable. Returns 0 or -errno (logged).
 */
int route_poll(struct route_ctx *rc);
void route_get_stats(const struct route_ctx *rc, struct route_stats *st);
/* Frees everything. Workers must have stopped. */
void route_close(struct route_ctx *rc);

/* Worker side. */
void route_worker_online(struct route_ctx *rc, unsigned worker);
void route_worker_offline(struct route_ctx *rc, unsigned worker);

/* The copy to read now; valid until this worker's next quiescent report. */
const struct rt_table *route_table(const struct route_ctx *rc);
/* Once per loop iteration, with no rt_table pointer held across it. */
void route_quiescent(struct route_ctx *rc, unsigned worker);
/* Queue a resolve request (drops it when the ring is full). */
void route_resolve(struct route_ctx *rc, const struct rt_resolve *req);

/* Tests only (control thread): copy i (0 or 1) of the table, and whether
 * both copies hold every change so far (no publication or replay pending). */
const struct rt_table *route_test_copy(const struct route_ctx *rc, unsigned i);
bool route_test_synced(const struct route_ctx *rc);

#endif /* SHUNT_ROUTE_H */
