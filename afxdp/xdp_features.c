// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xdp_features.h"

#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <time.h>

/*
 * The "netdev" generic netlink family, from the kernel's
 * include/uapi/linux/netdev.h (generated from
 * Documentation/netlink/specs/netdev.yaml; values are ABI). Named locally:
 * Debian 12's linux-libc-dev (6.1) ships no <linux/netdev.h>, and a header
 * from 6.3-6.5 would lack NETDEV_A_DEV_XDP_ZC_MAX_SEGS.
 */
#define NETDEV_GENL_NAME "netdev"  /* NETDEV_FAMILY_NAME */
#define NETDEV_GENL_VERSION 1	   /* NETDEV_FAMILY_VERSION */
#define NETDEV_GENL_CMD_DEV_GET 1  /* NETDEV_CMD_DEV_GET */
#define NETDEV_GENL_A_IFINDEX 1	   /* NETDEV_A_DEV_IFINDEX, u32 */
#define NETDEV_GENL_A_XDP_FEATURES 3 /* NETDEV_A_DEV_XDP_FEATURES, u64 */
#define NETDEV_GENL_A_ZC_MAX_SEGS 4  /* NETDEV_A_DEV_XDP_ZC_MAX_SEGS, u32 (6.6+) */

struct genl_conn {
	struct mnl_socket *nl;
	unsigned portid, seq;
};

/* Sends nlh and runs cb on every reply until the ack; 0 or -errno. */
static int genl_talk(struct genl_conn *c, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	nlh->nlmsg_seq = ++c->seq;
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = (int)mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)ret, c->seq, c->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *genl_put(char *buf, uint16_t type, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int family_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

/* The family's id, or -EOPNOTSUPP when the kernel does not have it. */
static int genl_family_id(struct genl_conn *c, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_put(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	uint16_t id = 0;
	int err;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = genl_talk(c, nlh, family_cb, &id);
	if (err == -ENOENT)
		return -EOPNOTSUPP;
	if (err)
		return err;
	return id ? id : -EPROTO;
}

struct dev_reply {
	uint64_t features;
	uint32_t zc_max_segs;
	int have_features;
};

static int dev_attr_cb(const struct nlattr *a, void *data)
{
	struct dev_reply *r = data;

	switch (mnl_attr_get_type(a)) {
	case NETDEV_GENL_A_XDP_FEATURES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		r->features = mnl_attr_get_u64(a);
		r->have_features = 1;
		break;
	case NETDEV_GENL_A_ZC_MAX_SEGS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		r->zc_max_segs = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dev_attr_cb, data);
}

int xdp_features_get(int ifindex, uint64_t *xdp_features, uint32_t *zc_max_segs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dev_reply r = { .zc_max_segs = 1 };
	struct genl_conn c = { .seq = (unsigned)time(NULL) };
	struct nlmsghdr *nlh;
	int id, err;

	if (ifindex <= 0)
		return -ENODEV;
	c.nl = mnl_socket_open(NETLINK_GENERIC);
	if (!c.nl)
		return -errno;
	if (mnl_socket_bind(c.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	c.portid = mnl_socket_get_portid(c.nl);
	id = genl_family_id(&c, NETDEV_GENL_NAME);
	if (id < 0) {
		err = id;
		goto out;
	}
	nlh = genl_put(buf, (uint16_t)id, NETDEV_GENL_CMD_DEV_GET, NETDEV_GENL_VERSION);
	mnl_attr_put_u32(nlh, NETDEV_GENL_A_IFINDEX, (uint32_t)ifindex);
	err = genl_talk(&c, nlh, dev_cb, &r);
	if (!err && !r.have_features)
		err = -EPROTO;
	if (!err) {
		if (xdp_features)
			*xdp_features = r.features;
		if (zc_max_segs)
			*zc_max_segs = r.zc_max_segs;
	}
out:
	mnl_socket_close(c.nl);
	return err;
}

const char *xdp_features_str(uint64_t f, char *buf, size_t len)
{
	static const char *const names[] = {
		"basic", "redirect", "ndo_xmit", "xsk_zerocopy", "hw_offload", "rx_sg", "ndo_xmit_sg",
	};
	const uint64_t known = (1ull << (sizeof(names) / sizeof(names[0]))) - 1;
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!f) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++)
		if (f & (1ull << i))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "", names[i]);
	if ((f & ~known) && off < len)
		snprintf(buf + off, len - off, "%s%#" PRIx64, off ? "," : "", f & ~known);
	return buf;
}
