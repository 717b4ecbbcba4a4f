/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * shunt_abi.h — the one header shared by the BPF programs and user space.
 *
 * Everything a map key or value is made of lives here, with fixed-width types
 * and explicit padding. User space checks the sizes with _Static_assert
 * (control/abi_check.c) so a layout change can never go unnoticed on one side.
 * Bump SHUNT_ABI_VERSION on any change to a pinned map's key, value or size:
 * the control plane refuses to reuse pins of another version.
 */
#ifndef SHUNT_ABI_H
#define SHUNT_ABI_H

#include <linux/types.h>

#define SHUNT_ABI_VERSION 3

#define SHUNT_MAX_RULES 64            /* one bit per rule in a __u64 bitmap */
#define SHUNT_RULE_NONE SHUNT_MAX_RULES /* counter slot: no rule matched */
#define SHUNT_RULE_FLOW (SHUNT_MAX_RULES + 1) /* counter slot: flows override (steer) */
#define SHUNT_RULE_SLOTS (SHUNT_MAX_RULES + 2)
#define SHUNT_NAME_LEN 32
#define SHUNT_IFNAME_LEN 16           /* IFNAMSIZ */
#define SHUNT_MAX_IFACES 16
#define SHUNT_MAX_QUEUES 64           /* per interface: xsks_map and heartbeat slots */
#define SHUNT_MAX_FLOWS 65536         /* flows override entries */
#define SHUNT_MAX_LOCAL_ADDRS 256     /* the gateway's own addresses (not link-local) */
#define SHUNT_MAX_LOCAL_EXTRA 256     /* ... added while shunt runs (local_extra) */
#define SHUNT_MAX_PREFIXES 8          /* per rule and field (src, dst) */

/* IPv6 extension headers walked before giving up (ipv6_ext_too_deep); the
 * walk also gives up past 1 KiB into the frame (SHUNT_PARSE_OFF_MASK). */
#define SHUNT_IPV6_EXT_MAX 6

/* cls_sport/cls_dport have one slot per port plus one for packets that have
 * no ports (ICMP, other protocols, non-first fragments). */
#define SHUNT_PORT_NONE 65536
#define SHUNT_PORT_SLOTS 65537

/* cls_iif key 0: rules that match any ingress interface. */
#define SHUNT_IIF_ANY 0
/* ifindexes below this are looked up in the cls_iif_arr array (inlined by
 * the JIT, ~1 ns) rather than the cls_iif hash (~40 ns on the bench VM). */
#define SHUNT_IIF_ARRAY 4096

enum shunt_lane {
	SHUNT_LANE_KERNEL = 0,
	SHUNT_LANE_FAST = 1,
	SHUNT_LANE_DROP = 2,
	SHUNT_LANE_MAX,
};

enum shunt_dir {
	SHUNT_DIR_INGRESS = 0,
	SHUNT_DIR_EGRESS = 1,
	SHUNT_DIR_MAX,
};

enum shunt_mode {
	SHUNT_MODE_KERNEL = 0,
	SHUNT_MODE_HYBRID = 1,
};

/*
 * Named reasons, counted per direction in the lane's reason map. The same
 * names appear in `shunt stats`. X(enum suffix, name, meaning)
 */
#define SHUNT_REASONS(X)                                                      \
	X(NON_IP, "non_ip", "not IPv4/IPv6 (ARP, LLDP, ...): not classified")  \
	X(VLAN_TOO_DEEP, "vlan_too_deep", "more than two VLAN tags")          \
	X(TRUNC_ETH, "truncated_eth", "frame shorter than its L2 headers")    \
	X(TRUNC_IPV4, "truncated_ipv4", "shorter than its IPv4 header")       \
	X(IPV4_BAD_IHL, "ipv4_bad_ihl", "IPv4 ihl < 5 or version != 4")       \
	X(IPV4_BAD_LEN, "ipv4_bad_len", "IPv4 total length < header length")  \
	X(TRUNC_IPV6, "truncated_ipv6", "shorter than its IPv6 header(s)")    \
	X(IPV6_BAD_VERSION, "ipv6_bad_version", "IPv6 version != 6")          \
	X(IPV6_EXT_TOO_DEEP, "ipv6_ext_too_deep",                             \
	  "more IPv6 extension headers (or bytes of them) than shunt walks")                     \
	X(TRUNC_L4, "truncated_l4", "shorter than its TCP/UDP/ICMP header")   \
	X(TCP_BAD_DOFF, "tcp_bad_doff", "TCP data offset < 5")                \
	X(RULE_DROP, "rule_drop", "dropped by a rule with lane = drop")       \
	X(FRAGMENT, "fragment", "IP fragment: kept on the kernel lane")       \
	X(IPV4_OPTIONS, "ipv4_options", "IPv4 options: kept on the kernel lane") \
	X(TTL_EXPIRING, "ttl_expiring", "TTL/hop limit <= 1: kernel lane (ICMP)") \
	X(MULTICAST, "multicast", "multicast/broadcast: kept on the kernel lane") \
	X(NEIGHBOUR, "neighbour", "IPv6 ND/RS/RA: kept on the kernel lane")  \
	X(LOCAL_DEST, "local_dest", "for the gateway itself: kernel lane")    \
	X(LINK_LOCAL, "link_local",                                           \
	  "link-local or loopback destination (never forwarded): kernel lane") \
	X(FAST_NO_SOCKET, "fast_no_socket",                                   \
	  "fast lane, but no AF_XDP socket on the queue: failed open")        \
	X(FAST_STALE, "fast_stale",                                           \
	  "fast lane, but the queue's worker heartbeat is late: failed open")  \
	X(FAST_VLAN, "fast_vlan",                                             \
	  "fast lane, but VLAN-tagged (the forwarder routes untagged frames)") \
	X(FAST_TOO_BIG, "fast_too_big",                                       \
	  "fast lane, but longer than a fast-lane interface's MTU: the kernel fragments or sends ICMP")

enum shunt_reason {
	SHUNT_REASON_OK = 0,
#define SHUNT_REASON_ENUM(e, n, d) SHUNT_REASON_##e,
	SHUNT_REASONS(SHUNT_REASON_ENUM)
#undef SHUNT_REASON_ENUM
	SHUNT_REASON_MAX,
};

/* Key of the flows override map: an exact 5-tuple. Addresses and ports in
 * network order as on the wire; IPv4 in the first 4 address bytes, the rest
 * zero. */
struct shunt_flow_key {
	__u8 family; /* 4 or 6 */
	__u8 proto;
	__be16 sport;
	__be16 dport;
	__u8 pad[2];
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Key of the local_extra map: an address the gateway got while shunt runs
 * (the ones it had at start are flags in the dst tables). Network order;
 * IPv4 in the first 4 bytes, the rest zero. */
struct shunt_addr {
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
};

struct shunt_flow {
	__u8 lane; /* enum shunt_lane */
	__u8 pad[7];
};

/* Value of the rule and reason counter maps (per-CPU arrays). */
struct shunt_counter {
	__u64 packets;
	__u64 bytes;
};

/* rules map: what a rule does once it has won. */
struct shunt_rule {
	__u8 lane;                /* enum shunt_lane */
	__u8 pad[7];
	char name[SHUNT_NAME_LEN]; /* for the CLI; never read by BPF */
};

/*
 * Prefix tables of the classifier's src and dst fields: multibit tries,
 * leaf-pushed, built by control/rules.c and walked by classify.h (no LPM
 * trie: its lookup costs 20-65 ns on the bench VM, a level here ~2 ns).
 *
 * Four tables (src4, dst4, src6, dst6) share one pool of chunks of 256
 * entries. The first 16 bits of an address pick an entry of the table's
 * level 1: chunk SHUNT_CLS_ROW(table, byte 0), entry byte 1. Each further
 * byte (IPv4: 2, 3; IPv6: 2..15) picks an entry of the chunk a child entry
 * names: DIR-16-8-8 for IPv4, 16-8-...-8 for IPv6, never deeper than the
 * longest prefix along the address's path.
 *
 * An entry is a child (SHUNT_CLS_CHILD: bits 0-23 index chunk[]) or a leaf
 * (bits 0-23 index leaf[], the bitmap of the rules that have a prefix in
 * that field covering every address under the entry, or no prefix there:
 * leaf-pushed, so the first leaf met is the answer). Leaf 0 is the empty bitmap, so zeroed tables
 * match nothing. In the dst tables a leaf may carry SHUNT_CLS_LOCAL: the
 * host entry (/32, /128) of one of the gateway's own addresses.
 *
 * All of it is the one value of the cls_tables map (BPF_F_MMAPABLE): the
 * programs look it up once and walk it by pointer arithmetic (no key on
 * the stack and no lookup sequence per level), and user space writes it
 * through mmap, in an order that keeps every path whole for a reader.
 */
#define SHUNT_CLS_SRC4 0
#define SHUNT_CLS_DST4 1
#define SHUNT_CLS_SRC6 2
#define SHUNT_CLS_DST6 3
#define SHUNT_CLS_TABLES 4
#define SHUNT_CLS_FANOUT 256                 /* entries per chunk: 8 bits */
#define SHUNT_CLS_ROW(table, byte0) ((table) * SHUNT_CLS_FANOUT + (byte0))
#define SHUNT_CLS_ROWS (SHUNT_CLS_TABLES * SHUNT_CLS_FANOUT) /* level-1 chunks */
/* chunks one prefix needs below level 1, at most: /32 and /128 */
#define SHUNT_CLS_DEPTH4 2
#define SHUNT_CLS_DEPTH6 14
/* the pool, for the worst case: every prefix of every rule (two fields)
 * and every local address an IPv6 host route on a path of its own */
#define SHUNT_CLS_POOL                                                        \
	((2 * SHUNT_MAX_RULES * SHUNT_MAX_PREFIXES + SHUNT_MAX_LOCAL_ADDRS) * \
	 SHUNT_CLS_DEPTH6)
#define SHUNT_CLS_CHUNKS (SHUNT_CLS_ROWS + SHUNT_CLS_POOL)
/* leaf 0 (empty), each table's "any" bitmap, one per distinct prefix:
 * 1029, and one more so that the chunks start on a cache line */
#define SHUNT_CLS_LEAVES (2 + SHUNT_CLS_TABLES + 2 * SHUNT_MAX_RULES * SHUNT_MAX_PREFIXES)

/* Flags right above the index, not in bit 31: tested in bit 31, clang
 * sign-extends every entry it loads (<<32, s>>32) on the walk's critical
 * path (clang 14 and 16; IPv6 64-rule walks ~8 ns slower on the bench). */
#define SHUNT_CLS_CHILD (1u << 24)
#define SHUNT_CLS_LOCAL (1u << 25) /* dst leaves: an address of the gateway */
#define SHUNT_CLS_INDEX 0x00ffffffu

struct shunt_cls_chunk {
	__u32 e[SHUNT_CLS_FANOUT];
};

/* The value of cls_tables (one entry), ~18.5 MiB. */
struct shunt_cls_tables {
	/* how much is in use; user space only (adding local addresses to
	 * tables written earlier) */
	__u32 nchunks; /* chunk[0, nchunks), the level-1 rows included */
	__u32 nleaves;
	__u32 nlocal;  /* local addresses marked */
	__u32 pad;
	__u64 leaf[SHUNT_CLS_LEAVES];
	struct shunt_cls_chunk chunk[SHUNT_CLS_CHUNKS];
};

/* meta map, one entry: who owns the pins and what it attached. */
#define SHUNT_IFACE_CREATED_CLSACT (1u << 0) /* we created the clsact qdisc */
#define SHUNT_IFACE_TC_ATTACHED (1u << 1)
#define SHUNT_IFACE_XDP_ATTACHED (1u << 2)
#define SHUNT_IFACE_XDP_GENERIC (1u << 3) /* attached in generic (skb) mode */

struct shunt_meta_iface {
	__u32 ifindex;
	__u32 flags;              /* SHUNT_IFACE_* */
	char ifname[SHUNT_IFNAME_LEN];
	char name[SHUNT_NAME_LEN]; /* the config's name for it */
};

struct shunt_meta {
	__u32 abi_version;        /* SHUNT_ABI_VERSION of the owner */
	__u32 mode;               /* enum shunt_mode */
	__u32 owner_pid;
	__u32 nrules;
	__u64 owner_starttime;    /* /proc/PID/stat field 22: tells pid reuse */
	__u64 started_unix;       /* wall clock of the start, seconds */
	__u32 niface;
	__u32 pad;
	struct shunt_meta_iface iface[SHUNT_MAX_IFACES];
	char config[256];         /* path of the config the owner runs */
};

/* Map keys of the per-direction counter maps. */
#define SHUNT_RULE_STAT_KEY(dir, rule) ((dir) * SHUNT_RULE_SLOTS + (rule))
#define SHUNT_REASON_STAT_KEY(dir, reason) ((dir) * SHUNT_REASON_MAX + (reason))
/* steer_rstats: per rule slot and the lane the packet really took. */
#define SHUNT_STEER_STAT_KEY(lane, rule) ((lane) * SHUNT_RULE_SLOTS + (rule))
/* heartbeat: one slot per (interface slot, queue), CLOCK_MONOTONIC ns. */
#define SHUNT_HB_KEY(slot, queue) ((slot) * SHUNT_MAX_QUEUES + (queue))

/*
 * The fast lane (DPDK forwarder): why a packet it received was not sent.
 * X(enum suffix, name, meaning); the names appear in `shunt stats` and in
 * the /shunt/lcores telemetry.
 */
#define SHUNT_FAST_REASONS(X)                                                 \
	X(MALFORMED, "malformed", "not a well-formed IPv4/IPv6 frame")        \
	X(UNSUPPORTED, "unsupported",                                         \
	  "VLAN, fragment, IPv4 options or TTL <= 1: steer keeps these on the kernel lane") \
	X(NO_ROUTE, "no_route", "no route to the destination")                \
	X(ROUTE_DROP, "route_drop", "blackhole, unreachable or prohibit route") \
	X(FOREIGN, "foreign_iface",                                           \
	  "the route leaves by an interface with no fast-lane port")          \
	X(NO_NEIGH, "no_neighbour",                                           \
	  "next hop's MAC unknown: the kernel was asked to resolve it")       \
	X(IFACE_DOWN, "iface_down", "the egress interface is down")           \
	X(TOO_BIG, "too_big", "longer than the egress interface's MTU")       \
	X(TX_FULL, "tx_full", "the egress queue did not take it")

enum shunt_fast_reason {
	SHUNT_FAST_OK = 0,
#define SHUNT_FAST_REASON_ENUM(e, n, d) SHUNT_FAST_##e,
	SHUNT_FAST_REASONS(SHUNT_FAST_REASON_ENUM)
#undef SHUNT_FAST_REASON_ENUM
	SHUNT_FAST_REASON_MAX,
};

#define SHUNT_MAX_WORKERS 32
#define SHUNT_FAST_PORTS (SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES)

/*
 * fast_lcores map (BPF_F_MMAPABLE array, one entry per worker): each worker
 * counts straight into its own mmapped entry, the CLI reads it with a map
 * lookup. Single writer per entry; 64-bit stores are atomic on the
 * platforms DPDK supports, so readers see each counter whole.
 */
struct shunt_fast_lcore {
	__u32 lcore;         /* DPDK lcore id */
	__u32 cpu;           /* the CPU it is pinned to (the config's core) */
	__u32 nrx;           /* (port, queue) pairs it polls: fast_ports slots */
	__u32 running;       /* 1 while the loop runs */
	__u64 rx_packets, rx_bytes;
	__u64 tx_packets, tx_bytes;
	__u64 polls, empty_polls;
	__u64 busy_cycles;   /* TSC cycles in iterations that moved packets */
	__u64 total_cycles;  /* TSC cycles in the loop */
	__u64 tsc_hz;
	__u64 drops[SHUNT_FAST_REASON_MAX];
	__u16 rx_port[SHUNT_MAX_QUEUES]; /* fast_ports slots it polls */
} __attribute__((aligned(64))); /* one worker per cache line set */

/* fast_ports map (array): one entry per (interface, queue) port, copied from
 * the port's ethdev counters by the control thread about every 100 ms. */
#define SHUNT_PORT_XDP_GENERIC (1u << 0) /* steer attached in generic mode */
#define SHUNT_PORT_ZEROCOPY (1u << 1)    /* the AF_XDP socket is zero-copy */
#define SHUNT_PORT_USED (1u << 2)        /* entry in use */

struct shunt_fast_port {
	__u32 ifslot;        /* index into the config's interfaces */
	__u32 queue;
	__u32 lcore, cpu;    /* the worker polling it */
	__u32 flags;         /* SHUNT_PORT_* */
	__u32 dpdk_port;     /* ethdev port id */
	__u64 ipackets, ibytes, imissed, ierrors;
	__u64 opackets, obytes, oerrors;
	/* the kernel's counters of the port's AF_XDP socket (XDP_STATISTICS) */
	__u64 xsk_rx_dropped;     /* no room: dropped before the rx ring */
	__u64 xsk_rx_ring_full;   /* rx ring full */
	__u64 xsk_fill_empty;     /* fill ring empty (no buffers given) */
};

/* tc filter identity: our handle and priority on clsact ingress/egress. */
#define SHUNT_TC_HANDLE 0x5348 /* "SH" */
#define SHUNT_TC_PRIO 0x5348

#endif /* SHUNT_ABI_H */
