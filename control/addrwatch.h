/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * addrwatch.h — follows the gateway's own addresses while shunt runs.
 *
 * The addresses the gateway has at start are flags in the steer program's
 * dst tables (control/steer.c). One added later would otherwise take the
 * fast lane when a fast rule matches it, and the forwarder cannot deliver
 * to the gateway itself: the watcher puts it in the pinned local_extra map,
 * which steer consults (behind a count gate) to keep it on the kernel lane,
 * and takes it out again when the address goes. An address removed that
 * was in the tables stays flagged until the next start, which is harmless:
 * the kernel lane forwards it like any other.
 */
#ifndef SHUNT_ADDRWATCH_H
#define SHUNT_ADDRWATCH_H

#include <bpf/libbpf.h>

struct addrwatch;

/* Subscribes to address changes (do it before the tables are built, so
 * that nothing added meanwhile is missed). NULL after logging why. */
struct addrwatch *addrwatch_open(void);
/* The steer object whose pinned local_extra maps it fills. */
int addrwatch_bind(struct addrwatch *aw, struct bpf_object *steer_obj);
/* Readable when addrwatch_poll() has work. */
int addrwatch_fd(const struct addrwatch *aw);
/* Applies the pending changes; never blocks. */
void addrwatch_poll(struct addrwatch *aw);
void addrwatch_close(struct addrwatch *aw);

#endif
