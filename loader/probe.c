/* sbx_features_probe: every kernel feature probe, in order. */
#include "loader/internal.h"
#include "loader/loader.h"

#include <string.h>

int sbx_features_probe(struct sbx_features *ret)
{
	struct sbx_features f;

	memset(&f, 0, sizeof(f));
	sbx_probe_seccomp(&f);
	sbx_probe_cgroup(&f.cgroup);
	sbx_probe_landlock(&f);
	sbx_probe_bpf_progs(&f);
	sbx_probe_cgroup_bpf(&f); /* these two use the program load results */
	sbx_probe_lsm(&f);
	sbx_probe_kvm(&f);
	*ret = f;
	return 0;
}

bool sbx_features_can_sandbox(const struct sbx_features *f)
{
	return f->seccomp_notify.ok && f->seccomp_addfd.ok;
}
