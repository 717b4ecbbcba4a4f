// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dpdk_rx — DPDK's side of the fast-lane handoff, receive only: brings EAL
 * and the net_af_xdp ports up exactly as the config says (afxdp_ports(),
 * eal_args_build()), one worker per configured core polling its (port,
 * queue) pairs and beating their heartbeats, and counts what arrives.
 *
 *   dpdk_rx CONFIG BPFFS SECONDS
 *
 * Prints "ready" once every port is started, then "received N" at the end
 * (and per port). Exits after SECONDS, or on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "config.h"
#include "eal.h"
#include "fastlane.h"
#include "vdev.h"

#define BURST 32
#define RING 1024
#define MAXP (SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES)

static volatile sig_atomic_t stop;
static struct afxdp_port ports[MAXP];
static uint16_t port_id[MAXP];
static uint64_t received[MAXP];
static int nports, hb_fd = -1;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One worker: the ports whose configured core is this lcore. */
static int worker(void *arg)
{
	unsigned me = rte_lcore_id();
	struct rte_mbuf *m[BURST];
	uint64_t next_beat = 0;

	(void)arg;
	while (!stop) {
		uint64_t t = now_ns();
		unsigned got = 0;

		for (int i = 0; i < nports; i++) {
			uint16_t n;

			if (ports[i].core != me)
				continue;
			if (t >= next_beat) {
				__u32 key = SHUNT_HB_KEY(ports[i].iface, ports[i].queue);

				bpf_map_update_elem(hb_fd, &key, &t, BPF_ANY);
			}
			n = rte_eth_rx_burst(port_id[i], 0, m, BURST);
			received[i] += n;
			got += n;
			rte_pktmbuf_free_bulk(m, n);
		}
		if (t >= next_beat)
			next_beat = t + 10000000ull; /* every 10 ms */
		if (!got)
			usleep(100); /* idle = adaptive: the lab has 2 cores */
	}
	return 0;
}

static int start_port(int i, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	int err;

	err = rte_eth_dev_get_port_by_name(ports[i].name, &port_id[i]);
	err = err ?: rte_eth_dev_configure(port_id[i], 1, 1, &conf);
	err = err ?: rte_eth_rx_queue_setup(port_id[i], 0, RING, rte_socket_id(), NULL, pool);
	err = err ?: rte_eth_tx_queue_setup(port_id[i], 0, RING, rte_socket_id(), NULL);
	err = err ?: rte_eth_dev_start(port_id[i]);
	if (err)
		fprintf(stderr, "dpdk_rx: port %s: %s\n", ports[i].name, rte_strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static struct eal_args eal;
	struct shunt_config cfg;
	struct rte_mempool *pool;
	uint64_t total = 0, end;
	char prefix[32], path[320];
	struct diags dg;
	unsigned lcore;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: dpdk_rx CONFIG BPFFS SECONDS\n");
		return 2;
	}
	diags_init(&dg, argv[1]);
	err = config_load(argv[1], &cfg, &dg);
	diags_print(&dg, stderr);
	diags_free(&dg);
	if (err)
		return 1;
	nports = afxdp_ports(&cfg, ports, MAXP);
	snprintf(prefix, sizeof(prefix), "shunt-rx-%d", (int)getpid());
	if (nports <= 0 || eal_args_build(&cfg, ports, nports, "dpdk_rx", prefix, &eal)) {
		fprintf(stderr, "dpdk_rx: no ports or EAL arguments too long\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/heartbeat", argv[2]);
	hb_fd = bpf_obj_get(path);
	if (hb_fd < 0) {
		fprintf(stderr, "dpdk_rx: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		fprintf(stderr, "dpdk_rx: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	pool = rte_pktmbuf_pool_create("rx", 4096 * (unsigned)nports, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "dpdk_rx: mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (int i = 0; i < nports; i++)
		if (start_port(i, pool))
			return 1;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(worker, NULL, lcore);
	printf("ready: %d port(s)\n", nports);
	fflush(stdout);

	end = now_ns() + (uint64_t)atoi(argv[3]) * 1000000000ull;
	while (!stop && now_ns() < end)
		usleep(50000);
	stop = 1;
	rte_eal_mp_wait_lcore();
	for (int i = 0; i < nports; i++) {
		printf("port %s: %llu\n", ports[i].name, (unsigned long long)received[i]);
		total += received[i];
		rte_eth_dev_stop(port_id[i]);
		rte_eth_dev_close(port_id[i]);
	}
	printf("received %llu\n", (unsigned long long)total);
	config_free(&cfg);
	snprintf(path, sizeof(path), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	fastlane_rm_runtime_dir(path);
	return 0;
}
