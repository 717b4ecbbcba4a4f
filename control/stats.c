// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * stats.c — `shunt stats`: the lanes' counters from the pinned maps, as a
 * table a person reads or as JSON, once or every N seconds (with rates).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd.h"
#include "log.h"
#include "pins.h"

static const char *const reason_names[SHUNT_REASON_MAX] = {
	[SHUNT_REASON_OK] = "ok",
#define SHUNT_REASON_NAME(e, n, d) [SHUNT_REASON_##e] = n,
	SHUNT_REASONS(SHUNT_REASON_NAME)
#undef SHUNT_REASON_NAME
};

struct snapshot {
	struct shunt_meta meta;
	struct shunt_rule rule[SHUNT_MAX_RULES];
	struct shunt_counter rstat[SHUNT_DIR_MAX][SHUNT_RULE_SLOTS];
	struct shunt_counter reason[SHUNT_DIR_MAX][SHUNT_REASON_MAX];
	bool has_steer; /* hybrid mode: the XDP steer program's counters */
	struct shunt_counter steer[SHUNT_LANE_MAX][SHUNT_RULE_SLOTS];
	struct shunt_counter steer_reason[SHUNT_REASON_MAX];
	/* hybrid mode: the DPDK forwarder's workers and ports */
	unsigned nworkers, nports;
	struct shunt_fast_lcore worker[SHUNT_MAX_WORKERS];
	struct shunt_fast_port port[SHUNT_FAST_PORTS];
	struct timespec at;
};

static int open_pin(const char *dir, const char *name)
{
	char path[300];
	int fd;

	if (pins_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	return fd;
}

/* Sums a per-CPU counter map into out[n]. */
static int read_percpu(int fd, struct shunt_counter *out, unsigned n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct shunt_counter *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < n; k++) {
		out[k] = (struct shunt_counter){ 0 };
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++) {
			out[k].packets += vals[c].packets;
			out[k].bytes += vals[c].bytes;
		}
	}
	free(vals);
	return 0;
}

static int take(const char *dir, struct snapshot *s)
{
	int fd, err;

	memset(s, 0, sizeof(*s));
	err = pins_read_meta(dir, &s->meta);
	if (err == -ENOENT) {
		log_error("no shunt state in %s — is `shunt run` running? (in another mount namespace, e.g. under `ip netns exec`, use nsenter -t PID -m -n shunt stats)",
			  dir);
		return err;
	}
	if (err == -EPROTO) {
		log_error("%s was written by a shunt with another map layout (this one reads v%d) — use the matching shunt binary",
			  dir, shunt_abi_version);
		return err;
	}
	if (err) {
		log_error("cannot read %s/meta: %s", dir, strerror(-err));
		return err;
	}
	fd = open_pin(dir, "rules");
	for (__u32 k = 0; fd >= 0 && k < s->meta.nrules && k < SHUNT_MAX_RULES; k++)
		bpf_map_lookup_elem(fd, &k, &s->rule[k]);
	if (fd >= 0)
		close(fd);
	fd = open_pin(dir, "lane_rstats");
	if (fd >= 0) {
		read_percpu(fd, &s->rstat[0][0], SHUNT_DIR_MAX * SHUNT_RULE_SLOTS);
		close(fd);
	}
	fd = open_pin(dir, "lane_reasons");
	if (fd >= 0) {
		read_percpu(fd, &s->reason[0][0], SHUNT_DIR_MAX * SHUNT_REASON_MAX);
		close(fd);
	}
	fd = open_pin(dir, "steer_rstats");
	if (fd >= 0) {
		s->has_steer = true;
		read_percpu(fd, &s->steer[0][0], SHUNT_LANE_MAX * SHUNT_RULE_SLOTS);
		close(fd);
	}
	fd = open_pin(dir, "steer_reasons");
	if (fd >= 0) {
		read_percpu(fd, s->steer_reason, SHUNT_REASON_MAX);
		close(fd);
	}
	fd = open_pin(dir, "fast_lcores");
	for (__u32 k = 0; fd >= 0 && k < SHUNT_MAX_WORKERS; k++)
		if (!bpf_map_lookup_elem(fd, &k, &s->worker[s->nworkers]) && s->worker[s->nworkers].lcore)
			s->nworkers++;
	if (fd >= 0)
		close(fd);
	fd = open_pin(dir, "fast_ports");
	for (__u32 k = 0; fd >= 0 && k < SHUNT_FAST_PORTS; k++)
		if (!bpf_map_lookup_elem(fd, &k, &s->port[s->nports]) &&
		    (s->port[s->nports].flags & SHUNT_PORT_USED))
			s->nports++;
	if (fd >= 0)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	return 0;
}

static double rate(__u64 now, __u64 before, double secs)
{
	return secs > 0 && now >= before ? (double)(now - before) / secs : 0;
}

static __u64 fast_drops(const struct shunt_fast_lcore *w)
{
	__u64 n = 0;

	for (unsigned k = 1; k < SHUNT_FAST_REASON_MAX; k++)
		n += w->drops[k];
	return n;
}

static double busy_pct(const struct shunt_fast_lcore *w)
{
	return w->total_cycles ? 100.0 * (double)w->busy_cycles / (double)w->total_cycles : 0;
}

static const char *port_iface(const struct snapshot *s, const struct shunt_fast_port *p)
{
	return p->ifslot < s->meta.niface && p->ifslot < SHUNT_MAX_IFACES ? s->meta.iface[p->ifslot].name :
									      "?";
}

static const char *port_mode(const struct shunt_fast_port *p)
{
	if (p->flags & SHUNT_PORT_ZEROCOPY)
		return p->flags & SHUNT_PORT_XDP_GENERIC ? "generic,zero-copy" : "native,zero-copy";
	return p->flags & SHUNT_PORT_XDP_GENERIC ? "generic,copy" : "native,copy";
}

static void print_json_fast(const struct snapshot *s)
{
	if (!s->nworkers && !s->nports)
		return;
	printf(",\"fast\":{\"workers\":[");
	for (unsigned w = 0; w < s->nworkers; w++) {
		const struct shunt_fast_lcore *x = &s->worker[w];

		printf("%s{\"lcore\":%u,\"core\":%u,\"running\":%s,\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu,\"polls\":%llu,\"empty_polls\":%llu,\"busy_cycles\":%llu,\"total_cycles\":%llu,\"tsc_hz\":%llu,\"ports\":[",
		       w ? "," : "", x->lcore, x->cpu, x->running ? "true" : "false",
		       (unsigned long long)x->rx_packets, (unsigned long long)x->rx_bytes,
		       (unsigned long long)x->tx_packets, (unsigned long long)x->tx_bytes,
		       (unsigned long long)x->polls, (unsigned long long)x->empty_polls,
		       (unsigned long long)x->busy_cycles, (unsigned long long)x->total_cycles,
		       (unsigned long long)x->tsc_hz);
		for (unsigned i = 0; i < x->nrx && i < SHUNT_MAX_QUEUES; i++)
			printf("%s%u", i ? "," : "", x->rx_port[i]);
		printf("],\"drops\":{");
		for (unsigned k = 1; k < SHUNT_FAST_REASON_MAX; k++)
			printf("%s\"%s\":%llu", k > 1 ? "," : "", fast_reason_name(k),
			       (unsigned long long)x->drops[k]);
		printf("}}");
	}
	printf("],\"ports\":[");
	for (unsigned i = 0; i < s->nports; i++) {
		const struct shunt_fast_port *p = &s->port[i];

		printf("%s{\"interface\":\"%s\",\"queue\":%u,\"lcore\":%u,\"core\":%u,\"xdp\":\"%s\",\"zerocopy\":%s,\"ipackets\":%llu,\"ibytes\":%llu,\"imissed\":%llu,\"ierrors\":%llu,\"opackets\":%llu,\"obytes\":%llu,\"oerrors\":%llu,\"xsk_rx_dropped\":%llu,\"xsk_rx_ring_full\":%llu,\"xsk_fill_empty\":%llu}",
		       i ? "," : "", port_iface(s, p), p->queue, p->lcore, p->cpu,
		       p->flags & SHUNT_PORT_XDP_GENERIC ? "generic" : "native",
		       p->flags & SHUNT_PORT_ZEROCOPY ? "true" : "false",
		       (unsigned long long)p->ipackets, (unsigned long long)p->ibytes,
		       (unsigned long long)p->imissed, (unsigned long long)p->ierrors,
		       (unsigned long long)p->opackets, (unsigned long long)p->obytes,
		       (unsigned long long)p->oerrors, (unsigned long long)p->xsk_rx_dropped,
		       (unsigned long long)p->xsk_rx_ring_full, (unsigned long long)p->xsk_fill_empty);
	}
	printf("]}");
}

static void print_table_fast(const struct snapshot *s, const struct snapshot *prev, double secs)
{
	if (!s->nworkers && !s->nports)
		return;
	printf("\nfast lane (DPDK): %u worker(s), %u AF_XDP port(s)\n", s->nworkers, s->nports);
	printf("%-8s %4s %12s %12s %10s %12s %6s%s  %s\n", "worker", "core", "rx packets", "tx packets",
	       "dropped", "empty polls", "busy%", prev ? "   rx pkt/s   tx pkt/s" : "", "polls (interface/queue)");
	for (unsigned w = 0; w < s->nworkers; w++) {
		const struct shunt_fast_lcore *x = &s->worker[w];
		char lc[16];

		snprintf(lc, sizeof(lc), "lcore%u", x->lcore);
		printf("%-8s %4u %12llu %12llu %10llu %12llu %5.1f%%", lc, x->cpu,
		       (unsigned long long)x->rx_packets, (unsigned long long)x->tx_packets,
		       (unsigned long long)fast_drops(x), (unsigned long long)x->empty_polls, busy_pct(x));
		if (prev && w < prev->nworkers)
			printf(" %10.0f %10.0f", rate(x->rx_packets, prev->worker[w].rx_packets, secs),
			       rate(x->tx_packets, prev->worker[w].tx_packets, secs));
		printf(" ");
		/* fast_ports is written from slot 0 up: its slots are s->port's */
		for (unsigned i = 0; i < x->nrx && i < SHUNT_MAX_QUEUES; i++)
			if (x->rx_port[i] < s->nports)
				printf(" %s/q%u", port_iface(s, &s->port[x->rx_port[i]]),
				       s->port[x->rx_port[i]].queue);
		printf("%s\n", x->running ? "" : "  [stopped]");
	}
	printf("\n%-14s %4s %-17s %12s %14s %12s %14s %8s %8s %9s\n", "port", "core", "xdp", "rx packets",
	       "rx bytes", "tx packets", "tx bytes", "missed", "errors", "ring full");
	for (unsigned i = 0; i < s->nports; i++) {
		const struct shunt_fast_port *p = &s->port[i];
		char name[48];

		snprintf(name, sizeof(name), "%s/q%u", port_iface(s, p), p->queue);
		printf("%-14s %4u %-17s %12llu %14llu %12llu %14llu %8llu %8llu %9llu\n", name, p->cpu,
		       port_mode(p), (unsigned long long)p->ipackets, (unsigned long long)p->ibytes,
		       (unsigned long long)p->opackets, (unsigned long long)p->obytes,
		       (unsigned long long)p->imissed, (unsigned long long)(p->ierrors + p->oerrors),
		       (unsigned long long)p->xsk_rx_ring_full);
	}
	printf("\n%-20s", "fast-lane drops");
	for (unsigned w = 0; w < s->nworkers; w++)
		printf(" %10s%u", "lcore", s->worker[w].lcore);
	printf("\n");
	for (unsigned k = 1; k < SHUNT_FAST_REASON_MAX; k++) {
		printf("%-20s", fast_reason_name(k));
		for (unsigned w = 0; w < s->nworkers; w++)
			printf(" %11llu", (unsigned long long)s->worker[w].drops[k]);
		printf("\n");
	}
}

/* A JSON string: names are validated to plain characters, but the config
 * path is whatever the operator typed. */
static void print_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json_counter(const char *key, const struct shunt_counter *c, bool comma)
{
	printf("\"%s\":{\"packets\":%llu,\"bytes\":%llu}%s", key, (unsigned long long)c->packets,
	       (unsigned long long)c->bytes, comma ? "," : "");
}

static void print_json_lane(const struct shunt_counter in, const struct shunt_counter eg)
{
	printf("\"kernel\":{");
	print_json_counter("ingress", &in, true);
	print_json_counter("egress", &eg, false);
	printf("}");
}

static void print_json_steer(const struct snapshot *s, unsigned slot)
{
	if (!s->has_steer)
		return;
	printf(",\"steer\":{");
	for (unsigned l = 0; l < SHUNT_LANE_MAX; l++)
		print_json_counter(lane_name((enum shunt_lane)l), &s->steer[l][slot],
				   l + 1 < SHUNT_LANE_MAX);
	printf("}");
}

static void print_json(const struct snapshot *s)
{
	const struct shunt_meta *m = &s->meta;

	printf("{\"abi\":%u,\"mode\":\"%s\",\"pid\":%u,\"config\":", m->abi_version,
	       mode_name(m->mode), m->owner_pid);
	print_json_str(m->config);
	printf(",\"uptime_s\":%lld,", (long long)(time(NULL) - (time_t)m->started_unix));
	printf("\"interfaces\":[");
	for (unsigned i = 0; i < m->niface && i < SHUNT_MAX_IFACES; i++)
		printf("%s{\"name\":\"%s\",\"ifname\":\"%s\",\"ifindex\":%u,\"tc\":%s,\"xdp\":\"%s\"}",
		       i ? "," : "", m->iface[i].name, m->iface[i].ifname, m->iface[i].ifindex,
		       m->iface[i].flags & SHUNT_IFACE_TC_ATTACHED ? "true" : "false",
		       !(m->iface[i].flags & SHUNT_IFACE_XDP_ATTACHED) ? "none" :
		       m->iface[i].flags & SHUNT_IFACE_XDP_GENERIC	 ? "generic" :
									   "native");
	printf("],\"rules\":[");
	for (unsigned r = 0; r < m->nrules && r < SHUNT_MAX_RULES; r++) {
		printf("%s{\"index\":%u,\"name\":\"%s\",\"lane\":\"%s\",", r ? "," : "", r,
		       s->rule[r].name, lane_name(s->rule[r].lane));
		print_json_lane(s->rstat[SHUNT_DIR_INGRESS][r], s->rstat[SHUNT_DIR_EGRESS][r]);
		print_json_steer(s, r);
		printf("}");
	}
	printf("],\"no_match\":{");
	print_json_lane(s->rstat[SHUNT_DIR_INGRESS][SHUNT_RULE_NONE],
			s->rstat[SHUNT_DIR_EGRESS][SHUNT_RULE_NONE]);
	print_json_steer(s, SHUNT_RULE_NONE);
	printf("}");
	if (s->has_steer) {
		/* only the steer program applies flow overrides: no tc counters */
		printf(",\"flow_override\":{\"name\":\"(flow override)\"");
		print_json_steer(s, SHUNT_RULE_FLOW);
		printf("}");
	}
	printf(",\"reasons\":{\"kernel\":{");
	for (unsigned d = 0; d < SHUNT_DIR_MAX; d++) {
		printf("%s\"%s\":{", d ? "," : "", d == SHUNT_DIR_INGRESS ? "ingress" : "egress");
		for (unsigned k = 1; k < SHUNT_REASON_MAX; k++)
			print_json_counter(reason_names[k], &s->reason[d][k], k + 1 < SHUNT_REASON_MAX);
		printf("}");
	}
	printf("}");
	if (s->has_steer) {
		printf(",\"steer\":{");
		for (unsigned k = 1; k < SHUNT_REASON_MAX; k++)
			print_json_counter(reason_names[k], &s->steer_reason[k], k + 1 < SHUNT_REASON_MAX);
		printf("}");
	}
	printf("}");
	print_json_fast(s);
	printf("}\n");
}

static void print_row(const char *name, const char *lane, const struct snapshot *s,
		      const struct shunt_counter *in, const struct shunt_counter *eg,
		      const struct shunt_counter *pin, const struct shunt_counter *peg,
		      const struct shunt_counter *steer, bool steer_one, double secs)
{
	printf("%-20s %-7s", name, lane);
	if (s->has_steer) {
		if (steer && steer_one)
			printf(" %33llu", (unsigned long long)steer->packets);
		else if (steer)
			printf(" %11llu %11llu %9llu", (unsigned long long)steer[SHUNT_LANE_FAST].packets,
			       (unsigned long long)steer[SHUNT_LANE_KERNEL].packets,
			       (unsigned long long)steer[SHUNT_LANE_DROP].packets);
		else
			printf(" %11s %11s %9s", "", "", "");
	}
	printf(" %12llu %14llu %12llu %14llu", (unsigned long long)in->packets,
	       (unsigned long long)in->bytes, (unsigned long long)eg->packets,
	       (unsigned long long)eg->bytes);
	if (pin)
		printf(" %10.0f %10.0f", rate(in->packets, pin->packets, secs),
		       rate(eg->packets, peg->packets, secs));
	printf("\n");
}

static void steer_col(const struct snapshot *s, unsigned slot, struct shunt_counter out[SHUNT_LANE_MAX])
{
	for (unsigned l = 0; l < SHUNT_LANE_MAX; l++)
		out[l] = s->steer[l][slot];
}

static void print_table(const struct snapshot *s, const struct snapshot *prev)
{
	const struct shunt_meta *m = &s->meta;
	double secs = prev ? (double)(s->at.tv_sec - prev->at.tv_sec) +
				     (double)(s->at.tv_nsec - prev->at.tv_nsec) / 1e9 :
			     0;
	long long up = (long long)(time(NULL) - (time_t)m->started_unix);
	static const struct shunt_counter zero[SHUNT_LANE_MAX];
	struct shunt_counter st[SHUNT_LANE_MAX];

	printf("shunt %s mode, pid %u, up %lldh%02lldm%02llds, config %s\n", mode_name(m->mode),
	       m->owner_pid, up / 3600, up / 60 % 60, up % 60, m->config);
	printf("interfaces:");
	for (unsigned i = 0; i < m->niface && i < SHUNT_MAX_IFACES; i++)
		printf(" %s=%s(%u)%s%s", m->iface[i].name, m->iface[i].ifname, m->iface[i].ifindex,
		       m->iface[i].flags & SHUNT_IFACE_TC_ATTACHED ? "" : "[tc not attached]",
		       !(m->iface[i].flags & SHUNT_IFACE_XDP_ATTACHED) ? "" :
		       m->iface[i].flags & SHUNT_IFACE_XDP_GENERIC	 ? "[xdp generic]" :
									   "[xdp native]");
	printf("\n\n%-20s %-7s", "", "");
	if (s->has_steer)
		printf(" %33s", "XDP steer: packets by lane taken");
	printf(" %27s %27s%s\n", "kernel lane in", "kernel lane out",
	       prev ? "   in pkt/s  out pkt/s" : "");
	printf("%-20s %-7s", "rule", "lane");
	if (s->has_steer)
		printf(" %11s %11s %9s", "fast", "kernel", "drop");
	printf(" %12s %14s %12s %14s\n", "packets", "bytes", "packets", "bytes");
	for (unsigned r = 0; r < m->nrules && r < SHUNT_MAX_RULES; r++) {
		steer_col(s, r, st);
		print_row(s->rule[r].name, lane_name(s->rule[r].lane), s, &s->rstat[0][r],
			  &s->rstat[1][r], prev ? &prev->rstat[0][r] : NULL,
			  prev ? &prev->rstat[1][r] : NULL, st, false, secs);
	}
	steer_col(s, SHUNT_RULE_NONE, st);
	print_row("(no rule matched)", "kernel", s, &s->rstat[0][SHUNT_RULE_NONE],
		  &s->rstat[1][SHUNT_RULE_NONE], prev ? &prev->rstat[0][SHUNT_RULE_NONE] : NULL,
		  prev ? &prev->rstat[1][SHUNT_RULE_NONE] : NULL, st, false, secs);
	if (s->has_steer) {
		steer_col(s, SHUNT_RULE_FLOW, st);
		print_row("(flow override)", "", s, &zero[0], &zero[0], NULL, NULL, st, false, secs);
	}
	printf("\n%-20s %-7s", "reason", "");
	if (s->has_steer)
		printf(" %33s", "XDP steer packets");
	printf(" %27s %27s\n", "kernel lane in", "kernel lane out");
	for (unsigned k = 1; k < SHUNT_REASON_MAX; k++)
		print_row(reason_names[k], "", s, &s->reason[0][k], &s->reason[1][k],
			  prev ? &prev->reason[0][k] : NULL, prev ? &prev->reason[1][k] : NULL,
			  &s->steer_reason[k], true, secs);
	print_table_fast(s, prev, secs);
}

static volatile sig_atomic_t stats_stop;

static void on_stats_signal(int sig)
{
	stats_stop = sig;
}

int cmd_stats(const struct stats_opts *o)
{
	struct snapshot *cur = calloc(2, sizeof(*cur)), *prev = NULL;
	struct sigaction sa = { .sa_handler = on_stats_signal };
	unsigned n = 0;
	int err = 0;

	if (!cur)
		return 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		struct snapshot *s = prev == cur ? cur + 1 : cur;

		err = take(o->bpffs, s);
		if (err)
			break;
		if (o->json)
			print_json(s);
		else
			print_table(s, prev);
		fflush(stdout);
		prev = s;
		if (!o->watch_sec || ++n == o->count || stats_stop)
			break;
		if (!o->json)
			printf("\n");
		sleep(o->watch_sec);
		if (stats_stop)
			break;
	}
	free(cur);
	return err ? 1 : 0;
}
