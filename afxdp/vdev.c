// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "vdev.h"

#include <errno.h>
#include <stdio.h>

int afxdp_ports(const struct shunt_config *cfg, struct afxdp_port *out, int max)
{
	int n = 0;

	for (unsigned i = 0; i < cfg->niface; i++) {
		const struct cfg_iface *ifc = &cfg->iface[i];

		for (unsigned q = 0; q < ifc->nqueues; q++) {
			struct afxdp_port *p = &out[n];

			if (n >= max)
				return -E2BIG;
			p->iface = i;
			p->queue = ifc->queue[q].id;
			p->core = ifc->queue[q].core;
			snprintf(p->name, sizeof(p->name), "net_af_xdp_%s_q%u", ifc->ifname, p->queue);
			/* busy polling only pays when workers poll; adaptive idles */
			snprintf(p->args, sizeof(p->args), "iface=%s,start_queue=%u,queue_count=1%s",
				 ifc->ifname, p->queue,
				 cfg->dp.idle == IDLE_ADAPTIVE ? ",busy_budget=0" : "");
			n++;
		}
	}
	return n;
}
