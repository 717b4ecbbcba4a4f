/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mapfill.h — fills the maps every shunt BPF object shares. */
#ifndef SHUNT_MAPFILL_H
#define SHUNT_MAPFILL_H

#include <bpf/libbpf.h>

#include "rules.h"

/* Writes the classifier image into the maps of obj (any shunt object).
 * Meant for fresh maps: written over an earlier image, it leaves that
 * image's entries the new one does not use (cls_iif keys, chunks and
 * leaves past its counts) in place, unreferenced, and a program running
 * meanwhile may see a mix of the two. */
int maps_write_image(struct bpf_object *obj, const struct cls_image *img);
/* Marks the gateway's own addresses in the dst tables obj's maps hold
 * (written by maps_write_image): cls_add_local on the tables read back,
 * then the chunks it added, then the entries that lead to them, so a
 * program reading the tables meanwhile sees every path whole. Returns how
 * many addresses were newly marked, or -errno (-E2BIG: more than
 * SHUNT_MAX_LOCAL_ADDRS). */
int maps_add_locals(struct bpf_object *obj, const struct cls_addr *addrs, unsigned n);
int maps_write_meta(struct bpf_object *obj, const struct shunt_meta *m);
/* Before load: no map of obj is pinned or reused from pins (preflight, tests). */
void maps_unpin_all(struct bpf_object *obj);

#endif
