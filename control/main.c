// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c — the `shunt` binary: subcommands and their options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "lane.h"
#include "log.h"
#include "preflight.h"
#include "steer.h"

static const char usage_text[] =
	"usage: shunt COMMAND [OPTIONS]\n"
	"\n"
	"A hybrid gateway dataplane: XDP steers selected flows to a DPDK fast lane,\n"
	"everything else stays on the kernel lane, accounted by tc eBPF programs.\n"
	"\n"
	"commands:\n"
	"  run -c FILE [--mode kernel|hybrid] [--no-fast-lane] [-v]\n"
	"        Attach to the config's interfaces and stay in the foreground;\n"
	"        SIGINT/SIGTERM detach everything this run attached. --mode\n"
	"        overrides the config's mode (to compare the two on one config).\n"
	"        Hybrid mode attaches the XDP steer program too and starts the DPDK\n"
	"        fast lane: one worker per configured core polls the AF_XDP ports\n"
	"        of its queues and routes with the kernel's routes and neighbours.\n"
	"        --no-fast-lane steers and counts without starting DPDK: fast flows\n"
	"        fail open to the kernel lane (fast_no_socket), e.g. to stage rules.\n"
	"        DPDK telemetry: dpdk-telemetry.py -f shunt-PID, commands /shunt/...\n"
	"  validate -c FILE [--no-host] [--preflight]\n"
	"        Check a config. Errors read FILE:LINE: what — what to do. As root\n"
	"        it also checks the host (interfaces, online cores, NIC queues);\n"
	"        --no-host skips that (e.g. for a config of another machine).\n"
	"        --preflight (root) also loads every BPF program with the config's\n"
	"        rules, without attaching or pinning anything, and prints the\n"
	"        instructions the verifier processed against its 1,000,000 limit.\n"
	"  stats [-c FILE | --bpffs DIR] [--json] [--watch SEC [--count N]]\n"
	"        Per-rule and per-reason counters of a running shunt, from its pins\n"
	"        (default " SHUNT_DEFAULT_BPFFS "). --watch repeats every SEC\n"
	"        seconds, the table with per-second rates; --json prints one JSON\n"
	"        object (counters only) each time. For a shunt started under `ip netns exec`, reach its pins\n"
	"        with: nsenter -t PID -m -n shunt stats\n"
	"  flow add PROTO SRC DST LANE | flow del PROTO SRC DST | flow list\n"
	"        [-c FILE | --bpffs DIR]  Exact 5-tuple overrides the XDP steer\n"
	"        program applies before the rules (hybrid mode), e.g.\n"
	"        shunt flow add udp 198.18.1.2:40000 198.18.2.2:7000 kernel\n"
	"  detach -c FILE\n"
	"        Remove what a killed run left: shunt's tc filters on the config's\n"
	"        interfaces, the clsact qdiscs it created, its pins. Refuses while\n"
	"        the run is still alive.\n"
	"\n"
	"options:\n"
	"  -c, --config FILE   config file (see docs/config.md, configs/*.conf)\n"
	"  -v, --verbose       debug output, including libbpf's and the verifier's\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 ok, 1 failure (the message says what and where), 2 usage\n";

enum {
	OPT_MODE = 256,
	OPT_NO_HOST,
	OPT_BPFFS,
	OPT_JSON,
	OPT_WATCH,
	OPT_COUNT,
	OPT_PREFLIGHT,
	OPT_NO_FAST_LANE,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "no-host", no_argument, NULL, OPT_NO_HOST },
	{ "bpffs", required_argument, NULL, OPT_BPFFS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "watch", required_argument, NULL, OPT_WATCH },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "preflight", no_argument, NULL, OPT_PREFLIGHT },
	{ "no-fast-lane", no_argument, NULL, OPT_NO_FAST_LANE },
	{ 0 },
};

struct cli {
	const char *cmd;
	int nargs; /* positional arguments after the command (flow) */
	char **args;
	const char *config;
	const char *mode;
	const char *bpffs;
	bool no_host, json, preflight, no_fast_lane;
	long watch, count;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "shunt: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " — see shunt --help\n");
	return 2;
}

static long parse_count(const char *s, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 86400) {
		usage_error("%s needs a whole number from 1 to 86400", opt);
		return -1;
	}
	return v;
}

/* Loads and checks the config; prints every diagnostic. 0 when usable. */
static int load_config(const struct cli *c, struct shunt_config *cfg, bool host)
{
	struct diags dg;
	int err;

	diags_init(&dg, c->config);
	err = config_load_as(c->config,
			     !c->mode ? -1 :
			     !strcmp(c->mode, "hybrid") ? SHUNT_MODE_HYBRID : SHUNT_MODE_KERNEL,
			     cfg, &dg);
	if (!err && host)
		err = config_check_host(cfg, &dg);
	diags_print(&dg, stderr);
	diags_free(&dg);
	return err;
}

/*
 * Loads every program (kernel lane, one steer copy) unpinned and unattached,
 * writes the config's rules into their maps, and reports the verifier's
 * processed instructions. Classification is O(1) in the rule count, so the
 * numbers hold for any rule set; loading the real one also proves it fits.
 */
static int preflight(const struct shunt_config *cfg)
{
	struct preflight_prog p[8];
	struct cls_image *img = malloc(sizeof(*img));
	struct lane_bpf *lane = NULL;
	struct steer_bpf *steer = NULL;
	int n, err = -ENOMEM;

	if (!img)
		goto out;
	err = cls_compile(cfg, NULL, img);
	if (err)
		goto out;
	err = -EINVAL;
	lane = lane_load(NULL);
	steer = lane ? steer_load(NULL, 0, (uint64_t)cfg->dp.heartbeat_ms * 1000000u) : NULL;
	if (!steer)
		goto out;
	err = maps_write_image(lane_object(lane), img);
	err = err ?: maps_write_image(steer_object(steer), img);
	if (err)
		goto out;
	n = preflight_object(lane_object(lane), p, 8);
	if (n > 0)
		preflight_print(stdout, "lane", p, n, true);
	err = n < 0 ? n : 0;
	n = preflight_object(steer_object(steer), p, 8);
	if (n > 0)
		preflight_print(stdout, "steer", p, n, false);
	err = err ?: n < 0 ? n : 0;
out:
	if (steer)
		steer_destroy(steer);
	if (lane)
		lane_destroy(lane);
	free(img);
	return err;
}

static int cmd_validate(const struct cli *c)
{
	struct shunt_config cfg;
	bool host = !c->no_host && geteuid() == 0;
	int err = load_config(c, &cfg, host);

	if (!err && c->preflight) {
		if (geteuid() != 0) {
			fprintf(stderr, "shunt: --preflight loads BPF programs and needs root — run it with sudo\n");
			config_free(&cfg);
			return 1;
		}
		err = preflight(&cfg);
		if (err)
			fprintf(stderr, "shunt: preflight failed: %s\n", strerror(-err));
	}

	if (!err)
		printf("%s: ok (%s mode, %u interface(s), %u rule(s))%s\n", c->config,
		       mode_name(cfg.mode), cfg.niface, cfg.nrules,
		       host ? "" : c->no_host ? ", host not checked" :
						 ", host not checked (needs root)");
	config_free(&cfg);
	return err ? 1 : 0;
}

static int with_config(const struct cli *c, int (*fn)(const struct shunt_config *))
{
	struct shunt_config cfg;
	int ret;

	if (load_config(c, &cfg, false)) {
		config_free(&cfg);
		return 1;
	}
	cfg.no_fast_lane = c->no_fast_lane;
	ret = fn(&cfg);
	config_free(&cfg);
	return ret;
}

/* The bpffs directory a command reads: the config's, --bpffs, or the default. */
static int with_bpffs(const struct cli *c, char *out, size_t len)
{
	struct shunt_config cfg;

	if (c->config && c->bpffs)
		return usage_error("%s", "give either -c FILE or --bpffs DIR");
	snprintf(out, len, "%s", c->bpffs ? c->bpffs : SHUNT_DEFAULT_BPFFS);
	if (!c->config)
		return 0;
	if (load_config(c, &cfg, false)) {
		config_free(&cfg);
		return 1;
	}
	snprintf(out, len, "%s", cfg.bpffs);
	config_free(&cfg);
	return 0;
}

static int dispatch(const struct cli *c)
{
	bool needs_config = strcmp(c->cmd, "stats") != 0 && strcmp(c->cmd, "flow") != 0;
	char bpffs[256];
	int ret;

	if (needs_config && !c->config)
		return usage_error("%s needs -c FILE", c->cmd);
	if (c->mode && strcmp(c->mode, "kernel") && strcmp(c->mode, "hybrid"))
		return usage_error("--mode is \"kernel\" or \"hybrid\", not \"%s\"", c->mode);
	if (c->no_fast_lane && strcmp(c->cmd, "run"))
		return usage_error("%s", "--no-fast-lane goes with run");
	if (!strcmp(c->cmd, "validate"))
		return cmd_validate(c);
	if ((!strcmp(c->cmd, "run") || !strcmp(c->cmd, "detach")) && geteuid() != 0) {
		fprintf(stderr, "shunt: %s needs root (CAP_BPF, CAP_NET_ADMIN) — run it with sudo\n", c->cmd);
		return 1;
	}
	if (!strcmp(c->cmd, "run"))
		return with_config(c, cmd_run);
	if (!strcmp(c->cmd, "detach"))
		return with_config(c, cmd_detach);
	if (!strcmp(c->cmd, "stats") || !strcmp(c->cmd, "flow")) {
		struct stats_opts o = { .json = c->json, .watch_sec = (unsigned)c->watch,
					.count = (unsigned)c->count, .bpffs = bpffs };

		ret = with_bpffs(c, bpffs, sizeof(bpffs));
		if (ret)
			return ret;
		return !strcmp(c->cmd, "flow") ? cmd_flow(bpffs, c->nargs, c->args) : cmd_stats(&o);
	}
	return usage_error("unknown command \"%s\"", c->cmd);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int opt;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	c.cmd = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "c:vh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.config = optarg;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_MODE:
			c.mode = optarg;
			break;
		case OPT_NO_HOST:
			c.no_host = true;
			break;
		case OPT_PREFLIGHT:
			c.preflight = true;
			break;
		case OPT_NO_FAST_LANE:
			c.no_fast_lane = true;
			break;
		case OPT_BPFFS:
			c.bpffs = optarg;
			break;
		case OPT_JSON:
			c.json = true;
			break;
		case OPT_WATCH:
			if ((c.watch = parse_count(optarg, "--watch")) < 0)
				return 2;
			break;
		case OPT_COUNT:
			if ((c.count = parse_count(optarg, "--count")) < 0)
				return 2;
			break;
		default:
			return usage_error("%s", "bad option");
		}
	}
	c.nargs = argc - optind;
	c.args = argv + optind;
	if (c.nargs && strcmp(c.cmd, "flow"))
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	log_route_libbpf();
	return dispatch(&c);
}
