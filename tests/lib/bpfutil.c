// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "bpfutil.h"

#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

int clear_map(int fd, size_t key_size)
{
	unsigned char key[64], next[64];

	if (fd < 0)
		return -EBADF;
	if (key_size > sizeof(key))
		return -E2BIG;
	while (bpf_map_get_next_key(fd, NULL, next) == 0) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return 0;
}
