/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* bpfutil.h — map helpers the BPF tests share. */
#ifndef SHUNT_TEST_BPFUTIL_H
#define SHUNT_TEST_BPFUTIL_H

#include <stddef.h>

/* Deletes every entry of a hash or LPM map (keys up to 64 bytes). 0 or -errno. */
int clear_map(int fd, size_t key_size);

#endif
