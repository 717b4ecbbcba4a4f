// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "channels.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* One SIOC* ioctl on ifname's ifreq (ifr_data or ifr_mtu as the caller
 * set it up). 0 or -errno. */
static int if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd, err = 0;

	if (strlen(ifname) >= sizeof(ifr->ifr_name))
		return -ENAMETOOLONG;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

int nic_channels_get(const char *ifname, struct nic_channels *ch)
{
	struct ethtool_channels ec = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	int err;

	memset(ch, 0, sizeof(*ch));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_data = (void *)&ec;
	err = if_ioctl(ifname, SIOCETHTOOL, &ifr);
	if (err)
		return err;
	ch->combined = ec.combined_count;
	ch->rx = ec.rx_count;
	ch->tx = ec.tx_count;
	ch->max_combined = ec.max_combined;
	ch->max_rx = ec.max_rx;
	ch->max_tx = ec.max_tx;
	return 0;
}

int nic_mtu(const char *ifname)
{
	struct ifreq ifr;
	int err;

	memset(&ifr, 0, sizeof(ifr));
	err = if_ioctl(ifname, SIOCGIFMTU, &ifr);
	return err ? err : ifr.ifr_mtu;
}
