/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mapfill.h — fills the maps every shunt BPF object shares. */
#ifndef SHUNT_MAPFILL_H
#define SHUNT_MAPFILL_H

#include <bpf/libbpf.h>

#include "rules.h"

/* Writes the classifier image into the maps of obj (any shunt object).
 * The maps must be fresh: entries of an earlier image are not removed. */
int maps_write_image(struct bpf_object *obj, const struct cls_image *img);
int maps_write_meta(struct bpf_object *obj, const struct shunt_meta *m);
/* Before load: no map of obj is pinned or reused from pins (preflight, tests). */
void maps_unpin_all(struct bpf_object *obj);

#endif
