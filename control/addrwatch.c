// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "addrwatch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "log.h"
#include "shunt_abi.h"

struct addrwatch {
	struct mnl_socket *nl;
	int extra_fd, count_fd;
	char *buf;
	bool warned_full;
};

struct addrwatch *addrwatch_open(void)
{
	struct addrwatch *aw = calloc(1, sizeof(*aw));
	int one = 1;

	if (!aw)
		return NULL;
	aw->extra_fd = aw->count_fd = -1;
	aw->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	aw->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!aw->buf || !aw->nl ||
	    mnl_socket_bind(aw->nl, (1u << (RTNLGRP_IPV4_IFADDR - 1)) | (1u << (RTNLGRP_IPV6_IFADDR - 1)),
			    MNL_SOCKET_AUTOPID) < 0) {
		log_error("cannot follow the gateway's addresses (rtnetlink): %s", strerror(errno));
		addrwatch_close(aw);
		return NULL;
	}
	/* a lost message is only a missed address: say so when it happens */
	mnl_socket_setsockopt(aw->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	return aw;
}

int addrwatch_bind(struct addrwatch *aw, struct bpf_object *steer_obj)
{
	aw->extra_fd = bpf_object__find_map_fd_by_name(steer_obj, "local_extra");
	aw->count_fd = bpf_object__find_map_fd_by_name(steer_obj, "local_extra_count");
	if (aw->extra_fd < 0 || aw->count_fd < 0) {
		log_error("the steer object lacks the local_extra maps: rebuild shunt");
		return -ENOENT;
	}
	return 0;
}

int addrwatch_fd(const struct addrwatch *aw)
{
	return mnl_socket_get_fd(aw->nl);
}

/* local_extra_count = the map's entries, counted (rarely called). */
static void recount(struct addrwatch *aw)
{
	struct shunt_addr k, next;
	__u32 n = 0, zero = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(aw->extra_fd, prev, &next)) {
		n++;
		k = next;
		prev = &k;
	}
	bpf_map_update_elem(aw->count_fd, &zero, &n, BPF_ANY);
}

static void apply(struct addrwatch *aw, bool add, unsigned family, const void *addr)
{
	struct shunt_addr a = { .family = (__u8)family };
	__u8 one = 1;

	memcpy(a.addr, addr, family == 4 ? 4 : 16);
	/* link-local and loopback: steer's own test keeps them already */
	if ((family == 4 && (a.addr[0] == 127 || (a.addr[0] == 169 && a.addr[1] == 254))) ||
	    (family == 6 && a.addr[0] == 0xfe && (a.addr[1] & 0xc0) == 0x80))
		return;
	if (add && bpf_map_update_elem(aw->extra_fd, &a, &one, BPF_ANY)) {
		if (!aw->warned_full)
			log_warn("cannot keep a new address of the gateway on the kernel lane (%s): more than %d added since start — restart shunt to rebuild its tables",
				 strerror(errno), SHUNT_MAX_LOCAL_EXTRA);
		aw->warned_full = true;
		return;
	}
	if (!add && bpf_map_delete_elem(aw->extra_fd, &a))
		return; /* not one of ours (e.g. in the tables since start) */
	recount(aw);
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct addrwatch *aw = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	unsigned family, alen;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	family = ifa->ifa_family == AF_INET ? 4 : 6;
	alen = family == 4 ? 4 : 16;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		unsigned type = mnl_attr_get_type(attr);

		/* IFA_LOCAL is the address itself (IFA_ADDRESS the peer on a
		 * point-to-point link); IPv6 has IFA_ADDRESS only; IPv4
		 * broadcasts are the gateway's to receive too */
		bool ours = type == IFA_LOCAL || (family == 4 && type == IFA_BROADCAST) ||
			    (family == 6 && type == IFA_ADDRESS);

		if (ours && mnl_attr_get_payload_len(attr) == alen)
			apply(aw, nlh->nlmsg_type == RTM_NEWADDR, family, mnl_attr_get_payload(attr));
	}
	return MNL_CB_OK;
}

void addrwatch_poll(struct addrwatch *aw)
{
	for (int reads = 0; reads < 64; reads++) {
		ssize_t n = mnl_socket_recvfrom(aw->nl, aw->buf, MNL_SOCKET_BUFFER_SIZE);

		if (n < 0) {
			if (errno == ENOBUFS)
				log_warn("address changes were lost (netlink buffer full): restart shunt if the gateway got new addresses");
			return;
		}
		if (aw->extra_fd >= 0)
			mnl_cb_run(aw->buf, (size_t)n, 0, 0, on_msg, aw);
	}
}

void addrwatch_close(struct addrwatch *aw)
{
	if (!aw)
		return;
	if (aw->nl)
		mnl_socket_close(aw->nl);
	free(aw->buf);
	free(aw);
}
