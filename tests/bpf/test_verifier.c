// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_verifier.c — the verifier budget: every BPF program, as each clang
 * we support compiles it, must verify in at most a quarter of the kernel's
 * BPF_COMPLEXITY_LIMIT_INSNS processed instructions.
 *
 * argv: the BPF objects to check (meson passes `bpf_objs_by_clang`: lane and
 * steer built by clang-14 and clang-16). Each is opened from its file, with
 * every map unpinned (nothing touches bpffs), loaded, and filled with the
 * rules of tests/configs/rules64.conf (64 rules using every field type; the
 * path comes from env SRCDIR) the way `shunt run` fills them: config_load,
 * cls_compile, maps_write_image. The verifier's processed-instruction count
 * of each program (preflight_object) is printed as a table and checked.
 *
 * The objects must come from at least two different clang major versions
 * (read from the DWARF producer string each object carries, so a clang-16
 * that went missing, or is clang-14 under another name, is noticed):
 * what one clang emits can cost the verifier far more than another's.
 *
 * Needs root and BPF: exits 77 (skip) without them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "mapfill.h"
#include "preflight.h"
#include "rules.h"

#define SKIP 77
#define MAX_OBJS 16
#define MAX_PROGS 8
#define RULES_CONF "tests/configs/rules64.conf"
/* the budget: 25% of the kernel's limit, headroom for the rules and
 * features still to come and for other kernels' verifiers */
#define BUDGET_INSNS (BPF_COMPLEXITY_LIMIT_INSNS / 4)

struct obj_case {
	const char *path;
	char label[40];  /* "lane@14": object name and clang major */
	int clang_major; /* from the DWARF producer; 0 if unknown */
	bool checked;
	int nprogs;
	struct preflight_prog prog[MAX_PROGS];
};

static struct obj_case objs[MAX_OBJS];
static int nobjs;
static struct shunt_config cfg;
static struct cls_image *img;
/* made-up ifindexes for lan and wan, so that ingress rules fill cls_iif */
static const uint32_t fake_ifindex[SHUNT_MAX_IFACES] = { 11, 12, 13, 14, 15, 16, 17, 18,
							 19, 20, 21, 22, 23, 24, 25, 26 };

/* ---- reading an object file ---- */

/* The clang major version that compiled the object at path: the DWARF
 * producer string ("... clang version 16.0.6 ...") that -g puts in it.
 * Returns 0 when there is none. */
static int clang_major_of(const char *path)
{
	static const char needle[] = "clang version ";
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *p;
	long size;
	int major = 0;

	if (!f)
		return 0;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		for (p = buf; p + sizeof(needle) - 1 < buf + size; p++) {
			if (!memcmp(p, needle, sizeof(needle) - 1)) {
				major = atoi(p + sizeof(needle) - 1);
				break;
			}
		}
	}
	free(buf);
	fclose(f);
	return major;
}

/* "lane" from ".../lane.clang-14.bpf.o" */
static void object_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= len)
		n = len - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

/* ---- the checks ---- */

/* Opens, loads and fills one object; fills c->prog. */
static void check_object(struct obj_case *c)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	int err;

	c->checked = true;
	obj = bpf_object__open_file(c->path, NULL);
	if (!obj) {
		fprintf(stderr, "\n%s: cannot open: %s\n", c->path, strerror(errno));
		CU_FAIL("bpf_object__open_file");
		return;
	}
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "\n%s: cannot load: %s (libbpf printed the verifier's log above)\n",
			c->path, strerror(-err));
		CU_FAIL("bpf_object__load");
		bpf_object__close(obj);
		return;
	}
	err = maps_write_image(obj, img);
	if (err)
		fprintf(stderr, "\n%s: cannot write %s's rules into its maps: %s\n", c->path,
			RULES_CONF, strerror(-err));
	CU_ASSERT_EQUAL(err, 0);

	c->nprogs = preflight_object(obj, c->prog, MAX_PROGS);
	if (c->nprogs < 0)
		fprintf(stderr, "\n%s: preflight_object: %s\n", c->path, strerror(-c->nprogs));
	CU_ASSERT(c->nprogs > 0);
	for (int i = 0; i < c->nprogs; i++) {
		const struct preflight_prog *p = &c->prog[i];

		if (p->verified_insns == 0)
			fprintf(stderr, "\n%s: %s: the kernel reports 0 verified instructions (it needs to be 5.16 or later)\n",
				c->label, p->name);
		CU_ASSERT(p->verified_insns > 0);
		if (p->verified_insns > BUDGET_INSNS)
			fprintf(stderr, "\n%s (%s): %s: %u verified instructions, over the budget of %u (25%% of %u)\n",
				c->label, c->path, p->name, p->verified_insns, BUDGET_INSNS,
				BPF_COMPLEXITY_LIMIT_INSNS);
		CU_ASSERT(p->verified_insns <= BUDGET_INSNS);
	}
	bpf_object__close(obj);
}

/* One CUnit test per object: CUnit tests take no argument. */
#define OBJ_TEST(n)                              \
	static void test_obj_##n(void)           \
	{                                        \
		check_object(&objs[n]);          \
	}
OBJ_TEST(0) OBJ_TEST(1) OBJ_TEST(2) OBJ_TEST(3) OBJ_TEST(4) OBJ_TEST(5) OBJ_TEST(6) OBJ_TEST(7)
OBJ_TEST(8) OBJ_TEST(9) OBJ_TEST(10) OBJ_TEST(11) OBJ_TEST(12) OBJ_TEST(13) OBJ_TEST(14)
OBJ_TEST(15)
static const CU_TestFunc obj_tests[MAX_OBJS] = {
	test_obj_0, test_obj_1, test_obj_2, test_obj_3, test_obj_4, test_obj_5,
	test_obj_6, test_obj_7, test_obj_8, test_obj_9, test_obj_10, test_obj_11,
	test_obj_12, test_obj_13, test_obj_14, test_obj_15,
};

static void test_rules64(void)
{
	/* the config is what the budget is measured with: it must be full */
	CU_ASSERT_EQUAL(cfg.nrules, SHUNT_MAX_RULES);
	CU_ASSERT_EQUAL(img->nrules, SHUNT_MAX_RULES);
}

static void test_two_clangs(void)
{
	int majors[MAX_OBJS], n = 0;

	for (int i = 0; i < nobjs; i++) {
		bool seen = false;

		if (!objs[i].clang_major)
			continue;
		for (int j = 0; j < n; j++)
			seen = seen || majors[j] == objs[i].clang_major;
		if (!seen)
			majors[n++] = objs[i].clang_major;
	}
	if (n < 2)
		fprintf(stderr, "\nobjects from %d clang version(s) were given, expected at least 2: is clang-14 or clang-16 missing? (scripts/deps.sh installs both; ebpf/meson.build builds bpf_objs_by_clang with each one found)\n",
			n);
	CU_ASSERT(n >= 2);
}

static void print_table(void)
{
	bool header = true;

	printf("\nverifier budget: at most %u processed instructions per program (25%% of %u), rules from %s\n",
	       BUDGET_INSNS, BPF_COMPLEXITY_LIMIT_INSNS, RULES_CONF);
	for (int i = 0; i < nobjs; i++) {
		if (objs[i].nprogs <= 0)
			continue;
		preflight_print(stdout, objs[i].label, objs[i].prog, objs[i].nprogs, header);
		header = false;
	}
	printf("(object@N: built by clang N)\n");
	for (int i = 0; i < nobjs; i++)
		if (objs[i].checked && objs[i].nprogs <= 0)
			printf("%s: not measured (see the failure above)\n", objs[i].path);
}

/* ---- setup ---- */

/* libbpf's warnings (a failed load's verifier log among them), not its
 * notes (such as the xdp_metadata section it does not need to know). */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int load_rules(void)
{
	const char *srcdir = getenv("SRCDIR");
	char path[4096];
	struct diags dg;
	int err;

	if (!srcdir || !*srcdir) {
		fprintf(stderr, "test_verifier: set SRCDIR to the repository root (meson does)\n");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", srcdir, RULES_CONF);
	diags_init(&dg, path);
	err = config_load(path, &cfg, &dg);
	diags_print(&dg, stderr);
	diags_free(&dg);
	if (err) {
		fprintf(stderr, "test_verifier: %s does not load\n", path);
		return err;
	}
	img = malloc(sizeof(*img));
	if (!img)
		return -ENOMEM;
	err = cls_compile(&cfg, fake_ifindex, img);
	if (err)
		fprintf(stderr, "test_verifier: cannot compile the rules of %s: %s\n", path,
			strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	unsigned fails;
	int ret = 1;

	libbpf_set_print(libbpf_print);
	if (geteuid() != 0) {
		fprintf(stderr, "test_verifier: needs root for BPF — skipped\n");
		return SKIP;
	}
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) <= 0 ||
	    libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) <= 0) {
		fprintf(stderr, "test_verifier: this kernel does not load XDP and tc BPF programs — skipped\n");
		return SKIP;
	}
	if (argc - 1 > MAX_OBJS) {
		fprintf(stderr, "test_verifier: at most %d objects, got %d\n", MAX_OBJS, argc - 1);
		return 1;
	}
	if (load_rules())
		goto out;

	nobjs = argc - 1;
	for (int i = 0; i < nobjs; i++) {
		char name[24];

		objs[i].path = argv[i + 1];
		objs[i].clang_major = clang_major_of(argv[i + 1]);
		object_name(argv[i + 1], name, sizeof(name));
		if (objs[i].clang_major)
			snprintf(objs[i].label, sizeof(objs[i].label), "%s@%d", name,
				 objs[i].clang_major);
		else
			snprintf(objs[i].label, sizeof(objs[i].label), "%s@?", name);
	}

	if (CU_initialize_registry() != CUE_SUCCESS)
		goto out;
	CU_pSuite s = CU_add_suite("verifier_budget", NULL, NULL);
	CU_add_test(s, "rules64.conf has 64 rules", test_rules64);
	CU_add_test(s, "objects from at least two clang versions", test_two_clangs);
	for (int i = 0; i < nobjs; i++) {
		char tname[4200];

		snprintf(tname, sizeof(tname), "%s (%s) within the budget", objs[i].label, objs[i].path);
		CU_add_test(s, tname, obj_tests[i]);
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	print_table();
	ret = fails ? 1 : 0;
out:
	free(img);
	config_free(&cfg);
	return ret;
}
