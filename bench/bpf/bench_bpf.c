// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_bpf.c — ns per packet of shunt's BPF programs under BPF_PROG_TEST_RUN.
 *
 * Programs: the XDP steer program (steer_bpf, xsk_def_prog), the same with a
 * bpf_xdp_load_bytes() parser (steer_loadbytes_bpf, steer_lb_prog), the tc
 * kernel lane on ingress (lane_bpf, shunt_lane_in), and programs that do
 * nothing (null_bpf) for the floor of the test-run loop itself.
 * Matrix: each program x {1 rule, 64 rules} x {IPv4 UDP, IPv6 UDP}.
 *
 * The 64-rule set uses every field (protocol sets, src/dst prefixes of both
 * families, port ranges, ingress) and the packet matches only its LAST rule:
 * each earlier rule misses it on exactly one field, so a linear search would
 * have to look at nearly every field of every rule. The 1-rule set is that
 * last rule alone. `bench_bpf --dump-config` prints both.
 *
 * The figure is the kernel's own: bpf_test_run_opts.duration, ns per run
 * averaged over `repeat` runs. Each point is measured `runs` times, the
 * points interleaved (run 1 of every point, then run 2, ...) so that a burst
 * of background load spreads over all of them; median and min are printed.
 * Every run is checked: the verdict, and the rule counter of the expected
 * rule must have moved by exactly `repeat`.
 *
 * Isolation: the process moves to a network namespace of its own and makes
 * a veth pair there (ifindex 21/22) to be the rules' "lan"/"wan" ingress
 * (XDP test runs with an ingress ifindex need a real device). The steer
 * target rule's lane is "fast" by default: an AF_XDP socket (copy mode) on
 * the veth's queue 0 sits in xsks_map and the heartbeat is fresh, so steer
 * walks its whole fast path and returns XDP_REDIRECT (test runs do not
 * perform the redirect). Every map is unpinned; nothing touches bpffs.
 * The namespace and all in it vanish when the process exits.
 *
 * Before measuring, steer and steer_loadbytes run side by side on many
 * frames (cut at every length) and must decide alike (--compare: only that).
 * --xdp-object benches any object built with steer's maps, e.g. scratch
 * copies of steer.bpf.c with parts disabled (bench/README.md).
 *
 * Needs root: exits 77 without it, or when the namespace, veth or AF_XDP
 * socket cannot be made; 1 when a program does not load or a check fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "lane.skel.h"
#include "mapfill.h"
#include "null.skel.h"
#include "pktbuild.h"
#include "rules.h"
#include "steer.skel.h"
#include "steer_loadbytes.skel.h"

#define SKIP 77
#define IF_LAN 21
#define IF_WAN 22
#define IFNAME_LAN "shb-lan"
#define IFNAME_WAN "shb-wan"
#define MAX_RUNS 101
/* steer's "heartbeat older than this: fail open" (rodata), so that a long
 * run never goes stale; the heartbeat is rewritten before every run anyway */
#define BENCH_HEARTBEAT_NS (3600ull * 1000000000ull)

/* ---- options ---- */

static struct {
	unsigned long repeat;
	unsigned runs;
	int cpu;
	bool fast; /* target rule lane: fast (steer redirects) or kernel */
	bool markdown, json, dump_config, verbose;
	bool check; /* verdict and counters of every run */
	bool compare_only; /* --compare: only compare the two steer parsers */
	const char *only; /* run only programs whose name contains this */
	unsigned nxdp_obj;
	const char *xdp_obj[16]; /* --xdp-object FILE[:PROG] */
} opt = { .repeat = 1000000, .runs = 5, .cpu = -2, .fast = true, .json = true, .check = true };

/* ---- rule sets ---- */

/* The packet: 198.18.1.2:40000 -> 198.18.2.2:7063 UDP (2001:db8:1::2 ->
 * 2001:db8:2::2 for IPv6), entering on "lan". */
#define PKT_SPORT 40000
#define PKT_DPORT 7063

static const char cfg_head[] =
	"version = 1;\n"
	"mode = \"kernel\";\n"
	"interfaces = ( { name = \"lan\"; ifname = \"" IFNAME_LAN "\"; },\n"
	"               { name = \"wan\"; ifname = \"" IFNAME_WAN "\"; } );\n"
	"rules = (\n";

#define APPEND(...)                                                                    \
	do {                                                                           \
		int n_ = snprintf(buf + len, cap > len ? cap - len : 0, __VA_ARGS__); \
		if (n_ < 0)                                                            \
			return -1;                                                     \
		len += (size_t)n_;                                                     \
	} while (0)

/*
 * Rule i < 63 of the 64-rule set matches the packet on every field but one:
 * kind = i % 6 picks the field it misses (proto, src, dst, sport, dport,
 * ingress); the fields it matches on vary (prefix lengths /15 to /32 and /32
 * to /128, wide and narrow port ranges, ingress lan or any) so that the
 * tables hold many distinct entries along the packet's own lookup paths.
 * Each rule also names one unrelated prefix per family in dst.
 */
static int near_miss_rule(char *buf, size_t cap, unsigned i)
{
	static const char *const src4[] = { "198.18.0.0/15", "198.18.0.0/16", "198.18.1.0/24",
					    "198.18.1.0/28", "198.18.1.2/32" };
	static const char *const src6[] = { "2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::/64",
					    "2001:db8:1::/120", "2001:db8:1::2/128" };
	static const char *const dst4[] = { "198.18.0.0/15", "198.18.2.0/23", "198.18.2.0/24",
					    "198.18.2.0/29", "198.18.2.2/32" };
	static const char *const dst6[] = { "2001:db8::/32", "2001:db8:2::/48", "2001:db8:2::/64",
					    "2001:db8:2::/124", "2001:db8:2::2/128" };
	static const char *const sport_ok[] = { NULL, "\"1024-65535\"", "\"39000-41000\"", "40000" };
	static const char *const dport_ok[] = { "\"7000-7099\"", "7063", "\"7060-7069\"", NULL };
	unsigned kind = i % 6, k = i / 6;
	bool no_ports = false;
	size_t len = 0;

	APPEND("  { name = \"r%02u\"; ", i);
	if (kind == 0 && k % 2) {
		APPEND("proto = [\"icmp\", \"icmpv6\", \"gre\", \"esp\"]; ");
		no_ports = true;
	} else if (kind == 0) {
		APPEND("proto = [\"tcp\"]; ");
	} else {
		APPEND("proto = %s; ", i % 3 ? "[\"tcp\", \"udp\"]" : "\"udp\"");
	}
	if (kind == 1)
		APPEND("src = [\"198.18.1.%u/28\", \"2001:db8:1::%x00/120\"]; ", 16 * (k + 1), k + 1);
	else
		APPEND("src = [\"%s\", \"%s\"]; ", src4[i % 5], src6[(i / 5) % 5]);
	if (kind == 2)
		APPEND("dst = [\"198.18.2.%u/28\", \"2001:db8:2::%x00/120\", ", 16 * (k + 1), k + 1);
	else
		APPEND("dst = [\"%s\", \"%s\", ", dst4[(i + 2) % 5], dst6[(i / 3) % 5]);
	APPEND("\"198.19.%u.0/24\", \"2001:db8:ff:%x::/64\"]; ", i, i);
	if (!no_ports) {
		if (kind == 3) {
			if (k % 3 == 0)
				APPEND("sport = \"1024-39999\"; ");
			else if (k % 3 == 1)
				APPEND("sport = \"40001-65535\"; ");
			else
				APPEND("sport = %u; ", PKT_SPORT + 1 + k);
		} else if (sport_ok[i % 4]) {
			APPEND("sport = %s; ", sport_ok[i % 4]);
		}
		if (kind == 4) {
			if (k % 3 == 0)
				APPEND("dport = \"7064-7099\"; ");
			else if (k % 3 == 1)
				APPEND("dport = \"6000-7062\"; ");
			else
				APPEND("dport = %u; ", 7000 + k);
		} else if (dport_ok[(i / 4) % 4]) {
			APPEND("dport = %s; ", dport_ok[(i / 4) % 4]);
		}
	}
	if (kind == 5)
		APPEND("ingress = \"wan\"; ");
	else if (i % 2)
		APPEND("ingress = \"lan\"; ");
	APPEND("lane = \"%s\"; },\n", i % 2 ? "fast" : "kernel");
	return len < cap ? (int)len : -1;
}

/* The rule the packet matches (the last of either set). */
static int target_rule(char *buf, size_t cap, bool fast)
{
	size_t len = 0;

	APPEND("  { name = \"target\"; proto = [\"tcp\", \"udp\"];\n"
	       "    src = [\"198.18.1.0/24\", \"2001:db8:1::/64\"]; dst = [\"198.18.2.0/24\", \"2001:db8:2::/64\"];\n"
	       "    sport = \"32768-60999\"; dport = \"7000-7099\"; ingress = \"lan\"; lane = \"%s\"; }\n",
	       fast ? "fast" : "kernel");
	return len < cap ? (int)len : -1;
}

/* Config text of an n-rule set: n - 1 near misses, then the target. */
static int rules_config(char *buf, size_t cap, unsigned n, bool fast)
{
	size_t len = 0;
	int r;

	APPEND("%s", cfg_head);
	for (unsigned i = 0; i + 1 < n; i++) {
		if ((r = near_miss_rule(buf + len, cap - len, i)) < 0)
			return -1;
		len += (size_t)r;
	}
	if ((r = target_rule(buf + len, cap - len, fast)) < 0)
		return -1;
	len += (size_t)r;
	APPEND(");\n");
	return len < cap ? (int)len : -1;
}

struct ruleset {
	unsigned n;
	char text[64 * 512];
	struct shunt_config cfg;
	struct cls_image img;
};

static const uint32_t iface_ifindex[2] = { IF_LAN, IF_WAN };

static int ruleset_build(struct ruleset *rs, unsigned n)
{
	struct diags dg;
	int err;

	rs->n = n;
	if (rules_config(rs->text, sizeof(rs->text), n, opt.fast) < 0) {
		fprintf(stderr, "bench_bpf: %u-rule config does not fit\n", n);
		return -1;
	}
	diags_init(&dg, n == 1 ? "rules1" : "rules64");
	err = config_load_string(rs->text, n == 1 ? "rules1" : "rules64", &rs->cfg, &dg);
	if (err || opt.verbose)
		diags_print(&dg, stderr);
	diags_free(&dg);
	if (err)
		return -1;
	if (rs->cfg.nrules != n) {
		fprintf(stderr, "bench_bpf: config has %u rules, want %u\n", rs->cfg.nrules, n);
		return -1;
	}
	if (cls_compile(&rs->cfg, iface_ifindex, &rs->img)) {
		fprintf(stderr, "bench_bpf: cls_compile failed\n");
		return -1;
	}
	return 0;
}

/* ---- frames ---- */

struct frame {
	const char *name;
	uint8_t buf[256];
	size_t len;
	struct cls_key key;
};

static int frame_build(struct frame *f, const char *name, const char *src, const char *dst)
{
	struct pkt_spec s = { .proto = IPPROTO_UDP, .sport = PKT_SPORT, .dport = PKT_DPORT,
			      .payload_len = 64 };

	f->name = name;
	pkt_set_addrs(&s, src, dst);
	f->len = pkt_build(&s, f->buf, sizeof(f->buf));
	pkt_spec_to_key(&s, IF_LAN, &f->key);
	return f->len ? 0 : -1;
}

/* ---- programs ---- */

enum hook { HOOK_XDP, HOOK_TC };

struct loaded {
	const char *prog;    /* program name */
	const char *object;  /* object (skeleton or file) name */
	enum hook hook;
	const struct ruleset *rs; /* NULL: the null programs */
	void *skel;
	void (*destroy)(void *);
	struct bpf_object *obj;
	int prog_fd;
	int stats_fd; /* rule counters; -1 none */
	int hb_fd, xsks_fd; /* steer only, else -1 */
	unsigned verified_insns;
	bool jited;
};

static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}

static void destroy_steer(void *s) { steer_bpf__destroy(s); }
static void destroy_steer_lb(void *s) { steer_loadbytes_bpf__destroy(s); }
static void destroy_lane(void *s) { lane_bpf__destroy(s); }
static void destroy_null(void *s) { null_bpf__destroy(s); }

static int prog_info(struct loaded *l)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(l->prog_fd, &info, &len))
		return -errno;
	l->verified_insns = info.verified_insns;
	l->jited = info.jited_prog_len > 0;
	return 0;
}

/* Fills the classifier (fresh maps) and, for steer, the heartbeat and the
 * AF_XDP socket of queue 0. */
static int loaded_fill(struct loaded *l, int xsk_fd)
{
	int err;

	if (l->rs) {
		if ((err = maps_write_image(l->obj, &l->rs->img)))
			return err;
	}
	if (l->xsks_fd >= 0 && xsk_fd >= 0) {
		__u32 q = 0;

		if (bpf_map_update_elem(l->xsks_fd, &q, &xsk_fd, BPF_ANY))
			return -errno;
	}
	return prog_info(l);
}

#define LOAD_STEER(l, type, progname, objname, ruleset)                           \
	({                                                                        \
		struct type *s_ = type##__open();                                 \
		int e_ = s_ ? 0 : -errno;                                         \
		if (s_) {                                                         \
			unpin_all(s_->obj);                                       \
			s_->rodata->heartbeat_ns = BENCH_HEARTBEAT_NS;            \
			e_ = type##__load(s_);                                    \
		}                                                                 \
		if (!e_) {                                                        \
			*(l) = (struct loaded){                                   \
				.prog = #progname, .object = objname,             \
				.hook = HOOK_XDP, .rs = (ruleset), .skel = s_,    \
				.obj = s_->obj,                                   \
				.prog_fd = bpf_program__fd(s_->progs.progname),   \
				.stats_fd = bpf_map__fd(s_->maps.steer_rstats),   \
				.hb_fd = bpf_map__fd(s_->maps.heartbeat),         \
				.xsks_fd = bpf_map__fd(s_->maps.xsks_map),        \
			};                                                        \
		} else if (s_) {                                                  \
			type##__destroy(s_);                                      \
		}                                                                 \
		e_;                                                               \
	})

static int load_steer(struct loaded *l, const struct ruleset *rs, int xsk_fd)
{
	int err = LOAD_STEER(l, steer_bpf, xsk_def_prog, "steer", rs);

	if (err)
		return err;
	l->destroy = destroy_steer;
	return loaded_fill(l, xsk_fd);
}

static int load_steer_lb(struct loaded *l, const struct ruleset *rs, int xsk_fd)
{
	int err = LOAD_STEER(l, steer_loadbytes_bpf, steer_lb_prog, "steer_loadbytes", rs);

	if (err)
		return err;
	l->destroy = destroy_steer_lb;
	return loaded_fill(l, xsk_fd);
}

static int load_lane(struct loaded *l, const struct ruleset *rs)
{
	struct lane_bpf *s = lane_bpf__open();
	int err;

	if (!s)
		return -errno;
	unpin_all(s->obj);
	if ((err = lane_bpf__load(s))) {
		lane_bpf__destroy(s);
		return err;
	}
	*l = (struct loaded){ .prog = "shunt_lane_in", .object = "lane", .hook = HOOK_TC, .rs = rs,
			      .skel = s, .destroy = destroy_lane, .obj = s->obj,
			      .prog_fd = bpf_program__fd(s->progs.shunt_lane_in),
			      .stats_fd = bpf_map__fd(s->maps.lane_rstats), .hb_fd = -1, .xsks_fd = -1 };
	return loaded_fill(l, -1);
}

static int load_null(struct loaded *xdp, struct loaded *tc, struct null_bpf **out)
{
	struct null_bpf *s = null_bpf__open_and_load();
	int err;

	if (!s)
		return -errno;
	*out = s;
	*xdp = (struct loaded){ .prog = "null_xdp", .object = "null", .hook = HOOK_XDP,
				.obj = s->obj, .prog_fd = bpf_program__fd(s->progs.null_xdp),
				.stats_fd = -1, .hb_fd = -1, .xsks_fd = -1 };
	*tc = (struct loaded){ .prog = "null_tc", .object = "null", .hook = HOOK_TC,
			       .obj = s->obj, .prog_fd = bpf_program__fd(s->progs.null_tc),
			       .stats_fd = -1, .hb_fd = -1, .xsks_fd = -1 };
	if ((err = prog_info(xdp)) || (err = prog_info(tc)))
		return err;
	return 0;
}

/* Sets a 64-bit `const volatile` variable of an opened object's .rodata. */
static int set_rodata_u64(struct bpf_object *obj, const char *var, __u64 val)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	struct bpf_map *map, *rodata = NULL;
	const void *init;
	size_t sz;
	__s32 id;
	int err = -ENOENT;

	bpf_object__for_each_map(map, obj) {
		const char *n = bpf_map__name(map);
		size_t nl = strlen(n);

		if (nl >= 7 && !strcmp(n + nl - 7, ".rodata"))
			rodata = map;
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!rodata || id < 0 || !(init = bpf_map__initial_value(rodata, &sz)))
		return -ENOENT;
	t = btf__type_by_id(btf, (__u32)id);
	vs = btf_var_secinfos(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		unsigned char *copy;

		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (vs->size != sizeof(val) || vs->offset + sizeof(val) > sz)
			return -EINVAL;
		copy = malloc(sz);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, init, sz);
		memcpy(copy + vs->offset, &val, sizeof(val));
		err = bpf_map__set_initial_value(rodata, copy, sz);
		free(copy);
		break;
	}
	return err;
}

static void destroy_obj(void *o) { bpf_object__close(o); }

/*
 * Any object with steer's maps (a scratch build of steer.bpf.c, say):
 * FILE[:PROG], the first XDP program when PROG is not given. Its
 * heartbeat_ns, if it has one, is set as for steer.
 */
static int load_xdp_file(struct loaded *l, const char *spec, const struct ruleset *rs, int xsk_fd)
{
	static char paths[2 * 16][256];
	static unsigned npaths;
	struct bpf_program *prog = NULL, *p;
	struct bpf_object *obj;
	char *path, *colon;
	int err;

	if (npaths >= 2 * 16)
		return -E2BIG;
	path = paths[npaths++];
	snprintf(path, sizeof(paths[0]), "%s", spec);
	colon = strrchr(path, ':');
	if (colon)
		*colon++ = 0;
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	unpin_all(obj);
	(void)set_rodata_u64(obj, "heartbeat_ns", BENCH_HEARTBEAT_NS);
	if ((err = bpf_object__load(obj))) {
		bpf_object__close(obj);
		return err;
	}
	bpf_object__for_each_program(p, obj)
		if (colon ? !strcmp(bpf_program__name(p), colon)
			  : !prog && bpf_program__type(p) == BPF_PROG_TYPE_XDP)
			prog = p;
	if (!prog) {
		fprintf(stderr, "bench_bpf: %s: no XDP program%s%s\n", path, colon ? " " : "",
			colon ? colon : "");
		bpf_object__close(obj);
		return -ENOENT;
	}
	if (!bpf_object__find_map_by_name(obj, "cls_proto"))
		rs = NULL; /* no classifier to fill */
	*l = (struct loaded){ .prog = bpf_program__name(prog), .hook = HOOK_XDP, .rs = rs,
			      .skel = obj, .destroy = destroy_obj, .obj = obj,
			      .prog_fd = bpf_program__fd(prog),
			      .stats_fd = bpf_object__find_map_fd_by_name(obj, "steer_rstats"),
			      .hb_fd = bpf_object__find_map_fd_by_name(obj, "heartbeat"),
			      .xsks_fd = bpf_object__find_map_fd_by_name(obj, "xsks_map") };
	l->object = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	return loaded_fill(l, xsk_fd);
}

/* ---- AF_XDP socket: only so that steer finds one in xsks_map ---- */

#define XSK_FRAMES 64
#define XSK_FRAME_SIZE 2048

static int xsk_open(unsigned ifindex, unsigned queue)
{
	struct xdp_umem_reg mr = { .len = XSK_FRAMES * XSK_FRAME_SIZE, .chunk_size = XSK_FRAME_SIZE };
	struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP, .sxdp_ifindex = ifindex,
				     .sxdp_queue_id = queue, .sxdp_flags = XDP_COPY };
	int n = XSK_FRAMES, fd;
	void *umem;

	umem = mmap(NULL, XSK_FRAMES * XSK_FRAME_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (umem == MAP_FAILED)
		return -errno;
	mr.addr = (__u64)(uintptr_t)umem;
	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) ||
	    bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp))) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		munmap(umem, XSK_FRAMES * XSK_FRAME_SIZE);
		return err;
	}
	return fd; /* umem stays mapped for the socket's life (the process's) */
}

/* ---- running ---- */

struct point {
	struct loaded *l;
	const struct frame *f;
	int want_retval;
	__u32 stats_key; /* the counter slot the run must move */
	__u32 dur[MAX_RUNS];
	unsigned nrun;
	double median;
	__u32 min, max;
};

#define MAX_CPUS 1024
static int ncpu;

static unsigned long long counter_packets(int fd, __u32 key)
{
	static struct shunt_counter v[MAX_CPUS];
	unsigned long long sum = 0;

	if (bpf_map_lookup_elem(fd, &key, v))
		return ~0ull;
	for (int c = 0; c < ncpu; c++)
		sum += v[c].packets;
	return sum;
}

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* A fresh heartbeat for queue 0 of interface slot 0 (steer only). */
static int hb_refresh(const struct loaded *l)
{
	__u32 k = SHUNT_HB_KEY(0, 0);
	__u64 now = mono_ns();

	if (l->hb_fd >= 0 && bpf_map_update_elem(l->hb_fd, &k, &now, BPF_ANY))
		return -errno;
	return 0;
}

/* One BPF_PROG_TEST_RUN of repeat runs; checks verdict and counters. */
static int run_point(struct point *p, unsigned long repeat, __u32 *duration)
{
	struct xdp_md xctx = { .data_end = (__u32)p->f->len, .ingress_ifindex = IF_LAN,
			       .rx_queue_index = 0 };
	struct __sk_buff sctx = { .ingress_ifindex = IF_LAN };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->f->buf, .data_size_in = (__u32)p->f->len,
		    .repeat = (int)repeat);
	unsigned long long before = 0, after;

	if (p->l->hook == HOOK_XDP) {
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	} else {
		o.ctx_in = &sctx;
		o.ctx_size_in = sizeof(sctx);
	}
	if (hb_refresh(p->l))
		return -errno;
	if (p->l->stats_fd >= 0)
		before = counter_packets(p->l->stats_fd, p->stats_key);
	if (bpf_prog_test_run_opts(p->l->prog_fd, &o))
		return -errno;
	*duration = o.duration;
	if (!opt.check) {
		p->want_retval = (int)o.retval; /* reported as is */
		return 0;
	}
	if ((int)o.retval != p->want_retval) {
		fprintf(stderr, "bench_bpf: %s %u rules %s: verdict %d, want %d\n", p->l->prog,
			p->l->rs ? p->l->rs->n : 0, p->f->name, (int)o.retval, p->want_retval);
		return -EPROTO;
	}
	if (p->l->stats_fd >= 0) {
		after = counter_packets(p->l->stats_fd, p->stats_key);
		if (after - before != repeat) {
			fprintf(stderr, "bench_bpf: %s %u rules %s: expected rule counter moved by %llu, want %lu\n",
				p->l->prog, p->l->rs->n, p->f->name, after - before, repeat);
			return -EPROTO;
		}
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static void point_stats(struct point *p)
{
	__u32 s[MAX_RUNS];

	memcpy(s, p->dur, p->nrun * sizeof(s[0]));
	qsort(s, p->nrun, sizeof(s[0]), cmp_u32);
	p->min = s[0];
	p->max = s[p->nrun - 1];
	p->median = p->nrun % 2 ? s[p->nrun / 2] : (s[p->nrun / 2 - 1] + s[p->nrun / 2]) / 2.0;
}

/* ---- the load_bytes parser must decide as the direct-access one ---- */

/* Every counter of steer_reasons and steer_rstats, summed over CPUs. */
struct steer_counts {
	unsigned long long v[SHUNT_REASON_MAX + SHUNT_LANE_MAX * SHUNT_RULE_SLOTS];
};

static int steer_snapshot(const struct loaded *l, struct steer_counts *c)
{
	int rfd = bpf_object__find_map_fd_by_name(l->obj, "steer_reasons");
	unsigned n = 0;

	if (rfd < 0 || l->stats_fd < 0)
		return -ENOENT;
	for (__u32 k = 0; k < SHUNT_REASON_MAX; k++)
		c->v[n++] = counter_packets(rfd, k);
	for (__u32 k = 0; k < SHUNT_LANE_MAX * SHUNT_RULE_SLOTS; k++)
		c->v[n++] = counter_packets(l->stats_fd, k);
	return 0;
}

struct cmp_case {
	const char *name;
	struct pkt_spec spec;
	const char *src, *dst;
};

#define CMP_UDP .proto = IPPROTO_UDP, .sport = PKT_SPORT, .dport = PKT_DPORT
#define CMP_TCP .proto = IPPROTO_TCP, .sport = PKT_SPORT, .dport = PKT_DPORT
#define CMP_V4 "198.18.1.2", "198.18.2.2"
#define CMP_V6 "2001:db8:1::2", "2001:db8:2::2"
#define CMP_EXT(t) { .type = (t) }

static const struct cmp_case cmp_cases[] = {
	{ "v4 udp", { CMP_UDP, .payload_len = 16 }, CMP_V4 },
	{ "v4 tcp", { CMP_TCP }, CMP_V4 },
	{ "v4 tcp doff 4", { CMP_TCP, .doff = 4, .set = PKT_SET_DOFF }, CMP_V4 },
	{ "v4 icmp", { .proto = IPPROTO_ICMP, .icmp_type = 8 }, CMP_V4 },
	{ "v4 gre", { .proto = 47, .raw_len = 4 }, CMP_V4 },
	{ "v4 options", { CMP_UDP, .ip_opt = { 1, 1, 1, 1 }, .ip_opt_len = 4 }, CMP_V4 },
	{ "v4 ihl 4", { CMP_UDP, .ihl = 4, .set = PKT_SET_IHL }, CMP_V4 },
	{ "v4 ihl 15", { CMP_UDP, .ihl = 15, .set = PKT_SET_IHL }, CMP_V4 },
	{ "v4 tot_len 10", { CMP_UDP, .ip_len = 10, .set = PKT_SET_IP_LEN }, CMP_V4 },
	{ "v4 version 6", { CMP_UDP, .version = 6, .set = PKT_SET_VERSION }, CMP_V4 },
	{ "v4 ttl 1", { CMP_UDP, .ttl = 1, .set = PKT_SET_TTL }, CMP_V4 },
	{ "v4 first fragment", { CMP_UDP, .frag_more = true }, CMP_V4 },
	{ "v4 later fragment", { CMP_UDP, .frag_off = 100 }, CMP_V4 },
	{ "v4 multicast", { CMP_UDP }, "198.18.1.2", "224.0.0.5" },
	{ "v4 broadcast", { CMP_UDP }, "198.18.1.2", "255.255.255.255" },
	{ "v4 loopback", { CMP_UDP }, "198.18.1.2", "127.0.0.1" },
	{ "v4 link-local", { CMP_UDP }, "198.18.1.2", "169.254.1.1" },
	{ "v4 other dst", { CMP_UDP }, "198.18.1.2", "198.18.3.2" },
	{ "vlan", { CMP_UDP, .nvlan = 1, .vlan = { { 0x8100, 10 } } }, CMP_V4 },
	{ "qinq", { CMP_UDP, .nvlan = 2, .vlan = { { 0x88a8, 10 }, { 0x8100, 20 } } }, CMP_V4 },
	{ "three vlans", { CMP_UDP, .nvlan = 3, .vlan = { { 0x8100, 1 }, { 0x8100, 2 }, { 0x8100, 3 } } },
	  CMP_V4 },
	{ "arp", { .ethertype = 0x0806 }, CMP_V4 },
	{ "group mac", { CMP_UDP, .dst_mac = { 0x01, 0, 0x5e, 0, 0, 1 } }, CMP_V4 },
	{ "v6 udp", { CMP_UDP, .payload_len = 16 }, CMP_V6 },
	{ "v6 tcp", { CMP_TCP }, CMP_V6 },
	{ "v6 icmpv6 echo", { .proto = IPPROTO_ICMPV6, .icmp_type = 128 }, CMP_V6 },
	{ "v6 neighbour solicitation", { .proto = IPPROTO_ICMPV6, .icmp_type = 135 }, CMP_V6 },
	{ "v6 version 4", { CMP_UDP, .version = 4, .set = PKT_SET_VERSION }, CMP_V6 },
	{ "v6 hop limit 1", { CMP_UDP, .ttl = 1, .set = PKT_SET_TTL }, CMP_V6 },
	{ "v6 multicast", { CMP_UDP }, "2001:db8:1::2", "ff02::1" },
	{ "v6 link-local", { CMP_UDP }, "2001:db8:1::2", "fe80::1" },
	{ "v6 loopback", { CMP_UDP }, "2001:db8:1::2", "::1" },
	{ "v6 hop-by-hop", { CMP_UDP, .next = 1, .ext = { CMP_EXT(IPPROTO_HOPOPTS) } }, CMP_V6 },
	{ "v6 long dstopts", { CMP_UDP, .next = 1, .ext = { { .type = IPPROTO_DSTOPTS, .len = 64 } } },
	  CMP_V6 },
	{ "v6 ext chain at the bound",
	  { CMP_UDP, .next = SHUNT_IPV6_EXT_MAX,
	    .ext = { CMP_EXT(IPPROTO_HOPOPTS), CMP_EXT(IPPROTO_DSTOPTS), CMP_EXT(IPPROTO_ROUTING),
		     CMP_EXT(IPPROTO_AH), CMP_EXT(IPPROTO_DSTOPTS), CMP_EXT(IPPROTO_DSTOPTS) } },
	  CMP_V6 },
	{ "v6 ext chain over the bound",
	  { CMP_UDP, .next = SHUNT_IPV6_EXT_MAX + 1,
	    .ext = { CMP_EXT(IPPROTO_HOPOPTS), CMP_EXT(IPPROTO_DSTOPTS), CMP_EXT(IPPROTO_ROUTING),
		     CMP_EXT(IPPROTO_AH), CMP_EXT(IPPROTO_DSTOPTS), CMP_EXT(IPPROTO_DSTOPTS),
		     CMP_EXT(IPPROTO_DSTOPTS) } },
	  CMP_V6 },
	{ "v6 first fragment",
	  { CMP_UDP, .next = 1, .ext = { { .type = IPPROTO_FRAGMENT, .frag_more = true } } }, CMP_V6 },
	{ "v6 later fragment", { CMP_UDP, .next = 1, .ext = { { .type = IPPROTO_FRAGMENT, .frag_off = 10 } } },
	  CMP_V6 },
};

/*
 * Runs steer and steer_loadbytes (same rules) on every case, cut at every
 * length from the Ethernet header to the whole frame, and compares verdicts
 * and which counters moved. Returns the number of frames compared, or -1.
 */
static int compare_parsers(const struct loaded *a, const struct loaded *b)
{
	static struct steer_counts ca0, ca1, cb0, cb1;
	int nframes = 0;

	for (size_t i = 0; i < sizeof(cmp_cases) / sizeof(cmp_cases[0]); i++) {
		const struct cmp_case *cc = &cmp_cases[i];
		struct pkt_spec s = cc->spec;
		uint8_t buf[512];
		size_t full;

		pkt_set_addrs(&s, cc->src, cc->dst);
		full = pkt_build(&s, buf, sizeof(buf));
		if (!full) {
			fprintf(stderr, "bench_bpf: compare: pkt_build failed for \"%s\"\n", cc->name);
			return -1;
		}
		for (size_t cut = ETH_HLEN; cut <= full; cut++) {
			struct xdp_md ctx = { .data_end = (__u32)cut, .ingress_ifindex = IF_LAN };
			LIBBPF_OPTS(bpf_test_run_opts, oa, .data_in = buf, .data_size_in = (__u32)cut,
				    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
			LIBBPF_OPTS(bpf_test_run_opts, ob, .data_in = buf, .data_size_in = (__u32)cut,
				    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
			int ea, eb;

			if (steer_snapshot(a, &ca0) || steer_snapshot(b, &cb0))
				return -1;
			ea = bpf_prog_test_run_opts(a->prog_fd, &oa) ? -errno : 0;
			eb = bpf_prog_test_run_opts(b->prog_fd, &ob) ? -errno : 0;
			if (steer_snapshot(a, &ca1) || steer_snapshot(b, &cb1))
				return -1;
			for (size_t k = 0; k < sizeof(ca0.v) / sizeof(ca0.v[0]) && !ea && !eb; k++)
				if (ca1.v[k] - ca0.v[k] != cb1.v[k] - cb0.v[k])
					ea = -1000 - (int)k;
			if (ea != eb || oa.retval != ob.retval) {
				fprintf(stderr, "bench_bpf: compare: \"%s\" cut to %zu of %zu bytes: "
					"steer verdict %u (%d), steer_loadbytes verdict %u (%d)%s\n",
					cc->name, cut, full, oa.retval, ea, ob.retval, eb,
					ea <= -1000 ? ": other counters moved" : "");
				return -1;
			}
			nframes++;
		}
	}
	return nframes;
}

/* ---- setup ---- */

static int netns_setup(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "bench_bpf: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (system("ip link add " IFNAME_LAN " index 21 type veth peer name " IFNAME_WAN " index 22"
		   " && ip link set " IFNAME_LAN " up && ip link set " IFNAME_WAN " up"
		   " && ip link set lo up")) {
		fprintf(stderr, "bench_bpf: cannot create the veth pair in the bench namespace\n");
		return -1;
	}
	return 0;
}

static void cpu_model(char *buf, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, cap, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			c += 2;
			c[strcspn(c, "\n")] = 0;
			snprintf(buf, cap, "%s", c);
			break;
		}
	}
	fclose(f);
}

static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !opt.verbose))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The CPU-vulnerability mitigations that tax calls and returns. */
static void print_mitigations(void)
{
	static const char *const names[] = { "spec_rstack_overflow", "retbleed", "spectre_v2" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[128], line[256] = "?";
		FILE *f;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/vulnerabilities/%s", names[i]);
		if ((f = fopen(path, "r"))) {
			if (!fgets(line, sizeof(line), f))
				snprintf(line, sizeof(line), "?");
			fclose(f);
		}
		line[strcspn(line, "\n")] = 0;
		printf("# %s: %s\n", names[i], line);
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench_bpf [options]\n"
		"  -r, --repeat N       runs per BPF_PROG_TEST_RUN (default 1000000, min 1000000 for figures)\n"
		"  -n, --runs N         measurements per point, median and min printed (default 5)\n"
		"  -c, --cpu N          pin to CPU N (default: the last online CPU; -1: do not pin)\n"
		"  -l, --lane L         lane of the matching rule: fast (default) or kernel\n"
		"  -o, --only NAME      only programs whose program or object name contains NAME\n"
		"                       (steer, xsk_def_prog, steer_loadbytes, lane, null, null_xdp)\n"
		"  -m, --markdown       also print the README table (markdown)\n"
		"      --no-json        no JSON line per point\n"
		"  -x, --xdp-object F[:PROG]  also bench XDP program PROG (default: the first) of\n"
		"                       object file F, built with steer's maps (repeatable)\n"
		"      --no-check       do not check verdicts and counters (scratch variants that\n"
		"                       stop early); the verdict seen is reported\n"
		"      --compare        only check that steer and steer_loadbytes decide alike\n"
		"                       (also done before every benchmark that runs both)\n"
		"      --dump-config    print the 1- and 64-rule configs and exit\n"
		"  -v, --verbose        config warnings and libbpf info messages too\n");
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "repeat", required_argument, NULL, 'r' }, { "runs", required_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'c' },    { "lane", required_argument, NULL, 'l' },
		{ "only", required_argument, NULL, 'o' },   { "markdown", no_argument, NULL, 'm' },
		{ "no-json", no_argument, NULL, 'J' },      { "dump-config", no_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },      { "help", no_argument, NULL, 'h' },
		{ "xdp-object", required_argument, NULL, 'x' },
		{ "no-check", no_argument, NULL, 'C' },
		{ "compare", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:n:c:l:o:x:mvh", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt.repeat = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			opt.runs = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			opt.cpu = atoi(optarg);
			break;
		case 'l':
			if (strcmp(optarg, "fast") && strcmp(optarg, "kernel")) {
				usage(stderr);
				return -1;
			}
			opt.fast = !strcmp(optarg, "fast");
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'm':
			opt.markdown = true;
			break;
		case 'J':
			opt.json = false;
			break;
		case 'D':
			opt.dump_config = true;
			break;
		case 'x':
			if (opt.nxdp_obj >= sizeof(opt.xdp_obj) / sizeof(opt.xdp_obj[0])) {
				usage(stderr);
				return -1;
			}
			opt.xdp_obj[opt.nxdp_obj++] = optarg;
			break;
		case 'C':
			opt.check = false;
			break;
		case 'K':
			opt.compare_only = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !opt.repeat || opt.repeat > 0x7fffffff || !opt.runs ||
	    opt.runs > MAX_RUNS) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- output ---- */

static const char *point_rules(const struct point *p, char *buf, size_t cap)
{
	if (p->l->rs)
		snprintf(buf, cap, "%u", p->l->rs->n);
	else
		snprintf(buf, cap, "-");
	return buf;
}

static void print_json(const struct point *p, const char *kernel, const char *cpu)
{
	printf("{\"bench\":\"bpf_test_run\",\"prog\":\"%s\",\"object\":\"%s\",\"hook\":\"%s\","
	       "\"rules\":%u,\"packet\":\"%s\",\"frame_len\":%zu,\"lane\":\"%s\",\"retval\":%d,"
	       "\"repeat\":%lu,\"runs\":%u,\"median_ns\":%.1f,\"min_ns\":%u,\"max_ns\":%u,"
	       "\"runs_ns\":[",
	       p->l->prog, p->l->object, p->l->hook == HOOK_XDP ? "xdp" : "tc",
	       p->l->rs ? p->l->rs->n : 0, p->f->name, p->f->len,
	       p->l->rs ? (opt.fast ? "fast" : "kernel") : "-", p->want_retval, opt.repeat, p->nrun,
	       p->median, p->min, p->max);
	for (unsigned i = 0; i < p->nrun; i++)
		printf("%s%u", i ? "," : "", p->dur[i]);
	printf("],\"verified_insns\":%u,\"jited\":%s,\"kernel\":\"%s\",\"cpu\":\"%s\",\"ncpu\":%d,"
	       "\"pinned_cpu\":%d}\n",
	       p->l->verified_insns, p->l->jited ? "true" : "false", kernel, cpu,
	       (int)sysconf(_SC_NPROCESSORS_ONLN), opt.cpu);
}

static void print_table(const struct point *pts, unsigned n)
{
	char r[8];

	printf("\n%-14s %-16s %5s %-9s %6s %9s %7s %7s %9s\n", "program", "object", "rules",
	       "packet", "bytes", "median_ns", "min_ns", "max_ns", "insns");
	for (unsigned i = 0; i < n; i++) {
		const struct point *p = &pts[i];

		printf("%-14s %-16s %5s %-9s %6zu %9.1f %7u %7u %9u\n", p->l->prog, p->l->object,
		       point_rules(p, r, sizeof(r)), p->f->name, p->f->len, p->median, p->min, p->max,
		       p->l->verified_insns);
	}
}

/* One row per program and packet, 1 and 64 rules side by side. */
static void print_markdown(const struct point *pts, unsigned n)
{
	printf("\n| program | packet | 1 rule: median (min) ns | 64 rules: median (min) ns |\n"
	       "|---|---|---:|---:|\n");
	for (unsigned i = 0; i < n; i++) {
		const struct point *p = &pts[i], *q = NULL;

		if (p->l->rs && p->l->rs->n != 1)
			continue; /* printed with its 1-rule twin */
		for (unsigned j = 0; j < n && p->l->rs; j++)
			if (pts[j].l->rs && pts[j].l->rs->n != 1 && pts[j].f == p->f &&
			    !strcmp(pts[j].l->prog, p->l->prog) &&
			    !strcmp(pts[j].l->object, p->l->object))
				q = &pts[j];
		printf("| %s (%s) | %s | %.0f (%u) |", p->l->prog, p->l->object, p->f->name,
		       p->median, p->min);
		if (q)
			printf(" %.0f (%u) |\n", q->median, q->min);
		else
			printf(" %s |\n", p->l->rs ? "" : "(no rules)");
	}
}

/* ---- main ---- */

static bool wanted(const char *prog, const char *object)
{
	return !opt.only || strstr(prog, opt.only) || strstr(object, opt.only);
}

int main(int argc, char **argv)
{
	static struct ruleset rs1, rs64;
	static struct frame fr[2];
	static struct loaded lds[8 + 2 * 16];
	static struct point pts[2 * (8 + 2 * 16)];
	struct null_bpf *nullskel = NULL;
	unsigned nl = 0, np = 0;
	char kernel[128], cpu[128];
	struct utsname u;
	int xsk = -1, err, ret = 1, jit_enable, stats_enabled;

	if (parse_args(argc, argv))
		return 2;
	libbpf_set_print(libbpf_print);
	if (ruleset_build(&rs1, 1) || ruleset_build(&rs64, SHUNT_MAX_RULES))
		return 1;
	if (opt.dump_config) {
		printf("# 1-rule set\n%s\n# 64-rule set\n%s", rs1.text, rs64.text);
		return 0;
	}
	if (frame_build(&fr[0], "ipv4-udp", "198.18.1.2", "198.18.2.2") ||
	    frame_build(&fr[1], "ipv6-udp", "2001:db8:1::2", "2001:db8:2::2")) {
		fprintf(stderr, "bench_bpf: pkt_build failed\n");
		return 1;
	}
	/* the compiled image must pick the last rule for both packets */
	for (int i = 0; i < 2; i++) {
		if (cls_image_match(&rs1.img, &fr[i].key) != 0 ||
		    cls_image_match(&rs64.img, &fr[i].key) != SHUNT_MAX_RULES - 1) {
			fprintf(stderr, "bench_bpf: %s does not match the last rule of the sets (%u, %u)\n",
				fr[i].name, cls_image_match(&rs1.img, &fr[i].key),
				cls_image_match(&rs64.img, &fr[i].key));
			return 1;
		}
	}

	if (geteuid() != 0) {
		fprintf(stderr, "bench_bpf: needs root (BPF, network namespace) — skipped\n");
		return SKIP;
	}
	/* net.core sysctls are per namespace; bpf_jit_enable is in the first only */
	jit_enable = read_int_file("/proc/sys/net/core/bpf_jit_enable");
	stats_enabled = read_int_file("/proc/sys/kernel/bpf_stats_enabled");
	if (netns_setup())
		return SKIP;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > MAX_CPUS)
		return 1;
	if (opt.cpu == -2)
		opt.cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (opt.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(opt.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "bench_bpf: cannot pin to CPU %d: %s\n", opt.cpu, strerror(errno));
			return 1;
		}
	}
	if (opt.fast) {
		xsk = xsk_open(IF_LAN, 0);
		if (xsk < 0) {
			fprintf(stderr, "bench_bpf: AF_XDP socket on %s: %s (try --lane kernel)\n",
				IFNAME_LAN, strerror(-xsk));
			return SKIP;
		}
	}

	/* load everything first, then measure round-robin */
	err = 0;
	if (wanted("xsk_def_prog", "steer")) {
		err = err ?: load_steer(&lds[nl++], &rs1, xsk);
		err = err ?: load_steer(&lds[nl++], &rs64, xsk);
	}
	if (wanted("steer_lb_prog", "steer_loadbytes")) {
		err = err ?: load_steer_lb(&lds[nl++], &rs1, xsk);
		err = err ?: load_steer_lb(&lds[nl++], &rs64, xsk);
	}
	if (wanted("shunt_lane_in", "lane")) {
		err = err ?: load_lane(&lds[nl++], &rs1);
		err = err ?: load_lane(&lds[nl++], &rs64);
	}
	for (unsigned i = 0; i < opt.nxdp_obj; i++) {
		err = err ?: load_xdp_file(&lds[nl++], opt.xdp_obj[i], &rs1, xsk);
		err = err ?: load_xdp_file(&lds[nl++], opt.xdp_obj[i], &rs64, xsk);
	}
	if (!err && (wanted("null_xdp", "null") || wanted("null_tc", "null"))) {
		err = load_null(&lds[nl], &lds[nl + 1], &nullskel);
		nl += 2;
	}
	if (err) {
		fprintf(stderr, "bench_bpf: cannot load or fill the BPF programs: %s\n", strerror(-err));
		goto out;
	}
	for (unsigned i = 0; i < nl; i++) {
		struct loaded *l = &lds[i];

		if (!wanted(l->prog, l->object))
			continue;
		for (int f = 0; f < 2; f++) {
			struct point *p = &pts[np++];
			__u32 rule = l->rs ? l->rs->n - 1 : 0;

			*p = (struct point){ .l = l, .f = &fr[f] };
			if (!l->rs) {
				p->want_retval = l->hook == HOOK_XDP ? XDP_PASS : TC_ACT_UNSPEC;
			} else if (l->hook == HOOK_XDP) {
				__u32 lane = opt.fast ? SHUNT_LANE_FAST : SHUNT_LANE_KERNEL;

				p->want_retval = opt.fast ? XDP_REDIRECT : XDP_PASS;
				p->stats_key = SHUNT_STEER_STAT_KEY(lane, rule);
			} else {
				p->want_retval = TC_ACT_UNSPEC;
				p->stats_key = SHUNT_RULE_STAT_KEY(SHUNT_DIR_INGRESS, rule);
			}
		}
	}

	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	cpu_model(cpu, sizeof(cpu));
	printf("# bench_bpf: BPF_PROG_TEST_RUN, repeat %lu, %u runs per point, interleaved\n",
	       opt.repeat, opt.runs);
	printf("# kernel %s, %ld online CPUs (%s), pinned to CPU %d, bpf_jit_enable %d, "
	       "bpf_stats_enabled %d\n",
	       kernel, sysconf(_SC_NPROCESSORS_ONLN), cpu, opt.cpu, jit_enable, stats_enabled);
	print_mitigations();
	printf("# rule sets: %u and %u rules; classifier tables of the 64: %u src and %u dst "
	       "prefixes (%u chunks below level 1, %u leaves), %u ingress entries\n",
	       rs1.n, rs64.n, rs64.img.nsrc, rs64.img.ndst, rs64.img.tab.nchunks - SHUNT_CLS_ROWS,
	       rs64.img.tab.nleaves, rs64.img.niif);
	printf("# packet: UDP %u -> %u, matches the last rule (lane %s); ingress ifindex %d\n",
	       PKT_SPORT, PKT_DPORT, opt.fast ? "fast" : "kernel", IF_LAN);
	if (stats_enabled > 0)
		printf("# warning: bpf_stats_enabled adds two clock reads per run\n");
	if (opt.check || opt.compare_only) {
		const struct loaded *a = NULL, *b = NULL;
		int n;

		for (unsigned i = 0; i < nl; i++) {
			if (lds[i].rs != &rs64 || hb_refresh(&lds[i]))
				continue;
			if (lds[i].destroy == destroy_steer)
				a = &lds[i];
			if (lds[i].destroy == destroy_steer_lb)
				b = &lds[i];
		}
		if (a && b) {
			if ((n = compare_parsers(a, b)) < 0)
				goto out;
			printf("# steer and steer_loadbytes: same verdicts and counters on %d frames\n", n);
		} else if (opt.compare_only) {
			fprintf(stderr, "bench_bpf: --compare needs both steer programs\n");
			goto out;
		}
		if (opt.compare_only) {
			ret = 0;
			goto out;
		}
	}
	fflush(stdout);

	/* warm-up and check of every point */
	for (unsigned i = 0; i < np; i++) {
		__u32 d;

		if ((err = run_point(&pts[i], 10000, &d))) {
			fprintf(stderr, "bench_bpf: %s on %s: %s\n", pts[i].l->prog, pts[i].f->name,
				strerror(-err));
			goto out;
		}
	}
	for (unsigned r = 0; r < opt.runs; r++) {
		for (unsigned i = 0; i < np; i++) {
			struct point *p = &pts[i];

			if ((err = run_point(p, opt.repeat, &p->dur[p->nrun]))) {
				fprintf(stderr, "bench_bpf: %s on %s: %s\n", p->l->prog, p->f->name,
					strerror(-err));
				goto out;
			}
			p->nrun++;
		}
	}
	for (unsigned i = 0; i < np; i++) {
		point_stats(&pts[i]);
		if (opt.json)
			print_json(&pts[i], kernel, cpu);
	}
	print_table(pts, np);
	if (opt.markdown)
		print_markdown(pts, np);
	ret = 0;
out:
	for (unsigned i = 0; i < nl; i++)
		if (lds[i].destroy)
			lds[i].destroy(lds[i].skel);
	if (nullskel)
		destroy_null(nullskel);
	if (xsk >= 0)
		close(xsk);
	return ret;
}
