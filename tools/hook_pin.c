/* The hooked container's cgroup-BPF layer, pinned: the hook exits right after it attaches, so
 * the links live in bpffs (PIN_ROOT/ID/link-N, plus the counters and events maps for
 * sbx-trace and sbxd) until the poststop hook, or sbxd's garbage collection, unpins them. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/util.h"
#include "tools/hook.h"

static int pin_one(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];
	if (fd < 0)
		return 0;
	if (path_join(path, sizeof(path), dir, name) < 0)
		return -ENAMETOOLONG;
	return bpf_obj_pin(fd, path) < 0 ? -errno : 0;
}

static int pin_all(const struct sbx_cgroup_bpf *b, const char *dir)
{
	char name[32];
	int r = 0;
	for (int i = 0; i < SBX_CG_HOOK__MAX && r == 0; i++) {
		snprintf(name, sizeof(name), "link-%d", i);
		r = pin_one(b->links[i], dir, name);
	}
	if (r == 0)
		r = pin_one(b->counters_fd, dir, "counters");
	if (r == 0)
		r = pin_one(b->events_fd, dir, "events");
	return r;
}

int hook_unpin(const char *dir)
{
	return rm_rf(dir);
}

int hook_attach_pinned(const struct hook_layer *l, int cgroup_fd, const char *dir,
		       struct sbx_error *err)
{
	struct sbx_cgroup_bpf b = SBX_CGROUP_BPF_INIT;
	int r = hook_unpin(dir); /* a container of the same id that ended without poststop */
	if (r < 0)
		return sbx_err_errno(err, -r, "remove the old pins in %s", dir);
	r = sbx_cgroup_bpf_attach(&l->p, cgroup_fd, &b);
	if (r < 0)
		return sbx_err_errno(err, -r, "attach the cgroup-BPF programs");
	if ((r = mkdir_p(dir, 0700)) < 0) {
		sbx_cgroup_bpf_close(&b);
		return sbx_err_errno(err, -r, "make %s (is it on a bpffs?)", dir);
	}
	r = pin_all(&b, dir);
	sbx_cgroup_bpf_close(&b); /* the pins hold them now */
	if (r < 0) {
		hook_unpin(dir);
		return sbx_err_errno(err, -r, "pin the programs' links in %s (is it on a bpffs?)",
				     dir);
	}
	return 0;
}
