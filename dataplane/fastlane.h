/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fastlane.h — the DPDK forwarder as `shunt run` drives it in hybrid mode.
 *
 * fastlane_start(): EAL from the config (the calling thread becomes the main
 * lcore, pinned to main_core), one mbuf pool, one net_af_xdp port per
 * configured (interface, queue) — libxdp registers each socket in the
 * attached steer program's xsks_map — the route tables fed from the kernel,
 * the /shunt/... telemetry commands, then the workers on their cores.
 * fastlane_poll(): one step of the control loop. fastlane_stop(): workers
 * stop, ports close (the PMD detaches the XDP program as they do), EAL goes.
 *
 * EAL can start once per process: after fastlane_start() fails or
 * fastlane_stop() ran, this process cannot start another fast lane.
 */
#ifndef SHUNT_FASTLANE_H
#define SHUNT_FASTLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct fastlane;

/* The steer object's pinned maps the forwarder writes. */
struct fastlane_maps {
	int heartbeat_fd;
	int lcores_fd; /* fast_lcores (mmapped) */
	int ports_fd;  /* fast_ports */
};

/*
 * ifindex[i] and xdp_generic[i] describe cfg->iface[i] as attached.
 * Returns NULL after logging what failed and undoing what it did.
 */
struct fastlane *fastlane_start(const struct shunt_config *cfg, const uint32_t *ifindex,
				const bool *xdp_generic, const struct fastlane_maps *maps);
/* Waits up to timeout_ms for route changes and applies them; refreshes the
 * port counters. Returns 0, or -errno when a worker died (logged). */
int fastlane_poll(struct fastlane *fl, int timeout_ms);
void fastlane_stop(struct fastlane *fl);

/* Where EAL keeps a run's files: FASTLANE_RUNTIME_DIR/shunt-PID (the EAL
 * file prefix, also what `dpdk-telemetry.py -f` takes). */
#define FASTLANE_RUNTIME_DIR "/var/run/dpdk"
/* EAL leaves its runtime files (config, sockets) behind: removes dir if it
 * is one of shunt's (FASTLANE_RUNTIME_DIR/shunt-*). */
void fastlane_rm_runtime_dir(const char *dir);
/* Removes the files of a run (pid) that did not exit. */
void fastlane_reap(int pid);
/* ... of every run whose pid is no longer a shunt. */
void fastlane_reap_dead(void);

#endif /* SHUNT_FASTLANE_H */
