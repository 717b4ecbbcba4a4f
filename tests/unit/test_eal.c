// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_eal.c — the fast lane's vdev and EAL arguments from a config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "config.h"
#include "eal.h"
#include "vdev.h"

static const char two_ports[] =
	"version = 1;\n"
	"mode = \"hybrid\";\n"
	"interfaces = (\n"
	"  { name = \"lan\"; ifname = \"gw-lan\"; queues = ( { id = 0; core = 1; }, { id = 1; core = 2; } ); },\n"
	"  { name = \"wan\"; ifname = \"gw-wan\"; queues = ( { id = 0; core = 1; }, { id = 3; core = 2; } ); }\n"
	");\n"
	"dataplane = { main_core = 0; hugepages = false; memory_mb = 256; idle = \"adaptive\";\n"
	"              eal_extra = [\"--log-level=8\", \"--huge-unlink\"]; };\n";

static void load(const char *text, struct shunt_config *cfg)
{
	struct diags dg;

	diags_init(&dg, "t");
	CU_ASSERT_FATAL(config_load_string(text, "t", cfg, &dg) == 0);
	diags_free(&dg);
}

static void test_vdevs(void)
{
	struct shunt_config cfg;
	struct afxdp_port p[8];
	int n;

	load(two_ports, &cfg);
	n = afxdp_ports(&cfg, p, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(p[0].name, "net_af_xdp_gw-lan_q0");
	CU_ASSERT_STRING_EQUAL(p[0].args, "iface=gw-lan,start_queue=0,queue_count=1,busy_budget=0");
	CU_ASSERT_STRING_EQUAL(p[3].name, "net_af_xdp_gw-wan_q3");
	CU_ASSERT_STRING_EQUAL(p[3].args, "iface=gw-wan,start_queue=3,queue_count=1,busy_budget=0");
	CU_ASSERT_EQUAL(p[3].iface, 1);
	CU_ASSERT_EQUAL(p[3].queue, 3);
	CU_ASSERT_EQUAL(p[3].core, 2);
	CU_ASSERT_EQUAL(afxdp_ports(&cfg, p, 3), -E2BIG);
	/* poll: the PMD's own busy-poll budget */
	cfg.dp.idle = IDLE_POLL;
	afxdp_ports(&cfg, p, 8);
	CU_ASSERT_STRING_EQUAL(p[1].args, "iface=gw-lan,start_queue=1,queue_count=1");
	config_free(&cfg);
}

static void test_eal_no_huge(void)
{
	static const char *want[] = {
		"shunt", "--lcores=0@0,1@1,2@2", "--main-lcore=0", "--file-prefix=shunt-7", "--no-pci",
		"--no-huge", "-m", "256",
		"--vdev", "net_af_xdp_gw-lan_q0,iface=gw-lan,start_queue=0,queue_count=1,busy_budget=0",
		"--vdev", "net_af_xdp_gw-lan_q1,iface=gw-lan,start_queue=1,queue_count=1,busy_budget=0",
		"--vdev", "net_af_xdp_gw-wan_q0,iface=gw-wan,start_queue=0,queue_count=1,busy_budget=0",
		"--vdev", "net_af_xdp_gw-wan_q3,iface=gw-wan,start_queue=3,queue_count=1,busy_budget=0",
		"--log-level=notice", "--log-level=8", "--huge-unlink",
	};
	static struct eal_args a;
	struct shunt_config cfg;
	struct afxdp_port p[8];
	int n;

	load(two_ports, &cfg);
	n = afxdp_ports(&cfg, p, 8);
	CU_ASSERT_EQUAL_FATAL(eal_args_build(&cfg, p, n, "shunt", "shunt-7", &a), 0);
	CU_ASSERT_EQUAL_FATAL(a.argc, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < a.argc; i++)
		CU_ASSERT_STRING_EQUAL(a.argv[i], want[i]);
	CU_ASSERT_PTR_NULL(a.argv[a.argc]);
	config_free(&cfg);
}

static void test_eal_huge_and_cores(void)
{
	static struct eal_args a;
	struct shunt_config cfg;
	struct afxdp_port p[8];
	int n;

	load(two_ports, &cfg);
	cfg.dp.hugepages = true;
	cfg.dp.main_core = 5; /* lcore 0 on the main core, workers from lcore 1 */
	n = afxdp_ports(&cfg, p, 8);
	CU_ASSERT_EQUAL_FATAL(eal_args_build(&cfg, p, n, "shunt", "x", &a), 0);
	CU_ASSERT_STRING_EQUAL(a.argv[1], "--lcores=0@5,1@1,2@2");
	CU_ASSERT_STRING_EQUAL(a.argv[2], "--main-lcore=0");
	CU_ASSERT_STRING_EQUAL(a.argv[5], "--socket-mem=256");
	CU_ASSERT_STRING_EQUAL(a.argv[6], "--huge-unlink");
	CU_ASSERT_STRING_EQUAL(a.argv[7], "--vdev");
	/* a worker on main_core (idle = adaptive): two lcores on one CPU */
	cfg.iface[0].queue[0].core = 5;
	CU_ASSERT_EQUAL_FATAL(eal_args_build(&cfg, p, n, "shunt", "x", &a), 0);
	CU_ASSERT_STRING_EQUAL(a.argv[1], "--lcores=0@5,1@5,2@2,3@1");
	config_free(&cfg);
}

static void test_eal_overflow(void)
{
	static struct eal_args a;
	static struct afxdp_port p[SHUNT_MAX_IFACES * SHUNT_MAX_QUEUES + 1];
	struct shunt_config cfg;
	int n = (int)(sizeof(p) / sizeof(p[0]));

	load(two_ports, &cfg);
	for (int i = 0; i < n; i++) {
		snprintf(p[i].name, sizeof(p[i].name), "net_af_xdp_x%d", i);
		snprintf(p[i].args, sizeof(p[i].args), "iface=x,start_queue=%d,queue_count=1", i);
		p[i].core = 1;
	}
	/* more ports than the argument table holds: an error, never an overflow */
	CU_ASSERT_EQUAL(eal_args_build(&cfg, p, n, "shunt", "x", &a), -E2BIG);
	config_free(&cfg);
}

int main(void)
{
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("fast lane arguments", NULL, NULL);
	CU_add_test(s, "one net_af_xdp vdev per (interface, queue)", test_vdevs);
	CU_add_test(s, "EAL without hugepages", test_eal_no_huge);
	CU_add_test(s, "EAL with hugepages, lcores mapped to the configured CPUs", test_eal_huge_and_cores);
	CU_add_test(s, "EAL argument overflow is an error", test_eal_overflow);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
