// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "log.h"

#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

static enum log_level cur_level = LOG_LVL_INFO;

static const char *const prefix[] = {
	[LOG_LVL_ERROR] = "shunt: error: ",
	[LOG_LVL_WARN] = "shunt: warning: ",
	[LOG_LVL_INFO] = "shunt: ",
	[LOG_LVL_DEBUG] = "shunt: debug: ",
};

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl > cur_level)
		return;
	fputs(prefix[lvl], stderr);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/* libbpf warns about things we handle ourselves (probing, pin reuse), so
 * all its output shows with -v only; our own error line says to use -v
 * when a load fails (the verifier log comes through here). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (cur_level < LOG_LVL_DEBUG)
		return 0;
	fputs("shunt: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
