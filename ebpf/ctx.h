/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctx.h — one interface over the XDP and tc contexts, so the same parser and
 * classifier build into steer.bpf.c (XDP) and lane.bpf.c (tc), as in cilium's
 * bpf/include/bpf/ctx/{xdp,skb}.h. Define SHUNT_CTX_XDP or SHUNT_CTX_SKB
 * before including it.
 */
#ifndef SHUNT_CTX_H
#define SHUNT_CTX_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#if defined(SHUNT_CTX_SKB)
typedef struct __sk_buff shunt_ctx_t;
#define CTX_PASS TC_ACT_UNSPEC /* decide nothing: later tc programs still run */
#define CTX_DROP TC_ACT_SHOT

static __always_inline void *ctx_data(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data_end;
}

/* Whole packet length including the Ethernet header (cls_bpf pushes the
 * mac header back before running us on ingress). */
static __always_inline __u32 ctx_len(const struct __sk_buff *ctx)
{
	return ctx->len;
}

/* Interface the packet entered the box on: on ingress our own interface, on
 * egress the one it was forwarded from (0 for local traffic). */
static __always_inline __u32 ctx_iif(const struct __sk_buff *ctx)
{
	return ctx->ingress_ifindex;
}

/* Makes the first len bytes linear. Invalidates every packet pointer: the
 * caller must reload ctx_data()/ctx_data_end() (cilium revalidate_data). */
static __always_inline int ctx_pull(struct __sk_buff *ctx, __u32 len)
{
	return bpf_skb_pull_data(ctx, len);
}

#elif defined(SHUNT_CTX_XDP)
typedef struct xdp_md shunt_ctx_t;
#define CTX_PASS XDP_PASS
#define CTX_DROP XDP_DROP

static __always_inline void *ctx_data(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(const struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_end;
}

static __always_inline __u32 ctx_len(const struct xdp_md *ctx)
{
	return (__u32)(ctx->data_end - ctx->data);
}

static __always_inline __u32 ctx_iif(const struct xdp_md *ctx)
{
	return ctx->ingress_ifindex;
}

/* The headers of an XDP frame are always in its first, linear buffer. */
static __always_inline int ctx_pull(struct xdp_md *ctx, __u32 len)
{
	(void)ctx;
	(void)len;
	return -1;
}
#else
#error "define SHUNT_CTX_SKB or SHUNT_CTX_XDP before including ctx.h"
#endif

#endif /* SHUNT_CTX_H */
