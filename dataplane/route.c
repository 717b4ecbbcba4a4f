// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * route.c — the kernel's main routing table, neighbours and links, followed
 * over rtnetlink and published to the workers left-right (route.h).
 *
 * Three layers:
 *
 *   netlink message -> model (control thread only): routes, next hops with
 *                      reference counts, neighbours, interfaces
 *   model change    -> op appended to a log (fib add/delete, next-hop set,
 *                      neighbour set/delete, interface set)
 *   log             -> applied to a copy of struct rt_table no worker reads
 *
 * Each copy remembers how far into the log it is. A publication brings the
 * unread copy to the end of the log, swaps the pointer, waits (bounded) for
 * every worker's quiescent report, then replays the same ops on the copy the
 * workers just left. When a worker does not report in time the swap stays
 * done but the replay waits; changes that arrive meanwhile stay in the log
 * (the only writable copy would be the one a worker may still read) and go
 * out once it reports. Both copies at the end of the log: the log is emptied
 * and next-hop ids freed since are reusable.
 *
 * Choices the header leaves open:
 * - Routes are identified as the kernel does: IPv4 by (prefix, metric),
 *   IPv6 by (prefix, metric, first hop's interface); per prefix the lowest
 *   metric is installed. IPv4 routes with a TOS and IPv6 source-specific
 *   routes are ignored. A NEWROUTE of an ignored type (local, broadcast...)
 *   in the main table removes what had that identity (a replace).
 * - RTA_VIA (IPv4 via an IPv6 gateway) and routes whose only next hop is a
 *   nexthop object (RTA_NH_ID without RTA_OIF: nexthop_compat_mode off) are
 *   RT_NH_FOREIGN: the fast lane hands them to nobody. Nexthop objects are
 *   not followed; with compat mode (the default) their routes carry RTA_OIF
 *   and RTA_GATEWAY and are handled like any other.
 * - Resync is mark and sweep: a fresh dump refreshes the model and whatever
 *   the dump did not show is deleted. Unchanged routes keep their next-hop
 *   ids and cost no op, so a resync touches the tables only where the kernel
 *   differs. It runs after ENOBUFS, and also after an interface goes down or
 *   away and after an IPv4 address is removed: the kernel then flushes the
 *   IPv4 routes that depended on it without a notification.
 */
#include "route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "log.h"

#define RT_QSBR_WAIT_MS 500     /* bound of one wait for the workers */
#define RT_EV_RCVBUF (8 << 20)  /* event socket receive buffer (bytes) */
#define RT_NL_BUF (64 << 10)    /* one netlink read (dumps come in <= 32 KiB) */
#define RT_DUMP_TIMEOUT_S 5     /* a dump's reply may not take longer */
#define RT_DUMP_TRIES 3         /* NLM_F_DUMP_INTR: dump again, this often */
#define RT_ALTS 4               /* routes per prefix (different metrics) */
#define RT_RESOLVE_REPEAT_MS 1000
#define RT_RECENT 256           /* resolve de-duplication slots (power of 2) */
#define RT_DRAIN_MAX 65536      /* reads when discarding events before a resync */
#define RT_EV_BATCH 16384       /* event reads per route_poll() */
#define RT_REFRESH_MS 5000      /* STALE neighbours re-confirmed this often */
#define RT_REFRESH_MAX 1024     /* ... at most this many per round */

static unsigned instance; /* names of DPDK objects are per process */

enum op_kind {
	OP_FIB4_ADD = 1,
	OP_FIB4_DEL,
	OP_FIB6_ADD,
	OP_FIB6_DEL,
	OP_NH_SET,
	OP_NEIGH_SET,
	OP_NEIGH_DEL,
	OP_IFACE_SET,
};

/* One change to a copy; applied in log order to both. */
struct rt_op {
	uint8_t kind;   /* enum op_kind */
	uint8_t depth;  /* OP_FIB*: prefix length */
	uint8_t failed; /* failed on the first copy: counted once */
	uint8_t pad;
	uint32_t id;    /* OP_FIB*_ADD, OP_NH_SET: next-hop id; OP_IFACE_SET: slot */
	union {
		uint32_t ip4;            /* host order, masked */
		uint8_t ip6[16];         /* masked */
		struct rt_neigh_key nk;
		struct rt_nh nh;
		struct rt_iface ifc;
	} u;
	uint64_t mac; /* OP_NEIGH_SET: rt_mac_pack() */
};

/* Model: a route prefix and the routes (metrics) the kernel has for it. */
struct route_key {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t pad[2];
	uint8_t addr[16]; /* network order, masked */
};

struct route_alt {
	uint32_t metric;
	uint32_t oif;   /* IPv6: part of the identity; IPv4: 0 */
	uint32_t gen;
	uint16_t nh;
};

struct route_rec {
	struct route_key key;
	uint8_t used;
	uint8_t nalt;
	uint16_t installed; /* next hop in the copies, RT_NH_NONE if none */
	struct route_alt alt[RT_ALTS];
};

struct neigh_rec {
	struct rt_neigh_key key;
	uint64_t mac; /* rt_mac_pack() */
	uint32_t gen;
	uint8_t used;
	uint8_t stale; /* NUD_STALE: usable, but the kernel has not confirmed it */
};

/* Next-hop identity; for other types than RT_NH_GATEWAY gw is 0, and for
 * RT_NH_DROP / RT_NH_FOREIGN ifslot is 0 too. */
struct nh_key {
	uint8_t type;
	uint8_t ifslot;
	uint8_t family;
	uint8_t pad;
	uint8_t gw[16];
};

struct link_rec {
	uint32_t ifindex;
	uint32_t flags;
	uint32_t gen;
};

enum warn_once {
	WARN_ROUTES4 = 1u << 0,
	WARN_ROUTES6 = 1u << 1,
	WARN_NEIGH = 1u << 2,
	WARN_NH = 1u << 3,
	WARN_ALTS = 1u << 4,
	WARN_INSTALL = 1u << 5,
	WARN_STALL = 1u << 6,
	WARN_RESOLVE = 1u << 7,
	WARN_LOG = 1u << 8,
};

struct route_ctx {
	/* read by the workers */
	struct rt_table *cur __rte_cache_aligned;
	struct rte_rcu_qsbr *qsbr;
	struct rte_ring *resolve;
	int wake_fd;           /* eventfd: a resolve request is waiting */
	unsigned nworkers;
	uint64_t resolve_dropped __rte_cache_aligned; /* workers add, relaxed */

	/* control thread only */
	struct rt_table *copy[2] __rte_cache_aligned;
	unsigned active;       /* index of the copy rc->cur points to */
	size_t applied[2];     /* ops of the log each copy has */
	struct rt_op *log;
	size_t nlog, caplog;
	bool waiting;          /* published; the other copy may still be read */
	bool stalled;          /* the last wait ran past the bound */
	uint64_t token;        /* QSBR token of the pending wait */

	struct mnl_socket *ev, *dump, *req;
	unsigned dump_portid;
	uint32_t seq;
	char *buf;

	unsigned niface;
	uint32_t ifindex[SHUNT_MAX_IFACES];
	char ifname[SHUNT_MAX_IFACES][SHUNT_IFNAME_LEN];

	/* model */
	struct rte_hash *m_route;  /* route_key -> position in routes */
	struct route_rec *routes;
	uint32_t nroutes_cap;
	struct rte_hash *m_neigh;  /* rt_neigh_key -> position in neighs */
	struct neigh_rec *neighs;
	uint32_t nneigh_cap;
	struct rte_hash *m_nh;     /* nh_key -> id */
	struct rt_nh nh[RT_MAX_NH];
	uint32_t nh_ref[RT_MAX_NH];
	uint16_t nh_free[RT_MAX_NH];   /* stack of free ids */
	unsigned nfree;
	uint16_t nh_limbo[RT_MAX_NH];  /* freed, reusable once the log is empty */
	unsigned nlimbo;
	struct rt_iface iface[SHUNT_MAX_IFACES];
	uint32_t iface_gen[SHUNT_MAX_IFACES];
	struct link_rec *links;
	unsigned nlinks, caplinks;
	uint32_t gen;
	bool in_dump;
	bool resync_wanted;
	bool dump_failing;

	struct {
		struct rt_resolve req;
		uint64_t tsc;
	} recent[RT_RECENT];

	uint32_t routes4, routes6, nneigh, nnh;
	uint64_t updates, publishes, resolve_sent, overflow, resyncs, stalls, refreshes;
	uint64_t next_refresh; /* TSC of the next refresh_stale() round */
	unsigned warned;
	int last_req_err;
};

/* ---- small helpers ---- */

static uint64_t ms_to_tsc(unsigned ms)
{
	return rte_get_tsc_hz() / 1000 * ms;
}

static int slot_of(const struct route_ctx *rc, uint32_t ifindex)
{
	for (unsigned i = 0; i < rc->niface; i++)
		if (rc->ifindex[i] == ifindex)
			return (int)i;
	return -1;
}

static const char *addr_str(unsigned family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static bool warn_first(struct route_ctx *rc, unsigned what)
{
	bool first = !(rc->warned & what);

	rc->warned |= what;
	return first;
}

static void mask_prefix(uint8_t *addr, unsigned bytes, unsigned len)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned bits = len > 8 * i ? len - 8 * i : 0;

		if (bits < 8)
			addr[i] &= (uint8_t)(0xff00u >> bits);
	}
}

/* ---- the op log ---- */

static struct rt_op *op_new(struct route_ctx *rc, enum op_kind kind)
{
	struct rt_op *op;

	if (rc->nlog == rc->caplog) {
		size_t cap = rc->caplog ? 2 * rc->caplog : 1024;
		struct rt_op *n = realloc(rc->log, cap * sizeof(*n));

		if (!n) {
			/* the copies would miss this change: count it; a
			 * resync later repairs what the model has */
			rc->overflow++;
			rc->resync_wanted = true;
			if (warn_first(rc, WARN_LOG))
				log_error("route: out of memory for the route update log (%zu entries); the fast lane's routes may be stale until the next resync",
					  rc->caplog);
			return NULL;
		}
		rc->log = n;
		rc->caplog = cap;
	}
	op = &rc->log[rc->nlog++];
	memset(op, 0, sizeof(*op));
	op->kind = (uint8_t)kind;
	return op;
}

static void op_fib(struct route_ctx *rc, const struct route_key *k, uint16_t nh)
{
	struct rt_op *op;

	if (k->family == 4)
		op = op_new(rc, nh ? OP_FIB4_ADD : OP_FIB4_DEL);
	else
		op = op_new(rc, nh ? OP_FIB6_ADD : OP_FIB6_DEL);
	if (!op)
		return;
	op->depth = k->len;
	op->id = nh;
	if (k->family == 4) {
		uint32_t a;

		memcpy(&a, k->addr, 4);
		op->u.ip4 = ntohl(a);
	} else {
		memcpy(op->u.ip6, k->addr, 16);
	}
}

static void op_nh(struct route_ctx *rc, uint16_t id)
{
	struct rt_op *op = op_new(rc, OP_NH_SET);

	if (op) {
		op->id = id;
		op->u.nh = rc->nh[id];
	}
}

static void op_neigh(struct route_ctx *rc, const struct rt_neigh_key *k, uint64_t mac)
{
	struct rt_op *op = op_new(rc, mac ? OP_NEIGH_SET : OP_NEIGH_DEL);

	if (op) {
		op->u.nk = *k;
		op->mac = mac;
	}
}

static void op_iface(struct route_ctx *rc, unsigned slot)
{
	struct rt_op *op = op_new(rc, OP_IFACE_SET);

	if (op) {
		op->id = slot;
		op->u.ifc = rc->iface[slot];
	}
}

static void apply_op(struct route_ctx *rc, struct rt_table *t, struct rt_op *op)
{
	char a[INET6_ADDRSTRLEN + 8];
	const char *what = NULL;
	int ret = 0;

	switch (op->kind) {
	case OP_FIB4_ADD:
		ret = rte_fib_add(t->fib4, op->u.ip4, op->depth, op->id);
		what = "IPv4 route";
		break;
	case OP_FIB4_DEL:
		ret = rte_fib_delete(t->fib4, op->u.ip4, op->depth);
		ret = ret == -ENOENT ? 0 : ret; /* its add had failed */
		what = "IPv4 route";
		break;
	case OP_FIB6_ADD:
		ret = rte_fib6_add(t->fib6, op->u.ip6, op->depth, op->id);
		what = "IPv6 route";
		break;
	case OP_FIB6_DEL:
		ret = rte_fib6_delete(t->fib6, op->u.ip6, op->depth);
		ret = ret == -ENOENT ? 0 : ret;
		what = "IPv6 route";
		break;
	case OP_NH_SET:
		t->nh[op->id] = op->u.nh;
		break;
	case OP_NEIGH_SET:
		ret = rte_hash_add_key_data(t->neigh, &op->u.nk, (void *)(uintptr_t)op->mac);
		what = "neighbour";
		break;
	case OP_NEIGH_DEL:
		ret = rte_hash_del_key(t->neigh, &op->u.nk);
		ret = ret == -ENOENT || ret >= 0 ? 0 : ret;
		what = "neighbour";
		break;
	case OP_IFACE_SET:
		t->iface[op->id] = op->u.ifc;
		break;
	default:
		break;
	}
	if (ret >= 0 || op->failed)
		return;
	/* the same op fails the same way on the other copy: count it once */
	op->failed = 1;
	rc->overflow++;
	if (!warn_first(rc, WARN_INSTALL))
		return;
	if (op->kind == OP_FIB4_ADD || op->kind == OP_FIB4_DEL) {
		uint32_t n = htonl(op->u.ip4);

		addr_str(4, (const uint8_t *)&n, a, INET6_ADDRSTRLEN);
	} else if (op->kind == OP_FIB6_ADD || op->kind == OP_FIB6_DEL) {
		addr_str(6, op->u.ip6, a, INET6_ADDRSTRLEN);
	} else {
		addr_str(op->u.nk.family, op->u.nk.addr, a, INET6_ADDRSTRLEN);
	}
	if (op->kind != OP_NEIGH_SET && op->kind != OP_NEIGH_DEL)
		snprintf(a + strlen(a), sizeof(a) - strlen(a), "/%u", op->depth);
	log_warn("route: the fast lane's table refused %s %s (%s); the fast lane misses it (counted in overflow; larger tables need bigger RT_* limits in dataplane/route.h)",
		 what, a, strerror(-ret));
}

/* Brings copy i to the end of the log. */
static void replay(struct route_ctx *rc, unsigned i)
{
	while (rc->applied[i] < rc->nlog)
		apply_op(rc, rc->copy[i], &rc->log[rc->applied[i]++]);
}

/* Both copies hold the whole log: empty it; freed next-hop ids are safe to
 * reuse now. */
static void trim(struct route_ctx *rc)
{
	rc->nlog = 0;
	rc->applied[0] = rc->applied[1] = 0;
	while (rc->nlimbo)
		rc->nh_free[rc->nfree++] = rc->nh_limbo[--rc->nlimbo];
}

/* ---- left-right publication ---- */

/* Have all workers reported a quiescent state since rc->token? Polls for up
 * to bound_ms (0: looks once). */
static bool readers_done(struct route_ctx *rc, unsigned bound_ms)
{
	uint64_t end = rte_get_tsc_cycles() + ms_to_tsc(bound_ms);
	unsigned spins = 0;

	if (!rc->qsbr)
		return true;
	for (;;) {
		if (rte_rcu_qsbr_check(rc->qsbr, rc->token, false))
			return true;
		if (rte_get_tsc_cycles() >= end)
			return false;
		if (++spins < 2000) {
			rte_pause();
		} else {
			struct timespec ts = { .tv_nsec = 20000 };

			nanosleep(&ts, NULL);
		}
	}
}

static void wait_over(struct route_ctx *rc)
{
	rc->waiting = false;
	if (rc->stalled) {
		rc->stalled = false;
		log_info("route: the fast-lane workers report again; held route updates go out");
	}
}

static void publish(struct route_ctx *rc)
{
	unsigned in;

	if (rc->waiting) {
		/* retries look once: a stuck worker must not slow every poll */
		if (!readers_done(rc, 0))
			return;
		wait_over(rc);
	}
	in = !rc->active;
	replay(rc, in);
	if (rc->applied[rc->active] < rc->nlog) {
		__atomic_store_n(&rc->cur, rc->copy[in], __ATOMIC_RELEASE);
		rc->active = in;
		rc->publishes++;
		if (rc->qsbr)
			rc->token = rte_rcu_qsbr_start(rc->qsbr);
		rc->waiting = true;
		if (!readers_done(rc, RT_QSBR_WAIT_MS)) {
			rc->stalls++;
			rc->stalled = true;
			if (warn_first(rc, WARN_STALL))
				log_warn("route: a fast-lane worker has not passed a quiescent state for %u ms; later route updates wait until it does (is a worker stuck? `shunt stats` shows its polls)",
					 RT_QSBR_WAIT_MS);
			return;
		}
		wait_over(rc);
		replay(rc, !rc->active);
	}
	trim(rc);
}

/* ---- next hops ---- */

static uint16_t nh_get(struct route_ctx *rc, const struct nh_key *k)
{
	void *data;
	uint16_t id;
	int ret;

	if (rte_hash_lookup_data(rc->m_nh, k, &data) >= 0) {
		id = (uint16_t)(uintptr_t)data;
		rc->nh_ref[id]++;
		return id;
	}
	if (!rc->nfree) {
		rc->overflow++;
		if (warn_first(rc, WARN_NH))
			log_warn("route: more than %d distinct next hops; routes beyond that are missing from the fast lane's table (counted in overflow)",
				 RT_MAX_NH - 1);
		return RT_NH_NONE;
	}
	id = rc->nh_free[--rc->nfree];
	ret = rte_hash_add_key_data(rc->m_nh, k, (void *)(uintptr_t)id);
	if (ret < 0) {
		rc->nh_free[rc->nfree++] = id;
		rc->overflow++;
		return RT_NH_NONE;
	}
	memset(&rc->nh[id], 0, sizeof(rc->nh[id]));
	rc->nh[id].type = k->type;
	rc->nh[id].ifslot = k->ifslot;
	rc->nh[id].family = k->family;
	memcpy(rc->nh[id].gw, k->gw, 16);
	if (k->type == RT_NH_GATEWAY) {
		struct rt_neigh_key nk = { .ifslot = k->ifslot, .family = k->family };
		int32_t pos;

		memcpy(nk.addr, k->gw, 16);
		pos = rte_hash_lookup(rc->m_neigh, &nk);
		if (pos >= 0) {
			rt_mac_unpack(rc->neighs[pos].mac, rc->nh[id].mac);
			rc->nh[id].mac_ok = 1;
		}
	}
	rc->nh_ref[id] = 1;
	rc->nnh++;
	op_nh(rc, id);
	return id;
}

static void nh_put(struct route_ctx *rc, uint16_t id)
{
	struct nh_key k = { 0 };

	if (id == RT_NH_NONE || !rc->nh_ref[id] || --rc->nh_ref[id])
		return;
	k.type = rc->nh[id].type;
	k.ifslot = rc->nh[id].ifslot;
	k.family = rc->nh[id].family;
	memcpy(k.gw, rc->nh[id].gw, 16);
	rte_hash_del_key(rc->m_nh, &k);
	rc->nh_limbo[rc->nlimbo++] = id;
	rc->nnh--;
}

/* A neighbour changed: a gateway next hop through it follows. */
static void nh_neigh_changed(struct route_ctx *rc, const struct rt_neigh_key *nk, uint64_t mac)
{
	struct nh_key k = { .type = RT_NH_GATEWAY, .ifslot = (uint8_t)nk->ifslot,
			    .family = (uint8_t)nk->family };
	struct rt_nh *nh;
	uint8_t m[6] = { 0 };
	void *data;

	memcpy(k.gw, nk->addr, 16);
	if (rte_hash_lookup_data(rc->m_nh, &k, &data) < 0)
		return;
	nh = &rc->nh[(uint16_t)(uintptr_t)data];
	if (mac)
		rt_mac_unpack(mac, m);
	if (nh->mac_ok == !!mac && !memcmp(nh->mac, m, 6))
		return;
	nh->mac_ok = !!mac;
	memcpy(nh->mac, m, 6);
	op_nh(rc, (uint16_t)(uintptr_t)data);
}

/* ---- routes ---- */

/* The lowest metric wins; the copies follow when that changes. */
static void route_install(struct route_ctx *rc, struct route_rec *r)
{
	uint16_t best = RT_NH_NONE;
	uint32_t metric = UINT32_MAX;

	for (unsigned i = 0; i < r->nalt; i++)
		if (best == RT_NH_NONE || r->alt[i].metric < metric) {
			best = r->alt[i].nh;
			metric = r->alt[i].metric;
		}
	if (best != r->installed) {
		op_fib(rc, &r->key, best);
		r->installed = best;
	}
	if (r->nalt)
		return;
	rte_hash_del_key(rc->m_route, &r->key);
	if (r->key.family == 4)
		rc->routes4--;
	else
		rc->routes6--;
	r->used = 0;
}

static void alt_remove(struct route_ctx *rc, struct route_rec *r, unsigned i)
{
	nh_put(rc, r->alt[i].nh);
	r->alt[i] = r->alt[--r->nalt];
}

static bool alt_match(const struct route_key *k, const struct route_alt *a, uint32_t metric,
		      uint32_t oif)
{
	return a->metric == metric && (k->family == 4 || a->oif == oif);
}

static void route_del(struct route_ctx *rc, const struct route_key *k, uint32_t metric,
		      uint32_t oif)
{
	int32_t pos = rte_hash_lookup(rc->m_route, k);
	struct route_rec *r;

	if (pos < 0)
		return;
	r = &rc->routes[pos];
	for (unsigned i = 0; i < r->nalt; i++)
		if (alt_match(k, &r->alt[i], metric, oif)) {
			alt_remove(rc, r, i);
			route_install(rc, r);
			return;
		}
}

static void route_set(struct route_ctx *rc, const struct route_key *k, uint32_t metric,
		      uint32_t oif, bool replace, const struct nh_key *nk)
{
	uint32_t *count = k->family == 4 ? &rc->routes4 : &rc->routes6;
	struct route_rec *r;
	uint16_t id;
	int32_t pos;
	unsigned i;

	pos = rte_hash_lookup(rc->m_route, k);
	if (pos < 0) {
		if (*count >= RT_MAX_ROUTES ||
		    (pos = rte_hash_add_key(rc->m_route, k)) < 0 || (uint32_t)pos >= rc->nroutes_cap) {
			if (pos >= 0)
				rte_hash_del_key(rc->m_route, k);
			rc->overflow++;
			if (warn_first(rc, k->family == 4 ? WARN_ROUTES4 : WARN_ROUTES6))
				log_warn("route: more than %d IPv%u routes in the main table; the rest are missing from the fast lane's table (counted in overflow)",
					 RT_MAX_ROUTES, k->family);
			return;
		}
		r = &rc->routes[pos];
		memset(r, 0, sizeof(*r));
		r->key = *k;
		r->used = 1;
		(*count)++;
	}
	r = &rc->routes[pos];
	id = nh_get(rc, nk);
	if (k->family == 6 && replace)
		/* an IPv6 replace takes the place of every route of that
		 * metric, whichever interface it left by */
		for (i = r->nalt; i-- > 0;)
			if (r->alt[i].metric == metric && r->alt[i].oif != oif)
				alt_remove(rc, r, i);
	for (i = 0; i < r->nalt; i++)
		if (alt_match(k, &r->alt[i], metric, oif))
			break;
	if (id == RT_NH_NONE) {
		/* no next hop to give it: as if the kernel had not sent it */
		if (i < r->nalt)
			alt_remove(rc, r, i);
	} else if (i < r->nalt) {
		nh_put(rc, r->alt[i].nh);
		r->alt[i].nh = id;
		r->alt[i].gen = rc->gen;
	} else if (r->nalt == RT_ALTS) {
		nh_put(rc, id);
		rc->overflow++;
		if (warn_first(rc, WARN_ALTS))
			log_warn("route: more than %d routes with different metrics for one prefix; the extra ones are ignored by the fast lane (counted in overflow)",
				 RT_ALTS);
	} else {
		r->alt[r->nalt++] = (struct route_alt){
			.metric = metric, .oif = k->family == 6 ? oif : 0, .gen = rc->gen, .nh = id
		};
	}
	route_install(rc, r);
}

struct attrs {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attrs *t = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static bool attr_is(const struct nlattr *a, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len;
}

static void on_route(struct route_ctx *rc, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct nlattr *gw, *via;
	struct attrs at = { tb, RTA_MAX };
	const struct rtmsg *rtm;
	struct route_key k = { 0 };
	struct nh_key nk = { 0 };
	uint32_t table, metric, oif;
	unsigned alen, maxlen;
	int slot;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &at);
	table = attr_is(tb[RTA_TABLE], 4) ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || (rtm->rtm_flags & RTM_F_CLONED) || rtm->rtm_tos ||
	    rtm->rtm_src_len)
		return;
	k.family = rtm->rtm_family == AF_INET ? 4 : 6;
	alen = k.family == 4 ? 4 : 16;
	maxlen = 8 * alen;
	if (rtm->rtm_dst_len > maxlen)
		return;
	k.len = rtm->rtm_dst_len;
	if (k.len) {
		if (!attr_is(tb[RTA_DST], alen))
			return;
		memcpy(k.addr, mnl_attr_get_payload(tb[RTA_DST]), alen);
		mask_prefix(k.addr, alen, k.len);
	}
	if (k.family == 6 && k.len >= 8 && k.addr[0] == 0xff)
		return; /* multicast */
	metric = attr_is(tb[RTA_PRIORITY], 4) ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	oif = attr_is(tb[RTA_OIF], 4) ? mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	gw = tb[RTA_GATEWAY];
	via = tb[RTA_VIA];
	if (tb[RTA_MULTIPATH]) {
		/* the first hop */
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		size_t len = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);

		if (len >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= len) {
			const struct nlattr *ntb[RTA_MAX + 1] = { NULL };
			struct attrs nat = { ntb, RTA_MAX };

			mnl_attr_parse_payload(RTNH_DATA(nh), nh->rtnh_len - sizeof(*nh), attr_cb, &nat);
			oif = (uint32_t)nh->rtnh_ifindex;
			gw = ntb[RTA_GATEWAY];
			via = ntb[RTA_VIA];
		}
	}
	if (nlh->nlmsg_type == RTM_DELROUTE) {
		route_del(rc, &k, metric, oif);
		return;
	}
	nk.family = k.family;
	switch (rtm->rtm_type) {
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		nk.type = RT_NH_DROP;
		break;
	case RTN_UNICAST:
		slot = slot_of(rc, oif);
		if (slot < 0 || via) {
			nk.type = RT_NH_FOREIGN;
		} else if (gw) {
			if (!attr_is(gw, alen))
				return;
			nk.type = RT_NH_GATEWAY;
			nk.ifslot = (uint8_t)slot;
			memcpy(nk.gw, mnl_attr_get_payload(gw), alen);
		} else {
			nk.type = RT_NH_CONNECTED;
			nk.ifslot = (uint8_t)slot;
		}
		break;
	default:
		/* local, broadcast, multicast, anycast, nat...: not ours; one
		 * may replace a route we had */
		route_del(rc, &k, metric, oif);
		return;
	}
	route_set(rc, &k, metric, oif, nlh->nlmsg_flags & NLM_F_REPLACE, &nk);
}

/* ---- neighbours ---- */

static void neigh_del(struct route_ctx *rc, const struct rt_neigh_key *k)
{
	int32_t pos = rte_hash_del_key(rc->m_neigh, k);

	if (pos < 0)
		return;
	rc->neighs[pos].used = 0;
	rc->nneigh--;
	op_neigh(rc, k, 0);
	nh_neigh_changed(rc, k, 0);
}

static void neigh_set(struct route_ctx *rc, const struct rt_neigh_key *k, uint64_t mac, bool stale)
{
	int32_t pos = rte_hash_lookup(rc->m_neigh, k);
	struct neigh_rec *n;

	if (pos < 0) {
		if (rc->nneigh >= RT_MAX_NEIGH || (pos = rte_hash_add_key(rc->m_neigh, k)) < 0 ||
		    (uint32_t)pos >= rc->nneigh_cap) {
			if (pos >= 0)
				rte_hash_del_key(rc->m_neigh, k);
			rc->overflow++;
			if (warn_first(rc, WARN_NEIGH))
				log_warn("route: more than %d neighbours on the fast-lane interfaces; the rest are missing from its table (counted in overflow)",
					 RT_MAX_NEIGH);
			return;
		}
		n = &rc->neighs[pos];
		n->key = *k;
		n->used = 1;
		n->mac = 0;
		rc->nneigh++;
	}
	n = &rc->neighs[pos];
	n->gen = rc->gen;
	n->stale = stale;
	if (n->mac == mac)
		return; /* REACHABLE <-> STALE and the like: nothing to publish */
	n->mac = mac;
	op_neigh(rc, k, mac);
	nh_neigh_changed(rc, k, mac);
}

static void on_neigh(struct route_ctx *rc, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NDA_MAX + 1] = { NULL };
	struct attrs at = { tb, NDA_MAX };
	const struct ndmsg *ndm;
	struct rt_neigh_key k;
	unsigned alen;
	int slot;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ndm)))
		return;
	ndm = mnl_nlmsg_get_payload(nlh);
	if ((ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6) ||
	    (ndm->ndm_flags & NTF_PROXY))
		return;
	slot = slot_of(rc, (uint32_t)ndm->ndm_ifindex);
	if (slot < 0)
		return;
	mnl_attr_parse(nlh, sizeof(*ndm), attr_cb, &at);
	alen = ndm->ndm_family == AF_INET ? 4 : 16;
	if (!attr_is(tb[NDA_DST], alen))
		return;
	memset(&k, 0, sizeof(k));
	k.ifslot = (uint32_t)slot;
	k.family = ndm->ndm_family == AF_INET ? 4 : 6;
	memcpy(k.addr, mnl_attr_get_payload(tb[NDA_DST]), alen);
	if (nlh->nlmsg_type == RTM_NEWNEIGH &&
	    (ndm->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
			       NUD_NOARP)) &&
	    attr_is(tb[NDA_LLADDR], 6))
		neigh_set(rc, &k, rt_mac_pack(mnl_attr_get_payload(tb[NDA_LLADDR])),
			  ndm->ndm_state & NUD_STALE);
	else
		neigh_del(rc, &k);
}

/* ---- links ---- */

static struct link_rec *link_find(struct route_ctx *rc, uint32_t ifindex)
{
	for (unsigned i = 0; i < rc->nlinks; i++)
		if (rc->links[i].ifindex == ifindex)
			return &rc->links[i];
	return NULL;
}

static void on_link(struct route_ctx *rc, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	struct attrs at = { tb, IFLA_MAX };
	const struct ifinfomsg *ifi;
	struct rt_iface v;
	struct link_rec *l;
	uint32_t ifindex;
	int slot;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifindex = (uint32_t)ifi->ifi_index;
	l = link_find(rc, ifindex);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (l)
			*l = rc->links[--rc->nlinks];
		/* its IPv4 routes went without a word */
		rc->resync_wanted |= !rc->in_dump;
	} else {
		if (l && (l->flags & IFF_UP) && !(ifi->ifi_flags & IFF_UP))
			rc->resync_wanted |= !rc->in_dump; /* the same on admin down */
		if (!l && rc->nlinks == rc->caplinks) {
			unsigned cap = rc->caplinks ? 2 * rc->caplinks : 64;
			struct link_rec *n = realloc(rc->links, cap * sizeof(*n));

			if (n) {
				rc->links = n;
				rc->caplinks = cap;
			}
		}
		if (!l && rc->nlinks < rc->caplinks)
			l = &rc->links[rc->nlinks++];
		if (l) {
			l->ifindex = ifindex;
			l->flags = ifi->ifi_flags;
			l->gen = rc->gen;
		}
	}
	slot = slot_of(rc, ifindex);
	if (slot < 0)
		return;
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &at);
	v = rc->iface[slot];
	if (nlh->nlmsg_type == RTM_DELLINK) {
		v.up = 0;
		log_warn("route: interface %s (ifindex %u) is gone; the fast lane cannot send through it until it is back and shunt restarts",
			 rc->ifname[slot], ifindex);
	} else {
		if (attr_is(tb[IFLA_ADDRESS], 6))
			memcpy(v.mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		if (attr_is(tb[IFLA_MTU], 4))
			v.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
		v.up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
		if (attr_is(tb[IFLA_OPERSTATE], 1)) {
			uint8_t op = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);

			v.up = v.up && (op == IF_OPER_UP || op == IF_OPER_UNKNOWN);
		}
		rc->iface_gen[slot] = rc->gen;
	}
	if (memcmp(&v, &rc->iface[slot], sizeof(v))) {
		rc->iface[slot] = v;
		op_iface(rc, (unsigned)slot);
	}
}

static void handle_msg(struct route_ctx *rc, const struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(rc, nlh);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		on_neigh(rc, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(rc, nlh);
		break;
	case RTM_DELADDR:
		/* IPv4 routes through the address's subnet are flushed
		 * without a notification */
		if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct ifaddrmsg)) &&
		    ((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family == AF_INET)
			rc->resync_wanted |= !rc->in_dump;
		return;
	default:
		return;
	}
	rc->updates++;
}

/* ---- dumps and resync ---- */

/* One dump of type (RTM_GETLINK/GETNEIGH/GETROUTE) for family into the
 * model. -EINTR: the kernel's table changed during the dump. */
static int dump_one(struct route_ctx *rc, uint16_t type, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(rc->buf);
	bool intr = false;
	uint32_t seq;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq = ++rc->seq;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_family = AF_UNSPEC;
	} else if (type == RTM_GETNEIGH) {
		struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

		ndm->ndm_family = family;
	} else {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = family;
	}
	if (mnl_socket_sendto(rc->dump, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(rc->dump, rc->buf, RT_NL_BUF);
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		for (nlh = (struct nlmsghdr *)rc->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != rc->dump_portid)
				continue; /* a late reply to an abandoned dump */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return intr ? -EINTR : 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && e->error)
					return e->error;
				continue;
			}
			handle_msg(rc, nlh);
		}
	}
}

static int dump_all(struct route_ctx *rc)
{
	static const struct {
		uint16_t type;
		uint8_t family;
		const char *what;
	} dumps[] = {
		{ RTM_GETLINK, AF_UNSPEC, "interfaces" },
		{ RTM_GETNEIGH, AF_INET, "IPv4 neighbours" },
		{ RTM_GETNEIGH, AF_INET6, "IPv6 neighbours" },
		{ RTM_GETROUTE, AF_INET, "IPv4 routes" },
		{ RTM_GETROUTE, AF_INET6, "IPv6 routes" },
	};
	int err = 0;

	rc->in_dump = true;
	for (unsigned i = 0; i < RTE_DIM(dumps); i++) {
		for (int t = 0; t < RT_DUMP_TRIES; t++) {
			err = dump_one(rc, dumps[i].type, dumps[i].family);
			if (err != -EINTR)
				break;
		}
		if (err) {
			/* once per failing streak: route_poll retries often */
			if (!rc->dump_failing)
				log_error("route: dumping the kernel's %s over rtnetlink failed: %s; retrying on every poll",
					  dumps[i].what,
					  err == -EINTR ? "the table kept changing" : strerror(-err));
			break;
		}
	}
	if (!err && rc->dump_failing)
		log_info("route: the kernel's tables dumped again");
	rc->dump_failing = err != 0;
	rc->in_dump = false;
	return err;
}

/* After a complete dump: whatever it did not refresh is gone. */
static void sweep(struct route_ctx *rc)
{
	for (uint32_t pos = 0; pos < rc->nroutes_cap; pos++) {
		struct route_rec *r = &rc->routes[pos];
		unsigned n;

		if (!r->used)
			continue;
		n = r->nalt;
		for (unsigned i = r->nalt; i-- > 0;)
			if (r->alt[i].gen != rc->gen)
				alt_remove(rc, r, i);
		if (n != r->nalt)
			route_install(rc, r);
	}
	for (uint32_t pos = 0; pos < rc->nneigh_cap; pos++) {
		struct neigh_rec *n = &rc->neighs[pos];

		if (n->used && n->gen != rc->gen) {
			struct rt_neigh_key k = n->key;

			neigh_del(rc, &k);
		}
	}
	for (unsigned s = 0; s < rc->niface; s++)
		if (rc->iface_gen[s] != rc->gen && rc->iface[s].up) {
			rc->iface[s].up = 0;
			op_iface(rc, s);
		}
	for (unsigned i = rc->nlinks; i-- > 0;)
		if (rc->links[i].gen != rc->gen)
			rc->links[i] = rc->links[--rc->nlinks];
}

/* Events queued before the dump are older than it: dropped. */
static void drain_events(struct route_ctx *rc)
{
	for (unsigned i = 0; i < RT_DRAIN_MAX; i++) {
		ssize_t n = mnl_socket_recvfrom(rc->ev, rc->buf, RT_NL_BUF);

		if (n < 0 && errno != ENOBUFS && errno != EINTR)
			break;
	}
}

static int resync(struct route_ctx *rc, bool initial)
{
	int err;

	if (!initial)
		drain_events(rc);
	rc->resync_wanted = false;
	rc->gen++;
	err = dump_all(rc);
	if (err) {
		rc->resync_wanted = true;
		return err;
	}
	sweep(rc);
	if (!initial)
		rc->resyncs++;
	return 0;
}

/* ---- sockets ---- */

static struct mnl_socket *nl_open(bool nonblock, const char *what)
{
	struct mnl_socket *nl;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
	if (!nl) {
		log_error("route: cannot open the rtnetlink %s socket: %s", what, strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_error("route: cannot bind the rtnetlink %s socket: %s", what, strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int open_sockets(struct route_ctx *rc)
{
	static unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE,
					   RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR };
	struct timeval tv = { .tv_sec = RT_DUMP_TIMEOUT_S };
	int size = RT_EV_RCVBUF, fd;

	rc->ev = nl_open(true, "event");
	rc->dump = nl_open(false, "dump");
	rc->req = nl_open(true, "request");
	if (!rc->ev || !rc->dump || !rc->req)
		return -EIO;
	/* subscribe before dumping: nothing between the two is lost */
	for (unsigned i = 0; i < RTE_DIM(groups); i++)
		if (mnl_socket_setsockopt(rc->ev, NETLINK_ADD_MEMBERSHIP, &groups[i],
					  sizeof(groups[i])) < 0) {
			log_error("route: cannot subscribe to rtnetlink group %u: %s", groups[i],
				  strerror(errno));
			return -errno;
		}
	fd = mnl_socket_get_fd(rc->ev);
	/* FORCE passes net.core.rmem_max (CAP_NET_ADMIN); plain is capped */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		log_warn("route: cannot enlarge the rtnetlink event buffer: %s; bursts of route changes will cost a resync",
			 strerror(errno));
	if (setsockopt(mnl_socket_get_fd(rc->dump), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		log_warn("route: cannot set a timeout on the rtnetlink dump socket: %s", strerror(errno));
	rc->dump_portid = mnl_socket_get_portid(rc->dump);
	return 0;
}

/* ---- tables ---- */

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

static struct rt_table *table_create(unsigned id, unsigned copy, int socket_id)
{
	struct rte_fib_conf c4 = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = RT_NH_NONE,
		.max_routes = RT_MAX_ROUTES,
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_2B, .num_tbl8 = 4096 },
	};
	struct rte_fib6_conf c6 = {
		.type = RTE_FIB6_TRIE,
		.default_nh = RT_NH_NONE,
		.max_routes = RT_MAX_ROUTES,
		.trie = { .nh_sz = RTE_FIB6_TRIE_2B, .num_tbl8 = 16384 },
	};
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RT_MAX_NEIGH,
		.key_len = sizeof(struct rt_neigh_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
	};
	struct rt_table *t;

	t = rte_zmalloc_socket("shunt_rt", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (!t)
		return NULL;
	snprintf(name, sizeof(name), "shunt_fib4_%u_%u", id, copy);
	t->fib4 = rte_fib_create(name, socket_id, &c4);
	snprintf(name, sizeof(name), "shunt_fib6_%u_%u", id, copy);
	t->fib6 = t->fib4 ? rte_fib6_create(name, socket_id, &c6) : NULL;
	snprintf(name, sizeof(name), "shunt_nb_%u_%u", id, copy);
	t->neigh = t->fib6 ? rte_hash_create(&hp) : NULL;
	if (!t->neigh) {
		log_error("route: cannot create the fast lane's route tables (copy %u): %s — they need about 130 MB of DPDK memory each (two copies); raise dataplane.memory_mb to 512 or more",
			  copy, rte_strerror(rte_errno));
		rte_fib6_free(t->fib6);
		rte_fib_free(t->fib4);
		rte_free(t);
		return NULL;
	}
	return t;
}

static void table_free(struct rt_table *t)
{
	if (!t)
		return;
	rte_hash_free(t->neigh);
	rte_fib6_free(t->fib6);
	rte_fib_free(t->fib4);
	rte_free(t);
}

static struct rte_hash *model_hash(const char *what, unsigned id, uint32_t entries,
				   uint32_t key_len, int socket_id, uint32_t *cap)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = socket_id,
	};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "shunt_m%s_%u", what, id);
	h = rte_hash_create(&hp);
	if (!h) {
		log_error("route: cannot create the %s model hash: %s — raise dataplane.memory_mb",
			  what, rte_strerror(rte_errno));
		return NULL;
	}
	if (cap)
		*cap = (uint32_t)rte_hash_max_key_id(h) + 1;
	return h;
}

/* ---- public API ---- */

struct route_ctx *route_open(const struct shunt_config *cfg, const uint32_t *ifindex,
			     unsigned nworkers, int socket_id)
{
	unsigned id = __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED);
	char name[RTE_RING_NAMESIZE];
	struct route_ctx *rc;
	size_t before;

	if (cfg->niface > SHUNT_MAX_IFACES || cfg->niface > UINT8_MAX) {
		log_error("route: %u interfaces, at most %d", cfg->niface, SHUNT_MAX_IFACES);
		return NULL;
	}
	rc = rte_zmalloc_socket("shunt_route", sizeof(*rc), RTE_CACHE_LINE_SIZE, socket_id);
	if (!rc) {
		log_error("route: out of DPDK memory for the route context — raise dataplane.memory_mb");
		return NULL;
	}
	rc->niface = cfg->niface;
	rc->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rc->wake_fd < 0) {
		log_error("route: eventfd: %s", strerror(errno));
		goto fail;
	}
	for (unsigned i = 0; i < cfg->niface; i++) {
		if (!ifindex[i]) {
			log_error("route: interface %s has no ifindex — does it exist in this network namespace?",
				  cfg->iface[i].ifname);
			goto fail;
		}
		rc->ifindex[i] = ifindex[i];
		snprintf(rc->ifname[i], sizeof(rc->ifname[i]), "%s", cfg->iface[i].ifname);
	}
	for (unsigned i = 1; i < RT_MAX_NH; i++)
		rc->nh_free[rc->nfree++] = (uint16_t)(RT_MAX_NH - i); /* id 1 on top */
	rc->buf = malloc(RT_NL_BUF);
	if (!rc->buf)
		goto fail;

	before = heap_used();
	rc->copy[0] = table_create(id, 0, socket_id);
	rc->copy[1] = rc->copy[0] ? table_create(id, 1, socket_id) : NULL;
	if (!rc->copy[1])
		goto fail;
	log_info("route: two route table copies take %zu MiB of DPDK memory",
		 (heap_used() - before) >> 20);
	rc->cur = rc->copy[0];

	rc->m_route = model_hash("rt", id, 2 * RT_MAX_ROUTES, sizeof(struct route_key), socket_id,
				 &rc->nroutes_cap);
	rc->m_neigh = model_hash("nb", id, RT_MAX_NEIGH, sizeof(struct rt_neigh_key), socket_id,
				 &rc->nneigh_cap);
	rc->m_nh = model_hash("nh", id, RT_MAX_NH, sizeof(struct nh_key), socket_id, NULL);
	if (!rc->m_route || !rc->m_neigh || !rc->m_nh)
		goto fail;
	rc->routes = calloc(rc->nroutes_cap, sizeof(*rc->routes));
	rc->neighs = calloc(rc->nneigh_cap, sizeof(*rc->neighs));
	if (!rc->routes || !rc->neighs) {
		log_error("route: out of memory for the route model");
		goto fail;
	}

	rc->nworkers = nworkers;
	if (nworkers) {
		size_t sz = rte_rcu_qsbr_get_memsize(nworkers);

		rc->qsbr = rte_zmalloc_socket("shunt_qsbr", sz, RTE_CACHE_LINE_SIZE, socket_id);
		if (!rc->qsbr || rte_rcu_qsbr_init(rc->qsbr, nworkers)) {
			log_error("route: cannot set up the workers' quiescent-state tracking for %u workers",
				  nworkers);
			goto fail;
		}
	}
	snprintf(name, sizeof(name), "shunt_resolve_%u", id);
	rc->resolve = rte_ring_create_elem(name, sizeof(struct rt_resolve), RT_RESOLVE_RING,
					   socket_id, RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (!rc->resolve) {
		log_error("route: cannot create the resolve ring: %s", rte_strerror(rte_errno));
		goto fail;
	}

	if (open_sockets(rc))
		goto fail;
	if (resync(rc, true))
		goto fail;
	publish(rc);
	log_info("route: %u IPv4 and %u IPv6 routes, %u neighbours, %u next hops from the kernel",
		 rc->routes4, rc->routes6, rc->nneigh, rc->nnh);
	return rc;
fail:
	route_close(rc);
	return NULL;
}

int route_fd(const struct route_ctx *rc)
{
	return mnl_socket_get_fd(rc->ev);
}

int route_wake_fd(const struct route_ctx *rc)
{
	return rc->wake_fd;
}

/* Replies to resolve requests: errors only (no ACK asked). */
static void drain_requests(struct route_ctx *rc)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(rc->req, rc->buf, RT_NL_BUF);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rc->buf;
		int len = (int)n;

		if (n < 0)
			return;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) || !e->error)
				continue;
			if (warn_first(rc, WARN_RESOLVE) || e->error != rc->last_req_err)
				log_warn("route: the kernel refused a neighbour resolve request: %s",
					 strerror(-e->error));
			rc->last_req_err = e->error;
		}
	}
}

static bool resolve_recent(struct route_ctx *rc, const struct rt_resolve *r, uint64_t now)
{
	uint32_t h = rte_jhash(r, sizeof(*r), 0) & (RT_RECENT - 1);

	if (!memcmp(&rc->recent[h].req, r, sizeof(*r)) &&
	    now - rc->recent[h].tsc < ms_to_tsc(RT_RESOLVE_REPEAT_MS))
		return true;
	rc->recent[h].req = *r;
	rc->recent[h].tsc = now;
	return false;
}

static void send_resolve(struct route_ctx *rc, const struct rt_resolve *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE; /* no ACK: errors come back alone */
	nlh->nlmsg_seq = ++rc->seq;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = r->family == 4 ? AF_INET : AF_INET6;
	ndm->ndm_ifindex = (int)rc->ifindex[r->ifslot];
	ndm->ndm_state = NUD_NONE;
	/* neigh_add(): NTF_USE calls neigh_event_send(), as a packet would:
	 * a new or failed entry goes INCOMPLETE and solicits, a stale one
	 * goes DELAY; a reachable one stays as it is */
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, r->family == 4 ? 4 : 16, r->addr);
	if (mnl_socket_sendto(rc->req, nlh, nlh->nlmsg_len) < 0) {
		if (warn_first(rc, WARN_RESOLVE))
			log_warn("route: cannot send a neighbour resolve request on %s: %s",
				 rc->ifname[r->ifslot], strerror(errno));
		return;
	}
	rc->resolve_sent++;
}

static void process_resolves(struct route_ctx *rc)
{
	struct rt_resolve req[32];
	uint64_t now = rte_get_tsc_cycles();
	unsigned n, total = 0;

	do {
		n = rte_ring_dequeue_burst_elem(rc->resolve, req, sizeof(req[0]), RTE_DIM(req), NULL);
		for (unsigned i = 0; i < n; i++) {
			struct rt_resolve r = { .ifslot = req[i].ifslot, .family = req[i].family };

			if (r.ifslot >= rc->niface || (r.family != 4 && r.family != 6))
				continue;
			memcpy(r.addr, req[i].addr, r.family == 4 ? 4 : 16); /* rest 0 */
			if (!resolve_recent(rc, &r, now))
				send_resolve(rc, &r);
		}
		total += n;
	} while (n == RTE_DIM(req) && total < RT_RESOLVE_RING);
}

/*
 * The fast lane's traffic never passes the kernel's neighbour code, so the
 * kernel would let an entry the fast lane uses sit in STALE for good (its
 * GC keeps them below gc_thresh1) and never notice that the address moved
 * to another MAC. Every RT_REFRESH_MS, each STALE neighbour gets NTF_USE,
 * as a packet on the kernel lane would: STALE -> DELAY -> one unicast probe
 * -> REACHABLE (or FAILED, and the entry goes).
 */
static void refresh_stale(struct route_ctx *rc)
{
	uint64_t now = rte_get_tsc_cycles();
	unsigned sent = 0;

	if (now < rc->next_refresh)
		return;
	rc->next_refresh = now + ms_to_tsc(RT_REFRESH_MS);
	for (uint32_t i = 0; i < rc->nneigh_cap && sent < RT_REFRESH_MAX; i++) {
		const struct neigh_rec *n = &rc->neighs[i];
		struct rt_resolve r;

		if (!n->used || !n->stale)
			continue;
		r.ifslot = n->key.ifslot;
		r.family = n->key.family;
		memcpy(r.addr, n->key.addr, sizeof(r.addr));
		send_resolve(rc, &r);
		sent++;
	}
	rc->refreshes += sent;
}

int route_poll(struct route_ctx *rc)
{
	int err = 0;

	/* bounded: under a storm of changes the batch goes out in slices */
	for (unsigned reads = 0; reads < RT_EV_BATCH; reads++) {
		ssize_t n = mnl_socket_recvfrom(rc->ev, rc->buf, RT_NL_BUF);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rc->buf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* messages were lost: the rest of the queue
				 * is superseded by the dump */
				rc->resync_wanted = true;
				break;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				err = -errno;
				log_error("route: reading rtnetlink events failed: %s", strerror(errno));
			}
			break;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			handle_msg(rc, nlh);
	}
	if (rc->resync_wanted) {
		int r = resync(rc, false);

		err = err ?: r;
	}
	publish(rc);
	drain_requests(rc);
	eventfd_read(rc->wake_fd, &(eventfd_t){ 0 });
	process_resolves(rc);
	refresh_stale(rc);
	return err;
}

void route_get_stats(const struct route_ctx *rc, struct route_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->routes4 = rc->routes4;
	st->routes6 = rc->routes6;
	st->neigh = rc->nneigh;
	st->nh = rc->nnh;
	st->updates = rc->updates;
	st->publishes = rc->publishes;
	st->resolve_sent = rc->resolve_sent;
	st->resolve_dropped = __atomic_load_n(&rc->resolve_dropped, __ATOMIC_RELAXED);
	st->overflow = rc->overflow;
	st->resyncs = rc->resyncs;
	st->stalls = rc->stalls;
	st->refreshes = rc->refreshes;
}

void route_close(struct route_ctx *rc)
{
	if (!rc)
		return;
	if (rc->ev)
		mnl_socket_close(rc->ev);
	if (rc->dump)
		mnl_socket_close(rc->dump);
	if (rc->req)
		mnl_socket_close(rc->req);
	if (rc->wake_fd > 0)
		close(rc->wake_fd);
	rte_ring_free(rc->resolve);
	rte_free(rc->qsbr);
	rte_hash_free(rc->m_route);
	rte_hash_free(rc->m_neigh);
	rte_hash_free(rc->m_nh);
	table_free(rc->copy[0]);
	table_free(rc->copy[1]);
	free(rc->routes);
	free(rc->neighs);
	free(rc->links);
	free(rc->log);
	free(rc->buf);
	rte_free(rc);
}

void route_worker_online(struct route_ctx *rc, unsigned worker)
{
	if (!rc->qsbr || worker >= rc->nworkers)
		return;
	rte_rcu_qsbr_thread_register(rc->qsbr, worker); /* returns at once when done */
	rte_rcu_qsbr_thread_online(rc->qsbr, worker);
}

void route_worker_offline(struct route_ctx *rc, unsigned worker)
{
	if (rc->qsbr && worker < rc->nworkers)
		rte_rcu_qsbr_thread_offline(rc->qsbr, worker);
}

const struct rt_table *route_table(const struct route_ctx *rc)
{
	return __atomic_load_n(&rc->cur, __ATOMIC_ACQUIRE);
}

void route_quiescent(struct route_ctx *rc, unsigned worker)
{
	if (rc->qsbr)
		rte_rcu_qsbr_quiescent(rc->qsbr, worker);
}

void route_resolve(struct route_ctx *rc, const struct rt_resolve *req)
{
	unsigned free_after;

	if (!rte_ring_enqueue_bulk_elem(rc->resolve, (void *)(uintptr_t)req, sizeof(*req), 1,
					&free_after)) {
		__atomic_fetch_add(&rc->resolve_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	/* the first request into an empty ring wakes the control loop now,
	 * not at its next 100 ms tick: every packet to the unknown neighbour
	 * is dropped until the kernel has resolved it. (free_space is what
	 * is left after this enqueue.) */
	if (free_after == rte_ring_get_capacity(rc->resolve) - 1)
		eventfd_write(rc->wake_fd, 1);
}

const struct rt_table *route_test_copy(const struct route_ctx *rc, unsigned i)
{
	return rc->copy[i & 1];
}

bool route_test_synced(const struct route_ctx *rc)
{
	return !rc->waiting && rc->nlog == 0;
}
