// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "xsk_diag.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>
#include <linux/xdp_diag.h>
#include <sys/socket.h>
#include <time.h>

#ifndef AF_XDP
#define AF_XDP 44 /* include/linux/socket.h; glibc < 2.27 lacks it */
#endif

struct dump {
	struct xsk_diag *out;
	int max, count;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct xsk_diag *d = data;

	switch (mnl_attr_get_type(a)) {
	case XDP_DIAG_INFO: {
		const struct xdp_diag_info *di;

		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC, sizeof(*di)) < 0)
			return MNL_CB_ERROR;
		di = mnl_attr_get_payload(a);
		d->ifindex = di->ifindex;
		d->queue = di->queue_id;
		break;
	}
	case XDP_DIAG_UMEM: {
		const struct xdp_diag_umem *du;

		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC, sizeof(*du)) < 0)
			return MNL_CB_ERROR;
		du = mnl_attr_get_payload(a);
		d->zerocopy = du->flags & XDP_DU_F_ZEROCOPY;
		break;
	}
	case XDP_DIAG_STATS: {
		const struct xdp_diag_stats *ds;

		if (mnl_attr_validate2(a, MNL_TYPE_UNSPEC, sizeof(*ds)) < 0)
			return MNL_CB_ERROR;
		ds = mnl_attr_get_payload(a);
		d->rx_dropped = ds->n_rx_dropped;
		d->rx_invalid = ds->n_rx_invalid;
		d->tx_invalid = ds->n_tx_invalid;
		d->rx_full = ds->n_rx_full;
		d->fill_ring_empty = ds->n_fill_ring_empty;
		d->tx_ring_empty = ds->n_tx_ring_empty;
		break;
	}
	}
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *dp = data;
	const struct xdp_diag_msg *m;
	struct xsk_diag d = { 0 };

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->xdiag_family != AF_XDP)
		return MNL_CB_OK;
	d.ino = m->xdiag_ino;
	if (mnl_attr_parse(nlh, sizeof(*m), attr_cb, &d) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	/* the whole dump is read either way: a short answer is -E2BIG */
	if (dp->count < dp->max)
		dp->out[dp->count] = d;
	dp->count++;
	return MNL_CB_OK;
}

int xsk_diag_list(struct xsk_diag *out, int max)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct dump dp = { .out = out, .max = max < 0 ? 0 : max };
	struct xdp_diag_req *req;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned seq = (unsigned)time(NULL), portid;
	int ret;

	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_XDP;
	req->xdiag_show = XDP_SHOW_INFO | XDP_SHOW_UMEM | XDP_SHOW_STATS;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			break;
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, msg_cb, &dp);
	} while (ret > MNL_CB_STOP);
	if (ret < 0) {
		/*
		 * sock_diag answers ENOENT when no handler registered for the
		 * family: a kernel without CONFIG_XDP_SOCKETS_DIAG (or one whose
		 * xsk_diag module could not be loaded).
		 */
		ret = errno == ENOENT ? -EOPNOTSUPP : -errno;
		goto out;
	}
	ret = dp.count > dp.max ? -E2BIG : dp.count;
out:
	mnl_socket_close(nl);
	return ret;
}
