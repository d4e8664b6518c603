/* The sandbox's cgroup-BPF layer (loader/cgroup_bpf.h) from its OCI config. */
#ifndef SBX_RUNTIME_SANDBOX_BPF_H
#define SBX_RUNTIME_SANDBOX_BPF_H

#include "loader/cgroup_bpf.h"

struct oci_config;
struct sbx_cgroup;

/* Attach the device, sysctl and socket programs to the sandbox's v2 cgroup. Where there is no
 * v2 cgroup or the kernel refuses the programs, the sandbox runs without this layer: *ret
 * stays SBX_CGROUP_BPF_INIT and the reason is logged. Returns 0 or that -errno. */
int sandbox_bpf_attach(const struct oci_config *c, const struct sbx_cgroup *cg,
		       struct sbx_cgroup_bpf *ret);

#endif
