/* BPF program types: each program of bpf/probe.bpf.c is loaded alone (autoload off for the
 * others), the result recorded, and the object destroyed. Nothing is attached. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "bpf/probe.skel.h"

static const struct {
	const char *section;
	const char *name;
} bpf_probes[SBX_BPF__MAX] = {
    [SBX_BPF_TP_BTF] = {"tp_btf/sys_enter", "probe_tp_btf"},
    [SBX_BPF_RAW_TP] = {"raw_tp/sys_enter", "probe_raw_tp"},
    [SBX_BPF_CGROUP_CONNECT4] = {"cgroup/connect4", "probe_connect4"},
    [SBX_BPF_CGROUP_SOCK_CREATE] = {"cgroup/sock_create", "probe_sock_crt"},
    [SBX_BPF_CGROUP_DEV] = {"cgroup/dev", "probe_dev"},
    [SBX_BPF_CGROUP_SYSCTL] = {"cgroup/sysctl", "probe_sysctl"},
    [SBX_BPF_ITER_TASK] = {"iter/task", "probe_iter_task"},
    [SBX_BPF_FENTRY] = {"fentry/do_unlinkat", "probe_fentry"},
    [SBX_BPF_LSM] = {"lsm/file_open", "probe_file_open"},
};

int probe_bpf_load_one(const char *name, struct probe_bpf **ret_skel, int *ret_found)
{
	struct probe_bpf *skel = probe_bpf__open();
	struct bpf_program *prog;
	int r;

	*ret_found = 0;
	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
	{
		bool mine = strcmp(bpf_program__name(prog), name) == 0;
		*ret_found |= mine;
		bpf_program__set_autoload(prog, mine);
	}
	r = *ret_found ? probe_bpf__load(skel) : -ENOENT;
	if (r < 0 || !ret_skel)
		probe_bpf__destroy(skel);
	else
		*ret_skel = skel;
	return r;
}

static void probe_one(struct sbx_bpf_prog_probe *p)
{
	int found, r = probe_bpf_load_one(p->name, NULL, &found);

	if (r == 0) {
		p->state = SBX_PROBE_LOADED;
		feature_ok(&p->feature);
		return;
	}
	p->state = SBX_PROBE_FAILED;
	if (!found)
		feature_fail(&p->feature, -r, "%s: no such program in probe.bpf.o", p->name);
	else
		feature_fail(&p->feature, -r, "%s at load", errno_name(r));
}

void sbx_probe_bpf_progs(struct sbx_features *f)
{
	sbx_libbpf_log_setup();
	for (int i = 0; i < SBX_BPF__MAX; i++) {
		struct sbx_bpf_prog_probe *p = &f->bpf[i];
		p->section = bpf_probes[i].section;
		p->name = bpf_probes[i].name;
		probe_one(p);
	}
}
