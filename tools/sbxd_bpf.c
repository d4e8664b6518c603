/* The node-wide BPF object sbxd owns: today only one map. sbx loads every program per sandbox
 * (cgroup-BPF, BPF-LSM, held by the sandbox's sentry or keeper) or per tracer (sbx-trace), so
 * there is no node-wide program to pin; what is shared across sandboxes is which cgroups are
 * sandboxes. sbxd keeps that in a hash map pinned at <bpffs>/sandboxes (key: v2 cgroup id, u64;
 * value: struct sbx_trace_cgroup, the layout of sbx-trace's traced-cgroup map, so a tracer can
 * use it as its filter). The pin survives sbxd's restarts (it is re-read and reconciled with the
 * registry) and goes only with `sbxd --cleanup`. */
#include <bpf/bpf.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bpf/trace.h"
#include "lib/util.h"
#include "tools/sbxd.h"

#define PIN_NAME "sandboxes"

static int pin_path(const struct sbxd_opts *o, char *buf, size_t len)
{
	return path_join(buf, len, o->bpffs, PIN_NAME);
}

/* Keys in the map that the registry does not have: left by sandboxes gone while sbxd was
 * down. */
static void reconcile(struct sbxd *d)
{
	__u64 key, next;
	__u64 *prev = NULL;
	int stale = 0;
	while (bpf_map_get_next_key(d->pin_fd, prev, &next) == 0) {
		bool known = false;
		for (size_t i = 0; i < d->n && !known; i++)
			known = d->sb[i]->cgroup_id == next;
		key = next;
		prev = &key;
		if (!known && bpf_map_delete_elem(d->pin_fd, &key) == 0) {
			stale++;
			prev = NULL; /* restart: the deleted key cannot continue the walk */
		}
	}
	if (stale)
		sbxd_info("pinned map: removed stale cgroups", "{s:i}", "count", stale);
}

/* dir, or where it would be made (its parent), is on a bpf file system. */
static bool on_bpffs(const char *dir)
{
	char buf[4096];
	struct statfs sf;
	if (statfs(dir, &sf) == 0)
		return sf.f_type == BPF_FS_MAGIC;
	if (str_copy(buf, sizeof(buf), dir) < 0)
		return false;
	return statfs(dirname(buf), &sf) == 0 && sf.f_type == BPF_FS_MAGIC;
}

int sbxd_bpf_open(struct sbxd *d)
{
	char path[4096];
	d->pin_fd = -1;
	int r = pin_path(&d->o, path, sizeof(path));
	if (r < 0)
		return r;
	int fd = bpf_obj_get(path);
	bool reused = fd >= 0;
	if (fd < 0) {
		if (!on_bpffs(d->o.bpffs))
			return -ENOTSUP; /* pins live only on a bpf file system */
		if ((r = mkdir_p(d->o.bpffs, 0700)) < 0)
			return r;
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sbx_sandboxes", sizeof(__u64),
				    sizeof(struct sbx_trace_cgroup), SBXD_MAX_SANDBOXES, NULL);
		if (fd < 0)
			return -errno;
		if (bpf_obj_pin(fd, path) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
	}
	d->pin_fd = fd;
	for (size_t i = 0; i < d->n; i++)
		sbxd_bpf_update(d, d->sb[i], true);
	reconcile(d);
	sbxd_info(reused ? "pinned map reopened" : "pinned map created", "{s:s}", "path", path);
	return 0;
}

void sbxd_bpf_update(struct sbxd *d, const struct sbxd_sandbox *sb, bool add)
{
	if (d->pin_fd < 0 || !sb->cgroup_id)
		return;
	__u64 key = sb->cgroup_id;
	struct sbx_trace_cgroup v = {.slot = 0, .armed = 1};
	if (add)
		bpf_map_update_elem(d->pin_fd, &key, &v, BPF_ANY);
	else
		bpf_map_delete_elem(d->pin_fd, &key);
}

int sbxd_bpf_cleanup(const struct sbxd_opts *o)
{
	char path[4096];
	int r = pin_path(o, path, sizeof(path));
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	rmdir(o->bpffs); /* ours if empty; someone else's otherwise */
	return 0;
}
