// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_config.c — config parsing and validation (control/config.c).
 *
 * - every example in configs/ loads without errors;
 * - the corpus tests/configs/bad/: one broken config per file, whose header
 *   says which line the error must name:
 *       # expect-line: N      (or "N M": either; "any": any line)
 *       # expect-text: TEXT   (optional: some error contains TEXT)
 *   A 0-byte file cannot carry a header: it expects line 0. Every error must
 *   say what to do (" — " then the advice);
 * - random rule sets written as config text read back into the same rules;
 * - fuzz: every truncation of configs/lab.conf, seeded random mutations of
 *   it, random garbage. Built with ASan/UBSan where the compiler has them,
 *   so a crash or an overflow fails the run.
 *
 * Files are found under $SRCDIR (meson sets it), else the SRCDIR the build
 * compiled in. CONFIG_FUZZ_ITERS changes the number of mutations (2000).
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "randrules.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_REPORTS 10 /* failing inputs printed per test */

/* libconfig 1.5 leaks its scanner's buffers on some syntax errors: not ours
 * to fix, and LeakSanitizer would fail the run for it. Leaks anywhere else
 * (config.c included) still fail it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static struct shunt_config *cfg;

static int suite_init(void)
{
	cfg = calloc(1, sizeof(*cfg));
	return cfg ? 0 : -1;
}

static int suite_cleanup(void)
{
	free(cfg);
	return 0;
}

static const char *srcdir(void)
{
	const char *d = getenv("SRCDIR");

	return d && *d ? d : SRCDIR;
}

/* Reads a whole file; *len excludes the NUL added at the end. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static unsigned count_lines(const char *text, size_t len)
{
	unsigned n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Files matching srcdir()/pattern; globfree() the result. */
static size_t find(const char *pattern, glob_t *g)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", srcdir(), pattern);
	memset(g, 0, sizeof(*g));
	if (glob(path, 0, NULL, g) != 0)
		return 0;
	return g->gl_pathc;
}

static bool has_advice(const char *msg)
{
	return strstr(msg, " \u2014 ") != NULL; /* " — " */
}

enum outcome {
	OUT_OK,
	OUT_BROKEN,    /* the contract below does not hold */
	OUT_NO_ADVICE, /* it holds, but an error does not say what to do */
};

/*
 * The contract for any input: success without errors, or failure with at
 * least one error, and every diagnostic on a line of the input (0..nlines).
 * Beyond it, every error should say what to do (" — " then the advice).
 */
static enum outcome outcome(const char *what, const char *text, size_t len, int rc,
			    const struct diags *dg, bool verbose)
{
	unsigned nlines = count_lines(text, len);
	enum outcome o = OUT_OK;
	const char *why = NULL;

	if (rc == 0 && dg->nerr)
		why = "returned 0 with errors";
	else if (rc != 0 && dg->nerr == 0)
		why = "failed without an error diagnostic";
	for (unsigned i = 0; !why && i < dg->n; i++)
		if (dg->d[i].line < 0 || (unsigned)dg->d[i].line > nlines)
			why = "a diagnostic names a line outside the input";
	if (why) {
		o = OUT_BROKEN;
	} else {
		for (unsigned i = 0; !why && i < dg->n; i++)
			if (dg->d[i].level == DIAG_ERROR && !has_advice(dg->d[i].msg))
				why = "an error does not say what to do (no \" \u2014 \")";
		if (why)
			o = OUT_NO_ADVICE;
	}
	if (o != OUT_OK && verbose) {
		fprintf(stderr, "\n%s: %s (rc %d, %u lines)\n", what, why, rc, nlines);
		diags_print(dg, stderr);
	}
	return o;
}

/* ---- the examples ---- */

static void test_examples_valid(void)
{
	glob_t g;
	size_t n = find("configs/*.conf", &g);

	CU_ASSERT(n >= 1);
	for (size_t i = 0; i < n; i++) {
		struct diags dg;
		int rc;

		diags_init(&dg, g.gl_pathv[i]);
		rc = config_load(g.gl_pathv[i], cfg, &dg);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(dg.nerr, 0);
		if (rc || dg.nerr) {
			fprintf(stderr, "\n%s does not validate:\n", g.gl_pathv[i]);
			diags_print(&dg, stderr);
		}
		config_free(cfg);
		diags_free(&dg);
	}
	printf("\n    %zu example(s) ", n);
	globfree(&g);
}

/* What lab.conf says, as the rest of shunt will see it. */
static void test_lab_values(void)
{
	char path[4096];
	struct diags dg;
	const struct cfg_rule *r;

	snprintf(path, sizeof(path), "%s/configs/lab.conf", srcdir());
	diags_init(&dg, path);
	CU_ASSERT_EQUAL_FATAL(config_load(path, cfg, &dg), 0);
	CU_ASSERT_EQUAL(cfg->mode, SHUNT_MODE_KERNEL);
	CU_ASSERT_STRING_EQUAL(cfg->bpffs, "/sys/fs/bpf/shunt");
	CU_ASSERT_EQUAL(cfg->niface, 2);
	CU_ASSERT_STRING_EQUAL(cfg->iface[0].name, "lan");
	CU_ASSERT_STRING_EQUAL(cfg->iface[1].ifname, "gw-wan");
	CU_ASSERT_EQUAL(cfg->iface[0].nqueues, 2);
	CU_ASSERT_EQUAL(cfg->iface[0].queue[0].core, 1);
	CU_ASSERT_EQUAL(cfg->iface[0].queue[1].id, 1);
	CU_ASSERT_EQUAL(cfg->iface[0].queue[1].core, 1);
	CU_ASSERT_EQUAL(cfg->dp.hugepages, false);
	CU_ASSERT_EQUAL(cfg->dp.memory_mb, 512);
	CU_ASSERT_EQUAL(cfg->dp.idle, IDLE_ADAPTIVE);
	CU_ASSERT_EQUAL(cfg->nrules, 7);

	r = &cfg->rule[0];
	CU_ASSERT_STRING_EQUAL(r->name, "udp-fast");
	CU_ASSERT_FALSE(r->proto_any);
	CU_ASSERT_TRUE(rule_has_proto(r, 17));
	CU_ASSERT_FALSE(rule_has_proto(r, 6));
	CU_ASSERT_EQUAL(r->ndst, 1);
	CU_ASSERT_EQUAL(r->dst[0].family, 4);
	CU_ASSERT_EQUAL(r->dst[0].len, 24);
	CU_ASSERT_EQUAL(r->dst[0].addr[2], 2);
	CU_ASSERT_FALSE(r->dport_any);
	CU_ASSERT_EQUAL(r->dport.lo, 7000);
	CU_ASSERT_EQUAL(r->dport.hi, 7000);
	CU_ASSERT_TRUE(r->sport_any);
	CU_ASSERT_EQUAL(r->lane, SHUNT_LANE_FAST);
	CU_ASSERT_EQUAL(r->families, CFG_FAMILY_V4);

	r = &cfg->rule[3];
	CU_ASSERT_EQUAL(r->dport.lo, 7003);
	CU_ASSERT_EQUAL(r->dport.hi, 7004);
	CU_ASSERT_EQUAL(r->families, CFG_FAMILY_V6);

	r = &cfg->rule[6];
	CU_ASSERT_TRUE(rule_has_proto(r, 1));
	CU_ASSERT_TRUE(rule_has_proto(r, 58));
	CU_ASSERT_FALSE(rule_has_proto(r, 6));
	CU_ASSERT_EQUAL(r->lane, SHUNT_LANE_KERNEL);
	CU_ASSERT_EQUAL(r->families, CFG_FAMILY_V4 | CFG_FAMILY_V6);
	config_free(cfg);
	diags_free(&dg);
}

/* ---- the corpus of broken configs ---- */

struct expectation {
	bool any_line;
	int lines[4];
	unsigned nlines;
	char text[128];
};

/* Reads the header; false if the file has none. */
static bool parse_header(const char *buf, struct expectation *e)
{
	const char *p = buf;

	memset(e, 0, sizeof(*e));
	if (strncmp(p, "# expect-line:", 14) != 0)
		return false;
	p += 14;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "any", 3)) {
		e->any_line = true;
	} else {
		while (e->nlines < 4 && *p >= '0' && *p <= '9') {
			e->lines[e->nlines++] = (int)strtol(p, (char **)&p, 10);
			while (*p == ' ')
				p++;
		}
		if (!e->nlines)
			return false;
	}
	/* further header lines: the leading comment block */
	while ((p = strchr(p, '\n')) && p[1] == '#') {
		p++;
		if (!strncmp(p, "# expect-text: ", 15)) {
			size_t n = strcspn(p + 15, "\n");

			if (n >= sizeof(e->text))
				n = sizeof(e->text) - 1;
			memcpy(e->text, p + 15, n);
			e->text[n] = '\0';
		}
	}
	return true;
}

static bool line_expected(const struct expectation *e, int line)
{
	if (e->any_line)
		return true;
	for (unsigned i = 0; i < e->nlines; i++)
		if (e->lines[i] == line)
			return true;
	return false;
}

/* One corpus file; returns true when it behaves. */
static bool check_bad(const char *path)
{
	struct expectation e;
	struct diags dg;
	size_t len = 0;
	char *buf = read_file(path, &len);
	bool line_ok = false, text_ok, ok;
	int rc;

	if (!buf) {
		fprintf(stderr, "\n%s: cannot read\n", path);
		return false;
	}
	if (len == 0) {
		e = (struct expectation){.nlines = 1}; /* lines[0] = 0 */
	} else if (!parse_header(buf, &e)) {
		fprintf(stderr, "\n%s: no \"# expect-line: N\" first line\n", path);
		free(buf);
		return false;
	}
	text_ok = !e.text[0];

	diags_init(&dg, path);
	rc = config_load(path, cfg, &dg);
	for (unsigned i = 0; i < dg.n; i++) {
		if (dg.d[i].level != DIAG_ERROR)
			continue;
		line_ok |= line_expected(&e, dg.d[i].line);
		if (e.text[0] && strstr(dg.d[i].msg, e.text))
			text_ok = true;
	}
	ok = outcome(path, buf, len, rc, &dg, true) == OUT_OK && rc != 0 && line_ok && text_ok;
	if (!ok) {
		fprintf(stderr, "\n%s: want an error on line", path);
		if (e.any_line)
			fputs(" (any)", stderr);
		for (unsigned i = 0; i < e.nlines; i++)
			fprintf(stderr, " %d", e.lines[i]);
		if (e.text[0])
			fprintf(stderr, " containing \"%s\"", e.text);
		fprintf(stderr, "; got rc %d and %s\n", rc, dg.n ? "these:" : "no diagnostic");
		diags_print(&dg, stderr);
	}
	config_free(cfg);
	diags_free(&dg);
	free(buf);
	return ok;
}

static void test_bad_corpus(void)
{
	glob_t g;
	size_t n = find("tests/configs/bad/*.conf", &g);
	unsigned bad = 0;

	CU_ASSERT(n >= 30);
	for (size_t i = 0; i < n; i++)
		if (!check_bad(g.gl_pathv[i]))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	printf("\n    %zu broken configs, %u not diagnosed as expected ", n, bad);
	globfree(&g);
}

/* Inputs the corpus cannot hold as files of its own. */
static void test_degenerate_inputs(void)
{
	static const char *const texts[] = {"", " ", "\n\n\n", "\t \r\n"};
	struct diags dg;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		diags_init(&dg, "<empty>");
		rc = config_load_string(texts[i], "<empty>", cfg, &dg);
		CU_ASSERT(rc != 0);
		CU_ASSERT(outcome("empty text", texts[i], strlen(texts[i]), rc, &dg, true) ==
			  OUT_OK);
		CU_ASSERT(dg.n >= 1 && dg.d[0].line == 0);
		config_free(cfg);
		diags_free(&dg);
	}

	diags_init(&dg, "/nonexistent/shunt.conf");
	rc = config_load("/nonexistent/shunt.conf", cfg, &dg);
	CU_ASSERT(rc != 0);
	CU_ASSERT(dg.nerr >= 1 && dg.d[0].line == 0);
	CU_ASSERT(dg.n >= 1 && has_advice(dg.d[0].msg));
	config_free(cfg);
	diags_free(&dg);

	/* a directory is not a config */
	diags_init(&dg, "/");
	rc = config_load("/", cfg, &dg);
	CU_ASSERT(rc != 0);
	CU_ASSERT(dg.nerr >= 1);
	config_free(cfg);
	diags_free(&dg);
}

/* ---- random rule sets through the text format ---- */

static bool same_prefixes(const struct cfg_prefix *a, const struct cfg_prefix *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i].family != b[i].family || a[i].len != b[i].len ||
		    memcmp(a[i].addr, b[i].addr, 16))
			return false;
	return true;
}

static const char *rule_diff(const struct cfg_rule *w, const struct cfg_rule *g)
{
	if (strcmp(w->name, g->name))
		return "name";
	if (w->proto_any != g->proto_any ||
	    memcmp(w->proto_set, g->proto_set, sizeof(w->proto_set)))
		return "proto";
	if (w->sport_any != g->sport_any ||
	    (!w->sport_any && (w->sport.lo != g->sport.lo || w->sport.hi != g->sport.hi)))
		return "sport";
	if (w->dport_any != g->dport_any ||
	    (!w->dport_any && (w->dport.lo != g->dport.lo || w->dport.hi != g->dport.hi)))
		return "dport";
	if (w->nsrc != g->nsrc || !same_prefixes(w->src, g->src, w->nsrc))
		return "src";
	if (w->ndst != g->ndst || !same_prefixes(w->dst, g->dst, w->ndst))
		return "dst";
	if (w->ingress != g->ingress)
		return "ingress";
	if (w->lane != g->lane)
		return "lane";
	if (w->families != g->families)
		return "families";
	return NULL;
}

static void test_round_trip(void)
{
	struct shunt_config *want = calloc(1, sizeof(*want));
	size_t cap = 64 * 1024;
	char *text = malloc(cap);
	unsigned bad = 0;

	CU_ASSERT_FATAL(want && text);
	for (unsigned long seed = 1; seed <= 300 && bad < MAX_REPORTS; seed++) {
		struct rr_rng g;
		struct diags dg;
		int len, rc;

		rr_seed(&g, seed);
		rr_random_config(&g, want, 0);
		len = rr_format_config(want, text, cap);
		CU_ASSERT_FATAL(len > 0);
		diags_init(&dg, "<random>");
		rc = config_load_string(text, "<random>", cfg, &dg);
		if (rc != 0 || cfg->nrules != want->nrules || cfg->niface != want->niface) {
			bad++;
			fprintf(stderr, "\nseed %lu: rc %d, %u rules (want %u):\n%s", seed, rc,
				cfg->nrules, want->nrules, text);
			diags_print(&dg, stderr);
		} else {
			for (unsigned i = 0; i < want->nrules; i++) {
				const char *what = rule_diff(&want->rule[i], &cfg->rule[i]);

				if (!what)
					continue;
				bad++;
				fprintf(stderr, "\nseed %lu: rule %u reads back with another %s\n",
					seed, i, what);
				rr_print_rule(stderr, want, i);
				rr_print_rule(stderr, cfg, i);
				break;
			}
		}
		config_free(cfg);
		diags_free(&dg);
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(text);
	free(want);
}

/* ---- fuzz ---- */

/* Counts of fuzz outcomes; failing inputs are printed up to MAX_REPORTS. */
struct fuzz_stats {
	unsigned broken, no_advice, reports;
};

static void fuzz_count(struct fuzz_stats *st, enum outcome o)
{
	st->broken += o == OUT_BROKEN;
	st->no_advice += o == OUT_NO_ADVICE;
	st->reports += o != OUT_OK;
}

/* Loads len bytes of text (a copy, NUL-terminated) and checks the contract. */
static void fuzz_one(const char *what, const char *text, size_t len, struct fuzz_stats *st)
{
	char *copy = malloc(len + 1);
	bool verbose = st->reports < MAX_REPORTS;
	struct diags dg;
	enum outcome o;
	int rc;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	diags_init(&dg, what);
	rc = config_load_string(copy, what, cfg, &dg);
	/* config_load_string sees the text up to the first NUL */
	o = outcome(what, copy, strlen(copy), rc, &dg, verbose);
	if (o != OUT_OK && verbose)
		fprintf(stderr, "--- input (%zu bytes) ---\n%s\n---\n", strlen(copy), copy);
	fuzz_count(st, o);
	config_free(cfg);
	diags_free(&dg);
	free(copy);
}

/* The same through a file: config_load sees NUL bytes too. */
static void fuzz_file(const char *what, const char *text, size_t len, struct fuzz_stats *st)
{
	char path[] = "/tmp/shunt-test-config-XXXXXX";
	int fd = mkstemp(path);
	struct diags dg;
	int rc;

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		CU_FAIL("cannot write a temporary file");
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return;
	}
	close(fd);
	diags_init(&dg, path);
	rc = config_load(path, cfg, &dg);
	fuzz_count(st, outcome(what, text, len, rc, &dg, st->reports < MAX_REPORTS));
	config_free(cfg);
	diags_free(&dg);
	unlink(path);
}

static char *lab_text(size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/configs/lab.conf", srcdir());
	return read_file(path, len);
}

static void test_fuzz_truncations(void)
{
	size_t len = 0;
	char *lab = lab_text(&len);
	struct fuzz_stats st = {0};
	unsigned valid = 0;
	char what[64];

	CU_ASSERT_FATAL(lab != NULL);
	for (size_t cut = 0; cut <= len; cut++) {
		snprintf(what, sizeof(what), "lab.conf cut at %zu", cut);
		fuzz_one(what, lab, cut, &st);
		valid += cfg->nrules == 7; /* config_free() leaves the rules */
	}
	CU_ASSERT_EQUAL(st.broken, 0);
	CU_ASSERT_EQUAL(st.no_advice, 0);
	CU_ASSERT(valid >= 1); /* at least the whole file loads */
	printf("\n    %zu truncations ", len + 1);
	free(lab);
}

/* Numbers past every integer type libconfig and shunt use, and odd ones. */
static const char *const numbers[] = {
	"99999999999999999999",
	"-99999999999999999999",
	"18446744073709551616",
	"9223372036854775807",
	"-9223372036854775808",
	"0x7fffffffffffffff",
	"0xffffffffffffffffff",
	"2147483648",
	"-1",
	"65536",
	"1e999",
	"-0.0",
};

/* Punctuation, keywords and fragments of valid settings. */
static const char *const tokens[] = {
	"NaN",
	"\"",
	"\"\"",
	"{",
	"}",
	"(",
	")",
	"[",
	"]",
	";",
	"=",
	":",
	",",
	"#",
	"//",
	"/*",
	"*/",
	"\\",
	"true",
	"false",
	"L",
	"\n",
	"@include \"/nonexistent.conf\"",
	"version = 1;",
	"mode = \"hybrid\";",
	"rules = ();",
	"queues = ( { id = 0; core = 1; } );",
	"{ name = \"x\"; lane = \"fast\"; }",
	"\"198.18.0.0/0\"",
	"\"::/0\"",
	"\"0.0.0.0/-1\"",
	"\"1-\"",
	"\"-1-5\"",
	"\"65535-65535\"",
	"\"\xff\xfe\"",
	"\"\xc3\xa9\"",
	"\"\\x00\"",
	"\"%s%n%x\"",
};

/* Appends data to a growing buffer. */
struct mbuf {
	char *p;
	size_t len, cap;
};

static void mb_insert(struct mbuf *b, size_t at, const char *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	memmove(b->p + at + n, b->p + at, b->len - at);
	memcpy(b->p + at, data, n);
	b->len += n;
}

static void mutate(struct rr_rng *g, struct mbuf *b)
{
	unsigned nops = 1 + rr_below(g, 6);

	for (unsigned op = 0; op < nops; op++) {
		size_t at = b->len ? rr_below(g, (uint32_t)b->len) : 0;

		switch (rr_below(g, 8)) {
		case 0: /* flip a bit */
			if (b->len)
				b->p[at] ^= (char)(1u << rr_below(g, 8));
			break;
		case 1: { /* set a byte: NUL, 0xff or random */
			static const char special[] = {'\0', (char)0xff, '\n', '"'};

			if (b->len)
				b->p[at] = rr_chance(g, 50) ? special[rr_below(g, 4)]
							    : (char)rr_below(g, 256);
			break;
		}
		case 2: { /* insert a byte */
			char c = (char)rr_below(g, 256);

			mb_insert(b, at, &c, 1);
			break;
		}
		case 3: { /* delete a span */
			size_t n = 1 + rr_below(g, 40);

			if (at + n > b->len)
				n = b->len - at;
			memmove(b->p + at, b->p + at + n, b->len - at - n);
			b->len -= n;
			break;
		}
		case 4: { /* insert a token */
			const char *t = rr_below(g, 3) ? tokens[rr_below(g, ARRAY_SIZE(tokens))]
						       : numbers[rr_below(g, ARRAY_SIZE(numbers))];

			mb_insert(b, at, t, strlen(t));
			break;
		}
		case 5: { /* replace a number with a huge or odd one */
			const char *t = numbers[rr_below(g, ARRAY_SIZE(numbers))];
			size_t s = at, e;

			while (s < b->len && (b->p[s] < '0' || b->p[s] > '9'))
				s++;
			for (e = s; e < b->len && b->p[e] >= '0' && b->p[e] <= '9'; e++)
				;
			if (s == b->len)
				break;
			memmove(b->p + s, b->p + e, b->len - e);
			b->len -= e - s;
			mb_insert(b, s, t, strlen(t));
			break;
		}
		case 6: { /* duplicate a span (a line, a rule...) */
			size_t n = 1 + rr_below(g, 200), to;
			char tmp[256];

			if (at + n > b->len)
				n = b->len - at;
			memcpy(tmp, b->p + at, n);
			to = rr_below(g, (uint32_t)b->len + 1);
			mb_insert(b, to, tmp, n);
			break;
		}
		default: { /* a long run of one character */
			static const char fill[] = {'a', '9', '{', '(', '"', '/'};
			char run[600];
			size_t n = 1 + rr_below(g, sizeof(run));

			memset(run, fill[rr_below(g, sizeof(fill))], n);
			mb_insert(b, at, run, n);
			break;
		}
		}
	}
}

static void test_fuzz_mutations(void)
{
	const char *env = getenv("CONFIG_FUZZ_ITERS");
	unsigned long iters = env && *env ? strtoul(env, NULL, 0) : 2000;
	size_t len = 0;
	char *lab = lab_text(&len);
	struct fuzz_stats st = {0};
	char what[64];

	CU_ASSERT_FATAL(lab != NULL);
	for (unsigned long seed = 1; seed <= iters; seed++) {
		struct mbuf b = {0};
		struct rr_rng g;

		rr_seed(&g, seed);
		mb_insert(&b, 0, lab, len);
		mutate(&g, &b);
		snprintf(what, sizeof(what), "lab.conf mutation seed %lu", seed);
		fuzz_one(what, b.p, b.len, &st);
		/* one in ten through a file as well, NUL bytes and all */
		if (seed % 10 == 0)
			fuzz_file(what, b.p, b.len, &st);
		free(b.p);
	}
	CU_ASSERT_EQUAL(st.broken, 0);
	CU_ASSERT_EQUAL(st.no_advice, 0);
	printf("\n    %lu mutations: %u break the contract, %u errors without advice ", iters,
	       st.broken, st.no_advice);
	free(lab);
}

static void test_fuzz_garbage(void)
{
	struct fuzz_stats st = {0};
	char buf[4096], what[64];

	for (unsigned long seed = 1; seed <= 500; seed++) {
		struct rr_rng g;
		size_t n;
		bool text = seed % 2;

		rr_seed(&g, seed ^ 0x6a72626167ull);
		n = rr_below(&g, sizeof(buf));
		for (size_t i = 0; i < n; i++) {
			/* odd seeds: printable and config punctuation; even: any byte */
			buf[i] = text ? "{}()[];=,\"#/\\ \n\tabc019.-:@"[rr_below(&g, 27)]
				      : (char)rr_below(&g, 256);
		}
		snprintf(what, sizeof(what), "garbage seed %lu", seed);
		fuzz_one(what, buf, n, &st);
		if (seed % 10 == 0)
			fuzz_file(what, buf, n, &st);
	}
	CU_ASSERT_EQUAL(st.broken, 0);
	CU_ASSERT_EQUAL(st.no_advice, 0);
}

#define TEST(fn)                                                                                   \
	{                                                                                          \
#fn, fn                                                                            \
	}

int main(void)
{
	static CU_TestInfo valid[] = {
		TEST(test_examples_valid),
		TEST(test_lab_values),
		TEST(test_round_trip),
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo invalid[] = {
		TEST(test_bad_corpus),
		TEST(test_degenerate_inputs),
		CU_TEST_INFO_NULL,
	};
	static CU_TestInfo fuzz[] = {
		TEST(test_fuzz_truncations),
		TEST(test_fuzz_mutations),
		TEST(test_fuzz_garbage),
		CU_TEST_INFO_NULL,
	};
	static CU_SuiteInfo suites[] = {
		{"config: valid", suite_init, suite_cleanup, NULL, NULL, valid},
		{"config: broken", suite_init, suite_cleanup, NULL, NULL, invalid},
		{"config: fuzz", suite_init, suite_cleanup, NULL, NULL, fuzz},
		CU_SUITE_INFO_NULL,
	};
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
