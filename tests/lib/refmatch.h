/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * refmatch.h — the reference matcher the rule compiler is checked against.
 *
 * A plain first-match loop over the config's rules, written from the rule
 * semantics alone (config.h) and sharing no code with control/rules.c.
 */
#ifndef SHUNT_TEST_REFMATCH_H
#define SHUNT_TEST_REFMATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "rules.h"

/*
 * Index of the first rule of cfg that matches k, or SHUNT_RULE_NONE.
 * ifindex[i] is the ifindex of cfg->iface[i] (0: unknown, matches nothing).
 */
unsigned ref_match(const struct shunt_config *cfg, const uint32_t *ifindex,
		   const struct cls_key *k);

/* Does rule r alone match k? (the body of ref_match's loop) */
bool ref_rule_matches(const struct cfg_rule *r, const uint32_t *ifindex, const struct cls_key *k);

/* Does prefix p contain addr (family fam, network order)? */
bool ref_prefix_contains(const struct cfg_prefix *p, uint8_t fam, const uint8_t *addr);

#endif /* SHUNT_TEST_REFMATCH_H */
