/* Per-sandbox BPF-LSM (bpf/lsm.bpf.c): file opens (sbx.files.hidden and .readonly), exec
 * (sbx.exec.allow), ptrace and signals across the sandbox's border, mounts, bpf(), module
 * loading, perf_event_open and (sbx.network.egress) connect.
 *
 * sbx_lsm_attach loads one instance of the programs for one sandbox, teaches it the sandbox's
 * cgroup and the inodes of its rules, and attaches each program with a bpf_link. The caller
 * gets the link fds and nothing else stays behind: when the last link fd closes, the kernel
 * detaches the programs and frees them with their maps. */
#ifndef SBX_LOADER_LSM_H
#define SBX_LOADER_LSM_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/lsm.h"
#include "loader/cgroup_bpf.h"

/* An inode that carries rules: an O_PATH fd of the caller's (the rules apply to the inode the
 * fd refers to, and to everything beneath it when it is a directory). */
struct sbx_lsm_object {
	int fd;
	__u8 rules; /* SBX_LSM_F_* */
};

struct sbx_lsm_policy {
	int cgroup_fd;	 /* the sandbox's v2 cgroup directory */
	__u64 cgroup_id; /* its id, checked against what the kernel says of cgroup_fd */
	const struct sbx_lsm_object *objects;
	size_t n_objects;	    /* at most SBX_LSM_FILES_MAX */
	bool exec_allow;	    /* sbx.exec.allow is given: only SBX_LSM_F_EXEC files may run */
	struct sbx_net_list egress; /* socket_connect, when on */
};

struct sbx_lsm {
	int links[SBX_LSM_HOOK__MAX]; /* bpf_link fds, one per hook; -1: not attached */
	/* The counters: a BPF_F_MMAPABLE array map whose value is struct sbx_lsm_counters */
	int counters_fd;
	/* The denial ring buffer (struct sbx_lsm_event records) */
	int events_fd;
};

#define SBX_LSM_INIT                                                                               \
	{                                                                                          \
		.links = {[0 ... SBX_LSM_HOOK__MAX - 1] = -1}, .counters_fd = -1, .events_fd = -1  \
	}

/* Which step failed and how, for the user: "lsm/file_open: EPERM at load", "learn: ...". */
#define SBX_LSM_WHY_LEN 160

/* Load, learn, fill and attach. file_open is attached only when some object carries
 * SBX_LSM_F_HIDDEN or SBX_LSM_F_READONLY, bprm_check_security only with exec_allow,
 * socket_connect only with an egress list. On failure nothing stays loaded: -errno, and `why`
 * says which step and program failed. */
int sbx_lsm_attach(const struct sbx_lsm_policy *p, struct sbx_lsm *ret, char why[SBX_LSM_WHY_LEN]);

/* Load every program of bpf/lsm.bpf.c and attach none: whether this kernel takes sbx's LSM
 * layer. 0, or -errno with `why` as above. */
int sbx_lsm_check(char why[SBX_LSM_WHY_LEN]);

/* Close every fd; safe on SBX_LSM_INIT. */
void sbx_lsm_close(struct sbx_lsm *l);

#endif
