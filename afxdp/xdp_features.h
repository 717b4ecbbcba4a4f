/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdp_features.h — what XDP an interface's driver supports, as the kernel
 * reports it (generic netlink family "netdev", NETDEV_CMD_DEV_GET, kernels
 * >= 6.3): native XDP at all (basic), XDP_REDIRECT out of it (redirect),
 * being a redirect target (ndo_xmit), AF_XDP zero-copy (xsk_zerocopy), ...
 *
 * The bits are the kernel's enum netdev_xdp_act (include/uapi/linux/netdev.h),
 * which is ABI. They are named here because Debian 12's linux-libc-dev has no
 * <linux/netdev.h> at all, and a newer one may lack later attributes.
 */
#ifndef SHUNT_XDP_FEATURES_H
#define SHUNT_XDP_FEATURES_H

#include <stddef.h>
#include <stdint.h>

enum xdp_feature {
	XDP_FEAT_BASIC = 1 << 0,	/* NETDEV_XDP_ACT_BASIC: ABORTED, DROP, PASS, TX */
	XDP_FEAT_REDIRECT = 1 << 1,	/* NETDEV_XDP_ACT_REDIRECT: XDP_REDIRECT from it */
	XDP_FEAT_NDO_XMIT = 1 << 2,	/* NETDEV_XDP_ACT_NDO_XMIT: a redirect target */
	XDP_FEAT_XSK_ZEROCOPY = 1 << 3, /* NETDEV_XDP_ACT_XSK_ZEROCOPY */
	XDP_FEAT_HW_OFFLOAD = 1 << 4,	/* NETDEV_XDP_ACT_HW_OFFLOAD */
	XDP_FEAT_RX_SG = 1 << 5,	/* NETDEV_XDP_ACT_RX_SG: multi-buffer rx */
	XDP_FEAT_NDO_XMIT_SG = 1 << 6,	/* NETDEV_XDP_ACT_NDO_XMIT_SG */
};

/*
 * Fills *xdp_features (XDP_FEAT_* bits) and *zc_max_segs (the most buffers
 * of a zero-copy AF_XDP frame; 1 when the kernel predates the attribute, as
 * before 6.6 zero-copy had no multi-buffer). Either pointer may be NULL.
 * Returns 0 or -errno: -EOPNOTSUPP when the kernel has no "netdev" family
 * (before 6.3), -ENODEV for an unknown ifindex.
 */
int xdp_features_get(int ifindex, uint64_t *xdp_features, uint32_t *zc_max_segs);

/*
 * f as a comma-separated list in bit order ("basic,redirect,ndo_xmit"),
 * unknown bits as one hex value, "none" for 0. Truncates to len; returns buf.
 */
const char *xdp_features_str(uint64_t f, char *buf, size_t len);

#endif
