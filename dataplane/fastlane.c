// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fastlane.c — bring-up, control loop and teardown of the DPDK forwarder
 * (see fastlane.h), and its DPDK telemetry commands.
 */
#define _GNU_SOURCE /* nftw */
#include "fastlane.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>

#include "eal.h"
#include "log.h"
#include "route.h"
#include "vdev.h"
#include "worker.h"
#include "xsk_fds.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define POOL_CACHE 256
#define PORT_STATS_MS 100

#define MAX_PORTS (SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES)

struct fastlane {
	const struct shunt_config *cfg;
	struct afxdp_port port[MAX_PORTS];
	uint16_t port_id[MAX_PORTS];
	bool port_started[MAX_PORTS];
	uint32_t port_flags[MAX_PORTS]; /* SHUNT_PORT_* */
	int xsk_fd[MAX_PORTS];          /* the port's AF_XDP socket (the PMD's) */
	int nports;
	unsigned nworkers;
	unsigned cpu[SHUNT_MAX_WORKERS];
	struct worker *worker; /* rte_zmalloc'd, cache aligned */
	bool worker_gone[SHUNT_MAX_WORKERS]; /* said so once */
	struct route_ctx *rc;
	struct rte_mempool *pool;
	struct shunt_fast_lcore *lcores; /* mmapped fast_lcores */
	size_t lcores_len;
	int ports_fd;
	volatile bool quit;
	uint64_t next_port_stats;
	char runtime_dir[256];
};

/*
 * What the telemetry commands read, set while the fast lane runs. They run
 * in DPDK's telemetry threads and DPDK 22.11 cannot unregister them: the
 * lock keeps a command from using the fast lane while it is torn down.
 */
static struct fastlane *tel_fl;
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;

static void tel_publish(struct fastlane *fl)
{
	pthread_mutex_lock(&tel_lock);
	tel_fl = fl;
	pthread_mutex_unlock(&tel_lock);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- telemetry: /shunt/lcores, /shunt/ports, /shunt/routes ---- */

static int tel_lcores_locked(struct fastlane *fl, struct rte_tel_data *d)
{

	rte_tel_data_start_dict(d);
	if (!fl)
		return 0;
	for (unsigned w = 0; w < fl->nworkers; w++) {
		const struct shunt_fast_lcore *s = &fl->lcores[w];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[32];

		if (!c)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "cpu", s->cpu);
		rte_tel_data_add_dict_u64(c, "rx_packets", s->rx_packets);
		rte_tel_data_add_dict_u64(c, "rx_bytes", s->rx_bytes);
		rte_tel_data_add_dict_u64(c, "tx_packets", s->tx_packets);
		rte_tel_data_add_dict_u64(c, "tx_bytes", s->tx_bytes);
		rte_tel_data_add_dict_u64(c, "polls", s->polls);
		rte_tel_data_add_dict_u64(c, "empty_polls", s->empty_polls);
		rte_tel_data_add_dict_u64(c, "busy_cycles", s->busy_cycles);
		rte_tel_data_add_dict_u64(c, "total_cycles", s->total_cycles);
		rte_tel_data_add_dict_u64(c, "tsc_hz", s->tsc_hz);
		for (unsigned k = 1; k < SHUNT_FAST_REASON_MAX; k++) {
			char key[48];

			snprintf(key, sizeof(key), "drop_%s", fast_reason_name(k));
			rte_tel_data_add_dict_u64(c, key, s->drops[k]);
		}
		snprintf(name, sizeof(name), "lcore%u", s->lcore);
		if (rte_tel_data_add_dict_container(d, name, c, 0))
			rte_tel_data_free(c);
	}
	return 0;
}

static int tel_ports_locked(struct fastlane *fl, struct rte_tel_data *d)
{

	rte_tel_data_start_dict(d);
	if (!fl)
		return 0;
	for (int i = 0; i < fl->nports; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_eth_stats es;
		struct xsk_fd x;
		char key[16];

		if (!c)
			return -ENOMEM;
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(fl->port_id[i], &es);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "name", fl->port[i].name);
		rte_tel_data_add_dict_string(c, "interface", fl->cfg->iface[fl->port[i].iface].ifname);
		rte_tel_data_add_dict_u64(c, "queue", fl->port[i].queue);
		rte_tel_data_add_dict_u64(c, "cpu", fl->port[i].core);
		rte_tel_data_add_dict_u64(c, "port_id", fl->port_id[i]);
		rte_tel_data_add_dict_string(c, "xdp", fl->port_flags[i] & SHUNT_PORT_XDP_GENERIC ?
							       "generic" : "native");
		rte_tel_data_add_dict_u64(c, "ipackets", es.ipackets);
		rte_tel_data_add_dict_u64(c, "opackets", es.opackets);
		rte_tel_data_add_dict_u64(c, "ibytes", es.ibytes);
		rte_tel_data_add_dict_u64(c, "obytes", es.obytes);
		rte_tel_data_add_dict_u64(c, "imissed", es.imissed);
		rte_tel_data_add_dict_u64(c, "ierrors", es.ierrors);
		rte_tel_data_add_dict_u64(c, "oerrors", es.oerrors);
		rte_tel_data_add_dict_string(c, "af_xdp", fl->port_flags[i] & SHUNT_PORT_ZEROCOPY ?
								  "zero-copy" : "copy");
		if (!xsk_fd_info(fl->xsk_fd[i], &x)) {
			rte_tel_data_add_dict_u64(c, "xsk_rx_dropped", x.rx_dropped);
			rte_tel_data_add_dict_u64(c, "xsk_rx_ring_full", x.rx_ring_full);
			rte_tel_data_add_dict_u64(c, "xsk_fill_ring_empty", x.rx_fill_ring_empty_descs);
			rte_tel_data_add_dict_u64(c, "xsk_tx_ring_empty", x.tx_ring_empty_descs);
		}
		snprintf(key, sizeof(key), "port%u", fl->port_id[i]);
		if (rte_tel_data_add_dict_container(d, key, c, 0))
			rte_tel_data_free(c);
	}
	return 0;
}

static int tel_routes_locked(struct fastlane *fl, struct rte_tel_data *d)
{
	struct route_stats rs;

	rte_tel_data_start_dict(d);
	if (!fl)
		return 0;
	route_get_stats(fl->rc, &rs);
	rte_tel_data_add_dict_u64(d, "routes4", rs.routes4);
	rte_tel_data_add_dict_u64(d, "routes6", rs.routes6);
	rte_tel_data_add_dict_u64(d, "neighbours", rs.neigh);
	rte_tel_data_add_dict_u64(d, "next_hops", rs.nh);
	rte_tel_data_add_dict_u64(d, "updates", rs.updates);
	rte_tel_data_add_dict_u64(d, "publishes", rs.publishes);
	rte_tel_data_add_dict_u64(d, "resolve_sent", rs.resolve_sent);
	rte_tel_data_add_dict_u64(d, "resolve_dropped", rs.resolve_dropped);
	rte_tel_data_add_dict_u64(d, "overflow", rs.overflow);
	rte_tel_data_add_dict_u64(d, "resyncs", rs.resyncs);
	rte_tel_data_add_dict_u64(d, "stalls", rs.stalls);
	rte_tel_data_add_dict_u64(d, "neighbour_refreshes", rs.refreshes);
	return 0;
}

#define TEL_CMD(name)                                                                  \
	static int name(const char *cmd, const char *params, struct rte_tel_data *d)   \
	{                                                                              \
		int ret;                                                               \
                                                                                       \
		(void)cmd;                                                             \
		(void)params;                                                          \
		pthread_mutex_lock(&tel_lock);                                         \
		ret = name##_locked(tel_fl, d);                                        \
		pthread_mutex_unlock(&tel_lock);                                       \
		return ret;                                                            \
	}
TEL_CMD(tel_lcores)
TEL_CMD(tel_ports)
TEL_CMD(tel_routes)

static void telemetry_register(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	rte_telemetry_register_cmd("/shunt/lcores", tel_lcores,
				   "Fast-lane workers: packets, drops by reason, polls, cycles. No parameters");
	rte_telemetry_register_cmd("/shunt/ports", tel_ports,
				   "Fast-lane ports (interface, queue): ethdev counters. No parameters");
	rte_telemetry_register_cmd("/shunt/routes", tel_routes,
				   "Fast-lane route tables: sizes, updates, resolve requests. No parameters");
}

/* ---- bring-up ---- */

/* The AF_XDP socket port i's start created: the one socket among our
 * descriptors that was not there before (before[0..nbefore)). */
static int find_new_xsk(struct fastlane *fl, int i, const struct xsk_fd *before, int nbefore)
{
	const struct afxdp_port *p = &fl->port[i];
	struct xsk_fd now[MAX_PORTS + 8];
	int n = xsk_fds_list(now, MAX_PORTS + 8), found = -1, nnew = 0;

	for (int k = 0; k < n; k++) {
		bool old = false;

		for (int j = 0; j < nbefore && !old; j++)
			old = before[j].fd == now[k].fd;
		if (!old) {
			found = k;
			nnew++;
		}
	}
	if (nnew != 1) {
		log_error("%s queue %u: port %s started with %d AF_XDP socket(s), not one — the fast lane cannot tell its queues apart",
			  fl->cfg->iface[p->iface].ifname, p->queue, p->name, nnew);
		return -EPROTO;
	}
	fl->xsk_fd[i] = now[found].fd;
	if (now[found].zerocopy)
		fl->port_flags[i] |= SHUNT_PORT_ZEROCOPY;
	log_info("%s queue %u: AF_XDP socket in %s mode, %s XDP", fl->cfg->iface[p->iface].ifname,
		 p->queue, now[found].zerocopy ? "zero-copy" : "copy",
		 fl->port_flags[i] & SHUNT_PORT_XDP_GENERIC ? "generic" : "native");
	return 0;
}

static int start_port(struct fastlane *fl, int i)
{
	const struct afxdp_port *p = &fl->port[i];
	const char *ifname = fl->cfg->iface[p->iface].ifname;
	struct xsk_fd before[MAX_PORTS + 8];
	int nbefore = xsk_fds_list(before, MAX_PORTS + 8);
	struct rte_eth_conf conf;
	int err;

	memset(&conf, 0, sizeof(conf));
	err = rte_eth_dev_get_port_by_name(p->name, &fl->port_id[i]);
	if (err) {
		log_error("%s queue %u: DPDK did not create port %s — is the net_af_xdp PMD installed (dpdk package)?",
			  ifname, p->queue, p->name);
		return err;
	}
	err = rte_eth_dev_configure(fl->port_id[i], 1, 1, &conf);
	err = err ?: rte_eth_rx_queue_setup(fl->port_id[i], 0, RX_DESC, rte_socket_id(), NULL, fl->pool);
	err = err ?: rte_eth_tx_queue_setup(fl->port_id[i], 0, TX_DESC, rte_socket_id(), NULL);
	err = err ?: rte_eth_dev_start(fl->port_id[i]);
	if (err) {
		log_error("%s queue %u: cannot start the AF_XDP port: %s — see the PMD's messages above",
			  ifname, p->queue, rte_strerror(-err));
		return err;
	}
	fl->port_started[i] = true;
	return nbefore < 0 ? nbefore : find_new_xsk(fl, i, before, nbefore);
}

/* The worker's TX port on each interface: one it polls there if it is free,
 * else the first free one. Every port's TX queue has one user. */
static void assign_tx(struct fastlane *fl)
{
	bool taken[MAX_PORTS] = { false };

	for (unsigned w = 0; w < fl->nworkers; w++)
		for (unsigned s = 0; s < SHUNT_MAX_IFACES; s++)
			fl->worker[w].tx[s].port = UINT16_MAX;
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned w = 0; w < fl->nworkers; w++)
			for (int i = 0; i < fl->nports; i++) {
				struct worker_tx *tx = &fl->worker[w].tx[fl->port[i].iface];

				if (taken[i] || tx->port != UINT16_MAX)
					continue;
				if (pass == 0 && fl->port[i].core != fl->cpu[w])
					continue;
				tx->port = fl->port_id[i];
				taken[i] = true;
			}
}

static int setup_workers(struct fastlane *fl, int hb_fd)
{
	fl->worker = rte_zmalloc("shunt_workers", sizeof(struct worker) * fl->nworkers,
				 RTE_CACHE_LINE_SIZE);
	if (!fl->worker)
		return -ENOMEM;
	for (unsigned w = 0; w < fl->nworkers; w++) {
		struct worker *wk = &fl->worker[w];
		struct shunt_fast_lcore *st = &fl->lcores[w];

		memset(st, 0, sizeof(*st));
		wk->id = w;
		wk->lcore = w + 1; /* eal_args_build's mapping */
		wk->cpu = fl->cpu[w];
		wk->burst = fl->cfg->dp.burst > WORKER_MAX_BURST ? WORKER_MAX_BURST : fl->cfg->dp.burst;
		wk->adaptive = fl->cfg->dp.idle == IDLE_ADAPTIVE;
		wk->hb_fd = hb_fd;
		/* a quarter of the steer program's limit, at most 10 ms */
		wk->hb_period_ns = (uint64_t)fl->cfg->dp.heartbeat_ms * 250000u;
		if (wk->hb_period_ns > 10000000u)
			wk->hb_period_ns = 10000000u;
		wk->rc = fl->rc;
		wk->st = st;
		wk->quit = &fl->quit;
		st->lcore = wk->lcore;
		st->cpu = wk->cpu;
		for (int i = 0; i < fl->nports; i++) {
			struct worker_rx *rx;

			if (fl->port[i].core != wk->cpu)
				continue;
			rx = &wk->rx[wk->nrx];
			rx->port = fl->port_id[i];
			rx->ifslot = (uint8_t)fl->port[i].iface;
			rx->hb_key = SHUNT_HB_KEY(fl->port[i].iface, fl->port[i].queue);
			if (st->nrx < SHUNT_MAX_QUEUES)
				st->rx_port[st->nrx++] = (uint16_t)i;
			wk->nrx++;
		}
	}
	assign_tx(fl);
	return 0;
}

static void publish_ports(struct fastlane *fl)
{
	for (int i = 0; i < fl->nports; i++) {
		struct shunt_fast_port fp;
		struct rte_eth_stats es;
		struct xsk_fd x;
		__u32 key = (__u32)i;

		memset(&fp, 0, sizeof(fp));
		memset(&es, 0, sizeof(es));
		if (fl->port_started[i])
			rte_eth_stats_get(fl->port_id[i], &es);
		fp.ifslot = fl->port[i].iface;
		fp.queue = fl->port[i].queue;
		fp.cpu = fl->port[i].core;
		for (unsigned w = 0; w < fl->nworkers; w++)
			if (fl->cpu[w] == fl->port[i].core)
				fp.lcore = w + 1;
		fp.flags = fl->port_flags[i] | SHUNT_PORT_USED;
		fp.dpdk_port = fl->port_id[i];
		fp.ipackets = es.ipackets;
		fp.ibytes = es.ibytes;
		fp.imissed = es.imissed;
		fp.ierrors = es.ierrors;
		fp.opackets = es.opackets;
		fp.obytes = es.obytes;
		fp.oerrors = es.oerrors;
		if (fl->port_started[i] && !xsk_fd_info(fl->xsk_fd[i], &x)) {
			fp.xsk_rx_dropped = x.rx_dropped;
			fp.xsk_rx_ring_full = x.rx_ring_full;
			fp.xsk_fill_empty = x.rx_fill_ring_empty_descs;
		}
		bpf_map_update_elem(fl->ports_fd, &key, &fp, BPF_ANY);
	}
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

void fastlane_rm_runtime_dir(const char *dir)
{
	if (!dir[0] || strncmp(dir, FASTLANE_RUNTIME_DIR "/shunt-", sizeof(FASTLANE_RUNTIME_DIR "/shunt-") - 1))
		return;
	if (nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		log_debug("cannot remove %s: %s", dir, strerror(errno));
}

void fastlane_reap(int pid)
{
	char dir[64];

	snprintf(dir, sizeof(dir), FASTLANE_RUNTIME_DIR "/shunt-%d", pid);
	fastlane_rm_runtime_dir(dir);
}

/* Is pid a live shunt? (A reused pid of another program is not.) */
static bool shunt_alive(long pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "shunt", 5);
}

void fastlane_reap_dead(void)
{
	DIR *d = opendir(FASTLANE_RUNTIME_DIR);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(e->d_name, "shunt-", 6))
			continue;
		pid = strtol(e->d_name + 6, &end, 10);
		if (*end || pid <= 0 || shunt_alive(pid))
			continue;
		log_debug("removing %s/%s, left by shunt pid %ld", FASTLANE_RUNTIME_DIR, e->d_name, pid);
		fastlane_reap((int)pid);
	}
	closedir(d);
}

struct fastlane *fastlane_start(const struct shunt_config *cfg, const uint32_t *ifindex,
				const bool *xdp_generic, const struct fastlane_maps *maps)
{
	static struct eal_args eal;
	struct fastlane *fl = calloc(1, sizeof(*fl));
	char prefix[32];
	unsigned nmbufs;
	int n, nw;

	if (!fl) {
		log_error("out of memory");
		return NULL;
	}
	fl->cfg = cfg;
	fl->ports_fd = maps->ports_fd;
	n = afxdp_ports(cfg, fl->port, MAX_PORTS);
	nw = eal_worker_cores(cfg, fl->cpu, SHUNT_MAX_WORKERS);
	if (n == -E2BIG || nw == -E2BIG) {
		log_error("the config names more fast-lane queues or worker cores than shunt supports (%d ports, %d workers)",
			  MAX_PORTS, SHUNT_MAX_WORKERS);
		free(fl);
		return NULL;
	}
	if (n <= 0 || nw <= 0) {
		log_error("the config names no fast-lane queues: add queues to the interfaces");
		free(fl);
		return NULL;
	}
	fl->nports = n;
	fl->nworkers = (unsigned)nw;
	for (int i = 0; i < n; i++)
		fl->port_flags[i] = xdp_generic[fl->port[i].iface] ? SHUNT_PORT_XDP_GENERIC : 0;

	fl->lcores_len = sizeof(struct shunt_fast_lcore) * SHUNT_MAX_WORKERS;
	fl->lcores = mmap(NULL, fl->lcores_len, PROT_READ | PROT_WRITE, MAP_SHARED, maps->lcores_fd, 0);
	if (fl->lcores == MAP_FAILED) {
		log_error("cannot map the fast_lcores counters: %s", strerror(errno));
		free(fl);
		return NULL;
	}

	/* runs killed in a network namespace leave no pins to say who they
	 * were: their EAL files are found by the dead pid in the name */
	fastlane_reap_dead();
	snprintf(prefix, sizeof(prefix), "shunt-%d", (int)getpid());
	if (eal_args_build(cfg, fl->port, n, "shunt", prefix, &eal)) {
		log_error("the EAL arguments do not fit: fewer eal_extra entries or queues");
		goto fail_unmap;
	}
	for (int i = 0; i < eal.argc; i++)
		log_debug("EAL argument: %s", eal.argv[i]);
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		log_error("DPDK EAL did not start: %s — check dataplane (%s:%d) and the EAL messages above",
			  rte_strerror(rte_errno), cfg->path, cfg->dp.line);
		goto fail_unmap;
	}
	snprintf(fl->runtime_dir, sizeof(fl->runtime_dir), "%s", rte_eal_get_runtime_dir());

	/* every RX ring full, every TX ring full, a burst in flight per
	 * worker and port, the per-lcore caches */
	nmbufs = (unsigned)n * (RX_DESC + TX_DESC) + fl->nworkers * (2 * WORKER_TX_BUF * SHUNT_MAX_IFACES) +
		 (fl->nworkers + 1) * POOL_CACHE + 1024;
	fl->pool = rte_pktmbuf_pool_create("shunt_mbufs", nmbufs, POOL_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!fl->pool) {
		log_error("cannot allocate %u packet buffers: %s — raise dataplane.memory_mb (%s:%d)",
			  nmbufs, rte_strerror(rte_errno), cfg->path, cfg->dp.line);
		goto fail_eal;
	}
	for (int i = 0; i < n; i++)
		if (start_port(fl, i))
			goto fail_ports;

	fl->rc = route_open(cfg, ifindex, fl->nworkers, (int)rte_socket_id());
	if (!fl->rc)
		goto fail_ports;
	if (setup_workers(fl, maps->heartbeat_fd)) {
		log_error("out of DPDK memory for the workers: raise dataplane.memory_mb");
		goto fail_route;
	}
	tel_publish(fl);
	telemetry_register();
	publish_ports(fl);
	for (unsigned w = 0; w < fl->nworkers; w++) {
		int err = rte_eal_remote_launch(worker_main, &fl->worker[w], fl->worker[w].lcore);

		if (err) {
			log_error("cannot launch the worker on core %u: %s", fl->cpu[w], rte_strerror(-err));
			fl->quit = true;
			rte_eal_mp_wait_lcore();
			goto fail_route;
		}
		log_info("fast lane: worker lcore %u on core %u polls %u port(s)", fl->worker[w].lcore,
			 fl->cpu[w], fl->worker[w].nrx);
	}
	log_info("fast lane: %d AF_XDP port(s), %u worker(s); telemetry: dpdk-telemetry.py -f %s, /shunt/lcores",
		 n, fl->nworkers, prefix);
	return fl;

fail_route:
	tel_publish(NULL);
	route_close(fl->rc);
	rte_free(fl->worker);
fail_ports:
	/* every vdev was probed by rte_eal_init(), started or not */
	{
		uint16_t pid;

		RTE_ETH_FOREACH_DEV(pid) {
			rte_eth_dev_stop(pid);
			rte_eth_dev_close(pid);
		}
	}
	rte_mempool_free(fl->pool);
fail_eal:
	rte_eal_cleanup();
	fastlane_rm_runtime_dir(fl->runtime_dir);
fail_unmap:
	munmap(fl->lcores, fl->lcores_len);
	free(fl);
	return NULL;
}

int fastlane_poll(struct fastlane *fl, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = route_fd(fl->rc), .events = POLLIN },
		{ .fd = route_wake_fd(fl->rc), .events = POLLIN },
	};
	int err;

	if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	err = route_poll(fl->rc);
	if (ms_now() >= fl->next_port_stats) {
		publish_ports(fl);
		fl->next_port_stats = ms_now() + PORT_STATS_MS;
	}
	for (unsigned w = 0; w < fl->nworkers; w++)
		if (!fl->worker_gone[w] && !fl->quit &&
		    rte_eal_get_lcore_state(fl->worker[w].lcore) != RUNNING) {
			fl->worker_gone[w] = true;
			log_error("the fast-lane worker on core %u stopped: its queues fail open to the kernel lane",
				  fl->cpu[w]);
			err = -ECHILD;
		}
	return err;
}

void fastlane_stop(struct fastlane *fl)
{
	if (!fl)
		return;
	fl->quit = true;
	rte_eal_mp_wait_lcore();
	tel_publish(NULL);
	publish_ports(fl);
	/* closing a port detaches the XDP program from its interface (the
	 * PMD's doing): from here on everything takes the kernel lane */
	for (int i = 0; i < fl->nports; i++) {
		rte_eth_dev_stop(fl->port_id[i]);
		rte_eth_dev_close(fl->port_id[i]);
	}
	route_close(fl->rc);
	rte_free(fl->worker);
	rte_mempool_free(fl->pool);
	rte_eal_cleanup();
	fastlane_rm_runtime_dir(fl->runtime_dir);
	munmap(fl->lcores, fl->lcores_len);
	free(fl);
}
