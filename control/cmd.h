/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cmd.h — the subcommands behind `shunt run|detach|stats`. */
#ifndef SHUNT_CMD_H
#define SHUNT_CMD_H

#include <stdbool.h>

#include "config.h"

/* Foreground daemon: attach, serve until SIGINT/SIGTERM, detach. Exit status. */
int cmd_run(const struct shunt_config *cfg);
/* Removes what a killed run left: shunt's tc filters on the config's (and
 * the pinned meta's) interfaces, the clsact qdiscs it created, the pins. */
int cmd_detach(const struct shunt_config *cfg);

struct stats_opts {
	const char *bpffs;
	bool json;
	unsigned watch_sec; /* 0: print once */
	unsigned count;     /* with watch: stop after this many (0: until ^C) */
};
int cmd_stats(const struct stats_opts *o);

/* `shunt flow add|del|list ...` on the pinned flows map of bpffs. */
int cmd_flow(const char *bpffs, int argc, char **argv);

#endif
