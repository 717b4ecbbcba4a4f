/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pins.h — shunt's bpffs directory: making sure it is on a bpf filesystem,
 * who owns it (the meta map), and removing it.
 */
#ifndef SHUNT_PINS_H
#define SHUNT_PINS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shunt_abi.h"

extern const int shunt_abi_version;

/* Creates dir (and mounts bpffs on /sys/fs/bpf when it is under it and not
 * mounted yet, as `ip netns exec` leaves it). 0 or -errno, logged. */
int pins_prepare(const char *dir);
/* Reads the pinned meta map of dir: 0, -ENOENT (no run has pinned there),
 * -EPROTO (pins of another shunt version's map layout), or -errno. */
int pins_read_meta(const char *dir, struct shunt_meta *m);
/* Is the process that wrote m still running (pid and start time match)? */
bool pins_owner_alive(const struct shunt_meta *m);
/* Start time of pid (/proc/PID/stat field 22), 0 if unknown. */
uint64_t proc_starttime(pid_t pid);
/* Unlinks shunt's pins in dir (the maps its BPF objects pin; nothing else)
 * and removes dir when that leaves it empty; 0 when it does not exist. */
int pins_remove(const char *dir);
/* "dir/name" into buf. */
int pins_path(char *buf, size_t len, const char *dir, const char *name);



/* Pid of a live process (other than us) holding an fd of BPF program
 * prog_id, or 0: tells a running shunt's filters from a killed one's even
 * when the killed run's pins are gone (they die with `ip netns exec`'s
 * private mount namespace). */
pid_t bpf_prog_holder(__u32 prog_id);
/* Pid of a live process (other than us) holding the map pinned at dir/name,
 * or 0: a run of another shunt version, whose meta we cannot read. */
pid_t pins_map_holder(const char *dir, const char *name);

#endif
