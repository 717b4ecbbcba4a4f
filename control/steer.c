// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "steer.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "log.h"
#include "mapfill.h"
#include "rules.h"
#include "shunt_abi.h"
#include "steer.skel.h"

struct steer_bpf *steer_load(const char *bpffs, uint32_t slot, uint64_t heartbeat_ns)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct steer_bpf *skel = steer_bpf__open_opts(&opts);
	int err;

	if (!skel) {
		log_error("cannot open the XDP steer object: %s", strerror(errno));
		return NULL;
	}
	if (!bpffs)
		maps_unpin_all(skel->obj);
	skel->rodata->iface_slot = slot;
	skel->rodata->heartbeat_ns = heartbeat_ns;
	err = steer_bpf__load(skel);
	if (err) {
		log_error("cannot load the XDP steer program: %s — run with -v to see libbpf's and the verifier's log",
			  strerror(-err));
		steer_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

void steer_destroy(struct steer_bpf *skel)
{
	steer_bpf__destroy(skel);
}

void steer_set_fast_max_len(struct steer_bpf *skel, uint32_t max_len)
{
	/* .bss is mmapped: the program sees the store at once */
	__atomic_store_n(&skel->bss->fast_max_len, max_len, __ATOMIC_RELAXED);
}

int steer_prog_fd(const struct steer_bpf *skel)
{
	return bpf_program__fd(skel->progs.xsk_def_prog);
}

struct bpf_object *steer_object(const struct steer_bpf *skel)
{
	return skel->obj;
}

/* Returns 1 for an IP address, appended to list unless it needs no mark,
 * 0 for anything else, -E2BIG when list is full. Link-local and loopback
 * addresses need none: steer's link-local test keeps traffic for them on
 * the kernel lane before it looks at the mark (kernel_only_dest), and
 * marking them would spend the tables' chunks for nothing (an fe80:: host
 * entry takes 14 of them). */
static int add_addr(struct cls_addr *list, unsigned *n, const struct sockaddr *sa)
{
	struct cls_addr a = { 0 };

	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		a.family = 4;
		memcpy(a.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		if (a.addr[0] == 127 || (a.addr[0] == 169 && a.addr[1] == 254))
			return 1;
	} else if (sa->sa_family == AF_INET6) {
		static const uint8_t loopback[16] = { [15] = 1 };

		a.family = 6;
		memcpy(a.addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		if ((a.addr[0] == 0xfe && (a.addr[1] & 0xc0) == 0x80) || !memcmp(a.addr, loopback, 16))
			return 1;
	} else {
		return 0;
	}
	if (*n >= SHUNT_MAX_LOCAL_ADDRS * 2)
		return -E2BIG;
	list[(*n)++] = a;
	return 1;
}

int steer_fill_local_addrs(struct bpf_object *obj)
{
	/* twice the limit: the same address may sit on several interfaces */
	struct cls_addr *list = calloc(SHUNT_MAX_LOCAL_ADDRS * 2, sizeof(*list));
	struct ifaddrs *ifa, *i;
	unsigned nlist = 0;
	int n = 0, r = 0;

	if (!list)
		return -ENOMEM;
	if (getifaddrs(&ifa)) {
		r = -errno;
		free(list);
		return r;
	}
	for (i = ifa; i && r >= 0; i = i->ifa_next) {
		r = add_addr(list, &nlist, i->ifa_addr);
		n += r > 0;
		if (r >= 0 && i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    i->ifa_broadaddr && (i->ifa_flags & 0x2 /* IFF_BROADCAST */)) {
			r = add_addr(list, &nlist, i->ifa_broadaddr);
			n += r > 0;
		}
	}
	freeifaddrs(ifa);
	if (r >= 0)
		r = maps_add_locals(obj, list, nlist);
	free(list);
	if (r < 0) {
		log_error("cannot mark the gateway's addresses in the dst tables: %s (more than %d addresses?)",
			  strerror(-r), SHUNT_MAX_LOCAL_ADDRS);
		return r;
	}
	return n;
}
