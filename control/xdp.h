/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdp.h — attaching the steer program: native or generic as configured,
 * replacing a killed run's program atomically, never anyone else's.
 */
#ifndef SHUNT_XDP_H
#define SHUNT_XDP_H

#include <stdbool.h>

#include "config.h"

/* Is BPF program prog_id one of shunt's steer programs (it uses a map
 * named steer_reasons)? */
bool xdp_prog_is_shunt(unsigned prog_id);

/*
 * Attaches prog_fd as ifname's XDP program in mode (auto: native, else
 * generic with a warning). A shunt steer program left by a dead run is
 * replaced atomically; one held by a live process, or any other program,
 * is an error that says what to do. *generic tells the mode in use.
 * 0 or -errno (logged).
 */
int xdp_attach(int ifindex, const char *ifname, int prog_fd, enum xdp_attach_mode mode,
	       bool *generic);

/* Detaches prog_fd from ifindex if it is still the attached program. */
int xdp_detach(int ifindex, const char *ifname, int prog_fd, bool generic);

/* Detaches a dead run's steer program from ifindex (none attached: 0; one
 * a live process holds: -EBUSY; not shunt's: left, 0). Returns 1 if removed. */
int xdp_reap(int ifindex, const char *ifname);

#endif
