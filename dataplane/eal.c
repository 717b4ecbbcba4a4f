// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "eal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int add(struct eal_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add(struct eal_args *a, const char *fmt, ...)
{
	size_t room = sizeof(a->buf) - a->used;
	va_list ap;
	int n;

	if (a->argc >= EAL_MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

int eal_worker_cores(const struct shunt_config *cfg, unsigned *cpu, int max)
{
	int n = 0;

	for (unsigned i = 0; i < cfg->niface; i++)
		for (unsigned q = 0; q < cfg->iface[i].nqueues; q++) {
			unsigned c = cfg->iface[i].queue[q].core;
			int j;

			for (j = 0; j < n && cpu[j] != c; j++)
				;
			if (j < n)
				continue;
			if (n >= max)
				return -E2BIG;
			cpu[n++] = c;
		}
	return n;
}

int eal_args_build(const struct shunt_config *cfg, const struct afxdp_port *ports, int nports,
		   const char *prog, const char *file_prefix, struct eal_args *out)
{
	unsigned cpu[SHUNT_MAX_WORKERS];
	char lcores[16 * (SHUNT_MAX_WORKERS + 1)];
	int nw = eal_worker_cores(cfg, cpu, SHUNT_MAX_WORKERS), err;
	size_t len;

	(void)ports;
	memset(out, 0, sizeof(*out));
	if (nw < 0)
		return nw;
	/* lcore ids are ours, CPUs the config's: lcore 0 is the control loop on
	 * main_core, lcore w+1 the w-th worker on its core. Mapping them lets a
	 * worker share main_core (idle = adaptive) and CPUs past RTE_MAX_LCORE. */
	len = (size_t)snprintf(lcores, sizeof(lcores), "0@%d", cfg->dp.main_core);
	for (int w = 0; w < nw; w++)
		len += (size_t)snprintf(lcores + len, sizeof(lcores) - len, ",%d@%u", w + 1, cpu[w]);

	err = add(out, "%s", prog);
	err = err ?: add(out, "--lcores=%s", lcores);
	err = err ?: add(out, "--main-lcore=0");
	err = err ?: add(out, "--file-prefix=%s", file_prefix);
	err = err ?: add(out, "--no-pci");
	if (!cfg->dp.hugepages) {
		err = err ?: add(out, "--no-huge");
		err = err ?: add(out, "-m");
		err = err ?: add(out, "%u", cfg->dp.memory_mb);
	} else {
		err = err ?: add(out, "--socket-mem=%u", cfg->dp.memory_mb);
		/* no hugepage files left behind, even by a killed run (shunt
		 * runs no DPDK secondary process that would map them) */
		err = err ?: add(out, "--huge-unlink");
	}
	for (int i = 0; i < nports && !err; i++) {
		err = add(out, "--vdev");
		err = err ?: add(out, "%s,%s", ports[i].name, ports[i].args);
	}
	/* EAL and the PMD log every step at info; experts can raise it again */
	err = err ?: add(out, "--log-level=notice");
	for (unsigned i = 0; i < cfg->dp.n_eal_extra && !err; i++)
		err = add(out, "%s", cfg->dp.eal_extra[i]);
	return err;
}
