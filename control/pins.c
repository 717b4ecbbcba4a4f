// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "pins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "lane.skel.h"
#include "log.h"
#include "steer.skel.h"

#define BPFFS_ROOT "/sys/fs/bpf"

int pins_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char buf[256];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int pins_prepare(const char *dir)
{
	char parent[256];
	char *slash;
	int err;

	if (!strncmp(dir, BPFFS_ROOT "/", strlen(BPFFS_ROOT "/")) && !on_bpffs(BPFFS_ROOT)) {
		if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
			err = -errno;
			log_error("%s is not a bpf filesystem and mounting one there failed: %s — mount it (mount -t bpf bpf %s) or set bpffs in the config",
				  BPFFS_ROOT, strerror(-err), BPFFS_ROOT);
			return err;
		}
		log_info("mounted a bpf filesystem on %s", BPFFS_ROOT);
	}
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	err = mkdir_p(parent);
	if (!err && !on_bpffs(parent)) {
		log_error("%s is not on a bpf filesystem — mount one (mount -t bpf bpf %s) or point bpffs in the config at one",
			  parent, parent);
		return -ENOTSUP;
	}
	if (!err)
		err = mkdir_p(dir);
	if (err)
		log_error("cannot create pin directory %s: %s", dir, strerror(-err));
	return err;
}

int pins_read_meta(const char *dir, struct shunt_meta *m)
{
	struct bpf_map_info info;
	__u32 key = 0, len = sizeof(info);
	char path[300];
	int fd, err;

	if (pins_path(path, sizeof(path), dir, "meta"))
		return -ENAMETOOLONG;
	if (access(path, F_OK))
		return -ENOENT;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	/* a pin of another shunt version may hold a value of another size:
	 * never read it into ours */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
	} else if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(key) ||
		   info.value_size != sizeof(*m)) {
		err = -EPROTO;
	} else {
		memset(m, 0, sizeof(*m));
		err = bpf_map_lookup_elem(fd, &key, m) ? -errno : 0;
		if (!err && m->abi_version != (__u32)shunt_abi_version)
			err = -EPROTO;
	}
	close(fd);
	return err;
}

uint64_t proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* field 3 (state) follows; starttime is field 22 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &start) != 1)
		return 0;
	return start;
}

bool pins_owner_alive(const struct shunt_meta *m)
{
	if (!m->owner_pid)
		return false;
	if (kill((pid_t)m->owner_pid, 0) && errno == ESRCH)
		return false;
	return proc_starttime((pid_t)m->owner_pid) == m->owner_starttime;
}

/* Unlinks dir/<name> for every pinned map of obj (opened, not loaded). */
static int unpin_object_maps(struct bpf_object *obj, const char *dir)
{
	struct bpf_map *map;
	int err = 0;

	bpf_object__for_each_map(map, obj) {
		char path[300];

		if (!bpf_map__pin_path(map) || pins_path(path, sizeof(path), dir, bpf_map__name(map)))
			continue;
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			log_warn("cannot remove pin %s: %s", path, strerror(errno));
		}
	}
	return err;
}

/* Maps that earlier layouts pinned and this one no longer declares: pins
 * of another ABI are removed whole (reap_stale), these names included. */
static const char *const retired_pins[] = {
	"cls_src4", "cls_dst4", "cls_src6", "cls_dst6", /* LPM tries, ABI <= 2 */
	"local_addrs",					/* ABI <= 2 */
};

int pins_remove(const char *dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	struct lane_bpf *lane;
	struct steer_bpf *steer;
	int err;

	if (access(dir, F_OK))
		return errno == ENOENT ? 0 : -errno;
	/* only the pins shunt's objects declare: the directory may be shared,
	 * or mistyped, and whatever else is in it is not ours to remove */
	lane = lane_bpf__open_opts(&opts);
	steer = steer_bpf__open_opts(&opts);
	if (!lane || !steer) {
		err = -errno;
		lane_bpf__destroy(lane);
		steer_bpf__destroy(steer);
		return err ? err : -ENOMEM;
	}
	err = unpin_object_maps(lane->obj, dir);
	if (!err)
		err = unpin_object_maps(steer->obj, dir);
	for (size_t i = 0; !err && i < sizeof(retired_pins) / sizeof(retired_pins[0]); i++) {
		char path[300];

		if (pins_path(path, sizeof(path), dir, retired_pins[i]))
			continue;
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			log_warn("cannot remove pin %s: %s", path, strerror(errno));
		}
	}
	lane_bpf__destroy(lane);
	steer_bpf__destroy(steer);
	if (!err && rmdir(dir)) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			log_info("kept %s: it holds pins that are not shunt's", dir);
		else if (errno != ENOENT)
			err = -errno;
	}
	return err;
}

static bool fd_holds(int pid, const char *fd, const char *field, __u32 id_wanted)
{
	char path[320], line[128];
	bool hit = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!hit && fgets(line, sizeof(line), f)) {
		unsigned id;
		size_t n = strlen(field);

		if (!strncmp(line, field, n) && sscanf(line + n, ": %u", &id) == 1)
			hit = id == id_wanted;
	}
	fclose(f);
	return hit;
}

/* A live process other than us with an fd of kind ("bpf-prog"/"bpf-map")
 * whose fdinfo says field ("prog_id"/"map_id") == id. */
static pid_t bpf_holder(const char *kind, const char *field, __u32 id)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	pid_t found = 0;

	if (!proc)
		return 0;
	while (!found && (pe = readdir(proc))) {
		char path[64], link[64];
		struct dirent *fe;
		int pid = atoi(pe->d_name);
		DIR *fds;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while (!found && (fe = readdir(fds))) {
			char fdpath[352];
			ssize_t n;

			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, fe->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (!strncmp(link, "anon_inode:", 11) && !strcmp(link + 11, kind) &&
			    fd_holds(pid, fe->d_name, field, id))
				found = pid;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

pid_t bpf_prog_holder(__u32 prog_id)
{
	return bpf_holder("bpf-prog", "prog_id", prog_id);
}

pid_t pins_map_holder(const char *dir, const char *name)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[300];
	pid_t pid = 0;
	int fd;

	if (pins_path(path, sizeof(path), dir, name))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		pid = bpf_holder("bpf-map", "map_id", info.id);
	close(fd);
	return pid;
}
