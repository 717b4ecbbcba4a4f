// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "steer.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include <bpf/bpf.h>

#include "log.h"
#include "mapfill.h"
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

int steer_prog_fd(const struct steer_bpf *skel)
{
	return bpf_program__fd(skel->progs.xsk_def_prog);
}

struct bpf_object *steer_object(const struct steer_bpf *skel)
{
	return skel->obj;
}

static int add_addr(int fd, const struct sockaddr *sa)
{
	struct shunt_addr a = { 0 };
	__u8 one = 1;

	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		a.family = 4;
		memcpy(a.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		a.family = 6;
		memcpy(a.addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return 0;
	}
	return bpf_map_update_elem(fd, &a, &one, BPF_ANY) ? -errno : 1;
}

int steer_fill_local_addrs(struct bpf_object *obj)
{
	int fd = bpf_object__find_map_fd_by_name(obj, "local_addrs");
	struct ifaddrs *ifa, *i;
	int n = 0, r;

	if (fd < 0)
		return fd;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		r = add_addr(fd, i->ifa_addr);
		if (r >= 0 && i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    i->ifa_broadaddr && (i->ifa_flags & 0x2 /* IFF_BROADCAST */))
			r = r < 0 ? r : r + add_addr(fd, i->ifa_broadaddr);
		if (r < 0) {
			log_error("cannot fill local_addrs: %s (more than %d addresses?)", strerror(-r),
				  SHUNT_MAX_LOCAL_ADDRS);
			freeifaddrs(ifa);
			return r;
		}
		n += r;
	}
	freeifaddrs(ifa);
	return n;
}
