// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * flow.c — `shunt flow add|del|list`: the exact 5-tuple overrides the XDP
 * steer program consults before the rules (pinned map `flows`, hybrid mode).
 *
 *   shunt flow add udp 198.18.1.2:40000 198.18.2.2:7000 kernel
 *   shunt flow add tcp [2001:db8:1::2]:5000 [2001:db8:2::2]:80 drop
 *   shunt flow add icmp 198.18.1.2 198.18.2.2 fast
 *   shunt flow del udp 198.18.1.2:40000 198.18.2.2:7000
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "pins.h"

static const char flow_usage[] =
	"usage: shunt flow add PROTO SRC DST LANE | del PROTO SRC DST | list\n"
	"  PROTO  tcp, udp, icmp, icmpv6 or a number; SRC/DST ADDR:PORT, [IPV6]:PORT,\n"
	"         or ADDR for protocols without ports; LANE fast, kernel or drop";

/* ADDR, ADDR:PORT or [IPV6]:PORT into family/addr/port (network order). */
static int parse_endpoint(const char *s, bool ports, __u8 *family, __u8 *addr, __be16 *port)
{
	char buf[INET6_ADDRSTRLEN + 16], *p = NULL;
	long v = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close)
			return -EINVAL;
		*close = '\0';
		if (close[1] == ':')
			p = close + 2;
		else if (close[1])
			return -EINVAL;
		memmove(buf, buf + 1, strlen(buf + 1) + 1);
	} else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':')) {
		p = strchr(buf, ':');
		*p++ = '\0';
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return -EINVAL;
	if (ports != (p != NULL))
		return -EINVAL;
	if (p) {
		char *end;

		v = strtol(p, &end, 10);
		if (end == p || *end || v < 0 || v > 65535)
			return -EINVAL;
	}
	*port = htons((uint16_t)v);
	return 0;
}

static int parse_key(char **argv, struct shunt_flow_key *k)
{
	int proto = proto_from_name(argv[0]);
	bool ports = proto == 6 || proto == 17;
	__u8 fam2 = 0;

	memset(k, 0, sizeof(*k));
	if (proto < 0) {
		log_error("unknown protocol \"%s\" — use tcp, udp, icmp, icmpv6 or a number 0-255", argv[0]);
		return -EINVAL;
	}
	k->proto = (__u8)proto;
	if (parse_endpoint(argv[1], ports, &k->family, k->saddr, &k->sport) ||
	    parse_endpoint(argv[2], ports, &fam2, k->daddr, &k->dport)) {
		log_error("bad endpoint in \"%s %s\" — write %s", argv[1], argv[2],
			  ports ? "ADDR:PORT or [IPV6]:PORT for tcp/udp" : "a bare address for this protocol");
		return -EINVAL;
	}
	if (k->family != fam2) {
		log_error("source and destination are not of one IP version");
		return -EINVAL;
	}
	return 0;
}

static void print_endpoint(const struct shunt_flow_key *k, const __u8 *addr, __be16 port, bool ports)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	if (!ports)
		printf("%s", a);
	else if (k->family == 6)
		printf("[%s]:%u", a, ntohs(port));
	else
		printf("%s:%u", a, ntohs(port));
}

static int flow_list(int fd)
{
	struct shunt_flow_key key, next;
	struct shunt_flow val;
	void *prev = NULL;
	unsigned n = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;
		bool ports = key.proto == 6 || key.proto == 17;

		printf("proto %-3u ", key.proto);
		print_endpoint(&key, key.saddr, key.sport, ports);
		printf(" -> ");
		print_endpoint(&key, key.daddr, key.dport, ports);
		printf("  lane %s\n", lane_name((enum shunt_lane)val.lane));
		n++;
	}
	printf("%u flow override(s)\n", n);
	return 0;
}

/*
 * The steer program skips the flows hash while flow_count[0] is 0. Set it
 * after an insert; clear it only when a delete left the map empty. (Two
 * CLIs racing a delete against an insert could clear it over a fresh
 * entry: the next add sets it again.)
 */
static void flow_gate(const char *bpffs, int flows_fd)
{
	__u32 zero = 0, on;
	struct shunt_flow_key k;
	char path[300];
	int fd;

	if (pins_path(path, sizeof(path), bpffs, "flow_count"))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		log_warn("no flow_count gate in %s: the steer program may ignore overrides — restart shunt run",
			 bpffs);
		return;
	}
	on = bpf_map_get_next_key(flows_fd, NULL, &k) == 0;
	if (bpf_map_update_elem(fd, &zero, &on, BPF_ANY))
		log_warn("cannot update flow_count: %s", strerror(errno));
	close(fd);
}

int cmd_flow(const char *bpffs, int argc, char **argv)
{
	struct shunt_flow_key k;
	struct shunt_flow v = { 0 };
	char path[300];
	int fd, err = 0;

	if (argc < 1 || (!strcmp(argv[0], "add") && argc != 5) || (!strcmp(argv[0], "del") && argc != 4) ||
	    (!strcmp(argv[0], "list") && argc != 1) ||
	    (strcmp(argv[0], "add") && strcmp(argv[0], "del") && strcmp(argv[0], "list"))) {
		fprintf(stderr, "%s\n", flow_usage);
		return 2;
	}
	if (pins_path(path, sizeof(path), bpffs, "flows"))
		return 1;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		log_error("no flows map in %s (%s) — flow overrides exist while `shunt run` runs in hybrid mode (under `ip netns exec`, use nsenter -t PID -m -n)",
			  bpffs, strerror(errno));
		return 1;
	}
	if (!strcmp(argv[0], "list")) {
		err = flow_list(fd);
	} else if (parse_key(argv + 1, &k)) {
		err = -EINVAL;
	} else if (!strcmp(argv[0], "add")) {
		int lane = !strcmp(argv[4], "kernel") ? SHUNT_LANE_KERNEL :
			   !strcmp(argv[4], "fast")   ? SHUNT_LANE_FAST :
			   !strcmp(argv[4], "drop")   ? SHUNT_LANE_DROP :
							-1;

		if (lane < 0) {
			log_error("lane \"%s\" is unknown — use fast, kernel or drop", argv[4]);
			err = -EINVAL;
		} else {
			v.lane = (__u8)lane;
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
				err = -errno;
			if (err == -E2BIG)
				log_error("the flows map is full (%d entries) — delete some overrides",
					  SHUNT_MAX_FLOWS);
		}
	} else if (bpf_map_delete_elem(fd, &k)) {
		err = -errno;
		if (err == -ENOENT)
			log_error("no such flow override");
	}
	if (err && err != -EINVAL && err != -ENOENT && err != -E2BIG)
		log_error("flows map: %s", strerror(-err));
	if (!err && strcmp(argv[0], "list"))
		flow_gate(bpffs, fd);
	close(fd);
	return err ? 1 : 0;
}
