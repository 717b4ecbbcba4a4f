// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "tc.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "log.h"
#include "pins.h"
#include "shunt_abi.h"

#define SHUNT_PROG_PREFIX "shunt_"

static const char *dir_name(enum bpf_tc_attach_point ap)
{
	return ap == BPF_TC_INGRESS ? "ingress" : "egress";
}

/* Is the filter at our handle/priority running one of shunt's programs?
 * 1 yes (*prog_id set), 0 no filter there, -EEXIST someone else's. */
static int ours_at(struct bpf_tc_hook *hook, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = SHUNT_TC_HANDLE, .priority = SHUNT_TC_PRIO);
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, err;

	err = bpf_tc_query(hook, &q);
	if (err)
		return 0; /* -ENOENT, or no clsact at all */
	*prog_id = q.prog_id;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return -EEXIST;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return -EEXIST;
	return strncmp(info.name, SHUNT_PROG_PREFIX, strlen(SHUNT_PROG_PREFIX)) ? -EEXIST : 1;
}

/* Removes shunt's filter from one hook: 1 removed, 0 none there. reap: the
 * caller is not the run that attached it, so a filter whose program a live
 * process holds (another shunt run) is refused with -EBUSY. */
static int detach_one(int ifindex, const char *ifname, enum bpf_tc_attach_point ap, bool reap)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = ap);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SHUNT_TC_HANDLE, .priority = SHUNT_TC_PRIO);
	__u32 prog_id = 0;
	int ours = ours_at(&hook, &prog_id), err;
	pid_t holder;

	if (ours == 0)
		return 0;
	if (ours < 0) {
		log_warn("%s: the tc %s filter at shunt's handle %#x prio %#x runs a program that is not shunt's — left in place",
			 ifname, dir_name(ap), SHUNT_TC_HANDLE, SHUNT_TC_PRIO);
		return 0;
	}
	if (reap && (holder = bpf_prog_holder(prog_id))) {
		log_error("%s: shunt's tc %s filter belongs to a running process (pid %d) — stop it first (kill -TERM %d)",
			  ifname, dir_name(ap), (int)holder, (int)holder);
		return -EBUSY;
	}
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT) {
		log_error("%s: cannot remove shunt's tc %s filter: %s", ifname, dir_name(ap), strerror(-err));
		return err;
	}
	log_debug("%s: removed tc %s filter", ifname, dir_name(ap));
	return 1;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)data)++;
	return MNL_CB_OK;
}

int tc_filter_count(int ifindex, bool egress)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	unsigned seq = (unsigned)time(NULL), portid;
	int count = 0, ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(nl);
		return ret;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		mnl_socket_close(nl);
		return ret;
	}
	while ((ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, filter_cb, &count);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0)
		ret = -errno;
	mnl_socket_close(nl);
	return ret < 0 ? ret : count;
}

/* Destroying clsact removes every filter on it: only when none is left. */
static int remove_clsact_if_empty(int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err;

	if (tc_filter_count(ifindex, false) != 0 || tc_filter_count(ifindex, true) != 0) {
		log_info("%s: clsact qdisc kept: other tc filters use it", ifname);
		return 0;
	}
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -EINVAL) {
		log_error("%s: cannot remove the clsact qdisc shunt created: %s", ifname,
			  strerror(-err));
		return err;
	}
	log_debug("%s: removed clsact qdisc", ifname);
	return 0;
}

int tc_detach(int ifindex, const char *ifname, unsigned flags)
{
	bool reap = flags & TC_DETACH_REAP;
	int in = detach_one(ifindex, ifname, BPF_TC_INGRESS, reap);
	int eg = detach_one(ifindex, ifname, BPF_TC_EGRESS, reap);
	int err;

	if (in < 0 || eg < 0)
		return in < 0 ? in : eg;
	if ((flags & TC_DETACH_CLSACT) || ((flags & TC_DETACH_CLSACT_IF_REAPED) && in + eg > 0)) {
		err = remove_clsact_if_empty(ifindex, ifname);
		if (err)
			return err;
	}
	return in + eg;
}

int tc_attach(int ifindex, const char *ifname, int prog_in, int prog_eg, bool *created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	const struct {
		enum bpf_tc_attach_point ap;
		int fd;
	} hooks[] = { { BPF_TC_INGRESS, prog_in }, { BPF_TC_EGRESS, prog_eg } };
	int err;

	*created = false;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("%s: cannot create the clsact qdisc: %s — is tc/clsact supported on this interface?",
			  ifname, strerror(-err));
		return err;
	}
	*created = err == 0;
	for (unsigned i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SHUNT_TC_HANDLE, .priority = SHUNT_TC_PRIO,
			    .prog_fd = hooks[i].fd);

		hook.attach_point = hooks[i].ap;
		err = bpf_tc_attach(&hook, &opts);
		if (err == -EEXIST) {
			log_error("%s: a tc %s filter already sits at shunt's handle %#x prio %#x — another shunt run? stop it, or run `shunt detach -c FILE` after a crash",
				  ifname, dir_name(hooks[i].ap), SHUNT_TC_HANDLE, SHUNT_TC_PRIO);
		} else if (err) {
			log_error("%s: cannot attach the tc %s program: %s", ifname,
				  dir_name(hooks[i].ap), strerror(-err));
		}
		if (err) {
			/* undo what this call attached, never a filter found there */
			if (i == 1)
				detach_one(ifindex, ifname, BPF_TC_INGRESS, false);
			if (*created)
				remove_clsact_if_empty(ifindex, ifname);
			*created = false;
			return err;
		}
	}
	return 0;
}
