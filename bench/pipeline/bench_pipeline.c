// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_pipeline — the fast lane's worker loop (dataplane/worker.c) on DPDK
 * ring ports instead of AF_XDP: what parsing, the FIB lookups, the next-hop
 * MAC, the rewrite and buffered TX cost per packet, without the kernel's
 * AF_XDP copies (ARCHITECTURE.md, "Tests and measurement": "pipeline cost
 * on DPDK ring/null ports").
 *
 *   bench_pipeline CONFIG SECONDS [FAMILY]     (FAMILY 4 or 6, default 4)
 *
 * Run as root inside the lab's gateway namespace (bench/run_pipeline.sh):
 * the route tables come from that namespace's kernel as in `shunt run`
 * (route_open()). One worker runs worker_main() on lcore 1 with one RX ring
 * port (as the config's first interface) and one TX ring port (as its
 * second); the main lcore keeps the RX ring fed with copies of one UDP frame
 * to the server and frees what comes out of the TX ring. The worker's own
 * counters give the figure: TSC cycles in loop iterations that moved packets
 * (busy_cycles) per packet sent.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "config.h"
#include "fastlane.h"
#include "route.h"
#include "worker.h"

#define RING_SIZE 4096
#define FEED 64

static volatile bool quit;

/* A UDP frame from the client to the server through the gateway: 64-byte
 * payload, TTL 64, checksums right (the forwarder only checks the header). */
static size_t build_frame(uint8_t *f, int family)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t *ip = f + 14, *udp;
	size_t len;

	memset(f, 0, 256);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	if (family == 4) {
		uint32_t sum = 0;

		f[12] = 0x08;
		ip[0] = 0x45;
		ip[3] = 20 + 8 + 64;
		ip[8] = 64;
		ip[9] = 17;
		inet_pton(AF_INET, "198.18.1.2", ip + 12);
		inet_pton(AF_INET, "198.18.2.2", ip + 16);
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8);
		ip[11] = (uint8_t)~sum;
		udp = ip + 20;
		len = 14 + 20 + 8 + 64;
	} else {
		f[12] = 0x86;
		f[13] = 0xdd;
		ip[0] = 0x60;
		ip[5] = 8 + 64;
		ip[6] = 17;
		ip[7] = 64;
		inet_pton(AF_INET6, "2001:db8:1::2", ip + 8);
		inet_pton(AF_INET6, "2001:db8:2::2", ip + 24);
		udp = ip + 40;
		len = 14 + 40 + 8 + 64;
	}
	udp[0] = 0x9c;
	udp[2] = 0x1b;
	udp[3] = 0x58; /* port 7000 */
	udp[5] = 8 + 64;
	return len;
}

static int ring_port(const char *name, struct rte_ring **rx, struct rte_ring **tx,
		     struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	char n[32];
	int port;

	snprintf(n, sizeof(n), "%s_rx", name);
	*rx = rte_ring_create(n, RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(n, sizeof(n), "%s_tx", name);
	*tx = rte_ring_create(n, RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!*rx || !*tx)
		return -ENOMEM;
	port = rte_eth_from_rings(name, rx, 1, tx, 1, rte_socket_id());
	memset(&conf, 0, sizeof(conf));
	if (port < 0 || rte_eth_dev_configure((uint16_t)port, 1, 1, &conf) ||
	    rte_eth_rx_queue_setup((uint16_t)port, 0, RING_SIZE, rte_socket_id(), NULL, pool) ||
	    rte_eth_tx_queue_setup((uint16_t)port, 0, RING_SIZE, rte_socket_id(), NULL) ||
	    rte_eth_dev_start((uint16_t)port))
		return -EIO;
	return port;
}

static void on_signal(int sig)
{
	(void)sig;
	quit = true;
}

int main(int argc, char **argv)
{
	char *eal_argv[] = { argv[0], "--lcores=0@0,1@1", "--main-lcore=0", "--no-pci", "--no-huge",
			     "-m", "512", "--no-telemetry", "--log-level=warning", "--file-prefix", NULL,
			     NULL };
	static struct shunt_fast_lcore st __rte_cache_aligned;
	struct rte_ring *in_rx, *in_tx, *out_rx, *out_tx;
	uint32_t ifindex[SHUNT_MAX_IFACES] = { 0 };
	struct rte_mbuf *m[FEED];
	struct rte_mempool *pool;
	struct shunt_config cfg;
	struct route_ctx *rc;
	struct worker *w;
	struct diags dg;
	uint8_t frame[256];
	char prefix[32];
	uint64_t end, fed = 0, freed = 0;
	size_t flen;
	int in_port, out_port, hb_fd, family = 4, secs;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_pipeline CONFIG SECONDS [4|6]\n");
		return 2;
	}
	secs = atoi(argv[2]);
	if (argc > 3)
		family = atoi(argv[3]);
	if (secs < 1 || secs > 60 || (family != 4 && family != 6)) {
		fprintf(stderr, "bench_pipeline: SECONDS 1-60, FAMILY 4 or 6\n");
		return 2;
	}
	diags_init(&dg, argv[1]);
	if (config_load(argv[1], &cfg, &dg) || cfg.niface < 2) {
		diags_print(&dg, stderr);
		fprintf(stderr, "bench_pipeline: %s: need a valid config with two interfaces\n", argv[1]);
		return 1;
	}
	diags_free(&dg);
	for (unsigned i = 0; i < cfg.niface; i++)
		ifindex[i] = if_nametoindex(cfg.iface[i].ifname);

	snprintf(prefix, sizeof(prefix), "shunt-bp-%d", (int)getpid());
	eal_argv[10] = prefix;
	if (rte_eal_init(11, eal_argv) < 0) {
		fprintf(stderr, "bench_pipeline: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pool = rte_pktmbuf_pool_create("bp", 4 * RING_SIZE, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	in_port = pool ? ring_port("bp_in", &in_rx, &in_tx, pool) : -ENOMEM;
	out_port = pool ? ring_port("bp_out", &out_rx, &out_tx, pool) : -ENOMEM;
	hb_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bp_hb", 4, 8, SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES, NULL);
	rc = route_open(&cfg, ifindex, 1, (int)rte_socket_id());
	w = rte_zmalloc("bp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (!pool || in_port < 0 || out_port < 0 || hb_fd < 0 || !rc || !w) {
		fprintf(stderr, "bench_pipeline: set-up failed (pool, ring ports, map, routes)\n");
		quit = true;
		goto out;
	}

	/* as setup_workers() does it, with ring ports */
	w->id = 0;
	w->lcore = 1;
	w->cpu = 1;
	w->burst = 32;
	w->adaptive = false;
	w->hb_fd = hb_fd;
	w->hb_period_ns = 10000000;
	w->rc = rc;
	w->st = &st;
	w->quit = &quit;
	w->nrx = 1;
	w->rx[0] = (struct worker_rx){ .port = (uint16_t)in_port, .ifslot = 0 };
	for (unsigned s = 0; s < SHUNT_MAX_IFACES; s++)
		w->tx[s].port = UINT16_MAX;
	w->tx[0].port = (uint16_t)in_port;
	w->tx[1].port = (uint16_t)out_port;

	flen = build_frame(frame, family);
	rte_eal_remote_launch(worker_main, w, 1);
	end = rte_get_tsc_cycles() + (uint64_t)secs * rte_get_tsc_hz();
	while (!quit && rte_get_tsc_cycles() < end) {
		unsigned n;

		/* what the worker sent out of "wan" */
		n = rte_ring_dequeue_burst(out_tx, (void **)m, FEED, NULL);
		rte_pktmbuf_free_bulk(m, n);
		freed += n;
		/* anything sent back out of "lan" would be a wrong route */
		n = rte_ring_dequeue_burst(in_tx, (void **)m, FEED, NULL);
		rte_pktmbuf_free_bulk(m, n);
		/* keep about half of the RX ring full */
		if (rte_ring_count(in_rx) > RING_SIZE / 2 || rte_pktmbuf_alloc_bulk(pool, m, FEED))
			continue;
		for (unsigned i = 0; i < FEED; i++) {
			memcpy(rte_pktmbuf_mtod(m[i], void *), frame, flen);
			m[i]->data_len = m[i]->pkt_len = (uint32_t)flen;
		}
		n = rte_ring_enqueue_burst(in_rx, (void **)m, FEED, NULL);
		if (n < FEED)
			rte_pktmbuf_free_bulk(m + n, FEED - n);
		fed += n;
	}
	quit = true;
	rte_eal_mp_wait_lcore();

	if (st.tsc_hz) {
		uint64_t drops = 0;
		double ns = st.tx_packets ? (double)st.busy_cycles * 1e9 / (double)st.tsc_hz / (double)st.tx_packets : 0;

		for (unsigned k = 1; k < SHUNT_FAST_REASON_MAX; k++)
			drops += st.drops[k];
		printf("{\"bench\":\"pipeline\",\"family\":%d,\"frame_len\":%zu,\"seconds\":%d,\"fed\":%llu,\"rx\":%llu,\"tx\":%llu,\"drops\":%llu,\"out\":%llu,\"busy_cycles\":%llu,\"tsc_hz\":%llu,\"busy_ns_per_packet\":%.1f,\"mpps_busy\":%.2f}\n",
		       family, flen, secs, (unsigned long long)fed, (unsigned long long)st.rx_packets,
		       (unsigned long long)st.tx_packets, (unsigned long long)drops,
		       (unsigned long long)freed, (unsigned long long)st.busy_cycles,
		       (unsigned long long)st.tsc_hz, ns, ns > 0 ? 1e3 / ns : 0);
		for (unsigned k = 1; k < SHUNT_FAST_REASON_MAX; k++)
			if (st.drops[k])
				printf("drops %s %llu\n", fast_reason_name(k), (unsigned long long)st.drops[k]);
	}
out:
	route_close(rc);
	if (in_port >= 0)
		rte_eth_dev_stop((uint16_t)in_port);
	if (out_port >= 0)
		rte_eth_dev_stop((uint16_t)out_port);
	{
		char dir[256];

		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		fastlane_rm_runtime_dir(dir);
	}
	if (hb_fd >= 0)
		close(hb_fd);
	config_free(&cfg);
	return st.tx_packets ? 0 : 1;
}
