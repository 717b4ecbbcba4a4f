// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xdp.h"

#include <errno.h>
#include <linux/if_link.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "pins.h"

#define SHUNT_STEER_MARK_MAP "steer_reasons"

bool xdp_prog_is_shunt(unsigned prog_id)
{
	__u32 map_ids[64], len;
	struct bpf_prog_info info;
	bool ours = false;
	int fd = bpf_prog_get_fd_by_id(prog_id);

	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		for (__u32 i = 0; i < info.nr_map_ids && i < 64 && !ours; i++) {
			struct bpf_map_info mi;
			__u32 mlen = sizeof(mi);
			int mfd = bpf_map_get_fd_by_id(map_ids[i]);

			if (mfd < 0)
				continue;
			memset(&mi, 0, sizeof(mi));
			if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0)
				ours = !strcmp(mi.name, SHUNT_STEER_MARK_MAP);
			close(mfd);
		}
	}
	close(fd);
	return ours;
}

/* The program attached to ifindex now (any mode): id and whether generic. */
static unsigned attached(int ifindex, bool *generic)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*generic = false;
	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (q.attach_mode == XDP_ATTACHED_SKB)
		*generic = true;
	return q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
}

static const char *prog_name(unsigned id, char *buf, size_t len)
{
	struct bpf_prog_info info;
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, len, "?");
	if (fd < 0)
		return buf;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "%s", info.name);
	close(fd);
	return buf;
}

/* Is the program at old_id a dead run's steer program we may replace?
 * 0 yes, -EBUSY live, -EEXIST someone else's (all logged). */
static int check_replaceable(const char *ifname, unsigned old_id)
{
	char name[32];
	pid_t holder;

	if (!xdp_prog_is_shunt(old_id)) {
		log_error("%s already has an XDP program (\"%s\", id %u) that is not shunt's — detach it (ip link set dev %s xdp off) if it may go, or take %s out of the config",
			  ifname, prog_name(old_id, name, sizeof(name)), old_id, ifname, ifname);
		return -EEXIST;
	}
	holder = bpf_prog_holder(old_id);
	if (holder) {
		log_error("%s: shunt's steer program (id %u) belongs to a running process (pid %d) — stop it first (kill -TERM %d)",
			  ifname, old_id, (int)holder, (int)holder);
		return -EBUSY;
	}
	return 0;
}

static int attach_mode(int ifindex, const char *ifname, int prog_fd, bool generic, unsigned old_id,
		       bool old_generic)
{
	__u32 mode = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int old_fd = -1, err;

	if (old_id && old_generic == generic) {
		/* same mode: swap in one step, traffic never goes unsteered */
		old_fd = bpf_prog_get_fd_by_id(old_id);
		if (old_fd < 0)
			return -errno;
		opts.old_prog_fd = old_fd;
		err = bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_REPLACE, &opts);
		close(old_fd);
		if (!err)
			log_warn("%s: replaced the steer program a killed shunt run left (id %u)", ifname,
				 old_id);
		return err;
	}
	if (old_id) {
		/* other mode: the kernel cannot swap across modes; remove, then attach */
		err = bpf_xdp_detach(ifindex, old_generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE, NULL);
		if (err)
			return err;
		log_warn("%s: removed the steer program a killed shunt run left (id %u, other XDP mode)",
			 ifname, old_id);
	}
	return bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
}

int xdp_attach(int ifindex, const char *ifname, int prog_fd, enum xdp_attach_mode mode,
	       bool *generic)
{
	bool old_generic;
	unsigned old_id = attached(ifindex, &old_generic);
	int err;

	if (old_id && (err = check_replaceable(ifname, old_id)))
		return err;
	*generic = mode == XDP_MODE_GENERIC;
	err = attach_mode(ifindex, ifname, prog_fd, *generic, old_id, old_generic);
	if (err && mode == XDP_MODE_AUTO) {
		log_warn("%s: native XDP failed (%s): using generic XDP, which is slower — use a driver with native XDP for production",
			 ifname, strerror(-err));
		*generic = true;
		old_id = attached(ifindex, &old_generic);
		err = attach_mode(ifindex, ifname, prog_fd, true, old_id, old_generic);
	}
	if (err == -EOPNOTSUPP && mode == XDP_MODE_NATIVE)
		log_error("%s: the driver has no native XDP (%s) — set xdp_mode = \"generic\" (or \"auto\") for this interface",
			  ifname, strerror(-err));
	else if (err)
		log_error("%s: cannot attach the steer program (%s XDP): %s", ifname,
			  *generic ? "generic" : "native", strerror(-err));
	return err;
}

int xdp_detach(int ifindex, const char *ifname, int prog_fd, bool generic)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	__u32 mode = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int err = bpf_xdp_detach(ifindex, mode | XDP_FLAGS_REPLACE, &opts);

	bool g;

	/* nothing attached any more: DPDK's PMD detaches when its ports close */
	if (err == -EEXIST && !attached(ifindex, &g))
		return 0;
	/* -EEXIST: someone replaced ours meanwhile; theirs stays */
	if (err && err != -EEXIST && err != -ENODEV) {
		log_error("%s: cannot detach the steer program: %s", ifname, strerror(-err));
		return err;
	}
	if (err == -EEXIST)
		log_warn("%s: the XDP program is no longer shunt's: left in place", ifname);
	return 0;
}

int xdp_reap(int ifindex, const char *ifname)
{
	bool generic;
	unsigned id = attached(ifindex, &generic);
	int err, fd;

	if (!id || !xdp_prog_is_shunt(id))
		return 0;
	err = check_replaceable(ifname, id);
	if (err)
		return err;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	err = xdp_detach(ifindex, ifname, fd, generic);
	close(fd);
	return err ? err : 1;
}
