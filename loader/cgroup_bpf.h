/* Per-sandbox cgroup-BPF (bpf/cgroup.bpf.c): devices, sysctl writes, socket creation and the
 * network allow-lists (connect, UDP sendmsg, bind).
 *
 * sbx_cgroup_bpf_attach loads the programs for one sandbox, fills their tables from the
 * policy and attaches each to the sandbox's v2 cgroup with a bpf_link. The caller gets the
 * link fds and nothing else stays behind: when the last link fd closes, the programs detach
 * and the kernel frees them with their maps. */
#ifndef SBX_LOADER_CGROUP_BPF_H
#define SBX_LOADER_CGROUP_BPF_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/cgroup.h"

/* One allow rule of sbx.network (as policy_net_rule). */
struct sbx_net_rule {
	__u8 family;   /* 4 or 6; 0: any address of either family */
	__u8 prefix;   /* bits */
	__u8 addr[16]; /* network order, IPv4 in the first 4 bytes */
	__u16 port_lo; /* inclusive, host order */
	__u16 port_hi;
};

/* An allow-list. !on: unrestricted, its programs are neither loaded nor attached. */
struct sbx_net_list {
	bool on;
	const struct sbx_net_rule *rules;
	size_t n;
};

/* One LPM trie entry: a prefix and every port range allowed for an address it contains. */
struct sbx_net_entry {
	__u8 prefix;
	__u8 addr[16];
	struct sbx_net_ports ports;
};

struct sbx_cgroup_bpf_policy {
	/* linux.resources.devices in order; the default nodes are always added after them */
	const struct sbx_dev_rule *dev_rules;
	size_t n_dev_rules;
	/* sysctls that may be written, dotted ("net.ipv4.ip_forward"), NULL-terminated; NULL:
	 * none */
	const char *const *sysctl_allow;
	struct sbx_net_list egress; /* connect4/6, sendmsg4/6 */
	struct sbx_net_list bind;   /* bind4/6 */
};

struct sbx_cgroup_bpf {
	int links[SBX_CG_HOOK__MAX]; /* bpf_link fds, one per hook; -1: not attached */
	/* The counters: a BPF_F_MMAPABLE array map whose value is struct sbx_cg_counters */
	int counters_fd;
	/* The denial ring buffer (struct sbx_cg_event records), for a tracer */
	int events_fd;
};

#define SBX_CGROUP_BPF_INIT                                                                        \
	{                                                                                          \
		.links = {[0 ... SBX_CG_HOOK__MAX - 1] = -1}, .counters_fd = -1, .events_fd = -1   \
	}

/* The rule table the programs get: `n` config rules, then the default nodes (null, zero, full,
 * random, urandom, tty, ptmx, pts 136:*). Returns the count, or -E2BIG past `cap`. */
int sbx_dev_rules_build(const struct sbx_dev_rule *rules, size_t n, struct sbx_dev_rule *ret,
			size_t cap);

/* "net.ipv4.ip_forward" → "net/ipv4/ip_forward", NUL-padded, as the cgroup/sysctl program
 * sees it. -EINVAL for an empty name, -ENAMETOOLONG when it does not fit. */
int sbx_sysctl_key(const char *name, char ret[SBX_SYSCTL_NAME_LEN]);

/* The trie entries of `family` (4 or 6) for `rules`: one per distinct prefix, each with the
 * port ranges of every rule whose prefix contains it (the longest match then decides alone).
 * Returns the count; -E2BIG past `cap` entries or SBX_NET_PORTS_MAX ranges in one entry. */
int sbx_net_entries(const struct sbx_net_rule *rules, size_t n, int family,
		    struct sbx_net_entry *ret, size_t cap);

/* Load, fill and attach to the v2 cgroup directory `cgroup_fd`. On failure nothing stays
 * loaded; -errno (EPERM / EINVAL where the kernel refuses a program). */
int sbx_cgroup_bpf_attach(const struct sbx_cgroup_bpf_policy *p, int cgroup_fd,
			  struct sbx_cgroup_bpf *ret);

/* Close every fd; safe on SBX_CGROUP_BPF_INIT. */
void sbx_cgroup_bpf_close(struct sbx_cgroup_bpf *b);

#endif
