/* cgroup-BPF attach: load cgroup/dev, attach it to a fresh, empty cgroup on the v2 hierarchy,
 * detach, remove the cgroup. Proves what the cgroup-BPF layer needs beyond a load. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/probe.skel.h"
#include "lib/cleanup.h"

static int attach_detach(int cgfd, struct sbx_feature *ret)
{
	struct probe_bpf *skel = NULL;
	int found, r = probe_bpf_load_one("probe_dev", &skel, &found);

	if (r < 0) {
		feature_fail(ret, -r, "cgroup/dev: %s at load", errno_name(r));
		return r;
	}
	int prog = bpf_program__fd(skel->progs.probe_dev);
	r = bpf_prog_attach(prog, cgfd, BPF_CGROUP_DEVICE, 0);
	if (r < 0) {
		feature_fail(ret, -r, "attach cgroup/dev: %s", errno_name(r));
	} else {
		feature_ok(ret);
		r = bpf_prog_detach2(prog, cgfd, BPF_CGROUP_DEVICE);
	}
	probe_bpf__destroy(skel); /* closing the program also detaches it */
	return r;
}

void sbx_probe_cgroup_bpf(struct sbx_features *f)
{
	struct sbx_feature *ret = &f->cgroup_bpf_attach;
	char dir[sizeof(f->cgroup.v2_mount) + 32];

	if (!f->cgroup.v2.ok) {
		feature_fail(ret, f->cgroup.v2.err, "no cgroup v2 hierarchy");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/sbx-probe-%d", f->cgroup.v2_mount, (int)getpid());
	if (mkdir(dir, 0700) < 0) {
		feature_fail(ret, errno, "mkdir %s: %s", dir, errno_name(errno));
		return;
	}
	int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		feature_fail(ret, errno, "open %s: %s", dir, errno_name(errno));
	else
		attach_detach(cgfd, ret);
	if (cgfd >= 0)
		close(cgfd);
	rmdir(dir);
}
