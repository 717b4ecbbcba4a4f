// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_steer.c — the XDP steer program (xsk_def_prog) under BPF_PROG_TEST_RUN.
 *
 * 1. Table-driven fixtures {name, frame, ingress device, rx queue, setup
 *    (flows, local addresses, AF_XDP socket, heartbeat), expected XDP verdict,
 *    expected rule slot and lane or expected reason}, against one rule set.
 * 2. Random rule sets and packets: the steer program, the tc lane program,
 *    the compiler's C image lookup and the reference matcher must name the
 *    same rule, and steer must take that rule's lane (or fail open with the
 *    right reason).
 *
 * XDP test runs with an ingress device and rx queue need that device to
 * exist with that many rx queues, so the test first moves into a network
 * namespace of its own and creates veth devices there with the ifindexes the
 * rules use (lan 11, wan 12, dmz 13, and 99 that no rule knows); they vanish
 * with the process. The fast-lane cases need a real AF_XDP socket in
 * xsks_map: one is bound (copy mode, libxdp, no program load) to lan0.
 * Needs root (BPF): exits 77 (skip) when the program cannot be loaded or the
 * namespace cannot be made.
 */
#define _GNU_SOURCE /* unshare(), CLONE_NEWNET */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "config.h"
#include "lane.skel.h"
#include "mapfill.h"
#include "bpfutil.h"
#include "pktbuild.h"
#include "randrules.h"
#include "refmatch.h"
#include "rules.h"
#include "steer.skel.h"

#define SKIP 77
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The steer program's .rodata: a non-zero slot, so a heartbeat read from the
 * wrong row is caught; a heartbeat limit that leaves the test run plenty of
 * time between writing a fresh heartbeat and running the program. */
#define SLOT 3
#define HB_NS 500000000ull

/* ---- the network namespace and its devices ---- */

#define LAN 11
#define WAN 12
#define DMZ 13
#define UNKNOWN 99 /* a device no rule names */
#define NRXQ 4
#define DMZ_NRXQ (SHUNT_MAX_QUEUES + 8) /* queues past xsks_map's size */

struct dev {
	const char *name, *peer;
	unsigned index, peer_index, nrxq;
};

static const struct dev devs[] = {
	{ "lan0", "lan0p", LAN, 21, NRXQ },
	{ "wan0", "wan0p", WAN, 22, NRXQ },
	{ "dmz0", "dmz0p", DMZ, 23, DMZ_NRXQ },
	{ "unk0", "unk0p", UNKNOWN, 98, NRXQ },
};

static int run_cmd(const char *cmd)
{
	int st = system(cmd);

	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A network namespace of our own with lo up and one veth pair per entry of
 * devs, each end with its fixed ifindex. Returns 0 or writes why not. */
static int netns_setup(char *why, size_t cap)
{
	char cmd[512];

	if (unshare(CLONE_NEWNET)) {
		snprintf(why, cap, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	if (run_cmd("ip link set dev lo up")) {
		snprintf(why, cap, "'ip link set dev lo up' failed");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		const struct dev *d = &devs[i];

		snprintf(cmd, sizeof(cmd),
			 "ip link add name %s index %u numrxqueues %u numtxqueues %u type veth "
			 "peer name %s index %u numrxqueues %u numtxqueues %u && "
			 "ip link set dev %s up && ip link set dev %s up",
			 d->name, d->index, d->nrxq, d->nrxq, d->peer, d->peer_index, d->nrxq, d->nrxq,
			 d->name, d->peer);
		if (run_cmd(cmd) || if_nametoindex(d->name) != d->index) {
			snprintf(why, cap, "cannot create veth %s with ifindex %u", d->name, d->index);
			return -1;
		}
	}
	return 0;
}

/* ---- an AF_XDP socket for xsks_map ---- */

#define XSK_Q 2 /* lan0's queue the socket is bound to */
#define XSK_FRAMES 64

struct xsk_state {
	void *area;
	size_t size;
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	int fd; /* -1: none, why says why */
	char why[200];
};

static struct xsk_state xsk = { .fd = -1 };

static void xsk_close(struct xsk_state *x)
{
	if (x->sock)
		xsk_socket__delete(x->sock);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area && x->area != MAP_FAILED)
		munmap(x->area, x->size);
	x->sock = NULL;
	x->umem = NULL;
	x->area = NULL;
	x->fd = -1;
}

/* Binds a copy-mode socket to ifname's queue without loading libxdp's own
 * program (the steer program's xsks_map gets the fd from the test). */
static int xsk_open(struct xsk_state *x, const char *ifname, __u32 queue)
{
	const struct xsk_umem_config ucfg = {
		.fill_size = XSK_FRAMES,
		.comp_size = XSK_FRAMES,
		.frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE,
	};
	const struct xsk_socket_config scfg = {
		.rx_size = XSK_FRAMES,
		.tx_size = XSK_FRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	int err;

	x->size = (size_t)XSK_FRAMES * XSK_UMEM__DEFAULT_FRAME_SIZE;
	x->area = mmap(NULL, x->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		snprintf(x->why, sizeof(x->why), "mmap of the umem: %s", strerror(errno));
		return -1;
	}
	err = xsk_umem__create(&x->umem, x->area, x->size, &x->fill, &x->comp, &ucfg);
	if (err) {
		x->umem = NULL;
		snprintf(x->why, sizeof(x->why), "xsk_umem__create: %s", strerror(-err));
		xsk_close(x);
		return -1;
	}
	err = xsk_socket__create(&x->sock, ifname, queue, x->umem, &x->rx, &x->tx, &scfg);
	if (err) {
		x->sock = NULL;
		snprintf(x->why, sizeof(x->why), "xsk_socket__create(%s, queue %u, XDP_COPY): %s",
			 ifname, queue, strerror(-err));
		xsk_close(x);
		return -1;
	}
	x->fd = xsk_socket__fd(x->sock);
	return 0;
}

/* ---- loading, filling and reading the programs' maps ---- */

static int ncpu;

/* Writes cfg's rules into a loaded object (steer or lane), replacing an
 * earlier rule set (and the local addresses marked in it): the interface
 * hash is emptied first; the arrays are rewritten, the prefix tables'
 * level-1 rows whole, so nothing of the earlier set is reachable (as
 * test_lane.c's harness_fill). */
static int fill_rules(struct bpf_object *obj, const struct shunt_config *cfg,
		      const uint32_t *ifindex)
{
	struct cls_image *img = malloc(sizeof(*img));
	int err = 0;

	if (!img)
		return -ENOMEM;
	err = clear_map(bpf_object__find_map_fd_by_name(obj, "cls_iif"), sizeof(__u32));
	err = err ?: cls_compile(cfg, ifindex, img);
	err = err ?: maps_write_image(obj, img);
	free(img);
	return err;
}

static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}

struct steer_h {
	struct steer_bpf *skel;
	int prog, rstats, reasons, xsks, flows, flow_count, hb;
};

struct lane_h {
	struct lane_bpf *skel;
	int prog, rstats, reasons;
};

/* Loads the steer object unpinned (tests never touch bpffs). Returns 0 or
 * a negative errno. */
static int steer_open(struct steer_h *h)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->skel = steer_bpf__open();
	if (!h->skel)
		return -errno;
	unpin_all(h->skel->obj);
	h->skel->rodata->iface_slot = SLOT;
	h->skel->rodata->heartbeat_ns = HB_NS;
	err = steer_bpf__load(h->skel);
	if (err) {
		steer_bpf__destroy(h->skel);
		h->skel = NULL;
		return err;
	}
	h->prog = bpf_program__fd(h->skel->progs.xsk_def_prog);
	h->rstats = bpf_map__fd(h->skel->maps.steer_rstats);
	h->reasons = bpf_map__fd(h->skel->maps.steer_reasons);
	h->xsks = bpf_map__fd(h->skel->maps.xsks_map);
	h->flows = bpf_map__fd(h->skel->maps.flows);
	h->flow_count = bpf_map__fd(h->skel->maps.flow_count);
	h->hb = bpf_map__fd(h->skel->maps.heartbeat);
	return 0;
}

static void steer_close(struct steer_h *h)
{
	if (h->skel)
		steer_bpf__destroy(h->skel);
	h->skel = NULL;
}

/* Loads the tc lane object unpinned. With share, its classifier maps (cls_*
 * and rules) are share's, as the pinned maps are shared in a real run: one
 * fill then serves both programs. */
static int lane_open(struct lane_h *h, struct bpf_object *share)
{
	struct bpf_map *map;
	int err = 0;

	memset(h, 0, sizeof(*h));
	h->skel = lane_bpf__open();
	if (!h->skel)
		return -errno;
	unpin_all(h->skel->obj);
	bpf_object__for_each_map(map, h->skel->obj) {
		const char *name = bpf_map__name(map);

		if (share && !err && (!strncmp(name, "cls_", 4) || !strcmp(name, "rules")))
			err = bpf_map__reuse_fd(map, bpf_object__find_map_fd_by_name(share, name));
	}
	err = err ?: lane_bpf__load(h->skel);
	if (err) {
		lane_bpf__destroy(h->skel);
		h->skel = NULL;
		return err;
	}
	h->prog = bpf_program__fd(h->skel->progs.shunt_lane_in);
	h->rstats = bpf_map__fd(h->skel->maps.lane_rstats);
	h->reasons = bpf_map__fd(h->skel->maps.lane_reasons);
	return 0;
}

static void lane_close(struct lane_h *h)
{
	if (h->skel)
		lane_bpf__destroy(h->skel);
	h->skel = NULL;
}

/* Per-CPU counters summed over the CPUs. */
struct ctr {
	unsigned long long packets, bytes;
};

#define MAX_CTR_KEYS (SHUNT_LANE_MAX * SHUNT_RULE_SLOTS) /* the largest counter map */

/* Reads all nkeys keys of a per-CPU counter map with one batch lookup and
 * sums them over the CPUs into out[key]. Returns 0 or -1. */
static int read_ctrs(int fd, __u32 nkeys, struct ctr *out)
{
	static struct shunt_counter *vals;
	static __u32 keys[MAX_CTR_KEYS];
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 count = nkeys, batch;

	if (!vals)
		vals = calloc((size_t)MAX_CTR_KEYS * (size_t)ncpu, sizeof(*vals));
	if (!vals || nkeys > MAX_CTR_KEYS)
		return -1;
	if ((bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, &bo) && errno != ENOENT) ||
	    count != nkeys)
		return -1;
	memset(out, 0, nkeys * sizeof(*out));
	for (__u32 i = 0; i < count; i++) {
		if (keys[i] >= nkeys)
			return -1;
		for (int c = 0; c < ncpu; c++) {
			out[keys[i]].packets += vals[i * (__u32)ncpu + (__u32)c].packets;
			out[keys[i]].bytes += vals[i * (__u32)ncpu + (__u32)c].bytes;
		}
	}
	return 0;
}

/* The one key of [first, first + n) whose count moved by one packet of len
 * bytes: its index, -1 when none moved, -2 when several moved or one moved
 * by anything else. */
static int moved(const struct ctr *before, const struct ctr *after, unsigned first, unsigned n,
		 size_t len)
{
	int which = -1;

	for (unsigned i = first; i < first + n; i++) {
		unsigned long long dp = after[i].packets - before[i].packets;
		unsigned long long db = after[i].bytes - before[i].bytes;

		if (!dp && !db)
			continue;
		if (which != -1 || dp != 1 || db != len)
			return -2;
		which = (int)i;
	}
	return which;
}

static const char *const reason_names[SHUNT_REASON_MAX] = {
	"ok",
#define SHUNT_REASON_NAME(e, n, d) n,
	SHUNT_REASONS(SHUNT_REASON_NAME)
#undef SHUNT_REASON_NAME
};

static const char *reason_name(int r)
{
	if (r == -1)
		return "(none)";
	if (r < 0 || r >= SHUNT_REASON_MAX)
		return "(several or not by one packet)";
	return reason_names[r];
}

static const char *xdp_word(int v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "?";
	}
}

/* What one steer run did. */
struct s_out {
	int retval;
	int rule;   /* rule slot counted in steer_rstats, -1 none, -2 several */
	int lane;   /* the lane of that counter */
	int reason; /* reason counted, -1 none, -2 several */
};

static int run_steer(const struct steer_h *h, const uint8_t *pkt, size_t len, uint32_t iif,
		     uint32_t queue, struct s_out *o)
{
	static struct ctr rb[MAX_CTR_KEYS], ra[MAX_CTR_KEYS];
	static struct ctr wb[SHUNT_REASON_MAX], wa[SHUNT_REASON_MAX];
	/* the kernel looks iif up in our netns and wants queue < its rx
	 * queues; data_end must be the frame's length: with 0 (kernel 6.18)
	 * the run succeeds but the program sees no linear bytes at all */
	struct xdp_md ctx = { .data_end = (__u32)len, .ingress_ifindex = iif, .rx_queue_index = queue };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int k;

	if (read_ctrs(h->rstats, MAX_CTR_KEYS, rb) || read_ctrs(h->reasons, SHUNT_REASON_MAX, wb))
		return -EIO;
	if (bpf_prog_test_run_opts(h->prog, &opts))
		return -errno;
	if (read_ctrs(h->rstats, MAX_CTR_KEYS, ra) || read_ctrs(h->reasons, SHUNT_REASON_MAX, wa))
		return -EIO;
	o->retval = (int)opts.retval;
	k = moved(rb, ra, 0, MAX_CTR_KEYS, len);
	o->rule = k >= 0 ? k % SHUNT_RULE_SLOTS : k;
	o->lane = k >= 0 ? k / SHUNT_RULE_SLOTS : -1;
	o->reason = moved(wb, wa, 0, SHUNT_REASON_MAX, len);
	return 0;
}

/* What one tc lane (ingress) run did. */
struct l_out {
	int retval;
	int rule;   /* ingress rule slot counted, -1 none, -2 several */
	int reason; /* ingress reason counted, -1 none, -2 several */
};

static int run_lane(const struct lane_h *h, const uint8_t *pkt, size_t len, uint32_t iif,
		    struct l_out *o)
{
	static struct ctr rb[SHUNT_DIR_MAX * SHUNT_RULE_SLOTS], ra[SHUNT_DIR_MAX * SHUNT_RULE_SLOTS];
	static struct ctr wb[SHUNT_DIR_MAX * SHUNT_REASON_MAX], wa[SHUNT_DIR_MAX * SHUNT_REASON_MAX];
	struct __sk_buff ctx = { .ingress_ifindex = iif };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (read_ctrs(h->rstats, ARRAY_SIZE(rb), rb) || read_ctrs(h->reasons, ARRAY_SIZE(wb), wb))
		return -EIO;
	if (bpf_prog_test_run_opts(h->prog, &opts))
		return -errno;
	if (read_ctrs(h->rstats, ARRAY_SIZE(ra), ra) || read_ctrs(h->reasons, ARRAY_SIZE(wa), wa))
		return -EIO;
	o->retval = (int)opts.retval;
	/* egress counters must not move on an ingress run */
	if (moved(rb, ra, SHUNT_RULE_STAT_KEY(SHUNT_DIR_EGRESS, 0), SHUNT_RULE_SLOTS, len) != -1 ||
	    moved(wb, wa, SHUNT_REASON_STAT_KEY(SHUNT_DIR_EGRESS, 0), SHUNT_REASON_MAX, len) != -1) {
		o->rule = o->reason = -2;
		return 0;
	}
	o->rule = moved(rb, ra, 0, SHUNT_RULE_SLOTS, len);
	o->reason = moved(wb, wa, 0, SHUNT_REASON_MAX, len);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* what bpf_ktime_get_ns() reads */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int set_heartbeat(const struct steer_h *h, __u32 slot, __u32 queue, uint64_t ns)
{
	__u32 key = SHUNT_HB_KEY(slot, queue);

	return bpf_map_update_elem(h->hb, &key, &ns, BPF_ANY) ? -errno : 0;
}

/* flow_count[0]: the steer program consults flows only while it is set
 * (`shunt flow` keeps it; here the fixtures do). */
static int set_flow_gate(const struct steer_h *h, __u32 on)
{
	__u32 zero = 0;

	return bpf_map_update_elem(h->flow_count, &zero, &on, BPF_ANY) ? -errno : 0;
}

/* Empties what a fixture may have set: flows (and its gate), xsks_map and
 * every heartbeat (local addresses go with a fill_rules). */
/* Zeroes entry key of a per-CPU array on every CPU. */
static int clear_percpu_entry(int fd, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	void *zero;
	int err = 0;

	if (ncpu <= 0)
		return -EINVAL;
	zero = calloc((size_t)ncpu, 64);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

static int steer_reset(const struct steer_h *h)
{
	static const uint64_t zero[SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES];
	static __u32 keys[SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES];
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 n = ARRAY_SIZE(keys);
	int err;

	for (__u32 i = 0; i < n; i++)
		keys[i] = i;
	err = clear_map(h->flows, sizeof(struct shunt_flow_key));
	err = err ?: set_flow_gate(h, 0);
	for (__u32 q = 0; q < SHUNT_MAX_QUEUES && !err; q++)
		if (bpf_map_delete_elem(h->xsks, &q) && errno != ENOENT)
			err = -errno;
	if (!err && bpf_map_update_batch(h->hb, keys, zero, &n, &bo))
		err = -errno;
	/* the clock reading the previous fixture left would make this one's
	 * heartbeat look younger than it is (steer.bpf.c, now_for()) */
	if (!err)
		err = clear_percpu_entry(bpf_map__fd(h->skel->maps.clock_cache), 0);
	return err;
}

/* ---- fixtures ---- */

static const char steer_rules[] =
	"version = 1;\n"
	"mode = \"kernel\";\n"
	"interfaces = ( { name = \"lan\"; ifname = \"lan0\"; }, { name = \"wan\"; ifname = \"wan0\"; },\n"
	"               { name = \"dmz\"; ifname = \"dmz0\"; } );\n"
	"rules = (\n"
	"  { name = \"udp-fast\"; proto = \"udp\"; dst = \"198.18.2.0/24\"; dport = 7000; lane = \"fast\"; },\n"
	"  { name = \"udp-block\"; proto = \"udp\"; dport = 7001; lane = \"drop\"; },\n"
	"  { name = \"range\"; proto = \"tcp\"; dport = \"8000-8099\"; lane = \"fast\"; },\n"
	"  { name = \"v6-udp\"; proto = \"udp\"; dst = \"2001:db8:2::/64\"; dport = \"7003-7004\"; lane = \"fast\"; },\n"
	"  { name = \"from-lan\"; proto = \"tcp\"; ingress = \"lan\"; dport = 22; lane = \"kernel\"; },\n"
	"  { name = \"ssh-fast\"; proto = \"tcp\"; dport = 22; lane = \"fast\"; },\n"
	"  { name = \"icmp\"; proto = [\"icmp\", \"icmpv6\"]; lane = \"kernel\"; },\n"
	"  { name = \"gre\"; proto = \"gre\"; lane = \"kernel\"; },\n"
	"  { name = \"v6-tcp-drop\"; proto = \"tcp\"; dst = \"2001:db8:2::/64\"; dport = 9; lane = \"drop\"; },\n"
	"  { name = \"sport-range\"; proto = \"udp\"; src = \"198.18.1.0/24\"; sport = \"5000-5009\"; lane = \"fast\"; },\n"
	"  { name = \"v6-https\"; proto = \"tcp\"; src = \"2001:db8:1::/48\"; dport = 443; lane = \"fast\"; },\n"
	"  { name = \"udp-wide\"; proto = \"udp\"; dst = [\"198.18.0.0/16\", \"2001:db8::/32\"]; lane = \"kernel\"; }\n"
	");\n";

enum {
	R_UDP_FAST,
	R_UDP_BLOCK,
	R_RANGE,
	R_V6_UDP,
	R_FROM_LAN,
	R_SSH_FAST,
	R_ICMP,
	R_GRE,
	R_V6_TCP_DROP,
	R_SPORT,
	R_V6_HTTPS,
	R_UDP_WIDE,
};
#define NONE SHUNT_RULE_NONE
#define FLOW SHUNT_RULE_FLOW

/* setup: heartbeat of the packet's queue (row SLOT unless said) */
enum hb_setup {
	HB_ZERO = 0,	 /* never written */
	HB_FRESH,	 /* now */
	HB_RECENT,	 /* now - HB_NS / 2: still in time */
	HB_STALE,	 /* now - 2 * HB_NS */
	HB_FUTURE,	 /* now + 1 ms: written after the program read the clock */
	HB_OTHER_SLOT,	 /* fresh, but in another interface's row */
	HB_OTHER_QUEUE,	 /* fresh, but for another queue of this interface */
};

/* setup: a flows entry made from the frame's 5-tuple, one field changed */
enum flow_diff { DIFF_NONE, DIFF_SPORT, DIFF_DPORT, DIFF_SADDR, DIFF_DADDR, DIFF_PROTO, DIFF_FAMILY };

struct fixture {
	const char *name;
	struct pkt_spec spec;
	const char *src, *dst;
	uint32_t iif, queue;
	/* setup */
	bool sock;		/* the AF_XDP socket in xsks_map at XSK_Q */
	enum hb_setup hb;
	const char *local, *local2; /* addresses of the gateway (maps_add_locals) */
	int flow;		/* 0: none, else lane + 1 of a flows entry */
	enum flow_diff diff;
	/* expected */
	int verdict;
	int rule, lane;		/* rule slot and lane counted; rule -1: none */
	int reason;		/* reason counted, -1: none */
};

#define V4 "198.18.1.2", "198.18.2.2"
#define V6 "2001:db8:1::2", "2001:db8:2::2"
#define UDP(dp) .proto = IPPROTO_UDP, .sport = 40000, .dport = (dp)
#define UDPS(sp, dp) .proto = IPPROTO_UDP, .sport = (sp), .dport = (dp)
#define TCP(dp) .proto = IPPROTO_TCP, .sport = 40000, .dport = (dp)
#define ICMP4(t) .proto = IPPROTO_ICMP, .icmp_type = (t)
#define ICMP6(t) .proto = IPPROTO_ICMPV6, .icmp_type = (t)
#define EXT(t) { .type = (t) }
#define TTL(n) .ttl = (n), .set = PKT_SET_TTL
#define MAC(...) { __VA_ARGS__ }

#define SOCK_FRESH .queue = XSK_Q, .sock = true, .hb = HB_FRESH
/* the packet took rule r's lane: kernel, fast (redirected) or drop */
#define KERN(r) .verdict = XDP_PASS, .rule = (r), .lane = SHUNT_LANE_KERNEL, .reason = -1
#define FAST(r) .verdict = XDP_REDIRECT, .rule = (r), .lane = SHUNT_LANE_FAST, .reason = -1
#define DROP(r) .verdict = XDP_DROP, .rule = (r), .lane = SHUNT_LANE_DROP, .reason = SHUNT_REASON_RULE_DROP
/* fast rule r, but the fast lane is not there: kernel lane and a reason */
#define FAILOPEN(r, why) .verdict = XDP_PASS, .rule = (r), .lane = SHUNT_LANE_KERNEL, \
			 .reason = SHUNT_REASON_##why
#define NOSOCK(r) FAILOPEN(r, FAST_NO_SOCKET)
/* not classified: always kernel lane, one reason, no rule counter */
#define KEEP(why) .verdict = XDP_PASS, .rule = -1, .lane = -1, .reason = SHUNT_REASON_##why

static const struct fixture fixtures[] = {
	/* ---- classification, no socket: fast rules fail open ---- */
	{ "v4 udp fast rule, no socket", { UDP(7000), .payload_len = 64 }, V4, LAN, 0, NOSOCK(R_UDP_FAST) },
	{ "v4 udp fast rule, no socket, queue 3", { UDP(7000) }, V4, LAN, 3, NOSOCK(R_UDP_FAST) },
	{ "v4 udp drop rule", { UDP(7001) }, V4, LAN, 0, DROP(R_UDP_BLOCK) },
	{ "v4 udp kernel rule", { UDP(7002) }, V4, LAN, 0, KERN(R_UDP_WIDE) },
	{ "v4 tcp range low edge", { TCP(8000) }, V4, WAN, 0, NOSOCK(R_RANGE) },
	{ "v4 tcp range high edge", { TCP(8099) }, V4, WAN, 0, NOSOCK(R_RANGE) },
	{ "v4 tcp below range", { TCP(7999) }, V4, WAN, 0, KERN(NONE) },
	{ "v4 tcp above range", { TCP(8100) }, V4, WAN, 0, KERN(NONE) },
	{ "v4 udp sport range low edge", { UDPS(5000, 9999) }, "198.18.1.7", "198.18.9.9", LAN, 0,
	  NOSOCK(R_SPORT) },
	{ "v4 udp sport range high edge", { UDPS(5009, 9999) }, "198.18.1.7", "198.18.9.9", LAN, 0,
	  NOSOCK(R_SPORT) },
	{ "v4 udp sport below range", { UDPS(4999, 9999) }, "198.18.1.7", "198.18.9.9", LAN, 0,
	  KERN(R_UDP_WIDE) },
	{ "v4 udp sport above range", { UDPS(5010, 9999) }, "198.18.1.7", "198.18.9.9", LAN, 0,
	  KERN(R_UDP_WIDE) },
	{ "v4 udp sport range, src outside its prefix", { UDPS(5000, 9999) }, "198.18.3.7", "198.18.9.9",
	  LAN, 0, KERN(R_UDP_WIDE) },
	{ "v4 udp, no rule", { UDP(7000) }, "198.18.1.2", "10.0.0.1", LAN, 0, KERN(NONE) },
	{ "v4 icmp echo", { ICMP4(8) }, V4, LAN, 0, KERN(R_ICMP) },
	{ "v4 icmp echo reply", { ICMP4(0) }, V4, WAN, 1, KERN(R_ICMP) },
	{ "v4 gre (no ports)", { .proto = 47, .raw_len = 4 }, V4, LAN, 0, KERN(R_GRE) },
	{ "v4 esp, no rule", { .proto = 50, .raw_len = 8 }, V4, LAN, 0, KERN(NONE) },
	{ "v6 udp range low edge", { UDP(7003) }, V6, WAN, 0, NOSOCK(R_V6_UDP) },
	{ "v6 udp range high edge", { UDP(7004) }, V6, WAN, 0, NOSOCK(R_V6_UDP) },
	{ "v6 udp below range", { UDP(7002) }, V6, WAN, 0, KERN(R_UDP_WIDE) },
	{ "v6 udp above range", { UDP(7005) }, V6, WAN, 0, KERN(R_UDP_WIDE) },
	{ "v6 udp outside every prefix", { UDP(7004) }, "2001:db8:1::2", "2001:db9::1", WAN, 0, KERN(NONE) },
	{ "v6 tcp fast rule", { TCP(443) }, V6, LAN, 0, NOSOCK(R_V6_HTTPS) },
	{ "v6 tcp fast rule, src outside", { TCP(443) }, "2001:db8:4::1", "2001:db8:2::2", LAN, 0, KERN(NONE) },
	{ "v6 tcp drop rule", { TCP(9) }, V6, LAN, 0, DROP(R_V6_TCP_DROP) },
	{ "v6 icmpv6 echo request (not neighbour)", { ICMP6(128) }, V6, LAN, 0, KERN(R_ICMP) },
	{ "v6 icmpv6 echo reply (not neighbour)", { ICMP6(129) }, V6, LAN, 0, KERN(R_ICMP) },
	{ "v4 never matches a v6 rule", { UDP(7003) }, "198.18.1.2", "198.18.2.2", LAN, 0, KERN(R_UDP_WIDE) },

	/* ---- first match wins ---- */
	{ "priority: fast rule before the wide kernel rule", { UDP(7000) }, "198.18.1.2", "198.18.2.200",
	  DMZ, 0, NOSOCK(R_UDP_FAST) },
	{ "priority: outside the fast rule's prefix", { UDP(7000) }, "198.18.1.2", "198.18.3.2", DMZ, 0,
	  KERN(R_UDP_WIDE) },
	{ "priority: drop rule before the wide kernel rule", { UDP(7001) }, "198.18.1.2", "198.18.3.2",
	  DMZ, 0, DROP(R_UDP_BLOCK) },
	{ "priority: tcp 22 from lan (kernel before fast)", { TCP(22) }, V4, LAN, 0, KERN(R_FROM_LAN) },
	{ "priority: tcp 22 from wan (next rule, fast)", { TCP(22) }, V4, WAN, 0, NOSOCK(R_SSH_FAST) },
	{ "priority: tcp 22 from dmz", { TCP(22) }, V4, DMZ, 0, NOSOCK(R_SSH_FAST) },
	{ "priority: tcp 22 from an unknown device", { TCP(22) }, V4, UNKNOWN, 0, NOSOCK(R_SSH_FAST) },
	{ "priority: v6 tcp 22 from lan", { TCP(22) }, V6, LAN, 0, KERN(R_FROM_LAN) },

	/* ---- VLANs ---- */
	{ "one vlan: fast rule, kept on the kernel lane", { UDP(7000), .nvlan = 1, .vlan = { { 0x8100, 10 } } }, V4,
	  LAN, SOCK_FRESH, FAILOPEN(R_UDP_FAST, FAST_VLAN) },
	{ "two vlans (802.1ad + 802.1Q)", { UDP(7000), .nvlan = 2, .vlan = { { 0x88a8, 10 }, { 0x8100, 20 } } },
	  V4, LAN, 0, FAILOPEN(R_UDP_FAST, FAST_VLAN) },
	{ "two vlans (802.1Q + 802.1Q)", { UDP(7001), .nvlan = 2, .vlan = { { 0x8100, 10 }, { 0x8100, 20 } } },
	  V4, LAN, 0, DROP(R_UDP_BLOCK) },
	{ "one vlan, v6 tcp", { TCP(443), .nvlan = 1, .vlan = { { 0x8100, 10 } } }, V6, LAN, 0,
	  FAILOPEN(R_V6_HTTPS, FAST_VLAN) },
	{ "two vlans, v6 icmpv6", { ICMP6(128), .nvlan = 2, .vlan = { { 0x88a8, 1 }, { 0x8100, 2 } } }, V6,
	  LAN, 0, KERN(R_ICMP) },
	{ "three vlans", { UDP(7000), .nvlan = 3 }, V4, LAN, 0, KEEP(VLAN_TOO_DEEP) },
	{ "vlan, then arp", { .ethertype = ETH_P_ARP, .nvlan = 1 }, V4, LAN, 0, KEEP(NON_IP) },

	/* ---- always kernel: non-IP ---- */
	{ "arp request", { .ethertype = ETH_P_ARP }, V4, LAN, 0, KEEP(NON_IP) },
	{ "arp to the broadcast MAC", { .ethertype = ETH_P_ARP, .dst_mac = MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff) },
	  V4, LAN, 0, KEEP(NON_IP) },
	{ "lldp", { .ethertype = 0x88cc, .payload_len = 40, .dst_mac = MAC(0x01, 0x80, 0xc2, 0, 0, 0x0e) },
	  V4, LAN, 0, KEEP(NON_IP) },

	/* ---- always kernel: fragments ---- */
	{ "v4 first fragment", { UDP(7000), .frag_more = true }, V4, LAN, 0, KEEP(FRAGMENT) },
	{ "v4 later fragment", { UDP(7000), .frag_off = 100, .frag_more = true }, V4, LAN, 0, KEEP(FRAGMENT) },
	{ "v4 last fragment", { UDP(7000), .frag_off = 100 }, V4, LAN, 0, KEEP(FRAGMENT) },
	{ "v4 later fragment, cut after the IP header", { UDP(7000), .frag_off = 100, .truncate_to = 14 + 20 },
	  V4, LAN, 0, KEEP(FRAGMENT) },
	{ "v4 DF is not a fragment", { UDP(7000), .dont_frag = true }, V4, LAN, 0, NOSOCK(R_UDP_FAST) },
	{ "v6 first fragment", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_FRAGMENT, .frag_more = true } } },
	  V6, LAN, 0, KEEP(FRAGMENT) },
	{ "v6 later fragment", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_FRAGMENT, .frag_off = 10 } } },
	  V6, LAN, 0, KEEP(FRAGMENT) },
	{ "v6 fragment after hop-by-hop",
	  { UDP(7004), .next = 2, .ext = { EXT(IPPROTO_HOPOPTS), { .type = IPPROTO_FRAGMENT, .frag_off = 10 } } },
	  V6, LAN, 0, KEEP(FRAGMENT) },

	/* ---- always kernel: IPv4 options, TTL ---- */
	{ "ipv4 options (4 bytes)", { UDP(7000), .ip_opt = { 1, 1, 1, 1 }, .ip_opt_len = 4 }, V4, LAN, 0,
	  KEEP(IPV4_OPTIONS) },
	{ "ipv4 options (40 bytes, ihl 15)", { UDP(7000), .ip_opt_len = 40 }, V4, LAN, 0, KEEP(IPV4_OPTIONS) },
	{ "ttl 1", { UDP(7000), TTL(1) }, V4, LAN, 0, KEEP(TTL_EXPIRING) },
	{ "ttl 0", { UDP(7000), TTL(0) }, V4, LAN, 0, KEEP(TTL_EXPIRING) },
	{ "ttl 2 is forwarded", { UDP(7000), TTL(2) }, V4, LAN, 0, NOSOCK(R_UDP_FAST) },
	{ "hop limit 1", { UDP(7004), TTL(1) }, V6, LAN, 0, KEEP(TTL_EXPIRING) },
	{ "hop limit 0", { UDP(7004), TTL(0) }, V6, LAN, 0, KEEP(TTL_EXPIRING) },
	{ "hop limit 2 is forwarded", { UDP(7004), TTL(2) }, V6, LAN, 0, NOSOCK(R_V6_UDP) },

	/* ---- always kernel: multicast and broadcast ---- */
	{ "v4 224.0.0.1 (group MAC)", { UDP(7000), .dst_mac = MAC(0x01, 0x00, 0x5e, 0, 0, 1) },
	  "198.18.1.2", "224.0.0.1", LAN, 0, KEEP(MULTICAST) },
	{ "v4 239.255.255.250, unicast MAC", { UDP(7000) }, "198.18.1.2", "239.255.255.250", LAN, 0,
	  KEEP(MULTICAST) },
	{ "v4 255.255.255.255, unicast MAC", { UDP(7000) }, "198.18.1.2", "255.255.255.255", LAN, 0,
	  KEEP(MULTICAST) },
	{ "v4 223.255.255.255 is unicast", { UDP(7000) }, "198.18.1.2", "223.255.255.255", LAN, 0, KERN(NONE) },
	{ "v4 240.0.0.1 is not multicast", { UDP(7000) }, "198.18.1.2", "240.0.0.1", LAN, 0, KERN(NONE) },
	{ "v4 multicast source is not multicast", { UDP(7000) }, "224.0.0.9", "198.18.2.2", LAN, 0,
	  NOSOCK(R_UDP_FAST) },
	{ "v6 ff02::1, unicast MAC", { UDP(7004) }, "2001:db8:1::2", "ff02::1", LAN, 0, KEEP(MULTICAST) },
	{ "v6 ff0e::1:3 (group MAC)", { UDP(7004), .dst_mac = MAC(0x33, 0x33, 0, 1, 0, 3) }, "2001:db8:1::2",
	  "ff0e::1:3", LAN, 0, KEEP(MULTICAST) },
	{ "v4 unicast IP, group MAC 01:00:5e:00:00:01", { UDP(7000), .dst_mac = MAC(0x01, 0x00, 0x5e, 0, 0, 1) },
	  V4, LAN, 0, KEEP(MULTICAST) },
	{ "v4 unicast IP, broadcast MAC", { UDP(7000), .dst_mac = MAC(0xff, 0xff, 0xff, 0xff, 0xff, 0xff) }, V4,
	  LAN, 0, KEEP(MULTICAST) },
	{ "v6 unicast IP, group MAC 33:33:00:00:00:01", { UDP(7004), .dst_mac = MAC(0x33, 0x33, 0, 0, 0, 1) },
	  V6, LAN, 0, KEEP(MULTICAST) },
	{ "locally administered unicast MAC is unicast", { UDP(7000), .dst_mac = MAC(0x02, 0x42, 0, 0, 0, 1) },
	  V4, LAN, 0, NOSOCK(R_UDP_FAST) },

	/* ---- always kernel: neighbour discovery ---- */
	{ "icmpv6 132 (MLD done) is not neighbour", { ICMP6(132), TTL(255) }, V6, LAN, 0, KERN(R_ICMP) },
	{ "icmpv6 133 router solicitation", { ICMP6(133), TTL(255) }, V6, LAN, 0, KEEP(NEIGHBOUR) },
	{ "icmpv6 134 router advertisement", { ICMP6(134), TTL(255) }, V6, LAN, 0, KEEP(NEIGHBOUR) },
	{ "icmpv6 135 neighbour solicitation", { ICMP6(135), TTL(255) }, V6, LAN, 0, KEEP(NEIGHBOUR) },
	{ "icmpv6 136 neighbour advertisement", { ICMP6(136), TTL(255) }, V6, LAN, 0, KEEP(NEIGHBOUR) },
	{ "icmpv6 137 redirect", { ICMP6(137), TTL(255) }, V6, LAN, 0, KEEP(NEIGHBOUR) },
	{ "icmpv6 138 is not neighbour", { ICMP6(138), TTL(255) }, V6, LAN, 0, KERN(R_ICMP) },
	{ "icmpv6 135 behind a vlan", { ICMP6(135), TTL(255), .nvlan = 1 }, V6, LAN, 0, KEEP(NEIGHBOUR) },
	{ "ipv4 with protocol 58 and a type-135 header is not neighbour discovery", { ICMP6(135) }, V4, LAN, 0,
	  KERN(R_ICMP)},
	{ "icmpv6 135 after a destination options header",
	  { ICMP6(135), TTL(255), .next = 1, .ext = { EXT(IPPROTO_DSTOPTS) } }, V6, LAN, 0, KEEP(NEIGHBOUR) },

	/* ---- always kernel: the gateway's own addresses ---- */
	{ "v6 link-local destination", { TCP(22) }, "fe80::2", "fe80::1", UNKNOWN, 0, KEEP(LINK_LOCAL) },
	{ "v6 febf:: is link-local too", { TCP(22) }, "fe80::2", "febf::1", UNKNOWN, 0, KEEP(LINK_LOCAL) },
	{ "v6 fec0:: is not link-local", { TCP(22) }, "2001:db8:1::2", "fec0::1", UNKNOWN, 0,
	  NOSOCK(R_SSH_FAST) },
	{ "v6 loopback destination", { TCP(22) }, "2001:db8:1::2", "::1", UNKNOWN, 0, KEEP(LINK_LOCAL) },
	{ "v6 ::2 is not loopback", { TCP(22) }, "2001:db8:1::2", "::2", UNKNOWN, 0, NOSOCK(R_SSH_FAST) },
	{ "v4 link-local destination", { TCP(22) }, "169.254.1.2", "169.254.7.7", UNKNOWN, 0,
	  KEEP(LINK_LOCAL) },
	{ "v4 loopback destination", { TCP(22) }, "198.18.1.2", "127.0.0.1", UNKNOWN, 0, KEEP(LINK_LOCAL) },
	{ "v4 169.255/16 is not link-local", { TCP(22) }, "198.18.1.2", "169.255.0.1", UNKNOWN, 0,
	  NOSOCK(R_SSH_FAST) },
	{ "v4 local destination", { UDP(7000) }, V4, LAN, 0, .local = "198.18.2.2", KEEP(LOCAL_DEST) },
	{ "v6 local destination", { UDP(7004) }, V6, LAN, 0, .local = "2001:db8:2::2", KEEP(LOCAL_DEST) },
	{ "v4 local destination, socket and heartbeat ready", { UDP(7000) }, V4, LAN, SOCK_FRESH,
	  .local = "198.18.2.2", KEEP(LOCAL_DEST) },
	{ "v4 local address as the source is forwarded", { UDP(7000) }, V4, LAN, 0, .local = "198.18.1.2",
	  NOSOCK(R_UDP_FAST) },
	{ "v4 another local address", { UDP(7000) }, V4, LAN, 0, .local = "198.18.2.1", NOSOCK(R_UDP_FAST) },
	{ "v6 local v4 address does not match v6", { UDP(7004) }, "2001:db8:1::2", "::c612:202", LAN, 0,
	  .local = "198.18.2.2", KERN(NONE) },

	/* ---- malformed: truncated at every layer ---- */
	{ "eth with a vlan ethertype and no tag", { UDP(7000), .nvlan = 1, .truncate_to = 14 }, V4, LAN, 0,
	  KEEP(TRUNC_ETH) },
	{ "vlan tag cut", { UDP(7000), .nvlan = 1, .truncate_to = 17 }, V4, LAN, 0, KEEP(TRUNC_ETH) },
	{ "second vlan tag cut", { UDP(7000), .nvlan = 2, .truncate_to = 21 }, V4, LAN, 0, KEEP(TRUNC_ETH) },
	{ "ipv4: ethernet header only", { UDP(7000), .truncate_to = 14 }, V4, LAN, 0, KEEP(TRUNC_IPV4) },
	{ "ipv4 header cut (19 of 20)", { UDP(7000), .truncate_to = 14 + 19 }, V4, LAN, 0, KEEP(TRUNC_IPV4) },
	{ "ipv4 header cut after a vlan", { UDP(7000), .nvlan = 1, .truncate_to = 18 + 19 }, V4, LAN, 0,
	  KEEP(TRUNC_IPV4) },
	{ "ipv4 options cut", { UDP(7000), .ip_opt_len = 8, .truncate_to = 14 + 24 }, V4, LAN, 0,
	  KEEP(TRUNC_IPV4) },
	{ "ipv4 ihl 4", { UDP(7000), .ihl = 4, .set = PKT_SET_IHL }, V4, LAN, 0, KEEP(IPV4_BAD_IHL) },
	{ "ipv4 ihl 0", { UDP(7000), .ihl = 0, .set = PKT_SET_IHL }, V4, LAN, 0, KEEP(IPV4_BAD_IHL) },
	{ "ipv4 ihl 15 past the frame", { UDP(7000), .ihl = 15, .set = PKT_SET_IHL, .truncate_to = 14 + 24 },
	  V4, LAN, 0, KEEP(TRUNC_IPV4) },
	{ "ipv4 ihl 6 past a 20-byte packet", { .proto = 47, .ihl = 6, .set = PKT_SET_IHL }, V4, LAN, 0,
	  KEEP(TRUNC_IPV4) },
	{ "ipv4 version 6 in a v4 frame", { UDP(7000), .version = 6, .set = PKT_SET_VERSION }, V4, LAN, 0,
	  KEEP(IPV4_BAD_IHL) },
	{ "ipv4 total length < header", { UDP(7000), .ip_len = 19, .set = PKT_SET_IP_LEN }, V4, LAN, 0,
	  KEEP(IPV4_BAD_LEN) },
	{ "ipv6 header cut (39 of 40)", { UDP(7004), .truncate_to = 14 + 39 }, V6, LAN, 0, KEEP(TRUNC_IPV6) },
	{ "ipv6: ethernet header only", { UDP(7004), .truncate_to = 14 }, V6, LAN, 0, KEEP(TRUNC_IPV6) },
	{ "ipv6 version 4 in a v6 frame", { UDP(7004), .version = 4, .set = PKT_SET_VERSION }, V6, LAN, 0,
	  KEEP(IPV6_BAD_VERSION) },
	{ "ipv6 hop-by-hop cut", { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_HOPOPTS) },
	  .truncate_to = 14 + 40 + 7 }, V6, LAN, 0, KEEP(TRUNC_IPV6) },
	{ "ipv6 second ext header cut",
	  { UDP(7004), .next = 2, .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_ROUTING) },
	  .truncate_to = 14 + 40 + 8 + 4 }, V6, LAN, 0, KEEP(TRUNC_IPV6) },
	{ "ipv6 fragment header cut", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_FRAGMENT } },
	  .truncate_to = 14 + 40 + 6 }, V6, LAN, 0, KEEP(TRUNC_IPV6) },
	{ "ipv6 long ext header cut inside its body", { UDP(7004), .next = 1,
	  .ext = { { .type = IPPROTO_DSTOPTS, .len = 64 } }, .truncate_to = 14 + 40 + 32 }, V6, LAN, 0,
	  KEEP(TRUNC_IPV6)},
	{ "ipv6 ext header whole, nothing after", { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_DSTOPTS) },
	  .truncate_to = 14 + 40 + 8 }, V6, LAN, 0, KEEP(TRUNC_L4) },
	{ "tcp header cut (19 of 20)", { TCP(8000), .truncate_to = 14 + 20 + 19 }, V4, LAN, 0, KEEP(TRUNC_L4) },
	{ "tcp header whole, no payload", { TCP(8000), .truncate_to = 14 + 20 + 20 }, V4, LAN, 0,
	  NOSOCK(R_RANGE) },
	{ "tcp doff 4", { TCP(8000), .doff = 4, .set = PKT_SET_DOFF }, V4, LAN, 0, KEEP(TCP_BAD_DOFF) },
	{ "tcp doff 0", { TCP(8000), .doff = 0, .set = PKT_SET_DOFF }, V4, LAN, 0, KEEP(TCP_BAD_DOFF) },
	{ "tcp doff 15 (options)", { TCP(8000), .doff = 15, .set = PKT_SET_DOFF }, V4, LAN, 0, NOSOCK(R_RANGE) },
	{ "v6 tcp header cut", { TCP(443), .truncate_to = 14 + 40 + 12 }, V6, LAN, 0, KEEP(TRUNC_L4) },
	{ "udp header cut (7 of 8)", { UDP(7000), .truncate_to = 14 + 20 + 7 }, V4, LAN, 0, KEEP(TRUNC_L4) },
	{ "udp header whole, no payload", { UDP(7000), .truncate_to = 14 + 20 + 8 }, V4, LAN, 0,
	  NOSOCK(R_UDP_FAST) },
	{ "v6 udp header cut after an ext header", { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_HOPOPTS) },
	  .truncate_to = 14 + 40 + 8 + 5 }, V6, LAN, 0, KEEP(TRUNC_L4) },
	{ "icmp header cut", { ICMP4(8), .truncate_to = 14 + 20 + 7 }, V4, LAN, 0, KEEP(TRUNC_L4) },
	{ "icmp header whole", { ICMP4(8), .truncate_to = 14 + 20 + 8 }, V4, LAN, 0, KERN(R_ICMP) },
	{ "icmpv6 header cut", { ICMP6(128), .truncate_to = 14 + 40 + 3 }, V6, LAN, 0, KEEP(TRUNC_L4) },
	{ "gre with no header bytes is classified", { .proto = 47 }, V4, LAN, 0, KERN(R_GRE) },

	/* ---- IPv6 extension header chains ---- */
	{ "ipv6 hop-by-hop", { UDP(7004), .next = 1, .ext = { EXT(IPPROTO_HOPOPTS) } }, V6, LAN, 0,
	  NOSOCK(R_V6_UDP) },
	{ "ipv6 ext chain at the bound",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_AH),
		     EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS) } },
	  V6, LAN, 0, NOSOCK(R_V6_UDP) },
	{ "ipv6 ext chain over the bound",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX + 1,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_AH),
		     EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS) } },
	  V6, LAN, 0, KEEP(IPV6_EXT_TOO_DEEP) },
	{ "ipv6 ext chain over the bound, fragment last",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX + 1,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_AH),
		     EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_FRAGMENT) } },
	  V6, LAN, 0, KEEP(IPV6_EXT_TOO_DEEP) },
	{ "ipv6 ext chain at the bound, fragment last",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_AH),
		     EXT(IPPROTO_DSTOPTS), { .type = IPPROTO_FRAGMENT, .frag_more = true } } },
	  V6, LAN, 0, KEEP(FRAGMENT) },
	{ "ipv6 ext chain at the bound, cut in the last one",
	  { UDP(7004), .next = SHUNT_IPV6_EXT_MAX,
	    .ext = { EXT(IPPROTO_HOPOPTS), EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_ROUTING), EXT(IPPROTO_DSTOPTS),
		     EXT(IPPROTO_DSTOPTS), EXT(IPPROTO_DSTOPTS) },
	    .truncate_to = 14 + 40 + 5 * 8 + 7 },
	  V6, LAN, 0, KEEP(TRUNC_IPV6) },
	{ "ipv6 long AH (AH length unit)", { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_AH, .len = 24 } } },
	  V6, LAN, 0, NOSOCK(R_V6_UDP) },
	{ "ipv6 long dstopts, L4 at offset 1022 (last walked)",
	  { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_DSTOPTS, .len = 1022 - 54 } } }, V6, LAN, 0,
	  NOSOCK(R_V6_UDP) },
	{ "ipv6 long dstopts, L4 at offset 1030 (past the walk)",
	  { UDP(7004), .next = 1, .ext = { { .type = IPPROTO_DSTOPTS, .len = 1030 - 54 } } }, V6, LAN, 0,
	  KEEP(IPV6_EXT_TOO_DEEP) },
	{ "ipv6 no next header (59) after an ext header",
	  { .proto = 59, .next = 1, .ext = { EXT(IPPROTO_DSTOPTS) } },
	  V6, LAN, 0, KERN(NONE) },

	/* ---- flows override ---- */
	{ "flow -> kernel overrides a fast rule", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_KERNEL,
	  KERN(FLOW) },
	{ "flow -> drop overrides a fast rule", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  DROP(FLOW) },
	{ "flow -> kernel overrides a drop rule", { UDP(7001) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_KERNEL,
	  KERN(FLOW) },
	{ "flow -> fast, no socket", { TCP(80) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_FAST, NOSOCK(FLOW) },
	{ "flow -> fast, socket and heartbeat", { TCP(80) }, V4, LAN, SOCK_FRESH, .flow = 1 + SHUNT_LANE_FAST,
	  FAST(FLOW) },
	{ "flow -> kernel, socket ready: stays kernel", { UDP(7000) }, V4, LAN, SOCK_FRESH,
	  .flow = 1 + SHUNT_LANE_KERNEL, KERN(FLOW) },
	{ "v6 flow -> drop", { UDP(7004) }, V6, WAN, 0, .flow = 1 + SHUNT_LANE_DROP, DROP(FLOW) },
	{ "v6 flow -> fast, socket and heartbeat", { TCP(9) }, V6, LAN, SOCK_FRESH, .flow = 1 + SHUNT_LANE_FAST,
	  FAST(FLOW) },
	{ "icmp flow (ports 0) -> drop", { ICMP4(8) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP, DROP(FLOW) },
	{ "flow with another sport does not match", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_SPORT, NOSOCK(R_UDP_FAST) },
	{ "flow with another dport does not match", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_DPORT, NOSOCK(R_UDP_FAST) },
	{ "flow with another saddr does not match", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_SADDR, NOSOCK(R_UDP_FAST) },
	{ "flow with another daddr does not match", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_DADDR, NOSOCK(R_UDP_FAST) },
	{ "flow with another proto does not match", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_PROTO, NOSOCK(R_UDP_FAST) },
	{ "flow with another family does not match", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_FAMILY, NOSOCK(R_UDP_FAST) },
	{ "v6 flow with another daddr does not match", { UDP(7004) }, V6, LAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .diff = DIFF_DADDR, NOSOCK(R_V6_UDP) },
	{ "flow does not override the always-kernel classes", { UDP(7000), TTL(1) }, V4, LAN, 0,
	  .flow = 1 + SHUNT_LANE_DROP, KEEP(TTL_EXPIRING) },
	{ "flow -> fast to a local address", { TCP(80) }, V4, LAN, SOCK_FRESH, .flow = 1 + SHUNT_LANE_FAST,
	  .local = "198.18.2.2", KEEP(LOCAL_DEST) },
	{ "v6 flow -> drop to a local address", { UDP(7004) }, V6, WAN, 0, .flow = 1 + SHUNT_LANE_DROP,
	  .local = "2001:db8:2::2", KEEP(LOCAL_DEST) },
	{ "flow -> kernel to a local address", { UDP(7000) }, V4, LAN, 0, .flow = 1 + SHUNT_LANE_KERNEL,
	  .local = "198.18.2.2", KERN(FLOW) },
	{ "flow -> fast to a local address outside every rule prefix", { TCP(80) }, "198.18.1.2", "10.0.0.1",
	  LAN, SOCK_FRESH, .flow = 1 + SHUNT_LANE_FAST, .local = "10.0.0.1", KEEP(LOCAL_DEST) },

	/* ---- the fast lane: socket and heartbeat ---- */
	{ "fast: socket + fresh heartbeat -> redirect", { UDP(7000) }, V4, LAN, SOCK_FRESH, FAST(R_UDP_FAST) },
	{ "fast: socket + heartbeat half a period old", { UDP(7000) }, V4, LAN, .queue = XSK_Q, .sock = true,
	  .hb = HB_RECENT, FAST(R_UDP_FAST) },
	{ "fast: v6 udp, socket + fresh heartbeat", { UDP(7003) }, V6, WAN, SOCK_FRESH, FAST(R_V6_UDP) },
	{ "fast: tcp range, socket + fresh heartbeat", { TCP(8050) }, V4, DMZ, SOCK_FRESH, FAST(R_RANGE) },
	{ "fast: two vlans, socket + fresh heartbeat: kernel lane", { UDP(7000), .nvlan = 2 }, V4, LAN,
	  SOCK_FRESH, FAILOPEN(R_UDP_FAST, FAST_VLAN) },
	{ "fast: socket, heartbeat never written (0)", { UDP(7000) }, V4, LAN, .queue = XSK_Q, .sock = true,
	  .hb = HB_ZERO, FAILOPEN(R_UDP_FAST, FAST_STALE) },
	{ "fast: socket, stale heartbeat (2 periods)", { UDP(7000) }, V4, LAN, .queue = XSK_Q, .sock = true,
	  .hb = HB_STALE, FAILOPEN(R_UDP_FAST, FAST_STALE) },
	{ "fast: socket, fresh heartbeat in another interface's row", { UDP(7000) }, V4, LAN, .queue = XSK_Q,
	  .sock = true, .hb = HB_OTHER_SLOT, FAILOPEN(R_UDP_FAST, FAST_STALE) },
	{ "fast: socket, fresh heartbeat of another queue", { UDP(7000) }, V4, LAN, .queue = XSK_Q,
	  .sock = true, .hb = HB_OTHER_QUEUE, FAILOPEN(R_UDP_FAST, FAST_STALE) },
	{ "fast: no socket, fresh heartbeat", { UDP(7000) }, V4, LAN, .queue = XSK_Q, .hb = HB_FRESH,
	  NOSOCK(R_UDP_FAST) },
	{ "fast: socket on another queue", { UDP(7000) }, V4, LAN, .queue = XSK_Q - 1, .sock = true,
	  .hb = HB_FRESH, NOSOCK(R_UDP_FAST) },
	{ "fast: queue past xsks_map (64)", { UDP(7000) }, V4, DMZ, .queue = SHUNT_MAX_QUEUES, .hb = HB_FRESH,
	  NOSOCK(R_UDP_FAST) },
	{ "fast: kernel rule with the fast lane ready", { UDP(7002) }, V4, LAN, SOCK_FRESH, KERN(R_UDP_WIDE) },
	{ "fast: drop rule with the fast lane ready", { UDP(7001) }, V4, LAN, SOCK_FRESH, DROP(R_UDP_BLOCK) },
	{ "fast: no rule with the fast lane ready", { TCP(80) }, V4, LAN, SOCK_FRESH, KERN(NONE) },
	{ "fast: fragment with the fast lane ready", { UDP(7000), .frag_more = true }, V4, LAN, SOCK_FRESH,
	  KEEP(FRAGMENT) },
	{ "fast: arp with the fast lane ready", { .ethertype = ETH_P_ARP }, V4, LAN, SOCK_FRESH, KEEP(NON_IP) },
	{ "fast: heartbeat written just after the program read the clock", { UDP(7000) }, V4, LAN,
	  .queue = XSK_Q, .sock = true, .hb = HB_FUTURE, FAST(R_UDP_FAST)},
};

/*
 * ---- the prefix tables' edges ----
 *
 * Prefixes where the multibit tables (shunt_abi.h: 16 bits, then 8 per
 * level) are interesting: /0, shorter than the first level (/1, /7, /9,
 * /15), at and just past a level's end (/16 /17, /24 /25, /64 /65, /120
 * /121), host routes (/32, /128); overlapping prefixes of different rules
 * and lanes, one prefix named by two rules, a rule with prefixes of both
 * families, a rule with no dst; addresses at the first and last entry of a
 * chunk and just outside; the gateway's own addresses inside rules'
 * prefixes. Every packet is TCP to port 9000 from an address no src prefix
 * holds, unless said; run_fixtures also holds the tc lane, the C image and
 * the reference to each.
 */
static const char prefix_rules[] =
	"version = 1;\n"
	"mode = \"kernel\";\n"
	"interfaces = ( { name = \"lan\"; ifname = \"lan0\"; }, { name = \"wan\"; ifname = \"wan0\"; },\n"
	"               { name = \"dmz\"; ifname = \"dmz0\"; } );\n"
	"rules = (\n"
	"  { name = \"h32\"; proto = \"tcp\"; dst = \"198.18.2.2/32\"; lane = \"drop\"; },\n"
	"  { name = \"p25\"; proto = \"tcp\"; dst = \"198.18.2.128/25\"; lane = \"kernel\"; },\n"
	"  { name = \"p24\"; proto = \"tcp\"; dst = \"198.18.2.0/24\"; lane = \"kernel\"; },\n"
	"  { name = \"p17\"; proto = \"tcp\"; dst = \"198.18.128.0/17\"; lane = \"fast\"; },\n"
	"  { name = \"p16\"; proto = \"tcp\"; dst = \"198.19.0.0/16\"; lane = \"kernel\"; },\n"
	"  { name = \"p9\"; proto = \"tcp\"; dst = \"10.128.0.0/9\"; lane = \"kernel\"; },\n"
	"  { name = \"p7\"; proto = \"tcp\"; dst = \"12.0.0.0/7\"; lane = \"fast\"; },\n"
	"  { name = \"p1\"; proto = \"tcp\"; src = \"198.18.1.0/25\"; dst = \"128.0.0.0/1\"; lane = \"kernel\"; },\n"
	"  { name = \"src\"; proto = \"tcp\"; src = [\"198.18.1.128/25\", \"2001:db8:1:0:8000::/65\"];\n"
	"    dst = [\"198.18.0.0/15\", \"2001:db8::/32\"]; lane = \"kernel\"; },\n"
	"  { name = \"v6-h128\"; proto = \"tcp\"; dst = \"2001:db8:2::2/128\"; lane = \"drop\"; },\n"
	"  { name = \"v6-p65\"; proto = \"tcp\"; dst = \"2001:db8:2:0:8000::/65\"; lane = \"kernel\"; },\n"
	"  { name = \"v6-p64\"; proto = \"tcp\"; dst = \"2001:db8:2::/64\"; lane = \"fast\"; },\n"
	"  { name = \"v6-p121\"; proto = \"tcp\"; dst = \"2001:db8:3::80/121\"; lane = \"kernel\"; },\n"
	"  { name = \"v6-p120\"; proto = \"tcp\"; dst = \"2001:db8:3::/120\"; lane = \"drop\"; },\n"
	"  { name = \"v6-p17\"; proto = \"tcp\"; dst = \"2001:8000::/17\"; lane = \"kernel\"; },\n"
	"  { name = \"v6-p16\"; proto = \"tcp\"; dst = \"2002::/16\"; lane = \"kernel\"; },\n"
	"  { name = \"v6-p15\"; proto = \"tcp\"; dst = \"2004::/15\"; lane = \"kernel\"; },\n"
	"  { name = \"multi\"; proto = \"tcp\"; dst = [\"198.18.5.0/24\", \"2001:db8:5::/48\", \"198.18.6.7/32\",\n"
	"    \"32.1.13.0/24\", \"198.18.2.0/24\"]; lane = \"fast\"; },\n"
	"  { name = \"no-dst\"; proto = \"tcp\"; src = \"10.9.9.9/32\"; lane = \"drop\"; },\n"
	"  { name = \"all\"; proto = \"tcp\"; dst = [\"0.0.0.0/0\", \"::/0\"]; lane = \"kernel\"; }\n"
	");\n";

enum {
	PX_H32,
	PX_P25,
	PX_P24,
	PX_P17,
	PX_P16,
	PX_P9,
	PX_P7,
	PX_P1,
	PX_SRC,
	PX_V6_H128,
	PX_V6_P65,
	PX_V6_P64,
	PX_V6_P121,
	PX_V6_P120,
	PX_V6_P17,
	PX_V6_P16,
	PX_V6_P15,
	PX_MULTI,
	PX_NODST,
	PX_ALL,
};

#define T9K { TCP(9000) }
#define S4 "10.1.1.1"	   /* in no src prefix */
#define S6 "2001:db8:9::1" /* in no src prefix */
#define LOCAL_KEPT KEEP(LOCAL_DEST)

static const struct fixture prefix_fixtures[] = {
	/* ---- IPv4: host route, /24 and /25 in one level-3 chunk ---- */
	{ "/32 host route (drop) inside a /24", T9K, S4, "198.18.2.2", LAN, 0, DROP(PX_H32) },
	{ "/32: the address below", T9K, S4, "198.18.2.1", LAN, 0, KERN(PX_P24) },
	{ "/32: the address above", T9K, S4, "198.18.2.3", LAN, 0, KERN(PX_P24) },
	{ "/24: first address (first entry of its chunk)", T9K, S4, "198.18.2.0", LAN, 0, KERN(PX_P24) },
	{ "/24: last address below the /25", T9K, S4, "198.18.2.127", LAN, 0, KERN(PX_P24) },
	{ "/25: first address", T9K, S4, "198.18.2.128", LAN, 0, KERN(PX_P25) },
	{ "/25: last address (last entry of its chunk)", T9K, S4, "198.18.2.255", LAN, 0, KERN(PX_P25) },
	{ "just below the /24", T9K, S4, "198.18.1.255", LAN, 0, KERN(PX_ALL) },
	{ "just above the /24", T9K, S4, "198.18.3.0", LAN, 0, KERN(PX_ALL) },
	/* ---- /17 and /16: the first level's edge ---- */
	{ "/17: just below", T9K, S4, "198.18.127.255", LAN, 0, KERN(PX_ALL) },
	{ "/17: first address", T9K, S4, "198.18.128.0", LAN, 0, NOSOCK(PX_P17) },
	{ "/17: last address", T9K, S4, "198.18.255.255", LAN, 0, NOSOCK(PX_P17) },
	{ "/16: first address", T9K, S4, "198.19.0.0", LAN, 0, KERN(PX_P16) },
	{ "/16: last address", T9K, S4, "198.19.255.255", LAN, 0, KERN(PX_P16) },
	{ "/16: just above", T9K, S4, "198.20.0.0", LAN, 0, KERN(PX_ALL) },
	/* ---- shorter than the first level: whole rows ---- */
	{ "/9: just below", T9K, S4, "10.127.255.255", LAN, 0, KERN(PX_ALL) },
	{ "/9: first address", T9K, S4, "10.128.0.0", LAN, 0, KERN(PX_P9) },
	{ "/9: last address", T9K, S4, "10.255.255.255", LAN, 0, KERN(PX_P9) },
	{ "/7: just below", T9K, S4, "11.255.255.255", LAN, 0, KERN(PX_ALL) },
	{ "/7: first address", T9K, S4, "12.0.0.0", LAN, 0, NOSOCK(PX_P7) },
	{ "/7: last address", T9K, S4, "13.255.255.255", LAN, 0, NOSOCK(PX_P7) },
	{ "/7: just above", T9K, S4, "14.0.0.0", LAN, 0, KERN(PX_ALL) },
	{ "/1 with src /25: first address", T9K, "198.18.1.0", "128.0.0.0", LAN, 0, KERN(PX_P1) },
	{ "/1 with src /25: last unicast address", T9K, "198.18.1.127", "223.255.255.255", LAN, 0,
	  KERN(PX_P1) },
	{ "/1 with src /25: below the /1", T9K, "198.18.1.0", "100.64.0.1", LAN, 0, KERN(PX_ALL) },
	/* ---- src prefixes ---- */
	{ "src /25: first address", T9K, "198.18.1.128", "198.18.9.9", LAN, 0, KERN(PX_SRC) },
	{ "src /25: last address", T9K, "198.18.1.255", "198.18.9.9", LAN, 0, KERN(PX_SRC) },
	{ "src: the other /25 (rule p1)", T9K, "198.18.1.127", "198.18.9.9", LAN, 0, KERN(PX_P1) },
	{ "src: just above both /25", T9K, "198.18.2.0", "198.18.9.9", LAN, 0, KERN(PX_ALL) },
	{ "src /65: first address", T9K, "2001:db8:1:0:8000::", "2001:db8:7::1", LAN, 0, KERN(PX_SRC) },
	{ "src /65: last address", T9K, "2001:db8:1:0:ffff:ffff:ffff:ffff", "2001:db8:7::1", LAN, 0,
	  KERN(PX_SRC) },
	{ "src /65: just below", T9K, "2001:db8:1:0:7fff:ffff:ffff:ffff", "2001:db8:7::1", LAN, 0,
	  KERN(PX_ALL) },
	{ "rule with no dst: its src", T9K, "10.9.9.9", "10.0.0.1", LAN, 0, DROP(PX_NODST) },
	{ "rule with no dst: another src", T9K, "10.9.9.8", "10.0.0.1", LAN, 0, KERN(PX_ALL) },
	/* ---- /0, several prefixes, families ---- */
	{ "/0: 0.0.0.0", T9K, S4, "0.0.0.0", LAN, 0, KERN(PX_ALL) },
	{ "/0: 255.255.255.254", T9K, S4, "255.255.255.254", LAN, 0, KERN(PX_ALL) },
	{ "/0: ::", T9K, S6, "::", LAN, 0, KERN(PX_ALL) },
	{ "/0: ffff:...:fffe is ff00::/8, multicast", T9K, S6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	  LAN, 0, KEEP(MULTICAST) },
	{ "/0: feff:...:ffff", T9K, S6, "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LAN, 0, KERN(PX_ALL) },
	{ "several prefixes: the /24", T9K, S4, "198.18.5.0", LAN, 0, NOSOCK(PX_MULTI) },
	{ "several prefixes: the /32", T9K, S4, "198.18.6.7", LAN, 0, NOSOCK(PX_MULTI) },
	{ "several prefixes: next to the /32", T9K, S4, "198.18.6.6", LAN, 0, KERN(PX_ALL) },
	{ "several prefixes: the v6 /48", T9K, S6, "2001:db8:5:ffff::1", LAN, 0, NOSOCK(PX_MULTI) },
	{ "several prefixes: next to the /48", T9K, S6, "2001:db8:6::", LAN, 0, KERN(PX_ALL) },
	{ "a /24 two rules name: the first wins", T9K, S4, "198.18.2.5", LAN, 0, KERN(PX_P24) },
	{ "v4 prefixes never match a v6 address with their bytes", T9K, S6, "c612:202::", LAN, 0,
	  KERN(PX_ALL) },
	{ "v6 prefixes never match a v4 address with their bytes", T9K, S4, "32.1.13.184", LAN, 0,
	  NOSOCK(PX_MULTI) },
	/* ---- IPv6: /128, /64 and /65, /120 and /121 ---- */
	{ "v6 /128 host route (drop) inside a /64", T9K, S6, "2001:db8:2::2", LAN, 0, DROP(PX_V6_H128) },
	{ "v6 /128: the address above", T9K, S6, "2001:db8:2::3", LAN, 0, NOSOCK(PX_V6_P64) },
	{ "v6 /128: the address below", T9K, S6, "2001:db8:2::1", LAN, 0, NOSOCK(PX_V6_P64) },
	{ "v6 /64: first address", T9K, S6, "2001:db8:2::", LAN, 0, NOSOCK(PX_V6_P64) },
	{ "v6 /64: last address below the /65", T9K, S6, "2001:db8:2:0:7fff:ffff:ffff:ffff", LAN, 0,
	  NOSOCK(PX_V6_P64) },
	{ "v6 /65: first address", T9K, S6, "2001:db8:2:0:8000::", LAN, 0, KERN(PX_V6_P65) },
	{ "v6 /65: last address", T9K, S6, "2001:db8:2:0:ffff:ffff:ffff:ffff", LAN, 0, KERN(PX_V6_P65) },
	{ "v6 just above the /64", T9K, S6, "2001:db8:2:1::", LAN, 0, KERN(PX_ALL) },
	{ "v6 just below the /64", T9K, S6, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", LAN, 0, KERN(PX_ALL) },
	{ "v6 /121: first address", T9K, S6, "2001:db8:3::80", LAN, 0, KERN(PX_V6_P121) },
	{ "v6 /121: last address (last entry)", T9K, S6, "2001:db8:3::ff", LAN, 0, KERN(PX_V6_P121) },
	{ "v6 /120: last address below the /121", T9K, S6, "2001:db8:3::7f", LAN, 0, DROP(PX_V6_P120) },
	{ "v6 /120: first address (first entry)", T9K, S6, "2001:db8:3::", LAN, 0, DROP(PX_V6_P120) },
	{ "v6 just above the /120", T9K, S6, "2001:db8:3::100", LAN, 0, KERN(PX_ALL) },
	/* ---- IPv6: the first level's edge ---- */
	{ "v6 /17: just below", T9K, S6, "2001:7fff:ffff:ffff:ffff:ffff:ffff:ffff", LAN, 0, KERN(PX_ALL) },
	{ "v6 /17: first address", T9K, S6, "2001:8000::", LAN, 0, KERN(PX_V6_P17) },
	{ "v6 /17: last address", T9K, S6, "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LAN, 0,
	  KERN(PX_V6_P17) },
	{ "v6 /16: first address", T9K, S6, "2002::", LAN, 0, KERN(PX_V6_P16) },
	{ "v6 /16: last address", T9K, S6, "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LAN, 0,
	  KERN(PX_V6_P16) },
	{ "v6 /16: just above", T9K, S6, "2003::", LAN, 0, KERN(PX_ALL) },
	{ "v6 /15: just below", T9K, S6, "2003:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LAN, 0, KERN(PX_ALL) },
	{ "v6 /15: first address", T9K, S6, "2004::", LAN, 0, KERN(PX_V6_P15) },
	{ "v6 /15: last address", T9K, S6, "2005:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LAN, 0,
	  KERN(PX_V6_P15) },
	{ "v6 /15: just above", T9K, S6, "2006::", LAN, 0, KERN(PX_ALL) },
	/* ---- the gateway's own addresses: host entries with a flag ---- */
	{ "local address inside a fast /17", T9K, S4, "198.18.200.1", LAN, 0, .local = "198.18.200.1",
	  LOCAL_KEPT },
	{ "next to a local address", T9K, S4, "198.18.200.2", LAN, 0, .local = "198.18.200.1",
	  NOSOCK(PX_P17) },
	{ "two local addresses in one chunk: the second", T9K, S4, "198.18.200.2", LAN, 0,
	  .local = "198.18.200.1", .local2 = "198.18.200.2", LOCAL_KEPT },
	{ "two local addresses in one chunk: a third address", T9K, S4, "198.18.200.3", LAN, 0,
	  .local = "198.18.200.1", .local2 = "198.18.200.2", NOSOCK(PX_P17) },
	{ "local addresses at a chunk's first and last entry: first", T9K, S4, "198.18.128.0", LAN, 0,
	  .local = "198.18.128.0", .local2 = "198.18.255.255", LOCAL_KEPT },
	{ "local addresses at a chunk's first and last entry: last", T9K, S4, "198.18.255.255", LAN, 0,
	  .local = "198.18.128.0", .local2 = "198.18.255.255", LOCAL_KEPT },
	{ "local addresses at a chunk's edges: between", T9K, S4, "198.18.128.1", LAN, 0,
	  .local = "198.18.128.0", .local2 = "198.18.255.255", NOSOCK(PX_P17) },
	{ "local address = a drop rule's /32", T9K, S4, "198.18.2.2", LAN, 0, .local = "198.18.2.2",
	  LOCAL_KEPT },
	{ "local address under a kernel rule: the rule", T9K, S4, "198.18.2.7", LAN, 0,
	  .local = "198.18.2.7", KERN(PX_P24) },
	{ "local address under the /0 kernel rule only", T9K, S4, "10.7.7.7", LAN, 0, .local = "10.7.7.7",
	  KERN(PX_ALL) },
	{ "local address under a /7 (rows)", T9K, S4, "13.0.0.1", LAN, 0, .local = "13.0.0.1", LOCAL_KEPT },
	{ "under a /7, next to a local address", T9K, S4, "13.0.0.2", LAN, 0, .local = "13.0.0.1",
	  NOSOCK(PX_P7) },
	{ "v6 local address inside a fast /64", T9K, S6, "2001:db8:2::7", LAN, 0, .local = "2001:db8:2::7",
	  LOCAL_KEPT },
	{ "v6 next to a local address", T9K, S6, "2001:db8:2::8", LAN, 0, .local = "2001:db8:2::7",
	  NOSOCK(PX_V6_P64) },
	{ "v6 local address = a drop rule's /128", T9K, S6, "2001:db8:2::2", LAN, 0,
	  .local = "2001:db8:2::2", LOCAL_KEPT },
	{ "v6 local address under a kernel /65: the rule", T9K, S6, "2001:db8:2:0:ffff:ffff:ffff:ffff", LAN,
	  0, .local = "2001:db8:2:0:ffff:ffff:ffff:ffff", KERN(PX_V6_P65) },
	{ "v6 local address deep under a /48", T9K, S6, "2001:db8:5:1:2:3:4:5", LAN, 0,
	  .local = "2001:db8:5:1:2:3:4:5", LOCAL_KEPT },
	{ "v6 under a /48, next to a local address", T9K, S6, "2001:db8:5:1:2:3:4:6", LAN, 0,
	  .local = "2001:db8:5:1:2:3:4:5", NOSOCK(PX_MULTI) },
	{ "a v4 local address does not mark the v6 address with its bytes", T9K, S6, "2001:db8:2::5", LAN, 0,
	  .local = "32.1.13.184", NOSOCK(PX_V6_P64) },
	{ "a v6 local address does not mark the v4 address with its bytes", T9K, S4, "32.1.13.184", LAN, 0,
	  .local = "2001:db8:2::7", NOSOCK(PX_MULTI) },
};

/* Applies a fixture's setup. Returns 0, 1 when it needs the AF_XDP socket
 * and there is none, or a negative errno. */
static int fixture_setup(const struct steer_h *h, const struct fixture *f, const struct pkt_spec *spec)
{
	uint64_t now = now_ns();
	int err = 0;

	if (f->sock) {
		__u32 q = XSK_Q;

		if (xsk.fd < 0)
			return 1;
		if (bpf_map_update_elem(h->xsks, &q, &xsk.fd, BPF_ANY))
			return -errno;
	}
	switch (f->hb) {
	case HB_ZERO:
		break;
	case HB_FRESH:
		err = set_heartbeat(h, SLOT, f->queue, now);
		break;
	case HB_RECENT:
		err = set_heartbeat(h, SLOT, f->queue, now - HB_NS / 2);
		break;
	case HB_STALE:
		err = set_heartbeat(h, SLOT, f->queue, now - 2 * HB_NS);
		break;
	case HB_FUTURE:
		err = set_heartbeat(h, SLOT, f->queue, now + 1000000);
		break;
	case HB_OTHER_SLOT:
		err = set_heartbeat(h, SLOT - 1, f->queue, now);
		err = err ?: set_heartbeat(h, SLOT + 1, f->queue, now);
		break;
	case HB_OTHER_QUEUE:
		err = set_heartbeat(h, SLOT, f->queue + 1, now);
		err = err ?: set_heartbeat(h, SLOT, f->queue - 1, now);
		break;
	}
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		const char *text = i ? f->local2 : f->local;
		struct cls_addr a = { 0 };

		if (!text)
			continue;
		if (inet_pton(AF_INET, text, a.addr) == 1)
			a.family = 4;
		else if (inet_pton(AF_INET6, text, a.addr) == 1)
			a.family = 6;
		else
			return -EINVAL;
		err = maps_add_locals(h->skel->obj, &a, 1);
		if (err != 1)
			return err < 0 ? err : -EEXIST;
	}
	if (f->flow) {
		struct shunt_flow_key k = { 0 };
		struct shunt_flow v = { .lane = (__u8)(f->flow - 1) };
		struct cls_key ck;

		pkt_spec_to_key(spec, f->iif, &ck);
		k.family = ck.family;
		k.proto = ck.proto;
		k.sport = htons(ck.sport);
		k.dport = htons(ck.dport);
		memcpy(k.saddr, ck.saddr, 16);
		memcpy(k.daddr, ck.daddr, 16);
		switch (f->diff) {
		case DIFF_NONE:
			break;
		case DIFF_SPORT:
			k.sport = htons(ck.sport + 1);
			break;
		case DIFF_DPORT:
			k.dport = htons(ck.dport + 1);
			break;
		case DIFF_SADDR:
			k.saddr[3] ^= 1;
			break;
		case DIFF_DADDR:
			k.daddr[ck.family == 6 ? 15 : 3] ^= 1;
			break;
		case DIFF_PROTO:
			k.proto = ck.proto == IPPROTO_UDP ? IPPROTO_TCP : IPPROTO_UDP;
			break;
		case DIFF_FAMILY:
			k.family = ck.family == 6 ? 4 : 6;
			break;
		}
		if (bpf_map_update_elem(h->flows, &k, &v, BPF_NOEXIST))
			return -errno;
		return set_flow_gate(h, 1);
	}
	return 0;
}

static void print_expect(FILE *out, const char *what, int verdict, int rule, int lane, int reason)
{
	fprintf(out, "    %-9s %s, rule slot %d (%s lane), reason %s\n", what, xdp_word(verdict), rule,
		rule >= 0 ? lane_name((enum shunt_lane)lane) : "-", reason_name(reason));
}

/*
 * Runs a fixture table against the rule set in config text `rules`. With
 * cross, every fixture's packet is also classified by the tc lane (sharing
 * steer's maps), the compiler's C image and the reference matcher, which
 * must name the same rule, and the fixture's expected rule when it names
 * one. Local addresses a fixture marks are unmarked by writing the rules
 * again before the next fixture.
 */
static void run_fixtures(const char *name, const char *rules, const struct fixture *fixtures, size_t n,
			 bool cross)
{
	struct shunt_config *cfg = calloc(1, sizeof(*cfg));
	struct cls_image *img = malloc(sizeof(*img));
	struct steer_h steer;
	struct lane_h lane;
	unsigned failed = 0, ran = 0;
	bool marked = false;
	struct diags dg;

	CU_ASSERT_FATAL(cfg && img);
	diags_init(&dg, name);
	if (config_load_string(rules, name, cfg, &dg)) {
		diags_print(&dg, stderr);
		CU_FAIL_FATAL("the fixtures' rules do not load");
	}
	diags_free(&dg);
	CU_ASSERT_FATAL(cls_compile(cfg, rr_ifindex, img) == 0);
	CU_ASSERT_FATAL(steer_open(&steer) == 0);
	CU_ASSERT_FATAL(!cross || lane_open(&lane, steer.skel->obj) == 0);
	CU_ASSERT_FATAL(fill_rules(steer.skel->obj, cfg, rr_ifindex) == 0);

	for (size_t i = 0; i < n; i++) {
		const struct fixture *f = &fixtures[i];
		struct pkt_spec spec = f->spec;
		uint8_t buf[PKT_MAX_FRAME];
		struct s_out o;
		struct l_out lo = { 0 };
		unsigned ref = 0, got_img = 0;
		size_t len;
		bool ok;
		int err;

		pkt_set_addrs(&spec, f->src, f->dst);
		for (unsigned v = 0; v < spec.nvlan; v++)
			if (!spec.vlan[v].tpid)
				spec.vlan[v].tpid = 0x8100;
		len = pkt_build(&spec, buf, sizeof(buf));
		if (!len) {
			failed++;
			fprintf(stderr, "\nfixture \"%s\": pkt_build failed\n", f->name);
			continue;
		}
		if (marked)
			CU_ASSERT_FATAL(fill_rules(steer.skel->obj, cfg, rr_ifindex) == 0);
		marked = f->local || f->local2;
		CU_ASSERT_FATAL(steer_reset(&steer) == 0);
		err = fixture_setup(&steer, f, &spec);
		if (err == 1) {
			/* binding works on this machine kind: a missing socket is a
			 * failure of the redirect cases, not a reason to skip them */
			failed++;
			fprintf(stderr, "\nfixture \"%s\": needs an AF_XDP socket: %s\n", f->name, xsk.why);
			continue;
		}
		if (!err)
			err = run_steer(&steer, buf, len, f->iif, f->queue, &o);
		if (!err && cross)
			err = run_lane(&lane, buf, len, f->iif, &lo);
		if (err) {
			failed++;
			fprintf(stderr, "\nfixture \"%s\": setup or BPF_PROG_TEST_RUN failed: %s\n", f->name,
				strerror(-err));
			continue;
		}
		ran++;
		ok = o.retval == f->verdict && o.rule == f->rule && o.reason == f->reason &&
		     (f->rule < 0 || o.lane == f->lane);
		if (cross) {
			struct cls_key k;

			pkt_spec_to_key(&spec, f->iif, &k);
			ref = ref_match(cfg, rr_ifindex, &k);
			got_img = cls_image_match(img, &k);
			ok = ok && got_img == ref && lo.rule == (int)ref && (f->rule < 0 || f->rule == (int)ref);
		}
		if (ok)
			continue;
		failed++;
		fprintf(stderr, "\nfixture \"%s\" (%s, queue %u, %zu bytes):\n", f->name,
			f->iif == LAN ? "lan0" : f->iif == WAN ? "wan0" : f->iif == DMZ ? "dmz0" : "unk0",
			f->queue, len);
		print_expect(stderr, "expected:", f->verdict, f->rule, f->lane, f->reason);
		print_expect(stderr, "actual:", o.retval, o.rule, o.lane, o.reason);
		if (cross)
			fprintf(stderr, "    reference rule %u, C image %u, tc lane %d\n", ref, got_img, lo.rule);
		pkt_hexdump(stderr, buf, len);
	}
	CU_ASSERT_FATAL(steer_reset(&steer) == 0);
	printf("\n  %u fixtures run, %u failed", ran, failed);
	printf("\n");
	CU_ASSERT_EQUAL(failed, 0);
	if (cross)
		lane_close(&lane);
	steer_close(&steer);
	config_free(cfg);
	free(cfg);
	free(img);
}

/*
 * The clock reading steer reuses (now_for()) must never make a hung
 * worker's heartbeat look fresh: a reading older than the beat is re-read,
 * a reading newer than it is used as is and only underestimates the age.
 */
static void test_clock_reuse(void)
{
	struct shunt_config *cfg = calloc(1, sizeof(*cfg));
	struct pkt_spec spec = { .proto = IPPROTO_UDP, .sport = 40000, .dport = 7000 };
	struct fixture f = { .queue = XSK_Q, .sock = true, .hb = HB_FRESH };
	uint8_t buf[PKT_MAX_FRAME];
	cpu_set_t one, all;
	struct steer_h steer;
	struct diags dg;
	struct s_out o;
	size_t len;
	int err;

	CU_ASSERT_FATAL(cfg != NULL);
	/* the reading is per CPU: every run on the same one */
	CPU_ZERO(&one);
	CPU_SET((int)sched_getcpu(), &one);
	CU_ASSERT_FATAL(sched_getaffinity(0, sizeof(all), &all) == 0);
	CU_ASSERT_FATAL(sched_setaffinity(0, sizeof(one), &one) == 0);
	diags_init(&dg, "steer_rules");
	CU_ASSERT_FATAL(config_load_string(steer_rules, "steer_rules", cfg, &dg) == 0);
	diags_free(&dg);
	CU_ASSERT_FATAL(steer_open(&steer) == 0);
	CU_ASSERT_FATAL(fill_rules(steer.skel->obj, cfg, rr_ifindex) == 0);
	pkt_set_addrs(&spec, "198.18.1.2", "198.18.2.2");
	len = pkt_build(&spec, buf, sizeof(buf));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_FATAL(steer_reset(&steer) == 0);
	err = fixture_setup(&steer, &f, &spec);
	if (err == 1) {
		fprintf(stderr, "\nclock reuse: needs an AF_XDP socket: %s\n", xsk.why);
		CU_FAIL("no AF_XDP socket");
		goto out;
	}
	CU_ASSERT_FATAL(err == 0);

	/* 1. a fresh beat: redirected; this CPU now holds a clock reading */
	CU_ASSERT_FATAL(run_steer(&steer, buf, len, LAN, XSK_Q, &o) == 0);
	CU_ASSERT_EQUAL(o.retval, XDP_REDIRECT);
	/* 2. the worker beats once more, then hangs for longer than the limit:
	 * the held reading is older than that beat, so steer must read the
	 * clock again and see the beat is stale */
	CU_ASSERT_FATAL(set_heartbeat(&steer, SLOT, XSK_Q, now_ns()) == 0);
	usleep((useconds_t)(HB_NS * 3 / 2 / 1000));
	CU_ASSERT_FATAL(run_steer(&steer, buf, len, LAN, XSK_Q, &o) == 0);
	CU_ASSERT_EQUAL(o.retval, XDP_PASS);
	CU_ASSERT_EQUAL(o.reason, SHUNT_REASON_FAST_STALE);
	/* 3. a beat long before the held reading: stale at once */
	CU_ASSERT_FATAL(set_heartbeat(&steer, SLOT, XSK_Q, now_ns() - 2 * HB_NS) == 0);
	CU_ASSERT_FATAL(run_steer(&steer, buf, len, LAN, XSK_Q, &o) == 0);
	CU_ASSERT_EQUAL(o.reason, SHUNT_REASON_FAST_STALE);
	/* 4. the worker is back: fresh again on the next packet */
	CU_ASSERT_FATAL(set_heartbeat(&steer, SLOT, XSK_Q, now_ns()) == 0);
	CU_ASSERT_FATAL(run_steer(&steer, buf, len, LAN, XSK_Q, &o) == 0);
	CU_ASSERT_EQUAL(o.retval, XDP_REDIRECT);
	/* 5. a frame longer than the fast lane's MTU stays on the kernel lane
	 * (which can fragment or send ICMP); one exactly that long goes */
	steer.skel->bss->fast_max_len = (__u32)len - 1;
	CU_ASSERT_FATAL(run_steer(&steer, buf, len, LAN, XSK_Q, &o) == 0);
	CU_ASSERT_EQUAL(o.retval, XDP_PASS);
	CU_ASSERT_EQUAL(o.reason, SHUNT_REASON_FAST_TOO_BIG);
	CU_ASSERT_EQUAL(o.lane, SHUNT_LANE_KERNEL);
	steer.skel->bss->fast_max_len = (__u32)len;
	CU_ASSERT_FATAL(run_steer(&steer, buf, len, LAN, XSK_Q, &o) == 0);
	CU_ASSERT_EQUAL(o.retval, XDP_REDIRECT);
	steer.skel->bss->fast_max_len = 0;
out:
	steer_close(&steer);
	config_free(cfg);
	free(cfg);
	sched_setaffinity(0, sizeof(all), &all);
}

static void test_fixtures(void)
{
	run_fixtures("steer_rules", steer_rules, fixtures, ARRAY_SIZE(fixtures), false);
}

static void test_prefix_fixtures(void)
{
	run_fixtures("prefix_rules", prefix_rules, prefix_fixtures, ARRAY_SIZE(prefix_fixtures), true);
}

/* ---- random rule sets: steer == lane == image == reference ---- */

#define RAND_SETS 200
#define RAND_KEYS 50
#define RAND_SEED 0x53740000ull

/* The always-kernel class a random key falls in (its frame is built by
 * pkt_spec_from_key: TTL 64, unicast MACs, no options, no local address marked), or
 * 0: TCP/UDP keys without ports are non-first fragments, and the generator
 * draws destinations such as 255.255.255.255 (all ones in 0.0.0.0/0) or
 * 224/4 and ff00::/8 ones. */
static int key_kernel_only(const struct cls_key *k)
{
	const uint8_t *d = k->daddr;

	if ((k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) && !k->has_ports)
		return SHUNT_REASON_FRAGMENT;
	if (k->family == 4 && ((d[0] & 0xf0) == 0xe0 || (d[0] == 0xff && d[1] == 0xff && d[2] == 0xff &&
							 d[3] == 0xff)))
		return SHUNT_REASON_MULTICAST;
	if (k->family == 6 && d[0] == 0xff)
		return SHUNT_REASON_MULTICAST;
	return 0;
}

/* What steer must do with a key whose winning rule is want. */
static void steer_expect(const struct shunt_config *cfg, unsigned want, bool fast_ready, int *verdict,
			 int *lane, int *reason)
{
	int l = want == SHUNT_RULE_NONE ? SHUNT_LANE_KERNEL : (int)cfg->rule[want].lane;

	*reason = -1;
	*verdict = XDP_PASS;
	if (l == SHUNT_LANE_DROP) {
		*verdict = XDP_DROP;
		*reason = SHUNT_REASON_RULE_DROP;
	} else if (l == SHUNT_LANE_FAST && fast_ready) {
		*verdict = XDP_REDIRECT;
	} else if (l == SHUNT_LANE_FAST) {
		l = SHUNT_LANE_KERNEL;
		*reason = SHUNT_REASON_FAST_NO_SOCKET;
	}
	*lane = l;
}

static void test_random_agreement(void)
{
	struct shunt_config *cfg = malloc(sizeof(*cfg));
	struct cls_image *img = malloc(sizeof(*img));
	unsigned long long checked = 0, matched = 0, frags = 0, mcast = 0, redirected = 0, dropped = 0,
			   failopen = 0;
	unsigned failed = 0, sock_sets = 0;
	struct steer_h sh;
	struct lane_h lh;

	CU_ASSERT_FATAL(cfg && img);
	CU_ASSERT_FATAL(steer_open(&sh) == 0);
	CU_ASSERT_FATAL(lane_open(&lh, sh.skel->obj) == 0);
	for (unsigned set = 0; set < RAND_SETS && failed < 5; set++) {
		uint64_t seed = RAND_SEED + set;
		/* every other rule set runs with the fast lane there (socket and
		 * fresh heartbeat on XSK_Q), the others with an empty xsks_map */
		bool ready = (set & 1) && xsk.fd >= 0;
		__u32 xq = XSK_Q;
		struct rr_rng g;

		rr_seed(&g, seed);
		rr_random_config(&g, cfg, 0);
		CU_ASSERT_FATAL(cls_compile(cfg, rr_ifindex, img) == 0);
		CU_ASSERT_FATAL(fill_rules(sh.skel->obj, cfg, rr_ifindex) == 0); /* lh's too */
		CU_ASSERT_FATAL(steer_reset(&sh) == 0);
		if (ready) {
			CU_ASSERT_FATAL(bpf_map_update_elem(sh.xsks, &xq, &xsk.fd, BPF_ANY) == 0);
			sock_sets++;
		}
		for (unsigned i = 0; i < RAND_KEYS; i++) {
			struct cls_key k;
			struct pkt_spec spec;
			uint8_t buf[PKT_MAX_FRAME];
			unsigned want, got_img;
			int verdict, lane, reason, lane_verdict;
			__u32 queue = ready ? XSK_Q : i % NRXQ;
			int kernel_only;
			bool ok;
			struct s_out so = { 0 };
			struct l_out lo = { 0 };
			size_t len;

			rr_random_key(&g, cfg, &k);
			pkt_spec_from_key(&k, &spec);
			len = pkt_build(&spec, buf, sizeof(buf));
			CU_ASSERT_FATAL(len > 0);
			want = ref_match(cfg, rr_ifindex, &k);
			got_img = cls_image_match(img, &k);
			if (ready)
				CU_ASSERT_FATAL(set_heartbeat(&sh, SLOT, XSK_Q, now_ns()) == 0);
			CU_ASSERT_FATAL(run_steer(&sh, buf, len, k.iif, queue, &so) == 0);
			CU_ASSERT_FATAL(run_lane(&lh, buf, len, k.iif, &lo) == 0);
			checked++;
			matched += want != SHUNT_RULE_NONE;

			/* Non-first fragments (TCP/UDP keys without ports) and
			 * multicast/broadcast destinations: steer keeps them on
			 * the kernel lane unclassified, with their reason; only
			 * the tc lane classifies them. */
			kernel_only = key_kernel_only(&k);
			lane_verdict = want != SHUNT_RULE_NONE && cfg->rule[want].lane == SHUNT_LANE_DROP
					       ? TC_ACT_SHOT : TC_ACT_UNSPEC;
			ok = got_img == want && lo.rule == (int)want && lo.retval == lane_verdict &&
			     lo.reason == (lane_verdict == TC_ACT_SHOT ? SHUNT_REASON_RULE_DROP : -1);
			if (kernel_only) {
				frags += kernel_only == SHUNT_REASON_FRAGMENT;
				mcast += kernel_only == SHUNT_REASON_MULTICAST;
				verdict = XDP_PASS;
				lane = -1;
				reason = kernel_only;
				ok = ok && so.retval == verdict && so.rule == -1 && so.reason == reason;
			} else {
				steer_expect(cfg, want, ready, &verdict, &lane, &reason);
				ok = ok && so.retval == verdict && so.rule == (int)want && so.lane == lane &&
				     so.reason == reason;
				redirected += verdict == XDP_REDIRECT;
				dropped += verdict == XDP_DROP;
				failopen += reason == SHUNT_REASON_FAST_NO_SOCKET;
			}
			if (ok)
				continue;
			failed++;
			fprintf(stderr, "\nseed %#llx key %u (%s, queue %u%s): reference %u, image %u\n",
				(unsigned long long)seed, i, kernel_only ? reason_name(kernel_only) : "classified", queue,
				ready ? ", fast lane ready" : ", empty xsks_map", want, got_img);
			print_expect(stderr, "steer want", verdict, kernel_only ? -1 : (int)want, lane, reason);
			print_expect(stderr, "steer got", so.retval, so.rule, so.lane, so.reason);
			fprintf(stderr, "    tc lane:  verdict %d (want %d), rule slot %d (want %u), reason %s\n",
				lo.retval, lane_verdict, lo.rule, want, reason_name(lo.reason));
			rr_print_key(stderr, &k);
			rr_print_config(stderr, cfg);
			pkt_hexdump(stderr, buf, len);
		}
	}
	CU_ASSERT(steer_reset(&sh) == 0);
	steer_close(&sh);
	lane_close(&lh);
	printf("\n  %llu packets over %u rule sets (%u with the fast lane ready), %llu matched a rule;\n"
	       "  steer classified %llu: %llu redirected, %llu dropped, %llu failed open (no socket);\n"
	       "  kept unclassified by steer (checked for their reason; the tc lane classified them):\n"
	       "  %llu non-first fragments, %llu multicast/broadcast destinations\n",
	       checked, RAND_SETS, sock_sets, matched, checked - frags - mcast, redirected, dropped,
	       failopen, frags, mcast);
	/* the generator must exercise both outcomes, or this test proves little */
	CU_ASSERT(matched > checked / 10);
	CU_ASSERT(matched < checked);
	CU_ASSERT(dropped > 0);
	CU_ASSERT(failopen > 0);
	if (xsk.fd >= 0)
		CU_ASSERT(redirected > 0);
	CU_ASSERT_EQUAL(failed, 0);
	free(cfg);
	free(img);
}

/* libbpf's warnings only: its info line about the steer object's
 * xdp_metadata section (libxdp's, see steer.bpf.c) is expected. */
static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Loads both programs once, to tell "cannot run here" (skip) from a failure. */
static int probe(char *why, size_t cap)
{
	struct steer_h sh;
	struct lane_h lh;
	int err = steer_open(&sh);

	if (err) {
		snprintf(why, cap, "cannot load the steer program (%s)", strerror(-err));
		return -1;
	}
	steer_close(&sh);
	err = lane_open(&lh, NULL);
	if (err) {
		snprintf(why, cap, "cannot load the tc lane program (%s)", strerror(-err));
		return -1;
	}
	lane_close(&lh);
	return 0;
}

int main(void)
{
	char why[256];
	unsigned fails;

	if (geteuid() != 0) {
		fprintf(stderr, "test_steer: needs root for BPF and a network namespace — skipped\n");
		return SKIP;
	}
	if (netns_setup(why, sizeof(why))) {
		fprintf(stderr, "test_steer: %s — skipped\n", why);
		return SKIP;
	}
	libbpf_set_print(libbpf_warnings);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || probe(why, sizeof(why))) {
		fprintf(stderr, "test_steer: %s — skipped\n", ncpu <= 0 ? "cannot count CPUs" : why);
		return SKIP;
	}
	if (xsk_open(&xsk, "lan0", XSK_Q))
		fprintf(stderr, "test_steer: no AF_XDP socket, the redirect cases will fail: %s\n", xsk.why);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("steer_bpf", NULL, NULL);
	CU_add_test(s, "fixtures", test_fixtures);
	CU_add_test(s, "packet sequences: a reused clock reading never hides a hung worker; frames over the MTU",
		    test_clock_reuse);
	CU_add_test(s, "prefix table edges (steer, tc lane, image, reference)", test_prefix_fixtures);
	CU_add_test(s, "random rule sets: steer == lane == image == reference", test_random_agreement);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	xsk_close(&xsk);
	return fails ? 1 : 0;
}
