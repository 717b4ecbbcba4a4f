// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * steer_loadbytes.bpf.c — the steer program with the bpf_xdp_load_bytes()
 * parser of parsing_loadbytes.h instead of direct packet access. Built for
 * bench/bpf only (bench/README.md); never attached.
 *
 * The decision logic is not copied: steer.bpf.c itself is included below,
 * so the two cannot drift. Two macros change it:
 *  - parse_packet(data, data_end, p) becomes parse_packet_lb(ctx, p); it
 *    relies on the entry point's context argument being named `ctx` (the
 *    build fails if steer.bpf.c renames it). parsing.h is included first,
 *    so its own parse_packet() definition is not touched by the macro;
 *  - the entry point is renamed, so that it is never taken for steer's
 *    (libxdp and the control plane look programs up by name).
 */
#define SHUNT_CTX_XDP
#include "ctx.h"
#include "classify.h"
#include "parsing_loadbytes.h"

#define parse_packet(data, data_end, p) parse_packet_lb(ctx, (p))
#define xsk_def_prog steer_lb_prog
#include "steer.bpf.c"
