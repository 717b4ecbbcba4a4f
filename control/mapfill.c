// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mapfill.c — writes the classifier image and the run's meta into the shared maps. */
#include "mapfill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static int write_lpm(struct bpf_object *obj, const char *name4, const char *name6,
		     const struct cls_lpm_entry *tab, unsigned n)
{
	int fd4 = map_fd(obj, name4), fd6 = map_fd(obj, name6);

	if (fd4 < 0 || fd6 < 0)
		return -ENOENT;
	for (unsigned i = 0; i < n; i++) {
		struct shunt_lpm4 k4 = { .prefixlen = tab[i].len };
		struct shunt_lpm6 k6 = { .prefixlen = tab[i].len };
		int err;

		if (tab[i].family == 4) {
			memcpy(k4.addr, tab[i].addr, 4);
			err = bpf_map_update_elem(fd4, &k4, &tab[i].rules, BPF_ANY);
		} else {
			memcpy(k6.addr, tab[i].addr, 16);
			err = bpf_map_update_elem(fd6, &k6, &tab[i].rules, BPF_ANY);
		}
		if (err) {
			err = -errno;
			log_error("cannot fill map %s: %s", tab[i].family == 4 ? name4 : name6,
				  strerror(-err));
			return err;
		}
	}
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
		err = write_lpm(obj, "cls_src4", "cls_src6", img->src, img->nsrc);
	if (!err)
		err = write_lpm(obj, "cls_dst4", "cls_dst6", img->dst, img->ndst);
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
