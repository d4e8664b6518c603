/* Kernel feature probes: what this host supports, and why not when it does not.
 *
 * Probe, never assume: every answer comes from trying the real thing (installing a seccomp
 * filter in a forked child, loading each BPF program type, creating a VM), bounded in time.
 * Nothing a probe loads or creates outlives the probe. */
#ifndef SBX_LOADER_LOADER_H
#define SBX_LOADER_LOADER_H

#include <stdbool.h>

#define SBX_REASON_LEN 160

/* One probed feature. `reason` says why it is missing ("EPERM at load", "not in the active
 * LSM list"); it may also carry a note when present. */
struct sbx_feature {
	bool ok;
	int err; /* positive errno the kernel returned, 0 if none applies */
	char reason[SBX_REASON_LEN];
};

/* The BPF program types of bpf/probe.bpf.c, each loaded alone. */
enum sbx_bpf_probe {
	SBX_BPF_TP_BTF,
	SBX_BPF_RAW_TP,
	SBX_BPF_CGROUP_CONNECT4,
	SBX_BPF_CGROUP_SOCK_CREATE,
	SBX_BPF_CGROUP_DEV,
	SBX_BPF_CGROUP_SYSCTL,
	SBX_BPF_ITER_TASK,
	SBX_BPF_FENTRY,
	SBX_BPF_LSM,
	SBX_BPF__MAX
};

enum sbx_probe_state {
	SBX_PROBE_UNKNOWN = 0, /* not probed (a bug if seen after sbx_features_probe) */
	SBX_PROBE_LOADED,
	SBX_PROBE_FAILED, /* feature.err holds the errno */
};

struct sbx_bpf_prog_probe {
	const char *section; /* "tp_btf/sys_enter" */
	const char *name;    /* program name in probe.bpf.c, as the kernel shows it */
	enum sbx_probe_state state;
	struct sbx_feature feature;
};

enum sbx_cgroup_layout {
	SBX_CGROUP_UNKNOWN = 0,
	SBX_CGROUP_V1,	   /* controllers on v1 hierarchies, no v2 mount */
	SBX_CGROUP_V2,	   /* /sys/fs/cgroup is cgroup2 */
	SBX_CGROUP_HYBRID, /* v1 controllers, plus a v2 hierarchy (e.g. /sys/fs/cgroup/unified) */
};

struct sbx_cgroup_info {
	enum sbx_cgroup_layout layout;
	char v2_mount[128];	  /* where the v2 hierarchy is mounted, "" when none */
	char v1_controllers[256]; /* space-separated, enabled controllers on v1 hierarchies */
	char v2_controllers[256]; /* cgroup.controllers of the v2 root */
	struct sbx_feature v2;	  /* a v2 hierarchy exists (what cgroup-BPF needs) */
};

struct sbx_features {
	/* seccomp user notification and its extensions */
	struct sbx_feature seccomp_notify;	 /* NEW_LISTENER + RET_USER_NOTIF round trip */
	struct sbx_feature seccomp_addfd;	 /* SECCOMP_IOCTL_NOTIF_ADDFD */
	struct sbx_feature seccomp_addfd_send;	 /* SECCOMP_ADDFD_FLAG_SEND */
	struct sbx_feature seccomp_sync_wake_up; /* SECCOMP_IOCTL_NOTIF_SET_FLAGS */
	struct sbx_feature seccomp_wait_killable_recv; /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */

	struct sbx_cgroup_info cgroup;
	struct sbx_feature cgroup_bpf_attach; /* cgroup/dev attaches to a fresh v2 cgroup */

	int landlock_abi; /* 0 when unavailable */
	struct sbx_feature landlock;

	struct sbx_bpf_prog_probe bpf[SBX_BPF__MAX];

	char lsm_list[256];	     /* active LSMs, comma-separated; "" when unread */
	struct sbx_feature lsm_read; /* the list could be read */
	struct sbx_feature bpf_lsm;  /* "bpf" in the list AND an lsm program loads */

	int kvm_api_version;	/* 0 when /dev/kvm is unusable */
	struct sbx_feature kvm; /* API version 12 and KVM_CREATE_VM succeeded */
};

/* Fill *ret with every probe's result. Returns 0 (a missing feature is a result, not an
 * error), -errno only if probing itself could not run. Takes well under a few seconds; a
 * child that hangs is killed. */
int sbx_features_probe(struct sbx_features *ret);

/* The individual probes sbx_features_probe runs; each fills its part of *f. */
void sbx_probe_seccomp(struct sbx_features *f);
void sbx_probe_cgroup(struct sbx_cgroup_info *ret);
void sbx_probe_landlock(struct sbx_features *f);
void sbx_probe_bpf_progs(struct sbx_features *f);
void sbx_probe_cgroup_bpf(struct sbx_features *f);
void sbx_probe_lsm(struct sbx_features *f);
void sbx_probe_kvm(struct sbx_features *f);

/* A sandbox can run: seccomp user notification and ADDFD both work. */
bool sbx_features_can_sandbox(const struct sbx_features *f);

const char *sbx_cgroup_layout_name(enum sbx_cgroup_layout layout);

/* Whether seccomp(SECCOMP_SET_MODE_FILTER) accepts `flags` (SECCOMP_FILTER_FLAG_*): 1 yes,
 * 0 no. Installs nothing. */
int sbx_seccomp_flags_supported(unsigned long flags);

/* Route libbpf's messages into lib/log.h at debug level. Idempotent. */
void sbx_libbpf_log_setup(void);

#endif
