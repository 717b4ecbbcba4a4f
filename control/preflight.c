// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "preflight.h"

#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

int preflight_object(struct bpf_object *obj, struct preflight_prog *out, int max)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || n >= max)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			return -errno;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
		/* verified_insns: kernel >= 5.16; 0 before */
		out[n].verified_insns = info.verified_insns;
		n++;
	}
	return n;
}

void preflight_print(FILE *f, const char *object, const struct preflight_prog *p, int n, bool header)
{
	if (header)
		fprintf(f, "%-16s %-10s %14s %10s %7s %10s\n", "program", "object", "verified insns",
			"limit", "used", "headroom");
	for (int i = 0; i < n; i++)
		fprintf(f, "%-16s %-10s %14u %10u %6.1f%% %10u\n", p[i].name, object,
			p[i].verified_insns, BPF_COMPLEXITY_LIMIT_INSNS,
			100.0 * p[i].verified_insns / BPF_COMPLEXITY_LIMIT_INSNS,
			BPF_COMPLEXITY_LIMIT_INSNS - p[i].verified_insns);
}
