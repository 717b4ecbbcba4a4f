// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * worker.c — the fast lane's per-lcore loop (see worker.h).
 *
 * One burst is handled in three passes, l3fwd style: parse every frame
 * (prefetching a few ahead), look the destinations up in one bulk call per
 * family, then resolve the next hop's MAC, rewrite and buffer for TX.
 * Counters go straight into this worker's mmapped fast_lcores entry (one
 * writer); the TSC drives the TX drain timer and the cycle counters, and
 * CLOCK_MONOTONIC the heartbeats (the steer program's clock).
 */
#include "worker.h"

#include <time.h>

#include <bpf/bpf.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "pipeline.h"

#define PREFETCH_AHEAD 3
#define DRAIN_US 100          /* buffered TX leaves within this */
#define IDLE_SPIN 64          /* empty rounds before an adaptive worker sleeps */
#define IDLE_SLEEP_MAX_US 200 /* longest nap: worst added latency when idle */
#define RESOLVE_REPEAT_US 1000 /* the same address again after this */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void beat(struct worker *w)
{
	uint64_t now = mono_ns();

	for (unsigned i = 0; i < w->nrx; i++)
		bpf_map_update_elem(w->hb_fd, &w->rx[i].hb_key, &now, BPF_ANY);
}

static void tx_flush(struct worker *w, struct worker_tx *tx)
{
	uint16_t sent = 0;

	if (!tx->n)
		return;
	/* the AF_XDP TX ring may take part of it; one retry, then count */
	sent = rte_eth_tx_burst(tx->port, 0, tx->m, tx->n);
	if (sent < tx->n)
		sent += rte_eth_tx_burst(tx->port, 0, tx->m + sent, (uint16_t)(tx->n - sent));
	for (uint16_t i = sent; i < tx->n; i++) {
		w->st->tx_bytes -= rte_pktmbuf_pkt_len(tx->m[i]);
		rte_pktmbuf_free(tx->m[i]);
	}
	w->st->tx_packets -= (uint64_t)(tx->n - sent);
	w->st->drops[SHUNT_FAST_TX_FULL] += (uint64_t)(tx->n - sent);
	tx->n = 0;
}

static void tx_flush_all(struct worker *w)
{
	for (unsigned i = 0; i < SHUNT_MAX_IFACES; i++)
		tx_flush(w, &w->tx[i]);
}

static inline void drop(struct worker *w, struct rte_mbuf *m, int why)
{
	w->st->drops[why]++;
	rte_pktmbuf_free(m);
}

/* Asks the control thread to resolve (ifslot, dst), at most once per
 * RESOLVE_REPEAT_US for the same address from this worker. */
static void resolve(struct worker *w, unsigned ifslot, unsigned family, const uint8_t *addr,
		    uint64_t now)
{
	struct rt_resolve r = { .ifslot = ifslot, .family = family };

	memcpy(r.addr, addr, family == 4 ? 4 : 16);
	if (!memcmp(&r, &w->last_req, sizeof(r)) &&
	    now - w->last_req_tsc < rte_get_tsc_hz() / (1000000 / RESOLVE_REPEAT_US))
		return;
	w->last_req = r;
	w->last_req_tsc = now;
	route_resolve(w->rc, &r);
}

/* The destination MAC for p through nh, or NULL after counting why not. */
static const uint8_t *next_hop_mac(struct worker *w, const struct rt_table *t,
				   const struct rt_nh *nh, const struct fwd_pkt *p, uint8_t *buf,
				   int *why, uint64_t now)
{
	struct rt_neigh_key k = { .ifslot = nh->ifslot, .family = p->family };
	void *data;

	switch (nh->type) {
	case RT_NH_GATEWAY:
		if (nh->mac_ok)
			return nh->mac;
		resolve(w, nh->ifslot, nh->family, nh->gw, now);
		*why = SHUNT_FAST_NO_NEIGH;
		return NULL;
	case RT_NH_CONNECTED:
		memcpy(k.addr, p->dst, p->family == 4 ? 4 : 16);
		if (rte_hash_lookup_data(t->neigh, &k, &data) >= 0) {
			rt_mac_unpack((uint64_t)(uintptr_t)data, buf);
			return buf;
		}
		resolve(w, nh->ifslot, p->family, p->dst, now);
		*why = SHUNT_FAST_NO_NEIGH;
		return NULL;
	case RT_NH_DROP:
		*why = SHUNT_FAST_ROUTE_DROP;
		return NULL;
	case RT_NH_FOREIGN:
		*why = SHUNT_FAST_FOREIGN;
		return NULL;
	default:
		*why = SHUNT_FAST_NO_ROUTE;
		return NULL;
	}
}

static void handle_burst(struct worker *w, const struct rt_table *t, struct rte_mbuf **m,
			 uint16_t n, uint64_t now)
{
	struct fwd_pkt p[WORKER_MAX_BURST];
	uint32_t ip4[WORKER_MAX_BURST];
	uint8_t ip6[WORKER_MAX_BURST][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t nh4[WORKER_MAX_BURST], nh6[WORKER_MAX_BURST];
	uint16_t idx4[WORKER_MAX_BURST], idx6[WORKER_MAX_BURST];
	int verdict[WORKER_MAX_BURST];
	uint64_t nhid[WORKER_MAX_BURST];
	unsigned n4 = 0, n6 = 0;

	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + PREFETCH_AHEAD], void *));
		w->st->rx_bytes += rte_pktmbuf_pkt_len(m[i]);
		/* the PMD delivers each frame in one segment (one UMEM frame) */
		verdict[i] = m[i]->nb_segs == 1 ?
				     fwd_parse(rte_pktmbuf_mtod(m[i], uint8_t *), rte_pktmbuf_data_len(m[i]), &p[i]) :
				     SHUNT_FAST_UNSUPPORTED;
		if (verdict[i] != SHUNT_FAST_OK)
			continue;
		if (p[i].family == 4) {
			ip4[n4] = p[i].dst4;
			idx4[n4++] = i;
		} else {
			memcpy(ip6[n6], p[i].dst, 16);
			idx6[n6++] = i;
		}
	}
	if (n4) {
		rte_fib_lookup_bulk(t->fib4, ip4, nh4, (int)n4);
		for (unsigned j = 0; j < n4; j++)
			nhid[idx4[j]] = nh4[j];
	}
	if (n6) {
		rte_fib6_lookup_bulk(t->fib6, ip6, nh6, (int)n6);
		for (unsigned j = 0; j < n6; j++)
			nhid[idx6[j]] = nh6[j];
	}

	for (uint16_t i = 0; i < n; i++) {
		const struct rt_nh *nh;
		const struct rt_iface *out;
		const uint8_t *dmac;
		struct worker_tx *tx;
		uint8_t macbuf[6];
		int why = SHUNT_FAST_NO_ROUTE;

		if (verdict[i] != SHUNT_FAST_OK) {
			drop(w, m[i], verdict[i]);
			continue;
		}
		nh = nhid[i] < RT_MAX_NH ? &t->nh[nhid[i]] : &t->nh[RT_NH_NONE];
		dmac = next_hop_mac(w, t, nh, &p[i], macbuf, &why, now);
		if (!dmac) {
			drop(w, m[i], why);
			continue;
		}
		out = &t->iface[nh->ifslot];
		tx = &w->tx[nh->ifslot];
		if (!out->up || tx->port == UINT16_MAX) {
			drop(w, m[i], tx->port == UINT16_MAX ? SHUNT_FAST_FOREIGN : SHUNT_FAST_IFACE_DOWN);
			continue;
		}
		if (p[i].l3_len > out->mtu) {
			drop(w, m[i], SHUNT_FAST_TOO_BIG);
			continue;
		}
		fwd_rewrite(rte_pktmbuf_mtod(m[i], uint8_t *), &p[i], dmac, out->mac);
		w->st->tx_packets++;
		w->st->tx_bytes += rte_pktmbuf_pkt_len(m[i]);
		tx->m[tx->n++] = m[i];
		if (tx->n >= w->burst)
			tx_flush(w, tx);
	}
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *m[WORKER_MAX_BURST];
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t drain_tsc = (hz + 1000000 - 1) / 1000000 * DRAIN_US;
	const unsigned nrx = w->nrx, burst = w->burst;
	uint64_t prev = rte_rdtsc(), last_drain = prev, next_beat = 0;
	unsigned empty = 0, nap_us = 1;

	route_worker_online(w->rc, w->id);
	w->st->tsc_hz = hz;
	w->st->running = 1;
	while (!*w->quit) {
		const struct rt_table *t = route_table(w->rc);
		uint64_t now = rte_rdtsc(), moved = 0;

		if (mono_ns() >= next_beat) {
			beat(w);
			next_beat = mono_ns() + w->hb_period_ns;
		}
		for (unsigned i = 0; i < nrx; i++) {
			uint16_t n = rte_eth_rx_burst(w->rx[i].port, 0, m, (uint16_t)burst);

			if (!n)
				continue;
			w->st->rx_packets += n;
			moved += n;
			handle_burst(w, t, m, n, now);
		}
		w->st->polls++;
		if (!moved || now - last_drain >= drain_tsc) {
			tx_flush_all(w);
			last_drain = now;
		}
		route_quiescent(w->rc, w->id);

		now = rte_rdtsc();
		if (moved) {
			w->st->busy_cycles += now - prev;
			empty = 0;
			nap_us = 1;
		} else {
			w->st->empty_polls++;
			/* idle = adaptive: nap, doubling up to IDLE_SLEEP_MAX_US while
			 * the queues stay empty; the first packet resets it */
			if (w->adaptive && ++empty > IDLE_SPIN) {
				route_worker_offline(w->rc, w->id);
				rte_delay_us_sleep(nap_us);
				route_worker_online(w->rc, w->id);
				nap_us = nap_us * 2 > IDLE_SLEEP_MAX_US ? IDLE_SLEEP_MAX_US : nap_us * 2;
				now = rte_rdtsc();
			}
		}
		w->st->total_cycles += now - prev;
		prev = now;
	}
	tx_flush_all(w);
	/* no beat (0): steer fails our queues open now, not heartbeat_ms
	 * later, while the ports are still open with nobody polling them */
	for (unsigned i = 0; i < nrx; i++) {
		uint64_t zero = 0;

		bpf_map_update_elem(w->hb_fd, &w->rx[i].hb_key, &zero, BPF_ANY);
	}
	route_worker_offline(w->rc, w->id);
	w->st->running = 0;
	return 0;
}
