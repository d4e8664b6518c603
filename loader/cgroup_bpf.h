/* Per-sandbox cgroup-BPF (bpf/cgroup.bpf.c): devices, sysctl writes and socket creation.
 *
 * sbx_cgroup_bpf_attach loads the programs for one sandbox, fills their tables from the
 * policy and attaches each to the sandbox's v2 cgroup with a bpf_link. The caller gets the
 * link fds and nothing else stays behind: when the last link fd closes, the programs detach
 * and the kernel frees them with their maps. */
#ifndef SBX_LOADER_CGROUP_BPF_H
#define SBX_LOADER_CGROUP_BPF_H

#include <stddef.h>

#include "bpf/cgroup.h"

struct sbx_cgroup_bpf_policy {
	/* linux.resources.devices in order; the default nodes are always added after them */
	const struct sbx_dev_rule *dev_rules;
	size_t n_dev_rules;
	/* sysctls that may be written, dotted ("net.ipv4.ip_forward"), NULL-terminated; NULL:
	 * none */
	const char *const *sysctl_allow;
};

struct sbx_cgroup_bpf {
	int links[SBX_CG_HOOK__MAX]; /* bpf_link fds, one per hook */
	/* The counters: a BPF_F_MMAPABLE array map whose value is struct sbx_cg_counters */
	int counters_fd;
};

#define SBX_CGROUP_BPF_INIT                                                                        \
	{                                                                                          \
		.links = {-1, -1, -1}, .counters_fd = -1                                           \
	}

/* The rule table the programs get: `n` config rules, then the default nodes (null, zero, full,
 * random, urandom, tty, ptmx, pts 136:*). Returns the count, or -E2BIG past `cap`. */
int sbx_dev_rules_build(const struct sbx_dev_rule *rules, size_t n, struct sbx_dev_rule *ret,
			size_t cap);

/* "net.ipv4.ip_forward" → "net/ipv4/ip_forward", NUL-padded, as the cgroup/sysctl program
 * sees it. -EINVAL for an empty name, -ENAMETOOLONG when it does not fit. */
int sbx_sysctl_key(const char *name, char ret[SBX_SYSCTL_NAME_LEN]);

/* Load, fill and attach to the v2 cgroup directory `cgroup_fd`. On failure nothing stays
 * loaded; -errno (EPERM / EINVAL where the kernel refuses a program). */
int sbx_cgroup_bpf_attach(const struct sbx_cgroup_bpf_policy *p, int cgroup_fd,
			  struct sbx_cgroup_bpf *ret);

/* Close every fd; safe on SBX_CGROUP_BPF_INIT. */
void sbx_cgroup_bpf_close(struct sbx_cgroup_bpf *b);

#endif
