/* Per-sandbox BPF-LSM policy (bpf/lsm.bpf.c): the hooks, the file rules and the denial event.
 * Shared by BPF and user space: fixed-width fields only. */
#ifndef SBX_BPF_LSM_H
#define SBX_BPF_LSM_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SBX_LSM_EVENTS_SIZE (64 * 1024) /* the denial ring buffer (a power of two) */
#define SBX_LSM_FILES_MAX   1024	/* inodes with a rule (sbx.files, sbx.exec) */
#define SBX_LSM_WALK_MAX    256		/* a file and its ancestors checked, at most */
#define SBX_LSM_NAME_LEN    256
#define SBX_LSM_AUX_LEN	    32

/* The rules an inode carries (the value of the file-rule map). A rule on a directory covers
 * everything beneath it, across mounts, for as long as the sandbox lives. */
#define SBX_LSM_F_HIDDEN   1 /* sbx.files.hidden: no open at all */
#define SBX_LSM_F_READONLY 2 /* sbx.files.readonly: no write-mode open of a regular file */
#define SBX_LSM_F_EXEC	   4 /* sbx.exec.allow: may be executed (with the list on, nothing else) */
/* Only in the learning map (fd -> rules): the fd is the sandbox's cgroup directory. */
#define SBX_LSM_LEARN_CGROUP 0x80

enum sbx_lsm_hook {
	SBX_LSM_FILE_OPEN = 0,
	SBX_LSM_BPRM_CHECK = 1,
	SBX_LSM_PTRACE = 2,
	SBX_LSM_TASK_KILL = 3,
	SBX_LSM_SB_MOUNT = 4,
	SBX_LSM_MOVE_MOUNT = 5,
	SBX_LSM_BPF = 6,
	SBX_LSM_MODULE_REQUEST = 7,
	SBX_LSM_KERNEL_READ_FILE = 8,
	SBX_LSM_KERNEL_LOAD_DATA = 9,
	SBX_LSM_PERF_EVENT_OPEN = 10,
	SBX_LSM_SOCKET_CONNECT = 11,
	SBX_LSM_HOOK__MAX
};

/* Why a hook refused. */
enum sbx_lsm_rule {
	SBX_LSM_RULE_NONE = 0,
	SBX_LSM_RULE_HIDDEN = 1,   /* the file or a directory above it is hidden */
	SBX_LSM_RULE_READONLY = 2, /* ... is read-only, and the open asks to write */
	SBX_LSM_RULE_EXEC = 3,	   /* not in sbx.exec.allow */
	SBX_LSM_RULE_DEPTH = 4,	   /* deeper than SBX_LSM_WALK_MAX: not checked, so refused */
	SBX_LSM_RULE_OUTSIDE = 5,  /* the target task is not in the sandbox */
	SBX_LSM_RULE_NEVER = 6,	   /* a sandbox may never do this (mount, bpf, modules, perf) */
	SBX_LSM_RULE_EGRESS = 7,   /* the address is not in sbx.network.egress */
	SBX_LSM_RULE__MAX
};

/* Key of the file-rule map: an inode as the kernel names it (not as stat(2) may report it on
 * an overlay): its super block's s_dev (the kernel's encoding, major << 20 | minor) and i_ino. */
struct sbx_lsm_inode {
	__u64 ino;
	__u32 dev;
	__u32 _pad;
};

/* Denials per hook, in the skeleton's .bss: the sentry maps it read-only. */
struct sbx_lsm_counters {
	__u64 denied[SBX_LSM_HOOK__MAX];
};

/* One denial, on the ring buffer. Layer "lsm". */
struct sbx_lsm_event {
	__u16 version; /* SBX_EVENT_VERSION of bpf/events.h */
	__u16 hook;    /* enum sbx_lsm_hook */
	__u32 pid;     /* thread group id, host pid namespace */
	__u32 tid;
	__u16 rule;	 /* enum sbx_lsm_rule */
	__u16 err;	 /* the errno returned */
	__u64 time_ns;	 /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id; /* the sandbox's v2 cgroup */
	/* file_open: dev, ino, f_flags, f_mode; bprm_check: dev, ino; ptrace: target pid, mode;
	 * task_kill: target pid, signal; sb_mount: flags; bpf: cmd; kernel_read_file and
	 * kernel_load_data: the id (enum kernel_read_file_id / kernel_load_data_id);
	 * socket_connect: family, port (host order), socket type */
	__u64 obj[4];
	char comm[16];		     /* the caller's */
	__u8 addr[16];		     /* socket_connect: network order (IPv4: 4 bytes) */
	char name[SBX_LSM_NAME_LEN]; /* the file's path as the caller sees it (or its last
				      * component), the target's comm, the module, the mount
				      * source; "" when none */
	char aux[SBX_LSM_AUX_LEN];   /* sb_mount: the file-system type */
};

#endif
