// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * config.c — parse and check a shunt config (libconfig syntax, schema v1).
 *
 * Structure: one small function per section, each taking the libconfig
 * setting and filling the matching struct; every problem becomes a
 * diagnostic with the line of the setting it is about and what to do.
 * Cross-section checks (queues vs workers, rule set analysis) come after.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "channels.h"
#include "rules.h"

/* ---- diagnostics ---- */

void diags_init(struct diags *dg, const char *file)
{
	memset(dg, 0, sizeof(*dg));
	snprintf(dg->file, sizeof(dg->file), "%s", file ? file : "<config>");
}

void diags_free(struct diags *dg)
{
	free(dg->d);
	dg->d = NULL;
	dg->n = dg->cap = dg->nerr = 0;
}

/*
 * Messages quote what the user wrote, which can be long or hold control
 * characters: each diagnostic stays one line, and when it is too long the
 * middle is clipped so that the " — what to do" part always survives.
 */
void diags_add(struct diags *dg, enum diag_level lvl, int line, const char *fmt, ...)
{
	char full[4096];
	const char *advice;
	struct diag *d;
	va_list ap;

	if (dg->n == dg->cap) {
		unsigned cap = dg->cap ? dg->cap * 2 : 16;
		struct diag *nd = realloc(dg->d, cap * sizeof(*nd));

		if (!nd) {
			dg->nerr += lvl == DIAG_ERROR; /* the count still says "error" */
			return;
		}
		dg->d = nd;
		dg->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(full, sizeof(full), fmt, ap);
	va_end(ap);
	for (char *c = full; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	d = &dg->d[dg->n];
	advice = strstr(full, " — ");
	if (strlen(full) < sizeof(d->msg) || !advice || strlen(advice) > sizeof(d->msg) / 2) {
		snprintf(d->msg, sizeof(d->msg), "%.*s", (int)sizeof(d->msg) - 1, full);
	} else {
		int head = (int)(sizeof(d->msg) - strlen(advice) - 4);

		snprintf(d->msg, sizeof(d->msg), "%.*s...%s", head, full, advice);
	}
	d->level = lvl;
	d->line = line;
	dg->n++;
	if (lvl == DIAG_ERROR)
		dg->nerr++;
}

void diags_print(const struct diags *dg, FILE *out)
{
	for (unsigned i = 0; i < dg->n; i++)
		fprintf(out, "%s:%d: %s%s\n", dg->file, dg->d[i].line,
			dg->d[i].level == DIAG_WARNING ? "warning: " : "", dg->d[i].msg);
}

#define ERR(dg, line, ...) diags_add(dg, DIAG_ERROR, line, __VA_ARGS__)
#define WARN(dg, line, ...) diags_add(dg, DIAG_WARNING, line, __VA_ARGS__)

/* ---- small helpers ---- */

const char *lane_name(enum shunt_lane lane)
{
	switch (lane) {
	case SHUNT_LANE_KERNEL:
		return "kernel";
	case SHUNT_LANE_FAST:
		return "fast";
	case SHUNT_LANE_DROP:
		return "drop";
	default:
		return "?";
	}
}

const char *mode_name(enum shunt_mode mode)
{
	return mode == SHUNT_MODE_HYBRID ? "hybrid" : "kernel";
}

const char *fast_reason_name(unsigned reason)
{
	static const char *const names[SHUNT_FAST_REASON_MAX] = {
		[SHUNT_FAST_OK] = "ok",
#define FAST_REASON_NAME(e, n, d) [SHUNT_FAST_##e] = n,
		SHUNT_FAST_REASONS(FAST_REASON_NAME)
#undef FAST_REASON_NAME
	};

	return reason < SHUNT_FAST_REASON_MAX ? names[reason] : "?";
}

static int line_of(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true/false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	default:
		return "something else";
	}
}

/* Rejects keys a section does not know, so a typo never silently means
 * "use the default". known is NULL-terminated. */
static void check_keys(struct diags *dg, const config_setting_t *grp, const char *where,
		       const char *const *known)
{
	int n = config_setting_length(grp);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(s);
		bool ok = false;
		char list[256] = "";

		if (!name)
			continue;
		for (const char *const *k = known; *k; k++) {
			if (!strcmp(name, *k))
				ok = true;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k == known ? "" : ", ", *k);
		}
		if (!ok)
			ERR(dg, line_of(s), "unknown setting '%s' in %s — check the spelling; known: %s",
			    name, where, list);
	}
}

/* Reads an optional integer member in [min, max]; returns 1 if present and
 * valid, 0 if absent, -1 if wrong (diagnosed). */
static int get_int(struct diags *dg, const config_setting_t *grp, const char *key,
		   const char *where, long long min, long long max, long long *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	long long v;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		ERR(dg, line_of(s), "%s.%s is %s — write a whole number from %lld to %lld", where,
		    key, type_name(config_setting_type(s)), min, max);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		ERR(dg, line_of(s), "%s.%s = %lld is out of range — use %lld to %lld", where, key, v,
		    min, max);
		return -1;
	}
	*out = v;
	return 1;
}

static int get_bool(struct diags *dg, const config_setting_t *grp, const char *key,
		    const char *where, bool *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		ERR(dg, line_of(s), "%s.%s is %s — write true or false", where, key,
		    type_name(config_setting_type(s)));
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

/* Optional string member; *out points into libconfig's storage. */
static int get_str(struct diags *dg, const config_setting_t *grp, const char *key,
		   const char *where, const char *hint, const char **out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		ERR(dg, line_of(s), "%s.%s is %s — %s", where, key,
		    type_name(config_setting_type(s)), hint);
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

/* Matches a string against a NULL-terminated list of words; index or -1. */
static int pick(const char *s, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return i;
	return -1;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SHUNT_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* ---- prefixes, protocols, ports ---- */

int parse_prefix(const char *s, struct cfg_prefix *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	char *end;
	long len;
	int maxlen;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(s, '/');
	if (slash)
		buf[slash - s] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		maxlen = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		maxlen = 128;
	} else {
		return -EINVAL;
	}
	len = maxlen;
	if (slash) {
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len < 0 || len > maxlen)
			return -ERANGE;
	}
	out->len = (uint8_t)len;
	/* host bits must be zero: "198.18.1.1/24" is almost always a typo */
	for (int bit = len; bit < maxlen; bit++)
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -EDOM;
	return 0;
}

bool rule_has_proto(const struct cfg_rule *r, uint8_t proto)
{
	return r->proto_any || (r->proto_set[proto / 8] & (1u << (proto % 8)));
}

int proto_from_name(const char *s)
{
	static const struct {
		const char *name;
		int num;
	} names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
		      { "gre", 47 }, { "esp", 50 }, { "sctp", 132 } };
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].num;
	v = strtol(s, &end, 10);
	return end != s && !*end && isdigit((unsigned char)*s) && v >= 0 && v <= 255 ? (int)v : -1;
}

static int proto_number(const config_setting_t *s, const char **bad)
{
	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
		long long v = config_setting_get_int64(s);

		return v >= 0 && v <= 255 ? (int)v : -1;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return -1;
	*bad = config_setting_get_string(s);
	return proto_from_name(*bad);
}

static void parse_proto(struct diags *dg, const config_setting_t *s, struct cfg_rule *r)
{
	int t = config_setting_type(s);
	int n = (t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY) ? config_setting_length(s) : 1;

	if (t == CONFIG_TYPE_STRING && !strcmp(config_setting_get_string(s), "any"))
		return; /* proto_any stays true */
	if (n == 0) {
		ERR(dg, line_of(s), "rule '%s': proto is an empty list — name at least one protocol or drop the setting",
		    r->name);
		return;
	}
	r->proto_any = false;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = n == 1 && t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY ?
						    s : config_setting_get_elem(s, i);
		const char *word = NULL;
		int p = proto_number(e, &word);

		if (p < 0) {
			if (word)
				ERR(dg, line_of(e), "rule '%s': unknown protocol \"%s\" — use tcp, udp, icmp, icmpv6, gre, esp, sctp, any or a number 0-255",
				    r->name, word);
			else
				ERR(dg, line_of(e), "rule '%s': proto must be a protocol name or a number 0-255 — e.g. proto = \"tcp\"; or proto = [\"tcp\", \"udp\"];",
				    r->name);
			continue;
		}
		r->proto_set[p / 8] |= 1u << (p % 8);
	}
}

static void parse_prefixes(struct diags *dg, const config_setting_t *s, struct cfg_rule *r,
			   const char *field, struct cfg_prefix *out, unsigned *nout)
{
	int t = config_setting_type(s);
	bool is_list = t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY;
	int n = is_list ? config_setting_length(s) : 1;

	if (n > SHUNT_MAX_PREFIXES) {
		ERR(dg, line_of(s), "rule '%s': %s has %d prefixes — at most %d per rule; split the rule",
		    r->name, field, n, SHUNT_MAX_PREFIXES);
		return;
	}
	if (n == 0) {
		ERR(dg, line_of(s), "rule '%s': %s is an empty list — give a prefix or drop the setting to match any address",
		    r->name, field);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = is_list ? config_setting_get_elem(s, i) : s;
		const char *str;
		struct cfg_prefix p;
		int err;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			ERR(dg, line_of(e), "rule '%s': %s must be a string like \"198.18.0.0/15\" or \"2001:db8::/32\" (or a list of them) — quote the prefix",
			    r->name, field);
			continue;
		}
		str = config_setting_get_string(e);
		err = parse_prefix(str, &p);
		if (err == -EINVAL) {
			ERR(dg, line_of(e), "rule '%s': %s \"%s\" is not an IPv4 or IPv6 address — write ADDRESS/LENGTH, e.g. \"198.18.0.0/15\"",
			    r->name, field, str);
		} else if (err == -ERANGE) {
			ERR(dg, line_of(e), "rule '%s': %s \"%s\" has a bad prefix length — use /0 to /32 for IPv4, /0 to /128 for IPv6",
			    r->name, field, str);
		} else if (err == -EDOM) {
			char fixed[INET6_ADDRSTRLEN];

			for (int bit = p.len; bit < (p.family == 4 ? 32 : 128); bit++)
				p.addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
			inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.addr, fixed, sizeof(fixed));
			ERR(dg, line_of(e), "rule '%s': %s \"%s\" has host bits set — write \"%s/%u\"",
			    r->name, field, str, fixed, p.len);
		} else {
			out[(*nout)++] = p;
		}
	}
}

/* A port is a number, or a string "N" or "LO-HI". */
static void parse_port(struct diags *dg, const config_setting_t *s, struct cfg_rule *r,
		       const char *field, bool *any, struct cfg_port_range *out)
{
	long lo, hi;

	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
		long long v = config_setting_get_int64(s);

		if (v < 0 || v > 65535) {
			ERR(dg, line_of(s), "rule '%s': %s = %lld is not a port — use 0 to 65535", r->name,
			    field, v);
			return;
		}
		lo = hi = (long)v;
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(s);
		char *end;

		errno = 0;
		lo = strtol(str, &end, 10);
		hi = lo;
		if (!errno && end != str && *end == '-') {
			const char *h = end + 1;

			hi = strtol(h, &end, 10);
			if (end == h)
				errno = EINVAL;
		}
		if (errno || end == str || *end || !isdigit((unsigned char)str[0])) {
			ERR(dg, line_of(s), "rule '%s': %s \"%s\" is not a port or range — write 53 or \"1024-65535\"",
			    r->name, field, str);
			return;
		}
		if (lo > 65535 || hi > 65535) {
			ERR(dg, line_of(s), "rule '%s': %s \"%s\" is out of range — ports are 0 to 65535",
			    r->name, field, str);
			return;
		}
		if (lo > hi) {
			ERR(dg, line_of(s), "rule '%s': %s \"%s\" is an empty range — write it low-high: \"%ld-%ld\"",
			    r->name, field, str, hi, lo);
			return;
		}
	} else {
		ERR(dg, line_of(s), "rule '%s': %s is %s — write a port (53) or a range (\"1024-65535\")",
		    r->name, field, type_name(config_setting_type(s)));
		return;
	}
	*any = false;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
}

/* ---- sections ---- */

static const char *const xdp_modes[] = { "native", "generic", "auto", NULL };
static const char *const idle_words[] = { "poll", "adaptive", NULL };
static const char *const lane_words[] = { "kernel", "fast", "drop", NULL };
static const char *const mode_words[] = { "kernel", "hybrid", NULL };

static void parse_queues(struct diags *dg, const config_setting_t *qs, struct cfg_iface *ifc)
{
	static const char *const keys[] = { "id", "core", NULL };
	char where[64];
	int n;

	if (!config_setting_is_list(qs) && !config_setting_is_array(qs)) {
		ERR(dg, line_of(qs), "interface '%s': queues is %s — write queues = ( { id = 0; core = 1; } );",
		    ifc->name, type_name(config_setting_type(qs)));
		return;
	}
	n = config_setting_length(qs);
	if (n > SHUNT_MAX_QUEUES) {
		ERR(dg, line_of(qs), "interface '%s' has %d queues — at most %d", ifc->name, n,
		    SHUNT_MAX_QUEUES);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *q = config_setting_get_elem(qs, i);
		struct cfg_queue *cq = &ifc->queue[ifc->nqueues];
		long long id = -1, core = -1;

		snprintf(where, sizeof(where), "interface '%s' queue %d", ifc->name, i);
		if (!config_setting_is_group(q)) {
			ERR(dg, line_of(q), "%s is %s — write { id = 0; core = 1; }", where,
			    type_name(config_setting_type(q)));
			continue;
		}
		check_keys(dg, q, where, keys);
		if (get_int(dg, q, "id", where, 0, SHUNT_MAX_QUEUES - 1, &id) == 0)
			ERR(dg, line_of(q), "%s has no id — add id = N; (the NIC queue number)", where);
		if (get_int(dg, q, "core", where, 0, SHUNT_MAX_CORES - 1, &core) == 0)
			ERR(dg, line_of(q), "%s has no core — add core = N; (the CPU its worker runs on)",
			    where);
		if (id < 0 || core < 0)
			continue;
		for (unsigned j = 0; j < ifc->nqueues; j++)
			if (ifc->queue[j].id == id)
				ERR(dg, line_of(q), "interface '%s': queue %lld is listed twice (also line %d) — list each NIC queue once",
				    ifc->name, id, ifc->queue[j].line);
		cq->id = (uint16_t)id;
		cq->core = (uint16_t)core;
		cq->line = line_of(q);
		ifc->nqueues++;
	}
}

static void parse_interfaces(struct diags *dg, const config_setting_t *list, struct shunt_config *cfg)
{
	static const char *const keys[] = { "name", "ifname", "xdp_mode", "queues", NULL };
	int n;

	if (!config_setting_is_list(list)) {
		ERR(dg, line_of(list), "interfaces is %s — write interfaces = ( { name = \"lan\"; ifname = \"eth1\"; } );",
		    type_name(config_setting_type(list)));
		return;
	}
	n = config_setting_length(list);
	if (n == 0)
		ERR(dg, line_of(list), "interfaces is empty — list at least one interface");
	if (n > SHUNT_MAX_IFACES) {
		ERR(dg, line_of(list), "%d interfaces — shunt handles at most %d", n, SHUNT_MAX_IFACES);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);
		struct cfg_iface *ifc = &cfg->iface[cfg->niface];
		const char *name = NULL, *ifname = NULL, *xm = NULL;
		const config_setting_t *qs;
		char where[64];

		snprintf(where, sizeof(where), "interface %d", i);
		if (!config_setting_is_group(s)) {
			ERR(dg, line_of(s), "%s is %s — write { name = \"lan\"; ifname = \"eth1\"; }", where,
			    type_name(config_setting_type(s)));
			continue;
		}
		ifc->line = line_of(s);
		ifc->xdp_mode = XDP_MODE_NATIVE;
		check_keys(dg, s, where, keys);
		if (get_str(dg, s, "name", where, "write name = \"lan\";", &name) == 0)
			ERR(dg, line_of(s), "%s has no name — add name = \"lan\"; (rules and stats use it)", where);
		if (name && !valid_name(name)) {
			ERR(dg, line_of(config_setting_get_member(s, "name")),
			    "interface name \"%s\" is not valid — use 1-%d letters, digits, '-', '_' or '.'",
			    name, SHUNT_NAME_LEN - 1);
			name = NULL;
		}
		if (name) {
			snprintf(ifc->name, sizeof(ifc->name), "%s", name);
			snprintf(where, sizeof(where), "interface '%s'", name);
		} else {
			snprintf(ifc->name, sizeof(ifc->name), "#%d", i);
		}
		if (get_str(dg, s, "ifname", where, "write ifname = \"eth1\";", &ifname) == 0)
			ERR(dg, line_of(s), "%s has no ifname — add ifname = \"eth1\"; (the Linux interface)",
			    where);
		if (ifname && (strlen(ifname) == 0 || strlen(ifname) >= SHUNT_IFNAME_LEN ||
			       strpbrk(ifname, "/: \t"))) {
			ERR(dg, line_of(config_setting_get_member(s, "ifname")),
			    "%s: ifname \"%s\" is not a Linux interface name — use 1-15 characters without '/', ':' or spaces",
			    where, ifname);
			ifname = NULL;
		}
		if (ifname)
			snprintf(ifc->ifname, sizeof(ifc->ifname), "%s", ifname);
		if (get_str(dg, s, "xdp_mode", where, "write xdp_mode = \"native\";", &xm) == 1) {
			int m = pick(xm, xdp_modes);

			if (m < 0)
				ERR(dg, line_of(config_setting_get_member(s, "xdp_mode")),
				    "%s: xdp_mode \"%s\" is unknown — use \"native\", \"generic\" or \"auto\"",
				    where, xm);
			else
				ifc->xdp_mode = (enum xdp_attach_mode)m;
		}
		qs = config_setting_get_member(s, "queues");
		if (qs) {
			ifc->queues_listed = config_setting_length(qs) > 0;
			parse_queues(dg, qs, ifc);
		}
		for (unsigned j = 0; j < cfg->niface; j++) {
			if (name && !strcmp(cfg->iface[j].name, ifc->name))
				ERR(dg, ifc->line, "interface name '%s' is used twice (also line %d) — give each interface its own name",
				    ifc->name, cfg->iface[j].line);
			if (ifname && !strcmp(cfg->iface[j].ifname, ifc->ifname))
				ERR(dg, ifc->line, "ifname '%s' is listed twice (also line %d) — list each Linux interface once",
				    ifc->ifname, cfg->iface[j].line);
		}
		cfg->niface++;
	}
}

static void parse_dataplane(struct diags *dg, const config_setting_t *s, struct shunt_config *cfg)
{
	static const char *const keys[] = { "main_core", "hugepages", "memory_mb", "burst", "idle",
					    "heartbeat_ms", "eal_extra", NULL };
	struct cfg_dataplane *dp = &cfg->dp;
	const config_setting_t *ex;
	const char *idle = NULL;
	long long v;

	dp->line = line_of(s);
	if (!config_setting_is_group(s)) {
		ERR(dg, line_of(s), "dataplane is %s — write dataplane = { main_core = 0; };",
		    type_name(config_setting_type(s)));
		return;
	}
	check_keys(dg, s, "dataplane", keys);
	if (get_int(dg, s, "main_core", "dataplane", 0, SHUNT_MAX_CORES - 1, &v) == 1)
		dp->main_core = (int)v;
	get_bool(dg, s, "hugepages", "dataplane", &dp->hugepages);
	if (get_int(dg, s, "memory_mb", "dataplane", 64, 1 << 20, &v) == 1)
		dp->memory_mb = (unsigned)v;
	if (get_int(dg, s, "burst", "dataplane", 1, 64, &v) == 1)
		dp->burst = (unsigned)v;
	if (get_int(dg, s, "heartbeat_ms", "dataplane", 10, 60000, &v) == 1)
		dp->heartbeat_ms = (unsigned)v;
	if (get_str(dg, s, "idle", "dataplane", "write idle = \"poll\"; or \"adaptive\"", &idle) == 1) {
		int m = pick(idle, idle_words);

		if (m < 0)
			ERR(dg, line_of(config_setting_get_member(s, "idle")),
			    "dataplane.idle \"%s\" is unknown — use \"poll\" (busy, production) or \"adaptive\" (sleeps when idle)",
			    idle);
		else
			dp->idle = (enum idle_policy)m;
	}
	ex = config_setting_get_member(s, "eal_extra");
	if (ex) {
		int n = config_setting_is_list(ex) || config_setting_is_array(ex) ? config_setting_length(ex) : -1;

		if (n < 0) {
			ERR(dg, line_of(ex), "dataplane.eal_extra is %s — write eal_extra = [\"--log-level=8\"];",
			    type_name(config_setting_type(ex)));
			return;
		}
		dp->eal_extra = calloc((size_t)n + 1, sizeof(char *));
		for (int i = 0; dp->eal_extra && i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(ex, i);

			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				ERR(dg, line_of(e), "dataplane.eal_extra[%d] is %s — every EAL argument is a string",
				    i, type_name(config_setting_type(e)));
				continue;
			}
			dp->eal_extra[dp->n_eal_extra++] = strdup(config_setting_get_string(e));
		}
	}
}

static void parse_rule(struct diags *dg, const config_setting_t *s, struct shunt_config *cfg,
		       struct cfg_rule *r, int idx)
{
	static const char *const keys[] = { "name", "proto", "src", "dst", "sport", "dport",
					    "ingress", "lane", NULL };
	const config_setting_t *m;
	const char *name = NULL, *lane = NULL, *ingress = NULL;
	char where[64];

	memset(r, 0, sizeof(*r));
	r->proto_any = r->sport_any = r->dport_any = true;
	r->ingress = -1;
	r->line = line_of(s);
	snprintf(where, sizeof(where), "rule %d", idx);
	snprintf(r->name, sizeof(r->name), "#%d", idx);
	if (!config_setting_is_group(s)) {
		ERR(dg, r->line, "%s is %s — write { name = \"web\"; proto = \"tcp\"; dport = 80; lane = \"fast\"; }",
		    where, type_name(config_setting_type(s)));
		return;
	}
	check_keys(dg, s, where, keys);
	if (get_str(dg, s, "name", where, "write name = \"web\";", &name) == 0)
		ERR(dg, r->line, "%s has no name — add name = \"...\"; (stats report rules by name)", where);
	if (name && !valid_name(name))
		ERR(dg, line_of(config_setting_get_member(s, "name")),
		    "rule name \"%s\" is not valid — use 1-%d letters, digits, '-', '_' or '.'", name,
		    SHUNT_NAME_LEN - 1);
	else if (name)
		snprintf(r->name, sizeof(r->name), "%s", name);

	if ((m = config_setting_get_member(s, "proto")))
		parse_proto(dg, m, r);
	if ((m = config_setting_get_member(s, "src")))
		parse_prefixes(dg, m, r, "src", r->src, &r->nsrc);
	if ((m = config_setting_get_member(s, "dst")))
		parse_prefixes(dg, m, r, "dst", r->dst, &r->ndst);
	if ((m = config_setting_get_member(s, "sport")))
		parse_port(dg, m, r, "sport", &r->sport_any, &r->sport);
	if ((m = config_setting_get_member(s, "dport")))
		parse_port(dg, m, r, "dport", &r->dport_any, &r->dport);
	if (get_str(dg, s, "ingress", where, "write ingress = \"lan\"; (an interface's name)", &ingress) == 1) {
		for (unsigned i = 0; i < cfg->niface; i++)
			if (!strcmp(cfg->iface[i].name, ingress))
				r->ingress = (int)i;
		if (r->ingress < 0)
			ERR(dg, line_of(config_setting_get_member(s, "ingress")),
			    "rule '%s': ingress \"%s\" is not a configured interface — use the name = of one of the interfaces",
			    r->name, ingress);
	}
	if (get_str(dg, s, "lane", where, "write lane = \"fast\"; \"kernel\" or \"drop\"", &lane) == 0) {
		ERR(dg, r->line, "rule '%s' has no lane — add lane = \"fast\"; \"kernel\" or \"drop\"", r->name);
	} else if (lane) {
		int l = pick(lane, lane_words);

		if (l < 0)
			ERR(dg, line_of(config_setting_get_member(s, "lane")),
			    "rule '%s': lane \"%s\" is unknown — use \"fast\", \"kernel\" or \"drop\"", r->name, lane);
		else
			r->lane = (enum shunt_lane)l;
	}
}

/* Ports only exist for TCP and UDP; the families a rule can match follow
 * from its prefixes and from icmp/icmpv6. */
static void check_rule(struct diags *dg, struct cfg_rule *r)
{
	unsigned fam = CFG_FAMILY_V4 | CFG_FAMILY_V6, f;

	if (!r->sport_any || !r->dport_any) {
		bool ok = !r->proto_any;

		for (int p = 0; ok && p < 256; p++)
			if (rule_has_proto(r, (uint8_t)p) && p != 6 && p != 17)
				ok = false;
		if (!ok)
			ERR(dg, r->line, "rule '%s' matches ports but its proto is not tcp or udp — add proto = \"tcp\"; (or \"udp\", or [\"tcp\", \"udp\"])",
			    r->name);
	}
	for (int k = 0; k < 2; k++) {
		unsigned n = k ? r->ndst : r->nsrc;
		const struct cfg_prefix *p = k ? r->dst : r->src;

		if (!n)
			continue;
		f = 0;
		for (unsigned i = 0; i < n; i++)
			f |= p[i].family == 4 ? CFG_FAMILY_V4 : CFG_FAMILY_V6;
		fam &= f;
	}
	r->families = fam;
	if (!fam) {
		ERR(dg, r->line, "rule '%s' can never match: its src and dst prefixes share no IP version — give IPv4 and IPv6 prefixes their own rules",
		    r->name);
		return;
	}
	/* proto is the protocol number in either family, but icmp (1) with
	 * IPv6-only prefixes (or icmpv6 with IPv4-only) is surely a typo */
	if (!r->proto_any) {
		bool only_icmp = true, only_icmp6 = true;

		for (int p = 0; p < 256; p++) {
			if (!rule_has_proto(r, (uint8_t)p))
				continue;
			only_icmp &= p == 1;
			only_icmp6 &= p == 58;
		}
		if (only_icmp && fam == CFG_FAMILY_V6)
			ERR(dg, r->line, "rule '%s' matches proto icmp (IPv4's ICMP) but only IPv6 prefixes — write proto = \"icmpv6\";",
			    r->name);
		if (only_icmp6 && fam == CFG_FAMILY_V4)
			ERR(dg, r->line, "rule '%s' matches proto icmpv6 but only IPv4 prefixes — write proto = \"icmp\";",
			    r->name);
	}
}

static void parse_rules(struct diags *dg, const config_setting_t *list, struct shunt_config *cfg)
{
	int n;

	if (!config_setting_is_list(list)) {
		ERR(dg, line_of(list), "rules is %s — write rules = ( { name = \"web\"; ... }, ... );",
		    type_name(config_setting_type(list)));
		return;
	}
	n = config_setting_length(list);
	if (n > SHUNT_MAX_RULES) {
		ERR(dg, line_of(config_setting_get_elem(list, SHUNT_MAX_RULES)),
		    "%d rules — the classifier holds at most %d; merge rules (ports ranges, prefix lists, proto lists)",
		    n, SHUNT_MAX_RULES);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct cfg_rule *r = &cfg->rule[cfg->nrules];
		unsigned before = dg->nerr;

		parse_rule(dg, config_setting_get_elem(list, i), cfg, r, i);
		/* a rule already in error is not analysed further: no follow-on
		 * "never matches" or overlap noise about a half-read rule */
		if (dg->nerr == before)
			check_rule(dg, r);
		for (unsigned j = 0; j < cfg->nrules; j++)
			if (r->name[0] != '#' && !strcmp(cfg->rule[j].name, r->name))
				ERR(dg, r->line, "rule name '%s' is used twice (also line %d) — give each rule its own name",
				    r->name, cfg->rule[j].line);
		cfg->nrules++;
	}
}

/* Every worker owns one TX queue on every port (it may route to any), so a
 * port needs at least as many queues as there are workers. */
static void check_queues(struct diags *dg, const struct shunt_config *cfg)
{
	bool seen[SHUNT_MAX_CORES] = { false };
	unsigned nworkers = 0;

	for (unsigned i = 0; i < cfg->niface; i++) {
		const struct cfg_iface *ifc = &cfg->iface[i];

		for (unsigned q = 0; q < ifc->nqueues; q++) {
			unsigned c = ifc->queue[q].core;

			/* the control loop mostly sleeps: it can share a core with
			 * a worker that naps when idle, not with one that spins */
			if ((int)c == cfg->dp.main_core && !seen[c] && cfg->dp.idle == IDLE_POLL)
				ERR(dg, ifc->queue[q].line, "interface '%s' queue %u runs on core %u, the dataplane's main_core, and idle = \"poll\" would starve the control loop — give workers cores of their own or set idle = \"adaptive\"",
				    ifc->name, ifc->queue[q].id, c);
			else if ((int)c == cfg->dp.main_core && !seen[c])
				WARN(dg, ifc->queue[q].line, "interface '%s' queue %u runs on core %u, the dataplane's main_core: the worker and the control loop share it",
				     ifc->name, ifc->queue[q].id, c);
			if (!seen[c]) {
				seen[c] = true;
				nworkers++;
			}
		}
		if (cfg->mode == SHUNT_MODE_HYBRID && !ifc->queues_listed)
			ERR(dg, ifc->line, "interface '%s' has no queues but mode is hybrid — add queues = ( { id = 0; core = 1; } );",
			    ifc->name);
	}
	if (cfg->mode == SHUNT_MODE_HYBRID) {
		unsigned nports = 0, need;

		for (unsigned i = 0; i < cfg->niface; i++)
			nports += cfg->iface[i].nqueues;
		need = SHUNT_FAST_BASE_MB + SHUNT_FAST_PORT_MB * nports;
		if (cfg->dp.memory_mb && cfg->dp.memory_mb < need)
			WARN(dg, cfg->dp.line, "dataplane.memory_mb = %u is less than the fast lane needs (about %u MB: ~%u for EAL and the route tables, ~%u per AF_XDP port) — raise it, or the fast lane will not start",
			     cfg->dp.memory_mb, need, SHUNT_FAST_BASE_MB, SHUNT_FAST_PORT_MB);
	}
	if (nworkers > SHUNT_MAX_WORKERS)
		ERR(dg, cfg->dp.line, "the queues name %u worker cores — at most %d", nworkers,
		    SHUNT_MAX_WORKERS);
	for (unsigned i = 0; i < cfg->niface; i++) {
		const struct cfg_iface *ifc = &cfg->iface[i];

		if (ifc->nqueues && ifc->nqueues < nworkers)
			ERR(dg, ifc->line, "interface '%s' has %u queue(s) but %u workers transmit on it — configure %u queues (ethtool -L %s combined %u) or use fewer worker cores",
			    ifc->name, ifc->nqueues, nworkers, nworkers, ifc->ifname, nworkers);
	}
}

static void check_rule_set(struct diags *dg, const struct shunt_config *cfg)
{
	for (unsigned j = 1; j < cfg->nrules; j++) {
		const struct cfg_rule *b = &cfg->rule[j];

		if (!b->families)
			continue;
		for (unsigned i = 0; i < j; i++) {
			const struct cfg_rule *a = &cfg->rule[i];

			if (!a->families)
				continue;
			if (rule_shadows(a, b)) {
				WARN(dg, b->line, "rule '%s' never matches: rule '%s' (line %d) comes first and matches all it would — move it up or delete it",
				     b->name, a->name, a->line);
				break;
			}
			/* first match wins, so an overlap is usually intended; the
			 * one worth a word lets through what a later rule drops */
			if (b->lane == SHUNT_LANE_DROP && a->lane != SHUNT_LANE_DROP &&
			    rule_overlaps(a, b))
				WARN(dg, b->line, "rule '%s' (drop) overlaps rule '%s' (line %d, lane %s), which comes first: packets both match are not dropped — move '%s' above '%s' if they should be",
				     b->name, a->name, a->line, lane_name(a->lane), b->name, a->name);
		}
	}
}

static void set_defaults(struct shunt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = SHUNT_MODE_KERNEL;
	snprintf(cfg->bpffs, sizeof(cfg->bpffs), "%s", SHUNT_DEFAULT_BPFFS);
	cfg->dp.main_core = 0;
	cfg->dp.hugepages = true;
	cfg->dp.memory_mb = 512;
	cfg->dp.burst = 32;
	cfg->dp.idle = IDLE_POLL;
	cfg->dp.heartbeat_ms = 200;
}

static int parse_root(config_t *lc, struct shunt_config *cfg, struct diags *dg, int mode_override)
{
	static const char *const keys[] = { "version", "mode", "bpffs", "interfaces", "dataplane",
					    "rules", NULL };
	config_setting_t *root = config_root_setting(lc);
	config_setting_t *s;
	const char *str;
	long long v;

	check_keys(dg, root, "the top level", keys);
	switch (get_int(dg, root, "version", "config", 0, INT_MAX, &v)) {
	case 0:
		ERR(dg, 1, "no version — start the file with version = %d;", SHUNT_CONFIG_VERSION);
		break;
	case 1:
		if (v != SHUNT_CONFIG_VERSION)
			ERR(dg, line_of(config_setting_get_member(root, "version")),
			    "config version %lld is not supported — this shunt reads version %d (see docs/config.md)",
			    v, SHUNT_CONFIG_VERSION);
		break;
	}
	if (get_str(dg, root, "mode", "config", "write mode = \"kernel\"; or \"hybrid\"", &str) == 1) {
		int m = pick(str, mode_words);

		cfg->mode_line = line_of(config_setting_get_member(root, "mode"));
		if (m < 0)
			ERR(dg, cfg->mode_line, "mode \"%s\" is unknown — use \"kernel\" or \"hybrid\"", str);
		else
			cfg->mode = m == 1 ? SHUNT_MODE_HYBRID : SHUNT_MODE_KERNEL;
	}
	/* `--mode` replaces the file's mode before anything depends on it */
	if (mode_override >= 0)
		cfg->mode = (enum shunt_mode)mode_override;
	if (get_str(dg, root, "bpffs", "config", "write bpffs = \"/sys/fs/bpf/shunt\";", &str) == 1) {
		if (str[0] != '/' || strlen(str) >= sizeof(cfg->bpffs) - 32 || strstr(str, ".."))
			ERR(dg, line_of(config_setting_get_member(root, "bpffs")),
			    "bpffs \"%s\" is not an absolute path without '..' — use a directory on a bpf filesystem, e.g. \"/sys/fs/bpf/shunt\"",
			    str);
		else
			snprintf(cfg->bpffs, sizeof(cfg->bpffs), "%s", str);
	}
	if ((s = config_setting_get_member(root, "dataplane")))
		parse_dataplane(dg, s, cfg);
	if ((s = config_setting_get_member(root, "interfaces")))
		parse_interfaces(dg, s, cfg);
	else
		ERR(dg, 1, "no interfaces — add interfaces = ( { name = \"lan\"; ifname = \"eth1\"; } );");
	if ((s = config_setting_get_member(root, "rules")))
		parse_rules(dg, s, cfg);
	check_queues(dg, cfg);
	check_rule_set(dg, cfg);
	return dg->nerr ? -EINVAL : 0;
}

/*
 * libconfig 1.5 reads an integer literal without the L suffix as 32 bits and
 * wraps what does not fit: `dport = 4294967376;` would become port 80. So
 * the text is scanned for such literals first (outside strings and
 * comments), and each is an error on its own line. Returns the count.
 */
static unsigned check_int_literals(const char *t, struct diags *dg)
{
	unsigned before = dg->nerr;
	int line = 1;

	for (const char *p = t; *p;) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				line += *p == '\n';
			}
			p += *p == '"';
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
		} else if (isdigit((unsigned char)*p) &&
			   (p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))) {
			bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
			bool neg = p > t && p[-1] == '-';
			const char *start = p;
			unsigned long long v;
			char *end;

			errno = 0;
			v = strtoull(p, &end, hex ? 16 : 10);
			p = end;
			if (!hex && (*p == '.' || *p == 'e' || *p == 'E')) {
				/* a float: libconfig reads those as doubles */
				while (isalnum((unsigned char)*p) || *p == '.' || *p == '+' || *p == '-')
					p++;
				continue;
			}
			if (*p == 'L')
				continue; /* explicitly 64-bit */
			if (errno == ERANGE || v > (hex ? 0xffffffffull : neg ? 2147483648ull : 2147483647ull))
				ERR(dg, line, "the number %s%.*s is too large — no shunt setting takes a number this big; check for a typo",
				    neg ? "-" : "", (int)(end - start), start);
		} else {
			p++;
		}
	}
	return dg->nerr - before;
}

/* Text given to libconfig must be a C string: a NUL inside means this is
 * not a config file at all, which libconfig would silently truncate. */
static int load_text(const char *text, size_t len, const char *name, struct shunt_config *cfg,
		     struct diags *dg, int mode_override)
{
	const char *nul = memchr(text, '\0', len);
	config_t lc;
	int err;

	set_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	if (nul) {
		int line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		ERR(dg, line, "the file contains a NUL byte — this is not a text config; check the path");
		return -EINVAL;
	}
	if (len == 0 || strspn(text, " \t\r\n") == len) {
		ERR(dg, 0, "the file is empty — start from configs/lab.conf or configs/gateway.conf");
		return -EINVAL;
	}
	if (check_int_literals(text, dg))
		return -EINVAL;
	config_init(&lc);
	config_set_options(&lc, CONFIG_OPTION_AUTOCONVERT);
	if (!config_read_string(&lc, text)) {
		ERR(dg, config_error_line(&lc), "%s — fix the syntax: key = value; strings in quotes, groups { }, lists ( ) and arrays [ ] with items separated by commas",
		    config_error_text(&lc) ? config_error_text(&lc) : "syntax error");
		config_destroy(&lc);
		return -EINVAL;
	}
	err = parse_root(&lc, cfg, dg, mode_override);
	config_destroy(&lc);
	return err;
}

int config_load_string(const char *text, const char *name, struct shunt_config *cfg,
		       struct diags *dg)
{
	return load_text(text, strlen(text), name, cfg, dg, -1);
}

int config_load(const char *file, struct shunt_config *cfg, struct diags *dg)
{
	return config_load_as(file, -1, cfg, dg);
}

int config_load_as(const char *file, int mode, struct shunt_config *cfg, struct diags *dg)
{
	struct stat st;
	FILE *f;

	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		set_defaults(cfg);
		ERR(dg, 0, "is a directory — give the path of the config file, e.g. configs/lab.conf");
		return -EISDIR;
	}
	f = fopen(file, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err;

	if (!f) {
		set_defaults(cfg);
		ERR(dg, 0, "cannot open: %s — check the path given with -c", strerror(errno));
		return -errno;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			if (cap >= (1u << 20)) {
				fclose(f);
				free(buf);
				set_defaults(cfg);
				ERR(dg, 0, "the file is larger than 1 MiB — this is not a shunt config; check the path");
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				fclose(f);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	err = load_text(buf, len, file, cfg, dg, mode);
	snprintf(cfg->path, sizeof(cfg->path), "%s", file);
	free(buf);
	return err;
}

void config_free(struct shunt_config *cfg)
{
	for (unsigned i = 0; i < cfg->dp.n_eal_extra; i++)
		free(cfg->dp.eal_extra[i]);
	free(cfg->dp.eal_extra);
	cfg->dp.eal_extra = NULL;
	cfg->dp.n_eal_extra = 0;
}

/* ---- what the host says ---- */

/* Parses a cpulist such as "0-3,6" into set[]. */
static int read_cpulist(const char *path, bool *set, unsigned n)
{
	char buf[512], *p, *end;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	for (p = buf; *p && *p != '\n';) {
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			return -EINVAL;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		for (unsigned long c = lo; c <= hi && c < n; c++)
			set[c] = true;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int config_check_host(const struct shunt_config *cfg, struct diags *dg)
{
	bool online[SHUNT_MAX_CORES] = { false };
	bool have_cpus = read_cpulist("/sys/devices/system/cpu/online", online, SHUNT_MAX_CORES) == 0;
	unsigned before = dg->nerr;

	for (unsigned i = 0; i < cfg->niface; i++) {
		const struct cfg_iface *ifc = &cfg->iface[i];
		struct nic_channels ch;
		unsigned maxq = 0;

		if (!if_nametoindex(ifc->ifname)) {
			ERR(dg, ifc->line, "interface '%s': %s does not exist in this network namespace — check ifname or create the interface",
			    ifc->name, ifc->ifname);
			continue;
		}
		if (!ifc->nqueues)
			continue;
		for (unsigned q = 0; q < ifc->nqueues; q++)
			if (ifc->queue[q].id + 1u > maxq)
				maxq = ifc->queue[q].id + 1u;
		if (nic_channels_get(ifc->ifname, &ch) == 0 && nic_rx_queues(&ch) < maxq)
			ERR(dg, ifc->line, "interface '%s': %s has %u receive queue(s) but the config uses queue %u — raise them (ethtool -L %s combined %u) or use queues below %u",
			    ifc->name, ifc->ifname, nic_rx_queues(&ch), maxq - 1, ifc->ifname, maxq,
			    nic_rx_queues(&ch));
	}
	if (have_cpus) {
		if (!online[cfg->dp.main_core])
			ERR(dg, cfg->dp.line, "dataplane.main_core %d is not an online CPU — see /sys/devices/system/cpu/online",
			    cfg->dp.main_core);
		for (unsigned i = 0; i < cfg->niface; i++)
			for (unsigned q = 0; q < cfg->iface[i].nqueues; q++)
				if (!online[cfg->iface[i].queue[q].core])
					ERR(dg, cfg->iface[i].queue[q].line, "interface '%s' queue %u: core %u is not an online CPU — pick one from /sys/devices/system/cpu/online",
					    cfg->iface[i].name, cfg->iface[i].queue[q].id,
					    cfg->iface[i].queue[q].core);
	}
	return dg->nerr > before ? -EINVAL : 0;
}
