// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "lane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "lane.skel.h"
#include "log.h"
#include "mapfill.h"

struct lane_bpf *lane_load(const char *bpffs)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = bpffs);
	struct lane_bpf *skel;
	int err;

	skel = lane_bpf__open_opts(&opts);
	if (!skel) {
		log_error("cannot open the kernel-lane BPF object: %s", strerror(errno));
		return NULL;
	}
	if (!bpffs)
		maps_unpin_all(skel->obj);
	err = lane_bpf__load(skel);
	if (err) {
		log_error("cannot load the kernel-lane BPF programs: %s — run with -v to see libbpf's and the verifier's log",
			  strerror(-err));
		lane_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

void lane_destroy(struct lane_bpf *skel)
{
	lane_bpf__destroy(skel);
}

int lane_prog_fd(const struct lane_bpf *skel, bool egress)
{
	return bpf_program__fd(egress ? skel->progs.shunt_lane_eg : skel->progs.shunt_lane_in);
}

struct bpf_object *lane_object(const struct lane_bpf *skel)
{
	return skel->obj;
}
