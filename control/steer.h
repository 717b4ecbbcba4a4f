/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * steer.h — the XDP steer object, one loaded copy per interface (each with
 * its own xsks_map; every other map is the one pinned instance).
 */
#ifndef SHUNT_STEER_H
#define SHUNT_STEER_H

#include <stdint.h>

#include <bpf/libbpf.h>

struct steer_bpf;

/* Opens and loads a copy for the interface in heartbeat row slot; maps are
 * pinned under bpffs (NULL: not pinned, for preflight and tests). */
struct steer_bpf *steer_load(const char *bpffs, uint32_t slot, uint64_t heartbeat_ns);
void steer_destroy(struct steer_bpf *skel);
/* Frames longer than max_len (0: any) stay on the kernel lane. */
void steer_set_fast_max_len(struct steer_bpf *skel, uint32_t max_len);
int steer_prog_fd(const struct steer_bpf *skel);
struct bpf_object *steer_object(const struct steer_bpf *skel);

/* Marks every address of this network namespace (and the IPv4 broadcast
 * addresses) as the gateway's own in the dst tables obj's maps hold, which
 * must be written already (maps_write_image): steer keeps traffic for them
 * on the kernel lane. Link-local and loopback ones need no mark (steer's
 * link-local test keeps them). Returns how many addresses, or -errno. */
int steer_fill_local_addrs(struct bpf_object *obj);

#endif
