// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * route_test — dataplane/route.c against the kernel: run by route_test.sh
 * inside the gateway namespace it builds (the topology is described there).
 *
 *   route_test CONFIG
 *
 * One EAL (no hugepages), route_open() with one worker: a second thread that
 * reads route_table() in a loop like a forwarding worker (and checks that
 * every next-hop id it finds is set) and reports quiescent states, or stops
 * reporting when a test stalls it. The tests change routes and neighbours
 * with ip(8) and wait (route_poll(), at most WAIT_MS) until the published
 * copy shows the change, no publication is pending and both copies agree.
 *
 * Env (from route_test.sh): RT_MAC_A / RT_MAC_B, the peers' MACs;
 * RT_FILE_PREFIX, EAL's file prefix.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "config.h"
#include "log.h"
#include "route.h"

#define WAIT_MS 1000       /* the promise: a change shows within 1 s */
#define FLOOD_ROUTES 30000 /* enough events to overflow the event socket */

static struct shunt_config cfg;
static uint32_t ifindex[SHUNT_MAX_IFACES];
static struct route_ctx *rc;
static const char *mac_a, *mac_b;

/* ---- the worker thread ---- */

static pthread_t worker_tid;
static int stop, stall_req, stalled;  /* __atomic */
static const struct rt_table *held;   /* the copy the stalled worker holds */
static uint64_t worker_loops, worker_bad;

static const char *const probe4[] = { "198.18.10.7", "198.18.200.1", "198.18.201.1",
				      "198.18.202.7", "198.18.240.1", "198.19.1.1" };
static const char *const probe6[] = { "2001:db8:10::7", "2001:db8:200::1", "2001:db8:201::1" };

static void *worker(void *arg)
{
	uint32_t ip4[RTE_DIM(probe4)];
	uint8_t ip6[RTE_DIM(probe6)][16];
	uint64_t nh[RTE_DIM(probe4) + RTE_DIM(probe6)];

	(void)arg;
	for (unsigned i = 0; i < RTE_DIM(probe4); i++) {
		struct in_addr a;

		inet_pton(AF_INET, probe4[i], &a);
		ip4[i] = ntohl(a.s_addr);
	}
	for (unsigned i = 0; i < RTE_DIM(probe6); i++)
		inet_pton(AF_INET6, probe6[i], ip6[i]);
	route_worker_online(rc, 0);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		const struct rt_table *t;

		if (__atomic_load_n(&stall_req, __ATOMIC_ACQUIRE)) {
			/* online, holding a table, never quiescent */
			__atomic_store_n(&held, route_table(rc), __ATOMIC_RELEASE);
			__atomic_store_n(&stalled, 1, __ATOMIC_RELEASE);
			while (__atomic_load_n(&stall_req, __ATOMIC_ACQUIRE))
				usleep(1000);
			__atomic_store_n(&stalled, 0, __ATOMIC_RELEASE);
		}
		t = route_table(rc);
		rte_fib_lookup_bulk(t->fib4, ip4, nh, RTE_DIM(probe4));
		rte_fib6_lookup_bulk(t->fib6, ip6, nh + RTE_DIM(probe4), RTE_DIM(probe6));
		for (unsigned i = 0; i < RTE_DIM(nh); i++)
			if (nh[i] >= RT_MAX_NH || (nh[i] && t->nh[nh[i]].type == RT_NH_UNUSED))
				__atomic_fetch_add(&worker_bad, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&worker_loops, 1, __ATOMIC_RELAXED);
		route_quiescent(rc, 0);
		usleep(50);
	}
	route_worker_offline(rc, 0);
	return NULL;
}

/* ---- helpers ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc_;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc_ = system(cmd);
	if (rc_ != 0)
		printf("\n  command failed (%d): %s\n", rc_, cmd);
	return rc_;
}

/* A number a shell pipeline prints. */
static long sh_num(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	long v = -1;

	if (!p)
		return -1;
	if (fscanf(p, "%ld", &v) != 1)
		v = -1;
	pclose(p);
	return v;
}

static void parse_mac(const char *s, uint8_t mac[6])
{
	unsigned m[6] = { 0 };

	sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

static bool is6(const char *a)
{
	return strchr(a, ':') != NULL;
}

struct view {
	uint64_t id;
	struct rt_nh nh;
};

static struct view view_of(const struct rt_table *t, const char *addr)
{
	struct view v = { 0 };

	if (is6(addr)) {
		uint8_t ip[1][16];

		inet_pton(AF_INET6, addr, ip[0]);
		rte_fib6_lookup_bulk(t->fib6, ip, &v.id, 1);
	} else {
		struct in_addr a;
		uint32_t ip;

		inet_pton(AF_INET, addr, &a);
		ip = ntohl(a.s_addr);
		rte_fib_lookup_bulk(t->fib4, &ip, &v.id, 1);
	}
	if (v.id < RT_MAX_NH)
		v.nh = t->nh[v.id];
	return v;
}

/* The neighbour hash: true and mac when (slot, addr) is there. */
static bool neigh_of(const struct rt_table *t, unsigned slot, const char *addr, uint8_t mac[6])
{
	struct rt_neigh_key k;
	void *data;

	memset(&k, 0, sizeof(k));
	k.ifslot = slot;
	k.family = is6(addr) ? 6 : 4;
	inet_pton(is6(addr) ? AF_INET6 : AF_INET, addr, k.addr);
	if (rte_hash_lookup_data(t->neigh, &k, &data) < 0)
		return false;
	rt_mac_unpack((uint64_t)(uintptr_t)data, mac);
	return true;
}

/* Both copies say the same about addr (route and, for slot >= 0, the
 * neighbour hash). Only meaningful when no publication is pending. */
static bool copies_agree(const char *addr, int slot)
{
	const struct rt_table *c0 = route_test_copy(rc, 0), *c1 = route_test_copy(rc, 1);
	struct view v0 = view_of(c0, addr), v1 = view_of(c1, addr);
	uint8_t m0[6] = { 0 }, m1[6] = { 0 };

	if (v0.id != v1.id || memcmp(&v0.nh, &v1.nh, sizeof(v0.nh)))
		return false;
	if (slot >= 0 && (neigh_of(c0, (unsigned)slot, addr, m0) != neigh_of(c1, (unsigned)slot, addr, m1) ||
			  memcmp(m0, m1, 6)))
		return false;
	return true;
}

static const char *fmt_mac(const uint8_t m[6], char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static const char *const type_name[] = { "none", "connected", "gateway", "drop", "foreign" };

/* What a test expects of one destination. mac NULL: mac_ok must be false
 * (gateways). gw NULL: not checked. */
struct want {
	const char *addr;
	int type;
	int slot;
	const char *gw;
	const char *mac;
};

static bool view_ok(const struct view *v, const struct want *w)
{
	uint8_t m[6], g[16] = { 0 };

	if (v->nh.type != w->type || (w->type == RT_NH_UNUSED && v->id != RT_NH_NONE))
		return false;
	if ((w->type == RT_NH_CONNECTED || w->type == RT_NH_GATEWAY) && v->nh.ifslot != w->slot)
		return false;
	if (w->type != RT_NH_GATEWAY)
		return true;
	if (w->gw) {
		inet_pton(is6(w->gw) ? AF_INET6 : AF_INET, w->gw, g);
		if (memcmp(g, v->nh.gw, 16) || v->nh.family != (is6(w->gw) ? 6 : 4))
			return false;
	}
	if (!w->mac)
		return !v->nh.mac_ok;
	parse_mac(w->mac, m);
	return v->nh.mac_ok && !memcmp(m, v->nh.mac, 6);
}

/* Polls until the published copy shows w, nothing is pending and both
 * copies agree; WAIT_MS at most. Prints what it saw on failure. */
static bool expect_route(const struct want *w, int line)
{
	double t0 = now_ms();
	struct view v;
	char b[24];

	do {
		route_poll(rc);
		v = view_of(route_table(rc), w->addr);
		if (view_ok(&v, w) && route_test_synced(rc) && copies_agree(w->addr, -1))
			return true;
		usleep(2000);
	} while (now_ms() - t0 < WAIT_MS);
	printf("\n  line %d: %s: want %s slot %d%s%s; have id %" PRIu64 " %s slot %u mac_ok %u mac %s, synced %d, copies agree %d\n",
	       line, w->addr, type_name[w->type], w->slot, w->mac ? " mac " : "", w->mac ? w->mac : "",
	       v.id, v.nh.type < RTE_DIM(type_name) ? type_name[v.nh.type] : "?", v.nh.ifslot,
	       v.nh.mac_ok, fmt_mac(v.nh.mac, b), route_test_synced(rc), copies_agree(w->addr, -1));
	return false;
}

#define EXPECT_(a, t, s, g, m) CU_ASSERT(expect_route(&(struct want){ a, t, s, g, m }, __LINE__))
#define EXPECT_NONE(a) EXPECT_(a, RT_NH_UNUSED, 0, NULL, NULL)
#define EXPECT_ON(a, type, slot) EXPECT_(a, type, slot, NULL, NULL)
#define EXPECT_GW(a, slot, gw, mac) EXPECT_(a, RT_NH_GATEWAY, slot, gw, mac)

/* Polls until the neighbour hash has (slot, addr) -> mac (mac NULL: has
 * no entry), nothing is pending and both copies agree. */
static bool expect_neigh(unsigned slot, const char *addr, const char *mac, int line)
{
	double t0 = now_ms();
	uint8_t want[6], have[6] = { 0 };
	bool found;
	char b[24];

	if (mac)
		parse_mac(mac, want);
	do {
		route_poll(rc);
		found = neigh_of(route_table(rc), slot, addr, have);
		if (found == (mac != NULL) && (!mac || !memcmp(want, have, 6)) &&
		    route_test_synced(rc) && copies_agree(addr, (int)slot))
			return true;
		usleep(2000);
	} while (now_ms() - t0 < WAIT_MS);
	printf("\n  line %d: neighbour %s on slot %u: want %s; have %s, synced %d, copies agree %d\n",
	       line, addr, slot, mac ? mac : "none", found ? fmt_mac(have, b) : "none",
	       route_test_synced(rc), copies_agree(addr, (int)slot));
	return false;
}

#define EXPECT_NEIGH(slot, addr, mac) CU_ASSERT(expect_neigh(slot, addr, mac, __LINE__))

static void poll_for(unsigned ms)
{
	double t0 = now_ms();

	while (now_ms() - t0 < ms) {
		route_poll(rc);
		usleep(2000);
	}
}

/* ---- tests ---- */

static void read_sys(const char *dev, const char *what, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, what);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static bool iface_is(unsigned slot, uint32_t mtu)
{
	const struct rt_table *t = route_table(rc);
	char mac[32], b[24];

	read_sys(cfg.iface[slot].ifname, "address", mac, sizeof(mac));
	return t->iface[slot].up && t->iface[slot].mtu == mtu &&
	       !strcmp(fmt_mac(t->iface[slot].mac, b), mac);
}

static void test_interfaces(void)
{
	double t0;

	CU_ASSERT(iface_is(0, 1500));
	CU_ASSERT(iface_is(1, 1400));
	CU_ASSERT_EQUAL(sh("ip link set rt-b mtu 1450"), 0);
	t0 = now_ms();
	while (!iface_is(1, 1450) && now_ms() - t0 < WAIT_MS) {
		route_poll(rc);
		usleep(2000);
	}
	CU_ASSERT(iface_is(1, 1450));
}

static void test_connected(void)
{
	EXPECT_ON("198.18.10.7", RT_NH_CONNECTED, 0);
	EXPECT_ON("198.18.11.7", RT_NH_CONNECTED, 1);
	EXPECT_ON("2001:db8:10::7", RT_NH_CONNECTED, 0);
	EXPECT_ON("2001:db8:11::7", RT_NH_CONNECTED, 1);
	EXPECT_NONE("198.18.12.7"); /* no route */
	EXPECT_NONE("2001:db8:12::7");
	/* another table than main: not ours */
	EXPECT_NONE("198.18.230.1");
}

static void test_gateway(void)
{
	/* nobody has talked to the peer yet: its MAC is unknown */
	EXPECT_GW("198.18.200.1", 0, "198.18.10.2", NULL);
	EXPECT_GW("2001:db8:200::1", 0, "2001:db8:10::2", NULL);
	CU_ASSERT_EQUAL(sh("ping -c1 -W2 -q 198.18.10.2 >/dev/null"), 0);
	CU_ASSERT_EQUAL(sh("ping -6 -c1 -W2 -q 2001:db8:10::2 >/dev/null"), 0);
	EXPECT_GW("198.18.200.1", 0, "198.18.10.2", mac_a);
	EXPECT_GW("2001:db8:200::1", 0, "2001:db8:10::2", mac_a);
	EXPECT_NEIGH(0, "198.18.10.2", mac_a);
	EXPECT_NEIGH(0, "2001:db8:10::2", mac_a);
}

static void test_dynamic(void)
{
	/* within WAIT_MS of the change (expect_route's bound) */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.201.0/24 via 198.18.11.2"), 0);
	EXPECT_GW("198.18.201.1", 1, "198.18.11.2", NULL);
	CU_ASSERT_EQUAL(sh("ip route replace 198.18.201.0/24 via 198.18.10.2"), 0);
	EXPECT_GW("198.18.201.1", 0, "198.18.10.2", mac_a);
	CU_ASSERT_EQUAL(sh("ip route replace 198.18.201.0/24 dev rt-b"), 0);
	EXPECT_ON("198.18.201.1", RT_NH_CONNECTED, 1);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.201.0/24"), 0);
	EXPECT_NONE("198.18.201.1");

	/* a lower metric wins; deleting it uncovers the other */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.201.0/24 dev rt-b metric 200"), 0);
	CU_ASSERT_EQUAL(sh("ip route add 198.18.201.0/24 via 198.18.10.2 metric 100"), 0);
	EXPECT_GW("198.18.201.1", 0, "198.18.10.2", mac_a);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.201.0/24 metric 100"), 0);
	EXPECT_ON("198.18.201.1", RT_NH_CONNECTED, 1);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.201.0/24 metric 200"), 0);
	EXPECT_NONE("198.18.201.1");

	/* host route and a prefix longer than 24 (DIR24_8's tbl8) */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.202.7/32 via 198.18.11.2"), 0);
	CU_ASSERT_EQUAL(sh("ip route add 198.18.202.16/28 dev rt-a"), 0);
	EXPECT_GW("198.18.202.7", 1, "198.18.11.2", NULL);
	EXPECT_NONE("198.18.202.8");
	EXPECT_ON("198.18.202.31", RT_NH_CONNECTED, 0);
	EXPECT_NONE("198.18.202.32");
	CU_ASSERT_EQUAL(sh("ip route del 198.18.202.7/32"), 0);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.202.16/28"), 0);
	EXPECT_NONE("198.18.202.7");
	EXPECT_NONE("198.18.202.20");

	/* default route */
	CU_ASSERT_EQUAL(sh("ip route add default via 198.18.11.2"), 0);
	EXPECT_GW("198.19.255.1", 1, "198.18.11.2", NULL);
	EXPECT_ON("198.18.10.7", RT_NH_CONNECTED, 0);
	CU_ASSERT_EQUAL(sh("ip route del default"), 0);
	EXPECT_NONE("198.19.255.1");

	/* multipath: the first hop */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.203.0/24 nexthop via 198.18.10.2 nexthop via 198.18.11.2"), 0);
	EXPECT_GW("198.18.203.1", 0, "198.18.10.2", mac_a);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.203.0/24"), 0);
	EXPECT_NONE("198.18.203.1");
	CU_ASSERT_EQUAL(sh("ip -6 route add 2001:db8:203::/64 nexthop via 2001:db8:11::2 dev rt-b nexthop via 2001:db8:10::2 dev rt-a"), 0);
	EXPECT_GW("2001:db8:203::1", 1, "2001:db8:11::2", NULL);
	CU_ASSERT_EQUAL(sh("ip -6 route del 2001:db8:203::/64"), 0);
	EXPECT_NONE("2001:db8:203::1");
	/* IPv4 via an IPv6 gateway (RTA_VIA): not handled by the fast lane */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.204.0/24 via inet6 2001:db8:10::2 dev rt-a"), 0);
	EXPECT_ON("198.18.204.1", RT_NH_FOREIGN, 0);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.204.0/24"), 0);
	EXPECT_NONE("198.18.204.1");

	/* IPv6 */
	CU_ASSERT_EQUAL(sh("ip -6 route add 2001:db8:201::/64 dev rt-b"), 0);
	EXPECT_ON("2001:db8:201::1", RT_NH_CONNECTED, 1);
	CU_ASSERT_EQUAL(sh("ip -6 route replace 2001:db8:201::/64 via 2001:db8:10::2"), 0);
	EXPECT_GW("2001:db8:201::1", 0, "2001:db8:10::2", mac_a);
	CU_ASSERT_EQUAL(sh("ip -6 route del 2001:db8:201::/64"), 0);
	EXPECT_NONE("2001:db8:201::1");
	CU_ASSERT_EQUAL(sh("ip -6 route add 2001:db8:201::/64 via 2001:db8:11::2"), 0);
	EXPECT_GW("2001:db8:201::1", 1, "2001:db8:11::2", NULL);
	CU_ASSERT_EQUAL(sh("ip -6 route add 2001:db8:202::5/128 dev rt-a"), 0);
	EXPECT_ON("2001:db8:202::5", RT_NH_CONNECTED, 0);
	EXPECT_NONE("2001:db8:202::6");
	CU_ASSERT_EQUAL(sh("ip -6 route del 2001:db8:202::5/128"), 0);
	EXPECT_NONE("2001:db8:202::5");
}

static void test_drop_foreign(void)
{
	struct route_stats a, b;

	CU_ASSERT_EQUAL(sh("ip route add blackhole 198.18.210.0/24"), 0);
	CU_ASSERT_EQUAL(sh("ip route add unreachable 198.18.211.0/24"), 0);
	CU_ASSERT_EQUAL(sh("ip route add prohibit 198.18.212.0/24"), 0);
	CU_ASSERT_EQUAL(sh("ip -6 route add blackhole 2001:db8:210::/64"), 0);
	CU_ASSERT_EQUAL(sh("ip -6 route add unreachable 2001:db8:211::/64"), 0);
	EXPECT_ON("198.18.210.1", RT_NH_DROP, 0);
	EXPECT_ON("198.18.211.1", RT_NH_DROP, 0);
	EXPECT_ON("198.18.212.1", RT_NH_DROP, 0);
	EXPECT_ON("2001:db8:210::1", RT_NH_DROP, 0);
	EXPECT_ON("2001:db8:211::1", RT_NH_DROP, 0);
	/* a route to a drop type and back */
	CU_ASSERT_EQUAL(sh("ip route replace 198.18.210.0/24 dev rt-a"), 0);
	EXPECT_ON("198.18.210.1", RT_NH_CONNECTED, 0);

	/* rt-d is not in the config */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.220.0/24 via 198.18.50.2"), 0);
	CU_ASSERT_EQUAL(sh("ip -6 route add 2001:db8:220::/64 via 2001:db8:50::2"), 0);
	EXPECT_ON("198.18.50.7", RT_NH_FOREIGN, 0);
	EXPECT_ON("198.18.220.1", RT_NH_FOREIGN, 0);
	EXPECT_ON("2001:db8:50::7", RT_NH_FOREIGN, 0);
	EXPECT_ON("2001:db8:220::1", RT_NH_FOREIGN, 0);
	/* a route of another table is not ours, added after the start too */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.231.0/24 dev rt-a table 100"), 0);
	poll_for(200);
	EXPECT_NONE("198.18.231.1");

	/* rt-d down: the kernel flushes its IPv4 routes without a word;
	 * the resync that follows finds out */
	route_get_stats(rc, &a);
	CU_ASSERT_EQUAL(sh("ip link set rt-d down"), 0);
	EXPECT_NONE("198.18.50.7");
	EXPECT_NONE("198.18.220.1");
	EXPECT_NONE("2001:db8:220::1");
	route_get_stats(rc, &b);
	CU_ASSERT(b.resyncs > a.resyncs);
	/* routes on the fast-lane interfaces survived it */
	EXPECT_GW("198.18.200.1", 0, "198.18.10.2", mac_a);
	EXPECT_ON("198.18.210.1", RT_NH_CONNECTED, 0);
	EXPECT_ON("198.18.211.1", RT_NH_DROP, 0);
	EXPECT_GW("2001:db8:201::1", 1, "2001:db8:11::2", NULL);
}

static void test_neigh(void)
{
	struct route_stats a, b;

	route_get_stats(rc, &a);
	CU_ASSERT_EQUAL(sh("ip neigh replace 198.18.10.77 lladdr 02:00:00:00:00:77 dev rt-a nud permanent"), 0);
	CU_ASSERT_EQUAL(sh("ip neigh replace 2001:db8:11::77 lladdr 02:00:00:00:01:77 dev rt-b nud permanent"), 0);
	EXPECT_NEIGH(0, "198.18.10.77", "02:00:00:00:00:77");
	EXPECT_NEIGH(1, "2001:db8:11::77", "02:00:00:00:01:77");
	EXPECT_NEIGH(1, "198.18.10.77", NULL); /* the slot is part of the key */
	route_get_stats(rc, &b);
	CU_ASSERT_EQUAL(b.neigh, a.neigh + 2);
	CU_ASSERT_EQUAL(sh("ip neigh replace 198.18.10.77 lladdr 02:00:00:00:00:78 dev rt-a nud permanent"), 0);
	EXPECT_NEIGH(0, "198.18.10.77", "02:00:00:00:00:78");
	CU_ASSERT_EQUAL(sh("ip neigh del 198.18.10.77 dev rt-a"), 0);
	CU_ASSERT_EQUAL(sh("ip neigh del 2001:db8:11::77 dev rt-b"), 0);
	EXPECT_NEIGH(0, "198.18.10.77", NULL);
	EXPECT_NEIGH(1, "2001:db8:11::77", NULL);

	/* a gateway next hop follows its neighbour */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.201.0/24 via 198.18.11.2"), 0);
	EXPECT_GW("198.18.201.1", 1, "198.18.11.2", NULL);
	CU_ASSERT_EQUAL(sh("ip neigh replace 198.18.11.2 lladdr 02:00:00:00:00:99 dev rt-b nud permanent"), 0);
	EXPECT_GW("198.18.201.1", 1, "198.18.11.2", "02:00:00:00:00:99");
	CU_ASSERT_EQUAL(sh("ip neigh replace 198.18.11.2 lladdr 02:00:00:00:00:9a dev rt-b nud permanent"), 0);
	EXPECT_GW("198.18.201.1", 1, "198.18.11.2", "02:00:00:00:00:9a");
	CU_ASSERT_EQUAL(sh("ip neigh del 198.18.11.2 dev rt-b"), 0);
	EXPECT_GW("198.18.201.1", 1, "198.18.11.2", NULL);
	/* and learns the real one from traffic */
	CU_ASSERT_EQUAL(sh("ping -c1 -W2 -q 198.18.11.2 >/dev/null"), 0);
	EXPECT_GW("198.18.201.1", 1, "198.18.11.2", mac_b);
	/* a neighbour on an interface outside the config is not kept */
	CU_ASSERT_EQUAL(sh("ip link set rt-d up"), 0);
	CU_ASSERT_EQUAL(sh("ip neigh replace 198.18.10.78 lladdr 02:00:00:00:00:79 dev rt-d nud permanent"), 0);
	poll_for(200);
	EXPECT_NEIGH(0, "198.18.10.78", NULL);
}

static void resolve_one(unsigned slot, const char *addr)
{
	struct rt_resolve r;

	memset(&r, 0, sizeof(r));
	r.ifslot = slot;
	r.family = is6(addr) ? 6 : 4;
	inet_pton(is6(addr) ? AF_INET6 : AF_INET, addr, r.addr);
	route_resolve(rc, &r);
}

static void test_resolve(void)
{
	struct route_stats a, b;

	/* 198.18.10.100 is the peer's second address: nothing has asked
	 * for it, the kernel does not know it */
	CU_ASSERT_EQUAL(sh("test -z \"$(ip neigh show 198.18.10.100 dev rt-a)\""), 0);
	CU_ASSERT_EQUAL(sh("test -z \"$(ip neigh show 2001:db8:10::100 dev rt-a)\""), 0);
	EXPECT_NEIGH(0, "198.18.10.100", NULL);
	route_get_stats(rc, &a);
	resolve_one(0, "198.18.10.100");
	resolve_one(0, "2001:db8:10::100");
	EXPECT_NEIGH(0, "198.18.10.100", mac_a);
	EXPECT_NEIGH(0, "2001:db8:10::100", mac_a);
	route_get_stats(rc, &b);
	CU_ASSERT_EQUAL(b.resolve_sent, a.resolve_sent + 2);
	/* the same again within a second: not sent again */
	resolve_one(0, "198.18.10.100");
	resolve_one(0, "198.18.10.100");
	poll_for(50);
	route_get_stats(rc, &a);
	CU_ASSERT_EQUAL(a.resolve_sent, b.resolve_sent);
	CU_ASSERT_EQUAL(a.resolve_dropped, 0);
	/* nonsense is dropped, not sent */
	resolve_one(7, "198.18.10.101");
	poll_for(20);
	route_get_stats(rc, &b);
	CU_ASSERT_EQUAL(b.resolve_sent, a.resolve_sent);
}

static void test_stall(void)
{
	struct route_stats a, b;
	double t0, worst = 0;
	struct view v;
	bool seen;

	EXPECT_NONE("198.18.240.1");
	route_get_stats(rc, &a);
	__atomic_store_n(&stall_req, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stalled, __ATOMIC_ACQUIRE))
		usleep(100);
	CU_ASSERT_PTR_EQUAL(held, route_table(rc));

	/* the first change is published (to the copy the worker does not
	 * hold); route_poll gives up waiting for the worker after its bound */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.240.0/24 dev rt-a"), 0);
	t0 = now_ms();
	do {
		double t = now_ms();

		route_poll(rc);
		t = now_ms() - t;
		worst = t > worst ? t : worst;
		v = view_of(route_table(rc), "198.18.240.1");
	} while (v.nh.type != RT_NH_CONNECTED && now_ms() - t0 < 2000);
	CU_ASSERT_EQUAL(v.nh.type, RT_NH_CONNECTED);
	CU_ASSERT(route_table(rc) != held);
	CU_ASSERT_FALSE(route_test_synced(rc));

	/* the second cannot go anywhere: the only other copy is held */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.241.0/24 dev rt-b"), 0);
	t0 = now_ms();
	while (now_ms() - t0 < 1500) {
		double t = now_ms();

		route_poll(rc);
		t = now_ms() - t;
		worst = t > worst ? t : worst;
		usleep(5000);
	}
	printf("\n  slowest route_poll with a stalled worker: %.0f ms\n", worst);
	CU_ASSERT(worst < 1000);
	CU_ASSERT_EQUAL(view_of(route_table(rc), "198.18.241.1").nh.type, RT_NH_UNUSED);
	/* the held copy was never written */
	CU_ASSERT_EQUAL(view_of(held, "198.18.240.1").nh.type, RT_NH_UNUSED);
	CU_ASSERT_EQUAL(view_of(held, "198.18.241.1").nh.type, RT_NH_UNUSED);
	route_get_stats(rc, &b);
	CU_ASSERT(b.stalls > a.stalls);

	/* the worker reports again: everything lands, in both copies */
	__atomic_store_n(&stall_req, 0, __ATOMIC_RELEASE);
	EXPECT_ON("198.18.241.1", RT_NH_CONNECTED, 1);
	EXPECT_ON("198.18.240.1", RT_NH_CONNECTED, 0);
	seen = route_test_synced(rc);
	CU_ASSERT(seen);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.240.0/24"), 0);
	CU_ASSERT_EQUAL(sh("ip route del 198.18.241.0/24"), 0);
	EXPECT_NONE("198.18.240.1");
	EXPECT_NONE("198.18.241.1");
}

/* The kernel's main table, in prefixes (what routes4/routes6 count). */
static long kernel_prefixes(int family)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "ip -%d route show table main | awk '{ print ($1 ~ /^(blackhole|unreachable|prohibit)$/) ? $2 : $1 }' | sort -u | wc -l",
		 family);
	return sh_num(cmd);
}

static bool counts_match(void)
{
	struct route_stats st;

	route_get_stats(rc, &st);
	return st.routes4 == kernel_prefixes(4) && st.routes6 == kernel_prefixes(6);
}

static bool flood(const char *verb, long want4)
{
	char path[] = "/tmp/shunt-rt-batch.XXXXXX";
	int fd = mkstemp(path);
	struct route_stats st;
	double t0;
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w")))
		return false;
	for (unsigned i = 0; i < FLOOD_ROUTES; i++)
		fprintf(f, "route %s 198.19.%u.%u/32 dev rt-a\n", verb, i / 250, 1 + i % 250);
	fclose(f);
	CU_ASSERT_EQUAL(sh("ip -batch %s", path), 0);
	unlink(path);
	t0 = now_ms();
	do {
		route_poll(rc);
		route_get_stats(rc, &st);
		if (st.routes4 == want4 && route_test_synced(rc))
			break;
		usleep(2000);
	} while (now_ms() - t0 < 10000);
	printf("\n  %s %u routes: in the table after %.0f ms\n", verb, FLOOD_ROUTES, now_ms() - t0);
	return st.routes4 == want4;
}

static void test_lost_messages(void)
{
	struct route_stats a, b;

	CU_ASSERT(counts_match());
	route_get_stats(rc, &a);
	/* thousands of changes while nobody reads: the event socket
	 * overflows (ENOBUFS) and a resync must catch up */
	CU_ASSERT(flood("add", a.routes4 + FLOOD_ROUTES));
	route_get_stats(rc, &b);
	CU_ASSERT(b.resyncs > a.resyncs);
	CU_ASSERT_EQUAL(b.overflow, 0);
	EXPECT_ON("198.19.0.1", RT_NH_CONNECTED, 0);
	EXPECT_ON("198.19.119.250", RT_NH_CONNECTED, 0);
	EXPECT_NONE("198.19.119.251");
	CU_ASSERT(counts_match());
	CU_ASSERT(flood("del", a.routes4));
	EXPECT_NONE("198.19.0.1");
	CU_ASSERT(counts_match());
	/* still following events after the resyncs */
	CU_ASSERT_EQUAL(sh("ip route add 198.18.242.0/24 dev rt-b"), 0);
	EXPECT_ON("198.18.242.1", RT_NH_CONNECTED, 1);
}

static void test_worker_view(void)
{
	struct route_stats st;

	route_get_stats(rc, &st);
	printf("\n  routes4 %u routes6 %u neigh %u nh %u updates %" PRIu64 " publishes %" PRIu64
	       " resyncs %" PRIu64 " stalls %" PRIu64 " overflow %" PRIu64 "; worker loops %" PRIu64 "\n",
	       st.routes4, st.routes6, st.neigh, st.nh, st.updates, st.publishes, st.resyncs,
	       st.stalls, st.overflow, worker_loops);
	CU_ASSERT(worker_loops > 100);
	CU_ASSERT_EQUAL(worker_bad, 0);
	CU_ASSERT_EQUAL(st.overflow, 0);
	CU_ASSERT_EQUAL(st.resolve_dropped, 0);
}

/* ---- setup ---- */

static int eal_up(const char *prog)
{
	char prefix[64];
	const char *p = getenv("RT_FILE_PREFIX");
	char *argv[] = { (char *)prog, "--no-huge", "-m", "512", prefix, "--no-pci", "-l", "0",
			 "--no-telemetry", "--log-level=lib.eal:warning", NULL };

	if (p && *p)
		snprintf(prefix, sizeof(prefix), "--file-prefix=%s", p);
	else
		snprintf(prefix, sizeof(prefix), "--file-prefix=shunt-rt-%d", (int)getpid());
	return rte_eal_init((int)RTE_DIM(argv) - 1, argv);
}

int main(int argc, char **argv)
{
	struct diags dg;
	unsigned fails;
	size_t before;
	struct rte_malloc_socket_stats ms;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CONFIG (run by route_test.sh in its namespace)\n", argv[0]);
		return 2;
	}
	mac_a = getenv("RT_MAC_A");
	mac_b = getenv("RT_MAC_B");
	if (!mac_a || !mac_b) {
		fprintf(stderr, "route_test: RT_MAC_A and RT_MAC_B must be set (route_test.sh does)\n");
		return 2;
	}
	diags_init(&dg, argv[1]);
	if (config_load(argv[1], &cfg, &dg)) {
		diags_print(&dg, stderr);
		return 1;
	}
	diags_free(&dg);
	for (unsigned i = 0; i < cfg.niface; i++)
		ifindex[i] = if_nametoindex(cfg.iface[i].ifname);
	if (eal_up(argv[0]) < 0) {
		fprintf(stderr, "route_test: rte_eal_init failed\n");
		return 1;
	}
	rte_malloc_get_socket_stats(0, &ms);
	before = ms.heap_allocsz_bytes;
	rc = route_open(&cfg, ifindex, 1, 0);
	if (!rc) {
		fprintf(stderr, "route_test: route_open failed\n");
		return 1;
	}
	rte_malloc_get_socket_stats(0, &ms);
	printf("route_open: %zu MiB of DPDK memory (two table copies and the model)\n",
	       (ms.heap_allocsz_bytes - before) >> 20);
	if (pthread_create(&worker_tid, NULL, worker, NULL)) {
		fprintf(stderr, "route_test: cannot start the worker thread\n");
		return 1;
	}

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("route tables from rtnetlink", NULL, NULL);
	CU_add_test(s, "interfaces: MAC, MTU, up, and an MTU change", test_interfaces);
	CU_add_test(s, "connected routes on the right slot; other tables ignored", test_connected);
	CU_add_test(s, "gateway routes learn the gateway's MAC", test_gateway);
	CU_add_test(s, "routes added, replaced, deleted after route_open", test_dynamic);
	CU_add_test(s, "drop types, foreign interface, silent flush on link down", test_drop_foreign);
	CU_add_test(s, "neighbours and gateway next hops follow ip neigh", test_neigh);
	CU_add_test(s, "route_resolve makes the kernel resolve (NTF_USE)", test_resolve);
	CU_add_test(s, "a stalled worker holds updates without hanging route_poll", test_stall);
	CU_add_test(s, "lost events (ENOBUFS) are caught up by a resync", test_lost_messages);
	CU_add_test(s, "the worker only ever saw next hops that were set", test_worker_view);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&stall_req, 0, __ATOMIC_RELEASE);
	pthread_join(worker_tid, NULL);
	route_close(rc);
	config_free(&cfg);
	rte_eal_cleanup();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
