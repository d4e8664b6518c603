/* The event record every mediation layer emits: the sentry today, kernel programs (ring
 * buffer) later. Shared by BPF and user space: fixed-width fields only, explicit padding. */
#ifndef SBX_BPF_EVENTS_H
#define SBX_BPF_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SBX_EVENT_VERSION 1
#define SBX_EVENT_ID_LEN  64

enum sbx_event_source {
	SBX_SRC_SENTRY = 1, /* seccomp user notification, handled in user space */
	SBX_SRC_KERNEL = 2, /* a BPF program */
};

enum sbx_event_action {
	SBX_ACT_ALLOW = 0,   /* let the kernel run it (CONTINUE) */
	SBX_ACT_DENY = 1,    /* failed with an errno */
	SBX_ACT_EMULATE = 2, /* answered by the sentry */
	SBX_ACT_BROKER = 3,  /* performed by the gofer */
	SBX_ACT_KILL = 4,    /* the sandbox was ended */
	SBX_ACT_AUDIT = 5,   /* would have been denied; allowed in audit mode */
	SBX_ACT__MAX
};

struct sbx_event {
	__u16 version;    /* SBX_EVENT_VERSION */
	__u16 source;     /* enum sbx_event_source */
	__u16 action;     /* enum sbx_event_action */
	__u16 _pad0;
	__s32 syscall_nr; /* -1 when not a syscall */
	__u32 pid;        /* thread group id, host pid namespace */
	__u32 tid;        /* thread id, host pid namespace */
	__u32 _pad1;
	__u64 time_ns;    /* CLOCK_REALTIME nanoseconds */
	__u64 cgroup_id;  /* the sandbox's cgroup v2 id, 0 if unknown */
	__u64 args[6];
	__s64 result;     /* the value returned to the caller, or -errno */
	__u64 latency_ns; /* from the notification to the reply */
	char sandbox[SBX_EVENT_ID_LEN]; /* sandbox id, NUL-padded */
};

#endif
