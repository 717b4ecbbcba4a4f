/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * channels.h — how many queues a NIC has (ethtool channels).
 *
 * Drivers report either combined channels (one IRQ for an rx/tx pair, most
 * physical NICs) or separate rx/tx channels (veth reports rx/tx only); the
 * number of receive queues XDP sees is the sum of combined and rx.
 */
#ifndef SHUNT_CHANNELS_H
#define SHUNT_CHANNELS_H

struct nic_channels {
	unsigned combined, rx, tx;
	unsigned max_combined, max_rx, max_tx;
};

/* 0, or -errno (-EOPNOTSUPP when the driver has no get_channels). */
int nic_channels_get(const char *ifname, struct nic_channels *ch);

/* The interface's MTU, or -errno. */
int nic_mtu(const char *ifname);

static inline unsigned nic_rx_queues(const struct nic_channels *ch)
{
	return ch->combined + ch->rx;
}

static inline unsigned nic_tx_queues(const struct nic_channels *ch)
{
	return ch->combined + ch->tx;
}

#endif
