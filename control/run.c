// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * run.c — `shunt run` and `shunt detach`.
 *
 * run: signal handlers first, then everything that can fail without side
 * effects (host checks, forwarding, rule compilation), then clean up what a
 * killed run left, then load -> fill maps -> publish meta -> attach per
 * interface. One cleanup ladder undoes exactly what was done, whether the
 * start failed half-way or a signal asked us to stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

#include "channels.h"
#include "addrwatch.h"
#include "cmd.h"
#include "fastlane.h"
#include "lane.h"
#include "log.h"
#include "pins.h"
#include "steer.h"
#include "tc.h"
#include "xdp.h"
#include "xdp_features.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The kernel lane forwards with the kernel: it must be allowed to. */
static int check_forwarding(void)
{
	if (read_sysctl("/proc/sys/net/ipv4/ip_forward") != 1) {
		log_error("IPv4 forwarding is off in this network namespace — turn it on: sysctl -w net.ipv4.ip_forward=1");
		return -EINVAL;
	}
	if (read_sysctl("/proc/sys/net/ipv6/conf/all/forwarding") != 1)
		log_warn("IPv6 forwarding is off in this network namespace: IPv6 will not be forwarded (sysctl -w net.ipv6.conf.all.forwarding=1)");
	return 0;
}

/*
 * Cleans up after a run that did not exit: refuses (-EBUSY) if the pins'
 * owner still runs; otherwise removes shunt's filters from the interfaces
 * the pinned meta names (and the clsact qdiscs it created) and from the
 * config's interfaces (where a killed run's pins may be gone), then the pins.
 */
static int reap_stale(const struct shunt_config *cfg, bool quiet_if_clean, bool reap_xdp)
{
	struct shunt_meta m;
	int err = pins_read_meta(cfg->bpffs, &m), ret = 0;

	if (!err) {
		if (pins_owner_alive(&m)) {
			log_error("shunt run (pid %u) is using %s — stop it first (kill -TERM %u) or give this config another bpffs",
				  m.owner_pid, cfg->bpffs, m.owner_pid);
			return -EBUSY;
		}
		log_warn("cleaning up after a shunt run that did not exit (pid %u, config %s)",
			 m.owner_pid, m.config);
		fastlane_reap((int)m.owner_pid);
		for (unsigned i = 0; i < m.niface && i < SHUNT_MAX_IFACES; i++) {
			const struct shunt_meta_iface *mi = &m.iface[i];
			unsigned fl = TC_DETACH_REAP |
				      (mi->flags & SHUNT_IFACE_CREATED_CLSACT ? TC_DETACH_CLSACT : 0);
			int e = tc_detach((int)mi->ifindex, mi->ifname, fl);

			if (e < 0 && !ret)
				ret = e;
		}
	} else if (err == -EPROTO) {
		pid_t holder = pins_map_holder(cfg->bpffs, "meta");

		if (holder) {
			log_error("%s holds pins of another shunt version's map layout, in use by pid %d — stop it first (kill -TERM %d) or give this config another bpffs",
				  cfg->bpffs, (int)holder, (int)holder);
			return -EBUSY;
		}
		log_warn("%s holds pins of another shunt version's map layout (this one is v%d): removing them so this run pins its own",
			 cfg->bpffs, shunt_abi_version);
	} else if (err != -ENOENT) {
		log_warn("cannot read %s/meta (%s): removing the directory", cfg->bpffs, strerror(-err));
	} else if (!quiet_if_clean) {
		log_info("no pinned state in %s", cfg->bpffs);
	}
	/* a killed hybrid run leaves its steer program attached: `detach` and a
	 * kernel-mode start remove it (a hybrid start replaces it atomically) */
	for (unsigned i = 0; reap_xdp && i < cfg->niface; i++) {
		int ifindex = (int)if_nametoindex(cfg->iface[i].ifname);
		int e = ifindex ? xdp_reap(ifindex, cfg->iface[i].ifname) : 0;

		if (e > 0)
			log_warn("%s: removed the XDP steer program a shunt run that did not exit left",
				 cfg->iface[i].ifname);
		if (e < 0 && !ret)
			ret = e;
	}
	/* a run killed under `ip netns exec` lost its pins with its mount
	 * namespace: its filters are found on the config's interfaces, and the
	 * clsact it most likely created goes too if nothing else uses it */
	for (unsigned i = 0; i < cfg->niface; i++) {
		int ifindex = (int)if_nametoindex(cfg->iface[i].ifname);
		int e = ifindex ? tc_detach(ifindex, cfg->iface[i].ifname,
					    TC_DETACH_REAP | TC_DETACH_CLSACT_IF_REAPED) : 0;

		if (e > 0)
			log_warn("%s: removed tc filters left by a shunt run that did not exit",
				 cfg->iface[i].ifname);
		if (e < 0 && !ret)
			ret = e;
	}
	if (ret)
		return ret;
	err = pins_remove(cfg->bpffs);
	if (err)
		log_error("cannot remove %s: %s — remove it by hand (rm -r %s)", cfg->bpffs,
			  strerror(-err), cfg->bpffs);
	return err;
}

int cmd_detach(const struct shunt_config *cfg)
{
	int err = pins_prepare(cfg->bpffs);

	if (!err)
		err = reap_stale(cfg, false, true);
	if (!err)
		log_info("nothing of shunt's is left on the configured interfaces or in %s", cfg->bpffs);
	return err ? 1 : 0;
}

/*
 * Starts are serialised per bpffs parent directory: between the stale-state
 * check and the pinning of its own meta, a second run would otherwise reuse
 * (and on failure remove) the first one's pins. Once meta names a live
 * owner, a later start refuses by itself, so the lock is held only for that
 * window. flock on the directory: nothing to create or clean up. Returns
 * the fd, or -errno (logged).
 */
static int start_lock(const char *bpffs)
{
	char parent[256];
	char *slash;
	int fd;

	snprintf(parent, sizeof(parent), "%s", bpffs);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open %s: %s", parent, strerror(errno));
		return -errno;
	}
	for (int tries = 0; flock(fd, LOCK_EX | LOCK_NB); tries++) {
		if (errno != EWOULDBLOCK || tries == 100) {
			log_error("another shunt run is starting with pins under %s — try again when it is up",
				  parent);
			close(fd);
			return -EBUSY;
		}
		usleep(100000);
	}
	return fd;
}

struct run_state {
	struct lane_bpf *skel;
	struct steer_bpf *steer[SHUNT_MAX_IFACES];
	struct fastlane *fast;
	struct addrwatch *addrs; /* hybrid: the gateway's addresses added later */
	struct shunt_meta meta;
	bool pinned;
};

static void teardown(const struct shunt_config *cfg, struct run_state *st)
{
	/* workers first: they stop transmitting before the lanes go */
	if (st->fast) {
		fastlane_stop(st->fast);
		st->fast = NULL;
		log_info("fast lane stopped");
	}
	addrwatch_close(st->addrs);
	st->addrs = NULL;
	for (unsigned i = 0; i < st->meta.niface; i++) {
		struct shunt_meta_iface *mi = &st->meta.iface[i];

		if ((mi->flags & SHUNT_IFACE_XDP_ATTACHED) && st->steer[i])
			xdp_detach((int)mi->ifindex, mi->ifname, steer_prog_fd(st->steer[i]),
				   mi->flags & SHUNT_IFACE_XDP_GENERIC);
		if (st->steer[i])
			steer_destroy(st->steer[i]);
		st->steer[i] = NULL;

		if (!(mi->flags & SHUNT_IFACE_TC_ATTACHED))
			continue;
		if (tc_detach((int)mi->ifindex, mi->ifname,
			      mi->flags & SHUNT_IFACE_CREATED_CLSACT ? TC_DETACH_CLSACT : 0) >= 0)
			log_info("detached from %s (%s)", mi->name, mi->ifname);
	}
	if (st->skel)
		lane_destroy(st->skel);
	if (st->pinned && pins_remove(cfg->bpffs))
		log_warn("pins left in %s: remove them with `shunt detach -c %s`", cfg->bpffs, cfg->path);
}

static void fill_meta(const struct shunt_config *cfg, const uint32_t *ifindex, struct shunt_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->abi_version = SHUNT_ABI_VERSION;
	m->mode = cfg->mode;
	m->owner_pid = (__u32)getpid();
	m->owner_starttime = proc_starttime(getpid());
	m->started_unix = (__u64)time(NULL);
	m->nrules = cfg->nrules;
	m->niface = cfg->niface;
	for (unsigned i = 0; i < cfg->niface; i++) {
		m->iface[i].ifindex = ifindex[i];
		memcpy(m->iface[i].ifname, cfg->iface[i].ifname, sizeof(m->iface[i].ifname));
		memcpy(m->iface[i].name, cfg->iface[i].name, sizeof(m->iface[i].name));
	}
	snprintf(m->config, sizeof(m->config), "%s", cfg->path);
}

/*
 * What the driver says it can do (kernel >= 6.3; older kernels: the attach
 * itself will tell): native XDP at all, and XDP_REDIRECT, which the fast
 * lane's AF_XDP sockets need. "auto" on a driver without native XDP goes
 * generic at once; "native" there is an error naming the config line.
 */
static int xdp_mode_check(const struct shunt_config *cfg, unsigned i, int ifindex,
			  enum xdp_attach_mode *mode)
{
	const struct cfg_iface *ifc = &cfg->iface[i];
	char feats[128];
	uint64_t f;

	*mode = ifc->xdp_mode;
	if (xdp_features_get(ifindex, &f, NULL))
		return 0;
	log_info("%s: the driver's XDP features: %s", ifc->ifname, xdp_features_str(f, feats, sizeof(feats)));
	if (!(f & XDP_FEAT_BASIC) && ifc->xdp_mode == XDP_MODE_NATIVE) {
		log_error("%s: the driver has no native XDP (it reports: %s) — set xdp_mode = \"generic\" or \"auto\" for interface '%s' (%s:%d)",
			  ifc->ifname, feats, ifc->name, cfg->path, ifc->line);
		return -EOPNOTSUPP;
	}
	if (!(f & XDP_FEAT_BASIC) && ifc->xdp_mode == XDP_MODE_AUTO) {
		log_warn("%s: the driver has no native XDP: using generic XDP, which is slower — use a driver with native XDP for production",
			 ifc->ifname);
		*mode = XDP_MODE_GENERIC;
	} else if ((f & XDP_FEAT_BASIC) && !(f & XDP_FEAT_REDIRECT) && *mode != XDP_MODE_GENERIC &&
		   !cfg->no_fast_lane) {
		log_error("%s: the driver's native XDP cannot redirect (it reports: %s), which the fast lane's AF_XDP sockets need — set xdp_mode = \"generic\" for interface '%s' (%s:%d)",
			  ifc->ifname, feats, ifc->name, cfg->path, ifc->line);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The longest frame the fast lane can send out of any of its interfaces:
 * the smallest MTU plus the Ethernet header (0: unknown, no limit). */
static uint32_t fast_max_len(const struct shunt_config *cfg)
{
	int min = 0;

	for (unsigned i = 0; i < cfg->niface; i++) {
		int mtu = nic_mtu(cfg->iface[i].ifname);

		if (mtu > 0 && (!min || mtu < min))
			min = mtu;
	}
	return min ? (uint32_t)min + 14 : 0;
}

/* Hybrid mode: a steer copy per interface, attached after the kernel lane
 * so that whatever it passes is already accounted. */
static int start_steer(const struct shunt_config *cfg, struct run_state *st)
{
	uint32_t max_len = fast_max_len(cfg);
	int err = 0, n;

	if (max_len)
		log_info("frames over %u bytes (the smallest MTU of the interfaces, plus Ethernet) stay on the kernel lane",
			 max_len);

	for (unsigned i = 0; !err && i < cfg->niface && !stop_signal; i++) {
		struct shunt_meta_iface *mi = &st->meta.iface[i];
		enum xdp_attach_mode mode;
		bool generic;

		st->steer[i] = steer_load(cfg->bpffs, i, (uint64_t)cfg->dp.heartbeat_ms * 1000000u);
		if (!st->steer[i])
			return -EINVAL;
		steer_set_fast_max_len(st->steer[i], max_len);
		if (i == 0) {
			/* subscribe first: an address added while the tables
			 * are built is then seen by the watcher */
			st->addrs = addrwatch_open();
			if (!st->addrs || addrwatch_bind(st->addrs, steer_object(st->steer[i])))
				return -EIO;
			n = steer_fill_local_addrs(steer_object(st->steer[i]));
			if (n < 0)
				return n;
			log_info("%d local address(es) stay on the kernel lane (and any added later)", n);
		}
		err = xdp_mode_check(cfg, i, (int)mi->ifindex, &mode);
		if (err)
			break;
		err = xdp_attach((int)mi->ifindex, mi->ifname, steer_prog_fd(st->steer[i]), mode,
				 &generic);
		if (err)
			break;
		mi->flags |= SHUNT_IFACE_XDP_ATTACHED | (generic ? SHUNT_IFACE_XDP_GENERIC : 0);
		err = maps_write_meta(lane_object(st->skel), &st->meta);
		log_info("attached the steer program to %s (%s, %s XDP)", mi->name, mi->ifname,
			 generic ? "generic" : "native");
	}
	return err;
}

/* Hybrid mode, once every steer copy is attached: the DPDK forwarder. Its
 * sockets land in each copy's xsks_map; until then fast flows fail open. */
static int start_fast(const struct shunt_config *cfg, struct run_state *st)
{
	struct bpf_object *obj = steer_object(st->steer[0]);
	struct fastlane_maps maps = {
		.heartbeat_fd = bpf_object__find_map_fd_by_name(obj, "heartbeat"),
		.lcores_fd = bpf_object__find_map_fd_by_name(obj, "fast_lcores"),
		.ports_fd = bpf_object__find_map_fd_by_name(obj, "fast_ports"),
	};
	uint32_t ifindex[SHUNT_MAX_IFACES];
	bool generic[SHUNT_MAX_IFACES];

	if (maps.heartbeat_fd < 0 || maps.lcores_fd < 0 || maps.ports_fd < 0) {
		log_error("the steer object lacks the fast lane's maps: rebuild shunt");
		return -ENOENT;
	}
	for (unsigned i = 0; i < st->meta.niface; i++) {
		ifindex[i] = st->meta.iface[i].ifindex;
		generic[i] = st->meta.iface[i].flags & SHUNT_IFACE_XDP_GENERIC;
	}
	st->fast = fastlane_start(cfg, ifindex, generic, &maps);
	return st->fast ? 0 : -EIO;
}

static int start(const struct shunt_config *cfg, struct run_state *st)
{
	uint32_t ifindex[SHUNT_MAX_IFACES] = { 0 };
	struct cls_image *img;
	struct diags dg;
	int err, lock;

	diags_init(&dg, cfg->path);
	err = config_check_host(cfg, &dg);
	diags_print(&dg, stderr);
	diags_free(&dg);
	if (err)
		return err;
	err = check_forwarding();
	if (err)
		return err;
	for (unsigned i = 0; i < cfg->niface; i++)
		ifindex[i] = if_nametoindex(cfg->iface[i].ifname);

	img = malloc(sizeof(*img));
	if (!img)
		return -ENOMEM;
	err = cls_compile(cfg, ifindex, img);
	if (err) {
		log_error("cannot compile the rules: %s", strerror(-err));
		free(img);
		return err;
	}

	err = pins_prepare(cfg->bpffs);
	lock = err ? err : start_lock(cfg->bpffs);
	if (lock < 0) {
		free(img);
		return lock;
	}
	err = reap_stale(cfg, true, cfg->mode == SHUNT_MODE_KERNEL);
	if (err) {
		close(lock);
		free(img);
		return err;
	}
	st->skel = lane_load(cfg->bpffs);
	st->pinned = true; /* from here on, the pin directory is ours to remove */
	if (!st->skel) {
		close(lock);
		free(img);
		return -EINVAL;
	}
	err = maps_write_image(lane_object(st->skel), img);
	free(img);
	fill_meta(cfg, ifindex, &st->meta);
	if (!err)
		err = maps_write_meta(lane_object(st->skel), &st->meta);
	close(lock); /* our meta is pinned: a later start sees a live owner */
	for (unsigned i = 0; !err && i < cfg->niface && !stop_signal; i++) {
		struct shunt_meta_iface *mi = &st->meta.iface[i];
		bool created;

		err = tc_attach((int)ifindex[i], mi->ifname, lane_prog_fd(st->skel, false),
				lane_prog_fd(st->skel, true), &created);
		if (err)
			break;
		mi->flags = SHUNT_IFACE_TC_ATTACHED | (created ? SHUNT_IFACE_CREATED_CLSACT : 0);
		/* keep the pinned meta current: a kill -9 right now must still
		 * let `shunt detach` find this interface and its clsact */
		err = maps_write_meta(lane_object(st->skel), &st->meta);
		log_info("attached the kernel lane to %s (%s, ifindex %u)%s", mi->name, mi->ifname,
			 mi->ifindex, created ? ", created clsact" : "");
	}
	if (!err && cfg->mode == SHUNT_MODE_HYBRID)
		err = start_steer(cfg, st);
	if (!err && cfg->mode == SHUNT_MODE_HYBRID && cfg->no_fast_lane)
		log_warn("--no-fast-lane: flows steered to the fast lane find no AF_XDP socket and fail open to the kernel lane (counted as fast_no_socket)");
	else if (!err && cfg->mode == SHUNT_MODE_HYBRID && !stop_signal)
		err = start_fast(cfg, st);
	return err;
}

int cmd_run(const struct shunt_config *cfg)
{
	bool gone[SHUNT_MAX_IFACES] = { false };
	struct run_state st = { 0 };
	int err;

	err = install_signals();
	if (err) {
		log_error("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}
	err = start(cfg, &st);
	if (err || stop_signal) {
		teardown(cfg, &st);
		/* a hybrid start replaces a killed run's steer programs as it goes:
		 * those it did not reach must not keep steering with stale maps */
		if (err && cfg->mode == SHUNT_MODE_HYBRID)
			for (unsigned i = 0; i < cfg->niface; i++) {
				int ifindex = (int)if_nametoindex(cfg->iface[i].ifname);

				if (ifindex)
					xdp_reap(ifindex, cfg->iface[i].ifname);
			}
		if (err)
			log_error("not started; nothing is left attached");
		return err ? 1 : 0;
	}
	log_info("ready: %s mode, %u rule(s) on %u interface(s), pins in %s; `shunt stats` shows the counters",
		 mode_name(cfg->mode), cfg->nrules, cfg->niface, cfg->bpffs);

	while (!stop_signal) {
		/* the fast lane's control loop runs here (route updates, port
		 * counters) every 100 ms or on a netlink event; the interface
		 * check below once a second */
		for (int t = 0; t < 10 && !stop_signal; t++) {
			if (st.fast) {
				fastlane_poll(st.fast, 100);
			} else {
				struct pollfd pfd = { .fd = st.addrs ? addrwatch_fd(st.addrs) : -1,
						      .events = POLLIN };

				poll(&pfd, 1, 100);
			}
			if (st.addrs)
				addrwatch_poll(st.addrs);
		}
		if (stop_signal)
			break;
		/* an interface that vanishes takes our programs with it; one that is
		 * renamed keeps them: say so once, and keep tracking it by ifindex,
		 * which is what teardown detaches by */
		for (unsigned i = 0; i < st.meta.niface; i++) {
			struct shunt_meta_iface *mi = &st.meta.iface[i];
			char now[IF_NAMESIZE];

			if (gone[i])
				continue;
			if (!if_indextoname(mi->ifindex, now)) {
				log_warn("%s (%s, ifindex %u) disappeared: the lanes are gone with it",
					 mi->name, mi->ifname, mi->ifindex);
				gone[i] = true;
			} else if (strcmp(now, mi->ifname)) {
				log_warn("%s (ifindex %u) was renamed from %s to %s: still attached",
					 mi->name, mi->ifindex, mi->ifname, now);
				snprintf(mi->ifname, sizeof(mi->ifname), "%s", now);
				maps_write_meta(lane_object(st.skel), &st.meta);
			}
		}
	}
	log_info("%s: detaching", strsignal(stop_signal));
	teardown(cfg, &st);
	log_info("stopped");
	return 0;
}
