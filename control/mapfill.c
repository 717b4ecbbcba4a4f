// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mapfill.c — writes the classifier image and the run's meta into the shared maps. */
#include "mapfill.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>

#include "log.h"

static int map_fd(struct bpf_object *obj, const char *name)
{
	int fd = bpf_object__find_map_fd_by_name(obj, name);

	if (fd < 0)
		log_error("BPF object has no map %s", name);
	return fd;
}

/* Array maps are written in one batch: 65537 entries per port map. */
static int write_array(struct bpf_object *obj, const char *name, const void *vals, __u32 n,
		       size_t vsize)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	int fd = map_fd(obj, name);
	__u32 *keys, count = n;
	int err = 0;

	if (fd < 0)
		return fd;
	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (__u32 i = 0; i < n; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, vals, &count, &bo)) {
		/* kernels without batch ops for arrays: one by one */
		for (__u32 i = 0; i < n && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], (const char *)vals + i * vsize, BPF_ANY))
				err = -errno;
	}
	free(keys);
	if (err)
		log_error("cannot fill map %s: %s", name, strerror(-err));
	return err;
}

/* cls_tables' one value, mapped (BPF_F_MMAPABLE), or NULL. */
static struct shunt_cls_tables *tables_map(struct bpf_object *obj)
{
	int fd = map_fd(obj, "cls_tables");
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, sizeof(struct shunt_cls_tables), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		log_error("cannot map cls_tables: %s", strerror(errno));
		return NULL;
	}
	return p;
}

static void tables_unmap(struct shunt_cls_tables *t)
{
	munmap(t, sizeof(*t));
}

/* Publishes chunk c of img's tables into t after everything written
 * before it (release), one atomic 32-bit store per entry that changes: a
 * program reading meanwhile sees each entry old or new, never torn, and
 * never an entry naming a chunk or leaf it cannot see whole. */
static void publish(struct shunt_cls_tables *t, const struct cls_image *img, uint32_t c)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (unsigned i = 0; i < SHUNT_CLS_FANOUT; i++)
		if (t->chunk[c].e[i] != img->tab.chunk[c].e[i])
			__atomic_store_n(&t->chunk[c].e[i], img->tab.chunk[c].e[i], __ATOMIC_RELAXED);
}

/* Copies what the tables of img use beyond what t already has
 * (leaves and chunks from lo on), then the changed entries of chunks below
 * lo (every one when all), then the counts: nothing is named before it is
 * whole. */
static void tables_copy(struct shunt_cls_tables *t, const struct cls_image *img, uint32_t leaves_lo,
			uint32_t lo, bool all)
{
	const struct shunt_cls_tables *src = &img->tab;

	memcpy(&t->leaf[leaves_lo], &src->leaf[leaves_lo],
	       (src->nleaves - leaves_lo) * sizeof(src->leaf[0]));
	memcpy(&t->chunk[lo], &src->chunk[lo], (src->nchunks - lo) * sizeof(src->chunk[0]));
	for (uint32_t c = 0; c < lo; c++)
		if (all || cls_image_dirty(img, c))
			publish(t, img, c);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->nchunks = src->nchunks;
	t->nleaves = src->nleaves;
	t->nlocal = src->nlocal;
}

/* The prefix tables: leaves and the chunks below level 1, then the
 * level-1 rows that lead to them. */
static int write_tables(struct bpf_object *obj, const struct cls_image *img)
{
	struct shunt_cls_tables *t = tables_map(obj);

	if (!t)
		return -ENOENT;
	tables_copy(t, img, 0, SHUNT_CLS_ROWS, true);
	tables_unmap(t);
	return 0;
}

/* cls_iif_arr: the any-interface bitmap everywhere, the configured
 * interfaces' bitmaps at their ifindex. */
static int write_iif_array(struct bpf_object *obj, const struct cls_image *img)
{
	uint64_t *arr = malloc(SHUNT_IIF_ARRAY * sizeof(*arr));
	int err;

	if (!arr)
		return -ENOMEM;
	for (unsigned i = 0; i < SHUNT_IIF_ARRAY; i++)
		arr[i] = img->niif ? img->iif[0].rules : 0;
	for (unsigned i = 0; i < img->niif; i++)
		if (img->iif[i].ifindex != SHUNT_IIF_ANY && img->iif[i].ifindex < SHUNT_IIF_ARRAY)
			arr[img->iif[i].ifindex] = img->iif[i].rules;
	err = write_array(obj, "cls_iif_arr", arr, SHUNT_IIF_ARRAY, sizeof(*arr));
	free(arr);
	return err;
}

int maps_write_image(struct bpf_object *obj, const struct cls_image *img)
{
	int fd, err;

	err = write_array(obj, "cls_proto", img->proto, 256, sizeof(img->proto[0]));
	if (!err)
		err = write_array(obj, "cls_sport", img->sport, SHUNT_PORT_SLOTS, sizeof(img->sport[0]));
	if (!err)
		err = write_array(obj, "cls_dport", img->dport, SHUNT_PORT_SLOTS, sizeof(img->dport[0]));
	if (!err && img->nrules)
		err = write_array(obj, "rules", img->rule, img->nrules, sizeof(img->rule[0]));
	if (!err)
		err = write_tables(obj, img);
	if (err)
		return err;
	fd = map_fd(obj, "cls_iif");
	if (fd < 0)
		return fd;
	for (unsigned i = 0; i < img->niif; i++) {
		if (bpf_map_update_elem(fd, &img->iif[i].ifindex, &img->iif[i].rules, BPF_ANY)) {
			err = -errno;
			log_error("cannot fill map cls_iif: %s", strerror(-err));
			return err;
		}
	}
	return write_iif_array(obj, img);
}

int maps_add_locals(struct bpf_object *obj, const struct cls_addr *addrs, unsigned n)
{
	struct cls_image *img = malloc(sizeof(*img));
	struct shunt_cls_tables *t = tables_map(obj);
	uint32_t chunks, leaves;
	unsigned added = 0;
	int err = 0;

	if (!img || !t) {
		free(img);
		if (t)
			tables_unmap(t);
		return img ? -ENOENT : -ENOMEM;
	}
	chunks = t->nchunks;
	leaves = t->nleaves;
	if (chunks < SHUNT_CLS_ROWS || chunks > SHUNT_CLS_CHUNKS || !leaves ||
	    leaves > SHUNT_CLS_LEAVES) {
		log_error("the prefix tables hold no rules yet (%u chunks, %u leaves)", chunks, leaves);
		err = -ENODATA;
	} else {
		/* the tables as they are: counts, leaves, chunks in use */
		memcpy(&img->tab, t, offsetof(struct shunt_cls_tables, chunk));
		memcpy(img->tab.chunk, t->chunk, chunks * sizeof(t->chunk[0]));
		cls_image_clean(img);
	}
	for (unsigned i = 0; i < n && !err; i++) {
		int r = cls_add_local(img, &addrs[i]);

		if (r < 0)
			err = r;
		else
			added += (unsigned)r;
	}
	if (err == -E2BIG)
		log_error("more than %d addresses of the gateway to keep on the kernel lane",
			  SHUNT_MAX_LOCAL_ADDRS);
	/* new chunks first, then the entries (in old chunks) that name them */
	if (!err)
		tables_copy(t, img, leaves, chunks, false);
	tables_unmap(t);
	free(img);
	return err ? err : (int)added;
}

int maps_write_meta(struct bpf_object *obj, const struct shunt_meta *m)
{
	int fd = map_fd(obj, "meta");
	__u32 key = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &key, m, BPF_ANY)) {
		log_error("cannot write map meta: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void maps_unpin_all(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}
