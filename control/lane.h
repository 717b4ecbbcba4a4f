/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lane.h — the kernel lane's BPF object (lane.bpf.c): open with shunt's pin
 * directory, load, fill the shared maps, publish the run's meta.
 */
#ifndef SHUNT_LANE_H
#define SHUNT_LANE_H

#include <bpf/libbpf.h>

#include "mapfill.h"

struct lane_bpf;

/* Opens and loads the lane object with its maps pinned under bpffs (NULL:
 * not pinned, for preflight). Returns the skeleton or NULL (logged). */
struct lane_bpf *lane_load(const char *bpffs);
void lane_destroy(struct lane_bpf *skel);
int lane_prog_fd(const struct lane_bpf *skel, bool egress);
struct bpf_object *lane_object(const struct lane_bpf *skel);

#endif
