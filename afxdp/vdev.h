/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vdev.h — the net_af_xdp ports the fast lane opens: one vdev per configured
 * (interface, queue), created WITHOUT xdp_prog. The control plane has already
 * attached the steer program, and libxdp (which the PMD uses to create its
 * sockets) adopts it and registers each socket in its xsks_map
 * (ARCHITECTURE.md, "Handing the steer program to DPDK"). One vdev per queue
 * also works where the driver reports no combined channels (veth), which the
 * PMD's own queue_count > 1 path needs.
 */
#ifndef SHUNT_VDEV_H
#define SHUNT_VDEV_H

#include "config.h"

struct afxdp_port {
	char name[48];  /* vdev name: net_af_xdp_<ifname>_q<queue> */
	char args[160]; /* devargs: iface=..,start_queue=..,queue_count=1[,busy_budget=0] */
	unsigned iface; /* index into cfg->iface */
	unsigned queue;
	unsigned core;  /* worker core polling it */
};

/* The ports of cfg in config order. Returns the count, or -E2BIG past max. */
int afxdp_ports(const struct shunt_config *cfg, struct afxdp_port *out, int max);

#endif
