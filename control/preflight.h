/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * preflight.h — what the verifier says about a loaded object: processed
 * ("verified") instructions per program against the kernel's 1,000,000
 * limit, so verifier creep is caught before it reaches a user's kernel.
 */
#ifndef SHUNT_PREFLIGHT_H
#define SHUNT_PREFLIGHT_H

#include <stdio.h>

#include <bpf/libbpf.h>

#define BPF_COMPLEXITY_LIMIT_INSNS 1000000u

struct preflight_prog {
	char name[32];
	unsigned verified_insns;
};

/* Fills out[] for each loaded program of obj; returns the count or -errno. */
int preflight_object(struct bpf_object *obj, struct preflight_prog *out, int max);
void preflight_print(FILE *f, const char *object, const struct preflight_prog *p, int n,
		     bool header);

#endif
