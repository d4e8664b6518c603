/* The sandbox's cgroup-BPF layer (loader/cgroup_bpf.h) from its OCI config. */
#ifndef SBX_RUNTIME_SANDBOX_BPF_H
#define SBX_RUNTIME_SANDBOX_BPF_H

#include "loader/cgroup_bpf.h"

struct sandbox_spec;
struct sbx_cgroup;

/* Attach the device, sysctl, socket and (when the policy has sbx.network) network programs to
 * the sandbox's v2 cgroup. Where there is no v2 cgroup or the kernel refuses the programs,
 * *ret stays SBX_CGROUP_BPF_INIT and the reason is logged; the sandbox runs without this
 * layer (0) unless its policy has sbx.network, which nothing else enforces (-errno: it must
 * not start). */
int sandbox_bpf_attach(const struct sandbox_spec *spec, const struct sbx_cgroup *cg,
		       struct sbx_cgroup_bpf *ret);

#endif
