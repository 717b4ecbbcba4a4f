// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "eal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int add(struct eal_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add(struct eal_args *a, const char *fmt, ...)
{
	size_t room = sizeof(a->buf) - a->used;
	va_list ap;
	int n;

	if (a->argc >= EAL_MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

int eal_args_build(const struct shunt_config *cfg, const struct afxdp_port *ports, int nports,
		   const char *prog, const char *file_prefix, struct eal_args *out)
{
	bool core[SHUNT_MAX_CORES] = { false };
	char lcores[4 * SHUNT_MAX_CORES + 8];
	size_t len = 0;
	int err;

	memset(out, 0, sizeof(*out));
	core[cfg->dp.main_core] = true;
	for (int i = 0; i < nports; i++)
		if (ports[i].core < SHUNT_MAX_CORES)
			core[ports[i].core] = true;
	for (unsigned c = 0; c < SHUNT_MAX_CORES; c++)
		if (core[c])
			len += (size_t)snprintf(lcores + len, sizeof(lcores) - len, "%s%u", len ? "," : "", c);

	err = add(out, "%s", prog);
	err = err ?: add(out, "-l");
	err = err ?: add(out, "%s", lcores);
	err = err ?: add(out, "--main-lcore=%d", cfg->dp.main_core);
	err = err ?: add(out, "--file-prefix=%s", file_prefix);
	err = err ?: add(out, "--no-pci");
	if (!cfg->dp.hugepages) {
		err = err ?: add(out, "--no-huge");
		err = err ?: add(out, "-m");
		err = err ?: add(out, "%u", cfg->dp.memory_mb);
	} else {
		err = err ?: add(out, "--socket-mem=%u", cfg->dp.memory_mb);
	}
	for (int i = 0; i < nports && !err; i++) {
		err = add(out, "--vdev");
		err = err ?: add(out, "%s,%s", ports[i].name, ports[i].args);
	}
	for (unsigned i = 0; i < cfg->dp.n_eal_extra && !err; i++)
		err = add(out, "%s", cfg->dp.eal_extra[i]);
	return err;
}
