/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * config.h — shunt's configuration, version 1 (libconfig syntax).
 *
 * config_load() parses and checks a file without touching the system;
 * config_check_host() adds what the host says (interfaces, cores, queues).
 * Every problem becomes one diagnostic "FILE:LINE: what is wrong — what to do".
 */
#ifndef SHUNT_CONFIG_H
#define SHUNT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shunt_abi.h"

#define SHUNT_CONFIG_VERSION 1
#define SHUNT_DEFAULT_BPFFS "/sys/fs/bpf/shunt"
#define SHUNT_MAX_CORES 128 /* DPDK's RTE_MAX_LCORE in Debian's build */
/* DPDK memory the fast lane needs (MB), measured: EAL and the two copies of
 * the route tables (dataplane/route.h), then the packet buffers per port. */
#define SHUNT_FAST_BASE_MB 384
#define SHUNT_FAST_PORT_MB 6

enum xdp_attach_mode {
	XDP_MODE_NATIVE = 0,
	XDP_MODE_GENERIC,
	XDP_MODE_AUTO,
};

enum idle_policy {
	IDLE_POLL = 0,
	IDLE_ADAPTIVE,
};

struct cfg_queue {
	uint16_t id;
	uint16_t core;
	int line;
};

struct cfg_iface {
	char name[SHUNT_NAME_LEN];
	char ifname[SHUNT_IFNAME_LEN];
	enum xdp_attach_mode xdp_mode;
	unsigned nqueues;
	bool queues_listed; /* a non-empty queues setting (even if entries were bad) */
	struct cfg_queue queue[SHUNT_MAX_QUEUES];
	int line;
};

struct cfg_dataplane {
	int main_core;
	bool hugepages;
	unsigned memory_mb;
	unsigned burst;
	enum idle_policy idle;
	unsigned heartbeat_ms;
	unsigned n_eal_extra;
	char **eal_extra;
	int line;
};

/* An IPv4 or IPv6 prefix, address in network order. */
struct cfg_prefix {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t addr[16];
};

struct cfg_port_range {
	uint16_t lo, hi;
};

#define CFG_FAMILY_V4 (1u << 0)
#define CFG_FAMILY_V6 (1u << 1)

struct cfg_rule {
	char name[SHUNT_NAME_LEN];
	/* proto: a set of IP protocol numbers; all = any protocol */
	bool proto_any;
	uint8_t proto_set[256 / 8];
	/* prefixes: nsrc == 0 means any */
	unsigned nsrc, ndst;
	struct cfg_prefix src[SHUNT_MAX_PREFIXES];
	struct cfg_prefix dst[SHUNT_MAX_PREFIXES];
	bool sport_any, dport_any;
	struct cfg_port_range sport, dport;
	int ingress;      /* index into config.iface, -1 = any */
	enum shunt_lane lane;
	unsigned families; /* CFG_FAMILY_*: the families it can match */
	int line;
};

struct shunt_config {
	char path[256];
	enum shunt_mode mode;
	char bpffs[256];
	unsigned niface;
	struct cfg_iface iface[SHUNT_MAX_IFACES];
	struct cfg_dataplane dp;
	unsigned nrules;
	struct cfg_rule rule[SHUNT_MAX_RULES];
	int mode_line;
	bool no_fast_lane; /* `run --no-fast-lane`, not from the file: steer only */
};

/* Diagnostics: errors and warnings, each tied to file:line. */
enum diag_level { DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_level level;
	int line; /* 0 when the problem has no line (e.g. unreadable file) */
	char msg[320];
};

struct diags {
	unsigned n, nerr, cap;
	struct diag *d;
	char file[256];
};

void diags_init(struct diags *dg, const char *file);
void diags_free(struct diags *dg);
void diags_add(struct diags *dg, enum diag_level lvl, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prints each diagnostic as "FILE:LINE: [warning: ]msg". */
void diags_print(const struct diags *dg, FILE *out);

/*
 * Parses and checks FILE. Returns 0 and fills *cfg when there are no errors
 * (warnings may still be in *dg); -EINVAL otherwise. cfg must be freed with
 * config_free() in both cases.
 */
int config_load(const char *file, struct shunt_config *cfg, struct diags *dg);
/* The same with the mode replaced (enum shunt_mode; -1: the file's) before
 * the checks that depend on it, as `--mode` does. */
int config_load_as(const char *file, int mode, struct shunt_config *cfg, struct diags *dg);
/* The same from a string (tests); name is used in diagnostics. */
int config_load_string(const char *text, const char *name, struct shunt_config *cfg,
		       struct diags *dg);
/* Host checks: interfaces exist, cores online, NIC queue counts. */
int config_check_host(const struct shunt_config *cfg, struct diags *dg);
void config_free(struct shunt_config *cfg);

/* Helpers shared with the rule compiler and the tests. */
int parse_prefix(const char *s, struct cfg_prefix *out);
bool rule_has_proto(const struct cfg_rule *r, uint8_t proto);
/* tcp, udp, icmp, icmpv6, gre, esp, sctp or a number 0-255; -1 otherwise. */
int proto_from_name(const char *s);

const char *lane_name(enum shunt_lane lane);
const char *mode_name(enum shunt_mode mode);
/* SHUNT_FAST_* (why the fast lane did not send a packet) as in stats. */
const char *fast_reason_name(unsigned reason);

#endif /* SHUNT_CONFIG_H */
