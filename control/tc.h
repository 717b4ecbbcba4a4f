/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tc.h — the kernel lane's clsact filters: attach with libbpf's tc API under
 * shunt's own handle and priority, remove only ours.
 */
#ifndef SHUNT_TC_H
#define SHUNT_TC_H

#include <stdbool.h>

/*
 * Attaches prog_in on clsact ingress and prog_eg on egress of ifindex,
 * creating clsact if needed (*created tells). On failure nothing of ours is
 * left on the interface. 0 or -errno (logged, naming ifname).
 */
int tc_attach(int ifindex, const char *ifname, int prog_in, int prog_eg, bool *created);

#define TC_DETACH_CLSACT (1u << 0) /* then remove clsact if no filter is left */
#define TC_DETACH_REAP (1u << 1)   /* not our run: refuse a live process's filters */
#define TC_DETACH_CLSACT_IF_REAPED (1u << 2) /* remove an empty clsact only if a
					       * dead run's filter was removed */

/*
 * Removes shunt's filters from ifindex (only filters whose program is one of
 * shunt's) and, as flags say, the clsact qdisc. With TC_DETACH_REAP, filters
 * whose program a live process still holds are refused with -EBUSY.
 * Returns the number of filters removed, or -errno of the first failure
 * (logged).
 */
int tc_detach(int ifindex, const char *ifname, unsigned flags);

/* Number of filters on clsact ingress (egress=false) or egress; -errno. */
int tc_filter_count(int ifindex, bool egress);

#endif
