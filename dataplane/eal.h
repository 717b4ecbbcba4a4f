/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * eal.h — DPDK EAL arguments derived from the config: the lcores are the
 * main core and the workers' cores (each worker pinned to exactly the core
 * the config names), hugepages or --no-huge with memory_mb, a file prefix
 * per instance (several EALs on one box), no PCI scan (ports are AF_XDP
 * vdevs), one --vdev per port, then the expert's eal_extra.
 */
#ifndef SHUNT_EAL_H
#define SHUNT_EAL_H

#include "config.h"
#include "vdev.h"

#define EAL_MAX_ARGS (16 + 2 * SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES)

struct eal_args {
	int argc;
	char *argv[EAL_MAX_ARGS + 1];
	char buf[16384]; /* backing store of argv's strings */
	size_t used;
};

/*
 * The workers' CPUs, distinct, in config order (first queue naming each):
 * worker w runs as lcore w + 1 on cpu[w]; lcore 0 is the control loop on
 * main_core. Returns the count, or -E2BIG past max.
 */
int eal_worker_cores(const struct shunt_config *cfg, unsigned *cpu, int max);

/*
 * Builds argv for rte_eal_init(): argv[0] is prog. file_prefix tells this
 * instance's runtime files apart (e.g. "shunt-<pid>"). Returns 0, or -E2BIG
 * when the arguments do not fit.
 */
int eal_args_build(const struct shunt_config *cfg, const struct afxdp_port *ports, int nports,
		   const char *prog, const char *file_prefix, struct eal_args *out);

#endif
